//! End-to-end tests of `nglab run` on small committed Brown slices: the
//! collapse sanity results, determinism across thread counts, resuming an
//! interrupted run, and configurations refused before any work.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{metrics_rows, nglab, nglab_bin, nglab_in, one_line_error, scratch_dir, tree};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/kenlm").join(name).display().to_string()
}

/// A small run: the 2,000-sentence Brown slice, 8,000-token synthetic
/// corpora, scored on the 300-sentence slice; `extra` flags replace these.
fn small_args(out: &Path, extra: &[&str]) -> Vec<String> {
    let defaults = [
        ("--train", data("brown-2k.train.txt")),
        ("--heldout", data("brown-300.test.txt")),
        ("--synthetic-tokens", "8000".to_owned()),
        ("--seeds", "2".to_owned()),
    ];
    let mut args = vec!["run".to_owned(), "--out".to_owned(), out.display().to_string()];
    for (flag, value) in defaults {
        if !extra.contains(&flag) {
            args.extend([flag.to_owned(), value]);
        }
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn run_ok(args: &[String]) {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = nglab(&args);
    assert!(out.status.success(), "nglab run failed:\n{}", String::from_utf8_lossy(&out.stderr));
}

/// The mean over seeds of `column` per generation, for one regime.
fn mean_by_generation(rows: &[BTreeMap<String, String>], regime: &str, column: &str) -> Vec<f64> {
    let mut by_gen: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r["regime"] == regime) {
        let v: f64 = r[column].parse().unwrap_or_else(|_| panic!("{column} = {:?}", r[column]));
        by_gen.entry(r["generation"].parse().unwrap()).or_default().push(v);
    }
    by_gen.values().map(|v| v.iter().sum::<f64>() / v.len() as f64).collect()
}

/// Every deterministic output file: relative path -> bytes.
fn outputs(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    for name in ["config.json", "metrics.csv", "summary.csv", "report.html"] {
        files.insert(PathBuf::from(name), std::fs::read(dir.join(name)).unwrap());
    }
    let mut plots: Vec<PathBuf> =
        std::fs::read_dir(dir.join("plots")).unwrap().map(|e| e.unwrap().path()).collect();
    plots.sort();
    assert!(plots.len() >= 10, "{plots:?}");
    for p in plots {
        files.insert(p.strip_prefix(dir).unwrap().to_owned(), std::fs::read(&p).unwrap());
    }
    files
}

fn assert_same(a: &Path, b: &Path) {
    let (fa, fb) = (outputs(a), outputs(b));
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (name, bytes) in &fa {
        assert!(bytes == &fb[name], "{} differs between {} and {}", name.display(), a.display(), b.display());
    }
}

#[test]
fn replace_collapses_accumulate_does_not_and_threads_do_not_matter() {
    let dir = scratch_dir("run-sanity");
    let extra = ["--regime", "replace,accumulate", "--generations", "4"];
    let one = dir.join("one");
    let two = dir.join("two");
    run_ok(&small_args(&one, &[&extra[..], &["--threads", "1"]].concat()));
    run_ok(&small_args(&two, &[&extra[..], &["--threads", "2"]].concat()));
    assert_same(&one, &two);
    // Four jobs of two threads each: a job's text metrics measure their draws on both.
    let eight = dir.join("eight");
    run_ok(&small_args(&eight, &[&extra[..], &["--threads", "8"]].concat()));
    assert_same(&one, &eight);

    let rows = metrics_rows(&one);
    assert_eq!(rows.len(), 2 * 2 * 4, "regimes x seeds x generations");
    // The held-out perplexity over one denominator for every generation (the
    // models' open vocabularies differ).
    let replace = mean_by_generation(&rows, "replace", "heldout_ppl_fixed");
    let accumulate = mean_by_generation(&rows, "accumulate", "heldout_ppl_fixed");
    assert!(replace.windows(2).all(|w| w[1] > w[0]), "replace: held-out ppl rises: {replace:?}");
    assert!(accumulate[3] < replace[3], "accumulate ends below replace: {accumulate:?} vs {replace:?}");
    // Paired seeds: generation 0 is the same model in every cell.
    assert_eq!(replace[0], accumulate[0]);
    let share = mean_by_generation(&rows, "accumulate", "human_share");
    assert!((share[3] - 43111.0 / (43111.0 + 3.0 * 8000.0)).abs() < 0.02, "{share:?}");
    // Metrics describe the whole training text; the lexical ones are means
    // over samples of the human size, so the growing accumulate pool is
    // compared at the same size; the pool keeps the human text, so all of
    // its hapaxes survive, while replace loses some.
    for r in &rows {
        let num = |c: &str| -> f64 { r[c].parse().unwrap() };
        let (train, sample) = (num("train_tokens"), num("metrics_sample_tokens"));
        if r["regime"] == "accumulate" && r["generation"] != "0" {
            assert!(train > 51_000.0 && (43_111.0..43_311.0).contains(&sample), "{r:?}");
        } else {
            assert_eq!(train, sample, "{r:?}");
        }
        let survival = num("survival_hapax");
        if r["regime"] == "accumulate" || r["generation"] == "0" {
            assert_eq!(survival, 1.0, "{r:?}");
        } else {
            assert!(survival < 0.5, "{r:?}");
        }
    }

    let summary = std::fs::read_to_string(one.join("summary.csv")).unwrap();
    assert!(summary.starts_with(
        "regime,order,smoothing,discount_fallback,vocabulary,temperature,top_p,top_k,generation,metric,n_seeds,mean,lo95,hi95\n"
    ));
    assert!(!summary.contains("NaN") && !summary.contains("inf"));
    let report = std::fs::read_to_string(one.join("report.html")).unwrap();
    assert!(report.contains("<svg"));
    assert!(!report.contains("<script"), "self-contained, no scripts");
    let timings = std::fs::read_to_string(one.join("timings.csv")).unwrap();
    assert!(timings.lines().any(|l| l.contains(",sample,")), "{timings}");
}

#[test]
fn mle_under_replace_never_gains_a_type() {
    let dir = scratch_dir("run-mle").join("out");
    run_ok(&small_args(&dir, &["--regime", "replace", "--smoothing", "mle", "--generations", "5"]));
    let rows = metrics_rows(&dir);
    for seed in ["0", "1"] {
        let types: Vec<u64> =
            rows.iter().filter(|r| r["seed"] == seed).map(|r| r["types"].parse().unwrap()).collect();
        assert_eq!(types.len(), 5);
        assert!(types.windows(2).all(|w| w[1] <= w[0]), "seed {seed}: {types:?}");
        assert!(types[4] < types[0], "seed {seed}: rare types are lost: {types:?}");
    }
    // MLE gives held-out text probability 0: no perplexity, and the reason.
    assert!(rows.iter().all(|r| r["heldout_ppl"].is_empty()));
    assert!(rows[0]["undefined"].contains("heldout_ppl: infinite"), "{}", rows[0]["undefined"]);
}

#[test]
fn an_open_vocabulary_loses_words_for_good_a_fixed_one_resurrects_them() {
    let dir = scratch_dir("run-vocabulary").join("out");
    run_ok(&small_args(&dir, &["--regime", "replace", "--vocabulary", "open,fixed", "--generations", "4"]));
    let rows = metrics_rows(&dir);
    let num = |r: &BTreeMap<String, String>, c: &str| -> f64 { r[c].parse().unwrap() };
    for vocabulary in ["open", "fixed"] {
        for seed in ["0", "1"] {
            let job: Vec<_> =
                rows.iter().filter(|r| r["vocabulary"] == vocabulary && r["seed"] == seed).collect();
            assert_eq!(job.len(), 4);
            let types: Vec<f64> = job.iter().map(|r| num(r, "types")).collect();
            let resurrected: f64 = job.iter().map(|r| num(r, "resurrected_types")).sum();
            for r in &job {
                // Persistent survival never exceeds the snapshot.
                assert!(num(r, "persistent_hapax") <= num(r, "survival_hapax"), "{r:?}");
            }
            if vocabulary == "open" {
                // KenLM's convention: each model knows exactly its training text's words
                // (plus <unk>, <s>, </s>), and a lost word never comes back.
                for r in &job {
                    assert_eq!(num(r, "model_vocab"), num(r, "types") + 3.0, "{r:?}");
                    assert_eq!(num(r, "survival_hapax"), num(r, "persistent_hapax"), "{r:?}");
                }
                assert!(types.windows(2).all(|w| w[1] <= w[0]), "open, seed {seed}: {types:?}");
                assert_eq!(resurrected, 0.0);
            } else {
                // One vocabulary for every model, whose floor brings lost words back.
                for r in &job {
                    assert_eq!(num(r, "model_vocab"), num(job[0], "model_vocab"), "{r:?}");
                    assert_eq!(r["heldout_ppl_fixed"], r["heldout_ppl_excl_oov"], "{r:?}");
                }
                assert!(resurrected > 0.0, "fixed, seed {seed}: no word came back");
            }
        }
    }
}

/// No NaN or infinity anywhere in the tables: undefined values are empty.
fn assert_finite_tables(dir: &Path) {
    for name in ["metrics.csv", "summary.csv"] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let reasons = header.iter().position(|&c| c == "undefined").unwrap_or(header.len());
        for line in lines {
            for field in line.split(',').take(reasons) {
                let lower = field.to_ascii_lowercase();
                assert!(!lower.contains("nan") && !lower.contains("inf"), "{name}: {field:?} in {line}");
            }
        }
    }
}

