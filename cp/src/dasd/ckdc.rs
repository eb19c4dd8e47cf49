//! emx370 `.ckdc` disk images and their `.ckdc.delta` overlays (read-only).
//!
//! A file starts with a 32-byte header: version (2; X'0001' base, X'8001' delta), volume
//! serial (6, EBCDIC), cylinders (2), heads (2), maximum track size (3), maximum records
//! per track (1), drive-type code (4, e.g. X'00335000'), reserved (12). Track entries
//! follow in ascending (cylinder, head) order: cylinder (2), head (1), payload length (3),
//! payload; the list ends with cylinder X'FFFF' or head X'FF'. A payload holds the home
//! address (5), R0's count and data (16), the uncompressed buffer length U (3), the
//! number n of further records (2), n count entries {record number 2, key length 1, data
//! length 2, buffer offset 3}, and a zlib stream that inflates to the U-byte buffer
//! holding every record's key and data. Records R1..Rn take cylinder and head from the
//! home address. A delta file (same geometry) replaces whole tracks of the base.

use super::file::ImageFile;
use super::geometry::{self, Geometry};
use super::track::{Record, Track};
use super::{CkdImage, DasdError, ImageFormat};
use std::io::Read;
use std::path::{Path, PathBuf};

const HDR_LEN: usize = 32;
const PREFIX_LEN: u64 = 6;

/// Where one track's payload is.
#[derive(Clone, Copy)]
struct Entry {
    delta: bool,
    pos: u64,
    len: u32,
}

struct Header {
    volser: [u8; 6],
    cylinders: u16,
    heads: u16,
    max_track: u32,
    max_recs: u8,
    drive: u32,
}

fn parse_header(path: &Path, h: &[u8; HDR_LEN], delta: bool) -> Result<Header, DasdError> {
    let version = u16::from_be_bytes([h[0], h[1]]);
    let want = if delta { 0x8001 } else { 0x0001 };
    if version != want {
        let what = if !delta && version == 0x8001 {
            "this is a .ckdc.delta overlay; open its base .ckdc file instead".to_string()
        } else {
            format!("version X'{version:04X}', expected X'{want:04X}'")
        };
        return Err(DasdError::corrupt(path, 0, what));
    }
    let mut volser = [0u8; 6];
    volser.copy_from_slice(&h[2..8]);
    Ok(Header {
        volser,
        cylinders: u16::from_be_bytes([h[8], h[9]]),
        heads: u16::from_be_bytes([h[10], h[11]]),
        max_track: u32::from_be_bytes([0, h[12], h[13], h[14]]),
        max_recs: h[15],
        drive: u32::from_be_bytes([h[16], h[17], h[18], h[19]]),
    })
}

pub(crate) struct Ckdc {
    base: ImageFile,
    delta: Option<ImageFile>,
    geometry: &'static Geometry,
    cylinders: u16,
    heads: u16,
    volser: [u8; 6],
    max_track: usize,
    index: Vec<Entry>,
}

