//! DESIGN §3.3: the `firefox` preset — online and doomed attempts, and the persisted firing
//! state bug next to its in-memory fix, in the same world.

mod common;

use common::*;
use serde_json::{Value, json};

fn firefox(firing_state: &str, handler: Value) -> Value {
    let mut s = desktop(json!([origin(
        handler,
        json!([
            { "kind": "one_shot", "tag": "outbox", "at": "0s" },
            { "kind": "one_shot", "tag": "outbox", "at": "1h" }
        ])
    )]));
    s["policy"] = json!({ "preset": "firefox", "params": { "firing_state": firing_state } });
    s["devices"][0]["crashes"] = json!({ "at": ["5s"], "restart_delay": "10s" });
    s
}

#[test]
fn persisted_firing_state_leaves_a_crashed_registration_stuck() {
    let r = run(&firefox(
        "persisted",
        json!({ "duration": { "fixed": "10s" } }),
    ));
    // Dispatched at 0 with "firing" written to disk first; the crash at 5 s interrupts it and
    // the restart (15 s) reads it back firing: nothing will ever fire it again. Re-registering
    // the tag at 1 h collides with the stuck row's key.
    assert_eq!(timeline(&r), vec![(0, Some(5 * S), "interrupted")]);
    assert_eq!(r.regs.len(), 1);
    assert_eq!(r.regs[0].final_state, "stuck");
    assert_eq!(r.summary["one_shot"]["register_errors"], 1);
    assert_eq!(r.summary["invariants"]["stuck_after_restart"], 1);
    assert!(r.summary["invariants"]["violations"].as_u64().unwrap() >= 1);
}

#[test]
fn in_memory_firing_state_fires_again_after_the_crash() {
    let r = run(&firefox(
        "in_memory",
        json!({ "duration": { "fixed": "10s" } }),
    ));
    // Same world: the restart at 15 s finds it pending and fires it. Firefox persisted the
    // online attempt at dispatch, so the redo is online attempt 2. It succeeds at 25 s; the 1 h
    // register then creates a new registration, which fires at once.
    assert_eq!(
        timeline(&r),
        vec![
            (0, Some(5 * S), "interrupted"),
            (15 * S, Some(25 * S), "success"),
            (H, Some(H + 10 * S), "success")
        ]
    );
    assert_eq!(r.attempts[1].attempt, 2);
    assert_eq!(r.regs[0].final_state, "succeeded");
    assert_eq!(r.summary["one_shot"]["register_errors"], 0);
    assert_eq!(r.summary["invariants"]["violations"], 0);
}

#[test]
fn network_drop_mid_event_is_a_doomed_attempt_not_an_online_one() {
    let mut s = desktop(json!([origin(
        json!({ "duration": { "fixed": "10s" }, "needs_network": true }),
        json!([{ "kind": "one_shot", "tag": "outbox", "at": "0s" }])
    )]));
    s["policy"] = json!({ "preset": "firefox" });
    s["devices"][0]["network"] = json!({ "model": "schedule", "offline": [["4s", "1m"]] });
    let r = run(&s);
    // The drop at 4 s dooms the attempt: online 1 → 0, doomed 1. With no online attempt left
    // there is no backoff: it fires again when the network returns at 1 min, again as attempt 1.
    let rows: Vec<(u64, u32, &str)> = r
        .attempts
        .iter()
        .map(|a| (a.start, a.attempt, a.outcome.as_str()))
        .collect();
    assert_eq!(rows, vec![(0, 1, "network_lost"), (MIN, 1, "success")]);
    assert_eq!(r.summary["attempts"]["doomed"], 1);
}

#[test]
fn chromium_counts_the_same_drop_as_a_failed_attempt() {
    let mut s = desktop(json!([origin(
        json!({ "duration": { "fixed": "10s" }, "needs_network": true }),
        json!([{ "kind": "one_shot", "tag": "outbox", "at": "0s" }])
    )]));
    s["devices"][0]["network"] = json!({ "model": "schedule", "offline": [["4s", "1m"]] });
    let r = run(&s);
    // Same world under chromium: a counted failure, retried 5 min after the drop as attempt 2.
    let rows: Vec<(u64, u32)> = r.attempts.iter().map(|a| (a.start, a.attempt)).collect();
    assert_eq!(rows, vec![(0, 1), (4 * S + 5 * MIN, 2)]);
}

#[test]
fn firefox_gives_up_after_max_online_attempts() {
    let mut s = desktop(json!([origin(
        json!({ "duration": { "fixed": "2s" }, "outcomes": ["fail", "fail", "fail"] }),
        json!([{ "kind": "one_shot", "tag": "outbox", "at": "0s" }])
    )]));
    s["policy"] = json!({ "preset": "firefox" });
    let r = run(&s);
    // Online attempts 1, 2, 3 with Chromium's delays (5 min, 15 min), then gave up.
    let starts: Vec<u64> = r.attempts.iter().map(|a| a.start).collect();
    assert_eq!(starts, vec![0, 302 * S, 1204 * S]);
    assert!(r.attempts[2].last_chance);
    assert_eq!(r.regs[0].final_state, "gave_up");
}

#[test]
fn firefox_rejects_periodic_registrations() {
    let mut s = desktop(json!([origin(
        json!({ "duration": { "fixed": "2s" } }),
        json!([{ "kind": "periodic", "tag": "news", "min_interval": "12h", "at": "0s" }])
    )]));
    s["policy"] = json!({ "preset": "firefox" });
    let r = run(&s);
    assert_eq!(r.regs[0].final_state, "rejected");
    assert_eq!(r.summary["periodic"]["rejected"], 1);
    assert!(r.attempts.is_empty());
}
