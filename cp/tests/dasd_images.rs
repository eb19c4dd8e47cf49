//! DASD images against the CMS370 sample material and Hercules' own tools.
//!
//! Needs `../shared/cms370` (beside the repository) and, for the write tests, Hercules'
//! `cckdcdsk`, `cckd2ckd`, `dasdcopy` and `cckdswap`. When something is missing the test
//! prints `SKIPPED: ...` and passes, or fails under `VM390_ORACLES=require`.

use cp::dasd::{self, CkdImage, ImageFormat, Record, Track};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::missing;

/// (image name, CMS label volume id, cylinders)
const DISKS: [(&str, &str, u16); 8] = [
    ("cmsuser_191", "CMS191", 115),
    ("cmsuser_192", "CMS192", 115),
    ("cmsuser_193", "CMS193", 115),
    ("cmsuser_194", "CMS194", 115),
    ("cmsuser_195", "DSK195", 94),
    ("shared_19D", "MNT19D", 70),
    ("gcccms_201", "GCC201", 1),
    ("gcccms_202", "GCC202", 1),
];

/// `../shared/cms370` with all eight `.cckd` and `.ckdc` images.
fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/cms370");
    for (name, _, _) in DISKS {
        for ext in ["cckd", "ckdc"] {
            let f = p.join(format!("{name}.{ext}"));
            if !f.is_file() {
                missing(&f.display().to_string());
                return None;
            }
        }
    }
    Some(p)
}

/// A Hercules utility from `PATH`.
fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        missing(&format!("Hercules utility {name}"));
    }
    found
}

fn tools(names: &[&str]) -> Option<Vec<PathBuf>> {
    names.iter().map(|n| tool(n)).collect()
}

fn run(tool: &Path, args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new(tool).args(args).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{} failed: {text}", tool.display());
    text
}

/// Run `cckdcdsk -3` read-only, then read-write; both must report nothing, and the
/// read-write run must not change the file.
fn cckdcdsk_clean(cdsk: &Path, file: &Path) {
    let before = std::fs::read(file).unwrap();
    for args in [&["-3", "-ro"][..], &["-3"][..]] {
        let mut a: Vec<&std::ffi::OsStr> = args.iter().map(|s| s.as_ref()).collect();
        a.push(file.as_os_str());
        let out = run(cdsk, &a);
        assert!(
            !out.contains("HHCCU"),
            "cckdcdsk {args:?} {}:\n{out}",
            file.display()
        );
    }
    assert!(
        std::fs::read(file).unwrap() == before,
        "cckdcdsk changed {}",
        file.display()
    );
}

fn read_all(img: &mut dyn CkdImage) -> Vec<Track> {
    let mut v = Vec::new();
    for c in 0..img.cylinders() {
        for h in 0..img.heads() {
            v.push(
                img.read_track(c, h)
                    .unwrap_or_else(|e| panic!("{c}/{h}: {e}")),
            );
        }
    }
    v
}

fn open_ro(p: &Path) -> Box<dyn CkdImage> {
    dasd::open(p, true).unwrap_or_else(|e| panic!("{e}"))
}

/// EBCDIC for upper-case letters, digits, '=' and blank.
fn ebcdic(s: &str) -> Vec<u8> {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'I' => 0xC1 + (b - b'A'),
            b'J'..=b'R' => 0xD1 + (b - b'J'),
            b'S'..=b'Z' => 0xE2 + (b - b'S'),
            b'0'..=b'9' => 0xF0 + (b - b'0'),
            b'=' => 0x7E,
            b' ' => 0x40,
            _ => panic!("no EBCDIC for {b}"),
        })
        .collect()
}

