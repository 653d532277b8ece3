//! One device's discrete-event simulation: wires the environment, the policy and the recorders.
//!
//! The loop pops events in `(time, sequence)` order (engine contract) and reacts as SEMANTICS
//! S2–S11 pin. What is enqueued when (S2): before t = 0 the deterministic timeline is enqueued
//! eagerly — (1) network window edges (`schedule`, `diurnal`) in time order, (2) scheduled
//! crashes, (2b) user-session edges, (3) per origin its `at` registrations in list order, then its
//! `events` — followed by the first step of each random process (markov flakiness, Poisson
//! crashes, Poisson arrivals), each of which enqueues its next step when it runs. During the run,
//! an attempt's end is enqueued at dispatch, a delay timer when `delay_until` moves into the
//! future, a restart at the crash.

pub mod record;

use std::collections::BTreeMap;

use crate::engine::rng::{Purpose, Stream, StreamKey};
use crate::engine::time::{DAY, SimTime};
use crate::engine::{EventKey, EventQueue};
use crate::model::browser::Platform;
use crate::model::handler::Settle;
use crate::model::policy::{Chromium, Completion};
use crate::model::registration::{FinalState, RegState, Registration, SyncKind};
use crate::model::world::{DeviceSpec, OriginAction, RegisterWhen};

use record::{AttemptRow, DayStats, Invariant, InvariantLog, Outcome, WakeCause};

/// Everything a finished device run reports.
#[derive(Clone, Debug, Default)]
pub struct DeviceResult {
    pub attempts: Vec<AttemptRow>,
    pub registrations: Vec<Registration>,
    pub days: Vec<DayStats>,
    pub invariants: InvariantLog,
    /// Events popped from the queue (for `--stats`).
    pub events: u64,
    pub online_transitions: u64,
    /// Dispatches made by the FireReadyEvents of an online transition (Firefox telemetry).
    pub online_dispatches: u64,
}

#[derive(Clone, Copy, Debug)]
enum Ev {
    NetWindow { offline: bool },
    NetFlaky,
    Crash,
    CrashProcess,
    Session { start: bool },
    Register { origin: u32, spec: u32 },
    Arrival { origin: u32, spec: u32 },
    Action { origin: u32, event: u32 },
    Restart,
    Timer,
    AttemptEnd { row: u32 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Trigger {
    Register,
    Online,
    Start,
    Timer,
    Completion,
}

/// A dispatch in progress.
#[derive(Clone, Copy, Debug)]
struct Running {
    row: u32,
    reg: u32,
    end: EventKey,
    outcome: Outcome,
    needs_network: bool,
}

/// Simulates one device over `[0, horizon)`.
pub struct DeviceSim<'a> {
    spec: &'a DeviceSpec,
    policy: &'a Chromium,
    seed: u64,
    index: u64,
    horizon: SimTime,
    queue: EventQueue<Ev>,
    now: SimTime,
    window_offline: bool,
    flaky_offline: bool,
    /// Sequential streams of the random processes (they never depend on policy decisions).
    flaky_rng: Option<Stream>,
    crash_rng: Option<Stream>,
    in_session: bool,
    crashed: bool,
    /// Active registrations per (kind, origin), keyed by tag: iterating kinds, then origins, then
    /// tags by code point is exactly the dispatch order of SEMANTICS S3.
    active: Vec<BTreeMap<Box<str>, u32>>,
    /// Next arrival index and stream per (origin, registration entry), for Poisson arrivals.
    arrivals: BTreeMap<(u32, u32), (u64, Stream)>,
    running: Vec<Running>,
    busy_since: Option<SimTime>,
    ready_buf: Vec<u32>,
    out: DeviceResult,
}

impl<'a> DeviceSim<'a> {
    pub fn new(
        spec: &'a DeviceSpec,
        policy: &'a Chromium,
        seed: u64,
        index: u64,
        horizon: SimTime,
    ) -> Self {
        let days = horizon.ms().div_ceil(DAY) as usize;
        DeviceSim {
            spec,
            policy,
            seed,
            index,
            horizon,
            queue: EventQueue::new(),
            now: SimTime::ZERO,
            window_offline: false,
            flaky_offline: false,
            flaky_rng: None,
            crash_rng: None,
            in_session: false,
            crashed: false,
            active: vec![BTreeMap::new(); 2 * spec.origins.len()],
            arrivals: BTreeMap::new(),
            running: Vec::new(),
            busy_since: None,
            ready_buf: Vec::new(),
            out: DeviceResult {
                days: vec![DayStats::default(); days.max(1)],
                ..DeviceResult::default()
            },
        }
    }

