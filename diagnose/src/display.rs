//! DIAGNOSE X'58' 3270 virtual console interface [VM370, VMSP, VMPC; spec 2.1 X'58';
//! cms370-guest.md 3.1]: CCW X'19' ("display") on any console, and on a console that is a
//! 3270 display the VM/SP full-screen CCWs X'29' (write), X'2A' (read) and X'63' (control
//! query).
//!
//! Interface (VM370): Rx = real address of a CCW, or of a chain of CCWs with command
//! chaining; Ry bits 16-31 = the virtual console's address. Each CCW is a format-0 CCW whose
//! byte 5, reserved in an ordinary CCW, is the CTL byte (cms370-guest.md: 'CCW "control"
//! byte'; the SLI flag is in byte 4 as usual, so CTL is not the flag byte).
//!
//! # CCW X'19', display
//!
//! | byte | contents |
//! | --- | --- |
//! | 0 | X'19' |
//! | 1-3 | data address |
//! | 4 | flags: SLI (X'20') must be set; CC (X'40') chains to the next CCW |
//! | 5 | CTL: bit 0 erase the output area first (VM/370; VM/SP calls it MORE), bits 2-7 the starting line; X'FF' erase the area and write nothing |
//! | 6-7 | count, at most 1760 (VM370: 1760, or 1440 on a 3278-2A) |
//!
//! CC 0: displayed. Any other CC is an I/O error (VM370: "nonzero = I/O error").
//!
//! # Full screen: CCWs X'29', X'2A', X'63' (VMSP)
//!
//! *VM/SP System Programmer's Guide* SC19-6203-2, DIAGNOSE X'58', "Full Screen Mode" and
//! "Full Screen Interactions" (the same text in the *VM/PC User's Guide*, appendix A): the
//! two CCWs "in addition to performing the requested I/O, notify CP that the display station
//! is operating under the control of the virtual machine".
//!
//! - **X'29' write**: the data is a 3270 data stream, WCC first, then orders and data. CTL
//!   X'80' ERASE/WRITE, X'C0' ERASE/WRITE ALTERNATE, X'20' WRITE STRUCTURED FIELD, otherwise
//!   WRITE; X'10' added to an ERASE/WRITE (X'90', X'D0') reflects the PA1 key to the virtual
//!   machine instead of CP mode, until full-screen mode ends. An ERASE/WRITE (ALTERNATE)
//!   establishes full-screen mode.
//! - **X'2A' read**: CTL X'80' READ MODIFIED, otherwise READ BUFFER; the data is what the
//!   terminal sends (AID, cursor address, fields).
//! - Count: at most 65,503 (VMSP).
//! - The I/O is asynchronous as after START I/O: CC 0 means started, and the channel end and
//!   device end (with the residual count of a read) are made pending for the console, for
//!   TEST I/O or an I/O interruption. The ENTER or a PF key pressed in full-screen mode is an
//!   attention interruption from the console, after which the program reads. When CP has
//!   taken the screen back (CP mode), a full-screen I/O ends with unit status X'8E' and the
//!   program is to issue an ERASE/WRITE again. (VMSP, "Full Screen Interactions" items 1-10.)
//! - **X'63' control query** (MECAFF's `CX58V108 ASSEMBLE`, Bob Polmanter's DIAG X'58'
//!   full-screen support for VM/370 R6 V1.08, which MECAFF's DIAG-58 tools require): CC 0 says
//!   that full-screen support is there; no I/O is done and no status is made pending.
//!
//! Choices where the documents are silent, each stated once here:
//! - **CC 3**: Ry's device is not the virtual console (or there is none): the device is not
//!   operational as a display, as for START I/O and DIAG X'24' (CC 3 "no such device").
//! - **CC 1 without a CSW**: the channel program is refused. For X'19': SLI not set, data
//!   chaining or skip, a count of 0 (a channel program check for a data-transfer CCW,
//!   GA22-7000) or above 1760, or data that does not fit the 22 x 80 output area (starting
//!   line x 80 + count > 1760; 1760 = 22 lines of 80 is where VM/370's limit comes from).
//!   Any other command. On a line console (not a 3270) the full-screen CCWs X'29', X'2A'
//!   and X'63', which VM/370 R6 does not have. For X'29' and X'2A': data or command
//!   chaining (each is a channel program of its own, as MECAFF issues them), skip, a count
//!   of 0 or above 65,503. No status is made pending and no CSW is stored: the error is the
//!   CC alone.
//! - **CC 1 with the CSW stored** at X'40' (as START I/O): an X'29' or X'2A' while an
//!   interruption is still pending for the console (an attention not yet taken, a previous
//!   ending status); the pending status is cleared with it, and nothing is done.
//! - **Program checks** (generic rules, diagnose-spec.md 1): the CCW address not on a
//!   doubleword boundary (channel programs are doubleword-aligned, GA22-7000 "CAW") gives a
//!   specification exception; a CCW or its data outside storage an addressing exception, a
//!   read buffer in protected storage a protection exception. They are suppressing like
//!   every DIAGNOSE program check.
//! - **All or nothing**: the chain is fetched and checked in channel order (the device first,
//!   then each CCW and its data), and only a chain without error is shown, so that a program
//!   check or CC 1 leaves the console unchanged.
//! - **Read length**: a read transfers at most the count; the residual count is in the CSW;
//!   with SLI off a length that differs from the count also gives incorrect length (channel
//!   status X'40'), as START I/O would.
//! - **X'19' on a line console**: an erase (CTL bit 0, or X'FF') shows nothing — a typewriter
//!   terminal cannot erase; the starting line only positions the data in the 80-column grid
//!   (it always starts in column 1), the rows follow one another as output lines. The data is
//!   cut into rows of 80 characters; bytes below X'40' (nulls, 3270 orders and other
//!   controls, which a 3270 output area shows as blanks) become blanks; each row loses its
//!   trailing blanks; blank rows between and before text are shown as empty lines, blank rows
//!   after the last text are dropped (a data area of blanks shows nothing). CTL bit 1
//!   (reserved in VM/370) is ignored, as is the PCI flag (DIAG X'58' presents no
//!   interruption for X'19').
//! - **X'19' on a 3270 console**: the same rows go into the output area of the VM/370
//!   console screen ([`Machine::console_display_at`]): the erase clears the output area, and
//!   the rows start at the starting line.

