//! Sampling throughput from an order-3 modified Kneser-Ney model of Brown
//! (`corpora/brown/train.txt` when it was fetched, else the committed 2k
//! fixture): pure ancestral sampling, and top-p 0.9 with its decoding-table
//! cache warm (a long run) and cold (a fresh sampler: every context's table
//! built once). One thread; `Throughput::Elements` counts sampled words.
//! `NGLAB_BENCH_FIXTURE=1` benches the 2k fixture even when the full Brown is there.

// criterion_group! generates an undocumented `pub fn`.
#![allow(missing_docs)]

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nglab_lm::{estimate, EstimateConfig, Model, NgramCounts, SampleConfig, Sampler, Smoothing};
use nglab_tokenizer::{Corpus, TokenId, Vocab};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn brown_model() -> (Model, String) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let full = root.join("corpora/brown/train.txt");
    // NGLAB_BENCH_FIXTURE=1 forces the small fixture.
    let fixture = std::env::var_os("NGLAB_BENCH_FIXTURE").is_some();
    let path =
        if full.exists() && !fixture { full } else { root.join("tests/data/kenlm/brown-2k.train.txt") };
    let text = std::fs::read_to_string(&path).expect("the Brown fixture is committed");
    let mut vocab = Vocab::new();
    let mut corpus = Corpus::new();
    for line in text.lines() {
        let ids: Vec<TokenId> =
            line.split([' ', '\t', '\r']).filter(|w| !w.is_empty()).map(|w| vocab.get_or_insert(w)).collect();
        corpus.push(&ids);
    }
    let mut counts = NgramCounts::new(3).expect("3 is a valid order");
    counts.add_corpus(&corpus);
    let config = EstimateConfig::new(Smoothing::ModifiedKneserNey).expect("valid");
    let model = estimate(&counts, &vocab, &config).expect("Brown estimates");
    let name = format!("{} ({} tokens)", path.file_name().unwrap().to_string_lossy(), corpus.n_tokens());
    (model, name)
}

/// Samples `n` sentences with a fresh RNG of seed 1; returns the words written.
fn run(sampler: &mut Sampler<'_>, n: usize, out: &mut Vec<TokenId>) -> usize {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut words = 0;
    for _ in 0..n {
        out.clear();
        sampler.sentence(&mut rng, &[], out).expect("valid prefix");
        words += out.len();
    }
    words
}

fn bench(c: &mut Criterion) {
    let (model, name) = brown_model();
    let mut group = c.benchmark_group("sample");
    group.sample_size(10);
    let n = 20_000;
    let mut out = Vec::new();

    let pure = SampleConfig::default();
    let mut sampler = Sampler::new(&model, &pure).expect("valid config");
    eprintln!("{name}: ancestral tables {} bytes", sampler.table_bytes());
    let words = run(&mut sampler, n, &mut out);
    group.throughput(Throughput::Elements(words as u64));
    group.bench_function(BenchmarkId::new("ancestral", &name), |b| b.iter(|| run(&mut sampler, n, &mut out)));

    let top_p = SampleConfig { top_p: Some(0.9), ..SampleConfig::default() };
    let mut warm = Sampler::new(&model, &top_p).expect("valid config");
    let words = run(&mut warm, n, &mut out);
    group.throughput(Throughput::Elements(words as u64));
    group.bench_function(BenchmarkId::new("top-p 0.9 warm", &name), |b| {
        b.iter(|| run(&mut warm, n, &mut out))
    });
    group.bench_function(BenchmarkId::new("top-p 0.9 cold", &name), |b| {
        b.iter(|| run(&mut Sampler::new(&model, &top_p).expect("valid config"), n, &mut out))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
