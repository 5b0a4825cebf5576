//! Beam search: the most probable sentences, not samples.

use nglab_tokenizer::{TokenId, EOS};

use super::config::{Ending, SampleConfig, UnkPolicy};
use super::exact::full_distribution;
use super::sorted::by_weight;
use super::{check_prefix, next_state};
use crate::model::{Model, State};
use crate::{Error, Result};

/// A sentence found by [`beam_search`].
#[derive(Debug, Clone, PartialEq)]
pub struct Hypothesis {
    /// Its words (prefix included), without `<s>`/`</s>`.
    pub words: Vec<TokenId>,
    /// log10 p of the whole sentence, `</s>` included (as [`Model::score_sentence`]).
    pub log10_prob: f64,
    /// [`Ending::MaxLen`] if it reached `max_len` words and `</s>` was forced.
    pub ending: Ending,
}

/// The `width` most probable sentences that beam search finds, continuing
/// `prefix`, best first (ties by words). Each step expands every live
/// hypothesis by its `width` most probable next words (over the whole
/// vocabulary but `<s>`); a hypothesis reaching `max_len` words gets `</s>`
/// appended. Stops when no live hypothesis can beat the `width`-th finished one.
pub fn beam_search(
    model: &Model,
    prefix: &[TokenId],
    width: usize,
    max_len: usize,
) -> Result<Vec<Hypothesis>> {
    if width == 0 {
        return Err(Error::Config("beam width must be >= 1, got 0".into()));
    }
    let config = SampleConfig { max_len, unk: UnkPolicy::Keep, ..SampleConfig::default() };
    config.validate()?;
    check_prefix(model, max_len, prefix)?;
    let mut state = model.begin_sentence();
    let mut lp = 0.0;
    for &w in prefix {
        let (s, next) = model.score(state, w);
        lp += s;
        state = next;
    }
    let mut live: Vec<(f64, Vec<TokenId>, State)> = vec![(lp, prefix.to_vec(), state)];
    let mut finished: Vec<(f64, Vec<TokenId>, Ending)> = Vec::new();
    let mut p = Vec::new();
    for _ in prefix.len()..max_len {
        let mut cand: Vec<(f64, Vec<TokenId>, State)> = Vec::new();
        for (lp, words, state) in &live {
            full_distribution(model, *state, &mut p);
            let mut top: Vec<(f64, TokenId)> =
                p.iter().enumerate().filter(|x| *x.1 > 0.0).map(|(w, &x)| (x, w as TokenId)).collect();
            if top.len() > width {
                top.select_nth_unstable_by(width, by_weight);
                top.truncate(width);
            }
            for (x, w) in top {
                let lp2 = lp + x.log10();
                let mut ws = words.clone();
                if w == EOS {
                    finished.push((lp2, ws, Ending::Eos));
                } else {
                    ws.push(w);
                    cand.push((lp2, ws, next_state(model, *state, w)));
                }
            }
        }
        cand.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        cand.truncate(width);
        finished.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        finished.truncate(width);
        live = cand;
        let worst_kept = (finished.len() == width).then(|| finished[width - 1].0);
        match (live.first(), worst_kept) {
            (None, _) => break,
            (Some(best), Some(worst)) if best.0 <= worst => {
                live.clear();
                break;
            }
            _ => {}
        }
    }
    for (lp, words, state) in live {
        let (s, _) = model.score(state, EOS);
        finished.push((lp + s, words, Ending::MaxLen));
    }
    finished.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    finished.truncate(width);
    Ok(finished
        .into_iter()
        .map(|(log10_prob, words, ending)| Hypothesis { words, log10_prob, ending })
        .collect())
}
