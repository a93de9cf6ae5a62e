//! Seeded whole-run scenarios: a tracked flail clearing lanes at 0.14 m/s with RTK fixed, RTK float
//! and single-point GNSS, track slip of 3–15 %, gyro bias, a 10 m multipath jump, a 60 s outage.
//! Each test prints its figures (run with `--nocapture` to see them).

use demine::gnss::FixType;
use demine::localize::evaluate::{chi2_quantile, run_scenario, EvalRun};
use demine::localize::scenario::{GnssPhase, GnssPhaseKind, ScenarioConfig};
use demine::localize::{LocalizeEvent, MeasurementKind, Quality, RejectReason, YawSource};

/// Alignment needs ~11 s of straight driving; give the filter a minute to converge.
const SETTLE_S: f64 = 60.0;

fn base(seed: u64, duration_s: f64) -> ScenarioConfig {
    ScenarioConfig {
        seed,
        duration_s,
        ..Default::default()
    }
}

fn run(c: &ScenarioConfig) -> EvalRun {
    run_scenario(&c.generate(), c.localizer_config()).expect("valid config")
}

fn quality_fraction(r: &EvalRun, from_s: f64, q: Quality) -> f64 {
    let w: Vec<_> = r.window(from_s, f64::INFINITY).collect();
    w.iter().filter(|s| s.quality == q).count() as f64 / w.len().max(1) as f64
}

#[test]
fn rtk_fixed_with_slip_and_gyro_bias_is_within_3_cm() {
    let c = base(11, 900.0);
    let r = run(&c);
    let t0 = c.start_unix_s + SETTLE_S;
    let rmse = r.position_rmse_m(t0);
    let inside = r.inside_3sigma_fraction(t0);
    let est = r.final_estimate.expect("aligned");
    let truth = r.samples.last().unwrap().truth;
    let bias_true = 0.05f64.to_radians();
    eprintln!(
        "RTK fixed: RMSE {rmse:.4} m, inside 3σ {:.1} %, mean NEES {:.2}, Good {:.1} %, gyro bias {:.4} °/s (true {:.4}), slip {:.3} (true {:.3})",
        100.0 * inside,
        r.mean_nees(t0),
        100.0 * quality_fraction(&r, t0, Quality::Good),
        est.gyro_bias_rps.to_degrees(),
        bias_true.to_degrees(),
        est.track_slip,
        truth.slip
    );
    assert!(rmse <= 0.03, "RMSE {rmse}");
    assert!(inside >= 0.97, "inside 3σ {inside}");
    assert!(quality_fraction(&r, t0, Quality::Good) >= 0.99);
    assert!(
        (est.gyro_bias_rps - bias_true).abs() < 0.2 * bias_true,
        "bias {}",
        est.gyro_bias_rps
    );
    assert!(
        (est.track_slip - truth.slip).abs() < 0.02,
        "slip {} vs {}",
        est.track_slip,
        truth.slip
    );
}

#[test]
fn rtk_fixed_without_gyro_and_heavy_slip() {
    let c = ScenarioConfig {
        gyro: None,
        lane_slips: vec![0.15],
        ..base(12, 600.0)
    };
    let r = run(&c);
    let t0 = c.start_unix_s + SETTLE_S;
    let rmse = r.position_rmse_m(t0);
    eprintln!(
        "RTK fixed, no IMU, 15 % slip: RMSE {rmse:.4} m, inside 3σ {:.3}",
        r.inside_3sigma_fraction(t0)
    );
    assert!(rmse <= 0.03, "RMSE {rmse}");
    assert!(r.inside_3sigma_fraction(t0) >= 0.97);
}

