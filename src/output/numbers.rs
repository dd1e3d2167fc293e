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
