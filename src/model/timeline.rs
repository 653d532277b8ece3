//! Sets of half-open time windows `[from, to)`: offline periods, user sessions.
//!
//! One type for both so sorting, merging and day-by-day expansion are written once.

use crate::engine::time::DAY;

/// Sorted, disjoint, non-touching half-open windows in ms.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Windows(Vec<(u64, u64)>);

impl Windows {
    /// Sorts the windows and merges overlapping or touching ones (SEMANTICS S6). Empty windows
    /// (`from >= to`) are dropped.
    pub fn merged(mut raw: Vec<(u64, u64)>) -> Windows {
        raw.retain(|(a, b)| a < b);
        raw.sort_unstable();
        let mut out: Vec<(u64, u64)> = Vec::with_capacity(raw.len());
        for (a, b) in raw {
            match out.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => out.push((a, b)),
            }
        }
        Windows(out)
    }

    /// The same times-of-day repeated on every day that starts before `horizon`.
    pub fn daily(times_of_day: &[(u64, u64)], horizon: u64) -> Windows {
        let days = horizon.div_ceil(DAY);
        let raw = (0..days)
            .flat_map(|d| {
                times_of_day
                    .iter()
                    .map(move |(a, b)| (d * DAY + a, d * DAY + b))
            })
            .collect();
        Windows::merged(raw)
    }

    /// One window covering all time.
    pub fn always() -> Windows {
        Windows(vec![(0, u64::MAX)])
    }

    pub fn as_slice(&self) -> &[(u64, u64)] {
        &self.0
    }

    /// Membership for a run of non-decreasing times: each query moves a cursor forward instead
    /// of bisecting (a device's attempts, in dispatch order, when its energy is priced).
    pub fn cursor(&self) -> WindowCursor<'_> {
        WindowCursor {
            windows: &self.0,
            next: 0,
            last: 0,
        }
    }

    pub fn contains(&self, t: u64) -> bool {
        let i = self.0.partition_point(|(a, _)| *a <= t);
        i > 0 && t < self.0[i - 1].1
    }

    /// The instant at which `span` ms of window time have passed since `from` (counting only
    /// time inside the windows), or `None` if the windows end first. A process that runs only
    /// inside the windows (arrivals during user sessions) steps its clock with this.
    pub fn advance(&self, from: u64, span: u64) -> Option<u64> {
        let mut left = span;
        let first = self.0.partition_point(|(_, end)| *end <= from);
        for &(start, end) in &self.0[first..] {
            let start = start.max(from);
            let avail = end - start;
            if left < avail {
                return Some(start + left);
            }
            left -= avail;
        }
        None
    }

    /// The time in `[0, horizon)` outside every window (a trace's offline periods from its
    /// online rows).
    pub fn complement(&self, horizon: u64) -> Windows {
        let mut out = Vec::with_capacity(self.0.len() + 1);
        let mut from = 0;
        for &(a, b) in &self.0 {
            if a >= horizon {
                break;
            }
            if from < a {
                out.push((from, a));
            }
            from = b;
        }
        if from < horizon {
            out.push((from, horizon));
        }
        Windows(out)
    }

    /// The edges after t = 0 as `(time, entering)` pairs in time order; a window starting at 0
    /// gives no edge (the state at t = 0 is `contains(0)`).
    pub fn edges(&self) -> impl Iterator<Item = (u64, bool)> + '_ {
        self.0
            .iter()
            .flat_map(|(a, b)| [(*a, true), (*b, false)])
            .filter(|(t, _)| *t > 0 && *t != u64::MAX)
    }
}

/// [`Windows::cursor`]: `windows[next]` is the first window not ended by the last time asked.
#[derive(Clone, Debug)]
pub struct WindowCursor<'a> {
    windows: &'a [(u64, u64)],
    next: usize,
    last: u64,
}

