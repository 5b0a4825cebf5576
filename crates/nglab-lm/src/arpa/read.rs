//! ARPA reading: KenLM's and SRILM's files, streaming, on two threads.

use std::io::BufRead;

use nglab_tokenizer::{TokenId, TokenizerSpec, Vocab, BOS, UNK};

use super::{HEADER_TAG, LOG_ZERO, TOKENIZER_TAG};
use crate::model::{child_starts, counting_sort_into, Level, Model, ModelInfo};
use crate::smoothing::Smoothing;
use crate::{Error, Result};

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

/// Whether `l` is blank (whitespace only, as `str::trim` sees it). Decides on
/// the first byte that is not ASCII whitespace, so n-gram lines cost one byte.
fn is_blank(l: &str) -> bool {
    match l.bytes().find(|b| !b.is_ascii_whitespace()) {
        None => true,
        Some(b) if b.is_ascii() => false,
        Some(_) => l.trim().is_empty(),
    }
}

/// The next field of `s` from byte `*pos` on, fields being separated by runs
/// of spaces, tabs and carriage returns (a word never holds a CR, which a line
/// end would strip); advances `*pos` past it.
fn next_field<'a>(s: &'a str, pos: &mut usize) -> Option<&'a str> {
    let b = s.as_bytes();
    while *pos < b.len() && is_sep(b[*pos]) {
        *pos += 1;
    }
    if *pos == b.len() {
        return None;
    }
    let start = *pos;
    while *pos < b.len() && !is_sep(b[*pos]) {
        *pos += 1;
    }
    Some(&s[start..*pos])
}

/// 10^x, exact shortcuts for the values most lines hold.
fn pow10(x: f64) -> f64 {
    if x <= LOG_ZERO {
        0.0
    } else if x == 0.0 {
        1.0
    } else {
        10f64.powf(x)
    }
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

    /// Appends at least one more read of the input to `batch` (unless the
    /// input has ended), and more until it holds [`READ_BATCH`] bytes;
    /// whether the input has ended.
    fn fill_batch(&mut self, batch: &mut Vec<u8>) -> Result<bool> {
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
    fn take_line(&mut self, batch: &mut Vec<u8>) -> Result<Option<Vec<u8>>> {
        loop {
            if let Some(i) = batch.iter().position(|&b| b == b'\n') {
                return Ok(Some(batch.drain(..=i).collect()));
            }
            if self.fill_batch(batch)? {
                return Ok((!batch.is_empty()).then(|| std::mem::take(batch)));
            }
        }
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
        for n in 0..order {
            let above: &[u32] = if n + 1 < order { &levels[n + 1].prefix } else { &[] };
            let cs = child_starts(levels[n].len(), above);
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
        sec.prob = vec![f64::NAN; v.min(MAX_PREALLOC)];
        sec.backoff = vec![1.0; v.min(MAX_PREALLOC)];
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
            let lp = self.number(next_field(l, &mut pos), "log10 probability")?;
            if lp > 0.0 {
                return self.err(format!("positive log10 probability {lp}"));
            }
            let fields: Vec<&str> = std::iter::from_fn(|| next_field(l, &mut pos)).take(3).collect();
            let bo = match fields.len() {
                1 => 0.0,
                2 if order > 1 => self.number(Some(fields[1]), "backoff")?,
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
                sec.prob.resize(w + 1, f64::NAN);
                sec.backoff.resize(w + 1, 1.0);
            }
            sec.prob[w] = pow10(lp);
            sec.backoff[w] = pow10(bo);
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
            sec.prob[UNK as usize] = 1e-100;
        }
        sec.prob.truncate(v);
        sec.backoff.truncate(v);
        sec.prob[BOS as usize] = 0.0;
        Ok(Level {
            prefix: vec![0; v],
            word: (0..v as TokenId).collect(),
            suffix: vec![0; v],
            prob: sec.prob,
            backoff: sec.backoff,
            child_start: Vec::new(),
        })
    }

    fn number(&self, field: Option<&str>, what: &str) -> Result<f64> {
        parse_number(field, what).or_else(|msg| self.err(msg))
    }
}

/// Powers of ten that are exact in an f64.
const EXACT_POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
    1e19, 1e20, 1e21, 1e22,
];

/// A number field. Plain decimals (every number an ARPA file of f32 values
/// holds) are read by [`plain_number`]; the rest go to `str::parse`.
fn parse_number(field: Option<&str>, what: &str) -> std::result::Result<f64, String> {
    let Some(f) = field else { return Err(format!("missing {what}")) };
    let x = match plain_number(f.as_bytes()) {
        Some(x) => x,
        None => match f.parse::<f64>() {
            Ok(x) if x.is_nan() => return Err(format!("{what} is NaN")),
            Ok(x) if x == f64::INFINITY => return Err(format!("{what} is infinite")),
            Ok(x) => x,
            Err(_) => return Err(format!("{what} '{f}' is not a number")),
        },
    };
    // 10^x must be a finite f64 (a backoff of 10^699 is not one).
    if x > f64::from(f64::MAX_10_EXP) {
        return Err(format!("{what} {f} is out of range"));
    }
    Ok(x)
}

