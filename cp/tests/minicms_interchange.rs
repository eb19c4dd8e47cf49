//! MINICMS and real VM/370 R6 CMS on the same disks (copies of `../shared/cms370/`, never
//! the originals): MINICMS's LISTFILE of every real disk matches the file directory as this
//! test reads it from the image (an independent reader of the R6 CMS format through cp's
//! DASD API), MINICMS TYPEs real files record for record, and files MINICMS creates,
//! copies and edits are what real CMS finds with STATE, runs as an EXEC and erases, the
//! disk staying consistent throughout (FORMATS.md D.5 rules).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use cp::io::ebcdic::ebcdic_to_text;

mod common;

/// `../shared/cms370` (a failure under `VM390_ORACLES=require` when it is missing).
fn shared() -> Option<PathBuf> {
    common::shared(&[])
}

const DISKS: &[&str] = &[
    "cmsuser_191",
    "cmsuser_192",
    "cmsuser_193",
    "cmsuser_194",
    "cmsuser_195",
    "shared_19D",
    "gcccms_201",
    "gcccms_202",
];

/// Copies of the shared material in a temporary directory, writable, with two
/// directories: `cms.direct` (CMSUSER IPLs CMS) and `mini.direct` (CMSUSER IPLs MINICMS);
/// CMSUSER also links GCCCMS's 201 and 202.
fn workdir(shared: &Path) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    for f in ["CMS.segment", "CMSSEG.segment"] {
        std::fs::copy(shared.join(f), t.path().join(f)).unwrap();
    }
    for d in DISKS {
        let to = t.path().join(format!("{d}.cckd"));
        std::fs::copy(shared.join(format!("{d}.cckd")), &to).unwrap();
        let mut p = std::fs::metadata(&to).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        p.set_readonly(false);
        std::fs::set_permissions(&to, p).unwrap();
    }
    let text = std::fs::read_to_string(shared.join("vm390.direct")).unwrap();
    let text = text.replace(
        " LINK MAINT 19D 19D RR\n",
        " LINK MAINT 19D 19D RR\n LINK GCCCMS 201 201 RR\n LINK GCCCMS 202 202 RR\n",
    );
    std::fs::write(t.path().join("cms.direct"), &text).unwrap();
    std::fs::write(
        t.path().join("mini.direct"),
        text.replace(" IPL CMS\n", " IPL MINICMS\n"),
    )
    .unwrap();
    t
}

/// Runs vm390 on `direct` as CMSUSER with `input`; returns stdout.
fn session(direct: &Path, input: &str) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vm390"));
    cmd.arg("--directory")
        .arg(direct)
        .arg("--logon")
        .arg("CMSUSER")
        .stderr(Stdio::null());
    let (code, text, _) = common::run_script(cmd, input, Duration::from_secs(300));
    assert_eq!(code, 0, "exit status {code}:\n{text}");
    assert!(!text.contains("DMKDSP"), "the guest stopped:\n{text}");
    assert!(
        !text.contains("DMSABN148T System abend"),
        "program check:\n{text}"
    );
    text
}

// ------------------------------------------------------------------ an independent reader

/// One file status table entry.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Fst {
    name: String,
    ftype: String,
    mode_digit: char,
    recfm: char,
    lrecl: u32,
    items: u16,
    first_link: u16,
    blocks: u16,
    date: String,
    time: String,
    write_ptr: u16,
}

/// A CMS R6 minidisk read block by block from its image.
struct Disk {
    img: Box<dyn cp::dasd::CkdImage>,
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}
fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
fn bcd(b: u8) -> String {
    format!("{}{}", b >> 4, b & 15)
}

impl Disk {
    fn open(path: &Path) -> Disk {
        Disk {
            img: cp::dasd::open(path, true).unwrap(),
        }
    }

    /// Block `n` (from 1): 19 800-byte records a track on a 3350.
    fn block(&mut self, n: u16) -> Vec<u8> {
        let t = u32::from(n - 1) / 19;
        let r = (u32::from(n - 1) % 19 + 1) as u8;
        let heads = u32::from(self.img.heads());
        let track = self
            .img
            .read_track((t / heads) as u16, (t % heads) as u16)
            .unwrap();
        track.record(r).expect("record").data.clone()
    }

    /// (FST block numbers, QMSK extension block numbers, MFD).
    fn mfd(&mut self) -> (Vec<u16>, Vec<u16>, Vec<u8>) {
        let m = self.block(4);
        let (mut fst, mut ext) = (Vec::new(), Vec::new());
        let mut i = 0;
        loop {
            let v = be16(&m, i);
            i += 2;
            if v == 0xFFFF || v == 0 {
                break;
            }
            if v == 0xFFFD {
                loop {
                    let e = be16(&m, i);
                    i += 2;
                    if e == 0 {
                        break;
                    }
                    ext.push(e);
                }
                break;
            }
            fst.push(v);
        }
        (fst, ext, m)
    }

