//! Outputs of `bgsim sweep` and `bgsim compare`: CSV tables of replicated metrics with Student-t
//! confidence intervals, and a chart of one chosen metric with 95 % CI error bars.

use std::path::Path;

#[cfg(feature = "charts")]
use super::error::OutputError;
use super::error::Result;
#[cfg(feature = "charts")]
use plotters::prelude::*;

#[cfg(feature = "charts")]
use super::charts::register_font;
use super::fixed6;
use crate::experiment::stats::Summary;
use crate::experiment::sweep::{PointResult, Samples};
use crate::model::policy::Preset;

fn num(x: f64) -> String {
    if x.is_finite() {
        fixed6(x)
    } else {
        String::new()
    }
}

fn stats_cells(s: &Summary) -> [String; 7] {
    [
        s.n.to_string(),
        num(s.mean),
        num(s.stddev),
        num(s.ci_low),
        num(s.ci_high),
        num(s.min),
        num(s.max),
    ]
}

const STATS: [&str; 7] = ["n", "mean", "stddev", "ci95_low", "ci95_high", "min", "max"];

/// `sweep.csv`: one row per grid point and metric.
pub fn write_sweep_csv(path: &Path, names: &[String], results: &[PointResult]) -> Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    let mut header = vec!["point".to_string()];
    header.extend(names.iter().cloned());
    header.push("metric".into());
    header.extend(STATS.map(String::from));
    w.write_record(&header)?;
    for (i, r) in results.iter().enumerate() {
        for (metric, xs) in &r.samples {
            let Some(s) = Summary::of(&xs.present()) else {
                continue;
            };
            let mut row = vec![i.to_string()];
            row.extend(r.point.iter().map(|(_, v)| v.clone()));
            row.push(metric.clone());
            row.extend(stats_cells(&s));
            w.write_record(&row)?;
        }
    }
    w.flush()?;
    Ok(())
}

/// `sweep_runs.csv`: the raw value of every metric in every replication (`replication` r ran
/// with seed `seed + r`), for analyses of one's own.
pub fn write_sweep_runs_csv(
    path: &Path,
    names: &[String],
    results: &[PointResult],
    seed: u64,
) -> Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    let mut header = vec!["point".to_string()];
    header.extend(names.iter().cloned());
    header.extend(["replication", "seed", "metric", "value"].map(String::from));
    w.write_record(&header)?;
    for (i, r) in results.iter().enumerate() {
        for (metric, xs) in &r.samples {
            for (rep, x) in xs.0.iter().enumerate() {
                let mut row = vec![i.to_string()];
                row.extend(r.point.iter().map(|(_, v)| v.clone()));
                row.extend([
                    rep.to_string(),
                    seed.wrapping_add(rep as u64).to_string(),
                    metric.clone(),
                    x.map(num).unwrap_or_default(),
                ]);
                w.write_record(&row)?;
            }
        }
    }
    w.flush()?;
    Ok(())
}

/// `compare_runs.csv`: the raw value of every metric for every policy and replication.
pub fn write_compare_runs_csv(path: &Path, results: &[(Preset, Samples)], seed: u64) -> Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(["policy", "replication", "seed", "metric", "value"])?;
    for (policy, samples) in results {
        for (metric, xs) in samples {
            for (rep, x) in xs.0.iter().enumerate() {
                w.write_record([
                    policy.name().to_string(),
                    rep.to_string(),
                    seed.wrapping_add(rep as u64).to_string(),
                    metric.clone(),
                    x.map(num).unwrap_or_default(),
                ])?;
            }
        }
    }
    w.flush()?;
    Ok(())
}

/// `compare.csv`: one row per metric and policy, with the paired difference to the first policy
/// (difference of the same replication's values, so the world cancels out).
pub fn write_compare_csv(path: &Path, results: &[(Preset, Samples)]) -> Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    let mut header = vec!["metric".to_string(), "policy".to_string()];
    header.extend(STATS.map(String::from));
    header.extend(["diff_vs_first_mean", "diff_ci95_low", "diff_ci95_high"].map(String::from));
    w.write_record(&header)?;
    let Some((_, first)) = results.first() else {
        return Ok(());
    };
    for metric in first.keys() {
        for (policy, samples) in results {
            let Some(xs) = samples.get(metric) else {
                continue;
            };
            let Some(s) = Summary::of(&xs.present()) else {
                continue;
            };
            let mut row = vec![metric.clone(), policy.name().to_string()];
            row.extend(stats_cells(&s));
            let diffs = xs.paired_diff(&first[metric]);
            match Summary::of(&diffs) {
                Some(d) => row.extend([num(d.mean), num(d.ci_low), num(d.ci_high)]),
                None => row.extend([String::new(), String::new(), String::new()]),
            }
            w.write_record(&row)?;
        }
    }
    w.flush()?;
    Ok(())
}

