//! LINK, DETACH and DEFINE (CP Command Reference for General Users; messages of DMKLNK,
//! DMKVDD and DMKDEF).
//!
//! LINK's access modes (R, RR, W, WR, M, MR, MW) are decided against the links that
//! already exist to the same minidisk: the owner's own MDISK link counts like any other
//! (VM/370 keeps one link count per minidisk). With one user logged on, every existing
//! link is this user's, so the conflict messages name this user:
//!
//! | mode | an R/W link exists | only R/O links exist |
//! |---|---|---|
//! | R  | DMKLNK105E NOT LINKED; R/W BY | linked R/O |
//! | RR | linked R/O | linked R/O |
//! | W  | DMKLNK105E NOT LINKED; R/W BY | DMKLNK104E NOT LINKED; R/O BY nnn USERS |
//! | WR | DMKLNK102W FORCED R/O; R/W BY | DMKLNK101W FORCED R/O; R/O BY nnn USERS |
//! | M  | DMKLNK105E NOT LINKED; R/W BY | linked R/W |
//! | MR | DMKLNK102W FORCED R/O; R/W BY | linked R/W |
//! | MW | linked R/W | linked R/W |
//!
//! A link to another user's minidisk needs the MDISK password of the mode (R/RR: read, W/WR:
//! write, M/MR/MW: multiple), or none when that password is `ALL`; a mode without a password
//! cannot be linked by others. When the password is not on the command line, CP asks for it
//! on the console (`ENTER READ PASSWORD:`).

use std::path::{Path, PathBuf};

use super::{abbrev, parse_storage, parse_vaddr, CpResult, Effect, Words};
use crate::cpu::Cpu;
use crate::dasd;
use crate::directory::SpoolKind;
use crate::directory::{AccessMode, LinkPassword, Mdisk};
use crate::io::dasd::Minidisk;
use crate::io::device::{ChannelDevice, DeviceClass};
use crate::io::devices::{console::Console, reader::Reader, spool_output::SpoolOutput};
use crate::vm::{size_text, Cp, Input, Status};

/// Where a linked minidisk comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LinkInfo {
    /// Owner of the minidisk.
    pub owner: String,
    /// Its address in the owner's directory entry.
    pub owner_vaddr: u16,
    /// A write link (counts as R/W for later links, even when the image file could only
    /// be opened read-only).
    pub write: bool,
}

fn parse_mode(s: &str) -> Option<AccessMode> {
    Some(match s {
        "R" => AccessMode::R,
        "RR" => AccessMode::RR,
        "W" => AccessMode::W,
        "WR" => AccessMode::WR,
        "M" => AccessMode::M,
        "MR" => AccessMode::MR,
        "MW" => AccessMode::MW,
        _ => return None,
    })
}

/// DASD device types CP can give a temporary minidisk of.
const TDISK_TYPES: [u16; 6] = [2314, 2319, 3330, 3340, 3350, 3380];

/// vm390's temporary-disk space: at most this many cylinders (of any type) of T-disks at
/// once in one virtual machine, unless the environment variable [`TDISK_POOL_VAR`] says
/// otherwise. VM/370 gives T-disks from the cylinders of the volumes the installation
/// set aside for temporary space, and refuses a DEFINE that does not fit with DMKDEF091E;
/// vm390's pool is the same idea with a host-side bound: 50 3350 cylinders are at most
/// about 28 MB of the host's disk.
const TDISK_POOL_CYLINDERS: u32 = 50;

/// Environment variable setting the T-disk pool in cylinders (a decimal number).
pub const TDISK_POOL_VAR: &str = "VM390_TDISK_CYLINDERS";

/// The T-disk pool in cylinders: [`TDISK_POOL_VAR`] if it is set to a number, else
/// [`TDISK_POOL_CYLINDERS`].
fn tdisk_pool() -> u32 {
    std::env::var(TDISK_POOL_VAR)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(TDISK_POOL_CYLINDERS)
}

/// Where T-disk images are kept: `$XDG_RUNTIME_DIR` (private to the user, cleared at
/// logout) when it is set to a directory, else the host's temporary directory.
fn tdisk_dir() -> PathBuf {
    std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute() && p.is_dir())
        .unwrap_or_else(std::env::temp_dir)
}

