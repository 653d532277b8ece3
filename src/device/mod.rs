//! One device's discrete-event simulation: wires the environment, the policy and the recorders.
//!
//! The loop pops events in `(time, sequence)` order (engine contract) and reacts as SEMANTICS
//! S2–S11 pin. What is enqueued when (S2): before t = 0 the deterministic timeline is enqueued
//! eagerly — (1) network window edges (`schedule`, `diurnal`) in time order, (2) scheduled
//! crashes, (2b) user-session edges, (3) per origin its `at` registrations in list order, then its
//! `events`, then its explicit engagement visits — followed by the first step of each random
//! process (markov flakiness, Poisson crashes, Poisson visits, Poisson arrivals), each of which
//! enqueues its next step when it runs. During the run, an attempt's end is enqueued at
//! dispatch, a delay timer when `delay_until` moves into the future, a restart at the crash, an
//! idle-kill check when an android process loses its last reason to live, and a wake-up task
//! whenever the policy's wake-up window changes.
//!
//! The methods are split by concern: `timeline` (what is queued before t = 0), `registry`
//! (register, unregister, origin actions), `firing` (FireReadyEvents, dispatch, completion,
//! interruption), `process` (browser process, crashes, awake time), `tasks` (android wake-up
//! tasks), `engagement` (visits, levels, revival, the profile's engagement), `persistence` and
//! `fetch`.

mod active;
pub mod counts;
mod energy;
mod engagement;
pub mod fetch;
mod firing;
mod origin_delays;
mod pending;
mod persistence;
mod power;
mod process;
pub mod record;
mod registry;
mod result;
mod running;
mod tasks;
mod timeline;
mod touched;

use std::collections::BTreeMap;

use crate::engine::rng::{BlockCache, Stream, StreamId, StreamKey};
use crate::engine::time::{DAY, SimTime};
use crate::engine::{EventKey, EventQueue};
use crate::model::engagement::{EngagementLevel, EngagementScore, EngagementSpec, ScoreParams};
use crate::model::params::Params;
use crate::model::policy::{DevicePolicy, Policy, WakeupRule};
use crate::model::registration::{SyncKind, Tag};
use crate::model::store::DurableStore;
use crate::model::timeline::Windows;
use crate::model::world::{DeviceSpec, RegisterWhen};

use record::{DayStats, Outcome, WakeCause};
pub use result::{DeviceResult, Mark, PowerMark, WakeupRow};
use tasks::Task;

#[derive(Clone, Copy, Debug)]
enum Ev {
    NetWindow {
        offline: bool,
    },
    NetFlaky,
    Crash,
    CrashProcess,
    /// A crash drawn for the dispatch of attempt row `row` while it runs.
    EventCrash {
        row: u32,
    },
    Session {
        start: bool,
    },
    Register {
        origin: u32,
        spec: u32,
    },
    Arrival {
        origin: u32,
        spec: u32,
    },
    /// A one-shot's registration write commits (RegisterDidStore).
    RegisterStored {
        id: u32,
    },
    Action {
        origin: u32,
        event: u32,
    },
    Visit {
        origin: u32,
    },
    VisitProcess {
        origin: u32,
    },
    Restart,
    Timer,
    AttemptEnd {
        row: u32,
    },
    FetchRegister {
        origin: u32,
        spec: u32,
    },
    FetchRequestDone {
        fetch: u32,
    },
    Task {
        kind: SyncKind,
    },
    /// Chrome's in-process delayed-processing timer (`wakeup_reschedule: earlier_only`).
    SyncTimer {
        kind: SyncKind,
    },
    IdleCheck {
        generation: u32,
    },
    Charging {
        on: bool,
    },
    /// The screen on or off for another app (`android.screen_on`).
    ScreenOn {
        on: bool,
    },
    Stationary {
        on: bool,
    },
    /// A job that was out of quota may be back in quota.
    QuotaRecheck,
}

impl Ev {
    /// An event of Android's power management (`power.rs`).
    fn is_power(&self) -> bool {
        matches!(
            self,
            Ev::Charging { .. } | Ev::ScreenOn { .. } | Ev::Stationary { .. } | Ev::QuotaRecheck
        )
    }
}

/// What made FireReadyEvents run (S3); kept for readability of call sites.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Trigger {
    Register,
    Online,
    Start,
    Timer,
    Completion,
    Revival,
}

