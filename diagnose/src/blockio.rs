//! DIAGNOSE X'250' block I/O [LNX dasd_diag.c / dasd_diag.h, ZCB BIOPL / BELBK; the return
//! codes and BIOE status codes as Hercules' vmd250.c reads SC24-6084 (z/VM 5.4 CP
//! Programming Services); spec 2.1 X'250'].
//!
//! The 31-bit formats (the only ones in S/370 and ESA/390; BIOPL flag X'80', the 64-bit
//! formats, needs z/Architecture) of the 64-byte BIOPL:
//!
//! | function | +0 | +2 | +24 | +25 | +28 | +32 | +36 | +40 |
//! | --- | --- | --- | --- | --- | --- | --- | --- | --- |
//! | 0 INIT | devno | flags | block size (4) | | offset (4) | start block (4, out) | end block (4, out) | |
//! | 1 READ/WRITE | devno | flags | key | X'02' async | block count (4) | ALET (4) | BIOE list (4) | interrupt parameter (4) |
//! | 2 REMOVE | devno | | | | | | | |
//!
//! Every other byte is reserved and must be zero (else specification). A BIOE (16 bytes):
//! type (X'01' write, X'02' read), status (out), 2 reserved bytes, block number (4, signed),
//! buffer ALET (4, ignored: no access registers), buffer address (4).
//!
//! Blocks come from a CKD minidisk as the FBA-emulating block I/O reads CMS-formatted ECKD
//! disks: block *n* (1-based, plus the INIT offset) is record ((n-1) mod r) + 1 of track
//! (n-1) div r, r being the number of keyless records of the block size that fit a track;
//! the disk has `tracks` x r blocks. A record of another length gives BIOE status 4 (what
//! LNX relies on to find a disk's block size: it INITs with 512..4096 and reads block 3,
//! the CMS label, until one works).

use std::collections::{BTreeMap, VecDeque};

use crate::{Machine, ProgramCheck};

/// A virtual device as DIAG X'250' INIT sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockDevice {
    /// No such virtual device (rc 16).
    NotDefined,
    /// A device that is not a supported DASD (rc 20).
    NotSupported,
    /// A CKD minidisk.
    Ckd {
        /// Tracks of the minidisk.
        tracks: u32,
        /// Records of the requested block size that fit one track (0 if none).
        blocks_per_track: u32,
        /// A read-only minidisk (INIT rc 4, writes get BIOE status 3).
        read_only: bool,
    },
}

/// One device's block-I/O environment (established by INIT, ended by REMOVE).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockEnv {
    /// Block size: 512, 1024, 2048 or 4096.
    pub block_size: u32,
    /// The offset INIT added to block numbers.
    pub offset: i64,
    /// First valid block number (1 - offset).
    pub start: i64,
    /// Last valid block number (blocks - offset).
    pub end: i64,
    /// Records per track at this block size.
    pub blocks_per_track: u32,
    /// Read-only minidisk.
    pub read_only: bool,
}

/// A virtual machine's DIAG X'250' state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockIoState {
    /// Environments by device number.
    pub envs: BTreeMap<u16, BlockEnv>,
    /// Completed asynchronous requests whose X'2603' interruption the CP has not yet made
    /// pending in the CPU: (subcode, interruption parameter).
    pub held: VecDeque<(u16, u32)>,
}

impl BlockIoState {
    /// The next held interruption to make pending, if the CPU can take one: the
    /// service-signal subclass mask (CR0 bit 22, X'00000200') is on and no X'2603' is
    /// already pending in the CPU (one at a time, so none overwrites another's parameter).
    pub fn next_interrupt(&mut self, cr0: u32, cpu_has_one: bool) -> Option<(u16, u32)> {
        if cr0 & 0x200 != 0 && !cpu_has_one {
            self.held.pop_front()
        } else {
            None
        }
    }
}

