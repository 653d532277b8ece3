//! Register, re-register, unregister and origin actions (SEMANTICS S8, S9, S12).

use super::record::RejectReason;
use super::{DeviceSim, Ev, Trigger};
use crate::model::policy::{Context, Reregister};
use crate::model::registration::{FinalState, Registration, SyncKind, Tag};
use crate::model::world::OriginAction;

impl DeviceSim<'_> {
    /// T of ApplyMinGapForOrigin (S9): time until the soonest `delay_until` among the origin's
    /// other active periodic registrations (different tag); 0 if past; `None` if there are none.
    fn other_periodic_due_in(&self, reg: &Registration) -> Option<u64> {
        if reg.kind != SyncKind::Periodic {
            return None;
        }
        self.origin_delays
            .soonest_other(reg, &self.out.registrations, &self.active)
            .filter(|t| !t.is_never())
            .map(|t| t.ms().saturating_sub(self.now.ms()))
    }

    /// What the policy is told about the device when it decides about `reg`.
    pub(super) fn ctx(&self, reg: &Registration) -> Context {
        Context {
            os_standby: self.power.is_some(),
            ..Context::new(
                self.now,
                self.level(reg.origin),
                self.other_periodic_due_in(reg),
            )
        }
    }

    pub(super) fn register(&mut self, origin: u32, spec_idx: u32, tag: Tag, stream_b: u64) {
        let o = &self.spec.origins[origin as usize];
        let rs = &o.registrations[spec_idx as usize];
        let kind = rs.kind;
        let mut reg = Registration {
            spec: spec_idx,
            min_interval: rs.min_interval,
            max_attempts: self.policy.max_attempts(kind, o.notification_permission),
            stream_b,
            ..Registration::new(origin, tag, kind, self.now)
        };
        // S8: no page can register while the browser is down, nor outside a user session
        // (RegisterDidCheckIfMainFrame); then the policy's own refusals (S12: periodic sync
        // needs an installed app; Firefox has no periodic sync).
        let refused = if !self.browser_running() {
            Some(RejectReason::BrowserDown)
        } else if !self.in_session {
            // Pages register: a browser running without a user session has none.
            Some(RejectReason::NoPage)
        } else if self.spec.sync_disabled {
            Some(RejectReason::Disabled)
        } else if !self.origins[origin as usize].sync_allowed {
            Some(RejectReason::PermissionDenied)
        } else {
            self.policy.admit(kind, o.installed)
        };
        if let Some(reason) = refused {
            self.out.rejections[kind][reason] += 1;
            reg.removed = Some(FinalState::Rejected);
            self.out.registrations.push(reg);
            return;
        }
        let existing = self.active.get(kind, origin, &reg.tag);
        let mut create = true;
        if let Some(id) = existing {
            self.touch_reg(id);
            let old = &mut self.out.registrations[id as usize];
            if kind == SyncKind::OneShot || old.min_interval == reg.min_interval {
                create = false;
                if self.policy.reregister(old) == Reregister::KeyCollision {
                    self.out.register_errors += 1;
                }
            } else {
                old.removed = Some(FinalState::Unregistered); // replaced
                self.active.remove(kind, origin, &reg.tag);
            }
        }
        if create {
            let ctx = self.ctx(&reg);
            reg.delay_until = self.policy.initial_delay_until(&reg, &ctx);
            if kind == SyncKind::Periodic {
                reg.scheduled_level = Some(ctx.level);
            }
            self.arm_timer(reg.delay_until);
            let id = self.out.registrations.len() as u32;
            // RegisterDidStore: a one-shot fires once its write has committed; a crash before
            // loses it unfired.
            let latency = self.spec.crashes.storage_write_latency;
            if kind == SyncKind::OneShot && !latency.is_zero() {
                reg.resolved = false;
                self.queue
                    .schedule(self.now.after(latency), Ev::RegisterStored { id });
            }
            self.active.insert(kind, origin, reg.tag.clone(), id);
            self.out.registrations.push(reg);
            self.touch_reg(id);
            self.mark_due(id);
            self.persist(id);
            if !self.out.registrations[id as usize].resolved {
                return;
            }
        }
        // Chromium: periodic register calls never trigger (S3).
        if self.policy.fires_on_register(kind) {
            self.fire_ready(Trigger::Register);
        }
    }

    /// A one-shot's registration write committed (RegisterDidStore → FireReadyEvents).
    pub(super) fn register_stored(&mut self, id: u32) {
        let reg = &mut self.out.registrations[id as usize];
        if !reg.is_active() || reg.resolved {
            return; // lost to a crash before the commit, or restored from the store meanwhile
        }
        reg.resolved = true;
        self.touch_reg(id);
        let kind = self.out.registrations[id as usize].kind;
        self.tasks_dirty = true;
        self.mark_due(id);
        if self.policy.fires_on_register(kind) {
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
                    self.touch_reg(id);
                    self.out.registrations[id as usize].removed = Some(FinalState::Unregistered);
                    self.unpersist(id);
                }
            }
            OriginAction::ClearSiteData | OriginAction::UnregisterServiceWorker => {
                for id in self.active.remove_origin(origin) {
                    self.touch_reg(id);
                    self.out.registrations[id as usize].removed = Some(FinalState::Unregistered);
                    self.unpersist(id);
                }
            }
            OriginAction::Abort { id } => {
                let id = id.clone();
                self.fetch_abort(origin, &id);
            }
            OriginAction::SetBackgroundSync { allowed } => {
                let allowed = *allowed;
                self.origins[origin as usize].sync_allowed = allowed;
                if !allowed {
                    // OnContentSettingChanged: a blocked origin's periodic registrations go.
                    let periodic: Vec<(Tag, u32)> = self
                        .active
                        .of_origin(SyncKind::Periodic, origin)
                        .map(|(tag, id)| (tag.clone(), id))
                        .collect();
                    for (tag, id) in periodic {
                        self.active.remove(SyncKind::Periodic, origin, &tag);
                        self.touch_reg(id);
                        self.out.registrations[id as usize].removed =
                            Some(FinalState::Unregistered);
                        self.unpersist(id);
                    }
                }
            }
            OriginAction::Visit | OriginAction::ClearHistory => {}
        }
    }
}
