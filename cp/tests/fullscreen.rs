//! DIAGNOSE X'58' full screen on a TN3270 console, proved with real VM/370 R6 CMS and the
//! MECAFF tools on the sample 192 disk, through the real `s3270` client on 127.0.0.1:
//! MECAFF's `EE$S` (EE, FSLIST and FSVIEW in one module, `MECAFF$S SYNONYM`) finds the
//! terminal a 3270 (DIAG X'24'), the DIAG X'58' support there (CCW X'63', `CX58V108`),
//! queries the display (WRITE STRUCTURED FIELD, `WSFQRY`), draws its screen with
//! ERASE/WRITE (`PUT3270`), waits for the attention of a key and reads it (`GET3270`); PF3
//! ends it and CMS's `Ready;` brings the VM/370 console screen back.
//!
//! Missing material or a missing `s3270` skips, or fails under `VM390_ORACLES=require`.

mod common;

use std::time::{Duration, Instant};

use common::net::{console_screen, Server, S3270};
use common::{setup, shared, CMS_FILES};

/// A server on `directory` with OTHER at the console; a full output area (CMS's logon
/// messages) goes on after a second.
fn server(directory: &std::path::Path) -> Server {
    Server::start_in(None, directory, "OTHER", &[], &[("VM390_MORE_HOLD", "1")])
}

/// Real CMS: MECAFF's `FSQRY QRYTYPE` says DIAG X'58' full screen (return code 1058:
/// `CKFSTYPE EXEC`), after finding the console a 3270 (DIAG X'24'), the support there (CCW
/// X'63') and the display's answer to its query (WRITE STRUCTURED FIELD, the attention at
/// TEST I/O, READ MODIFIED). `EE$S ( FSLIST` draws FSLIST's screen with ERASE/WRITE. It then
/// waits for a key with CMS's `HNDINT`, which is a module on the 190 (S) disk the sample
/// material does not have (DMSMOD104S): that CMS line output gives the VM/370 console screen
/// back, and PA1 (CP mode) ends the loop EE$S is left in. (So PF3 cannot be shown here: EE
/// never reads it without HNDINT; the key and the read are proved by
/// `fullscreen_write_attention_and_read_modified_with_s3270`.)
#[test]
fn mecaff_fsqry_and_fslist_under_real_cms() {
    let Some(shared) = shared(&CMS_FILES) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = setup(&shared, tmp.path(), "MR", "");
    let server = server(&dir);
    let Some(mut t) = S3270::start(server.port) else {
        return;
    };
    t.wait_text("VM390 ONLINE");
    t.enter("LOGON CMSUSER CMSUSER");
    t.wait_text("CMS VERSION 6.0");
    t.wait_screen("VM READ after IPL CMS", |s| {
        s.last().is_some_and(|l| l.trim_end().ends_with("VM READ"))
    });
    t.action("Clear");
    t.enter("FSQRY QRYTYPE");
    t.wait_text("Ready(01058);");
    // EE$S with the FSLIST option: the files of the A disk (the 191), full screen. The
    // screen is soon replaced (see above): each host output is looked at.
    t.enter("EE$S ( FSLIST");
    let deadline = Instant::now() + Duration::from_secs(60);
    let fslist = loop {
        t.action("Wait(2,Output)");
        let s = t.action("Ascii");
        let drawn = !console_screen(&s)
            && s.iter().any(|l| l.starts_with("FSLIST: * * A"))
            && s.iter().any(|l| l.contains("PROFILE  EXEC     A1"));
        if drawn {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "no FSLIST screen:\n{}",
            s.join("\n")
        );
    };
    assert_eq!(fslist.len(), 24);
    assert!(
        !fslist.iter().any(|l| l.contains("No fullscreen support")),
        "{}",
        fslist.join("\n")
    );
    // CMS's line output ends full-screen mode: the console screen is back.
    t.wait_screen("the console screen with CMS's HNDINT message", |s| {
        console_screen(s) && s.iter().any(|l| l.contains("'HNDINT MODULE'"))
    });
    // PA1: CP mode; a new IPL of CMS gets to Ready;.
    t.action("PA(1)");
    t.wait_screen("CP READ", |s| {
        s.last().is_some_and(|l| l.trim_end().ends_with("CP READ"))
    });
    t.action("Clear");
    t.enter("IPL CMS");
    t.wait_text("CMS VERSION 6.0");
    t.wait_screen("VM READ after IPL CMS", |s| {
        s.last().is_some_and(|l| l.trim_end().ends_with("VM READ"))
    });
    t.action("Clear");
    t.enter("#CP QUERY USERID");
    t.wait_text("CMSUSER AT");
}

