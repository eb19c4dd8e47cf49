//! Helpers shared by the `cms_*` tests: the shared VM/370 R6 material, private copies of
//! it in a temporary directory, running `vm390` as a script, masking times in transcripts,
//! Hercules' `cckdcdsk`, and an independent reader of the CMS (R6, 800-byte block) file
//! directory written from `../shared/cms370/FORMATS.md` section D.
//!
//! When the shared material or `cckdcdsk` is missing a test prints `SKIPPED: ...` and
//! passes, or fails under `VM390_ORACLES=require`.

#![allow(dead_code)] // each test binary uses a part of this module

pub mod minicms;
pub mod net;
pub mod tty;
pub mod users;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Reports a missing oracle: a failure under `VM390_ORACLES=require`, else a skip.
pub fn missing(what: &str) {
    if std::env::var("VM390_ORACLES").as_deref() == Ok("require") {
        panic!("{what} is missing (VM390_ORACLES=require)");
    }
    eprintln!("SKIPPED: {what} is missing (set VM390_ORACLES=require to fail instead)");
}

/// `../shared/cms370` when it holds `vm390.direct` and `files`.
pub fn shared(files: &[&str]) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/cms370");
    for f in files.iter().chain(["vm390.direct"].iter()) {
        if !p.join(f).is_file() {
            missing(&p.join(f).display().to_string());
            return None;
        }
    }
    Some(p)
}

/// Hercules' `cckdcdsk` from `PATH` (or /usr/bin).
pub fn cckdcdsk() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.push("/usr/bin".into());
    let found = dirs
        .into_iter()
        .map(|d| d.join("cckdcdsk"))
        .find(|p| p.is_file());
    if found.is_none() {
        missing("Hercules utility cckdcdsk");
    }
    found
}

/// `cckdcdsk -3 -ro`, then `cckdcdsk -3`: both succeed and report nothing.
pub fn cckdcdsk_clean(cdsk: &Path, file: &Path) {
    for args in [&["-3", "-ro"][..], &["-3"][..]] {
        let out = Command::new(cdsk).args(args).arg(file).output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success() && !text.contains("HHCCU"),
            "cckdcdsk {args:?} {}: {:?}\n{text}",
            file.display(),
            out.status
        );
    }
}

/// FNV-1a of a file's bytes.
pub fn hash(path: &Path) -> u64 {
    let bytes = std::fs::read(path).unwrap();
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Hashes of `files` in `dir`.
pub fn hashes(dir: &Path, files: &[&str]) -> Vec<u64> {
    files.iter().map(|f| hash(&dir.join(f))).collect()
}

/// Copies `files` from `shared` into `tmp`, writable.
pub fn copy_files(shared: &Path, tmp: &Path, files: &[&str]) {
    for f in files {
        let to = tmp.join(f);
        std::fs::copy(shared.join(f), &to).unwrap();
        let mut perm = std::fs::metadata(&to).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perm.set_readonly(false);
        std::fs::set_permissions(&to, perm).unwrap();
    }
}

/// The segments and the images of CMSUSER's 191 and 192.
pub const CMS_FILES: [&str; 4] = [
    "CMS.segment",
    "CMSSEG.segment",
    "cmsuser_191.cckd",
    "cmsuser_192.cckd",
];

/// Copies [`CMS_FILES`] into `tmp` and writes `t.direct` there: CMSUSER (password
/// CMSUSER) with console, reader, punch, printer, 191 and 192 in `mode`, plus `extra`
/// directory lines (for CMSUSER, after its MDISKs).
pub fn setup(shared: &Path, tmp: &Path, mode: &str, extra: &str) -> PathBuf {
    copy_files(shared, tmp, &CMS_FILES);
    let dir = tmp.join("t.direct");
    std::fs::write(
        &dir,
        format!(
            "NSS CMS    CMS.segment    IPL\n\
             NSS CMSSEG CMSSEG.segment\n\
             DASD CMS191 3350 cmsuser_191.cckd\n\
             DASD CMS192 3350 cmsuser_192.cckd\n\
             USER OTHER OTHER 1M 1M G\n \
             MDISK 391 3350 000 005 CMS191 RR RPASS WPASS MPASS\n \
             MDISK 392 3350 000 005 CMS192 RR ALL\n\
             USER CMSUSER CMSUSER 15M 16M G\n \
             IPL CMS\n \
             CONSOLE 009 3215\n \
             SPOOL 00C 2540 READER A\n \
             SPOOL 00D 2540 PUNCH A\n \
             SPOOL 00E 1403 A\n \
             MDISK 191 3350 000 115 CMS191 {mode}\n \
             MDISK 192 3350 000 115 CMS192 {mode}\n{extra}"
        ),
    )
    .unwrap();
    dir
}

/// Runs `vm390 --directory DIR [--logon USER]` with `input` on stdin; returns (exit code,
/// stdout). Killed (and the test failed) after 60 s.
pub fn session_as(directory: &Path, logon: Option<&str>, input: &str) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vm390"));
    cmd.arg("--directory").arg(directory);
    if let Some(u) = logon {
        cmd.arg("--logon").arg(u);
    }
    cmd.stderr(Stdio::inherit());
    let (code, out, _) = run_script(cmd, input, Duration::from_secs(60));
    (code, out)
}

