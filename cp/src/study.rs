//! `vm390 study`: the paravirtualization experiment (issue #15). The same guest work runs
//! along the paravirtual path (a DIAGNOSE hypercall, CP doing the I/O) and the fully
//! virtual one (a channel program started with START I/O that CP interprets, an I/O
//! interruption reflected to the guest); the data both leave on disk must be the same,
//! and what each path cost is measured per operation and written as a report.
//!
//! The experiment of this version: **block I/O on a CKD minidisk, S/370** with the guest
//! `guests/study/blockio.asm` (BLOCKIO): N blocks of 800 bytes written, then read back and
//! checked, by DIAGNOSE X'18' (as CMS's DMSDIO does, GC20-1807-7 "DIAGNOSE Code X'18'") or
//! by SIO with the same SEEK / SEARCH ID EQUAL / TIC / READ-WRITE DATA chain
//! (GA22-7000 "START I/O"). Per operation: guest instructions, entries into CP
//! (DIAGNOSEs, I/O instructions, I/O interruptions), and host time (the median of
//! repeated runs). The CP code of each path is counted in lines, by function and file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use s390_decoder::Arch;

use crate::dasd::{self, DasdError};
use crate::storage::{AbsAddr, Storage};
use crate::unattended::{AttachError, ConsoleSink};
use crate::vm::Vm;

/// The BLOCKIO guest, assembled from `guests/study/blockio.asm` by the build script.
pub static BLOCKIO: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/study_blockio.bin"));
/// The CONSOLE guest, assembled from `guests/study/console.asm`.
pub static CONSOLE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/study_console.bin"));

/// The study guests' parameters and results (`guests/study/studylow.asm`, at X'300').
mod at {
    pub const MODE: u32 = 0x300;
    pub const NUNITS: u32 = 0x304;
    pub const VDEV: u32 = 0x308;
    pub const OPS: u32 = 0x30C;
    pub const ERRORS: u32 = 0x310;
    pub const LASTCC: u32 = 0x314;
    pub const TODS: u32 = 0x318;
}

/// The minidisk's device address.
const VDEV: u16 = 0x191;
/// 800-byte blocks on a 3350 track, tracks in a cylinder (`dasd::create::cms_layout`).
const BLOCKS_PER_TRACK: u32 = 19;
const TRACKS_PER_CYLINDER: u32 = 30;
/// The largest work: 10,000 blocks (the range).
pub const MAX_BLOCKS: u32 = 10_000;
/// Guest instructions a run may take before it counts as hung.
const INSTRUCTION_LIMIT: u64 = 2_000_000_000;
/// The wait PSW address BLOCKIO ends with when it is done.
const DONE: u32 = 0x600D;

/// The two ways to the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IoPath {
    /// DIAGNOSE X'18': one hypercall per block.
    Diagnose,
    /// START I/O with a CKD channel program, an enabled wait, the I/O interruption.
    StartIo,
}

impl IoPath {
    /// BLOCKIO's MODE word.
    fn mode(self) -> u32 {
        match self {
            IoPath::Diagnose => 0,
            IoPath::StartIo => 1,
        }
    }

    /// The name in the report.
    pub fn name(self) -> &'static str {
        match self {
            IoPath::Diagnose => "DIAGNOSE X'18'",
            IoPath::StartIo => "START I/O",
        }
    }

    /// The name in the console table.
    pub fn console_name(self) -> &'static str {
        match self {
            IoPath::Diagnose => "DIAGNOSE X'58'",
            IoPath::StartIo => "START I/O",
        }
    }

    fn file_tag(self) -> &'static str {
        match self {
            IoPath::Diagnose => "diag18",
            IoPath::StartIo => "sio",
        }
    }
}

/// Why the study could not be made.
#[derive(Debug)]
pub enum StudyError {
    /// A file of the study could not be written or read.
    Io(PathBuf, std::io::Error),
    /// The scratch minidisk could not be made or read.
    Disk(DasdError),
    /// The scratch minidisk could not be attached.
    Attach(AttachError),
    /// The guest did not do what it should (a vm390 defect: the report would be wrong).
    Guest(String),
    /// The two paths left different data on disk.
    DataDiffers {
        /// Units of the work (blocks or lines).
        units: u32,
        /// The first unit that differs.
        first: u32,
    },
}

impl std::fmt::Display for StudyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StudyError::Io(p, e) => write!(f, "{}: {e}", p.display()),
            StudyError::Disk(e) => write!(f, "scratch minidisk: {e}"),
            StudyError::Attach(e) => write!(f, "scratch minidisk: {e}"),
            StudyError::Guest(s) => write!(f, "the study guest: {s}"),
            StudyError::DataDiffers { units, first } => write!(
                f,
                "the two paths left different data ({units} blocks or lines; number {first} first)"
            ),
        }
    }
}

