//! Unit tests of the image formats that need no external files.

use super::*;
use std::path::PathBuf;

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// A track of CMS-style 800-byte blocks whose contents depend on `seed`.
fn cms_track(cyl: u16, head: u16, seed: u32, n: u8) -> Track {
    let mut t = Track::formatted(cyl, head);
    for r in 1..=n {
        let data = (0..800u32)
            .map(|i| (i.wrapping_mul(31) ^ seed.wrapping_mul(7) ^ u32::from(r)) as u8)
            .collect();
        t.records.push(Record::new(cyl, head, r, data));
    }
    t
}

/// A track of pseudo-random (incompressible) data.
fn noise_track(cyl: u16, head: u16, seed: u64) -> Track {
    let mut x = seed | 1;
    let mut t = Track::formatted(cyl, head);
    for r in 1..=4u8 {
        let data = (0..4000)
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
            key: vec![r; 8],
            data,
        });
    }
    t
}

fn le32(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes(b[o..o + 4].try_into().unwrap())
}

/// Re-check a little-endian CCKD file the way Hercules' `cckdcdsk` does: header
/// counters, used spaces and free chain tiling the file, no "opened" bit.
pub(super) fn check_cckd_file(path: &std::path::Path) -> Result<(), String> {
    let d = std::fs::read(path).map_err(|e| e.to_string())?;
    let h = &d[512..1024];
    if h[3] & 0x80 != 0 {
        return Err("opened bit set".into());
    }
    let (numl1, size, used, free, ftot, flarg, fnum, fimb) = (
        le32(h, 4) as usize,
        le32(h, 12) as u64,
        le32(h, 16) as u64,
        le32(h, 20) as u64,
        le32(h, 24) as u64,
        le32(h, 28) as u64,
        le32(h, 32) as u64,
        le32(h, 36) as u64,
    );
    if size != d.len() as u64 {
        return Err(format!("size {size} != file length {}", d.len()));
    }
    let mut spaces = vec![
        (0u64, 512u64, 512u64),
        (512, 512, 512),
        (1024, 4 * numl1 as u64, 4 * numl1 as u64),
    ];
    for i in 0..numl1 {
        let e = le32(&d, 1024 + 4 * i) as usize;
        if e == 0 {
            continue;
        }
        spaces.push((e as u64, 2048, 2048));
        for j in 0..256 {
            let o = e + 8 * j;
            let pos = le32(&d, o) as u64;
            let len = u16::from_le_bytes([d[o + 4], d[o + 5]]) as u64;
            let sz = u16::from_le_bytes([d[o + 6], d[o + 7]]) as u64;
            if pos != 0 {
                spaces.push((pos, sz, len));
            }
        }
    }
    // Free chain (old format).
    let mut chain = Vec::new();
    let mut p = free;
    while p != 0 {
        let next = le32(&d, p as usize) as u64;
        let len = le32(&d, p as usize + 4) as u64;
        chain.push((p, len));
        if next != 0 && next <= p {
            return Err("free chain not ascending".into());
        }
        p = next;
    }
    let mut all: Vec<(u64, u64, bool)> = spaces.iter().map(|s| (s.0, s.1, true)).collect();
    all.extend(chain.iter().map(|c| (c.0, c.1, false)));
    all.sort();
    let mut cur = 0;
    for (pos, sz, _) in &all {
        if *pos != cur {
            return Err(format!("space at {pos}, expected {cur}"));
        }
        cur += sz;
    }
    if cur != size {
        return Err(format!("spaces end at {cur}, size {size}"));
    }
    let u: u64 = spaces.iter().map(|s| s.2).sum();
    let imb: u64 = spaces.iter().map(|s| s.1 - s.2).sum();
    let fsum: u64 = chain.iter().map(|c| c.1).sum();
    let flargest = chain.iter().map(|c| c.1).max().unwrap_or(0);
    let want = (u, fsum + imb, flargest, chain.len() as u64, imb);
    let got = (used, ftot, flarg, fnum, fimb);
    if want != got {
        return Err(format!(
            "counters (used, total, largest, number, imbed) {got:?}, expected {want:?}"
        ));
    }
    Ok(())
}

