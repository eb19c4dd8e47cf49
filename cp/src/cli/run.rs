//! `vm390 run`: the headless runner. Loads flat images, starts the CPU with the PSW at
//! absolute 0 as after IPL, runs to a disabled wait (exit 0), a program-interruption loop
//! (exit 2) or the instruction limit (exit 3; also an enabled wait that nothing can end), or
//! until Ctrl-C (exit 130), and reports the final state for people or as one JSON object,
//! with the last program interruption (code, name, ILC, old PSW) when there was one.
//!
//! The guest runs in a virtual machine with no directory entry (`cp::unattended`): the
//! same CP as a logged-on user's, with the CPU driven here so that CP mode is never
//! entered.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use cp::cpu::Stop;
use cp::storage::{AbsAddr, Storage};
use cp::unattended::ConsoleSink;
use cp::vm::Vm;
use s390_decoder::Arch;

/// An image to load: `PATH[@HEXADDR]`.
#[derive(Clone, Debug)]
pub struct ImageArg {
    path: PathBuf,
    addr: u32,
}

fn parse_image(s: &str) -> Result<ImageArg, String> {
    match s.rsplit_once('@') {
        Some((p, a)) if !p.is_empty() => Ok(ImageArg {
            path: PathBuf::from(p),
            addr: super::parse_hex(a)?,
        }),
        _ => Ok(ImageArg {
            path: PathBuf::from(s),
            addr: 0,
        }),
    }
}

/// A minidisk to attach: `VDEV=PATH` (read-write if the file is writable) or
/// `VDEV=PATH:ro`.
#[derive(Clone, Debug)]
pub struct DiskArg {
    vaddr: u16,
    path: PathBuf,
    read_only: bool,
}

fn parse_disk(s: &str) -> Result<DiskArg, String> {
    let (v, p) = s
        .split_once('=')
        .ok_or_else(|| format!("'{s}' is not VDEV=PATH (like 100=disk.ckd)"))?;
    let vaddr = u16::from_str_radix(v, 16).map_err(|_| format!("'{v}' is not a device number"))?;
    let (p, read_only) = match p.strip_suffix(":ro") {
        Some(p) => (p, true),
        None => (p, false),
    };
    if p.is_empty() {
        return Err(format!("'{s}' names no image file"));
    }
    Ok(DiskArg {
        vaddr,
        path: PathBuf::from(p),
        read_only,
    })
}

/// Parses `SIZE` with an optional K or M suffix.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.chars().last() {
        Some('K' | 'k') => (&t[..t.len() - 1], 1024),
        Some('M' | 'm') => (&t[..t.len() - 1], 1024 * 1024),
        Some('G' | 'g') => (&t[..t.len() - 1], 1024 * 1024 * 1024),
        _ => (t, 1),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a storage size (like 512K, 16M)"))?;
    Ok(n * mult)
}

/// `ADDR.LEN`, both hexadecimal.
fn parse_dump(s: &str) -> Result<(u32, u32), String> {
    let (a, l) = s
        .split_once('.')
        .ok_or_else(|| format!("'{s}' is not ADDR.LEN (hexadecimal)"))?;
    Ok((super::parse_hex(a)?, super::parse_hex(l)?))
}

/// `--jit`: the entries before an address is compiled, or None for never.
#[derive(Clone, Copy, Debug)]
pub struct JitSetting(pub Option<u32>);

fn parse_jit(s: &str) -> Result<JitSetting, String> {
    cp::cpu::jit::parse_threshold(s).map(JitSetting)
}

/// `--trace`: the machine's event classes of the TRACE functions named.
#[derive(Clone, Copy, Debug)]
pub struct TraceArg(cp::cpu::TraceMask);

fn parse_trace(s: &str) -> Result<TraceArg, String> {
    let mut m = cp::cpu::TraceMask::NONE;
    for f in cp::cpcmd::trace::parse_functions(s)? {
        m |= f.mask();
    }
    Ok(TraceArg(m))
}

