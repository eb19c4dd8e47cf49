//! What the spooled punch and printer share: each write is one record of the spool file
//! being written, and the QUERY VIRTUAL line of an output spool device.

use crate::io::device::{IoContext, QueryContext};
use crate::io::{sense, CmdKind, DevReply};

/// One command on a spooled output device; `sense` is set on a command reject.
pub(super) fn spool_command(
    code: u8,
    data: &[u8],
    ctx: &mut IoContext<'_>,
    sense: &mut u8,
) -> DevReply {
    match CmdKind::of(code) {
        CmdKind::Write => match ctx.spool.put_record(data) {
            Ok(()) => DevReply::took(data.len()),
            // The spool space is full: the device is not ready (CP tells the user).
            Err(_) => {
                *sense = sense::INTERVENTION_REQUIRED;
                DevReply::unit_check()
            }
        },
        // Immediate carriage control (1403: space 1-3 lines X'0B'/X'13'/X'1B', skip to
        // channel n X'8B'-X'E3'; punch: feed / select stacker): no data, no record. R6
        // CMS DEBUG's DUMP starts with a skip to channel 1 (X'8B').
        CmdKind::Control => DevReply::took(0),
        _ => {
            *sense = sense::COMMAND_REJECT;
            DevReply::unit_check()
        }
    }
}

/// The QUERY VIRTUAL line of an output spool device (`PUN` or `PRT`).
pub(super) fn describe(name: &str, q: &QueryContext<'_>) -> String {
    let s = q.spool;
    format!(
        "{}  {:03X} CL {} {} {} COPY {:02}    READY FOR {}",
        name,
        q.vaddr,
        s.class,
        if s.cont { "CONT" } else { "NOCONT" },
        if s.hold { "HOLD" } else { "NOHOLD" },
        s.copies,
        s.to.as_deref().unwrap_or(q.owner),
    )
}
