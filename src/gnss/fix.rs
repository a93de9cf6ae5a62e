//! The plain GNSS measurement types the estimator consumes: [`GnssFix`] (what `sensor_msgs/NavSatFix`
//! or an NMEA epoch carries) and [`GnssHeading`] (dual-antenna heading).
//!
//! Times are UNIX seconds (UTC) supplied by whoever builds the value; nothing here reads a clock.

use crate::geodesy::LatLon;

/// The receiver's solution type, decoded from the GGA quality indicator (NMEA 0183) or carried
/// separately by the ROS layer (NavSatFix's status cannot say "RTK").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FixType {
    /// No position (GGA 0).
    NoFix,
    /// Autonomous / single point (GGA 1), ≈ 1.5 m.
    Single,
    /// DGPS / SBAS (GGA 2), ≈ 0.4 m.
    Dgps,
    /// Precise positioning service (GGA 3).
    Pps,
    /// RTK with fixed integer ambiguities (GGA 4), ≈ 1 cm.
    RtkFixed,
    /// RTK float (GGA 5), ≈ 0.2–1 m.
    RtkFloat,
    /// The receiver's own dead reckoning (GGA 6): not a measurement, never fused.
    DeadReckoning,
    /// Manual input (GGA 7): never fused.
    Manual,
    /// Simulation (GGA 8): never fused.
    Simulation,
    /// Any other quality indicator.
    Other(u8),
}

impl FixType {
    /// Decode a GGA quality indicator.
    pub fn from_gga_quality(q: u8) -> Self {
        match q {
            0 => FixType::NoFix,
            1 => FixType::Single,
            2 => FixType::Dgps,
            3 => FixType::Pps,
            4 => FixType::RtkFixed,
            5 => FixType::RtkFloat,
            6 => FixType::DeadReckoning,
            7 => FixType::Manual,
            8 => FixType::Simulation,
            other => FixType::Other(other),
        }
    }

    /// Encode as a GGA quality indicator (inverse of [`FixType::from_gga_quality`]).
    pub fn to_gga_quality(self) -> u8 {
        match self {
            FixType::NoFix => 0,
            FixType::Single => 1,
            FixType::Dgps => 2,
            FixType::Pps => 3,
            FixType::RtkFixed => 4,
            FixType::RtkFloat => 5,
            FixType::DeadReckoning => 6,
            FixType::Manual => 7,
            FixType::Simulation => 8,
            FixType::Other(q) => q,
        }
    }

    /// From `sensor_msgs/NavSatStatus.status` (−1 no fix, 0 fix, 1 SBAS, 2 GBAS). NavSatFix cannot
    /// say "RTK": GBAS maps to `Dgps`, conservatively; a driver that knows the RTK state passes it
    /// separately and the ROS layer sets `RtkFixed`/`RtkFloat` itself.
    pub fn from_navsat_status(status: i8) -> Self {
        match status {
            -1 => FixType::NoFix,
            0 => FixType::Single,
            1 | 2 => FixType::Dgps,
            other => FixType::Other(other as u8),
        }
    }

    /// True for solution types that are measurements of the antenna position.
    pub fn is_measurement(self) -> bool {
        matches!(
            self,
            FixType::Single | FixType::Dgps | FixType::Pps | FixType::RtkFixed | FixType::RtkFloat
        )
    }

    /// True for the types whose accuracy depends on a stream of corrections (correction age matters).
    pub fn uses_corrections(self) -> bool {
        matches!(self, FixType::Dgps | FixType::RtkFixed | FixType::RtkFloat)
    }
}

/// Horizontal position covariance in the local East/North axes, m².
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HorizontalCovariance {
    pub east_east_m2: f64,
    pub east_north_m2: f64,
    pub north_north_m2: f64,
}

impl HorizontalCovariance {
    /// Diagonal covariance from 1σ east and north errors (metres).
    pub fn from_sigmas(sigma_east_m: f64, sigma_north_m: f64) -> Self {
        Self {
            east_east_m2: sigma_east_m.powi(2),
            east_north_m2: 0.0,
            north_north_m2: sigma_north_m.powi(2),
        }
    }

    /// The horizontal block of a `sensor_msgs/NavSatFix` `position_covariance` (ENU, m², row-major
    /// 3×3); `None` when it is not positive definite (e.g. `COVARIANCE_TYPE_UNKNOWN`, all zeros).
    pub fn from_navsat_row_major(cov: &[f64; 9]) -> Option<Self> {
        let c = Self {
            east_east_m2: cov[0],
            east_north_m2: 0.5 * (cov[1] + cov[3]),
            north_north_m2: cov[4],
        };
        c.is_valid().then_some(c)
    }

