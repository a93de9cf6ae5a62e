//! Runs a [`Scenario`] through a [`Localizer`] (readings in arrival order, as on the machine) and
//! measures the estimate against the truth: errors, NEES, 3σ containment. Used by the tests and the
//! benchmark; the figures in `docs/localize.md` come from here.

use crate::localize::config::LocalizerConfig;
use crate::localize::localizer::Localizer;
use crate::localize::output::{Estimate, LocalizeEvent, LocalizerStats};
use crate::localize::quality::Quality;
use crate::localize::scenario::{Scenario, SensorReading, TruthSample};
use crate::localize::{wrap_angle_rad, LocalizeError};

/// One odometry epoch: estimate against truth.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EvalSample {
    pub truth: TruthSample,
    /// Position error (estimate − truth), metres east and north.
    pub error_east_m: f64,
    pub error_north_m: f64,
    pub error_yaw_rad: f64,
    /// Squared Mahalanobis distance of the position error (2-dof NEES).
    pub nees_position: f64,
    pub sigma_h_m: f64,
    pub quality: Quality,
}

impl EvalSample {
    pub fn error_m(&self) -> f64 {
        self.error_east_m.hypot(self.error_north_m)
    }
}

/// The outcome of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct EvalRun {
    /// Epochs after alignment.
    pub samples: Vec<EvalSample>,
    pub events: Vec<LocalizeEvent>,
    pub stats: LocalizerStats,
    /// The estimate after the last reading.
    pub final_estimate: Option<Estimate>,
}

impl EvalRun {
    /// Samples with truth time in `[from_s, to_s)` (UNIX seconds).
    pub fn window(&self, from_s: f64, to_s: f64) -> impl Iterator<Item = &EvalSample> {
        self.samples
            .iter()
            .filter(move |s| s.truth.unix_time_s >= from_s && s.truth.unix_time_s < to_s)
    }

    /// Horizontal position RMSE over the samples after `from_s`, metres.
    pub fn position_rmse_m(&self, from_s: f64) -> f64 {
        let (sum, n) = self
            .window(from_s, f64::INFINITY)
            .fold((0.0, 0usize), |(s, n), x| (s + x.error_m().powi(2), n + 1));
        (sum / n.max(1) as f64).sqrt()
    }

    /// Fraction of samples after `from_s` whose error lies inside the 3σ ellipse (NEES ≤ 9).
    pub fn inside_3sigma_fraction(&self, from_s: f64) -> f64 {
        let (inside, n) = self.window(from_s, f64::INFINITY).fold((0usize, 0usize), |(i, n), x| {
            (i + usize::from(x.nees_position <= 9.0), n + 1)
        });
        inside as f64 / n.max(1) as f64
    }

    /// Mean 2-dof position NEES after `from_s`.
    pub fn mean_nees(&self, from_s: f64) -> f64 {
        let (sum, n) = self
            .window(from_s, f64::INFINITY)
            .fold((0.0, 0usize), |(s, n), x| (s + x.nees_position, n + 1));
        sum / n.max(1) as f64
    }
}

/// Feed every reading in arrival order and evaluate after each odometry sample.
pub fn run_scenario(scenario: &Scenario, config: LocalizerConfig) -> Result<EvalRun, LocalizeError> {
    let mut loc = Localizer::new(config, Some(scenario.datum))?;
    let mut samples = Vec::with_capacity(scenario.truth.len());
    let mut events = Vec::new();
    for a in &scenario.arrivals {
        let out = match &a.reading {
            SensorReading::Odometry(o) => loc.push_odometry(*o),
            SensorReading::Fix(f) => loc.push_fix(f),
            SensorReading::Heading(h) => loc.push_heading(*h),
        };
        events.extend(out.events.iter().copied());
        let SensorReading::Odometry(o) = a.reading else {
            continue;
        };
        let (Some(est), Some(truth)) = (out.estimate, scenario.truth_at(o.unix_time_s)) else {
            continue;
        };
        let de = est.east_m - truth.east_m;
        let dn = est.north_m - truth.north_m;
        let [[a11, a12], [_, a22]] = est.position_cov_m2;
        let det = a11 * a22 - a12 * a12;
        let nees = if det > 0.0 {
            (a22 * de * de - 2.0 * a12 * de * dn + a11 * dn * dn) / det
        } else {
            f64::INFINITY
        };
        samples.push(EvalSample {
            truth: *truth,
            error_east_m: de,
            error_north_m: dn,
            error_yaw_rad: wrap_angle_rad(est.yaw_rad - truth.yaw_rad),
            nees_position: nees,
            sigma_h_m: est.sigma_h_m,
            quality: est.quality,
        });
    }
    Ok(EvalRun {
        samples,
        events,
        stats: loc.stats(),
        final_estimate: loc.estimate(),
    })
}

/// Chi-square quantile (Wilson–Hilferty approximation; within 1 % for dof ≥ 2 at the usual levels).
///
/// `p` in (0, 1), `dof` > 0.
pub fn chi2_quantile(p: f64, dof: f64) -> f64 {
    let z = normal_quantile(p);
    let a = 2.0 / (9.0 * dof);
    dof * (1.0 - a + z * a.sqrt()).powi(3).max(0.0)
}

/// Standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.38357751867269e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    let pl = 0.02425;
    if p < pl {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - pl {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -normal_quantile(1.0 - p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_tables() {
        assert!((normal_quantile(0.975) - 1.959964).abs() < 1e-5);
        assert!((chi2_quantile(0.95, 2.0) - 5.991).abs() < 0.1);
        assert!((chi2_quantile(0.025, 100.0) - 74.22).abs() < 0.3);
        assert!((chi2_quantile(0.975, 100.0) - 129.56).abs() < 0.3);
    }
}
