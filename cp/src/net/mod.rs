//! Network terminals: `vm390 --listen [ADDR:]PORT` takes telnet and TN3270 connections, each
//! a terminal of the multi-user CP.
//!
//! The listener thread ([`listen`]) accepts connections, at most `max` at once (a client
//! beyond that gets a line saying so and is closed), and gives each a session thread of
//! its own: the telnet negotiation decides the kind of terminal (a client that takes
//! TN3270E, RFC 2355, and asks for the device type `IBM-3278-n` or `IBM-3279-n`, `-E` or
//! not, is a 3270 display of that model whose records carry the TN3270E header
//! ([`tn3270e`]); one that refuses TN3270E and offers such a TERMINAL-TYPE is one by RFC
//! 1576, with EOR and BINARY; any other is a line-mode 3215 typewriter), then
//! the logo and the LOGON dialog ([`crate::system::logon_dialog`]), then
//! [`System::connect`]. DISCONNECT gives the terminal back to the session, which shows
//! the LOGON dialog again; a dropped connection DISCONNECTs the user (the virtual machine
//! keeps running, as in VM) and a LOGON from another connection reconnects it. A session
//! that has not logged on within the idle time-out (300 s; `VM390_LOGON_TIMEOUT` seconds)
//! is closed.
//!
//! Line mode ([`telnet`]): output as lines (CR LF), each input line to the next read
//! (at most 130 characters, the 3215's line), IP, BREAK and AO are the attention key,
//! the password read with the client's echo turned off (WILL ECHO). 3270 mode
//! ([`tn3270`]): the VM/370 console screen, ENTER sends the input area, PA1 is the
//! attention key, CLEAR clears the output area, a full output area shows `MORE...` and
//! is held until CLEAR or PA2, or for [`MORE_HOLD`] (60 s; `VM390_MORE_HOLD` seconds); ENTER
//! there holds it (`HOLDING`) until CLEAR or PA2; a second line typed while output is held
//! is `NOT ACCEPTED`. PF keys do what `SET PFnn` says.
//!
//! Anything malformed a client sends (bad telnet sequences, an oversized 3270 record)
//! ends that connection only.

pub mod inbound;
pub mod telnet;
pub mod tn3270;
pub mod tn3270e;

use std::collections::{HashSet, VecDeque};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::system::{logon_dialog, Messenger, System};
use crate::vm::{FullScreenInput, Input, Status, Terminal};
use inbound::{Inbound, Mode, Received};
use telnet::{Event, Parser, DO, DONT, IAC, SB, SE, WILL, WONT};
use tn3270::{Aid, Screen};

/// How long a `MORE...` screen is held before the output goes on: VM/370's default, "When
/// you log on VM/370, MORE is set to 050 010" (*VM/370 R6* `TERMINAL HELPCMD`, MORE nnn
/// mmm: nnn seconds to the warning beep, then mmm more until the screen clears), 60 s.
pub const MORE_HOLD: Duration = Duration::from_secs(50 + 10);

/// How long a `MORE...` screen is held: [`MORE_HOLD`], or `VM390_MORE_HOLD` seconds.
fn more_hold() -> Duration {
    std::env::var("VM390_MORE_HOLD")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .map_or(MORE_HOLD, Duration::from_secs)
}

/// The default idle time-out before LOGON.
pub const LOGON_TIMEOUT: Duration = Duration::from_secs(300);

/// How long a write to a client may wait for the client to take it.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// The most input lines or 3270 records queued and not yet read: beyond, the connection
/// is not read until the virtual machine takes some (the client waits).
const QUEUE_LIMIT: usize = 256;

/// How long the session waits for the client's answers to the telnet negotiation.
const NEGOTIATION_WAIT: Duration = Duration::from_secs(3);

/// The address of `--listen [ADDR:]PORT`: a port alone is on 127.0.0.1.
pub fn listen_address(spec: &str) -> Result<SocketAddr, String> {
    if let Ok(port) = spec.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    spec.parse::<SocketAddr>()
        .map_err(|_| format!("--listen {spec}: not [ADDR:]PORT"))
}

/// Binds `addr` and serves terminals on a thread of its own; the address bound (the port
/// chosen when `addr` has port 0). A line on standard error names it
/// (`vm390: listening on ADDR:PORT`), and warns when the address is not loopback.
pub fn listen(system: Arc<System>, addr: SocketAddr, max: usize) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr)?;
    let bound = listener.local_addr()?;
    if !bound.ip().is_loopback() {
        eprintln!("vm390: listening on {bound}, which is not loopback: other hosts can connect");
    }
    eprintln!("vm390: listening on {bound}");
    let idle = std::env::var("VM390_LOGON_TIMEOUT")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(LOGON_TIMEOUT);
    std::thread::Builder::new()
        .name("listener".into())
        .spawn(move || accept(listener, system, max, idle))?;
    Ok(bound)
}

