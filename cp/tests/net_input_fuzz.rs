//! The network terminals' input parser (`cp::net::inbound::Inbound::feed`, the entry point
//! of the fuzz target `fuzz/fuzz_targets/net_input.rs`) fed 20,000 seeded inputs: random
//! bytes, and mutations (bit flips, protocol bytes put in, pieces cut out, doubled or
//! spliced) of what real clients send (an `s3270` session's negotiation and 3270 records,
//! TN3270E records, a line-mode telnet session). In line, TN3270 and TN3270E mode, in
//! random pieces: never a panic; what is kept between pieces stays within
//! `BUFFERED_LIMIT`; every line is at most a 3215 line, every record at most
//! `RECORD_LIMIT`, and decodes; and an input that is not malformed gives the same items
//! however it is cut.

use cp::net::inbound::{Inbound, Mode, Received, BUFFERED_LIMIT};
use cp::net::telnet::{self, Parser, LINE_LIMIT};
use cp::net::tn3270::{self, Aid, RECORD_LIMIT};

const IAC: u8 = 255;

/// xorshift64: the same inputs on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// ASCII to EBCDIC (code page 037) for the letters, digits and blank the seeds use.
fn ebcdic(s: &str) -> Vec<u8> {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'I' => 0xC1 + (b - b'A'),
            b'J'..=b'R' => 0xD1 + (b - b'J'),
            b'S'..=b'Z' => 0xE2 + (b - b'S'),
            b'0'..=b'9' => 0xF0 + (b - b'0'),
            _ => 0x40,
        })
        .collect()
}

/// What real clients send.
fn seeds() -> Vec<(Mode, Vec<u8>)> {
    let mut s3270 = vec![IAC, 251, 24, IAC, 250, 24, 0];
    s3270.extend(b"IBM-3278-2-E");
    s3270.extend([
        IAC, 240, IAC, 251, 25, IAC, 253, 25, IAC, 251, 0, IAC, 253, 0,
    ]);
    // ENTER with "LOGON ALICE" at row 23, PA1, PF3, CLEAR, PF24 with text.
    s3270.extend([0x7D, 0x5D, 0x7F, 0x11, 0x5D, 0x7F]);
    s3270.extend(ebcdic("LOGON ALICE"));
    s3270.extend([
        IAC, 239, 0x6C, IAC, 239, 0xF3, 0x5D, 0x7F, IAC, 239, 0x6D, IAC, 239,
    ]);
    s3270.extend([0x4C, 0x5D, 0x7F, 0x11, 0x5D, 0x7F]);
    s3270.extend(ebcdic("CP QUERY NAMES"));
    s3270.extend([IAC, 239]);
    let mut e = Vec::new();
    for rec in [
        &[0x7D, 0x5D, 0x7F, 0x11, 0x5D, 0x7F, 0xC1][..],
        &[0x6C],
        &[0xF1, 0x40, 0x40],
    ] {
        e.extend([0, 0, 0, 0, 7]);
        e.extend(rec);
        e.extend([IAC, 239]);
    }
    e.extend([2, 0, 0, 0, 7, 0, IAC, 239, IAC, 250, 40, 3, 7, 2, IAC, 240]);
    let mut line = b"LOGON ALICE\r\nAPW\r\nCP QUERY USERID\r\n".to_vec();
    line.extend([IAC, 244, IAC, 243, IAC, 246, IAC, 253, 1, IAC, 254, 3]);
    line.extend(b"caf\xc3\xa9 X\x08Y\r\0BEGIN\n\xff\xff\r\n");
    vec![
        (Mode::Tn3270, s3270),
        (Mode::Tn3270e, e),
        (Mode::Line, line),
    ]
}

/// The bytes that matter to the protocol.
const SPECIAL: [u8; 14] = [
    IAC, 250, 240, 251, 252, 253, 254, 239, 244, b'\r', b'\n', 0, 0x7D, 0x11,
];

fn mutate(rng: &mut Rng, seeds: &[(Mode, Vec<u8>)], base: &[u8]) -> Vec<u8> {
    let mut v = base.to_vec();
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(v.len() + 1);
        match rng.below(7) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 => v.insert(at, SPECIAL[rng.below(SPECIAL.len())]),
            2 => v.insert(at, rng.next() as u8),
            3 => {
                let end = (at + rng.below(16)).min(v.len());
                v.drain(at..end);
            }
            4 => {
                let end = (at + rng.below(64)).min(v.len());
                let piece = v[at..end].to_vec();
                v.splice(at..at, piece);
            }
            5 => {
                let other = &seeds[rng.below(seeds.len())].1;
                let from = rng.below(other.len());
                let end = (from + rng.below(64)).min(other.len());
                v.splice(at..at, other[from..end].iter().copied());
            }
            _ => {
                // A long run: an oversized record, line or subnegotiation.
                let b = [b'x', 0x40, IAC][rng.below(3)];
                let n = rng.below(2 * RECORD_LIMIT);
                v.splice(at..at, std::iter::repeat_n(b, n));
            }
        }
    }
    v
}

