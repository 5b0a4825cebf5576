//! The SVG plots of a run (plotters' SVG backend: text is written as SVG
//! `<text>` and laid out with plotters' built-in estimate, so no system font
//! is read and the files are the same on every machine).
//!
//! Every plot of a metric against generation reads like a figure in a paper:
//! the column's title and unit (`columns.rs`), integer generations, a line
//! per cell (the mean over seeds) with its 95% interval as a band, and a
//! caption (what it measures, which way is collapse). Cells are coloured by
//! regime from Okabe and Ito's colour-blind-safe palette, the same colour
//! for a regime in every plot and every run; cells of one regime that differ
//! in another setting are told apart by the dash of their line.

use std::path::Path;

use anyhow::Context;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::columns::{self, Collapse, Column};
use super::config::{off_or, Cell, Experiment};
use super::files::write_atomic;
use super::job::Job;
use super::record::{GenRecord, HIST_STEP};
use super::regime::Regime;
use super::tables::SummaryRow;

/// The report's sections of plots against generation, in order.
pub const SECTIONS: [(&str, &[&Column]); 4] = [
    (
        "Perplexity",
        &[
            &columns::HELDOUT_PPL_FIXED,
            &columns::HELDOUT_PPL,
            &columns::KL_TO_TRUTH,
            &columns::CROSS_ENTROPY_TO_TRUTH,
            &columns::SYNTHETIC_PPL_GEN0,
        ],
    ),
    (
        "Vocabulary and tails",
        &[
            &columns::TYPES,
            &columns::MODEL_VOCAB,
            &columns::SURVIVAL_HAPAX,
            &columns::PERSISTENT_HAPAX,
            &columns::SURVIVAL_BIGRAM_HAPAX,
            &columns::NEW_TYPES,
        ],
    ),
    (
        "Diversity",
        &[
            &columns::MATTR,
            &columns::DISTINCT_2,
            &columns::NEW_MATTR,
            &columns::NEW_DISTINCT_2,
            &columns::COMPRESSION_RATIO,
            &columns::SELF_REPETITION_4,
        ],
    ),
    (
        "Distribution",
        &[
            &columns::ENTROPY_BITS,
            &columns::ZIPF_EXPONENT,
            &columns::JS_TO_HUMAN,
            &columns::HETEROZYGOSITY,
            &columns::HUMAN_SHARE,
        ],
    ),
];

