//! What to sample and how much ([`SampleConfig`], [`UnkPolicy`], [`Budget`]),
//! how to stop it early ([`Cancel`]), and what sampling did ([`SampleStats`],
//! [`Ending`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::{Error, Result};

/// A cancellation token: a flag shared by its clones. Cancelling one stops
/// the work of every holder at its next check: [`sample_corpus`] and
/// [`sample_continuations`] check it before each chunk of
/// [`CHUNK_SENTENCES`] sentences (never inside one, so it costs nothing per
/// token) and then fail with [`Error::Cancelled`]; nothing already drawn
/// changes. The default token is never cancelled and allocates nothing.
///
/// Tokens do not affect what is sampled: two configurations that differ
/// only in their tokens compare equal.
///
/// ```
/// use nglab_lm::Cancel;
/// let token = Cancel::new();
/// let held = token.clone();
/// assert!(!held.is_cancelled());
/// token.cancel();
/// assert!(held.is_cancelled());
/// ```
///
/// [`sample_corpus`]: super::sample_corpus
/// [`sample_continuations`]: super::sample_continuations
/// [`CHUNK_SENTENCES`]: super::CHUNK_SENTENCES
#[derive(Debug, Clone, Default)]
pub struct Cancel(Option<Arc<AtomicBool>>);

impl Cancel {
    /// A token that can be cancelled (with its clones).
    pub fn new() -> Cancel {
        Cancel(Some(Arc::new(AtomicBool::new(false))))
    }

    /// Asks every holder of the token (or of a clone) to stop. A token made
    /// by [`Cancel::default`] cannot be cancelled: this does nothing then.
    pub fn cancel(&self) {
        if let Some(flag) = &self.0 {
            flag.store(true, Ordering::Relaxed);
        }
    }

    /// Whether the token was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.0.as_ref().is_some_and(|flag| flag.load(Ordering::Relaxed))
    }

    /// [`Error::Cancelled`] when the token was cancelled.
    pub fn check(&self) -> Result<()> {
        if self.is_cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }
}

impl PartialEq for Cancel {
    /// Always true: a token does not change what is sampled.
    fn eq(&self, _: &Cancel) -> bool {
        true
    }
}

/// What generated text does with `<unk>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnkPolicy {
    /// Draw from `p(. | c, w != <unk>)`: a drawn `<unk>` is redrawn (counted in
    /// [`SampleStats::unk_resampled`] on the ancestral path).
    #[default]
    Resample,
    /// Keep `<unk>` in the output; the context resets after it, as in scoring.
    Keep,
    /// Sample as [`UnkPolicy::Keep`] does, but leave `<unk>` out of the output
    /// (counted in [`SampleStats::unk_dropped`]).
    Drop,
}

impl std::str::FromStr for UnkPolicy {
    type Err = Error;

    /// Parses `resample`, `keep` or `drop`.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "resample" => Ok(UnkPolicy::Resample),
            "keep" => Ok(UnkPolicy::Keep),
            "drop" => Ok(UnkPolicy::Drop),
            _ => Err(Error::Config(format!(
                "unk policy must be resample, keep or drop, got '{s}'{}",
                nglab_tokenizer::did_you_mean(s, ["resample", "keep", "drop"])
            ))),
        }
    }
}

impl std::fmt::Display for UnkPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            UnkPolicy::Resample => "resample",
            UnkPolicy::Keep => "keep",
            UnkPolicy::Drop => "drop",
        })
    }
}

/// How to sample. [`SampleConfig::default`]: temperature 1, no truncation,
/// not greedy, [`UnkPolicy::Resample`], `max_len` 256, never cancelled.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleConfig {
    /// Temperature `T > 0`: `q ∝ p^(1/T)`.
    pub temperature: f64,
    /// Keep the `k >= 1` most probable words.
    pub top_k: Option<usize>,
    /// Nucleus sampling: keep the most probable words up to this mass, in (0, 1].
    pub top_p: Option<f64>,
    /// Keep the words with at least this share of the most probable one's, in [0, 1).
    pub min_p: Option<f64>,
    /// Always take the most probable word.
    pub greedy: bool,
    /// What to do with `<unk>`.
    pub unk: UnkPolicy,
    /// Maximum words per sentence, prefix included (>= 1); a sentence that
    /// reaches it ends without `</s>` and is counted in [`SampleStats::max_len_hits`].
    pub max_len: usize,
    /// Stops sampling many sentences early when cancelled (see [`Cancel`]);
    /// the default is never cancelled.
    pub cancel: Cancel,
}

