//! The virtual devices, one file each, every one a [`super::device::ChannelDevice`]. A new
//! device type is a new file here and its `pub mod` line below.

pub mod console;
#[cfg(test)]
pub mod loopback;
pub mod reader;
pub mod spool_output;
