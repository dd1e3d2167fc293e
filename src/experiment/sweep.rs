//! Sweeps: a grid of values for one or two parameters, and target queries such as
//! "the cheapest point with a block probability under 5%".

use std::fmt;
use std::str::FromStr;

mod findings;

pub use findings::{findings, FlatStretch, NoisyChoice, TargetFindings, TargetPoint};

use super::stats::Summary;
use super::RunResults;
use crate::engine::SimDuration;
use crate::model::Metric;
use crate::scenario::units::parse_duration;
use crate::scenario::Override;

/// The most points one axis may have; a larger grid is almost always a typo.
pub const MAX_POINTS_PER_AXIS: usize = 1_000;

/// One swept parameter: a path and its values (as override value texts).
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    pub path: String,
    pub values: Vec<String>,
}

impl FromStr for Axis {
    type Err = String;

    /// `PATH=VALUES`, where VALUES is a list (`10,20,50`), an arithmetic range
    /// (`20..400 step 20`) or a geometric range (`10..1000 geometric 5`: 5 points with
    /// a constant ratio). Ranges of whole numbers give whole numbers.
    fn from_str(s: &str) -> Result<Axis, String> {
        let (path, spec) = s.split_once('=').ok_or_else(|| {
            format!("`{s}` is not PATH=VALUES (for example platform.review.moderators=20..200 step 20)")
        })?;
        let values = parse_values(spec.trim())?;
        if values.is_empty() {
            return Err(format!("`{s}` has no values"));
        }
        if values.len() > MAX_POINTS_PER_AXIS {
            return Err(format!("`{s}` has {} values; at most {MAX_POINTS_PER_AXIS} per axis", values.len()));
        }
        Ok(Axis { path: path.trim().to_owned(), values })
    }
}

fn parse_values(spec: &str) -> Result<Vec<String>, String> {
    // A list: values apart at commas outside braces, brackets and quotes, so that a
    // value may be a table (`{ dist = "exponential", mean = "5m" },{ ... }`), and the
    // whole list may be bracketed as a TOML array.
    let inner =
        spec.strip_prefix('[').and_then(|s| s.strip_suffix(']')).filter(|_| outside(spec).next().is_none());
    let list = split_list(inner.unwrap_or(spec));
    let Some((from, rest)) =
        spec.split_once("..").filter(|_| list.len() == 1 && inner.is_none() && !spec.starts_with('{'))
    else {
        return Ok(list);
    };
    let words: Vec<&str> = rest.split_whitespace().collect();
    let (to, kind, by) = match words.as_slice() {
        [to, kind, by] => (*to, *kind, *by),
        // `--vary "x=20..200"`: the step is missing (or, unquoted, the shell passed it as
        // arguments of its own).
        [_] => {
            return Err(format!(
                "`{spec}` is a range without its step; write `A..B step S` or `A..B geometric N`, quoted so that the shell keeps it one argument: --vary \"PATH={spec} step S\""
            ))
        }
        _ => return Err(format!("`{spec}`: write a range as `A..B step S` or `A..B geometric N`")),
    };
    // A range of durations ("1d..30d step 1d"): the same range in milliseconds,
    // written back as durations.
    if let (Ok(a), Ok(b)) = (parse_duration(from), parse_duration(to)) {
        let by = if kind == "step" {
            parse_duration(by).map(|d| d.0.to_string()).map_err(|e| format!("`{spec}`: {e}"))?
        } else {
            by.to_owned()
        };
        let millis = parse_values(&format!("{}..{} {kind} {by}", a.0, b.0))?;
        return Ok(millis
            .iter()
            .map(|ms| SimDuration(ms.parse::<f64>().unwrap_or(0.0).round() as u64).to_string())
            .collect());
    }
    let number = |t: &str| t.trim().parse::<f64>().map_err(|_| format!("`{t}` in `{spec}` is not a number"));
    let whole = |t: &str| !t.contains(['.', 'e', 'E']);
    let (a, b) = (number(from)?, number(to)?);
    if !(a.is_finite() && b.is_finite()) || a > b {
        return Err(format!("`{spec}`: the range must go from a smaller to a larger finite number"));
    }
    let integers = whole(from) && whole(to);
    let mut values: Vec<f64> = match kind {
        "step" => {
            let step = number(by)?;
            if !(step > 0.0 && step.is_finite()) {
                return Err(format!("`{spec}`: the step must be above 0"));
            }
            // Counted as a float first: a tiny step makes more values than a usize
            // holds (1..5 step 1e-300 wrapped round to none).
            let count = ((b - a) / step + 1e-9).floor() + 1.0;
            if count > MAX_POINTS_PER_AXIS as f64 {
                let count = if count < 1e15 { format!("{count:.0}") } else { format!("about {count:.1e}") };
                return Err(format!("`{spec}` has {count} values; at most {MAX_POINTS_PER_AXIS} per axis"));
            }
            (0..count as usize).map(|i| a + step * i as f64).collect()
        }
        "geometric" => {
            let n: usize =
                by.parse().map_err(|_| format!("`{by}` in `{spec}` is not a whole number of points"))?;
            if !(2..=MAX_POINTS_PER_AXIS).contains(&n) || a <= 0.0 {
                return Err(format!(
                    "`{spec}`: a geometric range needs 2 to {MAX_POINTS_PER_AXIS} points and a start above 0"
                ));
            }
            let ratio = (b / a).powf(1.0 / (n - 1) as f64);
            (0..n).map(|i| a * ratio.powi(i as i32)).collect()
        }
        other => return Err(format!("`{spec}`: unknown range kind `{other}` (use step or geometric)")),
    };
    if integers && (kind == "geometric" || whole(by)) {
        for v in &mut values {
            *v = v.round();
        }
        values.dedup();
        return Ok(values.iter().map(|v| format!("{v:.0}")).collect());
    }
    // Twelve significant digits hide the float noise of a + step * i.
    Ok(values.iter().map(|v| format!("{}", (v * 1e12).round() / 1e12)).collect())
}

