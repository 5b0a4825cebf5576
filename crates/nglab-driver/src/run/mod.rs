//! `nglab run`: the collapse experiment.
//!
//! Generation 0 trains on the human training text. Generation g+1 trains on
//! text sampled from generation g's model, combined with human text by the
//! regime:
//! - `replace`: only the last generation's samples, no real data kept
//!   (Shumailov et al., "AI models collapse when trained on recursively
//!   generated data", Nature 2024).
//! - `mix:F`: a fresh random share F of the human tokens (whole sentences,
//!   drawn anew every generation) plus (1-F) synthetic tokens, same total
//!   (Shumailov et al. 2024 keep 10%: `mix:0.1`).
//! - `accumulate`: the human text plus every synthetic corpus so far
//!   (Gerstgrasser et al., "Is model collapse inevitable?", 2024).
//! - `accumulate-subsample`: a fixed-size random sample (whole sentences) of
//!   that growing pool (Kazdan et al., "Collapse or thrive?", 2025).
//!
//! The training size (`--synthetic-tokens`, default the human training
//! size) is the size of each synthetic corpus, of the `mix` total and of the
//! `accumulate-subsample` sample. `--generations G` counts generation 0: the
//! rows are generations 0..G-1.
//!
//! `--vocabulary` decides which words each model knows: under `open` (the
//! default, KenLM's convention) exactly those of its own training text, the
//! uniform floor is `<unk>`'s mass and a drawn `<unk>` is redrawn, so a lost
//! word never comes back; under `fixed` every model has the human training
//! vocabulary and its floor resurrects lost words. Held-out perplexity
//! follows KenLM's `query` (OOVs against the model's own vocabulary);
//! `heldout_ppl_fixed` scores the held-out tokens of the human vocabulary
//! under every vocabulary, so it compares across generations. The text
//! metrics describe the whole training text of
//! the generation (under `accumulate`, the pool of human text and every
//! synthetic corpus so far, g + 1 times the human size at generation g); the
//! length-sensitive lexical ones (TTR, MATTR, MTLD, distinct-n) are means
//! over random samples of whole sentences of the human training size, so
//! they compare texts of the same size across regimes and generations (see
//! the column docs in `tables.rs`). Randomness comes from one ChaCha8 stream per (seed,
//! generation, purpose), the same in every cell (seeds are paired), so the
//! results do not depend on threads or scheduling. Each completed generation
//! is written to `DIR/state/JOB/` atomically (the next synthetic corpus, then
//! the record); `--resume` continues after the last complete one, and the
//! final files are always built from those records, so they are the same
//! whether or not the run was interrupted.
//!
//! A program that embeds a run (the Python package's `nglab.run` does) plans
//! it with [`Plan`] and follows and stops it through a [`Control`]: each
//! generation as a [`Step`], and a [`Cancel`] token that stops every job at
//! its next generation or sampling chunk.

pub mod columns;
mod config;
mod files;
mod gen0;
mod human;
mod job;
mod lineage;
mod memory;
mod model_metrics;
mod plots;
mod progress;
pub mod record;
mod regime;
mod report;
mod sampling;
mod settings;
mod tables;
mod text_metrics;
mod train;
mod truth;
mod vocabulary;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::Context;
use nglab_lm::Cancel;
use nglab_metrics::{MetricsConfig, TextMetrics};

pub(crate) use config::bytes;
pub use config::{Cell, Experiment, RunConfig, DEFAULT_HELDOUT, DEFAULT_TRAIN};
pub use files::RunLock;
pub(crate) use files::{check_same, lock, lock_file, remove_stale_temps, sha256_file, write_atomic, Holder};
pub use job::Job;
pub(crate) use memory::gib;
pub use progress::{Progress, Step};
pub use regime::Regime;
pub(crate) use settings::merge_over;
pub use settings::{List, Settings};
pub use vocabulary::Vocabulary;

use gen0::Gen0Cache;
use human::Human;
use job::JobContext;
use record::GenRecord;
use truth::Truth;

/// Runs `nglab run`: its settings, over those of the `--config` file, validated.
pub fn main(settings: &Settings) -> anyhow::Result<()> {
    run_experiment(&RunConfig::new(&settings.resolve()?)?)
}

