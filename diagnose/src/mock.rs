//! A [`Machine`] made of plain fields, for tests of the handlers (and of anything that
//! dispatches DIAGNOSE without a CPU).

use std::collections::BTreeMap;

use crate::{
    AccountingRequest, Arch, BlockDevice, BlockIoState, ConsoleInfo, CpResponse, DeviceInfo, Emsg,
    IoAnswer, IoRequest, LocalTime, Machine, ProgramCheck, SegmentAnswer, SegmentOp, VmcfState,
};

/// A CKD minidisk of the mock: tracks of [`MockDisk::TRACK_BYTES`] bytes, so a track holds
/// `TRACK_BYTES / block size` records of a block size; records by (track, record).
#[derive(Clone, Debug, Default)]
pub struct MockDisk {
    /// Tracks.
    pub tracks: u32,
    /// Read-only.
    pub read_only: bool,
    /// Records by (track, record number).
    pub records: BTreeMap<(u32, u8), Vec<u8>>,
}

impl MockDisk {
    /// Bytes of records per track.
    pub const TRACK_BYTES: u32 = 16384;

    /// A disk of `tracks` tracks formatted with records of `block_size` bytes; record data
    /// is the block's number (1-based, 4 bytes) followed by its low byte repeated.
    pub fn formatted(tracks: u32, block_size: u32) -> MockDisk {
        let per = Self::TRACK_BYTES / block_size;
        let mut records = BTreeMap::new();
        for t in 0..tracks {
            for r in 1..=per {
                let n = t * per + r;
                let mut d = vec![n as u8; block_size as usize];
                d[0..4].copy_from_slice(&n.to_be_bytes());
                records.insert((t, r as u8), d);
            }
        }
        MockDisk {
            tracks,
            read_only: false,
            records,
        }
    }
}

/// A virtual machine in plain fields. Storage is a flat vector with no prefixing; one range
/// may be marked store-protected.
#[derive(Clone, Debug)]
pub struct MockMachine {
    /// General registers.
    pub gpr: [u32; 16],
    /// Condition code.
    pub cc: u8,
    /// Architecture.
    pub arch: Arch,
    /// Addressing-mode mask.
    pub amask: u32,
    /// Storage.
    pub mem: Vec<u8>,
    /// Stores into `[start, end)` give a protection exception.
    pub protected: Option<(u32, u32)>,
    /// User id.
    pub userid: String,
    /// SET EMSG.
    pub emsg: Emsg,
    /// The local time.
    pub time: LocalTime,
    /// CPU times (virtual, total) in microseconds.
    pub cpu_time: (u64, u64),
    /// Devices by number.
    pub devices: BTreeMap<u16, DeviceInfo>,
    /// The console.
    pub console: Option<ConsoleInfo>,
    /// The console's 3270 screen (rows, columns), if it is one.
    pub console_screen: Option<(u16, u16)>,
    /// Canned CP responses by command (upper case); others are unknown commands.
    pub responses: BTreeMap<String, CpResponse>,
    /// Commands run, with the refuse-password flag.
    pub commands: Vec<(String, bool)>,
    /// Lines written to the console.
    pub console_lines: Vec<String>,
    /// DIAG X'58' displays: (console address, lines), one per DIAGNOSE.
    pub displays: Vec<(u16, Vec<String>)>,
    /// DIAG X'58' X'19' displays on a 3270: (console address, erase, starting line, rows).
    pub displays_at: Vec<(u16, bool, u32, Vec<String>)>,
    /// Answers to DIAG X'58' full-screen operations, first first (none left: the trait's
    /// default).
    pub fullscreen_answers: std::collections::VecDeque<crate::display::FullScreenAnswer>,
    /// Full-screen operations seen: (console address, write command or None for a read,
    /// data written or READ MODIFIED as `[1]` / READ BUFFER as `[0]`, PA1 to the guest).
    pub fullscreen_ops: Vec<(u16, Option<crate::display::FullScreenWrite>, Vec<u8>, bool)>,
    /// Ending statuses made pending: (console address, CSW).
    pub console_statuses: Vec<(u16, [u8; 8])>,
    /// Answer to DIAG X'18' / X'20' (None: the trait's default).
    pub io_answer: Option<IoAnswer>,
    /// I/O requests seen.
    pub io_requests: Vec<IoRequest>,
    /// Answer to DIAG X'64' (None: the trait's default).
    pub segment_answer: Option<SegmentAnswer>,
    /// Segment requests seen.
    pub segment_requests: Vec<(SegmentOp, String)>,
    /// Answer to DIAG X'4C' (None: the trait's default).
    pub account_cc: Option<u8>,
    /// Accounting requests seen.
    pub account_requests: Vec<AccountingRequest>,
    /// CKD minidisks for DIAG X'250'.
    pub disks: BTreeMap<u16, MockDisk>,
    /// DIAG X'250' state.
    pub block_io: BlockIoState,
    /// X'2603' interruptions made pending: (subcode, parameter).
    pub interrupts: Vec<(u16, u32)>,
    /// Storage keys set, by frame address.
    pub keys: BTreeMap<u32, u8>,
    /// DIAG X'68' state: a hub of its own unless a test shares one between mocks.
    pub vmcf: VmcfState,
    /// X'4001' interruptions made pending.
    pub vmcf_interrupts: u32,
    /// Answer to DIAG X'14' (None: the trait's default).
    pub spool_answer: Option<crate::SpoolInputAnswer>,
    /// DIAG X'14' requests seen: (reader, request).
    pub spool_requests: Vec<(Option<u16>, crate::SpoolInputOp)>,
}

