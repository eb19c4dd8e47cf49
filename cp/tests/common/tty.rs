//! `vm390` on a pseudo-terminal (util-linux `script`, which makes the terminal the
//! session's controlling terminal): what it wrote, and a way to type.

use std::io::Write;
use std::process::{Child, ChildStdin};
use std::time::Duration;

use super::{under_pty, wait_exit, Captured};

/// `vm390` on a pseudo-terminal: what it wrote, and a way to type.
pub struct Tty {
    child: Child,
    stdin: ChildStdin,
    out: Captured,
}

impl Tty {
    /// Starts `vm390 ARGS` under `script`; None (after [`missing`]) without `script`.
    pub fn start(args: &[&str]) -> Option<Tty> {
        let mut cmd = env!("CARGO_BIN_EXE_vm390").to_string();
        for a in args {
            cmd.push_str(&format!(" '{a}'"));
        }
        let mut child = under_pty(&cmd)?;
        let out = Captured::start(child.stdout.take().unwrap());
        let stdin = child.stdin.take().unwrap();
        Some(Tty { child, stdin, out })
    }

    pub fn text(&self) -> String {
        self.out.text()
    }

    /// Types `s` (all at once, as a paste).
    pub fn send(&mut self, s: &str) {
        self.stdin.write_all(s.as_bytes()).unwrap();
        self.stdin.flush().unwrap();
    }

    /// Waits until `needle` occurs `n` times in the output; panics with it after 30 s.
    pub fn wait_for(&mut self, needle: &str, n: usize) {
        self.out.wait_for(needle, n);
    }

    /// Waits for the end of the session (30 s at most); its output.
    pub fn finish(mut self) -> String {
        let out = &self.out;
        let status = wait_exit(&mut self.child, Duration::from_secs(30), || out.text());
        let text = self.out.finish();
        assert!(status.success(), "{status:?}\n{text}");
        text
    }
}
