//! A mergeable log-linear histogram of non-negative integers (HDR-style).
//!
//! Values below 1024 are kept exactly; above, each power-of-two range is split into 512
//! buckets, so a bucket is at most 0.2 % wide. Memory depends on how spread the values are, never
//! on how many there are: a million-device fleet costs the same as a small one (the exact range
//! is a dense array of at most 1,024 counters; above it, an ordered map while few buckets are
//! used and then a page of 512 counters per power of two that holds a value). Quantiles are nearest-rank and report the bucket's upper edge (clamped to
//! the exact maximum), so they never underestimate; the mean and the maximum are exact.

use std::collections::BTreeMap;

const EXACT: u64 = 1024;
const SUB_BITS: u32 = 9;
const SUBS: u64 = 1 << SUB_BITS;
/// The most large buckets kept in the ordered map before they move to pages (a page is 4 KiB, so
/// a histogram with a handful of values — one per origin of a device — stays small).
const SPARSE_MAX: usize = 64;

type Page = [u64; SUBS as usize];

impl PartialEq for Histogram {
    /// Equal observations, whichever form the large buckets are in.
    fn eq(&self, other: &Histogram) -> bool {
        self.count == other.count
            && self.sum == other.sum
            && self.max == other.max
            && self.bucket_counts().eq(other.bucket_counts())
    }
}

impl Eq for Histogram {}

/// Exact buckets `0..1024` live in a dense array (almost every value a fleet adds — wake-ups and
/// events per device-day — is small); the log-linear buckets above in an ordered map while at
/// most [`SPARSE_MAX`] are used (a device's own histograms), then in one dense page per power of
/// two (the fleet's: searching the map cost 3 % of a fleet's run). The serialized form
/// (`partial.json`) is the sparse one.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(from = "Sparse", into = "Sparse")]
pub struct Histogram {
    /// Counts of the values `0..small.len()`; its last entry is never 0.
    small: Vec<u64>,
    /// Buckets from 1,024 up while at most [`SPARSE_MAX`] are used; then empty.
    sparse: BTreeMap<u32, u64>,
    /// `pages[e − 10]`: the 512 buckets of `[2^e, 2^(e+1))`, present once one holds a value.
    pages: Vec<Option<Box<Page>>>,
    count: u64,
    sum: u128,
    max: u64,
}

/// The serialized form: every non-empty bucket in one map.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
struct Sparse {
    buckets: BTreeMap<u32, u64>,
    count: u64,
    sum: u128,
    max: u64,
}

impl From<Sparse> for Histogram {
    fn from(s: Sparse) -> Histogram {
        let mut h = Histogram {
            count: s.count,
            sum: s.sum,
            max: s.max,
            ..Histogram::default()
        };
        for (idx, c) in s.buckets {
            h.add_to_bucket(idx, c);
        }
        h
    }
}

impl From<Histogram> for Sparse {
    fn from(h: Histogram) -> Sparse {
        Sparse {
            buckets: h.bucket_counts().collect(),
            count: h.count,
            sum: h.sum,
            max: h.max,
        }
    }
}

fn index(v: u64) -> u32 {
    if v < EXACT {
        return v as u32;
    }
    let e = 63 - v.leading_zeros(); // ≥ 10
    let sub = (v >> (e - SUB_BITS)) - SUBS; // 0..512
    (EXACT + (e as u64 - 10) * SUBS + sub) as u32
}

/// The inclusive value range of bucket `idx`.
fn bounds(idx: u32) -> (u64, u64) {
    let idx = idx as u64;
    if idx < EXACT {
        return (idx, idx);
    }
    let k = idx - EXACT;
    let e = 10 + k / SUBS;
    let sub = k % SUBS + SUBS;
    let width = 1u64 << (e - SUB_BITS as u64);
    let lower = sub * width;
    (lower, lower + width - 1)
}

/// The page of a log-linear bucket index (≥ [`EXACT`]) and its place in the page.
fn page_of(idx: u32) -> (usize, usize) {
    let k = idx as usize - EXACT as usize;
    (k / SUBS as usize, k % SUBS as usize)
}

