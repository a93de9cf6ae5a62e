//! The observation table: each source alone, fresh and stale.

use super::*;
use crate::localize::Quality;

fn machine() -> MachineProfile {
    MachineProfile::default_profile()
}

/// Safe ground x < 0, hazard 0..40 × −20..20, fence around both.
fn watch() -> MissionWatch {
    let safe = MultiPolygon::new(vec![geo::Rect::new((-20.0, -20.0), (0.0, 20.0)).to_polygon()]);
    let fence = MultiPolygon::new(vec![geo::Rect::new((-22.0, -22.0), (42.0, 22.0)).to_polygon()]);
    MissionWatch::new(&machine(), fence, safe, 3.0)
}

fn estimate(x: f64, t: f64, sigma: f64) -> Estimate {
    Estimate {
        unix_time_s: t,
        east_m: x,
        north_m: 0.0,
        yaw_rad: 0.0,
        speed_mps: 0.0,
        yaw_rate_rps: 0.0,
        track_slip: 0.0,
        turn_scale: 1.0,
        gyro_bias_rps: 0.0,
        position_cov_m2: [[sigma * sigma, 0.0], [0.0, sigma * sigma]],
        sigma_east_m: sigma,
        sigma_north_m: sigma,
        sigma_h_m: sigma,
        sigma_yaw_rad: 0.01,
        since_fix_s: 0.0,
        quality: Quality::Good,
    }
}

/// A grid over −20..40 × −20..20 with cells processed where `f` says so.
fn grid(f: impl Fn(f64, f64) -> bool) -> GridSnapshot {
    let (w, h) = (600u32, 400u32);
    let mut cells = Vec::new();
    for j in 0..h {
        for i in 0..w {
            let (x, y) = (-20.0 + 0.1 * (f64::from(i) + 0.5), -20.0 + 0.1 * (f64::from(j) + 0.5));
            cells.push(if f(x, y) {
                CellState::Processed
            } else {
                CellState::Unprocessed
            });
        }
    }
    GridSnapshot {
        origin_east_m: -20.0,
        origin_north_m: -20.0,
        resolution_m: 0.1,
        width: w,
        height: h,
        cells,
    }
}

#[test]
fn gnss_and_link_need_fresh_sources() {
    let mut w = watch();
    let o = w.observe(10.0, None);
    assert!(!o.gnss_ok && o.sigma_h_m.is_infinite() && o.heartbeat_age_s.is_none());
    w.on_estimate(estimate(-5.0, 10.0, 0.02));
    assert!(!w.observe(10.0, None).gnss_ok, "no localization verdict yet");
    w.on_diagnostics(Some(Level::Ok), None, 10.0);
    assert!(w.observe(10.2, None).gnss_ok);
    assert!(!w.observe(10.6, None).gnss_ok, "estimate 0.6 s old");
    w.on_estimate(estimate(-5.0, 14.0, 0.02));
    assert!(!w.observe(14.0, None).gnss_ok, "verdict 4 s old");
    w.on_diagnostics(Some(Level::Error), None, 14.0);
    assert!(!w.observe(14.0, None).gnss_ok, "localizer says lost");
    w.on_feedback(600.0, 14.0);
    assert_eq!(w.observe(14.25, None).heartbeat_age_s, Some(0.25));
    w.on_diagnostics(None, Some(Level::Error), 14.3);
    assert_eq!(w.observe(14.3, None).heartbeat_age_s, None, "CAN bridge: link down");
    w.on_diagnostics(None, Some(Level::Ok), 14.4);
    assert!(w.observe(14.4, None).heartbeat_age_s.is_some());
}

#[test]
fn footprint_from_the_grid_and_uncertain_without_it() {
    let mut w = watch();
    // base_link at x = 2: the tracks reach onto the hazard (x > 0)
    w.on_estimate(estimate(2.0, 1.0, 0.02));
    let o = w.observe(1.0, None);
    assert_eq!(o.footprint_uncovered_m2, 0.0, "no grid: never a violation");
    assert!(o.footprint_uncovered_inflated_m2 > 0.0, "no grid: uncertain");
    w.on_grid(grid(|x, _| x < 4.0), 1.0);
    let o = w.observe(1.0, None);
    assert_eq!(
        (o.footprint_uncovered_m2, o.footprint_uncovered_inflated_m2),
        (0.0, 0.0)
    );
    w.on_grid(grid(|_, _| false), 1.0);
    let o = w.observe(1.5, None);
    assert!(o.footprint_uncovered_m2 > 0.0, "on unprocessed hazard: {o:?}");
    let o = w.observe(5.0, None);
    assert_eq!(o.footprint_uncovered_m2, 0.0, "grid 4 s old: uncertain only");
    assert!(!o.outside_geofence);
    w.on_estimate(estimate(45.0, 5.0, 0.02));
    assert!(w.observe(5.0, None).outside_geofence);
}

#[test]
fn detonation_sits_on_the_processing_line_and_is_taken_once() {
    let mut w = watch();
    w.on_estimate(estimate(10.0, 1.0, 0.02));
    w.on_detonation();
    let (x, y, h) = w.observe(1.0, None).detonation.expect("reported");
    assert!((x - 12.9).abs() < 1e-9 && y.abs() < 1e-9 && h == 0.0, "{x} {y}");
    assert!(w.observe(1.1, None).detonation.is_none());
}

#[test]
fn preflight_times_the_spin_up_and_needs_the_verdict_ok() {
    let mut w = watch();
    let p = w.preflight(0.0);
    assert_eq!(p.gnss, GnssQuality::NoFix);
    assert!(!p.link_connected && p.spin_peak_rpm.is_none());
    w.on_feedback(0.0, 1.0);
    for k in 0..=10 {
        w.on_feedback(60.0 * f64::from(k), 2.0 + 0.5 * f64::from(k));
    }
    w.on_estimate(estimate(-5.0, 7.0, 0.02));
    w.on_diagnostics(Some(Level::Ok), Some(Level::Ok), 7.0);
    let p = w.preflight(7.0);
    assert_eq!(p.gnss, GnssQuality::RtkFixed);
    assert_eq!(p.spin_peak_rpm, Some(600.0));
    // started at 60 rpm (t = 2.5), reached 420 ≥ 400 at t = 5.5
    assert_eq!(p.spin_time_to_min_s, Some(3.0));
    assert!(p.link_connected && p.heartbeat_age_s == Some(0.0));
    w.on_diagnostics(Some(Level::Warn), None, 7.0);
    assert_eq!(w.preflight(7.0).gnss, GnssQuality::NoFix, "degraded is not RTK fixed");
}