/// A plain decimal (`-`, digits, at most one `.` followed by digits) of at
/// most 15 digits, which is the exact quotient of two exact f64s, so one
/// division rounds it as `str::parse` does; `None` for anything else.
fn plain_number(b: &[u8]) -> Option<f64> {
    let (neg, digits) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    // Longer fields would overflow the mantissa.
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    let (mut mantissa, mut n_digits, mut frac, mut dot) = (0u64, 0usize, 0usize, false);
    for &c in digits {
        match c {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(c - b'0');
                n_digits += 1;
                frac += usize::from(dot);
            }
            b'.' if !dot => dot = true,
            _ => return None,
        }
    }
    if n_digits == 0 || n_digits > 15 || (dot && frac == 0) {
        return None;
    }
    let x = mantissa as f64 / EXACT_POW10[frac];
    Some(if neg { -x } else { x })
}

/// Where the first line of `batch` (which starts a line) that starts with a
/// backslash, a section header, starts.
fn find_header(batch: &[u8]) -> Option<usize> {
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

/// The bytes of n-gram lines gathered before parsing (small in tests, so
/// that they cross batch and piece boundaries).
pub(super) const READ_BATCH: usize = if cfg!(test) { 1 << 9 } else { 1 << 22 };

/// The vocabulary's words -> ids, for loading: open addressing over 24-byte
/// slots that hold a word's length, its first 16 bytes and its id, so a word
/// of at most 16 bytes is found without reading the vocabulary's strings.
struct WordIndex<'a> {
    slots: Vec<WordSlot>,
    shift: u32,
    vocab: &'a Vocab,
}

/// One slot of a [`WordIndex`]; length 0 is empty (tokens are never empty).
#[derive(Debug, Clone, Copy, Default)]
struct WordSlot {
    head: u64,
    /// Bytes 8 to 16, zero-padded: a word of 9 to 16 bytes (nearly all
    /// the rest) is checked without the cache miss or two of reading the
    /// vocabulary's string.
    next: u64,
    len: u32,
    id: TokenId,
}

/// Bytes 8 to 16 of `w`, zero-padded, as an integer.
fn word_next(w: &[u8]) -> u64 {
    word_head(w.get(8..).unwrap_or_default())
}

/// The first 8 bytes of `w`, zero-padded, as an integer.
fn word_head(w: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let k = w.len().min(8);
    b[..k].copy_from_slice(&w[..k]);
    u64::from_le_bytes(b)
}

impl<'a> WordIndex<'a> {
    fn new(vocab: &'a Vocab) -> Self {
        let size = (2 * vocab.len()).next_power_of_two().max(16);
        let mut index =
            WordIndex { slots: vec![WordSlot::default(); size], shift: 64 - size.trailing_zeros(), vocab };
        for (id, t) in vocab.tokens().iter().enumerate() {
            let mut i = index.home(t.as_bytes(), word_head(t.as_bytes()));
            while index.slots[i].len != 0 {
                i = (i + 1) & (size - 1);
            }
            index.slots[i] = WordSlot {
                head: word_head(t.as_bytes()),
                next: word_next(t.as_bytes()),
                len: t.len() as u32,
                id: id as TokenId,
            };
        }
        index
    }

    /// The slot where the search for `w`, whose first 8 bytes are `head`,
    /// starts: a multiplicative hash of its 8-byte chunks, top bits.
    fn home(&self, w: &[u8], head: u64) -> usize {
        const K: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut h = (w.len() as u64).wrapping_mul(K);
        h = (h.rotate_left(23) ^ head).wrapping_mul(K);
        for chunk in w.chunks(8).skip(1) {
            h = (h.rotate_left(23) ^ word_head(chunk)).wrapping_mul(K);
        }
        (h >> self.shift) as usize
    }

    /// The id of `w`, whose first 8 bytes are `head`.
    fn find(&self, w: &[u8], head: u64) -> Option<TokenId> {
        let mask = self.slots.len() - 1;
        let mut i = self.home(w, head);
        loop {
            let s = self.slots[i];
            if s.len == 0 {
                return None;
            }
            if s.len as usize == w.len()
                && s.head == head
                && (w.len() <= 8
                    || (s.next == word_next(w)
                        && (w.len() <= 16 || self.vocab.token(s.id).as_bytes()[16..] == w[16..])))
            {
                return Some(s.id);
            }
            i = (i + 1) & mask;
        }
    }

    fn get(&self, w: &str) -> Option<TokenId> {
        self.find(w.as_bytes(), word_head(w.as_bytes()))
    }
}

/// Parses the n-gram lines of one order.
struct LineParser<'a> {
    n: usize,
    order: usize,
    index: &'a WordIndex<'a>,
}

/// The n-grams parsed from a piece of a batch, and the error that stopped
/// it. Lines are counted from the piece's first line, 0; kept from batch to
/// batch so that its buffers are allocated once.
#[derive(Default)]
struct Part {
    words: Vec<TokenId>,
    prob: Vec<f64>,
    backoff: Vec<f64>,
    /// (first n-gram of a run of consecutive lines, its line)
    runs: Vec<(usize, u64)>,
    /// Lines parsed, blank ones included.
    lines: u64,
    /// The error that stopped the piece: its line and message.
    error: Option<(u64, String)>,
    /// Backoffs repeat (a few thousand values in millions of lines):
    /// recently seen ones, as (log10 bits, 10^log10), by a hash of the bits.
    backoffs: Vec<(u64, f64)>,
}