    /// Runs to the horizon and returns what happened.
    pub fn run(mut self) -> DeviceResult {
        self.enqueue_timeline();
        while let Some(t) = self.queue.peek_time() {
            if t >= self.horizon {
                break;
            }
            let (t, ev) = self.queue.pop().expect("peeked");
            self.now = t;
            self.out.events += 1;
            self.handle(ev);
        }
        self.finish()
    }

    fn key(&self, purpose: Purpose, a: u32, b: u64) -> StreamKey {
        StreamKey {
            seed: self.seed,
            device: self.index,
            purpose,
            a,
            b,
        }
    }

    fn enqueue_timeline(&mut self) {
        let spec = self.spec;
        let horizon = self.horizon.ms();
        let windows = spec.network.offline_windows(horizon);
        self.window_offline = windows.contains(0);
        for (t, entering) in windows.edges() {
            self.queue
                .schedule(SimTime(t), Ev::NetWindow { offline: entering });
        }
        for &t in &spec.crashes.at {
            self.queue.schedule(SimTime(t), Ev::Crash);
        }
        self.in_session = spec.sessions.contains(0);
        for (t, start) in spec.sessions.edges() {
            self.queue.schedule(SimTime(t), Ev::Session { start });
        }
        for (o, origin) in spec.origins.iter().enumerate() {
            for (r, reg) in origin.registrations.iter().enumerate() {
                if let RegisterWhen::At(t) = reg.when {
                    let ev = Ev::Register {
                        origin: o as u32,
                        spec: r as u32,
                    };
                    self.queue.schedule(SimTime(t), ev);
                }
            }
            for (e, event) in origin.events.iter().enumerate() {
                let ev = Ev::Action {
                    origin: o as u32,
                    event: e as u32,
                };
                self.queue.schedule(SimTime(event.at), ev);
            }
        }
        // Random processes: their first steps.
        if let Some(flaky) = spec.network.flaky() {
            let mut rng = self.key(Purpose::Network, 0, 0).stream();
            let gap = rng.exp_ms(flaky.mean_online);
            self.flaky_rng = Some(rng);
            self.queue.schedule(SimTime(gap), Ev::NetFlaky);
        }
        if spec.crashes.rate_per_day > 0.0 {
            self.crash_rng = Some(self.key(Purpose::Crashes, 0, 0).stream());
            self.schedule_next_crash();
        }
        for (o, origin) in spec.origins.iter().enumerate() {
            for (r, reg) in origin.registrations.iter().enumerate() {
                if let RegisterWhen::Arrivals { mean_interval } = reg.when {
                    let mut rng = self.key(Purpose::Arrivals, o as u32, r as u64).stream();
                    let gap = rng.exp_ms(mean_interval);
                    self.arrivals.insert((o as u32, r as u32), (0, rng));
                    let ev = Ev::Arrival {
                        origin: o as u32,
                        spec: r as u32,
                    };
                    self.queue.schedule(SimTime(gap), ev);
                }
            }
        }
    }

    fn schedule_next_crash(&mut self) {
        let mean = (DAY as f64 / self.spec.crashes.rate_per_day).round() as u64;
        let rng = self.crash_rng.as_mut().expect("crash process");
        let gap = rng.exp_ms(mean.max(1));
        self.queue.schedule(self.now.after(gap), Ev::CrashProcess);
    }

