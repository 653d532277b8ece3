//! DESIGN §14: devices replayed from CSV traces (network, sessions, charging, crashes): what the
//! rows do to a device, how a block takes its devices from them, and how a bad trace is reported
//! (file, line, column; exit 2, nothing written).

mod common;

use std::fs;
use std::path::Path;

use bgsim::scenario::Scenario;
use common::cli::bgsim;
use common::*;
use serde_json::{Value, json};

/// Writes `scenario` as `scenario.json` and each `(name, text)` trace beside it in `dir`.
fn write(dir: &Path, scenario: &Value, traces: &[(&str, &str)]) -> String {
    fs::create_dir_all(dir.join("traces")).unwrap();
    for (name, text) in traces {
        fs::write(dir.join(name), text).unwrap();
    }
    let file = dir.join("scenario.json");
    fs::write(&file, scenario.to_string()).unwrap();
    file.display().to_string()
}

/// Loads `scenario` with its traces from a fresh directory.
fn load(scenario: &Value, traces: &[(&str, &str)]) -> (Scenario, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), scenario, traces);
    let s = Scenario::load(&file).expect("valid scenario");
    (s, dir)
}

/// The load error of `scenario` with its traces, as the CLI prints it.
fn load_error(scenario: &Value, traces: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), scenario, traces);
    Scenario::load(&file).expect_err("invalid").to_string()
}

/// A desktop fleet, always open, whose network replays `traces/net.csv`; one origin registers a
/// one-shot (2 s handler, needs the network) at 1 h.
fn net_fleet() -> Value {
    let mut s = desktop(json!([origin(
        json!({ "duration": { "fixed": "2s" }, "needs_network": true }),
        json!([{ "kind": "one_shot", "tag": "t", "at": "1h" }])
    )]));
    s["devices"][0].as_object_mut().unwrap().remove("count");
    s["devices"][0]["network"] = json!({ "model": "trace", "file": "traces/net.csv" });
    s
}

/// (device, start) of every attempt.
fn starts_by_device(r: &Run) -> Vec<(u64, u64)> {
    r.attempts.iter().map(|a| (a.device, a.start)).collect()
}

// §14 / §4.1: a network trace's rows are when the device is online.

