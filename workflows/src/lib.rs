//! Embedded Amazon States Language engine.
