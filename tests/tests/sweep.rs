//! `nglab sweep` without a scheduler: the tasks run here as plain processes
//! (by `--index`, `SLURM_ARRAY_TASK_ID`, `JOB_COMPLETION_INDEX`, and the
//! README's xargs line), and the merge must write what one local `nglab run`
//! of the same settings writes, byte for byte; a missing task makes the
//! merge fail naming it, and a killed task run again ends with the same
//! bytes. `sweep_slurm.rs` does the same through a real Slurm.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{assert_same_outputs, nglab_bin, one_line_error, scratch_dir, stdout_ok};

fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/kenlm").join(name).display().to_string()
}

/// The settings of a 2-cell x 2-seed run on the 2,000-sentence Brown slice.
fn settings(generations: &str) -> Vec<String> {
    [
        "--train",
        &data("brown-2k.train.txt"),
        "--heldout",
        &data("brown-300.test.txt"),
        "--regime",
        "replace,accumulate",
        "--seeds",
        "2",
        "--generations",
        generations,
        "--synthetic-tokens",
        "4000",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn nglab(args: &[String]) -> Output {
    Command::new(nglab_bin()).args(args).output().expect("nglab runs")
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// `nglab run` of `settings` into `out`.
fn local_run(out: &Path, settings: &[String]) {
    let args =
        [vec!["run".into(), "--out".into(), s(out), "--threads".into(), "2".into()], settings.to_vec()];
    stdout_ok(&nglab(&args.concat()));
}

/// `nglab sweep plan` of `settings` into `dir`; returns its standard output.
fn plan(dir: &Path, settings: &[String], extra: &[&str]) -> String {
    let args = [
        vec!["sweep".into(), "plan".into(), "--out".into(), s(dir)],
        settings.to_vec(),
        extra.iter().map(|x| x.to_string()).collect(),
    ];
    stdout_ok(&nglab(&args.concat()))
}

/// `nglab sweep task` in `dir` with `args` and the environment `env`.
fn task(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(nglab_bin());
    cmd.args(["sweep", "task"]).args(args).arg(dir).env_remove("SLURM_ARRAY_TASK_ID");
    cmd.env_remove("JOB_COMPLETION_INDEX").env_remove("SLURM_CPUS_PER_TASK");
    cmd.envs(env.iter().copied()).stdout(Stdio::null()).stderr(Stdio::piped());
    cmd
}

fn status(dir: &Path) -> String {
    stdout_ok(&nglab(&["sweep".into(), "status".into(), s(dir)]))
}

fn merge(dir: &Path, extra: &[&str]) -> Output {
    let args: Vec<String> =
        ["sweep", "merge"].iter().chain(extra).map(|x| x.to_string()).chain([s(dir)]).collect();
    nglab(&args)
}

/// The merged outputs that a merge must not write while tasks are missing.
const OUTPUTS: [&str; 5] = ["metrics.csv", "summary.csv", "timings.csv", "report.html", "plots"];

#[test]
fn tasks_run_apart_merge_to_a_local_runs_bytes() {
    let dir = scratch_dir("sweep-local");
    let settings = settings("3");
    let (local, sweep) = (dir.join("local"), dir.join("sweep"));
    local_run(&local, &settings);
    let printed =
        plan(&sweep, &settings, &["--cpus-per-task", "1", "--partition", "short", "--time", "10:00"]);
    assert!(printed.starts_with("4 tasks (1 jobs each, 3 generations a job)"), "{printed}");
    assert!(sweep.join("config.json").is_file() && sweep.join("sweep/plan.toml").is_file());
    let tsv = std::fs::read_to_string(sweep.join("sweep/tasks.tsv")).unwrap();
    assert_eq!(tsv, "task\tjobs\n0\tcell000-seed0\n1\tcell000-seed1\n2\tcell001-seed0\n3\tcell001-seed1\n");
    let script = std::fs::read_to_string(sweep.join("sweep/tasks.sbatch")).unwrap();
    for line in [
        "#SBATCH --array=0-3\n",
        "#SBATCH --partition=short\n",
        "#SBATCH --time=10:00\n",
        "#SBATCH --cpus-per-task=1\n",
    ] {
        assert!(script.contains(line), "{line:?} in:\n{script}");
    }
    assert_eq!(
        status(&sweep).lines().next().unwrap(),
        format!(
            "{}: 4 tasks: 0 done, 0 running, 0 failed, 4 not started; 0 of 12 generations done",
            s(&sweep)
        )
    );

    // Task 0 held by a process of another machine: running while its lock is
    // touched, refused to a second attempt; stale two minutes after.
    let lock = sweep.join("sweep/tasks/0.lock");
    std::fs::write(&lock, "4000000 elsewhere").unwrap();
    assert!(status(&sweep).contains("\ntask 0: running (pid 4000000 on elsewhere); 0 of 3 generations; log "));
    let out = task(&sweep, &["--index", "0"], &[]).output().unwrap();
    one_line_error(&out, "task 0 of ");
    assert!(String::from_utf8_lossy(&out.stderr).contains(" is running (pid 4000000 on elsewhere)"));
    let old = std::time::SystemTime::now() - Duration::from_secs(121);
    std::fs::File::options().write(true).open(&lock).unwrap().set_modified(old).unwrap();
    assert!(status(&sweep).contains("\ntask 0: stopped before the end (killed or cancelled); 0 of 3"));

    // Task 2 by Slurm's variable, task 3 by a Kubernetes indexed job's.
    let by_env = [("SLURM_ARRAY_TASK_ID", "2"), ("JOB_COMPLETION_INDEX", "3")].map(|(var, value)| {
        task(&sweep, &[], &[(var, value), ("SLURM_CPUS_PER_TASK", "1")]).spawn().unwrap()
    });
    for child in by_env {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    // Tasks 0 and 1 missing: the merge names them, writes nothing.
    let err = one_line_error(&merge(&sweep, &[]), "2 of 4 tasks of");
    let log0 = format!(
        "task 0 (stopped before the end (killed or cancelled); log {}/sweep/logs/task-0.log)",
        s(&sweep)
    );
    assert!(err.contains(&log0) && err.contains("task 1 (not started;"), "{err}");
    for name in OUTPUTS {
        assert!(!sweep.join(name).exists(), "{name} written by a failed merge");
    }
    // --partial merges the two jobs that finished.
    let out = merge(&sweep, &["--partial"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("partial merge of 2 of 4 jobs"));
    let rows = common::metrics_rows(&sweep);
    assert_eq!(rows.len(), 6, "two jobs of three generations");
    assert!(rows.iter().all(|r| r["regime"] == "accumulate"));

    // Tasks 0 and 1 by the README's xargs line, `nglab` on the PATH.
    let bin = dir.join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(nglab_bin(), bin.join("nglab")).unwrap();
    let d = s(&sweep);
    let line = format!("seq 0 1 | xargs -P 2 -I{{}} sh -c 'nglab sweep task --index {{}} --threads 1 {d} >>{d}/sweep/logs/task-{{}}.log 2>&1'");
    let path = format!("{}:{}", s(&bin), std::env::var("PATH").unwrap_or_default());
    let ok = Command::new("sh").args(["-c", &line]).env("PATH", path).status().unwrap();
    let log = std::fs::read_to_string(sweep.join("sweep/logs/task-0.log")).unwrap_or_default();
    assert!(ok.success(), "{line}: {log}");
    assert!(log.contains("nglab sweep: task 0 done"), "{log}");
    assert_eq!(
        status(&sweep),
        format!(
            "{}: 4 tasks: 4 done, 0 running, 0 failed, 0 not started; 12 of 12 generations done\n",
            s(&sweep)
        )
    );

    let out = merge(&sweep, &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_same_outputs(&local, &sweep);
    // A task run again finds its jobs done.
    let out = task(&sweep, &["--index", "0"], &[]).output().unwrap();
    assert!(out.status.success());
    assert_same_outputs(&local, &sweep);
}

#[test]
fn a_killed_task_run_again_ends_with_the_same_bytes() {
    let dir = scratch_dir("sweep-kill");
    let settings = [settings("6"), vec!["--keep-corpora".into()]].concat();
    let (local, sweep) = (dir.join("local"), dir.join("sweep"));
    local_run(&local, &settings);
    plan(&sweep, &settings, &["--jobs-per-task", "2", "--throttle", "1"]);
    let script = std::fs::read_to_string(sweep.join("sweep/tasks.sbatch")).unwrap();
    assert!(script.contains("#SBATCH --array=0-1%1\n"), "{script}");
    stdout_ok(&task(&sweep, &["--index", "0", "--threads", "2"], &[]).output().unwrap());

    // Kill task 1 once its first generation is on disk.
    let mut child = task(&sweep, &["--index", "1", "--threads", "1"], &[]).spawn().unwrap();
    let start = Instant::now();
    while !sweep.join("state/cell001-seed0/gen-1.json").exists() {
        assert!(start.elapsed() < Duration::from_secs(120), "task 1 made no progress");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!sweep.join("state/cell001-seed1/gen-5.json").exists(), "killed before the end");
    let st = status(&sweep);
    assert!(st.contains(": 2 tasks: 1 done, 0 running, 1 failed, 0 not started;"), "{st}");
    assert!(st.contains("task 1: stopped before the end (killed or cancelled);"), "{st}");
    let err = one_line_error(&merge(&sweep, &[]), "1 of 2 tasks of");
    assert!(err.contains("task 1 (stopped before the end"), "{err}");

    let out = task(&sweep, &["--index", "1", "--threads", "1"], &[]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = merge(&sweep, &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_same_outputs(&local, &sweep);
    assert!(!sweep.join("sweep/tasks/1.lock").exists() && !sweep.join(".nglab-run.lock").exists());
}

/// A task that fails leaves its error for `status` and `merge`, and a
/// task or merge whose plan no longer matches the run is refused.
#[test]
fn a_failed_task_is_named_with_its_error() {
    let dir = scratch_dir("sweep-fail");
    let train = dir.join("train.txt");
    std::fs::copy(data("brown-2k.train.txt"), &train).unwrap();
    let mut settings = settings("2");
    settings[1] = s(&train);
    let sweep = dir.join("sweep");
    plan(&sweep, &settings, &[]);
    // The input changed after the plan: every task refuses.
    std::fs::write(&train, "a b c\n").unwrap();
    let out = task(&sweep, &["--index", "0"], &[]).output().unwrap();
    let err = one_line_error(
        &out,
        "config.json is not the run its sweep plan gives now (inputs (paths and sha256)",
    );
    assert!(!err.is_empty());
    // A failure after the lock: a memory limit of one byte.
    std::fs::copy(data("brown-2k.train.txt"), &train).unwrap();
    let toml = sweep.join("sweep/plan.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, text.replace("[run]\n", "[run]\nmax_memory = \"1\"\n")).unwrap();
    let out = task(&sweep, &["--index", "1"], &[]).output().unwrap();
    one_line_error(&out, "this run needs about");
    let st = status(&sweep);
    assert!(st.contains("task 1: failed: this run needs about"), "{st}");
    let err = one_line_error(&merge(&sweep, &[]), "4 of 4 tasks of");
    assert!(err.contains("task 1 (failed: this run needs about"), "{err}");
}

/// Where the path of a script is: every task's log under `sweep/logs`.
#[test]
fn the_scripts_name_this_nglab_and_the_logs() {
    let dir = scratch_dir("sweep-scripts");
    let sweep = dir.join("sweep");
    plan(
        &sweep,
        &settings("2"),
        &["--sbatch", "--account=lab", "--sbatch", "#SBATCH --qos=low", "--mem", "2G"],
    );
    let tasks = std::fs::read_to_string(sweep.join("sweep/tasks.sbatch")).unwrap();
    let merge = std::fs::read_to_string(sweep.join("sweep/merge.sbatch")).unwrap();
    let exe = PathBuf::from(nglab_bin());
    let d = s(&sweep);
    for line in [
        format!("#SBATCH --output={d}/sweep/logs/task-%a.log\n"),
        "#SBATCH --mem=2048M\n".to_owned(),
        format!("exec '{}' sweep task '{d}'\n", exe.display()),
    ] {
        assert!(tasks.contains(&line), "{line:?} in:\n{tasks}");
    }
    for script in [&tasks, &merge] {
        assert!(script.contains("#SBATCH --account=lab\n#SBATCH --qos=low\n"), "{script}");
    }
    assert!(merge.contains(&format!("exec '{}' sweep merge '{d}'\n", exe.display())), "{merge}");
    assert!(sweep.join("sweep/logs").is_dir());
}

/// A finished sweep extended by planning it again with more seeds and
/// `--resume` (as `nglab run --resume` extends a run): the new tasks run,
/// the old ones find their jobs done, and the merge equals a local run
/// that had the seeds from the start.
#[test]
fn a_sweep_extends_to_more_seeds() {
    let dir = scratch_dir("sweep-extend");
    let (local, sweep) = (dir.join("local"), dir.join("sweep"));
    let more = |seeds: &str| {
        let mut s = settings("2");
        let at = s.iter().position(|x| x == "--seeds").unwrap();
        s[at + 1] = seeds.into();
        s
    };
    local_run(&local, &more("3"));
    plan(&sweep, &more("2"), &[]);
    for t in ["0", "1", "2", "3"] {
        stdout_ok(&task(&sweep, &["--index", t], &[]).output().unwrap());
    }
    let out = nglab(&[vec!["sweep".into(), "plan".into(), "--out".into(), s(&sweep)], more("3")].concat());
    one_line_error(&out, "pass --resume to extend it");
    let printed = plan(&sweep, &more("3"), &["--resume"]);
    assert!(printed.starts_with("6 tasks"), "{printed}");
    let st = status(&sweep);
    assert!(
        st.contains(": 6 tasks: 4 done, 0 running, 0 failed, 2 not started; 8 of 12 generations done"),
        "{st}"
    );
    for t in 0..6 {
        stdout_ok(&task(&sweep, &["--index", &t.to_string()], &[]).output().unwrap());
    }
    let out = merge(&sweep, &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_same_outputs(&local, &sweep);
}
