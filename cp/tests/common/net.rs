//! Network terminals for the tests: a `vm390 --listen` server on 127.0.0.1 and the real
//! `s3270` client driven through its standard input.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running `vm390 --directory FILE --logon USER --listen 127.0.0.1:0`, USER at its
/// console (its input kept open; dropping the server types SHUTDOWN there).
pub struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    /// The port vm390 listens on.
    pub port: u16,
    _tmp: Option<tempfile::TempDir>,
}

impl Server {
    /// A server on the directory `direct` with `logon` at the console, the further
    /// arguments `extra` and environment `env`; `tmp` (if any) is kept as long as it runs.
    pub fn start_in(
        tmp: Option<tempfile::TempDir>,
        direct: &Path,
        logon: &str,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_vm390"))
            .arg("--directory")
            .arg(direct)
            .args(["--logon", logon, "--listen", "127.0.0.1:0"])
            .args(extra)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let (tx, rx) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(a) = line.strip_prefix("vm390: listening on 127.0.0.1:") {
                    let _ = tx.send(a.trim().parse::<u16>().unwrap());
                }
            }
        });
        let port = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("vm390 names its port");
        Server {
            child,
            stdin,
            port,
            _tmp: tmp,
        }
    }
}

impl Server {
    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SHUTDOWN at the console ends the program (everyone logged off).
        if let Some(mut s) = self.stdin.take() {
            let _ = s.write_all(b"SHUTDOWN\n");
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `s3270` driven through its standard input, one action a line.
pub struct S3270 {
    child: Child,
    stdin: ChildStdin,
    out: BufReader<std::process::ChildStdout>,
}

impl S3270 {
    pub fn start(port: u16) -> Option<S3270> {
        S3270::start_model(port, "3278-2")
    }

    pub fn start_model(port: u16, model: &str) -> Option<S3270> {
        S3270::start_as(port, model, "")
    }

    /// `prefix` before the host: `N:` keeps `s3270` from TN3270E (plain TN3270).
    pub fn start_as(port: u16, model: &str, prefix: &str) -> Option<S3270> {
        if !std::path::Path::new("/usr/bin/s3270").exists() {
            super::missing("s3270 (apt-get install s3270)");
            return None;
        }
        let mut child = Command::new("/usr/bin/s3270")
            .args(["-model", model])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        let mut s = S3270 { child, stdin, out };
        s.action(&format!("Connect({prefix}127.0.0.1:{port})"));
        Some(s)
    }

    /// Runs `action`; its data lines.
    pub fn action(&mut self, action: &str) -> Vec<String> {
        writeln!(self.stdin, "{action}").unwrap();
        self.stdin.flush().unwrap();
        let mut data = Vec::new();
        loop {
            let mut line = String::new();
            assert!(self.out.read_line(&mut line).unwrap() > 0, "s3270 ended");
            let line = line.trim_end_matches(['\r', '\n']).to_string();
            if line == "ok" {
                return data;
            }
            if line == "error" {
                panic!("s3270 {action}: {data:?}");
            }
            if let Some(d) = line.strip_prefix("data: ") {
                data.push(d.to_string());
            } else if line == "data:" {
                data.push(String::new());
            }
        }
    }

    /// `Query(what)`'s answer.
    pub fn query(&mut self, what: &str) -> String {
        self.action(&format!("Query({what})")).join("\n")
    }

    pub fn screen(&mut self) -> Vec<String> {
        self.action("Ascii")
    }

    /// Waits until the screen satisfies `ok`; the screen.
    pub fn wait_screen(&mut self, what: &str, ok: impl Fn(&[String]) -> bool) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "no {what} on the screen:\n{}",
                s.join("\n")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn wait_text(&mut self, needle: &str) -> Vec<String> {
        self.wait_screen(needle, |s| s.iter().any(|l| l.contains(needle)))
    }

    pub fn wait_status(&mut self, status: &str) -> Vec<String> {
        self.wait_screen(&format!("status {status}"), |s| {
            s.last().is_some_and(|l| l.trim_end().ends_with(status))
        })
    }

    /// Waits for an input field that is not displayed (the password's). s3270's Ascii
    /// shows every field; its buffer shows the attribute: unprotected (no X'20') and not
    /// displayed (X'0C'). (The screen that wrote ENTER PASSWORD: comes just before.)
    pub fn wait_masked(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let buffer = self.action("ReadBuffer(Ascii)").join("\n");
            let hidden = buffer.split("SF(c0=").skip(1).any(|a| {
                u8::from_str_radix(&a[..2], 16).is_ok_and(|b| b & 0x20 == 0 && b & 0x0C == 0x0C)
            });
            if hidden {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "no unprotected field not displayed:\n{buffer}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Types `text` at VM READ and waits for `reply`; then clears the screen.
    pub fn command(&mut self, text: &str, reply: &str) -> Vec<String> {
        self.enter(text);
        let s = self.wait_text(reply);
        self.action("Clear");
        s
    }

    /// Overtypes the field of the screen's `row` (0-based) with `text`.
    pub fn overtype(&mut self, row: usize, text: &str) {
        self.action(&format!("MoveCursor({row},1)"));
        self.action("EraseEOF");
        self.action(&format!("String(\"{text}\")"));
    }

    /// Types `text` (if any) into the input field and presses ENTER.
    pub fn enter(&mut self, text: &str) {
        self.action("Wait(10,InputField)");
        if !text.is_empty() {
            self.action(&format!("String(\"{text}\")"));
        }
        self.action("Enter");
    }
}

impl Drop for S3270 {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "Quit");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The VM/370 console screen: its status area on the bottom line.
pub fn console_screen(s: &[String]) -> bool {
    s.last().is_some_and(|l| {
        let l = l.trim_end();
        ["VM READ", "CP READ", "RUNNING", "MORE...", "HOLDING"]
            .iter()
            .any(|st| l.ends_with(st))
    })
}
