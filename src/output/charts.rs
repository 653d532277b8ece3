//! The four charts of DESIGN §6, drawn with plotters as SVG and PNG.
//!
//! Charts are drawn only from the files a run writes (`daily.csv`, `retries.csv`,
//! `latency.csv`, `tiers.csv`, `summary.json`), so `bgsim plot DIR` re-renders exactly what
//! `bgsim run` drew. Text uses the Ubuntu Light font embedded by the `epaint_default_fonts`
//! crate: PNGs render the same on a machine with no font packages at all.

use std::path::Path;
use std::sync::Once;

use super::error::{Context, OutputError, Result};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use serde_json::Value;

use crate::device::record::WakeCause;
use crate::model::params::Params;
use crate::model::policy::{Preset, WakeupRule};

/// Chart size in pixels (SVG user units and PNG pixels).
const SIZE: (u32, u32) = (900, 520);
pub(super) const FONT: &str = "sans-serif";
/// The font the charts use (registered for `FONT`, and drawn by `glyphs` in PNGs).
pub const FONT_BYTES: &[u8] = epaint_default_fonts::UBUNTU_LIGHT;

/// The chart files, by stem, in report order.
pub const CHARTS: [(&str, &str); 7] = [
    ("wakeups", "Wake-ups per device-day"),
    ("retries", "Attempts needed"),
    ("latency_cdf", "One-shot latency (CDF)"),
    ("tiers", "Periodic interval by engagement tier"),
    ("fetches", "Background Fetch completion time vs size"),
    (
        "timeline",
        "One device-day under Android's power management",
    ),
    ("energy", "Battery charge per android device-day"),
];

/// Everything the charts show, read back from a run's output directory.
pub struct ChartData {
    /// (day, mean, p50, p95, max) of wake-ups per device-day.
    pub days: Vec<(u32, f64, f64, f64, f64)>,
    /// Per day, wake-ups by cause (`daily.csv` `wakeups_<cause>`, in `WakeCause::ALL` order).
    pub by_cause: Vec<Vec<f64>>,
    /// (kind, attempts, outcome, count).
    pub retries: Vec<(String, u32, String, u64)>,
    /// (from_ms, to_ms, count) of one-shot latencies.
    pub latency: Vec<(u64, u64, u64)>,
    /// (level, count, p50_h, p95_h).
    pub tiers: Vec<(String, u64, Option<f64>, Option<f64>)>,
    /// (bytes, completion seconds or None, outcome) of the detail devices' fetches.
    pub fetches: Vec<(u64, Option<f64>, String)>,
    /// Per day, the fleet's mAh by cause (`daily.csv` `energy_<cause>_mah`).
    pub energy: Vec<Vec<f64>>,
    /// `timeline.csv`: (device, day, rows), when the run wrote one.
    pub timeline: Option<(u64, u64, Vec<super::timeline::Row>)>,
    pub summary: Value,
}

fn records(path: &Path) -> Result<Vec<csv::StringRecord>> {
    let mut r =
        csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    r.records()
        .map(|x| x.with_context(|| format!("malformed {}", path.display())))
        .collect()
}

fn num<T: std::str::FromStr>(rec: &csv::StringRecord, i: usize) -> Result<T> {
    rec.get(i)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| OutputError::Message(format!("expected a number in column {i} of {rec:?}")))
}

fn opt_f(rec: &csv::StringRecord, i: usize) -> Option<f64> {
    rec.get(i).and_then(|s| s.parse().ok())
}

