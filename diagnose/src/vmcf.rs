//! DIAGNOSE X'68' Virtual Machine Communication Facility (VMCF) between the virtual
//! machines of one CP [VM370 "Virtual Machine Communication Facility", Figures 19-21,
//! GC20-1807-7 pp. 149-166.4; VMSP SC19-6203-2 VMCF chapter, Figures 11 and "Data Transfer
//! Error Codes"; VM370 logic SY20-0886-1 DMKVMC; the VMCPARM layout from ZCB VMCPARM (z/VM
//! cp730 control blocks); spec 2.1 X'68'].
//!
//! Rx holds the address of VMCPARM, a 40-byte, doubleword-aligned parameter list; the return
//! code goes to Ry (Rx and Ry may be the same register). No condition code is documented and
//! the CC is left unchanged. VMCPARM:
//!
//! | +0 | +1 | +2 | +4 | +8 | +16 | +20 | +24 | +28 | +32 |
//! | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
//! | VMCPFLG1 | VMCPFLG2 | VMCPFUNC (2) | VMCPMID message id (4) | VMCPUSER userid (8) | VMCPVADA (4) | VMCPLENA (4) | VMCPVADB (4) | VMCPLENB (4) | VMCPUSE user doubleword (8) |
//!
//! VMCPFLG1: X'80' AUTHORIZE SPECIFIC (only VMCPUSER may send), X'40' PRIORITY, X'20'
//! special messages. For AUTHORIZE, VMCPVADA/VMCPLENA give the external-interrupt buffer.
//!
//! # Messages and the X'4001' interruption
//!
//! Every CP keeps one [`Hub`] (the system's VMCF: who is authorized, the messages in
//! flight, and for each user the X'4001' interruptions waiting to be presented); every
//! virtual machine reaches it through its [`VmcfState`]. A SEND-type function (SEND,
//! SEND/RECV, SENDX, IDENTIFY) queues a *SEND external interrupt* for the sink; the sink's
//! RECEIVE, REPLY or REJECT (and a SENDX once presented) queue the *RESPONSE external
//! interrupt* for the source (VM370 Figures 15-18, the SEND, SEND/RECV, SENDX and IDENTIFY
//! protocols; IDENTIFY gets no response, VMSP "IDENTIFY protocol"). PRIORITY interruptions
//! queue ahead of the others, FIFO among themselves (VM370 p. 156). The hub pokes the user
//! whose queue grew; that machine's own thread presents the interruption with [`present`]:
//! it stores the 40-byte message header VMCMHDR (and, for SENDX, the data after it; for a
//! REPLY's response, the reply data into the source's REPLY buffer) into its own storage and
//! makes X'4001' pending. VMCMHDR (VM370 p. 165, VMSP p. 105):
//!
//! | +0 | +1 | +2 | +4 | +8 | +16 | +20 | +24 | +28 | +32 | +40 |
//! | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
//! | VMCMSTAT | VMCMEFLG | VMCMFUNC | VMCMMID | VMCMUSER | VMCMVADA | VMCMLENA | VMCMVADB | VMCMLENB | VMCMUSE | VMCMBUF (SENDX data) |
//!
//! VMCMSTAT: X'80' VMCMRESP final interruption (every RESPONSE and the SEND interruption of
//! an IDENTIFY), X'40' VMCMRJCT the sink REJECTed, X'20' VMCMPRTY a priority message.
//! VMCMEFLG: the data transfer error code (VM370 Figure 21: 0, 1, 5, 6, 7, 16). VMCMFUNC
//! through VMCMUSE copy the source's VMCPARM, except VMCMUSER (the source in a SEND
//! interruption, the sink in a RESPONSE), VMCMLENA and VMCMLENB (residual counts in a
//! RESPONSE) and VMCMUSE (the sink's doubleword in the response to a RECEIVE of a SEND and
//! to a REPLY or REJECT of a SEND/RECV, VM370 p. 166.1 VMCPUSE).
//!
//! CP presents one X'4001' at a time, and only while the machine is enabled for it: PSW
//! external mask and CR0 bit 31 (SY20-0886-1 DMKVMC: "unless there is already a special
//! external interrupt posted [or] the virtual machine is running disabled for VMCF
//! interrupts (PSW bit 7 and CR0 bit 31)").
//!
//! A message is *active* from the SEND until its RESPONSE interruption is presented to the
//! source (so CANCEL after the sink's response is "too late", rc 14, and a source has at most
//! 50 active messages, rc 10).
//!
//! # Where vm390 differs from VM
//!
//! - vm390 snapshots the send buffer at SEND time (a virtual machine's storage belongs to its
//!   own thread); VM moves it at RECEIVE time ("There is no internal buffering of data
//!   within the control program", VM370 p. 156). A program that changes its send buffer
//!   before the sink RECEIVEs sees the old data arrive.
//! - The data transfer errors 1 and 6 of the *source's* buffers are therefore found at SEND
//!   (rc 1 or 6 then) and for the REPLY buffer when the response is presented (VMCMEFLG 1
//!   or 6); paging errors (rc 15) never happen.
//! - Figure 20's rc 19 (REPLY) and rc 20 (CANCEL) were not legible in the sources at hand
//!   and are never given. A second REPLY, or a REJECT after the message was completed,
//!   gets rc 12 (message not found).
//!
//! A reset (IPL, system reset, LOGOFF) is an implicit UNAUTHORIZE: messages to the machine
//! end with a RESPONSE of data transfer error 5 to their sources (VMSP "Data Transfer Error
//! Codes", code 5), its own messages are withdrawn.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::{ebcdic, Machine, ProgramCheck};

