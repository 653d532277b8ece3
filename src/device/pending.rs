//! Per sync type, the [`PendingSummary`] a policy's wake-up window reads.
//!
//! Chromium's GetSoonestWakeupDelta walks every registration; doing the same after every event
//! made one android device with 20,000 periodic registrations take 88–100 s for 30 days (a
//! rebuilt flat list and a scan per change; 2.7 s now). A kind with more than [`INDEXED_ABOVE`]
//! active registrations is indexed instead: every change to a registration's state, delay,
//! attempts or resolution, and every change of the active set, names the registration
//! (`touch`) or its whole kind (`touch_kind`), and the index takes those in before it answers,
//! at O(log n) each. A kind with fewer is scanned (cheaper than keeping an index for the usual
//! handful). Debug builds check every indexed answer against [`PendingSummary::scan`].

use std::collections::BTreeSet;

use super::active::ActiveSet;
use super::touched::{Touched, slot};
use crate::engine::time::{SimDuration, SimTime};
use crate::model::registration::{PendingSummary, Registration, SyncKind, Tag};

/// A kind is indexed once it has more active registrations than this, and scanned again once
/// it has fewer than half as many (so a kind near the bound does not switch back and forth).
const INDEXED_ABOVE: usize = 64;

/// One kind's indexed registrations.
#[derive(Debug, Default)]
struct KindIndex {
    /// Indexed (else scanned).
    on: bool,
    /// Bumped when the index is dropped or rebuilt: entries of an older generation are not in it.
    generation: u32,
    /// Pending registrations with a delay, by (delay, origin, tag): the first is the soonest,
    /// ties in dispatch order. Those whose delay has come move to `due`.
    waiting: BTreeSet<(SimTime, u32, Tag, u32)>,
    /// Pending registrations whose delay has come (delta 0), in dispatch order.
    due: BTreeSet<(u32, Tag, u32)>,
    need_retries: u32,
    firing: u32,
    resolved: u32,
}

/// What one registration contributes to its kind's index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    generation: u32,
    delay: Option<SimTime>,
    need_retry: bool,
    firing: bool,
    resolved: bool,
}

impl Entry {
    fn of(r: &Registration, generation: u32) -> Entry {
        Entry {
            generation,
            delay: r.pending_delay(),
            need_retry: r.retry_pending(),
            firing: r.is_firing(),
            resolved: r.resolved,
        }
    }
}

/// A scanned kind's last summary, in a form that holds until one of its registrations is
/// touched or its soonest delay comes: until then every pending delay is ahead, so each delta
/// shrinks alike and the same registration stays the first with the least (ties in dispatch
/// order); the flags do not depend on the time.
#[derive(Clone, Copy, Debug)]
struct Scanned {
    /// The soonest delay (in the future when taken) and whether it is a retry.
    soonest: Option<(SimTime, bool)>,
    need_retries: bool,
    firing: bool,
    all_unresolved: bool,
}

impl Scanned {
    /// `summary`, taken at `now`, if it holds for later times (not when a delay is due: more
    /// may come due, and the first due one in dispatch order may change).
    fn of(summary: PendingSummary, now: SimTime) -> Option<Scanned> {
        let soonest = match summary.soonest {
            Some((0, _)) => return None,
            Some((delta, retry)) => Some((now.after(SimDuration::from_ms(delta)), retry)),
            None => None,
        };
        Some(Scanned {
            soonest,
            need_retries: summary.need_retries,
            firing: summary.firing,
            all_unresolved: summary.all_unresolved,
        })
    }

    /// The summary at `now`, or `None` once the soonest delay has come.
    fn at(&self, now: SimTime) -> Option<PendingSummary> {
        let soonest = match self.soonest {
            Some((at, _)) if at <= now => return None,
            Some((at, retry)) => Some((at.ms() - now.ms(), retry)),
            None => None,
        };
        Some(PendingSummary {
            soonest,
            need_retries: self.need_retries,
            firing: self.firing,
            all_unresolved: self.all_unresolved,
        })
    }
}

