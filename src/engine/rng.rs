//! Independent, reproducible random streams (DESIGN §2 "common random numbers").
//!
//! Every stream is a ChaCha8 generator whose 256-bit key is the *injective* packing of
//! `(scenario seed, device index, StreamId)`: no hashing, no collisions, and no stream ever
//! depends on how many numbers another stream consumed. So the world a policy sees (network,
//! crashes, arrivals, handler outcomes) is the same whatever the policy decides.
//!
//! Streams that must answer "the k-th draw" regardless of history (a registration's k-th
//! dispatch) use [`StreamKey::block`], which jumps to a fixed window of the ChaCha keystream.
//! [`StreamKey::cached_block`] gives the same numbers from a [`BlockCache`]: ChaCha computes
//! four blocks at a time, and a registration's dispatches ask for blocks 0, 1, 2, ... in turn.

pub use rand::RngCore;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::time::SimDuration;

/// What a stream is used for, with the indexes that tell its instances apart. Each variant maps
/// to its own purpose number in the key, so no two uses can share a stream (before, a fetch's id
/// stream and another fetch's failure stream were packed into the same key).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum StreamId {
    /// The markov or diurnal network's flaky process.
    Network,
    /// The Poisson crash process.
    Crashes,
    /// An origin's Poisson visit process.
    Visits { origin: u32 },
    /// The outcomes of one registration call's dispatches (`call` = the registration's stream
    /// index: `entry << 32 | arrival number`).
    Handler { origin: u32, call: u64 },
    /// An origin's Poisson arrivals for one registration entry.
    Arrivals { origin: u32, entry: u32 },
    /// The OS latency of wake-up tasks.
    Tasks,
    /// A Background Fetch's GUID.
    FetchId { origin: u32, fetch: u32 },
    /// A Background Fetch's request failures (k-th attempt, k-th block).
    FetchFailures { origin: u32, fetch: u32 },
    /// A Background Fetch's completion event handler.
    FetchHandler { origin: u32, fetch: u32 },
    /// Whether (and when) a crash cuts the k-th dispatch of a registration call short.
    EventCrash { origin: u32, call: u64 },
    /// Whether the phone is left still in each screen-off period (Doze).
    Stationary,
}

impl StreamId {
    /// `(purpose number, a, b)`: injective, since every variant has its own purpose number and
    /// its indexes fit their fields.
    fn fields(self) -> (u32, u32, u64) {
        match self {
            StreamId::Network => (1, 0, 0),
            StreamId::Crashes => (2, 0, 0),
            StreamId::Visits { origin } => (3, origin, 0),
            StreamId::Handler { origin, call } => (4, origin, call),
            StreamId::Arrivals { origin, entry } => (5, origin, entry as u64),
            StreamId::Tasks => (6, 0, 0),
            StreamId::FetchId { origin, fetch } => (7, origin, fetch as u64),
            StreamId::FetchFailures { origin, fetch } => (8, origin, fetch as u64),
            StreamId::FetchHandler { origin, fetch } => (9, origin, fetch as u64),
            StreamId::EventCrash { origin, call } => (10, origin, call),
            StreamId::Stationary => (11, 0, 0),
        }
    }
}

/// The identity of one random stream: the scenario seed, the device and the use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamKey {
    seed: u64,
    device: u64,
    id: StreamId,
}

/// 32-bit words reserved for one block: enough for every draw of a single dispatch.
const BLOCK_WORDS: u128 = 16;

/// Blocks a [`BlockCache`] holds: what one ChaCha refill computes (rand_chacha's wide refill).
const CACHED_BLOCKS: u64 = 4;
const CACHED_BYTES: usize = CACHED_BLOCKS as usize * BLOCK_WORDS as usize * 4;

/// Four consecutive blocks of one stream's keystream, starting at a multiple of four, kept
/// between the dispatches of one registration so that three in four need no ChaCha refill.
#[derive(Debug, Default)]
pub struct BlockCache {
    /// The stream and first block `bytes` hold (`None` until first filled).
    held: Option<(StreamKey, u64)>,
    bytes: Option<Box<[u8; CACHED_BYTES]>>,
}