#[test]
fn degenerate_generations_are_recorded_not_fatal() {
    let dir = scratch_dir("run-degenerate");
    // Greedy sampling (top-k 1) writes one sentence over and over: from
    // generation 1 on, every order's discounts fail and fall back.
    let greedy = dir.join("greedy");
    run_ok(&small_args(&greedy, &["--regime", "replace,mix:0.5", "--top-k", "1", "--generations", "3"]));
    assert_finite_tables(&greedy);
    for r in metrics_rows(&greedy) {
        let fallback = &r["fallback_orders"];
        if r["regime"] == "replace" && r["generation"] != "0" {
            assert_eq!(fallback, "1;2;3", "{r:?}");
            assert!(r["types"].parse::<u64>().unwrap() < 100, "{r:?}");
        }
    }
    // A text of one type in two sentences: metrics that need more are empty
    // with their reason, the run goes on.
    let one = dir.join("one.txt");
    std::fs::write(&one, "a a a a\na a\n").unwrap();
    let tiny = dir.join("tiny");
    let one = one.display().to_string();
    run_ok(&small_args(
        &tiny,
        &["--train", &one, "--heldout", &one, "--regime", "replace,accumulate", "--generations", "3"],
    ));
    assert_finite_tables(&tiny);
    let rows = metrics_rows(&tiny);
    assert!(rows.iter().all(|r| r["types"] == "1" && r["zipf_exponent"].is_empty()), "{rows:?}");
    assert!(rows.iter().all(|r| r["undefined"].contains("zipf_exponent: needs 2 types")), "{rows:?}");

    // A vocabulary that collapses to `</s>`: fifty one-word sentences give
    // `</s>` the most mass after `<s>` (every word is a continuation of it),
    // so greedy sampling writes only empty sentences; the run records it and
    // goes on with an empty synthetic text.
    let words = dir.join("words.txt");
    std::fs::write(&words, (1..=50).map(|i| format!("w{i}\n")).collect::<String>()).unwrap();
    let words = words.display().to_string();
    let empty = dir.join("empty");
    run_ok(&small_args(
        &empty,
        &[
            "--train",
            &words,
            "--heldout",
            &words,
            "--regime",
            "replace",
            "--top-k",
            "1",
            "--generations",
            "3",
        ],
    ));
    assert_finite_tables(&empty);
    for r in metrics_rows(&empty) {
        let collapsed = r["undefined"].contains("it has collapsed to `</s>`");
        match r["generation"].as_str() {
            "0" => assert!(collapsed && r["types"] == "50", "{r:?}"),
            _ => assert!(r["types"] == "0" && r["train_tokens"] == "0" && r["ttr"].is_empty(), "{r:?}"),
        }
    }
    // `nglab sample --tokens N` from such a model says so instead of writing
    // a million empty lines.
    let model = dir.join("words.arpa").display().to_string();
    let out = dir.join("sampled.txt");
    let trained = nglab(&["train", "--input", &words, "--order", "3", "--out", &model]);
    assert!(trained.status.success(), "{}", String::from_utf8_lossy(&trained.stderr));
    let args = ["sample", "--model", &model, "--tokens", "10", "--top-k", "1", "--seed", "1", "--out"];
    let sampled = nglab(&[&args[..], &[out.to_str().unwrap()]].concat());
    one_line_error(&sampled, "with only 0 of the 10 tokens asked for, the rest empty");
    assert!(!out.exists());
}

