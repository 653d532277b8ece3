//! What is enqueued before t = 0 (SEMANTICS S2): the deterministic timeline — network window
//! edges in time order, scheduled crashes, user-session edges, then per origin its `at`
//! registrations in list order, its `events` and its explicit engagement visits — followed by
//! the first step of each random process (markov flakiness, Poisson crashes, Poisson visits,
//! Poisson arrivals), each of which enqueues its next step when it runs.

use super::{DeviceSim, Ev};
use crate::engine::rng::StreamId;
use crate::engine::time::{SimDuration, SimTime};
use crate::model::engagement::EngagementSpec;
use crate::model::world::{ArrivalsDuring, RegisterWhen};

impl DeviceSim<'_> {
    pub(super) fn enqueue_timeline(&mut self) {
        let spec = self.spec;
        let horizon = self.horizon.ms();
        let windows = spec.network.offline_windows(horizon, self.local);
        self.window_offline = windows.contains(0);
        for (t, entering) in windows.edges() {
            self.queue
                .schedule(SimTime::from_ms(t), Ev::NetWindow { offline: entering });
        }
        // Scheduled crashes: `at`, or the device's trace rows (validation allows one of them).
        let traced = spec.crashes.trace.as_ref();
        let traced = traced.map_or_else(Vec::new, |t| t.instants(self.local, horizon));
        for &t in spec.crashes.at.iter().chain(&traced) {
            self.queue.schedule(SimTime::from_ms(t), Ev::Crash);
        }
        let sessions = spec.sessions.windows(horizon, self.local);
        self.in_session = sessions.contains(0);
        for (t, start) in sessions.edges() {
            self.queue
                .schedule(SimTime::from_ms(t), Ev::Session { start });
        }
        self.sessions = sessions;
        if let Some(power) = &spec.power {
            self.enqueue_power(power);
        }
        for (o, origin) in spec.origins.iter().enumerate() {
            let o = o as u32;
            for (r, reg) in origin.registrations.iter().enumerate() {
                if let RegisterWhen::At(t) = reg.when {
                    let ev = Ev::Register {
                        origin: o,
                        spec: r as u32,
                    };
                    self.queue.schedule(SimTime::from_ms(t), ev);
                }
            }
            for (f, fetch) in origin.fetches.iter().enumerate() {
                let ev = Ev::FetchRegister {
                    origin: o,
                    spec: f as u32,
                };
                self.queue.schedule(SimTime::from_ms(fetch.at), ev);
            }
            for (e, event) in origin.events.iter().enumerate() {
                let ev = Ev::Action {
                    origin: o,
                    event: e as u32,
                };
                self.queue.schedule(SimTime::from_ms(event.at), ev);
            }
            if let EngagementSpec::Score { at, .. } = &origin.engagement {
                for &t in at {
                    self.queue
                        .schedule(SimTime::from_ms(t), Ev::Visit { origin: o });
                }
            }
        }
        // Random processes: their first steps.
        if let Some(flaky) = spec.network.flaky() {
            let mut rng = self.key(StreamId::Network).stream();
            let gap = rng.exp_gap(flaky.mean_online);
            self.flaky_rng = Some(rng);
            self.queue.schedule(SimTime::ZERO.after(gap), Ev::NetFlaky);
        }
        if spec.crashes.rate_per_day > 0.0 {
            self.crash_rng = Some(self.key(StreamId::Crashes).stream());
            self.schedule_next_crash();
        }
        if spec.task_latency.is_some() {
            self.task_rng = Some(self.key(StreamId::Tasks).stream());
        }
        for (o, origin) in spec.origins.iter().enumerate() {
            if let EngagementSpec::Score {
                mean_interval: Some(mean),
                ..
            } = origin.engagement
            {
                let mut rng = self.key(StreamId::Visits { origin: o as u32 }).stream();
                let gap = rng.exp_gap(mean);
                self.origins[o].visit_rng = Some(rng);
                let ev = Ev::VisitProcess { origin: o as u32 };
                self.queue.schedule(SimTime::ZERO.after(gap), ev);
            }
        }
        for (o, origin) in spec.origins.iter().enumerate() {
            for (r, reg) in origin.registrations.iter().enumerate() {
                if let RegisterWhen::Arrivals {
                    mean_interval,
                    during,
                } = reg.when
                {
                    let mut rng = self
                        .key(StreamId::Arrivals {
                            origin: o as u32,
                            entry: r as u32,
                        })
                        .stream();
                    let gap = rng.exp_gap(mean_interval);
                    self.arrivals.insert((o as u32, r as u32), (0, rng));
                    let ev = Ev::Arrival {
                        origin: o as u32,
                        spec: r as u32,
                    };
                    if let Some(at) = self.arrival_time(SimTime::ZERO, gap, during) {
                        self.queue.schedule(at, ev);
                    }
                }
            }
        }
    }

    /// When the next arrival `gap` after `from` happens: on the session clock (only time inside
    /// user sessions counts) or the plain one. `None`: no session time is left.
    pub(super) fn arrival_time(
        &self,
        from: SimTime,
        gap: SimDuration,
        during: ArrivalsDuring,
    ) -> Option<SimTime> {
        match during {
            ArrivalsDuring::Always => Some(from.after(gap)),
            _ => self
                .sessions
                .advance(from.ms(), gap.ms())
                .map(SimTime::from_ms),
        }
    }
}
