//! `nglab run` against the closed-form theory of recursive training
//! (`nglab_driver::theory`, which names each source and formula): an order-1
//! maximum-likelihood model resamples its training words, so its curves have
//! exact predictions. Each check compares the mean over seeds with the
//! prediction, within a tolerance of a few standard deviations of that mean
//! (the standard deviation predicted by the same theory), and each test also
//! shows that a wrong prediction is rejected at that tolerance, so the
//! checks have the power to fail.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{nglab, scratch_dir};
use nglab_driver::theory::{
    count_survival, expected_types, hapax_survival, heterozygosity_factor, sq_l2_relative_sd,
    survival_exp_approximation, tempered, Drift,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Standard deviations of the mean a measurement may stray from its prediction.
const Z: f64 = 4.5;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/kenlm").join(name)
}

/// `metrics.csv` of a run, as rows of column -> value.
struct Rows(Vec<BTreeMap<String, String>>);

impl Rows {
    /// Runs `nglab run` (order 1, MLE, replace unless `extra` says otherwise)
    /// on `train` into a new directory and reads its rows.
    fn run(name: &str, train: &Path, extra: &[&str]) -> (Rows, PathBuf) {
        let out = scratch_dir(name).join("out");
        let (out_arg, train_arg) = (out.display().to_string(), train.display().to_string());
        let mut args = vec!["run", "--out", &out_arg, "--train", &train_arg, "--heldout", &train_arg];
        for (flag, value) in
            [("--order", "1"), ("--smoothing", "mle"), ("--regime", "replace"), ("--threads", "2")]
        {
            if !extra.contains(&flag) {
                args.extend([flag, value]);
            }
        }
        args.extend(extra);
        let run = nglab(&args);
        assert!(run.status.success(), "nglab run failed:\n{}", String::from_utf8_lossy(&run.stderr));
        let text = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let rows = lines
            .map(|l| {
                let fields: Vec<&str> = l.splitn(header.len(), ',').collect();
                header.iter().zip(fields).map(|(h, v)| (h.to_string(), v.to_string())).collect()
            })
            .collect();
        (Rows(rows), out)
    }

    /// The rows of one cell (`key` = `value`, e.g. regime = replace), by seed then generation.
    fn cell(&self, key: &str, value: &str) -> BTreeMap<u64, Vec<&BTreeMap<String, String>>> {
        let mut by_seed: BTreeMap<u64, Vec<&BTreeMap<String, String>>> = BTreeMap::new();
        for r in self.0.iter().filter(|r| r[key] == value) {
            by_seed.entry(r["seed"].parse().unwrap()).or_default().push(r);
        }
        for rows in by_seed.values_mut() {
            rows.sort_by_key(|r| r["generation"].parse::<usize>().unwrap());
        }
        by_seed
    }
}

fn num(row: &BTreeMap<String, String>, column: &str) -> f64 {
    row[column].parse().unwrap_or_else(|_| panic!("{column} = {:?}", row[column]))
}

/// Word counts of a whitespace-tokenized text, in first-appearance order
/// (the id order of the run's vocabulary), and its sentence count.
fn word_counts(path: &Path) -> (Vec<(String, u64)>, u64) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut counts: Vec<(String, u64)> = Vec::new();
    let mut sentences = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        sentences += 1;
        for w in line.split_whitespace() {
            let i = *index.entry(w).or_insert_with(|| {
                counts.push((w.to_owned(), 0));
                counts.len() - 1
            });
            counts[i].1 += 1;
        }
    }
    (counts, sentences)
}

/// One comparison: measured mean, prediction, standard deviation of the mean.
#[derive(Debug)]
struct Check {
    what: String,
    measured: f64,
    predicted: f64,
    sd: f64,
}

impl Check {
    fn new(what: impl Into<String>, measured: f64, predicted: f64, sd: f64) -> Check {
        Check { what: what.into(), measured, predicted, sd }
    }

    fn holds(&self) -> bool {
        (self.measured - self.predicted).abs() <= Z * self.sd
    }
}