#[test]
fn an_interrupted_run_resumes_to_the_same_files() {
    let dir = scratch_dir("run-resume");
    let extra = ["--regime", "replace,mix:0.5,accumulate-subsample", "--generations", "4", "--threads", "1"];
    let whole = dir.join("whole");
    run_ok(&small_args(&whole, &extra));

    // Kill a run once its first generations are on disk, then resume it.
    let cut = dir.join("cut");
    let mut child = Command::new(nglab_bin())
        .args(small_args(&cut, &extra))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !cut.join("state/cell001-seed0/gen-1.json").exists() {
        assert!(start.elapsed() < Duration::from_secs(60), "the run made no progress");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!cut.join("metrics.csv").exists(), "killed before the end");

    let args = small_args(&cut, &extra);
    let again: Vec<&str> = args.iter().map(String::as_str).collect();
    one_line_error(&nglab(&again), "pass --resume to continue it");
    run_ok(&[args.clone(), vec!["--resume".into()]].concat());
    assert_same(&whole, &cut);
}

/// A finished run extended with `--resume` by more generations and seeds
/// ends with the files of a run that had them from the start; any other
/// change is refused, naming the setting.
#[test]
fn a_finished_run_extends_to_more_generations_and_seeds() {
    let dir = scratch_dir("run-extend");
    let regimes = "replace,accumulate";
    let whole = dir.join("whole");
    run_ok(&small_args(
        &whole,
        &["--regime", regimes, "--generations", "3", "--seeds", "2", "--keep-corpora"],
    ));
    let grown = dir.join("grown");
    run_ok(&small_args(
        &grown,
        &["--regime", regimes, "--generations", "2", "--seeds", "1", "--keep-corpora"],
    ));
    let bigger =
        small_args(&grown, &["--regime", regimes, "--generations", "3", "--seeds", "2", "--keep-corpora"]);
    let bigger_args: Vec<&str> = bigger.iter().map(String::as_str).collect();
    one_line_error(&nglab(&bigger_args), "pass --resume to extend it");
    let check = |extra: &[&str], expect: &str| {
        let args = small_args(&grown, &[&["--resume", "--keep-corpora"], extra].concat());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        one_line_error(&nglab(&args), expect);
    };
    check(&["--regime", regimes, "--generations", "1", "--seeds", "1"], "generations: 2 there, 1 here");
    check(
        &["--regime", "replace", "--generations", "3", "--seeds", "1"],
        "regime: [\"replace\",\"accumulate\"] there, [\"replace\"] here); choose another --out",
    );
    run_ok(&[bigger.clone(), vec!["--resume".into()]].concat());
    assert_same(&whole, &grown);
    assert_eq!(tree(&whole), tree(&grown), "the kept corpora too");
}

