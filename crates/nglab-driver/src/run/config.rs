//! The settings of `nglab run`: raw values from the TOML file and the flags
//! ([`RawConfig`]), merged (flags win) and validated once into a
//! [`RunConfig`] that cannot hold an invalid value.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{bail, Context};
use nglab_lm::{EstimateConfig, Smoothing, MAX_ORDER};
use nglab_tokenizer::TokenizerSpec;
use serde::Deserialize;

/// How the training text of generation g+1 is made from generation g's
/// samples and the human text. See the module docs of [`crate::run`](mod@crate::run).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Regime {
    /// Only the last generation's samples.
    Replace,
    /// A fresh random share `human_share` of human tokens plus synthetic
    /// tokens, same total.
    Mix {
        /// The share of human tokens, in `[0, 1]`.
        human_share: f64,
    },
    /// The human text plus every synthetic corpus so far.
    Accumulate,
    /// A fixed-size random sample of the accumulated pool.
    AccumulateSubsample,
}

impl FromStr for Regime {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Regime> {
        Ok(match s {
            "replace" => Regime::Replace,
            "accumulate" => Regime::Accumulate,
            "accumulate-subsample" => Regime::AccumulateSubsample,
            "mix" => bail!("regime 'mix' needs the human share: mix:F with F in [0, 1]"),
            _ => match s.strip_prefix("mix:") {
                Some(f) => {
                    let human_share: f64 =
                        f.parse().map_err(|_| anyhow::anyhow!("regime '{s}': '{f}' is not a number"))?;
                    if !(0.0..=1.0).contains(&human_share) {
                        bail!("regime '{s}': the human share must be in [0, 1], got {f}");
                    }
                    Regime::Mix { human_share }
                }
                None => bail!(
                    "unknown regime '{s}' (expected replace, mix:F, accumulate or accumulate-subsample)"
                ),
            },
        })
    }
}

impl fmt::Display for Regime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Regime::Replace => f.write_str("replace"),
            Regime::Mix { human_share } => write!(f, "mix:{human_share}"),
            Regime::Accumulate => f.write_str("accumulate"),
            Regime::AccumulateSubsample => f.write_str("accumulate-subsample"),
        }
    }
}

/// A comma-separated list, as a flag or a TOML value: `"replace,mix:0.1"`,
/// `["replace", "mix:0.1"]`, `3` or `[3, 4]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum List {
    /// One string, split on commas.
    Text(String),
    /// One integer.
    Int(i64),
    /// One number.
    Float(f64),
    /// An array of scalars.
    Many(Vec<Scalar>),
}

/// One element of a TOML array.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    /// A string.
    Text(String),
    /// An integer.
    Int(i64),
    /// A number.
    Float(f64),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Scalar::Text(s) => s.trim().to_owned(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
        }
    }
}

impl List {
    /// The elements, as text.
    fn items(&self) -> Vec<String> {
        match self {
            List::Text(s) => s.split(',').map(|x| x.trim().to_owned()).collect(),
            List::Int(i) => vec![i.to_string()],
            List::Float(f) => vec![f.to_string()],
            List::Many(v) => v.iter().map(Scalar::text).collect(),
        }
    }
}

impl FromStr for List {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<List, Self::Err> {
        Ok(List::Text(s.to_owned()))
    }
}

/// Settings as given, every one optional: the TOML file's keys are the flag
/// names with `_` for `-` (`synthetic_tokens = 100000`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// Output directory.
    pub out: Option<PathBuf>,
    /// Human training text.
    pub train: Option<PathBuf>,
    /// Held-out human text.
    pub heldout: Option<PathBuf>,
    /// Tokenizer spec.
    pub tokenizer: Option<String>,
    /// N-gram orders.
    pub order: Option<List>,
    /// Smoothing methods.
    pub smoothing: Option<List>,
    /// Regimes.
    pub regime: Option<List>,
    /// Sampling temperatures.
    pub temperature: Option<List>,
    /// Nucleus thresholds (1 = off).
    pub top_p: Option<List>,
    /// Top-k cutoffs (0 = off).
    pub top_k: Option<List>,
    /// Number of generations, generation 0 included.
    pub generations: Option<usize>,
    /// Number of seeds (0..N).
    pub seeds: Option<u64>,
    /// Tokens of each synthetic corpus.
    pub synthetic_tokens: Option<usize>,
    /// Keep every synthetic corpus as text.
    pub keep_corpora: Option<bool>,
    /// Continue an interrupted run.
    pub resume: Option<bool>,
    /// Worker threads.
    pub threads: Option<usize>,
    /// Memory the run may need at most (`8G`, `512M`, bytes).
    pub max_memory: Option<String>,
}