/// Runs `cmd` (the vm390 binary with its arguments and environment) with `input` on its
/// standard input, killing it after `limit`; returns (exit code, stdout, stderr; stderr is
/// empty unless the caller piped it). A run that does not end within `limit` fails the test.
pub fn run_script(cmd: Command, input: &str, limit: Duration) -> (i32, String, String) {
    let (code, out, err) = run_script_until(cmd, input, limit);
    match code {
        Some(c) => (c, out, err),
        None => panic!("vm390 did not finish within {limit:?}:\n{out}"),
    }
}

/// [`run_script`], but a run still going after `limit` is killed and gives no exit code
/// (None) and what it wrote so far.
pub fn run_script_until(
    mut cmd: Command,
    input: &str,
    limit: Duration,
) -> (Option<i32>, String, String) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start vm390");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_string();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let lossy = |mut from: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = from.read_to_end(&mut s);
            String::from_utf8_lossy(&s).to_string()
        })
    };
    let reader = lossy(Box::new(child.stdout.take().unwrap()));
    let err_reader = child
        .stderr
        .take()
        .map(|err| lossy(Box::new(err) as Box<dyn Read + Send>));
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break Some(st);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let _ = writer.join();
    let text = reader.join().unwrap();
    let err = err_reader.map(|r| r.join().unwrap()).unwrap_or_default();
    (status.map(|s| s.code().unwrap_or(-1)), text, err)
}

/// [`session_as`] for CMSUSER.
pub fn session(directory: &Path, input: &str) -> (i32, String) {
    session_as(directory, Some("CMSUSER"), input)
}

/// A transcript with its clock readings masked: `hh:mm:ss` → `HH:MM:SS`, `mm/dd/yy` →
/// `MM/DD/YY`, weekdays → `WEEKDAY`, `T=n.nn/n.nn` → `T=x.xx/x.xx`, and the date of a
/// spool file listing.
pub fn mask(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut l = line.to_string();
        for wd in [
            "SUNDAY",
            "MONDAY",
            "TUESDAY",
            "WEDNESDAY",
            "THURSDAY",
            "FRIDAY",
            "SATURDAY",
        ] {
            l = l.replace(wd, "WEEKDAY");
        }
        l = mask_pattern(&l, "dd:dd:dd", "HH:MM:SS");
        l = mask_pattern(&l, "dd/dd/dd", "MM/DD/YY");
        l = mask_pattern(&l, "T=d.dd/d.dd", "T=x.xx/x.xx");
        out.push_str(&l);
        out.push('\n');
    }
    out
}

