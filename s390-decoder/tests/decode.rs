//! Decoder tests: exhaustive where the space is small, vectors, round trips, and a snapshot of
//! the whole opcode map.

use proptest::prelude::*;
use s390_decoder::*;

#[test]
fn every_first_byte_gives_its_length() {
    for b in 0..=255u8 {
        let want = match b {
            0x00..=0x3F => 2,
            0x40..=0xBF => 4,
            _ => 6,
        };
        assert_eq!(instruction_length(b), want, "byte {b:02X}");
        // A buffer one byte short is always reported as truncated with that need.
        let buf = [b, 0, 0, 0, 0, 0];
        for arch in [Arch::S370, Arch::Esa390] {
            assert_eq!(
                Decoder::new(arch).decode(&buf[..want - 1]),
                Err(DecodeError::Truncated {
                    need: want,
                    have: want - 1
                })
            );
        }
    }
}

/// Every first halfword: the lookup agrees with a linear search of the table, and decoding
/// gives the same opcode (or the right error) in both architectures.
#[test]
fn every_first_halfword_looks_up_per_the_table() {
    for arch in [Arch::S370, Arch::Esa390] {
        let d = Decoder::new(arch);
        for h in 0..=0xFFFFu16 {
            for byte5 in [0u8, 0x1E, 0x8E, 0xC0, 0xFF] {
                let expected = Opcode::ALL.iter().copied().find(|op| {
                    op.in_arch(arch)
                        && match op.info().bytes {
                            OpcodeBytes::One(a) => (h >> 8) as u8 == a,
                            OpcodeBytes::WithNibble(a, n) => {
                                (h >> 8) as u8 == a && (h & 0xF) as u8 == n
                            }
                            OpcodeBytes::Two(a, b) => h == u16::from_be_bytes([a, b]),
                            OpcodeBytes::WithByte5(a, b) => (h >> 8) as u8 == a && byte5 == b,
                        }
                });
                assert_eq!(
                    lookup(arch, h, byte5),
                    expected,
                    "{arch:?} {h:04X} {byte5:02X}"
                );
                let mut buf = [0u8; 6];
                buf[..2].copy_from_slice(&h.to_be_bytes());
                buf[5] = byte5;
                match (d.decode(&buf), expected) {
                    (Ok(insn), Some(op)) => assert_eq!(insn.opcode(), op),
                    (Err(DecodeError::InvalidOpcode { first_halfword, .. }), None) => {
                        assert_eq!(first_halfword, h)
                    }
                    (Err(DecodeError::OtherArchitecture { opcode, asked }), None) => {
                        assert_eq!(asked, arch);
                        assert!(opcode.in_arch(arch.other()) && !opcode.in_arch(arch));
                    }
                    (got, want) => panic!("{arch:?} {h:04X}: got {got:?}, want {want:?}"),
                }
            }
        }
    }
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn s370_vectors_match_the_principles_of_operation() {
    let text = include_str!("s370-vectors.txt");
    let d = Decoder::new(Arch::S370);
    let mut n = 0;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (bytes, want) = line.split_once('|').unwrap();
        let bytes = hex(bytes);
        let insn = d.decode(&bytes).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert_eq!(insn.length(), bytes.len(), "{line}");
        assert_eq!(
            insn.display(DisasmOptions::default()).to_string(),
            want.trim(),
            "{line}"
        );
        // Re-encoding gives the same bytes.
        assert_eq!(
            encode(insn.opcode(), &insn.operands()).unwrap().as_bytes(),
            &bytes[..]
        );
        // S/370-only instructions are reported as such in ESA/390 mode.
        if !insn.opcode().in_arch(Arch::Esa390)
            && lookup(Arch::Esa390, u16::from_be_bytes([bytes[0], bytes[1]]), 0).is_none()
        {
            assert_eq!(
                decode(&bytes),
                Err(DecodeError::OtherArchitecture {
                    opcode: insn.opcode(),
                    asked: Arch::Esa390
                }),
                "{line}"
            );
        }
        n += 1;
    }
    assert!(n >= 20);
}

