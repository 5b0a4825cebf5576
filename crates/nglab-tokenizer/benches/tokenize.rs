//! Tokenizing about a million words with `whitespace` and `words`.
//!
//! Reads `corpora/brown/train.txt` when `scripts/fetch-corpus.sh brown` has
//! made it, else generates a million words of Zipf-like synthetic text.

use std::path::Path;

use criterion::{criterion_main, Criterion, Throughput};
use nglab_tokenizer::{Corpus, CorpusText, Tokenizer, Utf8Policy, Vocab, Whitespace, Words};

/// Brown train if present, else synthetic sentences of about 1M words.
fn text() -> CorpusText {
    let brown = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpora/brown/train.txt");
    if let Ok(bytes) = std::fs::read(&brown) {
        return CorpusText::from_bytes(bytes, &brown, Utf8Policy::Strict)
            .expect("brown train is valid UTF-8");
    }
    // A fixed linear congruential generator: deterministic, no RNG crate.
    let mut state: u64 = 1;
    let mut next = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    let words: Vec<String> = (0..20_000).map(|i| format!("w{i}")).collect();
    let mut out = String::new();
    for _ in 0..50_000 {
        for j in 0..20 {
            if j > 0 {
                out.push(' ');
            }
            // Roughly Zipf: the square of a uniform draw favours small ranks.
            let u = next() % 141;
            out.push_str(&words[u * u]);
        }
        out.push_str(" .\n");
    }
    CorpusText::from_string(out)
}

fn bench(c: &mut Criterion) {
    let text = text();
    let n_words: usize = text.sentences().map(|s| Whitespace.encode(s).map_or(0, |t| t.len())).sum();
    let mut group = c.benchmark_group("tokenize");
    group.throughput(Throughput::Elements(n_words as u64));
    group.sample_size(10);
    group.bench_function("whitespace", |b| {
        b.iter(|| {
            let mut vocab = Vocab::new();
            Corpus::encode_growing(text.sentences(), &Whitespace, &mut vocab).expect("whitespace never fails")
        })
    });
    group.bench_function("words", |b| {
        b.iter(|| {
            let mut vocab = Vocab::new();
            Corpus::encode_growing(text.sentences(), &Words::default(), &mut vocab)
                .expect("words never fails")
        })
    });
    group.bench_function("read", |b| {
        b.iter(|| CorpusText::from_string(text.sentences().collect::<Vec<_>>().join("\n")))
    });
    group.finish();
}

// criterion_group! makes a public function without docs.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::bench);
}
criterion_main!(group::benches);
