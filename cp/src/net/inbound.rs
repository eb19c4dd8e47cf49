//! What a client sends, as its terminal takes it: the telnet stream ([`Parser`]) made into
//! input lines (line mode, [`LineAssembler`]) or 3270 records ended by EOR (TN3270, RFC
//! 1576; with TN3270E, RFC 2355, each record after its 5-byte header), attention commands
//! and option negotiation. Pure bytes in, items out, with nothing about sockets: the
//! connection's reader thread, the fuzz target `fuzz/fuzz_targets/net_input.rs` and the
//! test `cp/tests/net_input_fuzz.rs` all call [`Inbound::feed`].
//!
//! Whatever comes, what is kept between calls stays bounded: a subnegotiation at most
//! [`telnet::SB_LIMIT`] bytes, a 3270 record at most [`tn3270::RECORD_LIMIT`], a line at
//! most four bytes a character of [`telnet::LINE_LIMIT`] ([`Inbound::buffered`]); beyond,
//! or on a malformed telnet sequence, [`Inbound::feed`] gives an [`InboundError`] and the
//! connection ends.

use super::telnet::{self, Event, LineAssembler, Parser, TelnetError};
use super::tn3270;

/// The kind of terminal the negotiation made of the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A line-mode (3215 typewriter) client: data is lines.
    Line,
    /// A 3270 display: data is records ended by IAC EOR.
    Tn3270,
    /// A 3270 display with TN3270E (RFC 2355): each record starts with the 5-byte header.
    Tn3270e,
}

/// One thing the terminal takes from the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Received {
    /// A complete input line (line mode).
    Line(String),
    /// A complete 3270 inbound record (3270-DATA; the TN3270E header taken off).
    Record(Vec<u8>),
    /// A telnet command without option (IP, BRK, AO, AYT, ...; not EOR in 3270 mode).
    Command(u8),
    /// WILL, WONT, DO or DONT and its option.
    Negotiate(u8, u8),
    /// A subnegotiation: the option and its bytes.
    Sub(u8, Vec<u8>),
}

/// What ends a connection's input.
#[derive(Debug, PartialEq, Eq)]
pub enum InboundError {
    /// A malformed telnet stream.
    Telnet(TelnetError),
    /// A 3270 record longer than [`tn3270::RECORD_LIMIT`].
    RecordTooLong,
}

impl std::fmt::Display for InboundError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InboundError::Telnet(e) => e.fmt(f),
            InboundError::RecordTooLong => {
                write!(f, "3270 record longer than {} bytes", tn3270::RECORD_LIMIT)
            }
        }
    }
}

impl std::error::Error for InboundError {}

impl From<TelnetError> for InboundError {
    fn from(e: TelnetError) -> InboundError {
        InboundError::Telnet(e)
    }
}

/// The length of the TN3270E header: DATA-TYPE, REQUEST-FLAG, RESPONSE-FLAG, SEQ-NUMBER
/// (RFC 2355, 8.1).
pub const TN3270E_HEADER: usize = 5;

/// TN3270E DATA-TYPE 3270-DATA (RFC 2355, 8.1.1).
pub const DATA_TYPE_3270: u8 = 0x00;

/// The input side of one connection.
#[derive(Debug)]
pub struct Inbound {
    parser: Parser,
    mode: Mode,
    lines: LineAssembler,
    record: Vec<u8>,
}

impl Inbound {
    /// Input in `mode`, going on from `parser` (the one the negotiation used).
    pub fn new(parser: Parser, mode: Mode) -> Inbound {
        Inbound {
            parser,
            mode,
            lines: LineAssembler::default(),
            record: Vec::new(),
        }
    }

    /// Takes `bytes` (in any pieces), giving what they complete into `out`. An error ends
    /// the connection: what is in `out` came before it.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<Received>) -> Result<(), InboundError> {
        let mut events = Vec::new();
        let parsed = self.parser.feed(bytes, &mut events);
        self.take(events, out)?;
        parsed.map_err(InboundError::from)
    }

    /// Takes telnet events already parsed (those that came during the negotiation).
    pub fn take(
        &mut self,
        events: Vec<Event>,
        out: &mut Vec<Received>,
    ) -> Result<(), InboundError> {
        let display = self.mode != Mode::Line;
        for e in events {
            match e {
                Event::Data(d) if display => {
                    if self.record.len() + d.len() > tn3270::RECORD_LIMIT {
                        self.record.clear();
                        return Err(InboundError::RecordTooLong);
                    }
                    self.record.extend_from_slice(&d);
                }
                Event::Data(d) => {
                    let mut got = Vec::new();
                    self.lines.feed(&d, &mut got);
                    out.extend(got.into_iter().map(Received::Line));
                }
                Event::Command(telnet::EOR) if display => {
                    let record = std::mem::take(&mut self.record);
                    match self.mode {
                        Mode::Tn3270e => {
                            // Only 3270-DATA goes to the screen; a response, NVT or SCS
                            // data or a header alone is dropped.
                            if record.len() > TN3270E_HEADER && record[0] == DATA_TYPE_3270 {
                                out.push(Received::Record(record[TN3270E_HEADER..].to_vec()));
                            }
                        }
                        _ => out.push(Received::Record(record)),
                    }
                }
                Event::Command(c) => out.push(Received::Command(c)),
                Event::Negotiate(v, o) => out.push(Received::Negotiate(v, o)),
                Event::Sub(o, d) => out.push(Received::Sub(o, d)),
            }
        }
        Ok(())
    }

    /// How many bytes are kept for what is not complete yet (bounded whatever came).
    pub fn buffered(&self) -> usize {
        self.parser.buffered() + self.lines.buffered() + self.record.len()
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }
}

/// The most [`Inbound::buffered`] can be.
pub const BUFFERED_LIMIT: usize = telnet::SB_LIMIT + telnet::LINE_LIMIT * 4 + tn3270::RECORD_LIMIT;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::telnet::{EOR, IAC, IP};

    fn feed(mode: Mode, bytes: &[u8]) -> Result<Vec<Received>, InboundError> {
        let mut i = Inbound::new(Parser::default(), mode);
        let mut out = Vec::new();
        i.feed(bytes, &mut out)?;
        Ok(out)
    }

    #[test]
    fn lines_records_and_tn3270e_headers() {
        assert_eq!(
            feed(Mode::Line, b"a\r\nb\r\n").unwrap(),
            vec![Received::Line("a".into()), Received::Line("b".into())]
        );
        assert_eq!(
            feed(Mode::Tn3270, &[0x7D, 0x40, IAC, IAC, IAC, EOR, IAC, IP]).unwrap(),
            vec![
                Received::Record(vec![0x7D, 0x40, IAC]),
                Received::Command(IP)
            ]
        );
        // TN3270E: the header comes off 3270-DATA; other data types are dropped.
        assert_eq!(
            feed(
                Mode::Tn3270e,
                &[0, 0, 0, 0, 1, 0x6C, IAC, EOR, 2, 0, 0, 0, 1, 0, IAC, EOR]
            )
            .unwrap(),
            vec![Received::Record(vec![0x6C])]
        );
    }

    #[test]
    fn a_record_beyond_the_limit_is_an_error() {
        let mut i = Inbound::new(Parser::default(), Mode::Tn3270);
        let mut out = Vec::new();
        let big = vec![0x40; tn3270::RECORD_LIMIT];
        i.feed(&big, &mut out).unwrap();
        assert_eq!(i.buffered(), tn3270::RECORD_LIMIT);
        assert_eq!(i.feed(&[0x40], &mut out), Err(InboundError::RecordTooLong));
    }
}
