//! The exact split of a removal over stocks. (Counts are drawn by the samplers of
//! `engine::counts`, one kept by each call site.)

/// How many of `count` items to take from each of `stock`, in proportion to each
/// stock (largest remainders first, ties to the lower index): none goes negative and
/// the total is exactly `count` (at most the whole stock).
pub(crate) fn proportional_takes(stock: &[u64], count: u64) -> Vec<u64> {
    let total: u64 = stock.iter().sum();
    let count = count.min(total);
    if count == 0 {
        return vec![0; stock.len()];
    }
    let mut shares: Vec<(u64, u128, usize)> = stock
        .iter()
        .enumerate()
        .map(|(k, &s)| {
            let exact = s as u128 * count as u128;
            ((exact / total as u128) as u64, exact % total as u128, k)
        })
        .collect();
    let mut left = count - shares.iter().map(|s| s.0).sum::<u64>();
    shares.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    for share in &mut shares {
        if left == 0 {
            break;
        }
        if share.0 < stock[share.2] {
            share.0 += 1;
            left -= 1;
        }
    }
    let mut takes = vec![0; stock.len()];
    for (take, _, k) in shares {
        takes[k] = take;
    }
    takes
}