/// Panics with the whole table when a check fails.
fn assert_all(checks: &[Check]) {
    let table: Vec<String> = checks
        .iter()
        .map(|c| {
            format!(
                "{} {:<40} measured {:.6} predicted {:.6} sd {:.6} z {:+.2}",
                if c.holds() { "ok  " } else { "FAIL" },
                c.what,
                c.measured,
                c.predicted,
                c.sd,
                (c.measured - c.predicted) / c.sd
            )
        })
        .collect();
    // Shown with `cargo test --test theory -- --nocapture`.
    println!("{}", table.join("\n"));
    assert!(checks.iter().all(Check::holds), "theory checks failed:\n{}", table.join("\n"));
}

/// Asserts that at least `min` of `checks` (a wrong prediction) fail: the
/// tolerance is tight enough to tell the theory from a rival.
fn assert_rejected(checks: &[Check], min: usize) {
    let failed = checks.iter().filter(|c| !c.holds()).count();
    assert!(failed >= min, "a wrong prediction should fail: only {failed} of {checks:#?} did");
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = values.collect();
    v.iter().sum::<f64>() / v.len() as f64
}

/// Wright-Fisher (the hapax recursion `s_{g+1} = 1 - exp(-s_g)`), count-`c`
/// survival `1 - (1 - s_g)^c`, types that never increase, no resurrection.
#[test]
fn order_1_mle_replace_is_wright_fisher() {
    let train = data("brown-2k.train.txt");
    let generations = 8;
    let (rows, _) = Rows::run("theory-wf", &train, &["--seeds", "4", "--generations", "8"]);
    let cell = rows.cell("regime", "replace");
    let seeds = cell.len() as f64;
    let (words, _) = word_counts(&train);
    // Human types per survival band, by their counts.
    let band = |lo: u64, hi: u64| -> Vec<u64> {
        words.iter().map(|(_, c)| *c).filter(|c| (lo..=hi).contains(c)).collect()
    };
    let bands =
        [("survival_hapax", band(1, 1)), ("survival_2_4", band(2, 4)), ("survival_5_16", band(5, 16))];
    let mut checks = Vec::new();
    let mut rival = Vec::new();
    for g in 1..generations {
        for (column, counts) in &bands {
            let measured = mean(cell.values().map(|rows| num(rows[g], column)));
            let n = counts.len() as f64;
            let p: Vec<f64> = counts.iter().map(|&c| count_survival(c, g)).collect();
            let predicted = p.iter().sum::<f64>() / n;
            let sd = (p.iter().map(|p| p * (1.0 - p)).sum::<f64>() / (n * n) / seeds).sqrt();
            checks.push(Check::new(format!("{column} gen {g}"), measured, predicted, sd));
            let approx = counts.iter().map(|&c| survival_exp_approximation(c, g)).sum::<f64>() / n;
            rival.push(Check::new(format!("{column} gen {g}, 1 - exp(-c/g)"), measured, approx, sd));
        }
    }
    assert_all(&checks);
    // The hapax row is s_g itself.
    assert!((hapax_survival(2) - 0.4685).abs() < 1e-4);
    assert_rejected(&rival, 10);
    for (seed, rows) in &cell {
        for pair in rows.windows(2) {
            let (a, b) = (num(pair[0], "types"), num(pair[1], "types"));
            assert!(
                b <= a,
                "seed {seed}: types rose from {a} to {b} at generation {}",
                pair[1]["generation"]
            );
        }
        for r in rows {
            assert_eq!(r["resurrected_types"], "0", "seed {seed}: a lost word came back");
            assert_eq!(r["persistent_hapax"], r["survival_hapax"], "seed {seed}: snapshot = persistent");
        }
    }
}

