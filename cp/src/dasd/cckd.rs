//! Hercules compressed CKD images (`CKD_C370`, "CCKD").
//!
//! Layout: device header (512 bytes), compressed device header (512 bytes at offset 512),
//! the L1 table at offset 1024 (one 4-byte offset per group of 256 tracks), L2 tables of
//! 256 entries {offset 4, length 2, size 2}, track images, and free spaces. Numbers are
//! little-endian unless the header's option bit X'02' says big-endian; the cylinder count
//! is always little-endian.
//!
//! Reading: L1 entry 0 means "all 256 tracks are null tracks"; an L2 entry with offset 0 is
//! a null track whose format is in the length field; otherwise the image at the offset
//! starts with the compression code (0 none, 1 zlib, 2 bzip2) and the track's CC HH,
//! followed by the (compressed) rest of the track image.
//!
//! Writing keeps the file valid for Hercules and its checker (`cckdcdsk -3`):
//!
//! * before the first change the "opened" option bit is set (and synced), so that if the
//!   program dies in the middle Hercules knows to check the file;
//! * a rewritten track goes to a free space that was free when the file was opened, or is
//!   appended at the end of the file; the image is written before the L2 entry that points
//!   to it, and the space it replaces is only reused after the next flush has synced;
//! * `flush` merges the released spaces, drops free space at the end of the file, checks
//!   that the header, tables, track images and free spaces tile the file exactly, writes
//!   the free-space chain (one {next offset, length} block at the start of each free
//!   space, ascending), the header counters (size, used, free, free_total, free_largest,
//!   free_number, free_imbed) and clears the "opened" bit.
//!
//! If the program dies between flushes, only tracks written since the last flush can be
//! affected (after a crash of the whole machine, such a track may read back wrong): space
//! in use at the last flush is never overwritten before the next one.
//!
//! The file stays near the size of its data while it is written:
//!
//! * when the spaces released since the last flush add up to more than
//!   [`CHECKPOINT_MIN`] bytes or half the used space, `write_track` flushes by itself, so
//!   that they can be reused (a checkpoint: the file is valid and closed for Hercules
//!   again, until the next write marks it opened);
//! * `flush` compacts, as Hercules' garbage collector does: while the free space is more
//!   than [`COMPACT_MIN`] bytes or a quarter of the used space, the track images and L2
//!   tables at the end of the file are copied into free spaces nearer its start, and the
//!   file is cut after the last used space. A copy is written and synced before the
//!   pointer to it (the L2 entry or L1 entry) is changed, and the pointer is synced before
//!   the old space is freed, so that at every moment the tables point to a complete image.
//!
//! Free space is derived from the L1/L2 tables (the gaps between used spaces), not trusted
//! from the free chain, so a file with a stale chain is repaired on the first flush. A file
//! whose "opened" or "space errors" bit is set is refused for writing (another program
//! has it open, or it needs `cckdcdsk` first); it can still be opened read-only.

use super::ckd::{parse_devhdr, DEVHDR_LEN};
use super::file::ImageFile;
use super::geometry::{self, Geometry, HA_LEN};
use super::track::{self, Track};
use super::{CkdImage, DasdError, ImageFormat};
use flate2::write::ZlibEncoder;
use std::io::{Read, Write};
use std::path::Path;

const CDEVHDR_POS: u64 = 512;
const CDEVHDR_LEN: usize = 512;
const L1_POS: u64 = 1024;
const L2_ENTRIES: usize = 256;
const L2_LEN: u64 = (L2_ENTRIES * 8) as u64;
const FREEBLK_LEN: u64 = 8;
/// Released space (bytes) above which `write_track` flushes so that it can be reused (or
/// half the used space, if more).
pub(crate) const CHECKPOINT_MIN: u64 = 128 << 10;
/// Free space (bytes) above which `flush` compacts the file (or a quarter of the used
/// space, if less).
pub(crate) const COMPACT_MIN: u64 = 64 << 10;
/// Images shorter than this are stored uncompressed (as Hercules does).
const COMPRESS_MIN: usize = 512;
/// Track images of this length or less fail Hercules' checker unless stored as null
/// tracks (L2 offset 0).
const MIN_STORED_IMAGE: usize = 37;

const OPT_BIGENDIAN: u8 = 0x02;
const OPT_SPERRS: u8 = 0x20;
const OPT_ORDWR: u8 = 0x40;
const OPT_OPENED: u8 = 0x80;

const COMP_NONE: u8 = 0;
const COMP_ZLIB: u8 = 1;
const COMP_BZIP2: u8 = 2;

