//! The system spool from the `vm390` binary (issue #13, the spool): a guest punches a deck
//! to its own reader and reads it back with START I/O; the files survive a restart of
//! vm390; PURGE, TRANSFER, CHANGE and ORDER; the bounded spool space; `vm390 spool export`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::run_script;

/// Assembles `cp/tests/data/spooltest.asm` with `vm390 asm` and writes it as the saved
/// system `CMS` (`spt.segment`: a header page holding the image's first doubleword as the
/// PSW, then the image at X'000000'), with a directory of user T in `dir`.
fn setup(dir: &Path, extra: &str) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/spooltest.asm");
    let img = dir.join("spt.img");
    let st = Command::new(env!("CARGO_BIN_EXE_vm390"))
        .arg("asm")
        .arg(&src)
        .arg("-o")
        .arg(&img)
        .status()
        .unwrap();
    assert!(st.success());
    let image = std::fs::read(&img).unwrap();
    let mut seg = vec![0u8; 2 * 4096];
    seg[..8].copy_from_slice(&image[..8]);
    seg[4096..4096 + image.len()].copy_from_slice(&image);
    std::fs::write(dir.join("spt.segment"), seg).unwrap();
    let direct = dir.join("t.direct");
    std::fs::write(
        &direct,
        format!(
            "NSS CMS spt.segment IPL\n\
             USER T T 1M 1M G\n CONSOLE 009 3215\n SPOOL 00C 2540 READER A\n \
             SPOOL 00D 2540 PUNCH A\n SPOOL 00E 1403 A\n\
             USER OTHER X 1M 1M G\n CONSOLE 009 3215\n{extra}"
        ),
    )
    .unwrap();
    direct
}

/// `vm390 --directory DIR --logon USER` with `input`; (exit code, stdout, stderr).
fn session(direct: &Path, user: &str, input: &str, env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vm390"));
    cmd.arg("--directory")
        .arg(direct)
        .args(["--logon", user])
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    run_script(cmd, input, Duration::from_secs(60))
}

/// The guest punches three cards to its own reader, closes the punch and reads them back
/// with SIO on 00C (end of file: unit exception); the printer file CLOSEd afterwards
/// survives a restart, is exported as ASCII text, changed, transferred, ordered and
/// purged.
#[test]
fn punch_to_reader_read_back_and_files_survive_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let direct = setup(tmp.path(), "");
    let (code, out, err) = session(
        &direct,
        "T",
        "IPL CMS\nCLOSE 00E NAME LIST FILE\nQUERY PRINTER ALL\nQUERY READER ALL\nLOGOFF\n",
        &[],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("PUN FILE 0001 TO T COPY 001 NOHOLD"), "{out}");
    let one = out.find("CARD ONE").expect(&out);
    let two = out.find("CARD TWO").expect(&out);
    let three = out.find("CARD THREE").expect(&out);
    let eof = out.find("READER EOF").expect(&out);
    assert!(one < two && two < three && three < eof, "{out}");
    // The second deck, read with DIAGNOSE X'14' subcode 0: cards one and three from the
    // 4K buffer, then CC 1 (end of file).
    assert!(out.contains("PUN FILE 0002 TO T COPY 001 NOHOLD"), "{out}");
    let d14 = &out[eof..];
    let one = d14.find("CARD ONE").expect(&out);
    let three = d14.find("CARD THREE").expect(&out);
    let deof = d14.find("DIAG14 EOF").expect(&out);
    assert!(
        one < three && three < deof && !d14.contains("CARD TWO"),
        "{out}"
    );
    assert!(
        out.contains("DMKDSP450W CP ENTERED; DISABLED WAIT PSW '00020000 00000000'"),
        "{out}"
    );
    // One copy for T's own printer queue: CLOSE says nothing (CLOSE HELPCMD2).
    assert!(!out.contains("PRT FILE"), "{out}");
    // The deck was read to its end: purged from the reader.
    assert!(out.contains("NO RDR FILES"), "{out}");
    let prt = out
        .lines()
        .find(|l| l.starts_with("T        0003 A PRT 000002"))
        .expect(&out);
    assert!(prt.contains("LIST      FILE"), "{prt}");
    assert!(tmp.path().join("spool/0003.spool").is_file());

    // A second vm390: the printer file is still there.
    let (code, out, err) = session(
        &direct,
        "T",
        "QUERY PRINTER ALL\nCHANGE PRT 0003 CLASS B NAME NEW ONE\nQUERY PRT ALL\n\
         TRANSFER PRT 3 TO OTHER\nQUERY PRT\nPURGE RDR 0003\nLOGOFF\n",
        &[],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("T        0003 A PRT 000002"), "{out}");
    assert!(out.contains("0001 FILES CHANGED"), "{out}");
    assert!(out.contains("T        0003 B PRT 000002 01  NONE"), "{out}");
    assert!(out.contains("NEW       ONE"), "{out}");
    // Exported before the transfer below is seen by a third process.
    assert!(
        out.contains("RDR FILE 0003 TRANSFERRED TO OTHER\n0001 FILES TRANSFERRED"),
        "{out}"
    );
    assert!(out.contains("NO PRT FILES"), "{out}");
    assert!(
        out.contains("DMKCSU042E SPOOLID 0003 DOES NOT EXIST"),
        "{out}"
    );

    // OTHER finds it in its reader; export it; ORDER and PURGE.
    let file = tmp.path().join("out.txt");
    let st = Command::new(env!("CARGO_BIN_EXE_vm390"))
        .args(["spool", "export", "3"])
        .arg(&file)
        .arg("--directory")
        .arg(&direct)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "PRINT LINE 1\nPRINT LINE 2\n"
    );
    // An existing file is not replaced by a failed export (no such spool id).
    let st = Command::new(env!("CARGO_BIN_EXE_vm390"))
        .args(["spool", "export", "77"])
        .arg(&file)
        .arg("--directory")
        .arg(&direct)
        .output()
        .unwrap();
    assert!(!st.status.success());
    assert!(String::from_utf8_lossy(&st.stderr).contains("77"));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "PRINT LINE 1\nPRINT LINE 2\n"
    );
    let (code, out, err) = session(
        &direct,
        "OTHER",
        "QUERY READER ALL\nQUERY RDR\nPURGE RDR CLASS B\nQUERY RDR\nLOGOFF\n",
        &[],
    );
    assert_eq!(code, 0, "{out}{err}");
    // OWNERID is the user who created the file (QUERY HELPCMD2).
    assert!(out.contains("OWNERID  FILE CLASS"), "{out}");
    assert!(out.contains("T        0003 B PRT 000002"), "{out}");
    assert!(out.contains("0001 FILES PURGED"), "{out}");
    assert!(out.contains("NO RDR FILES"), "{out}");
    assert!(!tmp.path().join("spool/0003.spool").exists());
}

