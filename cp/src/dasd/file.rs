//! Bounds-checked positioned reads and writes on an image file.
//!
//! Every read checks the requested range against the file length first, so a length or
//! offset taken from a damaged file becomes a [`DasdError::Corrupt`] naming the offset,
//! never a short read, a huge allocation or a panic.
//!
//! An image opened for writing is locked: an exclusive advisory lock (`flock(2)`, through
//! [`File::try_lock`]) on its open file, held as long as the file is open, the way QEMU
//! locks the images it writes. A second process that asks to write the same image gets
//! [`DasdError::Locked`], naming the file and (on Linux, from `/proc/locks`) the pid of
//! the process that holds it; it may then open the image read-only. Read-only opens take
//! no lock. The lock is advisory: only programs that ask for it (vm390, QEMU, `flock`)
//! are kept out.

use super::DasdError;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

pub(crate) struct ImageFile {
    file: File,
    path: PathBuf,
    len: u64,
    writable: bool,
}

impl ImageFile {
    /// Open an existing file. A read-only open uses a read-only file handle, so nothing
    /// can write through it even by mistake.
    pub(crate) fn open(path: &Path, read_only: bool) -> Result<Self, DasdError> {
        let file = OpenOptions::new()
            .read(true)
            .write(!read_only)
            .open(path)
            .map_err(|e| DasdError::io(path, None, "open", e))?;
        if !read_only {
            lock_exclusive(&file, path)?;
        }
        let len = file
            .metadata()
            .map_err(|e| DasdError::io(path, None, "stat", e))?
            .len();
        Ok(ImageFile {
            file,
            path: path.to_path_buf(),
            len,
            writable: !read_only,
        })
    }

    /// Create a new file, readable and writable by its owner only (mode 0600); fails if
    /// the path exists (an existing image is never replaced).
    pub(crate) fn create_new(path: &Path) -> Result<Self, DasdError> {
        use std::os::unix::fs::OpenOptionsExt;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| DasdError::io(path, None, "create", e))?;
        lock_exclusive(&file, path)?;
        Ok(ImageFile {
            file,
            path: path.to_path_buf(),
            len: 0,
            writable: true,
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    pub(crate) fn writable(&self) -> bool {
        self.writable
    }

    /// Read exactly `buf.len()` bytes at `offset`; `what` names the structure for the
    /// error message when the file is too short.
    pub(crate) fn read_at(
        &mut self,
        offset: u64,
        buf: &mut [u8],
        what: &str,
    ) -> Result<(), DasdError> {
        let end = offset.checked_add(buf.len() as u64);
        match end {
            Some(end) if end <= self.len => {}
            _ => {
                return Err(DasdError::corrupt(
                    &self.path,
                    offset,
                    format!(
                        "{what}: needs {} bytes here, but the file is only {} bytes long",
                        buf.len(),
                        self.len
                    ),
                ))
            }
        }
        self.file
            .seek(SeekFrom::Start(offset))
            .and_then(|_| self.file.read_exact(buf))
            .map_err(|e| DasdError::io(&self.path, Some(offset), "read", e))
    }

    /// Read `len` bytes at `offset` into a new buffer (bounds-checked before allocating).
    pub(crate) fn read_vec(
        &mut self,
        offset: u64,
        len: usize,
        what: &str,
    ) -> Result<Vec<u8>, DasdError> {
        if offset.checked_add(len as u64).is_none_or(|e| e > self.len) {
            return Err(DasdError::corrupt(
                &self.path,
                offset,
                format!(
                    "{what}: needs {len} bytes here, but the file is only {} bytes long",
                    self.len
                ),
            ));
        }
        let mut v = vec![0u8; len];
        self.read_at(offset, &mut v, what)?;
        Ok(v)
    }

    pub(crate) fn write_at(&mut self, offset: u64, buf: &[u8]) -> Result<(), DasdError> {
        if !self.writable {
            return Err(DasdError::ReadOnly {
                path: self.path.clone(),
            });
        }
        self.file
            .seek(SeekFrom::Start(offset))
            .and_then(|_| self.file.write_all(buf))
            .map_err(|e| DasdError::io(&self.path, Some(offset), "write", e))?;
        self.len = self.len.max(offset + buf.len() as u64);
        Ok(())
    }

    pub(crate) fn set_len(&mut self, len: u64) -> Result<(), DasdError> {
        if !self.writable {
            return Err(DasdError::ReadOnly {
                path: self.path.clone(),
            });
        }
        self.file
            .set_len(len)
            .map_err(|e| DasdError::io(&self.path, Some(len), "truncate", e))?;
        self.len = len;
        Ok(())
    }

    pub(crate) fn sync(&mut self) -> Result<(), DasdError> {
        if !self.writable {
            return Ok(());
        }
        self.file
            .sync_data()
            .map_err(|e| DasdError::io(&self.path, None, "sync", e))
    }

    pub(crate) fn refresh_len(&mut self) -> Result<(), DasdError> {
        self.len = self
            .file
            .metadata()
            .map_err(|e| DasdError::io(&self.path, None, "stat", e))?
            .len();
        Ok(())
    }
}

/// Takes the exclusive advisory lock on `file` (the image at `path`) without waiting.
fn lock_exclusive(file: &File, path: &Path) -> Result<(), DasdError> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(TryLockError::WouldBlock) => Err(DasdError::Locked {
            path: path.to_path_buf(),
            pid: lock_holder(file),
        }),
        Err(TryLockError::Error(e)) => Err(DasdError::io(path, None, "lock", e)),
    }
}

/// The pid of the process holding a `flock` lock on `file`'s inode, from Linux's
/// `/proc/locks` (lines `n: FLOCK ADVISORY WRITE pid MAJ:MIN:INODE 0 EOF`, see proc(5));
/// `None` where that file is not available or names no holder.
pub(crate) fn lock_holder(file: &File) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    let meta = file.metadata().ok()?;
    let ino = meta.ino();
    let dev = meta.dev();
    // Linux dev_t: major in bits 8-19 and 32-43, minor in bits 0-7 and 20-31.
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    let locks = std::fs::read_to_string("/proc/locks").ok()?;
    let mut by_inode = None;
    for line in locks.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        // A blocked waiter's line starts "n: ->"; it holds nothing.
        if f.len() < 6 || f[1] != "FLOCK" {
            continue;
        }
        let Ok(pid) = f[4].parse::<u32>() else {
            continue;
        };
        let mut id = f[5].split(':');
        let (Some(ma), Some(mi), Some(i)) = (id.next(), id.next(), id.next()) else {
            continue;
        };
        if i.parse::<u64>().ok() != Some(ino) {
            continue;
        }
        let same_dev = u64::from_str_radix(ma, 16).ok() == Some(major)
            && u64::from_str_radix(mi, 16).ok() == Some(minor);
        if same_dev {
            return Some(pid);
        }
        // Some file systems (overlayfs) report another device than stat does.
        by_inode.get_or_insert(pid);
    }
    by_inode
}
