//! CKD minidisks as CMS uses them: DIAGNOSE X'18' (standard DASD I/O) channel programs of
//! SEEK, SET SECTOR, SEARCH ID EQUAL, TIC, READ DATA / WRITE DATA and SEEK HEAD on
//! 800-byte blocks, with the R6 condition codes and R15 values
//! (GC20-1807-7, "DIAGNOSE Code X'18'").
//!
//! Cylinders in the guest's SEEK and SEARCH arguments are minidisk cylinders; CP relocates
//! them by the minidisk's start cylinder.
//!
//! A minidisk linked in a write mode on an image opened read-write is written through:
//! each WRITE DATA replaces the record's data in the track (read once and kept) and the
//! whole track goes back to the image with `write_track`; [`Minidisk::flush`] (at LOGOFF)
//! leaves the file consistent. A minidisk on an image opened read-only is a read-only
//! minidisk: WRITE DATA gets condition code 1 with R15 = 3 and nothing is written.

use std::collections::HashMap;
use std::path::Path;

use super::device::{
    ChannelDevice, Command, DeviceClass, DeviceError, Diag24Words, IoContext, QueryContext,
};
use super::{fetch, store, Ccw, DevReply, Stores};
use crate::dasd::{CkdImage, DasdError, Record, Track};
use crate::storage::Storage;

/// A CKD minidisk of a virtual machine.
pub struct Minidisk {
    /// Virtual device address.
    pub vaddr: u16,
    /// Device type, as the directory writes it (decimal 3350 for a 3350).
    pub devtype: u16,
    /// First real cylinder of the minidisk.
    pub start_cyl: u16,
    /// Cylinders of the minidisk.
    pub cylinders: u16,
    /// Read-only minidisk (a read-only link, or an image opened read-only).
    pub read_only: bool,
    /// Volume serial of the real volume.
    pub volser: String,
    /// The image, shared with the other minidisks on it (see [`SharedImage`]).
    image: SharedImage,
    /// The image's write generation the kept tracks are current for.
    seen: u64,
    /// The image file.
    path: std::path::PathBuf,
    /// The image's heads per cylinder and cylinders.
    heads: u16,
    image_cylinders: u16,
    /// Tracks read (and written) so far, by real (cylinder, head).
    tracks: HashMap<(u16, u16), Track>,
    /// Channel programs: where the access mechanism is.
    pos: Position,
    /// Sense byte 0 of the last channel command (zero when it ended normally).
    sense: u8,
}

/// The position of a minidisk's access mechanism for channel programs (SIO, IPL): the
/// minidisk cylinder and head of the last seek, the index of the next record to pass
/// under the head, the record a search or read last oriented to, and how often the index
/// point was passed since the last seek or successful search.
#[derive(Clone, Copy, Debug, Default)]
struct Position {
    cyl: u16,
    head: u16,
    next: usize,
    oriented: Option<usize>,
    index_passes: u8,
}

/// Sense byte 0 bits of a DASD (*IBM 3350 Direct Access Storage Reference*, GA26-1638,
/// sense bytes): command reject, intervention required, data check; byte 1 of
/// "no record found" is folded into byte 0 as a data check here.
mod dsense {
    pub const COMMAND_REJECT: u8 = 0x80;
    pub const NO_RECORD_FOUND: u8 = 0x08;
}

impl std::fmt::Debug for Minidisk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Minidisk")
            .field("vaddr", &self.vaddr)
            .field("devtype", &self.devtype)
            .field("start_cyl", &self.start_cyl)
            .field("cylinders", &self.cylinders)
            .field("read_only", &self.read_only)
            .field("volser", &self.volser)
            .finish()
    }
}

/// The CP type byte DIAGNOSE X'24' returns for a DASD type (given as the directory writes
/// it: decimal 3350 for a 3350).
pub fn diag24_type(devtype: u16) -> u8 {
    match devtype {
        2305 => 0x02,
        2311 => 0x80,
        2314 | 2319 => 0x40,
        3330 => 0x10,
        3340 => 0x01,
        3350 => 0x08,
        3375 => 0x04,
        3380 => 0x20,
        _ => 0x00,
    }
}

