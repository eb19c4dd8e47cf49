//! The one trait every virtual device implements: what a channel needs of a device (its
//! type and class, the DIAGNOSE X'24' device words, one command at a time, sense, reset)
//! and the little CP asks of it for its commands (the QUERY VIRTUAL line, IPL, flushing).
//!
//! A device sees only what is passed to it: the data of one command (the channel gathers
//! and scatters it in guest storage, [`super::run_chain`]), the console's line
//! ([`ConsoleSink`]) and the spool file being written ([`SpoolSink`]). It never reaches
//! into the control program, so the same device serves any virtual machine.
//!
//! Adding a device type is one file in `io/devices/` implementing [`ChannelDevice`] and one
//! `pub mod` line in `io/devices/mod.rs` (ARCHITECTURE.md, "Virtual devices").

use std::fmt;

use super::{run_chain, ChainEnd, DevReply, Stores};
use crate::io::dasd::Minidisk;
use crate::storage::Storage;

/// A device class, as CP's commands name the devices (QUERY VIRTUAL CONS / RDR / PUN /
/// PRT / DASD; DETACH's `... DETACHED` message).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceClass {
    /// Terminal (the virtual console).
    Console,
    /// Spooled card reader.
    Reader,
    /// Spooled card punch.
    Punch,
    /// Spooled printer.
    Printer,
    /// Direct-access storage (a minidisk).
    Dasd,
    /// Anything else (CP's "special" devices: channel-to-channel adapters, 3270s, ...).
    Special,
}

impl DeviceClass {
    /// The class as CP writes it in messages: `CONS`, `RDR`, `PUN`, `PRT`, `DASD`.
    pub fn name(self) -> &'static str {
        match self {
            DeviceClass::Console => "CONS",
            DeviceClass::Reader => "RDR",
            DeviceClass::Punch => "PUN",
            DeviceClass::Printer => "PRT",
            DeviceClass::Dasd => "DASD",
            DeviceClass::Special => "DEV",
        }
    }
}

/// The two device words DIAGNOSE X'24' returns (GC20-1807-7, "DIAGNOSE Code X'24'"): the
/// virtual device's class, type, status and flags, and the real device's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Diag24Words {
    /// Virtual device word (Ry).
    pub vdev: u32,
    /// Real device word (Ry+1).
    pub rdev: u32,
}

/// One command of a channel program as the device gets it: the command code, the data of
/// an output command (gathered over a data chain) or the most an input command may give.
/// CCW flags are the channel's business ([`super::run_chain`]).
#[derive(Clone, Copy, Debug)]
pub struct Command<'a> {
    /// Command code (CCW byte 0).
    pub code: u8,
    /// Output (write, control) commands: the data the channel offers.
    pub data: &'a [u8],
    /// Input (read, sense) commands: the most bytes the channel takes.
    pub count: usize,
}

/// Where the virtual console's lines go and come from.
pub trait ConsoleSink {
    /// Guest output: `data` in EBCDIC as the channel gave it (the CP translates it with the
    /// terminal's code page), then a line end if `cr`.
    fn write(&mut self, data: &[u8], cr: bool);
    /// The line the user typed for a read command, in EBCDIC; None when none was read for
    /// this channel program.
    fn take_input(&mut self) -> Option<Vec<u8>>;
}

/// A console line read before the channel program and the output it writes, handed to the
/// terminal afterwards (the device never holds the terminal itself).
#[derive(Debug, Default)]
pub struct ConsoleBuffer {
    /// The line for a read command (EBCDIC).
    pub input: Option<Vec<u8>>,
    /// Output lines (EBCDIC) and whether each ends with a carrier return.
    pub output: Vec<(Vec<u8>, bool)>,
}

impl ConsoleSink for ConsoleBuffer {
    fn write(&mut self, data: &[u8], cr: bool) {
        self.output.push((data.to_vec(), cr));
    }
    fn take_input(&mut self) -> Option<Vec<u8>> {
        self.input.take()
    }
}

/// Where a spooled unit-record device's records go and come from: the spool file being
/// written (CLOSE makes it a spool file) and the reader's input file ([`crate::spool`]).
pub trait SpoolSink {
    /// One record (a card or a print line) as the guest wrote it; `Err` when the spool
    /// space is full (the device is then not ready).
    fn put_record(&mut self, record: &[u8]) -> Result<(), crate::spool::SpoolFull>;
    /// The next card of the reader's input file. Default: no file.
    fn next_card(&mut self) -> crate::spool::ReaderRecord {
        crate::spool::ReaderRecord::NoFile
    }
}

/// A sink for devices that have no console or spool file.
#[derive(Debug, Default)]
pub struct NoSink;

impl ConsoleSink for NoSink {
    fn write(&mut self, _data: &[u8], _cr: bool) {}
    fn take_input(&mut self) -> Option<Vec<u8>> {
        None
    }
}

impl SpoolSink for NoSink {
    fn put_record(&mut self, _record: &[u8]) -> Result<(), crate::spool::SpoolFull> {
        Ok(())
    }
}

