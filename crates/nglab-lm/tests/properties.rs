//! Invariants of every estimator, checked on random corpora and on Brown.

use std::path::PathBuf;

use nglab_lm::{estimate, EstimateConfig, Model, NgramCounts, Smoothing, State};
use nglab_tokenizer::{Corpus, TokenId, Vocab, BOS};
use proptest::prelude::*;

const NORMALIZED: [Smoothing; 8] = [
    Smoothing::Mle,
    Smoothing::AddK { k: 0.5 },
    Smoothing::AddK { k: 1.0 },
    Smoothing::WittenBell,
    Smoothing::AbsoluteDiscount { discount: None },
    Smoothing::AbsoluteDiscount { discount: Some(0.3) },
    Smoothing::KneserNey { discount: None },
    Smoothing::ModifiedKneserNey,
];

fn model(sentences: &[Vec<TokenId>], v: usize, order: usize, sm: Smoothing) -> Model {
    let mut vocab = Vocab::new();
    for i in 3..v {
        vocab.get_or_insert(&format!("w{i}"));
    }
    let mut counts = NgramCounts::new(order).unwrap();
    for s in sentences {
        counts.add_sentence(s);
    }
    estimate(&counts, &vocab, &EstimateConfig::new(sm).unwrap(), 2).unwrap()
}

/// Every context the model can be in: the empty one, `<s>`, and every
/// n-gram below the highest order reached through scoring the corpus.
fn contexts(m: &Model, sentences: &[Vec<TokenId>]) -> Vec<State> {
    let mut out = vec![State::EMPTY, m.begin_sentence()];
    for s in sentences {
        let mut st = m.begin_sentence();
        for &w in s {
            st = m.prob(st, w).1;
            out.push(st);
        }
    }
    out.sort_by_key(|s| (s.order(), format!("{s:?}")));
    out.dedup();
    out
}

fn check_sums(m: &Model, sentences: &[Vec<TokenId>]) {
    let v = m.vocab().len() as TokenId;
    for ctx in contexts(m, sentences) {
        let sum: f64 = (0..v).filter(|&w| w != BOS).map(|w| m.prob(ctx, w).0).sum();
        // Each value is stored as an f32 log10 (relative error at most
        // ln(10) 2^-24 |log10 p| per value, about 1.4e-7 |log10 p|): a sum is 1
        // within about 1.4e-7 of its entropy in log10 units, a few 1e-7 here.
        assert!((sum - 1.0).abs() < 2e-6, "{:?}: context {ctx:?} sums to {sum}", m.info().smoothing);
    }
}

fn sentences_strategy() -> impl Strategy<Value = Vec<Vec<TokenId>>> {
    prop::collection::vec(prop::collection::vec(3u32..12, 0..9), 1..10)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_context_sums_to_one(sents in sentences_strategy(), order in 1usize..5, extra in 0usize..3) {
        // The vocabulary may hold words the corpus never uses (a fixed vocabulary).
        for sm in NORMALIZED {
            let m = model(&sents, 12 + extra, order, sm);
            check_sums(&m, &sents);
        }
    }

    #[test]
    fn arpa_round_trips(sents in sentences_strategy(), order in 1usize..5) {
        for sm in NORMALIZED {
            let m = model(&sents, 12, order, sm);
            let mut a = Vec::new();
            m.write_arpa(&mut a, 2).unwrap();
            let back = Model::read_arpa(&a[..], 2).unwrap();
            let mut b = Vec::new();
            back.write_arpa(&mut b, 2).unwrap();
            prop_assert_eq!(String::from_utf8(a).unwrap(), String::from_utf8(b).unwrap());
        }
    }
}

#[test]
fn brown_contexts_sum_to_one_for_every_smoothing() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/kenlm/brown-2k.train.txt");
    let text = std::fs::read_to_string(path).unwrap();
    let mut vocab = Vocab::new();
    let mut corpus = Corpus::new();
    let mut sents = Vec::new();
    for line in text.lines().take(400) {
        let ids: Vec<TokenId> =
            line.split(' ').filter(|w| !w.is_empty()).map(|w| vocab.get_or_insert(w)).collect();
        corpus.push(&ids);
        sents.push(ids);
    }
    let mut counts = NgramCounts::new(3).unwrap();
    counts.add_corpus(&corpus, 2);
    for sm in NORMALIZED {
        let m = estimate(&counts, &vocab, &EstimateConfig::new(sm).unwrap(), 2).unwrap();
        check_sums(&m, &sents[..40]);
    }
}

#[test]
fn stupid_backoff_refuses_perplexity() {
    let sents = vec![vec![3, 4, 5], vec![4, 5]];
    let m = model(&sents, 6, 2, Smoothing::StupidBackoff { alpha: 0.4 });
    let mut c = Corpus::new();
    c.push(&[3, 4]);
    let err = m.perplexity(&c).unwrap_err().to_string();
    assert!(err.contains("stupid backoff"), "{err}");
    // Its ARPA says what it is, so a reloaded model refuses too.
    let mut a = Vec::new();
    m.write_arpa(&mut a, 2).unwrap();
    assert!(Model::read_arpa(&a[..], 2).unwrap().perplexity(&c).is_err());
}

#[test]
fn mle_gives_unseen_events_zero_probability() {
    let sents = vec![vec![3, 4, 5]];
    let m = model(&sents, 7, 2, Smoothing::Mle);
    let mut c = Corpus::new();
    c.push(&[6]);
    let ppl = m.perplexity(&c).unwrap();
    assert_eq!(ppl.perplexity(), Some(f64::INFINITY));
}