// Offsets of the compressed device header fields.
const H_OPTIONS: usize = 3;
const H_NUML1: usize = 4;
const H_NUML2: usize = 8;
const H_SIZE: usize = 12;
const H_USED: usize = 16;
const H_FREE: usize = 20;
const H_FREE_TOTAL: usize = 24;
const H_FREE_LARGEST: usize = 28;
const H_FREE_NUMBER: usize = 32;
const H_FREE_IMBED: usize = 36;
const H_CYLS: usize = 40;
const H_NULLFMT: usize = 44;
const H_COMPRESS: usize = 45;
const H_COMPRESS_PARM: usize = 46;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct L2Ent {
    pos: u32,
    len: u16,
    size: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    pos: u64,
    len: u64,
}

struct Endian(bool);

impl Endian {
    fn u32(&self, b: &[u8]) -> u32 {
        let a = [b[0], b[1], b[2], b[3]];
        if self.0 {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        }
    }
    fn u16(&self, b: &[u8]) -> u16 {
        let a = [b[0], b[1]];
        if self.0 {
            u16::from_be_bytes(a)
        } else {
            u16::from_le_bytes(a)
        }
    }
    fn put32(&self, b: &mut [u8], v: u32) {
        b[..4].copy_from_slice(&if self.0 {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        });
    }
    fn put16(&self, b: &mut [u8], v: u16) {
        b[..2].copy_from_slice(&if self.0 {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        });
    }
    fn l2ent(&self, b: &[u8]) -> L2Ent {
        L2Ent {
            pos: self.u32(&b[0..4]),
            len: self.u16(&b[4..6]),
            size: self.u16(&b[6..8]),
        }
    }
    fn put_l2ent(&self, b: &mut [u8], e: L2Ent) {
        self.put32(&mut b[0..4], e.pos);
        self.put16(&mut b[4..6], e.len);
        self.put16(&mut b[6..8], e.size);
    }
}

pub(crate) struct CkdC370 {
    f: ImageFile,
    geometry: &'static Geometry,
    cylinders: u16,
    heads: u16,
    trksize: u32,
    /// The compressed device header as read (reserved bytes are preserved on rewrite).
    hdr: [u8; CDEVHDR_LEN],
    end: Endian,
    /// Effective null-track format of the file.
    nullfmt: u8,
    l1: Vec<u32>,
    l2: Vec<Option<Vec<L2Ent>>>,
    // Write state (used only when opened read-write).
    free: Vec<Span>,
    pending: Vec<Span>,
    file_end: u64,
    dirty: bool,
}

impl CkdC370 {
    pub(crate) fn open(mut f: ImageFile, devhdr: &[u8; DEVHDR_LEN]) -> Result<Self, DasdError> {
        let path = f.path().to_path_buf();
        let dh = parse_devhdr(&path, devhdr)?;
        let mut hdr = [0u8; CDEVHDR_LEN];
        f.read_at(CDEVHDR_POS, &mut hdr, "compressed device header")?;
        let end = Endian(hdr[H_OPTIONS] & OPT_BIGENDIAN != 0);
        let at = |field: usize| CDEVHDR_POS + field as u64;

        let cyls = u32::from_le_bytes([
            hdr[H_CYLS],
            hdr[H_CYLS + 1],
            hdr[H_CYLS + 2],
            hdr[H_CYLS + 3],
        ]);
        if cyls == 0 || cyls > u32::from(u16::MAX) {
            return Err(DasdError::corrupt(
                &path,
                at(H_CYLS),
                format!("cylinder count {cyls} is not plausible"),
            ));
        }
        let cylinders = cyls as u16;
        let trks = cyls as usize * usize::from(dh.heads);
        let numl1 = end.u32(&hdr[H_NUML1..]) as usize;
        let need = trks.div_ceil(L2_ENTRIES);
        if numl1 != need && numl1 != need + 1 {
            return Err(DasdError::corrupt(
                &path,
                at(H_NUML1),
                format!(
                    "L1 table size {numl1} does not match {cyls} cylinders of {} tracks \
                     (expected {need})",
                    dh.heads
                ),
            ));
        }
        let numl2 = end.u32(&hdr[H_NUML2..]);
        if numl2 != L2_ENTRIES as u32 {
            return Err(DasdError::corrupt(
                &path,
                at(H_NUML2),
                format!("L2 table size {numl2}, expected 256"),
            ));
        }
        let nullfmt = match hdr[H_NULLFMT] {
            n @ 0..=2 => n,
            _ => 0, // as Hercules does
        };

        // L1 table.
        let l1size = numl1 as u64 * 4;
        let lopos = L1_POS + l1size;
        let raw_l1 = f.read_vec(L1_POS, l1size as usize, "L1 table")?;
        let l1: Vec<u32> = raw_l1.chunks_exact(4).map(|c| end.u32(c)).collect();

        // L2 tables, every entry checked against the file.
        let flen = f.len();
        let mut l2 = Vec::with_capacity(numl1);
        for (i, &e) in l1.iter().enumerate() {
            let eoff = L1_POS + 4 * i as u64;
            if e == 0 {
                l2.push(None);
                continue;
            }
            if e == u32::MAX {
                return Err(DasdError::corrupt(
                    &path,
                    eoff,
                    format!(
                        "L1 entry {i} is X'FFFFFFFF' (tracks kept in a shadow file), not valid \
                         in a base image"
                    ),
                ));
            }
            if u64::from(e) < lopos || u64::from(e) + L2_LEN > flen {
                return Err(DasdError::corrupt(
                    &path,
                    eoff,
                    format!(
                        "L1 entry {i} points to offset {e} (X'{e:X}'), outside the file area \
                         {lopos}..{flen} for a 2048-byte L2 table"
                    ),
                ));
            }
            let raw = f.read_vec(u64::from(e), L2_LEN as usize, "L2 table")?;
            let tab: Vec<L2Ent> = raw.chunks_exact(8).map(|c| end.l2ent(c)).collect();
            for (j, x) in tab.iter().enumerate() {
                if x.pos == 0 {
                    continue;
                }
                let xoff = u64::from(e) + 8 * j as u64;
                let t = i * L2_ENTRIES + j;
                let bad = |what: String| {
                    Err(DasdError::corrupt(
                        &path,
                        xoff,
                        format!(
                            "L2 entry for track {t} (offset {}, length {}, size {}): {what}",
                            x.pos, x.len, x.size
                        ),
                    ))
                };
                if x.pos == u32::MAX {
                    return bad(
                        "marks a track kept in a shadow file, not valid in a base image".into(),
                    );
                }
                if usize::from(x.len) < HA_LEN {
                    return bad("length shorter than a track header".into());
                }
                if x.size < x.len {
                    return bad("size smaller than length".into());
                }
                if u32::from(x.len) > dh.trksize {
                    return bad(format!("length exceeds the track size {}", dh.trksize));
                }
                if u64::from(x.pos) < lopos || u64::from(x.pos) + u64::from(x.size) > flen {
                    return bad(format!("image lies outside the file area {lopos}..{flen}"));
                }
            }
            l2.push(Some(tab));
        }

        let geometry = geometry::geometry_for(dh.geometry.devtype, cyls).unwrap_or(dh.geometry);
        let mut img = CkdC370 {
            f,
            geometry,
            cylinders,
            heads: dh.heads,
            trksize: dh.trksize,
            hdr,
            end,
            nullfmt,
            l1,
            l2,
            free: Vec::new(),
            pending: Vec::new(),
            file_end: flen,
            dirty: false,
        };
        if img.f.writable() {
            img.prepare_for_writing()?;
        }
        Ok(img)
    }

