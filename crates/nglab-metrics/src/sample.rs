//! Equal-size samples for the lexical metrics, and their spread over draws.
//!
//! A sample is whole sentences drawn uniformly at random without replacement
//! until the token budget is reached; the last sentence drawn is cut so the
//! sample holds exactly the budget; the pieces are then put back in text order
//! (so a sample as large as the text is the text, and MATTR/MTLD see sentences
//! in their original order).

use rand::Rng;

use crate::lexical::{mattr_with, mtld_with, Scratch};
use crate::ngrams::{MAX_ORDER, NONE};
use nglab_tokenizer::TokenId;

/// `[start, end)` pieces of the text's flat ids, in text order, each inside one sentence.
pub(crate) type Pieces = Vec<(usize, usize)>;

/// One draw of `budget` tokens (fewer only if the text is smaller).
pub(crate) fn draw<R: Rng + ?Sized>(
    bounds: &[(usize, usize)],
    budget: usize,
    rng: &mut R,
    order: &mut Vec<u32>,
) -> Pieces {
    order.clear();
    order.extend(0..u32::try_from(bounds.len()).expect("fewer than 2^32 sentences"));
    let mut pieces = Vec::new();
    let mut taken = 0usize;
    for k in 0..order.len() {
        if taken >= budget {
            break;
        }
        let j = rng.random_range(k..order.len());
        order.swap(k, j);
        let (start, end) = bounds[order[k] as usize];
        let len = (end - start).min(budget - taken);
        if len > 0 {
            pieces.push((start, start + len));
            taken += len;
        }
    }
    pieces.sort_unstable();
    pieces
}

/// The lexical metrics of one draw: ttr, mattr, mtld, distinct-1..4, their sum.
pub(crate) type DrawValues = [Option<f64>; 8];

/// Reusable buffers for [`lexical_of_draw`].
pub(crate) struct DrawScratch {
    tokens: Vec<TokenId>,
    ids: Scratch,
    /// Per order 1..=4: the draw number each type was last seen in.
    seen: Vec<Vec<u32>>,
    draw: u32,
}

impl DrawScratch {
    pub(crate) fn new(all_tokens: &[TokenId], n_types: [usize; MAX_ORDER]) -> DrawScratch {
        DrawScratch {
            tokens: Vec::new(),
            ids: Scratch::for_tokens(all_tokens),
            seen: n_types.iter().map(|&n| vec![0; n]).collect(),
            draw: 0,
        }
    }
}

/// Lexical metrics of the sample `pieces`: `ids` are the text's flat ids,
/// `positions[n - 2]` the per-position type ids of order `n` (2..=4).
pub(crate) fn lexical_of_draw(
    pieces: &[(usize, usize)],
    ids: &[TokenId],
    positions: &[Vec<u32>],
    window: usize,
    threshold: f64,
    s: &mut DrawScratch,
) -> DrawValues {
    s.draw += 1;
    let stamp = s.draw;
    s.tokens.clear();
    for &(a, b) in pieces {
        s.tokens.extend_from_slice(&ids[a..b]);
    }
    let mut distinct = [None; MAX_ORDER];
    for order in 1..=MAX_ORDER {
        let seen = &mut s.seen[order - 1];
        let (mut unique, mut total) = (0u64, 0u64);
        for &(a, b) in pieces {
            if b - a < order {
                continue;
            }
            for i in a..=b - order {
                let t = if order == 1 { ids[i] } else { positions[order - 2][i] };
                debug_assert_ne!(t, NONE, "an n-gram inside a piece is inside a sentence");
                let slot = &mut seen[t as usize];
                unique += u64::from(*slot != stamp);
                *slot = stamp;
                total += 1;
            }
        }
        distinct[order - 1] = (total > 0).then(|| unique as f64 / total as f64);
    }
    let sum = distinct.iter().try_fold(0.0, |acc, d| d.map(|d| acc + d));
    [
        distinct[0],
        mattr_with(&s.tokens, window, &mut s.ids),
        mtld_with(&s.tokens, threshold, &mut s.ids),
        distinct[0],
        distinct[1],
        distinct[2],
        distinct[3],
        sum,
    ]
}

/// Mean, sample standard deviation and 2.5/97.5 percentiles (linear
/// interpolation between order statistics, numpy's default) of `values`.
pub(crate) fn summarize(values: &mut [f64]) -> (f64, f64, f64, f64) {
    debug_assert!(!values.is_empty());
    values.sort_unstable_by(f64::total_cmp);
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = if values.len() > 1 {
        (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    let pct = |p: f64| {
        let pos = p * (n - 1.0);
        let lo = pos.floor() as usize;
        let hi = pos.ceil() as usize;
        values[lo] + (values[hi] - values[lo]) * (pos - lo as f64)
    };
    (mean, sd, pct(0.025), pct(0.975))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// Sentence lengths, budget -> total tokens drawn and pieces count bounds.
    fn check(lengths: &[usize], budget: usize, expect_tokens: usize) {
        let mut bounds = Vec::new();
        let mut at = 0;
        for &l in lengths {
            bounds.push((at, at + l));
            at += l;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let pieces = draw(&bounds, budget, &mut rng, &mut Vec::new());
        let got: usize = pieces.iter().map(|(a, b)| b - a).sum();
        assert_eq!(got, expect_tokens, "{lengths:?} {budget}");
        assert!(pieces.windows(2).all(|w| w[0].1 <= w[1].0), "sorted, disjoint: {pieces:?}");
        for &(a, b) in &pieces {
            let s = bounds.iter().find(|s| s.0 == a).expect("a piece starts a sentence");
            assert!(b <= s.1);
        }
    }

    #[test]
    fn draws_exactly_the_budget() {
        check(&[], 10, 0);
        check(&[0, 0], 10, 0);
        check(&[3, 4, 5], 100, 12);
        check(&[3, 4, 5], 12, 12);
        check(&[3, 4, 5], 5, 5);
        check(&[1; 50], 17, 17);
    }

    #[test]
    fn same_seed_same_draw() {
        let bounds: Vec<(usize, usize)> = (0..100).map(|i| (i * 3, i * 3 + 3)).collect();
        let a = draw(&bounds, 30, &mut ChaCha8Rng::seed_from_u64(1), &mut Vec::new());
        let b = draw(&bounds, 30, &mut ChaCha8Rng::seed_from_u64(1), &mut Vec::new());
        let c = draw(&bounds, 30, &mut ChaCha8Rng::seed_from_u64(2), &mut Vec::new());
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn summary_statistics() {
        let (mean, sd, lo, hi) = summarize(&mut [3.0, 1.0, 2.0]);
        assert_eq!((mean, sd), (2.0, 1.0));
        assert!((lo - 1.05).abs() < 1e-12 && (hi - 2.95).abs() < 1e-12, "{lo} {hi}");
        assert_eq!(summarize(&mut [0.5]), (0.5, 0.0, 0.5, 0.5));
    }
}
