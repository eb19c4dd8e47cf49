//! Predecoded instructions and the per-page cache of them.
//!
//! An instruction is decoded once into an [`Op`] (opcode plus its fields, by format) and kept
//! in a cache indexed by absolute address; a store into a cached page invalidates the entries
//! that could overlap the stored bytes.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use s390_decoder::{field, instruction_length, lookup, Arch, Format, Opcode, Privilege};

use super::exec::{handler_for, Handler};
use super::fast::jump_handler_of;
use super::{Cpu, Exec, ProgramInterrupt};

fn no_instruction(_: &mut Cpu, _: &Op) -> Exec {
    Err(ProgramInterrupt::OPERATION)
}

/// How the run loop treats an instruction (see `Cpu::run_batch`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Reads neither the updated PSW nor its length, and either falls through to the next
    /// instruction or (a branch of `fast.rs`) puts its target in the PSW and says so with
    /// [`ProgramInterrupt::JUMPED`]: the run loop stores only the instruction's address
    /// before calling it.
    Straight,
    /// Anything else (privileged, EX, SVC, ...): may change the PSW, prefix or storage;
    /// the run loop looks everything up again afterwards.
    Other,
}

impl Flow {
    /// The flow class of `opcode`.
    pub fn of(opcode: Opcode) -> Flow {
        use Opcode::*;
        if opcode.info().privilege != Privilege::Unprivileged {
            return Flow::Other;
        }
        match opcode {
            // These read or set the PSW's instruction address or addressing mode, or hand
            // over to the supervisor.
            BSM | BASSM | SVC | MC | SAM24 | SAM31 | EX => Flow::Other,
            _ => Flow::Straight,
        }
    }
}

/// A decoded instruction: the opcode and its fields, named by their usual roles.
#[derive(Clone, Copy, Debug)]
pub struct Op {
    /// The execution function.
    pub handler: Handler,
    /// How the run loop calls it.
    pub flow: Flow,
    /// The instruction's offset in its 4 KiB page (set when it is fetched for execution).
    pub off: u16,
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
        flow: Flow::Other,
        off: 0,
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
        op.handler = jump_handler_of(opcode).unwrap_or_else(|| handler_for(opcode, false));
        op.flow = Flow::of(opcode);
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

/// One cached instruction: the decoded op and its state: 0 not valid, 1 valid and
/// [`Flow::Straight`], 2 valid and not straight, so that the run loop decides with one load.
/// The state is a `Cell` so a store can invalidate a slot while the run loop holds the page.
pub(crate) struct Slot {
    pub(crate) op: Op,
    state: Cell<u8>,
}

impl Slot {
    // A template for array initialization only; each use makes its own Cell.
    #[allow(clippy::declare_interior_mutable_const)]
    const EMPTY: Slot = Slot {
        op: Op::EMPTY,
        state: Cell::new(0),
    };
    /// Whether the op is decoded and still matches storage.
    #[inline(always)]
    pub(crate) fn valid(&self) -> bool {
        self.state.get() != 0
    }
    /// Whether the op is valid and [`Flow::Straight`].
    #[inline(always)]
    pub(crate) fn straight(&self) -> bool {
        self.state.get() == 1
    }
}

/// The instructions of one 4 KiB page, by halfword; which of them were ever changed by a
/// store while decoded (bit n of word n / 64 = the instruction at halfword n: the region
/// compiler reads such a branch's mask from storage at run time, a program switch); and the
/// compiled regions of the page.
pub(crate) struct Page {
    slots: [Slot; 2048],
    patched: [Cell<u64>; 32],
    spans: RefCell<Vec<JitSpan>>,
}

impl Page {
    /// The slot of the instruction at page offset `offset`.
    #[inline(always)]
    pub(crate) fn slot(&self, offset: u32) -> &Slot {
        &self.slots[((offset & 0xFFF) >> 1) as usize]
    }

    /// Whether a store has changed the decoded instruction at page offset `offset`.
    pub(crate) fn patched(&self, offset: u32) -> bool {
        let h = ((offset & 0xFFF) >> 1) as usize;
        self.patched[h / 64].get() & (1 << (h % 64)) != 0
    }

