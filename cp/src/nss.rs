//! Named saved systems and segments: the `.segment` files that hold a saved CMS nucleus
//! (`CMS`, started by `IPL CMS`) or a shared segment (`CMSSEG`, loaded by the guest with
//! DIAGNOSE X'64' LOADSYS).
//!
//! Layout (`shared/cms370/FORMATS.md`, section A; IBM's SAVTABLE, written by CP's
//! SAVESYS in front of a saved system): `N + 1` pages of 4096 bytes; page 0 is the header,
//! pages 1…N are the saved storage in address order, page `i` holding storage
//! `load_address + (i - 1) * 4096`. Header page, big-endian:
//!
//! | offset | length | content |
//! |---|---|---|
//! | X'000' | 8 | PSW at SAVESYS time |
//! | X'008' | 64 | GPR 0–15 |
//! | X'048' | 32 | FPR 0, 2, 4, 6 |
//! | X'068' | 64 | CR 0–15 |
//! | X'0A8' | 2·N | storage-key bytes, one per 2 KiB block, in address order |
//! | rest | | leftover bytes, ignored |
//!
//! The file does not say where the pages belong: that is CP's NAMESYS table (DMKSNT,
//! `SYSPGNM`). vm390 knows the two systems of the R6 material ([`KNOWN_SYSTEMS`]): `CMS`
//! at X'000000' (33 pages, X'000000'–X'020FFF', IPL-able) and `CMSSEG` at X'F00000'
//! (16 pages, X'F00000'–X'F0FFFF', just above the 15 MB that CMSUSER is given, so that it
//! lies outside defined storage as CMS requires). Other systems are loaded with
//! [`load_segment_at`].
//!
//! A garbled file is an [`NssError`] naming the file, the byte offset and the problem;
//! nothing here panics on bad input.

use std::fmt;
use std::path::{Path, PathBuf};

/// Bytes per saved page.
pub const PAGE_SIZE: usize = 4096;
/// Bytes per storage-key block (S/370 keys cover 2 KiB).
pub const KEY_BLOCK: usize = 2048;
/// Offset of the PSW in the header page.
pub const PSW_OFFSET: usize = 0x000;
/// Offset of GPR 0 in the header page.
pub const GPR_OFFSET: usize = 0x008;
/// Offset of FPR 0 in the header page.
pub const FPR_OFFSET: usize = 0x048;
/// Offset of CR 0 in the header page.
pub const CR_OFFSET: usize = 0x068;
/// Offset of the first storage-key byte in the header page.
pub const KEYS_OFFSET: usize = 0x0A8;
/// Most pages whose keys fit in the header page: (4096 − X'A8') / 2.
pub const MAX_PAGES: usize = (PAGE_SIZE - KEYS_OFFSET) / 2;
/// Saved systems must lie below 16 MiB (S/370 24-bit addresses).
pub const STORAGE_LIMIT: u64 = 1 << 24;

/// A directory `NSS` statement: a named saved system or segment in a `.segment` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NssEntry {
    /// Name, 1–8 characters, upper case.
    pub name: String,
    /// The segment file, resolved against the directory file's folder.
    pub path: PathBuf,
    /// Whether `IPL name` may start it (otherwise only DIAGNOSE X'64' loads it).
    pub ipl: bool,
}

/// The name of vm390's own CMS-like guest, a saved system built into the binary
/// (`crate::minicms`).
pub const MINICMS: &str = "MINICMS";

/// The saved systems built into vm390: any user may IPL them by name when the directory
/// declares no system of that name itself.
pub const BUILTIN_SYSTEMS: &[&str] = &[MINICMS];

/// Whether `name` is a built-in saved system (case-insensitive).
pub fn is_builtin(name: &str) -> bool {
    BUILTIN_SYSTEMS.iter().any(|b| b.eq_ignore_ascii_case(name))
}

/// A saved system vm390 knows the load address of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownSystem {
    /// NSS name.
    pub name: &'static str,
    /// Storage address of the first saved page.
    pub load_address: u32,
    /// Saved pages in the R6 material.
    pub pages: u32,
    /// Started by `IPL name` (otherwise loaded by DIAGNOSE X'64').
    pub ipl: bool,
}