/// A minidisk on a channel: channel programs (START I/O, IPL, DIAGNOSE X'20') run its CKD
/// commands ([`Minidisk::channel_command`]); the sense of each command is kept for SENSE.
impl ChannelDevice for Minidisk {
    fn devtype(&self) -> u16 {
        self.devtype
    }
    fn class(&self) -> DeviceClass {
        DeviceClass::Dasd
    }
    fn diag24(&self) -> Diag24Words {
        let t = u32::from(diag24_type(self.devtype));
        let ro = if self.read_only { 0x80 } else { 0 };
        Diag24Words {
            vdev: 0x0400_0000 | (t << 16) | ro,
            rdev: 0x0400_0000 | (t << 16),
        }
    }
    fn start(&mut self, cmd: Command<'_>, _ctx: &mut IoContext<'_>) -> DevReply {
        let (reply, sense) = self.channel_command(cmd.code, cmd.data);
        self.sense = sense;
        reply
    }
    fn sense(&self) -> Vec<u8> {
        vec![self.sense]
    }
    fn clear_sense(&mut self) {
        self.sense = 0;
    }
    fn describe(&self, q: &QueryContext<'_>) -> String {
        let vol = if q.temporary {
            "(TEMP)"
        } else {
            self.volser.as_str()
        };
        format!(
            "DASD {:03X} {} {:<6} {} {:>6} CYL",
            q.vaddr,
            self.devtype,
            vol,
            if self.read_only { "R/O" } else { "R/W" },
            self.cylinders
        )
    }
    fn can_ipl(&self) -> bool {
        true
    }
    fn flush(&mut self) -> Result<(), DeviceError> {
        Minidisk::flush(self).map_err(Into::into)
    }
    fn as_minidisk(&self) -> Option<&Minidisk> {
        Some(self)
    }
    fn as_minidisk_mut(&mut self) -> Option<&mut Minidisk> {
        Some(self)
    }
}

/// Result of DIAGNOSE X'18': condition code and the R15 value (None: R15 unchanged).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Diag18 {
    /// Condition code.
    pub cc: u8,
    /// R15 on return, when set.
    pub r15: Option<u32>,
}

impl Diag18 {
    fn ok() -> Diag18 {
        Diag18 { cc: 0, r15: None }
    }
    fn err(cc: u8, r15: u32) -> Diag18 {
        Diag18 { cc, r15: Some(r15) }
    }
}

/// A DASD image as the minidisks of every user on it share it: one open file per image in
/// the control program (one writer, as the image's lock requires), and a write generation
/// that tells every minidisk when another wrote a track, so that its kept tracks are read
/// again (what one user writes, another sees at its next read: VM/370's minidisks are
/// extents of one real volume).
pub struct ImageSlot {
    /// The open image.
    pub image: Box<dyn CkdImage>,
    /// Incremented by every track written.
    pub generation: u64,
}

impl std::fmt::Debug for ImageSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageSlot")
            .field("path", &self.image.path())
            .field("generation", &self.generation)
            .finish()
    }
}

/// An [`ImageSlot`] shared by minidisks.
pub type SharedImage = std::sync::Arc<std::sync::Mutex<ImageSlot>>;

/// `image` as a [`SharedImage`] of its own.
pub fn share(image: Box<dyn CkdImage>) -> SharedImage {
    std::sync::Arc::new(std::sync::Mutex::new(ImageSlot {
        image,
        generation: 0,
    }))
}

/// Locks a shared image (a panic elsewhere while it was locked leaves it usable).
pub fn lock_image(i: &SharedImage) -> std::sync::MutexGuard<'_, ImageSlot> {
    i.lock().unwrap_or_else(|e| e.into_inner())
}

/// Largest READ/WRITE byte count in R6.
pub const MAX_COUNT: u16 = 2048;

impl Minidisk {
    /// A minidisk on `image`; read-only when `read_only` or when the image was opened
    /// read-only.
    pub fn new(
        vaddr: u16,
        devtype: u16,
        start_cyl: u16,
        cylinders: u16,
        read_only: bool,
        volser: String,
        image: Box<dyn CkdImage>,
    ) -> Minidisk {
        Minidisk::on_shared(
            vaddr,
            devtype,
            start_cyl,
            cylinders,
            read_only,
            volser,
            share(image),
        )
    }

