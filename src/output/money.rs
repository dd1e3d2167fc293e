//! Money as every output shows it: each amount with its currency, and the cost model's
//! total and parts (`model::Metrics::total_cost`, docs/costs.md) in one order, with one
//! set of names, for the terminal, the tables, the report and the charts.

use crate::model::Metric;
use crate::output::numbers::quantity;

pub use crate::scenario::money::{unit, CURRENCY_UNITS};

/// The platform's total cost, as outputs name it.
pub const TOTAL: (Metric, &str) = (Metric::TotalCost, "total cost to the platform");

/// What the platform chooses to spend, the part a sweep's target minimises.
pub const COMPLIANCE: (Metric, &str) = (Metric::ComplianceCost, "compliance cost (moderation and actions)");

/// The parts of [`TOTAL`], in the order of [`Metric::COST_PARTS`], as outputs name them.
pub const PARTS: [(Metric, &str); 4] = [
    (Metric::ModerationCost, "moderation"),
    (Metric::ActionCost, "compliance actions"),
    (Metric::FinesAmount, "fines"),
    (Metric::RevenueLost, "revenue lost"),
];

/// The `unit` cell of a metric in summary.csv: a money metric's is the currency, or
/// `currency` when the scenario names none (as before currencies); any other metric's
/// is its own unit.
pub fn csv_unit(metric: Metric, currency: Option<&str>) -> &str {
    match currency {
        Some(c) if metric.is_money() => c,
        _ => metric.unit(),
    }
}

/// An amount with its unit, the terminal's way: "1.39 M USD", "0 currency units".
pub fn amount(x: f64, unit: &str) -> String {
    if x.is_nan() {
        return "n/a".into();
    }
    format!("{} {unit}", quantity(x))
}

/// How the total is made, in words, for the notes under money tables.
pub fn definition(unit: &str) -> String {
    format!(
        "All amounts in {unit}. The total cost to the platform is moderation plus compliance actions (together the compliance cost) plus fines plus revenue lost while users are cut off, in every replication; what users bear (user-days lost, views of violating items, clean items removed) is not money and is not in it."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_name_their_unit() {
        assert_eq!(amount(1_390_000.0, "USD"), "1.39 M USD");
        assert_eq!(amount(0.0, CURRENCY_UNITS), "0 currency units");
        assert_eq!(amount(f64::NAN, "USD"), "n/a");
        assert_eq!(csv_unit(Metric::TotalCost, Some("IDR")), "IDR");
        assert_eq!(csv_unit(Metric::TotalCost, None), "currency");
        assert_eq!(csv_unit(Metric::Exposure, Some("IDR")), "views");
        let parts: Vec<Metric> = PARTS.iter().map(|p| p.0).collect();
        assert_eq!(parts, Metric::COST_PARTS);
    }
}
