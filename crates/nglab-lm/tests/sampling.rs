//! The sampler against naive oracles built from `Model::prob` over the whole
//! vocabulary: next-token distributions (chi-square, pooled, at a fixed
//! significance with fixed seeds) for every smoothing and every decoding
//! knob, whole sentences (mean log-probability), determinism across thread
//! counts, and configuration errors.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use nglab_lm::{
    beam_search, estimate, sample_continuations, sample_corpus, Budget, Cancel, Ending, Error,
    EstimateConfig, Model, NgramCounts, SampleConfig, Sampler, Smoothing, State, UnkPolicy,
};
use nglab_tokenizer::{Corpus, TokenId, Vocab, BOS, EOS, UNK};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const DRAWS: usize = 100_000;
/// Upper-tail quantile of the standard normal at the significance 1e-3.
const Z_CRIT: f64 = 3.090_232;

fn brown() -> &'static (Corpus, Vocab) {
    static DATA: OnceLock<(Corpus, Vocab)> = OnceLock::new();
    DATA.get_or_init(|| {
        let path =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/kenlm/brown-2k.train.txt");
        let text = std::fs::read_to_string(&path).expect("the committed Brown fixture");
        let mut vocab = Vocab::new();
        let mut corpus = Corpus::new();
        for line in text.lines() {
            let ids: Vec<TokenId> = line
                .split([' ', '\t', '\r'])
                .filter(|w| !w.is_empty())
                .map(|w| vocab.get_or_insert(w))
                .collect();
            corpus.push(&ids);
        }
        (corpus, vocab)
    })
}

fn model(smoothing: Smoothing, order: usize) -> Model {
    let (corpus, vocab) = brown();
    let mut counts = NgramCounts::new(order).unwrap();
    counts.add_corpus(corpus, 2);
    estimate(&counts, vocab, &EstimateConfig::new(smoothing).unwrap(), 2).unwrap()
}

/// The state after `<s> words...`.
fn state_after(model: &Model, words: &str) -> State {
    let mut s = model.begin_sentence();
    for w in words.split(' ').filter(|w| !w.is_empty()) {
        let id = model.vocab().get(w).unwrap_or_else(|| panic!("'{w}' is not in the vocabulary"));
        s = model.prob(s, id).1;
    }
    s
}

/// The naive oracle: p(w | ctx) for every word, from `Model::prob`.
fn naive(model: &Model, ctx: State) -> Vec<f64> {
    (0..model.vocab().len() as TokenId).map(|w| model.prob(ctx, w).0).collect()
}

fn normalized(mut p: Vec<f64>) -> Vec<f64> {
    let s: f64 = p.iter().sum();
    p.iter_mut().for_each(|x| *x /= s);
    p
}

/// The decoding knobs of `config`, applied naively over the sorted vocabulary.
fn naive_transform(config: &SampleConfig, mut p: Vec<f64>) -> Vec<f64> {
    if config.unk == UnkPolicy::Resample {
        p[UNK as usize] = 0.0;
    }
    let p = normalized(p);
    let mut q: Vec<f64> = p.iter().map(|&x| x.powf(1.0 / config.temperature)).collect();
    let mut order: Vec<usize> = (0..q.len()).filter(|&w| q[w] > 0.0).collect();
    order.sort_by(|&a, &b| q[b].total_cmp(&q[a]).then(a.cmp(&b)));
    if let Some(k) = config.top_k {
        order.truncate(k);
    }
    if let Some(top_p) = config.top_p {
        let mass: f64 = order.iter().map(|&w| q[w]).sum();
        let mut acc = 0.0;
        let keep = order.iter().position(|&w| {
            acc += q[w];
            acc >= top_p * mass
        });
        if let Some(i) = keep {
            order.truncate(i + 1);
        }
    }
    if let Some(min_p) = config.min_p {
        let max = q[order[0]];
        order.retain(|&w| q[w] >= min_p * max);
    }
    let mut keep = vec![false; q.len()];
    order.iter().for_each(|&w| keep[w] = true);
    for (w, x) in q.iter_mut().enumerate() {
        if !keep[w] {
            *x = 0.0;
        }
    }
    normalized(q)
}

