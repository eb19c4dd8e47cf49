//! A virtual machine with no directory entry: what `vm390 run`, `vm390 conformance` and
//! the fuzz entry run a guest in. VM/370 has no such thing (every virtual machine is a
//! logged-on directory user); vm390 has it so that a flat image can be run under the same
//! CP as a logged-on user: the same CP commands (DIAGNOSE X'08'), the same DIAGNOSE
//! registry, the same minidisk devices. What differs is only what the missing directory
//! entry and terminal would have given:
//!
//! - the user is [`USERID`], privilege class G, with the storage size `vm390 run --storage`
//!   gives and no `IPL` statement (the caller loads the image and starts the CPU);
//! - the only devices are the minidisks of `--disk` ([`Cp::attach_full_pack`]), each a
//!   whole CKD image as a full-pack minidisk through [`Minidisk`] and `Cp::add`, as
//!   LOGON attaches an `MDISK`;
//! - the console at [`CONSOLE`] (VM/370's usual `CONSOLE 009 3215`) is a line console for
//!   output only, and not a virtual device: CP's answers to DIAGNOSE X'08' without a
//!   response buffer and the rows of a DIAGNOSE X'58' display go to a [`ConsoleSink`]; the
//!   guest cannot START I/O to it (CC 3: there is no input, so no console read) and
//!   DIAGNOSE X'24' does not describe it (CC 3 for X'009' and for -1, as under Hercules 3.13
//!   with `vm390 run`'s configuration);
//! - Hercules' DIAGNOSE X'F08' (the CPU's instruction count) is answered, and the CPU time
//!   of DIAGNOSE X'0C' is the time since the machine was made.
//!
//! The caller drives [`Cpu::run`](crate::cpu::Cpu::run) with the [`Cp`] as supervisor
//! itself and stops at a disabled wait, a program-interruption loop, an enabled wait with
//! nothing pending or its instruction limit: [`Vm::run`]'s CP mode (CP READ) is never
//! entered, as there is no terminal to read.

use std::path::Path;

use s390_decoder::Arch;

use crate::cpcmd::Effect;
use crate::cpu::Cpu;
use crate::dasd;
use crate::directory::{Directory, User};
use crate::io::dasd::Minidisk;
use crate::storage::Storage;
use crate::vm::{Cp, Terminal, Vm};

/// The user id of the virtual machine (`QUERY USERID` answers `RUNNER AT VM390`).
pub const USERID: &str = "RUNNER";

/// The address of the output-only line console.
pub const CONSOLE: u16 = 0x009;

/// Where the console output of an unattended virtual machine goes, one line at a time
/// (EBCDIC already translated).
#[derive(Debug, Default, Clone)]
pub enum ConsoleSink {
    /// Standard output, line by line as written (`vm390 run`).
    #[default]
    Stdout,
    /// Standard error (`vm390 run --json`, whose standard output is the JSON object).
    Stderr,
    /// Kept in memory (tests, `vm390 conformance`); the caller keeps a clone of the list.
    Capture(std::sync::Arc<std::sync::Mutex<Vec<String>>>),
}

impl ConsoleSink {
    /// A sink that keeps the lines, and the list they go to.
    pub fn capture() -> (ConsoleSink, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        (ConsoleSink::Capture(lines.clone()), lines)
    }

    fn line(&mut self, line: &str) {
        use std::io::Write as _;
        match self {
            // A closed stdout or stderr loses the line; the guest is not told (a line console
            // has no way to say it), and the CP must not stop.
            ConsoleSink::Stdout => {
                let _ = writeln!(std::io::stdout().lock(), "{line}");
            }
            ConsoleSink::Stderr => {
                let _ = writeln!(std::io::stderr().lock(), "{line}");
            }
            ConsoleSink::Capture(v) => v
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(line.to_string()),
        }
    }
}

/// The [`Terminal`] of an unattended virtual machine: output goes to its [`ConsoleSink`] a
/// line at a time; there is never input (end of input at once) nor an attention.
#[derive(Debug)]
struct OutputConsole {
    sink: ConsoleSink,
    /// Text of a line not yet ended.
    partial: String,
}

impl Terminal for OutputConsole {
    fn read_line(&mut self) -> Option<String> {
        None
    }
    fn write(&mut self, text: &str) {
        self.partial.push_str(text);
        while let Some(i) = self.partial.find('\n') {
            let line: String = self.partial.drain(..=i).collect();
            self.sink.line(&line[..i]);
        }
    }
}

impl Drop for OutputConsole {
    /// A line the guest left open is shown when the machine goes away.
    fn drop(&mut self) {
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.sink.line(&line);
        }
    }
}

/// The directory entry the virtual machine would have: [`USERID`], class G, `storage` bytes.
fn synthetic_user(storage: u64) -> User {
    User {
        id: USERID.to_string(),
        // It cannot log on: it has no directory to log on with.
        password: "NOLOG".to_string(),
        storage,
        max_storage: storage,
        classes: "G".to_string(),
        extra: Vec::new(),
        ipl: None,
        console: None,
        spool: Vec::new(),
        mdisks: Vec::new(),
        links: Vec::new(),
        dedicates: Vec::new(),
        options: Vec::new(),
        account: None,
    }
}

/// A host failure while attaching a `--disk` image.
#[derive(Debug)]
pub enum AttachError {
    /// The device number is taken.
    InUse(u16),
    /// The image could not be opened (the message names the file).
    Image(dasd::DasdError),
}

impl std::fmt::Display for AttachError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AttachError::InUse(v) => write!(f, "device {v:03X} is already attached"),
            AttachError::Image(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for AttachError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AttachError::InUse(_) => None,
            AttachError::Image(e) => Some(e),
        }
    }
}