/// A dispatch in progress.
#[derive(Clone, Copy, Debug)]
struct Running {
    row: u32,
    reg: u32,
    end: EventKey,
    /// The crash drawn for this dispatch (§4.3 `during_event_probability`), cancelled with the
    /// dispatch's end so that only a crash of an event still running can happen.
    crash: Option<EventKey>,
    outcome: Outcome,
    needs_network: bool,
    /// Desktop: holds a ScopedKeepAlive (fired right after its registration was stored).
    keep_alive: bool,
}

/// An origin's run-time engagement state.
struct OriginState {
    score: Option<EngagementScore>,
    visit_rng: Option<Stream>,
    last_level: EngagementLevel,
    /// The `background_sync` content setting now.
    sync_allowed: bool,
    /// The total score last computed and until when it holds
    /// (`EngagementScore::total_valid_until`): levels and start-up cleanups reuse it until then.
    /// Cleared whenever the score changes.
    total_cache: std::cell::Cell<Option<(u64, f64)>>,
    /// The stored score's `EngagementScore::kept_periods` (it depends on the raw score alone,
    /// so a rebase keeps it; `None`: not known). Cleared whenever the score changes.
    kept_periods: Option<u64>,
}

impl OriginState {
    /// The stored score changed: what was derived from it is recomputed when next asked.
    fn score_changed(&mut self) {
        self.total_cache.set(None);
        self.kept_periods = None;
    }
}

/// The browser process, apart from the user session that may hold it (`DeviceSim::in_session`).
/// One enum, so that a crashed process cannot also be alive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Process {
    /// Runs only while a user session holds it (desktop always; android until something else
    /// keeps it).
    SessionOnly,
    /// Crashed: down until its restart, session or not.
    Crashed,
    /// Android: alive without a session (started by a task, a job or a download, or
    /// backgrounded) until the OS kills it. Desktop: kept alive after its last window closed by
    /// keep-alive events, until they complete.
    Alive {
        /// An idle kill came due while a Background Fetch was downloading: it is armed again
        /// when the downloads stop (no polling while something holds the process).
        kill_waits_for_fetch: bool,
    },
}

/// The sizes the previous device simulated on this thread reached. The next one reserves them
/// up front instead of growing its queue and rows step by step (devices of a fleet are alike:
/// growing cost 50 reallocations per bench-fleet device). Capacity only: no output depends on
/// it.
#[derive(Clone, Copy, Debug)]
struct SizeHints {
    queue: usize,
    attempts: usize,
    registrations: usize,
    wakeups: usize,
    intervals: usize,
}

thread_local! {
    static SIZE_HINTS: std::cell::Cell<SizeHints> = const {
        std::cell::Cell::new(SizeHints {
            queue: 0,
            attempts: 0,
            registrations: 0,
            wakeups: 0,
            intervals: 0,
        })
    };
}

