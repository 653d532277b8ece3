//! The battery chart (DESIGN §13): mean mAh per android device-day, stacked by cause, one bar a
//! day, drawn from `daily.csv`'s energy columns.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::charts::{ChartData, day_chart, day_stacks, side_legend, split_legend};
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
    root.fill(&WHITE)
        .map_err(|e| OutputError::Message(format!("drawing failed: {e}")))?;
    let (plot, side) = split_legend(root);
    let devices = android_devices(d).max(1.0);
    let stacks: Vec<Vec<f64>> = d
        .energy
        .iter()
        .map(|row| row.iter().map(|mah| mah / devices).collect())
        .collect();
    let top = stacks
        .iter()
        .map(|s| s.iter().sum::<f64>())
        .fold(0.0, f64::max)
        .max(0.001)
        * 1.1;
    let days = stacks.len().max(1) as f64;
    let y_desc = "mAh per android device-day (mean, by cause)";
    let mut chart = day_chart(&plot, title, y_desc, days, top)?;
    let series: Vec<(String, RGBColor)> = EnergyCause::ALL
        .iter()
        .zip(PALETTE)
        .map(|(c, color)| (c.name().to_string(), color))
        .collect();
    let items = day_stacks(&mut chart, &stacks, &series)?;
    side_legend(&side, &items)
}
