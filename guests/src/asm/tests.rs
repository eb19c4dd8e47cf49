use super::*;

fn ok(src: &str) -> Assembly {
    match assemble("t.asm", src) {
        Ok(a) => a,
        Err(d) => panic!(
            "{}",
            d.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

fn img(src: &str) -> Vec<u8> {
    ok(src).image
}

fn errs(src: &str) -> Vec<String> {
    match assemble("t.asm", src) {
        Ok(_) => panic!("assembled without errors"),
        Err(d) => d.iter().map(|d| d.to_string()).collect(),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02X}")).collect()
}

#[test]
fn rr_rx_and_extended_mnemonics() {
    let a = img(" LR 1,2\n L 1,16(2,3)\n BR 14\n B 8(,12)\n L 1,8(3)\n");
    assert_eq!(hex(&a), "18125812301007FE47F0C0085813000".to_string() + "8");
}

#[test]
fn comments_remarks_and_continuation() {
    let mut cont = String::from(" DC    C'ABC',");
    while cont.len() < 71 {
        cont.push(' ');
    }
    cont.push('X');
    let src =
        format!("* comment\n.* another\n\n LR 1,2   remarks here\n{cont}\n               C'D'\n");
    assert_eq!(hex(&img(&src)), "1812C1C2C3C4");
}

#[test]
fn using_resolves_implicit_addresses() {
    let src = "
TEST     CSECT
         USING *,12
         L     1,FIELD
         ST    1,FIELD+4
         MVC   OUT,FIELD
FIELD    DC    F'7'
OUT      DS    CL4
         DC    X'FF'
         END
";
    let a = img(src);
    assert_eq!(
        hex(&a),
        "5810C0105010C014D203C014C010000000000007000000".to_string() + "00FF"
    );
}

#[test]
fn using_picks_smallest_displacement_and_drop() {
    let src = "
         USING *,10
         USING *,11
         L     1,X
         DROP  11
         L     2,X
X        DC    F'1'
";
    assert_eq!(hex(&img(src)), "5810B0085820A00800000001");
}

#[test]
fn dsect_and_multiple_bases() {
    let src = "
         USING AREA,5
         L     1,B
         USING BIG,6,7
         L     2,BIG+5000
AREA     DSECT
A        DS    F
B        DS    F
BIG      DSECT
         DS    CL8000
";
    assert_eq!(hex(&img(src)), "5810500458207388");
}

#[test]
fn dc_types() {
    let src = "
 DC C'A B'
 DC CA'Ab'
 DC CL4'X'
 DC X'1F,2'
 DC B'101'
 DC H'-2'
 DC F'1,-1'
 DC A(X)
 DC Y(16)
 DC P'-123'
 DC P'12'
 DC Z'-12'
 DC D'1'
 DC E'-0.5'
 DC 3XL2'1'
 DC AL1(255)
X DC C''''
";
    let a = img(src);
    let expect = "C140C24162E74040401F0205FFFE000000000001FFFFFFFF0000003B0010123D012CF1D2\
00000000411000000000000\
0C0800000000100010001FF7D";
    assert_eq!(hex(&a), expect);
}

#[test]
fn ds_alignment_and_lengths() {
    let src = "
 DC X'01'
A DS 0F
 DC X'02'
B DS 3H
C DC X'03'
 DC AL1(L'A,L'B,L'C,B-A,C-B)
";
    assert_eq!(hex(&img(src)), "010000000200000000000000030402010206");
}

#[test]
fn equ_expressions_and_self_defining_terms() {
    let src = "
R1 EQU 1
TEN EQU 2*(3+2)
 DC AL1(R1,TEN,TEN/3,X'1F',B'11',C'A',-1+2,7/0,L'TEN,FWD)
FWD EQU LATER-HERE
HERE DS XL3
LATER DS X
";
    assert_eq!(hex(&img(src)), "010A031F03C1010001".to_string() + "03");
}

#[test]
fn literals_pooled_by_alignment_once_each() {
    let src = "
         USING *,12
         L     1,=F'1'
         LH    2,=H'2'
         CLC   0(1,1),=C'A'
         L     3,=F'1'
         LD    0,=D'0'
         LTORG
         L     4,=F'1'
";
    let a = img(src);
    // 4+4+6+4+4 = 22 bytes of code, pool at 24: D, F, H, C.
    assert_eq!(
        hex(&a),
        "5810C0204820C024D5001000C0265830C0206800C0180000\
         000000000000000000000001 0002C1005840C030 0000000000000001"
            .replace(' ', "")
    );
}

#[test]
fn relative_branches_are_halfword_offsets() {
    let src = "
TOP      J     NEXT
         BRC   8,TOP
NEXT     JE    *+8
         BRAS  14,*-4
";
    assert_eq!(hex(&img(src)), "A7F40004A784FFFEA7840004A7E5FFFE");
}

#[test]
fn ss_lengths_explicit_and_implicit() {
    let src = "
         USING *,12
         MVC   0(256,1),4095(15)
         MVC   A,B
         MVC   A(2),B
         PACK  0(3,1),0(2,2)
         MVCK  0(3,1),0(2),4
A        DS    CL5
B        DS    CL7
";
    assert_eq!(
        hex(&img(src)),
        "D2FF1000FFFFD204C01EC023D201C01EC023F22110002000D93410002000"
    );
}

#[test]
fn start_origin_org_and_cnop() {
    let a = ok("
P        START X'1000'
         DC    X'01'
         CNOP  2,4
         LR    1,1
         ORG   *+4
         DC    X'02'
         ORG   P+1
         DC    X'03'
         ORG
");
    assert_eq!(a.origin, 0x1000);
    assert_eq!(hex(&a.image), "010318110000000002");
}

#[test]
fn private_code_then_csects_are_concatenated() {
    let src = "
A        CSECT
         DC    X'01'
B        CSECT
         DC    A(B)
A        CSECT
         DC    X'02'
";
    assert_eq!(hex(&img(src)), "01020000000000000000000".to_string() + "8");
}

#[test]
fn listing_has_object_code_and_cross_reference() {
    let a = ok("X        LR    1,2\n         DC    A(X)\n");
    assert!(a.listing.contains("000000 1812"), "{}", a.listing);
    assert!(a.listing.contains("00000000"));
    assert!(
        a.listing
            .lines()
            .any(|l| l.starts_with('X') && l.ends_with(" 2")),
        "{}",
        a.listing
    );
}

#[test]
fn every_error_has_file_line_column() {
    let cases: &[(&str, &str)] = &[
        (" FOO 1,2\n", "t.asm:1:2: error: unknown operation FOO"),
        (" L 1,X\n", "t.asm:1:6: error: undefined symbol X"),
        (" LR 1,16\n", "t.asm:1:7: error: operand 2: register or mask 16 is outside 0-15"),
        (" LR 1\n", "t.asm:1:2: error: LR takes 2 operands, found 1"),
        (" LR 1,2,3\n", "t.asm:1:9: error: LR takes 2 operands, found 3"),
        (" L 1,5000\n", "t.asm:1:6: error: operand 2: address X'1388' is not addressable (no USING covers it)"),
        ("A DS F\nA DS F\n", "t.asm:2:1: error: symbol A is already defined on line 1"),
        (" DC Q'1'\n", "t.asm:1:5: error: unknown constant type 'Q'"),
        (" DC F\n", "t.asm:1:6: error: DC requires a nominal value"),
        (" DC X'1G'\n", "t.asm:1:8: error: invalid digit 'G'"),
        (" DC C'ABC\n", "t.asm:1:6: error: missing closing quote"),
        (" DC H'99999'\n", "t.asm:1:7: error: value 99999 does not fit in 2 bytes"),
        (" DS (N)F\nN EQU 2\n", "t.asm:1:6: error: symbol N is undefined or defined later (a length or count must be known here)"),
        (" L 1,4096(1,2)\n", "t.asm:1:6: error: operand 2: displacement 4096 is outside 0-4095"),
        (" MVC 0(257,1),0(1)\n", "t.asm:1:6: error: operand 1: length 257 is outside 1-256"),
        (" LHI 1,70000\n", "t.asm:1:8: error: operand 2: value 70000 does not fit in 16 bits"),
        (" J *+3\n", "t.asm:1:4: error: operand 1: branch target is not on a halfword boundary"),
        (" EQU 1\n", "t.asm:1:2: error: EQU requires a name"),
        ("X EQU 1+\n", "t.asm:1:9: error: missing term"),
        (" DC A(1*)\n", "t.asm:1:9: error: missing term"),
        (" USING 1\n", "t.asm:1:2: error: USING requires a base address and a register"),
        (" DROP 5\n", "t.asm:1:7: error: register 5 is not in a USING"),
        (" CNOP 1,4\n", "t.asm:1:7: error: CNOP byte must be an even number below the boundary"),
        (" CNOP 0,3\n", "t.asm:1:9: error: CNOP boundary must be 4 or 8"),
        ("LABEL\n", "t.asm:1:1: error: missing operation"),
        ("1BAD DS F\n", "t.asm:1:1: error: invalid name '1BAD'"),
        (" DC A(X+Y)\nX DS F\nY DS F\n", "t.asm:1:8: error: relocatable terms cannot be added"),
        (" DC A(5-X)\nX DS F\n", "t.asm:1:8: error: a relocatable term cannot be subtracted from an absolute one"),
        (" DC A(2*X)\nX DS F\n", "t.asm:1:8: error: relocatable term in multiplication or division"),
        (" L 1,X(1,2)\nX DS F\n", "t.asm:1:6: error: operand 2: displacement must be absolute with an explicit base register"),
        (" L 1,0(1,2,3)\n", "t.asm:1:12: error: operand 2: too many subfields"),
        (" ST 1,0(1\n", "t.asm:1:8: error: missing ')'"),
        (" SPM 1 \n LM 1,2,0(3,4)\n", "t.asm:2:11: error: operand 3: this operand takes no index register"),
        (" DC X'FFFFFFFFFFFF',F'1' \n DC AL1(X'123456789')\n", "t.asm:2:9: error: self-defining term too large"),
        (" DC CL0'A'\n", "t.asm:1:7: error: length 0 is outside 1-65535"),
        (" MACRO\n", "t.asm:1:2: error: MACRO without MEND"),
        (" START 1\n DC X'1'\n START 2\n", "t.asm:3:2: error: START must come before any control section"),
        (" DSECT\n", "t.asm:1:2: error: DSECT requires a name"),
        (" ORG -1\n", "t.asm:1:6: error: ORG operand is below the start of the section"),
        (" DC C'é'\n", "t.asm:1:7: error: character 'é' cannot be represented"),
        (" DC D'X'\n", "t.asm:1:7: error: invalid floating-point value 'X'"),
        (" DC P'1A'\n", "t.asm:1:8: error: invalid character 'A' in a decimal constant"),
        (" L 1,=F\n", "t.asm:1:6: error: a literal requires a nominal value"),
        (" DC 99999999999F'1'\n", "t.asm:1:5: error: number too large"),
    ];
    for (src, want) in cases {
        let got = errs(src);
        assert_eq!(
            got.first().map(String::as_str),
            Some(*want),
            "source {src:?}: {got:?}"
        );
    }
}

#[test]
fn assembly_continues_after_errors() {
    let e = errs(" FOO\n LR 1,99\n LR 1,2\n BAR\n");
    assert_eq!(e.len(), 3, "{e:?}");
    assert!(e[2].starts_with("t.asm:4:2:"));
}

#[test]
fn assemble_file_writes_only_on_success() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("a.asm");
    let out = dir.path().join("a.bin");
    let lst = dir.path().join("a.lst");
    std::fs::write(&src, " LR 1,2\n").unwrap();
    assemble_file(&src, &out, Some(&lst)).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), vec![0x18, 0x12]);
    assert!(std::fs::read_to_string(&lst).unwrap().contains("1812"));
    std::fs::write(&src, " LR 1,2\n BAD\n").unwrap();
    let e = assemble_file(&src, &out, None).unwrap_err();
    assert!(
        e[0].ends_with(":2:2: error: unknown operation BAD\n    2 |  BAD\n      |  ^"),
        "{e:?}"
    );
    // What was at the output path (the last good image) is left as it was.
    assert_eq!(std::fs::read(&out).unwrap(), vec![0x18, 0x12]);
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 3, "no temporary file left");
    let e = assemble_file(&dir.path().join("missing.asm"), &out, None).unwrap_err();
    assert!(e[0].contains("cannot read"));
    assert_eq!(std::fs::read(&out).unwrap(), vec![0x18, 0x12]);
}

/// Issue #12 item 5: a failed assembly leaves an unrelated file at the output path alone
/// (it removed it), a new output that is not finished is not left behind.
#[test]
fn failed_assembly_keeps_what_was_at_the_output_paths() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("bad.asm");
    std::fs::write(&src, " BAD\n").unwrap();
    let p = dir.path().join("p.txt");
    let l = dir.path().join("l.txt");
    std::fs::write(&p, "precious").unwrap();
    std::fs::write(&l, "listing of something else").unwrap();
    assert!(assemble_file(&src, &p, Some(&l)).is_err());
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "precious");
    assert_eq!(
        std::fs::read_to_string(&l).unwrap(),
        "listing of something else"
    );
    let new = dir.path().join("new.bin");
    assert!(assemble_file(&src, &new, None).is_err());
    assert!(!new.exists());
    // A good assembly writes into the existing regular writable file.
    std::fs::write(&src, " LR 1,2\n").unwrap();
    assemble_file(&src, &p, Some(&l)).unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), vec![0x18, 0x12]);
    assert!(std::fs::read_to_string(&l).unwrap().contains("1812"));
}

/// Issue #12 item 5: `-o SOURCE`, a read-only file (also for root, who could write it), a
/// symbolic link, a FIFO, a directory and the image as listing are refused before anything
/// is assembled, and are left as they were.
#[test]
fn output_that_is_the_source_or_not_a_regular_writable_file_is_refused() {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("a.asm");
    std::fs::write(&src, " LR 1,2\n").unwrap();
    let e = assemble_file(&src, &src, None).unwrap_err();
    assert!(e[0].contains("it is the source file"), "{e:?}");
    assert_eq!(std::fs::read_to_string(&src).unwrap(), " LR 1,2\n");
    let e = assemble_file(&src, &dir.path().join("a.bin"), Some(&src)).unwrap_err();
    assert!(e[0].contains("it is the source file"), "{e:?}");
    assert!(!dir.path().join("a.bin").exists());
    // A hard link to the source is the source.
    let hard = dir.path().join("hard.asm");
    std::fs::hard_link(&src, &hard).unwrap();
    let e = assemble_file(&src, &hard, None).unwrap_err();
    assert!(e[0].contains("it is the source file"), "{e:?}");
    assert_eq!(std::fs::read_to_string(&src).unwrap(), " LR 1,2\n");

    let ro = dir.path().join("ro.bin");
    std::fs::write(&ro, "keep").unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o444)).unwrap();
    let e = assemble_file(&src, &ro, None).unwrap_err();
    assert!(e[0].contains("read-only"), "{e:?}");
    assert_eq!(std::fs::read_to_string(&ro).unwrap(), "keep");

    let target = dir.path().join("target.bin");
    std::fs::write(&target, "target").unwrap();
    let link = dir.path().join("link.bin");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let e = assemble_file(&src, &link, None).unwrap_err();
    assert!(e[0].contains("symbolic link"), "{e:?}");
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "target");

    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let e = assemble_file(&src, &fifo, None).unwrap_err();
    assert!(e[0].contains("not a regular file"), "{e:?}");
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());

    let e = assemble_file(&src, dir.path(), None).unwrap_err();
    assert!(e[0].contains("directory"), "{e:?}");
    let e = assemble_file(&src, Path::new("/dev/null"), None).unwrap_err();
    assert!(e[0].contains("not a regular file"), "{e:?}");
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());

    let out = dir.path().join("o.bin");
    std::fs::write(&out, "old").unwrap();
    let e = assemble_file(&src, &out, Some(&out)).unwrap_err();
    assert!(e[0].contains("the same file"), "{e:?}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "old");
}

/// Seeded xorshift for the garbage test.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn garbage_never_panics() {
    const FRAGS: &[&str] = &[
        " ",
        "  ",
        "L",
        "LR",
        "MVC",
        "DC",
        "DS",
        "EQU",
        "USING",
        "DROP",
        "ORG",
        "LTORG",
        "CNOP",
        "END",
        "CSECT",
        "DSECT",
        "START",
        "J",
        "BR",
        "*",
        "=",
        "=F'1'",
        "=A(X)",
        "'",
        "''",
        "(",
        ")",
        ",",
        "+",
        "-",
        "/",
        "X'",
        "C'",
        "B'",
        "L'",
        "X",
        "Y",
        "1",
        "0",
        "4095",
        "65536",
        "99999999999",
        "F'",
        "CL8",
        "(X)",
        "*+2",
        "-1",
        "&",
        "\t",
        "é",
        "0(1,2)",
        "16(,3)",
        "A(",
        "H",
        "P'",
        "Z'",
        "D'",
        "E'1E99'",
        "3",
        "(2)",
        "L(",
        "CNOP",
        "8",
        "X EQU",
    ];
    let mut rng = Rng(0x5EED_0A5B);
    for _ in 0..3000 {
        let mut src = String::new();
        for _ in 0..rng.below(12) + 1 {
            let mut line = String::new();
            for _ in 0..rng.below(10) {
                if rng.below(5) == 0 {
                    line.push(char::from_u32(rng.below(0x250) as u32).unwrap_or('?'));
                } else {
                    line.push_str(FRAGS[rng.below(FRAGS.len())]);
                }
            }
            if rng.below(20) == 0 {
                while line.chars().count() < 72 {
                    line.push(' ');
                }
                line.push('X');
            }
            src.push_str(&line);
            src.push('\n');
        }
        let _ = assemble("g.asm", &src);
    }
}

#[test]
fn labelled_using_and_qualified_symbols() {
    let src = "
         USING *,12
FIRST    USING AREA,5
SECOND   USING AREA,6
         L     1,FIRST.B
         L     2,SECOND.A+8
         L     3,X
         DROP  FIRST
         L     4,SECOND.B
X        DC    F'9'
AREA     DSECT
A        DS    F
B        DS    F
";
    assert_eq!(hex(&img(src)), "58105004582060085830C0105840600400000009");
    // A labelled USING neither replaces nor serves unqualified references.
    let e = errs(
        "
         USING AREA,5
LBL      USING AREA,5
         L     1,B
         DROP  5
         L     1,B
         L     1,LBL.B
         DROP  LBL
         L     1,LBL.B
AREA     DSECT
A        DS    F
B        DS    F
",
    );
    assert_eq!(
        e,
        vec![
            "t.asm:6:18: error: operand 2: address X'4' is not addressable (no USING covers it)",
            "t.asm:9:18: error: operand 2: LBL is not an active USING label",
        ]
    );
}

#[test]
fn dependent_using_maps_a_dsect_onto_an_addressable_area() {
    let src = "
BASE     CSECT
         USING BASE,12
         USING REC,BUF+8
         L     1,FLD2
         MVC   FLD1,FLD2
OUTER    USING REC2,FLD1
         L     2,OUTER.INNER
BUF      DS    CL16
REC      DSECT
FLD1     DS    F
FLD2     DS    F
REC2     DSECT
         DS    H
INNER    DS    H
";
    // BUF at 14, REC at BUF+8 = 22: FLD1 = 22, FLD2 = 26; REC2 on FLD1: INNER = 24.
    assert_eq!(hex(&img(src)), "5810C01AD203C016C01A5820C018");
    let e = errs(
        "
         USING REC,FAR
         L     1,FLD
FAR      DS    F
REC      DSECT
FLD      DS    F
",
    );
    assert_eq!(
        e,
        vec!["t.asm:3:18: error: operand 2: address X'0' is not addressable (no USING covers it)"]
    );
}

#[test]
fn dc_extended_hfp() {
    let src = "
 DC X'01'
 DC L'1,-0.5'
 DC 2LL8'1'
 DC L'0'
";
    // L aligns to a doubleword; the low half's characteristic is 14 below the high one's.
    assert_eq!(
        hex(&img(src)),
        [
            "0100000000000000",
            "4110000000000000 3300000000000000",
            "C080000000000000 B200000000000000",
            "4110000000000000 4110000000000000",
            "0000000000000000 0000000000000000",
        ]
        .concat()
        .replace(' ', "")
    );
}

#[test]
fn rendered_diagnostics_show_the_source_line_and_column() {
    let src = "         USING *,12\n\tL     1,NOWHERE\n";
    let d = assemble("t.asm", src).unwrap_err();
    assert_eq!(
        d[0].render(src),
        "t.asm:2:10: error: undefined symbol NOWHERE\n    2 |  L     1,NOWHERE\n      |          ^"
    );
}

/// Issue #12 item 21: the remarks search of continued lines looks at each character a
/// bounded number of times (it rescanned the whole statement for every line: 20,000
/// continuation lines looked at about 200 million characters).
#[test]
fn continuation_lines_are_scanned_once() {
    fn source(n: usize) -> String {
        let mut s = format!("{:<71}X\n", "         DC    X'00',");
        for i in 1..n {
            if i + 1 == n {
                s.push_str("               X'00'\n");
            } else {
                s.push_str(&format!("{:<71}X\n", "               X'00',"));
            }
        }
        s
    }
    let (small, big) = (source(2_000), source(20_000));
    let (stmts, looked_small) = source::statements_counted(&small);
    assert_eq!(stmts.len(), 1);
    let (_, looked_big) = source::statements_counted(&big);
    // Each line's 6 characters of operand and one blank after, and the last character of
    // the line before again: 8 a line, whatever the number of lines.
    assert!(looked_small <= 8 * 2_000, "{looked_small}");
    assert!(looked_big <= 8 * 20_000, "{looked_big}");
    assert!(
        looked_big <= 11 * looked_small,
        "{looked_small} {looked_big}"
    );
    let a = assemble("t.asm", &big).unwrap();
    assert_eq!(a.image, vec![0; 20_000]);
}

/// Issue #12 item 21: 200,000 literals (in pools of 500, each under a USING of its own)
/// assemble, each to its own place.
#[test]
fn two_hundred_thousand_literals_assemble() {
    let mut s = String::from("T        CSECT\n");
    for i in 0..200_000 {
        if i % 500 == 0 {
            s.push_str("         LTORG\n         USING *,12\n");
        }
        s.push_str(&format!("         L     1,=F'{i}'\n"));
    }
    s.push_str("         END\n");
    let a = assemble("t.asm", &s).unwrap();
    // 400 blocks of 500 L instructions and then their 500 literals.
    assert_eq!(a.image.len(), 400 * 4000);
    let block = |k: usize| &a.image[k * 4000..(k + 1) * 4000];
    for k in [0, 1, 399] {
        let b = block(k);
        for j in [0, 499] {
            let insn = &b[j * 4..j * 4 + 4];
            assert_eq!(insn[..2], [0x58, 0x10], "block {k} insn {j}");
            let disp = u16::from_be_bytes([insn[2] & 0x0F, insn[3]]) as usize;
            assert_eq!(insn[2] >> 4, 12);
            let lit = u32::from_be_bytes(b[disp..disp + 4].try_into().unwrap()) as usize;
            assert_eq!(lit, k * 500 + j);
        }
    }
}

/// Issue #12 item 18: `USING *,0` at X'200' is an error (register 0 as a base stands for
/// address 0; HLASM Language Reference "Using general register zero", message ASMA302W),
/// and register 0 may only be the first base register; at address 0 it is allowed.
#[test]
fn using_register_0_needs_base_address_0() {
    let e = errs("T        START X'200'\n         USING *,0\nHERE     B     HERE\n");
    assert_eq!(
        e[0],
        "t.asm:2:16: error: USING with base register 0 needs base address 0, not X'200': register 0 as a base stands for address 0 (HLASM ASMA302W)"
    );
    let e = errs("         USING 0,5,0\n");
    assert_eq!(
        e,
        vec!["t.asm:1:20: error: register 0 can only be the first base register of a USING"]
    );
    // At address 0 register 0 is a base like any other, and the next register covers the
    // following 4096 bytes.
    let src = "T        CSECT\n         USING T,0,9\nHERE     B     HERE\n         DS    XL4096\nFAR      B     FAR\n";
    let a = img(src);
    assert_eq!(hex(&a[..4]), "47F00000");
    assert_eq!(hex(&a[4100..]), "47F09004");
}

/// Issue #12 item 18, other USING rules of the HLASM Language Reference ("USING
/// instruction", "Base registers for absolute addresses", "DROP instruction"): a range of
/// 4096 bytes per register, a USING on absolute zero preferred to the implicit register 0,
/// and a DROP of a register that only a labelled USING uses does not end it.
#[test]
fn using_range_absolute_preference_and_drop() {
    // X at base+4095 is addressable, Y at base+4096 is not.
    let e = errs(
        "         USING *,12\n         L     1,X\n         L     1,Y\n         DS    XL4087\nX        DC    X'01'\nY        DC    X'02'\n",
    );
    assert_eq!(
        e,
        vec![
            "t.asm:3:18: error: operand 2: address X'1000' is not addressable (no USING covers it)"
        ]
    );
    let a = img(
        "         USING *,12\n         L     1,X\n         DS    XL4091\nX        DC    X'01'\n",
    );
    assert_eq!(hex(&a[..4]), "5810CFFF");
    // USING 0,3: LA 7,5 is X'41703005' (without the USING X'41700005'); an absolute
    // USING beyond 4095 serves larger absolute addresses.
    assert_eq!(hex(&img("         LA    7,5\n")), "41700005");
    assert_eq!(
        hex(&img("         USING 0,3\n         LA    7,5\n")),
        "41703005"
    );
    assert_eq!(
        hex(&img(
            "         USING 4096,3\n         LA    7,5000\n         LA    7,5\n"
        )),
        "4170338841700005"
    );
    // Two registers with the same base: the higher-numbered one.
    assert_eq!(
        hex(&img(
            "         USING *,4\n         USING *,3\nX        LA    7,X\n"
        )),
        "41704000"
    );
    // DROP 5 does not end the labelled USING on register 5 (HLASM Language Reference,
    // "Labeled USING"; HLASM warns ASMA045W and ignores the register).
    let e = errs(
        "LBL      USING *,5\n         DROP  5\n         LA    7,LBL.X\nX        DC    X'01'\n",
    );
    assert_eq!(e, vec!["t.asm:2:16: error: register 5 is not in a USING"]);
    assert_eq!(
        hex(&img("LBL      USING *,5\n         LA    7,LBL.X\n         DROP  LBL\nX        DC    X'01'\n")),
        "4170500401"
    );
}
