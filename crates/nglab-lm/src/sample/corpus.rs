//! Many sentences on many threads ([`sample_corpus`],
//! [`sample_continuations`]): chunks of [`CHUNK_SENTENCES`] sentences, each
//! drawn from its own ChaCha8 stream derived from the caller's seed, and
//! concatenated in order, so that the output does not depend on the thread
//! count. The configuration's [`Cancel`](super::Cancel) token is checked
//! before each chunk.

use nglab_tokenizer::Corpus;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::config::{Budget, SampleConfig, SampleStats};
use super::sampler::Sampler;
use crate::model::Model;
use crate::par;
use crate::{Error, Result};

/// Sentences per chunk in [`sample_corpus`]: each chunk has its own ChaCha
/// stream, so the output does not depend on the number of threads.
pub const CHUNK_SENTENCES: usize = 256;

/// [`Budget::Tokens`] of `N` stops short after `max(N, MAX_EMPTY)` empty sentences.
const MAX_EMPTY: usize = 1 << 20;

/// One chunk's output: its sentences and each sentence's stats.
struct ChunkOut {
    corpus: Corpus,
    stats: Vec<SampleStats>,
}

/// Prompts for continuation: sentence `i` continues the first `k` words of prompt `i`.
#[derive(Clone, Copy)]
struct Prompts<'a> {
    corpus: &'a Corpus,
    k: usize,
}

fn run_chunk(
    sampler: &mut Sampler<'_>,
    seed: u64,
    chunk: usize,
    n: usize,
    prompts: Option<Prompts<'_>>,
) -> Result<ChunkOut> {
    // Once per chunk, not per token: a cancelled call stops within a chunk's time.
    sampler.config.cancel.check()?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(chunk as u64);
    let mut corpus = Corpus::new();
    let prefix = |j: usize| match prompts {
        Some(p) => {
            let s = p.corpus.sentence(chunk * CHUNK_SENTENCES + j);
            &s[..s.len().min(p.k)]
        }
        None => &[][..],
    };
    let stats = sampler.sentences(&mut rng, n, prefix, &mut corpus)?;
    Ok(ChunkOut { corpus, stats })
}

/// Runs `chunks` (index, sentences) on the `samplers` (one thread each, so
/// their caches live across calls); outputs in chunk order.
fn run_chunks(
    samplers: &mut [Sampler<'_>],
    seed: u64,
    chunks: &[(usize, usize)],
    prompts: Option<Prompts<'_>>,
) -> Result<Vec<ChunkOut>> {
    // The first error in chunk order wins, whichever thread met it first.
    par::map_with(samplers, chunks.to_vec(), |s, (c, n)| run_chunk(s, seed, c, n, prompts))
        .into_iter()
        .collect()
}

/// One sampler per thread (at least one).
fn samplers<'m>(model: &'m Model, config: &SampleConfig, threads: usize) -> Result<Vec<Sampler<'m>>> {
    let first = Sampler::new(model, config)?;
    let mut all = vec![first.clone(); threads.max(1) - 1];
    all.push(first);
    Ok(all)
}

/// Many sentences from `model`, deterministic for (model, config, budget,
/// seed) whatever `threads` is (0 counts as 1): chunk `i` of
/// [`CHUNK_SENTENCES`] sentences draws from `ChaCha8Rng::seed_from_u64(seed)`
/// on stream `i`, and chunks are concatenated in order. Fails with
/// [`Error::Cancelled`] when `config.cancel` is cancelled (checked before
/// each chunk).
pub fn sample_corpus(
    model: &Model,
    config: &SampleConfig,
    budget: Budget,
    seed: u64,
    threads: usize,
) -> Result<(Corpus, SampleStats)> {
    let mut samplers = samplers(model, config, threads)?;
    let mut corpus = Corpus::new();
    let mut stats = SampleStats::default();
    match budget {
        Budget::Sentences(n) => {
            (corpus, stats) = concat(run_chunks(&mut samplers, seed, &all_chunks(n), None)?);
        }
        Budget::Tokens(n) => {
            let threads = threads.max(1);
            let mut first = 0;
            let (mut empty, max_empty) = (0, n.max(MAX_EMPTY));
            while stats.tokens < n && empty < max_empty {
                // Enough chunks for what is left at the mean length so far (one
                // wave per thread at first); only the speed depends on it.
                let per_chunk = if stats.tokens == 0 {
                    f64::INFINITY
                } else {
                    stats.tokens as f64 / stats.sentences as f64 * CHUNK_SENTENCES as f64
                };
                let wanted = ((n - stats.tokens) as f64 / per_chunk).ceil() as usize + 1;
                let wave = wanted.clamp(threads, 16 * threads);
                let chunks: Vec<(usize, usize)> =
                    (first..first + wave).map(|c| (c, CHUNK_SENTENCES)).collect();
                first += wave;
                'chunks: for out in run_chunks(&mut samplers, seed, &chunks, None)? {
                    for (s, st) in out.corpus.sentences().zip(&out.stats) {
                        corpus.push(s);
                        stats.add(st);
                        empty += usize::from(st.tokens == 0);
                        if stats.tokens >= n || empty >= max_empty {
                            break 'chunks;
                        }
                    }
                }
            }
        }
    }
    Ok((corpus, stats))
}

/// One continuation per prompt sentence (Shumailov et al.'s protocol): the
/// first `prefix_tokens` words of each sentence of `prompts` (all of a
/// shorter one) are copied and the model writes the rest. Deterministic like
/// [`sample_corpus`], and cancelled like it. A prompt longer than `max_len` is an error.
pub fn sample_continuations(
    model: &Model,
    config: &SampleConfig,
    prompts: &Corpus,
    prefix_tokens: usize,
    seed: u64,
    threads: usize,
) -> Result<(Corpus, SampleStats)> {
    let mut samplers = samplers(model, config, threads)?;
    if prefix_tokens > config.max_len {
        return Err(Error::Config(format!(
            "prefix-tokens {prefix_tokens} is longer than max-len {}",
            config.max_len
        )));
    }
    let p = Prompts { corpus: prompts, k: prefix_tokens };
    Ok(concat(run_chunks(&mut samplers, seed, &all_chunks(prompts.n_sentences()), Some(p))?))
}

/// The chunks (index, sentences) of `n` sentences.
fn all_chunks(n: usize) -> Vec<(usize, usize)> {
    (0..n.div_ceil(CHUNK_SENTENCES)).map(|c| (c, CHUNK_SENTENCES.min(n - c * CHUNK_SENTENCES))).collect()
}

/// Chunk outputs concatenated in order.
fn concat(outs: Vec<ChunkOut>) -> (Corpus, SampleStats) {
    let mut corpus = Corpus::new();
    let mut stats = SampleStats::default();
    for out in outs {
        corpus.extend_from(&out.corpus);
        out.stats.iter().for_each(|s| stats.add(s));
    }
    (corpus, stats)
}
