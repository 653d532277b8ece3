//! Fleets of devices: simulate each, reduce the results in device order (DESIGN §1, §2).
//!
//! Devices are simulated in parallel (rayon) in fixed-size chunks; each chunk's results are
//! reduced strictly in device-index order, so every output byte is the same for any thread
//! count, and memory stays bounded by the chunk size plus the `detail_devices` kept for the
//! per-event CSVs.

mod aggregate;
pub mod catalog;
pub mod check;
mod device_keys;
mod histogram;
pub mod metrics;
pub mod stats;
pub mod sweep;

use std::ops::Range;

use rayon::prelude::*;

use crate::device;
use crate::model::fleet::FleetSpec;
use crate::model::policy::Policy;

pub use aggregate::Fleet;
pub use histogram::Histogram;

/// One `expect` rule of a scenario (checked by `bgsim check`).
#[derive(Clone, Debug, PartialEq)]
pub struct Expect {
    pub metric: String,
    pub rule: Rule,
}

#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Rule {
    Le(f64),
    Ge(f64),
    Eq(f64),
    Between(f64, f64),
}

/// Receives the detail devices' results in batches, each batch in device order and every device
/// once (see `RunOptions::detail_sink`). A batch is a wave's worth, so a sink may format its
/// devices in parallel (it runs inside the run's thread pool) before writing them in order.
pub type DetailSink<'a> = dyn Fn(&[(u64, device::DeviceResult)]) + Sync + 'a;

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
    /// Receives each detail device's result, in device order, as soon as its chunk is reduced;
    /// the fleet then keeps only the traced devices' results (memory stays flat).
    pub detail_sink: Option<&'a DetailSink<'a>>,
}

impl Default for RunOptions<'_> {
    fn default() -> Self {
        RunOptions {
            jobs: 0,
            detail_devices: 1000,
            trace_devices: 0,
            progress: None,
            detail_sink: None,
        }
    }
}

/// Most devices reduced together by one worker before the partial aggregates are merged.
const MAX_CHUNK: u64 = 1024;
/// Chunks in flight at once: bounds memory whatever the fleet size.
const WAVE: usize = 64;
/// Devices in flight at once while their full results are kept (detail and traced devices).
/// Small, so that a wave's rows are written while the next simulates and only two waves of full
/// results are ever held: bench-desktop (every device's rows kept) peaks at 69 MB (1.0 GB with
/// 2,048, 221 MB with 128, 120 MB with 64). Smaller waves are also faster there: less idle time
/// at the pipeline's ends and buffers that stay warm (medians of five alternating runs: 2.04 s
/// with 128, 1.97 s with 64, 1.93 s with 32).
const DETAIL_WAVE: u64 = 32;

/// Simulates every device of the fleet under its policy preset and reduces the results.
pub fn run(spec: &FleetSpec, opts: &RunOptions<'_>) -> Fleet {
    run_range(spec, opts, 0..spec.device_count())
}

/// Simulates the devices `range` (a shard) and reduces their results.
pub fn run_range(spec: &FleetSpec, opts: &RunOptions<'_>, range: Range<u64>) -> Fleet {
    let policy = spec.preset().build(spec.params());
    run_policy_range(spec, &*policy, opts, range)
}

/// Simulates every device of the fleet under `policy` instead of the fleet's preset (a policy
/// written outside this crate; `Policy` in `model::policy`). The fleet's parameters still drive
/// the device-level model (process, network, fetch, engagement).
pub fn run_policy(spec: &FleetSpec, policy: &dyn Policy, opts: &RunOptions<'_>) -> Fleet {
    run_policy_range(spec, policy, opts, 0..spec.device_count())
}

fn run_policy_range(
    spec: &FleetSpec,
    policy: &dyn Policy,
    opts: &RunOptions<'_>,
    range: Range<u64>,
) -> Fleet {
    let mut fleet = pool(opts.jobs).install(|| run_in_pool(spec, policy, opts, range));
    fleet.policy = policy.name().to_string();
    fleet
}

/// The worker pool for `jobs` threads (0 = one per core), built once per process and shared by
/// every run after it (a sweep is hundreds of runs).
fn pool(jobs: usize) -> std::sync::Arc<rayon::ThreadPool> {
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static POOLS: OnceLock<Mutex<BTreeMap<usize, Arc<rayon::ThreadPool>>>> = OnceLock::new();
    let mut pools = POOLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    pools
        .entry(jobs)
        .or_insert_with(|| {
            Arc::new(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(jobs)
                    .build()
                    .expect("thread pool"),
            )
        })
        .clone()
}

