use demine::localize::evaluate::run_scenario;
use demine::localize::scenario::*;

#[test]
fn debug() {
    let c = ScenarioConfig {
        seed: 19,
        duration_s: 600.0,
        pattern: LanePattern::BaselineAndReturn,
        turn_scale: 1.0,
        phases: vec![GnssPhase {
            start_s: 300.0,
            end_s: 360.0,
            kind: GnssPhaseKind::Outage,
        }],
        ..Default::default()
    };
    let s = c.generate();
    let r = run_scenario(&s, c.localizer_config()).unwrap();
    let mut last = 0.0;
    for x in r.window(c.start_unix_s + 60.0, f64::INFINITY) {
        if x.nees_position > 9.0 && x.truth.unix_time_s - last > 3.0 {
            last = x.truth.unix_time_s;
            eprintln!(
                "t={:.1} nees={:.1} err=({:.3},{:.3}) sig={:.3} v={:.3} yaw={:.3} yawerr={:.4}",
                x.truth.unix_time_s - c.start_unix_s,
                x.nees_position,
                x.error_east_m,
                x.error_north_m,
                x.sigma_h_m,
                x.truth.speed_mps,
                x.truth.yaw_rad,
                x.error_yaw_rad
            );
        }
    }
}
