//! Metrics of text and models for nglab.
