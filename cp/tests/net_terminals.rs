//! Network terminals (`vm390 --listen`): a line-mode telnet client written here (it
//! refuses every telnet option the server offers), the real `s3270` as a TN3270 client,
//! and a crowd of clients sending garbage. All on 127.0.0.1, bounded in count and time.

mod common;

use common::net::{Server, S3270};

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const DIRECTORY: &str = "USER OPER OPERPW 1M 1M ABCDEFG\n CONSOLE 009 3215\n\
USER ALICE APW 1M 1M G\n IPL MINICMS\n CONSOLE 009 3215\n\
USER BOB BPW 1M 1M G\n IPL MINICMS\n CONSOLE 009 3215\n";

/// A server on a directory of OPER, ALICE and BOB, OPER at the console.
fn server(extra: &[&str]) -> Server {
    server_with(extra, &[])
}

fn server_with(extra: &[&str], env: &[(&str, &str)]) -> Server {
    let tmp = tempfile::tempdir().unwrap();
    let direct = tmp.path().join("users.direct");
    std::fs::write(&direct, DIRECTORY).unwrap();
    Server::start_in(Some(tmp), &direct, "OPER", extra, env)
}

/// A line-mode telnet client: refuses every option, keeps the text it receives.
struct LineClient {
    stream: TcpStream,
    text: String,
    seen: usize,
    iac: Vec<u8>,
}

impl LineClient {
    fn connect(port: u16) -> LineClient {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        LineClient {
            stream,
            text: String::new(),
            seen: 0,
            iac: Vec::new(),
        }
    }

    /// Takes the received bytes: IAC sequences answered (WILL -> DONT, DO -> WONT) or
    /// skipped, the rest kept as text.
    fn take(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.iac.is_empty() {
                if b == 255 {
                    self.iac.push(b);
                } else if b != b'\r' {
                    self.text.push(char::from(b));
                }
                continue;
            }
            self.iac.push(b);
            let seq = self.iac.clone();
            match seq[1] {
                255 => {
                    self.text.push('\u{ff}');
                    self.iac.clear();
                }
                251..=254 if seq.len() == 3 => {
                    let answer = match seq[1] {
                        251 => Some(254),
                        253 => Some(252),
                        _ => None,
                    };
                    if let Some(a) = answer {
                        let _ = self.stream.write_all(&[255, a, seq[2]]);
                    }
                    self.iac.clear();
                }
                251..=254 => {}
                250 => {
                    if seq.len() >= 4 && seq[seq.len() - 2] == 255 && b == 240 {
                        self.iac.clear();
                    }
                }
                _ => self.iac.clear(),
            }
        }
    }

    /// Waits until the text after what was seen so far contains `needle`; the text from
    /// there on.
    fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut buf = [0u8; 4096];
        loop {
            if let Some(i) = self.text[self.seen..].find(needle) {
                let got = self.text[self.seen..].to_string();
                self.seen += i + needle.len();
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "no '{needle}' in:\n{}",
                &self.text[self.seen..]
            );
            match self.stream.read(&mut buf) {
                Ok(0) => panic!("connection closed; no '{needle}' in:\n{}", self.text),
                Ok(n) => self.take(&buf[..n]),
                Err(_) => {}
            }
        }
    }

    /// Like [`LineClient::wait_for`], but false (no panic) when `needle` did not come
    /// within `limit` or the connection ended first.
    fn try_wait_for(&mut self, needle: &str, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        let mut buf = [0u8; 4096];
        loop {
            if let Some(i) = self.text[self.seen..].find(needle) {
                self.seen += i + needle.len();
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            match self.stream.read(&mut buf) {
                Ok(0) => return false,
                Ok(n) => self.take(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return false,
                Err(_) => {}
            }
        }
    }

    fn send(&mut self, line: &str) {
        self.stream.write_all(line.as_bytes()).unwrap();
        self.stream.write_all(b"\r\n").unwrap();
    }

    fn logon(&mut self, user: &str, password: &str) {
        self.wait_for("VM390 ONLINE");
        self.send(&format!("LOGON {user}"));
        self.wait_for("ENTER PASSWORD:");
        self.send(password);
    }
}

#[test]
fn line_mode_telnet_two_users_disconnect_reconnect_and_drop() {
    let server = server(&[]);
    let mut alice = LineClient::connect(server.port);
    // A wrong password, then the right one.
    alice.logon("ALICE", "nothing");
    alice.wait_for("DMKLOG050E PASSWORD INCORRECT");
    alice.send("LOGON ALICE");
    alice.wait_for("ENTER PASSWORD:");
    alice.send("APW");
    alice.wait_for("LOGON AT");
    alice.wait_for("Ready;");
    alice.send("CP QUERY USERS");
    alice.wait_for("002 USERS");
    // A second user at once, by a second connection; MSG between them.
    let mut bob = LineClient::connect(server.port);
    bob.wait_for("VM390 ONLINE");
    bob.send("LOGON BOB BPW");
    bob.wait_for("Ready;");
    bob.send("CP MSG ALICE HELLO FROM BOB");
    alice.wait_for("MSG FROM BOB: HELLO FROM BOB");
    // Telnet IP is the attention key: CP mode, where a line is a CP command; BEGIN.
    alice.stream.write_all(&[255, 244]).unwrap();
    alice.send("DISPLAY PSW");
    alice.wait_for("PSW = ");
    alice.send("BEGIN");
    alice.send("CP QUERY USERID");
    alice.wait_for("ALICE AT VM390");
    // DISCONNECT: the LOGON dialog again on the same connection.
    alice.send("CP DISCONNECT");
    alice.wait_for("DISCONNECT AT");
    alice.wait_for("VM390 ONLINE");
    bob.send("CP QUERY NAMES");
    bob.wait_for("ALICE    - DSC");
    bob.wait_for("Ready;");
    // A new connection reconnects ALICE.
    let mut again = LineClient::connect(server.port);
    again.logon("ALICE", "APW");
    again.wait_for("RECONNECTED AT");
    bob.send("CP QUERY NAMES");
    let names = bob.wait_for("Ready;");
    assert!(names.contains("ALICE    - L"), "{names}");
    // Dropping the connection disconnects ALICE; it is not logged off.
    drop(again);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        bob.send("CP QUERY NAMES");
        let names = bob.wait_for("Ready;");
        if names.contains("ALICE    - DSC") {
            break;
        }
        assert!(!names.contains("LOGOFF"), "{names}");
        assert!(Instant::now() < deadline, "ALICE not DSC:\n{names}");
        std::thread::sleep(Duration::from_millis(200));
    }
    bob.send("CP QUERY USERS");
    bob.wait_for("003 USERS");
}

