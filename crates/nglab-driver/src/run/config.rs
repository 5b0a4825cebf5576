//! The settings of `nglab run` validated, once, into a [`RunConfig`] that
//! cannot hold an invalid value: the [`Experiment`] (what determines the
//! results) and how to run it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{bail, Context};
use nglab_lm::{DiscountFallback, EstimateConfig, Smoothing, UnkPolicy, MAX_ORDER};
use nglab_tokenizer::TokenizerSpec;
use serde::{Serialize, Serializer};

use super::regime::Regime;
use super::settings::{List, Settings};
use super::vocabulary::Vocabulary;

/// Serializes values by their `Display` form (the form their settings take).
fn display<T: fmt::Display, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

/// Serializes a list of values by their `Display` forms.
fn display_all<T: fmt::Display, S: Serializer>(values: &[T], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(values.iter().map(ToString::to_string))
}

/// A cutoff as written in settings, tables and labels: its value, or `off`.
pub fn off_or<T: fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "off".to_owned(), |v| v.to_string())
}

/// A cutoff as serialized: its number, `"off"` for none.
#[derive(Serialize)]
#[serde(untagged)]
enum Cutoff<'a, T> {
    On(&'a T),
    Off(&'static str),
}

impl<'a, T> Cutoff<'a, T> {
    fn of(value: &'a Option<T>) -> Self {
        value.as_ref().map_or(Cutoff::Off("off"), Cutoff::On)
    }
}

/// Serializes a cutoff: a number, `"off"` for none.
fn cutoff<T: Serialize, S: Serializer>(value: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
    Cutoff::of(value).serialize(s)
}

/// Serializes a list of cutoffs: numbers, `"off"` for none.
fn cutoffs<T: Serialize, S: Serializer>(values: &[Option<T>], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(values.iter().map(Cutoff::of))
}

/// The experiment, validated: everything that determines the results (and
/// so `config.json`, where each field has its setting's name); not the
/// output directory, resuming or threads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Experiment {
    /// Human training text.
    pub train: PathBuf,
    /// Held-out human text.
    pub heldout: PathBuf,
    /// The world (`nglab world`'s directory) the human text was drawn from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub world: Option<PathBuf>,
    /// Tokenizer.
    #[serde(serialize_with = "display")]
    pub tokenizer: TokenizerSpec,
    /// N-gram orders, each in `1..=MAX_ORDER`.
    #[serde(rename = "order")]
    pub orders: Vec<usize>,
    /// Smoothing methods, each valid.
    #[serde(rename = "smoothing", serialize_with = "display_all")]
    pub smoothings: Vec<Smoothing>,
    /// Rules for orders whose closed-form discounts fail.
    #[serde(rename = "discount_fallback", serialize_with = "display_all")]
    pub discount_fallbacks: Vec<DiscountFallback>,
    /// Regimes.
    #[serde(rename = "regime", serialize_with = "display_all")]
    pub regimes: Vec<Regime>,
    /// The vocabularies of the generations' models.
    #[serde(rename = "vocabulary", serialize_with = "display_all")]
    pub vocabularies: Vec<Vocabulary>,
    /// Temperatures, each finite and > 0.
    #[serde(rename = "temperature")]
    pub temperatures: Vec<f64>,
    /// Nucleus thresholds in `(0, 1)`, `None` for off.
    #[serde(rename = "top_p", serialize_with = "cutoffs")]
    pub top_ps: Vec<Option<f64>>,
    /// Top-k cutoffs >= 1, `None` for off.
    #[serde(rename = "top_k", serialize_with = "cutoffs")]
    pub top_ks: Vec<Option<usize>>,
    /// What the sampler does with a drawn `<unk>`.
    #[serde(serialize_with = "display")]
    pub unk: UnkPolicy,
    /// Words per sampled sentence at most.
    pub max_len: usize,
    /// Generations, generation 0 (trained on human text) included; >= 1.
    pub generations: usize,
    /// Seeds `0..seeds`; >= 1.
    pub seeds: u64,
    /// Tokens of a synthetic corpus; `None`: the human training text's.
    pub synthetic_tokens: Option<usize>,
    /// Whether every synthetic corpus is kept as text.
    pub keep_corpora: bool,
}

