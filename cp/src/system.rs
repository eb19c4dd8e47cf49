//! The system: one control program over many virtual machines.
//!
//! [`System`] is what VM/370's CP keeps once for the real machine: the user directory, the
//! table of logged-on users (one [`VmBlok`] each, named after CP's control block for a
//! virtual machine, *VM/370 Data Areas and Control Block Logic*), the spool, the minidisk
//! link table shared by all users, and the routing of messages and VMCF between them. A
//! virtual machine ([`crate::vm::Vm`]: CPU, storage, devices and its CP side) is owned by
//! one host thread, the thread that logged it on and runs it: the system reaches it only
//! through its `VmBlok` (messages, FORCE, SHUTDOWN, reconnection, VMCF), which the
//! machine's thread looks at between instruction slices and whenever it reads its console.
//!
//! # Dispatching
//!
//! Every logged-on virtual machine runs on a thread of its own ([`System::connect`],
//! [`System::autolog`]); the host's scheduler spreads them over the cores. A machine that
//! waits (a console read, an enabled wait with nothing to end it, CP READ) blocks on a
//! condition variable and costs no host CPU; a machine that loops gives up nothing it
//! shares, because what machines share (this table, the spool, the link table) is locked
//! only for the moment of a lookup or a change, never while a guest runs or a terminal is
//! read.
//!
//! # Terminals
//!
//! A terminal is [`Terminal`], owned by the machine's thread while connected. The session
//! that connected it (the console, a test) gets it back when the user DISCONNECTs or logs
//! off (the receiver [`System::connect`] returns). A disconnected machine's console is
//! [`Disconnected`]: its output is kept and spooled to the user's printer as a console
//! file (VM/370 would ignore it unless `SPOOL CONSOLE START`, DISCONN HELPCMD2 note 3; an
//! AUTOLOGged machine's output is worth keeping), and a read waits until the user logs on
//! again (LOGON reconnects: `RECONNECTED AT`, the terminal in CP mode, LOGON HELPCMD2).

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::directory::Directory;
use crate::spool::SpoolHandle;
use crate::vm::{Input, Status, Terminal};

/// A terminal's way back to the session that connected it: it is sent there at DISCONNECT
/// and LOGOFF.
pub type Home = Sender<Box<dyn Terminal>>;

/// What a session waits on for its terminal to come back (see [`Home`]).
pub type Back = Receiver<Box<dyn Terminal>>;

/// A refused LOGON, with the terminal given back.
pub type Refused = (LogonRefused, Box<dyn Terminal>);

/// What a virtual machine's thread says once its logon is done: nothing, or why it failed
/// (with the terminal given back).
pub(crate) type Started = Sender<Result<(), (String, Box<dyn Terminal>)>>;

/// The side of a terminal that other threads reach while the machine's thread owns it.
pub trait Messenger: Send + Sync {
    /// Shows `line` (a message from another user) now, if the terminal waits for input;
    /// false if it cannot, and then the machine's thread writes it at its next chance.
    fn message(&self, line: &str) -> bool;
    /// Makes a read in progress (or the next one) return [`Input::Wake`] soon.
    fn wake(&self);
}

/// Why a virtual machine must log off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forced {
    /// `FORCE userid` by an operator.
    Force,
    /// `SHUTDOWN`, the end of the console's input, SIGTERM or SIGHUP.
    Shutdown,
    /// A disconnected machine read its console and nobody reconnected within the time
    /// VM allows (DISCONN HELPCMD2 note 1: 15 minutes).
    ReadTimeout,
}

/// How long a disconnected machine may wait in a console read before it is logged off:
/// 15 minutes, as VM/370 (DISCONN HELPCMD2 note 1: "The virtual machine is logged off 15
/// minutes after an attempt is made to read from the terminal or if the virtual machine
/// goes into a disabled WAIT state"); `VM390_DISCONNECT_READ_SECONDS=N` changes it, 0 means
/// never.
fn disconnected_read_limit_from_env() -> Option<Duration> {
    let secs = std::env::var("VM390_DISCONNECT_READ_SECONDS")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(15 * 60);
    (secs > 0).then(|| Duration::from_secs(secs))
}

