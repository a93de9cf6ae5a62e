//! The narrow traits the tracker, coverage and sim nodes drive, each implemented once by the core
//! type it names:
//! - [`PathFollower`] ← [`PathTracker`] (`crate::track`: Stanley-type following, speed
//!   regulation and the implement interlock);
//! - [`CoverageCore`] ← [`ProcessedGrid`] (`crate::coverage`: credit only with rotor speed,
//!   depth, forward speed and position σ in band), which yields a [`GridSnapshot`];
//! - [`SimulatorCore`] ← [`SimMachine`] (`crate::sim`'s [`SimVehicle`] with the setpoints it is
//!   held at and the NMEA decoding of its receiver's output, see [`super::sim_machine`]).
//!
//! The traits keep the nodes testable with the real types and no ROS: a node's loop body is a
//! conversion, one trait call and a conversion back.

use crate::can::protocol::{DriveCommand, ImplementCommand, ImplementStatus};
use crate::coverage::raster::GridFrame;
use crate::coverage::{CoverageConfig, CoverageError, ProcessedGrid, ProcessingSample};
use crate::gnss::{GnssFix, GnssHeading};
use crate::localize::Estimate;
use crate::plan::{Plan, Pose};
use crate::track::{PathTracker, TrackError, TrackerConfig, TrackerInput};

use super::grid_msgs::{CellState, GridSnapshot};
use super::setup::Setup;

pub use super::sim_machine::{sim_machine, SimMachine};

/// Setpoints of one tracker step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrackerSetpoints {
    pub drive: DriveCommand,
    pub implement: ImplementCommand,
    /// All motions done.
    pub finished: bool,
}

impl TrackerSetpoints {
    /// Tracks stopped, rotor off.
    pub const STOP: TrackerSetpoints = TrackerSetpoints {
        drive: DriveCommand {
            left_mps: 0.0,
            right_mps: 0.0,
        },
        implement: ImplementCommand {
            rotor_enable: false,
            rotor_rpm: 0.0,
            depth_m: 0.0,
        },
        finished: false,
    };
}

/// The pose of base_link an estimate gives (ENU metres, yaw counter-clockwise from east).
pub fn estimate_pose(e: &Estimate) -> Pose {
    Pose::new(e.east_m, e.north_m, e.yaw_rad)
}

/// What the tracker node needs of a path tracker.
pub trait PathFollower: Send {
    /// One control step of `dt_s` seconds from the current estimate, with the measured rotor
    /// speed (rpm) and depth (m) for the implement interlock.
    fn step(&mut self, estimate: &Estimate, rotor_rpm: f64, depth_m: f64, dt_s: f64) -> TrackerSetpoints;
    /// The machine was held still by someone else (pause, e-stop, lost estimate): continue the
    /// current motion from where it stands, accelerating from standstill.
    fn held(&mut self);
    /// Index of the plan motion (segment) being followed; the number of motions when finished.
    fn segment(&self) -> usize;
}

impl PathFollower for PathTracker {
    fn step(&mut self, e: &Estimate, rotor_rpm: f64, depth_m: f64, dt_s: f64) -> TrackerSetpoints {
        let input = TrackerInput {
            pose: estimate_pose(e),
            rotor_rpm,
            depth_m,
        };
        let out = PathTracker::step(self, &input, dt_s);
        TrackerSetpoints {
            drive: out.cmd.drive(),
            implement: out.cmd.implement(),
            finished: out.debug.finished,
        }
    }

    fn held(&mut self) {
        // continue where the machine stands: restarting the motion would back a processing pass
        // up to its start and turn a pivot's whole angle again
        self.stopped();
    }

    fn segment(&self) -> usize {
        self.motion_index()
    }
}

/// The tracker node's follower: the plan's motions on a [`PathTracker`] configured for the
/// setup's machine.
pub fn path_tracker(setup: &Setup, plan: &Plan) -> Result<Box<dyn PathFollower>, TrackError> {
    let cfg = TrackerConfig::for_machine(&setup.machine);
    Ok(Box::new(PathTracker::new(cfg, plan.motions.clone())?))
}

