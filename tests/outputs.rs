//! DESIGN §6 (charts, report.html, trace.json) and §9 (`bgsim plot`, `bgsim schema`): what people
//! look at, checked for structure and for reproducibility.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::cli::bgsim;
use serde_json::Value;

fn run_to(dir: &Path, scenario: &str, extra: &[&str]) {
    let mut args = vec!["run", scenario, "--quiet", "--out", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = bgsim(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

const CHARTS: [&str; 5] = ["wakeups", "retries", "latency_cdf", "tiers", "fetches"];

#[test]
fn every_chart_is_a_valid_svg_and_png_with_its_series() {
    let tmp = tempfile::tempdir().unwrap();
    let qs = tmp.path().join("qs");
    run_to(&qs, "scenarios/quickstart.json", &[]);
    // quickstart has no periodic sync; periodic-tiers draws the tiers chart.
    let tiers = tmp.path().join("tiers");
    run_to(&tiers, "scenarios/periodic-tiers.json", &[]);
    let series = [
        (
            &qs,
            "wakeups",
            vec!["mean", "p95", "wake-ups per device-day"],
        ),
        (&qs, "retries", vec!["one_shot", "periodic", "gave up"]),
        (&qs, "latency_cdf", vec!["one-shot", "log scale"]),
        (&tiers, "tiers", vec!["p50", "p95", "HIGH"]),
    ];
    for (out, stem, names) in series {
        let svg = fs::read_to_string(out.join(format!("charts/{stem}.svg"))).unwrap();
        assert!(
            svg.contains("<svg") && svg.trim_end().ends_with("</svg>"),
            "{stem}.svg"
        );
        assert!(svg.len() > 3_000, "{stem}.svg is suspiciously small");
        for name in names {
            assert!(svg.contains(name), "{stem}.svg lacks {name:?}");
        }
        let png = fs::File::open(out.join(format!("charts/{stem}.png"))).unwrap();
        let decoder = png::Decoder::new(std::io::BufReader::new(png));
        let reader = decoder.read_info().expect("a valid PNG");
        let info = reader.info();
        assert_eq!((info.width, info.height), (900, 520), "{stem}.png size");
    }
}

#[test]
fn design_2019_wakeup_chart_draws_the_cap() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cap");
    run_to(
        &out,
        "scenarios/android-wake-cap.json",
        &["--policy", "design-2019", "--devices", "3", "--days", "3"],
    );
    let svg = fs::read_to_string(out.join("charts/wakeups.svg")).unwrap();
    assert!(svg.contains("daily cap on periodic wake-ups"));
    // Stacked by cause, periodic first (the cap reads against it), the legend beside the plot.
    let periodic = svg.find("\nperiodic\n").expect("a periodic legend entry");
    let cap = svg.find("daily cap on periodic wake-ups").unwrap();
    assert!(periodic < cap);
}

#[test]
fn chromium_wakeup_chart_has_no_cap_and_names_each_cause_it_draws() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("nocap");
    run_to(
        &out,
        "scenarios/android-wake-cap.json",
        &["--devices", "3", "--days", "3"],
    );
    let svg = fs::read_to_string(out.join("charts/wakeups.svg")).unwrap();
    // Production Chromium promises no daily cap: no cap line. Only causes that occurred get a
    // legend entry (no `timer` on android, no `fetch` without Background Fetch).
    assert!(!svg.contains("daily cap"));
    assert!(svg.contains("\nperiodic\n"));
    assert!(!svg.contains("\ntimer\n") && !svg.contains("\nfetch\n"));
}

#[test]
fn report_is_self_contained_and_has_every_chart() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rb");
    run_to(&out, "scenarios/retry-basics.json", &[]);
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    for bad in [
        "<script",
        "<link",
        "src=\"http",
        "href=\"http",
        "@import",
        "url(http",
        "<img",
    ] {
        assert!(!html.contains(bad), "report.html must not reference {bad}");
    }
    // retry-basics has no periodic registration and no Background Fetch: those charts are not
    // drawn (no empty chart), and the report says why in their place; the others are inline.
    for stem in ["wakeups", "retries", "latency_cdf"] {
        assert!(
            html.contains(&format!("id=\"chart-{stem}\"><svg")),
            "chart {stem} inline"
        );
    }
    assert!(html.contains("id=\"chart-tiers\" class=\"note\">"));
    assert!(html.contains("not drawn — no periodic registration fired twice"));
    assert!(html.contains("not drawn — the scenario has no Background Fetch"));
    assert!(!out.join("charts/fetches.svg").exists() && !out.join("charts/tiers.png").exists());
    assert!(html.contains("retry-basics"));
    assert!(html.contains("initial_retry_delay"));
    // retry-basics expects success rate 1 and 2 retries: both pass.
    assert!(html.contains("Expectations"));
    assert_eq!(html.matches("class=\"pass\">pass<").count(), 2);
}

fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

#[test]
fn report_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        // .ci/run installs Chromium; on a developer machine without it this check cannot run.
        assert!(
            std::env::var("CI").is_err(),
            "CI must have Chromium (.ci/run installs it)"
        );
        eprintln!("skipped: no Chromium on this machine (apt-get install chromium)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rb");
    run_to(&out, "scenarios/retry-basics.json", &[]);
    let url = format!("file://{}", out.join("report.html").display());
    let profile = tmp.path().join("profile");
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ];
    let shot = tmp.path().join("shot.png");
    let o = Command::new(&browser)
        .args(common)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1200,2400")
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        shot.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Non-blank: a good share of the pixels are not white.
    let decoder = png::Decoder::new(std::io::BufReader::new(fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buf).unwrap();
    let bytes = &buf[..frame.buffer_size()];
    let px = frame.color_type.samples();
    let non_white = bytes
        .chunks(px)
        .filter(|p| p.iter().take(3).any(|c| *c < 240))
        .count();
    assert!(
        non_white > bytes.len() / px / 50,
        "the page looks blank ({non_white} non-white pixels)"
    );
    // Every chart made it into the rendered DOM.
    let dom = Command::new(&browser)
        .args(common)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    for stem in CHARTS {
        assert!(
            dom.contains(&format!("id=\"chart-{stem}\"")),
            "chart {stem} missing from the DOM"
        );
    }
}

#[test]
fn plot_reproduces_the_charts_and_report_of_run() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    run_to(&a, "scenarios/quickstart.json", &[]);
    let b = tmp.path().join("b");
    fs::create_dir(&b).unwrap();
    for f in [
        "daily.csv",
        "retries.csv",
        "latency.csv",
        "fetches.csv",
        "tiers.csv",
        "summary.json",
    ] {
        fs::copy(a.join(f), b.join(f)).unwrap();
    }
    let o = bgsim(&["plot", b.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        fs::read(a.join("report.html")).unwrap(),
        fs::read(b.join("report.html")).unwrap()
    );
    for stem in CHARTS {
        for ext in ["svg", "png"] {
            let f = format!("charts/{stem}.{ext}");
            if !a.join(&f).exists() {
                assert!(!b.join(&f).exists(), "{f}");
                continue;
            }
            assert_eq!(
                fs::read(a.join(&f)).unwrap(),
                fs::read(b.join(&f)).unwrap(),
                "{f}"
            );
        }
    }
}

#[test]
fn plot_on_a_directory_without_results_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let o = bgsim(&["plot", tmp.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("daily.csv"));
}

#[test]
fn trace_has_a_process_per_device_and_slices_per_sync_event() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("t");
    run_to(&out, "scenarios/retry-basics.json", &["--trace"]);
    let doc: Value = serde_json::from_slice(&fs::read(out.join("trace.json")).unwrap()).unwrap();
    let events = doc["traceEvents"].as_array().unwrap();
    let named = |name: &str| events.iter().filter(|e| e["name"] == name).count();
    assert_eq!(named("process_name"), 1);
    // Network, browser process, wake-ups and the one origin.
    assert_eq!(named("thread_name"), 4);
    let slices: Vec<&Value> = events
        .iter()
        .filter(|e| e["ph"] == "X" && e["cat"] == "one_shot")
        .collect();
    assert_eq!(slices.len(), 3);
    // First attempt at 1 h = 3.6e9 µs, lasting 2 s = 2e6 µs, a failure.
    assert_eq!(slices[0]["ts"], 3_600_000_000u64);
    assert_eq!(slices[0]["dur"], 2_000_000u64);
    assert_eq!(slices[0]["args"]["outcome"], "failure");
    assert_eq!(slices[0]["args"]["attempt"], 1);
    assert_eq!(slices[2]["args"]["last_chance"], true);
    // The first hour offline is a slice on the network track.
    let offline = events.iter().find(|e| e["name"] == "offline").unwrap();
    assert_eq!(
        (offline["ts"].as_u64(), offline["dur"].as_u64()),
        (Some(0), Some(3_600_000_000))
    );
}