/// What the system and other threads leave for a virtual machine.
#[derive(Default)]
struct BlokState {
    /// `SET MSG`: messages from other users are shown.
    msg: bool,
    /// `SET WNG`: warnings are shown.
    wng: bool,
    /// Lines for the console that its terminal could not show at once.
    pending: VecDeque<String>,
    /// The connected terminal's messenger (None while disconnected, or when the terminal
    /// has none).
    messenger: Option<Arc<dyn Messenger>>,
    /// No terminal is connected.
    disconnected: bool,
    /// The name `QUERY NAMES` shows for the terminal (`DSC` when disconnected).
    terminal_name: String,
    /// A LOGON that reconnects: the new terminal and its home.
    reconnect: Option<(Box<dyn Terminal>, Option<Home>)>,
    /// The machine must log off.
    forced: Option<Forced>,
    /// Console output while disconnected.
    kept: Vec<String>,
    /// Bytes in `kept`.
    kept_bytes: usize,
}

/// The most console output a disconnected machine keeps (the oldest lines go first).
const KEPT_LIMIT: usize = 1 << 20;

/// What the system knows of one logged-on virtual machine (VM/370's VMBLOK), shared between
/// the system and the machine's thread.
pub struct VmBlok {
    /// The user id.
    pub userid: String,
    /// The directory's privilege classes.
    pub classes: String,
    /// When the user logged on.
    pub logon_at: Instant,
    state: Mutex<BlokState>,
    wake: Condvar,
    /// Something is waiting in `state` for the machine's thread (checked between slices).
    signal: AtomicBool,
    /// The machine waits for its disconnected console (a read, CP READ): it runs nothing.
    idle: AtomicBool,
}

impl std::fmt::Debug for VmBlok {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VmBlok")
            .field("userid", &self.userid)
            .finish()
    }
}