/// A small support: heterozygosity falls by `1 - 1/n` a generation (Seddik
/// et al.'s fully synthetic trajectory), the word shares are a martingale,
/// entropy reaches 0 and stays there (absorption in one word).
#[test]
fn a_small_support_collapses_to_one_word() {
    let dir = scratch_dir("theory-small");
    let train = dir.join("small.txt");
    // 24 words: a 12, b 6, c 4, d 2.
    std::fs::write(&train, "a a a a\na a a a\na a a a\nb b b b\nb b c c\nc c d d\n").unwrap();
    let generations = 100;
    let (rows, out) =
        Rows::run("theory-small", &train, &["--seeds", "48", "--generations", "100", "--keep-corpora"]);
    let cell = rows.cell("regime", "replace");
    let seeds = cell.len() as f64;
    let h0 = 1.0 - (0.25 + 1.0 / 16.0 + 1.0 / 36.0 + 1.0 / 144.0);
    let mut checks = Vec::new();
    for g in [1, 2, 4, 8, 16, 32] {
        // Per seed: the measured heterozygosity and its expectation given the sizes drawn.
        let pairs: Vec<(f64, f64)> = cell
            .values()
            .map(|rows| {
                let sizes: Vec<f64> = (1..=g).map(|j| num(rows[j], "train_tokens")).collect();
                (num(rows[g], "heterozygosity"), h0 * heterozygosity_factor(&sizes))
            })
            .collect();
        let measured = mean(pairs.iter().map(|p| p.0));
        let predicted = mean(pairs.iter().map(|p| p.1));
        // The spread of the heterozygosity has no simple closed form: the
        // seeds' own standard error.
        let var =
            pairs.iter().map(|p| (p.0 - p.1 - (measured - predicted)).powi(2)).sum::<f64>() / (seeds - 1.0);
        checks.push(Check::new(format!("heterozygosity gen {g}"), measured, predicted, (var / seeds).sqrt()));
    }
    assert_all(&checks);
    // Without the 1 - 1/n factor (no drift) the prediction fails.
    let flat: Vec<Check> = checks.iter().map(|c| Check::new(&c.what, c.measured, h0, c.sd)).collect();
    assert_rejected(&flat, 4);

    // Absorption: types never rise; entropy 0 (one word) is never left.
    let mut absorbed = 0;
    for (seed, rows) in &cell {
        let mut one_word = false;
        for pair in rows.windows(2) {
            assert!(num(pair[1], "types") <= num(pair[0], "types"), "seed {seed}: types rose");
        }
        for r in rows {
            let h = num(r, "entropy_bits");
            assert!(!one_word || h == 0.0, "seed {seed}: left the one-word state at {}", r["generation"]);
            one_word |= h == 0.0;
        }
        absorbed += usize::from(one_word);
    }
    // Markov's inequality on the heterozygosity bounds the seeds not yet
    // absorbed: a text of n words with two types or more has H >= 2 (n - 1) / n^2.
    let last = generations - 1;
    let n = mean(cell.values().map(|rows| num(rows[last], "train_tokens")));
    let h_last = mean(cell.values().map(|rows| num(rows[last], "heterozygosity")));
    let bound = h_last * n * n / (2.0 * (n - 1.0));
    let open = 1.0 - absorbed as f64 / seeds;
    assert!(bound < 0.7, "by generation {last} the bound {bound} should say most seeds are absorbed");
    assert!(open <= bound, "{open} of the seeds still hold two words or more, above the bound {bound}");

    // The share of `a` is a martingale: its mean over seeds stays 1/2.
    let shares: Vec<f64> = (0..cell.len())
        .map(|seed| {
            let text =
                std::fs::read_to_string(out.join(format!("corpora/cell000-seed{seed}/gen-{last}.txt")))
                    .unwrap();
            let words: Vec<&str> = text.split_whitespace().collect();
            words.iter().filter(|w| **w == "a").count() as f64 / words.len() as f64
        })
        .collect();
    let m = mean(shares.iter().copied());
    let sd = (shares.iter().map(|s| (s - m).powi(2)).sum::<f64>() / (seeds - 1.0) / seeds)
        .sqrt()
        .max(0.25 / seeds);
    assert_all(&[Check::new("share of a, last generation", m, 0.5, sd)]);
}

