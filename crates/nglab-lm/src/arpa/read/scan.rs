//! The fast parser of n-gram lines of the usual shape: fields found 8 bytes
//! at a time, plain numbers, words looked up [`CHUNK_LINES`] lines at a time;
//! any other line goes to the line-of-text parser.

use nglab_tokenizer::{TokenId, UNK};

use super::number::{narrow, plain_number};
use super::word_index::{word_head, WordIndex};

/// Parses the n-gram lines of one order.
pub(super) struct LineParser<'a> {
    pub(super) n: usize,
    pub(super) order: usize,
    pub(super) index: &'a WordIndex<'a>,
}

/// The n-grams parsed from a piece of a batch, and the error that stopped
/// it. Lines are counted from the piece's first line, 0; kept from batch to
/// batch so that its buffers are allocated once.
#[derive(Default)]
pub(super) struct Part {
    pub(super) words: Vec<TokenId>,
    /// log10 probabilities and backoffs, as the model stores them.
    pub(super) prob: Vec<f32>,
    pub(super) backoff: Vec<f32>,
    /// (first n-gram of a run of consecutive lines, its line)
    pub(super) runs: Vec<(usize, u64)>,
    /// Lines parsed, blank ones included.
    pub(super) lines: u64,
    /// The error that stopped the piece: its line and message.
    pub(super) error: Option<(u64, String)>,
}

impl Part {
    /// Notes that the next n-gram comes from `line`.
    pub(super) fn note_line(&mut self, line: u64) {
        let n_grams = self.prob.len();
        match self.runs.last() {
            Some(&(i, l)) if l + (n_grams - i) as u64 == line => {}
            _ => self.runs.push((n_grams, line)),
        }
    }
}

/// Field separators: space, tab and carriage return (a word never holds a
/// CR, which a line end would strip).
pub(super) fn is_sep(c: u8) -> bool {
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
    lines: Vec<(u64, usize, usize, f32, f32)>,
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
    pub(super) fn parse(&self, text: &[u8], part: &mut Part) {
        part.words.clear();
        part.prob.clear();
        part.backoff.clear();
        part.runs.clear();
        part.lines = 0;
        part.error = None;
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
        let lp = narrow(number(fields[0]).filter(|&x| x <= 0.0)?, &b[fields[0].0..fields[0].1]);
        let bo = match k - 1 {
            w if w == n => 0.0,
            w if w == n + 1 && n < self.order => {
                let (a, z) = fields[n + 1];
                narrow(number(fields[n + 1]).filter(|&x| x <= f64::from(f64::MAX_10_EXP))?, &b[a..z])
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
            part.prob.push(lp);
            part.backoff.push(bo);
        }
        chunk.clear();
        None
    }
}
