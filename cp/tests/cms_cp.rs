//! CP commands for the CMS user, from CMS (`CP ...`, DIAGNOSE X'08'), with `#CP` and in CP
//! mode: QUERY, SET, TERMINAL, SPOOL / CLOSE, MSG, LINK with its access modes, conflicts
//! and passwords, DETACH, DEFINE (T-disk, STORAGE with its reset), IPL of a DASD by its IPL
//! records, a volume whose image cannot be opened, and the CSW CMS sees after console I/O.

mod common;

use std::path::{Path, PathBuf};

use common::{mask, session, setup, shared, CMS_FILES};

fn copy(mode: &str, extra: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    let s = shared(&CMS_FILES)?;
    let tmp = tempfile::tempdir().unwrap();
    let dir = setup(&s, tmp.path(), mode, extra);
    Some((tmp, dir))
}

fn transcript(dir: &Path, input: &str) -> String {
    let (code, out) = session(dir, input);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("LOGOFF AT"), "{out}");
    mask(&out)
}

#[test]
fn query_set_spool_msg() {
    let Some((_t, dir)) = copy("MR", "") else {
        return;
    };
    insta::assert_snapshot!(transcript(
        &dir,
        "ACCESS (NOPROF\nCP QUERY VIRTUAL\nCP Q DASD\nCP Q V STOR\nCP Q 191\nCP Q 123\nCP Q CONS\nCP Q NAMES\nCP Q USERS\nCP Q OTHER\n\
         CP Q PF03\nCP SET PF05 IMMED QUERY TIME\nCP Q PF05\nCP SET PF05\nCP Q PF05\nCP SET IMSG OFF\nCP SET RUN ON\nCP SET ECHO ON\nCP Q SET\n\
         CP SET ECHO OFF\nCP SET IMSG ON\nCP SET RUN OFF\nCP SET NOSUCH ON\nCP TERMINAL MODE CP LINEND % LINESIZE 80\nCP Q TERMINAL\nCP TERMINAL MODE XX\n\
         CP SPOOL PRT CLASS X HOLD COPY 2\nCP SPOOL 00D TO OTHER\nCP SPOOL 00D TO NOBODY\nCP SPOOL 191 CLASS A\nCP Q V 00E\nCP Q V 00D\nCP CLOSE PRT\nCP Q PRT\nCP Q RDR\nCP Q PUN\n\
         CP MSG * hello\nCP SET MSG OFF\nCP MSG * hello\nCP MSG OTHER hi\nCP MSG NOBODY hi\nCP QUERY\nLOGOFF\n",
    ));
}

#[test]
fn link_modes_conflicts_and_passwords() {
    let Some((_t, dir)) = copy("MR", "") else {
        return;
    };
    insta::assert_snapshot!(transcript(
        &dir,
        "ACCESS (NOPROF\n\
         CP LINK * 191 291 W\nCP LINK * 191 291 R\nCP LINK * 191 291 M\nCP LINK * 191 291 RR\nCP LINK * 191 292 WR\nCP LINK * 191 293 MR\nCP LINK * 191 294 MW\n\
         CP DETACH 191\nCP DETACH 294\nCP LINK * 191 295 W\nCP DETACH 291\nCP DETACH 292\nCP DETACH 293\nCP LINK * 191 191 W\n\
         CP LINK OTHER 391 391 RR\nCP LINK OTHER 391 391 RR WRONG\nCP LINK OTHER 391 391 RR RPASS\nCP LINK OTHER 391 392 W WPASS\nCP LINK OTHER 391 393 W PASS=WPASS\n\
         CP LINK TO OTHER 392 AS 394\nCP LINK OTHER 392 395 M\nCP LINK OTHER 3FF 396\nCP LINK NOBODY 191 397\nCP LINK * 191 009\nCP LINK OTHER\nCP LINK OTHER 391 XYZ\n\
         #CP LINK OTHER 391 398 RR\nRPASS\n#CP LINK OTHER 391 399 M\nMPASS\n#CP LINK OTHER 391 39A W\nWRONG\n\
         CP Q DASD\nCP DETACH 009\nCP DETACH 277\nCP DETACH\nLOGOFF\n",
    ));
}

