//! The vocabulary's words to ids, for loading.

use nglab_tokenizer::{TokenId, Vocab};

/// The vocabulary's words -> ids, for loading: open addressing over 24-byte
/// slots that hold a word's length, its first 16 bytes and its id, so a word
/// of at most 16 bytes is found without reading the vocabulary's strings.
pub(super) struct WordIndex<'a> {
    slots: Vec<WordSlot>,
    shift: u32,
    vocab: &'a Vocab,
}

/// One slot of a [`WordIndex`]; length 0 is empty (tokens are never empty).
#[derive(Debug, Clone, Copy, Default)]
struct WordSlot {
    head: u64,
    /// Bytes 8 to 16, zero-padded: a word of 9 to 16 bytes (nearly all
    /// the rest) is checked without the cache miss or two of reading the
    /// vocabulary's string.
    next: u64,
    len: u32,
    id: TokenId,
}

/// Bytes 8 to 16 of `w`, zero-padded, as an integer.
fn word_next(w: &[u8]) -> u64 {
    word_head(w.get(8..).unwrap_or_default())
}

/// The first 8 bytes of `w`, zero-padded, as an integer.
pub(super) fn word_head(w: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let k = w.len().min(8);
    b[..k].copy_from_slice(&w[..k]);
    u64::from_le_bytes(b)
}

impl<'a> WordIndex<'a> {
    pub(super) fn new(vocab: &'a Vocab) -> Self {
        let size = (2 * vocab.len()).next_power_of_two().max(16);
        let mut index =
            WordIndex { slots: vec![WordSlot::default(); size], shift: 64 - size.trailing_zeros(), vocab };
        for (id, t) in vocab.tokens().iter().enumerate() {
            let mut i = index.home(t.as_bytes(), word_head(t.as_bytes()));
            while index.slots[i].len != 0 {
                i = (i + 1) & (size - 1);
            }
            index.slots[i] = WordSlot {
                head: word_head(t.as_bytes()),
                next: word_next(t.as_bytes()),
                len: t.len() as u32,
                id: id as TokenId,
            };
        }
        index
    }

    /// The slot where the search for `w`, whose first 8 bytes are `head`,
    /// starts: a multiplicative hash of its 8-byte chunks, top bits.
    fn home(&self, w: &[u8], head: u64) -> usize {
        const K: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut h = (w.len() as u64).wrapping_mul(K);
        h = (h.rotate_left(23) ^ head).wrapping_mul(K);
        for chunk in w.chunks(8).skip(1) {
            h = (h.rotate_left(23) ^ word_head(chunk)).wrapping_mul(K);
        }
        (h >> self.shift) as usize
    }

    /// The id of `w`, whose first 8 bytes are `head`.
    pub(super) fn find(&self, w: &[u8], head: u64) -> Option<TokenId> {
        let mask = self.slots.len() - 1;
        let mut i = self.home(w, head);
        loop {
            let s = self.slots[i];
            if s.len == 0 {
                return None;
            }
            if s.len as usize == w.len()
                && s.head == head
                && (w.len() <= 8
                    || (s.next == word_next(w)
                        && (w.len() <= 16 || self.vocab.token(s.id).as_bytes()[16..] == w[16..])))
            {
                return Some(s.id);
            }
            i = (i + 1) & mask;
        }
    }

    pub(super) fn get(&self, w: &str) -> Option<TokenId> {
        self.find(w.as_bytes(), word_head(w.as_bytes()))
    }
}
