//! The simulated world and the scheduler under test (DESIGN §3, §4).
//!
//! Architecture invariant: the model never reads the wall clock, a file or the command line, and
//! draws randomness only from `engine::rng` streams keyed by what is being decided.

pub mod android;
pub mod backoff;
pub mod browser;
pub mod duration;
pub mod energy;
pub mod engagement;
pub mod fetch;
pub mod fleet;
pub mod handler;
pub mod network;
pub mod params;
pub mod periodic;
pub mod policy;
pub mod registration;
pub mod store;
pub mod timeline;
pub mod trace;
pub mod world;