/// What a device may use while it runs one command.
pub struct IoContext<'a> {
    /// The virtual console's line.
    pub console: &'a mut dyn ConsoleSink,
    /// The spool file of a unit-record device.
    pub spool: &'a mut dyn SpoolSink,
}

/// The spooling options of a unit-record device or of the console (SPOOL command).
#[derive(Clone, Debug)]
pub struct SpoolOpts {
    /// Spool class (A–Z, 0–9; `*` for a reader: any class).
    pub class: char,
    /// CONT: files go on across CLOSE.
    pub cont: bool,
    /// HOLD: closed files are held.
    pub hold: bool,
    /// Copies of each file.
    pub copies: u8,
    /// TO userid (punch, printer).
    pub to: Option<String>,
    /// Console spooling (SPOOL CONSOLE START).
    pub spooled: bool,
}

impl Default for SpoolOpts {
    fn default() -> SpoolOpts {
        SpoolOpts {
            class: 'A',
            cont: false,
            hold: false,
            copies: 1,
            to: None,
            spooled: false,
        }
    }
}

/// What CP knows of a virtual device beyond the device itself, for its QUERY VIRTUAL line.
#[derive(Clone, Copy, Debug)]
pub struct QueryContext<'a> {
    /// Virtual address.
    pub vaddr: u16,
    /// The user (a punch or printer spools to its owner unless SPOOL TO says otherwise).
    pub owner: &'a str,
    /// Spooling options.
    pub spool: &'a SpoolOpts,
    /// `TERMINAL MODE CP` is set (the console line shows `TERM START`).
    pub term_start: bool,
    /// A temporary minidisk (DEFINE Tnnnn).
    pub temporary: bool,
}

/// A host failure of a device (a minidisk image that cannot be written).
pub type DeviceError = Box<dyn std::error::Error + Send + Sync>;

/// A virtual device as the channel and CP's commands see it.
pub trait ChannelDevice: fmt::Debug {
    /// Device type (3215, 2540, 1403, 3350, ...), decimal as the directory writes it.
    fn devtype(&self) -> u16;
    /// The class CP's commands name the device by.
    fn class(&self) -> DeviceClass;
    /// The DIAGNOSE X'24' device words.
    fn diag24(&self) -> Diag24Words;
    /// Runs one command of a channel program (any command but SENSE and NO-OP, which
    /// [`command`] answers for every device). A unit check sets the sense the device
    /// keeps until the next SENSE or reset.
    fn start(&mut self, cmd: Command<'_>, ctx: &mut IoContext<'_>) -> DevReply;
    /// The sense bytes of the last unit check (zeros when none).
    fn sense(&self) -> Vec<u8>;
    /// Clears the unit-check condition (after SENSE has read it).
    fn clear_sense(&mut self);
    /// System reset (IPL): the device's condition is cleared.
    fn reset(&mut self) {
        self.clear_sense();
    }
    /// The QUERY VIRTUAL line.
    fn describe(&self, q: &QueryContext<'_>) -> String;
    /// Whether a read on this device takes a line from the user's terminal (the console:
    /// CP reads it before the channel program runs, running `#CP` commands).
    fn reads_terminal(&self) -> bool {
        false
    }
    /// Whether IPL may load from the device.
    fn can_ipl(&self) -> bool {
        false
    }
    /// Writes what the device holds back to the host (DETACH, LOGOFF).
    fn flush(&mut self) -> Result<(), DeviceError> {
        Ok(())
    }
    /// The device as a CKD minidisk (DIAGNOSE X'18' and X'250', LINK), if it is one.
    fn as_minidisk(&self) -> Option<&Minidisk> {
        None
    }
    /// The device as a CKD minidisk, for change.
    fn as_minidisk_mut(&mut self) -> Option<&mut Minidisk> {
        None
    }
}

/// One command for `dev`: SENSE (X'04': the sense bytes, then the condition is reset) and
/// NO-OP (X'03': an immediate control command that transfers no data, so the CSW's
/// residual count is the CCW's count, GA22-7000 "Count" in the CSW) the same for every
/// device; everything else is the device's [`ChannelDevice::start`].
pub fn command(dev: &mut dyn ChannelDevice, cmd: Command<'_>, ctx: &mut IoContext<'_>) -> DevReply {
    match cmd.code {
        0x04 => {
            let s = dev.sense();
            dev.clear_sense();
            DevReply::input(s)
        }
        0x03 => DevReply::took(0),
        _ => dev.start(cmd, ctx),
    }
}

/// Runs the channel program at absolute `ccw_addr` with key `key` on `dev`
/// ([`run_chain`] with the device's commands); `trace` writes each command to stderr.
pub fn run_device_chain(
    mem: &mut Storage,
    key: u8,
    ccw_addr: u32,
    stores: &mut Stores,
    dev: &mut dyn ChannelDevice,
    ctx: &mut IoContext<'_>,
    trace: Option<u16>,
) -> ChainEnd {
    run_chain(mem, key, ccw_addr, stores, &mut |code, data, count| {
        if let Some(vaddr) = trace {
            eprintln!(
                "I/O {vaddr:03X} CCW {code:02X} out {} max {count}",
                data.len()
            );
        }
        command(&mut *dev, Command { code, data, count }, ctx)
    })
}
