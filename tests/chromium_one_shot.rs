//! DESIGN §3.1 (one-shot part) and SEMANTICS S3–S5, S8: the `chromium` preset, through scenario
//! files. Every expected number is derived by hand in the comment above its assertion.

mod common;

use common::*;
use serde_json::json;

fn fixed(ms: &str, outcomes: serde_json::Value) -> serde_json::Value {
    json!({ "duration": { "fixed": ms }, "outcomes": outcomes, "needs_network": true })
}

#[test]
fn fires_on_registration_when_online() {
    let s = desktop(json!([origin(
        fixed("2s", json!([])),
        json!([
            { "kind": "one_shot", "tag": "outbox", "at": "10m" }
        ])
    )]));
    let r = run(&s);
    // Registered at 10 min while online: dispatched at once, succeeds 2 s later.
    assert_eq!(
        timeline(&r),
        vec![(10 * MIN, Some(10 * MIN + 2 * S), "success")]
    );
    assert_eq!(r.regs[0].final_state, "succeeded");
    assert_eq!(r.regs[0].latency, Some(2 * S));
}

#[test]
fn nothing_fires_offline_then_fires_when_network_returns() {
    let mut s = desktop(json!([origin(
        fixed("2s", json!([])),
        json!([
            { "kind": "one_shot", "tag": "outbox", "at": "10m" }
        ])
    )]));
    s["devices"][0]["network"] = json!({ "model": "schedule", "offline": [["0s", "1h"]] });
    let r = run(&s);
    // Offline from 0 to 1 h: the 10-min registration waits for the online transition at 1 h.
    assert_eq!(timeline(&r), vec![(H, Some(H + 2 * S), "success")]);
    assert_eq!(r.regs[0].first_fire, Some(H));
    // Latency = completion − registration = (1 h + 2 s) − 10 min.
    assert_eq!(r.regs[0].latency, Some(H + 2 * S - 10 * MIN));
}

#[test]
fn failures_retry_after_5_then_15_minutes_then_give_up() {
    let s = desktop(json!([origin(
        fixed("2s", json!(["fail", "fail", "fail"])),
        json!([
            { "kind": "one_shot", "tag": "outbox", "at": "0s" }
        ])
    )]));
    let r = run(&s);
    // Attempt 1 at 0, fails at 2 s; attempt 2 at 2 s + 5 min = 302 s, fails at 304 s;
    // attempt 3 at 304 s + 15 min = 1204 s, fails at 1206 s → removed as gave_up.
    assert_eq!(
        timeline(&r),
        vec![
            (0, Some(2 * S), "failure"),
            (302 * S, Some(304 * S), "failure"),
            (1204 * S, Some(1206 * S), "failure"),
        ]
    );
    let attempts: Vec<u32> = r.attempts.iter().map(|a| a.attempt).collect();
    assert_eq!(attempts, vec![1, 2, 3]);
    assert_eq!(r.regs[0].final_state, "gave_up");
    assert_eq!(r.regs[0].completed, Some(1206 * S));
    assert_eq!(r.regs[0].attempts, 3);
    assert_eq!(
        r.regs[0].latency, None,
        "latency is only for succeeded one-shots"
    );
}

#[test]
fn last_chance_is_true_only_on_the_final_attempt() {
    let s = desktop(json!([origin(
        fixed("2s", json!(["fail", "fail", "success"])),
        json!([
            { "kind": "one_shot", "tag": "outbox", "at": "0s" }
        ])
    )]));
    let r = run(&s);
    // max_attempts 3: last_chance = (num_attempts == 2), i.e. only on attempt 3.
    let flags: Vec<bool> = r.attempts.iter().map(|a| a.last_chance).collect();
    assert_eq!(flags, vec![false, false, true]);
    assert_eq!(r.regs[0].final_state, "succeeded");
}

#[test]
fn retry_waits_the_full_delay() {
    let mut s = desktop(json!([origin(
        fixed("2s", json!(["fail", "success"])),
        json!([
            { "kind": "one_shot", "tag": "outbox", "at": "0s" }
        ])
    )]));
    // First attempt fails at 2 s, so the retry is due at 302 s. The network comes back at
    // 301 s (delay − 1 s): that FireReadyEvents must find nothing ready.
    s["devices"][0]["network"] = json!({ "model": "schedule", "offline": [["100s", "301s"]] });
    let r = run(&s);
    assert_eq!(
        timeline(&r),
        vec![
            (0, Some(2 * S), "failure"),
            (302 * S, Some(304 * S), "success")
        ]
    );
}

