//! The system spool: the reader, punch and printer files of every user, with spool ids
//! given system-wide, kept on the host in a spool directory so that they survive a restart
//! of vm390 (*VM/370 CP Command Reference for General Users*, GC20-1820: SPOOL, CLOSE,
//! PURGE, TRANSFER, ORDER, CHANGE, QUERY; *VM/370 System Programmer's Guide*, "Spooling").
//!
//! A [`Spool`] is a system object: one serves all virtual machines. A [`Cp`](crate::vm::Cp)
//! holds it as a [`SpoolHandle`] (`Arc<Mutex<Spool>>`), locking it only for one spool
//! operation at a time, so that several virtual machines can later share one.
//!
//! # On the host
//!
//! The spool directory is `spool/` beside the directory file (for the built-in default:
//! `DIR/spool/` of the data directory). vm390 creates it when the first file is closed.
//! Each spool file is one host file `NNNN.spool` (the spool id, four decimal digits): a text
//! header line `VM390SPOOL 1 key=value ...`, then the records, each a 2-byte big-endian
//! length and the record as the guest wrote it (EBCDIC). `spool.index` holds the next
//! spool id and the queue order (ORDER). Both are written to a temporary file in the
//! spool directory and renamed over the old one. vm390 reads, writes and removes only
//! files of these names; anything else in the directory is left alone.
//!
//! One CP owns a directory's spool at a time: it holds an exclusive advisory lock
//! (`flock`) on the directory file while it runs. A second vm390 started on the same
//! directory file says so and keeps its spool files in memory only, so that two processes
//! never give the same spool id or write one index over the other's.
//!
//! # Bounded space
//!
//! The records of all files, closed or still being written, may take at most
//! [`DEFAULT_LIMIT`] bytes (2 bytes of overhead per record), or what the environment
//! variable `VM390_SPOOL_LIMIT` says (bytes, or with a `K` / `M` suffix). A punch or printer
//! write that does not fit is refused (the device gives unit check, intervention required)
//! and CP says [`SPOOL_FULL`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use diagnose::spool::spool_buffer;
use diagnose::{Sfblok, SpoolInputAnswer, SpoolInputOp};

/// The bytes all spool files may take unless `VM390_SPOOL_LIMIT` says otherwise (64 MiB).
pub const DEFAULT_LIMIT: u64 = 64 << 20;

/// What CP writes when a punch or printer write does not fit in the spool space. VM/370
/// tells the operator that the spool space is full; the user's device becomes not ready.
/// No VM/370 R6 message text for the user was at hand, so this one is vm390's own.
pub const SPOOL_FULL: &str = "VM390: SPOOL SPACE FULL;";

/// The highest spool id: VM/370 R6 numbers spool files 1 to 9900, then starts again at 1
/// (SPOOL HELPCMD2, "The Spoolid Number").
pub const MAX_SPOOLID: u32 = 9900;

/// The host name of the index file.
const INDEX: &str = "spool.index";

/// Which queue a spool file is in: a user's reader, or the punch / printer files waiting
/// for the real (host) device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queue {
    /// A virtual reader's input file.
    Rdr,
    /// A punch file.
    Pun,
    /// A printer file.
    Prt,
}

impl Queue {
    /// The name CP writes: `RDR`, `PUN`, `PRT`.
    pub fn name(self) -> &'static str {
        match self {
            Queue::Rdr => "RDR",
            Queue::Pun => "PUN",
            Queue::Prt => "PRT",
        }
    }
    fn parse(s: &str) -> Option<Queue> {
        match s {
            "RDR" => Some(Queue::Rdr),
            "PUN" => Some(Queue::Pun),
            "PRT" => Some(Queue::Prt),
            _ => None,
        }
    }
}

/// One closed spool file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpoolFile {
    /// The spool id (1-9900).
    pub id: u32,
    /// The user who created it.
    pub origin: String,
    /// The user whose queue it is in.
    pub owner: String,
    /// Reader, punch or printer queue.
    pub queue: Queue,
    /// Device class of the device that made it: punch files are cards, printer files
    /// print lines (a punch file in a reader is still `Pun`).
    pub made_by: Queue,
    /// Spool class (A-Z, 0-9).
    pub class: char,
    /// File name and type (CLOSE NAME, CHANGE NAME); empty when none.
    pub name: String,
    /// File type.
    pub ftype: String,
    /// Distribution code (the origin user's directory default: the user id).
    pub dist: String,
    /// Copies.
    pub copies: u8,
    /// User hold.
    pub hold: bool,
    /// `MM/DD` and `HH:MM` of the CLOSE.
    pub date: String,
    /// Time of the CLOSE.
    pub time: String,
    /// The records (cards or print lines) as the guest wrote them.
    pub records: Vec<Vec<u8>>,
}

impl SpoolFile {
    /// The spool space the file takes.
    pub fn space(&self) -> u64 {
        self.records.iter().map(|r| record_space(r.len())).sum()
    }
}

/// The spool space one record of `len` bytes takes.
pub fn record_space(len: usize) -> u64 {
    len as u64 + 2
}

/// A host failure of the spool, naming the file.
#[derive(Debug)]
pub struct SpoolError {
    /// The host file or directory.
    pub path: PathBuf,
    /// What is wrong.
    pub what: String,
}

impl fmt::Display for SpoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.what)
    }
}

impl std::error::Error for SpoolError {}

fn err(path: &Path, what: impl Into<String>) -> SpoolError {
    SpoolError {
        path: path.to_path_buf(),
        what: what.into(),
    }
}

