//! Long calls: the work runs on its own thread without the GIL, while the
//! calling thread waits and checks for signals, so Ctrl-C interrupts it.
//!
//! On an interrupt (or any exception a signal handler raises) the call
//! returns that exception at once; the work is told to stop through its
//! [`Stop`] flag, which the library checks where it can (between the
//! generations of a run, between the waves of sampling), and its result is
//! dropped. Work that does not check the flag finishes on its own thread,
//! holding only data it owns.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use pyo3::prelude::*;

use crate::errors::to_py;

/// How often the waiting thread checks for signals.
const POLL: Duration = Duration::from_millis(20);

/// Set when the caller was interrupted: the work should stop.
#[derive(Debug, Clone, Default)]
pub struct Stop(Arc<AtomicBool>);

/// Runs `work` on a new thread while this one waits without the GIL,
/// checking for signals every 20 ms; `on_wait` runs with the GIL at each
/// check (to print progress, say). Errors become Python exceptions.
pub fn run<T: Send + 'static>(
    py: Python<'_>,
    work: impl FnOnce(&Stop) -> anyhow::Result<T> + Send + 'static,
    mut on_wait: impl FnMut(Python<'_>) -> PyResult<()>,
) -> PyResult<T> {
    let stop = Stop::default();
    let (tx, rx) = mpsc::sync_channel(1);
    let worker_stop = stop.clone();
    let handle = std::thread::Builder::new()
        .name("nglab".into())
        .spawn(move || {
            // The receiver may be gone (the caller was interrupted): nothing to do then.
            let _ = tx.send(work(&worker_stop));
        })
        .map_err(|e| to_py(anyhow::Error::new(e).context("cannot start a thread")))?;
    let mut rx = rx;
    loop {
        let (received, back) = py.detach(move || (rx.recv_timeout(POLL), rx));
        rx = back;
        match received {
            Ok(result) => {
                on_wait(py)?;
                // The thread has sent its result and is ending.
                let _ = handle.join();
                return result.map_err(to_py);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Err(e) = py.check_signals().and_then(|()| on_wait(py)) {
                    stop.0.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let why = match handle.join() {
                    Err(panic) => panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_default(),
                    Ok(()) => String::new(),
                };
                return Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
                    "internal error: nglab's worker thread stopped without a result ({why})"
                )));
            }
        }
    }
}

/// [`run`] with nothing to do while waiting.
pub fn run_quiet<T: Send + 'static>(
    py: Python<'_>,
    work: impl FnOnce(&Stop) -> anyhow::Result<T> + Send + 'static,
) -> PyResult<T> {
    run(py, work, |_| Ok(()))
}
