//! Whole console transcripts of VM/370 R6 CMS under vm390, as insta snapshots with the
//! clock masked (`common::mask`): the IPL with PROFILE EXEC and with `ACCESS (NOPROF`,
//! the EXEC 1 language, LOAD / GENMOD / LOADMOD / FETCH / START, a MECAFF program on a line
//! console, the absent S-disk MODULEs, `SET EMSG`, re-IPL and lowercase input.
//!
//! Every session runs on private copies of the shared files (`common::setup`).

mod common;

use std::path::{Path, PathBuf};

use common::{mask, session, setup, shared, CmsDisk, CMS_FILES};

/// A private copy of the material; returns (temp dir guard, directory file).
fn copy(mode: &str, extra: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    let s = shared(&CMS_FILES)?;
    let tmp = tempfile::tempdir().unwrap();
    let dir = setup(&s, tmp.path(), mode, extra);
    Some((tmp, dir))
}

/// Runs `input` and returns the masked transcript (the session must end with exit 0).
fn transcript(dir: &Path, input: &str) -> String {
    let (code, out) = session(dir, input);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("LOGOFF AT"), "{out}");
    mask(&out)
}

/// The directory file with the 192 image as CMSUSER's 191 (A disk) and the 191 image as
/// its 192: CMS accesses only the 191 by itself and ACCESS is an S-disk MODULE, so this is
/// how the MECAFF programs and EXECs of the CMSUSER 192 disk can be run.
fn swap_disks(dir: &Path) {
    let text = std::fs::read_to_string(dir).unwrap();
    let text = text
        .replace(
            "MDISK 191 3350 000 115 CMS191",
            "MDISK 191 3350 000 115 CMSXXX",
        )
        .replace(
            "MDISK 192 3350 000 115 CMS192",
            "MDISK 192 3350 000 115 CMS191",
        )
        .replace("CMSXXX", "CMS192");
    std::fs::write(dir, text).unwrap();
}

#[test]
fn ipl_with_profile_exec() {
    let Some((_t, dir)) = copy("MR", "") else {
        return;
    };
    insta::assert_snapshot!(transcript(&dir, "\nLOGOFF\n"));
}

#[test]
fn ipl_noprof_and_lowercase() {
    let Some((_t, dir)) = copy("MR", "") else {
        return;
    };
    insta::assert_snapshot!(transcript(
        &dir,
        "access (noprof\nstate profile exec\nstate profile exec b\nstatew hello c\n#cp query userid\ncp query storage\nlogoff\n",
    ));
}

#[test]
fn exec_language() {
    let Some((t, dir)) = copy("MR", "") else {
        return;
    };
    // An EXEC with &TYPE, arguments, &IF, &GOTO, &ERROR and &EXIT, written into the 191 as
    // CMS lays out a file.
    CmsDisk::open_rw(&t.path().join("cmsuser_191.cckd")).add_file(
        "TESTERR",
        "EXEC",
        &[
            "&CONTROL OFF",
            "&TYPE ARGS ARE &1 AND &2",
            "&IF &INDEX EQ 0 &GOTO -NONE",
            "&ERROR &GOTO -ERR",
            "NOSUCHCMD",
            "&TYPE NOT REACHED",
            "-ERR",
            "&TYPE ERROR RC &RETCODE",
            "&EXIT 5",
            "-NONE",
        ],
    );
    insta::assert_snapshot!(transcript(
        &dir,
        "ACCESS (NOPROF\nEXEC CMS &TYPE\nCMS &TYPE\nSTATE TESTERR EXEC\nTESTERR\nTESTERR ONE TWO\nEXEC TESTERR X\nEXEC NOSUCH\nLOGOFF\n",
    ));
}

#[test]
fn exec_from_the_192_image() {
    let Some((_t, dir)) = copy("MR", "") else {
        return;
    };
    swap_disks(&dir);
    // ASM EXEC: no argument → usage, &EXIT 1; a missing file → &EXIT 28.
    insta::assert_snapshot!(transcript(
        &dir,
        "ASM\nASM NOSUCH C\nEXEC ASM NOSUCH ASSEMBLE A\nLOGOFF\n"
    ));
}

/// The TEXT decks on the 191 are GCC programs that need RESLIB MODULE from the absent
/// S-disk, so starting one ends in a program check; START is shown where there is no entry
/// point.
#[test]
fn load_genmod_loadmod_fetch_start() {
    let Some((_t, dir)) = copy("MR", "") else {
        return;
    };
    insta::assert_snapshot!(transcript(
        &dir,
        "ACCESS (NOPROF\nLOAD TESTCMD\nGENMOD TESTGEN\nSTATE TESTGEN MODULE\nLOADMOD TESTGEN\nINCLUDE HELLO\nFETCH TESTCMD\nLOAD NOSUCH\nSTART\nINCLUDE NOSUCH\nLOADMOD NOSUCH\nSTATE LOAD MAP\nLOGOFF\n",
    ));
}