#[test]
fn rtk_float_is_smoothed_well_below_its_noise() {
    // White float noise (σ 0.3 m per epoch), once with the estimator told so (float errors white) and
    // once with the default, which assumes 80 % of float variance wanders with a 30 s correlation
    // time and therefore averages less.
    let c = ScenarioConfig {
        fix_type: FixType::RtkFloat,
        gnss_sigma_m: 0.3,
        ..base(13, 900.0)
    };
    let scn = c.generate();
    let t0 = c.start_unix_s + 2.0 * SETTLE_S;
    let mut white_cfg = c.localizer_config();
    white_cfg.fix_sigmas.other_correlated_fraction = 0.0;
    for (name, cfg, limit) in [
        ("white model", white_cfg, 0.15),
        ("default model", c.localizer_config(), 0.2),
    ] {
        let r = run_scenario(&scn, cfg).unwrap();
        let rmse = r.position_rmse_m(t0);
        let inside = r.inside_3sigma_fraction(t0);
        eprintln!(
            "RTK float σ 0.3 m (white noise, {name}): RMSE {rmse:.4} m, inside 3σ {:.1} %, mean NEES {:.2}",
            100.0 * inside,
            r.mean_nees(t0)
        );
        assert!(rmse <= limit, "RMSE {rmse}");
        assert!(inside >= 0.97, "inside 3σ {inside}");
        assert_eq!(
            quality_fraction(&r, t0, Quality::Good),
            0.0,
            "float never credits ground"
        );
    }
}

#[test]
fn single_point_gnss_is_never_good() {
    // Single-point errors wander (80 % of the variance with a 30 s correlation time): the estimate
    // cannot average them away and must say so.
    let c = ScenarioConfig {
        fix_type: FixType::Single,
        gnss_sigma_m: 1.5,
        gnss_correlated_fraction: 0.8,
        ..base(14, 1200.0)
    };
    let r = run(&c);
    let t0 = r.samples.first().expect("aligned").truth.unix_time_s + SETTLE_S;
    let rmse = r.position_rmse_m(t0);
    let inside = r.inside_3sigma_fraction(t0);
    eprintln!(
        "Single σ 1.5 m (80 % correlated, 30 s): RMSE {rmse:.4} m, inside 3σ {:.1} %, mean NEES {:.2}",
        100.0 * inside,
        r.mean_nees(t0)
    );
    assert!(rmse <= 1.5, "RMSE {rmse}");
    assert!(inside >= 0.97, "inside 3σ {inside}");
    assert_eq!(quality_fraction(&r, t0, Quality::Good), 0.0);
}

#[test]
fn rtk_float_with_wandering_errors_stays_honest() {
    let c = ScenarioConfig {
        fix_type: FixType::RtkFloat,
        gnss_sigma_m: 0.3,
        gnss_correlated_fraction: 0.8,
        ..base(13, 900.0)
    };
    let r = run(&c);
    let t0 = c.start_unix_s + 2.0 * SETTLE_S;
    let rmse = r.position_rmse_m(t0);
    let inside = r.inside_3sigma_fraction(t0);
    eprintln!(
        "RTK float σ 0.3 m (80 % correlated, 30 s): RMSE {rmse:.4} m, inside 3σ {:.1} %, mean NEES {:.2}",
        100.0 * inside,
        r.mean_nees(t0)
    );
    assert!(rmse <= 0.3, "RMSE {rmse}");
    assert!(inside >= 0.97, "inside 3σ {inside}");
}

#[test]
fn multipath_jump_of_10_m_is_rejected_and_barely_moves_the_estimate() {
    let jump_at = 300.0;
    let c = ScenarioConfig {
        phases: vec![GnssPhase {
            start_s: jump_at,
            end_s: jump_at + 3.0,
            kind: GnssPhaseKind::Jump {
                east_m: 10.0,
                north_m: 0.0,
            },
        }],
        ..base(15, 420.0)
    };
    let r = run(&c);
    let (a, b) = (c.start_unix_s + jump_at, c.start_unix_s + jump_at + 3.0);
    let rejected: Vec<_> = r
        .events
        .iter()
        .filter_map(|e| match e {
            LocalizeEvent::Rejected {
                unix_time_s,
                kind: MeasurementKind::Fix,
                reason: RejectReason::Innovation { innovation_m, .. },
            } => Some((*unix_time_s, *innovation_m)),
            _ => None,
        })
        .collect();
    let in_jump = rejected.iter().filter(|(t, _)| *t >= a && *t < b).count();
    let before: f64 = r.window(a - 5.0, a).map(|s| s.error_m()).fold(0.0, f64::max);
    let during: f64 = r.window(a, b + 5.0).map(|s| s.error_m()).fold(0.0, f64::max);
    eprintln!("10 m jump: {in_jump} fixes rejected, error before {before:.4} m, worst during/after {during:.4} m");
    assert_eq!(in_jump, 30, "every jumped fix rejected");
    assert!(
        rejected.iter().all(|(t, m)| (*t >= a && *t < b) == (*m > 5.0)),
        "only the jump rejected: {rejected:?}"
    );
    assert!(during < 0.05, "estimate moved {during}");
    assert!(!r.events.iter().any(|e| matches!(e, LocalizeEvent::Reacquired { .. })));
}

