//! Disk images as the host sees them (issue #12): one writer per image across processes
//! (advisory locks), the built-in default's data directory used by one vm390 at a time,
//! unusable images treated alike, MDISK extents checked, the default 191 of the
//! directory's size, and temporary disks that are sparse, private and limited.
//!
//! Every test runs the `vm390` binary; the guests are MINICMS (built in), so no shared
//! material is needed.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

/// A vm390 process kept running while the test looks at it: its standard input stays open
/// until [`Live::finish`].
struct Live {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    out: String,
    err: std::thread::JoinHandle<String>,
}

impl Live {
    fn start(args: &[&str], envs: &[(&str, &Path)]) -> Live {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vm390"));
        cmd.args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start vm390");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for l in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        let err = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        Live {
            child,
            stdin,
            lines,
            out: String::new(),
            err,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits (at most 60 s) for a console line containing `text`.
    fn wait_for(&mut self, text: &str) {
        let end = Instant::now() + Duration::from_secs(60);
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    let hit = l.contains(text);
                    self.out.push_str(&l);
                    self.out.push('\n');
                    if hit {
                        return;
                    }
                }
                Err(_) => {
                    let _ = self.child.kill();
                    panic!(
                        "no line with {text:?} within 60 s; console so far:\n{}",
                        self.out
                    );
                }
            }
        }
    }

    /// Writes `input` to standard input (a process that has already ended, as one refused
    /// at start-up, reads nothing: the broken pipe is no error here).
    fn send(&mut self, input: &str) {
        let s = self.stdin.as_mut().expect("stdin open");
        let _ = s.write_all(input.as_bytes()).and_then(|()| s.flush());
    }

    /// Sends `input`, closes standard input, and waits (at most 60 s) for the end: (exit
    /// code, whole console output, standard error).
    fn finish(mut self, input: &str) -> (i32, String, String) {
        self.send(input);
        drop(self.stdin.take());
        let end = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                break st;
            }
            if Instant::now() > end {
                let _ = self.child.kill();
                panic!("vm390 did not end within 60 s:\n{}", self.out);
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        while let Ok(l) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.out.push_str(&l);
            self.out.push('\n');
        }
        let err = self.err.join().unwrap();
        (status.code().unwrap_or(-1), self.out, err)
    }
}

/// Runs vm390 with `args` and `input` to the end: (exit code, stdout, stderr).
fn run(args: &[&str], envs: &[(&str, &Path)], input: &str) -> (i32, String, String) {
    Live::start(args, envs).finish(input)
}

/// A directory file in `dir` for user U (IPL MINICMS) whose 191 (in `mode`) is a new
/// 3-cylinder CMS disk `d191.cckd`, plus `extra` lines for U.
fn minicms_directory(dir: &Path, mode: &str, extra: &str) -> PathBuf {
    cp::dasd::create_cms_minidisk(&dir.join("d191.cckd"), 3350, 3, "U191").unwrap();
    let direct = dir.join("u.direct");
    std::fs::write(
        &direct,
        format!(
            "DASD U191 3350 d191.cckd\n\
             USER U U 4M 16M G\n \
             IPL MINICMS\n \
             CONSOLE 009 3215\n \
             MDISK 191 3350 000 003 U191 {mode}\n{extra}"
        ),
    )
    .unwrap();
    direct
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// Item 1: a second vm390 on the same data directory refuses to start, naming the
/// directory and the pid of the first; the first goes on and ends normally.
#[test]
fn a_data_directory_is_used_by_one_vm390_at_a_time() {
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("data");
    let d = s(&data);
    let mut first = Live::start(&["--data-dir", &d], &[]);
    first.wait_for("Ready;");
    let (code, out, err) = run(&["--data-dir", &d], &[], "LOGOFF\n");
    assert_eq!(code, 2, "second start: {out}\n{err}");
    assert!(
        err.contains(&format!(
            "vm390: data directory {d} is in use by pid {}",
            first.pid()
        )),
        "{err}"
    );
    assert!(!out.contains("Ready;"), "{out}");
    let (code, out, err) = first.finish("LOGOFF\n");
    assert_eq!(code, 0, "{out}\n{err}");
    // Once the first has ended, the directory is free again.
    let (code, out, err) = run(&["--data-dir", &d], &[], "LOGOFF\n");
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("Ready;"), "{out}");
}

