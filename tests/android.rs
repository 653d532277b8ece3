//! DESIGN §4.2 (android browser process) and §5 (wake-up tasks) under the chromium preset.
//! Android's own power management (§4.7) is switched off here, so that each expectation is the
//! browser's scheduler alone; `android_power.rs` pins Doze, buckets and quotas.

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
            "android": { "power_management": false },
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
    // Awake time: 10 min → 11 min is the linger after the session (idle_kill_after, the same
    // under every policy), counted apart; 15 min 1 s → 16 min 1 s (woken, killed 60 s later) is
    // background work: 60 s each.
    assert_eq!(r.summary["awake_s"]["total"], 60.0);
    assert_eq!(r.summary["awake_s"]["after_session_total"], 60.0);
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
    // Dispatched at 50 s: firing, so the wake-up window is the 6-min recovery clamp, 6 min 50 s,
    // and Chrome tells the OS (background_sync_scheduler.cc: nothing scheduled yet). The session
    // ends at 1 min; the window recomputed then (1 min + 6 min = 7 min) is later than the one
    // told, so the OS task stays at 6 min 50 s (earlier_only). The OS kills the idle process at
    // 1 min 10 s: interrupted. The task wakes the browser at 6 min 50 s for the redo (attempt 1
    // again), which runs 30 s but the process is killed 10 s after the wake-up: interrupted
    // again at 7 min.
    let rows = timeline(&r);
    assert_eq!(rows[0], (50 * S, Some(MIN + 10 * S), "interrupted"));
    assert_eq!(rows[1], (6 * MIN + 50 * S, Some(7 * MIN), "interrupted"));
    assert!(r.attempts.iter().all(|a| a.attempt == 1));
    assert_eq!(wakeups(&r)[0], (6 * MIN + 50 * S, "recovery".to_string()));
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
fn a_recovery_task_left_by_a_completed_event_wakes_the_browser_for_nothing() {
    let s = android(
        json!({ "at": [["0s", "5m"]] }),
        json!({ "duration": { "fixed": "2s" } }),
        json!([{ "kind": "periodic", "tag": "p", "min_interval": "12h", "at": "1m" }]),
    );
    let r = run(&s);
    // Due at 12 h 1 min; no user session then: the periodic task wakes the browser, which fires
    // p at start. While p fires, the window is the 6-min recovery clamp (12 h 7 min), told to
    // the OS (the new process has told nothing yet). p completes at 12 h 1 min 2 s; its next
    // period, 24 h 1 min 2 s, is later than the window told, so the OS task stays at 12 h 7 min
    // (ScheduleOrCancelBrowserWakeupForSyncType: earlier_only). The process dies at 12 h 2 min;
    // the task starts it again at 12 h 7 min and it finds nothing to fire: `empty`. That start
    // tells the OS 24 h 1 min 2 s. No spacing (production passes no last wake-up), so the same
    // again a period later; the third period (36 h 1 min 4 s) as well.
    assert_eq!(
        wakeups(&r),
        vec![
            (12 * H + MIN, "periodic".to_string()),
            (12 * H + 7 * MIN, "empty".to_string()),
            (24 * H + MIN + 2 * S, "periodic".to_string()),
            (24 * H + 7 * MIN + 2 * S, "empty".to_string()),
            (36 * H + MIN + 4 * S, "periodic".to_string()),
            (36 * H + 7 * MIN + 4 * S, "empty".to_string()),
        ]
    );
    assert_eq!(r.summary["wakeups"]["by_cause"]["empty"], 3);
}

#[test]
fn the_older_scheduler_moves_the_task_to_the_next_period() {
    let mut s = android(
        json!({ "at": [["0s", "5m"]] }),
        json!({ "duration": { "fixed": "2s" } }),
        json!([{ "kind": "periodic", "tag": "p", "min_interval": "12h", "at": "1m" }]),
    );
    s["policy"] = json!({ "params": { "wakeup_reschedule": "always" } });
    let r = run(&s);
    // Same world; with `always` the completion at 12 h 1 min 2 s replaces the recovery task by
    // the next period (24 h 1 min 2 s): no empty wake-ups.
    assert_eq!(
        wakeups(&r),
        vec![
            (12 * H + MIN, "periodic".to_string()),
            (24 * H + MIN + 2 * S, "periodic".to_string()),
            (36 * H + MIN + 4 * S, "periodic".to_string()),
        ]
    );
}