/// One written plot.
#[derive(Debug, Clone)]
pub struct Plot {
    /// Its section in the report.
    pub group: &'static str,
    /// Title.
    pub title: String,
    /// What it shows and which way is collapse, in a sentence or two.
    pub caption: String,
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

const SIZE: (u32, u32) = (720, 440);

/// Okabe and Ito's colour-blind-safe palette (yellow left out: it fades on white).
const VERMILLION: RGBColor = RGBColor(213, 94, 0);
const BLUE: RGBColor = RGBColor(0, 114, 178);
const BLUISH_GREEN: RGBColor = RGBColor(0, 158, 115);
const ORANGE: RGBColor = RGBColor(230, 159, 0);
const REDDISH_PURPLE: RGBColor = RGBColor(204, 121, 167);
const SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
const GREY: RGBColor = RGBColor(110, 110, 110);
/// Colours of `mix:F` cells, by the order in which their shares appear.
const MIX: [RGBColor; 4] = [ORANGE, REDDISH_PURPLE, SKY_BLUE, BLACK];
/// A sequential scale (viridis, its yellow end left out) for series that are
/// not regimes: generations, frequency bands.
const SEQUENTIAL: [RGBColor; 5] = [
    RGBColor(68, 1, 84),
    RGBColor(59, 82, 139),
    RGBColor(33, 145, 140),
    RGBColor(94, 201, 98),
    RGBColor(170, 170, 170),
];

/// How a series is drawn: its colour and dash (0 solid, then dashed, dotted, long dashes).
#[derive(Debug, Clone, Copy)]
struct Style {
    color: RGBColor,
    dash: usize,
}

/// The colour of a regime: fixed for replace, accumulate and
/// accumulate-subsample; `mix:F` by the rank of F among the run's shares.
fn regime_color(regime: Regime, exp: &Experiment) -> RGBColor {
    match regime {
        Regime::Replace => VERMILLION,
        Regime::Accumulate => BLUE,
        Regime::AccumulateSubsample => BLUISH_GREEN,
        Regime::Mix { .. } => {
            let rank =
                exp.regimes.iter().filter(|r| matches!(r, Regime::Mix { .. })).position(|&r| r == regime);
            MIX[rank.unwrap_or(0) % MIX.len()]
        }
    }
}

/// The style of each cell: its regime's colour, and a dash for the second,
/// third... cell of the same regime.
fn cell_styles(cells: &[Cell], exp: &Experiment) -> Vec<Style> {
    cells
        .iter()
        .enumerate()
        .map(|(i, c)| Style {
            color: regime_color(c.regime, exp),
            dash: cells[..i].iter().filter(|d| d.regime == c.regime).count(),
        })
        .collect()
}

/// The colour as CSS, for the report's legend.
pub fn css_color(cell: &Cell, exp: &Experiment) -> String {
    let RGBColor(r, g, b) = regime_color(cell.regime, exp);
    format!("rgb({r},{g},{b})")
}

/// One line of a plot, with an optional band (x, lo, hi).
struct Series {
    label: String,
    style: Style,
    points: Vec<(f64, f64)>,
    band: Vec<(f64, f64, f64)>,
}

/// The axes of a plot.
#[derive(Clone, Copy)]
enum Axes {
    /// Generations 0..n on x (integer ticks), linear y.
    Generations(usize),
    /// Linear x, y from 0.
    Linear,
    /// Log-log.
    LogLog,
}

/// A padded range covering `values` (a unit range if there are none).
fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    // A flat line gets a visible range around it (2% of its value), not a
    // sliver whose ticks all read the same.
    let pad = ((hi - lo) * 0.05).max(hi.abs() * 0.02).max(1e-9);
    (lo - pad, hi + pad)
}

/// A plot error (plotters' errors borrow nothing but are not `Send`).
fn err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow::anyhow!("drawing a plot: {e:?}")
}

