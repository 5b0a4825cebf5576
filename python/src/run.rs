//! `nglab.run`: a collapse run through the driver's library ([`Plan`]),
//! as `nglab run` does it, with its progress given to Python and Ctrl-C
//! cancelling it (the generations done stay saved: `resume=True` continues).

use std::path::PathBuf;
use std::sync::mpsc;

use nglab_driver::run::{Control, Plan, RunConfig, Settings, Step};
use pyo3::prelude::*;

use crate::blocking;

/// The settings of a run: those of a dict (as JSON) or of a TOML file, with
/// the output directory and `resume` as the command line's `--out` and
/// `--resume` flags give them.
fn settings(
    json: Option<String>,
    toml: Option<PathBuf>,
    out: PathBuf,
    resume: bool,
) -> anyhow::Result<Settings> {
    let flags = Settings { out: Some(out), resume: resume.then_some(true), ..Settings::default() };
    match (json, toml) {
        (Some(json), None) => {
            let value: serde_json::Value = serde_json::from_str(&json)?;
            // From a `Value`, serde_json's messages carry no (meaningless) position.
            let given: Settings =
                serde_json::from_value(value).map_err(|e| anyhow::anyhow!("invalid settings: {e}"))?;
            Ok(flags.over(given))
        }
        (None, Some(path)) => Settings { config: Some(path), ..flags }.resolve(),
        _ => anyhow::bail!("internal error: give the settings as JSON or a TOML path"),
    }
}

/// Runs a collapse experiment into `out_dir`: the settings are JSON
/// (`settings_json`, a dict's) or a TOML file (`toml`); `on_step` gets a dict
/// per generation done (`nglab.run` documents it).
#[pyfunction]
#[pyo3(signature = (settings_json, toml, out_dir, resume, on_step))]
pub fn run(
    py: Python<'_>,
    settings_json: Option<String>,
    toml: Option<PathBuf>,
    out_dir: PathBuf,
    resume: bool,
    on_step: Option<Py<PyAny>>,
) -> PyResult<()> {
    let (tx, rx) = mpsc::channel::<Step>();
    blocking::run(
        py,
        move |cancel| {
            let config = RunConfig::new(&settings(settings_json, toml, out_dir, resume)?)?;
            let plan = Plan::new(&config)?;
            let _lock = plan.open_dir()?;
            let send = move |step: &Step| {
                // The receiver lives until the call returns.
                let _ = tx.send(step.clone());
            };
            // Always a hook: without one the library would draw its own progress on stderr.
            let control = Control { cancel: cancel.clone(), on_step: Some(&send) };
            plan.run_jobs(&control)?;
            plan.write_outputs()?;
            Ok(())
        },
        |py| {
            while let Ok(step) = rx.try_recv() {
                if let Some(f) = &on_step {
                    f.call1(py, (crate::json::to_python(py, &step)?,))?;
                }
            }
            Ok(())
        },
    )
}