use crate::{ebcdic, Machine, ProgramCheck};

/// The CCW command code of "display" [VM370].
pub const CCW_DISPLAY: u8 = 0x19;
/// Full-screen write [VMSP].
pub const CCW_FULLSCREEN_WRITE: u8 = 0x29;
/// Full-screen read [VMSP].
pub const CCW_FULLSCREEN_READ: u8 = 0x2A;
/// Control query: is full-screen support there (MECAFF `CX58V108`).
pub const CCW_CONTROL_QUERY: u8 = 0x63;
/// The largest count of a CCW X'19' [VM370: 1760].
pub const MAX_DISPLAY: u32 = 1760;
/// The largest count of a full-screen CCW [VMSP: 65503].
pub const MAX_FULLSCREEN: u32 = 65503;
/// Characters in one row of the output area.
pub const COLUMNS: usize = 80;
/// Rows of the output area (1760 / 80).
pub const OUTPUT_LINES: u32 = MAX_DISPLAY / COLUMNS as u32;

/// CCW flags (GA22-7000).
const FLAG_CD: u8 = 0x80;
const FLAG_CC: u8 = 0x40;
const FLAG_SLI: u8 = 0x20;
const FLAG_SKIP: u8 = 0x10;
/// CTL: erase the output area, write nothing [VM370].
const CTL_CLEAR_ONLY: u8 = 0xFF;
/// CTL of X'29' and X'2A' [VMSP].
const CTL_ERASE: u8 = 0x80;
const CTL_ALTERNATE: u8 = 0x40;
const CTL_STRUCTURED: u8 = 0x20;
const CTL_PA1: u8 = 0x10;
const CTL_MODIFIED: u8 = 0x80;
/// Unit status: channel end and device end (GA22-7000).
pub const CE_DE: u8 = 0x0C;
/// Unit status of a full-screen I/O when CP has the screen (VMSP "Full Screen
/// Interactions": "X'8E' in the CSW unit status byte").
pub const SCREEN_IN_CP_MODE: u8 = 0x8E;
/// Channel status: incorrect length.
const INCORRECT_LENGTH: u8 = 0x40;

/// The 3270 command of a full-screen write (CCW X'29'), from its CTL byte [VMSP].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FullScreenWrite {
    /// WRITE (CTL without X'80' and X'20').
    Write,
    /// ERASE/WRITE (CTL X'80').
    EraseWrite,
    /// ERASE/WRITE ALTERNATE (CTL X'C0').
    EraseWriteAlternate,
    /// WRITE STRUCTURED FIELD (CTL X'20').
    WriteStructuredField,
}

