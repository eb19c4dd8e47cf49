//! `vm390 conformance`: DIAGNOSE probes run as guest programs under the real CP (`Cpu` and
//! the `Cp` of a virtual machine with no directory entry, as `vm390 run` runs them). Each probe is a small image built with
//! `s390_decoder::encode`: the DIAG under test, then STM of every register, IPM (BALR in
//! S/370 BC mode) and a disabled wait; a program check lands in a disabled wait at X'DEAD'.
//! The checks look only at what the guest can see: its stored registers and condition code,
//! storage, and the program-interruption code, ILC and old PSW.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU32, Ordering};

use cp::cpu::{Cpu, Stop};
use cp::dasd::{self, Record, Track};
use cp::storage::{AbsAddr, Storage};
use cp::unattended::{ConsoleSink, CONSOLE};
use cp::vm::Vm;
use diagnose::{ebcdic, Registry, NOT_IMPLEMENTED};
use s390_decoder::{encode, Arch, Length, Opcode, Operand, Storage as Sto};

/// Arguments of `vm390 conformance`.
#[derive(clap::Args, Debug)]
pub struct ConformanceArgs {
    /// Print one JSON object instead of the table.
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print the report as Markdown (conformance/REPORT.md).
    #[arg(long)]
    pub markdown: bool,
}

const STORAGE: u64 = 1024 * 1024;
const DIAG_AT: u32 = 0x200;
const REGS_AT: u32 = 0x400;
const CC_AT: u32 = 0x440;

/// Device number of the probe minidisk.
const DISK: u16 = 0x100;
/// The probe minidisk: one 3350 cylinder whose tracks hold keyless 4096-byte records
/// R1..Rn; block n (1-based, the DIAG X'250' numbering) holds n in its first word and the
/// low byte of n in the rest.
const DISK_TYPE: u16 = 0x3350;
const DISK_BLOCK: u32 = 4096;

/// How a probe uses the probe minidisk.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Disk {
    None,
    ReadWrite,
    ReadOnly,
}

/// A guest program around one DIAG.
#[derive(Clone)]
struct Probe {
    arch: Arch,
    problem: bool,
    cc: u8,
    regs: Vec<(u8, u32)>,
    rx: u8,
    ry: u8,
    d2: u16,
    b2: u8,
    mem: Vec<(u32, Vec<u8>)>,
    /// DIAGs (Rx, Ry, code) run before the one under test.
    before: Vec<(u8, u8, u16)>,
    /// A copy of the probe minidisk attached at [`DISK`].
    disk: Disk,
    /// CR0 at the start.
    cr0: Option<u32>,
    /// After the results are stored: load CR0 with this, then wait enabled for external
    /// interruptions (the external new PSW is a disabled wait at X'BBB').
    wait_ext: Option<u32>,
}

fn probe(rx: u8, ry: u8, code: u16) -> Probe {
    Probe {
        arch: Arch::Esa390,
        problem: false,
        cc: 2,
        regs: Vec::new(),
        rx,
        ry,
        d2: code,
        b2: 0,
        mem: Vec::new(),
        before: Vec::new(),
        disk: Disk::None,
        cr0: None,
        wait_ext: None,
    }
}

impl Probe {
    fn reg(mut self, r: u8, v: u32) -> Probe {
        self.regs.push((r, v));
        self
    }
    fn put(mut self, a: u32, data: &[u8]) -> Probe {
        self.mem.push((a, data.to_vec()));
        self
    }
    fn s370(mut self) -> Probe {
        self.arch = Arch::S370;
        self
    }
}

/// What the guest saw.
struct Outcome {
    /// Program-interruption code, or None when the DIAG completed.
    pic: Option<u16>,
    /// ILC in halfwords (program check only).
    ilc: u8,
    /// Old PSW instruction address (program check only).
    old_ia: u32,
    /// Registers as the guest stored them after the DIAG (or at the program check).
    gpr: [u32; 16],
    /// With `wait_ext`: the external interruption taken (code, the halfword at X'84', the
    /// parameter at X'80'), or None when the wait was never ended.
    ext: Option<(u16, u16, u32)>,
    /// Condition code after the DIAG (or at the program check).
    cc: u8,
    cpu: Cpu,
}

impl Outcome {
    fn mem(&self, a: u32, len: usize) -> &[u8] {
        &self.cpu.mem.bytes()[a as usize..a as usize + len]
    }
}

fn sto(disp: u16, base: u8) -> Operand {
    Operand::Storage(Sto {
        disp,
        index: 0,
        base,
        length: Length::None,
    })
}

fn enc(op: Opcode, operands: &[Operand]) -> Vec<u8> {
    encode(op, operands)
        .map(|e| e.as_bytes().to_vec())
        .unwrap_or_default()
}

/// The probe minidisk's template image, made once per run in a temporary directory.
fn disk_template() -> Result<PathBuf, String> {
    static T: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let dir = work_dir();
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = dir.join("template.ckd");
        let _ = std::fs::remove_file(&path);
        let mut img = dasd::create_ckd(&path, DISK_TYPE, 1).map_err(|e| e.to_string())?;
        let per = blocks_per_track();
        for head in 0..img.heads() {
            let mut t = Track::formatted(0, head);
            for r in 1..=per {
                let n = u32::from(head) * per + r;
                let mut d = vec![n as u8; DISK_BLOCK as usize];
                d[0..4].copy_from_slice(&n.to_be_bytes());
                t.records.push(Record::new(0, head, r as u8, d));
            }
            img.write_track(0, head, &t).map_err(|e| e.to_string())?;
        }
        img.flush().map_err(|e| e.to_string())?;
        Ok(path)
    })
    .clone()
}

fn work_dir() -> PathBuf {
    std::env::temp_dir().join(format!("vm390-conformance-{}", std::process::id()))
}

/// 4096-byte records per 3350 track.
fn blocks_per_track() -> u32 {
    dasd::geometry(DISK_TYPE).map_or(0, |g| g.records_per_track(0, DISK_BLOCK as u16))
}

/// Blocks of the probe minidisk.
fn disk_blocks() -> u32 {
    dasd::geometry(DISK_TYPE).map_or(0, |g| u32::from(g.heads)) * blocks_per_track()
}

/// The lines a probe's console showed.
type Lines = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// The probe's virtual machine (no directory entry, as under `vm390 run`) with a fresh copy
/// of the probe minidisk if the probe wants one, and where its console lines go.
fn machine_for(p: &Probe) -> Result<(Vm, Lines, Option<PathBuf>), String> {
    let mem = Storage::new(STORAGE).map_err(|e| e.to_string())?;
    // The console is kept, not printed: the report is the only output.
    let (sink, lines) = ConsoleSink::capture();
    let mut vm = Vm::unattended(p.arch, mem, sink);
    if p.disk == Disk::None {
        return Ok((vm, lines, None));
    }
    static N: AtomicU32 = AtomicU32::new(0);
    let copy = work_dir().join(format!("disk{}.ckd", N.fetch_add(1, Ordering::Relaxed)));
    std::fs::copy(disk_template()?, &copy).map_err(|e| format!("{}: {e}", copy.display()))?;
    vm.cp
        .attach_full_pack(DISK, &copy, p.disk == Disk::ReadOnly)
        .map_err(|e| e.to_string())?;
    Ok((vm, lines, Some(copy)))
}

fn remove(path: &Path) {
    let _ = std::fs::remove_file(path);
}

fn run(p: &Probe) -> Result<Outcome, String> {
    let (vm, _lines, copy) = machine_for(p)?;
    let r = run_with(p, vm);
    if let Some(c) = copy {
        remove(&c);
    }
    r
}

/// Runs `p` and returns what it did with the lines its console showed.
fn run_console(p: &Probe) -> Result<(Outcome, Vec<String>), String> {
    let (vm, lines, copy) = machine_for(p)?;
    let r = run_with(p, vm);
    let lines = std::mem::take(&mut *lines.lock().unwrap_or_else(|e| e.into_inner()));
    if let Some(c) = copy {
        remove(&c);
    }
    r.map(|o| (o, lines))
}

