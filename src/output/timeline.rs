//! One device-day as a timeline (DESIGN §4.7): screen, charging, doze states with their
//! maintenance windows, the device's network, wake-ups from when they were asked for to when
//! they ran, and sync events. `timeline.csv` holds the rows (for the first detail device, on
//! the day it was woken most), and `charts/timeline.{svg,png}` draws them from that file, so
//! `bgsim plot` redraws exactly what `bgsim run` drew.

use std::path::Path;

#[cfg(feature = "charts")]
use plotters::coord::Shift;
#[cfg(feature = "charts")]
use plotters::prelude::*;

#[cfg(feature = "charts")]
use super::charts::{FONT, side_legend, split_legend};
#[cfg(feature = "charts")]
use super::error::OutputError;
use super::error::Result;
use crate::device::{DeviceResult, PowerMark};
use crate::engine::time::DAY;
#[cfg(feature = "charts")]
use crate::model::android::doze::DozeState;

/// The lanes, top to bottom.
#[cfg(feature = "charts")]
pub const LANES: [&str; 6] = [
    "screen",
    "charging",
    "doze",
    "network",
    "wake-ups",
    "sync events",
];

/// One interval on a lane: `[from, to)` in ms since the start of the run.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub lane: String,
    pub from: u64,
    pub to: u64,
    pub label: String,
}

/// The day to draw: the one with the most wake-ups (the first such), else day 0.
fn pick_day(r: &DeviceResult) -> u64 {
    let mut best = (0u64, 0u64);
    for (d, day) in r.days.iter().enumerate() {
        let n = day.wakeups_total();
        if n > best.1 {
            best = (d as u64, n);
        }
    }
    best.0
}

/// The rows of device result `r` for its busiest day, or `None` without power management.
pub fn rows(r: &DeviceResult, horizon: u64) -> Option<(u64, Vec<Row>)> {
    if r.power_marks.is_empty() {
        return None;
    }
    let day = pick_day(r);
    let (lo, hi) = (day * DAY, ((day + 1) * DAY).min(horizon));
    let mut out = Vec::new();
    // Wake-ups and events keep their true times (a wake-up run at once has from = to); the
    // chart gives short ones a visible width.
    let mut push = |lane: &str, from: u64, to: u64, label: &str| {
        let (a, b) = (from.max(lo), to.min(hi));
        if a < b || (a == b && matches!(lane, "wake-ups" | "sync events") && a < hi) {
            out.push(Row {
                lane: lane.into(),
                from: a,
                to: b,
                label: label.into(),
            });
        }
    };
    // Each state lane: from every change to the next change of the same lane.
    type Key = fn(&PowerMark) -> Option<&'static str>;
    let lanes: [(&str, Key); 4] = [
        ("screen", |m| match m {
            PowerMark::Screen(on) => Some(if *on { "on" } else { "off" }),
            _ => None,
        }),
        ("charging", |m| match m {
            PowerMark::Charging(on) => Some(if *on { "charging" } else { "on battery" }),
            _ => None,
        }),
        ("doze", |m| match m {
            PowerMark::Doze(s) => Some(s.name()),
            _ => None,
        }),
        ("network", |m| match m {
            PowerMark::Network(up) => Some(if *up { "online" } else { "offline" }),
            _ => None,
        }),
    ];
    for (lane, key) in lanes {
        let marks: Vec<(u64, &str)> = r
            .power_marks
            .iter()
            .filter_map(|(t, m)| key(m).map(|l| (t.ms(), l)))
            .collect();
        for (i, &(t, label)) in marks.iter().enumerate() {
            let end = marks.get(i + 1).map_or(horizon, |m| m.0);
            push(lane, t, end, label);
        }
    }
    for w in &r.wakeups {
        if w.ran.ms() >= lo && w.requested.ms() < hi {
            push("wake-ups", w.requested.ms(), w.ran.ms(), w.cause.name());
        }
    }
    for a in &r.attempts {
        let end = a.end.map_or(hi, |e| e.ms());
        push(
            "sync events",
            a.start.ms(),
            end,
            a.outcome.map_or("running", |o| o.name()),
        );
    }
    Some((day, out))
}

