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
