//! Exact, seeded sampling from a [`Model`]: ancestral sampling in O(order)
//! per token, the decoding knobs (temperature, top-k, top-p, min-p, greedy)
//! on the full next-token distribution, beam search, and many sentences on
//! many threads with a result that does not depend on the thread count.
//!
//! # Pure ancestral sampling
//!
//! For a context `c` with explicit successors `A(c)` the model's next-token
//! distribution is, by ARPA backoff semantics, `p(w|c) = prob[c w]` for
//! `w` in `A(c)` and `gamma(c) p(w|c')` otherwise. Every context is sampled
//! in one of two exact ways, chosen per context when the [`Sampler`] is built:
//!
//! - **Interpolated** (every smoothing of this crate but stupid backoff):
//!   `u(w|c) = prob[c w] - gamma(c) prob[c' w] >= 0` for all `w` in `A(c)`, and
//!   `p(w|c) = u(w|c) [w in A(c)] + gamma(c) p(w|c')`. With probability
//!   `S_u / Z(c)` draw from `A(c)` in proportion to `u` (alias table), else
//!   draw from `c'`. Negative `u` down to `-1e-5 prob[c w]` (rounding in an
//!   ARPA file) count as 0.
//! - **Backoff** (any other context: stupid backoff, a non-interpolated
//!   foreign ARPA): with probability `L(c) / Z(c)`, `L(c) = sum prob[c w]`
//!   over `A(c)`, draw from `A(c)` in proportion to `prob`; else draw from
//!   `c'` conditioned on `w` not in `A(c)`, by rejection. After 1,000
//!   rejections in a row the conditional distribution is computed exactly in
//!   O(|V|) instead, which keeps the draw exact.
//!
//! `Z(c)` is the total mass of `c` (`Z(c) = S_u + gamma(c) Z(c')`, or
//! `L(c) + gamma(c) (Z(c') - sum_{w in A(c)} p(w|c'))`), computed bottom-up
//! from `Z(empty) = sum_w prob[w]`. For a normalized model every `Z` is 1 up
//! to rounding; for **stupid backoff** the sampler draws from
//! `S(w|c) / sum_v S(v|c)`: the scores of [`Model::prob`] normalized exactly
//! per context, over the vocabulary without `<s>`.
//!
//! A draw reads 64-bit uniform words, and the tables keep 32 bits or fewer
//! (4 bytes a context, 8 an alias entry): the choice of a context's own
//! successors compares the top 31 bits of a word with its chance rounded
//! down to 2^-31 (a chance of 1 - 2^-31 or more is 1), and an alias entry is
//! kept when the top 32 bits of the rest of a word are below its threshold,
//! its probability rounded down to 2^-32 (an entry that is its own alias is
//! always kept). So each entry's probability is exact to 2^-32 of its slot,
//! each successor's to 2^-32, and each context's chance to 2^-31, far below
//! the model's own precision (it stores f32 log10 values); a chance of 0 or
//! 1 is exact, and a word of probability 0 is never drawn.
//!
//! # Decoding knobs
//!
//! Temperature, top-k, top-p, min-p and greedy act on the full next-token
//! distribution of a context over the whole vocabulary (every word that the
//! smoothing gives mass). In this order, as Hugging Face applies them:
//! 1. `p(w|c)` (`<unk>` removed first under [`UnkPolicy::Resample`]);
//! 2. temperature: `q ∝ p^(1/T)`;
//! 3. top-k: the `k` most probable words (ties broken by the smaller id);
//! 4. top-p: the shortest prefix, in the same order, whose mass reaches
//!    `top_p` times the mass left after top-k;
//! 5. min-p: the words with `q >= min_p * max q`;
//!
//! then a draw in proportion to `q`. Greedy takes the most probable word
//! (the smaller id on a tie), which none of the other knobs can change.
//!
//! None of them builds the full distribution. **Truncation and greedy** (at
//! any temperature): `p(.|c)` splits into bands, the successors of `c`, those of
//! `c'` not following `c` (scaled by `gamma(c)`), ..., the unigrams; each band
//! in `(p desc, word asc)` order is a sorted run of the model without the
//! successors of the context one longer, which are themselves a prefix of a
//! run sorted by the same key. Temperature keeps that order, so runs are
//! sorted once per sampler with cumulative tempered weights (`prob^(1/T)`;
//! a band's scale becomes `scale^(1/T)`), the cut of a context is a binary
//! search per band (O(order^2 log^2 |V|)), cached as a few numbers per
//! context, and a draw picks a band by tempered mass and a word of its prefix
//! by cumulative tempered weight, rejecting excluded words ([`Nucleus`](nucleus::Nucleus)).
//! Every truncation is such a cut: top-k's is the `k`-th word (the number of
//! words within a cut is a binary search per band, like its mass), top-p's
//! the first reaching `top_p` of the tempered mass within top-k's, min-p's the
//! threshold `min_p^T` times the first word's probability; the kept set is
//! the earliest of them; greedy is the first word. It is the one defined
//! above up to floating-point rounding of the masses compared with the
//! target (sums in another order). **Temperature alone** draws exactly from
//! per-context tempered normalisers ([`Tempered`](tempered::Tempered)).
//!
//! # Many sentences
//!
//! [`Sampler::sentences`] (and so [`sample_corpus`]) draws pure ancestral
//! sentences in [`LANES`](lanes::LANES) lanes side by side, each step of a lane loading
//! what its next step reads, so that cache misses of different lanes overlap
//! (a token is a chain of dependent reads: context, slot, shorter context,
//! hashed index). Every draw takes fresh words of the one stream, so each
//! sentence is exact and sentences are independent; the words for a seed
//! differ from those of [`Sampler::sentence`] called in a loop.
//!
//! # Files
//!
//! `config` (what and how much to sample, and what it did), `sampler` (the
//! [`Sampler`]: one token, one sentence), the ancestral tables (`alias`,
//! `child_index`, `tables`), the 16-lane stepping (`lanes`), the decoding
//! knobs (`sorted`, `nucleus`, `tempered`), the exact O(|V|) fallback
//! (`exact`), many sentences in seeded chunks (`corpus`), and `beam`.

