//! The fleet description `experiment::run` simulates: blocks of identical devices over a
//! horizon, under one policy preset and its parameters, with one seed.
//!
//! API boundary: built only by scenario validation (`scenario::Scenario::fleet`), so every
//! spec, time and parameter in it is already checked; the overrides below re-check what they
//! change.

use crate::engine::time::{DAY, MAX_DAYS, SimTime};
use crate::model::engagement::EngagementSpec;
use crate::model::params::Params;
use crate::model::policy::Preset;
use crate::model::world::{DeviceSpec, RegisterWhen};

/// A block of identical devices (`count` copies of one spec).
#[derive(Clone, Debug)]
pub struct DeviceBlock {
    pub count: u64,
    pub spec: DeviceSpec,
}

/// What to simulate: devices, horizon, seed, policy preset and parameters.
#[derive(Clone, Debug)]
pub struct FleetSpec {
    blocks: Vec<DeviceBlock>,
    /// Index of the first device of each block (for `device`, a binary search).
    block_starts: Vec<u64>,
    /// The horizon in ms (SEMANTICS S1: events at t ≥ duration never run).
    duration: u64,
    seed: u64,
    preset: Preset,
    params: Params,
}

impl FleetSpec {
    /// Validated parts only (the scenario layer's job).
    pub(crate) fn new(
        blocks: Vec<DeviceBlock>,
        duration: u64,
        seed: u64,
        preset: Preset,
        params: Params,
    ) -> Self {
        let mut spec = FleetSpec {
            blocks,
            block_starts: Vec::new(),
            duration,
            seed,
            preset,
            params,
        };
        spec.index_blocks();
        spec
    }

    pub fn blocks(&self) -> &[DeviceBlock] {
        &self.blocks
    }

    pub fn device_count(&self) -> u64 {
        self.blocks.iter().map(|b| b.count).sum()
    }

    /// The spec of the `index`-th device after `count` expansion (`index < device_count()`).
    pub fn device(&self, index: u64) -> &DeviceSpec {
        self.device_at(index).0
    }

    /// The spec of the `index`-th device and its index within its block (its rows in the
    /// block's traces, DESIGN §14).
    pub fn device_at(&self, index: u64) -> (&DeviceSpec, u64) {
        let block = self.block_starts.partition_point(|&s| s <= index) - 1;
        (&self.blocks[block].spec, index - self.block_starts[block])
    }

    /// The horizon in ms.
    pub fn duration(&self) -> u64 {
        self.duration
    }

    pub fn horizon(&self) -> SimTime {
        SimTime::from_ms(self.duration)
    }

    /// Days of the run (a partial last day counts).
    pub fn days(&self) -> usize {
        self.duration.div_ceil(DAY).max(1) as usize
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn preset(&self) -> Preset {
        self.preset
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    pub fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
    }

    pub fn set_preset(&mut self, preset: Preset) {
        self.preset = preset;
    }

    /// Sets parameter `name` from its text form, re-checking every bound. The error is the
    /// offending parameter's name (it may be another one's bound) and the message.
    pub fn set_param(&mut self, name: &str, value: &str) -> Result<(), (String, String)> {
        let def = Params::def(name).ok_or_else(|| {
            (
                name.to_string(),
                format!("unknown parameter {name:?} (`bgsim params` lists them)"),
            )
        })?;
        let v = def.parse(value).map_err(|m| (name.to_string(), m))?;
        let mut params = self.params.clone();
        def.set(&mut params, v);
        params.check().map_err(|(p, m)| (p.to_string(), m))?;
        self.params = params;
        Ok(())
    }

    /// Replaces the horizon, checking that every time the devices hold still fits.
    pub fn set_days(&mut self, days: u64) -> Result<(), String> {
        if days == 0 || days > MAX_DAYS {
            return Err(format!("expected 1 to {MAX_DAYS} days, got {days}"));
        }
        let duration = days * DAY;
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
            if let Some(t) = too_late.into_iter().find(|t| *t >= duration) {
                return Err(format!(
                    "the scenario has a time ({}) at or after the new horizon",
                    crate::model::duration::format_ms(t)
                ));
            }
        }
        self.duration = duration;
        Ok(())
    }

    /// Rescales the fleet to `n` devices (at most `max`), keeping block proportions: each block
    /// gets `floor(count·n/total)` devices and the remainder goes to the first blocks in order.
    pub fn set_devices(&mut self, n: u64, max: u64) -> Result<(), String> {
        if n == 0 || n > max {
            return Err(format!("expected 1 to {max} devices, got {n}"));
        }
        let total = self.device_count() as u128;
        let mut blocks = self.blocks.clone();
        let mut given = 0;
        for b in &mut blocks {
            b.count = (b.count as u128 * n as u128 / total) as u64;
            given += b.count;
        }
        let mut i = 0;
        let len = blocks.len();
        while given < n {
            blocks[i % len].count += 1;
            given += 1;
            i += 1;
        }
        // A block replaying traces has the devices its traces name: fewer is a sample of them,
        // more would be devices with no rows (never online, never used).
        if let Some((i, (b, old))) = blocks
            .iter()
            .zip(&self.blocks)
            .enumerate()
            .find(|(_, (b, old))| b.count > old.count && b.spec.replays_traces())
        {
            return Err(format!(
                "devices[{i}] replays traces of {} devices; --devices can give it fewer, not {}",
                old.count, b.count
            ));
        }
        blocks.retain(|b| b.count > 0);
        self.blocks = blocks;
        self.index_blocks();
        Ok(())
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
}
