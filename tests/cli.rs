//! DESIGN §2 (determinism), §9 (command line, exit codes) and §11 (bad input), through the
//! `bgsim` binary exactly as users and CI call it.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};

fn bgsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bgsim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run bgsim")
}

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

// ---- §11 bad input: exit 2, the file and JSON path named, nothing written --------------------

fn valid() -> Value {
    json!({
        "name": "bad",
        "duration": "2d",
        "devices": [{
            "platform": "desktop",
            "browser": { "sessions": "always" },
            "network": { "model": "always_online" },
            "origins": [{
                "name": "https://a.example",
                "installed": true,
                "engagement": { "level": "HIGH" },
                "handler": { "duration": { "fixed": "1s" } },
                "registrations": [
                    { "kind": "one_shot", "tag": "t", "at": "1h" },
                    { "kind": "periodic", "tag": "p", "min_interval": "12h", "at": "0s" }
                ]
            }]
        }]
    })
}

/// Runs `bgsim run` on `text` and checks the failure contract; returns stderr.
fn rejects(text: &str, extra: &[&str], expected: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("scenario.json");
    fs::write(&file, text).unwrap();
    let out = tmp.path().join("out");
    let mut args = vec![
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = bgsim(&args);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "exit code; stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for needle in expected {
        assert!(stderr.contains(needle), "expected {needle:?} in: {stderr}");
    }
    assert!(!out.exists(), "no output directory after an input error");
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "nothing else written"
    );
    stderr
}

fn with(mutate: impl FnOnce(&mut Value)) -> String {
    let mut v = valid();
    mutate(&mut v);
    v.to_string()
}

#[test]
fn bad_json_syntax_is_reported_with_its_position() {
    rejects("{\"name\": \"x\",", &[], &["scenario.json", "line 1"]);
}

#[test]
fn unknown_field_is_an_error() {
    let text = with(|v| v["devices"][0]["netwrk"] = json!({}));
    rejects(
        &text,
        &[],
        &["scenario.json: devices[0]", "unknown field `netwrk`"],
    );
}

#[test]
fn bare_number_duration_is_an_error() {
    let text = with(|v| v["devices"][0]["origins"][0]["registrations"][0]["at"] = json!(12));
    rejects(
        &text,
        &[],
        &["devices[0].origins[0].registrations[0].at: expected a duration like \"12h\", got 12"],
    );
}

#[test]
fn negative_count_is_an_error() {
    let text = with(|v| v["devices"][0]["count"] = json!(-1));
    rejects(&text, &[], &["devices[0].count"]);
}

#[test]
fn zero_count_is_an_error() {
    let text = with(|v| v["devices"][0]["count"] = json!(0));
    rejects(
        &text,
        &[],
        &["devices[0].count: expected a count of at least 1"],
    );
}

#[test]
fn unknown_preset_is_an_error() {
    let text = with(|v| v["policy"] = json!({ "preset": "edge" }));
    rejects(&text, &[], &["policy.preset: unknown preset \"edge\""]);
}

#[test]
fn unknown_parameter_in_set_is_an_error() {
    rejects(
        &valid().to_string(),
        &["--set", "max_retries=4"],
        &["--set", "unknown parameter \"max_retries\""],
    );
}

#[test]
fn badly_typed_set_value_is_an_error() {
    rejects(
        &valid().to_string(),
        &["--set", "initial_retry_delay=5"],
        &["--set", "expected a duration"],
    );
}

#[test]
fn unknown_parameter_in_policy_params_is_an_error() {
    let text = with(|v| v["policy"] = json!({ "params": { "retry_delay": "5m" } }));
    rejects(
        &text,
        &[],
        &["policy.params.retry_delay: unknown parameter"],
    );
}

#[test]
fn parameter_chromium_would_misbehave_on_is_an_error() {
    let text = with(|v| v["policy"] = json!({ "params": { "max_sync_attempts": 0 } }));
    rejects(
        &text,
        &[],
        &["policy.params.max_sync_attempts: must be between 1 and 1000, got 0"],
    );
}

#[test]
fn time_outside_the_duration_is_an_error() {
    let text = with(|v| v["devices"][0]["origins"][0]["registrations"][0]["at"] = json!("2d"));
    rejects(
        &text,
        &[],
        &[
            "devices[0].origins[0].registrations[0].at: expected a time before the scenario's duration",
        ],
    );
}

#[test]
fn empty_tag_is_an_error() {
    let text = with(|v| v["devices"][0]["origins"][0]["registrations"][0]["tag"] = json!(""));
    rejects(
        &text,
        &[],
        &["devices[0].origins[0].registrations[0].tag: expected a non-empty tag"],
    );
}

