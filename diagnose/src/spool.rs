//! DIAGNOSE X'14', input spool file manipulation [VM370, VMSP; LNX vmur.c] (diagnose-spec.md
//! section 2.1 X'14'): a virtual machine reads the files of its virtual reader without
//! channel programs.
//!
//! Registers: Rx = buffer address, copy count, record number or spool id, by subcode;
//! **Ry must be even** (else specification) and holds the virtual reader's address (the
//! spool id for X'0FFF'); Ry+1 = the subcode. The subcodes of the spec: X'0000' read the
//! next 4K spool buffer, X'0004' next print SFBLOK, X'0008' next punch SFBLOK, X'000C'
//! select file, X'0010' repeat the active file n times, X'0014' restart at the beginning,
//! X'0018' backspace one record, X'001C' next monitor SFBLOK, X'0020' next monitor record,
//! X'0028' position to record Rx, X'0FFF' retrieve the next file descriptor. Any other
//! subcode is a specification exception (vm390's choice: the spec lists no CC for it).
//!
//! Condition codes (spec): 0 done; 1 end of file (X'0018': already at the first record;
//! X'0FFF': no next file); 2 no file found or eligible (X'0FFF': bad spool id); 3 error,
//! with Ry+1 = 4 bad device address, 8 wrong device type. X'0028': 0 positioned, 2 no
//! active file, 3 beyond the end of the file (LNX).
//!
//! The layouts stored at Rx are [`SFBLOK_LEN`]-byte SFBLOKs with the fields Linux reads
//! at the offsets the spec gives (userids +8 and +16, record count +24, record length
//! +28, status flags +32) and vm390's own fields elsewhere (see [`Sfblok`]), and 4K spool
//! buffers in vm390's own layout (see [`spool_buffer`]): the VM/370 page layout (SPLINK)
//! is not in the spec.

use crate::{Machine, ProgramCheck};

/// Bytes of an SFBLOK as vm390 stores it.
pub const SFBLOK_LEN: usize = 64;

/// Bytes of a spool buffer.
pub const BUFFER_LEN: usize = 4096;

/// One DIAG X'14' request (Ry+1 = subcode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpoolInputOp {
    /// X'0000': the next 4K buffer of the active file (a file is selected when none is).
    ReadNext,
    /// X'0004': the next print file's SFBLOK; that file becomes the active one.
    NextPrintSfblok,
    /// X'0008': the next punch file's SFBLOK; that file becomes the active one.
    NextPunchSfblok,
    /// X'000C': select the file with spool id Rx.
    Select(u32),
    /// X'0010': the active file is read Rx more times.
    Repeat(u32),
    /// X'0014': the active file starts again at its first record.
    Restart,
    /// X'0018': back one record.
    Backspace,
    /// X'001C': the next monitor file's SFBLOK.
    NextMonitorSfblok,
    /// X'0020': the next monitor record.
    NextMonitorRecord,
    /// X'0028': the next read starts at record Rx (1-based).
    Position(u32),
    /// X'0FFF': the SFBLOK of the reader file after spool id Ry (0: the first) and its
    /// first record.
    NextFileDescriptor(u32),
}

impl SpoolInputOp {
    /// Whether the subcode stores a buffer at Rx.
    fn stores(self) -> bool {
        matches!(
            self,
            SpoolInputOp::ReadNext
                | SpoolInputOp::NextPrintSfblok
                | SpoolInputOp::NextPunchSfblok
                | SpoolInputOp::NextMonitorSfblok
                | SpoolInputOp::NextMonitorRecord
                | SpoolInputOp::NextFileDescriptor(_)
        )
    }
}

/// How a DIAG X'14' ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpoolInputAnswer {
    /// Condition code.
    pub cc: u8,
    /// The code for Ry+1 (CC 3), if any.
    pub code: Option<u32>,
    /// What to store at Rx (at most [`BUFFER_LEN`] bytes).
    pub data: Option<Vec<u8>>,
}

impl SpoolInputAnswer {
    /// CC 3, Ry+1 = 4: no such virtual device.
    pub const BAD_DEVICE: SpoolInputAnswer = SpoolInputAnswer {
        cc: 3,
        code: Some(4),
        data: None,
    };
    /// CC 3, Ry+1 = 8: the device is not a reader.
    pub const WRONG_TYPE: SpoolInputAnswer = SpoolInputAnswer {
        cc: 3,
        code: Some(8),
        data: None,
    };
    /// A condition code alone.
    pub fn cc(cc: u8) -> SpoolInputAnswer {
        SpoolInputAnswer {
            cc,
            code: None,
            data: None,
        }
    }
    /// CC 0 with `data` for Rx.
    pub fn data(data: Vec<u8>) -> SpoolInputAnswer {
        SpoolInputAnswer {
            cc: 0,
            code: None,
            data: Some(data),
        }
    }
}