/// The user FS logged on at an s3270 (the server and the client), with the program of
/// [`fullscreen_write_attention_and_read_modified_with_s3270`] stored, in CP READ.
fn program_at_s3270() -> Option<(tempfile::TempDir, Server, S3270)> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("fs.direct");
    std::fs::write(
        &dir,
        "USER OTHER OTHER 1M 1M G\n CONSOLE 009 3215\nUSER FS FSPW 1M 1M G\n CONSOLE 009 3215\n",
    )
    .unwrap();
    let server = server(&dir);
    let mut t = S3270::start(server.port)?;
    t.wait_text("VM390 ONLINE");
    t.enter("LOGON FS FSPW");
    t.wait_screen("CP READ", |s| {
        s.last().is_some_and(|l| l.trim_end().ends_with("CP READ"))
    });
    // F0000 DIAG 2,4,X'58'  TIO X'009'  LPSW X'10'(5): an enabled wait (PSW at F0010).
    // I/O new PSW -> F0018: DIAG 6,4,X'58'  TIO X'009'  LPSW X'28'(5): a disabled wait.
    // F0100 CCW X'29' CTL X'80' (ERASE/WRITE) of the 22 bytes at F0200: WCC X'C3', SBA
    // row 6 column 11, "HELLO FULL SCREEN", IC. F0108 CCW X'2A' CTL X'80' (READ
    // MODIFIED), 100 bytes to F0300.
    for store in [
        "STORE F0000 83240058 9D000009 82005010 00000000",
        "STORE F0010 FE020000 00000000 83640058 9D000009",
        "STORE F0020 82005028 00000000 00020000 00000000",
        "STORE F0100 290F0200 20800016 2A0F0300 20800064",
        "STORE F0200 C311C65A C8C5D3D3 D640C6E4 D3D340E2",
        "STORE F0210 C3D9C5C5 D5130000",
        "STORE 78 00000000 000F0018",
        "STORE G2 F0100 G4 9 G5 F0000 G6 F0108",
    ] {
        t.enter(store);
        t.wait_text("STORE COMPLETE");
        t.action("Clear");
    }
    Some((tmp, server, t))
}

/// A guest program put in with CP STORE (S/370 BC mode, the console X'009' a TN3270 model
/// 2): an ERASE/WRITE through DIAG X'58' CCW X'29' draws its screen and takes the display;
/// PF3 is an attention interruption in the program's enabled wait, and CCW X'2A' READ
/// MODIFIED reads what the key sent (AID X'F3', the cursor address); the program ends in a
/// disabled wait, whose CP message (CP-mode output) gives the console screen back.
#[test]
fn fullscreen_write_attention_and_read_modified_with_s3270() {
    let Some((_tmp, _server, mut t)) = program_at_s3270() else {
        return;
    };
    t.enter("BEGIN F0000");
    let s = t.wait_screen("the program's screen", |s| {
        s.len() == 24 && s[5].get(10..27) == Some("HELLO FULL SCREEN")
    });
    assert!(!console_screen(&s), "{}", s.join("\n"));
    assert!(
        s.iter()
            .enumerate()
            .all(|(i, l)| i == 5 || l.trim().is_empty()),
        "erased but for the text:\n{}",
        s.join("\n")
    );
    // PF3: the attention, the read, the disabled wait; CP's message on the console screen.
    t.action("PF(3)");
    t.wait_screen("the console screen again", |s| {
        console_screen(s) && s.iter().any(|l| l.contains("DISABLED WAIT PSW"))
    });
    t.action("Clear");
    // AID X'F3', then the cursor address (row 6 column 28: X'C66B').
    t.enter("DISPLAY F0300.4");
    t.wait_text("0F0300 F3C66B");
    // CCW X'19' on the 3270: CTL X'82' erases the output area and puts the data on its
    // line 2 (F0400 DIAG 8,4,X'58'  LPSW X'28'(5): a disabled wait again; F0140 CCW X'19' of 12 bytes at F0240).
    for store in [
        "STORE F0400 83840058 82005028",
        "STORE F0140 190F0240 2082000C",
        "STORE F0240 D9D6E640 E3E6D640 E3C5E7E3",
        "STORE G8 F0140",
        // Out of the disabled wait: a running PSW at F0400.
        "STORE PSW 00000000 000F0400",
    ] {
        t.enter(store);
        t.wait_text("STORE COMPLETE");
    }
    t.enter("BEGIN");
    let s = t.wait_screen("the displayed row", |s| {
        s.len() == 24 && s[2].trim_end() == "ROW TWO TEXT"
    });
    assert!(
        s[0].trim().is_empty() && s[1].trim().is_empty(),
        "the output area was erased:\n{}",
        s.join("\n")
    );
    assert!(console_screen(&s), "{}", s.join("\n"));
}

