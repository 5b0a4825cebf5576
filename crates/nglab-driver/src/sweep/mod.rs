//! `nglab sweep`: `nglab run` cut into tasks that a scheduler runs apart
//! (a Slurm job array, GNU parallel, xargs, a Kubernetes indexed job), then
//! merged into the outputs one local run writes, byte for byte.
//!
//! `plan` validates the run as `nglab run` does, takes the run directory
//! (writing its `config.json`), and writes `sweep/`: `plan.toml` (the run's
//! settings, the directory they are relative to, the tasks and the Slurm
//! options), `tasks.tsv` (the jobs of each task), and two batch scripts, the
//! job array (`tasks.sbatch`) and the merge (`merge.sbatch`), which `submit`
//! hands to `sbatch`, the merge with `--dependency=afterany` on the array.
//! A task (`task --index I`) is [`Plan`] restricted to its jobs: it writes
//! only their state (`state/JOB/`, atomically, generation by generation), so
//! a task run again resumes, and its results do not depend on where or with
//! which others it ran. `merge` is [`Grid::write_outputs`] once every job is
//! complete; `status` reads the state and the tasks' locks and notes.

pub mod slurm;
pub mod task;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

use crate::run::{
    check_same, lock_file, merge_over, write_atomic, Grid, MemoryLimit, Plan, RunConfig, Settings,
};
use slurm::SlurmOptions;
pub use slurm::SlurmSettings;
use task::{TaskFiles, TaskState};

/// `nglab sweep`'s subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum SweepCommand {
    /// Plan a sweep: the run's config, its tasks, and the Slurm batch scripts
    /// of the task array and of the merge (every `nglab run` setting, and
    /// the Slurm options below).
    Plan(Box<PlanArgs>),
    /// Submit the sweep's tasks that are not done, and the merge after them (`sbatch`).
    Submit(DirArgs),
    /// Run one task (resuming it where an earlier attempt stopped).
    Task(TaskArgs),
    /// Build the outputs of `nglab run` from the tasks' state, once every task is done.
    Merge(MergeArgs),
    /// Tasks done, running, failed and not started; generations done.
    Status(DirArgs),
}

/// `nglab sweep plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The run.
    #[command(flatten)]
    pub run: Settings,
    /// The batch scripts.
    #[command(flatten)]
    pub slurm: SlurmSettings,
}

/// A sweep's directory.
#[derive(Debug, clap::Args)]
pub struct DirArgs {
    /// The run directory of the sweep (`--out` of `nglab sweep plan`).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// `nglab sweep task`.
#[derive(Debug, clap::Args)]
pub struct TaskArgs {
    /// The task, from 0 [default: $SLURM_ARRAY_TASK_ID, else $JOB_COMPLETION_INDEX].
    #[arg(long, value_name = "I")]
    pub index: Option<usize>,
    /// Threads [default: $SLURM_CPUS_PER_TASK, else the plan's --cpus-per-task].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// The run directory of the sweep.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// `nglab sweep merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Merge the jobs that finished when some did not (the outputs then cover
    /// only those; the missing tasks are named on standard error).
    #[arg(long)]
    pub partial: bool,
    /// The run directory of the sweep.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// Runs `nglab sweep SUBCOMMAND`.
pub fn main(command: &SweepCommand) -> anyhow::Result<()> {
    match command {
        SweepCommand::Plan(args) => plan(args),
        SweepCommand::Submit(args) => submit(&args.dir),
        SweepCommand::Task(args) => run_task(args),
        SweepCommand::Merge(args) => merge(&args.dir, args.partial),
        SweepCommand::Status(args) => status(&args.dir),
    }
}

/// `sweep/plan.toml`: what the tasks, the merge and the status read.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    /// The directory the sweep was planned in: the settings' relative paths
    /// are relative to it (the tasks work there, so `config.json` names the
    /// inputs as a local run given the same settings does).
    workdir: PathBuf,
    /// The number of tasks.
    tasks: usize,
    /// The batch scripts' options, and the jobs per task.
    slurm: SlurmOptions,
    /// The run's settings (without `out` and `resume`).
    run: Settings,
}

const PLAN: &str = "sweep/plan.toml";

/// An opened sweep: its directory (absolute), plan and validated run config.
struct Sweep {
    dir: PathBuf,
    plan: PlanFile,
    config: RunConfig,
}

impl Sweep {
    /// Opens the sweep in `dir`, working in its plan's directory from now
    /// on; `threads` for its jobs (else the plan's).
    fn open(dir: &Path, threads: Option<usize>) -> anyhow::Result<Sweep> {
        let dir =
            std::path::absolute(dir).with_context(|| format!("the sweep directory {}", dir.display()))?;
        let path = dir.join(PLAN);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
                "{} holds no sweep (no {PLAN}; `nglab sweep plan --out {}` writes it)",
                dir.display(),
                dir.display()
            ),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        let plan: PlanFile = toml::from_str(&text).map_err(|e| {
            let line = e.span().map_or(1, |s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            anyhow::anyhow!("{}:{line}: {}", path.display(), e.message().trim().replace('\n', " "))
        })?;
        std::env::set_current_dir(&plan.workdir)
            .with_context(|| format!("the sweep's working directory {}", plan.workdir.display()))?;
        let mut settings = plan.run.clone();
        settings.out = Some(dir.clone());
        settings.resume = Some(true);
        settings.threads = Some(threads.unwrap_or(plan.slurm.cpus_per_task));
        let config = RunConfig::new(&settings).with_context(|| format!("the run of {}", path.display()))?;
        Ok(Sweep { dir, plan, config })
    }

