//! Many users in one control program (`cp::system`): LOGON at several terminals, MSG and
//! WARNING between them, DISCONNECT and reconnection, AUTOLOG, FORCE, SHUTDOWN, and one
//! looping machine not holding up another. Each user's terminal is a `PipeTerminal` typed
//! into from the test, as a person at a terminal would.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::users::{Session, WAIT};
use cp::directory::parse_directory_text;
use cp::system::{PipeTerminal, System};

/// A system of four users: OPER (classes A-G), ALICE and BOB (G) with no IPL (they wait in
/// CP mode), CAROL (G) IPLing MINICMS. Spool in memory (no directory file).
fn system() -> Arc<System> {
    let text = "USER OPER OPERPW 1M 1M ABCDEFG\n CONSOLE 009 3215\n\
                USER ALICE APW 1M 1M G\n CONSOLE 009 3215\n SPOOL 00C 2540 READER A\n SPOOL 00D 2540 PUNCH A\n SPOOL 00E 1403 A\n\
                USER BOB BPW 1M 1M G\n CONSOLE 009 3215\n SPOOL 00C 2540 READER A\n SPOOL 00D 2540 PUNCH A\n SPOOL 00E 1403 A\n\
                USER CAROL CPW 1M 1M G\n IPL MINICMS\n CONSOLE 009 3215\n SPOOL 00C 2540 READER A\n SPOOL 00D 2540 PUNCH A\n SPOOL 00E 1403 A\n";
    let dir = parse_directory_text(text, "test.direct", std::path::Path::new("."), false)
        .expect("directory");
    System::new(dir).expect("system")
}

#[test]
fn msg_between_two_users_arrives_at_once_and_respects_set_msg() {
    let system = system();
    let alice = Session::logon(&system, "alice");
    let bob = Session::logon(&system, "BOB");
    // Bob waits in CP READ: the message shows up without Bob typing anything.
    alice.term.pipe.type_line("MSG BOB hello bob");
    bob.term
        .pipe
        .wait_for("MSG FROM ALICE: hello bob", 0, WAIT)
        .unwrap();
    assert!(!alice.output().contains("DMKMSG"), "{}", alice.output());
    let r = bob.cmd("QUERY NAMES", "BOB");
    assert!(
        r.contains("ALICE    - PIPE") && r.contains("BOB      - 009"),
        "{r}"
    );
    assert!(bob.cmd("QUERY USERS", "DIALED").contains("002 USERS"));
    assert!(bob.cmd("QUERY ALICE", "ALICE").contains("ALICE    - PIPE"));
    bob.enter("SET MSG OFF");
    let r = alice.cmd("MSG BOB are you there", "057W");
    assert!(r.contains("DMKMSG057W BOB NOT RECEIVING; MSG OFF"), "{r}");
    let r = alice.cmd("MSG CAROL hi", "045E");
    assert!(r.contains("DMKMSG045E CAROL NOT LOGGED ON"), "{r}");
    let r = alice.cmd("MSG NOBODY hi", "053E");
    assert!(r.contains("DMKMSG053E NOBODY NOT IN CP DIRECTORY"), "{r}");
    // WARNING is for classes A and B: unknown to Alice.
    let r = alice.cmd("WARNING BOB x", "001E");
    assert!(r.contains("DMKCFM001E UNKNOWN CP COMMAND"), "{r}");
    // A second LOGON of a connected user is refused.
    match system.connect("BOB", Box::new(PipeTerminal::default())) {
        Err((e, _)) => assert!(e.message("BOB").contains("ALREADY LOGGED ON")),
        Ok(_) => panic!("a second LOGON of BOB"),
    }
    alice.cmd("LOGOFF", "LOGOFF AT");
    alice.back();
    bob.cmd("LOGOFF", "LOGOFF AT");
    bob.back();
    assert!(system.wait_all_off(WAIT));
}