/// Simulates one device over `[0, horizon)`.
pub struct DeviceSim<'a> {
    spec: &'a DeviceSpec,
    /// The policy's state on this device; every scheduling decision comes from it.
    policy: Box<dyn DevicePolicy + 'a>,
    /// `policy.uses_after_event()`, fixed for the run.
    policy_after_event: bool,
    /// The periodic wake-up limit the monitor checks (§7).
    wakeup_rule: WakeupRule,
    /// Device-level parameters (process and network switches, fetch, engagement).
    params: &'a Params,
    score_params: ScoreParams,
    /// The profile's last engagement time (SiteEngagementService's last engagement pref), ms.
    profile_engaged: Option<u64>,
    /// Until when a start-up cleanup surely keeps every stored score: the earliest of the
    /// origins' `EngagementScore::kept_until` (0: not known). The browser starts about four
    /// times a day on a phone; most of those cleanups then skip the origins without looking.
    scores_kept_until: u64,
    /// The browser ran after the previous event (for the start-up cleanup).
    was_up: bool,
    seed: u64,
    index: u64,
    /// The device's index within its block: its rows in the block's traces (DESIGN §14).
    local: u64,
    horizon: SimTime,
    queue: EventQueue<Ev>,
    now: SimTime,
    // Network.
    window_offline: bool,
    flaky_offline: bool,
    flaky_rng: Option<Stream>,
    // Browser process.
    in_session: bool,
    /// The user sessions over the whole run (the clock of arrivals during sessions).
    sessions: Windows,
    process: Process,
    idle_generation: u32,
    crash_rng: Option<Stream>,
    awake_since: Option<SimTime>,
    /// Android: the linger after the last user session ended, `[end, end + idle_kill_after)`.
    session_linger: Option<(SimTime, SimTime)>,
    // Wake-up tasks (android).
    tasks: [Task; 2],
    /// Per sync type, its last wake-up window while it is known to hold: computed stable and
    /// no registration of that type touched since (`tasks.rs`).
    known_windows: [Option<Option<(SimTime, WakeCause)>>; 2],
    task_rng: Option<Stream>,
    last_periodic_cause_wakeup: Option<SimTime>,
    origins: Vec<OriginState>,
    /// Active registrations per (kind, origin), keyed by tag: iterating kinds, then origins, then
    /// tags by code point is exactly the dispatch order of SEMANTICS S3.
    active: active::ActiveSet,
    /// Per sync type, what the policy's wake-up window reads from the active registrations.
    pending: pending::PendingIndex,
    /// Per large origin, its periodic delays (ApplyMinGapForOrigin's `T`).
    origin_delays: origin_delays::OriginDelays,
    /// Next arrival index and stream per (origin, registration entry), for Poisson arrivals.
    arrivals: BTreeMap<(u32, u32), (u64, Stream)>,
    /// Dispatches in progress by attempt row: row order is dispatch order (S6, S7).
    running: running::RunningSet,
    ready_buf: Vec<u32>,
    /// The tag of the arrival being registered (one buffer for all).
    tag_buf: String,
    /// Per registration id: its handler stream's blocks around its next dispatch.
    handler_blocks: Vec<BlockCache>,
    /// `(delay_until, id)` of registrations that may become due, earliest first: FireReadyEvents
    /// pops what is due instead of scanning every active registration (O(k log n) for k due).
    /// Entries go stale when a registration fires, moves its delay or is removed; they are
    /// checked against the registration when popped (see `firing::collect_due`).
    due: std::collections::BinaryHeap<std::cmp::Reverse<(SimTime, u32)>>,
    store: DurableStore,
    /// Whether registration records are written to `store`. Nothing reads it while writes
    /// commit at once and no policy persists "firing" (a process death then loses nothing and
    /// skips the rebuild, `persistence.rs`): release builds do not write it then. Debug builds
    /// (every test) always do, and check at every death that a rebuild would change nothing.
    store_read: bool,
    fetch_store: DurableStore<String, fetch::FetchRecord>,
    fetches_unfinished: u32,
    /// Record `marks` for a trace.
    tracing: bool,
    /// Whether the browser ran after the previous event (for trace marks).
    was_running: bool,
    /// Something the wake-up windows depend on changed since they were last computed
    /// (Chromium reschedules after registration changes, events, and going to the background).
    tasks_dirty: bool,
    /// Android power management (DESIGN §4.7), when modelled.
    power: Option<Box<power::Power>>,
    /// Record `power_marks` (the first device, and traced ones).
    power_marks_on: bool,
    out: DeviceResult,
}

impl<'a> DeviceSim<'a> {
    pub fn new(
        spec: &'a DeviceSpec,
        policy: &'a dyn Policy,
        params: &'a Params,
        seed: u64,
        index: u64,
        local: u64,
        horizon: SimTime,
    ) -> Self {
        let days = horizon.ms().div_ceil(DAY) as usize;
        let score_params = ScoreParams::from(params);
        let origins = spec
            .origins
            .iter()
            .map(|o| match &o.engagement {
                EngagementSpec::Pinned(level) => OriginState {
                    sync_allowed: o.background_sync_allowed,
                    score: None,
                    visit_rng: None,
                    last_level: *level,
                    total_cache: Default::default(),
                    kept_periods: None,
                },
                EngagementSpec::Score { initial, .. } => {
                    let score = EngagementScore::new(*initial);
                    OriginState {
                        sync_allowed: o.background_sync_allowed,
                        last_level: score.level(0, o.installed, &score_params),
                        score: Some(score),
                        visit_rng: None,
                        total_cache: Default::default(),
                        kept_periods: None,
                    }
                }
            })
            .collect();
        let policy_device = policy.device();
        let store_read = cfg!(debug_assertions)
            || spec.crashes.storage_write_latency.ms() > 0
            || policy_device.persists_firing();
        DeviceSim {
            spec,
            policy_after_event: policy_device.uses_after_event(),
            policy: policy_device,
            wakeup_rule: policy.wakeup_rule(),
            params,
            score_params,
            profile_engaged: spec
                .origins
                .iter()
                .any(|o| matches!(o.engagement, EngagementSpec::Score { initial, .. } if initial > 0.0))
                .then_some(0),
            scores_kept_until: 0,
            was_up: false,
            seed,
            index,
            local,
            horizon,
            queue: EventQueue::with_lanes(tasks::LANES),
            now: SimTime::ZERO,
            window_offline: false,
            flaky_offline: false,
            flaky_rng: None,
            in_session: false,
            sessions: Windows::default(),
            process: Process::SessionOnly,
            idle_generation: 0,
            crash_rng: None,
            awake_since: None,
            session_linger: None,
            tasks: [Task::default(); 2],
            known_windows: [None; 2],
            task_rng: None,
            last_periodic_cause_wakeup: None,
            origins,
            active: active::ActiveSet::default(),
            pending: pending::PendingIndex::default(),
            origin_delays: origin_delays::OriginDelays::default(),
            arrivals: BTreeMap::new(),
            running: running::RunningSet::default(),
            ready_buf: Vec::new(),
            tag_buf: String::new(),
            handler_blocks: Vec::new(),
            due: std::collections::BinaryHeap::new(),
            store: DurableStore::default(),
            store_read,
            fetch_store: DurableStore::default(),
            fetches_unfinished: 0,
            tracing: false,
            was_running: false,
            tasks_dirty: true,
            power: None,
            power_marks_on: false,
            out: DeviceResult {
                days: vec![DayStats::default(); days.max(1)],
                ..DeviceResult::default()
            },
        }
    }