#[test]
fn relative_branches_are_esa390_only() {
    let bytes = hex("8412 0004");
    assert_eq!(decode(&bytes).unwrap().opcode(), Opcode::BRXH);
    assert_eq!(
        Decoder::new(Arch::S370).decode(&bytes).unwrap().opcode(),
        Opcode::WRD
    );
    assert_eq!(
        Decoder::new(Arch::S370).decode(&hex("A7F4 0002")),
        Err(DecodeError::OtherArchitecture {
            opcode: Opcode::BRC,
            asked: Arch::S370
        })
    );
}

#[test]
fn disassembly_in_hlasm_syntax() {
    let cases = [
        ("5812 3010", "L     1,16(2,3)", "L     1,16(2,3)"),
        ("5810 3010", "L     1,16(,3)", "L     1,16(,3)"),
        ("5812 0010", "L     1,16(2)", "L     1,16(2)"),
        ("D207 1000 2008", "MVC   0(8,1),8(2)", "MVC   0(8,1),8(2)"),
        ("8324 0024", "DIAG  2,4,X'24'", "DIAG  2,4,X'24'"),
        ("4780 1000", "BE    0(,1)", "BC    8,0(,1)"),
        ("07FE", "BR    14", "BCR   15,14"),
        ("0700", "NOPR  0", "BCR   0,0"),
        ("A7F4 0008", "J     *+16", "BRC   15,*+16"),
        ("A774 FFFE", "JNE   *-4", "BRC   7,*-4"),
        ("C0F4 0000 0003", "JLU   *+6", "BRCL  15,*+6"),
        ("A7FA FFFF", "AHI   15,-1", "AHI   15,-1"),
        ("9240 1000", "MVI   0(1),X'40'", "MVI   0(1),X'40'"),
        (
            "F273 1000 2000",
            "PACK  0(8,1),0(4,2)",
            "PACK  0(8,1),0(4,2)",
        ),
        ("0101", "PR", "PR"),
        ("B222 0030", "IPM   3", "IPM   3"),
        ("B30E 1023", "MAEBR 1,2,3", "MAEBR 1,2,3"),
        ("ED10 2003 400E", "MAEB  4,1,3(,2)", "MAEB  4,1,3(,2)"),
        (
            "D912 3004 5008",
            "MVCK  4(1,3),8(5),2",
            "MVCK  4(1,3),8(5),2",
        ),
        ("0ACA", "SVC   202", "SVC   202"),
    ];
    for (bytes, ext, plain) in cases {
        let insn = decode(&hex(bytes)).unwrap();
        assert_eq!(
            insn.display(DisasmOptions {
                extended_mnemonics: true
            })
            .to_string(),
            ext
        );
        assert_eq!(
            insn.display(DisasmOptions {
                extended_mnemonics: false
            })
            .to_string(),
            plain
        );
    }
}

#[test]
fn undecodable_bytes_become_dc_lines() {
    let d = Decoder::new(Arch::Esa390);
    let line = disassemble_line(&d, 0x200, &hex("0000 1A12"), DisasmOptions::default());
    assert_eq!(line.text, "00000200  0000            DC    X'0000'");
    assert_eq!(line.len, 2);
    assert!(!line.decoded);
    let line = disassemble_line(&d, 0x10, &hex("D2"), DisasmOptions::default());
    assert_eq!(
        (line.len, line.text.as_str()),
        (1, "00000010  D2              DC    X'D2'")
    );
}