#[derive(Debug, Default)]
pub(super) struct PendingIndex {
    kinds: [KindIndex; 2],
    /// Scanned kinds: the last scan while it holds (dropped by any touch of the kind). Of
    /// bench-fleet's periodic windows, those computed again without a registration change (a
    /// wake-up task ran, a firing event's recovery window moved with the clock) reuse it.
    scanned: [Option<Scanned>; 2],
    /// By registration id: its entry as indexed (`None`: not in the index).
    entries: Vec<Option<Entry>>,
    /// Registrations changed since the index last took changes in.
    touched: Touched,
    /// Kinds to rebuild from the active set (after the registrations are rebuilt from the
    /// store).
    rebuild: [bool; 2],
}

impl PendingIndex {
    /// Registration `id` of `kind` changed (or joined or left the active set).
    pub(super) fn touch(&mut self, id: u32, kind: SyncKind) {
        self.scanned[kind as usize] = None;
        if !self.kinds[kind as usize].on {
            return; // scanned: nothing to keep
        }
        self.touched.add(id);
    }

    /// Every registration of `kind` may have changed.
    pub(super) fn touch_kind(&mut self, kind: SyncKind) {
        self.scanned[kind as usize] = None;
        self.rebuild[kind as usize] = true;
    }

    /// The summary of `kind`'s active registrations at `now` (`now` never decreases).
    pub(super) fn summary(
        &mut self,
        kind: SyncKind,
        now: SimTime,
        regs: &[Registration],
        active: &mut ActiveSet,
    ) -> PendingSummary {
        let k = kind as usize;
        let n = active.len(kind);
        let on = self.kinds[k].on;
        if !on && n > INDEXED_ABOVE {
            self.kinds[k].on = true;
            self.rebuild[k] = true; // taken in below, from the active set
        } else if on && n < INDEXED_ABOVE / 2 {
            self.reset(kind, false);
        }
        if !self.kinds[k].on {
            self.rebuild[k] = false;
            if let Some(summary) = self.scanned[k].and_then(|s| s.at(now)) {
                debug_check(kind, now, regs, active, summary);
                return summary;
            }
            let summary =
                PendingSummary::scan(now, active.flat(kind).iter().map(|&id| &regs[id as usize]));
            self.scanned[k] = Scanned::of(summary, now);
            return summary;
        }
        self.take_changes(regs, active);
        let index = &mut self.kinds[k];
        while let Some(first) = index.waiting.first()
            && first.0 <= now
        {
            let (_, origin, tag, id) = index.waiting.pop_first().expect("first exists");
            index.due.insert((origin, tag, id));
        }
        let retry = |id: u32| regs[id as usize].num_attempts > 0;
        let soonest = match index.due.first() {
            Some(&(_, _, id)) => Some((0, retry(id))),
            None => index
                .waiting
                .first()
                .map(|&(at, _, _, id)| (at.ms() - now.ms(), retry(id))),
        };
        let summary = PendingSummary {
            soonest,
            need_retries: index.need_retries > 0,
            firing: index.firing > 0,
            all_unresolved: index.resolved == 0,
        };
        debug_check(kind, now, regs, active, summary);
        summary
    }

    /// Empties `kind`'s index (its entries become an older generation), indexed or scanned
    /// from now on.
    fn reset(&mut self, kind: SyncKind, on: bool) {
        // A scan kept from before the kind was indexed is no answer after it.
        self.scanned[kind as usize] = None;
        let index = &mut self.kinds[kind as usize];
        *index = KindIndex {
            on,
            generation: index.generation.wrapping_add(1),
            ..KindIndex::default()
        };
    }

    fn take_changes(&mut self, regs: &[Registration], active: &ActiveSet) {
        for kind in SyncKind::ALL {
            if std::mem::take(&mut self.rebuild[kind as usize]) && self.kinds[kind as usize].on {
                self.reset(kind, true);
                for id in active.of_kind(kind) {
                    self.touch(id, kind);
                }
            }
        }
        let mut touched = std::mem::take(&mut self.touched);
        for &id in touched.ids() {
            let r = &regs[id as usize];
            let index = &self.kinds[r.kind as usize];
            let (on, generation) = (index.on, index.generation);
            let old = slot(&mut self.entries, id).filter(|e| e.generation == generation);
            let member = on && active.get(r.kind, r.origin, &r.tag) == Some(id);
            let new = member.then(|| Entry::of(r, generation));
            if old == new {
                continue;
            }
            self.entries[id as usize] = new;
            if let Some(old) = old {
                self.remove(id, r, old);
            }
            if let Some(new) = new {
                self.insert(id, r, new);
            }
        }
        touched.clear();
        self.touched = touched;
    }

