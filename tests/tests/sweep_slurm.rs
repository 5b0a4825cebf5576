//! `nglab sweep` through a real Slurm: `scripts/test.sh` starts a one-node
//! cluster on the machine (`scripts/slurm-local.sh`), exports
//! `NGLAB_SLURM_TESTS=1` and `SLURM_CONF`, and stops the cluster after the
//! tests. A 2-cell x 2-seed sweep submitted with `sbatch` (the task array and
//! the merge after it) must merge to a local run's bytes; a task cancelled
//! with `scancel` mid-run, resubmitted, must give the same bytes too.
//! Without the cluster (a plain `cargo test`) the tests say loudly that they
//! did not run; under CI (`CI` set) they must run.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::{assert_same_outputs, nglab_bin, scratch_dir, stdout_ok};

/// Whether the cluster is there; says so loudly when not.
fn cluster() -> bool {
    if std::env::var("NGLAB_SLURM_TESTS").is_ok_and(|v| v == "1") {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must run the Slurm tests: run scripts/test.sh, which starts the cluster"
    );
    // Straight to standard error, past the test harness's capture.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: the Slurm tests need the local cluster (NGLAB_SLURM_TESTS=1 and SLURM_CONF, \
         as scripts/test.sh sets them after scripts/slurm-local.sh start)"
    );
    false
}

fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/kenlm").join(name).display().to_string()
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

fn nglab(args: &[String]) -> Output {
    Command::new(nglab_bin()).args(args).output().expect("nglab runs")
}

/// Settings of a sweep: `regimes` x 2 seeds on the 2,000-sentence Brown slice.
fn settings(regimes: &str, generations: &str, tokens: &str) -> Vec<String> {
    let train = data("brown-2k.train.txt");
    let heldout = data("brown-300.test.txt");
    ["--train", &train, "--heldout", &heldout, "--regime", regimes, "--seeds", "2"]
        .iter()
        .chain(&["--generations", generations, "--synthetic-tokens", tokens])
        .map(|x| x.to_string())
        .collect()
}

/// A local run, and the sweep of the same settings planned: (local, sweep).
fn local_and_planned(name: &str, settings: &[String]) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = scratch_dir(name);
    let (local, sweep) = (dir.join("local"), dir.join("sweep"));
    let run =
        [vec!["run".into(), "--out".into(), s(&local), "--threads".into(), "2".into()], settings.to_vec()];
    stdout_ok(&nglab(&run.concat()));
    let plan = [vec!["sweep".into(), "plan".into(), "--out".into(), s(&sweep)], settings.to_vec()];
    stdout_ok(&nglab(&[plan.concat(), vec!["--cpus-per-task".into(), "1".into()]].concat()));
    (local, sweep)
}

/// `nglab sweep submit`: the array job's id (if it submitted one) and the merge job's.
fn submit(sweep: &Path) -> (Option<String>, String) {
    let out = stdout_ok(&nglab(&["sweep".into(), "submit".into(), s(sweep)]));
    let id = |prefix: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .map(|rest| rest.split(':').next().unwrap().to_owned())
    };
    (id("array job "), id("merge job ").unwrap_or_else(|| panic!("no merge job in:\n{out}")))
}

/// Field `field` of job `id` (`scontrol show job`), such as `JobState`.
fn job_field(id: &str, field: &str) -> String {
    let out = Command::new("scontrol").args(["show", "job", id]).output().expect("scontrol runs");
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .find_map(|w| w.strip_prefix(field).and_then(|w| w.strip_prefix('=')))
        .unwrap_or_else(|| panic!("scontrol show job {id}: {text} {}", String::from_utf8_lossy(&out.stderr)))
        .to_owned()
}

/// The state of job `id`: `PENDING`, `RUNNING`, `COMPLETED`, `FAILED`...
fn job_state(id: &str) -> String {
    job_field(id, "JobState")
}

