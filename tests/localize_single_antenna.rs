//! Single-antenna scenarios (no dual-antenna heading): the yaw comes from motion only. Every fix
//! quality, fix-type changes with an outage, a wrong start, and IMU present, absent or biased.
//! Each test prints its figures (`--nocapture`); docs/localize.md quotes them.

use demine::gnss::FixType;
use demine::localize::evaluate::{run_scenario, EvalRun};
use demine::localize::scenario::{GnssPhase, GnssPhaseKind, ScenarioConfig};
use demine::localize::{LocalizeEvent, Quality};

const SETTLE_S: f64 = 60.0;

fn run(c: &ScenarioConfig) -> EvalRun {
    run_scenario(&c.generate(), c.localizer_config()).expect("valid config")
}

fn lost_fraction(r: &EvalRun, from: f64, to: f64) -> f64 {
    let w: Vec<_> = r.window(from, to).collect();
    w.iter().filter(|s| s.quality == Quality::Lost).count() as f64 / w.len().max(1) as f64
}

fn rmse(r: &EvalRun, from: f64, to: f64) -> f64 {
    let w: Vec<_> = r.window(from, to).collect();
    (w.iter().map(|s| s.error_m().powi(2)).sum::<f64>() / w.len().max(1) as f64).sqrt()
}

fn inside(r: &EvalRun, from: f64, to: f64) -> f64 {
    let w: Vec<_> = r.window(from, to).collect();
    w.iter().filter(|s| s.nees_position <= 9.0).count() as f64 / w.len().max(1) as f64
}

fn yaw_rms_deg(r: &EvalRun, from: f64, to: f64) -> f64 {
    let w: Vec<_> = r.window(from, to).collect();
    (w.iter().map(|s| s.error_yaw_rad.powi(2)).sum::<f64>() / w.len().max(1) as f64)
        .sqrt()
        .to_degrees()
}

/// The failing run: RTK fixed, then float, then a 60 s outage, then fixed again; one
/// antenna, no HDT. Before the fix: 45.6 % `Lost`, 206 m RMS in the fixed phases.
#[test]
fn fixed_float_outage_fixed_is_tracked_throughout() {
    for seed in [31, 32, 33] {
        let c = ScenarioConfig {
            seed,
            duration_s: 900.0,
            phases: vec![
                GnssPhase {
                    start_s: 200.0,
                    end_s: 350.0,
                    kind: GnssPhaseKind::Mode {
                        fix_type: FixType::RtkFloat,
                        sigma_m: 0.3,
                    },
                },
                GnssPhase {
                    start_s: 350.0,
                    end_s: 410.0,
                    kind: GnssPhaseKind::Outage,
                },
            ],
            ..Default::default()
        };
        let r = run(&c);
        let t0 = c.start_unix_s;
        let fixed_a = rmse(&r, t0 + SETTLE_S, t0 + 200.0);
        let fixed_b = rmse(&r, t0 + 430.0, t0 + 900.0);
        let float = rmse(&r, t0 + 200.0, t0 + 350.0);
        let lost = lost_fraction(&r, t0 + SETTLE_S, t0 + 900.0);
        let all_inside = inside(&r, t0 + SETTLE_S, t0 + 900.0);
        let reject = r
            .events
            .iter()
            .filter(|e| {
                matches!(
                    e,
                    LocalizeEvent::Rejected {
                        reason: demine::localize::RejectReason::Innovation { .. },
                        ..
                    }
                )
            })
            .count();
        eprintln!(
            "seed {seed}: fixed RMSE {fixed_a:.4} / {fixed_b:.4} m, float {float:.3} m, Lost {:.1} %, inside 3σ {:.1} %, yaw RMS {:.2}°, rejected by the gate {reject} of {}",
            100.0 * lost,
            100.0 * all_inside,
            yaw_rms_deg(&r, t0 + SETTLE_S, t0 + 900.0),
            r.stats.fixes_used + r.stats.fixes_rejected
        );
        assert!(fixed_a < 0.03 && fixed_b < 0.03, "fixed RMSE {fixed_a} {fixed_b}");
        assert!(float < 0.3, "float RMSE {float}");
        assert_eq!(lost, 0.0);
        assert!(all_inside >= 0.97, "inside 3σ {all_inside}");
        // Gate rejections (not the outage's no-fix epochs): after the float phase the first RTK
        // fixed fixes disagree with the float-biased state until a re-acquisition (≈ 33 s at 10 Hz
        // for seed 31: slower than the "a few fixes"; see the report).
        assert!(reject < 400, "rejected by the gate {reject}");
    }
}