#[test]
fn disconnect_and_reconnect() {
    let system = system();
    let bob = Session::logon(&system, "BOB");
    let alice = Session::logon(&system, "ALICE");
    let r = alice.cmd("DISCONNECT", "DISCONNECT AT");
    assert!(r.contains("DISCONNECT AT "), "{r}");
    alice.back();
    // Alice is still logged on, with no terminal.
    let r = bob.cmd("QUERY NAMES", "BOB");
    assert!(r.contains("ALICE    - DSC"), "{r}");
    let r = bob.cmd("MSG ALICE hi", "057W");
    assert!(
        r.contains("DMKMSG057W ALICE NOT RECEIVING; DISCONNECTED"),
        "{r}"
    );
    // LOGON again reconnects: the terminal is in CP mode.
    let again = Session::logon(&system, "ALICE");
    again.term.pipe.wait_for("RECONNECTED AT", 0, WAIT).unwrap();
    let r = again.cmd("QUERY USERID", "AT VM390");
    assert!(r.contains("ALICE AT VM390"), "{r}");
    assert!(bob.cmd("QUERY ALICE", "ALICE").contains("ALICE    - PIPE"));
    again.cmd("LOGOFF", "LOGOFF AT");
    again.back();
    bob.cmd("LOGOFF", "LOGOFF AT");
    assert!(system.wait_all_off(WAIT));
}

#[test]
fn autolog_force_and_the_console_file() {
    let system = system();
    let oper = Session::logon(&system, "OPER");
    let r = oper.cmd("AUTOLOG CAROL WRONG", "050E");
    assert!(r.contains("DMKLOG050E PASSWORD INCORRECT"), "{r}");
    let r = oper.cmd("AUTOLOG CAROL CPW", "USERS =");
    assert!(r.contains("AUTO LOGON  ***  CAROL USERS = 002"), "{r}");
    let r = oper.cmd("AUTOLOG CAROL CPW", "054E");
    assert!(r.contains("ALREADY LOGGED ON"), "{r}");
    assert!(oper.cmd("QUERY CAROL", "CAROL").contains("CAROL    - DSC"));
    // MINICMS came up and waits for a command; FORCE logs it off.
    let r = oper.cmd("FORCE CAROL", "FORCED");
    assert!(
        r.contains("USER DSC LOGOFF AS CAROL USERS = 001 FORCED"),
        "{r}"
    );
    for _ in 0..200 {
        if system.user("CAROL").is_none() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(system.user("CAROL").is_none(), "CAROL still logged on");
    let r = oper.cmd("FORCE CAROL", "045E");
    assert!(r.contains("DMKUSO045E CAROL NOT LOGGED ON"), "{r}");
    // What CAROL's console said while disconnected is her printer file CAROL CONSOLE.
    let sp = cp::spool::lock(&system.spool);
    let f = sp
        .files()
        .iter()
        .find(|f| f.owner == "CAROL" && f.ftype == "CONSOLE")
        .expect("CAROL's console file");
    let text: Vec<String> = f
        .records
        .iter()
        .map(|r| cp::spool::record_text(r))
        .collect();
    assert!(
        text.iter().any(|l| l.starts_with("MINICMS VERSION")),
        "{text:?}"
    );
    assert!(text.iter().any(|l| l.starts_with("LOGOFF AT")), "{text:?}");
    drop(sp);
    // Alice cannot AUTOLOG or FORCE (class G).
    oper.cmd("LOGOFF", "LOGOFF AT");
    assert!(system.wait_all_off(WAIT));
}

#[test]
fn shutdown_logs_everybody_off() {
    let system = system();
    let oper = Session::logon(&system, "OPER");
    let alice = Session::logon(&system, "ALICE");
    oper.cmd("AUTOLOG CAROL CPW", "USERS =");
    assert_eq!(system.user_count(), 3);
    oper.term.pipe.type_line("SHUTDOWN");
    assert!(system.wait_all_off(WAIT), "users left after SHUTDOWN");
    alice.back();
    assert!(alice.output().contains("LOGOFF AT"), "{}", alice.output());
    // Nobody logs on after SHUTDOWN.
    assert!(system
        .connect("BOB", Box::new(PipeTerminal::default()))
        .is_err());
}

/// A machine that loops does not hold up another's console: Bob answers while Alice's
/// guest runs `B *`, and Alice's attention key still reaches CP.
#[test]
fn a_looping_machine_does_not_hold_up_another() {
    let system = system();
    let alice = Session::logon(&system, "ALICE");
    let bob = Session::logon(&system, "BOB");
    // 200: LA 1,1(0,1); 204: BC 15,X'200' -- a loop that counts in GPR 1, with the PSW
    // (BC mode, disabled, key 0) at X'200'.
    alice.enter("STORE 200 41101001 47F00200");
    alice.enter("STORE PSW 00000000 00000200");
    alice.term.pipe.type_line("BEGIN");
    assert!(alice.term.pipe.wait_running(WAIT), "{}", alice.output());
    std::thread::sleep(Duration::from_millis(200));
    for _ in 0..20 {
        let r = bob.cmd("QUERY TIME", "CONNECT=");
        assert!(r.contains("TIME IS"), "{r}");
    }
    alice.term.pipe.attention();
    assert!(alice.term.pipe.wait_reading(WAIT));
    let r = alice.cmd("DISPLAY G1", "GPR 1 =");
    let count = r
        .split("GPR 1 =")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|h| u32::from_str_radix(h, 16).ok())
        .unwrap_or(0);
    assert!(count > 1000, "Alice's loop ran {count} times: {r}");
    let r = alice.cmd("DISPLAY PSW", "PSW =");
    assert!(r.contains("0000020"), "{r}");
    alice.cmd("LOGOFF", "LOGOFF AT");
    bob.cmd("LOGOFF", "LOGOFF AT");
    assert!(system.wait_all_off(WAIT));
}

