//! The active registrations of a device, in dispatch order.
//!
//! Per origin index and kind, `tag → registration id`, and per kind the origins that hold any:
//! iterating kinds, then those origins in ascending order, then tags is exactly SEMANTICS S3's
//! dispatch order (one-shots first, then by origin index, then tag by code point). Ordered maps
//! keep every insert, lookup and removal O(log n) whatever the number of registrations (a sorted
//! vector shifted its tail on every change: quadratic with 100,000 origins), and indexing the
//! origin directly spares each one-shot's register and completion a search and an insert or
//! removal in an outer map keyed by `(kind, origin)` (bench-desktop: 69,127 of 70,524 removals
//! emptied their origin's map).

use std::collections::{BTreeMap, BTreeSet};

use crate::model::registration::{SyncKind, Tag};

#[derive(Clone, Debug, Default)]
pub struct ActiveSet {
    /// By origin index, by kind: tag → id. Grown to the highest origin inserted; an emptied
    /// map stays (with its node, ready for the origin's next registration).
    origins: Vec<[BTreeMap<Tag, u32>; 2]>,
    /// By kind, the origins whose map of that kind is not empty.
    occupied: [BTreeSet<u32>; 2],
    /// By kind, how many registrations are active.
    len: [usize; 2],
    /// Per kind, the ids in dispatch order as a flat list, rebuilt after a change
    /// ([`ActiveSet::flat`]): a small kind's wake-up window scans every registration after
    /// most events, while the set changes far less often.
    flat: [Vec<u32>; 2],
    stale: [bool; 2],
}

impl ActiveSet {
    pub fn get(&self, kind: SyncKind, origin: u32, tag: &str) -> Option<u32> {
        self.origins.get(origin as usize)?[kind as usize]
            .get(tag)
            .copied()
    }

    /// Inserts or replaces the entry of `(kind, origin, tag)`.
    pub fn insert(&mut self, kind: SyncKind, origin: u32, tag: Tag, id: u32) {
        let k = kind as usize;
        self.stale[k] = true;
        let o = origin as usize;
        if o >= self.origins.len() {
            self.origins.resize_with(o + 1, Default::default);
        }
        let tags = &mut self.origins[o][k];
        if tags.is_empty() {
            self.occupied[k].insert(origin);
        }
        if tags.insert(tag, id).is_none() {
            self.len[k] += 1;
        }
    }

    /// How many registrations of `kind` are active.
    pub fn len(&self, kind: SyncKind) -> usize {
        self.len[kind as usize]
    }

    pub fn remove(&mut self, kind: SyncKind, origin: u32, tag: &str) -> Option<u32> {
        let k = kind as usize;
        let tags = &mut self.origins.get_mut(origin as usize)?[k];
        let id = tags.remove(tag);
        self.stale[k] = true;
        if id.is_some() {
            self.len[k] -= 1;
            if tags.is_empty() {
                self.occupied[k].remove(&origin);
            }
        }
        id
    }

    /// Removes every registration of an origin (both kinds), returning their ids in order.
    pub fn remove_origin(&mut self, origin: u32) -> Vec<u32> {
        self.stale = [true; 2];
        let Some(maps) = self.origins.get_mut(origin as usize) else {
            return Vec::new();
        };
        for occupied in &mut self.occupied {
            occupied.remove(&origin);
        }
        let maps = std::mem::take(maps);
        for (len, tags) in self.len.iter_mut().zip(&maps) {
            *len -= tags.len();
        }
        maps.into_iter()
            .flat_map(|tags| tags.into_values())
            .collect()
    }

    pub fn clear(&mut self) {
        self.stale = [true; 2];
        self.origins.clear();
        self.occupied = Default::default();
        self.len = [0; 2];
    }

