//! End-to-end tests of `nglab train` and `nglab ppl`: KenLM parity through the
//! command line, and bad input (one-line error, exit code 2, no output left).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod common;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/kenlm").join(name)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// (perplexity incl. OOVs, excl. OOVs) in a `query` summary file.
fn query_ppl(name: &str) -> (f64, f64) {
    let t = std::fs::read_to_string(data(name)).expect("query summary");
    let v: Vec<f64> = t.lines().take(2).map(|l| l.split('\t').nth(1).unwrap().parse().unwrap()).collect();
    (v[0], v[1])
}

#[test]
fn train_then_ppl_agree_with_kenlm() {
    let dir = common::scratch_dir("cli-lm");
    let model = dir.join("o3.arpa");
    let train = data("brown-2k.train.txt");
    common::stdout_ok(&common::nglab(&["train", "--input", s(&train), "--order", "3", "--out", s(&model)]));
    let test = data("brown-300.test.txt");
    let json =
        common::stdout_ok(&common::nglab(&["ppl", "--model", s(&model), "--input", s(&test), "--json"]));
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let (incl, excl) = query_ppl("brown-2k.o3.query.txt");
    let rel = |a: f64, b: f64| (a - b).abs() / b;
    assert!(rel(v["perplexity"].as_f64().unwrap(), incl) < 1e-4, "{json}");
    assert!(rel(v["perplexity_excl_oov"].as_f64().unwrap(), excl) < 1e-4, "{json}");
    assert_eq!(
        (v["tokens"].as_u64(), v["oov"].as_u64(), v["sentences"].as_u64()),
        (Some(6704), Some(997), Some(300))
    );
    assert!(v["log10_prob"].as_f64().unwrap() < 0.0);
    // Only the model is in the directory: no temporary file left behind.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}

/// n-gram -> (log10 p, backoff) of an ARPA file's n-gram sections.
fn arpa_entries(text: &str) -> BTreeMap<String, (f64, f64)> {
    let mut out = BTreeMap::new();
    let mut in_section = false;
    for line in text.lines() {
        in_section |= line.ends_with("-grams:");
        let f: Vec<&str> = line.split('\t').collect();
        if in_section && f.len() >= 2 {
            let backoff = f.get(2).map_or(0.0, |b| b.parse().unwrap());
            out.insert(f[1].to_owned(), (f[0].parse().unwrap(), backoff));
        }
    }
    out
}

/// The largest difference between two ARPA files' values, failing when their n-grams differ.
fn arpa_difference(ours: &str, theirs: &str) -> f64 {
    let (ours, theirs) = (arpa_entries(ours), arpa_entries(theirs));
    assert_eq!(ours.keys().collect::<Vec<_>>(), theirs.keys().collect::<Vec<_>>(), "the same n-grams");
    ours.iter().map(|(g, (p, b))| (p - theirs[g].0).abs().max((b - theirs[g].1).abs())).fold(0.0, f64::max)
}

/// A blank line is the empty sentence, as `lmplz` and `query` read it:
/// `nglab train` on a text with blank lines (empty, spaces and tabs, two in a
/// row) gives lmplz's model, and `nglab ppl` query's figures.
#[test]
fn blank_lines_are_empty_sentences_as_for_kenlm() {
    let dir = common::scratch_dir("cli-lm-blank");
    let model = dir.join("o3.arpa");
    let train = data("blank-lines.train.txt");
    common::stdout_ok(&common::nglab(&["train", "--input", s(&train), "--order", "3", "--out", s(&model)]));
    let ours = std::fs::read_to_string(&model).unwrap();
    let theirs = std::fs::read_to_string(data("blank-lines.o3.arpa")).unwrap();
    assert!(arpa_entries(&ours).contains_key("<s> </s>"), "the empty sentence's bigram");
    let worst = arpa_difference(&ours, &theirs);
    assert!(worst < 1e-5, "largest difference from lmplz {worst}");
    let test = data("blank-lines.test.txt");
    let json =
        common::stdout_ok(&common::nglab(&["ppl", "--model", s(&model), "--input", s(&test), "--json"]));
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let (incl, excl) = query_ppl("blank-lines.o3.query.txt");
    let rel = |a: f64, b: f64| (a - b).abs() / b;
    assert!(rel(v["perplexity"].as_f64().unwrap(), incl) < 1e-4, "{json}");
    assert!(rel(v["perplexity_excl_oov"].as_f64().unwrap(), excl) < 1e-4, "{json}");
    // 120 sentences and 10 empty ones; query's token count (2,665) includes every </s>.
    assert_eq!(
        (v["tokens"].as_u64(), v["oov"].as_u64(), v["sentences"].as_u64()),
        (Some(2665), Some(618), Some(130))
    );
}

/// Sampled empty sentences survive the file: `nglab sample` writes one as an
/// empty line, and `nglab train` on the file gives the model that the sampled
/// corpus gives in memory (counted from the same sentences, empty ones included).
#[test]
fn sampled_empty_sentences_survive_a_file_round_trip() {
    use nglab_lm::{
        estimate, sample_corpus, Budget, EstimateConfig, Model, NgramCounts, SampleConfig, Smoothing,
    };
    let dir = common::scratch_dir("cli-lm-round-trip");
    // lmplz's model of a text with 30 empty sentences in 430: about one sentence in twelve is empty.
    let source = data("blank-lines.o3.arpa");
    let sampled = dir.join("sampled.txt");
    let args = ["sample", "--model", s(&source), "--sentences", "300", "--seed", "3", "--out", s(&sampled)];
    common::stdout_ok(&common::nglab(&args));
    // The same draw in memory (sampling does not depend on the thread count).
    let arpa = std::fs::read(&source).unwrap();
    let source_model = Model::read_arpa(&arpa[..], 1).unwrap();
    let (corpus, _) =
        sample_corpus(&source_model, &SampleConfig::default(), Budget::Sentences(300), 3, 1).unwrap();
    let empty = corpus.sentences().filter(|s| s.is_empty()).count();
    assert!(empty >= 5, "only {empty} empty sentences sampled");
    let written = std::fs::read_to_string(&sampled).unwrap();
    assert_eq!(written.lines().count(), 300);
    assert_eq!(written.lines().filter(|l| l.is_empty()).count(), empty, "one empty line per empty sentence");
    // The in-memory model: the sampled ids renumbered in order of appearance, as a reader numbers words.
    let mut vocab = nglab_tokenizer::Vocab::new();
    let mut renumbered = nglab_tokenizer::Corpus::new();
    for sentence in corpus.sentences() {
        let ids: Vec<u32> =
            sentence.iter().map(|&id| vocab.get_or_insert(source_model.vocab().token(id))).collect();
        renumbered.push(&ids);
    }
    let mut counts = NgramCounts::new(3).unwrap();
    counts.add_corpus(&renumbered, 1);
    let config = EstimateConfig::new(Smoothing::ModifiedKneserNey).unwrap();
    let in_memory = estimate(&counts, &vocab, &config, 1).unwrap();
    let mut buf = Vec::new();
    in_memory.write_arpa(&mut buf, 1).unwrap();
    // Through the file.
    let trained = dir.join("trained.arpa");
    common::stdout_ok(&common::nglab(&[
        "train",
        "--input",
        s(&sampled),
        "--order",
        "3",
        "--out",
        s(&trained),
    ]));
    let from_file = std::fs::read_to_string(&trained).unwrap();
    let worst = arpa_difference(&from_file, std::str::from_utf8(&buf).unwrap());
    assert_eq!(worst, 0.0, "the model from the file differs from the in-memory one");
}

#[test]
fn mle_perplexity_is_null_with_a_reason() {
    let dir = common::scratch_dir("cli-lm-mle");
    let model = dir.join("mle.arpa");
    let train = data("repeated-6x.train.txt");
    common::stdout_ok(&common::nglab(&[
        "train",
        "--input",
        s(&train),
        "--order",
        "2",
        "--smoothing",
        "mle",
        "--out",
        s(&model),
    ]));
    let test = dir.join("test.txt");
    std::fs::write(&test, "a log\n").unwrap();
    let json =
        common::stdout_ok(&common::nglab(&["ppl", "--model", s(&model), "--input", s(&test), "--json"]));
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert!(v["perplexity"].is_null(), "{json}");
    assert!(v["null_reason"].as_str().unwrap().contains("probability 0"), "{json}");
}

/// `--discount-fallback`: the default is KenLM's rule (the same bytes as
/// `kenlm` and as its constants written out); `clamp` and other constants
/// give other models, and each fallback is reported with its rule.
#[test]
fn discount_fallback_rules() {
    let dir = common::scratch_dir("cli-lm-fallback");
    let train = data("repeated-6x.train.txt");
    let run = |name: &str, extra: &[&str]| {
        let out = dir.join(name);
        let args = [&["train", "--input", s(&train), "--order", "3", "--out", s(&out)][..], extra].concat();
        let result = common::nglab(&args);
        common::stdout_ok(&result);
        (std::fs::read(&out).unwrap(), String::from_utf8(result.stderr).unwrap())
    };
    let (default, note) = run("default.arpa", &[]);
    assert_eq!(note.lines().count(), 2, "{note}");
    assert!(
        note.contains("order 2: closed-form discounts fail")
            && note.contains("discount fallback kenlm: D1=0.5 D2=1 D3+=1.5"),
        "{note}"
    );
    assert_eq!(run("kenlm.arpa", &["--discount-fallback", "kenlm"]).0, default);
    assert_eq!(run("numbers.arpa", &["--discount-fallback", "0.5,1,1.5"]).0, default);
    let (clamp, note) = run("clamp.arpa", &["--discount-fallback", "clamp"]);
    assert!(note.contains("discount fallback clamp"), "{note}");
    assert_ne!(clamp, default);
    let (other, note) = run("other.arpa", &["--discount-fallback", "0.2,0.4,0.6"]);
    assert!(note.contains("discount fallback 0.2,0.4,0.6: D1=0.2 D2=0.4 D3+=0.6"), "{note}");
    assert!(other != default && other != clamp);
}

/// Each bad input: the arguments, what the one-line error must contain, and
/// the output path that must not exist afterwards.
#[test]
fn bad_input_is_one_line_and_leaves_nothing() {
    let dir = common::scratch_dir("cli-lm-bad");
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let empty = write("empty.txt", b"");
    let blank = write("blank.txt", b"\n  \n\r\n");
    let bad_utf8 = write("bad.txt", b"good line\nbad \xff byte\n");
    let nul = write("nul.txt", b"a b\nc\0d\n");
    let good = data("repeated-6x.train.txt");
    let arpa = std::fs::read_to_string(data("repeated-6x.o3.fallback.arpa")).unwrap();
    let truncated = write("truncated.arpa", &arpa.as_bytes()[..arpa.len() / 2]);
    let nan = write("nan.arpa", arpa.replacen("-0.27134082\tmat </s>", "NaN\tmat </s>", 1).as_bytes());
    let positive = write("pos.arpa", arpa.replacen("-0.27134082\tmat </s>", "0.5\tmat </s>", 1).as_bytes());
    let miscount = write("count.arpa", arpa.replacen("ngram 2=17", "ngram 2=18", 1).as_bytes());
    let out = dir.join("out.arpa");
    let o = s(&out);
    let train = |input: &Path, extra: &[&str], expect: &str| {
        let args = [&["train", "--input", s(input), "--out", o][..], extra].concat();
        common::one_line_error(&common::nglab(&args), expect);
        assert!(!out.exists(), "{expect}: output left behind");
    };
    train(&empty, &[], "no tokens to train on");
    train(&blank, &[], "no tokens to train on");
    train(&bad_utf8, &[], "bad.txt:2: invalid UTF-8");
    train(&nul, &[], "nul.txt:2");
    train(&dir.join("missing.txt"), &[], "missing.txt");
    train(&dir, &[], &dir.file_name().unwrap().to_string_lossy());
    train(&good, &["--order", "0"], "order must be in 1..=12, got 0");
    train(&good, &["--order", "1000"], "got 1000");
    train(&good, &["--smoothing", "addk:-1"], "got -1");
    train(&good, &["--smoothing", "kn:NaN"], "got NaN");
    train(&good, &["--smoothing", "gt"], "unknown smoothing 'gt'");
    train(&good, &["--discount-fallback", "0.5,1"], "three numbers");
    // A full device: the error names the file; nothing is renamed into place.
    let full = common::nglab(&["train", "--input", s(&good), "--out", "/dev/full"]);
    assert_eq!(full.status.code(), Some(2));
    use std::os::unix::fs::FileTypeExt;
    let kind = std::fs::metadata("/dev/full").expect("/dev/full").file_type();
    assert!(kind.is_char_device(), "/dev/full was replaced by a file");

    let test = s(&good);
    let ppl = |model: &Path, expect: &str| {
        common::one_line_error(&common::nglab(&["ppl", "--model", s(model), "--input", test]), expect);
    };
    ppl(&truncated, "unexpected end of file");
    ppl(&nan, "log10 probability is NaN");
    ppl(&positive, "positive log10 probability 0.5");
    ppl(&miscount, "17 2-grams where the header announced 18");
    ppl(&good, "no \\data\\ section");
    ppl(&dir, "is a directory");
}

/// Brown-2k, then each of its sentences reversed: 86k words, enough that
/// counting, estimation and ARPA reading and writing cut their work (they
/// stay on one thread below 65,536 positions or n-grams an order).
fn larger_text(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(data("brown-2k.train.txt")).unwrap();
    let reversed: Vec<String> =
        text.lines().map(|l| l.split(' ').rev().collect::<Vec<_>>().join(" ")).collect();
    let path = dir.join("larger.txt");
    std::fs::write(&path, format!("{text}{}\n", reversed.join("\n"))).unwrap();
    path
}

#[test]
fn train_and_ppl_do_not_depend_on_the_thread_count() {
    let dir = common::scratch_dir("cli-lm-threads");
    let train = larger_text(&dir);
    let test = data("brown-300.test.txt");
    let arpa = |threads: &str| {
        let out = common::nglab(&[
            "train",
            "--input",
            s(&train),
            "--order",
            "5",
            "--threads",
            threads,
            "--out",
            "-",
        ]);
        common::stdout_ok(&out)
    };
    let one = arpa("1");
    let counts: Vec<usize> =
        one.lines().filter_map(|l| l.strip_prefix("ngram ")).map(|l| l[2..].parse().unwrap()).collect();
    assert!(counts[2..].iter().all(|&n| n > 65_536), "{counts:?}: too few n-grams to cut the work");
    for threads in ["2", "3"] {
        assert!(arpa(threads) == one, "train --threads {threads} writes another model");
    }
    let model = dir.join("o5.arpa");
    std::fs::write(&model, &one).unwrap();
    let ppl = |threads: &str| {
        let args = ["ppl", "--model", s(&model), "--input", s(&test), "--json", "--threads", threads];
        common::stdout_ok(&common::nglab(&args))
    };
    let one = ppl("1");
    assert_eq!(ppl("2"), one);
    assert_eq!(ppl("3"), one);
}
