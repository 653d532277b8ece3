//! The registrations named since an index last took its changes in (`touch_reg`), each once:
//! what the pending index (`pending.rs`) and the per-origin delays (`origin_delays.rs`) re-read,
//! and the per-id vectors they keep beside it ([`slot`]).

#[derive(Debug, Default)]
pub(super) struct Touched {
    ids: Vec<u32>,
    /// By registration id: whether it is in `ids`.
    listed: Vec<bool>,
}

/// The slot of registration `id` in a per-id vector, grown (with defaults) to hold it.
pub(super) fn slot<T: Clone + Default>(by_id: &mut Vec<T>, id: u32) -> &mut T {
    let i = id as usize;
    if i >= by_id.len() {
        by_id.resize(i + 1, T::default());
    }
    &mut by_id[i]
}

impl Touched {
    pub(super) fn add(&mut self, id: u32) {
        if !std::mem::replace(slot(&mut self.listed, id), true) {
            self.ids.push(id);
        }
    }

    /// In the order they were first named.
    pub(super) fn ids(&self) -> &[u32] {
        &self.ids
    }

    pub(super) fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub(super) fn clear(&mut self) {
        for &id in &self.ids {
            self.listed[id as usize] = false;
        }
        self.ids.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_id_is_listed_once_until_cleared() {
        // 7, 2, 7 → [7, 2]; cleared, then 2 → [2].
        let mut t = Touched::default();
        for id in [7, 2, 7] {
            t.add(id);
        }
        assert_eq!(t.ids(), &[7, 2]);
        t.clear();
        assert!(t.is_empty());
        t.add(2);
        assert_eq!(t.ids(), &[2]);
    }
}
