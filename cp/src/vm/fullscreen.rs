//! DIAGNOSE X'58' full screen on a 3270 console, the CP side (the handler is the
//! `diagnose` crate's `display` module; the display is the terminal's, `net/mod.rs`).
//!
//! *VM/SP System Programmer's Guide* SC19-6203-2, DIAGNOSE X'58', "Full Screen
//! Interactions" (also the *VM/PC User's Guide*, appendix A):
//!
//! - The console is in CP mode (the VM/370 console screen) or in full-screen mode. An
//!   ERASE/WRITE (ALTERNATE) establishes full-screen mode; CP-mode I/O to the screen (any
//!   line output, a read of the console, a CP message, PA1) ends it: the terminal redraws
//!   its console screen. A full-screen WRITE or READ in CP mode ends with unit status
//!   X'8E', after which the program issues an ERASE/WRITE again.
//! - The I/O is asynchronous: channel end and device end are made pending for TEST I/O or
//!   an I/O interruption ([`Cp::console_status`]).
//! - ENTER, a PF key, PA2 or CLEAR pressed in full-screen mode is an attention
//!   interruption from the console; the record the key sent is what the program's READ
//!   MODIFIED then gets. The attention comes in an enabled wait ([`Cp::fullscreen_wait`])
//!   or at a TEST I/O of the console ([`Cp::fullscreen_poll`], the way MECAFF's `WSFQRY`
//!   waits for the answer to its query, with I/O interruptions disabled).
//! - PA1 is the attention key (CP mode) unless the ERASE/WRITE had CTL X'10': then it is a
//!   key the program reads.
//!
//! Choices where the documents are silent: a READ MODIFIED with no attention before it,
//! and every READ BUFFER, is sent to the terminal as that command, and the terminal's
//! answer is the data; a full-screen write while an attention is pending stores that
//! attention's CSW (CC 1) and writes nothing (`PGPL3270 ASSEMBLE` on the 192: "an I/O error
//! might occur if an attention is pending and the next I/O is a write"), while a read takes
//! the place of the attention; an ending status nobody took is dropped by the next
//! full-screen I/O. WRITE STRUCTURED FIELD is let through in CP mode (MECAFF's `WSFQRY`
//! queries the display before its first ERASE/WRITE) and its answer is awaited as in
//! full-screen mode.

use diagnose::display::{
    FullScreenAnswer, FullScreenOp, FullScreenWrite, CE_DE, SCREEN_IN_CP_MODE,
};

use super::{Cp, FullScreenInput, PendingIo};
use crate::cpu::Cpu;
use crate::io::{unit, Csw};

/// TN3270 READ BUFFER and READ MODIFIED commands (GA23-0059).
const READ_BUFFER: u8 = 0xF2;
const READ_MODIFIED: u8 = 0xF6;

/// What CP keeps between full-screen I/Os.
#[derive(Debug, Default)]
pub(crate) struct FullScreenState {
    /// The record the last attention announced, for the READ MODIFIED that follows.
    record: Option<Vec<u8>>,
    /// A WRITE STRUCTURED FIELD was sent and its answer has not come.
    awaiting: bool,
}

