//! The registrations named since an index last took its changes in (`touch_reg`), each once:
//! what the pending index (`pending.rs`) and the per-origin delays (`origin_delays.rs`) re-read.

#[derive(Debug, Default)]
pub(super) struct Touched {
    ids: Vec<u32>,
    /// By registration id: whether it is in `ids`.
    listed: Vec<bool>,
}

impl Touched {
    pub(super) fn add(&mut self, id: u32) {
        let i = id as usize;
        if i >= self.listed.len() {
            self.listed.resize(i + 1, false);
        }
        if !std::mem::replace(&mut self.listed[i], true) {
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