/// The byte offsets of `text` that lie outside braces, brackets and quoted strings
/// (the brackets and quotes themselves are inside): none for `[1, 2]`, which is one
/// bracketed group, the comma and the space for `[1], [2]`.
fn outside(text: &str) -> impl Iterator<Item = usize> + '_ {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    text.char_indices().filter_map(move |(i, c)| {
        let was_outside = depth == 0 && quote.is_none();
        match (quote, c) {
            (Some('"'), '\\') if !escaped => escaped = true,
            (Some(q), c) => {
                if c == q && !escaped {
                    quote = None;
                }
                escaped = false;
            }
            (None, '"' | '\'') => quote = Some(c),
            (None, '{' | '[') => depth += 1,
            (None, '}' | ']') => depth = depth.saturating_sub(1),
            _ => {}
        }
        (was_outside && depth == 0 && quote.is_none()).then_some(i)
    })
}

/// `text` cut at its commas outside braces, brackets and quotes, each value trimmed;
/// empty values are left out.
fn split_list(text: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut start = 0;
    for i in outside(text).filter(|&i| text.as_bytes()[i] == b',') {
        values.push(&text[start..i]);
        start = i + 1;
    }
    values.push(&text[start..]);
    values.into_iter().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned).collect()
}

/// Every combination of the axes' values (first axis outermost), as overrides.
pub fn grid(axes: &[Axis]) -> Vec<Vec<Override>> {
    let mut points: Vec<Vec<Override>> = vec![Vec::new()];
    for axis in axes {
        points = points
            .into_iter()
            .flat_map(|p| {
                axis.values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push(Override::set(axis.path.clone(), v.clone()));
                    q
                })
            })
            .collect();
    }
    points
}

/// A comparison in a target query.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Comparison {
    Below,
    AtMost,
    Above,
    AtLeast,
}

/// A target such as `block_probability<0.05`.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub metric: Metric,
    pub comparison: Comparison,
    pub value: f64,
}