/// Entries of [`Part::backoffs`].
const BACKOFF_CACHE: usize = 1 << 12;

impl Part {
    /// Notes that the next n-gram comes from `line`.
    fn note_line(&mut self, line: u64) {
        let n_grams = self.prob.len();
        match self.runs.last() {
            Some(&(i, l)) if l + (n_grams - i) as u64 == line => {}
            _ => self.runs.push((n_grams, line)),
        }
    }

    /// `pow10(bo)`, remembered.
    fn pow10_backoff(&mut self, bo: f64) -> f64 {
        let bits = bo.to_bits();
        let slot = (bits.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 52) as usize;
        let (key, value) = self.backoffs[slot];
        if key == bits {
            return value;
        }
        let value = pow10(bo);
        self.backoffs[slot] = (bits, value);
        value
    }
}

/// Field separators: space, tab and carriage return (a word never holds a
/// CR, which a line end would strip).
fn is_sep(c: u8) -> bool {
    c == b' ' || c == b'\t' || c == b'\r'
}

/// The end of the field of `b` at `pos`: its first separator or newline at
/// or after `pos`, or the end of `b`.
fn field_end(b: &[u8], mut pos: usize) -> usize {
    // 8 bytes at a time: the lowest high bit of `below` marks the first
    // byte below 0x21 (bytes of 0x80 and up are masked out); it is a
    // separator or newline but for other control bytes, which words hold.
    const ONES: u64 = 0x2121_2121_2121_2121;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(block) = b.get(pos..pos + 8) {
        let x = u64::from_le_bytes(block.try_into().expect("8 bytes"));
        let below = x.wrapping_sub(ONES) & !x & HIGH;
        if below == 0 {
            pos += 8;
            continue;
        }
        pos += (below.trailing_zeros() / 8) as usize;
        if is_sep(b[pos]) || b[pos] == b'\n' {
            return pos;
        }
        pos += 1;
    }
    while pos < b.len() && !is_sep(b[pos]) && b[pos] != b'\n' {
        pos += 1;
    }
    pos
}

/// A word's place in the text being parsed, and its first 8 bytes.
#[derive(Debug, Clone, Copy, Default)]
struct WordAt {
    start: usize,
    end: usize,
    head: u64,
}

impl WordAt {
    /// The word of `text` at `start..end`: its head read as one 8-byte load
    /// where the text is long enough, masked to the word.
    fn new(text: &[u8], start: usize, end: usize) -> Self {
        let len = end - start;
        let head = match text.get(start..start + 8) {
            Some(b) => {
                let all = u64::from_le_bytes(b.try_into().expect("8 bytes"));
                if len >= 8 {
                    all
                } else {
                    all & ((1u64 << (8 * len)) - 1)
                }
            }
            None => word_head(&text[start..end]),
        };
        WordAt { start, end, head }
    }

    /// Whether `self` and `other`, both words of `text`, are the same word.
    fn same(&self, other: &WordAt, text: &[u8]) -> bool {
        self.head == other.head
            && self.end - self.start == other.end - other.start
            && (self.end - self.start <= 8
                || text[self.start + 8..self.end] == text[other.start + 8..other.end])
    }
}

/// The previous line of the usual shape in a piece: in suffix order,
/// neighbouring lines mostly share all words but the first, which are then
/// not looked up again.
struct PrevLine {
    words: [WordAt; crate::MAX_ORDER],
    /// The ids of the last line whose words were looked up.
    ids: [TokenId; crate::MAX_ORDER],
    /// Whether `words` holds a line.
    valid: bool,
}

/// Lines of the usual shape gathered before their words are looked up
/// together: the lookups, mostly cache misses in a table of megabytes, are
/// then independent of each other and overlap.
#[derive(Default)]
struct Chunk {
    /// (line, start, end, log10 probability, log10 backoff) of each line.
    lines: Vec<(u64, usize, usize, f64, f64)>,
    /// n a line: a word's id is [`SAME_WORD`] (the previous line's) or
    /// [`NEW_WORD`] (the next of `lookups`).
    ids: Vec<TokenId>,
    lookups: Vec<WordAt>,
    found: Vec<Option<TokenId>>,
}

impl Chunk {
    fn clear(&mut self) {
        self.lines.clear();
        self.ids.clear();
        self.lookups.clear();
    }
}

/// Lines in a [`Chunk`] at most.
const CHUNK_LINES: usize = 64;
const SAME_WORD: TokenId = TokenId::MAX;
const NEW_WORD: TokenId = TokenId::MAX - 1;

/// What the next line of a piece is.
enum Next {
    /// The end of the piece.
    End,
    /// A blank line ending at the given newline (or the text's end).
    Blank(usize),
    /// A line of the usual shape ending at the given newline (or the
    /// text's end), added to the chunk.
    Usual(usize),
    /// Any other line, from its start to its end.
    Other(usize, usize),
    /// A line that runs into invalid UTF-8.
    BadUtf8,
}