#[test]
fn a_run_killed_20_times_at_random_moments_ends_with_the_same_files() {
    let dir = scratch_dir("run-kill");
    let extra = ["--regime", "replace,accumulate", "--generations", "4", "--keep-corpora"];
    let whole = dir.join("whole");
    let start = Instant::now();
    run_ok(&small_args(&whole, &[&extra[..], &["--threads", "1"]].concat()));
    let duration = start.elapsed();

    // SIGKILL at moments spread over a whole run's duration (and a little
    // past it, so that finished runs are resumed too), two worker threads.
    let cut = dir.join("cut");
    let args =
        [small_args(&cut, &[&extra[..], &["--threads", "2"]].concat()), vec!["--resume".into()]].concat();
    let mut rng = ChaCha8Rng::seed_from_u64(20);
    let mut finished = 0;
    for kill in 0..20 {
        if kill == 10 {
            // What a kill in the middle of writing leaves (the moments above
            // rarely land inside a write): temporary files of a dead process.
            std::fs::create_dir_all(cut.join("plots")).unwrap();
            std::fs::write(cut.join(".metrics.csv.tmp4000000"), "regime,").unwrap();
            std::fs::write(cut.join("plots/.heldout_ppl.svg.tmp4000000"), "<svg").unwrap();
        }
        let mut child = Command::new(nglab_bin())
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(duration.mul_f64(rng.random_range(0.0..1.2)));
        child.kill().unwrap();
        finished += child.wait().unwrap().success() as usize;
    }
    assert!(finished < 20, "some runs were interrupted");
    run_ok(&args);
    let (a, b) = (tree(&whole), tree(&cut));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "the same files, no leftovers");
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{} differs after the kills", name.display());
    }
    // The state holds what an uninterrupted run's does (records and the
    // synthetic corpora a --resume needs to extend the run), the same bytes
    // but for the records' wall times; no temporary file or lock is left.
    let state = |dir: &Path| -> BTreeMap<PathBuf, Vec<u8>> {
        let mut files = BTreeMap::new();
        for job in std::fs::read_dir(dir.join("state")).unwrap() {
            for file in std::fs::read_dir(job.unwrap().path()).unwrap() {
                let path = file.unwrap().path();
                let bytes = if path.extension().is_some_and(|e| e == "ids") {
                    std::fs::read(&path).unwrap()
                } else {
                    Vec::new()
                };
                files.insert(path.strip_prefix(dir).unwrap().to_owned(), bytes);
            }
        }
        files
    };
    assert_eq!(state(&whole), state(&cut));
    assert!(!cut.join(".nglab-run.lock").exists());
}