/// The listener's loop.
fn accept(listener: TcpListener, system: Arc<System>, max: usize, idle: Duration) {
    let active = Arc::new(AtomicUsize::new(0));
    let mut number: usize = 0;
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else {
            // Out of descriptors or the like: try again in a moment, not in a loop.
            std::thread::sleep(Duration::from_millis(100));
            continue;
        };
        if system.shutting_down() {
            break;
        }
        if active.load(Ordering::Acquire) >= max {
            let _ = stream.write_all(
                format!("VM390: ALL {max} TERMINALS ARE IN USE; TRY AGAIN LATER\r\n").as_bytes(),
            );
            let _ = stream.shutdown(Shutdown::Both);
            continue;
        }
        active.fetch_add(1, Ordering::AcqRel);
        number = (number + 1) % 0x1000;
        let name = format!("L{number:03X}");
        let system = system.clone();
        let count = Count(active.clone());
        let spawned = std::thread::Builder::new()
            .name(format!("net-{name}"))
            .spawn(move || {
                let _count = count;
                session(system, stream, name, idle);
            });
        if spawned.is_err() {
            // The count went with the closure, which is dropped.
            continue;
        }
    }
}

/// One active connection (counted until the session ends).
struct Count(Arc<AtomicUsize>);

impl Drop for Count {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The logo a connection sees first.
const LOGO: &str = concat!(
    " VV     VV  MM      MM   333333    99999    00000\n",
    "  VV   VV   MMMM  MMMM  33    33  99   99  00   00\n",
    "   VV VV    MM  MM  MM      333    999999  00   00\n",
    "    VVV     MM      MM  33    33       99  00   00\n",
    "     V      MM      MM   333333    99999    00000\n",
);

/// One connection: the negotiation, then the LOGON dialog and the user's session, again
/// after each DISCONNECT, until the client goes or the system ends.
fn session(system: Arc<System>, stream: TcpStream, name: String, idle: Duration) {
    let (Ok(writer), Ok(control)) = (stream.try_clone(), stream.try_clone()) else {
        return;
    };
    // A client that stops reading ends its connection, not its user's machine.
    let _ = writer.set_write_timeout(Some(WRITE_TIMEOUT));
    let mut reader = stream;
    let Ok((model, mode, parser, early)) = negotiate(&mut reader, &writer, &name) else {
        let _ = writer.shutdown(Shutdown::Both);
        return;
    };
    let conn = Arc::new(Conn {
        out: Mutex::new(writer),
        control,
        queue: Mutex::new(Queue::default()),
        ready: Condvar::new(),
        display: Mutex::new(model.map(|(r, c)| Display::new(r, c))),
        mode,
        name,
    });
    {
        let c = conn.clone();
        let spawned = std::thread::Builder::new()
            .name("net-reader".into())
            .spawn(move || read_connection(&c, reader, parser, early, mode));
        if spawned.is_err() {
            conn.close();
            return;
        }
    }
    let mut term = NetTerminal {
        conn: conn.clone(),
        idle: None,
        pf: Default::default(),
    };
    term.write(LOGO);
    loop {
        term.idle = Some(idle);
        let Some(userid) = logon_dialog(&mut term, &system.directory) else {
            break;
        };
        term.idle = None;
        match system.connect(&userid, Box::new(term.clone())) {
            Ok(back) => {
                // The terminal comes back at DISCONNECT or LOGOFF (also when the
                // connection dropped: the user is then disconnected).
                if back.recv().is_err() || conn.lock().end {
                    break;
                }
            }
            Err((e, _)) => term.write(&format!("{}\n", e.message(&userid))),
        }
        if system.shutting_down() {
            break;
        }
    }
    conn.close();
}

/// The telnet negotiation: DO TN3270E (RFC 2355: DEVICE-TYPE and FUNCTIONS, none taken
/// on); a client that refuses it gets DO TERMINAL-TYPE, and for a 3270 type EOR and
/// BINARY both ways (RFC 1576). The 3270 model's rows and columns (None: line mode), the
/// mode, the parser, and the events that came meanwhile and are not answers. A TN3270E
/// negotiation begun and not finished in time ends the connection.
#[allow(clippy::type_complexity)]
fn negotiate(
    reader: &mut TcpStream,
    mut writer: &TcpStream,
    name: &str,
) -> std::io::Result<(Option<(usize, usize)>, Mode, Parser, Vec<Event>)> {
    use telnet::{OPT_BINARY, OPT_EOR, OPT_TTYPE, TTYPE_IS, TTYPE_SEND};
    use tn3270e::{Step, OPT_TN3270E};
    let sub = |bytes: &[u8]| {
        let mut v = vec![IAC, SB, OPT_TN3270E];
        v.extend(telnet::escape(bytes));
        v.extend([IAC, SE]);
        v
    };
    writer.write_all(&[IAC, DO, OPT_TN3270E])?;
    let mut parser = Parser::default();
    let mut early = Vec::new();
    let deadline = Instant::now() + NEGOTIATION_WAIT;
    let mut model = None;
    let mut mode = Mode::Line;
    // TN3270E: None before the client's answer, Some(false) refused, Some(true) begun.
    let mut extended: Option<bool> = None;
    let mut asked_type = false;
    let mut done = false;
    let mut buf = [0u8; 512];
    while !done {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        reader.set_read_timeout(Some(deadline - now))?;
        let n = match reader.read(&mut buf) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                break
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let mut events = Vec::new();
        parser
            .feed(&buf[..n], &mut events)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        for e in events {
            match e {
                Event::Negotiate(WILL, OPT_TN3270E) if extended.is_none() => {
                    extended = Some(true);
                    writer.write_all(&sub(&[tn3270e::SEND, tn3270e::DEVICE_TYPE]))?;
                }
                Event::Negotiate(WONT, OPT_TN3270E) if extended.is_none() => {
                    extended = Some(false);
                    writer.write_all(&[IAC, DO, OPT_TTYPE])?;
                }
                Event::Sub(OPT_TN3270E, data) if extended == Some(true) => {
                    match tn3270e::answer(&data, |t| tn3270::model_size(t).is_some(), name) {
                        Step::Say(bytes, ttype) => {
                            if let Some(t) = ttype {
                                model = tn3270::model_size(&t);
                            }
                            writer.write_all(&sub(&bytes))?;
                        }
                        Step::Done(bytes) if model.is_some() => {
                            if !bytes.is_empty() {
                                writer.write_all(&sub(&bytes))?;
                            }
                            mode = Mode::Tn3270e;
                            done = true;
                        }
                        Step::Done(_) | Step::Nothing => {}
                    }
                }
                // A client that gives TN3270E up during its negotiation (a device type
                // rejected) falls back to TERMINAL-TYPE (RFC 2355, 7.3).
                Event::Negotiate(WONT, OPT_TN3270E) if extended == Some(true) => {
                    extended = Some(false);
                    model = None;
                    writer.write_all(&[IAC, DO, OPT_TTYPE])?;
                }
                Event::Negotiate(WILL, OPT_TTYPE) if !asked_type && extended == Some(false) => {
                    asked_type = true;
                    writer.write_all(&[IAC, SB, OPT_TTYPE, TTYPE_SEND, IAC, SE])?;
                }
                Event::Negotiate(WONT, OPT_TTYPE) => done = true,
                Event::Sub(OPT_TTYPE, data) if data.first() == Some(&TTYPE_IS) => {
                    let ttype = String::from_utf8_lossy(&data[1..]).to_string();
                    model = tn3270::model_size(&ttype);
                    if model.is_some() {
                        mode = Mode::Tn3270;
                        writer.write_all(&[
                            IAC, DO, OPT_EOR, IAC, WILL, OPT_EOR, IAC, DO, OPT_BINARY, IAC, WILL,
                            OPT_BINARY,
                        ])?;
                    }
                    done = true;
                }
                Event::Negotiate(WILL, o) if o != OPT_TTYPE && o != OPT_TN3270E => {
                    writer.write_all(&[IAC, DONT, o])?;
                }
                Event::Negotiate(DO, o) => writer.write_all(&[IAC, WONT, o])?,
                Event::Negotiate(..) | Event::Sub(..) => {}
                other => early.push(other),
            }
        }
    }
    if extended == Some(true) && mode != Mode::Tn3270e {
        return Err(std::io::ErrorKind::TimedOut.into());
    }
    reader.set_read_timeout(None)?;
    Ok((model, mode, parser, early))
}

/// What the reader thread queued for the terminal.
enum Item {
    /// A line (line mode).
    Line(String),
    /// A 3270 key other than PA1.
    Key(Aid),
    /// An inbound 3270 record as it came (full-screen mode, a query reply).
    Record(Vec<u8>),
    /// A message from another user, shown while the terminal waits for input.
    Message(String),
}

/// The connection's input queue.
#[derive(Default)]
struct Queue {
    items: VecDeque<Item>,
    /// The attention key was pressed (and not yet taken).
    attention: bool,
    /// The connection ended.
    end: bool,
    /// A read waits for input.
    reading: bool,
    /// The system woke the read.
    woken: bool,
    /// DIAG X'58' full-screen mode: the guest has the screen, records go to it as they come.
    fullscreen: bool,
    /// In full-screen mode PA1 is a key the guest reads (CTL X'10'), not the attention.
    pa1_to_guest: bool,
}

/// A connection: its output side, its input queue (filled by the reader thread), and for
/// a 3270 its screen.
struct Conn {
    out: Mutex<TcpStream>,
    /// The socket again, to shut it down while a write may hold `out`.
    control: TcpStream,
    queue: Mutex<Queue>,
    ready: Condvar,
    display: Mutex<Option<Display>>,
    /// Line mode, TN3270, or TN3270E (whose records carry the 5-byte header).
    mode: Mode,
    name: String,
}

/// What a wait on the queue gave.
enum Next {
    Item(Item),
    Attention,
    End,
    Wake,
    TimedOut,
}

impl Conn {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn change(&self, f: impl FnOnce(&mut Queue)) {
        f(&mut self.lock());
        self.ready.notify_all();
    }