#[test]
fn retry_waits_for_network() {
    let mut s = desktop(json!([origin(
        fixed("2s", json!(["fail", "success"])),
        json!([
            { "kind": "one_shot", "tag": "outbox", "at": "0s" }
        ])
    )]));
    // Retry due at 302 s, but the device is offline from 100 s to 10 min: it fires at 10 min.
    s["devices"][0]["network"] = json!({ "model": "schedule", "offline": [["100s", "10m"]] });
    let r = run(&s);
    assert_eq!(r.attempts[1].start, 10 * MIN);
    assert_eq!(r.attempts[1].attempt, 2);
}

#[test]
fn reregister_while_firing_fires_once_more_after_success() {
    let s = desktop(json!([origin(
        fixed("10s", json!([])),
        json!([
            { "kind": "one_shot", "tag": "outbox", "at": "0s" },
            { "kind": "one_shot", "tag": "outbox", "at": "5s" }
        ])
    )]));
    let r = run(&s);
    // The 5 s register finds the event firing → reregistered_while_firing. The success at 10 s
    // takes branch 1 (pending, num_attempts 0, delay_until unchanged) and the completion trigger
    // fires it again at 10 s; that success at 20 s removes it.
    assert_eq!(
        timeline(&r),
        vec![
            (0, Some(10 * S), "success"),
            (10 * S, Some(20 * S), "success")
        ]
    );
    assert_eq!(
        r.regs.len(),
        1,
        "a re-register is the same registration object"
    );
    assert_eq!(r.regs[0].completed, Some(20 * S));
    assert_eq!(r.regs[0].attempts, 2);
}

#[test]
fn reregister_while_firing_fires_once_more_after_failure() {
    let s = desktop(json!([origin(
        fixed("10s", json!(["fail", "success"])),
        json!([
            { "kind": "one_shot", "tag": "outbox", "at": "0s" },
            { "kind": "one_shot", "tag": "outbox", "at": "5s" }
        ])
    )]));
    let r = run(&s);
    // The failure at 10 s still takes branch 1: no backoff, num_attempts reset, so the redo
    // is attempt 1 again, at 10 s.
    assert_eq!(
        timeline(&r),
        vec![
            (0, Some(10 * S), "failure"),
            (10 * S, Some(20 * S), "success")
        ]
    );
    assert_eq!(r.attempts[1].attempt, 1);
}

#[test]
fn register_while_pending_is_a_no_op_that_keeps_backoff() {
    let s = desktop(json!([origin(
        fixed("2s", json!(["fail", "success"])),
        json!([
            { "kind": "one_shot", "tag": "outbox", "at": "0s" },
            { "kind": "one_shot", "tag": "outbox", "at": "1m" }
        ])
    )]));
    let r = run(&s);
    // At 1 min the registration is pending in backoff (due 302 s): the duplicate changes nothing.
    assert_eq!(r.attempts[1].start, 302 * S);
    assert_eq!(r.attempts[1].attempt, 2);
    assert_eq!(r.regs.len(), 1);
}

#[test]
fn hung_handler_times_out_at_exactly_3_minutes_and_counts_as_failure() {
    let s = desktop(json!([origin(
        fixed("2s", json!(["hang", "success"])),
        json!([
            { "kind": "one_shot", "tag": "outbox", "at": "0s" }
        ])
    )]));
    let r = run(&s);
    // Hang → timeout at 0 + 3 min; counted failure → retry at 3 min + 5 min = 8 min.
    assert_eq!(
        timeline(&r),
        vec![
            (0, Some(3 * MIN), "timeout"),
            (8 * MIN, Some(8 * MIN + 2 * S), "success")
        ]
    );
    assert_eq!(r.attempts[1].attempt, 2);
}

#[test]
fn duration_equal_to_max_completes_and_one_ms_more_times_out() {
    let s = desktop(json!([
        origin(fixed("3m", json!([])), json!([{ "kind": "one_shot", "tag": "exact", "at": "0s" }])),
        {
            "name": "https://slow.example",
            "engagement": { "level": "HIGH" },
            "handler": { "duration": { "fixed": "3m1ms" } },
            "registrations": [{ "kind": "one_shot", "tag": "over", "at": "0s" }]
        }
    ]));
    let r = run(&s);
    // S4: exactly max_sync_event_duration completes normally; longer ends at start + 3 min.
    assert_eq!(r.attempts[0].outcome, "success");
    assert_eq!(r.attempts[0].end, Some(3 * MIN));
    assert_eq!(r.attempts[1].outcome, "timeout");
    assert_eq!(r.attempts[1].end, Some(3 * MIN));
}

