//! Closed-loop tests of the tracker on the simulated vehicle (truth pose as feedback).

use super::*;
use crate::field::{Field, SafeSource};
use crate::geodesy::{Datum, LatLon};
use crate::machine::MachineProfile;
use crate::plan::PathKind;
use crate::sim::{Scenario, SimConfig, SimVehicle, Soil};
use geo::MultiPolygon;

fn field() -> Field {
    Field {
        source: "test".into(),
        datum: Datum::new(LatLon::new(46.93, 39.98)),
        hazard: MultiPolygon::new(vec![geo::Rect::new((0.0, -30.0), (60.0, 30.0)).to_polygon()]),
        safe: MultiPolygon::new(vec![geo::Rect::new((-30.0, -30.0), (0.0, 30.0)).to_polygon()]),
        safe_source: SafeSource::Given,
        start: None,
    }
}

struct Run {
    max_cross_track_m: f64,
    final_pose: Pose,
    outputs: Vec<TrackerOutput>,
    t_s: f64,
}

fn drive(motions: Vec<Motion>, start: Pose, scenario: Scenario, limit_s: f64) -> Run {
    let m = MachineProfile::default_profile();
    let mut cfg = SimConfig::new(&m, scenario);
    cfg.sensors = false;
    let mut sim = SimVehicle::new(cfg, &m, &field(), start).unwrap();
    let mut tr = PathTracker::new(TrackerConfig::for_machine(&m), motions).unwrap();
    let dt = 0.05;
    let mut run = Run {
        max_cross_track_m: 0.0,
        final_pose: start,
        outputs: Vec::new(),
        t_s: 0.0,
    };
    while sim.time_s() < limit_s {
        let imp = sim.implement();
        let input = TrackerInput {
            pose: sim.truth().pose,
            rotor_rpm: imp.rotor_rpm,
            depth_m: imp.processing_depth_m,
        };
        let out = tr.step(&input, dt);
        if out.debug.processing && !out.debug.finished {
            run.max_cross_track_m = run.max_cross_track_m.max(out.debug.cross_track_m.abs());
        }
        run.outputs.push(out);
        if out.debug.finished && sim.truth().ground_speed_mps.abs() < 1e-3 {
            break;
        }
        sim.step(&out.cmd.demand(), dt);
    }
    run.final_pose = sim.truth().pose;
    run.t_s = sim.time_s();
    run
}

fn lane(from: (f64, f64), to: (f64, f64), implement: bool, direction: Direction) -> Motion {
    let yaw = (to.1 - from.1).atan2(to.0 - from.0)
        + if direction == Direction::Reverse {
            std::f64::consts::PI
        } else {
            0.0
        };
    Motion::Straight {
        from: Pose::new(from.0, from.1, yaw),
        to: Pose::new(to.0, to.1, yaw),
        direction,
        implement,
        kind: if implement { PathKind::Lane } else { PathKind::Transit },
    }
}

#[test]
fn straight_lane_in_wet_clay_holds_the_overlap() {
    for (seed, soil) in [(1, Soil::WetClay), (2, Soil::Soft), (3, Soil::Firm)] {
        let sc = Scenario {
            soil,
            ..Scenario::quiet(seed)
        };
        let start = Pose::new(-4.0, 0.05, 0.03);
        let r = drive(
            vec![lane((-4.0, 0.0), (40.0, 0.0), true, Direction::Forward)],
            start,
            sc,
            2000.0,
        );
        assert!(r.outputs.last().unwrap().debug.finished, "{soil:?} not finished");
        assert!(r.max_cross_track_m <= 0.1, "{soil:?}: {}", r.max_cross_track_m);
        // processing lanes end 0.06 m past their end (the overrun), within braking scatter
        assert!((r.final_pose.x_m - 40.06).abs() < 0.05, "{:?}", r.final_pose);
        // after the first metres the lane is held to centimetres
        let late = r
            .outputs
            .iter()
            .filter(|o| o.debug.progress > 0.2 && !o.debug.finished)
            .map(|o| o.debug.cross_track_m.abs())
            .fold(0.0, f64::max);
        assert!(late < 0.03, "{soil:?}: {late}");
    }
}

#[test]
fn interlock_holds_until_rotor_and_depth_are_ready() {
    let r = drive(
        vec![lane((-4.0, 0.0), (2.0, 0.0), true, Direction::Forward)],
        Pose::new(-4.0, 0.0, 0.0),
        Scenario::quiet(1),
        200.0,
    );
    let first_move = r.outputs.iter().position(|o| o.cmd.left_mps > 0.0).unwrap();
    assert!(r.outputs[..first_move].iter().all(|o| o.debug.interlock.holds()));
    assert!(r.outputs[0].debug.interlock == Interlock::WaitingForRotor);
    // 400 rpm at 150 rpm/s takes > 2.6 s; lowering 0.25 m at 0.1 m/s takes 2.5 s
    assert!(first_move as f64 * 0.05 > 2.5);
    assert!(r.outputs[first_move..]
        .iter()
        .all(|o| o.debug.finished || o.debug.interlock == Interlock::Clear || o.debug.interlock == Interlock::Slowed));
}