impl std::error::Error for StudyError {}

impl From<DasdError> for StudyError {
    fn from(e: DasdError) -> StudyError {
        StudyError::Disk(e)
    }
}

/// What one run of BLOCKIO cost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    /// The path taken.
    pub path: IoPath,
    /// Units of the work: blocks written and read, or console lines.
    pub units: u32,
    /// Operations: a write and a read per block.
    pub ops: u64,
    /// Guest instructions of the whole run.
    pub instructions: u64,
    /// DIAGNOSEs the guest gave.
    pub diagnoses: u64,
    /// I/O instructions CP carried out (SIO, TIO, ...).
    pub io_instructions: u64,
    /// I/O interruptions reflected to the guest.
    pub interruptions: u64,
    /// Host time of the run (the guest's part: IPL PSW to the final wait).
    pub host: Duration,
    /// The write pass and the read pass, by the guest's TOD clock.
    pub write_pass: Duration,
    /// See `write_pass`.
    pub read_pass: Duration,
}

impl Sample {
    /// Entries into CP: DIAGNOSEs, I/O instructions and I/O interruptions.
    pub fn cp_entries(&self) -> u64 {
        self.diagnoses + self.io_instructions + self.interruptions
    }

    fn per_op(&self, n: u64) -> f64 {
        n as f64 / self.ops.max(1) as f64
    }

    /// Host nanoseconds per operation.
    pub fn host_ns_per_op(&self) -> f64 {
        self.host.as_nanos() as f64 / self.ops.max(1) as f64
    }

    /// Nanoseconds per block of the write pass and of the read pass.
    pub fn pass_ns_per_block(&self) -> (f64, f64) {
        let n = f64::from(self.units.max(1));
        (
            self.write_pass.as_nanos() as f64 / n,
            self.read_pass.as_nanos() as f64 / n,
        )
    }
}

/// What block `b` holds after BLOCKIO wrote it: `b`, then X'C1C2C3C4' + 4 x word index.
pub fn expected_block(b: u32) -> Vec<u8> {
    let mut v = Vec::with_capacity(800);
    v.extend_from_slice(&b.to_be_bytes());
    for i in 1..200u32 {
        v.extend_from_slice(&0xC1C2_C3C4u32.wrapping_add(4 * (i - 1)).to_be_bytes());
    }
    v
}

/// Cylinder, head and record of block `b` (BLOCKIO leaves cylinder 0 alone).
fn place(b: u32) -> (u16, u16, u8) {
    let track = b / BLOCKS_PER_TRACK;
    (
        (1 + track / TRACKS_PER_CYLINDER) as u16,
        (track % TRACKS_PER_CYLINDER) as u16,
        (b % BLOCKS_PER_TRACK + 1) as u8,
    )
}

/// Runs BLOCKIO once along `path` for `blocks` blocks on a new scratch minidisk in `dir`
/// (removed again); the cost, and the blocks' data as the image file holds them after the
/// run.
pub fn run_blockio(
    path: IoPath,
    blocks: u32,
    dir: &Path,
) -> Result<(Sample, Vec<Vec<u8>>), StudyError> {
    let image = dir.join(format!("blockio-{}-{blocks}.cckd", path.file_tag()));
    let cylinders = 2 + blocks / (BLOCKS_PER_TRACK * TRACKS_PER_CYLINDER);
    dasd::create_cms_minidisk(&image, 3350, cylinders as u16, "STUDY")?;
    let result = run_on(path, blocks, &image);
    let _ = std::fs::remove_file(&image);
    result
}

/// Which guest work a run does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Experiment {
    /// BLOCKIO: blocks written and read back on a CKD minidisk (2 operations a block).
    BlockIo,
    /// CONSOLE: lines written to the 3215 console (1 operation a line).
    Console,
}

impl Experiment {
    fn guest(self) -> (&'static str, &'static [u8]) {
        match self {
            Experiment::BlockIo => ("BLOCKIO", BLOCKIO),
            Experiment::Console => ("CONSOLE", CONSOLE),
        }
    }

    fn ops_per_unit(self) -> u64 {
        match self {
            Experiment::BlockIo => 2,
            Experiment::Console => 1,
        }
    }
}

