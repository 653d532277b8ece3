//! DESIGN §3.1 (periodic part) and SEMANTICS S5, S8, S9 with pinned engagement levels.

mod common;

use common::*;
use serde_json::json;

fn periodic_origin(
    level: &str,
    outcomes: serde_json::Value,
    regs: serde_json::Value,
) -> serde_json::Value {
    json!({
        "name": "https://news.example",
        "installed": true,
        "engagement": { "level": level },
        "handler": { "duration": { "fixed": "2s" }, "outcomes": outcomes },
        "registrations": regs
    })
}

fn starts(r: &Run, tag: &str) -> Vec<u64> {
    r.attempts
        .iter()
        .filter(|a| a.tag == tag)
        .map(|a| a.start)
        .collect()
}

#[test]
fn min_interval_13h_at_high_fires_at_24h_and_48h_not_before() {
    let mut s = desktop(json!([periodic_origin(
        "HIGH",
        json!([]),
        json!([
            { "kind": "periodic", "tag": "news", "min_interval": "13h", "at": "0s" }
        ])
    )]));
    s["duration"] = json!("3d");
    let r = run(&s);
    // SnapToMaxOriginFrequency(13 h, 12 h) = 24 h; never immediately at registration. After the
    // success at 24 h + 2 s the next is 24 h later: 48 h + 2 s.
    assert_eq!(starts(&r, "news"), vec![24 * H, 48 * H + 2 * S]);
    assert!(
        r.attempts
            .iter()
            .all(|a| !a.last_chance && a.kind == "periodic")
    );
}

#[test]
fn engagement_level_scales_the_first_delay() {
    let mut s = desktop(json!([
        periodic_origin("MEDIUM", json!([]), json!([{ "kind": "periodic", "tag": "m", "min_interval": "12h", "at": "0s" }])),
        {
            "name": "https://minimal.example", "installed": true,
            "engagement": { "level": "MINIMAL" },
            "handler": { "duration": { "fixed": "2s" } },
            "registrations": [{ "kind": "periodic", "tag": "x", "min_interval": "12h", "at": "0s" }]
        }
    ]));
    s["duration"] = json!("3d");
    let r = run(&s);
    // MEDIUM penalty 2 → 24 h; MINIMAL penalty 3 → 36 h.
    assert_eq!(starts(&r, "m")[0], 24 * H);
    assert_eq!(starts(&r, "x")[0], 36 * H);
}

#[test]
fn engagement_none_is_suspended_and_never_fires() {
    let mut s = desktop(json!([periodic_origin(
        "NONE",
        json!([]),
        json!([
            { "kind": "periodic", "tag": "news", "min_interval": "12h", "at": "0s" }
        ])
    )]));
    s["duration"] = json!("5d");
    let r = run(&s);
    assert!(r.attempts.is_empty());
    assert_eq!(r.regs[0].final_state, "suspended");
    assert_eq!(r.summary["periodic"]["suspended"], 1);
}

#[test]
fn failed_periodic_event_retries_5_then_15_minutes_then_waits_a_period() {
    let s = desktop(json!([periodic_origin(
        "HIGH",
        json!(["fail", "fail", "fail"]),
        json!([
            { "kind": "periodic", "tag": "news", "min_interval": "12h", "at": "0s" }
        ])
    )]));
    let r = run(&s);
    // 12 h: fail (n = 1) → +5 min after the 2-s event; fail (n = 2) → +15 min; fail: n = 3 =
    // max_attempts → reset to 0 → next period 12 h after that failure ended. The script is then
    // exhausted (success_probability 1): success, and the next period 12 h later (< 2 d).
    let t1 = 12 * H;
    let t2 = t1 + 2 * S + 5 * MIN;
    let t3 = t2 + 2 * S + 15 * MIN;
    let t4 = t3 + 2 * S + 12 * H;
    let t5 = t4 + 2 * S + 12 * H;
    assert_eq!(starts(&r, "news"), vec![t1, t2, t3, t4, t5]);
    let attempts: Vec<u32> = r.attempts.iter().map(|a| a.attempt).collect();
    assert_eq!(attempts, vec![1, 2, 3, 1, 1]);
}

#[test]
fn second_registration_of_an_origin_keeps_the_min_gap() {
    let s = desktop(json!([periodic_origin(
        "HIGH",
        json!([]),
        json!([
            { "kind": "periodic", "tag": "a", "min_interval": "11h", "at": "0s" },
            { "kind": "periodic", "tag": "b", "min_interval": "11h", "at": "11h" }
        ])
    )]));
    let r = run(&s);
    // a: 11 h → 12 h, due at 12 h. b at 11 h: delay 12 h, T = 1 h → 12 ≤ 1 + 12 → T + G = 13 h,
    // due at 24 h.
    assert_eq!(starts(&r, "a")[0], 12 * H);
    assert_eq!(starts(&r, "b")[0], 24 * H);
}

#[test]
fn same_instant_registrations_are_aligned() {
    let s = desktop(json!([periodic_origin(
        "HIGH",
        json!([]),
        json!([
            { "kind": "periodic", "tag": "a", "min_interval": "12h", "at": "1h" },
            { "kind": "periodic", "tag": "b", "min_interval": "12h", "at": "1h" }
        ])
    )]));
    let r = run(&s);
    // b sees T = 12 h (a due at 13 h): 12 ≤ 12 − 12 fails, 12 ≤ 12 → T: aligned at 13 h.
    assert_eq!(starts(&r, "a")[0], 13 * H);
    assert_eq!(starts(&r, "b")[0], 13 * H);
}

#[test]
fn periodic_needs_an_installed_app() {
    let mut s = desktop(json!([periodic_origin(
        "HIGH",
        json!([]),
        json!([
            { "kind": "periodic", "tag": "news", "min_interval": "12h", "at": "0s" }
        ])
    )]));
    s["devices"][0]["origins"][0]["installed"] = json!(false);
    let r = run(&s);
    assert_eq!(r.regs[0].final_state, "rejected");
    assert!(r.attempts.is_empty());
}

#[test]
fn one_shot_and_periodic_with_the_same_tag_are_independent() {
    let s = desktop(json!([periodic_origin(
        "HIGH",
        json!([]),
        json!([
            { "kind": "periodic", "tag": "sync", "min_interval": "12h", "at": "0s" },
            { "kind": "one_shot", "tag": "sync", "at": "0s" }
        ])
    )]));
    let r = run(&s);
    // Two objects: the one-shot fires at 0 and succeeds; the periodic fires at 12 h.
    assert_eq!(r.regs.len(), 2);
    let kinds: Vec<(&str, u64)> = r
        .attempts
        .iter()
        .map(|a| (a.kind.as_str(), a.start))
        .collect();
    assert_eq!(kinds[0], ("one_shot", 0));
    assert_eq!(kinds[1], ("periodic", 12 * H));
}

#[test]
fn reregister_with_a_different_min_interval_replaces() {
    let s = desktop(json!([periodic_origin(
        "HIGH",
        json!([]),
        json!([
            { "kind": "periodic", "tag": "news", "min_interval": "12h", "at": "0s" },
            { "kind": "periodic", "tag": "news", "min_interval": "24h", "at": "6h" }
        ])
    )]));
    let r = run(&s);
    // The old object ends unregistered; the new one (registered at 6 h) is due 24 h later = 30 h.
    assert_eq!(r.regs[0].final_state, "unregistered");
    assert_eq!(r.regs[1].registered, 6 * H);
    assert_eq!(starts(&r, "news"), vec![30 * H]);
}