/// A value as a tick label: short, without trailing zeros. On a linear axis
/// spanning `span`, as many decimals as its ticks' spacing needs (plotters
/// puts at most about 10 ticks at steps of 1, 2 or 5 times a power of ten),
/// so neighbouring ticks never read the same; on a log axis (`None`), by the
/// value's magnitude.
fn tick(v: f64, span: Option<f64>) -> String {
    let a = v.abs();
    let s = if a != 0.0 && !(1e-3..1e6).contains(&a) {
        format!("{v:.2e}")
    } else {
        let digits = match span {
            Some(span) if span > 0.0 => (-(span / 10.0).log10()).ceil().clamp(0.0, 9.0) as usize,
            _ if a >= 100.0 => 0,
            _ if a >= 1.0 => 2,
            _ => 4,
        };
        format!("{v:.digits$}")
    };
    if s.contains('.') && !s.contains('e') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// Draws `series` under a title, with a legend strip above the chart (so it
/// never hides a line).
fn draw(title: &str, x_desc: &str, y_desc: &str, series: &[Series], axes: Axes) -> anyhow::Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let root = root.titled(title, ("sans-serif", 18)).map_err(err)?;
        // The legend: rows of (line, label), about 7 px per character.
        let mut rows: Vec<Vec<usize>> = vec![Vec::new()];
        let mut width = 0;
        for (i, s) in series.iter().enumerate() {
            let w = 34 + 7 * s.label.chars().count();
            if width + w > SIZE.0 as usize - 80 && !rows.last().expect("one row").is_empty() {
                rows.push(Vec::new());
                width = 0;
            }
            rows.last_mut().expect("one row").push(i);
            width += w;
        }
        let legend_height = 20 * rows.len() as u32 + 4;
        let (legend, plot) = root.split_vertically(legend_height);
        for (r, row) in rows.iter().enumerate() {
            let y = 12 + 20 * r as i32;
            let mut x = 70;
            for &i in row {
                let s = &series[i];
                let style = s.style.color.stroke_width(2);
                match s.style.dash {
                    0 => legend.draw(&PathElement::new(vec![(x, y), (x + 24, y)], style)).map_err(err)?,
                    d => legend
                        .draw(&DashedPathElement::new(vec![(x, y), (x + 24, y)], dash(d).0, dash(d).1, style))
                        .map_err(err)?,
                }
                legend.draw(&Text::new(s.label.clone(), (x + 30, y - 7), ("sans-serif", 13))).map_err(err)?;
                x += 34 + 7 * s.label.chars().count() as i32;
            }
        }
        let mut builder = ChartBuilder::on(&plot);
        builder.margin(10).margin_top(4).x_label_area_size(40).y_label_area_size(70);
        let all = || series.iter().flat_map(|s| s.points.iter().copied());
        macro_rules! lines {
            ($chart:expr) => {{
                let chart = &mut $chart;
                for s in series {
                    if s.band.len() >= 2 {
                        let band: Vec<(f64, f64)> = s
                            .band
                            .iter()
                            .map(|&(x, lo, _)| (x, lo))
                            .chain(s.band.iter().rev().map(|&(x, _, hi)| (x, hi)))
                            .collect();
                        chart
                            .draw_series(std::iter::once(Polygon::new(band, s.style.color.mix(0.15))))
                            .map_err(err)?;
                    }
                    let style = s.style.color.stroke_width(2);
                    if s.style.dash == 0 {
                        chart.draw_series(LineSeries::new(s.points.iter().copied(), style)).map_err(err)?;
                    } else {
                        let (size, gap) = dash(s.style.dash);
                        chart
                            .draw_series(DashedLineSeries::new(s.points.iter().copied(), size, gap, style))
                            .map_err(err)?;
                    }
                }
            }};
        }
        // The axes' labels and styles, then the lines.
        macro_rules! mesh_and_lines {
            ($chart:expr, $x_label:expr, $y_span:expr) => {{
                $chart
                    .configure_mesh()
                    .x_desc(x_desc)
                    .y_desc(y_desc)
                    .x_label_formatter($x_label)
                    .y_label_formatter(&|y| tick(*y, $y_span))
                    .label_style(("sans-serif", 13))
                    .axis_desc_style(("sans-serif", 14))
                    .draw()
                    .map_err(err)?;
                lines!($chart);
            }};
        }
        match axes {
            Axes::Generations(n) => {
                let last = (n.max(2) - 1) as f64;
                let step = ((n as f64 / 12.0).ceil()).max(1.0);
                let (y0, y1) = range(series.iter().flat_map(|s| {
                    s.points.iter().map(|p| p.1).chain(s.band.iter().flat_map(|b| [b.1, b.2]))
                }));
                // The end is past the last generation, so that its tick is kept.
                let x = (0f64..last + 1e-6).step(step);
                let mut chart = builder.build_cartesian_2d(x, y0..y1).map_err(err)?;
                mesh_and_lines!(chart, &|x| format!("{}", x.round() as i64), Some(y1 - y0));
            }
            Axes::Linear => {
                let (x0, x1) = range(all().map(|p| p.0));
                let (_, y1) = range(all().map(|p| p.1));
                let mut chart = builder.build_cartesian_2d(x0..x1, 0f64..y1.max(1e-9)).map_err(err)?;
                mesh_and_lines!(chart, &|x| tick(*x, Some(x1 - x0)), Some(y1.max(1e-9)));
            }
            Axes::LogLog => {
                let x1 = all().map(|p| p.0).fold(10.0, f64::max);
                let positive = || all().map(|p| p.1).filter(|&y| y > 0.0);
                let y0 = positive().fold(f64::INFINITY, f64::min).min(0.1);
                let y1 = positive().fold(y0 * 10.0, f64::max);
                let mut chart = builder
                    .build_cartesian_2d((1f64..x1 * 1.2).log_scale(), (y0 / 1.5..y1 * 1.5).log_scale())
                    .map_err(err)?;
                mesh_and_lines!(chart, &|x| tick(*x, None), None);
            }
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Dash length and gap of dash style `d` >= 1.
fn dash(d: usize) -> (u32, u32) {
    [(8, 5), (2, 4), (14, 4), (6, 3)][(d - 1) % 4]
}

/// The y axis of a column: its unit, or its title without one.
fn y_desc(metric: &Column) -> String {
    match metric.unit {
        "" => metric.title.to_owned(),
        unit => unit.to_owned(),
    }
}

/// What a plot of `metric` shows and which way is collapse.
pub fn caption(metric: &Column) -> String {
    let direction = match metric.collapse {
        Collapse::Up => "Collapse pushes it up.",
        Collapse::Down => "Collapse pushes it down.",
        Collapse::Either => "Collapse can push it either way.",
        Collapse::Neither => "It describes the setup, not collapse.",
    };
    format!("{} {direction} Lines: means over seeds; bands: 95% intervals.", metric.doc)
}

/// One metric against generation: a line per cell (mean over seeds) and its
/// 95% interval as a band; `None` when no generation has a value.
fn metric_plot(
    metric: &Column,
    exp: &Experiment,
    cells: &[Cell],
    summary: &[SummaryRow],
) -> anyhow::Result<Option<String>> {
    let styles = cell_styles(cells, exp);
    let series: Vec<Series> = cells
        .iter()
        .enumerate()
        .map(|(c, cell)| {
            let rows = || summary.iter().filter(move |r| r.cell_index == c && r.metric == metric);
            Series {
                label: cell_label(cell, exp),
                style: styles[c],
                points: rows().filter_map(|r| Some((r.generation as f64, r.stat.mean?))).collect(),
                band: rows().filter_map(|r| Some((r.generation as f64, r.stat.lo?, r.stat.hi?))).collect(),
            }
        })
        .collect();
    if series.iter().all(|s| s.points.is_empty()) {
        return Ok(None);
    }
    let title = match metric.unit {
        unit if unit.is_empty() || metric.title.to_lowercase().contains(unit) => metric.title.to_owned(),
        unit => format!("{} ({unit})", metric.title),
    };
    draw(&title, "generation", &y_desc(metric), &series, Axes::Generations(exp.generations)).map(Some)
}

/// Generations shown in the per-cell plots and the report: 0, 1, 5 and the last that exist.
pub fn shown_generations(generations: usize) -> Vec<usize> {
    let mut gens: Vec<usize> = [0, 1, 5, generations - 1].into_iter().filter(|&g| g < generations).collect();
    gens.sort_unstable();
    gens.dedup();
    gens
}

/// The records of cell `c`, one per job.
fn cell_records<'a>(c: usize, jobs: &[Job], records: &'a [Vec<GenRecord>]) -> Vec<&'a Vec<GenRecord>> {
    jobs.iter().zip(records).filter(|(j, _)| j.cell_index == c).map(|(_, r)| r).collect()
}