/// The spool space is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpoolFull;

/// Why [`Spool::add_new`] kept no file.
#[derive(Debug)]
pub enum NotAdded {
    /// The spool space is full.
    Full,
    /// A host failure.
    Host(SpoolError),
}

impl fmt::Display for NotAdded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotAdded::Full => f.write_str("spool space full"),
            NotAdded::Host(e) => e.fmt(f),
        }
    }
}

/// A spool shared by the virtual machines of this CP.
pub type SpoolHandle = Arc<Mutex<Spool>>;

/// Locks the spool (a poisoned lock still holds consistent data: every operation changes
/// it only after its host file was written).
pub fn lock(h: &SpoolHandle) -> MutexGuard<'_, Spool> {
    h.lock().unwrap_or_else(|p| p.into_inner())
}

/// Where a virtual reader is in the file it reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReaderPos {
    /// The file being read.
    pub id: u32,
    /// The next record (0-based).
    pub next: usize,
    /// DIAGNOSE X'14' buffers given so far.
    pub buffer: u32,
    /// More times the file is read (DIAGNOSE X'14' X'0010').
    pub repeat: u32,
}

impl ReaderPos {
    /// The start of file `id`.
    pub fn start(id: u32) -> ReaderPos {
        ReaderPos {
            id,
            next: 0,
            buffer: 0,
            repeat: 0,
        }
    }
}

/// What becomes of a reader file at its end or at CLOSE (CLOSE HELPCMD2, usage note 5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReaderEnd {
    /// Released for processing: purged (NOHOLD).
    Purge,
    /// Saved: kept, not held; the next read reads it again (SPOOL RDR HOLD NOCONT, CLOSE
    /// HOLD).
    Save,
    /// Kept in user hold (SPOOL RDR HOLD CONT).
    Hold,
}

impl ReaderEnd {
    /// At the end of the file, or at CLOSE without HOLD / NOHOLD: by the reader's SPOOL
    /// options.
    pub fn by_spool(hold: bool, cont: bool) -> ReaderEnd {
        match (hold, cont) {
            (false, _) => ReaderEnd::Purge,
            (true, false) => ReaderEnd::Save,
            (true, true) => ReaderEnd::Hold,
        }
    }
}

/// What a read on a virtual reader gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReaderRecord {
    /// The next card.
    Card(Vec<u8>),
    /// The end of the file (unit exception).
    EndOfFile,
    /// No file to read.
    NoFile,
}

/// The spool files of all users.
#[derive(Debug)]
pub struct Spool {
    /// The spool directory on the host; `None`: the files live only in this process.
    dir: Option<PathBuf>,
    /// The files in queue order (ORDER changes it).
    files: Vec<SpoolFile>,
    /// The last spool id given.
    last_id: u32,
    /// The most spool space all files may take.
    limit: u64,
    /// Space taken by closed files and by records of files still open.
    used: u64,
    /// The open directory file whose lock says this process owns the spool directory.
    _owner: Option<std::fs::File>,
}

impl Spool {
    /// A spool that keeps its files only in this process.
    pub fn in_memory(limit: u64) -> Spool {
        Spool {
            dir: None,
            files: Vec::new(),
            last_id: 0,
            limit,
            used: 0,
            _owner: None,
        }
    }

    /// The spool in host directory `dir` (created when the first file is written), with
    /// its files read back; `limit` as [`limit_from_env`] gives it.
    pub fn open(dir: &Path, limit: u64) -> Result<Spool, SpoolError> {
        let mut s = Spool::in_memory(limit);
        s.dir = Some(dir.to_path_buf());
        if !dir.exists() {
            return Ok(s);
        }
        let entries = std::fs::read_dir(dir).map_err(|e| err(dir, e.to_string()))?;
        let mut by_id = BTreeMap::new();
        for e in entries {
            let e = e.map_err(|e| err(dir, e.to_string()))?;
            let name = e.file_name();
            let Some(id) = name.to_str().and_then(spool_file_id) else {
                continue;
            };
            let f = read_spool_file(&e.path())?;
            if f.id != id {
                return Err(err(
                    &e.path(),
                    format!("header says spool id {} but the file name {id}", f.id),
                ));
            }
            by_id.insert(id, f);
        }
        let index = dir.join(INDEX);
        let mut order = Vec::new();
        if index.exists() {
            let text = std::fs::read_to_string(&index).map_err(|e| err(&index, e.to_string()))?;
            for (n, line) in text.lines().enumerate() {
                let mut w = line.split_whitespace();
                let bad = |what: &str| err(&index, format!("line {}: {what}", n + 1));
                match w.next() {
                    Some("LAST") => {
                        s.last_id = w
                            .next()
                            .and_then(|v| v.parse().ok())
                            .ok_or_else(|| bad("LAST needs a spool id"))?
                    }
                    Some("ORDER") => {
                        for v in w {
                            order.push(v.parse::<u32>().map_err(|_| bad("bad spool id"))?);
                        }
                    }
                    None => {}
                    Some(o) => return Err(bad(&format!("unknown statement {o}"))),
                }
            }
        }
        for id in order {
            if let Some(f) = by_id.remove(&id) {
                s.files.push(f);
            }
        }
        s.files.extend(by_id.into_values());
        s.used = s.files.iter().map(SpoolFile::space).sum();
        if let Some(m) = s.files.iter().map(|f| f.id).max() {
            if s.last_id == 0 {
                s.last_id = m;
            }
        }
        Ok(s)
    }

