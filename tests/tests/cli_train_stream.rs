//! `nglab train --max-memory`: counting in sorted runs on disk, merged, writes
//! the same model bytes as counting in memory, for every order, smoothing and
//! vocabulary convention; the text is read line by line (standard input too).

mod common;

use std::path::Path;

use common::{nglab, one_line_error, scratch_dir, stdout_ok};

/// A text of `lines` lines over `words` words, from a fixed LCG: repeated
/// n-grams, blank lines, CRLF line ends, and no line end after the last line.
fn text(seed: u64, lines: usize, words: u64) -> String {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut next = |m: u64| {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (x >> 33) % m
    };
    let mut out = String::new();
    for i in 0..lines {
        let len = next(12);
        let words: Vec<String> =
            (0..len).map(|_| format!("w{}", next(words) * next(words) / words)).collect();
        out.push_str(&words.join(" "));
        if i + 1 < lines {
            out.push_str(if i % 7 == 3 { "\r\n" } else { "\n" });
        }
    }
    out
}

fn train(dir: &Path, input: &str, extra: &[&str]) -> Vec<u8> {
    let out = dir.join("model.arpa");
    let mut args = vec!["train", "--input", input, "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let run = nglab(&args);
    stdout_ok(&run);
    std::fs::read(&out).unwrap()
}

#[test]
fn spilled_counts_write_the_same_model() {
    let dir = scratch_dir("train-stream");
    let runs = dir.join("runs");
    std::fs::create_dir(&runs).unwrap();
    let vocab = dir.join("vocab.json");
    let small = dir.join("small.txt");
    std::fs::write(&small, text(99, 40, 30)).unwrap();
    let vocab_args = ["--save-vocab", vocab.to_str().unwrap()];
    train(&dir, small.to_str().unwrap(), &vocab_args);
    let texts = [text(1, 300, 40), text(2, 150, 400), "\n\na a a a a\n\n".into(), "x".into()];
    let smoothings = ["mkn", "kn", "abs", "wb", "addk:0.5", "laplace", "mle", "stupid"];
    let mut checked = 0;
    for (t, body) in texts.iter().enumerate() {
        let input = dir.join(format!("text{t}.txt"));
        std::fs::write(&input, body).unwrap();
        let input = input.to_str().unwrap();
        for order in 1..=5 {
            let order = order.to_string();
            for (s, smoothing) in smoothings.iter().enumerate() {
                // Every smoothing at order 3; the cheap ones at every order.
                if order != "3" && s % 3 != 0 {
                    continue;
                }
                for fixed in [false, true] {
                    let mut args = vec!["--order", &order, "--smoothing", smoothing];
                    if fixed {
                        args.extend_from_slice(&["--vocab", vocab.to_str().unwrap()]);
                    }
                    let whole = train(&dir, input, &args);
                    // 1 byte: every sentence its own chunk and run, runs merged in several passes.
                    for budget in ["1", "8K"] {
                        let mut spill = args.clone();
                        spill.extend_from_slice(&[
                            "--max-memory",
                            budget,
                            "--temp-dir",
                            runs.to_str().unwrap(),
                        ]);
                        let spilled = train(&dir, input, &spill);
                        assert!(
                            spilled == whole,
                            "text {t}, order {order}, {smoothing}, fixed {fixed}, --max-memory {budget}: models differ"
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 100);
    assert_eq!(std::fs::read_dir(&runs).unwrap().count(), 0, "no run file is left behind");
}

#[test]
fn standard_input_is_read_line_by_line() {
    let dir = scratch_dir("train-stdin");
    let input = dir.join("text.txt");
    std::fs::write(&input, text(5, 200, 50)).unwrap();
    let whole = train(&dir, input.to_str().unwrap(), &["--order", "4"]);
    let out = dir.join("stdin.arpa");
    let run = std::process::Command::new(common::nglab_bin())
        .args(["train", "--input", "-", "--order", "4", "--max-memory", "2K", "--out", out.to_str().unwrap()])
        .stdin(std::fs::File::open(&input).unwrap())
        .output()
        .unwrap();
    stdout_ok(&run);
    assert!(std::fs::read(&out).unwrap() == whole, "the model from standard input differs");
}

#[test]
fn bad_input_is_one_line_and_writes_nothing() {
    let dir = scratch_dir("train-stream-bad");
    let out = dir.join("m.arpa");
    let o = out.to_str().unwrap();
    let bad = dir.join("bad.txt");
    let mut body = text(3, 500, 30).into_bytes();
    body.extend_from_slice(b"\nfine words\nthen \xff here\n");
    std::fs::write(&bad, &body).unwrap();
    let b = bad.to_str().unwrap();
    let line = body.iter().filter(|&&c| c == b'\n').count();
    for extra in [&[][..], &["--max-memory", "1"]] {
        let mut args = vec!["train", "--input", b, "--order", "3", "--out", o];
        args.extend_from_slice(extra);
        one_line_error(&nglab(&args), &format!("bad.txt:{line}: invalid UTF-8 at byte offset"));
    }
    let marker = dir.join("marker.txt");
    std::fs::write(&marker, "a b\n\nc </s> d\n").unwrap();
    one_line_error(
        &nglab(&["train", "--input", marker.to_str().unwrap(), "--max-memory", "1", "--out", o]),
        "marker.txt:3: the sentence marker </s> is written in the text",
    );
    let good = dir.join("good.txt");
    std::fs::write(&good, "a b c\n").unwrap();
    let g = good.to_str().unwrap();
    one_line_error(
        &nglab(&["train", "--input", g, "--max-memory", "1", "--temp-dir", "/no/such/dir", "--out", o]),
        "cannot write sorted runs in /no/such/dir: No such file or directory",
    );
    one_line_error(&nglab(&["train", "--input", g, "--max-memory", "12Q", "--out", o]), "'12Q'");
    one_line_error(&nglab(&["train", "--input", g, "--max-memory", "0", "--out", o]), "at least 1 byte");
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 3, "only the inputs: {names:?}");
}