    fn files(&mut self) -> Vec<Fst> {
        let (fst, _, _) = self.mfd();
        let mut v = Vec::new();
        for b in fst {
            let blk = self.block(b);
            for e in blk.chunks(40) {
                if e.iter().all(|&x| x == 0) {
                    continue;
                }
                v.push(Fst {
                    name: ebcdic_to_text(&e[0..8]),
                    ftype: ebcdic_to_text(&e[8..16]),
                    mode_digit: ebcdic_to_text(&e[25..26]).chars().next().unwrap_or(' '),
                    recfm: ebcdic_to_text(&e[30..31]).chars().next().unwrap_or(' '),
                    lrecl: be32(e, 32),
                    items: be16(e, 26),
                    first_link: be16(e, 28),
                    blocks: be16(e, 36),
                    date: format!(
                        "{}/{}/{}",
                        bcd(e[16]),
                        bcd(e[17]),
                        ebcdic_to_text(&e[38..40])
                    ),
                    time: format!("{}:{}", bcd(e[18]), bcd(e[19])),
                    write_ptr: be16(e, 20),
                });
            }
        }
        v
    }

    /// (chain links, data blocks) of a file.
    fn chain(&mut self, f: &Fst) -> (Vec<u16>, Vec<u16>) {
        let first = self.block(f.first_link);
        let mut links = vec![f.first_link];
        let mut data: Vec<u16> = (0..60).map(|i| be16(&first, 80 + 2 * i)).collect();
        for i in 0..40 {
            let l = be16(&first, 2 * i);
            if l != 0 {
                links.push(l);
                let b = self.block(l);
                data.extend((0..400).map(|k| be16(&b, 2 * k)));
            }
        }
        data.truncate(f.blocks as usize);
        (links, data)
    }

    /// The records of a file.
    fn records(&mut self, f: &Fst) -> Vec<Vec<u8>> {
        let (_, data) = self.chain(f);
        let mut stream = Vec::new();
        for b in data {
            stream.extend(self.block(b));
        }
        let mut out = Vec::new();
        let mut at = 0usize;
        for _ in 0..f.items {
            let len = if f.recfm == 'F' {
                f.lrecl as usize
            } else {
                let l = be16(&stream, at) as usize;
                at += 2;
                l
            };
            out.push(stream[at..at + len].to_vec());
            at += len;
        }
        out
    }

    /// The consistency rules of FORMATS.md D.5; panics naming the one broken.
    fn check(&mut self, what: &str) {
        let (fst, ext, m) = self.mfd();
        let (num, used, left, last) = (be32(&m, 364), be32(&m, 368), be32(&m, 372), be32(&m, 376));
        let mut qmsk = m[384..599].to_vec();
        for e in &ext {
            qmsk.extend(self.block(*e));
        }
        let mut inuse: Vec<u16> = vec![1, 2, 3, 4];
        inuse.extend(&fst);
        inuse.extend(&ext);
        for f in self.files() {
            assert_eq!(f.write_ptr, f.items + 1, "{what}: write pointer of {f:?}");
            let (links, data) = self.chain(&f);
            assert!(
                data.iter().all(|&d| d != 0),
                "{what}: {f:?} lacks data blocks"
            );
            inuse.extend(links);
            inuse.extend(data);
        }
        let set: BTreeSet<u16> = inuse.iter().copied().collect();
        assert_eq!(set.len(), inuse.len(), "{what}: a block is used twice");
        assert_eq!(set.len() as u32, used, "{what}: ADTUSED");
        assert_eq!(left, num - used, "{what}: ADTLEFT");
        let bits: BTreeSet<u16> = (0..(num as usize).min(qmsk.len() * 8))
            .filter(|n| qmsk[n / 8] & (0x80 >> (n % 8)) != 0)
            .map(|n| n as u16 + 1)
            .collect();
        assert_eq!(bits, set, "{what}: the allocation map");
        let nz = qmsk.iter().rposition(|&b| b != 0).unwrap_or(0) as u32;
        assert_eq!(last, nz, "{what}: ADTLAST");
    }
}

