//! Every setting of `nglab run`, declared once: [`Settings`] is at the same
//! time the clap arguments (`--synthetic-tokens`) and the TOML file's keys
//! (`synthetic_tokens`). Values are kept as given; [`RunConfig::new`]
//! validates them, once, into types that cannot hold an invalid value.
//!
//! [`RunConfig::new`]: super::RunConfig::new

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// A comma-separated list, as a flag or a TOML value: `"replace,mix:0.1"`,
/// `["replace", "mix:0.1"]`, `3` or `[3, 4]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    pub fn items(&self) -> Vec<String> {
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

/// The settings of `nglab run` as given, every one optional. A LIST is
/// comma-separated; the grid is the product of the lists. Every flag has a
/// key in the `--config` TOML file (`synthetic_tokens`, or spelt as the flag,
/// `synthetic-tokens`); flags override the file. Relative paths in the file
/// are relative to the file's directory.
#[derive(Debug, Clone, Default, PartialEq, clap::Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Output directory (must be new, empty, or hold this run with --resume).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// A TOML file with any of the settings below.
    #[arg(long, value_name = "FILE.toml")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Human training text [default: corpora/brown/train.txt].
    #[arg(long, value_name = "FILE")]
    pub train: Option<PathBuf>,
    /// Held-out human text [default: corpora/brown/test.txt].
    #[arg(long, value_name = "FILE")]
    pub heldout: Option<PathBuf>,
    /// A ground-truth world made by `nglab world` (its directory): the human
    /// text is DIR/human.txt, the held-out text the truth sample
    /// DIR/truth.txt, and every generation is measured against the world's
    /// model (cross-entropy and KL in bits per token). Takes no --train or
    /// --heldout, and whitespace tokens.
    #[arg(long, value_name = "DIR")]
    pub world: Option<PathBuf>,
    /// The tokenizer (its forms: `TokenizerSpec::GRAMMAR`) [default: whitespace].
    #[arg(long, value_name = "SPEC", help = crate::tokenizer::help("whitespace"))]
    pub tokenizer: Option<String>,
    /// N-gram orders [default: 3].
    #[arg(long, value_name = "LIST")]
    pub order: Option<List>,
    /// Smoothing methods: mle, addk:K, laplace, wb, abs[:D], kn[:D], mkn, stupid[:A] [default: mkn].
    #[arg(long, value_name = "LIST")]
    pub smoothing: Option<List>,
    /// Regimes: replace, mix:F, accumulate, accumulate-subsample [default: replace,accumulate,mix:0.1].
    #[arg(long, value_name = "LIST")]
    pub regime: Option<List>,
    /// What an order uses when its closed-form modified Kneser-Ney discounts
    /// fail (synthetic text does that): clamp (keep the valid ones, move only
    /// the failing one to the nearest valid value: continuous in the counts),
    /// kenlm (lmplz --discount_fallback: all three become 0.5,1,1.5), or
    /// D1,D2,D3 (KenLM's rule with these constants; a list element is then
    /// written D1:D2:D3 beside others, e.g. clamp,0.5:1:1.5) [default: clamp].
    #[arg(long, value_name = "LIST")]
    #[serde(alias = "discount-fallback")]
    pub discount_fallback: Option<List>,
    /// The vocabulary of each generation's model: open (KenLM's: the words of
    /// its own training text; a lost word never comes back) or fixed (the
    /// human training vocabulary; the uniform floor resurrects lost words)
    /// [default: open].
    #[arg(long, value_name = "LIST")]
    pub vocabulary: Option<List>,
    /// Sampling temperatures [default: 1].
    #[arg(long, value_name = "LIST")]
    pub temperature: Option<List>,
    /// Nucleus (top-p) thresholds in (0, 1), or off [default: off].
    #[arg(long, value_name = "LIST")]
    #[serde(alias = "top-p")]
    pub top_p: Option<List>,
    /// Top-k cutoffs, or off [default: off].
    #[arg(long, value_name = "LIST")]
    #[serde(alias = "top-k")]
    pub top_k: Option<List>,
    /// What the sampler does with a drawn <unk>: resample (draw again), keep, drop [default: resample].
    #[arg(long, value_name = "POLICY")]
    pub unk: Option<String>,
    /// Words per sampled sentence at most; a longer one is cut [default: 256].
    #[arg(long, value_name = "L")]
    #[serde(alias = "max-len")]
    pub max_len: Option<usize>,
    /// Generations, generation 0 (human-trained) included [default: 10].
    #[arg(long, value_name = "G")]
    pub generations: Option<usize>,
    /// Seeds 0..N per cell [default: 3].
    #[arg(long, value_name = "N")]
    pub seeds: Option<u64>,
    /// Tokens of each synthetic corpus [default: the human training text's].
    #[arg(long, value_name = "N")]
    #[serde(alias = "synthetic-tokens")]
    pub synthetic_tokens: Option<usize>,
    /// Keep every synthetic corpus in DIR/corpora.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    #[serde(alias = "keep-corpora")]
    pub keep_corpora: Option<bool>,
    /// Continue an interrupted run in DIR from its last complete generation.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub resume: Option<bool>,
    /// Worker threads [default: all cores].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Refuse to start a run estimated to need more memory than this (8G, 512M, bytes)
    /// [default: the machine's available memory].
    #[arg(long, value_name = "SIZE")]
    #[serde(alias = "max-memory")]
    pub max_memory: Option<String>,
    /// The `[slurm]` table: how `nglab sweep plan` writes its batch scripts
    /// (`nglab run` reads no key of it).
    #[arg(skip)]
    pub slurm: Option<crate::sweep::SlurmSettings>,
    /// The keys the `config` file gave (and the command line did not): how
    /// messages name a setting ([`Settings::name`]).
    #[arg(skip)]
    #[serde(skip)]
    pub from_file: Vec<String>,
}

