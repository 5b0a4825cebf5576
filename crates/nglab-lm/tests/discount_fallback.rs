//! The discount fallback rules on whole models: KenLM's rule reproduces
//! `lmplz --discount_fallback` (see `kenlm_parity.rs`); the clamp keeps every
//! valid closed-form discount, and never leaves a context without mass.

use std::path::PathBuf;

use nglab_lm::{
    estimate, DiscountFallback, EstimateConfig, Model, NgramCounts, Smoothing, KENLM_FALLBACK, MIN_DISCOUNT,
};
use nglab_tokenizer::{Corpus, Vocab};

fn train(lines: &[String], vocab: &mut Vocab, order: usize, rule: DiscountFallback) -> Model {
    let corpus: Corpus = lines
        .iter()
        .map(|line| line.split(' ').map(|w| vocab.get_or_insert(w)).collect::<Vec<u32>>())
        .collect();
    let mut counts = NgramCounts::new(order).unwrap();
    counts.add_corpus(&corpus, 2);
    let config = EstimateConfig::with_fallback(Smoothing::ModifiedKneserNey, rule).unwrap();
    estimate(&counts, vocab, &config, 2).unwrap()
}

/// Chen & Goodman's closed form from an order's counts of counts, written
/// out here independently; `None` where it divides by zero.
fn closed_form(n: [u64; 4]) -> [Option<f64>; 3] {
    let [n1, n2, n3, n4] = n.map(|x| x as f64);
    let y = n1 / (n1 + 2.0 * n2);
    [
        (n1 > 0.0).then(|| 1.0 - 2.0 * y * n2 / n1),
        (n2 > 0.0 && n1 > 0.0).then(|| 2.0 - 3.0 * y * n3 / n2),
        (n3 > 0.0 && n1 > 0.0).then(|| 3.0 - 4.0 * y * n4 / n3),
    ]
}

#[test]
fn clamp_keeps_valid_discounts_and_kenlm_replaces_the_order() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/kenlm/repeated-6x.train.txt");
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let kenlm = train(&lines, &mut Vocab::new(), 3, DiscountFallback::Kenlm);
    let clamp = train(&lines, &mut Vocab::new(), 3, DiscountFallback::Clamp);
    let mut moved = 0;
    for (k, c) in kenlm.info().discounts.iter().zip(&clamp.info().discounts) {
        assert_eq!(k.counts_of_counts, c.counts_of_counts);
        let closed = closed_form(c.counts_of_counts);
        for (i, (closed, &used)) in closed.iter().zip(&c.discounts).enumerate() {
            let max = (i + 1) as f64;
            match *closed {
                Some(d) if (MIN_DISCOUNT..=max).contains(&d) => {
                    assert!((used - d).abs() < 1e-12, "order {}: {c:?}", c.order)
                }
                _ => {
                    assert!((MIN_DISCOUNT..=max).contains(&used), "order {}: {c:?}", c.order);
                    moved += 1;
                }
            }
        }
        if k.fallback.is_some() {
            assert_eq!(k.discounts, KENLM_FALLBACK);
            assert!(c.fallback.as_ref().is_some_and(|f| f.rule == DiscountFallback::Clamp), "{c:?}");
        } else {
            assert_eq!(k.discounts, c.discounts, "order {}", c.order);
        }
    }
    // lmplz falls back at orders 2 and 3 of this text: something moved.
    assert!(moved > 0);
}

/// Sentences of one word each, `w{k}_{i}` repeated `k` times: at order 2,
/// n1 = 10, n2 = 4, n3 = 2, n4 = 8 (two bigrams per sentence type), so D3+ =
/// 3 - 4 (10/18) 8/2 < 0 while D1 and D2 are valid. A word repeated 4 times
/// is a context whose only successor `</s>` has count 4.
fn d3_negative_text() -> Vec<String> {
    let mut lines = Vec::new();
    for (reps, types) in [(1, 5), (2, 2), (3, 1), (4, 4)] {
        for t in 0..types {
            for _ in 0..reps {
                lines.push(format!("w{reps}_{t}"));
            }
        }
    }
    lines
}

#[test]
fn a_context_with_only_counts_of_three_or_more_keeps_mass() {
    let mut vocab = Vocab::new();
    let text = d3_negative_text();
    let clamp = train(&text, &mut vocab, 2, DiscountFallback::Clamp);
    let kenlm = train(&text, &mut vocab.clone(), 2, DiscountFallback::Kenlm);
    let d = &clamp.info().discounts[1];
    assert_eq!(d.counts_of_counts, [10, 4, 2, 8]);
    let closed = closed_form(d.counts_of_counts);
    assert!(closed[2].unwrap() < 0.0, "{closed:?}");
    assert_eq!(d.discounts, [closed[0].unwrap(), closed[1].unwrap(), MIN_DISCOUNT]);
    assert_eq!(kenlm.info().discounts[1].discounts, KENLM_FALLBACK);

    // "w4_0 w1_0": the bigram is unseen, and w4_0's only successor has count
    // 4, so p(w1_0 | w4_0) = gamma(w4_0) p(w1_0) with gamma = D3+ * 1 / 4.
    // With D3+ = 0 (inside KenLM's [0, 3]) it would be 0: infinite perplexity.
    let (w4, w1) = (vocab.get("w4_0").unwrap(), vocab.get("w1_0").unwrap());
    for (model, d3) in [(&clamp, MIN_DISCOUNT), (&kenlm, KENLM_FALLBACK[2])] {
        let ctx = model.prob(model.begin_sentence(), w4).1;
        let (p, _) = model.prob(ctx, w1);
        let (p_unigram, _) = model.prob(nglab_lm::State::EMPTY, w1);
        let gamma = p / p_unigram;
        // (gamma is stored as an f32 log10: equal up to its rounding.)
        assert!((gamma / (d3 / 4.0) - 1.0).abs() < 1e-6, "gamma {gamma}, D3+ {d3}");
        let mut heldout = Corpus::new();
        heldout.push(&[w4, w1]);
        let ppl = model.perplexity(&heldout).unwrap().perplexity().unwrap();
        assert!(ppl.is_finite() && ppl > 1.0, "{ppl}");
    }
}