/// A chart of one metric's mean with 95 % CI error bars, one bar per label.
#[cfg(feature = "charts")]
pub fn write_ci_chart(
    dir: &Path,
    stem: &str,
    title: &str,
    metric: &str,
    bars: &[(String, Option<Summary>)],
) -> Result<()> {
    register_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 520)).into_drawing_area();
        draw_ci(&root, title, metric, bars)?;
        root.present()
            .map_err(|e| OutputError::Message(format!("{e}")))?;
    }
    std::fs::write(dir.join(format!("{stem}.svg")), svg)?;
    let png = dir.join(format!("{stem}.png"));
    let root = super::glyphs::Glyphs::new(
        BitMapBackend::new(&png, (900, 520)),
        super::charts::FONT_BYTES,
    )
    .into_drawing_area();
    draw_ci(&root, title, metric, bars)?;
    root.present()
        .map_err(|e| OutputError::Message(format!("{e}")))?;
    Ok(())
}

#[cfg(feature = "charts")]
fn draw_ci<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    metric: &str,
    bars: &[(String, Option<Summary>)],
) -> Result<()> {
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| {
        OutputError::Message(format!("drawing failed: {x}"))
    };
    root.fill(&WHITE).map_err(e)?;
    let top = bars
        .iter()
        .filter_map(|(_, s)| {
            s.map(|s| {
                if s.ci_high.is_finite() {
                    s.ci_high
                } else {
                    s.max
                }
            })
        })
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.2;
    let n = bars.len().max(1);
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 24))
        .margin(16)
        .x_label_area_size(60)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5f64..n as f64 - 0.5, 0f64..top)
        .map_err(e)?;
    let labels: Vec<String> = bars.iter().map(|(l, _)| l.clone()).collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&|x| labels.get(x.round() as usize).cloned().unwrap_or_default())
        .y_desc(metric)
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(e)?;
    let blue = RGBColor(31, 119, 180);
    chart
        .draw_series(bars.iter().enumerate().filter_map(|(i, (_, s))| {
            let s = (*s)?;
            Some(Rectangle::new(
                [(i as f64 - 0.3, 0.0), (i as f64 + 0.3, s.mean)],
                blue.mix(0.8).filled(),
            ))
        }))
        .map_err(e)?
        .label("mean")
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], blue.filled()));
    let black = RGBColor(30, 30, 30);
    chart
        .draw_series(bars.iter().enumerate().filter_map(|(i, (_, s))| {
            let s = (*s)?;
            if !s.ci_low.is_finite() {
                return None;
            }
            let x = i as f64;
            Some(PathElement::new(
                vec![(x, s.ci_low), (x, s.ci_high)],
                black.stroke_width(2),
            ))
        }))
        .map_err(e)?
        .label("95 % confidence interval")
        .legend(move |(x, y)| {
            PathElement::new(
                vec![(x + 10, y - 6), (x + 10, y + 6)],
                black.stroke_width(2),
            )
        });
    chart
        .configure_series_labels()
        .label_font(("sans-serif", 15))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(120, 120, 120))
        .draw()
        .map_err(e)?;
    Ok(())
}

/// One grid point of a sweep heatmap: its parameter values and the metric's summary there.
pub type HeatCell = (Vec<(String, String)>, Option<Summary>);