    /// Sends `bytes` as they are (IACs already doubled); a failure ends the connection.
    fn send(&self, bytes: &[u8]) {
        let failed = self
            .out
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .write_all(bytes)
            .is_err();
        if failed {
            self.close();
        }
    }

    /// Sends one 3270 record: with the TN3270E header in that mode, IACs doubled, ended
    /// by IAC EOR.
    fn send_record(&self, record: &[u8]) {
        let mut bytes = Vec::with_capacity(record.len() + 16);
        if self.mode == Mode::Tn3270e {
            bytes.extend(tn3270e::DATA_HEADER);
        }
        bytes.extend(telnet::escape(record));
        bytes.extend([IAC, telnet::EOR]);
        self.send(&bytes);
    }

    /// Ends the connection (the reader thread then ends too).
    fn close(&self) {
        let _ = self.control.shutdown(Shutdown::Both);
        self.change(|q| q.end = true);
    }

    /// Waits while [`QUEUE_LIMIT`] items wait to be read (and the connection lasts).
    fn wait_room(&self) {
        let mut q = self.lock();
        while q.items.len() >= QUEUE_LIMIT && !q.end {
            q = self.ready.wait(q).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// The next input until `deadline`: the end, a wake, an attention (when `attention`),
    /// then the items in order.
    fn next(&self, deadline: Option<Instant>, attention: bool) -> Next {
        let mut q = self.lock();
        loop {
            if q.end {
                return Next::End;
            }
            if std::mem::take(&mut q.woken) {
                return Next::Wake;
            }
            if attention && std::mem::take(&mut q.attention) {
                return Next::Attention;
            }
            if !attention && q.attention {
                return Next::Attention;
            }
            if let Some(i) = q.items.pop_front() {
                // Room in the queue for the reader thread.
                self.ready.notify_all();
                return Next::Item(i);
            }
            q = match deadline {
                None => self.ready.wait(q).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return Next::TimedOut;
                    }
                    self.ready
                        .wait_timeout(q, d - now)
                        .map(|(g, _)| g)
                        .unwrap_or_else(|e| e.into_inner().0)
                }
            };
        }
    }
}

/// The reader thread: what the client sends into the queue ([`Inbound`]: lines, or 3270
/// records in a 3270 `mode`), until the client goes or sends something malformed.
fn read_connection(
    conn: &Conn,
    mut reader: TcpStream,
    parser: Parser,
    early: Vec<Event>,
    mode: Mode,
) {
    let display = mode != Mode::Line;
    let mut input = Inbound::new(parser, mode);
    let mut answered: HashSet<(u8, u8)> = HashSet::new();
    let mut buf = [0u8; 4096];
    let mut got = Vec::new();
    let mut ok = input.take(early, &mut got).is_ok();
    loop {
        for r in got.drain(..) {
            match r {
                Received::Line(l) => conn.change(|q| q.items.push_back(Item::Line(l))),
                Received::Record(record) => {
                    let (fullscreen, pa1_to_guest) = {
                        let q = conn.lock();
                        (q.fullscreen, q.pa1_to_guest)
                    };
                    // Full screen: every record is the guest's (PA1 too when it asked);
                    // a query reply (AID X'88') answers the guest's WRITE STRUCTURED FIELD.
                    let pa1 = record.first() == Some(&tn3270::AID_PA1);
                    let raw = record.first() == Some(&tn3270::AID_STRUCTURED_FIELD)
                        || (fullscreen && (!pa1 || pa1_to_guest));
                    if raw {
                        conn.change(|q| q.items.push_back(Item::Record(record)));
                        continue;
                    }
                    match tn3270::decode(&record) {
                        Aid::Pa(1) => conn.change(|q| q.attention = true),
                        Aid::Other => {}
                        aid => conn.change(|q| q.items.push_back(Item::Key(aid))),
                    }
                }
                Received::Command(telnet::IP | telnet::BRK | telnet::AO) => {
                    conn.change(|q| q.attention = true)
                }
                // Are you there: a line-mode answer (a 3270 stream has no room for one).
                Received::Command(telnet::AYT) if !display => conn.send(b"\r\n[YES]\r\n"),
                Received::Command(_) | Received::Sub(..) => {}
                Received::Negotiate(verb, opt) => {
                    // Options this side asked for are answers; others are refused, once.
                    use telnet::{OPT_BINARY, OPT_ECHO, OPT_EOR, OPT_SGA, OPT_TTYPE};
                    use tn3270e::OPT_TN3270E;
                    let ours = [
                        OPT_BINARY,
                        OPT_ECHO,
                        OPT_EOR,
                        OPT_SGA,
                        OPT_TTYPE,
                        OPT_TN3270E,
                    ];
                    if !ours.contains(&opt) && answered.insert((verb, opt)) {
                        match verb {
                            WILL => conn.send(&[IAC, DONT, opt]),
                            DO => conn.send(&[IAC, WONT, opt]),
                            _ => {}
                        }
                    }
                }
            }
        }
        if !ok {
            break;
        }
        conn.wait_room();
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        ok = input.feed(&buf[..n], &mut got).is_ok();
    }
    conn.close();
}

/// How many input lines RETRIEVE keeps (R6's HELP names no number [INF]).
const RETRIEVE_LINES: usize = 16;

/// The output side of a 3270: the screen, lines not yet shown, the line left open, the
/// status shown.
struct Display {
    screen: Screen,
    pending: VecDeque<String>,
    open: String,
    status: &'static str,
    /// Lines typed on a `MORE...` screen, for the next reads.
    typed: VecDeque<String>,
    /// Input lines saved for RETRIEVE (oldest first), and the one shown last.
    history: VecDeque<String>,
    recall: Option<usize>,
    /// What the client shows: the status and whether the input area is masked (None:
    /// the screen changed since).
    shown: Option<(&'static str, bool)>,
}

impl Display {
    fn new(rows: usize, cols: usize) -> Display {
        Display {
            screen: Screen::new(rows, cols),
            pending: VecDeque::new(),
            open: String::new(),
            status: "CP READ",
            typed: VecDeque::new(),
            history: VecDeque::new(),
            recall: None,
            shown: None,
        }
    }

