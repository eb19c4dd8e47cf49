//! The DIAGNOSE cross-check probe run under both Hercules 3.13 and `vm390 run`
//! (`tests/diag_vs_hercules.rs`): the guest source, the fields it leaves in storage, and the
//! field-by-field comparison with the documented differences masked.
//!
//! The probe is one ESA/390 program (GNU as syntax, built like `tools/hercules/build.sh`):
//! the restart/IPL PSW at 0 starts it at X'200', the program new PSW at X'68' points to a
//! handler at X'180' that records the old PSW and the interruption code in the current
//! probe's slot (`R13`), leaves the problem state and resumes after the failing instruction.

use std::fmt::Write as _;

/// The probe source (GNU as, `-m31 -mesa`).
pub const SOURCE: &str = r#"# DIAGNOSE cross-check probe (conformance/src/diag_probe.rs), run unchanged under
# Hercules 3.13 (esa390.cnf) and `vm390 run`. Layout:
#   0x600 + 16*n  program-interruption slot of probe Pn: old PSW(8) + 0x8C..0x8F (ILC, code)
#   0x700..       per-probe results (CC by IPM, registers), 0x800.. operand buffers
# Each probe starts with CC 1 so that "CC unchanged" and "CC set" can be told apart.
        .macro setcc1
        lhi     %r1,-1
        ltr     %r1,%r1
        .endm
        .text
_start:
        .long   0x00080000, 0x80000200
        .org    0x68
        .long   0x00080000, 0x80000180
        .org    0x180
pgm:    mvc     0(8,%r13),0x28
        mvc     8(4,%r13),0x8C
        ni      0x29,0xFE
        lpsw    0x28
        .org    0x200
start:
        lm      %r0,%r15,sentinel
# P0 DIAG X'000' buffer 0x800 len 40
        setcc1
        la      %r13,0x600
        la      %r2,0x800
        la      %r3,40
        diag    %r2,%r3,0x000
        ipm     %r1
        st      %r1,0x700
        stm     %r2,%r3,0x704
# P1 DIAG X'000' odd buffer
        setcc1
        la      %r13,0x610
        la      %r2,0x831
        la      %r3,8
        diag    %r2,%r3,0x000
        ipm     %r1
        st      %r1,0x70C
        stm     %r2,%r3,0x710
# P2 DIAG X'00C' buffer 0x840
        setcc1
        la      %r13,0x620
        la      %r2,0x840
        diag    %r2,%r0,0x00C
        ipm     %r1
        st      %r1,0x718
# P3 DIAG X'024' 000E (the 1403 in esa390.cnf)
        setcc1
        la      %r13,0x630
        lm      %r4,%r5,sentinel
        la      %r2,0x00E
        diag    %r2,%r4,0x024
        ipm     %r1
        st      %r1,0x71C
        st      %r2,0x720
        stm     %r4,%r5,0x724
# P4 DIAG X'024' 0123 (absent on both)
        setcc1
        la      %r13,0x640
        lm      %r4,%r5,sentinel
        la      %r2,0x123
        diag    %r2,%r4,0x024
        ipm     %r1
        st      %r1,0x72C
        st      %r2,0x730
        stm     %r4,%r5,0x734
# P5 DIAG X'024' -1 (console: none on both)
        setcc1
        la      %r13,0x650
        lm      %r4,%r5,sentinel
        lhi     %r2,-1
        diag    %r2,%r4,0x024
        ipm     %r1
        st      %r1,0x73C
        st      %r2,0x740
        stm     %r4,%r5,0x744
# P6 DIAG X'060'
        setcc1
        la      %r13,0x660
        la      %r4,0
        diag    %r4,%r0,0x060
        ipm     %r1
        st      %r4,0x74C
        st      %r1,0x750
# P7 DIAG X'210' VRDCBLOK at 0x880 for absent 0123
        setcc1
        la      %r13,0x670
        la      %r2,0x880
        diag    %r2,%r0,0x210
        ipm     %r1
        st      %r1,0x754
        st      %r2,0x758
# P8 DIAG X'05C' length 0
        setcc1
        la      %r13,0x680
        la      %r2,0x8A0
        la      %r3,0
        diag    %r2,%r3,0x05C
        ipm     %r1
        st      %r1,0x75C
        stm     %r2,%r3,0x760
# P9 DIAG X'05C' length 20
        setcc1
        la      %r13,0x690
        la      %r2,0x8A0
        la      %r3,20
        diag    %r2,%r3,0x05C
        ipm     %r1
        st      %r1,0x768
        stm     %r2,%r3,0x76C