    /// The host spool directory, if any.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The files in queue order.
    pub fn files(&self) -> &[SpoolFile] {
        &self.files
    }

    /// The file with spool id `id`.
    pub fn file(&self, id: u32) -> Option<&SpoolFile> {
        self.files.iter().find(|f| f.id == id)
    }

    /// Spool space in use (closed files and open files' records).
    pub fn used(&self) -> u64 {
        self.used
    }

    /// Takes space for one record of `len` bytes of a file being written.
    pub fn reserve(&mut self, len: usize) -> Result<(), SpoolFull> {
        let n = record_space(len);
        if self.used + n > self.limit {
            return Err(SpoolFull);
        }
        self.used += n;
        Ok(())
    }

    /// Gives back the space of records of a file being written that will not be closed.
    pub fn release(&mut self, space: u64) {
        self.used = self.used.saturating_sub(space);
    }

    /// The next free spool id: 1 to [`MAX_SPOOLID`], then around again (SPOOL HELPCMD2,
    /// "The Spoolid Number").
    fn next_id(&mut self) -> Option<u32> {
        for _ in 0..MAX_SPOOLID {
            self.last_id = self.last_id % MAX_SPOOLID + 1;
            let id = self.last_id;
            if self.file(id).is_none() {
                return Some(id);
            }
        }
        None
    }

    /// Adds a file made whole by CP (not written record by record through a device): its
    /// records are reserved first, as a device's are ([`Spool::reserve`]); when they do
    /// not fit, nothing is kept and the spool is full.
    pub fn add_new(&mut self, file: SpoolFile) -> Result<u32, NotAdded> {
        let mut taken = 0;
        for r in &file.records {
            if self.reserve(r.len()).is_err() {
                self.release(taken);
                return Err(NotAdded::Full);
            }
            taken += record_space(r.len());
        }
        self.add(file).map_err(NotAdded::Host)
    }

    /// Adds a closed file whose records were reserved ([`Spool::reserve`]); gives its id.
    /// `file.id` is ignored.
    pub fn add(&mut self, mut file: SpoolFile) -> Result<u32, SpoolError> {
        let Some(id) = self.next_id() else {
            self.release(file.space());
            return Err(err(
                self.dir.as_deref().unwrap_or(Path::new("spool")),
                "all 9900 spool ids are in use",
            ));
        };
        file.id = id;
        if let Err(e) = self.write_file(&file) {
            self.release(file.space());
            return Err(e);
        }
        self.files.push(file);
        self.write_index()?;
        Ok(id)
    }

    /// Changes file `id` with `f` and writes it back.
    pub fn update(&mut self, id: u32, f: impl FnOnce(&mut SpoolFile)) -> Result<bool, SpoolError> {
        let Some(i) = self.files.iter().position(|x| x.id == id) else {
            return Ok(false);
        };
        let mut new = self.files[i].clone();
        f(&mut new);
        self.write_file(&new)?;
        self.files[i] = new;
        Ok(true)
    }