    /// Takes output text: complete lines go to the pending lines.
    fn add(&mut self, text: &str) {
        self.shown = None;
        let all = std::mem::take(&mut self.open) + text;
        let mut parts: Vec<&str> = all.split('\n').collect();
        let open = parts.pop().unwrap_or("");
        for p in parts {
            for l in self.screen.split(p) {
                self.pending.push_back(l);
            }
        }
        self.open = open.to_string();
    }
}

/// A network terminal: a handle on its connection (the session keeps another).
#[derive(Clone)]
struct NetTerminal {
    conn: Arc<Conn>,
    /// The idle time-out of a read (before LOGON).
    idle: Option<Duration>,
    /// The program function keys (`SET PFnn`): number to `IMMED text` or `DELAYED text`.
    pf: std::collections::BTreeMap<u8, String>,
}

/// Text as a line-mode client gets it: control characters dropped (no escape sequence
/// from a guest reaches the client's terminal), `\n` as CR LF, IAC doubled.
fn line_bytes(text: &str) -> Vec<u8> {
    let mut s = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => s.push_str("\r\n"),
            '\t' => s.push(c),
            c if c.is_control() => {}
            c => s.push(c),
        }
    }
    telnet::escape(s.as_bytes())
}

impl NetTerminal {
    fn display(&self) -> MutexGuard<'_, Option<Display>> {
        self.conn.display.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends the 3270 screen with `status`.
    fn draw(&self, d: &mut Display, status: &'static str, masked: bool) {
        d.shown = Some((status, masked));
        self.conn.send_record(&d.screen.render(status, masked));
    }

