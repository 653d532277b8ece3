//! DESIGN §4.2 and §4.6: pages register. A register call needs an open page, i.e. a user
//! session (background_sync_manager.cc RegisterDidCheckIfMainFrame); Poisson arrivals run on
//! the session clock by default.

mod common;

use common::*;
use serde_json::{Value, json};

/// One android device with one installed HIGH origin, always online.
fn android(sessions: Value, regs: Value) -> Value {
    json!({
        "name": "pages",
        "duration": "1d",
        "seed": 11,
        "devices": [{
            "platform": "android",
            "browser": { "sessions": sessions },
            "network": { "model": "always_online" },
            "android": { "power_management": false },
            "origins": [{
                "name": "https://app.example",
                "installed": true,
                "engagement": { "level": "HIGH" },
                "handler": { "duration": { "fixed": "2s" } },
                "registrations": regs
            }]
        }]
    })
}

#[test]
fn a_register_call_in_a_process_without_a_session_is_rejected_as_no_page() {
    let s = android(
        json!({ "at": [["0s", "5m"]] }),
        json!([
            { "kind": "periodic", "tag": "p", "min_interval": "12h", "at": "1m" },
            { "kind": "one_shot", "tag": "bg", "at": "12h1m30s" },
            { "kind": "one_shot", "tag": "late", "at": "13h" }
        ]),
    );
    let r = run(&s);
    // p's wake-up task starts the browser at 12 h 1 min; the OS kills it 60 s after that start
    // (12 h 2 min). It runs without a session meanwhile: the call at 12 h 1 min 30 s has no page.
    // At 13 h the browser is not running at all.
    assert_eq!(wakeups(&r)[0], (12 * H + MIN, "periodic".to_string()));
    assert_eq!(r.summary["one_shot"]["rejected_by"]["no_page"], 1);
    assert_eq!(r.summary["one_shot"]["rejected_by"]["browser_down"], 1);
    let states: Vec<(&str, &str)> = r
        .regs
        .iter()
        .map(|g| (g.tag.as_str(), g.final_state.as_str()))
        .collect();
    assert!(states.contains(&("bg", "rejected")) && states.contains(&("late", "rejected")));
}

/// Registration times of a one-shot arrival process, in order.
fn registered(r: &Run) -> Vec<u64> {
    let mut t: Vec<u64> = r.regs.iter().map(|g| g.registered).collect();
    t.sort_unstable();
    t
}

#[test]
fn arrivals_during_sessions_run_on_the_session_clock() {
    let arrivals = json!([{
        "kind": "one_shot", "tag": "m-{n}",
        "arrivals": { "mean_interval": "30m" }
    }]);
    // The same arrival stream (same seed, origin and entry) once with the browser always open
    // (session time = time) and once with a daily session 08:00–12:00.
    let mut always = android(json!("always"), arrivals.clone());
    always["duration"] = json!("3d");
    let mut daily = android(json!({ "daily": [["08:00", "12:00"]] }), arrivals);
    daily["duration"] = json!("3d");
    let plain = registered(&run(&always));
    let r = run(&daily);
    let in_sessions = registered(&r);
    // The n-th call happens after the same amount of session time: T_n of the always-open run.
    // With 4 h of session a day, T_n maps to day ⌊T_n / 4 h⌋ at 08:00 + (T_n mod 4 h); calls
    // whose session time exceeds the 12 h of sessions in 3 days never happen.
    let expected: Vec<u64> = plain
        .iter()
        .filter(|&&t| t < 12 * H)
        .map(|&t| (t / (4 * H)) * D + 8 * H + t % (4 * H))
        .collect();
    assert!(expected.len() > 10, "{expected:?}");
    assert_eq!(in_sessions, expected);
    // Every call had a page: none rejected.
    assert_eq!(r.summary["one_shot"]["rejected_by"]["no_page"], 0);
    assert_eq!(r.summary["one_shot"]["rejected_by"]["browser_down"], 0);
}

