//! Predecoded instructions and the per-page cache of them.
//!
//! An instruction is decoded once into an [`Op`] (opcode plus its fields, by format) and kept
//! in a cache indexed by absolute address; a store into a cached page invalidates the entries
//! that could overlap the stored bytes.

use std::cell::Cell;
use std::rc::Rc;

use s390_decoder::{field, instruction_length, lookup, Arch, Format, Opcode};

use super::exec::{handler_for, Handler};
use super::{Cpu, Exec, ProgramInterrupt};

fn no_instruction(_: &mut Cpu, _: &Op) -> Exec {
    Err(ProgramInterrupt::OPERATION)
}

/// A decoded instruction: the opcode and its fields, named by their usual roles.
#[derive(Clone, Copy, Debug)]
pub struct Op {
    /// The execution function.
    pub handler: Handler,
    /// The opcode (meaningless when `invalid`).
    pub opcode: Opcode,
    /// Length in bytes; 0 marks an empty cache slot.
    pub len: u8,
    /// No instruction has these bytes in this architecture (operation exception).
    pub invalid: bool,
    /// R1 / M1 / L1 (bits 8-11; RRE/RRF: bits 24-27; RRD: bits 16-19; RXF: bits 32-35).
    pub r1: u8,
    /// R2 (RR bits 12-15; RRE/RRF/RRD bits 28-31).
    pub r2: u8,
    /// R3 / M3 / L2 / I3 (RS, RSI, SS: bits 12-15; RRF: bits 16-19; RRD: 24-27; RXF: 8-11).
    pub r3: u8,
    /// X2, or M4 in RRF.
    pub x2: u8,
    /// B1.
    pub b1: u8,
    /// B2.
    pub b2: u8,
    /// SS length code (bits 8-15); RSL L1.
    pub l: u8,
    /// D1.
    pub d1: u16,
    /// D2.
    pub d2: u16,
    /// Immediate: I (SVC), I2 (SI, unsigned), sign-extended I2 (RI, RSI), I2 (RIL).
    pub imm: i32,
}

impl Op {
    const EMPTY: Op = Op {
        handler: no_instruction,
        opcode: Opcode::PR,
        len: 0,
        invalid: true,
        r1: 0,
        r2: 0,
        r3: 0,
        x2: 0,
        b1: 0,
        b2: 0,
        l: 0,
        d1: 0,
        d2: 0,
        imm: 0,
    };

    /// Decodes the instruction at the start of `bytes` (all six bytes present; the unused
    /// ones are ignored).
    pub fn decode(arch: Arch, bytes: &[u8; 6]) -> Op {
        let len = instruction_length(bytes[0]);
        let mut raw = 0u64;
        for &b in &bytes[..len] {
            raw = (raw << 8) | b as u64;
        }
        raw <<= 8 * (6 - len);
        let mut op = Op {
            len: len as u8,
            ..Op::EMPTY
        };
        let Some(opcode) = lookup(arch, (raw >> 32) as u16, raw as u8) else {
            return op;
        };
        op.opcode = opcode;
        op.invalid = false;
        op.handler = handler_for(opcode, false);
        let f = |s: u8, w: u8| field(raw, s, w);
        let n = |s: u8| field(raw, s, 4) as u8;
        let sext16 = |v: u64| v as u16 as i16 as i32;
        match opcode.info().format {
            Format::E => {}
            Format::I => op.imm = f(8, 8) as i32,
            Format::RR => {
                op.r1 = n(8);
                op.r2 = n(12);
            }
            Format::RRE => {
                op.r1 = n(24);
                op.r2 = n(28);
            }
            Format::RRF => {
                op.r3 = n(16);
                op.x2 = n(20);
                op.r1 = n(24);
                op.r2 = n(28);
            }
            Format::RRD => {
                op.r1 = n(16);
                op.r3 = n(24);
                op.r2 = n(28);
            }
            Format::RX | Format::RXE => {
                op.r1 = n(8);
                op.x2 = n(12);
                op.b2 = n(16);
                op.d2 = f(20, 12) as u16;
            }
            Format::RXF => {
                op.r3 = n(8);
                op.x2 = n(12);
                op.b2 = n(16);
                op.d2 = f(20, 12) as u16;
                op.r1 = n(32);
            }
            Format::RS | Format::RSE => {
                op.r1 = n(8);
                op.r3 = n(12);
                op.b2 = n(16);
                op.d2 = f(20, 12) as u16;
            }
            Format::RSL => {
                op.l = n(8);
                op.b1 = n(16);
                op.d1 = f(20, 12) as u16;
            }
            Format::RSI => {
                op.r1 = n(8);
                op.r3 = n(12);
                op.imm = sext16(f(16, 16));
            }
            Format::RI => {
                op.r1 = n(8);
                op.imm = sext16(f(16, 16));
            }
            Format::RIL => {
                op.r1 = n(8);
                op.imm = f(16, 32) as u32 as i32;
            }
            Format::S => {
                op.b2 = n(16);
                op.d2 = f(20, 12) as u16;
            }
            Format::SI => {
                op.imm = f(8, 8) as i32;
                op.b1 = n(16);
                op.d1 = f(20, 12) as u16;
            }
            Format::SS => {
                op.l = f(8, 8) as u8;
                op.r1 = n(8);
                op.r3 = n(12);
                op.b1 = n(16);
                op.d1 = f(20, 12) as u16;
                op.b2 = n(32);
                op.d2 = f(36, 12) as u16;
            }
            Format::SSE => {
                op.b1 = n(16);
                op.d1 = f(20, 12) as u16;
                op.b2 = n(32);
                op.d2 = f(36, 12) as u16;
            }
        }
        op
    }
}

