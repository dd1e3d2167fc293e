//! What a sweep says about a target beyond its cheapest points: where the metric stops
//! responding to a swept parameter (so a wider sweep of it will not help), and where
//! the cheapest point was picked by noise (a neighbour that misses the target does not
//! differ from it significantly). Both rest on paired differences: the points of a
//! sweep share their random streams, replication by replication.

use serde::{Deserialize, Serialize};

use super::{answer, compliance_cost, Comparison, Target};
use crate::experiment::replications::ReplicationsError;
use crate::experiment::stats::PairedDifference;
use crate::experiment::RunResults;

/// The fewest points a flat stretch must span to be called one.
const MIN_FLAT_POINTS: usize = 3;
/// A difference from the best smaller than this share of the best's value does not
/// matter, significant or not: with common random numbers, a difference of a few
/// replications out of hundreds can be significant and still be noise to a reader.
const NEGLIGIBLE: f64 = 0.1;

/// The answer to `--target`, as the terminal, run.json and the report give it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetFindings {
    /// The target as written, e.g. `block_probability<0.2`.
    pub target: String,
    /// The metric's name in the tables, and the target's value.
    pub metric: String,
    pub value: f64,
    /// The swept parameters (override paths), in the order of each point's values.
    pub params: Vec<String>,
    /// The cheapest point whose mean meets the target, and the cheapest whose whole
    /// 95% interval does.
    pub cheapest: Option<TargetPoint>,
    pub cheapest_confident: Option<TargetPoint>,
    /// Stretches of an axis over which the metric does not respond.
    pub flat: Vec<FlatStretch>,
    /// Neighbours of the cheapest point that miss the target although they do not
    /// differ from it significantly.
    pub not_significant: Vec<NoisyChoice>,
}

/// A point of the sweep as the answer names it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetPoint {
    /// Index into the sweep's points (sweep.csv's `point`).
    pub index: usize,
    /// Its value of each swept parameter.
    pub values: Vec<String>,
    /// The metric's mean and 95% interval there.
    pub mean: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Its mean compliance cost (moderation and one-off actions).
    pub cost: f64,
}

/// Points along one axis (the others held) whose metric does not differ from the best
/// of them significantly, or by more than a tenth of the best's value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlatStretch {
    /// Which axis (0 or 1).
    pub axis: usize,
    /// The points of the stretch, in the axis's order, and the axis's first and last
    /// value over them.
    pub points: Vec<usize>,
    pub from: String,
    pub to: String,
    /// The smallest and largest mean over them.
    pub low: f64,
    pub high: f64,
    /// Whether the stretch reaches the end of the axis where the metric is best: the
    /// sweep went as far as it helps.
    pub reaches_end: bool,
}

/// The cheapest point against a neighbour along `axis` that misses the target by a
/// difference that does not matter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NoisyChoice {
    pub axis: usize,
    /// The axis's value at the chosen point and at the neighbour.
    pub chosen: String,
    pub other: String,
    /// The neighbour's metric minus the chosen point's, paired, with its 95% interval;
    /// significant but under a tenth of the chosen point's value, or not significant.
    pub mean: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub significant: bool,
}