    /// Removes file `id` (PURGE, a reader file read to its end).
    pub fn purge(&mut self, id: u32) -> Result<bool, SpoolError> {
        let Some(i) = self.files.iter().position(|x| x.id == id) else {
            return Ok(false);
        };
        if let Some(d) = &self.dir {
            let p = d.join(file_name(id));
            match std::fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(err(&p, format!("cannot remove: {e}"))),
            }
        }
        let f = self.files.remove(i);
        self.used = self.used.saturating_sub(f.space());
        self.write_index()?;
        Ok(true)
    }

    /// Puts the files `ids` first in their queues, in that order (ORDER).
    pub fn order(&mut self, ids: &[u32]) -> Result<(), SpoolError> {
        let mut front = Vec::new();
        for id in ids {
            if let Some(i) = self.files.iter().position(|x| x.id == *id) {
                front.push(self.files.remove(i));
            }
        }
        front.append(&mut self.files);
        self.files = front;
        self.write_index()
    }

    /// The next card for the reader of `user` reading class `class` (`*`: any) from `pos`.
    /// At the end of a file the file is purged, or with `hold` saved (NOCONT) or held
    /// (CONT) ([`ReaderEnd::by_spool`]); with `cont` the next file follows without an end
    /// of file.
    pub fn reader_next(
        &mut self,
        user: &str,
        class: char,
        cont: bool,
        hold: bool,
        pos: &mut Option<ReaderPos>,
    ) -> Result<ReaderRecord, SpoolError> {
        let mut read_one = false;
        loop {
            if pos.is_none() {
                match self.first_readable(user, class) {
                    Some(id) => *pos = Some(ReaderPos::start(id)),
                    None if read_one => return Ok(ReaderRecord::EndOfFile),
                    None => return Ok(ReaderRecord::NoFile),
                }
            }
            let Some(p) = *pos else { continue };
            let Some(f) = self.file(p.id) else {
                // Purged or transferred while it was read.
                *pos = None;
                continue;
            };
            if let Some(r) = f.records.get(p.next) {
                let card = r.clone();
                *pos = Some(ReaderPos {
                    next: p.next + 1,
                    ..p
                });
                return Ok(ReaderRecord::Card(card));
            }
            if p.repeat > 0 {
                *pos = Some(ReaderPos {
                    repeat: p.repeat - 1,
                    ..ReaderPos::start(p.id)
                });
                continue;
            }
            self.finish_read(pos, ReaderEnd::by_spool(hold, cont))?;
            if !cont {
                return Ok(ReaderRecord::EndOfFile);
            }
            read_one = true;
        }
    }

    /// The reader is done with the file at `pos` (its end, or CLOSE).
    pub fn finish_read(
        &mut self,
        pos: &mut Option<ReaderPos>,
        end: ReaderEnd,
    ) -> Result<(), SpoolError> {
        if let Some(p) = pos.take() {
            match end {
                ReaderEnd::Purge => {
                    self.purge(p.id)?;
                }
                ReaderEnd::Save => {}
                ReaderEnd::Hold => {
                    self.update(p.id, |f| f.hold = true)?;
                }
            }
        }
        Ok(())
    }

    /// The first reader file of `user` of class `class` that is not held.
    pub fn first_readable(&self, user: &str, class: char) -> Option<u32> {
        self.files
            .iter()
            .find(|f| {
                f.queue == Queue::Rdr
                    && f.owner == user
                    && !f.hold
                    && (class == '*' || f.class == class)
            })
            .map(|f| f.id)
    }

    /// The reader files of `user` in queue order.
    fn reader_files(&self, user: &str) -> Vec<&SpoolFile> {
        self.files
            .iter()
            .filter(|f| f.queue == Queue::Rdr && f.owner == user)
            .collect()
    }

    /// DIAGNOSE X'14' on the reader of `user` reading class `class` (`hold`: SPOOL RDR
    /// HOLD) at `pos` ([`diagnose::spool`] gives the subcodes, the condition codes and the
    /// layouts).
    pub fn diag14(
        &mut self,
        user: &str,
        class: char,
        hold: bool,
        pos: &mut Option<ReaderPos>,
        op: SpoolInputOp,
    ) -> Result<SpoolInputAnswer, SpoolError> {
        use SpoolInputOp as Op;
        // The active file, if it still exists.
        if pos.is_some_and(|p| self.file(p.id).is_none_or(|f| f.owner != user)) {
            *pos = None;
        }
        let cc = SpoolInputAnswer::cc;
        Ok(match op {
            Op::ReadNext => loop {
                if pos.is_none() {
                    match self.first_readable(user, class) {
                        Some(id) => *pos = Some(ReaderPos::start(id)),
                        None => break cc(2),
                    }
                }
                let Some(p) = *pos else { break cc(2) };
                let Some(f) = self.file(p.id) else {
                    break cc(2);
                };
                if p.next >= f.records.len() {
                    if p.repeat > 0 {
                        *pos = Some(ReaderPos {
                            repeat: p.repeat - 1,
                            ..ReaderPos::start(p.id)
                        });
                        continue;
                    }
                    self.finish_read(pos, ReaderEnd::by_spool(hold, false))?;
                    break cc(1);
                }
                let (b, n) = spool_buffer(f.id, p.buffer + 1, &f.records[p.next..], true);
                *pos = Some(ReaderPos {
                    next: p.next + n,
                    buffer: p.buffer + 1,
                    ..p
                });
                break SpoolInputAnswer::data(b);
            },
            Op::NextPrintSfblok | Op::NextPunchSfblok => {
                let want = if op == Op::NextPrintSfblok {
                    Queue::Prt
                } else {
                    Queue::Pun
                };
                let files = self.reader_files(user);
                let after = pos
                    .and_then(|p| files.iter().position(|f| f.id == p.id))
                    .map_or(0, |i| i + 1);
                match files[after..]
                    .iter()
                    .find(|f| f.made_by == want && !f.hold && (class == '*' || f.class == class))
                {
                    Some(f) => {
                        let b = sfblok(f).to_bytes();
                        *pos = Some(ReaderPos::start(f.id));
                        SpoolInputAnswer::data(b)
                    }
                    None => cc(2),
                }
            }
            Op::Select(id) => match self.reader_files(user).iter().find(|f| f.id == id) {
                Some(_) => {
                    *pos = Some(ReaderPos::start(id));
                    cc(0)
                }
                None => cc(2),
            },
            Op::Repeat(n) => match pos {
                Some(p) => {
                    p.repeat = n;
                    cc(0)
                }
                None => cc(2),
            },
            Op::Restart => match pos {
                Some(p) => {
                    *p = ReaderPos {
                        repeat: p.repeat,
                        ..ReaderPos::start(p.id)
                    };
                    cc(0)
                }
                None => cc(2),
            },
            Op::Backspace => match pos {
                Some(p) if p.next == 0 => cc(1),
                Some(p) => {
                    p.next -= 1;
                    cc(0)
                }
                None => cc(2),
            },
            // vm390 makes no monitor files.
            Op::NextMonitorSfblok | Op::NextMonitorRecord => cc(2),
            Op::Position(n) => match *pos {
                Some(p) => {
                    let len = self.file(p.id).map_or(0, |f| f.records.len());
                    if n == 0 || n as usize > len {
                        cc(3)
                    } else {
                        *pos = Some(ReaderPos {
                            next: n as usize - 1,
                            ..p
                        });
                        cc(0)
                    }
                }
                None => cc(2),
            },
            Op::NextFileDescriptor(id) => {
                let files = self.reader_files(user);
                let at = if id == 0 {
                    0
                } else {
                    match files.iter().position(|f| f.id == id) {
                        Some(i) => i + 1,
                        None => return Ok(cc(2)),
                    }
                };
                match files.get(at) {
                    Some(f) => {
                        let mut b = sfblok(f).to_bytes();
                        if let Some(r) = f.records.first() {
                            let r = &r[..r.len().min(diagnose::spool::BUFFER_LEN - b.len() - 2)];
                            b.extend_from_slice(&(r.len() as u16).to_be_bytes());
                            b.extend_from_slice(r);
                        }
                        SpoolInputAnswer::data(b)
                    }
                    None => cc(1),
                }
            }
        })
    }

    fn write_file(&self, f: &SpoolFile) -> Result<(), SpoolError> {
        let Some(d) = &self.dir else { return Ok(()) };
        let mut out = format!(
            "VM390SPOOL 1 id={} origin={} owner={} queue={} device={} class={} name={} type={} \
             dist={} copies={} hold={} date={} time={} records={}\n",
            f.id,
            f.origin,
            f.owner,
            f.queue.name(),
            f.made_by.name(),
            f.class,
            field(&f.name),
            field(&f.ftype),
            field(&f.dist),
            f.copies,
            u8::from(f.hold),
            f.date,
            f.time,
            f.records.len()
        )
        .into_bytes();
        for r in &f.records {
            let len = u16::try_from(r.len()).unwrap_or(u16::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(&r[..usize::from(len)]);
        }
        write_atomic(d, &file_name(f.id), &out)
    }

    fn write_index(&self) -> Result<(), SpoolError> {
        let Some(d) = &self.dir else { return Ok(()) };
        let mut text = format!("LAST {}\nORDER", self.last_id);
        for f in &self.files {
            text.push_str(&format!(" {}", f.id));
        }
        text.push('\n');
        write_atomic(d, INDEX, text.as_bytes())
    }
}