impl StreamKey {
    pub fn new(seed: u64, device: u64, id: StreamId) -> StreamKey {
        StreamKey { seed, device, id }
    }

    pub fn id(&self) -> StreamId {
        self.id
    }

    /// The ChaCha key: `seed ‖ device ‖ purpose ‖ a ‖ b`, little-endian, 32 bytes.
    pub fn key_bytes(&self) -> [u8; 32] {
        let (purpose, a, b) = self.id.fields();
        let mut k = [0u8; 32];
        k[0..8].copy_from_slice(&self.seed.to_le_bytes());
        k[8..16].copy_from_slice(&self.device.to_le_bytes());
        k[16..20].copy_from_slice(&purpose.to_le_bytes());
        k[20..24].copy_from_slice(&a.to_le_bytes());
        k[24..32].copy_from_slice(&b.to_le_bytes());
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

    /// [`StreamKey::block`]'s numbers, read from `cache`, which is refilled when it does not
    /// hold block `index` of this stream.
    pub fn cached_block<'c>(&self, index: u64, cache: &'c mut BlockCache) -> Stream<Window<'c>> {
        let first = index - index % CACHED_BLOCKS;
        if cache.held != Some((*self, first)) {
            let mut rng = ChaCha8Rng::from_seed(self.key_bytes());
            rng.set_word_pos(first as u128 * BLOCK_WORDS);
            let bytes = cache
                .bytes
                .get_or_insert_with(|| Box::new([0; CACHED_BYTES]));
            rng.fill_bytes(&mut bytes[..]);
            cache.held = Some((*self, first));
        }
        let bytes: &[u8; CACHED_BYTES] = cache.bytes.as_deref().expect("filled above");
        Stream(Window {
            key: *self,
            bytes,
            word: ((index - first) as u128 * BLOCK_WORDS) as usize,
            first_word: first as u128 * BLOCK_WORDS,
            rest: None,
        })
    }
}

/// The keystream from a [`BlockCache`], word by word exactly as `ChaCha8Rng` hands it out
/// (`next_u64` is the low word then the high word). Reading past the cached blocks (no
/// dispatch draws that much) continues from a generator positioned there.
pub struct Window<'c> {
    key: StreamKey,
    bytes: &'c [u8; CACHED_BYTES],
    /// The next word to read, counted from the cache's first word.
    word: usize,
    /// The stream position of the cache's first word.
    first_word: u128,
    rest: Option<Box<ChaCha8Rng>>,
}

impl RngCore for Window<'_> {
    fn next_u32(&mut self) -> u32 {
        if let Some(rng) = self.rest.as_mut() {
            return rng.next_u32();
        }
        match self.bytes.get(self.word * 4..self.word * 4 + 4) {
            Some(b) => {
                self.word += 1;
                u32::from_le_bytes(b.try_into().expect("four bytes"))
            }
            None => {
                let mut rng = ChaCha8Rng::from_seed(self.key.key_bytes());
                rng.set_word_pos(self.first_word + self.word as u128);
                self.rest.insert(Box::new(rng)).next_u32()
            }
        }
    }

    fn next_u64(&mut self) -> u64 {
        // The low word, then the high word: two words read at once when both are cached.
        if self.rest.is_none()
            && let Some(b) = self.bytes.get(self.word * 4..self.word * 4 + 8)
        {
            self.word += 2;
            return u64::from_le_bytes(b.try_into().expect("eight bytes"));
        }
        let low = self.next_u32() as u64;
        let high = self.next_u32() as u64;
        (high << 32) | low
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        rand::rand_core::impls::fill_bytes_via_next(self, dst)
    }
}

