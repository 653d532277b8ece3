//! DESIGN §9 "no panic reaches the user": random multi-device fleets (every network model,
//! crashes, sessions, engagement, arrivals, fetches, every preset) with in-range *and*
//! out-of-range values for every parameter and many scenario fields either run or give a clean
//! input error — never a panic — and under `chromium` keep every DESIGN §7 invariant. Time always
//! advances: no device processes more than a bounded number of events at one instant.
//!
//! 512 cases in the default run; `cargo test --test robustness -- --ignored` runs 5,000, and 16
//! devices crowded with registrations through the pending index (checked against a scan).

use bgsim::experiment::{self, RunOptions};
use bgsim::model::params::{PARAMS, Unit};
use bgsim::scenario::Scenario;
use proptest::prelude::*;
use serde_json::{Value, json};

/// Durations that probe the edges: zero, tiny, ordinary, the 10-year maximum, one ms past it.
const DURATIONS: [&str; 7] = ["0s", "1ms", "1s", "5m", "12h", "3650d", "3650d1ms"];
const COUNTS: [u64; 7] = [0, 1, 2, 3, 1000, 1001, 4_294_967_296];
const REALS: [&str; 6] = ["0", "0.5", "1", "1.5", "100", "-1"];
const EDGE_MEANS: [&str; 3] = ["0s", "3650d1ms", "2h"];
const DURING: [f64; 4] = [0.0, 0.2, 1.5, -0.1];
const RATES: [f64; 4] = [0.0, 2.0, 50.0, -1.0];
const ARRIVALS: [&str; 7] = ["0s", "1h", "2h", "6h", "1d", "1ms", "3h"];
const BYTES: [u64; 7] = [1, 1000, 5_000_000, 7, 10, 0, 1 << 41];

fn param_value(index: usize, pick: usize) -> (String, Value) {
    let def = &PARAMS[index % PARAMS.len()];
    let v = match def.unit {
        Unit::Duration => json!(DURATIONS[pick % DURATIONS.len()]),
        Unit::Count => json!(COUNTS[pick % COUNTS.len()]),
        Unit::Bool => json!(pick.is_multiple_of(2)),
        Unit::Real => serde_json::from_str(REALS[pick % REALS.len()]).unwrap(),
        Unit::Choice => json!(
            def.choices
                .get(pick % (def.choices.len() + 1))
                .copied()
                .unwrap_or("bogus")
        ),
        other => panic!("a unit this test does not know yet: {other:?}"),
    };
    (def.name.to_string(), v)
}

fn network(kind: usize, a: usize, b: usize) -> Value {
    // Means from 1 s (86,400 flips a day) to the 10-year maximum; 0 s (invalid) through `kind` 4.
    let d = |i: usize| ["1s", "5m", "1h", "12h", "3650d"][i % 5];
    match kind % 5 {
        0 => json!({ "model": "always_online" }),
        1 => json!({ "model": "schedule", "offline": [["1h", "3h"], ["2h", "5h"]] }),
        2 => json!({ "model": "markov", "mean_online": d(a + 2), "mean_offline": d(b) }),
        3 => json!({ "model": "diurnal", "offline_daily": [["01:00", "06:00"]],
                     "flaky": { "mean_online": d(a + 3), "mean_offline": d(b + 1) } }),
        _ => {
            json!({ "model": "markov", "mean_online": EDGE_MEANS[a % 3], "mean_offline": "10m" })
        }
    }
}