/// Runs `experiment`'s guest along `path` for `units` blocks or lines in a virtual machine
/// whose console goes to `sink`; `setup` attaches what the guest needs. The virtual
/// machine is given back for the caller to read what the guest left.
fn run_guest(
    experiment: Experiment,
    path: IoPath,
    units: u32,
    sink: ConsoleSink,
    setup: impl FnOnce(&mut Vm) -> Result<(), StudyError>,
) -> Result<(Sample, Vm), StudyError> {
    let guest = |s: String| StudyError::Guest(s);
    let (name, image) = experiment.guest();
    let mem = Storage::new(1 << 20).map_err(|e| guest(e.to_string()))?;
    let mut vm = Vm::unattended(Arch::S370, mem, sink);
    vm.cpu
        .mem
        .load(AbsAddr(0), image)
        .map_err(|_| guest(format!("{name} does not fit in 1M")))?;
    let vdev = match experiment {
        Experiment::BlockIo => VDEV,
        Experiment::Console => crate::unattended::CONSOLE,
    };
    for (a, v) in [
        (at::MODE, path.mode()),
        (at::NUNITS, units),
        (at::VDEV, u32::from(vdev)),
    ] {
        vm.cpu.mem.bytes_mut()[a as usize..a as usize + 4].copy_from_slice(&v.to_be_bytes());
    }
    setup(&mut vm)?;
    vm.cpu
        .ipl_psw()
        .map_err(|s| guest(format!("{name}: no valid IPL PSW ({s:?})")))?;
    let start = Instant::now();
    let stop = vm.cpu.run(&mut vm.cp, INSTRUCTION_LIMIT);
    let host = start.elapsed();
    vm.cp.flush_minidisks().map_err(guest)?;
    let word = |a: u32| {
        let b = &vm.cpu.mem.bytes()[a as usize..a as usize + 4];
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    };
    let ia = vm.cpu.psw.ia;
    if stop != crate::cpu::Stop::DisabledWait || ia != DONE {
        return Err(guest(format!(
            "{name} stopped ({stop:?}) at {ia:06X}, not at the wait X'{DONE:X}'"
        )));
    }
    if word(at::ERRORS) != 0 {
        return Err(guest(format!(
            "{name}: {} operations failed (last condition code {})",
            word(at::ERRORS),
            word(at::LASTCC)
        )));
    }
    let ops = u64::from(word(at::OPS));
    let want = experiment.ops_per_unit() * u64::from(units);
    if ops != want {
        return Err(guest(format!("{name}: {ops} operations, not {want}")));
    }
    let tod = |a: u32| {
        let b = &vm.cpu.mem.bytes()[a as usize..a as usize + 8];
        // TOD clock bit 51 is one microsecond.
        u64::from_be_bytes(b.try_into().unwrap_or([0; 8])) >> 12
    };
    let (t0, t1, t2) = (tod(at::TODS), tod(at::TODS + 8), tod(at::TODS + 16));
    let (first, second) = match experiment {
        // Write pass, read pass.
        Experiment::BlockIo => (t1.saturating_sub(t0), t2.saturating_sub(t1)),
        // One pass.
        Experiment::Console => (t2.saturating_sub(t0), 0),
    };
    let sample = Sample {
        path,
        units,
        ops,
        instructions: vm.cpu.instructions,
        diagnoses: vm.cp.hypercalls.values().map(|h| h.calls).sum(),
        io_instructions: vm.cp.io_instructions,
        interruptions: vm.cp.io_reflected,
        host,
        write_pass: Duration::from_micros(first),
        read_pass: Duration::from_micros(second),
    };
    Ok((sample, vm))
}

fn run_on(path: IoPath, blocks: u32, image: &Path) -> Result<(Sample, Vec<Vec<u8>>), StudyError> {
    let (sample, vm) = run_guest(
        Experiment::BlockIo,
        path,
        blocks,
        ConsoleSink::Stderr,
        |vm| {
            vm.cp
                .attach_full_pack(VDEV, image, false)
                .map_err(StudyError::Attach)
        },
    )?;
    // The image is read by itself, after the virtual machine has let go of it.
    drop(vm);
    let mut img = dasd::open(image, true)?;
    let mut data = Vec::with_capacity(blocks as usize);
    for b in 0..blocks {
        let (cyl, head, rec) = place(b);
        let track = img.read_track(cyl, head)?;
        let r = track.records.iter().find(|r| r.rec == rec);
        data.push(r.map(|r| r.data.clone()).unwrap_or_default());
    }
    Ok((sample, data))
}

/// Runs CONSOLE once along `path` for `lines` lines; the cost, and the lines the console
/// showed.
pub fn run_console(path: IoPath, lines: u32) -> Result<(Sample, Vec<Vec<u8>>), StudyError> {
    let (sink, shown) = ConsoleSink::capture();
    let (sample, vm) = run_guest(Experiment::Console, path, lines, sink, |vm| {
        // The fully virtual path needs the 3215 as a device (an unattended virtual
        // machine's console is output only otherwise).
        vm.cp.add(
            crate::unattended::CONSOLE,
            Box::new(crate::io::devices::console::Console::new(3215)),
        );
        Ok(())
    })?;
    drop(vm);
    let shown = shown.lock().map(|l| l.clone()).unwrap_or_default();
    Ok((sample, shown.into_iter().map(String::into_bytes).collect()))
}

