//! The adapters with the real core types: the tracker drives the simulated machine along a lane,
//! the grid credits only sweeps with the rotor in band and a small σ, the simulator's NMEA output
//! becomes fixes on the simulated clock.

use super::*;
use crate::field::{Field, SafeSource};
use crate::geodesy::{Datum, LatLon};
use crate::gnss::FixType;
use crate::localize::Quality;
use crate::machine::MachineProfile;
use crate::plan::{Direction, Motion, PathKind};
use crate::sim::Scenario;
use geo::MultiPolygon;

fn field() -> Field {
    Field {
        source: "test".into(),
        datum: Datum::new(LatLon::new(46.93, 39.98)),
        hazard: MultiPolygon::new(vec![geo::Rect::new((0.0, -20.0), (40.0, 20.0)).to_polygon()]),
        safe: MultiPolygon::new(vec![geo::Rect::new((-20.0, -20.0), (0.0, 20.0)).to_polygon()]),
        safe_source: SafeSource::Given,
        start: None,
    }
}

fn setup() -> Setup {
    Setup {
        field: field(),
        machine: MachineProfile::default_profile(),
        plan_config: crate::plan::PlanConfig::default(),
    }
}

/// An estimate at the truth with σ `sigma_m` (what `odometry/filtered` carries).
fn estimate(p: Pose, speed_mps: f64, sigma_m: f64) -> Estimate {
    Estimate {
        unix_time_s: 0.0,
        east_m: p.x_m,
        north_m: p.y_m,
        yaw_rad: p.yaw_rad,
        speed_mps,
        yaw_rate_rps: 0.0,
        track_slip: 0.0,
        turn_scale: 1.0,
        gyro_bias_rps: 0.0,
        position_cov_m2: [[sigma_m * sigma_m, 0.0], [0.0, sigma_m * sigma_m]],
        sigma_east_m: sigma_m,
        sigma_north_m: sigma_m,
        sigma_h_m: sigma_m,
        sigma_yaw_rad: 0.01,
        since_fix_s: 0.0,
        quality: Quality::Good,
    }
}

/// One lane: from the safe side 12 m into the hazard, processing.
fn lane_plan() -> Plan {
    let (from, to) = (Pose::new(-3.0, 0.0, 0.0), Pose::new(12.0, 0.0, 0.0));
    let mut plan = crate::plan::plan(&field(), &MachineProfile::default_profile(), &Default::default()).unwrap();
    plan.motions = vec![Motion::Straight {
        from,
        to,
        direction: Direction::Forward,
        implement: true,
        kind: PathKind::Lane,
    }];
    plan
}

#[test]
fn tracker_drives_the_simulated_machine_along_a_lane_and_the_grid_credits_it() {
    let s = setup();
    let plan = lane_plan();
    let mut follower = path_tracker(&s, &plan).unwrap();
    let mut grid = processed_grid(&s, 0.1).unwrap();
    let mut sim = SimMachine::new(&s.machine, &s.field, Scenario::quiet(3), Pose::new(-3.0, 0.0, 0.0)).unwrap();
    let dt = 0.05;
    let (mut rpm, mut depth) = (0.0, 0.0);
    let mut max_offset: f64 = 0.0;
    let mut finished = false;
    for _ in 0..(240.0 / dt) as usize {
        let truth = sim.vehicle().truth();
        let e = estimate(truth.pose, truth.ground_speed_mps, 0.02);
        grid.update(&e, rpm, depth);
        let sp = follower.step(&e, rpm, depth, dt);
        if sp.finished && truth.ground_speed_mps.abs() < 1e-3 {
            finished = true;
            break;
        }
        sim.command(sp.drive, sp.implement);
        let st = sim.step(dt);
        (rpm, depth) = (st.implement.rotor_rpm, st.implement.depth_m);
        max_offset = max_offset.max(sim.vehicle().truth().pose.y_m.abs());
    }
    let end = sim.vehicle().truth().pose;
    assert!(finished, "the lane was finished within 240 s, at {end:?}");
    assert!((end.x_m - 12.0).abs() < 0.3, "stopped at the lane end: {end:?}");
    assert!(max_offset < 0.1, "stayed on the lane: {max_offset} m");
    // the processing line ran from x = -0.1 to about 14.9: that strip of the hazard is credited
    let g = grid.snapshot();
    let at = |x: f64, y: f64| {
        let i = ((x - g.origin_east_m) / g.resolution_m).floor() as usize;
        let j = ((y - g.origin_north_m) / g.resolution_m).floor() as usize;
        g.cells[j * g.width as usize + i]
    };
    assert_eq!(at(5.0, 0.0), CellState::Processed);
    assert_eq!(at(5.0, 0.9), CellState::Processed);
    assert_eq!(at(5.0, 1.5), CellState::Unprocessed, "outside the working width");
    assert_eq!(at(-5.0, 0.0), CellState::Outside, "safe ground");
    let expected = 15.0 * 1.9 / (40.0 * 40.0);
    assert!(
        (grid.progress() - expected).abs() < 0.2 * expected,
        "{}",
        grid.progress()
    );
}

