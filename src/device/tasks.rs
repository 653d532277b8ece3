//! Android's wake-up tasks (DESIGN §5) and how Chrome moves them (`BackgroundSyncScheduler`).
//!
//! Two OS tasks, one per sync type (BackgroundSyncBackgroundTaskScheduler.java), persisted by the
//! OS: they survive the browser process. A task runs at the first instant at or after its window
//! at which the device is online and the browser can start; if the browser was not running, that
//! start is a wake-up, counted by cause (`empty` when it found nothing to fire).
//!
//! While the browser runs, every change recomputes the policy's wake-up window
//! (ScheduleOrCancelDelayedProcessing). With `wakeup_reschedule: earlier_only` (trunk
//! `background_sync_scheduler.cc`) Chrome restarts its in-process timer at the new window but
//! tells the OS only about a window earlier than the one it last told
//! (`scheduled_wakeup_time_`); it forgets that time when the process dies, and when the
//! in-process timer fires (RunDelayedTaskAndPruneInfoMap cancels the OS task with it). A task
//! scheduled for the 6-minute recovery window of an event that then completed stays, and wakes
//! the browser for nothing once the process is gone. With `always` every new window replaces
//! the OS task (the older scheduler).

use super::record::WakeCause;
use super::{DeviceSim, Ev, Trigger};
use crate::engine::time::{SimDuration, SimTime};
use crate::model::policy::WakeWindow;
use crate::model::policy::chromium::WakeupReschedule;
use crate::model::registration::SyncKind;

/// The event queue's lanes (see `engine::queue`): Chrome's in-process timer and the OS task of
/// each sync type are re-armed at most reschedules, far more often than they fire.
pub(super) const LANES: usize = 4;

fn timer_lane(kind: SyncKind) -> usize {
    kind as usize
}

fn task_lane(kind: SyncKind) -> usize {
    2 + kind as usize
}

/// A wake-up task of one sync type, and Chrome's memory of it. Chrome's in-process
/// delayed-processing timer (`earlier_only`, process memory) is the queue's lane `timer_lane`
/// itself: armed while that lane holds an event.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Task {
    /// The OS task (its event in the queue's lane `task_lane`): window start, cause.
    pending: Option<(SimTime, WakeCause)>,
    /// Ran while offline (or while the browser could not start, or out of quota) and waits to
    /// run again: the window start it was asked for, and why.
    waiting: Option<(SimTime, WakeCause)>,
    /// `earlier_only`: the window Chrome last told the OS (`scheduled_wakeup_time_`), process
    /// memory.
    told: Option<SimTime>,
}

