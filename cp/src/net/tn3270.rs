//! The 3270 data stream (*IBM 3270 Information Display System Data Stream Programmer's
//! Reference*, GA23-0059) for the VM/370 3270 console: the screen CP keeps for a display
//! terminal in line mode (*VM/370 Terminal User's Guide*, "Using the 3270 Display
//! Terminal"): the output area (all lines but the last two), the input area (the last two
//! lines but the status area, unprotected), and the status area at the bottom right
//! (`VM READ`, `CP READ`, `RUNNING`, `MORE...`, `HOLDING`, `NOT ACCEPTED`).
//!
//! The screen is always sent whole (ERASE/WRITE, or ERASE/WRITE ALTERNATE for models 3 to
//! 5, whose alternate size is the model's), so that nothing a client kept from before can
//! mix in; what comes back is a READ MODIFIED answer: the AID, the cursor and the input
//! field.

use crate::io::ebcdic::{ebcdic_to_text, text_to_ebcdic};

/// ERASE/WRITE and ERASE/WRITE ALTERNATE (the local command codes TN3270 uses).
const ERASE_WRITE: u8 = 0xF5;
const ERASE_WRITE_ALTERNATE: u8 = 0x7E;
/// WCC: reset, restore the keyboard, reset the modified data tags.
const WCC: u8 = 0xC3;
/// Orders: set buffer address, start field, insert cursor.
const SBA: u8 = 0x11;
const SF: u8 = 0x1D;
const IC: u8 = 0x13;
/// Field attributes (already in their graphic form): protected, protected and intensified,
/// unprotected, unprotected and not displayed.
const PROTECTED: u8 = 0x60;
const PROTECTED_BRIGHT: u8 = 0xE8;
const UNPROTECTED: u8 = 0x40;
/// Unprotected with the modified data tag on.
const UNPROTECTED_MODIFIED: u8 = 0xC1;
const NONDISPLAY: u8 = 0x4C;

/// The 6-bit code table of 12-bit buffer addresses.
const CODES: [u8; 64] = [
    0x40, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F,
    0x50, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0x5A, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F,
    0x60, 0x61, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F,
    0xF0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0x7A, 0x7B, 0x7C, 0x7D, 0x7E, 0x7F,
];

/// The AID of PA1 and of an inbound structured field (a query reply), GA23-0059.
pub const AID_PA1: u8 = 0x6C;
pub const AID_STRUCTURED_FIELD: u8 = 0x88;

/// The longest inbound record accepted (a model 5 screen is 3,564 positions).
pub const RECORD_LIMIT: usize = 8192;

/// An attention identifier: the key that sent the record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Aid {
    /// ENTER, with the text of the input area.
    Enter(String),
    /// PA1, PA2, PA3.
    Pa(u8),
    /// PF1 to PF24 (with the input area's text).
    Pf(u8, String),
    /// CLEAR.
    Clear,
    /// Anything else (a structured field, a test request).
    Other,
}

/// The 3278 models and their screens (rows, columns).
const MODELS: [(u8, (usize, usize)); 4] =
    [(2, (24, 80)), (3, (32, 80)), (4, (43, 80)), (5, (27, 132))];

/// The screen size of the 3278 model a terminal type names (`IBM-3278-n`, `IBM-3279-n`,
/// `-E` or not).
pub fn model_size(terminal_type: &str) -> Option<(usize, usize)> {
    let t = terminal_type.to_ascii_uppercase();
    let model = t
        .strip_prefix("IBM-3278-")
        .or_else(|| t.strip_prefix("IBM-3279-"))?;
    let model = model.strip_suffix("-E").unwrap_or(model);
    MODELS
        .iter()
        .find(|(m, _)| model == m.to_string())
        .map(|&(_, size)| size)
}

/// The 3278 model with a screen of `rows` x `cols` (model 2 for any other size).
pub fn model_of_size(rows: usize, cols: usize) -> u8 {
    MODELS
        .iter()
        .find(|&&(_, size)| size == (rows, cols))
        .map_or(2, |&(m, _)| m)
}

