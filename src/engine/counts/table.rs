//! Inversion by a table of the cumulative distribution, with a guide table (Chen and
//! Asau, 1974): one uniform and about two comparisons per draw, whatever the mean. For
//! parameters drawn again and again (the same upload rate at every step).

/// Where a table ends: past the mean, at the first probability below 2^-60 (what lies
/// beyond is searched sequentially by the table's owner).
const TABLE_END: f64 = 8.673_617_379_884_035e-19;

/// One distribution's cumulative probabilities, up to where its tail is negligible.
#[derive(Clone, Debug, Default)]
pub(super) struct Table {
    /// P(X <= k), for k up to the table's end.
    cdf: Vec<f64>,
    /// Entry j: where the search starts for the uniforms whose 53 bits b have floor(b
    /// len / 2^53) = j, the smallest k whose cdf exceeds the smallest of them.
    guide: Vec<u32>,
    /// P(X = k) at the table's last entry, where a search beyond it goes on.
    last_p: f64,
}

impl Table {
    /// Fills the table with the probabilities p(0) = `p0`, p(k) = p(k - 1) `ratio(k)`,
    /// up to the first k past `mean` whose probability is below 2^-60, or `most`. The
    /// vectors keep their capacity from one distribution to the next.
    pub(super) fn fill(&mut self, p0: f64, mean: f64, most: u64, ratio: impl Fn(u64) -> f64) {
        self.cdf.clear();
        let (mut p, mut total) = (p0, p0);
        self.cdf.push(total);
        let mut k = 0u64;
        while k < most && ((k as f64) <= mean || p >= TABLE_END) {
            k += 1;
            p *= ratio(k);
            total += p;
            self.cdf.push(total);
        }
        self.last_p = p;
        // The smallest uniform of entry j is ceil(j 2^53 / len) / 2^53, exactly.
        let len = self.cdf.len() as u64;
        self.guide.clear();
        let mut k = 0;
        for j in 0..len {
            let at = (j << 53).div_ceil(len) as f64 * (1.0 / (1u64 << 53) as f64);
            while k + 1 < self.cdf.len() && self.cdf[k] <= at {
                k += 1;
            }
            self.guide.push(k as u32);
        }
    }

    /// The smallest k whose cumulative probability exceeds the uniform `u` made of
    /// the 53 bits `bits` (u = bits / 2^53); None beyond the table's end.
    #[inline]
    pub(super) fn find(&self, bits: u64, u: f64) -> Option<u64> {
        let len = self.cdf.len();
        // floor(u len), exactly, in integers.
        let mut k = self.guide[((bits * len as u64) >> 53) as usize] as usize;
        while k < len && u >= self.cdf[k] {
            k += 1;
        }
        (k < len).then_some(k as u64)
    }

    /// The number of entries: counts up to it minus one are in the table.
    pub(super) fn len(&self) -> u64 {
        self.cdf.len() as u64
    }

    /// What is left of a uniform `u` beyond the table, and the probability of the
    /// table's last count.
    pub(super) fn beyond(&self, u: f64) -> (f64, f64) {
        (u - self.cdf[self.cdf.len() - 1], self.last_p)
    }

    /// The smallest k whose cumulative probability in the table exceeds `u`, by a
    /// binary search (for the rare uniform drawn again after a search beyond failed).
    pub(super) fn find_slowly(&self, u: f64) -> Option<u64> {
        let k = self.cdf.partition_point(|f| *f <= u);
        (k < self.cdf.len()).then_some(k as u64)
    }

    /// Whether the guide never goes back (for tests).
    #[cfg(test)]
    pub(super) fn guide_rises(&self) -> bool {
        self.guide.windows(2).all(|g| g[0] <= g[1])
    }
}