/// `x.round() as u64` (half away from zero, saturating, NaN → 0) for every `x`, without a call:
/// `f64::round` is a call into the platform's C library on x86-64 (no instruction rounds half
/// away from zero), one per handler duration and per exponential gap. The integer part and the
/// fraction `x − ⌊x⌋` are exact, so the result is the same bit for bit (`round_to_u64_is_round`).
/// The draws are below 2^63, where the signed conversions are one instruction each (x86-64 has
/// no unsigned ones without AVX-512: `as u64` is a compare-and-branch sequence, which made this
/// slower than the call).
#[inline]
pub fn round_to_u64(x: f64) -> u64 {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if (0.0..TWO_63).contains(&x) {
        let i = x as i64;
        (i as u64) + u64::from(x - i as f64 >= 0.5)
    } else {
        // Negative (→ 0), NaN (→ 0), or at least 2^63: already an integer, saturating.
        x as u64
    }
}

/// A random stream with the few draws the model needs, each with a fixed consumption of words so
/// results are reproducible across platforms.
pub struct Stream<R = ChaCha8Rng>(R);

impl<R: RngCore> Stream<R> {
    /// Uniform in `[0, 1)` with 53 bits of precision (two words).
    pub fn unit(&mut self) -> f64 {
        self.0.random::<f64>()
    }

