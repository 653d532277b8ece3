//! The battery chart (DESIGN §13): mean mAh per android device-day, stacked by cause, one bar a
//! day, drawn from `daily.csv`'s energy columns.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::charts::{ChartData, FONT, side_legend, split_legend};
use super::error::{OutputError, Result};
use crate::model::energy::EnergyCause;

const PALETTE: [RGBColor; 5] = [
    RGBColor(148, 103, 189),
    RGBColor(120, 120, 120),
    RGBColor(255, 127, 14),
    RGBColor(31, 119, 180),
    RGBColor(120, 170, 210),
];

/// Android devices in the run (energy device-days over days), 0 without any.
pub fn android_devices(d: &ChartData) -> f64 {
    let device_days = d
        .summary
        .pointer("/energy/device_days")
        .and_then(serde_json::Value::as_f64)
        .unwrap_or(0.0);
    device_days / d.energy.len().max(1) as f64
}

pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    d: &ChartData,
) -> Result<()> {
    let fail = |e: DrawingAreaErrorKind<DB::ErrorType>| {
        OutputError::Message(format!("drawing failed: {e}"))
    };
    root.fill(&WHITE).map_err(fail)?;
    let (plot, side) = split_legend(root);
    let devices = android_devices(d).max(1.0);
    let stacks: Vec<Vec<f64>> = d
        .energy
        .iter()
        .map(|row| row.iter().map(|mah| mah / devices).collect())
        .collect();
    let days = stacks.len().max(1) as f64;
    let top = stacks
        .iter()
        .map(|s| s.iter().sum::<f64>())
        .fold(0.0, f64::max)
        .max(0.001)
        * 1.1;
    let mut chart = ChartBuilder::on(&plot)
        .caption(title, (FONT, 24))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..days, 0f64..top)
        .map_err(fail)?;
    chart
        .configure_mesh()
        .x_desc("day")
        .y_desc("mAh per android device-day (mean, by cause)")
        .label_style((FONT, 15))
        .draw()
        .map_err(fail)?;
    let mut items = Vec::new();
    for (k, cause) in EnergyCause::ALL.iter().enumerate() {
        if !stacks.iter().any(|s| s[k] > 0.0) {
            continue;
        }
        let bars = stacks.iter().enumerate().map(|(day, s)| {
            let below: f64 = s[..k].iter().sum();
            let x0 = day as f64 + 0.08;
            Rectangle::new(
                [(x0, below), (x0 + 0.84, below + s[k])],
                PALETTE[k].filled(),
            )
        });
        chart.draw_series(bars).map_err(fail)?;
        items.push((cause.name().to_string(), PALETTE[k]));
    }
    side_legend(&side, &items)
}