# P10 DIAG X'264'
        setcc1
        la      %r13,0x6A0
        la      %r2,0x8A0
        la      %r3,20
        diag    %r2,%r3,0x264
        ipm     %r1
        st      %r1,0x774
        stm     %r2,%r3,0x778
# P11 unknown code X'123'
        setcc1
        la      %r13,0x6B0
        diag    %r2,%r3,0x123
        ipm     %r1
        st      %r1,0x780
# P12 code from B2+D2: X'20'(R5=X'40') = X'060'
        setcc1
        la      %r13,0x6C0
        la      %r4,0
        la      %r5,0x40
        diag    %r4,%r0,0x20(%r5)
        ipm     %r1
        st      %r4,0x784
        st      %r1,0x788
# P13 effective address X'10060': Hercules uses all of it, vm390 the low 16 bits
        setcc1
        la      %r13,0x6D0
        la      %r4,0
        l       %r5,ea10000
        diag    %r4,%r0,0x60(%r5)
        ipm     %r1
        st      %r4,0x78C
        st      %r1,0x790
# P14 problem state DIAG X'060'
        setcc1
        la      %r13,0x6E0
        la      %r4,0
        lpsw    probpsw
prob:   diag    %r4,%r0,0x060
        st      %r4,0x794
# P15 DIAG X'008' with response
        setcc1
        la      %r13,0x6F0
        la      %r6,cmd
        la      %r7,0x900
        l       %r8,cmdflen
        la      %r9,64
        diag    %r6,%r8,0x008
        ipm     %r1
        st      %r1,0x798
        stm     %r8,%r9,0x79C
        b       p16
        .balign 8
probpsw:  .long 0x00090000, 0x80000000+prob
waitpsw:  .long 0x000A0000, 0x0000600D
ea10000:  .long 0x00010000
cmdflen:  .long 0x40000000+cmdlen
sentinel: .fill 16,4,0xEEEEEEEE
# EBCDIC "QUERY USERID"
cmd:      .byte 0xD8,0xE4,0xC5,0xD9,0xE8,0x40,0xE4,0xE2,0xC5,0xD9,0xC9,0xC4
        .set cmdlen, .-cmd
        .org    0x800
        .fill   64,1,0xEE
        .org    0x880
        .short  0x0123, 0x0018
        .fill   20,1,0xEE
# P16.. : slots 0xA00 + 16*(n-16), results 0xB00.., operands 0xC00.., code 0xE00..
        .org    0xC00
        .fill   72,1,0xEE
        .org    0xC80
biopl0123: .short 0x0123
        .fill   22,1,0
        .long   4096, 0, 0, 0
        .fill   24,1,0
biopl000e: .short 0x000E
        .fill   22,1,0
        .long   4096, 0, 0, 0
        .fill   24,1,0
biopl64: .short 0x0123
        .byte   0x80
        .fill   21,1,0
        .long   4096, 0, 0, 0
        .fill   24,1,0
bioplrm: .short 0x0123
        .fill   62,1,0
        .org    0xD80
c3000:  .long   0x3000
c5000:  .long   0x5000
        .org    0xE00
p16:
# P16 DIAG X'270' 64 bytes at 0xC00 (X'EE' before, 72 bytes)
        setcc1
        la      %r13,0xA00
        la      %r2,0xC00
        la      %r3,64
        diag    %r2,%r3,0x270
        ipm     %r1
        st      %r1,0xB00
        stm     %r2,%r3,0xB04
# P17 DIAG X'270' unaligned buffer
        setcc1
        la      %r13,0xA10
        la      %r2,0xC44
        la      %r3,8
        diag    %r2,%r3,0x270
        ipm     %r1
        st      %r1,0xB0C
# P18 DIAG X'214' establish pending release 0x3000-0x5000
        setcc1
        la      %r13,0xA20
        l       %r2,c3000
        l       %r3,c5000
        diag    %r2,%r0,0x214
        ipm     %r1
        st      %r1,0xB10
        stm     %r2,%r3,0xB14
# P19 DIAG X'214' odd Rx
        setcc1
        la      %r13,0xA30
        l       %r3,c3000
        l       %r4,c5000
        diag    %r3,%r0,0x214
        ipm     %r1
        st      %r1,0xB1C
# P20 DIAG X'260' subcode 0
        setcc1
        la      %r13,0xA40
        la      %r2,0
        la      %r4,0
        diag    %r2,%r4,0x260
        ipm     %r1
        st      %r1,0xB20
        st      %r2,0xB24