/// The records a punch or printer wrote since the last CLOSE, and the space they took.
#[derive(Debug, Default)]
pub struct OpenFile {
    /// The records.
    pub records: Vec<Vec<u8>>,
    /// Their spool space ([`Spool::reserve`]).
    pub space: u64,
}

/// The [`SpoolSink`](crate::io::device::SpoolSink) of one virtual unit-record device: its
/// open file, or its place in the reader file it reads.
pub struct DeviceSpool<'a> {
    /// The system spool.
    pub spool: &'a SpoolHandle,
    /// The user the device belongs to.
    pub user: &'a str,
    /// The device's spooling options (class, CONT, HOLD).
    pub opts: &'a crate::io::device::SpoolOpts,
    /// A punch's or printer's open file.
    pub open: &'a mut OpenFile,
    /// A reader's place.
    pub reader: &'a mut Option<ReaderPos>,
    /// A write found the spool space full.
    pub full: bool,
    /// A host failure of the spool while reading.
    pub error: Option<SpoolError>,
}

impl crate::io::device::SpoolSink for DeviceSpool<'_> {
    fn put_record(&mut self, record: &[u8]) -> Result<(), SpoolFull> {
        if let Err(e) = lock(self.spool).reserve(record.len()) {
            self.full = true;
            return Err(e);
        }
        self.open.space += record_space(record.len());
        self.open.records.push(record.to_vec());
        Ok(())
    }

    fn next_card(&mut self) -> ReaderRecord {
        let o = self.opts;
        let r = lock(self.spool).reader_next(self.user, o.class, o.cont, o.hold, self.reader);
        r.unwrap_or_else(|e| {
            self.error = Some(e);
            ReaderRecord::EndOfFile
        })
    }
}

/// The SFBLOK of `f` (DIAGNOSE X'14').
fn sfblok(f: &SpoolFile) -> Sfblok {
    Sfblok {
        spoolid: f.id as u16,
        devtype: if f.made_by == Queue::Prt { 0x80 } else { 0x40 },
        class: diagnose::ebcdic::padded::<1>(&f.class.to_string())[0],
        owner: f.owner.clone(),
        origin: f.origin.clone(),
        records: f.records.len() as u32,
        record_len: f.records.iter().map(|r| r.len() as u32).max().unwrap_or(0),
        flags: if f.hold { 0x20 } else { 0 },
        copies: f.copies,
        name: f.name.clone(),
        ftype: f.ftype.clone(),
        dist: f.dist.clone(),
    }
}

/// A header value: `-` for an empty one.
fn field(s: &str) -> &str {
    if s.is_empty() {
        "-"
    } else {
        s
    }
}

/// The host name of spool file `id`.
fn file_name(id: u32) -> String {
    format!("{id:04}.spool")
}

/// The spool id of a host file name `NNNN.spool`.
fn spool_file_id(name: &str) -> Option<u32> {
    let n = name.strip_suffix(".spool")?;
    (n.len() == 4 && n.bytes().all(|b| b.is_ascii_digit()))
        .then(|| n.parse().ok())
        .flatten()
        .filter(|&id| id > 0)
}

/// Writes `data` to `dir/name` through a temporary file in `dir` and a rename; creates
/// `dir` when it does not exist.
fn write_atomic(dir: &Path, name: &str, data: &[u8]) -> Result<(), SpoolError> {
    std::fs::create_dir_all(dir).map_err(|e| err(dir, format!("cannot create: {e}")))?;
    let tmp = dir.join(format!(".{name}.tmp"));
    let dest = dir.join(name);
    std::fs::write(&tmp, data).map_err(|e| err(&tmp, format!("cannot write: {e}")))?;
    std::fs::rename(&tmp, &dest).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err(&dest, format!("cannot replace: {e}"))
    })
}