#[test]
fn tn3270_console_screen_with_s3270() {
    let server = server(&[]);
    let Some(mut t) = S3270::start(server.port) else {
        return;
    };
    // s3270 offers TN3270E (RFC 2355) and gets it: the device type it asked for, the
    // terminal's name as the device name, no functions.
    t.action("Wait(10,InputField)");
    assert_eq!(t.query("ConnectionState"), "connected-tn3270e");
    assert!(t.query("LuName").starts_with('L'));
    assert_eq!(t.query("TerminalName"), "IBM-3278-2-E");
    assert_eq!(t.query("Tn3270eOptions"), "");
    // The logo and the LOGON dialog; the password in a field not displayed.
    let logo = t.wait_text("VM390 ONLINE");
    assert!(logo[0].starts_with(" VV     VV"), "{logo:?}");
    assert_eq!(logo.len(), 24, "{logo:?}");
    t.wait_status("CP READ");
    t.enter("LOGON ALICE");
    t.wait_text("ENTER PASSWORD:");
    // The password goes into a field that is not displayed.
    t.wait_masked();
    t.action("Wait(10,InputField)");
    t.action("String(\"APW\")");
    t.action("Enter");
    t.wait_text("Ready;");
    let s = t.wait_status("VM READ");
    assert!(!s.iter().any(|l| l.contains("APW")), "{s:?}");
    // Lower case input is kept (MINICMS upper-cases commands, not what CP echoes).
    t.enter("cp query userid");
    t.wait_text("ALICE AT VM390");
    t.wait_text("cp query userid");
    // PA1: CP READ; BEGIN: back to the virtual machine's read.
    t.action("Wait(10,InputField)");
    t.action("PA(1)");
    t.wait_status("CP READ");
    t.enter("BEGIN");
    t.wait_status("VM READ");
    // Long output: MORE..., and PA2 pages on to the end.
    t.action("Clear");
    t.wait_status("VM READ");
    t.enter("HELP");
    let more = t.wait_status("MORE...");
    assert!(
        more.iter().any(|l| l.contains("MINICMS commands")),
        "{more:?}"
    );
    t.action("Wait(10,InputField)");
    t.action("PA(2)");
    let end = t.wait_text("TYPE      Display a file");
    assert!(
        !end.iter().any(|l| l.contains("MINICMS commands")),
        "the next page starts afresh: {end:?}"
    );
    t.wait_status("VM READ");
}

