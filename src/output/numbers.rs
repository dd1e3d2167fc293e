//! The one way numbers are written for people: thousands suffixes (k, M, G, T) and
//! percentages, shared by the terminal, the report and the charts.

/// `x` scaled for a thousands suffix: 12,345 -> (12.345, "k"), 5.6e9 -> (5.6, "G");
/// below 10,000 unscaled, with no suffix.
pub fn thousands(x: f64) -> (f64, &'static str) {
    let a = x.abs();
    if a >= 1e12 {
        (x / 1e12, "T")
    } else if a >= 1e9 {
        (x / 1e9, "G")
    } else if a >= 1e6 {
        (x / 1e6, "M")
    } else if a >= 1e4 {
        (x / 1e3, "k")
    } else {
        (x, "")
    }
}

/// A quantity with a thousands suffix: 1234 -> "1234", 12,345 -> "12.3 k", 5.6e9 ->
/// "5.60 G".
pub fn quantity(x: f64) -> String {
    if x.is_nan() {
        return "n/a".into();
    }
    let (v, suffix) = thousands(x);
    let suffix = if suffix.is_empty() { String::new() } else { format!(" {suffix}") };
    if suffix.is_empty() && v.fract() == 0.0 {
        format!("{v:.0}")
    } else if v.abs() >= 100.0 {
        format!("{v:.0}{suffix}")
    } else if v.abs() >= 10.0 {
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