#[test]
fn periodic_without_min_interval_is_an_error() {
    let text = with(|v| {
        v["devices"][0]["origins"][0]["registrations"][1]
            .as_object_mut()
            .unwrap()
            .remove("min_interval");
    });
    rejects(
        &text,
        &[],
        &["devices[0].origins[0].registrations[1].min_interval: missing field"],
    );
}

#[test]
fn duplicate_origin_names_are_an_error() {
    let text = with(|v| {
        let o = v["devices"][0]["origins"][0].clone();
        v["devices"][0]["origins"].as_array_mut().unwrap().push(o);
    });
    rejects(
        &text,
        &[],
        &["devices[0].origins[1].name: duplicate origin name"],
    );
}

#[test]
fn missing_required_field_is_an_error() {
    let text = with(|v| {
        v["devices"][0].as_object_mut().unwrap().remove("network");
    });
    rejects(&text, &[], &["devices[0]", "missing field `network`"]);
}

#[test]
fn crashes_without_restart_delay_are_an_error() {
    let text = with(|v| v["devices"][0]["crashes"] = json!({ "at": ["1h"] }));
    rejects(&text, &[], &["devices[0].crashes.restart_delay"]);
}

#[test]
fn probability_out_of_range_is_an_error() {
    let text =
        with(|v| v["devices"][0]["origins"][0]["handler"]["success_probability"] = json!(1.5));
    rejects(
        &text,
        &[],
        &["handler.success_probability: expected a probability between 0 and 1"],
    );
}

#[test]
fn bad_time_of_day_is_an_error() {
    let text =
        with(|v| v["devices"][0]["browser"]["sessions"] = json!({ "daily": [["25:00", "26:00"]] }));
    rejects(&text, &[], &["devices[0].browser.sessions", "time of day"]);
}

#[test]
fn unknown_network_model_is_an_error() {
    let text = with(|v| v["devices"][0]["network"] = json!({ "model": "satellite" }));
    rejects(
        &text,
        &[],
        &["devices[0].network", "unknown variant `satellite`"],
    );
}

#[test]
fn unknown_engagement_level_is_an_error() {
    let text = with(|v| v["devices"][0]["origins"][0]["engagement"] = json!({ "level": "HUGE" }));
    rejects(
        &text,
        &[],
        &["devices[0].origins[0].engagement.level: unknown engagement level"],
    );
}

#[test]
fn missing_file_is_an_error() {
    let o = bgsim(&["run", "no/such/file.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no/such/file.json: cannot read the file"));
}