impl ChartData {
    pub fn load(dir: &Path) -> Result<ChartData> {
        let daily = records(&dir.join("daily.csv"))?;
        let header = csv::Reader::from_path(dir.join("daily.csv"))?
            .headers()?
            .clone();
        let col = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| OutputError::Message(format!("daily.csv has no column {name}")))
        };
        let (m, p50, p95, max) = (
            col("wakeups_per_device_mean")?,
            col("wakeups_per_device_p50")?,
            col("wakeups_per_device_p95")?,
            col("wakeups_per_device_max")?,
        );
        let days = daily
            .iter()
            .map(|r| {
                // Empty for a fleet that mixes platforms (no single wake-up figure): NaN.
                Ok((
                    num(r, 0)?,
                    opt_f(r, m).unwrap_or(f64::NAN),
                    opt_f(r, p50).unwrap_or(f64::NAN),
                    opt_f(r, p95).unwrap_or(f64::NAN),
                    opt_f(r, max).unwrap_or(f64::NAN),
                ))
            })
            .collect::<Result<_>>()?;
        // Per day, the values of the named columns (one stack per day in the charts).
        let per_day = |names: Vec<String>| -> Result<Vec<Vec<f64>>> {
            let cols = names.iter().map(|n| col(n)).collect::<Result<Vec<_>>>()?;
            daily
                .iter()
                .map(|r| cols.iter().map(|&i| num(r, i)).collect())
                .collect()
        };
        let by_cause = per_day(
            WakeCause::ALL
                .iter()
                .map(|c| format!("wakeups_{}", c.name()))
                .collect(),
        )?;
        let energy = per_day(
            crate::model::energy::EnergyCause::ALL
                .iter()
                .map(|c| format!("energy_{}_mah", c.name()))
                .collect(),
        )?;
        let retries = records(&dir.join("retries.csv"))?
            .iter()
            .map(|r| Ok((r[0].to_string(), num(r, 1)?, r[2].to_string(), num(r, 3)?)))
            .collect::<Result<_>>()?;
        let latency = records(&dir.join("latency.csv"))?
            .iter()
            .map(|r| Ok((num(r, 0)?, num(r, 1)?, num(r, 2)?)))
            .collect::<Result<_>>()?;
        let tiers = records(&dir.join("tiers.csv"))?
            .iter()
            .map(|r| Ok((r[0].to_string(), num(r, 1)?, opt_f(r, 3), opt_f(r, 4))))
            .collect::<Result<_>>()?;
        let fetches = records(&dir.join("fetches.csv"))?
            .iter()
            .map(|r| {
                let reg: u64 = num(r, 6)?;
                let done = opt_f(r, 7).map(|c| (c - reg as f64) / 1000.0);
                Ok((num(r, 5)?, done, r[8].to_string()))
            })
            .collect::<Result<_>>()?;
        let file = dir.join("summary.json");
        let bytes =
            std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
        let summary: Value = serde_json::from_slice(&bytes)
            .with_context(|| format!("malformed {}", file.display()))?;
        Ok(ChartData {
            days,
            by_cause,
            retries,
            latency,
            tiers,
            fetches,
            energy,
            timeline: super::timeline::load(dir)?,
            summary,
        })
    }

    /// The daily periodic wake-up cap to draw, if the run's policy promises one: the policy
    /// rebuilt from the preset and parameters `summary.json` records.
    fn cap(&self) -> Option<f64> {
        let preset = Preset::from_name(self.summary.pointer("/policy/preset")?.as_str()?)?;
        let params = Params::from_json(self.summary.pointer("/policy/params")?.as_object()?)?;
        match preset.build(&params).wakeup_rule() {
            WakeupRule::DailyCap(cap) => Some(cap as f64),
            _ => None,
        }
    }
}

/// Registers the embedded font once per process (plotters keeps a global font table).
pub fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TrueType font shipped by the crate; failure would be a build bug.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES);
    });
}

fn draw<DB: DrawingBackend>(i: usize, root: &DrawingArea<DB, Shift>, d: &ChartData) -> Result<()> {
    match i {
        0 => wakeups(root, d),
        1 => retries(root, d),
        2 => latency_cdf(root, d),
        3 => tiers(root, d),
        4 => fetches(root, d),
        5 => match &d.timeline {
            Some(t) => super::timeline::draw(root, CHARTS[5].1, t),
            None => Ok(()),
        },
        _ => super::energy_chart::draw(root, CHARTS[6].1, d),
    }
}

