//! DESIGN §3.2: the `design-2019` preset, the periodic design document as written.

mod common;

use common::*;
use serde_json::{Value, json};

fn scenario(level: &str, handler: Value, regs: Value, sessions: Value) -> Value {
    json!({
        "name": "design",
        "duration": "2d",
        "policy": { "preset": "design-2019" },
        "devices": [{
            "platform": "android",
            "browser": { "sessions": { "at": sessions } },
            "network": { "model": "always_online" },
            "android": { "power_management": false },
            "origins": [{
                "name": "https://news.example",
                "installed": true,
                "engagement": { "level": level },
                "handler": handler,
                "registrations": regs
            }]
        }]
    })
}

fn fixed2s() -> Value {
    json!({ "duration": { "fixed": "2s" } })
}

#[test]
fn high_tier_fires_at_every_scheduled_wakeup() {
    let s = scenario(
        "HIGH",
        fixed2s(),
        json!([{ "kind": "periodic", "tag": "p", "min_interval": "11h", "at": "0s" }]),
        json!([["0s", "5m"]]),
    );
    let r = run(&s);
    // The wake-up task is created at 0: wake-ups every 24 h / 2 = 12 h, at 12 h, 24 h, 36 h.
    // HIGH = the next wake-up; after each event (ends at +2 s) now + 11 h fits before the next
    // wake-up, so every wake-up fires it.
    let starts: Vec<u64> = r.attempts.iter().map(|a| a.start).collect();
    assert_eq!(starts, vec![12 * H, 24 * H, 36 * H]);
    let w: Vec<u64> = wakeups(&r).iter().map(|(t, _)| *t).collect();
    assert_eq!(w, vec![12 * H, 24 * H, 36 * H]);
}

#[test]
fn a_12h_min_interval_skips_a_wakeup_because_the_event_takes_time() {
    let s = scenario(
        "HIGH",
        fixed2s(),
        json!([{ "kind": "periodic", "tag": "p", "min_interval": "12h", "at": "0s" }]),
        json!([["0s", "5m"]]),
    );
    let r = run(&s);
    // First at 12 h (0 + 12 h ≤ the first wake-up). After it ends at 12 h 2 s, now + 12 h =
    // 24 h 2 s is past the next wake-up (24 h): the first wake-up at or after it is 36 h.
    let starts: Vec<u64> = r.attempts.iter().map(|a| a.start).collect();
    assert_eq!(starts, vec![12 * H, 36 * H]);
}

#[test]
fn medium_tier_waits_for_the_second_wakeup() {
    let s = scenario(
        "MEDIUM",
        fixed2s(),
        json!([{ "kind": "periodic", "tag": "p", "min_interval": "1h", "at": "0s" }]),
        json!([["0s", "5m"]]),
    );
    let r = run(&s);
    // MEDIUM → the 2nd scheduled wake-up after now: 24 h.
    assert_eq!(r.attempts[0].start, 24 * H);
}

#[test]
fn retries_never_wake_the_browser() {
    let s = scenario(
        "HIGH",
        json!({ "duration": { "fixed": "2s" }, "outcomes": ["fail", "fail", "success"] }),
        json!([{ "kind": "periodic", "tag": "p", "min_interval": "11h", "at": "0s" }]),
        json!([["0s", "5m"]]),
    );
    let r = run(&s);
    // Fails at 12 h; the retry (due 5 min later) needs an awake browser, but the woken process
    // dies at 12 h 1 min. The next scheduled wake-up (24 h) runs it as attempt 2 (fails again),
    // and 36 h runs attempt 3, the second and last retry.
    let rows: Vec<(u64, u32, &str)> = r
        .attempts
        .iter()
        .map(|a| (a.start, a.attempt, a.outcome.as_str()))
        .collect();
    assert_eq!(
        rows,
        vec![
            (12 * H, 1, "failure"),
            (24 * H, 2, "failure"),
            (36 * H, 3, "success")
        ]
    );
    assert!(wakeups(&r).iter().all(|(_, cause)| cause == "periodic"));
}

#[test]
fn the_wakeup_task_is_cancelled_with_the_last_registration_and_reanchored() {
    let mut s = scenario(
        "HIGH",
        fixed2s(),
        json!([
            { "kind": "periodic", "tag": "p", "min_interval": "11h", "at": "0s" },
            { "kind": "periodic", "tag": "q", "min_interval": "11h", "at": "20h" }
        ]),
        json!([["0s", "5m"], ["12h30m", "12h35m"], ["20h", "20h5m"]]),
    );
    s["devices"][0]["origins"][0]["events"] =
        json!([{ "at": "12h31m", "action": "unregister", "kind": "periodic", "tag": "p" }]);
    let r = run(&s);
    // p fires at the first wake-up (12 h) and is unregistered at 12 h 31 min: the task is
    // cancelled. q at 20 h creates a new task anchored at 20 h: wake-ups at 32 h, 44 h.
    let w: Vec<u64> = wakeups(&r).iter().map(|(t, _)| *t).collect();
    assert_eq!(w, vec![12 * H, 32 * H, 44 * H]);
}