    /// True when the matrix is finite, symmetric positive definite.
    pub fn is_valid(&self) -> bool {
        let det = self.east_east_m2 * self.north_north_m2 - self.east_north_m2 * self.east_north_m2;
        self.east_east_m2.is_finite()
            && self.north_north_m2.is_finite()
            && self.east_north_m2.is_finite()
            && self.east_east_m2 > 0.0
            && self.north_north_m2 > 0.0
            && det > 0.0
    }

    /// Square root of the larger eigenvalue: the semi-major axis of the 1σ ellipse, metres.
    pub fn semi_major_m(&self) -> f64 {
        let a = self.east_east_m2;
        let d = self.north_north_m2;
        let b = self.east_north_m2;
        let mean = 0.5 * (a + d);
        let half_diff = (0.25 * (a - d).powi(2) + b * b).sqrt();
        (mean + half_diff).max(0.0).sqrt()
    }
}

/// One GNSS position epoch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GnssFix {
    /// Time of validity, UNIX seconds (UTC).
    pub unix_time_s: f64,
    /// Antenna position (WGS84); `alt_m` is ellipsoidal height when known.
    pub position: LatLon,
    pub fix_type: FixType,
    /// Reported horizontal covariance (from GST or NavSatFix); `None` → the estimator uses its
    /// configured default for the fix type.
    pub covariance: Option<HorizontalCovariance>,
    /// Age of the differential corrections, seconds (GGA field 13), when reported.
    pub correction_age_s: Option<f64>,
    /// Satellites used, when reported.
    pub satellites: Option<u8>,
    /// Horizontal dilution of precision, when reported.
    pub hdop: Option<f64>,
    /// Speed over ground (RMC/VTG), m/s, when reported. Carried for diagnostics; not fused.
    pub speed_over_ground_mps: Option<f64>,
}

impl GnssFix {
    /// A fix with only the required fields; the optional ones are `None`.
    pub fn new(unix_time_s: f64, position: LatLon, fix_type: FixType) -> Self {
        Self {
            unix_time_s,
            position,
            fix_type,
            covariance: None,
            correction_age_s: None,
            satellites: None,
            hdop: None,
            speed_over_ground_mps: None,
        }
    }
}

/// One dual-antenna heading epoch (NMEA HDT or a receiver's heading message).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GnssHeading {
    /// Time of validity, UNIX seconds (UTC).
    pub unix_time_s: f64,
    /// Heading of the antenna baseline, degrees clockwise from true north (NMEA convention).
    pub heading_true_deg: f64,
    /// 1σ heading error, radians; `None` → the estimator's configured default.
    pub sigma_rad: Option<f64>,
}

impl GnssHeading {
    /// The heading as an ENU yaw (counter-clockwise from east), radians in (-π, π].
    pub fn yaw_enu_rad(&self) -> f64 {
        crate::localize::wrap_angle_rad(std::f64::consts::FRAC_PI_2 - self.heading_true_deg.to_radians())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gga_quality_round_trips() {
        for q in 0..=20u8 {
            assert_eq!(FixType::from_gga_quality(q).to_gga_quality(), q);
        }
        assert_eq!(FixType::from_gga_quality(4), FixType::RtkFixed);
        assert_eq!(FixType::from_gga_quality(5), FixType::RtkFloat);
        assert_eq!(FixType::from_navsat_status(-1), FixType::NoFix);
        assert_eq!(FixType::from_navsat_status(0), FixType::Single);
        assert_eq!(FixType::from_navsat_status(2), FixType::Dgps);
    }

    #[test]
    fn heading_north_is_yaw_half_pi_and_east_is_zero() {
        let h = |deg| {
            GnssHeading {
                unix_time_s: 0.0,
                heading_true_deg: deg,
                sigma_rad: None,
            }
            .yaw_enu_rad()
        };
        assert!((h(0.0) - std::f64::consts::FRAC_PI_2).abs() < 1e-12);
        assert!(h(90.0).abs() < 1e-12);
        assert!((h(180.0) + std::f64::consts::FRAC_PI_2).abs() < 1e-12);
    }

    #[test]
    fn semi_major_of_rotated_ellipse() {
        let c = HorizontalCovariance {
            east_east_m2: 2.0,
            east_north_m2: 1.0,
            north_north_m2: 2.0,
        };
        assert!((c.semi_major_m() - 3.0f64.sqrt()).abs() < 1e-12);
        assert!(c.is_valid());
        assert!(!HorizontalCovariance {
            east_east_m2: 1.0,
            east_north_m2: 2.0,
            north_north_m2: 1.0
        }
        .is_valid());
    }
}