    /// A minidisk on the shared image `image` (see [`ImageSlot`]).
    pub fn on_shared(
        vaddr: u16,
        devtype: u16,
        start_cyl: u16,
        cylinders: u16,
        read_only: bool,
        volser: String,
        image: SharedImage,
    ) -> Minidisk {
        let slot = lock_image(&image);
        let (ro, seen, path) = (
            slot.image.read_only(),
            slot.generation,
            slot.image.path().to_path_buf(),
        );
        let (heads, image_cylinders) = (slot.image.heads(), slot.image.cylinders());
        drop(slot);
        Minidisk {
            vaddr,
            devtype,
            start_cyl,
            cylinders,
            read_only: read_only || ro,
            volser,
            image,
            seen,
            path,
            heads,
            image_cylinders,
            tracks: HashMap::new(),
            pos: Position::default(),
            sense: 0,
        }
    }

    /// One CCW of a channel program started on the minidisk (START I/O, IPL): SEEK (07),
    /// SEEK CYLINDER (0B), SEEK HEAD (1B), RECALIBRATE (13), SET SECTOR (23), READ SECTOR
    /// (22), SEARCH ID EQUAL / HIGH / HIGH OR EQUAL (31, 51, 71), SEARCH HOME ADDRESS EQUAL
    /// (39), READ IPL (02), READ DATA (06), READ COUNT (12), READ R0 (16), READ KEY AND
    /// DATA (0E), READ COUNT KEY AND DATA (1E), WRITE DATA (05), NO-OP (03). Cylinders are
    /// minidisk cylinders (relocated by the start cylinder); a seek outside the minidisk is
    /// a command reject. A search that passes the index point twice without a match ends
    /// with unit check, no record found. Returns the reply and the sense byte.
    pub fn channel_command(&mut self, cmd: u8, out: &[u8]) -> (DevReply, u8) {
        let reject = (DevReply::unit_check(), dsense::COMMAND_REJECT);
        let ok = |n: usize| (DevReply::took(n), 0u8);
        match cmd {
            0x03 => ok(out.len()),
            0x07 | 0x0B | 0x1B => {
                let (cyl, head) = match cmd {
                    0x1B if out.len() >= 6 => (self.pos.cyl, u16::from_be_bytes([out[4], out[5]])),
                    _ if out.len() >= 6 => (
                        u16::from_be_bytes([out[2], out[3]]),
                        u16::from_be_bytes([out[4], out[5]]),
                    ),
                    _ => return reject,
                };
                if cyl >= self.cylinders || head >= self.heads {
                    return reject;
                }
                self.pos = Position {
                    cyl,
                    head,
                    ..Position::default()
                };
                ok(6)
            }
            0x13 => {
                self.pos = Position::default();
                (DevReply::default(), 0)
            }
            0x23 => ok(1.min(out.len())),
            0x22 => (DevReply::input(vec![0]), 0),
            0x31 | 0x51 | 0x71 => {
                let Some((count, n)) = self.next_record() else {
                    return (DevReply::unit_check(), dsense::NO_RECORD_FOUND);
                };
                let arg = &out[..out.len().min(5)];
                let have = &count[..arg.len()];
                let hit = match cmd {
                    0x31 => have == arg,
                    0x51 => have > arg,
                    _ => have >= arg,
                };
                self.pos.oriented = Some(n);
                if hit {
                    self.pos.index_passes = 0;
                    (
                        DevReply {
                            unit: super::unit::STATUS_MODIFIER,
                            accepted: arg.len(),
                            ..Default::default()
                        },
                        0,
                    )
                } else {
                    self.pos.oriented = None;
                    ok(arg.len())
                }
            }
            0x39 => {
                let real = self.start_cyl.saturating_add(self.pos.cyl);
                let ha = [
                    (real >> 8) as u8,
                    real as u8,
                    (self.pos.head >> 8) as u8,
                    self.pos.head as u8,
                ];
                let arg = &out[..out.len().min(4)];
                self.pos.next = 0;
                if arg == &ha[..arg.len()] {
                    (
                        DevReply {
                            unit: super::unit::STATUS_MODIFIER,
                            accepted: arg.len(),
                            ..Default::default()
                        },
                        0,
                    )
                } else {
                    ok(arg.len())
                }
            }
            0x02 | 0x06 | 0x0E | 0x12 | 0x16 | 0x1E => {
                if cmd == 0x02 {
                    self.pos = Position::default();
                }
                if cmd == 0x16 {
                    self.pos.next = 0;
                    self.pos.oriented = None;
                }
                // After a search the oriented record is read; otherwise the next one.
                let n = match (cmd, self.pos.oriented.take()) {
                    (0x06 | 0x0E, Some(n)) => n,
                    _ => match self.next_record() {
                        Some((_, n)) => n,
                        None => return (DevReply::unit_check(), dsense::NO_RECORD_FOUND),
                    },
                };
                let real = self.start_cyl.saturating_add(self.pos.cyl);
                let head = self.pos.head;
                let Some(r) = self
                    .track(real, head)
                    .and_then(|t| t.records.get(n))
                    .cloned()
                else {
                    return (DevReply::unit_check(), dsense::NO_RECORD_FOUND);
                };
                if cmd == 0x02 && r.rec == 0 {
                    // READ IPL reads record 1.
                    return self.channel_command(0x06, out);
                }
                let count = Self::count_of(&r, self.pos.cyl);
                let data = match cmd {
                    0x12 => count.to_vec(),
                    0x0E => [r.key.clone(), r.data.clone()].concat(),
                    0x16 | 0x1E => [count.to_vec(), r.key.clone(), r.data.clone()].concat(),
                    _ => r.data.clone(),
                };
                if cmd == 0x12 {
                    self.pos.oriented = Some(n);
                }
                (DevReply::input(data), 0)
            }
            0x05 => {
                let Some(n) = self.pos.oriented.take() else {
                    return reject;
                };
                let real = self.start_cyl.saturating_add(self.pos.cyl);
                let head = self.pos.head;
                let Some(rec) = self
                    .track(real, head)
                    .and_then(|t| t.records.get(n))
                    .map(|r| r.rec)
                else {
                    return reject;
                };
                if self.read_only {
                    return reject;
                }
                let (cyl, head) = (self.pos.cyl, self.pos.head);
                if self.write_record(cyl, head, rec, out) {
                    ok(out.len())
                } else {
                    (DevReply::unit_check(), 0x10)
                }
            }
            _ => reject,
        }
    }

