//! `report.html`: one self-contained page (inline SVG, no network).

use std::fmt::Write as _;
use std::path::Path;

use super::columns::{self, Column};
use super::config::{cell_name, Cell, Experiment};
use super::files::write_atomic;
use super::job::Job;
use super::plots::{cell_label, css_color, shown_generations, Plot};
use super::record::GenRecord;
use super::tables::{cell_settings, SummaryRow, CELL_COLUMNS};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The metrics of the summary table.
const TABLE: [&Column; 10] = [
    &columns::HELDOUT_PPL_FIXED,
    &columns::HELDOUT_PPL,
    &columns::HELDOUT_OOV_RATE,
    &columns::SYNTHETIC_PPL_GEN0,
    &columns::TYPES,
    &columns::DISTINCT_2,
    &columns::ENTROPY_BITS,
    &columns::JS_TO_HUMAN,
    &columns::SURVIVAL_HAPAX,
    &columns::PERSISTENT_HAPAX,
];

/// Writes the report.
#[allow(clippy::too_many_arguments)]
pub fn write_report(
    path: &Path,
    config_json: &str,
    exp: &Experiment,
    cells: &[Cell],
    jobs: &[Job],
    records: &[Vec<GenRecord>],
    summary: &[SummaryRow],
    plots: &[Plot],
) -> anyhow::Result<()> {
    let mut h = String::new();
    h.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>nglab run report</title>\n<style>\
         body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}\
         table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}\
         th{background:#f3f3f3}td.l,th.l{text-align:left}pre{background:#f7f7f7;padding:1em;overflow:auto;font-size:12px}\
         .plots{display:flex;flex-wrap:wrap;gap:16px}.plots figure{margin:0;width:540px}\
         .plots svg{width:100%;height:auto}\
         figcaption{font-size:13px;color:#333;margin:.2em .5em 0 .5em;line-height:1.35}\
         .swatch{display:inline-block;width:1.6em;height:.35em;vertical-align:middle;margin-right:.4em}\
         blockquote{margin:.2em 0 .2em 1em;color:#444}td.s{text-align:left;max-width:760px}\
         </style></head><body>\n<h1>nglab run report</h1>\n",
    );
    let _ = writeln!(
        h,
        "<p>{} cells &times; {} seeds, generations 0&ndash;{}. Means over seeds with 95% Student t intervals \
         (<code>summary.csv</code>); per-seed values in <code>metrics.csv</code>. Every file and column of \
         the run directory is explained in <code>docs/OUTPUTS.md</code> of the nglab repository.</p>",
        cells.len(),
        exp.seeds,
        exp.generations - 1
    );

    // Each cell's settings and the state directories of its jobs.
    h.push_str("<h2>Cells</h2>\n<table><tr><th>cell</th>");
    for name in CELL_COLUMNS {
        let _ = write!(h, "<th>{name}</th>");
    }
    h.push_str("<th>jobs (state/, corpora/)</th></tr>\n");
    for (c, cell) in cells.iter().enumerate() {
        let _ = write!(
            h,
            "<tr><td class=\"l\"><span class=\"swatch\" style=\"background:{}\"></span>{}</td>",
            css_color(cell, exp),
            cell_name(c)
        );
        for value in cell_settings(cell, |v| v.to_string()) {
            let _ = write!(h, "<td class=\"l\">{}</td>", esc(&value));
        }
        let names: Vec<String> = jobs.iter().filter(|j| j.cell_index == c).map(Job::name).collect();
        let _ = writeln!(h, "<td class=\"l\">{}</td></tr>", esc(&names.join(" ")));
    }
    h.push_str("</table>\n");

    h.push_str("<h2>Summary</h2>\n<table><tr><th>cell</th><th>generation</th>");
    for m in TABLE {
        let unit = if m.unit.is_empty() { String::new() } else { format!(" ({})", m.unit) };
        let _ = write!(h, "<th title=\"{}: {}\">{}{}</th>", m.name, esc(m.doc), esc(m.title), esc(&unit));
    }
    h.push_str("</tr>\n");
    for (c, cell) in cells.iter().enumerate() {
        for g in shown_generations(exp.generations) {
            let label = format!("{} {}", cell_name(c), cell_label(cell, exp));
            let _ = write!(h, "<tr><td class=\"l\">{}</td><td>{g}</td>", esc(&label));
            for m in TABLE {
                let cellv = summary.iter().find(|r| r.cell_index == c && r.generation == g && r.metric == m);
                let text = match cellv {
                    Some(r) => match (r.stat.mean, r.stat.lo, r.stat.hi) {
                        (Some(mean), Some(lo), Some(hi)) => {
                            format!("{} <small>[{}, {}]</small>", short(mean), short(lo), short(hi))
                        }
                        (Some(mean), _, _) => short(mean),
                        _ => "&ndash;".to_owned(),
                    },
                    None => "&ndash;".to_owned(),
                };
                let _ = write!(h, "<td>{text}</td>");
            }
            h.push_str("</tr>\n");
        }
    }
    h.push_str("</table>\n");

    let mut group = "";
    for p in plots {
        if p.group != group {
            if !group.is_empty() {
                h.push_str("</div>\n");
            }
            group = p.group;
            let _ = writeln!(h, "<h2 id=\"{}\">{}</h2>", group.to_lowercase().replace(' ', "-"), esc(group));
            if group == "Perplexity" {
                let _ = writeln!(
                    h,
                    "<p>Held-out text: <code>{}</code>; perplexities follow KenLM's <code>query</code> \
                     (<code>&lt;/s&gt;</code> counted, <code>&lt;s&gt;</code> not, an unknown word scored as \
                     <code>&lt;unk&gt;</code>).</p>",
                    esc(&exp.heldout.display().to_string())
                );
            }
            h.push_str("<div class=\"plots\">\n");
        }
        let svg = p.svg.trim_start_matches(|c| c != '<');
        let svg = match svg.strip_prefix("<?xml") {
            Some(rest) => rest.split_once("?>").map_or(rest, |(_, s)| s),
            None => svg,
        };
        let _ = writeln!(
            h,
            "<figure title=\"{}\">{}<figcaption>{}</figcaption></figure>",
            esc(&p.title),
            svg.trim(),
            esc(&p.caption)
        );
    }
    if !group.is_empty() {
        h.push_str("</div>\n");
    }

    h.push_str(
        "<h2 id=\"samples\">Sample sentences</h2>\n<p>The first sentences of each shown generation's newest text (the human \
         text at generation 0, then what the previous generation's model wrote), in the first seed of each \
         cell.</p>\n",
    );
    for (c, cell) in cells.iter().enumerate() {
        let Some((_, recs)) = jobs.iter().zip(records).find(|(j, _)| j.cell_index == c) else { continue };
        let _ = writeln!(
            h,
            "<h3><span class=\"swatch\" style=\"background:{}\"></span>{} {}</h3>\n<table>\
             <tr><th>generation</th><th>held-out perplexity (fixed denominator)</th><th class=\"l\">sentences</th></tr>",
            css_color(cell, exp),
            cell_name(c),
            esc(&cell_label(cell, exp))
        );
        for g in shown_generations(exp.generations) {
            let r = &recs[g];
            let ppl = r.model.heldout_ppl_fixed.map_or_else(|| "&ndash;".to_owned(), short);
            let sentences: String =
                r.text.samples.iter().map(|s| format!("<blockquote>{}</blockquote>", esc(s))).collect();
            let _ = writeln!(h, "<tr><td>{g}</td><td>{ppl}</td><td class=\"s\">{sentences}</td></tr>");
        }
        h.push_str("</table>\n");
    }
    let _ = writeln!(h, "<h2>Configuration</h2>\n<pre>{}</pre>\n</body></html>", esc(config_json));
    write_atomic(path, |w| Ok(w.write_all(h.as_bytes())?))
}

/// A number for the table: 4 significant digits, fixed notation.
fn short(v: f64) -> String {
    let digits = if v == 0.0 { 0 } else { (3 - v.abs().log10().floor() as i32).clamp(0, 6) as usize };
    format!("{v:.digits$}")
}
