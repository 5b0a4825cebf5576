//! What one generation of one job measured ([`GenRecord`]), and the job's
//! state files: the record (`state/JOB/gen-G.json`) and the synthetic corpus
//! a generation trains on (`state/JOB/synthetic-G.ids`). Every output file of
//! a run is built from the records, so it is the same after a resume.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use nglab_tokenizer::Corpus;

use super::files::{write_atomic, write_ids};
use super::job::{Job, JobContext};
use super::lineage::LineageFacts;
use super::model_metrics::ModelFacts;
use super::text_metrics::TextFacts;

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
    /// What the text stage measured (flattened in the JSON).
    #[serde(flatten)]
    pub text: TextFacts,
    /// The human word types through the newest texts of generations 0..=g.
    pub lineage: LineageFacts,
    /// What the model stage measured (flattened in the JSON).
    #[serde(flatten)]
    pub model: ModelFacts,
    /// Sentences of the corpus this generation's model sampled for the next
    /// generation that were cut at the maximum length (`None` at the last
    /// generation, which samples nothing).
    pub sampled_max_len_hits: Option<usize>,
    /// `<unk>` draws the sampler redrew while sampling that corpus.
    pub sampled_unk_redrawn: Option<usize>,
    /// Why a value of this record (outside `metrics`) is undefined.
    pub undefined: Vec<(String, String)>,
    /// Wall seconds per stage (not deterministic; only in `timings.csv`).
    pub timings: Vec<(String, f64)>,
}

/// The discounts one order of a model used (`discounts.csv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Discounts {
    /// The order.
    pub order: usize,
    /// D1, D2 and D3+ (zeros for methods without discounts).
    pub d: [f64; 3],
    /// Counts of counts n1..n4 of the order (adjusted counts for KN and MKN).
    pub n: [u64; 4],
    /// Why the closed-form discounts were replaced, if they were.
    pub fallback: Option<String>,
}

impl Discounts {
    /// The discounts of every order of `model`.
    pub fn of(model: &nglab_lm::Model) -> Vec<Discounts> {
        model
            .info()
            .discounts
            .iter()
            .map(|d| Discounts {
                order: d.order,
                d: d.discounts,
                n: d.counts_of_counts,
                fallback: d.fallback.as_ref().map(|f| f.why.clone()),
            })
            .collect()
    }
}

/// Bins of the per-sentence perplexity histograms: log10 perplexity in
/// `[0, HIST_MAX)` in steps of `HIST_STEP`; the last bin takes the rest.
pub const HIST_STEP: f64 = 0.05;
/// Upper end of the histogram's log10 perplexity range.
pub const HIST_MAX: f64 = 5.0;

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

/// Writes a generation's record, atomically: once it exists, the
/// generation is complete.
pub fn write_record(state_dir: &Path, job: &Job, record: &GenRecord) -> anyhow::Result<()> {
    write_atomic(&record_path(state_dir, job, record.generation), |w| {
        serde_json::to_writer(&mut *w, record)?;
        Ok(())
    })
}

/// The records of every generation of `job`, each one required.
pub fn read_records(state_dir: &Path, job: &Job, generations: usize) -> anyhow::Result<Vec<GenRecord>> {
    (0..generations)
        .map(|g| {
            let path = record_path(state_dir, job, g);
            read_record(&path)?.with_context(|| format!("missing state {}", path.display()))
        })
        .collect()
}

/// Generations of `job` already complete, from 0: each has its record and,
/// unless it is the run's last, the corpus it sampled for the next. (A run
/// writes the corpus before the record, so only the last generation of a
/// shorter run, which a `--resume` with more generations extends, lacks it:
/// that generation is run again, the same, and now samples.)
pub fn completed(state_dir: &Path, job: &Job, generations: usize) -> usize {
    let done = (0..generations).take_while(|&g| record_path(state_dir, job, g).is_file()).count();
    if done > 0 && done < generations && !synthetic_path(state_dir, job, done).is_file() {
        done - 1
    } else {
        done
    }
}

/// The persisting stage: the corpus generation `record.generation` wrote for
/// the next one (state for a resume, and as text under `--keep-corpora`),
/// then the record, which marks the generation complete.
pub fn persist(
    ctx: &JobContext<'_>,
    job: &Job,
    record: &GenRecord,
    next: Option<&Corpus>,
) -> anyhow::Result<()> {
    if let Some(corpus) = next {
        let g = record.generation + 1;
        write_ids(&synthetic_path(&ctx.state_dir, job, g), corpus)?;
        if let Some(dir) = &ctx.corpora_dir {
            let dir = dir.join(job.name());
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            write_atomic(&dir.join(format!("gen-{g}.txt")), |w| {
                for s in corpus.sentences() {
                    let tokens: Vec<&str> = s.iter().map(|&id| ctx.human.vocab.token(id)).collect();
                    writeln!(w, "{}", tokens.join(" "))?;
                }
                Ok(())
            })?;
        }
    }
    write_record(&ctx.state_dir, job, record)
}
