//! Predecoded instructions and the per-page cache of them.
//!
//! An instruction is decoded once into an [`Op`] (opcode plus its fields, by format) and kept
//! in a cache indexed by absolute address; a store into a cached page invalidates the entries
//! that could overlap the stored bytes.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
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
    /// Per 2 KiB block of absolute storage, which 64-byte chunks hold the bytes of decoded
    /// instructions (bit n = bytes 64n..64n+63): a store is checked against this flat table
    /// before any page is looked at, so stores into data cost one load.
    code: Vec<Cell<u32>>,
    /// Counts the times predecoded instructions were forgotten (a region that calls a handler
    /// compares it before and after, see `jit.rs`).
    epoch: Cell<u64>,
    /// The spans (page offsets `lo..hi`) of the compiled regions of each absolute page, with
    /// the flag that keeps each alive.
    jit_spans: RefCell<HashMap<u32, Vec<JitSpan>>>,
}

/// The bytes of one compiled region: page offsets `lo..hi` and its alive flag.
struct JitSpan {
    lo: u32,
    hi: u32,
    alive: Rc<Cell<bool>>,
}

/// The 64-byte chunks (bits of an [`ICache`] code mask) that `len` bytes at block offset
/// `off` touch; `off + len` must not exceed the block.
#[inline(always)]
fn chunk_bits(off: u32, len: u32) -> u32 {
    let lo = off >> 6;
    let hi = (off + len.max(1) - 1) >> 6;
    (u32::MAX >> (31 - hi)) & (u32::MAX << lo)
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
        let mut code = Vec::new();
        code.resize_with(storage_size.div_ceil(2048), || Cell::new(0));
        ICache {
            pages,
            code,
            epoch: Cell::new(0),
            jit_spans: RefCell::new(HashMap::new()),
        }
    }

    /// See [`ICache::epoch`]'s field.
    #[inline(always)]
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.get()
    }

    /// The code-chunk table (one word per 2 KiB block of storage), for compiled code.
    pub(crate) fn code_table(&self) -> *const u32 {
        // `Cell<u32>` has the layout of `u32`.
        self.code.as_ptr() as *const u32
    }

    /// Records a compiled region over page offsets `lo..hi` of absolute page `page`: a store
    /// there clears `alive`.
    pub(crate) fn add_jit_span(&self, page: u32, lo: u32, hi: u32, alive: Rc<Cell<bool>>) {
        let mut spans = self.jit_spans.borrow_mut();
        let v = spans.entry(page).or_default();
        v.retain(|s| s.alive.get());
        v.push(JitSpan { lo, hi, alive });
    }

    /// Kills every compiled region.
    pub(crate) fn forget_jit_spans(&self) {
        for (_, v) in self.jit_spans.borrow_mut().drain() {
            for s in v {
                s.alive.set(false);
            }
        }
    }

    /// Kills the compiled regions of absolute page `page` that hold any of `len` bytes at
    /// page offset `offset`.
    fn kill_jit_spans(&self, page: u32, offset: u32, len: u32) {
        let mut spans = self.jit_spans.borrow_mut();
        if spans.is_empty() {
            // No regions (the interpreter alone): nothing to hash.
            return;
        }
        if let Some(v) = spans.get_mut(&page) {
            let end = offset + len.max(1);
            v.retain(|s| {
                let hit = s.lo < end && offset < s.hi;
                if hit {
                    s.alive.set(false);
                }
                !hit && s.alive.get()
            });
        }
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
            slot.op.off = offset as u16;
            slot.state
                .set(if op.flow == Flow::Straight { 1 } else { 2 });
            // The instruction may reach into the next chunk.
            let first = offset >> 6;
            let last = ((offset + op.len as u32 - 1).min(0xFFF)) >> 6;
            page.chunks
                .set(page.chunks.get() | (1u64 << first) | (1u64 << last));
        }
        // The first and the last byte may lie in different key blocks.
        let last_abs = abs + op.len.max(1) as u32 - 1;
        for a in [abs, last_abs] {
            if let Some(c) = self.code.get((a >> 11) as usize) {
                c.set(c.get() | chunk_bits(a & 0x7FF, 1));
            }
        }
    }

    /// Forgets the instructions that could overlap `len` bytes stored at `abs`.
    #[inline(always)]
    pub(crate) fn invalidate_range(&self, abs: u32, len: u32) {
        let off = abs & 0x7FF;
        if off + len <= 0x800 {
            match self.code.get((abs >> 11) as usize) {
                Some(c) if c.get() & chunk_bits(off, len) == 0 => return,
                None => return,
                Some(_) => {}
            }
        }
        self.invalidate_pages(abs, len);
    }

    /// As [`ICache::invalidate_range`] for at most 8 bytes inside one 2 KiB block: the
    /// chunk test takes the chunk of the first byte and the next one.
    #[inline(always)]
    pub(crate) fn invalidate_small(&self, abs: u32, len: u32) {
        if let Some(c) = self.code.get((abs >> 11) as usize) {
            if c.get() & (3u32 << ((abs >> 6) & 31)) != 0 {
                self.invalidate_pages(abs, len);
            }
        }
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
            if let Some(Some(page)) = self.pages.get((a >> 12) as usize) {
                self.clear_slots((a >> 12) as u32, page, (a & 0xFFF) as u32, n);
            }
            a += n as u64;
        }
    }

    #[inline(always)]
    fn clear_slots(&self, page_no: u32, page: &Page, offset: u32, len: u32) {
        // An instruction of up to 6 bytes starting up to 4 bytes before `offset` overlaps it.
        let start = offset.saturating_sub(4);
        let end = (offset + len.max(1) - 1).min(0xFFF);
        let (c0, c1) = (start >> 6, end >> 6);
        let span = if c1 - c0 >= 63 {
            u64::MAX
        } else {
            ((1u64 << (c1 - c0 + 1)) - 1) << c0
        };
        // Compiled regions are killed by their own spans (a page replaced in `put` starts
        // with no chunks).
        self.epoch.set(self.epoch.get() + 1);
        self.kill_jit_spans(page_no, offset, len);
        if page.chunks.get() & span == 0 {
            return;
        }
        for slot in &page.slots[(start >> 1) as usize..=(end >> 1) as usize] {
            slot.state.set(0);
        }
    }

    pub(crate) fn clear(&self) {
        self.epoch.set(self.epoch.get() + 1);
        self.forget_jit_spans();
        for page in self.pages.iter().flatten() {
            for slot in &page.slots {
                slot.state.set(0);
            }
            page.chunks.set(0);
        }
        for c in &self.code {
            c.set(0);
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
