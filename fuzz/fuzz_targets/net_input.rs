//! Arbitrary bytes from a network terminal's client, through the telnet parser, the line
//! assembler and the 3270 record decoder: never a panic, and what is kept between pieces
//! stays bounded. The first byte picks the mode (line, TN3270, TN3270E) and the piece size.
//! Run: `cargo fuzz run net_input -s none` (stable toolchain; see fuzz/README.md).
#![no_main]

use cp::net::inbound::{Inbound, Mode, Received, BUFFERED_LIMIT};
use cp::net::telnet::Parser;
use cp::net::tn3270;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, bytes)) = data.split_first() else {
        return;
    };
    let mode = [Mode::Line, Mode::Tn3270, Mode::Tn3270e][usize::from(first % 3)];
    let piece = 1 + usize::from(first >> 2);
    let mut input = Inbound::new(Parser::default(), mode);
    let mut out = Vec::new();
    for chunk in bytes.chunks(piece) {
        let ended = input.feed(chunk, &mut out).is_err();
        for r in out.drain(..) {
            if let Received::Record(record) = r {
                let _ = tn3270::decode(&record);
            }
        }
        assert!(input.buffered() <= BUFFERED_LIMIT);
        if ended {
            break;
        }
    }
});
