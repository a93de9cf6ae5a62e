//! Drive and implement commands: `geometry_msgs/Twist` ⇄ track speed setpoints, and the implement
//! setpoints as two `std_msgs/Float64` topics (rotor speed in rad/s, depth in metres) so the same
//! topics drive the CAN bridge and Gazebo's joint controllers through `ros_gz_bridge`.
//!
//! Skid steering: `left = v − ω·g/2`, `right = v + ω·g/2` for gauge `g`; the inverse
//! `v = (l + r)/2`, `ω = (r − l)/g`. A Twist's other components cannot be driven and are ignored.

use r2r::geometry_msgs::msg::Twist;
use r2r::std_msgs::msg::Float64;

use super::msg::vector3;
use crate::can::protocol::{DriveCommand, ImplementCommand};

/// Track speed limit of the vehicle protocol (DBC range of DriveCommand), m/s.
pub const MAX_TRACK_SPEED_MPS: f64 = 3.0;

/// rpm → rad/s.
pub const RPM_TO_RAD_S: f64 = std::f64::consts::TAU / 60.0;

/// A drive command older than this is dropped and the tracks stopped (`sim`, `can_bridge`), like
/// a real base controller's command timeout, s.
pub const CMD_VEL_TIMEOUT_S: f64 = 0.5;

/// The command timeout: the drive setpoint in force at time `now_s` is the last `cmd_vel` if it is
/// at most [`CMD_VEL_TIMEOUT_S`] old, else a stop.
#[derive(Clone, Copy, Debug)]
pub struct CommandTimeout {
    last: Option<(f64, DriveCommand)>,
    timeout_s: f64,
}

impl Default for CommandTimeout {
    fn default() -> Self {
        Self::new(CMD_VEL_TIMEOUT_S)
    }
}

impl CommandTimeout {
    /// # Units
    /// `timeout_s` seconds.
    pub fn new(timeout_s: f64) -> Self {
        Self { last: None, timeout_s }
    }

    /// A command received at `now_s`.
    pub fn command(&mut self, d: DriveCommand, now_s: f64) {
        self.last = Some((now_s, d));
    }

    /// The setpoint at `now_s` and whether the last command has just expired (true once per
    /// expiry, for a log line).
    pub fn setpoint(&mut self, now_s: f64) -> (DriveCommand, bool) {
        const STOP: DriveCommand = DriveCommand {
            left_mps: 0.0,
            right_mps: 0.0,
        };
        match self.last {
            Some((t, d)) if now_s - t <= self.timeout_s => (d, false),
            Some((_, d)) => {
                self.last = None;
                (STOP, d != STOP)
            }
            None => (STOP, false),
        }
    }
}

/// A Twist as track speed setpoints; both tracks scaled down together (keeping the curvature) when
/// either would exceed `max_track_mps`. Non-finite input is a stop.
///
/// # Units
/// `track_gauge_m` metres, `max_track_mps` m/s.
pub fn twist_to_drive(t: &Twist, track_gauge_m: f64, max_track_mps: f64) -> DriveCommand {
    let v = t.linear.x;
    let w = t.angular.z;
    if !v.is_finite() || !w.is_finite() {
        return DriveCommand {
            left_mps: 0.0,
            right_mps: 0.0,
        };
    }
    let (l, r) = (v - 0.5 * w * track_gauge_m, v + 0.5 * w * track_gauge_m);
    let peak = l.abs().max(r.abs());
    let k = if peak > max_track_mps {
        max_track_mps / peak
    } else {
        1.0
    };
    DriveCommand {
        left_mps: l * k,
        right_mps: r * k,
    }
}

/// Track speeds as the Twist that commands them.
pub fn drive_to_twist(d: &DriveCommand, track_gauge_m: f64) -> Twist {
    Twist {
        linear: vector3(0.5 * (d.left_mps + d.right_mps), 0.0, 0.0),
        angular: vector3(0.0, 0.0, (d.right_mps - d.left_mps) / track_gauge_m),
    }
}

/// The implement setpoints as the two Float64 commands `(rotor rad/s, depth m)`; a disabled rotor
/// commands 0 rad/s.
pub fn implement_to_msgs(c: &ImplementCommand) -> (Float64, Float64) {
    let rotor = if c.rotor_enable {
        c.rotor_rpm * RPM_TO_RAD_S
    } else {
        0.0
    };
    (Float64 { data: rotor }, Float64 { data: c.depth_m })
}