impl MockMachine {
    /// An ESA/390 machine in 31-bit mode with 64 KiB of zeroed storage, user id `MOCKUSER`,
    /// SET EMSG ON, the time 1986-07-04 13:05:09 UTC.
    pub fn new() -> MockMachine {
        MockMachine {
            gpr: [0; 16],
            cc: 0,
            arch: Arch::Esa390,
            amask: 0x7FFF_FFFF,
            mem: vec![0; 0x10000],
            protected: None,
            userid: "MOCKUSER".into(),
            emsg: Emsg::On,
            time: LocalTime {
                year: 1986,
                month: 7,
                day: 4,
                hour: 13,
                minute: 5,
                second: 9,
                utc_offset: 0,
            },
            cpu_time: (0, 0),
            devices: BTreeMap::new(),
            console: None,
            console_screen: None,
            responses: BTreeMap::new(),
            commands: Vec::new(),
            console_lines: Vec::new(),
            displays: Vec::new(),
            displays_at: Vec::new(),
            fullscreen_answers: Default::default(),
            fullscreen_ops: Vec::new(),
            console_statuses: Vec::new(),
            io_answer: None,
            io_requests: Vec::new(),
            segment_answer: None,
            segment_requests: Vec::new(),
            spool_answer: None,
            spool_requests: Vec::new(),
            account_cc: None,
            account_requests: Vec::new(),
            disks: BTreeMap::new(),
            block_io: BlockIoState::default(),
            interrupts: Vec::new(),
            keys: BTreeMap::new(),
            vmcf: VmcfState::new(crate::vmcf::Hub::default(), "MOCKUSER"),
            vmcf_interrupts: 0,
        }
    }

    /// Copies `data` into storage at `addr`.
    pub fn put(&mut self, addr: u32, data: &[u8]) {
        self.mem[addr as usize..addr as usize + data.len()].copy_from_slice(data);
    }

    /// `len` bytes of storage at `addr`.
    pub fn get(&self, addr: u32, len: usize) -> &[u8] {
        &self.mem[addr as usize..addr as usize + len]
    }

    fn check(&self, addr: u32, len: u32, store: bool) -> Result<(), ProgramCheck> {
        let end = addr as u64 + len as u64;
        if end > self.mem.len() as u64 {
            return Err(ProgramCheck::ADDRESSING);
        }
        if let (true, Some((s, e))) = (store, self.protected) {
            if len > 0 && (addr as u64) < e as u64 && end > s as u64 {
                return Err(ProgramCheck::PROTECTION);
            }
        }
        Ok(())
    }
}

impl Default for MockMachine {
    fn default() -> Self {
        Self::new()
    }
}