impl DeviceSim<'_> {
    /// The policy's wake-up window for one sync type: when the browser should next be started
    /// and why (`None` to cancel the task), and whether it is stable.
    fn wake_window(&mut self, kind: SyncKind) -> WakeWindow {
        let active =
            self.pending
                .summary(kind, self.now, &self.out.registrations, &mut self.active);
        self.policy.wake_window(kind, self.now, &active)
    }

    /// A registration of `kind` changed, joined or left the active set (or what the policy
    /// keeps about it changed): its wake-up window must be computed afresh. Every such change
    /// calls this; debug builds check it (`reschedule_tasks`).
    pub(super) fn touch_window(&mut self, kind: SyncKind) {
        self.known_windows[kind as usize] = None;
    }

    /// Registration `id` changed (state, delay, attempts, resolution) or joined or left the
    /// active set: its kind's window is computed afresh, from a pending index that takes the
    /// change in (`pending.rs`; debug builds check it against a scan).
    pub(super) fn touch_reg(&mut self, id: u32) {
        let kind = self.out.registrations[id as usize].kind;
        self.touch_window(kind);
        self.pending.touch(id, kind);
        if kind == SyncKind::Periodic {
            self.origin_delays.touch(id);
        }
    }

    /// Hands the policy's current wake-up windows to the task scheduler (called while the
    /// browser runs, after anything they depend on changed). A kind whose known window still
    /// holds, with the timer and task already as it asks, is left alone: recomputing it would
    /// change nothing (Chrome's ScheduleOrCancelDelayedProcessing would re-arm the same time);
    /// one still ahead but no longer applied is handed over again as it is.
    pub(super) fn reschedule_tasks(&mut self) {
        let mode = self.policy.wakeup_reschedule();
        for kind in SyncKind::ALL {
            let want = match self.known_windows[kind as usize] {
                // Still ahead (or none): the same window, left alone if the timer and task are
                // as it asks, else handed over again (a restart forgot the timer, say).
                Some(known) if known.is_none_or(|(at, _)| at > self.now) => {
                    debug_assert_eq!(self.wake_window(kind).window, known, "{kind:?} moved");
                    if self.window_still_applied(kind, known, mode) {
                        continue;
                    }
                    known
                }
                _ => {
                    let WakeWindow {
                        window: want,
                        stable,
                    } = self.wake_window(kind);
                    self.known_windows[kind as usize] = stable.then_some(want);
                    want
                }
            };
            match mode {
                WakeupReschedule::EarlierOnly => self.reschedule_earlier_only(kind, want),
                _ => self.reschedule_always(kind, want),
            }
        }
    }

    /// Whether the timer and task are as handing the known stable window `known` (still ahead)
    /// over again would leave them (each `reschedule_*` returns without a change then).
    fn window_still_applied(
        &self,
        kind: SyncKind,
        known: Option<(SimTime, WakeCause)>,
        mode: WakeupReschedule,
    ) -> bool {
        let task = &self.tasks[kind as usize];
        let earlier_only = mode == WakeupReschedule::EarlierOnly;
        match known {
            Some((at, _)) if earlier_only => {
                self.queue.lane_time(timer_lane(kind)) == Some(at)
                    && task.told.is_some_and(|told| told <= at)
            }
            Some((at, cause)) => task.pending == Some((at, cause)),
            None => {
                task.pending.is_none()
                    && task.waiting.is_none()
                    && (!earlier_only
                        || task.told.is_none() && self.queue.lane_time(timer_lane(kind)).is_none())
            }
        }
    }

    /// The older scheduler: the OS task always follows the window. A window that is already
    /// open needs no task while the browser runs online (it processes ready events itself);
    /// offline, the task waits for connectivity.
    fn reschedule_always(&mut self, kind: SyncKind, want: Option<(SimTime, WakeCause)>) {
        let task = self.tasks[kind as usize];
        if let (Some((at, _)), Some((want_at, cause))) = (task.pending, want)
            && at == want_at
        {
            self.tasks[kind as usize].pending = Some((at, cause));
            return;
        }
        self.cancel_os_task(kind);
        match want {
            None => {}
            Some((at, cause)) if at <= self.now && !self.online() => {
                self.tasks[kind as usize].waiting = Some((at, cause));
            }
            Some((at, _)) if at <= self.now => {}
            Some((at, cause)) => self.schedule_os_task(kind, at, cause),
        }
    }

    /// Trunk Chrome: ScheduleDelayedProcessing restarts the in-process timer; the OS task moves
    /// only to an earlier window than the one last told.
    fn reschedule_earlier_only(&mut self, kind: SyncKind, want: Option<(SimTime, WakeCause)>) {
        let k = kind as usize;
        let timer = self.queue.lane_time(timer_lane(kind));
        let keep_timer =
            matches!((timer, want), (Some(due), Some((at, _))) if due == at && at > self.now);
        if keep_timer {
            // The in-process timer already runs for this window (restarting it would change
            // nothing); only the OS side may need telling.
        } else if let Some(due) = timer {
            self.queue.clear_lane(timer_lane(kind));
            if due <= self.now {
                // It fires at this very instant, before the new window is computed: as in
                // RunDelayedTaskAndPruneInfoMap, the wake-up it stood for is cancelled.
                self.cancel_os_task(kind);
                self.tasks[k].told = None;
            }
        }
        let Some((at, cause)) = want else {
            // CancelDelayedProcessing: nothing left to process, the OS task is cancelled.
            self.cancel_os_task(kind);
            self.tasks[k].told = None;
            return;
        };
        if at <= self.now {
            // Due now: online, the running browser fires it itself (the in-process timer's
            // work), and nothing is left to tell; offline, the OS task waits for connectivity.
            if self.online() {
                self.cancel_os_task(kind);
                self.tasks[k].told = None;
            } else if self.tasks[k].told.is_none_or(|told| at < told) {
                self.cancel_os_task(kind);
                self.tasks[k].told = Some(at);
                self.tasks[k].waiting = Some((at, cause));
            }
            return;
        }
        if !keep_timer {
            self.queue
                .set_lane(timer_lane(kind), at, Ev::SyncTimer { kind });
        }
        if self.tasks[k].told.is_some_and(|told| at >= told) {
            return; // an earlier wake-up is scheduled: the OS is not told
        }
        self.cancel_os_task(kind);
        self.tasks[k].told = Some(at);
        self.schedule_os_task(kind, at, cause);
    }

    fn cancel_os_task(&mut self, kind: SyncKind) {
        let task = &mut self.tasks[kind as usize];
        if task.pending.take().is_some() {
            self.queue.clear_lane(task_lane(kind));
        }
        task.waiting = None;
    }

    fn schedule_os_task(&mut self, kind: SyncKind, at: SimTime, cause: WakeCause) {
        let latency = match (&self.spec.task_latency, self.task_rng.as_mut()) {
            (Some(dist), Some(rng)) => dist.sample(rng),
            _ => 0,
        };
        self.queue.set_lane(
            task_lane(kind),
            at.after(SimDuration::from_ms(latency)),
            Ev::Task { kind },
        );
        self.tasks[kind as usize].pending = Some((at, cause));
    }

    /// Chrome's in-process timer fired in the running browser (RunDelayedTaskAndPruneInfoMap):
    /// the wake-up it stood for is cancelled and forgotten, ready events fire, and the windows
    /// are computed afresh.
    pub(super) fn sync_timer_fired(&mut self, kind: SyncKind) {
        self.cancel_os_task(kind);
        self.tasks[kind as usize].told = None;
        self.tasks_dirty = true;
        self.fire_ready(Trigger::Timer);
    }

    /// The process died: Chrome's memory of its wake-ups and its timers go with it; the OS
    /// tasks stay.
    pub(super) fn forget_wakeups(&mut self) {
        for kind in SyncKind::ALL {
            self.tasks[kind as usize].told = None;
            self.queue.clear_lane(timer_lane(kind));
        }
    }

    pub(super) fn task_fired(&mut self, kind: SyncKind) {
        let Some((at, cause)) = self.tasks[kind as usize].pending.take() else {
            return;
        };
        if !self.online() {
            // Required network ANY (and, under Doze, a maintenance window): the task waits
            // for connectivity (it "reschedules").
            self.tasks[kind as usize].waiting = Some((at, cause));
            return;
        }
        self.run_task(kind, at, cause);
    }

    /// A task waits for connectivity, a restart or quota.
    pub(super) fn tasks_waiting(&self) -> bool {
        self.tasks[0].waiting.is_some() | self.tasks[1].waiting.is_some()
    }

    /// Runs tasks that were waiting for connectivity or for the end of a crash, one-shot first.
    pub(super) fn run_waiting_tasks(&mut self) {
        for kind in SyncKind::ALL {
            if let Some((at, cause)) = self.tasks[kind as usize].waiting
                && self.online()
            {
                self.run_task(kind, at, cause);
            }
        }
    }

    /// Runs a task asked for at `requested` (its window start).
    fn run_task(&mut self, kind: SyncKind, requested: SimTime, cause: WakeCause) {
        self.tasks_dirty = true;
        if self.crashed() || !self.job_may_start() {
            // The browser cannot start before its restart delay (or the app is out of quota):
            // run again at the restart (when the quota frees).
            self.tasks[kind as usize].waiting = Some((requested, cause));
            return;
        }
        self.job_started();
        self.tasks[kind as usize].waiting = None;
        self.policy.on_wakeup_task(kind, self.now);
        self.touch_window(kind);
        if !self.browser_running() {
            // A wake-up. Starting, the browser fires every ready registration; one that finds
            // none was woken for nothing.
            self.start_process();
            let fired = self.fire_ready(Trigger::Start);
            self.record_wakeup(if fired == 0 { WakeCause::Empty } else { cause }, requested);
            self.arm_idle_kill();
            return;
        }
        if self.alive() && !self.in_session {
            self.arm_idle_kill();
        }
        self.fire_ready(Trigger::Start);
    }
}
