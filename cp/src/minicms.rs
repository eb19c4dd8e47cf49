//! MINICMS, vm390's own CMS-like guest, and the built-in default that `vm390` starts with no
//! arguments.
//!
//! The guest is assembler source in `guests/minicms/`, assembled at build time by vm390's
//! own assembler (`cp/build.rs`) and embedded here. It is a built-in named saved system:
//! any user of any directory can `IPL MINICMS` (or name it on the directory's `IPL`
//! statement) when the directory does not declare a system of that name itself. The image
//! starts at address 0 with its IPL PSW (S/370 BC mode, key 0, I/O and external
//! interruptions masked), as an IPL record would leave it.
//!
//! The built-in default ([`run_default`]) logs on the user [`DEFAULT_USER`] from a small
//! directory kept in a data directory (`$XDG_DATA_HOME/vm390`, else
//! `~/.local/share/vm390`, or `--data-dir DIR`), whose 191 minidisk is a Hercules CCKD
//! image of a 3350 created and CMS-formatted there on first use, of the size the
//! directory's `MDISK 191` statement gives (3 cylinders as first written; an image
//! smaller than the directory says is extended, keeping what it holds). Nothing outside
//! that directory is written.
//!
//! One vm390 at a time uses a data directory: it holds an exclusive advisory lock
//! (`flock`) on the directory while it runs; a second one refuses to start with
//! `vm390: data directory DIR is in use by pid N`.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::OnceLock;

use crate::nss::{SavedSystem, KEY_BLOCK, PAGE_SIZE};

/// The name of the built-in saved system (one of [`crate::nss::BUILTIN_SYSTEMS`]).
pub const NAME: &str = crate::nss::MINICMS;

/// The assembled guest: a flat image from address 0.
pub static IMAGE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/minicms.bin"));

/// The user the built-in default logs on.
pub const DEFAULT_USER: &str = "VM390";

/// The directory file kept in the data directory.
pub const DIRECTORY_FILE: &str = "vm390.direct";

/// The 191 minidisk image kept in the data directory.
pub const DISK_FILE: &str = "vm390_191.cckd";

/// The data directory's lock, held until the process ends.
static DATA_DIR_LOCK: OnceLock<File> = OnceLock::new();

/// Volume serial (and CMS label) of the built-in 191.
pub const DISK_VOLSER: &str = "VM3191";

/// Cylinders of the built-in 191 (3350: 570 blocks of 800 bytes a cylinder; 1,710 blocks
/// stay within the allocation map of the MFD block itself, FORMATS.md D.2).
pub const DISK_CYLINDERS: u16 = 3;

/// Whether `name` is a built-in saved system.
pub fn is_builtin(name: &str) -> bool {
    name.eq_ignore_ascii_case(NAME)
}

/// The built-in saved system `name`, if there is one: the MINICMS image as saved pages at
/// address 0 with its IPL PSW, registers zero, storage keys 0.
pub fn builtin_system(name: &str) -> Option<SavedSystem> {
    if !is_builtin(name) {
        return None;
    }
    let mut psw = [0u8; 8];
    psw.copy_from_slice(&IMAGE[..8]);
    let pages: Vec<(u32, Vec<u8>)> = IMAGE
        .chunks(PAGE_SIZE)
        .enumerate()
        .map(|(i, c)| {
            let mut page = c.to_vec();
            page.resize(PAGE_SIZE, 0);
            ((i * PAGE_SIZE) as u32, page)
        })
        .collect();
    let keys = vec![0u8; pages.len() * (PAGE_SIZE / KEY_BLOCK)];
    // The control registers of an initial CPU reset, as the IPL of the image would leave
    // them.
    let cr = crate::cpu::initial_control_registers(s390_decoder::Arch::S370);
    Some(SavedSystem {
        name: NAME.to_string(),
        load_address: 0,
        psw,
        gpr: [0; 16],
        fpr: [0; 4],
        cr,
        keys,
        pages,
    })
}

/// The default data directory: `$XDG_DATA_HOME/vm390`, else `$HOME/.local/share/vm390`.
pub fn default_data_dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|x| !x.is_empty()) {
        let p = PathBuf::from(x);
        if p.is_absolute() {
            return Some(p.join("vm390"));
        }
    }
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    Some(PathBuf::from(home).join(".local/share/vm390"))
}

/// The directory text of the built-in default.
pub fn default_directory() -> String {
    format!(
        "* vm390's built-in default: the user {DEFAULT_USER} IPLs MINICMS, its 191 is {DISK_FILE}.\n\
         * Created by vm390; edit it to change the virtual machine.\n\
         DASD {DISK_VOLSER} 3350 {DISK_FILE}\n\
         USER {DEFAULT_USER} {DEFAULT_USER} 4M 16M G\n \
         IPL {NAME}\n \
         CONSOLE 009 3215\n \
         SPOOL 00C 2540 READER A\n \
         SPOOL 00D 2540 PUNCH A\n \
         SPOOL 00E 1403 A\n \
         MDISK 191 3350 000 {DISK_CYLINDERS:03} {DISK_VOLSER} MR\n"
    )
}