    /// Shows the pending lines, holding each full screen at `MORE...` until CLEAR or PA2
    /// (or the attention key, the end of the connection, [`MORE_HOLD`]). ENTER with an
    /// empty input area holds the screen (`HOLDING`, with no time limit) until CLEAR or
    /// PA2; ENTER with text keeps the line for the next read, one line at most: more is
    /// `NOT ACCEPTED` (*VM/370 Terminal User's Guide*, the 3270 screen status area).
    fn page(&self, d: &mut Display) {
        while let Some(line) = d.pending.pop_front() {
            if d.screen.full() {
                self.hold(d);
                d.screen.lines.clear();
            }
            d.screen.lines.push(line);
        }
    }

    /// Holds a full screen: `MORE...` (or `HOLDING`) until the user or the time lets go.
    fn hold(&self, d: &mut Display) {
        let mut status = "MORE...";
        self.draw(d, status, false);
        let deadline = Instant::now() + more_hold();
        let mut woken = false;
        loop {
            let limit = (status == "MORE...").then_some(deadline);
            match self.conn.next(limit, false) {
                Next::Item(Item::Key(Aid::Enter(t) | Aid::Pf(_, t))) => {
                    let next = if t.is_empty() {
                        "HOLDING"
                    } else if d.typed.is_empty() {
                        d.typed.push_back(t);
                        if status == "NOT ACCEPTED" {
                            "HOLDING"
                        } else {
                            status
                        }
                    } else {
                        "NOT ACCEPTED"
                    };
                    status = next;
                    self.draw(d, status, false);
                }
                Next::Item(Item::Key(Aid::Clear | Aid::Pa(_))) => break,
                Next::Item(Item::Message(m)) => d.add(&format!("{m}\n")),
                Next::Item(_) => {}
                Next::Wake => {
                    woken = true;
                    if status == "MORE..." {
                        break;
                    }
                }
                Next::Attention | Next::End | Next::TimedOut => break,
            }
        }
        if woken {
            // Keep the wake for the read that follows.
            self.conn.change(|q| q.woken = true);
        }
    }