impl LineParser<'_> {
    /// Parses the lines of `text` into `part`; stops at the first error.
    fn parse(&self, text: &[u8], part: &mut Part) {
        part.words.clear();
        part.prob.clear();
        part.backoff.clear();
        part.runs.clear();
        part.lines = 0;
        part.error = None;
        if part.backoffs.is_empty() {
            // No log10 value has the bits of a NaN.
            part.backoffs = vec![(f64::NAN.to_bits(), 0.0); BACKOFF_CACHE];
        }
        // Lines are parsed up to the first invalid UTF-8, which fails the
        // line holding it.
        let (b, bad) = match std::str::from_utf8(text) {
            Ok(_) => (text, false),
            Err(e) => (&text[..e.valid_up_to()], true),
        };
        let mut prev = PrevLine {
            words: [WordAt::default(); crate::MAX_ORDER],
            ids: [UNK; crate::MAX_ORDER],
            valid: false,
        };
        let mut chunk = Chunk::default();
        let mut pos = 0;
        loop {
            let line = part.lines;
            let start = pos;
            while pos < b.len() && is_sep(b[pos]) {
                pos += 1;
            }
            let next = if pos == b.len() && bad {
                Next::BadUtf8
            } else if start == b.len() {
                Next::End
            } else if pos == b.len() || b[pos] == b'\n' {
                Next::Blank(pos)
            } else if let Some(end) = self.scan(b, bad, start, pos, line, &mut prev, &mut chunk) {
                Next::Usual(end)
            } else {
                let end = b[pos..].iter().position(|&c| c == b'\n').map_or(b.len(), |i| pos + i);
                if end == b.len() && bad {
                    Next::BadUtf8
                } else {
                    Next::Other(start, end)
                }
            };
            let gathering =
                matches!(next, Next::Usual(_) | Next::Blank(_)) && chunk.lines.len() < CHUNK_LINES;
            if !gathering {
                if let Some(j) = self.flush(&mut chunk, b, &mut prev, part) {
                    // An unknown word: the line as text names it.
                    let (line, start, end, ..) = chunk.lines[j];
                    chunk.clear();
                    prev.valid = false;
                    let l = std::str::from_utf8(&b[start..end]).expect("valid up to here");
                    if let Err(msg) = self.text_line(l, line, part) {
                        part.error = Some((line, msg));
                        return;
                    }
                    part.lines = line + 1;
                    pos = (end + 1).min(b.len());
                    continue;
                }
            }
            match next {
                Next::End => return,
                Next::BadUtf8 => {
                    part.error = Some((line, "invalid UTF-8".into()));
                    return;
                }
                Next::Blank(end) | Next::Usual(end) => pos = (end + 1).min(b.len()),
                Next::Other(start, end) => {
                    prev.valid = false;
                    let l = std::str::from_utf8(&b[start..end]).expect("valid up to here");
                    if let Err(msg) = self.text_line(l, line, part) {
                        part.error = Some((line, msg));
                        return;
                    }
                    pos = (end + 1).min(b.len());
                }
            }
            part.lines += 1;
        }
    }

    /// Scans the line that starts at `start`, `pos` being past its leading
    /// separators, at neither a separator nor a newline. A line of the usual
    /// shape (plain numbers in range, n words, a backoff where one may be)
    /// goes into `chunk`, with its words to look up. `None`, having changed
    /// nothing, for any other line and for one that runs into the
    /// invalid UTF-8 of a `bad` text. Returns the line's end (its newline or
    /// the text's end).
    #[allow(clippy::too_many_arguments)]
    fn scan(
        &self,
        b: &[u8],
        bad: bool,
        start: usize,
        mut pos: usize,
        line: u64,
        prev: &mut PrevLine,
        chunk: &mut Chunk,
    ) -> Option<usize> {
        let n = self.n;
        // The log10 probability, n words, and perhaps a backoff.
        let mut fields = [(0usize, 0usize); crate::MAX_ORDER + 2];
        let mut k = 0;
        loop {
            let field_start = pos;
            pos = field_end(b, pos);
            if k == n + 2 {
                return None;
            }
            fields[k] = (field_start, pos);
            k += 1;
            while pos < b.len() && is_sep(b[pos]) {
                pos += 1;
            }
            if pos == b.len() || b[pos] == b'\n' {
                break;
            }
        }
        if pos == b.len() && bad {
            return None;
        }
        let number = |(a, z): (usize, usize)| plain_number(&b[a..z]);
        let lp = number(fields[0]).filter(|&x| x <= 0.0)?;
        let bo = match k - 1 {
            w if w == n => 0.0,
            w if w == n + 1 && n < self.order => {
                number(fields[n + 1]).filter(|&x| x <= f64::from(f64::MAX_10_EXP))?
            }
            _ => return None,
        };
        for (w, &(a, z)) in fields[1..=n].iter().enumerate() {
            let word = WordAt::new(b, a, z);
            if prev.valid && word.same(&prev.words[w], b) {
                chunk.ids.push(SAME_WORD);
            } else {
                chunk.ids.push(NEW_WORD);
                chunk.lookups.push(word);
            }
            prev.words[w] = word;
        }
        prev.valid = true;
        chunk.lines.push((line, start, pos, lp, bo));
        Some(pos)
    }

    /// Looks up the chunk's words and appends its lines to `part`, emptying
    /// it; stops at the first line with an unknown word, whose place in the
    /// chunk it returns (the chunk is then kept).
    fn flush(&self, chunk: &mut Chunk, b: &[u8], prev: &mut PrevLine, part: &mut Part) -> Option<usize> {
        let n = self.n;
        chunk.found.clear();
        chunk.found.extend(chunk.lookups.iter().map(|w| self.index.find(&b[w.start..w.end], w.head)));
        let mut found = chunk.found.iter();
        for (j, &(line, _, _, lp, bo)) in chunk.lines.iter().enumerate() {
            for (k, &id) in chunk.ids[j * n..(j + 1) * n].iter().enumerate() {
                if id == NEW_WORD {
                    match found.next().expect("one per new word") {
                        Some(id) => prev.ids[k] = *id,
                        None => {
                            part.words.truncate(part.prob.len() * n);
                            return Some(j);
                        }
                    }
                }
                part.words.push(prev.ids[k]);
            }
            part.note_line(line);
            part.prob.push(pow10(lp));
            let bo = part.pow10_backoff(bo);
            part.backoff.push(bo);
        }
        chunk.clear();
        None
    }

    /// Parses `line`, a line of text which may be blank, any way it is
    /// written.
    fn text_line(&self, l: &str, line: u64, part: &mut Part) -> std::result::Result<(), String> {
        if is_blank(l) {
            return Ok(());
        }
        let (n, order) = (self.n, self.order);
        let mut pos = 0;
        let lp = parse_number(next_field(l, &mut pos), "log10 probability")?;
        if lp > 0.0 {
            return Err(format!("positive log10 probability {lp}"));
        }
        let fields: Vec<&str> = std::iter::from_fn(|| next_field(l, &mut pos)).take(n + 2).collect();
        let bo = match fields.len() {
            k if k == n => 0.0,
            k if k == n + 1 && n < order => parse_number(Some(fields[n]), "backoff")?,
            _ => {
                return Err(format!(
                    "expected {n} words{}, got '{l}'",
                    if n < order { " and an optional backoff" } else { "" }
                ))
            }
        };
        for w in &fields[..n] {
            match self.index.get(w) {
                Some(id) => part.words.push(id),
                None => {
                    part.words.truncate(part.prob.len() * n);
                    return Err(format!("word '{w}' has no unigram"));
                }
            }
        }
        part.note_line(line);
        part.prob.push(pow10(lp));
        part.backoff.push(pow10(bo));
        Ok(())
    }
}