#[test]
fn ckd_p370_create_write_read() {
    let dir = tmp();
    let p = dir.path().join("new.ckd");
    let mut img = create_ckd(&p, 0x3350, 3).unwrap();
    assert_eq!(img.format(), ImageFormat::CkdP370);
    assert_eq!(img.cylinders(), 3);
    assert_eq!(img.heads(), 30);
    assert_eq!(std::fs::metadata(&p).unwrap().len(), 512 + 3 * 30 * 19456);
    for cyl in 0..3 {
        for head in 0..30 {
            assert_eq!(
                img.read_track(cyl, head).unwrap(),
                Track::formatted(cyl, head)
            );
        }
    }
    let t = cms_track(2, 29, 5, 19);
    img.write_track(2, 29, &t).unwrap();
    img.write_track(0, 0, &noise_track(0, 0, 9)).unwrap();
    img.flush().unwrap();
    drop(img);
    let mut img = open(&p, true).unwrap();
    assert!(img.read_only());
    assert_eq!(img.read_track(2, 29).unwrap(), t);
    assert_eq!(img.read_track(0, 0).unwrap(), noise_track(0, 0, 9));
    assert_eq!(img.read_track(1, 1).unwrap(), Track::formatted(1, 1));
    assert!(matches!(
        img.read_track(3, 0),
        Err(DasdError::NoSuchTrack { .. })
    ));
    assert!(matches!(
        img.read_track(0, 30),
        Err(DasdError::NoSuchTrack { .. })
    ));
    // Never replaces an existing file.
    assert!(create_ckd(&p, 0x3350, 1).is_err());
    assert!(p.exists());
}

#[test]
fn read_only_images_are_never_written() {
    let dir = tmp();
    for kind in ["ckd", "cckd"] {
        let p = dir.path().join(format!("ro.{kind}"));
        let mut img = if kind == "ckd" {
            create_ckd(&p, 0x3330, 2).unwrap()
        } else {
            create_cckd(&p, 0x3330, 2).unwrap()
        };
        img.write_track(0, 1, &cms_track(0, 1, 1, 14)).unwrap();
        img.flush().unwrap();
        drop(img);
        let before = std::fs::read(&p).unwrap();
        let mut img = open(&p, true).unwrap();
        let e = img.write_track(0, 1, &cms_track(0, 1, 2, 14)).unwrap_err();
        assert!(matches!(e, DasdError::ReadOnly { .. }), "{e}");
        assert!(e.to_string().contains("ro."), "{e}");
        img.flush().unwrap();
        drop(img);
        assert_eq!(std::fs::read(&p).unwrap(), before, "{kind}");
    }
}

#[test]
fn cckd_create_write_reopen_consistent() {
    let dir = tmp();
    let p = dir.path().join("new.cckd");
    let mut img = create_cckd(&p, 0x3350, 20).unwrap();
    assert_eq!(img.format(), ImageFormat::CkdC370);
    check_cckd_file(&p).unwrap();
    assert_eq!(img.read_track(19, 29).unwrap(), Track::formatted(19, 29));
    let mut expect = std::collections::HashMap::new();
    for (i, (c, h)) in [(0u16, 0u16), (0, 1), (5, 7), (19, 29), (8, 16), (9, 0)]
        .into_iter()
        .enumerate()
    {
        let t = if i % 2 == 0 {
            cms_track(c, h, i as u32, 19)
        } else {
            noise_track(c, h, i as u64 + 1)
        };
        img.write_track(c, h, &t).unwrap();
        expect.insert((c, h), t);
    }
    img.flush().unwrap();
    check_cckd_file(&p).unwrap();
    // Rewrite some tracks several times, with flushes in between: the file stays valid
    // and does not grow without bound.
    let mut sizes = Vec::new();
    for round in 0..6u32 {
        for &(c, h) in &[(0u16, 0u16), (5, 7), (8, 16)] {
            let t = if round % 2 == 0 {
                cms_track(c, h, round + 100, 19)
            } else {
                noise_track(c, h, u64::from(round) + 50)
            };
            img.write_track(c, h, &t).unwrap();
            expect.insert((c, h), t);
        }
        // A track written back to the null format is stored without an image.
        img.write_track(9, 0, &Track::formatted(9, 0)).unwrap();
        expect.insert((9, 0), Track::formatted(9, 0));
        img.flush().unwrap();
        check_cckd_file(&p).unwrap();
        sizes.push(std::fs::metadata(&p).unwrap().len());
    }
    assert!(sizes[5] <= sizes[1], "file keeps growing: {sizes:?}");
    drop(img);
    for ro in [true, false] {
        let mut img = open(&p, ro).unwrap();
        for c in 0..20 {
            for h in 0..30 {
                let got = img.read_track(c, h).unwrap();
                match expect.get(&(c, h)) {
                    Some(t) => assert_eq!(&got, t, "{c} {h}"),
                    None => assert_eq!(got, Track::formatted(c, h)),
                }
            }
        }
    }
    check_cckd_file(&p).unwrap();
}

