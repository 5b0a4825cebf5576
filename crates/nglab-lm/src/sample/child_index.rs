//! The hashed (context, word) index that gives the state after a backoff draw.

use nglab_tokenizer::TokenId;

use crate::model::Level;

/// The n-grams of one order by (context id, word), hashed (open addressing,
/// linear probing, at most 3/4 full): finding `c w` after a backoff draw is
/// one probe, mostly, instead of a binary search among the successors of `c`.
/// A slot holds only the n-gram's id (4 bytes); its key is checked against
/// the model's own prefix and word. Only looked up, never iterated.
#[derive(Debug, Default)]
pub(super) struct ChildIndex {
    /// The id of the n-gram hashed here, [`EMPTY`] when free.
    pub(super) slots: Vec<u32>,
    shift: u32,
}

const EMPTY: u32 = u32::MAX;

impl ChildIndex {
    /// The index of the n-grams of `level` (order >= 2).
    pub(super) fn new(level: &Level) -> ChildIndex {
        let cap = (level.len() + level.len() / 3 + 1).next_power_of_two().max(2);
        let mut index = ChildIndex { slots: vec![EMPTY; cap], shift: 64 - cap.trailing_zeros() };
        for i in 0..level.len() {
            let mut j = index.home(level.prefix[i], level.word[i]);
            while index.slots[j] != EMPTY {
                j = (j + 1) & (cap - 1);
            }
            index.slots[j] = i as u32;
        }
        index
    }

    #[inline]
    fn home(&self, ctx: u32, w: TokenId) -> usize {
        let key = (u64::from(ctx) << 32) | u64::from(w);
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The id of `ctx w` in `level` (the level this index was built from), if it exists.
    #[inline]
    pub(super) fn get(&self, level: &Level, ctx: u32, w: TokenId) -> Option<u32> {
        let mut j = self.home(ctx, w);
        loop {
            let id = self.slots[j];
            if id == EMPTY {
                return None;
            }
            if level.word[id as usize] == w && level.prefix[id as usize] == ctx {
                return Some(id);
            }
            j = (j + 1) & (self.slots.len() - 1);
        }
    }

    /// The home slot of `ctx w`, for a lane to load ahead.
    #[inline]
    pub(super) fn touch(&self, ctx: u32, w: TokenId) -> &u32 {
        &self.slots[self.home(ctx, w)]
    }
}
