//! One task of a sweep: its jobs, its lock (`sweep/tasks/I.lock`, held while
//! it runs), the note a failed attempt leaves (`sweep/tasks/I.failed`), its
//! log (`sweep/logs/task-I.log`, written by Slurm or the runner), and its
//! state as `nglab sweep status` and `merge` see it.

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::run::Holder;

/// Where a task stands.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskState {
    /// Every generation of every job of the task is on disk.
    Done,
    /// A process holds the task's lock (alive on this machine; on another,
    /// its lock touched in the last two minutes).
    Running(Holder),
    /// An attempt failed with this error.
    Failed(String),
    /// An attempt began and was stopped (killed, cancelled) before the end.
    Stopped,
    /// No attempt began.
    NotStarted,
}

impl TaskState {
    /// The state as `status` lists it: `running`, `failed`, ...
    pub fn kind(&self) -> &'static str {
        match self {
            TaskState::Done => "done",
            TaskState::Running(_) => "running",
            TaskState::Failed(_) | TaskState::Stopped => "failed",
            TaskState::NotStarted => "not started",
        }
    }

    /// The state in a sentence: `failed: ...`, `running (pid 12)`.
    pub fn describe(&self) -> String {
        match self {
            TaskState::Done => "done".into(),
            TaskState::Running(holder) => format!("running ({})", holder.describe()),
            TaskState::Failed(why) => format!("failed: {why}"),
            TaskState::Stopped => "stopped before the end (killed or cancelled)".into(),
            TaskState::NotStarted => "not started".into(),
        }
    }
}

/// The files of task `index` of the sweep in `dir`.
pub struct TaskFiles {
    /// `sweep/tasks/I.lock`.
    pub lock: PathBuf,
    /// `sweep/tasks/I.failed`: the error of the last attempt, if it failed.
    pub failed: PathBuf,
    /// `sweep/logs/task-I.log`.
    pub log: PathBuf,
}

impl TaskFiles {
    /// The files of task `index`.
    pub fn new(dir: &Path, index: usize) -> TaskFiles {
        let tasks = dir.join("sweep/tasks");
        TaskFiles {
            lock: tasks.join(format!("{index}.lock")),
            failed: tasks.join(format!("{index}.failed")),
            log: dir.join(format!("sweep/logs/task-{index}.log")),
        }
    }

    /// The task's state, given the generations of its jobs done (`done`)
    /// out of `total`, and whether any of its jobs has a state directory.
    pub fn state(&self, done: usize, total: usize, begun: bool) -> TaskState {
        if done == total {
            return TaskState::Done;
        }
        let holder = Holder::read(&self.lock);
        if let Some(holder) = holder.clone().filter(|h| h.alive(true)) {
            return TaskState::Running(holder);
        }
        if let Ok(why) = std::fs::read_to_string(&self.failed) {
            return TaskState::Failed(why.trim().to_owned());
        }
        if begun || done > 0 || holder.is_some() {
            TaskState::Stopped
        } else {
            TaskState::NotStarted
        }
    }
}

/// The jobs (indices into the grid's) of task `index` with `per_task` jobs
/// each, of `n_jobs`.
pub fn jobs_of(index: usize, per_task: usize, n_jobs: usize) -> Range<usize> {
    (index * per_task).min(n_jobs)..((index + 1) * per_task).min(n_jobs)
}

/// The number of tasks of `n_jobs` jobs, `per_task` each.
pub fn n_tasks(n_jobs: usize, per_task: usize) -> usize {
    n_jobs.div_ceil(per_task)
}

/// The task index from `--index`, else `SLURM_ARRAY_TASK_ID`, else
/// `JOB_COMPLETION_INDEX` (a Kubernetes indexed job).
pub fn index_from(flag: Option<usize>, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<usize> {
    if let Some(i) = flag {
        return Ok(i);
    }
    for var in ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"] {
        if let Some(value) = env(var) {
            return value
                .trim()
                .parse()
                .map_err(|_| anyhow::anyhow!("{var}={value:?} is not a task index (0, 1, 2, ...)"));
        }
    }
    anyhow::bail!(
        "no task index: give --index I, or run under Slurm's SLURM_ARRAY_TASK_ID or a Kubernetes JOB_COMPLETION_INDEX"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_cover_the_jobs_once() {
        for (n_jobs, per_task) in [(4, 1), (5, 2), (6, 3), (1, 4)] {
            let tasks = n_tasks(n_jobs, per_task);
            let covered: Vec<usize> = (0..tasks).flat_map(|t| jobs_of(t, per_task, n_jobs)).collect();
            assert_eq!(covered, (0..n_jobs).collect::<Vec<_>>(), "{n_jobs} jobs, {per_task} a task");
            assert!((0..tasks).all(|t| !jobs_of(t, per_task, n_jobs).is_empty()));
        }
    }

    #[test]
    fn the_index_from_the_flag_or_the_scheduler() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        assert_eq!(index_from(Some(3), env(&[("SLURM_ARRAY_TASK_ID", "5")])).unwrap(), 3);
        assert_eq!(index_from(None, env(&[("SLURM_ARRAY_TASK_ID", "5")])).unwrap(), 5);
        assert_eq!(index_from(None, env(&[("JOB_COMPLETION_INDEX", "7")])).unwrap(), 7);
        let e = index_from(None, env(&[("SLURM_ARRAY_TASK_ID", "x")])).unwrap_err().to_string();
        assert!(e.starts_with("SLURM_ARRAY_TASK_ID=\"x\" is not a task index"), "{e}");
        assert!(index_from(None, env(&[])).unwrap_err().to_string().starts_with("no task index"));
    }
}