    fn mark_patched(&self, offset: u32) {
        let h = ((offset & 0xFFF) >> 1) as usize;
        let w = &self.patched[h / 64];
        w.set(w.get() | (1 << (h % 64)));
    }
}

/// Predecoded instructions per 4 KiB page of absolute storage. Pages are reference-counted so
/// the run loop can hold the current one while an instruction executes (and stores into it).
///
/// Code is tracked at instruction granularity: a store changes nothing here unless it
/// reaches a byte of a decoded instruction or of a compiled region's instructions. The flat
/// [`ICache::code`] table marks those halfwords, so that a store into data costs one or two
/// loads; a store that reaches code is checked against the slots and the regions of its
/// page ([`ICache::clear_slots`]).
pub(crate) struct ICache {
    pages: Vec<Option<Rc<Page>>>,
    /// Which halfwords of absolute storage hold bytes of decoded instructions or of
    /// compiled regions' instructions: bit n of byte k = the halfword at 16k + 2n. One byte
    /// per 16 bytes of storage, allocated zeroed and written only where code is decoded,
    /// so that the parts of it for storage that never held code stay unbacked (a few KiB
    /// are resident for a CMS nucleus). Set when an instruction is decoded or a region
    /// compiled; cleared by the precise check for the halfwords stored into that hold no
    /// instruction any more. Eight bytes of padding at the end let a probe read past the
    /// last halfword.
    code: Box<[Cell<u8>]>,
    /// Counts the times a compiled region was killed by a store (or everything was
    /// forgotten): a region that calls a handler compares it before and after, see `jit.rs`.
    epoch: Cell<u64>,
    /// The pages with compiled regions ([`Page`]'s `spans`), each once.
    span_pages: RefCell<Vec<u32>>,
}

/// The instruction bytes of one compiled region in its page: page-offset ranges `lo..hi`
/// (a region compiled to read part of an instruction from storage at run time leaves that
/// byte out), and its alive flag.
struct JitSpan {
    ranges: Box<[(u16, u16)]>,
    alive: Rc<Cell<bool>>,
}

impl JitSpan {
    fn overlaps(&self, lo: u32, hi: u32) -> bool {
        self.ranges
            .iter()
            .any(|&(a, b)| (a as u32) < hi && lo < b as u32)
    }
}

/// A page with no instruction decoded. Never inlined: the page is built in this function's
/// frame (some 160 KiB) before it moves to the heap, and a caller that inlined it would
/// probe that much stack on every call (`put` did, once per instruction decoded).
#[cold]
#[inline(never)]
fn new_page() -> Rc<Page> {
    Rc::new(Page {
        slots: [const { Slot::EMPTY }; 2048],
        patched: [const { Cell::new(0) }; 32],
        spans: RefCell::new(Vec::new()),
    })
}

impl ICache {
    pub(crate) fn new(storage_size: usize) -> ICache {
        let mut pages = Vec::new();
        pages.resize_with(storage_size.div_ceil(4096), || None);
        let table = vec![0u8; storage_size.div_ceil(16) + 8].into_boxed_slice();
        // SAFETY: `Cell<u8>` has the same in-memory representation as `u8` (std::cell::Cell
        // documentation), so the boxed slice is reinterpreted with the same length and
        // allocation layout; the box is its only owner.
        let code = unsafe { Box::from_raw(Box::into_raw(table) as *mut [Cell<u8>]) };
        ICache {
            pages,
            code,
            epoch: Cell::new(0),
            span_pages: RefCell::new(Vec::new()),
        }
    }

    /// See [`ICache::epoch`]'s field.
    #[inline(always)]
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.get()
    }

    /// The code table (see its field), for compiled code: bit `(a >> 1) & 7` of byte
    /// `a >> 4`.
    pub(crate) fn code_table(&self) -> *const u8 {
        // `Cell<u8>` has the layout of `u8`.
        self.code.as_ptr() as *const u8
    }