    /// One read of a 3270 in `status`.
    fn read_display(&mut self, status: Status, masked: bool) -> Input {
        let deadline = self.idle.map(|t| Instant::now() + t);
        let mut guard = self.display();
        let Some(d) = guard.as_mut() else {
            return Input::End;
        };
        self.leave_fullscreen(d);
        if !d.open.is_empty() {
            d.add("\n");
        }
        self.page(d);
        if let Some(t) = d.typed.pop_front() {
            d.add(&format!("{t}\n"));
            self.page(d);
            return Input::Line(t);
        }
        d.status = status.text();
        // Not again if the client shows it already (what it typed stays).
        if d.shown != Some((d.status, masked)) {
            self.draw(d, d.status, masked);
        }
        self.conn.change(|q| q.reading = true);
        let got = loop {
            match self.conn.next(deadline, true) {
                // A PF key (*VM/370 R6* `CPSET HELPCMD`, SET PFnn): IMMED enters the
                // key's text at once, as if typed; DELAYED puts it in the input area to
                // be edited and entered. An undefined key is taken as ENTER.
                // RETRIEVE: the saved input lines into the input area, newest first, from
                // the oldest back to the newest (`CPSET HELPCMD`, SET PFnn RETRIEVE).
                Next::Item(Item::Key(Aid::Pf(n, _)))
                    if !masked && self.pf.get(&n).is_some_and(|d| d == "RETRIEVE") =>
                {
                    if !d.history.is_empty() {
                        let newest = d.history.len() - 1;
                        let at = match d.recall {
                            Some(i) if i > 0 => i - 1,
                            _ => newest,
                        };
                        d.recall = Some(at);
                        d.screen.input = d.history[at].clone();
                    }
                    self.draw(d, d.status, masked);
                }
                Next::Item(Item::Key(Aid::Pf(n, _))) if !masked && self.pf.contains_key(&n) => {
                    let (mode, text) = self.pf[&n].split_once(' ').unwrap_or(("", ""));
                    if mode == "IMMED" {
                        d.screen.input.clear();
                        d.shown = None;
                        d.add(&format!("{text}\n"));
                        self.page(d);
                        break Input::Line(text.chars().take(telnet::LINE_LIMIT).collect());
                    }
                    d.screen.input = text.to_string();
                    self.draw(d, d.status, masked);
                }
                Next::Item(Item::Key(Aid::Enter(t) | Aid::Pf(_, t))) => {
                    if !d.screen.input.is_empty() {
                        d.screen.input.clear();
                        d.shown = None;
                    }
                    d.recall = None;
                    if !masked {
                        // Saved for RETRIEVE once a key is defined for it.
                        if !t.is_empty() && self.pf.values().any(|d| d == "RETRIEVE") {
                            if d.history.len() == RETRIEVE_LINES {
                                d.history.pop_front();
                            }
                            d.history.push_back(t.clone());
                        }
                        d.add(&format!("{t}\n"));
                        self.page(d);
                    }
                    break Input::Line(t.chars().take(telnet::LINE_LIMIT).collect());
                }
                Next::Item(Item::Key(Aid::Clear)) => {
                    d.screen.lines.clear();
                    self.draw(d, d.status, masked);
                }
                Next::Item(Item::Message(m)) => {
                    d.add(&format!("{m}\n"));
                    self.page(d);
                    self.draw(d, d.status, masked);
                }
                Next::Item(_) => self.draw(d, d.status, masked),
                Next::Attention => break Input::Attention,
                Next::End => break Input::End,
                Next::Wake => break Input::Wake,
                Next::TimedOut => {
                    d.add("IDLE TIME-OUT: CONNECTION CLOSED\n");
                    self.page(d);
                    self.draw(d, d.status, masked);
                    self.conn.close();
                    break Input::End;
                }
            }
        };
        self.conn.change(|q| q.reading = false);
        got
    }

