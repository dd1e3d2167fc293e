//! Property tests over generated input: no input makes the parser panic, and every
//! scenario that validates runs with its invariants intact.
//!
//! The number of cases is proptest's (256 by default; `PROPTEST_CASES=20000 cargo test
//! --test properties` for a long run). Inputs that once broke something are kept as
//! files in tests/malformed/ or as cases below.

use modsim::engine::SimDuration;
use modsim::model::{run_replication, Metric};
use modsim::scenario;
use proptest::prelude::*;

/// The strange values a hurried hand might type, each rare.
fn strange() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "-1", "-0.0", "nan", "inf", "-inf", "1e300", "\"12\"", "[]", "{}", "true", "2.5",
    ])
    .prop_map(str::to_owned)
}

/// A share or small number, occasionally strange.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![60 => (0.0f64..1.0).prop_map(|x| format!("{x}")), 1 => strange()]
}

/// A whole number, occasionally strange.
fn count() -> impl Strategy<Value = String> {
    prop_oneof![60 => (0u64..60).prop_map(|x| x.to_string()), 1 => strange()]
}

/// A fixed duration, occasionally strange.
fn plain() -> impl Strategy<Value = String> {
    prop_oneof![
        60 => (1u64..100, prop::sample::select(vec!["h", "d"])).prop_map(|(n, u)| format!("\"{n}{u}\"")),
        1 => prop::sample::select(vec!["\"0d\"", "\"-1d\"", "\"3 days\"", "12"]).prop_map(str::to_owned),
    ]
}

/// A random duration: fixed, or a distribution table.
fn duration() -> impl Strategy<Value = String> {
    prop_oneof![
        60 => (1u64..200, prop::sample::select(vec!["m", "h", "d"])).prop_map(|(n, u)| format!("\"{n}{u}\"")),
        3 => Just("{ dist = \"exponential\", mean = \"3h\" }".to_owned()),
        3 => Just("{ dist = \"gamma\", mean = \"2h\", sd = \"1h\" }".to_owned()),
        3 => Just("{ dist = \"lognormal\", median = \"2h\", p90 = \"9h\" }".to_owned()),
        1 => prop::sample::select(vec![
            "\"0d\"",
            "\"-1d\"",
            "\"3 days\"",
            "\"\"",
            "12",
            "{ dist = \"lognormal\", median = \"2h\", p90 = \"1h\" }",
            "{ dist = \"uniform\", min = \"1h\", max = \"1h\" }",
        ])
        .prop_map(str::to_owned),
    ]
}

fn trigger() -> impl Strategy<Value = String> {
    prop_oneof![
        (count(), plain()).prop_map(|(n, w)| format!("{{ findings = {n}, within = {w} }}")),
        (count(), plain()).prop_map(|(n, w)| format!("{{ missed_orders = {n}, within = {w} }}")),
        plain()
            .prop_map(|w| format!("{{ after_step = \"warning\", wait = {w}, unless = [\"commitment\"] }}")),
        plain().prop_map(|w| format!("{{ at = {w} }}")),
    ]
}

/// What sets the commitment in motion: a step, an action, an outside event, a block's
/// length, the revenue lost, rarely itself (a loop, refused).
fn action_trigger() -> impl Strategy<Value = String> {
    prop_oneof![
        10 => Just("\"warning\"".to_owned()),
        10 => Just("\"cleanup\"".to_owned()),
        10 => Just("\"ruling\"".to_owned()),
        10 => plain().prop_map(|d| format!("{{ blocked_for = {d} }}")),
        10 => count().prop_map(|x| format!("{{ revenue_lost = {x} }}")),
        1 => Just("\"commitment\"".to_owned()),
    ]
}