/// Reads one spool file written by [`Spool::write_file`].
pub fn read_spool_file(path: &Path) -> Result<SpoolFile, SpoolError> {
    let data = std::fs::read(path).map_err(|e| err(path, e.to_string()))?;
    let nl = data
        .iter()
        .position(|&b| b == b'\n')
        .ok_or_else(|| err(path, "no header line"))?;
    let header = std::str::from_utf8(&data[..nl]).map_err(|_| err(path, "header is not text"))?;
    let mut w = header.split_whitespace();
    if w.next() != Some("VM390SPOOL") || w.next() != Some("1") {
        return Err(err(path, "not a vm390 spool file (header VM390SPOOL 1)"));
    }
    let kv: BTreeMap<&str, &str> = w.filter_map(|t| t.split_once('=')).collect();
    let get = |k: &str| {
        kv.get(k)
            .copied()
            .ok_or_else(|| err(path, format!("header: no {k}=")))
    };
    let num = |k: &str| -> Result<u64, SpoolError> {
        get(k)?
            .parse()
            .map_err(|_| err(path, format!("header: {k}= is not a number")))
    };
    let text = |k: &str| -> Result<String, SpoolError> {
        Ok(match get(k)? {
            "-" => String::new(),
            v => v.to_string(),
        })
    };
    let queue =
        |k: &str| Queue::parse(get(k)?).ok_or_else(|| err(path, format!("header: bad {k}=")));
    let count = num("records")?;
    let mut records = Vec::new();
    let mut at = nl + 1;
    for n in 0..count {
        let Some(len) = data.get(at..at + 2) else {
            return Err(err(
                path,
                format!("offset {at}: record {} is missing", n + 1),
            ));
        };
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        let Some(r) = data.get(at + 2..at + 2 + len) else {
            return Err(err(
                path,
                format!("offset {at}: record {} is cut short", n + 1),
            ));
        };
        records.push(r.to_vec());
        at += 2 + len;
    }
    if at != data.len() {
        return Err(err(
            path,
            format!("offset {at}: data after the last record"),
        ));
    }
    Ok(SpoolFile {
        id: u32::try_from(num("id")?).map_err(|_| err(path, "header: bad id="))?,
        origin: text("origin")?,
        owner: text("owner")?,
        queue: queue("queue")?,
        made_by: queue("device")?,
        class: get("class")?.chars().next().unwrap_or('A'),
        name: text("name")?,
        ftype: text("type")?,
        dist: text("dist")?,
        copies: u8::try_from(num("copies")?).unwrap_or(1),
        hold: num("hold")? != 0,
        date: text("date")?,
        time: text("time")?,
        records,
    })
}

/// The spool space limit: `VM390_SPOOL_LIMIT` (bytes, or `nK` / `nM`), else
/// [`DEFAULT_LIMIT`].
pub fn limit_from_env() -> Result<u64, String> {
    let Some(v) = std::env::var_os("VM390_SPOOL_LIMIT") else {
        return Ok(DEFAULT_LIMIT);
    };
    let s = v.to_string_lossy().trim().to_ascii_uppercase();
    let (n, mult) = match s.as_bytes().last() {
        Some(b'K') => (&s[..s.len() - 1], 1 << 10),
        Some(b'M') => (&s[..s.len() - 1], 1 << 20),
        _ => (s.as_str(), 1),
    };
    n.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("VM390_SPOOL_LIMIT: '{s}' is not a size (bytes, nK or nM)"))
}

/// The spool of a directory file `direct`: the `spool/` directory beside it.
pub fn spool_dir_for(direct: &Path) -> PathBuf {
    match direct.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.join("spool"),
        _ => PathBuf::from("spool"),
    }
}

/// The system spool of `directory`: in its spool directory, or in memory. The spool
/// directory is used only while this process holds the lock on the directory file (see the
/// module documentation); when another vm390 holds it, this one says so on standard error
/// and keeps its spool in memory.
pub fn for_directory(directory: &crate::directory::Directory) -> Result<SpoolHandle, String> {
    let limit = limit_from_env()?;
    let s = match &directory.spool_dir {
        Some(d) => match directory.file.as_deref().map(own_spool).transpose() {
            Ok(owner) => {
                let mut s = Spool::open(d, limit).map_err(|e| e.to_string())?;
                s._owner = owner;
                s
            }
            Err(why) => {
                eprintln!("vm390: {why}: spool files of this session are kept in memory only");
                Spool::in_memory(limit)
            }
        },
        None => Spool::in_memory(limit),
    };
    Ok(Arc::new(Mutex::new(s)))
}

/// Takes the exclusive advisory lock on the directory file `direct` that makes this process
/// the owner of its spool directory; why not, naming the holder's pid where it is known.
fn own_spool(direct: &Path) -> Result<std::fs::File, String> {
    let f = std::fs::File::open(direct).map_err(|e| format!("{}: {e}", direct.display()))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => Err(match crate::dasd::lock_holder(&f) {
            Some(pid) => format!("the spool of {} is in use by pid {pid}", direct.display()),
            None => format!(
                "the spool of {} is in use by another process",
                direct.display()
            ),
        }),
        Err(std::fs::TryLockError::Error(e)) => Err(format!("{}: lock: {e}", direct.display())),
    }
}