/// `html` with each inline `<svg>...</svg>` replaced by `<svg/>`: the plots
/// are most of the report's bytes and are checked for determinism elsewhere;
/// the golden report keeps its text, tables and sample sentences.
fn without_svg(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        out.push_str(&rest[..start]);
        out.push_str("<svg/>");
        let end = rest[start..].find("</svg>").map_or(rest.len(), |e| start + e + "</svg>".len());
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The outputs of a small 2-generation run against the committed golden
/// files in `tests/data/golden/run-2gen/` (the report
/// without its plots): any change to
/// what a run computes or writes shows here and is reviewed. After a change
/// that is meant, `NGLAB_BLESS=1 cargo test -p nglab-tests --test cli_run golden`
/// rewrites them; commit the diff with the reason.
#[test]
fn a_two_generation_run_matches_its_golden_files() {
    let out = scratch_dir("run-golden").join("out");
    let out_arg = out.display().to_string();
    let package = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Relative input paths, so that config.json is the same on every machine.
    let args = [
        "run",
        "--out",
        &out_arg,
        "--train",
        "data/kenlm/brown-2k.train.txt",
        "--heldout",
        "data/kenlm/brown-300.test.txt",
        "--generations",
        "2",
        "--seeds",
        "2",
        "--synthetic-tokens",
        "8000",
        "--regime",
        "replace,accumulate,mix:0.5",
        "--threads",
        "2",
    ];
    let run = nglab_in(package, &args);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let golden = package.join("data/golden/run-2gen");
    let bless = std::env::var_os("NGLAB_BLESS").is_some();
    for name in ["config.json", "metrics.csv", "summary.csv", "report.html"] {
        let mut got = std::fs::read_to_string(out.join(name)).unwrap();
        if name == "report.html" {
            got = without_svg(&got);
        }
        if bless {
            std::fs::create_dir_all(&golden).unwrap();
            std::fs::write(golden.join(name), &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(golden.join(name)).unwrap_or_default();
        if got != want {
            let line = got.lines().zip(want.lines()).position(|(a, b)| a != b).unwrap_or(0);
            panic!(
                "{name} differs from tests/data/golden/run-2gen/{name} at line {}:\n  got:  {}\n  want: {}\n\
                 (NGLAB_BLESS=1 rewrites the golden files when the change is meant)",
                line + 1,
                got.lines().nth(line).unwrap_or("<end>"),
                want.lines().nth(line).unwrap_or("<end>"),
            );
        }
    }
}

#[test]
fn bad_configurations_are_refused_before_any_work() {
    let dir = scratch_dir("run-bad");
    let out = dir.join("out");
    let check = |extra: &[&str], expect: &str| {
        let args = small_args(&out, extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        one_line_error(&nglab(&args), expect);
        assert!(!out.join("config.json").exists(), "{extra:?}: no work started");
    };
    check(&["--regime", "replace,keep"], "unknown regime 'keep'");
    check(&["--regime", "mix:1.5"], "the human share must be in [0, 1], got 1.5");
    check(&["--train", "no/such/file.txt"], "--train: no/such/file.txt does not exist");
    check(&["--order", "0"], "order must be in 1..=");
    check(&["--top-p", "0"], "invalid --top-p: the nucleus threshold must be in (0, 1] or off, got 0");
    check(&["--synthetic-tokens", "0"], "--synthetic-tokens must be at least 1, got 0");
    check(&["--max-memory", "10M"], "this run needs about 0.");
    check(&["--max-memory", "10M"], "more than the 0.01 GiB --max-memory: lower --threads");
    assert!(!out.exists(), "a refused run leaves no output directory");

    // A TOML config: flags override it; unknown keys are refused.
    let toml = dir.join("run.toml");
    std::fs::write(&toml, "regime = 'replace'\ngenerations = 0\nsynthetic-tokens = 0\n").unwrap();
    let in_file = format!("generations in {} must be at least 1, got 0", toml.display());
    check(&["--config", toml.to_str().unwrap()], &in_file);
    // The flag spelling is a key too; a message names the setting as its source gave it.
    let args = ["--config", toml.to_str().unwrap(), "--generations", "2", "--synthetic-tokens", "0"];
    check(&args, "--synthetic-tokens must be at least 1, got 0");
    std::fs::write(&toml, "regimes = 'replace'\n").unwrap();
    check(&["--config", toml.to_str().unwrap()], "unknown field `regimes`");

    // A directory holding something else, or another run.
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    check(&["--regime", "replace"], "is not empty (notes.txt, ...) and holds no nglab run");
    std::fs::remove_file(out.join("notes.txt")).unwrap();
    std::fs::write(out.join("config.json"), "{}").unwrap();
    let args = small_args(&out, &["--regime", "replace", "--resume"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    one_line_error(&nglab(&args), "holds another run");
    std::fs::remove_file(out.join("config.json")).unwrap();

    // A live run holds the lock (this test process stands in for it).
    std::fs::write(out.join(".nglab-run.lock"), std::process::id().to_string()).unwrap();
    check(&["--regime", "replace"], &format!("another nglab run (pid {}) is writing to", std::process::id()));
}

/// `examples/collapse.toml` names every setting of `nglab run` (commented
/// out or not) and validates, its paths taken from its own directory; the
/// committed Brown slices stand in for Brown, which the tests do not fetch.
#[test]
fn the_example_config_names_every_setting_and_validates() {
    use clap::Args;
    use nglab_driver::run::{RunConfig, Settings};
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/collapse.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let keys: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim_start_matches(['#', ' ']).split_once(" = "))
        .map(|(key, _)| key.trim())
        .filter(|key| key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        .collect();
    for arg in Settings::augment_args(clap::Command::new("run")).get_arguments() {
        let key = arg.get_id().as_str();
        assert!(key == "config" || keys.contains(&key), "examples/collapse.toml does not name {key}");
    }
    let file = Settings::read_toml(&path).unwrap();
    let examples = path.parent().unwrap();
    assert_eq!(file.train.as_deref(), Some(examples.join("../corpora/brown/train.txt").as_path()));
    let flags = Settings {
        out: Some(scratch_dir("run-example").join("out")),
        train: Some(data("brown-2k.train.txt").into()),
        heldout: Some(data("brown-300.test.txt").into()),
        ..Settings::default()
    };
    let config = RunConfig::new(&flags.over(file)).unwrap();
    assert_eq!((config.experiment.cells().len(), config.experiment.generations), (6, 10));
}

/// Relative paths in a config file are relative to the file, not to the
/// working directory; those of flags are relative to the working directory.
#[test]
fn config_paths_are_relative_to_the_file() {
    let dir = scratch_dir("run-relative");
    std::fs::create_dir_all(dir.join("conf")).unwrap();
    std::fs::copy(data("brown-2k.train.txt"), dir.join("human.txt")).unwrap();
    std::fs::write(
        dir.join("conf/run.toml"),
        "train = '../human.txt'\nheldout = '../human.txt'\nout = 'x'\n",
    )
    .unwrap();
    let elsewhere = scratch_dir("run-relative-cwd");
    let config = dir.join("conf/run.toml");
    // Validation passes (the files are found), then the memory check stops the run before any work.
    let args = ["run", "--config", config.to_str().unwrap(), "--max-memory", "1K"];
    one_line_error(&nglab_in(&elsewhere, &args), "this run needs about");
    assert!(!dir.join("conf/x").exists() && !elsewhere.join("x").exists());
    let args = ["run", "--config", config.to_str().unwrap(), "--train", "human.txt", "--max-memory", "1K"];
    one_line_error(&nglab_in(&elsewhere, &args), "--train: human.txt does not exist");
}
