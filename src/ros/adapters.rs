//! The narrow traits the tracker, coverage and sim nodes drive, standing in for the core types
//! issue 5 is adding (`crate::track`, `crate::coverage`, `crate::sim`), plus the stand-ins the
//! node binaries use until those land.
//!
//! Wiring them later is one `impl` per trait and one line in the node binary:
//! - [`PathFollower`] ← the path tracker with its implement interlock (`track`);
//! - [`CoverageCore`] ← the processed-area grid (`coverage`), which yields a [`GridSnapshot`];
//! - [`SimulatorCore`] ← the built-in simulator (`sim`): vehicle, GNSS, IMU, implement, mines.
//!
//! The stand-ins are honest about what they are: [`StandStill`] never moves the machine,
//! [`StripGrid`] marks the processing line's sweep with the rotor in band (no speed or position
//! quality condition), [`KinematicSim`] is the CAN layer's first-order vehicle on a flat plane with
//! perfect RTK fixes and no mines.

use crate::can::protocol::{DriveCommand, ImplementCommand, ImplementStatus};
use crate::can::vehicle_model::{ActuatorDemand, SimpleVehicle, VehicleModel};
use crate::geodesy::{Datum, Enu};
use crate::gnss::{FixType, GnssFix, HorizontalCovariance};
use crate::localize::Estimate;
use crate::machine::MachineProfile;
use crate::plan::Plan;

use super::grid_msgs::{CellState, GridSnapshot};
use super::pose_msgs::Pose2;

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

/// What the tracker node needs of a path tracker.
pub trait PathFollower: Send {
    /// Follow `plan` from its first motion.
    fn set_plan(&mut self, plan: &Plan, machine: &MachineProfile);
    /// One control step at `now_s` (seconds, the node's ROS clock) from the current estimate,
    /// with the measured rotor speed (rpm) and depth (m) for the implement interlock.
    fn step(&mut self, estimate: &Estimate, rotor_rpm: f64, depth_m: f64, now_s: f64) -> TrackerSetpoints;
}

/// Stand-in until `crate::track` lands: always commands a stop with the rotor off.
#[derive(Clone, Debug, Default)]
pub struct StandStill;

impl PathFollower for StandStill {
    fn set_plan(&mut self, _plan: &Plan, _machine: &MachineProfile) {}
    fn step(&mut self, _e: &Estimate, _rpm: f64, _depth: f64, _now_s: f64) -> TrackerSetpoints {
        TrackerSetpoints::STOP
    }
}

/// What the coverage node needs of a processed-area grid.
pub trait CoverageCore: Send {
    /// The machine is at `estimate` with the rotor at `rotor_rpm` and depth `depth_m`.
    fn update(&mut self, estimate: &Estimate, rotor_rpm: f64, depth_m: f64);
    /// Processed fraction of the hazard, 0–1.
    fn progress(&self) -> f64;
    fn snapshot(&self) -> GridSnapshot;
}

/// Stand-in processed-area grid: a cell under the processing line counts as processed when the
/// rotor is at or above its minimum speed and the depth at least 80 % of the target.
#[derive(Clone, Debug)]
pub struct StripGrid {
    grid: GridSnapshot,
    machine: MachineProfile,
    hazard_cells: usize,
    processed_cells: usize,
}

impl StripGrid {
    /// A grid of `resolution_m` cells over the hazard's bounding box.
    pub fn new(hazard: &geo::MultiPolygon<f64>, machine: &MachineProfile, resolution_m: f64) -> Self {
        use geo::{BoundingRect, Contains};
        let r = resolution_m.max(0.05);
        let bb = hazard.bounding_rect().unwrap_or(geo::Rect::new((0.0, 0.0), (0.0, 0.0)));
        let width = ((bb.width() / r).ceil() as u32).max(1);
        let height = ((bb.height() / r).ceil() as u32).max(1);
        let mut cells = Vec::with_capacity(width as usize * height as usize);
        for j in 0..height {
            for i in 0..width {
                let c = geo::Point::new(
                    bb.min().x + (f64::from(i) + 0.5) * r,
                    bb.min().y + (f64::from(j) + 0.5) * r,
                );
                cells.push(if hazard.contains(&c) {
                    CellState::Unprocessed
                } else {
                    CellState::Outside
                });
            }
        }
        let hazard_cells = cells.iter().filter(|c| **c == CellState::Unprocessed).count();
        Self {
            grid: GridSnapshot {
                origin_east_m: bb.min().x,
                origin_north_m: bb.min().y,
                resolution_m: r,
                width,
                height,
                cells,
            },
            machine: machine.clone(),
            hazard_cells,
            processed_cells: 0,
        }
    }
}

