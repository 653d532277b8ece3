//! The durable key-value store a policy persists its registrations in (DESIGN §4.3, issue #4).
//!
//! Keys follow the style of Chromium's service-worker user data (seeds/
//! chromium-background-fetch-storage-README.md): a prefix, the owner's id zero-padded to 10
//! digits so keys sort, then the identity — `bgsync_registration_0000000003_one_shot_outbox`.
//! The typed [`RegKey`] orders exactly like that string. A write commits `latency` ms after it
//! is made; a crash drops every write not yet committed. After a restart the policy rebuilds its
//! state from [`DurableStore::committed`] only.

use std::collections::BTreeMap;
use std::fmt;

use crate::engine::time::SimTime;
use crate::model::policy::PolicyRecord;
use crate::model::registration::{SyncKind, Tag};

/// The key of one persisted sync registration: (origin index, kind, tag).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RegKey {
    pub origin: u32,
    pub kind: SyncKind,
    pub tag: Tag,
}

impl fmt::Display for RegKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `tag` is developer-provided and may contain any character: like the seed's
        // <developer_id>, it comes last so it cannot make two keys ambiguous.
        write!(
            f,
            "bgsync_registration_{:010}_{}_{}",
            self.origin,
            self.kind.name(),
            self.tag
        )
    }
}

/// What is persisted about a registration: never whether it is firing, unless a policy chooses
/// to (Firefox's original bug).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoredRegistration {
    /// The registration object this record belongs to (simulation bookkeeping: it names the
    /// `registrations.csv` row, the way Chromium's `registration_id` would).
    pub object: u32,
    pub num_attempts: u32,
    pub max_attempts: u32,
    pub delay_until: SimTime,
    pub min_interval: u64,
    /// Firefox `persisted` only: written before dispatch.
    pub firing: bool,
    /// The policy's own fields (Firefox: doomed attempts, time of the last attempt).
    pub policy: PolicyRecord,
}

/// A simulated durable store with write latency, keyed by `K` (ordered like its key strings).
#[derive(Clone, Debug)]
pub struct DurableStore<K = RegKey, V = StoredRegistration> {
    committed: BTreeMap<K, V>,
    /// Writes in commit-time order (latency is constant, so append order is commit order).
    pending: Vec<(SimTime, K, Option<V>)>,
}

impl<K, V> Default for DurableStore<K, V> {
    fn default() -> Self {
        DurableStore {
            committed: BTreeMap::new(),
            pending: Vec::new(),
        }
    }
}

impl<K: Ord, V> DurableStore<K, V> {
    /// Puts (`Some`) or deletes (`None`) a key; it commits at `commit_at`. Writes whose commit
    /// time has passed are applied first, so the queue holds only writes still in flight.
    pub fn write(&mut self, key: K, value: Option<V>, commit_at: SimTime, now: SimTime) {
        self.settle(now);
        if commit_at <= now && self.pending.is_empty() {
            Self::apply(&mut self.committed, key, value);
        } else {
            self.pending.push((commit_at, key, value));
        }
    }

    fn apply(map: &mut BTreeMap<K, V>, key: K, value: Option<V>) {
        match value {
            Some(v) => {
                map.insert(key, v);
            }
            None => {
                map.remove(&key);
            }
        }
    }

    /// Commits every write whose commit time is ≤ `now`.
    pub fn settle(&mut self, now: SimTime) {
        if self.pending.is_empty() {
            return; // the usual case: writes commit at once (no write latency)
        }
        let n = self.pending.partition_point(|(t, _, _)| *t <= now);
        for (_, key, value) in self.pending.drain(..n) {
            Self::apply(&mut self.committed, key, value);
        }
    }

    /// A crash at `now`: writes committed by then survive, the rest are lost. Returns how many
    /// were lost.
    pub fn crash(&mut self, now: SimTime) -> usize {
        self.settle(now);
        let lost = self.pending.len();
        self.pending.clear();
        lost
    }

    /// The committed records, in key order.
    pub fn committed(&self) -> impl Iterator<Item = (&K, &V)> {
        self.committed.iter()
    }

    /// The committed value of one key.
    pub fn get(&self, key: &K) -> Option<&V> {
        self.committed.get(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(origin: u32, tag: &str) -> RegKey {
        RegKey {
            origin,
            kind: SyncKind::OneShot,
            tag: Tag::from(tag),
        }
    }

    fn rec(object: u32) -> StoredRegistration {
        StoredRegistration {
            object,
            num_attempts: 0,
            max_attempts: 3,
            delay_until: SimTime::from_ms(0),
            min_interval: 0,
            firing: false,
            policy: PolicyRecord::default(),
        }
    }

    #[test]
    fn keys_are_zero_padded_and_sort_like_their_strings() {
        assert_eq!(
            key(3, "outbox").to_string(),
            "bgsync_registration_0000000003_one_shot_outbox"
        );
        let mut typed = [key(10, "a"), key(2, "b"), key(2, "a")];
        typed.sort();
        let strings: Vec<String> = typed.iter().map(|k| k.to_string()).collect();
        let mut sorted = strings.clone();
        sorted.sort();
        assert_eq!(strings, sorted);
    }

    #[test]
    fn a_crash_loses_exactly_the_uncommitted_writes() {
        let mut s = DurableStore::default();
        // Written at 0 and 10 with latency 100: commits at 100 and 110. A crash at 105 keeps
        // the first, loses the second.
        s.write(
            key(0, "a"),
            Some(rec(0)),
            SimTime::from_ms(100),
            SimTime::from_ms(0),
        );
        s.write(
            key(0, "b"),
            Some(rec(1)),
            SimTime::from_ms(110),
            SimTime::from_ms(10),
        );
        assert_eq!(s.crash(SimTime::from_ms(105)), 1);
        let keys: Vec<String> = s.committed().map(|(k, _)| k.to_string()).collect();
        assert_eq!(keys, vec!["bgsync_registration_0000000000_one_shot_a"]);
    }

    #[test]
    fn zero_latency_commits_at_once() {
        let mut s = DurableStore::default();
        s.write(
            key(0, "a"),
            Some(rec(0)),
            SimTime::from_ms(5),
            SimTime::from_ms(5),
        );
        assert_eq!(s.crash(SimTime::from_ms(5)), 0);
        assert_eq!(s.committed().count(), 1);
        s.write(key(0, "a"), None, SimTime::from_ms(6), SimTime::from_ms(6));
        assert_eq!(s.committed().count(), 0);
    }
}
