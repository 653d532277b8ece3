//! Device inputs replayed from logs instead of drawn from a synthetic process (DESIGN §14).
//!
//! API boundary: the model sees a trace only through [`TraceSource`], one device at a time; the
//! scenario layer implements it over a validated CSV file (reading a device's rows when its
//! simulation starts, so a fleet's traces never need to be in memory at once).

use std::fmt;
use std::sync::Arc;

use super::timeline::Windows;

/// The rows of one trace file, by device. Rows are validated when the scenario is loaded
/// (sorted, disjoint, inside the horizon), so a read cannot fail on them; a file that changed
/// or vanished since is the reader's to report after the run (`scenario::Scenario`), and reads
/// as no rows meanwhile.
pub trait TraceSource: Send + Sync + fmt::Debug {
    /// The interval rows `[from, to)` (ms) of the `device`-th device of its block, in time
    /// order.
    fn intervals(&self, device: u64) -> Vec<(u64, u64)>;
    /// The instant rows of the `device`-th device of its block, increasing.
    fn instants(&self, device: u64) -> Vec<u64>;
}

/// A shared handle on a trace (the block's spec is shared by its devices). Two handles are
/// equal when they are the same reader.
#[derive(Clone, Debug)]
pub struct Trace(pub Arc<dyn TraceSource>);

impl PartialEq for Trace {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Trace {}

impl Trace {
    /// The device's intervals as windows, cut at `horizon` (a run shortened by `--days`).
    pub fn windows(&self, device: u64, horizon: u64) -> Windows {
        let mut rows = self.0.intervals(device);
        rows.retain_mut(|(from, to)| {
            *to = (*to).min(horizon);
            from < to
        });
        Windows::merged(rows)
    }

    /// The device's instants before `horizon`.
    pub fn instants(&self, device: u64, horizon: u64) -> Vec<u64> {
        let mut at = self.0.instants(device);
        at.retain(|&t| t < horizon);
        at
    }
}