/// What the coverage node needs of a processed-area grid.
pub trait CoverageCore: Send {
    /// The machine is at `estimate` with the rotor at `rotor_rpm` (rpm) and depth `depth_m` (m);
    /// the estimate's speed and σ decide with them whether the sweep is credited.
    fn update(&mut self, estimate: &Estimate, rotor_rpm: f64, depth_m: f64);
    /// Processed fraction of the hazard, 0–1.
    fn progress(&self) -> f64;
    fn snapshot(&self) -> GridSnapshot;
}

/// The state of one cell of a [`ProcessedGrid`]: processed wins; swept without credit is
/// doubtful on hazard; hazard not yet reached is unprocessed; the rest (safe ground, holes,
/// the margin) is outside.
fn cell_state(flags: u8) -> CellState {
    use crate::coverage::{HAZARD, PROCESSED, SWEPT_UNCREDITED};
    if flags & PROCESSED != 0 {
        CellState::Processed
    } else if flags & HAZARD == 0 {
        CellState::Outside
    } else if flags & SWEPT_UNCREDITED != 0 {
        CellState::Doubtful
    } else {
        CellState::Unprocessed
    }
}

impl CoverageCore for ProcessedGrid {
    fn update(&mut self, e: &Estimate, rotor_rpm: f64, depth_m: f64) {
        ProcessedGrid::update(
            self,
            &ProcessingSample {
                pose: estimate_pose(e),
                rotor_rpm,
                depth_m,
                speed_mps: e.speed_mps,
                position_sigma_m: e.sigma_h_m,
            },
        );
    }

    fn progress(&self) -> f64 {
        ProcessedGrid::progress(self)
    }

    fn snapshot(&self) -> GridSnapshot {
        let f: &GridFrame = self.frame();
        GridSnapshot {
            origin_east_m: f.x0_m,
            origin_north_m: f.y0_m,
            resolution_m: f.cell_m,
            width: f.nx as u32,
            height: f.ny as u32,
            cells: self.cells().iter().map(|&c| cell_state(c)).collect(),
        }
    }
}

/// The coverage node's grid: a [`ProcessedGrid`] over the setup's hazard and safe area with
/// cells of `resolution_m` metres.
pub fn processed_grid(setup: &Setup, resolution_m: f64) -> Result<Box<dyn CoverageCore>, CoverageError> {
    let cfg = CoverageConfig {
        cell_m: resolution_m,
        ..CoverageConfig::for_machine(&setup.machine)
    };
    let g = ProcessedGrid::new(cfg, &setup.machine, &setup.field.hazard, &setup.field.safe)?;
    Ok(Box::new(g))
}

/// What the simulator produced in one step.
#[derive(Clone, Debug, PartialEq)]
pub struct SimStep {
    /// Simulated time after the step, seconds since the start.
    pub t_s: f64,
    /// GNSS fixes of the antenna that left the receiver during the step, decoded from its NMEA
    /// output, time-stamped on the simulated clock (`unix_time_s` = seconds since the start).
    pub fixes: Vec<GnssFix>,
    /// Dual-antenna headings (HDT) of the same epochs, same clock. NavSatFix cannot carry them:
    /// the localizer gets them only from NMEA (`nmea_port`), as on the real machine.
    pub headings: Vec<GnssHeading>,
    /// Gyro samples of the step: (simulated time, yaw rate rad/s).
    pub yaw_rates: Vec<(f64, f64)>,
    /// Measured track speeds, m/s.
    pub left_mps: f64,
    pub right_mps: f64,
    pub implement: ImplementStatus,
    /// Detonations of the step: (simulated time, peak g).
    pub detonations: Vec<(f64, f64)>,
}

/// What the sim node needs of a simulator.
pub trait SimulatorCore: Send {
    /// Setpoints for the coming steps.
    fn command(&mut self, drive: DriveCommand, implement: ImplementCommand);
    /// Advance by `dt_s` seconds.
    fn step(&mut self, dt_s: f64) -> SimStep;
}

#[cfg(test)]
#[path = "adapters_tests.rs"]
mod tests;