#[test]
fn notification_permission_uses_its_own_max_attempts() {
    let mut s = desktop(json!([
        {
            "name": "https://granted.example",
            "notification_permission": true,
            "engagement": { "level": "HIGH" },
            "handler": fixed("1s", json!(["fail", "fail", "fail", "fail", "fail"])),
            "registrations": [{ "kind": "one_shot", "tag": "t", "at": "0s" }]
        },
        {
            "name": "https://plain.example",
            "engagement": { "level": "HIGH" },
            "handler": fixed("1s", json!(["fail", "fail", "fail", "fail", "fail"])),
            "registrations": [{ "kind": "one_shot", "tag": "t", "at": "0s" }]
        }
    ]));
    s["policy"] = json!({ "preset": "chromium", "params": { "max_sync_attempts_with_notification_permission": 5 } });
    let r = run(&s);
    // With permission: 5 attempts, last_chance on the 5th; without: the plain value, 3.
    let granted: Vec<_> = r
        .attempts
        .iter()
        .filter(|a| a.origin.contains("granted"))
        .collect();
    let plain: Vec<_> = r
        .attempts
        .iter()
        .filter(|a| a.origin.contains("plain"))
        .collect();
    assert_eq!(granted.len(), 5);
    assert_eq!(plain.len(), 3);
    assert!(granted[4].last_chance && !granted[3].last_chance);
    assert!(plain[2].last_chance);
    // Delays 5, 15, 45, 135 min between 1-s attempts: the 5th starts at
    // 4 s + (5 + 15 + 45 + 135) min = 4 s + 200 min.
    assert_eq!(granted[4].start, 4 * S + 200 * MIN);
}

#[test]
fn set_overrides_the_retry_delay() {
    let mut s = desktop(json!([origin(
        fixed("2s", json!(["fail", "success"])),
        json!([
            { "kind": "one_shot", "tag": "outbox", "at": "0s" }
        ])
    )]));
    s["policy"] = json!({ "params": { "initial_retry_delay": "1m" } });
    let r = run(&s);
    // initial_retry_delay 1 min: retry at 2 s + 60 s.
    assert_eq!(r.attempts[1].start, 62 * S);
}

#[test]
fn network_drop_mid_event_is_a_counted_network_lost_failure() {
    let mut s = desktop(json!([origin(
        fixed("10s", json!(["success", "success"])),
        json!([
            { "kind": "one_shot", "tag": "outbox", "at": "0s" }
        ])
    )]));
    s["devices"][0]["network"] = json!({ "model": "schedule", "offline": [["4s", "1m"]] });
    let r = run(&s);
    // The drop at 4 s ends the event then (network_lost, attempt counted); the retry is due at
    // 4 s + 5 min and the network is back by then.
    assert_eq!(
        timeline(&r),
        vec![
            (0, Some(4 * S), "network_lost"),
            (304 * S, Some(314 * S), "success")
        ]
    );
    assert_eq!(r.attempts[1].attempt, 2);
    assert_eq!(r.regs[0].attempts, 2);
}

#[test]
fn simultaneous_drop_and_completion_is_network_lost() {
    let mut s = desktop(json!([origin(
        fixed("10s", json!([])),
        json!([
            { "kind": "one_shot", "tag": "outbox", "at": "0s" }
        ])
    )]));
    // S2: the drop at 10 s was enqueued before t = 0, the completion at dispatch: drop first.
    s["devices"][0]["network"] = json!({ "model": "schedule", "offline": [["10s", "1m"]] });
    let r = run(&s);
    assert_eq!(r.attempts[0].outcome, "network_lost");
    assert_eq!(r.attempts[0].end, Some(10 * S));
}

#[test]
fn handler_without_network_need_survives_a_drop() {
    let mut s = desktop(json!([origin(
        json!({ "duration": { "fixed": "10s" } }),
        json!([
            { "kind": "one_shot", "tag": "outbox", "at": "0s" }
        ])
    )]));
    s["devices"][0]["network"] = json!({ "model": "schedule", "offline": [["4s", "1m"]] });
    let r = run(&s);
    assert_eq!(timeline(&r), vec![(0, Some(10 * S), "success")]);
}