/// A sweep over two or more parameters: a heatmap of the metric's mean over the first two
/// (columns: the first, rows: the second), one panel per combination of the others (small
/// multiples), each cell labelled with its mean and 95 % CI half-width.
#[cfg(feature = "charts")]
pub fn write_sweep_heatmap(
    dir: &Path,
    title: &str,
    vary: &[(String, Vec<String>)],
    cells: &[HeatCell],
) -> Result<()> {
    register_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 520)).into_drawing_area();
        draw_heatmap(&root, title, vary, cells)?;
        root.present()
            .map_err(|e| OutputError::Message(format!("{e}")))?;
    }
    std::fs::write(dir.join("sweep.svg"), svg)?;
    let png = dir.join("sweep.png");
    let root = super::glyphs::Glyphs::new(
        BitMapBackend::new(&png, (900, 520)),
        super::charts::FONT_BYTES,
    )
    .into_drawing_area();
    draw_heatmap(&root, title, vary, cells)?;
    root.present()
        .map_err(|e| OutputError::Message(format!("{e}")))?;
    Ok(())
}

/// The grid value whose cell is centred on `x` (ticks between cells get none).
#[cfg(feature = "charts")]
fn label_at(values: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() > 1e-6 || i < 0.0 {
        return String::new();
    }
    values.get(i as usize).cloned().unwrap_or_default()
}

#[cfg(feature = "charts")]
fn draw_heatmap<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    vary: &[(String, Vec<String>)],
    cells: &[HeatCell],
) -> Result<()> {
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| {
        OutputError::Message(format!("drawing failed: {x}"))
    };
    root.fill(&WHITE).map_err(e)?;
    let body = root.titled(title, ("sans-serif", 16)).map_err(e)?;
    let (xs, ys) = (&vary[0], &vary[1]);
    // One panel per combination of the remaining parameters, in grid order.
    let mut panels: Vec<Vec<(String, String)>> = Vec::new();
    for (point, _) in cells {
        let rest = point[2..].to_vec();
        if !panels.contains(&rest) {
            panels.push(rest);
        }
    }
    let cols = (panels.len() as f64).sqrt().ceil().max(1.0) as usize;
    let rows = panels.len().div_ceil(cols).max(1);
    let (lo, hi) = cells
        .iter()
        .filter_map(|(_, s)| s.map(|s| s.mean))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), m| {
            (a.min(m), b.max(m))
        });
    let shade = |m: f64| {
        let t = if hi > lo { (m - lo) / (hi - lo) } else { 0.5 };
        // White (lowest) to dark blue (highest).
        RGBColor(
            (235.0 - 205.0 * t) as u8,
            (240.0 - 160.0 * t) as u8,
            (250.0 - 90.0 * t) as u8,
        )
    };
    let areas = body.split_evenly((rows, cols));
    for (panel, area) in panels.iter().zip(areas.iter()) {
        let caption = if panel.is_empty() {
            String::new()
        } else {
            panel
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut chart = ChartBuilder::on(area)
            .caption(caption, ("sans-serif", 14))
            .margin(8)
            .x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d(
                -0.5f64..xs.1.len() as f64 - 0.5,
                -0.5f64..ys.1.len() as f64 - 0.5,
            )
            .map_err(e)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(xs.1.len())
            .y_labels(ys.1.len())
            .x_label_formatter(&|x| label_at(&xs.1, *x))
            .y_label_formatter(&|y| label_at(&ys.1, *y))
            .x_desc(xs.0.as_str())
            .y_desc(ys.0.as_str())
            .label_style(("sans-serif", 12))
            .draw()
            .map_err(e)?;
        for (point, s) in cells.iter().filter(|(p, _)| &p[2..] == panel.as_slice()) {
            let xi = xs.1.iter().position(|v| *v == point[0].1).unwrap_or(0) as f64 - 0.5;
            let yi = ys.1.iter().position(|v| *v == point[1].1).unwrap_or(0) as f64 - 0.5;
            let (color, label) = match s {
                Some(s) => {
                    let half = (s.ci_high - s.mean).abs();
                    let text = if half.is_finite() {
                        format!("{:.3} ± {:.3}", s.mean, half)
                    } else {
                        format!("{:.3}", s.mean)
                    };
                    (shade(s.mean), text)
                }
                None => (RGBColor(220, 220, 220), "no value".to_string()),
            };
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(xi + 0.03, yi + 0.03), (xi + 0.97, yi + 0.97)],
                    color.filled(),
                )))
                .map_err(e)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    label,
                    (xi + 0.1, yi + 0.55),
                    ("sans-serif", 13),
                )))
                .map_err(e)?;
        }
    }
    Ok(())
}
