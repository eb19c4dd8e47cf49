//! Random bytes as a guest for a bounded number of instructions: the CP never panics.
//! Run: `cargo fuzz run guest -s none` (stable toolchain; see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cp::fuzzing::run_bytes(data, 10_000);
});
