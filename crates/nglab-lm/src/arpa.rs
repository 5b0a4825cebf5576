//! ARPA reading and writing.
//!
//! Written as KenLM's `lmplz` writes it: log10 values as shortest round-trip
//! f32 numbers, `<s>` with log-probability 0, a backoff column on every order
//! but the highest (0 where the n-gram is no context), n-grams of each order in
//! suffix order (sorted by last word, then the word before, ...). A model that
//! is not plain interpolated adds one `# nglab: smoothing=...` line before
//! `\data\`. Reading accepts KenLM's and SRILM's files (`-99` for `<s>`, any
//! text before `\data\`), one line at a time.

use std::io::{BufRead, Write};

use hashbrown::HashMap;
use nglab_tokenizer::{TokenId, Vocab, BOS, UNK};

use crate::model::{child_starts, sort_skeletons, Level, Model, ModelInfo, Skeleton};
use crate::smoothing::Smoothing;
use crate::{Error, Result};

const HEADER_TAG: &str = "# nglab: smoothing=";
/// log10 values at or below this mean probability 0 (SRILM's `-99`).
const LOG_ZERO: f64 = -99.0;

fn log10_text(p: f64) -> String {
    let l = p.log10();
    if l <= LOG_ZERO {
        return "-99".to_string();
    }
    let f = l as f32;
    if f == 0.0 {
        "0".to_string()
    } else {
        f.to_string()
    }
}

impl Model {
    /// Writes the model as ARPA.
    pub fn write_arpa(&self, mut out: impl Write) -> Result<()> {
        if let Some(sm) = self.info.smoothing {
            if matches!(sm, Smoothing::StupidBackoff { .. } | Smoothing::Mle) {
                writeln!(out, "{HEADER_TAG}{sm}")?;
            }
        }
        writeln!(out, "\\data\\")?;
        for (n, lv) in self.levels.iter().enumerate() {
            writeln!(out, "ngram {}={}", n + 1, lv.len())?;
        }
        let order = self.order();
        let mut rank: Vec<u32> = (0..self.levels[0].len() as u32).collect();
        let mut first: Vec<TokenId> = self.levels[0].word.clone();
        let mut words = Vec::with_capacity(order);
        let mut line = String::new();
        for n in 1..=order {
            let lv = &self.levels[n - 1];
            writeln!(out, "\n\\{n}-grams:")?;
            // Suffix order: by the suffix's rank, then the first word.
            let ids: Vec<u32> = if n == 1 {
                (0..lv.len() as u32).collect()
            } else {
                let mut keyed: Vec<(u64, u32)> = (0..lv.len())
                    .map(|i| ((u64::from(rank[lv.suffix[i] as usize]) << 32) | u64::from(first[i]), i as u32))
                    .collect();
                keyed.sort_unstable();
                keyed.into_iter().map(|(_, i)| i).collect()
            };
            for &i in &ids {
                self.words_of(n, i, &mut words);
                line.clear();
                let p = lv.prob[i as usize];
                if n == 1 && i == BOS {
                    line.push('0');
                } else {
                    line.push_str(&log10_text(p));
                }
                line.push('\t');
                for (k, &w) in words.iter().enumerate() {
                    if k > 0 {
                        line.push(' ');
                    }
                    line.push_str(self.vocab.token(w));
                }
                if n < order {
                    let has_children = lv.child_start[i as usize] < lv.child_start[i as usize + 1];
                    line.push('\t');
                    line.push_str(&if has_children {
                        log10_text(lv.backoff[i as usize])
                    } else {
                        "0".into()
                    });
                }
                line.push('\n');
                out.write_all(line.as_bytes())?;
            }
            if n < order {
                let mut next_rank = vec![0u32; lv.len()];
                for (r, &i) in ids.iter().enumerate() {
                    next_rank[i as usize] = r as u32;
                }
                rank = next_rank;
                let above = &self.levels[n];
                first = above.prefix.iter().map(|&p| first_of(&self.levels, n, p)).collect();
            }
        }
        writeln!(out, "\n\\end\\")?;
        out.flush()?;
        Ok(())
    }

