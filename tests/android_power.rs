//! DESIGN §4.7: Android's power management decides when the browser's wake-up tasks run.
//! Doze's state machine, the buckets and the quotas are unit-tested in `model::android`; these
//! pin what they do to a device's rows.

mod common;

use common::*;
use serde_json::{Value, json};

/// One android phone used 0–10 min, always online, never still; a one-shot registered at
/// 9 min 59 s fails once (2 s handler) and then succeeds.
fn phone(android: Value) -> Value {
    let handler = json!({ "duration": { "fixed": "2s" }, "outcomes": ["fail", "success"] });
    android_phone(handler, "9m59s", android)
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

#[test]
fn the_timeline_shows_the_first_device_day_with_doze_and_the_deferred_wakeup() {
    // timeline.csv for device 0 on its busiest day (day 0, its only wake-up): the screen on
    // 0–10 min, then off; doze active while the screen is on, inactive 10–11 min, light idle
    // 11–16, the first maintenance window 16–17; the retry wake-up asked for at 15 min 1 s and
    // run at 16 min.
    let r = run(&phone(json!({})));
    let mut rd = csv::Reader::from_path(r.dir.path().join("out/timeline.csv")).unwrap();
    let rows: Vec<(String, u64, u64, String)> = rd
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            assert_eq!((&rec[0], &rec[1]), ("0", "0"));
            (
                rec[2].to_string(),
                rec[3].parse().unwrap(),
                rec[4].parse().unwrap(),
                rec[5].to_string(),
            )
        })
        .collect();
    let lane = |name: &str, n: usize| -> Vec<(u64, u64, String)> {
        rows.iter()
            .filter(|r| r.0 == name)
            .take(n)
            .map(|r| (r.1, r.2, r.3.clone()))
            .collect()
    };
    let m = 60_000;
    assert_eq!(
        lane("screen", 2),
        vec![(0, 10 * m, "on".into()), (10 * m, 1440 * m, "off".into())]
    );
    assert_eq!(
        lane("doze", 4),
        vec![
            (0, 10 * m, "active".into()),
            (10 * m, 11 * m, "inactive".into()),
            (11 * m, 16 * m, "light_idle".into()),
            (16 * m, 17 * m, "light_maintenance".into()),
        ]
    );
    assert_eq!(
        lane("wake-ups", 5),
        vec![(901_000, 960_000, "retry".into())]
    );
}

#[test]
fn a_rare_browser_out_of_quota_runs_its_periodic_wakeup_a_day_later() {
    // Doze pushed out of the way (its first timeouts set to 30 days) and the older task
    // scheduler (no lingering recovery tasks), so that only the quota moves wake-ups; RARE may
    // run one job session a day (`max_session_count_rare=1`). The browser's only session ends
    // at 1 h; other apps keep the screen on 10:00–12:00: FREQUENT from 25 h, RARE from 49 h.
    // A periodic registration at 30 min (HIGH, 12 h) fires at 12:30, then 12 h after each 2-s
    // event: 24:30:02 (WORKING_SET), 36:30:04 and 48:30:06 (FREQUENT) run on time. The next,
    // asked for at 60:30:08, is in RARE with a session in the last 24 h (48:30:06–48:30:08):
    // it waits until that session leaves the window, 72:30:08.
    let s = json!({
        "name": "rare-quota",
        "duration": "4d",
        "seed": 1,
        "policy": { "preset": "chromium", "params": {
            "light_idle_after_inactive_timeout": "30d",
            "inactive_timeout": "30d",
            "wakeup_reschedule": "always",
            "max_session_count_rare": 1
        }},
        "devices": [{
            "platform": "android",
            "browser": { "sessions": { "at": [["0s", "1h"]] } },
            "network": { "model": "always_online" },
            "android": { "screen_on": { "daily": [["10:00", "12:00"]] } },
            "origins": [{
                "name": "https://app.example",
                "installed": true,
                "engagement": { "level": "HIGH" },
                "handler": { "duration": { "fixed": "2s" } },
                "registrations": [
                    { "kind": "periodic", "tag": "p", "min_interval": "12h", "at": "30m" }
                ]
            }]
        }]
    });
    let r = run(&s);
    let h = 3_600_000u64;
    let at = |hours: u64, secs: u64| hours * h + 30 * 60_000 + secs * 1000;
    assert_eq!(
        wakeup_rows(&r),
        vec![
            (at(12, 0), at(12, 0), "periodic".to_string()),
            (at(24, 2), at(24, 2), "periodic".to_string()),
            (at(36, 4), at(36, 4), "periodic".to_string()),
            (at(48, 6), at(48, 6), "periodic".to_string()),
            (at(60, 8), at(72, 8), "periodic".to_string()),
        ]
    );
    // Two refusals: 60:30:08, and the next period (84:30:10), which would run at 96:30:10 —
    // past the 4-day horizon.
    assert_eq!(r.summary["android"]["quota_deferrals"], 2);
}