mod alias;
mod beam;
mod child_index;
mod config;
mod corpus;
mod exact;
mod lanes;
mod nucleus;
mod sampler;
mod sorted;
mod tables;
mod tempered;

use nglab_tokenizer::{TokenId, BOS, EOS, UNK};

pub use beam::{beam_search, Hypothesis};
pub use config::{Budget, Cancel, Ending, SampleConfig, SampleStats, UnkPolicy};
pub use corpus::{sample_continuations, sample_corpus, CHUNK_SENTENCES};
pub use sampler::Sampler;

use crate::model::{Model, State};
use crate::{Error, Result};

/// Rejections in a row after which a draw is made exactly in O(|V|).
const MAX_REJECTIONS: usize = 1000;

/// 2^53: uniform words are cut to 53 bits, the precision of an f64.
const ONE53: f64 = (1u64 << 53) as f64;

/// Checks a prefix: ids in the vocabulary, no `<s>`/`</s>`, not longer than `max_len`.
fn check_prefix(model: &Model, max_len: usize, prefix: &[TokenId]) -> Result<()> {
    if prefix.len() > max_len {
        return Err(Error::Config(format!(
            "prefix of {} tokens is longer than max-len {max_len}",
            prefix.len()
        )));
    }
    let v = model.vocab.len();
    if let Some(&w) = prefix.iter().find(|&&w| w as usize >= v || w == BOS || w == EOS) {
        return Err(Error::Config(format!(
            "prefix token id {w} is not a word of the model's vocabulary of {v} (or is <s>/</s>)"
        )));
    }
    Ok(())
}

fn no_mass(model: &Model, ctx: State) -> Error {
    let mut words = Vec::new();
    if ctx.order > 0 {
        model.words_of(ctx.order as usize, ctx.id, &mut words);
    }
    let text: Vec<&str> = words.iter().map(|&w| model.vocab.token(w)).collect();
    Error::Data(format!(
        "no word can follow the context '{}': every candidate has probability 0",
        text.join(" ")
    ))
}

/// The state after n-gram `id` of order `n` was matched.
fn state_after(model: &Model, n: usize, id: u32) -> State {
    let s = State { order: n as u8, id };
    if n == model.order() {
        model.shorter(s)
    } else {
        s
    }
}

/// The state after `w` follows `ctx`, as in [`Model::prob`].
fn next_state(model: &Model, mut ctx: State, w: TokenId) -> State {
    if w == UNK {
        return State::EMPTY;
    }
    loop {
        if let Some(id) = model.child(ctx, w) {
            return state_after(model, ctx.order as usize + 1, id);
        }
        if ctx.order == 0 {
            return State::EMPTY;
        }
        ctx = model.shorter(ctx);
    }
}
