//! DESIGN §4.4: site engagement as Chromium's service keeps it — the profile-wide stale rebase
//! (site_engagement_service.cc IsLastEngagementStale → CleanupEngagementScores(true)), the
//! cleanup of low scores at browser start, and NONE only at exactly 0.

mod common;

use common::*;
use serde_json::{Value, json};

/// (tag, engagement level at dispatch, start) of every attempt.
fn levels(r: &Run) -> Vec<(String, String, u64)> {
    let mut rd = csv::Reader::from_path(r.dir.path().join("out/attempts.csv")).unwrap();
    rd.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                rec[2].to_string(),
                rec[6].to_string(),
                rec[7].parse().unwrap(),
            )
        })
        .collect()
}

/// An android phone with one installed app at `initial` score (never visited), a 12 h
/// periodic sync registered during a 5-minute session at the start, and nothing else.
fn dormant_app(initial: f64, sessions_engage: bool) -> Value {
    json!({
        "name": "dormant",
        "duration": "30d",
        "seed": 2,
        "devices": [{
            "platform": "android",
            "browser": { "sessions": { "at": [["0s", "5m"]] }, "sessions_engage": sessions_engage },
            "network": { "model": "always_online" },
            "origins": [{
                "name": "https://app.example",
                "installed": true,
                "engagement": { "initial_score": initial },
                "handler": { "duration": { "fixed": "2s" } },
                "registrations": [
                    { "kind": "periodic", "tag": "p", "min_interval": "12h", "at": "1m" }
                ]
            }]
        }]
    })
}

#[test]
fn a_dormant_app_on_an_idle_profile_keeps_its_level_for_30_days() {
    for engage in [false, true] {
        let r = run(&dormant_app(20.0, engage));
        // Score 20 (MEDIUM: penalty 2 → a period of 24 h). Nobody uses the profile after the
        // 5-minute session, so 9 h (stale period = 4 × 2 h + 1 h) after its last engagement
        // the service rebases every score to at most 4 decay periods (CleanupEngagementScores):
        // 20 × 0.984⁴ = 18.75, MEDIUM for good. (Without the rebase it decays 12 periods a day
        // and falls under the 0.5 cleanup threshold around day 19: suspended.)
        let rows = levels(&r);
        assert!(
            rows.len() >= 28,
            "{} periodic events in 30 days",
            rows.len()
        );
        assert!(
            rows.iter().all(|(_, level, _)| level == "MEDIUM"),
            "sessions_engage {engage}: {rows:?}"
        );
        let intervals = r.summary["periodic"]["interval_h"]["MEDIUM"]["p50"]
            .as_f64()
            .unwrap();
        assert!((24.0..24.1).contains(&intervals), "{intervals}");
        assert_eq!(r.summary["periodic"]["suspended"], 0);
    }
}

#[test]
fn a_low_score_is_wiped_at_browser_start_not_when_read() {
    // site_engagement_service_unittest.cc CleanupEngagementScoresProportional, in virtual time:
    // decay proportion 0.5 per 7-day period, cleanup threshold 0.5. Two origins at 1.0 and 1.2
    // at t = 0; seven days later they are 0.5 and 0.6 (one decay; the stale period is 4 × 7 d +
    // 1 h, so no rebase). Read then, both are MINIMAL: NONE is only exactly 0. The browser
    // starting at 7 d runs the start-up cleanup (AfterStartupTask): 0.5 ≤ 0.5 is wiped, 0.6 is
    // kept. A one-shot of each registered at 7 d + 1 min records the level at dispatch.
    let origin = |name: &str, score: f64| {
        json!({
            "name": name,
            "engagement": { "initial_score": score },
            "handler": { "duration": { "fixed": "1s" } },
            "registrations": [
                { "kind": "one_shot", "tag": "early", "at": "1m" },
                { "kind": "one_shot", "tag": "late", "at": "7d1m" }
            ]
        })
    };
    let mut s = desktop(json!([
        origin("https://one.example", 1.0),
        origin("https://two.example", 1.2)
    ]));
    s["duration"] = json!("8d");
    s["devices"][0]["browser"] = json!({ "sessions": { "at": [["0s", "1h"], ["7d", "7d1h"]] } });
    s["policy"] = json!({ "params": {
        "decay_proportion": 0.5, "decay_period": "7d", "score_cleanup_threshold": 0.5
    }});
    let r = run(&s);
    let rows = levels(&r);
    let level = |origin_tag: (&str, u64)| {
        rows.iter()
            .find(|(tag, _, start)| *tag == origin_tag.0 && *start == origin_tag.1)
            .map(|(_, l, _)| l.clone())
    };
    // Day 0: 1.0 and 1.2, both LOW (≥ 1).
    assert_eq!(level(("early", MIN)), Some("LOW".into()));
    // Day 7, after the start-up cleanup: one.example wiped (NONE), two.example 0.6 (MINIMAL).
    let late: Vec<&str> = rows
        .iter()
        .filter(|(tag, _, _)| tag == "late")
        .map(|(_, l, _)| l.as_str())
        .collect();
    assert_eq!(late, vec!["NONE", "MINIMAL"]);
}

