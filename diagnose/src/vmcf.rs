//! DIAGNOSE X'68' Virtual Machine Communication Facility (VMCF) for a CP with ONE virtual
//! machine [VM370 "Virtual Machine Communication Facility" and Figure 20 "DIAGNOSE X'68'
//! return codes", GC20-1807-7 pp. 166-166.4; VMSP SC19-6203-2 VMCF chapter; the VMCPARM
//! layout from ZCB VMCPARM (z/VM cp730 control blocks); spec 2.1 X'68'].
//!
//! Rx holds the address of VMCPARM, a 40-byte, doubleword-aligned parameter list; the return
//! code goes to Ry (Rx and Ry may be the same register). No condition code is documented and
//! the CC is left unchanged. VMCPARM:
//!
//! | +0 | +1 | +2 | +4 | +8 | +16 | +20 | +24 | +28 | +32 |
//! | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
//! | VMCPFLG1 | reserved | VMCPFUNC (2) | VMCPMID message id (4) | VMCPUSER userid (8) | VMCPVADA (4) | VMCPLENA (4) | VMCPVADB (4) | VMCPLENB (4) | VMCPUSE user doubleword (8) |
//!
//! VMCPFLG1: X'80' AUTHORIZE SPECIFIC (only VMCPUSER may send), X'40' PRIORITY, X'20'
//! special messages. For AUTHORIZE, VMCPVADA/VMCPLENA give the external-interrupt buffer
//! that receives the 40-byte message header (VMCMHDR) of an X'4001' external interruption.
//!
//! With one virtual machine no other user is ever logged on, so every SEND-type function
//! names an unavailable user (rc 5, "not logged on") and no message can ever exist: RECEIVE,
//! CANCEL, REPLY and REJECT find none (rc 12, "message not found": VM370 Figure 20, rc 11,
//! "the sink virtual machine will get return code 12 (message not found)").
//!
//! Not done: VM370 Figure 20 rc 17 ("destructive overlap ... can occur only when a virtual
//! machine is sending messages to itself (a 'wrap connection')") shows that a user may send
//! to itself. vm390 does not yet deliver the X'4001' interruption a wrap connection needs, so
//! a SEND-type function naming the caller itself also gets rc 5.

use crate::{ebcdic, Machine, ProgramCheck};

/// Length of VMCPARM (through VMCPUSE).
pub const VMCPARM_LEN: u32 = 40;

/// Length of the standard external-interrupt message header VMCMHDR (the smallest buffer
/// AUTHORIZE accepts; VM370 Figure 20 rc 1).
pub const VMCMHDR_LEN: u32 = 40;

/// Subfunction codes (VMCPFUNC).
pub mod func {
    /// AUTHORIZE.
    pub const AUTHORIZE: u16 = 0x0;
    /// UNAUTHORIZE.
    pub const UNAUTHORIZE: u16 = 0x1;
    /// SEND.
    pub const SEND: u16 = 0x2;
    /// SEND/RECV.
    pub const SEND_RECV: u16 = 0x3;
    /// SENDX.
    pub const SENDX: u16 = 0x4;
    /// RECEIVE.
    pub const RECEIVE: u16 = 0x5;
    /// CANCEL.
    pub const CANCEL: u16 = 0x6;
    /// REPLY.
    pub const REPLY: u16 = 0x7;
    /// QUIESCE.
    pub const QUIESCE: u16 = 0x8;
    /// RESUME.
    pub const RESUME: u16 = 0x9;
    /// IDENTIFY.
    pub const IDENTIFY: u16 = 0xA;
    /// REJECT.
    pub const REJECT: u16 = 0xB;
}

/// Return codes in Ry (VM370 Figure 20; the ones a single virtual machine can get).
pub mod rc {
    /// Request complete (or initiated).
    pub const OK: u32 = 0;
    /// Invalid virtual buffer address or length.
    pub const BAD_BUFFER: u32 = 1;
    /// Invalid subfunction code.
    pub const BAD_FUNCTION: u32 = 2;
    /// Protocol violation.
    pub const PROTOCOL: u32 = 3;
    /// Source virtual machine not authorized.
    pub const NOT_AUTHORIZED: u32 = 4;
    /// User not available (not logged on, not authorized, authorized SPECIFIC for another).
    pub const NOT_AVAILABLE: u32 = 5;
    /// Protection violation.
    pub const PROTECTION: u32 = 6;
    /// Message not found.
    pub const NOT_FOUND: u32 = 12;
}

/// VMCPFLG1 bits.
pub mod flag {
    /// AUTHORIZE SPECIFIC.
    pub const SPECIFIC: u8 = 0x80;
    /// PRIORITY.
    pub const PRIORITY: u8 = 0x40;
    /// Receiving special messages.
    pub const SMSG: u8 = 0x20;
}

