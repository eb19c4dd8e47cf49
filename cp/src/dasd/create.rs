//! New CMS minidisk images: a Hercules compressed CKD image whose tracks are formatted
//! with keyless 800-byte records and whose first blocks hold an empty VM/370 R6 CMS file
//! system (`shared/cms370/FORMATS.md` section D): block 3 the label `CMS=` + volume id,
//! block 4 the master file directory, block 5 one empty FST block.
//!
//! Blocks per track are the R6 values for the device (3350 19, 3330 14, 3340 8), the
//! disk type code in MFD byte 599 is X'0B' for a 3350 (observed on every R6 disk of the
//! material), X'09' for a 3330 (R6 manual), X'0A' for a 3340 *(inferred)*.

use std::path::Path;

use super::{create_cckd, DasdError, Record, Track};

/// Blocks of 800 bytes per track and the MFD disk type code of a CKD type (hexadecimal
/// device type, e.g. `0x3350`).
pub fn cms_layout(devtype: u16) -> Option<(u16, u8)> {
    match devtype {
        0x3350 => Some((19, 0x0B)),
        0x3330 => Some((14, 0x09)),
        0x3340 => Some((8, 0x0A)),
        _ => None,
    }
}

/// Bytes of allocation map held by the MFD block itself (blocks 1 to 1720).
const QMSK_IN_MFD: usize = 215;

/// Most blocks a CMS disk counts (ADTNUM): block numbers are halfwords, and R6 caps a
/// larger disk at X'FFFB' (FORMATS.md D.2: 115 3350 cylinders give 65,531).
const MAX_CMS_BLOCKS: u32 = 65531;

/// Creates `path` (which must not exist) as a CMS-formatted minidisk of `cylinders`
/// cylinders of `devtype` (decimal as a directory writes it: 3350, 3330 or 3340) labelled
/// `label`. A disk of more than 1720 blocks gets no QMSK extension blocks yet: as on the R6
/// disks of the material (FORMATS.md D.2), they appear once more than 1720 blocks are in
/// use. Any other device type is refused. On failure no file is left behind.
pub fn create_cms_minidisk(
    path: &Path,
    devtype: u16,
    cylinders: u16,
    label: &str,
) -> Result<(), DasdError> {
    let hex = u16::from_str_radix(&devtype.to_string(), 16).unwrap_or(0);
    let bad = |what: String| DasdError::InvalidArgument {
        path: path.to_path_buf(),
        what,
    };
    let (bpt, code) = cms_layout(hex)
        .ok_or_else(|| bad(format!("{devtype}: not a CMS disk type (3350, 3330, 3340)")))?;
    if path.exists() {
        return Err(bad("file exists; it is not replaced".into()));
    }
    let label_ok = !label.is_empty()
        && label.len() <= 6
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"$#@".contains(&b));
    if !label_ok {
        return Err(bad(format!(
            "'{label}': a label is 1 to 6 letters or digits"
        )));
    }
    let result = write_disk(path, hex, cylinders, bpt, code, label);
    if result.is_err() {
        let _ = std::fs::remove_file(path);
    }
    result
}

fn write_disk(
    path: &Path,
    devtype: u16,
    cylinders: u16,
    bpt: u16,
    code: u8,
    label: &str,
) -> Result<(), DasdError> {
    let mut img = create_cckd(path, devtype, cylinders)?;
    let heads = img.heads();
    let blocks = u32::from(cylinders) * u32::from(heads) * u32::from(bpt);
    let blocks = blocks.min(MAX_CMS_BLOCKS);
    let mut first = vec![vec![0u8; 800]; 5];
    // Block 3: the label.
    first[2][..4].copy_from_slice(&crate::io::ebcdic::text_to_ebcdic("CMS="));
    let mut l = crate::io::ebcdic::text_to_ebcdic(&label.to_ascii_uppercase());
    l.resize(6, 0x40);
    first[2][4..10].copy_from_slice(&l);
    // Block 4: the MFD: FST block 5, no QMSK extension; blocks 1-5 in use.
    let mfd = &mut first[3];
    mfd[0..2].copy_from_slice(&5u16.to_be_bytes());
    mfd[2..4].copy_from_slice(&0xFFFFu16.to_be_bytes());
    let used = 5u32;
    mfd[364..368].copy_from_slice(&blocks.to_be_bytes());
    mfd[368..372].copy_from_slice(&used.to_be_bytes());
    mfd[372..376].copy_from_slice(&(blocks - used).to_be_bytes());
    mfd[376..380].copy_from_slice(&0u32.to_be_bytes()); // last non-zero map byte
    mfd[380..384].copy_from_slice(&u32::from(cylinders).to_be_bytes());
    mfd[384] = 0xF8; // blocks 1-5
    mfd[599] = code;
    for cyl in 0..cylinders {
        for head in 0..heads {
            let mut t = Track::formatted(cyl, head);
            for r in 1..=bpt {
                let n = (u32::from(cyl) * u32::from(heads) + u32::from(head)) * u32::from(bpt)
                    + u32::from(r);
                let data = first
                    .get(n as usize - 1)
                    .cloned()
                    .unwrap_or_else(|| vec![0u8; 800]);
                t.records.push(Record::new(cyl, head, r as u8, data));
            }
            img.write_track(cyl, head, &t)?;
        }
    }
    img.flush()
}

