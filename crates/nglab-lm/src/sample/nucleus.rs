//! Truncation (top-k, top-p, min-p) and greedy at any temperature: a
//! context's cut found by binary searches in the sorted runs, and draws
//! from it.

use nglab_tokenizer::{TokenId, EOS, UNK};
use rand::Rng;

use super::config::{SampleConfig, UnkPolicy};
use super::exact::draw_linear;
use super::sorted::{by_weight, temper, Sorted};
use super::{MAX_REJECTIONS, ONE53};
use crate::model::{Model, State};

/// A cut in `by_weight` order: the words `(x, w)` with `by_weight((x, w), cut) <= 0` are in.
type Cut = (f64, TokenId);

fn within(x: f64, w: TokenId, cut: Cut) -> bool {
    x > cut.0 || (x == cut.0 && w <= cut.1)
}

/// One band of a context's distribution: the words that `c_j` (the context
/// shortened `j` times) knows and `c_(j-1)` does not, each with
/// `p(w|c) = scale * prob[c_j w]`, `scale` the product of the gammas passed.
#[derive(Debug, Clone)]
struct Band {
    ctx: State,
    /// `c_(j-1)`, whose successors are excluded (none for the first band).
    excl: Option<State>,
    scale: f64,
    /// The band's part of the nucleus is a prefix of `ctx`'s own sorted run...
    len: usize,
    /// ...of this tempered mass (excluded words and `<unk>` under resample taken out).
    mass: f64,
}

/// The truncated distribution (top-k, top-p, min-p, greedy, at any
/// temperature; "the nucleus") of one context, found in O(order^2 log^2 |V|) from the sorted
/// runs: `p(.|c)` splits into bands (see [`Band`]) whose sorted orders are
/// the sorted runs of `c_j` without the successors of `c_(j-1)`, which form a
/// prefix of the `low` run of `c_(j-1)` under any cut (same sort key). So the
/// mass (and number of words) above any cut is a few binary searches, the cut itself a binary
/// search per band, and a draw picks a band by mass, then a word of its
/// prefix by its cumulative weights, rejecting the excluded words (and
/// `<unk>` under resample).
#[derive(Debug, Clone)]
pub(super) struct Nucleus {
    bands: Vec<Band>,
    total: f64,
    /// Greedy: the most probable word, always drawn.
    greedy: Option<TokenId>,
}

/// The mass and the number of words within `cut` of the bands, with the
/// prefix length of each band.
fn nucleus_mass(
    s: &Sorted,
    m: &Model,
    bands: &mut [Band],
    cut: Cut,
    unk: Option<(f64, usize)>,
) -> (f64, usize) {
    let mut total = 0.0;
    let mut count = 0;
    for (j, b) in bands.iter_mut().enumerate() {
        let (run, r) = s.own_of(m, b.ctx);
        let scale = b.scale;
        let n = r.len();
        let (val, word) = (&run.val[r.clone()], &run.word[r.clone()]);
        let len = partition(n, |i| within(scale * val[i], word[i], cut));
        let mut mass = if len == 0 { 0.0 } else { run.cum[r.start + len - 1] };
        let mut n_in = len;
        if let Some(e) = b.excl {
            let (lrun, lr) = s.low_of(m, e);
            let (lval, lword) = (&lrun.val[lr.clone()], &lrun.word[lr.clone()]);
            let q = partition(lr.len(), |i| within(scale * lval[i], lword[i], cut));
            if q > 0 {
                mass -= lrun.cum[lr.start + q - 1];
            }
            n_in = n_in.saturating_sub(q);
        }
        let mut mass = (temper(scale, s.inv_t) * mass).max(0.0);
        if let Some((x, band)) = unk {
            if band == j && within(x, UNK, cut) {
                mass = (mass - temper(x, s.inv_t)).max(0.0);
                n_in = n_in.saturating_sub(1);
            }
        }
        b.len = len;
        b.mass = mass;
        total += mass;
        count += n_in;
    }
    (total, count)
}

