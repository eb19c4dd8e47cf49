//! VMCF (DIAGNOSE X'68') between virtual machines of one system: small guests assembled
//! here, STOREd into users logged on at `PipeTerminal`s and started with BEGIN, AUTHORIZE,
//! SEND/RECV, RECEIVE and REPLY to each other (and to themselves, a wrap connection) and
//! keep the return codes and the X'4001' message headers they got; the test reads them
//! back with DISPLAY once each guest has loaded its disabled wait PSW.
//!
//! The users IPL MINICMS at LOGON (CP resumes only an IPLed machine); the test enters CP
//! mode, STOREs the guest and a new PSW, and BEGINs. Each guest runs in BC mode with its
//! external new PSW at X'58' pointing to its handler (which returns from interruptions
//! other than X'4001', a timer MINICMS left pending),
//! CR0 bit 31 on (VM/370's VMCF mask, SY20-0886-1 DMKVMC) and waits enabled for external
//! interruptions until VMCF wakes it. Layout: code at X'1000'; the external-interrupt
//! buffer X'1800' (64 bytes); return codes at X'1840'; saved headers at X'1860' and
//! X'1888'; a receive/reply buffer at X'18C0'; send data at X'1900'; a second receive
//! buffer at X'1940'.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::users::{Session, WAIT};
use cp::directory::parse_directory_text;
use cp::system::System;

fn system() -> Arc<System> {
    let mut text = String::new();
    for u in ["ALICE", "BOB", "CAROL", "DAVE", "ERIN"] {
        text.push_str(&format!(
            "USER {u} PW 1M 1M G\n IPL MINICMS\n CONSOLE 009 3215\n"
        ));
    }
    let dir = parse_directory_text(&text, "vmcf.direct", std::path::Path::new("."), false)
        .expect("directory");
    System::new(dir).expect("system")
}

/// What the tests do with a user's guest, by CP commands at its terminal.
trait Guest {
    /// Enters CP mode from MINICMS (`#CP`), STOREs `image` at its origin and starts it. The users IPL MINICMS at LOGON: CP resumes only a machine that was IPLed.
    fn load_and_begin(&self, origin: u32, image: &[u8]);
    /// Waits for the guest's disabled wait (its work is done).
    fn done(&self);
    /// `len` bytes at `addr` (a multiple of 16 bytes from a 16-byte boundary), by DISPLAY.
    fn storage(&self, addr: u32, len: u32) -> Vec<u8>;
    /// `n` words at `addr`.
    fn words(&self, addr: u32, n: usize) -> Vec<u32>;
}

impl Guest for Session {
    fn load_and_begin(&self, origin: u32, image: &[u8]) {
        self.term.pipe.type_line("#CP");
        assert!(self.term.pipe.wait_reading(WAIT));
        for (i, chunk) in image.chunks(32).enumerate() {
            let mut line = format!("STORE {:X}", origin as usize + i * 32);
            for w in chunk.chunks(4) {
                let mut word = [0u8; 4];
                word[..w.len()].copy_from_slice(w);
                line.push_str(&format!(" {:08X}", u32::from_be_bytes(word)));
            }
            self.cmd(&line, "STORE COMPLETE");
        }
        // A whole new PSW (MINICMS waits enabled for its console); BEGIN ends CP mode,
        // and the line after it ends MINICMS's console read.
        self.cmd(
            &format!("STORE PSW 00000000 {origin:08X}"),
            "STORE COMPLETE",
        );
        self.term.pipe.type_line("BEGIN");
        assert!(self.term.pipe.wait_reading(WAIT));
        self.term.pipe.type_line("");
    }

    /// Waits for the guest's disabled wait (its work is done).
    fn done(&self) {
        self.term
            .pipe
            .wait_for("DISABLED WAIT PSW '00020000 000000BB'", 0, WAIT)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(self.term.pipe.wait_reading(WAIT));
    }