#[test]
fn garbage_from_many_clients_leaves_the_cp_serving() {
    let server = server(&["--max-terminals", "64"]);
    let port = server.port;
    let started = Instant::now();
    let handles: Vec<_> = (0..50u32)
        .map(|i| {
            std::thread::spawn(move || {
                let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
                    return;
                };
                let mut seed = 0x2545_F491_4F6C_DD1Du64 ^ u64::from(i);
                let mut bytes: Vec<u8> = (0..(64 + i * 7))
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        seed as u8
                    })
                    .collect();
                // Partial and malformed telnet sequences among the garbage.
                match i % 4 {
                    0 => bytes.extend([255, 250, 24]),
                    1 => bytes.extend([255, 7]),
                    2 => bytes.extend([255, 253]),
                    _ => bytes.extend(std::iter::repeat_n(b'x', 1000)),
                }
                let _ = s.write_all(&bytes);
                if i % 2 == 0 {
                    let mut buf = [0u8; 64];
                    let _ = s.set_read_timeout(Some(Duration::from_millis(50)));
                    let _ = s.read(&mut buf);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert!(started.elapsed() < Duration::from_secs(30));
    let mut c = LineClient::connect(port);
    c.logon("BOB", "BPW");
    c.wait_for("Ready;");
    c.send("CP QUERY NAMES");
    c.wait_for("BOB");
}

#[test]
fn connections_beyond_the_limit_are_refused() {
    let server = server(&["--max-terminals", "2"]);
    let mut a = LineClient::connect(server.port);
    a.wait_for("VM390 ONLINE");
    let mut b = LineClient::connect(server.port);
    b.wait_for("VM390 ONLINE");
    let mut c = LineClient::connect(server.port);
    c.wait_for("ALL 2 TERMINALS ARE IN USE");
    // A connection that ends makes room.
    drop(a);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut d = LineClient::connect(server.port);
        let got = d.wait_for("\n");
        if got.contains("IN USE") {
            assert!(Instant::now() < deadline, "no room after a drop");
            std::thread::sleep(Duration::from_millis(200));
            continue;
        }
        d.wait_for("VM390 ONLINE");
        break;
    }
    b.send("LOGON BOB BPW");
    b.wait_for("Ready;");
}

#[test]
fn idle_connection_is_closed_before_logon() {
    let tmp_env = [("VM390_LOGON_TIMEOUT", "1")];
    let tmp = tempfile::tempdir().unwrap();
    let direct = tmp.path().join("users.direct");
    std::fs::write(&direct, DIRECTORY).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vm390"))
        .arg("--directory")
        .arg(&direct)
        .args(["--logon", "OPER", "--listen", "127.0.0.1:0"])
        .envs(tmp_env)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let port = loop {
        line.clear();
        assert!(err.read_line(&mut line).unwrap() > 0, "no port");
        if let Some(p) = line.trim().strip_prefix("vm390: listening on 127.0.0.1:") {
            break p.parse::<u16>().unwrap();
        }
    };
    let mut c = LineClient::connect(port);
    c.wait_for("VM390 ONLINE");
    c.wait_for("IDLE TIME-OUT");
    let _ = stdin.write_all(b"SHUTDOWN\n");
    drop(stdin);
    common::wait_exit(&mut child, Duration::from_secs(20), || {
        "after SHUTDOWN".into()
    });
}

/// A TN3270 client that sends a record longer than any screen (no EOR) loses its
/// connection; the CP serves the next client.
#[test]
fn oversized_3270_record_ends_that_connection_only() {
    let server = server(&[]);
    let mut s = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut buf = [0u8; 4096];
    // DO TN3270E -> WONT (plain TN3270); DO TERMINAL-TYPE -> WILL; SEND -> IS IBM-3278-2.
    let n = s.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], &[255, 253, 40]);
    s.write_all(&[255, 252, 40]).unwrap();
    let n = s.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], &[255, 253, 24]);
    s.write_all(&[255, 251, 24]).unwrap();
    let n = s.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], &[255, 250, 24, 1, 255, 240]);
    let mut is = vec![255, 250, 24, 0];
    is.extend(b"IBM-3278-2");
    is.extend([
        255, 240, 255, 251, 25, 255, 253, 25, 255, 251, 0, 255, 253, 0,
    ]);
    s.write_all(&is).unwrap();
    // The screen comes (ERASE/WRITE); then a record with no end.
    let mut got = Vec::new();
    while !got.contains(&0xF5) {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "closed before the screen");
        got.extend(&buf[..n]);
    }
    let _ = s.write_all(&[0x7D; 9000]);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => assert!(Instant::now() < deadline, "connection not closed"),
        }
    }
    let mut c = LineClient::connect(server.port);
    c.logon("BOB", "BPW");
    c.wait_for("Ready;");
}

/// A `MORE...` screen nobody answers goes on by itself after the hold time (60 s, here
/// `VM390_MORE_HOLD=2`).
#[test]
fn more_screen_goes_on_after_the_hold_time() {
    let server = server_with(&[], &[("VM390_MORE_HOLD", "2")]);
    let Some(mut t) = S3270::start(server.port) else {
        return;
    };
    t.wait_status("CP READ");
    t.enter("LOGON BOB BPW");
    t.wait_status("VM READ");
    t.enter("HELP");
    t.wait_status("MORE...");
    let started = Instant::now();
    let end = t.wait_text("TYPE      Display a file");
    assert!(started.elapsed() >= Duration::from_millis(500), "{end:?}");
    t.wait_status("VM READ");
}

