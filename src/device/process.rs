//! The browser process (DESIGN §4.2, §4.3) and Android's wake-up tasks (§5).
//!
//! Desktop: the browser runs during user sessions; a crash takes it down for `restart_delay`,
//! after which it restarts only inside a session. Nothing wakes a closed browser.
//!
//! Android: a user session holds the process; without one it lives until the OS kills it
//! `idle_kill_after` after it lost its last reason to live (a task start, the end of a session,
//! or — with `keep_browser_awake_till_events_complete` — the end of the last running event).
//! Two wake-up tasks, one per sync type (BackgroundSyncBackgroundTaskScheduler), are rescheduled
//! from the policy's wake-up window after every event while the browser runs; a task runs at
//! the first instant at or after its window at which the device is online, and starts the
//! browser if it is not running: that start is a wake-up, counted by cause.

use super::record::{Invariant, WakeCause};
use super::{DeviceSim, Ev, Mark, Process, Task, Trigger};
use crate::engine::time::{DAY, SimDuration, SimTime};
use crate::model::browser::Platform;
use crate::model::policy::WakeupRule;
use crate::model::registration::SyncKind;

impl DeviceSim<'_> {
    pub(super) fn browser_running(&self) -> bool {
        match self.process {
            Process::SessionOnly => self.in_session,
            Process::Crashed => false,
            Process::Alive { .. } => true,
        }
    }

    pub(super) fn crashed(&self) -> bool {
        self.process == Process::Crashed
    }

    /// Alive without needing a session (android).
    pub(super) fn alive(&self) -> bool {
        matches!(self.process, Process::Alive { .. })
    }

    /// Android: the process is started (or kept) without a session.
    pub(super) fn start_process(&mut self) {
        debug_assert!(!self.crashed());
        if !self.alive() {
            self.process = Process::Alive {
                kill_waits_for_fetch: false,
            };
        }
    }

    pub(super) fn android(&self) -> bool {
        self.spec.platform == Platform::Android
    }

    /// Bookkeeping after every event: awake time, the design-2019 task's lifetime and, while
    /// the browser runs on android, the wake-up tasks.
    pub(super) fn after_event(&mut self) {
        self.fetch_pump();
        if self.process
            == (Process::Alive {
                kill_waits_for_fetch: true,
            })
            && !self.fetch_downloading()
            && !self.in_session
        {
            self.arm_idle_kill();
        }
        self.update_awake();
        if self.tracing && self.was_running != self.browser_running() {
            self.was_running = !self.was_running;
            let mark = if self.was_running {
                Mark::BrowserUp
            } else {
                Mark::BrowserDown
            };
            self.out.marks.push((self.now, mark));
        }
        let active = &self.active;
        self.policy
            .after_event(&|| active.of_kind(SyncKind::Periodic).next().is_some());
        if self.android() && self.browser_running() && self.tasks_dirty {
            self.tasks_dirty = false;
            self.reschedule_tasks();
        }
    }

    pub(super) fn session(&mut self, start: bool) {
        self.tasks_dirty = true;
        let was = self.browser_running();
        self.in_session = start;
        if start {
            if !was && self.browser_running() {
                self.fire_ready(Trigger::Start);
            }
        } else if self.android() {
            // Backgrounded: the process lives on until the OS reclaims it.
            if was {
                self.start_process();
                self.arm_idle_kill();
            }
        } else if was {
            // Closing a desktop browser ends running events like a crash, without a restart,
            // but its writes are flushed (a clean shutdown).
            self.process_died(true);
        }
    }

    pub(super) fn schedule_next_crash(&mut self) {
        let mean = (DAY as f64 / self.spec.crashes.rate_per_day).round() as u64;
        let rng = self.crash_rng.as_mut().expect("crash process");
        let gap = rng.exp_gap(mean.max(1));
        self.queue.schedule(self.now.after(gap), Ev::CrashProcess);
    }

    pub(super) fn crash(&mut self) {
        if !self.browser_running() {
            return; // S7: a crash while the browser is down is ignored.
        }
        self.day().crashes += 1;
        if self.tracing {
            self.out.marks.push((self.now, Mark::Crash));
        }
        self.process = Process::Crashed;
        self.process_died(false);
        let restart = self.now.after(self.spec.crashes.restart_delay);
        self.queue.schedule(restart, Ev::Restart);
    }

    /// The end of a crash's downtime. Desktop restarts inside a session; android at the next
    /// session or wake-up task (one may be waiting already).
    pub(super) fn restart(&mut self) {
        self.tasks_dirty = true;
        self.process = Process::SessionOnly;
        if self.browser_running() {
            self.fire_ready(Trigger::Start);
        } else if self.android() {
            self.run_waiting_tasks();
        }
    }

    pub(super) fn arm_idle_kill(&mut self) {
        if self.alive() {
            self.process = Process::Alive {
                kill_waits_for_fetch: false,
            };
        }
        self.idle_generation += 1;
        let at = self.now.after(self.spec.idle_kill_after);
        let generation = self.idle_generation;
        self.queue.schedule(at, Ev::IdleCheck { generation });
    }

    pub(super) fn idle_check(&mut self, generation: u32) {
        if generation != self.idle_generation || !self.alive() || self.in_session {
            return;
        }
        if self.params.keep_browser_awake_till_events_complete && !self.running.is_empty() {
            return; // re-armed when the last event ends
        }
        if self.fetch_downloading() {
            // A Background Fetch holds the process like a foreground download; the idle timer
            // starts again when the downloads stop (`after_event`).
            self.process = Process::Alive {
                kill_waits_for_fetch: true,
            };
            return;
        }
        // The OS kills the process: running events are interrupted exactly like a crash.
        self.process = Process::SessionOnly;
        self.process_died(false);
    }

    /// Called when the last running event ended.
    pub(super) fn events_drained(&mut self) {
        if self.android()
            && self.params.keep_browser_awake_till_events_complete
            && self.alive()
            && !self.in_session
        {
            self.arm_idle_kill();
        }
    }

    /// Counts a wake-up and checks the policy's wake-up rules (§7).
    pub(super) fn record_wakeup(&mut self, cause: WakeCause) {
        let now = self.now;
        self.day().wakeups[cause] += 1;
        self.out.wakeups.push((now, cause));
        if cause != WakeCause::Periodic {
            return;
        }
        let broken = match self.wakeup_rule {
            WakeupRule::DailyCap(cap) => {
                (self.day().wakeups[WakeCause::Periodic] > cap).then_some(Invariant::WakeupCap)
            }
            WakeupRule::Spacing(spacing) => self
                .last_periodic_cause_wakeup
                .filter(|last| now.since(*last).ms() < spacing)
                .map(|_| Invariant::WakeupSpacing),
            WakeupRule::None => None,
        };
        if let Some(invariant) = broken {
            self.out.invariants.record(invariant, now, None);
        }
        self.last_periodic_cause_wakeup = Some(now);
    }

    /// The policy's wake-up window for one sync type: when the browser should next be started
    /// and why, or `None` to cancel the task.
    fn wake_window(&self, kind: SyncKind) -> Option<(SimTime, WakeCause)> {
        let regs = &self.out.registrations;
        let mut active = self.active.of_kind(kind).map(|id| &regs[id as usize]);
        self.policy.wake_window(kind, self.now, &mut active)
    }

    /// Hands the policy's current wake-up windows to the task scheduler (called while the
    /// browser runs). A window that is already open needs no task while the browser runs and is
    /// online (it processes ready events itself); offline, the task waits for connectivity.
    fn reschedule_tasks(&mut self) {
        for kind in [SyncKind::OneShot, SyncKind::Periodic] {
            let want = self.wake_window(kind);
            let task = self.tasks[kind as usize];
            if let (Some((key, at, _)), Some((want_at, cause))) = (task.pending, want)
                && at == want_at
            {
                self.tasks[kind as usize].pending = Some((key, at, cause));
                continue;
            }
            if let Some((key, _, _)) = task.pending {
                self.queue.cancel(key);
            }
            self.tasks[kind as usize] = Task::default();
            match want {
                None => {}
                Some((at, cause)) if at <= self.now && !self.online() => {
                    self.tasks[kind as usize].waiting = Some(cause);
                }
                Some((at, _)) if at <= self.now => {}
                Some((at, cause)) => {
                    let latency = match (&self.spec.task_latency, self.task_rng.as_mut()) {
                        (Some(dist), Some(rng)) => dist.sample(rng),
                        _ => 0,
                    };
                    let key = self
                        .queue
                        .schedule(at.after(SimDuration::from_ms(latency)), Ev::Task { kind });
                    self.tasks[kind as usize].pending = Some((key, at, cause));
                }
            }
        }
    }

    pub(super) fn task_fired(&mut self, kind: SyncKind) {
        let Some((_, _, cause)) = self.tasks[kind as usize].pending.take() else {
            return;
        };
        if !self.online() {
            // Required network ANY: the task waits for connectivity (it "reschedules").
            self.tasks[kind as usize].waiting = Some(cause);
            return;
        }
        self.run_task(kind, cause);
    }

    /// Runs tasks that were waiting for connectivity or for the end of a crash, one-shot first.
    pub(super) fn run_waiting_tasks(&mut self) {
        for kind in [SyncKind::OneShot, SyncKind::Periodic] {
            if let Some(cause) = self.tasks[kind as usize].waiting
                && self.online()
            {
                self.run_task(kind, cause);
            }
        }
    }

    fn run_task(&mut self, kind: SyncKind, cause: WakeCause) {
        self.tasks_dirty = true;
        if self.crashed() {
            // The browser cannot start before its restart delay: run again at the restart.
            self.tasks[kind as usize].waiting = Some(cause);
            return;
        }
        self.tasks[kind as usize].waiting = None;
        self.policy.on_wakeup_task(kind, self.now);
        if !self.browser_running() {
            self.start_process();
            self.record_wakeup(cause);
            self.arm_idle_kill();
        } else if self.alive() && !self.in_session {
            self.arm_idle_kill();
        }
        self.fire_ready(Trigger::Start);
    }

    /// Awake time caused by background work: on android the process alive without a user
    /// session; on desktop (always running in a session) the time with an event running.
    fn awake_now(&self) -> bool {
        if self.android() {
            self.alive() && !self.in_session
        } else {
            !self.running.is_empty()
        }
    }

    fn update_awake(&mut self) {
        match (self.awake_since, self.awake_now()) {
            (None, true) => self.awake_since = Some(self.now),
            (Some(since), false) => {
                self.awake_since = None;
                self.add_awake(since, self.now);
            }
            _ => {}
        }
    }

    pub(super) fn add_awake(&mut self, from: SimTime, to: SimTime) {
        let mut t = from.ms();
        while t < to.ms() {
            let d = (t / DAY) as usize;
            let until = ((t / DAY) + 1) * DAY;
            let until = until.min(to.ms());
            if let Some(day) = self.out.days.get_mut(d) {
                day.awake_ms += until - t;
            }
            t = until;
        }
    }
}