    /// The 8-byte count of record `r` as the guest sees it (minidisk cylinder).
    fn count_of(r: &Record, cyl: u16) -> [u8; 8] {
        let dl = r.data.len() as u16;
        [
            (cyl >> 8) as u8,
            cyl as u8,
            (r.head >> 8) as u8,
            r.head as u8,
            r.rec,
            r.key.len() as u8,
            (dl >> 8) as u8,
            dl as u8,
        ]
    }

    /// The count and index of the record now passing under the head (advancing it).
    fn next_record(&mut self) -> Option<([u8; 8], usize)> {
        let real = self.start_cyl.saturating_add(self.pos.cyl);
        let head = self.pos.head;
        let cyl = self.pos.cyl;
        let len = self.track(real, head)?.records.len();
        if len == 0 {
            return None;
        }
        if self.pos.next >= len {
            self.pos.next = 0;
            self.pos.index_passes += 1;
            if self.pos.index_passes >= 2 {
                self.pos.index_passes = 0;
                return None;
            }
        }
        let n = self.pos.next;
        self.pos.next += 1;
        let r = self.track(real, head)?.records.get(n)?.clone();
        Some((Self::count_of(&r, cyl), n))
    }

    /// The image file.
    pub fn image_path(&self) -> &Path {
        &self.path
    }

    /// The shared image (see [`ImageSlot`]).
    pub fn shared_image(&self) -> &SharedImage {
        &self.image
    }

    /// Whether the image file is open for writing (this minidisk may change it).
    pub fn writes_image(&self) -> bool {
        !self.read_only && !lock_image(&self.image).image.read_only()
    }

    /// Makes what was written durable and leaves the image file consistent (nothing to do
    /// for a read-only minidisk).
    pub fn flush(&mut self) -> Result<(), DasdError> {
        let mut slot = lock_image(&self.image);
        if slot.image.read_only() {
            return Ok(());
        }
        slot.image.flush()
    }