/// SET PFnn on a TN3270 console (*VM/370 R6* `CPSET HELPCMD`): IMMED enters the key's text
/// at once, DELAYED puts it in the input area to be edited and entered, an undefined key
/// enters what was typed, as ENTER does.
#[test]
fn pf_keys_immed_delayed_and_undefined_with_s3270() {
    let server = server(&[]);
    let Some(mut t) = S3270::start(server.port) else {
        return;
    };
    t.wait_status("CP READ");
    t.enter("LOGON ALICE APW");
    t.wait_text("Ready;");
    t.wait_status("VM READ");
    t.enter("CP SET PF3 IMMED CP QUERY USERID");
    t.enter("CP SET PF04 DELAYED CP QUERY PF3");
    t.action("Clear");
    t.wait_status("VM READ");
    // IMMED: the text is shown and run.
    t.action("Wait(10,InputField)");
    t.action("PF(3)");
    let s = t.wait_text("ALICE AT VM390");
    assert!(s.iter().any(|l| l.trim_end() == "CP QUERY USERID"), "{s:?}");
    // DELAYED: the text waits in the input area (the next-to-last lines), not run.
    t.action("Clear");
    t.wait_status("VM READ");
    t.action("Wait(10,InputField)");
    t.action("PF(4)");
    let s = t.wait_screen("the PF4 text in the input area", |s| {
        s[22].starts_with("CP QUERY PF3")
    });
    assert!(!s.iter().any(|l| l.contains("PF03 IMMED")), "{s:?}");
    // ENTER as it stands runs it.
    t.action("Enter");
    let s = t.wait_text("PF03 IMMED CP QUERY USERID");
    assert!(
        s[22].trim().is_empty(),
        "the input area is empty again: {s:?}"
    );
    // An undefined key: what was typed is entered.
    t.action("Wait(10,InputField)");
    t.action("String(\"CP QUERY PF5\")");
    t.action("PF(5)");
    t.wait_text("PF05 UNDEFINED");
    t.wait_status("VM READ");
}

/// ENTER on a `MORE...` screen holds it (`HOLDING`, past the hold time) until PA2 or
/// CLEAR; one line typed meanwhile waits for the next read, a second is `NOT ACCEPTED`.
#[test]
fn holding_and_not_accepted_with_s3270() {
    let server = server_with(&[], &[("VM390_MORE_HOLD", "2")]);
    let Some(mut t) = S3270::start(server.port) else {
        return;
    };
    t.wait_status("CP READ");
    t.enter("LOGON BOB BPW");
    t.wait_status("VM READ");
    t.enter("HELP");
    t.wait_status("MORE...");
    t.enter("");
    t.wait_status("HOLDING");
    std::thread::sleep(Duration::from_secs(3));
    let s = t.wait_status("HOLDING");
    assert!(s.iter().any(|l| l.contains("MINICMS commands")), "{s:?}");
    t.enter("CP QUERY USERID");
    t.wait_status("HOLDING");
    t.enter("CP QUERY TIME");
    t.wait_status("NOT ACCEPTED");
    t.action("Wait(10,InputField)");
    t.action("PA(2)");
    t.wait_text("TYPE      Display a file");
    let s = t.wait_text("BOB AT VM390");
    t.wait_status("VM READ");
    assert!(!s.iter().any(|l| l.contains("TIME IS")), "{s:?}");
}

/// DIAG X'8C' from a guest whose console is a TN3270 model 4 (43x80): CP stores the
/// screen's width and height. The program is put in with CP STORE and run with BEGIN.
#[test]
fn diag_8c_gives_a_tn3270_consoles_screen_size() {
    let server = server(&[]);
    let Some(mut t) = S3270::start_model(server.port, "3278-4") else {
        return;
    };
    t.wait_status("CP READ");
    t.enter("LOGON ALICE APW");
    t.wait_text("Ready;");
    t.wait_status("VM READ");
    t.action("Wait(10,InputField)");
    t.action("PA(1)");
    t.wait_status("CP READ");
    // DIAG 2,4,X'8C'; LPSW 8(5): a disabled wait.
    t.enter("STORE F0000 8324008C 82005008 00020000 000F0000");
    t.wait_text("STORE COMPLETE");
    t.enter("STORE G2 F0100 G3 9 G4 6 G5 F0000");
    t.action("Clear");
    t.wait_status("CP READ");
    t.enter("BEGIN F0000");
    // The guest's console read still waits: a line ends it, then the program runs.
    t.wait_status("VM READ");
    t.enter("");
    t.wait_text("DISABLED WAIT PSW");
    t.wait_status("CP READ");
    t.enter("DISPLAY F0100.6");
    // Flags 0, no partitions, width 80, height 43; Rx+1 = 0.
    t.wait_text("0F0100 00000050 002B");
    t.enter("DISPLAY G3");
    t.wait_text("GPR 3 = 00000000");
}

