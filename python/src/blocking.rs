//! Long calls: the work runs on its own thread without the GIL, while the
//! calling thread waits and checks for signals, so Ctrl-C interrupts it.
//!
//! On an interrupt (or any exception a signal handler or `on_wait` raises)
//! the work's [`Cancel`] token is cancelled, which the libraries check where
//! they can (the sampler before each chunk of sentences, a run before each
//! generation and sampling chunk), and the call waits for the work to stop
//! before it raises the exception: no thread keeps running, and a run's
//! directory is unlocked. Work that does not check the token (training, say)
//! runs to its end first; a second interrupt while waiting raises at once
//! and leaves that work to finish on its own thread, holding only data it
//! owns, its result dropped.

use std::sync::mpsc;
use std::time::Duration;

use nglab_lm::Cancel;
use pyo3::prelude::*;

use crate::errors::to_py;

/// How often the waiting thread checks for signals.
const POLL: Duration = Duration::from_millis(20);

/// Runs `work` on a new thread while this one waits without the GIL,
/// checking for signals every 20 ms; `on_wait` runs with the GIL at each
/// check and once more when the work is done (to print progress, say).
/// `work` gets the token that is cancelled when the caller is interrupted.
/// Errors become Python exceptions.
pub fn run<T: Send + 'static>(
    py: Python<'_>,
    work: impl FnOnce(&Cancel) -> anyhow::Result<T> + Send + 'static,
    mut on_wait: impl FnMut(Python<'_>) -> PyResult<()>,
) -> PyResult<T> {
    let cancel = Cancel::new();
    let (tx, rx) = mpsc::sync_channel(1);
    let worker_cancel = cancel.clone();
    let handle = std::thread::Builder::new()
        .name("nglab".into())
        .spawn(move || {
            // The receiver may be gone (the caller was interrupted twice): nothing to do then.
            let _ = tx.send(work(&worker_cancel));
        })
        .map_err(|e| to_py(anyhow::Error::new(e).context("cannot start a thread")))?;
    let mut rx = rx;
    loop {
        let (received, back) = py.detach(move || (rx.recv_timeout(POLL), rx));
        rx = back;
        match received {
            Ok(result) => {
                // The thread has sent its result and is ending.
                let _ = handle.join();
                on_wait(py)?;
                return result.map_err(to_py);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Err(e) = py.check_signals().and_then(|()| on_wait(py)) {
                    cancel.cancel();
                    wait_for_stop(py, rx, handle);
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

/// Waits (without the GIL) for cancelled work to end, its result dropped;
/// gives up at a second signal (its exception is dropped: the first is raised).
fn wait_for_stop<T: Send>(py: Python<'_>, mut rx: mpsc::Receiver<T>, handle: std::thread::JoinHandle<()>) {
    loop {
        let (received, back) = py.detach(move || (rx.recv_timeout(POLL), rx));
        rx = back;
        match received {
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if py.check_signals().is_err() {
                    return;
                }
            }
            Ok(_) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                let _ = handle.join();
                return;
            }
        }
    }
}

/// [`run`] with nothing to do while waiting.
pub fn run_quiet<T: Send + 'static>(
    py: Python<'_>,
    work: impl FnOnce(&Cancel) -> anyhow::Result<T> + Send + 'static,
) -> PyResult<T> {
    run(py, work, |_| Ok(()))
}
