//! End-to-end tests of `nglab metrics`.

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/nglab-metrics/tests/data").join(name)
}

/// A new file holding `text`, unique to this process and call (tests run in parallel).
fn temp_file(name: &str, text: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("nglab-cli-metrics-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{n}-{name}"));
    std::fs::write(&path, text).expect("writing a temp file");
    path
}

fn run(args: &[&str]) -> Output {
    common::nglab(&[&["metrics"], args].concat())
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = run(&[args, &["--json"]].concat());
    assert!(out.status.success(), "nglab metrics {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("UTF-8 JSON");
    assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
    serde_json::from_str(&text).expect("valid JSON")
}

/// `nglab metrics --input <text> --json` with `extra` args; `expect` lists
/// (key, value) pairs of the JSON, `null` included.
fn check(text: &str, extra: &[&str], expect: &[(&str, serde_json::Value)]) {
    let path = temp_file("input.txt", text);
    let v = json(&[&["--input", path.to_str().expect("UTF-8 path")], extra].concat());
    for (key, want) in expect {
        let got = &v[*key];
        match (got.as_f64(), want.as_f64()) {
            (Some(g), Some(w)) => assert!((g - w).abs() < 1e-12, "{key}: got {g}, want {w} for {text:?}"),
            _ => assert_eq!(got, want, "{key} for {text:?}"),
        }
    }
}

#[test]
fn hand_computed_values() {
    use serde_json::json as j;
    check(
        "a b a\nb c\n\n",
        &[],
        &[
            // The blank line is an empty sentence (as KenLM reads it): no tokens, no n-grams.
            ("tokens", j!(5)),
            ("sentences", j!(3)),
            ("types", j!(3)),
            ("hapax", j!(1)),
            ("ttr", j!(0.6)),
            ("distinct_1", j!(0.6)),
            ("distinct_2", j!(1.0)),
            ("distinct_3", j!(1.0)),
            ("distinct_4", j!(null)),
            ("ngram_diversity", j!(null)),
            ("mattr", j!(null)),
            ("js_to_reference", j!(null)),
        ],
    );
    // counts a:2 b:2 c:1 -> entropy of (.4, .4, .2); windows ab ba ab bc all have TTR 1.
    let h = -(2.0 * 0.4 * 0.4f64.log2() + 0.2 * 0.2f64.log2());
    check("a b a\nb c\n", &["--mattr-window", "2"], &[("entropy_bits", j!(h)), ("mattr", j!(1.0))]);
}

#[test]
fn degenerate_inputs_give_nulls_with_reasons() {
    use serde_json::json as j;
    for text in ["", "\n\n", "w\n", "a b c\na b c\na b c\n"] {
        let path = temp_file("degenerate.txt", text);
        let v = json(&[
            "--input",
            path.to_str().expect("UTF-8 path"),
            "--reference",
            path.to_str().expect("UTF-8"),
        ]);
        let undefined = v["undefined"].as_array().expect("a list");
        for key in ["ttr", "mattr", "mtld", "distinct_4", "entropy_bits", "zipf_exponent", "js_to_reference"]
        {
            let listed = undefined.iter().any(|u| u["metric"] == key);
            assert_eq!(v[key].is_null(), listed, "{key} of {text:?}: null iff a reason is given");
        }
    }
    check("", &[], &[("tokens", j!(0)), ("ttr", j!(null)), ("entropy_bits", j!(null))]);
    check("w\n", &[], &[("ttr", j!(1.0)), ("entropy_bits", j!(0.0)), ("zipf_exponent", j!(null))]);
    check("a b c\na b c\n", &[], &[("distinct_3", j!(0.5)), ("self_repetition_4", j!(0.0))]);
}

#[test]
fn reference_comparison_on_fixtures() {
    let human = fixture("human.txt");
    let synthetic = fixture("synthetic.txt");
    let args = ["--input", synthetic.to_str().expect("UTF-8"), "--reference", human.to_str().expect("UTF-8")];
    let v = json(&args);
    for key in ["tokens", "types", "ttr", "mattr", "distinct_1", "distinct_2", "distinct_3", "distinct_4"] {
        assert!(v[key].is_number(), "{key}: {}", v[key]);
    }
    for key in ["entropy_bits", "zipf_exponent", "js_to_reference"] {
        assert!(v[key].is_number(), "{key}: {}", v[key]);
    }
    let js = v["js_to_reference"].as_f64().expect("a number");
    assert!(js > 0.0 && js < 1.0, "{js}");
    // The synthetic text draws from the reference's 150 most frequent words: the rare bands lose most types.
    let unigram_bands = v["survival_by_band"][0]["bands"].as_array().expect("bands");
    assert_eq!(unigram_bands.len(), 4);
    let share = |i: usize| unigram_bands[i]["share"].as_f64().expect("a share");
    assert!(share(0) < share(3), "rare {} vs frequent {}", share(0), share(3));
    // Equal-size samples: the budget is the smaller text, drawn 10 times.
    let sample = &v["sample"];
    let smaller = v["tokens"].as_u64().expect("n").min(v["reference"]["tokens"].as_u64().expect("n"));
    assert_eq!(sample["sample_tokens"].as_u64(), Some(smaller));
    // Same seed, same report; another seed, other draws.
    assert_eq!(json(&args), v);
    let sampled = |seed: &str| json(&[&args[..], &["--sample-tokens", "1000", "--seed", seed]].concat());
    assert_eq!(sampled("1"), sampled("1"));
    assert_ne!(sampled("1")["mtld"], sampled("2")["mtld"]);
    // The draws measured on threads: the same report for any count.
    let threads = |n: &str| json(&[&args[..], &["--sample-tokens", "1000", "--threads", n]].concat());
    let one = threads("1");
    assert_eq!(threads("2"), one);
    assert_eq!(threads("7"), one);
}

#[test]
fn text_mode_prints_a_table() {
    let synthetic = fixture("synthetic.txt");
    let human = fixture("human.txt");
    let out =
        run(&["--input", synthetic.to_str().expect("UTF-8"), "--reference", human.to_str().expect("UTF-8")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    for needle in ["ttr", "distinct_4", "entropy_bits", "js_to_reference", "survival", "count 17+"] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
}

#[test]
fn errors_name_the_offending_value() {
    let out = run(&["--input", "/nonexistent/corpus.txt"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/corpus.txt"), "{err}");
    let path = temp_file("ok.txt", "a b\n");
    let out = run(&["--input", path.to_str().expect("UTF-8"), "--sample-tokens", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("sample_tokens must be at least 1, got 0"));
}

#[test]
fn model_perplexity_matches_kenlm_query() {
    let kenlm = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/kenlm");
    let (model, input) = (kenlm.join("brown-2k.o3.arpa"), kenlm.join("brown-300.test.txt"));
    let v = json(&["--input", input.to_str().unwrap(), "--model", model.to_str().unwrap()]);
    let m = &v["model"];
    // KenLM query on the same model and text: 520.9356631032592 / 234.7029862621396.
    let rel = |a: f64, b: f64| (a - b).abs() / b;
    assert!(rel(m["perplexity"].as_f64().unwrap(), 520.9356631032592) < 1e-4, "{m}");
    assert!(rel(m["perplexity_excl_oov"].as_f64().unwrap(), 234.7029862621396) < 1e-4, "{m}");
    assert_eq!(
        (m["tokens"].as_u64(), m["oov"].as_u64(), m["sentences"].as_u64()),
        (Some(6704), Some(997), Some(300))
    );
    let (p10, med, p90) = (
        m["sentence_ppl_p10"].as_f64().unwrap(),
        m["sentence_ppl_median"].as_f64().unwrap(),
        m["sentence_ppl_p90"].as_f64().unwrap(),
    );
    assert!(1.0 < p10 && p10 <= med && med <= p90, "{m}");
}