/// What line `n` of CONSOLE says.
pub fn expected_line(n: u32) -> Vec<u8> {
    format!("STUDY LINE {n:08} {}", ".".repeat(60)).into_bytes()
}

/// One size of the work, both paths: the median run of each.
#[derive(Clone, Debug)]
pub struct Row {
    /// Units of the work (blocks or lines).
    pub units: u32,
    /// The DIAGNOSE X'18' run of median host time.
    pub diag: Sample,
    /// The START I/O run of median host time.
    pub sio: Sample,
}

/// The sizes of the work up to `max`: 1, 10, 100, ... and `max` itself.
pub fn sizes(max: u32) -> Vec<u32> {
    let mut v: Vec<u32> = std::iter::successors(Some(1u32), |n| n.checked_mul(10))
        .take_while(|&n| n <= max)
        .collect();
    if v.last() != Some(&max) && max > 0 {
        v.push(max);
    }
    v
}

/// Runs the block-I/O experiment for every size up to `max_blocks`, `runs` times each
/// path, checking that both paths leave the blocks BLOCKIO wrote; `dir` holds the scratch
/// minidisks while they are used.
pub fn blockio_rows(max_blocks: u32, runs: usize, dir: &Path) -> Result<Vec<Row>, StudyError> {
    rows(
        max_blocks,
        runs,
        |path, n| run_blockio(path, n, dir),
        expected_block,
    )
}

/// The console-output experiment for every size up to `max_lines`, as [`blockio_rows`]:
/// both paths must show the lines CONSOLE wrote.
pub fn console_rows(max_lines: u32, runs: usize) -> Result<Vec<Row>, StudyError> {
    rows(max_lines, runs, run_console, expected_line)
}

/// Every size up to `max`, both paths, `runs` runs each (the median kept), the data each
/// run left compared with `expected` unit by unit.
fn rows(
    max: u32,
    runs: usize,
    run: impl Fn(IoPath, u32) -> Result<(Sample, Vec<Vec<u8>>), StudyError>,
    expected: impl Fn(u32) -> Vec<u8>,
) -> Result<Vec<Row>, StudyError> {
    let mut rows = Vec::new();
    for units in sizes(max.min(MAX_BLOCKS)) {
        let median = |path: IoPath| -> Result<(Sample, Vec<Vec<u8>>), StudyError> {
            let mut all = Vec::new();
            for _ in 0..runs.max(1) {
                all.push(run(path, units)?);
            }
            // Every run does the same work: the counts must agree.
            let first = &all[0].0;
            if let Some((s, _)) = all.iter().find(|(s, _)| {
                (s.instructions, s.cp_entries()) != (first.instructions, first.cp_entries())
            }) {
                return Err(StudyError::Guest(format!(
                    "runs of {} with {units} units differ: {first:?} and {s:?}",
                    path.name(),
                )));
            }
            all.sort_by_key(|(s, _)| s.host);
            Ok(all.swap_remove(all.len() / 2))
        };
        let (diag, diag_data) = median(IoPath::Diagnose)?;
        let (sio, sio_data) = median(IoPath::StartIo)?;
        for u in 0..units {
            let want = expected(u);
            if diag_data.get(u as usize) != Some(&want) || sio_data.get(u as usize) != Some(&want) {
                return Err(StudyError::DataDiffers { units, first: u });
            }
        }
        if diag_data.len() != sio_data.len() {
            return Err(StudyError::DataDiffers {
                units,
                first: units,
            });
        }
        rows.push(Row { units, diag, sio });
    }
    Ok(rows)
}

/// One function of CP's source that a path runs.
struct PathCode {
    /// The file, from the workspace root.
    file: &'static str,
    /// Its text (embedded at build time).
    text: &'static str,
    /// The function.
    function: &'static str,
}

macro_rules! code {
    ($file:literal, $function:literal) => {
        PathCode {
            file: $file,
            text: include_str!(concat!("../../", $file)),
            function: $function,
        }
    };
}

/// The CP code of the DIAGNOSE X'18' path: the handler, CP's side, the channel program.
fn diag18_code() -> Vec<PathCode> {
    vec![
        code!("diagnose/src/handlers.rs", "diag_018"),
        code!("cp/src/vm.rs", "dasd_io"),
        code!("cp/src/io/dasd.rs", "diag18"),
    ]
}

