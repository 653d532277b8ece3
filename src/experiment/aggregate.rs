//! Mergeable fleet aggregates: integer counters and log-linear histograms, reduced in device
//! order so sums never depend on thread scheduling.

use std::collections::BTreeMap;

use super::device_keys::{SmallCounts, origin_blocks};
use crate::device::DeviceResult;
use crate::device::counts::{Absorb, ByKind, Max, counters};
use crate::device::fetch::FetchOutcome;
use crate::device::record::{DayStats, INVARIANTS, Outcome, Rejections, Violation, WakeCause};
use crate::model::browser::Platform;
use crate::model::engagement::EngagementLevel;
use crate::model::fleet::FleetSpec;
use crate::model::registration::{FinalState, SyncKind};
use crate::model::world::DeviceSpec;

use super::histogram::Histogram;

/// The position of `level` in `EngagementLevel::ALL`.
fn level_index(level: EngagementLevel) -> usize {
    EngagementLevel::ALL
        .iter()
        .position(|l| *l == level)
        .unwrap_or(0)
}

/// A violation with the device it happened on.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FleetViolation {
    pub device: u64,
    pub violation: Violation,
    /// Origin index on that device and tag, when the violation concerns a registration.
    pub registration: Option<(u32, String)>,
}

/// How many violations are described in `summary.json`.
const KEEP_VIOLATIONS: usize = 10;

/// The first violations of a run, kept with details in `summary.json`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct FirstViolations(pub Vec<FleetViolation>);

impl Absorb for FirstViolations {
    fn absorb(&mut self, other: &Self) {
        let room = KEEP_VIOLATIONS.saturating_sub(self.0.len());
        self.0.extend(other.0.iter().take(room).cloned());
    }
}

/// Background Fetch bytes over all fetches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FetchBytes {
    pub requested: u64,
    pub downloaded: u64,
    /// Downloaded and then thrown away (restarted requests, aborted or failed fetches).
    pub wasted: u64,
}

impl Absorb for FetchBytes {
    fn absorb(&mut self, other: &Self) {
        self.requested += other.requested;
        self.downloaded += other.downloaded;
        self.wasted += other.wasted;
    }
}

/// Devices by platform: a mixed fleet has no single wake-up figure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ByPlatform {
    pub desktop: u64,
    pub android: u64,
}

impl Absorb for ByPlatform {
    fn absorb(&mut self, other: &Self) {
        self.desktop += other.desktop;
        self.android += other.android;
    }
}

counters! {
    /// The sums of one origin block (`by_origin.<block>`): every origin expanded from one
    /// scenario entry, on every device.
    #[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
    pub struct OriginTotals {
        /// Register calls that created an object, by kind.
        pub registrations: ByKind<u64>,
        pub one_shot_succeeded: u64,
        pub one_shot_gave_up: u64,
        pub one_shot_latency_ms: Histogram,
        /// Dispatched events, by kind.
        pub dispatches: ByKind<u64>,
        /// Register calls refused, by kind.
        pub rejected: ByKind<u64>,
    }
}

counters! {
    /// The attempts dispatched at one engagement level (`by_tier.<level>`).
    #[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
    pub struct TierTotals {
        pub attempts: u64,
        pub successes: u64,
        pub failures: u64,
        pub timeouts: u64,
        pub network_lost: u64,
        pub interrupted: u64,
    }
}