/// `flags` over `file`: one generic merge of the two as TOML tables (where
/// an unset setting has no key, and NaN stays NaN), so that no setting is
/// listed twice; returns the merge and the keys only the file gave.
pub fn merge_over<T: Serialize + serde::de::DeserializeOwned>(flags: &T, file: &T) -> (T, Vec<String>) {
    let table = |s: &T| toml::Table::try_from(s).expect("settings serialize to TOML");
    let (mut merged, flags) = (table(file), table(flags));
    let from_file = merged.keys().filter(|k| !flags.contains_key(*k)).cloned().collect();
    merged.extend(flags);
    (merged.try_into().expect("merged settings deserialize"), from_file)
}

impl Settings {
    /// Reads a TOML file; its relative paths are taken from the file's directory.
    pub fn read_toml(path: &Path) -> anyhow::Result<Settings> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading config {}", path.display()))?;
        let mut settings = Self::from_toml(&text, path)?;
        settings.rebase(path.parent().unwrap_or(Path::new("")));
        Ok(settings)
    }

    /// Parses the TOML text of a config file; `path` names it in errors and
    /// becomes `config`, the file the settings came from.
    pub fn from_toml(text: &str, path: &Path) -> anyhow::Result<Settings> {
        let mut settings: Settings = toml::from_str(text).map_err(|e| {
            // One line: the file, the line and the message (toml's own Display draws the source).
            let line =
                e.span().map_or(1, |span| text[..span.start.min(text.len())].matches('\n').count() + 1);
            anyhow::anyhow!("config {}:{line}: {}", path.display(), e.message().trim().replace('\n', " "))
        })?;
        settings.config = Some(path.to_owned());
        Ok(settings)
    }

    /// Joins the relative paths of the settings (`out`, `train`, `heldout`,
    /// `world`, a `bpe-file:` tokenizer) to `dir`.
    fn rebase(&mut self, dir: &Path) {
        let join = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        };
        [&mut self.out, &mut self.train, &mut self.heldout, &mut self.world]
            .into_iter()
            .flatten()
            .for_each(join);
        if let Some(path) = self.tokenizer.as_deref().and_then(|t| t.strip_prefix("bpe-file:")) {
            if Path::new(path).is_relative() {
                self.tokenizer = Some(format!("bpe-file:{}", dir.join(path).display()));
            }
        }
    }

    /// How messages name setting `key` (its TOML key, `top_p`): `top_p in
    /// FILE` when the config file gave it, else as the flag (`--top-p`).
    pub fn name(&self, key: &str) -> String {
        match &self.config {
            Some(file) if self.from_file.iter().any(|k| k == key) => format!("{key} in {}", file.display()),
            _ => format!("--{}", key.replace('_', "-")),
        }
    }

    /// Every setting given in `self`, the others from `file`: one generic
    /// merge over the settings as TOML tables (where an unset setting has no
    /// key, and NaN stays NaN), so no setting is listed twice.
    pub fn over(self, file: Settings) -> Settings {
        let (mut out, from_file) = merge_over(&self, &file);
        out.config = self.config.or(file.config);
        out.from_file = from_file;
        out
    }

    /// The settings of the command line, over those of its `--config` file.
    pub fn resolve(&self) -> anyhow::Result<Settings> {
        let file = match &self.config {
            Some(path) => Settings::read_toml(path)?,
            None => Settings::default(),
        };
        Ok(self.clone().over(file))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_file_key_by_key() {
        let file = Settings::from_toml(
            "generations = 4\nregime = 'replace'\nkeep_corpora = true\n",
            Path::new("c.toml"),
        )
        .unwrap();
        let flags = Settings { generations: Some(7), order: Some(List::Int(2)), ..Settings::default() };
        let merged = flags.over(file);
        assert_eq!(merged.generations, Some(7));
        assert_eq!(merged.order, Some(List::Int(2)));
        assert_eq!(merged.regime, Some(List::Text("replace".into())));
        assert_eq!(merged.keep_corpora, Some(true));
        assert_eq!(merged.seeds, None);
        // A NaN in the file reaches validation, which names it.
        let file = Settings::from_toml("temperature = nan\n", Path::new("c.toml")).unwrap();
        let merged = Settings::default().over(file);
        assert!(matches!(merged.temperature, Some(List::Float(t)) if t.is_nan()));
    }

    #[test]
    fn keys_spelt_as_flags_and_paths_relative_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("conf");
        std::fs::create_dir(&conf).unwrap();
        let path = conf.join("run.toml");
        let text = "train = '../human.txt'\nheldout = '/abs/h.txt'\nout = 'runs/x'\n\
                    tokenizer = 'bpe-file:tok.json'\nsynthetic-tokens = 5\ntop_p = 0.9\n";
        std::fs::write(&path, text).unwrap();
        let s = Settings::read_toml(&path).unwrap();
        assert_eq!(s.train, Some(conf.join("../human.txt")));
        assert_eq!(s.heldout, Some("/abs/h.txt".into()));
        assert_eq!(s.out, Some(conf.join("runs/x")));
        assert_eq!(s.tokenizer, Some(format!("bpe-file:{}", conf.join("tok.json").display())));
        assert_eq!(s.synthetic_tokens, Some(5));
        // A key given twice, in both spellings, is refused.
        let e = Settings::from_toml("max_len = 3\nmax-len = 4\n", Path::new("c.toml")).unwrap_err();
        assert!(format!("{e:#}").contains("duplicate field `max_len`"), "{e:#}");
        // Messages name a setting as its source spells it.
        let merged = Settings { top_k: Some(List::Int(3)), ..Settings::default() }.over(s);
        assert_eq!(merged.name("top_k"), "--top-k");
        assert_eq!(merged.name("top_p"), format!("top_p in {}", path.display()));
        assert_eq!(merged.name("seeds"), "--seeds");
    }

    #[test]
    fn lists_in_every_spelling() {
        let s =
            Settings::from_toml("order = [2, 3]\ntop_p = 0.9\nregime = 'replace, mix:0.1'", Path::new("c"))
                .unwrap();
        assert_eq!(s.order.unwrap().items(), ["2", "3"]);
        assert_eq!(s.top_p.unwrap().items(), ["0.9"]);
        assert_eq!(s.regime.unwrap().items(), ["replace", "mix:0.1"]);
    }

    #[test]
    fn toml_errors_name_file_and_line() {
        let e = Settings::from_toml("seeds = 2\nregimes = 'replace'\n", Path::new("c.toml")).unwrap_err();
        let msg = format!("{e:#}");
        assert!(msg.starts_with("config c.toml:2: unknown field `regimes`"), "{msg}");
        let e = Settings::from_toml("config = 'x.toml'\n", Path::new("c.toml")).unwrap_err();
        assert!(format!("{e:#}").contains("unknown field `config`"), "the config path is a flag only");
    }

    #[test]
    fn boolean_flags_given_alone_or_with_a_value() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            settings: Settings,
        }
        let parse =
            |args: &[&str]| Cli::try_parse_from(std::iter::once("x").chain(args.iter().copied())).unwrap();
        assert_eq!(parse(&["--keep-corpora"]).settings.keep_corpora, Some(true));
        assert_eq!(parse(&["--keep-corpora=false"]).settings.keep_corpora, Some(false));
        assert_eq!(parse(&[]).settings.keep_corpora, None);
    }
}