#[test]
fn a_task_run_in_a_live_process_leaves_no_wakeup_behind() {
    let s = android(
        json!({ "at": [["0s", "13h"]] }),
        json!({ "duration": { "fixed": "2s" } }),
        json!([{ "kind": "periodic", "tag": "p", "min_interval": "12h", "at": "1m" }]),
    );
    let r = run(&s);
    // One 13-hour session. p is due at 12 h 1 min and fires in the open browser; Chrome's
    // in-process timer for that window fires with it and cancels the OS task
    // (RunDelayedTaskAndPruneInfoMap). While p fires, the recovery window 12 h 7 min is told to
    // the OS; p completes at 12 h 1 min 2 s and its next period (24 h 1 min 2 s) is later, so the
    // OS is not told. At 12 h 7 min the task runs in the live process: nothing to fire, nothing
    // rescheduled (BackgroundSyncBackgroundTask: taskFinished, needsReschedule false), and Chrome
    // still remembers 12 h 7 min as told. The session ends at 13 h, the process dies at 13 h 1 min
    // with its in-process timer: no OS task is left, so p never fires again in the 2 days and no
    // wake-up happens at all.
    assert_eq!(starts(&r, "p"), vec![12 * H + MIN]);
    assert!(wakeups(&r).is_empty(), "{:?}", wakeups(&r));
    // The older scheduler keeps the OS task on the next period: p wakes the browser at 24 h 1 min
    // 2 s and 36 h 1 min 4 s.
    let mut old = s.clone();
    old["policy"] = json!({ "params": { "wakeup_reschedule": "always" } });
    let r = run(&old);
    assert_eq!(
        starts(&r, "p"),
        vec![12 * H + MIN, 24 * H + MIN + 2 * S, 36 * H + MIN + 4 * S]
    );
}

/// Two origins, a due at 12 h 1 min and b at 12 h 3 min (different origins: ApplyMinGapForOrigin
/// does not space them).
fn two_origins() -> Value {
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
    s
}

#[test]
fn periodic_wakeups_of_two_origins_are_not_spaced_in_production() {
    let r = run(&two_origins());
    // The task wakes the browser for a at 12 h 1 min. While a fires, b (due in 2 min) is the
    // soonest window, earlier than the 6-min recovery clamp: told. The process dies at 12 h
    // 2 min and the task wakes it for b at 12 h 3 min: two periodic wake-ups 2 min apart, as
    // production Chrome does (no wake-up limit).
    assert_eq!(
        wakeups(&r)[..2],
        [
            (12 * H + MIN, "periodic".to_string()),
            (12 * H + 3 * MIN, "periodic".to_string())
        ]
    );
    assert_eq!(starts(&r, "b")[0], 12 * H + 3 * MIN);
}

#[test]
fn the_designed_wakeup_spacing_holds_periodic_wakeups_12h_apart() {
    let mut s = two_origins();
    s["policy"] = json!({ "params": { "periodic_wakeup_min_spacing": "12h" } });
    let r = run(&s);
    // With the limit as designed (MaybeApplyBrowserWakeupCountLimit, 12 h): while a fires at
    // 12 h 1 min, b's window (2 min away) is held until 12 h after the last periodic wake-up:
    // 24 h 1 min, where b fires. a's next event (due 24 h 1 min 2 s) fires in the same process,
    // without a wake-up.
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
    let periodic: Vec<u64> = w
        .iter()
        .filter(|(_, c)| c == "periodic")
        .map(|(t, _)| *t)
        .collect();
    for pair in periodic.windows(2) {
        assert!(pair[1] - pair[0] >= 12 * H, "{w:?}");
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
