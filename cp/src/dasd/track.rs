//! Tracks and records, and the Hercules track-image encoding shared by `CKD_P370` and
//! `CKD_C370` files.
//!
//! A Hercules track image is: a 5-byte header (byte 0 = 0, or the compression code in a
//! compressed file; CC; HH), R0's count and data, each further record's count, key and
//! data, and an 8-byte end-of-track marker of X'FF'. Bytes after the marker are
//! undefined and ignored.

use super::geometry::{COUNT_LEN, EOT_LEN, HA_LEN};

/// One record of a track: its count field (CC HH R, key and data lengths) and contents.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Record {
    /// Cylinder from the count field.
    pub cyl: u16,
    /// Head from the count field.
    pub head: u16,
    /// Record number from the count field (0 for R0).
    pub rec: u8,
    /// Key (0 to 255 bytes).
    pub key: Vec<u8>,
    /// Data (0 to 65535 bytes).
    pub data: Vec<u8>,
}

impl Record {
    /// A keyless record.
    pub fn new(cyl: u16, head: u16, rec: u8, data: Vec<u8>) -> Self {
        Record {
            cyl,
            head,
            rec,
            key: Vec::new(),
            data,
        }
    }

    /// The 8-byte count field: CC HH R KL DL. Lengths are truncated to their field sizes;
    /// [`Track::check`] rejects records whose lengths do not fit.
    pub fn count(&self) -> [u8; 8] {
        let c = self.cyl.to_be_bytes();
        let h = self.head.to_be_bytes();
        let dl = (self.data.len() as u16).to_be_bytes();
        [
            c[0],
            c[1],
            h[0],
            h[1],
            self.rec,
            self.key.len() as u8,
            dl[0],
            dl[1],
        ]
    }

    /// The 5-byte CCHHR identifier (what SEARCH ID compares).
    pub fn id(&self) -> [u8; 5] {
        let c = self.count();
        [c[0], c[1], c[2], c[3], c[4]]
    }
}

/// One track: its home address and its records, R0 first.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Track {
    /// Cylinder of the track's position in the image.
    pub cyl: u16,
    /// Head of the track's position in the image.
    pub head: u16,
    /// The home address as read: flag byte, CC, HH. Hercules images cannot store the flag
    /// byte; it reads as 0 and must be 0 on write.
    pub home_address: [u8; 5],
    /// Records in track order, normally starting with R0.
    pub records: Vec<Record>,
}

impl Track {
    /// A freshly formatted track: home address and an R0 of 8 zero bytes, no records.
    pub fn formatted(cyl: u16, head: u16) -> Self {
        Track {
            cyl,
            head,
            home_address: ha(cyl, head),
            records: vec![Record::new(cyl, head, 0, vec![0; 8])],
        }
    }

    /// The record with record number `rec` (first match), if any.
    pub fn record(&self, rec: u8) -> Option<&Record> {
        self.records.iter().find(|r| r.rec == rec)
    }

    /// The records after R0.
    pub fn data_records(&self) -> &[Record] {
        match self.records.first() {
            Some(r) if r.rec == 0 => &self.records[1..],
            _ => &self.records,
        }
    }

    /// Length of the Hercules track image of this track (header, records, end marker).
    pub fn image_len(&self) -> usize {
        HA_LEN
            + self
                .records
                .iter()
                .map(|r| COUNT_LEN + r.key.len() + r.data.len())
                .sum::<usize>()
            + EOT_LEN
    }

