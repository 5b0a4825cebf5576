//! `metrics.csv`, `summary.csv` and `timings.csv`.
//!
//! Number format: integers as integers; every other number with 6 decimals
//! (`{:.6}`), so the files are byte-identical across runs and platforms; an
//! undefined value is an empty field (its reason is in the `undefined` column
//! of `metrics.csv`). Text fields are quoted when they hold a comma or quote.

use std::io::Write;

use super::config::Cell;
use super::job::{GenRecord, Job};

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A count.
    Int(u64),
    /// A count that may be undefined (empty).
    MaybeInt(Option<u64>),
    /// A measurement, `None` when undefined.
    Num(Option<f64>),
}

impl Value {
    /// The value as a float, `None` when undefined.
    pub fn number(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::MaybeInt(i) => i.map(|i| i as f64),
            Value::Num(v) => *v,
        }
    }
}

/// A float as written in the tables (`None`, NaN and infinities are empty).
pub fn fmt_num(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => {
            let s = format!("{v:.6}");
            if s == "-0.000000" {
                "0.000000".to_owned()
            } else {
                s
            }
        }
        _ => String::new(),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            Value::MaybeInt(i) => i.map_or(Ok(()), |i| write!(f, "{i}")),
            Value::Num(v) => f.write_str(&fmt_num(*v)),
        }
    }
}

/// The columns identifying a cell.
pub const CELL_COLUMNS: [&str; 6] = ["regime", "order", "smoothing", "temperature", "top_p", "top_k"];

/// The cell's identifying values.
pub fn cell_values(cell: &Cell) -> Vec<String> {
    vec![
        csv_field(&cell.regime.to_string()),
        cell.order.to_string(),
        csv_field(&cell.smoothing.to_string()),
        fmt_num(Some(cell.temperature)),
        fmt_num(Some(cell.top_p)),
        cell.top_k.to_string(),
    ]
}

/// The measured columns of one generation, in `metrics.csv` order.
///
/// What each column measures:
/// - `train_tokens`, `train_sentences`, `human_share`, `types`, `hapax`: the
///   whole training text of the generation (under `accumulate`, the whole
///   pool of human text plus every synthetic corpus so far).
/// - every column from `metrics_sample_tokens` to `self_repetition_4`: the
///   same whole training text, against the whole human training text. Under
///   `accumulate` the human text stays in the pool, so its types all survive
///   (`survival_*` = 1): the tail is kept, which is the point of that regime.
/// - `metrics_sample_tokens`: the token budget of the lexical metrics (`ttr`
///   to `distinct_4`), the human training size: they are means over repeated
///   draws of whole sentences of that size when the text is larger (the
///   `accumulate` pool), as length-sensitive metrics need (REFERENCE section 4).
/// - `entropy_bits`, `zipf_exponent`, `js_to_human`, `kl_to_human`,
///   `survival_*` (share of the human text's word or bigram types of that
///   count band present), `compression_ratio`, `self_repetition_4`: the whole
///   text.
/// - `heldout_*`: the generation's model on the held-out human text;
///   `synthetic_ppl_gen0`: the whole training text under the generation-0
///   model; `ngrams`: n-grams of the generation's model, all orders.
/// - `sampled_max_len_hits`, `sampled_unk_redrawn`: the sampler's counts
///   while the generation's model wrote the next generation's synthetic
///   corpus (sentences cut at the maximum length, `<unk>` draws redrawn);
///   empty at the last generation, which samples nothing.
pub fn measures(r: &GenRecord) -> Vec<(&'static str, Value)> {
    let m = &r.metrics;
    let band = |order: usize, band: &str| {
        m.survival_by_band
            .as_ref()
            .and_then(|s| s.iter().find(|o| o.order == order))
            .and_then(|o| o.bands.iter().find(|b| b.band == band))
            .and_then(|b| b.share)
    };
    use Value::{Int, MaybeInt, Num};
    vec![
        ("train_tokens", Int(r.train_tokens as u64)),
        ("train_sentences", Int(r.train_sentences as u64)),
        ("human_share", Num(r.human_share)),
        ("types", Int(r.types as u64)),
        ("hapax", Int(r.hapax as u64)),
        ("metrics_sample_tokens", Int(m.sample.sample_tokens as u64)),
        ("ttr", Num(m.ttr)),
        ("mattr", Num(m.mattr)),
        ("mtld", Num(m.mtld)),
        ("distinct_1", Num(m.distinct_1)),
        ("distinct_2", Num(m.distinct_2)),
        ("distinct_3", Num(m.distinct_3)),
        ("distinct_4", Num(m.distinct_4)),
        ("entropy_bits", Num(m.entropy_bits)),
        ("zipf_exponent", Num(m.zipf_exponent)),
        ("js_to_human", Num(m.js_to_reference)),
        ("kl_to_human", Num(m.kl_to_reference)),
        ("survival_hapax", Num(band(1, "1"))),
        ("survival_2_4", Num(band(1, "2-4"))),
        ("survival_5_16", Num(band(1, "5-16"))),
        ("survival_17_plus", Num(band(1, "17+"))),
        ("survival_bigram_hapax", Num(band(2, "1"))),
        ("compression_ratio", Num(m.compression_ratio)),
        ("self_repetition_4", Num(m.self_repetition_4)),
        ("heldout_ppl", Num(r.heldout_ppl)),
        ("heldout_ppl_excl_oov", Num(r.heldout_ppl_excl_oov)),
        ("heldout_oov_rate", Num(r.heldout_oov_rate)),
        ("synthetic_ppl_gen0", Num(r.synthetic_ppl_gen0)),
        ("ngrams", Int(r.ngrams as u64)),
        ("sampled_max_len_hits", MaybeInt(r.sampled_max_len_hits.map(|n| n as u64))),
        ("sampled_unk_redrawn", MaybeInt(r.sampled_unk_redrawn.map(|n| n as u64))),
    ]
}