/// The permutation of `0..m` that sorts the word tuples `key(i)`
/// lexicographically. Tuples that fit in 128 bits at `bits` bits a word are
/// packed and sorted as integers, which is several times faster than
/// comparing slices.
fn sorted_by_words<'a>(m: usize, bits: usize, key: impl Fn(u32) -> &'a [TokenId]) -> Vec<u32> {
    let mut perm: Vec<u32> = (0..m as u32).collect();
    let len = if m == 0 { 0 } else { key(0).len() };
    if len * bits <= 128 {
        let pack = |t: &[TokenId]| t.iter().fold(0u128, |acc, &w| (acc << bits) | u128::from(w));
        let mut keyed: Vec<(u128, u32)> = perm.iter().map(|&i| (pack(key(i)), i)).collect();
        keyed.sort_unstable();
        perm.clear();
        perm.extend(keyed.into_iter().map(|(_, i)| i));
    } else {
        perm.sort_unstable_by(|&a, &b| key(a).cmp(key(b)));
    }
    perm
}

/// An order's n-grams as linking the order above needs them.
enum Below {
    /// Read in suffix order (see [`Section::link_sorted`]).
    Sorted(SortedBelow),
    /// Word tuples in model order.
    Model(Vec<TokenId>),
}

/// An order read in suffix order.
#[derive(Default)]
struct SortedBelow {
    /// Word tuples in file order.
    words: Vec<TokenId>,
    /// File line -> model id.
    model_of_file: Vec<u32>,
    /// File line -> prefix id.
    prefix_of_file: Vec<u32>,
    /// Model id -> first word.
    first: Vec<TokenId>,
}

/// Buffers of [`Section::link_sorted`], kept from order to order.
#[derive(Default)]
struct LinkScratch {
    recs: Vec<LinkRec>,
    sorted: Vec<LinkRec>,
    start: Vec<u32>,
    /// Whether an order follows: if not, buffers are freed as soon as they
    /// are used (memory peaks while the highest order is linked).
    keep: bool,
}

/// One line of a section in suffix order, as [`Section::link_sorted`] sorts
/// it into model order.
#[derive(Debug, Clone, Copy, Default)]
struct LinkRec {
    first: TokenId,
    /// Its suffix's id.
    suffix: u32,
    /// The id of its suffix's prefix (its words but the first and last).
    suffix_prefix: u32,
    /// Its line in the section.
    line: u32,
}

impl SortedBelow {
    /// The unigrams, in id order: every id is one.
    fn unigrams(n_words: usize) -> Self {
        let ids: Vec<TokenId> = (0..n_words as TokenId).collect();
        SortedBelow {
            words: ids.clone(),
            model_of_file: ids.clone(),
            prefix_of_file: vec![0; n_words],
            first: ids,
        }
    }
}