/// SET PFnn RETRIEVE (*VM/370 R6* `CPSET HELPCMD`): from then on the input lines are saved;
/// the key shows the newest in the input area, then older ones, then the newest again.
#[test]
fn pf_retrieve_recalls_input_lines_with_s3270() {
    let server = server(&[]);
    let Some(mut t) = S3270::start(server.port) else {
        return;
    };
    t.wait_status("CP READ");
    t.enter("LOGON ALICE APW");
    t.wait_status("VM READ");
    t.enter("CP SET PF12 RETRIEVE");
    t.enter("CP QUERY PF12");
    t.wait_text("PF12 RETRIEVE");
    t.enter("CP QUERY USERID");
    t.wait_text("ALICE AT VM390");
    let input = |t: &mut S3270, want: &str| {
        t.action("Wait(10,InputField)");
        t.action("PF(12)");
        t.wait_screen(&format!("{want} in the input area"), |s| {
            s[22].trim_end() == want
        });
    };
    input(&mut t, "CP QUERY USERID");
    input(&mut t, "CP QUERY PF12");
    input(&mut t, "CP QUERY USERID");
    t.action("Clear");
    t.wait_status("VM READ");
    // The scroll goes on where it was; ENTER runs what is shown (and ends the scroll).
    input(&mut t, "CP QUERY PF12");
    t.action("Enter");
    t.wait_text("PF12 RETRIEVE");
    input(&mut t, "CP QUERY PF12");
}

/// A TN3270E client of the crowd: WILL TN3270E, and when `whole` the device type and
/// functions, ENTER with a LOGON line in a 3270-DATA record, a look at the screen, and
/// the drop; otherwise the drop right after WILL. Whether it got what it waited for.
fn tn3270e_crowd_client(mut s: TcpStream, whole: bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut got: Vec<u8> = Vec::new();
    let mut buf = [0u8; 4096];
    let mut wait = |s: &mut TcpStream, want: &[u8]| -> bool {
        while !got.windows(want.len()).any(|w| w == want) {
            if Instant::now() >= deadline {
                return false;
            }
            match s.read(&mut buf) {
                Ok(0) => return false,
                Ok(n) => got.extend(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return false,
                Err(_) => {}
            }
        }
        true
    };
    if !wait(&mut s, &[255, 253, 40]) {
        return false;
    }
    let _ = s.write_all(&[255, 251, 40]);
    if !whole {
        return true;
    }
    if !wait(&mut s, &[255, 250, 40, 8, 2, 255, 240]) {
        return false;
    }
    let mut req = vec![255, 250, 40, 2, 7];
    req.extend(b"IBM-3278-2-E");
    req.extend([255, 240, 255, 250, 40, 3, 7, 2, 255, 240]);
    let _ = s.write_all(&req);
    // FUNCTIONS REQUEST (none) from the server: IS (none) from the client.
    if !wait(&mut s, &[255, 250, 40, 3, 7, 255, 240]) {
        return false;
    }
    let _ = s.write_all(&[255, 250, 40, 3, 4, 255, 240]);
    // The logo screen: header, ERASE/WRITE.
    if !wait(&mut s, &[0, 0, 0, 0, 0, 0xF5]) {
        return false;
    }
    let mut rec = vec![0, 0, 0, 0, 0, 0x7D, 0x5D, 0x7F, 0x11, 0x5D, 0x7F];
    // "LOGON BOB" in EBCDIC.
    rec.extend([
        0xD3, 0xD6, 0xC7, 0xD6, 0xD5, 0x40, 0xC2, 0xD6, 0xC2, 255, 239,
    ]);
    let _ = s.write_all(&rec);
    true
}

/// The threads of process `pid` (Linux `/proc`; None elsewhere).
fn threads(pid: u32) -> Option<usize> {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()
        .map(|d| d.count())
}

/// 200 clients connect at once, type (a LOGON with the right or a wrong password, a CP
/// command, half a line, a telnet command, garbage; a tenth negotiate TN3270E, whole or
/// half, and send a 3270 record) and drop, each in its own way, while
/// ALICE, logged on before, keeps asking CP; she gets every answer during the crowd and
/// after it, all 200 were served (`--max-terminals 210`), the crowd is done in bounded
/// time, and the CP's threads go back to what they were (plus BOB's machine, which the
/// crowd logged on and left disconnected).
#[test]
fn two_hundred_clients_connecting_typing_and_dropping_leave_the_cp_serving() {
    const CROWD: u32 = 200;
    let server = server(&["--max-terminals", "210"]);
    let port = server.port;
    let pid = server.pid();
    let mut alice = LineClient::connect(port);
    alice.logon("ALICE", "APW");
    alice.wait_for("Ready;");
    alice.send("CP QUERY USERID");
    alice.wait_for("ALICE AT VM390");
    alice.wait_for("Ready;");
    let before = threads(pid);
    let started = Instant::now();
    let crowd: Vec<_> = (0..CROWD)
        .map(|i| {
            std::thread::spawn(move || -> bool {
                let Ok(stream) = TcpStream::connect(("127.0.0.1", port)) else {
                    return false;
                };
                let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
                let mut c = LineClient {
                    stream,
                    text: String::new(),
                    seen: 0,
                    iac: Vec::new(),
                };
                let limit = Duration::from_secs(60);
                if i % 10 == 9 {
                    // Drops before the logo.
                    return true;
                }
                if i % 10 == 8 {
                    // A TN3270E client: the whole negotiation, or half of it.
                    return tn3270e_crowd_client(c.stream, i % 20 == 8);
                }
                if !c.try_wait_for("VM390 ONLINE", limit) {
                    return false;
                }
                let w = |c: &mut LineClient, b: &[u8]| {
                    let _ = c.stream.write_all(b);
                };
                match i % 9 {
                    0 => {
                        w(&mut c, b"LOGON BOB BPW\r\n");
                        // Logged on, or refused while another connection has BOB.
                        if !c.try_wait_for("\n", limit) {
                            return false;
                        }
                        w(&mut c, b"CP QUERY USERID\r\n");
                    }
                    1 => {
                        w(&mut c, b"LOGON ALICE nothing\r\n");
                        return c.try_wait_for("PASSWORD INCORRECT", limit);
                    }
                    2 => {
                        w(&mut c, b"LOGON ALICE\r\n");
                        return c.try_wait_for("ENTER PASSWORD:", limit);
                    }
                    3 => w(&mut c, b"QUERY NAMES\r\nLOGON NOBODY\r\n"),
                    4 => w(&mut c, b"LOGON BO"),
                    5 => w(&mut c, &[255, 244, 255, 243, 255, 246]),
                    6 => w(&mut c, &[255, 250, 24, 0, b'I', b'B', b'M']),
                    7 => w(&mut c, &[0x7D, 0xC1, 0xFF, 0xFF, 0x00, 0x0D, 0x0A, 0x80]),
                    _ => {
                        w(&mut c, b"LOGOFF\r\n");
                    }
                }
                // A little of what comes back, then the drop.
                let _ = c.try_wait_for("\u{0}", Duration::from_millis(50));
                true
            })
        })
        .collect();
    // ALICE is answered while the crowd comes and goes.
    let mut answers = 0;
    while !crowd.iter().all(|h| h.is_finished()) {
        alice.send("CP QUERY USERID");
        let t = Instant::now();
        assert!(
            alice.try_wait_for("ALICE AT VM390", Duration::from_secs(20)),
            "ALICE got no answer during the crowd ({answers} before)"
        );
        assert!(alice.try_wait_for("Ready;", Duration::from_secs(20)));
        assert!(t.elapsed() < Duration::from_secs(20));
        answers += 1;
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the crowd took too long"
        );
    }
    let served = crowd
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|&ok| ok)
        .count();
    assert_eq!(
        served, CROWD as usize,
        "every client of the crowd was served"
    );
    assert!(answers > 0);
    // After: ALICE is answered, a new client logs on, and the sessions are gone.
    alice.send("CP QUERY NAMES");
    let names = alice.wait_for("Ready;");
    assert!(names.contains("BOB      - DSC"), "{names}");
    let mut c = LineClient::connect(port);
    c.logon("BOB", "BPW");
    c.wait_for("RECONNECTED AT");
    c.send("CP QUERY USERID");
    c.wait_for("BOB AT VM390");
    drop(c);
    if let Some(before) = before {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let now = threads(pid).unwrap_or(0);
            // BOB's machine: a thread or two; nothing of the 200 sessions stays.
            if now <= before + 4 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "vm390 has {now} threads, {before} before the crowd"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    alice.send("CP QUERY USERID");
    alice.wait_for("ALICE AT VM390");
}