/// The findings of a sweep of `params` over `values` (each point's value of each axis)
/// with results `points`, for `target`.
pub fn findings(
    target: &Target,
    params: &[String],
    values: &[Vec<String>],
    points: &[RunResults],
) -> Result<TargetFindings, ReplicationsError> {
    let answer = answer(target, points);
    let lower_is_better = matches!(target.comparison, Comparison::Below | Comparison::AtMost);
    let mean = |i: usize| points[i].summary(target.metric).mean;
    let better = |a: usize, b: usize| if lower_is_better { mean(a) < mean(b) } else { mean(a) > mean(b) };
    let columns: Vec<Vec<f64>> = points.iter().map(|p| p.column(target.metric)).collect::<Result<_, _>>()?;
    let differ = |a: usize, b: usize| PairedDifference::of(&columns[a], &columns[b]);
    // The point the answer is about: the cheapest meeting the target, else the best.
    let best = (0..points.len()).reduce(|b, i| if better(i, b) { i } else { b });
    let reference = answer.cheapest.or(best);
    let axes = values.first().map_or(0, Vec::len);
    let mut flat = Vec::new();
    let mut not_significant = Vec::new();
    if let Some(reference) = reference {
        for axis in 0..axes {
            let line = line_through(values, reference, axis);
            if let Some(stretch) = flat_stretch(&line, &better, &differ, &mean) {
                let value = |p: &usize| values[*p][axis].clone();
                let (from, to) = (stretch.points.first().map(value), stretch.points.last().map(value));
                flat.push(FlatStretch {
                    axis,
                    from: from.unwrap_or_default(),
                    to: to.unwrap_or_default(),
                    ..stretch
                });
            }
            let Some(chosen) = answer.cheapest else { continue };
            let meets = |i: usize| target.assess(points[i].summary(target.metric)).0;
            let negligible = NEGLIGIBLE * mean(chosen).abs();
            for (other, d) in noisy_neighbours(&line, chosen, &meets, &differ, negligible) {
                not_significant.push(NoisyChoice {
                    axis,
                    chosen: values[chosen][axis].clone(),
                    other: values[other][axis].clone(),
                    mean: d.mean,
                    ci_low: d.ci_low,
                    ci_high: d.ci_high,
                    significant: d.significant(),
                });
            }
        }
    }
    let point = |i: usize| {
        let s = points[i].summary(target.metric);
        TargetPoint {
            index: i,
            values: values[i].clone(),
            mean: s.mean,
            ci_low: s.ci_low,
            ci_high: s.ci_high,
            cost: compliance_cost(&points[i]),
        }
    };
    Ok(TargetFindings {
        target: target.to_string(),
        metric: target.metric.name().to_owned(),
        value: target.value,
        params: params.to_vec(),
        cheapest: answer.cheapest.map(point),
        cheapest_confident: answer.cheapest_confident.map(point),
        flat,
        not_significant,
    })
}

/// The neighbours of `chosen` on `line` that miss the target (`meets` is false) although
/// their paired difference from it is not significant or at most `negligible`, with that
/// difference.
fn noisy_neighbours(
    line: &[usize],
    chosen: usize,
    meets: &dyn Fn(usize) -> bool,
    differ: &dyn Fn(usize, usize) -> PairedDifference,
    negligible: f64,
) -> Vec<(usize, PairedDifference)> {
    let Some(at) = line.iter().position(|&p| p == chosen) else { return Vec::new() };
    let neighbours = [at.checked_sub(1), Some(at + 1)].into_iter().flatten().filter_map(|k| line.get(k));
    neighbours
        .filter(|&&other| !meets(other))
        .map(|&other| (other, differ(chosen, other)))
        .filter(|(_, d)| d.n > 1 && (!d.significant() || d.mean.abs() <= negligible))
        .collect()
}

/// The points that share `point`'s values on every axis but `axis`, in the grid's order
/// (which is the axis's order).
fn line_through(values: &[Vec<String>], point: usize, axis: usize) -> Vec<usize> {
    let same_elsewhere =
        |i: usize| values[i].iter().zip(&values[point]).enumerate().all(|(k, (a, b))| k == axis || a == b);
    (0..values.len()).filter(|&i| same_elsewhere(i)).collect()
}

