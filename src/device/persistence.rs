//! What the policy persists and how it comes back after the process dies (DESIGN §4.3, §7).
//!
//! Every change a policy makes to a registration is written to the device's [`DurableStore`];
//! when the browser process dies (crash, OS kill, or a clean close) the in-memory registrations
//! are dropped and rebuilt from the committed records only. Chromium never persists the firing
//! state, so a registration that was firing comes back pending with its attempt uncounted;
//! Firefox's `persisted` firing state brings it back firing, with no event to end it: stuck.

use super::DeviceSim;
use super::record::Invariant;
use crate::engine::time::SimTime;
use crate::model::policy::PolicyRecord;
use crate::model::registration::{FinalState, RegState, SyncKind};
use crate::model::store::{RegKey, StoredRegistration};

impl DeviceSim<'_> {
    fn store_key(&self, id: u32) -> RegKey {
        let reg = &self.out.registrations[id as usize];
        RegKey {
            origin: reg.origin,
            kind: reg.kind,
            tag: reg.tag.clone(),
        }
    }

    /// Writes the registration's current persisted image.
    pub(super) fn persist(&mut self, id: u32) {
        self.tasks_dirty = true;
        if !self.store_read {
            return;
        }
        let reg = &self.out.registrations[id as usize];
        let record = StoredRegistration {
            object: id,
            num_attempts: reg.num_attempts,
            max_attempts: reg.max_attempts,
            delay_until: reg.delay_until,
            min_interval: reg.min_interval,
            firing: self.policy.persists_firing() && reg.state != RegState::Pending,
            policy: self.policy.record(id),
        };
        let key = self.store_key(id);
        let commit_at = self.now.after(self.spec.crashes.storage_write_latency);
        self.store.write(key, Some(record), commit_at, self.now);
    }

    /// Deletes the registration's record.
    pub(super) fn unpersist(&mut self, id: u32) {
        self.tasks_dirty = true;
        if !self.store_read {
            return;
        }
        let key = self.store_key(id);
        let commit_at = self.now.after(self.spec.crashes.storage_write_latency);
        self.store.write(key, None, commit_at, self.now);
    }

    /// The browser process died: running events are interrupted, writes not yet committed are
    /// lost (unless the shutdown was clean), and memory is rebuilt from the store.
    pub(super) fn process_died(&mut self, clean: bool) {
        self.tasks_dirty = true;
        self.forget_wakeups();
        self.interrupt_all();
        let lost = if clean {
            self.store.crash(SimTime::NEVER)
        } else {
            self.store.crash(self.now)
        };
        self.out.lost_writes += lost as u64;
        self.fetch_process_died(clean);
        if lost == 0 && !self.policy.persists_firing() {
            // Nothing was lost and nothing firing was persisted: every persisted field in memory
            // already equals its committed record and interrupt_all reset the firing states, so
            // the rebuild would change nothing. Release builds skip it; debug builds run it and
            // check that claim.
            if cfg!(debug_assertions) {
                let snapshot = self.snapshot();
                self.rebuild_from_store();
                debug_assert_eq!(snapshot, self.snapshot(), "rebuild fast path diverged");
            }
            return;
        }
        self.rebuild_from_store();
    }

    /// The persisted view of every active registration, for the fast-path check.
    fn snapshot(&self) -> Vec<(u32, u32, u32, SimTime, u64, PolicyRecord, RegState)> {
        self.active
            .ids()
            .map(|id| {
                let r = &self.out.registrations[id as usize];
                (
                    id,
                    r.num_attempts,
                    r.max_attempts,
                    r.delay_until,
                    r.min_interval,
                    self.policy.record(id),
                    r.state,
                )
            })
            .collect()
    }

    fn rebuild_from_store(&mut self) {
        let before: Vec<(u32, SimTime)> = self
            .active
            .ids()
            .map(|id| (id, self.out.registrations[id as usize].delay_until))
            .collect();
        self.active.clear();
        for kind in SyncKind::ALL {
            self.touch_window(kind);
            self.pending.touch_kind(kind);
        }
        self.origin_delays.touch_all();
        let records: Vec<(RegKey, StoredRegistration)> = self
            .store
            .committed()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        for (key, rec) in records {
            let reg = &mut self.out.registrations[rec.object as usize];
            let old_delay = reg.delay_until;
            reg.removed = None;
            reg.completed = None;
            reg.resolved = true; // InitDidGetDataFromBackend: every stored registration
            reg.state = if rec.firing {
                RegState::Firing
            } else {
                RegState::Pending
            };
            reg.num_attempts = rec.num_attempts;
            reg.max_attempts = rec.max_attempts;
            reg.delay_until = rec.delay_until;
            reg.min_interval = rec.min_interval;
            self.policy.restore(rec.object, rec.policy);
            self.active
                .insert(key.kind, key.origin, key.tag, rec.object);
            let was_active = before.iter().any(|(id, _)| *id == rec.object);
            if rec.firing {
                // §7: no registration may be stuck in firing after a restart.
                let now = self.now;
                self.out
                    .invariants
                    .record(Invariant::StuckAfterRestart, now, Some(rec.object));
            }
            self.mark_due(rec.object);
            if !was_active || old_delay != rec.delay_until {
                self.arm_timer(rec.delay_until);
            }
        }
        // A registration active before whose record never committed is gone.
        for (id, _) in before {
            let reg = &mut self.out.registrations[id as usize];
            let restored = self.active.get(reg.kind, reg.origin, &reg.tag) == Some(id);
            if !restored {
                reg.removed = Some(FinalState::Lost);
            }
        }
        // §7: every committed registration exists after the restart.
        let missing = self
            .store
            .committed()
            .filter(|(k, v)| self.active.get(k.kind, k.origin, &k.tag) != Some(v.object))
            .count();
        for _ in 0..missing {
            let now = self.now;
            self.out
                .invariants
                .record(Invariant::StoredLostAfterRestart, now, None);
        }
    }
}
