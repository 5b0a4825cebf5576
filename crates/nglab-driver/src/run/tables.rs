//! `metrics.csv`, `summary.csv` and `timings.csv`.
//!
//! Number format: integers as integers; every other number with 6 decimals
//! (`{:.6}`), so the files are byte-identical across runs and platforms; an
//! undefined value is an empty field (its reason is in the `undefined` column
//! of `metrics.csv`). Text fields are quoted when they hold a comma or quote.

use std::io::Write;

use super::columns::{self, Column};
use super::config::{off_or, Cell};
use super::job::Job;
use super::record::GenRecord;

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

/// The columns identifying a cell.
pub const CELL_COLUMNS: [&str; 8] =
    ["regime", "order", "smoothing", "discount_fallback", "vocabulary", "temperature", "top_p", "top_k"];

/// The cell's settings, in the order of [`CELL_COLUMNS`], its numbers
/// written by `number` (the tables' [`fmt_num`]; the report writes them as
/// they are read, `1` and `0.9`).
pub fn cell_settings(cell: &Cell, number: fn(f64) -> String) -> Vec<String> {
    vec![
        cell.regime.to_string(),
        cell.order.to_string(),
        cell.smoothing.to_string(),
        cell.discount_fallback.to_string(),
        cell.vocabulary.to_string(),
        number(cell.temperature),
        cell.top_p.map_or_else(|| "off".to_owned(), number),
        off_or(cell.top_k),
    ]
}

/// The cell's identifying values, as CSV fields.
pub fn cell_values(cell: &Cell) -> Vec<String> {
    cell_settings(cell, |v| fmt_num(Some(v))).iter().map(|v| csv_field(v)).collect()
}

/// Why values of a record are undefined, as one field.
fn undefined(r: &GenRecord) -> String {
    let own = r.undefined.iter().map(|(m, why)| format!("{m}: {why}"));
    // The run gives the metrics no held-out text (its model is scored on it instead).
    let metrics = r
        .text
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
    header.extend(columns::ALL.iter().map(|c| c.name));
    header.extend(["fallback_orders", "undefined"]);
    writeln!(w, "{}", header.join(","))?;
    for (job, recs) in jobs.iter().zip(records) {
        for r in recs {
            let mut row = cell_values(&job.cell);
            row.push(job.seed.to_string());
            row.push(r.generation.to_string());
            row.extend(columns::ALL.iter().map(|c| (c.value)(r).to_string()));
            let fallback: Vec<String> = r
                .model
                .discounts
                .iter()
                .filter(|d| d.fallback.is_some())
                .map(|d| d.order.to_string())
                .collect();
            row.push(fallback.join(";"));
            row.push(csv_field(&undefined(r)));
            writeln!(w, "{}", row.join(","))?;
        }
    }
    Ok(())
}

/// Writes `discounts.csv`: the discounts of every order of every
/// generation's model (D1, D2, D3+), its counts of counts and, when the
/// closed form was replaced, why.
pub fn write_discounts(w: &mut dyn Write, jobs: &[Job], records: &[Vec<GenRecord>]) -> anyhow::Result<()> {
    writeln!(w, "{},seed,generation,n,d1,d2,d3_plus,n1,n2,n3,n4,fallback", CELL_COLUMNS.join(","))?;
    for (job, recs) in jobs.iter().zip(records) {
        for r in recs {
            for d in &r.model.discounts {
                writeln!(
                    w,
                    "{},{},{},{},{},{},{}",
                    cell_values(&job.cell).join(","),
                    job.seed,
                    r.generation,
                    d.order,
                    d.d.map(|x| fmt_num(Some(x))).join(","),
                    d.n.map(|x| x.to_string()).join(","),
                    csv_field(d.fallback.as_deref().unwrap_or(""))
                )?;
            }
        }
    }
    Ok(())
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
    let half = nglab_metrics::t95(n - 1).expect("n >= 2") * (var / n as f64).sqrt();
    Stat { n, mean: Some(mean), lo: Some(mean - half), hi: Some(mean + half) }
}

/// One summary row: a cell, a generation, a metric.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    /// Index of the cell.
    pub cell_index: usize,
    /// Generation.
    pub generation: usize,
    /// The metric (a `metrics.csv` column).
    pub metric: &'static Column,
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
            let per_seed: Vec<&GenRecord> =
                cell_jobs.iter().filter_map(|&j| records[j].get(generation)).collect();
            if per_seed.is_empty() {
                continue;
            }
            for metric in columns::ALL {
                let values: Vec<f64> = per_seed.iter().filter_map(|r| (metric.value)(r).number()).collect();
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
            r.metric.name,
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
