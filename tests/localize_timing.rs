//! Late and out-of-order measurements, inputs the estimator must refuse, and re-acquisition rules.

use demine::geodesy::LatLon;
use demine::gnss::{FixType, GnssFix, HorizontalCovariance};
use demine::localize::scenario::{ScenarioConfig, SensorReading};
use demine::localize::{
    LocalizeEvent, Localizer, LocalizerConfig, MeasurementKind, OdometrySample, Quality, RejectReason,
};

fn feed(loc: &mut Localizer, r: &SensorReading) -> Vec<LocalizeEvent> {
    match r {
        SensorReading::Odometry(o) => loc.push_odometry(*o).events,
        SensorReading::Fix(f) => loc.push_fix(f).events,
        SensorReading::Heading(h) => loc.push_heading(*h).events,
    }
}

#[test]
fn late_fixes_are_applied_at_their_own_time() {
    // GNSS 0.35 s late with jitter: fixes arrive after several newer odometry samples, some out of
    // order among themselves. The final state must equal feeding everything in time order.
    let cfg = ScenarioConfig {
        duration_s: 180.0,
        gnss_latency_s: 0.35,
        ..Default::default()
    };
    let scn = cfg.generate();
    let mut arrivals = scn.arrivals.clone();
    for (i, a) in arrivals.iter_mut().enumerate() {
        if matches!(a.reading, SensorReading::Fix(_)) {
            a.arrival_unix_s += 0.3 * ((i * 7919) % 10) as f64 / 10.0;
        }
    }
    arrivals.sort_by(|a, b| a.arrival_unix_s.total_cmp(&b.arrival_unix_s));
    let mut late = Localizer::new(cfg.localizer_config(), Some(scn.datum)).unwrap();
    for a in &arrivals {
        feed(&mut late, &a.reading);
    }
    let time = |r: &SensorReading| match r {
        SensorReading::Odometry(o) => o.unix_time_s,
        SensorReading::Fix(f) => f.unix_time_s,
        SensorReading::Heading(h) => h.unix_time_s,
    };
    let mut sorted: Vec<_> = scn.arrivals.iter().map(|a| a.reading).collect();
    sorted.sort_by(|a, b| time(a).total_cmp(&time(b)));
    let mut ordered = Localizer::new(cfg.localizer_config(), Some(scn.datum)).unwrap();
    for r in &sorted {
        feed(&mut ordered, r);
    }
    let (a, b) = (late.estimate().unwrap(), ordered.estimate().unwrap());
    assert!(late.stats().replayed_late > 1000, "{:?}", late.stats());
    assert_eq!(late.stats().too_late, 0);
    assert!(
        (a.east_m - b.east_m).abs() < 1e-6 && (a.north_m - b.north_m).abs() < 1e-6,
        "{a:?} vs {b:?}"
    );
    assert!((a.sigma_h_m - b.sigma_h_m).abs() < 1e-9);
    assert_eq!(late.stats().fixes_used, ordered.stats().fixes_used);
}

#[test]
fn measurements_older_than_the_window_are_refused_with_the_reason() {
    let cfg = ScenarioConfig {
        duration_s: 60.0,
        ..Default::default()
    };
    let scn = cfg.generate();
    let mut loc = Localizer::new(cfg.localizer_config(), Some(scn.datum)).unwrap();
    for a in &scn.arrivals {
        feed(&mut loc, &a.reading);
    }
    let t = loc.estimate().unwrap().unix_time_s;
    let mut f = GnssFix::new(t - 5.0, scn.datum.origin, FixType::RtkFixed);
    f.covariance = Some(HorizontalCovariance::from_sigmas(0.01, 0.01));
    let ev = loc.push_fix(&f).events;
    assert!(
        matches!(
            ev[..],
            [LocalizeEvent::Rejected {
                kind: MeasurementKind::Fix,
                reason: RejectReason::TooLate { .. },
                ..
            }]
        ),
        "{ev:?}"
    );
    assert_eq!(loc.stats().too_late, 1);
}