/// What a successful AUTHORIZE established.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VmcfAuth {
    /// VMCPFLG1 of the AUTHORIZE (SPECIFIC, PRIORITY, SMSG).
    pub flags: u8,
    /// AUTHORIZE SPECIFIC: the only user allowed to send (host characters, blanks trimmed).
    pub specific: Option<String>,
    /// External-interrupt buffer: real address.
    pub buffer: u32,
    /// External-interrupt buffer: length.
    pub buffer_len: u32,
    /// QUIESCE in effect (no SEND-type function may name this user until RESUME).
    pub quiesced: bool,
}

/// A virtual machine's VMCF state: `None` until AUTHORIZE, again after UNAUTHORIZE and after
/// an implicit reset (LOGOFF, IPL, system reset: VMSP "Data Transfer Error Codes", code 5,
/// "... or implicitly reset his virtual machine": a reset ends the authorization).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VmcfState {
    /// The authorization, if any.
    pub auth: Option<VmcfAuth>,
}

impl VmcfState {
    /// The implicit UNAUTHORIZE of a reset (IPL, system reset, LOGOFF).
    pub fn reset(&mut self) {
        self.auth = None;
    }
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// AUTHORIZE's external-interrupt buffer check (VM370 Figure 20 rc 1 and rc 6): doubleword
/// aligned, at least a message header long, in storage, and storable with the PSW key.
fn check_buffer(m: &mut dyn Machine, addr: u32, len: u32) -> Result<(), u32> {
    if !addr.is_multiple_of(8) || len < VMCMHDR_LEN {
        return Err(rc::BAD_BUFFER);
    }
    match m.check_real(addr, len, true) {
        Ok(()) => Ok(()),
        Err(ProgramCheck::PROTECTION) => Err(rc::PROTECTION),
        Err(_) => Err(rc::BAD_BUFFER),
    }
}

/// DIAG X'68'. The program checks (suppressing): VMCPARM not on a doubleword boundary,
/// specification (spec 2.1 X'68' "doubleword-aligned"); VMCPARM outside storage,
/// addressing; fetch-protected, protection. A CP that keeps no VMCF state
/// ([`Machine::vmcf_state`] `None`) does not implement the code: specification.
pub(crate) fn diag_068(m: &mut dyn Machine, rx: u8, ry: u8) -> Result<(), ProgramCheck> {
    if m.vmcf_state().is_none() {
        return Err(ProgramCheck::SPECIFICATION);
    }
    let parm = m.gpr(rx) & m.address_mask();
    if !parm.is_multiple_of(8) {
        return Err(ProgramCheck::SPECIFICATION);
    }
    let mut p = [0u8; VMCPARM_LEN as usize];
    m.read_real(parm, &mut p)?;
    let flags = p[0];
    let function = u16::from_be_bytes([p[2], p[3]]);
    let user = ebcdic::to_string(&p[8..16]).trim_end().to_string();
    let (vada, lena) = (be32(&p, 16) & m.address_mask(), be32(&p, 20));
    let authorized = m.vmcf_state().is_some_and(|s| s.auth.is_some());
    let code = match function {
        // VM370 Figure 20 rc 2: an unsupported subfunction code.
        f if f > func::REJECT => rc::BAD_FUNCTION,
        func::AUTHORIZE => match check_buffer(m, vada, lena) {
            Err(code) => code,
            Ok(()) => {
                if let Some(s) = m.vmcf_state() {
                    // A re-AUTHORIZE replaces the buffer and options (VMSP data transfer
                    // error code 7: "the sink virtual machine reexecuted AUTHORIZE").
                    let quiesced = s.auth.as_ref().is_some_and(|a| a.quiesced);
                    s.auth = Some(VmcfAuth {
                        flags,
                        specific: (flags & flag::SPECIFIC != 0).then_some(user),
                        buffer: vada,
                        buffer_len: lena,
                        quiesced,
                    });
                }
                rc::OK
            }
        },
        // VM370 Figure 20 rc 4: any subfunction but AUTHORIZE needs a successful AUTHORIZE.
        _ if !authorized => rc::NOT_AUTHORIZED,
        func::UNAUTHORIZE => {
            if let Some(s) = m.vmcf_state() {
                s.reset();
            }
            rc::OK
        }
        // The named user is never available: nobody else is logged on, and the caller
        // itself (a wrap connection) is not supported yet (module documentation).
        func::SEND | func::SEND_RECV | func::SENDX | func::IDENTIFY => rc::NOT_AVAILABLE,
        // No message was ever sent to or by this virtual machine.
        func::RECEIVE | func::CANCEL | func::REPLY | func::REJECT => rc::NOT_FOUND,
        // QUIESCE and RESUME (VM370: QUIESCE makes SEND-type functions naming this user
        // get rc 9 until RESUME).
        _ => {
            if let Some(a) = m.vmcf_state().and_then(|s| s.auth.as_mut()) {
                a.quiesced = function == func::QUIESCE;
            }
            rc::OK
        }
    };
    m.set_gpr(ry, code);
    Ok(())
}