/// Over TN3270 with `s3270`: the logo screen, LOGON with a wrong and then the right
/// password, a second user at once on a second connection and MSG both ways, DISCONNECT
/// (the logo and the LOGON dialog again on the same connection) and reconnect from a
/// third connection.
#[test]
fn tn3270_logon_msg_disconnect_and_reconnect_with_s3270() {
    let server = server(&[]);
    let Some(mut alice) = S3270::start(server.port) else {
        return;
    };
    let logo = alice.wait_text("VM390 ONLINE");
    let top: Vec<&str> = logo[..5].iter().map(|l| l.trim_end()).collect();
    assert_eq!(top, LOGO_LINES, "{logo:?}");
    alice.wait_status("CP READ");
    alice.enter("LOGON ALICE");
    alice.wait_text("ENTER PASSWORD:");
    alice.wait_masked();
    alice.enter("nothing");
    alice.wait_text("DMKLOG050E PASSWORD INCORRECT");
    alice.wait_status("CP READ");
    alice.enter("LOGON ALICE");
    alice.wait_text("ENTER PASSWORD:");
    // (The screen of the first ENTER PASSWORD: is still there; the second has its own
    // masked field: wait for it before typing.)
    alice.wait_screen("the second password prompt", |s| {
        s.iter().filter(|l| l.contains("ENTER PASSWORD:")).count() == 2
    });
    alice.wait_masked();
    alice.enter("APW");
    alice.wait_text("LOGON AT");
    alice.wait_status("VM READ");
    let Some(mut bob) = S3270::start(server.port) else {
        return;
    };
    bob.wait_status("CP READ");
    bob.enter("LOGON BOB BPW");
    bob.wait_status("VM READ");
    bob.enter("CP MSG ALICE HELLO FROM BOB");
    alice.wait_text("MSG FROM BOB: HELLO FROM BOB");
    alice.enter("CP MSG BOB HELLO FROM ALICE");
    bob.wait_text("MSG FROM ALICE: HELLO FROM ALICE");
    // DISCONNECT: the logo and the LOGON dialog again, on the same connection.
    alice.enter("CP DISCONNECT");
    alice.wait_text("VM390 ONLINE");
    alice.wait_status("CP READ");
    bob.action("Clear");
    bob.enter("CP QUERY NAMES");
    bob.wait_text("ALICE    - DSC");
    // A third connection reconnects ALICE, whose machine kept running.
    let Some(mut again) = S3270::start(server.port) else {
        return;
    };
    again.wait_status("CP READ");
    again.enter("LOGON ALICE APW");
    again.wait_text("RECONNECTED AT");
    // Reconnected in CP mode (CP READ); BEGIN resumes the machine's read.
    again.wait_status("CP READ");
    again.enter("QUERY USERID");
    again.wait_text("ALICE AT VM390");
    again.enter("BEGIN");
    again.wait_status("VM READ");
    bob.action("Clear");
    bob.enter("CP QUERY NAMES");
    let names = bob.wait_text("ALICE    - L");
    assert!(!names.iter().any(|l| l.contains("DSC")), "{names:?}");
}

