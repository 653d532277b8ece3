//! `summary.json`: the run's identity (scenario, version, seed, resolved parameters) followed by
//! its headline metrics (`experiment::metrics`), one nested object with sorted keys.

use serde_json::{Value, json};

use crate::engine::time::DAY;
use crate::experiment::metrics::metrics;
use crate::experiment::{Expect, Fleet, Rule};
use crate::model::params::PARAMS;
use crate::scenario::Scenario;

/// Builds the summary document.
pub fn summary_json(scenario: &Scenario, fleet: &Fleet) -> Value {
    let mut doc = identity(scenario, &fleet.policy);
    if let (Some(doc), Value::Object(m)) = (doc.as_object_mut(), metrics(scenario.fleet(), fleet)) {
        doc.extend(m);
    }
    doc
}

/// The run's identity: scenario, version, seed, the policy simulated (the scenario's preset
/// unless the run named another) and the resolved parameters (the head of `summary.json`).
pub fn identity(scenario: &Scenario, policy: &str) -> Value {
    let policy = if policy.is_empty() {
        scenario.preset().name()
    } else {
        policy
    };
    let mut params = serde_json::Map::new();
    for def in PARAMS {
        params.insert(def.name.into(), def.get(scenario.params()).to_json());
    }
    let mut identity = json!({
        "scenario": {
            "name": scenario.name(),
            "description": scenario.description(),
            "digest_sha256": scenario.digest(),
            "duration_ms": scenario.duration(),
            "days": scenario.duration().div_ceil(DAY),
            "expect": scenario.expect().iter().map(expect_json).collect::<Vec<_>>(),
        },
        "bgsim_version": crate::VERSION,
        "seed": scenario.seed(),
        "overrides": scenario.overrides(),
        "policy": { "preset": policy, "params": params },
    });
    // The trace files replayed (DESIGN §14), when there are any: what the run read, by digest.
    let traces = scenario.traces();
    if !traces.is_empty() {
        identity["scenario"]["traces"] = traces
            .iter()
            .map(|(file, digest)| json!({ "file": file, "digest_sha256": digest }))
            .collect();
    }
    identity
}

fn expect_json(e: &Expect) -> Value {
    let rule = match e.rule {
        Rule::Le(x) => json!({ "le": x }),
        Rule::Ge(x) => json!({ "ge": x }),
        Rule::Eq(x) => json!({ "eq": x }),
        Rule::Between(a, b) => json!({ "between": [a, b] }),
    };
    let mut v = rule;
    v["metric"] = json!(e.metric);
    v
}