/// Runs `p` in `vm` (whose CP, with its devices and console, ends here).
fn run_with(p: &Probe, vm: Vm) -> Result<Outcome, String> {
    let Vm { mut cpu, mut cp } = vm;
    if let Some(cr0) = p.cr0 {
        cpu.cr[0] = cr0;
    }
    let esa = p.arch == Arch::Esa390;
    // Restart (IPL) PSW, program new PSW, wait PSW.
    let flags = if esa { 0x08 } else { 0x00 } | u8::from(p.problem);
    let ipl: [u8; 8] = if esa {
        [0, flags, p.cc << 4, 0, 0x80, 0, 0x02, 0x00]
    } else {
        [0, flags, 0, 0, p.cc << 4, 0, 0x02, 0x00]
    };
    let wait_bits = if esa { 0x0A } else { 0x02 };
    let pgm_new = [0, wait_bits, 0, 0, 0, 0, 0xDE, 0xAD];
    let done = [0, wait_bits, 0, 0, 0, 0, 0x0A, 0xAA];
    let mut pre = Vec::new();
    for &(rx, ry, d2) in &p.before {
        pre.extend(enc(
            Opcode::DIAG,
            &[Operand::Gpr(rx), Operand::Gpr(ry), sto(d2, 0)],
        ));
    }
    let mut code = enc(
        Opcode::DIAG,
        &[Operand::Gpr(p.rx), Operand::Gpr(p.ry), sto(p.d2, p.b2)],
    );
    code.extend(enc(
        Opcode::STM,
        &[Operand::Gpr(0), Operand::Gpr(15), sto(REGS_AT as u16, 0)],
    ));
    if esa {
        code.extend(enc(Opcode::IPM, &[Operand::Gpr(0)]));
    } else {
        code.extend(enc(Opcode::BALR, &[Operand::Gpr(0), Operand::Gpr(0)]));
    }
    code.extend(enc(
        Opcode::ST,
        &[Operand::Gpr(0), {
            Operand::Storage(Sto {
                disp: CC_AT as u16,
                index: 0,
                base: 0,
                length: Length::None,
            })
        }],
    ));
    if p.wait_ext.is_some() {
        code.extend(enc(
            Opcode::LCTL,
            &[Operand::Gpr(0), Operand::Gpr(0), sto(0x3F0, 0)],
        ));
        code.extend(enc(Opcode::LPSW, &[sto(0x308, 0)]));
    } else {
        code.extend(enc(Opcode::LPSW, &[sto(0x300, 0)]));
    }
    let load = |cpu: &mut Cpu, a: u32, d: &[u8]| {
        cpu.mem
            .load(AbsAddr(a), d)
            .map_err(|_| format!("probe image does not fit at {a:X}"))
    };
    // The DIAGs run before the one under test end just before it.
    let start = DIAG_AT - pre.len() as u32;
    let mut ipl = ipl;
    ipl[5..8].copy_from_slice(&start.to_be_bytes()[1..4]);
    load(&mut cpu, 0, &ipl)?;
    load(&mut cpu, 0x68, &pgm_new)?;
    load(&mut cpu, 0x300, &done)?;
    load(&mut cpu, start, &pre)?;
    load(&mut cpu, DIAG_AT, &code)?;
    if let Some(cr0) = p.wait_ext {
        // Enabled wait for external interruptions; the external new PSW is a disabled wait.
        load(&mut cpu, 0x308, &[0x01, wait_bits, 0, 0, 0, 0, 0, 0])?;
        load(&mut cpu, 0x58, &[0, wait_bits, 0, 0, 0, 0, 0x0B, 0xBB])?;
        load(&mut cpu, 0x3F0, &cr0.to_be_bytes())?;
    }
    for (a, d) in &p.mem {
        load(&mut cpu, *a, d)?;
    }
    for &(r, v) in &p.regs {
        cpu.gpr[r as usize] = v;
    }
    cpu.ipl_psw().map_err(|_| "invalid IPL PSW".to_string())?;
    let stop = cpu.run(&mut cp, 10_000);
    drop(cp);
    let waited = p.wait_ext.is_some() && stop == Stop::EnabledWaitForever;
    if stop != Stop::DisabledWait && !waited {
        return Err(format!("probe stopped with {stop:?}"));
    }
    let ia = cpu.psw.ia;
    let ext = (ia == 0xBBB).then(|| {
        (
            cpu.mem.read_u16(AbsAddr(0x86)),
            cpu.mem.read_u16(AbsAddr(0x84)),
            cpu.mem.read_u32(AbsAddr(0x80)),
        )
    });
    if ia == 0xDEAD {
        let (pic, ilc, old_ia, cc) = if esa {
            let id = cpu.mem.read_u32(AbsAddr(0x8C));
            let old = cpu.mem.read_u64(AbsAddr(0x28));
            (
                id as u16,
                ((id >> 16) as u8 >> 1) & 3,
                old as u32 & 0x7FFF_FFFF,
                ((old >> 44) & 3) as u8,
            )
        } else {
            let old = cpu.mem.read_u64(AbsAddr(0x28));
            (
                (old >> 32) as u16,
                ((old >> 30) & 3) as u8,
                old as u32 & 0x00FF_FFFF,
                ((old >> 28) & 3) as u8,
            )
        };
        let gpr = cpu.gpr;
        return Ok(Outcome {
            pic: Some(pic),
            ilc,
            old_ia,
            gpr,
            ext,
            cc,
            cpu,
        });
    }
    if ia != 0xAAA && !waited && ext.is_none() {
        return Err(format!("probe ended at {ia:X}"));
    }
    let mut gpr = [0u32; 16];
    for (i, g) in gpr.iter_mut().enumerate() {
        *g = cpu.mem.read_u32(AbsAddr(REGS_AT + 4 * i as u32));
    }
    let cc = ((cpu.mem.read_u32(AbsAddr(CC_AT)) >> 28) & 3) as u8;
    Ok(Outcome {
        pic: None,
        ilc: 0,
        old_ia: 0,
        gpr,
        ext,
        cc,
        cpu,
    })
}

/// One check: what it asserts and whether it held.
struct Check {
    what: String,
    ok: bool,
    detail: String,
}

/// One row of the report.
struct Row {
    code: String,
    name: String,
    source: String,
    checks: Vec<Check>,
    notes: String,
}

struct Rows {
    rows: Vec<Row>,
}

impl Rows {
    fn row(&mut self, code: &str, name: &str, source: &str, notes: &str) {
        self.rows.push(Row {
            code: code.into(),
            name: name.into(),
            source: source.into(),
            checks: Vec::new(),
            notes: notes.into(),
        });
    }

    /// Runs `p` and applies `f` to the outcome; a probe that fails to run fails the check.
    fn check(&mut self, what: &str, p: Probe, f: impl FnOnce(&Outcome) -> Result<(), String>) {
        let (ok, detail) = match run(&p).and_then(|o| f(&o)) {
            Ok(()) => (true, String::new()),
            Err(e) => (false, e),
        };
        if let Some(r) = self.rows.last_mut() {
            r.checks.push(Check {
                what: what.into(),
                ok,
                detail,
            });
        }
    }

    /// Like [`Rows::check`], with the lines the console showed.
    fn check_console(
        &mut self,
        what: &str,
        p: Probe,
        f: impl FnOnce(&Outcome, &[String]) -> Result<(), String>,
    ) {
        let (ok, detail) = match run_console(&p).and_then(|(o, l)| f(&o, &l)) {
            Ok(()) => (true, String::new()),
            Err(e) => (false, e),
        };
        if let Some(r) = self.rows.last_mut() {
            r.checks.push(Check {
                what: what.into(),
                ok,
                detail,
            });
        }
    }

    /// Checks that `p` ends in a suppressed program check `pic` with ILC 2 and the old PSW
    /// past the DIAG, with Rx and the CC unchanged.
    fn check_pic(&mut self, what: &str, p: Probe, pic: u16) {
        let rx = p.rx;
        let rx_before = p
            .regs
            .iter()
            .rev()
            .find(|r| r.0 == rx)
            .map(|r| r.1)
            .unwrap_or(0);
        let cc_before = p.cc;
        self.check(what, p, |o| {
            expect("program-interruption code", o.pic, Some(pic))?;
            expect("ILC", o.ilc, 2)?;
            expect("old PSW address", o.old_ia, DIAG_AT + 4)?;
            expect("Rx", o.gpr[rx as usize], rx_before)?;
            expect("CC", o.cc, cc_before)
        });
    }
}

fn expect<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:X?}, want {want:X?}"))
    }
}

/// The console showed exactly `want`.
fn expect_lines(got: &[String], want: &[&str]) -> Result<(), String> {
    let got: Vec<&str> = got.iter().map(|l| l.as_str()).collect();
    expect("console lines", got.as_slice(), want)
}

fn completed(o: &Outcome) -> Result<(), String> {
    match o.pic {
        None => Ok(()),
        Some(p) => Err(format!("program check {p:04X}")),
    }
}

fn e(s: &str) -> Vec<u8> {
    ebcdic::from_str(s)
}

/// A DIAG X'250' INIT (or REMOVE, block size 0) BIOPL, 31-bit format.
fn biopl_init(devno: u16, block_size: u32, offset: i32) -> [u8; 64] {
    let mut p = [0u8; 64];
    p[0..2].copy_from_slice(&devno.to_be_bytes());
    p[24..28].copy_from_slice(&block_size.to_be_bytes());
    p[28..32].copy_from_slice(&offset.to_be_bytes());
    p
}

/// A DIAG X'250' READ/WRITE BIOPL, 31-bit format.
fn biopl_rw(devno: u16, key: u8, flags: u8, count: u32, list: u32, param: u32) -> [u8; 64] {
    let mut p = [0u8; 64];
    p[0..2].copy_from_slice(&devno.to_be_bytes());
    p[24] = key;
    p[25] = flags;
    p[28..32].copy_from_slice(&count.to_be_bytes());
    p[36..40].copy_from_slice(&list.to_be_bytes());
    p[40..44].copy_from_slice(&param.to_be_bytes());
    p
}

/// A 31-bit BIOE.
fn bioe(kind: u8, block: i32, buffer: u32) -> [u8; 16] {
    let mut e = [0u8; 16];
    e[0] = kind;
    e[4..8].copy_from_slice(&block.to_be_bytes());
    e[12..16].copy_from_slice(&buffer.to_be_bytes());
    e
}

/// A format-0 CCW: command, data address, flags, CTL (byte 5, DIAG X'58'), count.
fn ccw(cmd: u8, data: u32, flags: u8, ctl: u8, count: u16) -> [u8; 8] {
    let d = data.to_be_bytes();
    let c = count.to_be_bytes();
    [cmd, d[1], d[2], d[3], flags, ctl, c[0], c[1]]
}

/// Two big-endian words.
fn pair(a: i32, b: u32) -> [u8; 8] {
    let mut o = [0u8; 8];
    o[0..4].copy_from_slice(&a.to_be_bytes());
    o[4..8].copy_from_slice(&b.to_be_bytes());
    o
}

