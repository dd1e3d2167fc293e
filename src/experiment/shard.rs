//! Shards: one of N deterministic parts of an experiment's work, so that the parts can
//! run on different machines and a merge can put together exactly what one machine
//! would have computed.
//!
//! The work of run, compare and sweep is every (run, replication) pair, run-major; shard
//! K of N takes the K-th of N contiguous, near-equal slices of it. A replication's
//! streams depend on the seed and its index alone, so a slice computes the same
//! replications whichever machine runs it. Validation's work is its folds, sliced the
//! same way.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

/// Part `index` (1-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// The slice of `0..total` this shard holds: the units from ⌊(K−1)·T/N⌋ up to
    /// ⌊K·T/N⌋.
    pub fn slice(&self, total: u64) -> Range<u64> {
        let at = |k: u64| (u128::from(k) * u128::from(total) / u128::from(self.count)) as u64;
        at(self.index - 1)..at(self.index)
    }

    /// For each of `runs` runs of `replications` replications, the replications this
    /// shard computes (possibly none).
    pub fn replications(&self, runs: usize, replications: u64) -> Vec<Range<u64>> {
        let slice = self.slice(runs as u64 * replications);
        (0..runs as u64)
            .map(|run| {
                let (first, end) = (run * replications, (run + 1) * replications);
                let from = slice.start.clamp(first, end) - first;
                let to = slice.end.clamp(first, end) - first;
                from..to
            })
            .collect()
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Why `K/N` is not a shard.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("`{0}` is not a shard: write K/N with 1 <= K <= N, e.g. 3/8")]
pub struct ShardError(pub String);

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(text: &str) -> Result<Shard, ShardError> {
        let err = || ShardError(text.to_owned());
        let (k, n) = text.split_once('/').ok_or_else(err)?;
        let index: u64 = k.trim().parse().map_err(|_| err())?;
        let count: u64 = n.trim().parse().map_err(|_| err())?;
        if index == 0 || count == 0 || index > count {
            return Err(err());
        }
        Ok(Shard { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_read_and_print_as_k_of_n() {
        assert_eq!("3/8".parse(), Ok(Shard { index: 3, count: 8 }));
        assert_eq!(Shard { index: 3, count: 8 }.to_string(), "3/8");
        for bad in ["0/3", "4/3", "3", "a/3", "1/0", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_shards_of_a_run_cover_every_replication_once() {
        for (runs, replications, count) in [(1, 10, 3), (3, 7, 7), (2, 5, 13), (4, 1000, 2)] {
            let mut seen = vec![vec![0u32; replications as usize]; runs];
            for index in 1..=count {
                let shard = Shard { index, count };
                for (run, range) in shard.replications(runs, replications).into_iter().enumerate() {
                    for r in range {
                        seen[run][r as usize] += 1;
                    }
                }
            }
            assert!(seen.iter().flatten().all(|&n| n == 1), "{runs} x {replications} in {count}");
        }
        // Near-equal slices: 10 units in 3 shards are 3, 3 and 4.
        let sizes: Vec<u64> =
            (1..=3).map(|k| Shard { index: k, count: 3 }.slice(10)).map(|r| r.end - r.start).collect();
        assert_eq!(sizes, [3, 3, 4]);
    }
}