#[test]
fn pivot_reaches_the_target_yaw_in_the_planned_direction() {
    let at = Pose::new(0.0, 0.0, 0.0);
    let motions = vec![Motion::Pivot {
        at,
        delta_rad: -std::f64::consts::PI,
        kind: PathKind::Turn,
    }];
    let r = drive(motions, at, Scenario::quiet(4), 200.0);
    assert!(r.outputs.last().unwrap().debug.finished);
    let err = crate::plan::pose::angle_diff(r.final_pose.yaw_rad, std::f64::consts::PI);
    assert!(err.abs() < 0.01, "{err}");
    // clockwise: the yaw went through −π/2, not +π/2
    assert!(r.outputs.iter().any(|o| o.cmd.left_mps > 0.0 && o.cmd.right_mps < 0.0));
    assert!(r.outputs.iter().all(|o| o.cmd.left_mps >= -1e-9));
    assert!(r.final_pose.x_m.hypot(r.final_pose.y_m) < 0.15, "{:?}", r.final_pose);
}

#[test]
fn lane_reverse_and_curve_in_sequence() {
    let mut poses = Vec::new();
    for i in 0..=40 {
        let t = std::f64::consts::FRAC_PI_2 * i as f64 / 40.0;
        poses.push(Pose::new(10.0 + 4.0 * t.sin(), 4.0 * (1.0 - t.cos()), t));
    }
    let motions = vec![
        lane((0.0, 0.0), (10.0, 0.0), true, Direction::Forward),
        lane((10.0, 0.0), (5.0, 0.0), false, Direction::Reverse),
        lane((5.0, 0.0), (10.0, 0.0), false, Direction::Forward),
        Motion::Curve {
            poses,
            direction: Direction::Forward,
            kind: PathKind::Turn,
        },
    ];
    let r = drive(motions, Pose::new(0.0, 0.0, 0.0), Scenario::quiet(5), 1000.0);
    assert!(r.outputs.last().unwrap().debug.finished, "t = {}", r.t_s);
    assert!(
        r.final_pose.distance_m(&Pose::new(14.0, 4.0, 0.0)) < 0.1,
        "{:?}",
        r.final_pose
    );
    let idx: Vec<usize> = r.outputs.iter().map(|o| o.debug.motion_index).collect();
    assert!(idx.windows(2).all(|w| w[0] <= w[1]), "motion index is monotone");
    let worst = r
        .outputs
        .iter()
        .filter(|o| !o.debug.finished)
        .map(|o| o.debug.cross_track_m.abs())
        .fold(0.0, f64::max);
    assert!(worst < 0.1, "{worst}");
}

#[test]
fn invalid_config_is_refused() {
    let mut c = TrackerConfig::for_machine(&MachineProfile::default_profile());
    c.heading_gain = f64::NAN;
    assert!(PathTracker::new(c, vec![]).is_err());
}

#[test]
fn empty_plan_is_finished_and_stopped() {
    let mut t = PathTracker::new(TrackerConfig::for_machine(&MachineProfile::default_profile()), vec![]).unwrap();
    let o = t.step(
        &TrackerInput {
            pose: Pose::new(0.0, 0.0, 0.0),
            rotor_rpm: 0.0,
            depth_m: 0.0,
        },
        0.05,
    );
    assert!(o.debug.finished && o.cmd.left_mps == 0.0 && !o.cmd.rotor_enable);
}

/// Kinematic loop without the simulator: the pose follows the commanded track speeds exactly.
/// Steps until `until` holds; returns the smallest x reached on the way.
fn run_until(
    tr: &mut PathTracker,
    p: &mut Pose,
    rotor_rpm: f64,
    mut until: impl FnMut(&Pose, &TrackerOutput) -> bool,
) -> f64 {
    let m = MachineProfile::default_profile();
    let dt = 0.1;
    let mut min_x = p.x_m;
    for _ in 0..20_000 {
        let input = TrackerInput {
            pose: *p,
            rotor_rpm,
            depth_m: m.depth_target_m,
        };
        let out = tr.step(&input, dt);
        if out.debug.interlock == Interlock::BackingToLaneStart {
            assert_eq!(out.cmd.depth_m, 0.0, "tool lifted while backing");
        }
        if until(p, &out) {
            return min_x;
        }
        let v = 0.5 * (out.cmd.left_mps + out.cmd.right_mps);
        let w = (out.cmd.right_mps - out.cmd.left_mps) / m.track_gauge_m;
        p.x_m += v * p.yaw_rad.cos() * dt;
        p.y_m += v * p.yaw_rad.sin() * dt;
        p.yaw_rad += w * dt;
        min_x = min_x.min(p.x_m);
    }
    panic!("never reached: {p:?}");
}