    fn insert(&mut self, id: u32, r: &Registration, e: Entry) {
        let index = &mut self.kinds[r.kind as usize];
        if let Some(at) = e.delay {
            index.waiting.insert((at, r.origin, r.tag.clone(), id));
        }
        index.need_retries += e.need_retry as u32;
        index.firing += e.firing as u32;
        index.resolved += e.resolved as u32;
    }

    fn remove(&mut self, id: u32, r: &Registration, e: Entry) {
        let index = &mut self.kinds[r.kind as usize];
        if let Some(at) = e.delay
            && !index.waiting.remove(&(at, r.origin, r.tag.clone(), id))
        {
            let was_due = index.due.remove(&(r.origin, r.tag.clone(), id));
            debug_assert!(was_due, "an indexed delay is waiting or due");
        }
        index.need_retries -= e.need_retry as u32;
        index.firing -= e.firing as u32;
        index.resolved -= e.resolved as u32;
    }
}

/// Debug builds: an answer not scanned (indexed, or kept from an earlier scan) is what a scan
/// gives; a change nobody touched would make them differ.
fn debug_check(
    kind: SyncKind,
    now: SimTime,
    regs: &[Registration],
    active: &ActiveSet,
    summary: PendingSummary,
) {
    if cfg!(debug_assertions) {
        let scanned = PendingSummary::scan(now, active.of_kind(kind).map(|id| &regs[id as usize]));
        debug_assert_eq!(summary, scanned, "{kind:?}: a change was not touched");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::registration::RegState;

    fn reg(origin: u32, tag: &str, delay_ms: u64, attempts: u32) -> Registration {
        Registration {
            num_attempts: attempts,
            max_attempts: 3,
            delay_until: SimTime::from_ms(delay_ms),
            ..Registration::new(origin, Tag::from(tag), SyncKind::Periodic, SimTime::ZERO)
        }
    }

    /// Registrations 0 (origin 1, "a", due at 50 ms, one failed attempt) and 1 (origin 0,
    /// "b", due at 80 ms), then 70 at origins 10.. due at 1,000 ms and later: 72 active, so the
    /// kind is indexed. Returns them with the active set and an index that has seen them.
    fn fleet_of_72() -> (Vec<Registration>, ActiveSet, PendingIndex) {
        let mut regs = vec![reg(1, "a", 50, 1), reg(0, "b", 80, 0)];
        regs.extend((0..70).map(|i| reg(10 + i, "f", 1_000 + i as u64, 0)));
        let mut active = ActiveSet::default();
        let mut index = PendingIndex::default();
        for (id, r) in regs.iter().enumerate() {
            active.insert(r.kind, r.origin, r.tag.clone(), id as u32);
            index.touch(id as u32, r.kind);
        }
        (regs, active, index)
    }

    #[test]
    fn due_registrations_answer_in_dispatch_order_and_changes_are_taken_in() {
        // At 10 ms the soonest is 1/a: delta 40, a retry (need_retries too). At 100 ms 1/a and
        // 0/b are due (delta 0) and the first in dispatch order is origin 0's "b": no retry.
        // Then "b" fires: 1/a is the only due one (a retry), and one is firing.
        let (mut regs, mut active, mut index) = fleet_of_72();
        let kind = SyncKind::Periodic;
        let at = SimTime::from_ms;
        let s = index.summary(kind, at(10), &regs, &mut active);
        assert!(index.kinds[kind as usize].on);
        assert_eq!(s.soonest, Some((40, true)));
        assert!(s.need_retries && !s.firing && !s.all_unresolved);
        assert_eq!(
            index.summary(kind, at(100), &regs, &mut active).soonest,
            Some((0, false))
        );
        regs[1].state = RegState::Firing;
        index.touch(1, kind);
        let s = index.summary(kind, at(100), &regs, &mut active);
        assert_eq!(s.soonest, Some((0, true)));
        assert!(s.firing);
        // The one-shot kind holds nothing: no window, and "all unresolved" of nothing.
        let none = index.summary(SyncKind::OneShot, at(100), &regs, &mut active);
        assert_eq!(none.soonest, None);
        assert!(none.all_unresolved && !none.firing && !none.need_retries);
    }

    #[test]
    fn a_scanned_summary_holds_until_a_touch_or_its_soonest_delay() {
        // 0: origin 0, "a", due at 50 ms after a failed attempt; 1: origin 1, "b", due at 80 ms.
        // At 10 ms the soonest is "a" at delta 40, a retry; kept (as due at 50 ms). At 30 ms the
        // same scan gives delta 20, and so does the kept one (debug builds compare the two).
        // At 50 ms "a" is due: delta 0, scanned afresh, and not kept (more may come due).
        // A touch drops what is kept. (A new registration counts as resolved: not all
        // unresolved.)
        let mut regs = vec![reg(0, "a", 50, 1), reg(1, "b", 80, 0)];
        let mut active = ActiveSet::default();
        let mut index = PendingIndex::default();
        for (id, r) in regs.iter().enumerate() {
            active.insert(r.kind, r.origin, r.tag.clone(), id as u32);
            index.touch(id as u32, r.kind);
        }
        let kind = SyncKind::Periodic;
        let k = kind as usize;
        let at = SimTime::from_ms;
        let s = index.summary(kind, at(10), &regs, &mut active);
        assert_eq!(s.soonest, Some((40, true)));
        assert_eq!(
            index.scanned[k].and_then(|c| c.soonest),
            Some((at(50), true))
        );
        let s = index.summary(kind, at(30), &regs, &mut active);
        assert_eq!(s.soonest, Some((20, true)));
        assert!(s.need_retries && !s.all_unresolved && !s.firing);
        assert_eq!(
            index.summary(kind, at(50), &regs, &mut active).soonest,
            Some((0, true))
        );
        assert!(index.scanned[k].is_none());
        // "a" fires: 1/b is the soonest, at delta 20 from 60 ms, and one is firing.
        regs[0].state = crate::model::registration::RegState::Firing;
        index.touch(0, kind);
        let s = index.summary(kind, at(60), &regs, &mut active);
        assert_eq!(s.soonest, Some((20, false)));
        assert!(s.firing);
        assert!(index.scanned[k].is_some());
        index.touch(1, kind);
        assert!(index.scanned[k].is_none());
    }

    #[test]
    fn a_rebuilt_kind_holds_only_the_active_set_and_a_small_one_is_scanned() {
        // The active set loses 1/a without a touch of it, and the kind is rebuilt: 0/b (80 ms)
        // is the soonest, delta 70 at 10 ms, no retry pending. Then 45 of the 70 late ones
        // leave: 26 remain (< 32), the kind is scanned again, with the same answer; 0/b moved
        // to 20 ms (and touched) is then found at delta 10.
        let (mut regs, mut active, mut index) = fleet_of_72();
        let kind = SyncKind::Periodic;
        let at = SimTime::from_ms(10);
        assert_eq!(
            index.summary(kind, at, &regs, &mut active).soonest,
            Some((40, true))
        );
        active.remove(kind, 1, "a");
        index.touch_kind(kind);
        let s = index.summary(kind, at, &regs, &mut active);
        assert_eq!(s.soonest, Some((70, false)));
        assert!(!s.need_retries);
        for (id, r) in regs.iter().enumerate().take(47).skip(2) {
            active.remove(kind, r.origin, &r.tag);
            index.touch(id as u32, kind);
        }
        assert_eq!(active.len(kind), 26);
        assert_eq!(
            index.summary(kind, at, &regs, &mut active).soonest,
            Some((70, false))
        );
        assert!(!index.kinds[kind as usize].on);
        regs[1].delay_until = SimTime::from_ms(20);
        index.touch(1, kind);
        assert_eq!(
            index.summary(kind, at, &regs, &mut active).soonest,
            Some((10, false))
        );
    }
}