impl VmBlok {
    /// The block of a user logging on at a terminal named `terminal_name` (`DSC`: none).
    pub fn new(userid: &str, classes: &str, terminal_name: &str) -> VmBlok {
        VmBlok {
            userid: userid.to_string(),
            classes: classes.to_string(),
            logon_at: Instant::now(),
            state: Mutex::new(BlokState {
                msg: true,
                wng: true,
                disconnected: terminal_name == "DSC",
                terminal_name: terminal_name.to_string(),
                ..Default::default()
            }),
            wake: Condvar::new(),
            signal: AtomicBool::new(false),
            idle: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, BlokState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Flags work for the machine's thread and wakes it (a disconnected read, a read of a
    /// terminal with a messenger).
    fn poke(&self, st: &BlokState) {
        self.signal.store(true, Ordering::Release);
        self.wake.notify_all();
        if let Some(m) = &st.messenger {
            m.wake();
        }
    }

    /// Whether something waits for the machine's thread (and clears the flag).
    pub(crate) fn signalled(&self) -> bool {
        self.signal.swap(false, Ordering::Acquire)
    }

    /// `SET MSG` and `SET WNG`.
    pub(crate) fn set_receiving(&self, msg: Option<bool>, wng: Option<bool>) {
        let mut st = self.lock();
        if let Some(m) = msg {
            st.msg = m;
        }
        if let Some(w) = wng {
            st.wng = w;
        }
    }

    /// Whether the machine waits for its disconnected console (it runs nothing).
    pub fn idle(&self) -> bool {
        self.idle.load(Ordering::Acquire)
    }

    /// Whether no terminal is connected.
    pub fn disconnected(&self) -> bool {
        self.lock().disconnected
    }

    /// The terminal's name as `QUERY NAMES` shows it.
    pub fn terminal_name(&self) -> String {
        self.lock().terminal_name.clone()
    }

    /// Gives the console the line `line` from another user: shown at once where the
    /// terminal can, else written by the machine's thread at its next chance.
    fn deliver(&self, line: &str) {
        let mut st = self.lock();
        let shown = st.messenger.as_ref().is_some_and(|m| m.message(line));
        if !shown {
            st.pending.push_back(line.to_string());
            self.poke(&st);
        }
    }

    /// VMCF traffic waits for the machine (an X'4001' interruption to present): wakes its
    /// thread, blocked in an enabled wait or between slices.
    pub(crate) fn vmcf_poke(&self) {
        let st = self.lock();
        self.poke(&st);
    }

    /// Tells the machine to log off.
    pub(crate) fn force(&self, why: Forced) {
        let mut st = self.lock();
        st.forced.get_or_insert(why);
        self.poke(&st);
    }

    /// Why the machine must log off, if it must.
    pub(crate) fn forced(&self) -> Option<Forced> {
        self.lock().forced
    }

    /// What the machine's thread is to take: console lines, a new terminal.
    pub(crate) fn take_mail(&self) -> Mail {
        let mut st = self.lock();
        Mail {
            lines: std::mem::take(&mut st.pending).into(),
            reconnect: st.reconnect.take(),
        }
    }

    /// The terminal is connected (at logon or reconnection): its name and messenger.
    pub(crate) fn connected(&self, name: String, messenger: Option<Arc<dyn Messenger>>) {
        let mut st = self.lock();
        // The console of an AUTOLOGged machine ([`Disconnected`]) is no terminal.
        st.disconnected = name == "DSC";
        st.terminal_name = name;
        st.messenger = messenger;
    }

    /// The terminal went away (DISCONNECT): output is kept from now on.
    pub(crate) fn disconnect(&self) {
        let mut st = self.lock();
        st.disconnected = true;
        st.terminal_name = "DSC".into();
        st.messenger = None;
    }

    /// Keeps console output of a disconnected machine (at most [`KEPT_LIMIT`] bytes).
    fn keep(&self, text: &str) {
        let mut st = self.lock();
        st.kept_bytes += text.len();
        st.kept.push(text.to_string());
        while st.kept_bytes > KEPT_LIMIT && !st.kept.is_empty() {
            let first = st.kept.remove(0);
            st.kept_bytes -= first.len();
        }
    }

    /// The console output kept while disconnected, as lines (and forgets it).
    pub(crate) fn take_kept(&self) -> Vec<String> {
        let mut st = self.lock();
        st.kept_bytes = 0;
        let text: String = std::mem::take(&mut st.kept).concat();
        text.lines().map(str::to_string).collect()
    }

    /// Waits until something comes for the machine (a reconnection, FORCE, a message,
    /// VMCF) or `timeout` passes.
    pub(crate) fn wait(&self, timeout: Option<Duration>) {
        let st = self.lock();
        if self.signal.load(Ordering::Acquire) {
            return;
        }
        match timeout {
            Some(t) => drop(self.wake.wait_timeout(st, t)),
            None => drop(self.wake.wait(st)),
        }
    }
}

/// What [`VmBlok::take_mail`] gives the machine's thread.
pub(crate) struct Mail {
    /// Lines for the console.
    pub lines: Vec<String>,
    /// A terminal that reconnects the user, and its home.
    pub reconnect: Option<(Box<dyn Terminal>, Option<Home>)>,
}

/// The console of a disconnected virtual machine: output is kept, a read waits for a
/// reconnection (or FORCE, SHUTDOWN, a message) and then gives [`Input::Wake`].
pub(crate) struct Disconnected {
    pub blok: Arc<VmBlok>,
    /// How long a read may wait before the machine is logged off (None: for ever).
    pub limit: Option<Duration>,
}

impl Disconnected {
    /// The disconnected console of `blok`'s machine in `system`.
    pub(crate) fn of(system: &System, blok: &Arc<VmBlok>) -> Disconnected {
        Disconnected {
            blok: blok.clone(),
            limit: system.disconnected_read_limit(),
        }
    }
}

impl Terminal for Disconnected {
    fn read_line(&mut self) -> Option<String> {
        None
    }
    fn read_input(&mut self, _status: Status) -> Input {
        self.blok.idle.store(true, Ordering::Release);
        let limit = self.limit;
        let start = Instant::now();
        loop {
            // The signal is taken here: what it announces (console lines, a reconnection,
            // FORCE, VMCF) the caller looks at after this read (`Cp::read_terminal`), and
            // a signal left set would make every later read return at once.
            if self.blok.signalled() {
                break;
            }
            let left = limit.map(|l| l.saturating_sub(start.elapsed()));
            if left == Some(Duration::ZERO) {
                // Nobody reconnected in time: the machine is logged off.
                self.blok.force(Forced::ReadTimeout);
                break;
            }
            self.blok.wait(left);
        }
        self.blok.idle.store(false, Ordering::Release);
        Input::Wake
    }
    fn write(&mut self, text: &str) {
        self.blok.keep(text);
    }
    fn name(&self) -> String {
        "DSC".into()
    }
}

/// How a message is sent (`MSG`, `WARNING`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MsgKind {
    /// MESSAGE: shown unless the receiver has `SET MSG OFF`.
    Msg,
    /// WARNING: shown unless the receiver has `SET WNG OFF`.
    Warning,
}

/// Why a message did not arrive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotSent {
    /// The user is not logged on.
    NotLoggedOn,
    /// The user is disconnected.
    Disconnected,
    /// The user has `SET MSG OFF` (or `SET WNG OFF`).
    Off,
}

/// Why a LOGON or AUTOLOG did not start a virtual machine.
#[derive(Debug)]
pub enum LogonRefused {
    /// Not in the directory (or NOLOG).
    NotInDirectory,
    /// Already logged on and connected.
    AlreadyLoggedOn,
    /// The system is shutting down.
    ShuttingDown,
    /// The virtual machine could not be built (storage, the directory entry).
    Failed(String),
}