/// The LISTFILE (DATE line CMS and MINICMS print for an entry on disk `letter`.
fn listfile_line(f: &Fst, letter: char) -> String {
    let (h, m) = f.time.split_at(2);
    let hour = h.trim_start_matches('0');
    let hour = if hour.is_empty() { "0" } else { hour };
    format!(
        "{:<8} {:<8}  {}{}  {}{:>6}{:>7}{:>7} {}{:>8}",
        f.name,
        f.ftype,
        letter,
        f.mode_digit,
        f.recfm,
        f.lrecl,
        f.items,
        f.blocks,
        f.date,
        format!("{hour}{m}")
    )
}

#[test]
fn listfile_matches_the_directory_of_every_real_disk() {
    let Some(sh) = shared() else { return };
    let t = workdir(&sh);
    let input = "ACCESS 192 D\nACCESS 193 E\nACCESS 194 F\nACCESS 195 G\nACCESS 19D B\n\
                 ACCESS 201 H\nACCESS 202 I\nLISTFILE * * * (DATE\nLOGOFF\n";
    let out = session(&t.path().join("mini.direct"), input);
    let mut want = Vec::new();
    for (d, letter) in DISKS.iter().zip(['A', 'D', 'E', 'F', 'G', 'B', 'H', 'I']) {
        let mut disk = Disk::open(&t.path().join(format!("{d}.cckd")));
        for f in disk.files() {
            want.push((letter, listfile_line(&f, letter)));
        }
    }
    // MINICMS lists the disks in mode order A-Z, each in directory order.
    want.sort_by_key(|(l, _)| *l);
    let want: Vec<String> = want.into_iter().map(|(_, l)| l).collect();
    assert_eq!(want.len(), 654, "files on the eight disks");
    // The LISTFILE output: the longest stretch between two Ready; lines.
    let got: Vec<&str> = out
        .split("Ready;\n")
        .max_by_key(|s| s.lines().count())
        .unwrap()
        .lines()
        .collect();
    assert_eq!(got.len(), want.len(), "{out}");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w);
    }
    // Nothing was written: every disk is as it was.
    for d in DISKS {
        let a = std::fs::read(t.path().join(format!("{d}.cckd"))).unwrap();
        let b = std::fs::read(sh.join(format!("{d}.cckd"))).unwrap();
        assert!(a == b, "{d} changed");
    }
}

#[test]
fn type_shows_real_files_record_for_record() {
    let Some(sh) = shared() else { return };
    let t = workdir(&sh);
    let mut d19d = Disk::open(&t.path().join("shared_19D.cckd"));
    let mut d191 = Disk::open(&t.path().join("cmsuser_191.cckd"));
    let help: Vec<Fst> = d19d
        .files()
        .into_iter()
        .filter(|f| f.ftype.starts_with("HELP"))
        .collect();
    assert!(help.len() > 300, "{}", help.len());
    let profile = d191
        .files()
        .into_iter()
        .find(|f| f.name.trim() == "PROFILE" && f.ftype.trim() == "EXEC")
        .unwrap();
    let mut input = String::from("ACCESS 19D B\nTYPE PROFILE EXEC A\n");
    let mut want = Vec::new();
    for r in d191.records(&profile) {
        want.push(ebcdic_to_text(&r).trim_end().to_string());
    }
    want.push("Ready;".into());
    for f in &help {
        input.push_str(&format!("TYPE {} {} B\n", f.name.trim(), f.ftype.trim()));
        for r in d19d.records(f) {
            let text = ebcdic_to_text(&r).trim_end().to_string();
            // Records longer than the 130-character line wrap.
            let chars: Vec<char> = text.chars().collect();
            if chars.is_empty() {
                want.push(String::new());
            }
            for c in chars.chunks(130) {
                want.push(c.iter().collect());
            }
        }
        want.push("Ready;".into());
    }
    input.push_str("LOGOFF\n");
    let out = session(&t.path().join("mini.direct"), &input);
    let lines: Vec<String> = out.lines().map(|l| l.trim_end().to_string()).collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with("DMSACC723I B (19D) R/O"))
        .expect("19D accessed")
        + 2;
    let got = &lines[start..start + want.len()];
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "line {i}");
    }
}