impl Cp {
    /// DIAG X'58' X'29' or X'2A' on console `devno`.
    pub(crate) fn fullscreen_op(&mut self, devno: u16, op: FullScreenOp<'_>) -> FullScreenAnswer {
        if self.terminal.screen_size().is_none() || self.console_vaddr() != Some(devno) {
            return FullScreenAnswer::NotDisplay;
        }
        // A status still pending: an attention blocks a write; anything else is over.
        let is_write = matches!(op, FullScreenOp::Write { .. });
        if let Some(i) = self.pending.iter().position(|p| p.vaddr == devno) {
            let attention = self.pending[i].csw.unit & unit::ATTENTION != 0;
            if let Some(p) = self.pending.remove(i) {
                if attention && is_write {
                    return FullScreenAnswer::Pending(p.csw.to_bytes());
                }
            }
        }
        let in_fullscreen = self.terminal.in_fullscreen();
        let answer = match op {
            FullScreenOp::Write {
                command,
                data,
                pa1_to_guest,
            } => {
                let wsf = command == FullScreenWrite::WriteStructuredField;
                if !in_fullscreen && !command.erases() && !wsf {
                    done(SCREEN_IN_CP_MODE, Vec::new())
                } else {
                    let mut stream = Vec::with_capacity(data.len() + 1);
                    stream.push(command.code());
                    stream.extend_from_slice(data);
                    if !self.terminal.fullscreen_write(&stream, pa1_to_guest) {
                        return FullScreenAnswer::NotDisplay;
                    }
                    if command.erases() {
                        self.fullscreen.record = None;
                    }
                    self.fullscreen.awaiting |= wsf;
                    done(CE_DE, Vec::new())
                }
            }
            FullScreenOp::Read { modified } => {
                let announced = self.fullscreen.record.take();
                match announced {
                    Some(r) if modified => done(CE_DE, r),
                    _ if !in_fullscreen && announced.is_none() => {
                        done(SCREEN_IN_CP_MODE, Vec::new())
                    }
                    _ => {
                        let cmd = if modified { READ_MODIFIED } else { READ_BUFFER };
                        match self.terminal.fullscreen_read(cmd) {
                            Some(r) => done(CE_DE, r),
                            None => done(SCREEN_IN_CP_MODE, Vec::new()),
                        }
                    }
                }
            }
        };
        if self.trace {
            eprintln!("DIAG 58 full screen {devno:03X} {op:02X?} -> {answer:02X?}");
        }
        answer
    }

    /// Makes the ending status `csw` of a full-screen I/O pending for console `devno`.
    pub(crate) fn console_status(&mut self, devno: u16, csw: [u8; 8]) {
        self.pending.push_back(PendingIo {
            vaddr: devno,
            csw: Csw {
                key: csw[0] >> 4,
                ccw_addr: u32::from_be_bytes([0, csw[1], csw[2], csw[3]]),
                unit: csw[4],
                channel: csw[5],
                count: u16::from_be_bytes([csw[6], csw[7]]),
            },
        });
    }

    /// TEST I/O of the console with nothing pending, in full-screen mode (or with a WRITE
    /// STRUCTURED FIELD unanswered): the attention of a record the display sent meanwhile.
    pub(crate) fn fullscreen_poll(&mut self, vaddr: u16) -> Option<Csw> {
        if self.console_vaddr() != Some(vaddr)
            || !(self.fullscreen.awaiting || self.terminal.in_fullscreen())
        {
            return None;
        }
        match self.terminal.fullscreen_input(false) {
            FullScreenInput::Record(r) => {
                self.fullscreen.record = Some(r);
                self.fullscreen.awaiting = false;
                Some(attention())
            }
            _ => None,
        }
    }

    /// An enabled wait of a machine whose console (`console`, enabled) is in full-screen
    /// mode: waits for a key. The record it sent becomes an attention interruption; PA1
    /// (unless the program took it) enters CP mode. `None` when the console is not in
    /// full-screen mode (or left it): the usual console read.
    pub(crate) fn fullscreen_wait(&mut self, cpu: &mut Cpu, console: u16) -> Option<bool> {
        if !self.terminal.in_fullscreen() {
            return None;
        }
        match self.terminal.fullscreen_input(true) {
            FullScreenInput::Record(r) => {
                self.fullscreen.record = Some(r);
                self.fullscreen.awaiting = false;
                self.pending.push_back(PendingIo {
                    vaddr: console,
                    csw: attention(),
                });
                Some(true)
            }
            FullScreenInput::Attention => {
                // An IPL, LOGOFF or reset there is taken on the way back to the run loop.
                let _ = self.cp_mode(cpu);
                Some(true)
            }
            FullScreenInput::End | FullScreenInput::None => None,
        }
    }
}

/// The answer of a finished full-screen I/O.
fn done(unit: u8, data: Vec<u8>) -> FullScreenAnswer {
    FullScreenAnswer::Done { unit, data }
}

/// The status of an attention from the console.
fn attention() -> Csw {
    Csw {
        unit: unit::ATTENTION,
        ..Default::default()
    }
}