/// What an SFBLOK describes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sfblok {
    /// Spool id (+4, halfword).
    pub spoolid: u16,
    /// X'80' printer file, X'40' punch file (+6; vm390's).
    pub devtype: u8,
    /// Spool class (+7, EBCDIC).
    pub class: u8,
    /// Owner (+8, EBCDIC, blank padded).
    pub owner: String,
    /// Origin (+16).
    pub origin: String,
    /// Records (+24).
    pub records: u32,
    /// Longest record (+28).
    pub record_len: u32,
    /// Status (+32): X'20' user hold.
    pub flags: u8,
    /// Copies (+33; vm390's).
    pub copies: u8,
    /// File name (+40) and type (+48), distribution code (+56) (vm390's).
    pub name: String,
    /// File type.
    pub ftype: String,
    /// Distribution code.
    pub dist: String,
}

impl Sfblok {
    /// The [`SFBLOK_LEN`] bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = vec![0u8; SFBLOK_LEN];
        b[4..6].copy_from_slice(&self.spoolid.to_be_bytes());
        b[6] = self.devtype;
        b[7] = self.class;
        let mut put = |at: usize, s: &str| {
            b[at..at + 8].copy_from_slice(&crate::ebcdic::padded::<8>(s));
        };
        put(8, &self.owner);
        put(16, &self.origin);
        put(40, &self.name);
        put(48, &self.ftype);
        put(56, &self.dist);
        b[24..28].copy_from_slice(&self.records.to_be_bytes());
        b[28..32].copy_from_slice(&self.record_len.to_be_bytes());
        b[32] = self.flags;
        b[33] = self.copies;
        b
    }
}

/// A 4K spool buffer holding `records` from the first (vm390's layout): +0 the number of
/// the next buffer of the file (0: this is the last), +4 this buffer's number (1-based),
/// +8 the records in it, +12 the spool id, then each record as its length (halfword) and
/// its bytes, then a zero halfword. Gives the buffer and how many records it took (at
/// least one: a record is at most 80 or 132 bytes from a unit-record device).
pub fn spool_buffer(
    spoolid: u32,
    number: u32,
    records: &[Vec<u8>],
    last: bool,
) -> (Vec<u8>, usize) {
    let mut b = vec![0u8; BUFFER_LEN];
    let mut at = 16;
    let mut n = 0;
    for r in records {
        let len = r.len().min(BUFFER_LEN - 16 - 4);
        if at + 2 + len + 2 > BUFFER_LEN {
            break;
        }
        b[at..at + 2].copy_from_slice(&(len as u16).to_be_bytes());
        b[at + 2..at + 2 + len].copy_from_slice(&r[..len]);
        at += 2 + len;
        n += 1;
    }
    let next = if last && n == records.len() {
        0
    } else {
        number + 1
    };
    b[0..4].copy_from_slice(&next.to_be_bytes());
    b[4..8].copy_from_slice(&number.to_be_bytes());
    b[8..12].copy_from_slice(&(n as u32).to_be_bytes());
    b[12..16].copy_from_slice(&spoolid.to_be_bytes());
    (b, n)
}