/// Arguments of `vm390 run`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
The start PSW is the doubleword at absolute address 0, as after an IPL: put it in the first \
image (loaded at 0 unless given PATH@ADDR). Low storage is the guest's: the program new PSW \
at X'68' is where a program interruption goes.

The run ends at a disabled wait (exit status 0), a program interruption whose new PSW is \
not valid (program-interrupt-loop, 2), the instruction limit or an enabled wait that nothing \
can end (3), or Ctrl-C (interrupted, 130). The report gives the PSW, registers and counts, \
and the last program interruption taken: its code, name (operation, protection, \
addressing...), instruction-length code (1-3, halfwords) and program old PSW; with --json as \
\"program_check\":{\"code\",\"name\",\"ilc\",\"old_psw\"} (null when there was none).")]
pub struct RunArgs {
    /// Architecture: s370 or esa390.
    #[arg(long, default_value = "esa390", value_parser = super::parse_arch)]
    pub arch: Arch,
    /// Storage size, bytes with an optional K or M suffix.
    #[arg(long, default_value = "16M", value_parser = parse_size)]
    pub storage: u64,
    /// Stop after this many instructions (exit status 3).
    #[arg(long)]
    pub max_instructions: Option<u64>,
    /// Report storage ADDR.LEN (hexadecimal) at the end; may be repeated.
    #[arg(long, value_parser = parse_dump)]
    pub dump: Vec<(u32, u32)>,
    /// Attach a CKD image as a full-pack minidisk: VDEV=PATH, or VDEV=PATH:ro for
    /// read-only (DIAGNOSE X'18', X'24', X'210', X'250'); may be repeated.
    #[arg(long, value_parser = parse_disk)]
    pub disk: Vec<DiskArg>,
    /// Compile hot code to host code: off (interpret only), eager (at the first entry) or
    /// after N entries; default the VM390_JIT environment variable, else 2000.
    #[arg(long, value_parser = parse_jit)]
    pub jit: Option<JitSetting>,
    /// Print one JSON object on stdout instead of the report for people.
    #[arg(long)]
    pub json: bool,
    /// Trace events on standard error, in CP TRACE's formats: KIND[,KIND...] of svc, i/o,
    /// sio, ccw, csw, program, external, priv, branch, instruct, all, diag (any case).
    /// Tracing runs the guest one instruction at a time through the interpreter.
    #[arg(long, value_parser = parse_trace)]
    pub trace: Option<TraceArg>,
    /// Write the traced events (--trace; alone: svc,program,external,csw,sio,priv,diag) to FILE,
    /// a new file (an existing one is not replaced), as JSON lines,
    /// one object per event with `kind`, `psw`, `ia`, `text` and, for DIAGNOSE, `code`,
    /// the registers on entry and exit and `cc`.
    #[arg(long)]
    pub trace_file: Option<PathBuf>,
    /// Flat images, each loaded at its hexadecimal address (default 0).
    #[arg(required = true, value_parser = parse_image)]
    pub images: Vec<ImageArg>,
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02X}");
    }
    s
}

/// Instructions run between looks at the Ctrl-C flag.
const CHUNK: u64 = 1 << 20;

/// Runs the CPU to a stop, or to `limit` instructions, or until `interrupted` is set (None).
/// The CPU runs in chunks of [`CHUNK`] instructions; each chunk's budget counts the waits
/// that let virtual time pass as the CPU's own limit does, so the total is the same. A CP
/// command the guest gave (DIAGNOSE X'08' IPL, SYSTEM RESET) that ended a chunk early
/// counts the instructions run and the CPU goes on from its new state.
fn run_until(vm: &mut Vm, limit: Option<u64>, interrupted: &AtomicBool) -> Option<Stop> {
    let mut left = limit.unwrap_or(u64::MAX);
    loop {
        if interrupted.load(Ordering::SeqCst) {
            return None;
        }
        if left == 0 {
            return Some(Stop::InstructionLimit);
        }
        let budget = left.min(CHUNK);
        let before = vm.cpu.instructions;
        let stop = vm.cpu.run(&mut vm.cp, before.saturating_add(budget));
        if vm.cp.take_command_effect() {
            left -= (vm.cpu.instructions - before).min(left);
            continue;
        }
        match stop {
            Stop::InstructionLimit => left -= budget,
            stop => return Some(stop),
        }
    }
}

