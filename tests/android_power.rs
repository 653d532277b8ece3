//! DESIGN §4.7: Android's power management decides when the browser's wake-up tasks run.
//! Doze's state machine, the buckets and the quotas are unit-tested in `model::android`; these
//! pin what they do to a device's rows.

mod common;

use common::*;
use serde_json::{Value, json};

/// One android phone used 0–10 min, always online, never still; a one-shot registered at
/// 9 min 59 s fails once (2 s handler) and then succeeds.
fn phone(android: Value) -> Value {
    json!({
        "name": "doze",
        "duration": "1d",
        "seed": 3,
        "devices": [{
            "platform": "android",
            "browser": { "sessions": { "at": [["0s", "10m"]] } },
            "network": { "model": "always_online" },
            "android": android,
            "origins": [{
                "name": "https://app.example",
                "installed": true,
                "engagement": { "level": "HIGH" },
                "handler": { "duration": { "fixed": "2s" }, "outcomes": ["fail", "success"] },
                "registrations": [{ "kind": "one_shot", "tag": "t", "at": "9m59s" }]
            }]
        }]
    })
}

#[test]
fn a_retry_due_in_light_doze_waits_for_the_next_maintenance_window() {
    // The first attempt fails at 10 min 1 s, so the retry task's window starts 5 min later, at
    // 15 min 1 s (901,000 ms). The screen went off at 10 min: light doze at 11 min
    // (LIGHT_IDLE_AFTER_INACTIVE_TIMEOUT 60 s), its first maintenance window 5 min later
    // (LIGHT_IDLE_TIMEOUT) at 16 min (960,000 ms): the task runs then, 59 s late.
    let r = run(&phone(json!({})));
    assert_eq!(
        wakeup_rows(&r),
        vec![(901_000, 960_000, "retry".to_string())]
    );
    assert_eq!(
        timeline(&r),
        vec![
            (599_000, Some(601_000), "failure"),
            (960_000, Some(962_000), "success"),
        ]
    );
    // One deferral of 59 s.
    assert_eq!(r.summary["wakeups"]["deferral_s"]["max"], 59.0);
}

#[test]
fn charging_lets_a_deferred_job_run_at_once() {
    // Plugged in at 15 min 30 s, while the retry (due 15 min 1 s) waits in light doze:
    // charging ends doze, the task runs at 930,000 ms.
    let r = run(&phone(json!({ "charging": { "at": [["15m30s", "1h"]] } })));
    assert_eq!(
        wakeup_rows(&r),
        vec![(901_000, 930_000, "retry".to_string())]
    );
}

#[test]
fn without_power_management_the_task_runs_at_its_window_start() {
    // `power_management: false` is the earlier model: the task runs at 15 min 1 s.
    let r = run(&phone(json!({ "power_management": false })));
    assert_eq!(
        wakeup_rows(&r),
        vec![(901_000, 901_000, "retry".to_string())]
    );
    assert_eq!(r.summary["wakeups"]["deferral_s"]["max"], 0.0);
}

#[test]
fn a_recovery_wakeup_and_a_second_retry_each_wait_for_a_light_maintenance_window() {
    // The handler fails twice. The retry runs at 16 min (as above) and, while it fires,
    // Chrome asks for a recovery wake-up 6 min later (min_sync_recovery_time): 22 min. It
    // fails at 16 min 2 s; the next retry is due 15 min later, 31 min 2 s (1,862,000 ms), and
    // with `earlier_only` the OS keeps the 22-min task. Light maintenance windows are 16–17,
    // 27–28 and 43–44 min: the recovery task runs at 27 min and finds nothing due (`empty`);
    // the retry runs at 43 min (2,580,000 ms), 11 min 58 s late.
    let mut s = phone(json!({ "stationary": "always" }));
    s["devices"][0]["origins"][0]["handler"]["outcomes"] = json!(["fail", "fail", "success"]);
    let r = run(&s);
    assert_eq!(
        wakeup_rows(&r),
        vec![
            (901_000, 960_000, "retry".to_string()),
            (1_320_000, 1_620_000, "empty".to_string()),
            (1_862_000, 2_580_000, "retry".to_string()),
        ]
    );
    // Deferrals 59 s, 300 s and 718 s: the largest is 718 s.
    assert_eq!(r.summary["wakeups"]["deferral_s"]["max"], 718.0);
}

#[test]
fn an_unused_browser_ages_through_the_standby_buckets() {
    // The browser's only session ends at 1 h; other apps keep the screen on 10:00–12:00 daily.
    // AppStandbyController's thresholds since the last use: WORKING_SET after 12 h (13 h),
    // FREQUENT after 24 h and 1 h of screen time (25 h), RARE after 48 h and 2 h (49 h).
    // (Quota per bucket is unit-tested in `model::android::quota`.)
    let s = json!({
        "name": "rare",
        "duration": "3d",
        "seed": 1,
        "devices": [{
            "platform": "android",
            "browser": { "sessions": { "at": [["0s", "1h"]] } },
            "network": { "model": "always_online" },
            "android": { "screen_on": { "daily": [["10:00", "12:00"]] } },
            "origins": []
        }]
    });
    let r = run(&s);
    // Over 3 days (72 h): ACTIVE 0–13 h, WORKING_SET 13–25 h, FREQUENT 25–49 h, RARE 49–72 h:
    // per device-day 13/3, 12/3, 24/3 and 23/3 hours.
    let b = &r.summary["android"]["bucket_h_per_device_day"];
    let h = |x: f64| (x * 1e6).round() / 1e6;
    assert_eq!(b["active"], h(13.0 / 3.0));
    assert_eq!(b["working_set"], h(12.0 / 3.0));
    assert_eq!(b["frequent"], h(24.0 / 3.0));
    assert_eq!(b["rare"], h(23.0 / 3.0));
    assert_eq!(b["restricted"], 0.0);
}
