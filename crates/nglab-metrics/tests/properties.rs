//! Property tests: invariants of the metrics, and `TextMetrics::compute`
//! (fast, id-array passes) equal to the plain public functions (hash sets).

use nglab_metrics::{
    distinct_n, entropy_bits, js_divergence_bits, mattr, mtld, ttr, unigram_counts, MetricsConfig, Reference,
    SentenceOrder, TextMetrics,
};
use nglab_tokenizer::{Corpus, Vocab};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Sentences over a small alphabet (ids 3..3+k), some empty.
fn sentences() -> impl Strategy<Value = Vec<Vec<u32>>> {
    prop::collection::vec(prop::collection::vec(3u32..12, 0..12), 0..30)
}

fn corpus(sentences: &[Vec<u32>]) -> Corpus {
    sentences.iter().collect()
}

fn vocab() -> Vocab {
    let mut v = Vocab::new();
    for i in 3..12 {
        v.get_or_insert(&format!("w{i}"));
    }
    v
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-12,
        (a, b) => a == b,
    }
}

proptest! {
    #[test]
    fn bounds_and_symmetry(a in sentences(), b in sentences()) {
        let (ca, cb) = (corpus(&a), corpus(&b));
        if let Some(t) = ttr(&ca) {
            prop_assert!((0.0..=1.0).contains(&t));
        }
        for order in 1..=4 {
            if let Some(d) = distinct_n(&ca, order) {
                prop_assert!((0.0..=1.0).contains(&d), "distinct-{order} = {d}");
            }
        }
        let (pa, pb) = (unigram_counts(&ca), unigram_counts(&cb));
        let js = js_divergence_bits(&pa, &pb);
        prop_assert_eq!(js.is_some(), ca.n_tokens() > 0 && cb.n_tokens() > 0);
        if let Some(js) = js {
            prop_assert!((0.0..=1.0).contains(&js));
            let back = js_divergence_bits(&pb, &pa).expect("defined both ways");
            prop_assert!((js - back).abs() <= 1e-12, "{js} vs {back}");
        }
        if let Some(h) = entropy_bits(&pa) {
            let types = pa.iter().filter(|&&c| c > 0).count() as f64;
            prop_assert!(h >= 0.0 && h <= types.log2() + 1e-12, "{h} > log2({types})");
        }
    }

    #[test]
    fn compute_matches_the_plain_functions(a in sentences(), r in sentences(), window in 1usize..20, seed in 0u64..4) {
        let (text, reference) = (corpus(&a), corpus(&r));
        // In text order, a budget covering the text makes the sample the text itself.
        let config = MetricsConfig {
            mattr_window: window,
            sample_tokens: Some(usize::MAX),
            sentence_order: SentenceOrder::Text,
            ..MetricsConfig::default()
        };
        let metrics = TextMetrics::new(config).expect("valid");
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let report = metrics.compute(&text, &vocab(), Some(&Reference::new(&reference)), None, &mut rng).expect("ids in vocab");
        prop_assert!(close(report.ttr, ttr(&text)));
        prop_assert!(close(report.mattr, mattr(&text, window)));
        prop_assert!(close(report.mtld, mtld(&text, 0.72)));
        let distinct = [report.distinct_1, report.distinct_2, report.distinct_3, report.distinct_4];
        for (k, d) in distinct.into_iter().enumerate() {
            prop_assert!(close(d, distinct_n(&text, k + 1)), "distinct-{}", k + 1);
        }
        // Every null has a reason, and the JSON holds no NaN or infinity.
        let json = serde_json::to_string(&report).expect("serializable");
        prop_assert!(!json.contains("NaN") && !json.contains("inf"));
        let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        for key in ["ttr", "mattr", "mtld", "distinct_2", "entropy_bits", "zipf_exponent", "js_to_reference", "compression_ratio"] {
            let listed = report.undefined.iter().any(|u| u.metric == key);
            prop_assert_eq!(value[key].is_null(), listed, "{}", key);
        }
    }

    #[test]
    fn samples_are_seeded_and_sized(a in sentences(), budget in 1usize..60, seed in 0u64..1000) {
        let text = corpus(&a);
        for sentence_order in [SentenceOrder::Shuffled, SentenceOrder::Text] {
            let config = MetricsConfig { sample_tokens: Some(budget), draws: 3, sentence_order, ..MetricsConfig::default() };
            let metrics = TextMetrics::new(config).expect("valid");
            let run = |seed| metrics.compute(&text, &vocab(), None, None, &mut ChaCha8Rng::seed_from_u64(seed)).expect("ok");
            let first = run(seed);
            prop_assert_eq!(&first, &run(seed));
            prop_assert_eq!(first.sample.sample_tokens, budget.min(text.n_tokens()));
            let whole_in_order = budget >= text.n_tokens() && sentence_order == SentenceOrder::Text;
            prop_assert_eq!(first.sample.draws, if whole_in_order { 1 } else { 3 });
            // TTR and distinct-n do not depend on the order: one value over the whole text.
            if budget >= text.n_tokens() {
                prop_assert_eq!(first.ttr, ttr(&text));
                prop_assert_eq!(first.distinct_2, distinct_n(&text, 2));
            }
        }
    }
}
