//! The virtual console: a 3215 (or 1052) printer-keyboard on the user's terminal.
//! WRITE (X'01') and WRITE with carrier return (X'09') put a line out, READ (X'0A')
//! gives the line the user typed, ALARM (X'0B') takes its byte and does nothing
//! (*IBM 3210/3215 Console Printer-Keyboard Component Description*, GA24-3326, commands).

use crate::io::device::{
    ChannelDevice, Command, DeviceClass, Diag24Words, IoContext, QueryContext,
};
use crate::io::{sense, DevReply};

/// A virtual console.
#[derive(Debug)]
pub struct Console {
    devtype: u16,
    sense: u8,
}

impl Console {
    /// A console of type `devtype` (3215, 1052).
    pub fn new(devtype: u16) -> Console {
        Console { devtype, sense: 0 }
    }

    fn reject(&mut self, why: u8) -> DevReply {
        self.sense = why;
        DevReply::unit_check()
    }
}

impl ChannelDevice for Console {
    fn devtype(&self) -> u16 {
        self.devtype
    }
    fn class(&self) -> DeviceClass {
        DeviceClass::Console
    }
    fn diag24(&self) -> Diag24Words {
        // Values of the SixPack CP (cms370-guest.md 2.3): byte 3 of the real word is the
        // console's line length (130).
        Diag24Words {
            vdev: 0x8000_0000,
            rdev: 0x8000_0082,
        }
    }
    fn start(&mut self, cmd: Command<'_>, ctx: &mut IoContext<'_>) -> DevReply {
        match cmd.code {
            0x01 | 0x09 => {
                // Data ending in NL (X'15') already ends its line: the carrier return adds
                // no empty line.
                let cr = cmd.code == 0x09 && cmd.data.last() != Some(&0x15);
                ctx.console.write(cmd.data, cr);
                DevReply::took(cmd.data.len())
            }
            0x0B => DevReply::took(cmd.data.len()),
            0x0A => match ctx.console.take_input() {
                Some(mut line) => {
                    line.truncate(cmd.count);
                    DevReply::input(line)
                }
                // A second read in one chain: no line for it.
                None => self.reject(sense::INTERVENTION_REQUIRED),
            },
            _ => self.reject(sense::COMMAND_REJECT),
        }
    }
    fn sense(&self) -> Vec<u8> {
        vec![self.sense]
    }
    fn clear_sense(&mut self) {
        self.sense = 0;
    }
    fn describe(&self, q: &QueryContext<'_>) -> String {
        let s = q.spool;
        format!(
            "CONS {:03X} ON DEV {:03X} {}   CL {} {} COPY {:02} {}",
            q.vaddr,
            q.vaddr,
            if q.term_start {
                "TERM START"
            } else {
                "TERM STOP"
            },
            s.class,
            if s.hold { "HOLD" } else { "NOHOLD" },
            s.copies,
            if s.spooled { "START" } else { "NOTERM" },
        )
    }
    fn reads_terminal(&self) -> bool {
        true
    }
}
