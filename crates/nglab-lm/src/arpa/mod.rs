//! ARPA reading and writing.
//!
//! Written as KenLM's `lmplz` writes it: log10 values as shortest round-trip
//! f32 numbers, `<s>` with log-probability 0, a backoff column on every order
//! but the highest (0 where the n-gram is no context), n-grams of each order in
//! suffix order (sorted by last word, then the word before, ...). A model that
//! is not plain interpolated adds one `# nglab: smoothing=...` line before
//! `\data\`, and a model that knows its tokenizer a `# nglab: tokenizer=...`
//! line (KenLM's `query` and `build_binary` skip lines starting with `#`
//! there). Reading accepts KenLM's and SRILM's files (`-99` for `<s>`, any
//! text before `\data\`, n-grams in any order), streaming, and is fastest on
//! files in suffix order.

mod read;
mod write;

use std::io::{BufRead, Write};

use nglab_tokenizer::TokenizerSpec;

use crate::model::Model;
use crate::Result;

const HEADER_TAG: &str = "# nglab: smoothing=";
/// The header line naming the model's tokenizer (`ModelInfo::tokenizer`).
const TOKENIZER_TAG: &str = "# nglab: tokenizer=";

impl Model {
    /// Writes the model as ARPA, on `threads` threads (0 counts as 1; the
    /// bytes do not depend on it).
    pub fn write_arpa(&self, out: impl Write, threads: usize) -> Result<()> {
        self.write_arpa_on(out, threads.max(1))
    }

    /// [`Model::write_arpa`] of a model no longer needed: the same bytes,
    /// with each order's arrays freed as soon as its lines are planned (the
    /// peak of `nglab train` is the lower for it).
    pub fn write_arpa_owned(self, out: impl Write, threads: usize) -> Result<()> {
        self.write_arpa_owned_on(out, threads.max(1))
    }

    /// [`Model::write_arpa`] naming `tokenizer` in the header in place of the
    /// model's own tokenizer: the bytes `model.clone().with_tokenizer(tokenizer)`
    /// writes, without the copy (what `nglab train` records depends on where
    /// the model is saved).
    pub fn write_arpa_with_tokenizer(
        &self,
        out: impl Write,
        threads: usize,
        tokenizer: &TokenizerSpec,
    ) -> Result<()> {
        self.write_arpa_recording(out, threads.max(1), Some(tokenizer))
    }

