//! The SVG plots of a run (plotters' SVG backend: text is written as SVG
//! `<text>` and laid out with plotters' built-in estimate, so no system font
//! is read and the files are the same on every machine).

use std::path::Path;

use anyhow::Context;
use plotters::prelude::*;

use super::columns::{self, Column};
use super::config::{off_or, Cell, Experiment};
use super::files::write_atomic;
use super::job::Job;
use super::record::{GenRecord, HIST_STEP};
use super::tables::SummaryRow;

/// The metrics plotted against generation.
pub const HEADLINE: [&Column; 12] = [
    &columns::HELDOUT_PPL_FIXED,
    &columns::HELDOUT_PPL,
    &columns::SYNTHETIC_PPL_GEN0,
    &columns::TYPES,
    &columns::MATTR,
    &columns::DISTINCT_2,
    &columns::ENTROPY_BITS,
    &columns::ZIPF_EXPONENT,
    &columns::JS_TO_HUMAN,
    &columns::SURVIVAL_HAPAX,
    &columns::PERSISTENT_HAPAX,
    &columns::HUMAN_SHARE,
];

/// One written plot.
#[derive(Debug, Clone)]
pub struct Plot {
    /// Its section in the report.
    pub group: &'static str,
    /// Title.
    pub title: String,
    /// File name under `plots/`.
    pub file: String,
    /// The SVG text.
    pub svg: String,
}

/// A short label of a cell: its regime and the settings that vary in the grid.
pub fn cell_label(cell: &Cell, exp: &Experiment) -> String {
    let mut parts = vec![cell.regime.to_string()];
    if exp.orders.len() > 1 {
        parts.push(format!("order {}", cell.order));
    }
    if exp.smoothings.len() > 1 {
        parts.push(cell.smoothing.to_string());
    }
    if exp.discount_fallbacks.len() > 1 {
        parts.push(format!("fallback {}", cell.discount_fallback));
    }
    if exp.vocabularies.len() > 1 {
        parts.push(format!("{} vocabulary", cell.vocabulary));
    }
    if exp.temperatures.len() > 1 {
        parts.push(format!("T {}", cell.temperature));
    }
    if exp.top_ps.len() > 1 {
        parts.push(format!("top-p {}", off_or(cell.top_p)));
    }
    if exp.top_ks.len() > 1 {
        parts.push(format!("top-k {}", off_or(cell.top_k)));
    }
    parts.join(" ")
}

/// A file-name form of a label.
fn slug(label: &str) -> String {
    label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' })
        .collect::<String>()
        .replace("__", "_")
}

const SIZE: (u32, u32) = (720, 420);

fn color(i: usize) -> RGBColor {
    let c = Palette99::pick(i).to_rgba();
    RGBColor(c.0, c.1, c.2)
}

/// A padded range covering `values` (a unit range if there are none).
fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.05).max(hi.abs() * 1e-3).max(1e-9);
    (lo - pad, hi + pad)
}

/// A plot error (plotters' errors borrow nothing but are not `Send`).
fn err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow::anyhow!("drawing a plot: {e:?}")
}

/// (generation, mean, 95% interval) of one cell.
type Point = (f64, f64, Option<(f64, f64)>);