    fn path_buf(&self) -> std::path::PathBuf {
        self.f.path().to_path_buf()
    }

    fn hdr_u32(&self, field: usize) -> u32 {
        self.end.u32(&self.hdr[field..])
    }

    /// Every used space of the file: (offset, size, length, description).
    fn used_spaces(&self) -> Vec<(u64, u64, u64, String)> {
        let l1size = self.l1.len() as u64 * 4;
        let mut v = vec![
            (
                0,
                DEVHDR_LEN as u64,
                DEVHDR_LEN as u64,
                "device header".to_string(),
            ),
            (
                CDEVHDR_POS,
                CDEVHDR_LEN as u64,
                CDEVHDR_LEN as u64,
                "compressed device header".to_string(),
            ),
            (L1_POS, l1size, l1size, "L1 table".to_string()),
        ];
        for (i, (&e, tab)) in self.l1.iter().zip(&self.l2).enumerate() {
            let Some(tab) = tab else { continue };
            v.push((u64::from(e), L2_LEN, L2_LEN, format!("L2 table {i}")));
            for (j, x) in tab.iter().enumerate() {
                if x.pos != 0 {
                    v.push((
                        u64::from(x.pos),
                        u64::from(x.size),
                        u64::from(x.len),
                        format!("image of track {}", i * L2_ENTRIES + j),
                    ));
                }
            }
        }
        v.sort_by_key(|s| s.0);
        v
    }