# P21 DIAG X'250' INIT 0123 (absent on both)
        setcc1
        la      %r13,0xA50
        la      %r2,biopl0123
        la      %r3,0
        la      %r4,0
        diag    %r2,%r4,0x250
        ipm     %r1
        st      %r1,0xB28
        stm     %r2,%r3,0xB2C
# P22 DIAG X'250' INIT 000E (the 1403 in esa390.cnf)
        setcc1
        la      %r13,0xA60
        la      %r2,biopl000e
        la      %r3,0
        la      %r4,0
        diag    %r2,%r4,0x250
        ipm     %r1
        st      %r1,0xB34
        stm     %r2,%r3,0xB38
# P23 DIAG X'250' function 3
        setcc1
        la      %r13,0xA70
        la      %r2,biopl0123
        la      %r3,0
        la      %r4,3
        diag    %r2,%r4,0x250
        ipm     %r1
        st      %r1,0xB40
        st      %r3,0xB44
# P24 DIAG X'250' BIOPL not doubleword-aligned
        setcc1
        la      %r13,0xA80
        la      %r2,biopl0123+4
        la      %r3,0
        la      %r4,0
        diag    %r2,%r4,0x250
        ipm     %r1
        st      %r1,0xB48
        st      %r3,0xB4C
# P25 DIAG X'250' INIT with the 64-bit format flag
        setcc1
        la      %r13,0xA90
        la      %r2,biopl64
        la      %r3,0
        la      %r4,0
        diag    %r2,%r4,0x250
        ipm     %r1
        st      %r1,0xB50
        st      %r3,0xB54
# P26 DIAG X'250' REMOVE 0123
        setcc1
        la      %r13,0xAA0
        la      %r2,bioplrm
        la      %r3,0
        la      %r4,2
        diag    %r2,%r4,0x250
        ipm     %r1
        st      %r1,0xB58
        st      %r3,0xB5C
# P28 DIAG X'308' subcode 6
        setcc1
        la      %r13,0xAC0
        la      %r2,0
        la      %r4,6
        diag    %r2,%r4,0x308
        ipm     %r1
        st      %r1,0xB68
# P29 DIAG X'288' INIT 60 s
        setcc1
        la      %r13,0xAD0
        la      %r2,0
        la      %r3,60
        la      %r4,0
        la      %r5,0
        diag    %r2,%r4,0x288
        ipm     %r1
        st      %r1,0xB6C
# P30 DIAG X'318'
        setcc1
        la      %r13,0xAE0
        la      %r2,0
        diag    %r2,%r0,0x318
        ipm     %r1
        st      %r1,0xB70
        lpsw    waitpsw
        .org    0x1400
"#;

/// Storage dumped from both runs: `0..WINDOW`.
pub const WINDOW: u32 = 0x1400;

/// How a field is compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Must be byte for byte equal.
    Agree,
    /// Both must be EBCDIC digits (X'F0'-X'F9'); the values differ (the reason).
    Digits(&'static str),
    /// Masked: differs by documentation (the reason). Shown, not compared.
    Differs(&'static str),
}

/// One guest-visible result.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// The probe (`P0` ...) and what it asks.
    pub probe: &'static str,
    /// What the bytes are.
    pub what: &'static str,
    /// Storage address and length.
    pub addr: u32,
    /// Length in bytes.
    pub len: u32,
    /// How it is compared.
    pub rule: Rule,
}

/// The outcome of one field.
#[derive(Clone, Debug)]
pub struct Row {
    /// The field.
    pub field: Field,
    /// Hercules' bytes.
    pub hercules: Vec<u8>,
    /// vm390's bytes.
    pub vm390: Vec<u8>,
    /// `None` when the field passes its rule, else why not.
    pub failure: Option<String>,
}

fn hex(b: &[u8]) -> String {
    let mut s = String::new();
    for x in b {
        let _ = write!(s, "{x:02X}");
    }
    s
}

/// Compares the two storage windows field by field.
pub fn compare(fields: &[Field], hercules: &[u8], vm390: &[u8]) -> Vec<Row> {
    fields
        .iter()
        .map(|f| {
            let r = f.addr as usize..(f.addr + f.len) as usize;
            let h = hercules.get(r.clone()).unwrap_or_default().to_vec();
            let v = vm390.get(r).unwrap_or_default().to_vec();
            let failure = if h.len() != f.len as usize || v.len() != f.len as usize {
                Some("outside the dumped storage".to_string())
            } else {
                match f.rule {
                    Rule::Agree if h != v => Some("differs".to_string()),
                    Rule::Digits(_) if !h.iter().chain(&v).all(|b| (0xF0..=0xF9).contains(b)) => {
                        Some("not EBCDIC digits on both".to_string())
                    }
                    _ => None,
                }
            };
            Row {
                field: *f,
                hercules: h,
                vm390: v,
                failure,
            }
        })
        .collect()
}

