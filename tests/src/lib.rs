//! Cross-crate integration tests live beside this crate's manifest
//! (`tests/*.rs`); fixtures under `tests/fixtures/`.