/// Writes every plot to `dir` and returns them for the report, by section.
pub fn write_plots(
    dir: &Path,
    exp: &Experiment,
    cells: &[Cell],
    jobs: &[Job],
    records: &[Vec<GenRecord>],
    summary: &[SummaryRow],
) -> anyhow::Result<Vec<Plot>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let shown = shown_generations(exp.generations);
    let styles = cell_styles(cells, exp);
    let mut plots = Vec::new();
    for (group, metrics) in SECTIONS {
        for metric in metrics {
            let name = metric.name;
            let svg = metric_plot(metric, exp, cells, summary).with_context(|| format!("plotting {name}"))?;
            if let Some(svg) = svg {
                let title = metric.title.to_owned();
                plots.push(Plot { group, title, caption: caption(metric), file: format!("{name}.svg"), svg });
            }
        }
        match group {
            "Perplexity" => ppl_histograms(exp, cells, jobs, records, &shown, &mut plots)?,
            "Vocabulary and tails" => survival_bands(exp, cells, jobs, records, &mut plots)?,
            "Distribution" => rank_frequency(exp, cells, jobs, records, &shown, &styles, &mut plots)?,
            _ => {}
        }
    }
    for p in &plots {
        write_atomic(&dir.join(&p.file), |w| Ok(w.write_all(p.svg.as_bytes())?))?;
    }
    Ok(plots)
}

