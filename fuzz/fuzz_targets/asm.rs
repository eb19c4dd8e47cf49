//! Arbitrary text as assembler source (macros and conditional assembly included): the
//! assembler never panics and always ends in an image or diagnostics.
//! Run: `cargo fuzz run asm -s none` (stable toolchain; see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let out = guests::asm::assemble_with_notes("fuzz.asm", &text);
    if let Err(diags) = &out.result {
        assert!(!diags.is_empty(), "an error result carries diagnostics");
    }
});