/// Encodes a buffer address in 12-bit form.
fn address(a: usize) -> [u8; 2] {
    [CODES[(a >> 6) & 0x3F], CODES[a & 0x3F]]
}

/// Decodes a 12- or 14-bit buffer address.
#[cfg(test)]
fn decode_address(b0: u8, b1: u8) -> usize {
    if b0 & 0xC0 == 0 {
        (usize::from(b0 & 0x3F) << 8) | usize::from(b1)
    } else {
        (usize::from(b0 & 0x3F) << 6) | usize::from(b1 & 0x3F)
    }
}

/// The VM/370 console screen of one display terminal.
#[derive(Debug)]
pub struct Screen {
    /// Rows and columns.
    pub rows: usize,
    pub cols: usize,
    /// The lines in the output area, top first.
    pub lines: Vec<String>,
    /// Text put in the input area for the user to edit and enter (a `DELAYED` PF key,
    /// `SET PFnn`); empty for an empty input area.
    pub input: String,
}

impl Screen {
    /// An empty screen of `rows` by `cols`.
    pub fn new(rows: usize, cols: usize) -> Screen {
        Screen {
            rows,
            cols,
            lines: Vec::new(),
            input: String::new(),
        }
    }

    /// How many lines the output area holds.
    pub fn area(&self) -> usize {
        self.rows - 2
    }

    /// Whether the output area is full.
    pub fn full(&self) -> bool {
        self.lines.len() >= self.area()
    }

    /// Lines of `text` as the output area shows them: long lines continue on the next.
    pub fn split(&self, line: &str) -> Vec<String> {
        let chars: Vec<char> = line.chars().collect();
        if chars.is_empty() {
            return vec![String::new()];
        }
        chars
            .chunks(self.cols)
            .map(|c| c.iter().collect())
            .collect()
    }

    /// Where the input field's attribute is: the last position of the output area.
    fn input_attribute(&self) -> usize {
        (self.rows - 2) * self.cols - 1
    }

    /// Where the status area's attribute is (the status text follows it).
    fn status_attribute(&self) -> usize {
        self.rows * self.cols - 21
    }

    /// The whole screen: the output area, the status text, the input area (not displayed
    /// when `masked`) with the cursor, for ERASE/WRITE (ALTERNATE).
    pub fn render(&self, status: &str, masked: bool) -> Vec<u8> {
        let mut s = Vec::with_capacity(self.rows * self.cols + 64);
        s.push(if (self.rows, self.cols) == (24, 80) {
            ERASE_WRITE
        } else {
            ERASE_WRITE_ALTERNATE
        });
        s.push(WCC);
        // The status area's attribute also starts the output area (the field wraps).
        s.push(SBA);
        s.extend(address(self.status_attribute()));
        s.push(SF);
        s.push(PROTECTED_BRIGHT);
        s.extend(text_to_ebcdic(&format!("{status:<19}")));
        s.push(SBA);
        s.extend(address(self.input_attribute()));
        s.push(SF);
        // Preset text is sent back at ENTER even if the user leaves it as it is: its
        // field starts modified (MDT on).
        let preset = !masked && !self.input.is_empty();
        s.push(match (masked, preset) {
            (true, _) => NONDISPLAY,
            (false, true) => UNPROTECTED_MODIFIED,
            (false, false) => UNPROTECTED,
        });
        // A protected attribute ends the input area just before the status area.
        s.push(SBA);
        s.extend(address(self.status_attribute() - 1));
        s.push(SF);
        s.push(PROTECTED);
        for (r, line) in self.lines.iter().enumerate().take(self.area()) {
            let width = if r + 1 == self.area() {
                self.cols - 1
            } else {
                self.cols
            };
            let text: String = line.chars().take(width).collect();
            if text.is_empty() {
                continue;
            }
            s.push(SBA);
            s.extend(address(r * self.cols));
            s.extend(text_to_ebcdic(&text));
        }
        s.push(SBA);
        s.extend(address(self.input_attribute() + 1));
        if preset {
            let text: String = self.input.chars().take(self.input_size()).collect();
            s.extend(text_to_ebcdic(&text));
        }
        s.push(IC);
        s
    }

