//! The error type of the DASD image layer.
//!
//! Every error names the image file. Errors about the contents of a file also name the
//! byte offset in the file where the problem was found and say what is wrong, so that a
//! damaged image can be examined with a hex dump.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// An error from opening, reading, writing or creating a DASD image file.
#[derive(Debug)]
#[non_exhaustive]
pub enum DasdError {
    /// The operating system reported an error.
    Io {
        /// The image file.
        path: PathBuf,
        /// The file offset of the failed operation, when there was one.
        offset: Option<u64>,
        /// What was being done ("open", "read", "write", ...).
        action: &'static str,
        /// The error from the operating system.
        source: io::Error,
    },
    /// The file's contents are not valid for its format (a damaged or foreign file).
    Corrupt {
        /// The image file.
        path: PathBuf,
        /// Where in the file the problem was found.
        offset: u64,
        /// What is wrong.
        what: String,
    },
    /// The file is valid, but uses a feature this module does not implement
    /// (shadow files, 64-bit images, FBA, multi-file sets, ...), or the operation is not
    /// possible for this kind of image (writing an emx370 `.ckdc`).
    Unsupported {
        /// The image file.
        path: PathBuf,
        /// What is not supported.
        what: String,
    },
    /// A write to an image that was opened read-only.
    ReadOnly {
        /// The image file.
        path: PathBuf,
    },
    /// The image is being written by another process (it holds the image's lock), so it
    /// cannot be opened for writing here.
    Locked {
        /// The image file.
        path: PathBuf,
        /// The process holding the lock, where the host says which.
        pid: Option<u32>,
    },
    /// A track address outside the image.
    NoSuchTrack {
        /// The image file.
        path: PathBuf,
        /// The cylinder asked for.
        cyl: u16,
        /// The head asked for.
        head: u16,
        /// Cylinders in the image.
        cylinders: u16,
        /// Tracks per cylinder of the device.
        heads: u16,
    },
    /// A track given to `write_track` cannot be stored in this image; nothing was written.
    BadTrack {
        /// The image file.
        path: PathBuf,
        /// Cylinder of the track.
        cyl: u16,
        /// Head of the track.
        head: u16,
        /// Why the track was refused.
        what: String,
    },
    /// A bad argument to `create_ckd`/`create_cckd` (unknown device type, bad size, ...).
    InvalidArgument {
        /// The image file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
}

impl DasdError {
    /// The image file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            DasdError::Io { path, .. }
            | DasdError::Corrupt { path, .. }
            | DasdError::Unsupported { path, .. }
            | DasdError::ReadOnly { path }
            | DasdError::Locked { path, .. }
            | DasdError::NoSuchTrack { path, .. }
            | DasdError::BadTrack { path, .. }
            | DasdError::InvalidArgument { path, .. } => path,
        }
    }

    /// The file offset the error is about, when it has one.
    pub fn offset(&self) -> Option<u64> {
        match self {
            DasdError::Io { offset, .. } => *offset,
            DasdError::Corrupt { offset, .. } => Some(*offset),
            _ => None,
        }
    }

    pub(crate) fn corrupt(path: &Path, offset: u64, what: impl Into<String>) -> Self {
        DasdError::Corrupt {
            path: path.to_path_buf(),
            offset,
            what: what.into(),
        }
    }

    pub(crate) fn unsupported(path: &Path, what: impl Into<String>) -> Self {
        DasdError::Unsupported {
            path: path.to_path_buf(),
            what: what.into(),
        }
    }

    pub(crate) fn io(path: &Path, offset: Option<u64>, action: &'static str, e: io::Error) -> Self {
        DasdError::Io {
            path: path.to_path_buf(),
            offset,
            action,
            source: e,
        }
    }

    pub(crate) fn bad_track(path: &Path, cyl: u16, head: u16, what: impl Into<String>) -> Self {
        DasdError::BadTrack {
            path: path.to_path_buf(),
            cyl,
            head,
            what: what.into(),
        }
    }
}

impl fmt::Display for DasdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DasdError::Io {
                path,
                offset,
                action,
                source,
            } => {
                write!(f, "{}: {action} failed", path.display())?;
                if let Some(o) = offset {
                    write!(f, " at offset {o} (X'{o:X}')")?;
                }
                write!(f, ": {source}")
            }
            DasdError::Corrupt { path, offset, what } => write!(
                f,
                "{}: at offset {offset} (X'{offset:X}'): {what}",
                path.display()
            ),
            DasdError::Unsupported { path, what } => {
                write!(f, "{}: not supported: {what}", path.display())
            }
            DasdError::ReadOnly { path } => {
                write!(f, "{}: image is attached read-only", path.display())
            }
            DasdError::Locked { path, pid } => {
                write!(f, "{}: in use by ", path.display())?;
                match pid {
                    Some(p) => write!(f, "pid {p}")?,
                    None => write!(f, "another process")?,
                }
                write!(f, " (it holds the image's write lock)")
            }
            DasdError::NoSuchTrack {
                path,
                cyl,
                head,
                cylinders,
                heads,
            } => write!(
                f,
                "{}: no track at cylinder {cyl} head {head} (image has {cylinders} cylinders \
                 of {heads} tracks)",
                path.display()
            ),
            DasdError::BadTrack {
                path,
                cyl,
                head,
                what,
            } => write!(
                f,
                "{}: track at cylinder {cyl} head {head} not written: {what}",
                path.display()
            ),
            DasdError::InvalidArgument { path, what } => write!(f, "{}: {what}", path.display()),
        }
    }
}

impl std::error::Error for DasdError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DasdError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