#[test]
fn dasd_every_image_reads_and_cckd_equals_ckdc_plus_delta() {
    let Some(dir) = shared() else { return };
    std::thread::scope(|s| {
        for (name, _, cyls) in DISKS {
            let dir = &dir;
            s.spawn(move || {
                let mut c = open_ro(&dir.join(format!("{name}.cckd")));
                let mut e = open_ro(&dir.join(format!("{name}.ckdc")));
                assert_eq!(c.format(), ImageFormat::CkdC370);
                assert_eq!(e.format(), ImageFormat::Ckdc);
                for img in [&c, &e] {
                    assert_eq!(img.cylinders(), cyls, "{name}");
                    assert_eq!(img.geometry().devtype, 0x3350, "{name}");
                    assert_eq!(img.heads(), 30, "{name}");
                }
                let a = read_all(c.as_mut());
                let b = read_all(e.as_mut());
                assert_eq!(a.len(), usize::from(cyls) * 30);
                let mut shapes = BTreeMap::new();
                for (x, y) in a.iter().zip(&b) {
                    assert_eq!(x, y, "{name}: cylinder {} head {} differs", x.cyl, x.head);
                    let shape: Vec<(u8, usize, usize)> = x
                        .records
                        .iter()
                        .map(|r| (r.rec, r.key.len(), r.data.len()))
                        .collect();
                    *shapes.entry(shape).or_insert(0) += 1;
                }
                // Every track: R0 of 8 bytes and 19 keyless 800-byte blocks R1..R19.
                let want: Vec<(u8, usize, usize)> = std::iter::once((0, 0, 8))
                    .chain((1..=19).map(|r| (r, 0, 800)))
                    .collect();
                assert_eq!(shapes.len(), 1, "{name}: {:?}", shapes.keys());
                assert!(shapes.contains_key(&want), "{name}");
                eprintln!(
                    "{name}: {} tracks equal in .cckd and .ckdc(+delta)",
                    a.len()
                );
            });
        }
    });
}

#[test]
fn dasd_cms_labels() {
    let Some(dir) = shared() else { return };
    for (name, volid, _) in DISKS {
        for ext in ["cckd", "ckdc"] {
            let mut img = open_ro(&dir.join(format!("{name}.{ext}")));
            let t = img.read_track(0, 0).unwrap();
            let r3 = t.record(3).unwrap();
            assert_eq!(
                (r3.cyl, r3.head, r3.key.len(), r3.data.len()),
                (0, 0, 0, 800)
            );
            // VM/370 R6 labels read "CMS=" + volume id (VM/SP EDF disks have "CMS1").
            let mut label = ebcdic("CMS=");
            label.extend(ebcdic(volid));
            assert_eq!(&r3.data[..10], &label[..], "{name}.{ext}");
            assert!(r3.data[10..].iter().all(|&b| b == 0), "{name}.{ext}");
            assert_ne!(&r3.data[..4], &[0xC3, 0xD4, 0xE2, 0xF1], "{name}.{ext}");
        }
        // The emx370 header has its own volume serial; it matches the label except on 195.
        let img = open_ro(&dir.join(format!("{name}.ckdc")));
        let hdr_vol = if name == "cmsuser_195" {
            "CMS195"
        } else {
            volid
        };
        assert_eq!(img.volser().unwrap().to_vec(), ebcdic(hdr_vol), "{name}");
    }
}

/// Copy a shared image to a writable temporary file.
fn copy(from: &Path, dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    std::fs::copy(from, &to).unwrap();
    let mut perm = std::fs::metadata(&to).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perm.set_readonly(false);
    std::fs::set_permissions(&to, perm).unwrap();
    to
}

/// Change a track: new contents for some blocks, so the image changes size too.
fn modify(t: &Track, salt: u8) -> Track {
    let mut t = t.clone();
    for r in t.records.iter_mut().skip(1).step_by(3) {
        for (i, b) in r.data.iter_mut().enumerate() {
            *b = b.wrapping_add(salt).wrapping_mul(3) ^ (i as u8).wrapping_mul(salt | 1);
        }
    }
    t
}

/// Replace a track by a keyed, poorly compressible one of the same address.
fn keyed(cyl: u16, head: u16, seed: u64) -> Track {
    keyed_n(cyl, head, seed, 3, 5000)
}

