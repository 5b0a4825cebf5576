//! Reports (serde types of the libraries) as Python objects, through JSON:
//! the values the command line prints with `--json`, as dicts and lists.

use pyo3::prelude::*;
use serde::Serialize;

use crate::errors::IntoPy;

/// `value` as Python's `json.loads` reads its JSON.
pub fn to_python<T: Serialize>(py: Python<'_>, value: &T) -> PyResult<Py<PyAny>> {
    let text = serde_json::to_string(value).py_err()?;
    Ok(py.import("json")?.call_method1("loads", (text,))?.unbind())
}