    /// Check that the used spaces do not overlap and derive the free spaces (opened
    /// read-write only).
    fn prepare_for_writing(&mut self) -> Result<(), DasdError> {
        let path = self.path_buf();
        let opts = self.hdr[H_OPTIONS];
        if opts & OPT_OPENED != 0 {
            return Err(DasdError::unsupported(
                &path,
                "the file is marked as opened (X'80' option bit): another program has it open, \
                 or it was not closed cleanly; check it with Hercules' cckdcdsk, or open it \
                 read-only",
            ));
        }
        if opts & OPT_SPERRS != 0 {
            return Err(DasdError::unsupported(
                &path,
                "the file is marked as having space errors (X'20' option bit); repair it with \
                 Hercules' cckdcdsk, or open it read-only",
            ));
        }
        let spaces = self.used_spaces();
        let mut cursor = 0u64;
        let mut prev = String::new();
        let mut free = Vec::new();
        for (pos, size, _, what) in &spaces {
            if *pos < cursor {
                return Err(DasdError::corrupt(
                    &path,
                    *pos,
                    format!("{what} overlaps {prev} (which ends at offset {cursor})"),
                ));
            }
            if *pos > cursor {
                free.push(Span {
                    pos: cursor,
                    len: pos - cursor,
                });
            }
            if what.starts_with("image") && *size < FREEBLK_LEN {
                return Err(DasdError::corrupt(
                    &path,
                    *pos,
                    format!("{what} occupies only {size} bytes, too short to be valid"),
                ));
            }
            cursor = pos + size;
            prev.clone_from(what);
        }
        // A new-format free-space table written at the end of the file lies beyond the
        // header's size; it is not part of the image.
        let size = u64::from(self.hdr_u32(H_SIZE));
        let fre = u64::from(self.hdr_u32(H_FREE));
        let flen = self.f.len();
        let file_end = if fre != 0 && fre == size && cursor == size && size <= flen {
            size
        } else {
            flen
        };
        if cursor < file_end {
            free.push(Span {
                pos: cursor,
                len: file_end - cursor,
            });
        }
        if let Some(s) = free
            .iter()
            .find(|s| s.len < FREEBLK_LEN && s.pos + s.len != file_end)
        {
            return Err(DasdError::corrupt(
                &path,
                s.pos,
                format!(
                    "unused gap of {} bytes is too small to hold a free-space entry; repair \
                     the file with Hercules' cckdcdsk first",
                    s.len
                ),
            ));
        }
        if file_end > u64::from(u32::MAX) {
            return Err(DasdError::unsupported(
                &path,
                "CKD_C370 file larger than 4 GiB",
            ));
        }
        self.free = free;
        self.file_end = file_end;
        Ok(())
    }

    fn track_index(&self, cyl: u16, head: u16) -> Result<usize, DasdError> {
        if cyl >= self.cylinders || head >= self.heads {
            return Err(DasdError::NoSuchTrack {
                path: self.path_buf(),
                cyl,
                head,
                cylinders: self.cylinders,
                heads: self.heads,
            });
        }
        Ok(usize::from(cyl) * usize::from(self.heads) + usize::from(head))
    }

    /// The null format a zero-offset L2 entry with this length field stands for.
    fn null_format(&self, len: u16) -> u8 {
        match len {
            0 if self.nullfmt == 2 => 2,
            0..=2 => len as u8,
            _ => self.nullfmt,
        }
    }

    fn entry(&self, t: usize) -> L2Ent {
        match &self.l2[t / L2_ENTRIES] {
            Some(tab) => tab[t % L2_ENTRIES],
            None => L2Ent {
                pos: 0,
                len: u16::from(self.nullfmt),
                size: u16::from(self.nullfmt),
            },
        }
    }

    /// Decompress a stored track image into a plain one (byte 0 = 0).
    fn expand(&self, stored: &[u8], pos: u64, cyl: u16, head: u16) -> Result<Vec<u8>, DasdError> {
        let max = self.trksize as usize;
        let limit = (max - HA_LEN + 1) as u64;
        let mut img = Vec::with_capacity(max);
        img.extend_from_slice(&[0, stored[1], stored[2], stored[3], stored[4]]);
        let body = &stored[HA_LEN..];
        let (name, res) = match stored[0] {
            COMP_NONE => {
                img.extend_from_slice(body);
                return Ok(img);
            }
            COMP_ZLIB => (
                "zlib",
                flate2::read::ZlibDecoder::new(body)
                    .take(limit)
                    .read_to_end(&mut img),
            ),
            COMP_BZIP2 => (
                "bzip2",
                bzip2::read::BzDecoder::new(body)
                    .take(limit)
                    .read_to_end(&mut img),
            ),
            c => {
                return Err(DasdError::corrupt(
                    self.f.path(),
                    pos,
                    format!(
                        "image of cylinder {cyl} head {head} has compression code X'{c:02X}' \
                         (known: 0 none, 1 zlib, 2 bzip2)"
                    ),
                ))
            }
        };
        if let Err(e) = res {
            return Err(DasdError::corrupt(
                self.f.path(),
                pos,
                format!("{name} data of cylinder {cyl} head {head} does not decompress: {e}"),
            ));
        }
        if img.len() > max {
            return Err(DasdError::corrupt(
                self.f.path(),
                pos,
                format!(
                    "{name} data of cylinder {cyl} head {head} expands beyond the track size {max}"
                ),
            ));
        }
        Ok(img)
    }

    /// Set the "opened" bit on disk before the first change.
    fn mark_opened(&mut self) -> Result<(), DasdError> {
        if self.dirty {
            return Ok(());
        }
        let mut h = self.hdr;
        h[H_OPTIONS] |= OPT_OPENED | OPT_ORDWR;
        self.f.write_at(CDEVHDR_POS, &h)?;
        self.f.sync()?;
        self.hdr = h;
        self.dirty = true;
        Ok(())
    }

