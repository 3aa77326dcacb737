//! Campaign rules: pure, deterministic, no I/O.
