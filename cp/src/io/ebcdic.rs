//! EBCDIC code page 037 (US/Canada) and its inverse, for the console, and the code pages
//! the console can translate with ([`CodePage`], `TERMINAL CODEPAGE`).

/// EBCDIC 037 byte to Unicode.
pub const EBCDIC_TO_UNICODE: [char; 256] = [
    '\u{0000}', '\u{0001}', '\u{0002}', '\u{0003}', '\u{009C}', '\u{0009}', '\u{0086}', '\u{007F}',
    '\u{0097}', '\u{008D}', '\u{008E}', '\u{000B}', '\u{000C}', '\u{000D}', '\u{000E}', '\u{000F}',
    '\u{0010}', '\u{0011}', '\u{0012}', '\u{0013}', '\u{009D}', '\u{0085}', '\u{0008}', '\u{0087}',
    '\u{0018}', '\u{0019}', '\u{0092}', '\u{008F}', '\u{001C}', '\u{001D}', '\u{001E}', '\u{001F}',
    '\u{0080}', '\u{0081}', '\u{0082}', '\u{0083}', '\u{0084}', '\u{000A}', '\u{0017}', '\u{001B}',
    '\u{0088}', '\u{0089}', '\u{008A}', '\u{008B}', '\u{008C}', '\u{0005}', '\u{0006}', '\u{0007}',
    '\u{0090}', '\u{0091}', '\u{0016}', '\u{0093}', '\u{0094}', '\u{0095}', '\u{0096}', '\u{0004}',
    '\u{0098}', '\u{0099}', '\u{009A}', '\u{009B}', '\u{0014}', '\u{0015}', '\u{009E}', '\u{001A}',
    '\u{0020}', '\u{00A0}', '\u{00E2}', '\u{00E4}', '\u{00E0}', '\u{00E1}', '\u{00E3}', '\u{00E5}',
    '\u{00E7}', '\u{00F1}', '\u{00A2}', '\u{002E}', '\u{003C}', '\u{0028}', '\u{002B}', '\u{007C}',
    '\u{0026}', '\u{00E9}', '\u{00EA}', '\u{00EB}', '\u{00E8}', '\u{00ED}', '\u{00EE}', '\u{00EF}',
    '\u{00EC}', '\u{00DF}', '\u{0021}', '\u{0024}', '\u{002A}', '\u{0029}', '\u{003B}', '\u{00AC}',
    '\u{002D}', '\u{002F}', '\u{00C2}', '\u{00C4}', '\u{00C0}', '\u{00C1}', '\u{00C3}', '\u{00C5}',
    '\u{00C7}', '\u{00D1}', '\u{00A6}', '\u{002C}', '\u{0025}', '\u{005F}', '\u{003E}', '\u{003F}',
    '\u{00F8}', '\u{00C9}', '\u{00CA}', '\u{00CB}', '\u{00C8}', '\u{00CD}', '\u{00CE}', '\u{00CF}',
    '\u{00CC}', '\u{0060}', '\u{003A}', '\u{0023}', '\u{0040}', '\u{0027}', '\u{003D}', '\u{0022}',
    '\u{00D8}', '\u{0061}', '\u{0062}', '\u{0063}', '\u{0064}', '\u{0065}', '\u{0066}', '\u{0067}',
    '\u{0068}', '\u{0069}', '\u{00AB}', '\u{00BB}', '\u{00F0}', '\u{00FD}', '\u{00FE}', '\u{00B1}',
    '\u{00B0}', '\u{006A}', '\u{006B}', '\u{006C}', '\u{006D}', '\u{006E}', '\u{006F}', '\u{0070}',
    '\u{0071}', '\u{0072}', '\u{00AA}', '\u{00BA}', '\u{00E6}', '\u{00B8}', '\u{00C6}', '\u{00A4}',
    '\u{00B5}', '\u{007E}', '\u{0073}', '\u{0074}', '\u{0075}', '\u{0076}', '\u{0077}', '\u{0078}',
    '\u{0079}', '\u{007A}', '\u{00A1}', '\u{00BF}', '\u{00D0}', '\u{00DD}', '\u{00DE}', '\u{00AE}',
    '\u{005E}', '\u{00A3}', '\u{00A5}', '\u{00B7}', '\u{00A9}', '\u{00A7}', '\u{00B6}', '\u{00BC}',
    '\u{00BD}', '\u{00BE}', '\u{005B}', '\u{005D}', '\u{00AF}', '\u{00A8}', '\u{00B4}', '\u{00D7}',
    '\u{007B}', '\u{0041}', '\u{0042}', '\u{0043}', '\u{0044}', '\u{0045}', '\u{0046}', '\u{0047}',
    '\u{0048}', '\u{0049}', '\u{00AD}', '\u{00F4}', '\u{00F6}', '\u{00F2}', '\u{00F3}', '\u{00F5}',
    '\u{007D}', '\u{004A}', '\u{004B}', '\u{004C}', '\u{004D}', '\u{004E}', '\u{004F}', '\u{0050}',
    '\u{0051}', '\u{0052}', '\u{00B9}', '\u{00FB}', '\u{00FC}', '\u{00F9}', '\u{00FA}', '\u{00FF}',
    '\u{005C}', '\u{00F7}', '\u{0053}', '\u{0054}', '\u{0055}', '\u{0056}', '\u{0057}', '\u{0058}',
    '\u{0059}', '\u{005A}', '\u{00B2}', '\u{00D4}', '\u{00D6}', '\u{00D2}', '\u{00D3}', '\u{00D5}',
    '\u{0030}', '\u{0031}', '\u{0032}', '\u{0033}', '\u{0034}', '\u{0035}', '\u{0036}', '\u{0037}',
    '\u{0038}', '\u{0039}', '\u{00B3}', '\u{00DB}', '\u{00DC}', '\u{00D9}', '\u{00DA}', '\u{009F}',
];

