//! `sensor_msgs/NavSatFix` ⇄ the estimator's [`GnssFix`].
//!
//! NavSatFix cannot say "RTK": its status is NO_FIX, FIX, SBAS_FIX or GBAS_FIX, decoded by
//! [`FixType::from_navsat_status`] (GBAS → DGPS, conservatively). Drivers report RTK as GBAS, so
//! GBAS fixes are refined here by the reported covariance: a 1σ semi-major axis at or below
//! [`NavSatMapping::rtk_fixed_max_sigma_m`] is RTK fixed, anything else or no covariance RTK float
//! (set the threshold to 0 to never take a NavSatFix as RTK fixed). What plain FIX means is configured ([`NavSatMapping::status_fix_as`]): a single
//! point solution on a real receiver, but Gazebo's NavSat sensor always reports FIX with an unknown
//! covariance, so the simulation launch maps it to RTK fixed.

use r2r::builtin_interfaces::msg::Time;
use r2r::sensor_msgs::msg::{NavSatFix, NavSatStatus};

use super::msg::{header, seconds};
use crate::geodesy::LatLon;
use crate::gnss::{FixType, GnssFix, HorizontalCovariance};
use crate::ros_interface::frame;

/// How NavSatFix statuses map onto fix types.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NavSatMapping {
    /// What STATUS_FIX (0) means: `Single` for a real receiver, `RtkFixed` for Gazebo's sensor.
    pub status_fix_as: FixType,
    /// GBAS (RTK) fixes whose reported 1σ semi-major axis is at or below this are RTK fixed, metres.
    pub rtk_fixed_max_sigma_m: f64,
}

impl Default for NavSatMapping {
    fn default() -> Self {
        Self {
            status_fix_as: FixType::Single,
            rtk_fixed_max_sigma_m: 0.05,
        }
    }
}

/// Why a NavSatFix is not turned into a fix.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
pub enum NavSatError {
    #[error("latitude {lat_deg} / longitude {lon_deg} out of range or not finite")]
    BadPosition { lat_deg: f64, lon_deg: f64 },
    #[error("position_covariance has {0} elements, expected 9")]
    BadCovariance(usize),
}

/// A NavSatFix as a [`GnssFix`] (time from the header stamp). A NO_FIX status gives a fix of type
/// `NoFix`, which the estimator refuses with its reason; the covariance is kept only when the
/// message says it is known (type ≥ APPROXIMATED) and it is positive definite.
pub fn navsat_to_fix(msg: &NavSatFix, mapping: &NavSatMapping) -> Result<GnssFix, NavSatError> {
    if msg.position_covariance.len() != 9 {
        return Err(NavSatError::BadCovariance(msg.position_covariance.len()));
    }
    let position = LatLon {
        lat_deg: msg.latitude,
        lon_deg: msg.longitude,
        alt_m: if msg.altitude.is_finite() { msg.altitude } else { 0.0 },
    };
    let status = i32::from(msg.status.status);
    if status != NavSatStatus::STATUS_NO_FIX as i32 && !position.is_valid() {
        return Err(NavSatError::BadPosition {
            lat_deg: msg.latitude,
            lon_deg: msg.longitude,
        });
    }
    let covariance = if msg.position_covariance_type != NavSatFix::COVARIANCE_TYPE_UNKNOWN as u8 {
        let mut c = [0.0; 9];
        c.copy_from_slice(&msg.position_covariance);
        HorizontalCovariance::from_navsat_row_major(&c)
    } else {
        None
    };
    // the estimator's own decoding, refined where NavSatFix leaves the operator a choice
    let fix_type = match FixType::from_navsat_status(msg.status.status) {
        FixType::Single => mapping.status_fix_as,
        FixType::Dgps if status == NavSatStatus::STATUS_GBAS_FIX as i32 => match covariance {
            Some(c) if c.semi_major_m() <= mapping.rtk_fixed_max_sigma_m => FixType::RtkFixed,
            _ => FixType::RtkFloat,
        },
        other => other,
    };
    let mut fix = GnssFix::new(seconds(&msg.header.stamp), position, fix_type);
    fix.covariance = covariance;
    Ok(fix)
}

