//! Guest storage: an anonymous memory mapping (pages are touched only when used), prefixing,
//! and storage keys with fetch protection and reference and change bits.
//!
//! Addresses: a real address ([`RealAddr`]) is what a DAT-off program forms; prefixing turns
//! it into an absolute address ([`AbsAddr`]) that indexes the mapping (ESA/390 POP SA22-7201
//! section 3.7 "Prefixing"; S/370 POP GA22-7000 chapter 3 "Prefixing").
//!
//! Storage keys are kept per 2 KiB block as System/370 defines them; in ESA/390 mode SSKE sets
//! both blocks of a 4 KiB frame and ISKE reads the first (SA22-7201 section 3.4.1).

use memmap2::MmapMut;

/// A real address: what an instruction with DAT off forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RealAddr(pub u32);

/// An absolute address: a real address after prefixing; indexes main storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AbsAddr(pub u32);

/// Storage-key bits (SA22-7201 figure 3-2): access-control bits 0-3, fetch-protection bit 4,
/// reference bit 5, change bit 6, in a byte as ISK/ISKE present them.
pub mod key {
    /// Fetch-protection bit.
    pub const FETCH: u8 = 0x08;
    /// Reference bit.
    pub const REFERENCE: u8 = 0x04;
    /// Change bit.
    pub const CHANGE: u8 = 0x02;
}

/// Storage block size for keys.
pub const KEY_BLOCK: u32 = 2048;

/// Why a storage access was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessFault {
    /// Beyond the configured storage (addressing exception).
    Addressing,
    /// Key-controlled protection (protection exception).
    Protection,
}

/// Entries of the access cache ([`Storage::tlb_fetch`]); each covers one 2 KiB key block.
pub(crate) const TLB_ENTRIES: usize = 1024;

/// One access-cache entry: a 2 KiB block of real storage whose prefixing, bounds and key
/// check were already done for one access key, with the reference bit (fetch) or the
/// reference and change bits (store) already set, so that repeating the access needs none
/// of that work. A tag is the real block address with `key << 4 | 1`; 0 is empty.
#[derive(Clone, Copy, Debug, Default)]
#[repr(align(16))]
struct TlbEntry {
    fetch: u32,
    store: u32,
    abs: u32,
}

/// Offsets of an access-cache entry's fields, for compiled code (`cpu/jit.rs`); an entry is
/// 16 bytes.
pub(crate) const TLB_FETCH: i32 = std::mem::offset_of!(TlbEntry, fetch) as i32;
/// See [`TLB_FETCH`].
pub(crate) const TLB_STORE: i32 = std::mem::offset_of!(TlbEntry, store) as i32;
/// See [`TLB_FETCH`].
pub(crate) const TLB_ABS: i32 = std::mem::offset_of!(TlbEntry, abs) as i32;
const _: () = assert!(std::mem::size_of::<TlbEntry>() == 16);

/// Main storage of one virtual machine.
///
/// The mapping ([`Storage::size`]) may be larger than what the virtual machine has: its
/// defined storage ([`Storage::set_defined`], from absolute 0) and the address ranges of
/// saved segments loaded above it ([`Storage::set_segments`]; CMSSEG at X'F00000' above a
/// 15M CMS user). Every other absolute address is not available: an access there is an
/// addressing exception (GA22-7000, "Addressing Exception": "an address ... designates a
/// location which is not available in the configuration"). The check is one comparison
/// for defined storage; only an address above it looks at the segments.
pub struct Storage {
    map: MmapMut,
    size: u32,
    /// The end of defined storage (absolute; at most `size`).
    defined: u32,
    /// Saved segments above defined storage: absolute `(first, end)` ranges, `end`
    /// exclusive, inside the mapping.
    segments: Vec<(u32, u32)>,
    keys: Vec<u8>,
    prefix: u32,
    /// Access cache by real block (see [`TlbEntry`]); dropped with every key or prefix change.
    tlb: Box<[TlbEntry; TLB_ENTRIES]>,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storage")
            .field("size", &self.size)
            .field("prefix", &self.prefix)
            .finish()
    }
}

/// Smallest and largest storage sizes.
pub const MIN_SIZE: u64 = 64 * 1024;
/// Largest storage size (2 GiB, the 31-bit limit).
pub const MAX_SIZE: u64 = 2 * 1024 * 1024 * 1024;

