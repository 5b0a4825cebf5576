//! All default metrics of a 1M-token synthetic text against a 1M-token reference.

// criterion's macros generate undocumented public functions.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nglab_metrics::{MetricsConfig, Reference, TextMetrics};
use nglab_tokenizer::{Corpus, Vocab};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A Zipf-like text: sentence lengths 5..=35, word ranks ~ 1/r over `n_words`.
fn zipf_corpus(vocab: &mut Vocab, n_tokens: usize, n_words: usize, rng: &mut ChaCha8Rng) -> Corpus {
    let weights: Vec<f64> = (1..=n_words).map(|r| 1.0 / r as f64).collect();
    let mut cumulative = Vec::with_capacity(n_words);
    let mut acc = 0.0;
    for w in &weights {
        acc += w;
        cumulative.push(acc);
    }
    let ids: Vec<u32> = (0..n_words).map(|i| vocab.get_or_insert(&format!("w{i}"))).collect();
    let mut corpus = Corpus::new();
    let mut sentence = Vec::new();
    while corpus.n_tokens() < n_tokens {
        sentence.clear();
        for _ in 0..rng.random_range(5..=35) {
            let u = rng.random::<f64>() * acc;
            let k = cumulative.partition_point(|&c| c < u).min(n_words - 1);
            sentence.push(ids[k]);
        }
        corpus.push(&sentence);
    }
    corpus
}

fn bench(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut vocab = Vocab::new();
    let human = zipf_corpus(&mut vocab, 1_000_000, 50_000, &mut rng);
    let synthetic = zipf_corpus(&mut vocab, 1_000_000, 50_000, &mut rng);
    let metrics = TextMetrics::new(MetricsConfig::default()).expect("the default config is valid");
    let mut group = c.benchmark_group("metrics");
    group.sample_size(10);
    group.throughput(Throughput::Elements(synthetic.n_tokens() as u64));
    let reference = Reference::new(&human);
    group.bench_function("reference_1m", |b| b.iter(|| Reference::new(&human)));
    group.bench_function("compute_1m_vs_reference_1m", |b| {
        b.iter(|| {
            let mut rng = ChaCha8Rng::seed_from_u64(2);
            metrics
                .compute(&synthetic, &vocab, Some(&reference), None, &mut rng)
                .expect("ids are in the vocab")
        })
    });
    let half = MetricsConfig { sample_tokens: Some(500_000), ..MetricsConfig::default() };
    let sampled = TextMetrics::new(half).expect("valid");
    group.bench_function("compute_1m_sample_500k_10_draws", |b| {
        b.iter(|| {
            let mut rng = ChaCha8Rng::seed_from_u64(2);
            sampled
                .compute(&synthetic, &vocab, Some(&reference), None, &mut rng)
                .expect("ids are in the vocab")
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
