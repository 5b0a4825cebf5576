//! One job: a (cell, seed) pair run generation by generation. A generation
//! is a list of stages, each in its own module and with its own timing:
//! compose the training text (`regime`), measure the text (`text_metrics`,
//! before the model exists, so that the metrics' tables and the model are
//! never resident together), train (`train`), measure the model
//! (`model_metrics`), measure it against the world's model with `--world`
//! (`truth`), free the corpora no later generation needs, sample the next
//! corpus (`sampling`), persist (`record`). Each generation's state is
//! written atomically, so an interrupted run resumes after the last
//! complete generation.

use std::borrow::Cow;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use nglab_lm::{NgramCounts, Perplexity, SampleConfig};
use nglab_metrics::{TextCounts, TextMetrics};
use nglab_tokenizer::Corpus;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::config::{Cell, Experiment};
use super::files::read_ids;
use super::gen0::{Gen0, Gen0Cache};
use super::human::Human;
use super::lineage::Lineage;
use super::record::{completed, persist, synthetic_path, GenRecord};
use super::regime::{synthetic_budget, training_text, Regime, TrainingText};
use super::truth::Truth;
use super::{model_metrics, sampling, text_metrics, train, truth};

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
    /// The equal-size samples of the newest text's metrics.
    NewestMetrics = 4,
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
        format!("{}-seed{}", super::config::cell_name(self.cell_index), self.seed)
    }
}

/// Context shared by the jobs of a run.
pub struct JobContext<'a> {
    /// The experiment.
    pub experiment: &'a Experiment,
    /// The human texts.
    pub human: &'a Human,
    /// The world the human text was drawn from, with `--world`.
    pub truth: Option<&'a Truth>,
    /// The metrics.
    pub metrics: &'a TextMetrics,
    /// The generation-0 models, shared by the jobs.
    pub gen0: &'a Gen0Cache,
    /// `DIR/state`.
    pub state_dir: PathBuf,
    /// `DIR/corpora` when synthetic corpora are kept.
    pub corpora_dir: Option<PathBuf>,
    /// Threads of one job: its counting, estimation and sampling.
    pub threads: usize,
    /// The caller's cancellation token, given to the sampler.
    pub cancel: nglab_lm::Cancel,
}

/// Wall seconds per stage of one generation (only in `timings.csv`).
#[derive(Debug, Default)]
pub struct Timings(Vec<(String, f64)>);

impl Timings {
    /// Records `seconds` for `stage`.
    pub fn push(&mut self, stage: &str, seconds: f64) {
        self.0.push((stage.to_owned(), seconds));
    }

    /// Runs `f` as `stage`, timing it.
    pub fn time<T>(&mut self, stage: &str, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let out = f();
        self.push(stage, t.elapsed().as_secs_f64());
        out
    }
}

/// Under `accumulate`: the pool's counts and its score under the
/// generation-0 model, extended by each new corpus (never recounted or
/// rescored), in the same order on a resume, so the results are the same.
struct Pool {
    counts: NgramCounts,
    score: Perplexity,
    /// The metrics' n-gram counts of the pool (from its first measure on).
    text_counts: Option<TextCounts>,
}

/// What a job carries from one generation to the next.
struct JobState {
    /// The synthetic corpora of generations 1..=g; those the regime no
    /// longer needs are left empty.
    synthetic: Vec<Corpus>,
    /// Under `accumulate`, from generation 1 on: the training text, the
    /// human text followed by every synthetic corpus so far, grown by each
    /// new corpus (the corpora are not kept apart).
    pool_text: Option<Corpus>,
    /// The accumulate pool.
    pool: Option<Pool>,
    /// The human word types through the generations' newest texts.
    lineage: Lineage,
}

impl JobState {
    /// The state before generation `done`, rebuilt from the saved corpora.
    fn resume(ctx: &JobContext<'_>, job: &Job, gen0: &Gen0, done: usize) -> anyhow::Result<JobState> {
        let keep_all = job.cell.regime.keeps_every_corpus();
        let mut synthetic = Vec::new();
        for g in 1..=done.min(ctx.experiment.generations - 1) {
            let path = synthetic_path(&ctx.state_dir, job, g);
            synthetic.push(if keep_all || g == done { read_ids(&path)? } else { Corpus::new() });
        }
        let mut pool = None;
        if job.cell.regime == Regime::Accumulate {
            let mut counts = gen0.counts.clone().expect("an accumulate cell's generation 0 keeps its counts");
            let mut score = Perplexity::default();
            if done > 0 {
                let human = &ctx.human.train;
                human.sentences().for_each(|s| score.add(&gen0.model.score_sentence(s)));
                for corpus in &synthetic[..done - 1] {
                    counts.merge(&train::count(&job.cell, corpus, ctx.threads)?)?;
                    corpus.sentences().for_each(|s| score.add(&gen0.model.score_sentence(s)));
                }
            }
            pool = Some(Pool { counts, score, text_counts: None });
        }
        let pool_text = (job.cell.regime == Regime::Accumulate && !synthetic.is_empty()).then(|| {
            let mut text = ctx.human.train.clone();
            synthetic.iter().for_each(|c| text.extend_from(c));
            text
        });
        // The lineage through the newest texts of generations 0..done.
        let mut lineage = Lineage::new(&ctx.human.train);
        if done > 0 {
            lineage.observe(&ctx.human.train);
        }
        for g in 1..done {
            if keep_all {
                lineage.observe(&synthetic[g - 1]);
            } else {
                lineage.observe(&read_ids(&synthetic_path(&ctx.state_dir, job, g))?);
            }
        }
        if job.cell.regime == Regime::Accumulate {
            // In the pool now; the newest stays apart for generation `done`.
            let newest = synthetic.len().saturating_sub(1);
            synthetic[..newest].iter_mut().for_each(|c| *c = Corpus::new());
        }
        Ok(JobState { synthetic, pool_text, pool, lineage })
    }