    /// One read of a line-mode terminal.
    fn read_line_mode(&mut self) -> Input {
        let deadline = self.idle.map(|t| Instant::now() + t);
        self.conn.change(|q| q.reading = true);
        let got = loop {
            match self.conn.next(deadline, true) {
                Next::Item(Item::Line(l)) => break Input::Line(l),
                Next::Item(Item::Message(m)) => self.conn.send(&line_bytes(&format!("{m}\n"))),
                Next::Item(Item::Key(_) | Item::Record(_)) => {}
                Next::Attention => break Input::Attention,
                Next::End => break Input::End,
                Next::Wake => break Input::Wake,
                Next::TimedOut => {
                    self.conn
                        .send(&line_bytes("IDLE TIME-OUT: CONNECTION CLOSED\n"));
                    self.conn.close();
                    break Input::End;
                }
            }
        };
        self.conn.change(|q| q.reading = false);
        got
    }

    fn is_display(&self) -> bool {
        self.display().is_some()
    }

    /// Ends full-screen mode (CP-mode I/O to the screen); whether it was on. The console
    /// screen is drawn again by the caller.
    fn leave_fullscreen(&self, d: &mut Display) -> bool {
        let mut q = self.conn.lock();
        let was = std::mem::take(&mut q.fullscreen);
        q.pa1_to_guest = false;
        drop(q);
        if was {
            d.shown = None;
        }
        was
    }
}

/// How long a read command sent to a 3270 waits for the answer.
const READ_ANSWER_WAIT: Duration = Duration::from_secs(5);

impl Terminal for NetTerminal {
    fn read_line(&mut self) -> Option<String> {
        match self.read_input(Status::VmRead) {
            Input::Line(l) => Some(l),
            _ => None,
        }
    }

    fn read_input(&mut self, status: Status) -> Input {
        if self.is_display() {
            self.read_display(status, false)
        } else {
            self.read_line_mode()
        }
    }

    fn read_password(&mut self, status: Status) -> Input {
        if self.is_display() {
            return self.read_display(status, true);
        }
        // The client stops echoing while this side "echoes" (nothing).
        self.conn.send(&[IAC, WILL, telnet::OPT_ECHO]);
        let got = self.read_line_mode();
        self.conn.send(&[IAC, WONT, telnet::OPT_ECHO]);
        self.conn.send(b"\r\n");
        got
    }

    fn write(&mut self, text: &str) {
        let mut guard = self.display();
        match guard.as_mut() {
            Some(d) => {
                let left = self.leave_fullscreen(d);
                d.add(text);
                if d.pending.is_empty() {
                    if left {
                        self.draw(d, d.status, false);
                    }
                    return;
                }
                self.page(d);
                self.draw(d, d.status, false);
            }
            None => {
                drop(guard);
                self.conn.send(&line_bytes(text));
            }
        }
    }

    fn attention(&mut self) -> bool {
        std::mem::take(&mut self.conn.lock().attention)
    }

    fn running(&mut self) {
        let mut guard = self.display();
        if self.conn.lock().fullscreen {
            // The guest's screen stays as it is.
            return;
        }
        if let Some(d) = guard.as_mut() {
            if d.status != Status::Running.text() {
                d.status = Status::Running.text();
                self.draw(d, d.status, false);
            }
        }
    }

    fn shows_input(&self) -> bool {
        true
    }

    fn hung_up(&self) -> bool {
        self.conn.lock().end
    }

    fn messenger(&self) -> Option<Arc<dyn Messenger>> {
        Some(Arc::new(NetMessenger {
            conn: self.conn.clone(),
        }))
    }

