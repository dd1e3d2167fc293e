//! The one way numbers are written for people: thousands suffixes (k, M, G, T) and
//! percentages, shared by the terminal, the report and the charts.

/// `x` scaled for a thousands suffix: 1,234 -> (1.234, "k"), 5.6e9 -> (5.6, "G");
/// below 1,000 unscaled, with no suffix. The suffix is chosen for `x` rounded to three
/// significant figures, so that 999,999 reads "1.00 M", not "1000 k".
pub fn thousands(x: f64) -> (f64, &'static str) {
    let a = significant(x.abs(), 3);
    for (scale, suffix) in [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")] {
        if a >= scale {
            return (x / scale, suffix);
        }
    }
    (x, "")
}

/// `a` (positive) rounded to `digits` significant figures.
fn significant(a: f64, digits: i32) -> f64 {
    if a == 0.0 || !a.is_finite() {
        return a;
    }
    let scale = 10f64.powi(digits - 1 - a.log10().floor() as i32);
    (a * scale).round() / scale
}

/// A quantity to three significant figures with a thousands suffix: 123 -> "123",
/// 1234 -> "1.23 k", 12,345 -> "12.3 k", 5.6e9 -> "5.60 G"; whole numbers below 1,000
/// as they are.
pub fn quantity(x: f64) -> String {
    if x.is_nan() {
        return "n/a".into();
    }
    let (v, suffix) = thousands(x);
    let suffix = if suffix.is_empty() { String::new() } else { format!(" {suffix}") };
    let rounded = significant(v.abs(), 3);
    if suffix.is_empty() && v.fract() == 0.0 {
        format!("{v:.0}")
    } else if rounded >= 100.0 {
        format!("{v:.0}{suffix}")
    } else if rounded >= 10.0 {
        format!("{v:.1}{suffix}")
    } else {
        format!("{v:.2}{suffix}")
    }
}

/// A share as a percentage with one decimal ("12.3%"), "n/a" when undefined.
pub fn percent(x: f64) -> String {
    if x.is_nan() {
        "n/a".into()
    } else {
        format!("{:.1}%", x * 100.0)
    }
}

/// Below this many replications the Student-t intervals are rough: the terminal and the
/// report warn about it.
pub const FEW_REPLICATIONS: u64 = 30;

/// The warning for a run of `replications`, if they are fewer than [`FEW_REPLICATIONS`].
pub fn few_replications(replications: u64) -> Option<String> {
    (replications < FEW_REPLICATIONS).then(|| {
        format!(
            "only {replications} replications: below {FEW_REPLICATIONS} the 95% intervals are rough \
             (those of quantities that cannot be negative are shown from zero); \
             run more, or ask for a --precision"
        )
    })
}

/// The lower end of a shown interval of a quantity that cannot be negative (every
/// metric is a count, a duration, a share or an amount): a Student-t interval at small
/// n can reach below zero, which the quantity cannot. NaN stays NaN.
pub fn floored(x: f64) -> f64 {
    if x < 0.0 {
        0.0
    } else {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_are_floored_at_zero_and_nan_stays_unknown() {
        assert_eq!(floored(-0.31), 0.0);
        assert_eq!(floored(2.5), 2.5);
        assert!(floored(f64::NAN).is_nan());
        assert_eq!(quantity(floored(-0.31)), "0");
    }

    #[test]
    fn fewer_than_thirty_replications_are_warned_about() {
        assert!(few_replications(30).is_none());
        let warning = few_replications(10).unwrap();
        assert!(warning.starts_with("only 10 replications: below 30"), "{warning}");
    }
}