    /// Runs to the horizon and returns what happened.
    pub fn run(mut self) -> DeviceResult {
        let hints = SIZE_HINTS.get();
        self.queue.reserve(hints.queue);
        self.out.attempts.reserve(hints.attempts);
        self.out.registrations.reserve(hints.registrations);
        self.out.wakeups.reserve(hints.wakeups);
        self.out.intervals.reserve(hints.intervals);
        self.power_marks_on = self.spec.power.is_some() && (self.index == 0 || self.tracing);
        // Everything known before t = 0 (a run's sessions, above all) waits in the queue's
        // backlog, out of the heap's way.
        self.queue.open_backlog();
        self.enqueue_timeline();
        self.queue.seal();
        if self.tracing {
            self.was_running = self.browser_running();
            if self.was_running {
                self.out.marks.push((SimTime::ZERO, Mark::BrowserUp));
            }
            if !self.online() {
                self.out.marks.push((SimTime::ZERO, Mark::Offline));
            }
        }
        let mut at_instant = 0u64;
        loop {
            // Android's power management steps before anything else at an instant, and its
            // steps after the last event run too (up to the horizon's last millisecond).
            let next = self.queue.peek_time();
            if self.power.is_some() {
                let last = SimTime::from_ms(self.horizon.ms() - 1);
                let until = next.map_or(last, |t| t.min(last));
                if self.doze_due(until) {
                    if self.run_doze_steps(until) {
                        self.out.events += 1;
                        self.after_event();
                    }
                    continue;
                }
            }
            if next.is_none_or(|t| t >= self.horizon) {
                break;
            }
            let Some((t, ev)) = self.queue.pop_peeked() else {
                break;
            };
            at_instant = if t == self.now { at_instant + 1 } else { 1 };
            self.out.max_events_at_one_instant = self.out.max_events_at_one_instant.max(at_instant);
            self.now = t;
            self.out.events += 1;
            // Before anything can read a level, SiteEngagementService rebases a stale profile.
            // Android's power events read none unless they let the app run (`power.rs`), so
            // that Doze's alarms do not move the rebase.
            if !ev.is_power() {
                self.refresh_engagement();
            }
            self.handle(ev);
            self.after_event();
        }
        self.finish()
    }

    fn key(&self, id: StreamId) -> StreamKey {
        StreamKey::new(self.seed, self.index, id)
    }

    /// Whether the browser (the app) can use the network: the device is online and Doze does
    /// not cut it off.
    fn online(&self) -> bool {
        self.net_up() & !self.doze_restricts()
    }

