//! MINICMS's line editor (issue #18) against R6's CMS EDIT as its HELPEDT / HELPEDT2 files
//! on the 19D describe it (see shared/docs/r6-help.md): LOCATE and `/string/`, FIND, CASE.
//! Each test drives the `vm390` binary's built-in default MINICMS session in scripted mode
//! and compares what the editor typed, line for line.

mod common;

use common::minicms::{default_session, replies, run};

/// Four lines, entered in INPUT mode (upper-cased: CASE U is the default for DATA).
const FOUR: &str = "EDIT T DATA A\nINPUT\nalpha one\nbeta two\ngamma three\nbeta four\n\n";

/// The editor's output of the first command of `out` (the EDIT session), from `INPUT:`'s
/// `EDIT:` on.
fn after_input(out: &str) -> Vec<String> {
    let r = replies(out);
    let e = &r[0];
    assert_eq!(e[..4], ["NEW FILE:", "EDIT:", "INPUT:", "EDIT:"], "{out}");
    e[4..].to_vec()
}

#[test]
fn locate_and_the_bare_string_form_search_from_the_next_line() {
    // LOCATE /s/, its abbreviation L, and /s/ alone: from the line after the current one,
    // verified (the line typed). Not found: EOF: (as R6's FIND and DOWN say), the
    // pointer at the last line (TYPE shows it); the search after an EOF: starts at the
    // top (FIND HELPEDT2, note 3).
    let input = format!(
        "{FOUR}TOP\nLOCATE /BETA/\nL /BETA/\n/beta/\n/ALPHA/\nTYPE\n/ALPHA/\nLOCATE .MA T.\n\
         LOCATE\nLIST\nQUIT\nLOGOFF\n"
    );
    let out = default_session(&input);
    assert_eq!(
        after_input(&out),
        [
            "TOF:",
            "BETA TWO",
            "BETA FOUR",
            "EOF:",
            "ALPHA ONE",
            "ALPHA ONE",
            "EOF:",
            "GAMMA THREE",
            "?EDIT: LOCATE",
            "GAMMA THREE",
        ],
        "{out}"
    );
}

#[test]
fn find_matches_from_column_1_only() {
    // FIND HELPEDT: the text after FIND and one blank, from column 1; FIND alone: down
    // one line. FIND HELPEDT2: at the bottom the search begins at the top; EOF: when not
    // found.
    let input = format!(
        "{FOUR}TOP\nFIND GAMMA\nFIND TWO\nTOP\nFIND\nF BETA\nFIND BETA\nFIND BETA\nFIND BETA\nQUIT\nLOGOFF\n"
    );
    let out = default_session(&input);
    assert_eq!(
        after_input(&out),
        [
            "TOF:",
            "GAMMA THREE",
            "EOF:",
            "TOF:",
            "ALPHA ONE",
            "BETA TWO",
            "BETA FOUR",
            "EOF:",
            "BETA TWO",
        ],
        "{out}"
    );
}

#[test]
fn case_m_keeps_lower_case_and_case_u_is_the_default() {
    // CASE HELPEDT: U (upper case) is the default except for MEMO and SCRIPT files; M keeps
    // what is typed. CASE HELPEDT2: CASE alone displays the setting.
    let input = format!(
        "{FOUR}CASE\nCASE m\nCASE\nINPUT Mixed Case\nCHANGE /Case/cASE/\nINPUT\nlower line\n\n\
         CHANGE /l/L/ 1 g\nTOP\nLOCATE /Mixed/\nCASE X\nCASE U\nINPUT upper\nFILE\nTYPE T DATA A\n\
         EDIT N MEMO A\nCASE\nQUIT\nLOGOFF\n"
    );
    let out = default_session(&input);
    assert_eq!(
        after_input(&out),
        [
            "CASE U",
            "CASE M",
            "Mixed cASE",
            "INPUT:",
            "EDIT:",
            "Lower Line",
            "TOF:",
            "Mixed cASE",
            "?EDIT: CASE X",
        ],
        "{out}"
    );
    let r = replies(&out);
    assert_eq!(
        r[1],
        [
            "ALPHA ONE",
            "BETA TWO",
            "GAMMA THREE",
            "BETA FOUR",
            "Mixed cASE",
            "UPPER",
            "Lower Line",
        ],
        "{out}"
    );
    assert_eq!(r[2], ["NEW FILE:", "EDIT:", "CASE M"], "{out}");
}

