//! DESIGN §2 (determinism), §9 (command line, exit codes, `--days`), §4.6 (rejected calls) and
//! §6 (metric names), through the `bgsim` binary exactly as users and CI call it. Bad input
//! (§11) is tests/bad_input.rs.

mod common;

use std::fs;
use std::path::Path;

use common::cli::*;
use serde_json::{Value, json};

/// Every file under `dir`, name → bytes; a subdirectory (e.g. `charts/`) appears by name with
/// the concatenated names and bytes of its files.
fn read_dir_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if e.path().is_dir() {
                let inner = read_dir_bytes(&e.path());
                let bytes = inner
                    .into_iter()
                    .flat_map(|(n, b)| n.into_bytes().into_iter().chain(b))
                    .collect();
                (name, bytes)
            } else {
                (name, fs::read(e.path()).unwrap())
            }
        })
        .collect();
    files.sort();
    files
}

// ---- §2 determinism -------------------------------------------------------------------------

#[test]
fn same_scenario_and_seed_give_identical_bytes_at_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let out = |name: &str| tmp.path().join(name).to_string_lossy().into_owned();
    let (a, b, c) = (out("a"), out("b"), out("c"));
    for (dir, jobs) in [(&a, "1"), (&b, "1"), (&c, "2")] {
        let o = bgsim(&[
            "run",
            "scenarios/quickstart.json",
            "--quiet",
            "--jobs",
            jobs,
            "--out",
            dir,
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let first = read_dir_bytes(Path::new(&a));
    let names: Vec<&str> = first.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        vec![
            ".bgsim-output",
            "attempts.csv",
            "charts",
            "daily.csv",
            "energy.csv",
            "fetches.csv",
            "latency.csv",
            "registrations.csv",
            "report.html",
            "retries.csv",
            "summary.json",
            "tiers.csv",
            "wakeups.csv"
        ]
    );
    assert_eq!(first, read_dir_bytes(Path::new(&b)), "two runs differ");
    assert_eq!(
        first,
        read_dir_bytes(Path::new(&c)),
        "--jobs 2 differs from --jobs 1"
    );
}

#[test]
fn a_different_seed_changes_a_random_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    for (dir, seed) in [(&a, "1"), (&b, "2")] {
        let o = bgsim(&[
            "run",
            "scenarios/quickstart.json",
            "--quiet",
            "--seed",
            seed,
            "--out",
            dir.to_str().unwrap(),
        ]);
        assert!(o.status.success());
    }
    assert_ne!(
        fs::read(a.join("attempts.csv")).unwrap(),
        fs::read(b.join("attempts.csv")).unwrap()
    );
    let summary: Value =
        serde_json::from_slice(&fs::read(b.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["seed"], 2);
}

#[test]
fn retry_basics_matches_its_hand_derivation() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rb");
    let o = bgsim(&[
        "run",
        "scenarios/retry-basics.json",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    // Offline until 1 h; registered at 10 min. Attempts at 1 h (fail, 2 s), 1 h + 2 s + 5 min
    // (fail), then + 2 s + 15 min (success, last chance).
    let attempts = fs::read_to_string(out.join("attempts.csv")).unwrap();
    assert_eq!(
        attempts,
        "device,origin,tag,kind,attempt,last_chance,engagement,start_ms,end_ms,outcome\n\
         0,https://mail.example,outbox,one_shot,1,false,HIGH,3600000,3602000,failure\n\
         0,https://mail.example,outbox,one_shot,2,false,HIGH,3902000,3904000,failure\n\
         0,https://mail.example,outbox,one_shot,3,true,HIGH,4804000,4806000,success\n"
    );
    let regs = fs::read_to_string(out.join("registrations.csv")).unwrap();
    // Latency 4806000 − 600000 = 4206000 ms.
    assert_eq!(
        regs.lines().nth(1).unwrap(),
        "0,https://mail.example,outbox,one_shot,600000,3600000,4806000,succeeded,3,4206000"
    );
}

#[test]
fn stats_go_to_stderr_only() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("s");
    let o = bgsim(&[
        "run",
        "scenarios/retry-basics.json",
        "--stats",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("events/s"));
    assert!(
        !fs::read_to_string(out.join("summary.json"))
            .unwrap()
            .contains("events/s")
    );
}

#[test]
fn params_lists_every_parameter_with_default_and_source() {
    let o = bgsim(&["params"]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("initial_retry_delay"));
    assert!(text.contains("5m"));
    assert!(text.contains("background_sync_parameters.cc"));
}

#[test]
fn validate_accepts_every_bundled_scenario() {
    let mut files: Vec<String> =
        fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
    files.sort();
    assert!(files.len() >= 2);
    let args: Vec<&str> = std::iter::once("validate")
        .chain(files.iter().map(|s| s.as_str()))
        .collect();
    let o = bgsim(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

// ---- §9 `--days` ------------------------------------------------------------------------------

#[test]
fn days_flag_means_the_same_as_a_file_with_that_duration() {
    // crash-storm's devices have daily sessions; stretched from 14 to 20 days by `--days 20` or by
    // editing `duration`, every CSV must be the same bytes (before, sessions stopped after day 14
    // and days 14–19 had no sync events).
    let tmp = tempfile::tempdir().unwrap();
    let text = fs::read_to_string("scenarios/crash-storm.json").unwrap();
    let edited = tmp.path().join("crash-storm-20d.json");
    fs::write(
        &edited,
        text.replace("\"duration\": \"14d\"", "\"duration\": \"20d\""),
    )
    .unwrap();
    let (a, b) = (tmp.path().join("flag"), tmp.path().join("file"));
    let o = bgsim(&[
        "run",
        "scenarios/crash-storm.json",
        "--quiet",
        "--no-charts",
        "--days",
        "20",
        "--out",
        a.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = bgsim(&[
        "run",
        edited.to_str().unwrap(),
        "--quiet",
        "--no-charts",
        "--out",
        b.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in [
        "daily.csv",
        "attempts.csv",
        "registrations.csv",
        "wakeups.csv",
        "tiers.csv",
    ] {
        assert_eq!(
            fs::read(a.join(f)).unwrap(),
            fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
    // The last day has sync events (sessions and arrivals go on).
    let daily = fs::read_to_string(a.join("daily.csv")).unwrap();
    assert_eq!(daily.lines().count(), 21, "header + 20 days");
    let header: Vec<&str> = daily.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|c| *c == "sync_events").unwrap();
    let last: Vec<&str> = daily.lines().last().unwrap().split(',').collect();
    assert!(last[col].parse::<u64>().unwrap() > 0, "{daily}");
}

#[test]
fn a_zero_restart_delay_with_crashes_during_events_is_an_error() {
    // A crash at an event's first instant would restart at the same instant and crash again.
    rejects(
        &with(|v| {
            v["devices"][0]["crashes"] =
                json!({ "restart_delay": "0s", "during_event_probability": 1.0 })
        }),
        &[],
        &["devices[0].crashes.restart_delay", "greater than 0"],
    );
}

#[test]
fn an_origin_handler_is_checked_where_it_is_written() {
    // success_probability 5 on an origin with no registrations passed before; an error in the
    // origin's handler pointed at `registrations[0].handler…`, a path not in the file.
    rejects(
        &with(|v| {
            v["devices"][0]["origins"][0]["handler"]["success_probability"] = 5.into();
            v["devices"][0]["origins"][0]["registrations"] = json!([]);
        }),
        &[],
        &[
            "devices[0].origins[0].handler.success_probability",
            "between 0 and 1",
        ],
    );
    let stderr = rejects(
        &with(|v| v["devices"][0]["origins"][0]["handler"]["hang_probability"] = json!(-1)),
        &[],
        &["devices[0].origins[0].handler.hang_probability"],
    );
    assert!(!stderr.contains("registrations[0]"), "{stderr}");
}

#[test]
fn a_fetch_past_a_shortened_horizon_is_an_error() {
    // `--days 1` used to drop a fetch registered at 1d12h silently while one-shots were refused.
    let text = with(|v| {
        v["devices"][0]["origins"][0]["registrations"] = json!([
            { "kind": "fetch", "id": "f", "at": "1d12h", "requests": [{ "bytes": 10 }] }
        ])
    });
    rejects(&text, &["--days", "1"], &["--days", "1d12h"]);
}

#[test]
fn varying_one_parameter_twice_is_an_error() {
    let o = bgsim(&[
        "sweep",
        "scenarios/retry-basics.json",
        "--vary",
        "initial_retry_delay=1m",
        "--vary",
        "initial_retry_delay=2m",
        "--out",
        "/nonexistent/never",
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("varied twice"), "{stderr}");
}

#[test]
fn an_error_inside_the_network_keeps_its_path() {
    // serde's internally tagged enums buffer their content: an error in `mean_online` was
    // reported at `devices[0].network`.
    rejects(
        &with(|v| {
            v["devices"][0]["network"] =
                json!({ "model": "markov", "mean_online": "3x", "mean_offline": "1m" })
        }),
        &[],
        &["devices[0].network.mean_online:", "expected a duration"],
    );
    rejects(
        &with(|v| {
            v["devices"][0]["network"] = json!({ "model": "markov", "offline": [], "mean_online": "1h", "mean_offline": "1m" })
        }),
        &[],
        &[
            "devices[0].network:",
            "field `offline` is not used by model \"markov\"",
        ],
    );
    rejects(
        &with(|v| {
            v["devices"][0]["network"] = json!({ "model": "always_online", "bandwidth": "1 MB" })
        }),
        &[],
        &["devices[0].network.bandwidth:", "\"1MB/s\""],
    );
}

#[test]
fn bandwidth_accepts_byte_and_bit_rates() {
    use bgsim::scenario::format::parse_bandwidth;
    // 1 MB/s = 10⁶ B/s; 2 MiB/s = 2 × 1,048,576; 8 Mbit/s = 10⁶ B/s; 1.5 kB/s = 1,500.
    assert_eq!(parse_bandwidth("1MB/s"), Ok(1_000_000));
    assert_eq!(parse_bandwidth("2MiB/s"), Ok(2_097_152));
    assert_eq!(parse_bandwidth("8Mbit/s"), Ok(1_000_000));
    assert_eq!(parse_bandwidth("1.5kB/s"), Ok(1_500));
    assert!(parse_bandwidth("1MB").is_err() && parse_bandwidth("0B/s").is_err());
}

/// Runs `bgsim run SCENARIO --no-charts ARGS…` into a fresh directory; returns the parsed
/// summary.json and stderr.
fn run_summary(scenario: &str, args: &[&str]) -> (Value, String) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut all = vec![
        "run",
        scenario,
        "--no-charts",
        "--out",
        out.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    let o = bgsim(&all);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{stderr}");
    let s = serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    (s, stderr)
}

// ---- DESIGN §4.6 nothing hides: rejected register calls ---------------------------------------

#[test]
fn rejected_register_calls_are_counted_by_reason_and_warned_about() {
    // The origin is not installed, so its periodic registration is rejected (S12); the browser
    // is open only from 2 h, so the one-shot at 1 h is rejected (no page: S8); the one-shot at
    // 3 h succeeds. 2 of 3 register calls rejected (67 % > 5 %): a warning on stderr.
    // success_rate = 1/1 (finished ones); delivered_rate = 1/2 one-shot calls = 0.5.
    let text = with(|v| {
        v["devices"][0]["browser"]["sessions"] = json!({ "at": [["2h", "2d"]] });
        v["devices"][0]["origins"][0]["installed"] = json!(false);
        v["devices"][0]["origins"][0]["registrations"] = json!([
            { "kind": "one_shot", "tag": "a", "at": "1h" },
            { "kind": "one_shot", "tag": "b", "at": "3h" },
            { "kind": "periodic", "tag": "p", "min_interval": "12h", "at": "3h" }
        ]);
    });
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("s.json");
    fs::write(&file, text).unwrap();
    let (s, stderr) = run_summary(file.to_str().unwrap(), &[]);
    assert!(
        stderr.contains("warning: 2 of 3 register calls (66.7 %) were rejected (browser_down 1, not_installed 1)"),
        "{stderr}"
    );
    assert_eq!(s["one_shot"]["rejected_by"]["browser_down"], 1);
    assert_eq!(s["periodic"]["rejected_by"]["not_installed"], 1);
    assert_eq!(s["one_shot"]["success_rate"], 1.0);
    assert_eq!(s["one_shot"]["delivered_rate"], 0.5);
}

// ---- DESIGN §6 metric names are checked at load --------------------------------------------

#[test]
fn an_unknown_metric_in_an_expect_rule_is_an_error_with_suggestions() {
    let text = with(|v| v["expect"] = json!([{ "metric": "one_shot.sucess_rate", "ge": 0.95 }]));
    rejects(
        &text,
        &[],
        &[
            "expect[0].metric",
            "unknown metric \"one_shot.sucess_rate\"",
            "closest: one_shot.success_rate",
        ],
    );
}

#[test]
fn between_with_low_above_high_is_an_error() {
    let text = with(|v| v["expect"] = json!([{ "metric": "crashes", "between": [5, 1] }]));
    rejects(&text, &[], &["expect[0].between", "low ≤ high"]);
}

#[test]
fn an_unknown_metric_in_a_baseline_or_metric_flag_is_an_error() {
    let o = check_retry_basics_against(
        r#"{"scenario": "retry-basics", "metrics": {"crashs": {"value": 1}}}"#,
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("metrics.crashs") && stderr.contains("closest: crashes"),
        "{stderr}"
    );
    let tmp = tempfile::tempdir().unwrap();
    let o = bgsim(&[
        "compare",
        "scenarios/retry-basics.json",
        "--policy",
        "chromium",
        "--policy",
        "firefox",
        "--metric",
        "one_shot.latency.p50",
        "--out",
        tmp.path().join("c").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--metric") && stderr.contains("one_shot.latency_s.p50"),
        "{stderr}"
    );
}

#[test]
fn metrics_lists_every_metric_with_unit_and_meaning() {
    let o = bgsim(&["metrics"]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    let names = bgsim::experiment::catalog::all_metric_names();
    // One line per metric plus the header, each with a unit and a meaning.
    assert_eq!(text.lines().count(), names.len() + 1);
    for name in [
        "one_shot.delivered_rate",
        "wakeups.per_device_day.p95",
        "periodic.interval_h.HIGH.p50",
    ] {
        let line = text
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name}"));
        assert!(line.split_whitespace().count() >= 3, "{line}");
    }
    for name in &names {
        assert!(
            bgsim::experiment::catalog::doc(name).is_some(),
            "{name} has no meaning"
        );
    }
    // The README's metric table lists every pattern.
    let readme = fs::read_to_string("README.md").unwrap();
    for (pattern, _, _) in bgsim::experiment::catalog::METRIC_DOCS {
        assert!(
            readme.contains(&format!("`{pattern}`")),
            "README lacks `{pattern}`"
        );
    }
}

#[test]
fn summary_records_overrides_and_typed_parameters() {
    // --seed 5 --set initial_retry_delay=1m --days 1: recorded under `overrides`; parameters are
    // typed (counts as numbers, booleans as booleans, durations in the duration notation).
    let (s, _) = run_summary(
        "scenarios/retry-basics.json",
        &[
            "--quiet",
            "--seed",
            "5",
            "--set",
            "initial_retry_delay=1m",
            "--days",
            "1",
        ],
    );
    assert_eq!(
        s["overrides"],
        json!({ "seed": 5, "set": ["initial_retry_delay=1m"], "days": 1 })
    );
    let p = &s["policy"]["params"];
    assert_eq!(p["max_sync_attempts"], json!(3));
    assert_eq!(p["initial_retry_delay"], json!("1m"));
    assert_eq!(p["keep_browser_awake_till_events_complete"], json!(false));
    assert_eq!(p["decay_proportion"], json!(0.984));
}

#[test]
fn a_mixed_fleet_reports_process_starts_and_timer_firings_apart() {
    // crash-storm: 30 desktop and 30 android devices × 14 days. No single wake-up figure blends
    // them; process starts are counted over 30 × 14 = 420 android device-days, timer firings
    // over 420 desktop device-days.
    let (s, _) = run_summary("scenarios/crash-storm.json", &["--quiet"]);
    let w = &s["wakeups"];
    assert_eq!(w["per_device_day"]["mean"], Value::Null);
    assert_eq!(w["process_starts_per_device_day"]["count"], 420);
    assert_eq!(w["timer_firings_per_device_day"]["count"], 420);
    assert!(w["process_starts_per_device_day"]["mean"].as_f64().unwrap() > 0.0);
}