#[test]
fn define_detach_and_define_storage() {
    let Some((_t, dir)) = copy("MR", "") else {
        return;
    };
    let out = transcript(
        &dir,
        "ACCESS (NOPROF\nCP DEFINE T3350 AS 300 CYL 2\nCP Q V 300\nCP DEFINE T3350 AS 300 CYL 2\nCP DEFINE T9999 AS 301 CYL 2\nCP DEFINE T3330 301 0\nCP DEFINE T3350 301 CYL 51\n\
         CP DETACH 300\nCP DEFINE PRINTER 00F\nCP Q V 00F\nCP DETACH 00F\n\
         CP DEFINE STORAGE 32M\nCP DEFINE STORAGE 5K\nCP DEFINE STORAGE 2M\nQUERY STORAGE\nBEGIN\nQUERY VIRTUAL STORAGE\nIPL CMS\nACCESS (NOPROF\nCP QUERY STORAGE\nLOGOFF\n",
    );
    insta::assert_snapshot!(out);
}

/// `#CP` alone enters CP mode (CP READ): lines are CP commands until BEGIN; `CP QUERY
/// USERID` there is taken with its CP prefix (later VM releases do; R6 said DMKCFM001E).
#[test]
fn cp_mode_and_begin() {
    let Some((_t, dir)) = copy("MR", "") else {
        return;
    };
    insta::assert_snapshot!(transcript(
        &dir,
        "ACCESS (NOPROF\n#CP\nQUERY USERID\nXYZZY\nCP QUERY USERID\nB\nCP SET RUN ON\n#CP\nQUERY USERID\nSTATE PROFILE EXEC\nLOGOFF\n",
    ));
}

/// An image that cannot be opened is a volume CP cannot mount: DMKLNK108E at logon and on
/// LINK, and the user stays logged on.
#[test]
fn unopenable_image_is_reported_in_the_console() {
    let Some((t, dir)) = copy("MR", " MDISK 199 3350 000 001 BAD001 RR\n") else {
        return;
    };
    let text = std::fs::read_to_string(&dir).unwrap();
    std::fs::write(&dir, format!("DASD BAD001 3350 nosuch.cckd\n{text}")).unwrap();
    std::fs::write(t.path().join("nosuch.cckd"), b"not an image").unwrap();
    let out = transcript(
        &dir,
        "ACCESS (NOPROF\nCP LINK * 199 299 RR\nCP Q DASD\nLOGOFF\n",
    );
    assert_eq!(
        out.matches("DMKLNK108E CMSUSER 199 NOT LINKED; VOLID BAD001 NOT MOUNTED")
            .count(),
        2,
        "{out}"
    );
    assert!(out.contains("CMS VERSION 6.0"), "{out}");
    assert!(out.contains("DASD 191 3350 CMS191 R/W"), "{out}");
    assert!(!out.contains("DASD 199"), "{out}");
}

/// IPL of a DASD by device address: READ IPL reads record 1 of cylinder 0 head 0 (PSW and
/// CCWs) to 0, the channel program goes on at 8 and reads record 2 (a program that writes
/// to the console and loads a disabled-wait PSW), then the PSW at 0 is loaded.
#[test]
fn ipl_from_a_dasd() {
    let Some((t, dir)) = copy("MR", " MDISK 150 3350 000 001 IPL001 RR\n") else {
        return;
    };
    let img_path = t.path().join("ipl.ckd");
    {
        let mut img = cp::dasd::create_ckd(&img_path, 0x3350, 1).unwrap();
        let mut track = img.read_track(0, 0).unwrap();
        // Record 1: PSW (BC mode, IA X'400') and CCW 1: READ DATA to X'400', SLI, 256.
        let r1 = vec![
            0, 0, 0, 0, 0, 0, 0x04, 0x00, //
            0x06, 0, 0x04, 0x00, 0x20, 0, 0x01, 0x00, //
            0, 0, 0, 0, 0, 0, 0, 0,
        ];
        // Record 2, loaded at X'400'.
        let mut r2 = vec![0u8; 0x56];
        r2[0..16].copy_from_slice(&[
            0x41, 0x10, 0x04, 0x40, // LA 1,X'440'
            0x50, 0x10, 0x00, 0x48, // ST 1,X'48' (CAW)
            0x9C, 0x00, 0x00, 0x09, // SIO X'009'
            0x82, 0x00, 0x04, 0x30, // LPSW X'430'
        ]);
        r2[0x30..0x38].copy_from_slice(&[0, 0x02, 0, 0, 0, 0, 0x0B, 0xAD]);
        r2[0x40..0x48].copy_from_slice(&[0x09, 0, 0x04, 0x50, 0x20, 0, 0, 6]);
        r2[0x50..0x56].copy_from_slice(&common::to_ebcdic("IPL OK"));
        track.records.push(cp::dasd::Record::new(0, 0, 1, r1));
        track.records.push(cp::dasd::Record::new(0, 0, 2, r2));
        img.write_track(0, 0, &track).unwrap();
        img.flush().unwrap();
    }
    let text = std::fs::read_to_string(&dir).unwrap();
    std::fs::write(&dir, format!("DASD IPL001 3350 ipl.ckd\n{text}")).unwrap();
    insta::assert_snapshot!(transcript(
        &dir,
        "ACCESS (NOPROF\nCP IPL 150\nQUERY VIRTUAL 150\nIPL 191\nIPL 190\nIPL 00C\nIPL 150\nIPL CMS\nACCESS (NOPROF\nLOGOFF\n",
    ));
}