impl Default for SampleConfig {
    fn default() -> Self {
        SampleConfig {
            temperature: 1.0,
            top_k: None,
            top_p: None,
            min_p: None,
            greedy: false,
            unk: UnkPolicy::Resample,
            max_len: 256,
            cancel: Cancel::default(),
        }
    }
}

impl SampleConfig {
    /// Checks every parameter; the message shows the bad value.
    pub fn validate(&self) -> Result<()> {
        let t = self.temperature;
        if !(t > 0.0 && t.is_finite()) {
            return Err(Error::Config(format!("temperature must be finite and > 0, got {t}")));
        }
        if self.top_k == Some(0) {
            return Err(Error::Config("top-k must be >= 1, got 0".into()));
        }
        if let Some(p) = self.top_p {
            if !(p > 0.0 && p <= 1.0) {
                return Err(Error::Config(format!("top-p must be in (0, 1], got {p}")));
            }
        }
        if let Some(p) = self.min_p {
            if !(0.0..1.0).contains(&p) {
                return Err(Error::Config(format!("min-p must be in [0, 1), got {p}")));
            }
        }
        if self.max_len == 0 {
            return Err(Error::Config("max-len must be >= 1, got 0".into()));
        }
        Ok(())
    }

    /// Whether the knobs are drawn from sorted bands (see [`Nucleus`]): any
    /// knob but temperature alone.
    pub(super) fn banded(&self) -> bool {
        self.transforms() && !self.tempered_only()
    }

    /// Whether temperature is the only knob on (see [`Tempered`]).
    pub(super) fn tempered_only(&self) -> bool {
        self.temperature != 1.0
            && !self.greedy
            && self.top_k.is_none()
            && self.top_p.is_none_or(|p| p == 1.0)
            && self.min_p.is_none_or(|p| p == 0.0)
    }

    /// Whether a knob needs the full next-token distribution.
    pub(super) fn transforms(&self) -> bool {
        self.greedy
            || self.temperature != 1.0
            || self.top_k.is_some()
            || self.top_p.is_some_and(|p| p < 1.0)
            || self.min_p.is_some_and(|p| p > 0.0)
    }
}

/// How much to sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// Exactly this many sentences.
    Sentences(usize),
    /// Whole sentences, in order, up to and including the first one at which
    /// the number of words (without `</s>`) reaches this many: the total is at
    /// least `N` and exceeds it by less than one sentence. 0 gives no sentence.
    /// A model that writes empty sentences (`</s>` at once) could make this
    /// endless: after `max(N, 2^20)` empty sentences, sampling stops short of
    /// `N` (the stats' `tokens` say how far it got), with those sentences kept.
    Tokens(usize),
}

/// What sampling did, summed over sentences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SampleStats {
    /// Sentences produced.
    pub sentences: usize,
    /// Words written (prefixes included, `</s>` and dropped `<unk>` not).
    pub tokens: usize,
    /// Sentences ended by the maximum length instead of `</s>`.
    pub max_len_hits: usize,
    /// `<unk>` draws redrawn under [`UnkPolicy::Resample`] (ancestral path).
    pub unk_resampled: usize,
    /// `<unk>` draws left out under [`UnkPolicy::Drop`].
    pub unk_dropped: usize,
    /// Draws that fell back to an exact O(|V|) computation after many rejections.
    pub exact_fallbacks: usize,
}

impl SampleStats {
    /// Adds `other` to `self`.
    pub fn add(&mut self, other: &SampleStats) {
        self.sentences += other.sentences;
        self.tokens += other.tokens;
        self.max_len_hits += other.max_len_hits;
        self.unk_resampled += other.unk_resampled;
        self.unk_dropped += other.unk_dropped;
        self.exact_fallbacks += other.exact_fallbacks;
    }

    pub(super) fn minus(&self, before: &SampleStats) -> SampleStats {
        SampleStats {
            sentences: self.sentences - before.sentences,
            tokens: self.tokens - before.tokens,
            max_len_hits: self.max_len_hits - before.max_len_hits,
            unk_resampled: self.unk_resampled - before.unk_resampled,
            unk_dropped: self.unk_dropped - before.unk_dropped,
            exact_fallbacks: self.exact_fallbacks - before.exact_fallbacks,
        }
    }
}

/// How a sentence ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// With `</s>`.
    Eos,
    /// At the maximum length, without `</s>`.
    MaxLen,
}