/// A text of independent words (no sentence structure for whole-sentence
/// samples to carry): `n_words` words from a Zipf law of exponent `beta`
/// over `types` words, in sentences of 1 to 19 words. Returns the shares.
fn iid_text(path: &Path, n_words: usize, types: usize, beta: f64, seed: u64) -> Vec<f64> {
    let weights: Vec<f64> = (1..=types).map(|r| (r as f64).powf(-beta)).collect();
    let total: f64 = weights.iter().sum();
    let cumulative: Vec<f64> = weights
        .iter()
        .scan(0.0, |s, w| {
            *s += w / total;
            Some(*s)
        })
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut counts = vec![0u64; types];
    let mut text = String::new();
    let mut written = 0;
    while written < n_words {
        let len = rng.random_range(1..20usize).min(n_words - written);
        for i in 0..len {
            let u: f64 = rng.random();
            let w = cumulative.partition_point(|&c| c < u).min(types - 1);
            counts[w] += 1;
            text.push_str(if i == 0 { "" } else { " " });
            text.push_str(&format!("w{w}"));
        }
        text.push('\n');
        written += len;
    }
    std::fs::write(path, text).unwrap();
    counts.iter().map(|&c| c as f64 / n_words as f64).collect()
}

/// Drift from the human distribution by regime (Gerstgrasser et al. 2024,
/// Kazdan et al. 2025, Seddik et al. 2024's partially synthetic setting):
/// replace grows linearly, accumulate stays bounded (sum of 1/i^2),
/// accumulate-subsample between, a fresh human share settles.
#[test]
fn drift_by_regime_follows_the_closed_forms() {
    let dir = scratch_dir("theory-drift");
    let train = dir.join("iid.txt");
    let h = iid_text(&train, 20_000, 1500, 0.8, 7);
    let regimes = [
        ("replace", Drift::Replace),
        ("accumulate", Drift::Accumulate),
        ("accumulate-subsample", Drift::AccumulateSubsample),
        ("mix:0.2", Drift::Mix(0.2)),
    ];
    let list = regimes.map(|r| r.0).join(",");
    let (rows, _) =
        Rows::run("theory-drift", &train, &["--regime", &list, "--seeds", "6", "--generations", "7"]);
    let rel_sd = sq_l2_relative_sd(&h);
    let mut checks = Vec::new();
    let mut rival = Vec::new();
    let mut last = BTreeMap::new();
    for (name, drift) in regimes {
        let cell = rows.cell("regime", name);
        let seeds = cell.len() as f64;
        for g in 1..7 {
            let (measured, predicted): (Vec<f64>, Vec<f64>) = cell
                .values()
                .map(|rows| {
                    let het = num(rows[0], "heterozygosity");
                    let human = num(rows[0], "train_tokens");
                    // The synthetic texts' words: the newest text of each generation.
                    let sizes: Vec<f64> = (1..=g).map(|j| num(rows[j], "new_tokens")).collect();
                    (num(rows[g], "sq_l2_to_human"), het * drift.expected(human, &sizes))
                })
                .unzip();
            let (m, p) = (mean(measured.into_iter()), mean(predicted.into_iter()));
            let sd = rel_sd * p / seeds.sqrt();
            checks.push(Check::new(format!("{name} gen {g}"), m, p, sd));
            if g >= 3 && !matches!(drift, Drift::Replace) {
                let human = num(cell[&0][0], "train_tokens");
                let p_replace =
                    num(cell[&0][0], "heterozygosity") * Drift::Replace.expected(human, &vec![human; g]);
                rival.push(Check::new(format!("{name} gen {g} as replace"), m, p_replace, sd));
            }
            last.insert(name, m);
        }
    }
    assert_all(&checks);
    assert_rejected(&rival, 9);
    assert!(
        last["replace"] > last["accumulate-subsample"] && last["accumulate-subsample"] > last["accumulate"]
    );
}

