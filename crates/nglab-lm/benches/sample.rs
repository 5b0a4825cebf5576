//! Sampling throughput from an order-3 modified Kneser-Ney model of Brown
//! (`corpora/brown/train.txt` when it was fetched, else the committed 2k
//! fixture), by `Sampler::sentences` (the path of `sample_corpus`), one
//! thread, for each decoding knob: pure ancestral, temperature 0.7 and 1.3,
//! top-k 50, top-p 0.9, min-p 0.05, temperature 0.7 with top-p 0.9, greedy;
//! each with its per-context caches warm (a long run), and top-p 0.9 also
//! cold (a fresh sampler). `Throughput::Elements` counts sampled words.
//! `NGLAB_BENCH_FIXTURE=1` benches the 2k fixture even when the full Brown is there.
//! `NGLAB_BENCH_CPU=PAT` first prints words per CPU second of this thread
//! (from `/proc/thread-self/stat`; a loaded machine disturbs it less than
//! wall time), warm (over 3 s) and cold (a fresh sampler's first 20,000
//! sentences, set-up included), for the configurations whose label contains
//! PAT (empty for all; `ancestral one by one` is by `Sampler::sentence`),
//! and `NGLAB_BENCH_CPU_ONLY=1` stops there.

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
    counts.add_corpus(&corpus, 2);
    let config = EstimateConfig::new(Smoothing::ModifiedKneserNey).expect("valid");
    let model = estimate(&counts, &vocab, &config, 2).expect("Brown estimates");
    let name = format!("{} ({} tokens)", path.file_name().unwrap().to_string_lossy(), corpus.n_tokens());
    (model, name)
}

/// Samples `n` sentences with a fresh RNG of seed 1 by [`Sampler::sentences`]
/// (as `sample_corpus` does); returns the words written.
fn run(sampler: &mut Sampler<'_>, n: usize, out: &mut Corpus) -> usize {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    *out = Corpus::new();
    sampler.sentences(&mut rng, n, |_| &[], out).expect("no prefix");
    out.n_tokens()
}

/// The same by [`Sampler::sentence`], one sentence at a time.
fn run_one_by_one(sampler: &mut Sampler<'_>, n: usize, out: &mut Vec<TokenId>) -> usize {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut words = 0;
    for _ in 0..n {
        out.clear();
        sampler.sentence(&mut rng, &[], out).expect("valid prefix");
        words += out.len();
    }
    words
}

/// CPU seconds (user + system) of this thread so far, from `/proc/thread-self/stat`.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    // Fields 14 and 15 of stat(5) (utime, stime), counted after the command name.
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Words per CPU second over at least `min_cpu` seconds of sampling, in
/// batches of the same 20,000 sentences as the criterion runs.
fn cpu_rate(sampler: &mut Sampler<'_>, out: &mut Corpus, min_cpu: f64) -> Option<f64> {
    let start = thread_cpu_seconds()?;
    let mut words = 0;
    loop {
        words += run(sampler, 20_000, out);
        let t = thread_cpu_seconds()? - start;
        if t >= min_cpu {
            return Some(words as f64 / t);
        }
    }
}

/// The configurations measured, by label.
fn configs() -> Vec<(&'static str, SampleConfig)> {
    let d = SampleConfig::default;
    vec![
        ("ancestral", d()),
        ("temperature 0.7", SampleConfig { temperature: 0.7, ..d() }),
        ("temperature 1.3", SampleConfig { temperature: 1.3, ..d() }),
        ("top-k 50", SampleConfig { top_k: Some(50), ..d() }),
        ("top-p 0.9", SampleConfig { top_p: Some(0.9), ..d() }),
        ("min-p 0.05", SampleConfig { min_p: Some(0.05), ..d() }),
        ("temperature 0.7 top-p 0.9", SampleConfig { temperature: 0.7, top_p: Some(0.9), ..d() }),
        ("greedy", SampleConfig { greedy: true, ..d() }),
    ]
}

fn bench(c: &mut Criterion) {
    let (model, name) = brown_model();
    if let Ok(pat) = std::env::var("NGLAB_BENCH_CPU") {
        let mut out = Corpus::new();
        for (label, config) in configs() {
            if !label_wanted(&pat, label) {
                continue;
            }
            // Cold: a fresh sampler's first 20,000 sentences (its set-up and
            // every context's first visit included), as one generation starts.
            let start = thread_cpu_seconds();
            let mut sampler = Sampler::new(&model, &config).expect("valid config");
            let words = run(&mut sampler, 20_000, &mut out);
            let cold = match (start, thread_cpu_seconds()) {
                (Some(a), Some(b)) => format!("{:.3}", words as f64 / (b - a) / 1e6),
                _ => "?".into(),
            };
            if let Some(rate) = cpu_rate(&mut sampler, &mut out, 3.0) {
                eprintln!("{name}: {label}: warm {:.3}, cold {cold} M words per CPU second", rate / 1e6);
            }
        }
        if label_wanted(&pat, "ancestral one by one") {
            let mut sampler = Sampler::new(&model, &SampleConfig::default()).expect("valid config");
            let mut words = Vec::new();
            if let Some(start) = thread_cpu_seconds() {
                let mut n = 0;
                while thread_cpu_seconds().is_some_and(|t| t - start < 3.0) {
                    n += run_one_by_one(&mut sampler, 20_000, &mut words);
                }
                let t = thread_cpu_seconds().unwrap_or(start) - start;
                eprintln!("{name}: ancestral one by one: {:.3} M words per CPU second", n as f64 / t / 1e6);
            }
        }
        if std::env::var_os("NGLAB_BENCH_CPU_ONLY").is_some() {
            return;
        }
    }
    let mut group = c.benchmark_group("sample");
    group.sample_size(10);
    let n = 20_000;
    let mut out = Corpus::new();
    for (label, config) in configs() {
        let mut warm = Sampler::new(&model, &config).expect("valid config");
        if label == "ancestral" {
            eprintln!("{name}: ancestral tables {} bytes", warm.table_bytes());
        }
        let words = run(&mut warm, n, &mut out);
        group.throughput(Throughput::Elements(words as u64));
        group.bench_function(BenchmarkId::new(label, &name), |b| b.iter(|| run(&mut warm, n, &mut out)));
    }
    let top_p = SampleConfig { top_p: Some(0.9), ..SampleConfig::default() };
    let words = run(&mut Sampler::new(&model, &top_p).expect("valid config"), n, &mut out);
    group.throughput(Throughput::Elements(words as u64));
    group.bench_function(BenchmarkId::new("top-p 0.9 cold", &name), |b| {
        b.iter(|| run(&mut Sampler::new(&model, &top_p).expect("valid config"), n, &mut out))
    });
    group.finish();
}

/// Whether `label` is among those that `pat` selects (empty: all).
fn label_wanted(pat: &str, label: &str) -> bool {
    label.contains(pat)
}

criterion_group!(benches, bench);
criterion_main!(benches);
