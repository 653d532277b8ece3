//! Background Fetch (DESIGN §8): a multi-request download that progresses while the device is
//! online and the browser runs, and survives crashes through per-request persisted state.
//!
//! Keys follow Chromium's Background Fetch storage schema
//! (seeds/chromium-background-fetch-storage-README.md): request indexes are zero-padded to 10
//! digits so keys sort in request order; unique ids are GUID-shaped.

use crate::engine::rng::Stream;
use crate::model::handler::HandlerSpec;

/// One `kind: "fetch"` registration of an origin.
#[derive(Clone, Debug)]
pub struct FetchSpec {
    /// The developer id (`BackgroundFetchManager.fetch(id, …)`), unique among active fetches.
    pub developer_id: String,
    pub at: u64,
    /// Request sizes in bytes, in request order.
    pub requests: Vec<u64>,
    /// Range requests: an interrupted download resumes instead of starting over.
    pub resume: bool,
    /// Probability that a finished request attempt fails (server error) and must be retried.
    pub request_failure_probability: f64,
    /// Handler of the `backgroundfetchsuccess` / `backgroundfetchfail` event.
    pub handler: HandlerSpec,
}

/// The state of one request, as persisted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum RequestState {
    Pending,
    Active,
    Completed,
}

impl RequestState {
    pub fn name(self) -> &'static str {
        match self {
            RequestState::Pending => "pending",
            RequestState::Active => "active",
            RequestState::Completed => "completed",
        }
    }
}

/// `bgfetch_<state>_request_<unique_id>_<index, 10 digits>`.
pub fn request_key(state: RequestState, unique_id: &str, index: usize) -> String {
    format!("bgfetch_{}_request_{unique_id}_{index:010}", state.name())
}

/// `bgfetch_active_registration_unique_id_<developer_id>`.
pub fn active_id_key(developer_id: &str) -> String {
    format!("bgfetch_active_registration_unique_id_{developer_id}")
}

/// The per-fetch metadata keys: registration, UI options, storage version.
pub fn metadata_keys(unique_id: &str) -> [String; 3] {
    [
        format!("bgfetch_registration_{unique_id}"),
        format!("bgfetch_ui_options_{unique_id}"),
        format!("bgfetch_storage_version_{unique_id}"),
    ]
}

/// A version-4-shaped GUID drawn from a random stream: deterministic per seed.
pub fn guid(s: &mut Stream) -> String {
    let hi = s.range_inclusive(0, u64::MAX);
    let lo = s.range_inclusive(0, u64::MAX);
    let hi = (hi & !0xF000) | 0x4000; // version 4
    let lo = (lo & !(0xC << 60)) | (0x8 << 60); // RFC 4122 variant
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xFFFF,
        hi & 0xFFFF,
        lo >> 48,
        lo & 0xFFFF_FFFF_FFFF
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::{StreamId, StreamKey};

    #[test]
    fn request_keys_sort_in_request_order_past_ten() {
        let uid = "17467386-60b4-4c5b-b66c-aabf793fd39b";
        let keys: Vec<String> = (0..25)
            .map(|i| request_key(RequestState::Pending, uid, i))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(
            keys, sorted,
            "zero padding keeps request 9 before request 10"
        );
        assert_eq!(
            keys[10],
            format!("bgfetch_pending_request_{uid}_0000000010")
        );
    }

    #[test]
    fn guids_are_v4_shaped_and_deterministic() {
        let key = StreamKey::new(
            1,
            0,
            StreamId::FetchId {
                origin: 0,
                fetch: 0,
            },
        );
        let a = guid(&mut key.stream());
        let b = guid(&mut key.stream());
        assert_eq!(a, b);
        assert_eq!(a.len(), 36);
        let parts: Vec<&str> = a.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            vec![8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'));
        assert!(matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'));
    }
}