struct Quality1 {
    name: &'static str,
    fix_type: FixType,
    sigma_m: f64,
    rate_hz: f64,
    reports: bool,
}

/// Every fix quality at its typical noise (80 % of it wandering over 30 s), with and without GST.
#[test]
fn every_fix_quality_keeps_its_covariance_honest() {
    let cases = [
        Quality1 {
            name: "RTK fixed",
            fix_type: FixType::RtkFixed,
            sigma_m: 0.015,
            rate_hz: 10.0,
            reports: true,
        },
        Quality1 {
            name: "RTK float",
            fix_type: FixType::RtkFloat,
            sigma_m: 0.3,
            rate_hz: 10.0,
            reports: true,
        },
        Quality1 {
            name: "DGPS",
            fix_type: FixType::Dgps,
            sigma_m: 0.4,
            rate_hz: 5.0,
            reports: false,
        },
        Quality1 {
            name: "SBAS 1 Hz",
            fix_type: FixType::Dgps,
            sigma_m: 0.9,
            rate_hz: 1.0,
            reports: true,
        },
        Quality1 {
            name: "autonomous",
            fix_type: FixType::Single,
            sigma_m: 1.5,
            rate_hz: 1.0,
            reports: false,
        },
    ];
    for q in cases {
        let correlated = if q.fix_type == FixType::RtkFixed { 0.0 } else { 0.8 };
        let c = ScenarioConfig {
            seed: 41,
            duration_s: 900.0,
            fix_type: q.fix_type,
            gnss_sigma_m: q.sigma_m,
            gnss_rate_hz: q.rate_hz,
            gnss_correlated_fraction: correlated,
            reports_sigmas: q.reports,
            hdop: 1.0,
            ..Default::default()
        };
        let r = run(&c);
        let t0 = c.start_unix_s;
        let e = rmse(&r, t0 + SETTLE_S * 2.0, t0 + 900.0);
        let ins = inside(&r, t0 + SETTLE_S * 2.0, t0 + 900.0);
        let lost = lost_fraction(&r, t0 + SETTLE_S * 2.0, t0 + 900.0);
        eprintln!(
            "{}: σ {} m at {} Hz (GST {}): RMSE {e:.3} m, inside 3σ {:.1} %, yaw RMS {:.2}°, Lost {:.1} %",
            q.name,
            q.sigma_m,
            q.rate_hz,
            q.reports,
            100.0 * ins,
            yaw_rms_deg(&r, t0 + SETTLE_S * 2.0, t0 + 900.0),
            100.0 * lost
        );
        // Autonomous fixes at 1 Hz with 80 % of their error wandering over 30 s: 26 correlation
        // times in the window, so the containment figure itself scatters by about ±1.5 %.
        let target = if q.fix_type == FixType::Single { 0.95 } else { 0.97 };
        assert!(ins >= target, "{}: inside 3σ {ins}", q.name);
        assert!(e <= 1.2 * q.sigma_m.max(0.02), "{}: RMSE {e}", q.name);
        assert!(r.samples.len() > 1000, "{}: aligned", q.name);
    }
}