/// Makes sure the data directory holds the directory file and the 191 image (creating the
/// directory, the directory file and a CMS-formatted image when missing; an existing file
/// is never replaced). The image has the size the directory's `MDISK 191` of
/// [`DEFAULT_USER`] gives; an existing smaller one is extended, keeping its data. Returns
/// the directory file, and what was done to the image, for the user (`None`: nothing).
pub fn prepare_data_dir(dir: &Path) -> Result<(PathBuf, Option<String>), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
    let direct = dir.join(DIRECTORY_FILE);
    if !direct.exists() {
        write_new(&direct, default_directory().as_bytes())?;
    }
    let Some((disk, devtype, volser, cylinders)) = directory_191(&direct) else {
        // A directory that does not parse is reported when the session reads it.
        return Ok((direct, None));
    };
    if !disk.exists() {
        crate::dasd::create_cms_minidisk(&disk, devtype, cylinders, &volser)
            .map_err(|e| e.to_string())?;
        let said = format!(
            "created the 191 minidisk image {} ({cylinders} cylinders of {devtype}, \
             CMS-formatted, label {volser})",
            disk.display()
        );
        return Ok((direct, Some(said)));
    }
    match crate::dasd::extend_cms_minidisk(&disk, cylinders) {
        Ok(Some(old)) => Ok((
            direct,
            Some(format!(
                "extended the 191 minidisk image {} from {old} to {cylinders} cylinders, as \
                 the directory says",
                disk.display()
            )),
        )),
        Ok(None) => Ok((direct, None)),
        // A damaged image is reported by name when the session links it.
        Err(e) => Ok((direct, Some(format!("the 191 is not extended: {e}")))),
    }
}

/// The 191 of [`DEFAULT_USER`] in the directory file `direct`: its volume's image path,
/// device type, volume serial, and the cylinders the image needs (start + count).
fn directory_191(direct: &Path) -> Option<(PathBuf, u16, String, u16)> {
    let text = std::fs::read_to_string(direct).ok()?;
    let base = direct.parent().unwrap_or(Path::new("."));
    let d = crate::directory::parse_directory_text(&text, "", base, false).ok()?;
    let m = d.user(DEFAULT_USER)?.mdisk(0x191)?;
    let v = d.dasd(&m.volser)?;
    let cyls = m.start_cyl.checked_add(m.cylinders)?;
    Some((v.path.clone(), v.devtype, v.volser.clone(), cyls))
}

/// Takes the data directory's lock for the life of the process: an exclusive `flock` on
/// the directory itself (no lock file is left behind). When another process holds it,
/// says which (its pid from Linux's `/proc/locks`, where there is one).
pub fn lock_data_dir(dir: &Path) -> Result<(), String> {
    let f = File::open(dir).map_err(|e| format!("{}: cannot open: {e}", dir.display()))?;
    match f.try_lock() {
        Ok(()) => {
            let _ = DATA_DIR_LOCK.set(f);
            Ok(())
        }
        Err(TryLockError::WouldBlock) => {
            let who = crate::dasd::lock_holder(&f)
                .map_or("another process".to_string(), |p| format!("pid {p}"));
            Err(format!(
                "data directory {} is in use by {who}",
                dir.display()
            ))
        }
        Err(TryLockError::Error(e)) => Err(format!("{}: cannot lock: {e}", dir.display())),
    }
}

/// Writes a new file through a temporary name in the same directory (never replacing an
/// existing file).
fn write_new(path: &Path, data: &[u8]) -> Result<(), String> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, data).map_err(|e| format!("{}: cannot write: {e}", tmp.display()))?;
    let r = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    r.map_err(|e| format!("{}: cannot create: {e}", path.display()))
}

/// Where the built-in default keeps its files: `data_dir`, or [`default_data_dir`].
pub fn data_dir(data_dir: Option<&Path>) -> Result<PathBuf, String> {
    match data_dir {
        Some(d) => Ok(d.to_path_buf()),
        None => default_data_dir().ok_or_else(|| {
            "no data directory: set HOME or XDG_DATA_HOME, or give --data-dir".into()
        }),
    }
}

/// The built-in default: prepares the data directory and returns the directory file and
/// the user to log on, after saying where the data directory is (on standard error, so
/// that a scripted session's output is the console's alone).
pub fn default_session(dir: Option<&Path>) -> Result<(PathBuf, &'static str), ExitCode> {
    let dir = data_dir(dir).map_err(|e| {
        eprintln!("vm390: {e}");
        ExitCode::from(2)
    })?;
    let fail = |e: String| {
        eprintln!("vm390: {e}");
        ExitCode::from(2)
    };
    std::fs::create_dir_all(&dir)
        .map_err(|e| fail(format!("{}: cannot create: {e}", dir.display())))?;
    lock_data_dir(&dir).map_err(fail)?;
    eprintln!("vm390: data directory {}", dir.display());
    let (direct, said) = prepare_data_dir(&dir).map_err(fail)?;
    if let Some(s) = said {
        eprintln!("vm390: {s}");
    }
    Ok((direct, DEFAULT_USER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_starts_with_a_bc_mode_ipl_psw() {
        let s = builtin_system("minicms").expect("built in");
        assert_eq!(s.load_address, 0);
        assert!(!s.psw_ec_mode());
        let ia = s.psw_instruction_address();
        assert!(ia >= 0x200 && (ia as usize) < IMAGE.len(), "IA {ia:X}");
        assert_eq!(s.keys.len(), s.pages.len() * 2);
        assert!(builtin_system("CMS").is_none());
    }

    #[test]
    fn default_directory_parses() {
        let d = crate::directory::parse_directory_text(
            &default_directory(),
            "builtin",
            Path::new("/nonexistent"),
            false,
        )
        .expect("parses");
        let u = d.user(DEFAULT_USER).expect("user");
        assert_eq!(u.mdisks.len(), 1);
    }
}