    /// The track at real (`cyl`, `head`), read once and kept.
    fn track(&mut self, cyl: u16, head: u16) -> Option<&mut Track> {
        let mut slot = lock_image(&self.image);
        if slot.generation != self.seen {
            // Another minidisk on the image wrote: what is kept may be old.
            self.tracks.clear();
            self.seen = slot.generation;
        }
        if !self.tracks.contains_key(&(cyl, head)) {
            if cyl >= self.image_cylinders || head >= self.heads {
                return None;
            }
            let t = slot.image.read_track(cyl, head).ok()?;
            self.tracks.insert((cyl, head), t);
        }
        drop(slot);
        self.tracks.get_mut(&(cyl, head))
    }

    /// Reads the data of record `rec` on minidisk (`cyl`, `head`).
    pub fn read_record(&mut self, cyl: u16, head: u16, rec: u8) -> Option<Vec<u8>> {
        let real = self.start_cyl.checked_add(cyl)?;
        let t = self.track(real, head)?;
        t.records
            .iter()
            .find(|r| r.rec == rec && rec != 0)
            .map(|r| r.data.clone())
    }

    /// Replaces the data of record `rec` (its length stays; short data is padded with
    /// zeros) and writes the track to the image. False when the record does not exist, the
    /// minidisk is read-only or the image cannot be written.
    pub fn write_record(&mut self, cyl: u16, head: u16, rec: u8, data: &[u8]) -> bool {
        if self.read_only {
            return false;
        }
        let Some(real) = self.start_cyl.checked_add(cyl) else {
            return false;
        };
        let Some(t) = self.track(real, head) else {
            return false;
        };
        let Some(r) = t
            .records
            .iter_mut()
            .find(|r: &&mut Record| r.rec == rec && rec != 0)
        else {
            return false;
        };
        let n = r.data.len().min(data.len());
        r.data[..n].copy_from_slice(&data[..n]);
        for b in &mut r.data[n..] {
            *b = 0;
        }
        let Some(t) = self.tracks.get(&(real, head)) else {
            return false;
        };
        let mut slot = lock_image(&self.image);
        let written = slot.image.write_track(real, head, t);
        if written.is_ok() {
            // This minidisk's tracks stay current; the others read again.
            slot.generation += 1;
            if self.seen + 1 == slot.generation {
                self.seen = slot.generation;
            }
        }
        drop(slot);
        match written {
            Ok(()) => true,
            Err(e) => {
                eprintln!("vm390: minidisk {:03X}: {e}", self.vaddr);
                // The kept track no longer matches the image: read it again next time.
                self.tracks.remove(&(real, head));
                false
            }
        }
    }

