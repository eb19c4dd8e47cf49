//! CKD device geometries and track-capacity formulas.
//!
//! The numbers are those of IBM's device manuals as tabulated in Hercules' `ckdtab`
//! (dasdtab.c): primary and alternate cylinders per model, tracks per cylinder, the
//! physical track length used by the capacity formula, the largest R1 data length, and
//! the formula constants. Facts only; the code is our own.

/// How the space a record takes on a track is computed (the four IBM formula families).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapacityFormula {
    /// 2311 and 2314: a record takes `KL + DL (+ C if KL > 0)` if it is the last record on
    /// the track, otherwise `(KL + DL) * D1 / D2 (+ C if KL > 0) + X`.
    Tolerance {
        /// Key overhead.
        c: u32,
        /// Record overhead (gap).
        x: u32,
        /// Tolerance numerator.
        d1: u32,
        /// Tolerance denominator.
        d2: u32,
    },
    /// 2305, 3330, 3340, 3350: every record takes `KL + DL + X (+ C if KL > 0)`.
    Overhead {
        /// Key overhead.
        c: u32,
        /// Record overhead.
        x: u32,
    },
    /// 3375 and 3380: the data area takes `DL + F2` and the key area `KL + F3` (if KL > 0),
    /// each rounded up to a multiple of the cell size F1.
    Cells {
        /// Cell size.
        f1: u32,
        /// Data-area overhead.
        f2: u32,
        /// Key-area overhead.
        f3: u32,
    },
    /// 3390 (and 9345): cells of F1 bytes, with F4 bytes of extra overhead for every
    /// `2 * F5` bytes of a field.
    Cells3390 {
        /// Cell size.
        f1: u32,
        /// Cells of count-area overhead.
        f2: u32,
        /// Cells of key-area overhead.
        f3: u32,
        /// Overhead per chunk.
        f4: u32,
        /// Half chunk length.
        f5: u32,
        /// Field overhead.
        f6: u32,
    },
}

/// The geometry of one CKD device model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// Model name as Hercules spells it: `"3350"`, `"3330-11"`, `"3390-3"`.
    pub name: &'static str,
    /// Device type, e.g. `0x3350`.
    pub devtype: u16,
    /// Model byte of the device characteristics (RDC byte 5).
    pub model: u8,
    /// Primary cylinders of this model.
    pub cylinders: u16,
    /// Alternate cylinders of this model.
    pub alt_cylinders: u16,
    /// Tracks per cylinder.
    pub heads: u16,
    /// Track length used by the capacity formula (bytes available to R1..Rn).
    pub track_len: u32,
    /// Largest data length of a keyless R1 that fills an otherwise empty track.
    pub max_data_len: u32,
    /// Length of home address and R0 (overhead field of the device characteristics).
    pub ha_r0_len: u32,
    /// Number of sectors (0 = no rotational position sensing).
    pub sectors: u8,
    /// The capacity formula and its constants.
    pub formula: CapacityFormula,
    /// VM/370 virtual device type byte (VDEVTYPE, returned by DIAGNOSE X'24'), where VM/370
    /// has one.
    pub vm_type: Option<u8>,
}

/// Size of a Hercules track-image header (flag/compression byte, CC, HH).
pub const HA_LEN: usize = 5;
/// Size of a count field.
pub const COUNT_LEN: usize = 8;
/// Size of the end-of-track marker.
pub const EOT_LEN: usize = 8;

impl Geometry {
    /// Tracks of a full volume of this model (primary cylinders only).
    pub fn tracks(&self) -> u32 {
        u32::from(self.cylinders) * u32::from(self.heads)
    }

    /// Largest cylinder count Hercules accepts for this device type model
    /// (primary + alternate cylinders).
    pub fn max_cylinders(&self) -> u32 {
        u32::from(self.cylinders) + u32::from(self.alt_cylinders)
    }

    /// The low byte of the device type, as stored in a Hercules device header.
    pub fn hercules_type_byte(&self) -> u8 {
        (self.devtype & 0xFF) as u8
    }

    /// Size of one track slot in a Hercules `CKD_P370` file: track header, R0, one
    /// maximum-size R1 and the end marker, rounded up to a multiple of 512.
    pub fn hercules_track_size(&self) -> u32 {
        let n = (HA_LEN + COUNT_LEN + 8 + COUNT_LEN + EOT_LEN) as u32 + self.max_data_len;
        n.div_ceil(512) * 512
    }

