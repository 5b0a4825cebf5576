//! The human side of an experiment, shared by every job: the tokenizer, the
//! human vocabulary, the training and held-out texts, and the training
//! text's n-gram tables that the metrics compare against.

use anyhow::Context;
use nglab_metrics::Reference;
use nglab_tokenizer::{AnyTokenizer, Corpus, Tokenizer, Vocab};

use super::config::Experiment;
use crate::io::{read_text, refuse_markers};

/// The human texts, tokenized.
pub struct Human {
    /// The human training text's vocabulary.
    pub vocab: Vocab,
    /// The tokenizer, to spell sample sentences.
    pub tokenizer: AnyTokenizer,
    /// The human training text.
    pub train: Corpus,
    /// The held-out human text, in `vocab` (unseen words are `<unk>`).
    pub heldout: Corpus,
    /// The training text's n-gram tables, the reference of the metrics.
    pub reference: Reference,
}

impl Human {
    /// Reads and tokenizes the human texts of `exp`.
    pub fn load(exp: &Experiment) -> anyhow::Result<Human> {
        let train_text = read_text(&exp.train, false)?;
        let tokenizer =
            AnyTokenizer::build(&exp.tokenizer, train_text.sentences(), |p| std::fs::read_to_string(p))
                .context("building the tokenizer")?;
        let mut vocab = Vocab::new();
        let train = Corpus::encode_growing(train_text.sentences(), &tokenizer, &mut vocab)
            .with_context(|| format!("tokenizing {}", exp.train.display()))?;
        refuse_markers(&exp.train, &train_text, &tokenizer, &train)?;
        if train.n_tokens() == 0 {
            anyhow::bail!("train file {} holds no tokens", exp.train.display());
        }
        let heldout_text = read_text(&exp.heldout, false)?;
        let heldout = Corpus::encode_frozen(heldout_text.sentences(), &tokenizer, &vocab)
            .with_context(|| format!("tokenizing {}", exp.heldout.display()))?;
        refuse_markers(&exp.heldout, &heldout_text, &tokenizer, &heldout)?;
        if heldout.n_tokens() == 0 {
            anyhow::bail!("heldout file {} holds no tokens", exp.heldout.display());
        }
        let reference = Reference::new(&train);
        Ok(Human { vocab, tokenizer, train, heldout, reference })
    }

    /// A sentence of ids spelt as text by the tokenizer (tokens joined by
    /// spaces when the tokenizer cannot decode them).
    pub fn spell(&self, sentence: &[nglab_tokenizer::TokenId]) -> String {
        let tokens: Vec<&str> = sentence.iter().map(|&id| self.vocab.token(id)).collect();
        self.tokenizer.decode(&tokens).unwrap_or_else(|_| tokens.join(" "))
    }
}
