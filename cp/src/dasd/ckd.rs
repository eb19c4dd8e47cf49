//! Hercules uncompressed CKD images (`CKD_P370`) and the 512-byte device header shared
//! with compressed images.
//!
//! Layout: the device header, then one fixed-size slot of `trksize` bytes per track in
//! (cylinder, head) order; track `t = cyl * heads + head` starts at `512 + t * trksize`.
//! The cylinder count is not stored; it is the number of whole cylinders in the file.

use super::file::ImageFile;
use super::geometry::{self, Geometry, COUNT_LEN, EOT_LEN, HA_LEN};
use super::track::{self, Track};
use super::{CkdImage, DasdError, ImageFormat};
use std::path::Path;

/// Size of the Hercules device header.
pub(crate) const DEVHDR_LEN: usize = 512;

/// The fields of a Hercules device header that this module uses.
pub(crate) struct DevHeader {
    pub(crate) geometry: &'static Geometry,
    pub(crate) heads: u16,
    pub(crate) trksize: u32,
}

/// Parse and check a device header (`id` already recognised by the caller).
pub(crate) fn parse_devhdr(path: &Path, h: &[u8; DEVHDR_LEN]) -> Result<DevHeader, DasdError> {
    let heads = u32::from_le_bytes([h[8], h[9], h[10], h[11]]);
    let trksize = u32::from_le_bytes([h[12], h[13], h[14], h[15]]);
    let devtype = geometry::devtype_from_hercules_byte(h[16]).ok_or_else(|| {
        DasdError::corrupt(
            path,
            16,
            format!(
                "device type byte X'{:02X}' is not a known CKD device",
                h[16]
            ),
        )
    })?;
    let geometry = geometry::geometry(devtype).expect("type byte maps to a table entry");
    if heads != u32::from(geometry.heads) {
        return Err(DasdError::corrupt(
            path,
            8,
            format!(
                "header says {heads} tracks per cylinder; a {:04X} has {}",
                devtype, geometry.heads
            ),
        ));
    }
    let min = (HA_LEN + COUNT_LEN + 8 + EOT_LEN) as u32;
    if !(min..=1 << 20).contains(&trksize) {
        return Err(DasdError::corrupt(
            path,
            12,
            format!("track size {trksize} is not plausible"),
        ));
    }
    if h[17] != 0 {
        return Err(DasdError::unsupported(
            path,
            format!(
                "file {} of a multi-file CKD image set (only single-file images are supported)",
                h[17]
            ),
        ));
    }
    Ok(DevHeader {
        geometry,
        heads: geometry.heads,
        trksize,
    })
}

/// Build a device header.
pub(crate) fn build_devhdr(id: &[u8; 8], g: &Geometry) -> [u8; DEVHDR_LEN] {
    let mut h = [0u8; DEVHDR_LEN];
    h[0..8].copy_from_slice(id);
    h[8..12].copy_from_slice(&u32::from(g.heads).to_le_bytes());
    h[12..16].copy_from_slice(&g.hercules_track_size().to_le_bytes());
    h[16] = g.hercules_type_byte();
    h
}

pub(crate) struct CkdP370 {
    f: ImageFile,
    geometry: &'static Geometry,
    cylinders: u16,
    heads: u16,
    trksize: u32,
}

impl CkdP370 {
    pub(crate) fn open(mut f: ImageFile, hdr: &[u8; DEVHDR_LEN]) -> Result<Self, DasdError> {
        let dh = parse_devhdr(f.path(), hdr)?;
        let cyl_bytes = u64::from(dh.heads) * u64::from(dh.trksize);
        let body = f.len() - DEVHDR_LEN as u64;
        if !body.is_multiple_of(cyl_bytes) {
            return Err(DasdError::corrupt(
                f.path(),
                f.len(),
                format!(
                    "file size {} is not the 512-byte header plus whole cylinders of {} tracks \
                     of {} bytes (truncated or damaged image)",
                    f.len(),
                    dh.heads,
                    dh.trksize
                ),
            ));
        }
        let cyls = body / cyl_bytes;
        if cyls == 0 || cyls > u64::from(u16::MAX) {
            return Err(DasdError::corrupt(
                f.path(),
                0,
                format!("image holds {cyls} cylinders"),
            ));
        }
        let cylinders = cyls as u16;
        let geometry = geometry::geometry_for(dh.geometry.devtype, u32::from(cylinders))
            .unwrap_or(dh.geometry);
        f.refresh_len()?;
        Ok(CkdP370 {
            f,
            geometry,
            cylinders,
            heads: dh.heads,
            trksize: dh.trksize,
        })
    }