    /// Bytes of track capacity a record with key length `kl` and data length `dl` takes
    /// when it is *not* the last record on the track.
    pub fn record_space(&self, kl: u8, dl: u16) -> u32 {
        self.space(u32::from(kl), u32::from(dl)).1
    }

    /// Bytes of track capacity a record takes when it is the last record on the track.
    pub fn last_record_space(&self, kl: u8, dl: u16) -> u32 {
        self.space(u32::from(kl), u32::from(dl)).0
    }

    /// (space if last on track, space if followed by another record)
    fn space(&self, kl: u32, dl: u32) -> (u32, u32) {
        match self.formula {
            CapacityFormula::Tolerance { c, x, d1, d2 } => {
                let key = if kl == 0 { 0 } else { c };
                let b1 = kl + dl + key;
                let b2 = (kl + dl) * d1 / d2 + key + x;
                (b1, b2)
            }
            CapacityFormula::Overhead { c, x } => {
                let b = kl + dl + x + if kl == 0 { 0 } else { c };
                (b, b)
            }
            CapacityFormula::Cells { f1, f2, f3 } => {
                let data = (dl + f2).div_ceil(f1) * f1;
                let key = if kl == 0 {
                    0
                } else {
                    (kl + f3).div_ceil(f1) * f1
                };
                (data + key, data + key)
            }
            CapacityFormula::Cells3390 {
                f1,
                f2,
                f3,
                f4,
                f5,
                f6,
            } => {
                let chunk = f5 * 2;
                let int1 = (dl + f6).div_ceil(chunk);
                let data = (f1 * f2 + dl + f6 + f4 * int1).div_ceil(f1) * f1;
                let key = if kl == 0 {
                    0
                } else {
                    let int2 = (kl + f6).div_ceil(chunk);
                    (f1 * f3 + kl + f6 + f4 * int2).div_ceil(f1) * f1
                };
                (data + key, data + key)
            }
        }
    }

    /// How many records of key length `kl` and data length `dl` fit on one track after
    /// R0 (0 if not even one fits).
    pub fn records_per_track(&self, kl: u8, dl: u16) -> u32 {
        let (b1, b2) = self.space(u32::from(kl), u32::from(dl));
        if b1 > self.track_len {
            return 0;
        }
        match self.formula {
            CapacityFormula::Tolerance { .. } => (self.track_len - b1) / b2 + 1,
            _ => self.track_len / b2,
        }
    }

    /// Track capacity used after adding a record to a track whose records so far use
    /// `used` bytes, or `None` if the record does not fit. Start with `used = 0` for R1.
    pub fn add_record(&self, used: u32, kl: u8, dl: u16) -> Option<u32> {
        let (b1, b2) = self.space(u32::from(kl), u32::from(dl));
        if used.checked_add(b1)? > self.track_len {
            None
        } else {
            Some(used + b2)
        }
    }

    /// Whether records R1..Rn with these (key length, data length) pairs fit on one track.
    pub fn fits<I: IntoIterator<Item = (u8, u16)>>(&self, records: I) -> bool {
        let mut used = 0;
        for (kl, dl) in records {
            match self.add_record(used, kl, dl) {
                Some(u) => used = u,
                None => return false,
            }
        }
        true
    }
}

macro_rules! geo {
    ($name:expr, $devtype:expr, $model:expr, $cyls:expr, $alt:expr, $heads:expr,
     $len:expr, $r1:expr, $har0:expr, $sectors:expr, $formula:expr, $vm:expr) => {
        Geometry {
            name: $name,
            devtype: $devtype,
            model: $model,
            cylinders: $cyls,
            alt_cylinders: $alt,
            heads: $heads,
            track_len: $len,
            max_data_len: $r1,
            ha_r0_len: $har0,
            sectors: $sectors,
            formula: $formula,
            vm_type: $vm,
        }
    };
}

