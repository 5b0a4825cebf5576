use std::path::Path;

use crate::{CorpusText, Error, TokenId, Tokenizer, Utf8Policy, Vocab, Whitespace};

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

    /// The same sentences with every id mapped by `f` (another vocabulary's ids).
    pub fn map_ids(&self, f: impl Fn(TokenId) -> TokenId) -> Corpus {
        Corpus { ids: self.ids.iter().map(|&id| f(id)).collect(), ends: self.ends.clone() }
    }

    /// Appends every sentence of `other`.
    pub fn extend_from(&mut self, other: &Corpus) {
        self.extend(other.sentences());
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

    /// Reads a corpus file in the corpus format (UTF-8, one sentence per
    /// line, tokens separated by whitespace: what `nglab tokenize` writes and
    /// KenLM reads), adding its tokens to `vocab`. The short way for
    /// [`CorpusText::read_path`] then [`Corpus::encode_growing`] with
    /// [`Whitespace`]; go the long way for another tokenizer, a frozen
    /// vocabulary or lossy UTF-8.
    pub fn read_path(path: impl AsRef<Path>, vocab: &mut Vocab) -> Result<Corpus, Error> {
        let text = CorpusText::read_path(path, Utf8Policy::Strict)?;
        Corpus::encode_growing(text.sentences(), &Whitespace, vocab)
    }

    /// Encodes sentences with `tokenizer`, adding new tokens to `vocab`:
    /// how the vocabulary of the generation-0 human text is built. A
    /// sentence that gives no token is the empty sentence (KenLM's `<s> </s>`),
    /// kept: sentence `i` of the corpus is sentence `i` of the input.
    pub fn encode_growing<'a, T: Tokenizer + ?Sized>(
        sentences: impl IntoIterator<Item = &'a str>,
        tokenizer: &T,
        vocab: &mut Vocab,
    ) -> Result<Corpus, Error> {
        Self::encode_with(sentences, tokenizer, |t| vocab.get_or_insert(t))
    }

    /// Encodes sentences with `tokenizer` into a frozen `vocab`: tokens it
    /// lacks become [`UNK`](crate::UNK), so every generation maps into the
    /// same ids. A sentence that gives no token is kept, empty.
    pub fn encode_frozen<'a, T: Tokenizer + ?Sized>(
        sentences: impl IntoIterator<Item = &'a str>,
        tokenizer: &T,
        vocab: &Vocab,
    ) -> Result<Corpus, Error> {
        Self::encode_with(sentences, tokenizer, |t| vocab.id_or_unk(t))
    }

    fn encode_with<'a, T: Tokenizer + ?Sized>(
        sentences: impl IntoIterator<Item = &'a str>,
        tokenizer: &T,
        mut id: impl FnMut(&str) -> TokenId,
    ) -> Result<Corpus, Error> {
        let mut corpus = Corpus::new();
        let mut ids = Vec::new();
        for sentence in sentences {
            ids.clear();
            ids.extend(tokenizer.encode(sentence)?.iter().map(|t| id(t)));
            corpus.push(&ids);
        }
        Ok(corpus)
    }

    /// Number of [`UNK`](crate::UNK) tokens.
    pub fn n_unk(&self) -> usize {
        self.ids.iter().filter(|&&id| id == crate::UNK).count()
    }
}

/// Sentences appended in order, as [`Corpus::push`] does.
impl<S: AsRef<[TokenId]>> Extend<S> for Corpus {
    fn extend<I: IntoIterator<Item = S>>(&mut self, sentences: I) {
        for s in sentences {
            self.push(s.as_ref());
        }
    }
}

/// A corpus of the given sentences, in order.
impl<S: AsRef<[TokenId]>> FromIterator<S> for Corpus {
    fn from_iter<I: IntoIterator<Item = S>>(sentences: I) -> Self {
        let mut corpus = Corpus::new();
        corpus.extend(sentences);
        corpus
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Whitespace, Words, UNK};

    /// Encodes `input` (one sentence per item) into a vocabulary grown from
    /// `train`, frozen, and compares the ids.
    fn check(train: &[&str], input: &[&str], expect: &[&[TokenId]]) {
        let mut vocab = Vocab::new();
        let human = Corpus::encode_growing(train.iter().copied(), &Whitespace, &mut vocab).unwrap();
        assert_eq!(human.n_tokens(), train.iter().map(|s| s.split_whitespace().count()).sum::<usize>());
        let got = Corpus::encode_frozen(input.iter().copied(), &Whitespace, &vocab).unwrap();
        let got: Vec<&[TokenId]> = got.sentences().collect();
        assert_eq!(got, expect);
    }

    #[test]
    fn frozen_vocabulary() {
        check(&["a b", "b c"], &["a b c"], &[&[3, 4, 5]]);
        check(&["a b", "b c"], &["c x a", "", "  ", "x"], &[&[5, UNK, 3], &[], &[], &[UNK]]);
        check(&[], &["<s> </s>"], &[&[1, 2]]);
    }

    #[test]
    fn read_path() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/bpe-train.txt");
        let mut vocab = Vocab::new();
        let corpus = Corpus::read_path(path, &mut vocab).unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(corpus.n_sentences(), lines.len());
        assert_eq!(corpus.n_tokens(), lines.iter().map(|l| l.split_whitespace().count()).sum::<usize>());
        assert_eq!(vocab.token(corpus.sentence(0)[0]), lines[0].split_whitespace().next().unwrap());

        let missing = Corpus::read_path("no/such/file.txt", &mut vocab).unwrap_err();
        assert_eq!(missing.to_string(), "no/such/file.txt: No such file or directory (os error 2)");
        let dir = Corpus::read_path(env!("CARGO_MANIFEST_DIR"), &mut vocab).unwrap_err();
        assert_eq!(
            dir.to_string(),
            format!("{}: a directory, not a corpus file", env!("CARGO_MANIFEST_DIR"))
        );
    }

    #[test]
    fn growing_with_words() {
        let mut vocab = Vocab::new();
        let c = Corpus::encode_growing(["Hi, you.", "you!"], &Words::default(), &mut vocab).unwrap();
        assert_eq!(c.sentences().collect::<Vec<_>>(), [&[3, 4, 5, 6][..], &[5, 7]]);
        assert_eq!(&vocab.tokens()[3..], ["Hi", ",", "you", ".", "!"]);
        assert_eq!(c.n_unk(), 0);
    }

    #[test]
    fn collected_and_extended_in_order() {
        let c: Corpus = [vec![3, 4], vec![], vec![5]].into_iter().collect();
        assert_eq!(c.sentences().collect::<Vec<_>>(), [&[3, 4][..], &[], &[5]]);
        let mut d: Corpus = [&[7u32][..]].into_iter().collect();
        d.extend_from(&c);
        assert_eq!(d.sentences().collect::<Vec<_>>(), [&[7][..], &[3, 4], &[], &[5]]);
        assert_eq!((d.n_sentences(), d.n_tokens()), (4, 4));
    }
}
