//! Scenario files in (DESIGN §11): JSON → validated [`Scenario`].
//!
//! API boundary: this is where untrusted input becomes the plain, checked data of
//! `model::world`. Every rejection is an [`InputError`] naming the file, the JSON path and what
//! was expected.

mod error;
pub mod format;
pub mod limits;
mod origin;
mod resolve;

use sha2::{Digest, Sha256};

use crate::engine::time::DAY;
use crate::experiment::Expect;
use crate::model::engagement::EngagementSpec;
use crate::model::params::Params;
use crate::model::policy::Preset;
use crate::model::world::{DeviceSpec, RegisterWhen};

pub use error::InputError;
use format::ScenarioFile;
use resolve::Resolver;

/// A block of identical devices (`count` copies of one spec).
#[derive(Clone, Debug)]
pub struct DeviceBlock {
    pub count: u64,
    pub spec: DeviceSpec,
}

/// A validated scenario, ready to simulate.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// The horizon in ms (SEMANTICS S1: events at t ≥ duration never run).
    pub duration: u64,
    pub seed: u64,
    pub preset: Preset,
    pub params: Params,
    pub blocks: Vec<DeviceBlock>,
    pub expect: Vec<Expect>,
    /// SHA-256 of the scenario file's bytes, hex.
    pub digest: String,
    /// Where it was read from, for messages.
    pub source: String,
    /// Index of the first device of each block (for `device`, a binary search).
    block_starts: Vec<u64>,
    /// The command-line overrides applied to the file (`--seed`, `--policy`, `--set`, `--days`,
    /// `--devices`), recorded in `summary.json` and baselines.
    pub overrides: serde_json::Map<String, serde_json::Value>,
}

/// The JSON Schema of the scenario format (`bgsim schema`, `docs/scenario.schema.json`), derived
/// from the serde types so it cannot drift from what the loader accepts.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(ScenarioFile);
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn load(path: &str) -> Result<Scenario, InputError> {
        Scenario::parse(&Scenario::read(path)?, path)
    }

    /// Reads a scenario file's text (at most `limits::MAX_SCENARIO_BYTES`).
    pub fn read(path: &str) -> Result<String, InputError> {
        use std::io::Read;
        let err = |m: String| InputError::new(path, "", m);
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
        let mut scenario = Resolver { file }.scenario(raw, digest)?;
        scenario.index_blocks();
        if !scenario.expect.is_empty() {
            let known = crate::experiment::catalog::metric_names(&scenario);
            for (i, e) in scenario.expect.iter().enumerate() {
                crate::experiment::catalog::check_metric(&e.metric, &known)
                    .map_err(|m| InputError::new(file, format!("expect[{i}].metric"), m))?;
            }
        }
        Ok(scenario)
    }

    pub fn device_count(&self) -> u64 {
        self.blocks.iter().map(|b| b.count).sum()
    }

    /// The spec of the `index`-th device after `count` expansion (`index < device_count()`).
    pub fn device(&self, index: u64) -> &DeviceSpec {
        let block = self.block_starts.partition_point(|&s| s <= index) - 1;
        &self.blocks[block].spec
    }

    fn index_blocks(&mut self) {
        let mut start = 0;
        self.block_starts = self
            .blocks
            .iter()
            .map(|b| {
                let s = start;
                start += b.count;
                s
            })
            .collect();
    }

    /// Applies one `--set name=value` override.
    pub fn set_param(&mut self, assignment: &str) -> Result<(), InputError> {
        let err = |m: String| InputError::new("--set", assignment, m);
        let (name, value) = assignment
            .split_once('=')
            .ok_or_else(|| err("expected name=value".into()))?;
        let def = Params::def(name).ok_or_else(|| {
            err(format!(
                "unknown parameter {name:?} (`bgsim params` lists them)"
            ))
        })?;
        let v = def.parse(value).map_err(err)?;
        def.set(&mut self.params, v);
        self.params
            .check()
            .map_err(|(p, m)| InputError::new("--set", p, m))
    }

    /// Replaces the horizon (`--days`), re-checking that every scenario time still fits.
    pub fn set_days(&mut self, days: u64) -> Result<(), InputError> {
        if days == 0 || days > limits::MAX_DAYS {
            return Err(InputError::new(
                "--days",
                "",
                format!("expected 1 to {} days, got {days}", limits::MAX_DAYS),
            ));
        }
        self.duration = days * DAY;
        for b in &self.blocks {
            let too_late = b
                .spec
                .crashes
                .at
                .iter()
                .copied()
                .chain(b.spec.origins.iter().flat_map(|o| {
                    o.registrations
                        .iter()
                        .filter_map(|r| match r.when {
                            RegisterWhen::At(t) => Some(t),
                            _ => None,
                        })
                        .chain(o.events.iter().map(|e| e.at))
                        .chain(o.fetches.iter().map(|f| f.at))
                        .chain(match &o.engagement {
                            EngagementSpec::Score { at, .. } => at.clone(),
                            EngagementSpec::Pinned(_) => Vec::new(),
                        })
                }));
            if let Some(t) = too_late.into_iter().find(|t| *t >= self.duration) {
                return Err(InputError::new(
                    "--days",
                    "",
                    format!(
                        "the scenario has a time ({}) at or after the new horizon",
                        crate::model::duration::format_ms(t)
                    ),
                ));
            }
        }
        Ok(())
    }
}

impl Scenario {
    /// Rescales the fleet to `n` devices (`--devices`), keeping block proportions: each block gets
    /// `floor(count·n/total)` devices and the remainder goes to the first blocks in order.
    pub fn set_devices(&mut self, n: u64) -> Result<(), String> {
        if n == 0 || n > limits::MAX_DEVICES {
            return Err(format!(
                "expected 1 to {} devices, got {n}",
                limits::MAX_DEVICES
            ));
        }
        let total = self.device_count() as u128;
        let mut given = 0;
        for b in &mut self.blocks {
            b.count = (b.count as u128 * n as u128 / total) as u64;
            given += b.count;
        }
        let mut i = 0;
        let len = self.blocks.len();
        while given < n {
            self.blocks[i % len].count += 1;
            given += 1;
            i += 1;
        }
        self.blocks.retain(|b| b.count > 0);
        self.index_blocks();
        Ok(())
    }
}