impl ChartData {
    /// Why chart `i` of `CHARTS` would be empty for this run (a feature the scenario does not
    /// use), or `None` if it has something to show. Empty charts are not drawn; the report says
    /// why instead.
    pub fn why_empty(&self, i: usize) -> Option<&'static str> {
        match i {
            0 if self.by_cause.iter().flatten().all(|n| *n == 0.0) => {
                Some("no wake-up or timer firing happened in this run")
            }
            1 if self.retries.is_empty() => Some("no registration finished or gave up"),
            2 if self.latency.is_empty() => Some("no one-shot registration succeeded"),
            3 if self.tiers.iter().all(|t| t.1 == 0) => {
                Some("no periodic registration fired twice (no interval to measure)")
            }
            4 if self.fetches.is_empty() => Some("the scenario has no Background Fetch"),
            5 if self.timeline.is_none() => Some(
                "the first detail device is not an android phone under Android's power management",
            ),
            6 if super::energy_chart::android_devices(self) == 0.0 => {
                Some("no android device: desktop devices run on mains")
            }
            _ => None,
        }
    }
}

/// Renders every chart that has something to show into `dir/charts/` as `<stem>.svg` and
/// `<stem>.png`.
pub fn render_all(dir: &Path, data: &ChartData) -> Result<()> {
    register_font();
    let charts = dir.join("charts");
    std::fs::create_dir_all(&charts)?;
    for (i, (stem, _)) in CHARTS.iter().enumerate() {
        if data.why_empty(i).is_some() {
            continue;
        }
        let mut text = String::new();
        {
            let root = SVGBackend::with_string(&mut text, SIZE).into_drawing_area();
            draw(i, &root, data)?;
            root.present()
                .map_err(|e| OutputError::Message(format!("{e}")))?;
        }
        std::fs::write(charts.join(format!("{stem}.svg")), text)?;
        let path = charts.join(format!("{stem}.png"));
        let root = super::glyphs::Glyphs::new(BitMapBackend::new(&path, SIZE), FONT_BYTES)
            .into_drawing_area();
        draw(i, &root, data)?;
        root.present()
            .map_err(|e| OutputError::Message(format!("{e}")))?;
    }
    Ok(())
}

macro_rules! try_plot {
    ($e:expr) => {
        $e.map_err(|e| OutputError::Message(format!("drawing failed: {e}")))?
    };
}

const BLUE_: RGBColor = RGBColor(31, 119, 180);
const ORANGE_: RGBColor = RGBColor(255, 127, 14);
const GREEN_: RGBColor = RGBColor(44, 160, 44);
const RED_: RGBColor = RGBColor(214, 39, 40);
const LIGHT_BLUE: RGBColor = RGBColor(120, 170, 210);
const GREY_: RGBColor = RGBColor(120, 120, 120);
const PURPLE_: RGBColor = RGBColor(148, 103, 189);
const BROWN_: RGBColor = RGBColor(140, 86, 75);

fn caption<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, title: &str) -> Result<()> {
    try_plot!(root.fill(&WHITE));
    let _ = title;
    Ok(())
}