#[test]
fn encoder_range_checks() {
    let st = |disp, index, base| {
        Operand::Storage(Storage {
            disp,
            index,
            base,
            length: Length::None,
        })
    };
    assert_eq!(
        encode(Opcode::L, &[Operand::Gpr(16), st(0, 0, 0)]),
        Err(EncodeError::RegisterOutOfRange {
            index: 0,
            value: 16
        })
    );
    assert_eq!(
        encode(Opcode::L, &[Operand::Gpr(1), st(4096, 0, 0)]),
        Err(EncodeError::DisplacementOutOfRange {
            index: 1,
            value: 4096
        })
    );
    let mvc = |n| {
        Operand::Storage(Storage {
            disp: 0,
            index: 0,
            base: 1,
            length: Length::Bytes(n),
        })
    };
    assert!(matches!(
        encode(Opcode::MVC, &[mvc(257), st(0, 0, 2)]),
        Err(EncodeError::LengthOutOfRange {
            index: 0,
            value: 257,
            max: 256
        })
    ));
    assert!(matches!(
        encode(Opcode::PACK, &[mvc(17), mvc(1)]),
        Err(EncodeError::LengthOutOfRange {
            index: 0,
            value: 17,
            max: 16
        })
    ));
    assert_eq!(
        encode(Opcode::MVC, &[mvc(256), st(0, 0, 2)])
            .unwrap()
            .as_bytes(),
        hex("D2FF 1000 2000")
    );
    assert!(matches!(
        encode(Opcode::AHI, &[Operand::Gpr(1), Operand::Signed(40000)]),
        Err(EncodeError::ImmediateOutOfRange { index: 1, .. })
    ));
    assert!(matches!(
        encode(Opcode::LM, &[Operand::Gpr(1), Operand::Gpr(2), st(0, 3, 1)]),
        Err(EncodeError::IndexNotAllowed { index: 2 })
    ));
    assert!(matches!(
        encode(Opcode::AR, &[Operand::Gpr(1)]),
        Err(EncodeError::OperandCount {
            expected: 2,
            found: 1
        })
    ));
}

fn operand_strategy(spec: OperandSpec) -> BoxedStrategy<Operand> {
    match spec {
        OperandSpec::Gpr { .. } => (0u8..16).prop_map(Operand::Gpr).boxed(),
        OperandSpec::Fpr { .. } => (0u8..16).prop_map(Operand::Fpr).boxed(),
        OperandSpec::Ar { .. } => (0u8..16).prop_map(Operand::Ar).boxed(),
        OperandSpec::Cr { .. } => (0u8..16).prop_map(Operand::Cr).boxed(),
        OperandSpec::Mask { .. } => (0u8..16).prop_map(Operand::Mask).boxed(),
        OperandSpec::Unsigned { width, .. } => {
            (0u32..(1u32 << width)).prop_map(Operand::Unsigned).boxed()
        }
        OperandSpec::Signed { width, .. } => (-(1i32 << (width - 1))..(1i32 << (width - 1)))
            .prop_map(Operand::Signed)
            .boxed(),
        OperandSpec::Relative { width, .. } => {
            let lo = -(1i64 << (width - 1));
            let hi = (1i64 << (width - 1)) - 1;
            (lo..=hi).prop_map(|v| Operand::Relative(v as i32)).boxed()
        }
        OperandSpec::Storage { index, length, .. } => {
            let has_index = index.is_some();
            (0u16..4096, 0u8..16, 0u8..16, 1u16..=256, 0u8..16)
                .prop_map(move |(disp, x, base, n, r)| {
                    Operand::Storage(Storage {
                        disp,
                        index: if has_index { x } else { 0 },
                        base,
                        length: match length {
                            LengthSpec::None => Length::None,
                            LengthSpec::Bytes8 { .. } => Length::Bytes(n),
                            LengthSpec::Bytes4 { .. } => Length::Bytes((n - 1) % 16 + 1),
                            LengthSpec::Register { .. } => Length::Register(r),
                        },
                    })
                })
                .boxed()
        }
    }
}