/// The external-interruption code of a block-I/O completion.
pub const EXT_BLOCK_IO: u16 = 0x2603;

/// Return codes in Rx+1 (Hercules vmd250.c, from SC24-6084).
pub mod rc {
    /// Success.
    pub const OK: u32 = 0;
    /// INIT: success, the device is read-only.
    pub const READ_ONLY: u32 = 4;
    /// READ/WRITE: asynchronous request started.
    pub const ASYNC: u32 = 8;
    /// READ/WRITE: synchronous request partly successful.
    pub const PARTIAL: u32 = 12;
    /// The device is not defined.
    pub const NO_DEVICE: u32 = 16;
    /// INIT: not a supported DASD.
    pub const NOT_SUPPORTED: u32 = 20;
    /// INIT: block size not supported.
    pub const BAD_BLOCK_SIZE: u32 = 24;
    /// Environment state error (INIT when one exists; READ/WRITE, REMOVE when none does).
    pub const STATE: u32 = 28;
    /// READ/WRITE: block count not 1-256.
    pub const COUNT: u32 = 36;
    /// READ/WRITE: no block was transferred.
    pub const ALL_FAILED: u32 = 40;
}

/// BIOE status codes.
pub mod status {
    /// Transferred.
    pub const OK: u8 = 0;
    /// Block number outside the environment's range.
    pub const BAD_BLOCK: u8 = 1;
    /// Buffer address not in storage.
    pub const ADDRESSING: u8 = 2;
    /// Write to a read-only device.
    pub const READ_ONLY: u8 = 3;
    /// The CKD record is not of the block size.
    pub const RECORD_SIZE: u8 = 4;
    /// Unrecoverable I/O error (no such record).
    pub const IO_ERROR: u8 = 5;
    /// Type neither read nor write.
    pub const BAD_TYPE: u8 = 6;
    /// Buffer protected against the request's key.
    pub const PROTECTION: u8 = 7;
    /// Reserved bytes not zero.
    pub const RESERVED: u8 = 11;
}

/// Asynchronous completion status (the low byte of the X'2603' subcode).
pub mod completion {
    /// Every block transferred.
    pub const OK: u8 = 0;
    /// Some BIOE ended with a non-zero status.
    pub const PARTIAL: u8 = 1;
    /// The BIOE list could not be accessed.
    pub const LIST_ERROR: u8 = 2;
}

/// The subcode high byte of a 31-bit-format completion (LNX DASD_DIAG_CODE_31BIT).
pub const SUBCODE_31BIT: u16 = 0x0300;

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn zero(b: &[u8]) -> bool {
    b.iter().all(|&x| x == 0)
}

/// X'250' Block I/O. Rx -> BIOPL (doubleword-aligned, else specification; fetched whole,
/// addressing exception outside storage), Rx+1 <- return code, Ry = function 0 INIT,
/// 1 READ/WRITE, 2 REMOVE (else specification). CC 0 success, 1 partial, 2 failed (CC 3 is
/// never set). The 64-bit formats (flag X'80') and reserved bytes that are not zero are
/// specification exceptions. In S/370 mode the same 31-bit formats are accepted with
/// 24-bit addresses (Hercules extends X'250' to S/370; the IBM books document it for
/// ESA/390 and z/Architecture virtual machines).
pub(crate) fn diag_250(m: &mut dyn Machine, rx: u8, ry: u8) -> Result<(), ProgramCheck> {
    let a = m.gpr(rx) & m.address_mask();
    if a & 7 != 0 {
        return Err(ProgramCheck::SPECIFICATION);
    }
    let mut p = [0u8; 64];
    m.read_real(a, &mut p)?;
    let function = m.gpr(ry);
    let devno = u16::from_be_bytes([p[0], p[1]]);
    let (cc, code) = match function {
        0 => {
            if p[2] != 0 || !zero(&p[3..24]) || !zero(&p[40..64]) {
                return Err(ProgramCheck::SPECIFICATION);
            }
            init(m, a, devno, be32(&p, 24), be32(&p, 28) as i32)?
        }
        1 => {
            let (key, flags) = (p[24], p[25]);
            if p[2] != 0
                || !zero(&p[3..24])
                || !zero(&p[26..28])
                || !zero(&p[44..64])
                || flags & 0xFC != 0
                || key & 0x0F != 0
            {
                return Err(ProgramCheck::SPECIFICATION);
            }
            let req = Request {
                devno,
                key: key >> 4,
                count: be32(&p, 28) as i32,
                list: be32(&p, 36) & m.address_mask(),
                param: be32(&p, 40),
            };
            read_write(m, req, flags & 0x02 != 0)?
        }
        2 => {
            if !zero(&p[2..64]) {
                return Err(ProgramCheck::SPECIFICATION);
            }
            remove(m, devno)
        }
        _ => return Err(ProgramCheck::SPECIFICATION),
    };
    m.set_gpr((rx + 1) & 15, code);
    m.set_cc(cc);
    Ok(())
}