    fn online(&self) -> bool {
        !self.window_offline && !self.flaky_offline
    }

    fn browser_running(&self) -> bool {
        self.in_session && !self.crashed
    }

    fn day(&mut self) -> &mut DayStats {
        let d = (self.now.day() as usize).min(self.out.days.len() - 1);
        &mut self.out.days[d]
    }

    fn handle(&mut self, ev: Ev) {
        match ev {
            Ev::NetWindow { offline } => {
                let was = self.online();
                self.window_offline = offline;
                self.network_changed(was);
            }
            Ev::NetFlaky => {
                let was = self.online();
                self.flaky_offline = !self.flaky_offline;
                let flaky = self.spec.network.flaky().expect("flaky process");
                let mean = if self.flaky_offline {
                    flaky.mean_offline
                } else {
                    flaky.mean_online
                };
                let rng = self.flaky_rng.as_mut().expect("flaky process");
                let gap = rng.exp_ms(mean);
                self.queue.schedule(self.now.after(gap), Ev::NetFlaky);
                self.network_changed(was);
            }
            Ev::Crash => self.crash(),
            Ev::CrashProcess => {
                self.schedule_next_crash();
                self.crash();
            }
            Ev::Session { start } => {
                let was = self.browser_running();
                self.in_session = start;
                if !was && self.browser_running() {
                    self.fire_ready(Trigger::Start);
                } else if was && !self.browser_running() {
                    // Closing the browser ends running events like a crash, without a restart.
                    self.interrupt_all();
                }
            }
            Ev::Register { origin, spec } => {
                let tag = self.spec.origins[origin as usize].registrations[spec as usize]
                    .tag
                    .clone();
                self.register(origin, spec, tag, (spec as u64) << 32);
            }
            Ev::Arrival { origin, spec } => {
                let reg_spec = &self.spec.origins[origin as usize].registrations[spec as usize];
                let RegisterWhen::Arrivals { mean_interval } = reg_spec.when else {
                    unreachable!("arrival event for an `at` registration")
                };
                let (counter, rng) = self
                    .arrivals
                    .get_mut(&(origin, spec))
                    .expect("arrival process");
                let n = *counter;
                *counter += 1;
                let gap = rng.exp_ms(mean_interval);
                let tag = reg_spec.tag_for(n);
                self.queue
                    .schedule(self.now.after(gap), Ev::Arrival { origin, spec });
                self.register(origin, spec, tag, ((spec as u64) << 32) | (n + 1));
            }
            Ev::Action { origin, event } => self.action(origin, event),
            Ev::Restart => {
                self.crashed = false;
                if self.browser_running() {
                    self.fire_ready(Trigger::Start);
                }
            }
            Ev::Timer => {
                let fired = self.fire_ready(Trigger::Timer);
                if fired > 0 && self.spec.platform == Platform::Desktop {
                    self.day().wakeups[WakeCause::Timer as usize] += 1;
                }
            }
            Ev::AttemptEnd { row } => {
                let i = self
                    .running
                    .iter()
                    .position(|r| r.row == row)
                    .expect("an attempt end for a running dispatch");
                let running = self.running.remove(i);
                self.complete(running, running.outcome);
            }
        }
    }

    fn network_changed(&mut self, was_online: bool) {
        let online = self.online();
        if was_online && !online {
            // S6: every running needs_network event ends now, in dispatch order.
            let mut i = 0;
            while i < self.running.len() {
                if self.running[i].needs_network {
                    let running = self.running.remove(i);
                    self.queue.cancel(running.end);
                    self.complete(running, Outcome::NetworkLost);
                } else {
                    i += 1;
                }
            }
        } else if !was_online && online {
            self.out.online_transitions += 1;
            if self.browser_running() {
                let fired = self.fire_ready(Trigger::Online);
                self.out.online_dispatches += fired as u64;
            }
        }
    }

