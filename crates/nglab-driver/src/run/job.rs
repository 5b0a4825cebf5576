//! One job: a (cell, seed) pair run generation by generation, each
//! generation's state written atomically so that an interrupted run resumes.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use anyhow::Context;
use nglab_lm::{
    estimate, EstimateConfig, Model, NgramCounts, Perplexity, SampleStats, SentenceScore, Smoothing,
};
use nglab_metrics::{unigram_counts, MetricsReport, Reference, TextMetrics};
use nglab_tokenizer::{AnyTokenizer, Corpus, Tokenizer, Vocab};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::config::{Cell, Experiment};
use super::files::{read_ids, write_atomic, write_ids};
use super::regime::Regime;
use super::regime::{synthetic_budget, training_text, TrainingText};
use super::sampling::sample;

/// The human side of an experiment, shared by every job.
pub struct Human {
    /// The fixed vocabulary: the human training text's.
    pub vocab: Vocab,
    /// The tokenizer, to spell sample sentences.
    pub tokenizer: AnyTokenizer,
    /// The human training text.
    pub train: Corpus,
    /// The held-out human text, in `vocab` (unseen words are `<unk>`).
    pub heldout: Corpus,
    /// The training text's n-gram tables, the reference of the metrics.
    pub reference: Reference,
}

/// What a random stream is used for. With the seed and the generation it
/// names one ChaCha8 stream, the same in every cell, so seeds are paired.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    /// Sampling the generation's synthetic corpus.
    Sample = 1,
    /// Drawing the human share (`mix`) or the pool sample (`accumulate-subsample`).
    Compose = 2,
    /// The metrics' equal-size samples.
    Metrics = 3,
}

/// The random stream of (seed, generation, purpose): independent of the cell,
/// the thread and the order in which jobs run.
pub fn stream(seed: u64, generation: usize, purpose: Purpose) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(b"nglabrun");
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(((generation as u64) << 8) | purpose as u64);
    rng
}

/// One (cell, seed) of the grid.
#[derive(Debug, Clone, Copy)]
pub struct Job {
    /// Index of the cell in [`Experiment::cells`].
    pub cell_index: usize,
    /// The cell.
    pub cell: Cell,
    /// The seed.
    pub seed: u64,
}

impl Job {
    /// The job's directory name under `state/` and `corpora/`.
    pub fn name(&self) -> String {
        format!("cell{:03}-seed{}", self.cell_index, self.seed)
    }
}

/// Bins of the per-sentence perplexity histograms: log10 perplexity in
/// `[0, HIST_MAX)` in steps of `HIST_STEP`; the last bin takes the rest.
pub const HIST_STEP: f64 = 0.05;
/// Upper end of the histogram's log10 perplexity range.
pub const HIST_MAX: f64 = 5.0;
/// Sample sentences kept per generation.
const SAMPLES: usize = 3;

/// Everything measured in one generation of one job; written to
/// `state/JOB/gen-G.json` when the generation is complete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenRecord {
    /// The generation (0: trained on human text).
    pub generation: usize,
    /// Human tokens of the training text.
    pub human_tokens: usize,
    /// Human tokens / training tokens.
    pub human_share: Option<f64>,
    /// Tokens of the whole training text.
    pub train_tokens: usize,
    /// Sentences of the whole training text.
    pub train_sentences: usize,
    /// Distinct tokens of the whole training text.
    pub types: usize,
    /// Tokens seen once in the whole training text.
    pub hapax: usize,
    /// The metrics of the whole training text against the human training
    /// text (the lexical ones on samples of the human training size).
    pub metrics: MetricsReport,
    /// Held-out perplexity and its OOV rate.
    pub heldout_ppl: Option<f64>,
    /// Held-out perplexity without OOV tokens.
    pub heldout_ppl_excl_oov: Option<f64>,
    /// Held-out OOV rate.
    pub heldout_oov_rate: Option<f64>,
    /// Perplexity of the training text under the generation-0 model.
    pub synthetic_ppl_gen0: Option<f64>,
    /// N-grams of the model, all orders.
    pub ngrams: usize,
    /// N-grams per order.
    pub ngrams_by_order: Vec<usize>,
    /// Orders whose discounts fell back to the configured defaults.
    pub discount_fallback: Vec<usize>,
    /// Sentences of the corpus this generation's model sampled for the next
    /// generation that were cut at the maximum length (`None` at the last
    /// generation, which samples nothing).
    pub sampled_max_len_hits: Option<usize>,
    /// `<unk>` draws the sampler redrew while sampling that corpus.
    pub sampled_unk_redrawn: Option<usize>,
    /// Why a value of this record (outside `metrics`) is undefined.
    pub undefined: Vec<(String, String)>,
    /// Per-sentence log10 perplexity under the generation-0 model of the
    /// generation's newest text (the human text at generation 0, else the
    /// synthetic corpus sampled for it), binned by [`HIST_STEP`].
    pub ppl_hist: Vec<u64>,
    /// (rank, frequency) of the training text's words at log-spaced ranks.
    pub rank_freq: Vec<(u64, u64)>,
    /// The first sentences of the generation's newest text.
    pub samples: Vec<String>,
    /// Wall seconds per stage (not deterministic; only in `timings.csv`).
    pub timings: Vec<(String, f64)>,
}