    /// The ids of `kind` in dispatch order, as a flat list rebuilt if the set changed since
    /// (O(n): for kinds of a few registrations).
    pub fn flat(&mut self, kind: SyncKind) -> &[u32] {
        let k = kind as usize;
        if std::mem::take(&mut self.stale[k]) {
            let mut ids = std::mem::take(&mut self.flat[k]);
            ids.clear();
            ids.extend(self.of_kind(kind));
            self.flat[k] = ids;
        }
        &self.flat[k]
    }

    /// Every active registration id, in dispatch order.
    pub fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        SyncKind::ALL
            .into_iter()
            .flat_map(|kind| self.of_kind(kind))
    }

    /// The ids of one kind, in dispatch order.
    pub fn of_kind(&self, kind: SyncKind) -> impl Iterator<Item = u32> + '_ {
        let k = kind as usize;
        self.occupied[k]
            .iter()
            .flat_map(move |&o| self.origins[o as usize][k].values().copied())
    }

    /// The origin's registrations of `kind`, tag → id (`None`: the origin never held any).
    pub fn origin_tags(&self, kind: SyncKind, origin: u32) -> Option<&BTreeMap<Tag, u32>> {
        Some(&self.origins.get(origin as usize)?[kind as usize])
    }

    /// `(tag, id)` of one kind and origin, by tag.
    pub fn of_origin(&self, kind: SyncKind, origin: u32) -> impl Iterator<Item = (&Tag, u32)> + '_ {
        self.origins
            .get(origin as usize)
            .into_iter()
            .flat_map(move |maps| maps[kind as usize].iter().map(|(t, id)| (t, *id)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_emptied_origin_holds_nothing() {
        // Origin 0's one tag is removed: origin 0 yields nothing (its emptied map stays),
        // origin 1 holds "x" only, and the one-shot order is (1, x) then (2, y).
        let mut a = ActiveSet::default();
        a.insert(SyncKind::OneShot, 0, Tag::from("a"), 1);
        assert_eq!(a.remove(SyncKind::OneShot, 0, "a"), Some(1));
        a.insert(SyncKind::OneShot, 2, Tag::from("y"), 3);
        a.insert(SyncKind::OneShot, 1, Tag::from("x"), 2);
        assert_eq!(a.of_origin(SyncKind::OneShot, 0).count(), 0);
        assert_eq!(a.get(SyncKind::OneShot, 1, "a"), None);
        assert_eq!(a.of_kind(SyncKind::OneShot).collect::<Vec<_>>(), vec![2, 3]);
    }

    #[test]
    fn iteration_is_dispatch_order() {
        let mut a = ActiveSet::default();
        a.insert(SyncKind::Periodic, 0, Tag::from("p"), 1);
        a.insert(SyncKind::OneShot, 1, Tag::from("a"), 2);
        a.insert(SyncKind::OneShot, 0, Tag::from("b"), 3);
        a.insert(SyncKind::OneShot, 0, Tag::from("a"), 4);
        // One-shots first, then origin, then tag: (0,a) (0,b) (1,a), then periodic.
        assert_eq!(a.ids().collect::<Vec<_>>(), vec![4, 3, 2, 1]);
        assert_eq!(
            a.of_kind(SyncKind::OneShot).collect::<Vec<_>>(),
            vec![4, 3, 2]
        );
        assert_eq!(
            a.of_origin(SyncKind::OneShot, 0)
                .map(|(_, id)| id)
                .collect::<Vec<_>>(),
            vec![4, 3]
        );
        assert_eq!(a.flat(SyncKind::OneShot), &[4, 3, 2]);
        assert_eq!(a.flat(SyncKind::Periodic), &[1]);
        assert_eq!(a.remove(SyncKind::OneShot, 0, "b"), Some(3));
        assert_eq!(a.flat(SyncKind::OneShot), &[4, 2]);
        assert_eq!(a.get(SyncKind::OneShot, 0, "b"), None);
        assert_eq!(a.remove_origin(0), vec![4, 1]);
        assert_eq!(a.ids().collect::<Vec<_>>(), vec![2]);
        assert_eq!(
            (a.len(SyncKind::OneShot), a.len(SyncKind::Periodic)),
            (1, 0)
        );
    }
}
