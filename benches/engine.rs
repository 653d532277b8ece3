//! Benchmarks (divan): the event queue in a hold model beside a bare `BinaryHeap` of
//! `(time, seq)`, and the full model's throughput on a device-heavy scenario.
//!
//! Run with `cargo bench`. They measure; they assert nothing.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use bgsim::engine::time::SimDuration;
use bgsim::engine::{EventQueue, SimTime};
use divan::Bencher;
use divan::counter::ItemsCount;

fn main() {
    divan::main();
}

/// A cheap deterministic increment generator (xorshift), so the benchmark measures the queue.
struct Incr(u64);

impl Incr {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        1 + self.0 % 1_000_000
    }
}

const HOLD_OPS: u64 = 100_000;

/// Hold model: the queue holds `n` events; each operation pops the earliest and schedules a new
/// one a random increment later.
#[divan::bench(args = [100, 1_000, 100_000])]
fn hold_event_queue(bencher: Bencher, n: u64) {
    bencher
        .counter(ItemsCount::new(HOLD_OPS))
        .with_inputs(|| {
            let mut q = EventQueue::new();
            let mut r = Incr(0x9E37_79B9_7F4A_7C15);
            for i in 0..n {
                q.schedule(SimTime::from_ms(r.next()), i as u32);
            }
            (q, r)
        })
        .bench_local_values(|(mut q, mut r)| {
            for _ in 0..HOLD_OPS {
                let (t, e) = q.pop().expect("non-empty");
                q.schedule(t.after(SimDuration::from_ms(r.next())), e);
            }
            q
        });
}

/// The same hold model on a bare `BinaryHeap<Reverse<(time, seq)>>`: the floor to compare with.
#[divan::bench(args = [100, 1_000, 100_000])]
fn hold_bare_binary_heap(bencher: Bencher, n: u64) {
    bencher
        .counter(ItemsCount::new(HOLD_OPS))
        .with_inputs(|| {
            let mut h = BinaryHeap::new();
            let mut r = Incr(0x9E37_79B9_7F4A_7C15);
            for seq in 0..n {
                h.push(Reverse((r.next(), seq)));
            }
            (h, r, n)
        })
        .bench_local_values(|(mut h, mut r, mut seq)| {
            for _ in 0..HOLD_OPS {
                let Reverse((t, _)) = h.pop().expect("non-empty");
                h.push(Reverse((t + r.next(), seq)));
                seq += 1;
            }
            h
        });
}

/// The bare hold model with the draw the model itself makes: an exponential gap from a ChaCha8
/// stream (`Stream::exp_gap`, libm's `log`). Issue #17 states its floor as "a bare `BinaryHeap`
/// hold loop with one random draw per event"; this is that loop with bgsim's own draw, beside
/// the xorshift one above, which measures the heap alone.
#[divan::bench(args = [100, 1_000])]
fn hold_bare_binary_heap_exp_draw(bencher: Bencher, n: u64) {
    use bgsim::engine::{StreamId, StreamKey};
    bencher
        .counter(ItemsCount::new(HOLD_OPS))
        .with_inputs(|| {
            let mut h = BinaryHeap::new();
            let mut r = StreamKey::new(2026, 0, StreamId::Network).stream();
            for seq in 0..n {
                h.push(Reverse((r.exp_gap(60_000).ms(), seq)));
            }
            (h, r, n)
        })
        .bench_local_values(|(mut h, mut r, mut seq)| {
            for _ in 0..HOLD_OPS {
                let Reverse((t, _)) = h.pop().expect("non-empty");
                h.push(Reverse((t + r.exp_gap(60_000).ms(), seq)));
                seq += 1;
            }
            h
        });
}

/// Runs a whole scenario on one thread with no per-event rows, counting events.
fn bench_full_model(bencher: Bencher, scenario: &bgsim::scenario::Scenario) {
    let opts = bgsim::experiment::RunOptions {
        jobs: 1,
        detail_devices: 0,
        ..Default::default()
    };
    let events = bgsim::experiment::run(scenario.fleet(), &opts)
        .totals
        .events;
    bencher.counter(ItemsCount::new(events)).bench_local(|| {
        bgsim::experiment::run(scenario.fleet(), &opts)
            .totals
            .events
    });
}

/// The full model, one thread: `bench-fleet` scaled to 200 devices × 30 days.
#[divan::bench(sample_count = 10)]
fn full_model_bench_fleet(bencher: Bencher) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/bench-fleet.json");
    let mut scenario = bgsim::scenario::Scenario::load(path).expect("bench-fleet.json");
    scenario.override_devices(200).expect("devices");
    bench_full_model(bencher, &scenario);
}

/// One device with many origins, each a one-shot at 1 min on a flaky network: FireReadyEvents,
/// the active set and the running dispatches must cost O(log n) per event, not O(n) (issue:
/// 100,000 origins took 20 s).
#[divan::bench(args = [1_000, 16_000, 100_000], sample_count = 3)]
fn one_device_many_origins(bencher: Bencher, origins: u64) {
    let text = serde_json::json!({
        "name": "many-origins", "duration": "1d",
        "devices": [{ "platform": "desktop", "browser": { "sessions": "always" },
            "network": { "model": "markov", "mean_online": "1h", "mean_offline": "10m" },
            "origins": [{ "name": "https://o{i}.example", "count": origins,
                "engagement": { "level": "HIGH" },
                "handler": { "duration": { "fixed": "1s" }, "needs_network": true },
                "registrations": [{ "kind": "one_shot", "tag": "t", "at": "1m" }] }] }]
    })
    .to_string();
    let scenario = bgsim::scenario::Scenario::parse(&text, "many.json").expect("valid");
    bench_full_model(bencher, &scenario);
}

/// One android origin registering a 12 h periodic sync under a new tag every 20 s: each
/// periodic decision reads the soonest delay of the origin's other tags (ApplyMinGapForOrigin),
/// which must not walk them all (1 day ≈ 4,300 tags, 3 days ≈ 13,000).
#[divan::bench(args = [1, 3], sample_count = 3)]
fn one_origin_many_periodic_tags(bencher: Bencher, days: u64) {
    let text = serde_json::json!({
        "name": "one-origin-periodic", "duration": format!("{days}d"),
        "devices": [{ "platform": "android", "browser": { "sessions": "always" },
            "network": { "model": "markov", "mean_online": "1h", "mean_offline": "10m" },
            "origins": [{ "name": "https://o.example", "installed": true,
                "engagement": { "level": "HIGH" },
                "handler": { "duration": { "fixed": "1s" }, "needs_network": true },
                "registrations": [{ "kind": "periodic", "min_interval": "12h",
                    "arrivals": { "mean_interval": "20s", "tag": "p-{n}" } }] }] }]
    })
    .to_string();
    let scenario = bgsim::scenario::Scenario::parse(&text, "one-origin.json").expect("valid");
    bench_full_model(bencher, &scenario);
}