impl Machine for MockMachine {
    fn gpr(&self, r: u8) -> u32 {
        self.gpr[r as usize & 15]
    }
    fn set_gpr(&mut self, r: u8, v: u32) {
        self.gpr[r as usize & 15] = v;
    }
    fn set_cc(&mut self, cc: u8) {
        self.cc = cc & 3;
    }
    fn arch(&self) -> Arch {
        self.arch
    }
    fn address_mask(&self) -> u32 {
        self.amask
    }
    fn check_real(&mut self, addr: u32, len: u32, store: bool) -> Result<(), ProgramCheck> {
        self.check(addr, len, store)
    }
    fn read_real(&mut self, addr: u32, buf: &mut [u8]) -> Result<(), ProgramCheck> {
        self.check(addr, buf.len() as u32, false)?;
        buf.copy_from_slice(self.get(addr, buf.len()));
        Ok(())
    }
    fn write_real(&mut self, addr: u32, data: &[u8]) -> Result<(), ProgramCheck> {
        self.check(addr, data.len() as u32, true)?;
        self.put(addr, data);
        Ok(())
    }
    fn storage_size(&self) -> u32 {
        self.mem.len() as u32
    }
    fn userid(&self) -> String {
        self.userid.clone()
    }
    fn emsg(&self) -> Emsg {
        self.emsg
    }
    fn local_time(&self) -> LocalTime {
        self.time
    }
    fn cpu_time_us(&self) -> (u64, u64) {
        self.cpu_time
    }
    fn device(&self, devno: u16) -> Option<DeviceInfo> {
        self.devices.get(&devno).copied()
    }
    fn console(&self) -> Option<ConsoleInfo> {
        self.console
    }
    fn console_screen(&self) -> Option<(u16, u16)> {
        self.console_screen
    }
    fn cp_command(&mut self, command: &str, refuse_link_password: bool) -> CpResponse {
        self.commands
            .push((command.to_string(), refuse_link_password));
        self.responses
            .get(&command.to_ascii_uppercase())
            .cloned()
            .unwrap_or_else(CpResponse::unknown)
    }
    fn console_write(&mut self, line: &str) {
        self.console_lines.push(line.to_string());
    }
    fn console_display(&mut self, devno: u16, lines: &[String]) {
        self.displays.push((devno, lines.to_vec()));
        self.console_lines.extend(lines.iter().cloned());
    }
    fn console_display_at(&mut self, devno: u16, erase: bool, line: u32, rows: &[String]) {
        self.displays_at.push((devno, erase, line, rows.to_vec()));
    }
    fn fullscreen(
        &mut self,
        devno: u16,
        op: crate::display::FullScreenOp<'_>,
    ) -> crate::display::FullScreenAnswer {
        use crate::display::{FullScreenAnswer, FullScreenOp};
        let seen = match op {
            FullScreenOp::Write {
                command,
                data,
                pa1_to_guest,
            } => (devno, Some(command), data.to_vec(), pa1_to_guest),
            FullScreenOp::Read { modified } => (devno, None, vec![u8::from(modified)], false),
        };
        self.fullscreen_ops.push(seen);
        self.fullscreen_answers
            .pop_front()
            .unwrap_or(FullScreenAnswer::NotDisplay)
    }
    fn console_status(&mut self, devno: u16, csw: [u8; 8]) {
        self.console_statuses.push((devno, csw));
    }
    fn dasd_io(&mut self, req: IoRequest) -> IoAnswer {
        self.io_requests.push(req);
        self.io_answer.unwrap_or(IoAnswer::NOT_ATTACHED)
    }
    fn general_io(&mut self, req: IoRequest) -> IoAnswer {
        self.io_requests.push(req);
        self.io_answer.unwrap_or(IoAnswer::NOT_ATTACHED)
    }
    fn spool_input(
        &mut self,
        devno: Option<u16>,
        op: crate::SpoolInputOp,
    ) -> crate::SpoolInputAnswer {
        self.spool_requests.push((devno, op));
        self.spool_answer
            .clone()
            .unwrap_or(crate::SpoolInputAnswer::BAD_DEVICE)
    }
    fn saved_segment(&mut self, op: SegmentOp, name: &str) -> SegmentAnswer {
        self.segment_requests.push((op, name.to_string()));
        self.segment_answer
            .unwrap_or(SegmentAnswer::NO_SUCH_SEGMENT)
    }
    fn account(&mut self, req: AccountingRequest) -> u8 {
        self.account_requests.push(req);
        self.account_cc.unwrap_or(1)
    }
    fn check_real_key(
        &mut self,
        addr: u32,
        len: u32,
        store: bool,
        key: u8,
    ) -> Result<(), ProgramCheck> {
        // Key 0 may store anywhere; any other key is refused by the protected range.
        self.check(addr, len, store && key != 0)
    }
    fn read_real_key(&mut self, addr: u32, buf: &mut [u8], _key: u8) -> Result<(), ProgramCheck> {
        self.read_real(addr, buf)
    }
    fn write_real_key(&mut self, addr: u32, data: &[u8], key: u8) -> Result<(), ProgramCheck> {
        self.check(addr, data.len() as u32, key != 0)?;
        self.put(addr, data);
        Ok(())
    }
    fn set_storage_key(&mut self, addr: u32, key: u8) -> Result<(), ProgramCheck> {
        self.check(addr, 1, false)?;
        self.keys.insert(addr & !0xFFF, key);
        Ok(())
    }
    fn block_device(&self, devno: u16, block_size: u32) -> BlockDevice {
        match self.disks.get(&devno) {
            Some(d) => BlockDevice::Ckd {
                tracks: d.tracks,
                blocks_per_track: MockDisk::TRACK_BYTES / block_size.max(1),
                read_only: d.read_only,
            },
            None if self.devices.contains_key(&devno) => BlockDevice::NotSupported,
            None => BlockDevice::NotDefined,
        }
    }
    fn ckd_read(&mut self, devno: u16, track: u32, rec: u8) -> Option<Vec<u8>> {
        self.disks.get(&devno)?.records.get(&(track, rec)).cloned()
    }
    fn ckd_write(&mut self, devno: u16, track: u32, rec: u8, data: &[u8]) -> bool {
        match self
            .disks
            .get_mut(&devno)
            .and_then(|d| d.records.get_mut(&(track, rec)))
        {
            Some(r) if r.len() == data.len() => {
                r.copy_from_slice(data);
                true
            }
            Some(_) => false,
            None => false,
        }
    }
    fn block_io_state(&mut self) -> Option<&mut BlockIoState> {
        Some(&mut self.block_io)
    }
    fn block_io_interrupt(&mut self, subcode: u16, param: u32) {
        self.interrupts.push((subcode, param));
    }
    fn vmcf_state(&mut self) -> Option<&mut VmcfState> {
        Some(&mut self.vmcf)
    }
    fn vmcf_interrupt(&mut self) {
        self.vmcf_interrupts += 1;
    }
}
