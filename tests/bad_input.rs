//! DESIGN §11 (bad input: exit 2, the file and JSON path named, nothing written) and §9 limits
//! (every input is a run or a clean input error), through the `bgsim` binary.

mod common;

use std::fs;

use common::cli::*;
use serde_json::json;

// ---- §11 bad input: exit 2, the file and JSON path named, nothing written --------------------

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
    let o = check_retry_basics_against(
        r#"{"scenario": "retry-basics", "metrics": {"crashes": {"value": 1, "abs_tol": -1}}}"#,
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("metrics.crashes.abs_tol"), "{stderr}");
}