/// The longest run of points around the line's best that do not differ from it
/// significantly or by more than [`NEGLIGIBLE`] of its value, if it spans at least
/// [`MIN_FLAT_POINTS`] points.
fn flat_stretch(
    line: &[usize],
    better: &dyn Fn(usize, usize) -> bool,
    differ: &dyn Fn(usize, usize) -> PairedDifference,
    mean: &dyn Fn(usize) -> f64,
) -> Option<FlatStretch> {
    let at = (0..line.len()).reduce(|b, k| if better(line[k], line[b]) { k } else { b })?;
    let alike = |k: usize| {
        let d = differ(line[at], line[k]);
        k == at || !d.significant() || d.mean.abs() <= NEGLIGIBLE * mean(line[at]).abs()
    };
    let (mut first, mut last) = (at, at);
    while first > 0 && alike(first - 1) {
        first -= 1;
    }
    while last + 1 < line.len() && alike(last + 1) {
        last += 1;
    }
    let points: Vec<usize> = line[first..=last].to_vec();
    if points.len() < MIN_FLAT_POINTS {
        return None;
    }
    let means: Vec<f64> = points.iter().map(|&p| mean(p)).collect();
    // The end where the metric is best: the side of the line's best point that the
    // line's other end is not better than.
    let best_end = if better(line[line.len() - 1], line[0]) { line.len() - 1 } else { 0 };
    Some(FlatStretch {
        axis: 0,
        points,
        from: String::new(),
        to: String::new(),
        low: means.iter().copied().fold(f64::INFINITY, f64::min),
        high: means.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        reaches_end: (first..=last).contains(&best_end),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A paired difference with interval `mean ± half`.
    fn diff(mean: f64, half: f64) -> PairedDifference {
        PairedDifference { n: 100, mean, ci_low: mean - half, ci_high: mean + half }
    }

    #[test]
    fn lines_hold_every_other_axis() {
        let values: Vec<Vec<String>> = [["20", "a"], ["20", "b"], ["60", "a"], ["60", "b"]]
            .iter()
            .map(|p| p.iter().map(|v| v.to_string()).collect())
            .collect();
        assert_eq!(line_through(&values, 2, 0), [0, 2]);
        assert_eq!(line_through(&values, 2, 1), [2, 3]);
    }

    #[test]
    fn a_metric_that_stops_falling_is_flat_to_the_end_of_the_axis() {
        // Block probability along moderators: falls, then stays at 0.19 to 0.20.
        let means = [0.9, 0.5, 0.2, 0.19, 0.2, 0.195];
        let line: Vec<usize> = (0..means.len()).collect();
        let mean = |i: usize| means[i];
        let better = |a: usize, b: usize| means[a] < means[b];
        // Differences below 0.05 are within noise.
        let differ = |a: usize, b: usize| diff(means[b] - means[a], 0.05);
        let flat = flat_stretch(&line, &better, &differ, &mean).expect("a flat stretch");
        assert_eq!(flat.points, [2, 3, 4, 5]);
        assert_eq!((flat.low, flat.high), (0.19, 0.2));
        assert!(flat.reaches_end);
        // Significant but negligible differences (a tenth of the best's value at most)
        // are flat too; a difference of a fifth is not.
        let precise = |a: usize, b: usize| diff(means[b] - means[a], 0.001);
        assert_eq!(flat_stretch(&line, &better, &precise, &mean).unwrap().points, [2, 3, 4, 5]);
        let means = [0.9, 0.5, 0.2, 0.15, 0.155];
        let better = |a: usize, b: usize| means[a] < means[b];
        let precise = |a: usize, b: usize| diff(means[b] - means[a], 0.001);
        let mean = |i: usize| means[i];
        assert_eq!(flat_stretch(&[0, 1, 2, 3, 4], &better, &precise, &mean), None);
        // A metric still falling at the end has no flat stretch.
        let falling = [0.9, 0.7, 0.5, 0.3, 0.1];
        let better = |a: usize, b: usize| falling[a] < falling[b];
        let differ = |a: usize, b: usize| diff(falling[b] - falling[a], 0.05);
        let mean = |i: usize| falling[i];
        assert_eq!(flat_stretch(&[0, 1, 2, 3, 4], &better, &differ, &mean), None);
    }

    #[test]
    fn a_neighbour_that_misses_the_target_by_noise_is_named() {
        // Point 1 meets the target (0.19 < 0.2), its neighbours 0 and 2 do not; the
        // difference to 0 is within noise, to 2 it is not.
        let means = [0.21, 0.19, 0.40];
        let meets = |i: usize| means[i] < 0.2;
        let differ = |a: usize, b: usize| diff(means[b] - means[a], 0.05);
        let noisy = noisy_neighbours(&[0, 1, 2], 1, &meets, &differ, 0.0);
        assert_eq!(noisy.len(), 1);
        assert_eq!(noisy[0].0, 0);
        assert!((noisy[0].1.mean - 0.02).abs() < 1e-12);
        // A significant difference counts when it is negligible (here under 0.025).
        let precise = |a: usize, b: usize| diff(means[b] - means[a], 0.001);
        assert!(noisy_neighbours(&[0, 1, 2], 1, &meets, &precise, 0.0).is_empty());
        assert_eq!(noisy_neighbours(&[0, 1, 2], 1, &meets, &precise, 0.025).len(), 1);
    }
}