fn instruction_strategy() -> impl Strategy<Value = (Opcode, Vec<Operand>)> {
    (0..OPCODE_COUNT).prop_flat_map(|i| {
        let op = Opcode::ALL[i];
        let strategies: Vec<_> = op
            .info()
            .operands
            .iter()
            .map(|s| operand_strategy(*s))
            .collect();
        (Just(op), strategies)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]
    /// encode -> decode -> encode is the identity for every table entry.
    #[test]
    fn encode_decode_encode_is_identity((op, ops) in instruction_strategy()) {
        let arch = if op.in_arch(Arch::Esa390) { Arch::Esa390 } else { Arch::S370 };
        let bytes = encode(op, &ops).unwrap();
        prop_assert_eq!(bytes.as_bytes().len(), op.length());
        let insn = Decoder::new(arch).decode(bytes.as_bytes()).unwrap();
        prop_assert_eq!(insn.opcode(), op);
        prop_assert_eq!(insn.operands(), &ops[..]);
        prop_assert_eq!(encode(op, &insn.operands()).unwrap(), bytes);
    }

    /// Decoding arbitrary bytes never panics, and what decodes re-encodes to the same bytes
    /// apart from fields the format leaves unused.
    #[test]
    fn arbitrary_bytes_decode_or_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..8)) {
        for arch in [Arch::S370, Arch::Esa390] {
            if let Ok(insn) = Decoder::new(arch).decode(&bytes) {
                let re = encode(insn.opcode(), &insn.operands()).unwrap();
                let again = Decoder::new(arch).decode(re.as_bytes()).unwrap();
                prop_assert_eq!(again.operands(), insn.operands());
            }
        }
    }
}

#[test]
fn opcode_map_snapshot() {
    let mut out = String::new();
    for op in Opcode::ALL {
        let i = op.info();
        let code = match i.bytes {
            OpcodeBytes::One(a) => format!("{a:02X}"),
            OpcodeBytes::WithNibble(a, n) => format!("{a:02X}{n:X}"),
            OpcodeBytes::Two(a, b) => format!("{a:02X}{b:02X}"),
            OpcodeBytes::WithByte5(a, b) => format!("{a:02X}..{b:02X}"),
        };
        let archs = match (i.archs.contains(Arch::S370), i.archs.contains(Arch::Esa390)) {
            (true, true) => "S/370 ESA/390",
            (true, false) => "S/370",
            _ => "ESA/390",
        };
        let priv_ = match i.privilege {
            Privilege::Privileged => "privileged",
            Privilege::SemiPrivileged => "semiprivileged",
            Privilege::Unprivileged => "",
        };
        out.push_str(&format!(
            "{:<6} {:<6} {:<4} {:<14} {:<14} {}\n",
            i.mnemonic,
            code,
            format!("{:?}", i.format),
            archs,
            priv_,
            i.description
        ));
    }
    insta::assert_snapshot!(out);
}

/// Issue #12 item 17: runs of zero bytes fold (8 or more, cut to an even length); an
/// instruction with one bits in an unused field is a constant with a remark naming it.
#[test]
fn zero_runs_fold_and_unused_bits_are_named() {
    use s390_decoder::zero_run_line;
    assert!(zero_run_line(0, &[0; 7]).is_none());
    assert!(zero_run_line(0, &[0, 0, 0, 0, 0, 0, 0, 0, 1]).is_some());
    let l = zero_run_line(0x100, &[0; 9]).unwrap();
    assert_eq!(
        (l.len, l.text.as_str()),
        (8, "00000100  0000 0000 0000  DC    XL8'00'")
    );
    assert_eq!(zero_run_line(0, &vec![0; 70_000]).unwrap().len, 65534);
    let d = Decoder::new(Arch::Esa390);
    let line = disassemble_line(&d, 0, &hex("80AA 2D40"), DisasmOptions::default());
    assert_eq!(
        line.text,
        "00000000  80AA 2D40       DC    X'80AA2D40'  * SSM 3392(2) (bits 8-15 not zero)"
    );
    assert!(!line.decoded);
    // SSM with a zero second byte is the instruction itself.
    let line = disassemble_line(&d, 0, &hex("8000 2D40"), DisasmOptions::default());
    assert_eq!(line.text, "00000000  8000 2D40       SSM   3392(2)");
}