/// Pearson's chi-square of `observed` against `expected` probabilities, with
/// categories of expected count < 5 pooled into one; the critical value at
/// significance 1e-3 by Wilson-Hilferty. Panics, naming `what`, on failure.
fn chi_square(what: &str, observed: &[u64], expected: &[f64]) {
    let n: u64 = observed.iter().sum();
    let nf = n as f64;
    let (mut x2, mut cats) = (0.0, 0usize);
    let (mut pool_o, mut pool_e) = (0.0, 0.0);
    for (w, (&o, &p)) in observed.iter().zip(expected).enumerate() {
        if p == 0.0 {
            assert_eq!(o, 0, "{what}: word {w} has probability 0 but was drawn {o} times");
            continue;
        }
        let e = nf * p;
        if e < 5.0 {
            pool_o += o as f64;
            pool_e += e;
        } else {
            x2 += (o as f64 - e).powi(2) / e;
            cats += 1;
        }
    }
    if pool_e > 0.0 {
        x2 += (pool_o - pool_e).powi(2) / pool_e;
        cats += 1;
    }
    let df = (cats.max(2) - 1) as f64;
    let a = 2.0 / (9.0 * df);
    let crit = df * (1.0 - a + Z_CRIT * a.sqrt()).powi(3);
    assert!(x2 < crit, "{what}: chi-square {x2:.1} >= {crit:.1} (df {df}, {cats} categories)");
}

/// Next-token draws from `ctx` with `config`, counted per word.
fn draws(model: &Model, config: &SampleConfig, ctx: State, seed: u64) -> Vec<u64> {
    let mut sampler = Sampler::new(model, config).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut counts = vec![0u64; model.vocab().len()];
    for _ in 0..DRAWS {
        let (w, _) = sampler.next_word(&mut rng, ctx).unwrap();
        counts[w as usize] += 1;
    }
    counts
}

const CONTEXTS: [&str; 4] = ["", "The", "of the", "The jury"];

fn smoothings() -> Vec<Smoothing> {
    vec![
        Smoothing::Mle,
        Smoothing::AddK { k: 0.1 },
        Smoothing::WittenBell,
        Smoothing::AbsoluteDiscount { discount: None },
        Smoothing::KneserNey { discount: None },
        Smoothing::ModifiedKneserNey,
        Smoothing::StupidBackoff { alpha: 0.4 },
    ]
}

#[test]
fn next_token_matches_the_model_for_every_smoothing() {
    let keep = SampleConfig { unk: UnkPolicy::Keep, ..SampleConfig::default() };
    for (i, sm) in smoothings().into_iter().enumerate() {
        let m = model(sm, 3);
        let mut contexts: Vec<(String, State)> =
            CONTEXTS.iter().map(|c| (format!("<s> {c}"), state_after(&m, c))).collect();
        contexts.push(("(empty)".into(), State::EMPTY));
        for (j, (name, ctx)) in contexts.into_iter().enumerate() {
            // Stupid backoff samples its scores normalized per context.
            let expected = normalized(naive(&m, ctx));
            let observed = draws(&m, &keep, ctx, 1000 + 10 * i as u64 + j as u64);
            chi_square(&format!("{sm} after '{name}'"), &observed, &expected);
        }
    }
}

/// First words after `<s> words` drawn by `Sampler::sentences` (the lanes of
/// `sample_corpus`): sentences that continue `words` by one word at most,
/// counted per word (`</s>` for a sentence that ended).
fn batched_draws(model: &Model, config: &SampleConfig, words: &str, seed: u64) -> Vec<u64> {
    let prefix: Vec<TokenId> =
        words.split(' ').filter(|w| !w.is_empty()).map(|w| model.vocab().get(w).unwrap()).collect();
    let config = SampleConfig { max_len: prefix.len() + 1, ..config.clone() };
    let mut sampler = Sampler::new(model, &config).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Corpus::new();
    sampler.sentences(&mut rng, DRAWS, |_| &prefix, &mut out).unwrap();
    let mut counts = vec![0u64; model.vocab().len()];
    for s in out.sentences() {
        assert_eq!(&s[..prefix.len()], &prefix[..]);
        counts[s.get(prefix.len()).copied().unwrap_or(EOS) as usize] += 1;
    }
    counts
}