/// The name of program-interruption code `code` (SA22-7201 "Program-Interruption
/// Conditions", GA22-7000 "Program Interruption"): the exception in bits 9-15, with the PER
/// event of bit 8 (X'80').
pub fn program_interruption_name(code: u16) -> String {
    let base = match code & 0x7F {
        0x00 => "",
        0x01 => "operation",
        0x02 => "privileged-operation",
        0x03 => "execute",
        0x04 => "protection",
        0x05 => "addressing",
        0x06 => "specification",
        0x07 => "data",
        0x08 => "fixed-point-overflow",
        0x09 => "fixed-point-divide",
        0x0A => "decimal-overflow",
        0x0B => "decimal-divide",
        0x0C => "exponent-overflow",
        0x0D => "exponent-underflow",
        0x0E => "significance",
        0x0F => "floating-point-divide",
        0x10 => "segment-translation",
        0x11 => "page-translation",
        0x12 => "translation-specification",
        0x13 => "special-operation",
        0x15 => "operand",
        0x16 => "trace-table",
        0x17 => "ASN-translation-specification",
        0x1C => "space-switch-event",
        0x1D => "square-root",
        0x1F => "PC-translation-specification",
        0x20 => "AFX-translation",
        0x21 => "ASX-translation",
        0x22 => "LX-translation",
        0x23 => "EX-translation",
        0x24 => "primary-authority",
        0x25 => "secondary-authority",
        0x28 => "ALET-specification",
        0x29 => "ALEN-translation",
        0x2A => "ALE-sequence",
        0x2B => "ASTE-validity",
        0x2C => "ASTE-sequence",
        0x2D => "extended-authority",
        0x30 => "stack-full",
        0x31 => "stack-empty",
        0x32 => "stack-specification",
        0x33 => "stack-type",
        0x34 => "stack-operation",
        0x40 => "monitor-event",
        _ => "unknown",
    };
    match (base, code & 0x80 != 0) {
        ("", true) => "PER-event".into(),
        ("", false) => "none".into(),
        (b, true) => format!("{b}+PER-event"),
        (b, false) => b.into(),
    }
}

