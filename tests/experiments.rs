//! DESIGN §1, §2, §9 experiments: shard/merge, sweeps with common random numbers, policy
//! comparison and `bgsim check` with baselines and exit codes.

mod common;

use std::fs;
use std::path::Path;
use std::process::Output;

use common::cli::bgsim;

fn ok(o: Output) -> Output {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.path().is_dir() {
            for (n, b) in files(&e.path()) {
                out.push((format!("{}/{n}", e.file_name().to_string_lossy()), b));
            }
        } else {
            out.push((
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            ));
        }
    }
    out.sort();
    out
}

#[test]
fn three_shards_merge_into_exactly_the_bytes_of_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |s: &str| tmp.path().join(s).to_string_lossy().into_owned();
    // crash-storm exercises crashes, android and periodic; --trace covers the trace too.
    let common = [
        "--devices",
        "7",
        "--days",
        "3",
        "--trace",
        "--trace-devices",
        "4",
        "--detail-devices",
        "5",
        "--quiet",
    ];
    let mut whole = vec!["run", "scenarios/crash-storm.json", "--out"];
    let whole_dir = p("whole");
    whole.push(&whole_dir);
    whole.extend(common);
    ok(bgsim(&whole));
    let shard_dirs: Vec<String> = (1..=3).map(|k| p(&format!("s{k}"))).collect();
    for (k, dir) in shard_dirs.iter().enumerate() {
        let shard = format!("{}/3", k + 1);
        let mut args = vec![
            "run",
            "scenarios/crash-storm.json",
            "--shard",
            &shard,
            "--out",
            dir,
        ];
        args.extend(common);
        ok(bgsim(&args));
    }
    let merged = p("merged");
    // Given out of order on purpose.
    ok(bgsim(&[
        "merge",
        &shard_dirs[2],
        &shard_dirs[0],
        &shard_dirs[1],
        "--out",
        &merged,
        "--quiet",
    ]));
    assert_eq!(files(Path::new(&whole_dir)), files(Path::new(&merged)));
    // A missing shard is an input error.
    let o = bgsim(&["merge", &shard_dirs[0], &shard_dirs[1], "--out", &p("bad")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("expected 3 shards"));
}

#[test]
fn jobs_1_and_4_give_identical_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    for (dir, jobs) in [(&a, "1"), (&b, "4")] {
        ok(bgsim(&[
            "run",
            "scenarios/android-wake-cap.json",
            "--devices",
            "9",
            "--days",
            "4",
            "--quiet",
            "--jobs",
            jobs,
            "--out",
            dir.to_str().unwrap(),
        ]));
    }
    assert_eq!(files(&a), files(&b));
}

#[test]
fn crn_parameters_the_world_never_consults_change_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sw");
    // quickstart has no periodic registration, so chromium never consults
    // `min_periodic_sync_events_interval`: both grid points see the same world and the same
    // decisions, so every metric's samples are identical. (A parameter chromium does
    // not read at all, such as `periodic_retries`, is refused: see tests/policy_interface.rs.)
    ok(bgsim(&[
        "sweep",
        "scenarios/quickstart.json",
        "--vary",
        "min_periodic_sync_events_interval=1h,24h",
        "--replications",
        "2",
        "--devices",
        "4",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]));
    let mut rd = csv::Reader::from_path(out.join("sweep.csv")).unwrap();
    let mut by_point: [Vec<Vec<String>>; 2] = [Vec::new(), Vec::new()];
    for rec in rd.records() {
        let rec = rec.unwrap();
        let point: usize = rec[0].parse().unwrap();
        // Drop the point index and the parameter value, keep metric and statistics.
        by_point[point].push(rec.iter().skip(2).map(String::from).collect());
    }
    assert!(by_point[0].len() > 30);
    assert_eq!(by_point[0], by_point[1]);
    assert!(out.join("sweep.svg").exists() && out.join("sweep.png").exists());
}