#[test]
fn cckd_drop_flushes_and_unflushed_file_is_marked_open() {
    let dir = tmp();
    let p = dir.path().join("d.cckd");
    let mut img = create_cckd(&p, 0x3380, 2).unwrap();
    img.write_track(1, 14, &cms_track(1, 14, 3, 40)).unwrap();
    // While changes are pending the file says it is open; nobody else may write it.
    assert_ne!(std::fs::read(&p).unwrap()[512 + 3] & 0x80, 0);
    // A second writer is refused by the image's lock, which names the holder.
    let e = open(&p, false).err().expect("second writer refused");
    match &e {
        DasdError::Locked { path, pid } => {
            assert_eq!(path, &p);
            if std::path::Path::new("/proc/locks").exists() {
                assert_eq!(*pid, Some(std::process::id()), "{e}");
            }
        }
        _ => panic!("not a lock error: {e}"),
    }
    assert!(e.to_string().contains("in use by"), "{e}");
    // A reader is allowed.
    assert_eq!(
        open(&p, true).unwrap().read_track(1, 14).unwrap(),
        cms_track(1, 14, 3, 40)
    );
    drop(img);
    check_cckd_file(&p).unwrap();
    assert_eq!(
        open(&p, false).unwrap().read_track(1, 14).unwrap(),
        cms_track(1, 14, 3, 40)
    );
}

#[test]
fn cckd_refuses_tracks_it_cannot_store() {
    let dir = tmp();
    let p = dir.path().join("r.cckd");
    let mut img = create_cckd(&p, 0x3350, 1).unwrap();
    // R0 with non-zero data and no records: 29 bytes, not a standard null track.
    let mut t = Track::formatted(0, 3);
    t.records[0].data = vec![1; 8];
    let e = img.write_track(0, 3, &t).unwrap_err();
    assert!(matches!(e, DasdError::BadTrack { .. }), "{e}");
    // Wrong position, wrong home address, oversized track.
    assert!(img.write_track(0, 4, &Track::formatted(0, 3)).is_err());
    let mut t = Track::formatted(0, 3);
    t.home_address[0] = 0x80;
    assert!(img.write_track(0, 3, &t).is_err());
    let mut t = Track::formatted(0, 3);
    t.records.push(Record::new(0, 3, 1, vec![0; 19456]));
    assert!(img.write_track(0, 3, &t).is_err());
    assert!(img.write_track(1, 0, &Track::formatted(1, 0)).is_err());
    // The end-of-file null format (R0 + empty R1) is fine.
    let mut t = Track::formatted(0, 3);
    t.records.push(Record::new(0, 3, 1, vec![]));
    img.write_track(0, 3, &t).unwrap();
    assert_eq!(img.read_track(0, 3).unwrap(), t);
    drop(img);
    check_cckd_file(&p).unwrap();
}

