//! How a learnt value is written at an override path: as a number, or as a duration
//! in the form the scenario has there. `modsim calibrate` writes its particles into
//! cases this way, and a scenario's `[posterior]` writes its particles the same way.

use toml_edit::{Item, Value};

use super::units::parse_duration;

/// How a value is written at a path, from what the scenario has there.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Form {
    /// A plain number.
    Number,
    /// A fixed duration ("36h").
    Fixed,
    /// A lognormal duration: the value is its median, the p90 keeps its ratio to the median.
    Lognormal { p90_ratio: f64 },
    /// An exponential duration: the value is its mean.
    Exponential,
    /// A gamma duration: the value is its mean, the sd keeps its ratio to the mean.
    Gamma { sd_ratio: f64 },
}

/// The override text that writes `value` (days for a duration) in `form`.
pub fn value_text(form: Form, value: f64) -> String {
    let ms = |days: f64| format!("\"{}ms\"", (days * 86_400_000.0).round() as u64);
    match form {
        Form::Number => format!("{value:?}"),
        Form::Fixed => ms(value),
        Form::Lognormal { p90_ratio } => {
            format!("{{ dist = \"lognormal\", median = {}, p90 = {} }}", ms(value), ms(value * p90_ratio))
        }
        Form::Exponential => format!("{{ dist = \"exponential\", mean = {} }}", ms(value)),
        Form::Gamma { sd_ratio } => {
            format!("{{ dist = \"gamma\", mean = {}, sd = {} }}", ms(value), ms(value * sd_ratio))
        }
    }
}

/// How a duration is written at a path whose item is `item`: as a fixed duration where
/// the scenario has one, or as its distribution with its centre set. `place` names the
/// path in messages ("`regulator.unblock.processing_time` in case `id-01`").
pub fn duration_form(item: &Item, place: &str) -> Result<Form, String> {
    let value = |key: &str| -> Option<f64> {
        let v = item.get(key)?;
        Some(parse_duration(v.as_str()?).ok()?.as_days_f64())
    };
    match item.as_value() {
        Some(Value::String(_)) => return Ok(Form::Fixed),
        Some(Value::InlineTable(_)) => {}
        _ if item.is_table() => {}
        _ => return Err(format!("{place} is not a duration")),
    }
    let dist = item.get("dist").and_then(Item::as_str).unwrap_or("");
    let ratio = |top: &str, base: &str| match (value(top), value(base)) {
        (Some(t), Some(b)) if b > 0.0 => Ok(t / b),
        _ => Err(format!("{place} has no {top} and {base} to scale")),
    };
    match dist {
        "lognormal" => Ok(Form::Lognormal { p90_ratio: ratio("p90", "median")? }),
        "exponential" => Ok(Form::Exponential),
        "gamma" => Ok(Form::Gamma { sd_ratio: ratio("sd", "mean")? }),
        other => Err(format!(
            "{place} is a `{other}` distribution; a parameter sets a fixed duration or the centre of a lognormal, exponential or gamma one"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_as_the_case_wrote_them() {
        assert_eq!(value_text(Form::Number, 0.25), "0.25");
        assert_eq!(value_text(Form::Number, 1.0), "1.0");
        assert_eq!(value_text(Form::Fixed, 1.5), "\"129600000ms\"");
        assert_eq!(
            value_text(Form::Lognormal { p90_ratio: 5.0 }, 1.0),
            "{ dist = \"lognormal\", median = \"86400000ms\", p90 = \"432000000ms\" }"
        );
        assert_eq!(value_text(Form::Exponential, 0.5), "{ dist = \"exponential\", mean = \"43200000ms\" }");
    }

    #[test]
    fn a_duration_s_form_comes_from_what_is_written_there() {
        let doc: toml_edit::DocumentMut = r#"
fixed = "5d"
spread = { dist = "lognormal", median = "2d", p90 = "10d" }
gamma = { dist = "gamma", mean = "4d", sd = "1d" }
flat = { dist = "uniform", min = "1d", max = "3d" }
count = 3
"#
        .parse()
        .unwrap();
        let form = |key: &str| duration_form(&doc[key], &format!("`{key}`"));
        assert_eq!(form("fixed"), Ok(Form::Fixed));
        assert_eq!(form("spread"), Ok(Form::Lognormal { p90_ratio: 5.0 }));
        assert_eq!(form("gamma"), Ok(Form::Gamma { sd_ratio: 0.25 }));
        assert!(form("flat").unwrap_err().starts_with("`flat` is a `uniform` distribution"));
        assert_eq!(form("count"), Err("`count` is not a duration".into()));
    }
}