fn collect() -> Vec<Row> {
    let reg = Registry::standard();
    let mut r = Rows { rows: Vec::new() };
    let src = |code: u32| {
        reg.get(code)
            .map(|h| (h.name(), h.source()))
            .unwrap_or(("", ""))
    };

    // ------------------------------------------------------------------ generic rules
    r.row(
        "all",
        "Generic DIAGNOSE rules",
        "spec 1 (VM370, VMSP, ZVM, KVM, Hercules)",
        "code = low 16 bits of B2+D2 (spec 1 model; Hercules takes the whole address)",
    );
    r.check_pic(
        "problem state: privileged-operation before the code is looked at",
        Probe {
            problem: true,
            ..probe(4, 0, 0x60)
        }
        .reg(4, 0x1234),
        0x02,
    );
    r.check_pic(
        "problem state with an invalid code: still 0002",
        Probe {
            problem: true,
            ..probe(4, 0, 0x63)
        },
        0x02,
    );
    r.check(
        "code from B2+D2: DIAG 4,0,0(5) with R5 = X'60'",
        Probe {
            b2: 5,
            ..probe(4, 0, 0)
        }
        .reg(5, 0x60),
        |o| {
            completed(o)?;
            expect("R4", o.gpr[4], STORAGE as u32)
        },
    );
    r.check(
        "code is the low 16 bits: DIAG 4,0,X'60'(5) with R5 = X'10000'",
        Probe {
            b2: 5,
            ..probe(4, 0, 0x60)
        }
        .reg(5, 0x10000),
        |o| {
            completed(o)?;
            expect("R4", o.gpr[4], STORAGE as u32)
        },
    );
    for code in [0x61u16, 0x62, 0x63, 0x0A] {
        r.check_pic(
            &format!("X'{code:03X}' is not a multiple of 4: 0006, ILC 2, suppressed"),
            probe(4, 0, code).reg(4, 0x5A5A),
            0x06,
        );
    }
    for code in [0x0FCu16, 0x100, 0x1FC, 0xFFC] {
        r.check_pic(
            &format!("X'{code:03X}' is not defined: 0006"),
            probe(4, 0, code).reg(4, 0x5A5A),
            0x06,
        );
    }
    r.check(
        "S/370 BC mode: DIAG X'60' completes",
        probe(4, 0, 0x60).s370(),
        |o| {
            completed(o)?;
            expect("R4", o.gpr[4], STORAGE as u32)
        },
    );
    r.check_pic(
        "S/370 BC mode: X'63' gives 0006 with ILC 2 in the old PSW",
        probe(4, 0, 0x63).s370(),
        0x06,
    );
    r.check_pic(
        "S/370 BC mode: problem state gives 0002",
        Probe {
            problem: true,
            ..probe(4, 0, 0x60).s370()
        },
        0x02,
    );

    // ------------------------------------------------------------------ X'00'
    let (n, s) = src(0x00);
    r.row(
        "000",
        n,
        s,
        "VM/SP 36-byte layout named VM/370; Ry unchanged (Hercules lowers it)",
    );
    r.check(
        "stores the identification block at Rx",
        probe(2, 3, 0x00).reg(2, 0x800).reg(3, 64),
        |o| {
            completed(o)?;
            let b = o.mem(0x800, 36);
            expect("name", &b[0..8], &ebcdic::padded::<8>("VM/370")[..])?;
            expect("version code", b[11], 0xFF)?;
            expect("userid", &b[16..24], &ebcdic::padded::<8>("RUNNER")[..])?;
            expect("Ry", o.gpr[3], 64)?;
            expect("CC", o.cc, 2)
        },
    );
    r.check(
        "Ry = 5 stores exactly 5 bytes",
        probe(2, 3, 0x00)
            .reg(2, 0x800)
            .reg(3, 5)
            .put(0x800, &[0xAA; 8]),
        |o| {
            completed(o)?;
            expect(
                "storage",
                o.mem(0x800, 6),
                &[0xE5, 0xD4, 0x61, 0xF3, 0xF7, 0xAA][..],
            )
        },
    );
    r.check_pic(
        "Rx not doubleword-aligned: 0006",
        probe(2, 3, 0x00).reg(2, 0x804).reg(3, 36),
        0x06,
    );
    r.check_pic(
        "block beyond storage: 0005",
        probe(2, 3, 0x00).reg(2, STORAGE as u32 - 8).reg(3, 36),
        0x05,
    );

    // ------------------------------------------------------------------ X'08'
    let (n, s) = src(0x08);
    r.row(
        "008",
        n,
        s,
        "length <= 240 (VM/370 says 132); no 8 KB buffer cap; CC 1 gives total - buffer length",
    );
    let q = e("QUERY USERID");
    let mut want = e("RUNNER AT VM390");
    want.push(0x15);
    let want_len = want.len() as u32;
    r.check(
        "QUERY USERID with a response buffer",
        probe(2, 4, 0x08)
            .put(0x800, &q)
            .reg(2, 0x800)
            .reg(3, 0x900)
            .reg(4, 0x4000_0000 | q.len() as u32)
            .reg(5, 100),
        |o| {
            completed(o)?;
            expect("response", o.mem(0x900, want.len()), &want[..])?;
            expect("CC", o.cc, 0)?;
            expect("Ry (rc)", o.gpr[4], 0)?;
            expect("Ry+1 (length)", o.gpr[5], want_len)
        },
    );
    r.check(
        "buffer too small: CC 1, Ry+1 = bytes beyond the buffer, no partial line",
        probe(2, 4, 0x08)
            .put(0x800, &q)
            .reg(2, 0x800)
            .reg(3, 0x900)
            .reg(4, 0x4000_0000 | q.len() as u32)
            .reg(5, 4),
        |o| {
            completed(o)?;
            expect("CC", o.cc, 1)?;
            expect("Ry+1", o.gpr[5], want_len - 4)?;
            expect("buffer", o.mem(0x900, 4), &[0u8; 4][..])
        },
    );
    let mut two = q.clone();
    two.push(0x15);
    two.extend(e("q userid"));
    r.check(
        "two commands separated by X'15': two response lines",
        probe(2, 4, 0x08)
            .put(0x800, &two)
            .reg(2, 0x800)
            .reg(3, 0x900)
            .reg(4, 0x4000_0000 | two.len() as u32)
            .reg(5, 100),
        |o| {
            completed(o)?;
            expect("Ry+1", o.gpr[5], 2 * want_len)?;
            expect(
                "second line",
                o.mem(0x900 + want_len, want.len()),
                &want[..],
            )
        },
    );
    let unknown = e("NOSUCHCMD");
    r.check(
        "unknown command: Ry = 1, no response",
        probe(2, 4, 0x08)
            .put(0x800, &unknown)
            .reg(2, 0x800)
            .reg(3, 0x900)
            .reg(4, 0x4000_0000 | unknown.len() as u32)
            .reg(5, 100),
        |o| {
            completed(o)?;
            expect("Ry", o.gpr[4], 1)?;
            expect("Ry+1", o.gpr[5], 0)?;
            expect("CC", o.cc, 0)
        },
    );
    r.check(
        "without a buffer: Ry = rc, CC unchanged",
        probe(2, 4, 0x08)
            .put(0x800, &unknown)
            .reg(2, 0x800)
            .reg(4, unknown.len() as u32),
        |o| {
            completed(o)?;
            expect("Ry", o.gpr[4], 1)?;
            expect("CC", o.cc, 2)
        },
    );
    r.check_console(
        "without a buffer: the response goes to the console, Ry = 0",
        probe(2, 4, 0x08)
            .put(0x800, &q)
            .reg(2, 0x800)
            .reg(4, q.len() as u32),
        |o, lines| {
            completed(o)?;
            expect("Ry", o.gpr[4], 0)?;
            expect_lines(lines, &["RUNNER AT VM390"])
        },
    );
    r.check(
        "Ry = 0: no-op",
        probe(2, 4, 0x08).reg(2, 0x800).reg(4, 0).reg(5, 77),
        |o| {
            completed(o)?;
            expect("Ry", o.gpr[4], 0)?;
            expect("Ry+1", o.gpr[5], 77)?;
            expect("CC", o.cc, 2)
        },
    );
    r.check_pic(
        "buffer with Rx and Ry consecutive: 0006",
        probe(2, 3, 0x08)
            .put(0x800, &q)
            .reg(2, 0x800)
            .reg(3, 0x4000_0000 | q.len() as u32),
        0x06,
    );
    r.check_pic(
        "buffer with Ry = R15: 0006",
        probe(2, 15, 0x08)
            .put(0x800, &q)
            .reg(2, 0x800)
            .reg(15, 0x4000_0000 | q.len() as u32),
        0x06,
    );
    r.check_pic(
        "command text beyond storage: 0005",
        probe(2, 4, 0x08).reg(2, STORAGE as u32 - 4).reg(4, 12),
        0x05,
    );

    // ------------------------------------------------------------------ X'0C'
    let (n, s) = src(0x0C);
    r.row(
        "00C",
        n,
        s,
        "local time from TZ; CPU time = time since the virtual machine started",
    );
    r.check(
        "stores MM/DD/YY and HH:MM:SS in EBCDIC; CC unchanged",
        probe(2, 2, 0x0C).reg(2, 0x800),
        |o| {
            completed(o)?;
            let d = ebcdic::to_string(o.mem(0x800, 16));
            let shape: String = d
                .chars()
                .map(|c| if c.is_ascii_digit() { '9' } else { c })
                .collect();
            expect("shape", shape.as_str(), "99/99/9999:99:99")?;
            expect("CC", o.cc, 2)
        },
    );
    r.check_pic(
        "Rx not doubleword-aligned: 0006",
        probe(2, 2, 0x0C).reg(2, 0x804),
        0x06,
    );
    r.check_pic(
        "area beyond storage: 0005",
        probe(2, 2, 0x0C).reg(2, STORAGE as u32 - 16),
        0x05,
    );

    // ------------------------------------------------------------------ X'10'
    let (n, s) = src(0x10);
    r.row(
        "010",
        n,
        s,
        "validate and no-op; low storage accepted (VM370), start > last refused (KVM)",
    );
    r.check(
        "valid range: no change, CC unchanged",
        probe(2, 3, 0x10)
            .reg(2, 0x3000)
            .reg(3, 0x5000)
            .put(0x3000, &[0x55; 4]),
        |o| {
            completed(o)?;
            expect("CC", o.cc, 2)?;
            expect("storage", o.mem(0x3000, 4), &[0x55; 4][..])
        },
    );
    r.check_pic(
        "start not page-aligned: 0006",
        probe(2, 3, 0x10).reg(2, 0x3010).reg(3, 0x5000),
        0x06,
    );
    r.check_pic(
        "start above last: 0006",
        probe(2, 3, 0x10).reg(2, 0x6000).reg(3, 0x5000),
        0x06,
    );
    r.check_pic(
        "last page beyond storage: 0005",
        probe(2, 3, 0x10).reg(2, 0x3000).reg(3, STORAGE as u32),
        0x05,
    );

    // ------------------------------------------------------------------ X'18', X'20'
    for code in [0x18u32, 0x20] {
        let (n, s) = src(code);
        r.row(
            &format!("{code:03X}"),
            n,
            s,
            "vm390 run has no devices: not attached",
        );
        r.check(
            "no device: CC 1, R15 = 1",
            probe(1, 2, code as u16).reg(1, 0x191).reg(2, 0x1000),
            |o| {
                completed(o)?;
                expect("CC", o.cc, 1)?;
                expect("R15", o.gpr[15], 1)
            },
        );
    }

    // ------------------------------------------------------------------ X'24'
    let (n, s) = src(0x24);
    r.row(
        "024",
        n,
        s,
        "vm390 run has no devices; its console X'009' is output-only, not a virtual device",
    );
    r.check(
        "X'191': no such device, CC 3, registers unchanged",
        probe(2, 4, 0x24).reg(2, 0x191).reg(4, 0x44),
        |o| {
            completed(o)?;
            expect("CC", o.cc, 3)?;
            expect("Ry", o.gpr[4], 0x44)
        },
    );
    r.check(
        "Rx = -1 (the console is no virtual device): CC 3",
        probe(2, 4, 0x24).reg(2, 0xFFFF_FFFF),
        |o| {
            completed(o)?;
            expect("CC", o.cc, 3)?;
            expect("Rx", o.gpr[2], 0xFFFF_FFFF)
        },
    );

    // ------------------------------------------------------------------ X'14'
    let (n, s) = src(0x14);
    r.row(
        "014",
        n,
        s,
        "vm390 run has no devices: no virtual reader (the spool is the CMS machine's)",
    );
    r.check_pic(
        "Ry odd: specification",
        probe(2, 5, 0x14).reg(2, 0x1000).reg(5, 0x00C),
        0x0006,
    );
    r.check_pic(
        "subcode X'0024' (not in the spec): specification",
        probe(2, 4, 0x14).reg(2, 0x1000).reg(4, 0x00C).reg(5, 0x24),
        0x0006,
    );
    r.check(
        "X'0000' on X'00C': no such device, CC 3, Ry+1 = 4",
        probe(2, 4, 0x14).reg(2, 0x1000).reg(4, 0x00C).reg(5, 0),
        |o| {
            completed(o)?;
            expect("CC", o.cc, 3)?;
            expect("Ry+1", o.gpr[5], 4)
        },
    );

    // ------------------------------------------------------------------ X'44', X'9C'
    for code in [0x44u32, 0x9C] {
        let (n, s) = src(code);
        r.row(&format!("{code:03X}"), n, s, "one virtual CPU: a no-op");
        r.check(
            "registers and CC unchanged",
            probe(0, 0, code as u16).reg(0, 0x1234),
            |o| {
                completed(o)?;
                expect("R0", o.gpr[0], 0x1234)?;
                expect("CC", o.cc, 2)
            },
        );
    }

    // ------------------------------------------------------------------ X'8C'
    let (n, s) = src(0x8C);
    r.row(
        "08C",
        n,
        s,
        "the probe's console is a line console: Rx+1 = 4, CC 3, nothing stored (a TN3270 \
         console gets its width and height: diagnose unit tests, net_terminals)",
    );
    r.check(
        "line console X'009': Rx+1 = 4, CC 3, buffer unchanged",
        probe(2, 4, 0x8C)
            .reg(2, 0x800)
            .reg(3, u32::from(CONSOLE))
            .reg(4, 6)
            .put(0x800, &[0xEE; 6]),
        |o| {
            completed(o)?;
            expect("Rx+1", o.gpr[3], 4)?;
            expect("CC", o.cc, 3)?;
            expect("buffer", o.mem(0x800, 6), &[0xEE; 6][..])
        },
    );
    r.check_pic(
        "odd Rx: 0006",
        probe(3, 4, 0x8C).reg(3, 0x800).reg(4, 6),
        0x06,
    );

    // ------------------------------------------------------------------ X'4C'
    let (n, s) = src(0x4C);
    r.row("04C", n, s, "RUNNER has no ACCOUNT option");
    r.check(
        "function 0 for myself: CC 1",
        probe(2, 4, 0x4C).reg(2, 0).reg(4, 0),
        |o| {
            completed(o)?;
            expect("CC", o.cc, 1)
        },
    );
    r.check(
        "bad function code: CC 3",
        probe(2, 4, 0x4C).reg(2, 0).reg(4, 0x14),
        |o| {
            completed(o)?;
            expect("CC", o.cc, 3)
        },
    );
    r.check_pic(
        "parameter list not doubleword-aligned: 0006",
        probe(2, 4, 0x4C).reg(2, 0x804).reg(4, 4),
        0x06,
    );
    r.check_pic(
        "user data longer than 70: 0006",
        probe(2, 4, 0x4C).reg(2, 0x800).reg(4, 0x10).reg(5, 71),
        0x06,
    );
    r.check_pic(
        "parameter list beyond storage: 0005",
        probe(2, 4, 0x4C).reg(2, STORAGE as u32).reg(4, 0),
        0x05,
    );

    // ------------------------------------------------------------------ X'58'
    let (n, s) = src(0x58);
    r.row(
        "058",
        n,
        s,
        "the probe's console is a line console: CCW X'19' only (X'29'/X'2A'/X'63' full screen is \
         for a 3270: CC 1), rows of 80 shown as lines on X'009'; CC 3 not the console (a TN3270 \
         console gets the VM/SP full-screen CCWs: diagnose unit tests, tests/fullscreen.rs); Hercules \
         3.13 has no X'58' (hercules.md: 0006, not probed)",
    );
    // Rx = R2 -> CCWs at X'800', Ry = R4 = the console; data at X'1000'.
    let display = |ccws: &[[u8; 8]], data: &[u8]| {
        let chain: Vec<u8> = ccws.iter().flatten().copied().collect();
        probe(2, 4, 0x58)
            .reg(2, 0x800)
            .reg(4, u32::from(CONSOLE))
            .put(0x800, &chain)
            .put(0x1000, data)
    };
    let mut rows3 = vec![0x40u8; 240];
    rows3[..12].copy_from_slice(&e("HELLO, WORLD"));
    rows3[160..169].copy_from_slice(&e("THIRD ROW"));
    r.check_console(
        "CCW X'19' (SLI, line 2): CC 0, rows of 80 shown, trailing blanks trimmed, blank row empty",
        display(&[ccw(0x19, 0x1000, 0x20, 0x02, 240)], &rows3),
        |o, lines| {
            completed(o)?;
            expect("CC", o.cc, 0)?;
            expect("Rx", o.gpr[2], 0x800)?;
            expect_lines(lines, &["HELLO, WORLD", "", "THIRD ROW"][..])
        },
    );
    let mut two = e("FIRST");
    two.resize(0x100, 0);
    two.extend(e("SECOND"));
    r.check_console(
        "command chaining: both CCWs shown in order",
        display(
            &[
                ccw(0x19, 0x1000, 0x60, 0x00, 5),
                ccw(0x19, 0x1100, 0x20, 0x80 | 21, 6),
            ],
            &two,
        ),
        |o, lines| {
            completed(o)?;
            expect("CC", o.cc, 0)?;
            expect_lines(lines, &["FIRST", "SECOND"][..])
        },
    );
    r.check_console(
        "CTL X'FF': erase, nothing written, CC 0",
        display(&[ccw(0x19, 0xFF_FFFF, 0x20, 0xFF, 0)], &[]),
        |o, lines| {
            completed(o)?;
            expect("CC", o.cc, 0)?;
            expect("console lines", lines.len(), 0)
        },
    );
    r.check_console(
        "S/370 BC mode: displayed, CC 0",
        display(&[ccw(0x19, 0x1000, 0x20, 0, 5)], &e("S/370")).s370(),
        |o, lines| {
            completed(o)?;
            expect("CC", o.cc, 0)?;
            expect_lines(lines, &["S/370"][..])
        },
    );
    for (what, c) in [
        ("SLI not set: CC 1", ccw(0x19, 0x1000, 0x00, 0, 5)),
        ("count 1761: CC 1", ccw(0x19, 0x1000, 0x20, 0, 1761)),
        ("count 0: CC 1", ccw(0x19, 0x1000, 0x20, 0, 0)),
        (
            "line 21 and 81 bytes (beyond 1760): CC 1",
            ccw(0x19, 0x1000, 0x20, 21, 81),
        ),
        (
            "full-screen write X'29' on a line console: CC 1",
            ccw(0x29, 0x1000, 0x20, 0xC0, 5),
        ),
        (
            "full-screen read X'2A' on a line console: CC 1",
            ccw(0x2A, 0x1000, 0x20, 0, 5),
        ),
        (
            "control query X'63' (full-screen support, 3270 only): CC 1",
            ccw(0x63, 0, 0x00, 0, 1),
        ),
    ] {
        r.check_console(
            &format!("{what}, nothing shown"),
            display(&[c], &e("HELLO")),
            |o, lines| {
                completed(o)?;
                expect("CC", o.cc, 1)?;
                expect("console lines", lines.len(), 0)
            },
        );
    }
    r.check_console(
        "Ry X'01F' is not the console: CC 3",
        display(&[ccw(0x19, 0x1000, 0x20, 0, 5)], &e("HELLO")).reg(4, 0x01F),
        |o, lines| {
            completed(o)?;
            expect("CC", o.cc, 3)?;
            expect("console lines", lines.len(), 0)
        },
    );
    r.check_pic(
        "CCW not on a doubleword boundary: 0006",
        display(&[], &[])
            .reg(2, 0x804)
            .put(0x804, &ccw(0x19, 0x1000, 0x20, 0, 5)),
        0x06,
    );
    r.check_pic(
        "CCW beyond storage: 0005",
        display(&[], &[]).reg(2, STORAGE as u32),
        0x05,
    );
    r.check_pic(
        "data beyond storage: 0005",
        display(&[ccw(0x19, STORAGE as u32 - 2, 0x20, 0, 5)], &[]),
        0x05,
    );
    r.check_pic(
        "problem state: 0002",
        Probe {
            problem: true,
            ..display(&[ccw(0x19, 0x1000, 0x20, 0, 5)], &e("HELLO"))
        },
        0x02,
    );

    // ------------------------------------------------------------------ X'5C'
    let (n, s) = src(0x5C);
    r.row("05C", n, s, "SET EMSG TEXT; CC unchanged (Hercules sets 0)");
    r.check(
        "TEXT: Rx past the code and blank, Ry = text length",
        probe(2, 3, 0x5C).reg(2, 0x800).reg(3, 40),
        |o| {
            completed(o)?;
            expect("Rx", o.gpr[2], 0x80B)?;
            expect("Ry", o.gpr[3], 29)?;
            expect("CC", o.cc, 2)
        },
    );

    // ------------------------------------------------------------------ X'60'
    let (n, s) = src(0x60);
    r.row("060", n, s, "");
    r.check("Rx = storage size, CC unchanged", probe(7, 0, 0x60), |o| {
        completed(o)?;
        expect("R7", o.gpr[7], STORAGE as u32)?;
        expect("CC", o.cc, 2)
    });

    // ------------------------------------------------------------------ X'64'
    let (n, s) = src(0x64);
    r.row("064", n, s, "vm390 run has no saved segments");
    r.check(
        "FINDSYS CMSSEG: CC 2, Ry = 44",
        probe(2, 3, 0x64)
            .put(0x800, &ebcdic::padded::<8>("CMSSEG"))
            .reg(2, 0x800)
            .reg(3, 0x0C),
        |o| {
            completed(o)?;
            expect("CC", o.cc, 2)?;
            expect("Ry", o.gpr[3], 44)?;
            expect("Rx", o.gpr[2], 0x800)
        },
    );
    r.check(
        "LOADSYS CMSSEG: CC 2, Ry = 44",
        Probe {
            cc: 0,
            ..probe(2, 3, 0x64)
                .put(0x800, &ebcdic::padded::<8>("CMSSEG"))
                .reg(2, 0x800)
                .reg(3, 0x00)
        },
        |o| {
            completed(o)?;
            expect("CC", o.cc, 2)?;
            expect("Ry", o.gpr[3], 44)
        },
    );
    r.check_pic(
        "unknown subcode X'10': 0006",
        probe(2, 3, 0x64).reg(2, 0x800).reg(3, 0x10),
        0x06,
    );
    r.check_pic(
        "name not doubleword-aligned: 0006",
        probe(2, 3, 0x64).reg(2, 0x804).reg(3, 0x0C),
        0x06,
    );

    // ------------------------------------------------------------------ X'68'
    let (n, s) = src(0x68);
    r.row(
        "068",
        n,
        s,
        "proves here, with RUNNER alone: the return codes of one machine and the wrap \
         connection to itself (SEND rc 0, the X'4001' interruption and its VMCMHDR, SENDX \
         rc 7); between machines (SEND/RECV, RECEIVE, REPLY, headers, rc 17, a sink that \
         logs off) see cp/tests/vmcf.rs; Hercules 3.13 has no X'68' (0006, hercules.md 1.3): \
         not cross-checked",
    );
    // VMCPARM (ZCB VMCPARM): flags, function, message id, user, VADA/LENA, VADB/LENB, user
    // doubleword. The DIAG under test uses R2 -> X'800', rc to R3; an AUTHORIZE run before
    // it uses R4 -> X'880' (buffer X'900', 40 bytes), rc to R5.
    let parm = |func: u16, user: &str, vada: u32, lena: u32| {
        let mut p = [0u8; 40];
        p[2..4].copy_from_slice(&func.to_be_bytes());
        p[4..8].copy_from_slice(&1u32.to_be_bytes());
        p[8..16].copy_from_slice(&ebcdic::padded::<8>(user));
        p[16..20].copy_from_slice(&vada.to_be_bytes());
        p[20..24].copy_from_slice(&lena.to_be_bytes());
        p
    };
    let vmcf = |func: u16, user: &str| {
        probe(2, 3, 0x68)
            .put(0x800, &parm(func, user, 0x980, 8))
            .reg(2, 0x800)
            .reg(3, 0xEEEE_EEEE)
    };
    let authorized = |p: Probe| Probe {
        before: vec![(4, 5, 0x68)],
        ..p.put(0x880, &parm(0, "", 0x900, 40)).reg(4, 0x880)
    };
    let rc_is = |want: u32| {
        move |o: &Outcome| {
            completed(o)?;
            expect("Ry", o.gpr[3], want)?;
            expect("Rx", o.gpr[2], 0x800)?;
            expect("CC", o.cc, 2)
        }
    };
    r.check("UNAUTHORIZE before AUTHORIZE: rc 4", vmcf(1, ""), rc_is(4));
    r.check("QUIESCE before AUTHORIZE: rc 4", vmcf(8, ""), rc_is(4));
    r.check("SEND before AUTHORIZE: rc 4", vmcf(2, "OPERATOR"), rc_is(4));
    r.check(
        "AUTHORIZE (buffer X'900', 40 bytes): rc 0, CC unchanged",
        probe(2, 3, 0x68)
            .put(0x800, &parm(0, "", 0x900, 40))
            .reg(2, 0x800),
        rc_is(0),
    );
    for (what, vada, lena) in [
        ("buffer not doubleword-aligned", 0x904, 40),
        ("buffer shorter than the header", 0x900, 39),
        ("buffer beyond storage", STORAGE as u32 - 8, 40),
    ] {
        r.check(
            &format!("AUTHORIZE, {what}: rc 1"),
            probe(2, 3, 0x68)
                .put(0x800, &parm(0, "", vada, lena))
                .reg(2, 0x800),
            rc_is(1),
        );
    }
    r.check(
        "AUTHORIZE then UNAUTHORIZE: rc 0 (and 0 for the AUTHORIZE in R5)",
        authorized(vmcf(1, "")),
        |o| {
            rc_is(0)(o)?;
            expect("R5", o.gpr[5], 0)
        },
    );
    r.check(
        "AUTHORIZE then SEND to OPERATOR (not logged on): rc 5",
        authorized(vmcf(2, "OPERATOR")),
        rc_is(5),
    );
    for (f, name) in [(2u16, "SEND"), (3, "SEND/RECV"), (0xA, "IDENTIFY")] {
        r.check(
            &format!("{name} to RUNNER itself (a wrap connection): rc 0"),
            authorized(vmcf(f, "RUNNER")),
            rc_is(0),
        );
    }
    r.check(
        "SENDX of 8 bytes to RUNNER itself, 40-byte buffer (no room after the header): rc 7",
        authorized(vmcf(4, "RUNNER")),
        rc_is(7),
    );
    r.check(
        "SEND to RUNNER itself, then an enabled wait (CR0 bit 31): X'4001' with VMCMHDR \
         (source RUNNER, function, message id, data address and length) in the buffer",
        Probe {
            wait_ext: Some(0x0000_0001),
            ..authorized(vmcf(2, "RUNNER"))
        },
        |o| {
            rc_is(0)(o)?;
            expect("interruption code", o.ext.map(|e| e.0), Some(0x4001))?;
            let h = o.mem(0x900, 40);
            expect("VMCMSTAT, VMCMEFLG", (h[0], h[1]), (0, 0))?;
            expect("VMCMFUNC, VMCMMID", &h[2..8], &[0, 2, 0, 0, 0, 1][..])?;
            expect("VMCMUSER", &h[8..16], &ebcdic::padded::<8>("RUNNER")[..])?;
            expect(
                "VMCMVADA, VMCMLENA",
                &h[16..24],
                &[0, 0, 9, 0x80, 0, 0, 0, 8][..],
            )
        },
    );
    for (f, name) in [
        (5u16, "RECEIVE"),
        (6, "CANCEL"),
        (7, "REPLY"),
        (0xB, "REJECT"),
    ] {
        r.check(
            &format!("{name} of a message that does not exist: rc 12"),
            authorized(vmcf(f, "RUNNER")),
            rc_is(12),
        );
    }
    r.check("QUIESCE: rc 0", authorized(vmcf(8, "")), rc_is(0));
    r.check("RESUME: rc 0", authorized(vmcf(9, "")), rc_is(0));
    r.check(
        "undefined subfunction X'000C': rc 2",
        authorized(vmcf(0xC, "")),
        rc_is(2),
    );
    r.check(
        "Rx = Ry: the return code replaces the VMCPARM address",
        probe(2, 2, 0x68)
            .put(0x800, &parm(1, "", 0, 0))
            .reg(2, 0x800),
        |o| {
            completed(o)?;
            expect("R2", o.gpr[2], 4)
        },
    );
    r.check_pic(
        "VMCPARM not doubleword-aligned: 0006",
        probe(2, 3, 0x68).reg(2, 0x804),
        0x06,
    );
    r.check_pic(
        "VMCPARM beyond storage: 0005",
        probe(2, 3, 0x68).reg(2, STORAGE as u32 - 8),
        0x05,
    );
    r.check_pic(
        "VMCPARM alignment checked before the storage: 0006",
        probe(2, 3, 0x68).reg(2, STORAGE as u32 + 4),
        0x06,
    );

    // ------------------------------------------------------------------ X'210'
    let (n, s) = src(0x210);
    r.row("210", n, s, "vm390 run has no devices");
    r.check(
        "no such device: CC 3, block unchanged",
        probe(2, 0, 0x210)
            .put(0x800, &[0x01, 0x91, 0x00, 0x10, 0xAA])
            .reg(2, 0x800),
        |o| {
            completed(o)?;
            expect("CC", o.cc, 3)?;
            expect("block", o.mem(0x804, 1), &[0xAA][..])
        },
    );

    // ------------------------------------------------------------------ X'214'
    let (n, s) = src(0x214);
    r.row(
        "214",
        n,
        s,
        "VM/ESA code as Hercules reads SC24-5670; no paging in vm390: pages keep their contents",
    );
    r.check(
        "establish pending release: CC 0, storage unchanged",
        probe(2, 0, 0x214)
            .reg(2, 0x3000)
            .reg(3, 0x5000)
            .put(0x3000, &[0x55; 4]),
        |o| {
            completed(o)?;
            expect("CC", o.cc, 0)?;
            expect("storage", o.mem(0x3000, 4), &[0x55; 4][..])
        },
    );
    r.check(
        "cancel and validate: the frames get the key in Ry bits 24-28",
        probe(2, 6, 0x214)
            .reg(2, 0x3000)
            .reg(3, 0x4003)
            .reg(6, 0x38),
        |o| {
            completed(o)?;
            expect("CC", o.cc, 0)?;
            let k = |a| o.cpu.mem.key(AbsAddr(a)) & 0xF8;
            expect(
                "keys",
                [k(0x3000), k(0x3800), k(0x4800), k(0x5000)],
                [0x38, 0x38, 0x38, 0],
            )
        },
    );
    r.check_pic(
        "odd Rx: 0006",
        probe(3, 0, 0x214).reg(3, 0x3000).reg(4, 0x5000),
        0x06,
    );
    r.check_pic(
        "first page above the last: 0006",
        probe(2, 0, 0x214).reg(2, 0x6000).reg(3, 0x5000),
        0x06,
    );
    r.check_pic(
        "last page beyond storage: 0006",
        probe(2, 0, 0x214).reg(2, 0x3000).reg(3, STORAGE as u32),
        0x06,
    );
    r.check_pic(
        "function 4: 0006",
        probe(2, 0, 0x214).reg(2, 0x3000).reg(3, 0x5004),
        0x06,
    );

    // ------------------------------------------------------------------ X'250'
    let (n, s) = src(0x250);
    r.row(
        "250",
        n,
        s,
        "31-bit formats; a 3350 minidisk of 4096-byte records; completion held while CR0 bit 22 is off",
    );
    let last = disk_blocks();
    let init = |p: Probe, block_size: u32| {
        p.put(0x800, &biopl_init(DISK, block_size, 0))
            .reg(2, 0x800)
            .reg(4, 0)
    };
    r.check(
        "INIT 4096: CC 0, rc 0, blocks 1 to the end of the minidisk",
        Probe {
            disk: Disk::ReadWrite,
            ..init(probe(2, 4, 0x250), 4096)
        },
        |o| {
            completed(o)?;
            expect("CC", o.cc, 0)?;
            expect("Rx+1", o.gpr[3], 0)?;
            expect("start, end", o.mem(0x820, 8), &pair(1, last)[..])
        },
    );
    r.check(
        "INIT with offset 2: blocks -1 to end - 2",
        Probe {
            disk: Disk::ReadWrite,
            ..probe(2, 4, 0x250)
                .put(0x800, &biopl_init(DISK, 4096, 2))
                .reg(2, 0x800)
                .reg(4, 0)
        },
        |o| {
            completed(o)?;
            expect("start, end", o.mem(0x820, 8), &pair(-1, last - 2)[..])
        },
    );
    r.check(
        "INIT on a read-only minidisk: CC 0, rc 4",
        Probe {
            disk: Disk::ReadOnly,
            ..init(probe(2, 4, 0x250), 4096)
        },
        |o| {
            completed(o)?;
            expect("CC, rc", (o.cc, o.gpr[3]), (0, 4))
        },
    );
    r.check(
        "INIT block size 800: CC 2, rc 24",
        Probe {
            disk: Disk::ReadWrite,
            ..init(probe(2, 4, 0x250), 800)
        },
        |o| {
            completed(o)?;
            expect("CC, rc", (o.cc, o.gpr[3]), (2, 24))
        },
    );
    r.check(
        "INIT without the device: CC 2, rc 16",
        init(probe(2, 4, 0x250), 4096),
        |o| {
            completed(o)?;
            expect("CC, rc", (o.cc, o.gpr[3]), (2, 16))
        },
    );
    r.check(
        "INIT twice: CC 2, rc 28",
        Probe {
            disk: Disk::ReadWrite,
            before: vec![(2, 4, 0x250)],
            ..init(probe(2, 4, 0x250), 4096)
        },
        |o| {
            completed(o)?;
            expect("CC, rc", (o.cc, o.gpr[3]), (2, 28))
        },
    );
    // READ/WRITE probes: INIT through R6 (BIOPL X'A00', R8 = 0), then the request through
    // R2 (BIOPL X'800', R4 = 1); BIOEs at X'900'.
    let io = |bioes: &[[u8; 16]], flags: u8, param: u32, block_size: u32| {
        let mut list = Vec::new();
        for e in bioes {
            list.extend_from_slice(e);
        }
        Probe {
            disk: Disk::ReadWrite,
            before: vec![(6, 8, 0x250)],
            ..probe(2, 4, 0x250)
                .put(0xA00, &biopl_init(DISK, block_size, 0))
                .reg(6, 0xA00)
                .reg(8, 0)
                .put(
                    0x800,
                    &biopl_rw(DISK, 0, flags, bioes.len() as u32, 0x900, param),
                )
                .put(0x900, &list)
                .reg(2, 0x800)
                .reg(4, 1)
        }
    };
    let block = |n: u32| {
        let mut d = vec![n as u8; 8];
        d[0..4].copy_from_slice(&n.to_be_bytes());
        d
    };
    r.check(
        "synchronous READ of block 3: CC 0, rc 0, the record, status 0",
        io(&[bioe(2, 3, 0x4000)], 0, 0, 4096),
        |o| {
            completed(o)?;
            expect("CC, rc", (o.cc, o.gpr[3]), (0, 0))?;
            expect("data", o.mem(0x4000, 8), &block(3)[..])?;
            expect("status", o.mem(0x901, 1), &[0][..])
        },
    );
    r.check(
        "WRITE block 5 then READ it back in one list",
        io(&[bioe(1, 5, 0x6000), bioe(2, 5, 0x8000)], 0, 0, 4096).put(0x6000, &[0xC5; 4096]),
        |o| {
            completed(o)?;
            expect("CC, rc", (o.cc, o.gpr[3]), (0, 0))?;
            expect("data", o.mem(0x8000, 4096), &[0xC5; 4096][..])
        },
    );
    r.check(
        "block beyond the end: CC 2, rc 40, status 1",
        io(&[bioe(2, last as i32 + 1, 0x4000)], 0, 0, 4096),
        |o| {
            completed(o)?;
            expect("CC, rc", (o.cc, o.gpr[3]), (2, 40))?;
            expect("status", o.mem(0x901, 1), &[1][..])
        },
    );
    r.check(
        "one good, one bad type, one buffer beyond storage: CC 1, rc 12, statuses 0 6 2",
        io(
            &[
                bioe(2, 1, 0x4000),
                bioe(3, 1, 0x4000),
                bioe(2, 1, STORAGE as u32 - 8),
            ],
            0,
            0,
            4096,
        ),
        |o| {
            completed(o)?;
            expect("CC, rc", (o.cc, o.gpr[3]), (1, 12))?;
            expect(
                "statuses",
                [o.mem(0x901, 1)[0], o.mem(0x911, 1)[0], o.mem(0x921, 1)[0]],
                [0, 6, 2],
            )
        },
    );
    r.check(
        "block size 2048 on 4096-byte records: status 4 (record size)",
        io(&[bioe(2, 1, 0x4000)], 0, 0, 2048),
        |o| {
            completed(o)?;
            expect("CC, rc", (o.cc, o.gpr[3]), (2, 40))?;
            expect("status", o.mem(0x901, 1), &[4][..])
        },
    );
    r.check(
        "WRITE on a read-only minidisk: status 3",
        Probe {
            disk: Disk::ReadOnly,
            ..io(&[bioe(1, 1, 0x4000)], 0, 0, 4096)
        },
        |o| {
            completed(o)?;
            expect("CC, rc", (o.cc, o.gpr[3]), (2, 40))?;
            expect("status", o.mem(0x901, 1), &[3][..])
        },
    );
    r.check(
        "block count 0: CC 2, rc 36",
        io(&[bioe(2, 1, 0x4000)], 0, 0, 4096).put(0x81C, &[0, 0, 0, 0]),
        |o| {
            completed(o)?;
            expect("CC, rc", (o.cc, o.gpr[3]), (2, 36))
        },
    );
    r.check(
        "READ without INIT: CC 2, rc 28",
        Probe {
            before: Vec::new(),
            ..io(&[bioe(2, 1, 0x4000)], 0, 0, 4096)
        },
        |o| {
            completed(o)?;
            expect("CC, rc", (o.cc, o.gpr[3]), (2, 28))
        },
    );
    r.check(
        "asynchronous READ: CC 0, rc 8, then external interruption X'2603', subcode X'0300', parameter",
        Probe {
            cr0: Some(0x0000_02E0),
            wait_ext: Some(0x0000_0200),
            ..io(&[bioe(2, 7, 0x4000)], 0x02, 0xCAFE_F00D, 4096)
        },
        |o| {
            completed(o)?;
            expect("CC, rc", (o.cc, o.gpr[3]), (0, 8))?;
            expect("interruption", o.ext, Some((0x2603, 0x0300, 0xCAFE_F00D)))?;
            expect("data", o.mem(0x4000, 8), &block(7)[..])
        },
    );
    r.check(
        "asynchronous with a failing BIOE: subcode X'0301'",
        Probe {
            cr0: Some(0x0000_02E0),
            wait_ext: Some(0x0000_0200),
            ..io(&[bioe(2, 0, 0x4000)], 0x02, 77, 4096)
        },
        |o| {
            completed(o)?;
            expect("interruption", o.ext, Some((0x2603, 0x0301, 77)))
        },
    );
    r.check(
        "asynchronous with the BIOE list beyond storage: rc 8, subcode X'0302', no program check",
        Probe {
            cr0: Some(0x0000_02E0),
            wait_ext: Some(0x0000_0200),
            ..io(&[bioe(2, 1, 0x4000)], 0x02, 78, 4096)
                .put(0x800, &biopl_rw(DISK, 0, 0x02, 2, STORAGE as u32 - 16, 78))
        },
        |o| {
            completed(o)?;
            expect("CC, rc", (o.cc, o.gpr[3]), (0, 8))?;
            expect("interruption", o.ext, Some((0x2603, 0x0302, 78)))
        },
    );
    r.check(
        "service-signal subclass (CR0 bit 22) off: no interruption",
        Probe {
            wait_ext: Some(0x0000_0000),
            ..io(&[bioe(2, 7, 0x4000)], 0x02, 5, 4096)
        },
        |o| {
            completed(o)?;
            expect("CC, rc", (o.cc, o.gpr[3]), (0, 8))?;
            expect("interruption", o.ext, None)
        },
    );
    r.check(
        "subclass enabled after the DIAG: the held interruption is presented",
        Probe {
            cr0: Some(0x0000_00E0),
            wait_ext: Some(0x0000_0200),
            ..io(&[bioe(2, 7, 0x4000)], 0x02, 6, 4096)
        },
        |o| {
            completed(o)?;
            expect("interruption", o.ext, Some((0x2603, 0x0300, 6)))
        },
    );
    r.check(
        "REMOVE: CC 0, rc 0; then READ: rc 28",
        Probe {
            before: vec![(6, 8, 0x250), (10, 12, 0x250)],
            ..io(&[bioe(2, 1, 0x4000)], 0, 0, 4096)
                .put(0xA80, &biopl_init(DISK, 0, 0))
                .reg(10, 0xA80)
                .reg(12, 2)
        },
        |o| {
            completed(o)?;
            expect("REMOVE rc", o.gpr[11], 0)?;
            expect("READ CC, rc", (o.cc, o.gpr[3]), (2, 28))
        },
    );
    r.check(
        "REMOVE without INIT: CC 2, rc 28",
        Probe {
            disk: Disk::ReadWrite,
            ..probe(2, 4, 0x250)
                .put(0x800, &biopl_init(DISK, 0, 0))
                .reg(2, 0x800)
                .reg(4, 2)
        },
        |o| {
            completed(o)?;
            expect("CC, rc", (o.cc, o.gpr[3]), (2, 28))
        },
    );
    let mut z = biopl_init(DISK, 4096, 0);
    z[2] = 0x80;
    r.check_pic(
        "64-bit format (flag X'80') in ESA/390: 0006",
        Probe {
            disk: Disk::ReadWrite,
            ..probe(2, 4, 0x250).put(0x800, &z).reg(2, 0x800).reg(4, 0)
        },
        0x06,
    );
    let mut z = biopl_init(DISK, 4096, 0);
    z[60] = 1;
    r.check_pic(
        "reserved byte not zero: 0006",
        Probe {
            disk: Disk::ReadWrite,
            ..probe(2, 4, 0x250).put(0x800, &z).reg(2, 0x800).reg(4, 0)
        },
        0x06,
    );
    r.check_pic(
        "function 3: 0006",
        probe(2, 4, 0x250).reg(2, 0x800).reg(4, 3),
        0x06,
    );
    r.check_pic(
        "BIOPL not doubleword-aligned: 0006",
        probe(2, 4, 0x250).reg(2, 0x804).reg(4, 0),
        0x06,
    );
    r.check_pic(
        "BIOPL beyond storage: 0005",
        probe(2, 4, 0x250).reg(2, STORAGE as u32 - 32).reg(4, 0),
        0x05,
    );
    r.check_pic(
        "synchronous BIOE list beyond storage: 0005, nothing done",
        Probe {
            cc: 0, // what the INIT before it set
            ..io(&[bioe(2, 1, 0x4000)], 0, 0, 4096)
                .put(0x800, &biopl_rw(DISK, 0, 0, 2, STORAGE as u32 - 16, 0))
        },
        0x05,
    );

    // ------------------------------------------------------------------ X'260'
    let (n, s) = src(0x260);
    r.row(
        "260",
        n,
        s,
        "ESA subcodes 0, 4, 8 (Hercules' reading of SC24-6084); X'0C'/X'10' (spec: QEMU RFC) are z/Architecture only: 0006",
    );
    r.check(
        "subcode 0: Rx = highest addressable byte, CC unchanged",
        probe(2, 3, 0x260).reg(3, 0),
        |o| {
            completed(o)?;
            expect("Rx", o.gpr[2], STORAGE as u32 - 1)?;
            expect("CC", o.cc, 2)
        },
    );
    r.check(
        "subcode 4: no LOGON BY user id, Ry+1 = 4",
        probe(2, 4, 0x260)
            .reg(2, 0x800)
            .reg(4, 4)
            .put(0x800, &[0xEE; 8]),
        |o| {
            completed(o)?;
            expect("Ry+1", o.gpr[5], 4)?;
            expect("buffer", o.mem(0x800, 8), &[0xEE; 8][..])
        },
    );
    r.check(
        "subcode 8 for a device that is not a printer or console: Ry = 4",
        probe(2, 4, 0x260).reg(2, 0x00E).reg(4, 8),
        |o| {
            completed(o)?;
            expect("Rx, Ry", (o.gpr[2], o.gpr[4]), (0x00E, 4))
        },
    );
    r.check_pic(
        "subcode 4 with Ry odd: 0006",
        probe(2, 5, 0x260).reg(2, 0x800).reg(5, 4),
        0x06,
    );
    r.check_pic(
        "subcode X'0C' (z/Architecture): 0006",
        probe(2, 4, 0x260).reg(4, 0x0C),
        0x06,
    );
    r.check_pic(
        "subcode X'10' (z/Architecture): 0006",
        probe(2, 4, 0x260).reg(2, 0x800).reg(3, 0x20).reg(4, 0x10),
        0x06,
    );

    // ------------------------------------------------------------------ X'270'
    let (n, s) = src(0x270);
    r.row(
        "270",
        n,
        s,
        "64-byte layout as Hercules reads SC24-5670; default date formats X'80' (MM/DD/YY, VM/370's)",
    );
    r.check(
        "64 bytes: X'0C' block, MM/DD/YYYY, YYYY-MM-DD, version 1, formats; CC unchanged",
        probe(2, 3, 0x270)
            .reg(2, 0x800)
            .reg(3, 64)
            .put(0x800, &[0xEE; 72]),
        |o| {
            completed(o)?;
            let shape = |a: u32, n: usize| -> String {
                ebcdic::to_string(o.mem(a, n))
                    .chars()
                    .map(|c| if c.is_ascii_digit() { '9' } else { c })
                    .collect()
            };
            expect("X'0C' part", shape(0x800, 16).as_str(), "99/99/9999:99:99")?;
            expect("full date", shape(0x820, 10).as_str(), "99/99/9999")?;
            expect("ISO date", shape(0x830, 10).as_str(), "9999-99-99")?;
            expect("zeros", o.mem(0x82A, 6), &[0; 6][..])?;
            expect(
                "version, formats",
                o.mem(0x83A, 6),
                &[1, 0x80, 0x80, 0, 0, 0][..],
            )?;
            expect("beyond 64", o.mem(0x840, 8), &[0xEE; 8][..])?;
            expect("CC", o.cc, 2)
        },
    );
    r.check(
        "Ry field R0: 32 bytes",
        probe(2, 0, 0x270).reg(2, 0x800).put(0x800, &[0xEE; 40]),
        |o| {
            completed(o)?;
            expect("byte 32", o.mem(0x820, 1), &[0xEE][..])
        },
    );
    r.check_pic("Rx = Ry: 0006", probe(2, 2, 0x270).reg(2, 0x800), 0x06);
    r.check_pic(
        "length 0: 0006",
        probe(2, 3, 0x270).reg(2, 0x800).reg(3, 0),
        0x06,
    );
    r.check_pic(
        "buffer not doubleword-aligned: 0006",
        probe(2, 3, 0x270).reg(2, 0x804).reg(3, 64),
        0x06,
    );
    r.check_pic(
        "buffer beyond storage: 0005",
        probe(2, 3, 0x270).reg(2, STORAGE as u32 - 8).reg(3, 64),
        0x05,
    );

    // ------------------------------------------------------------------ not implemented
    for &(code, name, why) in NOT_IMPLEMENTED {
        r.row(&format!("{code:03X}"), name, "not implemented", why);
        r.check_pic(
            "not implemented: 0006",
            probe(2, 4, code as u16).reg(2, 0x800),
            0x06,
        );
    }
    let _ = std::fs::remove_dir_all(work_dir());
    r.rows
}