/// The logo's lines (`cp/src/net/mod.rs`).
const LOGO_LINES: [&str; 5] = [
    " VV     VV  MM      MM   333333    99999    00000",
    "  VV   VV   MMMM  MMMM  33    33  99   99  00   00",
    "   VV VV    MM  MM  MM      333    999999  00   00",
    "    VVV     MM      MM  33    33       99  00   00",
    "     V      MM      MM   333333    99999    00000",
];

/// The directory of the shared CMS material (`common::setup`) with OPER for the server's
/// console; None (a skip, or a failure under `VM390_ORACLES=require`) without it.
fn cms_server(extra: &[&str]) -> Option<Server> {
    let shared = common::shared(&common::CMS_FILES)?;
    let tmp = tempfile::tempdir().unwrap();
    let direct = common::setup(
        &shared,
        tmp.path(),
        "MR",
        "USER OPER OPERPW 1M 1M ABCDEFG\n CONSOLE 009 3215\n",
    );
    Some(Server::start_in(Some(tmp), &direct, "OPER", extra, &[]))
}

/// Real VM/370 R6 CMS on a TN3270 console driven by `s3270`: LOGON, CMS's first read,
/// `Ready;`, a CMS command, PA1 to CP READ and BEGIN back to CMS.
#[test]
fn real_cms_to_ready_over_tn3270_with_s3270() {
    let Some(server) = cms_server(&[]) else {
        return;
    };
    let Some(mut t) = S3270::start(server.port) else {
        return;
    };
    t.wait_status("CP READ");
    t.enter("LOGON CMSUSER CMSUSER");
    t.wait_text("CMS VERSION 6.0");
    t.wait_status("VM READ");
    t.enter("ACCESS (NOPROF");
    t.wait_text("Ready;");
    t.wait_status("VM READ");
    t.action("Clear");
    t.wait_status("VM READ");
    t.enter("ACCESS 192 D");
    let s = t.wait_text("Ready;");
    assert!(s.iter().any(|l| l.contains("'192' REPLACES")), "{s:?}");
    assert!(!s.iter().any(|l| l.contains("DMS")), "{s:?}");
    t.action("Wait(10,InputField)");
    t.action("PA(1)");
    t.wait_status("CP READ");
    t.enter("QUERY USERID");
    t.wait_text("CMSUSER AT VM390");
    t.enter("BEGIN");
    t.wait_status("VM READ");
    t.action("Clear");
    t.wait_status("VM READ");
    t.enter("CP QUERY USERID");
    t.wait_text("CMSUSER AT VM390");
    t.wait_text("Ready;");
}

/// Real CMS on a line-mode telnet connection: the logo, LOGON, `Ready;`, telnet BREAK as
/// the attention key (CP mode, BEGIN), and a CMS command after it.
#[test]
fn real_cms_to_ready_over_line_mode_telnet() {
    let Some(server) = cms_server(&[]) else {
        return;
    };
    let mut c = LineClient::connect(server.port);
    let logo = c.wait_for("VM390 ONLINE");
    assert!(logo.starts_with(&LOGO_LINES.join("\n")), "{logo}");
    c.send("LOGON CMSUSER");
    c.wait_for("ENTER PASSWORD:");
    c.send("CMSUSER");
    c.wait_for("CMS VERSION 6.0");
    c.send("ACCESS (NOPROF");
    c.wait_for("Ready;");
    c.send("ACCESS 192 D");
    let s = c.wait_for("Ready;");
    assert!(s.contains("'192' REPLACES") && !s.contains("DMS"), "{s}");
    // BREAK: CP mode, where DISPLAY is CP's; BEGIN: CMS again.
    c.stream.write_all(&[255, 243]).unwrap();
    c.send("DISPLAY PSW");
    c.wait_for("PSW = ");
    c.send("BEGIN");
    c.send("CP QUERY USERID");
    c.wait_for("CMSUSER AT VM390");
    c.wait_for("Ready;");
}

