//! The telnet protocol (RFC 854, options RFC 855-857, 885 EOR, 1091 TERMINAL-TYPE) as a
//! pure byte parser: what a client sends becomes data, commands and option negotiation,
//! with nothing about sockets, so that it can be fed anything (see the fuzz-style test).
//!
//! A malformed stream (a command byte that telnet does not define after IAC, an IAC
//! inside a subnegotiation that is neither IAC IAC nor IAC SE, a subnegotiation or a 3270
//! record longer than the limits) is a [`TelnetError`]: the session ends that connection
//! and no other.

/// Interpret As Command.
pub const IAC: u8 = 255;
/// Option negotiation commands.
pub const DONT: u8 = 254;
pub const DO: u8 = 253;
pub const WONT: u8 = 252;
pub const WILL: u8 = 251;
/// Subnegotiation begin and end.
pub const SB: u8 = 250;
pub const SE: u8 = 240;
/// Go ahead, erase line, erase character, are you there, abort output, interrupt process,
/// break, data mark, no operation.
pub const GA: u8 = 249;
pub const EL: u8 = 248;
pub const EC: u8 = 247;
pub const AYT: u8 = 246;
pub const AO: u8 = 245;
pub const IP: u8 = 244;
pub const BRK: u8 = 243;
pub const DM: u8 = 242;
pub const NOP: u8 = 241;
/// End of record (RFC 885): ends a 3270 data stream record.
pub const EOR: u8 = 239;

/// Options.
pub const OPT_BINARY: u8 = 0;
pub const OPT_ECHO: u8 = 1;
pub const OPT_SGA: u8 = 3;
pub const OPT_TTYPE: u8 = 24;
pub const OPT_EOR: u8 = 25;
/// TERMINAL-TYPE subnegotiation: IS and SEND.
pub const TTYPE_IS: u8 = 0;
pub const TTYPE_SEND: u8 = 1;

/// The longest subnegotiation accepted (a terminal type is at most 40 characters).
pub const SB_LIMIT: usize = 256;

/// What the client sent that telnet does not allow.
#[derive(Debug, PartialEq, Eq)]
pub enum TelnetError {
    /// IAC followed by a byte that is no telnet command.
    BadCommand(u8),
    /// IAC inside a subnegotiation followed by something else than IAC or SE.
    BadSubnegotiation(u8),
    /// A subnegotiation longer than [`SB_LIMIT`].
    SubnegotiationTooLong,
}

impl std::fmt::Display for TelnetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TelnetError::BadCommand(b) => {
                write!(f, "IAC followed by X'{b:02X}', which is no telnet command")
            }
            TelnetError::BadSubnegotiation(b) => {
                write!(f, "IAC X'{b:02X}' inside a subnegotiation")
            }
            TelnetError::SubnegotiationTooLong => {
                write!(f, "subnegotiation longer than {SB_LIMIT} bytes")
            }
        }
    }
}

impl std::error::Error for TelnetError {}

/// One thing the client sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// Data bytes (IAC IAC undoubled).
    Data(Vec<u8>),
    /// A command without option: IP, BRK, AO, AYT, EOR, GA, NOP, EC, EL, DM.
    Command(u8),
    /// WILL, WONT, DO or DONT and its option.
    Negotiate(u8, u8),
    /// A subnegotiation: the option and its bytes (IAC IAC undoubled).
    Sub(u8, Vec<u8>),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum State {
    #[default]
    Data,
    Iac,
    Verb(u8),
    SbOption,
    Sb,
    SbIac,
}

/// The parser: feed it bytes as they come, in any pieces.
#[derive(Debug, Default)]
pub struct Parser {
    state: State,
    sb_option: u8,
    sb: Vec<u8>,
}

