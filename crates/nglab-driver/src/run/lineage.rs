//! The tail across generations. A snapshot of survival counts a word that
//! was lost and came back as a survivor; the lineage does not: it follows
//! each human word type through the texts the generations wrote (the human
//! text at generation 0, then each newest synthetic corpus) and tells which
//! were present in every one so far, and which came back after being absent.

use nglab_metrics::{survival_band, unigram_counts, SURVIVAL_BANDS};
use nglab_tokenizer::Corpus;

/// Which human word types are present in every text so far, and which were
/// absent from at least one.
pub struct Lineage {
    /// Band of each human type by its human count (`None`: not a word of the text).
    band: Vec<Option<usize>>,
    /// Types of each band.
    band_sizes: [u64; SURVIVAL_BANDS.len()],
    /// Present in every text so far.
    always: Vec<bool>,
    /// Absent from at least one text so far.
    ever_lost: Vec<bool>,
}

/// What the lineage says after one more text.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LineageFacts {
    /// Per band, the share of the human types present in every text so far.
    pub persistent: [Option<f64>; SURVIVAL_BANDS.len()],
    /// Human types present in this text after being absent from an earlier one.
    pub resurrected: u64,
}

impl Lineage {
    /// A lineage over the human training text (ids of the human vocabulary).
    pub fn new(human: &Corpus) -> Lineage {
        let band: Vec<Option<usize>> = unigram_counts(human).into_iter().map(survival_band).collect();
        let mut band_sizes = [0; SURVIVAL_BANDS.len()];
        band.iter().flatten().for_each(|&b| band_sizes[b] += 1);
        let n = band.len();
        Lineage { band, band_sizes, always: vec![true; n], ever_lost: vec![false; n] }
    }

    /// Follows the types into one more text (the next generation's newest).
    pub fn observe(&mut self, text: &Corpus) -> LineageFacts {
        let counts = unigram_counts(text);
        let mut surviving = [0u64; SURVIVAL_BANDS.len()];
        let mut resurrected = 0;
        for (id, band) in self.band.iter().enumerate() {
            let Some(band) = *band else { continue };
            let present = counts.get(id).is_some_and(|&c| c > 0);
            resurrected += u64::from(present && self.ever_lost[id]);
            self.ever_lost[id] |= !present;
            self.always[id] &= present;
            surviving[band] += u64::from(self.always[id]);
        }
        let persistent = std::array::from_fn(|b| {
            (self.band_sizes[b] > 0).then(|| surviving[b] as f64 / self.band_sizes[b] as f64)
        });
        LineageFacts { persistent, resurrected }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(sentences: &[&[u32]]) -> Corpus {
        sentences.iter().collect()
    }

    #[test]
    fn lost_words_that_come_back_are_not_persistent() {
        // Human text: 3 and 4 once (hapax), 5 three times (band 2-4).
        let human = corpus(&[&[3, 4, 5], &[5, 5]]);
        let mut lineage = Lineage::new(&human);
        let f = lineage.observe(&human);
        assert_eq!(f, LineageFacts { persistent: [Some(1.0), Some(1.0), None, None], resurrected: 0 });
        // Generation 1 loses 4.
        let f = lineage.observe(&corpus(&[&[3, 5]]));
        assert_eq!(f, LineageFacts { persistent: [Some(0.5), Some(1.0), None, None], resurrected: 0 });
        // Generation 2 brings 4 back and loses 5: 4 is resurrected, not persistent.
        let f = lineage.observe(&corpus(&[&[3, 4]]));
        assert_eq!(f, LineageFacts { persistent: [Some(0.5), Some(0.0), None, None], resurrected: 1 });
        // Generation 3 has everything: 4 and 5 both came back.
        let f = lineage.observe(&corpus(&[&[3, 4, 5]]));
        assert_eq!(f, LineageFacts { persistent: [Some(0.5), Some(0.0), None, None], resurrected: 2 });
    }
}
