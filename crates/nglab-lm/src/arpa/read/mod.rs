//! ARPA reading: KenLM's and SRILM's files, streaming, on the caller's threads.
//!
//! This file reads the file's structure (the header, the counts, the
//! unigrams, the section headers); the rest is one job a file: `batch` (the
//! n-gram lines of a section read in batches of whole lines and parsed in
//! pieces on threads), `scan` (the fast parser of lines of the usual shape),
//! `word_index` (words to ids), `number` (number fields), `text_line` (the
//! line-of-text parser for every other line and for errors), and `link`
//! (prefix and suffix links, model order).

mod batch;
mod link;
mod number;
mod scan;
mod text_line;
mod word_index;

use std::io::BufRead;

use nglab_tokenizer::{TokenId, TokenizerSpec, Vocab, BOS, UNK};

use super::{HEADER_TAG, TOKENIZER_TAG};
use crate::model::{child_starts, Level, Model, ModelInfo, LOG_ZERO};
use crate::smoothing::Smoothing;
use crate::{Error, Result};
pub(super) use batch::READ_BATCH;
use batch::{find_header, Section};
use link::{Below, LinkScratch, SortedBelow};
use number::{narrow, parse_number};
use scan::{LineParser, Part};
use text_line::{is_blank, next_field};
use word_index::WordIndex;

/// At most this many n-grams of an order are allocated on the header's word:
/// a corrupted count (`ngram 1=99999999999999`) must give an error, not an
/// allocation failure. Larger sections grow as they are read.
const MAX_PREALLOC: usize = 1 << 22;

pub(super) struct ArpaReader<R> {
    input: R,
    line_no: u64,
    /// The current line's bytes, its end included until [`Self::fill_line`] trims it.
    buf: Vec<u8>,
}

impl<R: BufRead> ArpaReader<R> {
    pub(super) fn new(input: R) -> Self {
        ArpaReader { input, line_no: 0, buf: Vec::new() }
    }

    fn err<T>(&self, msg: impl Into<String>) -> Result<T> {
        Err(Error::Arpa { line: self.line_no, msg: msg.into() })
    }

