//! End-to-end tests of the `nglab` binary live in `tests/`; this library is empty.
