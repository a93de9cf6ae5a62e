//! Constructors for the r2r message values the conversions share, every field written out.
//!
//! `Default` on an r2r message calls native code (a panicking stub with r2r's `doc-only`
//! bindings), so nothing in `crate::ros` uses it: every message is built here or in the
//! conversion modules with a full struct literal.

use r2r::builtin_interfaces::msg::{Duration as MsgDuration, Time};
use r2r::geometry_msgs::msg::{Point, Pose, Quaternion, Transform, TransformStamped, Vector3};
use r2r::std_msgs::msg::{ColorRGBA, Header};

use crate::ros_interface::Qos;

/// A ROS time from UNIX (or simulated) seconds. Negative or non-finite values give time zero.
///
/// # Units
/// `t_s` seconds.
pub fn time(t_s: f64) -> Time {
    if !t_s.is_finite() || t_s <= 0.0 {
        return Time { sec: 0, nanosec: 0 };
    }
    let sec = t_s.floor();
    let mut nanosec = ((t_s - sec) * 1e9).round() as u32;
    let mut sec = sec.min(i32::MAX as f64) as i32;
    if nanosec >= 1_000_000_000 {
        nanosec -= 1_000_000_000;
        sec = sec.saturating_add(1);
    }
    Time { sec, nanosec }
}

/// Seconds of a ROS time.
pub fn seconds(t: &Time) -> f64 {
    f64::from(t.sec) + f64::from(t.nanosec) * 1e-9
}

/// A zero duration (markers that never expire).
pub fn forever() -> MsgDuration {
    MsgDuration { sec: 0, nanosec: 0 }
}

pub fn header(stamp: Time, frame_id: &str) -> Header {
    Header {
        stamp,
        frame_id: frame_id.to_string(),
    }
}

pub fn point(x: f64, y: f64, z: f64) -> Point {
    Point { x, y, z }
}

pub fn vector3(x: f64, y: f64, z: f64) -> Vector3 {
    Vector3 { x, y, z }
}

/// The rotation about +z by `yaw_rad` (REP-103: counter-clockwise, zero facing east in `map`).
pub fn yaw_quaternion(yaw_rad: f64) -> Quaternion {
    let (s, c) = (yaw_rad / 2.0).sin_cos();
    Quaternion {
        x: 0.0,
        y: 0.0,
        z: s,
        w: c,
    }
}

/// Yaw (rotation about +z) of a quaternion, radians in (-π, π].
pub fn quaternion_yaw(q: &Quaternion) -> f64 {
    (2.0 * (q.w * q.z + q.x * q.y)).atan2(1.0 - 2.0 * (q.y * q.y + q.z * q.z))
}

pub fn identity_quaternion() -> Quaternion {
    yaw_quaternion(0.0)
}

/// A planar pose: position (x, y) at height 0, heading `yaw_rad`.
pub fn planar_pose(x_m: f64, y_m: f64, yaw_rad: f64) -> Pose {
    Pose {
        position: point(x_m, y_m, 0.0),
        orientation: yaw_quaternion(yaw_rad),
    }
}

/// A stamped planar transform `parent → child`.
pub fn planar_transform(stamp: Time, parent: &str, child: &str, x_m: f64, y_m: f64, yaw_rad: f64) -> TransformStamped {
    TransformStamped {
        header: header(stamp, parent),
        child_frame_id: child.to_string(),
        transform: Transform {
            translation: vector3(x_m, y_m, 0.0),
            rotation: yaw_quaternion(yaw_rad),
        },
    }
}

pub fn color(r: f32, g: f32, b: f32, a: f32) -> ColorRGBA {
    ColorRGBA { r, g, b, a }
}

/// The r2r QoS profile of a row of the interface table.
pub fn qos_profile(q: Qos) -> r2r::QosProfile {
    match q {
        Qos::Reliable => r2r::QosProfile::default(),
        Qos::Latched => r2r::QosProfile::default().reliable().transient_local().keep_last(1),
        Qos::SensorData => r2r::QosProfile::sensor_data(),
        Qos::Tf => r2r::QosProfile::default().keep_last(100),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_round_trips_to_the_nanosecond() {
        for t in [0.0, 1.5, 1_732_000_000.125, 59.999_999_999_9] {
            let m = time(t);
            assert!(m.nanosec < 1_000_000_000);
            assert!((seconds(&m) - t).abs() < 1e-6, "{t}");
        }
        assert_eq!(time(-3.0), Time { sec: 0, nanosec: 0 });
        assert_eq!(time(f64::NAN), Time { sec: 0, nanosec: 0 });
    }

    #[test]
    fn yaw_survives_the_quaternion() {
        for yaw in [-3.0, -1.0, 0.0, 0.5, std::f64::consts::FRAC_PI_2, 3.1] {
            let q = yaw_quaternion(yaw);
            assert!(((q.x * q.x + q.y * q.y + q.z * q.z + q.w * q.w) - 1.0).abs() < 1e-12);
            assert!((quaternion_yaw(&q) - yaw).abs() < 1e-12, "{yaw}");
        }
    }

    #[test]
    fn transforms_name_parent_and_child() {
        let t = planar_transform(time(2.0), "map", "odom", 1.0, 2.0, 0.3);
        assert_eq!(t.header.frame_id, "map");
        assert_eq!(t.child_frame_id, "odom");
        assert_eq!(t.transform.translation.y, 2.0);
        assert!((quaternion_yaw(&t.transform.rotation) - 0.3).abs() < 1e-12);
    }
}