#[test]
fn lines_beyond_the_truncation_column_say_truncated() {
    // A new file is F 80 (EDIT HELPEDT: "All new files have a record length of 80"): the
    // truncation column is 80; a longer line is cut there and the editor says TRUNCATED
    // instead of cutting it silently. TRUNC n sets the column (1 to the record length),
    // TRUNC * the record length again; anything else is an error (?EDIT:). CHANGE cuts
    // at the truncation column too (CHANGE HELPEDT2, note 6).
    let l100: String = (1..=100)
        .map(|i| char::from(b'0' + (i % 10) as u8))
        .collect();
    let input = format!(
        "EDIT T DATA A\nINPUT {l100}\nTRUNC 10\nINPUT\nabcdefghijklmnop\nshort\n\n\
         TRUNC 81\nTRUNC 0\nTRUNC X\nTRUNC 1 2\nTRUNC 20\nUP\nCHANGE /ABC/ABCDEFGHIJKLMNOPQRSTUVWXYZ/\n\
         TRUNC *\nINPUT {l100}\nFILE\nTYPE T DATA A\nLOGOFF\n"
    );
    let out = default_session(&input);
    let r = replies(&out);
    let l80 = &l100[..80];
    assert_eq!(
        r[0],
        [
            "NEW FILE:",
            "EDIT:",
            "TRUNCATED",
            "INPUT:",
            "TRUNCATED",
            "EDIT:",
            "?EDIT: TRUNC 81",
            "?EDIT: TRUNC 0",
            "?EDIT: TRUNC X",
            "?EDIT: TRUNC 1 2",
            "ABCDEFGHIJ",
            "TRUNCATED",
            "ABCDEFGHIJKLMNOPQRST",
            "TRUNCATED",
        ],
        "{out}"
    );
    assert_eq!(r[1], [l80, "ABCDEFGHIJKLMNOPQRST", l80, "SHORT"], "{out}");
}

#[test]
fn records_longer_than_80_are_kept_and_trunc_goes_to_the_lrecl() {
    // EDIT HELPEDT, LRECL: "Existing record length is kept regardless of format". An F
    // file of LRECL 121 (a LISTING on the 19D) and a V file with a record over 80 bytes:
    // the long records are shown whole; TRUNC goes up to the record length (121 for the
    // F file, 255 for V), not beyond.
    let Some(shared) = common::shared(&["shared_19D.cckd"]) else {
        return;
    };
    let mut disk = common::CmsDisk::open(&shared.join("shared_19D.cckd"));
    let files = disk.files();
    let pick = |disk: &mut common::CmsDisk, recfm: char| {
        files
            .iter()
            .filter(|f| f.recfm == recfm && f.lrecl > 80)
            .find_map(|f| {
                let text = disk.text(f);
                let k = text.iter().position(|l| {
                    let l = l.trim_end();
                    l.len() > 80 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ')
                })?;
                Some((f.clone(), k + 1, text[k].trim_end().to_string()))
            })
            .expect("a file of the 19D with a long record")
    };
    let (ff, fk, fline) = pick(&mut disk, 'F');
    let (vf, vk, vline) = pick(&mut disk, 'V');
    let t = common::with_19d(&shared);
    let input = format!(
        "ACCESS 19D B\nEDIT {} {} B\nNEXT {fk}\nTRUNC {}\nTRUNC {}\nQUIT\n\
         EDIT {} {} B\nNEXT {vk}\nTRUNC 255\nTRUNC 256\nQUIT\n#CP LOGOFF\n",
        ff.name,
        ff.ftype,
        ff.lrecl,
        ff.lrecl + 1,
        vf.name,
        vf.ftype,
    );
    let direct = t.path().join("mini.direct");
    let out = run(
        &[
            "--directory",
            &direct.to_string_lossy(),
            "--logon",
            "CMSUSER",
        ],
        &input,
        t.path(),
    );
    let r = replies(&out);
    assert_eq!(
        r[1],
        [
            "EDIT:".to_string(),
            fline,
            format!("?EDIT: TRUNC {}", ff.lrecl + 1)
        ],
        "{out}"
    );
    assert_eq!(
        r[2],
        ["EDIT:".to_string(), vline, "?EDIT: TRUNC 256".to_string()],
        "{out}"
    );
}

