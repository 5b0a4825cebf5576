//! Equal-size samples for the lexical metrics, and their spread over draws.
//!
//! A sample is whole sentences drawn uniformly at random without replacement
//! until the token budget is reached; the last sentence drawn is cut so the
//! sample holds exactly the budget. Under [`SentenceOrder::Shuffled`] the
//! pieces stay in the order they were drawn (a draw as large as the text is a
//! random permutation of its sentences), so MATTR and MTLD never see the
//! text's own order; under [`SentenceOrder::Text`] they are put back in text
//! order (a sample as large as the text is the text).

use std::sync::Mutex;

use rand::Rng;

use crate::lexical::{mattr_with, mtld_with, Scratch};
use crate::metrics::SentenceOrder;
use crate::ngrams::{MAX_ORDER, NONE};
use nglab_tokenizer::TokenId;

/// `[start, end)` pieces of the text's flat ids, in text order, each inside one sentence.
pub(crate) type Pieces = Vec<(usize, usize)>;

/// One draw of `budget` tokens (fewer only if the text is smaller), its
/// pieces in drawn order or in text order as `sentence_order` says.
pub(crate) fn draw<R: Rng + ?Sized>(
    bounds: &[(usize, usize)],
    budget: usize,
    sentence_order: SentenceOrder,
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
    if sentence_order == SentenceOrder::Text {
        pieces.sort_unstable();
    }
    pieces
}

/// The lexical metrics of one draw: ttr, mattr, mtld, distinct-1..4, their sum.
pub(crate) type DrawValues = [Option<f64>; 8];

/// Reusable buffers for [`lexical_of_draw`], one per thread measuring draws.
pub(crate) struct DrawScratch {
    tokens: Vec<TokenId>,
    ids: Scratch,
    /// Per order 1..=4: a bit per type, set once the draw has seen it
    /// (cleared before each draw: an eighth of a byte per type, so a thread's
    /// scratch is small next to the text's tables).
    seen: Vec<Vec<u64>>,
}

impl DrawScratch {
    pub(crate) fn new(all_tokens: &[TokenId], n_types: [usize; MAX_ORDER]) -> DrawScratch {
        DrawScratch {
            tokens: Vec::new(),
            ids: Scratch::for_tokens(all_tokens),
            seen: n_types.iter().map(|&n| vec![0; n.div_ceil(64)]).collect(),
        }
    }
}