    fn crash(&mut self) {
        if !self.browser_running() {
            return; // S7: a crash while the browser is down is ignored.
        }
        self.day().crashes += 1;
        self.interrupt_all();
        self.crashed = true;
        let restart = self.now.after(self.spec.crashes.restart_delay);
        self.queue.schedule(restart, Ev::Restart);
    }

    /// Ends every running event as `interrupted` (S7): not counted, registration back to pending.
    fn interrupt_all(&mut self) {
        let running = std::mem::take(&mut self.running);
        for r in &running {
            self.queue.cancel(r.end);
            self.end_row(r.row, Outcome::Interrupted);
            let reg = &mut self.out.registrations[r.reg as usize];
            reg.running -= 1;
            if reg.is_active() {
                reg.state = RegState::Pending;
            }
        }
        self.running = running;
        self.running.clear();
        self.update_busy();
    }

    fn end_row(&mut self, row: u32, outcome: Outcome) {
        let now = self.now;
        let r = &mut self.out.attempts[row as usize];
        r.end = Some(now);
        r.outcome = Some(outcome);
        let day = self.day();
        match outcome {
            Outcome::Success => day.successes += 1,
            Outcome::Failure => day.failures += 1,
            Outcome::Timeout => day.timeouts += 1,
            Outcome::NetworkLost => day.network_lost += 1,
            Outcome::Interrupted => day.interrupted += 1,
        }
    }

    /// A counted end of an attempt (S5).
    fn complete(&mut self, running: Running, outcome: Outcome) {
        debug_assert!(outcome.is_counted());
        self.end_row(running.row, outcome);
        self.update_busy();
        let now = self.now;
        let id = running.reg as usize;
        let reg = &mut self.out.registrations[id];
        reg.counted_attempts += 1;
        reg.running -= 1;
        if !reg.is_active() {
            return; // unregistered or replaced meanwhile: the row is all that changes (S8)
        }
        let level = self.spec.origins[reg.origin as usize].engagement;
        let others = self.other_periodic_due_in(&self.out.registrations[id]);
        let policy = self.policy;
        let reg = &mut self.out.registrations[id];
        let completion = policy.complete(reg, outcome == Outcome::Success, now, |r| {
            policy.periodic_delay_until(now, r.min_interval, level, others)
        });
        let (kind, origin, delay_until) = (reg.kind, reg.origin, reg.delay_until);
        match completion {
            Completion::Rescheduled => self.arm_timer(delay_until),
            Completion::Removed(state) => {
                if state == FinalState::GaveUp {
                    self.day().gave_ups += 1;
                }
                let n = self.spec.origins.len();
                self.active[kind as usize * n + origin as usize]
                    .remove(&*self.out.registrations[id].tag);
            }
            Completion::FireAgain => {}
        }
        self.fire_ready(Trigger::Completion);
    }

    fn active_map(&mut self, kind: SyncKind, origin: u32) -> &mut BTreeMap<Box<str>, u32> {
        let n = self.spec.origins.len();
        &mut self.active[kind as usize * n + origin as usize]
    }

    /// T of ApplyMinGapForOrigin (S9): time until the soonest `delay_until` among the origin's
    /// other active periodic registrations (different tag); 0 if past; `None` if there are none.
    fn other_periodic_due_in(&self, reg: &Registration) -> Option<u64> {
        if reg.kind != SyncKind::Periodic {
            return None;
        }
        let n = self.spec.origins.len();
        let map = &self.active[SyncKind::Periodic as usize * n + reg.origin as usize];
        map.iter()
            .filter(|(tag, _)| **tag != reg.tag)
            .map(|(_, &id)| self.out.registrations[id as usize].delay_until)
            .min()
            .filter(|t| !t.is_never())
            .map(|t| t.ms().saturating_sub(self.now.ms()))
    }