#[test]
fn tracing_writes_each_devices_rows_once() {
    // quickstart's 20 devices on two threads are reduced in two waves of detail devices (16,
    // then 4). Traced devices stay in memory across waves for trace.json; an earlier version
    // wrote their rows again at every wave (device 0's rows twice here). Tracing must not
    // change a per-event row: the CSVs equal those of the run without --trace, byte for byte.
    let tmp = tempfile::tempdir().unwrap();
    let (traced, plain) = (tmp.path().join("t"), tmp.path().join("p"));
    run_to(
        &traced,
        "scenarios/quickstart.json",
        &["--trace", "--jobs", "2", "--no-charts"],
    );
    run_to(
        &plain,
        "scenarios/quickstart.json",
        &["--jobs", "2", "--no-charts"],
    );
    for file in ["attempts.csv", "registrations.csv", "wakeups.csv"] {
        assert!(
            fs::read(traced.join(file)).unwrap() == fs::read(plain.join(file)).unwrap(),
            "{file} differs with --trace"
        );
    }
}

#[test]
fn trace_devices_limits_the_trace() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("t");
    run_to(
        &out,
        "scenarios/quickstart.json",
        &["--trace", "--trace-devices", "3"],
    );
    let doc: Value = serde_json::from_slice(&fs::read(out.join("trace.json")).unwrap()).unwrap();
    let processes = doc["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == "process_name")
        .count();
    assert_eq!(processes, 3);
}

#[test]
fn committed_schema_is_in_sync_with_the_scenario_types() {
    let committed =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scenario.schema.json"))
            .unwrap();
    assert_eq!(
        committed.trim_end(),
        bgsim::scenario::schema_json().trim_end(),
        "docs/scenario.schema.json is stale: run `cargo run -- schema > docs/scenario.schema.json`"
    );
    let o = bgsim(&["schema"]);
    assert!(o.status.success());
    let schema: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(schema["$defs"]["Duration"]["pattern"].is_string());
}

#[test]
fn schema_lists_presets_and_levels_and_bounds_probabilities() {
    let schema: serde_json::Value = serde_json::from_str(&bgsim::scenario::schema_json()).unwrap();
    let presets = &schema["$defs"]["PolicyFile"]["properties"]["preset"]["enum"];
    let names: Vec<&str> = bgsim::model::policy::Preset::ALL
        .iter()
        .map(|p| p.name())
        .collect();
    assert_eq!(*presets, serde_json::json!(names));
    let levels = &schema["$defs"]["EngagementFile"]["properties"]["level"]["enum"];
    let mut expected: Vec<serde_json::Value> = bgsim::model::engagement::EngagementLevel::ALL
        .iter()
        .map(|l| l.name().into())
        .collect();
    expected.push(serde_json::Value::Null);
    assert_eq!(*levels, serde_json::Value::Array(expected));
    let p = &schema["$defs"]["HandlerFile"]["properties"]["success_probability"];
    assert_eq!(
        (p["minimum"].as_f64(), p["maximum"].as_f64()),
        (Some(0.0), Some(1.0))
    );
}

#[test]
fn daily_csv_of_a_mixed_fleet_has_no_blended_wakeup_distribution() {
    // crash-storm mixes desktop and android devices: android process starts and desktop timer
    // firings are not one figure, so the per-device-day distribution columns stay empty (the
    // per-cause counts are still there), and the chart still draws.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("mixed");
    run_to(
        &out,
        "scenarios/crash-storm.json",
        &["--devices", "4", "--days", "2"],
    );
    let mut rd = csv::Reader::from_path(out.join("daily.csv")).unwrap();
    let headers = rd.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    for rec in rd.records() {
        let rec = rec.unwrap();
        for name in ["wakeups_per_device_mean", "wakeups_per_device_p95"] {
            assert_eq!(&rec[col(name)], "", "{name}");
        }
        assert!(rec[col("wakeups_total")].parse::<u64>().is_ok());
    }
    assert!(out.join("charts/wakeups.svg").exists());
}