fn keyed_n(cyl: u16, head: u16, seed: u64, n: u8, len: usize) -> Track {
    let mut x = seed | 1;
    let mut t = Track::formatted(cyl, head);
    for r in 1..=n {
        let data: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        t.records.push(Record {
            cyl,
            head,
            rec: r,
            key: vec![0xC1 + r; 44],
            data,
        });
    }
    t
}

/// Compare every track of `img` with `want`.
fn assert_tracks(img: &mut dyn CkdImage, want: &[Track], what: &str) {
    let got = read_all(img);
    assert_eq!(got.len(), want.len(), "{what}");
    for (g, w) in got.iter().zip(want) {
        assert!(g == w, "{what}: cylinder {} head {} differs", w.cyl, w.head);
    }
}

#[test]
fn dasd_rewritten_cckd_passes_cckdcdsk_and_reads_back_in_hercules() {
    let Some(dir) = shared() else { return };
    let Some(t) = tools(&["cckdcdsk", "cckd2ckd"]) else {
        return;
    };
    let (cdsk, c2c) = (&t[0], &t[1]);
    let tmp = tempfile::tempdir().unwrap();
    let p = copy(&dir.join("cmsuser_191.cckd"), tmp.path(), "191.cckd");
    let mut want = read_all(open_ro(&p).as_mut());
    let heads = 30usize;

    // Session 1: change tracks in several L2 groups, flush explicitly.
    let mut img = dasd::open(&p, false).unwrap();
    assert!(!img.read_only());
    for (i, (c, h)) in [
        (0u16, 0u16),
        (0, 1),
        (3, 7),
        (8, 15),
        (8, 16),
        (40, 2),
        (114, 29),
    ]
    .into_iter()
    .enumerate()
    {
        let t = &mut want[usize::from(c) * heads + usize::from(h)];
        *t = if i == 3 {
            keyed(c, h, 11)
        } else {
            modify(t, i as u8 + 1)
        };
        img.write_track(c, h, t).unwrap();
    }
    img.flush().unwrap();
    drop(img);
    cckdcdsk_clean(cdsk, &p);
    assert_tracks(open_ro(&p).as_mut(), &want, "after session 1");

    // Session 2: rewrite some of the same tracks again (reusing freed space), make one a
    // null track and one empty of records, and let drop do the flush.
    let mut img = dasd::open(&p, false).unwrap();
    for round in 0..3u8 {
        for (c, h) in [(0u16, 1u16), (8, 15), (60, 0), (113, 5)] {
            let t = &mut want[usize::from(c) * heads + usize::from(h)];
            *t = if round == 1 && c == 8 {
                keyed(c, h, u64::from(round) + 3)
            } else {
                modify(t, round + 20)
            };
            img.write_track(c, h, t).unwrap();
        }
    }
    let mut eof = Track::formatted(20, 20);
    eof.records.push(Record::new(20, 20, 1, Vec::new()));
    img.write_track(20, 20, &eof).unwrap();
    want[20 * heads + 20] = eof;
    img.write_track(21, 21, &Track::formatted(21, 21)).unwrap();
    want[21 * heads + 21] = Track::formatted(21, 21);
    drop(img);
    cckdcdsk_clean(cdsk, &p);
    assert_tracks(open_ro(&p).as_mut(), &want, "after session 2");

    // Hercules reads the tracks the same way: expand with cckd2ckd and compare.
    let ckd = tmp.path().join("191.ckd");
    run(c2c, &["-q".as_ref(), p.as_os_str(), ckd.as_os_str()]);
    let mut x = open_ro(&ckd);
    assert_eq!(x.format(), ImageFormat::CkdP370);
    assert_tracks(x.as_mut(), &want, "cckd2ckd of the rewritten image");

    // The untouched tracks are those of the shared file.
    let orig = read_all(open_ro(&dir.join("cmsuser_191.cckd")).as_mut());
    let changed = orig.iter().zip(&want).filter(|(a, b)| a != b).count();
    assert_eq!(changed, 11);
}

