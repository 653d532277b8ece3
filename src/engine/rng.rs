//! Independent, reproducible random streams (DESIGN §2 "common random numbers").
//!
//! Every stream is a ChaCha8 generator whose 256-bit key is the *injective* packing of
//! `(scenario seed, device index, purpose, a, b)`: no hashing, no collisions, and no stream ever
//! depends on how many numbers another stream consumed. So the world a policy sees (network,
//! crashes, arrivals, handler outcomes) is the same whatever the policy decides.
//!
//! Streams that must answer "the k-th draw" regardless of history (a registration's k-th
//! dispatch) use [`StreamKey::block`], which jumps to a fixed window of the ChaCha keystream.

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What a stream is used for; part of the key so streams of one device never overlap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Purpose {
    Network = 1,
    Crashes = 2,
    Engagement = 3,
    Handler = 4,
    Arrivals = 5,
    Tasks = 6,
    Fetch = 7,
}

/// The identity of one random stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamKey {
    pub seed: u64,
    pub device: u64,
    pub purpose: Purpose,
    /// First purpose-specific index (e.g. the origin index).
    pub a: u32,
    /// Second purpose-specific index (e.g. which registration call within the origin).
    pub b: u64,
}

/// 32-bit words reserved for one block: enough for every draw of a single dispatch.
const BLOCK_WORDS: u128 = 16;

impl StreamKey {
    fn key_bytes(&self) -> [u8; 32] {
        let mut k = [0u8; 32];
        k[0..8].copy_from_slice(&self.seed.to_le_bytes());
        k[8..16].copy_from_slice(&self.device.to_le_bytes());
        k[16..20].copy_from_slice(&(self.purpose as u32).to_le_bytes());
        k[20..24].copy_from_slice(&self.a.to_le_bytes());
        k[24..32].copy_from_slice(&self.b.to_le_bytes());
        k
    }

    /// A sequential stream, for processes that draw one value after another (markov network,
    /// Poisson arrivals and crashes).
    pub fn stream(&self) -> Stream {
        Stream(ChaCha8Rng::from_seed(self.key_bytes()))
    }

    /// The `index`-th fixed-size block of this stream: the same numbers whatever was drawn from
    /// other blocks. Used for "the k-th dispatch's outcome".
    pub fn block(&self, index: u64) -> Stream {
        let mut rng = ChaCha8Rng::from_seed(self.key_bytes());
        rng.set_word_pos(index as u128 * BLOCK_WORDS);
        Stream(rng)
    }
}

/// A random stream with the few draws the model needs, each with a fixed consumption of words so
/// results are reproducible across platforms.
pub struct Stream(ChaCha8Rng);

impl Stream {
    /// Uniform in `[0, 1)` with 53 bits of precision (two words).
    pub fn unit(&mut self) -> f64 {
        self.0.random::<f64>()
    }

    /// Exponentially distributed milliseconds with the given mean, rounded to the nearest ms and
    /// at least 1 ms (SEMANTICS S6: periods are "rounded to ≥ 1 ms").
    pub fn exp_ms(&mut self, mean_ms: u64) -> u64 {
        let u = self.unit();
        let x = -(mean_ms as f64) * (1.0 - u).ln();
        (x.round() as u64).max(1)
    }

    /// Uniform integer in `[lo, hi]` (inclusive); Lemire's multiply-shift on one 64-bit draw, so it
    /// always consumes exactly two words.
    pub fn range_inclusive(&mut self, lo: u64, hi: u64) -> u64 {
        debug_assert!(lo <= hi);
        let span = (hi - lo) as u128 + 1;
        let x = self.0.next_u64() as u128;
        lo + ((x * span) >> 64) as u64
    }

    /// A standard normal variate (Box–Muller, two uniforms).
    pub fn std_normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit(); // (0, 1]
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(device: u64, purpose: Purpose) -> StreamKey {
        StreamKey {
            seed: 7,
            device,
            purpose,
            a: 0,
            b: 0,
        }
    }

    #[test]
    fn same_key_same_numbers() {
        let a: Vec<f64> = (0..4)
            .map(|_| 0)
            .scan(key(1, Purpose::Network).stream(), |s, _| Some(s.unit()))
            .collect();
        let b: Vec<f64> = (0..4)
            .map(|_| 0)
            .scan(key(1, Purpose::Network).stream(), |s, _| Some(s.unit()))
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn purposes_and_devices_are_independent_streams() {
        let x = key(1, Purpose::Network).stream().unit();
        assert_ne!(x, key(1, Purpose::Crashes).stream().unit());
        assert_ne!(x, key(2, Purpose::Network).stream().unit());
    }

    #[test]
    fn block_k_does_not_depend_on_other_blocks() {
        let k = key(3, Purpose::Handler);
        let direct = k.block(5).unit();
        // Drawing from block 4 first changes nothing for block 5.
        let mut b4 = k.block(4);
        b4.unit();
        b4.unit();
        assert_eq!(k.block(5).unit(), direct);
        assert_ne!(k.block(4).unit(), direct);
    }

    #[test]
    fn range_inclusive_stays_in_bounds() {
        let mut s = key(0, Purpose::Tasks).stream();
        for _ in 0..1000 {
            let v = s.range_inclusive(10, 12);
            assert!((10..=12).contains(&v));
        }
    }
}
