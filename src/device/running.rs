//! The dispatches in progress on a device, by attempt row.
//!
//! A device runs a handful of events at once (one per registration at most, usually none or
//! one), and dispatch order is row order (S6, S7). A vector kept sorted by row does what the
//! ordered map did without its node allocations: the end of every attempt removes one entry.

use super::Running;

#[derive(Debug, Default)]
pub(super) struct RunningSet(Vec<Running>);

impl RunningSet {
    /// Adds a dispatch. Rows are handed out in dispatch order, so this is nearly always a push.
    pub(super) fn insert(&mut self, running: Running) {
        let at = self.0.partition_point(|r| r.row < running.row);
        debug_assert!(self.0.get(at).is_none_or(|r| r.row != running.row));
        self.0.insert(at, running);
    }

    /// Takes the dispatch of attempt row `row` out, if it is still running.
    pub(super) fn remove(&mut self, row: u32) -> Option<Running> {
        let at = self.0.binary_search_by_key(&row, |r| r.row).ok()?;
        Some(self.0.remove(at))
    }

    pub(super) fn contains(&self, row: u32) -> bool {
        self.0.binary_search_by_key(&row, |r| r.row).is_ok()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The dispatches in row (dispatch) order.
    pub(super) fn iter(&self) -> std::slice::Iter<'_, Running> {
        self.0.iter()
    }

    pub(super) fn clear(&mut self) {
        self.0.clear();
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
}