/// Why values of a record are undefined, as one field.
fn undefined(r: &GenRecord) -> String {
    let own = r.undefined.iter().map(|(m, why)| format!("{m}: {why}"));
    // The run gives the metrics no held-out text (its model is scored on it instead).
    let metrics = r
        .metrics
        .undefined
        .iter()
        .filter(|u| u.metric != "heldout_recall")
        .map(|u| format!("{}: {}", u.metric, u.reason));
    own.chain(metrics).collect::<Vec<_>>().join("; ")
}

/// Writes `metrics.csv`: one row per (cell, seed, generation), jobs in grid order.
pub fn write_metrics(w: &mut dyn Write, jobs: &[Job], records: &[Vec<GenRecord>]) -> anyhow::Result<()> {
    let mut header: Vec<&str> = CELL_COLUMNS.to_vec();
    header.extend(["seed", "generation"]);
    if let Some(r) = records.iter().flatten().next() {
        header.extend(measures(r).iter().map(|(name, _)| *name));
    }
    header.extend(["discount_fallback", "undefined"]);
    writeln!(w, "{}", header.join(","))?;
    for (job, recs) in jobs.iter().zip(records) {
        for r in recs {
            let mut row = cell_values(&job.cell);
            row.push(job.seed.to_string());
            row.push(r.generation.to_string());
            row.extend(measures(r).iter().map(|(_, v)| v.to_string()));
            let fallback: Vec<String> = r.discount_fallback.iter().map(ToString::to_string).collect();
            row.push(fallback.join(";"));
            row.push(csv_field(&undefined(r)));
            writeln!(w, "{}", row.join(","))?;
        }
    }
    Ok(())
}

/// Two-sided 95% Student t quantile with `df` degrees of freedom.
fn t95(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
        2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
        2.045, 2.042,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => T[df - 1],
        31..=60 => 2.000,
        61..=120 => 1.980,
        _ => 1.960,
    }
}

/// Mean and 95% interval over seeds of one metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stat {
    /// Seeds with a defined value.
    pub n: usize,
    /// Their mean.
    pub mean: Option<f64>,
    /// Lower end of the t interval of the mean (needs 2 seeds).
    pub lo: Option<f64>,
    /// Upper end.
    pub hi: Option<f64>,
}