impl FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Target, String> {
        let ops = [
            ("<=", Comparison::AtMost),
            (">=", Comparison::AtLeast),
            ("<", Comparison::Below),
            (">", Comparison::Above),
        ];
        let (pos, op, comparison) = ops
            .iter()
            .filter_map(|(op, c)| s.find(op).map(|p| (p, *op, *c)))
            .min_by_key(|(p, op, _)| (*p, std::cmp::Reverse(op.len())))
            .ok_or_else(|| format!("`{s}` is not METRIC<VALUE (for example block_probability<0.05)"))?;
        let name = s[..pos].trim();
        let value: f64 = s[pos + op.len()..]
            .trim()
            .parse()
            .map_err(|_| format!("`{}` in `{s}` is not a number", &s[pos + op.len()..]))?;
        if !value.is_finite() {
            return Err(format!(
                "`{}` in `{s}` is not a finite number; a target compares with a number such as 0.05",
                s[pos + op.len()..].trim()
            ));
        }
        // "block_probability" is what people say; the metric is the share blocked.
        let canonical = if name == "block_probability" { "blocked" } else { name };
        let metric: Metric = canonical
            .parse()
            .map_err(|_| format!("`{name}` is not a metric; metrics: {}", target_metrics().join(", ")))?;
        Ok(Target { metric, comparison, value })
    }
}

/// The metric names a target takes: `block_probability` (the share of replications
/// blocked), then every metric of [`Metric::ALL`].
pub fn target_metrics() -> Vec<&'static str> {
    std::iter::once("block_probability").chain(Metric::ALL.iter().map(|m| m.name())).collect()
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.comparison {
            Comparison::Below => "<",
            Comparison::AtMost => "<=",
            Comparison::Above => ">",
            Comparison::AtLeast => ">=",
        };
        let name = if self.metric == Metric::Blocked { "block_probability" } else { self.metric.name() };
        write!(f, "{name}{op}{}", self.value)
    }
}

impl Target {
    fn holds(&self, x: f64) -> bool {
        match self.comparison {
            Comparison::Below => x < self.value,
            Comparison::AtMost => x <= self.value,
            Comparison::Above => x > self.value,
            Comparison::AtLeast => x >= self.value,
        }
    }

    /// Whether the metric's mean meets the target, and whether the whole 95% interval
    /// does (the target is then met with 95% confidence, one-sided 97.5%).
    pub fn assess(&self, s: &Summary) -> (bool, bool) {
        let bound = match self.comparison {
            Comparison::Below | Comparison::AtMost => s.ci_high,
            Comparison::Above | Comparison::AtLeast => s.ci_low,
        };
        (self.holds(s.mean), self.holds(bound))
    }
}

/// Mean compliance cost of a point ([`Metric::ComplianceCost`]: moderation plus one-off
/// actions), what a target query minimises: what the platform chooses to spend, not
/// what enforcement then costs it (fines and revenue lost are in `total_cost`).
pub fn compliance_cost(r: &RunResults) -> f64 {
    r.summary(Metric::ComplianceCost).mean
}

/// The answer to a target query over the points of a sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetAnswer {
    /// Cheapest point whose mean meets the target.
    pub cheapest: Option<usize>,
    /// Cheapest point whose whole 95% interval meets it.
    pub cheapest_confident: Option<usize>,
}