#[test]
fn invalid_inputs_are_rejected_not_fused() {
    let mut loc = Localizer::new(LocalizerConfig::default(), None).unwrap();
    assert_eq!(loc.quality(), Quality::Lost);
    let bad_pos = GnssFix::new(10.0, LatLon::new(91.0, 0.0), FixType::RtkFixed);
    let ev = loc.push_fix(&bad_pos).events;
    assert!(matches!(
        ev[..],
        [LocalizeEvent::Rejected {
            reason: RejectReason::InvalidValues,
            ..
        }]
    ));
    let mut bad_cov = GnssFix::new(10.0, LatLon::new(40.0, 47.0), FixType::RtkFixed);
    bad_cov.covariance = Some(HorizontalCovariance {
        east_east_m2: -1.0,
        east_north_m2: 0.0,
        north_north_m2: 1.0,
    });
    assert!(matches!(
        loc.push_fix(&bad_cov).events[..],
        [LocalizeEvent::Rejected {
            reason: RejectReason::InvalidValues,
            ..
        }]
    ));
    assert!(loc.datum().is_none(), "an invalid fix does not set the datum");
    let no_fix = GnssFix::new(10.0, LatLon::new(40.0, 47.0), FixType::NoFix);
    assert!(matches!(
        loc.push_fix(&no_fix).events[..],
        [LocalizeEvent::Rejected {
            reason: RejectReason::NotAPositionFix(FixType::NoFix),
            ..
        }]
    ));
    let nan = OdometrySample {
        unix_time_s: 10.1,
        left_track_mps: f64::NAN,
        right_track_mps: 0.0,
        yaw_rate_rps: None,
    };
    assert!(matches!(
        loc.push_odometry(nan).events[..],
        [LocalizeEvent::Rejected {
            kind: MeasurementKind::Odometry,
            ..
        }]
    ));
    let mut cfg = LocalizerConfig::default();
    cfg.vehicle.track_gauge_m = 0.0;
    let e = Localizer::new(cfg, None).err().unwrap().to_string();
    assert_eq!(e, "localizer config: vehicle.track_gauge_m = 0 is invalid");
}

#[test]
fn stale_corrections_weigh_a_fix_as_single() {
    let cfg = ScenarioConfig {
        duration_s: 120.0,
        ..Default::default()
    };
    let scn = cfg.generate();
    let mut loc = Localizer::new(cfg.localizer_config(), Some(scn.datum)).unwrap();
    let mut stale_events = 0;
    for a in &scn.arrivals {
        let mut r = a.reading;
        if let SensorReading::Fix(f) = &mut r {
            if f.unix_time_s > cfg.start_unix_s + 60.0 {
                f.correction_age_s = Some(30.0);
            }
        }
        stale_events += feed(&mut loc, &r)
            .iter()
            .filter(|e| matches!(e, LocalizeEvent::StaleCorrections { .. }))
            .count();
    }
    assert!(stale_events > 500);
    // Old corrections: RTK-fixed claims no longer make the position Good after the 5 s bridge.
    let e = loc.estimate().unwrap();
    assert!(e.sigma_h_m > 0.01, "weighted as single: σ_h {}", e.sigma_h_m);
}

#[test]
fn a_glitched_time_stamp_does_not_lock_the_filter_out() {
    let cfg = ScenarioConfig {
        duration_s: 120.0,
        ..Default::default()
    };
    let scn = cfg.generate();
    let mut loc = Localizer::new(cfg.localizer_config(), Some(scn.datum)).unwrap();
    let mut jumps = 0;
    let mut glitched = false;
    for a in &scn.arrivals {
        let mut r = a.reading;
        if let SensorReading::Fix(f) = &mut r {
            if !glitched && f.unix_time_s > cfg.start_unix_s + 70.0 {
                f.unix_time_s += 86_400.0; // a wrong RMC date for one epoch
                glitched = true;
            }
        }
        jumps += feed(&mut loc, &r)
            .iter()
            .filter(|e| {
                matches!(
                    e,
                    LocalizeEvent::Rejected {
                        reason: RejectReason::TimeJump { .. },
                        ..
                    }
                )
            })
            .count();
    }
    assert_eq!(jumps, 1);
    assert_eq!(loc.stats().too_late, 0);
    assert_eq!(loc.quality(), Quality::Good);
    // A real new time line (20 measurements in a row) is accepted.
    let t = loc.estimate().unwrap().unix_time_s + 3600.0;
    for k in 0..25 {
        let o = OdometrySample {
            unix_time_s: t + 0.1 * k as f64,
            left_track_mps: 0.0,
            right_track_mps: 0.0,
            yaw_rate_rps: None,
        };
        loc.push_odometry(o);
    }
    assert_eq!(loc.stats().time_jumps, 1 + 19);
    assert!((loc.estimate().unwrap().unix_time_s - (t + 2.4)).abs() < 1e-6);
    assert_ne!(loc.quality(), Quality::Good);
}