    /// The input area's capacity in characters.
    pub fn input_size(&self) -> usize {
        self.status_attribute() - 1 - (self.input_attribute() + 1)
    }
}

/// Decodes an inbound record (READ MODIFIED's answer).
pub fn decode(record: &[u8]) -> Aid {
    let Some(&aid) = record.first() else {
        return Aid::Other;
    };
    let text = || {
        // AID, cursor address, then SBA address data for each modified field.
        let mut bytes = Vec::new();
        let mut i = 3;
        while i < record.len() {
            if record[i] == SBA {
                i += 3;
                continue;
            }
            bytes.push(record[i]);
            i += 1;
        }
        let t = ebcdic_to_text(&bytes).replace('\n', " ");
        t.trim_end().to_string()
    };
    match aid {
        0x7D => Aid::Enter(text()),
        0x6C => Aid::Pa(1),
        0x6E => Aid::Pa(2),
        0x6B => Aid::Pa(3),
        0x6D => Aid::Clear,
        0xF1..=0xF9 => Aid::Pf(aid - 0xF0, text()),
        0x7A..=0x7C => Aid::Pf(aid - 0x7A + 10, text()),
        0xC1..=0xC9 => Aid::Pf(aid - 0xC1 + 13, text()),
        0x4A..=0x4C => Aid::Pf(aid - 0x4A + 22, text()),
        _ => Aid::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_from_terminal_types() {
        assert_eq!(model_size("IBM-3278-2"), Some((24, 80)));
        assert_eq!(model_size("ibm-3278-4-E"), Some((43, 80)));
        assert_eq!(model_size("IBM-3279-5-E"), Some((27, 132)));
        assert_eq!(model_size("IBM-3278-9"), None);
        assert_eq!(model_size("VT100"), None);
        for m in ["2", "3", "4", "5"] {
            let (rows, cols) = model_size(&format!("IBM-3278-{m}")).unwrap();
            assert_eq!(model_of_size(rows, cols).to_string(), m);
        }
    }

    #[test]
    fn addresses_round_trip() {
        for a in [0, 1, 79, 80, 1919, 3563] {
            let [b0, b1] = address(a);
            assert_eq!(decode_address(b0, b1), a);
        }
    }

    #[test]
    fn enter_and_keys_decode() {
        let mut rec = vec![0x7D, 0x5B, 0x60, SBA, 0x5B, 0x5F];
        rec.extend(text_to_ebcdic("query time"));
        assert_eq!(decode(&rec), Aid::Enter("query time".into()));
        assert_eq!(decode(&[0x6C]), Aid::Pa(1));
        assert_eq!(decode(&[0x6D]), Aid::Clear);
        assert_eq!(decode(&[0xF3, 0x40, 0x40]), Aid::Pf(3, String::new()));
        assert_eq!(decode(&[]), Aid::Other);
    }

    #[test]
    fn screen_has_status_and_input_fields() {
        let mut s = Screen::new(24, 80);
        s.lines.push("HELLO".into());
        let r = s.render("VM READ", false);
        assert_eq!(&r[..2], &[ERASE_WRITE, WCC]);
        let status = text_to_ebcdic("VM READ");
        assert!(r.windows(status.len()).any(|w| w == status.as_slice()));
        assert_eq!(s.input_size(), 80 + 80 - 22);
        assert!(s.render("CP READ", true).contains(&NONDISPLAY));
        // Preset input: in the input area, its field modified, the cursor after it.
        s.input = "QUERY TIME".into();
        let r = s.render("VM READ", false);
        let mut tail = text_to_ebcdic("QUERY TIME");
        tail.push(IC);
        assert!(r.ends_with(&tail), "{r:02X?}");
        assert!(r.contains(&UNPROTECTED_MODIFIED));
        assert_eq!(
            Screen::new(43, 80).render("", false)[0],
            ERASE_WRITE_ALTERNATE
        );
    }
}