#[test]
fn batched_sentences_draw_exactly() {
    // The lanes draw ahead and replay words to the one-sentence code where a
    // context needs rejection: every smoothing, `<unk>` kept or resampled, a
    // non-interpolated ARPA file, from contexts of every order.
    let keep = SampleConfig { unk: UnkPolicy::Keep, ..SampleConfig::default() };
    for (i, sm) in smoothings().into_iter().enumerate() {
        let m = model(sm, 3);
        for (j, c) in CONTEXTS.iter().enumerate() {
            let expected = normalized(naive(&m, state_after(&m, c)));
            let observed = batched_draws(&m, &keep, c, 9000 + 10 * i as u64 + j as u64);
            chi_square(&format!("{sm} after '<s> {c}', batched"), &observed, &expected);
        }
    }
    let m = model(Smoothing::ModifiedKneserNey, 4);
    let resample = SampleConfig::default();
    for (j, c) in ["of the", "The jury said"].iter().enumerate() {
        let expected = naive_transform(&resample, naive(&m, state_after(&m, c)));
        let observed = batched_draws(&m, &resample, c, 9100 + j as u64);
        chi_square(&format!("order 4 after '<s> {c}', resampled, batched"), &observed, &expected);
    }
    for (j, c) in ["of the", "The jury"].iter().enumerate() {
        check_pairs(&m, c, 30, 9150 + j as u64);
    }
    check_pairs(&model(Smoothing::ModifiedKneserNey, 3), "of the", 30, 9160);
    let m = Model::read_arpa(FOREIGN_ARPA.as_bytes(), 2).unwrap();
    for (j, c) in ["", "a", "b"].iter().enumerate() {
        let expected = normalized(naive(&m, state_after(&m, c)));
        let observed = batched_draws(&m, &keep, c, 9200 + j as u64);
        chi_square(&format!("foreign arpa after '<s> {c}', batched"), &observed, &expected);
    }
    check_pairs(&m, "", 3, 9210);
}

/// The first two words after `<s> words` drawn by `Sampler::sentences`
/// against `p(w1|c) p(w2|c w1)`, for the `top` most probable `w1` (not
/// `</s>`) and every `w2` (`</s>` included), the rest pooled: checks the
/// state that the lanes reach after each draw.
fn check_pairs(model: &Model, words: &str, top: usize, seed: u64) {
    let prefix: Vec<TokenId> =
        words.split(' ').filter(|w| !w.is_empty()).map(|w| model.vocab().get(w).unwrap()).collect();
    let config = SampleConfig { max_len: prefix.len() + 2, unk: UnkPolicy::Keep, ..SampleConfig::default() };
    let ctx = state_after(model, words);
    // Normalized per context, for models that are not (a foreign ARPA file).
    let p1 = normalized(naive(model, ctx));
    let mut firsts: Vec<usize> = (0..p1.len()).filter(|&w| w != EOS as usize && p1[w] > 0.0).collect();
    firsts.sort_by(|&a, &b| p1[b].total_cmp(&p1[a]).then(a.cmp(&b)));
    firsts.truncate(top);
    let v = p1.len();
    let mut expected = vec![0.0; top * v + 1];
    let mut rank = vec![usize::MAX; v];
    for (r, &w1) in firsts.iter().enumerate() {
        rank[w1] = r;
        let p2 = normalized(naive(model, model.prob(ctx, w1 as TokenId).1));
        for (w2, &q) in p2.iter().enumerate() {
            expected[r * v + w2] = p1[w1] * q;
        }
    }
    expected[top * v] = 1.0 - firsts.iter().map(|&w| p1[w]).sum::<f64>();
    let mut sampler = Sampler::new(model, &config).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Corpus::new();
    sampler.sentences(&mut rng, DRAWS, |_| &prefix, &mut out).unwrap();
    let mut observed = vec![0u64; expected.len()];
    let n = prefix.len();
    for s in out.sentences() {
        let w1 = s.get(n).map_or(EOS as usize, |&w| w as usize);
        let w2 = s.get(n + 1).map_or(EOS as usize, |&w| w as usize);
        let i = if w1 == EOS as usize || rank[w1] == usize::MAX { top * v } else { rank[w1] * v + w2 };
        observed[i] += 1;
    }
    chi_square(&format!("pairs after '<s> {words}', batched"), &observed, &expected);
}

