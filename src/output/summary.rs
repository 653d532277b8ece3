//! `summary.json`: the run's identity (scenario, version, seed, resolved parameters) followed by
//! its headline metrics (`experiment::metrics`), one nested object with sorted keys.

use serde_json::Value;

use crate::experiment::Fleet;
use crate::experiment::metrics::{identity, metrics};
use crate::scenario::Scenario;

/// Builds the summary document.
pub fn summary_json(scenario: &Scenario, fleet: &Fleet) -> Value {
    let mut doc = identity(scenario, &fleet.policy);
    if let (Some(doc), Value::Object(m)) = (doc.as_object_mut(), metrics(scenario, fleet)) {
        doc.extend(m);
    }
    doc
}