/// Runs a validated configuration: plans it, runs every job, and writes
/// the outputs from the saved records. The state (`state/`: records and
/// synthetic corpora) stays, so that `--resume` can extend the run with more
/// generations or seeds.
pub fn run_experiment(config: &RunConfig) -> anyhow::Result<()> {
    let plan = Plan::new(config)?;
    let _lock = plan.open_dir()?;
    eprintln!("nglab run: about {} of memory at most (estimated)", memory::gib(plan.memory()));
    let progress = plan.run_jobs(&Control::default())?;
    let records = plan.write_outputs()?;
    for line in progress.summary(plan.grid().jobs(), &records, &config.out.join("report.html")) {
        eprintln!("nglab run: {line}");
    }
    Ok(())
}

/// How a program that embeds a run follows and stops it. The default (what
/// `nglab run` uses) draws progress on standard error and is never cancelled.
#[derive(Clone, Default)]
pub struct Control<'a> {
    /// Stops the run when cancelled: each job before its next generation, a
    /// sampling stage before its next chunk of sentences (counting and
    /// estimation run to their end). [`Plan::run_jobs`] then fails with
    /// [`nglab_lm::Error::Cancelled`]; the generations completed are saved,
    /// so the run resumes (`--resume`) to the same outputs.
    pub cancel: Cancel,
    /// Called after each generation, on the thread of the job that ran it,
    /// instead of the progress bar or lines on standard error.
    pub on_step: Option<&'a (dyn Fn(&Step) + Sync)>,
}

/// The metrics' settings: the defaults, recorded in `config.json`.
fn metrics_config() -> MetricsConfig {
    MetricsConfig::default()
}

/// `config.json`: tool, version, the experiment, the metrics' settings, the
/// sha256 of every input, and each cell of the grid by name with its settings
/// (`cell003` holds the jobs `state/cell003-seed0`, ...).
fn config_json(exp: &Experiment) -> anyhow::Result<String> {
    let mut inputs = vec![("train", exp.train.clone()), ("heldout", exp.heldout.clone())];
    if let nglab_tokenizer::TokenizerSpec::BpeFile(path) = &exp.tokenizer {
        inputs.push(("tokenizer", path.clone()));
    }
    if let Some(dir) = &exp.world {
        inputs.push(("world model", crate::world::WorldDir(dir.clone()).model()));
    }
    let mut hashed = Vec::new();
    for (role, path) in inputs {
        let sha256 = files::sha256_file(&path)?;
        hashed.push(serde_json::json!({ "role": role, "path": path, "sha256": sha256 }));
    }
    #[derive(serde::Serialize)]
    struct NamedCell {
        name: String,
        #[serde(flatten)]
        cell: Cell,
    }
    let cells: Vec<NamedCell> = exp
        .cells()
        .into_iter()
        .enumerate()
        .map(|(i, cell)| NamedCell { name: config::cell_name(i), cell })
        .collect();
    let json = serde_json::json!({
        "tool": "nglab",
        "version": env!("CARGO_PKG_VERSION"),
        "experiment": exp,
        "metrics": metrics_config(),
        "inputs": hashed,
        "cells": cells,
    });
    Ok(serde_json::to_string_pretty(&json)? + "\n")
}

/// A run's grid: its validated config, `config.json`, the cells and the
/// jobs (every (cell, seed), in grid order). What the outputs are built
/// from; it reads no text (it hashes the inputs for `config.json`).
pub struct Grid<'a> {
    config: &'a RunConfig,
    json: String,
    cells: Vec<Cell>,
    jobs: Vec<Job>,
}