    /// Reads an ARPA model (KenLM or SRILM), streaming, on `threads` threads
    /// (0 counts as 1; the model and any error do not depend on it).
    pub fn read_arpa(input: impl BufRead, threads: usize) -> Result<Model> {
        read::ArpaReader::new(input).read(threads.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::read::{ArpaReader, READ_BATCH};
    use super::write::push_f32;
    use super::*;
    use crate::smoothing::Smoothing;
    use crate::Error;
    use nglab_tokenizer::{TokenId, Vocab};

    const GOOD: &str = "\\data\\\nngram 1=4\nngram 2=2\n\n\\1-grams:\n-1.0\t<unk>\t0\n0\t<s>\t-0.5\n\
                        -0.5\t</s>\t0\n-0.4\ta\t-0.3\n\n\\2-grams:\n-0.2\t<s> a\n-0.1\ta </s>\n\n\\end\\\n";

    /// Reads `text`; `expect` is `Ok(n-gram total)` or `Err((line, message part))`.
    fn check(text: &str, expect: Result<usize, (u64, &str)>) {
        match (Model::read_arpa(text.as_bytes(), 2), expect) {
            (Ok(m), Ok(n)) => assert_eq!(m.n_grams_total(), n),
            (Err(Error::Arpa { line, msg }), Err((want_line, want))) => {
                assert!(msg.contains(want), "line {line}: {msg}, wanted '{want}'");
                assert_eq!(line, want_line, "{msg}");
            }
            (got, want) => panic!("got {got:?}, wanted {want:?}"),
        }
    }

    #[test]
    fn f32_formatting_matches_display() {
        let mut buf = zmij::Buffer::new();
        let mut check = |f: f32| {
            let mut out = Vec::new();
            push_f32(&mut out, f, &mut buf);
            assert_eq!(String::from_utf8(out).unwrap(), format!("{f}"), "bits {:#x}", f.to_bits());
        };
        for f in [0.0, -0.0, 1.0, -2.0, 10.0, 0.5, -0.25, 1e-7, -1.2e-6, 123456.7, 1e15, 1e16, 3e38, 1e-45] {
            check(f);
        }
        // Every exponent, many mantissas (a fixed LCG over the bit patterns).
        let mut x = 0x1234_5678u32;
        for _ in 0..400_000 {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let f = f32::from_bits(x);
            if f.is_finite() {
                check(f);
            }
            // and as often in ARPA's range, [-100, 0]
            check(-100.0 * (x >> 8) as f32 / (1u32 << 24) as f32);
        }
    }

    #[test]
    fn reads_good_and_srilm_files() {
        check(GOOD, Ok(6));
        // SRILM: text before \data\, -99 for <s>, space separators.
        let srilm = GOOD.replace("0\t<s>\t-0.5", "-99 <s> -0.5");
        check(&format!("written by hand\n\n{srilm}"), Ok(6));
        // A model without <unk> gets one, as KenLM does.
        let no_unk = GOOD.replace("ngram 1=4", "ngram 1=3").replace("-1.0\t<unk>\t0\n", "");
        check(&no_unk, Ok(6));
    }

    /// A model read back from the ARPA file it wrote is the model in memory,
    /// bit for bit: the file prints the stored f32 values, `<s>`'s 0 and the
    /// missing backoffs aside, which the reader restores.
    #[test]
    fn reading_what_was_written_gives_the_same_model() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/data/kenlm/brown-2k.train.txt");
        let text = std::fs::read_to_string(path).unwrap();
        let mut vocab = Vocab::new();
        let mut corpus = nglab_tokenizer::Corpus::new();
        for line in text.lines().take(600) {
            let ids: Vec<TokenId> =
                line.split(' ').filter(|w| !w.is_empty()).map(|w| vocab.get_or_insert(w)).collect();
            corpus.push(&ids);
        }
        // A fixed vocabulary larger than the text's (words with the uniform floor only).
        for k in 0..5 {
            vocab.get_or_insert(&format!("unseen{k}"));
        }
        let smoothings = [
            Smoothing::ModifiedKneserNey,
            Smoothing::WittenBell,
            Smoothing::AddK { k: 0.5 },
            Smoothing::StupidBackoff { alpha: 0.4 },
            Smoothing::Mle,
        ];
        for order in [1, 2, 3, 5] {
            let mut counts = crate::NgramCounts::new(order).unwrap();
            counts.add_corpus(&corpus, 2);
            for sm in smoothings {
                let config = crate::EstimateConfig::new(sm).unwrap();
                let model = crate::estimate(&counts, &vocab, &config, 2).unwrap();
                let mut arpa = Vec::new();
                model.write_arpa(&mut arpa, 2).unwrap();
                let back = Model::read_arpa(&arpa[..], 2).unwrap();
                assert_eq!(back.vocab.tokens(), model.vocab.tokens());
                assert_eq!(back.levels.len(), order);
                for (n, (a, b)) in model.levels.iter().zip(&back.levels).enumerate() {
                    let what = format!("{sm} order {order}, {}-grams", n + 1);
                    assert!(a.prefix == b.prefix && a.word == b.word && a.suffix == b.suffix, "{what}");
                    assert!(a.child_start == b.child_start, "{what}");
                    for (x, y, name) in [
                        (&a.log_prob, &b.log_prob, "probability"),
                        (&a.log_backoff, &b.log_backoff, "backoff"),
                    ] {
                        assert_eq!(x.len(), y.len(), "{what}: {name}s");
                        let differ = x.iter().zip(y.iter()).position(|(p, q)| p.to_bits() != q.to_bits());
                        assert!(
                            differ.is_none(),
                            "{what}: {name} of n-gram {differ:?}: {x:?} vs {y:?}",
                            x = differ.map(|i| x[i]),
                            y = differ.map(|i| y[i])
                        );
                    }
                }
            }
        }
    }

    /// A model's tokenizer is one header line, read back as written; a
    /// malformed one is an error at its line.
    #[test]
    fn the_tokenizer_travels_in_the_header() {
        let model = Model::read_arpa(GOOD.as_bytes(), 2).unwrap();
        assert_eq!(model.info().tokenizer, None);
        for spec in ["words:lower,nfc", "bpe-file:m.tokenizer.json"] {
            let model = Model::read_arpa(GOOD.as_bytes(), 2).unwrap().with_tokenizer(spec.parse().unwrap());
            let mut out = Vec::new();
            model.write_arpa(&mut out, 2).unwrap();
            let text = String::from_utf8(out).unwrap();
            assert!(text.starts_with(&format!("# nglab: tokenizer={spec}\n\\data\\\n")), "{text}");
            let again = Model::read_arpa(text.as_bytes(), 2).unwrap();
            assert_eq!(again.info().tokenizer, Some(spec.parse().unwrap()));
            // Naming it when writing, without copying the model, writes the same bytes,
            // whatever tokenizer the model had.
            for base in [
                Model::read_arpa(GOOD.as_bytes(), 2).unwrap(),
                again.with_tokenizer("chars".parse().unwrap()),
            ] {
                let mut named = Vec::new();
                base.write_arpa_with_tokenizer(&mut named, 2, &spec.parse().unwrap()).unwrap();
                assert_eq!(String::from_utf8(named).unwrap(), text);
            }
        }
        check(&format!("# nglab: tokenizer=wrds\n{GOOD}"), Err((1, "unknown tokenizer \"wrds\"")));
    }

    /// Writing and reading give the same bytes, models and errors on any
    /// number of threads.
    #[test]
    fn thread_count_changes_nothing() {
        let (model, text) = many_batches_model();
        let write = |threads| {
            let mut out = Vec::new();
            model.write_arpa_on(&mut out, threads).unwrap();
            out
        };
        assert_eq!(write(1), text.as_bytes());
        assert_eq!(write(3), text.as_bytes());
        // A model written as it is freed: the same bytes.
        for threads in [1, 2, 3] {
            let mut out = Vec::new();
            model.clone().write_arpa_owned_on(&mut out, threads).unwrap();
            assert_eq!(out, text.as_bytes(), "owned, {threads} threads");
        }
        let read = |text: &str, threads| ArpaReader::new(text.as_bytes()).read(threads);
        let again = |m: Model| {
            let mut out = Vec::new();
            m.write_arpa_on(&mut out, 1).unwrap();
            out
        };
        for threads in [1, 2, 3] {
            assert_eq!(again(read(&text, threads).unwrap()), text.as_bytes(), "{threads} threads");
        }
        // Two bad lines late in the file: the first one is named.
        let mut lines: Vec<&str> = text.lines().collect();
        let at = lines.len() * 4 / 5;
        lines[at] = "-1\tnope w1 w2";
        lines[at + 7] = "x\tw1 w2 w3";
        let bad = lines.join("\n") + "\n";
        let errors: Vec<String> = [1, 2, 3].iter().map(|&t| read(&bad, t).unwrap_err().to_string()).collect();
        let want = format!("arpa line {}: word 'nope' has no unigram", at + 1);
        assert!(errors.iter().all(|e| *e == want), "{errors:?}");
    }

    /// A trigram model whose ARPA text spans many read batches, and the text.
    #[test]
    fn a_failing_writer_stops_writing() {
        /// Takes `left` bytes, then fails.
        struct Full {
            left: usize,
        }
        impl Write for Full {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                if self.left == 0 {
                    return Err(std::io::Error::other("disk full"));
                }
                let n = buf.len().min(self.left);
                self.left -= n;
                Ok(n)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let (model, text) = many_batches_model();
        for left in [0, 100, text.len() / 3, text.len() - 1] {
            for threads in [1, 2] {
                let err = model.write_arpa_on(Full { left }, threads).unwrap_err();
                assert!(err.to_string().contains("disk full"), "{left} bytes, {threads} threads: {err}");
                let err = model.clone().write_arpa_owned_on(Full { left }, threads).unwrap_err();
                assert!(
                    err.to_string().contains("disk full"),
                    "owned, {left} bytes, {threads} threads: {err}"
                );
            }
        }
    }

    fn many_batches_model() -> (Model, String) {
        use nglab_tokenizer::Corpus;
        let mut vocab = Vocab::new();
        let mut corpus = Corpus::new();
        for k in 0..300u32 {
            let ids: Vec<TokenId> =
                (0..6).map(|j| vocab.get_or_insert(&format!("w{}", (k * 7 + j * 13) % 97))).collect();
            corpus.push(&ids);
        }
        let mut counts = crate::NgramCounts::new(3).unwrap();
        counts.add_corpus(&corpus, 2);
        let config = crate::EstimateConfig::new(Smoothing::WittenBell).unwrap();
        let model = crate::estimate(&counts, &vocab, &config, 2).unwrap();
        let mut arpa = Vec::new();
        model.write_arpa(&mut arpa, 2).unwrap();
        let text = String::from_utf8(arpa).unwrap();
        assert!(text.len() > 20 * READ_BATCH, "the file spans many batches");
        (model, text)
    }

    /// Errors deep in a file read in many batches and pieces name the line
    /// that a line-by-line reader would.
    #[test]
    fn errors_name_their_line_across_batches() {
        let (model, text) = many_batches_model();
        let lines: Vec<&str> = text.lines().collect();
        let trigrams = lines.iter().position(|l| *l == "\\3-grams:").unwrap();
        for at in [trigrams + 5, lines.len() - 40, lines.len() - 3] {
            for (bad, want) in [("x", "is not a number"), ("-1 nope w1 w2", "has no unigram")] {
                let mut copy = lines.clone();
                let replacement = if bad == "x" { lines[at].replacen('-', "x", 1) } else { bad.into() };
                copy[at] = &replacement;
                check(&(copy.join("\n") + "\n"), Err((at as u64 + 1, want)));
            }
            // A blank line before it shifts it by one.
            let mut copy = lines.clone();
            copy.insert(at - 1, "");
            copy[at + 1] = "-1 nope w1 w2";
            check(&(copy.join("\n") + "\n"), Err((at as u64 + 2, "has no unigram")));
        }
        check(&text, Ok(model.n_grams_total()));
    }

    /// Invalid UTF-8 at the start, inside or at the end of an n-gram line or
    /// a header fails that line, on any number of threads.
    #[test]
    fn invalid_utf8_names_its_line() {
        let (_, text) = many_batches_model();
        let lines: Vec<&[u8]> = text.lines().map(str::as_bytes).collect();
        let trigrams = lines.iter().position(|l| *l == b"\\3-grams:").unwrap();
        for at in [trigrams - 3, trigrams - 1, trigrams, trigrams + 5, lines.len() - 3] {
            for place in [0, 1, 4, usize::MAX] {
                let mut bad: Vec<Vec<u8>> = lines.iter().map(|l| l.to_vec()).collect();
                let p = place.min(bad[at].len());
                bad[at].insert(p, 0xff);
                let bad = bad.join(&b'\n');
                for threads in 1..=3 {
                    match ArpaReader::new(&bad[..]).read(threads) {
                        Err(Error::Arpa { line, msg }) => {
                            assert_eq!((line, msg.as_str()), (at as u64 + 1, "invalid UTF-8"), "at {at}:{p}")
                        }
                        other => panic!("at {at}:{p}: {other:?}"),
                    }
                }
            }
        }
    }

    /// Files in suffix order are linked by merges, others by sorting: the
    /// two give the same model.
    #[test]
    fn line_order_changes_nothing() {
        let (model, text) = many_batches_model();
        // Each section above the unigrams (whose order gives the ids) reversed.
        let mut reversed: Vec<&str> = Vec::new();
        let mut section: Vec<&str> = Vec::new();
        let mut in_ngrams = false;
        for l in text.lines() {
            if l.starts_with('\\') || l.is_empty() {
                reversed.extend(section.drain(..).rev());
                in_ngrams = l.ends_with("-grams:") && l != "\\1-grams:";
                reversed.push(l);
            } else if in_ngrams {
                section.push(l);
            } else {
                reversed.push(l);
            }
        }
        let reversed = reversed.join("\n") + "\n";
        assert_ne!(reversed, text);
        let (read, read_reversed) = (
            Model::read_arpa(text.as_bytes(), 2).unwrap(),
            Model::read_arpa(reversed.as_bytes(), 2).unwrap(),
        );
        for m in [&read, &read_reversed] {
            assert_eq!(m.vocab.tokens(), model.vocab.tokens());
            assert_eq!(m.levels.len(), model.levels.len());
        }
        for ((a, b), c) in read.levels.iter().zip(&read_reversed.levels).zip(&model.levels) {
            assert_eq!((&a.prefix, &a.word, &a.suffix), (&c.prefix, &c.word, &c.suffix));
            assert_eq!((&a.prefix, &a.word, &a.suffix), (&b.prefix, &b.word, &b.suffix));
            assert_eq!(
                (&a.log_prob, &a.log_backoff, &a.child_start),
                (&b.log_prob, &b.log_backoff, &b.child_start)
            );
        }
    }

    /// A trigram file in suffix order, whose errors are found by sorting.
    #[test]
    fn errors_in_suffix_ordered_files() {
        let sorted = "\\data\\\nngram 1=5\nngram 2=3\nngram 3=1\n\n\\1-grams:\n-1\t<unk>\n0\t<s>\t-1\n\
                      -1\t</s>\n-1\ta\t-1\n-1\tb\t-1\n\n\\2-grams:\n-1\t<s> a\t-1\n-1\tb a\n-1\ta b\t-1\n\n\
                      \\3-grams:\n-1\t<s> a b\n\n\\end\\\n";
        check(sorted, Ok(9));
        let more = |trigrams: &str, count: usize| {
            sorted.replace("ngram 3=1", &format!("ngram 3={count}")).replace("-1\t<s> a b\n", trigrams)
        };
        check(&more("-1\t<s> a a\n-1\t<s> a b\n", 2), Err((19, "has no suffix (a a)")));
        check(&more("-1\t<s> a b\n-1\t<s> a b\n", 2), Err((20, "duplicate 3-gram '<s> a b'")));
        check(&more("-1\t<s> a b\n-1\t</s> a b\n", 2), Err((20, "has no prefix (</s> a)")));
        check(&more("-1\t<s> a b\n-1\t<s> b b\n", 2), Err((20, "has no prefix (<s> b)")));
    }

    #[test]
    fn rejects_malformed_files() {
        check("", Err((0, "no \\data\\ section")));
        check(&GOOD.replace("ngram 2=2", "ngram 2=3"), Err((15, "2 2-grams where the header announced 3")));
        check(&GOOD.replace("ngram 1=4", "ngram 1=3"), Err((9, "more 1-grams than the 3 announced")));
        check(&GOOD.replace("-0.4\ta", "NaN\ta"), Err((9, "log10 probability is NaN")));
        check(&GOOD.replace("-0.4\ta", "0.4\ta"), Err((9, "positive log10 probability 0.4")));
        check(&GOOD.replace("-0.4\ta", "x\ta"), Err((9, "'x' is not a number")));
        check(&GOOD.replace("-0.1\ta </s>", "-0.1\tb </s>"), Err((13, "word 'b' has no unigram")));
        check(&GOOD.replace("\\2-grams:", "\\3-grams:"), Err((11, "expected '\\2-grams:'")));
        check(&GOOD[..GOOD.len() - 20], Err((12, "unexpected end of file")));
        check(&GOOD.replace("-0.2\t<s> a", "-0.2\t<s> a b c"), Err((12, "expected 2 words")));
        check(&GOOD.replace("-0.1\ta </s>", "-0.1\t<s> a"), Err((13, "duplicate 2-gram '<s> a'")));
        check(&GOOD.replace("0\t<s>\t-0.5\n", "-0.5\tb\t0\n"), Err((11, "no unigram <s>")));
    }
}