#[test]
fn held_tracker_continues_the_pass_from_standstill() {
    let s = setup();
    let mut t = path_tracker(&s, &lane_plan()).unwrap();
    let at_start = estimate(Pose::new(-3.0, 0.0, 0.0), 0.0, 0.02);
    let mut last = TrackerSetpoints::STOP;
    for _ in 0..100 {
        last = t.step(&at_start, 600.0, 0.25, 0.05);
    }
    assert!(last.drive.left_mps > 0.1, "accelerated: {last:?}");
    // paused 2 m into the pass
    let mid = estimate(Pose::new(-1.0, 0.0, 0.0), 0.0, 0.02);
    t.step(&mid, 600.0, 0.25, 0.05);
    t.held();
    let first = t.step(&mid, 600.0, 0.25, 0.05);
    assert!(
        first.drive.left_mps >= 0.0 && first.drive.left_mps < 0.05,
        "forward from standstill, not backing to the lane start: {first:?}"
    );
    assert_eq!(t.segment(), 0);
}

#[test]
fn grid_credits_only_with_rotor_in_band_and_small_sigma() {
    let s = setup();
    let m = &s.machine;
    // drive base_link from x = 2 to 6 along y = 0: the processing line sweeps x = 4.9 .. 8.9
    let sweep = |rpm: f64, sigma: f64| {
        let mut g = processed_grid(&s, 0.1).unwrap();
        for k in 0..=40 {
            g.update(
                &estimate(Pose::new(2.0 + 0.1 * f64::from(k), 0.0, 0.0), 0.14, sigma),
                rpm,
                0.25,
            );
        }
        g
    };
    let slow = sweep(0.5 * m.rotor_rpm_min, 0.02);
    assert_eq!(slow.progress(), 0.0, "rotor below its minimum");
    let uncertain = sweep(m.rotor_rpm_target, 0.5);
    assert_eq!(uncertain.progress(), 0.0, "position σ too large");
    let cells = uncertain.snapshot().cells;
    assert!(cells.contains(&CellState::Doubtful), "swept without credit is shown");
    assert!(!cells.contains(&CellState::Processed));
    let good = sweep(m.rotor_rpm_target, 0.02);
    let area = good.progress() * 40.0 * 40.0;
    assert!((area - 4.0 * 1.9).abs() < 0.5, "4 m × 1.9 m credited: {area} m²");
    // reversing over the same ground credits nothing
    let mut back = processed_grid(&s, 0.1).unwrap();
    for k in 0..=40 {
        let p = Pose::new(6.0 - 0.1 * f64::from(k), 0.0, 0.0);
        back.update(&estimate(p, -0.14, 0.02), m.rotor_rpm_target, 0.25);
    }
    assert_eq!(back.progress(), 0.0);
    let snap = good.snapshot();
    assert_eq!(snap.cells.len(), (snap.width * snap.height) as usize);
    assert!(crate::ros::grid_msgs::occupancy_grid(&snap, crate::ros::msg::time(0.0)).is_ok());
}

#[test]
fn bad_grid_resolution_is_refused_with_its_field() {
    let err = processed_grid(&setup(), 0.001).err().expect("refused");
    assert!(err.to_string().contains("cell_m"), "{err}");
}

#[test]
fn simulator_reports_decoded_fixes_gyro_and_implement_on_the_sim_clock() {
    let s = setup();
    let mut sim = SimMachine::new(&s.machine, &s.field, Scenario::quiet(5), Pose::new(-10.0, 0.0, 0.0)).unwrap();
    sim.command(
        DriveCommand {
            left_mps: 0.5,
            right_mps: 0.5,
        },
        ImplementCommand {
            rotor_enable: true,
            rotor_rpm: s.machine.rotor_rpm_target,
            depth_m: 0.0,
        },
    );
    let (mut fixes, mut gyro) = (Vec::new(), Vec::new());
    let mut last = None;
    for _ in 0..2000 {
        let st = sim.step(0.01);
        fixes.extend(st.fixes.iter().cloned());
        gyro.extend(st.yaw_rates.iter().copied());
        last = Some(st);
    }
    let last = last.unwrap();
    assert!((last.t_s - 20.0).abs() < 1e-6);
    assert!((195..=201).contains(&fixes.len()), "10 Hz fixes: {}", fixes.len());
    assert!((990..=1001).contains(&gyro.len()), "50 Hz gyro: {}", gyro.len());
    let f = fixes.last().unwrap();
    assert!(
        f.unix_time_s > 19.5 && f.unix_time_s <= 20.0,
        "sim clock: {}",
        f.unix_time_s
    );
    assert_eq!(f.fix_type, FixType::RtkFixed);
    let c = f.covariance.expect("GST covariance");
    assert!(c.semi_major_m() < 0.05, "{c:?}");
    let (e, n) = s.field.datum.to_enu_2d(f.position);
    let truth = sim.vehicle().truth().pose;
    assert!(
        (e - truth.x_m).abs() < 0.3 && (n - truth.y_m).abs() < 0.1,
        "fix {e}, {n} vs {truth:?}"
    );
    assert!(truth.x_m > -2.0, "drove forward: {truth:?}");
    assert!(last.left_mps > 0.4 && last.right_mps > 0.4);
    assert!(last.implement.rotor_enabled && last.implement.rotor_rpm > s.machine.rotor_rpm_min);
    assert_eq!(sim.nmea_stats().1, 0, "every sentence parsed");
}