impl Parser {
    /// Parses `bytes` (continuing where the last call stopped) into `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<Event>) -> Result<(), TelnetError> {
        let mut data = Vec::new();
        for &b in bytes {
            match self.state {
                State::Data => {
                    if b == IAC {
                        self.state = State::Iac;
                    } else {
                        data.push(b);
                    }
                }
                State::Iac => {
                    self.state = State::Data;
                    match b {
                        IAC => data.push(IAC),
                        WILL | WONT | DO | DONT => self.state = State::Verb(b),
                        SB => self.state = State::SbOption,
                        EOR | NOP | DM | BRK | IP | AO | AYT | EC | EL | GA => {
                            flush(&mut data, out);
                            out.push(Event::Command(b));
                        }
                        _ => return Err(TelnetError::BadCommand(b)),
                    }
                }
                State::Verb(v) => {
                    flush(&mut data, out);
                    out.push(Event::Negotiate(v, b));
                    self.state = State::Data;
                }
                State::SbOption => {
                    self.sb_option = b;
                    self.sb.clear();
                    self.state = State::Sb;
                }
                State::Sb => {
                    if b == IAC {
                        self.state = State::SbIac;
                    } else {
                        self.sb_byte(b)?;
                    }
                }
                State::SbIac => match b {
                    IAC => {
                        self.sb_byte(IAC)?;
                        self.state = State::Sb;
                    }
                    SE => {
                        flush(&mut data, out);
                        out.push(Event::Sub(self.sb_option, std::mem::take(&mut self.sb)));
                        self.state = State::Data;
                    }
                    _ => return Err(TelnetError::BadSubnegotiation(b)),
                },
            }
        }
        flush(&mut data, out);
        Ok(())
    }

    /// How many bytes of an unfinished subnegotiation are kept (at most [`SB_LIMIT`]).
    pub fn buffered(&self) -> usize {
        self.sb.len()
    }

    fn sb_byte(&mut self, b: u8) -> Result<(), TelnetError> {
        if self.sb.len() >= SB_LIMIT {
            return Err(TelnetError::SubnegotiationTooLong);
        }
        self.sb.push(b);
        Ok(())
    }
}

fn flush(data: &mut Vec<u8>, out: &mut Vec<Event>) {
    if !data.is_empty() {
        out.push(Event::Data(std::mem::take(data)));
    }
}

/// Doubles every IAC in `data` (data sent in a telnet stream).
pub fn escape(data: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(data.len() + 8);
    for &b in data {
        v.push(b);
        if b == IAC {
            v.push(IAC);
        }
    }
    v
}

/// The input line size of a 3215 typewriter console: 130 characters.
pub const LINE_LIMIT: usize = 130;

/// Assembles the data of a line-mode client into lines: CR LF, CR NUL, CR alone and LF
/// alone each end a line; backspace and DEL erase a character; other control characters
/// are dropped; a line keeps its first [`LINE_LIMIT`] characters. Bytes are UTF-8 where
/// they are, ISO 8859-1 otherwise.
#[derive(Debug, Default)]
pub struct LineAssembler {
    line: Vec<u8>,
    after_cr: bool,
}

impl LineAssembler {
    /// Takes `data`, giving the lines it completes.
    pub fn feed(&mut self, data: &[u8], lines: &mut Vec<String>) {
        for &b in data {
            let after_cr = std::mem::replace(&mut self.after_cr, b == b'\r');
            match b {
                0 | b'\n' if after_cr => {}
                b'\r' | b'\n' => lines.push(self.take()),
                0x08 | 0x7F => {
                    // Erase the last character (all bytes of a UTF-8 one).
                    while let Some(c) = self.line.pop() {
                        if c & 0xC0 != 0x80 {
                            break;
                        }
                    }
                }
                b'\t' => self.push(b' '),
                0x00..=0x1F => {}
                _ => self.push(b),
            }
        }
    }

    /// How many bytes of the unfinished line are kept (at most four a character of
    /// [`LINE_LIMIT`]).
    pub fn buffered(&self) -> usize {
        self.line.len()
    }

    fn push(&mut self, b: u8) {
        // Bytes, not characters, are counted loosely here; `take` cuts at characters.
        if self.line.len() < LINE_LIMIT * 4 {
            self.line.push(b);
        }
    }