/// The rotor drops out mid-lane: the tracker stops, backs up behind the last point processed
/// in order with the tool lifted, waits for the rotor, then processes forward again. A
/// detonation block asks for the same from further back.
#[test]
fn mid_lane_loss_and_detonation_block_back_up_and_process_again() {
    let m = MachineProfile::default_profile();
    let lane = Motion::Straight {
        from: Pose::new(0.0, 0.0, 0.0),
        to: Pose::new(30.0, 0.0, 0.0),
        direction: Direction::Forward,
        implement: true,
        kind: PathKind::Lane,
    };
    let mut tr = PathTracker::new(TrackerConfig::for_machine(&m), vec![lane]).unwrap();
    let mut p = Pose::new(0.0, 0.0, 0.0);
    let on = m.rotor_rpm_target;
    run_until(&mut tr, &mut p, on, |p, _| p.x_m >= 10.0);
    let lost_at = p.x_m;
    // the rotor is lost: no more forward command from the next step on
    let mut v = f64::NAN;
    run_until(&mut tr, &mut p, 0.0, |_, o| {
        v = 0.5 * (o.cmd.left_mps + o.cmd.right_mps);
        true
    });
    assert!(v <= 0.0, "{v}");
    // back again: it re-enters 0.1 m behind where it last processed in order, then goes on
    let back = run_until(&mut tr, &mut p, on, |p, _| p.x_m > lost_at + 0.5);
    assert!(
        back <= lost_at - 0.05 && back >= lost_at - 0.3,
        "backed to {back} from {lost_at}"
    );
    // a detonation at 20.5 m: 2.7 m of the pass is processed again
    run_until(&mut tr, &mut p, on, |p, _| p.x_m >= 20.5);
    tr.reenter_behind(2.7);
    let back = run_until(&mut tr, &mut p, on, |p, o| {
        o.debug.interlock != Interlock::BackingToLaneStart && p.x_m > 21.0
    });
    assert!((back - (20.5 - 2.7)).abs() < 0.3, "backed to {back}");
    assert!(tr.motion_index() == 0 && !tr.is_finished());
}

/// A pivot on the simulated machine, which turns about a point 5 cm behind base_link: held on
/// that point, base_link ends on the line of the next motion; holding base_link itself (the
/// old behaviour) leaves it 2·d·sin(Δθ/2) ≈ 9 cm off to the side.
#[test]
fn pivot_about_the_machines_turning_point_ends_on_the_next_line() {
    let m = MachineProfile::default_profile();
    let at = Pose::new(10.0, 0.0, 0.0);
    let delta = 2.35;
    let lateral_after = |behind_m: f64| {
        let mut cfg = SimConfig::new(&m, Scenario::quiet(4));
        cfg.sensors = false;
        let mut sim = SimVehicle::new(cfg, &m, &field(), at).unwrap();
        let pivot = Motion::Pivot {
            at,
            delta_rad: delta,
            kind: PathKind::Turn,
        };
        let tc = TrackerConfig {
            pivot_centre_behind_m: behind_m,
            ..TrackerConfig::for_machine(&m)
        };
        let mut tr = PathTracker::new(tc, vec![pivot]).unwrap();
        for _ in 0..4000 {
            let imp = *sim.implement();
            let out = tr.step(
                &TrackerInput {
                    pose: sim.truth().pose,
                    rotor_rpm: imp.rotor_rpm,
                    depth_m: imp.processing_depth_m,
                },
                0.05,
            );
            if out.debug.finished && sim.truth().ground_speed_mps.abs() < 1e-3 {
                break;
            }
            sim.step(&out.cmd.demand(), 0.05);
        }
        let p = sim.truth().pose;
        assert!(tr.is_finished(), "{p:?}");
        // distance of base_link from the line through the pivot centre along the new heading
        let (s, c) = (at.yaw_rad + delta).sin_cos();
        (-(p.x_m - at.x_m) * s + (p.y_m - at.y_m) * c).abs()
    };
    let held = lateral_after(m.pivot_centre_behind_m);
    let naive = lateral_after(0.0);
    assert!(held < 0.015, "held on the turning point: {held} m off the line");
    assert!(naive > 0.05, "holding base_link: {naive} m off the line");
}
