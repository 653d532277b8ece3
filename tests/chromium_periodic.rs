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

// ---- Reference expectations of background_sync_controller_impl_unittest.cc, through scenarios ----

fn first_fire(level_or_score: serde_json::Value, regs: serde_json::Value) -> Run {
    let mut s = desktop(json!([{
        "name": "https://news.example",
        "installed": true,
        "engagement": level_or_score,
        "handler": { "duration": { "fixed": "2s" } },
        "registrations": regs
    }]));
    s["duration"] = json!("4d");
    run(&s)
}

#[test]
fn max_frequency_for_origin_at_high_engagement() {
    // SnapToMaxOriginFrequency with gap 12 h: 11 h → 12 h, 13 h → 24 h, 48 h → 48 h, 0 → 12 h.
    for (min_interval, expected_h) in [("11h", 12), ("13h", 24), ("48h", 48), ("0s", 12)] {
        let r = first_fire(
            json!({ "level": "HIGH" }),
            json!([{ "kind": "periodic", "tag": "p", "min_interval": min_interval, "at": "0s" }]),
        );
        assert_eq!(
            starts(&r, "p")[0],
            expected_h * H,
            "min_interval {min_interval}"
        );
    }
}

#[test]
fn engagement_score_at_the_medium_boundary_gives_24h() {
    // initial_score 15 = the medium boundary → MEDIUM → penalty 2 → 24 h.
    let r = first_fire(
        json!({ "initial_score": 15 }),
        json!([{ "kind": "periodic", "tag": "p", "min_interval": "12h", "at": "0s" }]),
    );
    assert_eq!(starts(&r, "p")[0], 24 * H);
    assert_eq!(r.attempts[0].kind, "periodic");
}

#[test]
fn engagement_score_half_gives_36h() {
    // Score 0.5: MINIMAL (not below the 0.5 cleanup threshold) → penalty 3 → 36 h.
    let r = first_fire(
        json!({ "initial_score": 0.5 }),
        json!([{ "kind": "periodic", "tag": "p", "min_interval": "12h", "at": "0s" }]),
    );
    assert_eq!(starts(&r, "p")[0], 36 * H);
}

#[test]
fn engagement_score_zero_never_fires_until_revived_by_a_visit() {
    let r = first_fire(
        json!({ "initial_score": 0, "visits": { "at": ["10h"] } }),
        json!([{ "kind": "periodic", "tag": "p", "min_interval": "12h", "at": "0s" }]),
    );
    // Suspended at registration (NONE). The 10 h visit gives 1.5 + 1.5 = 3 points → LOW →
    // revived with penalty 2: due 10 h + 24 h = 34 h.
    assert_eq!(starts(&r, "p")[0], 34 * H);
    assert_eq!(r.attempts[0].outcome, "success");
}

#[test]
fn without_a_visit_a_score_zero_registration_stays_suspended() {
    let r = first_fire(
        json!({ "initial_score": 0 }),
        json!([{ "kind": "periodic", "tag": "p", "min_interval": "12h", "at": "0s" }]),
    );
    assert!(r.attempts.is_empty());
    assert_eq!(r.regs[0].final_state, "suspended");
}

#[test]
fn cross_registration_limits_for_origin() {
    // "x" (min_interval 11 h → 12 h) registered when the origin's other registration "o" is due
    // in T. o's due time is fixed by its own min_interval, registered at 0.
    //   T = 0:    o 12 h, x at 12 h: 12 ≤ 0 + 12 → T + G = 12 h → x at 24 h.
    //   T = 13 h: o 24 h, x at 11 h: 12 ≤ 13 → T = 13 h → x at 24 h.
    //   T = 24 h: o 36 h, x at 12 h: 12 ≤ 24 − 12 → 12 h → x at 24 h.
    //   T = 1 h:  o 12 h, x at 11 h: 12 ≤ 1 + 12 → 13 h → x at 24 h.
    for (o_interval, x_at) in [
        ("12h", "12h"),
        ("24h", "11h"),
        ("36h", "12h"),
        ("12h", "11h"),
    ] {
        let r = first_fire(
            json!({ "level": "HIGH" }),
            json!([
                { "kind": "periodic", "tag": "o", "min_interval": o_interval, "at": "0s" },
                { "kind": "periodic", "tag": "x", "min_interval": "11h", "at": x_at }
            ]),
        );
        assert_eq!(starts(&r, "x")[0], 24 * H, "o {o_interval}, x at {x_at}");
    }
    // (min_interval 13 h → 24 h, T = 1 h): 24 > 1 + 12 → 24 h → x at 11 h + 24 h = 35 h.
    let r = first_fire(
        json!({ "level": "HIGH" }),
        json!([
            { "kind": "periodic", "tag": "o", "min_interval": "12h", "at": "0s" },
            { "kind": "periodic", "tag": "x", "min_interval": "13h", "at": "11h" }
        ]),
    );
    assert_eq!(starts(&r, "x")[0], 35 * H);
}

