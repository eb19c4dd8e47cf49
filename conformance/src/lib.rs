//! Shared helpers for the conformance tests: finding the oracles (GNU binutils for s390,
//! Hercules 3.13) and a small seeded random generator so every generated corpus can be
//! reproduced from its seed.
//!
//! Oracle policy: when `VM390_ORACLES=require` (as `.ci/run` sets it), a missing oracle is a
//! test failure. Otherwise a test that needs a missing oracle says so on stderr and returns.

use std::path::{Path, PathBuf};

use s390_decoder::{Length, LengthSpec, Opcode, Operand, OperandSpec, Storage};

pub mod diag_probe;
pub mod gen;
pub mod hercules;

/// Whether oracles are required (`VM390_ORACLES=require`).
pub fn oracles_required() -> bool {
    std::env::var("VM390_ORACLES").is_ok_and(|v| v == "require")
}

/// Finds an oracle program on `PATH`. Returns `None` (after saying so) when it is missing and
/// oracles are not required; panics when they are.
pub fn oracle(program: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(program))
            .find(|p| p.is_file())
    });
    match found {
        Some(p) => Some(p),
        None if oracles_required() => {
            panic!("oracle {program} is not installed and VM390_ORACLES=require")
        }
        None => {
            eprintln!("SKIPPED: oracle {program} is not installed (set VM390_ORACLES=require to fail instead)");
            None
        }
    }
}

/// The repository root (the workspace directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Builds `vm390` (release, as `cargo build --release -p cp --bin vm390`) and returns its path
/// (CARGO_TARGET_DIR honoured); `VM390_HERCULES_DIFF_VM390=<path>` names a binary to use
/// instead, without building.
pub fn vm390_release() -> PathBuf {
    if let Some(bin) = std::env::var_os("VM390_HERCULES_DIFF_VM390") {
        return PathBuf::from(bin);
    }
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = std::process::Command::new(&cargo)
        .args([
            "build",
            "--release",
            "-p",
            "cp",
            "--bin",
            "vm390",
            "--quiet",
        ])
        .current_dir(&root)
        .status()
        .expect("running cargo build for vm390");
    assert!(
        status.success(),
        "cargo build --release -p cp --bin vm390 failed"
    );
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| if t.is_relative() { root.join(t) } else { t })
        .unwrap_or_else(|| root.join("target"));
    target.join("release/vm390")
}

/// `../shared/` beside the repository, if present (required under `VM390_ORACLES=require`).
pub fn shared_dir() -> Option<PathBuf> {
    let p = workspace_root().parent().unwrap().join("shared");
    if p.is_dir() {
        Some(p)
    } else if oracles_required() {
        panic!("{} is missing and VM390_ORACLES=require", p.display())
    } else {
        eprintln!("SKIPPED: {} is missing", p.display());
        None
    }
}

/// xorshift64* : small, fast, and reproducible from its seed.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (0 is replaced by a fixed non-zero value).
    pub fn new(seed: u64) -> Rng {
        Rng(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
    /// Picks one element.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Random operands for `op`, each within its field. `pairs` keeps general registers even
/// and floating-point registers at the start of an extended pair (what GNU as checks);
/// relative offsets use at most `rel_bits` bits.
pub fn random_operands(rng: &mut Rng, op: Opcode, pairs: bool, rel_bits: u8) -> Vec<Operand> {
    op.info()
        .operands
        .iter()
        .map(|spec| match *spec {
            // gas checks register pairs: even general registers, and the floating-point
            // registers that start an extended pair.
            OperandSpec::Gpr { .. } if pairs => Operand::Gpr(2 * rng.below(8) as u8),
            OperandSpec::Fpr { .. } if pairs => {
                Operand::Fpr(*rng.pick(&[0, 1, 4, 5, 8, 9, 12, 13]))
            }
            OperandSpec::Gpr { .. } => Operand::Gpr(rng.below(16) as u8),
            OperandSpec::Fpr { .. } => Operand::Fpr(rng.below(16) as u8),
            OperandSpec::Ar { .. } => Operand::Ar(rng.below(16) as u8),
            OperandSpec::Cr { .. } => Operand::Cr(rng.below(16) as u8),
            OperandSpec::Mask { .. } => Operand::Mask(rng.below(16) as u8),
            OperandSpec::Unsigned { width, .. } => Operand::Unsigned(rng.below(1 << width) as u32),
            OperandSpec::Signed { width, .. } => {
                Operand::Signed(rng.range(-(1 << (width - 1)), (1 << (width - 1)) - 1) as i32)
            }
            OperandSpec::Relative { width, .. } => {
                let w = width.min(rel_bits);
                Operand::Relative(rng.range(-(1 << (w - 1)), (1 << (w - 1)) - 1) as i32)
            }
            OperandSpec::Storage { index, length, .. } => Operand::Storage(Storage {
                disp: rng.below(4096) as u16,
                index: if index.is_some() {
                    rng.below(16) as u8
                } else {
                    0
                },
                base: rng.below(16) as u8,
                length: match length {
                    LengthSpec::None => Length::None,
                    LengthSpec::Bytes8 { .. } => Length::Bytes(rng.range(1, 256) as u16),
                    LengthSpec::Bytes4 { .. } => Length::Bytes(rng.range(1, 16) as u16),
                    LengthSpec::Register { .. } => Length::Register(rng.below(16) as u8),
                },
            }),
        })
        .collect()
}