#[test]
fn outage_of_60_s_drifts_less_than_2_percent_with_honest_covariance() {
    // In mid-lane, away from the soil (slip) changes at the lane ends.
    let (start, len) = (380.0, 60.0);
    let mut worst = 0.0f64;
    for seed in 21..26 {
        let c = ScenarioConfig {
            phases: vec![GnssPhase {
                start_s: start,
                end_s: start + len,
                kind: GnssPhaseKind::Outage,
            }],
            ..base(seed, 520.0)
        };
        let r = run(&c);
        let (a, b) = (c.start_unix_s + start, c.start_unix_s + start + len);
        let w: Vec<_> = r.window(a, b).collect();
        let travelled = w.last().unwrap().truth.distance_m - w.first().unwrap().truth.distance_m;
        let drift = w.iter().map(|s| s.error_m()).fold(0.0, f64::max);
        let inside = w.iter().filter(|s| s.nees_position <= 9.0).count() as f64 / w.len() as f64;
        let (s0, s1) = (w.first().unwrap().sigma_h_m, w.last().unwrap().sigma_h_m);
        worst = worst.max(drift / travelled);
        eprintln!(
            "seed {seed}: 60 s outage, travelled {travelled:.2} m, drift {drift:.3} m ({:.2} %), σ_h {s0:.3} → {s1:.3} m, inside 3σ {:.1} %",
            100.0 * drift / travelled,
            100.0 * inside
        );
        assert!(drift <= 0.02 * travelled, "drift {drift} over {travelled}");
        assert!(inside >= 0.97, "inside 3σ during outage {inside}");
        assert!(s1 > 3.0 * s0, "covariance grows during the outage");
        let started = r
            .events
            .iter()
            .filter(|e| matches!(e, LocalizeEvent::OutageStarted { .. }))
            .count();
        let ended: Vec<f64> = r
            .events
            .iter()
            .filter_map(|e| {
                if let LocalizeEvent::OutageEnded { duration_s, .. } = e {
                    Some(*duration_s)
                } else {
                    None
                }
            })
            .collect();
        assert_eq!(started, 1);
        assert_eq!(ended.len(), 1);
        assert!((ended[0] - len).abs() < 0.5, "outage duration {}", ended[0]);
        // Good while bridged up to 5 s, then not Good, and Good again after the outage.
        let q_at = |t: f64| r.window(t, t + 0.15).next().unwrap().quality;
        assert_eq!(q_at(a + 3.0), Quality::Good);
        assert_ne!(q_at(a + 10.0), Quality::Good);
        assert_eq!(q_at(b + 10.0), Quality::Good);
    }
    eprintln!("worst outage drift {:.2} % of distance", 100.0 * worst);
}

