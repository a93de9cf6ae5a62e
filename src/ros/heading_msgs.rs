//! `geometry_msgs/QuaternionStamped` on `gps/heading` ⇄ the estimator's [`GnssHeading`], and the
//! Gazebo alternative: a world-referenced `sensor_msgs/Imu` orientation as a heading.
//!
//! Conventions (the easy place to be 90° or a sign off):
//! - [`GnssHeading::heading_true_deg`] is the NMEA HDT angle: degrees **clockwise from true
//!   north** of the antenna baseline.
//! - The quaternion on `gps/heading` follows REP-103: a rotation about +z by the **ENU yaw**,
//!   radians **counter-clockwise from east**, so `yaw = π/2 − heading`. North (HDT 0°) is yaw
//!   +π/2, east (HDT 90°) is yaw 0. `header.frame_id` is the antenna frame of the NavSatFix
//!   (`gnss_link`); the stamp is the heading's time of validity.
//! - `nmea_navsat_driver` publishes the same message type on `heading`, but with the HDT angle
//!   put into the quaternion unconverted (yaw = heading, clockwise from north): do not remap it
//!   onto `gps/heading`; read the receiver through the localizer's `nmea_port` instead.
//!
//! A quaternion that is not finite or not of unit norm (beyond [`UNIT_NORM_TOLERANCE`]) is
//! refused with its values, never normalised silently. `QuaternionStamped` carries no
//! covariance: headings from it take the estimator's configured sigma.

use r2r::builtin_interfaces::msg::Time;
use r2r::geometry_msgs::msg::{Quaternion, QuaternionStamped};
use r2r::sensor_msgs::msg::Imu;

use super::msg::{header, quaternion_yaw, seconds, yaw_quaternion};
use crate::gnss::GnssHeading;
use crate::ros_interface::frame;

/// Largest accepted |‖q‖ − 1|.
pub const UNIT_NORM_TOLERANCE: f64 = 1e-3;

/// Why a heading message is not turned into a [`GnssHeading`].
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
pub enum HeadingMsgError {
    #[error("quaternion ({x}, {y}, {z}, {w}) is not finite")]
    NotFinite { x: f64, y: f64, z: f64, w: f64 },
    #[error("quaternion ({x}, {y}, {z}, {w}) has norm {norm}, expected 1 ± {UNIT_NORM_TOLERANCE}")]
    NotUnit { x: f64, y: f64, z: f64, w: f64, norm: f64 },
    #[error("Imu orientation not provided (orientation_covariance[0] = -1, REP-145)")]
    OrientationNotProvided,
    #[error("Imu orientation_covariance has {0} elements, expected 9")]
    BadCovariance(usize),
}

/// Where the localizer node takes its heading from (parameter `heading_source`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeadingSource {
    /// `gps_heading`: `geometry_msgs/QuaternionStamped` on `gps/heading` (the built-in simulator's
    /// receiver, or any driver publishing the REP-103 yaw of the antenna baseline).
    GpsHeading,
    /// `imu_orientation`: the orientation of `imu/data` (Gazebo's IMU with an ENU orientation
    /// reference; gz NavSat has no heading). A real AHRS's yaw is not a dual-antenna heading:
    /// do not use this on the machine.
    ImuOrientation,
    /// `none`: positions only (the heading is inferred from motion; the supervisor will stop a
    /// mission whose footprint becomes uncertain).
    None,
}

impl HeadingSource {
    pub const NAMES: [&'static str; 3] = ["gps_heading", "imu_orientation", "none"];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "gps_heading" => Some(Self::GpsHeading),
            "imu_orientation" => Some(Self::ImuOrientation),
            "none" => Some(Self::None),
            _ => None,
        }
    }
}

/// The ENU yaw of a unit quaternion, radians.
fn checked_yaw(q: &Quaternion) -> Result<f64, HeadingMsgError> {
    let (x, y, z, w) = (q.x, q.y, q.z, q.w);
    if ![x, y, z, w].iter().all(|v| v.is_finite()) {
        return Err(HeadingMsgError::NotFinite { x, y, z, w });
    }
    let norm = (x * x + y * y + z * z + w * w).sqrt();
    if (norm - 1.0).abs() > UNIT_NORM_TOLERANCE {
        return Err(HeadingMsgError::NotUnit { x, y, z, w, norm });
    }
    Ok(quaternion_yaw(q))
}

