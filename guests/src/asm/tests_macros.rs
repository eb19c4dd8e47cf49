//! The macro facility and conditional assembly: exact bytes and exact diagnostics.

use super::*;

fn outcome(src: &str) -> Outcome {
    assemble_with_notes("m.asm", src)
}

fn hex_of(src: &str) -> String {
    match outcome(src).result {
        Ok(a) => a.image.iter().map(|b| format!("{b:02X}")).collect(),
        Err(d) => panic!(
            "{}",
            d.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

fn errors(src: &str) -> Vec<String> {
    match outcome(src).result {
        Ok(_) => panic!("assembled without errors"),
        Err(d) => d.iter().map(|d| d.to_string()).collect(),
    }
}

#[test]
fn positional_keyword_and_name_parameters() {
    let src = "
         MACRO
&LBL     SAVE  &REGS,&AREA,&LEN=4
&LBL     STM   &REGS(1),&REGS(2),&AREA
         DC    AL1(&LEN)
         MEND
         USING *,12
HERE     SAVE  (14,12),SA
         SAVE  (2,3),SA,LEN=9
SA       DS    F
         DC    A(HERE)
";
    // STM 14,12,SA(12); DC 4; pad; STM 2,3,SA; DC 9; pad; SA at 12; A(HERE)=0.
    assert_eq!(hex_of(src), "90ECC00C04009023C00C09000000000000000000");
}

#[test]
fn sysndx_makes_unique_labels() {
    let src = "
         MACRO
         SKIP
         J     L&SYSNDX
         DC    H'0'
L&SYSNDX DS    0H
         MEND
         SKIP
         SKIP
         DC    A(L0001,L0002)
";
    assert_eq!(
        hex_of(src),
        "A7F400030000A7F40003000000000006000000".to_string() + "0C"
    );
}

#[test]
fn aif_character_and_arithmetic_relations_ago_anop() {
    let src = "
         MACRO
         GEN   &P,&N
         AIF   ('&P' EQ '').NOP
         DC    C'&P'
.NOP     ANOP
         AIF   (&N GT 3 AND NOT (&N GE 9)).BIG
         AIF   (&N LT 0 OR '&P' NE 'A').NEG
         DC    X'01'
         AGO   .END
.BIG     DC    X'02'
         MEXIT
.NEG     DC    X'03'
.END     MEND
         GEN   ,1
         GEN   A,5
         GEN   A,9
         GEN   B,0
";
    // GEN ,1 -> 03 ('' NE 'A'); GEN A,5 -> C1 02; GEN A,9 -> C1 01 (9 >= 9); GEN B,0 -> C2 03
    assert_eq!(hex_of(src), "03C102C101C203");
}

#[test]
fn set_symbols_local_global_and_character_operations() {
    let src = "
         MACRO
         COUNT &TEXT
         GBLA  &CALLS
         LCLC  &C
         LCLB  &LONG
         LCLA  &K
&K       SETA  K'&TEXT
&CALLS   SETA  &CALLS+1
&C       SETC  '&TEXT'(2,2).'-'.(2)'Z'
&LONG    SETB  (K'&TEXT GT 3)
         DC    AL1(&CALLS,&LONG,&K),C'&C'
         MEND
         COUNT ABCD
         COUNT XY
         GBLA  &CALLS
         DC    AL1(&CALLS)
";
    // call 1: 1,1,4,'BC-ZZ'; call 2: 2,0,2,'Y-ZZ' ('XY'(2,2) is 'Y'); open code: 2
    assert_eq!(hex_of(src), "010104C2C360E9E9020002E860E9E902");
}

#[test]
fn local_symbols_are_fresh_per_call_and_implicitly_declared() {
    let src = "
         MACRO
         INC
&X       SETA  &X+1
         DC    AL1(&X)
         MEND
         INC
         INC
&Y       SETA  7*3-1
         DC    AL1(&Y)
";
    assert_eq!(hex_of(src), "010114");
}

#[test]
fn substitution_in_name_operation_and_operand_fields() {
    let src = "
         MACRO
&N       OPS   &OP,&R,&SUF
&N.&SUF  &OP   &R.,&R+1
         MEND
A        OPS   LR,2,X
         OPS   AR,4,Y
         DC    A(AX)
";
    assert_eq!(hex_of(src), "18231A45000000".to_string() + "00");
}

#[test]
fn sublists_and_syslist() {
    let src = "
         MACRO
         LIST  &L
         LCLA  &I
.LOOP    AIF   (&I GE N'&L).DONE
&I       SETA  &I+1
         DC    AL1(&L(&I))
         AGO   .LOOP
.DONE    ANOP
&I       SETA  N'&SYSLIST
         DC    AL1(&I,&SYSLIST(2))
         MEND
         LIST  (5,6,7),9
";
    assert_eq!(hex_of(src), "0506070209");
}

#[test]
fn type_attribute_and_omitted_operands() {
    let src = "
         MACRO
         TYP   &A,&B,&C
         DC    C'&B'
         AIF   (T'&A EQ 'O').X
         DC    C'N'
.X       AIF   (T'&B NE 'N').Y
         DC    C'B'
.Y       AIF   (T'&C NE 'F').Z
         DC    C'F'
.Z       MEND
         TYP   ,12,WORD
WORD     DC    F'1'
";
    // &A omitted, &B = 12 (N), &C = WORD (F by look-ahead)
    assert_eq!(hex_of(src), "F1F2C2C6".to_string() + "00000001");
}

#[test]
fn nested_macro_calls() {
    let src = "
         MACRO
         INNER &V
         DC    AL1(&V,&SYSNDX,&SYSNEST)
         MEND
         MACRO
         OUTER &V
         INNER &V+1
         INNER &V+2
         MEND
         OUTER 10
";
    // OUTER is call 1; the INNERs are calls 2 and 3 at nesting level 2.
    assert_eq!(hex_of(src), "0B0202".to_string() + "0C0302");
}

#[test]
fn open_code_conditional_assembly() {
    let src = "
&N       SETA  3
.LOOP    AIF   (&N EQ 0).OUT
         DC    AL1(&N)
&N       SETA  &N-1
         AGO   .LOOP
.OUT     ANOP
         AIF   (0).NEVER
         DC    X'FF'
.NEVER   ANOP
";
    assert_eq!(hex_of(src), "030201FF");
}

#[test]
fn mnote_severity_errors_and_notes() {
    let src = "
         MACRO
         CHK   &V
         AIF   (&V LT 10).OK
         MNOTE 8,'value &V too big'
         MEXIT
.OK      MNOTE 4,'value &V is fine'
         MNOTE *,'a comment'
         MNOTE ,'it''s severity 1'
         MEND
         CHK   5
         CHK   12
";
    let o = outcome(src);
    let notes: Vec<String> = o.notes.iter().map(|n| n.note()).collect();
    assert_eq!(
        notes,
        vec![
            "m.asm:7:10: note: MNOTE 4: value 5 is fine (in macro CHK called at line 11)",
            "m.asm:8:10: note: a comment (in macro CHK called at line 11)",
            "m.asm:9:10: note: MNOTE 1: it's severity 1 (in macro CHK called at line 11)",
        ]
    );
    let e: Vec<String> = o
        .result
        .unwrap_err()
        .iter()
        .map(|d| d.to_string())
        .collect();
    assert_eq!(
        e,
        vec!["m.asm:5:10: error: value 12 too big (in macro CHK called at line 12)"]
    );
}

#[test]
fn errors_in_macros_point_at_definition_and_call() {
    let src = "
         MACRO
         BAD   &X
         L     1,&X
         MEND
         USING *,12
         BAD   NOWHERE
";
    assert_eq!(
        errors(src),
        vec!["m.asm:4:18: error: undefined symbol NOWHERE (in macro BAD called at line 7)"]
    );
    let nested = "
         MACRO
         IN
         FOO
         MEND
         MACRO
         OUT
         IN
         MEND
         OUT
";
    assert_eq!(
        errors(nested),
        vec!["m.asm:4:10: error: unknown operation FOO (in macro IN called at line 8, in macro OUT called at line 10)"]
    );
}

#[test]
fn endless_recursion_and_loops_are_errors() {
    let rec = "
         MACRO
         R
         R
         MEND
         R
";
    assert_eq!(
        errors(rec),
        vec![format!(
            "m.asm:4:10: error: macro calls nested more than {MAX} deep (endless recursion?) (in macro R called at line 4, in macro R called at line 4, {rest}in macro R called at line 6)",
            MAX = macros::MAX_DEPTH,
            rest = "in macro R called at line 4, ..., "
        )]
    );
    let lp = "
         MACRO
         L
.A       AGO   .A
         MEND
         L
         DC    X'01'
";
    assert_eq!(
        errors(lp),
        vec!["m.asm:4:10: error: ACTR branch limit reached (endless loop?); expansion stopped (in macro L called at line 6)"]
    );
    let actr = "
         ACTR  2
.A       AGO   .A
";
    assert_eq!(
        errors(actr),
        vec!["m.asm:3:10: error: ACTR branch limit reached (endless loop?); expansion stopped"]
    );
}

#[test]
fn conditional_assembly_errors() {
    let cases: &[(&str, &str)] = &[
        (" MACRO\n M\n", "m.asm:1:2: error: MACRO without MEND"),
        (
            " MACRO\n MEND\n",
            "m.asm:1:2: error: macro definition without a prototype statement",
        ),
        (" MEND\n", "m.asm:1:2: error: MEND without MACRO"),
        (
            " AGO .NONE\n",
            "m.asm:1:6: error: undefined sequence symbol .NONE",
        ),
        (
            " DC AL1(&U)\n",
            "m.asm:1:9: error: undefined variable symbol &U",
        ),
        (
            " DC C'A&B'\n",
            "m.asm:1:8: error: undefined variable symbol &B",
        ),
        (
            " AIF (&X).A\n",
            "m.asm:1:7: error: undefined variable symbol &X",
        ),
        (
            "&A SETA 'X'\n",
            "m.asm:1:9: error: 'X' is not a number (a self-defining term)",
        ),
        (
            "&A SETA 1\n&A SETC 'X'\n",
            "m.asm:2:1: error: &A is a SETA symbol, not SETC",
        ),
        (
            " LCLA &A\n LCLA &A\n",
            "m.asm:2:7: error: &A is already declared",
        ),
        (
            " GBLA &G\n MACRO\n M\n GBLC &G\n MEND\n M\n",
            "m.asm:4:7: error: &G is already declared as GBLA (in macro M called at line 6)",
        ),
        (
            " MACRO\n M &P\n&P SETA 1\n MEND\n M\n",
            "m.asm:3:1: error: &P is a parameter and cannot be set (in macro M called at line 5)",
        ),
        (" MEXIT\n", "m.asm:1:2: error: MEXIT outside a macro"),
        (
            " AIF (1 EQ 1)\n",
            "m.asm:1:14: error: expected a sequence symbol (.NAME)",
        ),
        (
            " MNOTE 300,'X'\n",
            "m.asm:1:8: error: MNOTE severity 300 is outside 0-255",
        ),
        (" MNOTE 12,'STOP'\n", "m.asm:1:2: error: STOP"),
        (
            " DC C'&'\n",
            "m.asm:1:7: error: '&' must begin a variable symbol (write && for an ampersand)",
        ),
        (
            "&C SETC 'AB'(0,1)\n",
            "m.asm:1:13: error: invalid substring (0,1)",
        ),
        (
            " AIF ('A' EQ 1).X\n.X ANOP\n",
            "m.asm:1:11: error: a character value cannot be compared with a number",
        ),
        (
            ".A ANOP\n.A ANOP\n",
            "m.asm:2:1: error: sequence symbol .A is already defined",
        ),
        (
            " MACRO\n &X\n MEND\n",
            "m.asm:2:2: error: invalid macro name '&X'",
        ),
        (
            " MACRO\n M &A,&A\n MEND\n",
            "m.asm:2:7: error: parameter &A is defined twice",
        ),
        (
            " MACRO\n M\n SYSX\n MACRO\n MEND\n MEND\n M\n",
            "m.asm:3:2: error: unknown operation SYSX (in macro M called at line 7)",
        ),
    ];
    for (src, want) in cases {
        let got = errors(src);
        assert_eq!(
            got.first().map(String::as_str),
            Some(*want),
            "source {src:?}: {got:?}"
        );
    }
}

#[test]
fn listing_shows_generated_statements() {
    let src = "
         MACRO
         TWO
         DC    X'0102'
         MEND
         TWO
";
    let o = outcome(src);
    let l = o.listing;
    assert!(
        l.lines()
            .any(|x| x.starts_with("000000 0102") && x.contains("4+          DC    X'0102'")),
        "{l}"
    );
    assert!(l.lines().any(|x| x.ends_with("6           TWO")), "{l}");
}

#[test]
fn double_ampersand_and_quotes_in_character_constants() {
    let src = "
         MACRO
         T     &S
         DC    C'&S&&'
         MNOTE *,'A&&B'
         MEND
         T     X
";
    let o = outcome(src);
    assert_eq!(o.notes[0].message, "A&B (in macro T called at line 7)");
    assert_eq!(o.result.unwrap().image, vec![0xE7, 0x50]);
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    // A long statement through continuation lines.
    fn long(stmt: &str) -> String {
        let mut out = String::new();
        let chars: Vec<char> = stmt.chars().collect();
        let first = chars.len().min(71);
        out.extend(&chars[..first]);
        let mut rest = &chars[first..];
        while !rest.is_empty() {
            out.push_str("X\n               ");
            let n = rest.len().min(56);
            out.extend(&rest[..n]);
            rest = &rest[n..];
        }
        out.push('\n');
        out
    }
    let deep = format!("{}1{}", "(".repeat(5000), ")".repeat(5000));
    for src in [
        long(&format!("X        EQU   {deep}")),
        long(&format!("         DC    A({})", "-".repeat(20000) + "1")),
        long(&format!("&A       SETA  {deep}")),
        long(&format!("         AIF   ({}1).X", "NOT ".repeat(5000))),
        long(&format!("&A       SETA  {}1", "+".repeat(20000))),
    ] {
        let e = errors(&src);
        assert!(
            e.iter().any(|m| m.contains("nested too deeply")),
            "{:?}",
            &e[..e.len().min(3)]
        );
    }
}

#[test]
fn undefined_keyword_is_positional_with_a_note_and_sysect() {
    let src = "
         MACRO
         M     &A,&K=1
         DC    C'&A&K&SYSECT'
         MEND
SECT     CSECT
         M     J=2
";
    let o = outcome(src);
    assert_eq!(
        o.notes.iter().map(|n| n.note()).collect::<Vec<_>>(),
        vec!["m.asm:7:16: note: macro M has no keyword parameter &J; J=2 is a positional operand"]
    );
    // C'J=21SECT'
    assert_eq!(
        o.result.unwrap().image,
        vec![0xD1, 0x7E, 0xF2, 0xF1, 0xE2, 0xC5, 0xC3, 0xE3]
    );
}

#[test]
fn literals_within_literals_are_errors() {
    let src = "         USING *,12\n         L     1,=A(=A(1))\n";
    assert_eq!(
        errors(src),
        vec!["m.asm:2:21: error: a literal cannot contain a literal"]
    );
}

#[test]
fn random_macro_sources_never_panic_or_hang() {
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }
    const NAMES: &[&str] = &[
        "&A",
        "&B",
        "&P",
        "&K",
        "&SYSNDX",
        "&SYSLIST(1)",
        "&X(2)",
        ".L",
        ".M",
        "",
    ];
    const OPS: &[&str] = &[
        "AIF", "AGO", "SETA", "SETB", "SETC", "LCLA", "LCLC", "GBLA", "GBLB", "ANOP", "MEXIT",
        "MNOTE", "ACTR", "DC", "DS", "LR", "L", "MAC1", "MAC2", "MACRO", "MEND", "EQU", "USING",
        "DROP",
    ];
    const OPERANDS: &[&str] = &[
        "(&A GT 3).L",
        "(&P EQ '').M",
        ".L",
        ".M",
        "(&A).L,.M",
        "&A+1",
        "&A*2-&B",
        "'&P'.'X'",
        "'ABC'(2,1)",
        "(3)'Z'",
        "K'&P",
        "N'&P",
        "T'&P",
        "(&A LT 10 AND NOT &B)",
        "&X(1)",
        "8,'&P'",
        "*,'note'",
        "AL1(&A)",
        "C'&P&&'",
        "1,&P",
        "&P(2)",
        "X'FF'",
        "&K",
        "(1,2)",
        "K=7",
        "&P,&K=1",
        "1",
        "0",
        "&SYSNDX",
        "A&SYSNDX",
        "((&A)",
        "'",
        "&",
        "&&",
        "L'&P",
        "LBL.A",
        "*,12",
        "",
    ];
    let mut rng = Rng(0x0A5B_5EED);
    for round in 0..1500 {
        let mut src = String::new();
        // Sometimes well-formed macro definitions, so that calls expand.
        if rng.below(2) == 0 {
            for name in ["MAC1", "MAC2"] {
                src.push_str("         MACRO\n");
                src.push_str(&format!("&N       {name} &P,&K=1\n"));
                for _ in 0..rng.below(8) {
                    let line = format!(
                        "{:<8} {:<5} {}\n",
                        NAMES[rng.below(NAMES.len())],
                        OPS[rng.below(OPS.len() - 2)],
                        OPERANDS[rng.below(OPERANDS.len())]
                    );
                    src.push_str(&line);
                }
                src.push_str(".M       MEND\n");
            }
        }
        for _ in 0..rng.below(12) + 1 {
            let line = format!(
                "{:<8} {:<5} {}{}",
                NAMES[rng.below(NAMES.len())],
                OPS[rng.below(OPS.len())],
                OPERANDS[rng.below(OPERANDS.len())],
                if rng.below(4) == 0 {
                    OPERANDS[rng.below(OPERANDS.len())]
                } else {
                    ""
                }
            );
            src.push_str(&line);
            src.push('\n');
        }
        let o = assemble_with_notes("r.asm", &src);
        if let Err(d) = &o.result {
            assert!(!d.is_empty(), "round {round}");
            for x in d {
                assert!(x.line >= 1 && x.column >= 1, "round {round}: {x}");
            }
        }
    }
}

#[test]
fn arrays_computed_ago_and_extended_aif() {
    let src = "
         MACRO
&NM      PICK  &N
         LCLA  &T(5)
         GBLB  &SEEN
&T(2)    SETA  20,30,40
         AGO   (&N).ONE,.TWO,.THREE
         DC    AL1(0)
         AGO   .END
.ONE     DC    AL1(&T(1))
         AGO   .END
.TWO     DC    AL1(&T(2),&T(3),&T(4))
         AGO   .END
.THREE   ANOP
&C       SETA  N'&T
         DC    AL1(&C)
.END     AIF   (&SEEN).S1,(&N EQ 9).S9
&SEEN    SETB  1
         DC    C'&SYSLIST(0)'
         MEXIT
.S1      DC    X'E1'
         MEXIT
.S9      DC    X'E9'
         MEND
A        PICK  2
         PICK  3
         PICK  1
         PICK  9
";
    // PICK 2: 14 1E 28, not seen yet: C'A'; PICK 3: N'&T = 4, seen: E1;
    // PICK 1: 00 (unset element), E1; PICK 9: no such target: 00, E1 (S1 tested first).
    assert_eq!(hex_of(src), "141E28C104E100E100E1");
}

#[test]
fn alternative_continuation_format_with_remarks() {
    let pad = |s: &str| format!("{s:<71}X\n");
    let src = [
        "         MACRO\n".to_string(),
        pad("         M     &A,&B,          first two parameters"),
        "               &C              the third\n".to_string(),
        "         DC    AL1(&A,&B,&C)\n".to_string(),
        "         MEND\n".to_string(),
        pad("         M     1,              one"),
        pad("               2,              two"),
        "               3               three\n".to_string(),
        pad("         DC    C'A, B',         remark"),
        "               C'C'\n".to_string(),
    ]
    .concat();
    assert_eq!(hex_of(&src), "010203C16B40C2C3");
}

#[test]
fn arrays_and_syslist_need_a_subscript_outside_n() {
    assert_eq!(
        errors(" LCLA &T(3)\n DC AL1(&T)\n"),
        vec!["m.asm:2:9: error: &T requires a subscript"]
    );
    assert_eq!(
        errors(" MACRO\n M\n DC C'&SYSLIST'\n MEND\n M\n"),
        vec!["m.asm:3:7: error: &SYSLIST requires a subscript (in macro M called at line 5)"]
    );
}

#[test]
fn ampersands_in_remarks_are_not_substituted() {
    let src = "
&R       SETA  1
         LR    &R,2     copy & go
         PTLB           purge & go &X
         LTORG          pool & so on
";
    // LTORG aligns to a doubleword.
    assert_eq!(hex_of(src), "1812B20D00000000");
}

#[test]
fn negative_seta_values_substitute_without_sign() {
    let src = "
&A       SETA  2-7
&C       SETC  '&A'
         DC    AL1(&A),C'&C'
";
    assert_eq!(hex_of(src), "05F5");
}

#[test]
fn copy_members_from_a_library() {
    let lib = |name: &str| -> Option<(String, String)> {
        match name {
            "MACS" => Some((
                "macs.asm".into(),
                "         MACRO\n         TWO   &V\n         DC    AL1(&V,&V)\n         MEND\n"
                    .into(),
            )),
            "BODY" => Some((
                "body.asm".into(),
                "         TWO   3\n         L     1,NOWHERE\n".into(),
            )),
            "SELF" => Some(("self.asm".into(), "         COPY  SELF\n".into())),
            _ => None,
        }
    };
    let o = assemble_with_library("main.asm", "         COPY  MACS\n         TWO   5\n", &lib);
    assert_eq!(o.result.unwrap().image, vec![5, 5]);
    let o = assemble_with_library(
        "main.asm",
        "         USING *,12\n         COPY  MACS\n         COPY  BODY\n         COPY  NONE\n         COPY  SELF\n",
        &lib,
    );
    let e: Vec<String> = o
        .result
        .unwrap_err()
        .iter()
        .map(|d| d.to_string())
        .collect();
    assert_eq!(
        e,
        vec![
            "main.asm:4:16: error: COPY member NONE not found",
            "body.asm:2:18: error: undefined symbol NOWHERE",
            "self.asm:1:16: error: COPY member SELF includes itself",
        ]
    );
    // Without a library COPY finds nothing.
    assert_eq!(
        errors("         COPY  X\n"),
        vec!["m.asm:1:16: error: COPY member X not found"]
    );
}

#[test]
fn assemble_file_copies_from_the_source_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("regs.asm"), "R5       EQU   5\n").unwrap();
    let src = dir.path().join("main.asm");
    std::fs::write(&src, "         COPY  REGS\n         LR    R5,R5\n").unwrap();
    let out = dir.path().join("main.bin");
    assemble_file(&src, &out, None).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), vec![0x18, 0x55]);
    std::fs::write(dir.path().join("regs.asm"), "R5       EQU   5+\n").unwrap();
    let e = assemble_file(&src, &out, None).unwrap_err();
    let regs = dir.path().join("regs.asm");
    assert_eq!(
        e,
        vec![
            format!("{}:2:16: error: undefined symbol R5\n    2 |          LR    R5,R5\n      |                ^", src.display()),
            format!("{}:1:18: error: missing term\n    1 | R5       EQU   5+\n      |                  ^", regs.display()),
        ]
    );
    // The image of the last good assembly is left as it was.
    assert_eq!(std::fs::read(&out).unwrap(), vec![0x18, 0x55]);
}