#[test]
fn create_rejects_bad_arguments() {
    let dir = tmp();
    assert!(create_ckd(&dir.path().join("a"), 0x1234, 1).is_err());
    assert!(create_ckd(&dir.path().join("b"), 0x3350, 0).is_err());
    assert!(create_cckd(&dir.path().join("c"), 0x3350, 561).is_err());
    assert!(!dir.path().join("a").exists());
    assert!(create_cckd(&dir.path().join("d"), 0x3330, 815).is_ok());
}

// ---------------------------------------------------------------------------------------
// emx370 .ckdc

fn ckdc_header(delta: bool, cyls: u16) -> Vec<u8> {
    let mut h = vec![0u8; 32];
    h[0..2].copy_from_slice(if delta { &[0x80, 0x01] } else { &[0x00, 0x01] });
    h[2..8].copy_from_slice(&[0xC3, 0xD4, 0xE2, 0xF1, 0xF9, 0xF1]); // CMS191
    h[8..10].copy_from_slice(&cyls.to_be_bytes());
    h[10..12].copy_from_slice(&30u16.to_be_bytes());
    h[12..15].copy_from_slice(&[0x00, 0x4B, 0x36]); // 19254
    h[15] = 110;
    h[16..20].copy_from_slice(&0x0033_5000u32.to_be_bytes());
    h
}

fn ckdc_payload(t: &Track) -> Vec<u8> {
    use std::io::Write;
    let mut p = t.home_address.to_vec();
    p.extend_from_slice(&t.records[0].count());
    p.extend_from_slice(&t.records[0].data);
    let recs = &t.records[1..];
    let mut buf = Vec::new();
    let mut counts = Vec::new();
    for r in recs {
        counts.extend_from_slice(&u16::from(r.rec).to_be_bytes());
        counts.push(r.key.len() as u8);
        counts.extend_from_slice(&(r.data.len() as u16).to_be_bytes());
        counts.extend_from_slice(&(buf.len() as u32).to_be_bytes()[1..]);
        buf.extend_from_slice(&r.key);
        buf.extend_from_slice(&r.data);
    }
    p.extend_from_slice(&(buf.len() as u32).to_be_bytes()[1..]);
    p.extend_from_slice(&(recs.len() as u16).to_be_bytes());
    p.extend_from_slice(&counts);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&buf).unwrap();
    p.extend_from_slice(&z.finish().unwrap());
    p
}

fn ckdc_file(delta: bool, cyls: u16, tracks: &[Track]) -> Vec<u8> {
    let mut f = ckdc_header(delta, cyls);
    for t in tracks {
        let p = ckdc_payload(t);
        f.extend_from_slice(&t.cyl.to_be_bytes());
        f.push(t.head as u8);
        f.extend_from_slice(&(p.len() as u32).to_be_bytes()[1..]);
        f.extend_from_slice(&p);
    }
    f.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0, 0, 0]);
    f
}

fn write_ckdc(dir: &std::path::Path) -> (PathBuf, Vec<Track>) {
    let base: Vec<Track> = (0..60u16)
        .map(|t| cms_track(t / 30, t % 30, u32::from(t), 19))
        .collect();
    let delta = vec![cms_track(0, 4, 1000, 19), noise_track(1, 29, 7)];
    let p = dir.join("x.ckdc");
    std::fs::write(&p, ckdc_file(false, 2, &base)).unwrap();
    std::fs::write(dir.join("x.ckdc.delta"), ckdc_file(true, 2, &delta)).unwrap();
    let mut want = base;
    want[4] = delta[0].clone();
    want[59] = delta[1].clone();
    (p, want)
}

#[test]
fn ckdc_with_delta() {
    let dir = tmp();
    let (p, want) = write_ckdc(dir.path());
    assert!(open(&p, false).is_err(), "ckdc is read-only");
    let mut img = open(&p, true).unwrap();
    assert_eq!(img.format(), ImageFormat::Ckdc);
    assert_eq!(img.volser(), Some([0xC3, 0xD4, 0xE2, 0xF1, 0xF9, 0xF1]));
    assert_eq!(img.cylinders(), 2);
    for t in &want {
        assert_eq!(&img.read_track(t.cyl, t.head).unwrap(), t);
    }
    assert!(matches!(
        img.write_track(0, 0, &want[0]),
        Err(DasdError::ReadOnly { .. })
    ));
    // Opening the delta by itself is an error that says what to do.
    let e = open(&dir.path().join("x.ckdc.delta"), true).err().unwrap();
    assert!(e.to_string().contains("base"), "{e}");
    // Without the delta, the base tracks show.
    std::fs::remove_file(dir.path().join("x.ckdc.delta")).unwrap();
    let mut img = open(&p, true).unwrap();
    assert_eq!(img.read_track(0, 4).unwrap(), cms_track(0, 4, 4, 19));
}

