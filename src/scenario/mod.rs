//! Scenario files in (DESIGN §11): JSON → validated [`Scenario`].
//!
//! API boundary: this is where untrusted input becomes the plain, checked data of
//! `model::world`. Every rejection is an [`InputError`] naming the file, the JSON path and what
//! was expected.

pub mod edit;
mod error;
pub mod format;
pub mod limits;
mod network_file;
mod origin;
mod power;
mod resolve;
mod trace_file;
mod trace_rows;

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::experiment::Expect;
use crate::model::fleet::FleetSpec;
use crate::model::params::Params;
use crate::model::policy::Preset;
use crate::model::world::DeviceSpec;

pub use error::InputError;
use format::ScenarioFile;
use resolve::Resolver;

/// A validated scenario, ready to simulate: what to simulate (`fleet`) and what a run of it
/// is called, checked against and recorded with. Built only by validation (`load`, `parse`);
/// the command-line overrides go through methods that re-check and record what they change.
#[derive(Clone, Debug)]
pub struct Scenario {
    name: String,
    description: String,
    fleet: FleetSpec,
    expect: Vec<Expect>,
    /// SHA-256 of the scenario file's bytes, hex.
    digest: String,
    /// Where it was read from, for messages.
    source: String,
    /// The command-line overrides applied to the file (`--seed`, `--policy`, `--set`, `--days`,
    /// `--devices`), recorded in `summary.json` and baselines.
    overrides: serde_json::Map<String, serde_json::Value>,
    /// The trace files the devices replay (DESIGN §14), in the order the scenario names them.
    traces: Vec<std::sync::Arc<trace_file::CsvTrace>>,
}

