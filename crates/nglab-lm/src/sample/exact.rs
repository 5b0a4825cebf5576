//! The exact O(|V|) fallback: a context's full next-token distribution and a
//! draw from weights by a linear scan.

use nglab_tokenizer::{TokenId, BOS};
use rand::Rng;

use super::ONE53;
use crate::model::{log10_of, pow10, Model, State};

/// The full distribution `p(.|ctx)` over the vocabulary by ARPA backoff
/// semantics, bit for bit what [`Model::prob`] returns for each word
/// (`<s>` gets 0). O(|V| + successors of the contexts on the way).
pub(super) fn full_distribution(model: &Model, ctx: State, out: &mut Vec<f64>) {
    let mut chain = Vec::with_capacity(model.order());
    let mut bo = Vec::with_capacity(model.order() + 1);
    let mut c = ctx;
    // log10 of the backoffs passed, summed as `Model::score` sums them.
    let mut f = 0.0;
    while c.order > 0 {
        chain.push(c);
        bo.push(f);
        f += model.log_gamma(c);
        c = model.shorter(c);
    }
    out.clear();
    out.extend(model.levels[0].log_prob.iter().map(|&lp| pow10(f + log10_of(lp))));
    for (j, &c) in chain.iter().enumerate().rev() {
        let up = &model.levels[c.order as usize];
        for i in model.children(c) {
            out[up.word[i] as usize] = pow10(bo[j] + log10_of(up.log_prob[i]));
        }
    }
    out[BOS as usize] = 0.0;
}

/// Draws from `weights` (not all zero) by a linear scan.
pub(super) fn draw_linear<R: Rng + ?Sized>(rng: &mut R, weights: &[f64]) -> Option<TokenId> {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 || total.is_nan() {
        return None;
    }
    let u = (rng.next_u64() >> 11) as f64 / ONE53 * total;
    let mut acc = 0.0;
    let mut last = None;
    for (w, &p) in weights.iter().enumerate() {
        if p > 0.0 {
            acc += p;
            last = Some(w as TokenId);
            if u < acc {
                return last;
            }
        }
    }
    last
}