/// Per cell: the density of the newest text's per-sentence perplexity under
/// generation 0, over all seeds, a line per shown generation.
fn ppl_histograms(
    exp: &Experiment,
    cells: &[Cell],
    jobs: &[Job],
    records: &[Vec<GenRecord>],
    shown: &[usize],
    plots: &mut Vec<Plot>,
) -> anyhow::Result<()> {
    for (c, cell) in cells.iter().enumerate() {
        let label = cell_label(cell, exp);
        let recs = cell_records(c, jobs, records);
        let series: Vec<Series> = shown
            .iter()
            .enumerate()
            .filter_map(|(k, &g)| {
                let mut bins: Vec<u64> = Vec::new();
                for r in &recs {
                    let h = &r[g].model.ppl_hist;
                    bins.resize(bins.len().max(h.len()), 0);
                    bins.iter_mut().zip(h).for_each(|(b, x)| *b += x);
                }
                let n: u64 = bins.iter().sum();
                (n > 0).then(|| Series {
                    label: format!("generation {g}"),
                    style: Style { color: SEQUENTIAL[k % SEQUENTIAL.len()], dash: 0 },
                    points: bins
                        .iter()
                        .enumerate()
                        .map(|(i, &b)| (((i as f64) + 0.5) * HIST_STEP, b as f64 / n as f64 / HIST_STEP))
                        .collect(),
                    band: Vec::new(),
                })
            })
            .collect();
        if series.is_empty() {
            continue;
        }
        let title = format!("{label}: per-sentence perplexity under generation 0");
        let svg = draw(&title, "log10 perplexity per token", "density", &series, Axes::Linear)?;
        plots.push(Plot {
            group: "Perplexity",
            title,
            caption: "How generation 0's model scores each sentence of the newest text, all seeds pooled \
                      (Shumailov et al. 2024's histograms, where the generations' text drifts toward what \
                      generation 0 finds likely while a tail of unlikely sentences grows). A shift to the right: \
                      the generations write sentences generation 0 finds unlikely."
                .to_owned(),
            file: format!("ppl-hist-{}.svg", slug(&label)),
            svg,
        });
    }
    Ok(())
}

/// Per cell: snapshot survival of the human word types by frequency band,
/// mean over seeds.
fn survival_bands(
    exp: &Experiment,
    cells: &[Cell],
    jobs: &[Job],
    records: &[Vec<GenRecord>],
    plots: &mut Vec<Plot>,
) -> anyhow::Result<()> {
    let bands = [
        &columns::SURVIVAL_HAPAX,
        &columns::SURVIVAL_2_4,
        &columns::SURVIVAL_5_16,
        &columns::SURVIVAL_17_PLUS,
    ];
    let names = ["seen once", "seen 2-4 times", "seen 5-16 times", "seen 17+ times"];
    for (c, cell) in cells.iter().enumerate() {
        let label = cell_label(cell, exp);
        let recs = cell_records(c, jobs, records);
        let series: Vec<Series> = bands
            .iter()
            .zip(names)
            .enumerate()
            .map(|(k, (band, name))| Series {
                label: name.to_owned(),
                style: Style { color: SEQUENTIAL[k], dash: 0 },
                points: (0..exp.generations)
                    .filter_map(|g| {
                        let values: Vec<f64> =
                            recs.iter().filter_map(|r| (band.value)(&r[g]).number()).collect();
                        (!values.is_empty())
                            .then(|| (g as f64, values.iter().sum::<f64>() / values.len() as f64))
                    })
                    .collect(),
                band: Vec::new(),
            })
            .collect();
        let title = format!("{label}: survival of human word types by frequency band");
        let svg = draw(&title, "generation", "share present", &series, Axes::Generations(exp.generations))?;
        plots.push(Plot {
            group: "Vocabulary and tails",
            title,
            caption: "Share of the human text's word types, by their count in it, that occur in the \
                      generation's training text (mean over seeds). Collapse pushes it down, the rarest \
                      band first."
                .to_owned(),
            file: format!("survival-{}.svg", slug(&label)),
            svg,
        });
    }
    Ok(())
}