#[test]
fn dasd_fresh_images_are_accepted_by_hercules() {
    let Some(t) = tools(&["cckdcdsk", "cckd2ckd", "dasdcopy"]) else {
        return;
    };
    let (cdsk, c2c, copy) = (&t[0], &t[1], &t[2]);
    let tmp = tempfile::tempdir().unwrap();
    for (devtype, cyls) in [(0x3350u16, 4u16), (0x3330, 3), (0x3380, 2), (0x2314, 2)] {
        let heads = dasd::geometry(devtype).unwrap().heads;
        let last = (cyls - 1, heads - 1);
        let writes = [(0u16, 0u16), (0, 1), (1, 2), last];

        // Uncompressed: create, write, compress with Hercules, check, compare.
        let p = tmp.path().join(format!("{devtype:04X}.ckd"));
        let mut img = dasd::create_ckd(&p, devtype, cyls).unwrap();
        let mut want = read_all(img.as_mut());
        for (i, &(c, h)) in writes.iter().enumerate() {
            let t = if i == 2 {
                keyed_n(c, h, 5, 2, 3000)
            } else {
                let mut t = Track::formatted(c, h);
                for r in 1..=5 {
                    t.records
                        .push(Record::new(c, h, r, vec![r.wrapping_mul(i as u8 + 7); 700]));
                }
                t
            };
            img.write_track(c, h, &t).unwrap();
            want[usize::from(c) * usize::from(heads) + usize::from(h)] = t;
        }
        drop(img);
        let z = tmp.path().join(format!("{devtype:04X}-z.cckd"));
        run(
            copy,
            &["-q".as_ref(), "-z".as_ref(), p.as_os_str(), z.as_os_str()],
        );
        cckdcdsk_clean(cdsk, &z);
        assert_tracks(
            open_ro(&z).as_mut(),
            &want,
            "dasdcopy -z of a created CKD_P370",
        );
        assert_tracks(open_ro(&p).as_mut(), &want, "created CKD_P370");

        // Compressed: create, write, check, expand with Hercules, compare.
        let c = tmp.path().join(format!("{devtype:04X}.cckd"));
        let mut img = dasd::create_cckd(&c, devtype, cyls).unwrap();
        drop(img);
        cckdcdsk_clean(cdsk, &c);
        img = dasd::open(&c, false).unwrap();
        for &(cy, h) in &writes {
            let i = usize::from(cy) * usize::from(heads) + usize::from(h);
            img.write_track(cy, h, &want[i]).unwrap();
        }
        img.flush().unwrap();
        cckdcdsk_clean(cdsk, &c);
        // Rewrite once more so that free space appears, then check again.
        let t = modify(&want[1], 9);
        img.write_track(0, 1, &t).unwrap();
        want[1] = t;
        drop(img);
        cckdcdsk_clean(cdsk, &c);
        assert_tracks(open_ro(&c).as_mut(), &want, "created CKD_C370");
        let back = tmp.path().join(format!("{devtype:04X}-back.ckd"));
        run(c2c, &["-q".as_ref(), c.as_os_str(), back.as_os_str()]);
        assert_tracks(
            open_ro(&back).as_mut(),
            &want,
            "cckd2ckd of a created CKD_C370",
        );
    }
}