#[test]
fn attempts_record_the_level_at_dispatch() {
    let r = first_fire(
        json!({ "initial_score": 15 }),
        json!([{ "kind": "periodic", "tag": "p", "min_interval": "12h", "at": "0s" }]),
    );
    // At 24 h the score 15 has decayed by 12 periods: 15 × 0.984¹² ≈ 12.3 → LOW.
    let csv = std::fs::read_to_string(r.dir.path().join("out/attempts.csv")).unwrap();
    assert_eq!(csv.lines().nth(1).unwrap().split(',').nth(6), Some("LOW"));
}

// At scale: more than 64 active registrations of a kind are kept in the pending index rather
// than scanned (device/pending.rs); debug builds (the test suite) check each of its answers
// against a scan, so a change that forgot to name its registration fails these tests.

#[test]
fn a_hundred_periodic_registrations_keep_their_periods() {
    // 100 installed HIGH apps each register a 12 h periodic sync at 0 s on an always-open,
    // always-online desktop; handlers take 2 s and succeed. Each fires at 12 h (never at
    // registration), succeeds at 12 h + 2 s, fires again 12 h later at 24 h + 2 s, and at
    // 36 h + 4 s: 300 attempts in 2 days, 100 at each of those instants.
    let mut origin = periodic_origin(
        "HIGH",
        json!([]),
        json!([{ "kind": "periodic", "tag": "news", "min_interval": "12h", "at": "0s" }]),
    );
    origin["name"] = json!("https://news{i}.example");
    origin["count"] = json!(100);
    let r = run(&desktop(json!([origin])));
    assert_eq!(r.attempts.len(), 300);
    for start in [12 * H, 24 * H + 2 * S, 36 * H + 4 * S] {
        let at = r.attempts.iter().filter(|a| a.start == start).count();
        assert_eq!(at, 100, "attempts at {start} ms");
    }
}

#[test]
fn one_origin_with_a_hundred_tags_keeps_its_min_gap() {
    // One HIGH origin (gap 12 h, min_gap 12 h): "a" (12 h) registered at 0 s is due at 12 h;
    // p0..p99 (12 h) at 1 h each see T = 11 h (a's) → 12 h ≤ 11 h + 12 h → T + 12 h = 23 h:
    // due at 24 h. More than 64 periodic tags: the origin's delays are indexed
    // (device/origin_delays.rs), and debug builds check each answer against a scan.
    // a fires at 12 h, completes at 12 h + 2 s with T = 24 h − (12 h + 2 s) = 12 h − 2 s →
    // T + 12 h = 24 h − 2 s: due at 36 h. The p's fire at 24 h and complete at 24 h + 2 s in
    // dispatch order (p0, p1, p10, …, p99 by code point): each but the last sees another p
    // still at 24 h (T = 0 → 12 h): due at 36 h + 2 s; the last, p99, sees a at 36 h (T =
    // 12 h − 2 s → 24 h − 2 s): due at 48 h, after the 40 h horizon. a fires again at 36 h.
    let mut regs =
        vec![json!({ "kind": "periodic", "tag": "a", "min_interval": "12h", "at": "0s" })];
    regs.extend((0..100).map(|i| {
        json!({ "kind": "periodic", "tag": format!("p{i}"), "min_interval": "12h", "at": "1h" })
    }));
    let mut s = desktop(json!([periodic_origin("HIGH", json!([]), json!(regs))]));
    s["duration"] = json!("40h");
    let r = run(&s);
    assert_eq!(starts(&r, "a"), vec![12 * H, 36 * H]);
    assert_eq!(starts(&r, "p0"), vec![24 * H, 36 * H + 2 * S]);
    assert_eq!(starts(&r, "p98"), vec![24 * H, 36 * H + 2 * S]);
    assert_eq!(starts(&r, "p99"), vec![24 * H]);
    // 2 (a) + 100 (p at 24 h) + 99 (p at 36 h + 2 s).
    assert_eq!(r.attempts.len(), 201);
}

