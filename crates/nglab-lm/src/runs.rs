//! Counting a text sentence by sentence within a memory budget: sorted runs
//! on disk, merged, as KenLM's `lmplz` counts.
//!
//! [`CountStream`] takes sentences one at a time. Without a budget it keeps
//! them (as ids) and counts them at once at the end, as
//! [`NgramCounts::add_corpus`] does. With a [`SpillConfig`], sentences are
//! counted in chunks whose counting state fits a quarter of the budget, each
//! chunk's counts merged into the counts so far; when those would no longer
//! fit, their orders >= 2 are written as a *run*: every order's n-grams in the
//! model's (lexicographic) order, as words, not ids, so that runs of different
//! chunks merge without their id maps. Unigram counts stay in memory (one per
//! word). At the end a k-way merge per order, lowest order first, sums equal
//! n-grams and numbers them, the prefix and suffix ids looked up in the order
//! below, already merged: the same tables as counting everything in memory,
//! so the same model bytes.
//!
//! A run file is unnamed (`tempfile::tempfile_in`: unlinked at once), so
//! whatever ends the process, an error or Ctrl-C, nothing is left behind. At
//! most [`FANOUT`] runs are merged at once; more are first merged into one run.
//!
//! Record format of an order-n section: the number of leading words equal to
//! the previous record's (one byte), the other words and the count as LEB128
//! varints.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use nglab_tokenizer::{Corpus, TokenId};

use crate::counts::{NgramCounts, Table, MAX_ORDER};
use crate::{Error, Result};

/// Runs merged at once; when there are more, they are merged into one run first.
pub(crate) const FANOUT: usize = if cfg!(test) { 3 } else { 64 };

/// Bytes of memory per position of a chunk being counted, besides its tables:
/// the chunk's ids and the counting sort's arrays (`NgramCounts::counted`).
const CHUNK_BYTES_PER_POSITION: u64 = 33;

/// Bytes per n-gram of an order >= 2 held in memory (prefix, word, suffix, count).
const TABLE_BYTES_PER_NGRAM: u64 = 20;

/// Bytes read from a run at a time, per order being merged.
const READ_BUFFER: usize = 64 << 10;

/// The longest record: shared-prefix byte, MAX_ORDER words, a count.
const MAX_RECORD: usize = 1 + 5 * MAX_ORDER + 10;

/// How counting may spill: a memory budget for its state and a directory for
/// the runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpillConfig {
    /// Bytes the counting state may hold (chunk, counts so far, a merge's copy).
    pub max_memory: u64,
    /// Where run files are made (unnamed: nothing is left there).
    pub temp_dir: PathBuf,
}

/// What counting with a [`SpillConfig`] reports as it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountEvent {
    /// A run was written: `runs` runs on disk now, `bytes` written so far in all.
    Spilled {
        /// Runs waiting to be merged.
        runs: usize,
        /// Bytes written to runs so far (merged runs included).
        bytes: u64,
    },
    /// A merge of `runs` runs starts, reading `n_grams` n-grams (every order);
    /// `last` when it builds the final counts.
    Merging {
        /// Runs merged.
        runs: usize,
        /// N-grams to read.
        n_grams: u64,
        /// Whether this merge makes the final counts (else a bigger run).
        last: bool,
    },
    /// The merge has read `n_grams` n-grams so far.
    Merged {
        /// N-grams read.
        n_grams: u64,
    },
}

/// Counts of sentences given one at a time; see the module's docs.
pub struct CountStream<'a> {
    threads: usize,
    /// Sentences not counted yet.
    chunk: Corpus,
    /// Positions (tokens plus one `</s>` a sentence) at which the chunk is counted.
    chunk_positions: usize,
    counts: NgramCounts,
    spill: Option<Spill>,
    on_event: Box<dyn FnMut(CountEvent) + 'a>,
}