/// A non-interpolated backoff model: lower-order probabilities larger than
/// the higher-order ones make u(w|c) negative, so the sampler must reject.
const FOREIGN_ARPA: &str = "\\data\\\nngram 1=6\nngram 2=4\n\n\\1-grams:\n-1.0\t<unk>\n0\t<s>\t-0.2\n\
    -0.5\t</s>\n-0.4\ta\t-0.3\n-0.6\tb\t-0.1\n-1.2\tc\n\n\\2-grams:\n-0.3\t<s> a\n\
    -0.9\t<s> b\n-0.2\ta b\n-0.7\ta c\n\n\\end\\\n";

#[test]
fn foreign_backoff_arpa_is_sampled_exactly() {
    let m = Model::read_arpa(FOREIGN_ARPA.as_bytes(), 2).unwrap();
    let keep = SampleConfig { unk: UnkPolicy::Keep, ..SampleConfig::default() };
    for (j, words) in ["", "a", "b"].iter().enumerate() {
        let ctx = state_after(&m, words);
        let expected = normalized(naive(&m, ctx));
        chi_square(
            &format!("foreign arpa after '{words}'"),
            &draws(&m, &keep, ctx, 77 + j as u64),
            &expected,
        );
    }
}

#[test]
fn decoding_knobs_match_the_transformed_distribution() {
    let m = model(Smoothing::ModifiedKneserNey, 3);
    let configs = [
        SampleConfig { temperature: 0.7, ..SampleConfig::default() },
        SampleConfig { temperature: 1.5, ..SampleConfig::default() },
        SampleConfig { top_k: Some(20), ..SampleConfig::default() },
        SampleConfig { top_p: Some(0.9), ..SampleConfig::default() },
        SampleConfig { min_p: Some(0.05), ..SampleConfig::default() },
        SampleConfig {
            temperature: 1.3,
            top_k: Some(200),
            top_p: Some(0.8),
            min_p: Some(0.01),
            ..SampleConfig::default()
        },
        // Resample alone: p(. | c, w != <unk>).
        SampleConfig::default(),
    ];
    for (i, config) in configs.iter().enumerate() {
        for (j, c) in CONTEXTS.iter().take(3).enumerate() {
            let ctx = state_after(&m, c);
            let expected = naive_transform(config, naive(&m, ctx));
            let observed = draws(&m, config, ctx, 5000 + 10 * i as u64 + j as u64);
            chi_square(&format!("{config:?} after '<s> {c}'"), &observed, &expected);
        }
    }
}

#[test]
fn greedy_takes_the_most_probable_word() {
    let m = model(Smoothing::WittenBell, 3);
    let config = SampleConfig { greedy: true, temperature: 3.0, ..SampleConfig::default() };
    let mut sampler = Sampler::new(&m, &config).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for c in CONTEXTS {
        let ctx = state_after(&m, c);
        let mut p = naive(&m, ctx);
        p[UNK as usize] = 0.0;
        let best = (0..p.len()).max_by(|&a, &b| p[a].total_cmp(&p[b]).then(b.cmp(&a))).unwrap();
        for _ in 0..10 {
            assert_eq!(sampler.next_word(&mut rng, ctx).unwrap().0, best as TokenId, "after '{c}'");
        }
    }
}

