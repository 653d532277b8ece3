//! The active registrations of a device, in dispatch order.
//!
//! `(kind, origin) → (tag → registration id)`: iterating it front to back is exactly SEMANTICS
//! S3's dispatch order (one-shots first, then by origin index, then tag by code point). Ordered
//! maps keep every insert, lookup and removal O(log n) whatever the number of registrations (a
//! sorted vector shifted its tail on every change: quadratic with 100,000 origins).

use std::collections::BTreeMap;

use crate::model::registration::{SyncKind, Tag};

/// Emptied tag maps an [`ActiveSet`] keeps for reuse.
const SPARE_MAPS: usize = 16;

#[derive(Clone, Debug, Default)]
pub struct ActiveSet {
    map: BTreeMap<(SyncKind, u32), BTreeMap<Tag, u32>>,
    /// Per kind, the ids in dispatch order as a flat list, rebuilt after a change
    /// ([`ActiveSet::flat`]): the wake-up windows are recomputed after most events and scan
    /// every registration of a kind, while the set changes far less often.
    flat: [Vec<u32>; 2],
    stale: [bool; 2],
    /// Emptied tag maps kept for the next (kind, origin) to use: an origin whose one-shots
    /// come and go one at a time would otherwise allocate and free a map node each time (a
    /// map keeps its node when emptied).
    spare: Vec<BTreeMap<Tag, u32>>,
}

impl ActiveSet {
    pub fn get(&self, kind: SyncKind, origin: u32, tag: &str) -> Option<u32> {
        self.map.get(&(kind, origin))?.get(tag).copied()
    }

    /// Inserts or replaces the entry of `(kind, origin, tag)`.
    pub fn insert(&mut self, kind: SyncKind, origin: u32, tag: Tag, id: u32) {
        self.stale[kind as usize] = true;
        let spare = &mut self.spare;
        self.map
            .entry((kind, origin))
            .or_insert_with(|| spare.pop().unwrap_or_default())
            .insert(tag, id);
    }

    pub fn remove(&mut self, kind: SyncKind, origin: u32, tag: &str) -> Option<u32> {
        let tags = self.map.get_mut(&(kind, origin))?;
        let id = tags.remove(tag);
        if tags.is_empty()
            && let Some(empty) = self.map.remove(&(kind, origin))
            && self.spare.len() < SPARE_MAPS
        {
            self.spare.push(empty);
        }
        self.stale[kind as usize] = true;
        id
    }

    /// Removes every registration of an origin (both kinds), returning their ids in order.
    pub fn remove_origin(&mut self, origin: u32) -> Vec<u32> {
        self.stale = [true; 2];
        [SyncKind::OneShot, SyncKind::Periodic]
            .into_iter()
            .filter_map(|kind| self.map.remove(&(kind, origin)))
            .flat_map(|tags| tags.into_values())
            .collect()
    }

    pub fn clear(&mut self) {
        self.stale = [true; 2];
        self.map.clear();
    }

    /// Brings the flat lists up to date (call before [`ActiveSet::flat`]).
    pub fn refresh(&mut self) {
        for kind in [SyncKind::OneShot, SyncKind::Periodic] {
            let k = kind as usize;
            if std::mem::take(&mut self.stale[k]) {
                let mut ids = std::mem::take(&mut self.flat[k]);
                ids.clear();
                ids.extend(
                    self.map
                        .range((kind, 0)..=(kind, u32::MAX))
                        .flat_map(|(_, tags)| tags.values().copied()),
                );
                self.flat[k] = ids;
            }
        }
    }

    /// The ids of one kind in dispatch order, as of the last [`ActiveSet::refresh`].
    pub fn flat(&self, kind: SyncKind) -> &[u32] {
        debug_assert!(
            !self.stale[kind as usize],
            "refresh before reading the flat list"
        );
        &self.flat[kind as usize]
    }

    /// Every active registration id, in dispatch order.
    pub fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.map.values().flat_map(|tags| tags.values().copied())
    }

    /// The ids of one kind, in dispatch order.
    pub fn of_kind(&self, kind: SyncKind) -> impl Iterator<Item = u32> + '_ {
        self.map
            .range((kind, 0)..=(kind, u32::MAX))
            .flat_map(|(_, tags)| tags.values().copied())
    }

    /// `(tag, id)` of one kind and origin, by tag.
    pub fn of_origin(&self, kind: SyncKind, origin: u32) -> impl Iterator<Item = (&Tag, u32)> + '_ {
        self.map
            .get(&(kind, origin))
            .into_iter()
            .flat_map(|tags| tags.iter().map(|(t, id)| (t, *id)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reused_tag_map_holds_only_its_new_origin() {
        // Origin 0's map empties (its one tag removed) and is reused for origin 1: origin 1
        // holds "x" only, origin 0 nothing, and the one-shot order is (1, x) then (2, y).
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
        a.refresh();
        assert_eq!(a.flat(SyncKind::OneShot), &[4, 3, 2]);
        assert_eq!(a.flat(SyncKind::Periodic), &[1]);
        assert_eq!(a.remove(SyncKind::OneShot, 0, "b"), Some(3));
        a.refresh();
        assert_eq!(a.flat(SyncKind::OneShot), &[4, 2]);
        assert_eq!(a.get(SyncKind::OneShot, 0, "b"), None);
        assert_eq!(a.remove_origin(0), vec![4, 1]);
        assert_eq!(a.ids().collect::<Vec<_>>(), vec![2]);
    }
}
