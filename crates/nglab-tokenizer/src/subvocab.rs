//! The vocabulary of one text inside a larger vocabulary: what a model
//! trained on that text alone knows, as KenLM builds it.

use crate::{Corpus, TokenId, Vocab, UNK};

/// The words of a corpus written in a parent vocabulary, as a vocabulary of
/// their own in KenLM's id order (`<unk>`, `<s>`, `</s>`, then the words by
/// first appearance in the text), with the ids mapped both ways. A model
/// estimated over it knows exactly the words of the text, as `lmplz` on
/// that text would: a parent word absent from the text is `<unk>` to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubVocab {
    vocab: Vocab,
    /// Parent id -> own id (`UNK` for a parent word the text lacks).
    to_own: Vec<TokenId>,
    /// Own id -> parent id.
    to_parent: Vec<TokenId>,
}

impl SubVocab {
    /// The vocabulary of `corpus`, whose ids are `parent`'s.
    pub fn of(parent: &Vocab, corpus: &Corpus) -> SubVocab {
        let mut vocab = Vocab::new();
        // The reserved tokens map to themselves; every other word to `<unk>` until seen.
        let reserved = vocab.len() as TokenId;
        let mut to_own: Vec<TokenId> =
            (0..parent.len() as TokenId).map(|id| if id < reserved { id } else { UNK }).collect();
        let mut to_parent: Vec<TokenId> = (0..reserved).collect();
        for &id in corpus.ids() {
            if id >= reserved && to_own[id as usize] == UNK {
                to_own[id as usize] = vocab.get_or_insert(parent.token(id));
                to_parent.push(id);
            }
        }
        SubVocab { vocab, to_own, to_parent }
    }

    /// The text's own vocabulary.
    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    /// The own id of a parent id (`<unk>` for a word the text lacks).
    pub fn own_id(&self, parent: TokenId) -> TokenId {
        self.to_own[parent as usize]
    }

    /// The parent id of an own id.
    pub fn parent_id(&self, own: TokenId) -> TokenId {
        self.to_parent[own as usize]
    }

    /// `corpus` (parent ids) in own ids; words the text lacks become `<unk>`.
    pub fn to_own(&self, corpus: &Corpus) -> Corpus {
        corpus.map_ids(|id| self.own_id(id))
    }

    /// `corpus` (own ids) in parent ids.
    pub fn to_parent(&self, corpus: &Corpus) -> Corpus {
        corpus.map_ids(|id| self.parent_id(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Whitespace;

    fn encode(lines: &[&str], vocab: &mut Vocab) -> Corpus {
        Corpus::encode_growing(lines.iter().copied(), &Whitespace, vocab).unwrap()
    }

    #[test]
    fn keeps_the_text_words_in_first_appearance_order() {
        let mut parent = Vocab::new();
        encode(&["a b c d", "e f"], &mut parent);
        let text = encode(&["d b", "d <unk> f"], &mut parent);
        let sub = SubVocab::of(&parent, &text);
        assert_eq!(sub.vocab().tokens(), ["<unk>", "<s>", "</s>", "d", "b", "f"]);
        // The same vocabulary a fresh encoding of the text builds, as `nglab train` does.
        let mut fresh = Vocab::new();
        let own = encode(&["d b", "d <unk> f"], &mut fresh);
        assert_eq!(sub.vocab(), &fresh);
        assert_eq!(sub.to_own(&text), own);
        assert_eq!(sub.to_parent(&own), text);
        // A parent word the text lacks is <unk> to it.
        let other = encode(&["a d"], &mut parent);
        assert_eq!(sub.to_own(&other).ids(), [UNK, 3]);
    }
}