    /// Reads an ARPA model (KenLM or SRILM), streaming.
    pub fn read_arpa(input: impl BufRead) -> Result<Model> {
        ArpaReader::new(input).read()
    }
}

/// First word of n-gram `id` of order `n`.
fn first_of(levels: &[Level], n: usize, mut id: u32) -> TokenId {
    for k in (1..n).rev() {
        id = levels[k].prefix[id as usize];
    }
    id
}

struct ArpaReader<R> {
    input: R,
    line_no: u64,
    buf: String,
}

impl<R: BufRead> ArpaReader<R> {
    fn new(input: R) -> Self {
        ArpaReader { input, line_no: 0, buf: String::new() }
    }

    fn err<T>(&self, msg: impl Into<String>) -> Result<T> {
        Err(Error::Arpa { line: self.line_no, msg: msg.into() })
    }

    /// The next line without its end, or `None` at the end of the input.
    fn next_line(&mut self) -> Result<Option<&str>> {
        self.buf.clear();
        let n = match self.input.read_line(&mut self.buf) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                self.line_no += 1;
                return self.err("invalid UTF-8");
            }
            Err(e) => return Err(e.into()),
        };
        if n == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        Ok(Some(self.buf.trim_end_matches(['\n', '\r'])))
    }

    fn next_nonblank(&mut self, what: &str) -> Result<String> {
        loop {
            match self.next_line()? {
                None => {
                    return Err(Error::Arpa {
                        line: self.line_no,
                        msg: format!("unexpected end of file, expected {what}"),
                    })
                }
                Some(l) if l.trim().is_empty() => continue,
                Some(l) => return Ok(l.to_string()),
            }
        }
    }

    fn read(mut self) -> Result<Model> {
        // Anything before \data\; our own header names the smoothing.
        let mut smoothing = None;
        loop {
            let Some(l) = self.next_line()? else {
                return self.err("no \\data\\ section: not an ARPA file");
            };
            if l.trim() == "\\data\\" {
                break;
            }
            if let Some(s) = l.strip_prefix(HEADER_TAG) {
                smoothing = Some(s.trim().parse::<Smoothing>().or_else(|e| self.err(e.to_string()))?);
            }
        }
        let mut counts: Vec<usize> = Vec::new();
        let mut line = self.next_nonblank("'ngram N=COUNT' lines")?;
        while let Some(rest) = line.strip_prefix("ngram ") {
            let Some((n, c)) = rest.split_once('=') else {
                return self.err(format!("expected 'ngram N=COUNT', got '{line}'"));
            };
            let (n, c) = match (n.trim().parse::<usize>(), c.trim().parse::<usize>()) {
                (Ok(n), Ok(c)) => (n, c),
                _ => return self.err(format!("expected 'ngram N=COUNT', got '{line}'")),
            };
            if n != counts.len() + 1 {
                return self.err(format!("expected 'ngram {}=...', got '{line}'", counts.len() + 1));
            }
            if n > crate::MAX_ORDER {
                return self.err(format!("order {n} is above the maximum {}", crate::MAX_ORDER));
            }
            counts.push(c);
            line = self.next_nonblank("an n-gram section")?;
        }
        if counts.is_empty() {
            return self.err(format!("expected 'ngram 1=COUNT', got '{line}'"));
        }
        let order = counts.len();
        let mut vocab = Vocab::new();
        let mut skel: Vec<Skeleton> = vec![Skeleton::default(); order];
        let mut probs: Vec<Vec<f64>> = vec![Vec::new(); order];
        let mut backoffs: Vec<Vec<f64>> = vec![Vec::new(); order];
        let mut index: Vec<HashMap<u64, u32>> = vec![HashMap::new(); order];
        // Unigrams by token id; filled as they come.
        let mut uni_seen: Vec<bool> = Vec::new();
        let mut ids: Vec<TokenId> = Vec::with_capacity(order);
        for n in 1..=order {
            if line.trim() != format!("\\{n}-grams:") {
                return self.err(format!("expected '\\{n}-grams:', got '{line}'"));
            }
            if n == 1 {
                let v = counts[0] + 3;
                skel[0] = Skeleton { prefix: vec![0; v], word: Vec::new(), suffix: vec![0; v] };
                probs[0] = vec![f64::NAN; v];
                backoffs[0] = vec![1.0; v];
            }
            let mut seen = 0usize;
            loop {
                let l = self.next_nonblank(&format!("{n}-grams or the next section"))?;
                if l.starts_with('\\') {
                    line = l;
                    break;
                }
                seen += 1;
                if seen > counts[n - 1] {
                    return self.err(format!("more {n}-grams than the {} announced", counts[n - 1]));
                }
                let mut fields = l.split(['\t', ' ']).filter(|f| !f.is_empty());
                let lp = self.number(fields.next(), "log10 probability")?;
                if lp > 0.0 {
                    return self.err(format!("positive log10 probability {lp}"));
                }
                let parts: Vec<&str> = fields.collect();
                let (words, bo) = match parts.len() {
                    k if k == n => (&parts[..], 0.0),
                    k if k == n + 1 && n < order => (&parts[..n], self.number(Some(parts[n]), "backoff")?),
                    _ => {
                        return self.err(format!(
                            "expected {n} words{}, got '{l}'",
                            if n < order { " and an optional backoff" } else { "" }
                        ))
                    }
                };
                ids.clear();
                for &w in words {
                    let id = if n == 1 {
                        vocab.get_or_insert(w)
                    } else {
                        match vocab.get(w) {
                            Some(id) => id,
                            None => return self.err(format!("word '{w}' has no unigram")),
                        }
                    };
                    ids.push(id);
                }
                let p = if lp <= LOG_ZERO { 0.0 } else { 10f64.powf(lp) };
                let b = if bo <= LOG_ZERO { 0.0 } else { 10f64.powf(bo) };
                if n == 1 {
                    let w = ids[0] as usize;
                    if uni_seen.len() <= w {
                        uni_seen.resize(w + 1, false);
                    }
                    if uni_seen[w] {
                        return self.err(format!("duplicate unigram '{}'", words[0]));
                    }
                    uni_seen[w] = true;
                    if w >= probs[0].len() {
                        return self.err(format!("more 1-grams than the {} announced", counts[0]));
                    }
                    probs[0][w] = p;
                    backoffs[0][w] = b;
                    continue;
                }
                let prefix = self.lookup(&index, &ids[..n - 1], words, "prefix")?;
                let suffix = self.lookup(&index, &ids[1..], words, "suffix")?;
                let key = (u64::from(prefix) << 32) | u64::from(ids[n - 1]);
                let next = skel[n - 1].word.len() as u32;
                if index[n - 1].insert(key, next).is_some() {
                    return self.err(format!("duplicate {n}-gram '{}'", words.join(" ")));
                }
                skel[n - 1].prefix.push(prefix);
                skel[n - 1].word.push(ids[n - 1]);
                skel[n - 1].suffix.push(suffix);
                probs[n - 1].push(p);
                backoffs[n - 1].push(b);
            }
            if seen != counts[n - 1] {
                return self.err(format!("{seen} {n}-grams where the header announced {}", counts[n - 1]));
            }
        }
        if line.trim() != "\\end\\" {
            return self.err(format!("expected '\\end\\', got '{line}'"));
        }
        self.finish(vocab, skel, probs, backoffs, smoothing)
    }

    fn number(&self, field: Option<&str>, what: &str) -> Result<f64> {
        let Some(f) = field else { return self.err(format!("missing {what}")) };
        match f.parse::<f64>() {
            Ok(x) if x.is_nan() => self.err(format!("{what} is NaN")),
            Ok(x) if x == f64::INFINITY => self.err(format!("{what} is infinite")),
            Ok(x) => Ok(x),
            Err(_) => self.err(format!("{what} '{f}' is not a number")),
        }
    }

    fn lookup(
        &self,
        index: &[HashMap<u64, u32>],
        ids: &[TokenId],
        words: &[&str],
        what: &str,
    ) -> Result<u32> {
        let mut id = ids[0];
        for (k, &w) in ids[1..].iter().enumerate() {
            let key = (u64::from(id) << 32) | u64::from(w);
            match index[k + 1].get(&key) {
                Some(&i) => id = i,
                None => {
                    return self.err(format!(
                        "n-gram '{}' has no {what} ({}) of a lower order",
                        words.join(" "),
                        if what == "prefix" {
                            words[..words.len() - 1].join(" ")
                        } else {
                            words[1..].join(" ")
                        }
                    ))
                }
            }
        }
        Ok(id)
    }

    fn finish(
        &self,
        vocab: Vocab,
        mut skel: Vec<Skeleton>,
        mut probs: Vec<Vec<f64>>,
        mut backoffs: Vec<Vec<f64>>,
        smoothing: Option<Smoothing>,
    ) -> Result<Model> {
        let v = vocab.len();
        for (name, id) in [("<s>", BOS), ("</s>", nglab_tokenizer::EOS)] {
            if probs[0][id as usize].is_nan() {
                return self.err(format!("the model has no unigram {name}"));
            }
        }
        // Like KenLM, a model without <unk> gives it log10 p = -100.
        if probs[0][UNK as usize].is_nan() {
            probs[0][UNK as usize] = 1e-100;
        }
        probs[0].truncate(v);
        backoffs[0].truncate(v);
        probs[0][BOS as usize] = 0.0;
        skel[0].prefix.truncate(v);
        skel[0].suffix.truncate(v);
        skel[0].word = (0..v as TokenId).collect();
        let perms = sort_skeletons(&mut skel);
        let order = skel.len();
        let mut levels: Vec<Level> = Vec::with_capacity(order);
        for (n, sk) in skel.into_iter().enumerate() {
            let perm = &perms[n];
            let prob = perm.iter().map(|&o| probs[n][o as usize]).collect();
            let backoff = perm.iter().map(|&o| backoffs[n][o as usize]).collect();
            probs[n] = Vec::new();
            backoffs[n] = Vec::new();
            levels.push(Level {
                prefix: sk.prefix,
                word: sk.word,
                suffix: sk.suffix,
                prob,
                backoff,
                child_start: Vec::new(),
            });
        }
        for n in 0..order {
            let above: &[u32] = if n + 1 < order { &levels[n + 1].prefix } else { &[] };
            let cs = child_starts(levels[n].len(), above);
            levels[n].child_start = cs;
        }
        Ok(Model { vocab, levels, info: ModelInfo { smoothing, discounts: Vec::new() } })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "\\data\\\nngram 1=4\nngram 2=2\n\n\\1-grams:\n-1.0\t<unk>\t0\n0\t<s>\t-0.5\n\
                        -0.5\t</s>\t0\n-0.4\ta\t-0.3\n\n\\2-grams:\n-0.2\t<s> a\n-0.1\ta </s>\n\n\\end\\\n";

    /// Reads `text`; `expect` is `Ok(n-gram total)` or `Err((line, message part))`.
    fn check(text: &str, expect: Result<usize, (u64, &str)>) {
        match (Model::read_arpa(text.as_bytes()), expect) {
            (Ok(m), Ok(n)) => assert_eq!(m.n_grams_total(), n),
            (Err(Error::Arpa { line, msg }), Err((want_line, want))) => {
                assert!(msg.contains(want), "line {line}: {msg}, wanted '{want}'");
                assert_eq!(line, want_line, "{msg}");
            }
            (got, want) => panic!("got {got:?}, wanted {want:?}"),
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
        check(&GOOD.replace("0\t<s>\t-0.5\n", "-0.5\tb\t0\n"), Err((15, "no unigram <s>")));
    }
}
