//! Mergeable fleet aggregates: integer counters and log-linear histograms, reduced in device
//! order so sums never depend on thread scheduling.

use std::collections::BTreeMap;

use crate::device::DeviceResult;
use crate::device::fetch::FetchOutcome;
use crate::device::record::{DayStats, INVARIANTS, Outcome, Rejections, Violation, WakeCause};
use crate::engine::time::DAY;
use crate::model::browser::Platform;
use crate::model::engagement::EngagementLevel;
use crate::model::registration::{FinalState, SyncKind};
use crate::scenario::Scenario;

use super::histogram::Histogram;

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

/// Everything the outputs need, for the whole fleet.
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
    pub days: Vec<DayStats>,
    /// Per day: the distribution of wake-ups over devices.
    pub day_wakeups: Vec<Histogram>,
    /// Wake-ups of every device-day.
    pub device_day_wakeups: Histogram,
    /// Periodic-cause wake-ups of every device-day (the design's "at most twice a day").
    pub device_day_periodic_wakeups: Histogram,
    /// Android process starts (every cause but `timer`) of every android device-day.
    #[serde(default)]
    pub device_day_process_starts: Histogram,
    /// Desktop delay-timer firings of every desktop device-day.
    #[serde(default)]
    pub device_day_timer_firings: Histogram,
    /// Devices by platform (desktop, android): a mixed fleet has no single wake-up figure.
    #[serde(default)]
    pub platform_devices: [u64; 2],
    /// Periodic intervals (ms) by the engagement level at the later dispatch.
    pub intervals: BTreeMap<EngagementLevel, Histogram>,
    pub level_changes: u64,
    pub lost_writes: u64,
    pub register_errors: u64,
    /// Register calls refused, by kind and reason (`RejectReason`).
    #[serde(default)]
    pub rejections: Rejections,
    /// Firefox doomed attempts (network vanished mid-event), over all registrations.
    pub doomed_attempts: u64,
    /// Background Fetch: registrations by outcome (`None` = unfinished at the horizon).
    #[serde(with = "pairs")]
    pub fetch_outcomes: BTreeMap<Option<FetchOutcome>, u64>,
    /// Registration → end of succeeded fetches, ms.
    pub fetch_completion_ms: Histogram,
    pub fetch_bytes: [u64; 3],
    pub fetch_crashes_survived: u64,
    pub fetch_request_failures: u64,
    pub fetch_register_errors: u64,
    /// Origins × days, the denominator of level changes per origin-day.
    pub origin_days: u64,
    /// Registration objects by kind and final state.
    #[serde(with = "pairs")]
    pub reg_states: BTreeMap<(SyncKind, FinalState), u64>,
    /// Register calls that created an object (all final states).
    pub registrations: [u64; 2],
    pub one_shot_latency_ms: Histogram,
    /// (kind, attempts, how it ended) → registrations or periodic events (retries.csv).
    #[serde(with = "pairs")]
    pub retries: BTreeMap<(SyncKind, u32, FinalState), u64>,
    pub dispatches: [u64; 2],
    pub retry_dispatches: u64,
    pub invariant_counts: [u64; INVARIANTS],
    pub violations: Vec<FleetViolation>,
    pub events: u64,
    /// Most events any device processed at one virtual instant (a runaway guard for tests:
    /// time must keep advancing).
    #[serde(default)]
    pub max_events_at_one_instant: u64,
    pub online_transitions: u64,
    pub online_dispatches: u64,
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
    pub fn new(scenario: &Scenario, first: u64, detail_devices: u64, trace_devices: u64) -> Fleet {
        let days = scenario.duration.div_ceil(DAY).max(1) as usize;
        Fleet {
            policy: String::new(),
            first,
            devices: 0,
            days: vec![DayStats::default(); days],
            day_wakeups: vec![Histogram::default(); days],
            device_day_wakeups: Histogram::default(),
            device_day_periodic_wakeups: Histogram::default(),
            device_day_process_starts: Histogram::default(),
            device_day_timer_firings: Histogram::default(),
            platform_devices: [0; 2],
            intervals: BTreeMap::new(),
            level_changes: 0,
            fetch_outcomes: BTreeMap::new(),
            fetch_completion_ms: Histogram::default(),
            fetch_bytes: [0; 3],
            fetch_crashes_survived: 0,
            fetch_request_failures: 0,
            fetch_register_errors: 0,
            lost_writes: 0,
            register_errors: 0,
            rejections: Default::default(),
            doomed_attempts: 0,
            origin_days: 0,
            reg_states: BTreeMap::new(),
            registrations: [0; 2],
            one_shot_latency_ms: Histogram::default(),
            retries: BTreeMap::new(),
            dispatches: [0; 2],
            retry_dispatches: 0,
            invariant_counts: [0; INVARIANTS],
            violations: Vec::new(),
            events: 0,
            max_events_at_one_instant: 0,
            online_transitions: 0,
            online_dispatches: 0,
            detail: Vec::new(),
            detail_devices,
            trace_devices,
            detail_streamed: false,
        }
    }

    /// Adds device `index`'s result; must be called in device-index order.
    pub fn add(&mut self, index: u64, origins: usize, platform: Platform, r: DeviceResult) {
        debug_assert_eq!(
            index,
            self.first + self.devices,
            "devices must be reduced in order"
        );
        self.devices += 1;
        let android = platform == Platform::Android;
        self.platform_devices[android as usize] += 1;
        for (d, day) in r.days.iter().enumerate() {
            let timer = day.wakeups[WakeCause::Timer as usize];
            if android {
                self.device_day_process_starts
                    .add(day.wakeups_total() - timer);
            } else {
                self.device_day_timer_firings.add(timer);
            }
            self.days[d].add(day);
            self.day_wakeups[d].add(day.wakeups_total());
            self.device_day_wakeups.add(day.wakeups_total());
            self.device_day_periodic_wakeups
                .add(day.wakeups[WakeCause::Periodic as usize]);
        }
        for (level, ms) in &r.intervals {
            self.intervals.entry(*level).or_default().add(*ms);
        }
        self.level_changes += r.level_changes;
        for f in &r.fetches {
            *self.fetch_outcomes.entry(f.outcome).or_default() += 1;
            if let (Some(FetchOutcome::Succeeded), Some(end)) = (f.outcome, f.finished) {
                self.fetch_completion_ms.add(end.since(f.registered).ms());
            }
            self.fetch_bytes[0] += f.requests.iter().sum::<u64>();
            self.fetch_bytes[1] += f.downloaded;
            self.fetch_bytes[2] += f.wasted;
            self.fetch_crashes_survived += f.crashes_survived as u64;
            self.fetch_request_failures += f.request_failures as u64;
        }
        self.fetch_register_errors += r.fetch_register_errors;
        self.lost_writes += r.lost_writes;
        self.register_errors += r.register_errors;
        add_rejections(&mut self.rejections, &r.rejections);
        self.doomed_attempts += r.doomed_attempts;
        self.origin_days += origins as u64 * r.days.len() as u64;
        for reg in &r.registrations {
            let state = reg.final_state();
            *self.reg_states.entry((reg.kind, state)).or_default() += 1;
            self.registrations[reg.kind as usize] += 1;
            if reg.kind == SyncKind::OneShot {
                if let (FinalState::Succeeded, Some(done)) = (state, reg.completed) {
                    self.one_shot_latency_ms
                        .add(done.since(reg.registered).ms());
                }
                if matches!(state, FinalState::Succeeded | FinalState::GaveUp) {
                    *self
                        .retries
                        .entry((SyncKind::OneShot, reg.counted_attempts, state))
                        .or_default() += 1;
                }
            }
        }
        for row in &r.attempts {
            let reg = &r.registrations[row.reg as usize];
            self.dispatches[reg.kind as usize] += 1;
            if row.attempt > 1 {
                self.retry_dispatches += 1;
            }
            if reg.kind == SyncKind::Periodic {
                match row.outcome {
                    Some(Outcome::Success) => {
                        *self
                            .retries
                            .entry((SyncKind::Periodic, row.attempt, FinalState::Succeeded))
                            .or_default() += 1;
                    }
                    Some(o) if o.is_counted() && row.attempt == reg.max_attempts => {
                        *self
                            .retries
                            .entry((SyncKind::Periodic, row.attempt, FinalState::GaveUp))
                            .or_default() += 1;
                    }
                    _ => {}
                }
            }
        }
        for (total, c) in self.invariant_counts.iter_mut().zip(r.invariants.counts) {
            *total += c;
        }
        for v in &r.invariants.first {
            if self.violations.len() < KEEP_VIOLATIONS {
                let registration = v.reg.map(|id| {
                    let reg = &r.registrations[id as usize];
                    (reg.origin, reg.tag.to_string())
                });
                self.violations.push(FleetViolation {
                    device: index,
                    violation: v.clone(),
                    registration,
                });
            }
        }
        self.events += r.events;
        self.max_events_at_one_instant = self
            .max_events_at_one_instant
            .max(r.max_events_at_one_instant);
        self.online_transitions += r.online_transitions;
        self.online_dispatches += r.online_dispatches;
        if index < self.detail_devices.max(self.trace_devices) {
            self.detail.push((index, r));
        }
    }

    /// Appends the aggregate of the devices that directly follow this one's. Every field is an
    /// integer sum, a histogram merge or an in-order concatenation, so merging chunks or shards
    /// gives exactly the aggregate of one sequential pass.
    pub fn merge(&mut self, other: Fleet) {
        assert_eq!(
            other.first,
            self.first + self.devices,
            "fleets must be merged in device order"
        );
        self.devices += other.devices;
        for (d, day) in other.days.iter().enumerate() {
            self.days[d].add(day);
            self.day_wakeups[d].merge(&other.day_wakeups[d]);
        }
        self.device_day_wakeups.merge(&other.device_day_wakeups);
        self.device_day_periodic_wakeups
            .merge(&other.device_day_periodic_wakeups);
        self.device_day_process_starts
            .merge(&other.device_day_process_starts);
        self.device_day_timer_firings
            .merge(&other.device_day_timer_firings);
        for (a, b) in self.platform_devices.iter_mut().zip(other.platform_devices) {
            *a += b;
        }
        for (level, h) in &other.intervals {
            self.intervals.entry(*level).or_default().merge(h);
        }
        self.level_changes += other.level_changes;
        for (k, v) in other.fetch_outcomes {
            *self.fetch_outcomes.entry(k).or_default() += v;
        }
        self.fetch_completion_ms.merge(&other.fetch_completion_ms);
        for (a, b) in self.fetch_bytes.iter_mut().zip(other.fetch_bytes) {
            *a += b;
        }
        self.fetch_crashes_survived += other.fetch_crashes_survived;
        self.fetch_request_failures += other.fetch_request_failures;
        self.fetch_register_errors += other.fetch_register_errors;
        self.lost_writes += other.lost_writes;
        self.register_errors += other.register_errors;
        add_rejections(&mut self.rejections, &other.rejections);
        self.doomed_attempts += other.doomed_attempts;
        self.origin_days += other.origin_days;
        for (k, v) in other.reg_states {
            *self.reg_states.entry(k).or_default() += v;
        }
        for (a, b) in self.registrations.iter_mut().zip(other.registrations) {
            *a += b;
        }
        self.one_shot_latency_ms.merge(&other.one_shot_latency_ms);
        for (k, v) in other.retries {
            *self.retries.entry(k).or_default() += v;
        }
        for (a, b) in self.dispatches.iter_mut().zip(other.dispatches) {
            *a += b;
        }
        self.retry_dispatches += other.retry_dispatches;
        for (a, b) in self.invariant_counts.iter_mut().zip(other.invariant_counts) {
            *a += b;
        }
        let room = KEEP_VIOLATIONS.saturating_sub(self.violations.len());
        self.violations
            .extend(other.violations.into_iter().take(room));
        self.events += other.events;
        self.max_events_at_one_instant = self
            .max_events_at_one_instant
            .max(other.max_events_at_one_instant);
        self.online_transitions += other.online_transitions;
        self.online_dispatches += other.online_dispatches;
        self.detail.extend(other.detail);
    }

    /// Checks that this aggregate has exactly the shape a run of `scenario`'s devices `range`
    /// with these detail and trace counts produces, so that a partial result read from a file
    /// (`bgsim merge`) can neither panic the writer nor merge into output that differs from one
    /// run. Returns what is wrong.
    pub fn check_shape(
        &self,
        scenario: &Scenario,
        range: std::ops::Range<u64>,
        detail_devices: u64,
        trace_devices: u64,
    ) -> Result<(), String> {
        let days = scenario.duration.div_ceil(DAY).max(1) as usize;
        if self.first != range.start || self.devices != range.end - range.start {
            return Err(format!(
                "covers devices {}..{}, but the shard is devices {}..{}",
                self.first,
                self.first.saturating_add(self.devices),
                range.start,
                range.end
            ));
        }
        if self.days.len() != days || self.day_wakeups.len() != days {
            return Err(format!(
                "has {} days ({} wake-up distributions), the scenario has {days}",
                self.days.len(),
                self.day_wakeups.len()
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
            let origins = scenario.device(*i).origins.len() as u32;
            let regs = r.registrations.len() as u32;
            let bad_reg = r.registrations.iter().any(|g| g.origin >= origins);
            let bad_row = r.attempts.iter().any(|a| a.reg >= regs);
            let bad_fetch = r.fetches.iter().any(|f| f.origin >= origins);
            if bad_reg || bad_row || bad_fetch || r.days.len() != days {
                return Err(format!("holds inconsistent rows for device {i}"));
            }
        }
        if let Some(v) = self.violations.iter().find(|v| !range.contains(&v.device)) {
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
        self.reg_states.get(&(kind, state)).copied().unwrap_or(0)
    }

    /// (rejected register calls, all sync register calls), one-shot and periodic together.
    pub fn rejected_share(&self) -> (u64, u64) {
        let rejected = self.rejections.iter().flatten().sum();
        (rejected, self.registrations.iter().sum())
    }

    pub fn invariant_total(&self) -> u64 {
        self.invariant_counts.iter().sum()
    }
}

fn add_rejections(a: &mut Rejections, b: &Rejections) {
    for (x, y) in a.iter_mut().flatten().zip(b.iter().flatten()) {
        *x += y;
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