/// One point of the grid: everything but the seed. Serialized (in
/// `config.json`) with each field under its setting's name.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Cell {
    /// Regime.
    #[serde(serialize_with = "display")]
    pub regime: Regime,
    /// N-gram order.
    pub order: usize,
    /// Smoothing.
    #[serde(serialize_with = "display")]
    pub smoothing: Smoothing,
    /// The rule for orders whose closed-form discounts fail.
    #[serde(serialize_with = "display")]
    pub discount_fallback: DiscountFallback,
    /// The vocabulary of the generations' models.
    #[serde(serialize_with = "display")]
    pub vocabulary: Vocabulary,
    /// Temperature.
    pub temperature: f64,
    /// Nucleus threshold, `None` for off.
    #[serde(serialize_with = "cutoff")]
    pub top_p: Option<f64>,
    /// Top-k, `None` for off.
    #[serde(serialize_with = "cutoff")]
    pub top_k: Option<usize>,
}

/// The name of cell `index` of the grid (`cell003`): its jobs' directories
/// under `state/` and `corpora/` are `cell003-seed0`, `cell003-seed1`, ...
pub fn cell_name(index: usize) -> String {
    format!("cell{index:03}")
}

impl Experiment {
    /// The grid, in the order of the CSV columns (regime outermost).
    pub fn cells(&self) -> Vec<Cell> {
        let mut cells = Vec::new();
        for &regime in &self.regimes {
            for &order in &self.orders {
                for &smoothing in &self.smoothings {
                    for &discount_fallback in &self.discount_fallbacks {
                        for &vocabulary in &self.vocabularies {
                            for &temperature in &self.temperatures {
                                for &top_p in &self.top_ps {
                                    for &top_k in &self.top_ks {
                                        cells.push(Cell {
                                            regime,
                                            order,
                                            smoothing,
                                            discount_fallback,
                                            vocabulary,
                                            temperature,
                                            top_p,
                                            top_k,
                                        });
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        cells
    }
}

/// A validated `nglab run` configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct RunConfig {
    /// Output directory.
    pub out: PathBuf,
    /// What to run.
    pub experiment: Experiment,
    /// Continue an interrupted run in `out`.
    pub resume: bool,
    /// Worker threads, >= 1.
    pub threads: usize,
    /// Refuse to start when the estimated memory exceeds this many bytes
    /// (`None`: the machine's available memory).
    pub max_memory: Option<u64>,
}

/// Defaults of the issue: Brown, whitespace, order 3, mkn, three regimes.
pub const DEFAULT_TRAIN: &str = "corpora/brown/train.txt";
/// Default held-out text.
pub const DEFAULT_HELDOUT: &str = "corpora/brown/test.txt";
const DEFAULT_REGIMES: &str = "replace,accumulate,mix:0.1";
const DEFAULT_GENERATIONS: usize = 10;
const DEFAULT_SEEDS: u64 = 3;
const DEFAULT_MAX_LEN: usize = 256;

/// Parses every element of a list setting (`name` is how messages name it);
/// rejects empty elements and duplicates.
fn parse_list<T: PartialEq>(
    name: &str,
    list: Option<&List>,
    default: &str,
    parse: impl Fn(&str) -> anyhow::Result<T>,
) -> anyhow::Result<Vec<T>> {
    let items = match list {
        Some(l) => l.items(),
        None => default.split(',').map(str::to_owned).collect(),
    };
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for item in &items {
        if item.is_empty() {
            bail!("{name}: empty element in list {items:?}");
        }
        let value = parse(item).with_context(|| format!("invalid {name}"))?;
        if out.contains(&value) {
            bail!("{name}: '{item}' is listed twice");
        }
        out.push(value);
    }
    Ok(out)
}

/// The discount fallback rules: a list of `kenlm`, `clamp` and `D1:D2:D3`;
/// a list of three numbers alone is one rule `D1,D2,D3`, as `nglab train`
/// takes it.
fn discount_fallbacks(name: &str, list: Option<&List>) -> anyhow::Result<Vec<DiscountFallback>> {
    let one_rule = list.filter(|l| {
        let items = l.items();
        items.len() == 3 && items.iter().all(|i| i.parse::<f64>().is_ok())
    });
    if let Some(l) = one_rule {
        let rule: DiscountFallback =
            l.items().join(",").parse().with_context(|| format!("invalid {name}"))?;
        return Ok(vec![rule]);
    }
    parse_list(name, list, "clamp", |s| Ok(s.replace(':', ",").parse::<DiscountFallback>()?))
}

fn number<T: FromStr>(s: &str) -> anyhow::Result<T> {
    s.parse().map_err(|_| anyhow::anyhow!("'{s}' is not a number"))
}

/// A size in bytes: a number with an optional unit K, M, G or T (powers of
/// 1024; `KiB`, `GB`... mean the same).
pub(crate) fn bytes(s: &str) -> anyhow::Result<u64> {
    let t = s.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let shift = match unit.trim().to_ascii_uppercase().trim_end_matches('B').trim_end_matches('I') {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => bail!("unknown unit in '{s}' (use K, M, G or T)"),
    };
    let value: f64 = number.parse().map_err(|_| anyhow::anyhow!("'{s}' is not a size"))?;
    let bytes = value * (1u64 << shift) as f64;
    if !(bytes >= 1.0 && bytes < u64::MAX as f64) {
        bail!("a size must be at least 1 byte, got '{s}'");
    }
    Ok(bytes as u64)
}

/// Checks that the input file of setting `name` exists.
fn input_file(name: &str, path: &Path) -> anyhow::Result<()> {
    if path.is_dir() {
        bail!("{name}: {} is a directory", path.display());
    }
    if !path.is_file() {
        let hint =
            if path.starts_with("corpora/brown") { " (run scripts/fetch-corpus.sh brown)" } else { "" };
        bail!("{name}: {} does not exist{hint}", path.display());
    }
    Ok(())
}

/// The human text and the truth sample of the world `dir`: a world gives
/// both, with whitespace tokens.
fn world_texts(raw: &Settings, dir: &Path) -> anyhow::Result<(PathBuf, PathBuf)> {
    for (key, given) in [("train", raw.train.is_some()), ("heldout", raw.heldout.is_some())] {
        if given {
            bail!(
                "{} gives the human text and the held-out truth sample: drop {}",
                raw.name("world"),
                raw.name(key)
            );
        }
    }
    if raw.tokenizer.as_deref().is_some_and(|t| t != "whitespace") {
        bail!("{} is whitespace tokens: drop {}", raw.name("world"), raw.name("tokenizer"));
    }
    let world = crate::world::WorldDir(dir.to_owned());
    if !world.manifest().is_file() {
        bail!("{} {}: not a world (no world.json; nglab world makes one)", raw.name("world"), dir.display());
    }
    Ok((world.human(), world.truth()))
}

impl RunConfig {
    /// Validates `raw` (flags already merged over the file). Checks that
    /// the input files exist; the output directory is checked when locked.
    /// Messages name a setting as it was given: `--top-p`, or `top_p in
    /// FILE` ([`Settings::name`]).
    pub fn new(raw: &Settings) -> anyhow::Result<RunConfig> {
        let name = |key: &str| raw.name(key);
        let out = raw.out.clone().context("--out DIR is required (or `out` in the config file)")?;
        let (train, heldout) = match &raw.world {
            Some(dir) => world_texts(raw, dir)?,
            None => (
                raw.train.clone().unwrap_or_else(|| DEFAULT_TRAIN.into()),
                raw.heldout.clone().unwrap_or_else(|| DEFAULT_HELDOUT.into()),
            ),
        };
        let tokenizer: TokenizerSpec = raw
            .tokenizer
            .as_deref()
            .unwrap_or("whitespace")
            .parse()
            .with_context(|| format!("invalid {}", name("tokenizer")))?;
        let orders = parse_list(&name("order"), raw.order.as_ref(), "3", |s| {
            let n: usize = number(s)?;
            if !(1..=MAX_ORDER).contains(&n) {
                bail!("order must be in 1..={MAX_ORDER}, got {n}");
            }
            Ok(n)
        })?;
        let smoothings = parse_list(&name("smoothing"), raw.smoothing.as_ref(), "mkn", |s| {
            let smoothing: Smoothing = s.parse()?;
            EstimateConfig::new(smoothing)?;
            Ok(smoothing)
        })?;
        let regimes = parse_list(&name("regime"), raw.regime.as_ref(), DEFAULT_REGIMES, str::parse)?;
        let temperatures = parse_list(&name("temperature"), raw.temperature.as_ref(), "1", |s| {
            let t: f64 = number(s)?;
            if !(t.is_finite() && t > 0.0) {
                bail!("temperature must be finite and > 0, got {s}");
            }
            Ok(t)
        })?;
        let discount_fallbacks =
            discount_fallbacks(&name("discount_fallback"), raw.discount_fallback.as_ref())?;
        let vocabularies = parse_list(&name("vocabulary"), raw.vocabulary.as_ref(), "open", str::parse)?;
        // A nucleus of 1 and a top-k of 0 keep every word: they are `off` too.
        let top_ps = parse_list(&name("top_p"), raw.top_p.as_ref(), "off", |s| {
            if s == "off" {
                return Ok(None);
            }
            let p: f64 = number(s)?;
            if !(p > 0.0 && p <= 1.0) {
                bail!("the nucleus threshold must be in (0, 1] or off, got {s}");
            }
            Ok((p < 1.0).then_some(p))
        })?;
        let top_ks = parse_list(&name("top_k"), raw.top_k.as_ref(), "off", |s| {
            if s == "off" {
                return Ok(None);
            }
            let k: usize = number(s)?;
            Ok((k > 0).then_some(k))
        })?;
        let unk: UnkPolicy = raw
            .unk
            .as_deref()
            .unwrap_or("resample")
            .parse()
            .with_context(|| format!("invalid {}", name("unk")))?;
        let at_least_1 = |key: &str, value: Option<usize>| match value {
            Some(0) => bail!("{} must be at least 1, got 0", name(key)),
            _ => Ok(()),
        };
        at_least_1("max_len", raw.max_len)?;
        at_least_1("generations", raw.generations)?;
        at_least_1("seeds", raw.seeds.map(|n| n as usize))?;
        at_least_1("synthetic_tokens", raw.synthetic_tokens)?;
        at_least_1("threads", raw.threads)?;
        let max_len = raw.max_len.unwrap_or(DEFAULT_MAX_LEN);
        let generations = raw.generations.unwrap_or(DEFAULT_GENERATIONS);
        let seeds = raw.seeds.unwrap_or(DEFAULT_SEEDS);
        let threads =
            raw.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
        let max_memory = raw
            .max_memory
            .as_deref()
            .map(bytes)
            .transpose()
            .with_context(|| format!("invalid {}", name("max_memory")))?;
        input_file(&name("train"), &train)?;
        input_file(&name("heldout"), &heldout)?;
        Ok(RunConfig {
            out,
            experiment: Experiment {
                train,
                heldout,
                world: raw.world.clone(),
                tokenizer,
                orders,
                smoothings,
                discount_fallbacks,
                regimes,
                vocabularies,
                temperatures,
                top_ps,
                top_ks,
                unk,
                max_len,
                generations,
                seeds,
                synthetic_tokens: raw.synthetic_tokens,
                keep_corpora: raw.keep_corpora.unwrap_or(false),
            },
            resume: raw.resume.unwrap_or(false),
            threads,
            max_memory,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A config file `c.toml` over two files that exist (this crate's sources).
    fn raw(toml_text: &str) -> Settings {
        let mut raw = Settings::default().over(Settings::from_toml(toml_text, Path::new("c.toml")).unwrap());
        raw.train.get_or_insert_with(|| "src/lib.rs".into());
        raw.heldout.get_or_insert_with(|| "src/main.rs".into());
        raw.out.get_or_insert_with(|| "runs/x".into());
        raw
    }

    /// Validates a TOML config and compares a view of the result, or the error.
    fn check<T: PartialEq + fmt::Debug>(
        toml_text: &str,
        view: impl Fn(&RunConfig) -> T,
        expect: Result<T, &str>,
    ) {
        match (RunConfig::new(&raw(toml_text)), expect) {
            (Ok(got), Ok(want)) => assert_eq!(view(&got), want, "{toml_text}"),
            (Err(e), Err(want)) => assert_eq!(format!("{e:#}"), want, "{toml_text}"),
            (Ok(got), Err(want)) => panic!("{toml_text}: got {got:?}, want error {want}"),
            (Err(e), Ok(want)) => panic!("{toml_text}: got error {e:#}, want {want:?}"),
        }
    }

    #[test]
    fn defaults_and_lists() {
        let regimes =
            |c: &RunConfig| c.experiment.regimes.iter().map(ToString::to_string).collect::<Vec<_>>();
        check("", regimes, Ok(vec!["replace".into(), "accumulate".into(), "mix:0.1".into()]));
        check("regime = 'mix:0.5, replace'", regimes, Ok(vec!["mix:0.5".into(), "replace".into()]));
        check("regime = ['accumulate-subsample']", regimes, Ok(vec!["accumulate-subsample".into()]));
        let shape = |c: &RunConfig| {
            let e = &c.experiment;
            (
                e.orders.clone(),
                e.generations,
                e.seeds,
                e.temperatures.clone(),
                e.top_ps.clone(),
                e.top_ks.clone(),
            )
        };
        check("", shape, Ok((vec![3], 10, 3, vec![1.0], vec![None], vec![None])));
        check(
            "order = [2, 3]\ngenerations = 4\nseeds = 1\ntemperature = 0.8\ntop_p = '0.9,1'\ntop_k = 5",
            shape,
            Ok((vec![2, 3], 4, 1, vec![0.8], vec![Some(0.9), None], vec![Some(5)])),
        );
        check("top_p = 'off'\ntop_k = '0,off'", shape, Err("top_k in c.toml: 'off' is listed twice"));
        let sampler = |c: &RunConfig| {
            let e = &c.experiment;
            (e.vocabularies.iter().map(ToString::to_string).collect::<Vec<_>>(), e.unk.to_string(), e.max_len)
        };
        check("", sampler, Ok((vec!["open".into()], "resample".into(), 256)));
        let fallbacks = |c: &RunConfig| {
            c.experiment.discount_fallbacks.iter().map(ToString::to_string).collect::<Vec<_>>()
        };
        check("", fallbacks, Ok(vec!["clamp".into()]));
        check("discount_fallback = 'kenlm, clamp'", fallbacks, Ok(vec!["kenlm".into(), "clamp".into()]));
        check("discount_fallback = '0.5,1,1.5'", fallbacks, Ok(vec!["0.5,1,1.5".into()]));
        check(
            "discount_fallback = ['0.5,1,1.5', 'kenlm']",
            fallbacks,
            Ok(vec!["0.5,1,1.5".into(), "kenlm".into()]),
        );
        check(
            "discount_fallback = 'clamp,0.2:0.4:0.6'",
            fallbacks,
            Ok(vec!["clamp".into(), "0.2,0.4,0.6".into()]),
        );
        check(
            "discount_fallback = 'clamp,0.5:1'",
            fallbacks,
            Err("invalid discount_fallback in c.toml: discount fallback must be kenlm, clamp or three numbers D1,D2,D3, got '0.5,1'"),
        );
        check(
            "discount_fallback = '0.5,1,9'",
            fallbacks,
            Err("invalid discount_fallback in c.toml: fallback discount D3 must be in (0, 3], got 9"),
        );
        check(
            "vocabulary = 'fixed,open'\nunk = 'keep'\nmax_len = 50",
            sampler,
            Ok((vec!["fixed".into(), "open".into()], "keep".into(), 50)),
        );
        check("order = '2,3'\nregime = 'replace'", |c| c.experiment.cells().len(), Ok(2));
        let smoothing =
            |c: &RunConfig| c.experiment.smoothings.iter().map(ToString::to_string).collect::<Vec<_>>();
        check("smoothing = 'mle,kn'", smoothing, Ok(vec!["mle".into(), "kn".into()]));
        let max_memory = |c: &RunConfig| c.max_memory;
        check("", max_memory, Ok(None));
        check("max_memory = '1536'", max_memory, Ok(Some(1536)));
        check("max_memory = '1.5K'", max_memory, Ok(Some(1536)));
        check("max_memory = '8G'", max_memory, Ok(Some(8 << 30)));
        check("max_memory = '512 MiB'", max_memory, Ok(Some(512 << 20)));
        check("max_memory = '2GB'", max_memory, Ok(Some(2 << 30)));
    }

    #[test]
    fn bad_configs() {
        let unit = |_: &RunConfig| ();
        check("regime = 'replace,keep'", unit, Err("invalid regime in c.toml: unknown regime 'keep' (expected replace, mix:F, accumulate or accumulate-subsample)"));
        check(
            "regime = 'mix:2'",
            unit,
            Err("invalid regime in c.toml: regime 'mix:2': the human share must be in [0, 1], got 2"),
        );
        check("regime = 'replace,replace'", unit, Err("regime in c.toml: 'replace' is listed twice"));
        check(
            "regime = 'replace,'",
            unit,
            Err("regime in c.toml: empty element in list [\"replace\", \"\"]"),
        );
        let order = format!("invalid order in c.toml: order must be in 1..={MAX_ORDER}, got 0");
        check("order = 0", unit, Err(&order));
        check("order = 'x'", unit, Err("invalid order in c.toml: 'x' is not a number"));
        check(
            "temperature = 0",
            unit,
            Err("invalid temperature in c.toml: temperature must be finite and > 0, got 0"),
        );
        check(
            "top_p = 1.5",
            unit,
            Err("invalid top_p in c.toml: the nucleus threshold must be in (0, 1] or off, got 1.5"),
        );
        check("top_k = -1", unit, Err("invalid top_k in c.toml: '-1' is not a number"));
        check(
            "vocabulary = 'closed'",
            unit,
            Err("invalid vocabulary in c.toml: unknown vocabulary 'closed' (expected open or fixed)"),
        );
        check(
            "unk = 'skip'",
            unit,
            Err("invalid unk in c.toml: unk policy must be resample, keep or drop, got 'skip'"),
        );
        check("max_len = 0", unit, Err("max_len in c.toml must be at least 1, got 0"));
        check("generations = 0", unit, Err("generations in c.toml must be at least 1, got 0"));
        check("seeds = 0", unit, Err("seeds in c.toml must be at least 1, got 0"));
        check("threads = 0", unit, Err("threads in c.toml must be at least 1, got 0"));
        check(
            "max_memory = '8X'",
            unit,
            Err("invalid max_memory in c.toml: unknown unit in '8X' (use K, M, G or T)"),
        );
        check("max_memory = 'G'", unit, Err("invalid max_memory in c.toml: 'G' is not a size"));
        check(
            "max_memory = '0'",
            unit,
            Err("invalid max_memory in c.toml: a size must be at least 1 byte, got '0'"),
        );
        check("train = 'no/such.txt'", unit, Err("train in c.toml: no/such.txt does not exist"));
        check(
            "heldout = 'corpora/brown/nope.txt'",
            unit,
            Err("heldout in c.toml: corpora/brown/nope.txt does not exist (run scripts/fetch-corpus.sh brown)"),
        );
        assert!(toml::from_str::<Settings>("regimes = 'replace'").is_err(), "unknown keys are refused");
    }

    #[test]
    fn flags_override_the_file() {
        let file = raw("generations = 4\nregime = 'replace'\nseeds = 2");
        let flags = Settings { generations: Some(7), ..Settings::default() };
        let config = RunConfig::new(&flags.over(file)).unwrap();
        assert_eq!((config.experiment.generations, config.experiment.seeds), (7, 2));
        assert_eq!(config.experiment.regimes, [Regime::Replace]);
    }
}