/// Shares of the first-appearance-ordered `words` and `</s>` (id 2, before
/// every word), in the order a truncating sampler ranks them: probability
/// descending, the smaller id first on a tie. `None` stands for `</s>`.
fn ranked(words: &[(String, u64)], sentences: u64) -> Vec<(Option<usize>, f64)> {
    let total = words.iter().map(|w| w.1).sum::<u64>() + sentences;
    let mut all: Vec<(Option<usize>, u64)> = std::iter::once((None, sentences))
        .chain(words.iter().enumerate().map(|(i, w)| (Some(i), w.1)))
        .collect();
    // A stable sort keeps id order among equal counts.
    all.sort_by_key(|x| std::cmp::Reverse(x.1));
    all.into_iter().map(|(w, c)| (w, c as f64 / total as f64)).collect()
}

/// The word shares of the kept prefix of `ranked` (renormalized over words).
fn kept_words(ranked: &[(Option<usize>, f64)], keep: usize) -> Vec<f64> {
    let words: Vec<f64> = ranked[..keep].iter().filter(|(w, _)| w.is_some()).map(|x| x.1).collect();
    let z: f64 = words.iter().sum();
    words.iter().map(|p| p / z).collect()
}

/// Dohmatob et al. 2024: top-k, top-p and temperature < 1 cut the tail.
/// Generation 1's types are those of `n` draws from the truncated or
/// tempered shares; top-k and top-p bound them by the kept set.
#[test]
fn truncation_and_temperature_cut_the_tail() {
    let train = data("brown-2k.train.txt");
    let (words, sentences) = word_counts(&train);
    let ranks = ranked(&words, sentences);
    let total: u64 = words.iter().map(|w| w.1).sum();
    let plain: Vec<f64> = words.iter().map(|w| w.1 as f64 / total as f64).collect();
    let nucleus = 1 + ranks
        .iter()
        .scan(0.0, |s, x| {
            *s += x.1;
            Some(*s)
        })
        .position(|s| s >= 0.9)
        .unwrap();
    // (name, the shares generation 1 is drawn from, the kept prefix, flags)
    type Case<'a> = (&'a str, Vec<f64>, Option<usize>, Vec<&'a str>);
    let mut cases: Vec<Case> = vec![
        ("plain", plain.clone(), None, vec!["--temperature", "1"]),
        ("temperature 0.5", tempered(&plain, 0.5), None, vec!["--temperature", "0.5"]),
        ("top-k 50", kept_words(&ranks, 50), Some(50), vec!["--top-k", "50"]),
        ("top-p 0.9", kept_words(&ranks, nucleus), Some(nucleus), vec!["--top-p", "0.9"]),
    ];
    let mut checks = Vec::new();
    let mut rival = Vec::new();
    for (name, shares, keep, flags) in cases.drain(..) {
        let mut args = vec!["--seeds", "3", "--generations", "2"];
        args.extend(flags);
        let (rows, _) = Rows::run("theory-tails", &train, &args);
        let cell = rows.cell("regime", "replace");
        let seeds = cell.len() as f64;
        let mut measured = Vec::new();
        let (mut predicted, mut var) = (0.0, 0.0);
        for rows in cell.values() {
            let types = num(rows[1], "types");
            if let Some(keep) = keep {
                let kept_words = ranks[..keep].iter().filter(|x| x.0.is_some()).count() as f64;
                assert!(types <= kept_words, "{name}: {types} types, more than the {kept_words} kept");
            }
            let (m, v) = expected_types(&shares, num(rows[1], "train_tokens"));
            measured.push(types);
            predicted += m / seeds;
            var += v / seeds / seeds;
        }
        let m = mean(measured.into_iter());
        checks.push(Check::new(format!("{name}: types of generation 1"), m, predicted, var.sqrt().max(0.5)));
        if name != "plain" {
            let (p_plain, _) = expected_types(&plain, total as f64);
            rival.push(Check::new(format!("{name} as plain sampling"), m, p_plain, var.sqrt().max(0.5)));
        }
    }
    assert_all(&checks);
    assert_rejected(&rival, 3);
}