#[test]
fn a_one_shot_waits_for_the_traces_next_online_row() {
    // Device 0 is online 0–30 min and 2–3 h; device 1 only 5–6 h. Both register at 1 h while
    // offline: device 0 fires when its next row starts (2 h), device 1 at 5 h. The block has no
    // count: the trace names devices 0 and 1, so it has two.
    let (s, _dir) = load(
        &net_fleet(),
        &[(
            "traces/net.csv",
            "device,from,to\n0,0,30m\n0,2h,3h\n1,5h,6h\n",
        )],
    );
    assert_eq!(s.device_count(), 2);
    let r = run_scenario(&s);
    assert_eq!(starts_by_device(&r), vec![(0, 2 * H), (1, 5 * H)]);
    // The run records which trace it replayed, by digest, as the scenario names it.
    let traces = &r.summary["scenario"]["traces"];
    assert_eq!(traces[0]["file"], "traces/net.csv");
    assert_eq!(traces[0]["digest_sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn times_may_be_milliseconds_or_durations_and_comments_and_blank_lines_are_skipped() {
    // 7,200,000 ms is 2 h: the same rows as above, written differently, with a comment between
    // the devices and a blank line, a byte-order mark and Windows line ends on the first lines
    // (a spreadsheet's export): the same attempts.
    let (s, _dir) = load(
        &net_fleet(),
        &[(
            "traces/net.csv",
            "\u{feff}device , from , to\r\n# exported 2026-11-27\r\n0,0,1800000\n0, 7200000 ,3h\n\n# next\n1,5h,6h\n",
        )],
    );
    let r = run_scenario(&s);
    assert_eq!(starts_by_device(&r), vec![(0, 2 * H), (1, 5 * H)]);
}

#[test]
fn a_device_the_trace_never_names_is_offline_throughout() {
    // count 3 with a trace naming devices 0 and 1: device 2 has no rows, so it is never online
    // and its one-shot never fires.
    let mut s = net_fleet();
    s["devices"][0]["count"] = json!(3);
    let (s, _dir) = load(
        &s,
        &[("traces/net.csv", "device,from,to\n0,2h,3h\n1,5h,6h\n")],
    );
    let r = run_scenario(&s);
    assert_eq!(starts_by_device(&r), vec![(0, 2 * H), (1, 5 * H)]);
    assert_eq!(r.regs.len(), 3);
    assert_eq!(r.regs[2].final_state, "pending_at_end");
}

#[test]
fn trace_devices_and_synthetic_devices_mix_in_one_fleet() {
    // Block 0: two synthetic always-online devices (fleet devices 0, 1) fire at 1 h. Block 1
    // replays the trace: its device 0 is fleet device 2 and fires at its row's start, 2 h.
    let synthetic = desktop(json!([origin(
        json!({ "duration": { "fixed": "2s" }, "needs_network": true }),
        json!([{ "kind": "one_shot", "tag": "t", "at": "1h" }])
    )]))["devices"][0]
        .clone();
    let mut s = net_fleet();
    let traced = s["devices"][0].clone();
    let mut first = synthetic;
    first["count"] = json!(2);
    s["devices"] = json!([first, traced]);
    let (s, _dir) = load(&s, &[("traces/net.csv", "device,from,to\n0,2h,3h\n")]);
    assert_eq!(s.device_count(), 3);
    let r = run_scenario(&s);
    assert_eq!(starts_by_device(&r), vec![(0, H), (1, H), (2, 2 * H)]);
}

// §14 / §4.2: sessions.

#[test]
fn a_sessions_trace_opens_the_browser_per_device() {
    // Desktop, always online: device 0 has the browser open 1–2 h, device 1 only 3–4 h. The
    // register call at 1 h 30 min needs an open page: device 0 fires it at once; device 1's
    // browser is closed then, so its call is rejected and nothing fires.
    let mut s = desktop(json!([origin(
        json!({ "duration": { "fixed": "2s" } }),
        json!([{ "kind": "one_shot", "tag": "t", "at": "1h30m" }])
    )]));
    s["devices"][0]["browser"]["sessions"] =
        json!({ "model": "trace", "file": "traces/sessions.csv" });
    let (s, _dir) = load(
        &s,
        &[("traces/sessions.csv", "device,from,to\n0,1h,2h\n1,3h,4h\n")],
    );
    let r = run_scenario(&s);
    assert_eq!(starts_by_device(&r), vec![(0, H + 30 * MIN)]);
    assert_eq!(r.summary["one_shot"]["rejected_by"]["browser_down"], 1);
}

// §14 / §4.3: crashes.

#[test]
fn a_crash_trace_kills_the_browser_at_its_instants() {
    // Always open and online; a 10 s one-shot dispatched at 0 s (its write commits at once).
    // The trace crashes device 0 at 5 s: the event is interrupted; the browser restarts 10 s
    // later, at 15 s, and fires it again (the firing state is never persisted): 15 s → 25 s.
    let mut s = desktop(json!([origin(
        json!({ "duration": { "fixed": "10s" } }),
        json!([{ "kind": "one_shot", "tag": "t", "at": "0s" }])
    )]));
    s["devices"][0]["crashes"] =
        json!({ "model": "trace", "file": "traces/crashes.csv", "restart_delay": "10s" });
    let (s, _dir) = load(&s, &[("traces/crashes.csv", "device,at\n0,5s\n")]);
    let r = run_scenario(&s);
    assert_eq!(
        timeline(&r),
        vec![
            (0, Some(5 * S), "interrupted"),
            (15 * S, Some(25 * S), "success")
        ]
    );
    assert_eq!(r.summary["crashes"], 1);
}

// §14 / §4.7: charging.

#[test]
fn a_charging_trace_ends_doze_like_inline_windows() {
    // tests/android_power.rs `charging_lets_a_deferred_job_run_at_once` with the charging
    // window 15 min 30 s – 1 h read from a trace: the retry due at 15 min 1 s, waiting in light
    // doze, runs when the phone is plugged in, at 930,000 ms.
    let handler = json!({ "duration": { "fixed": "2s" }, "outcomes": ["fail", "success"] });
    let s = android_phone(
        handler,
        "9m59s",
        json!({ "charging": { "model": "trace", "file": "traces/charging.csv" } }),
    );
    let (s, _dir) = load(
        &s,
        &[("traces/charging.csv", "device,from,to\n0,15m30s,1h\n")],
    );
    let r = run_scenario(&s);
    assert_eq!(
        wakeup_rows(&r),
        vec![(901_000, 930_000, "retry".to_string())]
    );
}

// §14 / §13: the radio column.

#[test]
fn the_radio_column_prices_wifi_like_the_android_wifi_windows() {
    // The same phone twice: online all day, on Wi-Fi 0–12 h, given once as a network trace with
    // a radio column and once as always-online with `android.wifi` windows. Every output row
    // must be the same, energy included.
    let handler = json!({ "duration": { "fixed": "2s" }, "needs_network": true,
        "outcomes": ["fail", "fail", "success"] });
    let mut inline = android_phone(
        handler.clone(),
        "9m59s",
        json!({ "wifi": { "at": [["0s", "12h"]] } }),
    );
    inline["devices"][0]["count"] = json!(1);
    let mut traced = android_phone(handler, "9m59s", json!({}));
    traced["devices"][0]["network"] = json!({ "model": "trace", "file": "traces/net.csv" });
    let (a, _d1) = load(&inline, &[]);
    let (b, _d2) = load(
        &traced,
        &[(
            "traces/net.csv",
            "device,from,to,radio\n0,0,12h,wifi\n0,12h,1d,cellular\n",
        )],
    );
    let (ra, rb) = (run_scenario(&a), run_scenario(&b));
    for file in ["attempts.csv", "energy.csv", "daily.csv", "wakeups.csv"] {
        let read = |r: &Run| fs::read(r.dir.path().join("out").join(file)).unwrap();
        assert_eq!(read(&ra), read(&rb), "{file}");
    }
    assert!(
        ra.summary["energy"]["mah_per_device_day"]["mean"]
            .as_f64()
            .unwrap()
            > 0.0
    );
}

// §14: the command-line overrides on a traced fleet.

#[test]
fn days_cuts_the_trace_at_the_new_horizon() {
    // Online 20 h – 26 h on a 2-day scenario; `--days 1` keeps 20 h – 24 h. The one-shot
    // registered at 1 h fires at 20 h either way.
    let mut s = net_fleet();
    s["duration"] = json!("2d");
    let (mut s, _dir) = load(&s, &[("traces/net.csv", "device,from,to\n0,20h,1d2h\n")]);
    s.override_days(1).unwrap();
    let r = run_scenario(&s);
    assert_eq!(starts_by_device(&r), vec![(0, 20 * H)]);
}

#[test]
fn devices_may_sample_a_traced_block_but_not_grow_it() {
    let (mut s, _dir) = load(
        &net_fleet(),
        &[("traces/net.csv", "device,from,to\n0,2h,3h\n1,5h,6h\n")],
    );
    let e = s.clone().override_devices(3).unwrap_err().to_string();
    assert!(e.contains("replays traces of 2 devices"), "{e}");
    s.override_devices(1).unwrap();
    let r = run_scenario(&s);
    assert_eq!(starts_by_device(&r), vec![(0, 2 * H)]);
}

// §14: what a bad trace reports.

#[test]
fn trace_errors_name_the_file_line_and_column() {
    let cases: &[(&str, &[&str])] = &[
        (
            "device,from,to\n1,0,1h\n0,2h,3h\n",
            &[
                "net.csv: line 3, column 1",
                "grouped by device in increasing order",
            ],
        ),
        (
            "device,from,to\n0,0,1h\n0,30m,3h\n",
            &["line 3, column 2", "overlaps the previous row"],
        ),
        (
            "device,from,to\n0,2h,3h\n0,0,1h\n",
            &["line 3, column 2", "in time order"],
        ),
        (
            "device,from,to\n0,1h,1h\n",
            &["line 2, column 3", "expected to after from"],
        ),
        (
            "device,from,to\n0,1h,3d\n",
            &["line 2, column 3", "past the scenario's horizon (2d)"],
        ),
        (
            "device,from,to\n0,2d,3d\n",
            &["line 2, column 2", "past the scenario's horizon"],
        ),
        (
            "device,from,to,radio\n0,0,1h,lte\n",
            &[
                "line 2, column 4",
                "expected radio \"wifi\" or \"cellular\"",
            ],
        ),
        (
            "device,start,to\n0,0,1h\n",
            &["line 1, column 2", "unknown column \"start\""],
        ),
        ("device,to\n0,1h\n", &["no \"from\" column"]),
        (
            "device,from,to\n0,0\n",
            &["line 2, column 3", "expected 3 columns"],
        ),
        (
            "device,from,to\n-1,0,1h\n",
            &["line 2, column 1", "expected a device number"],
        ),
        (
            "device,from,to\n0,0,1y\n",
            &["line 2, column 3", "expected a duration"],
        ),
        ("# only a comment\n", &["expected a header line"]),
    ];
    for (text, needles) in cases {
        let e = load_error(&net_fleet(), &[("traces/net.csv", text)]);
        for n in *needles {
            assert!(e.contains(n), "{text:?}: expected {n:?} in {e}");
        }
        assert!(e.contains("devices[0].network.file"), "{e}");
    }
}

#[test]
fn a_row_of_a_device_past_the_given_count_is_an_unknown_device() {
    let mut s = net_fleet();
    s["devices"][0]["count"] = json!(2);
    let e = load_error(
        &s,
        &[("traces/net.csv", "device,from,to\n0,0,1h\n1,0,1h\n2,0,1h\n")],
    );
    assert!(
        e.contains("line 4, column 1: unknown device 2: the block has count 2"),
        "{e}"
    );
}

#[test]
fn a_missing_file_a_directory_and_an_endless_line_are_errors() {
    let e = load_error(&net_fleet(), &[]);
    assert!(e.contains("net.csv: cannot read"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), &net_fleet(), &[]);
    fs::create_dir_all(dir.path().join("traces/net.csv")).unwrap();
    let e = Scenario::load(&file).unwrap_err().to_string();
    assert!(e.contains("expected a regular file"), "{e}");
    let long = format!("device,from,to\n0,0,{}", "1".repeat(10_000));
    let e = load_error(&net_fleet(), &[("traces/net.csv", &long)]);
    assert!(
        e.contains("line 2: expected lines of at most 4096 bytes"),
        "{e}"
    );
    // Latin-1 bytes are not UTF-8 text.
    fs::remove_dir(dir.path().join("traces/net.csv")).unwrap();
    fs::write(
        dir.path().join("traces/net.csv"),
        b"device,from,to\n0,0,1h\n\xff\n",
    )
    .unwrap();
    let e = Scenario::load(&file).unwrap_err().to_string();
    assert!(e.contains("line 3: expected UTF-8 text"), "{e}");
}

#[test]
fn crash_traces_take_no_at_or_rate() {
    let mut s = net_fleet();
    s["devices"][0]["network"] = json!({ "model": "always_online" });
    s["devices"][0]["crashes"] = json!({ "model": "trace", "file": "traces/c.csv",
        "at": ["1h"], "restart_delay": "1s" });
    let e = load_error(&s, &[("traces/c.csv", "device,at\n0,1h\n")]);
    assert!(
        e.contains("devices[0].crashes: with \"model\": \"trace\""),
        "{e}"
    );
    s["devices"][0]["crashes"] =
        json!({ "model": "trace", "file": "traces/c.csv", "restart_delay": "1s" });
    let e = load_error(&s, &[("traces/c.csv", "device,at\n0,2h\n0,1h\n")]);
    assert!(
        e.contains("line 3, column 2: expected times in increasing order"),
        "{e}"
    );
}

#[test]
fn the_cli_rejects_a_bad_trace_with_exit_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        &net_fleet(),
        &[("traces/net.csv", "device,from,to\n0,0,1h\n0,30m,2h\n")],
    );
    let out = dir.path().join("out");
    let o = bgsim(&["run", &file, "--out", out.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("line 3, column 2"), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn a_trace_changed_after_loading_fails_the_run_and_writes_nothing() {
    // Loaded, then the file is rewritten (a log still being exported): the rows the run reads
    // are no longer those validated, so the run must not be written.
    let (s, dir) = load(
        &net_fleet(),
        &[("traces/net.csv", "device,from,to\n0,2h,3h\n")],
    );
    fs::write(
        dir.path().join("traces/net.csv"),
        "device,from,to\n0,4h,5h\n",
    )
    .unwrap();
    let fleet = bgsim::experiment::run(s.fleet(), &Default::default());
    let out = dir.path().join("out");
    let opts = bgsim::output::WriteOptions {
        charts: false,
        force: false,
    };
    let e = bgsim::output::write_run(&out, &s, &fleet, &opts).unwrap_err();
    assert!(e.to_string().contains("changed while bgsim was"), "{e}");
    assert!(!out.exists());
}

// §14: the bundled example traces.

#[allow(dead_code)]
#[path = "../examples/gen_traces.rs"]
mod gen_traces;

#[test]
fn the_bundled_traces_are_what_their_generator_writes() {
    // scenarios/traces/commuters-*.csv are synthetic (not real data): they must be exactly what
    // examples/gen_traces.rs writes, so anyone can see and rerun the model behind them.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/traces");
    for (name, text) in gen_traces::traces() {
        let committed = fs::read_to_string(dir.join(name)).unwrap();
        assert!(
            committed == text,
            "{name} differs: run scripts/gen-traces.sh"
        );
    }
    // The scenario replaying them takes its first block's count from them: 20 devices, then
    // 20 synthetic ones.
    let s = Scenario::load(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/trace-commuters.json"),
    )
    .unwrap();
    assert_eq!(gen_traces::DEVICES, 20);
    assert_eq!(s.device_count(), 40);
    assert_eq!(s.traces().len(), 4);
}

// §9 / §14: any trace either loads or is a clean error, and a loaded one runs.

mod any_trace {
    use super::*;
    use proptest::prelude::*;

    /// Lines built from the pieces a trace is made of, in any order and combination.
    fn line() -> impl Strategy<Value = String> {
        let field = prop_oneof![
            Just("device".to_string()),
            Just("from".to_string()),
            Just("to".to_string()),
            Just("radio".to_string()),
            Just("wifi".to_string()),
            Just("cellular".to_string()),
            Just(String::new()),
            Just("# note".to_string()),
            (0u64..4).prop_map(|d| d.to_string()),
            (0u64..3 * D).prop_map(|t| t.to_string()),
            (0u64..60).prop_map(|h| format!("{h}h")),
            Just("18446744073709551616".to_string()),
            Just("-1".to_string()),
            Just("1y".to_string()),
            Just("\u{feff}".to_string()),
        ];
        proptest::collection::vec(field, 0..6).prop_map(|f| f.join(","))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]
        #[test]
        fn a_trace_loads_or_is_a_located_error_and_never_panics(
            header in prop_oneof![
                Just("device,from,to,radio".to_string()),
                Just("device,from,to".to_string()),
                line(),
            ],
            rows in proptest::collection::vec(line(), 0..12),
            ordered in proptest::collection::vec((0u64..3, 0u64..30, 1u64..30), 0..12),
        ) {
            // Half random lines, half well-formed rows that may still overlap or run backwards.
            let mut text = header + "\n";
            for r in &rows {
                text.push_str(r);
                text.push('\n');
            }
            for (d, from, len) in &ordered {
                text.push_str(&format!("{d},{from}h,{}h\n", from + len));
            }
            let dir = tempfile::tempdir().unwrap();
            let file = write(dir.path(), &net_fleet(), &[("traces/net.csv", &text)]);
            match Scenario::load(&file) {
                Ok(s) => {
                    // Two-day horizon: whatever loaded runs and replays every device.
                    let fleet = bgsim::experiment::run(s.fleet(), &Default::default());
                    prop_assert_eq!(fleet.devices, s.device_count());
                    prop_assert!(s.verify_traces().is_ok());
                }
                Err(e) => {
                    let e = e.to_string();
                    // Located: a line of the trace, or the block (a trace naming no device).
                    prop_assert!(
                        e.contains("net.csv") || e.contains("devices[0]: the block's traces have no rows"),
                        "{}", e
                    );
                }
            }
        }
    }
}