/// Whole sentences: for an exact sampler, sum_t [log p(w_t|h_t) + H(p(.|h_t))]
/// has mean 0 (a sum of martingale differences), so the mean log10
/// probability of sampled sentences equals the expected value given by the
/// entropies of the contexts they visit. A sampler that favours observed
/// successors scores its sentences too high and fails.
#[test]
fn sentence_log_probability_matches_its_expectation() {
    let m = model(Smoothing::ModifiedKneserNey, 3);
    let config = SampleConfig { unk: UnkPolicy::Keep, max_len: 1000, ..SampleConfig::default() };
    let (corpus, stats) = sample_corpus(&m, &config, Budget::Sentences(400), 42, 1).unwrap();
    assert_eq!(stats.max_len_hits, 0);
    let mut entropy: HashMap<State, f64> = HashMap::new();
    let mut diffs = Vec::new();
    for s in corpus.sentences() {
        let score = m.score_sentence(s).log10_prob;
        let mut neg_entropy = 0.0;
        let mut ctx = m.begin_sentence();
        for &w in s.iter().chain([EOS].iter()) {
            neg_entropy += *entropy.entry(ctx).or_insert_with(|| {
                naive(&m, ctx).iter().filter(|&&p| p > 0.0).map(|&p| p * p.log10()).sum::<f64>()
            });
            ctx = m.prob(ctx, w).1;
        }
        diffs.push(score - neg_entropy);
    }
    let n = diffs.len() as f64;
    let mean = diffs.iter().sum::<f64>() / n;
    let sd = (diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    assert!(mean.abs() < 4.0 * sd / n.sqrt(), "mean difference {mean} (sd {sd}, n {n})");
}

#[test]
fn output_does_not_depend_on_threads() {
    let m = model(Smoothing::ModifiedKneserNey, 3);
    let top_p = SampleConfig { top_p: Some(0.9), ..SampleConfig::default() };
    for (config, size) in [(SampleConfig::default(), 1000), (top_p, 300)] {
        for budget in [Budget::Sentences(size), Budget::Tokens(7 * size)] {
            let (one, s1) = sample_corpus(&m, &config, budget, 9, 1).unwrap();
            for threads in [2, 3] {
                let (many, s2) = sample_corpus(&m, &config, budget, 9, threads).unwrap();
                assert_eq!(one.ids(), many.ids(), "{budget:?} with {threads} threads");
                assert_eq!(one.n_sentences(), many.n_sentences());
                assert_eq!(s1, s2);
            }
            let (other, _) = sample_corpus(&m, &config, budget, 10, 2).unwrap();
            assert_ne!(one.ids(), other.ids(), "another seed gives another corpus");
        }
    }
}

#[test]
fn a_cancelled_token_stops_sampling_and_an_armed_one_changes_nothing() {
    let m = model(Smoothing::ModifiedKneserNey, 3);
    let plain = SampleConfig::default();
    let armed = SampleConfig { cancel: Cancel::new(), ..SampleConfig::default() };
    assert_eq!(plain, armed, "a token does not change the configuration");
    let budget = Budget::Tokens(5000);
    let (want, _) = sample_corpus(&m, &plain, budget, 4, 2).unwrap();
    let (got, _) = sample_corpus(&m, &armed, budget, 4, 2).unwrap();
    assert_eq!(want.ids(), got.ids(), "an armed token that is never cancelled changes no byte");
    // Cancelled from another thread while a budget of minutes is being drawn:
    // the call fails with `Cancelled` within a chunk's time per thread.
    for threads in [1, 2] {
        let config = SampleConfig { cancel: Cancel::new(), ..SampleConfig::default() };
        let token = config.cancel.clone();
        let start = std::time::Instant::now();
        let result = std::thread::scope(|s| {
            s.spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(100));
                token.cancel();
            });
            sample_corpus(&m, &config, Budget::Tokens(1 << 40), 1, threads)
        });
        assert!(matches!(result, Err(Error::Cancelled)), "{threads} threads: {:?}", result.map(|r| r.1));
        assert!(start.elapsed().as_secs_f64() < 10.0, "{threads} threads: {:?}", start.elapsed());
    }
    let prompts = sample_corpus(&m, &plain, Budget::Sentences(10), 1, 1).unwrap().0;
    armed.cancel.cancel();
    let e = sample_continuations(&m, &armed, &prompts, 1, 1, 1).unwrap_err();
    assert!(matches!(e, Error::Cancelled), "{e}");
}