struct Spill {
    config: SpillConfig,
    /// Bytes the tables of orders >= 2 may take, a merge's copy included.
    table_limit: u64,
    runs: Vec<Run>,
    bytes: u64,
}

impl<'a> CountStream<'a> {
    /// Counts of orders 1..=`order`, counted on `threads` threads (the counts
    /// do not depend on it), spilling by `spill` or holding everything in memory.
    pub fn new(order: usize, threads: usize, spill: Option<SpillConfig>) -> Result<Self> {
        let counts = NgramCounts::new(order)?;
        let (chunk_positions, spill) = match spill {
            None => (usize::MAX, None),
            Some(config) => {
                // A directory that cannot hold runs is found before any work.
                tempfile::tempfile_in(&config.temp_dir)
                    .map_err(|error| Error::Spill { dir: config.temp_dir.clone(), error })?;
                let per_position = CHUNK_BYTES_PER_POSITION + TABLE_BYTES_PER_NGRAM * (order as u64 - 1);
                let positions = (config.max_memory / 4 / per_position).max(1);
                let table_limit = config.max_memory / 4 * 3;
                let positions = usize::try_from(positions).unwrap_or(usize::MAX);
                (positions, Some(Spill { config, table_limit, runs: Vec::new(), bytes: 0 }))
            }
        };
        Ok(CountStream {
            threads,
            chunk: Corpus::new(),
            chunk_positions,
            counts,
            spill,
            on_event: Box::new(|_| {}),
        })
    }

    /// Reports spills and merges to `f` (a progress display, say).
    pub fn on_event(mut self, f: impl FnMut(CountEvent) + 'a) -> Self {
        self.on_event = Box::new(f);
        self
    }

    /// Words counted so far, the chunk not yet counted included.
    pub fn n_tokens(&self) -> u64 {
        self.counts.n_tokens() + self.chunk.n_tokens() as u64
    }

    /// Adds one sentence of words (without `<s>`/`</s>`). Fails only when a
    /// run cannot be written.
    pub fn add_sentence(&mut self, sentence: &[TokenId]) -> Result<()> {
        self.chunk.push(sentence);
        if self.chunk.n_tokens() + self.chunk.n_sentences() >= self.chunk_positions {
            self.count_chunk()?;
        }
        Ok(())
    }

    /// The counts of every sentence added: with runs on disk, their merge.
    pub fn finish(mut self) -> Result<NgramCounts> {
        if self.spill.is_none() {
            self.counts.add_corpus(&self.chunk, self.threads);
            return Ok(self.counts);
        }
        self.count_chunk()?;
        let spill = self.spill.as_mut().expect("spilling");
        if spill.runs.is_empty() {
            return Ok(self.counts);
        }
        if higher_ngrams(&self.counts) > 0 {
            spill.write_run(&mut self.counts, &mut *self.on_event)?;
        }
        let order = self.counts.order();
        let runs = std::mem::take(&mut spill.runs);
        let dir = spill.config.temp_dir.clone();
        let tables = merge_into_tables(&runs, order, self.counts.tables()[0].len(), &mut *self.on_event)
            .map_err(|source| Error::Spill { dir, error: source })?;
        self.counts.set_higher_tables(tables);
        Ok(self.counts)
    }

    /// Counts the chunk and adds its counts to those so far, first writing
    /// those as a run when both would not fit the budget.
    fn count_chunk(&mut self) -> Result<()> {
        if self.chunk.n_sentences() == 0 {
            return Ok(());
        }
        let chunk = std::mem::take(&mut self.chunk);
        let fresh = NgramCounts::counted(self.counts.order(), chunk.sentences(), self.threads);
        drop(chunk);
        let spill = self.spill.as_mut().expect("chunks only when spilling");
        let (held, added) = (higher_ngrams(&self.counts), higher_ngrams(&fresh));
        if held > 0 && 2 * (held + added) * TABLE_BYTES_PER_NGRAM > spill.table_limit {
            spill.write_run(&mut self.counts, &mut *self.on_event)?;
        }
        self.counts.absorb(fresh);
        Ok(())
    }
}

