//! `campaigns`: the product's command-line entry point.
fn main() {}
