//! MINICMS sessions of the built-in default for the tests: a run of `vm390 --data-dir DIR`
//! on a fresh data directory, and its output cut at the `Ready;` lines.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Runs vm390 with `args` (HOME and XDG_DATA_HOME in `home`, the working directory too)
/// and `input`; returns stdout. The run must end with exit status 0, without a disabled
/// wait or a program check of MINICMS.
pub fn run(args: &[&str], input: &str, home: &Path) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vm390"));
    cmd.args(args)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("xdg"))
        .current_dir(home)
        .stderr(Stdio::null());
    let (code, out, _) = super::run_script(cmd, input, Duration::from_secs(120));
    assert_eq!(code, 0, "exit status {code}:\n{out}");
    assert!(!out.contains("DMKDSP"), "the guest stopped:\n{out}");
    assert!(!out.contains("DMSABN"), "program check:\n{out}");
    out
}

/// A session of the built-in default (`vm390 --data-dir DIR`) on a fresh data directory
/// with `input`; stdout (see [`run`]).
pub fn default_session(input: &str) -> String {
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("data");
    run(&["--data-dir", &data.to_string_lossy()], input, t.path())
}

/// The console output between the `Ready;` after the `n`-th command (0: the logon) and
/// the next `Ready...;`: what command `n` wrote.
pub fn replies(out: &str) -> Vec<Vec<String>> {
    let mut all = Vec::new();
    let mut cur: Option<Vec<String>> = None;
    for l in out.lines() {
        if l.starts_with("Ready;") || l.starts_with("Ready(") {
            if let Some(c) = cur.take() {
                all.push(c);
            }
            cur = Some(Vec::new());
        } else if let Some(c) = cur.as_mut() {
            c.push(l.trim_end().to_string());
        }
    }
    all
}