    /// Find space for `len` bytes: a free space that was free when the file was last
    /// flushed, or the end of the file. Returns (offset, size); size > len only for a track
    /// image that takes a free space with less than 8 bytes to spare.
    fn alloc(&mut self, len: u64, imbed_ok: bool) -> Result<(u64, u64), DasdError> {
        for i in 0..self.free.len() {
            let s = self.free[i];
            if s.len < len {
                continue;
            }
            let rem = s.len - len;
            if rem == 0 {
                self.free.remove(i);
                return Ok((s.pos, len));
            }
            if rem >= FREEBLK_LEN {
                self.free[i].pos += len;
                self.free[i].len -= len;
                return Ok((s.pos, len));
            }
            if imbed_ok && s.len <= u64::from(u16::MAX) {
                self.free.remove(i);
                return Ok((s.pos, s.len));
            }
        }
        let pos = self.file_end;
        if pos + len > u64::from(u32::MAX) {
            return Err(DasdError::unsupported(
                self.f.path(),
                "the CKD_C370 file would grow beyond 4 GiB",
            ));
        }
        self.file_end = pos + len;
        Ok((pos, len))
    }

    /// Encode a track for storage: compression code, CC HH, (compressed) rest.
    fn compress(&self, img: &[u8]) -> Vec<u8> {
        let mode = self.hdr[H_COMPRESS];
        if mode != COMP_NONE && img.len() >= COMPRESS_MIN {
            let parm = self.end.u16(&self.hdr[H_COMPRESS_PARM..]) as i16;
            let level = match parm {
                0..=9 => flate2::Compression::new(parm as u32),
                _ => flate2::Compression::default(),
            };
            let mut enc = ZlibEncoder::new(Vec::with_capacity(img.len() / 2), level);
            let z = enc
                .write_all(&img[HA_LEN..])
                .and_then(|_| enc.finish())
                .ok();
            if let Some(z) = z {
                if z.len() + HA_LEN < img.len() {
                    let mut out = Vec::with_capacity(HA_LEN + z.len());
                    out.extend_from_slice(&[COMP_ZLIB, img[1], img[2], img[3], img[4]]);
                    out.extend_from_slice(&z);
                    return out;
                }
            }
        }
        img.to_vec()
    }

    /// Makes the released spaces free (call only when the tables that stopped pointing to
    /// them are synced), merges neighbouring free spaces and drops free space at the end
    /// of the file.
    fn release_pending(&mut self) {
        let mut free = std::mem::take(&mut self.free);
        free.append(&mut self.pending);
        free.sort_by_key(|s| s.pos);
        let mut merged: Vec<Span> = Vec::with_capacity(free.len());
        for s in free {
            match merged.last_mut() {
                Some(m) if m.pos + m.len == s.pos => m.len += s.len,
                _ => merged.push(s),
            }
        }
        if let Some(last) = merged.last() {
            if last.pos + last.len == self.file_end {
                self.file_end = last.pos;
                merged.pop();
            }
        }
        self.free = merged;
    }

    /// Takes `len` bytes (or, for a track image, a whole space with less than 8 bytes to
    /// spare) from the first free space that lies before `before`.
    fn alloc_below(&mut self, len: u64, before: u64, imbed_ok: bool) -> Option<(u64, u64)> {
        for i in 0..self.free.len() {
            let s = self.free[i];
            if s.pos + s.len > before {
                return None;
            }
            if s.len < len {
                continue;
            }
            let rem = s.len - len;
            if rem == 0 {
                self.free.remove(i);
                return Some((s.pos, len));
            }
            if rem >= FREEBLK_LEN {
                self.free[i].pos += len;
                self.free[i].len -= len;
                return Some((s.pos, len));
            }
            if imbed_ok && s.len <= u64::from(u16::MAX) {
                self.free.remove(i);
                return Some((s.pos, s.len));
            }
        }
        None
    }

