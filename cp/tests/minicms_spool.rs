//! MINICMS's spool commands (issue #13, "One CP, many virtual machines"): PUNCH, PRINT,
//! READCARD, QUERY READER and TELL, driven through the `vm390` binary on the built-in
//! default (user VM390, whose virtual machine has a reader 00C, a punch 00D and a printer
//! 00E). The header card and READCARD's messages are R6's (PUNCH and READCARD HELPCMD /
//! HELPCMD2 on the 19D).

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;

/// A data directory of the built-in default in a temporary directory (HOME there too).
struct Default {
    tmp: tempfile::TempDir,
}

impl Default {
    fn new() -> Default {
        Default {
            tmp: tempfile::tempdir().unwrap(),
        }
    }

    fn data(&self) -> PathBuf {
        self.tmp.path().join("data")
    }

    /// A MINICMS session with `input`; its console output. The guest must neither stop
    /// nor take a program check.
    fn session(&self, input: &str) -> String {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vm390"));
        cmd.arg("--data-dir")
            .arg(self.data())
            .env("HOME", self.tmp.path())
            .env("XDG_DATA_HOME", self.tmp.path().join("xdg"))
            .current_dir(self.tmp.path())
            .stderr(Stdio::piped());
        let (code, out, err) = common::run_script(cmd, input, Duration::from_secs(120));
        assert_eq!(code, 0, "exit code; stderr:\n{err}\nstdout:\n{out}");
        assert!(!out.contains("DMKDSP"), "the guest stopped:\n{out}");
        assert!(!out.contains("DMSABN"), "program check:\n{out}");
        out
    }

    /// A session of `user` on the data directory's `vm390.direct` (`--directory`, as the
    /// default writes it, with whatever users a test added).
    fn session_as(&self, user: &str, input: &str) -> String {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vm390"));
        cmd.arg("--directory")
            .arg(self.data().join("vm390.direct"))
            .args(["--logon", user])
            .env("HOME", self.tmp.path())
            .current_dir(self.tmp.path())
            .stderr(Stdio::piped());
        let (code, out, err) = common::run_script(cmd, input, Duration::from_secs(120));
        assert_eq!(code, 0, "exit code; stderr:\n{err}\nstdout:\n{out}");
        assert!(!out.contains("DMKDSP"), "the guest stopped:\n{out}");
        assert!(!out.contains("DMSABN"), "program check:\n{out}");
        out
    }

    /// `vm390 spool export ID FILE --data-dir DATA`: the file's text.
    fn export(&self, id: u32) -> String {
        let file = self.tmp.path().join(format!("export{id}.txt"));
        let out = Command::new(env!("CARGO_BIN_EXE_vm390"))
            .args(["spool", "export", &id.to_string()])
            .arg(&file)
            .arg("--data-dir")
            .arg(self.data())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "export {id}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read_to_string(&file).unwrap()
    }
}

/// The console lines of the `k`-th command of a script (1-based): those between the
/// `Ready` line before it (the first `Ready` follows the logon) and its own `Ready`.
fn response(out: &str, k: usize) -> Vec<String> {
    let lines: Vec<&str> = out.lines().collect();
    let readies: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("Ready"))
        .map(|(i, _)| i)
        .collect();
    assert!(readies.len() > k, "fewer than {k} commands ended:\n{out}");
    lines[readies[k - 1] + 1..readies[k]]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// Makes the file HELLO DATA A1 with EDIT: three records.
const MAKE_HELLO: &str = "EDIT HELLO DATA\nINPUT\nLINE ONE\n  LINE TWO\nLAST LINE\n\nFILE\n";

