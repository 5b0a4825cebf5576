//! Errors as Python exceptions, carrying the command line's one-line message.
//!
//! The classes live in `nglab/_errors.py` (they inherit from two bases):
//! `InvalidInput` (a `ValueError`) for bad input or settings, `FileError` (an
//! `OSError`, with `errno` set) when a file cannot be opened, read or written;
//! both are `NglabError`s. The message is what `nglab` prints after `nglab: `.

use pyo3::prelude::*;

/// Turns an error of the libraries into a Python exception. An error that
/// started as a Python exception (a progress callback's) is raised as it was.
pub fn to_py(err: anyhow::Error) -> PyErr {
    let err = match err.downcast::<PyErr>() {
        Ok(py_err) => return py_err,
        Err(err) => err,
    };
    let message = format!("{err:#}");
    let errno = err.chain().find_map(io_error).map(|e| e.raw_os_error());
    Python::attach(|py| {
        let raise = || -> PyResult<PyErr> {
            let module = py.import("nglab._errors")?;
            let class = module.getattr(if errno.is_some() { "FileError" } else { "InvalidInput" })?;
            let exc = class.call1((message.as_str(),))?;
            if let Some(Some(errno)) = errno {
                exc.setattr("errno", errno)?;
            }
            Ok(PyErr::from_value(exc))
        };
        raise().unwrap_or_else(|e| e)
    })
}

/// The I/O error one link of an error chain stands for: an `io::Error`
/// itself, or one that the libraries' errors show in their message instead
/// of as a `source()` (so that the chain says the reason once).
fn io_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a std::io::Error> {
    e.downcast_ref::<std::io::Error>()
        .or_else(|| e.downcast_ref::<nglab_tokenizer::Error>().and_then(nglab_tokenizer::Error::io_error))
        .or_else(|| e.downcast_ref::<nglab_lm::Error>().and_then(nglab_lm::Error::io_error))
        .or_else(|| e.downcast_ref::<nglab_metrics::Error>().and_then(nglab_metrics::Error::io_error))
}

/// `Result` with errors turned into Python exceptions.
pub trait IntoPy<T> {
    /// The value, or the error as a Python exception.
    fn py_err(self) -> PyResult<T>;
}

impl<T, E: Into<anyhow::Error>> IntoPy<T> for Result<T, E> {
    fn py_err(self) -> PyResult<T> {
        self.map_err(|e| to_py(e.into()))
    }
}