/// What one mode made of `bytes` fed in `cuts` pieces; Err when it ended the input.
fn run(mode: Mode, bytes: &[u8], rng: &mut Rng, whole: bool) -> Result<Vec<Received>, ()> {
    let mut input = Inbound::new(Parser::default(), mode);
    let mut all = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let n = if whole {
            bytes.len()
        } else {
            1 + rng.below(40)
        };
        let end = (at + n).min(bytes.len());
        let mut out = Vec::new();
        let result = input.feed(&bytes[at..end], &mut out);
        assert!(
            input.buffered() <= BUFFERED_LIMIT,
            "{} bytes kept",
            input.buffered()
        );
        for r in &out {
            match r {
                Received::Line(l) => {
                    assert!(mode == Mode::Line);
                    assert!(l.chars().count() <= LINE_LIMIT, "{l:?}");
                }
                Received::Record(rec) => {
                    assert!(mode != Mode::Line);
                    assert!(rec.len() <= RECORD_LIMIT);
                    if let Aid::Enter(t) | Aid::Pf(_, t) = tn3270::decode(rec) {
                        assert!(t.chars().count() <= RECORD_LIMIT);
                    }
                }
                Received::Command(c) => assert!(mode == Mode::Line || *c != telnet::EOR),
                Received::Sub(_, d) => assert!(d.len() <= telnet::SB_LIMIT),
                Received::Negotiate(..) => {}
            }
        }
        all.extend(out);
        if result.is_err() {
            return Err(());
        }
        at = end;
    }
    Ok(all)
}

#[test]
fn twenty_thousand_random_and_mutated_inputs() {
    let seeds = seeds();
    let mut rng = Rng(0x0390_7E1E_7270_3215);
    let (mut ended, mut clean, mut lines, mut records) = (0, 0, 0, 0);
    for i in 0..20_000 {
        let (mode, bytes) = if i % 4 == 0 {
            let mode = [Mode::Line, Mode::Tn3270, Mode::Tn3270e][rng.below(3)];
            let n = rng.below(600);
            let bytes = (0..n)
                .map(|_| {
                    if rng.below(3) == 0 {
                        SPECIAL[rng.below(SPECIAL.len())]
                    } else {
                        rng.next() as u8
                    }
                })
                .collect();
            (mode, bytes)
        } else {
            let (mode, base) = &seeds[rng.below(seeds.len())];
            // Now and then in another mode than its own.
            let mode = if rng.below(8) == 0 {
                [Mode::Line, Mode::Tn3270, Mode::Tn3270e][rng.below(3)]
            } else {
                *mode
            };
            (mode, mutate(&mut rng, &seeds, base))
        };
        let pieces = run(mode, &bytes, &mut rng, false);
        let whole = run(mode, &bytes, &mut rng, true);
        assert_eq!(pieces.is_err(), whole.is_err(), "input {i}: {bytes:?}");
        match pieces {
            Err(()) => ended += 1,
            Ok(items) => {
                clean += 1;
                lines += items
                    .iter()
                    .filter(|r| matches!(r, Received::Line(_)))
                    .count();
                records += items
                    .iter()
                    .filter(|r| matches!(r, Received::Record(_)))
                    .count();
                assert_eq!(Ok(items), whole, "input {i} cut differently: {bytes:?}");
            }
        }
    }
    // Both endings and both kinds of input were reached often.
    assert!(ended > 1000 && clean > 1000, "{ended} ended, {clean} clean");
    assert!(
        lines > 1000 && records > 1000,
        "{lines} lines, {records} records"
    );
}

/// The seeds themselves are read as the clients meant them.
#[test]
fn the_seeds_parse_as_sent() {
    let seeds = seeds();
    let mut rng = Rng(1);
    let s3270 = run(seeds[0].0, &seeds[0].1, &mut rng, false).unwrap();
    let keys: Vec<Aid> = s3270
        .iter()
        .filter_map(|r| match r {
            Received::Record(rec) => Some(tn3270::decode(rec)),
            _ => None,
        })
        .collect();
    assert_eq!(
        keys,
        vec![
            Aid::Enter("LOGON ALICE".into()),
            Aid::Pa(1),
            Aid::Pf(3, String::new()),
            Aid::Clear,
            Aid::Pf(24, "CP QUERY NAMES".into()),
        ]
    );
    let e = run(seeds[1].0, &seeds[1].1, &mut rng, false).unwrap();
    assert_eq!(
        e.iter()
            .filter(|r| matches!(r, Received::Record(_)))
            .count(),
        3
    );
    let line = run(seeds[2].0, &seeds[2].1, &mut rng, false).unwrap();
    let lines: Vec<&Received> = line
        .iter()
        .filter(|r| matches!(r, Received::Line(_)))
        .collect();
    assert_eq!(lines.len(), 6, "{line:?}");
    assert_eq!(lines[3], &Received::Line("café Y".into()));
}