/// MECAFF's FSQRY probes for a full-screen console; on a line console it gives up.
#[test]
fn mecaff_on_a_line_console() {
    let Some((_t, dir)) = copy("MR", "") else {
        return;
    };
    swap_disks(&dir);
    insta::assert_snapshot!(transcript(&dir, "FSQRY\n\nLOGOFF\n"));
}

#[test]
fn s_disk_modules_are_absent() {
    let Some((_t, dir)) = copy("MR", "") else {
        return;
    };
    insta::assert_snapshot!(transcript(
        &dir,
        "ACCESS (NOPROF\nLISTFILE\nACCESS 192 D\nTYPE HELLO C\nQUERY DISK\nSET BLIP OFF\nRENAME A B C D E F\nCOPYFILE A B C D E F\nGLOBAL TXTLIB X\nRELEASE A\nFILEDEF X DISK\nEDIT HELLO C\nLOGOFF\n",
    ));
}

#[test]
fn set_emsg() {
    let Some((_t, dir)) = copy("MR", "") else {
        return;
    };
    insta::assert_snapshot!(transcript(
        &dir,
        "ACCESS (NOPROF\nSTATE NOSUCH FILE\nCP SET EMSG ON\nSTATE NOSUCH FILE\nCP SET EMSG CODE\nSTATE NOSUCH FILE\nCP SET EMSG OFF\nSTATE NOSUCH FILE\nCP SET EMSG TEXT\nSTATE NOSUCH FILE\nCP SET EMSG MAYBE\nCP QUERY SET\nLOGOFF\n",
    ));
}

#[test]
fn reipl_cms() {
    let Some((_t, dir)) = copy("MR", "") else {
        return;
    };
    insta::assert_snapshot!(transcript(
        &dir,
        "ACCESS (NOPROF\n#CP IPL CMS\nACCESS (NOPROF\nCP IPL CMS\n\nCP I CMS\nACCESS (NOPROF\nCP IPL NOSUCH\nLOGOFF\n",
    ));
}

#[test]
fn unknown_commands() {
    let Some((_t, dir)) = copy("MR", "") else {
        return;
    };
    insta::assert_snapshot!(transcript(
        &dir,
        "ACCESS (NOPROF\nXYZZY\nCP XYZZY\n#CP XYZZY\nxyzzy 1 2 3\n#CP\nXYZZY\nBEGIN\nLOGOFF\n",
    ));
}

/// DEBUG: PSW, CAW, CSW (see `cms_cp.rs` for the CSW computed from the CCWs), registers
/// and storage (the banner at X'200').
#[test]
fn debug_subcommands() {
    let Some((_t, dir)) = copy("MR", "") else {
        return;
    };
    insta::assert_snapshot!(transcript(
        &dir,
        "ACCESS (NOPROF\nDEBUG\nPSW\nCAW\nCSW\nGPR 0 3\nX 200 32\nNOSUCH\nRETURN\nLOGOFF\n"
    ));
}

/// START of a TEXT deck that needs the absent RESLIB: the program check (DMSITP141T), CMS's
/// abend prompt `CMS` (answered with a line that is not DEBUG), then CMS's abend recovery.
/// It first ends VMCF (DIAG X'68' UNAUTHORIZE, which CP answers with rc 4, "not
/// authorized": no longer the specification exception that made CMS stop with DMSITP144T),
/// then runs `SVCTRACE OFF`; SVCTRACE MODULE lives on the 190 S-disk, which this material
/// lacks, so CMS itself says DMSMOD104S and ends recovery with DMSABN152T and a disabled
/// wait, as it would under VM/370's CP with the same disks. The user re-IPLs CMS from CP
/// mode, gets `Ready;` and logs off.
#[test]
fn start_program_check_and_abend_recovery() {
    let Some((_t, dir)) = copy("MR", "") else {
        return;
    };
    let out = transcript(
        &dir,
        "ACCESS (NOPROF\nLOAD TESTCMD\nSTART\nGO ON\nIPL CMS\nACCESS (NOPROF\nSTATE TESTCMD TEXT\nLOGOFF\n",
    );
    assert!(!out.contains("DMSITP144T"), "{out}");
    let after_abend = out.split("DMSABN152T").nth(1).expect("CMS's abend message");
    assert!(after_abend.contains("\nReady;"), "{out}");
    insta::assert_snapshot!(out);
}