/// Writes `timeline.csv` for `device`.
pub fn write_csv(dir: &Path, device: u64, day: u64, rows: &[Row]) -> Result<()> {
    let mut w = csv::Writer::from_path(dir.join("timeline.csv"))?;
    w.write_record(["device", "day", "lane", "from_ms", "to_ms", "label"])?;
    for r in rows {
        w.write_record([
            device.to_string(),
            day.to_string(),
            r.lane.clone(),
            r.from.to_string(),
            r.to.to_string(),
            r.label.clone(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// `timeline.csv` read back: (device, day, rows); `None` when the run wrote none.
#[cfg(feature = "charts")]
pub fn load(dir: &Path) -> Result<Option<(u64, u64, Vec<Row>)>> {
    let path = dir.join("timeline.csv");
    if !path.exists() {
        return Ok(None);
    }
    let mut rd = csv::Reader::from_path(&path)?;
    let (mut device, mut day, mut rows) = (0, 0, Vec::new());
    for rec in rd.records() {
        let rec = rec?;
        let num = |i: usize| -> Result<u64> {
            rec.get(i).and_then(|s| s.parse().ok()).ok_or_else(|| {
                OutputError::Message(format!("timeline.csv: expected a number in column {i}"))
            })
        };
        device = num(0)?;
        day = num(1)?;
        rows.push(Row {
            lane: rec[2].to_string(),
            from: num(3)?,
            to: num(4)?,
            label: rec[5].to_string(),
        });
    }
    Ok(Some((device, day, rows)))
}

#[cfg(feature = "charts")]
const SCREEN_ON: RGBColor = RGBColor(31, 119, 180);
#[cfg(feature = "charts")]
const GOOD: RGBColor = RGBColor(44, 160, 44);
#[cfg(feature = "charts")]
const BAD: RGBColor = RGBColor(214, 39, 40);
#[cfg(feature = "charts")]
const WAKEUP: RGBColor = RGBColor(255, 127, 14);

#[cfg(feature = "charts")]
fn color(lane: &str, label: &str) -> Option<RGBColor> {
    Some(match (lane, label) {
        ("screen", "on") => SCREEN_ON,
        ("charging", "charging") => GOOD,
        ("network", "offline") => BAD,
        ("network", "online") => RGBColor(200, 200, 200),
        ("doze", s) => doze_color(s)?,
        ("wake-ups", _) => WAKEUP,
        ("sync events", "success") => GOOD,
        ("sync events", _) => BAD,
        _ => return None,
    })
}

#[cfg(feature = "charts")]
fn doze_color(state: &str) -> Option<RGBColor> {
    let i = DozeState::ALL.iter().position(|s| s.name() == state)?;
    Some(
        [
            RGBColor(240, 240, 240),
            RGBColor(200, 200, 200),
            RGBColor(120, 170, 210),
            RGBColor(255, 200, 120),
            RGBColor(60, 60, 140),
            RGBColor(255, 160, 60),
        ][i],
    )
}

/// Draws the timeline of `rows` (device `device`, day `day`).
#[cfg(feature = "charts")]
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    (device, day, rows): &(u64, u64, Vec<Row>),
) -> Result<()> {
    let fail = |e: DrawingAreaErrorKind<DB::ErrorType>| {
        OutputError::Message(format!("drawing failed: {e}"))
    };
    root.fill(&WHITE).map_err(fail)?;
    let (plot, side) = split_legend(root);
    let n = LANES.len() as f64;
    let mut chart = ChartBuilder::on(&plot)
        .caption(format!("{title}: device {device}, day {day}"), (FONT, 22))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(90)
        .build_cartesian_2d(0f64..24.0, 0f64..n)
        .map_err(fail)?;
    chart
        .configure_mesh()
        .x_desc("hour of the day")
        .x_labels(13)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_labels(LANES.len() * 2 + 1)
        .y_label_formatter(&|y| {
            let k = (n - y - 0.5).round();
            if (n - y - 0.5 - k).abs() < 1e-6 && (0.0..n).contains(&k) {
                LANES[k as usize].to_string()
            } else {
                String::new()
            }
        })
        .disable_y_mesh()
        .label_style((FONT, 14))
        .draw()
        .map_err(fail)?;
    let base = day * DAY;
    let hour = |t: u64| (t.saturating_sub(base)) as f64 / 3_600_000.0;
    for r in rows {
        let Some(lane) = LANES.iter().position(|l| *l == r.lane) else {
            continue;
        };
        let Some(c) = color(&r.lane, &r.label) else {
            continue;
        };
        let y = n - lane as f64;
        // Short intervals (a wake-up run at once, a 2-s event) get a visible 3-minute width.
        let to = r.to.max(r.from + 180_000);
        let r = Row { to, ..r.clone() };
        let (pad, thin) = if r.lane == "wake-ups" {
            (0.42, true)
        } else {
            (0.15, false)
        };
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(hour(r.from), y - 1.0 + pad), (hour(r.to), y - pad)],
                c.filled(),
            )))
            .map_err(fail)?;
        if thin {
            // The run: a dot at the end of the wait.
            chart
                .draw_series(std::iter::once(Circle::new(
                    (hour(r.to), y - 0.5),
                    4,
                    c.filled(),
                )))
                .map_err(fail)?;
        }
    }
    let mut items: Vec<(String, RGBColor)> = DozeState::ALL
        .iter()
        .filter_map(|s| Some((format!("doze: {}", s.name()), doze_color(s.name())?)))
        .collect();
    items.extend([
        ("screen on".to_string(), SCREEN_ON),
        ("charging".to_string(), GOOD),
        ("offline".to_string(), BAD),
        ("wake-up: asked, then ran (dot)".to_string(), WAKEUP),
    ]);
    side_legend(&side, &items)
}
