//! Counting sort: a stable sort by a small integer key, without comparisons.

/// `items` stably sorted by `key(item)`, a key below `buckets`, into `out`:
/// one counting pass and one scatter, no comparisons. `start` is scratch:
/// buffers kept from call to call are not allocated (and paged in) again.
pub(crate) fn counting_sort_into<T: Copy + Default>(
    items: &[T],
    buckets: usize,
    key: impl Fn(&T) -> usize,
    out: &mut Vec<T>,
    start: &mut Vec<u32>,
) {
    start.clear();
    start.resize(buckets + 1, 0);
    for it in items {
        start[key(it) + 1] += 1;
    }
    for b in 0..buckets {
        start[b + 1] += start[b];
    }
    out.clear();
    out.resize(items.len(), T::default());
    for it in items {
        let slot = &mut start[key(it)];
        out[*slot as usize] = *it;
        *slot += 1;
    }
}