/// One cached instruction: the decoded op and whether it is still valid. Validity is a
/// `Cell` so a store can invalidate a slot while the run loop holds the page.
pub(crate) struct Slot {
    pub(crate) op: Op,
    valid: Cell<bool>,
}

impl Slot {
    // A template for array initialization only; each use makes its own Cell.
    #[allow(clippy::declare_interior_mutable_const)]
    const EMPTY: Slot = Slot {
        op: Op::EMPTY,
        valid: Cell::new(false),
    };
    /// Whether the op is decoded and still matches storage.
    #[inline(always)]
    pub(crate) fn valid(&self) -> bool {
        self.valid.get()
    }
}

/// The instructions of one 4 KiB page, by halfword, and which 64-byte chunks of the page
/// have had instructions decoded (bit n = bytes 64n..64n+63), so that stores into the data
/// parts of a page with code do not have to look at slots.
pub(crate) struct Page {
    slots: [Slot; 2048],
    chunks: Cell<u64>,
}

impl Page {
    /// The slot of the instruction at page offset `offset`.
    #[inline(always)]
    pub(crate) fn slot(&self, offset: u32) -> &Slot {
        &self.slots[((offset & 0xFFF) >> 1) as usize]
    }
}

/// Predecoded instructions per 4 KiB page of absolute storage. Pages are reference-counted so
/// the run loop can hold the current one while an instruction executes (and stores into it).
pub(crate) struct ICache {
    pages: Vec<Option<Rc<Page>>>,
}

fn new_page() -> Rc<Page> {
    Rc::new(Page {
        slots: [const { Slot::EMPTY }; 2048],
        chunks: Cell::new(0),
    })
}

impl ICache {
    pub(crate) fn new(storage_size: usize) -> ICache {
        let mut pages = Vec::new();
        pages.resize_with(storage_size.div_ceil(4096), || None);
        ICache { pages }
    }

    #[inline(always)]
    pub(crate) fn get(&self, abs: u32) -> Option<Op> {
        let page = self.pages.get((abs >> 12) as usize)?.as_ref()?;
        let slot = page.slot(abs);
        slot.valid().then_some(slot.op)
    }

    /// The cache page holding absolute address `abs` (inside storage), allocated.
    pub(crate) fn page(&mut self, abs: u32) -> Rc<Page> {
        self.pages[(abs >> 12) as usize]
            .get_or_insert_with(new_page)
            .clone()
    }

    /// Caches `op` at `abs`. The run loop has let go of its page handle, so the page is
    /// normally not shared; if it is, the page is replaced by a fresh copy.
    pub(crate) fn put(&mut self, abs: u32, op: Op, storage_size: u32) {
        if abs >= storage_size {
            return;
        }
        let rc = self.pages[(abs >> 12) as usize].get_or_insert_with(new_page);
        if Rc::get_mut(rc).is_none() {
            *rc = new_page();
        }
        if let Some(page) = Rc::get_mut(rc) {
            let offset = abs & 0xFFF;
            let slot = &mut page.slots[(offset >> 1) as usize];
            slot.op = op;
            slot.valid.set(true);
            // The instruction may reach into the next chunk.
            let first = offset >> 6;
            let last = ((offset + op.len as u32 - 1).min(0xFFF)) >> 6;
            page.chunks
                .set(page.chunks.get() | (1u64 << first) | (1u64 << last));
        }
    }

    /// Forgets the instructions that could overlap `len` bytes stored at `abs`.
    #[inline(always)]
    pub(crate) fn invalidate_range(&self, abs: u32, len: u32) {
        let first = abs >> 12;
        let last = (abs.wrapping_add(len.max(1)) - 1) >> 12;
        if first == last {
            if let Some(Some(page)) = self.pages.get(first as usize) {
                Self::clear_slots(page, abs & 0xFFF, len);
            }
        } else {
            self.invalidate_slow(abs, len);
        }
    }

    #[cold]
    fn invalidate_slow(&self, abs: u32, len: u32) {
        let end = abs as u64 + len as u64;
        let mut a = abs as u64;
        while a < end {
            let page_end = ((a >> 12) + 1) << 12;
            let n = (end.min(page_end) - a) as u32;
            if let Some(Some(page)) = self.pages.get((a >> 12) as usize) {
                Self::clear_slots(page, (a & 0xFFF) as u32, n);
            }
            a += n as u64;
        }
    }

    #[inline(always)]
    fn clear_slots(page: &Page, offset: u32, len: u32) {
        // An instruction of up to 6 bytes starting up to 4 bytes before `offset` overlaps it.
        let start = offset.saturating_sub(4);
        let end = (offset + len.max(1) - 1).min(0xFFF);
        let (c0, c1) = (start >> 6, end >> 6);
        let span = if c1 - c0 >= 63 {
            u64::MAX
        } else {
            ((1u64 << (c1 - c0 + 1)) - 1) << c0
        };
        if page.chunks.get() & span == 0 {
            return;
        }
        for slot in &page.slots[(start >> 1) as usize..=(end >> 1) as usize] {
            slot.valid.set(false);
        }
    }

    pub(crate) fn clear(&self) {
        for page in self.pages.iter().flatten() {
            for slot in &page.slots {
                slot.valid.set(false);
            }
            page.chunks.set(0);
        }
    }
}