impl LogonRefused {
    /// CP's message for a LOGON by `userid`.
    pub fn message(&self, userid: &str) -> String {
        match self {
            LogonRefused::NotInDirectory => format!("DMKLOG053E {userid} NOT IN CP DIRECTORY"),
            LogonRefused::AlreadyLoggedOn => format!("DMKLOG054E ALREADY LOGGED ON {userid}"),
            LogonRefused::ShuttingDown => "DMKLOG011E SYSTEM SHUTDOWN IN PROGRESS".to_string(),
            LogonRefused::Failed(e) => format!("vm390: {e}"),
        }
    }
}

#[derive(Default)]
struct Table {
    users: BTreeMap<String, Arc<VmBlok>>,
    threads: Vec<std::thread::JoinHandle<()>>,
    shutdown: bool,
    /// The user logged on at the process's own console (the primary system operator when
    /// no user OPERATOR is logged on).
    console_user: Option<String>,
}

/// One minidisk link of a logged-on user (the system's link table, which LINK's access
/// modes are decided against: *CP Command Reference*, LINK).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkEntry {
    /// Owner of the minidisk and its address in the owner's directory entry.
    pub owner: String,
    /// See `owner`.
    pub owner_vaddr: u16,
    /// The user who holds the link, and as which address.
    pub user: String,
    /// See `user`.
    pub vaddr: u16,
    /// A write link.
    pub write: bool,
}

/// The control program of one real machine: see the module documentation.
pub struct System {
    /// The user directory.
    pub directory: Directory,
    /// The spool.
    pub spool: SpoolHandle,
    /// Every minidisk link of every logged-on user.
    links: Mutex<Vec<LinkEntry>>,
    /// The DASD images open in this control program, by file (shared by the minidisks on
    /// them: `io::dasd::ImageSlot`).
    images: Mutex<BTreeMap<std::path::PathBuf, std::sync::Weak<Mutex<crate::io::dasd::ImageSlot>>>>,
    /// The VMCF of all virtual machines (DIAGNOSE X'68', `diagnose::vmcf`): a user whose
    /// X'4001' queue grows is poked through its block ([`VmBlok::vmcf_poke`]).
    pub vmcf: diagnose::vmcf::Hub,
    table: Mutex<Table>,
    changed: Condvar,
    /// Where the system printer writes printer files (`vm390 --print-to DIR`).
    printer: Mutex<Option<std::path::PathBuf>>,
    /// How long a disconnected machine may wait in a console read.
    read_limit: Mutex<Option<Duration>>,
}

impl std::fmt::Debug for System {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("System").finish_non_exhaustive()
    }
}

/// The stack of a virtual machine's thread (the region compiler needs more than the
/// default; untouched stack costs no memory).
const VM_STACK: usize = 16 << 20;

impl System {
    /// The system of `directory`, with its spool (see [`crate::spool::for_directory`]).
    pub fn new(directory: Directory) -> Result<Arc<System>, String> {
        let spool = crate::spool::for_directory(&directory)?;
        Ok(System::with_spool(directory, spool))
    }

