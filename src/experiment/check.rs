//! Pass/fail rules over a run's metrics (DESIGN §9 `bgsim check`): the scenario's `expect`
//! rules, evaluated against the dotted metric paths of `summary.json`.

use serde_json::Value;

use super::{Expect, Rule};

/// What a metric was expected to be (shown by `output::format`).
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Expected {
    /// A scenario's `expect` rule.
    Rule(Rule),
    /// A baseline value with the deviation allowed.
    Within { value: f64, allowed: f64 },
}

/// One evaluated rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub metric: String,
    pub expected: Expected,
    /// The metric's value; `None` if the summary has no such number.
    pub actual: Option<f64>,
    pub pass: bool,
}

/// The number at a dotted path (`one_shot.latency_s.p95`) of a summary, if it is one.
pub fn lookup(summary: &Value, metric: &str) -> Option<f64> {
    metric
        .split('.')
        .try_fold(summary, |v, key| v.get(key))
        .and_then(Value::as_f64)
}

impl Rule {
    pub fn holds(&self, x: f64) -> bool {
        match *self {
            Rule::Le(b) => x <= b,
            Rule::Ge(b) => x >= b,
            Rule::Eq(b) => (x - b).abs() <= 1e-9 * b.abs().max(1.0),
            Rule::Between(a, b) => a <= x && x <= b,
        }
    }
}

/// Evaluates one rule; a missing metric fails.
pub fn evaluate(expect: &Expect, summary: &Value) -> Verdict {
    let actual = lookup(summary, &expect.metric);
    Verdict {
        metric: expect.metric.clone(),
        expected: Expected::Rule(expect.rule),
        actual,
        pass: actual.is_some_and(|x| expect.rule.holds(x)),
    }
}

/// The `expect` rules recorded in a summary (`scenario.expect`), as written by `bgsim run`.
pub fn expects_in_summary(summary: &Value) -> Vec<Expect> {
    let Some(list) = summary
        .pointer("/scenario/expect")
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|e| {
            let metric = e.get("metric")?.as_str()?.to_string();
            let num = |k: &str| e.get(k).and_then(Value::as_f64);
            let rule = if let Some(x) = num("le") {
                Rule::Le(x)
            } else if let Some(x) = num("ge") {
                Rule::Ge(x)
            } else if let Some(x) = num("eq") {
                Rule::Eq(x)
            } else {
                let b = e.get("between")?.as_array()?;
                Rule::Between(b.first()?.as_f64()?, b.get(1)?.as_f64()?)
            };
            Some(Expect { metric, rule })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rules_evaluate_dotted_paths() {
        let s = json!({ "one_shot": { "success_rate": 0.97, "latency_s": { "p95": 12.5 } } });
        let e = |metric: &str, rule| Expect {
            metric: metric.into(),
            rule,
        };
        assert!(evaluate(&e("one_shot.success_rate", Rule::Ge(0.95)), &s).pass);
        assert!(!evaluate(&e("one_shot.success_rate", Rule::Ge(0.99)), &s).pass);
        assert!(evaluate(&e("one_shot.latency_s.p95", Rule::Between(10.0, 13.0)), &s).pass);
        let missing = evaluate(&e("one_shot.nope", Rule::Le(1.0)), &s);
        assert!(!missing.pass && missing.actual.is_none());
    }
}

/// A baseline: expected values of metrics with tolerances (`results/baselines/NAME.json`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub scenario: String,
    /// The command-line overrides of the run the baseline was recorded from.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub overrides: serde_json::Map<String, Value>,
    pub metrics: std::collections::BTreeMap<String, Tolerance>,
}

/// A metric's expected value: it passes when `|actual − value| ≤ max(abs_tol, rel_tol·|value|)`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tolerance {
    pub value: f64,
    #[serde(default)]
    pub abs_tol: f64,
    #[serde(default)]
    pub rel_tol: f64,
}

/// The metrics a new baseline records (plus the scenario's `expect` metrics).
pub const BASELINE_METRICS: [&str; 18] = [
    "wakeups.per_device_day.mean",
    "wakeups.per_device_day.p95",
    "wakeups.per_device_day.max",
    "wakeups.process_starts_per_device_day.mean",
    "wakeups.process_starts_per_device_day.p95",
    "wakeups.timer_firings_per_device_day.mean",
    "wakeups.timer_firings_per_device_day.p95",
    "wakeups.periodic_per_device_day.max",
    "sync_events.total",
    "one_shot.success_rate",
    "one_shot.latency_s.p50",
    "one_shot.latency_s.p95",
    "attempts.retries",
    "attempts.interrupted",
    "periodic.suspended",
    "crashes",
    "awake_s.per_device_day",
    "invariants.violations",
];

