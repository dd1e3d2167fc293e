//! Warnings about a sweep that changes a distribution's shape by accident: varying a
//! lognormal's median while its p90 stays fixed (or its p90 while its median stays)
//! changes the p90/median ratio, which is its spread; varying a gamma's mean while its
//! sd stays fixed changes its coefficient of variation. People usually mean to move the
//! whole distribution, keeping its shape.

use toml_edit::DocumentMut;

use super::diagnostic::{Diagnostic, Lines};
use super::overrides::{self, path_within, Override};
use super::units::parse_duration;
use super::Severity;
use crate::engine::SimDuration;

/// The warnings for sweeping `axes` (each a path and its values) over the scenario
/// `text` with `overrides` applied, in axis order; `origin` names the file. A path
/// that does not end in a lognormal's `median` or `p90` or a gamma's `mean`, or whose
/// partner is varied too, gives none.
pub fn spread_warnings(
    origin: &str,
    text: &str,
    overrides: &[Override],
    axes: &[(&str, &[String])],
) -> Vec<Diagnostic> {
    let Ok(mut doc) = text.parse::<DocumentMut>() else {
        return Vec::new();
    };
    for ov in overrides {
        // The base scenario was validated with these; one that fails here has failed
        // there already.
        let _ = overrides::apply(&mut doc, ov);
    }
    axes.iter()
        .enumerate()
        .filter_map(|(i, (path, values))| {
            let others: Vec<&str> =
                axes.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, (p, _))| *p).collect();
            warning(&doc, path, values, &others)
        })
        .map(|(key, message, help)| {
            Diagnostic::new(Severity::Warning, origin, &Lines::new(""), None, key, message, Some(help))
        })
        .collect()
}

/// The key, message and help of the warning for one axis, if it needs one.
fn warning(
    doc: &DocumentMut,
    path: &str,
    values: &[String],
    others: &[&str],
) -> Option<(String, String, String)> {
    let (table_path, varied) = path.rsplit_once('.')?;
    let (dist, fixed, ratio_name) = match varied {
        "median" => ("lognormal", "p90", "p90/median ratio"),
        "p90" => ("lognormal", "median", "p90/median ratio"),
        "mean" => ("gamma", "sd", "coefficient of variation (sd/mean)"),
        _ => return None,
    };
    let fixed_path = format!("{table_path}.{fixed}");
    // Varied together, or the whole table varied on the other axis: meant.
    if others.iter().any(|o| *o == fixed_path || path_within(table_path, o)) {
        return None;
    }
    let table = overrides::lookup(doc, table_path)?;
    let table = table.as_table_like()?;
    if table.get("dist")?.as_str()? != dist {
        return None;
    }
    let fixed_value = parse_duration(table.get(fixed)?.as_str()?).ok()?;
    let varied_values: Vec<SimDuration> =
        values.iter().map(|v| parse_duration(v).ok()).collect::<Option<_>>()?;
    // The ratio is of the later quantile (or the sd) to the earlier one (or the mean).
    let ratio = |v: SimDuration| {
        let (top, bottom) = if varied == "p90" { (v, fixed_value) } else { (fixed_value, v) };
        top.0 as f64 / bottom.0 as f64
    };
    let (first, last) = (ratio(*varied_values.first()?), ratio(*varied_values.last()?));
    if first == last || !first.is_finite() || !last.is_finite() {
        return None;
    }
    let message = format!(
        "--vary {path} changes the {varied} of this {dist} while its {fixed} stays {fixed_value}: its {ratio_name} goes from {} to {} along the axis, so its spread changes too",
        short(first),
        short(last)
    );
    // The first two points with the first point's shape kept.
    let tables: Vec<String> = varied_values
        .iter()
        .take(2)
        .map(|v| {
            let partner = if varied == "p90" { v.0 as f64 / first } else { v.0 as f64 * first };
            let partner = SimDuration(partner.round() as u64);
            match varied {
                "median" => format!("{{ dist = \"lognormal\", median = \"{v}\", p90 = \"{partner}\" }}"),
                "p90" => format!("{{ dist = \"lognormal\", median = \"{partner}\", p90 = \"{v}\" }}"),
                _ => format!("{{ dist = \"gamma\", mean = \"{v}\", sd = \"{partner}\" }}"),
            }
        })
        .collect();
    let help =
        format!("to keep its shape, vary whole tables: --vary '{table_path}={},...'", tables.join(","));
    Some((table_path.to_owned(), message, help))
}