    /// The system of `directory` with the spool `spool`.
    pub fn with_spool(directory: Directory, spool: SpoolHandle) -> Arc<System> {
        Arc::new_cyclic(|me: &std::sync::Weak<System>| {
            let me = me.clone();
            let poke: diagnose::vmcf::Poke = Arc::new(move |userid: &str| {
                if let Some(blok) = me.upgrade().and_then(|s| s.user(userid)) {
                    blok.vmcf_poke();
                }
            });
            System {
                directory,
                spool,
                links: Mutex::new(Vec::new()),
                images: Mutex::new(BTreeMap::new()),
                vmcf: diagnose::vmcf::Hub::new(Some(poke)),
                table: Mutex::new(Table::default()),
                changed: Condvar::new(),
                printer: Mutex::new(None),
                read_limit: Mutex::new(disconnected_read_limit_from_env()),
            }
        })
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How long a disconnected machine may wait in a console read before it is logged off
    /// (None: for ever); 15 minutes unless `VM390_DISCONNECT_READ_SECONDS` says otherwise.
    pub fn disconnected_read_limit(&self) -> Option<Duration> {
        *lock(&self.read_limit)
    }

    /// Sets [`System::disconnected_read_limit`] (for machines disconnected from now on).
    pub fn set_disconnected_read_limit(&self, limit: Option<Duration>) {
        *lock(&self.read_limit) = limit;
    }

    /// Makes `dir` the system printer: printer files are written there as they are closed
    /// (`Cp::print_out`).
    pub fn set_printer_dir(&self, dir: Option<std::path::PathBuf>) {
        *lock(&self.printer) = dir;
    }

    /// The system printer's directory.
    pub fn printer_dir(&self) -> Option<std::path::PathBuf> {
        lock(&self.printer).clone()
    }

    /// Adds a minidisk link to the link table.
    pub(crate) fn add_link(&self, l: LinkEntry) {
        lock(&self.links).push(l);
    }

    /// Removes `user`'s link as `vaddr` (every link of the user when None).
    pub(crate) fn drop_links(&self, user: &str, vaddr: Option<u16>) {
        lock(&self.links).retain(|l| !(l.user == user && vaddr.is_none_or(|v| v == l.vaddr)));
    }

    /// The links of all users to `owner`'s minidisk `owner_vaddr`.
    pub(crate) fn links_to(&self, owner: &str, owner_vaddr: u16) -> Vec<LinkEntry> {
        lock(&self.links)
            .iter()
            .filter(|l| l.owner == owner && l.owner_vaddr == owner_vaddr)
            .cloned()
            .collect()
    }

    /// The open image of the file `path` (canonical), if a minidisk still uses it.
    pub(crate) fn image(&self, path: &std::path::Path) -> Option<crate::io::dasd::SharedImage> {
        let mut m = lock(&self.images);
        m.retain(|_, w| w.strong_count() > 0);
        m.get(path).and_then(std::sync::Weak::upgrade)
    }

    /// Records the open image of the file `path` (canonical).
    pub(crate) fn put_image(&self, path: std::path::PathBuf, image: &crate::io::dasd::SharedImage) {
        lock(&self.images).insert(path, Arc::downgrade(image));
    }

    /// Enters `blok` in the table of logged-on users; false if the user is logged on.
    pub(crate) fn register(&self, blok: &Arc<VmBlok>) -> bool {
        let mut t = self.table();
        if t.users.contains_key(&blok.userid) {
            return false;
        }
        t.users.insert(blok.userid.clone(), blok.clone());
        true
    }

    /// Removes `blok` from the table (LOGOFF).
    pub(crate) fn unregister(&self, blok: &Arc<VmBlok>) {
        let mut t = self.table();
        if t.users
            .get(&blok.userid)
            .is_some_and(|b| Arc::ptr_eq(b, blok))
        {
            t.users.remove(&blok.userid);
        }
        if t.console_user.as_deref() == Some(blok.userid.as_str()) {
            t.console_user = None;
        }
        drop(t);
        self.changed.notify_all();
    }

    /// A logged-on user's block.
    pub fn user(&self, userid: &str) -> Option<Arc<VmBlok>> {
        self.table()
            .users
            .get(&userid.to_ascii_uppercase())
            .cloned()
    }

    /// The logged-on users, by user id.
    pub fn users(&self) -> Vec<Arc<VmBlok>> {
        self.table().users.values().cloned().collect()
    }

    /// How many users are logged on.
    pub fn user_count(&self) -> usize {
        self.table().users.len()
    }

    /// Whether the system is shutting down.
    pub fn shutting_down(&self) -> bool {
        self.table().shutdown
    }

    /// Marks `userid` as the user at the process's own console: the primary system
    /// operator (when no user OPERATOR is logged on) if it has privilege class A and no
    /// other class A user at the console is the operator already.
    pub fn set_console_user(&self, userid: &str) {
        let class_a = self
            .directory
            .user(userid)
            .is_some_and(|u| u.classes.contains('A'));
        let mut t = self.table();
        let taken = t
            .console_user
            .as_ref()
            .is_some_and(|u| t.users.contains_key(u));
        if class_a && !taken {
            t.console_user = Some(userid.to_string());
        }
    }

    /// The primary system operator: user OPERATOR if logged on, else the user at the
    /// process's console.
    pub fn operator(&self) -> Option<Arc<VmBlok>> {
        let t = self.table();
        t.users
            .get("OPERATOR")
            .or_else(|| t.console_user.as_ref().and_then(|u| t.users.get(u)))
            .cloned()
    }

    /// Logs `userid` on at `terminal` (the caller checked the password), or reconnects it
    /// when it is logged on and disconnected. The virtual machine runs on a thread of its
    /// own; the terminal comes back on the receiver at DISCONNECT and LOGOFF. A refusal
    /// gives the terminal back at once.
    pub fn connect(
        self: &Arc<Self>,
        userid: &str,
        terminal: Box<dyn Terminal>,
    ) -> Result<Back, Refused> {
        let userid = userid.to_ascii_uppercase();
        let (home, back) = mpsc::channel();
        if let Some(blok) = self.user(&userid) {
            let mut st = blok.lock();
            if !st.disconnected || st.reconnect.is_some() || st.forced.is_some() {
                return Err((LogonRefused::AlreadyLoggedOn, terminal));
            }
            st.reconnect = Some((terminal, Some(home)));
            blok.poke(&st);
            return Ok(back);
        }
        match self.start(&userid, terminal, Some(home)) {
            Ok(()) => Ok(back),
            Err((e, t)) => Err((e, t.expect("a connecting terminal"))),
        }
    }

    /// AUTOLOG: logs `userid` on with no terminal (its console output is kept).
    pub fn autolog(self: &Arc<Self>, userid: &str) -> Result<(), LogonRefused> {
        let userid = userid.to_ascii_uppercase();
        if self.user(&userid).is_some() {
            return Err(LogonRefused::AlreadyLoggedOn);
        }
        self.start(&userid, Box::new(NoTerminal), None)
            .map_err(|(e, _)| e)
    }

    /// Starts the virtual machine of `userid` on a thread of its own. `home`: None for an
    /// AUTOLOG (the machine starts disconnected).
    #[allow(clippy::type_complexity)]
    fn start(
        self: &Arc<Self>,
        userid: &str,
        terminal: Box<dyn Terminal>,
        home: Option<Home>,
    ) -> Result<(), (LogonRefused, Option<Box<dyn Terminal>>)> {
        let back = |e, t: Box<dyn Terminal>| Err((e, Some(t)));
        let Some(user) = self.directory.user(userid).filter(|u| !u.is_nolog()) else {
            return back(LogonRefused::NotInDirectory, terminal);
        };
        let name = if home.is_some() {
            terminal.name()
        } else {
            "DSC".to_string()
        };
        let blok = Arc::new(VmBlok::new(&user.id, &user.classes, &name));
        {
            let mut t = self.table();
            if t.shutdown {
                return back(LogonRefused::ShuttingDown, terminal);
            }
            if t.users.contains_key(&user.id) {
                return back(LogonRefused::AlreadyLoggedOn, terminal);
            }
            t.users.insert(user.id.clone(), blok.clone());
        }
        let (ready, started) = mpsc::channel::<Result<(), (String, Box<dyn Terminal>)>>();
        let system = self.clone();
        let b = blok.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("vm-{}", user.id))
            .stack_size(VM_STACK)
            .spawn(move || crate::vm::run_thread(system, b, terminal, home, ready));
        let handle = match spawned {
            Ok(h) => h,
            Err(e) => {
                self.unregister(&blok);
                return Err((LogonRefused::Failed(format!("thread: {e}")), None));
            }
        };
        match started.recv() {
            Ok(Ok(())) => {
                self.table().threads.push(handle);
                Ok(())
            }
            Ok(Err((e, t))) => {
                let _ = handle.join();
                self.unregister(&blok);
                Err((LogonRefused::Failed(e), Some(t)))
            }
            Err(_) => {
                let _ = handle.join();
                self.unregister(&blok);
                Err((
                    LogonRefused::Failed("the virtual machine ended".into()),
                    None,
                ))
            }
        }
    }

