//! Which vocabulary each generation's model has: the convention that
//! decides whether a word lost from the training text can come back.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use anyhow::bail;
use nglab_tokenizer::{Corpus, SubVocab, Vocab};

/// The vocabulary of a generation's model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vocabulary {
    /// KenLM's convention: the model knows exactly the words of its own
    /// training text; the interpolated uniform floor is `<unk>`'s mass (which
    /// the sampler redraws), so a word absent from the training text is never
    /// written again.
    Open,
    /// Every model has the human training vocabulary: each of its words keeps
    /// a unigram with the uniform floor, so the sampler writes words absent
    /// from the training text and the floor resurrects lost words.
    Fixed,
}

impl FromStr for Vocabulary {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Vocabulary> {
        match s {
            "open" => Ok(Vocabulary::Open),
            "fixed" => Ok(Vocabulary::Fixed),
            _ => bail!("unknown vocabulary '{s}' (expected open or fixed)"),
        }
    }
}

impl fmt::Display for Vocabulary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Vocabulary::Open => "open",
            Vocabulary::Fixed => "fixed",
        })
    }
}

/// A generation model's vocabulary, as ids of the human vocabulary: the
/// human vocabulary itself, or the words of the training text.
pub enum ModelVocab<'a> {
    /// The human vocabulary (its ids are the model's).
    Human(&'a Vocab),
    /// The training text's own words.
    Own(SubVocab),
}

impl<'a> ModelVocab<'a> {
    /// The vocabulary a model trained on `text` (human ids) has under `mode`.
    /// The text's own vocabulary is the human one whenever the text holds
    /// every human word in the human order (generation 0, the `accumulate`
    /// pool): then the ids are the human ids.
    pub fn new(mode: Vocabulary, human: &'a Vocab, text: &Corpus) -> ModelVocab<'a> {
        match mode {
            Vocabulary::Fixed => ModelVocab::Human(human),
            Vocabulary::Open => {
                let own = SubVocab::of(human, text);
                if (0..human.len() as u32).all(|id| own.own_id(id) == id) {
                    // Every human word, in the human first-appearance order: the same ids.
                    ModelVocab::Human(human)
                } else {
                    ModelVocab::Own(own)
                }
            }
        }
    }

    /// The vocabulary itself.
    pub fn vocab(&self) -> &Vocab {
        match self {
            ModelVocab::Human(v) => v,
            ModelVocab::Own(own) => own.vocab(),
        }
    }

    /// A corpus of human ids in the model's ids (words it lacks are `<unk>`).
    pub fn to_model<'c>(&self, corpus: &'c Corpus) -> Cow<'c, Corpus> {
        match self {
            ModelVocab::Human(_) => Cow::Borrowed(corpus),
            ModelVocab::Own(own) => Cow::Owned(own.to_own(corpus)),
        }
    }

    /// A human id in the model's ids (`<unk>` for a word it lacks).
    pub fn model_id(&self, human: u32) -> u32 {
        match self {
            ModelVocab::Human(_) => human,
            ModelVocab::Own(own) => own.own_id(human),
        }
    }

    /// A corpus the model wrote, in human ids.
    pub fn to_human(&self, corpus: Corpus) -> Corpus {
        match self {
            ModelVocab::Human(_) => corpus,
            ModelVocab::Own(own) => own.to_parent(&corpus),
        }
    }
}