#[test]
fn files_minicms_writes_are_right_for_real_cms() {
    let Some(sh) = shared() else { return };
    let t = workdir(&sh);
    let disk = t.path().join("cmsuser_191.cckd");
    // MINICMS: a new EXEC (EDIT, INPUT, CHANGE), a copy of a V file and of a big file
    // with later chain links, an edited V file.
    let input = "EDIT MINI EXEC A\nINPUT\n&TYPE HELLO &1 FROM MINICMS\nCP QUERY USERID\n\
                 &TYPE ARGS &INDEX RC &RETCODE\n&EXIT 3\n\nTOP\nDOWN 2\nCHANGE /USERID/USERID/\n\
                 FILE\nCOPYFILE PROFILE EXEC A COPY EXEC A\nACCESS 192 D\n\
                 COPYFILE EE$S MODULE D BIG MODULE A\nEDIT HELLO C\nBOTTOM\nINPUT /* MINICMS */\n\
                 FILE\nLISTFILE * * A (DATE\nLOGOFF\n";
    let out = session(&t.path().join("mini.direct"), input);
    let mut d = Disk::open(&disk);
    d.check("after MINICMS");
    let files = d.files();
    let find = |n: &str, ty: &str| {
        files
            .iter()
            .find(|f| f.name.trim() == n && f.ftype.trim() == ty)
            .unwrap_or_else(|| panic!("{n} {ty} missing:\n{out}"))
            .clone()
    };
    // Every LISTFILE line MINICMS printed is what the directory holds.
    for f in &files {
        assert!(out.contains(&listfile_line(f, 'A')), "{f:?}\n{out}");
    }
    let mini = find("MINI", "EXEC");
    assert_eq!(
        (mini.recfm, mini.lrecl, mini.items, mini.blocks),
        ('F', 80, 4, 1)
    );
    let recs: Vec<String> = d
        .records(&mini)
        .iter()
        .map(|r| ebcdic_to_text(r).trim_end().to_string())
        .collect();
    assert_eq!(
        recs,
        [
            "&TYPE HELLO &1 FROM MINICMS",
            "CP QUERY USERID",
            "&TYPE ARGS &INDEX RC &RETCODE",
            "&EXIT 3"
        ]
    );
    let copy = find("COPY", "EXEC");
    let prof = find("PROFILE", "EXEC");
    assert_eq!(
        (copy.recfm, copy.lrecl, copy.items, copy.blocks),
        (prof.recfm, prof.lrecl, prof.items, prof.blocks)
    );
    assert_eq!(d.records(&copy), d.records(&prof));
    let big = find("BIG", "MODULE");
    let mut d192 = Disk::open(&t.path().join("cmsuser_192.cckd"));
    let src = d192
        .files()
        .into_iter()
        .find(|f| f.name.trim() == "EE$S" && f.ftype.trim() == "MODULE")
        .unwrap();
    assert_eq!(
        (big.recfm, big.lrecl, big.items, big.blocks),
        (src.recfm, src.lrecl, src.items, src.blocks)
    );
    assert!(big.blocks > 60, "needs later chain links");
    assert_eq!(d.records(&big), d192.records(&src));
    let hello = find("HELLO", "C");
    assert_eq!((hello.recfm, hello.items), ('V', 5));
    assert_eq!(
        ebcdic_to_text(d.records(&hello).last().unwrap()),
        "/* MINICMS */"
    );

    // Real CMS: STATE finds them, the EXEC runs, ERASE frees their blocks.
    let real = session(
        &t.path().join("cms.direct"),
        "ACCESS (NOPROF\nSTATE MINI EXEC\nSTATEW COPY EXEC A\nSTATE BIG MODULE A\n\
         STATE HELLO C\nMINI WORLD\nERASE COPY EXEC A\nERASE BIG MODULE A\nLOGOFF\n",
    );
    assert!(!real.contains("DMSSTT002E"), "{real}");
    assert!(!real.contains("DMSERS"), "{real}");
    assert!(real.contains("HELLO WORLD FROM MINICMS"), "{real}");
    assert!(real.contains("CMSUSER AT VM390"), "{real}");
    assert!(real.contains("ARGS 1 RC 0"), "{real}");
    assert!(real.contains("Ready(00003);"), "{real}");
    let mut d = Disk::open(&disk);
    d.check("after real CMS erased COPY EXEC and BIG MODULE");
    let names: Vec<String> = d
        .files()
        .iter()
        .map(|f| f.name.trim().to_string())
        .collect();
    assert!(!names.contains(&"COPY".to_string()), "{names:?}");
    assert!(!names.contains(&"BIG".to_string()), "{names:?}");
    assert!(names.contains(&"MINI".to_string()), "{names:?}");
}

#[test]
fn any_user_can_ipl_minicms_from_cp() {
    let Some(sh) = shared() else { return };
    let t = workdir(&sh);
    // CMSUSER's directory IPLs real CMS; the CP command IPL MINICMS switches.
    let out = session(
        &t.path().join("cms.direct"),
        "#CP IPL MINICMS\nQUERY SEARCH\nLOGOFF\n",
    );
    assert!(out.contains("CMS VERSION 6.0"), "{out}");
    assert!(out.contains("MINICMS VERSION 1.0"), "{out}");
    assert!(out.contains("CMS191   191   A   R/W"), "{out}");
}
