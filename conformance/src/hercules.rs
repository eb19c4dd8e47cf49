//! Hercules 3.13 as an oracle: assemble a guest image (as `tools/hercules/build.sh` does), run
//! it headless through `tools/hercules/run.sh`, and parse the final PSW, GPRs and a storage
//! window from the Hercules log. Also the comparison of two [`Outcome`]s, with the storage
//! locations that legitimately differ masked out.
//!
//! FPRs are not read from Hercules (its `fpr` panel command mislabels registers in ESA/390
//! mode, see `shared/docs/hercules.md`): the generated programs store them into the window.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::gen::Arch;

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Disabled wait state (normal end of every generated program).
    DisabledWait,
    /// A program interruption whose new PSW is invalid.
    ProgramLoop,
    /// Still running at the time or instruction limit.
    Limit,
    /// Anything else (message).
    Other(String),
}

/// Final state of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// How it stopped.
    pub stop: Stop,
    /// The final PSW (64 bits).
    pub psw: u64,
    /// The GPRs.
    pub gpr: [u32; 16],
    /// Storage from absolute 0, `window` bytes.
    pub storage: Vec<u8>,
}

/// Paths of the Hercules harness in `shared/tools/hercules`.
#[derive(Clone, Debug)]
pub struct Harness {
    /// `run.sh`
    pub run_sh: PathBuf,
    /// `s370.cnf`
    pub s370_cnf: PathBuf,
}

impl Harness {
    /// The harness under `shared` (see [`crate::shared_dir`]).
    pub fn new(shared: &Path) -> Harness {
        let dir = shared.join("tools/hercules");
        Harness {
            run_sh: dir.join("run.sh"),
            s370_cnf: dir.join("s370.cnf"),
        }
    }

