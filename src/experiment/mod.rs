//! Fleets of devices: simulate each, reduce the results in device order (DESIGN §1, §2).
//!
//! Devices are simulated in parallel (rayon) in fixed-size chunks; each chunk's results are
//! reduced strictly in device-index order, so every output byte is the same for any thread
//! count, and memory stays bounded by the chunk size plus the `detail_devices` kept for the
//! per-event CSVs.

mod aggregate;
pub mod check;
mod histogram;

use rayon::prelude::*;

use crate::device::{self, DeviceResult};
use crate::engine::time::SimTime;
use crate::model::policy::Policy;
use crate::scenario::Scenario;

pub use aggregate::Fleet;
pub use histogram::Histogram;

/// One `expect` rule of a scenario (checked by `bgsim check`).
#[derive(Clone, Debug, PartialEq)]
pub struct Expect {
    pub metric: String,
    pub rule: Rule,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    Le(f64),
    Ge(f64),
    Eq(f64),
    Between(f64, f64),
}

/// How to run a fleet.
#[derive(Clone)]
pub struct RunOptions<'a> {
    /// Worker threads (0 = one per core). Never changes the results.
    pub jobs: usize,
    /// Devices whose per-event rows are kept for `attempts.csv` / `registrations.csv`.
    pub detail_devices: u64,
    /// Devices traced for `trace.json` (0 = no trace).
    pub trace_devices: u64,
    /// Called with (devices finished, devices in all) after each chunk (progress reporting).
    pub progress: Option<&'a (dyn Fn(u64, u64) + Sync)>,
}

impl Default for RunOptions<'_> {
    fn default() -> Self {
        RunOptions {
            jobs: 0,
            detail_devices: 1000,
            trace_devices: 0,
            progress: None,
        }
    }
}

/// Devices simulated per parallel chunk: large enough to keep both cores busy, small enough
/// that memory does not grow with the fleet.
const CHUNK: u64 = 1024;

/// Simulates every device of the scenario and reduces the results.
pub fn run(scenario: &Scenario, opts: &RunOptions<'_>) -> Fleet {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .build()
        .expect("thread pool");
    pool.install(|| run_in_pool(scenario, opts))
}

fn run_in_pool(scenario: &Scenario, opts: &RunOptions<'_>) -> Fleet {
    let policy = Policy::new(scenario.preset, scenario.params.clone());
    let horizon = SimTime(scenario.duration);
    let n = scenario.device_count();
    let mut fleet = Fleet::new(scenario, opts.detail_devices, opts.trace_devices);
    let mut start = 0;
    while start < n {
        let end = (start + CHUNK).min(n);
        let results: Vec<DeviceResult> = (start..end)
            .into_par_iter()
            .map(|i| {
                let trace = i < opts.trace_devices;
                device::simulate(
                    scenario.device(i),
                    &policy,
                    scenario.seed,
                    i,
                    horizon,
                    trace,
                )
            })
            .collect();
        for (offset, result) in results.into_iter().enumerate() {
            let index = start + offset as u64;
            let origins = scenario.device(index).origins.len();
            fleet.add(index, origins, result);
        }
        if let Some(progress) = opts.progress {
            progress(end, n);
        }
        start = end;
    }
    fleet
}