/// A ratio to three significant digits, without trailing zeros.
fn short(x: f64) -> String {
    let digits = (2 - x.abs().log10().floor() as i32).max(0) as usize;
    let text = format!("{x:.digits$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"
[platform.review]
review_time = { dist = "lognormal", median = "4m", p90 = "12m" }
handling_time = { dist = "gamma", mean = "1h", sd = "30m" }
slow = { dist = "exponential", mean = "1h" }

[[regulator.ladder]]
name = "block"
trigger = { after_step = "notice", wait = { dist = "lognormal", median = "2d", p90 = "4d" } }
"#;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| v.to_string()).collect()
    }

    /// "key: message" of each warning for `axes`.
    fn check(axes: &[(&str, &[&str])], overrides: &[Override]) -> Vec<String> {
        let owned: Vec<(&str, Vec<String>)> = axes.iter().map(|(p, v)| (*p, strings(v))).collect();
        let axes: Vec<(&str, &[String])> = owned.iter().map(|(p, v)| (*p, v.as_slice())).collect();
        spread_warnings("t.toml", DOC, overrides, &axes)
            .iter()
            .map(|d| format!("{}: {}", d.key, d.message))
            .collect()
    }

    #[test]
    fn a_quantile_varied_alone_changes_the_spread() {
        assert_eq!(
            check(&[("platform.review.review_time.median", &["2m", "4m", "8m"])], &[]),
            ["platform.review.review_time: --vary platform.review.review_time.median changes the median of this lognormal while its p90 stays 12m: its p90/median ratio goes from 6 to 1.5 along the axis, so its spread changes too"]
        );
        assert_eq!(
            check(&[("regulator.ladder.block.trigger.wait.p90", &["3d", "5d"])], &[]),
            ["regulator.ladder.block.trigger.wait: --vary regulator.ladder.block.trigger.wait.p90 changes the p90 of this lognormal while its median stays 2d: its p90/median ratio goes from 1.5 to 2.5 along the axis, so its spread changes too"]
        );
        assert_eq!(
            check(&[("platform.review.handling_time.mean", &["30m", "2h"])], &[]),
            ["platform.review.handling_time: --vary platform.review.handling_time.mean changes the mean of this gamma while its sd stays 30m: its coefficient of variation (sd/mean) goes from 1 to 0.25 along the axis, so its spread changes too"]
        );
    }

    #[test]
    fn the_help_keeps_the_first_points_shape() {
        let owned = strings(&["2m", "4m"]);
        let axes = [("platform.review.review_time.median", owned.as_slice())];
        let warnings = spread_warnings("t.toml", DOC, &[], &axes);
        assert_eq!(
            warnings[0].help.as_deref(),
            Some(
                r#"to keep its shape, vary whole tables: --vary 'platform.review.review_time={ dist = "lognormal", median = "2m", p90 = "12m" },{ dist = "lognormal", median = "4m", p90 = "24m" },...'"#
            )
        );
    }

    #[test]
    fn no_warning_when_the_shape_is_kept_or_not_at_stake() {
        let none: [&str; 0] = [];
        // Both quantiles varied, or the whole table on the other axis.
        for other in ["platform.review.review_time.p90", "platform.review.review_time"] {
            assert_eq!(
                check(&[("platform.review.review_time.median", &["2m", "4m"]), (other, &["9m"])], &[]),
                none
            );
        }
        // Another distribution, another key, one value, or values that are not durations.
        assert_eq!(check(&[("platform.review.slow.mean", &["1h", "2h"])], &[]), none);
        assert_eq!(check(&[("platform.review.handling_time.sd", &["10m", "20m"])], &[]), none);
        assert_eq!(check(&[("platform.review.review_time.median", &["4m"])], &[]), none);
        assert_eq!(check(&[("platform.review.review_time.median", &["soon", "4m"])], &[]), none);
        assert_eq!(check(&[("platform.review.nothing.median", &["2m", "4m"])], &[]), none);
    }

    #[test]
    fn the_command_lines_overrides_are_applied_first() {
        let exponential =
            Override::set("platform.review.review_time", r#"{ dist = "exponential", mean = "5m" }"#);
        let none: [&str; 0] = [];
        assert_eq!(check(&[("platform.review.review_time.median", &["2m", "4m"])], &[exponential]), none);
        let p90 = Override::set("platform.review.review_time.p90", "8m");
        assert_eq!(check(&[("platform.review.review_time.median", &["2m", "4m"])], &[p90]).len(), 1);
    }

    #[test]
    fn ratios_are_written_short() {
        assert_eq!(
            [short(6.0), short(1.5), short(2.25), short(0.125), short(12.345)],
            ["6", "1.5", "2.25", "0.125", "12.3"]
        );
    }
}