/// Wake-ups per device-day over time: mean line, a p95–max band, the cap when there is one.
fn wakeups<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData) -> Result<()> {
    caption(root, CHARTS[0].1)?;
    // The legend gets its own strip on the right, so it never covers a bar.
    let (plot, side) = split_legend(root);
    let devices = d
        .summary
        .get("devices")
        .and_then(Value::as_f64)
        .unwrap_or(1.0)
        .max(1.0);
    let days = d.days.len().max(1) as f64;
    // Periodic at the bottom, so that a daily periodic cap reads against it; then the rest.
    let order: Vec<usize> = std::iter::once(WakeCause::Periodic as usize)
        .chain((0..WakeCause::ALL.len()).filter(|&c| c != WakeCause::Periodic as usize))
        .collect();
    let stacks: Vec<Vec<f64>> = d
        .by_cause
        .iter()
        .map(|row| order.iter().map(|&c| row[c] / devices).collect())
        .collect();
    let top = stacks
        .iter()
        .map(|s| s.iter().sum::<f64>())
        .zip(d.days.iter().map(|x| x.3))
        .map(|(a, b)| if b.is_nan() { a } else { a.max(b) })
        .fold(d.cap().unwrap_or(0.0), f64::max)
        .max(1.0)
        * 1.1;
    let mut chart = day_chart(
        &plot,
        CHARTS[0].1,
        "wake-ups per device-day (mean, by cause)",
        days,
        top,
    )?;
    let palette = [BLUE_, ORANGE_, GREEN_, GREY_, LIGHT_BLUE, PURPLE_, BROWN_];
    let series: Vec<(String, RGBColor)> = order
        .iter()
        .enumerate()
        .map(|(k, &cause)| {
            let name = WakeCause::ALL[cause].name().to_string();
            (name, palette[k % palette.len()])
        })
        .collect();
    let mut items = day_stacks(&mut chart, &stacks, &series)?;
    // The p95 over devices of each day's wake-ups: a step per day, never joined across days.
    if d.days.iter().all(|x| !x.3.is_nan()) {
        let steps = d.days.iter().map(|x| {
            let day = x.0 as f64;
            PathElement::new(vec![(day, x.3), (day + 1.0, x.3)], BLACK.stroke_width(2))
        });
        try_plot!(chart.draw_series(steps));
        items.push(("p95 over devices (all causes)".into(), BLACK));
    }
    if let Some(cap) = d.cap() {
        try_plot!(chart.draw_series(LineSeries::new(
            [(0.0, cap), (days, cap)],
            RED_.stroke_width(2),
        )));
        items.push(("daily cap on periodic wake-ups".into(), RED_));
    }
    side_legend(&side, &items)
}

/// The coordinates of a chart over days.
pub(super) type DayCoords = Cartesian2d<RangedCoordf64, RangedCoordf64>;

/// A chart with one slot a day on x (`days` of them) and `y_desc` from 0 to `top` on y.
pub(super) fn day_chart<'a, DB: DrawingBackend>(
    plot: &'a DrawingArea<DB, Shift>,
    title: &str,
    y_desc: &str,
    days: f64,
    top: f64,
) -> Result<ChartContext<'a, DB, DayCoords>> {
    let mut chart = try_plot!(
        ChartBuilder::on(plot)
            .caption(title, (FONT, 24))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..days, 0f64..top)
    );
    try_plot!(
        chart
            .configure_mesh()
            .x_desc("day")
            .y_desc(y_desc)
            .label_style((FONT, 15))
            .draw()
    );
    Ok(chart)
}

/// One stacked bar a day: `stacks[day][k]` on top of the series before it, in `series[k]`'s
/// colour. Returns the legend items of the series that have a value.
pub(super) fn day_stacks<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, DayCoords>,
    stacks: &[Vec<f64>],
    series: &[(String, RGBColor)],
) -> Result<Vec<(String, RGBColor)>> {
    let mut items = Vec::new();
    for (k, (name, color)) in series.iter().enumerate() {
        if !stacks.iter().any(|s| s[k] > 0.0) {
            continue;
        }
        let bars = stacks.iter().enumerate().map(|(day, s)| {
            let below: f64 = s[..k].iter().sum();
            let x0 = day as f64 + 0.08;
            Rectangle::new([(x0, below), (x0 + 0.84, below + s[k])], color.filled())
        });
        try_plot!(chart.draw_series(bars));
        items.push((name.clone(), *color));
    }
    Ok(items)
}