/// Mean and 95% Student t interval of the mean; values summed in seed order.
pub fn stat(values: &[f64]) -> Stat {
    let n = values.len();
    if n == 0 {
        return Stat { n, mean: None, lo: None, hi: None };
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return Stat { n, mean: Some(mean), lo: None, hi: None };
    }
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64;
    let half = t95(n - 1) * (var / n as f64).sqrt();
    Stat { n, mean: Some(mean), lo: Some(mean - half), hi: Some(mean + half) }
}

/// One summary row: a cell, a generation, a metric.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    /// Index of the cell.
    pub cell_index: usize,
    /// Generation.
    pub generation: usize,
    /// Metric name (a `metrics.csv` column).
    pub metric: &'static str,
    /// Its statistics over seeds.
    pub stat: Stat,
}

/// The summary of every numeric metric per cell and generation.
pub fn summarize(
    jobs: &[Job],
    records: &[Vec<GenRecord>],
    n_cells: usize,
    generations: usize,
) -> Vec<SummaryRow> {
    let mut rows = Vec::new();
    for cell_index in 0..n_cells {
        let cell_jobs: Vec<usize> = (0..jobs.len()).filter(|&j| jobs[j].cell_index == cell_index).collect();
        for generation in 0..generations {
            let per_seed: Vec<Vec<(&'static str, Value)>> =
                cell_jobs.iter().filter_map(|&j| records[j].get(generation)).map(measures).collect();
            let Some(first) = per_seed.first() else { continue };
            for (k, (metric, _)) in first.iter().enumerate() {
                let values: Vec<f64> = per_seed.iter().filter_map(|m| m[k].1.number()).collect();
                rows.push(SummaryRow { cell_index, generation, metric, stat: stat(&values) });
            }
        }
    }
    rows
}

/// Writes `summary.csv`, long format: one row per (cell, generation, metric).
pub fn write_summary(w: &mut dyn Write, cells: &[Cell], rows: &[SummaryRow]) -> anyhow::Result<()> {
    writeln!(w, "{},generation,metric,n_seeds,mean,lo95,hi95", CELL_COLUMNS.join(","))?;
    for r in rows {
        writeln!(
            w,
            "{},{},{},{},{},{},{}",
            cell_values(&cells[r.cell_index]).join(","),
            r.generation,
            r.metric,
            r.stat.n,
            fmt_num(r.stat.mean),
            fmt_num(r.stat.lo),
            fmt_num(r.stat.hi)
        )?;
    }
    Ok(())
}

/// Writes `timings.csv`: wall seconds per stage, generation and job.
pub fn write_timings(w: &mut dyn Write, jobs: &[Job], records: &[Vec<GenRecord>]) -> anyhow::Result<()> {
    writeln!(w, "{},seed,generation,stage,seconds", CELL_COLUMNS.join(","))?;
    for (job, recs) in jobs.iter().zip(records) {
        for r in recs {
            for (stage, s) in &r.timings {
                writeln!(
                    w,
                    "{},{},{},{stage},{:.3}",
                    cell_values(&job.cell).join(","),
                    job.seed,
                    r.generation,
                    s
                )?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(values: &[f64], expect: (usize, &str, &str, &str)) {
        let s = stat(values);
        assert_eq!((s.n, fmt_num(s.mean).as_str(), fmt_num(s.lo).as_str(), fmt_num(s.hi).as_str()), expect);
    }

    #[test]
    fn stats() {
        check(&[], (0, "", "", ""));
        check(&[2.0], (1, "2.000000", "", ""));
        // mean 2, sd 1, n 3: half width 4.303 / sqrt(3).
        check(&[1.0, 2.0, 3.0], (3, "2.000000", "-0.484338", "4.484338"));
        check(&[5.0, 5.0], (2, "5.000000", "5.000000", "5.000000"));
    }

    #[test]
    fn formats() {
        assert_eq!(fmt_num(Some(f64::INFINITY)), "");
        assert_eq!(fmt_num(Some(f64::NAN)), "");
        assert_eq!(fmt_num(Some(-1e-9)), "0.000000");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
    }
}