impl RawConfig {
    /// Reads a TOML file.
    pub fn read_toml(path: &Path) -> anyhow::Result<RawConfig> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading config {}", path.display()))?;
        Self::from_toml(&text, path)
    }

    /// Parses the TOML text of a config file; `path` only names it in errors.
    pub fn from_toml(text: &str, path: &Path) -> anyhow::Result<RawConfig> {
        toml::from_str(text).map_err(|e| {
            // One line: the file, the line and the message (toml's own Display draws the source).
            let line =
                e.span().map_or(1, |span| text[..span.start.min(text.len())].matches('\n').count() + 1);
            anyhow::anyhow!("config {}:{line}: {}", path.display(), e.message().trim().replace('\n', " "))
        })
    }

    /// `self` where set, else `file`.
    pub fn over(self, file: RawConfig) -> RawConfig {
        RawConfig {
            out: self.out.or(file.out),
            train: self.train.or(file.train),
            heldout: self.heldout.or(file.heldout),
            tokenizer: self.tokenizer.or(file.tokenizer),
            order: self.order.or(file.order),
            smoothing: self.smoothing.or(file.smoothing),
            regime: self.regime.or(file.regime),
            temperature: self.temperature.or(file.temperature),
            top_p: self.top_p.or(file.top_p),
            top_k: self.top_k.or(file.top_k),
            generations: self.generations.or(file.generations),
            seeds: self.seeds.or(file.seeds),
            synthetic_tokens: self.synthetic_tokens.or(file.synthetic_tokens),
            keep_corpora: self.keep_corpora.or(file.keep_corpora),
            resume: self.resume.or(file.resume),
            threads: self.threads.or(file.threads),
            max_memory: self.max_memory.or(file.max_memory),
        }
    }
}

/// The experiment, validated: everything that determines the results (and
/// so `config.json`); not the output directory, resuming or threads.
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    /// Human training text.
    pub train: PathBuf,
    /// Held-out human text.
    pub heldout: PathBuf,
    /// Tokenizer.
    pub tokenizer: TokenizerSpec,
    /// N-gram orders, each in `1..=MAX_ORDER`.
    pub orders: Vec<usize>,
    /// Smoothing methods, each valid.
    pub smoothings: Vec<Smoothing>,
    /// Regimes.
    pub regimes: Vec<Regime>,
    /// Temperatures, each finite and > 0.
    pub temperatures: Vec<f64>,
    /// Nucleus thresholds in `(0, 1]`; 1 is off.
    pub top_ps: Vec<f64>,
    /// Top-k cutoffs; 0 is off.
    pub top_ks: Vec<usize>,
    /// Generations, generation 0 (trained on human text) included; >= 1.
    pub generations: usize,
    /// Seeds `0..seeds`; >= 1.
    pub seeds: u64,
    /// Tokens of a synthetic corpus; `None`: the human training text's.
    pub synthetic_tokens: Option<usize>,
    /// Whether every synthetic corpus is kept as text.
    pub keep_corpora: bool,
}

/// One point of the grid: everything but the seed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    /// Regime.
    pub regime: Regime,
    /// N-gram order.
    pub order: usize,
    /// Smoothing.
    pub smoothing: Smoothing,
    /// Temperature.
    pub temperature: f64,
    /// Nucleus threshold (1 = off).
    pub top_p: f64,
    /// Top-k (0 = off).
    pub top_k: usize,
}

impl Experiment {
    /// The grid, in the order of the CSV columns (regime outermost).
    pub fn cells(&self) -> Vec<Cell> {
        let mut cells = Vec::new();
        for &regime in &self.regimes {
            for &order in &self.orders {
                for &smoothing in &self.smoothings {
                    for &temperature in &self.temperatures {
                        for &top_p in &self.top_ps {
                            for &top_k in &self.top_ks {
                                cells.push(Cell { regime, order, smoothing, temperature, top_p, top_k });
                            }
                        }
                    }
                }
            }
        }
        cells
    }

    /// The configuration as recorded in `config.json`.
    pub fn to_json(&self) -> serde_json::Value {
        let strings = |v: &[String]| serde_json::Value::from(v.to_vec());
        serde_json::json!({
            "train": self.train,
            "heldout": self.heldout,
            "tokenizer": self.tokenizer.to_string(),
            "order": self.orders,
            "smoothing": strings(&self.smoothings.iter().map(ToString::to_string).collect::<Vec<_>>()),
            "regime": strings(&self.regimes.iter().map(ToString::to_string).collect::<Vec<_>>()),
            "temperature": self.temperatures,
            "top_p": self.top_ps,
            "top_k": self.top_ks,
            "generations": self.generations,
            "seeds": self.seeds,
            "synthetic_tokens": self.synthetic_tokens,
            "keep_corpora": self.keep_corpora,
        })
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

/// Parses every element of a list flag; rejects empty elements and duplicates.
fn parse_list<T: PartialEq>(
    key: &str,
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
            bail!("{key}: empty element in list {items:?}");
        }
        let value = parse(item).with_context(|| format!("invalid {key}"))?;
        if out.contains(&value) {
            bail!("{key}: '{item}' is listed twice");
        }
        out.push(value);
    }
    Ok(out)
}