/// The EBCDIC 037 byte for `c`, if it has one.
pub fn char_to_ebcdic(c: char) -> Option<u8> {
    EBCDIC_TO_UNICODE
        .iter()
        .position(|&e| e == c)
        .map(|i| i as u8)
}

/// EBCDIC bytes to text: X'15' (NL) and X'25' (LF) become `\n`, other control codes
/// (below X'40') are dropped, everything else maps through code page 037.
pub fn ebcdic_to_text(data: &[u8]) -> String {
    let mut s = String::with_capacity(data.len());
    for &b in data {
        match b {
            0x15 | 0x25 => s.push('\n'),
            0x05 => s.push('\t'),
            0x00..=0x3F => {}
            _ => s.push(EBCDIC_TO_UNICODE[b as usize]),
        }
    }
    s
}

/// EBCDIC bytes to text, one character per byte (control codes through the table too).
pub fn ebcdic_to_string(data: &[u8]) -> String {
    data.iter()
        .map(|&b| EBCDIC_TO_UNICODE[b as usize])
        .collect()
}

/// Text to EBCDIC 037; characters without an EBCDIC form become `?` (X'6F').
pub fn text_to_ebcdic(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| char_to_ebcdic(c).unwrap_or(0x6F))
        .collect()
}

/// A code page the console translates with (`CP TERMINAL CODEPAGE 037|1047`).
///
/// 1047 (Latin-1 Open Systems) is 037 with six characters moved, the ones C programs need
/// (IBM CDRA, "Code page 1047"): X'AD' and X'BD' are `[` and `]` (in 037 `Ý` and `¨`),
/// X'5F' is `^` (037 `¬`), X'B0' is `¬` (037 `^`), X'BA' and X'BB' are `Ý` and `¨` (037
/// `[` and `]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CodePage {
    /// 037, US/Canada: the default.
    #[default]
    Cp037,
    /// 1047, Latin-1 Open Systems.
    Cp1047,
}