prop_compose! {
    fn fleet()(
        preset in 0usize..5,
        android in proptest::collection::vec(any::<bool>(), 1..3),
        count in 1u64..3,
        net in (prop_oneof![30 => 0usize..4, 1 => Just(4usize)], 0usize..7, 0usize..7),
        sessions in 0usize..4,
        crash in (
            prop_oneof![30 => 0usize..3, 1 => Just(3usize)],
            prop_oneof![30 => 0usize..6, 1 => Just(6usize)],
            prop_oneof![30 => 0usize..2, 1 => 2usize..4],
        ),
        origins in 1u64..4,
        engagement in 0usize..4,
        handler in (0usize..5, prop_oneof![30 => 0usize..3, 1 => Just(3usize)], any::<bool>()),
        regs in proptest::collection::vec(
            (0usize..4, prop_oneof![30 => 1usize..5, 2 => Just(0usize), 1 => 5usize..7]),
            1..4,
        ),
        params in proptest::collection::vec((0usize..64, 0usize..8), 0..3),
        days in 1u64..2,
        set in proptest::option::of((0usize..64, 0usize..8)),
    ) -> (Value, Option<String>) {
        let presets = ["chromium", "design-2019", "firefox", "workmanager", "chromium"];
        let sessions_v = [json!("always"), json!("never"),
            json!({ "daily": [["08:00", "12:00"], ["18:00", "22:00"]] }),
            json!({ "at": [["1h", "2h"], ["90m", "5h"]] })][sessions].clone();
        let probs = [0.0, 0.3, 1.0, 1.5];
        let crashes = json!({
            "rate_per_day": RATES[crash.0],
            "restart_delay": DURATIONS[crash.1],
            "during_event_probability": DURING[crash.2],
            "storage_write_latency": DURATIONS[crash.1 % 5],
        });
        let engagement_v = [json!({ "level": "HIGH" }), json!({ "level": "NONE" }),
            json!({ "initial_score": 20, "visits": { "mean_interval": "6h" } }),
            json!({ "initial_score": 3, "visits": { "at": ["2h", "20h"] } })][engagement].clone();
        let durations = [json!({ "fixed": "0s" }), json!({ "fixed": "2s" }),
            json!({ "uniform": ["1s", "4m"] }), json!({ "exponential": "30s" }),
            json!({ "lognormal": { "median": "2s", "p95": "1h" } })];
        let registrations: Vec<Value> = regs.iter().enumerate().map(|(i, (kind, d))| match kind {
            0 => json!({ "kind": "one_shot", "tag": format!("t{i}"), "at": DURATIONS[d % 5] }),
            1 => json!({ "kind": "periodic", "tag": format!("p{i}"), "min_interval": DURATIONS[*d], "at": "0s" }),
            2 => json!({ "kind": "one_shot", "arrivals": { "mean_interval": ARRIVALS[*d], "tag": format!("a{i}-{{n}}") } }),
            _ => json!({ "kind": "fetch", "id": format!("f{i}"), "at": DURATIONS[d % 5],
                          "requests": [{ "bytes": BYTES[*d] }, { "bytes": 2000 }] }),
        }).collect();
        let params_map: serde_json::Map<String, Value> = params.iter().map(|(i, p)| param_value(*i, *p)).collect();
        let devices: Vec<Value> = android.iter().map(|&a| {
            let mut browser = json!({ "sessions": sessions_v.clone() });
            if a {
                browser["idle_kill_after"] = json!(DURATIONS[net.1 % 6]);
            }
            json!({
                "count": count,
                "platform": if a { "android" } else { "desktop" },
                "browser": browser,
                "network": network(net.0, net.1, net.2),
                "crashes": crashes.clone(),
                "origins": [{
                    "name": "https://o{i}.example",
                    "count": origins,
                    "installed": true,
                    "engagement": engagement_v.clone(),
                    "handler": {
                        "duration": durations[handler.0].clone(),
                        "success_probability": probs[handler.1],
                        "hang_probability": 0.05,
                        "needs_network": handler.2
                    },
                    "registrations": registrations.clone()
                }]
            })
        }).collect();
        let scenario = json!({
            "name": "robust",
            "duration": format!("{days}d"),
            "seed": 5,
            "policy": { "preset": presets[preset], "params": params_map },
            "devices": devices
        });
        let set = set.map(|(i, p)| {
            let (name, v) = param_value(i, p);
            let text = match v { Value::String(s) => s, other => other.to_string() };
            format!("{name}={text}")
        });
        (scenario, set)
    }
}

/// Loads, applies `--set`, and runs; an input error is an acceptable answer, a panic is not.
fn check((scenario, set): (Value, Option<String>)) -> Result<(), TestCaseError> {
    let text = scenario.to_string();
    // ROBUST_DEBUG=1 prints every case (to find a slow one).
    if std::env::var_os("ROBUST_DEBUG").is_some() {
        eprintln!("case {text} {set:?}");
    }
    let parsed = Scenario::parse(&text, "robust.json").and_then(|mut s| {
        if let Some(a) = &set {
            s.override_params(std::slice::from_ref(a))?;
        }
        Ok(s)
    });
    let s = match parsed {
        Ok(s) => s,
        Err(e) => {
            prop_assert!(!e.message.is_empty());
            return Ok(());
        }
    };
    let started = std::time::Instant::now();
    let fleet = experiment::run(
        s.fleet(),
        &RunOptions {
            jobs: 1,
            ..RunOptions::default()
        },
    );
    if std::env::var_os("ROBUST_DEBUG").is_some() {
        eprintln!("ran in {:.3}s", started.elapsed().as_secs_f64());
    }
    // A day of one device never needs many events at one instant: a bounded burst (every
    // registration firing at once, each with its end and crash), never a loop.
    prop_assert!(
        fleet.totals.max_events_at_one_instant.0 < 5_000,
        "{} events at one instant",
        fleet.totals.max_events_at_one_instant.0
    );
    if s.preset().name() == "chromium" {
        prop_assert_eq!(fleet.invariant_total(), 0);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20261126),
        ..ProptestConfig::default()
    })]
    #[test]
    fn any_input_runs_or_is_a_clean_error(case in fleet()) {
        check(case)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 5000, ..ProptestConfig::default() })]
    #[test]
    #[ignore = "long: 5,000 cases"]
    fn any_input_runs_or_is_a_clean_error_long(case in fleet()) {
        check(case)?;
    }
}

