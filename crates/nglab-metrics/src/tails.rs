//! Tails: survival of the reference's types by frequency band, novelty of the
//! text's n-grams, and recall of held-out n-grams.

use crate::ngrams::{NgramTable, MAX_ORDER, NONE};
use crate::report::{BandSurvival, OrderNovelty, OrderRecall, OrderSurvival};

/// The reference-frequency bands of survival: inclusive count ranges
/// (`u64::MAX` = open) and their labels.
pub const SURVIVAL_BANDS: [(u64, u64, &str); 4] =
    [(1, 1, "1"), (2, 4, "2-4"), (5, 16, "5-16"), (17, u64::MAX, "17+")];
use SURVIVAL_BANDS as BANDS;

/// The index in [`SURVIVAL_BANDS`] of a reference count, `None` for 0.
pub fn survival_band(count: u64) -> Option<usize> {
    BANDS.iter().position(|&(lo, hi, _)| lo <= count && count <= hi)
}

fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Survival and novelty of `text` against `reference`, given
/// `mapped = text.map_onto(reference)`.
pub(crate) fn survival_and_novelty(
    text: &NgramTable,
    reference: &NgramTable,
    mapped: &[Vec<u32>],
) -> (Vec<OrderSurvival>, Vec<OrderNovelty>) {
    let mut survival = Vec::with_capacity(MAX_ORDER);
    let mut novelty = Vec::with_capacity(MAX_ORDER);
    for order in 1..=MAX_ORDER {
        let ref_counts = reference.counts(order);
        let text_counts = text.counts(order);
        let map = &mapped[order - 1];
        let mut present = vec![false; ref_counts.len()];
        let (mut total, mut unseen) = (0u64, 0u64);
        for (t, &c) in text_counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            total += c;
            match map[t] {
                NONE => unseen += c,
                r => present[r as usize] = true,
            }
        }
        let mut bands: Vec<BandSurvival> = BANDS
            .iter()
            .map(|&(_, _, label)| BandSurvival {
                band: label.to_owned(),
                reference_types: 0,
                surviving: 0,
                share: None,
            })
            .collect();
        for (r, &c) in ref_counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let b = survival_band(c).expect("bands cover 1..");
            bands[b].reference_types += 1;
            bands[b].surviving += u64::from(present[r]);
        }
        for b in &mut bands {
            b.share = share(b.surviving, b.reference_types);
        }
        survival.push(OrderSurvival { order, bands });
        novelty.push(OrderNovelty { order, text_ngrams: total, unseen, share: share(unseen, total) });
    }
    (survival, novelty)
}

/// Recall of the held-out text's types in `text`, given `mapped = heldout.map_onto(text)`.
pub(crate) fn recall(heldout: &NgramTable, mapped: &[Vec<u32>]) -> Vec<OrderRecall> {
    (1..=MAX_ORDER)
        .map(|order| {
            let counts = heldout.counts(order);
            let map = &mapped[order - 1];
            let mut types = 0u64;
            let mut covered = 0u64;
            for (t, &c) in counts.iter().enumerate() {
                if c > 0 {
                    types += 1;
                    covered += u64::from(map[t] != NONE);
                }
            }
            OrderRecall { order, heldout_types: types, covered, share: share(covered, types) }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use nglab_tokenizer::Corpus;

    fn table(sentences: &[&str]) -> NgramTable {
        let mut c = Corpus::new();
        for s in sentences {
            c.push(&s.bytes().map(u32::from).collect::<Vec<_>>());
        }
        NgramTable::build(&c).0
    }

    /// Per order 1 and 2: (surviving per band, unseen, text n-grams).
    fn check(text: &[&str], reference: &[&str], expect: [([u64; 4], u64, u64); 2]) {
        let (t, r) = (table(text), table(reference));
        let (survival, novelty) = survival_and_novelty(&t, &r, &t.map_onto(&r));
        for (k, (bands, unseen, total)) in expect.iter().enumerate() {
            let got: Vec<u64> = survival[k].bands.iter().map(|b| b.surviving).collect();
            assert_eq!(&got, bands, "order {} of {text:?}", k + 1);
            assert_eq!((novelty[k].unseen, novelty[k].text_ngrams), (*unseen, *total), "order {}", k + 1);
        }
    }

    #[test]
    fn hand_computed() {
        // Reference "aaaaabbc": unigrams a x5, b x2, c x1; bigrams aa x4, ab, bb, bc x1.
        // Text "ab": a (band 5-16) and b (2-4) survive, c (1) does not; bigram ab survives.
        check(&["ab"], &["aaaaabbc"], [([0, 1, 1, 0], 0, 2), ([1, 0, 0, 0], 0, 1)]);
        check(&[], &["abc"], [([0, 0, 0, 0], 0, 0), ([0, 0, 0, 0], 0, 0)]);
        // Bigrams of the reference: ab, bc (count 1 each); text has ab and bd.
        check(&["abd"], &["abc"], [([2, 0, 0, 0], 1, 3), ([1, 0, 0, 0], 1, 2)]);
    }

    #[test]
    fn recall_counts_heldout_types() {
        let (h, t) = (table(&["abcd"]), table(&["abx", "cd"]));
        let r = recall(&h, &h.map_onto(&t));
        let got: Vec<(u64, u64)> = r.iter().map(|o| (o.covered, o.heldout_types)).collect();
        assert_eq!(got, vec![(4, 4), (2, 3), (0, 2), (0, 1)]);
    }
}