/// One metric against generation: a line per cell (mean over seeds) and its
/// 95% interval as a band.
fn metric_plot(
    metric: &Column,
    exp: &Experiment,
    cells: &[Cell],
    summary: &[SummaryRow],
) -> anyhow::Result<String> {
    let series: Vec<Vec<Point>> = (0..cells.len())
        .map(|c| {
            summary
                .iter()
                .filter(|r| r.cell_index == c && r.metric == metric)
                .filter_map(|r| {
                    let mean = r.stat.mean?;
                    Some((r.generation as f64, mean, r.stat.lo.zip(r.stat.hi)))
                })
                .collect()
        })
        .collect();
    let (y0, y1) = range(series.iter().flatten().flat_map(|&(_, m, b)| {
        let (lo, hi) = b.unwrap_or((m, m));
        [m, lo, hi]
    }));
    let x1 = (exp.generations.max(2) - 1) as f64;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(metric.name, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(64)
            .build_cartesian_2d(0f64..x1, y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("generation")
            .y_desc(metric.name)
            .x_labels(exp.generations.min(12))
            .draw()
            .map_err(err)?;
        for (i, points) in series.iter().enumerate() {
            let c = color(i);
            let band: Vec<(f64, f64)> = points
                .iter()
                .filter_map(|&(g, _, b)| b.map(|(lo, _)| (g, lo)))
                .chain(points.iter().rev().filter_map(|&(g, _, b)| b.map(|(_, hi)| (g, hi))))
                .collect();
            if band.len() >= 4 {
                chart.draw_series(std::iter::once(Polygon::new(band, c.mix(0.18)))).map_err(err)?;
            }
            let label = cell_label(&cells[i], exp);
            chart
                .draw_series(LineSeries::new(points.iter().map(|&(g, m, _)| (g, m)), c.stroke_width(2)))
                .map_err(err)?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Generations shown in the per-cell plots: 0, 1, 5 and the last that exist.
pub fn shown_generations(generations: usize) -> Vec<usize> {
    let mut gens: Vec<usize> = [0, 1, 5, generations - 1].into_iter().filter(|&g| g < generations).collect();
    gens.dedup();
    gens.sort_unstable();
    gens.dedup();
    gens
}

/// Lines of `(x, y)` series with a legend, on linear or log-log axes.
fn lines_plot(
    title: &str,
    x_desc: &str,
    y_desc: &str,
    series: &[(String, Vec<(f64, f64)>)],
    log: bool,
) -> anyhow::Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut builder = ChartBuilder::on(&root);
        builder.caption(title, ("sans-serif", 18)).margin(12).x_label_area_size(36).y_label_area_size(64);
        let all = || series.iter().flat_map(|(_, p)| p.iter().copied());
        macro_rules! draw {
            ($chart:expr) => {{
                let mut chart = $chart;
                chart.configure_mesh().x_desc(x_desc).y_desc(y_desc).draw().map_err(err)?;
                for (i, (label, points)) in series.iter().enumerate() {
                    let c = color(i);
                    chart
                        .draw_series(LineSeries::new(points.iter().copied(), c.stroke_width(2)))
                        .map_err(err)?
                        .label(label.as_str())
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
                }
                chart
                    .configure_series_labels()
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .position(SeriesLabelPosition::UpperRight)
                    .draw()
                    .map_err(err)?;
            }};
        }
        if log {
            let x1 = all().map(|p| p.0).fold(10.0, f64::max);
            let y1 = all().map(|p| p.1).fold(10.0, f64::max);
            draw!(builder
                .build_cartesian_2d((1f64..x1 * 1.2).log_scale(), (1f64..y1 * 1.2).log_scale())
                .map_err(err)?);
        } else {
            let (x0, x1) = range(all().map(|p| p.0));
            let (_, y1) = range(all().map(|p| p.1));
            draw!(builder.build_cartesian_2d(x0..x1, 0f64..y1.max(1e-9)).map_err(err)?);
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Writes every plot to `dir` and returns them for the report.
pub fn write_plots(
    dir: &Path,
    exp: &Experiment,
    cells: &[Cell],
    jobs: &[Job],
    records: &[Vec<GenRecord>],
    summary: &[SummaryRow],
) -> anyhow::Result<Vec<Plot>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut plots = Vec::new();
    for metric in HEADLINE {
        let name = metric.name;
        let svg = metric_plot(metric, exp, cells, summary).with_context(|| format!("plotting {name}"))?;
        plots.push(Plot { group: "metrics", title: name.to_owned(), file: format!("{name}.svg"), svg });
    }
    let shown = shown_generations(exp.generations);
    for (c, cell) in cells.iter().enumerate() {
        let label = cell_label(cell, exp);
        let recs: Vec<&Vec<GenRecord>> =
            jobs.iter().zip(records).filter(|(j, _)| j.cell_index == c).map(|(_, r)| r).collect();

        // Per-sentence perplexity under generation 0: density over all seeds.
        let hist: Vec<(String, Vec<(f64, f64)>)> = shown
            .iter()
            .filter_map(|&g| {
                let mut bins: Vec<u64> = Vec::new();
                for r in &recs {
                    let h = &r[g].model.ppl_hist;
                    bins.resize(bins.len().max(h.len()), 0);
                    bins.iter_mut().zip(h).for_each(|(b, x)| *b += x);
                }
                let n: u64 = bins.iter().sum();
                (n > 0).then(|| {
                    let points = bins
                        .iter()
                        .enumerate()
                        .map(|(i, &b)| (((i as f64) + 0.5) * HIST_STEP, b as f64 / n as f64 / HIST_STEP))
                        .collect();
                    (format!("generation {g}"), points)
                })
            })
            .collect();
        if !hist.is_empty() {
            let title = format!("{label}: per-sentence perplexity under generation 0");
            let svg = lines_plot(&title, "log10 perplexity", "density", &hist, false)?;
            plots.push(Plot {
                group: "perplexity histograms",
                title,
                file: format!("ppl-hist-{}.svg", slug(&label)),
                svg,
            });
        }

        // Rank-frequency of the training text, seed 0 (the first job of the cell).
        if let Some(first) = recs.first() {
            let series: Vec<(String, Vec<(f64, f64)>)> = shown
                .iter()
                .map(|&g| {
                    let points = first[g].text.rank_freq.iter().map(|&(r, f)| (r as f64, f as f64)).collect();
                    (format!("generation {g}"), points)
                })
                .collect();
            let title = format!(
                "{label}: rank-frequency (seed {})",
                jobs.iter().find(|j| j.cell_index == c).map_or(0, |j| j.seed)
            );
            let svg = lines_plot(&title, "rank", "frequency", &series, true)?;
            plots.push(Plot {
                group: "rank-frequency",
                title,
                file: format!("rank-frequency-{}.svg", slug(&label)),
                svg,
            });
        }

        // Survival of the human word types by frequency band, mean over seeds.
        let bands = [
            &columns::SURVIVAL_HAPAX,
            &columns::SURVIVAL_2_4,
            &columns::SURVIVAL_5_16,
            &columns::SURVIVAL_17_PLUS,
        ];
        let names = ["seen once", "seen 2-4 times", "seen 5-16 times", "seen 17+ times"];
        let series: Vec<(String, Vec<(f64, f64)>)> = bands
            .iter()
            .zip(names)
            .map(|(band, name)| {
                let points = (0..exp.generations)
                    .filter_map(|g| {
                        let values: Vec<f64> =
                            recs.iter().filter_map(|r| (band.value)(&r[g]).number()).collect();
                        (!values.is_empty())
                            .then(|| (g as f64, values.iter().sum::<f64>() / values.len() as f64))
                    })
                    .collect();
                (name.to_owned(), points)
            })
            .collect();
        let title = format!("{label}: survival of human word types by frequency band");
        let svg = lines_plot(&title, "generation", "share surviving", &series, false)?;
        plots.push(Plot { group: "survival", title, file: format!("survival-{}.svg", slug(&label)), svg });
    }
    for p in &plots {
        write_atomic(&dir.join(&p.file), |w| Ok(w.write_all(p.svg.as_bytes())?))?;
    }
    Ok(plots)
}