    /// Garbage collection: moves the track images and L2 tables at the end of the file
    /// into free spaces before them, in rounds, until the free space is small or nothing
    /// at the end fits lower down. Every free space here is free on disk (the flush has
    /// synced the tables that stopped using it).
    fn compact(&mut self) -> Result<(), DasdError> {
        for _round in 0..64 {
            let free: u64 = self.free.iter().map(|s| s.len).sum();
            let used = self.file_end - free;
            if free == 0 || free < COMPACT_MIN.min(used / 4) {
                return Ok(());
            }
            // Movable spaces from the end of the file down: (pos, size, what), where what
            // is Ok(track index) or Err(L1 index) for an L2 table.
            let mut spaces: Vec<(u64, u64, Result<usize, usize>)> = Vec::new();
            for (i, (&e, tab)) in self.l1.iter().zip(&self.l2).enumerate() {
                let Some(tab) = tab else { continue };
                spaces.push((u64::from(e), L2_LEN, Err(i)));
                for (j, x) in tab.iter().enumerate() {
                    if x.pos != 0 {
                        spaces.push((u64::from(x.pos), u64::from(x.size), Ok(i * L2_ENTRIES + j)));
                    }
                }
            }
            spaces.sort_by_key(|s| std::cmp::Reverse(s.0));
            // Phase 1: copy each space, from the last one down, to free space before it;
            // stop at the first that does not fit (the file cannot end earlier than it).
            let mut moved_tracks: Vec<(usize, L2Ent, u64, u64)> = Vec::new();
            let mut moved_l2: Vec<(usize, u64, u64)> = Vec::new();
            for &(pos, size, what) in &spaces {
                match what {
                    Ok(t) => {
                        let e = self.entry(t);
                        let Some((to, tsize)) = self.alloc_below(u64::from(e.len), pos, true)
                        else {
                            break;
                        };
                        let data = self.f.read_vec(pos, usize::from(e.len), "track image")?;
                        self.f.write_at(to, &data)?;
                        let ne = L2Ent {
                            pos: to as u32,
                            len: e.len,
                            size: tsize as u16,
                        };
                        moved_tracks.push((t, ne, pos, size));
                    }
                    Err(i) => {
                        let Some((to, _)) = self.alloc_below(L2_LEN, pos, false) else {
                            break;
                        };
                        moved_l2.push((i, to, pos));
                    }
                }
            }
            if moved_tracks.is_empty() && moved_l2.is_empty() {
                return Ok(());
            }
            // The new L2 entries in memory; moved L2 tables are written from memory, with
            // them.
            for &(t, ne, _, _) in &moved_tracks {
                let (i, j) = (t / L2_ENTRIES, t % L2_ENTRIES);
                if let Some(tab) = self.l2[i].as_mut() {
                    tab[j] = ne;
                }
            }
            for &(i, to, _) in &moved_l2 {
                let mut raw = vec![0u8; L2_LEN as usize];
                if let Some(tab) = &self.l2[i] {
                    for (c, x) in raw.chunks_exact_mut(8).zip(tab) {
                        self.end.put_l2ent(c, *x);
                    }
                }
                self.f.write_at(to, &raw)?;
            }
            self.f.sync()?;
            // Phase 2: point to the copies (each pointer is one small write; before and
            // after it the table points to a complete copy).
            let mut new_l1 = self.l1.clone();
            for &(i, to, _) in &moved_l2 {
                new_l1[i] = to as u32;
            }
            for &(t, ne, _, _) in &moved_tracks {
                let (i, j) = (t / L2_ENTRIES, t % L2_ENTRIES);
                if moved_l2.iter().any(|m| m.0 == i) {
                    continue; // the moved table already holds the entry
                }
                let mut b = [0u8; 8];
                self.end.put_l2ent(&mut b, ne);
                self.f.write_at(u64::from(self.l1[i]) + 8 * j as u64, &b)?;
            }
            for &(i, to, _) in &moved_l2 {
                let mut b = [0u8; 4];
                self.end.put32(&mut b, to as u32);
                self.f.write_at(L1_POS + 4 * i as u64, &b)?;
            }
            self.l1 = new_l1;
            self.f.sync()?;
            // Phase 3: the old spaces are free.
            for &(_, _, pos, size) in &moved_tracks {
                self.pending.push(Span { pos, len: size });
            }
            for &(_, _, pos) in &moved_l2 {
                self.pending.push(Span { pos, len: L2_LEN });
            }
            self.release_pending();
        }
        Ok(())
    }

    /// Write the L2 entry of track `t` (creating its L2 table if the group had none).
    fn set_entry(&mut self, t: usize, e: L2Ent) -> Result<L2Ent, DasdError> {
        let (l1x, l2x) = (t / L2_ENTRIES, t % L2_ENTRIES);
        if let Some(old) = self.l2[l1x].as_ref().map(|tab| tab[l2x]) {
            let mut b = [0u8; 8];
            self.end.put_l2ent(&mut b, e);
            let off = u64::from(self.l1[l1x]) + 8 * l2x as u64;
            self.f.write_at(off, &b)?;
            if let Some(tab) = self.l2[l1x].as_mut() {
                tab[l2x] = e;
            }
            return Ok(old);
        }
        let empty = L2Ent {
            pos: 0,
            len: u16::from(self.nullfmt),
            size: u16::from(self.nullfmt),
        };
        let mut tab = vec![empty; L2_ENTRIES];
        tab[l2x] = e;
        let mut raw = vec![0u8; L2_LEN as usize];
        for (c, x) in raw.chunks_exact_mut(8).zip(&tab) {
            self.end.put_l2ent(c, *x);
        }
        let (pos, _) = self.alloc(L2_LEN, false)?;
        if let Err(err) = self.f.write_at(pos, &raw) {
            self.pending.push(Span { pos, len: L2_LEN });
            return Err(err);
        }
        let mut b = [0u8; 4];
        self.end.put32(&mut b, pos as u32);
        if let Err(err) = self.f.write_at(L1_POS + 4 * l1x as u64, &b) {
            self.pending.push(Span { pos, len: L2_LEN });
            return Err(err);
        }
        self.l1[l1x] = pos as u32;
        self.l2[l1x] = Some(tab);
        Ok(empty)
    }
}

