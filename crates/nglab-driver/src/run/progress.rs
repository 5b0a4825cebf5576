//! What `nglab run` says while it works and when it is done: on a terminal a
//! progress bar with the time left, kept as the last line; otherwise one line
//! per generation. Each names its cell (`cell003`, with the settings that vary
//! in the grid), seed and generation. The run ends with a summary: time, where
//! the report is, which cells fell back to fixed discounts or collapsed. A
//! program that embeds a run gets each generation as a [`Step`] instead
//! ([`Control::on_step`](super::Control::on_step)).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::config::{cell_name, Cell, Experiment};
use super::job::Job;
use super::plots::cell_label;
use super::record::GenRecord;
use super::tables::fmt_num;

/// `h:mm:ss`, or `m:ss` under an hour.
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    match s / 3600 {
        0 => format!("{}:{:02}", s / 60, s % 60),
        h => format!("{h}:{:02}:{:02}", s / 60 % 60, s % 60),
    }
}

/// A cell as progress lines and the summary name it: `cell003 (replace order 3)`.
pub fn cell_title(index: usize, cell: &Cell, exp: &Experiment) -> String {
    format!("{} ({})", cell_name(index), cell_label(cell, exp))
}

/// One generation done, as [`Control::on_step`](super::Control::on_step) receives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// Generations done so far, from 1 (a resumed run counts those done earlier).
    pub step: u64,
    /// Generations of the whole run (every job).
    pub total: u64,
    /// The cell's index in the grid.
    pub cell: usize,
    /// The cell's name (`cell003`, as in `state/` and the report).
    pub cell_name: String,
    /// The cell's regime and the settings that vary in the grid (`replace order 3`).
    pub label: String,
    /// The cell's regime (`mix:0.1`).
    pub regime: String,
    /// The seed.
    pub seed: u64,
    /// The generation, from 0.
    pub generation: usize,
    /// Its held-out perplexity, fixed denominator (`heldout_ppl_fixed`; None when undefined).
    pub heldout_ppl_fixed: Option<f64>,
    /// Seconds since this process started the run's jobs.
    pub elapsed: f64,
}

/// The progress of a run's generations.
pub struct Progress<'a> {
    exp: &'a Experiment,
    cells: &'a [Cell],
    bar: Option<indicatif::ProgressBar>,
    /// The caller's hook, which replaces the bar and the lines.
    on_step: Option<&'a (dyn Fn(&Step) + Sync)>,
    /// Generations of the run, all jobs.
    total: u64,
    /// Generations done before this process started (a resumed run).
    before: u64,
    /// Generations done by this process.
    done: AtomicU64,
    start: Instant,
}

impl<'a> Progress<'a> {
    /// Progress over `total` generations of which `before` were done by an
    /// earlier process: given to `on_step`, or else a bar when standard error
    /// is a terminal and lines when it is not.
    pub fn new(
        exp: &'a Experiment,
        cells: &'a [Cell],
        total: u64,
        before: u64,
        on_step: Option<&'a (dyn Fn(&Step) + Sync)>,
    ) -> Progress<'a> {
        let bar = (on_step.is_none() && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(total);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{elapsed_precise} [{bar:30}] {pos}/{len} generations, {eta} left  {wide_msg}",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            bar.set_position(before);
            bar.reset_eta();
            bar
        });
        Progress { exp, cells, bar, on_step, total, before, done: AtomicU64::new(0), start: Instant::now() }
    }

    /// Reports generation `r` of `job` done.
    pub fn generation_done(&self, job: &Job, r: &GenRecord) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let step = self.before + done;
        if let Some(on_step) = self.on_step {
            let cell = &self.cells[job.cell_index];
            on_step(&Step {
                step,
                total: self.total,
                cell: job.cell_index,
                cell_name: cell_name(job.cell_index),
                label: cell_label(cell, self.exp),
                regime: cell.regime.to_string(),
                seed: job.seed,
                generation: r.generation,
                heldout_ppl_fixed: r.model.heldout_ppl_fixed.filter(|v| v.is_finite()),
                elapsed: self.start.elapsed().as_secs_f64(),
            });
            return;
        }
        let ppl = fmt_num(r.model.heldout_ppl_fixed);
        let line = format!(
            "{} seed {} gen {}: held-out ppl (fixed denominator) {}",
            cell_title(job.cell_index, &job.cell, self.exp),
            job.seed,
            r.generation,
            if ppl.is_empty() { "-" } else { &ppl }
        );
        match &self.bar {
            Some(bar) => {
                bar.set_position(step);
                bar.set_message(line);
            }
            None => {
                let elapsed = self.start.elapsed();
                let left = elapsed.mul_f64((self.total - step) as f64 / done as f64);
                eprintln!(
                    "nglab run: [{step}/{}, {} elapsed, {} left] {line}",
                    self.total,
                    clock(elapsed),
                    clock(left)
                );
            }
        }
    }

    /// Leaves the bar as the last line (stopped where the run stopped).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.set_message(String::new());
            bar.abandon();
            // indicatif leaves the cursor at the end of the bar's line.
            eprintln!();
        }
    }

    /// The closing lines of a finished run: its time, where the report is,
    /// and the cells whose discounts fell back or whose model collapsed.
    pub fn summary(&self, jobs: &[Job], records: &[Vec<GenRecord>], report: &std::path::Path) -> Vec<String> {
        let resumed = if self.before > 0 {
            format!(", {} generations done earlier", self.before)
        } else {
            String::new()
        };
        let mut lines = vec![format!(
            "done in {} ({} jobs, {} generations{resumed}); report: {}",
            clock(self.start.elapsed()),
            jobs.len(),
            self.total,
            report.display()
        )];
        let mut fallbacks = Vec::new();
        let mut collapsed = Vec::new();
        for (c, cell) in self.cells.iter().enumerate() {
            let cell_records = || jobs.iter().zip(records).filter(|(j, _)| j.cell_index == c);
            let generations: usize = cell_records().map(|(_, recs)| recs.len()).sum();
            let fell_back = cell_records()
                .flat_map(|(_, recs)| recs)
                .filter(|r| r.model.discounts.iter().any(|d| d.fallback.is_some()))
                .count();
            if fell_back > 0 {
                fallbacks.push(format!("{} in {fell_back} of {generations}", cell_title(c, cell, self.exp)));
            }
            for (job, recs) in cell_records() {
                let first = recs.iter().find(|r| r.undefined.iter().any(|(what, _)| what == "sample"));
                if let Some(r) = first {
                    collapsed.push(format!(
                        "{} seed {} from generation {}",
                        cell_title(c, cell, self.exp),
                        job.seed,
                        r.generation
                    ));
                }
            }
        }
        let list = |v: Vec<String>| if v.is_empty() { "none".to_owned() } else { v.join("; ") };
        lines.push(format!("discounts fell back (generations, discounts.csv): {}", list(fallbacks)));
        lines.push(format!("models collapsed to `</s>` (sampling fell short): {}", list(collapsed)));
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_format() {
        assert_eq!(clock(Duration::from_secs(0)), "0:00");
        assert_eq!(clock(Duration::from_secs(75)), "1:15");
        assert_eq!(clock(Duration::from_secs(3600 + 62)), "1:01:02");
    }
}