/// An android device for 4 days with sessions 08:00–09:00 and 19:00–21:00, a flaky network
/// (on 2 h, off 20 min), a crash at 8 h 10 min 1 s plus 3 random ones a day (some mid-event),
/// and 2 s write latency, holding `origin`.
fn crash_prone_android(name: &str, origin: serde_json::Value) -> serde_json::Value {
    json!({
        "name": name, "duration": "4d", "seed": 5,
        "devices": [{
            "platform": "android",
            "browser": { "sessions": { "daily": [["08:00", "09:00"], ["19:00", "21:00"]] } },
            "network": { "model": "markov", "mean_online": "2h", "mean_offline": "20m" },
            "crashes": { "at": ["8h10m1s"], "rate_per_day": 3, "during_event_probability": 0.005,
                "restart_delay": "5m", "storage_write_latency": "2s" },
            "origins": [origin]
        }]
    })
}

/// Periodic registrations that ended in `state`.
fn periodic_ended(r: &Run, state: &str) -> usize {
    r.regs
        .iter()
        .filter(|g| g.kind == "periodic" && g.final_state == state)
        .count()
}

#[test]
fn the_pending_index_follows_crashes_retries_and_engagement() {
    // 100 android apps with score-based engagement (visits change levels), periodic and
    // one-shot syncs whose handlers fail half the time (retries), a flaky network and random
    // crashes (interrupted events), 4 days. The periodic registrations made at 8 h 10 min are
    // written with a 2 s latency and a crash at 8 h 10 min 1 s loses all 100 writes: the
    // rebuild from the store drops them (100 `lost`, every one of the kind at once); the apps
    // register again at 19 h 10 min, and those 100 stay active to the end.
    let s = crash_prone_android(
        "index",
        json!({
            "name": "https://app{i}.example", "count": 100, "installed": true,
            "engagement": { "initial_score": 6, "visits": { "mean_interval": "1d" } },
            "handler": { "duration": { "fixed": "2s" }, "success_probability": 0.5,
                "needs_network": true },
            "registrations": [
                { "kind": "periodic", "tag": "refresh", "min_interval": "12h", "at": "8h10m" },
                { "kind": "periodic", "tag": "refresh", "min_interval": "12h", "at": "19h10m" },
                { "kind": "one_shot", "arrivals": { "mean_interval": "1d", "tag": "out-{n}" } }
            ]
        }),
    );
    let r = run(&s);
    assert_eq!(periodic_ended(&r, "lost"), 100);
    assert_eq!(periodic_ended(&r, "pending_at_end"), 100);
    assert!(r.attempts.iter().any(|a| a.attempt > 1), "no retry");
    assert!(
        r.attempts.iter().any(|a| a.outcome == "interrupted"),
        "no interrupted event"
    );
    assert!(
        r.attempts
            .iter()
            .any(|a| a.kind == "periodic" && a.outcome == "success")
    );
}

#[test]
fn one_origins_indexed_delays_follow_crashes_retries_and_engagement() {
    // The previous test's device with its 100 apps folded into one origin holding 80 periodic
    // tags (r0..r79, each registered at 8 h 10 min and again at 19 h 10 min) and one-shot
    // arrivals: the origin's delays are indexed (more than 64), and debug builds check every
    // answer against a scan through crashes, retries, interrupted events and level changes.
    // The crash at 8 h 10 min 1 s loses all 80 writes of 8 h 10 min (2 s latency): 80 `lost`;
    // the 80 registered again at 19 h 10 min stay active to the end.
    let regs: Vec<_> = (0..80)
        .flat_map(|i| {
            ["8h10m", "19h10m"].map(|at| {
                json!({ "kind": "periodic", "tag": format!("r{i}"), "min_interval": "12h", "at": at })
            })
        })
        .chain([json!({ "kind": "one_shot", "arrivals": { "mean_interval": "2h", "tag": "out-{n}" } })])
        .collect();
    let s = crash_prone_android(
        "origin-index",
        json!({
            "name": "https://app.example", "installed": true,
            "engagement": { "initial_score": 6, "visits": { "mean_interval": "12h" } },
            "handler": { "duration": { "fixed": "2s" }, "success_probability": 0.5,
                "needs_network": true },
            "registrations": regs
        }),
    );
    let r = run(&s);
    assert_eq!(periodic_ended(&r, "lost"), 80);
    assert_eq!(periodic_ended(&r, "pending_at_end"), 80);
    assert!(
        r.attempts
            .iter()
            .any(|a| a.kind == "periodic" && a.attempt > 1),
        "no periodic retry"
    );
    assert!(
        r.attempts
            .iter()
            .any(|a| a.kind == "periodic" && a.outcome == "success")
    );
}
