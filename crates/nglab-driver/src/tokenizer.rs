//! The tokenizer a command uses: `--tokenizer` as typed, and the one a model
//! carries. `nglab train` records its tokenizer in the model's ARPA header
//! (`# nglab: tokenizer=SPEC`); a BPE is saved beside the model as
//! `MODEL.tokenizer.json` and recorded as `bpe-file:MODEL.tokenizer.json`,
//! relative to the model's directory. `ppl`, `sample` and `metrics` use the
//! model's tokenizer unless `--tokenizer` is given, and refuse one that
//! differs from it.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use nglab_lm::Model;
use nglab_tokenizer::{AnyTokenizer, Bpe, TokenizerSpec};

/// The help of every `--tokenizer` flag: the one grammar, then what
/// `default` says.
pub fn help(default: &str) -> String {
    format!("Tokenizer: {} [default: {default}]", TokenizerSpec::GRAMMAR)
}

/// Parses a `--tokenizer` value for clap, which names the flag in the error.
pub fn parse_flag(s: &str) -> Result<TokenizerSpec, String> {
    s.parse().map_err(|e: nglab_tokenizer::Error| e.to_string())
}

/// Builds the tokenizer `spec` names: `training` feeds `bpe:SIZE`; a
/// `bpe-file:` path is read from the file system.
pub fn build<'a>(
    spec: &TokenizerSpec,
    training: impl Iterator<Item = &'a str> + Send,
) -> anyhow::Result<AnyTokenizer> {
    Ok(AnyTokenizer::build(spec, training, |p| std::fs::read_to_string(p))?)
}

/// Refuses `bpe:SIZE` where a tokenizer must be given, not trained.
pub fn refuse_training(spec: &TokenizerSpec, instead: &str) -> anyhow::Result<()> {
    if let TokenizerSpec::Bpe { .. } = spec {
        bail!("--tokenizer {spec} would train a new BPE: {instead}");
    }
    Ok(())
}

/// Where `nglab train` saves the BPE of the model written to `model`:
/// `MODEL.tokenizer.json` beside it (`m.arpa` -> `m.tokenizer.json`).
fn beside(model: &Path) -> PathBuf {
    let stem = model.file_stem().map_or_else(|| "model".into(), |s| s.to_string_lossy().into_owned());
    model.with_file_name(format!("{stem}.tokenizer.json"))
}

/// What `nglab train` records for `tokenizer` in the model it writes to
/// `model`: the spec, or for a BPE the `tokenizer.json` it saves beside the
/// model (returned, to be removed if the model cannot be written).
pub fn save_for_model(
    tokenizer: &AnyTokenizer,
    spec: &TokenizerSpec,
    model: &Path,
) -> anyhow::Result<(TokenizerSpec, Option<PathBuf>)> {
    let AnyTokenizer::Bpe(bpe) = tokenizer else {
        return Ok((spec.clone(), None));
    };
    let is_file = std::fs::metadata(model).map_or(true, |m| m.is_file());
    if model == Path::new("-") || !is_file {
        bail!(
            "--tokenizer {spec}: the BPE is saved beside the model as MODEL.tokenizer.json, so --out must \
             name a file, got {}",
            model.display()
        );
    }
    let path = beside(model);
    let json = Bpe::to_json(bpe)?;
    crate::io::write_atomic(&path, |w| Ok(w.write_all(json.as_bytes())?))?;
    let name = path.file_name().expect("beside() names a file");
    Ok((TokenizerSpec::BpeFile(name.into()), Some(path)))
}

/// The tokenizer of text read or written with `model` (read from
/// `model_path`): `flag` when given, else the one the model names, else
/// whitespace (KenLM's rule, for models that name none). A `flag` that
/// differs from the model's tokenizer is refused, naming both.
pub fn for_model(
    model: &Model,
    model_path: &Path,
    flag: Option<&TokenizerSpec>,
) -> anyhow::Result<AnyTokenizer> {
    if let Some(spec) = flag {
        refuse_training(spec, "leave --tokenizer out to use the model's, or give bpe-file:PATH")?;
    }
    let Some(own) = &model.info().tokenizer else {
        return build(flag.unwrap_or(&TokenizerSpec::Whitespace), std::iter::empty());
    };
    let named = || format!("model {} names its tokenizer {own}", model_path.display());
    let resolved = match own {
        TokenizerSpec::Bpe { .. } => bail!("{}, which is no trained tokenizer", named()),
        TokenizerSpec::BpeFile(p) if p.is_relative() => {
            TokenizerSpec::BpeFile(model_path.parent().unwrap_or(Path::new("")).join(p))
        }
        other => other.clone(),
    };
    let tokenizer = build(&resolved, std::iter::empty()).with_context(|| {
        format!("{} (nglab train saves a BPE beside its model: keep the two together)", named())
    })?;
    let Some(flag) = flag else {
        return Ok(tokenizer);
    };
    // Two BPE files are the same tokenizer when their models are.
    let same = match (&tokenizer, flag) {
        (AnyTokenizer::Bpe(own), TokenizerSpec::BpeFile(_)) => match build(flag, std::iter::empty())? {
            AnyTokenizer::Bpe(given) => own.to_json()? == given.to_json()?,
            _ => false,
        },
        _ => *own == *flag,
    };
    if !same {
        bail!(
            "--tokenizer {flag} does not match the tokenizer of model {}, {own}: leave --tokenizer out to use \
             the model's",
            model_path.display()
        );
    }
    Ok(tokenizer)
}
