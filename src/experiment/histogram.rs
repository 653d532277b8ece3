//! A mergeable log-linear histogram of non-negative integers (HDR-style).
//!
//! Values below 1024 are kept exactly; above, each power-of-two range is split into 512
//! buckets, so a bucket is at most 0.2 % wide. Buckets are stored sparsely, so memory depends on
//! how spread the values are, never on how many there are: a million-device fleet costs the same
//! as a small one. Quantiles are nearest-rank and report the bucket's upper edge (clamped to the
//! exact maximum), so they never underestimate; the mean and the maximum are exact.

use std::collections::BTreeMap;

const EXACT: u64 = 1024;
const SUB_BITS: u32 = 9;
const SUBS: u64 = 1 << SUB_BITS;

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Histogram {
    buckets: BTreeMap<u32, u64>,
    count: u64,
    sum: u128,
    max: u64,
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

impl Histogram {
    pub fn add(&mut self, value: u64) {
        *self.buckets.entry(index(value)).or_default() += 1;
        self.count += 1;
        self.sum += value as u128;
        self.max = self.max.max(value);
    }

    /// Adds every observation of `other` (results do not depend on merge order).
    pub fn merge(&mut self, other: &Histogram) {
        for (idx, c) in &other.buckets {
            *self.buckets.entry(*idx).or_default() += c;
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
        for (idx, c) in &self.buckets {
            seen += c;
            if seen >= rank {
                return Some(bounds(*idx).1.min(self.max));
            }
        }
        self.max()
    }

    /// Non-empty buckets in value order: (lowest value, highest value, count).
    pub fn buckets(&self) -> impl Iterator<Item = (u64, u64, u64)> + '_ {
        self.buckets.iter().map(|(idx, c)| {
            let (lo, hi) = bounds(*idx);
            (lo, hi.min(self.max), *c)
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
}