// ---------------------------------------------------------------------------------------
// Damaged files: errors with file name and offset, never a panic.

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Open the file and read every track; returns the first error.
fn read_all(p: &std::path::Path) -> Result<(), DasdError> {
    let mut img = open(p, true)?;
    for c in 0..img.cylinders() {
        for h in 0..img.heads() {
            img.read_track(c, h)?;
        }
    }
    Ok(())
}

fn small_images(dir: &std::path::Path) -> Vec<PathBuf> {
    let ckd = dir.join("s.ckd");
    let mut img = create_ckd(&ckd, 0x3350, 1).unwrap();
    img.write_track(0, 2, &cms_track(0, 2, 1, 19)).unwrap();
    drop(img);
    let cckd = dir.join("s.cckd");
    let mut img = create_cckd(&cckd, 0x3350, 2).unwrap();
    for h in 0..5 {
        img.write_track(0, h, &cms_track(0, h, u32::from(h), 19))
            .unwrap();
    }
    img.write_track(1, 3, &noise_track(1, 3, 3)).unwrap();
    img.flush().unwrap();
    img.write_track(0, 1, &cms_track(0, 1, 77, 19)).unwrap();
    drop(img);
    let (ckdc, _) = write_ckdc(dir);
    vec![ckd, cckd, ckdc]
}

#[test]
fn truncated_files_give_errors() {
    let dir = tmp();
    for p in small_images(dir.path()) {
        let data = std::fs::read(&p).unwrap();
        read_all(&p).unwrap();
        let q = dir
            .path()
            .join(format!("t-{}", p.file_name().unwrap().to_string_lossy()));
        let mut cuts: Vec<usize> = (0..1100.min(data.len())).step_by(7).collect();
        cuts.extend((1100..data.len()).step_by(data.len() / 300 + 1));
        for n in cuts {
            std::fs::write(&q, &data[..n]).unwrap();
            let e = read_all(&q).expect_err(&format!("{} cut at {n}", p.display()));
            let msg = e.to_string();
            assert!(msg.contains("t-"), "{msg}");
        }
    }
}

#[test]
fn garbled_files_never_panic() {
    let dir = tmp();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for p in small_images(dir.path()) {
        let data = std::fs::read(&p).unwrap();
        let q = dir
            .path()
            .join(format!("g-{}", p.file_name().unwrap().to_string_lossy()));
        let mut errors = 0;
        for round in 0..300 {
            let mut d = data.clone();
            let flips = 1 + rng.next() % 4;
            for _ in 0..flips {
                // Mostly hit the headers and tables, sometimes anywhere.
                let i = if round % 3 == 0 {
                    (rng.next() % d.len() as u64) as usize
                } else {
                    (rng.next() % 3200.min(d.len() as u64)) as usize
                };
                d[i] = rng.next() as u8;
            }
            std::fs::write(&q, &d).unwrap();
            if let Err(e) = read_all(&q) {
                errors += 1;
                assert!(e.to_string().contains("g-"), "{e}");
            }
        }
        assert!(errors > 0, "{}", p.display());
    }
}