    /// Runs a DIAGNOSE X'18' channel program at `ccw_addr` (guest real = absolute for a
    /// virtual machine without prefixing) with `nrw` READ/WRITE CCWs, as CP's DMKHVC does.
    /// Stores into guest storage are recorded in `stores`.
    pub fn diag18(
        &mut self,
        mem: &mut Storage,
        ccw_addr: u32,
        nrw: u32,
        stores: &mut Stores,
    ) -> Diag18 {
        if ccw_addr & 7 != 0 {
            return Diag18::err(2, 5);
        }
        if nrw == 0 || nrw > 15 {
            return Diag18::err(2, 11);
        }
        let heads = self.heads;
        let mut at = ccw_addr & 0x00FF_FFFF;
        let mut first_cyl: Option<u16> = None;
        let (mut cyl, mut head, mut rec) = (0u16, 0u16, 0u8);
        let mut searched = false;
        let mut rw_done = 0u32;
        let mut skip_next = false;
        for _ in 0..(nrw as usize * 8 + 8) {
            let Some(ccw) = Ccw::fetch(mem, at) else {
                return Diag18::err(2, 5);
            };
            let next = at.wrapping_add(8);
            if skip_next {
                // The search was satisfied: status modifier skips the TIC back to it.
                skip_next = false;
                at = next;
                continue;
            }
            match ccw.cmd {
                0x07 | 0x1B => {
                    // SEEK / SEEK HEAD: argument 00 00 CC CC HH HH.
                    let Ok(arg) = fetch(mem, 0, ccw.addr, 6) else {
                        return Diag18::err(2, 6);
                    };
                    let c = u16::from_be_bytes([arg[2], arg[3]]);
                    let h = u16::from_be_bytes([arg[4], arg[5]]);
                    if ccw.cmd == 0x1B {
                        if first_cyl.is_some_and(|f| f != c) {
                            return Diag18::err(2, 12);
                        }
                    } else if first_cyl.is_none() {
                        first_cyl = Some(c);
                    }
                    if c >= self.cylinders || h >= heads {
                        return Diag18::err(1, 4);
                    }
                    cyl = c;
                    head = h;
                    searched = false;
                }
                0x23 => {
                    // SET SECTOR: the argument byte only has to be addressable.
                    if fetch(mem, 0, ccw.addr, 1).is_err() {
                        return Diag18::err(2, 6);
                    }
                }
                0x31 => {
                    // SEARCH ID EQUAL: CC CC HH HH R.
                    let Ok(arg) = fetch(mem, 0, ccw.addr, 5) else {
                        return Diag18::err(2, 6);
                    };
                    let c = u16::from_be_bytes([arg[0], arg[1]]);
                    let h = u16::from_be_bytes([arg[2], arg[3]]);
                    if c != cyl || h != head {
                        // Searching for a record not on the track under the heads.
                        return Diag18::err(3, 13);
                    }
                    rec = arg[4];
                    searched = true;
                    skip_next = true;
                }
                0x08 => {
                    // A TIC not skipped by a satisfied search.
                    return Diag18::err(2, 7);
                }
                0x03 => {}
                0x05 | 0x06 => {
                    if ccw.count == 0 {
                        return Diag18::err(2, 8);
                    }
                    if ccw.count > MAX_COUNT {
                        return Diag18::err(2, 9);
                    }
                    if !searched {
                        return Diag18::err(2, 7);
                    }
                    rw_done += 1;
                    if rw_done > nrw {
                        return Diag18::err(2, 11);
                    }
                    if ccw.cmd == 0x06 {
                        let Some(data) = self.read_record(cyl, head, rec) else {
                            return Diag18::err(3, 13);
                        };
                        let n = data.len().min(ccw.count as usize);
                        if !mem.contains(crate::storage::AbsAddr(ccw.addr), ccw.count as u32) {
                            return Diag18::err(2, 10);
                        }
                        if store(mem, 0, ccw.addr, &data[..n], stores).is_err() {
                            return Diag18::err(2, 10);
                        }
                    } else {
                        if self.read_only {
                            return Diag18::err(1, 3);
                        }
                        let Ok(data) = fetch(mem, 0, ccw.addr, ccw.count as u32) else {
                            return Diag18::err(2, 10);
                        };
                        if !self.write_record(cyl, head, rec, &data) {
                            return Diag18::err(3, 13);
                        }
                    }
                    // The next record needs a new search.
                    searched = false;
                }
                _ => return Diag18::err(2, 7),
            }
            if ccw.flags & 0xC0 == 0 {
                return Diag18::ok();
            }
            at = next;
        }
        Diag18::err(2, 11)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(mem: &mut Storage, at: u32, b: &[u8]) {
        mem.bytes_mut()[at as usize..at as usize + b.len()].copy_from_slice(b);
    }

    fn ccw(cmd: u8, addr: u32, flags: u8, count: u16) -> [u8; 8] {
        let a = addr.to_be_bytes();
        let c = count.to_be_bytes();
        [cmd, a[1], a[2], a[3], flags, 0, c[0], c[1]]
    }

    #[test]
    fn reads_the_label_block_of_the_191() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/cms370");
        let path = dir.join("cmsuser_191.cckd");
        if !path.is_file() {
            if std::env::var("VM390_ORACLES").as_deref() == Ok("require") {
                panic!("{} missing", path.display());
            }
            eprintln!("SKIPPED: {} missing", path.display());
            return;
        }
        // A copy: the shared image is never written.
        let tmp = tempfile::tempdir().unwrap();
        let copy = tmp.path().join("cmsuser_191.cckd");
        std::fs::copy(&path, &copy).unwrap();
        let img = crate::dasd::open(&copy, false).unwrap();
        let mut md = Minidisk::new(0x191, 3350, 0, 115, false, "CMS191".into(), img);
        assert!(md.writes_image());
        let mut mem = Storage::new(1 << 16).unwrap();
        // Block 3 = cylinder 0, head 0, record 3.
        put(&mut mem, 0x100, &[0, 0, 0, 0, 0, 0]);
        put(&mut mem, 0x108, &[0, 0, 0, 0, 3]);
        put(&mut mem, 0x110, &[3]);
        put(&mut mem, 0x200, &ccw(0x07, 0x100, 0x40, 6));
        put(&mut mem, 0x208, &ccw(0x23, 0x110, 0x40, 1));
        put(&mut mem, 0x210, &ccw(0x31, 0x108, 0x40, 5));
        put(&mut mem, 0x218, &ccw(0x08, 0x210, 0, 0));
        put(&mut mem, 0x220, &ccw(0x06, 0x1000, 0x20, 800));
        let mut stores = Vec::new();
        let r = md.diag18(&mut mem, 0x200, 1, &mut stores);
        assert_eq!(r, Diag18::ok());
        // "CMS=" in EBCDIC.
        assert_eq!(&mem.bytes()[0x1000..0x1004], &[0xC3, 0xD4, 0xE2, 0x7E]);
        // A write goes through to the image; a read-only link refuses it.
        put(&mut mem, 0x220, &ccw(0x05, 0x1000, 0x20, 800));
        mem.bytes_mut()[0x1000] = 0xC4;
        assert_eq!(md.diag18(&mut mem, 0x200, 1, &mut stores), Diag18::ok());
        assert_eq!(md.read_record(0, 0, 3).unwrap()[0], 0xC4);
        md.flush().unwrap();
        let img = crate::dasd::open(&copy, true).unwrap();
        let mut again = Minidisk::new(0x191, 3350, 0, 115, false, "CMS191".into(), img);
        assert!(again.read_only && !again.writes_image());
        assert_eq!(again.read_record(0, 0, 3).unwrap()[0], 0xC4);
        assert_eq!(
            again.diag18(&mut mem, 0x200, 1, &mut stores),
            Diag18::err(1, 3)
        );
        md.read_only = true;
        assert_eq!(
            md.diag18(&mut mem, 0x200, 1, &mut stores),
            Diag18::err(1, 3)
        );
        // Errors: misaligned chain, bad R15, cylinder outside the minidisk.
        assert_eq!(
            md.diag18(&mut mem, 0x204, 1, &mut stores),
            Diag18::err(2, 5)
        );
        assert_eq!(
            md.diag18(&mut mem, 0x200, 0, &mut stores),
            Diag18::err(2, 11)
        );
        put(&mut mem, 0x100, &[0, 0, 0, 200, 0, 0]);
        assert_eq!(
            md.diag18(&mut mem, 0x200, 1, &mut stores),
            Diag18::err(1, 4)
        );
    }

