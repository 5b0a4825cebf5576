//! Each context's successors sorted by probability, with cumulative tempered
//! weights: the sorted runs that truncation and greedy cut (see
//! [`Nucleus`](super::nucleus::Nucleus)).

use nglab_tokenizer::{TokenId, BOS};

use crate::model::{Model, State};

/// Orders candidates (weight, word) by weight descending, then word ascending.
pub(super) fn by_weight(a: &(f64, TokenId), b: &(f64, TokenId)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

/// One context's successors (or the whole vocabulary for the empty context)
/// sorted by (weight desc, word asc), with cumulative tempered weights
/// (`weight^(1/T)`) within each context's range.
#[derive(Debug, Default)]
pub(super) struct SortedRun {
    pub(super) val: Vec<f64>,
    pub(super) cum: Vec<f64>,
    pub(super) word: Vec<TokenId>,
}

impl SortedRun {
    fn with_len(n: usize) -> Self {
        SortedRun { val: vec![0.0; n], cum: vec![0.0; n], word: vec![0; n] }
    }

    fn fill(&mut self, start: usize, items: &mut [(f64, TokenId)], inv_t: f64) {
        items.sort_unstable_by(by_weight);
        let mut acc = 0.0;
        for (i, &(v, w)) in items.iter().enumerate() {
            acc += temper(v, inv_t);
            self.val[start + i] = v;
            self.cum[start + i] = acc;
            self.word[start + i] = w;
        }
    }
}

/// `x^(1/T)` (`x` itself at `T = 1`, 0 for 0).
pub(super) fn temper(x: f64, inv_t: f64) -> f64 {
    if inv_t == 1.0 || x <= 0.0 {
        x.max(0.0)
    } else {
        x.powf(inv_t)
    }
}

/// Sorted views of the model for exact truncated (top-k, top-p, min-p) and
/// greedy sampling, at any temperature, without O(|V|) work per context;
/// shared by clones. See [`Nucleus`](super::nucleus::Nucleus).
#[derive(Debug)]
pub(super) struct Sorted {
    /// `1/T`: the cumulative weights are tempered.
    pub(super) inv_t: f64,
    /// The unigram distribution, every word but `<s>`.
    uni: SortedRun,
    /// `own[k - 1]`: successors (order k + 1) of each context of order k, by their own probability.
    own: Vec<SortedRun>,
    /// `low[k - 1]`: the same successors by the probability of their suffix n-gram (order k).
    low: Vec<SortedRun>,
}

impl Sorted {
    pub(super) fn new(model: &Model, inv_t: f64) -> Sorted {
        let unigrams = &model.levels[0];
        let mut items: Vec<(f64, TokenId)> = (0..model.vocab.len() as TokenId)
            .filter(|&w| w != BOS)
            .map(|w| (unigrams.p(w as usize), w))
            .collect();
        let mut uni = SortedRun::with_len(items.len());
        uni.fill(0, &mut items, inv_t);
        let mut own = Vec::new();
        let mut low = Vec::new();
        for k in 1..model.order() {
            let here = &model.levels[k - 1];
            let up = &model.levels[k];
            let mut o = SortedRun::with_len(up.len());
            let mut l = SortedRun::with_len(up.len());
            for h in 0..here.len() {
                let r = here.child_start[h] as usize..here.child_start[h + 1] as usize;
                if r.is_empty() {
                    continue;
                }
                items.clear();
                items.extend(r.clone().map(|i| (up.p(i), up.word[i])));
                o.fill(r.start, &mut items, inv_t);
                items.clear();
                items.extend(r.clone().map(|i| {
                    let p =
                        if k == 1 { unigrams.p(up.word[i] as usize) } else { here.p(up.suffix[i] as usize) };
                    (p, up.word[i])
                }));
                l.fill(r.start, &mut items, inv_t);
            }
            own.push(o);
            low.push(l);
        }
        Sorted { inv_t, uni, own, low }
    }

    /// The run of `ctx`'s own successors (the unigram run for the empty context).
    pub(super) fn own_of(&self, model: &Model, ctx: State) -> (&SortedRun, std::ops::Range<usize>) {
        if ctx.order == 0 {
            (&self.uni, 0..self.uni.val.len())
        } else if ctx.order as usize > self.own.len() {
            (&self.uni, 0..0)
        } else {
            (&self.own[ctx.order as usize - 1], model.children(ctx))
        }
    }

    /// The run of `ctx`'s successors by the probability one order lower.
    pub(super) fn low_of(&self, model: &Model, ctx: State) -> (&SortedRun, std::ops::Range<usize>) {
        if ctx.order == 0 || ctx.order as usize > self.low.len() {
            (&self.uni, 0..0)
        } else {
            (&self.low[ctx.order as usize - 1], model.children(ctx))
        }
    }
}
