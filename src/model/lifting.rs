//! The lifting paths that need no compliance: a court's ruling on the platform's appeal,
//! a backdown by the government or regulator, a mistake corrected. Each block draws
//! when each path would end it as soon as it takes effect; the paths compete with each
//! other and with compliance, and the first to come ends the block (`block.rs`).
//!
//! Every path draws from its own stream keyed by the block's sequence number, so that
//! configuring one path does not shift another's draws, and a block's draws do not
//! depend on earlier blocks (common random numbers stay aligned between variants).

use rand::RngExt;
use rand_distr::{Distribution, Exp1};

use super::process;
use crate::engine::{stream_at, SimDuration, SimTime, Stream};
use crate::scenario::{Backdown, BlockSpec, LiftPath, Scenario};

/// When each configured path would act on one block, drawn when it takes effect.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct PathPlan {
    /// The platform's appeal: when it is filed, and the ruling after it.
    pub(super) appeal: Option<Appeal>,
    /// When the government or regulator would back down.
    pub(super) backdown: Option<SimTime>,
    /// When the block would be corrected as a mistake.
    pub(super) mistake: Option<SimTime>,
}

/// An appeal to a court.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Appeal {
    pub(super) filed: SimTime,
    pub(super) ruling: SimTime,
    /// Whether the ruling lifts the block (otherwise the block stands).
    pub(super) lifts: bool,
}

/// Draws the plan of block `block` (its sequence number) of `spec`, in force from
/// `effect`, cutting off `users_cut` users a day at first (for the backdown's loss
/// hazard).
pub(super) fn plan(
    s: &Scenario,
    spec: &BlockSpec,
    effect: SimTime,
    seed: u64,
    replication: u64,
    block: u64,
) -> PathPlan {
    let paths = LiftPath::ALL.len() as u64;
    let rng =
        |path: LiftPath| stream_at(seed, replication, process::BLOCK_PATHS, block * paths + path as u64);
    let r = &s.regulator;
    let mut plan = PathPlan::default();
    if let Some(court) = r.court.as_ref().filter(|_| spec.lifted_by(LiftPath::Court)) {
        let mut rng = rng(LiftPath::Court);
        let appeals = rng.random::<f64>() < court.appeal_probability;
        let filed = effect + court.appeal_delay.sample(&mut rng);
        let ruling = filed + court.ruling_time.sample(&mut rng);
        let lifts = rng.random::<f64>() < court.lift_probability;
        plan.appeal = appeals.then_some(Appeal { filed, ruling, lifts });
    }
    if let Some(backdown) = r.backdown.as_ref().filter(|_| spec.lifted_by(LiftPath::Backdown)) {
        let users = s.platform.daily_active_users * spec.cut_off * (1.0 - s.platform.vpn_share);
        let turnover = if spec.stops_installs { Some(s.platform.user_turnover_per_day) } else { None };
        plan.backdown = backdown_time(backdown, effect, users, turnover, &mut rng(LiftPath::Backdown));
    }
    if let Some(mistake) = r.mistake.as_ref().filter(|_| spec.lifted_by(LiftPath::Mistake)) {
        let mut rng = rng(LiftPath::Mistake);
        let is_mistake = rng.random::<f64>() < mistake.probability;
        let corrected = effect + mistake.corrected_after.sample(&mut rng);
        plan.mistake = is_mistake.then_some(corrected);
    }
    plan
}

/// The earliest of the backdown's times for a block in force from `effect`: its random
/// delay, the loss hazard, its date (if still to come). `users` are cut off at full
/// effect; with `turnover`, an app-store block, the cut grows as users leave.
fn backdown_time(
    b: &Backdown,
    effect: SimTime,
    users: f64,
    turnover: Option<f64>,
    rng: &mut Stream,
) -> Option<SimTime> {
    let after = b.after.as_ref().map(|d| effect + d.sample(rng));
    let exposure: f64 = Exp1.sample(rng);
    let hazard = (b.rate_per_million_user_days > 0.0)
        .then(|| loss_hazard_days(exposure, b.rate_per_million_user_days * users / 1e6, turnover))
        .flatten()
        .map(|days| effect + SimDuration::from_days_f64(days));
    let dated = b.at.filter(|t| *t >= effect);
    [after, hazard, dated].into_iter().flatten().min()
}

/// The time (days) at which a hazard `rate x lost(t)` reaches cumulative `exposure`,
/// where `lost(t)` is the cost so far in million user-days and `rate` is already per
/// day per user cut off, scaled: with users cut at once, `lost` grows linearly and the
/// cumulative hazard is `rate t^2 / 2`, inverted exactly; with `turnover` (an app-store
/// block), the cut share is `1 - (1 - turnover)^t`, and the cumulative hazard, in
/// closed form, is inverted by bisection. `None` when the hazard never reaches it.
pub(super) fn loss_hazard_days(exposure: f64, rate: f64, turnover: Option<f64>) -> Option<f64> {
    if rate <= 0.0 {
        return None;
    }
    let Some(turnover) = turnover else {
        return Some((2.0 * exposure / rate).sqrt());
    };
    if turnover <= 0.0 {
        return None; // No one leaves, so an app-store block costs nothing.
    }
    if turnover >= 1.0 {
        return Some((2.0 * exposure / rate).sqrt());
    }
    // cut(t) = 1 - e^(-k t), k = -ln(1 - turnover);
    // lost(t) = t - (1 - e^(-k t)) / k; H(t) = rate (t^2/2 - t/k + (1 - e^(-k t)) / k^2).
    let k = -(1.0 - turnover).ln();
    let cumulative = |t: f64| rate * (t * t / 2.0 - t / k + (1.0 - (-k * t).exp()) / (k * k));
    let mut high = 1.0;
    while cumulative(high) < exposure {
        high *= 2.0;
        if high > 1e9 {
            return None;
        }
    }
    let mut low = 0.0;
    // Sixty halvings: far below a millisecond at any horizon modsim accepts.
    for _ in 0..60 {
        let mid = (low + high) / 2.0;
        if cumulative(mid) < exposure {
            low = mid;
        } else {
            high = mid;
        }
    }
    Some(high)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_linear_loss_hazard_is_inverted_exactly() {
        // H(t) = rate t^2 / 2: with rate 0.5 and exposure 4, t = 4.
        assert_eq!(loss_hazard_days(4.0, 0.5, None), Some(4.0));
        assert_eq!(loss_hazard_days(4.0, 0.0, None), None);
    }

    #[test]
    fn an_app_store_block_costs_less_at_first_and_so_ends_later() {
        let at_once = loss_hazard_days(1.0, 0.2, None).unwrap();
        let slowly = loss_hazard_days(1.0, 0.2, Some(0.05)).unwrap();
        assert!(slowly > at_once, "{slowly} vs {at_once}");
        // The bisection hits the closed form's root.
        let k = -(0.95f64).ln();
        let h = |t: f64| 0.2 * (t * t / 2.0 - t / k + (1.0 - (-k * t).exp()) / (k * k));
        assert!((h(slowly) - 1.0).abs() < 1e-9, "{}", h(slowly));
        assert_eq!(loss_hazard_days(1.0, 0.2, Some(0.0)), None, "no one leaves, no cost");
    }
}