impl CoverageCore for StripGrid {
    fn update(&mut self, e: &Estimate, rotor_rpm: f64, depth_m: f64) {
        if rotor_rpm < self.machine.rotor_rpm_min || depth_m < 0.8 * self.machine.depth_target_m {
            return;
        }
        let [[x, y0], [_, y1]] = self.machine.implement_m;
        let g = &mut self.grid;
        let steps = ((y1 - y0).abs() / (0.5 * g.resolution_m)).ceil() as usize;
        let (s, c) = e.yaw_rad.sin_cos();
        for k in 0..=steps {
            let by = y0 + (y1 - y0) * k as f64 / steps.max(1) as f64;
            let (px, py) = (e.east_m + c * x - s * by, e.north_m + s * x + c * by);
            let i = ((px - g.origin_east_m) / g.resolution_m).floor();
            let j = ((py - g.origin_north_m) / g.resolution_m).floor();
            if i < 0.0 || j < 0.0 || i >= f64::from(g.width) || j >= f64::from(g.height) {
                continue;
            }
            let idx = j as usize * g.width as usize + i as usize;
            if g.cells[idx] == CellState::Unprocessed {
                g.cells[idx] = CellState::Processed;
                self.processed_cells += 1;
            }
        }
    }

    fn progress(&self) -> f64 {
        if self.hazard_cells == 0 {
            1.0
        } else {
            self.processed_cells as f64 / self.hazard_cells as f64
        }
    }

    fn snapshot(&self) -> GridSnapshot {
        self.grid.clone()
    }
}

/// What the simulator produced in one step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimStep {
    /// Simulated time, seconds since the start.
    pub t_s: f64,
    /// The GNSS antenna's fix, when one is due.
    pub fix: Option<GnssFix>,
    /// Gyro yaw rate, rad/s.
    pub yaw_rate_rps: f64,
    /// Measured track speeds, m/s.
    pub left_mps: f64,
    pub right_mps: f64,
    pub implement: ImplementStatus,
    /// A detonation under the rotor this step, peak g.
    pub detonation_g: Option<f64>,
}

/// What the sim node needs of a simulator.
pub trait SimulatorCore: Send {
    /// Setpoints for the coming steps.
    fn command(&mut self, drive: DriveCommand, implement: ImplementCommand);
    /// Advance by `dt_s` seconds.
    fn step(&mut self, dt_s: f64) -> SimStep;
}

/// Stand-in simulator: [`SimpleVehicle`] (first-order tracks and rotor) integrated on a plane,
/// RTK-fixed GNSS fixes of the base_link position every `gnss_period_s`, no noise, no mines.
pub struct KinematicSim {
    vehicle: SimpleVehicle,
    demand: ActuatorDemand,
    track_gauge_m: f64,
    pose: Pose2,
    datum: Datum,
    t_s: f64,
    /// UNIX time of simulated time zero (fix time stamps), seconds.
    start_unix_s: f64,
    gnss_period_s: f64,
    next_fix_s: f64,
}

impl KinematicSim {
    /// Start at `start` (ENU metres and yaw in the field's `map` frame).
    ///
    /// # Units
    /// `track_gauge_m` metres, `start_unix_s` and `gnss_period_s` seconds.
    pub fn new(datum: Datum, start: Pose2, track_gauge_m: f64, start_unix_s: f64, gnss_period_s: f64) -> Self {
        Self {
            vehicle: SimpleVehicle::default(),
            demand: ActuatorDemand::default(),
            track_gauge_m,
            pose: start,
            datum,
            t_s: 0.0,
            start_unix_s,
            gnss_period_s,
            next_fix_s: 0.0,
        }
    }

    pub fn pose(&self) -> Pose2 {
        self.pose
    }
}

impl SimulatorCore for KinematicSim {
    fn command(&mut self, drive: DriveCommand, implement: ImplementCommand) {
        self.demand = ActuatorDemand {
            left_mps: drive.left_mps,
            right_mps: drive.right_mps,
            rotor_enable: implement.rotor_enable,
            rotor_rpm: implement.rotor_rpm,
            depth_m: implement.depth_m,
            brake: false,
        };
    }

