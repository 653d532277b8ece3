//! The dispatches in progress on a device, by attempt row.
//!
//! A device usually runs a handful of events at once (one per registration at most, usually
//! none or one), and dispatch order is row order (S6, S7). A few are kept in a vector sorted by
//! row, which does what an ordered map does without its node allocations; past [`FEW`] they move
//! to an ordered map, so that a device firing 100,000 registrations at once still pays
//! O(log n) per dispatch and completion (the vector alone shifted its entries on every change:
//! 8 s instead of 1.5 s for `one_device_many_origins` at 100,000).

use std::collections::{BTreeMap, btree_map};

use super::Running;

/// Dispatches kept in the sorted vector before the set becomes a map.
const FEW: usize = 32;

#[derive(Debug)]
pub(super) enum RunningSet {
    Few(Vec<Running>),
    Many(BTreeMap<u32, Running>),
}

impl Default for RunningSet {
    fn default() -> Self {
        RunningSet::Few(Vec::new())
    }
}

impl RunningSet {
    /// Adds a dispatch. Rows are handed out in dispatch order, so this is nearly always a push.
    pub(super) fn insert(&mut self, running: Running) {
        match self {
            RunningSet::Few(few) if few.len() < FEW => {
                let at = few.partition_point(|r| r.row < running.row);
                debug_assert!(few.get(at).is_none_or(|r| r.row != running.row));
                few.insert(at, running);
            }
            RunningSet::Few(few) => {
                let mut many: BTreeMap<u32, Running> = few.drain(..).map(|r| (r.row, r)).collect();
                many.insert(running.row, running);
                *self = RunningSet::Many(many);
            }
            RunningSet::Many(many) => {
                let old = many.insert(running.row, running);
                debug_assert!(old.is_none());
            }
        }
    }

    /// Takes the dispatch of attempt row `row` out, if it is still running.
    pub(super) fn remove(&mut self, row: u32) -> Option<Running> {
        match self {
            RunningSet::Few(few) => {
                let at = few.binary_search_by_key(&row, |r| r.row).ok()?;
                Some(few.remove(at))
            }
            RunningSet::Many(many) => many.remove(&row),
        }
    }

    pub(super) fn contains(&self, row: u32) -> bool {
        match self {
            RunningSet::Few(few) => few.binary_search_by_key(&row, |r| r.row).is_ok(),
            RunningSet::Many(many) => many.contains_key(&row),
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        match self {
            RunningSet::Few(few) => few.is_empty(),
            RunningSet::Many(many) => many.is_empty(),
        }
    }

    /// The dispatches in row (dispatch) order.
    pub(super) fn iter(&self) -> Iter<'_> {
        match self {
            RunningSet::Few(few) => Iter::Few(few.iter()),
            RunningSet::Many(many) => Iter::Many(many.values()),
        }
    }

    /// Empties the set (back to the vector).
    pub(super) fn clear(&mut self) {
        match self {
            RunningSet::Few(few) => few.clear(),
            RunningSet::Many(_) => *self = RunningSet::default(),
        }
    }
}

/// [`RunningSet::iter`]'s iterator.
pub(super) enum Iter<'a> {
    Few(std::slice::Iter<'a, Running>),
    Many(btree_map::Values<'a, u32, Running>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a Running;

    fn next(&mut self) -> Option<&'a Running> {
        match self {
            Iter::Few(few) => few.next(),
            Iter::Many(many) => many.next(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::record::Outcome;
    use crate::engine::EventQueue;
    use crate::engine::time::SimTime;

    fn running(row: u32) -> Running {
        Running {
            row,
            reg: row * 10,
            end: EventQueue::new().schedule(SimTime::ZERO, ()),
            crash: None,
            outcome: Outcome::Success,
            needs_network: true,
            keep_alive: false,
        }
    }

    #[test]
    fn dispatches_iterate_in_row_order_whatever_the_insertion_order() {
        // Rows 4, 2, 7 inserted, then 2 removed: 4, 7 remain, in that order; removing 2 again
        // finds nothing.
        let mut set = RunningSet::default();
        for row in [4, 2, 7] {
            set.insert(running(row));
        }
        assert_eq!(set.remove(2).map(|r| r.reg), Some(20));
        assert_eq!(set.remove(2).map(|r| r.reg), None);
        let rows: Vec<u32> = set.iter().map(|r| r.row).collect();
        assert_eq!(rows, [4, 7]);
        assert!(set.contains(7) && !set.contains(2));
        set.clear();
        assert!(set.is_empty());
    }

    #[test]
    fn many_dispatches_keep_row_order_past_the_vector() {
        // 40 rows (more than FEW = 32) inserted in reverse, then every third removed: the set
        // holds the 27 others (1..=40 without its 13 multiples of 3: 1, 2, 4, 5, 7, ...), in row order,
        // and clearing empties it.
        let mut set = RunningSet::default();
        for row in (1..=40).rev() {
            set.insert(running(row));
        }
        assert!(matches!(set, RunningSet::Many(_)));
        for row in (3..=40).step_by(3) {
            assert_eq!(set.remove(row).map(|r| r.reg), Some(row * 10));
        }
        let rows: Vec<u32> = set.iter().map(|r| r.row).collect();
        let expected: Vec<u32> = (1..=40).filter(|r| r % 3 != 0).collect();
        assert_eq!(rows.len(), 27);
        assert_eq!(rows, expected);
        assert!(set.contains(40) && !set.contains(39));
        set.clear();
        assert!(set.is_empty() && matches!(set, RunningSet::Few(_)));
    }
}