    /// Reads the next line into `buf` without its end (not yet checked to be
    /// UTF-8); false at the end of the input.
    fn fill_line(&mut self) -> Result<bool> {
        self.buf.clear();
        if self.input.read_until(b'\n', &mut self.buf)? == 0 {
            return Ok(false);
        }
        self.line_no += 1;
        while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
            self.buf.pop();
        }
        Ok(true)
    }

    /// The current line as text.
    fn text(&self) -> Result<&str> {
        match std::str::from_utf8(&self.buf) {
            Ok(s) => Ok(s),
            Err(_) => self.err("invalid UTF-8"),
        }
    }

    /// The next line without its end, or `None` at the end of the input.
    fn next_line(&mut self) -> Result<Option<&str>> {
        if !self.fill_line()? {
            return Ok(None);
        }
        self.text().map(Some)
    }

    fn next_nonblank(&mut self, what: &str) -> Result<String> {
        self.next_nonblank_line(what)?;
        Ok(self.text()?.to_string())
    }

    /// Moves to the next non-blank line, which `text` then returns.
    fn next_nonblank_line(&mut self, what: &str) -> Result<()> {
        loop {
            if !self.fill_line()? {
                return self.err(format!("unexpected end of file, expected {what}"));
            }
            if !is_blank(self.text()?) {
                return Ok(());
            }
        }
    }

    pub(super) fn read(mut self, threads: usize) -> Result<Model> {
        // Anything before \data\; our own header names the smoothing and the tokenizer.
        let (mut smoothing, mut tokenizer) = (None, None);
        loop {
            let Some(l) = self.next_line()? else {
                let what = if self.line_no == 0 { "the file is empty, " } else { "" };
                return self.err(format!("{what}no \\data\\ section: not an ARPA file"));
            };
            if l.trim() == "\\data\\" {
                break;
            }
            if let Some(s) = l.strip_prefix(HEADER_TAG) {
                smoothing = Some(s.trim().parse::<Smoothing>().or_else(|e| self.err(e.to_string()))?);
            } else if let Some(s) = l.strip_prefix(TOKENIZER_TAG) {
                tokenizer = Some(s.trim().parse::<TokenizerSpec>().or_else(|e| self.err(e.to_string()))?);
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
        let mut levels: Vec<Level> = Vec::with_capacity(order);
        if line.trim() != "\\1-grams:" {
            return self.err(format!("expected '\\1-grams:', got '{line}'"));
        }
        let line = self.unigram_section(counts[0], order, &mut vocab)?;
        levels.push(self.unigrams(&vocab, line.1)?);
        let mut line = line.0;
        // The previous order's n-grams, as linking the next order needs them.
        let mut below = Below::Sorted(SortedBelow::unigrams(vocab.len()));
        // Loading looks words up by the slice: one hash of the line's bytes,
        // no `String` built.
        let index = WordIndex::new(&vocab);
        let mut pending: Vec<u8> = Vec::with_capacity(READ_BATCH + (1 << 20));
        let mut parts: Vec<Part> = (0..threads.max(1)).map(|_| Part::default()).collect();
        let mut scratch = LinkScratch::default();
        let mut spare = (Vec::new(), Vec::new());
        for n in 2..=order {
            if line.trim() != format!("\\{n}-grams:") {
                return self.err(format!("expected '\\{n}-grams:', got '{line}'"));
            }
            let count = counts[n - 1];
            let mut sec = Section::new(n, count, spare);
            let parser = LineParser { n, order, index: &index };
            // The section is read in batches of whole lines, each parsed in
            // pieces on separate threads; the pieces' n-grams are appended
            // in file order, and the first error in file order wins, so the
            // result does not depend on the thread count. `pending` holds
            // the bytes read and not yet parsed, from section to section.
            let header = loop {
                let eof = self.fill_batch(&mut pending)?;
                let header_at = find_header(&pending);
                let whole = match header_at {
                    Some(at) => at,
                    None if eof => pending.len(),
                    None => pending.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1),
                };
                self.line_no +=
                    sec.append_batch(&pending[..whole], self.line_no + 1, &parser, &mut parts, count)?;
                pending.drain(..whole);
                if header_at.is_some() {
                    break self.take_line(&mut pending)?;
                }
                if eof {
                    break None;
                }
            };
            let Some(header) = header else {
                return self.err(format!("unexpected end of file, expected {n}-grams or the next section"));
            };
            self.line_no += 1;
            self.buf = header;
            while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
                self.buf.pop();
            }
            line = self.text()?.to_string();
            if sec.len != count {
                return self.err(format!("{} {n}-grams where the header announced {count}", sec.len));
            }
            scratch.keep = n < order;
            let (level, next) = sec.link(below, &levels[n - 2], &vocab, &mut scratch)?;
            below = next;
            levels.push(level);
            spare = (sec.prob, sec.backoff);
        }
        if line.trim() != "\\end\\" {
            return self.err(format!("expected '\\end\\', got '{line}'"));
        }
        drop(below);
        drop(index);
        // The highest order holds no context: no backoffs, no successors.
        levels[order - 1].log_backoff = Vec::new();
        for n in 0..order - 1 {
            let cs = child_starts(levels[n].len(), &levels[n + 1].prefix);
            levels[n].child_start = cs;
        }
        Ok(Model { vocab, levels, info: ModelInfo { smoothing, discounts: Vec::new(), tokenizer } })
    }

    /// Reads the unigrams into `vocab`; returns the line that ends the section
    /// and the section (probabilities indexed by word id).
    fn unigram_section(
        &mut self,
        count: usize,
        order: usize,
        vocab: &mut Vocab,
    ) -> Result<(String, Section)> {
        let mut sec = Section::new(1, count, (Vec::new(), Vec::new()));
        let v = count.saturating_add(3);
        sec.prob = vec![f32::NAN; v.min(MAX_PREALLOC)];
        sec.backoff = vec![0.0; v.min(MAX_PREALLOC)];
        let mut uni_seen: Vec<bool> = Vec::new();
        loop {
            self.next_nonblank_line("1-grams or the next section")?;
            let l = self.text()?;
            if l.starts_with('\\') {
                if sec.len != count {
                    return self.err(format!("{} 1-grams where the header announced {count}", sec.len));
                }
                return Ok((l.to_string(), sec));
            }
            if sec.len == count {
                return self.err(format!("more 1-grams than the {count} announced"));
            }
            let mut pos = 0;
            let lp_text = next_field(l, &mut pos);
            let lp = self.number(lp_text, "log10 probability")?;
            if lp > 0.0 {
                return self.err(format!("positive log10 probability {lp}"));
            }
            let lp = narrow(lp, lp_text.unwrap_or_default().as_bytes());
            let fields: Vec<&str> = std::iter::from_fn(|| next_field(l, &mut pos)).take(3).collect();
            let bo = match fields.len() {
                1 => 0.0,
                2 if order > 1 => narrow(self.number(Some(fields[1]), "backoff")?, fields[1].as_bytes()),
                _ => {
                    return self.err(format!(
                        "expected 1 words{}, got '{l}'",
                        if order > 1 { " and an optional backoff" } else { "" }
                    ))
                }
            };
            let w = vocab.get_or_insert(fields[0]) as usize;
            if uni_seen.len() <= w {
                uni_seen.resize(w + 1, false);
            }
            if uni_seen[w] {
                return self.err(format!("duplicate unigram '{}'", fields[0]));
            }
            uni_seen[w] = true;
            if w >= v {
                return self.err(format!("more 1-grams than the {count} announced"));
            }
            if w >= sec.prob.len() {
                sec.prob.resize(w + 1, f32::NAN);
                sec.backoff.resize(w + 1, 0.0);
            }
            sec.prob[w] = lp;
            sec.backoff[w] = bo;
            sec.len += 1;
        }
    }

    fn unigrams(&self, vocab: &Vocab, mut sec: Section) -> Result<Level> {
        let v = vocab.len();
        for (name, id) in [("<s>", BOS), ("</s>", nglab_tokenizer::EOS)] {
            if sec.prob[id as usize].is_nan() {
                return self.err(format!("the model has no unigram {name}"));
            }
        }
        // Like KenLM, a model without <unk> gives it log10 p = -100.
        if sec.prob[UNK as usize].is_nan() {
            sec.prob[UNK as usize] = -100.0;
        }
        sec.prob.truncate(v);
        sec.backoff.truncate(v);
        sec.prob[BOS as usize] = LOG_ZERO;
        Ok(Level {
            prefix: vec![0; v],
            word: (0..v as TokenId).collect(),
            suffix: vec![0; v],
            log_prob: sec.prob,
            log_backoff: sec.backoff,
            child_start: Vec::new(),
        })
    }

    fn number(&self, field: Option<&str>, what: &str) -> Result<f64> {
        parse_number(field, what).or_else(|msg| self.err(msg))
    }
}
