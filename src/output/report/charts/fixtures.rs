//! What the chart tests draw: a made-up run, and the text of a drawn chart.

use std::collections::BTreeMap;

use super::{render, Draw};
use crate::model::Metric;
use crate::output::report::data::{BlockRow, EventRow, GridRow, MetricSummary, RunData, SurvivalRow};

/// A 30-day run: two blocks (one lifted after 4 days, one still in force after 5),
/// two takedown orders, a warning, a completed action, and the four sweep metrics.
pub(super) fn run(label: &str) -> RunData {
    let grid = (0..=30)
        .map(|d| {
            let day = f64::from(d);
            GridRow {
                day,
                bands: [day, 2.0 * day, 3.0 * day, 4.0 * day, 5.0 * day],
                blocked_probability: if (10..20).contains(&d) { 0.5 } else { 0.0 },
                traced_visible: 3.0 * day,
                traced_backlog: 30.0 - day,
                ..GridRow::default()
            }
        })
        .collect();
    let block = |replication, start, duration_days, censored| BlockRow {
        replication,
        start,
        end: if censored { None } else { Some(start + duration_days) },
        duration_days,
        censored,
    };
    let event = |day, actor: &str, kind: &str| EventRow {
        day,
        actor: actor.into(),
        kind: kind.into(),
        text: String::new(),
    };
    let metric = |mean, ci_low, ci_high| MetricSummary { mean, ci_low, ci_high, ..MetricSummary::default() };
    RunData {
        label: label.into(),
        labels: Vec::new(),
        metrics: BTreeMap::from([
            (Metric::Blocked.into(), metric(0.25, 0.1, 0.4)),
            (Metric::DaysBlocked.into(), metric(4.5, 3.0, 6.0)),
            (Metric::Exposure.into(), metric(1200.0, 1000.0, 1400.0)),
            (Metric::UserDaysLost.into(), metric(300.0, 250.0, 350.0)),
        ]),
        grid,
        blocks: vec![block(0, 10.0, 4.0, false), block(1, 25.0, 5.0, true)],
        first_blocks: Vec::new(),
        // The Kaplan-Meier curve of those two blocks.
        survival: vec![
            SurvivalRow {
                day: 4.0,
                survival: 0.5,
                ci_low: 0.1,
                ci_high: 1.0,
                at_risk: 2,
                events: 1,
                censored: 0,
            },
            SurvivalRow {
                day: 5.0,
                survival: 0.5,
                ci_low: 0.1,
                ci_high: 1.0,
                at_risk: 1,
                events: 0,
                censored: 1,
            },
        ],
        events: vec![
            event(2.0, "regulator", "order"),
            event(5.0, "regulator", "order"),
            event(8.0, "regulator", "warning"),
            event(9.0, "platform", "action_done"),
        ],
        takedowns: Vec::new(),
    }
}

/// A sweep point's run with the given parameter values, labelled as sweep.csv
/// labels it.
pub(super) fn point(values: &[(&str, &str)]) -> RunData {
    let mut labels = vec![("point".to_owned(), "0".to_owned())];
    labels.extend(values.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    RunData { labels, ..run("point") }
}

/// The text of every `<text>` element of an SVG, which must parse as one.
pub(super) fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not XML: {e}"));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or_default().trim().to_owned())
        .collect()
}

/// Draws `chart` under the title "Test" and returns its SVG.
pub(super) fn svg(chart: &impl Draw) -> String {
    render("test", "Test", String::new(), chart).unwrap().svg
}

/// Draws `chart` under the title "Test" and returns its SVG's texts.
pub(super) fn texts(chart: &impl Draw) -> Vec<String> {
    svg_texts(&svg(chart))
}

/// How many `tag` elements of an SVG have all of `attributes`.
pub(super) fn count(svg: &str, tag: &str, attributes: &[(&str, &str)]) -> usize {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name(tag) && attributes.iter().all(|(k, v)| n.attribute(*k) == Some(*v)))
        .count()
}

/// Asserts that `texts` holds exactly `text`.
pub(super) fn assert_has(texts: &[String], text: &str) {
    assert!(texts.iter().any(|t| t == text), "no text {text:?} in {texts:?}");
}

/// Asserts that `texts` does not hold `text`.
pub(super) fn assert_lacks(texts: &[String], text: &str) {
    assert!(!texts.iter().any(|t| t == text), "text {text:?} in {texts:?}");
}