prop_compose! {
    /// One device whose 65–79 origins each hold a periodic sync, a one-shot and one-shot
    /// arrivals: both kinds keep more than 64 registrations, so the wake-up windows come from the
    /// device's pending index (`device/pending.rs`), which debug builds — the test suite —
    /// check against a scan of every registration at each answer. One more origin holds as
    /// many periodic tags, half of them replaced at 6 h with a longer interval: its
    /// ApplyMinGapForOrigin delays come from `device/origin_delays.rs`, checked the same way.
    fn crowded()(
        preset in 0usize..5,
        android in any::<bool>(),
        origins in 65u64..80,
        net in 0usize..4,
        crash in (0usize..3, 2usize..5, 0usize..2),
        engagement in 0usize..4,
        success in 0usize..3,
        at in 0usize..5,
    ) -> (Value, Option<String>) {
        let presets = ["chromium", "design-2019", "firefox", "workmanager", "chromium"];
        let engagement_v = [json!({ "level": "HIGH" }), json!({ "level": "NONE" }),
            json!({ "initial_score": 20, "visits": { "mean_interval": "6h" } }),
            json!({ "initial_score": 3, "visits": { "at": ["2h", "20h"] } })][engagement].clone();
        let probability = [0.0, 0.3, 1.0][success];
        let network_v = [
            json!({ "model": "always_online" }),
            json!({ "model": "schedule", "offline": [["1h", "3h"], ["2h", "5h"]] }),
            json!({ "model": "markov", "mean_online": "1h", "mean_offline": "10m" }),
            json!({ "model": "diurnal", "offline_daily": [["01:00", "06:00"]],
                "flaky": { "mean_online": "2h", "mean_offline": "15m" } }),
        ][net].clone();
        let tags = (0..origins).flat_map(|i| {
            let first = json!({ "kind": "periodic", "tag": format!("t{i}"), "min_interval": "12h",
                "at": DURATIONS[(at + i as usize) % 5] });
            let again = json!({ "kind": "periodic", "tag": format!("t{i}"), "min_interval": "24h",
                "at": "6h" });
            if i % 2 == 0 { vec![first, again] } else { vec![first] }
        });
        let scenario = json!({
            "name": "crowded", "duration": "1d", "seed": 9,
            "policy": { "preset": presets[preset] },
            "devices": [{
                "platform": if android { "android" } else { "desktop" },
                "browser": { "sessions": "always" },
                "network": network_v,
                "crashes": {
                    "rate_per_day": RATES[crash.0],
                    "restart_delay": DURATIONS[crash.1],
                    "during_event_probability": DURING[crash.2],
                    "storage_write_latency": DURATIONS[crash.1 - 1],
                },
                "origins": [{
                    "name": "https://o{i}.example", "count": origins, "installed": true,
                    "engagement": engagement_v,
                    "handler": { "duration": { "fixed": "2s" }, "success_probability": probability,
                        "hang_probability": 0.05, "needs_network": true },
                    "registrations": [
                        { "kind": "periodic", "tag": "p", "min_interval": "12h", "at": "0s" },
                        { "kind": "one_shot", "tag": "t", "at": DURATIONS[at] },
                        { "kind": "one_shot", "arrivals": { "mean_interval": "3h", "tag": "a-{n}" } }
                    ]
                }, {
                    "name": "https://tags.example", "installed": true,
                    "engagement": engagement_v,
                    "handler": { "duration": { "fixed": "2s" }, "success_probability": probability,
                        "needs_network": true },
                    "registrations": tags.collect::<Vec<_>>()
                }]
            }]
        });
        (scenario, None)
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 16,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20261127),
        ..ProptestConfig::default()
    })]
    #[test]
    #[ignore = "long: 16 crowded devices, ~5 min in a debug build"]
    fn crowded_devices_run_their_pending_index(case in crowded()) {
        check(case)?;
    }
}