fn number<T: FromStr>(s: &str) -> anyhow::Result<T> {
    s.parse().map_err(|_| anyhow::anyhow!("'{s}' is not a number"))
}

/// A size in bytes: a number with an optional unit K, M, G or T (powers of
/// 1024; `KiB`, `GB`... mean the same).
fn bytes(s: &str) -> anyhow::Result<u64> {
    let t = s.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let shift = match unit.trim().to_ascii_uppercase().trim_end_matches('B').trim_end_matches('I') {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => bail!("max_memory: unknown unit in '{s}' (use K, M, G or T)"),
    };
    let value: f64 = number.parse().map_err(|_| anyhow::anyhow!("max_memory: '{s}' is not a size"))?;
    let bytes = value * (1u64 << shift) as f64;
    if !(bytes >= 1.0 && bytes < u64::MAX as f64) {
        bail!("max_memory must be at least 1 byte, got '{s}'");
    }
    Ok(bytes as u64)
}

fn input_file(key: &str, path: &Path) -> anyhow::Result<()> {
    if path.is_dir() {
        bail!("{key} file {} is a directory", path.display());
    }
    if !path.is_file() {
        let hint =
            if path.starts_with("corpora/brown") { " (run scripts/fetch-corpus.sh brown)" } else { "" };
        bail!("{key} file {} does not exist{hint}", path.display());
    }
    Ok(())
}

