//! Per origin, the soonest `delay_until` among its active periodic registrations: the `T` of
//! ApplyMinGapForOrigin (SEMANTICS S9), which every periodic decision reads.
//!
//! Chrome takes it by walking the origin's registrations
//! (components/background_sync/background_sync_controller_impl.cc, GetNextEventDelay and
//! ApplyMinGapForOrigin), and so did bgsim: one origin with 13,000 periodic tags simulated at
//! ~50 µs an event. An origin with more than [`INDEXED_ABOVE`] active periodic registrations is
//! indexed instead, by `(delay_until, id)`: every change to a registration names it (`touch`,
//! from `touch_reg`) and the index takes the changes in before it answers, at O(log n) each.
//! Smaller origins — the usual one or two tags — are scanned, which costs less than keeping an
//! index. Debug builds check every indexed answer against the scan.
//!
//! The decision context is built from `&self` (the policy reads it beside the registration it
//! changes), so the index sits in a `RefCell` and takes its changes in when it is asked. A
//! registration is named before it changes (`touch_reg`), and may change after the policy
//! read the index (a completion reads the context, then moves the delay), so the registrations
//! named during an event are taken in again at every answer, and forgotten only when the event
//! is over ([`OriginDelays::settle`]).

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};

use super::active::ActiveSet;
use super::touched::{Touched, slot};
use crate::engine::time::SimTime;
use crate::model::registration::{Registration, SyncKind, Tag};

/// An origin is indexed once it has more active periodic registrations than this, and scanned
/// again once it has fewer than half as many (no switching back and forth near the bound).
const INDEXED_ABOVE: usize = 64;

#[derive(Debug, Default)]
pub(super) struct OriginDelays {
    inner: RefCell<Index>,
    /// Whether any origin is indexed (read without borrowing `inner` on the usual path).
    any: Cell<bool>,
}

#[derive(Debug, Default)]
struct Index {
    /// Indexed origins: `(delay_until, id)` of their active periodic registrations.
    origins: BTreeMap<u32, BTreeSet<(SimTime, u32)>>,
    /// By registration id: the delay it is indexed under (`None`: not in the index).
    entries: Vec<Option<SimTime>>,
    /// Registrations named since the last event ended (re-read at every answer until then).
    touched: Touched,
}

impl OriginDelays {
    /// Periodic registration `id` changed (its delay, or it joined or left the active set).
    #[inline]
    pub(super) fn touch(&mut self, id: u32) {
        if self.any.get() {
            self.inner.get_mut().touched.add(id); // else an origin is indexed when it grows
        }
    }

    /// The event is over: its changes are taken in for good.
    #[inline]
    pub(super) fn settle(&mut self, regs: &[Registration], active: &ActiveSet) {
        let index = self.inner.get_mut();
        if !index.touched.is_empty() {
            index.take_changes(regs, active, true);
        }
    }

    /// Every periodic registration may have changed (rebuilt from the store): indexed origins
    /// are built afresh when next asked.
    pub(super) fn touch_all(&mut self) {
        self.any.set(false);
        let index = self.inner.get_mut();
        index.origins.clear();
        index.entries.clear();
        index.touched.clear();
    }

    /// The soonest `delay_until` among the active periodic registrations of `reg`'s origin
    /// other than the one with `reg`'s tag (`NEVER` for a suspended one), or `None` if there
    /// are none.
    #[inline]
    pub(super) fn soonest_other(
        &self,
        reg: &Registration,
        regs: &[Registration],
        active: &ActiveSet,
    ) -> Option<SimTime> {
        let tags = active.origin_tags(SyncKind::Periodic, reg.origin)?;
        if tags.len() <= INDEXED_ABOVE && !self.any.get() {
            return scan_other(reg, regs, tags); // the usual case: no origin near the bound
        }
        self.indexed_other(reg, regs, active, tags)
    }

    #[inline(never)]
    fn indexed_other(
        &self,
        reg: &Registration,
        regs: &[Registration],
        active: &ActiveSet,
        tags: &BTreeMap<Tag, u32>,
    ) -> Option<SimTime> {
        let mut index = self.inner.borrow_mut();
        let on = index.origins.contains_key(&reg.origin);
        let keep = if on {
            tags.len() >= INDEXED_ABOVE / 2
        } else {
            tags.len() > INDEXED_ABOVE
        };
        if !keep {
            if on {
                index.drop_origin(reg.origin);
                self.any.set(!index.origins.is_empty());
            }
            return scan_other(reg, regs, tags);
        }
        index.take_changes(regs, active, false);
        if !on {
            index.build(reg.origin, regs, active);
            self.any.set(true);
        }
        let found = index.origins[&reg.origin]
            .iter()
            .take(2)
            .find(|&&(_, id)| regs[id as usize].tag != reg.tag)
            .map(|&(at, _)| at);
        debug_assert_eq!(
            found,
            scan_other(reg, regs, tags),
            "origin {}: a change was not touched",
            reg.origin
        );
        found
    }
}

/// What the index answers, by walking the origin's registrations.
fn scan_other(
    reg: &Registration,
    regs: &[Registration],
    tags: &BTreeMap<Tag, u32>,
) -> Option<SimTime> {
    tags.iter()
        .filter(|(tag, _)| **tag != reg.tag)
        .map(|(_, &id)| regs[id as usize].delay_until)
        .min()
}