impl Cp {
    /// Builds the devices of the directory entry: console, spooled unit-record devices,
    /// and each MDISK and LINK, linked as CP links them at logon (no passwords asked).
    pub(crate) fn build_devices(&mut self) {
        let user = self.user.clone();
        if let Some(c) = user.console {
            self.add(c.vaddr, Box::new(Console::new(c.devtype)));
        }
        for s in &user.spool {
            let unit: Box<dyn ChannelDevice> = match s.kind {
                SpoolKind::Reader => Box::new(Reader::new(s.devtype)),
                SpoolKind::Punch => Box::new(SpoolOutput::punch(s.devtype)),
                _ => Box::new(SpoolOutput::printer(s.devtype)),
            };
            self.add(s.vaddr, unit);
        }
        // The user's MDISKs and LINKs, as CP links them at logon (no passwords asked).
        let id = user.id.clone();
        for m in &user.mdisks {
            let r = self.link_disk(&id, m.vaddr, m.vaddr, Some(m.mode), None, false, false);
            self.show(&r);
        }
        for l in &user.links {
            let user = if l.user == "*" {
                id.clone()
            } else {
                l.user.clone()
            };
            let r = self.link_disk(
                &user,
                l.user_vaddr,
                l.vaddr,
                Some(l.mode),
                None,
                false,
                false,
            );
            self.show(&r);
        }
    }

    /// Attaches minidisk `md` (of `link`'s owner) as `vaddr`. A volume without a `DASD`
    /// statement, or an image file that cannot be opened, is a volume that is not mounted:
    /// the error is CP's DMKLNK108E (the host's reason goes to stderr) and nothing else
    /// changes.
    pub(crate) fn attach_disk(
        &mut self,
        vaddr: u16,
        md: &crate::directory::Mdisk,
        ro: bool,
        link: Option<LinkInfo>,
    ) -> Result<Option<String>, String> {
        let owner = link
            .as_ref()
            .map_or(self.user.id.clone(), |l| l.owner.clone());
        let vol = &md.volser;
        let not_mounted = || {
            format!(
                "DMKLNK108E {owner} {:03X} NOT LINKED; VOLID {vol} NOT MOUNTED",
                md.vaddr
            )
        };
        let Some(v) = self.system.directory.dasd(vol).cloned() else {
            return Err(not_mounted());
        };
        // One image file is opened once in the control program and shared by every
        // minidisk on it, of every user (see `io::dasd::ImageSlot`).
        let key = std::fs::canonicalize(&v.path).unwrap_or_else(|_| v.path.clone());
        let (shared, holder) = match self.system.image(&key) {
            Some(shared) => {
                let mut holder = None;
                let ro_now = crate::io::dasd::lock_image(&shared).image.read_only();
                if !ro && ro_now {
                    // Opened read-only so far: a write link opens it for writing.
                    match open_image(&v.path, true, vaddr) {
                        Ok(Opened::AsAsked(img)) => {
                            if !img.read_only() {
                                crate::io::dasd::lock_image(&shared).image = img;
                            }
                        }
                        Ok(Opened::HeldBy(_, pid)) => holder = Some(pid),
                        Err(e) => {
                            eprintln!("vm390: minidisk {vaddr:03X}: {e}");
                            return Err(not_mounted());
                        }
                    }
                }
                (shared, holder)
            }
            None => match open_image(&v.path, !ro, vaddr) {
                Ok(opened) => {
                    let (img, holder) = match opened {
                        Opened::AsAsked(img) => (img, None),
                        Opened::HeldBy(img, pid) => (img, Some(pid)),
                    };
                    let shared = crate::io::dasd::share(img);
                    self.system.put_image(key, &shared);
                    (shared, holder)
                }
                Err(e) => {
                    eprintln!("vm390: minidisk {vaddr:03X}: {e}");
                    return Err(not_mounted());
                }
            },
        };
        // The directory checks extents at start-up; the image may have changed since.
        let end = u32::from(md.start_cyl) + u32::from(md.cylinders);
        let image_cyls = crate::io::dasd::lock_image(&shared).image.cylinders();
        if end > u32::from(image_cyls) {
            eprintln!(
                "vm390: minidisk {vaddr:03X}: cylinders {} to {} are beyond {}, which \
                 has {} cylinders",
                md.start_cyl,
                end - 1,
                v.path.display(),
                image_cyls
            );
            return Err(not_mounted());
        }
        let m = Minidisk::on_shared(
            vaddr,
            md.devtype,
            md.start_cyl,
            md.cylinders,
            ro,
            v.volser.clone(),
            shared,
        );
        let image_ro = m.read_only;
        self.add(vaddr, Box::new(m));
        let mut link = link;
        if holder.is_some() || image_ro {
            if let Some(l) = &mut link {
                l.write = false;
            }
        }
        if let Some(l) = &link {
            self.system.add_link(crate::system::LinkEntry {
                owner: l.owner.clone(),
                owner_vaddr: l.owner_vaddr,
                user: self.user.id.clone(),
                vaddr,
                write: l.write,
            });
        }
        if let Some(d) = self.devices.get_mut(&vaddr) {
            d.link = link;
        }
        if let Some(pid) = holder {
            // Another vm390 (or another program) writes the image: CP's message for a
            // disk in R/W status elsewhere, naming the host process.
            let who = pid.map_or("ANOTHER PROCESS".to_string(), |p| format!("PID {p}"));
            return Ok(Some(format!(
                "DMKLNK102W DASD {vaddr:03X} FORCED R/O; R/W BY {who}"
            )));
        }
        Ok(None)
    }