#[test]
fn arrivals_always_keep_the_plain_process_and_count_what_had_no_page() {
    let arrivals = json!([{
        "kind": "one_shot", "tag": "m-{n}",
        "arrivals": { "mean_interval": "30m", "during": "always" }
    }]);
    let plain = registered(&run(&android(json!("always"), arrivals.clone())));
    let r = run(&android(json!({ "daily": [["08:00", "12:00"]] }), arrivals));
    // The plain clock: the same call times as with the browser always open. Only the calls
    // inside 08:00–12:00 had a page; the others are rejected, as browser_down when no process
    // ran, or no_page in the minute the backgrounded process lives on after a session.
    assert_eq!(registered(&r), plain);
    let inside = plain
        .iter()
        .filter(|&&t| (8 * H..12 * H).contains(&t))
        .count() as u64;
    let rejected = &r.summary["one_shot"]["rejected_by"];
    let refused =
        rejected["browser_down"].as_u64().unwrap() + rejected["no_page"].as_u64().unwrap();
    assert_eq!(refused, plain.len() as u64 - inside);
}

// ---- §3.1 permissions -------------------------------------------------------------------------

fn desktop_with(origin_extra: Value, regs: Value, events: Value) -> Value {
    let mut o = origin(json!({ "duration": { "fixed": "2s" } }), regs);
    for (k, v) in origin_extra.as_object().unwrap() {
        o[k] = v.clone();
    }
    o["events"] = events;
    desktop(json!([o]))
}

#[test]
fn a_blocked_background_sync_setting_denies_register_calls() {
    let s = desktop_with(
        json!({ "background_sync": "block" }),
        json!([
            { "kind": "one_shot", "tag": "o", "at": "1m" },
            { "kind": "periodic", "tag": "p", "min_interval": "12h", "at": "1m" }
        ]),
        json!([]),
    );
    let r = run(&s);
    // background_sync_manager.cc RegisterDidAskForPermission: DENIED → PERMISSION_DENIED.
    assert!(r.attempts.is_empty());
    assert_eq!(r.summary["one_shot"]["rejected_by"]["permission_denied"], 1);
    assert_eq!(r.summary["periodic"]["rejected_by"]["permission_denied"], 1);
}

#[test]
fn blocking_background_sync_unregisters_the_origins_periodic_registrations() {
    let s = desktop_with(
        json!({}),
        json!([
            { "kind": "periodic", "tag": "p", "min_interval": "12h", "at": "0s" },
            { "kind": "one_shot", "tag": "before", "at": "1m" },
            { "kind": "one_shot", "tag": "blocked", "at": "3h" },
            { "kind": "one_shot", "tag": "after", "at": "5h" }
        ]),
        json!([
            { "at": "2h", "action": "block_background_sync" },
            { "at": "4h", "action": "allow_background_sync" }
        ]),
    );
    let r = run(&s);
    // p (due 12 h) is unregistered by the block at 2 h and never fires; `before` fired at 1 min
    // and succeeded; `blocked` (3 h) is denied; `after` (5 h, allowed again) fires at once.
    let state = |tag: &str| {
        r.regs
            .iter()
            .find(|g| g.tag == tag)
            .map(|g| g.final_state.clone())
            .unwrap()
    };
    assert_eq!(state("p"), "unregistered");
    assert_eq!(state("before"), "succeeded");
    assert_eq!(state("blocked"), "rejected");
    assert_eq!(state("after"), "succeeded");
    assert!(starts(&r, "p").is_empty());
    assert_eq!(starts(&r, "after"), vec![5 * H]);
    assert_eq!(r.summary["one_shot"]["rejected_by"]["permission_denied"], 1);
}

#[test]
fn android_without_play_services_disables_background_sync() {
    let mut s = android(
        json!("always"),
        json!([
            { "kind": "one_shot", "tag": "o", "at": "1m" },
            { "kind": "periodic", "tag": "p", "min_interval": "12h", "at": "1m" }
        ]),
    );
    s["devices"][0]["browser"]["play_services"] = json!(false);
    let r = run(&s);
    // BackgroundSyncLauncherAndroid::ShouldDisableBackgroundSync → parameters->disable: the
    // manager is disabled and every register call fails.
    assert!(r.attempts.is_empty());
    assert_eq!(r.summary["one_shot"]["rejected_by"]["disabled"], 1);
    assert_eq!(r.summary["periodic"]["rejected_by"]["disabled"], 1);
}