/// The CP code every START I/O runs: the I/O instruction, the channel program, the CSW and
/// the interruption.
fn sio_channel_code() -> Vec<PathCode> {
    vec![
        code!("cp/src/vm.rs", "s370_io"),
        code!("cp/src/vm.rs", "start_chain"),
        code!("cp/src/vm.rs", "take_io_interrupt"),
        code!("cp/src/vm.rs", "store_csw"),
        code!("cp/src/io/mod.rs", "run_chain"),
        code!("cp/src/io/device.rs", "run_device_chain"),
    ]
}

/// The CP code of the START I/O path to the minidisk: the channel, the CKD commands.
fn sio_code() -> Vec<PathCode> {
    let mut v = sio_channel_code();
    v.push(code!("cp/src/io/dasd.rs", "start"));
    v.push(code!("cp/src/io/dasd.rs", "channel_command"));
    v
}

/// The CP code of the DIAGNOSE X'58' console path.
fn diag58_code() -> Vec<PathCode> {
    vec![
        code!("diagnose/src/display.rs", "diag_058"),
        code!("diagnose/src/display.rs", "display_rows"),
        code!("cp/src/vm.rs", "console_display"),
    ]
}

/// The CP code of the START I/O path to the console: the channel, the 3215's commands.
fn sio_console_code() -> Vec<PathCode> {
    let mut v = sio_channel_code();
    v.push(code!("cp/src/io/devices/console.rs", "start"));
    v
}

/// Lines of the function `function` in `text` (from its `fn` line to the closing brace at
/// its indentation), not counting blank and comment lines; 0 if it is not found.
fn function_lines(text: &str, function: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let head = format!("fn {function}(");
    let Some(first) = lines.iter().position(|l| {
        let t = l.trim_start();
        t.starts_with(&head) || t.contains(&format!(" {head}"))
    }) else {
        return 0;
    };
    let indent = lines[first].len() - lines[first].trim_start().len();
    let end = lines[first..]
        .iter()
        .position(|l| l.len() - l.trim_start().len() == indent && l.trim() == "}")
        .map_or(lines.len(), |n| first + n);
    lines[first..=end.min(lines.len() - 1)]
        .iter()
        .filter(|l| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with("//")
        })
        .count()
}

/// Makes `out` ready for the report: created if it does not exist; refused if it holds
/// anything (the study never replaces a file it did not make).
pub fn prepare_out(out: &Path) -> Result<(), StudyError> {
    let io = |e| StudyError::Io(out.to_path_buf(), e);
    match std::fs::read_dir(out) {
        Ok(mut d) => {
            if d.next().is_some() {
                return Err(io(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "not empty; the study writes only into a new or empty directory",
                )));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(out).map_err(io)
        }
        Err(e) => Err(io(e)),
    }
}

/// Writes `REPORT.md`, `blockio.csv` and the plots `blockio-read.svg`,
/// `blockio-write.svg` and `blockio-instructions.svg` into `out` (which must not exist yet, or be empty: nothing
/// is replaced); the files written.
pub fn write_report(
    out: &Path,
    rows: &[Row],
    console: &[Row],
    runs: usize,
) -> Result<Vec<PathBuf>, StudyError> {
    let io = |p: &Path, e| StudyError::Io(p.to_path_buf(), e);
    prepare_out(out)?;
    let files = [
        ("REPORT.md", report_md(rows, console, runs)),
        ("blockio.csv", csv(rows)),
        ("console.csv", csv(console)),
        (
            "console-host.svg",
            svg_plot(
                "Console output, S/370: host time per line",
                "host ns per line",
                Experiment::Console,
                console,
                |s| s.host_ns_per_op(),
            ),
        ),
        (
            "blockio-read.svg",
            svg_plot(
                "Block I/O, S/370: host time per block read",
                "ns per block read",
                Experiment::BlockIo,
                rows,
                |s| s.pass_ns_per_block().1,
            ),
        ),
        (
            "blockio-write.svg",
            svg_plot(
                "Block I/O, S/370: host time per block written",
                "ns per block written",
                Experiment::BlockIo,
                rows,
                |s| s.pass_ns_per_block().0,
            ),
        ),
        (
            "blockio-instructions.svg",
            svg_plot(
                "Block I/O, S/370: guest instructions per operation",
                "guest instructions per operation",
                Experiment::BlockIo,
                rows,
                |s| s.per_op(s.instructions),
            ),
        ),
    ];
    let mut written = Vec::new();
    for (name, text) in files {
        let p = out.join(name);
        let mut f = std::fs::File::create_new(&p).map_err(|e| io(&p, e))?;
        std::io::Write::write_all(&mut f, text.as_bytes()).map_err(|e| io(&p, e))?;
        written.push(p);
    }
    Ok(written)
}

/// The console table of the report.
pub fn console_table(rows: &[Row]) -> String {
    experiment_table(rows, Experiment::Console)
}