/// The two Float64 commands back as implement setpoints (rotor enabled when its speed is
/// positive; negative or non-finite values are 0).
pub fn msgs_to_implement(rotor_rad_s: f64, depth_m: f64) -> ImplementCommand {
    let rpm = if rotor_rad_s.is_finite() && rotor_rad_s > 0.0 {
        rotor_rad_s / RPM_TO_RAD_S
    } else {
        0.0
    };
    ImplementCommand {
        rotor_enable: rpm > 0.0,
        rotor_rpm: rpm,
        depth_m: if depth_m.is_finite() { depth_m.max(0.0) } else { 0.0 },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_drive_command_stops_the_tracks() {
        let go = DriveCommand {
            left_mps: 0.5,
            right_mps: 0.6,
        };
        let mut c = CommandTimeout::default();
        assert_eq!(c.setpoint(0.0).0.left_mps, 0.0, "no command: stopped");
        c.command(go, 1.0);
        assert_eq!(c.setpoint(1.5), (go, false), "0.5 s old: still in force");
        let (d, expired) = c.setpoint(1.51);
        assert_eq!((d.left_mps, d.right_mps, expired), (0.0, 0.0, true));
        assert!(!c.setpoint(2.0).1, "expiry reported once");
        c.command(go, 3.0);
        assert_eq!(c.setpoint(3.2).0, go);
    }

    #[test]
    fn twist_and_track_speeds_round_trip() {
        for (v, w) in [(0.14, 0.0), (0.0, 0.2), (-0.5, 0.1), (1.0, -0.3)] {
            let t = Twist {
                linear: vector3(v, 0.0, 0.0),
                angular: vector3(0.0, 0.0, w),
            };
            let d = twist_to_drive(&t, 1.3, MAX_TRACK_SPEED_MPS);
            let back = drive_to_twist(&d, 1.3);
            assert!((back.linear.x - v).abs() < 1e-12 && (back.angular.z - w).abs() < 1e-12);
        }
        // pivot: tracks counter-rotate
        let p = twist_to_drive(
            &Twist {
                linear: vector3(0.0, 0.0, 0.0),
                angular: vector3(0.0, 0.0, 0.2),
            },
            1.3,
            3.0,
        );
        assert!((p.left_mps + 0.13).abs() < 1e-12 && (p.right_mps - 0.13).abs() < 1e-12);
    }

    #[test]
    fn saturation_keeps_curvature_and_nan_stops() {
        let t = Twist {
            linear: vector3(4.0, 9.0, 0.0),
            angular: vector3(0.0, 0.0, 1.0),
        };
        let d = twist_to_drive(&t, 1.3, 3.0);
        assert!(d.left_mps.abs() <= 3.0 + 1e-12 && d.right_mps.abs() <= 3.0 + 1e-12);
        let back = drive_to_twist(&d, 1.3);
        assert!((back.angular.z / back.linear.x - 0.25).abs() < 1e-12);
        let nan = Twist {
            linear: vector3(f64::NAN, 0.0, 0.0),
            angular: vector3(0.0, 0.0, 0.0),
        };
        assert_eq!(
            twist_to_drive(&nan, 1.3, 3.0),
            DriveCommand {
                left_mps: 0.0,
                right_mps: 0.0
            }
        );
    }

    #[test]
    fn implement_commands_round_trip() {
        let c = ImplementCommand {
            rotor_enable: true,
            rotor_rpm: 600.0,
            depth_m: 0.25,
        };
        let (r, d) = implement_to_msgs(&c);
        assert!((r.data - 20.0 * std::f64::consts::PI).abs() < 1e-9);
        let back = msgs_to_implement(r.data, d.data);
        assert!(back.rotor_enable && (back.rotor_rpm - 600.0).abs() < 1e-9 && back.depth_m == 0.25);
        let off = implement_to_msgs(&ImplementCommand {
            rotor_enable: false,
            rotor_rpm: 600.0,
            depth_m: 0.0,
        });
        assert_eq!(off.0.data, 0.0);
        assert!(!msgs_to_implement(off.0.data, -1.0).rotor_enable);
        assert_eq!(msgs_to_implement(f64::NAN, f64::NAN).depth_m, 0.0);
    }
}