impl Histogram {
    fn add_to_bucket(&mut self, idx: u32, n: u64) {
        if n == 0 {
            return;
        }
        let i = idx as usize;
        if (idx as u64) < EXACT {
            if i >= self.small.len() {
                self.small.resize(i + 1, 0);
            }
            self.small[i] += n;
        } else if self.pages.is_empty() {
            *self.sparse.entry(idx).or_default() += n;
            if self.sparse.len() > SPARSE_MAX {
                for (idx, c) in std::mem::take(&mut self.sparse) {
                    self.add_to_page(idx, c);
                }
            }
        } else {
            self.add_to_page(idx, n);
        }
    }

    /// The counter of a value of the log-linear range (≥ [`EXACT`]) in an existing page.
    #[inline]
    fn page_counter(&mut self, value: u64) -> Option<&mut u64> {
        if value < EXACT {
            return None;
        }
        let (page, sub) = page_of(index(value));
        Some(&mut self.pages.get_mut(page)?.as_mut()?[sub])
    }

    fn add_to_page(&mut self, idx: u32, n: u64) {
        let (page, sub) = page_of(idx);
        if page >= self.pages.len() {
            self.pages.resize_with(page + 1, || None);
        }
        self.pages[page].get_or_insert_with(|| Box::new([0; SUBS as usize]))[sub] += n;
    }

    /// Non-empty buckets in index order: (bucket index, count).
    fn bucket_counts(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        let small = self
            .small
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(i, c)| (i as u32, *c));
        let sparse = self.sparse.iter().map(|(i, c)| (*i, *c));
        let pages = self.pages.iter().enumerate().flat_map(|(page, counts)| {
            let first = EXACT as usize + page * SUBS as usize;
            counts
                .iter()
                .flat_map(|c| c.iter().enumerate())
                .filter(|(_, c)| **c > 0)
                .map(move |(sub, c)| ((first + sub) as u32, *c))
        });
        // At most one of the two holds anything.
        small.chain(sparse).chain(pages)
    }

    /// One observation. A value whose exact counter exists (almost every one a fleet adds) is
    /// counted inline; the rest go through `add_to_bucket`.
    #[inline]
    pub fn add(&mut self, value: u64) {
        if let Some(c) = self.small.get_mut(value as usize) {
            *c += 1;
        } else if let Some(c) = self.page_counter(value) {
            *c += 1; // a fleet's histograms: the value's page is there
        } else {
            self.add_to_bucket(index(value), 1);
        }
        self.count += 1;
        self.sum += value as u128;
        self.max = self.max.max(value);
    }

    /// Adds every observation of `other` (results do not depend on merge order).
    pub fn merge(&mut self, other: &Histogram) {
        if self.small.len() < other.small.len() {
            self.small.resize(other.small.len(), 0);
        }
        for (a, b) in self.small.iter_mut().zip(&other.small) {
            *a += b;
        }
        for (idx, c) in &other.sparse {
            self.add_to_bucket(*idx, *c);
        }
        if !other.pages.is_empty() && self.pages.is_empty() {
            for (idx, c) in std::mem::take(&mut self.sparse) {
                self.add_to_page(idx, c);
            }
        }
        if self.pages.len() < other.pages.len() {
            self.pages.resize_with(other.pages.len(), || None);
        }
        for (a, b) in self.pages.iter_mut().zip(&other.pages) {
            if let Some(b) = b {
                let a = a.get_or_insert_with(|| Box::new([0; SUBS as usize]));
                for (x, y) in a.iter_mut().zip(b.iter()) {
                    *x += y;
                }
            }
        }
        self.count += other.count;
        self.sum += other.sum;
        self.max = self.max.max(other.max);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn max(&self) -> Option<u64> {
        (self.count > 0).then_some(self.max)
    }

    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum as f64 / self.count as f64)
    }

    /// Nearest-rank quantile: the (upper edge of the) bucket holding the `ceil(p·n)`-th value.
    pub fn quantile(&self, p: f64) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((p * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0;
        for (idx, c) in self.bucket_counts() {
            seen += c;
            if seen >= rank {
                return Some(bounds(idx).1.min(self.max));
            }
        }
        self.max()
    }

    /// Non-empty buckets in value order: (lowest value, highest value, count).
    pub fn buckets(&self) -> impl Iterator<Item = (u64, u64, u64)> + '_ {
        self.bucket_counts().map(|(idx, c)| {
            let (lo, hi) = bounds(idx);
            (lo, hi.min(self.max), c)
        })
    }
}

