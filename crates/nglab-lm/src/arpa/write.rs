//! ARPA writing: lmplz's layout, numbers as `Display` writes them.

use std::io::Write;
use std::ops::Range;

use nglab_tokenizer::{TokenId, TokenizerSpec, Vocab, BOS};

use super::{HEADER_TAG, TOKENIZER_TAG};
use crate::model::{Level, Model, ModelInfo};
use crate::par;
use crate::smoothing::Smoothing;
use crate::window;
use crate::{Error, Result};

/// Lines formatted per block; each block is cut into pieces formatted on
/// separate threads and written in order, so memory stays bounded and the
/// output does not depend on the thread count.
const WRITE_BLOCK: usize = 1 << 16;

/// Appends a log10 value as the shortest f32 that round-trips.
fn push_log10(out: &mut Vec<u8>, f: f32, buf: &mut zmij::Buffer) {
    if f == 0.0 {
        out.push(b'0');
    } else {
        push_f32(out, f, buf);
    }
}

/// Appends a finite `f` exactly as `format!("{f}")` would (the shortest
/// digits that round-trip, never an exponent), from zmij's digits (the same
/// as ryu's, faster still), several times faster to find. The two differ
/// only where two shortest candidates are equally close (zmij rounds that
/// tie to even, `Display` up): `f` is then
/// exactly halfway between them, so its exact decimal expansion (as many
/// fractional digits as `f` has fractional bits) is one digit longer than
/// theirs. Those rare values go through `Display`.
pub(super) fn push_f32(out: &mut Vec<u8>, f: f32, buf: &mut zmij::Buffer) {
    let s = buf.format_finite(f).as_bytes();
    // Fast path: zmij's decimal notation is Display's but for a trailing ".0".
    if !s.contains(&b'e') {
        let s = s.strip_suffix(b".0").unwrap_or(s);
        let frac = s.iter().position(|&b| b == b'.').map_or(0, |d| s.len() - d - 1);
        if fractional_bits(f) != frac as i32 + 1 {
            out.extend_from_slice(s);
            return;
        }
    }
    let (neg, s) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    let (mantissa, exp) = match s.iter().position(|&b| b == b'e') {
        Some(e) => {
            let (sign, digits) = match s[e + 1] {
                b'-' => (-1, &s[e + 2..]),
                b'+' => (1, &s[e + 2..]),
                _ => (1, &s[e + 1..]),
            };
            (&s[..e], sign * digits.iter().fold(0i32, |acc, &d| acc * 10 + i32::from(d - b'0')))
        }
        None => (s, 0),
    };
    // The significant digits, and where the decimal point falls among them.
    let dot = mantissa.iter().position(|&b| b == b'.').unwrap_or(mantissa.len());
    let mut digits = [0u8; 48];
    let (mut len, mut leading_zeros) = (0, 0);
    for &b in mantissa.iter().filter(|&&b| b != b'.') {
        if len == 0 && b == b'0' {
            leading_zeros += 1;
        } else {
            digits[len] = b;
            len += 1;
        }
    }
    let point = dot as i32 - leading_zeros + exp;
    while len > 0 && digits[len - 1] == b'0' {
        len -= 1;
    }
    if fractional_bits(f) == (len as i32 - point).max(0) + 1 {
        use std::io::Write as _;
        write!(out, "{f}").expect("writing to a Vec cannot fail");
        return;
    }
    if len == 0 {
        out.extend_from_slice(if neg { b"-0" } else { b"0" });
        return;
    }
    if neg {
        out.push(b'-');
    }
    let digits = &digits[..len];
    if point <= 0 {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', (-point) as usize));
        out.extend_from_slice(digits);
    } else if point as usize >= len {
        out.extend_from_slice(digits);
        out.extend(std::iter::repeat_n(b'0', point as usize - len));
    } else {
        out.extend_from_slice(&digits[..point as usize]);
        out.push(b'.');
        out.extend_from_slice(&digits[point as usize..]);
    }
}

/// The number of binary digits after the point in `f`'s exact value.
fn fractional_bits(f: f32) -> i32 {
    let bits = f.to_bits();
    let field = ((bits >> 23) & 0xff) as i32;
    let frac = bits & 0x7f_ffff;
    let (m, e) = if field == 0 { (frac, -149) } else { (frac | 0x80_0000, field - 150) };
    if m == 0 {
        0
    } else {
        (-(e + m.trailing_zeros() as i32)).max(0)
    }
}

/// What one ARPA line needs besides its text's tail (the text of its
/// suffix's line in the order below), in line order.
#[derive(Debug, Clone, Copy, Default)]
struct LineRec {
    log_prob: f32,
    log_backoff: f32,
    first: TokenId,
}