impl CkdImage for CkdC370 {
    fn geometry(&self) -> &Geometry {
        self.geometry
    }

    fn cylinders(&self) -> u16 {
        self.cylinders
    }

    fn format(&self) -> ImageFormat {
        ImageFormat::CkdC370
    }

    fn path(&self) -> &Path {
        self.f.path()
    }

    fn read_track(&mut self, cyl: u16, head: u16) -> Result<Track, DasdError> {
        let t = self.track_index(cyl, head)?;
        let e = self.entry(t);
        if e.pos == 0 {
            return Ok(track::null_track(cyl, head, self.null_format(e.len)));
        }
        let pos = u64::from(e.pos);
        let stored = self.f.read_vec(pos, usize::from(e.len), "track image")?;
        let img = self.expand(&stored, pos, cyl, head)?;
        let compressed = stored[0] != COMP_NONE;
        track::decode_image(&img, cyl, head).map_err(|(o, what)| {
            if compressed && o >= HA_LEN {
                DasdError::corrupt(
                    self.f.path(),
                    pos,
                    format!(
                        "image of cylinder {cyl} head {head}, at byte {o} of the decompressed \
                         track: {what}"
                    ),
                )
            } else {
                DasdError::corrupt(
                    self.f.path(),
                    pos + o as u64,
                    format!("image of cylinder {cyl} head {head}: {what}"),
                )
            }
        })
    }

    fn write_track(&mut self, cyl: u16, head: u16, trk: &Track) -> Result<(), DasdError> {
        if !self.f.writable() {
            return Err(DasdError::ReadOnly {
                path: self.path_buf(),
            });
        }
        let t = self.track_index(cyl, head)?;
        let path = self.path_buf();
        if trk.cyl != cyl || trk.head != head {
            return Err(DasdError::bad_track(
                &path,
                cyl,
                head,
                format!("the track says cylinder {} head {}", trk.cyl, trk.head),
            ));
        }
        let max = (self.trksize as usize).min(usize::from(u16::MAX));
        trk.check(self.heads, max)
            .map_err(|what| DasdError::bad_track(&path, cyl, head, what))?;
        let img = track::encode_image(trk);

        // A standard null track is stored as an L2 entry without an image.
        let null = [0u8, 1].into_iter().find(|&fmt| {
            let as_null = if fmt == 0 && self.nullfmt == 2 {
                2
            } else {
                fmt
            };
            as_null == fmt && img == track::encode_image(&track::null_track(cyl, head, fmt))
        });
        if null.is_none() && img.len() <= MIN_STORED_IMAGE {
            return Err(DasdError::bad_track(
                &path,
                cyl,
                head,
                format!(
                    "a compressed (CKD_C370) image cannot hold a {}-byte track other than a \
                     standard null track (Hercules' checker rejects such images)",
                    img.len()
                ),
            ));
        }

        self.mark_opened()?;
        let new = match null {
            Some(fmt) => L2Ent {
                pos: 0,
                len: u16::from(fmt),
                size: u16::from(fmt),
            },
            None => {
                let stored = self.compress(&img);
                let (pos, size) = self.alloc(stored.len() as u64, true)?;
                if let Err(e) = self.f.write_at(pos, &stored) {
                    self.pending.push(Span { pos, len: size });
                    return Err(e);
                }
                L2Ent {
                    pos: pos as u32,
                    len: stored.len() as u16,
                    size: size as u16,
                }
            }
        };
        match self.set_entry(t, new) {
            Ok(old) => {
                if old.pos != 0 {
                    self.pending.push(Span {
                        pos: u64::from(old.pos),
                        len: u64::from(old.size),
                    });
                }
                // Released space is reusable only after a flush: checkpoint when there
                // is much of it, so that the file does not grow with every rewrite.
                let released: u64 = self.pending.iter().map(|s| s.len).sum();
                let used = self.file_end - self.free.iter().map(|s| s.len).sum::<u64>();
                if released > CHECKPOINT_MIN.max(used / 2) {
                    self.flush()?;
                }
                Ok(())
            }
            Err(e) => {
                if new.pos != 0 {
                    self.pending.push(Span {
                        pos: u64::from(new.pos),
                        len: u64::from(new.size),
                    });
                }
                Err(e)
            }
        }
    }