/// A guest that punches more than the spool space holds gets unit check, intervention
/// required, and CP says the spool is full; nothing grows past the bound. LOGOFF closes
/// the printer file the guest left open.
#[test]
fn a_full_spool_stops_the_punch() {
    let tmp = tempfile::tempdir().unwrap();
    let direct = setup(tmp.path(), "");
    // 2 print lines (28 bytes) fit; the first card (82 more) does not.
    let (code, out, err) = session(
        &direct,
        "T",
        "IPL CMS\nQUERY PUNCH ALL\nLOGOFF\n",
        &[("VM390_SPOOL_LIMIT", "100")],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("VM390: SPOOL SPACE FULL; PUN 00D NOT READY"),
        "{out}"
    );
    // The guest's SIO ended with unit check: it stops at FAILW.
    assert!(
        out.contains("DISABLED WAIT PSW '00020000 00000BAD'"),
        "{out}"
    );
    assert!(out.contains("NO PUN FILES"), "{out}");
    // LOGOFF closed the printer's open file: the two lines are a printer file now.
    let (code, out, err) = session(&direct, "T", "QUERY PRINTER ALL\nLOGOFF\n", &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("T        0001 A PRT 000002"), "{out}");
}

/// A damaged spool file stops vm390 at logon with the file and offset named, and nothing
/// in the spool directory is changed; `vm390 spool export` refuses a FILE that is a
/// directory and finds the spool of `--data-dir`.
#[test]
fn bad_spool_files_and_export_targets_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let direct = setup(tmp.path(), "");
    let spool = tmp.path().join("spool");
    std::fs::create_dir(&spool).unwrap();
    let bad = b"VM390SPOOL 1 id=5 origin=T owner=T queue=RDR device=PUN class=A name=- \
                type=- dist=T copies=1 hold=0 date=12/07 time=20:00 records=2\n\x00\x01A"
        .to_vec();
    std::fs::write(spool.join("0005.spool"), &bad).unwrap();
    let (code, out, err) = session(&direct, "T", "LOGOFF\n", &[]);
    assert_ne!(code, 0, "{out}{err}");
    assert!(
        err.contains("0005.spool") && err.contains("record 2 is missing"),
        "{err}"
    );
    assert_eq!(std::fs::read(spool.join("0005.spool")).unwrap(), bad);

    // A good file in a data directory's spool; FILE a directory: refused.
    let data = tmp.path().join("data");
    std::fs::create_dir_all(data.join("spool")).unwrap();
    let good = b"VM390SPOOL 1 id=7 origin=T owner=T queue=PRT device=PRT class=A name=- \
                 type=- dist=T copies=1 hold=0 date=12/07 time=20:00 records=1\n\x00\x03\xC8\xC9\x40"
        .to_vec();
    std::fs::write(data.join("spool/0007.spool"), good).unwrap();
    let export = |to: &Path| {
        Command::new(env!("CARGO_BIN_EXE_vm390"))
            .args(["spool", "export", "7"])
            .arg(to)
            .arg("--data-dir")
            .arg(&data)
            .output()
            .unwrap()
    };
    let st = export(tmp.path());
    assert!(!st.status.success());
    assert!(String::from_utf8_lossy(&st.stderr).contains("not a regular file"));
    let st = export(&tmp.path().join("hi.txt"));
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("hi.txt")).unwrap(),
        "HI\n"
    );
}
