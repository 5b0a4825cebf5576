//! Parity with KenLM 0.3.0 on the committed fixtures (`tests/data/kenlm`):
//! our modified Kneser-Ney ARPA against `lmplz`'s, and perplexities against
//! `query`'s, both ways.

use std::collections::BTreeMap;
use std::path::PathBuf;

use nglab_lm::{estimate, EstimateConfig, Model, NgramCounts, Smoothing};
use nglab_tokenizer::{Corpus, Vocab};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/kenlm").join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(data(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// KenLM's counting: words split on space, tab, CR.
fn corpus(text: &str, vocab: &mut Vocab, grow: bool) -> Corpus {
    let mut c = Corpus::new();
    for line in text.lines() {
        let ids: Vec<u32> = line
            .split([' ', '\t', '\r'])
            .filter(|w| !w.is_empty())
            .map(|w| if grow { vocab.get_or_insert(w) } else { vocab.id_or_unk(w) })
            .collect();
        c.push(&ids);
    }
    c
}

/// n-gram text -> (log10 prob, backoff) of an ARPA file.
fn arpa_entries(text: &str) -> BTreeMap<String, (f64, f64)> {
    let mut out = BTreeMap::new();
    let mut in_section = false;
    for line in text.lines() {
        if line.ends_with("-grams:") {
            in_section = true;
            continue;
        }
        if line.starts_with('\\') || line.is_empty() {
            continue;
        }
        if !in_section {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let bo = f.get(2).map_or(0.0, |b| b.parse().unwrap());
        out.insert(f[1].to_string(), (f[0].parse().unwrap(), bo));
    }
    out
}

fn train(name: &str, order: usize, fallback: bool) -> Model {
    let mut vocab = Vocab::new();
    let c = corpus(&read(name), &mut vocab, true);
    let mut counts = NgramCounts::new(order).unwrap();
    counts.add_corpus(&c, 2);
    let model =
        estimate(&counts, &vocab, &EstimateConfig::new(Smoothing::ModifiedKneserNey).unwrap(), 2).unwrap();
    let fired = model.info().discounts.iter().any(|d| d.fallback.is_some());
    assert_eq!(fired, fallback, "{:?}", model.info().discounts);
    model
}

fn check_arpa(ours: &Model, kenlm_arpa: &str) {
    let mut buf = Vec::new();
    ours.write_arpa(&mut buf, 2).unwrap();
    let ours = arpa_entries(std::str::from_utf8(&buf).unwrap());
    let theirs = arpa_entries(&read(kenlm_arpa));
    assert_eq!(ours.len(), theirs.len(), "number of n-grams");
    let mut worst = (0.0f64, String::new());
    for (g, &(p, b)) in &theirs {
        let &(op, ob) = ours.get(g).unwrap_or_else(|| panic!("lmplz has '{g}', we do not"));
        for d in [(op - p).abs(), (ob - b).abs()] {
            if d > worst.0 {
                worst = (d, g.clone());
            }
        }
    }
    assert!(worst.0 < 1e-5, "largest difference {} at '{}'", worst.0, worst.1);
}

/// (ppl incl. OOV, ppl excl. OOV, OOVs, tokens) from a `query` summary.
fn query_summary(name: &str) -> (f64, f64, u64, u64) {
    let t = read(name);
    let v: Vec<&str> = t.lines().map(|l| l.split('\t').nth(1).unwrap()).collect();
    (v[0].parse().unwrap(), v[1].parse().unwrap(), v[2].parse().unwrap(), v[3].parse().unwrap())
}

fn check_ppl(model: &Model, test_file: &str, query_file: &str) {
    let mut vocab = model.vocab().clone();
    let test = corpus(&read(test_file), &mut vocab, false);
    let ppl = model.perplexity(&test).unwrap();
    let (incl, excl, oov, tokens) = query_summary(query_file);
    assert_eq!((ppl.oov, ppl.tokens), (oov, tokens));
    let rel = |a: f64, b: f64| (a - b).abs() / b;
    assert!(rel(ppl.perplexity().unwrap(), incl) < 1e-4, "{} vs {incl}", ppl.perplexity().unwrap());
    assert!(
        rel(ppl.perplexity_excl_oov().unwrap(), excl) < 1e-4,
        "{:?} vs {excl}",
        ppl.perplexity_excl_oov()
    );
}

#[test]
fn mkn_arpa_matches_lmplz() {
    for order in [2, 3, 5] {
        let model = train("brown-2k.train.txt", order, false);
        check_arpa(&model, &format!("brown-2k.o{order}.arpa"));
        check_ppl(&model, "brown-300.test.txt", &format!("brown-2k.o{order}.query.txt"));
    }
}

#[test]
fn perplexity_of_lmplz_arpa_matches_query() {
    for order in [2, 3, 5] {
        let text = read(&format!("brown-2k.o{order}.arpa"));
        let model = Model::read_arpa(text.as_bytes(), 2).unwrap();
        assert_eq!(model.order(), order);
        check_ppl(&model, "brown-300.test.txt", &format!("brown-2k.o{order}.query.txt"));
    }
}

/// A blank line is the empty sentence `<s> </s>` for `lmplz` and `query`
/// (this file's reader, like the corpus reader, keeps blank lines as empty sentences).
#[test]
fn empty_sentences_match_lmplz_and_query() {
    let model = train("blank-lines.train.txt", 3, false);
    assert!(model.vocab().len() > 3);
    check_arpa(&model, "blank-lines.o3.arpa");
    check_ppl(&model, "blank-lines.test.txt", "blank-lines.o3.query.txt");
}

#[test]
fn discount_fallback_matches_lmplz() {
    let model = train("repeated-6x.train.txt", 3, true);
    let fired: Vec<usize> =
        model.info().discounts.iter().filter(|d| d.fallback.is_some()).map(|d| d.order).collect();
    // lmplz's note says "for order 1" and "for order 2", counting orders from 0
    // (its `adjust_counts.cc` prints the 0-based index): bigrams and trigrams.
    assert_eq!(fired, vec![2, 3]);
    check_arpa(&model, "repeated-6x.o3.fallback.arpa");
}

#[test]
fn arpa_round_trip_is_lossless() {
    for order in [2, 5] {
        let model = train("brown-2k.train.txt", order, false);
        let mut a = Vec::new();
        model.write_arpa(&mut a, 2).unwrap();
        let back = Model::read_arpa(&a[..], 2).unwrap();
        let mut b = Vec::new();
        back.write_arpa(&mut b, 2).unwrap();
        assert!(a == b, "order {order}: write -> read -> write changed the file");
    }
}