counters! {
    /// Every sum the outputs need, declared once: `Fleet::add` fills it from one device, and
    /// `Absorb` (generated) merges chunks and shards field by field.
    #[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
    pub struct Totals {
        pub days: Vec<DayStats>,
        /// Per day: the distribution of wake-ups over devices.
        pub day_wakeups: Vec<Histogram>,
        /// Wake-ups of every device-day.
        pub device_day_wakeups: Histogram,
        /// Periodic-cause wake-ups of every device-day (the design's "at most twice a day").
        pub device_day_periodic_wakeups: Histogram,
        /// Android process starts (every cause but `timer`) of every android device-day.
        pub device_day_process_starts: Histogram,
        /// Desktop delay-timer firings of every desktop device-day.
        pub device_day_timer_firings: Histogram,
        /// How long Android held each wake-up back (ms from its window start to its run).
        #[serde(default)]
        pub wakeup_deferral_ms: Histogram,
        /// Android device-days under power management (the denominator of doze and bucket
        /// time per device-day).
        #[serde(default)]
        pub power_device_days: u64,
        /// Battery charge (µAh) of every android device-day (DESIGN §13).
        #[serde(default)]
        pub energy_device_day_uah: Histogram,
        pub platform_devices: ByPlatform,
        /// Periodic intervals (ms) by the engagement level at the later dispatch.
        pub intervals: BTreeMap<EngagementLevel, Histogram>,
        pub level_changes: u64,
        pub lost_writes: u64,
        pub register_errors: u64,
        /// Register calls refused, by kind and reason.
        pub rejections: Rejections,
        /// Firefox doomed attempts (network vanished mid-event), over all registrations.
        pub doomed_attempts: u64,
        /// Background Fetch: registrations by outcome (`None` = unfinished at the horizon).
        #[serde(with = "pairs")]
        pub fetch_outcomes: BTreeMap<Option<FetchOutcome>, u64>,
        /// Registration → end of succeeded fetches, ms.
        pub fetch_completion_ms: Histogram,
        pub fetch_bytes: FetchBytes,
        pub fetch_crashes_survived: u64,
        pub fetch_request_failures: u64,
        pub fetch_register_errors: u64,
        /// Origins × days, the denominator of level changes per origin-day.
        pub origin_days: u64,
        /// Registration objects by kind and final state.
        #[serde(with = "pairs")]
        pub reg_states: BTreeMap<(SyncKind, FinalState), u64>,
        /// Register calls that created an object (all final states).
        pub registrations: ByKind<u64>,
        pub one_shot_latency_ms: Histogram,
        /// (kind, attempts, how it ended) → registrations or periodic events (retries.csv).
        #[serde(with = "pairs")]
        pub retries: BTreeMap<(SyncKind, u32, FinalState), u64>,
        pub dispatches: ByKind<u64>,
        pub retry_dispatches: u64,
        pub invariant_counts: [u64; INVARIANTS],
        pub violations: FirstViolations,
        pub events: u64,
        /// Most events any device processed at one virtual instant (a runaway guard for tests:
        /// time must keep advancing).
        pub max_events_at_one_instant: Max,
        pub online_transitions: u64,
        pub online_dispatches: u64,
        /// By origin block (`OriginSpec::block`).
        pub by_origin: BTreeMap<String, OriginTotals>,
        /// By the engagement level at dispatch.
        pub by_tier: BTreeMap<EngagementLevel, TierTotals>,
    }
}

/// Everything the outputs need, for the whole fleet (or a chunk or shard of it).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Fleet {
    /// The name of the policy simulated (`summary.json` `policy.preset`); empty until a run
    /// sets it.
    #[serde(default)]
    pub policy: String,
    /// Index of the first device this aggregate covers (0 unless it is a shard or a chunk).
    pub first: u64,
    /// Devices covered: `first .. first + devices`.
    pub devices: u64,
    /// The sums.
    pub totals: Totals,
    /// Full results of the first `max(detail_devices, trace_devices)` devices, in device order.
    pub detail: Vec<(u64, DeviceResult)>,
    /// Devices whose rows go to the per-event CSVs.
    pub detail_devices: u64,
    /// Devices traced into `trace.json`.
    pub trace_devices: u64,
    /// The per-event rows went to a sink as the run went (`RunOptions::detail_sink`): `detail`
    /// then holds only the traced devices.
    #[serde(default)]
    pub detail_streamed: bool,
}

