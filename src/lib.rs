//! bgsim: a deterministic discrete-event simulator of how browsers schedule background work.
//!
//! Layers (DESIGN §10), each depending only on those above it in this list:
//! `engine` (time, queue, random streams) → `model` (environment + policies) → `device` (one
//! device's loop) → `experiment` (fleets) → `scenario` / `output` (files at the edges).
//!
//! The command line (`src/cli/`) belongs to the binary, not the library: a program that runs
//! scenarios through this API (see `examples/run_scenario.rs`) needs none of clap, indicatif
//! or signal handling, and builds without them (`default-features = false`).

pub mod device;
pub mod engine;
pub mod experiment;
pub mod model;
pub mod output;
pub mod scenario;

/// The bgsim version recorded in every `summary.json`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