fn counts(row: &Row) -> (usize, usize) {
    let passed = row.checks.iter().filter(|c| c.ok).count();
    (passed, row.checks.len() - passed)
}

fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// The report as Markdown (what conformance/REPORT.md holds).
fn markdown(rows: &[Row]) -> String {
    let mut o = String::new();
    let (tp, tf) = rows
        .iter()
        .map(counts)
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    o.push_str("# vm390 DIAGNOSE conformance\n\n");
    o.push_str(
        "Generated by `vm390 conformance --markdown > conformance/REPORT.md`: guest probes run \
         under the real CP (`Cpu` + `Cp`, as `vm390 run`). Sources are the tags of \
         `diagnose-spec.md`.\n\n",
    );
    let _ = writeln!(o, "Total: {} checks, {tp} passed, {tf} failed.\n", tp + tf);
    o.push_str("| code | name | source | checks | passed | failed | notes |\n");
    o.push_str("| --- | --- | --- | --- | --- | --- | --- |\n");
    for r in rows {
        let (p, f) = counts(r);
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {p} | {f} | {} |",
            r.code,
            r.name,
            r.source,
            r.checks.len(),
            r.notes
        );
    }
    o.push_str("\n## Checks\n");
    for r in rows {
        let _ = writeln!(o, "\n### {} {}\n", r.code, r.name);
        for c in &r.checks {
            let mark = if c.ok { "pass" } else { "FAIL" };
            if c.detail.is_empty() {
                let _ = writeln!(o, "- {mark}: {}", c.what);
            } else {
                let _ = writeln!(o, "- {mark}: {} ({})", c.what, c.detail);
            }
        }
    }
    o.push_str(HERCULES_CROSS_CHECK);
    o
}