impl Storage {
    /// Storage of `size` bytes (a multiple of 4 KiB from 64 KiB to 2 GiB), zeroed, keys zero.
    pub fn new(size: u64) -> std::io::Result<Storage> {
        if !(MIN_SIZE..=MAX_SIZE).contains(&size) || !size.is_multiple_of(4096) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("storage size {size} must be a multiple of 4K from 64K to 2G"),
            ));
        }
        let map = MmapMut::map_anon(size as usize)?;
        Ok(Storage {
            map,
            size: (size - 1) as u32 + 1,
            defined: (size - 1) as u32 + 1,
            segments: Vec::new(),
            keys: vec![0; (size / KEY_BLOCK as u64) as usize],
            prefix: 0,
            tlb: Box::new([TlbEntry::default(); TLB_ENTRIES]),
        })
    }

    /// Size in bytes.
    #[inline(always)]
    pub fn size(&self) -> u32 {
        self.size
    }

    /// The end of defined storage (see [`Storage`]).
    pub fn defined(&self) -> u32 {
        self.defined
    }

    /// Makes the first `defined` bytes (a multiple of 4 KiB, clamped to the mapping) the
    /// virtual machine's defined storage; above them only the saved segments exist. The
    /// access cache is dropped (it vouched for blocks that may no longer exist).
    pub fn set_defined(&mut self, defined: u32) {
        self.defined = defined.min(self.size) & !0xFFF;
        self.tlb.fill(TlbEntry::default());
    }

    /// Sets the saved segments that exist above defined storage: inclusive absolute
    /// `(first, last)` ranges (clamped to the mapping). The access cache is dropped.
    pub fn set_segments(&mut self, ranges: &[(u32, u32)]) {
        let size = self.size;
        self.segments = ranges
            .iter()
            .filter(|(f, l)| f <= l && *f < size)
            .map(|&(f, l)| (f, (u64::from(l) + 1).min(u64::from(size)) as u32))
            .collect();
        self.tlb.fill(TlbEntry::default());
    }

    /// Zeroes all of storage and every storage key (a clear reset, an IPL) without
    /// touching a page: the mapping is replaced by a fresh one, whose pages the host gives
    /// as zeroes on first use. Storage a guest never touches costs no host memory, however
    /// often it is IPLed. On failure (no new mapping) the old one is zeroed by writing.
    pub fn clear(&mut self) {
        match MmapMut::map_anon(self.size as usize) {
            Ok(m) => self.map = m,
            Err(_) => self.map.fill(0),
        }
        self.keys.fill(0);
        self.tlb.fill(TlbEntry::default());
    }

    /// The prefix (a multiple of 4 KiB).
    pub fn prefix(&self) -> u32 {
        self.prefix
    }

    /// Sets the prefix (the caller has validated it).
    pub fn set_prefix(&mut self, p: u32) {
        self.prefix = p & 0x7FFF_F000;
        self.tlb.fill(TlbEntry::default());
    }

    #[inline(always)]
    fn tlb_tag(real: u32, akey: u8) -> u32 {
        (real & !(KEY_BLOCK - 1)) | ((akey as u32) << 4) | 1
    }

    #[inline(always)]
    fn tlb_index(real: u32) -> usize {
        (real / KEY_BLOCK) as usize % TLB_ENTRIES
    }

    /// The host address of absolute 0 and of the access cache, for compiled code
    /// (`cpu/jit.rs`), which reads and writes storage only where the cache vouches for it.
    pub(crate) fn jit_pointers(&mut self) -> (*mut u8, *const u8) {
        (self.map.as_mut_ptr(), self.tlb.as_ptr().cast::<u8>())
    }

    /// The absolute address of a fetch of `len` bytes at real `real` with access key `akey`
    /// when the access cache already vouches for it (inside one 2 KiB block, allowed, the
    /// reference bit set); None means "do the full check" ([`Storage::check_fetch`]).
    #[inline(always)]
    pub fn tlb_fetch(&self, real: u32, len: u32, akey: u8) -> Option<u32> {
        let off = real & (KEY_BLOCK - 1);
        let e = &self.tlb[Self::tlb_index(real)];
        (e.fetch == Self::tlb_tag(real, akey) && off + len <= KEY_BLOCK).then_some(e.abs | off)
    }

    /// As [`Storage::tlb_fetch`], for a store (the change bit set too).
    #[inline(always)]
    pub fn tlb_store(&self, real: u32, len: u32, akey: u8) -> Option<u32> {
        let off = real & (KEY_BLOCK - 1);
        let e = &self.tlb[Self::tlb_index(real)];
        (e.store == Self::tlb_tag(real, akey) && off + len <= KEY_BLOCK).then_some(e.abs | off)
    }

    /// The `N` bytes at real `real` when the access cache vouches for a fetch with `akey`.
    #[inline(always)]
    pub fn fast_fetch<const N: usize>(&self, real: u32, akey: u8) -> Option<[u8; N]> {
        let abs = self.tlb_fetch(real, N as u32, akey)? as usize;
        let bytes: &[u8; N] = self.map.get(abs..abs + N)?.try_into().ok()?;
        Some(*bytes)
    }

    /// Stores `bytes` at real `real` when the access cache vouches for a store with `akey`;
    /// returns the absolute address stored into.
    #[inline(always)]
    pub fn fast_store<const N: usize>(
        &mut self,
        real: u32,
        akey: u8,
        bytes: [u8; N],
    ) -> Option<u32> {
        let abs = self.tlb_store(real, N as u32, akey)?;
        let a = abs as usize;
        let dst: &mut [u8; N] = self.map.get_mut(a..a + N)?.try_into().ok()?;
        *dst = bytes;
        Some(abs)
    }

    /// Records that an access at real `real` (absolute `abs`) with key `akey` passed the full
    /// check, which set the reference (and for a store the change) bit of its block.
    #[inline(always)]
    pub fn tlb_fill(&mut self, real: u32, abs: AbsAddr, akey: u8, store: bool) {
        let e = &mut self.tlb[Self::tlb_index(real)];
        let abs_block = abs.0 & !(KEY_BLOCK - 1);
        if e.abs != abs_block {
            *e = TlbEntry {
                abs: abs_block,
                ..TlbEntry::default()
            };
        }
        let tag = Self::tlb_tag(real, akey);
        if store {
            // The check of a store is also a check of a fetch.
            e.store = tag;
            e.fetch = tag;
        } else {
            e.fetch = tag;
        }
    }

    /// Forgets the access-cache entries of the key block at absolute `a`, after its key
    /// changed: it may be reached at its own real address or, in page 0 and the prefix page,
    /// at the other one.
    fn tlb_forget(&mut self, a: AbsAddr) {
        let block = a.0 & !(KEY_BLOCK - 1);
        let page = block & !0xFFF;
        let other = if page == 0 {
            block | self.prefix
        } else if page == self.prefix {
            block & 0xFFF
        } else {
            block
        };
        for real in [block, other] {
            let e = &mut self.tlb[Self::tlb_index(real)];
            if e.abs == block {
                *e = TlbEntry::default();
            }
        }
    }

    /// Applies prefixing to a real address.
    #[inline(always)]
    pub fn absolute(&self, real: RealAddr) -> AbsAddr {
        let r = real.0;
        let page = r & 0x7FFF_F000;
        AbsAddr(if page == 0 {
            r | self.prefix
        } else if page == self.prefix {
            r & 0xFFF
        } else {
            r
        })
    }

    /// The whole of storage as bytes (absolute addresses).
    #[inline(always)]
    pub fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// The whole of storage, writable (absolute addresses). Does not touch keys.
    #[inline(always)]
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.map
    }

    /// Whether `len` bytes at absolute `a` are inside storage: defined storage, or a saved
    /// segment above it.
    #[inline(always)]
    pub fn contains(&self, a: AbsAddr, len: u32) -> bool {
        (a.0 as u64 + len as u64) <= self.defined as u64 || self.in_segments(a, len)
    }

    /// Whether `len` bytes at absolute `a`, not all in defined storage, exist: each byte
    /// in defined storage or in a saved segment (a run may go from one into the next).
    #[cold]
    #[inline(never)]
    fn in_segments(&self, a: AbsAddr, len: u32) -> bool {
        let end = a.0 as u64 + len as u64;
        if end > self.size as u64 {
            return false;
        }
        let mut at = a.0 as u64;
        if at < self.defined as u64 {
            at = self.defined as u64;
        }
        while at < end {
            match self
                .segments
                .iter()
                .find(|(f, e)| u64::from(*f) <= at && at < u64::from(*e))
            {
                Some(&(_, e)) => at = u64::from(e),
                None => return false,
            }
        }
        true
    }

    /// The storage key byte of the block holding absolute `a` (a inside storage).
    #[inline(always)]
    pub fn key(&self, a: AbsAddr) -> u8 {
        self.keys[(a.0 / KEY_BLOCK) as usize]
    }

    /// Sets the storage key byte of the block holding absolute `a`.
    pub fn set_key(&mut self, a: AbsAddr, k: u8) {
        self.keys[(a.0 / KEY_BLOCK) as usize] = k & 0xFE;
        self.tlb_forget(a);
    }

    /// Checks a fetch of `len` (1..=4096) bytes at absolute `a` with access key `akey`
    /// (0-15), and sets the reference bits.
    #[inline(always)]
    pub fn check_fetch(&mut self, a: AbsAddr, len: u32, akey: u8) -> Result<(), AccessFault> {
        self.check(a, len, akey, false)
    }

    /// Checks a store of `len` (1..=4096) bytes at absolute `a` with access key `akey`, and
    /// sets the reference and change bits.
    #[inline(always)]
    pub fn check_store(&mut self, a: AbsAddr, len: u32, akey: u8) -> Result<(), AccessFault> {
        self.check(a, len, akey, true)
    }

    #[inline(always)]
    fn check(&mut self, a: AbsAddr, len: u32, akey: u8, store: bool) -> Result<(), AccessFault> {
        if !self.contains(a, len) {
            return Err(AccessFault::Addressing);
        }
        let first = a.0 / KEY_BLOCK;
        let last = (a.0 + len - 1) / KEY_BLOCK;
        for b in first..=last {
            let k = &mut self.keys[b as usize];
            // Key 0 matches every key; otherwise a store needs the same key, a fetch too
            // when the block is fetch-protected.
            if akey != 0 && (*k >> 4) != akey && (store || *k & key::FETCH != 0) {
                return Err(AccessFault::Protection);
            }
            let bits = if store {
                key::REFERENCE | key::CHANGE
            } else {
                key::REFERENCE
            };
            // Written only when a bit is new, so repeated accesses only read the key.
            if *k & bits != bits {
                *k |= bits;
            }
        }
        Ok(())
    }

    /// Big-endian halfword at absolute `a` (inside storage).
    #[inline(always)]
    pub fn read_u16(&self, a: AbsAddr) -> u16 {
        let i = a.0 as usize;
        u16::from_be_bytes([self.map[i], self.map[i + 1]])
    }
    /// Big-endian word at absolute `a` (inside storage).
    #[inline(always)]
    pub fn read_u32(&self, a: AbsAddr) -> u32 {
        let i = a.0 as usize;
        u32::from_be_bytes(self.map[i..i + 4].try_into().unwrap())
    }
    /// Big-endian doubleword at absolute `a` (inside storage).
    #[inline(always)]
    pub fn read_u64(&self, a: AbsAddr) -> u64 {
        let i = a.0 as usize;
        u64::from_be_bytes(self.map[i..i + 8].try_into().unwrap())
    }
    /// Stores a big-endian halfword at absolute `a` (inside storage); no key handling.
    #[inline(always)]
    pub fn write_u16(&mut self, a: AbsAddr, v: u16) {
        let i = a.0 as usize;
        self.map[i..i + 2].copy_from_slice(&v.to_be_bytes());
    }
    /// Stores a big-endian word at absolute `a` (inside storage); no key handling.
    #[inline(always)]
    pub fn write_u32(&mut self, a: AbsAddr, v: u32) {
        let i = a.0 as usize;
        self.map[i..i + 4].copy_from_slice(&v.to_be_bytes());
    }
    /// Stores a big-endian doubleword at absolute `a` (inside storage); no key handling.
    #[inline(always)]
    pub fn write_u64(&mut self, a: AbsAddr, v: u64) {
        let i = a.0 as usize;
        self.map[i..i + 8].copy_from_slice(&v.to_be_bytes());
    }

    /// Copies `data` into storage at absolute `a` (image loading, saved segments: the
    /// control program's own stores, anywhere in the mapping); fails if it does not fit.
    pub fn load(&mut self, a: AbsAddr, data: &[u8]) -> Result<(), AccessFault> {
        if a.0 as u64 + data.len() as u64 > self.size as u64 {
            return Err(AccessFault::Addressing);
        }
        self.map[a.0 as usize..a.0 as usize + data.len()].copy_from_slice(data);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixing_swaps_page_zero_and_the_prefix_page() {
        let mut s = Storage::new(1 << 20).unwrap();
        s.set_prefix(0x3000);
        assert_eq!(s.absolute(RealAddr(0x10)), AbsAddr(0x3010));
        assert_eq!(s.absolute(RealAddr(0x3010)), AbsAddr(0x10));
        assert_eq!(s.absolute(RealAddr(0x5010)), AbsAddr(0x5010));
    }

    #[test]
    fn clear_zeroes_storage_and_keys() {
        let mut s = Storage::new(MIN_SIZE).unwrap();
        s.write_u32(AbsAddr(0x1000), 0xDEAD_BEEF);
        s.set_key(AbsAddr(0x1000), 0x30);
        s.clear();
        assert_eq!(s.read_u32(AbsAddr(0x1000)), 0);
        assert_eq!(s.key(AbsAddr(0x1000)), 0);
        assert_eq!(s.size() as u64, MIN_SIZE);
    }

    #[test]
    fn sizes_are_checked() {
        assert!(Storage::new(32 * 1024).is_err());
        assert!(Storage::new(64 * 1024 + 1).is_err());
        assert_eq!(Storage::new(64 * 1024).unwrap().size(), 65536);
    }

    #[test]
    fn keys_protect_and_record_reference_and_change() {
        let mut s = Storage::new(1 << 16).unwrap();
        let a = AbsAddr(0x1000);
        s.set_key(a, 0x30 | key::FETCH);
        assert_eq!(s.check_store(a, 4, 2), Err(AccessFault::Protection));
        assert_eq!(s.check_fetch(a, 4, 2), Err(AccessFault::Protection));
        assert_eq!(s.check_fetch(a, 4, 3), Ok(()));
        assert_eq!(s.key(a) & key::REFERENCE, key::REFERENCE);
        assert_eq!(s.key(a) & key::CHANGE, 0);
        assert_eq!(s.check_store(a, 4, 0), Ok(()));
        assert_eq!(s.key(a) & key::CHANGE, key::CHANGE);
        // Crossing into the next block checks it too.
        s.set_key(AbsAddr(0x1800), 0x50);
        assert_eq!(
            s.check_store(AbsAddr(0x17FE), 4, 3),
            Err(AccessFault::Protection)
        );
        assert_eq!(
            s.check_fetch(AbsAddr(0xFFFE), 4, 0),
            Err(AccessFault::Addressing)
        );
    }

    /// Above defined storage only saved segments exist: an access elsewhere (or running
    /// off a segment's end) is an addressing exception, and a purged segment is gone.
    #[test]
    fn only_defined_storage_and_segments_exist() {
        let mut s = Storage::new(16 << 20).unwrap();
        s.set_defined(1 << 20);
        assert_eq!(s.check_store(AbsAddr(0xF_FFFC), 4, 0), Ok(()));
        assert_eq!(
            s.check_store(AbsAddr(0xF_FFFE), 4, 0),
            Err(AccessFault::Addressing)
        );
        assert_eq!(
            s.check_store(AbsAddr(0xF0_0000), 4, 0),
            Err(AccessFault::Addressing)
        );
        assert!(!s.contains(AbsAddr(0xF0_0000), 2));
        s.set_segments(&[(0xF0_0000, 0xF1_FFFF)]);
        assert_eq!(s.check_store(AbsAddr(0xF0_0000), 4, 0), Ok(()));
        assert!(s.contains(AbsAddr(0xF1_FFF0), 16));
        assert!(!s.contains(AbsAddr(0xF1_FFF0), 17));
        s.tlb_fill(0xF0_0000, AbsAddr(0xF0_0000), 0, true);
        assert_eq!(s.tlb_store(0xF0_0000, 4, 0), Some(0xF0_0000));
        s.set_segments(&[]);
        assert!(!s.contains(AbsAddr(0xF0_0000), 2));
        // The access cache vouched for the block; the purge dropped that.
        assert_eq!(s.tlb_store(0xF0_0000, 4, 0), None);
        // New storage is all defined.
        assert!(Storage::new(1 << 20)
            .unwrap()
            .contains(AbsAddr(0xF_FFFF), 1));
    }
}
