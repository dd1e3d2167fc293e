//! The report's parameter table: every parameter of the first run with its value as it
//! ran, its unit, where the value was set (the file, an override, the default) and where
//! the number comes from (`[sources]`, `[posterior]`), all read from run.json.

use super::data::FolderData;
use crate::scenario::{Origin, Parameter, Source};

/// The table's header.
pub(super) fn header() -> Vec<String> {
    ["Parameter", "Value", "Unit", "Set", "Source"].map(String::from).to_vec()
}

/// A row per parameter.
pub(super) fn rows(data: &FolderData) -> Vec<Vec<String>> {
    let r = &data.record;
    let currency = r.money.unit();
    // The command line can run other replications or another seed than the file says:
    // the table gives what ran.
    let ran = |p: &Parameter| -> String {
        let actual = match p.path.as_str() {
            "scenario.replications" => r.replications.to_string(),
            "scenario.seed" => r.seed.to_string(),
            _ => return p.value.clone(),
        };
        if actual == p.value {
            p.value.clone()
        } else {
            format!("{actual} (the file says {})", p.value)
        }
    };
    // A section's source covers many rows in a row: its note is given once, and the
    // rows after it that share it say so, so the table stays one line a parameter.
    let mut previous: Option<&Source> = None;
    r.parameters
        .iter()
        .map(|p| {
            let said = match (p.source.as_ref(), previous) {
                (Some(s), Some(before)) if s == before && (!s.note.is_empty() || s.url.is_some()) => {
                    format!("{} (as above)", s.kind.name())
                }
                (s, _) => source(s),
            };
            previous = p.source.as_ref();
            vec![p.path.clone(), ran(p), unit(&p.path, currency), origin(p.origin), said]
        })
        .collect()
}

/// A sentence counting the parameters by source and by where they were set, under
/// the table's heading; empty for folders that did not record them.
pub(super) fn summary(data: &FolderData) -> String {
    let params = &data.record.parameters;
    if params.iter().all(|p| p.origin.is_none()) {
        return String::new();
    }
    let count = |f: &dyn Fn(&Parameter) -> bool| params.iter().filter(|p| f(p)).count();
    let mut kinds: Vec<String> = crate::scenario::SourceKind::ALL
        .into_iter()
        .map(|k| (k, count(&|p| p.source.as_ref().is_some_and(|s| s.kind == k))))
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| match k {
            crate::scenario::SourceKind::Guess if n > 1 => format!("{n} guesses"),
            k => format!("{n} {}", k.name()),
        })
        .collect();
    let unstated = count(&|p| p.source.is_none());
    if unstated > 0 {
        kinds.push(format!("{unstated} not stated"));
    }
    let told = if unstated == params.len() {
        "The scenario does not say where its numbers come from: a [sources] table would (docs/scenario-format.md)."
    } else {
        "The scenario's [sources] says where its numbers come from (docs/scenario-format.md)."
    };
    format!(
        "Of {} parameters: {}. {} set in the file, {} by an override, {} left at their defaults. {told}",
        params.len(),
        kinds.join(", "),
        count(&|p| p.origin == Some(Origin::File)),
        count(&|p| p.origin == Some(Origin::Override)),
        count(&|p| p.origin == Some(Origin::Default)),
    )
}

/// Where a value was set, in words; empty for folders that did not record it.
fn origin(origin: Option<Origin>) -> String {
    match origin {
        Some(Origin::File) => "in the file".into(),
        Some(Origin::Override) => "by an override".into(),
        Some(Origin::Default) => "default".into(),
        None => String::new(),
    }
}

/// Where a number comes from, in words: "sourced: note (url)".
fn source(source: Option<&Source>) -> String {
    let Some(s) = source else { return "not stated".into() };
    let mut out = s.kind.name().to_owned();
    if !s.note.is_empty() {
        out.push_str(": ");
        out.push_str(&s.note);
    }
    if let Some(url) = &s.url {
        out.push_str(&format!(" ({url})"));
    }
    out
}