#[test]
fn dasd_volume_made_by_dasdinit() {
    let Some(t) = tools(&["cckdcdsk", "dasdinit"]) else {
        return;
    };
    let (cdsk, init) = (&t[0], &t[1]);
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("init.cckd");
    run(
        init,
        &[
            "-z".as_ref(),
            p.as_os_str(),
            "3350".as_ref(),
            "VOL001".as_ref(),
            "2".as_ref(),
        ],
    );
    let mut img = dasd::open(&p, false).unwrap();
    let mut want = read_all(img.as_mut());
    // Track 0: R1 IPL1, R2 IPL2, R3 VOL1, keyed with their names.
    let t0 = &want[0];
    let keys: Vec<&[u8]> = t0.records[1..].iter().map(|r| &r.key[..]).collect();
    assert_eq!(
        keys,
        [&ebcdic("IPL1")[..], &ebcdic("IPL2"), &ebcdic("VOL1")]
    );
    assert_eq!(
        &t0.records[3].data[..10],
        &[ebcdic("VOL1"), ebcdic("VOL001")].concat()[..]
    );
    // Hercules 3.13 dasdinit stores track 1 as an explicit 29-byte image, which its own
    // checker rejects (HHCCU622W); rewriting it stores a null track, and the file checks
    // clean.
    assert_eq!(want[1], Track::formatted(0, 1));
    img.write_track(0, 1, &want[1]).unwrap();
    let t = keyed_n(1, 29, 4, 3, 4000);
    img.write_track(1, 29, &t).unwrap();
    want[59] = t;
    drop(img);
    cckdcdsk_clean(cdsk, &p);
    assert_tracks(open_ro(&p).as_mut(), &want, "dasdinit volume");
}

#[test]
fn dasd_bzip2_and_uncompressed_cckd_from_dasdcopy() {
    let Some(dir) = shared() else { return };
    let Some(t) = tools(&["cckdcdsk", "dasdcopy"]) else {
        return;
    };
    let (cdsk, copy) = (&t[0], &t[1]);
    let tmp = tempfile::tempdir().unwrap();
    let src = dir.join("gcccms_202.cckd");
    let want = read_all(open_ro(&src).as_mut());
    for opt in ["-bz2", "-0"] {
        let p = tmp.path().join(format!("202{opt}.cckd"));
        run(
            copy,
            &["-q".as_ref(), opt.as_ref(), src.as_os_str(), p.as_os_str()],
        );
        let raw = std::fs::read(&p).unwrap();
        assert_eq!(raw[512 + 45], if opt == "-bz2" { 2 } else { 0 });
        let mut want = want.clone();
        assert_tracks(open_ro(&p).as_mut(), &want, opt);
        // Writing into such a file: new images are zlib or uncompressed, old ones stay.
        let mut img = dasd::open(&p, false).unwrap();
        for h in [0u16, 7, 29] {
            let t = modify(&want[usize::from(h)], 3);
            img.write_track(0, h, &t).unwrap();
            want[usize::from(h)] = t;
        }
        drop(img);
        cckdcdsk_clean(cdsk, &p);
        assert_tracks(open_ro(&p).as_mut(), &want, opt);
    }
}

#[test]
fn dasd_works_with_free_space_rebuilt_by_hercules_and_big_endian_files() {
    let Some(dir) = shared() else { return };
    let Some(t) = tools(&["cckdcdsk", "cckdswap"]) else {
        return;
    };
    let (cdsk, swap) = (&t[0], &t[1]);
    let tmp = tempfile::tempdir().unwrap();
    let p = copy(&dir.join("gcccms_201.cckd"), tmp.path(), "201.cckd");
    let mut want = read_all(open_ro(&p).as_mut());
    let mut img = dasd::open(&p, false).unwrap();
    for h in [1u16, 2, 3, 10] {
        let t = modify(&want[usize::from(h)], 5);
        img.write_track(0, h, &t).unwrap();
        want[usize::from(h)] = t;
    }
    drop(img);
    cckdcdsk_clean(cdsk, &p);

    // Spoil a header counter: cckdcdsk rebuilds the free space in its own (new) format.
    let mut raw = std::fs::read(&p).unwrap();
    assert_ne!(raw[512 + 32], 0, "the rewrite left free spaces");
    raw[512 + 28] ^= 0x01; // free_largest
    std::fs::write(&p, &raw).unwrap();
    let out = run(cdsk, &["-3".as_ref(), p.as_os_str()]);
    assert!(out.contains("free space rebuilt"), "{out}");
    let raw = std::fs::read(&p).unwrap();
    let free = u32::from_le_bytes(raw[532..536].try_into().unwrap()) as usize;
    assert_eq!(&raw[free..free + 8], b"FREE_BLK");
    cckdcdsk_clean(cdsk, &p);
    assert_tracks(
        open_ro(&p).as_mut(),
        &want,
        "after Hercules rebuilt free space",
    );
    // Write into it: the new-format table is replaced by our chain.
    let mut img = dasd::open(&p, false).unwrap();
    for h in [2u16, 20] {
        let t = modify(&want[usize::from(h)], 7);
        img.write_track(0, h, &t).unwrap();
        want[usize::from(h)] = t;
    }
    drop(img);
    cckdcdsk_clean(cdsk, &p);
    assert_tracks(open_ro(&p).as_mut(), &want, "written after the rebuild");

    // Big-endian: swap with Hercules, read, write, check (read-only: cckdcdsk would
    // otherwise convert the file back).
    run(swap, &[p.as_os_str()]);
    let raw = std::fs::read(&p).unwrap();
    assert_ne!(raw[512 + 3] & 0x02, 0, "cckdswap made it big-endian");
    assert_tracks(open_ro(&p).as_mut(), &want, "big-endian");
    let mut img = dasd::open(&p, false).unwrap();
    for h in [4u16, 29] {
        let t = modify(&want[usize::from(h)], 8);
        img.write_track(0, h, &t).unwrap();
        want[usize::from(h)] = t;
    }
    drop(img);
    let out = run(cdsk, &["-3".as_ref(), "-ro".as_ref(), p.as_os_str()]);
    assert!(!out.contains("HHCCU"), "{out}");
    assert_tracks(open_ro(&p).as_mut(), &want, "big-endian after writes");
    assert_ne!(std::fs::read(&p).unwrap()[512 + 3] & 0x02, 0);
}

