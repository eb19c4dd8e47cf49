//! The spooled card reader (2540 reader, 3505): a read gives the next card of the first
//! reader file of the reader's class that is not held ([`crate::spool::Spool::reader_next`]),
//! and unit exception at the end of the file. With no file at all a read also gives unit
//! exception.

use crate::io::device::{
    ChannelDevice, Command, DeviceClass, Diag24Words, IoContext, QueryContext,
};
use crate::io::{sense, CmdKind, DevReply};
use crate::spool::ReaderRecord;

/// A virtual card reader.
#[derive(Debug)]
pub struct Reader {
    devtype: u16,
    sense: u8,
}

impl Reader {
    /// A reader of type `devtype`.
    pub fn new(devtype: u16) -> Reader {
        Reader { devtype, sense: 0 }
    }
}

impl ChannelDevice for Reader {
    fn devtype(&self) -> u16 {
        self.devtype
    }
    fn class(&self) -> DeviceClass {
        DeviceClass::Reader
    }
    fn diag24(&self) -> Diag24Words {
        Diag24Words {
            vdev: 0x2082_0000,
            rdev: 0x0000_0040,
        }
    }
    fn start(&mut self, cmd: Command<'_>, ctx: &mut IoContext<'_>) -> DevReply {
        if CmdKind::of(cmd.code) == CmdKind::Read {
            match ctx.spool.next_card() {
                // A card is 80 columns: a shorter record is padded with blanks.
                ReaderRecord::Card(mut c) => {
                    if c.len() < 80 {
                        c.resize(80, 0x40);
                    }
                    DevReply::input(c)
                }
                ReaderRecord::EndOfFile | ReaderRecord::NoFile => DevReply::unit_exception(),
            }
        } else {
            self.sense = sense::COMMAND_REJECT;
            DevReply::unit_check()
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
            "RDR  {:03X} CL {} {} {} EOF      READY",
            q.vaddr,
            s.class,
            if s.cont { "CONT" } else { "NOCONT" },
            if s.hold { "HOLD" } else { "NOHOLD" },
        )
    }
    fn can_ipl(&self) -> bool {
        true
    }
}