/// A 20° error in the starting heading (e.g. a wrong heading handed over): the fixes disagree more
/// and more; the filter concludes after a few that its yaw is wrong and re-acquires.
#[test]
fn wrong_initial_yaw_is_reacquired_within_a_few_fixes() {
    use demine::gnss::GnssHeading;
    use demine::localize::scenario::SensorReading;
    use demine::localize::Localizer;
    let c = ScenarioConfig {
        seed: 51,
        duration_s: 300.0,
        gnss_rate_hz: 1.0,
        ..Default::default()
    };
    let sc = c.generate();
    let mut loc = Localizer::new(c.localizer_config(), Some(sc.datum)).unwrap();
    let mut reacquired = None;
    let mut headed = false;
    let mut worst_after = 0.0f64;
    for a in &sc.arrivals {
        match a.reading {
            SensorReading::Odometry(o) => {
                let out = loc.push_odometry(o);
                if let (Some(t), Some(e)) = (reacquired, out.estimate) {
                    if o.unix_time_s > t + 10.0 {
                        let truth = sc.truth_at(o.unix_time_s).unwrap();
                        let err = (e.east_m - truth.east_m).hypot(e.north_m - truth.north_m);
                        worst_after = worst_after.max(err);
                    }
                }
            }
            SensorReading::Fix(f) => {
                if !headed {
                    // One wrong dual-antenna heading at the first fix sets the start.
                    let truth = sc.truth_at(f.unix_time_s).unwrap();
                    loc.push_fix(&f);
                    let wrong = truth.yaw_rad + 20f64.to_radians();
                    loc.push_heading(GnssHeading {
                        unix_time_s: f.unix_time_s,
                        heading_true_deg: (90.0 - wrong.to_degrees()).rem_euclid(360.0),
                        sigma_rad: Some(0.002),
                    });
                    headed = true;
                    continue;
                }
                let out = loc.push_fix(&f);
                for e in &out.events {
                    if let LocalizeEvent::Reacquired { unix_time_s, .. } = e {
                        reacquired.get_or_insert(*unix_time_s);
                    }
                }
            }
            SensorReading::Heading(_) => {}
        }
    }
    let t = reacquired.expect("re-acquired") - c.start_unix_s;
    eprintln!("wrong initial yaw (20°): re-acquired after {t:.1} s, worst error 10 s later {worst_after:.3} m");
    assert!(t < 15.0, "re-acquired after {t} s");
    assert!(worst_after < 0.05, "worst error {worst_after}");
    assert!(loc.quality() != Quality::Lost);
}

/// IMU present (bias 0.05 °/s), absent, and badly biased (0.5 °/s): the heading from motion holds
/// through pivots either way.
#[test]
fn with_without_and_with_a_biased_gyro() {
    for (name, gyro) in [
        ("gyro", Some((0.05f64.to_radians(), 0.0055f64.to_radians()))),
        ("no gyro", None),
        ("biased gyro", Some((0.5f64.to_radians(), 0.0055f64.to_radians()))),
    ] {
        let c = ScenarioConfig {
            seed: 61,
            duration_s: 900.0,
            gyro,
            phases: vec![GnssPhase {
                start_s: 400.0,
                end_s: 460.0,
                kind: GnssPhaseKind::Outage,
            }],
            ..Default::default()
        };
        let r = run(&c);
        let t0 = c.start_unix_s;
        let e = rmse(&r, t0 + SETTLE_S, t0 + 900.0);
        let ins = inside(&r, t0 + SETTLE_S, t0 + 900.0);
        let yaw = yaw_rms_deg(&r, t0 + SETTLE_S, t0 + 400.0);
        eprintln!(
            "{name}: RMSE {e:.4} m, inside 3σ {:.1} %, yaw RMS {yaw:.2}° with GNSS",
            100.0 * ins
        );
        assert!(ins >= 0.97, "{name}: inside {ins}");
        assert!(yaw < 2.0, "{name}: yaw RMS {yaw}");
        assert_eq!(lost_fraction(&r, t0 + SETTLE_S, t0 + 900.0), 0.0, "{name}");
    }
}
