//! DESIGN §6: research outputs — metrics per origin block (`by_origin.<block>`) and per
//! engagement level at dispatch (`by_tier.<level>`).

mod common;

use common::*;
use serde_json::json;

#[test]
fn metrics_are_reported_per_origin_block_and_per_tier() {
    let handler = |outcomes: serde_json::Value| json!({ "duration": { "fixed": "2s" }, "outcomes": outcomes });
    let mut mail = origin(
        handler(json!(["fail", "fail", "success"])),
        json!([{ "kind": "one_shot", "tag": "outbox", "at": "0s" }]),
    );
    mail["name"] = json!("https://mail.example");
    let mut news = origin(
        handler(json!([])),
        json!([
            { "kind": "one_shot", "tag": "a", "at": "1h" },
            { "kind": "periodic", "tag": "p", "min_interval": "12h", "at": "0s" }
        ]),
    );
    news["name"] = json!("https://news-{i}.example");
    news["count"] = json!(2);
    news["engagement"] = json!({ "level": "MEDIUM" });
    let r = run(&desktop(json!([mail, news])));
    let o = &r.summary["by_origin"];
    // mail (HIGH): fails at 2 s, retried at 5 min 2 s (fails), at 20 min 4 s succeeds: 3 events,
    // 1 succeeded, success rate 1, latency 20 min 6 s.
    assert_eq!(o["mail_example"]["one_shot"]["registered"], 1);
    assert_eq!(o["mail_example"]["one_shot"]["events"], 3);
    assert_eq!(o["mail_example"]["one_shot"]["success_rate"], 1.0);
    assert_eq!(o["mail_example"]["one_shot"]["latency_s"]["p50"], 1206.0);
    // news-{i} is one block of two origins (key news-i_example): 2 one-shots (each succeeds at once), 2 periodic
    // registrations, each firing at 24 h (MEDIUM: 2 × 12 h) in the 2-day run: 2 events.
    assert_eq!(o["news-i_example"]["one_shot"]["registered"], 2);
    assert_eq!(o["news-i_example"]["one_shot"]["succeeded"], 2);
    assert_eq!(o["news-i_example"]["periodic"]["registered"], 2);
    assert_eq!(o["news-i_example"]["periodic"]["events"], 2);
    // By level at dispatch: HIGH 3 attempts (2 failures, 1 success: rate 1/3); MEDIUM 4
    // attempts, all successes; the other levels none.
    let t = &r.summary["by_tier"];
    assert_eq!(t["HIGH"]["attempts"], 3);
    assert_eq!(t["HIGH"]["failure"], 2);
    assert_eq!(t["HIGH"]["success_rate"], 0.333333);
    assert_eq!(t["MEDIUM"]["attempts"], 4);
    assert_eq!(t["MEDIUM"]["success_rate"], 1.0);
    assert_eq!(t["NONE"]["attempts"], 0);
}
