//! DASD image files: CKD device geometries and track-level access to disk images.
//!
//! Formats:
//!
//! | format | id | read | write |
//! |---|---|---|---|
//! | Hercules uncompressed CKD | `CKD_P370` | yes | yes (in place) |
//! | Hercules compressed CKD (CCKD) | `CKD_C370` | yes: none, zlib, bzip2 | yes: zlib or none |
//! | emx370 `.ckdc` (+ `.ckdc.delta`) | version X'0001' | yes | no |
//!
//! [`open`] detects the format from the file header. An image opened read-only is read
//! through a read-only file handle and never written. Damaged files give a
//! [`DasdError`] naming the file, the offset and what is wrong; every length and offset
//! taken from a file is checked before use.
//!
//! The unit of access is a whole track ([`Track`]): its home address and records (R0
//! first), each with its count field, key and data. A channel-program emulation reads a
//! track, works on its records, and writes the track back.

mod cckd;
mod ckd;
mod ckdc;
mod create;
mod error;
mod file;
mod geometry;
mod track;

pub use create::{cms_layout, create_cms_minidisk, extend_cms_minidisk};
pub use error::DasdError;
pub(crate) use file::lock_holder;
pub use geometry::{
    geometry, geometry_by_name, geometry_for, CapacityFormula, Geometry, GEOMETRIES,
};
pub use track::{Record, Track};

use std::path::Path;

/// The kind of an image file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageFormat {
    /// Hercules uncompressed CKD (`CKD_P370`).
    CkdP370,
    /// Hercules compressed CKD (`CKD_C370`).
    CkdC370,
    /// emx370 `.ckdc`, with its `.ckdc.delta` overlay if present (read-only).
    Ckdc,
}

/// Track-level access to a CKD disk image.
pub trait CkdImage: Send {
    /// The device model (the smallest model of the image's device type that holds its
    /// cylinders, or the base model if none does).
    fn geometry(&self) -> &Geometry;

    /// Cylinders in the image (a minidisk image usually has fewer than the model).
    fn cylinders(&self) -> u16;

    /// Tracks per cylinder.
    fn heads(&self) -> u16 {
        self.geometry().heads
    }

    /// The kind of file.
    fn format(&self) -> ImageFormat;

    /// The image file (for an emx370 image, the base `.ckdc`).
    fn path(&self) -> &Path;

    /// The volume serial recorded in the file header (EBCDIC), where the format has one.
    fn volser(&self) -> Option<[u8; 6]> {
        None
    }

    /// Read the track at (`cyl`, `head`).
    fn read_track(&mut self, cyl: u16, head: u16) -> Result<Track, DasdError>;

    /// Replace the track at (`cyl`, `head`) (`track.cyl`/`track.head` must match). The
    /// track is checked first; a track the format cannot hold is refused with
    /// [`DasdError::BadTrack`] and nothing is written.
    fn write_track(&mut self, cyl: u16, head: u16, track: &Track) -> Result<(), DasdError>;

    /// Make all writes durable and leave the file in a consistent, closed state.
    fn flush(&mut self) -> Result<(), DasdError>;

    /// Whether the image was opened read-only.
    fn read_only(&self) -> bool;
}

/// Open an image file, detecting its format from the header.
///
/// With `read_only` the file is opened with a read-only handle and `write_track` fails
/// with [`DasdError::ReadOnly`]. emx370 `.ckdc` images can only be opened read-only.
pub fn open(path: &Path, read_only: bool) -> Result<Box<dyn CkdImage>, DasdError> {
    let mut f = file::ImageFile::open(path, read_only)?;
    if f.len() < 8 {
        return Err(DasdError::corrupt(
            path,
            0,
            format!("file of {} bytes is too short to be a disk image", f.len()),
        ));
    }
    let mut id = [0u8; 8];
    f.read_at(0, &mut id, "file header")?;
    match &id {
        b"CKD_P370" | b"CKD_C370" => {
            let mut hdr = [0u8; ckd::DEVHDR_LEN];
            f.read_at(0, &mut hdr, "Hercules device header")?;
            if &id == b"CKD_P370" {
                Ok(Box::new(ckd::CkdP370::open(f, &hdr)?))
            } else {
                Ok(Box::new(cckd::CkdC370::open(f, &hdr)?))
            }
        }
        b"CKD_S370" => Err(DasdError::unsupported(
            path,
            "Hercules compressed shadow file (CKD_S370); open the base image",
        )),
        b"CKD_P064" | b"CKD_C064" | b"CKD_S064" => Err(DasdError::unsupported(
            path,
            "Hercules 64-bit CKD image (CKD_x064)",
        )),
        b"FBA_C370" | b"FBA_S370" | b"FBA_C064" | b"FBA_S064" => Err(DasdError::unsupported(
            path,
            "FBA image (only CKD is supported)",
        )),
        _ if id[0..2] == [0x00, 0x01] || id[0..2] == [0x80, 0x01] => {
            if !read_only {
                return Err(DasdError::unsupported(
                    path,
                    "emx370 .ckdc images can only be opened read-only",
                ));
            }
            Ok(Box::new(ckdc::Ckdc::open(f)?))
        }
        _ => Err(DasdError::corrupt(
            path,
            0,
            format!(
                "unrecognised file header {} (not CKD_P370, CKD_C370 or emx370 .ckdc)",
                track::hex(&id)
            ),
        )),
    }
}

fn check_create(path: &Path, devtype: u16, cylinders: u16) -> Result<&'static Geometry, DasdError> {
    let g = geometry(devtype).ok_or_else(|| DasdError::InvalidArgument {
        path: path.to_path_buf(),
        what: format!("unknown CKD device type {devtype:04X}"),
    })?;
    let max = GEOMETRIES
        .iter()
        .filter(|m| m.devtype == devtype)
        .map(|m| m.max_cylinders())
        .max()
        .unwrap_or(0);
    if cylinders == 0 || u32::from(cylinders) > max {
        return Err(DasdError::InvalidArgument {
            path: path.to_path_buf(),
            what: format!("{cylinders} cylinders: a {devtype:04X} image holds 1 to {max}"),
        });
    }
    Ok(g)
}

/// Create a new uncompressed Hercules image (`CKD_P370`) with every track formatted as a
/// home address and an R0 of 8 zero bytes, and open it read-write. An existing file is
/// never replaced.
pub fn create_ckd(
    path: &Path,
    devtype: u16,
    cylinders: u16,
) -> Result<Box<dyn CkdImage>, DasdError> {
    let g = check_create(path, devtype, cylinders)?;
    Ok(Box::new(ckd::create(path, g, cylinders)?))
}

/// Create a new compressed Hercules image (`CKD_C370`, zlib) whose tracks all read as a
/// home address and an R0 of 8 zero bytes (null track format 1, nothing stored), and
/// open it read-write. An existing file is never replaced.
pub fn create_cckd(
    path: &Path,
    devtype: u16,
    cylinders: u16,
) -> Result<Box<dyn CkdImage>, DasdError> {
    let g = check_create(path, devtype, cylinders)?;
    Ok(Box::new(cckd::create(path, g, cylinders)?))
}

#[cfg(test)]
mod tests;
