//! DESIGN §8: Background Fetch — download timing at the device's bandwidth, crashes and their
//! wasted bytes, resume, failures, abort, duplicate ids and the android download service.

mod common;

use common::*;
use serde_json::{Value, json};

/// One desktop device, always online unless `offline`, bandwidth 100 kB/s.
fn fetch_scenario(fetch: Value, offline: Value) -> Value {
    let mut s = desktop(json!([{
        "name": "https://pod.example",
        "engagement": { "level": "HIGH" },
        "handler": { "duration": { "fixed": "1s" } },
        "registrations": [fetch]
    }]));
    s["devices"][0]["network"] =
        json!({ "model": "schedule", "offline": offline, "bandwidth": 100_000 });
    s
}

fn mb(n: u64) -> Value {
    json!({ "bytes": n * 1_000_000 })
}

/// The fetches.csv rows, as maps from column to value.
fn fetches(r: &Run) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut rd = csv::Reader::from_path(r.dir.path().join("out/fetches.csv")).unwrap();
    let headers = rd.headers().unwrap().clone();
    rd.records()
        .map(|rec| {
            headers
                .iter()
                .zip(rec.unwrap().iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn completion_time_follows_bandwidth_and_the_offline_window() {
    let s = fetch_scenario(
        json!({ "kind": "fetch", "id": "ep1", "at": "0s", "requests": [mb(1), mb(3)] }),
        json!([["30s", "1m"]]),
    );
    let r = run(&s);
    let f = &fetches(&r)[0];
    // 100 kB/s: request 0 (1 MB) 0–10 s. Request 1 (3 MB) starts at 10 s; the drop at 30 s stops
    // it after 2 MB, which are wasted (no resume). Back online at 60 s it restarts: 3 MB in 30 s,
    // done at 90 s. Downloaded 1 + 2 + 3 = 6 MB, wasted 2 MB; the success event (1 s) ends at 91 s.
    assert_eq!(f["outcome"], "success");
    assert_eq!(f["completed_ms"], "90000");
    assert_eq!(f["downloaded_bytes"], "6000000");
    assert_eq!(f["wasted_bytes"], "2000000");
    assert_eq!(f["event_end_ms"], "91000");
    assert_eq!(r.summary["fetch"]["completion_s"]["p50"], 90.0);
}

#[test]
fn resume_wastes_nothing() {
    let s = fetch_scenario(
        json!({ "kind": "fetch", "id": "ep1", "at": "0s", "requests": [mb(1), mb(3)], "resume": true }),
        json!([["30s", "1m"]]),
    );
    let r = run(&s);
    let f = &fetches(&r)[0];
    // The 2 MB received before the drop are kept: the last 1 MB takes 10 s from 60 s → 70 s.
    assert_eq!(f["completed_ms"], "70000");
    assert_eq!(f["downloaded_bytes"], "4000000");
    assert_eq!(f["wasted_bytes"], "0");
}

#[test]
fn crash_mid_download_resets_exactly_the_active_request() {
    let mut s = fetch_scenario(
        json!({ "kind": "fetch", "id": "ep1", "at": "0s", "requests": [mb(1), mb(1), mb(1)] }),
        json!([]),
    );
    s["devices"][0]["crashes"] = json!({ "at": ["15s"], "restart_delay": "5s" });
    let r = run(&s);
    let f = &fetches(&r)[0];
    // Request 0 completed at 10 s (committed). At 15 s request 1 is active with 0.5 MB: the crash
    // sends it back to pending and wastes those bytes; request 0 stays completed. After the
    // restart at 20 s: request 1 20–30 s, request 2 30–40 s.
    assert_eq!(f["completed_ms"], "40000");
    assert_eq!(f["wasted_bytes"], "500000");
    assert_eq!(f["downloaded_bytes"], "3500000");
    assert_eq!(f["crashes_survived"], "1");
    // Every committed key came back (the monitor would count a missing one).
    assert_eq!(r.summary["invariants"]["violations"], 0);
}

#[test]
fn crash_with_resume_keeps_the_partial_request() {
    let mut s = fetch_scenario(
        json!({ "kind": "fetch", "id": "ep1", "at": "0s", "requests": [mb(1), mb(1), mb(1)], "resume": true }),
        json!([]),
    );
    s["devices"][0]["crashes"] = json!({ "at": ["15s"], "restart_delay": "5s" });
    let r = run(&s);
    let f = &fetches(&r)[0];
    // Request 1 resumes with 0.5 MB left: 20–25 s; request 2 25–35 s.
    assert_eq!(f["completed_ms"], "35000");
    assert_eq!(f["wasted_bytes"], "0");
}

#[test]
fn a_fetch_whose_registration_never_committed_is_lost() {
    let mut s = fetch_scenario(
        json!({ "kind": "fetch", "id": "ep1", "at": "0s", "requests": [mb(1)] }),
        json!([]),
    );
    s["devices"][0]["crashes"] =
        json!({ "at": ["500ms"], "restart_delay": "5s", "storage_write_latency": "1s" });
    let r = run(&s);
    assert_eq!(fetches(&r)[0]["outcome"], "lost");
    assert_eq!(r.summary["fetch"]["lost"], 1);
}

#[test]
fn more_than_ten_requests_download_in_request_order() {
    let requests: Vec<Value> = (0..12).map(|_| json!({ "bytes": 100_000 })).collect();
    let s = fetch_scenario(
        json!({ "kind": "fetch", "id": "big", "at": "0s", "requests": requests }),
        json!([]),
    );
    let scenario = bgsim::scenario::Scenario::parse(&s.to_string(), "t.json").unwrap();
    let opts = bgsim::experiment::RunOptions {
        jobs: 1,
        trace_devices: 1,
        ..Default::default()
    };
    let fleet = bgsim::experiment::run(scenario.fleet(), &opts);
    let f = &fleet.detail[0].1.fetches[0];
    // One second per request, requests 0, 1, …, 11 in that order.
    let order: Vec<u32> = f.segments.iter().map(|s| s.0).collect();
    assert_eq!(order, (0..12).collect::<Vec<_>>());
    assert_eq!(f.finished.map(|t| t.ms()), Some(12_000));
}

#[test]
fn duplicate_developer_id_is_rejected_and_counted() {
    let mut s = fetch_scenario(
        json!({ "kind": "fetch", "id": "ep1", "at": "0s", "requests": [mb(5)] }),
        json!([]),
    );
    s["devices"][0]["origins"][0]["registrations"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "kind": "fetch", "id": "ep1", "at": "10s", "requests": [mb(1)] }));
    let r = run(&s);
    let rows = fetches(&r);
    // The first (5 MB, 50 s) is still active at 10 s.
    assert_eq!(rows[0]["outcome"], "success");
    assert_eq!(rows[1]["outcome"], "rejected");
    assert_eq!(r.summary["fetch"]["register_errors"], 1);
}

#[test]
fn failing_requests_end_the_fetch_with_fail() {
    let s = fetch_scenario(
        json!({ "kind": "fetch", "id": "ep1", "at": "0s", "requests": [mb(1)], "request_failure_probability": 1.0 }),
        json!([]),
    );
    let r = run(&s);
    let f = &fetches(&r)[0];
    // Three failed 10-s attempts (max_request_failures 3): fail at 30 s, all 3 MB wasted.
    assert_eq!(f["outcome"], "fail");
    assert_eq!(f["completed_ms"], "30000");
    assert_eq!(f["request_failures"], "3");
    assert_eq!(f["wasted_bytes"], "3000000");
}

#[test]
fn abort_ends_the_fetch_and_wastes_the_partial_download() {
    let mut s = fetch_scenario(
        json!({ "kind": "fetch", "id": "ep1", "at": "0s", "requests": [mb(10)] }),
        json!([]),
    );
    s["devices"][0]["origins"][0]["events"] =
        json!([{ "at": "25s", "action": "abort", "id": "ep1" }]);
    let r = run(&s);
    let f = &fetches(&r)[0];
    assert_eq!(f["outcome"], "aborted");
    assert_eq!(f["wasted_bytes"], "2500000");
    assert_eq!(f["event_end_ms"], "");
}

#[test]
fn android_download_holds_the_process_and_the_download_service_wakes_it() {
    let s = json!({
        "name": "android-fetch",
        "duration": "1d",
        "devices": [{
            "platform": "android",
            "browser": { "sessions": { "at": [["0s", "1m"]] } },
            "network": { "model": "schedule", "offline": [["90s", "10m"]], "bandwidth": 100_000 },
            "origins": [{
                "name": "https://pod.example",
                "engagement": { "level": "HIGH" },
                "handler": { "duration": { "fixed": "1s" } },
                "registrations": [{ "kind": "fetch", "id": "ep", "at": "30s", "requests": [mb(10)], "resume": true }]
            }]
        }]
    });
    let r = run(&s);
    let f = &fetches(&r)[0];
    // 10 MB at 100 kB/s = 100 s. The session ends at 1 min, but the download holds the process;
    // the drop at 90 s pauses it (6 MB kept) and the idle process is killed at 2 min. When the
    // network returns at 10 min the download service starts the browser (a `fetch` wake-up) and
    // the last 4 MB take 40 s: done at 640 s.
    assert_eq!(f["completed_ms"], "640000");
    assert_eq!(r.summary["wakeups"]["by_cause"]["fetch"], 1);
}

#[test]
fn a_download_holds_an_idle_android_process_without_polling() {
    // Android, session [0, 1 h), idle_kill_after 1 ms. A 360 MB fetch at 59 min at 100 kB/s
    // downloads for 3,600 s, to 1 h 59 m, outlasting the session. The idle kill due at
    // 1 h + 1 ms waits for the download instead of re-checking every millisecond (3.5 M checks
    // before the fix); the process is killed 1 ms after the fetch's completion event ends.
    let mut s = fetch_scenario(
        json!({ "kind": "fetch", "id": "ep", "at": "59m", "requests": [mb(360)] }),
        json!([]),
    );
    s["devices"][0]["platform"] = json!("android");
    // The download service's mechanics alone: Android's power management off (§4.7).
    s["devices"][0]["android"] = json!({ "power_management": false });
    s["devices"][0]["browser"] =
        json!({ "sessions": { "at": [["0s", "1h"]] }, "idle_kill_after": "1ms" });
    let sc = bgsim::scenario::Scenario::parse(&s.to_string(), "t.json").unwrap();
    let fleet = bgsim::experiment::run(sc.fleet(), &bgsim::experiment::RunOptions::default());
    assert!(fleet.totals.events < 20, "{} events", fleet.totals.events);
    let r = run(&s);
    let f = &fetches(&r)[0];
    assert_eq!(f["outcome"], "success");
    assert_eq!(f["completed_ms"], (59 * MIN + 3_600 * S).to_string());
}

#[test]
fn an_idle_kill_of_zero_is_an_input_error() {
    let mut s = fetch_scenario(
        json!({ "kind": "fetch", "id": "ep", "at": "1m", "requests": [mb(1)] }),
        json!([]),
    );
    s["devices"][0]["platform"] = json!("android");
    // The download service's mechanics alone: Android's power management off (§4.7).
    s["devices"][0]["android"] = json!({ "power_management": false });
    s["devices"][0]["browser"] = json!({ "sessions": "always", "idle_kill_after": "0s" });
    let e = bgsim::scenario::Scenario::parse(&s.to_string(), "t.json").unwrap_err();
    assert_eq!(e.path, "devices[0].browser.idle_kill_after");
}

#[test]
fn an_idle_kill_is_not_a_crash_survived() {
    // Android, session [0, 30 min), idle kill after 60 s. A 30 MB fetch at 1 min (300 s at
    // 100 kB/s); the network is off from 2 min to 3 h, so at 30 min the download is paused and
    // the OS kills the idle process at 31 min; the download service restarts it when the network
    // returns and the fetch finishes. No crash happened: crashes_survived is 0 (it counted the
    // kill as 1).
    let mut s = fetch_scenario(
        json!({ "kind": "fetch", "id": "ep", "at": "1m", "requests": [mb(30)] }),
        json!([["2m", "3h"]]),
    );
    s["devices"][0]["platform"] = json!("android");
    // The download service's mechanics alone: Android's power management off (§4.7).
    s["devices"][0]["android"] = json!({ "power_management": false });
    s["devices"][0]["browser"] = json!({ "sessions": { "at": [["0s", "30m"]] } });
    let r = run(&s);
    let f = &fetches(&r)[0];
    assert_eq!(f["outcome"], "success");
    assert_eq!(f["crashes_survived"], "0");
}

// ---- §8 the scheduler: two active registrations, one per origin, sharing the bandwidth -------

/// One desktop device at 1 MB/s with one origin per entry of `origins`, each holding the
/// given fetches (all registered at 0 s, in order: origin by origin).
fn scheduled(origins: &[&[(&str, u64)]]) -> Value {
    let list: Vec<Value> = origins
        .iter()
        .enumerate()
        .map(|(o, fetches)| {
            let regs: Vec<Value> = fetches
                .iter()
                .map(|(id, n)| json!({ "kind": "fetch", "id": id, "at": "0s", "requests": [mb(*n)] }))
                .collect();
            json!({
                "name": format!("https://o{o}.example"),
                "engagement": { "level": "HIGH" },
                "handler": { "duration": { "fixed": "1s" } },
                "registrations": regs
            })
        })
        .collect();
    let mut s = desktop(Value::Array(list));
    s["devices"][0]["network"] = json!({ "model": "always_online", "bandwidth": 1_000_000 });
    s
}

fn completed(r: &Run) -> Vec<(String, u64)> {
    fetches(r)
        .iter()
        .map(|f| (f["id"].clone(), f["completed_ms"].parse().unwrap()))
        .collect()
}

#[test]
fn fetches_of_one_origin_run_one_after_another() {
    let r = run(&scheduled(&[&[("a", 90), ("b", 90), ("c", 90), ("d", 90)]]));
    // background_fetch_scheduler.cc: active registrations come from distinct origins, so one
    // origin's four 90 MB fetches run one at a time with the whole 1 MB/s: 90, 180, 270, 360 s.
    assert_eq!(
        completed(&r),
        vec![
            ("a".into(), 90 * S),
            ("b".into(), 180 * S),
            ("c".into(), 270 * S),
            ("d".into(), 360 * S)
        ]
    );
}

#[test]
fn two_origins_share_the_bandwidth_and_a_third_waits() {
    let r = run(&scheduled(&[&[("a", 90)], &[("b", 90)], &[("c", 90)]]));
    // Two active registrations (kMaxActiveRegistrations 2): a and b download at 0.5 MB/s each
    // and both end at 180 s; c waits in registration order, then has the whole 1 MB/s: 270 s.
    assert_eq!(
        completed(&r),
        vec![
            ("a".into(), 180 * S),
            ("b".into(), 180 * S),
            ("c".into(), 270 * S)
        ]
    );
}

#[test]
fn a_download_speeds_up_when_the_other_one_ends() {
    let r = run(&scheduled(&[&[("small", 30)], &[("big", 90)]]));
    // Sharing 1 MB/s: small (30 MB) ends at 60 s, when big has 30 MB; big gets the whole
    // bandwidth for its last 60 MB: 60 + 60 = 120 s.
    assert_eq!(
        completed(&r),
        vec![("small".into(), 60 * S), ("big".into(), 120 * S)]
    );
}