impl<'a> Grid<'a> {
    /// The grid of `config`, with its `config.json`.
    pub fn new(config: &'a RunConfig) -> anyhow::Result<Grid<'a>> {
        let exp = &config.experiment;
        let json = config_json(exp)?;
        let cells = exp.cells();
        let jobs: Vec<Job> = cells
            .iter()
            .enumerate()
            .flat_map(|(cell_index, &cell)| (0..exp.seeds).map(move |seed| Job { cell_index, cell, seed }))
            .collect();
        Ok(Grid { config, json, cells, jobs })
    }

    /// The validated config.
    pub fn config(&self) -> &RunConfig {
        self.config
    }

    /// `config.json`'s text.
    pub fn json(&self) -> &str {
        &self.json
    }

    /// Every job, in grid order.
    pub fn jobs(&self) -> &[Job] {
        &self.jobs
    }

    fn experiment(&self) -> &Experiment {
        &self.config.experiment
    }

    /// `DIR/state`.
    pub fn state_dir(&self) -> std::path::PathBuf {
        self.config.out.join("state")
    }

    /// Generations of job `i` complete on disk.
    pub fn completed(&self, i: usize) -> usize {
        record::completed(&self.state_dir(), &self.jobs[i], self.experiment().generations)
    }

    /// Writes every output file (tables, plots, report) from the records
    /// on disk, so they are the same after a resume; returns the records.
    pub fn write_outputs(&self) -> anyhow::Result<Vec<Vec<GenRecord>>> {
        self.write_outputs_of(&self.jobs)
    }

    /// [`Grid::write_outputs`] over some of the jobs (in grid order): those
    /// a partial sweep finished. Every record is read before any file is
    /// written.
    pub fn write_outputs_of(&self, jobs: &[Job]) -> anyhow::Result<Vec<Vec<GenRecord>>> {
        let exp = self.experiment();
        let out = &self.config.out;
        let cells = &self.cells;
        let records: Vec<Vec<GenRecord>> = jobs
            .iter()
            .map(|job| record::read_records(&self.state_dir(), job, exp.generations))
            .collect::<anyhow::Result<_>>()?;
        files::write_atomic(&out.join("metrics.csv"), |w| tables::write_metrics(w, jobs, &records))?;
        let summary = tables::summarize(jobs, &records, cells.len(), exp.generations);
        files::write_atomic(&out.join("summary.csv"), |w| tables::write_summary(w, cells, &summary))?;
        files::write_atomic(&out.join("timings.csv"), |w| tables::write_timings(w, jobs, &records))?;
        files::write_atomic(&out.join("discounts.csv"), |w| tables::write_discounts(w, jobs, &records))?;
        let plot_set = plots::write_plots(&out.join("plots"), exp, cells, jobs, &records, &summary)?;
        report::write_report(
            &out.join("report.html"),
            &self.json,
            exp,
            cells,
            jobs,
            &records,
            &summary,
            &plot_set,
        )?;
        Ok(records)
    }
}

/// A run, planned: its grid, the human texts read and checked, the jobs
/// this process runs (all of them for `nglab run`, one task's for `nglab
/// sweep task`), and how many run at once. Nothing is written yet.
pub struct Plan<'a> {
    grid: Grid<'a>,
    selected: Vec<usize>,
    metrics: TextMetrics,
    human: Human,
    truth: Option<Truth>,
    workers: usize,
    sample_threads: usize,
    memory: f64,
}

/// Which limit a plan's memory estimate is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryLimit {
    /// `--max-memory`, else the memory available on this machine (a run).
    Here,
    /// `--max-memory` only (a sweep planned on one machine, run on others).
    Given,
}