impl Ckdc {
    pub(crate) fn open(mut base: ImageFile) -> Result<Self, DasdError> {
        let path = base.path().to_path_buf();
        let mut raw = [0u8; HDR_LEN];
        base.read_at(0, &mut raw, "emx370 header")?;
        let h = parse_header(&path, &raw, false)?;
        let devtype = (h.drive >> 8) as u16;
        let g = geometry::geometry(devtype).ok_or_else(|| {
            DasdError::corrupt(
                &path,
                16,
                format!(
                    "drive type code X'{:08X}' is not a known CKD device",
                    h.drive
                ),
            )
        })?;
        if h.heads != g.heads {
            return Err(DasdError::corrupt(
                &path,
                10,
                format!(
                    "header says {} heads; a {:04X} has {}",
                    h.heads, devtype, g.heads
                ),
            ));
        }
        if h.cylinders == 0 {
            return Err(DasdError::corrupt(&path, 8, "zero cylinders"));
        }
        let geometry = geometry::geometry_for(devtype, u32::from(h.cylinders)).unwrap_or(g);
        let trks = usize::from(h.cylinders) * usize::from(h.heads);

        // Base: every track, in order.
        let mut index = Vec::with_capacity(trks);
        scan(&mut base, h.cylinders, h.heads, |t, e, off| {
            if t != index.len() {
                return Err((
                    off,
                    format!(
                        "track {t} where track {} was expected (a base file holds every track \
                         in order)",
                        index.len()
                    ),
                ));
            }
            index.push(e);
            Ok(())
        })?;
        if index.len() != trks {
            return Err(DasdError::corrupt(
                &path,
                base.len(),
                format!(
                    "base file holds {} tracks; {} cylinders of {} heads need {trks}",
                    index.len(),
                    h.cylinders,
                    h.heads
                ),
            ));
        }

        // Delta overlay, if there is one.
        let dpath = delta_path(&path);
        let delta = match ImageFile::open(&dpath, true) {
            Ok(mut d) => {
                let mut raw = [0u8; HDR_LEN];
                d.read_at(0, &mut raw, "emx370 delta header")?;
                let dh = parse_header(&dpath, &raw, true)?;
                if dh.volser != h.volser
                    || dh.cylinders != h.cylinders
                    || dh.heads != h.heads
                    || dh.max_track != h.max_track
                    || dh.max_recs != h.max_recs
                    || dh.drive != h.drive
                {
                    return Err(DasdError::corrupt(
                        &dpath,
                        2,
                        "delta header does not repeat the base file's volume serial and geometry",
                    ));
                }
                let mut last: Option<usize> = None;
                scan(&mut d, h.cylinders, h.heads, |t, mut e, off| {
                    if last.is_some_and(|l| t <= l) {
                        return Err((off, "delta tracks are not in ascending order".to_string()));
                    }
                    last = Some(t);
                    e.delta = true;
                    index[t] = e;
                    Ok(())
                })?;
                Some(d)
            }
            Err(DasdError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                None
            }
            Err(e) => return Err(e),
        };

        Ok(Ckdc {
            base,
            delta,
            geometry,
            cylinders: h.cylinders,
            heads: h.heads,
            volser: h.volser,
            max_track: h.max_track as usize,
            index,
        })
    }

    /// The volume serial from the header, EBCDIC.
    pub(crate) fn volser(&self) -> [u8; 6] {
        self.volser
    }
}

/// `x.ckdc` -> `x.ckdc.delta`
fn delta_path(base: &Path) -> PathBuf {
    let mut s = base.as_os_str().to_os_string();
    s.push(".delta");
    PathBuf::from(s)
}

/// Walk the track entries of a file, calling `f(track number, entry, prefix offset)`.
fn scan(
    file: &mut ImageFile,
    cyls: u16,
    heads: u16,
    mut f: impl FnMut(usize, Entry, u64) -> Result<(), (u64, String)>,
) -> Result<(), DasdError> {
    let mut off = HDR_LEN as u64;
    loop {
        let mut p = [0u8; PREFIX_LEN as usize];
        file.read_at(off, &mut p, "track entry prefix (or end marker)")?;
        let cyl = u16::from_be_bytes([p[0], p[1]]);
        let head = p[2];
        if cyl == 0xFFFF || head == 0xFF {
            return Ok(());
        }
        let len = u32::from_be_bytes([0, p[3], p[4], p[5]]);
        if cyl >= cyls || u16::from(head) >= heads {
            return Err(DasdError::corrupt(
                file.path(),
                off,
                format!("track entry for cylinder {cyl} head {head} is outside the geometry"),
            ));
        }
        let pos = off + PREFIX_LEN;
        if pos + u64::from(len) > file.len() {
            return Err(DasdError::corrupt(
                file.path(),
                off,
                format!(
                    "payload of cylinder {cyl} head {head} ({len} bytes) runs past the end of \
                     the file"
                ),
            ));
        }
        let t = usize::from(cyl) * usize::from(heads) + usize::from(head);
        f(
            t,
            Entry {
                delta: false,
                pos,
                len,
            },
            off,
        )
        .map_err(|(o, w)| DasdError::corrupt(file.path(), o, w))?;
        off = pos + u64::from(len);
    }
}