    /// `(read-only links, read-write links, the first user with a read-write link)` that
    /// exist to `owner`'s minidisk `owner_vaddr`, of all logged-on users.
    fn link_counts(&self, owner: &str, owner_vaddr: u16) -> (usize, usize, String) {
        let links = self.system.links_to(owner, owner_vaddr);
        let rw: Vec<&crate::system::LinkEntry> = links.iter().filter(|l| l.write).collect();
        let by = rw.first().map_or(self.user.id.clone(), |l| l.user.clone());
        (links.len() - rw.len(), rw.len(), by)
    }

    /// Links `owner`'s minidisk `owner_vaddr` as `vaddr` in `mode`. `password`: what the
    /// user gave; `need_password`: a LINK command to another user's disk (not a directory
    /// LINK statement). Returns CP's response.
    #[allow(clippy::too_many_arguments)] // the operands of LINK, one each
    pub(crate) fn link_disk(
        &mut self,
        owner: &str,
        owner_vaddr: u16,
        vaddr: u16,
        mode: Option<AccessMode>,
        password: Option<String>,
        need_password: bool,
        from_console: bool,
    ) -> CpResult {
        let Some(owner_entry) = self.system.directory.user(owner).cloned() else {
            return CpResult::error(format!("DMKLNK053E {owner} NOT IN CP DIRECTORY"));
        };
        let Some(md) = owner_entry.mdisk(owner_vaddr).cloned() else {
            return CpResult::error(format!(
                "DMKLNK107E {owner} {owner_vaddr:03X} NOT LINKED; NOT IN CP DIRECTORY"
            ));
        };
        if self.devices.contains_key(&vaddr) {
            return CpResult::error(format!(
                "DMKLNK110E {owner} {owner_vaddr:03X} NOT LINKED; DASD {vaddr:03X} ALREADY DEFINED"
            ));
        }
        let own = owner == self.user.id;
        // Default mode: the directory's for one's own disks, R for another user's.
        let mode = mode.unwrap_or(if own { md.mode } else { AccessMode::R });
        if need_password && !own {
            if let Err(e) = self.check_link_password(&md, owner, mode, password, from_console) {
                return e;
            }
        }
        let (ro_n, rw_n, by) = self.link_counts(owner, owner_vaddr);
        let users = |n: usize| format!("{n:03} USERS");
        let mut warning = None;
        let write = match mode {
            AccessMode::R if rw_n > 0 => {
                return CpResult::error(format!(
                    "DMKLNK105E {owner} {owner_vaddr:03X} NOT LINKED; R/W BY {by}"
                ))
            }
            AccessMode::R | AccessMode::RR => false,
            AccessMode::W | AccessMode::M if rw_n > 0 => {
                return CpResult::error(format!(
                    "DMKLNK105E {owner} {owner_vaddr:03X} NOT LINKED; R/W BY {by}"
                ))
            }
            AccessMode::W if ro_n > 0 => {
                return CpResult::error(format!(
                    "DMKLNK104E {owner} {owner_vaddr:03X} NOT LINKED; R/O BY {}",
                    users(ro_n)
                ))
            }
            AccessMode::WR | AccessMode::MR if rw_n > 0 => {
                warning = Some(format!(
                    "DMKLNK102W DASD {vaddr:03X} FORCED R/O; R/W BY {by}"
                ));
                false
            }
            AccessMode::WR if ro_n > 0 => {
                warning = Some(format!(
                    "DMKLNK101W DASD {vaddr:03X} FORCED R/O; R/O BY {}",
                    users(ro_n)
                ));
                false
            }
            _ => true,
        };
        let info = LinkInfo {
            owner: owner.to_string(),
            owner_vaddr,
            write,
        };
        match self.attach_disk(vaddr, &md, !write, Some(info)) {
            Err(e) => return CpResult::error(e),
            Ok(Some(w)) => warning = Some(w),
            Ok(None) => {}
        }
        match warning {
            Some(w) => CpResult::line(0, w),
            None => CpResult::ok(),
        }
    }