    /// The grid, checked against the directory's `config.json`.
    fn grid(&self) -> anyhow::Result<Grid<'_>> {
        let grid = Grid::new(&self.config)?;
        check_same(&self.dir, grid.json())?;
        Ok(grid)
    }

    /// Every task's state and generations done.
    fn states(&self, grid: &Grid<'_>) -> Vec<(TaskState, usize)> {
        let generations = self.config.experiment.generations;
        let per_task = self.plan.slurm.jobs_per_task;
        (0..self.plan.tasks)
            .map(|t| {
                let jobs = task::jobs_of(t, per_task, grid.jobs().len());
                let total = jobs.len() * generations;
                let done: usize = jobs.clone().map(|j| grid.completed(j)).sum();
                let begun = jobs.clone().any(|j| grid.state_dir().join(grid.jobs()[j].name()).exists());
                (TaskFiles::new(&self.dir, t).state(done, total, begun), done)
            })
            .collect()
    }
}

/// `nglab sweep plan`.
fn plan(args: &PlanArgs) -> anyhow::Result<()> {
    let settings = args.run.resolve()?;
    let file_slurm = settings.slurm.clone().unwrap_or_default();
    let (slurm_settings, from_file) = merge_over(&args.slurm, &file_slurm);
    let name = |key: &str| match &settings.config {
        Some(file) if from_file.iter().any(|k| k == key) => format!("{key} in [slurm] of {}", file.display()),
        _ => format!("--{}", key.replace('_', "-")),
    };
    let (mut options, mem) = slurm_settings.validate(name, settings.threads)?;
    let mut run = settings.clone();
    run.slurm = None;
    run.out = None;
    run.resume = None;
    run.config = None;
    run.from_file = Vec::new();
    let mut config = RunConfig::new(&settings)?;
    config.out = std::path::absolute(&config.out)
        .with_context(|| format!("the output directory {}", config.out.display()))?;
    config.threads = options.cpus_per_task;
    slurm::check_path(&config.out)?;
    let grid = Grid::new(&config)?;
    let n_jobs = grid.jobs().len();
    let tasks = task::n_tasks(n_jobs, options.jobs_per_task);
    let first: Vec<usize> = task::jobs_of(0, options.jobs_per_task, n_jobs).collect();
    let plan = Plan::of_jobs(grid, first, MemoryLimit::Given)?;
    let estimate = plan.memory();
    options.mem_mib = (mem.map_or(estimate, |m| m as f64) / 1048576.0).ceil() as u64;
    let exe = std::env::current_exe().context("the path of this nglab")?;
    let workdir = std::env::current_dir().context("the working directory")?;
    let dir = config.out.clone();
    let _lock = plan.open_dir()?;
    eprintln!("nglab run: about {} of memory at most (estimated)", crate::run::gib(estimate));
    std::fs::create_dir_all(dir.join("sweep/logs"))
        .with_context(|| format!("creating {}/sweep", dir.display()))?;
    std::fs::create_dir_all(dir.join("sweep/tasks"))
        .with_context(|| format!("creating {}/sweep", dir.display()))?;
    let file = PlanFile { workdir, tasks, slurm: options.clone(), run };
    let text = format!(
        "# Written by `nglab sweep plan`: what `nglab sweep task`, `merge` and `status` read.\n{}",
        toml::to_string(&file).context("writing the plan")?
    );
    write_atomic(&dir.join(PLAN), |w| Ok(w.write_all(text.as_bytes())?))?;
    write_atomic(&dir.join("sweep/tasks.tsv"), |w| {
        writeln!(w, "task\tjobs")?;
        for t in 0..tasks {
            let jobs = task::jobs_of(t, options.jobs_per_task, n_jobs);
            let names: Vec<String> = jobs.map(|j| plan.grid().jobs()[j].name()).collect();
            writeln!(w, "{t}\t{}", names.join(" "))?;
        }
        Ok(())
    })?;
    let script = slurm::tasks_script(&dir, &exe, tasks, &options);
    write_atomic(&dir.join("sweep/tasks.sbatch"), |w| Ok(w.write_all(script.as_bytes())?))?;
    let script = slurm::merge_script(&dir, &exe, &options);
    write_atomic(&dir.join("sweep/merge.sbatch"), |w| Ok(w.write_all(script.as_bytes())?))?;
    let d = dir.display();
    println!(
        "{tasks} tasks ({} jobs each, {} generations a job); a task needs about {} MiB (--mem), {} CPUs",
        options.jobs_per_task,
        plan.grid().config().experiment.generations,
        options.mem_mib,
        options.cpus_per_task
    );
    println!("submit:  nglab sweep submit {d}");
    println!("  or:    jid=$(sbatch --parsable {d}/sweep/tasks.sbatch) && sbatch --dependency=afterany:$jid {d}/sweep/merge.sbatch");
    println!(
        "locally: seq 0 {} | xargs -P 2 -I{{}} sh -c 'nglab sweep task --index {{}} {d} >>{d}/sweep/logs/task-{{}}.log 2>&1'; nglab sweep merge {d}",
        tasks - 1
    );
    if tasks > 1000 {
        eprintln!(
            "nglab sweep: {tasks} tasks: Slurm's default MaxArraySize allows indices up to 1000 (--jobs-per-task packs jobs)"
        );
    }
    Ok(())
}