/// Generation 0 of a cell: the human text's counts and model, the same for
/// every cell of the same order and smoothing and for every seed.
pub struct Gen0 {
    counts: NgramCounts,
    model: Model,
    count_seconds: f64,
    estimate_seconds: f64,
}

/// The generation-0 models of a run, each built once, by the first job that
/// needs it (a job needing one under construction waits for it): the jobs of
/// a grid would otherwise all count and estimate the same human text.
pub struct Gen0Cache {
    slots: Vec<(Gen0Key, OnceLock<Result<Gen0, String>>)>,
}

/// What generation 0 depends on besides the human text: order and smoothing.
type Gen0Key = (usize, Smoothing);

impl Gen0Cache {
    /// One empty slot per distinct (order, smoothing) of `cells`.
    pub fn new(cells: &[Cell]) -> Gen0Cache {
        let mut slots: Vec<(Gen0Key, OnceLock<Result<Gen0, String>>)> = Vec::new();
        for c in cells {
            if !slots.iter().any(|(key, _)| *key == (c.order, c.smoothing)) {
                slots.push(((c.order, c.smoothing), OnceLock::new()));
            }
        }
        Gen0Cache { slots }
    }

    /// The generation 0 of `cell`, and whether this call built it.
    fn get(&self, cell: &Cell, human: &Human) -> anyhow::Result<(&Gen0, bool)> {
        let slot = &self
            .slots
            .iter()
            .find(|(key, _)| *key == (cell.order, cell.smoothing))
            .expect("a slot per cell")
            .1;
        let mut built = false;
        let gen0 = slot.get_or_init(|| {
            built = true;
            let build = || -> anyhow::Result<Gen0> {
                let t = Instant::now();
                let mut counts = NgramCounts::new(cell.order)?;
                counts.add_corpus(&human.train);
                let count_seconds = t.elapsed().as_secs_f64();
                let t = Instant::now();
                let model = estimate(&counts, &human.vocab, &EstimateConfig::new(cell.smoothing)?)?;
                Ok(Gen0 { counts, model, count_seconds, estimate_seconds: t.elapsed().as_secs_f64() })
            };
            build().map_err(|e| format!("{e:#}"))
        });
        match gen0 {
            Ok(gen0) => Ok((gen0, built)),
            Err(e) => Err(anyhow::anyhow!("{e}")).context("training generation 0"),
        }
    }
}

/// Context shared by the jobs of a run.
pub struct JobContext<'a> {
    /// The experiment.
    pub experiment: &'a Experiment,
    /// The human texts.
    pub human: &'a Human,
    /// The metrics.
    pub metrics: &'a TextMetrics,
    /// The generation-0 models, shared by the jobs.
    pub gen0: &'a Gen0Cache,
    /// `DIR/state`.
    pub state_dir: PathBuf,
    /// `DIR/corpora` when synthetic corpora are kept.
    pub corpora_dir: Option<PathBuf>,
    /// Threads of the sampler.
    pub sample_threads: usize,
}

/// The path of a generation's record.
pub fn record_path(state_dir: &Path, job: &Job, generation: usize) -> PathBuf {
    state_dir.join(job.name()).join(format!("gen-{generation}.json"))
}

/// The path of the synthetic corpus a generation trains on (state for a resume).
pub fn synthetic_path(state_dir: &Path, job: &Job, generation: usize) -> PathBuf {
    state_dir.join(job.name()).join(format!("synthetic-{generation}.ids"))
}

/// Reads a generation's record, `None` if the generation did not complete.
pub fn read_record(path: &Path) -> anyhow::Result<Option<GenRecord>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(
            serde_json::from_slice(&bytes).with_context(|| format!("reading state {}", path.display()))?,
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading state {}", path.display())),
    }
}