/// Item 1: two sessions on one directory: the second gets the 191 read-only (a message
/// naming the image and the first's pid, and CP's DMKLNK102W), so what the first files is
/// kept and the image stays valid.
#[test]
fn a_second_session_gets_a_written_image_read_only() {
    let t = tempfile::tempdir().unwrap();
    let direct = minicms_directory(t.path(), "MR", "");
    let img = t.path().join("d191.cckd");
    let d = s(&direct);
    let mut a = Live::start(&["--directory", &d, "--logon", "U"], &[]);
    a.wait_for("Ready;");
    let (code, out, err) = run(
        &["--directory", &d, "--logon", "U"],
        &[],
        "QUERY DISK\nLOGOFF\n",
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        err.contains(&format!(
            "vm390: {} is in use by pid {}: minidisk 191 is read-only",
            img.display(),
            a.pid()
        )),
        "{err}"
    );
    assert!(
        out.contains(&format!(
            "DMKLNK102W DASD 191 FORCED R/O; R/W BY PID {}",
            a.pid()
        )),
        "{out}"
    );
    assert!(out.contains("R/O"), "{out}");
    let (code, out, err) = a.finish("EDIT FROMNCA DATA\nINPUT\nFROM A\n\nFILE\nLOGOFF\n");
    assert_eq!(code, 0, "{out}\n{err}");
    let mut disk = common::CmsDisk::open(&img);
    let names: Vec<String> = disk
        .files()
        .iter()
        .map(|f| format!("{} {}", f.name, f.ftype))
        .collect();
    assert!(names.contains(&"FROMNCA DATA".to_string()), "{names:?}");
    if let Some(c) = common::cckdcdsk() {
        common::cckdcdsk_clean(&c, &img);
    }
}

/// Item 20: a foreign image and a missing image are treated alike: one message naming the
/// file and what is wrong, DMKLNK108E for the minidisk, and the logon goes on (the
/// foreign one is not called "not writable").
#[test]
fn foreign_and_missing_images_are_volumes_not_mounted() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("junk.cckd"), b"this is not a disk image").unwrap();
    let direct = minicms_directory(
        t.path(),
        "MR",
        " MDISK 192 3350 000 001 JUNK MR\n MDISK 193 3350 000 001 GONE MR\n\
         DASD JUNK 3350 junk.cckd\nDASD GONE 3350 gone.cckd\n",
    );
    let (code, out, err) = run(
        &["--directory", &s(&direct), "--logon", "U"],
        &[],
        "LOGOFF\n",
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("Ready;"), "{out}");
    for (v, vol) in [("192", "JUNK"), ("193", "GONE")] {
        assert!(
            out.contains(&format!(
                "DMKLNK108E U {v} NOT LINKED; VOLID {vol} NOT MOUNTED"
            )),
            "{out}"
        );
    }
    let junk = s(&t.path().join("junk.cckd"));
    let gone = s(&t.path().join("gone.cckd"));
    let junk_lines: Vec<&str> = err.lines().filter(|l| l.contains(&junk)).collect();
    assert_eq!(junk_lines.len(), 1, "{err}");
    assert!(junk_lines[0].contains("unrecognised file header"), "{err}");
    let gone_lines: Vec<&str> = err.lines().filter(|l| l.contains(&gone)).collect();
    assert_eq!(gone_lines.len(), 1, "{err}");
    assert!(gone_lines[0].contains("No such file"), "{err}");
    assert!(!err.contains("not writable"), "{err}");
}

/// Item 20: a directory file that cannot be read is named without a `:0:0:` position.
#[test]
fn a_missing_directory_file_is_named_without_a_position() {
    let t = tempfile::tempdir().unwrap();
    let direct = t.path().join("none.direct");
    let (code, _, err) = run(&["--directory", &s(&direct)], &[], "");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!(
            "vm390: {}: cannot read directory: ",
            direct.display()
        )),
        "{err}"
    );
    assert!(!err.contains(":0:0:"), "{err}");
}