    fn step(&mut self, dt_s: f64) -> SimStep {
        let dt = dt_s.max(0.0);
        self.vehicle.step(&self.demand, std::time::Duration::from_secs_f64(dt));
        let s = self.vehicle.state();
        let v = 0.5 * (s.left_mps + s.right_mps);
        let w = (s.right_mps - s.left_mps) / self.track_gauge_m;
        let mid = self.pose.yaw_rad + 0.5 * w * dt;
        self.pose.x_m += v * dt * mid.cos();
        self.pose.y_m += v * dt * mid.sin();
        self.pose.yaw_rad = crate::localize::wrap_angle_rad(self.pose.yaw_rad + w * dt);
        self.t_s += dt;
        let fix = (self.t_s + 1e-9 >= self.next_fix_s).then(|| {
            self.next_fix_s += self.gnss_period_s;
            let mut ll = self.datum.to_latlon(Enu::new(self.pose.x_m, self.pose.y_m));
            ll.alt_m = self.datum.origin.alt_m;
            let mut f = GnssFix::new(self.start_unix_s + self.t_s, ll, FixType::RtkFixed);
            f.covariance = Some(HorizontalCovariance::from_sigmas(0.01, 0.01));
            f
        });
        SimStep {
            t_s: self.t_s,
            fix,
            yaw_rate_rps: w,
            left_mps: s.left_mps,
            right_mps: s.right_mps,
            implement: ImplementStatus {
                rotor_rpm: s.rotor_rpm,
                depth_m: s.depth_m,
                hydraulic_pressure_bar: s.hydraulic_pressure_bar,
                hydraulic_temp_c: s.hydraulic_temp_c,
                rotor_enabled: s.rotor_enabled,
            },
            detonation_g: self.vehicle.take_shock_g(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geodesy::LatLon;
    use crate::localize::Quality;

    fn estimate_at(x: f64, y: f64, yaw: f64) -> Estimate {
        Estimate {
            unix_time_s: 0.0,
            east_m: x,
            north_m: y,
            yaw_rad: yaw,
            speed_mps: 0.0,
            yaw_rate_rps: 0.0,
            track_slip: 0.0,
            turn_scale: 1.0,
            gyro_bias_rps: 0.0,
            position_cov_m2: [[1e-4, 0.0], [0.0, 1e-4]],
            sigma_east_m: 0.01,
            sigma_north_m: 0.01,
            sigma_h_m: 0.01,
            sigma_yaw_rad: 0.01,
            since_fix_s: 0.0,
            quality: Quality::Good,
        }
    }

    #[test]
    fn strip_grid_processes_only_with_rotor_in_band() {
        let m = MachineProfile::default_profile();
        let hazard = geo::MultiPolygon::new(vec![geo::Polygon::new(
            geo::LineString::from(vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0), (0.0, 0.0)]),
            vec![],
        )]);
        let mut g = StripGrid::new(&hazard, &m, 0.1);
        assert_eq!(g.progress(), 0.0);
        // processing line at x = 2.9 ahead: base_link at x = 2.1 puts it at x = 5.0
        g.update(&estimate_at(2.1, 5.0, 0.0), 100.0, 0.25);
        assert_eq!(g.progress(), 0.0, "rotor too slow");
        g.update(&estimate_at(2.1, 5.0, 0.0), 600.0, 0.25);
        assert!(g.progress() > 0.0);
        let snap = g.snapshot();
        let cell = |x: f64, y: f64| {
            snap.cells[((y / 0.1).floor() as usize) * snap.width as usize + (x / 0.1).floor() as usize]
        };
        assert_eq!(cell(5.05, 5.05), CellState::Processed);
        assert_eq!(cell(1.0, 1.0), CellState::Unprocessed);
        assert!(crate::ros::grid_msgs::occupancy_grid(&snap, crate::ros::msg::time(0.0)).is_ok());
    }

    #[test]
    fn kinematic_sim_drives_and_reports_fixes() {
        let datum = Datum::new(LatLon::new(44.8, 20.46));
        let mut sim = KinematicSim::new(datum, Pose2::IDENTITY, 1.3, 1_700_000_000.0, 0.1);
        sim.command(
            DriveCommand {
                left_mps: 0.5,
                right_mps: 0.5,
            },
            ImplementCommand {
                rotor_enable: true,
                rotor_rpm: 600.0,
                depth_m: 0.25,
            },
        );
        let mut fixes = 0;
        let mut last = None;
        for _ in 0..2000 {
            let s = sim.step(0.01);
            if let Some(f) = s.fix {
                fixes += 1;
                last = Some(f);
            }
        }
        assert!((199..=201).contains(&fixes), "{fixes}");
        let p = sim.pose();
        assert!(p.x_m > 8.0 && p.y_m.abs() < 1e-9, "{p:?}");
        let f = last.unwrap();
        let (e, n) = datum.to_enu_2d(f.position);
        assert!((e - p.x_m).abs() < 0.06 && n.abs() < 1e-6, "{e} {n}");
        assert_eq!(f.fix_type, FixType::RtkFixed);
        let s = sim.step(0.01);
        assert!(s.implement.rotor_rpm > 0.0);
    }
}
