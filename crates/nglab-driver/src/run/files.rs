//! The run directory: its lock, atomic writes, the binary corpus state and
//! input hashes.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::{bail, Context};
use nglab_tokenizer::Corpus;
use sha2::{Digest, Sha256};

use crate::io::is_temp_name;
pub use crate::io::write_atomic;

/// Writes a corpus as little-endian u32s: sentences, then per sentence its
/// length and ids.
pub fn write_ids(path: &Path, corpus: &Corpus) -> anyhow::Result<()> {
    write_atomic(path, |w| {
        w.write_all(&(corpus.n_sentences() as u32).to_le_bytes())?;
        for s in corpus.sentences() {
            w.write_all(&(s.len() as u32).to_le_bytes())?;
            for &id in s {
                w.write_all(&id.to_le_bytes())?;
            }
        }
        Ok(())
    })
}

/// Reads a corpus written by [`write_ids`].
pub fn read_ids(path: &Path) -> anyhow::Result<Corpus> {
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .with_context(|| format!("reading state {}", path.display()))?;
    let words: Vec<u32> =
        bytes.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().expect("chunks of 4"))).collect();
    let bad = || anyhow::anyhow!("state file {} is corrupt", path.display());
    if bytes.len() % 4 != 0 || words.is_empty() {
        return Err(bad());
    }
    let mut corpus = Corpus::new();
    let mut at = 1;
    for _ in 0..words[0] {
        let n = *words.get(at).ok_or_else(bad)? as usize;
        let s = words.get(at + 1..at + 1 + n).ok_or_else(bad)?;
        corpus.push(s);
        at += 1 + n;
    }
    if at != words.len() {
        return Err(bad());
    }
    Ok(corpus)
}