    /// MSG or WARNING from `from` to the logged-on user `to` (`OPERATOR`: the primary
    /// system operator). The line the receiver sees is `hh:mm:ss MSG FROM userid: text`
    /// (*CP Command Reference for General Users*, GC20-1820, MESSAGE, "Responses") or,
    /// for a warning, `hh:mm:ss WNG FROM userid: text` (its form by analogy).
    pub fn message(&self, from: &str, to: &str, text: &str, kind: MsgKind) -> Result<(), NotSent> {
        let blok = if to == "OPERATOR" {
            self.operator()
        } else {
            self.user(to)
        };
        let Some(blok) = blok else {
            return Err(NotSent::NotLoggedOn);
        };
        {
            let st = blok.lock();
            if st.disconnected {
                return Err(NotSent::Disconnected);
            }
            let on = match kind {
                MsgKind::Msg => st.msg,
                MsgKind::Warning => st.wng,
            };
            if !on {
                return Err(NotSent::Off);
            }
        }
        blok.deliver(&message_line(from, text, kind));
        Ok(())
    }

    /// A line for the primary system operator's console about user `about` (logon and
    /// logoff of users, DISCONNECT, reconnection), shown if the operator is logged on,
    /// connected, and another user.
    pub fn tell_operator(&self, about: &str, line: &str) {
        if let Some(op) = self.operator() {
            if op.userid != about && !op.disconnected() {
                op.deliver(line);
            }
        }
    }