/// Item 20: an MDISK extent beyond its volume's image stops the start, naming both.
#[test]
fn an_mdisk_beyond_its_image_stops_the_start() {
    let t = tempfile::tempdir().unwrap();
    let direct = minicms_directory(t.path(), "MR", " MDISK 192 3350 000 999 U191 RR\n");
    let (code, out, err) = run(
        &["--directory", &s(&direct), "--logon", "U"],
        &[],
        "LOGOFF\n",
    );
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(
        err.contains(&format!(
            "MDISK: cylinders 0 to 998 are beyond volume U191, whose image {} has 3 cylinders",
            t.path().join("d191.cckd").display()
        )),
        "{err}"
    );
    assert!(!out.contains("Ready;"), "{out}");
}

/// Item 19: the built-in default's 191 has the size its directory gives: a new image is
/// created at that size (the first-start message names it), and an existing smaller one
/// is extended keeping its files.
#[test]
fn the_default_191_has_the_size_of_its_directory() {
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("data");
    let d = s(&data);
    let disk = data.join(cp::minicms::DISK_FILE);
    // First start: 3 cylinders, as the directory first written says; a file is written.
    let (code, out, err) = run(
        &["--data-dir", &d],
        &[],
        "EDIT KEEPME DATA\nINPUT\nKEPT\n\nFILE\nLOGOFF\n",
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        err.contains(&format!(
            "vm390: created the 191 minidisk image {} (3 cylinders",
            disk.display()
        )),
        "{err}"
    );
    // The directory now says 10 cylinders.
    let direct = data.join(cp::minicms::DIRECTORY_FILE);
    let text = std::fs::read_to_string(&direct).unwrap();
    assert!(text.contains("MDISK 191 3350 000 003 "), "{text}");
    std::fs::write(
        &direct,
        text.replace("MDISK 191 3350 000 003 ", "MDISK 191 3350 000 010 "),
    )
    .unwrap();
    let (code, out, err) = run(
        &["--data-dir", &d],
        &[],
        "QUERY DISK\nTYPE KEEPME DATA\nLOGOFF\n",
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        err.contains(&format!(
            "vm390: extended the 191 minidisk image {} from 3 to 10 cylinders",
            disk.display()
        )),
        "{err}"
    );
    assert!(out.contains("(10 CYL)"), "{out}");
    assert!(out.contains("of 5700"), "{out}");
    assert!(out.contains("KEPT"), "{out}");
    assert_eq!(cp::dasd::open(&disk, true).unwrap().cylinders(), 10);
    if let Some(c) = common::cckdcdsk() {
        common::cckdcdsk_clean(&c, &disk);
    }
    // No temporary file is left beside it.
    let mut names: Vec<String> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["vm390.direct", "vm390_191.cckd"]);
    // A fresh data directory whose directory file says 10 cylinders from the start.
    let data2 = t.path().join("data2");
    std::fs::create_dir_all(&data2).unwrap();
    std::fs::write(
        data2.join(cp::minicms::DIRECTORY_FILE),
        cp::minicms::default_directory()
            .replace("MDISK 191 3350 000 003 ", "MDISK 191 3350 000 010 "),
    )
    .unwrap();
    let (code, out, err) = run(&["--data-dir", &s(&data2)], &[], "QUERY DISK\nLOGOFF\n");
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("(10 CYL)"), "{out}");
    assert!(err.contains("(10 cylinders of 3350"), "{err}");
}