const F2305_1: CapacityFormula = CapacityFormula::Overhead { c: 202, x: 432 };
const F2305_2: CapacityFormula = CapacityFormula::Overhead { c: 91, x: 198 };
const F2311: CapacityFormula = CapacityFormula::Tolerance {
    c: 20,
    x: 61,
    d1: 537,
    d2: 512,
};
const F2314: CapacityFormula = CapacityFormula::Tolerance {
    c: 45,
    x: 101,
    d1: 2137,
    d2: 2048,
};
const F3330: CapacityFormula = CapacityFormula::Overhead { c: 56, x: 135 };
const F3340: CapacityFormula = CapacityFormula::Overhead { c: 75, x: 167 };
const F3350: CapacityFormula = CapacityFormula::Overhead { c: 82, x: 185 };
const F3375: CapacityFormula = CapacityFormula::Cells {
    f1: 32,
    f2: 384,
    f3: 160,
};
const F3380: CapacityFormula = CapacityFormula::Cells {
    f1: 32,
    f2: 492,
    f3: 236,
};
const F3390: CapacityFormula = CapacityFormula::Cells3390 {
    f1: 34,
    f2: 19,
    f3: 9,
    f4: 6,
    f5: 116,
    f6: 6,
};

/// All known models. For each device type the first entry is the base model returned by
/// [`geometry`]; further models of the same type follow in order of size.
pub static GEOMETRIES: &[Geometry] = &[
    geo!(
        "2305",
        0x2305,
        0x00,
        48,
        0,
        8,
        14568,
        14136,
        432,
        90,
        F2305_1,
        Some(0x02)
    ),
    geo!(
        "2305-2",
        0x2305,
        0x02,
        96,
        0,
        8,
        14858,
        14660,
        198,
        90,
        F2305_2,
        Some(0x02)
    ),
    geo!(
        "2311",
        0x2311,
        0x00,
        200,
        3,
        10,
        3625,
        3625,
        0,
        0,
        F2311,
        Some(0x80)
    ),
    geo!(
        "2314",
        0x2314,
        0x00,
        200,
        3,
        20,
        7294,
        7294,
        0,
        0,
        F2314,
        Some(0x40)
    ),
    geo!(
        "3330",
        0x3330,
        0x01,
        404,
        7,
        19,
        13165,
        13030,
        135,
        128,
        F3330,
        Some(0x10)
    ),
    geo!(
        "3330-11",
        0x3330,
        0x11,
        808,
        7,
        19,
        13165,
        13030,
        135,
        128,
        F3330,
        Some(0x10)
    ),
    geo!(
        "3340",
        0x3340,
        0x01,
        348,
        1,
        12,
        8535,
        8368,
        167,
        64,
        F3340,
        Some(0x01)
    ),
    geo!(
        "3340-70",
        0x3340,
        0x02,
        696,
        2,
        12,
        8535,
        8368,
        167,
        64,
        F3340,
        Some(0x01)
    ),
    geo!(
        "3350",
        0x3350,
        0x00,
        555,
        5,
        30,
        19254,
        19069,
        185,
        128,
        F3350,
        Some(0x08)
    ),
    geo!(
        "3375",
        0x3375,
        0x02,
        959,
        3,
        12,
        36000,
        35616,
        832,
        196,
        F3375,
        Some(0x04)
    ),
    geo!(
        "3380",
        0x3380,
        0x02,
        885,
        1,
        15,
        47968,
        47476,
        1088,
        222,
        F3380,
        Some(0x20)
    ),
    geo!(
        "3380-E",
        0x3380,
        0x0A,
        1770,
        2,
        15,
        47968,
        47476,
        1088,
        222,
        F3380,
        Some(0x20)
    ),
    geo!(
        "3380-K",
        0x3380,
        0x1E,
        2655,
        3,
        15,
        47968,
        47476,
        1088,
        222,
        F3380,
        Some(0x20)
    ),
    geo!("3390", 0x3390, 0x02, 1113, 1, 15, 58786, 56664, 1428, 224, F3390, None),
    geo!("3390-2", 0x3390, 0x06, 2226, 1, 15, 58786, 56664, 1428, 224, F3390, None),
    geo!("3390-3", 0x3390, 0x0A, 3339, 1, 15, 58786, 56664, 1428, 224, F3390, None),
    geo!("3390-9", 0x3390, 0x0C, 10017, 3, 15, 58786, 56664, 1428, 224, F3390, None),
    geo!("3390-27", 0x3390, 0x0C, 32760, 3, 15, 58786, 56664, 1428, 224, F3390, None),
    geo!("3390-54", 0x3390, 0x0C, 65520, 3, 15, 58786, 56664, 1428, 224, F3390, None),
];

/// The base model of a CKD device type (`0x2314`, `0x3330`, `0x3340`, `0x3350`, `0x3375`,
/// `0x3380`, `0x3390`; also `0x2305`, `0x2311`).
pub fn geometry(devtype: u16) -> Option<&'static Geometry> {
    GEOMETRIES.iter().find(|g| g.devtype == devtype)
}