    /// Checks (and if needed asks for) the password of `mode` on `md`.
    fn check_link_password(
        &mut self,
        md: &Mdisk,
        owner: &str,
        mode: AccessMode,
        given: Option<String>,
        from_console: bool,
    ) -> Result<(), CpResult> {
        let (pw, what) = match mode {
            AccessMode::R | AccessMode::RR => (&md.passwords.read, "READ"),
            AccessMode::W | AccessMode::WR => (&md.passwords.write, "WRITE"),
            _ => (&md.passwords.multi, "MULT"),
        };
        let word = match pw {
            None => {
                return Err(CpResult::error(format!(
                    "DMKLNK113E {owner} {:03X} NOT LINKED; NO {what} PASSWORD",
                    md.vaddr
                )))
            }
            Some(LinkPassword::All) => return Ok(()),
            Some(LinkPassword::Word(w)) => w.clone(),
        };
        let given = match given {
            Some(g) => Some(g),
            None if from_console => {
                self.cp_line(&format!("ENTER {what} PASSWORD:"));
                self.read_password()
            }
            None => None,
        };
        if given.is_some_and(|g| g.trim().eq_ignore_ascii_case(&word)) {
            Ok(())
        } else {
            Err(CpResult::error("DMKLNK116E PASSWORD INCORRECT".to_string()))
        }
    }

    /// A password typed at the console: read masked, never echoed nor kept in a history.
    fn read_password(&mut self) -> Option<String> {
        let i = match self.stash.take() {
            Some(l) => Input::Line(l),
            None => self.terminal.read_password(Status::CpRead),
        };
        self.line_open = false;
        match i {
            Input::Line(l) => Some(l),
            _ => None,
        }
    }

    /// LINK [TO] userid vaddr1 [AS] vaddr2 [mode] [[PASS=] password].
    pub(super) fn cmd_link(&mut self, w: &mut Words, from_console: bool) -> CpResult {
        let mut user = w.next();
        if user.as_deref() == Some("TO") || user.as_deref() == Some("T") {
            user = w.next();
        }
        let Some(mut user) = user.filter(|u| u.len() <= 8) else {
            return CpResult::error("DMKLNK020E USERID MISSING OR INVALID");
        };
        if user == "*" {
            user = self.user.id.clone();
        }
        let Some(v1) = w.next().as_deref().and_then(parse_vaddr) else {
            return CpResult::error("DMKLNK022E VADDR MISSING OR INVALID");
        };
        let mut a = w.next();
        if a.as_deref() == Some("AS") || a.as_deref() == Some("A") {
            a = w.next();
        }
        let Some(v2) = a.as_deref().and_then(parse_vaddr) else {
            return CpResult::error("DMKLNK022E VADDR MISSING OR INVALID");
        };
        let mut mode = None;
        let mut password = None;
        if let Some(m) = w.peek() {
            if let Some(pm) = parse_mode(m) {
                mode = Some(pm);
                w.next();
            }
        }
        if let Some(p) = w.next() {
            let p = if p == "PASS=" {
                w.next().unwrap_or_default()
            } else if let Some(rest) = p.strip_prefix("PASS=") {
                rest.to_string()
            } else {
                p
            };
            password = Some(p);
        }
        if w.more() {
            return CpResult::error("DMKLNK026E OPERAND MISSING OR INVALID");
        }
        self.link_disk(&user, v1, v2, mode, password, true, from_console)
    }