#[test]
fn budgets_are_met() {
    let m = model(Smoothing::WittenBell, 2);
    let config = SampleConfig::default();
    let (c, s) = sample_corpus(&m, &config, Budget::Sentences(300), 1, 2).unwrap();
    assert_eq!((c.n_sentences(), s.sentences, s.tokens), (300, 300, c.n_tokens()));
    let (c, s) = sample_corpus(&m, &config, Budget::Tokens(5000), 1, 2).unwrap();
    let last = c.sentence(c.n_sentences() - 1).len();
    assert!(c.n_tokens() >= 5000 && c.n_tokens() - last < 5000, "{} tokens", c.n_tokens());
    assert_eq!(s.tokens, c.n_tokens());
    assert!(c.ids().iter().all(|&w| w != BOS && w != EOS && w != UNK));
    let (c, _) = sample_corpus(&m, &config, Budget::Tokens(0), 1, 2).unwrap();
    assert_eq!(c.n_sentences(), 0);
}

#[test]
fn max_len_and_unk_policies() {
    let m = model(Smoothing::ModifiedKneserNey, 3);
    let short = SampleConfig { max_len: 3, ..SampleConfig::default() };
    let (c, s) = sample_corpus(&m, &short, Budget::Sentences(500), 3, 1).unwrap();
    assert!(c.sentences().all(|s| s.len() <= 3));
    assert_eq!(s.max_len_hits, c.sentences().filter(|s| s.len() == 3).count());
    assert!(s.max_len_hits > 100);

    // p(<unk>) comes from the uniform share; the empty context gives it the most.
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut unks = [0usize; 3];
    for (i, unk) in [UnkPolicy::Keep, UnkPolicy::Drop, UnkPolicy::Resample].into_iter().enumerate() {
        let mut sampler = Sampler::new(&m, &SampleConfig { unk, ..SampleConfig::default() }).unwrap();
        let mut out = Vec::new();
        for _ in 0..3000 {
            out.clear();
            sampler.sentence(&mut rng, &[UNK], &mut out).unwrap();
            unks[i] += out[1..].iter().filter(|&&w| w == UNK).count();
        }
        let st = sampler.stats();
        match unk {
            UnkPolicy::Keep => assert!(unks[i] > 0),
            UnkPolicy::Drop => assert!(unks[i] == 0 && st.unk_dropped > 0),
            UnkPolicy::Resample => assert!(unks[i] == 0 && st.unk_resampled > 0),
        }
    }
}

#[test]
fn prefixes_are_continued() {
    let m = model(Smoothing::KneserNey { discount: None }, 3);
    let (human, _) = brown();
    let mut prompts = Corpus::new();
    for s in human.sentences().take(600) {
        prompts.push(s);
    }
    let config = SampleConfig::default();
    let (c, s) = sample_continuations(&m, &config, &prompts, 4, 11, 2).unwrap();
    assert_eq!(c.n_sentences(), 600);
    assert_eq!(s.sentences, 600);
    for (out, p) in c.sentences().zip(prompts.sentences()) {
        let k = p.len().min(4);
        assert_eq!(&out[..k], &p[..k]);
    }
    let (again, _) = sample_continuations(&m, &config, &prompts, 4, 11, 1).unwrap();
    assert_eq!(c.ids(), again.ids());
}

#[test]
fn beam_search_finds_the_most_probable_sentences() {
    let mut vocab = Vocab::new();
    let mut corpus = Corpus::new();
    for line in ["a b", "a b", "a b", "a c", "a c d"] {
        let ids: Vec<TokenId> = line.split(' ').map(|w| vocab.get_or_insert(w)).collect();
        corpus.push(&ids);
    }
    let mut counts = NgramCounts::new(2).unwrap();
    counts.add_corpus(&corpus, 2);
    let m = estimate(&counts, &vocab, &EstimateConfig::new(Smoothing::Mle).unwrap(), 2).unwrap();
    let best = beam_search(&m, &[], 3, 10).unwrap();
    let text: Vec<String> =
        best.iter().map(|h| h.words.iter().map(|&w| vocab.token(w)).collect::<Vec<_>>().join(" ")).collect();
    assert_eq!(text, ["a b", "a c", "a c d"]);
    for h in &best {
        assert_eq!(h.ending, Ending::Eos);
        assert!((h.log10_prob - m.score_sentence(&h.words).log10_prob).abs() < 1e-12);
    }
    // The sum of f32 log10 values (each rounded once, half an ulp: 3e-8 below 1).
    assert!((best[0].log10_prob - 0.6f64.log10()).abs() < 1e-7);
    let forced = beam_search(&m, &[vocab.get("a").unwrap()], 1, 1).unwrap();
    assert_eq!(forced[0].ending, Ending::MaxLen);
}