    /// FORCE: logs `userid` off.
    pub fn force(&self, userid: &str) -> bool {
        match self.user(userid) {
            Some(b) => {
                b.force(Forced::Force);
                true
            }
            None => false,
        }
    }

    /// SHUTDOWN: every virtual machine logs off (its disks flushed, its spool files
    /// closed), and no one can log on any more. Returns when all machines have ended.
    pub fn shutdown(&self) {
        let threads = {
            let mut t = self.table();
            t.shutdown = true;
            for b in t.users.values() {
                b.force(Forced::Shutdown);
            }
            std::mem::take(&mut t.threads)
        };
        let me = std::thread::current().id();
        for h in threads {
            if h.thread().id() != me {
                let _ = h.join();
            }
        }
        // Machines on threads the system did not start (a console's own) log off by
        // themselves; wait for them (each LOGOFF notifies `changed`).
        let t = self.table();
        let _ = self
            .changed
            .wait_timeout_while(t, Duration::from_secs(30), |t| {
                t.users
                    .values()
                    .any(|b| b.forced() == Some(Forced::Shutdown))
            });
    }

    /// Waits until no user is logged on or `timeout` passes; whether none is.
    pub fn wait_all_off(&self, timeout: Duration) -> bool {
        let t = self.table();
        let (t, _) = self
            .changed
            .wait_timeout_while(t, timeout, |t| !t.users.is_empty())
            .unwrap_or_else(|e| e.into_inner());
        t.users.is_empty()
    }
}

/// Reads `LOGON userid [password]` and the password (`ENTER PASSWORD:`, read masked) from
/// the terminal until a user of `dir` logs on; None at the end of input.
pub fn logon_dialog(term: &mut dyn Terminal, dir: &Directory) -> Option<String> {
    term.write("VM390 ONLINE\n");
    loop {
        let line = match term.read_input(Status::CpRead) {
            Input::Line(l) => l,
            Input::Attention | Input::Wake => continue,
            Input::End => return None,
        };
        let mut words = line.split_whitespace();
        let Some(verb) = words.next().map(|v| v.to_ascii_uppercase()) else {
            continue;
        };
        let is_logon = ("LOGON".starts_with(&verb) && !verb.is_empty())
            || (verb.len() >= 4 && "LOGIN".starts_with(&verb));
        if !is_logon {
            if "LOGOFF".starts_with(&verb) && verb.len() >= 3 {
                return None;
            }
            term.write("DMKCFM001E UNKNOWN CP COMMAND\n");
            continue;
        }
        let Some(userid) = words.next().map(|u| u.to_ascii_uppercase()) else {
            term.write("DMKLOG020E USERID MISSING OR INVALID\n");
            continue;
        };
        let Some(user) = dir.user(&userid).filter(|u| !u.is_nolog()) else {
            term.write(&format!("DMKLOG053E {userid} NOT IN CP DIRECTORY\n"));
            continue;
        };
        let password = match words.next() {
            Some(p) => p.to_string(),
            None => {
                term.write("ENTER PASSWORD:\n");
                match term.read_password(Status::CpRead) {
                    Input::Line(l) => l.trim().to_string(),
                    Input::Attention | Input::Wake => continue,
                    Input::End => return None,
                }
            }
        };
        if !password.eq_ignore_ascii_case(&user.password) {
            term.write("DMKLOG050E PASSWORD INCORRECT - REINITIATE LOGON PROCEDURE\n");
            continue;
        }
        return Some(user.id.clone());
    }
}

/// Locks `m` (a panic elsewhere while it was locked leaves the data usable).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The terminal of an AUTOLOGged machine before its thread makes it [`Disconnected`].
struct NoTerminal;

impl Terminal for NoTerminal {
    fn read_line(&mut self) -> Option<String> {
        None
    }
    fn write(&mut self, _text: &str) {}
    fn name(&self) -> String {
        "DSC".into()
    }
}

/// The line a message's receiver sees: `hh:mm:ss MSG FROM userid: text` (GC20-1820,
/// MESSAGE, "Responses"), `hh:mm:ss WNG FROM userid: text` for a warning.
pub fn message_line(from: &str, text: &str, kind: MsgKind) -> String {
    let (_, time, _) = crate::cpcmd::date_time();
    let word = match kind {
        MsgKind::Msg => "MSG",
        MsgKind::Warning => "WNG",
    };
    format!("{time} {word} FROM {from}: {text}")
}

