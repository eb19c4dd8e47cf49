//! A test-only device that proves a new device type is this one file and its `mod` line in
//! `devices/mod.rs`: WRITE (X'01') keeps the record, READ (X'02') gives it back, any other
//! command is rejected. Nothing in the CP or its commands names it.

use crate::io::device::{
    ChannelDevice, Command, DeviceClass, Diag24Words, IoContext, QueryContext,
};
use crate::io::{sense, DevReply};

/// A loop-back device: what is written is read back.
#[derive(Debug, Default)]
pub struct Loopback {
    record: Vec<u8>,
    sense: u8,
}

impl ChannelDevice for Loopback {
    fn devtype(&self) -> u16 {
        0
    }
    fn class(&self) -> DeviceClass {
        DeviceClass::Special
    }
    fn diag24(&self) -> Diag24Words {
        Diag24Words {
            vdev: 0x4000_0000,
            rdev: 0x4000_0000,
        }
    }
    fn start(&mut self, cmd: Command<'_>, _ctx: &mut IoContext<'_>) -> DevReply {
        match cmd.code {
            0x01 => {
                self.record = cmd.data.to_vec();
                DevReply::took(cmd.data.len())
            }
            0x02 => DevReply::input(self.record.clone()),
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
    fn describe(&self, q: &QueryContext<'_>) -> String {
        format!("DEV  {:03X} LOOPBACK {} BYTES", q.vaddr, self.record.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::Psw;
    use crate::io::ebcdic::text_to_ebcdic;
    use crate::io::unit;
    use crate::storage::AbsAddr;
    use crate::vm::{ScriptTerminal, Vm};
    use s390_decoder::Arch;

    /// A console-only user with a [`Loopback`] at 0E0.
    fn machine() -> Vm {
        let text = "USER T T 1M 1M G\n CONSOLE 009 3215\n";
        let dir =
            crate::directory::parse_directory_text(text, "t", std::path::Path::new("."), false)
                .unwrap();
        let mut vm = Vm::logon(&dir, "T", Box::new(ScriptTerminal::default())).unwrap();
        vm.cp.add(0x0E0, Box::new(Loopback::default()));
        vm.cpu
            .mem
            .load(AbsAddr(0x900), &text_to_ebcdic("HELLO"))
            .unwrap();
        vm
    }

    /// Runs one channel program on 0E0 (SIO 0E0 with the CCWs at X'800', then an enabled
    /// wait until its I/O interruption) and returns the CSW stored at X'40'.
    fn sio(vm: &mut Vm, ccws: &[[u8; 8]]) -> u64 {
        let m = &mut vm.cpu.mem;
        m.load(
            AbsAddr(0x1000),
            &[
                0x9C, 0x00, 0x00, 0xE0, // SIO 0E0
                0x82, 0x00, 0x0F, 0x00, // LPSW X'F00': enabled wait
            ],
        )
        .unwrap();
        m.load(AbsAddr(0xF00), &[0x80, 0x02, 0, 0, 0, 0, 0x10, 0x08])
            .unwrap();
        // The I/O new PSW: a disabled wait, so the machine stops after the interruption.
        m.load(AbsAddr(0x78), &[0x00, 0x02, 0, 0, 0, 0, 0x20, 0x00])
            .unwrap();
        m.load(AbsAddr(0x48), &[0, 0, 0x08, 0x00]).unwrap();
        m.load(AbsAddr(0x40), &[0; 8]).unwrap();
        for (i, c) in ccws.iter().enumerate() {
            m.load(AbsAddr(0x800 + 8 * i as u32), c).unwrap();
        }
        vm.cpu.psw = Psw::from_bytes(Arch::S370, [0, 0, 0, 0, 0, 0, 0x10, 0]).0;
        let _ = vm.cpu.run(&mut vm.cp, 1000);
        vm.cpu.mem.read_u64(AbsAddr(0x40))
    }

    #[test]
    fn a_new_device_runs_channel_programs_and_cp_commands() {
        let mut vm = machine();
        // WRITE 5 bytes (command chaining), READ them back to X'A00'.
        let csw = sio(
            &mut vm,
            &[
                [0x01, 0, 0x09, 0x00, 0x40, 0, 0, 5],
                [0x02, 0, 0x0A, 0x00, 0x00, 0, 0, 5],
            ],
        );
        assert_eq!(csw, 0x0000_0810_0C00_0000, "CSW {csw:016X}");
        assert_eq!(
            &vm.cpu.mem.bytes()[0xA00..0xA05],
            text_to_ebcdic("HELLO").as_slice()
        );
        let r = vm
            .cp
            .cp_command_from(&mut vm.cpu, "QUERY VIRTUAL 0E0", true);
        assert_eq!(r.lines, vec!["DEV  0E0 LOOPBACK 5 BYTES".to_string()]);
        let r = vm.cp.cp_command_from(&mut vm.cpu, "DETACH 0E0", true);
        assert_eq!(r.lines, vec!["DEV 0E0 DETACHED".to_string()]);
        assert!(!vm.cp.devices.contains_key(&0x0E0));
    }

    #[test]
    fn a_new_device_keeps_its_sense_until_sense() {
        let mut vm = machine();
        // A command it does not know (X'07', control): unit check.
        let csw = sio(&mut vm, &[[0x07, 0, 0x09, 0x00, 0x20, 0, 0, 1]]);
        assert_eq!(
            (csw >> 24) as u8,
            unit::CHANNEL_END | unit::DEVICE_END | unit::UNIT_CHECK,
            "CSW {csw:016X}"
        );
        // SENSE gives command reject, then the condition is reset.
        let sense = [[0x04, 0, 0x0A, 0x00, 0x20, 0, 0, 1]];
        let csw = sio(&mut vm, &sense);
        assert_eq!((csw >> 24) as u8, unit::CHANNEL_END | unit::DEVICE_END);
        assert_eq!(vm.cpu.mem.bytes()[0xA00], sense::COMMAND_REJECT);
        sio(&mut vm, &sense);
        assert_eq!(vm.cpu.mem.bytes()[0xA00], 0);
    }

    #[test]
    fn system_reset_resets_the_device() {
        let mut vm = machine();
        let csw = sio(&mut vm, &[[0x07, 0, 0x09, 0x00, 0x20, 0, 0, 1]]);
        assert_eq!((csw >> 24) as u8 & unit::UNIT_CHECK, unit::UNIT_CHECK);
        // DEFINE STORAGE is a system reset.
        let r = vm
            .cp
            .cp_command_from(&mut vm.cpu, "DEFINE STORAGE 1M", true);
        assert_eq!(r.rc, 0, "{:?}", r.lines);
        vm.cpu.mem.load(AbsAddr(0xA00), &[0xFF]).unwrap();
        sio(&mut vm, &[[0x04, 0, 0x0A, 0x00, 0x20, 0, 0, 1]]);
        assert_eq!(vm.cpu.mem.bytes()[0xA00], 0, "no sense after the reset");
    }
}