/// The plot area and, on its right, a strip for the legend (so it never covers data).
pub(super) fn split_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
) -> (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>) {
    root.split_horizontally(root.dim_in_pixel().0.saturating_sub(190))
}

/// A legend drawn in its own area: a colour swatch and a label per item, top to bottom.
pub(super) fn side_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(String, RGBColor)],
) -> Result<()> {
    for (i, (label, color)) in items.iter().enumerate() {
        let y = 70 + i as i32 * 24;
        try_plot!(area.draw(&Rectangle::new([(4, y), (20, y + 12)], color.filled())));
        try_plot!(area.draw(&Text::new(label.clone(), (26, y - 1), (FONT, 13))));
    }
    Ok(())
}

/// How many attempts registrations (one-shot) and periodic events needed, by kind.
fn retries<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData) -> Result<()> {
    caption(root, CHARTS[1].1)?;
    let (plot, side) = split_legend(root);
    let mut items: Vec<(String, RGBColor)> = Vec::new();
    let max_attempts = d.retries.iter().map(|r| r.1).max().unwrap_or(1).max(1);
    // Columns 1..=max: succeeded after n attempts; one more column: gave up.
    let columns = max_attempts + 1;
    let count = |kind: &str, col: u32| -> u64 {
        d.retries
            .iter()
            .filter(|r| r.0 == kind)
            .filter(|r| {
                if col == columns {
                    r.2 == "gave_up"
                } else {
                    r.2 == "succeeded" && r.1 == col
                }
            })
            .map(|r| r.3)
            .sum()
    };
    let ymax = (1..=columns)
        .flat_map(|c| [count("one_shot", c), count("periodic", c)])
        .max()
        .unwrap_or(1)
        .max(1) as f64
        * 1.15;
    let mut chart = try_plot!(
        ChartBuilder::on(&plot)
            .caption(CHARTS[1].1, (FONT, 24))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(0.5f64..columns as f64 + 0.5, 0f64..ymax)
    );
    try_plot!(
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(columns as usize)
            .x_label_formatter(&|x| {
                let c = x.round() as u32;
                if c == columns {
                    "gave up".to_string()
                } else {
                    format!("{c}")
                }
            })
            .x_desc("attempts needed to succeed")
            .y_desc("count")
            .y_label_formatter(&|y| format!("{y:.0}"))
            .label_style((FONT, 15))
            .draw()
    );
    for (k, (kind, color)) in [("one_shot", BLUE_), ("periodic", ORANGE_)]
        .into_iter()
        .enumerate()
    {
        let offset = if k == 0 { -0.38 } else { 0.02 };
        try_plot!(chart.draw_series((1..=columns).map(|c| {
            let x = c as f64 + offset;
            Rectangle::new(
                [(x, 0.0), (x + 0.36, count(kind, c) as f64)],
                color.filled(),
            )
        })));
        items.push((kind.to_string(), color));
    }
    side_legend(&side, &items)
}

/// Fraction of succeeded one-shots completed within x seconds of registering (log x axis).
fn latency_cdf<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData) -> Result<()> {
    caption(root, CHARTS[2].1)?;
    let (plot, side) = split_legend(root);
    let mut items: Vec<(String, RGBColor)> = Vec::new();
    let total: u64 = d.latency.iter().map(|b| b.2).sum();
    let lo = 0.001f64;
    let hi = d
        .latency
        .last()
        .map(|b| (b.1 as f64 / 1000.0).max(1.0) * 2.0)
        .unwrap_or(10.0);
    let mut chart = try_plot!(
        ChartBuilder::on(&plot)
            .caption(CHARTS[2].1, (FONT, 24))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(60)
            .build_cartesian_2d((lo..hi).log_scale(), 0f64..1.02f64)
    );
    try_plot!(
        chart
            .configure_mesh()
            .x_desc("time from registration to success (s, log scale)")
            .y_desc("fraction of succeeded one-shots")
            .label_style((FONT, 15))
            .draw()
    );
    let mut seen = 0u64;
    let mut points = vec![(lo, 0.0)];
    for (_, to, c) in &d.latency {
        seen += c;
        let x = (*to as f64 / 1000.0).max(lo);
        points.push((x, points.last().map_or(0.0, |p| p.1)));
        points.push((x, seen as f64 / total.max(1) as f64));
    }
    points.push((hi, points.last().map_or(0.0, |p| p.1)));
    try_plot!(chart.draw_series(LineSeries::new(points, GREEN_.stroke_width(3))));
    items.push((format!("one-shot ({total} succeeded)"), GREEN_));
    side_legend(&side, &items)
}