impl From<dasd::DasdError> for AttachError {
    fn from(e: dasd::DasdError) -> AttachError {
        AttachError::Image(e)
    }
}

impl Vm {
    /// A virtual machine with no directory entry (see the module documentation): an
    /// `arch` CPU over `mem` (its size is the defined storage size), console output to
    /// `console`, no devices yet.
    pub fn unattended(arch: Arch, mem: Storage, console: ConsoleSink) -> Vm {
        let size = mem.size();
        let terminal = Box::new(OutputConsole {
            sink: console,
            partial: String::new(),
        });
        let user = synthetic_user(u64::from(size));
        // No directory, no spool directory: the spool lives as long as the machine.
        let system = crate::system::System::with_spool(
            Directory::default(),
            std::sync::Arc::new(std::sync::Mutex::new(crate::spool::Spool::in_memory(
                crate::spool::DEFAULT_LIMIT,
            ))),
        );
        let blok = std::sync::Arc::new(crate::system::VmBlok::new(&user.id, &user.classes, "CONS"));
        system.register(&blok);
        let mut cp = Cp::new(user, system, blok, terminal, size);
        cp.unattended = true;
        Vm {
            cpu: Cpu::new(arch, mem),
            cp,
        }
    }
}

impl Cp {
    /// Attaches the CKD image `path` (Hercules CKD_P370 / CKD_C370, or emx370 .ckdc) as a
    /// full-pack minidisk at `vaddr`: read-write when the file is writable and `read_only`
    /// is false, else read-only. An image another process writes (it holds the image's
    /// lock) is attached read-only, with a message on stderr naming the file and process.
    pub fn attach_full_pack(
        &mut self,
        vaddr: u16,
        path: &Path,
        read_only: bool,
    ) -> Result<(), AttachError> {
        if self.devices.contains_key(&vaddr) {
            return Err(AttachError::InUse(vaddr));
        }
        let writable =
            !read_only && std::fs::metadata(path).is_ok_and(|m| !m.permissions().readonly());
        let (img, read_only) = match dasd::open(path, !writable) {
            Err(e @ dasd::DasdError::Locked { .. }) => {
                eprintln!("vm390: {e}: attached read-only");
                (dasd::open(path, true)?, true)
            }
            r => (r?, read_only),
        };
        // The directory writes device types in decimal (3350), the image in hexadecimal.
        let devtype = format!("{:X}", img.geometry().devtype).parse().unwrap_or(0);
        let cyls = img.cylinders();
        let volser = img
            .volser()
            .map(|v| crate::io::ebcdic::ebcdic_to_text(&v))
            .unwrap_or_default();
        let md = Minidisk::new(vaddr, devtype, 0, cyls, read_only, volser, img);
        self.add(vaddr, Box::new(md));
        Ok(())
    }

    /// Writes what the minidisks hold back to their images (at the end of a run); the
    /// first failure, naming the device.
    pub fn flush_minidisks(&mut self) -> Result<(), String> {
        for d in self.devices.values_mut() {
            if let Some(m) = d.minidisk_mut() {
                m.flush()
                    .map_err(|e| format!("minidisk {:03X}: {e}", m.vaddr))?;
            }
        }
        Ok(())
    }

    /// Takes the effect of a CP command the guest gave with DIAGNOSE X'08' that ended the
    /// CPU's run early (an IPL or a system reset: the CPU goes on from its new state); true
    /// if there was one.
    pub fn take_command_effect(&mut self) -> bool {
        std::mem::take(&mut self.pending_effect) != Effect::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_console_splits_lines_and_keeps_an_open_one() {
        let (sink, lines) = ConsoleSink::capture();
        let mut c = OutputConsole {
            sink,
            partial: String::new(),
        };
        c.write("ONE\nTW");
        c.write("O\n\nTHR");
        assert_eq!(*lines.lock().unwrap(), ["ONE", "TWO", ""]);
        drop(c);
        assert_eq!(*lines.lock().unwrap(), ["ONE", "TWO", "", "THR"]);
    }

    #[test]
    fn the_user_is_runner_in_class_g() {
        let vm = Vm::unattended(
            Arch::Esa390,
            Storage::new(1 << 20).unwrap(),
            ConsoleSink::Stderr,
        );
        assert_eq!(vm.cp.user.id, "RUNNER");
        assert!(vm.cp.user.has_class('G') && !vm.cp.user.has_class('A'));
        assert_eq!(vm.cp.storage_size, 1 << 20);
        assert!(vm.cp.devices.is_empty());
    }

    /// Every CP command, bare and with operands, from DIAGNOSE X'08' of a machine with no
    /// directory entry: an answer, never a panic (the guest cannot crash the CP).
    #[test]
    fn every_command_answers_without_a_directory() {
        let operands = [
            "",
            "X",
            "ALL",
            "191",
            "009",
            "00E",
            "1M",
            "CMS",
            "T 191 191 RR",
            "PRINTER 00F",
            "STORAGE 2M",
            "EMSG ON",
            "TIME",
            "USERID",
            "VIRTUAL",
        ];
        for c in crate::cpcmd::COMMANDS {
            for o in operands {
                let (sink, _lines) = ConsoleSink::capture();
                let mut vm = Vm::unattended(Arch::Esa390, Storage::new(1 << 20).unwrap(), sink);
                let line = format!("{} {o}", c.name);
                let r = vm.cp.cp_command_from(&mut vm.cpu, &line, false);
                if line == "QUERY USERID" {
                    assert_eq!((r.rc, r.lines), (0, vec!["RUNNER AT VM390".to_string()]));
                }
            }
        }
    }
}