    /// Whether the code table has a bit for a halfword of a store of 1 to 8 bytes at `abs`
    /// (at most five halfwords: two bytes of the table).
    #[inline(always)]
    fn code_probe(&self, abs: u32, len: u32) -> bool {
        let i = (abs >> 4) as usize;
        let (Some(a), Some(b)) = (self.code.get(i), self.code.get(i + 1)) else {
            return false;
        };
        let w = (a.get() as u32) | ((b.get() as u32) << 8);
        let halfwords = ((abs + len - 1) >> 1) - (abs >> 1) + 1;
        (w >> ((abs >> 1) & 7)) & ((1 << halfwords) - 1) != 0
    }

    fn set_code_bit(&self, abs: u32, on: bool) {
        if let Some(c) = self.code.get((abs >> 4) as usize) {
            let bit = 1u8 << ((abs >> 1) & 7);
            c.set(if on { c.get() | bit } else { c.get() & !bit });
        }
    }

    /// The address of the state byte of the slot at absolute `abs` (0 = not valid: a region
    /// forgets a program switch's slot through it when it flips the switch in line), or None
    /// when no page is allocated there. Pages are never freed or replaced while the cache
    /// lives, so the address stays good as long as the CPU and its regions.
    pub(crate) fn slot_state_ptr(&self, abs: u32) -> Option<*const u8> {
        let page = self.pages.get((abs >> 12) as usize)?.as_ref()?;
        // `Cell<u8>` has the layout of `u8`.
        Some(page.slot(abs).state.as_ptr() as *const u8)
    }

    /// Whether a store has changed the decoded instruction at absolute `abs`.
    pub(crate) fn patched(&self, abs: u32) -> bool {
        match self.pages.get((abs >> 12) as usize) {
            Some(Some(page)) => page.patched(abs),
            _ => false,
        }
    }

    /// Records a compiled region with instruction bytes `ranges` (page offsets `lo..hi`) of
    /// absolute page `page` (inside storage): a store into them clears `alive`.
    pub(crate) fn add_jit_span(
        &mut self,
        page: u32,
        ranges: Vec<(u16, u16)>,
        alive: Rc<Cell<bool>>,
    ) {
        for &(lo, hi) in &ranges {
            for a in (lo as u32 & !1..hi as u32).step_by(2) {
                self.set_code_bit((page << 12) | a, true);
            }
        }
        let Some(p) = self.pages.get_mut(page as usize) else {
            return;
        };
        let p = p.get_or_insert_with(new_page);
        let mut v = p.spans.borrow_mut();
        if v.is_empty() {
            self.span_pages.borrow_mut().push(page);
        }
        v.retain(|s| s.alive.get());
        v.push(JitSpan {
            ranges: ranges.into_boxed_slice(),
            alive,
        });
    }

    /// Kills every compiled region.
    pub(crate) fn forget_jit_spans(&self) {
        for page in self.span_pages.borrow_mut().drain(..) {
            if let Some(Some(p)) = self.pages.get(page as usize) {
                for s in p.spans.borrow_mut().drain(..) {
                    s.alive.set(false);
                }
            }
        }
    }