/// The main table of the report (also the closing note's).
pub fn table(rows: &[Row]) -> String {
    experiment_table(rows, Experiment::BlockIo)
}

/// A row per size and path: the counts per operation and the host time; for block I/O the
/// two passes too.
fn experiment_table(rows: &[Row], experiment: Experiment) -> String {
    let passes = experiment == Experiment::BlockIo;
    let mut s = format!(
        "| {} | path | guest instr./op | CP entries/op | DIAG/op | I/O instr./op | I/O int./op | host ns/op |{}\n\
         |---:|---|---:|---:|---:|---:|---:|---:|{}\n",
        if passes { "blocks" } else { "lines" },
        if passes { " write ns/block | read ns/block |" } else { "" },
        if passes { "---:|---:|" } else { "" },
    );
    for r in rows {
        for x in [&r.diag, &r.sio] {
            let name = match experiment {
                Experiment::BlockIo => x.path.name(),
                Experiment::Console => x.path.console_name(),
            };
            let _ = write!(
                s,
                "| {} | {name} | {:.1} | {:.2} | {:.2} | {:.2} | {:.2} | {:.0} |",
                r.units,
                x.per_op(x.instructions),
                x.per_op(x.cp_entries()),
                x.per_op(x.diagnoses),
                x.per_op(x.io_instructions),
                x.per_op(x.interruptions),
                x.host_ns_per_op(),
            );
            if passes {
                let (w, rd) = x.pass_ns_per_block();
                let _ = write!(s, " {w:.0} | {rd:.0} |");
            }
            s.push('\n');
        }
    }
    s
}

fn code_table(title: &str, code: &[PathCode]) -> (String, usize) {
    let mut s = format!("{title}:\n\n| file | function | lines |\n|---|---|---:|\n");
    let mut total = 0;
    for c in code {
        let n = function_lines(c.text, c.function);
        total += n;
        let _ = writeln!(s, "| `{}` | `{}` | {n} |", c.file, c.function);
    }
    let _ = writeln!(s, "| | **total** | **{total}** |");
    (s, total)
}

fn report_md(rows: &[Row], console: &[Row], runs: usize) -> String {
    let mut s = String::from("# vm390 study: paravirtual against fully virtual I/O\n\n");
    let _ = writeln!(
        s,
        "Made by `vm390 study` (vm390 {}), the median of {runs} run(s) per path and size. \
         What is measured and how: `docs/paravirtualization.md` in the vm390 sources.\n",
        env!("CARGO_PKG_VERSION")
    );
    s.push_str(
        "## Block I/O on a CKD minidisk, S/370\n\n\
         The guest BLOCKIO writes N blocks of 800 bytes to a CMS-formatted 3350 minidisk and \
         reads them back, one block an operation (2N operations), by DIAGNOSE X'18' (the \
         paravirtual path CMS takes) or by START I/O with the same CKD channel program and an \
         enabled wait for the I/O interruption (the fully virtual path). Both runs left the \
         same data on the disk, the blocks BLOCKIO wrote, for every size below (checked by \
         reading the image files).\n\n",
    );
    s.push_str(&table(rows));
    s.push_str(
        "\nHost ns/op is the whole run (IPL PSW to the final wait) over the operations; write \
         and read ns/block are the two passes by the guest's TOD clock (STCK, microseconds). \
         A write goes through to the image file (a whole track, compressed, per block: the \
         host's file system dominates it); a read after the first of a track is served from \
         the minidisk's track cache, so the read pass shows what each path costs in CP.\n\n\
         Plots: `blockio-read.svg`, `blockio-write.svg` (host time per block) and \
         `blockio-instructions.svg` (guest instructions per operation) against the number of \
         blocks; the numbers are in `blockio.csv`.\n\n",
    );
    s.push_str("## The CP code of each path\n\n");
    let (d, dn) = code_table("DIAGNOSE X'18'", &diag18_code());
    let (o, on) = code_table("START I/O", &sio_code());
    s.push_str(&d);
    s.push('\n');
    s.push_str(&o);
    let _ = writeln!(
        s,
        "\nLines are code lines (no blank or comment lines) of the functions each path runs \
         that the other does not; both share the minidisk's track cache and write-through. \
         START I/O takes {on} lines against DIAGNOSE X'18''s {dn}.\n"
    );
    s.push_str(
        "## Console output, S/370\n\n\
         The guest CONSOLE writes N lines of 80 characters to the virtual console at 009, one \
         line an operation, by DIAGNOSE X'58' with a CCW X'19' (display; on a line console CP \
         shows the row as a line) or by START I/O of a 3215 WRITE with carrier return (CCW \
         X'09') and an enabled wait for the interruption. Both showed the same lines, the \
         ones CONSOLE wrote, for every size below (checked on the captured console).\n\n",
    );
    s.push_str(&console_table(console));
    s.push_str("\nPlot: `console-host.svg`; the numbers are in `console.csv`.\n\n");
    let (d, dn) = code_table("DIAGNOSE X'58'", &diag58_code());
    let (o, on) = code_table("START I/O to the 3215", &sio_console_code());
    s.push_str(&d);
    s.push('\n');
    s.push_str(&o);
    let _ = writeln!(
        s,
        "\nSTART I/O takes {on} lines against DIAGNOSE X'58''s {dn}.\n"
    );
    s.push_str(
        "## Not measured yet\n\n\
         ESA/390 block I/O (DIAGNOSE X'250' against START SUBCHANNEL: vm390 has no channel \
         subsystem yet) and messages between two virtual machines (VMCF against a \
         channel-to-channel adapter).\n",
    );
    s
}

