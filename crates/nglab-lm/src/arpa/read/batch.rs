//! A section's n-gram lines read in batches of whole lines, each parsed in
//! pieces on threads and appended in file order ([`Section`]).

use std::io::BufRead;

use nglab_tokenizer::TokenId;

use super::scan::{LineParser, Part};
use super::{ArpaReader, MAX_PREALLOC};
use crate::par;
use crate::{Error, Result};

/// The bytes of n-gram lines gathered before parsing (small in tests, so
/// that they cross batch and piece boundaries).
pub(in crate::arpa) const READ_BATCH: usize = if cfg!(test) { 1 << 9 } else { 1 << 22 };

impl<R: BufRead> ArpaReader<R> {
    /// Appends at least one more read of the input to `batch` (unless the
    /// input has ended), and more until it holds [`READ_BATCH`] bytes;
    /// whether the input has ended.
    pub(super) fn fill_batch(&mut self, batch: &mut Vec<u8>) -> Result<bool> {
        loop {
            let got = self.input.fill_buf()?;
            if got.is_empty() {
                return Ok(true);
            }
            // An input held in memory is all one buffer: take a batch of it.
            let len = got.len().min(READ_BATCH.saturating_sub(batch.len()).max(1 << 16));
            batch.extend_from_slice(&got[..len]);
            self.input.consume(len);
            if batch.len() >= READ_BATCH {
                return Ok(false);
            }
        }
    }

    /// Takes the first line of `batch` (with its end), reading more of the
    /// input while it has no end; `None` if `batch` is empty at the end of
    /// the input.
    pub(super) fn take_line(&mut self, batch: &mut Vec<u8>) -> Result<Option<Vec<u8>>> {
        loop {
            if let Some(i) = batch.iter().position(|&b| b == b'\n') {
                return Ok(Some(batch.drain(..=i).collect()));
            }
            if self.fill_batch(batch)? {
                return Ok((!batch.is_empty()).then(|| std::mem::take(batch)));
            }
        }
    }
}

/// Where the first line of `batch` (which starts a line) that starts with a
/// backslash, a section header, starts.
pub(super) fn find_header(batch: &[u8]) -> Option<usize> {
    // Backslashes are rare: blocks without one are passed over by a loop
    // the compiler vectorizes.
    const BLOCK: usize = 64;
    for (k, block) in batch.chunks(BLOCK).enumerate() {
        if block.iter().fold(false, |any, &c| any | (c == b'\\')) {
            for (j, &c) in block.iter().enumerate() {
                let at = k * BLOCK + j;
                if c == b'\\' && (at == 0 || batch[at - 1] == b'\n') {
                    return Some(at);
                }
            }
        }
    }
    None
}

/// One order's n-grams as read, in file order.
pub(super) struct Section {
    pub(super) n: usize,
    /// `n` word ids per n-gram (orders >= 2).
    pub(super) words: Vec<TokenId>,
    /// log10 probabilities and backoffs, as the model stores them.
    pub(super) prob: Vec<f32>,
    pub(super) backoff: Vec<f32>,
    /// Number of n-grams read.
    pub(super) len: usize,
    /// Runs of consecutive n-gram lines, for errors: (first n-gram, its line).
    /// One run unless blank lines interrupt the section.
    pub(super) runs: Vec<(usize, u64)>,
}

impl Section {
    /// An empty section of order `n` with room for `count` n-grams; the
    /// probability and backoff buffers are `spare`'s, emptied (a previous
    /// section's, not allocated and paged in again).
    pub(super) fn new(n: usize, count: usize, spare: (Vec<f32>, Vec<f32>)) -> Self {
        let cap = if n == 1 { 0 } else { count.min(MAX_PREALLOC) };
        let (mut prob, mut backoff) = spare;
        prob.clear();
        prob.reserve(cap);
        backoff.clear();
        backoff.reserve(cap);
        Section { n, words: Vec::with_capacity(cap * n), prob, backoff, len: 0, runs: Vec::new() }
    }

    /// Parses `batch` (whole lines, the first being line `first_line`) in
    /// one piece per part of `parts`, on as many threads, and appends their
    /// n-grams in order; fails at the first error in file order, counting
    /// more than `count` n-grams as one. Returns the number of lines.
    pub(super) fn append_batch(
        &mut self,
        batch: &[u8],
        first_line: u64,
        parser: &LineParser,
        parts: &mut [Part],
        count: usize,
    ) -> Result<u64> {
        // Cut after the newline nearest each share.
        let threads = parts.len();
        let mut cuts = vec![0];
        for k in 1..threads {
            let at = (batch.len() * k / threads).max(*cuts.last().expect("not empty"));
            let cut = batch[at..].iter().position(|&b| b == b'\n').map_or(batch.len(), |i| at + i + 1);
            cuts.push(cut);
        }
        cuts.push(batch.len());
        let jobs: Vec<_> = parts.iter_mut().zip(cuts.windows(2)).collect();
        par::map(threads, jobs, |(part, w)| parser.parse(&batch[w[0]..w[1]], part));
        let mut line = first_line;
        for part in parts.iter() {
            for &(i, l) in &part.runs {
                match self.runs.last() {
                    Some(&(j, start)) if start + (self.len + i - j) as u64 == line + l => {}
                    _ => self.runs.push((self.len + i, line + l)),
                }
            }
            self.len += part.prob.len();
            self.words.extend_from_slice(&part.words);
            self.prob.extend_from_slice(&part.prob);
            self.backoff.extend_from_slice(&part.backoff);
            if self.len > count {
                let msg = format!("more {}-grams than the {count} announced", self.n);
                return Err(Error::Arpa { line: self.line(count as u32), msg });
            }
            if let Some((l, msg)) = &part.error {
                return Err(Error::Arpa { line: line + l, msg: msg.clone() });
            }
            line += part.lines;
        }
        Ok(line - first_line)
    }

    /// The line n-gram `i` was read from.
    pub(super) fn line(&self, i: u32) -> u64 {
        Section::line_in(&self.runs, i)
    }

    pub(super) fn line_in(runs: &[(usize, u64)], i: u32) -> u64 {
        let i = i as usize;
        let r = runs.partition_point(|&(start, _)| start <= i) - 1;
        let (start, line) = runs[r];
        line + (i - start) as u64
    }

    pub(super) fn tuple(&self, i: u32) -> &[TokenId] {
        let n = self.n;
        &self.words[i as usize * n..(i as usize + 1) * n]
    }
}