    fn flush(&mut self) -> Result<(), DasdError> {
        if !self.dirty {
            return Ok(());
        }
        let path = self.path_buf();
        // Track images and L2 entries reach the disk before any space is reused.
        self.f.sync()?;
        self.release_pending();
        self.compact()?;

        // The used and free spaces must tile the file exactly.
        let used = self.used_spaces();
        let mut all: Vec<(u64, u64, bool)> = used.iter().map(|s| (s.0, s.1, true)).collect();
        all.extend(self.free.iter().map(|s| (s.pos, s.len, false)));
        all.sort_by_key(|s| s.0);
        let mut cursor = 0;
        for (pos, size, is_used) in &all {
            if *pos != cursor || (!is_used && *size < FREEBLK_LEN) {
                return Err(DasdError::corrupt(
                    &path,
                    *pos,
                    format!(
                        "internal space accounting error (expected a space at offset {cursor}); \
                         the file stays marked as opened so that Hercules' cckdcdsk rebuilds \
                         its free space"
                    ),
                ));
            }
            cursor += size;
        }
        if cursor != self.file_end {
            return Err(DasdError::corrupt(
                &path,
                cursor,
                "internal space accounting error at the end of the file; the file stays \
                 marked as opened",
            ));
        }

        if self.f.len() != self.file_end {
            self.f.set_len(self.file_end)?;
        }
        // Free-space chain (Hercules' "old format"): {next offset, length} per space.
        for i in 0..self.free.len() {
            let next = self.free.get(i + 1).map_or(0, |s| s.pos as u32);
            let mut b = [0u8; FREEBLK_LEN as usize];
            self.end.put32(&mut b[0..4], next);
            self.end.put32(&mut b[4..8], self.free[i].len as u32);
            let pos = self.free[i].pos;
            self.f.write_at(pos, &b)?;
        }
        let used_bytes: u64 = used.iter().map(|s| s.2).sum();
        let imbed: u64 = used.iter().map(|s| s.1 - s.2).sum();
        let free_bytes: u64 = self.free.iter().map(|s| s.len).sum();
        let largest = self.free.iter().map(|s| s.len).max().unwrap_or(0);
        let mut h = self.hdr;
        let put = |h: &mut [u8; CDEVHDR_LEN], field: usize, v: u64| {
            self.end.put32(&mut h[field..], v as u32);
        };
        put(&mut h, H_SIZE, self.file_end);
        put(&mut h, H_USED, used_bytes);
        put(&mut h, H_FREE, self.free.first().map_or(0, |s| s.pos));
        put(&mut h, H_FREE_TOTAL, free_bytes + imbed);
        put(&mut h, H_FREE_LARGEST, largest);
        put(&mut h, H_FREE_NUMBER, self.free.len() as u64);
        put(&mut h, H_FREE_IMBED, imbed);
        h[H_OPTIONS] = (h[H_OPTIONS] | OPT_ORDWR) & !OPT_OPENED;
        self.f.sync()?;
        self.f.write_at(CDEVHDR_POS, &h)?;
        self.f.sync()?;
        self.hdr = h;
        self.dirty = false;
        Ok(())
    }

    fn read_only(&self) -> bool {
        !self.f.writable()
    }
}

impl Drop for CkdC370 {
    fn drop(&mut self) {
        if self.dirty {
            let _ = self.flush();
        }
    }
}

/// Create a new, empty `CKD_C370` image (every track a null track of format 1: home
/// address and R0 of zeros) and open it read-write.
pub(crate) fn create(
    path: &Path,
    g: &'static Geometry,
    cylinders: u16,
) -> Result<CkdC370, DasdError> {
    let mut f = ImageFile::create_new(path)?;
    let result = (|| {
        let trks = usize::from(cylinders) * usize::from(g.heads);
        let numl1 = trks.div_ceil(L2_ENTRIES);
        let size = L1_POS + 4 * numl1 as u64;
        let e = Endian(false);
        let mut h = [0u8; CDEVHDR_LEN];
        h[0..3].copy_from_slice(&[0, 3, 1]);
        h[H_OPTIONS] = OPT_ORDWR | 0x01;
        e.put32(&mut h[H_NUML1..], numl1 as u32);
        e.put32(&mut h[H_NUML2..], L2_ENTRIES as u32);
        e.put32(&mut h[H_SIZE..], size as u32);
        e.put32(&mut h[H_USED..], size as u32);
        h[H_CYLS..H_CYLS + 4].copy_from_slice(&u32::from(cylinders).to_le_bytes());
        h[H_NULLFMT] = 1;
        h[H_COMPRESS] = COMP_ZLIB;
        e.put16(&mut h[H_COMPRESS_PARM..], u16::MAX); // -1: default level
        let devhdr = super::ckd::build_devhdr(b"CKD_C370", g);
        let mut all = Vec::with_capacity(size as usize);
        all.extend_from_slice(&devhdr);
        all.extend_from_slice(&h);
        all.resize(size as usize, 0);
        f.write_at(0, &all)?;
        f.sync()?;
        CkdC370::open(f, &devhdr)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(path);
    }
    result
}
