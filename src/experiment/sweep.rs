//! Sweeps over Finch-style parameters and side-by-side policy comparisons, with replications.
//!
//! Common random numbers: replication r runs with seed `base seed + r` at every grid point and
//! under every policy, so the world (network, crashes, visits, handler outcomes) is the same and
//! differences come from the parameter or the policy alone.

use std::collections::BTreeMap;

use serde_json::Value;

use super::metrics::metrics;
use super::{RunOptions, run};
use crate::model::fleet::FleetSpec;
use crate::model::policy::Preset;

/// One metric's value in each replication, by replication index: `None` where that replication
/// had no value (e.g. no one-shot finished, so no latency). Keeping the index is what lets a
/// comparison pair replication r with replication r, never with whatever came next.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series(pub Vec<Option<f64>>);

impl Series {
    /// The values that exist, in replication order.
    pub fn present(&self) -> Vec<f64> {
        self.0.iter().flatten().copied().collect()
    }

    /// `self[r] − base[r]` for every replication r where both exist.
    pub fn paired_diff(&self, base: &Series) -> Vec<f64> {
        self.0
            .iter()
            .zip(&base.0)
            .filter_map(|(a, b)| Some((*a)? - (*b)?))
            .collect()
    }
}

/// Metric samples by dotted name.
pub type Samples = BTreeMap<String, Series>;

/// One grid point of a sweep: the parameter assignments and the samples of every metric.
#[derive(Clone, Debug)]
pub struct PointResult {
    pub point: Vec<(String, String)>,
    pub samples: Samples,
}

/// The numeric leaves of a metrics object, by dotted path.
pub fn flatten(v: &Value) -> BTreeMap<String, f64> {
    super::metrics::leaves(v)
        .into_iter()
        .filter_map(|(k, x)| Some((k, x.as_f64()?)))
        .collect()
}

/// The cartesian product of the variations, the last one varying fastest.
pub fn grid(vary: &[(String, Vec<String>)]) -> Vec<Vec<(String, String)>> {
    let mut points = vec![Vec::new()];
    for (name, values) in vary {
        points = points
            .into_iter()
            .flat_map(|p| {
                values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push((name.clone(), v.clone()));
                    q
                })
            })
            .collect();
    }
    points
}

/// A grid value the parameter table refuses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VaryError {
    /// `name=value` as given.
    pub point: String,
    pub message: String,
}

/// `base` with the parameter values of `point` set.
pub fn with_point(base: &FleetSpec, point: &[(String, String)]) -> Result<FleetSpec, VaryError> {
    let mut s = base.clone();
    for (name, value) in point {
        s.set_param(name, value).map_err(|(_, message)| VaryError {
            point: format!("{name}={value}"),
            message,
        })?;
    }
    Ok(s)
}

fn replicate(s: &FleetSpec, replications: u64, opts: &RunOptions<'_>) -> Samples {
    let runs: Vec<BTreeMap<String, f64>> = (0..replications)
        .map(|r| {
            let mut s = s.clone();
            s.set_seed(s.seed().wrapping_add(r));
            let fleet = run(&s, opts);
            flatten(&metrics(&s, &fleet))
        })
        .collect();
    collect_by_replication(&runs)
}

/// Every metric any replication reported, with its value per replication index.
fn collect_by_replication(runs: &[BTreeMap<String, f64>]) -> Samples {
    let mut samples = Samples::new();
    for run in runs {
        for k in run.keys() {
            samples.entry(k.clone()).or_default();
        }
    }
    for (k, series) in samples.iter_mut() {
        series.0 = runs.iter().map(|run| run.get(k).copied()).collect();
    }
    samples
}

/// Runs every grid point `replications` times. Every point is validated before anything runs.
pub fn sweep(
    base: &FleetSpec,
    vary: &[(String, Vec<String>)],
    replications: u64,
    opts: &RunOptions<'_>,
) -> Result<Vec<PointResult>, VaryError> {
    let points = grid(vary);
    let scenarios = points
        .iter()
        .map(|p| with_point(base, p))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(points
        .into_iter()
        .zip(scenarios)
        .map(|(point, s)| PointResult {
            point,
            samples: replicate(&s, replications, opts),
        })
        .collect())
}

/// One grid point: each varied name with its value.
pub type Point = Vec<(String, String)>;

/// Runs every prepared grid point `replications` times (a point's world may differ from the
/// base's in scenario fields, not only parameters; the seeds, and so the common random
/// numbers, are the same at every point).
pub fn sweep_points(
    points: Vec<(Point, FleetSpec)>,
    replications: u64,
    opts: &RunOptions<'_>,
) -> Vec<PointResult> {
    points
        .into_iter()
        .map(|(point, s)| PointResult {
            point,
            samples: replicate(&s, replications, opts),
        })
        .collect()
}

/// Runs the same world under each policy.
pub fn compare(
    base: &FleetSpec,
    policies: &[Preset],
    replications: u64,
    opts: &RunOptions<'_>,
) -> Vec<(Preset, Samples)> {
    policies
        .iter()
        .map(|p| {
            let mut s = base.clone();
            s.set_preset(*p);
            (*p, replicate(&s, replications, opts))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn grid_is_the_full_cartesian_product() {
        let g = grid(&[
            ("a".into(), vec!["1".into(), "2".into()]),
            ("b".into(), vec!["x".into(), "y".into(), "z".into()]),
        ]);
        assert_eq!(g.len(), 6);
        assert_eq!(
            g[0],
            vec![("a".into(), "1".into()), ("b".into(), "x".into())]
        );
        assert_eq!(
            g[5],
            vec![("a".into(), "2".into()), ("b".into(), "z".into())]
        );
    }

    #[test]
    fn replications_pair_by_index_even_with_gaps() {
        // Replication 0 has no latency (nothing finished); 1 and 2 have one. Policy B's values
        // must be paired with A's of the same replication: (7 − 5) and (9 − 6), not (7 − ?)…
        let run = |lat: Option<f64>| {
            let mut m = BTreeMap::new();
            m.insert("n".to_string(), 1.0);
            if let Some(x) = lat {
                m.insert("lat".to_string(), x);
            }
            m
        };
        let a = collect_by_replication(&[run(None), run(Some(5.0)), run(Some(6.0))]);
        let b = collect_by_replication(&[run(Some(4.0)), run(Some(7.0)), run(Some(9.0))]);
        assert_eq!(a["lat"], Series(vec![None, Some(5.0), Some(6.0)]));
        assert_eq!(b["lat"].paired_diff(&a["lat"]), vec![2.0, 3.0]);
        assert_eq!(a["lat"].present(), vec![5.0, 6.0]);
    }

    #[test]
    fn flatten_keeps_numeric_leaves() {
        let f = flatten(&json!({ "a": { "b": 1.5, "c": null, "d": "x" }, "e": 2 }));
        assert_eq!(
            f.into_iter().collect::<Vec<_>>(),
            vec![("a.b".into(), 1.5), ("e".into(), 2.0)]
        );
    }
}
