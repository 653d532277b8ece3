//! The documented limits of a scenario (README "Limits"). Each keeps memory and time bounded
//! whatever the input, and each is far beyond what a study needs; a scenario past one is an
//! input error naming the field, never an out-of-memory.

pub use crate::engine::time::{MAX_DAYS, MAX_HORIZON};

/// Devices in a fleet (all blocks, after `--devices`).
pub const MAX_DEVICES: u64 = 1_000_000_000;
/// Origins on one device (after origin `count` expansion).
pub const MAX_ORIGINS: u64 = 100_000;
/// Registration entries (`registrations[]` × origin `count`) on one device.
pub const MAX_REGISTRATION_ENTRIES: u64 = 1_000_000;
/// Expected arrivals of one Poisson arrival process over the horizon (duration / mean_interval).
pub const MAX_ARRIVALS: u64 = 1_000_000;
/// Requests in one Background Fetch.
pub const MAX_FETCH_REQUESTS: usize = 10_000;
/// Bytes of one Background Fetch request (1 TiB): byte totals stay far below `u64::MAX`.
pub const MAX_REQUEST_BYTES: u64 = 1 << 40;
/// Bytes read of a scenario file (64 MiB): `bgsim validate /dev/zero` must end.
pub const MAX_SCENARIO_BYTES: u64 = 64 << 20;
/// Devices one trace file may name (device numbers below it): its index keeps 8 bytes each.
pub const MAX_TRACE_DEVICES: u64 = 10_000_000;
/// Bytes in one line of a trace file: `bgsim validate` on a file with no line breaks must end.
pub const MAX_TRACE_LINE: usize = 4096;
/// Rows of one device in one trace file (they are in memory while the device runs).
pub const MAX_TRACE_ROWS_PER_DEVICE: u64 = 1_000_000;