/// One order's lines, planned.
struct Plan {
    /// The lines' records, in line (suffix) order.
    recs: Vec<LineRec>,
    /// Below the first order: the lines whose suffix is line `r` of the order
    /// below end before line `ends[r]` (and start at `ends[r - 1]`, or 0).
    ends: Vec<u32>,
}

impl Plan {
    /// The line of the order below that line `l`'s suffix is.
    fn suffix_line(&self, l: usize) -> usize {
        self.ends.partition_point(|&e| e as usize <= l)
    }
}

/// The model's levels, as the planner reads them: borrowed, or owned and
/// freed as soon as they are planned.
enum Levels<'m> {
    Borrowed(&'m [Level]),
    Owned(Vec<Level>),
}

impl Levels<'_> {
    fn get(&self, n: usize) -> &Level {
        match self {
            Levels::Borrowed(levels) => &levels[n - 1],
            Levels::Owned(levels) => &levels[n - 1],
        }
    }

    /// Order `n` is planned: owned, it is freed, and so are the parts of
    /// order `n + 1` that its planning does not read (prefixes and words).
    fn planned(&mut self, n: usize) {
        if let Levels::Owned(levels) = self {
            levels[n - 1] = Level::default();
            if let Some(up) = levels.get_mut(n) {
                (up.prefix, up.word) = (Vec::new(), Vec::new());
            }
        }
    }
}

/// Plans each order's lines, one order after the other: the n-grams of one
/// order sorted by the rank of their suffix's line in the order below, then
/// by first word. Within one suffix, ids already come in first-word order
/// (they are sorted by prefix), so one stable counting sort by suffix rank
/// suffices; it scatters the records straight from the model's arrays.
struct Planner<'m> {
    levels: Levels<'m>,
    order: usize,
    /// The order planned next.
    n: usize,
    /// The line rank of each n-gram of the order below.
    rank: Vec<u32>,
    /// The first word of each n-gram of order `n`.
    first: Vec<TokenId>,
}

impl<'m> Planner<'m> {
    fn new(levels: Levels<'m>, order: usize) -> Self {
        let v = levels.get(1).len();
        Planner { levels, order, n: 1, rank: Vec::new(), first: (0..v as TokenId).collect() }
    }

    /// The plan of the next order.
    fn next_order(&mut self) -> Plan {
        let n = self.n;
        let lv = self.levels.get(n);
        // (Its words may be freed already: see `Levels::planned`.)
        let len = lv.log_prob.len();
        let above = n < self.order;
        let first = &self.first;
        let rec = |i: usize| {
            let has_children = above && lv.child_start[i] < lv.child_start[i + 1];
            LineRec {
                log_prob: if n == 1 && i == BOS as usize { 0.0 } else { lv.log_prob[i] },
                log_backoff: if has_children { lv.log_backoff[i] } else { 0.0 },
                first: first[i],
            }
        };
        let plan = if n == 1 {
            self.rank = (0..len as u32).collect();
            Plan { recs: (0..len).map(rec).collect(), ends: Vec::new() }
        } else {
            // Each n-gram's key, the rank of its suffix's line, in the buffer
            // that then takes its own line rank.
            let mut rank = Vec::with_capacity(len);
            window::gather(&self.rank, &lv.suffix, &mut rank, &mut window::Scratch::default());
            let n_below = self.rank.len();
            self.rank = Vec::new();
            let mut ends = vec![0u32; n_below + 1];
            window::count(&mut ends[1..], &rank, &mut window::Scratch::default());
            for r in 0..n_below {
                ends[r + 1] += ends[r];
            }
            let recs = place(&mut rank, &mut ends, len, rec);
            ends.pop();
            self.rank = rank;
            Plan { recs, ends }
        };
        if above {
            let up = self.levels.get(n + 1);
            self.first = up.prefix.iter().map(|&p| self.first[p as usize]).collect();
        } else {
            (self.rank, self.first) = (Vec::new(), Vec::new());
        }
        self.levels.planned(n);
        self.n += 1;
        plan
    }
}

/// A line record on its way to its place, with its key.
#[derive(Debug, Clone, Copy, Default)]
struct Keyed {
    key: u32,
    rec: LineRec,
}