#[test]
fn dasd_shared_images_refuse_writes_when_read_only() {
    let Some(dir) = shared() else { return };
    let p = dir.join("gcccms_201.cckd");
    let before = std::fs::read(&p).unwrap();
    let mut img = open_ro(&p);
    let t = img.read_track(0, 5).unwrap();
    assert!(matches!(
        img.write_track(0, 5, &t),
        Err(dasd::DasdError::ReadOnly { .. })
    ));
    img.flush().unwrap();
    drop(img);
    assert!(std::fs::read(&p).unwrap() == before);
}

#[test]
fn dasd_random_rewrites_of_a_cms_disk_pass_cckdcdsk() {
    let Some(dir) = shared() else { return };
    let Some(cdsk) = tool("cckdcdsk") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let p = copy(&dir.join("gcccms_202.cckd"), tmp.path(), "202.cckd");
    let mut want = read_all(open_ro(&p).as_mut());
    let mut x = 0x0DDB_A11D_5EED_1234u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut img = dasd::open(&p, false).unwrap();
    let mut imbedded_seen = false;
    for step in 0..400 {
        let r = next();
        let h = (r % 30) as u16;
        let old = &want[usize::from(h)];
        let t = match (r >> 8) % 5 {
            0 => Track::formatted(0, h),
            1 => keyed_n(
                0,
                h,
                next(),
                1 + (next() % 3) as u8,
                (next() % 4000) as usize,
            ),
            2 => {
                let mut t = Track::formatted(0, h);
                t.records
                    .push(Record::new(0, h, 1, vec![7; (next() % 300) as usize]));
                t
            }
            _ => modify(old, (next() % 250) as u8),
        };
        img.write_track(0, h, &t).unwrap();
        want[usize::from(h)] = t;
        if next() % 10 == 0 {
            img.flush().unwrap();
            let raw = std::fs::read(&p).unwrap();
            imbedded_seen |= raw[548..552] != [0, 0, 0, 0];
            if step % 4 == 0 {
                cckdcdsk_clean(&cdsk, &p);
            }
        }
    }
    drop(img);
    cckdcdsk_clean(&cdsk, &p);
    assert_tracks(open_ro(&p).as_mut(), &want, "after random rewrites");
    eprintln!(
        "random rewrites: file {} bytes, imbedded free space seen: {imbedded_seen}",
        std::fs::metadata(&p).unwrap().len()
    );
}