#[test]
fn equals_repeats_and_question_mark_types_the_last_subcommand() {
    // FIND HELPEDT2: after EOF: "you may use the REUSE (=) command to search again,
    // beginning at the top of the file"; ? types the last subcommand (as typed, with CASE
    // M). Neither = nor ? becomes the last subcommand; before any subcommand both do
    // nothing.
    let input = "EDIT T DATA A\n=\n?\nINPUT\nbeta one\nbeta two\nbeta three\n\nTOP\n\
                 LOCATE /BETA/\n=\n?\n=\n=\n=\nCASE M\nINPUT Hello there\nTYPE\n?\n\
                 CHANGE /e/E/\n=\nQUIT\nLOGOFF\n";
    let out = default_session(input);
    assert_eq!(
        replies(&out)[0],
        [
            "NEW FILE:",
            "EDIT:",
            "INPUT:",
            "EDIT:",
            "TOF:",
            "BETA ONE",
            "BETA TWO",
            "LOCATE /BETA/",
            "BETA THREE",
            "EOF:",
            "BETA ONE",
            "Hello there",
            "TYPE",
            "HEllo there",
            "HEllo thEre",
        ],
        "{out}"
    );
}

#[test]
fn save_writes_the_file_and_editing_goes_on() {
    // SAVE [fn [ft [fm]]]: FILE's operands, but the session goes on (a later QUIT leaves
    // what SAVE wrote); with a new name the file is saved under it from then on.
    let input = "EDIT S DATA A\nINPUT ONE\nSAVE\nINPUT TWO\nSAVE OTHER\nINPUT THREE\nQUIT\n\
                 TYPE S DATA A\nTYPE OTHER DATA A\nLISTFILE * * A\nLOGOFF\n";
    let out = default_session(input);
    let r = replies(&out);
    assert_eq!(r[0], ["NEW FILE:", "EDIT:"], "{out}");
    assert_eq!(r[1], ["ONE"], "{out}");
    assert_eq!(r[2], ["ONE", "TWO"], "{out}");
    assert_eq!(
        r[3],
        ["S        DATA     A1", "OTHER    DATA     A1"],
        "{out}"
    );
}

#[test]
fn replace_insert_and_verify() {
    // REPLACE line: the current line replaced; REPLACE alone: it goes and INPUT mode takes
    // its place; at the top of the file REPLACE is INPUT. INSERT line adds a line after the
    // current one. VERIFY OFF: moves do not type the line (TYPE still does, TOF: is still
    // said); VERIFY alone or ON: on again; anything else ?EDIT:.
    let input = "EDIT R DATA A\nINPUT\nONE\nTWO\nTHREE\n\nTOP\nNEXT\nREPLACE UNO\nNEXT\n\
                 REPLACE\nDOS\nZWEI\n\nINSERT VIER\nTOP\nREPLACE NULL\nVERIFY OFF\nTOP\n\
                 NEXT 2\nTYPE\n/THREE/\nVERIFY X\nVERIFY\nUP\nFILE\nTYPE R DATA A\nLOGOFF\n";
    let out = default_session(input);
    let r = replies(&out);
    assert_eq!(
        r[0],
        [
            "NEW FILE:",
            "EDIT:",
            "INPUT:",
            "EDIT:",
            "TOF:",
            "ONE",
            "TWO",
            "INPUT:",
            "EDIT:",
            "TOF:",
            "TOF:",
            "UNO",
            "?EDIT: VERIFY X",
            "VIER",
        ],
        "{out}"
    );
    assert_eq!(
        r[1],
        ["NULL", "UNO", "DOS", "ZWEI", "VIER", "THREE"],
        "{out}"
    );
}