/// Types the lines of `text` one by one, each taken before the next is typed.
fn enter_all(s: &Session, text: &str) {
    for l in text.lines() {
        s.enter(l);
    }
}

/// LINK against the links other logged-on users hold (CP Command Reference, LINK: the
/// access modes), and one image shared by both users' minidisks: what ALICE writes, BOB
/// sees when he accesses the disk again.
#[test]
fn link_conflicts_across_users_and_writes_seen_by_a_reader() {
    let tmp = tempfile::tempdir().unwrap();
    cp::dasd::create_cms_minidisk(&tmp.path().join("ali191.cckd"), 3350, 2, "ALI191").unwrap();
    let text = "DASD ALI191 3350 ali191.cckd\n\
                USER ALICE APW 1M 1M G\n IPL MINICMS\n CONSOLE 009 3215\n MDISK 191 3350 000 002 ALI191 MR RPASS WPASS MPASS\n\
                USER BOB BPW 1M 1M G\n IPL MINICMS\n CONSOLE 009 3215\n";
    let dir = parse_directory_text(text, "t.direct", tmp.path(), true).expect("directory");
    let system = System::new(dir).expect("system");
    let alice = Session::logon(&system, "ALICE");
    let bob = Session::logon(&system, "BOB");
    // ALICE has her 191 R/W: a second writer is refused, a reader gets it R/O.
    let r = bob.cmd("CP LINK ALICE 191 291 W WPASS", "Ready");
    assert!(
        r.contains("DMKLNK105E ALICE 191 NOT LINKED; R/W BY ALICE"),
        "{r}"
    );
    let r = bob.cmd("CP LINK ALICE 191 291 WR WPASS", "Ready");
    assert!(
        r.contains("DMKLNK102W DASD 291 FORCED R/O; R/W BY ALICE"),
        "{r}"
    );
    bob.cmd("CP DETACH 291", "Ready");
    let r = bob.cmd("CP LINK ALICE 191 291 RR RPASS", "Ready");
    assert!(!r.contains("DMK"), "{r}");
    // With BOB's R/O link, a W link is refused too (R/O BY 001 USERS).
    let r = alice.cmd("CP LINK * 191 391 W", "Ready");
    assert!(
        r.contains("DMKLNK105E ALICE 191 NOT LINKED; R/W BY ALICE"),
        "{r}"
    );
    // ALICE writes a file; BOB accesses the disk and sees it, then sees the next one.
    enter_all(&alice, "EDIT FIRST DATA\nINPUT\nONE\n\nFILE");
    bob.cmd("ACCESS 291 B", "Ready");
    let r = bob.cmd("LISTFILE * * B", "Ready");
    assert!(r.contains("FIRST    DATA"), "{r}");
    enter_all(&alice, "EDIT SECOND DATA\nINPUT\nTWO\n\nFILE");
    bob.cmd("ACCESS 291 B", "Ready");
    let r = bob.cmd("LISTFILE * * B", "Ready");
    assert!(
        r.contains("SECOND   DATA") && r.contains("FIRST    DATA"),
        "{r}"
    );
    let r = bob.cmd("TYPE SECOND DATA B", "Ready");
    assert!(r.contains("TWO"), "{r}");
    // ALICE logs off: her link is gone, and BOB may now link the disk R/W.
    alice.cmd("LOGOFF", "LOGOFF AT");
    alice.back();
    bob.cmd("CP DETACH 291", "Ready");
    let r = bob.cmd("CP LINK ALICE 191 291 W WPASS", "Ready");
    assert!(!r.contains("DMK"), "{r}");
    bob.cmd("LOGOFF", "LOGOFF AT");
    assert!(system.wait_all_off(WAIT));
}