/// `draws` draws made by `next` one after the other (draw `k` is the `k`-th
/// call, so it takes the same stretch of the caller's random stream whatever
/// the threads), each measured by `measure` on the thread that drew it, one
/// thread per scratch of `scratches`, each taking the next draw when it is
/// free; the values in draw order, the same for any number of threads. A
/// thread holds one draw's pieces at a time.
pub(crate) fn measure_draws<T: Send>(
    scratches: &mut [DrawScratch],
    draws: usize,
    next: impl FnMut() -> Pieces + Send,
    measure: impl Fn(&Pieces, &mut DrawScratch) -> T + Sync,
) -> Vec<T> {
    let next = Mutex::new((0usize, next));
    let threads = vec![(); scratches.len()];
    let per_thread = nglab_lm::par::map_with(scratches, threads, |scratch, ()| {
        let mut measured = Vec::new();
        loop {
            let (k, pieces) = {
                let mut next = next.lock().expect("a draw never panics");
                if next.0 == draws {
                    return measured;
                }
                next.0 += 1;
                (next.0 - 1, (next.1)())
            };
            measured.push((k, measure(&pieces, scratch)));
        }
    });
    let mut measured: Vec<(usize, T)> = per_thread.into_iter().flatten().collect();
    measured.sort_unstable_by_key(|&(k, _)| k);
    measured.into_iter().map(|(_, values)| values).collect()
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
    s.tokens.clear();
    for &(a, b) in pieces {
        s.tokens.extend_from_slice(&ids[a..b]);
    }
    let mut distinct = [None; MAX_ORDER];
    for order in 1..=MAX_ORDER {
        let seen = &mut s.seen[order - 1];
        seen.fill(0);
        let (mut unique, mut total) = (0u64, 0u64);
        for &(a, b) in pieces {
            if b - a < order {
                continue;
            }
            for i in a..=b - order {
                let t = if order == 1 { ids[i] } else { positions[order - 2][i] };
                debug_assert_ne!(t, NONE, "an n-gram inside a piece is inside a sentence");
                let (word, bit) = (&mut seen[t as usize / 64], 1u64 << (t % 64));
                unique += u64::from(*word & bit == 0);
                *word |= bit;
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

/// The two-sided 95% quantile of Student's t distribution with `df` degrees
/// of freedom (the 0.975 quantile: 3 decimals up to 30, then the
/// Cornish-Fisher expansion around the normal quantile, within 1e-5), so
/// that `mean ± t95(n - 1) · sd / √n` is the 95% interval of the mean of `n`
/// values. `None` for 0 degrees of freedom.
pub fn t95(df: usize) -> Option<f64> {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
        2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
        2.045, 2.042,
    ];
    match df {
        0 => None,
        1..=30 => Some(T[df - 1]),
        _ => {
            let (z, nu) = (1.959_963_984_540_054_f64, df as f64);
            let g1 = (z.powi(3) + z) / 4.0;
            let g2 = (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / 96.0;
            let g3 = (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z) / 384.0;
            Some(z + g1 / nu + g2 / (nu * nu) + g3 / (nu * nu * nu))
        }
    }
}

/// What [`summarize`] gives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Summary {
    pub(crate) mean: f64,
    pub(crate) sd: f64,
    pub(crate) lo: f64,
    pub(crate) hi: f64,
    /// Half-width of the 95% t interval of the mean (0 for one value).
    pub(crate) half_width: f64,
}

/// Mean, sample standard deviation, 2.5/97.5 percentiles (linear
/// interpolation between order statistics, numpy's default) and the 95%
/// half-width of the mean of `values`. Equal values give that value exactly.
pub(crate) fn summarize(values: &mut [f64]) -> Summary {
    debug_assert!(!values.is_empty());
    values.sort_unstable_by(f64::total_cmp);
    let n = values.len() as f64;
    let (first, last) = (values[0], values[values.len() - 1]);
    let mean = if first == last { first } else { values.iter().sum::<f64>() / n };
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
    let half_width = t95(values.len() - 1).map_or(0.0, |t| t * sd / n.sqrt());
    Summary { mean, sd, lo: pct(0.025), hi: pct(0.975), half_width }
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
        for sentence_order in [SentenceOrder::Text, SentenceOrder::Shuffled] {
            let mut pieces = draw(&bounds, budget, sentence_order, &mut rng, &mut Vec::new());
            let got: usize = pieces.iter().map(|(a, b)| b - a).sum();
            assert_eq!(got, expect_tokens, "{lengths:?} {budget}");
            if sentence_order == SentenceOrder::Shuffled {
                pieces.sort_unstable();
            }
            assert!(pieces.windows(2).all(|w| w[0].1 <= w[1].0), "sorted, disjoint: {pieces:?}");
            for &(a, b) in &pieces {
                let s = bounds.iter().find(|s| s.0 == a).expect("a piece starts a sentence");
                assert!(b <= s.1);
            }
        }
    }

    #[test]
    fn shuffled_draws_keep_the_drawn_order() {
        let bounds: Vec<(usize, usize)> = (0..100).map(|i| (i * 3, i * 3 + 3)).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let shuffled = draw(&bounds, 300, SentenceOrder::Shuffled, &mut rng, &mut Vec::new());
        let mut sorted = shuffled.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, bounds, "the whole text, every sentence once");
        assert_ne!(shuffled, bounds, "not in text order");
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        assert_eq!(draw(&bounds, 300, SentenceOrder::Text, &mut rng, &mut Vec::new()), bounds);
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
        let one = |seed| {
            draw(&bounds, 30, SentenceOrder::Text, &mut ChaCha8Rng::seed_from_u64(seed), &mut Vec::new())
        };
        let (a, b, c) = (one(1), one(1), one(2));
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    /// A text of 300 sentences (ids 0..40, so types repeat): its ids, the
    /// types at its positions, its sentences, and `draws` draws from seed 5.
    struct Drawn {
        ids: Vec<TokenId>,
        positions: crate::ngrams::Positions,
        bounds: Pieces,
        drawn: Vec<Pieces>,
    }

    fn text_and_draws(draws: usize) -> Drawn {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut corpus = nglab_tokenizer::Corpus::new();
        for _ in 0..300 {
            let len = rng.random_range(0..25);
            corpus.push(&(0..len).map(|_| rng.random_range(0..40)).collect::<Vec<TokenId>>());
        }
        let (_, positions) = crate::ngrams::NgramTable::build(&corpus);
        let bounds = crate::ngrams::sentence_bounds(&corpus);
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let drawn = (0..draws)
            .map(|_| draw(&bounds, 1500, SentenceOrder::Shuffled, &mut rng, &mut Vec::new()))
            .collect();
        Drawn { ids: corpus.ids().to_vec(), positions, bounds, drawn }
    }

    #[test]
    fn draws_measured_on_threads_equal_draws_measured_alone_in_order() {
        let draws = 24;
        let Drawn { ids, positions, bounds, drawn } = text_and_draws(draws);
        let n_types = [40, 1600, 64_000, 2_560_000].map(|n: usize| n.min(ids.len()));
        let measure = |pieces: &Pieces, scratch: &mut DrawScratch| {
            lexical_of_draw(pieces, &ids, &positions, 50, 0.72, scratch)
        };
        // Each draw measured alone, with a fresh scratch, one after the other.
        let alone: Vec<DrawValues> =
            drawn.iter().map(|p| measure(p, &mut DrawScratch::new(&ids, n_types))).collect();
        assert!(alone.windows(2).all(|w| w[0] != w[1]), "every draw differs");
        for threads in [1, 2, 3, 8] {
            // Repeated, so that threads racing for the draws cannot pass by luck.
            for _ in 0..5 {
                let mut rng = ChaCha8Rng::seed_from_u64(5);
                let mut order = Vec::new();
                let next = || draw(&bounds, 1500, SentenceOrder::Shuffled, &mut rng, &mut order);
                let mut scratches: Vec<DrawScratch> =
                    (0..threads).map(|_| DrawScratch::new(&ids, n_types)).collect();
                // Each draw sleeps a little on its thread, so the threads interleave.
                let got = measure_draws(&mut scratches, draws, next, |pieces, scratch| {
                    std::thread::sleep(std::time::Duration::from_micros(200 * (pieces.len() % 7) as u64));
                    measure(pieces, scratch)
                });
                assert_eq!(got, alone, "{threads} threads");
            }
        }
    }

    /// P(0 < T < q) for Student's t with `df` degrees of freedom, by
    /// Simpson's rule on the density `(1 + t^2/df)^(-(df+1)/2) / (sqrt(df) B(1/2, df/2))`.
    fn t_mass(df: usize, q: f64) -> f64 {
        // ln Gamma(k / 2) by Gamma(1/2) = sqrt(pi), Gamma(1) = 1, Gamma(x + 1) = x Gamma(x).
        let ln_gamma_half = |k: usize| {
            let (mut x, mut g) =
                if k % 2 == 1 { (0.5, std::f64::consts::PI.sqrt().ln()) } else { (1.0, 0.0) };
            while x < k as f64 / 2.0 {
                g += x.ln();
                x += 1.0;
            }
            g
        };
        let nu = df as f64;
        let beta = (ln_gamma_half(1) + ln_gamma_half(df) - ln_gamma_half(df + 1)).exp();
        let density = |t: f64| (1.0 + t * t / nu).powf(-(nu + 1.0) / 2.0) / (nu.sqrt() * beta);
        let n = 20_000;
        let h = q / n as f64;
        let inner: f64 = (1..n).map(|i| density(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 }).sum();
        (density(0.0) + inner + density(q)) * h / 3.0
    }

    #[test]
    fn t95_is_the_975_quantile() {
        assert_eq!(t95(0), None);
        for df in 1..=30 {
            let q = t95(df).expect("df > 0");
            // Three decimals move the mass by at most half a unit of the third decimal times the density.
            let mass = t_mass(df, q);
            assert!((mass - 0.475).abs() < 4e-5, "df {df}: P(0 < T < {q}) = {mass}");
            let off = t_mass(df, q + 0.002);
            assert!((off - 0.475).abs() > (mass - 0.475).abs(), "df {df}: a wrong quantile is told apart");
        }
        for df in [31, 40, 60, 61, 120, 121, 1000, 100_000] {
            let q = t95(df).expect("df > 0");
            let mass = t_mass(df, q);
            assert!((mass - 0.475).abs() < 1e-6, "df {df}: P(0 < T < {q}) = {mass}");
        }
    }

    #[test]
    fn summary_statistics() {
        let s = summarize(&mut [3.0, 1.0, 2.0]);
        assert_eq!((s.mean, s.sd), (2.0, 1.0));
        assert!((s.lo - 1.05).abs() < 1e-12 && (s.hi - 2.95).abs() < 1e-12, "{s:?}");
        assert!((s.half_width - 4.303 / 3f64.sqrt()).abs() < 1e-12, "{s:?}");
        let one = Summary { mean: 0.5, sd: 0.0, lo: 0.5, hi: 0.5, half_width: 0.0 };
        assert_eq!(summarize(&mut [0.5]), one);
        // Ten equal values: their mean is the value itself, not a rounded sum / 10.
        let x = 0.1 + 0.2;
        assert_eq!(summarize(&mut [x; 10]).mean, x);
        assert_ne!([x; 10].iter().sum::<f64>() / 10.0, x, "the sum would round");
    }
}