/// The unit of the parameter at `path`, from its last key (a duration's value carries
/// its unit, and a text value has none).
pub(super) fn unit(path: &str, currency: &str) -> String {
    let key = path.rsplit('.').next().unwrap_or(path);
    let unit = match key {
        "daily_active_users" => "users",
        "uploads_per_day" | "items_per_day" | "crawler_samples_per_day" => "items per day",
        "catalogue_items" | "initial_stock" => "items",
        "views_per_item_per_day" => "views per item per day",
        "report_probability" => "reports per view",
        "complaints_per_violating_view" => "complaints per view",
        "share"
        | "vpn_share"
        | "recall"
        | "accuracy"
        | "false_positive_rate"
        | "max_prevalence"
        | "probability"
        | "compliance_probability" => "share (0 to 1)",
        "views_factor" | "handling_factor" => "factor",
        "moderators" => "moderators",
        "hours_per_day" => "hours per day",
        "revenue_per_user_day" => return format!("{currency} per user-day"),
        "cost_per_moderator_day" => return format!("{currency} per moderator-day"),
        "cost" => return currency.to_owned(),
        "replications" => "replications",
        _ => "",
    };
    unit.to_owned()
}

#[cfg(test)]
mod tests {
    use super::super::data;
    use super::*;
    use crate::scenario::SourceKind;

    #[test]
    fn the_table_gives_the_replications_and_seed_that_ran() {
        let mut data = data::tests::folder("run");
        let parameter = |path: &str, value: &str| Parameter {
            path: path.into(),
            value: value.into(),
            ..Default::default()
        };
        data.record.replications = 300;
        data.record.parameters = vec![
            parameter("scenario.replications", "1000"),
            parameter("scenario.seed", &data.record.seed.to_string()),
            parameter("platform.daily_active_users", "1000"),
        ];
        let rows = rows(&data);
        assert_eq!(rows[0][1], "300 (the file says 1000)");
        assert_eq!(rows[1][1], data.record.seed.to_string());
        assert_eq!(rows[2][1..], ["1000", "users", "", "not stated"]);
    }

    #[test]
    fn each_row_says_its_unit_where_it_was_set_and_its_source() {
        let mut data = data::tests::folder("run");
        data.record.money.currency = Some("USD".into());
        data.record.parameters = vec![Parameter {
            path: "platform.review.cost_per_moderator_day".into(),
            value: "30".into(),
            origin: Some(Origin::File),
            source: Some(Source {
                kind: SourceKind::Sourced,
                note: "payroll, 2018".into(),
                url: Some("https://example.org".into()),
            }),
        }];
        assert_eq!(
            rows(&data)[0],
            [
                "platform.review.cost_per_moderator_day",
                "30",
                "USD per moderator-day",
                "in the file",
                "sourced: payroll, 2018 (https://example.org)"
            ]
        );
        // The rows after it that share its source say so, until another source.
        let guess = Source { kind: SourceKind::Guess, note: "tuned to 2018".into(), url: None };
        let row = |path: &str, source: Option<Source>| Parameter {
            path: path.into(),
            value: "1".into(),
            origin: Some(Origin::File),
            source,
        };
        data.record.parameters = vec![
            row("platform.a", Some(guess.clone())),
            row("platform.b", Some(guess.clone())),
            row("platform.c", None),
            row("platform.d", Some(guess.clone())),
            row("platform.e", Some(guess)),
        ];
        let sources: Vec<String> = rows(&data).into_iter().map(|r| r[4].clone()).collect();
        assert_eq!(
            sources,
            [
                "guess: tuned to 2018",
                "guess (as above)",
                "not stated",
                "guess: tuned to 2018",
                "guess (as above)"
            ]
        );
        assert_eq!(unit("playbook.cleanup.delay", "USD"), "");
        assert_eq!(unit("platform.categories.a.share", "USD"), "share (0 to 1)");
    }
}
