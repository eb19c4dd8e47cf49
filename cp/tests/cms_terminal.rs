//! The console on a terminal: `vm390` under a pseudo-terminal (util-linux `script`) gets
//! line editing and history, shows `VM READ` / `CP READ` as VM shows its status,
//! and takes Ctrl-C as the attention key: at a VM READ it enters CP mode, where a line is a
//! CP command, and BEGIN goes back to the virtual machine's read.
//!
//! Each step waits for the text it needs (at most 30 s); nothing is timed.

mod common;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{missing, shared};

/// Waits until `needle` occurs `n` times in the output; panics with the output after 30 s.
fn wait_for(out: &Arc<Mutex<Vec<u8>>>, needle: &str, n: usize) {
    let start = Instant::now();
    loop {
        let text = String::from_utf8_lossy(&out.lock().unwrap()).to_string();
        if text.matches(needle).count() >= n {
            return;
        }
        if start.elapsed() > Duration::from_secs(30) {
            panic!("no {n}× {needle:?} in:\n{text}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn attention_key_cp_mode_and_history() {
    let Some(dir) = shared(&[]) else { return };
    let Some(script) = ["/usr/bin/script", "/bin/script"]
        .iter()
        .find(|p| std::path::Path::new(p).is_file())
    else {
        missing("util-linux script (for a pseudo-terminal)");
        return;
    };
    let cmd = format!(
        "{} --directory {} --logon CMSUSER 2>/dev/null",
        env!("CARGO_BIN_EXE_vm390"),
        dir.join("vm390.direct").display()
    );
    let mut child = Command::new(script)
        .args(["-qfec", &cmd, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start script");
    let out = Arc::new(Mutex::new(Vec::new()));
    let sink = out.clone();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let mut stdin = child.stdin.take().unwrap();
    let mut send = |s: &str| {
        stdin.write_all(s.as_bytes()).unwrap();
        stdin.flush().unwrap();
    };
    // The prompt of each read is the status ("VM READ  ", "CP READ  "); each line is sent
    // once its read is there (type-ahead is kept too: see console_tty.rs).
    let vm_read = "VM READ  ";
    wait_for(&out, "CMS VERSION 6.0", 1);
    wait_for(&out, vm_read, 1);
    send("ACCESS (NOPROF\r");
    wait_for(&out, "Ready;", 1);
    wait_for(&out, vm_read, 2);
    // The attention key at a VM READ: CP READ.
    send("\x03");
    wait_for(&out, "CP READ  ", 1);
    send("QUERY USERID\r");
    wait_for(&out, "CMSUSER AT VM390", 1);
    wait_for(&out, "CP READ  ", 2);
    send("BEGIN\r");
    wait_for(&out, vm_read, 3);
    // History: the up arrow brings back the last line entered.
    send("#CP QUERY USERID\r");
    wait_for(&out, "CMSUSER AT VM390", 2);
    wait_for(&out, vm_read, 4);
    send("\x1b[A\r");
    wait_for(&out, "CMSUSER AT VM390", 3);
    wait_for(&out, vm_read, 5);
    send("LOGOFF\r");
    wait_for(&out, "LOGOFF AT", 1);
    let status = child.wait().unwrap();
    let _ = reader.join();
    let text = String::from_utf8_lossy(&out.lock().unwrap()).to_string();
    assert!(status.success(), "{status:?}\n{text}");
    // The window title shows RUNNING while CMS ran.
    assert!(text.contains("\x1b]0;VM390  RUNNING\x07"), "{text}");
}
