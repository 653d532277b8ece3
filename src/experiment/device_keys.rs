//! One device's results grouped by key before they are folded into the fleet's maps: a map
//! lookup per registration, attempt or origin made the reduction cost more than the handful of
//! distinct keys a device has (`aggregate.rs`).

use std::collections::BTreeMap;

/// Counts by key for the handful of distinct keys one device has (linear search: fewer than
/// a dozen, where a map's lookup costs more).
pub(super) struct SmallCounts<K>(pub(super) Vec<(K, u64)>);

impl<K> Default for SmallCounts<K> {
    fn default() -> Self {
        SmallCounts(Vec::new())
    }
}

impl<K: PartialEq> SmallCounts<K> {
    pub(super) fn add(&mut self, key: K) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => self.0.push((key, 1)),
        }
    }
}

/// Each origin's slot among the device's distinct origin blocks, and the blocks' names in slot
/// order. An entry's origins are consecutive and a device has a few entries, so the names are
/// searched from the last one found; past [`BLOCKS_SCANNED`] distinct blocks, through a map.
pub(super) fn origin_blocks<'a>(blocks: impl Iterator<Item = &'a str>) -> (Vec<u32>, Vec<&'a str>) {
    let mut names: Vec<&str> = Vec::new();
    let mut many: BTreeMap<&str, u32> = BTreeMap::new();
    let block_of = blocks
        .map(|block| {
            if names.len() <= BLOCKS_SCANNED {
                if let Some(slot) = names.iter().rposition(|n| *n == block) {
                    return slot as u32;
                }
                names.push(block);
                if names.len() > BLOCKS_SCANNED {
                    many = names.iter().zip(0..).map(|(n, i)| (*n, i)).collect();
                }
                return names.len() as u32 - 1;
            }
            *many.entry(block).or_insert_with(|| {
                names.push(block);
                names.len() as u32 - 1
            })
        })
        .collect();
    (block_of, names)
}

/// Distinct origin blocks [`origin_blocks`] searches one by one.
const BLOCKS_SCANNED: usize = 32;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_share_their_blocks_sums() {
        // Blocks a a b a c: slots 0 0 1 0 2, names in order of first appearance.
        let (slots, names) = origin_blocks(["a", "a", "b", "a", "c"].into_iter());
        assert_eq!(slots, [0, 0, 1, 0, 2]);
        assert_eq!(names, ["a", "b", "c"]);
        // 40 distinct blocks (past the 32 searched one by one), then the first and the 35th
        // again: slots 0..=39, then 0 and 34.
        let many: Vec<String> = (0..40).chain([0, 34]).map(|i| format!("b{i}")).collect();
        let (slots, names) = origin_blocks(many.iter().map(String::as_str));
        let expected: Vec<u32> = (0..40).chain([0, 34]).collect();
        assert_eq!(slots, expected);
        assert_eq!(names.len(), 40);
        assert_eq!((names[0], names[39]), ("b0", "b39"));
    }

    #[test]
    fn small_counts_count_each_key_in_order_of_first_sight() {
        // Keys b a b c b: b three times, a and c once, listed as first seen.
        let mut c = SmallCounts::default();
        for k in ["b", "a", "b", "c", "b"] {
            c.add(k);
        }
        assert_eq!(c.0, [("b", 3), ("a", 1), ("c", 1)]);
    }
}
