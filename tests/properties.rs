//! Property tests over random small scenarios (bounded sizes so the suite stays fast): the
//! chromium, design-2019 and firefox (in-memory firing state) presets, on desktop and android,
//! with crashes (scheduled and during events) and slow durable writes, never violate a DESIGN §7
//! invariant; every run is deterministic; and the CSV rows respect SEMANTICS S1/S4/S11.

mod common;

use common::*;
use proptest::prelude::*;
use serde_json::{Value, json};

fn dur(ms: u64) -> String {
    format!("{ms}ms")
}

prop_compose! {
    fn scenario()(
        offline in proptest::collection::vec((0u64..2 * D, 1u64..3 * H), 0..6),
        crashes in proptest::collection::vec(0u64..2 * D, 0..4),
        restart in 0u64..20 * MIN,
        regs in proptest::collection::vec((0u64..2 * D, 0usize..3, any::<bool>()), 1..8),
        script in proptest::collection::vec(0usize..3, 0..5),
        duration_ms in 1u64..5 * MIN,
        needs_network in any::<bool>(),
        p in 0.0f64..1.0,
        notif in any::<bool>(),
        android in any::<bool>(),
        preset in 0usize..4,
        during in 0.0f64..0.3,
        latency in 0u64..2000,
        keep_awake in any::<bool>(),
        visits in proptest::collection::vec(0u64..2 * D, 0..4),
    ) -> Value {
        let outcomes: Vec<&str> = script.iter().map(|i| ["success", "fail", "hang"][*i]).collect();
        let registrations: Vec<Value> = regs.iter().map(|(at, tag, periodic)| {
            if *periodic {
                json!({ "kind": "periodic", "tag": format!("p{tag}"), "min_interval": "13h", "at": dur(*at) })
            } else {
                json!({ "kind": "one_shot", "tag": format!("t{tag}"), "at": dur(*at) })
            }
        }).collect();
        let windows: Vec<Value> = offline.iter().map(|(a, l)| json!([dur(*a), dur(a + l)])).collect();
        let crash_times: Vec<String> = crashes.iter().map(|t| dur(*t)).collect();
        let preset_name = ["chromium", "design-2019", "firefox", "workmanager"][preset];
        let visit_times: Vec<String> = visits.iter().map(|t| dur(*t)).collect();
        let (platform, sessions) = if android {
            ("android", json!({ "daily": [["08:00", "09:00"], ["18:00", "20:00"]] }))
        } else {
            ("desktop", json!("always"))
        };
        json!({
            "name": "prop",
            "duration": "2d",
            "seed": 9,
            "policy": {
                "preset": preset_name,
                "params": { "keep_browser_awake_till_events_complete": keep_awake }
            },
            "devices": [{
                "platform": platform,
                "browser": { "sessions": sessions },
                "network": { "model": "schedule", "offline": windows },
                "crashes": {
                    "at": crash_times,
                    "restart_delay": dur(restart),
                    "during_event_probability": during,
                    "storage_write_latency": dur(latency)
                },
                "origins": [{
                    "name": "https://p.example",
                    "installed": true,
                    "notification_permission": notif,
                    "engagement": { "initial_score": 20, "visits": { "at": visit_times } },
                    "handler": {
                        "duration": { "uniform": ["1ms", dur(duration_ms)] },
                        "outcomes": outcomes,
                        "success_probability": p,
                        "hang_probability": 0.05,
                        "needs_network": needs_network
                    },
                    "registrations": registrations
                }]
            }]
        })
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn presets_keep_every_invariant_and_are_deterministic(s in scenario()) {
        let a = run(&s);
        let b = run(&s);
        prop_assert_eq!(&a.attempts, &b.attempts);
        prop_assert_eq!(&a.regs, &b.regs);
        prop_assert_eq!(&a.summary, &b.summary);
        prop_assert_eq!(a.summary["invariants"]["violations"].as_u64(), Some(0));
        // WorkManager is the native yardstick: 10-min jobs and no attempt cap by default.
        let work = s["policy"]["preset"] == "workmanager";
        let max_event = if work { 10 * MIN } else { 3 * MIN };
        for row in &a.attempts {
            prop_assert!(row.start < 2 * D);
            if let Some(end) = row.end {
                // S4: no event outlives the maximum event duration.
                prop_assert!(end >= row.start && end - row.start <= max_event);
            }
            prop_assert!(row.attempt >= 1 && (work || row.attempt <= 3));
            prop_assert_eq!(row.last_chance, !work && row.kind == "one_shot" && row.attempt == 3);
        }
        for reg in &a.regs {
            if reg.final_state == "succeeded" {
                prop_assert_eq!(reg.latency, Some(reg.completed.unwrap() - reg.registered));
            }
            if reg.final_state == "gave_up" && s["policy"]["preset"] != "firefox" && !work {
                // At least max_attempts counted dispatches (a re-register while firing resets
                // num_attempts but the row keeps counting).
                prop_assert!(reg.attempts >= 3);
            }
        }
    }
}
