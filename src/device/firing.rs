//! FireReadyEvents, dispatch, completion and interruption (SEMANTICS S3–S7).

use super::record::WakeCause;
use super::record::{AttemptRow, Invariant, Outcome};
use super::{DeviceSim, Ev, Mark, Running, Trigger};
use crate::engine::rng::{BlockCache, StreamId, StreamKey};
use crate::engine::time::{SimDuration, SimTime};
use crate::model::browser::Platform;
use crate::model::handler::Settle;
use crate::model::policy::chromium::WakeupReschedule;
use crate::model::policy::{Completion, Ready};
use crate::model::registration::{FinalState, RegState, SyncKind};

impl DeviceSim<'_> {
    /// The app's network may have come or gone. `device_edge`: the device's own connectivity
    /// changed (rather than Doze lifting or imposing its restriction).
    pub(super) fn network_changed(&mut self, was_online: bool, device_edge: bool) {
        let online = self.online();
        if self.tracing & (was_online != online) {
            let mark = if online { Mark::Online } else { Mark::Offline };
            self.out.marks.push((self.now, mark));
        }
        if was_online & !online {
            // S6: every running needs_network event ends now, in dispatch order.
            let lost: Vec<u32> = self
                .running
                .iter()
                .filter(|r| r.needs_network)
                .map(|r| r.row)
                .collect();
            for row in lost {
                if let Some(running) = self.running.remove(row) {
                    self.cancel_events(&running);
                    self.complete(running, Outcome::NetworkLost);
                }
            }
        } else if !was_online & online {
            // Firefox's telemetry counts the device's connectivity coming back, not the end of
            // a Doze idle period (which only lifts Android's restriction on the app).
            if device_edge {
                self.out.online_transitions += 1;
            }
            // With rely_on_android_network_detection the browser leaves it to the wake-up task.
            let rely = self.spec.platform == Platform::Android
                && self.params.rely_on_android_network_detection;
            if self.browser_running() && !rely {
                let fired = self.fire_ready(Trigger::Online);
                if device_edge {
                    self.out.online_dispatches += fired as u64;
                }
            } else if !self.browser_running() && self.policy.work_starts_process() {
                // WorkManager: a job waiting for its network constraint becomes runnable.
                self.fire_ready(Trigger::Online);
            }
            self.run_waiting_tasks();
        }
    }

    /// Cancels what a dispatch still has queued: its end and the crash drawn for it (a crash
    /// may only strike an event that is still running).
    pub(super) fn cancel_events(&mut self, r: &Running) {
        self.queue.cancel(r.end);
        if let Some(crash) = r.crash {
            self.queue.cancel(crash);
        }
    }

    /// Ends every running event as `interrupted` (S7): not counted, registration back to pending.
    pub(super) fn interrupt_all(&mut self) {
        let running = std::mem::take(&mut self.running);
        for r in running.iter() {
            self.cancel_events(r);
            self.end_row(r.row, Outcome::Interrupted);
            self.touch_reg(r.reg);
            let reg = &mut self.out.registrations[r.reg as usize];
            reg.running -= 1;
            reg.redo = true;
            if reg.is_active() {
                reg.state = RegState::Pending;
                self.mark_due(r.reg);
            }
        }
        self.running = running;
        self.running.clear();
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
    pub(super) fn complete(&mut self, running: Running, outcome: Outcome) {
        debug_assert!(outcome.is_counted());
        self.end_row(running.row, outcome);
        if self.running.is_empty() {
            self.events_drained();
        }
        self.touch_reg(running.reg);
        let id = running.reg as usize;
        let reg = &mut self.out.registrations[id];
        reg.counted_attempts += 1;
        reg.running -= 1;
        if !reg.is_active() {
            return; // unregistered or replaced meanwhile: the row is all that changes (S8)
        }
        let ctx = self.ctx(&self.out.registrations[id]);
        let reg = &mut self.out.registrations[id];
        let completion = self.policy.complete(id as u32, reg, outcome, &ctx);
        if reg.kind == SyncKind::Periodic
            && reg.num_attempts == 0
            && completion == Completion::Rescheduled
        {
            // A new period was scheduled now (not a retry): the level it was scheduled at.
            reg.scheduled_level = Some(ctx.level);
        }
        let (kind, origin, delay_until) = (reg.kind, reg.origin, reg.delay_until);
        match completion {
            Completion::Rescheduled | Completion::FireAgain => {
                self.persist(id as u32);
                self.mark_due(id as u32);
                self.arm_timer(delay_until);
            }
            Completion::Removed(state) => {
                if state == FinalState::GaveUp {
                    self.day().gave_ups += 1;
                }
                self.active
                    .remove(kind, origin, &self.out.registrations[id].tag);
                self.unpersist(id as u32);
            }
        }
        self.fire_ready(Trigger::Completion);
    }

    /// Arms the in-process delay timer for a registration's `delay_until`. On android under
    /// trunk Chrome's scheduler (`earlier_only`) the browser's in-process timer is the one
    /// `tasks.rs` keeps for each wake-up window (Ev::SyncTimer): a per-registration timer would
    /// fire ready events Chrome's own timer does not (with the designed spacing, before it).
    pub(super) fn arm_timer(&mut self, delay_until: SimTime) {
        if self.android() && self.policy.wakeup_reschedule() == WakeupReschedule::EarlierOnly {
            return;
        }
        if delay_until > self.now && !delay_until.is_never() && delay_until < self.horizon {
            self.queue.schedule(delay_until, Ev::Timer);
        }
    }

    /// Records that registration `id` may be due at its `delay_until` (call after it is created,
    /// returns to pending, or its delay changes). Duplicates and stale entries are harmless.
    pub(super) fn mark_due(&mut self, id: u32) {
        let t = self.out.registrations[id as usize].delay_until;
        if !t.is_never() {
            self.due.push(std::cmp::Reverse((t, id)));
        }
    }

    /// Moves every registration due at `now` out of the `due` index into `ready`, in dispatch
    /// order (S3: one-shots first, then origin index, then tag by code point).
    fn collect_due(&mut self, ready: &mut Vec<u32>) {
        let now = self.now;
        while let Some(&std::cmp::Reverse((t, id))) = self.due.peek() {
            if t > now {
                break;
            }
            self.due.pop();
            if self.out.registrations[id as usize].is_due(now) {
                ready.push(id);
            }
        }
        let regs = &self.out.registrations;
        ready.sort_unstable_by(|&a, &b| {
            let (a, b) = (&regs[a as usize], &regs[b as usize]);
            (a.kind, a.origin, &*a.tag).cmp(&(b.kind, b.origin, &*b.tag))
        });
        ready.dedup();
        // A registration can stay active with a past delay when it was popped while not due
        // (firing): it is pushed again when it returns to pending (`mark_due`). Debug builds
        // (every test) check the index against the full scan it replaces.
        debug_assert_eq!(
            *ready,
            self.active
                .ids()
                .filter(|&id| self.out.registrations[id as usize].is_due(now))
                .collect::<Vec<_>>(),
            "the due index lost a registration"
        );
    }

    /// Chromium's FireReadyEvents (S3): dispatches every ready registration, one-shots first,
    /// then by origin index and tag. Returns how many were dispatched.
    pub(super) fn fire_ready(&mut self, trigger: Trigger) -> usize {
        if !self.online() {
            return 0;
        }
        let running = self.browser_running();
        if !running && (!self.policy.work_starts_process() || self.crashed()) {
            return 0;
        }
        let mut ready = std::mem::take(&mut self.ready_buf);
        ready.clear();
        self.collect_due(&mut ready);
        if !running {
            // WorkManager: a runnable job makes JobScheduler start the app.
            let Some(&first) = ready.first() else {
                self.ready_buf = ready;
                return 0;
            };
            if !self.job_may_start() {
                self.ready_buf = ready;
                return 0;
            }
            self.job_started();
            let r = &self.out.registrations[first as usize];
            let cause = match (r.kind, r.num_attempts) {
                (_, n) if n > 0 => WakeCause::Retry,
                (SyncKind::OneShot, _) => WakeCause::OneShot,
                (SyncKind::Periodic, _) => WakeCause::Periodic,
            };
            // The job was runnable from the registration's delay (or its creation).
            let requested = r.delay_until.max(r.registered).min(self.now);
            self.start_process();
            self.record_wakeup(cause, requested);
            self.arm_idle_kill();
        }
        let mut n = 0;
        // Desktop: FireReadyEvents after a registration is stored runs with one keep-alive
        // (ResolveRegistrationDidCreateKeepAlive), moved into the first event it fires.
        let mut keep_alive = trigger == Trigger::Register && !self.android();
        for &id in &ready {
            if self.policy.ready(&self.out.registrations[id as usize]) == Ready::GiveUp {
                self.give_up(id);
                continue;
            }
            self.dispatch(id, keep_alive);
            keep_alive = false;
            n += 1;
        }
        self.ready_buf = ready;
        n
    }

    fn give_up(&mut self, id: u32) {
        let now = self.now;
        self.touch_reg(id);
        let reg = &mut self.out.registrations[id as usize];
        reg.removed = Some(FinalState::GaveUp);
        reg.completed = Some(now);
        let (kind, origin) = (reg.kind, reg.origin);
        self.active
            .remove(kind, origin, &self.out.registrations[id as usize].tag);
        self.unpersist(id);
        self.day().gave_ups += 1;
    }

    fn dispatch(&mut self, id: u32, keep_alive: bool) {
        self.tasks_dirty = true;
        let now = self.now;
        let max_event = self.policy.max_event_duration();
        if !self.online() {
            let inv = &mut self.out.invariants;
            inv.record(Invariant::DispatchWhileOffline, now, Some(id));
        }
        let level = self.level(self.out.registrations[id as usize].origin);
        self.touch_reg(id);
        let reg = &mut self.out.registrations[id as usize];
        if !reg.is_active() {
            let inv = &mut self.out.invariants;
            inv.record(Invariant::FiredAfterRemoval, now, Some(id));
        }
        let concurrent = reg.running > 0;
        let over_max = reg.num_attempts >= reg.max_attempts;
        let attempts_before = reg.num_attempts;
        let persist = self.policy.on_dispatch(id, reg, now);
        let handler =
            &self.spec.origins[reg.origin as usize].registrations[reg.spec as usize].handler;
        let key = StreamKey::new(
            self.seed,
            self.index,
            StreamId::Handler {
                origin: reg.origin,
                call: reg.stream_b,
            },
        );
        let (ordinal, script_pos) = (reg.dispatches as u64, reg.script_pos as usize);
        let (settle, duration) = if ordinal == 0 || reg.kind == SyncKind::OneShot {
            // A one-shot is dispatched a few times at most (most once): a cache would not pay.
            // A periodic registration fires every period, its blocks in turn.
            handler.plan(&key, ordinal, script_pos)
        } else {
            if self.handler_blocks.len() <= id as usize {
                self.handler_blocks
                    .resize_with(id as usize + 1, BlockCache::default);
            }
            let cache = &mut self.handler_blocks[id as usize];
            handler.plan_from(&mut key.cached_block(ordinal, cache), script_pos)
        };
        reg.dispatches += 1;
        reg.script_pos += 1;
        reg.state = RegState::Firing;
        reg.running += 1;
        reg.first_fire.get_or_insert(now);
        // Periodic interval samples: a dispatch that starts a new period (not a retry, not the
        // redo of an interrupted dispatch).
        if reg.kind == SyncKind::Periodic {
            if reg.redo {
                reg.redo = false;
            } else if reg.num_attempts == 0 {
                if let Some(prev) = reg.last_period_start {
                    // Labelled by the level the interval was scheduled at.
                    let scheduled = reg.scheduled_level.unwrap_or(level);
                    self.out.intervals.push((scheduled, now.since(prev).ms()));
                }
                reg.last_period_start = Some(now);
            }
        } else {
            reg.redo = false;
        }
        let (end, outcome) = match settle {
            Settle::Hang => (now.after(max_event), Outcome::Timeout),
            _ if duration > max_event => (now.after(max_event), Outcome::Timeout),
            Settle::Success => (now.after(duration), Outcome::Success),
            Settle::Fail => (now.after(duration), Outcome::Failure),
        };
        let row = AttemptRow {
            reg: id,
            attempt: attempts_before + 1,
            last_chance: reg.kind == SyncKind::OneShot && attempts_before + 1 == reg.max_attempts,
            level,
            start: now,
            end: None,
            outcome: None,
        };
        let needs_network = handler.needs_network;
        if concurrent {
            let inv = &mut self.out.invariants;
            inv.record(Invariant::ConcurrentDispatch, now, Some(id));
        }
        if over_max {
            let inv = &mut self.out.invariants;
            inv.record(Invariant::AttemptsOverMax, now, Some(id));
        }
        let (stream_b, origin) = (reg.stream_b, reg.origin);
        if persist {
            self.persist(id); // Firefox persists its online attempts (and maybe firing) now
        }
        let row_id = self.out.attempts.len() as u32;
        self.out.attempts.push(row);
        // A crash during this event (§4.3), drawn from the registration's own crash stream so
        // every policy sees the same fate for its k-th dispatch. Enqueued before the end, so a
        // crash at the very end instant still interrupts it.
        let p = self.spec.crashes.during_event_probability;
        let mut crash = None;
        if p > 0.0 {
            let key = StreamKey::new(
                self.seed,
                self.index,
                StreamId::EventCrash {
                    origin,
                    call: stream_b,
                },
            );
            let mut s = key.block(ordinal);
            if s.unit() < p {
                let offset = SimDuration::from_ms(s.range_inclusive(0, end.since(now).ms()));
                let ev = Ev::EventCrash { row: row_id };
                crash = Some(self.queue.schedule(now.after(offset), ev));
            }
        }
        let end_key = self.queue.schedule(end, Ev::AttemptEnd { row: row_id });
        self.running.insert(Running {
            row: row_id,
            reg: id,
            end: end_key,
            crash,
            outcome,
            needs_network,
            keep_alive,
        });
        self.day().sync_events += 1;
    }
}
