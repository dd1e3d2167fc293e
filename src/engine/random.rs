//! Random streams derived from (seed, replication, process).
//!
//! Every random draw in modsim comes from a stream made here. Each process of the model
//! (uploads, reviews, the crawler, ...) has its own stream per replication, so:
//! - replication i is the same whichever thread runs it, and in whatever order;
//! - replication i of two variants sees the same arrivals for the same process (common
//!   random numbers), so policy differences are not drowned in noise.

use std::convert::Infallible;

/// A random stream: xoshiro256++ (Blackman and Vigna, 2019), a fast, small,
/// well-tested generator with a 2^256 period. It draws what rand_xoshiro's
/// `Xoshiro256PlusPlus` seeded by `seed_from_u64` draws (tests check); it is written
/// out because that one is seeded through a byte array, and the model restarts half
/// a dozen streams per step: reading the bytes back as words stalled on every seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stream {
    s: [u64; 4],
}

impl Stream {
    #[inline]
    fn next(&mut self) -> u64 {
        let [s0, s1, s2, s3] = &mut self.s;
        let result = s0.wrapping_add(*s3).rotate_left(23).wrapping_add(*s0);
        let t = *s1 << 17;
        *s2 ^= *s0;
        *s3 ^= *s1;
        *s1 ^= *s2;
        *s0 ^= *s3;
        *s2 ^= t;
        *s3 = s3.rotate_left(45);
        result
    }
}

impl rand::TryRng for Stream {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        // The upper bits: the lowest have linear dependencies.
        Ok((self.next() >> 32) as u32)
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.next())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.next().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

/// The stream of `process` in `replication` of a run seeded with `seed`.
pub fn stream(seed: u64, replication: u64, process: u64) -> Stream {
    // Chain SplitMix64 finalisers so that nearby inputs give unrelated seeds; the
    // generator then expands the 64-bit key into its 256-bit state.
    seeded(key(seed, replication, process))
}

fn key(seed: u64, replication: u64, process: u64) -> u64 {
    mix(mix(mix(seed) ^ replication) ^ process.wrapping_mul(0xA24B_AED4_963E_E407))
}

/// Stream `index` of a process that restarts its stream at regular instants (the
/// model's count processes restart at every tick). A process whose draws in one
/// interval depend on the policy then cannot shift the draws of later intervals, which
/// keeps common random numbers aligned between variants.
pub fn stream_at(seed: u64, replication: u64, process: u64, index: u64) -> Stream {
    ProcessKey::new(seed, replication, process).seeded_at(index)
}

/// [`stream_at`], seeded on its first draw. A count process restarts its stream at every
/// tick but often draws nothing in a tick (a rate of zero: no crawler, no complaints);
/// seeding such a stream cost a seventh of a small scenario's replication. The draws
/// are those of `stream_at` with the same key, so results do not change.
#[derive(Clone, Debug)]
pub struct LazyStream {
    key: u64,
    rng: Option<Stream>,
}

impl LazyStream {
    /// The lazy form of `stream(seed, replication, process)`.
    pub fn new(seed: u64, replication: u64, process: u64) -> LazyStream {
        ProcessKey::new(seed, replication, process).stream()
    }

    /// The lazy form of `stream_at(seed, replication, process, index)`.
    pub fn at(seed: u64, replication: u64, process: u64, index: u64) -> LazyStream {
        ProcessKey::new(seed, replication, process).at(index)
    }

    /// The stream, seeded now if it has not drawn yet.
    pub fn get(&mut self) -> &mut Stream {
        let key = self.key;
        self.rng.get_or_insert_with(|| seeded(key))
    }

    /// Whether the stream was seeded (something drew from it).
    #[cfg(test)]
    pub(crate) fn is_seeded(&self) -> bool {
        self.rng.is_some()
    }
}

/// What (seed, replication, process) make of a stream's key, computed once for a
/// process that restarts its stream at every tick (see [`stream_at`]).
#[derive(Clone, Copy, Debug)]
pub struct ProcessKey(u64);

impl ProcessKey {
    pub fn new(seed: u64, replication: u64, process: u64) -> ProcessKey {
        ProcessKey(key(seed, replication, process))
    }

    /// The lazy form of `stream(seed, replication, process)`.
    pub fn stream(self) -> LazyStream {
        LazyStream { key: self.0, rng: None }
    }

    /// The lazy form of `stream_at(seed, replication, process, index)`.
    pub fn at(self, index: u64) -> LazyStream {
        LazyStream { key: self.key_at(index), rng: None }
    }

    /// `stream_at(seed, replication, process, index)`, seeded now: for a process that
    /// draws so often that checking a lazy stream at every draw would cost more.
    pub fn seeded_at(self, index: u64) -> Stream {
        seeded(self.key_at(index))
    }

    fn key_at(self, index: u64) -> u64 {
        mix(self.0 ^ index)
    }
}

/// The stream seeded with `key`: SplitMix64 seeded with it gives the state's four
/// words (as `seed_from_u64` does; SplitMix64 never gives four zeros in a row, the one
/// state xoshiro cannot leave).
fn seeded(key: u64) -> Stream {
    const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;
    let word = |i: u64| mix(key.wrapping_add(GOLDEN.wrapping_mul(i)));
    Stream { s: [word(0), word(1), word(2), word(3)] }
}

/// The SplitMix64 finaliser (Steele, Lea and Flood, 2014).
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    fn first(seed: u64, rep: u64, process: u64) -> u64 {
        stream(seed, rep, process).random()
    }

    #[test]
    fn same_key_same_stream() {
        assert_eq!(first(7, 3, 2), first(7, 3, 2));
    }

    #[test]
    fn streams_differ_by_seed_replication_and_process() {
        let base = first(7, 3, 2);
        assert_ne!(base, first(8, 3, 2));
        assert_ne!(base, first(7, 4, 2));
        assert_ne!(base, first(7, 3, 3));
        // Swapping replication and process must not alias.
        assert_ne!(first(7, 2, 3), first(7, 3, 2));
        let at = |i| stream_at(7, 3, 2, i).random::<u64>();
        assert_eq!(at(5), at(5));
        assert_ne!(at(5), at(6));
        assert_ne!(at(0), first(7, 3, 2));
    }

    #[test]
    fn streams_draw_what_rand_xoshiro_draws() {
        use rand::{Rng, SeedableRng};
        use rand_xoshiro::Xoshiro256PlusPlus;
        for k in 0..10_000u64 {
            let key = if k == 0 { 0 } else { mix(k) ^ k };
            let (mut ours, mut theirs) = (seeded(key), Xoshiro256PlusPlus::seed_from_u64(key));
            for _ in 0..5 {
                assert_eq!(ours.next_u64(), theirs.next_u64(), "{key}");
            }
            assert_eq!(ours.next_u32(), theirs.next_u32(), "{key}");
            let (mut a, mut b) = ([0u8; 13], [0u8; 13]);
            ours.fill_bytes(&mut a);
            theirs.fill_bytes(&mut b);
            assert_eq!(a, b, "{key}");
            assert_eq!(ours.next_u64(), theirs.next_u64(), "{key}");
        }
    }

    #[test]
    fn a_lazy_stream_draws_what_its_eager_twin_draws() {
        let mut lazy = LazyStream::at(7, 3, 2, 5);
        let mut eager = stream_at(7, 3, 2, 5);
        for _ in 0..3 {
            assert_eq!(lazy.get().random::<u64>(), eager.random::<u64>());
        }
        assert_eq!(LazyStream::new(7, 3, 2).get().random::<u64>(), first(7, 3, 2));
    }
}