/// Monte Carlo NEES: the per-epoch average over `runs` seeds must lie inside the two-sided 95 %
/// chi-square bounds for 2·runs degrees of freedom (Bar-Shalom's consistency test).
fn monte_carlo_nees(name: &str, runs: u64, make: impl Fn(u64) -> ScenarioConfig) -> (f64, f64, f64, f64) {
    let mut per_epoch: Vec<Vec<f64>> = Vec::new();
    for seed in 0..runs {
        let c = make(100 + seed);
        let r = run(&c);
        let t0 = c.start_unix_s + 2.0 * SETTLE_S;
        let nees: Vec<f64> = r.window(t0, f64::INFINITY).map(|s| s.nees_position).collect();
        if per_epoch.is_empty() {
            per_epoch = vec![Vec::new(); nees.len()];
        }
        for (i, v) in nees.iter().enumerate().take(per_epoch.len()) {
            per_epoch[i].push(*v);
        }
    }
    let n = runs as f64;
    let (lo, hi) = (chi2_quantile(0.025, 2.0 * n) / n, chi2_quantile(0.975, 2.0 * n) / n);
    let means: Vec<f64> = per_epoch
        .iter()
        .filter(|v| v.len() == runs as usize)
        .map(|v| v.iter().sum::<f64>() / n)
        .collect();
    let inside = means.iter().filter(|m| **m >= lo && **m <= hi).count() as f64 / means.len() as f64;
    let overall = means.iter().sum::<f64>() / means.len() as f64;
    eprintln!(
        "NEES {name}, {runs} runs: 95 % bounds [{lo:.2}, {hi:.2}], epochs inside {:.1} %, mean {overall:.2} (expected 2)",
        100.0 * inside
    );
    (lo, hi, inside, overall)
}

#[test]
fn nees_is_within_chi_square_bounds_rtk_fixed() {
    let (lo, hi, inside, overall) = monte_carlo_nees("RTK fixed", 12, |seed| base(seed, 400.0));
    assert!(inside >= 0.85, "epochs with average NEES inside the bounds: {inside}");
    assert!(overall > lo && overall < hi, "mean NEES {overall}");
}

#[test]
fn nees_is_within_chi_square_bounds_rtk_float() {
    // Float errors wander: the truth here is a Gauss-Markov error with a 30 s correlation time.
    let (lo, hi, inside, overall) = monte_carlo_nees("RTK float (correlated 30 s)", 12, |seed| ScenarioConfig {
        fix_type: FixType::RtkFloat,
        gnss_sigma_m: 0.3,
        gnss_correlated_fraction: 0.8,
        gnss_error_tau_s: 30.0,
        ..base(seed, 400.0)
    });
    assert!(inside >= 0.85, "epochs with average NEES inside the bounds: {inside}");
    assert!(overall > lo && overall < hi, "mean NEES {overall}");
}

#[test]
fn dual_antenna_heading_aligns_at_once() {
    let c = ScenarioConfig {
        dual_antenna_sigma_rad: Some(0.0023),
        ..base(16, 300.0)
    };
    let r = run(&c);
    let init = r.events.iter().find_map(|e| match e {
        LocalizeEvent::Initialized {
            unix_time_s,
            yaw_source,
            ..
        } => Some((*unix_time_s, *yaw_source)),
        _ => None,
    });
    let (t, src) = init.expect("initialised");
    assert_eq!(src, YawSource::DualAntenna);
    assert!(t - c.start_unix_s < 0.5, "aligned after {} s", t - c.start_unix_s);
    let rmse = r.position_rmse_m(c.start_unix_s + 10.0);
    let yaw_rms = (r.samples.iter().map(|s| s.error_yaw_rad.powi(2)).sum::<f64>() / r.samples.len() as f64)
        .sqrt()
        .to_degrees();
    eprintln!(
        "dual antenna: RMSE {rmse:.4} m, yaw RMS {yaw_rms:.3}°, headings used {}",
        r.stats.headings_used
    );
    assert!(rmse <= 0.03);
    assert!(r.stats.headings_used > 2000);
}

#[test]
fn long_outage_is_reacquired_not_rejected_forever() {
    let c = ScenarioConfig {
        phases: vec![GnssPhase {
            start_s: 200.0,
            end_s: 500.0,
            kind: GnssPhaseKind::Outage,
        }],
        ..base(17, 600.0)
    };
    let r = run(&c);
    let after = c.start_unix_s + 500.0;
    let first_used = r
        .samples
        .iter()
        .find(|s| s.truth.unix_time_s > after && s.sigma_h_m < 0.05)
        .map(|s| s.truth.unix_time_s - after);
    let lost = r.window(after - 10.0, after).all(|s| s.quality != Quality::Good);
    eprintln!(
        "300 s outage: back under 5 cm σ after {first_used:?} s; final error {:.4} m",
        r.samples.last().unwrap().error_m()
    );
    assert!(lost);
    assert!(first_used.expect("re-acquired") < 10.0);
    assert!(r.samples.last().unwrap().error_m() < 0.03);
}