/// The rows as a table for people: address, field, both values, verdict.
pub fn table(rows: &[Row]) -> String {
    let mut o = String::new();
    for r in rows {
        let verdict = match (&r.failure, r.field.rule) {
            (Some(e), _) => format!("FAIL: {e}"),
            (None, Rule::Agree) => "agree".to_string(),
            (None, Rule::Digits(why)) => format!("layout agrees, values differ: {why}"),
            (None, Rule::Differs(why)) => format!("masked: {why}"),
        };
        let _ = writeln!(
            o,
            "{:03X}+{:<2} {:<4} {:<34} hercules {:<16} vm390 {:<16} {verdict}",
            r.field.addr,
            r.field.len,
            r.field.probe,
            r.field.what,
            hex(&r.hercules),
            hex(&r.vm390),
        );
    }
    o
}

/// What `vm390 run --json --dump 0.WINDOW` reported: the stop name, the PSW and the storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vm390Run {
    /// `stop` (e.g. `disabled-wait`).
    pub stop: String,
    /// The final PSW.
    pub psw: u64,
    /// The storage dumped at address 0.
    pub storage: Vec<u8>,
}

fn json_string<'a>(text: &'a str, key: &str) -> Result<&'a str, String> {
    let k = format!("\"{key}\":\"");
    let at = text
        .find(&k)
        .ok_or_else(|| format!("no {key:?} in the vm390 output"))?
        + k.len();
    let end = text[at..]
        .find('"')
        .ok_or_else(|| format!("unterminated {key:?}"))?;
    Ok(&text[at..at + end])
}

/// Parses the output of `vm390 run --json --dump 0.LEN`.
pub fn parse_vm390_json(text: &str) -> Result<Vm390Run, String> {
    let stop = json_string(text, "stop")?.to_string();
    let psw =
        u64::from_str_radix(json_string(text, "psw")?, 16).map_err(|e| format!("psw: {e}"))?;
    let h = json_string(text, "00000000")?;
    if h.len() % 2 != 0 {
        return Err("odd number of hex digits in the storage dump".into());
    }
    let storage = (0..h.len())
        .step_by(2)
        .map(|k| u8::from_str_radix(&h[k..k + 2], 16).map_err(|e| e.to_string()))
        .collect::<Result<Vec<u8>, String>>()?;
    Ok(Vm390Run { stop, psw, storage })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_vm390_json() {
        let t = r#"{"stop":"disabled-wait","psw":"000A00000000600D","gpr":["00000000"],"storage":{"00000000":"00FF10"},"diagnose":{"0060":1}}"#;
        let r = parse_vm390_json(t).unwrap();
        assert_eq!(r.stop, "disabled-wait");
        assert_eq!(r.psw, 0x000A_0000_0000_600D);
        assert_eq!(r.storage, [0x00, 0xFF, 0x10]);
        assert!(parse_vm390_json("{}").is_err());
    }

    #[test]
    fn rules() {
        const F: &[Field] = &[
            Field {
                probe: "P0",
                what: "a",
                addr: 0,
                len: 2,
                rule: Rule::Agree,
            },
            Field {
                probe: "P0",
                what: "b",
                addr: 2,
                len: 1,
                rule: Rule::Digits("time"),
            },
            Field {
                probe: "P0",
                what: "c",
                addr: 3,
                len: 1,
                rule: Rule::Differs("doc"),
            },
        ];
        let rows = compare(F, &[1, 2, 0xF1, 7], &[1, 2, 0xF9, 8]);
        assert!(rows.iter().all(|r| r.failure.is_none()));
        let rows = compare(F, &[1, 3, 0xF1, 7], &[1, 2, 0x01, 8]);
        assert!(rows[0].failure.is_some() && rows[1].failure.is_some());
        assert!(table(&rows).contains("FAIL"));
        let rows = compare(F, &[1], &[1]);
        assert!(rows.iter().all(|r| r.failure.is_some()));
    }

    #[test]
    fn source_keeps_its_layout() {
        assert!(SOURCE.contains(".org    0x180\npgm:"));
        assert!(SOURCE.contains(".org    0x1400"));
    }
}
