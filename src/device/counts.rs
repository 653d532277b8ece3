//! Counters that merge exactly: named per-kind, per-cause and per-reason counts, and the
//! [`Absorb`] sum every aggregate of a run is made of.
//!
//! Counters are declared once: [`counters!`](crate::device::counts::counters) writes a struct
//! and its field-by-field `Absorb`, so a new counter is one line, not an edit in every place an
//! aggregate is created, added to or merged.

use std::collections::BTreeMap;
use std::ops::{Index, IndexMut};

use crate::model::policy::{RejectReason, WakeCause};
use crate::model::registration::SyncKind;

/// Adds another aggregate of the same shape into this one. Every implementation is an integer
/// sum, a maximum or an in-order concatenation, so the order in which chunks are absorbed in
/// device order never changes a result.
pub trait Absorb {
    fn absorb(&mut self, other: &Self);
}

impl Absorb for u64 {
    fn absorb(&mut self, other: &Self) {
        *self += other;
    }
}

impl<T: Absorb, const N: usize> Absorb for [T; N] {
    fn absorb(&mut self, other: &Self) {
        for (a, b) in self.iter_mut().zip(other) {
            a.absorb(b);
        }
    }
}

/// Element by element: both sides have the same length (days of one scenario).
impl<T: Absorb> Absorb for Vec<T> {
    fn absorb(&mut self, other: &Self) {
        debug_assert_eq!(self.len(), other.len());
        for (a, b) in self.iter_mut().zip(other) {
            a.absorb(b);
        }
    }
}

impl<K: Ord + Clone, V: Absorb + Default> Absorb for BTreeMap<K, V> {
    fn absorb(&mut self, other: &Self) {
        for (k, v) in other {
            self.entry(k.clone()).or_default().absorb(v);
        }
    }
}

/// The largest value seen (a runaway guard, not a sum).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Max(pub u64);

impl Absorb for Max {
    fn absorb(&mut self, other: &Self) {
        self.0 = self.0.max(other.0);
    }
}

/// Declares a struct of counters and its field-by-field [`Absorb`].
macro_rules! counters {
    ($(#[$meta:meta])* pub struct $name:ident { $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty, )* }) => {
        $(#[$meta])*
        pub struct $name { $( $(#[$fmeta])* pub $field: $ty, )* }

        impl $crate::device::counts::Absorb for $name {
            fn absorb(&mut self, other: &Self) {
                $( $crate::device::counts::Absorb::absorb(&mut self.$field, &other.$field); )*
            }
        }
    };
}
pub(crate) use counters;

/// One value per sync kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ByKind<T> {
    pub one_shot: T,
    pub periodic: T,
}

impl<T> Index<SyncKind> for ByKind<T> {
    type Output = T;
    fn index(&self, kind: SyncKind) -> &T {
        match kind {
            SyncKind::OneShot => &self.one_shot,
            SyncKind::Periodic => &self.periodic,
        }
    }
}

impl<T> IndexMut<SyncKind> for ByKind<T> {
    fn index_mut(&mut self, kind: SyncKind) -> &mut T {
        match kind {
            SyncKind::OneShot => &mut self.one_shot,
            SyncKind::Periodic => &mut self.periodic,
        }
    }
}

impl<T: Absorb> Absorb for ByKind<T> {
    fn absorb(&mut self, other: &Self) {
        self.one_shot.absorb(&other.one_shot);
        self.periodic.absorb(&other.periodic);
    }
}

impl ByKind<u64> {
    pub fn total(&self) -> u64 {
        self.one_shot + self.periodic
    }
}

/// Wake-ups by cause.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct WakeCounts([u64; WakeCause::ALL.len()]);

impl WakeCounts {
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }
}

impl Index<WakeCause> for WakeCounts {
    type Output = u64;
    fn index(&self, cause: WakeCause) -> &u64 {
        &self.0[cause as usize]
    }
}

impl IndexMut<WakeCause> for WakeCounts {
    fn index_mut(&mut self, cause: WakeCause) -> &mut u64 {
        &mut self.0[cause as usize]
    }
}

impl Absorb for WakeCounts {
    fn absorb(&mut self, other: &Self) {
        self.0.absorb(&other.0);
    }
}

/// Rejected register calls by reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct ByReason([u64; RejectReason::ALL.len()]);

impl ByReason {
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }
}

impl Index<RejectReason> for ByReason {
    type Output = u64;
    fn index(&self, reason: RejectReason) -> &u64 {
        &self.0[reason as usize]
    }
}

impl IndexMut<RejectReason> for ByReason {
    fn index_mut(&mut self, reason: RejectReason) -> &mut u64 {
        &mut self.0[reason as usize]
    }
}

impl Absorb for ByReason {
    fn absorb(&mut self, other: &Self) {
        self.0.absorb(&other.0);
    }
}

/// Rejected register calls by kind and reason.
pub type Rejections = ByKind<ByReason>;

#[cfg(test)]
mod tests {
    use super::*;

    counters! {
        #[derive(Default, Debug, PartialEq)]
        pub struct Example {
            pub n: u64,
            pub peak: Max,
            pub by_kind: ByKind<u64>,
            pub map: BTreeMap<u8, u64>,
        }
    }

    #[test]
    fn declared_counters_absorb_field_by_field() {
        // Sums add, the maximum keeps the larger, maps add key by key.
        let mut a = Example {
            n: 2,
            peak: Max(7),
            by_kind: ByKind {
                one_shot: 1,
                periodic: 0,
            },
            map: BTreeMap::from([(1, 1)]),
        };
        let b = Example {
            n: 3,
            peak: Max(5),
            by_kind: ByKind {
                one_shot: 1,
                periodic: 4,
            },
            map: BTreeMap::from([(1, 2), (2, 1)]),
        };
        a.absorb(&b);
        assert_eq!(a.n, 5);
        assert_eq!(a.peak, Max(7));
        assert_eq!(a.by_kind[SyncKind::OneShot], 2);
        assert_eq!(a.by_kind[SyncKind::Periodic], 4);
        assert_eq!(a.map, BTreeMap::from([(1, 3), (2, 1)]));
    }
}
