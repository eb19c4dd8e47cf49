//! CMS writes to its minidisks are kept: a file erased in one `vm390` session is gone in the
//! next, and the written CCKD image still passes Hercules' `cckdcdsk -3`. Read-only links
//! and read-only image files are never written (CMS refuses with DMSERS037E).
//!
//! The shared images are never written: each test copies the segments and the 191 image
//! into a temporary directory with a small directory file of its own, and checks that the
//! shared files' bytes did not change. When the shared material or `cckdcdsk` is missing
//! the test prints `SKIPPED: ...` and passes, or fails under `VM390_ORACLES=require`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The shared files these tests copy.
const FILES: [&str; 3] = ["CMS.segment", "CMSSEG.segment", "cmsuser_191.cckd"];

fn missing(what: &str) {
    if std::env::var("VM390_ORACLES").as_deref() == Ok("require") {
        panic!("{what} is missing (VM390_ORACLES=require)");
    }
    eprintln!("SKIPPED: {what} is missing (set VM390_ORACLES=require to fail instead)");
}

/// `../shared/cms370` with the files this test needs.
fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/cms370");
    for f in FILES.iter().chain(["vm390.direct"].iter()) {
        if !p.join(f).is_file() {
            missing(&p.join(f).display().to_string());
            return None;
        }
    }
    Some(p)
}

/// Hercules' `cckdcdsk` from `PATH` (or /usr/bin).
fn cckdcdsk() -> Option<PathBuf> {
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

/// FNV-1a of a file's bytes.
fn hash(path: &Path) -> u64 {
    let bytes = std::fs::read(path).unwrap();
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Hashes of the shared files the tests copy.
fn shared_hashes(shared: &Path) -> Vec<u64> {
    FILES.iter().map(|f| hash(&shared.join(f))).collect()
}

/// Copies the segments and the 191 image into `tmp` (writable) and writes `t.direct` there
/// with CMSUSER's 191 in `mode`.
fn setup(shared: &Path, tmp: &Path, mode: &str) -> PathBuf {
    for f in FILES {
        let to = tmp.join(f);
        std::fs::copy(shared.join(f), &to).unwrap();
        let mut perm = std::fs::metadata(&to).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perm.set_readonly(false);
        std::fs::set_permissions(&to, perm).unwrap();
    }
    let dir = tmp.join("t.direct");
    std::fs::write(
        &dir,
        format!(
            "NSS CMS    CMS.segment    IPL\n\
             NSS CMSSEG CMSSEG.segment\n\
             DASD CMS191 3350 cmsuser_191.cckd\n\
             USER CMSUSER CMSUSER 15M 16M G\n \
             IPL CMS\n \
             CONSOLE 009 3215\n \
             SPOOL 00C 2540 READER A\n \
             SPOOL 00D 2540 PUNCH A\n \
             SPOOL 00E 1403 A\n \
             MDISK 191 3350 000 115 CMS191 {mode}\n"
        ),
    )
    .unwrap();
    dir
}

/// Runs vm390 on `directory` with `input` on stdin; returns (exit code, stdout). Killed
/// (and the test failed) after 60 s.
fn session(directory: &Path, input: &str) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vm390"))
        .arg("--directory")
        .arg(directory)
        .arg("--logon")
        .arg("CMSUSER")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start vm390");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_string();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let mut out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("vm390 did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = writer.join();
    let text = reader.join().unwrap();
    (status.code().unwrap_or(-1), text)
}

/// `cckdcdsk -3 -ro`, then `cckdcdsk -3`: both succeed and report nothing.
fn cckdcdsk_clean(cdsk: &Path, file: &Path) {
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

#[test]
fn erase_is_kept_across_sessions() {
    let Some(shared) = shared() else { return };
    let Some(cdsk) = cckdcdsk() else { return };
    let before = shared_hashes(&shared);
    let tmp = tempfile::tempdir().unwrap();
    let dir = setup(&shared, tmp.path(), "MR");
    let image = tmp.path().join("cmsuser_191.cckd");
    let original = hash(&image);

    // Session 1: the IPL read runs PROFILE EXEC; both files exist; PROFILE EXEC is erased.
    let (code, out) = session(
        &dir,
        "\nSTATE PROFILE EXEC A\nSTATE HELLO C A\nERASE PROFILE EXEC A\nLOGOFF\n",
    );
    println!("{out}");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("CMS VERSION 6.0"), "{out}");
    assert!(
        !out.contains("DMSSTT002E"),
        "file missing before ERASE:\n{out}"
    );
    assert!(!out.contains("DMSERS"), "ERASE failed:\n{out}");
    assert!(out.contains("LOGOFF AT"), "{out}");
    assert_ne!(hash(&image), original, "the image was not written");
    cckdcdsk_clean(&cdsk, &image);

    // Session 2: PROFILE EXEC is gone (and did not run at IPL); HELLO C is erased and the
    // input ends without LOGOFF.
    let (code, out) = session(&dir, "\nSTATE PROFILE EXEC A\nERASE HELLO C A\n");
    println!("{out}");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("DMSSTT002E File 'PROFILE EXEC A' not found."),
        "PROFILE EXEC still there:\n{out}"
    );
    assert!(!out.contains("DMSMOD104S"), "PROFILE EXEC ran:\n{out}");
    assert!(!out.contains("DMSERS"), "ERASE failed:\n{out}");
    assert!(out.contains("LOGOFF AT"), "{out}");
    cckdcdsk_clean(&cdsk, &image);

    // Session 3: end of input flushed the second erase too.
    let (code, out) = session(&dir, "\nSTATE HELLO C A\nLOGOFF\n");
    println!("{out}");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("DMSSTT002E File 'HELLO C A' not found."),
        "HELLO C still there:\n{out}"
    );
    cckdcdsk_clean(&cdsk, &image);

    assert_eq!(shared_hashes(&shared), before, "a shared file changed");
}

#[test]
fn read_only_links_and_files_are_never_written() {
    let Some(shared) = shared() else { return };
    let before = shared_hashes(&shared);
    for (mode, file_read_only) in [("RR", false), ("R", false), ("MR", true)] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = setup(&shared, tmp.path(), mode);
        let image = tmp.path().join("cmsuser_191.cckd");
        if file_read_only {
            let mut perm = std::fs::metadata(&image).unwrap().permissions();
            perm.set_readonly(true);
            std::fs::set_permissions(&image, perm).unwrap();
        }
        let original = hash(&image);
        let (code, out) = session(
            &dir,
            "ACCESS (NOPROF\nERASE PROFILE EXEC A\nSTATE PROFILE EXEC A\nLOGOFF\n",
        );
        println!("{out}");
        assert_eq!(code, 0, "{mode}: {out}");
        assert!(out.contains("DMSACC723I A (191) R/O"), "{mode}: {out}");
        assert!(
            out.contains("DMSERS037E Disk 'A' is read/only."),
            "{mode}: {out}"
        );
        assert!(!out.contains("DMSSTT002E"), "{mode}: {out}");
        assert_eq!(hash(&image), original, "{mode}: the image changed");
    }
    assert_eq!(shared_hashes(&shared), before, "a shared file changed");
}