impl crate::device::counts::Absorb for Histogram {
    fn absorb(&mut self, other: &Self) {
        self.merge(other);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_serialized_form_is_one_sparse_map_and_round_trips() {
        // 3 (twice) lands in the dense part, 5000 (2^12 ≤ 5000 < 2^13) in the log-linear part:
        // bucket 1024 + (12 − 10) · 512 + ((5000 >> 3) − 512 = 113) = 2161. partial.json keeps
        // its earlier shape.
        let mut h = Histogram::default();
        for v in [3, 3, 5000] {
            h.add(v);
        }
        let json = serde_json::to_value(&h).unwrap();
        assert_eq!(
            json,
            serde_json::json!({ "buckets": { "3": 2, "2161": 1 }, "count": 3, "sum": 5006, "max": 5000 })
        );
        let back: Histogram = serde_json::from_value(json).unwrap();
        assert_eq!(back, h);
        // Merging is adding: the same as adding every value to one histogram.
        let mut a = Histogram::default();
        a.add(700);
        a.merge(&h);
        let mut b = Histogram::default();
        for v in [3, 700, 3, 5000] {
            b.add(v);
        }
        assert_eq!(a, b);
    }

    #[test]
    fn small_values_are_exact() {
        let mut h = Histogram::default();
        for v in [5, 1, 3, 3, 1000] {
            h.add(v);
        }
        // Sorted: 1 3 3 5 1000. p50 → rank 3 → 3; p95 → rank 5 → 1000.
        assert_eq!(h.quantile(0.5), Some(3));
        assert_eq!(h.quantile(0.95), Some(1000));
        assert_eq!(h.mean(), Some(1012.0 / 5.0));
        assert_eq!(h.max(), Some(1000));
    }

    #[test]
    fn large_values_are_within_two_per_mille_and_never_underestimated() {
        for v in [1024u64, 43_200_000, 86_400_000 * 30, 123_456_789] {
            let mut h = Histogram::default();
            h.add(v);
            h.add(v + 10_000_000_000); // a larger max so clamping does not hide the bucket edge
            let q = h.quantile(0.5).unwrap();
            assert!(q >= v && (q - v) as f64 <= v as f64 / 512.0, "{v} → {q}");
        }
    }

    #[test]
    fn buckets_partition_the_values() {
        for v in [0u64, 1023, 1024, 1025, 2047, 2048, 1 << 40, u64::MAX / 2] {
            let (lo, hi) = bounds(index(v));
            assert!(lo <= v && v <= hi, "{v}: [{lo}, {hi}]");
        }
    }

    #[test]
    fn merge_equals_adding_everything() {
        let (mut a, mut b, mut all) = (
            Histogram::default(),
            Histogram::default(),
            Histogram::default(),
        );
        for v in 0..5000u64 {
            let x = v * 7919 % 100_000;
            if v % 2 == 0 {
                a.add(x)
            } else {
                b.add(x)
            }
            all.add(x);
        }
        a.merge(&b);
        assert_eq!(a, all);
    }

    #[test]
    fn pages_hold_the_same_buckets_as_the_map() {
        // 100 values 1024·k (k = 1..=100), each in its own bucket: past SPARSE_MAX (64) distinct
        // buckets the map moves to pages. The same values added as two halves of 50 (each
        // still a map) and merged must equal it, bucket for bucket.
        let mut all = Histogram::default();
        let (mut a, mut b) = (Histogram::default(), Histogram::default());
        for k in 1..=100u64 {
            all.add(1024 * k);
            if k <= 50 {
                a.add(1024 * k)
            } else {
                b.add(1024 * k)
            }
        }
        assert!(!all.pages.is_empty() && all.sparse.is_empty());
        assert!(a.pages.is_empty() && a.sparse.len() == 50);
        a.merge(&b);
        assert_eq!(a, all);
        assert_eq!(a.buckets().count(), 100);
        // p50 → rank 50 → 51,200 = 800 · 64 in [2^15, 2^16), where buckets are 2^6 = 64 wide:
        // the bucket [51,200, 51,263], reported by its upper edge.
        assert_eq!(all.quantile(0.5), Some(51_263));
        // The serialized form does not depend on the form in memory.
        let mut sparse = Histogram::default();
        for k in 1..=100u64 {
            sparse.sparse.insert(index(1024 * k), 1);
        }
        (sparse.count, sparse.sum, sparse.max) = (all.count, all.sum, all.max);
        assert_eq!(
            serde_json::to_string(&all).unwrap(),
            serde_json::to_string(&sparse).unwrap()
        );
    }
}
