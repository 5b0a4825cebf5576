//! The hashed (context, word) index that gives the state after a backoff draw.

use nglab_tokenizer::TokenId;

use crate::model::Level;

/// The n-grams of one order by (context id, word), hashed (open addressing,
/// linear probing): finding `c w` after a backoff draw is one probe into one
/// cache line, mostly, instead of a binary search among the successors of `c`.
/// Only looked up, never iterated.
#[derive(Debug, Default)]
pub(super) struct ChildIndex {
    /// `(context << 32) | word` (`EMPTY_KEY` when free) and the n-gram's id.
    pub(super) slots: Vec<(u64, u32)>,
    shift: u32,
}

const EMPTY_KEY: u64 = u64::MAX;

impl ChildIndex {
    /// The index of the n-grams of `level` (order >= 2).
    pub(super) fn new(level: &Level) -> ChildIndex {
        let cap = (level.len() * 2).next_power_of_two().max(2);
        let mut index = ChildIndex { slots: vec![(EMPTY_KEY, 0); cap], shift: 64 - cap.trailing_zeros() };
        for i in 0..level.len() {
            let key = (u64::from(level.prefix[i]) << 32) | u64::from(level.word[i]);
            let mut j = index.home(key);
            while index.slots[j].0 != EMPTY_KEY {
                j = (j + 1) & (cap - 1);
            }
            index.slots[j] = (key, i as u32);
        }
        index
    }

    #[inline]
    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The id of `ctx w`, if it exists.
    #[inline]
    pub(super) fn get(&self, ctx: u32, w: TokenId) -> Option<u32> {
        let key = (u64::from(ctx) << 32) | u64::from(w);
        let mut j = self.home(key);
        loop {
            let (k, id) = self.slots[j];
            if k == key {
                return Some(id);
            }
            if k == EMPTY_KEY {
                return None;
            }
            j = (j + 1) & (self.slots.len() - 1);
        }
    }

    /// The home slot of `ctx w`, for a lane to load ahead.
    #[inline]
    pub(super) fn touch(&self, ctx: u32, w: TokenId) -> &u64 {
        &self.slots[self.home((u64::from(ctx) << 32) | u64::from(w))].0
    }
}