prop_compose! {
    /// A scenario document with every value drawn from the strategies above.
    fn document()(
        n in prop::collection::vec(number(), 16),
        c in prop::collection::vec(count(), 4),
        p in prop::collection::vec(plain(), 3),
        d in prop::collection::vec(duration(), 8),
        t in trigger(),
        visible in any::<bool>(),
        discipline in prop_oneof![20 => Just("fifo"), 20 => Just("urgent_first"), 1 => Just("lifo")],
        uploads in 0u64..20_000,
        extra_key in prop::option::weighted(0.03, Just("colour = 1")),
        on in action_trigger(),
        repeat in any::<bool>(),
        lifting in prop::collection::vec(number(), 4),
        lags in prop::collection::vec(duration(), 4),
        restart in prop_oneof![Just("\"none\""), Just("\"warning\""), Just("\"block\"")],
        stops_installs in any::<bool>(),
        half_life in prop::option::of(plain()),
    ) -> String {
        let attention = half_life
            .map_or(String::new(), |h| format!("attention = {{ profile = \"exponential\", half_life = {h} }}"));
        format!(r#"
[scenario]
name = "generated"
horizon = {p0}
step = "6h"
replications = 2
seed = 3
{extra}

[platform]
daily_active_users = {n0}
uploads_per_day = {uploads}
catalogue_items = 100000
vpn_share = {n2}
user_turnover_per_day = 0.05
flagged_visible_while_queued = {visible}

[[platform.categories]]
name = "a"
share = {n3}
recall = {n4}
report_probability = {n5}
views_per_item_per_day = {n6}
initial_stock = {c0}
{attention}

[[platform.categories]]
name = "b"
urgent = true
share = 0.001
recall = {n8}
views_per_item_per_day = 3

[platform.detection]
false_positive_rate = {n9}

[platform.review]
moderators = {c1}
hours_per_day = {n11}
review_time = {d1}
accuracy = {n12}
discipline = "{discipline}"

[platform.orders]
handling_time = {d2}
compliance_probability = {n13}

[regulator]
crawler_samples_per_day = {n14}
complaints_per_violating_view = 0.0001
order_preparation = {d3}
order_deadline = {p1}

[[regulator.ladder]]
name = "warning"
kind = "warning"
trigger = {{ findings = 3, within = "7d" }}

[[regulator.ladder]]
name = "block"
kind = "block"
trigger = {t}
cut_off = {l0}
stops_installs = {stops_installs}
apply_lag = {g0}
lift_lag = {g1}

[regulator.unblock]
required_actions = ["cleanup"]
verification_period = {p2}
processing_time = {d6}
restart_ladder_at = {restart}
probation = {g2}

[regulator.court]
appeal_probability = {l1}
ruling_time = {g3}

[regulator.backdown]
rate_per_million_user_days = {l2}

[regulator.mistake]
probability = {l3}
corrected_after = {d0}

[[playbook]]
name = "cleanup"
kind = "cleanup"
on = "block"
delay = {d7}
items_per_day = {n15}
repeat = {repeat}

[[playbook]]
name = "commitment"
kind = "commitment"
on = {on}
probability = {n1}

[[playbook]]
name = "office"
kind = "local_office"
on = "start"
delay = {d4}
compliance_probability = {n7}

[[events]]
name = "ruling"
on = "block"
delay = {d5}
probability = {n10}
"#,
            p0 = p[0], p1 = p[1], p2 = p[2], c0 = c[0], c1 = c[1], extra = extra_key.unwrap_or(""), n0 = n[0], n2 = n[2], n3 = n[3], n4 = n[4], n5 = n[5], n6 = n[6], n8 = n[8], n9 = n[9], n11 = n[11], d1 = d[1], n12 = n[12], d2 = d[2], n13 = n[13], n14 = n[14], d3 = d[3], d6 = d[6], d7 = d[7], n15 = n[15], n1 = n[1], n7 = n[7], n10 = n[10], d4 = d[4], d5 = d[5], d0 = d[0],
            l0 = lifting[0], l1 = lifting[1], l2 = lifting[2], l3 = lifting[3], g0 = lags[0], g1 = lags[1], g2 = lags[2], g3 = lags[3]
        )
    }
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let _ = scenario::parse(&text, "arbitrary.toml");
    }

    #[test]
    fn arbitrary_bytes_of_toml_shape_never_panic(lines in prop::collection::vec("[a-z_.\\[\\]]{1,12} ?= ?[-0-9a-z\"{}\\[\\], .=]{0,20}", 0..30)) {
        let _ = scenario::parse(&lines.join("\n"), "shaped.toml");
    }

    #[test]
    fn valid_scenarios_run_with_their_invariants(doc in document()) {
        let Ok((s, _)) = scenario::parse(&doc, "generated.toml") else { return Ok(()) };
        // Keep each case short: at most 30 days.
        let s = if s.horizon() > SimDuration(30 * SimDuration::DAY.0) {
            let cut = ["scenario.horizon=30d".parse().unwrap()];
            match scenario::parse_with(&doc, "generated.toml", &cut) {
                Ok((s, _)) => s,
                // A shorter horizon can be refused (a ladder date past it): skip.
                Err(_) => return Ok(()),
            }
        } else {
            s
        };
        let horizon = s.horizon().as_days_f64();
        let o = run_replication(&s, 1, 0, true);
        for b in &o.balances {
            prop_assert!(b.holds(), "{b:?}\n{doc}");
        }
        for b in &o.exposure_balances {
            prop_assert!(b.holds(), "{b:?}\n{doc}");
        }
        // Simulated time never goes backwards.
        for w in o.log.windows(2) {
            prop_assert!(w[0].time <= w[1].time, "{:?} then {:?}", w[0], w[1]);
        }
        let mut last_end = 0.0;
        for b in &o.blocks {
            prop_assert!(b.start.as_days_f64() >= last_end, "overlapping blocks");
            prop_assert!(b.duration_days >= 0.0);
            // A block ended by a path names it; a censored one names none.
            prop_assert_eq!(b.censored, b.lifted_by.is_none(), "{:?}", b);
            prop_assert_eq!(b.censored, b.end.is_none());
            last_end = b.end.map_or(horizon, |e| e.as_days_f64());
        }
        for (name, v) in Metric::ALL.into_iter().zip(o.metrics.values()) {
            let not_applicable = name == Metric::TimeToFirstBlockDays && !o.metrics.blocked;
            prop_assert!(v.is_finite() || not_applicable, "{name} = {v}\n{doc}");
        }
    }
}

/// The generator must mostly make valid scenarios, or the invariant test above would
/// pass by testing nothing.
#[test]
fn most_generated_documents_are_valid_scenarios() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let n = 300;
    let valid = (0..n)
        .filter(|_| {
            let doc = document().new_tree(&mut runner).unwrap().current();
            scenario::parse(&doc, "generated.toml").is_ok()
        })
        .count();
    assert!(valid * 10 >= n * 4, "only {valid} of {n} generated documents validate");
}
