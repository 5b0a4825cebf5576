//! A model carries its tokenizer: `nglab train` records it in the ARPA
//! header (a BPE is saved beside the model), and `ppl`, `sample` and
//! `metrics` use it with no flag; a different `--tokenizer` is refused. And
//! every help text shows the one tokenizer grammar, every form of which works.

mod common;

use std::path::{Path, PathBuf};

use common::{nglab, one_line_error, scratch_dir, stdout_ok};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/kenlm").join(name)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

fn json(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&stdout_ok(&nglab(args))).expect("JSON")
}

#[test]
fn a_bpe_model_needs_no_flags() {
    let dir = scratch_dir("bpe-model");
    let model = dir.join("brown.arpa");
    let (train, test) = (data("brown-2k.train.txt"), data("brown-300.test.txt"));
    stdout_ok(&nglab(&["train", "--input", s(&train), "--tokenizer", "bpe:2000", "--out", s(&model)]));
    let saved = dir.join("brown.tokenizer.json");
    let arpa = std::fs::read_to_string(&model).unwrap();
    assert!(
        arpa.starts_with("# nglab: tokenizer=bpe-file:brown.tokenizer.json\n\\data\\\n"),
        "{}",
        &arpa[..80]
    );

    // ppl with no flag scores BPE tokens: the same as naming the saved file.
    let ppl = json(&["ppl", "--model", s(&model), "--input", s(&test), "--json"]);
    let named = format!("bpe-file:{}", s(&saved));
    let ppl_named =
        json(&["ppl", "--model", s(&model), "--input", s(&test), "--json", "--tokenizer", &named]);
    assert_eq!(ppl, ppl_named);
    let words = 6404 + 300;
    assert!(ppl["tokens"].as_u64().unwrap() > words, "BPE pieces outnumber words: {ppl}");
    assert!(ppl["oov_rate"].as_f64().unwrap() < 0.001, "{ppl}");

    // sample with no flag writes readable text (byte-level symbols decoded).
    let text = stdout_ok(&nglab(&["sample", "--model", s(&model), "--seed", "3", "--sentences", "50"]));
    assert_eq!(text.lines().count(), 50);
    assert!(text.contains(' ') && !text.contains('\u{120}'), "{text}");
    let metrics = json(&["metrics", "--model", s(&model), "--input", s(&test), "--json"]);
    assert_eq!(metrics["model"]["tokens"], ppl["tokens"], "{metrics}");

    // Another tokenizer is refused, naming both; the model moved without its
    // tokenizer names the missing file.
    let refused = nglab(&["ppl", "--model", s(&model), "--input", s(&test), "--tokenizer", "whitespace"]);
    one_line_error(
        &refused,
        &format!(
            "--tokenizer whitespace does not match the tokenizer of model {}, bpe-file:brown.tokenizer.json",
            s(&model)
        ),
    );
    let moved = scratch_dir("bpe-model-moved").join("brown.arpa");
    std::fs::copy(&model, &moved).unwrap();
    one_line_error(
        &nglab(&["sample", "--model", s(&moved), "--seed", "1", "--sentences", "1"]),
        "names its tokenizer bpe-file:brown.tokenizer.json",
    );
    // The tokenizer file given as the model is named as what it is.
    one_line_error(
        &nglab(&["ppl", "--model", s(&saved), "--input", s(&test)]),
        "is JSON (a tokenizer.json?), not an ARPA model",
    );
}