impl Fleet {
    pub fn new(spec: &FleetSpec, first: u64, detail_devices: u64, trace_devices: u64) -> Fleet {
        let days = spec.days();
        Fleet {
            policy: String::new(),
            first,
            devices: 0,
            totals: Totals {
                days: vec![DayStats::default(); days],
                day_wakeups: vec![Histogram::default(); days],
                // Every origin block and level has its metrics, even with nothing in them.
                by_origin: spec
                    .blocks()
                    .iter()
                    .flat_map(|b| b.spec.origins.iter())
                    .map(|o| (o.block.to_string(), OriginTotals::default()))
                    .collect(),
                by_tier: EngagementLevel::ALL
                    .iter()
                    .map(|l| (*l, TierTotals::default()))
                    .collect(),
                ..Totals::default()
            },
            detail: Vec::new(),
            detail_devices,
            trace_devices,
            detail_streamed: false,
        }
    }

    /// Adds device `index`'s result; must be called in device-index order.
    pub fn add(&mut self, index: u64, device: &DeviceSpec, r: DeviceResult) {
        let (origins, platform) = (device.origins.len(), device.platform);
        debug_assert_eq!(
            index,
            self.first + self.devices,
            "devices must be reduced in order"
        );
        self.devices += 1;
        let keep = index < self.detail_devices.max(self.trace_devices);
        let t = &mut self.totals;
        let android = platform == Platform::Android;
        if android {
            t.platform_devices.android += 1;
        } else {
            t.platform_devices.desktop += 1;
        }
        for (d, day) in r.days.iter().enumerate() {
            let timer = day.wakeups[WakeCause::Timer];
            if android {
                t.device_day_process_starts.add(day.wakeups_total() - timer);
            } else {
                t.device_day_timer_firings.add(timer);
            }
            t.days[d].absorb(day);
            t.day_wakeups[d].add(day.wakeups_total());
            t.device_day_wakeups.add(day.wakeups_total());
            t.device_day_periodic_wakeups
                .add(day.wakeups[WakeCause::Periodic]);
        }
        // One map lookup per run of intervals at one level, not per interval (a device has one
        // per period, and its levels change rarely), in one pass.
        for run in r.intervals.chunk_by(|a, b| a.0 == b.0) {
            let h = t.intervals.entry(run[0].0).or_default();
            for (_, ms) in run {
                h.add(*ms);
            }
        }
        for w in &r.wakeups {
            t.wakeup_deferral_ms.add(w.deferral_ms());
        }
        if device.power.is_some() {
            t.power_device_days += r.days.len() as u64;
        }
        if android {
            for day in &r.days {
                t.energy_device_day_uah.add(day.energy_uah.iter().sum());
            }
        }
        t.level_changes += r.level_changes;
        for f in &r.fetches {
            *t.fetch_outcomes.entry(f.outcome).or_default() += 1;
            if let (Some(FetchOutcome::Succeeded), Some(end)) = (f.outcome, f.finished) {
                t.fetch_completion_ms.add(end.since(f.registered).ms());
            }
            t.fetch_bytes.requested += f.requests.iter().sum::<u64>();
            t.fetch_bytes.downloaded += f.downloaded;
            t.fetch_bytes.wasted += f.wasted;
            t.fetch_crashes_survived += f.crashes_survived as u64;
            t.fetch_request_failures += f.request_failures as u64;
        }
        t.fetch_register_errors += r.fetch_register_errors;
        t.lost_writes += r.lost_writes;
        t.register_errors += r.register_errors;
        t.rejections.absorb(&r.rejections);
        t.doomed_attempts += r.doomed_attempts;
        t.origin_days += origins as u64 * r.days.len() as u64;
        // By origin block and level, gathered per device first: one map lookup per block (not
        // per registration) when they are folded into the fleet's maps, and one set of sums per
        // block, not per origin (a device with 100,000 origins held 100,000 latency histograms,
        // 8 KB each with its exact range, and compared and folded each one).
        let (block_of, blocks) = origin_blocks(device.origins.iter().map(|o| &*o.block));
        let mut per_block = vec![OriginTotals::default(); blocks.len()];
        let mut per_tier: [TierTotals; EngagementLevel::ALL.len()] = Default::default();
        // The few distinct keys of a device's states and retries, counted here and folded into
        // the fleet's maps once each (a map lookup per registration and per periodic attempt
        // was a tenth of this reduction).
        let mut reg_states = SmallCounts::default();
        let mut retries = SmallCounts::default();
        for reg in &r.registrations {
            let state = reg.final_state();
            reg_states.add((reg.kind, state));
            t.registrations[reg.kind] += 1;
            let o = &mut per_block[block_of[reg.origin as usize] as usize];
            o.registrations[reg.kind] += 1;
            match (reg.kind, state) {
                (SyncKind::OneShot, FinalState::Succeeded) => {
                    o.one_shot_succeeded += 1;
                    if let Some(done) = reg.completed {
                        o.one_shot_latency_ms.add(done.since(reg.registered).ms());
                    }
                }
                (SyncKind::OneShot, FinalState::GaveUp) => o.one_shot_gave_up += 1,
                (kind, FinalState::Rejected) => o.rejected[kind] += 1,
                _ => {}
            }
            if reg.kind == SyncKind::OneShot {
                if let (FinalState::Succeeded, Some(done)) = (state, reg.completed) {
                    t.one_shot_latency_ms.add(done.since(reg.registered).ms());
                }
                if matches!(state, FinalState::Succeeded | FinalState::GaveUp) {
                    retries.add((SyncKind::OneShot, reg.counted_attempts, state));
                }
            }
        }
        for row in &r.attempts {
            let reg = &r.registrations[row.reg as usize];
            t.dispatches[reg.kind] += 1;
            per_block[block_of[reg.origin as usize] as usize].dispatches[reg.kind] += 1;
            let tier = &mut per_tier[level_index(row.level)];
            tier.attempts += 1;
            match row.outcome {
                Some(Outcome::Success) => tier.successes += 1,
                Some(Outcome::Failure) => tier.failures += 1,
                Some(Outcome::Timeout) => tier.timeouts += 1,
                Some(Outcome::NetworkLost) => tier.network_lost += 1,
                Some(Outcome::Interrupted) => tier.interrupted += 1,
                _ => {}
            }
            if row.attempt > 1 {
                t.retry_dispatches += 1;
            }
            if reg.kind == SyncKind::Periodic {
                match row.outcome {
                    Some(Outcome::Success) => {
                        retries.add((SyncKind::Periodic, row.attempt, FinalState::Succeeded));
                    }
                    Some(o) if o.is_counted() && row.attempt == reg.max_attempts => {
                        retries.add((SyncKind::Periodic, row.attempt, FinalState::GaveUp));
                    }
                    _ => {}
                }
            }
        }
        for (key, n) in reg_states.0 {
            *t.reg_states.entry(key).or_default() += n;
        }
        for (key, n) in retries.0 {
            *t.retries.entry(key).or_default() += n;
        }
        for (block, sums) in blocks.into_iter().zip(&per_block) {
            if *sums != OriginTotals::default() {
                match t.by_origin.get_mut(block) {
                    Some(total) => total.absorb(sums),
                    None => t
                        .by_origin
                        .entry(block.to_string())
                        .or_default()
                        .absorb(sums),
                }
            }
        }
        for (level, sums) in EngagementLevel::ALL.iter().zip(&per_tier) {
            if sums.attempts > 0 {
                t.by_tier.entry(*level).or_default().absorb(sums);
            }
        }
        for (total, c) in t.invariant_counts.iter_mut().zip(r.invariants.counts) {
            *total += c;
        }
        for v in &r.invariants.first {
            if t.violations.0.len() < KEEP_VIOLATIONS {
                let registration = v.reg.map(|id| {
                    let reg = &r.registrations[id as usize];
                    (reg.origin, reg.tag.to_string())
                });
                t.violations.0.push(FleetViolation {
                    device: index,
                    violation: v.clone(),
                    registration,
                });
            }
        }
        t.events += r.events;
        t.max_events_at_one_instant
            .absorb(&Max(r.max_events_at_one_instant));
        t.online_transitions += r.online_transitions;
        t.online_dispatches += r.online_dispatches;
        if keep {
            self.detail.push((index, r));
        }
    }