/// N-grams of orders >= 2.
fn higher_ngrams(counts: &NgramCounts) -> u64 {
    counts.tables()[1..].iter().map(|t| t.len() as u64).sum()
}

impl Spill {
    /// Writes the orders >= 2 of `counts` as a run and empties them; merges
    /// the runs into one when there are [`FANOUT`].
    fn write_run(&mut self, counts: &mut NgramCounts, on_event: &mut dyn FnMut(CountEvent)) -> Result<()> {
        let dir = self.config.temp_dir.clone();
        let error = |source| Error::Spill { dir: dir.clone(), error: source };
        let run = write_tables(counts, &self.config).map_err(error)?;
        self.bytes += run.bytes();
        self.runs.push(run);
        counts.clear_higher_tables();
        on_event(CountEvent::Spilled { runs: self.runs.len(), bytes: self.bytes });
        if self.runs.len() >= FANOUT {
            let runs = std::mem::take(&mut self.runs);
            let merged = merge_into_run(&runs, counts.order(), &self.config, on_event).map_err(error)?;
            drop(runs);
            self.bytes += merged.bytes();
            self.runs.push(merged);
            on_event(CountEvent::Spilled { runs: self.runs.len(), bytes: self.bytes });
        }
        Ok(())
    }
}

/// One order's records in a run file.
#[derive(Debug, Clone, Copy)]
struct Section {
    start: u64,
    len: u64,
    n_grams: u64,
}

/// A run: an unnamed file holding orders 2..=N, one section each.
struct Run {
    file: File,
    /// `sections[n - 2]` holds order n.
    sections: Vec<Section>,
}

impl Run {
    fn bytes(&self) -> u64 {
        self.sections.iter().map(|s| s.len).sum()
    }
}

/// Writes a run's sections one after another.
struct RunWriter {
    out: BufWriter<File>,
    at: u64,
    sections: Vec<Section>,
    /// The section being written: its order, the previous key, its start and n-grams.
    n: usize,
    prev: [TokenId; MAX_ORDER],
    record: Vec<u8>,
}

impl RunWriter {
    fn new(config: &SpillConfig) -> std::io::Result<Self> {
        let file = tempfile::tempfile_in(&config.temp_dir)?;
        Ok(RunWriter {
            out: BufWriter::with_capacity(1 << 20, file),
            at: 0,
            sections: Vec::new(),
            n: 0,
            prev: [0; MAX_ORDER],
            record: Vec::with_capacity(MAX_RECORD),
        })
    }

    /// Starts the section of order `n` (orders in increasing order).
    fn start(&mut self, n: usize) {
        self.n = n;
        self.sections.push(Section { start: self.at, len: 0, n_grams: 0 });
    }

    /// Appends an n-gram of the current order; keys come in increasing order.
    fn push(&mut self, key: &[TokenId], count: u64) -> std::io::Result<()> {
        let section = self.sections.last_mut().expect("a section started");
        let shared = if section.n_grams == 0 {
            0
        } else {
            key.iter().zip(&self.prev).take_while(|(a, b)| a == b).count().min(self.n - 1)
        };
        self.record.clear();
        self.record.push(shared as u8);
        for &w in &key[shared..] {
            put_varint(&mut self.record, u64::from(w));
        }
        put_varint(&mut self.record, count);
        self.out.write_all(&self.record)?;
        self.prev[..self.n].copy_from_slice(key);
        self.at += self.record.len() as u64;
        section.len += self.record.len() as u64;
        section.n_grams += 1;
        Ok(())
    }

    fn finish(self) -> std::io::Result<Run> {
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        Ok(Run { file, sections: self.sections })
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn corrupt() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, "a run file read back corrupt")
}