/// PUNCH with its header card to one's own reader: the reader file (QUERY READER) has
/// the header and the records as 80-byte cards, named after the file; the header card
/// has R6's layout; READCARD * makes the file again under its own name (DMSRDC702I shows
/// the card), with the same records, F 80.
#[test]
fn punch_to_own_reader_and_readcard_it_back() {
    let d = Default::new();
    let out = d.session(&format!(
        "{MAKE_HELLO}CP SPOOL PUNCH TO *\nPUNCH HELLO DATA\nQUERY READER\nLOGOFF\n"
    ));
    assert!(
        out.contains("PUN FILE 0001 TO VM390 COPY 001 NOHOLD"),
        "{out}"
    );
    // QUERY READER: CP's QUERY READER ALL, with the name and type CLOSE gave the file.
    let q = response(&out, 4);
    assert_eq!(q.len(), 2, "{out}");
    assert!(q[0].starts_with("OWNERID  FILE CLASS RECDS"), "{q:?}");
    assert!(
        q[1].starts_with("VM390    0001 A PUN 000004 01  NONE"),
        "{q:?}"
    );
    assert!(q[1].contains("HELLO     DATA"), "{q:?}");

    // The deck, as the spool holds it: the header card (PUNCH HELPCMD, "Header Control
    // Card"), then the records (trailing blanks dropped by export).
    let deck = d.export(1);
    let cards: Vec<&str> = deck.lines().collect();
    assert_eq!(cards.len(), 4, "{deck}");
    let h = cards[0];
    assert_eq!(&h[0..5], ":READ", "{h:?}");
    assert_eq!(&h[5..7], "  ", "{h:?}");
    assert_eq!(&h[7..15], "HELLO   ", "{h:?}");
    assert_eq!(&h[15..16], " ", "{h:?}");
    assert_eq!(&h[16..24], "DATA    ", "{h:?}");
    assert_eq!(&h[24..25], " ", "{h:?}");
    assert_eq!(&h[25..27], "A1", "{h:?}");
    assert_eq!(&h[27..28], " ", "{h:?}");
    assert_eq!(&h[28..34], "VM3191", "{h:?}"); // the 191's label
    assert_eq!(&h[34..35], " ", "{h:?}");
    let date = &h.as_bytes()[35..43];
    assert!(
        date[2] == b'/'
            && date[5] == b'/'
            && date.iter().filter(|b| b.is_ascii_digit()).count() == 6,
        "{h:?}"
    );
    assert_eq!(&h[43..45], "  ", "{h:?}");
    let time = &h.as_bytes()[45..50];
    assert!(
        time[2] == b':' && time.iter().filter(|b| b.is_ascii_digit()).count() == 4,
        "{h:?}"
    );
    assert_eq!(h.len(), 50, "columns 51-80 are blank: {h:?}");
    assert_eq!(&cards[1..], ["LINE ONE", "  LINE TWO", "LAST LINE"]);

    // READCARD * in a new session: the deck is still in the reader; the file comes back
    // under its own name (the old one is replaced) and the reader is empty afterwards.
    let out = d.session(
        "ERASE HELLO DATA\nREADCARD *\nLISTFILE * * A (DATE\nTYPE HELLO DATA\nQUERY READER\n\
         READCARD *\nLOGOFF\n",
    );
    let r = response(&out, 2);
    assert_eq!(r, [h.to_string()], "{out}");
    let l = response(&out, 3);
    assert_eq!(l.len(), 1, "{out}");
    assert!(
        l[0].starts_with("HELLO    DATA      A1  F    80      3      1 "),
        "{l:?}"
    );
    assert_eq!(
        response(&out, 4),
        ["LINE ONE", "  LINE TWO", "LAST LINE"],
        "{out}"
    );
    assert_eq!(response(&out, 5), ["NO RDR FILES"], "{out}");
    // An empty reader: R6's DMSRDC701I NULL FILE, and no file.
    assert_eq!(response(&out, 6), ["NULL FILE"], "{out}");
}