    /// Check that this track can be stored as a Hercules track image on a device with
    /// `heads` tracks per cylinder in a slot of `max_len` bytes, and that Hercules'
    /// checker (`cckdcdsk -3`) would accept the image. Returns what is wrong.
    pub fn check(&self, heads: u16, max_len: usize) -> Result<(), String> {
        let want = ha(self.cyl, self.head);
        if self.home_address != want {
            return Err(format!(
                "home address {} is not {} (flag 0 and the track's own CCHH; Hercules images \
                 store no other home address)",
                hex(&self.home_address),
                hex(&want)
            ));
        }
        let r0 = match self.records.first() {
            Some(r0) => r0,
            None => return Err("no R0 (a Hercules track image always has one)".into()),
        };
        if r0.rec != 0 || !r0.key.is_empty() || r0.data.len() != 8 {
            return Err(format!(
                "first record must be R0 without key and with 8 data bytes, not R{} KL {} DL {}",
                r0.rec,
                r0.key.len(),
                r0.data.len()
            ));
        }
        if r0.cyl != self.cyl || r0.head != self.head {
            return Err(format!(
                "R0 count says cylinder {} head {}, the track is cylinder {} head {}",
                r0.cyl, r0.head, self.cyl, self.head
            ));
        }
        for (i, r) in self.records.iter().enumerate().skip(1) {
            if r.key.len() > 255 {
                return Err(format!(
                    "record {i} has a key of {} bytes (max 255)",
                    r.key.len()
                ));
            }
            if r.data.len() > 65535 {
                return Err(format!(
                    "record {i} has {} data bytes (max 65535)",
                    r.data.len()
                ));
            }
            if r.rec == 0 {
                return Err(format!(
                    "record {i} has record number 0 (only the first record may be R0)"
                ));
            }
            if r.head >= heads {
                return Err(format!(
                    "record {i} (R{}) has head {} in its count field; the device has {heads} \
                     heads",
                    r.rec, r.head
                ));
            }
        }
        let len = self.image_len();
        if len > max_len {
            return Err(format!(
                "track image of {len} bytes does not fit the image's {max_len}-byte track slots"
            ));
        }
        Ok(())
    }
}

/// The home address of a track: flag 0, CC, HH.
pub(crate) fn ha(cyl: u16, head: u16) -> [u8; 5] {
    let c = cyl.to_be_bytes();
    let h = head.to_be_bytes();
    [0, c[0], c[1], h[0], h[1]]
}

pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// Encode a track as a Hercules track image (byte 0 = 0). The caller has checked it.
pub(crate) fn encode_image(t: &Track) -> Vec<u8> {
    let mut v = Vec::with_capacity(t.image_len());
    v.extend_from_slice(&t.home_address);
    for r in &t.records {
        v.extend_from_slice(&r.count());
        v.extend_from_slice(&r.key);
        v.extend_from_slice(&r.data);
    }
    v.extend_from_slice(&[0xFF; EOT_LEN]);
    v
}

/// Decode a Hercules track image whose header must say (`cyl`, `head`); byte 0 must be 0
/// (the caller replaces a compression code). On error returns the offset in `img` and
/// what is wrong.
pub(crate) fn decode_image(img: &[u8], cyl: u16, head: u16) -> Result<Track, (usize, String)> {
    if img.len() < HA_LEN {
        return Err((
            0,
            format!("track image of {} bytes is too short", img.len()),
        ));
    }
    if img[0] != 0 {
        return Err((
            0,
            format!("track header flag byte is X'{:02X}', not 0", img[0]),
        ));
    }
    let icyl = u16::from_be_bytes([img[1], img[2]]);
    let ihead = u16::from_be_bytes([img[3], img[4]]);
    if icyl != cyl || ihead != head {
        return Err((
            1,
            format!(
                "track header says cylinder {icyl} head {ihead}, expected cylinder {cyl} head {head}"
            ),
        ));
    }
    let mut records = Vec::new();
    let mut pos = HA_LEN;
    loop {
        let count = match img.get(pos..pos + COUNT_LEN) {
            Some(c) => c,
            None => {
                return Err((
                    pos,
                    format!(
                        "track image ends after {} records without an end-of-track marker",
                        records.len()
                    ),
                ))
            }
        };
        if count == [0xFF; 8] {
            break;
        }
        let kl = usize::from(count[5]);
        let dl = usize::from(u16::from_be_bytes([count[6], count[7]]));
        let start = pos + COUNT_LEN;
        let end = start + kl + dl;
        if end > img.len() {
            return Err((
                pos,
                format!(
                    "record {} (count {}) needs {} key+data bytes, only {} left in the track image",
                    records.len(),
                    hex(count),
                    kl + dl,
                    img.len() - start
                ),
            ));
        }
        records.push(Record {
            cyl: u16::from_be_bytes([count[0], count[1]]),
            head: u16::from_be_bytes([count[2], count[3]]),
            rec: count[4],
            key: img[start..start + kl].to_vec(),
            data: img[start + kl..end].to_vec(),
        });
        pos = end;
    }
    Ok(Track {
        cyl,
        head,
        home_address: [0, img[1], img[2], img[3], img[4]],
        records,
    })
}

