//! VM/370 R6 CMS with the sample material of `../shared/cms370`: what CMS asks of CP at
//! IPL and in DEBUG, and what vm390 says about the absent 190.
//!
//! * The 192 as D: R6 CMS's DMSINS accesses the 192 itself when its label says `CMS=`,
//!   reading the label with DIAGNOSE X'20' (a CKD channel program), not X'18'.
//! * The logon note about the absent 190 (S) minidisk.
//! * DEBUG's DUMP: where this nucleus looks for the printer.
//!
//! Every session runs on private copies of the shared files (`common::setup`).

mod common;

use std::path::{Path, PathBuf};

use common::{mask, session, setup, shared, CmsDisk, CMS_FILES};

/// A private copy of the material; returns (temp dir guard, directory file).
fn copy(extra: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    let s = shared(&CMS_FILES)?;
    let tmp = tempfile::tempdir().unwrap();
    let dir = setup(&s, tmp.path(), "MR", extra);
    Some((tmp, dir))
}

/// Runs `input` and returns the masked transcript (the session must end with exit 0),
/// with the `hh:mm` of MINICMS's banner and the `mm/dd hh:mm` of a spool file listing
/// masked too.
fn transcript(dir: &Path, input: &str) -> String {
    let (code, out) = session(dir, input);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("LOGOFF AT"), "{out}");
    mask(&out)
        .lines()
        .map(|l| {
            let w: Vec<&str> = l.split(' ').collect();
            w.iter()
                .enumerate()
                .map(|(i, t)| {
                    let prev = if i > 0 { w[i - 1] } else { "" };
                    let hhmm = shape(t, "dd:dd") && (prev == "MM/DD/YY" || shape(prev, "dd/dd"));
                    if hhmm {
                        "HH:MM"
                    } else if shape(t, "dd/dd") {
                        "MM/DD"
                    } else {
                        t
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
                + "\n"
        })
        .collect()
}

/// Whether `t` has the shape of `pat` (`d` a digit, anything else itself).
fn shape(t: &str, pat: &str) -> bool {
    t.len() == pat.len()
        && t.bytes().zip(pat.bytes()).all(|(c, p)| {
            if p == b'd' {
                c.is_ascii_digit()
            } else {
                c == p
            }
        })
}

/// The saved CMS nucleus as storage from address 0 (the file's first page is its header,
/// FORMATS.md).
fn nucleus() -> Option<Vec<u8>> {
    let s = shared(&["CMS.segment"])?;
    let bytes = std::fs::read(s.join("CMS.segment")).unwrap();
    Some(bytes[4096..].to_vec())
}

fn half(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn word(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// DMSINS (the init page of the saved nucleus, base register 12 = X'020000') accesses the
/// 192 as D by itself. Read from the nucleus: at X'0201F8' it takes the device address of
/// DEVTAB entry DSK4 (X'0013E0', which holds X'0192') and calls the routine at X'0202F0':
/// DIAGNOSE X'24' on it (class X'04', DASD, wanted), the address put into the command
/// `ACCESS 192 D` at X'020A1C'; then DIAGNOSE X'20' at X'020220' runs the channel program
/// at X'020880' (SEEK cylinder 0 head 0, SEARCH ID EQUAL record 3, TIC, READ DATA of 16
/// bytes) and the label is compared with `CMS=` (X'020228'); only then is the ACCESS issued.
/// vm390 answered DIAGNOSE X'20' on a minidisk with CC 3 (R15 = 13), so the 192 stayed
/// unaccessed (`Disk 'D' not accessed.`). The checks below of the nucleus bytes make sure
/// this reading stays true of the file the test runs.
#[test]
fn dmsins_reads_the_192_label_with_diagnose_20() {
    let Some(n) = nucleus() else {
        return;
    };
    // DSK4 in DEVTAB: device X'0192'.
    assert_eq!(half(&n, 0x13E0), 0x0192);
    // L 11,3244(,12) -> the address of DSK4; BAL 2,752(,12).
    assert_eq!(word(&n, 0x20CAC), 0x13E0);
    assert_eq!(&n[0x201F8..0x201FC], &[0x58, 0xB0, 0xCC, 0xAC]);
    assert_eq!(&n[0x20200..0x20204], &[0x45, 0x20, 0xC2, 0xF0]);
    // DIAG 10,13,X'24' in the routine; DIAG 10,14,X'20' after it.
    assert_eq!(&n[0x20300..0x20304], &[0x83, 0xAD, 0x00, 0x24]);
    assert_eq!(&n[0x20220..0x20224], &[0x83, 0xAE, 0x00, 0x20]);
    // The channel program: SEEK, SEARCH ID EQ, TIC, READ DATA, NO-OP.
    let cmds: Vec<u8> = (0..5).map(|i| n[0x20880 + 8 * i]).collect();
    assert_eq!(cmds, [0x07, 0x31, 0x08, 0x06, 0x03]);
    // CLC 2224(4,12),2240(12): the label against "CMS=".
    assert_eq!(&n[0x208C0..0x208C4], &common::to_ebcdic("CMS=")[..]);
    // The command DMSINS issues.
    let cmd: String = n[0x20A1C..0x20A34]
        .iter()
        .map(|b| common::ebcdic_char_any(*b))
        .collect();
    assert_eq!(
        cmd.split_whitespace().collect::<Vec<_>>(),
        ["ACCESS", "192", "D"]
    );
}

/// At IPL CMS accesses the 192 as D (docs/cms370-guest.md section 6): `STATE * * D`
/// finds files, every MODULE of the 192 is there for CMS (STATE) and one of them, MECAFF's
/// FSQRY, runs; MINICMS's LISTFILE of the same disk lists the same MODULEs, as does an
/// independent reader of the image's file directory.
#[test]
fn ipl_accesses_the_192_as_d() {
    let Some((t, dir)) = copy("") else {
        return;
    };
    let mut modules: Vec<String> = CmsDisk::open(&t.path().join("cmsuser_192.cckd"))
        .files()
        .into_iter()
        .filter(|f| f.ftype == "MODULE")
        .map(|f| f.name)
        .collect();
    modules.sort();
    assert!(modules.iter().any(|m| m == "FSQRY"), "{modules:?}");
    let mut input = String::from("ACCESS (NOPROF\nSTATE * * D\n");
    for m in &modules {
        input.push_str(&format!("STATE {m} MODULE D\n"));
    }
    input.push_str("FSQRY\n\nCP IPL MINICMS\nACCESS 192 D\nLISTFILE * MODULE D\nLOGOFF\n");
    let out = transcript(&dir, &input);
    let (cms, minicms) = out.split_once("MINICMS VERSION").expect("MINICMS");
    let (states, fsqry) = cms
        .split_once("<{>}T Please press ENTER")
        .expect("FSQRY ran from the 192");
    // STATE * * D and every STATE: Ready with return code 0.
    assert!(!states.contains("not accessed"), "{out}");
    assert!(!states.contains("Ready("), "{out}");
    assert_eq!(
        states.matches("\nReady;").count(),
        2 + modules.len(),
        "{out}"
    );
    assert!(fsqry.contains("no fullscreen support"), "{out}");
    assert!(!cms.contains("Unknown CP/CMS command"), "{out}");
    let mut listed: Vec<String> = minicms
        .lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w.len() == 3 && w[1] == "MODULE" && w[2].starts_with('D')).then(|| w[0].to_string())
        })
        .collect();
    listed.sort();
    assert_eq!(listed, modules, "{out}");
    insta::assert_snapshot!(out);
}

/// Logging on a user whose IPL is the CMS named system and who has no 190 says once, as a
/// CP message before CMS's banner, why S-disk commands fail and that MINICMS has them. A
/// user with a 190 (here any 3350 minidisk at 190), or one who IPLs MINICMS, does not get it.
#[test]
fn logon_says_there_is_no_190() {
    let Some((_t, dir)) = copy("") else {
        return;
    };
    let out = transcript(&dir, "ACCESS (NOPROF\nLOGOFF\n");
    let note = "vm390: no 190 (S) minidisk: CMS commands that live on the S-disk will give \
                DMSMOD104S; IPL MINICMS for a CMS-like system with them";
    assert_eq!(out.matches(note).count(), 1, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("LOGON AT"), "{out}");
    assert_eq!(lines[1], note, "{out}");
    assert!(lines[2].starts_with("CMS VERSION 6.0"), "{out}");
    // A re-IPL of CMS does not repeat it.
    let out = transcript(&dir, "ACCESS (NOPROF\nCP IPL CMS\nACCESS (NOPROF\nLOGOFF\n");
    assert_eq!(out.matches(note).count(), 1, "{out}");
    assert_eq!(out.matches("CMS VERSION 6.0").count(), 2, "{out}");

    let Some((_t, dir)) = copy(" MDISK 190 3350 000 005 CMS191 RR\n") else {
        return;
    };
    let out = transcript(&dir, "ACCESS (NOPROF\nLOGOFF\n");
    assert!(out.contains("CMS VERSION 6.0"), "{out}");
    assert!(!out.contains("no 190"), "{out}");

    let Some((_t, dir)) = copy("") else {
        return;
    };
    let text = std::fs::read_to_string(&dir).unwrap();
    std::fs::write(&dir, text.replace(" IPL CMS\n", " IPL MINICMS\n")).unwrap();
    let out = transcript(&dir, "LOGOFF\n");
    assert!(out.contains("MINICMS VERSION"), "{out}");
    assert!(!out.contains("no 190"), "{out}");
}

/// DEBUG's DUMP prints on the printer that DEVTAB entry X'D0' names: that is PRN1 in the
/// R6 base nucleus (CON1, ten disks, RDR1, PCH1, PRN1), but this SixPack nucleus has 26
/// disk entries and PRN1 at X'1D0'; X'D0' is DSKM, the M-disk, address 000 while no disk is
/// accessed as M. So DMSDBG (at X'01E08A': `L 7,X'608'`, `LH 7,X'D0'(7)`, then `SIO 0(7)`
/// at X'01E2FC') starts the printer at 000, gets CC 3 and says `DMSDBG113S PRINTER (000)
/// NOT ATTACHED.`: this is CMS's own answer under any CP, VM/370's among them, whatever
/// CP says of 00E. With a printer defined at 000 (`CP DEFINE PRINTER 000`) the dump goes
/// there: a skip to channel 1, the heading, GPRs 0-7 and 8-15, the FPRs, PSW/CSW/CAW and
/// 32 bytes a line of storage (HELPDBG `DUMP`): 9 lines for X'200'-X'27F', which CLOSE
/// makes a printer spool file of 9 records.
#[test]
fn debug_dump_goes_to_the_printer_devtab_names() {
    let Some(n) = nucleus() else {
        return;
    };
    let devtab = word(&n, 0x608) as usize;
    assert_eq!(devtab, 0x13A0);
    let entry = |off: usize| -> (u16, String) {
        let name = n[devtab + off + 4..devtab + off + 8]
            .iter()
            .map(|b| common::ebcdic_char_any(*b))
            .collect();
        (half(&n, devtab + off), name)
    };
    assert_eq!(entry(0xD0), (0x000, "DSKM".to_string()));
    assert_eq!(entry(0x1D0), (0x00E, "PRN1".to_string()));
    assert_eq!(
        &n[0x1E08A..0x1E092],
        &[0x58, 0x70, 0x06, 0x08, 0x48, 0x70, 0x70, 0xD0]
    );
    assert_eq!(&n[0x1E2FC..0x1E300], &[0x9C, 0x00, 0x70, 0x00]);

    let Some((_t, dir)) = copy("") else {
        return;
    };
    let out = transcript(
        &dir,
        "ACCESS (NOPROF\nDEBUG\nDUMP 200 27F\nRETURN\nCP DEFINE PRINTER 000\nDEBUG\n\
         DUMP 200 27F SAMPLE\nRETURN\nCP CLOSE 000\nCP QUERY PRINTER ALL\nLOGOFF\n",
    );
    let (before, after) = out.split_once("PRT 000 DEFINED").expect("DEFINE");
    assert_eq!(
        before
            .matches("DMSDBG113S PRINTER (000) NOT ATTACHED.")
            .count(),
        1,
        "{out}"
    );
    assert!(!after.contains("DMSDBG113S"), "{out}");
    // One copy for the user's own printer queue: CLOSE gives no response (CLOSE
    // HELPCMD2, "Responses"); QUERY shows the file.
    assert!(!after.contains("PRT FILE"), "{out}");
    assert!(after.contains("CMSUSER  0001 A PRT 000009 01 "), "{out}");
    insta::assert_snapshot!(out);
}