/// A [`GnssFix`] as the NavSatFix a driver would publish (the built-in simulator's output), in
/// `gnss_link`. `vertical_sigma_m` fills the up variance when a covariance is given.
pub fn fix_to_navsat(fix: &GnssFix, vertical_sigma_m: f64, stamp: Time) -> NavSatFix {
    let status = match fix.fix_type {
        FixType::NoFix | FixType::DeadReckoning | FixType::Manual | FixType::Other(_) => {
            NavSatStatus::STATUS_NO_FIX as i8
        }
        FixType::RtkFixed | FixType::RtkFloat => NavSatStatus::STATUS_GBAS_FIX as i8,
        FixType::Dgps => NavSatStatus::STATUS_SBAS_FIX as i8,
        FixType::Single | FixType::Pps | FixType::Simulation => NavSatStatus::STATUS_FIX as i8,
    };
    let (position_covariance, position_covariance_type) = match fix.covariance {
        Some(c) => (
            vec![
                c.east_east_m2,
                c.east_north_m2,
                0.0,
                c.east_north_m2,
                c.north_north_m2,
                0.0,
                0.0,
                0.0,
                vertical_sigma_m * vertical_sigma_m,
            ],
            NavSatFix::COVARIANCE_TYPE_KNOWN as u8,
        ),
        None => (vec![0.0; 9], NavSatFix::COVARIANCE_TYPE_UNKNOWN as u8),
    };
    NavSatFix {
        header: header(stamp, frame::GNSS),
        status: NavSatStatus {
            status,
            service: NavSatStatus::SERVICE_GPS as u16 | NavSatStatus::SERVICE_GALILEO as u16,
        },
        latitude: fix.position.lat_deg,
        longitude: fix.position.lon_deg,
        altitude: fix.position.alt_m,
        position_covariance,
        position_covariance_type,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ros::msg::time;

    fn fix(t: FixType, sigma: Option<f64>) -> GnssFix {
        let mut f = GnssFix::new(1_700_000_000.5, LatLon::new(44.8, 20.46), t);
        f.covariance = sigma.map(|s| HorizontalCovariance::from_sigmas(s, s));
        f
    }

    #[test]
    fn round_trip_keeps_position_time_type_and_covariance() {
        let m = NavSatMapping::default();
        for (t, s) in [
            (FixType::RtkFixed, Some(0.01)),
            (FixType::RtkFloat, Some(0.3)),
            (FixType::RtkFloat, None),
            (FixType::Dgps, Some(0.4)),
            (FixType::Single, None),
            (FixType::NoFix, None),
        ] {
            let f = fix(t, s);
            let msg = fix_to_navsat(&f, 0.05, time(f.unix_time_s));
            assert_eq!(msg.header.frame_id, "gnss_link");
            let back = navsat_to_fix(&msg, &m).unwrap();
            assert_eq!(back.fix_type, t, "{t:?}");
            assert_eq!(back.position.lat_deg, 44.8);
            assert!((back.unix_time_s - f.unix_time_s).abs() < 1e-6);
            match (back.covariance, f.covariance) {
                (Some(a), Some(b)) => assert!((a.east_east_m2 - b.east_east_m2).abs() < 1e-15),
                (None, None) => {}
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn gazebo_fix_maps_as_configured() {
        // Gazebo: STATUS_FIX, covariance unknown
        let msg = fix_to_navsat(&fix(FixType::Single, None), 0.05, time(1.0));
        let sim = NavSatMapping {
            status_fix_as: FixType::RtkFixed,
            ..NavSatMapping::default()
        };
        assert_eq!(navsat_to_fix(&msg, &sim).unwrap().fix_type, FixType::RtkFixed);
        assert_eq!(
            navsat_to_fix(&msg, &NavSatMapping::default()).unwrap().fix_type,
            FixType::Single
        );
        assert!(navsat_to_fix(&msg, &sim).unwrap().covariance.is_none());
        // an unknown status keeps its value
        let mut odd = msg.clone();
        odd.status.status = 7;
        assert_eq!(navsat_to_fix(&odd, &sim).unwrap().fix_type, FixType::Other(7));
    }

    #[test]
    fn bad_messages_are_refused_with_a_reason() {
        let mut msg = fix_to_navsat(&fix(FixType::Single, None), 0.05, time(1.0));
        msg.latitude = 91.0;
        assert!(matches!(
            navsat_to_fix(&msg, &NavSatMapping::default()),
            Err(NavSatError::BadPosition { .. })
        ));
        msg.latitude = 44.0;
        msg.position_covariance.pop();
        assert_eq!(
            navsat_to_fix(&msg, &NavSatMapping::default()),
            Err(NavSatError::BadCovariance(8))
        );
        // a known but degenerate covariance is dropped, not trusted
        let mut msg = fix_to_navsat(&fix(FixType::RtkFixed, Some(0.01)), 0.05, time(1.0));
        msg.position_covariance[0] = 0.0;
        let f = navsat_to_fix(&msg, &NavSatMapping::default()).unwrap();
        assert!(f.covariance.is_none());
        assert_eq!(f.fix_type, FixType::RtkFloat);
    }
}