/// The CSW CMS sees after a console read: DEBUG's CAW gives the channel program of the
/// read of its own command line, X shows its CCWs, and CSW the CSW stored at its end. The
/// expected CSW is computed from the CCWs: key of the CAW, address of the last CCW of the
/// command chain + 8, channel end and device end, and the last CCW's count less the bytes
/// it transferred (a read takes the line typed; a NO-OP transfers nothing).
#[test]
fn csw_after_console_io() {
    let Some((_t, dir)) = copy("MR", "") else {
        return;
    };
    let (code, out) = session(&dir, "ACCESS (NOPROF\nDEBUG\nCAW\nCSW\nRETURN\nLOGOFF\n");
    assert_eq!(code, 0, "{out}");
    let hex: Vec<&str> = out
        .lines()
        .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_hexdigit()))
        .collect();
    assert_eq!(hex.len(), 2, "CAW and CSW lines:\n{out}");
    let caw = u32::from_str_radix(hex[0], 16).unwrap();
    let csw = u64::from_str_radix(hex[1], 16).unwrap();
    let ccw_addr = caw & 0x00FF_FFFF;
    // The same session again, examining the channel program (CMS lays out its storage
    // the same way every time).
    let (code, out2) = session(
        &dir,
        &format!("ACCESS (NOPROF\nDEBUG\nX {ccw_addr:X} 16\nRETURN\nLOGOFF\n"),
    );
    assert_eq!(code, 0, "{out2}");
    let dump = out2
        .lines()
        .find(|l| l.len() >= 32 && l.chars().all(|c| c.is_ascii_hexdigit()))
        .unwrap_or_else(|| panic!("no X output:\n{out2}"));
    // X's length is decimal: 16 bytes, the read CCW and the one after it.
    let bytes: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&dump[i * 2..i * 2 + 2], 16).unwrap())
        .collect();
    // Walk the command chain (flag X'40') to its last CCW.
    let mut last = 0usize;
    while last < 1 && bytes[last * 8 + 4] & 0x40 != 0 {
        last += 1;
    }
    let ccw = &bytes[last * 8..last * 8 + 8];
    let cmd = ccw[0];
    let count = u64::from(u16::from_be_bytes([ccw[6], ccw[7]]));
    let transferred = match cmd {
        0x03 => 0, // NO-OP
        0x0A => 3, // READ of the line "CSW"
        c => panic!("unexpected last CCW {c:02X}: {dump}"),
    };
    let key = u64::from(caw >> 28);
    let expected = (key << 60)
        | (u64::from(ccw_addr + 8 * last as u32 + 8) << 32)
        | (0x0C << 24)
        | (count - transferred);
    assert_eq!(
        csw, expected,
        "CSW {csw:016X}, expected {expected:016X} from the CCWs {dump}"
    );
    // The first CCW reads the console with command chaining and SLI.
    assert_eq!(bytes[0], 0x0A, "{dump}");
}