/// The first `i` in `0..n` where `pred` turns false (`pred` true then false).
fn partition(n: usize, mut pred: impl FnMut(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

impl Nucleus {
    pub(super) fn new(s: &Sorted, m: &Model, ctx: State, config: &SampleConfig) -> Option<Nucleus> {
        let resample = config.unk == UnkPolicy::Resample;
        let mut bands = Vec::with_capacity(m.order());
        let mut c = ctx;
        let mut f = 1.0;
        let mut prev = None;
        loop {
            bands.push(Band { ctx: c, excl: prev, scale: f, len: 0, mass: 0.0 });
            if c.order == 0 {
                break;
            }
            f *= m.gamma(c);
            prev = Some(c);
            c = m.shorter(c);
        }
        // `<unk>` is in the band of the longest context that knows it.
        let unk = if resample {
            let x = m.prob(ctx, UNK).0;
            let band = bands.iter().position(|b| m.child(b.ctx, UNK).is_some()).unwrap_or(bands.len() - 1);
            (x > 0.0).then_some((x, band))
        } else {
            None
        };
        let all: Cut = (0.0, TokenId::MAX);
        let (total, n) = nucleus_mass(s, m, &mut bands, all, unk);
        if total.is_nan() || total <= 0.0 {
            return None;
        }
        let mut scratch = bands.clone();
        // The earliest cut, over the bands' own runs, at which `reached`
        // (monotone: false, then true) holds of (mass, count) within it. The
        // true cut is a word of some band, found by that band's search; the
        // other bands' searches give later (or equal) cuts.
        let mut earliest = |reached: &dyn Fn(f64, usize) -> bool| -> Option<Cut> {
            let mut best: Option<Cut> = None;
            for b in &bands {
                let (run, r) = s.own_of(m, b.ctx);
                let scale = b.scale;
                let at = |i: usize| (scale * run.val[r.start + i], run.word[r.start + i]);
                let i = partition(r.len(), |i| {
                    let (x, k) = nucleus_mass(s, m, &mut scratch, at(i), unk);
                    !reached(x, k)
                });
                if i < r.len() {
                    let cut = at(i);
                    if best.is_none_or(|b| by_weight(&cut, &b).is_lt()) {
                        best = Some(cut);
                    }
                }
            }
            best
        };
        let earlier = |a: Cut, b: Cut| if by_weight(&a, &b).is_le() { a } else { b };
        // Greedy: the first word in `by_weight` order, whatever the other knobs.
        if config.greedy {
            let best = earliest(&|_, count| count >= 1)?;
            return Some(Nucleus { bands: Vec::new(), total: 1.0, greedy: Some(best.1) });
        }
        let mut cut = all;
        // Top-k: the k-th word in `by_weight` order.
        if let Some(k) = config.top_k.filter(|&k| k < n) {
            cut = earliest(&|_, count| count >= k).unwrap_or(all);
        }
        // Top-p: the shortest prefix reaching `top_p` of the mass left.
        if let Some(top_p) = config.top_p.filter(|&p| p < 1.0) {
            let mut probe = bands.clone();
            let target = top_p * nucleus_mass(s, m, &mut probe, cut, unk).0;
            if let Some(c) = earliest(&|mass, _| mass >= target) {
                cut = earlier(c, cut);
            }
        }
        // Min-p: the words at least `min_p` times the most probable one (the
        // 1st word), after temperature: `p^(1/T) >= min_p max p^(1/T)` is
        // `p >= min_p^T max p`.
        if let Some(min_p) = config.min_p.filter(|&p| p > 0.0) {
            if let Some(best) = earliest(&|_, count| count >= 1) {
                cut = earlier((min_p.powf(config.temperature) * best.0, TokenId::MAX), cut);
            }
        }
        let (total, _) = nucleus_mass(s, m, &mut scratch, cut, unk);
        if total.is_nan() || total <= 0.0 {
            return None;
        }
        Some(Nucleus { bands: scratch, total, greedy: None })
    }

    pub(super) fn draw<R: Rng + ?Sized>(
        &self,
        s: &Sorted,
        m: &Model,
        rng: &mut R,
        resample: bool,
    ) -> (TokenId, bool) {
        if let Some(w) = self.greedy {
            return (w, false);
        }
        let u = (rng.next_u64() >> 11) as f64 / ONE53 * self.total;
        let mut acc = 0.0;
        let mut pick = None;
        for b in &self.bands {
            if b.mass > 0.0 {
                acc += b.mass;
                pick = Some(b);
                if u < acc {
                    break;
                }
            }
        }
        let b = pick.expect("a nucleus has mass");
        let (run, r) = s.own_of(m, b.ctx);
        let cum = &run.cum[r.start..r.start + b.len];
        let bad = |w: TokenId| (resample && w == UNK) || b.excl.is_some_and(|e| m.child(e, w).is_some());
        for _ in 0..MAX_REJECTIONS {
            let u = (rng.next_u64() >> 11) as f64 / ONE53 * cum[b.len - 1];
            let i = cum.partition_point(|&c| c <= u).min(b.len - 1);
            let w = run.word[r.start + i];
            if !bad(w) {
                return (w, false);
            }
        }
        // Exact: the band's words without the excluded ones, by a linear scan.
        let mut weights = vec![0.0; m.vocab.len()];
        for i in 0..b.len {
            let w = run.word[r.start + i];
            if !bad(w) {
                weights[w as usize] = temper(run.val[r.start + i], s.inv_t);
            }
        }
        (draw_linear(rng, &weights).unwrap_or(EOS), true)
    }
}