    /// Runs `image` (loaded at 0, started by a restart interruption, so bytes 0-7 are the
    /// first PSW) with watchdog `secs`, and dumps `0..window` bytes of storage. `dir` is the
    /// work directory (its `hercules.log` is overwritten). Retries once when the log is
    /// incomplete (the Hercules logger loses the tail in a few percent of runs, which
    /// `run.sh` already retries once), and up to twice with a doubled watchdog when the
    /// watchdog fired: under load a 3.13 run occasionally stalls past it (4 of 7,500 short
    /// guests once), while the generated programs never loop.
    pub fn run(
        &self,
        image: &Path,
        arch: Arch,
        window: u32,
        secs: u32,
        dir: &Path,
    ) -> Result<Outcome, String> {
        let mut secs = secs;
        let mut limit_retries = 2;
        let mut parse_retries = 1;
        loop {
            let mut cmd = Command::new(&self.run_sh);
            cmd.env("OUTDIR", dir);
            if arch == Arch::S370 {
                cmd.arg("-c").arg(&self.s370_cnf);
            }
            cmd.arg("-t")
                .arg(secs.to_string())
                .arg(image)
                .arg(format!("r 0.{window:X}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            let status = cmd
                .status()
                .map_err(|e| format!("{}: {e}", self.run_sh.display()))?;
            let stop = match status.code() {
                Some(0) => Stop::DisabledWait,
                Some(2) => Stop::ProgramLoop,
                Some(3) => Stop::Limit,
                other => Stop::Other(format!("run.sh exit status {other:?}")),
            };
            let log = std::fs::read_to_string(dir.join("hercules.log"))
                .map_err(|e| format!("hercules.log: {e}"))?;
            if stop == Stop::Limit && limit_retries > 0 {
                limit_retries -= 1;
                secs *= 2;
                continue;
            }
            match parse_log(&log, window) {
                Ok((psw, gpr, storage)) => {
                    return Ok(Outcome {
                        stop,
                        psw,
                        gpr,
                        storage,
                    })
                }
                Err(e) if parse_retries == 0 => return Err(format!("{e} (run.sh: {stop:?})")),
                Err(_) => {}
            }
            parse_retries -= 1;
        }
    }
}

/// Assembles `source` into `dir/NAME.bin` exactly like `build.sh`: `as -m31 -mesa`,
/// `ld -m elf_s390 -Ttext=0 -e 0`, `objcopy -O binary`.
pub fn build(source: &str, dir: &Path, name: &str) -> Result<PathBuf, String> {
    let s = dir.join(format!("{name}.S"));
    let o = dir.join(format!("{name}.o"));
    let elf = dir.join(format!("{name}.elf"));
    let bin = dir.join(format!("{name}.bin"));
    std::fs::write(&s, source).map_err(|e| format!("{}: {e}", s.display()))?;
    let steps: [(&str, Vec<&std::ffi::OsStr>); 3] = [
        (
            "s390x-linux-gnu-as",
            vec![
                "-m31".as_ref(),
                "-mesa".as_ref(),
                "-o".as_ref(),
                o.as_os_str(),
                s.as_os_str(),
            ],
        ),
        (
            "s390x-linux-gnu-ld",
            vec![
                "-m".as_ref(),
                "elf_s390".as_ref(),
                "-Ttext=0".as_ref(),
                "-e".as_ref(),
                "0".as_ref(),
                "-o".as_ref(),
                elf.as_os_str(),
                o.as_os_str(),
            ],
        ),
        (
            "s390x-linux-gnu-objcopy",
            vec![
                "-O".as_ref(),
                "binary".as_ref(),
                elf.as_os_str(),
                bin.as_os_str(),
            ],
        ),
    ];
    for (tool, args) in steps {
        let out = Command::new(tool)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("{tool}: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "{tool} failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    let _ = std::fs::remove_file(&o);
    Ok(bin)
}

fn hex32(s: &str) -> Result<u32, String> {
    u32::from_str_radix(s, 16).map_err(|_| format!("bad hex word {s:?}"))
}

/// Parses the output of the `psw`, `gpr` and `r 0.WINDOW` commands that `run.sh` issues
/// after the CPU stopped: `PSW=xxxxxxxx xxxxxxxx`, `GRnn=xxxxxxxx` (four per line),
/// `R:aaaaaaaa:K:kk=w w w w  text`. Only the lines after the echoed commands count (program
/// checks are traced with the same `GRnn=` lines earlier in the log).
pub fn parse_log(log: &str, window: u32) -> Result<(u64, [u32; 16], Vec<u8>), String> {
    let lines: Vec<&str> = log.lines().collect();
    let cmd = |name: &str| {
        lines
            .iter()
            .rposition(|l| l.trim_end() == name)
            .ok_or_else(|| format!("no echo of `{name}` in the Hercules log (log incomplete?)"))
    };
    // psw
    let at = cmd("psw")?;
    let psw_line = lines[at + 1..]
        .iter()
        .find(|l| l.starts_with("PSW="))
        .ok_or("no PSW= line after `psw`")?;
    let words: Vec<&str> = psw_line[4..].split_whitespace().collect();
    if words.len() < 2 {
        return Err(format!("bad PSW line {psw_line:?}"));
    }
    let psw = (hex32(words[0])? as u64) << 32 | hex32(words[1])? as u64;
    // gpr
    let at = cmd("gpr")?;
    let mut gpr = [None; 16];
    for l in lines[at + 1..]
        .iter()
        .filter(|l| l.starts_with("GR"))
        .take(4)
    {
        // Only `GRnn=value` fields count: the logger occasionally appends another message's
        // text (say the `PSW=` line of HHCCP011I) to a line.
        for field in l.split_whitespace() {
            let Some((name, value)) = field.split_once('=') else {
                continue;
            };
            let Some(n) = name
                .strip_prefix("GR")
                .and_then(|n| n.parse::<usize>().ok())
            else {
                continue;
            };
            *gpr.get_mut(n).ok_or("GPR number out of range")? = Some(hex32(value)?);
        }
    }
    let mut regs = [0u32; 16];
    for (i, r) in gpr.iter().enumerate() {
        regs[i] = r.ok_or_else(|| format!("GR{i:02} missing from the log"))?;
    }
    // storage
    let at = cmd(&format!("r 0.{window:X}"))?;
    let mut storage = vec![None; window as usize];
    for l in lines[at + 1..].iter().filter(|l| l.starts_with("R:")) {
        let addr = hex32(l.get(2..10).ok_or("short R: line")?)?;
        let data = l
            .split_once('=')
            .ok_or_else(|| format!("bad storage line {l:?}"))?
            .1;
        for (k, w) in data.split_whitespace().take(4).enumerate() {
            let v = hex32(w)?;
            for (j, b) in v.to_be_bytes().iter().enumerate() {
                let a = addr as usize + 4 * k + j;
                if a < storage.len() {
                    storage[a] = Some(*b);
                }
            }
        }
        if addr + 16 >= window {
            break;
        }
    }
    let storage: Option<Vec<u8>> = storage.into_iter().collect();
    let storage = storage.ok_or("storage dump incomplete")?;
    Ok((psw, regs, storage))
}

/// Whether storage location `addr` is excluded from the comparison, and why.
pub fn masked(arch: Arch, addr: u32) -> Option<&'static str> {
    match addr {
        // Hercules is started with a restart interruption (`run.sh -m restart`), which stores
        // the restart old PSW here; `vm390 run` starts from the IPL PSW without storing one.
        0x08..=0x0F => Some("restart old PSW (Hercules starts by a restart interruption)"),
        // System/370 interval timer: Hercules decrements it in real time.
        0x50..=0x53 if arch == Arch::S370 => Some("S/370 interval timer (real time)"),
        _ => None,
    }
}

/// The final PSW as compared: in S/370 BC mode without the ILC bits 32-33, which Hercules
/// leaves set from the LPSW (`shared/docs/hercules.md`, "Gotchas").
pub fn comparable_psw(arch: Arch, psw: u64) -> u64 {
    match arch {
        Arch::S370 if psw & 0x0008_0000_0000_0000 == 0 => psw & !0xC000_0000,
        _ => psw,
    }
}

/// The differences between the Hercules outcome `h` and ours `v`, one line each; empty when
/// they agree.
pub fn compare(arch: Arch, h: &Outcome, v: &Outcome) -> Vec<String> {
    let mut d = Vec::new();
    if h.stop != v.stop {
        d.push(format!("stop: hercules {:?}, vm390 {:?}", h.stop, v.stop));
    }
    if h.stop == Stop::Limit && v.stop == Stop::Limit {
        // both still running: the states at the stop are not comparable
        return d;
    }
    if comparable_psw(arch, h.psw) != comparable_psw(arch, v.psw) {
        d.push(format!(
            "PSW: hercules {:016X}, vm390 {:016X}",
            h.psw, v.psw
        ));
    }
    for i in 0..16 {
        if h.gpr[i] != v.gpr[i] {
            d.push(format!(
                "R{i}: hercules {:08X}, vm390 {:08X}",
                h.gpr[i], v.gpr[i]
            ));
        }
    }
    let n = h.storage.len().min(v.storage.len());
    if h.storage.len() != v.storage.len() {
        d.push(format!(
            "storage window: hercules {} bytes, vm390 {}",
            h.storage.len(),
            v.storage.len()
        ));
    }
    // report by 8-byte groups
    let mut a = 0;
    while a < n {
        let end = (a + 8).min(n);
        let differs =
            (a..end).any(|i| masked(arch, i as u32).is_none() && h.storage[i] != v.storage[i]);
        if differs {
            let mut line = format!("{a:03X} {}: hercules ", crate::gen::describe(a as u32));
            for b in &h.storage[a..end] {
                write!(line, "{b:02X}").unwrap();
            }
            line.push_str(", vm390 ");
            for b in &v.storage[a..end] {
                write!(line, "{b:02X}").unwrap();
            }
            d.push(line);
        }
        a = end;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "\
HHCCP014I CPU0000: Fixed-point-overflow exception CODE=0008 ILC=2
GR00=11111111  GR01=00000000  GR02=00000000  GR03=00000000
HHCCP011I CPU0000: Disabled wait state
          PSW=000A0000 0000600D
HHCAO003I Firing command: 'script /tmp/x/done.rc'
script /tmp/x/done.rc
psw
psw sm=00 pk=0 cmwp=A as=pri cc=0 pm=0 am=24 ia=600D
PSW=000A0000 0000600D
gpr
GR00=00000000  GR01=00000001  GR02=00000802  GR03=00000003
GR04=10410100  GR05=10410000  GR06=000002D6  GR07=00000880
GR08=00000000  GR09=00000013  GR10=00000008  GR11=00000016
GR12=00000800  GR13=00000540  GR14=00000000  GR15=FFFFFFFF
r 0.20
R:00000000:K:06=00080000 80000200 00000000 00000000  ................
R:00000010:K:06=00000000 00000000 00000000 0000ABCD  ................
quit
";

    #[test]
    fn parses_the_final_dump() {
        let (psw, gpr, storage) = parse_log(LOG, 0x20).unwrap();
        assert_eq!(psw, 0x000A_0000_0000_600D);
        assert_eq!(gpr[0], 0);
        assert_eq!(gpr[12], 0x800);
        assert_eq!(gpr[15], 0xFFFF_FFFF);
        assert_eq!(storage.len(), 0x20);
        assert_eq!(&storage[0..8], &[0, 8, 0, 0, 0x80, 0, 2, 0]);
        assert_eq!(&storage[0x1E..], &[0xAB, 0xCD]);
    }

    #[test]
    fn other_text_on_a_gpr_line_is_ignored() {
        let log = LOG.replace(
            "GR12=00000800  GR13=00000540  GR14=00000000  GR15=FFFFFFFF",
            "GR12=00000800  GR13=00000540  GR14=00000000  GR15=FFFFFFFF          PSW=000A0000 0000600D",
        );
        let (_, gpr, _) = parse_log(&log, 0x20).unwrap();
        assert_eq!(gpr[15], 0xFFFF_FFFF);
    }

    #[test]
    fn incomplete_log_is_an_error() {
        let cut = &LOG[..LOG.find("GR08=00000000  GR09=00000013").unwrap()];
        assert!(parse_log(cut, 0x20).is_err());
        let cut = &LOG[..LOG.find("R:00000010").unwrap()];
        assert!(parse_log(cut, 0x20).is_err());
    }

    #[test]
    fn bc_mode_psw_ignores_the_ilc() {
        assert_eq!(
            comparable_psw(Arch::S370, 0x0002_0000_8000_600D),
            0x0002_0000_0000_600D
        );
        assert_eq!(
            comparable_psw(Arch::Esa390, 0x000A_0000_8000_600D),
            0x000A_0000_8000_600D
        );
    }
}