/// Item 14: a T-disk is a sparse, private file in the runtime directory, and the pool
/// refuses what does not fit (DMKDEF091E), unless the environment gives a larger pool.
#[test]
fn temporary_disks_are_sparse_private_and_limited() {
    let t = tempfile::tempdir().unwrap();
    let direct = minicms_directory(t.path(), "MR", "");
    let run_dir = t.path().join("run");
    std::fs::create_dir_all(&run_dir).unwrap();
    std::fs::set_permissions(&run_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let d = s(&direct);
    let mut live = Live::start(
        &["--directory", &d, "--logon", "U"],
        &[("XDG_RUNTIME_DIR", &run_dir)],
    );
    live.wait_for("Ready;");
    live.send("CP DEFINE T3350 AS 300 CYL 40\n");
    live.wait_for("DASD 300 DEFINED");
    let files: Vec<PathBuf> = std::fs::read_dir(&run_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let m = std::fs::metadata(&files[0]).unwrap();
    assert_eq!(m.mode() & 0o777, 0o600, "{:o}", m.mode());
    // 40 3350 cylinders: about 22 MB apparent, far less allocated.
    assert!(m.len() > 20_000_000, "{}", m.len());
    assert!(
        m.blocks() * 512 < m.len() / 3,
        "{} of {}",
        m.blocks() * 512,
        m.len()
    );
    // 40 + 11 > 50: refused; 40 + 10 fits.
    let (code, out, err) = live.finish(
        "CP DEFINE T3350 AS 301 CYL 11\nCP DEFINE T3350 AS 301 CYL 10\nCP DETACH 300\n\
         CP DEFINE T3350 AS 302 CYL 40\nLOGOFF\n",
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("DMKDEF091E DASD 301 NOT DEFINED; TEMP SPACE NOT AVAILABLE"),
        "{out}"
    );
    assert!(out.contains("DASD 301 DEFINED"), "{out}");
    // DETACH gave the 40 cylinders back.
    assert!(out.contains("DASD 302 DEFINED"), "{out}");
    // LOGOFF removed the images.
    assert_eq!(std::fs::read_dir(&run_dir).unwrap().count(), 0);
    // A larger pool from the environment.
    let (code, out, err) = run(
        &["--directory", &d, "--logon", "U"],
        &[
            ("XDG_RUNTIME_DIR", &run_dir),
            ("VM390_TDISK_CYLINDERS", Path::new("120")),
        ],
        "CP DEFINE T3350 AS 300 CYL 100\nLOGOFF\n",
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("DASD 300 DEFINED"), "{out}");
}

/// A 3350 track of 19 CMS blocks whose block 5 holds `n` (the rest stays the same).
fn cms_track(cyl: u16, head: u16, n: u32) -> cp::dasd::Track {
    let mut t = cp::dasd::Track::formatted(cyl, head);
    for r in 1..=19u8 {
        let mut data: Vec<u8> = (0..800u32).map(|i| (i * 7 + u32::from(r)) as u8).collect();
        if r == 5 {
            // Incompressible-ish content that changes with n.
            let mut x = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
            for b in data.iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = x as u8;
            }
        }
        t.records.push(cp::dasd::Record::new(cyl, head, r, data));
    }
    t
}

/// Item 13: many rewrites of one track keep a CCKD image near its data size: released
/// space is reused while the image is written, and the image is compacted; it checks
/// clean with Hercules' cckdcdsk at flushes along the way and reads back the last data.
#[test]
fn rewriting_a_cckd_track_keeps_the_image_small() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("r.cckd");
    let mut img = cp::dasd::create_cckd(&p, 0x3350, 3).unwrap();
    // Some other tracks, so that the image has data before the rewritten one.
    for head in 0..10 {
        img.write_track(0, head, &cms_track(0, head, 1000 + u32::from(head)))
            .unwrap();
    }
    img.flush().unwrap();
    let cdsk = common::cckdcdsk();
    let mut largest = 0;
    let rewrites = 6_000;
    for n in 0..rewrites {
        img.write_track(1, 7, &cms_track(1, 7, n)).unwrap();
        if n % 97 == 0 {
            largest = largest.max(std::fs::metadata(&p).unwrap().len());
        }
        if n % 2000 == 1999 {
            img.flush().unwrap();
            if let Some(c) = &cdsk {
                let out = Command::new(c)
                    .args(["-3", "-ro"])
                    .arg(&p)
                    .output()
                    .unwrap();
                let text = String::from_utf8_lossy(&out.stdout).to_string()
                    + &String::from_utf8_lossy(&out.stderr);
                assert!(out.status.success() && !text.contains("HHCCU"), "{text}");
            }
        }
    }
    drop(img);
    // The data: the same 11 tracks written once into a new image, with its tables and
    // headers (about 18 KB). Without reuse the file grew by a track image with every
    // rewrite (2.8 MB here).
    let data: u64 = {
        let q = t.path().join("q.cckd");
        let mut fresh = cp::dasd::create_cckd(&q, 0x3350, 3).unwrap();
        for head in 0..10 {
            fresh
                .write_track(0, head, &cms_track(0, head, 1000 + u32::from(head)))
                .unwrap();
        }
        fresh
            .write_track(1, 7, &cms_track(1, 7, rewrites - 1))
            .unwrap();
        drop(fresh);
        std::fs::metadata(&q).unwrap().len()
    };
    let end = std::fs::metadata(&p).unwrap().len();
    assert!(
        largest < 2 * data + 256 * 1024,
        "largest {largest} bytes while written, data {data}"
    );
    assert!(
        end < data + data / 4 + 4096,
        "closed at {end} bytes, data {data}"
    );
    let mut again = cp::dasd::open(&p, true).unwrap();
    assert_eq!(
        again.read_track(1, 7).unwrap(),
        cms_track(1, 7, rewrites - 1)
    );
    assert_eq!(again.read_track(0, 3).unwrap(), cms_track(0, 3, 1003));
    drop(again);
    if let Some(c) = cdsk {
        common::cckdcdsk_clean(&c, &p);
    }
}