/// X'14' Input spool file manipulation [VM370, VMSP; LNX] (module comment).
pub(crate) fn diag_14(m: &mut dyn Machine, rx: u8, ry: u8) -> Result<(), ProgramCheck> {
    if ry & 1 != 0 {
        return Err(ProgramCheck::SPECIFICATION);
    }
    let ry1 = (ry + 1) & 15;
    let rxv = m.gpr(rx);
    let ryv = m.gpr(ry);
    let op = match m.gpr(ry1) {
        0x0000 => SpoolInputOp::ReadNext,
        0x0004 => SpoolInputOp::NextPrintSfblok,
        0x0008 => SpoolInputOp::NextPunchSfblok,
        0x000C => SpoolInputOp::Select(rxv),
        0x0010 => SpoolInputOp::Repeat(rxv),
        0x0014 => SpoolInputOp::Restart,
        0x0018 => SpoolInputOp::Backspace,
        0x001C => SpoolInputOp::NextMonitorSfblok,
        0x0020 => SpoolInputOp::NextMonitorRecord,
        0x0028 => SpoolInputOp::Position(rxv),
        0x0FFF => SpoolInputOp::NextFileDescriptor(ryv),
        _ => return Err(ProgramCheck::SPECIFICATION),
    };
    let buf = rxv & m.address_mask();
    if op.stores() {
        // The whole buffer must be addressable and storable before anything is read.
        m.check_real(buf, BUFFER_LEN as u32, true)?;
    }
    let devno = match op {
        SpoolInputOp::NextFileDescriptor(_) => None,
        _ => Some((ryv & 0xFFFF) as u16),
    };
    let ans = m.spool_input(devno, op);
    if let Some(d) = &ans.data {
        let d = &d[..d.len().min(BUFFER_LEN)];
        m.write_real(buf, d)?;
    }
    if let Some(c) = ans.code {
        m.set_gpr(ry1, c);
    }
    m.set_cc(ans.cc);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::MockMachine;
    use crate::Registry;

    fn run(m: &mut MockMachine, rx: u8, ry: u8) -> Result<(), ProgramCheck> {
        Registry::standard().dispatch(m, 0x14, rx, ry)
    }

    /// Every subcode of the spec reaches the machine with its operand (VM370 X'14').
    #[test]
    fn every_documented_subcode_is_decoded() {
        let cases = [
            (0x0000, SpoolInputOp::ReadNext),
            (0x0004, SpoolInputOp::NextPrintSfblok),
            (0x0008, SpoolInputOp::NextPunchSfblok),
            (0x000C, SpoolInputOp::Select(0x1000)),
            (0x0010, SpoolInputOp::Repeat(0x1000)),
            (0x0014, SpoolInputOp::Restart),
            (0x0018, SpoolInputOp::Backspace),
            (0x001C, SpoolInputOp::NextMonitorSfblok),
            (0x0020, SpoolInputOp::NextMonitorRecord),
            (0x0028, SpoolInputOp::Position(0x1000)),
            (0x0FFF, SpoolInputOp::NextFileDescriptor(0x00C)),
        ];
        for (sub, op) in cases {
            let mut m = MockMachine::new();
            m.gpr[1] = 0x1000;
            m.gpr[2] = 0x00C;
            m.gpr[3] = sub;
            m.spool_answer = Some(SpoolInputAnswer::cc(2));
            assert_eq!(run(&mut m, 1, 2), Ok(()), "{sub:X}");
            let devno = if sub == 0x0FFF { None } else { Some(0x00C) };
            assert_eq!(m.spool_requests, vec![(devno, op)], "{sub:X}");
            assert_eq!(m.cc, 2);
            assert_eq!(m.gpr[3], sub, "Ry+1 unchanged without a code");
        }
    }

    /// Ry odd, and an undocumented subcode: specification, nothing changed.
    #[test]
    fn odd_ry_and_unknown_subcodes_are_specification() {
        let mut m = MockMachine::new();
        m.cc = 1;
        assert_eq!(run(&mut m, 1, 3), Err(ProgramCheck::SPECIFICATION));
        m.gpr[3] = 0x24;
        assert_eq!(run(&mut m, 1, 2), Err(ProgramCheck::SPECIFICATION));
        assert!(m.spool_requests.is_empty());
        assert_eq!(m.cc, 1);
    }

    /// A buffer that is not all in storage: addressing, before the reader moves.
    #[test]
    fn a_buffer_outside_storage_is_addressing() {
        let mut m = MockMachine::new();
        m.gpr[1] = 0x10000 - 0x800;
        m.gpr[2] = 0x00C;
        assert_eq!(run(&mut m, 1, 2), Err(ProgramCheck::ADDRESSING));
        assert!(m.spool_requests.is_empty());
    }

    /// The answer's data goes to Rx, its code to Ry+1, its CC to the PSW.
    #[test]
    fn data_code_and_cc_are_returned() {
        let mut m = MockMachine::new();
        m.gpr[1] = 0x2000;
        m.gpr[2] = 0x00C;
        m.spool_answer = Some(SpoolInputAnswer::data(vec![0xC1, 0xC2]));
        assert_eq!(run(&mut m, 1, 2), Ok(()));
        assert_eq!(&m.mem[0x2000..0x2002], &[0xC1, 0xC2]);
        assert_eq!(m.cc, 0);
        m.spool_answer = Some(SpoolInputAnswer::WRONG_TYPE);
        assert_eq!(run(&mut m, 1, 2), Ok(()));
        assert_eq!((m.cc, m.gpr[3]), (3, 8));
        // The trait's default: no such device.
        let mut m = MockMachine::new();
        m.gpr[1] = 0x2000;
        assert_eq!(run(&mut m, 1, 2), Ok(()));
        assert_eq!((m.cc, m.gpr[3]), (3, 4));
    }

    #[test]
    fn buffers_and_sfbloks_have_their_layout() {
        let recs = vec![vec![0xC1; 80]; 60];
        let (b, n) = spool_buffer(7, 1, &recs, true);
        assert_eq!(n, 49, "(4096 - 16 - 2) / 82 records fit");
        assert_eq!(
            &b[0..16],
            &[0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 49, 0, 0, 0, 7]
        );
        assert_eq!(&b[16..18], &[0, 80]);
        let (b, n) = spool_buffer(7, 2, &recs[49..], true);
        assert_eq!((n, &b[0..4]), (11, &[0u8, 0, 0, 0][..]));
        let s = Sfblok {
            spoolid: 3,
            owner: "T".into(),
            records: 2,
            record_len: 80,
            flags: 0x20,
            ..Default::default()
        }
        .to_bytes();
        assert_eq!(&s[4..6], &[0, 3]);
        assert_eq!(&s[8..16], &crate::ebcdic::padded::<8>("T"));
        assert_eq!(&s[24..33], &[0, 0, 0, 2, 0, 0, 0, 80, 0x20]);
    }
}
