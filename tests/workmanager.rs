//! DESIGN §3.4: the `workmanager` peer — WorkManager's backoff, periodic interval floor and flex
//! window, App Standby Bucket deferral, and jobs that start their app.

mod common;

use common::*;
use serde_json::{Value, json};

fn wm(level: &str, handler: Value, regs: Value) -> Value {
    json!({
        "name": "wm",
        "duration": "2d",
        "policy": { "preset": "workmanager" },
        "devices": [{
            "platform": "android",
            "browser": { "sessions": { "at": [["0s", "10h"]] } },
            "network": { "model": "always_online" },
            "android": { "power_management": false },
            "origins": [{
                "name": "https://app.example",
                "engagement": { "level": level },
                "handler": handler,
                "registrations": regs
            }]
        }]
    })
}

fn starts(r: &Run) -> Vec<u64> {
    r.attempts.iter().map(|a| a.start).collect()
}

#[test]
fn one_time_work_backs_off_30s_60s_120s() {
    let s = wm(
        "HIGH",
        json!({ "duration": { "fixed": "2s" }, "outcomes": ["fail", "fail", "fail", "fail", "success"] }),
        json!([{ "kind": "one_shot", "tag": "t", "at": "0s" }]),
    );
    let r = run(&s);
    // Fails end at 2 s, then backoff 30 s → 32 s; 34 s + 60 s → 94 s; 96 s + 120 s → 216 s;
    // 218 s + 240 s → 458 s, which succeeds. No attempt cap: no last chance, no give-up.
    assert_eq!(starts(&r), vec![0, 32 * S, 94 * S, 216 * S, 458 * S]);
    assert!(r.attempts.iter().all(|a| !a.last_chance));
    assert_eq!(r.regs[0].final_state, "succeeded");
}

#[test]
fn work_max_attempts_caps_one_time_work() {
    let mut s = wm(
        "HIGH",
        json!({ "duration": { "fixed": "2s" }, "outcomes": ["fail", "fail", "fail"] }),
        json!([{ "kind": "one_shot", "tag": "t", "at": "0s" }]),
    );
    s["policy"]["params"] = json!({ "work_max_attempts": 2 });
    let r = run(&s);
    assert_eq!(starts(&r), vec![0, 32 * S]);
    assert_eq!(r.regs[0].final_state, "gave_up");
}

#[test]
fn periodic_work_has_a_15_minute_floor_measured_from_the_previous_run() {
    let s = wm(
        "HIGH",
        json!({ "duration": { "fixed": "2s" } }),
        json!([{ "kind": "periodic", "tag": "p", "min_interval": "5m", "at": "1h" }]),
    );
    let r = run(&s);
    // Flex = interval: the first run is immediate (1 h). The interval is max(5 min, 15 min);
    // each next run is 15 min after the previous one finished: 1 h 15 min 2 s, then + 15 min 2 s.
    let st = starts(&r);
    assert_eq!(st[..3], [H, H + 15 * MIN + 2 * S, H + 30 * MIN + 4 * S]);
}

#[test]
fn flex_window_places_the_first_run_at_interval_minus_flex() {
    let mut s = wm(
        "HIGH",
        json!({ "duration": { "fixed": "2s" } }),
        json!([{ "kind": "periodic", "tag": "p", "min_interval": "1h", "at": "1h" }]),
    );
    s["policy"]["params"] = json!({ "work_flex": "15m" });
    let r = run(&s);
    // interval 1 h, flex 15 min: the first run waits 60 − 15 = 45 min → 1 h 45 min; then 1 h
    // after it finished → 2 h 45 min 2 s.
    assert_eq!(starts(&r)[..2], [H + 45 * MIN, 2 * H + 45 * MIN + 2 * S]);
}

#[test]
fn standby_buckets_defer_by_engagement() {
    let s = wm(
        "MEDIUM",
        json!({ "duration": { "fixed": "2s" } }),
        json!([{ "kind": "one_shot", "tag": "t", "at": "3h1m" }]),
    );
    let r = run(&s);
    // MEDIUM → WORKING_SET: deferred to the next 2-h window, 4 h.
    assert_eq!(starts(&r), vec![4 * H]);
}

#[test]
fn a_runnable_job_starts_the_app_and_counts_a_wakeup() {
    let s = wm(
        "HIGH",
        json!({ "duration": { "fixed": "2s" } }),
        json!([{ "kind": "periodic", "tag": "p", "min_interval": "12h", "at": "1h" }]),
    );
    let r = run(&s);
    // First run at 1 h (in the session); the next, 12 h after it finished (13 h 2 s), is after
    // the session ended at 10 h: JobScheduler starts the app, a periodic wake-up.
    assert_eq!(starts(&r)[1], 13 * H + 2 * S);
    assert_eq!(
        r.summary["wakeups"]["by_cause"]["periodic"]
            .as_u64()
            .unwrap(),
        3
    );
}

#[test]
fn shootout_is_deterministic_under_compare() {
    let tmp = tempfile::tempdir().unwrap();
    let run_compare = |dir: &std::path::Path| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_bgsim"))
            .args([
                "compare",
                "scenarios/policy-shootout.json",
                "--policy",
                "chromium",
                "--policy",
                "design-2019",
                "--policy",
                "workmanager",
                "--devices",
                "3",
                "--days",
                "5",
                "--quiet",
                "--out",
            ])
            .arg(dir)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read(dir.join("compare.csv")).unwrap()
    };
    let a = run_compare(&tmp.path().join("a"));
    let b = run_compare(&tmp.path().join("b"));
    assert_eq!(a, b);
    let text = String::from_utf8(a).unwrap();
    assert!(text.contains(",workmanager,") && text.contains(",design-2019,"));
}

#[test]
fn periodic_work_with_a_zero_interval_runs_at_the_floor_not_in_a_loop() {
    // min_interval 0 and a 0 s handler: the interval is floored at work_min_periodic_interval
    // (15 min), flex = interval, so the first run is at 0 and each next one 15 min after the
    // previous finished: 0, 15 m, …, 23 h 45 m = 96 runs a day (2 days: 192). Before the floor
    // was required to be > 0, `--set work_min_periodic_interval=0s` re-ran forever at t = 0.
    let s = wm(
        "HIGH",
        json!({ "duration": { "fixed": "0s" } }),
        json!([{ "kind": "periodic", "tag": "p", "min_interval": "0s", "at": "0s" }]),
    );
    let r = run(&s);
    let got = starts(&r);
    assert_eq!(got.len(), 192);
    assert_eq!(&got[..3], &[0, 15 * MIN, 30 * MIN]);
}