/// Where 1047 differs from 037: the byte and its 1047 character.
const CP1047_CHANGES: [(u8, char); 6] = [
    (0x5F, '^'),
    (0xAD, '['),
    (0xB0, '\u{00AC}'),
    (0xBA, '\u{00DD}'),
    (0xBB, '\u{00A8}'),
    (0xBD, ']'),
];

impl CodePage {
    /// The code page numbered `s` (`037`, `37` or `1047`).
    pub fn parse(s: &str) -> Option<CodePage> {
        match s.trim_start_matches('0') {
            "37" => Some(CodePage::Cp037),
            "1047" => Some(CodePage::Cp1047),
            _ => None,
        }
    }

    /// Its number as CP shows it (`037`, `1047`).
    pub fn number(self) -> &'static str {
        match self {
            CodePage::Cp037 => "037",
            CodePage::Cp1047 => "1047",
        }
    }

    /// The character of byte `b`.
    pub fn char_of(self, b: u8) -> char {
        if self == CodePage::Cp1047 {
            if let Some(&(_, c)) = CP1047_CHANGES.iter().find(|(x, _)| *x == b) {
                return c;
            }
        }
        EBCDIC_TO_UNICODE[b as usize]
    }

    /// The byte for `c`, if the code page has one.
    pub fn byte_of(self, c: char) -> Option<u8> {
        if self == CodePage::Cp1047 {
            if let Some(&(b, _)) = CP1047_CHANGES.iter().find(|(_, x)| *x == c) {
                return Some(b);
            }
            return char_to_ebcdic(c).filter(|b| !CP1047_CHANGES.iter().any(|(x, _)| x == b));
        }
        char_to_ebcdic(c)
    }

    /// Console output to text, as [`ebcdic_to_text`] in this code page.
    pub fn ebcdic_to_text(self, data: &[u8]) -> String {
        let mut s = String::with_capacity(data.len());
        for &b in data {
            match b {
                0x15 | 0x25 => s.push('\n'),
                0x05 => s.push('\t'),
                0x00..=0x3F => {}
                _ => s.push(self.char_of(b)),
            }
        }
        s
    }

    /// Console input to EBCDIC in this code page; characters without a byte become `?`.
    pub fn text_to_ebcdic(self, s: &str) -> Vec<u8> {
        s.chars().map(|c| self.byte_of(c).unwrap_or(0x6F)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_letters() {
        assert_eq!(
            text_to_ebcdic("CMS a1"),
            vec![0xC3, 0xD4, 0xE2, 0x40, 0x81, 0xF1]
        );
        for b in 0..=255u8 {
            assert_eq!(char_to_ebcdic(EBCDIC_TO_UNICODE[b as usize]), Some(b));
        }
        assert_eq!(
            ebcdic_to_text(&[0xD9, 0x85, 0x81, 0x84, 0xA8, 0x5E, 0x15, 0xC1]),
            "Ready;\nA"
        );
    }

    #[test]
    fn code_page_1047_moves_the_brackets() {
        let p = CodePage::Cp1047;
        assert_eq!(
            p.ebcdic_to_text(&[0xAD, 0xBD, 0xBA, 0xBB]),
            "[]\u{00DD}\u{00A8}"
        );
        assert_eq!(
            CodePage::Cp037.ebcdic_to_text(&[0xAD, 0xBD, 0xBA, 0xBB]),
            "\u{00DD}\u{00A8}[]"
        );
        assert_eq!(p.text_to_ebcdic("[]^"), vec![0xAD, 0xBD, 0x5F]);
        assert_eq!(
            CodePage::Cp037.text_to_ebcdic("[]^"),
            vec![0xBA, 0xBB, 0xB0]
        );
        for b in 0..=255u8 {
            assert_eq!(p.byte_of(p.char_of(b)), Some(b));
        }
        assert_eq!(CodePage::parse("037"), Some(CodePage::Cp037));
        assert_eq!(CodePage::parse("1047"), Some(CodePage::Cp1047));
        assert_eq!(CodePage::parse("500"), None);
    }
}
