//! Typed contracts: records, API requests and responses, step inputs and outputs.