    /// Appends the aggregate of the devices that directly follow this one's. Every sum is an
    /// integer sum, a histogram merge, a maximum or an in-order concatenation (`Absorb`), so
    /// merging chunks or shards gives exactly the aggregate of one sequential pass.
    pub fn merge(&mut self, other: Fleet) {
        assert_eq!(
            other.first,
            self.first + self.devices,
            "fleets must be merged in device order"
        );
        self.devices += other.devices;
        self.totals.absorb(&other.totals);
        self.detail.extend(other.detail);
    }

    /// Checks that this aggregate has exactly the shape a run of the fleet's devices `range`
    /// with these detail and trace counts produces, so that a partial result read from a file
    /// (`bgsim merge`) can neither panic the writer nor merge into output that differs from one
    /// run. Returns what is wrong.
    pub fn check_shape(
        &self,
        spec: &FleetSpec,
        range: std::ops::Range<u64>,
        detail_devices: u64,
        trace_devices: u64,
    ) -> Result<(), String> {
        let days = spec.days();
        if self.first != range.start || self.devices != range.end - range.start {
            return Err(format!(
                "covers devices {}..{}, but the shard is devices {}..{}",
                self.first,
                self.first.saturating_add(self.devices),
                range.start,
                range.end
            ));
        }
        if self.totals.days.len() != days || self.totals.day_wakeups.len() != days {
            return Err(format!(
                "has {} days ({} wake-up distributions), the scenario has {days}",
                self.totals.days.len(),
                self.totals.day_wakeups.len()
            ));
        }
        if self.detail_devices != detail_devices || self.trace_devices != trace_devices {
            return Err(format!(
                "was run with --detail-devices {} and {} traced devices, the first shard with {detail_devices} and {trace_devices}",
                self.detail_devices, self.trace_devices
            ));
        }
        let limit = detail_devices.max(trace_devices);
        let expected: Vec<u64> = (range.start..range.end.min(limit)).collect();
        let got: Vec<u64> = self.detail.iter().map(|(i, _)| *i).collect();
        if got != expected {
            return Err(format!(
                "holds per-event rows of {} devices where the shard has {} (duplicated, missing or out of range)",
                got.len(),
                expected.len()
            ));
        }
        for (i, r) in &self.detail {
            let origins = spec.device(*i).origins.len() as u32;
            let regs = r.registrations.len() as u32;
            let bad_reg = r.registrations.iter().any(|g| g.origin >= origins);
            let bad_row = r.attempts.iter().any(|a| a.reg >= regs);
            let bad_fetch = r.fetches.iter().any(|f| f.origin >= origins);
            if bad_reg || bad_row || bad_fetch || r.days.len() != days {
                return Err(format!("holds inconsistent rows for device {i}"));
            }
        }
        if let Some(v) = self
            .totals
            .violations
            .0
            .iter()
            .find(|v| !range.contains(&v.device))
        {
            return Err(format!(
                "reports a violation on device {} outside the shard",
                v.device
            ));
        }
        Ok(())
    }