#[test]
fn consistent_offset_is_reacquired_after_the_streak() {
    // A 1.5 m shift that persists (e.g. a wrong RTK integer fix or a corrected base station): the
    // gate rejects it first; after enough consistent fixes the filter accepts that it is wrong.
    let c = ScenarioConfig {
        phases: vec![GnssPhase {
            start_s: 200.0,
            end_s: 400.0,
            kind: GnssPhaseKind::Jump {
                east_m: 1.5,
                north_m: 0.0,
            },
        }],
        ..base(18, 400.0)
    };
    let r = run(&c);
    let reacq: Vec<(f64, u32)> = r
        .events
        .iter()
        .filter_map(|e| match e {
            LocalizeEvent::Reacquired {
                unix_time_s,
                rejected_fixes,
                ..
            } => Some((*unix_time_s - c.start_unix_s, *rejected_fixes)),
            _ => None,
        })
        .collect();
    eprintln!("consistent 1.5 m offset: re-acquired at {reacq:?}");
    assert_eq!(reacq.len(), 1);
    assert!(reacq[0].0 >= 205.0 && reacq[0].0 < 210.0);
    // Between the first rejection and the re-acquisition the verdict is not Good.
    assert!(r
        .window(c.start_unix_s + 206.0, c.start_unix_s + reacq[0].0)
        .all(|s| s.quality != Quality::Good));
    // Held Degraded for 10 s after conceding the jump, then Good again (following the receiver).
    let t_re = c.start_unix_s + reacq[0].0;
    assert!(r.window(t_re, t_re + 9.9).all(|s| s.quality == Quality::Degraded));
    assert_eq!(
        r.window(t_re + 10.5, t_re + 11.0).next().unwrap().quality,
        Quality::Good
    );
}

#[test]
fn baseline_and_return_with_reversing_and_an_outage_while_reversing() {
    use demine::localize::scenario::LanePattern;
    // Lane 1 runs forward ~0–220 s and reverses ~220–440 s; the outage falls in the reverse run.
    let c = ScenarioConfig {
        pattern: LanePattern::BaselineAndReturn,
        phases: vec![GnssPhase {
            start_s: 300.0,
            end_s: 360.0,
            kind: GnssPhaseKind::Outage,
        }],
        ..base(19, 600.0)
    };
    let r = run(&c);
    let t0 = c.start_unix_s + SETTLE_S;
    let (a, b) = (c.start_unix_s + 300.0, c.start_unix_s + 360.0);
    let w: Vec<_> = r.window(a, b).collect();
    assert!(
        w.iter().all(|s| s.truth.speed_mps < 0.0),
        "reversing through the outage"
    );
    let travelled = w.last().unwrap().truth.distance_m - w.first().unwrap().truth.distance_m;
    let drift = w.iter().map(|s| s.error_m()).fold(0.0, f64::max);
    let outside: Vec<_> = r.window(t0, a).chain(r.window(b + 5.0, f64::INFINITY)).collect();
    let rmse = (outside.iter().map(|s| s.error_m().powi(2)).sum::<f64>() / outside.len() as f64).sqrt();
    eprintln!(
        "baseline and return: RMSE {rmse:.4} m with GNSS, outage while reversing drift {drift:.3} m over {travelled:.2} m ({:.2} %), inside 3σ {:.1} %",
        100.0 * drift / travelled,
        100.0 * r.inside_3sigma_fraction(t0)
    );
    assert!(rmse <= 0.03);
    assert!(drift <= 0.02 * travelled);
    assert!(r.inside_3sigma_fraction(t0) >= 0.97);
}