/// The saved systems of the VM/370 R6 material (FORMATS.md A.2: SixPack 1.2 DMKSNT
/// `SYSPGCT=33 SYSPGNM=(0-32)` for CMS; emx370's `:segment CMSSEG 16 3840`, page 3840 =
/// X'F00000').
pub const KNOWN_SYSTEMS: &[KnownSystem] = &[
    KnownSystem {
        name: "CMS",
        load_address: 0x000000,
        pages: 33,
        ipl: true,
    },
    KnownSystem {
        name: "CMSSEG",
        load_address: 0xF00000,
        pages: 16,
        ipl: false,
    },
];

/// The load address of a known saved system (case-insensitive name).
pub fn known_load_address(name: &str) -> Option<u32> {
    KNOWN_SYSTEMS
        .iter()
        .find(|k| k.name.eq_ignore_ascii_case(name))
        .map(|k| k.load_address)
}

/// What is wrong with a segment file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NssErrorKind {
    /// The file could not be read.
    Io,
    /// Shorter than a header page and one saved page.
    Short,
    /// The size is not a whole number of pages.
    PartialPage,
    /// More pages than the header page has key bytes for.
    BadPageCount,
    /// The load address is not on a page boundary, or the pages run past 16 MiB.
    BadAddress,
    /// A storage-key byte has the unused low-order bit set.
    BadKey,
    /// No load address is known for this name.
    UnknownSystem,
}

/// A problem with a segment file, at a byte offset in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NssError {
    /// The file as given.
    pub file: String,
    /// Byte offset in the file where the problem is.
    pub offset: u64,
    /// The kind of problem.
    pub kind: NssErrorKind,
    /// The problem in words.
    pub message: String,
}

impl fmt::Display for NssError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: offset X'{:X}': {}",
            self.file, self.offset, self.message
        )
    }
}

impl std::error::Error for NssError {}

/// A saved system or segment as read from its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedSystem {
    /// NSS name, upper case.
    pub name: String,
    /// Storage address of the first saved page.
    pub load_address: u32,
    /// PSW at SAVESYS time (loaded on IPL; leftover data in a segment).
    pub psw: [u8; 8],
    /// General registers 0–15.
    pub gpr: [u32; 16],
    /// Floating-point registers 0, 2, 4, 6.
    pub fpr: [u64; 4],
    /// Control registers 0–15.
    pub cr: [u32; 16],
    /// Storage-key bytes, one per 2 KiB block (two per page), in address order: bits 0–3
    /// access key, bit 4 fetch protection, bit 5 reference, bit 6 change.
    pub keys: Vec<u8>,
    /// The saved pages: (storage address, 4096 bytes), in address order.
    pub pages: Vec<(u32, Vec<u8>)>,
}

impl SavedSystem {
    /// Number of saved pages.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Size of the saved storage in bytes.
    pub fn size(&self) -> u32 {
        // At most MAX_PAGES pages, so this cannot overflow.
        (self.pages.len() * PAGE_SIZE) as u32
    }

    /// First storage address (what DIAGNOSE X'64' LOADSYS returns in Rx).
    pub fn first_address(&self) -> u32 {
        self.load_address
    }

    /// Last storage address, inclusive (the end that DIAGNOSE X'64' FINDSYS reports).
    pub fn last_address(&self) -> u32 {
        self.load_address + self.size() - 1
    }

    /// Whether `addr` is inside the saved storage.
    pub fn contains(&self, addr: u32) -> bool {
        (self.first_address()..=self.last_address()).contains(&addr)
    }

    /// The storage-key byte for the 2 KiB block holding `addr`.
    pub fn key(&self, addr: u32) -> Option<u8> {
        if !self.contains(addr) {
            return None;
        }
        self.keys
            .get((addr - self.load_address) as usize / KEY_BLOCK)
            .copied()
    }

    /// `len` bytes of saved storage from `addr`, if all inside.
    pub fn bytes(&self, addr: u32, len: usize) -> Option<Vec<u8>> {
        let start = addr.checked_sub(self.load_address)? as usize;
        let end = start.checked_add(len)?;
        if end > self.size() as usize {
            return None;
        }
        let mut out = Vec::with_capacity(len);
        let mut at = start;
        while at < end {
            let page = &self.pages[at / PAGE_SIZE].1;
            let n = (PAGE_SIZE - at % PAGE_SIZE).min(end - at);
            out.extend_from_slice(&page[at % PAGE_SIZE..at % PAGE_SIZE + n]);
            at += n;
        }
        Some(out)
    }