/// `nglab sweep task`.
fn run_task(args: &TaskArgs) -> anyhow::Result<()> {
    let index = task::index_from(args.index, |k| std::env::var(k).ok())?;
    let env_threads = match std::env::var("SLURM_CPUS_PER_TASK") {
        Ok(v) => Some(
            v.trim()
                .parse::<usize>()
                .ok()
                .filter(|&n| n > 0)
                .with_context(|| format!("SLURM_CPUS_PER_TASK={v:?} is not a number of CPUs"))?,
        ),
        Err(_) => None,
    };
    let sweep = Sweep::open(&args.dir, args.threads.or(env_threads))?;
    let tasks = sweep.plan.tasks;
    if index >= tasks {
        bail!("task {index} of {}: the sweep has {tasks} tasks (0 to {})", sweep.dir.display(), tasks - 1);
    }
    let grid = sweep.grid()?;
    let files = TaskFiles::new(&sweep.dir, index);
    let _lock = lock_file(&files.lock, true, |holder| {
        format!("task {index} of {} is running ({})", sweep.dir.display(), holder.describe())
    })?;
    let result = (|| {
        match std::fs::remove_file(&files.failed) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("removing {}", files.failed.display()))
            }
            _ => {}
        }
        let jobs: Vec<usize> =
            task::jobs_of(index, sweep.plan.slurm.jobs_per_task, grid.jobs().len()).collect();
        let names: Vec<String> = jobs.iter().map(|&j| grid.jobs()[j].name()).collect();
        // An earlier attempt's temporary files: only this task's jobs, whose lock it holds.
        for name in &names {
            crate::run::remove_stale_temps(&grid.state_dir().join(name))?;
            crate::run::remove_stale_temps(&sweep.dir.join("corpora").join(name))?;
        }
        let plan = Plan::of_jobs(grid, jobs, MemoryLimit::Here)?;
        eprintln!("nglab sweep: task {index} of {tasks}: {}", names.join(" "));
        plan.run_jobs(&crate::run::Control::default())?;
        Ok(())
    })();
    if let Err(e) = &result {
        let why = format!("{e:#}");
        let _ = write_atomic(&files.failed, |w| Ok(writeln!(w, "{}", why.replace('\n', " "))?));
    }
    result?;
    eprintln!("nglab sweep: task {index} done");
    Ok(())
}

/// The tasks of `states` that are not done, in one line: `task 1 (failed:
/// ...; log DIR/sweep/logs/task-1.log), ...`.
fn not_done(dir: &Path, states: &[(TaskState, usize)]) -> (usize, String) {
    let missing: Vec<String> = states
        .iter()
        .enumerate()
        .filter(|(_, (s, _))| *s != TaskState::Done)
        .map(|(t, (s, _))| {
            format!("task {t} ({}; log {})", s.describe(), TaskFiles::new(dir, t).log.display())
        })
        .collect();
    let n = missing.len();
    let shown = if n > 10 {
        format!("{}, and {} more", missing[..10].join(", "), n - 10)
    } else {
        missing.join(", ")
    };
    (n, shown)
}