/// VM/SP "Full Screen Interactions" 3 and 10: PA1 in full-screen mode puts the machine in
/// CP mode (the console screen, CP READ); after BEGIN the screen stays in CP mode, and the
/// program's next full-screen I/O (its READ MODIFIED after the attention of the line typed
/// at VM READ) ends with unit status X'8E'.
#[test]
fn pa1_in_full_screen_is_cp_mode_and_the_next_read_ends_with_x8e() {
    let Some((_tmp, _server, mut t)) = program_at_s3270() else {
        return;
    };
    t.enter("BEGIN F0000");
    t.wait_screen("the program's screen", |s| {
        s.len() == 24 && s[5].get(10..27) == Some("HELLO FULL SCREEN")
    });
    t.action("PA(1)");
    t.wait_screen("CP READ", |s| {
        console_screen(s) && s.last().is_some_and(|l| l.trim_end().ends_with("CP READ"))
    });
    t.enter("BEGIN");
    t.wait_screen("VM READ", |s| {
        s.last().is_some_and(|l| l.trim_end().ends_with("VM READ"))
    });
    t.enter("");
    t.wait_text("DISABLED WAIT PSW");
    t.action("Clear");
    // The CSW of the READ: CCW address + 8, unit status X'8E', nothing read (residual 100).
    t.enter("DISPLAY CSW");
    t.wait_text("000F0110  8E000064");
}

/// CCW X'2A' with CTL X'00' is READ BUFFER: sent to the display, whose answer (no AID
/// X'60', the cursor address, the whole buffer) is the data. F0600: the ERASE/WRITE of
/// F0100, TIO, DIAG 9,4,X'58' with CCW X'2A' CTL 0 at F0118 (2,048 bytes to F0800), TIO,
/// a disabled wait.
#[test]
fn read_buffer_gets_the_displays_buffer() {
    let Some((_tmp, _server, mut t)) = program_at_s3270() else {
        return;
    };
    for store in [
        "STORE F0600 83240058 9D000009 83940058 9D000009",
        "STORE F0610 82005028",
        "STORE F0118 2A0F0800 20000800",
        "STORE G9 F0118",
        "STORE PSW 00000000 000F0600",
    ] {
        t.enter(store);
        t.wait_text("STORE COMPLETE");
    }
    t.enter("BEGIN");
    t.wait_text("DISABLED WAIT PSW");
    t.action("Clear");
    t.enter("DISPLAY F0800.4");
    t.wait_text("0F0800 60C66B");
    // Buffer position 410 (row 6, column 11) is at F0803 + 410 = F099D (DISPLAY starts
    // at the word): "HELLO F".
    t.enter("DISPLAY F099D.5");
    t.wait_text("0F099C 00C8C5D3 D3D640C6");
}
