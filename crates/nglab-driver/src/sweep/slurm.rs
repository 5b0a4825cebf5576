//! The Slurm side of a sweep: its options (flags of `nglab sweep plan`, or
//! the `[slurm]` table of the `--config` file), the two batch scripts, and
//! `sbatch`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

/// The options of the batch scripts, as given (flags over the `[slurm]`
/// table of the config file), every one optional.
#[derive(Debug, Clone, Default, PartialEq, clap::Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlurmSettings {
    /// Slurm partition of the tasks and the merge job [default: the cluster's].
    #[arg(long, value_name = "NAME")]
    pub partition: Option<String>,
    /// Time limit of a task, as sbatch writes it (M, M:S, H:M:S, D-H, D-H:M,
    /// D-H:M:S) [default: the partition's].
    #[arg(long, value_name = "TIME")]
    pub time: Option<String>,
    /// Memory of a task (8G, 512M) [default: the run's own estimate for one task].
    #[arg(long, value_name = "SIZE")]
    pub mem: Option<String>,
    /// CPUs of a task, its threads [default: --threads, else 1].
    #[arg(long, value_name = "N")]
    #[serde(alias = "cpus-per-task")]
    pub cpus_per_task: Option<usize>,
    /// At most N tasks at once (the array's `%N`) [default: no limit].
    #[arg(long, value_name = "N")]
    pub throttle: Option<usize>,
    /// Jobs ((cell, seed) pairs) per task, in grid order [default: 1].
    #[arg(long, value_name = "N")]
    #[serde(alias = "jobs-per-task")]
    pub jobs_per_task: Option<usize>,
    /// An extra `#SBATCH` line for both scripts (`--account=lab`); repeatable.
    #[arg(long = "sbatch", value_name = "OPTION", allow_hyphen_values = true)]
    pub sbatch: Option<Vec<String>>,
}

/// The options, validated (recorded in `sweep/plan.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlurmOptions {
    /// Partition.
    pub partition: Option<String>,
    /// Time limit of a task.
    pub time: Option<String>,
    /// Memory of a task in MiB.
    pub mem_mib: u64,
    /// CPUs of a task.
    pub cpus_per_task: usize,
    /// The array's `%N`.
    pub throttle: Option<usize>,
    /// Jobs per task.
    pub jobs_per_task: usize,
    /// Extra `#SBATCH` lines (the options alone).
    pub sbatch: Vec<String>,
}

/// Whether `s` is one of sbatch's time forms.
fn is_slurm_time(s: &str) -> bool {
    let numbers = |t: &str, most: usize| {
        let parts: Vec<&str> = t.split(':').collect();
        parts.len() <= most && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    };
    match s.split_once('-') {
        Some((days, rest)) => numbers(days, 1) && numbers(rest, 3),
        None => numbers(s, 3),
    }
}

impl SlurmSettings {
    /// Validates the options (`name` names a setting in messages; `threads`
    /// is the run's `--threads`); returns them with `mem_mib` unset, and
    /// `--mem` in bytes when given.
    pub fn validate(
        &self,
        name: impl Fn(&str) -> String,
        threads: Option<usize>,
    ) -> anyhow::Result<(SlurmOptions, Option<u64>)> {
        let word = |key: &str, value: &Option<String>| -> anyhow::Result<Option<String>> {
            match value {
                Some(v) if v.is_empty() || v.chars().any(|c| c.is_whitespace() || c.is_control()) => {
                    bail!("{} must be one word, got {v:?}", name(key))
                }
                _ => Ok(value.clone()),
            }
        };
        let partition = word("partition", &self.partition)?;
        let time = word("time", &self.time)?;
        if let Some(t) = &time {
            if !is_slurm_time(t) {
                bail!("{}: {t:?} is not a Slurm time (M, M:S, H:M:S, D-H, D-H:M or D-H:M:S)", name("time"));
            }
        }
        let at_least_1 = |key: &str, value: Option<usize>| match value {
            Some(0) => bail!("{} must be at least 1, got 0", name(key)),
            _ => Ok(value),
        };
        let cpus_per_task = at_least_1("cpus_per_task", self.cpus_per_task)?.or(threads).unwrap_or(1);
        let throttle = at_least_1("throttle", self.throttle)?;
        let jobs_per_task = at_least_1("jobs_per_task", self.jobs_per_task)?.unwrap_or(1);
        let mem = self
            .mem
            .as_deref()
            .map(crate::run::bytes)
            .transpose()
            .with_context(|| format!("invalid {}", name("mem")))?;
        let mut sbatch = Vec::new();
        for line in self.sbatch.iter().flatten() {
            let option = line.trim().trim_start_matches("#SBATCH").trim();
            if !option.starts_with('-') || option.chars().any(|c| c.is_control()) {
                bail!("{}: {line:?} is not one sbatch option (such as --account=lab)", name("sbatch"));
            }
            sbatch.push(option.to_owned());
        }
        let options =
            SlurmOptions { partition, time, mem_mib: 0, cpus_per_task, throttle, jobs_per_task, sbatch };
        Ok((options, mem))
    }
}