    #[test]
    fn random_diag18_chains_never_panic() {
        let dir = tempfile::tempdir().unwrap();
        let img = crate::dasd::create_ckd(&dir.path().join("t.ckd"), 0x3350, 2).unwrap();
        let mut md = Minidisk::new(0x191, 3350, 0, 2, false, "T".into(), img);
        let mut mem = Storage::new(1 << 16).unwrap();
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..3000 {
            for at in (0x200..0x280).step_by(8) {
                let r = next();
                let cmd = [0x07, 0x1B, 0x23, 0x31, 0x08, 0x05, 0x06, 0x03, r as u8]
                    [(r >> 56) as usize % 9];
                let addr = if r & 1 == 0 {
                    0x100
                } else {
                    (r >> 8) as u32 & 0xFF_FFFF
                };
                put(
                    &mut mem,
                    at,
                    &ccw(cmd, addr, (r >> 32) as u8 & 0xE0, (r >> 40) as u16 & 0xFFF),
                );
            }
            let r = next();
            put(
                &mut mem,
                0x100,
                &[0, 0, 0, (r & 3) as u8, 0, (r >> 2) as u8 & 31],
            );
            let mut stores = Vec::new();
            let _ = md.diag18(
                &mut mem,
                0x200 + (r >> 8) as u32 % 3 * 4,
                (r >> 16) as u32 % 17,
                &mut stores,
            );
        }
    }
}