    /// The devices whose rows go to the per-event CSVs.
    pub fn csv_detail(&self) -> impl Iterator<Item = &(u64, DeviceResult)> {
        let n = self.detail_devices;
        self.detail.iter().filter(move |(i, _)| *i < n)
    }

    pub fn reg_count(&self, kind: SyncKind, state: FinalState) -> u64 {
        self.totals
            .reg_states
            .get(&(kind, state))
            .copied()
            .unwrap_or(0)
    }

    /// (rejected register calls, all sync register calls), one-shot and periodic together.
    pub fn rejected_share(&self) -> (u64, u64) {
        let rejected =
            self.totals.rejections.one_shot.total() + self.totals.rejections.periodic.total();
        (rejected, self.totals.registrations.total())
    }

    pub fn invariant_total(&self) -> u64 {
        self.totals.invariant_counts.iter().sum()
    }
}

/// Serializes a map with composite keys as a list of pairs (JSON keys must be strings).
mod pairs {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<K: Serialize, V: Serialize, S: Serializer>(
        map: &BTreeMap<K, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.iter())
    }

    pub fn deserialize<'de, K, V, D>(d: D) -> Result<BTreeMap<K, V>, D::Error>
    where
        K: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Vec::<(K, V)>::deserialize(d).map(|v| v.into_iter().collect())
    }
}