/// PUNCH (NOHEADER TO *: the records alone, to one's own reader (PUNCH spools the punch
/// there itself); READCARD fn ft names the file; READCARD * with no :READ card first makes
/// READCARD CMSUT1 A1 with R6's two messages; a deck with several :READ cards makes
/// several files, with the mode numbers the cards give.
#[test]
fn readcard_names_and_control_cards() {
    let d = Default::new();
    let out = d.session(&format!(
        "{MAKE_HELLO}PUNCH HELLO DATA (NOH TO *\nREADCARD NEW COPY\nTYPE NEW COPY\n\
         LISTFILE NEW COPY A (DATE\n\
         PU HELLO DATA A (NOHEADER\nREADCARD *\nTYPE READCARD CMSUT1\n\
         EDIT DECK DATA\nINPUT\n:READ FIRST FILE\nALPHA\n:READ SECOND FILE A2 MORE\nBETA\nGAMMA\n\n\
         FILE\nPUNCH DECK DATA (NOH\nREAD *\nLISTFILE * FILE A\nTYPE FIRST FILE\nTYPE SECOND FILE\n\
         PUNCH DECK DATA (NOH\nREADCARD WHOLE DECK\nTYPE WHOLE DECK\nLOGOFF\n"
    ));
    // The punch goes to the reader: CP says so when CLOSE sends the file.
    assert_eq!(
        response(&out, 2),
        ["PUN FILE 0001 TO VM390 COPY 001 NOHOLD"],
        "{out}"
    );
    assert!(response(&out, 3).is_empty(), "{out}");
    assert_eq!(
        response(&out, 4),
        ["LINE ONE", "  LINE TWO", "LAST LINE"],
        "{out}"
    );
    let l = response(&out, 5);
    assert!(
        l[0].starts_with("NEW      COPY      A1  F    80      3      1 "),
        "{l:?}"
    );
    // The punch is still spooled to the reader.
    assert_eq!(
        response(&out, 6),
        ["PUN FILE 0002 TO VM390 COPY 001 NOHOLD"],
        "{out}"
    );
    assert_eq!(
        response(&out, 7),
        [
            "READ CONTROL CARD MISSING. FOLLOWING ASSUMED:",
            ":READ READCARD CMSUT1 A1"
        ],
        "{out}"
    );
    assert_eq!(
        response(&out, 8),
        ["LINE ONE", "  LINE TWO", "LAST LINE"],
        "{out}"
    );
    // EDIT (one Ready), PUNCH, READ *.
    assert_eq!(
        response(&out, 11),
        [":READ FIRST FILE", ":READ SECOND FILE A2 MORE"],
        "{out}"
    );
    assert_eq!(
        response(&out, 12),
        ["FIRST    FILE     A1", "SECOND   FILE     A2"],
        "{out}"
    );
    assert_eq!(response(&out, 13), ["ALPHA"], "{out}");
    assert_eq!(response(&out, 14), ["BETA", "GAMMA"], "{out}");
    // READCARD fn ft: the whole deck, :READ cards and all (READCARD HELPCMD2, note 3).
    assert_eq!(
        response(&out, 17),
        [
            ":READ FIRST FILE",
            "ALPHA",
            ":READ SECOND FILE A2 MORE",
            "BETA",
            "GAMMA"
        ],
        "{out}"
    );
}

/// PRINT: the records as printer lines, a spool file named after the file in one's own
/// printer queue, that `vm390 spool export` writes as text. TELL: CP's MSG, here to
/// oneself. Errors: a missing file, a bad option, an incomplete file id.
#[test]
fn print_tell_and_errors() {
    let d = Default::new();
    let out = d.session(&format!(
        "{MAKE_HELLO}PRINT HELLO DATA\nCP QUERY PRINTER ALL\nTELL * HELLO THERE\n\
         TELL VM390 SECOND ONE\nPUNCH NOPE DATA\nPUNCH HELLO DATA (BOGUS\nPRINT HELLO DATA (CC\n\
         PUNCH HELLO\nREADCARD\nREADCARD X Y Q\nLOGOFF\n"
    ));
    assert!(response(&out, 2).is_empty(), "{out}");
    let q = response(&out, 3);
    assert!(
        q[1].starts_with("VM390    0001 A PRT 000003 01  NONE"),
        "{q:?}"
    );
    assert!(q[1].contains("HELLO     DATA"), "{q:?}");
    // `hh:mm:ss MSG FROM userid: text` (GC20-1820, MESSAGE, "Responses").
    let msg = |n: usize| {
        let r = response(&out, n);
        assert_eq!(r.len(), 1, "{out}");
        let (time, rest) = r[0].split_at(8);
        assert!(
            time.len() == 8 && time.chars().filter(|c| *c == ':').count() == 2,
            "{out}"
        );
        rest.to_string()
    };
    assert_eq!(msg(4), " MSG FROM VM390: HELLO THERE", "{out}");
    assert_eq!(msg(5), " MSG FROM VM390: SECOND ONE", "{out}");
    assert_eq!(response(&out, 6), ["File 'NOPE DATA' not found."], "{out}");
    assert_eq!(response(&out, 7), ["Invalid option 'BOGUS'."], "{out}");
    assert_eq!(response(&out, 8), ["Invalid option 'CC'."], "{out}");
    assert_eq!(response(&out, 9), ["Incomplete fileID specified."], "{out}");
    assert_eq!(
        response(&out, 10),
        ["Incomplete fileID specified."],
        "{out}"
    );
    assert_eq!(response(&out, 11), ["Disk 'Q' not accessed."], "{out}");
    assert!(out.contains("Ready(00028);"), "{out}");
    assert_eq!(d.export(1), "LINE ONE\n  LINE TWO\nLAST LINE\n");
    // Nothing went to the reader.
    let out = d.session("QUERY RDR\nLOGOFF\n");
    assert_eq!(response(&out, 1), ["NO RDR FILES"], "{out}");
}

