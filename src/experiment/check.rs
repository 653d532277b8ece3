//! Pass/fail rules over a run's metrics (DESIGN §9 `bgsim check`): the scenario's `expect`
//! rules, evaluated against the dotted metric paths of `summary.json`.

use serde_json::Value;

use super::{Expect, Rule};

/// One evaluated rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub metric: String,
    /// The rule as text, e.g. `≥ 0.99`.
    pub expected: String,
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

    pub fn describe(&self) -> String {
        match *self {
            Rule::Le(b) => format!("≤ {b}"),
            Rule::Ge(b) => format!("≥ {b}"),
            Rule::Eq(b) => format!("= {b}"),
            Rule::Between(a, b) => format!("in [{a}, {b}]"),
        }
    }
}

/// Evaluates one rule; a missing metric fails.
pub fn evaluate(expect: &Expect, summary: &Value) -> Verdict {
    let actual = lookup(summary, &expect.metric);
    Verdict {
        metric: expect.metric.clone(),
        expected: expect.rule.describe(),
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
