//! Random bytes run as a guest (both architectures, program checks re-entering the random
//! code; half of them with every entry point compiled) always end in a stop condition: the CP
//! never panics.

#[test]
fn random_guests_never_panic() {
    let mut x: u64 = 0x5EED_0390_CAFE_F00D;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut stops = std::collections::BTreeMap::new();
    let mut regions = 0;
    for _ in 0..600 {
        let len = 0x200 + (next() % 0x600) as usize;
        let mut img: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        // Bias toward real instructions: many random bytes are valid opcodes anyway.
        if next() % 2 == 0 {
            img[0] |= 1;
        }
        let (stop, compiled) = cp::fuzzing::run_bytes_counted(&img, 20_000);
        *stops.entry(format!("{stop:?}")).or_insert(0) += 1;
        regions += compiled;
    }
    // The region compiler ran on random code too.
    assert!(regions > 100, "only {regions} regions compiled");
    // Several kinds of ending were reached, so the test exercised real paths.
    assert!(stops.len() >= 2, "{stops:?}");
}