    /// DETACH vaddr: the device leaves the virtual machine (a written minidisk is flushed
    /// first, a temporary minidisk's space is given back).
    pub(super) fn cmd_detach(&mut self, w: &mut Words) -> CpResult {
        let Some(v) = w.next().as_deref().and_then(parse_vaddr) else {
            return CpResult::error("DMKVDD022E VADDR MISSING OR INVALID");
        };
        let Some(d) = self.devices.get(&v) else {
            return CpResult::error(format!("DMKVDD040E DEV {v:03X} DOES NOT EXIST"));
        };
        if d.class() == DeviceClass::Console {
            return CpResult::error(format!("DMKVDD041E DEV {v:03X} IS CONSOLE, NOT DETACHED"));
        }
        self.close_at_detach(v);
        let Some(mut d) = self.devices.remove(&v) else {
            return CpResult::ok();
        };
        self.system.drop_links(&self.user.id, Some(v));
        self.pending.retain(|p| p.vaddr != v);
        let name = d.class().name();
        if let Err(e) = d.unit.flush() {
            self.cp_line(&format!("{name} {v:03X} NOT WRITTEN: {e}"));
        }
        if let Some(p) = d.tdisk.take() {
            drop(d);
            let _ = std::fs::remove_file(p);
        }
        self.imsg(format!("{name} {v:03X} DETACHED"))
    }

    /// An informational response, shown unless `SET IMSG OFF`.
    pub(crate) fn imsg(&self, text: String) -> CpResult {
        if self.settings.imsg {
            CpResult::line(0, text)
        } else {
            CpResult::ok()
        }
    }

    /// DEFINE STORAGE nnnK|nnM, DEFINE Tdevtype [AS] vaddr [CYL] n (a temporary minidisk),
    /// DEFINE PRINTER|PUNCH|READER [AS] vaddr.
    pub(super) fn cmd_define(&mut self, cpu: &mut Cpu, w: &mut Words) -> CpResult {
        const MISSING: &str = "DMKDEF026E OPERAND MISSING OR INVALID";
        let Some(what) = w.next() else {
            return CpResult::error(MISSING);
        };
        let s = what.as_str();
        if abbrev(s, "STORAGE", 4) {
            let mut a = w.next();
            if a.as_deref() == Some("AS") {
                a = w.next();
            }
            let Some(bytes) = a.as_deref().and_then(parse_storage) else {
                return CpResult::error("DMKDEF025E STORAGE MISSING OR INVALID");
            };
            if bytes > self.user.max_storage || u64::from(cpu.mem.size()) < bytes {
                return CpResult::error("DMKDEF094E STORAGE EXCEEDS ALLOWED MAXIMUM");
            }
            self.storage_size = bytes as u32;
            cpu.mem.set_defined(self.storage_size);
            self.system_reset(cpu);
            return CpResult::line(0, format!("STORAGE = {}", size_text(self.storage_size)))
                .with(Effect::Reset);
        }
        let unit: Option<Box<dyn ChannelDevice>> = if abbrev(s, "PRINTER", 5) || s == "1403" {
            Some(Box::new(SpoolOutput::printer(1403)))
        } else if abbrev(s, "PUNCH", 3) {
            Some(Box::new(SpoolOutput::punch(2540)))
        } else if abbrev(s, "READER", 3) {
            Some(Box::new(Reader::new(2540)))
        } else {
            None
        };
        if let Some(unit) = unit {
            let name = unit.class().name();
            let mut a = w.next();
            if a.as_deref() == Some("AS") {
                a = w.next();
            }
            let Some(v) = a.as_deref().and_then(parse_vaddr) else {
                return CpResult::error("DMKDEF022E VADDR MISSING OR INVALID");
            };
            if self.devices.contains_key(&v) {
                return CpResult::error(format!("DMKDEF092E DEV {v:03X} ALREADY DEFINED"));
            }
            self.add(v, unit);
            return self.imsg(format!("{name} {v:03X} DEFINED"));
        }
        if let Some(t) = s.strip_prefix('T').and_then(|t| t.parse::<u16>().ok()) {
            if !TDISK_TYPES.contains(&t) {
                return CpResult::error(format!("DMKDEF003E INVALID OPTION - {s}"));
            }
            let mut a = w.next();
            if a.as_deref() == Some("AS") {
                a = w.next();
            }
            let Some(v) = a.as_deref().and_then(parse_vaddr) else {
                return CpResult::error("DMKDEF022E VADDR MISSING OR INVALID");
            };
            let mut c = w.next();
            if c.as_deref().is_some_and(|c| abbrev(c, "CYL", 3)) {
                c = w.next();
            }
            let Some(cyls) = c.and_then(|c| c.parse::<u16>().ok()).filter(|n| *n > 0) else {
                return CpResult::error("DMKDEF024E CYLINDERS MISSING OR INVALID");
            };
            if self.devices.contains_key(&v) {
                return CpResult::error(format!("DMKDEF092E DEV {v:03X} ALREADY DEFINED"));
            }
            // The pool: the cylinders of the T-disks this machine has, and this one.
            let in_use: u32 = self
                .devices
                .values()
                .filter(|d| d.tdisk.is_some())
                .map(|d| d.minidisk().map_or(0, |m| u32::from(m.cylinders)))
                .sum();
            if in_use + u32::from(cyls) > tdisk_pool() {
                return CpResult::error(format!(
                    "DMKDEF091E DASD {v:03X} NOT DEFINED; TEMP SPACE NOT AVAILABLE"
                ));
            }
            return match self.define_tdisk(v, t, cyls) {
                Ok(()) => self.imsg(format!("DASD {v:03X} DEFINED")),
                Err(e) => {
                    eprintln!("vm390: temporary minidisk {v:03X}: {e}");
                    CpResult::error(format!(
                        "DMKDEF091E DASD {v:03X} NOT DEFINED; TEMP SPACE NOT AVAILABLE"
                    ))
                }
            };
        }
        CpResult::error(format!("DMKDEF003E INVALID OPTION - {s}"))
    }

