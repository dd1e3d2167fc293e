//! Common random numbers for entities: each takedown order draws its compliance and
//! handling time from a stream keyed by its sequence number, so a variant that changes
//! what earlier orders drew leaves later orders' draws alone and paired differences
//! stay paired.

use std::collections::BTreeMap;
use std::path::Path;

use modsim::model::{run_replication, LogEntry};
use modsim::scenario::{self, Override};

const FLAGSHIP: &str = "scenarios/tiktok-indonesia-2018.toml";

/// The number after `prefix` at the start of `text` ("... order #12: ..." gives 12).
fn order_number(text: &str, prefix: &str) -> Option<u64> {
    text.strip_prefix(prefix)?.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// The handling delay, in milliseconds, of each order the platform handled, by order
/// number.
fn handling_delays(log: &[LogEntry]) -> BTreeMap<u64, u64> {
    let mut issued = BTreeMap::new();
    let mut delays = BTreeMap::new();
    for e in log {
        if let Some(n) = order_number(&e.text, "regulator sends takedown order #") {
            issued.insert(n, e.time);
        } else if let Some(n) = order_number(&e.text, "platform handles order #") {
            delays.insert(n, e.time.since(issued[&n]).0);
        }
    }
    delays
}

#[test]
fn a_variant_that_refuses_more_orders_leaves_the_later_orders_draws_alone() {
    // The variant complies with fewer orders: a refused order takes no handling draw,
    // which once shifted the draws of every later order. The local office is switched
    // off in both, so the handling time of an order depends on its draws only.
    let load = |compliance: &str| {
        let sets: Vec<Override> = [
            format!("platform.orders.compliance_probability={compliance}"),
            "playbook.local-office.handling_factor=1".into(),
        ]
        .iter()
        .map(|o| o.parse().unwrap())
        .collect();
        scenario::load_with(Path::new(FLAGSHIP), &sets).unwrap().scenario
    };
    let (often, seldom) = (load("0.6"), load("0.3"));
    let (mut compared, mut refused_before_compared) = (0, 0);
    for replication in 0..4 {
        let a = handling_delays(&run_replication(&often, often.seed(), replication, true).log);
        let b = handling_delays(&run_replication(&seldom, seldom.seed(), replication, true).log);
        for (n, delay) in &b {
            if let Some(other) = a.get(n) {
                assert_eq!(
                    other, delay,
                    "replication {replication}: order #{n} handled after different delays"
                );
                compared += 1;
                // An earlier order the baseline handled and the variant refused.
                if a.range(..n).any(|(m, _)| !b.contains_key(m)) {
                    refused_before_compared += 1;
                }
            }
        }
    }
    eprintln!(
        "{compared} orders compared, {refused_before_compared} after an order only the baseline handled"
    );
    // Enough orders are compared, and most of them follow an order only one handled:
    // the case that used to shift the draws.
    assert!(
        compared >= 20 && refused_before_compared >= compared / 2,
        "{compared}, {refused_before_compared}"
    );
}
