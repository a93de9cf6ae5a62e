//! A truth-pose closed loop: a plan driven by the [`crate::track::PathTracker`] on a
//! [`SimVehicle`], credited on a [`crate::coverage::ProcessedGrid`] and checked by the
//! independent [`crate::coverage::FootprintCheck`], in simulated time, without CAN and without
//! the estimator. The reference loop for tests and benchmarks; the mission runtime builds the
//! full one (CAN, localization, safety) the same way.

use super::{Detonation, Scenario, SimConfig, SimError, SimVehicle};
use crate::coverage::{CoverageConfig, FootprintCheck, ProcessedGrid, ProcessingSample};
use crate::field::Field;
use crate::machine::MachineProfile;
use crate::plan::{Motion, Plan, Pose};
use crate::track::{PathTracker, TrackerConfig, TrackerInput};

/// What a truth-pose run gave.
#[derive(Clone, Debug, PartialEq)]
pub struct TruthRunSummary {
    /// All motions done.
    pub finished: bool,
    /// Simulated time, s.
    pub sim_duration_s: f64,
    /// Control steps.
    pub steps: u64,
    /// Fraction of the hazard credited on the grid.
    pub processed_fraction: f64,
    /// Entries into a footprint-rule violation (independent check, every step).
    pub footprint_violations: u64,
    /// The same with no tolerance (every cell under the tracks counts).
    pub footprint_intrusions_strict: u64,
    /// Largest violating area seen at one pose (default tolerance), m².
    pub worst_violation_m2: f64,
    /// Largest |cross-track| on processing motions, m.
    pub max_cross_track_m: f64,
    /// Distance driven by base_link, m.
    pub path_length_m: f64,
    pub detonations: Vec<Detonation>,
    /// The first violations (at most 20), for diagnosis.
    pub first_violations: Vec<ViolationRecord>,
}

/// Where and when a footprint violation began.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ViolationRecord {
    /// Simulated time, s.
    pub t_s: f64,
    pub pose: Pose,
    /// Motion being followed.
    pub motion_index: usize,
    /// Violating area, m².
    pub bad_m2: f64,
    /// One violating cell centre, ENU.
    pub at: Option<(f64, f64)>,
}

/// Where a plan starts.
pub fn plan_start(plan: &Plan) -> Option<Pose> {
    plan.motions.first().map(|m| match m {
        Motion::Straight { from, .. } => *from,
        Motion::Pivot { at, .. } => *at,
        Motion::Curve { poses, .. } => poses[0],
    })
}

/// Drive `plan` on `field` with control step `dt_s` until done or `limit_s` of simulated time.
/// GNSS and IMU are off (the pose is the truth); mines and faults follow the scenario.
///
/// # Units
/// `dt_s`, `limit_s` seconds.
pub fn run_truth_loop(
    field: &Field,
    m: &MachineProfile,
    plan: &Plan,
    scenario: Scenario,
    dt_s: f64,
    limit_s: f64,
) -> Result<TruthRunSummary, SimError> {
    run_truth_loop_with(field, m, plan, SimConfig::new(m, scenario), dt_s, limit_s)
}

/// As [`run_truth_loop`] with a full simulator configuration (sensors are switched off).
pub fn run_truth_loop_with(
    field: &Field,
    m: &MachineProfile,
    plan: &Plan,
    mut cfg: SimConfig,
    dt_s: f64,
    limit_s: f64,
) -> Result<TruthRunSummary, SimError> {
    let start = plan_start(plan).unwrap_or(Pose::new(0.0, 0.0, 0.0));
    cfg.sensors = false;
    let mut sim = SimVehicle::new(cfg, m, field, start)?;
    let invalid = |what: String| SimError::InvalidScenario {
        field: "harness",
        value: what,
        why: "refused".into(),
    };
    let mut tracker =
        PathTracker::new(TrackerConfig::for_machine(m), plan.motions.clone()).map_err(|e| invalid(e.to_string()))?;
    let mut grid = ProcessedGrid::new(CoverageConfig::for_machine(m), m, &field.hazard, &field.safe)
        .map_err(|e| invalid(e.to_string()))?;
    let mut check = FootprintCheck::new(m);
    let mut strict = FootprintCheck::with_tolerance(m, 0.0);
    let mut s = TruthRunSummary {
        finished: false,
        sim_duration_s: 0.0,
        steps: 0,
        processed_fraction: 0.0,
        footprint_violations: 0,
        footprint_intrusions_strict: 0,
        worst_violation_m2: 0.0,
        max_cross_track_m: 0.0,
        path_length_m: 0.0,
        detonations: Vec::new(),
        first_violations: Vec::new(),
    };
    let mut last = start;
    while sim.time_s() < limit_s {
        let truth = *sim.truth();
        let imp = *sim.implement();
        grid.update(&ProcessingSample {
            pose: truth.pose,
            rotor_rpm: imp.rotor_rpm,
            depth_m: imp.processing_depth_m,
            speed_mps: truth.ground_speed_mps,
            position_sigma_m: 0.0,
        });
        let before = check.violations;
        let v = check.count(&grid, &truth.pose);
        strict.count(&grid, &truth.pose);
        if check.violations > before && s.first_violations.len() < 20 {
            s.first_violations.push(ViolationRecord {
                t_s: sim.time_s(),
                pose: truth.pose,
                motion_index: tracker.motion_index(),
                bad_m2: v.bad_area_m2,
                at: v.first_bad.map(|c| (c.x, c.y)),
            });
        }
        s.worst_violation_m2 = s.worst_violation_m2.max(v.bad_area_m2);
        s.path_length_m += last.distance_m(&truth.pose);
        last = truth.pose;
        let out = tracker.step(
            &TrackerInput {
                pose: truth.pose,
                rotor_rpm: imp.rotor_rpm,
                depth_m: imp.processing_depth_m,
            },
            dt_s,
        );
        if out.debug.processing {
            s.max_cross_track_m = s.max_cross_track_m.max(out.debug.cross_track_m.abs());
        }
        if out.debug.finished && truth.ground_speed_mps.abs() < 1e-3 {
            s.finished = true;
            break;
        }
        let rep = sim.step(&out.cmd.demand(), dt_s);
        s.detonations.extend(rep.detonations);
        s.steps += 1;
    }
    s.sim_duration_s = sim.time_s();
    s.processed_fraction = grid.progress();
    s.footprint_violations = check.violations;
    s.footprint_intrusions_strict = strict.violations;
    Ok(s)
}