    /// A temporary minidisk: a fresh CKD image of `cyls` cylinders in [`tdisk_dir`],
    /// read-write, removed at DETACH or LOGOFF. The image is sparse (only each track's
    /// home address and R0 are written) and readable by its owner only (mode 0600).
    fn define_tdisk(&mut self, vaddr: u16, devtype: u16, cyls: u16) -> Result<(), String> {
        let path: PathBuf = tdisk_dir().join(format!(
            "vm390-tdisk-{}-{}-{vaddr:03X}.ckd",
            std::process::id(),
            self.user.id
        ));
        let _ = std::fs::remove_file(&path);
        // The image layer names device types in hex (X'3350'), the directory in decimal.
        let hex = u16::from_str_radix(&devtype.to_string(), 16).map_err(|e| e.to_string())?;
        let img = crate::dasd::create_ckd(&path, hex, cyls).map_err(|e| e.to_string())?;
        let md = crate::io::dasd::Minidisk::new(
            vaddr,
            devtype,
            0,
            cyls,
            false,
            "(TEMP)".to_string(),
            img,
        );
        self.add(vaddr, Box::new(md));
        if let Some(d) = self.devices.get_mut(&vaddr) {
            d.tdisk = Some(path);
        }
        Ok(())
    }
}

/// How [`open_image`] opened an image.
enum Opened {
    /// As asked (read-write when asked for write).
    AsAsked(Box<dyn dasd::CkdImage>),
    /// Read-only although write was asked: another process writes the image (it holds
    /// the image's lock; the pid where known).
    HeldBy(Box<dyn dasd::CkdImage>, Option<u32>),
}

/// Opens a minidisk image: read-write when `write` and the file is writable (its
/// permission bits allow writing — also for root — and it opens for writing), else
/// read-only, which makes the minidisk read-only. An image another process writes (it
/// holds the image's lock) is opened read-only too, with a message naming the file and
/// that process. An image that cannot be opened at all (missing, not an image, damaged)
/// is an error, whatever the mode, and nothing else is said about it.
fn open_image(path: &Path, write: bool, vaddr: u16) -> Result<Opened, dasd::DasdError> {
    if !write {
        return dasd::open(path, true).map(Opened::AsAsked);
    }
    let writable = std::fs::metadata(path).is_ok_and(|m| !m.permissions().readonly());
    let mut why = None;
    if writable {
        match dasd::open(path, false) {
            Ok(img) => return Ok(Opened::AsAsked(img)),
            Err(dasd::DasdError::Locked { pid, .. }) => {
                let img = dasd::open(path, true)?;
                let who = pid.map_or("another process".to_string(), |p| format!("pid {p}"));
                eprintln!(
                    "vm390: {} is in use by {who}: minidisk {vaddr:03X} is read-only",
                    path.display()
                );
                return Ok(Opened::HeldBy(img, pid));
            }
            // Not openable for writing (a read-only file system, a CCKD file marked as
            // opened, an emx370 .ckdc): read-only if it opens for reading.
            Err(e) => why = Some(e),
        }
    }
    // A file that does not open for reading (missing, not an image, damaged) is the error,
    // and the only one said: not its permissions or write access.
    let img = dasd::open(path, true)?;
    if let Some(e) = why {
        eprintln!("vm390: {e}");
    }
    eprintln!(
        "vm390: {} is not writable: minidisk {vaddr:03X} is read-only",
        path.display()
    );
    Ok(Opened::AsAsked(img))
}