/// ENU yaw (radians, counter-clockwise from east) → HDT heading (degrees clockwise from north,
/// in [0, 360)).
fn heading_deg_of_yaw(yaw_rad: f64) -> f64 {
    let h = (90.0 - yaw_rad.to_degrees()).rem_euclid(360.0);
    // rem_euclid may round up to exactly 360
    if h >= 360.0 {
        0.0
    } else {
        h
    }
}

/// A dual-antenna heading as the `gps/heading` message, stamped with its time of validity.
pub fn heading_to_msg(h: &GnssHeading, stamp: Time) -> QuaternionStamped {
    QuaternionStamped {
        header: header(stamp, frame::GNSS),
        quaternion: yaw_quaternion(h.yaw_enu_rad()),
    }
}

/// A `gps/heading` message as a [`GnssHeading`] (time from the stamp, sigma from the estimator's
/// config).
pub fn msg_to_heading(msg: &QuaternionStamped) -> Result<GnssHeading, HeadingMsgError> {
    let yaw = checked_yaw(&msg.quaternion)?;
    Ok(GnssHeading {
        unix_time_s: seconds(&msg.header.stamp),
        heading_true_deg: heading_deg_of_yaw(yaw),
        sigma_rad: None,
    })
}

/// The yaw of a world-referenced (ENU) IMU orientation as a [`GnssHeading`]. The 1σ is the
/// square root of the yaw variance (`orientation_covariance[8]`) when that is positive, else the
/// estimator's configured one (REP-145: all zeros = unknown).
pub fn imu_to_heading(msg: &Imu) -> Result<GnssHeading, HeadingMsgError> {
    let c = &msg.orientation_covariance;
    if c.len() != 9 {
        return Err(HeadingMsgError::BadCovariance(c.len()));
    }
    if c[0] == -1.0 {
        return Err(HeadingMsgError::OrientationNotProvided);
    }
    let yaw = checked_yaw(&msg.orientation)?;
    let sigma_rad = (c[8].is_finite() && c[8] > 0.0).then(|| c[8].sqrt());
    Ok(GnssHeading {
        unix_time_s: seconds(&msg.header.stamp),
        heading_true_deg: heading_deg_of_yaw(yaw),
        sigma_rad,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ros::msg::{time, vector3};
    use std::f64::consts::FRAC_PI_2;

    fn hdt(deg: f64) -> GnssHeading {
        GnssHeading {
            unix_time_s: 12.5,
            heading_true_deg: deg,
            sigma_rad: None,
        }
    }

    #[test]
    fn north_is_yaw_half_pi_east_is_zero_west_is_pi() {
        // (HDT degrees clockwise from north, REP-103 yaw counter-clockwise from east)
        for (deg, yaw) in [
            (0.0, FRAC_PI_2),
            (90.0, 0.0),
            (180.0, -FRAC_PI_2),
            (270.0, std::f64::consts::PI),
            (45.0, FRAC_PI_2 / 2.0),
            (315.0, 3.0 * FRAC_PI_2 / 2.0),
        ] {
            let m = heading_to_msg(&hdt(deg), time(12.5));
            let got = quaternion_yaw(&m.quaternion);
            let d = crate::localize::wrap_angle_rad(got - yaw);
            assert!(d.abs() < 1e-12, "HDT {deg}° → yaw {got}, expected {yaw}");
            assert_eq!(m.header.frame_id, "gnss_link");
            assert_eq!((m.quaternion.x, m.quaternion.y), (0.0, 0.0));
        }
    }

    #[test]
    fn round_trip_keeps_heading_and_time() {
        for deg in [0.0, 0.001, 12.3, 89.99, 90.0, 179.5, 180.0, 270.0, 359.999] {
            let back = msg_to_heading(&heading_to_msg(&hdt(deg), time(12.5))).unwrap();
            let d = (back.heading_true_deg - deg + 180.0).rem_euclid(360.0) - 180.0;
            assert!(d.abs() < 1e-9, "{deg} → {}", back.heading_true_deg);
            assert!((0.0..360.0).contains(&back.heading_true_deg));
            assert!((back.unix_time_s - 12.5).abs() < 1e-6);
            assert_eq!(back.sigma_rad, None);
            assert!((back.yaw_enu_rad() - hdt(deg).yaw_enu_rad()).abs() < 1e-9);
        }
    }

    #[test]
    fn a_quaternion_built_from_enu_yaw_reads_as_the_compass_heading() {
        // a driver following REP-103: facing north-east-ish, yaw 30° → heading 60°
        let m = QuaternionStamped {
            header: header(time(3.0), frame::GNSS),
            quaternion: yaw_quaternion(30f64.to_radians()),
        };
        assert!((msg_to_heading(&m).unwrap().heading_true_deg - 60.0).abs() < 1e-9);
    }

    #[test]
    fn bad_quaternions_are_refused_with_their_values() {
        let mut m = heading_to_msg(&hdt(10.0), time(1.0));
        m.quaternion.w = f64::NAN;
        assert!(matches!(msg_to_heading(&m), Err(HeadingMsgError::NotFinite { .. })));
        m.quaternion.w = f64::INFINITY;
        assert!(matches!(msg_to_heading(&m), Err(HeadingMsgError::NotFinite { .. })));
        let mut m = heading_to_msg(&hdt(10.0), time(1.0));
        m.quaternion.w *= 2.0;
        let e = msg_to_heading(&m).unwrap_err();
        assert!(matches!(e, HeadingMsgError::NotUnit { norm, .. } if norm > 1.5), "{e}");
        assert!(e.to_string().contains("norm"), "{e}");
        // all zeros: an unset message, not "east"
        m.quaternion = Quaternion {
            x: 0.0,
            y: 0.0,
            z: 0.0,
            w: 0.0,
        };
        assert!(matches!(msg_to_heading(&m), Err(HeadingMsgError::NotUnit { .. })));
    }

    fn imu(yaw_rad: f64, cov0: f64, cov8: f64) -> Imu {
        let mut c = vec![0.0; 9];
        c[0] = cov0;
        c[8] = cov8;
        Imu {
            header: header(time(4.0), frame::IMU),
            orientation: yaw_quaternion(yaw_rad),
            orientation_covariance: c,
            angular_velocity: vector3(0.0, 0.0, 0.0),
            angular_velocity_covariance: vec![0.0; 9],
            linear_acceleration: vector3(0.0, 0.0, 9.8),
            linear_acceleration_covariance: vec![0.0; 9],
        }
    }

    #[test]
    fn imu_orientation_gives_the_same_heading_as_the_gps_heading() {
        for yaw in [-3.0, -FRAC_PI_2, 0.0, 0.4, FRAC_PI_2, 3.1] {
            let h = imu_to_heading(&imu(yaw, 0.0, 0.0)).unwrap();
            assert!(crate::localize::wrap_angle_rad(h.yaw_enu_rad() - yaw).abs() < 1e-12);
            assert_eq!(h.sigma_rad, None, "zero covariance is unknown");
            assert!((h.unix_time_s - 4.0).abs() < 1e-9);
        }
        let h = imu_to_heading(&imu(0.0, 0.0, 1e-4)).unwrap();
        assert!((h.sigma_rad.unwrap() - 0.01).abs() < 1e-12);
        // a tilted IMU still gives the yaw of its x axis
        let (s, c) = (0.05f64).sin_cos();
        let mut tilted = imu(0.0, 0.0, 0.0);
        tilted.orientation = Quaternion {
            x: s,
            y: 0.0,
            z: 0.0,
            w: c,
        };
        assert!(imu_to_heading(&tilted).unwrap().yaw_enu_rad().abs() < 1e-12);
    }

    #[test]
    fn imu_without_orientation_is_refused() {
        assert_eq!(
            imu_to_heading(&imu(0.0, -1.0, 0.0)),
            Err(HeadingMsgError::OrientationNotProvided)
        );
        let mut m = imu(0.0, 0.0, 0.0);
        m.orientation_covariance.pop();
        assert_eq!(imu_to_heading(&m), Err(HeadingMsgError::BadCovariance(8)));
        let mut m = imu(0.0, 0.0, 0.0);
        m.orientation.z = 0.5;
        assert!(matches!(imu_to_heading(&m), Err(HeadingMsgError::NotUnit { .. })));
    }

    #[test]
    fn heading_source_names_parse() {
        for n in HeadingSource::NAMES {
            assert!(HeadingSource::parse(n).is_some(), "{n}");
        }
        assert_eq!(HeadingSource::parse("imu"), None);
    }
}