pub fn answer(target: &Target, points: &[RunResults]) -> TargetAnswer {
    let cheapest = |confident: bool| {
        points
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                let (mean_ok, ci_ok) = target.assess(r.summary(target.metric));
                if confident {
                    ci_ok
                } else {
                    mean_ok
                }
            })
            .min_by(|a, b| compliance_cost(a.1).total_cmp(&compliance_cost(b.1)).then(a.0.cmp(&b.0)))
            .map(|(i, _)| i)
    };
    TargetAnswer { cheapest: cheapest(false), cheapest_confident: cheapest(true) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(spec: &str) -> Vec<String> {
        spec.parse::<Axis>().map(|a| a.values).unwrap_or_else(|e| vec![format!("ERR {e}")])
    }

    #[test]
    fn value_specs() {
        assert_eq!(values("p=20..100 step 20"), ["20", "40", "60", "80", "100"]);
        assert_eq!(values("p=0.1..0.3 step 0.1"), ["0.1", "0.2", "0.3"]);
        assert_eq!(values("p=10..1000 geometric 3"), ["10", "100", "1000"]);
        assert_eq!(values("p=3d,7d, 14d"), ["3d", "7d", "14d"]);
        assert!(values("p=5..1 step 1")[0].starts_with("ERR"));
        assert!(values("p=1..5 step 0")[0].starts_with("ERR"));
        assert!(values("p=1..1e9 step 1")[0].starts_with("ERR"));
        assert!(values("p=1..5 by 1")[0].starts_with("ERR"));
    }

    #[test]
    fn a_step_too_small_for_the_axis_says_how_many_values_it_makes() {
        assert_eq!(
            values("p=1..5 step 1e-300"),
            ["ERR `1..5 step 1e-300` has about 4.0e300 values; at most 1000 per axis"]
        );
        assert_eq!(
            values("p=1..5 step 0.001"),
            ["ERR `1..5 step 0.001` has 4001 values; at most 1000 per axis"]
        );
    }

    #[test]
    fn grid_is_the_full_product() {
        let a: Axis = "x=1,2".parse().unwrap();
        let b: Axis = "y=a,b,c".parse().unwrap();
        let g = grid(&[a, b]);
        assert_eq!(g.len(), 6);
        assert_eq!(g[4].iter().map(|o| o.to_string()).collect::<Vec<_>>(), ["x=2", "y=b"]);
    }

    #[test]
    fn a_list_is_cut_only_at_commas_between_values() {
        let exponential = r#"{ dist = "exponential", mean = "5m" }"#;
        let lognormal = r#"{ dist = "lognormal", median = "4m", p90 = "9m" }"#;
        let tables = [exponential, lognormal];
        assert_eq!(parse_values(&format!("{exponential},{lognormal}")).unwrap(), tables);
        assert_eq!(parse_values(&format!("[ {exponential}, {lognormal} ]")).unwrap(), tables);
        assert_eq!(parse_values(exponential).unwrap(), [exponential]);
        // Arrays as values, and commas inside quotes.
        assert_eq!(
            parse_values(r#"["cleanup"], ["cleanup", "commitment"]"#).unwrap(),
            [r#"["cleanup"]"#, r#"["cleanup", "commitment"]"#]
        );
        assert_eq!(parse_values(r#""a,b", 'c,d', "e\",f""#).unwrap(), [r#""a,b""#, "'c,d'", r#""e\",f""#]);
        // A bracketed list of plain values; and `[a] , [b]` is two arrays, not one list.
        assert_eq!(parse_values("[10, 20, 50]").unwrap(), ["10", "20", "50"]);
        assert_eq!(parse_values("[1], [2]").unwrap(), ["[1]", "[2]"]);
        // A table whose text holds `..` is a value, not a range.
        assert_eq!(
            parse_values(r#"{ dist = "fixed", value = "1..2" }"#).unwrap(),
            [r#"{ dist = "fixed", value = "1..2" }"#]
        );
    }

    #[test]
    fn ranges_of_durations_keep_their_units() {
        assert_eq!(parse_values("1d..3d step 1d").unwrap(), ["1d", "2d", "3d"]);
        assert_eq!(parse_values("12h..2d step 12h").unwrap(), ["12h", "1d", "36h", "2d"]);
        assert_eq!(parse_values("1h..100h geometric 3").unwrap(), ["1h", "10h", "100h"]);
        assert!(parse_values("1d..3d step soon").unwrap_err().contains("1d..3d step soon"));
    }

    #[test]
    fn targets() {
        let t: Target = "block_probability<0.05".parse().unwrap();
        assert_eq!((t.metric, t.comparison, t.value), (Metric::Blocked, Comparison::Below, 0.05));
        let t: Target = "exposure <= 1e6".parse().unwrap();
        assert_eq!(t.comparison, Comparison::AtMost);
        assert!("blok_probability<0.1".parse::<Target>().is_err());
        assert!("exposure".parse::<Target>().is_err());
    }

    #[test]
    fn targets_must_be_finite() {
        for bad in ["exposure<NaN", "exposure<nan", "blocked>inf", "blocked>=-infinity"] {
            let err = bad.parse::<Target>().unwrap_err();
            assert!(err.contains("is not a finite number"), "{bad}: {err}");
        }
        assert_eq!(
            "exposure<NaN".parse::<Target>().unwrap_err(),
            "`NaN` in `exposure<NaN` is not a finite number; a target compares with a number such as 0.05"
        );
    }
}