    fn slot(&self, cyl: u16, head: u16) -> Result<u64, DasdError> {
        if cyl >= self.cylinders || head >= self.heads {
            return Err(DasdError::NoSuchTrack {
                path: self.f.path().to_path_buf(),
                cyl,
                head,
                cylinders: self.cylinders,
                heads: self.heads,
            });
        }
        let t = u64::from(cyl) * u64::from(self.heads) + u64::from(head);
        Ok(DEVHDR_LEN as u64 + t * u64::from(self.trksize))
    }
}

impl CkdImage for CkdP370 {
    fn geometry(&self) -> &Geometry {
        self.geometry
    }

    fn cylinders(&self) -> u16 {
        self.cylinders
    }

    fn format(&self) -> ImageFormat {
        ImageFormat::CkdP370
    }

    fn path(&self) -> &Path {
        self.f.path()
    }

    fn read_track(&mut self, cyl: u16, head: u16) -> Result<Track, DasdError> {
        let off = self.slot(cyl, head)?;
        let buf = self.f.read_vec(off, self.trksize as usize, "track slot")?;
        track::decode_image(&buf, cyl, head).map_err(|(o, what)| {
            DasdError::corrupt(
                self.f.path(),
                off + o as u64,
                format!("track image of cylinder {cyl} head {head}: {what}"),
            )
        })
    }

    fn write_track(&mut self, cyl: u16, head: u16, t: &Track) -> Result<(), DasdError> {
        if !self.f.writable() {
            return Err(DasdError::ReadOnly {
                path: self.f.path().to_path_buf(),
            });
        }
        let off = self.slot(cyl, head)?;
        if t.cyl != cyl || t.head != head {
            return Err(DasdError::bad_track(
                self.f.path(),
                cyl,
                head,
                format!("the track says cylinder {} head {}", t.cyl, t.head),
            ));
        }
        t.check(self.heads, self.trksize as usize)
            .map_err(|what| DasdError::bad_track(self.f.path(), cyl, head, what))?;
        let mut img = track::encode_image(t);
        img.resize(self.trksize as usize, 0);
        self.f.write_at(off, &img)
    }

    fn flush(&mut self) -> Result<(), DasdError> {
        self.f.sync()
    }

    fn read_only(&self) -> bool {
        !self.f.writable()
    }
}

/// Create a new `CKD_P370` image of `cylinders` cylinders, every track formatted with a
/// home address and an R0 of 8 zero bytes, and open it read-write.
pub(crate) fn create(
    path: &Path,
    g: &'static Geometry,
    cylinders: u16,
) -> Result<CkdP370, DasdError> {
    let mut f = ImageFile::create_new(path)?;
    let result = (|| {
        // Only the formatted start of each track (home address, R0, end marker) is
        // written; the zeros after it are left as holes, so a new image is sparse.
        let trksize = u64::from(g.hercules_track_size());
        let mut pos = DEVHDR_LEN as u64;
        f.write_at(0, &build_devhdr(b"CKD_P370", g))?;
        for cyl in 0..cylinders {
            for head in 0..g.heads {
                let img = track::encode_image(&Track::formatted(cyl, head));
                f.write_at(pos, &img)?;
                pos += trksize;
            }
        }
        f.set_len(pos)?;
        f.refresh_len()?;
        f.sync()?;
        let mut hdr = [0u8; DEVHDR_LEN];
        f.read_at(0, &mut hdr, "device header")?;
        CkdP370::open(f, &hdr)
    })();
    if result.is_err() {
        // Remove the partial file this call created.
        let _ = std::fs::remove_file(path);
    }
    result
}