/// What the sweep's logs say, for a failure message.
fn logs(sweep: &Path) -> String {
    let mut text = String::new();
    if let Ok(entries) = std::fs::read_dir(sweep.join("sweep/logs")) {
        for entry in entries {
            let path = entry.unwrap().path();
            text +=
                &format!("== {}\n{}\n", path.display(), std::fs::read_to_string(&path).unwrap_or_default());
        }
    }
    text
}

/// Waits until job `id` has ended; returns its final state.
fn wait_for(id: &str, sweep: &Path) -> String {
    let start = Instant::now();
    loop {
        let state = job_state(id);
        if !["PENDING", "CONFIGURING", "RUNNING", "COMPLETING"].contains(&state.as_str()) {
            return state;
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "job {id} still {state} after 300 s\n{}",
            logs(sweep)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_sweep_through_sbatch_merges_to_a_local_runs_bytes() {
    if !cluster() {
        return;
    }
    let (local, sweep) = local_and_planned("slurm-e2e", &settings("replace,accumulate", "3", "4000"));
    let (array, merge) = submit(&sweep);
    let array = array.expect("an array job");
    // The merge waits for the whole array, however its tasks end.
    assert!(job_field(&merge, "Dependency").starts_with(&format!("afterany:{array}")), "{merge}");
    assert_eq!(wait_for(&merge, &sweep), "COMPLETED", "{}", logs(&sweep));
    assert_same_outputs(&local, &sweep);
    let status = stdout_ok(&nglab(&["sweep".into(), "status".into(), s(&sweep)]));
    assert!(status.contains(": 4 tasks: 4 done, 0 running, 0 failed, 0 not started; 12 of 12"), "{status}");
    for t in 0..4 {
        let log = std::fs::read_to_string(sweep.join(format!("sweep/logs/task-{t}.log"))).unwrap();
        assert!(log.contains(&format!("nglab sweep: task {t} done")), "{log}");
    }
}

#[test]
fn a_task_cancelled_mid_run_and_resubmitted_gives_the_same_bytes() {
    if !cluster() {
        return;
    }
    // One cell, two seeds: task 1 is cell000-seed1, 20 generations of 100,000 tokens.
    let (local, sweep) = local_and_planned("slurm-cancel", &settings("replace", "20", "100000"));
    let (array, merge) = submit(&sweep);
    let array = array.expect("an array job");
    let start = Instant::now();
    while !sweep.join("state/cell000-seed1/gen-1.json").exists() {
        assert!(start.elapsed() < Duration::from_secs(300), "task 1 made no progress\n{}", logs(&sweep));
        std::thread::sleep(Duration::from_millis(5));
    }
    let cancel = Command::new("scancel").arg(format!("{array}_1")).status().expect("scancel runs");
    assert!(cancel.success());
    // The merge runs once the array has ended, and fails naming task 1.
    assert_eq!(wait_for(&merge, &sweep), "FAILED", "{}", logs(&sweep));
    assert!(!sweep.join("state/cell000-seed1/gen-19.json").exists(), "task 1 ended before the cancel");
    let merge_log = std::fs::read_to_string(sweep.join("sweep/logs/merge.log")).unwrap();
    assert!(
        merge_log.contains("1 of 2 tasks of") && merge_log.contains("task 1 (stopped before the end"),
        "{merge_log}"
    );
    assert!(!sweep.join("metrics.csv").exists());
    let status = stdout_ok(&nglab(&["sweep".into(), "status".into(), s(&sweep)]));
    assert!(status.contains(": 2 tasks: 1 done, 0 running, 1 failed, 0 not started;"), "{status}");

    // Resubmitted: only task 1, and a new merge.
    let out = stdout_ok(&nglab(&["sweep".into(), "submit".into(), s(&sweep)]));
    assert!(out.contains(": tasks 1 of "), "{out}");
    let merge = out.lines().find_map(|l| l.strip_prefix("merge job ")).unwrap().split(':').next().unwrap();
    assert_eq!(wait_for(merge, &sweep), "COMPLETED", "{}", logs(&sweep));
    assert_same_outputs(&local, &sweep);
}
