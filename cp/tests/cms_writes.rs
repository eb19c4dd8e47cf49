//! CMS writes to its minidisks are kept: a file erased in one `vm390` session is gone in the
//! next, a MODULE made by LOAD and GENMOD is there after LOGOFF and a new LOGON, and the
//! written CCKD images still pass Hercules' `cckdcdsk -3`. Read-only links and read-only
//! image files are never written (CMS refuses with DMSERS037E).
//!
//! The shared images are never written: each test copies the segments and the images into
//! a temporary directory with a directory file of its own (`common::setup`), and checks
//! that the shared files' bytes did not change. CMS messages appear as `SET EMSG TEXT`
//! (CP's setting at logon) leaves them: text without the message code.

mod common;

use common::{cckdcdsk, cckdcdsk_clean, hash, hashes, session, setup, shared, CmsDisk, CMS_FILES};

#[test]
fn erase_is_kept_across_sessions() {
    let Some(shared) = shared(&CMS_FILES) else {
        return;
    };
    let Some(cdsk) = cckdcdsk() else { return };
    let before = hashes(&shared, &CMS_FILES);
    let tmp = tempfile::tempdir().unwrap();
    let dir = setup(&shared, tmp.path(), "MR", "");
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
        !out.contains("' not found."),
        "file missing before ERASE:\n{out}"
    );
    assert!(!out.contains("read/only"), "ERASE failed:\n{out}");
    assert!(out.contains("LOGOFF AT"), "{out}");
    assert_ne!(hash(&image), original, "the image was not written");
    cckdcdsk_clean(&cdsk, &image);

    // Session 2: PROFILE EXEC is gone (and did not run at IPL); HELLO C is erased and the
    // input ends without LOGOFF.
    let (code, out) = session(&dir, "\nSTATE PROFILE EXEC A\nERASE HELLO C A\n");
    println!("{out}");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("File 'PROFILE EXEC A' not found."),
        "PROFILE EXEC still there:\n{out}"
    );
    assert!(
        !out.contains("DMSMOD104S ERROR"),
        "PROFILE EXEC ran:\n{out}"
    );
    assert!(out.contains("LOGOFF AT"), "{out}");
    cckdcdsk_clean(&cdsk, &image);

    // Session 3: end of input flushed the second erase too; the directory says so too.
    let (code, out) = session(&dir, "\nSTATE HELLO C A\nLOGOFF\n");
    println!("{out}");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("File 'HELLO C A' not found."),
        "HELLO C still there:\n{out}"
    );
    cckdcdsk_clean(&cdsk, &image);
    let names: Vec<String> = CmsDisk::open(&image)
        .files()
        .iter()
        .map(|f| format!("{} {}", f.name, f.ftype))
        .collect();
    assert!(!names.contains(&"HELLO C".to_string()), "{names:?}");
    assert!(!names.contains(&"PROFILE EXEC".to_string()), "{names:?}");
    assert!(names.contains(&"TESTCMD MODULE".to_string()), "{names:?}");

    assert_eq!(hashes(&shared, &CMS_FILES), before, "a shared file changed");
}

/// LOAD + GENMOD writes a MODULE (and LOAD MAP); after LOGOFF and a new LOGON it is there,
/// with the size the independent directory reader finds, and LOADMOD loads it.
#[test]
fn genmod_module_is_kept() {
    let Some(shared) = shared(&CMS_FILES) else {
        return;
    };
    let Some(cdsk) = cckdcdsk() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = setup(&shared, tmp.path(), "MR", "");
    let image = tmp.path().join("cmsuser_191.cckd");
    let (code, out) = session(
        &dir,
        "ACCESS (NOPROF\nSTATE TESTGEN MODULE\nLOAD TESTCMD\nGENMOD TESTGEN\nSTATE TESTGEN MODULE A\nLOGOFF\n",
    );
    println!("{out}");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("File 'TESTGEN MODULE' not found."), "{out}");
    assert!(out.contains("THE FOLLOWING NAMES ARE UNDEFINED:"), "{out}");
    assert!(out.contains("LOGOFF AT"), "{out}");
    cckdcdsk_clean(&cdsk, &image);
    let files = CmsDisk::open(&image).files();
    let module = files
        .iter()
        .find(|f| f.name == "TESTGEN" && f.ftype == "MODULE")
        .unwrap_or_else(|| panic!("no TESTGEN MODULE: {files:?}"));
    assert_eq!(module.recfm, 'V', "{module:?}");
    assert!(module.blocks > 0 && module.items > 0, "{module:?}");
    assert!(
        files.iter().any(|f| f.name == "LOAD" && f.ftype == "MAP"),
        "{files:?}"
    );

    let (code, out) = session(
        &dir,
        "ACCESS (NOPROF\nSTATE TESTGEN MODULE A\nLOADMOD TESTGEN\nERASE TESTGEN MODULE\nSTATE TESTGEN MODULE\nLOGOFF\n",
    );
    println!("{out}");
    assert_eq!(code, 0, "{out}");
    // Only the STATE after the ERASE fails.
    assert_eq!(out.matches("' not found.").count(), 1, "{out}");
    assert!(out.contains("File 'TESTGEN MODULE' not found."), "{out}");
    cckdcdsk_clean(&cdsk, &image);
}

#[test]
fn read_only_links_and_files_are_never_written() {
    let Some(shared) = shared(&CMS_FILES) else {
        return;
    };
    let before = hashes(&shared, &CMS_FILES);
    for (mode, file_read_only) in [("RR", false), ("R", false), ("MR", true)] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = setup(&shared, tmp.path(), mode, "");
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
        assert!(out.contains("A (191) R/O"), "{mode}: {out}");
        assert!(out.contains("Disk 'A' is read/only."), "{mode}: {out}");
        assert!(!out.contains("' not found."), "{mode}: {out}");
        assert_eq!(hash(&image), original, "{mode}: the image changed");
    }
    assert_eq!(hashes(&shared, &CMS_FILES), before, "a shared file changed");
}