/// Plain TN3270 (RFC 1576) when the client will not have TN3270E (`s3270` with `N:`):
/// TERMINAL-TYPE, EOR and BINARY; the same console: LOGON, lower case kept, PA1 and
/// BEGIN, `MORE...` and PA2, a PF key.
#[test]
fn plain_tn3270_without_tn3270e_with_s3270() {
    let server = server(&[]);
    let Some(mut t) = S3270::start_as(server.port, "3278-2", "N:") else {
        return;
    };
    t.action("Wait(10,InputField)");
    assert_eq!(t.query("ConnectionState"), "connected-3270");
    assert_eq!(t.query("LuName"), "");
    let logo = t.wait_text("VM390 ONLINE");
    assert!(logo[0].starts_with(" VV     VV"), "{logo:?}");
    t.wait_status("CP READ");
    t.enter("LOGON BOB");
    t.wait_text("ENTER PASSWORD:");
    t.wait_masked();
    t.enter("BPW");
    t.wait_text("Ready;");
    t.wait_status("VM READ");
    t.enter("cp query userid");
    t.wait_text("BOB AT VM390");
    t.action("Wait(10,InputField)");
    t.action("PA(1)");
    t.wait_status("CP READ");
    t.enter("BEGIN");
    t.wait_status("VM READ");
    t.action("Clear");
    t.wait_status("VM READ");
    t.enter("HELP");
    t.wait_status("MORE...");
    t.action("Wait(10,InputField)");
    t.action("PA(2)");
    t.wait_text("TYPE      Display a file");
    t.wait_status("VM READ");
    t.enter("CP SET PF2 IMMED CP QUERY NAMES");
    t.action("Clear");
    t.wait_status("VM READ");
    t.action("Wait(10,InputField)");
    t.action("PF(2)");
    t.wait_text("BOB      - ");
}

/// A TN3270E client whose device type is refused (a printer, IBM-3287-1) gets DEVICE-TYPE
/// REJECT; when it then gives TN3270E up (WONT), it falls back to TERMINAL-TYPE and gets
/// a 3270 console by RFC 1576 (RFC 2355, 7.3).
#[test]
fn tn3270e_device_type_rejected_then_plain_tn3270() {
    let server = server(&[]);
    let mut s = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut buf = [0u8; 4096];
    let mut expect = |s: &mut TcpStream, want: &[u8]| {
        let mut got: Vec<u8> = Vec::new();
        while got.len() < want.len() {
            let n = s.read(&mut buf).unwrap();
            assert!(n > 0, "closed; got {got:?}");
            got.extend(&buf[..n]);
        }
        assert_eq!(got, want);
    };
    expect(&mut s, &[255, 253, 40]);
    s.write_all(&[255, 251, 40]).unwrap();
    // SEND DEVICE-TYPE.
    expect(&mut s, &[255, 250, 40, 8, 2, 255, 240]);
    let mut req = vec![255, 250, 40, 2, 7];
    req.extend(b"IBM-3287-1");
    req.extend([255, 240]);
    s.write_all(&req).unwrap();
    // DEVICE-TYPE REJECT REASON INV-DEVICE-TYPE.
    expect(&mut s, &[255, 250, 40, 2, 6, 5, 4, 255, 240]);
    s.write_all(&[255, 252, 40]).unwrap();
    expect(&mut s, &[255, 253, 24]);
    s.write_all(&[255, 251, 24]).unwrap();
    expect(&mut s, &[255, 250, 24, 1, 255, 240]);
    let mut is = vec![255, 250, 24, 0];
    is.extend(b"IBM-3278-2");
    is.extend([255, 240]);
    s.write_all(&is).unwrap();
    expect(
        &mut s,
        &[255, 253, 25, 255, 251, 25, 255, 253, 0, 255, 251, 0],
    );
    // The console screen: ERASE/WRITE, no TN3270E header.
    let n = s.read(&mut buf).unwrap();
    assert_eq!(buf[0], 0xF5, "{:?}", &buf[..n]);
}

/// VM/370's default MORE hold is 60 s ("MORE is set to 050 010", *VM/370 R6* `TERMINAL
/// HELPCMD`): with no `VM390_MORE_HOLD`, a `MORE...` screen is still held after 12 s (the
/// old 10 s default let it go), and PA2 goes on.
#[test]
fn more_screen_is_held_longer_than_ten_seconds_by_default() {
    let server = server(&[]);
    let Some(mut t) = S3270::start(server.port) else {
        return;
    };
    t.wait_status("CP READ");
    t.enter("LOGON BOB BPW");
    t.wait_status("VM READ");
    t.enter("HELP");
    t.wait_status("MORE...");
    std::thread::sleep(Duration::from_secs(12));
    let s = t.wait_status("MORE...");
    assert!(s.iter().any(|l| l.contains("MINICMS commands")), "{s:?}");
    t.action("Wait(10,InputField)");
    t.action("PA(2)");
    t.wait_text("TYPE      Display a file");
    t.wait_status("VM READ");
}