/// The stable counting sort of the planner: line `i`'s record `rec(i)` goes
/// to slot `ends[key[i]]` (which moves on by one), and `key[i]` becomes that
/// slot; returns the records, `len` of them, by slot.
///
/// Window by window (`window::map`): a chunk of lines is partitioned by
/// the window of its keys (stably, so lines of one key keep their order),
/// placed one window after the other (each window's cursors and slots are
/// contiguous), and their slots put back in the chunk's order; no pass
/// jumps across the whole order.
fn place(key: &mut [u32], ends: &mut [u32], len: usize, rec: impl Fn(usize) -> LineRec) -> Vec<LineRec> {
    let mut recs = vec![LineRec::default(); len];
    let w = window::Windows::new(ends.len());
    let (mut keyed, mut slots, mut scratch) = (Vec::new(), Vec::new(), window::Scratch::default());
    for c0 in (0..len).step_by(PLACE_CHUNK) {
        let chunk = c0..(c0 + PLACE_CHUNK).min(len);
        keyed.clear();
        keyed.extend(chunk.clone().map(|i| Keyed { key: key[i], rec: rec(i) }));
        slots.clear();
        let to_slot = |k: &Keyed| {
            let slot = &mut ends[k.key as usize];
            recs[*slot as usize] = k.rec;
            *slot += 1;
            *slot - 1
        };
        window::map(&keyed, w, |k| k.key, to_slot, &mut slots, &mut scratch);
        key[chunk].copy_from_slice(&slots);
    }
    recs
}

/// Lines placed per chunk by [`place`] (16 bytes of scratch each, twice; a
/// few in tests, so that orders are cut).
const PLACE_CHUNK: usize = if cfg!(test) { 7 } else { 1 << 18 };

/// One formatted block piece: the lines, and (below the highest order) the
/// n-grams' texts back to back with their end offsets.
#[derive(Default)]
struct Piece {
    lines: Vec<u8>,
    texts: Vec<u8>,
    ends: Vec<usize>,
}

impl Model {
    /// [`Model::write_arpa`] on `threads` (>= 1) threads.
    pub(super) fn write_arpa_on(&self, out: impl Write, threads: usize) -> Result<()> {
        self.write_arpa_recording(out, threads, self.info.tokenizer.as_ref())
    }

    /// [`Model::write_arpa_on`] with `tokenizer` (rather than the model's
    /// own) named in the header.
    pub(super) fn write_arpa_recording(
        &self,
        out: impl Write,
        threads: usize,
        tokenizer: Option<&TokenizerSpec>,
    ) -> Result<()> {
        let lens: Vec<usize> = self.levels.iter().map(Level::len).collect();
        let levels = Levels::Borrowed(&self.levels);
        write_arpa_levels(&self.vocab, &self.info, tokenizer, &lens, levels, out, threads)
    }

    /// [`Model::write_arpa_owned`] on `threads` (>= 1) threads.
    pub(super) fn write_arpa_owned_on(self, out: impl Write, threads: usize) -> Result<()> {
        let lens: Vec<usize> = self.levels.iter().map(Level::len).collect();
        let tokenizer = self.info.tokenizer.as_ref();
        write_arpa_levels(&self.vocab, &self.info, tokenizer, &lens, Levels::Owned(self.levels), out, threads)
    }
}

/// Writes a model (`lens[n - 1]` n-grams of order n) as ARPA, naming
/// `tokenizer` in the header.
///
/// Level by level in suffix order ([`Planner`]); a line's text is its
/// first word plus the text of its suffix's line, kept from the order
/// below and read sequentially. On more than one thread, a planning
/// thread computes each order's plan while the others format and
/// write the order before (the two chains only meet at each order's
/// plan); once it has planned the highest order, every thread formats.
fn write_arpa_levels(
    vocab: &Vocab,
    info: &ModelInfo,
    tokenizer: Option<&TokenizerSpec>,
    lens: &[usize],
    levels: Levels,
    mut out: impl Write,
    threads: usize,
) -> Result<()> {
    if let Some(sm) = info.smoothing {
        if matches!(sm, Smoothing::StupidBackoff { .. } | Smoothing::Mle) {
            writeln!(out, "{HEADER_TAG}{sm}")?;
        }
    }
    if let Some(tokenizer) = tokenizer {
        writeln!(out, "{TOKENIZER_TAG}{tokenizer}")?;
    }
    writeln!(out, "\\data\\")?;
    for (n, len) in lens.iter().enumerate() {
        writeln!(out, "ngram {}={len}", n + 1)?;
    }
    let order = lens.len();
    let mut texts = Texts::default();
    if threads <= 1 {
        let mut planner = Planner::new(levels, order);
        for n in 1..=order {
            let plan = planner.next_order();
            texts = write_order(vocab, order, &mut out, n, &plan, &texts, 1)?;
        }
    } else {
        let (plans, planned) = std::sync::mpsc::sync_channel::<Plan>(1);
        std::thread::scope(|s| {
            s.spawn(move || {
                let mut planner = Planner::new(levels, order);
                for _ in 1..=order {
                    // The writer has failed when nobody receives.
                    if plans.send(planner.next_order()).is_err() {
                        return;
                    }
                }
            });
            // Owned here, so that an error returning early drops it and
            // the planning thread stops.
            let planned = planned;
            for n in 1..=order {
                let plan = planned.recv().expect("the planning thread plans every order");
                // The planning thread works on the next order meanwhile.
                let formatters = if n < order { threads - 1 } else { threads };
                texts = write_order(vocab, order, &mut out, n, &plan, &texts, formatters)?;
            }
            Ok::<(), Error>(())
        })?;
    }
    writeln!(out, "\n\\end\\")?;
    out.flush()?;
    Ok(())
}