    /// Whether the PSW is an EC-mode PSW (bit 12).
    pub fn psw_ec_mode(&self) -> bool {
        self.psw[1] & 0x08 != 0
    }

    /// The PSW's instruction address: bits 40–63, where both S/370 PSW formats (BC and
    /// EC) keep it.
    pub fn psw_instruction_address(&self) -> u32 {
        u32::from_be_bytes([0, self.psw[5], self.psw[6], self.psw[7]])
    }
}

/// Read a segment file whose name (the file stem, e.g. `CMS` for `CMS.segment`) is one
/// of [`KNOWN_SYSTEMS`].
pub fn load_segment(path: &Path) -> Result<SavedSystem, NssError> {
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_ascii_uppercase())
        .unwrap_or_default();
    match known_load_address(&name) {
        Some(addr) => load_segment_at(path, &name, addr),
        None => Err(NssError {
            file: path.display().to_string(),
            offset: 0,
            kind: NssErrorKind::UnknownSystem,
            message: format!(
                "no load address is known for saved system '{name}' (known: {})",
                KNOWN_SYSTEMS
                    .iter()
                    .map(|k| k.name)
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        }),
    }
}

/// Read the segment file of a directory `NSS` statement; its name must be one of
/// [`KNOWN_SYSTEMS`].
pub fn load_nss(entry: &NssEntry) -> Result<SavedSystem, NssError> {
    match known_load_address(&entry.name) {
        Some(addr) => load_segment_at(&entry.path, &entry.name, addr),
        None => Err(NssError {
            file: entry.path.display().to_string(),
            offset: 0,
            kind: NssErrorKind::UnknownSystem,
            message: format!("no load address is known for saved system '{}'", entry.name),
        }),
    }
}

/// Read a segment file whose pages load at `load_address`.
pub fn load_segment_at(
    path: &Path,
    name: &str,
    load_address: u32,
) -> Result<SavedSystem, NssError> {
    let file = path.display().to_string();
    let data = read_segment_file(path).map_err(|(kind, message)| NssError {
        file: file.clone(),
        offset: 0,
        kind,
        message,
    })?;
    parse_segment(&data, &file, name, load_address)
}

/// Largest segment file: the header page and [`MAX_PAGES`] saved pages.
pub const MAX_FILE_SIZE: u64 = ((1 + MAX_PAGES) * PAGE_SIZE) as u64;

