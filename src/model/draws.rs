//! Splits of a count over classes: at random (a multinomial draw) or exactly in
//! proportion (a removal over stocks). Counts are drawn by the samplers of
//! `engine::counts`, one kept by each call site.

use crate::engine::counts::Binomial;
use crate::engine::LazyStream;

/// Splits `count` items among classes at random in proportion to `weights` (a
/// multinomial draw, as binomials conditional on what earlier classes took, one
/// sampler per class), adding each class's share to `into`. The last class of
/// positive weight takes what is left, so the shares add up to `count` exactly;
/// without any positive weight nothing is added. Draws nothing when `count` is 0.
pub(crate) fn split(
    count: u64,
    weights: &[f64],
    samplers: &mut [Binomial],
    stream: &mut LazyStream,
    into: &mut [u64],
) {
    let Some(last) = weights.iter().rposition(|w| *w > 0.0) else { return };
    let mut left = count;
    let mut rest: f64 = weights[..=last].iter().sum();
    for k in 0..last {
        if left == 0 {
            return;
        }
        let share = samplers[k].draw(stream, left, weights[k] / rest);
        into[k] += share;
        left -= share;
        rest -= weights[k];
    }
    into[last] += left;
}

/// Takes in proportion to stocks, with the buffers of the last split kept (a cleanup
/// splits its daily sweep at every step).
#[derive(Clone, Debug, Default)]
pub(crate) struct Proportional {
    /// Per stock: the whole share, the remainder of the exact share, the stock's index.
    shares: Vec<(u64, u128, usize)>,
    takes: Vec<u64>,
}

impl Proportional {
    /// How many of `count` items to take from each of `stock`, in proportion to each
    /// stock (largest remainders first, ties to the lower index): none goes negative
    /// and the total is exactly `count` (at most the whole stock).
    pub(crate) fn takes(&mut self, stock: &[u64], count: u64) -> &[u64] {
        self.takes.clear();
        self.takes.resize(stock.len(), 0);
        let total: u64 = stock.iter().sum();
        let count = count.min(total);
        if count == 0 {
            return &self.takes;
        }
        self.shares.clear();
        self.shares.extend(stock.iter().enumerate().map(|(k, &s)| {
            let exact = s as u128 * count as u128;
            ((exact / total as u128) as u64, exact % total as u128, k)
        }));
        let mut left = count - self.shares.iter().map(|s| s.0).sum::<u64>();
        self.shares.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
        for share in &mut self.shares {
            if left == 0 {
                break;
            }
            if share.0 < stock[share.2] {
                share.0 += 1;
                left -= 1;
            }
        }
        for &(take, _, k) in &self.shares {
            self.takes[k] = take;
        }
        &self.takes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_random_split_adds_up_and_follows_the_weights() {
        let weights = [1.0, 2.0, 0.0, 1.0, 0.0];
        let mut samplers = vec![Binomial::default(); weights.len()];
        let mut stream = LazyStream::new(1, 0, 0);
        let mut totals = [0u64; 5];
        for _ in 0..100_000 {
            let mut into = [0u64; 5];
            split(10, &weights, &mut samplers, &mut stream, &mut into);
            assert_eq!(into.iter().sum::<u64>(), 10);
            assert_eq!((into[2], into[4]), (0, 0), "no weight, no share");
            for (t, i) in totals.iter_mut().zip(into) {
                *t += i;
            }
        }
        // Each share is binomial(10, w / 4): means 2.5, 5 and 2.5 over 100,000 splits,
        // standard errors of the totals about 430, 500 and 430.
        for (total, expected) in [(totals[0], 250_000.0), (totals[1], 500_000.0), (totals[3], 250_000.0)] {
            assert!((total as f64 - expected).abs() < 2_500.0, "{total} for {expected}");
        }
    }

    #[test]
    fn nothing_to_split_draws_nothing() {
        let mut stream = LazyStream::new(1, 0, 0);
        let mut samplers = vec![Binomial::default(); 2];
        let mut into = [0u64; 2];
        split(0, &[1.0, 1.0], &mut samplers, &mut stream, &mut into);
        split(5, &[0.0, 0.0], &mut samplers, &mut stream, &mut into);
        assert_eq!(into, [0, 0]);
        assert!(!stream.is_seeded());
        split(5, &[0.0, 3.0], &mut samplers, &mut stream, &mut into);
        assert_eq!(into, [0, 5], "one class of positive weight takes all");
        assert!(!stream.is_seeded());
    }
}