    fn take(&mut self) -> String {
        let bytes = std::mem::take(&mut self.line);
        let mut s = String::new();
        for chunk in bytes.utf8_chunks() {
            s.push_str(chunk.valid());
            s.extend(chunk.invalid().iter().map(|&b| char::from(b)));
        }
        s.chars().take(LINE_LIMIT).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Result<Vec<Event>, TelnetError> {
        let mut p = Parser::default();
        let mut out = Vec::new();
        p.feed(bytes, &mut out)?;
        Ok(out)
    }

    #[test]
    fn data_commands_and_negotiation() {
        let ev = parse(&[
            b'a', IAC, IAC, b'b', IAC, DO, OPT_TTYPE, IAC, IP, IAC, SB, OPT_TTYPE, TTYPE_IS, b'X',
            IAC, IAC, IAC, SE, b'c', IAC, EOR,
        ])
        .unwrap();
        assert_eq!(
            ev,
            vec![
                Event::Data(vec![b'a', IAC, b'b']),
                Event::Negotiate(DO, OPT_TTYPE),
                Event::Command(IP),
                Event::Sub(OPT_TTYPE, vec![TTYPE_IS, b'X', IAC]),
                Event::Data(vec![b'c']),
                Event::Command(EOR),
            ]
        );
    }

    #[test]
    fn sequences_split_across_feeds() {
        let all = [
            IAC, WILL, OPT_EOR, IAC, SB, OPT_TTYPE, 0, b'I', IAC, SE, b'z',
        ];
        for cut in 0..all.len() {
            let mut p = Parser::default();
            let mut out = Vec::new();
            p.feed(&all[..cut], &mut out).unwrap();
            p.feed(&all[cut..], &mut out).unwrap();
            assert_eq!(
                out,
                vec![
                    Event::Negotiate(WILL, OPT_EOR),
                    Event::Sub(OPT_TTYPE, vec![0, b'I']),
                    Event::Data(vec![b'z']),
                ],
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn malformed_sequences_are_errors() {
        assert_eq!(parse(&[IAC, 7]), Err(TelnetError::BadCommand(7)));
        assert_eq!(
            parse(&[IAC, SB, 24, 1, IAC, 3]),
            Err(TelnetError::BadSubnegotiation(3))
        );
        let mut long = vec![IAC, SB, 24];
        long.extend(std::iter::repeat_n(b'x', SB_LIMIT + 1));
        assert_eq!(parse(&long), Err(TelnetError::SubnegotiationTooLong));
    }

    #[test]
    fn escape_doubles_iac() {
        assert_eq!(escape(&[1, IAC, 2]), vec![1, IAC, IAC, 2]);
    }

    #[test]
    fn line_ends_erase_and_the_3215_line_size() {
        let mut a = LineAssembler::default();
        let mut lines = Vec::new();
        a.feed(b"one\r\ntwo\r\0thr", &mut lines);
        a.feed(b"ee\nfoX\x08ur\r", &mut lines);
        a.feed(b"\ncaf\xe9\x01\r\n", &mut lines);
        assert_eq!(lines, vec!["one", "two", "three", "four", "café"]);
        lines.clear();
        a.feed(&[b'x'; 400], &mut lines);
        a.feed(b"\r\n", &mut lines);
        assert_eq!(lines, vec!["x".repeat(LINE_LIMIT)]);
    }

    /// Fuzz-style: random bytes in random pieces (seeded, bounded) never panic the parser
    /// or the line assembler, and an error stops nothing but that stream.
    #[test]
    fn random_bytes_never_panic() {
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..2000 {
            let mut p = Parser::default();
            let mut a = LineAssembler::default();
            let len = (next() % 300) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    // Favour the bytes that matter to the protocol.
                    let r = next();
                    if r % 3 == 0 {
                        [IAC, SB, SE, WILL, DO, b'\r', 0, b'\n'][(r >> 8) as usize % 8]
                    } else {
                        (r >> 16) as u8
                    }
                })
                .collect();
            let mut at = 0;
            while at < bytes.len() {
                let n = 1 + (next() % 17) as usize;
                let end = (at + n).min(bytes.len());
                let mut out = Vec::new();
                if p.feed(&bytes[at..end], &mut out).is_err() {
                    break;
                }
                for e in out {
                    if let Event::Data(d) = e {
                        let mut lines = Vec::new();
                        a.feed(&d, &mut lines);
                        assert!(lines.iter().all(|l| l.chars().count() <= LINE_LIMIT));
                    }
                }
                at = end;
            }
        }
    }
}