#[test]
fn daily_one_hour_sessions_decay_a_dormant_score_only_for_the_session_and_8_hours_after() {
    // A desktop user browses 08:00–09:00 every day (other sites: profile engagement) and never
    // visits the app, whose score starts at 20 at t = 0. One-shot probes at 08:30 record the
    // app's level at dispatch. The service rebases after 9 idle hours with every score's offset
    // from the profile's last engagement kept: the offset grows by the session plus the 8 h
    // after it, 9 h a day, and at a probe the score has decayed for 9·d h + 8 h 30 min:
    // day 0: 8.5 h (no rebase yet) → 4 periods → 20 × 0.984⁴ = 18.75 MEDIUM; day 1: 17.5 h →
    // 8 → 17.58; day 2: 26.5 h → 13 → 16.21; day 3: 35.5 h → 17 → 15.22 MEDIUM; day 4: 44.5 h →
    // 22 → 14.07 LOW. (Without the rebase, 12 periods a day: LOW from day 2.) With
    // sessions_engage false the profile is idle all along: 4 periods at every probe, MEDIUM.
    let probes: Vec<Value> = (0..5)
        .map(|d| json!({ "kind": "one_shot", "tag": format!("d{d}"), "at": format!("{d}d8h30m") }))
        .collect();
    let scenario = |engage: bool| {
        let mut s = desktop(json!([{
            "name": "https://app.example",
            "engagement": { "initial_score": 20 },
            "handler": { "duration": { "fixed": "2s" } },
            "registrations": probes
        }]));
        s["duration"] = json!("5d");
        s["devices"][0]["browser"] = json!({
            "sessions": { "daily": [["08:00", "09:00"]] },
            "sessions_engage": engage
        });
        s
    };
    let at_probes = |r: &Run| -> Vec<String> { levels(r).into_iter().map(|(_, l, _)| l).collect() };
    assert_eq!(
        at_probes(&run(&scenario(true))),
        vec!["MEDIUM", "MEDIUM", "MEDIUM", "MEDIUM", "LOW"]
    );
    assert_eq!(at_probes(&run(&scenario(false))), vec!["MEDIUM"; 5]);
}

#[test]
fn an_interval_is_labelled_by_the_level_it_was_scheduled_at() {
    let mut s = desktop(json!([{
        "name": "https://app.example",
        "installed": true,
        "engagement": { "initial_score": 60 },
        "handler": { "duration": { "fixed": "1s" } },
        "registrations": [{ "kind": "periodic", "tag": "p", "min_interval": "12h", "at": "0s" }],
        "events": [{ "at": "20h", "action": "clear_history" }]
    }]));
    s["duration"] = json!("2d");
    let r = run(&s);
    // Score 60 = HIGH: fires at 12 h, and its next period (12 h later, 24 h 0 min 1 s) is
    // scheduled at HIGH. Clearing history at 20 h makes the origin NONE; the scheduled event
    // still fires at 24 h 0 min 1 s, recorded at dispatch as NONE, but the 12 h interval is
    // HIGH's (the level that set it). Its completion then suspends the registration.
    let rows = levels(&r);
    assert_eq!(rows[1].1, "NONE");
    assert_eq!(r.summary["periodic"]["interval_h"]["HIGH"]["count"], 1);
    assert!(r.summary["periodic"]["interval_h"].get("NONE").is_none());
    assert_eq!(r.summary["periodic"]["suspended"], 1);
}