/// The "Cross-check with Hercules 3.13" section: static text stating what
/// `conformance/tests/diag_vs_hercules.rs` asserts (its `FIELDS` table) when it runs the same
/// probe under Hercules and `vm390 run`.
const HERCULES_CROSS_CHECK: &str = "
## Cross-check with Hercules 3.13

`cargo test -p conformance --test diag_vs_hercules` assembles one ESA/390 probe \
(`conformance/src/diag_probe.rs`, GNU as), runs it under Hercules 3.13 (`run.sh`, `esa390.cnf`) \
and under `vm390 run --json`, and compares the guest-visible results field by field: CC (by \
IPM), registers, stored bytes, and the program-interruption old PSW, ILC and code. Both runs \
use TZ=UTC.

Agree (asserted byte for byte):

- X'00': CC, Rx, MCEL, CPU address, time-zone offset, nothing stored past 40 bytes; with an \
odd buffer 0006, ILC 2, old PSW past the DIAG, buffer untouched.
- X'0C': CC unchanged, the MM/DD/YY and HH:MM:SS layout (separators; digits are EBCDIC \
digits on both), nothing stored past 32 bytes.
- X'24': CC 3 with Rx, Ry, Ry+1 unchanged for an absent device (0123) and for -1 (no console).
- X'60': storage size 16 MiB, CC unchanged; also with the code formed from B2+D2 \
(X'20' with R5 = X'40').
- X'210': CC 3 for an absent device, Rx and the VRDCBLOK unchanged.
- X'5C' with length 0: registers unchanged. X'264': registers unchanged.
- X'270' (64 bytes): CC and registers unchanged, the layout (X'0C' part, MM/DD/YYYY, zeros, \
YYYY-MM-DD, version X'01', zeros), nothing stored past 64 bytes; an unaligned buffer 0006.
- X'214' establish pending release: CC 0, registers unchanged; odd Rx 0006.
- X'260' subcode 0: Rx = X'00FFFFFF' (16 MiB - 1), CC unchanged.
- X'250': INIT and REMOVE for an absent device CC 2, rc 16, BIOPL unchanged; function 3, an \
unaligned BIOPL and the 64-bit format flag 0006.
- X'308', X'288', X'318': 0006 on both (implemented by neither for ESA/390).
- Unknown code X'123': 0006, ILC 2, old PSW past the DIAG, CC unchanged.
- DIAG in the problem state: 0002, ILC 2, register unchanged.