/// INIT: establishes the environment and stores the first and last block numbers at +32
/// and +36 of the BIOPL.
fn init(
    m: &mut dyn Machine,
    biopl: u32,
    devno: u16,
    block_size: u32,
    offset: i32,
) -> Result<(u8, u32), ProgramCheck> {
    let (tracks, bpt, read_only) = match m.block_device(devno, block_size) {
        BlockDevice::NotDefined => return Ok((2, rc::NO_DEVICE)),
        BlockDevice::NotSupported => return Ok((2, rc::NOT_SUPPORTED)),
        BlockDevice::Ckd {
            tracks,
            blocks_per_track,
            read_only,
        } => (tracks, blocks_per_track, read_only),
    };
    if !matches!(block_size, 512 | 1024 | 2048 | 4096) || bpt == 0 {
        return Ok((2, rc::BAD_BLOCK_SIZE));
    }
    let Some(state) = m.block_io_state() else {
        return Ok((2, rc::NO_DEVICE));
    };
    if state.envs.contains_key(&devno) {
        return Ok((2, rc::STATE));
    }
    let blocks = tracks as i64 * bpt as i64;
    let env = BlockEnv {
        block_size,
        offset: offset as i64,
        start: 1 - offset as i64,
        end: blocks - offset as i64,
        blocks_per_track: bpt,
        read_only,
    };
    let mut out = [0u8; 8];
    out[0..4].copy_from_slice(&(env.start as i32).to_be_bytes());
    out[4..8].copy_from_slice(&(env.end as i32).to_be_bytes());
    m.write_real(biopl + 32, &out)?;
    if let Some(state) = m.block_io_state() {
        state.envs.insert(devno, env);
    }
    Ok((0, if read_only { rc::READ_ONLY } else { rc::OK }))
}

/// REMOVE: ends the environment.
fn remove(m: &mut dyn Machine, devno: u16) -> (u8, u32) {
    if m.block_device(devno, 512) == BlockDevice::NotDefined {
        return (2, rc::NO_DEVICE);
    }
    match m.block_io_state().and_then(|s| s.envs.remove(&devno)) {
        Some(_) => (0, rc::OK),
        None => (2, rc::STATE),
    }
}

/// A READ/WRITE request of the BIOPL.
#[derive(Clone, Copy, Debug)]
struct Request {
    devno: u16,
    key: u8,
    count: i32,
    list: u32,
    param: u32,
}

