//! Android's power management on one device (DESIGN §4.7): feeds Doze the screen, charging,
//! motion and network, steps its alarms from the run loop, and gates background jobs by quota.
//!
//! How it reaches the rest of the loop: while Doze restricts (light or deep idle outside a
//! maintenance window) apps have no network, so [`DeviceSim::online`] is false and everything
//! that waits for connectivity — wake-up tasks (network ANY), ready events, running events that
//! need the network — waits for the next maintenance window. A job (a wake-up task run, or a
//! WorkManager wake-up) also needs quota in its standby bucket; out of quota it waits until the
//! quota frees. Jobs are timed for the quota from their start until no event runs.

use super::{DeviceSim, Ev, PowerMark};
use crate::engine::EventKey;
use crate::engine::rng::{Stream, StreamId};
use crate::engine::time::{SimTime, split_by_day};
use crate::model::android::doze::{Doze, DozeParams, DozeState, Inputs, LightCycle};
use crate::model::android::quota::{Quota, QuotaParams};
use crate::model::android::standby::{Bucket, BucketTimeline, Thresholds};
use crate::model::android::{PowerSpec, Stationary};
use crate::model::timeline::Windows;

/// One device's power-management state.
pub(super) struct Power {
    doze: Doze,
    quota: Quota,
    quota_params: QuotaParams,
    buckets: BucketTimeline,
    charging: bool,
    /// The screen is on for other apps (`screen_on` windows).
    screen_extra: bool,
    /// The screen is on (a user session or another app), as Doze last heard.
    screen: bool,
    stationary: bool,
    /// `stationary` as a probability per screen-off period: `(p, stream)`.
    stationary_draw: Option<(f64, Stream)>,
    /// Doze has a deep alarm that does not step (a moving phone's idle cycle: nothing can
    /// observe it; it is caught up when an input changes).
    deep_lazy: bool,
    /// Doze has a light alarm nothing observes now: its steps are replayed quietly.
    light_lazy: bool,
    recheck: Option<(EventKey, u64)>,
    /// A background job is being timed for the quota.
    job_open: bool,
    state: DozeState,
    state_since: u64,
}

/// The `(time, on)` edges of windows after 0, and whether 0 is inside.
fn edges(w: &Windows) -> (bool, Vec<(u64, bool)>) {
    (w.contains(0), w.edges().collect())
}

