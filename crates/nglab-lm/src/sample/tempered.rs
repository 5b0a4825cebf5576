//! Temperature alone: per-context tempered normalisers, built on first use.

use hashbrown::HashMap;
use nglab_tokenizer::{TokenId, BOS, EOS};
use rand::Rng;

use super::exact::{draw_linear, full_distribution};
use super::{MAX_REJECTIONS, ONE53};
use crate::model::{Model, State};

/// Temperature alone, exactly and without the full distribution: with
/// `a = 1/T`, `q(w|c) ∝ p(w|c)^a` has the normaliser
/// `S(c) = sum_{w in A(c)} prob[c w]^a + gamma(c)^a (S(c') - sum_{w in A(c)} p(w|c')^a)`
/// (the words outside `A(c)` have `p(w|c) = gamma(c) p(w|c')`), and
/// `S(empty) = sum_w prob[w]^a` (`<s>` excluded). A draw takes an own
/// successor (in proportion to `prob[c w]^a`) with probability
/// `own / S(c)`, else draws from `q(.|c')` until the word is not in `A(c)`
/// (recursively; after [`MAX_REJECTIONS`] exactly in O(|V|)). Built per
/// context on its first visit, in O(|A(c)| order), and cached.
#[derive(Debug, Clone)]
pub(super) struct Tempered {
    /// `S(c)`.
    pub(super) total: f64,
    /// The own successors' part of `S(c)`.
    own: f64,
    words: Box<[TokenId]>,
    cum: Box<[f64]>,
}

impl Tempered {
    /// The table of `c`, given those of its suffixes in `done`.
    pub(super) fn new(m: &Model, c: State, inv_t: f64, done: &HashMap<State, Tempered>) -> Tempered {
        let pow = |x: f64| if x > 0.0 { x.powf(inv_t) } else { 0.0 };
        let (words, weights): (Vec<TokenId>, Vec<f64>) = if c.order == 0 {
            let uni = &m.levels[0];
            (0..uni.len() as TokenId).filter(|&w| w != BOS).map(|w| (w, pow(uni.p(w as usize)))).unzip()
        } else if c.order as usize >= m.order() {
            (Vec::new(), Vec::new())
        } else {
            let up = &m.levels[c.order as usize];
            m.children(c).filter(|&i| up.word[i] != BOS).map(|i| (up.word[i], pow(up.p(i)))).unzip()
        };
        let mut acc = 0.0;
        let cum: Vec<f64> = weights
            .iter()
            .map(|&x| {
                acc += x;
                acc
            })
            .collect();
        let own = acc;
        let total = if c.order == 0 {
            own
        } else {
            let shorter = m.shorter(c);
            let s_shorter = done[&shorter].total;
            let sub: f64 = words.iter().map(|&w| pow(m.prob(shorter, w).0)).sum();
            let mut rest = (s_shorter - sub).max(0.0);
            if rest <= 1e-12 * s_shorter {
                rest = 0.0;
            }
            own + pow(m.gamma(c)) * rest
        };
        Tempered { total, own, words: words.into(), cum: cum.into() }
    }

    /// A draw from `q(.|c)` (`<unk>` included), and whether it fell back to O(|V|).
    pub(super) fn draw<R: Rng + ?Sized>(
        m: &Model,
        all: &HashMap<State, Tempered>,
        rng: &mut R,
        c: State,
        inv_t: f64,
    ) -> (TokenId, bool) {
        let t = &all[&c];
        let u = (rng.next_u64() >> 11) as f64 / ONE53 * t.total;
        if c.order == 0 || u < t.own {
            let n = t.words.len();
            let v = (rng.next_u64() >> 11) as f64 / ONE53 * t.own;
            let i = t.cum.partition_point(|&x| x <= v).min(n - 1);
            return (t.words[i], false);
        }
        let shorter = m.shorter(c);
        let mut fell_back = false;
        for _ in 0..MAX_REJECTIONS {
            let (w, f) = Tempered::draw(m, all, rng, shorter, inv_t);
            fell_back |= f;
            if m.child(c, w).is_none() {
                return (w, fell_back);
            }
        }
        // Exact: q(.|c') without the successors of c.
        let mut p = Vec::new();
        full_distribution(m, shorter, &mut p);
        let up = &m.levels[c.order as usize];
        for i in m.children(c) {
            p[up.word[i] as usize] = 0.0;
        }
        p.iter_mut().filter(|x| **x > 0.0).for_each(|x| *x = x.powf(inv_t));
        (draw_linear(rng, &p).unwrap_or(EOS), true)
    }
}
