//! The console on a terminal: `vm390` under a pseudo-terminal (util-linux `script`) gets
//! line editing and history, shows `VM READ` / `CP READ` as VM shows its status,
//! and takes Ctrl-C as the attention key: at a VM READ it enters CP mode, where a line is a
//! CP command, and BEGIN goes back to the virtual machine's read.
//!
//! Each step waits for the text it needs (at most 30 s); nothing is timed.

mod common;

use std::io::Write;

use common::{shared, under_pty, Captured};

#[test]
fn attention_key_cp_mode_and_history() {
    let Some(dir) = shared(&[]) else { return };
    let cmd = format!(
        "{} --directory {} --logon CMSUSER",
        env!("CARGO_BIN_EXE_vm390"),
        dir.join("vm390.direct").display()
    );
    let Some(mut child) = under_pty(&cmd) else {
        return;
    };
    let mut out = Captured::start(child.stdout.take().unwrap());
    let mut stdin = child.stdin.take().unwrap();
    let mut send = |s: &str| {
        stdin.write_all(s.as_bytes()).unwrap();
        stdin.flush().unwrap();
    };
    // The prompt of each read is the status ("VM READ  ", "CP READ  "); each line is sent
    // once its read is there (type-ahead is kept too: see console_tty.rs).
    let vm_read = "VM READ  ";
    out.wait_for("CMS VERSION 6.0", 1);
    out.wait_for(vm_read, 1);
    send("ACCESS (NOPROF\r");
    out.wait_for("Ready;", 1);
    out.wait_for(vm_read, 2);
    // The attention key at a VM READ: CP READ.
    send("\x03");
    out.wait_for("CP READ  ", 1);
    send("QUERY USERID\r");
    out.wait_for("CMSUSER AT VM390", 1);
    out.wait_for("CP READ  ", 2);
    send("BEGIN\r");
    out.wait_for(vm_read, 3);
    // History: the up arrow brings back the last line entered.
    send("#CP QUERY USERID\r");
    out.wait_for("CMSUSER AT VM390", 2);
    out.wait_for(vm_read, 4);
    send("\x1b[A\r");
    out.wait_for("CMSUSER AT VM390", 3);
    out.wait_for(vm_read, 5);
    send("LOGOFF\r");
    out.wait_for("LOGOFF AT", 1);
    let status = child.wait().unwrap();
    let text = out.finish();
    assert!(status.success(), "{status:?}\n{text}");
    // The window title shows RUNNING while CMS ran.
    assert!(text.contains("\x1b]0;VM390  RUNNING\x07"), "{text}");
}