#[test]
fn validate_reports_every_bad_file_and_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.json");
    fs::write(&bad, with(|v| v["duration"] = json!(5))).unwrap();
    let o = bgsim(&[
        "validate",
        "scenarios/retry-basics.json",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("bad.json: duration: expected a duration like \"12h\", got 5"),
        "{stderr}"
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(bgsim(&["run"]).status.code(), Some(2));
    assert_eq!(bgsim(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn visit_event_needs_score_based_engagement() {
    let text = with(|v| {
        v["devices"][0]["origins"][0]["events"] = json!([{ "at": "1h", "action": "visit" }]);
    });
    rejects(
        &text,
        &[],
        &[
            "devices[0].origins[0].events[0].action: visit and clear_history need score-based engagement",
        ],
    );
}

#[test]
fn pinned_level_and_score_together_are_an_error() {
    let text = with(|v| {
        v["devices"][0]["origins"][0]["engagement"] =
            json!({ "level": "HIGH", "initial_score": 3 });
    });
    rejects(
        &text,
        &[],
        &["devices[0].origins[0].engagement: expected either a pinned `level` or a score"],
    );
}

#[test]
fn android_only_fields_on_desktop_are_an_error() {
    let text = with(|v| v["devices"][0]["browser"]["idle_kill_after"] = json!("30s"));
    rejects(
        &text,
        &[],
        &["devices[0].browser.idle_kill_after: idle_kill_after applies to android only"],
    );
}

#[test]
fn unknown_choice_for_firing_state_is_an_error() {
    let text = with(|v| {
        v["policy"] = json!({ "preset": "firefox", "params": { "firing_state": "on_disk" } })
    });
    rejects(
        &text,
        &[],
        &["policy.params.firing_state: expected one of in_memory, persisted"],
    );
}

#[test]
fn strict_exits_1_on_invariant_violations() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ff");
    let args = [
        "run",
        "scenarios/firefox-persisted-bug.json",
        "--quiet",
        "--strict",
        "--out",
        out.to_str().unwrap(),
    ];
    let o = bgsim(&args);
    // The persisted firing state leaves registrations stuck after crashes: violations → exit 1,
    // with the outputs still written for inspection.
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.join("summary.json").exists());
    // The fix: no violations, exit 0.
    let fixed = tmp.path().join("fixed");
    let o = bgsim(&[
        "run",
        "scenarios/firefox-persisted-bug.json",
        "--quiet",
        "--strict",
        "--set",
        "firing_state=in_memory",
        "--out",
        fixed.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

// ---- §9 limits: every input is a run or a clean input error, never a panic or an OOM ----------

#[test]
fn parameters_that_would_divide_by_zero_or_wrap_are_errors() {
    let v = valid().to_string();
    // design-2019's period is 24 h / cap: 10⁸ a day would be a 0 ms period.
    rejects(
        &v,
        &["--set", "max_periodic_wakeups_per_day=100000000"],
        &["max_periodic_wakeups_per_day", "between 1 and 86400000"],
    );
    // WorkManager clamps a backoff to [min, max] and a flex to [min_flex, interval].
    rejects(
        &v,
        &["--set", "work_min_backoff=6h"],
        &["work_min_backoff", "at most work_max_backoff (5h)"],
    );
    rejects(
        &v,
        &["--set", "work_min_flex=2d"],
        &["work_min_flex", "work_min_periodic_interval"],
    );
    // periodic_retries + 1 attempts would wrap to 0; counts above u32 are refused, not clamped.
    rejects(
        &v,
        &["--set", "periodic_retries=4294967295"],
        &["periodic_retries", "between 0 and 1000"],
    );
    rejects(
        &v,
        &["--set", "max_sync_attempts=4294967296"],
        &["--set", "at most 4294967295"],
    );
    // Durations past the 10-year horizon cannot make time arithmetic wrap.
    rejects(
        &v,
        &["--set", "min_periodic_sync_events_interval=3651d"],
        &["--set", "at most 3650d"],
    );
}

#[test]
fn horizons_and_fleets_past_the_limits_are_errors() {
    rejects(
        &with(|v| v["duration"] = "100000000d".into()),
        &[],
        &["scenario.json: duration:", "at most 3650d"],
    );
    rejects(
        &valid().to_string(),
        &["--days", "300000000000000"],
        &["--days", "1 to 3650 days"],
    );
    rejects(
        &valid().to_string(),
        &["--devices", "3000000000000"],
        &["--devices", "1 to 1000000000"],
    );
    rejects(
        &with(|v| v["devices"][0]["origins"][0]["count"] = 200_000.into()),
        &[],
        &["devices[0].origins[0].count", "100000 origins"],
    );
}

#[test]
fn duplicate_parameters_in_policy_params_are_an_error() {
    let text = valid().to_string().replacen(
        "\"devices\"",
        "\"policy\": {\"params\": {\"initial_retry_delay\": \"1m\", \"initial_retry_delay\": \"2m\"}}, \"devices\"",
        1,
    );
    rejects(
        &text,
        &[],
        &[
            "policy.params",
            "duplicate parameter \"initial_retry_delay\"",
        ],
    );
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("bom.json");
    fs::write(&file, format!("\u{feff}{}", valid())).unwrap();
    let o = bgsim(&["validate", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_signed_time_of_day_is_an_error() {
    let text =
        with(|v| v["devices"][0]["browser"]["sessions"] = json!({"daily": [["+8:00", "18:00"]]}));
    rejects(&text, &[], &["sessions", "time of day"]);
}

#[test]
fn a_huge_value_is_echoed_cut() {
    let huge = "9".repeat(100_000) + "x";
    let stderr = rejects(
        &with(|v| v["duration"] = huge.clone().into()),
        &[],
        &["duration"],
    );
    assert!(stderr.len() < 2_000, "{} bytes", stderr.len());
}

#[test]
fn an_endless_file_is_refused_without_reading_it_all() {
    // /dev/zero never ends: the loader stops at its 64 MiB cap.
    let o = bgsim(&["validate", "/dev/zero"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("larger than 64 MiB"), "{stderr}");
}

#[test]
fn a_baseline_with_a_negative_tolerance_is_malformed() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("b.json");
    fs::write(
        &base,
        r#"{"scenario": "retry-basics", "metrics": {"crashes": {"value": 1, "abs_tol": -1}}}"#,
    )
    .unwrap();
    let o = bgsim(&[
        "check",
        "scenarios/retry-basics.json",
        "--baseline",
        base.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("metrics.crashes.abs_tol"), "{stderr}");
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
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("b.json");
    fs::write(
        &base,
        r#"{"scenario": "retry-basics", "metrics": {"crashs": {"value": 1}}}"#,
    )
    .unwrap();
    let o = bgsim(&[
        "check",
        "scenarios/retry-basics.json",
        "--baseline",
        base.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("metrics.crashs") && stderr.contains("closest: crashes"),
        "{stderr}"
    );
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
