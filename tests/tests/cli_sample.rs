//! End-to-end tests of `nglab sample` on the committed order-3 KenLM model of
//! the Brown 2k fixture.

use std::path::{Path, PathBuf};

mod common;

fn arpa() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/kenlm/brown-2k.o3.arpa")
}

fn sample(args: &[&str]) -> std::process::Output {
    let model = arpa();
    common::nglab(&[&["sample", "--model", model.to_str().expect("UTF-8 path")], args].concat())
}

#[test]
fn same_seed_same_bytes_whatever_the_threads() {
    let one = common::stdout_ok(&sample(&["--sentences", "600", "--seed", "5", "--threads", "1"]));
    let three = common::stdout_ok(&sample(&["--sentences", "600", "--seed", "5", "--threads", "3"]));
    assert_eq!(one, three);
    assert_eq!(one.lines().count(), 600);
    let other = common::stdout_ok(&sample(&["--sentences", "600", "--seed", "6", "--threads", "2"]));
    assert_ne!(one, other);
    assert!(!one.contains("<s>") && !one.contains("</s>") && !one.contains("<unk>"));
}

#[test]
fn token_budget_top_p_and_out_file() {
    let dir = common::scratch_dir("cli-sample");
    let out = dir.join("gen.txt");
    let args =
        ["--tokens", "3000", "--seed", "1", "--top-p", "0.9", "--temperature", "0.8", "--threads", "2"];
    let run = sample(&[&args[..], &["--out", out.to_str().expect("UTF-8 path")]].concat());
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let text = std::fs::read_to_string(&out).expect("the output file");
    let words: Vec<usize> = text.lines().map(|l| l.split(' ').filter(|w| !w.is_empty()).count()).collect();
    let total: usize = words.iter().sum();
    assert!(total >= 3000 && total - words.last().expect("some sentences") < 3000, "{total} tokens");
    // No temporary file is left beside the output.
    assert_eq!(std::fs::read_dir(&dir).expect("scratch dir").count(), 1);
}

#[test]
fn prefixes_are_continued() {
    let dir = common::scratch_dir("cli-sample-prefix");
    let prompts = dir.join("prompts.txt");
    std::fs::write(&prompts, "The jury said that it was\nIt is\n").expect("writing prompts");
    let p = prompts.to_str().expect("UTF-8 path");
    let text = common::stdout_ok(&sample(&["--prefix-file", p, "--prefix-tokens", "3", "--seed", "2"]));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with("The jury said"), "{text}");
    assert!(lines[1].starts_with("It is"), "{text}");
}

#[test]
fn beam_search_writes_the_best_sentences() {
    // Width 1 is greedy decoding with <unk> kept (ties to the smaller id in both).
    let beam1 = common::stdout_ok(&sample(&["--beam", "1", "--max-len", "40"]));
    let greedy = common::stdout_ok(&sample(&[
        "--greedy",
        "--unk",
        "keep",
        "--sentences",
        "1",
        "--seed",
        "3",
        "--max-len",
        "40",
    ]));
    assert_eq!(beam1, greedy);
    let three = common::stdout_ok(&sample(&["--beam", "5", "--sentences", "3"]));
    assert_eq!(three.lines().count(), 3, "{three}");
    assert_eq!(three, common::stdout_ok(&sample(&["--beam", "5", "--sentences", "3"])), "no randomness");
    // A wider beam finds a sentence at least as probable; here a different one.
    assert_ne!(three.lines().next(), beam1.lines().next(), "{three}");

    let dir = common::scratch_dir("cli-sample-beam");
    let prompts = dir.join("prompts.txt");
    std::fs::write(&prompts, "The jury said that it was\nIt is\nHe\n").expect("writing prompts");
    let p = prompts.to_str().expect("UTF-8 path");
    let args = ["--beam", "4", "--prefix-file", p, "--prefix-tokens", "3", "--max-len", "30"];
    let one = common::stdout_ok(&sample(&[&args[..], &["--threads", "1"]].concat()));
    let lines: Vec<&str> = one.lines().collect();
    assert_eq!(lines.len(), 3, "{one}");
    assert!(
        lines[0].starts_with("The jury said") && lines[1].starts_with("It is") && lines[2].starts_with("He")
    );
    assert_eq!(one, common::stdout_ok(&sample(&[&args[..], &["--threads", "3"]].concat())));
}

#[test]
fn bad_options_fail_on_one_line() {
    let check = |args: &[&str], expect: &str| common::one_line_error(&sample(args), expect);
    check(
        &["--sentences", "3", "--seed", "1", "--temperature", "0"],
        "temperature must be finite and > 0, got 0",
    );
    check(&["--sentences", "3", "--seed", "1", "--top-p", "1.5"], "top-p must be in (0, 1], got 1.5");
    check(&["--sentences", "3", "--seed", "1", "--top-k", "0"], "top-k must be >= 1, got 0");
    check(&["--sentences", "3", "--seed", "1", "--min-p", "1"], "min-p must be in [0, 1), got 1");
    check(&["--sentences", "3", "--seed", "1", "--unk", "maybe"], "got 'maybe'");
    // Negative numbers are values, and flag errors are one line too.
    check(
        &["--sentences", "3", "--seed", "1", "--temperature", "-1"],
        "temperature must be finite and > 0, got -1",
    );
    check(&["--sentences", "3", "--seed", "1", "--top-p", "-0.5"], "top-p must be in (0, 1], got -0.5");
    check(&["--sentences", "3", "--seed", "1", "--top-k", "x"], "invalid value 'x' for '--top-k");
    check(&["--sentences", "3"], "required arguments were not provided: --seed");
    check(&["--beam", "0"], "--beam must be >= 1, got 0");
    check(&["--beam", "2", "--sentences", "3"], "--sentences 3 is more than the beam keeps (--beam 2)");
    check(&["--beam", "2", "--top-p", "0.5"], "cannot be used with '--top-p");
    check(&["--seed", "1"], "give --sentences N or --tokens N");
    let dir = common::scratch_dir("cli-sample-bad");
    let prompts = dir.join("prompts.txt");
    std::fs::write(&prompts, "a b c d e\n").expect("writing prompts");
    let p = prompts.to_str().expect("UTF-8 path");
    check(
        &["--prefix-file", p, "--prefix-tokens", "5", "--max-len", "4", "--seed", "1"],
        "longer than max-len 4",
    );
    check(
        &["--prefix-file", p, "--prefix-tokens", "5", "--max-len", "4", "--beam", "2"],
        "longer than max-len 4",
    );
    let missing =
        common::nglab(&["sample", "--model", "/nonexistent.arpa", "--sentences", "1", "--seed", "1"]);
    common::one_line_error(&missing, "/nonexistent.arpa");
}