/// Two MINICMS users exchange a file through the spool: VM390 punches HELLO DATA with
/// PUNCH (TO OTHER; OTHER (a second user added to the default's directory, with a copy of
/// the fresh 191 as its own A-disk) finds it in its reader and READCARD * makes the file
/// there. TELL to a user who is not logged on gives CP's message and return code.
#[test]
fn two_users_exchange_a_file() {
    let d = Default::new();
    d.session("LOGOFF\n");
    let data = d.data();
    std::fs::copy(data.join("vm390_191.cckd"), data.join("other_191.cckd")).unwrap();
    let direct = data.join("vm390.direct");
    let mut text = std::fs::read_to_string(&direct).unwrap();
    text.push_str(
        "DASD OTH191 3350 other_191.cckd\n\
         USER OTHER OTHER 4M 16M G\n IPL MINICMS\n CONSOLE 009 3215\n \
         SPOOL 00C 2540 READER A\n SPOOL 00D 2540 PUNCH A\n SPOOL 00E 1403 A\n \
         MDISK 191 3350 000 003 OTH191 MR\n",
    );
    std::fs::write(&direct, text).unwrap();
    let out = d.session_as(
        "VM390",
        "EDIT HELLO DATA\nINPUT\nFROM VM390\nTO OTHER\n\nFILE\nPUNCH HELLO DATA (TO OTHER\n\
         TELL OTHER HI\nQUERY READER\nLOGOFF\n",
    );
    assert_eq!(
        response(&out, 2),
        ["PUN FILE 0001 TO OTHER COPY 001 NOHOLD"],
        "{out}"
    );
    assert_eq!(
        response(&out, 3),
        ["DMKMSG045E OTHER NOT LOGGED ON"],
        "{out}"
    );
    assert!(out.contains("Ready(00045);"), "{out}");
    assert_eq!(response(&out, 4), ["NO RDR FILES"], "{out}");
    let out = d.session_as(
        "OTHER",
        "LISTFILE\nQUERY READER\nREADCARD *\nTYPE HELLO DATA\nQUERY READER\nLOGOFF\n",
    );
    assert_eq!(response(&out, 1), ["File not found."], "{out}");
    let q = response(&out, 2);
    assert!(
        q[1].starts_with("VM390    0001 A PUN 000003 01  NONE") && q[1].contains("HELLO     DATA"),
        "{q:?}"
    );
    let r = response(&out, 3);
    assert!(
        r.len() == 1 && r[0].starts_with(":READ  HELLO    DATA     A1 VM3191 "),
        "{r:?}"
    );
    assert_eq!(response(&out, 4), ["FROM VM390", "TO OTHER"], "{out}");
    assert_eq!(response(&out, 5), ["NO RDR FILES"], "{out}");
}

/// READCARD on a disk without room for the deck: DMSRDC104S Error '13' before the disk is
/// full, nothing written, and the reader file stays whole in the reader (READCARD HELPCMD2,
/// note 9); once there is room the same READCARD reads all of it.
#[test]
fn a_full_disk_keeps_the_deck_in_the_reader() {
    let d = Default::new();
    let cards: Vec<String> = (0..40)
        .map(|i| format!("CARD NUMBER {i:03} OF THE BIG DECK"))
        .collect();
    let mut script = format!(
        "EDIT BIG DATA\nINPUT\n{}\n\nFILE\nCP SPOOL PUNCH TO *\nPUNCH BIG DATA (NOH\n",
        cards.join("\n")
    );
    // 400 copies of 5 blocks each are more than the 3-cylinder 191 holds.
    for i in 0..400 {
        script.push_str(&format!("COPYFILE BIG DATA A F{i} DATA A\n"));
    }
    script.push_str("QUERY DISK\nLOGOFF\n");
    let out = d.session(&script);
    assert!(
        out.contains("PUN FILE 0001 TO VM390 COPY 001 NOHOLD"),
        "{out}"
    );
    assert!(out.contains("Error '13'"), "the disk did not fill up");
    let out = d.session(
        "READCARD X Y\nQUERY READER\nLISTFILE X Y\nERASE F1* DATA\nREADCARD X Y\nTYPE X Y\n\
         QUERY READER\nLOGOFF\n",
    );
    assert_eq!(
        response(&out, 1),
        ["Error '13' reading or writing the disk."],
        "{out}"
    );
    assert!(out.contains("Ready(00100);"), "{out}");
    let q = response(&out, 2);
    assert!(
        q.len() == 2 && q[1].starts_with("VM390    0001 A PUN 000040 01  NONE"),
        "{q:?}"
    );
    assert_eq!(response(&out, 3), ["File not found."], "{out}");
    assert!(response(&out, 5).is_empty(), "{out}");
    assert_eq!(response(&out, 6), cards, "{out}");
    assert_eq!(response(&out, 7), ["NO RDR FILES"], "{out}");
}