/// A record as ASCII text: EBCDIC translated, trailing blanks removed (spool export).
pub fn record_text(r: &[u8]) -> String {
    crate::io::ebcdic::ebcdic_to_text(r).trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A second CP on the same directory file does not use its spool directory: its files
    /// would take the same spool ids and its index would overwrite the first one's.
    #[test]
    fn one_cp_owns_a_directory_spool() {
        let tmp = tempfile::tempdir().unwrap();
        let direct = tmp.path().join("u.direct");
        std::fs::write(&direct, "USER U U 1M 1M G\n CONSOLE 009 3215\n").unwrap();
        let dir = crate::directory::parse_directory(&direct).unwrap();
        let first = for_directory(&dir).unwrap();
        let second = for_directory(&dir).unwrap();
        assert!(lock(&first).dir.is_some());
        assert!(lock(&second).dir.is_none(), "two owners of one spool");
        drop(first);
        let third = for_directory(&dir).unwrap();
        assert!(lock(&third).dir.is_some(), "the lock is not given back");
    }

    fn file(owner: &str, queue: Queue, recs: &[&[u8]]) -> SpoolFile {
        SpoolFile {
            id: 0,
            origin: owner.into(),
            owner: owner.into(),
            queue,
            made_by: Queue::Pun,
            class: 'A',
            name: "X".into(),
            ftype: String::new(),
            dist: owner.into(),
            copies: 1,
            hold: false,
            date: "12/07".into(),
            time: "20:00".into(),
            records: recs.iter().map(|r| r.to_vec()).collect(),
        }
    }

    /// Adds `f` as CLOSE does: its records reserved first.
    fn add(s: &mut Spool, f: SpoolFile) -> u32 {
        s.add_new(f).unwrap()
    }

    /// A file CP makes whole (a disconnected console's output) takes the space of its
    /// records as a device's would, and one that does not fit leaves nothing taken.
    #[test]
    fn add_new_reserves_each_record_or_nothing() {
        let mut s = Spool::in_memory(100);
        add(&mut s, file("T", Queue::Prt, &[b"ABCD", b"EF"]));
        assert_eq!(s.used(), record_space(4) + record_space(2));
        let before = s.used();
        let big = file("T", Queue::Prt, &[&[0x40; 50], &[0x40; 50]]);
        assert!(matches!(s.add_new(big), Err(NotAdded::Full)));
        assert_eq!(s.used(), before);
        assert_eq!(s.files().len(), 1);
    }

    #[test]
    fn files_survive_a_reopen_in_their_order() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("spool");
        let mut s = Spool::open(&d, DEFAULT_LIMIT).unwrap();
        let a = add(&mut s, file("U", Queue::Rdr, &[b"AB", b""]));
        let b = add(&mut s, file("U", Queue::Prt, &[b"C"]));
        s.order(&[b]).unwrap();
        std::fs::write(d.join("notes.txt"), "mine").unwrap();
        let s2 = Spool::open(&d, DEFAULT_LIMIT).unwrap();
        assert_eq!(s2.files(), s.files());
        assert_eq!(s2.files()[0].id, b);
        assert_eq!(s2.used(), s.used());
        let mut s2 = s2;
        s2.purge(a).unwrap();
        assert!(!d.join("0001.spool").exists());
        assert!(
            d.join("notes.txt").exists(),
            "a file vm390 did not make is kept"
        );
        assert_eq!(Spool::open(&d, DEFAULT_LIMIT).unwrap().files().len(), 1);
    }

    #[test]
    fn a_bad_spool_file_is_named_with_its_offset() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        let mut s = Spool::open(d, DEFAULT_LIMIT).unwrap();
        add(&mut s, file("U", Queue::Rdr, &[b"ABCD"]));
        let p = d.join("0001.spool");
        let mut data = std::fs::read(&p).unwrap();
        data.truncate(data.len() - 2);
        std::fs::write(&p, data).unwrap();
        let e = Spool::open(d, DEFAULT_LIMIT).unwrap_err().to_string();
        assert!(
            e.contains("0001.spool") && e.contains("record 1 is cut short"),
            "{e}"
        );
    }

    /// Spool ids go from 9900 back to 1, skipping ids in use.
    #[test]
    fn spool_ids_wrap_after_9900() {
        let mut s = Spool::in_memory(DEFAULT_LIMIT);
        let one = add(&mut s, file("U", Queue::Rdr, &[]));
        s.last_id = MAX_SPOOLID - 1;
        assert_eq!(add(&mut s, file("U", Queue::Rdr, &[])), MAX_SPOOLID);
        assert_eq!(one, 1);
        assert_eq!(add(&mut s, file("U", Queue::Rdr, &[])), 2);
    }

    #[test]
    fn reserve_stops_at_the_limit() {
        let mut s = Spool::in_memory(12);
        assert!(s.reserve(4).is_ok());
        assert!(s.reserve(4).is_ok());
        assert_eq!(s.reserve(0), Err(SpoolFull));
        s.release(6);
        assert!(s.reserve(1).is_ok());
    }

    #[test]
    fn the_reader_reads_cards_then_end_of_file_and_purges() {
        let mut s = Spool::in_memory(DEFAULT_LIMIT);
        add(&mut s, file("U", Queue::Rdr, &[b"1", b"2"]));
        add(&mut s, file("U", Queue::Rdr, &[b"3"]));
        let mut pos = None;
        let mut got = Vec::new();
        loop {
            match s.reader_next("U", '*', false, false, &mut pos).unwrap() {
                ReaderRecord::Card(c) => got.push(c),
                ReaderRecord::EndOfFile => break,
                ReaderRecord::NoFile => panic!("no file"),
            }
        }
        assert_eq!(got, vec![b"1".to_vec(), b"2".to_vec()]);
        assert_eq!(s.files().len(), 1);
        // CONT: the next file follows; then end of file, then no file.
        add(&mut s, file("U", Queue::Rdr, &[b"4"]));
        let mut r = Vec::new();
        for _ in 0..4 {
            r.push(s.reader_next("U", '*', true, false, &mut pos).unwrap());
        }
        assert_eq!(
            r,
            vec![
                ReaderRecord::Card(b"3".to_vec()),
                ReaderRecord::Card(b"4".to_vec()),
                ReaderRecord::EndOfFile,
                ReaderRecord::NoFile
            ]
        );
    }

    /// DIAGNOSE X'14' on the reader: select, position, backspace, restart, repeat, the
    /// SFBLOKs and the file descriptor (diagnose::spool).
    #[test]
    fn diag14_moves_in_the_reader_files() {
        use SpoolInputOp as Op;
        let mut s = Spool::in_memory(DEFAULT_LIMIT);
        let a = add(&mut s, file("U", Queue::Rdr, &[b"A1", b"A2", b"A3"]));
        let mut prt = file("U", Queue::Rdr, &[b"P1"]);
        prt.made_by = Queue::Prt;
        let p = add(&mut s, prt);
        let mut pos = None;
        let d = |s: &mut Spool, pos: &mut Option<ReaderPos>, op| {
            s.diag14("U", '*', false, pos, op).unwrap()
        };
        assert_eq!(d(&mut s, &mut pos, Op::Restart).cc, 2, "no active file");
        assert_eq!(d(&mut s, &mut pos, Op::Select(99)).cc, 2);
        assert_eq!(d(&mut s, &mut pos, Op::Select(a)).cc, 0);
        assert_eq!(
            d(&mut s, &mut pos, Op::Backspace).cc,
            1,
            "at the first record"
        );
        assert_eq!(d(&mut s, &mut pos, Op::Position(4)).cc, 3, "beyond the end");
        assert_eq!(d(&mut s, &mut pos, Op::Position(3)).cc, 0);
        assert_eq!(d(&mut s, &mut pos, Op::Backspace).cc, 0);
        // The buffer from record 2: A2, A3; it is the last.
        let b = d(&mut s, &mut pos, Op::ReadNext).data.unwrap();
        assert_eq!(&b[0..12], &[0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2]);
        assert_eq!(&b[16..20], &[0, 2, b'A', b'2']);
        // Repeat once, restart: the file is read again, then twice more to the end.
        assert_eq!(d(&mut s, &mut pos, Op::Repeat(1)).cc, 0);
        assert_eq!(d(&mut s, &mut pos, Op::Restart).cc, 0);
        assert_eq!(d(&mut s, &mut pos, Op::ReadNext).cc, 0);
        assert_eq!(d(&mut s, &mut pos, Op::ReadNext).cc, 0, "the repeat");
        assert_eq!(d(&mut s, &mut pos, Op::ReadNext).cc, 1, "end of file");
        assert!(s.file(a).is_none(), "read to its end: purged");
        // The print file's SFBLOK; no punch file; no monitor files.
        let sf = d(&mut s, &mut pos, Op::NextPrintSfblok).data.unwrap();
        assert_eq!(&sf[4..7], &[0, p as u8, 0x80]);
        assert_eq!(d(&mut s, &mut pos, Op::NextPunchSfblok).cc, 2);
        assert_eq!(d(&mut s, &mut pos, Op::NextMonitorSfblok).cc, 2);
        assert_eq!(d(&mut s, &mut pos, Op::NextMonitorRecord).cc, 2);
        // X'0FFF': the first file's SFBLOK and first record; after it none; a bad id.
        let fd = d(&mut s, &mut pos, Op::NextFileDescriptor(0)).data.unwrap();
        assert_eq!(&fd[64..68], &[0, 2, b'P', b'1']);
        assert_eq!(d(&mut s, &mut pos, Op::NextFileDescriptor(p)).cc, 1);
        assert_eq!(d(&mut s, &mut pos, Op::NextFileDescriptor(a)).cc, 2);
    }

    /// SPOOL RDR HOLD: a file read to its end is saved (NOCONT: read again next) or held
    /// (CONT: not read again) (CLOSE HELPCMD2, usage note 5).
    #[test]
    fn a_held_reader_keeps_its_files() {
        let mut s = Spool::in_memory(DEFAULT_LIMIT);
        let a = add(&mut s, file("U", Queue::Rdr, &[b"1"]));
        let mut pos = None;
        let card = ReaderRecord::Card(b"1".to_vec());
        assert_eq!(
            s.reader_next("U", 'A', false, true, &mut pos).unwrap(),
            card
        );
        assert_eq!(
            s.reader_next("U", 'A', false, true, &mut pos).unwrap(),
            ReaderRecord::EndOfFile
        );
        assert!(!s.file(a).unwrap().hold, "saved");
        assert_eq!(s.reader_next("U", 'A', true, true, &mut pos).unwrap(), card);
        assert_eq!(
            s.reader_next("U", 'A', true, true, &mut pos).unwrap(),
            ReaderRecord::EndOfFile
        );
        assert!(s.file(a).unwrap().hold, "held");
        assert_eq!(
            s.reader_next("U", 'A', false, true, &mut pos).unwrap(),
            ReaderRecord::NoFile
        );
        // Another class is not read.
        add(&mut s, file("U", Queue::Rdr, &[b"2"]));
        assert_eq!(
            s.reader_next("U", 'B', false, false, &mut pos).unwrap(),
            ReaderRecord::NoFile
        );
    }
}