/// Two MINICMS users logged on at once send a file through the spool: ALICE punches it to
/// BOB, whose reader has it at once; BOB reads it onto his disk; TELL reaches him too.
#[test]
fn two_minicms_users_exchange_a_file_through_the_spool() {
    let tmp = tempfile::tempdir().unwrap();
    for (f, l) in [("a191.cckd", "ALI191"), ("b191.cckd", "BOB191")] {
        cp::dasd::create_cms_minidisk(&tmp.path().join(f), 3350, 2, l).unwrap();
    }
    let spool = "SPOOL 00C 2540 READER A\n SPOOL 00D 2540 PUNCH A\n SPOOL 00E 1403 A\n";
    let text = format!(
        "DASD ALI191 3350 a191.cckd\nDASD BOB191 3350 b191.cckd\n\
         USER ALICE APW 1M 1M G\n IPL MINICMS\n CONSOLE 009 3215\n {spool} MDISK 191 3350 000 002 ALI191 MR\n\
         USER BOB BPW 1M 1M G\n IPL MINICMS\n CONSOLE 009 3215\n {spool} MDISK 191 3350 000 002 BOB191 MR\n"
    );
    let dir = parse_directory_text(&text, "t.direct", tmp.path(), true).expect("directory");
    let system = System::new(dir).expect("system");
    let alice = Session::logon(&system, "ALICE");
    let bob = Session::logon(&system, "BOB");
    enter_all(&alice, "EDIT NOTE DATA\nINPUT\nFROM ALICE\nTO BOB\n\nFILE");
    let r = alice.cmd("PUNCH NOTE DATA (TO BOB", "Ready");
    assert!(r.contains("TO BOB"), "{r}");
    let r = bob.cmd("QUERY READER", "Ready");
    assert!(r.contains("ALICE") && r.contains("NOTE"), "{r}");
    let r = bob.cmd("READCARD *", "Ready");
    assert!(r.contains("NOTE") && r.contains("DATA"), "{r}");
    let r = bob.cmd("TYPE NOTE DATA A", "Ready");
    assert!(r.contains("FROM ALICE") && r.contains("TO BOB"), "{r}");
    // MINICMS upper-cases what is typed.
    alice.enter("TELL BOB got it?");
    bob.term
        .pipe
        .wait_for("MSG FROM ALICE: GOT IT?", 0, WAIT)
        .unwrap();
    alice.cmd("CP LOGOFF", "LOGOFF AT");
    bob.cmd("CP LOGOFF", "LOGOFF AT");
    assert!(system.wait_all_off(WAIT));
}

/// A disconnected machine that reads its console is logged off when nobody reconnects in
/// time (DISCONN HELPCMD2 note 1: 15 minutes; `VM390_DISCONNECT_READ_SECONDS` here 1 s),
/// and a disconnected machine that waits costs no host CPU meanwhile.
#[test]
fn a_disconnected_read_is_logged_off_after_the_time_limit() {
    let system = system();
    system.set_disconnected_read_limit(Some(Duration::from_secs(1)));
    let oper = Session::logon(&system, "OPER");
    system.set_console_user("OPER");
    oper.cmd("AUTOLOG CAROL CPW", "USERS =");
    let start = std::time::Instant::now();
    for _ in 0..100 {
        if system.user("CAROL").is_none() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(system.user("CAROL").is_none(), "CAROL still logged on");
    assert!(
        start.elapsed() >= Duration::from_millis(900),
        "{:?}",
        start.elapsed()
    );
    oper.term
        .pipe
        .wait_for("LOGOFF AS CAROL USERS = 001", 0, WAIT)
        .unwrap();
    oper.cmd("LOGOFF", "LOGOFF AT");
    assert!(system.wait_all_off(WAIT));
}