    fn arm_timer(&mut self, delay_until: SimTime) {
        if delay_until > self.now && !delay_until.is_never() && delay_until < self.horizon {
            self.queue.schedule(delay_until, Ev::Timer);
        }
    }

    fn register(&mut self, origin: u32, spec_idx: u32, tag: String, stream_b: u64) {
        let o = &self.spec.origins[origin as usize];
        let rs = &o.registrations[spec_idx as usize];
        let kind = rs.kind;
        let mut reg = Registration {
            origin,
            spec: spec_idx,
            tag: tag.into_boxed_str(),
            kind,
            min_interval: rs.min_interval,
            state: RegState::Pending,
            removed: None,
            num_attempts: 0,
            max_attempts: self.policy.max_attempts(o.notification_permission),
            delay_until: self.now,
            registered: self.now,
            first_fire: None,
            completed: None,
            counted_attempts: 0,
            dispatches: 0,
            script_pos: 0,
            stream_b,
            running: 0,
        };
        // S8: no page can register while the browser is down; S12: periodic sync needs an
        // installed app under chromium.
        if !self.browser_running() || (kind == SyncKind::Periodic && !o.installed) {
            reg.removed = Some(FinalState::Rejected);
            self.out.registrations.push(reg);
            return;
        }
        let existing = self.active_map(kind, origin).get(&reg.tag).copied();
        let mut create = true;
        if let Some(id) = existing {
            let old = &mut self.out.registrations[id as usize];
            if kind == SyncKind::OneShot || old.min_interval == reg.min_interval {
                create = false;
                if old.state == RegState::Firing {
                    old.state = RegState::ReregisteredWhileFiring;
                }
            } else {
                old.removed = Some(FinalState::Unregistered); // replaced
                self.active_map(kind, origin).remove(&reg.tag);
            }
        }
        if create {
            if kind == SyncKind::Periodic {
                let others = self.other_periodic_due_in(&reg);
                reg.delay_until = self.policy.periodic_delay_until(
                    self.now,
                    reg.min_interval,
                    o.engagement,
                    others,
                );
                self.arm_timer(reg.delay_until);
            }
            let id = self.out.registrations.len() as u32;
            self.active_map(kind, origin).insert(reg.tag.clone(), id);
            self.out.registrations.push(reg);
        }
        if kind == SyncKind::OneShot {
            self.fire_ready(Trigger::Register);
        }
    }

    fn action(&mut self, origin: u32, event: u32) {
        if !self.browser_running() {
            return; // S8: nothing a page or the user does in the browser happens while it is down
        }
        let action = &self.spec.origins[origin as usize].events[event as usize].action;
        match action {
            OriginAction::Unregister { kind, tag } => {
                if let Some(id) = self.active_map(*kind, origin).remove(tag.as_str()) {
                    self.out.registrations[id as usize].removed = Some(FinalState::Unregistered);
                }
            }
            OriginAction::ClearSiteData | OriginAction::UnregisterServiceWorker => {
                for kind in [SyncKind::OneShot, SyncKind::Periodic] {
                    let removed = std::mem::take(self.active_map(kind, origin));
                    for id in removed.into_values() {
                        self.out.registrations[id as usize].removed =
                            Some(FinalState::Unregistered);
                    }
                }
            }
        }
    }

    /// Chromium's FireReadyEvents (S3): dispatches every ready registration, one-shots first,
    /// then by origin index and tag. Returns how many were dispatched.
    fn fire_ready(&mut self, _trigger: Trigger) -> usize {
        if !self.online() || !self.browser_running() {
            return 0;
        }
        let mut ready = std::mem::take(&mut self.ready_buf);
        ready.clear();
        for map in &self.active {
            for &id in map.values() {
                if self.out.registrations[id as usize].is_due(self.now) {
                    ready.push(id);
                }
            }
        }
        for &id in &ready {
            self.dispatch(id);
        }
        let n = ready.len();
        self.ready_buf = ready;
        n
    }