impl Index {
    /// Indexes `origin`. Its registrations count as touched until the event is over: one may
    /// have been named before the index existed and change after this answer.
    fn build(&mut self, origin: u32, regs: &[Registration], active: &ActiveSet) {
        let mut set = BTreeSet::new();
        for (_, id) in active.of_origin(SyncKind::Periodic, origin) {
            let at = regs[id as usize].delay_until;
            set.insert((at, id));
            *slot(&mut self.entries, id) = Some(at);
            self.touched.add(id);
        }
        self.origins.insert(origin, set);
    }

    fn drop_origin(&mut self, origin: u32) {
        for (_, id) in self.origins.remove(&origin).into_iter().flatten() {
            self.entries[id as usize] = None;
        }
    }

    /// Brings the touched registrations' entries up to date; `forget`: the event is over, they
    /// will not change again before their next touch.
    #[inline(never)]
    fn take_changes(&mut self, regs: &[Registration], active: &ActiveSet, forget: bool) {
        let mut touched = std::mem::take(&mut self.touched);
        for &id in touched.ids() {
            let r = &regs[id as usize];
            if !self.origins.contains_key(&r.origin) {
                debug_assert!(
                    self.entries.get(id as usize).is_none_or(Option::is_none),
                    "an entry of an origin no longer indexed"
                );
                continue;
            }
            let member = r.kind == SyncKind::Periodic
                && active.get(SyncKind::Periodic, r.origin, &r.tag) == Some(id);
            let new = member.then_some(r.delay_until);
            let old = std::mem::replace(slot(&mut self.entries, id), new);
            if old == new {
                continue;
            }
            let set = self.origins.get_mut(&r.origin).expect("indexed");
            if let Some(at) = old {
                let was = set.remove(&(at, id));
                debug_assert!(was, "an indexed delay is in its origin's set");
            }
            if let Some(at) = new {
                set.insert((at, id));
            }
        }
        if forget {
            touched.clear();
        }
        self.touched = touched;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(origin: u32, tag: &str, delay_ms: u64) -> Registration {
        Registration {
            delay_until: SimTime::from_ms(delay_ms),
            ..Registration::new(origin, Tag::from(tag), SyncKind::Periodic, SimTime::ZERO)
        }
    }

    /// Origin 3 holds 70 tags `t0`..`t69` due at 1,000 ms + 10 ms × i (indexed); origin 4 one tag.
    fn origin_of_70() -> (Vec<Registration>, ActiveSet, OriginDelays) {
        let mut regs: Vec<Registration> = (0..70)
            .map(|i| reg(3, &format!("t{i}"), 1_000 + 10 * i))
            .collect();
        regs.push(reg(4, "solo", 5));
        let mut active = ActiveSet::default();
        for (id, r) in regs.iter().enumerate() {
            active.insert(r.kind, r.origin, r.tag.clone(), id as u32);
        }
        (regs, active, OriginDelays::default())
    }

    #[test]
    fn the_soonest_other_skips_the_asking_tag_and_follows_touches() {
        // Asked for t0 (the soonest, 1,000 ms), the answer is t1's 1,010 ms; asked for t5, t0's
        // 1,000 ms. t1 moved to 990 ms (touched): t1 answers for t0. t1 leaves the active set
        // (touched): t2's 1,020 ms. Origin 4 has no other tag: none.
        let (mut regs, mut active, mut index) = origin_of_70();
        let at = |ms| Some(SimTime::from_ms(ms));
        assert_eq!(index.soonest_other(&regs[0], &regs, &active), at(1_010));
        assert!(index.inner.borrow().origins.contains_key(&3));
        assert_eq!(index.soonest_other(&regs[5], &regs, &active), at(1_000));
        regs[1].delay_until = SimTime::from_ms(990);
        index.touch(1);
        assert_eq!(index.soonest_other(&regs[0], &regs, &active), at(990));
        active.remove(SyncKind::Periodic, 3, "t1");
        index.touch(1);
        assert_eq!(index.soonest_other(&regs[0], &regs, &active), at(1_020));
        assert_eq!(index.soonest_other(&regs[70], &regs, &active), None);
    }

    #[test]
    fn a_shrunk_origin_is_scanned_and_a_rebuild_starts_afresh() {
        // 40 of the 70 tags leave (30 < 32 remain: t40..t69): scanned again, t40's 1,400 ms
        // for t41. After touch_all the index is empty, and a change made without a touch is
        // still seen (t41 asks, t40 moved to 1,300 ms).
        let (mut regs, mut active, mut index) = origin_of_70();
        assert_eq!(
            index.soonest_other(&regs[69], &regs, &active),
            Some(SimTime::from_ms(1_000))
        );
        for (id, r) in regs.iter().enumerate().take(40) {
            active.remove(SyncKind::Periodic, r.origin, &r.tag);
            index.touch(id as u32);
        }
        assert_eq!(
            index.soonest_other(&regs[41], &regs, &active),
            Some(SimTime::from_ms(1_400))
        );
        assert!(index.inner.borrow().origins.is_empty());
        index.touch_all();
        regs[40].delay_until = SimTime::from_ms(1_300);
        assert_eq!(
            index.soonest_other(&regs[41], &regs, &active),
            Some(SimTime::from_ms(1_300))
        );
    }
}
