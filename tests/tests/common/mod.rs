//! Helpers shared by the end-to-end tests: run the `nglab` binary, make
//! scratch directories, check one-line errors.
//!
//! Use from a test file with `mod common;`. `CARGO_BIN_EXE_*` exists only for
//! a package's own binaries, so `tests/Cargo.toml` builds the driver's
//! `main.rs` as `nglab-e2e`: always up to date, built in the same cargo run.

// Each test file uses a different subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The path of the `nglab` binary: the driver's `main.rs`, built by
/// `cargo test` as this package's binary `nglab-e2e`.
pub fn nglab_bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_nglab-e2e"))
}

/// Runs `nglab` with `args` in `dir` (the working directory).
pub fn nglab_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(nglab_bin()).args(args).current_dir(dir).output().expect("nglab runs")
}

/// Runs `nglab` with `args`.
pub fn nglab(args: &[&str]) -> Output {
    Command::new(nglab_bin()).args(args).output().expect("nglab runs")
}

/// A new empty directory, unique to this process and call (tests run in
/// parallel), under Cargo's scratch directory for integration tests.
pub fn scratch_dir(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("creating a scratch dir");
    dir
}

/// Standard output as UTF-8, after checking the run succeeded.
pub fn stdout_ok(out: &Output) -> String {
    assert!(out.status.success(), "nglab failed ({}):\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

/// Checks that the run failed with exit code 2 and a one-line error
/// `nglab: <message>` that contains `expect`, with no panic; returns it.
pub fn one_line_error(out: &Output, expect: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "exit code; stderr:\n{stderr}");
    assert!(!stderr.contains("panicked"), "panic:\n{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line expected:\n{stderr}");
    assert!(lines[0].starts_with("nglab: "), "{stderr}");
    assert!(lines[0].contains(expect), "expected {expect:?} in:\n{stderr}");
    lines[0].to_owned()
}

/// `metrics.csv` of the run in `dir`, as rows of column -> value.
pub fn metrics_rows(dir: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let text = std::fs::read_to_string(dir.join("metrics.csv")).expect("reading metrics.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    lines
        .map(|l| {
            // The last column (undefined) may be quoted with commas: split the rest only.
            let fields: Vec<&str> = l.splitn(header.len(), ',').collect();
            header.iter().zip(fields).map(|(h, v)| (h.to_string(), v.to_string())).collect()
        })
        .collect()
}

/// Every file under `dir` (relative path -> bytes) but the run's state, a
/// sweep's own files and `timings.csv`, which hold wall times.
pub fn tree(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, files: &mut std::collections::BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().to_owned();
            if path.is_dir() {
                if rel != Path::new("state") && rel != Path::new("sweep") {
                    walk(root, &path, files);
                }
            } else if rel != Path::new("timings.csv") {
                files.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut files = std::collections::BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}

/// Checks that the runs in `a` and `b` wrote the same files, byte for byte
/// (but the state, a sweep's files and the wall times: `timings.csv` has the
/// same rows but for its seconds).
pub fn assert_same_outputs(a: &Path, b: &Path) {
    let (ta, tb) = (tree(a), tree(b));
    assert_eq!(
        ta.keys().collect::<Vec<_>>(),
        tb.keys().collect::<Vec<_>>(),
        "{} and {}",
        a.display(),
        b.display()
    );
    for (name, bytes) in &ta {
        assert!(bytes == &tb[name], "{} differs between {} and {}", name.display(), a.display(), b.display());
    }
    let timings = |dir: &Path| -> Vec<String> {
        let text = std::fs::read_to_string(dir.join("timings.csv")).expect("timings.csv");
        text.lines().map(|l| l.rsplit_once(',').map_or(l, |(rest, _)| rest).to_owned()).collect()
    };
    assert_eq!(timings(a), timings(b), "timings.csv's rows");
}
