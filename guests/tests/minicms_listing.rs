//! Golden listing of MINICMS, vm390's own CMS-like guest: the whole assembler listing
//! (location, object code, statement, and the symbol cross-reference) of its sources, kept
//! as an insta snapshot, so any change to the guest's code or to what the assembler makes of
//! it shows up in review.

use std::path::Path;

#[test]
fn minicms_listing_is_the_golden_one() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("minicms");
    let (text, parts) = guests::minicms::concatenate(&dir).expect("MINICMS sources");
    assert_eq!(
        parts.len(),
        guests::minicms::SOURCES.len() + 1,
        "the sources and the help texts"
    );
    let (result, listing) = guests::asm::assemble_with_listing("minicms", &text);
    let assembly = result.expect("MINICMS assembles without errors");
    assert_eq!(assembly.origin, 0, "MINICMS starts at address 0");
    assert!(
        listing.lines().count() > text.lines().count(),
        "the listing has a line per statement and a cross-reference"
    );
    insta::assert_snapshot!("minicms_listing", listing);
}

/// MINICMS uses no continuation lines: a statement or comment running into column 72
/// would silently join the next line to it (as one did once, swallowing an instruction).
#[test]
fn no_minicms_line_reaches_the_continuation_column() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("minicms");
    for name in guests::minicms::SOURCES {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        for (i, l) in text.lines().enumerate() {
            assert!(
                l.starts_with('*') || l.chars().count() <= 71,
                "{name}:{}: the line reaches column 72: {l}",
                i + 1
            );
        }
    }
}