/// Each worker reduces a contiguous chunk of devices into a partial `Fleet`; partials are merged
/// in chunk order. Neither the chunk size nor the thread count can change a result: merging is
/// exact and order-preserving.
fn run_in_pool(
    spec: &FleetSpec,
    policy: &dyn Policy,
    opts: &RunOptions<'_>,
    range: Range<u64>,
) -> Fleet {
    let horizon = spec.horizon();
    let n = range.end - range.start;
    let threads = rayon::current_num_threads() as u64;
    let chunk = (n / (threads * 4)).clamp(1, MAX_CHUNK);
    let (detail, trace) = (opts.detail_devices, opts.trace_devices);
    let mut fleet = Fleet::new(spec, range.start, detail, trace);
    // Chunk ranges are made one wave at a time: memory never depends on the fleet's size.
    let mut next = range.start;
    let mut wave: Vec<Range<u64>> = Vec::with_capacity(WAVE);
    let keep = detail.max(trace);
    let progress = std::sync::Mutex::new(0u64);
    // Detail devices handed to the sink, written while the next wave simulates (the sink
    // formats in parallel, but writing is in order: overlapping it with simulation keeps both
    // threads busy). Traced devices also stay in `detail` for the trace.
    let mut pending: Vec<(u64, device::DeviceResult)> = Vec::new();
    while next < range.end {
        wave.clear();
        // Devices whose full results are kept (detail, trace) are reduced in small waves, so
        // at most about DETAIL_WAVE results are in memory before the sink (or the fleet) takes
        // them; the rest in large waves of light partial aggregates. A detail wave's chunks are
        // single devices: the wave ends when its last device does, and a thread that finishes
        // early (or the one that ran the sink) takes one device at a time instead of idling
        // behind a chunk of four (bench-desktop 2.35 → 2.27 s, medians of five alternating).
        let (size, chunks) = if next < keep {
            (1, DETAIL_WAVE as usize)
        } else {
            (chunk, WAVE)
        };
        while wave.len() < chunks && next < range.end {
            let end = next.saturating_add(size).min(range.end);
            wave.push(next..end);
            next = end;
        }
        let wave_start = wave.first().map_or(next, |r| r.start);
        let simulate = || -> Vec<Fleet> {
            wave.par_iter()
                .map(|r| {
                    let mut part = Fleet::new(spec, r.start, detail, trace);
                    for i in r.clone() {
                        let (device, local) = spec.device_at(i);
                        let result = device::simulate(
                            device,
                            policy,
                            spec.params(),
                            spec.seed(),
                            device::DeviceIndex {
                                fleet: i,
                                block: local,
                            },
                            horizon,
                            i < trace,
                        );
                        part.add(i, device, result);
                    }
                    report_progress(&progress, r.end - r.start, n, opts);
                    part
                })
                .collect()
        };
        let partials = match opts.detail_sink {
            Some(sink) if !pending.is_empty() => {
                let (partials, ()) = rayon::join(simulate, || sink(&pending));
                pending.clear();
                partials
            }
            _ => simulate(),
        };
        for part in partials {
            fleet.merge(part);
        }
        if opts.detail_sink.is_some() {
            // This wave's detail devices: moved out, or copied when the trace keeps them too.
            let from = fleet.detail.partition_point(|(i, _)| *i < trace);
            pending.extend(
                fleet.detail[..from]
                    .iter()
                    .filter(|(i, _)| *i < detail && *i >= wave_start)
                    .cloned(),
            );
            pending.extend(fleet.detail.drain(from..).filter(|(i, _)| *i < detail));
            fleet.detail_streamed = true;
        }
    }
    if let Some(sink) = opts.detail_sink
        && !pending.is_empty()
    {
        sink(&pending);
    }
    fleet
}

/// Devices finished so far, reported as each chunk ends (not each wave: a small fleet is one
/// wave). The lock keeps reports in increasing order whatever thread finishes first.
fn report_progress(done: &std::sync::Mutex<u64>, chunk: u64, total: u64, opts: &RunOptions<'_>) {
    if let Some(progress) = opts.progress {
        let mut done = done.lock().unwrap_or_else(|e| e.into_inner());
        *done += chunk;
        progress(*done, total);
    }
}