/// Reads one section of a run, record by record.
struct SectionReader<'f> {
    file: &'f File,
    /// Next byte of the file to read, and the section's end.
    pos: u64,
    end: u64,
    buf: Vec<u8>,
    at: usize,
    n: usize,
    left: u64,
    key: [TokenId; MAX_ORDER],
    count: u64,
}

impl<'f> SectionReader<'f> {
    fn new(run: &'f Run, n: usize) -> Self {
        let s = run.sections[n - 2];
        SectionReader {
            file: &run.file,
            pos: s.start,
            end: s.start + s.len,
            buf: Vec::new(),
            at: 0,
            n,
            left: s.n_grams,
            key: [0; MAX_ORDER],
            count: 0,
        }
    }

    /// Reads the next record into `key` and `count`; false at the section's end.
    fn advance(&mut self) -> std::io::Result<bool> {
        if self.left == 0 {
            return Ok(false);
        }
        if self.buf.len() - self.at < MAX_RECORD && self.pos < self.end {
            self.buf.drain(..self.at);
            self.at = 0;
            let want = (READ_BUFFER as u64).min(self.end - self.pos) as usize;
            let have = self.buf.len();
            self.buf.resize(have + want, 0);
            let mut file = self.file;
            file.seek(SeekFrom::Start(self.pos))?;
            file.read_exact(&mut self.buf[have..])?;
            self.pos += want as u64;
        }
        let bytes = &self.buf[..];
        let mut at = self.at;
        let shared = *bytes.get(at).ok_or_else(corrupt)? as usize;
        at += 1;
        if shared >= self.n {
            return Err(corrupt());
        }
        for k in shared..self.n {
            self.key[k] = TokenId::try_from(get_varint(bytes, &mut at)?).map_err(|_| corrupt())?;
        }
        self.count = get_varint(bytes, &mut at)?;
        self.at = at;
        self.left -= 1;
        Ok(true)
    }
}

fn get_varint(bytes: &[u8], at: &mut usize) -> std::io::Result<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*at).ok_or_else(corrupt)?;
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Ok(v);
        }
    }
    Err(corrupt())
}

/// Writes orders >= 2 of `counts` as a run: each order's n-grams in table
/// order (lexicographic), as words.
fn write_tables(counts: &NgramCounts, config: &SpillConfig) -> std::io::Result<Run> {
    let mut out = RunWriter::new(config)?;
    let tables = counts.tables();
    let mut key = [0 as TokenId; MAX_ORDER];
    for n in 2..=counts.order() {
        out.start(n);
        let t = &tables[n - 1];
        let mut prefix = None;
        for i in 0..t.len() {
            if prefix != Some(t.prefix[i]) {
                prefix = Some(t.prefix[i]);
                // The prefix's words, down its prefix links.
                let mut id = t.prefix[i];
                for k in (1..n - 1).rev() {
                    key[k] = tables[k].word[id as usize];
                    id = tables[k].prefix[id as usize];
                }
                key[0] = id;
            }
            key[n - 1] = t.word[i];
            out.push(&key[..n], t.count[i])?;
        }
    }
    out.finish()
}

/// Merges one order of `runs`, calling `emit` with each distinct n-gram (in
/// increasing order) and its summed count, and `read` with every 1M n-grams read.
fn merge_order(
    runs: &[Run],
    n: usize,
    read: &mut dyn FnMut(u64),
    mut emit: impl FnMut(&[TokenId], u64) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut readers: Vec<SectionReader> = runs.iter().map(|r| SectionReader::new(r, n)).collect();
    let mut heap = BinaryHeap::with_capacity(readers.len());
    for (i, r) in readers.iter_mut().enumerate() {
        if r.advance()? {
            heap.push(Reverse((r.key, i)));
        }
    }
    let mut current: Option<([TokenId; MAX_ORDER], u64)> = None;
    let mut n_read = 0u64;
    while let Some(Reverse((key, i))) = heap.pop() {
        let count = readers[i].count;
        match &mut current {
            Some((k, c)) if *k == key => *c += count,
            _ => {
                if let Some((k, c)) = current {
                    emit(&k[..n], c)?;
                }
                current = Some((key, count));
            }
        }
        if readers[i].advance()? {
            heap.push(Reverse((readers[i].key, i)));
        }
        n_read += 1;
        if n_read % (1 << 20) == 0 {
            read(1 << 20);
        }
    }
    read(n_read % (1 << 20));
    if let Some((k, c)) = current {
        emit(&k[..n], c)?;
    }
    Ok(())
}

