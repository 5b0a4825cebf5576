//! Reads and counts at indices in no particular order, over tables too large
//! for the cache, done window by window.
//!
//! `table[idx[k]]` for indices spread over a table of many megabytes misses
//! the cache, and the TLB, once a read. Here a chunk of indices is first
//! partitioned by window (`idx >> shift`: at most [`MAX_WINDOWS`] windows)
//! with the stable [`counting_sort_into`], the table is read (or counted
//! into) one window after the other, and the values are put back in the
//! chunk's order by the same bucket cursors: every pass is sequential, walks
//! one cursor per window, or stays within one window. The results are
//! exactly those of the plain loop.

use crate::sort::counting_sort_into;

/// Indices handled per chunk: the scratch holds this many of them and their
/// values.
const CHUNK: usize = 1 << 20;

/// The most windows a table is cut into (one cursor each while
/// partitioning, so that the cursors stay in the cache).
pub(crate) const MAX_WINDOWS: usize = 1 << 10;

/// Tables of at most this many entries are read directly (they fit the cache).
const SMALL: usize = 1 << 16;

/// A table's windows: index `i` is in window `i >> shift`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Windows {
    shift: u32,
    /// How many windows there are.
    pub(crate) n: usize,
}

impl Windows {
    /// The windows of a table of `len` entries: at most [`MAX_WINDOWS`],
    /// each of 2^12 entries at least.
    pub(crate) fn new(len: usize) -> Self {
        let bits = usize::BITS - len.leading_zeros();
        let shift = bits.saturating_sub(MAX_WINDOWS.trailing_zeros()).max(12);
        Windows { shift, n: (len >> shift) + 1 }
    }

    /// The window of index `i`.
    #[inline]
    pub(crate) fn of(&self, i: u32) -> usize {
        (i >> self.shift) as usize
    }
}

/// Buffers kept across calls (so that they are not allocated and paged in
/// again): the items partitioned by window, their results, the window cursors.
#[derive(Debug, Default)]
pub(crate) struct Scratch<T, R> {
    sorted: Vec<T>,
    values: Vec<R>,
    start: Vec<u32>,
}

/// `f(item)` for each of `items`, called window by window (the window in `w`
/// of `index(item)`; stably, so a window's items in their order), the results
/// appended to `out` in `items`' order.
pub(crate) fn map<T: Copy + Default, R: Copy>(
    items: &[T],
    w: Windows,
    index: impl Fn(&T) -> u32,
    f: impl FnMut(&T) -> R,
    out: &mut Vec<R>,
    s: &mut Scratch<T, R>,
) {
    counting_sort_into(items, w.n, |t| w.of(index(t)), &mut s.sorted, &mut s.start);
    s.values.clear();
    s.values.extend(s.sorted.iter().map(f));
    // `start[w]` is the end of window `w`'s items: back to their start.
    let n = s.start.len() - 1;
    s.start.copy_within(0..n, 1);
    s.start[0] = 0;
    out.extend(items.iter().map(|t| {
        let c = &mut s.start[w.of(index(t))];
        *c += 1;
        s.values[*c as usize - 1]
    }));
}

/// Appends `table[i]` for each `i` in `idx` to `out`, in `idx`'s order.
pub(crate) fn gather<T: Copy>(table: &[T], idx: &[u32], out: &mut Vec<T>, s: &mut Scratch<u32, T>) {
    if table.len() <= SMALL {
        out.extend(idx.iter().map(|&i| table[i as usize]));
        return;
    }
    let w = Windows::new(table.len());
    out.reserve(idx.len());
    for chunk in idx.chunks(CHUNK) {
        map(chunk, w, |&i| i, |&i| table[i as usize], out, s);
    }
}

/// Adds 1 to `counts[i]` for each `i` in `idx`.
pub(crate) fn count<C: Copy + std::ops::AddAssign + From<u8>>(
    counts: &mut [C],
    idx: &[u32],
    s: &mut Scratch<u32, C>,
) {
    if counts.len() <= SMALL {
        idx.iter().for_each(|&i| counts[i as usize] += C::from(1));
        return;
    }
    let w = Windows::new(counts.len());
    for chunk in idx.chunks(CHUNK) {
        counting_sort_into(chunk, w.n, |&i| w.of(i), &mut s.sorted, &mut s.start);
        s.sorted.iter().for_each(|&i| counts[i as usize] += C::from(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Indices spread over a table of `len` entries, in no order.
    fn scattered(n: usize, len: usize) -> Vec<u32> {
        (0..n as u64).map(|k| (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 17) as u32 % len as u32).collect()
    }

    #[test]
    fn gather_and_count_are_the_plain_loops() {
        for (n, len) in [(0, 10), (1000, 10), (3 * CHUNK + 17, 5_000_000), (5000, SMALL + 1)] {
            let table: Vec<u64> = (0..len as u64).map(|i| i * 3 + 1).collect();
            let idx = scattered(n, len);
            let (mut got, mut s) = (vec![7], Scratch::default());
            gather(&table, &idx, &mut got, &mut s);
            let want: Vec<u64> = std::iter::once(7).chain(idx.iter().map(|&i| table[i as usize])).collect();
            assert_eq!(got, want, "gather of {n} over {len}");
            let mut counts = vec![0u32; len];
            count(&mut counts, &idx, &mut Scratch::default());
            let mut want = vec![0u32; len];
            idx.iter().for_each(|&i| want[i as usize] += 1);
            assert_eq!(counts, want, "count of {n} over {len}");
        }
    }

    #[test]
    fn windows_cover_the_table() {
        for len in [0, 1, 4096, 4097, 1 << 20, 5_000_001, u32::MAX as usize] {
            let w = Windows::new(len);
            assert!(w.n <= MAX_WINDOWS + 1, "{len}: {} windows", w.n);
            if len > 0 {
                assert!(w.of(len as u32 - 1) < w.n, "{len}");
            }
        }
    }
}