/// Item 13: compaction moves L2 tables too: a second group's table written at the end,
/// then the first group's tracks rewritten and shrunk; after the flush the image is
/// about its data size, reads back every track and checks clean.
#[test]
fn compaction_moves_tables_and_tracks() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("g.cckd");
    let mut img = cp::dasd::create_cckd(&p, 0x3350, 10).unwrap();
    for head in 0..20 {
        img.write_track(0, head, &cms_track(0, head, u32::from(head)))
            .unwrap();
    }
    // Track 270 (cylinder 9) is in the second group of 256 tracks: a new L2 table.
    img.write_track(9, 0, &cms_track(9, 0, 77)).unwrap();
    img.flush().unwrap();
    // Rewrite the first tracks with smaller images (fewer records): holes everywhere.
    let small = |head: u16| {
        let mut t = cms_track(0, head, 500 + u32::from(head));
        t.records.truncate(6);
        t
    };
    for round in 0..3 {
        for head in 0..20 {
            let mut tr = small(head);
            tr.records[1].data[0] = round;
            img.write_track(0, head, &tr).unwrap();
        }
        img.flush().unwrap();
    }
    drop(img);
    let data = {
        let q = t.path().join("q.cckd");
        let mut fresh = cp::dasd::create_cckd(&q, 0x3350, 10).unwrap();
        for head in 0..20 {
            let mut tr = small(head);
            tr.records[1].data[0] = 2;
            fresh.write_track(0, head, &tr).unwrap();
        }
        fresh.write_track(9, 0, &cms_track(9, 0, 77)).unwrap();
        drop(fresh);
        std::fs::metadata(&q).unwrap().len()
    };
    let end = std::fs::metadata(&p).unwrap().len();
    assert!(
        end < data + data / 4 + 4096,
        "closed at {end} bytes, data {data}"
    );
    let mut again = cp::dasd::open(&p, true).unwrap();
    for head in 0..20 {
        let mut tr = small(head);
        tr.records[1].data[0] = 2;
        assert_eq!(again.read_track(0, head).unwrap(), tr);
    }
    assert_eq!(again.read_track(9, 0).unwrap(), cms_track(9, 0, 77));
    drop(again);
    if let Some(c) = common::cckdcdsk() {
        common::cckdcdsk_clean(&c, &p);
    }
}

/// An image that is valid but cannot be written (a CCKD file still marked as opened by a
/// writer that died) is linked read-only with the reason, not refused as not mounted.
#[test]
fn a_valid_image_that_cannot_be_written_is_linked_read_only() {
    let t = tempfile::tempdir().unwrap();
    let direct = minicms_directory(t.path(), "MR", "");
    let img = t.path().join("d191.cckd");
    let mut bytes = std::fs::read(&img).unwrap();
    bytes[512 + 3] |= 0x80; // the "opened" option bit of the compressed device header
    std::fs::write(&img, &bytes).unwrap();
    let (code, out, err) = run(
        &["--directory", &s(&direct), "--logon", "U"],
        &[],
        "QUERY DISK\nLOGOFF\n",
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(!out.contains("DMKLNK108E"), "{out}");
    assert!(out.contains("R/O"), "{out}");
    assert!(err.contains("marked as opened"), "{err}");
    assert!(
        err.contains(&format!(
            "{} is not writable: minidisk 191 is read-only",
            img.display()
        )),
        "{err}"
    );
    assert_eq!(std::fs::read(&img).unwrap(), bytes);
}