fn csv(rows: &[Row]) -> String {
    let mut s = String::from(
        "blocks,path,ops,guest_instructions,diagnoses,io_instructions,io_interruptions,host_ns,write_pass_ns,read_pass_ns\n",
    );
    for r in rows {
        for x in [&r.diag, &r.sio] {
            let _ = writeln!(
                s,
                "{},{},{},{},{},{},{},{},{},{}",
                r.units,
                x.path.file_tag(),
                x.ops,
                x.instructions,
                x.diagnoses,
                x.io_instructions,
                x.interruptions,
                x.host.as_nanos(),
                x.write_pass.as_nanos(),
                x.read_pass.as_nanos()
            );
        }
    }
    s
}

/// A line plot of `value` for both paths against the number of blocks, both axes
/// logarithmic, as an SVG document.
fn svg_plot(
    title: &str,
    ylabel: &str,
    experiment: Experiment,
    rows: &[Row],
    value: impl Fn(&Sample) -> f64,
) -> String {
    const W: f64 = 640.0;
    const H: f64 = 400.0;
    const L: f64 = 80.0;
    const R: f64 = 160.0;
    const T: f64 = 40.0;
    const B: f64 = 50.0;
    let pts: Vec<(f64, f64, f64)> = rows
        .iter()
        .map(|r| {
            (
                f64::from(r.units).max(1.0),
                value(&r.diag).max(1e-3),
                value(&r.sio).max(1e-3),
            )
        })
        .collect();
    let decade = |v: f64, up: bool| {
        let l = v.log10();
        if up {
            l.ceil()
        } else {
            l.floor()
        }
    };
    let x0 = 0.0;
    let x1 = decade(pts.iter().map(|p| p.0).fold(10.0, f64::max), true).max(1.0);
    let ys = pts.iter().flat_map(|p| [p.1, p.2]);
    let y0 = decade(ys.clone().fold(f64::MAX, f64::min).min(1e9), false);
    let y1 = decade(ys.fold(1e-3, f64::max), true).max(y0 + 1.0);
    let px = |x: f64| L + (x.log10() - x0) / (x1 - x0) * (W - L - R);
    let py = |y: f64| H - B - (y.log10() - y0) / (y1 - y0) * (H - T - B);
    let xlabel = match experiment {
        Experiment::BlockIo => "blocks written and read",
        Experiment::Console => "lines written",
    };
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" \
         font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"{W}\" height=\"{H}\" fill=\"white\"/>\n\
         <text x=\"{}\" y=\"24\" text-anchor=\"middle\" font-size=\"14\">{title}</text>\n",
        W / 2.0
    );
    // Axes, decades and labels.
    let _ = writeln!(
        s,
        "<path d=\"M{L} {T} V{} H{}\" stroke=\"black\" fill=\"none\"/>",
        H - B,
        W - R
    );
    for d in (x0 as i32)..=(x1 as i32) {
        let x = px(10f64.powi(d));
        let _ = writeln!(
            s,
            "<path d=\"M{x:.1} {} v5\" stroke=\"black\"/><text x=\"{x:.1}\" y=\"{}\" \
             text-anchor=\"middle\">{}</text>",
            H - B,
            H - B + 18.0,
            10u64.pow(d as u32)
        );
    }
    for d in (y0 as i32)..=(y1 as i32) {
        let y = py(10f64.powi(d));
        let _ = writeln!(
            s,
            "<path d=\"M{} {y:.1} h5\" stroke=\"black\"/><path d=\"M{L} {y:.1} H{}\" \
             stroke=\"#ddd\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">1e{d}</text>",
            L - 5.0,
            W - R,
            L - 8.0,
            y + 4.0
        );
    }
    let _ = writeln!(
        s,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{xlabel}</text>\n\
         <text x=\"16\" y=\"{}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {})\">{ylabel}</text>",
        (L + W - R) / 2.0,
        H - 12.0,
        (T + H - B) / 2.0,
        (T + H - B) / 2.0
    );
    let (diag_name, sio_name) = match experiment {
        Experiment::BlockIo => (IoPath::Diagnose.name(), IoPath::StartIo.name()),
        Experiment::Console => (
            IoPath::Diagnose.console_name(),
            IoPath::StartIo.console_name(),
        ),
    };
    for (i, (name, colour)) in [(diag_name, "#1f77b4"), (sio_name, "#d62728")]
        .iter()
        .enumerate()
    {
        let line: Vec<String> = pts
            .iter()
            .map(|p| {
                let v = if i == 0 { p.1 } else { p.2 };
                format!("{:.1},{:.1}", px(p.0), py(v))
            })
            .collect();
        let _ = writeln!(
            s,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>",
            line.join(" ")
        );
        for pt in &line {
            let (x, y) = pt.split_once(',').unwrap_or(("0", "0"));
            let _ = writeln!(
                s,
                "<circle cx=\"{x}\" cy=\"{y}\" r=\"3\" fill=\"{colour}\"/>"
            );
        }
        let ly = T + 20.0 + 20.0 * i as f64;
        let _ = writeln!(
            s,
            "<path d=\"M{} {ly} h20\" stroke=\"{colour}\" stroke-width=\"2\"/>\
             <text x=\"{}\" y=\"{}\">{name}</text>",
            W - R + 10.0,
            W - R + 36.0,
            ly + 4.0
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_placed_from_cylinder_1_on() {
        assert_eq!(place(0), (1, 0, 1));
        assert_eq!(place(18), (1, 0, 19));
        assert_eq!(place(19), (1, 1, 1));
        assert_eq!(place(19 * 30), (2, 0, 1));
    }

    #[test]
    fn sizes_are_decades_and_the_maximum() {
        assert_eq!(sizes(1), [1]);
        assert_eq!(sizes(10), [1, 10]);
        assert_eq!(sizes(250), [1, 10, 100, 250]);
        assert_eq!(sizes(10_000), [1, 10, 100, 1000, 10_000]);
    }

    #[test]
    fn function_lines_counts_code_lines_of_one_function() {
        let text = "fn a() {\n    // note\n\n    x();\n}\n\nfn b(y: u8) {\n    if y {\n        z();\n    }\n}\n";
        assert_eq!(function_lines(text, "a"), 3);
        assert_eq!(function_lines(text, "b"), 5);
        assert_eq!(function_lines(text, "c"), 0);
        // Every function the report names exists.
        for c in [diag18_code(), sio_code(), diag58_code(), sio_console_code()]
            .iter()
            .flatten()
        {
            assert!(
                function_lines(c.text, c.function) > 2,
                "{} {}",
                c.file,
                c.function
            );
        }
    }

    /// Both paths, a few blocks: the same data, the blocks BLOCKIO wrote; one DIAGNOSE
    /// per operation on one path, one SIO and one interruption per operation on the other.
    #[test]
    fn both_paths_leave_the_same_blocks() {
        let t = tempfile::tempdir().unwrap();
        let rows = blockio_rows(25, 1, t.path()).unwrap();
        assert_eq!(
            rows.iter().map(|r| r.units).collect::<Vec<_>>(),
            [1, 10, 25]
        );
        let r = &rows[2];
        assert_eq!((r.diag.ops, r.sio.ops), (50, 50));
        assert_eq!(r.diag.diagnoses, 50);
        assert_eq!((r.diag.io_instructions, r.diag.interruptions), (0, 0));
        assert_eq!(r.sio.diagnoses, 0);
        assert_eq!((r.sio.io_instructions, r.sio.interruptions), (50, 50));
        // Nothing is left behind in the scratch directory.
        assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 0);
    }

    /// Console output, both paths: the same lines; a DIAGNOSE per line on one path, an
    /// SIO and an interruption per line on the other.
    #[test]
    fn both_paths_show_the_same_lines() {
        let rows = console_rows(12, 1).unwrap();
        assert_eq!(
            rows.iter().map(|r| r.units).collect::<Vec<_>>(),
            [1, 10, 12]
        );
        let r = &rows[2];
        assert_eq!((r.diag.ops, r.sio.ops), (12, 12));
        assert_eq!((r.diag.diagnoses, r.diag.io_instructions), (12, 0));
        assert_eq!((r.sio.diagnoses, r.sio.io_instructions), (0, 12));
        assert_eq!(r.sio.interruptions, 12);
        let (_, lines) = run_console(IoPath::StartIo, 3).unwrap();
        assert_eq!(lines, (0..3).map(expected_line).collect::<Vec<_>>());
    }
}