    /// Kills the compiled regions of `page` that have an instruction byte in page offsets
    /// `lo..hi`; whether any was.
    fn kill_jit_spans(page: &Page, lo: u32, hi: u32) -> bool {
        let mut spans = page.spans.borrow_mut();
        if !spans.iter().any(|s| s.overlaps(lo, hi)) {
            // No region has code there (or none at all: the interpreter alone).
            return false;
        }
        let mut killed = false;
        spans.retain(|s| {
            let hit = s.overlaps(lo, hi);
            if hit && s.alive.get() {
                s.alive.set(false);
                killed = true;
            }
            !hit && s.alive.get()
        });
        // An emptied vector stays listed in `span_pages` (forgetting it again is harmless).
        killed
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

    /// Caches `op` at `abs`, which must not cross its page. The run loop lets go of its page
    /// handle before it executes anything that can decode (see `Cpu::run_batch`), so the
    /// page is normally not shared; if it is, the op is simply not cached (the page, with
    /// its other slots, stays).
    pub(crate) fn put(&mut self, abs: u32, op: Op, storage_size: u32) {
        if abs >= storage_size || op.len == 0 {
            return;
        }
        let rc = self.pages[(abs >> 12) as usize].get_or_insert_with(new_page);
        let Some(page) = Rc::get_mut(rc) else {
            return;
        };
        let offset = abs & 0xFFF;
        let slot = &mut page.slots[(offset >> 1) as usize];
        slot.op = op;
        slot.op.off = offset as u16;
        slot.state
            .set(if op.flow == Flow::Straight { 1 } else { 2 });
        for a in (abs..abs + op.len as u32).step_by(2) {
            self.set_code_bit(a, true);
        }
    }

    /// Forgets the instructions that overlap `len` bytes stored at `abs`.
    #[inline(always)]
    pub(crate) fn invalidate_range(&self, abs: u32, len: u32) {
        if (1..=8).contains(&len) {
            if !self.code_probe(abs, len) {
                return;
            }
        } else if !self.any_code(abs, len) {
            return;
        }
        self.invalidate_pages(abs, len);
    }

    /// As [`ICache::invalidate_range`] for at most 8 bytes.
    #[inline(always)]
    pub(crate) fn invalidate_small(&self, abs: u32, len: u32) {
        if self.code_probe(abs, len) {
            self.invalidate_pages(abs, len);
        }
    }

    /// Whether the code table has a bit for any halfword of `len` bytes at `abs`.
    fn any_code(&self, abs: u32, len: u32) -> bool {
        let h0 = abs as u64 >> 1;
        let h1 = (abs as u64 + len.max(1) as u64 - 1) >> 1;
        let (k0, k1) = (h0 >> 3, h1 >> 3);
        let k1 = k1.min(self.code.len() as u64 - 1);
        (k0..=k1).any(|k| {
            let lo = if k == k0 { h0 & 7 } else { 0 };
            let hi = if k == h1 >> 3 { h1 & 7 } else { 7 };
            let mask = ((0xFFu32 << lo) & (0xFF >> (7 - hi))) as u8;
            self.code[k as usize].get() & mask != 0
        })
    }

    #[inline(never)]
    fn invalidate_pages(&self, abs: u32, len: u32) {
        let first = abs >> 12;
        let last = (abs.wrapping_add(len.max(1)) - 1) >> 12;
        if first == last {
            if let Some(Some(page)) = self.pages.get(first as usize) {
                self.clear_slots(first, page, abs & 0xFFF, len);
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
            let page_no = (a >> 12) as u32;
            if let Some(Some(page)) = self.pages.get(page_no as usize) {
                self.clear_slots(page_no, page, (a & 0xFFF) as u32, n);
            }
            a += n as u64;
        }
    }

    /// The precise check of a store of `len` bytes at page offset `offset` of absolute page
    /// `page_no`: forgets the decoded instructions with a byte stored into (marking them
    /// patched), kills the regions with an instruction byte stored into (and only then moves
    /// the epoch, which ends a running region after the store), and clears the code-table
    /// bits of the halfwords that no longer hold any instruction.
    #[inline(never)]
    fn clear_slots(&self, page_no: u32, page: &Page, offset: u32, len: u32) {
        let hi = (offset + len.max(1)).min(0x1000);
        // An instruction of up to 6 bytes starting up to 4 bytes before `offset` overlaps it.
        let start = offset.saturating_sub(4) & !1;
        for at in (start..hi).step_by(2) {
            let slot = page.slot(at);
            if slot.valid() && at + slot.op.len as u32 > offset {
                slot.state.set(0);
                page.mark_patched(at);
            }
        }
        if Self::kill_jit_spans(page, offset, hi) {
            self.epoch.set(self.epoch.get() + 1);
        }
        // The halfwords stored into that hold no instruction now. Every instruction with a
        // byte in them was forgotten above; what is left is the regions' (a program
        // switch's second byte is stored into at run time).
        let spans = page.spans.borrow();
        let mut a = offset & !1;
        while a < hi {
            let abs = (page_no << 12) | a;
            if self.code_probe(abs, 1)
                && !spans.iter().any(|s| s.alive.get() && s.overlaps(a, a + 2))
            {
                self.set_code_bit(abs, false);
            }
            a += 2;
        }
    }

    pub(crate) fn clear(&self) {
        self.epoch.set(self.epoch.get() + 1);
        self.forget_jit_spans();
        for page in self.pages.iter().flatten() {
            for slot in &page.slots {
                slot.state.set(0);
            }
        }
        for c in self.code.iter() {
            if c.get() != 0 {
                c.set(0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Storage;

    /// A small xorshift generator: the test is reproducible without a dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    /// An ICache of 64 KiB with `bytes` decoded at `abs` (each instruction in turn).
    fn cache_with(abs: u32, bytes: &[u8]) -> (ICache, Vec<(u32, u8)>) {
        let mut c = ICache::new(64 * 1024);
        let mut at = 0usize;
        let mut ops = Vec::new();
        while at < bytes.len() {
            let mut b = [0u8; 6];
            let n = (bytes.len() - at).min(6);
            b[..n].copy_from_slice(&bytes[at..at + n]);
            let op = Op::decode(Arch::Esa390, &b);
            c.put(abs + at as u32, op, 64 * 1024);
            ops.push((abs + at as u32, op.len));
            at += op.len as usize;
        }
        (c, ops)
    }

    // AR 4,3; ST 4,X'262'; MVC X'266'(4),X'262'; BCT 3,X'240'
    const CODE_BYTES: [u8; 16] = [
        0x1A, 0x43, 0x50, 0x40, 0x02, 0x62, 0xD2, 0x03, 0x02, 0x66, 0x02, 0x62, 0x46, 0x30, 0x02,
        0x40,
    ];

    #[test]
    fn a_store_beside_code_leaves_slots_and_regions_alive() {
        let (mut c, ops) = cache_with(0x1240, &CODE_BYTES);
        let alive = Rc::new(Cell::new(true));
        c.add_jit_span(1, vec![(0x240, 0x250)], alive.clone());
        let epoch = c.epoch();
        // Every byte before and after the code, at every length up to 8 and some longer.
        for len in (1..=8).chain([12, 16, 64]) {
            for at in (0x1240 - 0x80)..0x1240 - len {
                c.invalidate_range(at, len);
                c.invalidate_small(at.max(0x1200), len.min(8));
            }
            for at in 0x1250..0x12C0 {
                c.invalidate_range(at, len);
                if len <= 8 {
                    c.invalidate_small(at, len);
                }
            }
        }
        assert_eq!(c.epoch(), epoch, "no region was killed");
        assert!(alive.get(), "the region is alive");
        for (at, _) in ops {
            assert!(
                c.get(at).is_some(),
                "the instruction at {at:X} is still decoded"
            );
        }
    }

    #[test]
    fn a_store_into_any_byte_of_an_instruction_forgets_it_and_kills_its_region() {
        let (probe, ops) = cache_with(0x1240, &CODE_BYTES);
        drop(probe);
        for &(at, len) in &ops {
            for byte in at..at + len as u32 {
                for small in [false, true] {
                    let (mut c, _) = cache_with(0x1240, &CODE_BYTES);
                    let alive = Rc::new(Cell::new(true));
                    c.add_jit_span(1, vec![(0x240, 0x250)], alive.clone());
                    let epoch = c.epoch();
                    if small {
                        c.invalidate_small(byte, 1);
                    } else {
                        c.invalidate_range(byte, 1);
                    }
                    assert!(c.get(at).is_none(), "a store at {byte:X} forgets {at:X}");
                    for &(other, _) in &ops {
                        if other != at {
                            assert!(c.get(other).is_some(), "{other:X} stays decoded");
                        }
                    }
                    assert!(!alive.get(), "a store at {byte:X} kills the region");
                    assert_ne!(c.epoch(), epoch, "the epoch moves");
                    assert!(c.patched(at), "{at:X} is marked as patched");
                }
            }
        }
    }

    #[test]
    fn a_region_without_a_switch_byte_lives_through_stores_into_it() {
        // BC 0,X'240' at X'1240' compiled as a program switch: its second byte is read at
        // run time, so the region is compiled from bytes X'240' and X'242'-X'243' only.
        let (mut c, _) = cache_with(0x1240, &[0x47, 0x00, 0x02, 0x40]);
        let alive = Rc::new(Cell::new(true));
        c.add_jit_span(1, vec![(0x240, 0x241), (0x242, 0x244)], alive.clone());
        let epoch = c.epoch();
        c.invalidate_small(0x1241, 1);
        assert!(alive.get(), "the region lives");
        assert_eq!(c.epoch(), epoch);
        assert!(c.get(0x1240).is_none(), "the interpreter decodes it again");
        assert!(c.patched(0x1240));
        // The halfword stays marked as code: the region still has byte X'240'.
        assert!(c.code_probe(0x1241, 1));
        c.invalidate_small(0x1242, 2);
        assert!(!alive.get(), "a store into the address kills it");
    }

    #[test]
    fn halfwords_that_hold_no_code_any_more_leave_the_table() {
        let (c, _) = cache_with(0x1240, &CODE_BYTES);
        assert!(c.code_probe(0x1242, 4));
        c.invalidate_range(0x1242, 4);
        assert!(
            !c.code_probe(0x1242, 4),
            "ST forgotten: its halfwords are data now"
        );
        assert!(c.code_probe(0x1240, 2), "AR is still code");
        assert!(c.code_probe(0x1246, 1), "MVC is still code");
        c.clear();
        assert!(!c.any_code(0x1000, 0x1000), "clear forgets everything");
    }

    fn machine(arch: Arch, image: &[u8], seed: u64, next_ia: u32, len: u8) -> Cpu {
        let mut cpu = Cpu::new(arch, Storage::new(64 * 1024).unwrap());
        let mut rng = Rng(seed);
        cpu.mem.bytes_mut().copy_from_slice(image);
        for r in 0..16 {
            // Small register values so that addresses land in storage often.
            cpu.gpr[r] = (rng.next() as u32) & 0x8000_FFFF;
            cpu.fpr[r] = rng.next();
        }
        cpu.cr[0] |= 0x0004_0000; // AFP-register control, so the AFP registers are usable
        cpu.psw.ia = next_ia;
        cpu.cur_ia = next_ia ^ 0x5A5A_0000;
        cpu.cur_base = 0x1000;
        cpu.cur_len = len;
        cpu
    }

    /// The run loop calls a [`Flow::Straight`] instruction having stored only the real
    /// address of its page (`cur_base`; the op has its own offset), not its address, its
    /// length or the updated PSW address: such an instruction must not read those.
    /// Every first halfword of both architectures, with random operand bytes, runs on two
    /// identical machines that differ only in those values; the results must agree.
    #[test]
    fn straight_instructions_do_not_read_their_address() {
        let mut rng = Rng(0x5EED_1234_ABCD_0001);
        let image: Vec<u8> = (0..64 * 1024).map(|_| rng.next() as u8).collect();
        for arch in [Arch::Esa390, Arch::S370] {
            for first in 0..=0xFFFFu32 {
                let tail = rng.next();
                let bytes = [
                    (first >> 8) as u8,
                    first as u8,
                    tail as u8,
                    (tail >> 8) as u8,
                    (tail >> 16) as u8,
                    (tail >> 24) as u8,
                ];
                let op = Op::decode(arch, &bytes);
                if op.invalid || op.flow != Flow::Straight {
                    continue;
                }
                // The TOD clock moves between the two runs.
                if matches!(op.opcode, Opcode::STCK | Opcode::STCKE) {
                    continue;
                }
                let seed = rng.next() | 1;
                let mut a = machine(arch, &image, seed, 0x1000 + op.len as u32, op.len);
                let mut b = machine(arch, &image, seed, 0x7FF0_0000, 0);
                let ra = (op.handler)(&mut a, &op);
                let rb = (op.handler)(&mut b, &op);
                let what = format!("{:?} {bytes:02X?}", op.opcode);
                assert_eq!(ra, rb, "{what}: result");
                if ra == Err(ProgramInterrupt::JUMPED) {
                    assert_eq!(a.psw.ia, b.psw.ia, "{what}: branch target");
                }
                assert_eq!(a.gpr, b.gpr, "{what}: general registers");
                assert_eq!(a.fpr, b.fpr, "{what}: floating-point registers");
                assert_eq!(a.psw.cc, b.psw.cc, "{what}: condition code");
                assert_eq!(a.psw.prog_mask, b.psw.prog_mask, "{what}: program mask");
                assert_eq!(a.mem.bytes(), b.mem.bytes(), "{what}: storage");
            }
        }
    }
}
