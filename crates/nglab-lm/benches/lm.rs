//! Counting, estimation, ARPA writing and reading, and scoring on Brown: `corpora/brown/{train,test}.txt`
//! when present (run `scripts/fetch-corpus.sh brown`), else the committed
//! 2,000-sentence fixture. Throughput is in tokens.

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nglab_lm::{estimate, EstimateConfig, Model, NgramCounts, Smoothing};
use nglab_tokenizer::{Corpus, Vocab};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn load(path: &Path, vocab: &mut Vocab, grow: bool) -> Corpus {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut c = Corpus::new();
    for line in text.lines() {
        let ids: Vec<u32> = line
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(|w| if grow { vocab.get_or_insert(w) } else { vocab.id_or_unk(w) })
            .collect();
        c.push(&ids);
    }
    c
}

fn data() -> (Vocab, Corpus, Corpus) {
    let brown = root().join("corpora/brown");
    let (train, test) = if brown.join("train.txt").exists() {
        (brown.join("train.txt"), brown.join("test.txt"))
    } else {
        let d = root().join("tests/data/kenlm");
        (d.join("brown-2k.train.txt"), d.join("brown-300.test.txt"))
    };
    let mut vocab = Vocab::new();
    let train = load(&train, &mut vocab, true);
    let test = load(&test, &mut vocab, false);
    (vocab, train, test)
}

fn bench(c: &mut Criterion) {
    let (vocab, train, test) = data();
    let n_train = (train.n_tokens() + train.n_sentences()) as u64;
    let mut g = c.benchmark_group("lm");
    g.sample_size(10);
    for order in [3, 5] {
        g.throughput(Throughput::Elements(n_train));
        g.bench_with_input(BenchmarkId::new("count", order), &order, |b, &order| {
            b.iter(|| {
                let mut counts = NgramCounts::new(order).unwrap();
                counts.add_corpus(&train, 2);
                counts
            })
        });
        let mut counts = NgramCounts::new(order).unwrap();
        counts.add_corpus(&train, 2);
        let config = EstimateConfig::new(Smoothing::ModifiedKneserNey).unwrap();
        g.bench_with_input(BenchmarkId::new("estimate_mkn", order), &order, |b, _| {
            b.iter(|| estimate(&counts, &vocab, &config, 2).unwrap())
        });
        let model = estimate(&counts, &vocab, &config, 2).unwrap();
        // ARPA writing and loading, in memory (throughput in n-grams).
        g.throughput(Throughput::Elements(model.n_grams_total() as u64));
        g.bench_with_input(BenchmarkId::new("write_arpa", order), &order, |b, _| {
            b.iter(|| model.write_arpa(std::io::sink(), 2).unwrap())
        });
        let mut arpa = Vec::new();
        model.write_arpa(&mut arpa, 2).unwrap();
        g.bench_with_input(BenchmarkId::new("read_arpa", order), &order, |b, _| {
            b.iter(|| Model::read_arpa(&arpa[..], 2).unwrap())
        });
        g.throughput(Throughput::Elements((test.n_tokens() + test.n_sentences()) as u64));
        g.bench_with_input(BenchmarkId::new("score", order), &order, |b, _| {
            b.iter(|| model.perplexity(&test).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