/// READ/WRITE. Synchronous: the whole BIOE list is checked first (an access exception is a
/// program check and nothing is done), then every BIOE is processed and its status stored;
/// CC 0 rc 0 all transferred, CC 1 rc 12 some, CC 2 rc 40 none. Asynchronous (flag X'02'):
/// the same work, then CC 0 rc 8 and the X'2603' interruption with subcode X'03ss' (ss = 0
/// all transferred, 1 some BIOE failed, 2 the list was not accessible) and the
/// interruption parameter of the BIOPL.
fn read_write(
    m: &mut dyn Machine,
    r: Request,
    asynchronous: bool,
) -> Result<(u8, u32), ProgramCheck> {
    if m.block_device(r.devno, 512) == BlockDevice::NotDefined {
        return Ok((2, rc::NO_DEVICE));
    }
    let Some(env) = m
        .block_io_state()
        .and_then(|s| s.envs.get(&r.devno).copied())
    else {
        return Ok((2, rc::STATE));
    };
    if !(1..=256).contains(&r.count) {
        return Ok((2, rc::COUNT));
    }
    let list_len = r.count as u32 * 16;
    let list_ok = r.list.checked_add(list_len).is_some()
        && m.check_real_key(r.list, list_len, true, r.key).is_ok();
    if !list_ok {
        if asynchronous {
            m.block_io_interrupt(SUBCODE_31BIT | completion::LIST_ERROR as u16, r.param);
            return Ok((0, rc::ASYNC));
        }
        m.check_real_key(r.list, list_len, true, r.key)?;
        return Err(ProgramCheck::ADDRESSING);
    }
    let mut good = 0;
    for i in 0..r.count as u32 {
        let at = r.list + 16 * i;
        let mut e = [0u8; 16];
        m.read_real_key(at, &mut e, r.key)?;
        let st = one_block(m, &r, &env, &e);
        m.write_real_key(at + 1, &[st], r.key)?;
        if st == status::OK {
            good += 1;
        }
    }
    let all = good == r.count;
    if asynchronous {
        let s = if all {
            completion::OK
        } else {
            completion::PARTIAL
        };
        m.block_io_interrupt(SUBCODE_31BIT | s as u16, r.param);
        return Ok((0, rc::ASYNC));
    }
    Ok(match (all, good) {
        (true, _) => (0, rc::OK),
        (false, 0) => (2, rc::ALL_FAILED),
        (false, _) => (1, rc::PARTIAL),
    })
}

/// One BIOE; returns its status. The buffer is checked with the request's key: a read
/// stores into it, a write fetches from it.
fn one_block(m: &mut dyn Machine, r: &Request, env: &BlockEnv, e: &[u8; 16]) -> u8 {
    if e[2] != 0 || e[3] != 0 {
        return status::RESERVED;
    }
    let block = be32(e, 4) as i32 as i64;
    if block < env.start || block > env.end {
        return status::BAD_BLOCK;
    }
    let buf = be32(e, 12) & m.address_mask();
    let bs = env.block_size;
    let read = match e[0] {
        0x02 => true,
        0x01 => false,
        _ => return status::BAD_TYPE,
    };
    match m.check_real_key(buf, bs, read, r.key) {
        Ok(()) => {}
        Err(ProgramCheck::PROTECTION) => return status::PROTECTION,
        Err(_) => return status::ADDRESSING,
    }
    if !read && env.read_only {
        return status::READ_ONLY;
    }
    let phys = (block + env.offset - 1) as u64;
    let bpt = env.blocks_per_track as u64;
    let (track, rec) = ((phys / bpt) as u32, (phys % bpt + 1) as u8);
    let Some(data) = m.ckd_read(r.devno, track, rec) else {
        return status::IO_ERROR;
    };
    if data.len() != bs as usize {
        return status::RECORD_SIZE;
    }
    if read {
        match m.write_real_key(buf, &data, r.key) {
            Ok(()) => status::OK,
            Err(_) => status::ADDRESSING,
        }
    } else {
        let mut out = vec![0u8; bs as usize];
        if m.read_real_key(buf, &mut out, r.key).is_err() {
            return status::ADDRESSING;
        }
        if m.ckd_write(r.devno, track, rec, &out) {
            status::OK
        } else {
            status::IO_ERROR
        }
    }
}
