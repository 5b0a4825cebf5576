//! `nglab world` and `nglab run --world`: a world's files are the same for
//! any thread count and nest (a larger human text starts with a smaller
//! one); a run measures every generation against the world's model, and
//! the divergence behaves as the theory says: it shrinks as the human text
//! grows and rises with generations under `replace`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{metrics_rows, nglab, scratch_dir};

fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/kenlm").join(name).display().to_string()
}

/// Makes a world of `tokens` human words from the Brown 2k slice (order 3).
fn world(dir: &Path, tokens: usize, threads: usize) -> PathBuf {
    let out = dir.join(format!("world-{tokens}-t{threads}"));
    let (out_arg, tokens, threads) = (out.display().to_string(), tokens.to_string(), threads.to_string());
    let train = data("brown-2k.train.txt");
    let args = [
        "world",
        "--out",
        &out_arg,
        "--train",
        &train,
        "--order",
        "3",
        "--tokens",
        &tokens,
        "--truth-tokens",
        "20000",
        "--threads",
        &threads,
    ];
    let run = nglab(&args);
    assert!(run.status.success(), "nglab world failed:\n{}", String::from_utf8_lossy(&run.stderr));
    out
}

/// Runs `nglab run --world` and returns its metrics.csv rows.
fn run_world(world: &Path, out: &Path, extra: &[&str]) -> Vec<BTreeMap<String, String>> {
    let (world_arg, out_arg) = (world.display().to_string(), out.display().to_string());
    let mut args =
        vec!["run", "--world", &world_arg, "--out", &out_arg, "--regime", "replace", "--seeds", "2"];
    args.extend(extra);
    let run = nglab(&args);
    assert!(run.status.success(), "nglab run failed:\n{}", String::from_utf8_lossy(&run.stderr));
    metrics_rows(out)
}

fn num(row: &BTreeMap<String, String>, column: &str) -> f64 {
    row[column].parse().unwrap_or_else(|_| panic!("{column} = {:?}", row[column]))
}

/// Mean over seeds of `column` at generation `g`.
fn mean_at(rows: &[BTreeMap<String, String>], g: usize, column: &str) -> f64 {
    let v: Vec<f64> =
        rows.iter().filter(|r| r["generation"] == g.to_string()).map(|r| num(r, column)).collect();
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn a_world_is_the_same_for_any_thread_count_and_its_human_texts_nest() {
    let dir = scratch_dir("world-files");
    let one = world(&dir, 8000, 1);
    let two = world(&dir, 8000, 2);
    for name in ["model.arpa", "human.txt", "truth.txt", "world.json"] {
        assert!(
            std::fs::read(one.join(name)).unwrap() == std::fs::read(two.join(name)).unwrap(),
            "{name} differs"
        );
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(one.join("world.json")).unwrap()).unwrap();
    assert!(manifest["human"]["tokens"].as_u64().unwrap() >= 8000);
    assert!(manifest["truth"]["tokens"].as_u64().unwrap() >= 20000);
    let rate = manifest["entropy_rate"]["mean"].as_f64().unwrap();
    assert!(rate > 1.0 && rate < 20.0, "entropy rate {rate}");
    let larger = world(&dir, 16000, 2);
    let small = std::fs::read_to_string(one.join("human.txt")).unwrap();
    let big = std::fs::read_to_string(larger.join("human.txt")).unwrap();
    assert!(
        big.starts_with(&small) && big.len() > small.len(),
        "the larger human text starts with the smaller"
    );
    assert_eq!(
        std::fs::read(one.join("truth.txt")).unwrap(),
        std::fs::read(larger.join("truth.txt")).unwrap()
    );
}

#[test]
fn kl_to_the_truth_shrinks_with_data_and_rises_with_generations() {
    let dir = scratch_dir("world-kl");
    let (small, large) = (world(&dir, 5000, 2), world(&dir, 60000, 2));
    let rows =
        run_world(&large, &dir.join("run-large"), &["--generations", "4", "--synthetic-tokens", "60000"]);
    let kl: Vec<f64> = (0..4).map(|g| mean_at(&rows, g, "kl_to_truth")).collect();
    assert!(kl[0] > 0.0 && kl.windows(2).all(|w| w[1] > w[0]), "KL by generation under replace: {kl:?}");
    for r in &rows {
        let (ce, h, k) =
            (num(r, "cross_entropy_to_truth"), num(r, "truth_entropy_rate"), num(r, "kl_to_truth"));
        assert!((ce - h - k).abs() < 1e-5, "cross-entropy {ce} = entropy rate {h} + KL {k}");
        assert!(num(r, "kl_to_truth_ci") > 0.0);
    }
    let small_rows = run_world(&small, &dir.join("run-small"), &["--generations", "1"]);
    let kl_small = mean_at(&small_rows, 0, "kl_to_truth");
    assert!(
        kl_small > kl[0] + 3.0 * num(&rows[0], "kl_to_truth_ci"),
        "KL of generation 0: {kl_small} (5k) vs {} (60k)",
        kl[0]
    );
}

#[test]
fn a_world_run_is_the_same_for_any_thread_count() {
    let dir = scratch_dir("world-threads");
    let w = world(&dir, 6000, 2);
    let flags = ["--generations", "3", "--synthetic-tokens", "6000"];
    let files = |threads: &str| {
        let out = dir.join(format!("run-t{threads}"));
        let mut extra = flags.to_vec();
        extra.extend(["--threads", threads]);
        run_world(&w, &out, &extra);
        ["metrics.csv", "summary.csv", "config.json"].map(|f| std::fs::read(out.join(f)).unwrap())
    };
    assert!(files("1") == files("2"), "outputs differ between 1 and 2 threads");
}