/// Hercules null track formats: 0 = R0 and an end-of-file record R1, 1 = R0 only,
/// 2 = R0 and twelve 4096-byte records of zeros (Linux 3390).
pub(crate) fn null_track(cyl: u16, head: u16, fmt: u8) -> Track {
    let mut t = Track::formatted(cyl, head);
    match fmt {
        0 => t.records.push(Record::new(cyl, head, 1, Vec::new())),
        2 => {
            for r in 1..=12 {
                t.records.push(Record::new(cyl, head, r, vec![0; 4096]));
            }
        }
        _ => {}
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut t = Track::formatted(3, 7);
        t.records.push(Record {
            cyl: 3,
            head: 7,
            rec: 1,
            key: vec![1, 2, 3, 4],
            data: vec![9; 100],
        });
        t.records.push(Record::new(3, 7, 2, vec![]));
        t.check(30, 19456).unwrap();
        let img = encode_image(&t);
        assert_eq!(img.len(), t.image_len());
        assert_eq!(decode_image(&img, 3, 7).unwrap(), t);
        // Stray bytes after the marker are ignored.
        let mut padded = img.clone();
        padded.extend_from_slice(&[0x55; 40]);
        assert_eq!(decode_image(&padded, 3, 7).unwrap(), t);
    }

    #[test]
    fn null_track_lengths() {
        assert_eq!(null_track(0, 1, 0).image_len(), 37);
        assert_eq!(null_track(0, 1, 1).image_len(), 29);
        assert_eq!(null_track(0, 1, 2).image_len(), 29 + 12 * (8 + 4096));
    }

    #[test]
    fn damaged_images_give_errors() {
        let img = encode_image(&null_track(1, 2, 0));
        assert!(decode_image(&img, 1, 3).is_err());
        let mut bad = img.clone();
        bad[0] = 1;
        assert_eq!(decode_image(&bad, 1, 2).unwrap_err().0, 0);
        // Truncated anywhere: an error, never a panic.
        for n in 0..img.len() {
            assert!(decode_image(&img[..n], 1, 2).is_err(), "len {n}");
        }
        // A record length running past the end.
        let mut long = img.clone();
        long[5 + 16 + 6] = 0xFF;
        let (off, what) = decode_image(&long, 1, 2).unwrap_err();
        assert_eq!(off, 21);
        assert!(what.contains("key+data"), "{what}");
    }

    #[test]
    fn check_rejects_what_hercules_cannot_store() {
        let t = Track::formatted(0, 0);
        assert!(t.check(30, 100).is_ok());
        let mut x = t.clone();
        x.home_address[0] = 1;
        assert!(x.check(30, 100).is_err());
        let mut x = t.clone();
        x.records.clear();
        assert!(x.check(30, 100).is_err());
        let mut x = t.clone();
        x.records.push(Record::new(0, 0, 0, vec![]));
        assert!(x.check(30, 100).is_err());
        let mut x = t.clone();
        x.records.push(Record::new(0, 30, 1, vec![]));
        assert!(x.check(30, 100).is_err());
        let mut x = t.clone();
        x.records.push(Record::new(0, 0, 1, vec![0; 100]));
        assert!(x.check(30, 100).is_err());
    }
}