/// Per shown generation: the rank-frequency curve of each cell's training
/// text (its first seed), with the human text's in grey.
#[allow(clippy::too_many_arguments)]
fn rank_frequency(
    exp: &Experiment,
    cells: &[Cell],
    jobs: &[Job],
    records: &[Vec<GenRecord>],
    shown: &[usize],
    styles: &[Style],
    plots: &mut Vec<Plot>,
) -> anyhow::Result<()> {
    // Relative frequencies: the texts differ in size (the accumulate pool grows).
    let curve = |r: &GenRecord| -> Vec<(f64, f64)> {
        let n = r.text.metrics.tokens.max(1) as f64;
        r.text.rank_freq.iter().map(|&(r, f)| (r as f64, f as f64 / n)).collect()
    };
    let Some(human) = records.first().map(|r| curve(&r[0])) else { return Ok(()) };
    for &g in shown.iter().filter(|&&g| g > 0) {
        let mut series = vec![Series {
            label: "human text".to_owned(),
            style: Style { color: GREY, dash: 0 },
            points: human.clone(),
            band: Vec::new(),
        }];
        for (c, cell) in cells.iter().enumerate() {
            if let Some(first) = cell_records(c, jobs, records).first() {
                series.push(Series {
                    label: cell_label(cell, exp),
                    style: styles[c],
                    points: curve(&first[g]),
                    band: Vec::new(),
                });
            }
        }
        let title = format!("Rank-frequency of the training text at generation {g}");
        let svg = draw(&title, "rank", "share of the tokens", &series, Axes::LogLog)?;
        plots.push(Plot {
            group: "Distribution",
            title,
            caption: format!(
                "Each word's share of the tokens against its rank, in the training text of generation {g} \
                 (each cell's first seed) and in the human text (grey), log-log. Collapse cuts the tail: \
                 the curve ends at a lower rank and its head steepens."
            ),
            file: format!("rank-frequency-gen{g}.svg"),
            svg,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::tick;

    /// Ticks at plotters' steps (1, 2 or 5 times a power of ten, about 10 of
    /// them) over `lo..hi`.
    fn ticks(lo: f64, hi: f64) -> Vec<f64> {
        let raw = (hi - lo) / 10.0;
        let power = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * power).find(|&s| s >= raw).expect("10 >= raw");
        let first = (lo / step).ceil() as i64;
        (first..).map(|k| k as f64 * step).take_while(|&v| v <= hi).collect()
    }

    #[test]
    fn neighbouring_ticks_differ() {
        // A flat line at 1 (its padded range), shares, perplexities, types.
        for (lo, hi) in [(0.98, 1.02), (0.97, 1.01), (0.5424, 0.6126), (283.7, 507.6), (10_500.0, 15_000.0)] {
            let labels: Vec<String> = ticks(lo, hi).iter().map(|&v| tick(v, Some(hi - lo))).collect();
            assert!(labels.len() >= 4, "{labels:?}");
            assert!(labels.windows(2).all(|w| w[0] != w[1]), "{lo}..{hi}: {labels:?}");
        }
        assert_eq!(tick(0.985, Some(0.04)), "0.985");
        assert_eq!(tick(1.0, Some(0.04)), "1");
        assert_eq!(tick(450.0, Some(220.0)), "450");
        assert_eq!(tick(2e-5, None), "2.00e-5");
    }
}