/// Writes order `n`'s section (of a model of order `order`) from its plan,
/// formatting blocks in pieces on `threads` threads; `below` are the texts
/// of the order below's lines. Returns this order's texts (none at the
/// highest order).
fn write_order(
    vocab: &Vocab,
    order: usize,
    out: &mut impl Write,
    n: usize,
    plan: &Plan,
    below: &Texts,
    threads: usize,
) -> Result<Texts> {
    writeln!(out, "\n\\{n}-grams:")?;
    let keep_texts = n < order;
    // A line's text is about as long as its suffix's and a word more: the
    // pieces are sized from the order below, so that they rarely grow (each
    // growth copies what is formatted so far).
    let text_len = below.bytes.len() / (below.ends.len() - 1).max(1) + 12;
    let format = |lines: Range<usize>| {
        let mut out = Piece {
            lines: Vec::with_capacity(lines.len() * (text_len + 24)),
            texts: Vec::with_capacity(if keep_texts { lines.len() * text_len } else { 0 }),
            ends: Vec::with_capacity(if keep_texts { lines.len() } else { 0 }),
        };
        let mut buf = zmij::Buffer::new();
        let mut suffix = if n > 1 { plan.suffix_line(lines.start) } else { 0 };
        for (l, rec) in lines.clone().zip(&plan.recs[lines]) {
            let o = &mut out.lines;
            push_log10(o, rec.log_prob, &mut buf);
            o.push(b'\t');
            let text_start = o.len();
            o.extend_from_slice(vocab.token(rec.first).as_bytes());
            if n > 1 {
                while plan.ends[suffix] as usize <= l {
                    suffix += 1;
                }
                o.push(b' ');
                o.extend_from_slice(below.get(suffix));
            }
            if keep_texts {
                out.texts.extend_from_slice(&o[text_start..]);
                out.ends.push(out.texts.len());
                o.push(b'\t');
                push_log10(o, rec.log_backoff, &mut buf);
            }
            o.push(b'\n');
        }
        out
    };
    let mut texts = Texts::default();
    let len = plan.recs.len();
    for block in (0..len).step_by(WRITE_BLOCK) {
        let pieces = par::spans(block..(block + WRITE_BLOCK).min(len), threads);
        for piece in par::map(threads, pieces, format) {
            out.write_all(&piece.lines)?;
            let base = texts.bytes.len();
            texts.bytes.extend_from_slice(&piece.texts);
            texts.ends.extend(piece.ends.iter().map(|e| e + base));
        }
    }
    Ok(texts)
}

/// The texts of one order's lines (their words), back to back, by line rank.
struct Texts {
    bytes: Vec<u8>,
    /// Line `r`'s text is `bytes[ends[r]..ends[r + 1]]`.
    ends: Vec<usize>,
}

impl Default for Texts {
    fn default() -> Self {
        Texts { bytes: Vec::new(), ends: vec![0] }
    }
}

impl Texts {
    fn get(&self, r: usize) -> &[u8] {
        &self.bytes[self.ends[r]..self.ends[r + 1]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn place_is_the_plain_stable_counting_sort() {
        // Keys over many windows, in no order, several lines a key.
        let (n_below, len) = (50_000usize, 120_000usize);
        let keys: Vec<u32> = (0..len as u64).map(|i| ((i * 2_654_435_761) % n_below as u64) as u32).collect();
        let rec = |i: usize| LineRec { log_prob: i as f32, log_backoff: -(i as f32), first: i as TokenId };
        let mut ends = vec![0u32; n_below + 1];
        keys.iter().for_each(|&k| ends[k as usize + 1] += 1);
        (0..n_below).for_each(|r| ends[r + 1] += ends[r]);
        let (mut want_ends, mut want_keys) = (ends.clone(), keys.clone());
        let mut want = vec![LineRec::default(); len];
        for (i, key) in want_keys.iter_mut().enumerate() {
            let slot = &mut want_ends[*key as usize];
            want[*slot as usize] = rec(i);
            *key = *slot;
            *slot += 1;
        }
        let mut got_keys = keys.clone();
        let got = place(&mut got_keys, &mut ends, len, rec);
        assert_eq!(got_keys, want_keys);
        assert_eq!(ends, want_ends);
        let first = |recs: &[LineRec]| recs.iter().map(|r| r.first).collect::<Vec<_>>();
        assert_eq!(first(&got), first(&want));
    }
}
