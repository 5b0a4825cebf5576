//! `nglab.run`: a collapse experiment, as `nglab run` runs it.

use std::path::PathBuf;
use std::sync::mpsc;

use nglab_driver::run::{Plan, RunConfig, Settings, Step};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::blocking;
use crate::errors::IntoPy;

/// The settings: a dict of `nglab run`'s TOML keys, or a TOML file.
fn settings(config: &Bound<'_, PyAny>) -> PyResult<Settings> {
    if config.is_instance_of::<PyString>() || config.hasattr("__fspath__")? {
        let path: PathBuf = config.extract()?;
        return Settings::read_toml(&path).py_err();
    }
    let dict = config.cast::<PyDict>().map_err(|_| {
        pyo3::exceptions::PyTypeError::new_err("config must be a dict of settings or the path of a TOML file")
    })?;
    let json: String = config.py().import("json")?.call_method1("dumps", (dict,))?.extract()?;
    serde_json::from_str::<Settings>(&json).map_err(|e| anyhow::anyhow!("config: {e}")).py_err()
}

/// Runs the collapse experiment of ``config`` into ``out_dir``; returns the
/// directory (``nglab.run`` wraps it into the run's records).
#[pyfunction]
#[pyo3(signature = (config, out_dir, progress = None, resume = None))]
pub fn run(
    py: Python<'_>,
    config: &Bound<'_, PyAny>,
    out_dir: PathBuf,
    progress: Option<Bound<'_, PyAny>>,
    resume: Option<bool>,
) -> PyResult<PathBuf> {
    let mut settings = settings(config)?;
    settings.out = Some(out_dir.clone());
    if resume.is_some() {
        settings.resume = resume;
    }
    let config = RunConfig::new(&settings).py_err()?;
    let (tx, rx) = mpsc::channel::<Step>();
    let report = |py: Python<'_>| -> PyResult<()> {
        for step in rx.try_iter() {
            if let Some(callback) = &progress {
                callback.call1((crate::json::to_python(py, &step)?,))?;
            }
        }
        Ok(())
    };
    blocking::run(
        py,
        blocking::OnInterrupt::WaitForStop,
        move |stop| {
            let plan = Plan::new(&config)?;
            let _lock = plan.open_dir()?;
            plan.run_jobs_with(&|step: &Step| drop(tx.send(step.clone())), stop.flag())?;
            plan.write_outputs()?;
            plan.remove_corpora_kept_for_resume();
            Ok(())
        },
        report,
    )?;
    Ok(out_dir)
}
