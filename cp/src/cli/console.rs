//! The console session of `vm390 --directory FILE [--logon USER]`: logs the user on,
//! IPLs what the directory says, and connects the virtual console to the terminal.
//!
//! Input is read by a thread of its own that owns standard input and queues what comes,
//! so nothing typed or pasted ahead is lost: lines entered while the virtual machine runs
//! go, in order, to the reads that follow (VM queues console input the same way).
//!
//! With standard input a terminal, the terminal is in raw mode for the whole session and
//! the reads have line editing (left/right, Home/End, Backspace/Delete, Ctrl-U, Ctrl-K)
//! and history (up/down); the status VM shows in the corner of a display terminal
//! (`VM READ`, `CP READ`, `RUNNING`) is the prompt of each read and the terminal's title.
//! Ctrl-C is the attention key at any time, at a read or while the virtual machine runs:
//! it enters CP mode (a line is then a CP command; BEGIN goes back), as VM's attention
//! key always gives CP READ. Without `--logon` the terminal first reads `LOGON userid`
//! and the password (`ENTER PASSWORD:`), as VM does. Passwords are read masked (not
//! shown) and never kept in the history, nor are the lines of the LOGON dialog.
//!
//! With standard input not a terminal (scripts, tests), input is taken a line at a time
//! when the guest reads its console; output is the guest's EBCDIC translated to UTF-8,
//! with no prompts and no echo (so a script's transcript is exactly what the guest
//! wrote). A line that is not UTF-8 is taken as UTF-8 where it is, and byte by byte as
//! ISO 8859-1 where it is not. The end of input logs the user off.
//!
//! SIGTERM and SIGHUP (and SIGINT in scripted use) end the session as VM's SHUTDOWN ends
//! a user's: the user is logged off, the minidisk images are flushed and closed and
//! temporary disks dropped. A second such signal while that runs ends the process at once.
//!
//! Everything written to the host's terminal passes [`host_text`], which drops control
//! characters: a guest cannot send escape sequences to the host's terminal.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use nix::sys::signal::{SigSet, Signal};
use nix::sys::termios::{self, InputFlags, LocalFlags, SetArg, SpecialCharacterIndices, Termios};

use cp::directory::parse_directory;
use cp::system::{logon_dialog, System};
use cp::vm::{Input, Status, Terminal};