Differ by documentation (masked in the comparison):

| field | Hercules 3.13 | vm390 | reason |
| --- | --- | --- | --- |
| X'00' bytes 0-7 | `HERCULES` | `VM/370` | system identity |
| X'00' bytes 8-11 | zeros, CPU version X'FD' | X'060000', X'FF' | VM/370 release 6 in a virtual machine |
| X'00' bytes 16-23 | host login name (blanks) | `RUNNER` | user id |
| X'00' bytes 24-31, 36-39 | product bitmap X'7FFE', version | not stored | Hercules fills z/VM's 40-byte layout; the VM/370 block is 36 bytes |
| X'00' Ry after | length - bytes stored | unchanged | z/VM vs VM/370 |
| X'0C' date and time digits | host time | host time | time of day |
| X'0C' CPU times | zeros | the run's CPU time | Hercules does not account CPU time |
| X'24' for 000E | CC 0, X'10410100' / X'10410000' (1403) | CC 3 | `esa390.cnf` defines a 1403 at 000E; `vm390 run` has no devices |
| X'5C' CC | set to 0 | unchanged | Hercules' X'5C' is a no-op that sets CC 0 |
| X'5C' registers (length 20) | unchanged | Rx + 11, Ry - 11 | vm390 edits the message per SET EMSG TEXT |
| X'264' | no-op, CC 0 | 0006 | CMS-internal code not implemented in vm390 |
| code X'10060' | 0006 | X'60' (storage size) | Hercules' code is the full effective address, vm390's its low 16 bits |
| X'08' | panel command | CP command | Hercules runs Hercules panel commands |
| X'270' bytes 59-60 | X'20' X'20' (ISO) | X'80' X'80' (MM/DD/YY) | default date formats: vm390 keeps VM/370's |
| X'270' CPU times | zeros | the run's CPU time | Hercules does not account CPU time |
| X'250' INIT 000E | CC 2, rc 20 | CC 2, rc 16 | `esa390.cnf` has a 1403 at 000E (not a DASD); `vm390 run` has no devices |

