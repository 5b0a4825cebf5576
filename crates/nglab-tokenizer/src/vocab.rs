use hashbrown::HashMap;

/// A dense token id: an index into a [`Vocab`].
pub type TokenId = u32;

/// The id of `<unk>`, the unknown word.
pub const UNK: TokenId = 0;
/// The id of `<s>`, the sentence start (never predicted).
pub const BOS: TokenId = 1;
/// The id of `</s>`, the sentence end.
pub const EOS: TokenId = 2;

const SPECIALS: [&str; 3] = ["<unk>", "<s>", "</s>"];

/// A bijection between token strings and dense ids `0..len()`.
///
/// Ids 0, 1, 2 are `<unk>`, `<s>`, `</s>` (KenLM's order); other tokens get ids
/// in order of first insertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vocab {
    tokens: Vec<String>,
    ids: HashMap<String, TokenId>,
}

impl Default for Vocab {
    fn default() -> Self {
        Self::new()
    }
}

impl Vocab {
    /// A vocabulary holding only the three reserved tokens.
    pub fn new() -> Self {
        let mut v = Vocab { tokens: Vec::new(), ids: HashMap::new() };
        for s in SPECIALS {
            v.get_or_insert(s);
        }
        v
    }

    /// The id of `token`, inserting it if it is new.
    pub fn get_or_insert(&mut self, token: &str) -> TokenId {
        if let Some(&id) = self.ids.get(token) {
            return id;
        }
        let id = TokenId::try_from(self.tokens.len()).expect("vocabulary larger than u32::MAX");
        self.tokens.push(token.to_owned());
        self.ids.insert(token.to_owned(), id);
        id
    }

    /// The id of `token`, if present.
    pub fn get(&self, token: &str) -> Option<TokenId> {
        self.ids.get(token).copied()
    }

    /// The id of `token`, or [`UNK`] when it is absent (a frozen vocabulary).
    pub fn id_or_unk(&self, token: &str) -> TokenId {
        self.get(token).unwrap_or(UNK)
    }

    /// The string of `id`. Panics if `id` is out of range.
    pub fn token(&self, id: TokenId) -> &str {
        &self.tokens[id as usize]
    }

    /// Number of tokens, the three reserved ones included.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Always false: the reserved tokens are always present.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// All tokens in id order.
    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }
}