    fn dispatch(&mut self, id: u32) {
        let now = self.now;
        let max_event = self.policy.params.max_sync_event_duration;
        if !self.online() {
            self.out
                .invariants
                .record(Invariant::DispatchWhileOffline, now, id);
        }
        let reg = &mut self.out.registrations[id as usize];
        if !reg.is_active() {
            self.out
                .invariants
                .record(Invariant::FiredAfterRemoval, now, id);
        }
        let concurrent = reg.running > 0;
        let over_max = reg.num_attempts >= reg.max_attempts;
        let origin = &self.spec.origins[reg.origin as usize];
        let handler = &origin.registrations[reg.spec as usize].handler;
        let key = StreamKey {
            seed: self.seed,
            device: self.index,
            purpose: Purpose::Handler,
            a: reg.origin,
            b: reg.stream_b,
        };
        let (settle, duration) = handler.plan(&key, reg.dispatches as u64, reg.script_pos as usize);
        reg.dispatches += 1;
        reg.script_pos += 1;
        reg.state = RegState::Firing;
        reg.running += 1;
        reg.first_fire.get_or_insert(now);
        let (end, outcome) = match settle {
            Settle::Hang => (now.after(max_event), Outcome::Timeout),
            _ if duration > max_event => (now.after(max_event), Outcome::Timeout),
            Settle::Success => (now.after(duration), Outcome::Success),
            Settle::Fail => (now.after(duration), Outcome::Failure),
        };
        let row = AttemptRow {
            reg: id,
            attempt: reg.num_attempts + 1,
            last_chance: reg.kind == SyncKind::OneShot && reg.num_attempts + 1 == reg.max_attempts,
            start: now,
            end: None,
            outcome: None,
        };
        let needs_network = handler.needs_network;
        if concurrent {
            self.out
                .invariants
                .record(Invariant::ConcurrentDispatch, now, id);
        }
        if over_max {
            self.out
                .invariants
                .record(Invariant::AttemptsOverMax, now, id);
        }
        let row_id = self.out.attempts.len() as u32;
        self.out.attempts.push(row);
        let end_key = self.queue.schedule(end, Ev::AttemptEnd { row: row_id });
        self.running.push(Running {
            row: row_id,
            reg: id,
            end: end_key,
            outcome,
            needs_network,
        });
        self.day().sync_events += 1;
        self.update_busy();
    }

    /// Tracks the time during which at least one event runs, split across days.
    fn update_busy(&mut self) {
        match (self.busy_since, self.running.is_empty()) {
            (None, false) => self.busy_since = Some(self.now),
            (Some(since), true) => {
                self.busy_since = None;
                self.add_awake(since, self.now);
            }
            _ => {}
        }
    }

    fn add_awake(&mut self, from: SimTime, to: SimTime) {
        let mut t = from.ms();
        while t < to.ms() {
            let d = (t / DAY) as usize;
            let day_end = ((t / DAY) + 1) * DAY;
            let until = day_end.min(to.ms());
            if let Some(day) = self.out.days.get_mut(d) {
                day.awake_ms += until - t;
            }
            t = until;
        }
    }

    fn finish(mut self) -> DeviceResult {
        // Events still running at the horizon keep empty end/outcome (S1).
        if let Some(since) = self.busy_since.take() {
            self.add_awake(since, self.horizon);
        }
        self.out
    }
}

/// Simulates one device; see [`DeviceSim`].
pub fn simulate(
    spec: &DeviceSpec,
    policy: &Chromium,
    seed: u64,
    index: u64,
    horizon: SimTime,
) -> DeviceResult {
    DeviceSim::new(spec, policy, seed, index, horizon).run()
}

/// The final state of a registration object at the horizon (S11).
pub fn final_state(reg: &Registration) -> FinalState {
    reg.final_state()
}