Not probed on Hercules: X'58' (Hercules 3.13 has no X'58' and gives 0006: `hercules.md` and \
`cms370-guest.md` section 4; bare Hercules hosts CMS only under real VM/370 CP), and X'250' with a reserved byte not zero in an INIT or REMOVE list \
(Hercules 3.13 presents that specification exception in S/370 format and loops; vm390 gives \
0006 as for READ/WRITE) and X'250' READ/WRITE (Hercules 3.13 has no CKD block I/O: \
`CKD to be supplied` in vmd250.c).
";

/// Runs `vm390 conformance`.
pub fn run_cli(a: &ConformanceArgs) -> ExitCode {
    let rows = collect();
    let failed: usize = rows.iter().map(|r| counts(r).1).sum();
    let mut o = String::new();
    if a.json {
        o.push_str("{\"rows\":[");
        for (i, r) in rows.iter().enumerate() {
            let (p, f) = counts(r);
            let _ = write!(
                o,
                "{}{{\"code\":{},\"name\":{},\"source\":{},\"checks\":{},\"passed\":{p},\"failed\":{f},\"notes\":{},\"results\":[",
                if i > 0 { "," } else { "" },
                json_str(&r.code),
                json_str(&r.name),
                json_str(&r.source),
                r.checks.len(),
                json_str(&r.notes)
            );
            for (j, c) in r.checks.iter().enumerate() {
                let _ = write!(
                    o,
                    "{}{{\"check\":{},\"ok\":{},\"detail\":{}}}",
                    if j > 0 { "," } else { "" },
                    json_str(&c.what),
                    c.ok,
                    json_str(&c.detail)
                );
            }
            o.push_str("]}");
        }
        let _ = write!(o, "],\"failed\":{failed}}}");
        println!("{o}");
    } else if a.markdown {
        print!("{}", markdown(&rows));
    } else {
        let _ = writeln!(
            o,
            "{:<5} {:<45} {:<44} {:>6} {:>6} {:>6}  notes",
            "code", "name", "source", "checks", "passed", "failed"
        );
        for r in &rows {
            let (p, f) = counts(r);
            let _ = writeln!(
                o,
                "{:<5} {:<45} {:<44} {:>6} {:>6} {:>6}  {}",
                r.code,
                r.name,
                r.source,
                r.checks.len(),
                p,
                f,
                r.notes
            );
            for c in r.checks.iter().filter(|c| !c.ok) {
                let _ = writeln!(o, "      FAIL {}: {}", c.what, c.detail);
            }
        }
        print!("{o}");
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
