//! What the tracker reads ([`TrackerInput`]) and gives ([`TrackerOutput`]: the setpoints and
//! why).

use super::Interlock;
use crate::can::protocol::{DriveCommand, ImplementCommand};
use crate::can::vehicle_model::ActuatorDemand;
use crate::plan::Pose;

/// What the tracker reads each step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrackerInput {
    /// Pose of base_link, ENU.
    pub pose: Pose,
    /// Measured rotor speed, rpm.
    pub rotor_rpm: f64,
    /// Measured working depth, m.
    pub depth_m: f64,
}

/// Setpoints for the vehicle.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct TrackCommand {
    pub left_mps: f64,
    pub right_mps: f64,
    pub rotor_enable: bool,
    pub rotor_rpm: f64,
    pub depth_m: f64,
}

impl TrackCommand {
    pub fn drive(&self) -> DriveCommand {
        DriveCommand {
            left_mps: self.left_mps,
            right_mps: self.right_mps,
        }
    }

    pub fn implement(&self) -> ImplementCommand {
        ImplementCommand {
            rotor_enable: self.rotor_enable,
            rotor_rpm: self.rotor_rpm,
            depth_m: self.depth_m,
        }
    }

    /// As the simulated machine's demand (no brake).
    pub fn demand(&self) -> ActuatorDemand {
        ActuatorDemand {
            left_mps: self.left_mps,
            right_mps: self.right_mps,
            rotor_enable: self.rotor_enable,
            rotor_rpm: self.rotor_rpm,
            depth_m: self.depth_m,
            brake: false,
        }
    }
}

/// What the tracker did and why.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrackerDebug {
    /// Index of the motion being followed (= number of motions when finished).
    pub motion_index: usize,
    /// Fraction of the current motion done, 0–1.
    pub progress: f64,
    /// Signed distance left of the path (of the travel direction), m; on pivots, the distance
    /// from the pivot centre.
    pub cross_track_m: f64,
    /// Travel heading minus path heading (pivots: target minus yaw), rad.
    pub heading_error_rad: f64,
    /// Speed aimed at after regulation and interlock, m/s (signed: negative reversing).
    pub target_speed_mps: f64,
    /// The current motion processes ground.
    pub processing: bool,
    pub interlock: Interlock,
    /// All motions done; the command is a stop.
    pub finished: bool,
}

/// `{ cmd, debug }`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrackerOutput {
    pub cmd: TrackCommand,
    pub debug: TrackerDebug,
}