#[test]
fn zone_limits_locate_and_change() {
    // ZONE first [last|*]: LOCATE and CHANGE look at those columns only (CHANGE HELPEDT2,
    // note 5: "Use the ZONE subcommand to indicate which columns are to be searched for
    // string1"); the columns outside are kept as they are; FIND still matches column 1;
    // ZONE alone: the whole line again; a bad zone is ?EDIT: and leaves the zone as it was.
    let input = "EDIT Z DATA A\nINPUT\nAB AB AB\nXX AB\nAB\nABCABC\n\nTOP\nZONE 3 5\n/AB/\n/AB/\n\
                 /AB/\nTOP\nNEXT\nCHANGE /AB/ZZ/ * G\nZONE 4 *\nTOP\nNEXT\nCHANGE /AB/Q/ * G\n\
                 ZONE 0\nZONE 5 4\nZONE 81\nZONE 1 81\nZONE 1 2 3\nZONE X\nTOP\n/Q/\n/AB/\nZONE\n\
                 TOP\n/AB/\nFIND AB\nFILE\nTYPE Z DATA A\nLOGOFF\n";
    let out = default_session(input);
    let r = replies(&out);
    assert_eq!(
        after_input(&out),
        [
            "TOF:",
            "AB AB AB",
            "XX AB",
            "ABCABC",
            "TOF:",
            "AB AB AB",
            "AB ZZ AB",
            "XX ZZ",
            "ABCZZC",
            "TOF:",
            "AB ZZ AB",
            "AB ZZ Q",
            "?EDIT: ZONE 0",
            "?EDIT: ZONE 5 4",
            "?EDIT: ZONE 81",
            "?EDIT: ZONE 1 81",
            "?EDIT: ZONE 1 2 3",
            "?EDIT: ZONE X",
            "TOF:",
            "AB ZZ Q",
            "EOF:",
            "TOF:",
            "AB ZZ Q",
            "AB",
        ],
        "{out}"
    );
    assert_eq!(r[1], ["AB ZZ Q", "XX ZZ", "AB", "ABCZZC"], "{out}");
}

#[test]
fn serial_numbers_columns_73_to_80() {
    // SERIAL ON: FILE and SAVE write the first three characters of the file name and the
    // line's number times 10 (5 digits) in columns 73-80 of an F 80 file; SERIAL seq incr
    // another identifier and step; SERIAL OFF none; bad operands are ?EDIT:.
    let input = "EDIT SER DATA A\nINPUT\nONE\nTWO\n\nSERIAL ON\nSAVE\nSERIAL AB 5\nSAVE S2\n\
                 SERIAL ABCD\nSERIAL AB 0\nSERIAL\nSERIAL OFF\nFILE S3\nTYPE SER DATA A\n\
                 TYPE S2 DATA A\nTYPE S3 DATA A\nLOGOFF\n";
    let out = default_session(input);
    let r = replies(&out);
    assert_eq!(
        after_input(&out),
        ["?EDIT: SERIAL ABCD", "?EDIT: SERIAL AB 0", "?EDIT: SERIAL"],
        "{out}"
    );
    let pad = |s: &str, serial: &str| format!("{s:<72}{serial}");
    assert_eq!(
        r[1],
        [pad("ONE", "SER00010"), pad("TWO", "SER00020")],
        "{out}"
    );
    assert_eq!(
        r[2],
        [pad("ONE", "AB 00005"), pad("TWO", "AB 00010")],
        "{out}"
    );
    assert_eq!(r[3], ["ONE", "TWO"], "{out}");
}