/// Median and 95th-percentile periodic interval for each engagement tier.
fn tiers<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData) -> Result<()> {
    caption(root, CHARTS[3].1)?;
    let (plot, side) = split_legend(root);
    let mut items: Vec<(String, RGBColor)> = Vec::new();
    let n = d.tiers.len().max(1);
    let ymax = d.tiers.iter().filter_map(|t| t.3).fold(12.0, f64::max) * 1.2;
    let mut chart = try_plot!(
        ChartBuilder::on(&plot)
            .caption(CHARTS[3].1, (FONT, 24))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5f64..n as f64 - 0.5, 0f64..ymax)
    );
    let names: Vec<String> = d
        .tiers
        .iter()
        .map(|t| format!("{} ({})", t.0, t.1))
        .collect();
    try_plot!(
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&|x| names.get(x.round() as usize).cloned().unwrap_or_default())
            .x_desc("engagement level (intervals measured)")
            .y_desc("hours between periodic events")
            .label_style((FONT, 14))
            .draw()
    );
    for (k, (label, color)) in [("p50", ORANGE_), ("p95", RED_)].into_iter().enumerate() {
        let offset = if k == 0 { -0.36 } else { 0.02 };
        try_plot!(
            chart.draw_series(d.tiers.iter().enumerate().filter_map(|(i, t)| {
                let v = if k == 0 { t.2 } else { t.3 }?;
                let x = i as f64 + offset;
                Some(Rectangle::new([(x, 0.0), (x + 0.34, v)], color.filled()))
            }))
        );
        items.push((label.to_string(), color));
    }
    side_legend(&side, &items)
}

/// Each Background Fetch: total size against the time from registration to completion, by
/// outcome (succeeded fetches; failed and aborted ones at the time they ended).
fn fetches<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData) -> Result<()> {
    caption(root, CHARTS[4].1)?;
    let (plot, side) = split_legend(root);
    let mut items: Vec<(String, RGBColor)> = Vec::new();
    let mb = |b: u64| b as f64 / 1e6;
    let xmax = d.fetches.iter().map(|f| mb(f.0)).fold(1.0, f64::max) * 1.1;
    let ymax = d.fetches.iter().filter_map(|f| f.1).fold(1.0, f64::max) / 60.0 * 1.1;
    let mut chart = try_plot!(
        ChartBuilder::on(&plot)
            .caption(CHARTS[4].1, (FONT, 24))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..xmax, 0f64..ymax)
    );
    try_plot!(
        chart
            .configure_mesh()
            .x_desc("fetch size (MB)")
            .y_desc("registration to completion (min)")
            .label_style((FONT, 15))
            .draw()
    );
    for (outcome, color) in [("success", GREEN_), ("fail", RED_), ("aborted", GREY_)] {
        let points: Vec<(f64, f64)> = d
            .fetches
            .iter()
            .filter(|f| f.2 == outcome)
            .filter_map(|f| Some((mb(f.0), f.1? / 60.0)))
            .collect();
        let n = points.len();
        try_plot!(
            chart.draw_series(
                points
                    .into_iter()
                    .map(|p| Circle::new(p, 4, color.filled()))
            )
        );
        if n > 0 {
            items.push((format!("{outcome} ({n})"), color));
        }
    }
    side_legend(&side, &items)
}