/// A `words:lower` model scores raw text exactly as a whitespace model of
/// the same text tokenized beforehand scores that tokenized text.
#[test]
fn a_words_model_tokenizes_its_input() {
    let dir = scratch_dir("words-model");
    let raw_train = dir.join("train.txt");
    std::fs::write(&raw_train, "The cat sat, on the MAT.\nA dog? The dog sat!\nthe cat and the dog.\n")
        .unwrap();
    let raw_test = dir.join("test.txt");
    std::fs::write(&raw_test, "The DOG sat on the cat.\nA bird!\n").unwrap();
    let tokenized = |raw: &Path, name: &str| {
        let out = dir.join(name);
        stdout_ok(&nglab(&["tokenize", "--tokenizer", "words:lower", "--input", s(raw), "--out", s(&out)]));
        out
    };
    let (tok_train, tok_test) = (tokenized(&raw_train, "train.tok"), tokenized(&raw_test, "test.tok"));
    let (words, plain) = (dir.join("words.arpa"), dir.join("plain.arpa"));
    let train = |input: &Path, out: &Path, tokenizer: &str| {
        let args = ["train", "--input", s(input), "--order", "2", "--tokenizer", tokenizer, "--out", s(out)];
        stdout_ok(&nglab(&args));
    };
    train(&raw_train, &words, "words:lower");
    train(&tok_train, &plain, "whitespace");
    let words_ppl = json(&["ppl", "--model", s(&words), "--input", s(&raw_test), "--json"]);
    let plain_ppl = json(&["ppl", "--model", s(&plain), "--input", s(&tok_test), "--json"]);
    assert_eq!(words_ppl, plain_ppl);
    assert_eq!(words_ppl["tokens"].as_u64(), Some(12), "{words_ppl}");
    one_line_error(
        &nglab(&["ppl", "--model", s(&words), "--input", s(&raw_test), "--tokenizer", "words"]),
        "--tokenizer words does not match the tokenizer of model",
    );
    // A model that names no tokenizer (KenLM's) reads whitespace tokens, or what --tokenizer says.
    let kenlm = data("brown-2k.o2.arpa");
    let ok = json(&["ppl", "--model", s(&kenlm), "--input", s(&raw_test), "--json", "--tokenizer", "words"]);
    assert_eq!(ok["tokens"].as_u64(), Some(12), "{ok}");
}

/// The text after `--tokenizer <SPEC>` in a help text, up to ` [default:`.
fn tokenizer_help(help: &str) -> Option<&str> {
    let at = help.find("--tokenizer <SPEC>")?;
    let rest = &help[at..];
    let start = rest.find("Tokenizer: ")? + "Tokenizer: ".len();
    let end = rest.find(" [default:")?;
    Some(&rest[start..end])
}

#[test]
fn every_help_shows_one_grammar_and_every_form_works() {
    let mut grammars = Vec::new();
    for command in ["train", "ppl", "sample", "metrics", "tokenize", "detokenize", "run"] {
        let help = stdout_ok(&nglab(&[command, "--help"]));
        let grammar = tokenizer_help(&help).unwrap_or_else(|| panic!("{command} --help:\n{help}"));
        grammars.push((command, grammar.to_owned()));
    }
    let (_, first) = &grammars[0];
    for (command, grammar) in &grammars {
        assert_eq!(grammar, first, "{command} shows another grammar");
    }
    let forms: Vec<&str> = first.split(" | ").collect();
    assert!(forms.len() >= 5 && forms.contains(&"whitespace"), "{forms:?}");

    // Each form tokenizes a text (SIZE and PATH filled in with a BPE saved here).
    let dir = scratch_dir("grammar");
    let text = dir.join("text.txt");
    std::fs::write(&text, "The cat sat on the mat.\nThe dog sat on the log!\n".repeat(20)).unwrap();
    let saved = dir.join("bpe.json");
    let train_bpe =
        ["tokenize", "--tokenizer", "bpe:300", "--input", s(&text), "--save-tokenizer", s(&saved)];
    stdout_ok(&nglab(&train_bpe));
    for form in forms {
        let spec = form.replace("SIZE", "300").replace("PATH", s(&saved));
        let out = stdout_ok(&nglab(&["tokenize", "--tokenizer", &spec, "--input", s(&text)]));
        assert_eq!(out.lines().count(), 40, "{form}");
    }
}

#[test]
fn misspelt_values_get_a_suggestion() {
    let dir = scratch_dir("suggest");
    let text = dir.join("text.txt");
    std::fs::write(&text, "a b\n").unwrap();
    let kenlm = data("brown-2k.o2.arpa");
    let cases: [(&[&str], &str); 4] = [
        (
            &["tokenize", "--tokenizer", "wrds", "--input", s(&text)],
            "invalid value 'wrds' for '--tokenizer <SPEC>': unknown tokenizer \"wrds\" (did you mean \"words\"?); \
             expected whitespace | words",
        ),
        (&["train", "--input", s(&text), "--smoothing", "mkm", "--out", "-"], "(did you mean \"mkn\"?)"),
        (&["sample", "--model", s(&kenlm), "--seed", "1", "--unk", "resampel"], "(did you mean \"resample\"?)"),
        (&["tokenize", "--tokenizer", "bpe-file:no/such.json", "--input", s(&text)], "no/such.json"),
    ];
    for (args, expect) in cases {
        let line = one_line_error(&nglab(args), expect);
        assert!(!line.contains("tokenizer: tokenizer") && !line.contains("tokenizer: unknown"), "{line}");
    }
}
