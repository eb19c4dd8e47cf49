//! Scaling of the assembler: times N and 10N literals, continuation lines and statements and
//! prints the ratio of the two times (about 10 for linear work, about 100 for quadratic).
//!
//! `cargo bench -p guests --bench asm_scaling` (add `-- N` for another N, default 20000, and case names to run only those).

use std::time::Instant;

/// `n` distinct fullword literals, one `L` each, in pools of 500 (LTORG) each under a
/// USING of its own.
fn literals(n: usize) -> String {
    let mut s = String::from("T        CSECT\n");
    for i in 0..n {
        if i % 500 == 0 {
            s.push_str("         LTORG\n         USING *,12\n");
        }
        s.push_str(&format!("         L     1,=F'{i}'\n"));
    }
    s.push_str("         END\n");
    s
}

/// One DC statement continued over `n` lines.
fn continuations(n: usize) -> String {
    let mut s = String::from("T        CSECT\n");
    let first = "         DC    X'00',";
    s.push_str(&format!("{first:<71}X\n"));
    for i in 1..n {
        let body = if i + 1 == n { "X'00'" } else { "X'00'," };
        let line = format!("               {body}");
        if i + 1 == n {
            s.push_str(&format!("{line}\n"));
        } else {
            s.push_str(&format!("{line:<71}X\n"));
        }
    }
    s.push_str("         END\n");
    s
}

/// `n` plain statements, every tenth labelled and referenced under a USING of its own.
fn statements(n: usize) -> String {
    let mut s = String::from("T        CSECT\n");
    for i in 0..n {
        if i % 10 == 0 {
            s.push_str(&format!(
                "         USING *,12\nL{i:<7} LR    1,2\n         LA    3,L{i}\n"
            ));
        } else {
            s.push_str("         AR    1,2\n");
        }
    }
    s.push_str("         END\n");
    s
}

fn time(src: &str) -> f64 {
    let t = Instant::now();
    let a = guests::asm::assemble("bench.asm", src);
    let secs = t.elapsed().as_secs_f64();
    if let Err(d) = a {
        panic!(
            "benchmark source does not assemble: {:?}",
            &d[..d.len().min(3)]
        );
    }
    secs
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(20_000);
    // A case name on the command line runs only that case.
    let only: Vec<&String> = args
        .iter()
        .filter(|a| a.chars().all(|c| c.is_ascii_lowercase()))
        .collect();
    println!(
        "{:<14} {:>9} {:>10} {:>10} {:>7}",
        "case", "N", "t(N) s", "t(10N) s", "ratio"
    );
    type Gen = fn(usize) -> String;
    let cases: [(&str, Gen, usize); 3] = [
        ("literals", literals, n),
        ("continuations", continuations, n),
        ("statements", statements, n * 5),
    ];
    for (name, gen, n) in cases {
        if !only.is_empty() && !only.iter().any(|o| *o == name) {
            continue;
        }
        let small = time(&gen(n));
        let big = time(&gen(n * 10));
        println!(
            "{name:<14} {n:>9} {small:>10.3} {big:>10.3} {:>7.1}",
            big / small
        );
    }
}