/// A terminal for programs and tests: lines are typed from another thread
/// ([`Pipe::type_line`]), output is collected ([`Pipe::wait_for`]), and messages from
/// other users appear while it waits for input, as on a real terminal.
#[derive(Clone, Default)]
pub struct PipeTerminal {
    /// The two ends' shared state.
    pub pipe: Arc<Pipe>,
}

/// The shared state of a [`PipeTerminal`].
#[derive(Default)]
pub struct Pipe {
    state: Mutex<PipeState>,
    cond: Condvar,
}

#[derive(Default)]
struct PipeState {
    input: VecDeque<String>,
    attention: bool,
    end: bool,
    output: String,
    reading: bool,
    woken: bool,
}

impl Pipe {
    fn lock(&self) -> MutexGuard<'_, PipeState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Types `line` (and Enter).
    pub fn type_line(&self, line: &str) {
        self.lock().input.push_back(line.to_string());
        self.cond.notify_all();
    }

    /// Presses the attention key.
    pub fn attention(&self) {
        self.lock().attention = true;
        self.cond.notify_all();
    }

    /// Ends the input (the user hangs up).
    pub fn end(&self) {
        self.lock().end = true;
        self.cond.notify_all();
    }

    /// Everything written so far.
    pub fn output(&self) -> String {
        self.lock().output.clone()
    }

    /// Waits until the output after byte `from` contains `needle`; the output so far,
    /// or an error with it after `timeout`.
    pub fn wait_for(&self, needle: &str, from: usize, timeout: Duration) -> Result<String, String> {
        let has = |st: &PipeState| st.output.get(from..).is_some_and(|s| s.contains(needle));
        let st = self.lock();
        let (st, _) = self
            .cond
            .wait_timeout_while(st, timeout, |st| !has(st))
            .unwrap_or_else(|e| e.into_inner());
        if has(&st) {
            Ok(st.output.clone())
        } else {
            Err(format!(
                "no '{needle}' after {timeout:?}; output:\n{}",
                st.output
            ))
        }
    }

    /// Waits until the machine took every line typed so far and is not reading: it runs
    /// (a line typed and the attention key pressed before the machine took the line would
    /// find it still at its read).
    pub fn wait_running(&self, timeout: Duration) -> bool {
        let running = |st: &PipeState| !st.reading && st.input.is_empty();
        let st = self.lock();
        let (st, _) = self
            .cond
            .wait_timeout_while(st, timeout, |st| !running(st))
            .unwrap_or_else(|e| e.into_inner());
        running(&st)
    }

    /// Waits until the terminal reads with nothing typed ahead: its machine took every
    /// line typed so far and waits for more.
    pub fn wait_reading(&self, timeout: Duration) -> bool {
        let idle = |st: &PipeState| st.reading && st.input.is_empty();
        let st = self.lock();
        let (st, _) = self
            .cond
            .wait_timeout_while(st, timeout, |st| !idle(st))
            .unwrap_or_else(|e| e.into_inner());
        idle(&st)
    }
}

impl Messenger for Pipe {
    fn message(&self, line: &str) -> bool {
        let mut st = self.lock();
        if !st.reading {
            return false;
        }
        st.output.push_str(line);
        st.output.push('\n');
        self.cond.notify_all();
        true
    }
    fn wake(&self) {
        self.lock().woken = true;
        self.cond.notify_all();
    }
}

impl Terminal for PipeTerminal {
    fn read_line(&mut self) -> Option<String> {
        match self.read_input(Status::VmRead) {
            Input::Line(l) => Some(l),
            _ => None,
        }
    }
    fn read_input(&mut self, _status: Status) -> Input {
        let mut st = self.pipe.lock();
        st.reading = true;
        self.pipe.cond.notify_all();
        let got = loop {
            if std::mem::take(&mut st.woken) {
                break Input::Wake;
            }
            if std::mem::take(&mut st.attention) {
                break Input::Attention;
            }
            if let Some(l) = st.input.pop_front() {
                break Input::Line(l);
            }
            if st.end {
                break Input::End;
            }
            st = self.pipe.cond.wait(st).unwrap_or_else(|e| e.into_inner());
        };
        st.reading = false;
        self.pipe.cond.notify_all();
        got
    }
    fn write(&mut self, text: &str) {
        self.pipe.lock().output.push_str(text);
        self.pipe.cond.notify_all();
    }
    fn attention(&mut self) -> bool {
        std::mem::take(&mut self.pipe.lock().attention)
    }
    fn messenger(&self) -> Option<Arc<dyn Messenger>> {
        Some(self.pipe.clone())
    }
    fn name(&self) -> String {
        "PIPE".into()
    }
}