/// `s` quoted for the shell.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Checks that `dir`'s path can stand in an `#SBATCH` line: no white space,
/// quote, backslash or `%` (sbatch's file name patterns).
pub fn check_path(dir: &Path) -> anyhow::Result<()> {
    let text = dir.to_str().with_context(|| format!("{}: the path is not UTF-8", dir.display()))?;
    if let Some(c) = text.chars().find(|c| c.is_whitespace() || c.is_control() || "'\"\\%".contains(*c)) {
        bail!(
            "the sweep directory {} holds {c:?}, which an #SBATCH line cannot hold: choose another --out",
            dir.display()
        );
    }
    Ok(())
}

/// The options both scripts share.
fn common_lines(s: &mut String, options: &SlurmOptions) {
    if let Some(p) = &options.partition {
        let _ = writeln!(s, "#SBATCH --partition={p}");
    }
    if let Some(t) = &options.time {
        let _ = writeln!(s, "#SBATCH --time={t}");
    }
    for line in &options.sbatch {
        let _ = writeln!(s, "#SBATCH {line}");
    }
}

/// The array's `--array` value: `spec` and the throttle.
pub fn array_spec(spec: &str, options: &SlurmOptions) -> String {
    match options.throttle {
        Some(n) => format!("{spec}%{n}"),
        None => spec.to_owned(),
    }
}

/// The job array's batch script: task `$SLURM_ARRAY_TASK_ID` of the sweep
/// in `dir` (absolute), by the `nglab` at `exe`.
pub fn tasks_script(dir: &Path, exe: &Path, tasks: usize, options: &SlurmOptions) -> String {
    let d = dir.display();
    let mut s = format!(
        "#!/bin/sh\n\
         # The tasks of the nglab sweep in {d}, one array task each (sweep/tasks.tsv).\n\
         # Written by `nglab sweep plan`. Submit with `nglab sweep submit {d}`, which\n\
         # submits the merge after it, or with\n\
         #   jid=$(sbatch --parsable {d}/sweep/tasks.sbatch) && sbatch --dependency=afterany:$jid {d}/sweep/merge.sbatch\n\
         #SBATCH --job-name=nglab-sweep\n\
         #SBATCH --array={}\n\
         #SBATCH --cpus-per-task={}\n\
         #SBATCH --mem={}M\n\
         #SBATCH --output={d}/sweep/logs/task-%a.log\n\
         #SBATCH --open-mode=append\n",
        array_spec(&format!("0-{}", tasks - 1), options),
        options.cpus_per_task,
        options.mem_mib,
    );
    common_lines(&mut s, options);
    let _ = writeln!(s, "exec {} sweep task {}", quote(&exe.display().to_string()), quote(&d.to_string()));
    s
}

/// The merge job's batch script.
pub fn merge_script(dir: &Path, exe: &Path, options: &SlurmOptions) -> String {
    let d = dir.display();
    let mut s = format!(
        "#!/bin/sh\n\
         # The merge of the nglab sweep in {d}: metrics, summary, plots and report from\n\
         # the tasks' state, once the array has ended (--dependency=afterany); it fails,\n\
         # naming them, when tasks are missing. Written by `nglab sweep plan`.\n\
         #SBATCH --job-name=nglab-merge\n\
         #SBATCH --output={d}/sweep/logs/merge.log\n\
         #SBATCH --open-mode=append\n"
    );
    common_lines(&mut s, options);
    let _ = writeln!(s, "exec {} sweep merge {}", quote(&exe.display().to_string()), quote(&d.to_string()));
    s
}

/// Runs `sbatch --parsable ARGS`; returns the job id.
pub fn sbatch(args: &[String]) -> anyhow::Result<String> {
    let out = Command::new("sbatch").arg("--parsable").args(args).output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            anyhow::anyhow!(
                "sbatch not found: submit from a machine with Slurm, or run the tasks yourself (nglab sweep task)"
            )
        } else {
            anyhow::Error::from(e).context("running sbatch")
        }
    })?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let why: Vec<&str> = stderr.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        bail!("sbatch {} failed ({}): {}", args.join(" "), out.status, why.join(" "));
    }
    // `--parsable` prints `ID` or `ID;CLUSTER`.
    let id = stdout.trim().split(';').next().unwrap_or_default().to_owned();
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        bail!("sbatch {} printed {:?}, not a job id", args.join(" "), stdout.trim());
    }
    Ok(id)
}

/// Task indices as an array spec: `0-3,5,7-8`.
pub fn ranges(indices: &[usize]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < indices.len() {
        let mut j = i;
        while j + 1 < indices.len() && indices[j + 1] == indices[j] + 1 {
            j += 1;
        }
        parts.push(if i == j { indices[i].to_string() } else { format!("{}-{}", indices[i], indices[j]) });
        i = j + 1;
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slurm_times() {
        for ok in ["30", "10:00", "1:30:00", "2-0", "2-12:00", "2-12:00:00"] {
            assert!(is_slurm_time(ok), "{ok}");
        }
        for bad in ["", "1h", "1:2:3:4", "-5", "2-", "a-1", "1::2", "1-2-3"] {
            assert!(!is_slurm_time(bad), "{bad}");
        }
    }

    #[test]
    fn array_ranges() {
        assert_eq!(ranges(&[0, 1, 2, 3]), "0-3");
        assert_eq!(ranges(&[1, 4, 5, 6, 9]), "1,4-6,9");
        assert_eq!(ranges(&[2]), "2");
    }
}
