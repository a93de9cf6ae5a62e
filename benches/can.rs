//! CAN benchmarks (filled in below).
fn main() {}
