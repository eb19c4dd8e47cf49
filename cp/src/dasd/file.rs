//! Bounds-checked positioned reads and writes on an image file.
//!
//! Every read checks the requested range against the file length first, so a length or
//! offset taken from a damaged file becomes a [`DasdError::Corrupt`] naming the offset,
//! never a short read, a huge allocation or a panic.

use super::DasdError;
use std::fs::{File, OpenOptions};
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

    /// Create a new file; fails if the path exists (an existing image is never replaced).
    pub(crate) fn create_new(path: &Path) -> Result<Self, DasdError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| DasdError::io(path, None, "create", e))?;
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

    /// The underlying file, for writing a new image sequentially (call `refresh_len` after).
    pub(crate) fn raw_file(&mut self) -> &mut File {
        &mut self.file
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
