use crate::TokenId;

/// Sentences of token ids, stored flat. Sentences hold words only: the
/// `<s>` / `</s>` padding is added by whoever consumes them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Corpus {
    ids: Vec<TokenId>,
    /// `ends[i]` is the end of sentence `i` in `ids`.
    ends: Vec<usize>,
}

impl Corpus {
    /// An empty corpus.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one sentence.
    pub fn push(&mut self, sentence: &[TokenId]) {
        self.ids.extend_from_slice(sentence);
        self.ends.push(self.ids.len());
    }

    /// Appends every sentence of `other`.
    pub fn extend_from(&mut self, other: &Corpus) {
        for s in other.sentences() {
            self.push(s);
        }
    }

    /// Number of sentences.
    pub fn n_sentences(&self) -> usize {
        self.ends.len()
    }

    /// Number of tokens (words), padding not included.
    pub fn n_tokens(&self) -> usize {
        self.ids.len()
    }

    /// Sentence `i`.
    pub fn sentence(&self, i: usize) -> &[TokenId] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.ids[start..self.ends[i]]
    }

    /// All sentences in order.
    pub fn sentences(&self) -> impl ExactSizeIterator<Item = &[TokenId]> + '_ {
        (0..self.ends.len()).map(move |i| self.sentence(i))
    }

    /// All token ids, sentence after sentence.
    pub fn ids(&self) -> &[TokenId] {
        &self.ids
    }
}
