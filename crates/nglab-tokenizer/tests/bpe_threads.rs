//! BPE training runs on the calling thread: no thread pool is started behind
//! the caller's `--threads`. Its own test binary, so that no other test's
//! threads are counted.

use nglab_tokenizer::Bpe;

/// Threads of this process (Linux: one entry per thread in /proc/self/task).
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |d| d.count())
}

#[test]
fn bpe_training_starts_no_thread() {
    let text = include_str!("data/bpe-train.txt");
    let before = threads();
    if before == 0 {
        eprintln!("no /proc/self/task here: nothing to check");
        return;
    }
    for _ in 0..3 {
        Bpe::train(text.lines(), 320).unwrap();
    }
    assert_eq!(threads(), before, "BPE training left threads running");
}