/// Default tolerances of a new baseline for counts and durations: 5 % relative, 0.001 absolute
/// (so zeros stay zeros).
pub const DEFAULT_REL_TOL: f64 = 0.05;
pub const DEFAULT_ABS_TOL: f64 = 0.001;
/// Default tolerance of a new baseline for ratios and rates (unit `ratio`): absolute, half a
/// percentage point. A relative 5 % let a success rate fall from 0.9976 to 0.9795 (8.6× the
/// failures) unnoticed; this catches a fall to 0.9926.
pub const RATIO_ABS_TOL: f64 = 0.005;

impl Tolerance {
    /// The tolerance a new baseline gives `metric`, by its kind (`bgsim metrics` unit).
    pub fn for_metric(metric: &str, value: f64) -> Tolerance {
        let ratio = super::catalog::doc(metric).is_some_and(|(_, unit, _)| *unit == "ratio");
        if ratio {
            Tolerance {
                value,
                abs_tol: RATIO_ABS_TOL,
                rel_tol: 0.0,
            }
        } else {
            Tolerance {
                value,
                abs_tol: DEFAULT_ABS_TOL,
                rel_tol: DEFAULT_REL_TOL,
            }
        }
    }
}

impl Baseline {
    /// A malformed baseline (a negative or non-finite tolerance) is bad input, not a failed
    /// check. Returns (JSON path, reason).
    pub fn validate(&self) -> Result<(), (String, String)> {
        for (metric, t) in &self.metrics {
            for (field, x) in [("abs_tol", t.abs_tol), ("rel_tol", t.rel_tol)] {
                if !x.is_finite() || x < 0.0 {
                    return Err((
                        format!("metrics.{metric}.{field}"),
                        format!("expected a tolerance of at least 0, got {x}"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Records the current values of the baseline metrics (those present in `summary`).
    pub fn from_summary(summary: &Value, extra: &[Expect]) -> Baseline {
        let name = summary
            .pointer("/scenario/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let metrics = BASELINE_METRICS
            .iter()
            .map(|m| m.to_string())
            .chain(extra.iter().map(|e| e.metric.clone()))
            .filter_map(|m| {
                let value = lookup(summary, &m)?;
                Some((m.clone(), Tolerance::for_metric(&m, value)))
            })
            .collect();
        let overrides = summary
            .get("overrides")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        Baseline {
            scenario: name,
            overrides,
            metrics,
        }
    }

    /// Evaluates every metric of the baseline; a missing metric fails.
    pub fn check(&self, summary: &Value) -> Vec<Verdict> {
        self.metrics
            .iter()
            .map(|(metric, t)| {
                let actual = lookup(summary, metric);
                let allowed = t.abs_tol.max(t.rel_tol * t.value.abs());
                Verdict {
                    metric: metric.clone(),
                    expected: Expected::Within {
                        value: t.value,
                        allowed,
                    },
                    actual,
                    pass: actual.is_some_and(|x| (x - t.value).abs() <= allowed),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod baseline_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tolerance_is_the_larger_of_absolute_and_relative() {
        let mut metrics = std::collections::BTreeMap::new();
        metrics.insert(
            "a".to_string(),
            Tolerance {
                value: 100.0,
                abs_tol: 1.0,
                rel_tol: 0.05,
            },
        );
        metrics.insert(
            "b".to_string(),
            Tolerance {
                value: 0.0,
                abs_tol: 0.001,
                rel_tol: 0.05,
            },
        );
        let b = Baseline {
            scenario: "s".into(),
            overrides: Default::default(),
            metrics,
        };
        // a: allowed max(1, 5) = 5 → 104.9 passes, 105.1 fails. b: allowed 0.001 → 0.002 fails.
        let v = b.check(&json!({ "a": 104.9, "b": 0.0 }));
        assert!(v.iter().all(|x| x.pass));
        let v = b.check(&json!({ "a": 105.1, "b": 0.002 }));
        assert!(v.iter().all(|x| !x.pass));
    }
}