impl Below {
    /// Word tuples in model order.
    fn model_words(&self) -> std::borrow::Cow<'_, [TokenId]> {
        match self {
            Below::Model(words) => words.into(),
            Below::Sorted(b) => {
                let m = b.model_of_file.len();
                let len = b.words.len() / m.max(1);
                let mut words = vec![0; b.words.len()];
                for (i, &k) in b.model_of_file.iter().enumerate() {
                    let k = k as usize;
                    words[k * len..(k + 1) * len].copy_from_slice(&b.words[i * len..(i + 1) * len]);
                }
                words.into()
            }
        }
    }
}

/// One order's n-grams as read, in file order.
struct Section {
    n: usize,
    /// `n` word ids per n-gram (orders >= 2).
    words: Vec<TokenId>,
    prob: Vec<f64>,
    backoff: Vec<f64>,
    /// Number of n-grams read.
    len: usize,
    /// Runs of consecutive n-gram lines, for errors: (first n-gram, its line).
    /// One run unless blank lines interrupt the section.
    runs: Vec<(usize, u64)>,
}

impl Section {
    /// An empty section of order `n` with room for `count` n-grams; the
    /// probability and backoff buffers are `spare`'s, emptied (a previous
    /// section's, not allocated and paged in again).
    fn new(n: usize, count: usize, spare: (Vec<f64>, Vec<f64>)) -> Self {
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
    fn append_batch(
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
        let (first, rest) = parts.split_first_mut().expect("one part at least");
        std::thread::scope(|s| {
            let workers: Vec<_> = rest
                .iter_mut()
                .zip(cuts.windows(2).skip(1))
                .map(|(part, w)| s.spawn(move || parser.parse(&batch[w[0]..w[1]], part)))
                .collect();
            parser.parse(&batch[..cuts[1]], first);
            for w in workers {
                w.join().expect("a parser thread panicked");
            }
        });
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
    fn line(&self, i: u32) -> u64 {
        Section::line_in(&self.runs, i)
    }

    fn line_in(runs: &[(usize, u64)], i: u32) -> u64 {
        let i = i as usize;
        let r = runs.partition_point(|&(start, _)| start <= i) - 1;
        let (start, line) = runs[r];
        line + (i - start) as u64
    }

    fn tuple(&self, i: u32) -> &[TokenId] {
        let n = self.n;
        &self.words[i as usize * n..(i as usize + 1) * n]
    }

    /// Links the n-grams to their prefixes and suffixes in the order below
    /// (`below`, whose level is `below_level`) and puts them in model order.
    /// Files in suffix order take [`Section::link_sorted`]; any other line
    /// order, and any missing link or duplicate, takes the general
    /// [`Section::link_any`], which also names the error.
    fn link(
        &mut self,
        mut below: Below,
        below_level: &Level,
        vocab: &Vocab,
        scratch: &mut LinkScratch,
    ) -> Result<(Level, Below)> {
        if let Below::Sorted(b) = below {
            match self.link_sorted(b, below_level, vocab.len(), scratch) {
                Ok((level, next)) => return Ok((level, Below::Sorted(next))),
                Err(b) => below = Below::Sorted(b),
            }
        }
        let sec = std::mem::replace(self, Section::new(self.n, 0, (Vec::new(), Vec::new())));
        let (level, words) = sec.link_any(&below.model_words(), vocab)?;
        Ok((level, Below::Model(words)))
    }

    /// [`Section::link`] without comparison sorts, for a section in suffix
    /// order (strictly increasing by last word id, then the word before,
    /// ...: how lmplz and [`Model::write_arpa`] order n-grams) above an order
    /// read the same way. Then the lines of one suffix are consecutive and
    /// the suffixes come in the order below's file order, so one merge finds
    /// them; model order, by (first word, suffix id), is two counting sorts
    /// away; and prefixes, found in model order, are one more merge. Every
    /// pass reads sequentially but the counting sorts' writes and the final
    /// gathers. The order below is dropped once used (memory peaks while the
    /// highest order is linked), or given back when the section is not in
    /// suffix order or a link is missing.
    fn link_sorted(
        &mut self,
        below: SortedBelow,
        below_level: &Level,
        n_words: usize,
        scratch: &mut LinkScratch,
    ) -> std::result::Result<(Level, SortedBelow), SortedBelow> {
        let n = self.n;
        let m = self.len;
        let words = &self.words;
        let t = |i: usize| &words[i * n..(i + 1) * n];
        let lower = |r: usize| &below.words[r * (n - 1)..(r + 1) * (n - 1)];
        // Compared last word first, where suffixes differ; short tuples, not
        // worth a call to memcmp.
        let rev_less = |a: &[TokenId], b: &[TokenId]| a.iter().rev().lt(b.iter().rev());
        let same = |a: &[TokenId], b: &[TokenId]| a.iter().rev().eq(b.iter().rev());
        let n_below = below.model_of_file.len();
        let LinkScratch { recs, sorted, start, keep } = scratch;
        recs.clear();
        let mut r = 0;
        for i in 0..m {
            let s = &t(i)[1..];
            let same_suffix = i > 0 && same(s, &t(i - 1)[1..]);
            if same_suffix {
                if t(i)[0] <= t(i - 1)[0] {
                    return Err(below);
                }
            } else {
                if i > 0 && !rev_less(&t(i - 1)[1..], s) {
                    return Err(below);
                }
                while r < n_below && rev_less(lower(r), s) {
                    r += 1;
                }
                if r == n_below || !same(lower(r), s) {
                    return Err(below);
                }
            }
            recs.push(LinkRec {
                first: t(i)[0],
                suffix: below.model_of_file[r],
                suffix_prefix: below.prefix_of_file[r],
                line: i as u32,
            });
        }
        // Model order: a stable sort by suffix id, then one by first word.
        counting_sort_into(recs, n_below, |rec| rec.suffix as usize, sorted, start);
        counting_sort_into(sorted, n_words, |rec| rec.first as usize, recs, start);
        if !*keep {
            (*sorted, *start) = (Vec::new(), Vec::new());
        }
        // An n-gram's prefix is the n-gram of the order below with its first
        // word and, as suffix, its own suffix's prefix. Those (first word,
        // suffix) pairs increase along both orders' model order.
        let key = |w: TokenId, s: u32| (u64::from(w) << 32) | u64::from(s);
        let below_key = |j: usize| key(below.first[j], below_level.suffix[j]);
        let mut prefix = Vec::with_capacity(m);
        let mut j = 0;
        for rec in recs.iter() {
            let want = key(rec.first, rec.suffix_prefix);
            while j < n_below && below_key(j) < want {
                j += 1;
            }
            if j == n_below || below_key(j) != want {
                return Err(below);
            }
            prefix.push(j as u32);
        }
        drop(below);
        // The highest order's file-order buffers are freed as soon as they
        // are used, and what only a next order needs is not built.
        let next = if *keep {
            let mut model_of_file = vec![0u32; m];
            let mut prefix_of_file = vec![0u32; m];
            for (k, rec) in recs.iter().enumerate() {
                model_of_file[rec.line as usize] = k as u32;
                prefix_of_file[rec.line as usize] = prefix[k];
            }
            let first = recs.iter().map(|rec| rec.first).collect();
            SortedBelow { words: std::mem::take(&mut self.words), model_of_file, prefix_of_file, first }
        } else {
            self.words = Vec::new();
            SortedBelow::default()
        };
        let line = |rec: &LinkRec| rec.line as usize;
        let prob = recs.iter().map(|rec| self.prob[line(rec)]).collect();
        let backoff = recs.iter().map(|rec| self.backoff[line(rec)]).collect();
        if !*keep {
            (self.prob, self.backoff) = (Vec::new(), Vec::new());
        }
        let level = Level {
            prefix,
            // An n-gram's last word is its suffix's.
            word: recs.iter().map(|rec| below_level.word[rec.suffix as usize]).collect(),
            suffix: recs.iter().map(|rec| rec.suffix).collect(),
            prob,
            backoff,
            child_start: Vec::new(),
        };
        Ok((level, next))
    }

    /// Sorts the n-grams lexicographically by word ids (which is the model's
    /// (prefix id, word) order, since the order below is sorted the same way)
    /// and links each to its prefix and suffix in `below` (the order below's
    /// word tuples in model order) by two sequential merges, not per-line
    /// lookups. Returns the level and its word tuples in model order.
    fn link_any(self, below: &[TokenId], vocab: &Vocab) -> Result<(Level, Vec<TokenId>)> {
        let n = self.n;
        let m = self.prob.len();
        let text = |t: &[TokenId]| t.iter().map(|&w| vocab.token(w)).collect::<Vec<_>>().join(" ");
        let err = |i: u32, msg: String| Err(Error::Arpa { line: self.line(i), msg });
        let lower = |j: usize| &below[j * (n - 1)..(j + 1) * (n - 1)];
        let n_below = below.len() / (n - 1);

        let bits = (32 - (vocab.len().max(2) as u32 - 1).leading_zeros()) as usize;
        let ibits = (32 - (m.max(2) as u32 - 1).leading_zeros()) as usize;
        if n * bits + ibits <= 128 {
            return self.link_packed(below, vocab, bits, ibits);
        }
        let perm = sorted_by_words(m, bits, |i| self.tuple(i));
        let mut words = Vec::with_capacity(m * n);
        let mut prefix = Vec::with_capacity(m);
        let mut j = 0usize;
        for (k, &i) in perm.iter().enumerate() {
            let t = self.tuple(i);
            if k > 0 && self.tuple(perm[k - 1]) == t {
                return err(i, format!("duplicate {n}-gram '{}'", text(t)));
            }
            while j < n_below && lower(j) < &t[..n - 1] {
                j += 1;
            }
            if j == n_below || lower(j) != &t[..n - 1] {
                return err(
                    i,
                    format!("n-gram '{}' has no prefix ({}) of a lower order", text(t), text(&t[..n - 1])),
                );
            }
            prefix.push(j as u32);
            words.extend_from_slice(t);
        }
        // Suffixes: visit the n-grams in the order of their last n - 1 words.
        let new_tuple = |k: u32| &words[k as usize * n..(k as usize + 1) * n];
        let by_suffix = sorted_by_words(m, bits, |k| &new_tuple(k)[1..]);
        let mut suffix = vec![0u32; m];
        let mut j = 0usize;
        for &k in &by_suffix {
            let s = &new_tuple(k)[1..];
            while j < n_below && lower(j) < s {
                j += 1;
            }
            if j == n_below || lower(j) != s {
                let i = perm[k as usize];
                return err(
                    i,
                    format!("n-gram '{}' has no suffix ({}) of a lower order", text(new_tuple(k)), text(s)),
                );
            }
            suffix[k as usize] = j as u32;
        }
        let level = Level {
            prefix,
            word: (0..m).map(|k| words[k * n + n - 1]).collect(),
            suffix,
            prob: perm.iter().map(|&i| self.prob[i as usize]).collect(),
            backoff: perm.iter().map(|&i| self.backoff[i as usize]).collect(),
            child_start: Vec::new(),
        };
        Ok((level, words))
    }

    /// [`Section::link`] for tuples that fit in 128 bits at `bits` bits a
    /// word, with the n-gram's index in the low `ibits` bits: sorts, checks and
    /// merges plain integers, so no step reads the section's tuples in random
    /// order or compares slices.
    fn link_packed(
        self,
        below: &[TokenId],
        vocab: &Vocab,
        bits: usize,
        ibits: usize,
    ) -> Result<(Level, Vec<TokenId>)> {
        let n = self.n;
        let m = self.len;
        let text = |t: &[TokenId]| t.iter().map(|&w| vocab.token(w)).collect::<Vec<_>>().join(" ");
        let pack = |t: &[TokenId]| t.iter().fold(0u128, |acc, &w| (acc << bits) | u128::from(w));
        let unpack = |key: u128, len: usize, out: &mut Vec<TokenId>| {
            let word_mask = (1u128 << bits) - 1;
            out.extend((0..len).rev().map(|k| ((key >> (k * bits)) & word_mask) as TokenId));
        };
        let n_below = below.len() / (n - 1);
        let lower = |j: usize| pack(&below[j * (n - 1)..(j + 1) * (n - 1)]);
        let imask = (1u128 << ibits) - 1;
        let split = |e: u128| (e >> ibits, (e & imask) as u32);
        let mut keyed: Vec<u128> =
            self.words.chunks_exact(n).enumerate().map(|(i, t)| (pack(t) << ibits) | i as u128).collect();
        drop(self.words);
        keyed.sort_unstable();
        let err = |i: u32, msg: String| Err(Error::Arpa { line: Section::line_in(&self.runs, i), msg });
        let mut prefix = Vec::with_capacity(m);
        let mut scratch = Vec::with_capacity(n);
        let (mut j, mut lower_j) = (0usize, if n_below > 0 { lower(0) } else { 0 });
        for (k, &e) in keyed.iter().enumerate() {
            let (key, i) = split(e);
            if k > 0 && keyed[k - 1] >> ibits == key {
                scratch.clear();
                unpack(key, n, &mut scratch);
                return err(i, format!("duplicate {n}-gram '{}'", text(&scratch)));
            }
            let want = key >> bits;
            while j < n_below && lower_j < want {
                j += 1;
                if j < n_below {
                    lower_j = lower(j);
                }
            }
            if j == n_below || lower_j != want {
                scratch.clear();
                unpack(key, n, &mut scratch);
                return err(
                    i,
                    format!(
                        "n-gram '{}' has no prefix ({}) of a lower order",
                        text(&scratch),
                        text(&scratch[..n - 1])
                    ),
                );
            }
            prefix.push(j as u32);
        }
        let mut words = Vec::with_capacity(m * n);
        for &e in &keyed {
            unpack(split(e).0, n, &mut words);
        }
        let prob = keyed.iter().map(|&e| self.prob[split(e).1 as usize]).collect();
        drop(self.prob);
        let backoff = keyed.iter().map(|&e| self.backoff[split(e).1 as usize]).collect();
        drop(self.backoff);
        // Suffixes: visit the n-grams in the order of their last n - 1 words.
        let suffix_mask = (1u128 << ((n - 1) * bits)) - 1;
        let perm: Vec<u32> = keyed.iter().map(|&e| split(e).1).collect();
        for (k, e) in keyed.iter_mut().enumerate() {
            *e = ((split(*e).0 & suffix_mask) << ibits) | k as u128;
        }
        keyed.sort_unstable();
        let mut suffix = vec![0u32; m];
        let (mut j, mut lower_j) = (0usize, if n_below > 0 { lower(0) } else { 0 });
        for &e in &keyed {
            let (want, k) = split(e);
            while j < n_below && lower_j < want {
                j += 1;
                if j < n_below {
                    lower_j = lower(j);
                }
            }
            if j == n_below || lower_j != want {
                let t = &words[k as usize * n..(k as usize + 1) * n];
                return err(
                    perm[k as usize],
                    format!("n-gram '{}' has no suffix ({}) of a lower order", text(t), text(&t[1..])),
                );
            }
            suffix[k as usize] = j as u32;
        }
        let level = Level {
            prefix,
            word: (0..m).map(|k| words[k * n + n - 1]).collect(),
            suffix,
            prob,
            backoff,
            child_start: Vec::new(),
        };
        Ok((level, words))
    }
}
