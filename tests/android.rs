//! DESIGN §4.2 (android browser process) and §5 (wake-up tasks) under the chromium preset.

mod common;

use common::*;
use serde_json::{Value, json};

fn android(sessions: Value, handler: Value, regs: Value) -> Value {
    json!({
        "name": "android",
        "duration": "2d",
        "seed": 5,
        "devices": [{
            "platform": "android",
            "browser": { "sessions": sessions },
            "network": { "model": "always_online" },
            "origins": [{
                "name": "https://app.example",
                "installed": true,
                "engagement": { "level": "HIGH" },
                "handler": handler,
                "registrations": regs
            }]
        }]
    })
}

#[test]
fn retry_after_the_process_died_wakes_the_browser_with_cause_retry() {
    let s = android(
        json!({ "at": [["0s", "10m"]] }),
        json!({ "duration": { "fixed": "2s" }, "outcomes": ["fail", "success"] }),
        json!([{ "kind": "one_shot", "tag": "t", "at": "9m59s" }]),
    );
    let r = run(&s);
    // Fails at 10 min 1 s (the backgrounded process lives until 11 min). The retry is due 5 min
    // later, at 15 min 1 s; the process is dead by then, so the one-shot task wakes it.
    assert_eq!(
        timeline(&r),
        vec![
            (9 * MIN + 59 * S, Some(10 * MIN + S), "failure"),
            (15 * MIN + S, Some(15 * MIN + 3 * S), "success")
        ]
    );
    assert_eq!(wakeups(&r), vec![(15 * MIN + S, "retry".to_string())]);
    // Awake time caused by background work: 10 min → 11 min (backgrounded), then 15 min 1 s →
    // 16 min 1 s (woken, killed 60 s later): 120 s.
    assert_eq!(r.summary["awake_s"]["total"], 120.0);
}

#[test]
fn idle_kill_interrupts_a_running_event_and_a_recovery_task_refires_it() {
    let mut s = android(
        json!({ "at": [["0s", "1m"]] }),
        json!({ "duration": { "fixed": "30s" } }),
        json!([{ "kind": "one_shot", "tag": "t", "at": "50s" }]),
    );
    s["devices"][0]["browser"]["idle_kill_after"] = json!("10s");
    let r = run(&s);
    // Dispatched at 50 s; the session ends at 1 min and the OS kills the idle process at
    // 1 min 10 s: interrupted. The last wake-up window computed while it ran (at 1 min, firing)
    // is the 6-min recovery clamp: 7 min. The redo there (attempt 1 again) runs 30 s but the
    // process is killed 10 s after the wake-up: interrupted again at 7 min 10 s.
    let rows = timeline(&r);
    assert_eq!(rows[0], (50 * S, Some(MIN + 10 * S), "interrupted"));
    assert_eq!(rows[1], (7 * MIN, Some(7 * MIN + 10 * S), "interrupted"));
    assert!(r.attempts.iter().all(|a| a.attempt == 1));
    assert_eq!(wakeups(&r)[0], (7 * MIN, "recovery".to_string()));
}

#[test]
fn keep_browser_awake_lets_the_event_complete() {
    let mut s = android(
        json!({ "at": [["0s", "1m"]] }),
        json!({ "duration": { "fixed": "30s" } }),
        json!([{ "kind": "one_shot", "tag": "t", "at": "50s" }]),
    );
    s["devices"][0]["browser"]["idle_kill_after"] = json!("10s");
    s["policy"] = json!({ "params": { "keep_browser_awake_till_events_complete": true } });
    let r = run(&s);
    // The idle check at 1 min 10 s finds an event running and spares the process.
    assert_eq!(timeline(&r), vec![(50 * S, Some(80 * S), "success")]);
    assert!(wakeups(&r).is_empty());
}

#[test]
fn a_task_that_finds_no_connection_waits_for_it() {
    let mut s = android(
        json!({ "at": [["0s", "10m"]] }),
        json!({ "duration": { "fixed": "2s" }, "outcomes": ["fail", "success"] }),
        json!([{ "kind": "one_shot", "tag": "t", "at": "9m59s" }]),
    );
    s["devices"][0]["network"] = json!({ "model": "schedule", "offline": [["12m", "40m"]] });
    let r = run(&s);
    // The retry task is due at 15 min 1 s but the device is offline until 40 min: it runs then.
    assert_eq!(r.attempts[1].start, 40 * MIN);
    assert_eq!(wakeups(&r), vec![(40 * MIN, "retry".to_string())]);
}

#[test]
fn periodic_task_wakes_the_browser_for_the_first_event() {
    let s = android(
        json!({ "at": [["0s", "5m"]] }),
        json!({ "duration": { "fixed": "2s" } }),
        json!([{ "kind": "periodic", "tag": "p", "min_interval": "12h", "at": "1m" }]),
    );
    let r = run(&s);
    // Due at 12 h 1 min; no user session then: the periodic task wakes the browser. The next
    // event is due 12 h after the first ended (24 h 1 min 2 s) and the spacing limit (12 h since
    // the last periodic wake-up at 12 h 1 min) allows it.
    assert_eq!(
        wakeups(&r)[..2],
        [
            (12 * H + MIN, "periodic".to_string()),
            (24 * H + MIN + 2 * S, "periodic".to_string())
        ]
    );
}

#[test]
fn periodic_wakeups_respect_the_12h_spacing_across_origins() {
    let mut s = android(
        json!({ "at": [["0s", "5m"]] }),
        json!({ "duration": { "fixed": "2s" } }),
        json!([{ "kind": "periodic", "tag": "a", "min_interval": "12h", "at": "1m" }]),
    );
    let mut b = s["devices"][0]["origins"][0].clone();
    b["name"] = json!("https://b.example");
    b["registrations"] =
        json!([{ "kind": "periodic", "tag": "b", "min_interval": "12h", "at": "3m" }]);
    s["devices"][0]["origins"].as_array_mut().unwrap().push(b);
    let r = run(&s);
    // a (origin 0) is due at 12 h 1 min, b (origin 1) at 12 h 3 min: different origins, so
    // ApplyMinGapForOrigin does not space them. The task wakes the browser for a at 12 h 1 min;
    // the process dies at 12 h 2 min, before b is due. MaybeApplyBrowserWakeupCountLimit then
    // holds the next periodic wake-up until 12 h after the last: 24 h 1 min, where b fires. a's
    // next event (due 24 h 1 min 2 s) fires in the same process, without a wake-up.
    assert_eq!(starts(&r, "a")[..2], [12 * H + MIN, 24 * H + MIN + 2 * S]);
    assert_eq!(starts(&r, "b")[0], 24 * H + MIN);
    let w = wakeups(&r);
    assert_eq!(
        w[..2],
        [
            (12 * H + MIN, "periodic".to_string()),
            (24 * H + MIN, "periodic".to_string())
        ]
    );
    for pair in w.windows(2) {
        assert!(pair[1].0 - pair[0].0 >= 12 * H, "{w:?}");
    }
    assert_eq!(r.summary["invariants"]["wakeup_spacing"], 0);
}

#[test]
fn registration_without_a_running_browser_is_rejected() {
    let s = android(
        json!("never"),
        json!({ "duration": { "fixed": "2s" } }),
        json!([{ "kind": "one_shot", "tag": "t", "at": "1h" }]),
    );
    let r = run(&s);
    assert_eq!(r.regs[0].final_state, "rejected");
}