#[test]
fn cckd_error_messages_name_offset() {
    let dir = tmp();
    let p = dir.path().join("e.cckd");
    let mut img = create_cckd(&p, 0x3350, 1).unwrap();
    img.write_track(0, 0, &cms_track(0, 0, 1, 19)).unwrap();
    drop(img);
    let good = std::fs::read(&p).unwrap();
    // L1 entry pointing past the end of the file.
    let mut d = good.clone();
    d[1024..1028].copy_from_slice(&0x7FFF_0000u32.to_le_bytes());
    std::fs::write(&p, &d).unwrap();
    let e = open(&p, true).err().unwrap();
    assert_eq!(e.offset(), Some(1024), "{e}");
    assert!(e.to_string().contains("e.cckd"), "{e}");
    // Wrong cylinder count for the L1 table.
    let mut d = good.clone();
    d[512 + 40] = 200;
    std::fs::write(&p, &d).unwrap();
    assert_eq!(open(&p, true).err().unwrap().offset(), Some(516));
    // Damaged compressed data: the error names the image's offset.
    let l2 = le32(&good, 1024) as usize;
    let pos = le32(&good, l2) as usize;
    let mut d = good.clone();
    d[pos + 20] ^= 0xFF;
    d[pos + 21] ^= 0xFF;
    std::fs::write(&p, &d).unwrap();
    let e = open(&p, true).unwrap().read_track(0, 0).unwrap_err();
    assert_eq!(e.offset(), Some(pos as u64), "{e}");
    // Unknown header.
    std::fs::write(&p, b"NOT A DISK IMAGE").unwrap();
    assert!(open(&p, true).is_err());
    std::fs::write(&p, b"CKD_S370").unwrap();
    assert!(matches!(open(&p, true), Err(DasdError::Unsupported { .. })));
}

/// A track of one of several kinds (null formats, small uncompressed, CMS blocks,
/// incompressible, keyed) chosen by `kind`.
pub(super) fn varied_track(cyl: u16, head: u16, kind: u64, seed: u64) -> Track {
    match kind % 6 {
        0 => Track::formatted(cyl, head),
        1 => {
            let mut t = Track::formatted(cyl, head);
            t.records.push(Record::new(cyl, head, 1, Vec::new()));
            t
        }
        2 => {
            let mut t = Track::formatted(cyl, head);
            let n = 1 + (seed % 5) as usize;
            t.records
                .push(Record::new(cyl, head, 1, vec![seed as u8; n * 50]));
            t
        }
        3 => cms_track(cyl, head, seed as u32, 1 + (seed % 19) as u8),
        4 => noise_track(cyl, head, seed),
        _ => {
            let mut t = noise_track(cyl, head, seed);
            t.records.truncate(1 + (seed % 4) as usize);
            t
        }
    }
}

#[test]
fn cckd_random_write_sessions_stay_consistent() {
    let dir = tmp();
    let p = dir.path().join("rnd.cckd");
    let (cyls, heads) = (12u16, 30u16);
    drop(create_cckd(&p, 0x3350, cyls).unwrap());
    let mut model: std::collections::HashMap<(u16, u16), Track> = Default::default();
    let mut rng = Rng(0x1234_5678_9ABC_DEF1);
    let mut img = open(&p, false).unwrap();
    for step in 0..1500 {
        let r = rng.next();
        // Few hot tracks, so that space is freed and reused a lot.
        let t = (r >> 8) % if r.is_multiple_of(3) { 360 } else { 12 };
        let (c, h) = ((t / 30) as u16, (t % 30) as u16);
        let trk = varied_track(c, h, r >> 20, rng.next());
        img.write_track(c, h, &trk).unwrap();
        model.insert((c, h), trk);
        match rng.next() % 40 {
            0..=3 => {
                img.flush().unwrap();
                check_cckd_file(&p).unwrap_or_else(|e| panic!("step {step}: {e}"));
            }
            4 => {
                drop(img);
                check_cckd_file(&p).unwrap_or_else(|e| panic!("step {step}: {e}"));
                img = open(&p, false).unwrap();
            }
            _ => {}
        }
    }
    drop(img);
    check_cckd_file(&p).unwrap();
    let mut img = open(&p, true).unwrap();
    for c in 0..cyls {
        for h in 0..heads {
            let want = model
                .get(&(c, h))
                .cloned()
                .unwrap_or_else(|| Track::formatted(c, h));
            assert_eq!(img.read_track(c, h).unwrap(), want, "{c} {h}");
        }
    }
}
