//! Generation 0 of every cell: the human text's counts and model, built once
//! per (order, smoothing, discount fallback) and shared by every cell and
//! seed that needs it.

use std::sync::OnceLock;
use std::time::Instant;

use anyhow::Context;
use nglab_lm::{estimate, estimate_owned, DiscountFallback, EstimateConfig, Model, NgramCounts, Smoothing};

use super::config::Cell;
use super::human::Human;
use super::regime::Regime;

/// Generation 0 of a cell: the human text's counts and model, the same for
/// every cell of the same order and smoothing and for every seed.
pub struct Gen0 {
    /// The human training text's counts, kept only when an `accumulate`
    /// cell starts its pool from them (else the model is built out of them).
    pub counts: Option<NgramCounts>,
    /// The model estimated from them.
    pub model: Model,
    /// Wall seconds spent counting.
    pub count_seconds: f64,
    /// Wall seconds spent estimating.
    pub estimate_seconds: f64,
}

/// The generation-0 models of a run, each built once, by the first job that
/// needs it (a job needing one under construction waits for it): the jobs of
/// a grid would otherwise all count and estimate the same human text.
pub struct Gen0Cache {
    slots: Vec<Slot>,
}

/// One generation 0: its key, whether its counts are kept, and the model
/// once built (or why it could not be).
type Slot = (Gen0Key, bool, OnceLock<Result<Gen0, String>>);

/// What generation 0 depends on besides the human text: order, smoothing
/// and discount fallback rule.
type Gen0Key = (usize, Smoothing, DiscountFallback);

fn key(cell: &Cell) -> Gen0Key {
    (cell.order, cell.smoothing, cell.discount_fallback)
}

impl Gen0Cache {
    /// One empty slot per distinct (order, smoothing) of `cells`; its
    /// counts are kept when one of its cells is under `accumulate`.
    pub fn new(cells: &[Cell]) -> Gen0Cache {
        let mut slots: Vec<Slot> = Vec::new();
        for c in cells {
            let pool = c.regime == Regime::Accumulate;
            match slots.iter_mut().find(|(k, _, _)| *k == key(c)) {
                Some((_, keep, _)) => *keep |= pool,
                None => slots.push((key(c), pool, OnceLock::new())),
            }
        }
        Gen0Cache { slots }
    }

    /// The generation 0 of `cell`, and whether this call built it (on
    /// `threads` threads).
    pub fn get(&self, cell: &Cell, human: &Human, threads: usize) -> anyhow::Result<(&Gen0, bool)> {
        let (_, keep_counts, slot) =
            self.slots.iter().find(|(k, _, _)| *k == key(cell)).expect("a slot per cell");
        let mut built = false;
        let gen0 = slot.get_or_init(|| {
            built = true;
            let build = || -> anyhow::Result<Gen0> {
                let t = Instant::now();
                let mut counts = NgramCounts::new(cell.order)?;
                counts.add_corpus(&human.train, threads);
                let count_seconds = t.elapsed().as_secs_f64();
                let t = Instant::now();
                let config = EstimateConfig::with_fallback(cell.smoothing, cell.discount_fallback)?;
                let (model, counts) = if *keep_counts {
                    (estimate(&counts, &human.vocab, &config, threads)?, Some(counts))
                } else {
                    (estimate_owned(counts, &human.vocab, &config, threads)?, None)
                };
                Ok(Gen0 { counts, model, count_seconds, estimate_seconds: t.elapsed().as_secs_f64() })
            };
            build().map_err(|e| format!("{e:#}"))
        });
        match gen0 {
            Ok(gen0) => Ok((gen0, built)),
            Err(e) => Err(anyhow::anyhow!("{e}")).context("training generation 0"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(regime: &str, order: usize, smoothing: &str, temperature: f64) -> Cell {
        Cell {
            regime: regime.parse().unwrap(),
            order,
            smoothing: smoothing.parse().unwrap(),
            discount_fallback: DiscountFallback::Clamp,
            vocabulary: super::super::vocabulary::Vocabulary::Open,
            temperature,
            top_p: None,
            top_k: None,
        }
    }

    #[test]
    fn one_generation_0_per_order_and_smoothing() {
        let cells = [
            cell("replace", 3, "mkn", 1.0),
            cell("accumulate", 3, "mkn", 0.8),
            cell("replace", 2, "mkn", 1.0),
            cell("mix:0.1", 3, "wb", 1.0),
            cell("mix:0.1", 2, "mkn", 1.0),
        ];
        let keys: Vec<(usize, String, bool)> = Gen0Cache::new(&cells)
            .slots
            .iter()
            .map(|((o, s, _), keep, _)| (*o, s.to_string(), *keep))
            .collect();
        // Only the pool of `accumulate` starts from generation 0's counts.
        assert_eq!(
            keys,
            [(3, "mkn".to_owned(), true), (2, "mkn".to_owned(), false), (3, "wb".to_owned(), false)]
        );
    }
}