impl FullScreenWrite {
    /// The command a CTL byte asks for.
    pub fn from_ctl(ctl: u8) -> FullScreenWrite {
        if ctl & CTL_ERASE != 0 {
            if ctl & CTL_ALTERNATE != 0 {
                FullScreenWrite::EraseWriteAlternate
            } else {
                FullScreenWrite::EraseWrite
            }
        } else if ctl & CTL_STRUCTURED != 0 {
            FullScreenWrite::WriteStructuredField
        } else {
            FullScreenWrite::Write
        }
    }

    /// The command's code in a remote (TN3270) 3270 data stream (GA23-0059, "Commands"):
    /// W X'F1', EW X'F5', EWA X'7E', WSF X'F3'.
    pub fn code(self) -> u8 {
        match self {
            FullScreenWrite::Write => 0xF1,
            FullScreenWrite::EraseWrite => 0xF5,
            FullScreenWrite::EraseWriteAlternate => 0x7E,
            FullScreenWrite::WriteStructuredField => 0xF3,
        }
    }

    /// Whether it erases the screen (and so establishes full-screen mode).
    pub fn erases(self) -> bool {
        matches!(
            self,
            FullScreenWrite::EraseWrite | FullScreenWrite::EraseWriteAlternate
        )
    }
}

/// A full-screen operation on the 3270 console.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FullScreenOp<'a> {
    /// CCW X'29': `command` with `data` (WCC, orders, data); `pa1_to_guest` when CTL had
    /// X'10' with an erase.
    Write {
        /// The 3270 command.
        command: FullScreenWrite,
        /// The data stream after the command (WCC first).
        data: &'a [u8],
        /// PA1 goes to the virtual machine instead of CP mode.
        pa1_to_guest: bool,
    },
    /// CCW X'2A': READ MODIFIED (`modified`) or READ BUFFER.
    Read {
        /// READ MODIFIED rather than READ BUFFER.
        modified: bool,
    },
}

/// How the console took a full-screen operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FullScreenAnswer {
    /// The console is no 3270 display: refused (CC 1).
    NotDisplay,
    /// An interruption was pending for the console: its CSW (stored at X'40', CC 1); it is
    /// no longer pending.
    Pending([u8; 8]),
    /// Done: the unit status it ends with ([`CE_DE`], or [`SCREEN_IN_CP_MODE`]) and, for a
    /// read, the data the terminal sent.
    Done {
        /// Unit status.
        unit: u8,
        /// Inbound data (reads).
        data: Vec<u8>,
    },
}

/// The rows a line console shows for display data `data` (see the module documentation).
pub fn display_rows(data: &[u8]) -> Vec<String> {
    let mut rows: Vec<String> = data
        .chunks(COLUMNS)
        .map(|row| {
            let row: Vec<u8> = row
                .iter()
                .map(|&b| if b < 0x40 { 0x40 } else { b })
                .collect();
            ebcdic::to_string(&row).trim_end_matches(' ').to_string()
        })
        .collect();
    while rows.last().is_some_and(|r| r.is_empty()) {
        rows.pop();
    }
    rows
}

/// One display a X'19' chain makes: erase first, the starting line, the rows.
struct Display {
    erase: bool,
    line: u32,
    rows: Vec<String>,
}

/// The CSW of a full-screen CCW at `ccw_at` that ended with `unit`, `channel` and
/// `residual`.
fn csw(ccw_at: u32, unit: u8, channel: u8, residual: u32) -> [u8; 8] {
    let a = ccw_at.wrapping_add(8).to_be_bytes();
    let c = (residual as u16).to_be_bytes();
    [0, a[1], a[2], a[3], unit, channel, c[0], c[1]]
}

