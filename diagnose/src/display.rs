//! DIAGNOSE X'58' 3270 virtual console interface [VM370, VMSP, VMPC; spec 2.1 X'58';
//! cms370-guest.md 3.1], for a virtual machine whose console is a line console (3215): vm390
//! has no 3270, so what a CCW X'19' puts in the display's output area is shown as console
//! output lines, as a VM/370 user on a typewriter terminal would read it.
//!
//! Interface (VM370): Rx = real address of a CCW, or of a chain of CCWs with command
//! chaining; Ry bits 16-31 = the virtual console's address. The CCW X'19' ("display") is a
//! format-0 CCW whose byte 5, reserved in an ordinary CCW, is the CTL byte (cms370-guest.md:
//! 'CCW "control" byte'; the SLI flag is in byte 4 as usual, so CTL is not the flag byte):
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
//! Choices where the documents are silent, each stated once here:
//! - **CC 3**: Ry's device is not the virtual console (or there is none): the device is not
//!   operational as a display, as for START I/O and DIAG X'24' (CC 3 "no such device").
//! - **CC 1**: the channel program is refused: a command other than X'19' — among them the
//!   full-screen CCWs X'29' and X'2A', which are VM/SP (and emx370/MECAFF) additions that
//!   VM/370 R6 does not have —, SLI not set, data chaining or skip, a count of 0 (a channel
//!   program check for a data-transfer CCW, GA22-7000) or above 1760, or data that does not
//!   fit the 22 x 80 output area (starting line x 80 + count > 1760; 1760 = 22 lines of 80
//!   is where VM/370's limit comes from). No status is made pending and no CSW is stored:
//!   the error is the CC alone.
//! - **Program checks** (generic rules, diagnose-spec.md 1): the CCW address not on a
//!   doubleword boundary (channel programs are doubleword-aligned, GA22-7000 "CAW") gives a
//!   specification exception; a CCW or its data outside storage an addressing exception. They
//!   are suppressing like every DIAGNOSE program check.
//! - **All or nothing**: the chain is fetched and checked in channel order (the device first,
//!   then each CCW and its data), and only a chain without error is shown, so that a program
//!   check or CC 1 leaves the console unchanged.
//! - **On a line console**: an erase (CTL bit 0, or X'FF') shows nothing — a typewriter
//!   terminal cannot erase; the starting line only positions the data in the 80-column grid
//!   (it always starts in column 1), the rows follow one another as output lines. The data is
//!   cut into rows of 80 characters; bytes below X'40' (nulls, 3270 orders and other
//!   controls, which a 3270 output area shows as blanks) become blanks; each row loses its
//!   trailing blanks; blank rows between and before text are shown as empty lines, blank rows
//!   after the last text are dropped (a data area of blanks shows nothing). CTL bit 1
//!   (reserved in VM/370) is ignored, as is the PCI flag (DIAG X'58' presents no
//!   interruption).

use crate::{ebcdic, Machine, ProgramCheck};

/// The CCW command code of "display" [VM370].
pub const CCW_DISPLAY: u8 = 0x19;
/// VM/SP full-screen write (not in VM/370).
pub const CCW_FULLSCREEN_WRITE: u8 = 0x29;
/// VM/SP full-screen read (not in VM/370).
pub const CCW_FULLSCREEN_READ: u8 = 0x2A;
/// The largest count of a CCW X'19' [VM370: 1760].
pub const MAX_DISPLAY: u32 = 1760;
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

/// X'58' 3270 virtual console interface (see the module documentation).
pub(crate) fn diag_058(m: &mut dyn Machine, rx: u8, ry: u8) -> Result<(), ProgramCheck> {
    let mask = m.address_mask();
    let mut ccw_at = m.gpr(rx) & mask;
    let devno = m.gpr(ry) as u16;
    if m.console().is_none_or(|c| c.devno != devno) {
        m.set_cc(3);
        return Ok(());
    }
    if ccw_at & 7 != 0 {
        return Err(ProgramCheck::SPECIFICATION);
    }
    let mut shown = Vec::new();
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
        let data_at = u32::from_be_bytes([0, ccw[1], ccw[2], ccw[3]]);
        let count = u32::from(u16::from_be_bytes([ccw[6], ccw[7]]));
        if cmd != CCW_DISPLAY || flags & FLAG_SLI == 0 || flags & (FLAG_CD | FLAG_SKIP) != 0 {
            m.set_cc(1);
            return Ok(());
        }
        if ctl != CTL_CLEAR_ONLY {
            let line = u32::from(ctl & 0x3F);
            if count == 0 || count > MAX_DISPLAY || line * COLUMNS as u32 + count > MAX_DISPLAY {
                m.set_cc(1);
                return Ok(());
            }
            let mut data = vec![0u8; count as usize];
            m.read_real(data_at, &mut data)?;
            // CTL bit 0 (X'80', erase first) has nothing to erase on a line console.
            shown.extend(display_rows(&data));
        }
        if flags & FLAG_CC == 0 {
            break;
        }
        ccw_at = ccw_at.wrapping_add(8) & mask;
    }
    if !shown.is_empty() {
        m.console_display(devno, &shown);
    }
    m.set_cc(0);
    Ok(())
}
