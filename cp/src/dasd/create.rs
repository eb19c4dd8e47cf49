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

/// Creates `path` (which must not exist) as a CMS-formatted minidisk of `cylinders`
/// cylinders of `devtype` (decimal as a directory writes it: 3350, 3330 or 3340) labelled
/// `label`. A disk needing QMSK extension blocks (more than 1720 blocks) is refused, as is
/// any other device type. On failure no file is left behind.
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
    let blocks = blocks.min(65531);
    if blocks as usize > QMSK_IN_MFD * 8 {
        return Err(DasdError::InvalidArgument {
            path: path.to_path_buf(),
            what: format!(
                "{blocks} blocks: at most {} for a new disk",
                QMSK_IN_MFD * 8
            ),
        });
    }
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
}
