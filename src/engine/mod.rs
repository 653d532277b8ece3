//! The discrete-event core: virtual time, the event queue and random streams.
//!
//! Architecture invariant: nothing in here knows about browsers, sync or files. The engine is a
//! generic, deterministic substrate; the `model` layer gives events their meaning.

pub mod queue;
pub mod rng;
pub mod time;

pub use queue::{EventKey, EventQueue};
pub use rng::{Stream, StreamId, StreamKey};
pub use time::{SimDuration, SimTime};