    /// `len` bytes at `addr` (a multiple of 16 bytes from a 16-byte boundary), by DISPLAY.
    fn storage(&self, addr: u32, len: u32) -> Vec<u8> {
        let last = addr + len - 16;
        let out = self.cmd(
            &format!("DISPLAY L{addr:X}-{:X}", addr + len - 1),
            &format!("{last:06X} "),
        );
        let mut bytes = Vec::new();
        for l in out
            .lines()
            .filter(|l| l.len() > 7 && u32::from_str_radix(&l[..6], 16).is_ok())
        {
            for word in l[7..].split_whitespace().take(4) {
                let v = u32::from_str_radix(word, 16).expect("a hex word");
                bytes.extend_from_slice(&v.to_be_bytes());
            }
        }
        assert_eq!(bytes.len() as u32, len, "{out}");
        bytes
    }

    fn words(&self, addr: u32, n: usize) -> Vec<u32> {
        let b = self.storage(addr, 16 * n.div_ceil(4) as u32);
        b.chunks(4)
            .take(n)
            .map(|c| u32::from_be_bytes(c.try_into().unwrap()))
            .collect()
    }
}

/// The parts every guest shares: PSWs, CR0, the AUTHORIZE parameter list, the areas.
const COMMON: &str = "
EXTH     CLC   X'1A'(2),EXTCODE    BC mode: the code in the old PSW
         BE    VMCFH
         LPSW  X'18'               not VMCF (MINICMS's timer): back
EXTCODE  DC    X'4001'
         DS    0D
EXTNEW   DC    X'00000000',A(EXTH)
WAITPSW  DC    X'01020000',A(0)
DONEPSW  DC    X'00020000',A(X'BB')
CR0      DC    X'00000001'
         DS    0D
AUTH     DC    X'0000',H'0',F'0',CL8' '
         DC    A(BUF),F'64',A(0),F'0',XL8'0'
         ORG   X'1800'
BUF      DS    XL64
RCS      DS    8F
HDR1     DS    XL40
HDR2     DS    XL40
         ORG   X'18C0'
RBUF     DS    XL64
SDATA    DC    CL64'PING FROM ALICE'
RBUF2    DS    XL64
         END
";

/// The start of every guest: base register, external new PSW, CR0, AUTHORIZE (rc to RCS).
const PROLOGUE: &str = "
         START X'1000'
         BALR  12,0
         USING *,12
         MVC   X'58'(8),EXTNEW
         LCTL  0,0,CR0
         LA    2,AUTH
         DC    X'83230068'
         ST    3,RCS
";

fn assemble(name: &str, body: &str) -> (u32, Vec<u8>) {
    let text = format!("{PROLOGUE}{body}{COMMON}");
    match guests::asm::assemble(name, &text) {
        Ok(a) => (a.origin, a.image),
        Err(e) => panic!(
            "{name}: {}",
            e.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

/// A source: SEND/RECV of the 15 bytes `PING FROM ALICE` to `sink` (message id 1, REPLY
/// buffer RBUF, 32 bytes, user doubleword ALICEUSE), then the RESPONSE header into HDR1.
fn source(sink: &str) -> (u32, Vec<u8>) {
    source_with(sink, 0, 3, 1)
}

/// A source of function `func` (VMCPFLG1 `flags`, message id `mid`) to `sink`.
fn source_with(sink: &str, flags: u8, func: u16, mid: u32) -> (u32, Vec<u8>) {
    assemble(
        "source",
        &format!(
            "
         LA    2,SENDR
         DC    X'83230068'
         ST    3,RCS+4
         LPSW  WAITPSW
VMCFH    MVC   HDR1(40),BUF
         LPSW  DONEPSW
         DS    0D
SENDR    DC    X'{flags:02X}00',H'{func}',F'{mid}',CL8'{sink}'
         DC    A(SDATA),F'15',A(RBUF),F'32'
         DC    CL8'ALICEUSE'
"
        ),
    )
}

/// A sink: takes one SEND interruption (header into HDR1), RECEIVEs into RBUF (64 bytes)
/// and REPLYs `PONG FROM BOB` (13 bytes, user doubleword BOBREPLY). With `console`, its
/// wait is enabled for the console's channel too (I/O interruptions return to the wait).
fn sink(console: bool) -> (u32, Vec<u8>) {
    let wait = if console {
        "
         MVC   X'78'(8),IONEW
         LPSW  WAITIO
IOH      LPSW  X'38'
         DS    0D
IONEW    DC    X'00000000',A(IOH)
WAITIO   DC    X'81020000',A(0)
"
    } else {
        "
         LPSW  WAITPSW
"
    };
    assemble(
        "sink",
        &(wait.to_string()
            + "
VMCFH    MVC   HDR1(40),BUF
         MVC   RECV+4(12),BUF+4
         LA    2,RECV
         DC    X'83230068'
         ST    3,RCS+4
         MVC   REPL+4(12),BUF+4
         LA    2,REPL
         DC    X'83230068'
         ST    3,RCS+8
         LPSW  DONEPSW
         DS    0D
RECV     DC    X'0000',H'5',F'0',CL8' '
         DC    A(RBUF),F'64',A(0),F'0',CL8'BOBRECV'
REPL     DC    X'0000',H'7',F'0',CL8' '
         DC    A(RDATA),F'13',A(0),F'0',CL8'BOBREPLY'
RDATA    DC    C'PONG FROM BOB'
"),
    )
}

fn ebcdic(s: &str) -> Vec<u8> {
    cp::io::ebcdic::text_to_ebcdic(s)
}

fn be(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}

fn wait_authorized(system: &System, userid: &str) {
    let end = Instant::now() + WAIT;
    while system.vmcf.authorization(userid).is_none() {
        assert!(Instant::now() < end, "{userid} never AUTHORIZEd");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn send_recv_receive_and_reply_between_two_machines() {
    exchange(false);
}

/// The same with BOB's wait enabled for his console as well: VMCF ends the console read
/// the wait is in (a line typed would end it too).
#[test]
fn vmcf_reaches_a_machine_waiting_for_its_console_too() {
    exchange(true);
}

fn exchange(console: bool) {
    let system = system();
    let bob = Session::logon(&system, "BOB");
    let alice = Session::logon(&system, "ALICE");
    let (o, img) = sink(console);
    bob.load_and_begin(o, &img);
    // BOB waits enabled for VMCF (blocked in the CP, not in CP mode; with `console`, in
    // a read of his terminal).
    wait_authorized(&system, "BOB");
    if console {
        assert!(bob.term.pipe.wait_reading(WAIT));
    } else {
        // The attention key still reaches CP from that wait; BEGIN goes back to it.
        bob.term.pipe.attention();
        assert!(bob.term.pipe.wait_reading(WAIT));
        let psw = bob.cmd("DISPLAY PSW", "PSW = ");
        assert!(
            psw.contains("PSW = 0102") && psw.contains(" 00000000"),
            "{psw}"
        );
        bob.term.pipe.type_line("BEGIN");
    }
    let (o, img) = source("BOB");
    alice.load_and_begin(o, &img);
    alice.done();
    bob.done();
    // ALICE: AUTHORIZE and SEND/RECV rc 0; the RESPONSE header: final, no error, her
    // function and message id, BOB, no SEND residual, 32 - 13 = 19 left in the REPLY
    // buffer, BOB's doubleword; the reply in her REPLY buffer.
    assert_eq!(alice.words(0x1840, 2), [0, 0]);
    let h = alice.storage(0x1860, 48);
    assert_eq!((h[0], h[1]), (0x80, 0), "VMCMSTAT, VMCMEFLG");
    assert_eq!((u16::from_be_bytes([h[2], h[3]]), be(&h, 4)), (3, 1));
    assert_eq!(&h[8..16], &ebcdic("BOB     ")[..]);
    assert_eq!((be(&h, 16), be(&h, 20)), (0x1900, 0));
    assert_eq!((be(&h, 24), be(&h, 28)), (0x18C0, 19));
    assert_eq!(&h[32..40], &ebcdic("BOBREPLY")[..]);
    assert_eq!(
        &alice.storage(0x18C0, 16)[..13],
        &ebcdic("PONG FROM BOB")[..]
    );
    // BOB: rc 0 for AUTHORIZE, RECEIVE and REPLY; the SEND header is ALICE's VMCPARM
    // with her user id; the data in his receive buffer.
    assert_eq!(bob.words(0x1840, 3), [0, 0, 0]);
    let h = bob.storage(0x1860, 48);
    assert_eq!((h[0], h[1]), (0, 0));
    assert_eq!((u16::from_be_bytes([h[2], h[3]]), be(&h, 4)), (3, 1));
    assert_eq!(&h[8..16], &ebcdic("ALICE   ")[..]);
    assert_eq!(
        (be(&h, 16), be(&h, 20), be(&h, 24), be(&h, 28)),
        (0x1900, 15, 0x18C0, 32)
    );
    assert_eq!(&h[32..40], &ebcdic("ALICEUSE")[..]);
    assert_eq!(
        &bob.storage(0x18C0, 16)[..15],
        &ebcdic("PING FROM ALICE")[..]
    );
    assert_eq!(system.vmcf.active_messages(), 0);
    system.shutdown();
}

#[test]
fn wrap_connection_to_oneself_and_destructive_overlap() {
    let system = system();
    let carol = Session::logon(&system, "CAROL");
    let (o, img) = assemble(
        "wrap",
        "
         LA    2,SENDR
         DC    X'83230068'
         ST    3,RCS+4
         LPSW  WAITPSW
VMCFH    TM    BUF,X'80'
         BO    RESP
         MVC   HDR1(40),BUF
         LA    2,RECVBAD
         DC    X'83230068'
         ST    3,RCS+8
         LA    2,RECV
         DC    X'83230068'
         ST    3,RCS+12
         LA    2,REPLBAD
         DC    X'83230068'
         ST    3,RCS+16
         LA    2,REPL
         DC    X'83230068'
         ST    3,RCS+20
         LPSW  WAITPSW
RESP     MVC   HDR2(40),BUF
         LPSW  DONEPSW
         DS    0D
SENDR    DC    X'0000',H'3',F'5',CL8'CAROL'
         DC    A(SDATA),F'15',A(RBUF),F'32'
         DC    CL8'WRAPSEND'
RECVBAD  DC    X'0000',H'5',F'5',CL8'CAROL'
         DC    A(SDATA+4),F'32',A(0),F'0',XL8'0'
RECV     DC    X'0000',H'5',F'5',CL8'CAROL'
         DC    A(RBUF2),F'32',A(0),F'0',XL8'0'
REPLBAD  DC    X'0000',H'7',F'5',CL8'CAROL'
         DC    A(RBUF+8),F'4',A(0),F'0',XL8'0'
REPL     DC    X'0000',H'7',F'5',CL8'CAROL'
         DC    A(RDATA),F'10',A(0),F'0',XL8'0'
RDATA    DC    C'WRAP REPLY'
",
    );
    carol.load_and_begin(o, &img);
    carol.done();
    // AUTHORIZE 0, SEND/RECV 0, RECEIVE over the SEND data 17, RECEIVE 0, REPLY over the
    // REPLY buffer 17, REPLY 0 (VM370 Figure 20 rc 17, "a wrap connection").
    assert_eq!(carol.words(0x1840, 6), [0, 0, 17, 0, 17, 0]);
    let h = carol.storage(0x1860, 48);
    assert_eq!(&h[8..16], &ebcdic("CAROL   ")[..]);
    assert_eq!(h[0], 0);
    assert_eq!(
        &carol.storage(0x1940, 16)[..15],
        &ebcdic("PING FROM ALICE")[..]
    );
    let h = carol.storage(0x1880, 48);
    let h = &h[8..48];
    assert_eq!((h[0], h[1]), (0x80, 0));
    assert_eq!((be(h, 20), be(h, 28)), (0, 22));
    assert_eq!(&carol.storage(0x18C0, 16)[..10], &ebcdic("WRAP REPLY")[..]);
    system.shutdown();
}

#[test]
fn a_sink_that_logs_off_answers_its_senders_with_error_5() {
    let system = system();
    let dave = Session::logon(&system, "DAVE");
    let erin = Session::logon(&system, "ERIN");
    // DAVE AUTHORIZEs and stops (disabled wait: CP mode); ERIN's SEND/RECV waits for him.
    let (o, img) = assemble("dave", "         LPSW  DONEPSW\nVMCFH    LPSW  DONEPSW\n");
    dave.load_and_begin(o, &img);
    dave.done();
    wait_authorized(&system, "DAVE");
    let (o, img) = source("DAVE");
    erin.load_and_begin(o, &img);
    let end = Instant::now() + WAIT;
    while system.vmcf.active_messages() == 0 {
        assert!(Instant::now() < end, "ERIN's message never arrived");
        std::thread::sleep(Duration::from_millis(10));
    }
    dave.cmd("LOGOFF", "LOGOFF AT");
    erin.done();
    assert_eq!(erin.words(0x1840, 2), [0, 0]);
    let h = erin.storage(0x1860, 48);
    // Final, data transfer error 5 (VMSP "Data Transfer Error Codes"), nothing moved.
    assert_eq!((h[0], h[1]), (0x80, 5));
    assert_eq!(&h[8..16], &ebcdic("DAVE    ")[..]);
    assert_eq!((be(&h, 20), be(&h, 28)), (15, 32));
    assert_eq!(system.vmcf.active_messages(), 0);
    system.shutdown();
}

#[test]
fn priority_messages_from_another_machine_are_presented_first() {
    let system = system();
    let carol = Session::logon(&system, "CAROL");
    let alice = Session::logon(&system, "ALICE");
    let bob = Session::logon(&system, "BOB");
    // CAROL: AUTHORIZE PRIORITY, then stop (CP mode) until both messages wait for her;
    // resumed at RESUME she takes two SEND interruptions (headers to HDR1 and HDR2) and
    // RECEIVEs each.
    let (o, img) = assemble(
        "carol",
        "
         LA    2,AUTHP
         DC    X'83230068'
         ST    3,RCS+4
         LPSW  DONEPSW
RESUME   LPSW  WAITPSW
VMCFH    LA    4,HDR1
         CLI   COUNT,0
         BE    FIRST
         LA    4,HDR2
FIRST    MVC   0(40,4),BUF
         MVC   RECV+4(12),BUF+4
         LA    2,RECV
         DC    X'83230068'
         ST    3,RCS+8
         CLI   COUNT,0
         MVI   COUNT,1
         BE    RESUME
         LPSW  DONEPSW
COUNT    DC    X'00'
         DS    0D
AUTHP    DC    X'4000',H'0',F'0',CL8' '
         DC    A(BUF),F'64',A(0),F'0',XL8'0'
RECV     DC    X'0000',H'5',F'0',CL8' '
         DC    A(RBUF2),F'64',A(0),F'0',XL8'0'
",
    );
    // The label RESUME follows the prologue (24 bytes) and the three instructions and
    // the DC before it (16 bytes).
    let resume = o + 24 + 16;
    carol.load_and_begin(o, &img);
    carol.done();
    assert_eq!(carol.words(0x1840, 2), [0, 0]);
    assert_eq!(
        system.vmcf.authorization("CAROL").map(|a| a.flags),
        Some(0x40)
    );
    // ALICE's ordinary SEND first, then BOB's PRIORITY SEND.
    let (o, img) = source_with("CAROL", 0, 2, 1);
    alice.load_and_begin(o, &img);
    let end = Instant::now() + WAIT;
    while system.vmcf.active_messages() < 1 {
        assert!(Instant::now() < end);
        std::thread::sleep(Duration::from_millis(10));
    }
    let (o, img) = source_with("CAROL", 0x40, 2, 2);
    bob.load_and_begin(o, &img);
    while system.vmcf.active_messages() < 2 {
        assert!(Instant::now() < end);
        std::thread::sleep(Duration::from_millis(10));
    }
    carol.cmd(
        &format!("STORE PSW 00000000 {resume:08X}"),
        "STORE COMPLETE",
    );
    let from = carol.term.pipe.output().len();
    carol.term.pipe.type_line("BEGIN");
    carol
        .term
        .pipe
        .wait_for("DISABLED WAIT", from, WAIT)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(carol.term.pipe.wait_reading(WAIT));
    // BOB's priority message came first (VMCMPRTY), then ALICE's.
    let h = carol.storage(0x1860, 48);
    assert_eq!((h[0], &h[8..16]), (0x20, &ebcdic("BOB     ")[..]));
    let h = carol.storage(0x1880, 48);
    let h = &h[8..48];
    assert_eq!((h[0], &h[8..16]), (0, &ebcdic("ALICE   ")[..]));
    assert_eq!(carol.words(0x1848, 1), [0]);
    // Each source got its RESPONSE: final, BOB's marked priority.
    alice.done();
    bob.done();
    assert_eq!(alice.storage(0x1860, 16)[0], 0x80);
    assert_eq!(bob.storage(0x1860, 16)[0], 0xA0);
    assert_eq!(system.vmcf.active_messages(), 0);
    system.shutdown();
}