/// The JSON Schema of the scenario format (`bgsim schema`, `docs/scenario.schema.json`), derived
/// from the serde types so it cannot drift from what the loader accepts.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(ScenarioFile);
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn load(path: impl AsRef<Path>) -> Result<Scenario, InputError> {
        let path = path.as_ref();
        Scenario::parse(&Scenario::read(path)?, &path.display().to_string())
    }

    /// Reads a scenario file's text (at most `limits::MAX_SCENARIO_BYTES`).
    pub fn read(path: impl AsRef<Path>) -> Result<String, InputError> {
        use std::io::Read;
        let path = path.as_ref();
        let shown = path.display().to_string();
        let err = |m: String| InputError::new(&shown, "", m);
        let file =
            std::fs::File::open(path).map_err(|e| err(format!("cannot read the file: {e}")))?;
        let mut bytes = Vec::new();
        file.take(limits::MAX_SCENARIO_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| err(format!("cannot read the file: {e}")))?;
        if bytes.len() as u64 > limits::MAX_SCENARIO_BYTES {
            return Err(err(format!(
                "the file is larger than {} MiB; a scenario describes a fleet in a few lines (use `count`)",
                limits::MAX_SCENARIO_BYTES >> 20
            )));
        }
        String::from_utf8(bytes).map_err(|e| err(format!("the file is not UTF-8 text: {e}")))
    }

    /// Validates scenario JSON; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Scenario, InputError> {
        // A UTF-8 byte-order mark (some Windows editors write one) is not JSON: skip it. The
        // digest still covers the file's bytes as they are.
        let json = text.strip_prefix('\u{feff}').unwrap_or(text);
        let de = &mut serde_json::Deserializer::from_str(json);
        let raw: ScenarioFile = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            InputError::new(file, path, e.inner().to_string())
        })?;
        let digest = Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let scenario = Resolver::new(file).scenario(raw, digest)?;
        if !scenario.expect.is_empty() {
            let known = crate::experiment::catalog::metric_names(&scenario.fleet);
            for (i, e) in scenario.expect.iter().enumerate() {
                crate::experiment::catalog::check_metric(&e.metric, &known)
                    .map_err(|m| InputError::new(file, format!("expect[{i}].metric"), m))?;
            }
        }
        Ok(scenario)
    }

    /// Assembles a validated scenario (the resolver's last step).
    fn new(
        name: String,
        description: String,
        fleet: FleetSpec,
        expect: Vec<Expect>,
        digest: String,
        source: String,
        traces: Vec<std::sync::Arc<trace_file::CsvTrace>>,
    ) -> Self {
        Scenario {
            name,
            description,
            fleet,
            expect,
            digest,
            source,
            overrides: Default::default(),
            traces,
        }
    }

    /// What to simulate (`experiment::run`).
    pub fn fleet(&self) -> &FleetSpec {
        &self.fleet
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    pub fn expect(&self) -> &[Expect] {
        &self.expect
    }

    /// SHA-256 of the scenario file's bytes, hex.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// The trace files the devices replay, as `(file, SHA-256 hex)` in the order the scenario
    /// names them (`summary.json` `traces`).
    pub fn traces(&self) -> Vec<(String, String)> {
        self.traces
            .iter()
            .map(|t| (t.written().to_string(), t.digest().to_string()))
            .collect()
    }

    /// Checks, after a run, that every trace read back as it was validated (bytes unchanged,
    /// file still there): otherwise the outputs are not what the traces say, and the run must
    /// not be written.
    pub fn verify_traces(&self) -> Result<(), InputError> {
        for t in &self.traces {
            t.verify().map_err(|m| {
                InputError::new(
                    t.name(),
                    "",
                    format!("{m}; run again once it is no longer being written"),
                )
            })?;
        }
        Ok(())
    }

    /// Where it was read from, for messages.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The command-line overrides applied (`summary.json` `overrides`).
    pub fn overrides(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.overrides
    }

    pub fn device_count(&self) -> u64 {
        self.fleet.device_count()
    }

    pub fn device(&self, index: u64) -> &DeviceSpec {
        self.fleet.device(index)
    }

    /// The horizon in ms.
    pub fn duration(&self) -> u64 {
        self.fleet.duration()
    }

    pub fn seed(&self) -> u64 {
        self.fleet.seed()
    }

    pub fn preset(&self) -> Preset {
        self.fleet.preset()
    }

    pub fn params(&self) -> &Params {
        self.fleet.params()
    }

    /// `--seed`.
    pub fn override_seed(&mut self, seed: u64) {
        self.fleet.set_seed(seed);
        self.overrides.insert("seed".into(), seed.into());
    }

    /// `--policy`.
    pub fn override_policy(&mut self, preset: Preset) {
        self.fleet.set_preset(preset);
        self.overrides.insert("policy".into(), preset.name().into());
    }

    /// `--set name=value`, each (recorded together, in order).
    pub fn override_params(&mut self, assignments: &[String]) -> Result<(), InputError> {
        for assignment in assignments {
            let err = |m: String| InputError::new("--set", assignment, m);
            let (name, value) = assignment
                .split_once('=')
                .ok_or_else(|| err("expected name=value".into()))?;
            self.fleet.set_param(name, value).map_err(|(p, m)| {
                if p == name {
                    err(m)
                } else {
                    InputError::new("--set", p, m)
                }
            })?;
        }
        if !assignments.is_empty() {
            self.overrides
                .insert("set".into(), serde_json::json!(assignments));
        }
        Ok(())
    }

    /// `--days`: replaces the horizon, re-checking that every scenario time still fits.
    pub fn override_days(&mut self, days: u64) -> Result<(), InputError> {
        self.fleet
            .set_days(days)
            .map_err(|m| InputError::new("--days", "", m))?;
        self.overrides.insert("days".into(), days.into());
        Ok(())
    }

    /// `--devices`: rescales the fleet keeping block proportions.
    pub fn override_devices(&mut self, n: u64) -> Result<(), InputError> {
        self.fleet
            .set_devices(n, limits::MAX_DEVICES)
            .map_err(|m| InputError::new("--devices", "", m))?;
        self.overrides.insert("devices".into(), n.into());
        Ok(())
    }
}