    fn name(&self) -> String {
        self.conn.name.clone()
    }
    fn screen_size(&self) -> Option<(u16, u16)> {
        let guard = self.display();
        let d = guard.as_ref()?;
        Some((
            u16::try_from(d.screen.rows).ok()?,
            u16::try_from(d.screen.cols).ok()?,
        ))
    }

    fn set_pf_keys(&mut self, keys: &std::collections::BTreeMap<u8, String>) {
        if self.pf != *keys {
            self.pf = keys.clone();
        }
    }

    fn display_at(&mut self, erase: bool, line: usize, rows: &[String]) -> bool {
        let mut guard = self.display();
        let Some(d) = guard.as_mut() else {
            return false;
        };
        self.leave_fullscreen(d);
        // Output not yet shown goes first, then the rows replace lines of the output area.
        if !d.open.is_empty() {
            d.add("\n");
        }
        self.page(d);
        if erase {
            d.screen.lines.clear();
        }
        let area = d.screen.area();
        for (i, row) in rows.iter().enumerate() {
            let at = line + i;
            if at >= area {
                break;
            }
            while d.screen.lines.len() <= at {
                d.screen.lines.push(String::new());
            }
            d.screen.lines[at] = row.chars().take(d.screen.cols).collect();
        }
        self.draw(d, d.status, false);
        true
    }

    fn fullscreen_write(&mut self, stream: &[u8], pa1_to_guest: bool) -> bool {
        let mut guard = self.display();
        let Some(d) = guard.as_mut() else {
            return false;
        };
        // ERASE/WRITE and ERASE/WRITE ALTERNATE establish full-screen mode.
        if matches!(stream.first(), Some(0xF5 | 0x7E)) {
            self.conn.change(|q| {
                q.fullscreen = true;
                q.pa1_to_guest = pa1_to_guest;
            });
        }
        d.shown = None;
        self.conn.send_record(stream);
        true
    }

    fn in_fullscreen(&self) -> bool {
        self.conn.lock().fullscreen
    }

    fn fullscreen_input(&mut self, wait: bool) -> FullScreenInput {
        let deadline = (!wait).then(Instant::now);
        loop {
            match self.conn.next(deadline, wait) {
                Next::Item(Item::Record(r)) => return FullScreenInput::Record(r),
                Next::Item(_) => {}
                Next::Attention if wait => return FullScreenInput::Attention,
                Next::End => return FullScreenInput::End,
                Next::Wake => {
                    // Kept for the console read that follows (a message, VMCF).
                    self.conn.change(|q| q.woken = true);
                    return FullScreenInput::None;
                }
                Next::Attention | Next::TimedOut => return FullScreenInput::None,
            }
        }
    }

    fn fullscreen_read(&mut self, command: u8) -> Option<Vec<u8>> {
        if !self.is_display() {
            return None;
        }
        self.conn.send_record(&[command]);
        let deadline = Instant::now() + READ_ANSWER_WAIT;
        let mut woken = false;
        let answer = loop {
            match self.conn.next(Some(deadline), false) {
                Next::Item(Item::Record(r)) => break Some(r),
                Next::Item(_) => {}
                Next::Wake => woken = true,
                Next::Attention | Next::End | Next::TimedOut => break None,
            }
        };
        if woken {
            // Kept for the console read that follows.
            self.conn.change(|q| q.woken = true);
        }
        answer
    }
}

/// The side of a network terminal that other users' threads reach.
struct NetMessenger {
    conn: Arc<Conn>,
}

impl Messenger for NetMessenger {
    fn message(&self, line: &str) -> bool {
        let mut q = self.conn.lock();
        if !q.reading || q.end {
            return false;
        }
        q.items.push_back(Item::Message(line.to_string()));
        drop(q);
        self.conn.ready.notify_all();
        true
    }
    fn wake(&self) {
        self.conn.change(|q| q.woken = true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_addresses() {
        assert_eq!(
            listen_address("3270").unwrap(),
            SocketAddr::from(([127, 0, 0, 1], 3270))
        );
        assert_eq!(
            listen_address("0.0.0.0:23").unwrap(),
            SocketAddr::from(([0, 0, 0, 0], 23))
        );
        assert!(listen_address("nowhere").is_err());
    }

    #[test]
    fn line_mode_output_is_crlf_without_escapes() {
        assert_eq!(line_bytes("A\x1b[2JB\n"), b"A[2JB\r\n".to_vec());
        assert_eq!(line_bytes("\u{ff}"), "\u{ff}".as_bytes().to_vec());
    }
}