    /// The device's own connectivity.
    fn net_up(&self) -> bool {
        !(self.window_offline | self.flaky_offline)
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
                self.device_network_changed();
                self.network_changed(was, true);
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
                let gap = rng.exp_gap(mean);
                self.queue.schedule(self.now.after(gap), Ev::NetFlaky);
                self.device_network_changed();
                self.network_changed(was, true);
            }
            Ev::Crash => self.crash(),
            Ev::EventCrash { row } => {
                // Cancelled whenever the dispatch ends, so it is still running here.
                debug_assert!(self.running.contains(row));
                self.crash();
            }
            Ev::CrashProcess => {
                self.schedule_next_crash();
                self.crash();
            }
            Ev::Session { start } => {
                self.session(start);
                self.screen_changed();
            }
            Ev::Register { origin, spec } => {
                let tag = Tag::from(
                    self.spec.origins[origin as usize].registrations[spec as usize]
                        .tag
                        .as_str(),
                );
                self.register(origin, spec, tag, (spec as u64) << 32);
            }
            Ev::Arrival { origin, spec } => {
                let reg_spec = &self.spec.origins[origin as usize].registrations[spec as usize];
                let RegisterWhen::Arrivals {
                    mean_interval,
                    during,
                } = reg_spec.when
                else {
                    unreachable!("arrival event for an `at` registration")
                };
                let (counter, rng) = self
                    .arrivals
                    .get_mut(&(origin, spec))
                    .expect("arrival process");
                let n = *counter;
                *counter += 1;
                let gap = rng.exp_gap(mean_interval);
                reg_spec.write_tag(n, &mut self.tag_buf);
                let tag = Tag::from(self.tag_buf.as_str());
                if let Some(at) = self.arrival_time(self.now, gap, during) {
                    self.queue.schedule(at, Ev::Arrival { origin, spec });
                }
                self.register(origin, spec, tag, ((spec as u64) << 32) | (n + 1));
            }
            Ev::RegisterStored { id } => self.register_stored(id),
            Ev::Action { origin, event } => self.action(origin, event),
            Ev::Visit { origin } => self.visit(origin),
            Ev::VisitProcess { origin } => {
                if let EngagementSpec::Score {
                    mean_interval: Some(mean),
                    ..
                } = self.spec.origins[origin as usize].engagement
                {
                    let rng = self.origins[origin as usize]
                        .visit_rng
                        .as_mut()
                        .expect("visit process");
                    let gap = rng.exp_gap(mean);
                    self.queue
                        .schedule(self.now.after(gap), Ev::VisitProcess { origin });
                }
                self.visit(origin);
            }
            Ev::Restart => self.restart(),
            Ev::Timer => {
                let fired = self.fire_ready(Trigger::Timer);
                if fired > 0 && self.spec.platform == crate::model::browser::Platform::Desktop {
                    self.record_wakeup(WakeCause::Timer, self.now);
                }
            }
            Ev::AttemptEnd { row } => {
                let running = self
                    .running
                    .remove(row)
                    .expect("an attempt end for a running dispatch");
                self.cancel_events(&running); // the end has run; its crash must not
                self.complete(running, running.outcome);
            }
            Ev::Task { kind } => self.task_fired(kind),
            Ev::SyncTimer { kind } => self.sync_timer_fired(kind),
            Ev::FetchRegister { origin, spec } => self.fetch_register(origin, spec),
            Ev::FetchRequestDone { fetch } => self.fetch_request_done(fetch as usize),
            Ev::IdleCheck { generation } => self.idle_check(generation),
            Ev::Charging { .. }
            | Ev::ScreenOn { .. }
            | Ev::Stationary { .. }
            | Ev::QuotaRecheck => self.power_event(ev),
        }
    }

    fn finish(mut self) -> DeviceResult {
        // A quarter more than this device needed: the next one is alike, not the same.
        let room = |n: usize| n + n / 4;
        SIZE_HINTS.set(SizeHints {
            queue: self.queue.capacity(),
            attempts: room(self.out.attempts.len()),
            registrations: room(self.out.registrations.len()),
            wakeups: room(self.out.wakeups.len()),
            intervals: room(self.out.intervals.len()),
        });
        // Events still running at the horizon keep empty end/outcome (S1).
        if let Some(since) = self.awake_since.take() {
            self.add_awake(since, self.horizon);
        }
        self.finish_power();
        self.finish_energy();
        self.out.doomed_attempts = self.policy.totals().doomed_attempts;
        self.out
    }
}

/// Which device of the fleet to simulate: its fleet-wide index (its random streams) and its
/// index within its block (its rows in the block's traces, DESIGN §14).
#[derive(Clone, Copy, Debug)]
pub struct DeviceIndex {
    pub fleet: u64,
    pub block: u64,
}

/// Simulates one device; see [`DeviceSim`].
pub fn simulate(
    spec: &DeviceSpec,
    policy: &dyn Policy,
    params: &Params,
    seed: u64,
    index: DeviceIndex,
    horizon: SimTime,
    trace: bool,
) -> DeviceResult {
    let mut sim = DeviceSim::new(
        spec,
        policy,
        params,
        seed,
        index.fleet,
        index.block,
        horizon,
    );
    sim.tracing = trace;
    sim.run()
}
