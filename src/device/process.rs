//! The browser process (DESIGN §4.2, §4.3): sessions, crashes, the android idle kill, wake-up
//! recording and awake time. The wake-up tasks themselves are `tasks.rs`.
//!
//! Desktop: the browser runs during user sessions; a crash takes it down for `restart_delay`,
//! after which it restarts only inside a session. Nothing wakes a closed browser.
//!
//! Android: a user session holds the process; without one it lives until the OS kills it
//! `idle_kill_after` after it lost its last reason to live (a task start, the end of a session,
//! or — with `keep_browser_awake_till_events_complete` — the end of the last running event).

use super::record::{Invariant, WakeCause};
use super::{DeviceSim, Ev, Mark, Process, Trigger};
use crate::engine::rng::round_to_u64;
use crate::engine::time::{DAY, SimTime, split_by_day};
use crate::model::browser::Platform;
use crate::model::policy::WakeupRule;
use crate::model::registration::SyncKind;

impl DeviceSim<'_> {
    /// Alive, or held by a session (not crashed). Computed without a branch on the process
    /// state: it is asked several times an event, and the state changes unpredictably.
    pub(super) fn browser_running(&self) -> bool {
        self.alive() | ((self.process == Process::SessionOnly) & self.in_session)
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
        self.origin_delays
            .settle(&self.out.registrations, &self.active);
        self.close_when_released();
        self.fetch_pump();
        let up = self.browser_running();
        if up & !self.was_up {
            self.engagement_after_startup();
        }
        self.was_up = up;
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
        if self.policy_after_event {
            let active = &self.active;
            self.policy
                .after_event(&|| active.of_kind(SyncKind::Periodic).next().is_some());
        }
        self.close_job_if_done();
        if self.android() & self.browser_running() & self.tasks_dirty {
            self.tasks_dirty = false;
            self.reschedule_tasks();
        }
        self.resync_light_doze();
    }

    pub(super) fn session(&mut self, start: bool) {
        self.tasks_dirty = true;
        let was = self.browser_running();
        self.in_session = start;
        if start {
            if !self.android() && self.alive() {
                self.process = Process::SessionOnly; // a window again: no longer kept alive
            }
            if !was && self.browser_running() {
                self.fire_ready(Trigger::Start);
            }
        } else if self.android() {
            // Backgrounded: the process lives on until the OS reclaims it; that linger is the
            // same whatever the policy, so awake time counts it apart.
            if was {
                self.close_awake_interval();
                self.session_linger = Some((self.now, self.now.after(self.spec.idle_kill_after)));
                self.start_process();
                self.arm_idle_kill();
            }
        } else if was && self.running.iter().any(|r| r.keep_alive) {
            // A one-shot fired right after registering holds a ScopedKeepAlive
            // (background_sync_delegate_impl.cc): the browser outlives its last window until
            // such events complete (`close_when_released`).
            self.start_process();
        } else if was {
            // Closing a desktop browser ends running events like a crash, without a restart,
            // but its writes are flushed (a clean shutdown).
            self.process_died(true);
        }
    }

    /// Desktop: the last keep-alive was released with no window open: the browser exits now
    /// (cleanly), interrupting whatever else still runs.
    pub(super) fn close_when_released(&mut self) {
        if !self.android()
            && self.alive()
            && !self.in_session
            && !self.running.iter().any(|r| r.keep_alive)
        {
            self.process = Process::SessionOnly;
            self.process_died(true);
        }
    }

    pub(super) fn schedule_next_crash(&mut self) {
        let mean = round_to_u64(DAY as f64 / self.spec.crashes.rate_per_day);
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
    /// `requested`: the window start it was asked for (`now` when it ran at once).
    pub(super) fn record_wakeup(&mut self, cause: WakeCause, requested: SimTime) {
        let now = self.now;
        self.day().wakeups[cause] += 1;
        self.out.wakeups.push(super::WakeupRow {
            requested,
            ran: now,
            cause,
        });
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

    /// Awake time caused by background work: on android the process alive without a user
    /// session; on desktop (always running in a session) the time with an event running.
    fn awake_now(&self) -> bool {
        if self.android() {
            self.alive() & !self.in_session
        } else {
            !self.running.is_empty()
        }
    }

    /// Ends the current awake interval now (the linger window is about to change).
    fn close_awake_interval(&mut self) {
        if let Some(since) = self.awake_since.take() {
            self.add_awake(since, self.now);
            self.awake_since = Some(self.now);
        }
    }

    fn update_awake(&mut self) {
        // One branch, taken only when the awake state changes (this runs after every event).
        let awake = self.awake_now();
        if awake != self.awake_since.is_some() {
            match self.awake_since.take() {
                Some(since) => self.add_awake(since, self.now),
                None => self.awake_since = Some(self.now),
            }
        }
    }

    /// Adds the awake interval `[from, to)` to the days it covers. The part inside the linger
    /// after the last user session (`idle_kill_after` from its end, the same whatever the
    /// policy) is counted apart, as `after_session_ms`.
    pub(super) fn add_awake(&mut self, from: SimTime, to: SimTime) {
        let (from, to) = (from.ms(), to.ms());
        let (l0, l1) = self
            .session_linger
            .map_or((0, 0), |(a, b)| (a.ms(), b.ms()));
        let lo = from.max(l0).min(to);
        let hi = to.min(l1).max(lo);
        self.add_day_ms(from, lo, false);
        self.add_day_ms(lo, hi, true);
        self.add_day_ms(hi, to, false);
    }

    fn add_day_ms(&mut self, from: u64, to: u64, after_session: bool) {
        for (d, a, b) in split_by_day(from, to) {
            if let Some(day) = self.out.days.get_mut(d) {
                if after_session {
                    day.after_session_ms += b - a;
                } else {
                    day.awake_ms += b - a;
                }
            }
        }
    }
}