/// X'58' 3270 virtual console interface (see the module documentation).
pub(crate) fn diag_058(m: &mut dyn Machine, rx: u8, ry: u8) -> Result<(), ProgramCheck> {
    let mask = m.address_mask();
    let first = m.gpr(rx) & mask;
    let mut ccw_at = first;
    let devno = m.gpr(ry) as u16;
    if m.console().is_none_or(|c| c.devno != devno) {
        m.set_cc(3);
        return Ok(());
    }
    if ccw_at & 7 != 0 {
        return Err(ProgramCheck::SPECIFICATION);
    }
    let display = m.console_screen().is_some();
    let mut shown: Vec<Display> = Vec::new();
    // A chain longer than storage has CCWs can only run in a circle.
    let mut left = m.storage_size() / 8 + 1;
    loop {
        left = left.saturating_sub(1);
        if left == 0 {
            m.set_cc(1);
            return Ok(());
        }
        let mut ccw = [0u8; 8];
        m.read_real(ccw_at, &mut ccw)?;
        let (cmd, flags, ctl) = (ccw[0], ccw[4], ccw[5]);
        if display && ccw_at == first && flags & FLAG_CC == 0 {
            match cmd {
                CCW_FULLSCREEN_WRITE | CCW_FULLSCREEN_READ => {
                    return fullscreen(m, devno, ccw_at, &ccw);
                }
                CCW_CONTROL_QUERY => {
                    m.set_cc(0);
                    return Ok(());
                }
                _ => {}
            }
        }
        let data_at = u32::from_be_bytes([0, ccw[1], ccw[2], ccw[3]]);
        let count = u32::from(u16::from_be_bytes([ccw[6], ccw[7]]));
        if cmd != CCW_DISPLAY || flags & FLAG_SLI == 0 || flags & (FLAG_CD | FLAG_SKIP) != 0 {
            m.set_cc(1);
            return Ok(());
        }
        if ctl == CTL_CLEAR_ONLY {
            shown.push(Display {
                erase: true,
                line: 0,
                rows: Vec::new(),
            });
        } else {
            let line = u32::from(ctl & 0x3F);
            if count == 0 || count > MAX_DISPLAY || line * COLUMNS as u32 + count > MAX_DISPLAY {
                m.set_cc(1);
                return Ok(());
            }
            let mut data = vec![0u8; count as usize];
            m.read_real(data_at, &mut data)?;
            shown.push(Display {
                erase: ctl & 0x80 != 0,
                line,
                rows: display_rows(&data),
            });
        }
        if flags & FLAG_CC == 0 {
            break;
        }
        ccw_at = ccw_at.wrapping_add(8) & mask;
    }
    if display {
        for d in shown {
            if d.erase || !d.rows.is_empty() {
                m.console_display_at(devno, d.erase, d.line, &d.rows);
            }
        }
    } else {
        // On a line console an erase has nothing to erase: only the rows, all at once.
        let rows: Vec<String> = shown.into_iter().flat_map(|d| d.rows).collect();
        if !rows.is_empty() {
            m.console_display(devno, &rows);
        }
    }
    m.set_cc(0);
    Ok(())
}

/// A full-screen CCW (X'29' or X'2A', alone in its channel program) at `ccw_at` on the 3270
/// console `devno`.
fn fullscreen(
    m: &mut dyn Machine,
    devno: u16,
    ccw_at: u32,
    ccw: &[u8; 8],
) -> Result<(), ProgramCheck> {
    let (cmd, flags, ctl) = (ccw[0], ccw[4], ccw[5]);
    let data_at = u32::from_be_bytes([0, ccw[1], ccw[2], ccw[3]]);
    let count = u32::from(u16::from_be_bytes([ccw[6], ccw[7]]));
    if flags & (FLAG_CD | FLAG_SKIP) != 0 || count == 0 || count > MAX_FULLSCREEN {
        m.set_cc(1);
        return Ok(());
    }
    let answer = if cmd == CCW_FULLSCREEN_WRITE {
        let mut data = vec![0u8; count as usize];
        m.read_real(data_at, &mut data)?;
        let command = FullScreenWrite::from_ctl(ctl);
        let op = FullScreenOp::Write {
            command,
            data: &data,
            pa1_to_guest: command.erases() && ctl & CTL_PA1 != 0,
        };
        m.fullscreen(devno, op)
    } else {
        m.check_real(data_at, count, true)?;
        m.fullscreen(
            devno,
            FullScreenOp::Read {
                modified: ctl & CTL_MODIFIED != 0,
            },
        )
    };
    match answer {
        FullScreenAnswer::NotDisplay => m.set_cc(1),
        FullScreenAnswer::Pending(stored) => {
            m.write_real(0x40, &stored)?;
            m.set_cc(1);
        }
        FullScreenAnswer::Done { unit, data } => {
            let mut residual = 0;
            let mut channel = 0;
            if cmd == CCW_FULLSCREEN_READ {
                let n = data.len().min(count as usize);
                m.write_real(data_at, &data[..n])?;
                residual = count - n as u32;
                if flags & FLAG_SLI == 0 && data.len() != count as usize {
                    channel = INCORRECT_LENGTH;
                }
            }
            m.console_status(devno, csw(ccw_at, unit, channel, residual));
            m.set_cc(0);
        }
    }
    Ok(())
}