/// Decode one payload; errors give (offset within the payload, what). `max_track` is the
/// header's maximum track size: emx370 sometimes compresses its whole track buffer of that
/// size while U counts only the bytes in use (seen in the 195 delta: U = 15200, the stream
/// inflates to 19254 bytes of which the rest are zeros), so the stream may inflate to more
/// than U bytes, up to that size; the bytes after U are ignored.
fn decode(p: &[u8], cyl: u16, head: u16, max_track: usize) -> Result<Track, (usize, String)> {
    let need = |at: usize, n: usize, what: &str| -> Result<(), (usize, String)> {
        if at + n > p.len() {
            Err((
                at,
                format!("payload of {} bytes ends inside the {what}", p.len()),
            ))
        } else {
            Ok(())
        }
    };
    need(0, 26, "home address, R0 and record count")?;
    let mut home_address = [0u8; 5];
    home_address.copy_from_slice(&p[0..5]);
    let r0c = &p[5..13];
    if r0c[5] != 0 || u16::from_be_bytes([r0c[6], r0c[7]]) != 8 {
        return Err((
            5,
            format!(
                "R0 count has key length {} and data length {}, expected 0 and 8",
                r0c[5],
                u16::from_be_bytes([r0c[6], r0c[7]])
            ),
        ));
    }
    let mut records = vec![Record {
        cyl: u16::from_be_bytes([r0c[0], r0c[1]]),
        head: u16::from_be_bytes([r0c[2], r0c[3]]),
        rec: r0c[4],
        key: Vec::new(),
        data: p[13..21].to_vec(),
    }];
    let u = u32::from_be_bytes([0, p[21], p[22], p[23]]) as usize;
    let n = usize::from(u16::from_be_bytes([p[24], p[25]]));
    need(26, 8 * n, "record count entries")?;
    let zpos = 26 + 8 * n;
    let limit = u.max(max_track);
    let mut buf = Vec::with_capacity(limit);
    let res = flate2::read::ZlibDecoder::new(&p[zpos..])
        .take(limit as u64 + 1)
        .read_to_end(&mut buf);
    if let Err(e) = res {
        return Err((zpos, format!("zlib data does not decompress: {e}")));
    }
    if buf.len() < u || buf.len() > limit {
        return Err((
            zpos,
            format!(
                "zlib data decompresses to {} bytes; the payload says {u} (at most {limit} \
                 expected)",
                buf.len()
            ),
        ));
    }
    let cc = u16::from_be_bytes([home_address[1], home_address[2]]);
    let hh = u16::from_be_bytes([home_address[3], home_address[4]]);
    for i in 0..n {
        let c = &p[26 + 8 * i..34 + 8 * i];
        let rec = c[1];
        let kl = usize::from(c[2]);
        let dl = usize::from(u16::from_be_bytes([c[3], c[4]]));
        let off = u32::from_be_bytes([0, c[5], c[6], c[7]]) as usize;
        if off + kl + dl > u {
            return Err((
                26 + 8 * i,
                format!(
                    "record {} (key {kl}, data {dl} bytes at buffer offset {off}) lies outside \
                     the {u}-byte buffer",
                    i + 1
                ),
            ));
        }
        records.push(Record {
            cyl: cc,
            head: hh,
            rec,
            key: buf[off..off + kl].to_vec(),
            data: buf[off + kl..off + kl + dl].to_vec(),
        });
    }
    Ok(Track {
        cyl,
        head,
        home_address,
        records,
    })
}

impl CkdImage for Ckdc {
    fn geometry(&self) -> &Geometry {
        self.geometry
    }

    fn cylinders(&self) -> u16 {
        self.cylinders
    }

    fn format(&self) -> ImageFormat {
        ImageFormat::Ckdc
    }

    fn path(&self) -> &Path {
        self.base.path()
    }

    fn read_track(&mut self, cyl: u16, head: u16) -> Result<Track, DasdError> {
        if cyl >= self.cylinders || head >= self.heads {
            return Err(DasdError::NoSuchTrack {
                path: self.base.path().to_path_buf(),
                cyl,
                head,
                cylinders: self.cylinders,
                heads: self.heads,
            });
        }
        let e = self.index[usize::from(cyl) * usize::from(self.heads) + usize::from(head)];
        let file = match (&mut self.delta, e.delta) {
            (Some(d), true) => d,
            _ => &mut self.base,
        };
        let p = file.read_vec(e.pos, e.len as usize, "track payload")?;
        decode(&p, cyl, head, self.max_track).map_err(|(o, what)| {
            DasdError::corrupt(
                file.path(),
                e.pos + o as u64,
                format!("payload of cylinder {cyl} head {head}: {what}"),
            )
        })
    }

    fn write_track(&mut self, _cyl: u16, _head: u16, _t: &Track) -> Result<(), DasdError> {
        Err(DasdError::ReadOnly {
            path: self.base.path().to_path_buf(),
        })
    }

    fn flush(&mut self) -> Result<(), DasdError> {
        Ok(())
    }

    fn read_only(&self) -> bool {
        true
    }

    fn volser(&self) -> Option<[u8; 6]> {
        Some(self.volser())
    }
}