/// The sha256 of a file, in hex.
pub fn sha256_file(path: &Path) -> anyhow::Result<String> {
    let mut file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// A lock file, removed when dropped; a heartbeat lock is touched every
/// `HEARTBEAT` (30 s) while it lives.
#[derive(Debug)]
pub struct RunLock {
    path: PathBuf,
    /// The heartbeat thread and the channel whose closing stops it.
    beat: Option<(std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>)>,
}

impl Drop for RunLock {
    fn drop(&mut self) {
        if let Some((stop, thread)) = self.beat.take() {
            drop(stop);
            let _ = thread.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

/// How often a heartbeat lock is touched.
pub const HEARTBEAT: Duration = Duration::from_secs(30);
/// A heartbeat lock of another machine untouched this long is stale (its
/// holder was killed, or its machine is gone).
pub const STALE_AFTER: Duration = Duration::from_secs(120);

/// Name of the lock file in the run directory.
pub const LOCK: &str = ".nglab-run.lock";

/// Whether process `pid` is alive (Linux `/proc`; elsewhere assumed alive).
fn alive(pid: u32) -> bool {
    if Path::new("/proc/self").exists() {
        Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}

/// This machine's host name (Linux), empty where it cannot be read.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default().trim().to_owned()
}

/// Who holds a lock file: `PID HOST` (an older lock holds the PID alone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// Its process id.
    pub pid: u32,
    /// Its host, empty when the lock does not say.
    pub host: String,
    /// Time since the lock file was last written or touched.
    pub age: Duration,
}

impl Holder {
    /// Reads the holder of lock file `path`; `None` when there is no lock or
    /// it is being written.
    pub fn read(path: &Path) -> Option<Holder> {
        let text = std::fs::read_to_string(path).ok()?;
        let mut words = text.split_whitespace();
        let pid = words.next()?.parse().ok()?;
        let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok()?;
        let age = SystemTime::now().duration_since(modified).unwrap_or_default();
        Some(Holder { pid, host: words.next().unwrap_or_default().to_owned(), age })
    }

    /// Whether the holder runs on this machine (or the lock does not say).
    pub fn is_here(&self) -> bool {
        self.host.is_empty() || self.host == host_name()
    }

    /// Whether the holder is alive: its process on this machine; elsewhere,
    /// by the heartbeat of a `heartbeat` lock, else assumed.
    pub fn alive(&self, heartbeat: bool) -> bool {
        if self.is_here() {
            alive(self.pid)
        } else {
            !heartbeat || self.age < STALE_AFTER
        }
    }

    /// `pid 123` or `pid 123 on node7`.
    pub fn describe(&self) -> String {
        if self.is_here() {
            format!("pid {}", self.pid)
        } else {
            format!("pid {} on {}", self.pid, self.host)
        }
    }
}

/// Locks `dir` (created if missing) for this process. A lock whose process
/// has died (a killed run) is taken over.
pub fn lock(dir: &Path) -> anyhow::Result<RunLock> {
    if dir.exists() && !dir.is_dir() {
        bail!("output directory {} exists and is not a directory", dir.display());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating output directory {}", dir.display()))?;
    lock_file(&dir.join(LOCK), false, |holder| {
        format!("another nglab run ({}) is writing to {}", holder.describe(), dir.display())
    })
}

/// Creates lock file `path` (its directory exists) holding this process's
/// id and host. A `heartbeat` lock is touched every [`HEARTBEAT`] while it
/// lives, so that another machine can tell it from the lock of a killed
/// process. A lock whose holder is not [`Holder::alive`] is taken over;
/// otherwise the error is `busy(holder)`.
pub fn lock_file(path: &Path, heartbeat: bool, busy: impl Fn(&Holder) -> String) -> anyhow::Result<RunLock> {
    for _ in 0..2 {
        match std::fs::OpenOptions::new().write(true).create_new(true).open(path) {
            Ok(mut f) => {
                write!(f, "{} {}", std::process::id(), host_name())
                    .with_context(|| format!("writing {}", path.display()))?;
                let beat = heartbeat.then(|| {
                    let (stop, stopped) = std::sync::mpsc::channel::<()>();
                    let thread = std::thread::spawn(move || {
                        while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                            stopped.recv_timeout(HEARTBEAT)
                        {
                            let _ = f.set_modified(SystemTime::now());
                        }
                    });
                    (stop, thread)
                });
                return Ok(RunLock { path: path.to_owned(), beat });
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let holder = Holder::read(path).or_else(|| {
                    // Being written right now, or the stale lock of a killed run: look again.
                    std::thread::sleep(std::time::Duration::from_millis(100));
                    Holder::read(path)
                });
                if let Some(holder) = holder.filter(|h| h.alive(heartbeat)) {
                    bail!("{}", busy(&holder));
                }
                let _ = std::fs::remove_file(path);
            }
            Err(e) => return Err(e).with_context(|| format!("creating {}", path.display())),
        }
    }
    bail!("cannot lock {}: the lock file keeps coming back", path.display())
}

/// The settings a finished run can be extended in with `--resume`: its
/// generations and seeds may grow, nothing else may change.
const EXTENSIBLE: [&str; 2] = ["generations", "seeds"];

/// How the run in a directory (its `config.json`, `old`) differs from this
/// one (`new`): each differing experiment setting, input or version as `what:
/// old there, new here`, and whether the differences only extend the run.
fn differences(old: &serde_json::Value, new: &serde_json::Value) -> (Vec<String>, bool) {
    let mut found = Vec::new();
    let mut extends = true;
    let show = |v: Option<&serde_json::Value>| v.map_or_else(|| "none".to_owned(), |v| v.to_string());
    let (old_exp, new_exp) = (&old["experiment"], &new["experiment"]);
    let mut keys: Vec<&String> =
        old_exp.as_object().into_iter().chain(new_exp.as_object()).flat_map(|m| m.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let (a, b) = (old_exp.get(key), new_exp.get(key));
        if a == b {
            continue;
        }
        let grows = EXTENSIBLE.contains(&key.as_str())
            && matches!((a.and_then(|v| v.as_u64()), b.and_then(|v| v.as_u64())), (Some(a), Some(b)) if b > a);
        extends &= grows;
        found.push(format!("{key}: {} there, {} here", show(a), show(b)));
    }
    for (key, what) in [
        ("inputs", "inputs (paths and sha256)"),
        ("metrics", "metrics settings"),
        ("version", "nglab version"),
    ] {
        if old.get(key) != new.get(key) {
            extends = false;
            found.push(format!("{what}: {} there, {} here", show(old.get(key)), show(new.get(key))));
        }
    }
    (found, extends)
}

/// Checks that `dir` (locked) may hold this run: empty, or holding this same
/// configuration (`config_json`) and `resume` is set, or holding the same
/// configuration with fewer generations or seeds and `resume` is set (the
/// run is extended). A refusal names each setting that differs.
pub fn check_dir(dir: &Path, config_json: &str, resume: bool) -> anyhow::Result<()> {
    let config_path = dir.join("config.json");
    match std::fs::read_to_string(&config_path) {
        Ok(existing) => {
            let parse = |text: &str| serde_json::from_str::<serde_json::Value>(text);
            let old = parse(&existing).with_context(|| format!("reading {}", config_path.display()))?;
            let new = parse(config_json).expect("this run's config.json is JSON");
            let (found, extends) = differences(&old, &new);
            if !found.is_empty() && !extends {
                bail!(
                    "{} holds another run ({}); choose another --out, or give that run's settings",
                    dir.display(),
                    found.join("; ")
                );
            }
            if !resume {
                let what = if found.is_empty() { "continue" } else { "extend" };
                bail!(
                    "{} already holds a run of this configuration{}; pass --resume to {what} it, or choose another --out",
                    dir.display(),
                    if found.is_empty() { String::new() } else { format!(" with fewer ({})", found.join("; ")) }
                );
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut entries: Vec<String> = std::fs::read_dir(dir)
                .with_context(|| format!("reading {}", dir.display()))?
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n != LOCK && !is_temp_name(n))
                .collect();
            entries.sort();
            if let Some(first) = entries.first() {
                bail!(
                    "{} is not empty ({first}, ...) and holds no nglab run; choose another --out",
                    dir.display()
                );
            }
            Ok(())
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", config_path.display())),
    }
}

/// Checks that `dir/config.json` is `config_json`: the run a sweep planned
/// there is the one its settings give now (same settings, inputs and
/// version). A difference is named, as `--resume` names it.
pub fn check_same(dir: &Path, config_json: &str) -> anyhow::Result<()> {
    let config_path = dir.join("config.json");
    let existing = std::fs::read_to_string(&config_path)
        .with_context(|| format!("reading {}", config_path.display()))?;
    if existing == config_json {
        return Ok(());
    }
    let old = serde_json::from_str::<serde_json::Value>(&existing)
        .with_context(|| format!("reading {}", config_path.display()))?;
    let new = serde_json::from_str::<serde_json::Value>(config_json).expect("this run's config.json is JSON");
    let (found, _) = differences(&old, &new);
    let what = if found.is_empty() { "its text differs".to_owned() } else { found.join("; ") };
    bail!("{} is not the run its sweep plan gives now ({what}); plan the sweep again", config_path.display())
}

/// Removes the temporary files that killed runs left in the run directory
/// `dir` (locked by this process, so no other writer is at work) and in its
/// subdirectories.
pub fn remove_stale_temps(dir: &Path) -> anyhow::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let path = entry.path();
        let file_type = entry.file_type().with_context(|| format!("reading {}", path.display()))?;
        if file_type.is_dir() {
            remove_stale_temps(&path)?;
        } else if file_type.is_file() && is_temp_name(&entry.file_name().to_string_lossy()) {
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut corpus = Corpus::new();
        corpus.push(&[3, 4, 5]);
        corpus.push(&[7]);
        let path = dir.path().join("c.ids");
        write_ids(&path, &corpus).unwrap();
        assert_eq!(read_ids(&path).unwrap(), corpus);
        std::fs::write(&path, [1, 0, 0, 0, 5, 0, 0, 0]).unwrap();
        assert!(read_ids(&path).is_err());
    }

    /// What may differ between the run in a directory and a new one: more
    /// generations or seeds extend it; anything else is named.
    #[test]
    fn a_run_extends_in_generations_and_seeds_only() {
        let config = |generations: u64, seeds: u64, order: &[u64]| {
            serde_json::json!({
                "version": "0.1.0",
                "experiment": { "generations": generations, "seeds": seeds, "order": order },
                "inputs": [{ "role": "train", "sha256": "ab" }],
            })
        };
        let check = |old: serde_json::Value, new: serde_json::Value, found: &[&str], extends: bool| {
            assert_eq!(differences(&old, &new), (found.iter().map(|s| s.to_string()).collect(), extends));
        };
        check(config(2, 1, &[3]), config(2, 1, &[3]), &[], true);
        check(config(2, 1, &[3]), config(3, 1, &[3]), &["generations: 2 there, 3 here"], true);
        check(
            config(2, 1, &[3]),
            config(3, 2, &[3]),
            &["generations: 2 there, 3 here", "seeds: 1 there, 2 here"],
            true,
        );
        check(config(3, 1, &[3]), config(2, 1, &[3]), &["generations: 3 there, 2 here"], false);
        check(
            config(2, 1, &[3]),
            config(3, 1, &[2, 3]),
            &["generations: 2 there, 3 here", "order: [3] there, [2,3] here"],
            false,
        );
        let mut other_input = config(2, 1, &[3]);
        other_input["inputs"][0]["sha256"] = "cd".into();
        check(
            config(2, 1, &[3]),
            other_input,
            &[
                r#"inputs (paths and sha256): [{"role":"train","sha256":"ab"}] there, [{"role":"train","sha256":"cd"}] here"#,
            ],
            false,
        );
    }

    /// A lock of another machine: a run's is assumed alive; a heartbeat
    /// lock is alive while it is touched, stale (taken over) after.
    #[test]
    fn locks_of_other_machines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("task.lock");
        let busy = |h: &Holder| format!("busy: {}", h.describe());
        std::fs::write(&path, "4000000 another-host").unwrap();
        assert_eq!(
            lock_file(&path, false, busy).unwrap_err().to_string(),
            "busy: pid 4000000 on another-host"
        );
        assert_eq!(
            lock_file(&path, true, busy).unwrap_err().to_string(),
            "busy: pid 4000000 on another-host"
        );
        let old = SystemTime::now() - STALE_AFTER - Duration::from_secs(1);
        std::fs::File::options().write(true).open(&path).unwrap().set_modified(old).unwrap();
        assert!(lock_file(&path, false, busy).is_err());
        let lock = lock_file(&path, true, busy).unwrap();
        let holder = Holder::read(&path).unwrap();
        assert_eq!((holder.pid, holder.is_here(), holder.alive(true)), (std::process::id(), true, true));
        drop(lock);
        assert!(!path.exists());
        // A dead process of this machine.
        std::fs::write(&path, format!("4000000 {}", host_name())).unwrap();
        assert!(!Holder::read(&path).unwrap().alive(false));
        drop(lock_file(&path, false, busy).unwrap());
    }

    #[test]
    fn directory_checks() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run");
        let lock1 = lock(&out).unwrap();
        let err = lock(&out).unwrap_err().to_string();
        assert!(err.starts_with("another nglab run (pid "), "{err}");
        drop(lock1);
        let _lock = lock(&out).unwrap();
        check_dir(&out, "{}", false).unwrap();
        std::fs::write(out.join("config.json"), "{}").unwrap();
        assert!(check_dir(&out, "{}", false).unwrap_err().to_string().contains("pass --resume"));
        check_dir(&out, "{}", true).unwrap();
        let err = check_dir(&out, "{\"version\":1}", true).unwrap_err().to_string();
        assert!(err.contains("holds another run (nglab version: none there, 1 here)"), "{err}");
        std::fs::remove_file(out.join("config.json")).unwrap();
        // A run killed while writing its config.json left only a temporary file.
        std::fs::write(out.join(".config.json.tmp123"), "{").unwrap();
        check_dir(&out, "{}", false).unwrap();
        std::fs::create_dir_all(out.join("state/job")).unwrap();
        std::fs::write(out.join("state/job/.gen-0.json.tmp7"), "").unwrap();
        std::fs::write(out.join("state/job/gen-0.json"), "").unwrap();
        remove_stale_temps(&out).unwrap();
        assert!(
            !out.join(".config.json.tmp123").exists() && !out.join("state/job/.gen-0.json.tmp7").exists()
        );
        assert!(out.join("state/job/gen-0.json").exists() && out.join(LOCK).exists());
        std::fs::remove_dir_all(out.join("state")).unwrap();
        std::fs::write(out.join("notes.txt"), "").unwrap();
        assert!(check_dir(&out, "{}", false).unwrap_err().to_string().contains("is not empty (notes.txt"));
    }
}