#[test]
fn bad_configs_are_refused_with_their_value() {
    let m = model(Smoothing::WittenBell, 2);
    let check = |config: SampleConfig, want: &str| match Sampler::new(&m, &config) {
        Ok(_) => panic!("{config:?} was accepted"),
        Err(e) => {
            assert!(matches!(e, nglab_lm::Error::Config(_)), "{e:?}");
            assert!(e.to_string().contains(want), "'{e}' does not contain '{want}'");
        }
    };
    let d = SampleConfig::default;
    check(SampleConfig { temperature: 0.0, ..d() }, "temperature must be finite and > 0, got 0");
    check(SampleConfig { temperature: -1.0, ..d() }, "got -1");
    check(SampleConfig { temperature: f64::NAN, ..d() }, "got NaN");
    check(SampleConfig { temperature: f64::INFINITY, ..d() }, "got inf");
    check(SampleConfig { top_p: Some(0.0), ..d() }, "top-p must be in (0, 1], got 0");
    check(SampleConfig { top_p: Some(1.5), ..d() }, "got 1.5");
    check(SampleConfig { top_k: Some(0), ..d() }, "top-k must be >= 1, got 0");
    check(SampleConfig { min_p: Some(1.0), ..d() }, "min-p must be in [0, 1), got 1");
    check(SampleConfig { min_p: Some(-0.1), ..d() }, "got -0.1");
    check(SampleConfig { max_len: 0, ..d() }, "max-len must be >= 1, got 0");

    let mut sampler = Sampler::new(&m, &SampleConfig { max_len: 2, ..d() }).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let the = m.vocab().get("the").unwrap();
    let err = sampler.sentence(&mut rng, &[the, the, the], &mut Vec::new()).unwrap_err();
    assert_eq!(err.to_string(), "prefix of 3 tokens is longer than max-len 2");
    let err = sampler.sentence(&mut rng, &[BOS], &mut Vec::new()).unwrap_err();
    assert!(err.to_string().contains("prefix token id 1"), "{err}");
    assert!(beam_search(&m, &[], 0, 5).unwrap_err().to_string().contains("beam width must be >= 1, got 0"));
}

/// Chi-square checks of each of `knobs` with both `<unk>` policies after
/// contexts of orders 2 and 3 MKN models whose cut stays within the own
/// successors or crosses into the bigram and unigram bands; one combination
/// (knob `i`, policy `u`, context `j`) in `every` is checked.
fn check_bands(knobs: &[SampleConfig], every: usize, seed_base: u64) {
    for order in [2, 3] {
        let m = model(Smoothing::ModifiedKneserNey, order);
        let contexts = ["", "The", "of the", "The jury", "said", "jury said"];
        for (i, knob) in knobs.iter().enumerate() {
            for (u, unk) in [UnkPolicy::Resample, UnkPolicy::Keep].into_iter().enumerate() {
                let config = SampleConfig { unk, ..knob.clone() };
                for (j, c) in contexts.iter().enumerate() {
                    if (i + j + u) % every != 0 {
                        continue;
                    }
                    let ctx = state_after(&m, c);
                    let expected = naive_transform(&config, naive(&m, ctx));
                    let seed = seed_base + 1000 * order as u64 + 100 * i as u64 + 10 * u as u64 + j as u64;
                    let observed = draws(&m, &config, ctx, seed);
                    chi_square(&format!("order {order} {config:?} after '<s> {c}'"), &observed, &expected);
                }
            }
        }
    }
}

#[test]
fn top_p_alone_matches_where_the_nucleus_reaches_into_backoff() {
    // Top-p alone is drawn from sorted bands (own successors, then each
    // shorter context's) without the full distribution: check contexts whose
    // nucleus stays within the own successors, crosses into the bigram band
    // and into the unigram band (rare contexts, high top-p), with and
    // without `<unk>`.
    let knobs: Vec<SampleConfig> =
        [0.3, 0.9, 0.995].map(|p| SampleConfig { top_p: Some(p), ..SampleConfig::default() }).into();
    check_bands(&knobs, 2, 9000);
}

