//! The spooled output devices: the printer (1403, 3211) and the card punch (2540 punch,
//! 3525). Each line printed or card punched is one record of the spool file being written,
//! which CLOSE ends [VM/370 CP Command Reference, CLOSE and SPOOL]; the two differ only in
//! their DIAG X'24' device type and the name QUERY VIRTUAL gives them.

use crate::io::device::{
    ChannelDevice, Command, DeviceClass, Diag24Words, IoContext, QueryContext,
};
use crate::io::{sense, CmdKind, DevReply};

/// A virtual printer or punch.
#[derive(Debug)]
pub struct SpoolOutput {
    class: DeviceClass,
    devtype: u16,
    sense: u8,
}

impl SpoolOutput {
    /// A printer of type `devtype`.
    pub fn printer(devtype: u16) -> SpoolOutput {
        SpoolOutput {
            class: DeviceClass::Printer,
            devtype,
            sense: 0,
        }
    }

    /// A punch of type `devtype`.
    pub fn punch(devtype: u16) -> SpoolOutput {
        SpoolOutput {
            class: DeviceClass::Punch,
            devtype,
            sense: 0,
        }
    }

    fn is_punch(&self) -> bool {
        self.class == DeviceClass::Punch
    }
}

impl ChannelDevice for SpoolOutput {
    fn devtype(&self) -> u16 {
        self.devtype
    }
    fn class(&self) -> DeviceClass {
        self.class
    }
    /// DIAG X'24': virtual class X'10' (unit record output), type X'82' (2540 punch) or
    /// X'41' (1403 printer).
    fn diag24(&self) -> Diag24Words {
        Diag24Words {
            vdev: if self.is_punch() {
                0x1082_0000
            } else {
                0x1041_0000
            },
            rdev: 0x0000_0040,
        }
    }
    fn start(&mut self, cmd: Command<'_>, ctx: &mut IoContext<'_>) -> DevReply {
        match CmdKind::of(cmd.code) {
            CmdKind::Write => match ctx.spool.put_record(cmd.data) {
                Ok(()) => DevReply::took(cmd.data.len()),
                // The spool space is full: the device is not ready (CP tells the user).
                Err(_) => {
                    self.sense = sense::INTERVENTION_REQUIRED;
                    DevReply::unit_check()
                }
            },
            // Immediate carriage control (1403: space 1-3 lines X'0B'/X'13'/X'1B', skip to
            // channel n X'8B'-X'E3'; punch: feed / select stacker): no data, no record. R6
            // CMS DEBUG's DUMP starts with a skip to channel 1 (X'8B').
            CmdKind::Control => DevReply::took(0),
            _ => {
                self.sense = sense::COMMAND_REJECT;
                DevReply::unit_check()
            }
        }
    }
    fn sense(&self) -> Vec<u8> {
        vec![self.sense]
    }
    fn clear_sense(&mut self) {
        self.sense = 0;
    }
    /// The QUERY VIRTUAL line: `PUN`/`PRT`, address, class, CONT, HOLD, copies, owner.
    fn describe(&self, q: &QueryContext<'_>) -> String {
        let s = q.spool;
        format!(
            "{}  {:03X} CL {} {} {} COPY {:02}    READY FOR {}",
            if self.is_punch() { "PUN" } else { "PRT" },
            q.vaddr,
            s.class,
            if s.cont { "CONT" } else { "NOCONT" },
            if s.hold { "HOLD" } else { "NOHOLD" },
            s.copies,
            s.to.as_deref().unwrap_or(q.owner),
        )
    }
}