    /// An exponentially distributed gap with the given mean (ms), rounded to the nearest ms and
    /// at least 1 ms (SEMANTICS S6: periods are "rounded to ≥ 1 ms").
    pub fn exp_gap(&mut self, mean_ms: u64) -> SimDuration {
        let u = self.unit();
        let x = -(mean_ms as f64) * libm::log(1.0 - u);
        SimDuration::from_ms(round_to_u64(x).max(1))
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
        // libm (a pure-Rust port of musl) instead of the platform's math library: glibc, musl,
        // macOS and aarch64 then draw the same values. sqrt is exact (IEEE 754) everywhere.
        (-2.0 * libm::log(u1)).sqrt() * libm::cos(std::f64::consts::TAU * u2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_to_u64_is_round() {
        // Halves round away from zero (2.5 → 3, not 2); the largest double below 0.5 rounds to
        // 0 (adding 0.5 first would give 1); negatives and NaN saturate to 0, huge values and
        // infinity to u64::MAX; integers above 2^53 stay as they are, on both sides of 2^63
        // (where the fast path's signed conversion ends).
        let below_half = 0.5 - f64::EPSILON / 4.0;
        let specials = [
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            below_half,
            1.0 - f64::EPSILON / 2.0,
            -0.4,
            -0.5,
            -3.7,
            4_503_599_627_370_495.5,
            9_007_199_254_740_993.0,
            9_223_372_036_854_774_784.0,
            9_223_372_036_854_775_808.0,
            1.8e19,
            2.0e19,
            f64::MAX,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
        ];
        assert_eq!(round_to_u64(2.5), 3);
        assert_eq!(round_to_u64(below_half), 0);
        assert_eq!(round_to_u64(f64::INFINITY), u64::MAX);
        for x in specials {
            assert_eq!(round_to_u64(x), x.round() as u64, "{x:e}");
        }
        // Every draw shape the model makes: exponential gaps over many means.
        let mut s = key(0, StreamId::Tasks).stream();
        for i in 0..100_000u64 {
            let x = -((1 + i % 5_000) as f64 * 997.0) * libm::log(1.0 - s.unit());
            assert_eq!(round_to_u64(x), x.round() as u64, "{x:e}");
            let y = x / 1024.0 + 0.5;
            assert_eq!(round_to_u64(y), y.round() as u64, "{y:e}");
        }
    }

    fn key(device: u64, id: StreamId) -> StreamKey {
        StreamKey::new(7, device, id)
    }

    #[test]
    fn same_key_same_numbers() {
        let a: Vec<f64> = (0..4)
            .map(|_| 0)
            .scan(key(1, StreamId::Network).stream(), |s, _| Some(s.unit()))
            .collect();
        let b: Vec<f64> = (0..4)
            .map(|_| 0)
            .scan(key(1, StreamId::Network).stream(), |s, _| Some(s.unit()))
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn purposes_and_devices_are_independent_streams() {
        let x = key(1, StreamId::Network).stream().unit();
        assert_ne!(x, key(1, StreamId::Crashes).stream().unit());
        assert_ne!(x, key(2, StreamId::Network).stream().unit());
    }

    #[test]
    fn block_k_does_not_depend_on_other_blocks() {
        let k = key(3, StreamId::Handler { origin: 0, call: 0 });
        let direct = k.block(5).unit();
        // Drawing from block 4 first changes nothing for block 5.
        let mut b4 = k.block(4);
        b4.unit();
        b4.unit();
        assert_eq!(k.block(5).unit(), direct);
        assert_ne!(k.block(4).unit(), direct);
    }

    #[test]
    fn cached_blocks_draw_what_blocks_draw() {
        // Blocks 5, 6, 3, 9 of one stream, then block 6 of another through the same cache: the
        // cache holds 4, 5, 6, 7 (refilled for 3 → 0..3, 9 → 8..11, the other stream's 6), and
        // every draw equals the uncached block's. Block 7's 40 words run 24 words past the
        // cache's end (64 words) into block 8's keystream, as ChaCha8Rng itself continues.
        let k = key(3, StreamId::Handler { origin: 0, call: 0 });
        let other = key(3, StreamId::Handler { origin: 1, call: 0 });
        let mut cache = BlockCache::default();
        for (key, index, words) in [
            (k, 5, 8),
            (k, 6, 8),
            (k, 3, 8),
            (k, 9, 8),
            (other, 6, 8),
            (k, 7, 40),
        ] {
            let mut cached = key.cached_block(index, &mut cache);
            let mut direct = key.block(index);
            for w in 0..words / 2 {
                assert_eq!(
                    cached.unit(),
                    direct.unit(),
                    "block {index}, word {}",
                    2 * w
                );
            }
        }
    }

    #[test]
    fn cached_window_reads_words_like_the_generator_at_any_alignment() {
        // One 32-bit word first, then 64-bit draws: every pair starts at an odd word. The cache
        // holds blocks 4–7 (64 words) and block 7 is its last 16, so the pair of block 7's
        // words 15 and 16 straddles the cache's end: read half from the cache and half from
        // the generator positioned after it, exactly as `ChaCha8Rng` hands them out.
        let k = key(3, StreamId::Handler { origin: 0, call: 0 });
        let mut cache = BlockCache::default();
        let mut cached = k.cached_block(7, &mut cache);
        let mut direct = k.block(7);
        assert_eq!(cached.0.next_u32(), direct.0.next_u32());
        for i in 0..30 {
            assert_eq!(cached.0.next_u64(), direct.0.next_u64(), "pair {i}");
        }
        assert_eq!(cached.0.next_u32(), direct.0.next_u32());
    }

    #[test]
    fn stream_ids_map_to_distinct_keys() {
        // The collision the typed ids fixed: fetch #1's id stream and fetch #0's failure stream
        // were both (purpose 7, a 0, b 1).
        let ids = [
            StreamId::Network,
            StreamId::Crashes,
            StreamId::Tasks,
            StreamId::Visits { origin: 1 },
            StreamId::Arrivals {
                origin: 0,
                entry: 1,
            },
            StreamId::Handler { origin: 0, call: 1 },
            StreamId::Handler { origin: 1, call: 0 },
            StreamId::EventCrash { origin: 0, call: 1 },
            StreamId::FetchId {
                origin: 0,
                fetch: 1,
            },
            StreamId::FetchFailures {
                origin: 0,
                fetch: 0,
            },
            StreamId::FetchFailures {
                origin: 0,
                fetch: 1,
            },
            StreamId::FetchHandler {
                origin: 0,
                fetch: 1,
            },
        ];
        let keys: std::collections::BTreeSet<[u8; 32]> =
            ids.iter().map(|&id| key(0, id).key_bytes()).collect();
        assert_eq!(keys.len(), ids.len());
    }

    #[test]
    fn range_inclusive_stays_in_bounds() {
        let mut s = key(0, StreamId::Tasks).stream();
        for _ in 0..1000 {
            let v = s.range_inclusive(10, 12);
            assert!((10..=12).contains(&v));
        }
    }
}