#[test]
fn doze_steps_nobody_observes_change_no_output_byte() {
    // Light doze's steps are queued only while something could observe them (and always on a
    // traced device); otherwise they are replayed before the next event, steady cycles at once.
    // Tracing every device therefore runs every step as an event: the outputs must not change.
    let path = format!("{}/scenarios/android-doze.json", env!("CARGO_MANIFEST_DIR"));
    let mut s = bgsim::scenario::Scenario::load(&path).unwrap();
    s.override_devices(4).unwrap();
    s.override_days(6).unwrap();
    let write = |trace: u64| {
        let fleet = bgsim::experiment::run(
            s.fleet(),
            &bgsim::experiment::RunOptions {
                jobs: 1,
                trace_devices: trace,
                ..Default::default()
            },
        );
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let opts = bgsim::output::WriteOptions {
            charts: false,
            force: false,
        };
        bgsim::output::write_run(&out, &s, &fleet, &opts).unwrap();
        [
            "attempts.csv",
            "registrations.csv",
            "wakeups.csv",
            "daily.csv",
            "summary.json",
        ]
        .map(|f| std::fs::read(out.join(f)).unwrap())
    };
    let (quiet, traced) = (write(0), write(4));
    assert!(
        !quiet[0].is_empty() && quiet[2].len() > 100,
        "the scenario does something"
    );
    assert!(
        quiet == traced,
        "tracing (every doze step queued) changed an output"
    );
}

#[test]
fn light_steps_after_a_registration_falls_due_are_not_replayed_quietly() {
    // Once a registration is due, every later light-doze step is observed (the app may act
    // when its network comes back), so quiet replay must stop at the due time. bench-fleet's
    // device 1738, day 10: a registration is due while the phone is in light doze, and the
    // maintenance windows at 17:25, 18:29 and 19:33 each bring the network back to an app with
    // something to do; the profile's engagement is stale, so each full step rebases the
    // scores. Replaying the steady cycle past the due time skipped those steps (one rebase at
    // the next event, 20:00, instead): news-4's score kept 27 min more of engagement and its
    // periodic sync on day 12 at 20:00:11.807 counted at MEDIUM (total 15.04) instead of LOW
    // (14.88, below the medium boundary of 15), as every step run in full (a traced device)
    // has it. Traced or not, the device's totals must be the same (but for the events counted).
    let path = format!("{}/scenarios/bench-fleet.json", env!("CARGO_MANIFEST_DIR"));
    let mut s = bgsim::scenario::Scenario::load(&path).unwrap();
    s.override_devices(2000).unwrap();
    let totals = |trace: u64| {
        let opts = bgsim::experiment::RunOptions {
            jobs: 1,
            detail_devices: 0,
            trace_devices: trace,
            ..Default::default()
        };
        let fleet = bgsim::experiment::run_range(s.fleet(), &opts, 1738..1739);
        let mut totals = serde_json::to_value(&fleet.totals).unwrap();
        totals.as_object_mut().unwrap().remove("events");
        totals
    };
    let (quiet, traced) = (totals(0), totals(2000));
    assert_eq!(quiet["by_tier"]["Low"]["attempts"], 113);
    assert_eq!(quiet, traced);
}