impl DeviceSim<'_> {
    /// Sets up power management and queues its input edges (after the sessions are known).
    pub(super) fn enqueue_power(&mut self, spec: &PowerSpec) {
        let horizon = self.horizon.ms();
        let charging = spec.charging.windows(horizon, self.local);
        let screen_on = spec.screen_on.windows(horizon, self.local);
        let mut screen_raw: Vec<(u64, u64)> = self.sessions.as_slice().to_vec();
        screen_raw.extend_from_slice(screen_on.as_slice());
        let screen = Windows::merged(screen_raw);
        let buckets = BucketTimeline::new(
            &self.sessions,
            &screen,
            horizon,
            &Thresholds::from(self.params),
        );
        let (charging0, charging_edges) = edges(&charging);
        for (t, on) in charging_edges {
            self.queue
                .schedule(SimTime::from_ms(t), Ev::Charging { on });
        }
        let (screen0, screen_edges) = edges(&screen_on);
        for (t, on) in screen_edges {
            self.queue
                .schedule(SimTime::from_ms(t), Ev::ScreenOn { on });
        }
        let (stationary0, stationary_draw) = match &spec.stationary {
            Stationary::Windows(s) => {
                let (s0, stationary_edges) = edges(&s.windows(horizon, self.local));
                for (t, on) in stationary_edges {
                    self.queue
                        .schedule(SimTime::from_ms(t), Ev::Stationary { on });
                }
                (s0, None)
            }
            Stationary::Probability(p) => {
                let mut rng = self.key(StreamId::Stationary).stream();
                let s0 = rng.unit() < *p;
                (s0, Some((*p, rng)))
            }
        };
        let inputs = Inputs {
            screen_on: self.in_session || screen0,
            charging: charging0,
            stationary: stationary0,
            network: self.net_up(),
        };
        let doze = Doze::new(DozeParams::from(self.params), 0, inputs);
        self.power = Some(Box::new(Power {
            state: doze.state(),
            doze,
            quota: Quota::default(),
            quota_params: QuotaParams::from(self.params),
            buckets,
            charging: charging0,
            screen_extra: screen0,
            screen: self.in_session || screen0,
            stationary: stationary0,
            stationary_draw,
            deep_lazy: false,
            light_lazy: false,
            recheck: None,
            job_open: false,
            state_since: 0,
        }));
        if self.power_marks_on {
            self.push_power_marks_at_start();
        }
        self.decide_doze_stepping();
    }

    fn push_power_marks_at_start(&mut self) {
        let Some(p) = &self.power else { return };
        let marks = [
            PowerMark::Doze(p.state),
            PowerMark::Charging(p.charging),
            PowerMark::Screen(self.in_session || p.screen_extra),
        ];
        self.out
            .power_marks
            .extend(marks.into_iter().map(|m| (SimTime::ZERO, m)));
    }

    /// Doze keeps apps off the network (light or deep idle outside maintenance).
    pub(super) fn doze_restricts(&self) -> bool {
        self.power.as_ref().is_some_and(|p| p.state.restricts())
    }

    fn inputs(&self) -> Inputs {
        let p = self.power.as_ref().expect("power management");
        Inputs {
            screen_on: self.in_session || p.screen_extra,
            charging: p.charging,
            stationary: p.stationary,
            network: self.net_up(),
        }
    }

    /// Runs `change` on Doze, then brings the stepping decisions, the accounting and the app's
    /// network up to date.
    fn doze_step(&mut self, change: impl FnOnce(&mut Doze, u64, Inputs)) {
        if self.power.is_none() {
            return;
        }
        let was = self.online();
        self.doze_update(change);
        if (self.online() != was) & self.app_may_act(self.now.ms()) {
            // The app's network comes or goes and it has something to do: what follows may
            // read engagement levels.
            self.refresh_engagement();
        }
        self.network_changed(was, false);
    }

    /// [`DeviceSim::doze_step`] without telling the app about its network (the caller does).
    fn doze_update(&mut self, change: impl FnOnce(&mut Doze, u64, Inputs)) {
        let inputs = self.inputs();
        let now = self.now.ms();
        let p = self.power.as_mut().expect("power management");
        if p.deep_lazy {
            // The moving phone's unstepped deep alarms before now (see `deep_alarm_to_step`).
            p.doze.catch_up_moving(now);
        }
        change(&mut p.doze, now, inputs);
        self.decide_doze_stepping();
        self.account_doze();
    }

    /// Decides how Doze's alarms step where they now are: a moving phone's idle deep cycle not
    /// at all, light doze's quietly unless something could notice it (`light_doze_observed`).
    /// The alarms are not queued: the run loop runs every step due by the next event's time
    /// before popping it (`doze_due`), so a queued alarm would only be cancelled there.
    fn decide_doze_stepping(&mut self) {
        self.decide_light_stepping();
        if let Some(p) = self.power.as_mut() {
            p.deep_lazy = deep_lazy(p);
        }
    }

    /// Light doze's half of [`DeviceSim::decide_doze_stepping`], alone after a quiet light step
    /// (deep doze does not move in one).
    fn decide_light_stepping(&mut self) {
        let light = self.power.as_ref().and_then(|p| p.doze.light_alarm);
        let observed = light.is_some_and(|t| self.light_doze_observed(t));
        if let Some(p) = self.power.as_mut() {
            p.light_lazy = light.is_some() && !observed;
        }
    }

    /// Whether a light-doze step at `t` could change anything but the accounting: an event
    /// running (it may lose its network), a task waiting, a registration due by then, a fetch
    /// under way, or a traced device (its trace shows every network change). Otherwise the step
    /// needs no event: [`DeviceSim::run_doze_steps`] replays it, with its own time, before the
    /// next event. (Light doze cycles every 16 minutes all day; most of it is unobserved.)
    fn light_doze_observed(&self, t: u64) -> bool {
        self.tracing || self.app_may_act(t)
    }

    /// Whether the app may do something when its network comes or goes at `t`.
    fn app_may_act(&self, t: u64) -> bool {
        // `|`, not `||`: one branch on the answer, not one per flag (asked after every event).
        !self.running.is_empty()
            | self.tasks_waiting()
            | (self.fetches_unfinished > 0)
            | (self.first_due_ms() <= t)
    }

    /// When the earliest registration in the `due` index falls due (`u64::MAX`: none): the
    /// only part of [`DeviceSim::app_may_act`] that changes with time, so quiet light-doze
    /// steps stay quiet until then (between events).
    fn first_due_ms(&self) -> u64 {
        self.due.peek().map_or(u64::MAX, |r| r.0.0.ms())
    }

    /// Whether Doze has a step due by `t` (the run loop runs it before popping the next event:
    /// Android's power management steps before anything else at the same instant).
    pub(super) fn doze_due(&self, t: SimTime) -> bool {
        let t = t.ms();
        // Without branches on the alarms: the run loop asks before every event.
        self.power.as_ref().is_some_and(|p| {
            let deep = (p.doze.deep_alarm.unwrap_or(u64::MAX) <= t) & !p.deep_lazy;
            let light = p.doze.light_alarm.unwrap_or(u64::MAX) <= t;
            deep | light
        })
    }

    /// Runs Doze's steps due by `until`, in time order. A step nothing observed (light doze's, see
    /// `light_doze_observed`) is replayed quietly with its own time; the others run in full
    /// (the app's network may come or go). Stops after the first full step (the loop then runs
    /// `after_event`, as for any event) and returns whether there was one.
    pub(super) fn run_doze_steps(&mut self, until: SimTime) -> bool {
        let until = until.ms();
        loop {
            let p = self.power.as_ref().expect("power management");
            let deep_next = p.doze.deep_alarm.filter(|_| !p.deep_lazy);
            let deep = deep_next.filter(|&t| t <= until);
            let light = p.doze.light_alarm.filter(|&t| t <= until);
            let lazy = p.light_lazy;
            match (deep, light) {
                (Some(d), l) if l.is_none_or(|l| d <= l) => {
                    self.now = SimTime::from_ms(d);
                    self.doze_step(Doze::deep_alarm_fired);
                    return true;
                }
                (_, Some(l)) if lazy => {
                    let inputs = self.inputs();
                    // In the steady cycle, every step at once that comes before the next event
                    // (or at its time: Doze steps first), before the next deep step, and before
                    // a registration falls due (a step from then on is observed).
                    let limit = deep_next
                        .unwrap_or(u64::MAX)
                        .min(until.saturating_add(1))
                        .min(self.first_due_ms());
                    if !self.power_marks_on
                        && l < limit
                        && let Some(c) = self
                            .power
                            .as_ref()
                            .and_then(|p| p.doze.light_steady_cycle(inputs.network))
                    {
                        self.skip_light_steps(c, limit);
                        continue;
                    }
                    let p = self.power.as_mut().expect("power management");
                    p.doze.light_alarm_fired(l, inputs);
                    debug_assert_eq!(p.deep_lazy, deep_lazy(p), "a light step moved deep doze");
                    self.account_doze_at(l);
                    // Its successor is quiet too unless this step made it observed.
                    self.decide_light_stepping();
                }
                (_, Some(l)) => {
                    self.now = SimTime::from_ms(l);
                    self.doze_step(Doze::light_alarm_fired);
                    return true;
                }
                _ => return false,
            }
        }
    }

    /// Runs light doze's steady-cycle steps before `limit` at once (no observer saw them),
    /// accounting their idle and maintenance time per day (the device-day timeline is drawn for
    /// devices that replay every step).
    fn skip_light_steps(&mut self, c: LightCycle, limit: u64) {
        let p = self.power.as_mut().expect("power management");
        debug_assert_eq!(p.state, DozeState::LightIdle);
        let since = p.state_since;
        let last = p.doze.skip_light_steps(&c, limit);
        p.state = p.doze.state();
        p.state_since = last;
        self.add_doze_ms(DozeState::LightIdle, since, c.alarm);
        for (d, a, b) in split_by_day(c.alarm, last) {
            let maint = c.maintenance_in(b - c.alarm) - c.maintenance_in(a - c.alarm);
            if let Some(day) = self.out.days.get_mut(d) {
                day.doze_ms[DozeState::LightMaintenance as usize] += maint;
                day.doze_ms[DozeState::LightIdle as usize] += b - a - maint;
            }
        }
        self.decide_doze_stepping();
    }

    /// After every event: light doze's next step runs in full if something now observes it.
    pub(super) fn resync_light_doze(&mut self) {
        if let Some(p) = self.power.as_ref()
            && p.light_lazy
            && p.doze
                .light_alarm
                .is_some_and(|t| self.light_doze_observed(t))
        {
            self.decide_doze_stepping();
        }
    }

    /// Adds the time spent in the state that just ended to its days.
    fn account_doze(&mut self) {
        self.account_doze_at(self.now.ms());
    }

    /// [`DeviceSim::account_doze`] for a step at `now` (a replayed one's own time).
    fn account_doze_at(&mut self, now: u64) {
        let Some(p) = self.power.as_mut() else { return };
        let state = p.doze.state();
        if state == p.state {
            return;
        }
        let (old, since) = (p.state, p.state_since);
        p.state = state;
        p.state_since = now;
        self.add_doze_ms(old, since, now);
        if self.power_marks_on {
            self.out
                .power_marks
                .push((SimTime::from_ms(now), PowerMark::Doze(state)));
        }
    }

    fn add_doze_ms(&mut self, state: DozeState, from: u64, to: u64) {
        for (d, a, b) in split_by_day(from, to) {
            if let Some(day) = self.out.days.get_mut(d) {
                day.doze_ms[state as usize] += b - a;
            }
        }
    }

    pub(super) fn power_event(&mut self, ev: Ev) {
        match ev {
            Ev::Charging { on } => {
                if let Some(p) = self.power.as_mut() {
                    p.charging = on;
                }
                if self.power_marks_on {
                    self.out
                        .power_marks
                        .push((self.now, PowerMark::Charging(on)));
                }
                self.doze_step(Doze::screen_or_charging_changed);
                if on {
                    // Quota-free while charging: a job waiting for quota may run now.
                    self.quota_recheck();
                }
            }
            Ev::ScreenOn { on } => {
                if let Some(p) = self.power.as_mut() {
                    p.screen_extra = on;
                }
                self.screen_changed();
            }
            Ev::Stationary { on } => {
                if let Some(p) = self.power.as_mut() {
                    p.stationary = on;
                }
                if on {
                    // Come to rest: the moving cycle is caught up and its alarm steps again.
                    self.doze_step(|_, _, _| {});
                } else {
                    self.doze_step(Doze::started_moving);
                }
            }
            Ev::QuotaRecheck => {
                if let Some(p) = self.power.as_mut() {
                    p.recheck = None;
                }
                self.quota_recheck();
            }
            _ => unreachable!("not a power event"),
        }
    }

    /// The screen may have turned on or off (a user session, or another app).
    pub(super) fn screen_changed(&mut self) {
        let Some(p) = self.power.as_mut() else { return };
        let on = self.in_session || p.screen_extra;
        if on == p.screen {
            return;
        }
        p.screen = on;
        if !on && let Some((prob, rng)) = p.stationary_draw.as_mut() {
            // A new screen-off period: is the phone left still during it?
            p.stationary = rng.unit() < *prob;
        }
        if self.power_marks_on {
            self.out.power_marks.push((self.now, PowerMark::Screen(on)));
        }
        self.doze_step(Doze::screen_or_charging_changed);
    }

    /// The device's own network changed: a light doze waiting for it may start maintenance.
    pub(super) fn device_network_changed(&mut self) {
        if self.power_marks_on {
            let up = self.net_up();
            self.out
                .power_marks
                .push((self.now, PowerMark::Network(up)));
        }
        if self.power.is_some() {
            self.doze_update(Doze::network_changed);
        }
    }

    /// The app's standby bucket now (ACTIVE without power management).
    pub(super) fn bucket(&self) -> Bucket {
        self.power
            .as_ref()
            .map_or(Bucket::Active, |p| p.buckets.at(self.now.ms()))
    }

    /// Quota does not apply: charging (except RESTRICTED), or the app in the foreground.
    fn quota_free(&self, bucket: Bucket) -> bool {
        let p = self.power.as_ref().expect("power management");
        self.in_session || (p.charging && bucket != Bucket::Restricted)
    }

    /// Whether a background job may start now; if quota forbids it, a re-check is queued for
    /// when it frees. Starting it is [`DeviceSim::job_started`].
    pub(super) fn job_may_start(&mut self) -> bool {
        let Some(p) = self.power.as_ref() else {
            return true;
        };
        let now = self.now.ms();
        let bucket = p.buckets.at(now);
        if self.quota_free(bucket) || p.quota.allows(now, bucket, &p.quota_params) {
            return true;
        }
        let at = p.quota.in_quota_at(now, bucket, &p.quota_params);
        // A bucket change can also free quota: check again at the next change at the latest.
        let next_bucket = p
            .buckets
            .changes()
            .iter()
            .map(|&(t, _)| t)
            .find(|&t| t > now);
        let at = match (at, next_bucket) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if let Some(at) = at
            && at < self.horizon.ms()
        {
            let p = self.power.as_mut().expect("power management");
            if p.recheck.is_none_or(|(_, t)| at < t) {
                if let Some((key, _)) = p.recheck.take() {
                    self.queue.cancel(key);
                }
                let key = self.queue.schedule(SimTime::from_ms(at), Ev::QuotaRecheck);
                self.power.as_mut().expect("power management").recheck = Some((key, at));
            }
        }
        self.day().quota_deferrals += 1;
        false
    }

    /// A background job starts now (after [`DeviceSim::job_may_start`]).
    pub(super) fn job_started(&mut self) {
        if self.power.is_none() {
            return;
        }
        let now = self.now.ms();
        let free = self.quota_free(self.bucket());
        let p = self.power.as_mut().expect("power management");
        p.quota.job_started(now, free);
        p.job_open = true;
    }

    /// After every event: a job ends when no event runs any more.
    pub(super) fn close_job_if_done(&mut self) {
        let idle = self.running.is_empty();
        let now = self.now.ms();
        if let Some(p) = self.power.as_mut()
            && idle & p.job_open
        {
            p.job_open = false;
            p.quota.jobs_stopped(now, &p.quota_params);
        }
    }

    /// Quota may have freed: run what waits for it.
    fn quota_recheck(&mut self) {
        self.refresh_engagement();
        self.run_waiting_tasks();
        if self.policy.work_starts_process() && !self.browser_running() {
            self.fire_ready(super::Trigger::Timer);
        }
    }

    /// At the horizon: the last doze state's time, and the standby buckets' time per day.
    pub(super) fn finish_power(&mut self) {
        // Every Doze step before the horizon has run (the run loop steps Doze up to it).
        let horizon = self.horizon.ms();
        let Some(p) = self.power.as_ref() else { return };
        let (state, since) = (p.state, p.state_since);
        let changes = p.buckets.changes().to_vec();
        self.add_doze_ms(state, since, horizon);
        for (i, &(from, bucket)) in changes.iter().enumerate() {
            let to = changes.get(i + 1).map_or(horizon, |c| c.0).min(horizon);
            for (d, a, b) in split_by_day(from, to) {
                if let Some(day) = self.out.days.get_mut(d) {
                    day.bucket_ms[bucket as usize] += b - a;
                }
            }
        }
    }
}

/// Whether deep doze's pending alarm is replayed later instead of stepped (a moving phone's
/// idle cycle: [`Doze::deep_alarm_to_step`]).
fn deep_lazy(p: &Power) -> bool {
    p.doze.deep_alarm_to_step(p.stationary).is_none() && p.doze.deep_alarm.is_some()
}