/// Text as it may reach the host's terminal: control characters (C0 but line end and tab,
/// DEL, C1) are dropped, as the 3215 path drops EBCDIC control codes, so that no guest
/// output (a 3215 write, a DIAGNOSE X'08' response, a MSG) can be an escape sequence.
pub fn host_text(text: &str) -> Cow<'_, str> {
    let bad = |c: char| c.is_control() && c != '\n' && c != '\t';
    if text.contains(bad) {
        Cow::Owned(text.chars().filter(|&c| !bad(c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// Input bytes as text: UTF-8 where they are UTF-8, each other byte as the ISO 8859-1
/// character of that code (so no byte of a line is lost).
fn bytes_to_text(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        s.push_str(chunk.valid());
        s.extend(chunk.invalid().iter().map(|&b| char::from(b)));
    }
    s
}

/// A key from the terminal, as the line editor sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    Char(char),
    Enter,
    Backspace,
    Delete,
    Left,
    Right,
    Home,
    End,
    Up,
    Down,
    /// Ctrl-U: erase the line.
    KillLine,
    /// Ctrl-K: erase to the end of the line.
    KillEnd,
    /// Ctrl-D on an empty line: the end of input.
    Eof,
}

/// What the input thread queued.
#[derive(Debug)]
enum Item {
    /// A line of scripted input.
    Line(String),
    /// A key of an interactive terminal.
    Key(Key),
    /// A message from another user, shown while the terminal waits for input.
    Message(String),
}

/// The input queue shared by the input thread, the signal thread and the session.
#[derive(Debug, Default)]
struct Queue {
    items: VecDeque<Item>,
    /// The attention key was pressed (and not yet taken).
    attention: bool,
    /// Standard input ended.
    end: bool,
    /// The signal that asked for the session to end.
    shutdown: Option<Signal>,
    /// A read waits for input (messages from other users are shown at once).
    reading: bool,
    /// The system woke the read (FORCE, a reconnection).
    woken: bool,
}

/// What a read gets from the queue.
enum Next {
    Item(Item),
    Attention,
    End,
    Wake,
}

#[derive(Debug, Default)]
struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn change(&self, f: impl FnOnce(&mut Queue)) {
        f(&mut self.lock());
        self.ready.notify_all();
    }

    /// Waits for the next input: a shutdown or the end of input first, then an attention,
    /// then the queued items in order.
    fn next(&self) -> Next {
        let mut q = self.lock();
        loop {
            if q.shutdown.is_some() {
                return Next::End;
            }
            if std::mem::take(&mut q.woken) {
                return Next::Wake;
            }
            if std::mem::take(&mut q.attention) {
                return Next::Attention;
            }
            if let Some(i) = q.items.pop_front() {
                return Next::Item(i);
            }
            if q.end {
                return Next::End;
            }
            q = self.ready.wait(q).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// The console's side that other virtual machines' threads reach (see
/// [`cp::system::Messenger`]): a message is shown while a read waits.
struct ConsoleMessenger {
    shared: Arc<Shared>,
}

impl cp::system::Messenger for ConsoleMessenger {
    fn message(&self, line: &str) -> bool {
        let mut q = self.shared.lock();
        if !q.reading {
            return false;
        }
        q.items.push_back(Item::Message(line.to_string()));
        drop(q);
        self.shared.ready.notify_all();
        true
    }
    fn wake(&self) {
        self.shared.change(|q| q.woken = true);
    }
}

/// Scripted input: queues each line of `input` (without its line end) until it ends.
fn read_lines(shared: &Shared, mut input: impl BufRead) {
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match input.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {
                while buf.last().is_some_and(|&b| b == b'\n' || b == b'\r') {
                    buf.pop();
                }
                let line = bytes_to_text(&buf);
                shared.change(|q| q.items.push_back(Item::Line(line)));
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                eprintln!("vm390: standard input: {e}");
                break;
            }
        }
    }
    shared.change(|q| q.end = true);
}

/// Turns the bytes of a raw terminal into keys.
#[derive(Debug, Default)]
struct KeyDecoder {
    /// Bytes of an escape sequence so far (ESC included).
    escape: Vec<u8>,
    /// Bytes of a UTF-8 character so far.
    utf8: Vec<u8>,
    /// The last byte was a carriage return (a line feed after it is the same line end).
    after_cr: bool,
}

/// One decoded byte: a key, the attention key, or nothing yet.
#[derive(Debug, PartialEq, Eq)]
enum Decoded {
    Key(Key),
    Attention,
}

impl KeyDecoder {
    fn byte(&mut self, b: u8, out: &mut Vec<Decoded>) {
        let after_cr = std::mem::replace(&mut self.after_cr, b == b'\r');
        if !self.escape.is_empty() {
            self.escape.push(b);
            self.escape_byte(out);
            return;
        }
        if !self.utf8.is_empty() || b >= 0x80 {
            self.utf8.push(b);
            match std::str::from_utf8(&self.utf8) {
                Ok(s) => {
                    out.extend(s.chars().map(|c| Decoded::Key(Key::Char(c))));
                    self.utf8.clear();
                }
                Err(e) if e.error_len().is_none() && self.utf8.len() < 4 => {}
                Err(_) => {
                    let text = bytes_to_text(&std::mem::take(&mut self.utf8));
                    out.extend(text.chars().map(|c| Decoded::Key(Key::Char(c))));
                }
            }
            return;
        }
        let key = match b {
            0x03 => {
                out.push(Decoded::Attention);
                return;
            }
            0x1B => {
                self.escape.push(b);
                return;
            }
            b'\n' if after_cr => return,
            b'\r' | b'\n' => Key::Enter,
            0x7F | 0x08 => Key::Backspace,
            0x04 => Key::Eof,
            0x15 => Key::KillLine,
            0x0B => Key::KillEnd,
            0x01 => Key::Home,
            0x05 => Key::End,
            0x02 => Key::Left,
            0x06 => Key::Right,
            0x10 => Key::Up,
            0x0E => Key::Down,
            b'\t' => Key::Char(' '),
            0x00..=0x1F => return,
            _ => Key::Char(char::from(b)),
        };
        out.push(Decoded::Key(key));
    }

    /// The escape sequence so far: CSI (`ESC [` parameters, final byte) or SS3 (`ESC O`
    /// one byte); an ESC before anything else is dropped and the byte taken alone.
    fn escape_byte(&mut self, out: &mut Vec<Decoded>) {
        let e = &self.escape;
        let key = match e[1] {
            b'[' if e.len() == 2 => return,
            b'[' => {
                let last = e[e.len() - 1];
                if !(0x40..=0x7E).contains(&last) {
                    if e.len() > 16 {
                        self.escape.clear();
                    }
                    return;
                }
                let params = &e[2..e.len() - 1];
                match (last, params) {
                    (b'A', _) => Some(Key::Up),
                    (b'B', _) => Some(Key::Down),
                    (b'C', _) => Some(Key::Right),
                    (b'D', _) => Some(Key::Left),
                    (b'H', _) => Some(Key::Home),
                    (b'F', _) => Some(Key::End),
                    (b'~', b"1" | b"7") => Some(Key::Home),
                    (b'~', b"4" | b"8") => Some(Key::End),
                    (b'~', b"3") => Some(Key::Delete),
                    _ => None,
                }
            }
            b'O' if e.len() == 2 => return,
            b'O' => match e[2] {
                b'A' => Some(Key::Up),
                b'B' => Some(Key::Down),
                b'C' => Some(Key::Right),
                b'D' => Some(Key::Left),
                b'H' => Some(Key::Home),
                b'F' => Some(Key::End),
                _ => None,
            },
            other => {
                self.escape.clear();
                self.byte(other, out);
                return;
            }
        };
        self.escape.clear();
        if let Some(k) = key {
            out.push(Decoded::Key(k));
        }
    }
}

/// Interactive input: decodes the terminal's bytes into keys and queues them; the
/// attention key (Ctrl-C) is not queued but raised at once.
fn read_keys(shared: &Shared, mut input: impl Read) {
    let mut decoder = KeyDecoder::default();
    let mut buf = [0u8; 1024];
    let mut decoded = Vec::new();
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        for &b in &buf[..n] {
            decoder.byte(b, &mut decoded);
        }
        shared.change(|q| {
            for d in decoded.drain(..) {
                match d {
                    Decoded::Key(k) => q.items.push_back(Item::Key(k)),
                    Decoded::Attention => q.attention = true,
                }
            }
        });
    }
    shared.change(|q| q.end = true);
}

/// The terminal settings before the session (restored when it ends).
static SAVED_TERMIOS: Mutex<Option<Termios>> = Mutex::new(None);

/// Puts the terminal on standard input back as it was before the session.
fn restore_terminal() {
    let saved = SAVED_TERMIOS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    if let Some(t) = saved {
        let _ = termios::tcsetattr(std::io::stdin(), SetArg::TCSANOW, &t);
    }
}

/// Restores the terminal when the session ends, however it ends.
struct RestoreTerminal;

impl Drop for RestoreTerminal {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Raw mode for the session: no echo, no line discipline, no signals from keys (Ctrl-C
/// comes as a byte and is the attention key), carriage return not translated; output
/// processing stays on. `TCSANOW`, so what was typed ahead stays readable.
fn raw_terminal() -> Result<RestoreTerminal, nix::Error> {
    let stdin = std::io::stdin();
    let saved = termios::tcgetattr(&stdin)?;
    let mut raw = saved.clone();
    raw.local_flags &=
        !(LocalFlags::ICANON | LocalFlags::ECHO | LocalFlags::ISIG | LocalFlags::IEXTEN);
    raw.input_flags &= !(InputFlags::ICRNL | InputFlags::INLCR | InputFlags::IGNCR);
    raw.input_flags &= !InputFlags::IXON;
    raw.control_chars[SpecialCharacterIndices::VMIN as usize] = 1;
    raw.control_chars[SpecialCharacterIndices::VTIME as usize] = 0;
    *SAVED_TERMIOS.lock().unwrap_or_else(|e| e.into_inner()) = Some(saved);
    termios::tcsetattr(&stdin, SetArg::TCSANOW, &raw)?;
    Ok(RestoreTerminal)
}

/// The signals the session handles: SIGTERM, SIGHUP, SIGINT.
fn session_signals() -> SigSet {
    let mut set = SigSet::empty();
    set.add(Signal::SIGTERM);
    set.add(Signal::SIGHUP);
    set.add(Signal::SIGINT);
    set
}

/// Waits for the session's signals (blocked in every thread): SIGINT on an interactive
/// terminal is the attention key; otherwise a signal asks the session to end (log off,
/// flush, close), and a second one ends the process at once.
fn handle_signals(shared: &Shared, set: SigSet, interactive: bool) {
    loop {
        let Ok(sig) = set.wait() else { continue };
        if interactive && sig == Signal::SIGINT {
            shared.change(|q| q.attention = true);
            continue;
        }
        let mut again = false;
        shared.change(|q| {
            again = q.shutdown.is_some();
            q.shutdown.get_or_insert(sig);
        });
        if again {
            eprintln!("vm390: {sig} again: ending at once");
            restore_terminal();
            std::process::exit(128 + sig as i32);
        }
        eprintln!("vm390: {sig}: logging off");
    }
}

/// Standard input and output as the user's terminal (scripted use).
struct StdioTerminal {
    shared: Arc<Shared>,
    output: std::io::Stdout,
}

impl Terminal for StdioTerminal {
    fn read_line(&mut self) -> Option<String> {
        match self.read_input(Status::VmRead) {
            Input::Line(l) => Some(l),
            _ => None,
        }
    }

    fn read_input(&mut self, _status: Status) -> Input {
        let _ = self.output.flush();
        self.shared.change(|q| q.reading = true);
        let got = loop {
            match self.shared.next() {
                Next::Item(Item::Line(l)) => break Input::Line(l),
                Next::Item(Item::Message(m)) => self.write(&format!("{m}\n")),
                Next::Item(Item::Key(_)) | Next::Attention => continue,
                Next::End => break Input::End,
                Next::Wake => break Input::Wake,
            }
        };
        self.shared.change(|q| q.reading = false);
        got
    }

    fn messenger(&self) -> Option<Arc<dyn cp::system::Messenger>> {
        Some(Arc::new(ConsoleMessenger {
            shared: self.shared.clone(),
        }))
    }

    fn write(&mut self, text: &str) {
        let _ = self.output.write_all(host_text(text).as_bytes());
        let _ = self.output.flush();
    }

    fn shutdown(&mut self) -> bool {
        self.shared.lock().shutdown.is_some()
    }
}

/// An interactive terminal: line editing and history, the status as prompt and title,
/// Ctrl-C as the attention key.
struct LineTerminal {
    shared: Arc<Shared>,
    /// Lines entered, oldest first.
    history: Vec<String>,
    /// Lines entered are kept in the history (not in the LOGON dialog).
    keep_history: bool,
    /// The status last shown in the title.
    shown: Option<Status>,
    /// Text of the output line left open (it becomes the front of the prompt).
    open_line: String,
}

/// A line being edited: its characters and the cursor.
struct Edit {
    prompt: String,
    chars: Vec<char>,
    cursor: usize,
    /// Nothing is shown (a password).
    masked: bool,
}

impl Edit {
    fn show(&self, out: &mut impl Write, text: &str) {
        if !self.masked {
            let _ = out.write_all(text.as_bytes());
        }
    }

    /// Draws the line again and puts the cursor in place.
    fn redraw(&self, out: &mut impl Write) {
        if self.masked {
            return;
        }
        let line: String = self.chars.iter().collect();
        let back = self.chars.len() - self.cursor;
        let mut s = format!("\r{}{}\x1b[K", host_text(&self.prompt), line);
        if back > 0 {
            s.push_str(&format!("\x1b[{back}D"));
        }
        let _ = out.write_all(s.as_bytes());
    }
}

impl LineTerminal {
    fn title(&mut self, status: Status) {
        if self.shown != Some(status) {
            self.shown = Some(status);
            // OSC 0: the window title shows the status as the 3270 status area does.
            print!("\x1b]0;VM390  {}\x07", status.text());
            let _ = std::io::stdout().flush();
        }
    }

    /// One read: the status as prompt, then keys (queued or new) until Enter; messages
    /// from other users are shown above the line being edited.
    fn edit(&mut self, status: Status, masked: bool) -> Input {
        self.shared.change(|q| q.reading = true);
        let got = self.edit_line(status, masked);
        self.shared.change(|q| q.reading = false);
        got
    }

    fn edit_line(&mut self, status: Status, masked: bool) -> Input {
        self.title(status);
        let mut e = Edit {
            // The status as VM shows it, after what an open output line already holds.
            prompt: format!(
                "{}{:<8} ",
                std::mem::take(&mut self.open_line),
                status.text()
            ),
            chars: Vec::new(),
            cursor: 0,
            masked,
        };
        let mut out = std::io::stdout();
        let _ = out.write_all(host_text(&e.prompt).as_bytes());
        let _ = out.flush();
        let mut hist = self.history.len();
        let mut current: Vec<char> = Vec::new();
        loop {
            let key = match self.shared.next() {
                Next::Item(Item::Key(k)) => k,
                Next::Item(Item::Message(m)) => {
                    // Above the line being edited, which is drawn again below it.
                    let _ = write!(out, "\r\x1b[K{}\r\n", host_text(&m));
                    if e.masked {
                        let _ = out.write_all(host_text(&e.prompt).as_bytes());
                    } else {
                        e.redraw(&mut out);
                    }
                    let _ = out.flush();
                    continue;
                }
                Next::Wake => {
                    let _ = out.write_all(b"\n");
                    let _ = out.flush();
                    return Input::Wake;
                }
                Next::Item(Item::Line(l)) => {
                    e.chars = l.chars().collect();
                    Key::Enter
                }
                Next::Attention => {
                    let _ = out.write_all(b"\n");
                    let _ = out.flush();
                    return Input::Attention;
                }
                Next::End => {
                    let _ = out.write_all(b"\n");
                    let _ = out.flush();
                    return Input::End;
                }
            };
            match key {
                Key::Enter => {
                    let _ = out.write_all(b"\n");
                    let _ = out.flush();
                    let line: String = e.chars.iter().collect();
                    if !masked && self.keep_history && !line.trim().is_empty() {
                        self.history.push(line.clone());
                    }
                    return Input::Line(line);
                }
                Key::Eof if e.chars.is_empty() => {
                    let _ = out.write_all(b"\n");
                    let _ = out.flush();
                    return Input::End;
                }
                Key::Eof => {}
                Key::Char(c) if c.is_control() => {}
                Key::Char(c) if e.cursor == e.chars.len() => {
                    e.chars.push(c);
                    e.cursor += 1;
                    e.show(&mut out, c.encode_utf8(&mut [0; 4]));
                }
                Key::Char(c) => {
                    e.chars.insert(e.cursor, c);
                    e.cursor += 1;
                    e.redraw(&mut out);
                }
                Key::Backspace if e.cursor == 0 => {}
                Key::Backspace if e.cursor == e.chars.len() => {
                    e.chars.pop();
                    e.cursor -= 1;
                    e.show(&mut out, "\x08 \x08");
                }
                Key::Backspace => {
                    e.cursor -= 1;
                    e.chars.remove(e.cursor);
                    e.redraw(&mut out);
                }
                Key::Delete => {
                    if e.cursor < e.chars.len() {
                        e.chars.remove(e.cursor);
                        e.redraw(&mut out);
                    }
                }
                Key::Left => {
                    if e.cursor > 0 {
                        e.cursor -= 1;
                        e.show(&mut out, "\x1b[D");
                    }
                }
                Key::Right => {
                    if e.cursor < e.chars.len() {
                        e.cursor += 1;
                        e.show(&mut out, "\x1b[C");
                    }
                }
                Key::Home => {
                    e.cursor = 0;
                    e.redraw(&mut out);
                }
                Key::End => {
                    e.cursor = e.chars.len();
                    e.redraw(&mut out);
                }
                Key::KillLine => {
                    e.chars.clear();
                    e.cursor = 0;
                    e.redraw(&mut out);
                }
                Key::KillEnd => {
                    e.chars.truncate(e.cursor);
                    e.redraw(&mut out);
                }
                Key::Up | Key::Down if masked => {}
                Key::Up => {
                    if hist > 0 {
                        if hist == self.history.len() {
                            current = std::mem::take(&mut e.chars);
                        }
                        hist -= 1;
                        e.chars = self.history[hist].chars().collect();
                        e.cursor = e.chars.len();
                        e.redraw(&mut out);
                    }
                }
                Key::Down => {
                    if hist < self.history.len() {
                        hist += 1;
                        e.chars = match self.history.get(hist) {
                            Some(h) => h.chars().collect(),
                            None => std::mem::take(&mut current),
                        };
                        e.cursor = e.chars.len();
                        e.redraw(&mut out);
                    }
                }
            }
            let _ = out.flush();
        }
    }
}

impl Terminal for LineTerminal {
    fn read_line(&mut self) -> Option<String> {
        match self.read_input(Status::VmRead) {
            Input::Line(l) => Some(l),
            _ => None,
        }
    }

    fn read_input(&mut self, status: Status) -> Input {
        self.edit(status, false)
    }

    fn read_password(&mut self, status: Status) -> Input {
        self.edit(status, true)
    }

    fn write(&mut self, text: &str) {
        let text = host_text(text);
        // Keep the open line for the next prompt (a read draws the whole line).
        let (done, open) = match text.rfind('\n') {
            Some(i) => (&text[..=i], &text[i + 1..]),
            None => ("", &text[..]),
        };
        let mut out = std::io::stdout();
        if !done.is_empty() {
            let _ = out.write_all(std::mem::take(&mut self.open_line).as_bytes());
            let _ = out.write_all(done.as_bytes());
        }
        self.open_line.push_str(open);
        let _ = out.flush();
    }

    fn attention(&mut self) -> bool {
        std::mem::take(&mut self.shared.lock().attention)
    }

    fn running(&mut self) {
        self.title(Status::Running);
    }

    fn shows_input(&self) -> bool {
        true
    }

    fn shutdown(&mut self) -> bool {
        self.shared.lock().shutdown.is_some()
    }

    fn messenger(&self) -> Option<Arc<dyn cp::system::Messenger>> {
        Some(Arc::new(ConsoleMessenger {
            shared: self.shared.clone(),
        }))
    }
}

/// Runs the control program with the console as the operator's terminal: the users of
/// `autolog` are started without a terminal, then `logon` (or, without it, whoever logs on
/// at the terminal) runs at the console. DISCONNECT and LOGOFF give the console back to
/// the LOGON dialog while other users are logged on; the program ends when the last user
/// logs off, at the end of the console's input (a SHUTDOWN), at SHUTDOWN, and at SIGTERM
/// or SIGHUP (every user logged off, every disk flushed).
///
/// With `listen` (`--listen`), network terminals are served too ([`cp::net`]); the program
/// still ends with the console's session as above.
pub fn run(
    directory: &Path,
    logon: Option<&str>,
    autolog: &[String],
    print_to: Option<&Path>,
    listen: Option<(std::net::SocketAddr, usize)>,
) -> ExitCode {
    let dir = match parse_directory(directory) {
        Ok(d) => d,
        Err(errs) => {
            for e in errs {
                eprintln!("vm390: {e}");
            }
            return ExitCode::from(2);
        }
    };
    if let Some(u) = logon {
        if dir.user(u).filter(|u| !u.is_nolog()).is_none() {
            eprintln!("vm390: {} not in CP directory", u.to_ascii_uppercase());
            return ExitCode::from(2);
        }
    }
    // The session's signals go to its signal thread only: blocked here, before any
    // thread starts, so that every thread inherits the mask.
    let signals = session_signals();
    if let Err(e) = signals.thread_block() {
        eprintln!("vm390: signals: {e}");
    }
    let system = match System::new(dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("vm390: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(d) = print_to {
        if !d.is_dir() {
            eprintln!("vm390: --print-to {}: not a directory", d.display());
            return ExitCode::from(2);
        }
        system.set_printer_dir(Some(d.to_path_buf()));
    }
    if let Some((addr, max)) = listen {
        if let Err(e) = cp::net::listen(system.clone(), addr, max) {
            eprintln!("vm390: --listen {addr}: {e}");
            return ExitCode::from(2);
        }
    }
    let shared = Arc::new(Shared::default());
    let mut interactive = std::io::stdin().is_terminal();
    let mut _restore = None;
    if interactive {
        match raw_terminal() {
            Ok(r) => _restore = Some(r),
            Err(e) => {
                eprintln!("vm390: no line editing: {e}");
                interactive = false;
            }
        }
    }
    {
        let shared = shared.clone();
        std::thread::spawn(move || handle_signals(&shared, signals, interactive));
    }
    {
        let shared = shared.clone();
        std::thread::spawn(move || {
            let stdin = std::io::stdin().lock();
            if interactive {
                read_keys(&shared, stdin);
            } else {
                read_lines(&shared, stdin);
            }
        });
    }
    let terminal = |keep_history: bool| -> Box<dyn Terminal> {
        if interactive {
            Box::new(LineTerminal {
                shared: shared.clone(),
                history: Vec::new(),
                keep_history,
                shown: None,
                open_line: String::new(),
            })
        } else {
            Box::new(StdioTerminal {
                shared: shared.clone(),
                output: std::io::stdout(),
            })
        }
    };
    for u in autolog {
        match system.autolog(u) {
            Ok(()) => println!(
                "AUTO LOGON  ***  {} USERS = {:03}",
                u.to_ascii_uppercase(),
                system.user_count()
            ),
            Err(e) => eprintln!("vm390: AUTOLOG {u}: {}", e.message(&u.to_ascii_uppercase())),
        }
    }
    let mut term = terminal(false);
    let mut first = logon.map(str::to_string);
    let mut code = ExitCode::SUCCESS;
    loop {
        let from_command_line = first.is_some();
        let userid = match first.take() {
            Some(u) => u,
            None => match logon_dialog(term.as_mut(), &system.directory) {
                Some(u) => u,
                None => break,
            },
        };
        if interactive {
            // The LOGON dialog's lines (a password among them) stay out of the history.
            term = terminal(true);
        }
        match system.connect(&userid, term) {
            Ok(back) => {
                system.set_console_user(&userid.to_ascii_uppercase());
                match back.recv() {
                    Ok(t) => term = t,
                    Err(_) => break,
                }
            }
            Err((e, mut t)) => {
                if from_command_line {
                    eprintln!("vm390: {}", e.message(&userid.to_ascii_uppercase()));
                    code = ExitCode::from(2);
                    break;
                }
                t.write(&format!("{}\n", e.message(&userid.to_ascii_uppercase())));
                term = t;
                continue;
            }
        }
        // The console is back (DISCONNECT or LOGOFF): the LOGON dialog again while
        // anyone is logged on; otherwise the control program ends, as it always has.
        if system.user_count() == 0 || shared.lock().shutdown.is_some() || system.shutting_down() {
            break;
        }
    }
    system.shutdown();
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(bytes: &[u8]) -> Vec<Decoded> {
        let mut d = KeyDecoder::default();
        let mut out = Vec::new();
        for &b in bytes {
            d.byte(b, &mut out);
        }
        out
    }

    #[test]
    fn host_text_drops_control_characters() {
        assert_eq!(host_text("A\x1b]0;X\x07B\n\tC\u{9b}D\r"), "A]0;XB\n\tCD");
        assert!(matches!(host_text("plain\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn bytes_not_utf8_are_latin1() {
        assert_eq!(bytes_to_text(b"caf\xe9 \xc3\xa9"), "café é");
    }

    #[test]
    fn keys_of_a_paste_and_of_escape_sequences() {
        use Decoded::Key as K;
        assert_eq!(
            keys(b"a\r\nb\rc\x03\x1b[A\x1b[3~\x1bOH\x1bx\xc3\xa9\xff"),
            vec![
                K(Key::Char('a')),
                K(Key::Enter),
                K(Key::Char('b')),
                K(Key::Enter),
                K(Key::Char('c')),
                Decoded::Attention,
                K(Key::Up),
                K(Key::Delete),
                K(Key::Home),
                K(Key::Char('x')),
                K(Key::Char('é')),
                K(Key::Char('ÿ')),
            ]
        );
    }
}