#[test]
fn sweep_rows_carry_the_replication_statistics() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sw");
    ok(bgsim(&[
        "sweep",
        "scenarios/retry-basics.json",
        "--vary",
        "initial_retry_delay=1m,10m",
        "--replications",
        "3",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]));
    let text = fs::read_to_string(out.join("sweep.csv")).unwrap();
    // retry-basics is scripted (fail, fail, success) whatever the seed: 2 retries, n = 3,
    // stddev 0 and a degenerate interval at both points.
    let row = |delay: &str| {
        text.lines()
            .find(|l| l.contains(&format!(",{delay},attempts.retries,")))
            .unwrap()
            .to_string()
    };
    assert!(
        row("1m")
            .ends_with("attempts.retries,3,2.000000,0.000000,2.000000,2.000000,2.000000,2.000000"),
        "{}",
        row("1m")
    );
    // With a 10-min initial delay the second attempt is at 1 h + 2 s + 10 min: latency p50 moves.
    let latency = |value: &str| sweep_mean(&text, value, "one_shot.latency_s.p50");
    // 1m: 3600 + 2 + 60 + 2 + 180 + 2 = 3846 s → minus the 600 s registration delay = 3246 s;
    // 10m: 3600 + 2 + 600 + 2 + 1800 + 2 − 600 = 5406 s.
    assert_eq!(latency("1m"), 3246.0);
    assert_eq!(latency("10m"), 5406.0);
}

#[test]
fn compare_writes_paired_differences() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cmp");
    let o = ok(bgsim(&[
        "compare",
        "scenarios/quickstart.json",
        "--policy",
        "chromium",
        "--policy",
        "firefox",
        "--replications",
        "2",
        "--devices",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]));
    assert!(String::from_utf8_lossy(&o.stdout).contains("firefox − chromium"));
    let text = fs::read_to_string(out.join("compare.csv")).unwrap();
    // The reference policy's difference to itself is exactly 0.
    let row = text
        .lines()
        .find(|l| l.starts_with("one_shot.succeeded,chromium,"))
        .unwrap();
    assert!(row.ends_with(",0.000000,0.000000,0.000000"), "{row}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("one_shot.succeeded,firefox,"))
    );
}