/// `nglab sweep merge`.
fn merge(dir: &Path, partial: bool) -> anyhow::Result<()> {
    let sweep = Sweep::open(dir, None)?;
    let grid = sweep.grid()?;
    let _lock = crate::run::lock(&sweep.dir)?;
    let states = sweep.states(&grid);
    let (missing, named) = not_done(&sweep.dir, &states);
    let tasks = states.len();
    let out = sweep.dir.join("report.html");
    if missing == 0 {
        grid.write_outputs()?;
        eprintln!("nglab sweep: merged {tasks} tasks; report: {}", out.display());
        return Ok(());
    }
    if !partial {
        bail!(
            "{missing} of {tasks} tasks of {} are not done: {named}; run them again (nglab sweep submit, or nglab sweep task --index I) or merge what finished with --partial",
            sweep.dir.display()
        );
    }
    let generations = sweep.config.experiment.generations;
    let complete: Vec<crate::run::Job> = (0..grid.jobs().len())
        .filter(|&j| grid.completed(j) == generations)
        .map(|j| grid.jobs()[j])
        .collect();
    if complete.is_empty() {
        bail!("no job of {} is complete: nothing to merge ({named})", sweep.dir.display());
    }
    grid.write_outputs_of(&complete)?;
    eprintln!(
        "nglab sweep: partial merge of {} of {} jobs, {missing} of {tasks} tasks not done: {named}; report: {}",
        complete.len(),
        grid.jobs().len(),
        out.display()
    );
    Ok(())
}

/// `nglab sweep status`.
fn status(dir: &Path) -> anyhow::Result<()> {
    let sweep = Sweep::open(dir, None)?;
    let grid = sweep.grid()?;
    let states = sweep.states(&grid);
    let count = |kind: &str| states.iter().filter(|(s, _)| s.kind() == kind).count();
    let done: usize = states.iter().map(|(_, d)| d).sum();
    let total = grid.jobs().len() * sweep.config.experiment.generations;
    println!(
        "{}: {} tasks: {} done, {} running, {} failed, {} not started; {done} of {total} generations done",
        sweep.dir.display(),
        states.len(),
        count("done"),
        count("running"),
        count("failed"),
        count("not started")
    );
    let per_task = sweep.plan.slurm.jobs_per_task;
    for (t, (state, done)) in states.iter().enumerate() {
        if *state == TaskState::Done {
            continue;
        }
        let jobs = task::jobs_of(t, per_task, grid.jobs().len()).len();
        println!(
            "task {t}: {}; {done} of {} generations; log {}",
            state.describe(),
            jobs * sweep.config.experiment.generations,
            TaskFiles::new(&sweep.dir, t).log.display()
        );
    }
    Ok(())
}

/// `nglab sweep submit`: the tasks not done (nor running) as a job array,
/// and the merge after it.
fn submit(dir: &Path) -> anyhow::Result<()> {
    let sweep = Sweep::open(dir, None)?;
    let grid = sweep.grid()?;
    let states = sweep.states(&grid);
    let todo: Vec<usize> = states
        .iter()
        .enumerate()
        .filter(|(_, (s, _))| !matches!(s, TaskState::Done | TaskState::Running(_)))
        .map(|(t, _)| t)
        .collect();
    let running = states.iter().filter(|(s, _)| matches!(s, TaskState::Running(_))).count();
    let d = sweep.dir.display();
    let s = |p: &str| format!("{d}/sweep/{p}");
    let mut merge_args = Vec::new();
    if !todo.is_empty() {
        let spec = slurm::ranges(&todo);
        let array = slurm::sbatch(&[
            format!("--array={}", slurm::array_spec(&spec, &sweep.plan.slurm)),
            s("tasks.sbatch"),
        ])?;
        println!("array job {array}: tasks {spec} of {d}");
        merge_args.push(format!("--dependency=afterany:{array}"));
    } else if running > 0 {
        bail!("{running} tasks of {d} are running and none is left to submit: merge once they end");
    }
    merge_args.push(s("merge.sbatch"));
    let merge = slurm::sbatch(&merge_args)?;
    println!("merge job {merge}: nglab sweep merge {d}, log {d}/sweep/logs/merge.log");
    Ok(())
}
