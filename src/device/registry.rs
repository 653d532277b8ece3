//! Register, re-register, unregister and origin actions (SEMANTICS S8, S9, S12).

use std::sync::Arc;

use super::record::RejectReason;
use super::{DeviceSim, Trigger};
use crate::model::policy::{PeriodicContext, WakeSchedule};
use crate::model::registration::{FinalState, RegState, Registration, SyncKind};
use crate::model::world::OriginAction;

impl DeviceSim<'_> {
    /// The active registrations of one kind, in dispatch order.
    pub(super) fn active_of(&self, kind: SyncKind) -> impl Iterator<Item = u32> + '_ {
        self.active.of_kind(kind)
    }

    /// T of ApplyMinGapForOrigin (S9): time until the soonest `delay_until` among the origin's
    /// other active periodic registrations (different tag); 0 if past; `None` if there are none.
    fn other_periodic_due_in(&self, reg: &Registration) -> Option<u64> {
        if reg.kind != SyncKind::Periodic {
            return None;
        }
        self.active
            .of_origin(SyncKind::Periodic, reg.origin)
            .filter(|(tag, _)| **tag != reg.tag)
            .map(|(_, id)| self.out.registrations[id as usize].delay_until)
            .min()
            .filter(|t| !t.is_never())
            .map(|t| t.ms().saturating_sub(self.now.ms()))
    }

    /// Everything the policy needs to compute a periodic registration's next `delay_until`.
    pub(super) fn periodic_ctx(&self, reg: &Registration) -> PeriodicContext {
        PeriodicContext {
            now: self.now,
            min_interval: reg.min_interval,
            level: self.level(reg.origin),
            other_due_in: self.other_periodic_due_in(reg),
            schedule: self.schedule,
            first_run: reg.dispatches == 0,
        }
    }

    pub(super) fn register(&mut self, origin: u32, spec_idx: u32, tag: String, stream_b: u64) {
        let o = &self.spec.origins[origin as usize];
        let rs = &o.registrations[spec_idx as usize];
        let kind = rs.kind;
        let mut reg = Registration {
            origin,
            spec: spec_idx,
            tag: Arc::from(tag),
            kind,
            min_interval: rs.min_interval,
            state: RegState::Pending,
            removed: None,
            num_attempts: 0,
            max_attempts: self.policy.max_attempts(kind, o.notification_permission),
            delay_until: self.now,
            registered: self.now,
            first_fire: None,
            completed: None,
            counted_attempts: 0,
            dispatches: 0,
            script_pos: 0,
            stream_b,
            running: 0,
            last_period_start: None,
            redo: false,
            doomed_attempts: 0,
            last_attempt: None,
        };
        // S8: no page can register while the browser is down; S12: periodic sync needs an
        // installed app; Firefox implements no periodic sync at all.
        let needs_install = self.policy.periodic_needs_install();
        let periodic_refused = kind == SyncKind::Periodic
            && ((needs_install && !o.installed) || !self.policy.supports_periodic());
        if !self.browser_running() || periodic_refused {
            let reason = if !self.browser_running() {
                RejectReason::BrowserDown
            } else if !self.policy.supports_periodic() {
                RejectReason::Unsupported
            } else {
                RejectReason::NotInstalled
            };
            self.out.rejections[kind as usize][reason as usize] += 1;
            reg.removed = Some(FinalState::Rejected);
            self.out.registrations.push(reg);
            return;
        }
        let existing = self.active.get(kind, origin, &reg.tag);
        let mut create = true;
        if let Some(id) = existing {
            let old = &mut self.out.registrations[id as usize];
            if kind == SyncKind::OneShot || old.min_interval == reg.min_interval {
                create = false;
                let stuck = old.state != RegState::Pending && old.running == 0;
                if !self.policy.supports_reregister_while_firing() {
                    if self.policy.persists_firing() && stuck {
                        // The original Firefox bug: the stuck row's primary key collides.
                        self.out.register_errors += 1;
                    }
                } else if old.state == RegState::Firing {
                    old.state = RegState::ReregisteredWhileFiring;
                }
            } else {
                old.removed = Some(FinalState::Unregistered); // replaced
                self.active.remove(kind, origin, &reg.tag);
            }
        }
        if create {
            if kind == SyncKind::Periodic {
                if self.policy.has_wake_schedule() && self.schedule.is_none() {
                    // design-2019: the wake-up task is created with the first registration.
                    self.schedule = Some(WakeSchedule::new(self.now, &self.policy.params));
                }
                reg.delay_until = self.policy.periodic_delay_until(&self.periodic_ctx(&reg));
                self.arm_timer(reg.delay_until);
            } else if self.policy.jobs_start_process() {
                // Standby deferral (WorkManager); Chromium's one-shots are due at once.
                reg.delay_until = self
                    .policy
                    .one_shot_delay_until(self.now, self.level(origin));
                self.arm_timer(reg.delay_until);
            }
            let id = self.out.registrations.len() as u32;
            self.active.insert(kind, origin, reg.tag.clone(), id);
            self.out.registrations.push(reg);
            self.mark_due(id);
            self.persist(id);
        }
        // Periodic register calls never trigger in Chromium (S3); an enqueued WorkManager job
        // whose first run is due now runs now.
        if kind == SyncKind::OneShot || self.policy.jobs_start_process() {
            self.fire_ready(Trigger::Register);
        }
    }

    pub(super) fn action(&mut self, origin: u32, event: u32) {
        let action = &self.spec.origins[origin as usize].events[event as usize].action;
        match action {
            // Engagement is the user's doing, whatever the browser process is up to.
            OriginAction::Visit => return self.visit(origin),
            OriginAction::ClearHistory => return self.clear_history(origin),
            _ => {}
        }
        if !self.browser_running() {
            return; // S8: nothing a page or the user does in the browser happens while it is down
        }
        match action {
            OriginAction::Unregister { kind, tag } => {
                if let Some(id) = self.active.remove(*kind, origin, tag) {
                    self.out.registrations[id as usize].removed = Some(FinalState::Unregistered);
                    self.unpersist(id);
                }
            }
            OriginAction::ClearSiteData | OriginAction::UnregisterServiceWorker => {
                for id in self.active.remove_origin(origin) {
                    self.out.registrations[id as usize].removed = Some(FinalState::Unregistered);
                    self.unpersist(id);
                }
            }
            OriginAction::Abort { id } => {
                let id = id.clone();
                self.fetch_abort(origin, &id);
            }
            OriginAction::Visit | OriginAction::ClearHistory => {}
        }
    }

    /// Whether any periodic registration is active (design-2019 keeps its wake-up task only then).
    pub(super) fn has_active_periodic(&self) -> bool {
        self.active_of(SyncKind::Periodic).next().is_some()
    }
}
