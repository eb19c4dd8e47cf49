//! The spooled card punch (2540 punch, 3525): each card the guest punches is a record of
//! the spool file that CLOSE ends.

use super::unit_record;
use crate::io::device::{
    ChannelDevice, Command, DeviceClass, Diag24Words, IoContext, QueryContext,
};
use crate::io::DevReply;

/// A virtual punch.
#[derive(Debug)]
pub struct Punch {
    devtype: u16,
    sense: u8,
}

impl Punch {
    /// A punch of type `devtype`.
    pub fn new(devtype: u16) -> Punch {
        Punch { devtype, sense: 0 }
    }
}

impl ChannelDevice for Punch {
    fn devtype(&self) -> u16 {
        self.devtype
    }
    fn class(&self) -> DeviceClass {
        DeviceClass::Punch
    }
    fn diag24(&self) -> Diag24Words {
        Diag24Words {
            vdev: 0x1082_0000,
            rdev: 0x0000_0040,
        }
    }
    fn start(&mut self, cmd: Command<'_>, ctx: &mut IoContext<'_>) -> DevReply {
        unit_record::spool_command(cmd.code, cmd.data, ctx, &mut self.sense)
    }
    fn sense(&self) -> Vec<u8> {
        vec![self.sense]
    }
    fn clear_sense(&mut self) {
        self.sense = 0;
    }
    fn describe(&self, q: &QueryContext<'_>) -> String {
        unit_record::describe("PUN", q)
    }
}