#[test]
fn check_exit_codes_follow_the_baseline() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("rb.json");
    let b = base.to_str().unwrap();
    // Record a baseline, then check against it: pass (exit 0).
    ok(bgsim(&[
        "check",
        "scenarios/retry-basics.json",
        "--baseline",
        b,
        "--update-baseline",
    ]));
    let text = fs::read_to_string(&base).unwrap();
    assert!(text.contains("\"attempts.retries\""));
    ok(bgsim(&[
        "check",
        "scenarios/retry-basics.json",
        "--baseline",
        b,
    ]));
    // Craft a baseline the run misses: exit 1 and a FAIL row.
    fs::write(&base, r#"{ "scenario": "retry-basics", "metrics": { "attempts.retries": { "value": 5, "abs_tol": 0.5 } } }"#).unwrap();
    let o = bgsim(&["check", "scenarios/retry-basics.json", "--baseline", b]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("FAIL"));
    // Within tolerance: 2 vs 2.4 ± 0.5 passes.
    fs::write(&base, r#"{ "scenario": "retry-basics", "metrics": { "attempts.retries": { "value": 2.4, "abs_tol": 0.5 } } }"#).unwrap();
    ok(bgsim(&[
        "check",
        "scenarios/retry-basics.json",
        "--baseline",
        b,
    ]));
    // A malformed baseline is bad input: exit 2, with the path of the problem.
    fs::write(
        &base,
        r#"{ "scenario": "retry-basics", "metrics": { "attempts.retries": { "valu": 2 } } }"#,
    )
    .unwrap();
    let o = bgsim(&["check", "scenarios/retry-basics.json", "--baseline", b]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("metrics.attempts.retries"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn check_reads_an_output_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rb");
    ok(bgsim(&[
        "run",
        "scenarios/retry-basics.json",
        "--quiet",
        "--no-charts",
        "--out",
        out.to_str().unwrap(),
    ]));
    let o = ok(bgsim(&[
        "check",
        out.to_str().unwrap(),
        "--baseline",
        tmp.path().join("none.json").to_str().unwrap(),
        "--update-baseline",
    ]));
    assert!(String::from_utf8_lossy(&o.stderr).contains("wrote baseline"));
    // The expect rules recorded in summary.json are checked too.
    let o = ok(bgsim(&[
        "check",
        out.to_str().unwrap(),
        "--baseline",
        tmp.path().join("none.json").to_str().unwrap(),
    ]));
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("expect") && table.contains("baseline"));
}

/// Runs the two shards of a small crash-storm run; returns their directories.
fn two_shards(tmp: &Path, extra: [&[&str]; 2]) -> [String; 2] {
    let dirs = [1, 2].map(|k| tmp.join(format!("s{k}")).to_string_lossy().into_owned());
    for (k, dir) in dirs.iter().enumerate() {
        let shard = format!("{}/2", k + 1);
        let mut args = vec![
            "run",
            "scenarios/crash-storm.json",
            "--shard",
            &shard,
            "--out",
            dir,
        ];
        args.extend(["--devices", "4", "--days", "2", "--quiet"]);
        if !extra[k].contains(&"--detail-devices") {
            args.extend(["--detail-devices", "3"]);
        }
        args.extend(extra[k]);
        ok(bgsim(&args));
    }
    dirs
}

fn edit_partial(dir: &str, edit: impl FnOnce(&mut serde_json::Value)) {
    let file = Path::new(dir).join("partial.json");
    let mut v: serde_json::Value = serde_json::from_slice(&fs::read(&file).unwrap()).unwrap();
    edit(&mut v);
    fs::write(&file, v.to_string()).unwrap();
}

fn merge_refused(dirs: &[String; 2], out: &Path, expected: &str) {
    let o = bgsim(&[
        "merge",
        &dirs[0],
        &dirs[1],
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains(expected),
        "expected {expected:?} in {stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn merge_refuses_structurally_corrupted_partials() {
    // Each edit keeps partial.json valid JSON of the right type: before, the first three
    // panicked and the last two merged silently into output unlike one run's.
    type Edit = fn(&mut serde_json::Value);
    let edits: [(Edit, &str); 5] = [
        (|v| v["fleet"]["first"] = 1.into(), "covers devices 1..3"),
        (|v| v["fleet"]["devices"] = 9.into(), "covers devices 2..11"),
        (
            |v| {
                v["fleet"]["totals"]["day_wakeups"]
                    .as_array_mut()
                    .unwrap()
                    .pop();
            },
            "has 2 days (1 wake-up",
        ),
        (
            |v| {
                v["fleet"]["totals"]["days"].as_array_mut().unwrap().pop();
            },
            "has 1 days",
        ),
        (
            |v| {
                let d = v["fleet"]["detail"].as_array_mut().unwrap();
                let first = d[0].clone();
                d.push(first);
            },
            "duplicated, missing or out of range",
        ),
    ];
    for (edit, expected) in edits {
        let tmp = tempfile::tempdir().unwrap();
        let dirs = two_shards(tmp.path(), [&[], &[]]);
        edit_partial(&dirs[1], edit);
        merge_refused(&dirs, &tmp.path().join("m"), expected);
    }
}

#[test]
fn merge_refuses_shards_run_with_different_detail_or_trace() {
    // Shard 2 with --detail-devices 0 would have left attempts.csv without its rows.
    let tmp = tempfile::tempdir().unwrap();
    let dirs = two_shards(tmp.path(), [&[], &["--detail-devices", "0"]]);
    merge_refused(&dirs, &tmp.path().join("m"), "--detail-devices 0");
    let tmp = tempfile::tempdir().unwrap();
    let dirs = two_shards(tmp.path(), [&["--trace"], &[]]);
    merge_refused(&dirs, &tmp.path().join("m"), "traced devices");
}

#[test]
fn detail_rows_stream_out_and_are_not_kept() {
    // 40 devices, detail 25, trace 3, chunks of a few devices: the sink sees devices 0..25 in
    // order, once each, and the fleet keeps only the 3 traced devices' results afterwards.
    let mut s = bgsim::scenario::Scenario::load("scenarios/crash-storm.json").unwrap();
    s.override_devices(40).unwrap();
    s.override_days(2).unwrap();
    let seen = std::sync::Mutex::new(Vec::new());
    let sink = |batch: &[(u64, bgsim::device::DeviceResult)]| {
        seen.lock().unwrap().extend(batch.iter().map(|(i, _)| *i))
    };
    let opts = bgsim::experiment::RunOptions {
        jobs: 2,
        detail_devices: 25,
        trace_devices: 3,
        progress: None,
        detail_sink: Some(&sink),
    };
    let fleet = bgsim::experiment::run(s.fleet(), &opts);
    assert_eq!(*seen.lock().unwrap(), (0..25).collect::<Vec<u64>>());
    let kept: Vec<u64> = fleet.detail.iter().map(|(i, _)| *i).collect();
    assert_eq!(kept, vec![0, 1, 2]);
    assert!(fleet.detail_streamed);
}

#[test]
fn check_writes_junit_and_prints_values_without_float_noise() {
    // retry-basics has two expect rules (success_rate = 1, retries = 2); the baseline given adds
    // a third rule that fails on purpose: crashes = 5 ± 0.049880600000000004 (the run has 0).
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("b.json");
    fs::write(
        &base,
        r#"{"scenario": "retry-basics", "metrics": {"crashes": {"value": 5, "abs_tol": 0.049880600000000004}}}"#,
    )
    .unwrap();
    let junit = tmp.path().join("junit.xml");
    let o = bgsim(&[
        "check",
        "scenarios/retry-basics.json",
        "--baseline",
        base.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("5 ± 0.049881"), "{table}");
    assert!(!table.contains("0.0498806"), "{table}");
    let xml = fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains(r#"<testsuites tests="3" failures="1">"#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<testcase classname="expect" name="one_shot.success_rate"/>"#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<failure message="expected 5 ± 0.049881, got 0"/>"#),
        "{xml}"
    );
}

#[test]
fn new_baselines_give_ratios_an_absolute_tolerance() {
    // success_rate is a ratio: ± 0.005 absolute (0.9976 → 0.9795 must fail); crashes a count:
    // ± 5 % relative.
    use bgsim::experiment::check::Tolerance;
    let t = Tolerance::for_metric("one_shot.success_rate", 0.9976);
    assert_eq!((t.abs_tol, t.rel_tol), (0.005, 0.0));
    let t = Tolerance::for_metric("crashes", 100.0);
    assert_eq!((t.abs_tol, t.rel_tol), (0.001, 0.05));
}

#[test]
fn progress_is_reported_per_chunk_in_increasing_order() {
    // 40 devices on 2 threads: chunks of 40 / (2 × 4) = 5 devices, all in one wave. Before, the
    // only report came after the wave (0 → 100 %); now one per chunk: 5, 10, …, 40.
    let mut s = bgsim::scenario::Scenario::load("scenarios/quickstart.json").unwrap();
    s.override_devices(40).unwrap();
    s.override_days(1).unwrap();
    let seen = std::sync::Mutex::new(Vec::new());
    let progress = |done: u64, total: u64| seen.lock().unwrap().push((done, total));
    let opts = bgsim::experiment::RunOptions {
        jobs: 2,
        detail_devices: 0,
        trace_devices: 0,
        progress: Some(&progress),
        detail_sink: None,
    };
    bgsim::experiment::run(s.fleet(), &opts);
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen, (1..=8).map(|k| (5 * k, 40)).collect::<Vec<_>>());
}

#[test]
fn compare_defaults_to_five_replications_and_writes_raw_rows() {
    // No --replications: 5 runs per policy (seeds 7..=11 for retry-basics), each value kept in
    // compare_runs.csv by replication index.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("c");
    let o = ok(bgsim(&[
        "compare",
        "scenarios/retry-basics.json",
        "--policy",
        "chromium",
        "--policy",
        "firefox",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]));
    assert!(o.stdout.is_empty());
    let mut rd = csv::Reader::from_path(out.join("compare_runs.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    let crashes: Vec<(&str, &str, &str)> = rows
        .iter()
        .filter(|r| &r[3] == "attempts.retries")
        .map(|r| (&r[0], &r[1], &r[2]))
        .collect();
    assert_eq!(crashes.len(), 10);
    assert_eq!(crashes[0], ("chromium", "0", "7"));
    assert_eq!(crashes[4], ("chromium", "4", "11"));
    assert_eq!(crashes[9], ("firefox", "4", "11"));
}

#[test]
fn a_sweep_over_two_parameters_draws_a_heatmap_with_a_panel_per_other_value() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sw2");
    ok(bgsim(&[
        "sweep",
        "scenarios/retry-basics.json",
        "--vary",
        "initial_retry_delay=1m,5m",
        "--vary",
        "max_sync_attempts=3,4",
        "--vary",
        "retry_delay_factor=2,3",
        "--replications",
        "2",
        "--metric",
        "one_shot.latency_s.p50",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]));
    let svg = fs::read_to_string(out.join("sweep.svg")).unwrap();
    // Columns initial_retry_delay, rows max_sync_attempts, one panel per retry_delay_factor;
    // 2 × 2 cells in each of 2 panels, each labelled with its mean ± CI half-width.
    assert!(svg.contains("a panel per retry_delay_factor"));
    assert!(svg.contains("retry_delay_factor=2") && svg.contains("retry_delay_factor=3"));
    assert_eq!(svg.matches(" ± ").count(), 8 + 1, "8 cells and the title");
}

#[test]
fn a_sweep_varies_scenario_fields_by_json_path() {
    // retry-basics: offline until 1 h, the outbox fails twice (scripted) and succeeds on the
    // third attempt: it finishes at 3600 + 2 + 300 + 2 + 900 + 2 = 4806 s whenever it was
    // registered before 1 h. Registered at 10 min: latency 4806 − 600 = 4206 s; at 30 min:
    // 4806 − 1800 = 3006 s.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("swp");
    ok(bgsim(&[
        "sweep",
        "scenarios/retry-basics.json",
        "--vary",
        "devices[0].origins[0].registrations[0].at=10m,30m",
        "--replications",
        "2",
        "--metric",
        "one_shot.latency_s.p50",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]));
    let text = fs::read_to_string(out.join("sweep.csv")).unwrap();
    let latency = |value: &str| sweep_mean(&text, value, "one_shot.latency_s.p50");
    assert_eq!(latency("10m"), 4206.0);
    assert_eq!(latency("30m"), 3006.0);
}

#[test]
fn a_json_path_that_is_not_in_the_scenario_is_an_input_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("bad");
    let o = bgsim(&[
        "sweep",
        "scenarios/retry-basics.json",
        "--vary",
        "devices[3].count=1,2",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("devices[3]") && err.contains("the scenario has no devices[3]"),
        "{err}"
    );
    // An edited value is validated like a written one, and the error names the point, the
    // file and the field.
    let o = bgsim(&[
        "sweep",
        "scenarios/retry-basics.json",
        "--vary",
        "devices[0].origins[0].handler.success_probability=0.5,2",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("success_probability=2")
            && err.contains("retry-basics.json")
            && err.contains("expected a probability between 0 and 1, got 2"),
        "{err}"
    );
    assert!(!out.exists(), "nothing is written on an input error");
}

/// The mean of `metric` at the sweep point whose (single) varied value is `value`, from
/// sweep.csv's text.
fn sweep_mean(text: &str, value: &str, metric: &str) -> f64 {
    text.lines()
        .find(|l| l.contains(&format!(",{value},{metric},")))
        .unwrap_or_else(|| panic!("no row for {value} in {text}"))
        .split(',')
        .nth(4)
        .unwrap()
        .parse::<f64>()
        .unwrap()
}