impl RunConfig {
    /// Validates `raw` (flags already merged over the file). Checks that
    /// the input files exist; the output directory is checked when locked.
    pub fn new(raw: &RawConfig) -> anyhow::Result<RunConfig> {
        let out = raw.out.clone().context("--out DIR is required (or `out` in the config file)")?;
        let train = raw.train.clone().unwrap_or_else(|| DEFAULT_TRAIN.into());
        let heldout = raw.heldout.clone().unwrap_or_else(|| DEFAULT_HELDOUT.into());
        let tokenizer: TokenizerSpec =
            raw.tokenizer.as_deref().unwrap_or("whitespace").parse().context("invalid tokenizer")?;
        let orders = parse_list("order", raw.order.as_ref(), "3", |s| {
            let n: usize = number(s)?;
            if !(1..=MAX_ORDER).contains(&n) {
                bail!("order must be in 1..={MAX_ORDER}, got {n}");
            }
            Ok(n)
        })?;
        let smoothings = parse_list("smoothing", raw.smoothing.as_ref(), "mkn", |s| {
            let smoothing: Smoothing = s.parse()?;
            EstimateConfig::new(smoothing)?;
            Ok(smoothing)
        })?;
        let regimes = parse_list("regime", raw.regime.as_ref(), DEFAULT_REGIMES, str::parse)?;
        let temperatures = parse_list("temperature", raw.temperature.as_ref(), "1", |s| {
            let t: f64 = number(s)?;
            if !(t.is_finite() && t > 0.0) {
                bail!("temperature must be finite and > 0, got {s}");
            }
            Ok(t)
        })?;
        let top_ps = parse_list("top_p", raw.top_p.as_ref(), "1", |s| {
            let p: f64 = number(s)?;
            if !(p > 0.0 && p <= 1.0) {
                bail!("top_p must be in (0, 1], got {s}");
            }
            Ok(p)
        })?;
        let top_ks = parse_list("top_k", raw.top_k.as_ref(), "0", number)?;
        let generations = raw.generations.unwrap_or(DEFAULT_GENERATIONS);
        if generations == 0 {
            bail!("generations must be at least 1, got 0");
        }
        let seeds = raw.seeds.unwrap_or(DEFAULT_SEEDS);
        if seeds == 0 {
            bail!("seeds must be at least 1, got 0");
        }
        if raw.synthetic_tokens == Some(0) {
            bail!("synthetic_tokens must be at least 1, got 0");
        }
        let threads = match raw.threads {
            Some(0) => bail!("threads must be at least 1, got 0"),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, usize::from),
        };
        let max_memory = raw.max_memory.as_deref().map(bytes).transpose()?;
        input_file("train", &train)?;
        input_file("heldout", &heldout)?;
        Ok(RunConfig {
            out,
            experiment: Experiment {
                train,
                heldout,
                tokenizer,
                orders,
                smoothings,
                regimes,
                temperatures,
                top_ps,
                top_ks,
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

    fn check_regime(input: &str, expect: Result<Regime, &str>) {
        match (input.parse::<Regime>(), expect) {
            (Ok(got), Ok(want)) => {
                assert_eq!(got, want, "{input}");
                assert_eq!(got.to_string().parse::<Regime>().unwrap(), got, "{input} round trip");
            }
            (Err(e), Err(want)) => assert_eq!(format!("{e:#}"), want, "{input}"),
            (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn regimes() {
        check_regime("replace", Ok(Regime::Replace));
        check_regime("accumulate", Ok(Regime::Accumulate));
        check_regime("accumulate-subsample", Ok(Regime::AccumulateSubsample));
        check_regime("mix:0.1", Ok(Regime::Mix { human_share: 0.1 }));
        check_regime("mix:0", Ok(Regime::Mix { human_share: 0.0 }));
        check_regime("mix:1", Ok(Regime::Mix { human_share: 1.0 }));
        check_regime("mix:1.5", Err("regime 'mix:1.5': the human share must be in [0, 1], got 1.5"));
        check_regime("mix:-0.1", Err("regime 'mix:-0.1': the human share must be in [0, 1], got -0.1"));
        check_regime("mix:NaN", Err("regime 'mix:NaN': the human share must be in [0, 1], got NaN"));
        check_regime("mix:x", Err("regime 'mix:x': 'x' is not a number"));
        check_regime("mix", Err("regime 'mix' needs the human share: mix:F with F in [0, 1]"));
        check_regime(
            "keep",
            Err("unknown regime 'keep' (expected replace, mix:F, accumulate or accumulate-subsample)"),
        );
    }

    /// A config over two files that exist (this crate's sources).
    fn raw(toml_text: &str) -> RawConfig {
        let mut raw: RawConfig = toml::from_str(toml_text).unwrap();
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
        check("", shape, Ok((vec![3], 10, 3, vec![1.0], vec![1.0], vec![0])));
        check(
            "order = [2, 3]\ngenerations = 4\nseeds = 1\ntemperature = 0.8\ntop_p = '0.9,1'\ntop_k = 5",
            shape,
            Ok((vec![2, 3], 4, 1, vec![0.8], vec![0.9, 1.0], vec![5])),
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
        check("regime = 'replace,keep'", unit, Err("invalid regime: unknown regime 'keep' (expected replace, mix:F, accumulate or accumulate-subsample)"));
        check(
            "regime = 'mix:2'",
            unit,
            Err("invalid regime: regime 'mix:2': the human share must be in [0, 1], got 2"),
        );
        check("regime = 'replace,replace'", unit, Err("regime: 'replace' is listed twice"));
        check("regime = 'replace,'", unit, Err("regime: empty element in list [\"replace\", \"\"]"));
        let order = format!("invalid order: order must be in 1..={MAX_ORDER}, got 0");
        check("order = 0", unit, Err(&order));
        check("order = 'x'", unit, Err("invalid order: 'x' is not a number"));
        check("temperature = 0", unit, Err("invalid temperature: temperature must be finite and > 0, got 0"));
        check("top_p = 1.5", unit, Err("invalid top_p: top_p must be in (0, 1], got 1.5"));
        check("generations = 0", unit, Err("generations must be at least 1, got 0"));
        check("seeds = 0", unit, Err("seeds must be at least 1, got 0"));
        check("threads = 0", unit, Err("threads must be at least 1, got 0"));
        check("max_memory = '8X'", unit, Err("max_memory: unknown unit in '8X' (use K, M, G or T)"));
        check("max_memory = 'G'", unit, Err("max_memory: 'G' is not a size"));
        check("max_memory = '0'", unit, Err("max_memory must be at least 1 byte, got '0'"));
        check("train = 'no/such.txt'", unit, Err("train file no/such.txt does not exist"));
        check(
            "heldout = 'corpora/brown/nope.txt'",
            unit,
            Err("heldout file corpora/brown/nope.txt does not exist (run scripts/fetch-corpus.sh brown)"),
        );
        assert!(toml::from_str::<RawConfig>("regimes = 'replace'").is_err(), "unknown keys are refused");
    }

    #[test]
    fn flags_override_the_file() {
        let file = raw("generations = 4\nregime = 'replace'\nseeds = 2");
        let flags = RawConfig { generations: Some(7), ..RawConfig::default() };
        let config = RunConfig::new(&flags.over(file)).unwrap();
        assert_eq!((config.experiment.generations, config.experiment.seeds), (7, 2));
        assert_eq!(config.experiment.regimes, [Regime::Replace]);
    }
}