/// Replaces every match of `pat` (`d` = a digit, anything else itself) by `with`.
fn mask_pattern(line: &str, pat: &str, with: &str) -> String {
    let b = line.as_bytes();
    let p = pat.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        let hit = i + p.len() <= b.len()
            && p.iter().zip(&b[i..]).all(|(pc, c)| {
                if *pc == b'd' {
                    c.is_ascii_digit()
                } else {
                    pc == c
                }
            });
        if hit {
            out.push_str(with);
            i += p.len();
        } else {
            let ch = line[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

// ------------------------------------------------------------------ CMS file directory

/// EBCDIC to ASCII for the characters of file names (letters, digits, `$#@-`, blank).
fn ebcdic_char(b: u8) -> char {
    match b {
        0x40 => ' ',
        0x81..=0x89 => (b'a' + (b - 0x81)) as char,
        0x91..=0x99 => (b'j' + (b - 0x91)) as char,
        0xA2..=0xA9 => (b's' + (b - 0xA2)) as char,
        0xC1..=0xC9 => (b'A' + (b - 0xC1)) as char,
        0xD1..=0xD9 => (b'J' + (b - 0xD1)) as char,
        0xE2..=0xE9 => (b'S' + (b - 0xE2)) as char,
        0xF0..=0xF9 => (b'0' + (b - 0xF0)) as char,
        0x5B => '$',
        0x7B => '#',
        0x7C => '@',
        0x60 => '-',
        _ => '?',
    }
}

/// One file of a CMS minidisk (an FST entry, FORMATS.md D.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CmsFile {
    pub name: String,
    pub ftype: String,
    /// Mode digit as stored.
    pub mode_digit: char,
    pub recfm: char,
    pub lrecl: u32,
    pub items: u16,
    pub blocks: u16,
    /// Block number of the first chain link.
    pub fcl: u16,
}

/// A CMS minidisk image read block by block (FORMATS.md D.1: 19 800-byte records per 3350
/// track, blocks numbered from 1).
pub struct CmsDisk {
    img: Box<dyn cp::dasd::CkdImage>,
}

impl CmsDisk {
    pub fn open(path: &Path) -> CmsDisk {
        CmsDisk {
            img: cp::dasd::open(path, true).unwrap(),
        }
    }

    /// Block `n` (800 bytes).
    pub fn block(&mut self, n: u16) -> Vec<u8> {
        let t = (u32::from(n) - 1) / 19;
        let rec = ((u32::from(n) - 1) % 19 + 1) as u8;
        let (cyl, head) = ((t / 30) as u16, (t % 30) as u16);
        let track = self.img.read_track(cyl, head).unwrap();
        track
            .records
            .iter()
            .find(|r| r.rec == rec)
            .unwrap_or_else(|| panic!("block {n}: record {rec} missing"))
            .data
            .clone()
    }

    /// The volume label (`CMS=` + volid).
    pub fn label(&mut self) -> String {
        self.block(3)[..10]
            .iter()
            .map(|b| ebcdic_char(*b))
            .collect()
    }

    /// Every file in the directory: the MFD (block 4) lists the FST blocks, each holding
    /// 20 entries of 40 bytes (FORMATS.md D.2, D.3).
    pub fn files(&mut self) -> Vec<CmsFile> {
        let mfd = self.block(4);
        let mut fst_blocks = Vec::new();
        for i in 0..182 {
            let n = u16::from_be_bytes([mfd[i * 2], mfd[i * 2 + 1]]);
            if n == 0xFFFF || n == 0xFFFD || n == 0 {
                break;
            }
            fst_blocks.push(n);
        }
        let mut files = Vec::new();
        for b in fst_blocks {
            let data = self.block(b);
            for e in data.chunks(40) {
                if e.iter().all(|x| *x == 0) {
                    continue;
                }
                let text = |r: &[u8]| -> String {
                    r.iter()
                        .map(|c| ebcdic_char(*c))
                        .collect::<String>()
                        .trim_end()
                        .to_string()
                };
                files.push(CmsFile {
                    name: text(&e[0..8]),
                    ftype: text(&e[8..16]),
                    mode_digit: ebcdic_char(e[25]),
                    recfm: ebcdic_char(e[30]),
                    lrecl: u32::from_be_bytes([e[32], e[33], e[34], e[35]]),
                    items: u16::from_be_bytes([e[26], e[27]]),
                    blocks: u16::from_be_bytes([e[36], e[37]]),
                    fcl: u16::from_be_bytes([e[28], e[29]]),
                });
            }
        }
        files
    }

    /// The records of `f` (FORMATS.md D.4): the first chain link lists chain links 2–41
    /// and data blocks 1–60, each further chain link 400 data blocks; the data blocks form
    /// one stream of F records or of V records with 2-byte lengths.
    pub fn records(&mut self, f: &CmsFile) -> Vec<Vec<u8>> {
        let first = self.block(f.fcl);
        let mut data_blocks = Vec::new();
        for i in 0..60 {
            data_blocks.push(u16::from_be_bytes([first[80 + i * 2], first[81 + i * 2]]));
        }
        for i in 0..40 {
            let cl = u16::from_be_bytes([first[i * 2], first[i * 2 + 1]]);
            if cl == 0 {
                break;
            }
            let b = self.block(cl);
            for j in 0..400 {
                data_blocks.push(u16::from_be_bytes([b[j * 2], b[j * 2 + 1]]));
            }
        }
        let mut stream = Vec::new();
        for &b in data_blocks.iter().take(usize::from(f.blocks)) {
            stream.extend(self.block(b));
        }
        let mut recs = Vec::new();
        let mut at = 0usize;
        for _ in 0..f.items {
            let len = if f.recfm == 'F' {
                f.lrecl as usize
            } else {
                let l = usize::from(u16::from_be_bytes([stream[at], stream[at + 1]]));
                at += 2;
                l
            };
            recs.push(stream[at..at + len].to_vec());
            at += len;
        }
        recs
    }

    /// The records of a text file as host text.
    pub fn text(&mut self, f: &CmsFile) -> Vec<String> {
        self.records(f)
            .iter()
            .map(|r| r.iter().map(|b| ebcdic_char_any(*b)).collect::<String>())
            .collect()
    }
}

/// EBCDIC to host text for printable characters (others as `.`).
pub fn ebcdic_char_any(b: u8) -> char {
    const SPECIAL: &[(u8, char)] = &[
        (0x4B, '.'),
        (0x4C, '<'),
        (0x4D, '('),
        (0x4E, '+'),
        (0x4F, '|'),
        (0x50, '&'),
        (0x5A, '!'),
        (0x5C, '*'),
        (0x5D, ')'),
        (0x5E, ';'),
        (0x60, '-'),
        (0x61, '/'),
        (0x6B, ','),
        (0x6C, '%'),
        (0x6D, '_'),
        (0x6E, '>'),
        (0x6F, '?'),
        (0x7A, ':'),
        (0x7D, '\''),
        (0x7E, '='),
        (0x7F, '"'),
    ];
    if let Some((_, c)) = SPECIAL.iter().find(|(e, _)| *e == b) {
        return *c;
    }
    match ebcdic_char(b) {
        '?' => '.',
        c => c,
    }
}

/// Host text to EBCDIC (letters, digits, blank, `¬` and the specials of [`ebcdic_char_any`]).
pub fn to_ebcdic(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| {
            if c == '¬' {
                return 0x5F; // the not sign of code page 037
            }
            (0u8..=255)
                .find(|b| *b != 0x4B && ebcdic_char_any(*b) == c && c != '.')
                .or(if c == '.' { Some(0x4B) } else { None })
                .unwrap_or_else(|| panic!("no EBCDIC for {c:?}"))
        })
        .collect()
}

impl CmsDisk {
    /// Opens an image for writing (a private copy).
    pub fn open_rw(path: &Path) -> CmsDisk {
        CmsDisk {
            img: cp::dasd::open(path, false).unwrap(),
        }
    }

    /// Replaces block `n`.
    fn write_block(&mut self, n: u16, data: &[u8]) {
        let t = (u32::from(n) - 1) / 19;
        let rec = ((u32::from(n) - 1) % 19 + 1) as u8;
        let (cyl, head) = ((t / 30) as u16, (t % 30) as u16);
        let mut track = self.img.read_track(cyl, head).unwrap();
        let r = track.records.iter_mut().find(|r| r.rec == rec).unwrap();
        r.data[..data.len()].copy_from_slice(data);
        for b in &mut r.data[data.len()..] {
            *b = 0;
        }
        self.img.write_track(cyl, head, &track).unwrap();
    }

    /// Adds a new F 80 file `name ftype A1` of `lines` (at most 600: 60 data blocks, one
    /// chain link) to the disk the way CMS lays it out (FORMATS.md D): free blocks from the
    /// QMSK bit map (a first chain link and one data block per 10 records), an entry in a
    /// free FST slot (a new FST block listed in the MFD when every slot is taken), ADTUSED /
    /// ADTLEFT / ADTLAST updated.
    pub fn add_file(&mut self, name: &str, ftype: &str, lines: &[&str]) {
        assert!(lines.len() <= 600, "{name} {ftype}: more than 600 records");
        let mut mfd = self.block(4);
        let data_blocks = lines.len().div_ceil(10).max(1);
        // The MFD's list of FST blocks, and whether one of them has a free slot.
        let listed: Vec<u16> = (0..182)
            .map(|i| u16::from_be_bytes([mfd[i * 2], mfd[i * 2 + 1]]))
            .take_while(|n| *n != 0xFFFF && *n != 0xFFFD && *n != 0)
            .collect();
        let has_slot = |b: &[u8]| b.chunks(40).any(|e| e.iter().all(|x| *x == 0));
        let fst_blk = listed.iter().copied().find(|b| has_slot(&self.block(*b)));
        let wanted = 1 + data_blocks + usize::from(fst_blk.is_none());
        let mut free = Vec::new();
        for bit in 4..1720usize {
            if mfd[384 + bit / 8] & (0x80 >> (bit % 8)) == 0 {
                free.push(bit);
                if free.len() == wanted {
                    break;
                }
            }
        }
        assert_eq!(free.len(), wanted, "{name} {ftype}: the disk is full");
        for bit in &free {
            mfd[384 + bit / 8] |= 0x80 >> (bit % 8);
        }
        let blocks: Vec<u16> = free.iter().map(|b| *b as u16 + 1).collect();
        let get =
            |m: &[u8], at: usize| u32::from_be_bytes([m[at], m[at + 1], m[at + 2], m[at + 3]]);
        let used = get(&mfd, 368) + wanted as u32;
        let left = get(&mfd, 372) - wanted as u32;
        let last = (get(&mfd, 376) as usize).max(free[wanted - 1] / 8) as u32;
        mfd[368..372].copy_from_slice(&used.to_be_bytes());
        mfd[372..376].copy_from_slice(&left.to_be_bytes());
        mfd[376..380].copy_from_slice(&last.to_be_bytes());
        let fcl = blocks[0];
        // Data: F 80 records, blank padded, 10 to a block.
        let mut link = vec![0u8; 200];
        for (i, blk) in blocks[1..=data_blocks].iter().enumerate() {
            let mut data = Vec::new();
            for l in lines.iter().skip(i * 10).take(10) {
                let mut r = to_ebcdic(l);
                r.resize(80, 0x40);
                data.extend(r);
            }
            self.write_block(*blk, &data);
            link[80 + i * 2..82 + i * 2].copy_from_slice(&blk.to_be_bytes());
        }
        self.write_block(fcl, &link);
        // The FST block: one with a free slot, or a new one listed after the others.
        let fst_blk = match fst_blk {
            Some(b) => b,
            None => {
                let b = blocks[data_blocks + 1];
                let at = listed.len() * 2;
                let tail = mfd[at..364].to_vec();
                mfd[at..at + 2].copy_from_slice(&b.to_be_bytes());
                mfd[at + 2..364].copy_from_slice(&tail[..362 - at]);
                self.write_block(b, &[0u8; 800]);
                b
            }
        };
        let mut fst = self.block(fst_blk);
        let slot = fst
            .chunks(40)
            .position(|e| e.iter().all(|b| *b == 0))
            .expect("a free FST slot");
        let mut e = Vec::new();
        let pad8 = |s: &str| {
            let mut v = to_ebcdic(s);
            v.resize(8, 0x40);
            v
        };
        e.extend(pad8(name));
        e.extend(pad8(ftype));
        e.extend([0x01, 0x01, 0x12, 0x00]); // 01/01 12:00
        e.extend((lines.len() as u16 + 1).to_be_bytes());
        e.extend(1u16.to_be_bytes());
        e.extend(to_ebcdic("A1"));
        e.extend((lines.len() as u16).to_be_bytes());
        e.extend(fcl.to_be_bytes());
        e.push(to_ebcdic("F")[0]);
        e.push(0);
        e.extend(80u32.to_be_bytes());
        e.extend((data_blocks as u16).to_be_bytes());
        e.extend(to_ebcdic("18"));
        fst[slot * 40..slot * 40 + 40].copy_from_slice(&e);
        self.write_block(fst_blk, &fst);
        self.write_block(4, &mfd);
        self.img.flush().unwrap();
    }
}

/// A child's output, read as it comes by a thread of its own, so that a test can wait for
/// the text it needs before it types the next line.
pub struct Captured {
    buf: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Captured {
    /// Starts reading `from` (a child's standard output) until its end.
    pub fn start(mut from: impl Read + Send + 'static) -> Captured {
        let buf = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = buf.clone();
        let reader = std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = from.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&chunk[..n]);
            }
        });
        Captured {
            buf,
            reader: Some(reader),
        }
    }

    /// What was read so far (UTF-8, lossily).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.buf.lock().unwrap()).to_string()
    }

    /// Waits until `needle` occurs `n` times; panics with the output after 30 s.
    pub fn wait_for(&self, needle: &str, n: usize) {
        let start = Instant::now();
        loop {
            let text = self.text();
            if text.matches(needle).count() >= n {
                return;
            }
            if start.elapsed() > Duration::from_secs(30) {
                panic!("no {n}× {needle:?} in:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for the end of the output (the child closed it); everything read.
    pub fn finish(&mut self) -> String {
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        self.text()
    }
}

/// Waits for `child` to end, `limit` at most (then kills it and panics with `what`).
pub fn wait_exit(
    child: &mut std::process::Child,
    limit: Duration,
    what: impl Fn() -> String,
) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("vm390 did not end:\n{}", what());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Starts the shell command `cmd` (its standard error discarded) on a pseudo-terminal that
/// is its controlling terminal (util-linux `script`), with pipes to type into it and read
/// it; None (after [`missing`]) without `script`.
pub fn under_pty(cmd: &str) -> Option<std::process::Child> {
    let Some(script) = ["/usr/bin/script", "/bin/script"]
        .iter()
        .find(|p| Path::new(p).is_file())
    else {
        missing("util-linux script (for a pseudo-terminal)");
        return None;
    };
    let child = Command::new(script)
        .args(["-qfec", &format!("{cmd} 2>/dev/null"), "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start script");
    Some(child)
}

/// A temporary directory with a copy of the 19D and a directory whose CMSUSER IPLs
/// MINICMS and links MAINT's 19D (its own disks left out).
pub fn with_19d(shared: &Path) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let to = t.path().join("shared_19D.cckd");
    std::fs::copy(shared.join("shared_19D.cckd"), &to).unwrap();
    let mut p = std::fs::metadata(&to).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    p.set_readonly(false);
    std::fs::set_permissions(&to, p).unwrap();
    let text = std::fs::read_to_string(shared.join("vm390.direct")).unwrap();
    let text: String = text
        .lines()
        .filter(|l| {
            !(l.starts_with("NSS ")
                || l.starts_with("DASD ") && !l.contains("MNT19D")
                || l.starts_with(" MDISK 1") && !l.contains("19D")
                || l.starts_with(" MDISK 2"))
        })
        .map(|l| format!("{}\n", l.replace(" IPL CMS", " IPL MINICMS")))
        .collect();
    assert!(text.contains(" LINK MAINT 19D 19D RR"), "{text}");
    std::fs::write(t.path().join("mini.direct"), text).unwrap();
    t
}