impl<'a> Plan<'a> {
    /// Reads the inputs and estimates the memory (refusing a run that does
    /// not fit) before anything is written: a refused run leaves nothing.
    pub fn new(config: &'a RunConfig) -> anyhow::Result<Plan<'a>> {
        let grid = Grid::new(config)?;
        let all: Vec<usize> = (0..grid.jobs.len()).collect();
        Plan::of_jobs(grid, all, MemoryLimit::Here)
    }

    /// The plan of the jobs `selected` (indices into the grid's jobs), its
    /// memory estimate held to `limit`.
    pub fn of_jobs(grid: Grid<'a>, selected: Vec<usize>, limit: MemoryLimit) -> anyhow::Result<Plan<'a>> {
        let config = grid.config;
        let exp = &config.experiment;
        let human = Human::load(exp)?;
        let truth = match &exp.world {
            Some(dir) => Some(Truth::load(&crate::world::WorldDir(dir.clone()), &human, config.threads)?),
            None => None,
        };
        let workers = config.threads.min(selected.len()).max(1);
        let sample_threads = (config.threads / workers).max(1);
        // A job's threads measure its text's lexical draws too.
        let metrics = TextMetrics::new(metrics_config())
            .context("invalid metrics settings")?
            .with_threads(sample_threads);
        let memory = check_memory(config, &human, workers, sample_threads, limit)?;
        Ok(Plan { grid, selected, metrics, human, truth, workers, sample_threads, memory })
    }

    /// The grid.
    pub fn grid(&self) -> &Grid<'a> {
        &self.grid
    }

    /// The estimated peak memory of this plan's jobs, in bytes.
    pub fn memory(&self) -> f64 {
        self.memory
    }

    fn experiment(&self) -> &Experiment {
        self.grid.experiment()
    }

    /// Takes the output directory (locked while the returned guard lives):
    /// new or empty, or holding this run when resuming; removes a killed
    /// run's temporary files; writes `config.json`. Prints nothing.
    pub fn open_dir(&self) -> anyhow::Result<RunLock> {
        let out = &self.grid.config.out;
        let lock = files::lock(out)?;
        files::check_dir(out, &self.grid.json, self.grid.config.resume)?;
        files::remove_stale_temps(out)?;
        files::write_atomic(&out.join("config.json"), |w| Ok(w.write_all(self.grid.json.as_bytes())?))?;
        Ok(lock)
    }

    /// Runs the selected jobs (resuming those begun), `workers` at a time,
    /// with a progress bar on a terminal and a line per generation otherwise,
    /// or as `control` says.
    pub fn run_jobs<'s>(&'s self, control: &Control<'s>) -> anyhow::Result<Progress<'s>> {
        let exp = self.experiment();
        let jobs = &self.grid.jobs;
        let cells = &self.grid.cells;
        let gen0 = Gen0Cache::new(cells);
        let ctx = JobContext {
            experiment: exp,
            human: &self.human,
            truth: self.truth.as_ref(),
            metrics: &self.metrics,
            gen0: &gen0,
            state_dir: self.grid.state_dir(),
            corpora_dir: exp.keep_corpora.then(|| self.grid.config.out.join("corpora")),
            threads: self.sample_threads,
            cancel: control.cancel.clone(),
        };
        let total = (self.selected.len() * exp.generations) as u64;
        let before: usize =
            self.selected.iter().map(|&i| record::completed(&ctx.state_dir, &jobs[i], exp.generations)).sum();
        let progress = Progress::new(exp, cells, total, before as u64, control.on_step);
        let report = |job: &Job, r: &GenRecord| progress.generation_done(job, r);
        // Longest jobs first (the growing `accumulate` pools), so that the last
        // jobs to finish are short ones and every worker stays busy to the end.
        // Only the order of execution changes: the outputs are in grid order.
        let mut schedule = self.selected.clone();
        schedule.sort_by_key(|&i| match jobs[i].cell.regime {
            Regime::Accumulate => 0,
            Regime::AccumulateSubsample => 1,
            Regime::Replace | Regime::Mix { .. } => 2,
        });
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let errors: Mutex<Vec<(usize, anyhow::Error)>> = Mutex::new(Vec::new());
        let cancelled = || failed.load(Ordering::Relaxed) || control.cancel.is_cancelled();
        let work = || loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            if k >= schedule.len() || failed.load(Ordering::Relaxed) {
                break;
            }
            let i = schedule[k];
            let job = &jobs[i];
            if let Err(e) = job::run_generations(&ctx, job, &report, &cancelled) {
                failed.store(true, Ordering::Relaxed);
                let e =
                    e.context(format!("cell {} ({}), seed {}", job.cell_index, job.cell.regime, job.seed));
                errors.lock().expect("no worker panics holding the lock").push((i, e));
            }
        };
        // The calling thread is one of the workers: one worker starts no thread.
        std::thread::scope(|s| {
            for _ in 1..self.workers {
                s.spawn(work);
            }
            work();
        });
        progress.finish();
        if control.cancel.is_cancelled() {
            return Err(nglab_lm::Error::Cancelled.into());
        }
        let mut errors = errors.into_inner().expect("workers are done");
        errors.sort_by_key(|(i, _)| *i);
        match errors.into_iter().next() {
            Some((_, e)) => Err(e),
            None => Ok(progress),
        }
    }

    /// Writes every output file from the records on disk
    /// ([`Grid::write_outputs`]).
    pub fn write_outputs(&self) -> anyhow::Result<Vec<Vec<GenRecord>>> {
        self.grid.write_outputs()
    }
}

/// Stops a run estimated to need more memory than `--max-memory` or, by
/// default, than the machine has available; returns the estimate in bytes.
fn check_memory(
    config: &RunConfig,
    human: &Human,
    workers: usize,
    sample_threads: usize,
    limit: MemoryLimit,
) -> anyhow::Result<f64> {
    let size = memory::HumanSize::new(&human.train, &human.heldout, human.vocab.len(), &human.reference);
    let need = memory::estimate(&config.experiment, &size, workers, sample_threads);
    let (limit, what) = match config.max_memory {
        Some(limit) => (Some(limit as f64), "--max-memory"),
        None if limit == MemoryLimit::Here => (memory::available(), "available on this machine"),
        None => (None, ""),
    };
    if let Some(limit) = limit.filter(|&limit| need > limit) {
        anyhow::bail!(
            "this run needs about {} of memory (estimated from the human text, {workers} jobs at a time), \
             more than the {} {what}: lower --threads, --generations, --synthetic-tokens or --order",
            memory::gib(need),
            memory::gib(limit)
        );
    }
    Ok(need)
}