/// Length of VMCPARM (through VMCPUSE).
pub const VMCPARM_LEN: u32 = 40;

/// Length of the standard external-interrupt message header VMCMHDR (the smallest buffer
/// AUTHORIZE accepts; VM370 Figure 20 rc 1).
pub const VMCMHDR_LEN: u32 = 40;

/// The VMCF external interruption code.
pub const EXT_VMCF: u16 = 0x4001;

/// The most messages a source may have active (VM370 Figure 20 rc 10).
pub const MESSAGE_LIMIT: usize = 50;

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

/// Return codes in Ry (VM370 Figure 20) and data transfer error codes in VMCMEFLG (Figure
/// 21, the same numbers).
pub mod rc {
    /// Request complete (or initiated).
    pub const OK: u32 = 0;
    /// Invalid virtual buffer address or length.
    pub const BAD_BUFFER: u32 = 1;
    /// Invalid subfunction code.
    pub const BAD_FUNCTION: u32 = 2;
    /// Protocol violation (CANCEL of another's message, REPLY to a message not sent by
    /// SEND/RECV, a second RECEIVE).
    pub const PROTOCOL: u32 = 3;
    /// Source virtual machine not authorized.
    pub const NOT_AUTHORIZED: u32 = 4;
    /// User not available (not logged on, not authorized, authorized SPECIFIC for another).
    pub const NOT_AVAILABLE: u32 = 5;
    /// Protection violation.
    pub const PROTECTION: u32 = 6;
    /// SENDX data larger than the sink's external-interrupt buffer.
    pub const SENDX_TOO_LARGE: u32 = 7;
    /// Duplicate message (message id and sink of an active message).
    pub const DUPLICATE: u32 = 8;
    /// The sink is in QUIESCE status.
    pub const QUIESCED: u32 = 9;
    /// Message limit exceeded (50 active messages).
    pub const LIMIT: u32 = 10;
    /// CANCEL of a SEND/RECV the sink had RECEIVEd but not yet REPLYed: the REPLY is
    /// cancelled (the sink's REPLY then gets rc 12).
    pub const REPLY_CANCELLED: u32 = 11;
    /// Message not found.
    pub const NOT_FOUND: u32 = 12;
    /// Synchronization error: the sink responded before its SEND interruption.
    pub const SYNC: u32 = 13;
    /// CANCEL too late: the sink has responded (or a SENDX was presented).
    pub const TOO_LATE: u32 = 14;
    /// Incorrect length: RECEIVE buffer shorter than the SEND data, REPLY data longer than
    /// the REPLY buffer (what fits is moved; the source gets error code 16).
    pub const LENGTH: u32 = 16;
    /// Destructive overlap (only in a wrap connection, a user sending to itself).
    pub const OVERLAP: u32 = 17;
    /// The sink is not authorized for PRIORITY messages.
    pub const NO_PRIORITY: u32 = 18;
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

/// VMCMSTAT bits.
pub mod status {
    /// VMCMRESP: final interruption.
    pub const RESP: u8 = 0x80;
    /// VMCMRJCT: the sink rejected the message.
    pub const RJCT: u8 = 0x40;
    /// VMCMPRTY: a priority message.
    pub const PRTY: u8 = 0x20;
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

/// Who is told when a user's queue of X'4001' interruptions grows (the CP pokes that
/// machine's thread).
pub type Poke = Arc<dyn Fn(&str) + Send + Sync>;

/// The VMCF of one CP, shared by all its virtual machines (see the module documentation).
#[derive(Clone, Default)]
pub struct Hub {
    exchange: Arc<Mutex<Exchange>>,
    poke: Option<Poke>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub").finish_non_exhaustive()
    }
}

impl Hub {
    /// A hub whose users are woken by `poke`.
    pub fn new(poke: Option<Poke>) -> Hub {
        Hub {
            exchange: Arc::default(),
            poke,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Exchange> {
        self.exchange.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the exchange, then pokes the users whose queues grew.
    fn with<R>(&self, f: impl FnOnce(&mut Exchange) -> R) -> R {
        let mut ex = self.lock();
        let r = f(&mut ex);
        let woken = std::mem::take(&mut ex.woken);
        drop(ex);
        if let Some(p) = &self.poke {
            for u in woken {
                p(&u);
            }
        }
        r
    }

    /// `userid`'s authorization, if it has one.
    pub fn authorization(&self, userid: &str) -> Option<VmcfAuth> {
        self.lock().stations.get(userid).map(|s| s.auth.clone())
    }

    /// Whether an X'4001' interruption waits to be presented to `userid`.
    pub fn pending(&self, userid: &str) -> bool {
        self.lock()
            .stations
            .get(userid)
            .is_some_and(|s| !s.queue.is_empty())
    }

    /// How many messages are active (sent and not yet completed by the RESPONSE
    /// interruption).
    pub fn active_messages(&self) -> usize {
        self.lock().messages.len()
    }

    /// The implicit UNAUTHORIZE of `userid` (see [`VmcfState::reset`]).
    pub fn unauthorize(&self, userid: &str) {
        self.with(|ex| ex.unauthorize(userid));
    }
}

/// A virtual machine's way to its CP's VMCF: the hub and the machine's user id.
#[derive(Clone, Debug, Default)]
pub struct VmcfState {
    /// The CP's VMCF.
    pub hub: Hub,
    /// The user id of the virtual machine (host characters).
    pub userid: String,
}

impl VmcfState {
    /// `userid`'s way to `hub`.
    pub fn new(hub: Hub, userid: &str) -> VmcfState {
        VmcfState {
            hub,
            userid: userid.to_ascii_uppercase(),
        }
    }

    /// The machine's authorization, if any.
    pub fn auth(&self) -> Option<VmcfAuth> {
        self.hub.authorization(&self.userid)
    }

    /// The implicit UNAUTHORIZE of a reset (IPL, system reset, LOGOFF): messages to this
    /// machine end with data transfer error 5 for their sources (VMSP "Data Transfer Error
    /// Codes", code 5, "... or implicitly reset his virtual machine"), its own are
    /// withdrawn, nothing more is presented to it.
    pub fn reset(&mut self) {
        self.hub.unauthorize(&self.userid);
    }
}

/// An X'4001' interruption waiting to be presented.
#[derive(Clone, Debug)]
struct Note {
    priority: bool,
    header: [u8; 40],
    /// SENDX data (after the header), or REPLY data (into the source's REPLY buffer).
    data: Vec<u8>,
    kind: NoteKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum NoteKind {
    /// The SEND interruption of a SEND, SEND/RECV or SENDX from `source`.
    Send { source: String, mid: u32 },
    /// The SEND interruption of an IDENTIFY (final; no message).
    Identify,
    /// The RESPONSE interruption of the message to `sink`; `reply_to`: the REPLY buffer
    /// that takes the data.
    Response {
        sink: String,
        mid: u32,
        reply_to: Option<u32>,
    },
}

#[derive(Clone, Debug)]
struct Station {
    auth: VmcfAuth,
    queue: VecDeque<Note>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// The SEND interruption is not yet presented to the sink.
    Queued,
    /// The sink has its SEND interruption.
    Presented,
    /// The sink has responded; the RESPONSE waits for the source.
    Done,
}

#[derive(Clone, Debug)]
struct Message {
    source: String,
    sink: String,
    mid: u32,
    function: u16,
    priority: bool,
    /// The source's VMCPARM.
    parm: [u8; 40],
    /// The SEND data, as it was at SEND.
    data: Vec<u8>,
    phase: Phase,
    /// SEND/RECV: RECEIVEd, with this residual count.
    received: Option<u32>,
}

impl Message {
    fn is(&self, source: &str, sink: &str, mid: u32) -> bool {
        self.source == source && self.sink == sink && self.mid == mid
    }
}

/// The state behind a [`Hub`].
#[derive(Default)]
struct Exchange {
    stations: BTreeMap<String, Station>,
    messages: Vec<Message>,
    woken: Vec<String>,
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

/// A header copied from VMCPARM `parm` with VMCMSTAT `stat`, VMCMEFLG `eflg` and VMCMUSER
/// `user`.
fn header(parm: &[u8; 40], stat: u8, eflg: u8, user: &str) -> [u8; 40] {
    let mut h = *parm;
    h[0] = stat;
    h[1] = eflg;
    h[8..16].copy_from_slice(&ebcdic::padded::<8>(user));
    h
}

impl Exchange {
    /// Queues `note` for `user` (PRIORITY ahead of the others, FIFO among equals).
    fn queue(&mut self, user: &str, note: Note) {
        let Some(st) = self.stations.get_mut(user) else {
            return;
        };
        let at = if note.priority {
            st.queue.iter().take_while(|n| n.priority).count()
        } else {
            st.queue.len()
        };
        st.queue.insert(at, note);
        self.woken.push(user.to_string());
    }

    /// Queues the RESPONSE of message `m` for its source.
    /// A source that is no longer authorized gets nothing: the message ends.
    fn respond(&mut self, m: &Message, rjct: bool, eflg: u32, resid: (u32, u32), data: Vec<u8>) {
        if !self.stations.contains_key(&m.source) {
            if let Some(i) = self.find(&m.source, &m.sink, m.mid) {
                self.messages.remove(i);
            }
            return;
        }
        let mut stat = status::RESP;
        if rjct {
            stat |= status::RJCT;
        }
        if m.priority {
            stat |= status::PRTY;
        }
        let mut h = header(&m.parm, stat, eflg as u8, &m.sink);
        put32(&mut h, 20, resid.0);
        put32(&mut h, 28, resid.1);
        let reply_to = (!data.is_empty()).then(|| be32(&m.parm, 24));
        self.queue(
            &m.source.clone(),
            Note {
                priority: m.priority,
                header: h,
                data,
                kind: NoteKind::Response {
                    sink: m.sink.clone(),
                    mid: m.mid,
                    reply_to,
                },
            },
        );
    }

    /// Ends message `i` with data transfer error `eflg` (nothing was moved).
    fn fail(&mut self, i: usize, eflg: u32) {
        let m = self.messages[i].clone();
        self.messages[i].phase = Phase::Done;
        let lenb = if m.function == func::SEND_RECV {
            be32(&m.parm, 28)
        } else {
            0
        };
        self.respond(&m, false, eflg, (m.data.len() as u32, lenb), Vec::new());
    }

    /// Takes the queued SEND interruption of message (source, sink, mid) off the sink's
    /// queue.
    fn unqueue(&mut self, source: &str, sink: &str, mid: u32) {
        if let Some(st) = self.stations.get_mut(sink) {
            st.queue.retain(|n| {
                n.kind
                    != NoteKind::Send {
                        source: source.to_string(),
                        mid,
                    }
            });
        }
    }

    fn find(&self, source: &str, sink: &str, mid: u32) -> Option<usize> {
        self.messages.iter().position(|m| m.is(source, sink, mid))
    }

    fn unauthorize(&mut self, me: &str) {
        if self.stations.remove(me).is_none() {
            return;
        }
        // Messages to me end with error 5 for their sources; my own are withdrawn.
        let mut i = 0;
        while i < self.messages.len() {
            let m = self.messages[i].clone();
            if m.source == me {
                self.messages.remove(i);
                self.unqueue(&m.source, &m.sink, m.mid);
            } else if m.sink == me && m.phase != Phase::Done {
                self.fail(i, rc::NOT_AVAILABLE);
                i += 1;
            } else {
                i += 1;
            }
        }
    }

    /// The checks a SEND-type function makes of its sink (VM370 Figure 20 rc 5, 9, 18).
    fn sink_refuses(&self, me: &str, sink: &str, priority: bool) -> Option<u32> {
        let Some(st) = self.stations.get(sink) else {
            return Some(rc::NOT_AVAILABLE);
        };
        if st.auth.specific.as_deref().is_some_and(|s| s != me) {
            return Some(rc::NOT_AVAILABLE);
        }
        if st.auth.quiesced {
            return Some(rc::QUIESCED);
        }
        if priority && st.auth.flags & flag::PRIORITY == 0 {
            return Some(rc::NO_PRIORITY);
        }
        None
    }
}

/// The error a storage check gives as a VMCF return code: protection rc 6, anything else
/// (addressing) rc 1.
fn storage_rc(e: ProgramCheck) -> u32 {
    if e == ProgramCheck::PROTECTION {
        rc::PROTECTION
    } else {
        rc::BAD_BUFFER
    }
}

/// Checks `len` bytes at `addr` (none when `len` is 0).
fn check(m: &mut dyn Machine, addr: u32, len: u32, store: bool) -> Result<(), u32> {
    if len == 0 {
        return Ok(());
    }
    m.check_real(addr, len, store).map_err(storage_rc)
}

/// AUTHORIZE's external-interrupt buffer check (VM370 Figure 20 rc 1 and rc 6): doubleword
/// aligned, at least a message header long, in storage, and storable with the PSW key.
fn check_buffer(m: &mut dyn Machine, addr: u32, len: u32) -> Result<(), u32> {
    if !addr.is_multiple_of(8) || len < VMCMHDR_LEN {
        return Err(rc::BAD_BUFFER);
    }
    check(m, addr, len, true)
}

/// Whether `[a, a+al)` and `[b, b+bl)` share a byte.
fn overlap(a: u32, al: u32, b: u32, bl: u32) -> bool {
    al > 0
        && bl > 0
        && u64::from(a) < u64::from(b) + u64::from(bl)
        && u64::from(b) < u64::from(a) + u64::from(al)
}

/// The decoded VMCPARM.
struct Parm {
    raw: [u8; 40],
    flags: u8,
    function: u16,
    mid: u32,
    user: String,
    vada: u32,
    lena: u32,
    vadb: u32,
    lenb: u32,
}

/// DIAG X'68'. The program checks (suppressing): VMCPARM not on a doubleword boundary,
/// specification (spec 2.1 X'68' "doubleword-aligned"); VMCPARM outside storage,
/// addressing; fetch-protected, protection. A CP that keeps no VMCF state
/// ([`Machine::vmcf_state`] `None`) does not implement the code: specification.
pub(crate) fn diag_068(m: &mut dyn Machine, rx: u8, ry: u8) -> Result<(), ProgramCheck> {
    let Some(state) = m.vmcf_state() else {
        return Err(ProgramCheck::SPECIFICATION);
    };
    let (hub, me) = (state.hub.clone(), state.userid.clone());
    let parm = m.gpr(rx) & m.address_mask();
    if !parm.is_multiple_of(8) {
        return Err(ProgramCheck::SPECIFICATION);
    }
    let mut raw = [0u8; VMCPARM_LEN as usize];
    m.read_real(parm, &mut raw)?;
    let amask = m.address_mask();
    let p = Parm {
        raw,
        flags: raw[0],
        function: u16::from_be_bytes([raw[2], raw[3]]),
        mid: be32(&raw, 4),
        user: ebcdic::to_string(&raw[8..16])
            .trim_end()
            .to_ascii_uppercase(),
        vada: be32(&raw, 16) & amask,
        lena: be32(&raw, 20),
        vadb: be32(&raw, 24) & amask,
        lenb: be32(&raw, 28),
    };
    let code = hub.with(|ex| run(m, ex, &me, &p));
    m.set_gpr(ry, code);
    Ok(())
}

/// One subfunction, under the hub's lock (the checks and the change are one step).
fn run(m: &mut dyn Machine, ex: &mut Exchange, me: &str, p: &Parm) -> u32 {
    if p.function > func::REJECT {
        // VM370 Figure 20 rc 2: an unsupported subfunction code.
        return rc::BAD_FUNCTION;
    }
    if p.function == func::AUTHORIZE {
        return authorize(m, ex, me, p);
    }
    // VM370 Figure 20 rc 4: any subfunction but AUTHORIZE needs a successful AUTHORIZE.
    if !ex.stations.contains_key(me) {
        return rc::NOT_AUTHORIZED;
    }
    match p.function {
        func::UNAUTHORIZE => {
            ex.unauthorize(me);
            rc::OK
        }
        func::SEND | func::SEND_RECV | func::SENDX | func::IDENTIFY => send(m, ex, me, p),
        func::RECEIVE => receive(m, ex, me, p),
        func::CANCEL => cancel(ex, me, p),
        func::REPLY => reply(m, ex, me, p),
        func::REJECT => reject(ex, me, p),
        // QUIESCE and RESUME: SEND-type functions naming this user get rc 9 in between.
        _ => {
            if let Some(st) = ex.stations.get_mut(me) {
                st.auth.quiesced = p.function == func::QUIESCE;
            }
            rc::OK
        }
    }
}

fn authorize(m: &mut dyn Machine, ex: &mut Exchange, me: &str, p: &Parm) -> u32 {
    if let Err(code) = check_buffer(m, p.vada, p.lena) {
        return code;
    }
    let specific = (p.flags & flag::SPECIFIC != 0).then(|| p.user.clone());
    let auth = VmcfAuth {
        flags: p.flags,
        specific: specific.clone(),
        buffer: p.vada,
        buffer_len: p.lena,
        // A re-AUTHORIZE keeps QUIESCE.
        quiesced: ex.stations.get(me).is_some_and(|s| s.auth.quiesced),
    };
    match ex.stations.get_mut(me) {
        // A re-AUTHORIZE replaces the buffer and options (VMSP data transfer error code 7:
        // "the sink virtual machine reexecuted AUTHORIZE").
        Some(st) => st.auth = auth,
        None => {
            ex.stations.insert(
                me.to_string(),
                Station {
                    auth,
                    queue: VecDeque::new(),
                },
            );
        }
    }
    if let Some(only) = specific {
        // AUTHORIZE SPECIFIC after a message was sent: the others' messages end with
        // error 5 (VMSP "Data Transfer Error Codes", code 5).
        let others: Vec<usize> = (0..ex.messages.len())
            .filter(|&i| {
                let msg = &ex.messages[i];
                msg.sink == me && msg.source != only && msg.phase != Phase::Done
            })
            .collect();
        for i in others {
            let msg = ex.messages[i].clone();
            ex.unqueue(&msg.source, me, msg.mid);
            ex.fail(i, rc::NOT_AVAILABLE);
        }
    }
    rc::OK
}

fn send(m: &mut dyn Machine, ex: &mut Exchange, me: &str, p: &Parm) -> u32 {
    let priority = p.flags & flag::PRIORITY != 0;
    let identify = p.function == func::IDENTIFY;
    let mut data = Vec::new();
    if !identify {
        // The SEND data must be in storage and fetchable (rc 1, 6); a SEND/RECV's REPLY
        // buffer storable.
        if let Err(code) = check(m, p.vada, p.lena, false) {
            return code;
        }
        if p.function == func::SEND_RECV {
            if let Err(code) = check(m, p.vadb, p.lenb, true) {
                return code;
            }
        }
        // The snapshot of the send buffer (see the module documentation).
        data = vec![0u8; p.lena as usize];
        if let Err(e) = m.read_real(p.vada, &mut data) {
            return storage_rc(e);
        }
    }
    if let Some(code) = ex.sink_refuses(me, &p.user, priority) {
        return code;
    }
    if !identify && ex.find(me, &p.user, p.mid).is_some() {
        return rc::DUPLICATE;
    }
    if ex.messages.iter().filter(|x| x.source == me).count() >= MESSAGE_LIMIT {
        return rc::LIMIT;
    }
    if p.function == func::SENDX {
        let room = ex.stations[&p.user].auth.buffer_len - VMCMHDR_LEN;
        if p.lena > room {
            return rc::SENDX_TOO_LARGE;
        }
    }
    let mut stat = if priority { status::PRTY } else { 0 };
    if identify {
        stat |= status::RESP;
    }
    let note = Note {
        priority,
        header: header(&p.raw, stat, 0, me),
        data: if p.function == func::SENDX {
            data.clone()
        } else {
            Vec::new()
        },
        kind: if identify {
            NoteKind::Identify
        } else {
            NoteKind::Send {
                source: me.to_string(),
                mid: p.mid,
            }
        },
    };
    if !identify {
        ex.messages.push(Message {
            source: me.to_string(),
            sink: p.user.clone(),
            mid: p.mid,
            function: p.function,
            priority,
            parm: p.raw,
            data,
            phase: Phase::Queued,
            received: None,
        });
    }
    ex.queue(&p.user, note);
    rc::OK
}

/// The message (`p.user`, me, `p.mid`) a sink responds to: rc 12 when there is none (or it
/// is complete), rc 13 before its SEND interruption.
fn responding_to(ex: &Exchange, me: &str, p: &Parm) -> Result<usize, u32> {
    let i = ex.find(&p.user, me, p.mid).ok_or(rc::NOT_FOUND)?;
    match ex.messages[i].phase {
        Phase::Queued => Err(rc::SYNC),
        Phase::Done => Err(rc::NOT_FOUND),
        Phase::Presented => Ok(i),
    }
}

fn receive(m: &mut dyn Machine, ex: &mut Exchange, me: &str, p: &Parm) -> u32 {
    let i = match ex.find(&p.user, me, p.mid) {
        None => return rc::NOT_FOUND,
        Some(i) => i,
    };
    let msg = ex.messages[i].clone();
    match msg.phase {
        Phase::Queued => return rc::SYNC,
        // A second RECEIVE of a SEND (complete with the first).
        Phase::Done => return rc::PROTOCOL,
        Phase::Presented => {}
    }
    if msg.function == func::SENDX || msg.received.is_some() {
        return rc::PROTOCOL;
    }
    let len = msg.data.len() as u32;
    let moved = len.min(p.lena);
    if let Err(code) = check(m, p.vada, moved, true) {
        return code;
    }
    // A wrap connection: the RECEIVE buffer may not overlap the SEND data.
    if msg.source == me && overlap(p.vada, p.lena, be32(&msg.parm, 16), len) {
        return rc::OVERLAP;
    }
    if moved > 0 {
        if let Err(e) = m.write_real(p.vada, &msg.data[..moved as usize]) {
            return storage_rc(e);
        }
    }
    let (code, eflg) = if moved < len {
        (rc::LENGTH, rc::LENGTH)
    } else {
        (rc::OK, rc::OK)
    };
    if msg.function == func::SEND_RECV {
        ex.messages[i].received = Some(len - moved);
    } else {
        // The SEND is complete: the source's RESPONSE carries the sink's doubleword.
        ex.messages[i].phase = Phase::Done;
        let mut done = msg.clone();
        done.parm[32..40].copy_from_slice(&p.raw[32..40]);
        ex.respond(&done, false, eflg, (len - moved, 0), Vec::new());
    }
    code
}

fn reply(m: &mut dyn Machine, ex: &mut Exchange, me: &str, p: &Parm) -> u32 {
    let i = match responding_to(ex, me, p) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let msg = ex.messages[i].clone();
    if msg.function != func::SEND_RECV {
        return rc::PROTOCOL;
    }
    if let Err(code) = check(m, p.vada, p.lena, false) {
        return code;
    }
    let (vadb, lenb) = (be32(&msg.parm, 24), be32(&msg.parm, 28));
    // A wrap connection: the REPLY data may not overlap the source's REPLY buffer.
    if msg.source == me && overlap(p.vada, p.lena, vadb, lenb) {
        return rc::OVERLAP;
    }
    let moved = p.lena.min(lenb);
    let mut data = vec![0u8; moved as usize];
    if let Err(e) = m.read_real(p.vada, &mut data) {
        return storage_rc(e);
    }
    let code = if p.lena > lenb { rc::LENGTH } else { rc::OK };
    ex.messages[i].phase = Phase::Done;
    let mut done = msg.clone();
    done.parm[32..40].copy_from_slice(&p.raw[32..40]);
    let lena_resid = msg.received.unwrap_or(msg.data.len() as u32);
    ex.respond(&done, false, code, (lena_resid, lenb - moved), data);
    code
}

fn reject(ex: &mut Exchange, me: &str, p: &Parm) -> u32 {
    let i = match responding_to(ex, me, p) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let msg = ex.messages[i].clone();
    if msg.function == func::SENDX {
        return rc::PROTOCOL;
    }
    ex.messages[i].phase = Phase::Done;
    let mut done = msg.clone();
    let lenb = if msg.function == func::SEND_RECV {
        // Only a SEND/RECV's source gets the sink's doubleword (VM370 p. 166.1 VMCPUSE).
        done.parm[32..40].copy_from_slice(&p.raw[32..40]);
        be32(&msg.parm, 28)
    } else {
        0
    };
    let lena_resid = msg.received.unwrap_or(msg.data.len() as u32);
    ex.respond(&done, true, rc::OK, (lena_resid, lenb), Vec::new());
    rc::OK
}

fn cancel(ex: &mut Exchange, me: &str, p: &Parm) -> u32 {
    let Some(i) = ex.find(me, &p.user, p.mid) else {
        // VM370 Figure 20 rc 3: "Cancel a message it did not originate".
        return if ex.find(&p.user, me, p.mid).is_some() {
            rc::PROTOCOL
        } else {
            rc::NOT_FOUND
        };
    };
    let msg = ex.messages[i].clone();
    if msg.phase == Phase::Done {
        return rc::TOO_LATE;
    }
    ex.messages.remove(i);
    ex.unqueue(me, &msg.sink, msg.mid);
    if msg.received.is_some() {
        rc::REPLY_CANCELLED
    } else {
        rc::OK
    }
}

/// Presents the next X'4001' interruption waiting for the machine, if it is `enabled` for
/// one (PSW external mask, CR0 bit 31, no X'4001' pending: the caller knows): stores the
/// header into the external-interrupt buffer (a SENDX's data after it, a REPLY's data into
/// the REPLY buffer) and makes X'4001' pending ([`Machine::vmcf_interrupt`]). True if it
/// presented one. Runs on the machine's own thread: it touches only its own storage.
pub fn present(m: &mut dyn Machine, enabled: bool) -> bool {
    if !enabled {
        return false;
    }
    let Some(state) = m.vmcf_state() else {
        return false;
    };
    let (hub, me) = (state.hub.clone(), state.userid.clone());
    hub.with(|ex| present_next(m, ex, &me))
}

fn present_next(m: &mut dyn Machine, ex: &mut Exchange, me: &str) -> bool {
    loop {
        let Some(st) = ex.stations.get_mut(me) else {
            return false;
        };
        let (buffer, buffer_len) = (st.auth.buffer, st.auth.buffer_len);
        let Some(mut note) = st.queue.pop_front() else {
            return false;
        };
        match &note.kind {
            NoteKind::Identify => {}
            NoteKind::Send { source, mid } => {
                let Some(i) = ex.find(source, me, *mid) else {
                    continue;
                };
                if ex.messages[i].function == func::SENDX {
                    let len = note.data.len() as u32;
                    // Re-AUTHORIZEd with a smaller buffer since the SENDX (VM370 Figure 21
                    // code 7), or the buffer is no longer storable.
                    if len > buffer_len - VMCMHDR_LEN {
                        ex.fail(i, rc::SENDX_TOO_LARGE);
                        continue;
                    }
                    if let Err(e) = m.write_real(buffer + VMCMHDR_LEN, &note.data) {
                        ex.fail(i, storage_rc(e));
                        continue;
                    }
                    ex.messages[i].phase = Phase::Done;
                    let msg = ex.messages[i].clone();
                    ex.respond(&msg, false, rc::OK, (0, 0), Vec::new());
                } else {
                    ex.messages[i].phase = Phase::Presented;
                }
            }
            NoteKind::Response {
                sink,
                mid,
                reply_to,
            } => {
                // The RESPONSE completes the transaction.
                if let Some(i) = ex.find(me, sink, *mid) {
                    ex.messages.remove(i);
                }
                if let Some(at) = reply_to {
                    if let Err(e) = m.write_real(*at, &note.data) {
                        // The REPLY buffer went away: nothing moved (VM370 Figure 21 codes
                        // 1 and 6), the whole reply is the residual.
                        note.header[1] = storage_rc(e) as u8;
                        let lenb = be32(&note.header, 28) + note.data.len() as u32;
                        put32(&mut note.header, 28, lenb);
                    }
                }
            }
        }
        // A header that cannot be stored (the buffer was store-protected since AUTHORIZE)
        // is lost with its interruption.
        if m.write_real(buffer, &note.header).is_ok() {
            m.vmcf_interrupt();
            return true;
        }
    }
}
