//! MATTR and MTLD must not see the order of a text's sentences: a text in
//! "document order" (sentences grouped by topic, each topic with its own
//! words, so neighbouring sentences repeat each other's words) and the same
//! sentences shuffled are measured within their intervals. In text order the
//! two are far apart, which is what the default order removes.

use nglab_metrics::{MetricsConfig, MetricsReport, SentenceOrder, TextMetrics};
use nglab_tokenizer::{Corpus, Vocab};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const TOPICS: u32 = 40;
const WORDS_PER_TOPIC: u32 = 30;

/// 40 topics of 25 sentences of 8 words, each topic drawing its words from
/// its own 30 words, topic after topic.
fn document_order() -> Vec<Vec<u32>> {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut sentences = Vec::new();
    for topic in 0..TOPICS {
        for _ in 0..25 {
            let words = (0..8).map(|_| 3 + topic * WORDS_PER_TOPIC + rng.random_range(0..WORDS_PER_TOPIC));
            sentences.push(words.collect());
        }
    }
    sentences
}

fn corpus(sentences: &[Vec<u32>]) -> Corpus {
    sentences.iter().collect()
}

fn vocab() -> Vocab {
    let mut v = Vocab::new();
    for i in 0..TOPICS * WORDS_PER_TOPIC {
        v.get_or_insert(&format!("w{i}"));
    }
    v
}

fn measure(
    text: &Corpus,
    sentence_order: SentenceOrder,
    sample_tokens: Option<usize>,
    seed: u64,
) -> MetricsReport {
    let config =
        MetricsConfig { mattr_window: 100, sentence_order, sample_tokens, ..MetricsConfig::default() };
    let metrics = TextMetrics::new(config).expect("valid");
    metrics.compute(text, &vocab(), None, None, &mut ChaCha8Rng::seed_from_u64(seed)).expect("ids in vocab")
}

/// (value, 95% half-width) of `metric` (`mattr` or `mtld`).
fn value(r: &MetricsReport, metric: &str) -> (f64, f64) {
    let v = match metric {
        "mattr" => r.mattr,
        _ => r.mtld,
    };
    let interval = r.intervals.iter().find(|i| i.metric == metric).expect("an interval");
    (v.expect("defined"), interval.half_width)
}

#[test]
fn reordering_sentences_moves_mattr_and_mtld_within_their_intervals() {
    let ordered = document_order();
    let mut shuffled = ordered.clone();
    shuffled.shuffle(&mut ChaCha8Rng::seed_from_u64(5));
    let (ordered, shuffled) = (corpus(&ordered), corpus(&shuffled));
    // The whole text (8,000 tokens) and a sample of half of it, each with several seeds.
    for sample_tokens in [None, Some(4000)] {
        for seed in 0..4 {
            let a = measure(&ordered, SentenceOrder::Shuffled, sample_tokens, seed);
            let b = measure(&shuffled, SentenceOrder::Shuffled, sample_tokens, seed);
            assert_eq!((a.sample.draws, b.sample.draws), (10, 10));
            for metric in ["mattr", "mtld"] {
                let ((va, ha), (vb, hb)) = (value(&a, metric), value(&b, metric));
                assert!(ha > 0.0 && hb > 0.0, "{metric}: shuffles differ, so the interval is not empty");
                assert!(
                    (va - vb).abs() <= ha + hb,
                    "{metric} (sample {sample_tokens:?}, seed {seed}): document order {va} ± {ha}, \
                     shuffled {vb} ± {hb}"
                );
            }
        }
    }
}

#[test]
fn in_text_order_the_document_order_shows() {
    let ordered = document_order();
    let mut shuffled = ordered.clone();
    shuffled.shuffle(&mut ChaCha8Rng::seed_from_u64(5));
    let (ordered, shuffled) = (corpus(&ordered), corpus(&shuffled));
    let default = measure(&ordered, SentenceOrder::Shuffled, None, 0);
    let a = measure(&ordered, SentenceOrder::Text, None, 0);
    let b = measure(&shuffled, SentenceOrder::Text, None, 0);
    assert_eq!((a.sample.draws, a.intervals[0].half_width), (1, 0.0), "one draw: the text itself");
    assert_eq!(a.mattr, nglab_metrics::mattr(&ordered, 100));
    assert_eq!(a.mtld, nglab_metrics::mtld(&ordered, 0.72));
    for metric in ["mattr", "mtld"] {
        let ((in_order, _), (reordered, _)) = (value(&a, metric), value(&b, metric));
        let (free, half) = value(&default, metric);
        // Topic runs repeat words: far less diversity in document order, many
        // intervals away from the order-free value; the shuffled text is near it.
        assert!(free - in_order > 20.0 * half, "{metric}: in order {in_order}, order-free {free} ± {half}");
        assert!((reordered - free).abs() < 5.0 * half.max(1e-3 * free), "{metric}: {reordered} vs {free}");
    }
}