fn merging<'e>(runs: &[Run], last: bool, on_event: &'e mut dyn FnMut(CountEvent)) -> impl FnMut(u64) + 'e {
    let n_grams = runs.iter().flat_map(|r| &r.sections).map(|s| s.n_grams).sum();
    on_event(CountEvent::Merging { runs: runs.len(), n_grams, last });
    let mut done = 0;
    move |k| {
        done += k;
        on_event(CountEvent::Merged { n_grams: done });
    }
}

/// Merges `runs` into one run.
fn merge_into_run(
    runs: &[Run],
    order: usize,
    config: &SpillConfig,
    on_event: &mut dyn FnMut(CountEvent),
) -> std::io::Result<Run> {
    let mut read = merging(runs, false, on_event);
    let mut out = RunWriter::new(config)?;
    for n in 2..=order {
        out.start(n);
        merge_order(runs, n, &mut read, |key, count| out.push(key, count))?;
    }
    out.finish()
}

/// Merges `runs` into the tables of orders 2..=`order` (`tables[n - 2]` holds
/// order n), numbered as in memory: each order in the model's order, prefix
/// and suffix ids those of the order below. Unigram ids are `0..n_words`.
fn merge_into_tables(
    runs: &[Run],
    order: usize,
    n_words: usize,
    on_event: &mut dyn FnMut(CountEvent),
) -> std::io::Result<Vec<Table>> {
    let mut read = merging(runs, true, on_event);
    let mut tables: Vec<Table> = Vec::with_capacity(order.saturating_sub(1));
    // starts[n - 2][p]: the first n-gram of order n with prefix p.
    let mut starts: Vec<Vec<u32>> = Vec::new();
    let mut n_prefixes = n_words;
    for n in 2..=order {
        let mut t = Table::default();
        // ids[m - 1]: the id of the current key's first m words, m < n.
        let mut ids = [0u32; MAX_ORDER];
        let mut prev = [0 as TokenId; MAX_ORDER];
        let mut first = true;
        // The id of word `w` after the n-gram `prefix` of order m - 1, in order m.
        let child = |m: usize, prefix: u32, w: TokenId| -> std::io::Result<u32> {
            if m == 1 {
                return Ok(w);
            }
            let s = &starts[m - 2];
            let (lo, hi) = (s[prefix as usize] as usize, s[prefix as usize + 1] as usize);
            let t = &tables[m - 2];
            t.word[lo..hi].binary_search(&w).map(|k| (lo + k) as u32).map_err(|_| corrupt())
        };
        merge_order(runs, n, &mut read, |key, count| {
            if key.iter().any(|&w| w as usize >= n_words) {
                return Err(corrupt());
            }
            let same = if first { 0 } else { key.iter().zip(&prev).take_while(|(a, b)| a == b).count() };
            first = false;
            for m in (same + 1).max(1)..n {
                ids[m - 1] = child(m, if m == 1 { 0 } else { ids[m - 2] }, key[m - 1])?;
            }
            let prefix = ids[n - 2];
            let suffix = if n == 2 {
                key[1]
            } else {
                // The suffix is the word after the suffix of the prefix.
                let below = tables[n - 3].suffix[prefix as usize];
                child(n - 1, below, key[n - 1])?
            };
            t.push(prefix, key[n - 1], suffix, count);
            prev[..n].copy_from_slice(key);
            Ok(())
        })?;
        let mut s = vec![0u32; n_prefixes + 1];
        for &p in &t.prefix {
            s[p as usize + 1] += 1;
        }
        for i in 0..n_prefixes {
            s[i + 1] += s[i];
        }
        n_prefixes = t.len();
        starts.push(s);
        tables.push(t);
    }
    Ok(tables)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Sentences = Vec<Vec<TokenId>>;

    /// Counts `sentences` streaming with `max_memory` and in memory, and
    /// compares every table; returns the runs written.
    fn check(sentences: &Sentences, order: usize, max_memory: u64) -> usize {
        let dir = tempfile::tempdir().unwrap();
        let config = SpillConfig { max_memory, temp_dir: dir.path().to_owned() };
        let mut spilled = 0;
        let mut stream = CountStream::new(order, 2, Some(config)).unwrap().on_event(|e| {
            if let CountEvent::Spilled { .. } = e {
                spilled += 1;
            }
        });
        for s in sentences {
            stream.add_sentence(s).unwrap();
        }
        let streamed = stream.finish().unwrap();
        let mut whole = NgramCounts::new(order).unwrap();
        let mut corpus = Corpus::new();
        sentences.iter().for_each(|s| corpus.push(s));
        whole.add_corpus(&corpus, 1);
        assert_eq!(streamed.n_sentences(), whole.n_sentences());
        assert_eq!(streamed.n_tokens(), whole.n_tokens());
        for n in 1..=order {
            let (a, b) = (&streamed.tables()[n - 1], &whole.tables()[n - 1]);
            assert_eq!(a.word, b.word, "order {n} words");
            assert_eq!(a.prefix, b.prefix, "order {n} prefixes");
            assert_eq!(a.suffix, b.suffix, "order {n} suffixes");
            assert_eq!(a.count, b.count, "order {n} counts");
        }
        assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "run files are unnamed");
        spilled
    }

    fn text(n: u32) -> Sentences {
        (0..n).map(|i| (0..i % 9).map(|k| 3 + (i * 7 + k * k) % 13).collect()).collect()
    }

    #[test]
    fn spilled_counts_equal_counts_in_memory() {
        for order in 1..=5 {
            // A budget of one sentence a chunk: many runs, merged in several passes.
            assert!(check(&text(200), order, 1) > FANOUT || order == 1, "order {order} spills");
            check(&text(200), order, 4 << 10);
            // Enough memory: no run.
            assert_eq!(check(&text(200), order, 1 << 30), 0);
        }
        check(&vec![vec![]; 5], 3, 1);
        check(&vec![], 3, 1);
        check(&vec![vec![3, 3, 3, 3, 3, 3, 3]; 9], 4, 1);
    }

    #[test]
    fn varints_round_trip() {
        let mut buf = Vec::new();
        let values = [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX];
        values.iter().for_each(|&v| put_varint(&mut buf, v));
        let mut at = 0;
        for &v in &values {
            assert_eq!(get_varint(&buf, &mut at).unwrap(), v);
        }
        assert!(get_varint(&buf, &mut at).is_err());
    }

    #[test]
    fn a_missing_temp_dir_is_one_line() {
        let config = SpillConfig { max_memory: 1, temp_dir: PathBuf::from("/no/such/dir") };
        let e = CountStream::new(3, 1, Some(config)).err().unwrap();
        assert_eq!(
            e.to_string(),
            "cannot write sorted runs in /no/such/dir: No such file or directory (os error 2)"
        );
        assert!(std::error::Error::source(&e).is_none(), "said once");
    }

    proptest::proptest! {
        #[test]
        fn prop_spilled_counts_equal_counts_in_memory(
            sents in proptest::collection::vec(proptest::collection::vec(3u32..9, 0..8), 0..30),
            order in 1usize..6,
            max_memory in 1u64..3000,
        ) {
            check(&sents, order, max_memory);
        }
    }
}