/// A model by its Hercules name (`"3350"`, `"3330-11"`, `"3390-9"`).
pub fn geometry_by_name(name: &str) -> Option<&'static Geometry> {
    GEOMETRIES
        .iter()
        .find(|g| g.name.eq_ignore_ascii_case(name))
}

/// The smallest model of `devtype` that holds `cylinders` cylinders (counting alternate
/// cylinders, as Hercules does), or `None` if the type is unknown or no model is that big.
pub fn geometry_for(devtype: u16, cylinders: u32) -> Option<&'static Geometry> {
    GEOMETRIES
        .iter()
        .find(|g| g.devtype == devtype && cylinders <= g.max_cylinders())
}

/// The device type whose low byte is `byte` (as stored in a Hercules device header).
pub(crate) fn devtype_from_hercules_byte(byte: u8) -> Option<u16> {
    GEOMETRIES
        .iter()
        .find(|g| g.hercules_type_byte() == byte)
        .map(|g| g.devtype)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hercules_track_sizes_match_dasdinit() {
        // Values written by Hercules 3.13 dasdinit (FORMATS.md C.1).
        for (t, size) in [
            (0x2305, 14336),
            (0x2311, 4096),
            (0x2314, 7680),
            (0x3330, 13312),
            (0x3340, 8704),
            (0x3350, 19456),
            (0x3375, 35840),
            (0x3380, 47616),
            (0x3390, 56832),
        ] {
            assert_eq!(geometry(t).unwrap().hercules_track_size(), size, "{t:04X}");
        }
    }

    #[test]
    fn max_record_fills_the_track() {
        for g in GEOMETRIES {
            let dl = g.max_data_len as u16;
            assert!(g.fits([(0, dl)]), "{}", g.name);
            assert!(!g.fits([(0, dl + 1)]), "{}", g.name);
            assert_eq!(g.records_per_track(0, dl), 1, "{}", g.name);
        }
    }

    #[test]
    fn cms_800_byte_blocks_per_track() {
        // VM/370 R6 CMS: 3350 19, 3330 14, 3340 8 blocks of 800 bytes per track.
        assert_eq!(geometry(0x3350).unwrap().records_per_track(0, 800), 19);
        assert_eq!(geometry(0x3330).unwrap().records_per_track(0, 800), 14);
        assert_eq!(geometry(0x3340).unwrap().records_per_track(0, 800), 8);
        let g = geometry(0x3350).unwrap();
        assert!(g.fits(std::iter::repeat_n((0u8, 800u16), 19)));
        assert!(!g.fits(std::iter::repeat_n((0u8, 800u16), 20)));
    }

    #[test]
    fn well_known_capacities() {
        // 3380: 47476 bytes, 3390: 56664 bytes per track; 4K blocks: 3380 10, 3390 12.
        assert_eq!(geometry(0x3380).unwrap().records_per_track(0, 4096), 10);
        assert_eq!(geometry(0x3390).unwrap().records_per_track(0, 4096), 12);
        assert_eq!(geometry(0x3350).unwrap().records_per_track(0, 4096), 4);
        // Half-track blocking on a 3390 is 27998 bytes.
        assert_eq!(geometry(0x3390).unwrap().records_per_track(0, 27998), 2);
        assert_eq!(geometry(0x3390).unwrap().records_per_track(0, 27999), 1);
    }

    #[test]
    fn models_and_lookup() {
        assert_eq!(geometry(0x3330).unwrap().cylinders, 404);
        assert_eq!(geometry_by_name("3330-11").unwrap().cylinders, 808);
        assert_eq!(geometry(0x3350).unwrap().heads, 30);
        assert_eq!(geometry(0x2314).unwrap().heads, 20);
        assert_eq!(geometry_for(0x3330, 500).unwrap().name, "3330-11");
        assert_eq!(geometry_for(0x3350, 115).unwrap().name, "3350");
        assert!(geometry_for(0x3350, 561).is_none());
        assert!(geometry(0x1234).is_none());
        assert_eq!(devtype_from_hercules_byte(0x50), Some(0x3350));
        assert_eq!(devtype_from_hercules_byte(0x14), Some(0x2314));
        for g in GEOMETRIES {
            assert_eq!(
                devtype_from_hercules_byte(g.hercules_type_byte()),
                Some(g.devtype)
            );
        }
    }
}