#[test]
fn ready_registrations_fire_one_shots_by_origin_then_tag() {
    let mut s = desktop(json!([
        origin(fixed("1s", json!([])), json!([
            { "kind": "one_shot", "tag": "b", "at": "1m" },
            { "kind": "one_shot", "tag": "a", "at": "2m" }
        ])),
        {
            "name": "https://second.example",
            "engagement": { "level": "LOW" },
            "handler": { "duration": { "fixed": "1s" } },
            "registrations": [{ "kind": "one_shot", "tag": "0", "at": "0s" }]
        }
    ]));
    s["devices"][0]["network"] = json!({ "model": "schedule", "offline": [["0s", "1h"]] });
    let r = run(&s);
    // S3: at the online transition all three are ready: origin 0 first (tags "a" < "b" by code
    // point), then origin 1.
    let order: Vec<(&str, &str)> = r
        .attempts
        .iter()
        .map(|a| (a.origin.as_str(), a.tag.as_str()))
        .collect();
    assert_eq!(
        order,
        vec![
            ("https://app.example", "a"),
            ("https://app.example", "b"),
            ("https://second.example", "0")
        ]
    );
    assert!(r.attempts.iter().all(|a| a.start == H));
}

#[test]
fn unregister_while_firing_lets_the_event_finish_and_changes_nothing() {
    let mut s = desktop(json!([origin(
        fixed("10s", json!(["fail"])),
        json!([
            { "kind": "one_shot", "tag": "outbox", "at": "0s" }
        ])
    )]));
    s["devices"][0]["origins"][0]["events"] =
        json!([{ "at": "5s", "action": "unregister", "kind": "one_shot", "tag": "outbox" }]);
    let r = run(&s);
    // The failure at 10 s is recorded and counted but schedules no retry (S8).
    assert_eq!(timeline(&r), vec![(0, Some(10 * S), "failure")]);
    assert_eq!(r.regs[0].final_state, "unregistered");
    assert_eq!(r.regs[0].attempts, 1);
    assert_eq!(r.regs[0].completed, None);
}

#[test]
fn new_registration_after_success_is_a_new_object_with_a_fresh_script() {
    let s = desktop(json!([origin(
        fixed("1s", json!(["fail", "success"])),
        json!([
            { "kind": "one_shot", "tag": "outbox", "at": "0s" },
            { "kind": "one_shot", "tag": "outbox", "at": "1h" }
        ])
    )]));
    let r = run(&s);
    // First object: fail at 1 s, succeed at 301 s + 1 s. Second object (1 h) starts its script
    // at position 0 again, so it fails first too.
    assert_eq!(r.regs.len(), 2);
    assert_eq!(r.attempts[2].start, H);
    assert_eq!(r.attempts[2].outcome, "failure");
    assert_eq!(r.attempts[2].attempt, 1);
}

#[test]
fn event_running_at_the_horizon_has_empty_end_and_is_pending_at_end() {
    let mut s = desktop(json!([origin(
        fixed("2m", json!([])),
        json!([
            { "kind": "one_shot", "tag": "late", "at": "23h59m" }
        ])
    )]));
    s["duration"] = json!("1d");
    let r = run(&s);
    // S1: started at 23:59, would end at 24:01 ≥ horizon → empty end and outcome.
    assert_eq!(timeline(&r), vec![(23 * H + 59 * MIN, None, "")]);
    assert_eq!(r.regs[0].final_state, "pending_at_end");
    assert_eq!(r.regs[0].attempts, 0);
}

#[test]
fn many_origins_fire_in_dispatch_order() {
    // 3,000 origins on one device each register a one-shot at 1 min, in origin order, while the
    // device is offline until 2 min: the online transition fires them all at 2 min in S3 order
    // (origin index), exercising the due index and ordered active set at scale.
    let mut s = desktop(json!([{
        "name": "https://o{i}.example",
        "count": 3000,
        "engagement": { "level": "HIGH" },
        "handler": { "duration": { "fixed": "1s" }, "needs_network": true },
        "registrations": [{ "kind": "one_shot", "tag": "t", "at": "1m" }]
    }]));
    s["devices"][0]["network"] = json!({ "model": "schedule", "offline": [["0s", "2m"]] });
    let r = run(&s);
    assert_eq!(r.attempts.len(), 3000);
    assert!(
        r.attempts
            .iter()
            .all(|a| a.start == 2 * MIN && a.outcome == "success")
    );
    let origins: Vec<&str> = r.attempts.iter().map(|a| a.origin.as_str()).collect();
    assert_eq!(origins[0], "https://o0.example");
    assert_eq!(origins[1], "https://o1.example");
    assert_eq!(origins[10], "https://o10.example");
    assert_eq!(origins[2999], "https://o2999.example");
}