/// Extends the CKD image `path` to `cylinders` cylinders when it has fewer (returns the
/// cylinders it had), keeping every track it holds; the new tracks are formatted as CMS
/// formats them (keyless 800-byte records). When the image holds a CMS file system that
/// counts the image's old cylinders, its master file directory is updated to count the
/// new blocks (ADTNUM, ADTLEFT, ADTCYL; at most what its allocation map covers).
///
/// Nothing is lost on the way: the extended image is written beside the old one under a
/// temporary name, read back and compared track by track, and only then renamed over it
/// (an atomic replace; a failure leaves the old image as it was and no temporary file).
pub fn extend_cms_minidisk(path: &Path, cylinders: u16) -> Result<Option<u16>, DasdError> {
    let mut old = super::open(path, true)?;
    let old_cyls = old.cylinders();
    if old_cyls >= cylinders {
        return Ok(None);
    }
    let devtype = old.geometry().devtype;
    let (bpt, _) = cms_layout(devtype).ok_or_else(|| DasdError::InvalidArgument {
        path: path.to_path_buf(),
        what: format!("{devtype:04X}: not a CMS disk type (3350, 3330, 3340)"),
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.extending.{}", std::process::id()));
    let result = (|| {
        let mut new = match old.format() {
            super::ImageFormat::CkdP370 => super::create_ckd(&tmp, devtype, cylinders)?,
            super::ImageFormat::CkdC370 => create_cckd(&tmp, devtype, cylinders)?,
            super::ImageFormat::Ckdc => {
                return Err(DasdError::unsupported(
                    path,
                    "emx370 .ckdc images cannot be extended",
                ))
            }
        };
        let heads = new.heads();
        for cyl in 0..old_cyls {
            for head in 0..heads {
                let mut t = old.read_track(cyl, head)?;
                if (cyl, head) == (0, 0) {
                    update_mfd(&mut t, old_cyls, cylinders, heads, bpt);
                }
                new.write_track(cyl, head, &t)?;
            }
        }
        for cyl in old_cyls..cylinders {
            for head in 0..heads {
                let mut t = Track::formatted(cyl, head);
                for r in 1..=bpt {
                    t.records
                        .push(Record::new(cyl, head, r as u8, vec![0u8; 800]));
                }
                new.write_track(cyl, head, &t)?;
            }
        }
        new.flush()?;
        drop(new);
        // Read back: every old track is there (track 0 with its updated MFD).
        let mut check = super::open(&tmp, true)?;
        for cyl in 0..old_cyls {
            for head in 0..heads {
                let mut want = old.read_track(cyl, head)?;
                if (cyl, head) == (0, 0) {
                    update_mfd(&mut want, old_cyls, cylinders, heads, bpt);
                }
                if check.read_track(cyl, head)? != want {
                    return Err(DasdError::corrupt(
                        &tmp,
                        0,
                        format!("cylinder {cyl} head {head} did not read back as written"),
                    ));
                }
            }
        }
        drop(check);
        std::fs::rename(&tmp, path).map_err(|e| DasdError::io(path, None, "rename", e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map(|()| Some(old_cyls))
}

/// In track 0 of a CMS disk of `old_cyls` cylinders (label `CMS=` in R3, MFD in R4 whose
/// ADTCYL is `old_cyls`), counts the blocks of `cylinders` cylinders.
fn update_mfd(t: &mut Track, old_cyls: u16, cylinders: u16, heads: u16, bpt: u16) {
    let cms = crate::io::ebcdic::text_to_ebcdic("CMS=");
    if t.record(3)
        .is_none_or(|r| r.data.len() < 800 || r.data[..4] != cms[..])
    {
        return;
    }
    let Some(mfd) = t.records.iter_mut().find(|r| r.rec == 4) else {
        return;
    };
    let m = &mut mfd.data;
    if m.len() < 800 {
        return;
    }
    let be = |m: &[u8], at: usize| u32::from_be_bytes([m[at], m[at + 1], m[at + 2], m[at + 3]]);
    if be(m, 380) != u32::from(old_cyls) {
        return;
    }
    // The map covers 1720 blocks in the MFD, 6400 more per QMSK extension block (the block
    // numbers after X'FFFD' in the FST block list, ended by X'0000').
    let list: Vec<u16> = m[..364]
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    // Without extension blocks the disk counts all its blocks, as a new one does (CMS adds
    // extension blocks once more than 1720 are in use); with them, at most what they map.
    let mut blocks = (u32::from(cylinders) * u32::from(heads) * u32::from(bpt)).min(MAX_CMS_BLOCKS);
    if let Some(i) = list.iter().position(|&b| b == 0xFFFD) {
        let ext = list[i + 1..].iter().take_while(|&&b| b != 0).count() as u32;
        let covered = (QMSK_IN_MFD as u32 + 800 * ext) * 8;
        blocks = blocks.min(covered.max(be(m, 364)));
    }
    let used = be(m, 368);
    m[364..368].copy_from_slice(&blocks.to_be_bytes());
    m[372..376].copy_from_slice(&blocks.saturating_sub(used).to_be_bytes());
    m[380..384].copy_from_slice(&u32::from(cylinders).to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_disk_reads_back_as_an_empty_cms_disk() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("d.cckd");
        create_cms_minidisk(&p, 3350, 3, "TEST01").unwrap();
        let mut img = crate::dasd::open(&p, true).unwrap();
        assert_eq!(img.cylinders(), 3);
        let t = img.read_track(0, 0).unwrap();
        assert_eq!(t.data_records().len(), 19);
        let label = &t.record(3).unwrap().data;
        assert_eq!(
            crate::io::ebcdic::ebcdic_to_text(&label[..10]),
            "CMS=TEST01"
        );
        let mfd = &t.record(4).unwrap().data;
        assert_eq!(&mfd[0..4], &[0, 5, 0xFF, 0xFF]);
        assert_eq!(u32::from_be_bytes(mfd[364..368].try_into().unwrap()), 1710);
        assert_eq!(u32::from_be_bytes(mfd[368..372].try_into().unwrap()), 5);
        assert_eq!(mfd[384], 0xF8);
        assert_eq!(mfd[599], 0x0B);
        let last = img.read_track(2, 29).unwrap();
        assert_eq!(last.data_records().len(), 19);
        // Never replaces a file.
        assert!(create_cms_minidisk(&p, 3350, 3, "TEST01").is_err());
        assert!(p.exists());
        assert!(create_cms_minidisk(&dir.path().join("x"), 3390, 3, "X").is_err());
        assert!(!dir.path().join("x").exists());
    }

    #[test]
    fn extending_keeps_every_track_and_counts_the_new_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("d.cckd");
        create_cms_minidisk(&p, 3350, 3, "EXT001").unwrap();
        {
            let mut img = crate::dasd::open(&p, false).unwrap();
            let mut t = img.read_track(2, 29).unwrap();
            t.records.last_mut().unwrap().data[..4].copy_from_slice(b"LAST");
            img.write_track(2, 29, &t).unwrap();
        }
        let before: Vec<_> = {
            let mut img = crate::dasd::open(&p, true).unwrap();
            (0..3u16)
                .flat_map(|c| (0..30u16).map(move |h| (c, h)))
                .map(|(c, h)| img.read_track(c, h).unwrap())
                .collect()
        };
        assert_eq!(extend_cms_minidisk(&p, 5).unwrap(), Some(3));
        assert_eq!(extend_cms_minidisk(&p, 4).unwrap(), None);
        let mut img = crate::dasd::open(&p, true).unwrap();
        assert_eq!(img.cylinders(), 5);
        for (i, want) in before.iter().enumerate() {
            let (c, h) = ((i / 30) as u16, (i % 30) as u16);
            let got = img.read_track(c, h).unwrap();
            if (c, h) == (0, 0) {
                // Only the MFD changed: ADTNUM, ADTLEFT, ADTCYL.
                assert_eq!(got.record(3), want.record(3));
                let m = &got.record(4).unwrap().data;
                let be = |at: usize| u32::from_be_bytes(m[at..at + 4].try_into().unwrap());
                assert_eq!((be(364), be(368), be(372), be(380)), (2850, 5, 2845, 5));
            } else {
                assert_eq!(&got, want, "cylinder {c} head {h}");
            }
        }
        assert_eq!(img.read_track(4, 29).unwrap().data_records().len(), 19);
        // Nothing else is left in the folder.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