    /// Frees the corpora that later generations under `regime` do not draw
    /// on (all of them but under `accumulate-subsample`; `accumulate`'s are
    /// in its pool text), once the generation's text is measured.
    fn release(&mut self, regime: Regime) {
        if !regime.keeps_corpora_apart() {
            self.synthetic.iter_mut().for_each(|c| *c = Corpus::new());
        }
    }

    /// Adds the corpus the generation sampled, for the generations after it.
    fn push(&mut self, regime: Regime, human: &Corpus, corpus: Corpus) {
        if regime == Regime::Accumulate {
            self.pool_text.get_or_insert_with(|| human.clone()).extend_from(&corpus);
        }
        self.synthetic.push(corpus);
    }
}

/// Runs (or resumes) one job's generations; calls `progress` after each.
/// Stops before a generation when `cancelled()`, and fails with
/// `nglab_lm::Error::Cancelled` when `ctx.cancel` stops its sampling.
pub fn run_generations(
    ctx: &JobContext<'_>,
    job: &Job,
    progress: &(dyn Fn(&Job, &GenRecord) + Sync),
    cancelled: &(dyn Fn() -> bool + Sync),
) -> anyhow::Result<()> {
    let exp = ctx.experiment;
    let human = ctx.human;
    let cell = &job.cell;
    let total = exp.synthetic_tokens.unwrap_or(human.train.n_tokens());
    let done = completed(&ctx.state_dir, job, exp.generations);
    if done == exp.generations {
        return Ok(());
    }
    let dir = ctx.state_dir.join(job.name());
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let t = Instant::now();
    let (gen0, built) = ctx.gen0.get(cell, human, ctx.threads)?;
    let waited = t.elapsed().as_secs_f64();
    let mut state = JobState::resume(ctx, job, gen0, done)?;

    for g in done..exp.generations {
        if cancelled() {
            return Ok(());
        }
        let mut timings = Timings::default();
        let text = if g == 0 {
            TrainingText { corpus: Cow::Borrowed(&human.train), human_tokens: human.train.n_tokens() }
        } else {
            timings.time("compose", || {
                let mut rng = stream(job.seed, g, Purpose::Compose);
                let pool = state.pool_text.as_ref();
                training_text(cell.regime, &human.train, &state.synthetic, pool, total, &mut rng)
            })
        };
        let newest = if g == 0 { &human.train } else { state.synthetic.last().expect("g >= 1 has one") };

        // The text first, before the model exists: the metrics' n-gram tables
        // and the model are never resident together.
        let text_facts = timings.time("metrics", || {
            let mut rng = stream(job.seed, g, Purpose::Metrics);
            let mut new_rng = stream(job.seed, g, Purpose::NewestMetrics);
            let newest_is_text = g == 0 || cell.regime == Regime::Replace;
            text_metrics::measure(
                ctx.metrics,
                human,
                g,
                &text.corpus,
                newest,
                newest_is_text,
                state.pool.as_mut().map(|p| &mut p.text_counts),
                &mut rng,
                &mut new_rng,
            )
        })?;
        let lineage = timings.time("lineage", || state.lineage.observe(newest));

        let trained = if g == 0 {
            train::generation_0(human, gen0, built, waited, &mut timings)
        } else {
            let pool = state.pool.as_mut().map(|p| &mut p.counts);
            train::generation(cell, human, g, &text.corpus, newest, pool, ctx.threads, &mut timings)?
        };

        let (model_facts, mut undefined) = timings.time("score", || {
            model_metrics::measure(
                human,
                &trained,
                &gen0.model,
                model_metrics::Scored {
                    text: &text.corpus,
                    newest,
                    newest_is_suffix: !(g > 0 && cell.regime == Regime::AccumulateSubsample),
                    pool_score: state.pool.as_mut().map(|p| &mut p.score),
                },
            )
        });

        let truth = ctx.truth.map(|t| timings.time("truth", || truth::measure(t, &trained, &mut undefined)));

        let (human_tokens, human_share) = (text.human_tokens, text.human_share());
        // The training text is measured: the corpora the next generation
        // does not draw on are freed before the sampler's tables are built.
        drop(text);
        state.release(cell.regime);

        let next = if g + 1 < exp.generations {
            Some(timings.time("sample", || {
                let seed = stream(job.seed, g + 1, Purpose::Sample).next_u64();
                let budget = synthetic_budget(cell.regime, total);
                let config =
                    SampleConfig { cancel: ctx.cancel.clone(), ..sampling::sample_config(exp, cell) };
                let next = sampling::sample_next(&trained.model, &config, g, budget, seed, ctx.threads)?;
                anyhow::Ok(sampling::Next { corpus: trained.vocab.to_human(next.corpus), ..next })
            })?)
        } else {
            None
        };
        drop(trained);

        undefined.extend(next.iter().flat_map(|n| n.undefined.iter().cloned()));
        let record = GenRecord {
            generation: g,
            human_tokens,
            human_share,
            text: text_facts,
            lineage,
            model: model_facts,
            truth,
            sampled_max_len_hits: next.as_ref().map(|n| n.stats.max_len_hits),
            sampled_unk_redrawn: next.as_ref().map(|n| n.stats.unk_resampled),
            undefined,
            timings: timings.0,
        };
        let next = next.map(|n| n.corpus);
        persist(ctx, job, &record, next.as_ref())?;
        progress(job, &record);
        if let Some(corpus) = next {
            state.push(cell.regime, &human.train, corpus);
        }
    }
    Ok(())
}