#[test]
fn top_k_and_min_p_match_where_the_cut_reaches_into_backoff() {
    // Top-k and min-p (alone, together and with top-p) at temperature 1 are
    // drawn from the same sorted bands as top-p: small k / large min-p keep
    // the cut within the own successors, large k / small min-p cross into the
    // bigram and unigram bands of rare contexts.
    let knobs = [
        SampleConfig { top_k: Some(3), ..SampleConfig::default() },
        SampleConfig { top_k: Some(60), ..SampleConfig::default() },
        SampleConfig { top_k: Some(2000), ..SampleConfig::default() },
        SampleConfig { min_p: Some(0.3), ..SampleConfig::default() },
        SampleConfig { min_p: Some(0.02), ..SampleConfig::default() },
        SampleConfig { min_p: Some(0.0005), ..SampleConfig::default() },
        SampleConfig { top_k: Some(500), top_p: Some(0.95), min_p: Some(0.001), ..SampleConfig::default() },
        SampleConfig { top_k: Some(40), top_p: Some(0.7), ..SampleConfig::default() },
    ];
    check_bands(&knobs, 3, 20_000);
}

#[test]
fn temperature_alone_matches_with_tempered_normalisers() {
    // Temperature alone draws from per-context tempered normalisers: an own
    // successor, or the shorter context's tempered distribution without the
    // own successors (by rejection). Below and above 1.
    let knobs = [0.4, 0.7, 1.6].map(|t| SampleConfig { temperature: t, ..SampleConfig::default() });
    check_bands(&knobs, 3, 40_000);
}

#[test]
fn temperature_with_truncation_matches_across_backoff_bands() {
    // Temperature with top-k, top-p or min-p is drawn from the sorted bands
    // with tempered cumulative weights: the cut is found on the tempered
    // masses (top-p) or at `min_p^T` of the best word (min-p); below and
    // above 1, with cuts within the own successors and into the backoff bands.
    let d = SampleConfig::default;
    let knobs = [
        SampleConfig { temperature: 0.7, top_p: Some(0.9), ..d() },
        SampleConfig { temperature: 1.6, top_p: Some(0.95), ..d() },
        SampleConfig { temperature: 0.5, top_k: Some(60), ..d() },
        SampleConfig { temperature: 1.4, top_k: Some(2000), ..d() },
        SampleConfig { temperature: 0.6, min_p: Some(0.05), ..d() },
        SampleConfig { temperature: 1.5, min_p: Some(0.01), ..d() },
        SampleConfig { temperature: 1.2, top_k: Some(300), top_p: Some(0.8), min_p: Some(0.002), ..d() },
    ];
    check_bands(&knobs, 3, 60_000);
}

#[test]
fn greedy_is_the_first_word_of_the_bands() {
    // Greedy from the sorted bands: the most probable word over the whole
    // vocabulary (the smaller id on a tie), `<unk>` excluded under resample,
    // whatever the temperature and truncation; in contexts whose best word
    // comes from a backoff band.
    for order in [2, 3] {
        let m = model(Smoothing::ModifiedKneserNey, order);
        for (t, unk) in [(1.0, UnkPolicy::Resample), (0.3, UnkPolicy::Keep), (2.5, UnkPolicy::Resample)] {
            let config = SampleConfig {
                greedy: true,
                temperature: t,
                unk,
                top_p: Some(0.5),
                ..SampleConfig::default()
            };
            let mut sampler = Sampler::new(&m, &config).unwrap();
            let mut rng = ChaCha8Rng::seed_from_u64(3);
            for c in ["", "The", "of the", "The jury", "said", "jury said"] {
                let ctx = state_after(&m, c);
                let mut p = naive(&m, ctx);
                if unk == UnkPolicy::Resample {
                    p[UNK as usize] = 0.0;
                }
                let best = (0..p.len()).max_by(|&a, &b| p[a].total_cmp(&p[b]).then(b.cmp(&a))).unwrap();
                assert_eq!(
                    sampler.next_word(&mut rng, ctx).unwrap().0,
                    best as TokenId,
                    "order {order} after '{c}'"
                );
            }
        }
    }
}
