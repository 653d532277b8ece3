//! The active registrations of a device, in dispatch order.
//!
//! A sorted vector of `(kind, origin, tag) → registration id`: iterating it front to back is
//! exactly SEMANTICS S3's dispatch order (one-shots first, then by origin index, then tag by code
//! point). A device holds a handful of active registrations, so a contiguous vector with binary
//! search beats a map of maps for lookups, inserts and, above all, the FireReadyEvents scan.

use std::cmp::Ordering;
use std::sync::Arc;

use crate::model::registration::SyncKind;

#[derive(Clone, Debug)]
struct Entry {
    kind: SyncKind,
    origin: u32,
    tag: Arc<str>,
    id: u32,
}

#[derive(Clone, Debug, Default)]
pub struct ActiveSet(Vec<Entry>);

impl ActiveSet {
    fn find(&self, kind: SyncKind, origin: u32, tag: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|e| {
            e.kind
                .cmp(&kind)
                .then(e.origin.cmp(&origin))
                .then_with(|| (*e.tag).cmp(tag))
        })
    }

    pub fn get(&self, kind: SyncKind, origin: u32, tag: &str) -> Option<u32> {
        self.find(kind, origin, tag).ok().map(|i| self.0[i].id)
    }

    /// Inserts or replaces the entry of `(kind, origin, tag)`.
    pub fn insert(&mut self, kind: SyncKind, origin: u32, tag: Arc<str>, id: u32) {
        match self.find(kind, origin, &tag) {
            Ok(i) => self.0[i].id = id,
            Err(i) => self.0.insert(
                i,
                Entry {
                    kind,
                    origin,
                    tag,
                    id,
                },
            ),
        }
    }

    pub fn remove(&mut self, kind: SyncKind, origin: u32, tag: &str) -> Option<u32> {
        self.find(kind, origin, tag)
            .ok()
            .map(|i| self.0.remove(i).id)
    }

    /// Removes every registration of an origin (both kinds), returning their ids in order.
    pub fn remove_origin(&mut self, origin: u32) -> Vec<u32> {
        let removed = self
            .0
            .iter()
            .filter(|e| e.origin == origin)
            .map(|e| e.id)
            .collect();
        self.0.retain(|e| e.origin != origin);
        removed
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// Every active registration id, in dispatch order.
    pub fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.0.iter().map(|e| e.id)
    }

    fn range(&self, kind: SyncKind, origin: Option<u32>) -> &[Entry] {
        let key = |e: &Entry| match origin {
            Some(o) => e.kind.cmp(&kind).then(e.origin.cmp(&o)),
            None => e.kind.cmp(&kind),
        };
        let lo = self.0.partition_point(|e| key(e) == Ordering::Less);
        let hi = self.0.partition_point(|e| key(e) != Ordering::Greater);
        &self.0[lo..hi]
    }

    /// The ids of one kind, in dispatch order.
    pub fn of_kind(&self, kind: SyncKind) -> impl Iterator<Item = u32> + '_ {
        self.range(kind, None).iter().map(|e| e.id)
    }

    /// `(tag, id)` of one kind and origin, by tag.
    pub fn of_origin(
        &self,
        kind: SyncKind,
        origin: u32,
    ) -> impl Iterator<Item = (&Arc<str>, u32)> + '_ {
        self.range(kind, Some(origin))
            .iter()
            .map(|e| (&e.tag, e.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iteration_is_dispatch_order() {
        let mut a = ActiveSet::default();
        a.insert(SyncKind::Periodic, 0, Arc::from("p"), 1);
        a.insert(SyncKind::OneShot, 1, Arc::from("a"), 2);
        a.insert(SyncKind::OneShot, 0, Arc::from("b"), 3);
        a.insert(SyncKind::OneShot, 0, Arc::from("a"), 4);
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
        assert_eq!(a.remove(SyncKind::OneShot, 0, "b"), Some(3));
        assert_eq!(a.get(SyncKind::OneShot, 0, "b"), None);
        assert_eq!(a.remove_origin(0), vec![4, 1]);
        assert_eq!(a.ids().collect::<Vec<_>>(), vec![2]);
    }
}