/// Runs `vm390 run`.
pub fn run(a: &RunArgs) -> ExitCode {
    let mem = match Storage::new(a.storage) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("vm390 run: {e}");
            return ExitCode::from(1);
        }
    };
    // Standard output is the one JSON object under --json; console lines go to standard
    // error then.
    let console = if a.json {
        ConsoleSink::Stderr
    } else {
        ConsoleSink::Stdout
    };
    let mut vm = Vm::unattended(a.arch, mem, console);
    let cpu = &mut vm.cpu;
    if let Some(JitSetting(jit)) = a.jit {
        cpu.set_jit(jit);
    }
    for img in &a.images {
        let data = match std::fs::read(&img.path) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("vm390 run: cannot read {}: {e}", img.path.display());
                return ExitCode::from(1);
            }
        };
        if cpu.mem.load(AbsAddr(img.addr), &data).is_err() {
            eprintln!(
                "vm390 run: {} ({} bytes at {:X}) does not fit in {} bytes of storage",
                img.path.display(),
                data.len(),
                img.addr,
                cpu.mem.size()
            );
            return ExitCode::from(1);
        }
    }
    for d in &a.disk {
        if let Err(e) = vm.cp.attach_full_pack(d.vaddr, &d.path, d.read_only) {
            eprintln!("vm390 run: --disk {:03X}: {e}", d.vaddr);
            return ExitCode::from(1);
        }
    }
    if a.trace.is_some() || a.trace_file.is_some() {
        let json = match &a.trace_file {
            Some(p) => match std::fs::File::create_new(p) {
                Ok(f) => Some(std::io::BufWriter::new(f)),
                Err(e) => {
                    eprintln!("vm390 run: --trace-file {}: {e}", p.display());
                    return ExitCode::from(1);
                }
            },
            None => None,
        };
        let mask = match a.trace {
            Some(TraceArg(m)) => m,
            // --trace-file alone: the interruptions, I/O instructions, privileged
            // instructions and DIAGNOSEs.
            None => parse_trace("svc,program,external,csw,sio,priv,diag")
                .map_or(cp::cpu::TraceMask::NONE, |t| t.0),
        };
        vm.cp.tracing.host = Some(cp::cpcmd::trace::HostTrace {
            mask,
            stderr: a.trace.is_some(),
            json,
        });
        vm.cpu.trace = vm.cp.tracing.mask();
    }
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        // SIGINT is blocked in this thread (and so in every thread started after it) and
        // taken by a thread of its own, which asks the run loop to stop.
        let flag = interrupted.clone();
        let mut set = nix::sys::signal::SigSet::empty();
        set.add(nix::sys::signal::Signal::SIGINT);
        match set.thread_block() {
            Ok(()) => {
                std::thread::spawn(move || {
                    if set.wait().is_ok() {
                        flag.store(true, Ordering::SeqCst);
                    }
                });
            }
            Err(e) => eprintln!("vm390 run: cannot catch Ctrl-C: {e}"),
        }
    }
    let ipl_valid = vm.cpu.ipl_psw();
    let stop = match ipl_valid {
        Ok(()) => run_until(&mut vm, a.max_instructions, &interrupted),
        Err(stop) => Some(stop),
    };
    if let Err(e) = vm.cp.flush_minidisks() {
        eprintln!("vm390 run: {e}");
    }
    vm.cp.flush_trace_file();
    let cpu = &vm.cpu;
    let (name, code) = match stop {
        Some(Stop::DisabledWait) => ("disabled-wait", 0),
        Some(Stop::ProgramInterruptLoop) => ("program-interrupt-loop", 2),
        Some(Stop::InstructionLimit) => ("instruction-limit", 3),
        Some(Stop::EnabledWaitForever) => ("enabled-wait", 3),
        Some(Stop::Halted) => ("halted", 0),
        // `vm390 run` sets no address stop (ADSTOP is a CP command).
        Some(Stop::AddressStop) => ("address-stop", 3),
        None => ("interrupted", 130),
    };
    let psw = cpu.psw.to_u64(cpu.arch);
    let mut dumps = Vec::new();
    for &(addr, len) in &a.dump {
        let start = addr.min(cpu.mem.size()) as usize;
        let end = (addr as u64 + len as u64).min(cpu.mem.size() as u64) as usize;
        dumps.push((addr, hex(&cpu.mem.bytes()[start..end])));
    }
    let mut out = String::new();
    if a.json {
        let _ = write!(
            out,
            "{{\"stop\":\"{name}\",\"psw\":\"{psw:016X}\",\"gpr\":["
        );
        for (i, g) in cpu.gpr.iter().enumerate() {
            let _ = write!(out, "{}\"{g:08X}\"", if i > 0 { "," } else { "" });
        }
        out.push_str("],\"fpr\":[");
        for (i, f) in cpu.fpr.iter().enumerate() {
            let _ = write!(out, "{}\"{f:016X}\"", if i > 0 { "," } else { "" });
        }
        let _ = write!(
            out,
            "],\"fpc\":\"{:08X}\",\"instructions\":{},\"storage\":{{",
            cpu.fpc, cpu.instructions
        );
        for (i, (addr, h)) in dumps.iter().enumerate() {
            let _ = write!(
                out,
                "{}\"{addr:08X}\":\"{h}\"",
                if i > 0 { "," } else { "" }
            );
        }
        out.push_str("},\"diagnose\":{");
        for (i, (code, n)) in cpu.diag_counts.iter().enumerate() {
            let _ = write!(out, "{}\"{code:04X}\":{n}", if i > 0 { "," } else { "" });
        }
        out.push_str("},\"hypercalls\":{");
        for (i, (code, h)) in vm.cp.hypercalls.iter().enumerate() {
            let _ = write!(
                out,
                "{}\"{code:04X}\":{{\"calls\":{},\"host_ns\":{},\"instructions_between\":{}}}",
                if i > 0 { "," } else { "" },
                h.calls,
                h.host.as_nanos(),
                h.instructions_between
            );
        }
        let _ = write!(out, "}},\"io_interruptions\":{}", vm.cp.io_reflected);
        out.push_str(",\"program_check\":");
        match cpu.last_program_check {
            Some(pc) => {
                let _ = write!(
                    out,
                    "{{\"code\":\"{:04X}\",\"name\":\"{}\",\"ilc\":{},\"old_psw\":\"{:016X}\"}}",
                    pc.code,
                    program_interruption_name(pc.code),
                    pc.ilc / 2,
                    pc.old_psw.to_u64(cpu.arch)
                );
            }
            None => out.push_str("null"),
        }
        out.push('}');
        println!("{out}");
    } else {
        let _ = writeln!(out, "stop:         {name}");
        let _ = writeln!(out, "PSW:          {:08X} {:08X}", psw >> 32, psw as u32);
        if ipl_valid.is_err() {
            let _ = writeln!(
                out,
                "              (the start PSW, the doubleword at absolute 0, is not valid)"
            );
        }
        if let Some(pc) = cpu.last_program_check {
            let old = pc.old_psw.to_u64(cpu.arch);
            let _ = writeln!(
                out,
                "program check: code X'{:04X}' {}, ILC {} ({} bytes), old PSW {:08X} {:08X}",
                pc.code,
                program_interruption_name(pc.code),
                pc.ilc / 2,
                pc.ilc,
                old >> 32,
                old as u32
            );
        }
        for row in 0..4 {
            let _ = write!(out, "GR{:<2}-GR{:<2}:  ", row * 4, row * 4 + 3);
            for i in 0..4 {
                let _ = write!(out, "{:08X} ", cpu.gpr[row * 4 + i]);
            }
            out.pop();
            out.push('\n');
        }
        for row in 0..4 {
            let _ = write!(out, "FPR{:<2}-FPR{:<2}:", row * 4, row * 4 + 3);
            for i in 0..4 {
                let _ = write!(out, " {:016X}", cpu.fpr[row * 4 + i]);
            }
            out.push('\n');
        }
        let _ = writeln!(out, "instructions: {}", cpu.instructions);
        let (regions, killed, time) = cpu.jit_stats();
        let _ = writeln!(
            out,
            "regions compiled: {regions} ({killed} entries killed by stores) in {:.1} ms",
            time.as_secs_f64() * 1e3
        );
        for (addr, h) in &dumps {
            let _ = writeln!(out, "storage {addr:08X}: {h}");
        }
        for (code, n) in &cpu.diag_counts {
            let _ = writeln!(out, "DIAGNOSE X'{code:03X}': {n}");
        }
        for (code, h) in &vm.cp.hypercalls {
            let _ = writeln!(
                out,
                "hypercalls X'{code:03X}': {} calls, {:.3} ms in CP, {} guest instructions between",
                h.calls,
                h.host.as_secs_f64() * 1e3,
                h.instructions_between
            );
        }
        let _ = writeln!(out, "I/O interruptions reflected: {}", vm.cp.io_reflected);
        print!("{out}");
    }
    ExitCode::from(code)
}