impl WindowCursor<'_> {
    /// Whether `t` is inside a window: amortized O(1) while the times asked do not decrease
    /// (an earlier time starts the walk again, still correct).
    pub fn contains(&mut self, t: u64) -> bool {
        if t < self.last {
            self.next = 0;
        }
        self.last = t;
        while self.windows.get(self.next).is_some_and(|w| w.1 <= t) {
            self.next += 1;
        }
        self.windows.get(self.next).is_some_and(|w| w.0 <= t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::HOUR;

    #[test]
    fn advance_counts_only_time_inside_the_windows() {
        // Windows [1 h, 2 h) and [5 h, 6 h). From 0, 30 min of window time ends at 1 h 30 min;
        // 90 min crosses the gap: 1 h in the first window, 30 min into the second = 5 h 30 min.
        // From 1 h 45 min, 15 min ends exactly at the first window's end, which belongs to the
        // gap: the next window's start, 5 h. 3 h of window time do not fit: None.
        let w = Windows::merged(vec![(HOUR, 2 * HOUR), (5 * HOUR, 6 * HOUR)]);
        assert_eq!(w.advance(0, 30 * 60_000), Some(HOUR + 30 * 60_000));
        assert_eq!(w.advance(0, 90 * 60_000), Some(5 * HOUR + 30 * 60_000));
        assert_eq!(w.advance(HOUR + 45 * 60_000, 15 * 60_000), Some(5 * HOUR));
        assert_eq!(w.advance(0, 3 * HOUR), None);
        assert_eq!(Windows::always().advance(7, 5), Some(12));
    }

    #[test]
    fn cursor_agrees_with_contains_forward_and_back() {
        // Windows [5, 10) and [20, 30): 5 and 25 are in, 10 (an end) and 30 are out, 0 is
        // before every window. Asked in order, then going back to 7 (in) and 12 (out).
        let w = Windows::merged(vec![(5, 10), (20, 30)]);
        let mut c = w.cursor();
        let asked = [0, 5, 5, 9, 10, 19, 20, 25, 30, 99, 7, 12];
        let got: Vec<bool> = asked.iter().map(|&t| c.contains(t)).collect();
        let want = [
            false, true, true, true, false, false, true, true, false, false, true, false,
        ];
        assert_eq!(got, want);
        assert!(
            asked
                .iter()
                .all(|&t| w.contains(t) == w.cursor().contains(t))
        );
    }

    #[test]
    fn overlapping_and_touching_windows_merge() {
        let w = Windows::merged(vec![(5, 8), (0, 2), (2, 3), (7, 10), (12, 12)]);
        assert_eq!(w.as_slice(), &[(0, 3), (5, 10)]);
        assert!(w.contains(0) && w.contains(9) && !w.contains(10) && !w.contains(4));
        // No edge at 0: the device simply starts inside the first window.
        let edges: Vec<_> = w.edges().collect();
        assert_eq!(edges, vec![(3, false), (5, true), (10, false)]);
    }

    #[test]
    fn complement_is_the_gaps_before_the_horizon() {
        // Online [1, 3) and [5, 20) over a horizon of 10: offline [0, 1), [3, 5); nothing after
        // 10. No windows: offline throughout.
        let w = Windows::merged(vec![(1, 3), (5, 20)]);
        assert_eq!(w.complement(10).as_slice(), &[(0, 1), (3, 5)]);
        assert_eq!(Windows::default().complement(10).as_slice(), &[(0, 10)]);
        assert_eq!(
            Windows::merged(vec![(0, 4)]).complement(10).as_slice(),
            &[(4, 10)]
        );
    }

    #[test]
    fn daily_windows_join_across_midnight() {
        // 22:00–24:00 and 00:00–07:00 over two days: day 0 00–07, then 22:00 day 0 → 07:00 day 1,
        // then 22:00 day 1 → 48:00.
        let w = Windows::daily(&[(0, 7 * HOUR), (22 * HOUR, 24 * HOUR)], 2 * DAY);
        assert_eq!(
            w.as_slice(),
            &[
                (0, 7 * HOUR),
                (22 * HOUR, 31 * HOUR),
                (46 * HOUR, 48 * HOUR)
            ]
        );
    }
}
