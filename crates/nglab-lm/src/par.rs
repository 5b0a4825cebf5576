//! Ordered parallel work: the one way the crate (and `nglab-metrics`) runs
//! anything on threads.
//!
//! Counting, estimation, ARPA writing and reading, sampling (and the text
//! metrics' lexical draws) cut their work into jobs and hand them to [`map`] (or [`map_with`], when each thread keeps
//! a state of its own across jobs) with the thread count their caller gives.
//! Threads take the next job from one atomic counter, each job is taken out of
//! its own slot, and the results come back in job order: what a stage computes
//! depends on how it cuts its work into jobs, never on the number of threads or
//! on scheduling. Nothing is shared between jobs but that counter, so more
//! threads help as long as there are jobs for them. The calling thread works
//! as one of the threads: with one thread (or one job) no thread is started.

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// `f` applied to every job, on at most `threads` threads (0 counts as 1);
/// the results in job order.
pub fn map<J: Send, R: Send>(threads: usize, jobs: Vec<J>, f: impl Fn(J) -> R + Sync) -> Vec<R> {
    map_with(&mut vec![(); threads.max(1)], jobs, |_, job| f(job))
}

/// `f(state, job)` for every job, on one thread per state (at most one per
/// job), each thread with its own state (a sampler whose caches live across
/// jobs, a parser's buffers); the results in job order. `states` must not be
/// empty.
pub fn map_with<S: Send, J: Send, R: Send>(
    states: &mut [S],
    jobs: Vec<J>,
    f: impl Fn(&mut S, J) -> R + Sync,
) -> Vec<R> {
    let threads = states.len().min(jobs.len());
    if threads <= 1 {
        let state = states.first_mut().expect("at least one state");
        return jobs.into_iter().map(|job| f(state, job)).collect();
    }
    let n_jobs = jobs.len();
    // Each slot is locked once, by the one thread that took its index.
    let slots: Vec<Mutex<Option<J>>> = jobs.into_iter().map(|j| Mutex::new(Some(j))).collect();
    let next = AtomicUsize::new(0);
    let work = |state: &mut S| {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(slot) = slots.get(i) else { return done };
            let job = slot.lock().expect("a slot is never poisoned").take().expect("taken once");
            done.push((i, f(state, job)));
        }
    };
    let (first, rest) = states[..threads].split_first_mut().expect("two states at least");
    let mut results: Vec<Option<R>> = (0..n_jobs).map(|_| None).collect();
    std::thread::scope(|s| {
        let work = &work;
        let handles: Vec<_> = rest.iter_mut().map(|state| s.spawn(move || work(state))).collect();
        let mine = work(first);
        for (i, r) in
            mine.into_iter().chain(handles.into_iter().flat_map(|h| h.join().expect("a worker panicked")))
        {
            results[i] = Some(r);
        }
    });
    results.into_iter().map(|r| r.expect("every job ran")).collect()
}

/// `range` cut into `parts` (at least 1) contiguous spans of nearly equal
/// length, none empty (so fewer spans than `parts` for a short range, and
/// none for an empty one).
pub fn spans(range: Range<usize>, parts: usize) -> Vec<Range<usize>> {
    let size = range.len().div_ceil(parts.max(1)).max(1);
    range.clone().step_by(size).map(|a| a..(a + size).min(range.end)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_job_order_for_any_thread_count() {
        let jobs: Vec<u64> = (0..97).collect();
        let want: Vec<u64> = jobs.iter().map(|j| j * j).collect();
        for threads in [0, 1, 2, 3, 7, 200] {
            assert_eq!(map(threads, jobs.clone(), |j| j * j), want, "{threads} threads");
        }
    }

    #[test]
    fn one_thread_is_the_callers() {
        let me = std::thread::current().id();
        let ids = map(1, (0..5).collect(), |_: u32| std::thread::current().id());
        assert!(ids.iter().all(|&id| id == me));
        let mut one_state = [()];
        let ids = map_with(&mut one_state, (0..5).collect(), |_, _: u32| std::thread::current().id());
        assert!(ids.iter().all(|&id| id == me));
    }

    #[test]
    fn each_state_stays_on_its_thread() {
        // Each state counts the jobs it ran: all jobs run once, spread over the states.
        let mut states = vec![0usize; 3];
        let ids = map_with(&mut states, (0..50).collect(), |n: &mut usize, j: usize| {
            *n += 1;
            j
        });
        assert_eq!(ids, (0..50).collect::<Vec<_>>());
        assert_eq!(states.iter().sum::<usize>(), 50);
    }

    #[test]
    fn spans_cover_the_range_in_order() {
        for parts in [0, 1, 3, 4, 10, 11] {
            let p = spans(5..15, parts);
            assert!(p.len() <= parts.max(1) && p.iter().all(|s| !s.is_empty()), "{parts}: {p:?}");
            assert_eq!(p.into_iter().flatten().collect::<Vec<_>>(), (5..15).collect::<Vec<_>>(), "{parts}");
        }
        assert!(spans(3..3, 3).is_empty());
    }
}
