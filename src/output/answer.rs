//! The answer to a sweep's `--target` in words, the same lines for the terminal and the
//! report: the cheapest points that meet it, where the metric stops responding to a
//! swept parameter, and where the cheapest point was picked by noise.

use crate::experiment::sweep::{TargetFindings, TargetPoint};
use crate::model::Metric;
use crate::output::comparison::show;
use crate::output::money;
use crate::output::text::{quantity, visible};

/// The answer to `--target`, one line each (the terminal prints them, the report lists
/// them): the cheapest points that meet it, where the metric stops responding to a
/// swept parameter, and where the cheapest point was picked by noise.
pub fn lines(f: &TargetFindings, replications: u64, unit: &str) -> Vec<String> {
    let metric: Option<Metric> = f.metric.parse().ok();
    let value = |x: f64| metric.map_or_else(|| quantity(x), |m| show(m, x));
    let at = |values: &[String]| -> String {
        f.params
            .iter()
            .zip(values)
            .map(|(p, v)| format!("{}={}", visible(p), visible(v)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let point = |p: &TargetPoint| {
        format!(
            "{}: {} (95% CI {} to {}), compliance cost {}",
            at(&p.values),
            value(p.mean),
            value(p.ci_low),
            value(p.ci_high),
            money::amount(p.cost, unit)
        )
    };
    let mut lines = Vec::new();
    match &f.cheapest {
        Some(p) => lines.push(format!("cheapest point meeting it on average: {}", point(p))),
        None => lines.push("no point meets it on average".to_owned()),
    }
    let name = match metric {
        Some(Metric::Blocked) => "block probability".to_owned(),
        _ => visible(&f.metric).into_owned(),
    };
    for stretch in &f.flat {
        let param = f.params.get(stretch.axis).map_or("", String::as_str);
        let level = if value(stretch.low) == value(stretch.high) {
            format!("stays at {}", value(stretch.low))
        } else {
            format!("stays between {} and {}", value(stretch.low), value(stretch.high))
        };
        lines.push(format!(
            "flat: {name} {level} from {}={} to {}; no difference there is both significant at {replications} replications and over a tenth of the best value, so {} does not move it there",
            visible(param),
            visible(&stretch.from),
            visible(&stretch.to),
            visible(param)
        ));
    }
    let flat_at_end = f.flat.iter().any(|s| s.reaches_end);
    match &f.cheapest_confident {
        Some(p) => lines.push(format!("cheapest point meeting it with 95% confidence: {}", point(p))),
        None if flat_at_end => lines.push(
            "no point meets it with 95% confidence; a wider sweep will not help where the metric is flat: change another parameter, or run more replications if the best point is close".to_owned(),
        ),
        None => lines.push("no point meets it with 95% confidence (more replications, or a wider sweep)".to_owned()),
    }
    for noisy in &f.not_significant {
        let param = f.params.get(noisy.axis).map_or("", String::as_str);
        let shown = |x: f64| match metric {
            Some(Metric::Blocked) => format!("{:+.1} pp", x * 100.0),
            _ => format!("{x:+.3}"),
        };
        let why = if noisy.significant { "under a tenth of the value" } else { "not significant" };
        lines.push(format!(
            "by noise: {}={} meets it and {}={} does not, but their difference ({}, 95% CI {} to {}) is {why}",
            visible(param),
            visible(&noisy.chosen),
            visible(param),
            visible(&noisy.other),
            shown(noisy.mean),
            shown(noisy.ci_low),
            shown(noisy.ci_high),
        ));
    }
    lines
}

/// [`lines`] as the terminal prints them, under the target, each wrapped to
/// 100 columns.
pub fn terminal(f: &TargetFindings, replications: u64, unit: &str) -> String {
    let mut out = format!("target {}\n", visible(&f.target));
    for line in lines(f, replications, unit) {
        out.push_str(&wrap(&line, 100, "  ", "    "));
    }
    out
}

/// `text` cut at spaces into lines of at most `width` columns (a longer word stays
/// whole), the first indented by `first`, the others by `rest`; each ends in a newline.
fn wrap(text: &str, width: usize, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_owned();
    let mut empty = true;
    for word in text.split(' ') {
        if !empty && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line = rest.to_owned();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::sweep::{FlatStretch, NoisyChoice};

    #[test]
    fn long_lines_wrap_at_spaces_within_the_width() {
        let text = "flat: block probability stays at 20.0% from platform.review.moderators=50 to 200";
        let wrapped = wrap(text, 40, "  ", "    ");
        assert!(wrapped.lines().all(|l| l.chars().count() <= 40), "{wrapped}");
        assert!(wrapped.starts_with("  flat:") && wrapped.lines().nth(1).unwrap().starts_with("    "));
        assert_eq!(wrapped.split_whitespace().collect::<Vec<_>>().join(" "), text);
        assert_eq!(wrap("short", 40, "  ", "    "), "  short\n");
    }

    #[test]
    fn a_target_answer_names_the_cheapest_point_a_flat_stretch_and_noise() {
        let point = |index: usize, moderators: &str, mean: f64| TargetPoint {
            index,
            values: vec![moderators.into(), "a".into()],
            mean,
            ci_low: mean - 0.03,
            ci_high: mean + 0.03,
            cost: 1000.0 * index as f64,
        };
        let findings = TargetFindings {
            target: "block_probability<0.2".into(),
            metric: "blocked".into(),
            value: 0.2,
            params: vec!["moderators".into(), "office".into()],
            cheapest: Some(point(1, "60", 0.19)),
            cheapest_confident: None,
            flat: vec![FlatStretch {
                axis: 0,
                points: vec![1, 2, 3],
                from: "60".into(),
                to: "200".into(),
                low: 0.19,
                high: 0.2,
                reaches_end: true,
            }],
            not_significant: vec![NoisyChoice {
                axis: 1,
                chosen: "a".into(),
                other: "b".into(),
                mean: 0.012,
                ci_low: -0.01,
                ci_high: 0.034,
                significant: false,
            }],
        };
        let lines = lines(&findings, 300, "EUR");
        assert_eq!(
            lines[0],
            "cheapest point meeting it on average: moderators=60 office=a: 19.0% (95% CI 16.0% to 22.0%), compliance cost 1.00 k EUR"
        );
        assert_eq!(lines[1], "flat: block probability stays between 19.0% and 20.0% from moderators=60 to 200; no difference there is both significant at 300 replications and over a tenth of the best value, so moderators does not move it there");
        assert!(
            lines[2].starts_with("no point meets it with 95% confidence; a wider sweep will not help"),
            "{}",
            lines[2]
        );
        assert!(lines[3].contains("office=a meets it and office=b does not, but their difference (+1.2 pp, 95% CI -1.0 pp to +3.4 pp) is not significant"), "{}", lines[3]);
        assert!(lines[3].starts_with("by noise: "), "{}", lines[3]);
        let terminal = terminal(&findings, 300, "EUR");
        assert!(terminal.lines().all(|l| l.chars().count() <= 100), "{terminal}");
    }
}