/// A perplexity as a finite value, or `None` with the reason pushed.
fn ppl_value(
    name: &str,
    value: Option<f64>,
    undefined: &mut Vec<(String, String)>,
    reason: impl FnOnce() -> String,
) -> Option<f64> {
    let v = value.filter(|v| v.is_finite());
    if v.is_none() {
        undefined.push((name.to_owned(), reason()));
    }
    v
}

/// Log-spaced ranks 1..=n: every rank up to 10, then about 20 per decade.
fn log_ranks(n: usize) -> Vec<usize> {
    let mut ranks = Vec::new();
    let mut r = 1.0f64;
    while (r as usize) <= n {
        let k = r as usize;
        if ranks.last() != Some(&k) {
            ranks.push(k);
        }
        r = if r < 10.0 { r + 1.0 } else { r * 10f64.powf(0.05) };
    }
    if n > 0 && ranks.last() != Some(&n) {
        ranks.push(n);
    }
    ranks
}

/// Runs (or resumes) one job; calls `progress` after each generation.
pub fn run_job(
    ctx: &JobContext<'_>,
    job: &Job,
    progress: &(dyn Fn(&Job, &GenRecord) + Sync),
    cancelled: &(dyn Fn() -> bool + Sync),
) -> anyhow::Result<()> {
    let exp = ctx.experiment;
    let human = ctx.human;
    let cell = &job.cell;
    let estimate_config = EstimateConfig::new(cell.smoothing)?;
    let total = exp.synthetic_tokens.unwrap_or(human.train.n_tokens());
    std::fs::create_dir_all(ctx.state_dir.join(job.name()))
        .with_context(|| format!("creating {}", ctx.state_dir.display()))?;

    // Resume after the last complete generation.
    let mut done = 0;
    while done < exp.generations && record_path(&ctx.state_dir, job, done).is_file() {
        done += 1;
    }
    if done == exp.generations {
        return Ok(());
    }
    let keep_all = matches!(cell.regime, Regime::Accumulate | Regime::AccumulateSubsample);
    let mut synthetic: Vec<Corpus> = Vec::new();
    for g in 1..=done.min(exp.generations - 1) {
        let path = synthetic_path(&ctx.state_dir, job, g);
        let corpus = if keep_all || g == done { read_ids(&path)? } else { Corpus::new() };
        synthetic.push(corpus);
    }

    let count = |corpus: &Corpus| -> anyhow::Result<NgramCounts> {
        let mut counts = NgramCounts::new(cell.order)?;
        counts.add_corpus(corpus);
        Ok(counts)
    };
    let t = Instant::now();
    let (shared, built) = ctx.gen0.get(cell, human)?;
    let gen0 = &shared.model;
    // Timings: the work done or the wait for another job's.
    let (count0, estimate0) = if built {
        (shared.count_seconds, shared.estimate_seconds)
    } else {
        (t.elapsed().as_secs_f64(), 0.0)
    };

    // Under accumulate, the counts and the generation-0 score of the growing
    // pool are kept and extended by each new corpus, in the same order on a
    // resume, so the results are the same.
    let accumulate = cell.regime == Regime::Accumulate;
    let mut pool_counts = None;
    let mut pool_score = None;
    if accumulate && done > 0 {
        let mut counts = shared.counts.clone();
        let mut score = Perplexity::default();
        human.train.sentences().for_each(|s| score.add(&gen0.score_sentence(s)));
        for corpus in &synthetic[..done - 1] {
            counts.merge(&count(corpus)?)?;
            corpus.sentences().for_each(|s| score.add(&gen0.score_sentence(s)));
        }
        pool_counts = Some(counts);
        pool_score = Some(score);
    } else if accumulate {
        pool_counts = Some(shared.counts.clone());
    }

    for g in done..exp.generations {
        if cancelled() {
            return Ok(());
        }
        let mut timings = Vec::new();
        let text = if g == 0 {
            TrainingText { corpus: human.train.clone(), human_tokens: human.train.n_tokens() }
        } else {
            let t = Instant::now();
            let text = training_text(
                cell.regime,
                &human.train,
                &synthetic,
                total,
                &mut stream(job.seed, g, Purpose::Compose),
            );
            timings.push(("compose".to_owned(), t.elapsed().as_secs_f64()));
            text
        };
        let trained;
        let model = if g == 0 {
            timings.push(("count".to_owned(), count0));
            timings.push(("estimate".to_owned(), estimate0));
            gen0
        } else {
            let t = Instant::now();
            let counts = match &mut pool_counts {
                Some(pool) => {
                    let newest = synthetic.last().expect("generation >= 1 has a synthetic corpus");
                    pool.merge(&count(newest)?)?;
                    &*pool
                }
                None => &count(&text.corpus)?,
            };
            timings.push(("count".to_owned(), t.elapsed().as_secs_f64()));
            let t = Instant::now();
            trained = estimate(counts, &human.vocab, &estimate_config)
                .with_context(|| format!("training generation {g}"))?;
            timings.push(("estimate".to_owned(), t.elapsed().as_secs_f64()));
            &trained
        };

        let t = Instant::now();
        let metrics = ctx
            .metrics
            .compute(
                &text.corpus,
                &human.vocab,
                Some(&human.reference),
                None,
                &mut stream(job.seed, g, Purpose::Metrics),
            )
            .with_context(|| format!("metrics of generation {g}"))?;
        timings.push(("metrics".to_owned(), t.elapsed().as_secs_f64()));

        let t = Instant::now();
        let mut undefined = Vec::new();
        let (heldout_ppl, heldout_ppl_excl_oov, heldout_oov_rate) = match model.perplexity(&human.heldout) {
            Ok(p) => {
                let why = || infinite_reason(&p);
                (
                    ppl_value("heldout_ppl", p.perplexity(), &mut undefined, why),
                    ppl_value("heldout_ppl_excl_oov", p.perplexity_excl_oov(), &mut undefined, why),
                    ppl_value("heldout_oov_rate", p.oov_rate(), &mut undefined, || {
                        "no held-out tokens".into()
                    }),
                )
            }
            Err(e) => {
                for name in ["heldout_ppl", "heldout_ppl_excl_oov", "heldout_oov_rate"] {
                    undefined.push((name.to_owned(), e.to_string()));
                }
                (None, None, None)
            }
        };
        // The training text under generation 0, and the histogram of its
        // newest part (a suffix of it, except under accumulate-subsample).
        let newest = if g == 0 {
            &human.train
        } else {
            synthetic.last().expect("generation >= 1 has a synthetic corpus")
        };
        let mut synthetic_ppl_gen0 = None;
        let mut ppl_hist = Vec::new();
        if gen0.is_normalized() {
            ppl_hist = vec![0u64; (HIST_MAX / HIST_STEP).round() as usize + 1];
            let mut add = |score: &SentenceScore| {
                let log_ppl = -score.log10_prob / score.tokens as f64;
                let bin = if log_ppl.is_finite() {
                    ((log_ppl.max(0.0) / HIST_STEP) as usize).min(ppl_hist.len() - 1)
                } else {
                    ppl_hist.len() - 1
                };
                ppl_hist[bin] += 1;
            };
            let n = text.corpus.n_sentences();
            let suffix = !(g > 0 && cell.regime == Regime::AccumulateSubsample);
            let first_newest = if suffix { n - newest.n_sentences().min(n) } else { n };
            let total = match &mut pool_score {
                // The pool's earlier sentences were scored before: only the newest now.
                Some(pool) if g > 0 => {
                    newest.sentences().for_each(|s| {
                        let score = gen0.score_sentence(s);
                        pool.add(&score);
                        add(&score);
                    });
                    *pool
                }
                _ => {
                    let mut total = Perplexity::default();
                    for (i, s) in text.corpus.sentences().enumerate() {
                        let score = gen0.score_sentence(s);
                        total.add(&score);
                        if i >= first_newest {
                            add(&score);
                        }
                    }
                    if !suffix {
                        newest.sentences().for_each(|s| add(&gen0.score_sentence(s)));
                    }
                    total
                }
            };
            if accumulate && g == 0 {
                pool_score = Some(total);
            }
            synthetic_ppl_gen0 = ppl_value("synthetic_ppl_gen0", total.perplexity(), &mut undefined, || {
                infinite_reason(&total)
            });
        } else {
            let why = "stupid backoff scores are not probabilities".to_owned();
            undefined.push(("synthetic_ppl_gen0".to_owned(), why.clone()));
            undefined.push(("ppl_hist".to_owned(), why));
        }
        timings.push(("score".to_owned(), t.elapsed().as_secs_f64()));

        let mut freqs: Vec<u64> = unigram_counts(&text.corpus).into_iter().filter(|&c| c > 0).collect();
        let (types, hapax) = (freqs.len(), freqs.iter().filter(|&&c| c == 1).count());
        freqs.sort_unstable_by(|a, b| b.cmp(a));
        let rank_freq = log_ranks(freqs.len()).into_iter().map(|r| (r as u64, freqs[r - 1])).collect();
        let samples = newest
            .sentences()
            .take(SAMPLES)
            .map(|s| {
                let tokens: Vec<&str> = s.iter().map(|&id| human.vocab.token(id)).collect();
                human.tokenizer.decode(&tokens).unwrap_or_else(|_| tokens.join(" "))
            })
            .collect();

        // The next generation's synthetic corpus, saved before this record.
        let mut next = None;
        let mut sampled = None;
        if g + 1 < exp.generations {
            let t = Instant::now();
            let budget = synthetic_budget(cell.regime, total);
            let (corpus, stats) = if budget == 0 {
                (Corpus::new(), SampleStats::default())
            } else {
                let seed = stream(job.seed, g + 1, Purpose::Sample).next_u64();
                sample(model, cell, budget, seed, ctx.sample_threads)
                    .with_context(|| format!("sampling generation {}", g + 1))?
            };
            if stats.tokens < budget {
                undefined.push((
                    "sample".to_owned(),
                    format!(
                        "the model wrote {} sentences with only {} of the {budget} tokens, the rest empty: \
                         it has collapsed to `</s>`",
                        stats.sentences, stats.tokens
                    ),
                ));
            }
            sampled = Some(stats);
            timings.push(("sample".to_owned(), t.elapsed().as_secs_f64()));
            write_ids(&synthetic_path(&ctx.state_dir, job, g + 1), &corpus)?;
            if let Some(dir) = &ctx.corpora_dir {
                let dir = dir.join(job.name());
                std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
                write_atomic(&dir.join(format!("gen-{}.txt", g + 1)), |w| {
                    for s in corpus.sentences() {
                        let tokens: Vec<&str> = s.iter().map(|&id| human.vocab.token(id)).collect();
                        writeln!(w, "{}", tokens.join(" "))?;
                    }
                    Ok(())
                })?;
            }
            next = Some(corpus);
        }

        let record = GenRecord {
            generation: g,
            human_tokens: text.human_tokens,
            human_share: text.human_share(),
            train_tokens: text.corpus.n_tokens(),
            train_sentences: text.corpus.n_sentences(),
            types,
            hapax,
            metrics,
            heldout_ppl,
            heldout_ppl_excl_oov,
            heldout_oov_rate,
            synthetic_ppl_gen0,
            ngrams: model.n_grams_total(),
            ngrams_by_order: (1..=model.order()).map(|n| model.n_grams(n)).collect(),
            discount_fallback: model
                .info()
                .discounts
                .iter()
                .filter(|d| d.fallback.is_some())
                .map(|d| d.order)
                .collect(),
            sampled_max_len_hits: sampled.as_ref().map(|s| s.max_len_hits),
            sampled_unk_redrawn: sampled.as_ref().map(|s| s.unk_resampled),
            undefined,
            ppl_hist,
            rank_freq,
            samples,
            timings,
        };
        write_atomic(&record_path(&ctx.state_dir, job, g), |w| {
            serde_json::to_writer(&mut *w, &record)?;
            Ok(())
        })?;
        progress(job, &record);
        if let Some(corpus) = next {
            if !keep_all {
                synthetic.iter_mut().for_each(|c| *c = Corpus::new());
            }
            synthetic.push(corpus);
        }
    }
    Ok(())
}

fn infinite_reason(p: &Perplexity) -> String {
    if p.tokens == 0 {
        "no tokens to score".to_owned()
    } else {
        "infinite: the model gives probability 0 to a token".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(regime: &str, order: usize, smoothing: &str, temperature: f64) -> Cell {
        Cell {
            regime: regime.parse().unwrap(),
            order,
            smoothing: smoothing.parse().unwrap(),
            temperature,
            top_p: 1.0,
            top_k: 0,
        }
    }

    #[test]
    fn one_generation_0_per_order_and_smoothing() {
        let cells = [
            cell("replace", 3, "mkn", 1.0),
            cell("accumulate", 3, "mkn", 0.8),
            cell("replace", 2, "mkn", 1.0),
            cell("mix:0.1", 3, "wb", 1.0),
            cell("mix:0.1", 2, "mkn", 1.0),
        ];
        let keys: Vec<(usize, String)> =
            Gen0Cache::new(&cells).slots.iter().map(|((o, s), _)| (*o, s.to_string())).collect();
        assert_eq!(keys, [(3, "mkn".to_owned()), (2, "mkn".to_owned()), (3, "wb".to_owned())]);
    }
}