/// Reads a segment file: a regular file (not a device such as `/dev/zero`, nor a FIFO,
/// which could be read for ever or block) of at most [`MAX_FILE_SIZE`] bytes.
fn read_segment_file(path: &Path) -> Result<Vec<u8>, (NssErrorKind, String)> {
    use std::io::Read;
    let io = |e: std::io::Error| (NssErrorKind::Io, format!("cannot read: {e}"));
    // Checked before opening: opening a FIFO for reading waits for a writer.
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err((
            NssErrorKind::Io,
            "not a regular file (a saved system is read from a file, not a device or FIFO)".into(),
        ));
    }
    let too_big = |len: u64| {
        (
            NssErrorKind::BadPageCount,
            format!(
                "file of {len} bytes is larger than a saved system can be (at most \
                 {MAX_FILE_SIZE}: a header page and {MAX_PAGES} pages)"
            ),
        )
    };
    if meta.len() > MAX_FILE_SIZE {
        return Err(too_big(meta.len()));
    }
    let f = std::fs::File::open(path).map_err(io)?;
    if !f.metadata().map_err(io)?.is_file() {
        return Err((NssErrorKind::Io, "not a regular file".into()));
    }
    let mut data = Vec::new();
    // One byte more than allowed tells a file that grew since the check.
    f.take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut data)
        .map_err(io)?;
    if data.len() as u64 > MAX_FILE_SIZE {
        return Err(too_big(data.len() as u64));
    }
    Ok(data)
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Decode the bytes of a segment file (`file` is used in errors only).
pub fn parse_segment(
    data: &[u8],
    file: &str,
    name: &str,
    load_address: u32,
) -> Result<SavedSystem, NssError> {
    let err = |offset: usize, kind, message: String| NssError {
        file: file.to_string(),
        offset: offset as u64,
        kind,
        message,
    };
    let len = data.len();
    if len < 2 * PAGE_SIZE {
        return Err(err(
            len,
            NssErrorKind::Short,
            format!(
                "file is {len} bytes, shorter than a header page and one saved page ({})",
                2 * PAGE_SIZE
            ),
        ));
    }
    if !len.is_multiple_of(PAGE_SIZE) {
        return Err(err(
            len - len % PAGE_SIZE,
            NssErrorKind::PartialPage,
            format!(
                "file size {len} is not a multiple of {PAGE_SIZE}: {} bytes of a partial page",
                len % PAGE_SIZE
            ),
        ));
    }
    let pages = len / PAGE_SIZE - 1;
    if pages > MAX_PAGES {
        return Err(err(
            KEYS_OFFSET,
            NssErrorKind::BadPageCount,
            format!(
                "{pages} saved pages need {} storage-key bytes, but the header page has room \
                 for {} (at most {MAX_PAGES} pages)",
                2 * pages,
                PAGE_SIZE - KEYS_OFFSET
            ),
        ));
    }
    if !(load_address as usize).is_multiple_of(PAGE_SIZE) {
        return Err(err(
            0,
            NssErrorKind::BadAddress,
            format!("load address X'{load_address:06X}' is not on a page boundary"),
        ));
    }
    let end = u64::from(load_address) + (pages * PAGE_SIZE) as u64;
    if end > STORAGE_LIMIT {
        // The first page that would lie at or above 16 MiB.
        let first_bad =
            (STORAGE_LIMIT.saturating_sub(u64::from(load_address))) as usize / PAGE_SIZE;
        return Err(err(
            (first_bad + 1) * PAGE_SIZE,
            NssErrorKind::BadAddress,
            format!(
                "{pages} pages loaded at X'{load_address:06X}' run past 16 MiB (end X'{end:X}')"
            ),
        ));
    }

    let header = &data[..PAGE_SIZE];
    let mut psw = [0u8; 8];
    psw.copy_from_slice(&header[PSW_OFFSET..PSW_OFFSET + 8]);
    let gpr: [u32; 16] = std::array::from_fn(|i| be32(header, GPR_OFFSET + 4 * i));
    let fpr: [u64; 4] = std::array::from_fn(|i| {
        (u64::from(be32(header, FPR_OFFSET + 8 * i)) << 32)
            | u64::from(be32(header, FPR_OFFSET + 8 * i + 4))
    });
    let cr: [u32; 16] = std::array::from_fn(|i| be32(header, CR_OFFSET + 4 * i));
    let keys = header[KEYS_OFFSET..KEYS_OFFSET + 2 * pages].to_vec();
    if let Some((i, &k)) = keys.iter().enumerate().find(|&(_, &k)| k & 1 != 0) {
        return Err(err(
            KEYS_OFFSET + i,
            NssErrorKind::BadKey,
            format!(
                "storage key X'{k:02X}' for X'{:06X}' has the unused bit 7 set",
                load_address as usize + i * KEY_BLOCK
            ),
        ));
    }
    let pages = data[PAGE_SIZE..]
        .chunks_exact(PAGE_SIZE)
        .enumerate()
        .map(|(i, p)| (load_address + (i * PAGE_SIZE) as u32, p.to_vec()))
        .collect();
    Ok(SavedSystem {
        name: name.to_ascii_uppercase(),
        load_address,
        psw,
        gpr,
        fpr,
        cr,
        keys,
        pages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// `../shared/cms370` beside the repository. Missing: a failure under
    /// `VM390_ORACLES=require`, otherwise a skip.
    fn shared_cms370() -> Option<PathBuf> {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/cms370");
        if p.join("CMS.segment").is_file() && p.join("CMSSEG.segment").is_file() {
            return Some(p);
        }
        if std::env::var("VM390_ORACLES").is_ok_and(|v| v == "require") {
            panic!("{} is missing and VM390_ORACLES=require", p.display());
        }
        eprintln!(
            "SKIPPED: {} is missing (set VM390_ORACLES=require to fail instead)",
            p.display()
        );
        None
    }

    /// EBCDIC (code page 037) for the characters of the CMS banner.
    fn ebcdic(s: &str) -> Vec<u8> {
        s.chars()
            .map(|c| match c {
                'A'..='I' => 0xC1 + (c as u8 - b'A'),
                'J'..='R' => 0xD1 + (c as u8 - b'J'),
                'S'..='Z' => 0xE2 + (c as u8 - b'S'),
                '0'..='9' => 0xF0 + (c as u8 - b'0'),
                ' ' => 0x40,
                '.' => 0x4B,
                '-' => 0x60,
                '/' => 0x61,
                ':' => 0x7A,
                _ => panic!("no EBCDIC for {c:?} in this test"),
            })
            .collect()
    }

    #[test]
    fn cms_nucleus() {
        let Some(dir) = shared_cms370() else {
            return;
        };
        let path = dir.join("CMS.segment");
        let s = load_segment(&path).unwrap();
        assert_eq!(s.name, "CMS");
        assert_eq!(s.psw, [0x00, 0x04, 0x00, 0xCA, 0x80, 0x02, 0x01, 0x28]);
        assert!(!s.psw_ec_mode());
        assert_eq!(s.psw_instruction_address(), 0x020128);
        assert_eq!(
            s.gpr,
            [
                0x00000010, 0x00000848, 0x000014D0, 0x00F00000, 0x00003BA0, 0x00020B50, 0x0000000B,
                0x0003E310, 0x00000008, 0x00004D00, 0x00000000, 0x000013A0, 0x00020000, 0x00000009,
                0x600202B2, 0x00000000
            ]
        );
        assert_eq!(s.fpr, [0; 4]);
        let mut cr = [0u32; 16];
        cr[0] = 0xE0;
        cr[2] = 0xFFFF_FFFF;
        cr[3] = 0xFFFF_FFFF;
        cr[14] = 0xC400_0000;
        cr[15] = 0x200;
        assert_eq!(s.cr, cr);

        assert_eq!(s.page_count(), 33);
        assert_eq!(s.size(), 33 * 4096);
        assert_eq!((s.first_address(), s.last_address()), (0, 0x020FFF));
        assert!(s.contains(0x020FFF) && !s.contains(0x021000));
        assert_eq!(s.keys.len(), 66);
        let key_e = |a: u32| {
            (0x3800..=0x3FFF).contains(&a)
                || (0xA000..=0xAFFF).contains(&a)
                || (0xE000..=0xFFFF).contains(&a)
                || (0x20000..=0x20FFF).contains(&a)
        };
        for (i, &k) in s.keys.iter().enumerate() {
            let a = i as u32 * 2048;
            assert_eq!(k, if key_e(a) { 0xE6 } else { 0xF6 }, "key for X'{a:X}'");
            assert_eq!(s.key(a), Some(k));
            assert_eq!(s.key(a + 2047), Some(k));
        }
        assert_eq!(s.key(0x21000), None);

        let banner = ebcdic("CMS VERSION 6.0 - 09/30/10 21:03");
        assert_eq!(s.bytes(0x200, banner.len()).unwrap(), banner);
        assert_eq!(s.bytes(0xA62, banner.len()).unwrap(), banner);
        // Pages are the file's pages 1..=33, in order.
        let data = std::fs::read(&path).unwrap();
        assert_eq!(data.len(), 139_264);
        for (i, (addr, page)) in s.pages.iter().enumerate() {
            assert_eq!(*addr, i as u32 * 4096);
            assert_eq!(page[..], data[(i + 1) * 4096..(i + 2) * 4096]);
        }
        // A read across a page boundary, and reads outside.
        assert_eq!(s.bytes(0xFFE, 4).unwrap(), data[0x1FFE..0x2002]);
        assert_eq!(s.bytes(0x20FFF, 2), None);
        assert_eq!(s.bytes(0x20FFF, 1).unwrap(), [data[0x21FFF]]);
    }

    #[test]
    fn cmsseg_segment() {
        let Some(dir) = shared_cms370() else {
            return;
        };
        let s = load_segment(&dir.join("CMSSEG.segment")).unwrap();
        assert_eq!(s.name, "CMSSEG");
        assert_eq!(s.psw, [0x00, 0x04, 0x00, 0xCA, 0xA0, 0x01, 0x77, 0x52]);
        assert_eq!(s.page_count(), 16);
        assert_eq!(s.load_address, 0xF00000);
        assert_eq!((s.first_address(), s.last_address()), (0xF00000, 0xF0FFFF));
        assert_eq!(s.keys, vec![0xD4; 32]);
        assert_eq!(s.pages[15].0, 0xF0F000);
        assert_eq!(s.key(0xEFFFFF), None);
        assert_eq!(s.key(0xF0FFFF), Some(0xD4));
        // Through the directory's NSS statement.
        let e = NssEntry {
            name: "CMSSEG".into(),
            path: dir.join("CMSSEG.segment"),
            ipl: false,
        };
        assert_eq!(load_nss(&e).unwrap(), s);
    }

    #[test]
    fn known_systems() {
        assert_eq!(known_load_address("cms"), Some(0));
        assert_eq!(known_load_address("CMSSEG"), Some(0xF00000));
        assert_eq!(known_load_address("CMSVSAM"), None);
        assert_eq!(MAX_PAGES, 1964);
    }

    /// A well-formed segment of `pages` pages: keys X'F6', page i filled with byte i.
    fn synthetic(pages: usize) -> Vec<u8> {
        let mut d = vec![0u8; (pages + 1) * PAGE_SIZE];
        d[..8].copy_from_slice(&[0, 4, 0, 0, 0, 0x01, 0x23, 0x45]);
        for k in 0..(2 * pages).min(PAGE_SIZE - KEYS_OFFSET) {
            d[KEYS_OFFSET + k] = 0xF6;
        }
        for i in 0..pages {
            d[(i + 1) * PAGE_SIZE..(i + 2) * PAGE_SIZE].fill(i as u8);
        }
        d
    }

    fn parse_err(d: &[u8], load: u32) -> (u64, NssErrorKind, String) {
        let e = parse_segment(d, "x.segment", "X", load).unwrap_err();
        (e.offset, e.kind, e.to_string())
    }

    #[test]
    fn synthetic_segments() {
        let s = parse_segment(&synthetic(3), "x", "abc", 0x10000).unwrap();
        assert_eq!(s.name, "ABC");
        assert_eq!(s.psw_instruction_address(), 0x012345);
        assert_eq!((s.first_address(), s.last_address()), (0x10000, 0x12FFF));
        assert_eq!(s.bytes(0x12000, 1).unwrap(), [2]);
        // The largest page count whose keys fit, ending exactly at 16 MiB.
        let max = synthetic(MAX_PAGES);
        let top = (STORAGE_LIMIT as usize - MAX_PAGES * PAGE_SIZE) as u32;
        let s = parse_segment(&max, "x", "X", top).unwrap();
        assert_eq!(s.last_address(), 0xFF_FFFF);
    }

    #[test]
    fn garbled_segments_are_errors() {
        let d = synthetic(4);
        assert_eq!(
            parse_err(&d[..4096], 0),
            (
                4096,
                NssErrorKind::Short,
                "x.segment: offset X'1000': file is 4096 bytes, shorter than a header page and one saved page (8192)".into()
            )
        );
        assert_eq!(
            parse_err(&d[..10000], 0),
            (
                8192,
                NssErrorKind::PartialPage,
                "x.segment: offset X'2000': file size 10000 is not a multiple of 4096: 1808 bytes of a partial page".into()
            )
        );
        assert_eq!(
            parse_err(&synthetic(MAX_PAGES + 1), 0),
            (
                0xA8,
                NssErrorKind::BadPageCount,
                "x.segment: offset X'A8': 1965 saved pages need 3930 storage-key bytes, but the header page has room for 3928 (at most 1964 pages)".into()
            )
        );
        assert_eq!(
            parse_err(&d, 0x800),
            (
                0,
                NssErrorKind::BadAddress,
                "x.segment: offset X'0': load address X'000800' is not on a page boundary".into()
            )
        );
        assert_eq!(
            parse_err(&d, 0xFFE000),
            (
                3 * 4096,
                NssErrorKind::BadAddress,
                "x.segment: offset X'3000': 4 pages loaded at X'FFE000' run past 16 MiB (end X'1002000')".into()
            )
        );
        let mut bad = d.clone();
        bad[KEYS_OFFSET + 5] = 0xF7;
        assert_eq!(
            parse_err(&bad, 0x4000),
            (
                0xAD,
                NssErrorKind::BadKey,
                "x.segment: offset X'AD': storage key X'F7' for X'006800' has the unused bit 7 set"
                    .into()
            )
        );
        // Every truncation of a small segment is an error or a shorter, valid segment;
        // none panics.
        for n in 0..d.len() {
            match parse_segment(&d[..n], "x", "X", 0) {
                Ok(s) => assert_eq!(s.page_count() + 1, n / PAGE_SIZE),
                Err(e) => assert!(n % PAGE_SIZE != 0 || n < 2 * PAGE_SIZE, "{e}"),
            }
        }
        let e = load_segment(Path::new("/nonexistent/CMS.segment")).unwrap_err();
        assert_eq!((e.kind, e.offset), (NssErrorKind::Io, 0));
        let e = load_segment(Path::new("/nonexistent/FOO.segment")).unwrap_err();
        assert_eq!(e.kind, NssErrorKind::UnknownSystem);
        assert_eq!(
            e.to_string(),
            "/nonexistent/FOO.segment: offset X'0': no load address is known for saved system 'FOO' (known: CMS CMSSEG)"
        );
    }

    #[test]
    fn garbled_copies_of_the_shared_files() {
        let Some(dir) = shared_cms370() else {
            return;
        };
        let tmp = std::env::temp_dir().join(format!("vm390-nss-test-{}", std::process::id()));
        std::fs::create_dir_all(&tmp).unwrap();
        for name in ["CMS", "CMSSEG"] {
            let data = std::fs::read(dir.join(format!("{name}.segment"))).unwrap();
            let copy = tmp.join(format!("{name}.segment"));
            // Truncated: mid-page, and at a page boundary (one page fewer: still valid).
            std::fs::write(&copy, &data[..data.len() - 100]).unwrap();
            let e = load_segment(&copy).unwrap_err();
            assert_eq!(e.kind, NssErrorKind::PartialPage, "{e}");
            assert_eq!(e.offset as usize, data.len() - PAGE_SIZE);
            std::fs::write(&copy, &data[..data.len() - PAGE_SIZE]).unwrap();
            let s = load_segment(&copy).unwrap();
            assert_eq!(s.keys.len(), 2 * s.page_count());
            // Header only.
            std::fs::write(&copy, &data[..PAGE_SIZE]).unwrap();
            assert_eq!(load_segment(&copy).unwrap_err().kind, NssErrorKind::Short);
            // A garbled key byte.
            let mut g = data.clone();
            g[KEYS_OFFSET + 3] |= 1;
            std::fs::write(&copy, &g).unwrap();
            let e = load_segment(&copy).unwrap_err();
            assert_eq!((e.kind, e.offset), (NssErrorKind::BadKey, 0xAB));
            // Padded with pages full of garbage until the keys no longer fit.
            let mut big = data.clone();
            big.resize((MAX_PAGES + 2) * PAGE_SIZE, 0x5A);
            std::fs::write(&copy, &big).unwrap();
            let e = load_segment(&copy).unwrap_err();
            assert!(
                matches!(
                    e.kind,
                    NssErrorKind::BadPageCount | NssErrorKind::BadAddress
                ),
                "{e}"
            );
        }
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    /// A device or FIFO is refused without reading (/dev/zero would be read until memory
    /// runs out, a FIFO would block), and so is a file larger than any saved system.
    #[test]
    fn only_regular_files_of_bounded_size_are_read() {
        let e = load_segment_at(Path::new("/dev/zero"), "CMS", 0).unwrap_err();
        assert_eq!(e.kind, NssErrorKind::Io);
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("CMS.segment");
        let st = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(st.success());
        let e = load_segment_at(&fifo, "CMS", 0).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let big = dir.path().join("BIG.segment");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(1 << 30).unwrap(); // sparse: 1 GiB apparent
        let e = load_segment_at(&big, "BIG", 0).unwrap_err();
        assert_eq!(e.kind, NssErrorKind::BadPageCount);
        assert!(e.to_string().contains("1073741824 bytes is larger"), "{e}");
    }
}
