//! `report.html`: one self-contained page — inline CSS and SVG, no scripts, no network — with
//! the scenario, the headline metrics, every chart, the parameters, the invariants and the
//! `expect` results. Built from the run's files only, like the charts.

use std::fmt::Write;
use std::path::Path;

use super::error::Result;
use serde_json::Value;

use super::charts::{CHARTS, ChartData};
use crate::experiment::check::{evaluate, expects_in_summary, lookup};

/// Headline metrics shown at the top: (dotted path, label).
const HEADLINES: [(&str, &str); 21] = [
    ("devices", "devices"),
    ("device_days", "device-days"),
    (
        "wakeups.per_device_day.mean",
        "wake-ups per device-day, mean",
    ),
    ("wakeups.per_device_day.p95", "wake-ups per device-day, p95"),
    ("wakeups.per_device_day.max", "wake-ups per device-day, max"),
    ("sync_events.total", "sync events"),
    (
        "one_shot.success_rate",
        "one-shot success rate (succeeded / finished)",
    ),
    (
        "one_shot.delivered_rate",
        "one-shot delivered rate (succeeded / all register calls)",
    ),
    ("one_shot.rejected", "one-shot register calls rejected"),
    ("one_shot.lost", "one-shot registrations lost to a crash"),
    ("one_shot.stuck", "one-shot registrations stuck"),
    (
        "one_shot.pending_at_end",
        "one-shot registrations pending at the end",
    ),
    ("periodic.rejected", "periodic register calls rejected"),
    (
        "periodic.pending_at_end",
        "periodic registrations active at the end",
    ),
    ("one_shot.latency_s.p50", "one-shot latency p50 (s)"),
    ("one_shot.latency_s.p95", "one-shot latency p95 (s)"),
    ("attempts.retries", "retries"),
    ("periodic.suspended", "suspended periodic registrations"),
    ("crashes", "crashes"),
    (
        "awake_s.per_device_day",
        "background awake time per device-day (s)",
    ),
    ("invariants.violations", "invariant violations"),
];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn fmt_num(v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", x as i64),
        Some(x) => format!("{x:.3}"),
    }
}

const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:1000px;color:#222;padding:0 1rem}\
h1{margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}\
.meta{color:#666}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.3rem .6rem;text-align:left}\
td.num{text-align:right;font-variant-numeric:tabular-nums}.pass{color:#1a7f37;font-weight:600}.fail{color:#cf222e;font-weight:600}\
figure{margin:1.2rem 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}figcaption{color:#555}";

/// Writes `dir/report.html` from the files in `dir` (charts must already be rendered).
pub fn write_report(dir: &Path, data: &ChartData) -> Result<()> {
    let s = &data.summary;
    let text = |path: &str| {
        s.pointer(path)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let mut h = String::new();
    let name = text("/scenario/name");
    writeln!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
    )?;
    writeln!(
        h,
        "<title>bgsim report: {}</title><style>{CSS}</style></head><body>",
        esc(&name)
    )?;
    writeln!(h, "<h1>{}</h1>", esc(&name))?;
    writeln!(h, "<p>{}</p>", esc(&text("/scenario/description")))?;
    writeln!(
        h,
        "<p class=\"meta\">policy <b>{}</b> · seed {} · {} days · bgsim {} · scenario sha256 {}</p>",
        esc(&text("/policy/preset")),
        s.get("seed").and_then(Value::as_u64).unwrap_or(0),
        s.pointer("/scenario/days")
            .and_then(Value::as_u64)
            .unwrap_or(0),
        esc(&text("/bgsim_version")),
        esc(&text("/scenario/digest_sha256")),
    )?;

    writeln!(
        h,
        "<h2>Headline metrics</h2><table><tr><th>metric</th><th>name</th><th>value</th></tr>"
    )?;
    for (path, label) in HEADLINES {
        writeln!(
            h,
            "<tr><td>{label}</td><td><code>{path}</code></td><td class=\"num\">{}</td></tr>",
            fmt_num(lookup(s, path))
        )?;
    }
    writeln!(h, "</table>")?;

    let expects = expects_in_summary(s);
    if !expects.is_empty() {
        writeln!(
            h,
            "<h2>Expectations</h2><table><tr><th>metric</th><th>expected</th><th>actual</th><th>verdict</th></tr>"
        )?;
        for e in &expects {
            let v = evaluate(e, s);
            let (class, word) = if v.pass {
                ("pass", "pass")
            } else {
                ("fail", "FAIL")
            };
            writeln!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"{class}\">{word}</td></tr>",
                esc(&v.metric),
                esc(&super::format::expected(&v.expected)),
                fmt_num(v.actual)
            )?;
        }
        writeln!(h, "</table>")?;
    }

    writeln!(h, "<h2>Charts</h2>")?;
    for (i, (stem, title)) in CHARTS.iter().enumerate() {
        if let Some(why) = data.why_empty(i) {
            writeln!(
                h,
                "<p id=\"chart-{stem}\" class=\"note\">{title}: not drawn — {why}.</p>"
            )?;
            continue;
        }
        let svg = std::fs::read_to_string(dir.join("charts").join(format!("{stem}.svg")))?;
        let svg = svg.trim_start_matches(|c| c != '<');
        let svg = svg
            .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
            .unwrap_or(svg);
        writeln!(
            h,
            "<figure id=\"chart-{stem}\">{svg}<figcaption>{title}</figcaption></figure>"
        )?;
    }

    writeln!(
        h,
        "<h2>Invariants</h2><table><tr><th>invariant</th><th>violations</th></tr>"
    )?;
    if let Some(inv) = s.get("invariants").and_then(Value::as_object) {
        for (k, v) in inv {
            if let Some(n) = v.as_u64() {
                let class = if n == 0 { "pass" } else { "fail" };
                writeln!(
                    h,
                    "<tr><td>{}</td><td class=\"num {class}\">{n}</td></tr>",
                    esc(k)
                )?;
            }
        }
        writeln!(h, "</table>")?;
        if let Some(first) = inv
            .get("first")
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
        {
            writeln!(
                h,
                "<p>First violations:</p><table><tr><th>invariant</th><th>device</th><th>time (ms)</th><th>origin</th><th>tag</th></tr>"
            )?;
            for v in first {
                let f = |k: &str| {
                    v.get(k)
                        .map(|x| x.to_string().trim_matches('"').to_string())
                        .unwrap_or_default()
                };
                writeln!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&f("invariant")),
                    esc(&f("device")),
                    esc(&f("time_ms")),
                    esc(&f("origin")),
                    esc(&f("tag"))
                )?;
            }
            writeln!(h, "</table>")?;
        }
    } else {
        writeln!(h, "</table>")?;
    }

    writeln!(
        h,
        "<h2>Parameters</h2><table><tr><th>parameter</th><th>value</th></tr>"
    )?;
    if let Some(params) = s.pointer("/policy/params").and_then(Value::as_object) {
        for (k, v) in params {
            writeln!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td></tr>",
                esc(k),
                esc(&match v {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                })
            )?;
        }
    }
    writeln!(h, "</table>")?;
    writeln!(h, "</body></html>")?;
    std::fs::write(dir.join("report.html"), h)?;
    Ok(())
}
