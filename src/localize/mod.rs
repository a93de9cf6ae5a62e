//! Localization: fuses GNSS fixes (and dual-antenna heading) with track odometry and an optional
//! gyro into a planar pose with an honest covariance and a quality verdict the safety layer acts on.
//!
//! - [`ekf`]: the filter's state, motion model and measurement models (pure math).
//! - [`core`]: per-measurement decisions: alignment, gating, re-acquisition, outages, quality.
//! - [`localizer`]: the public [`Localizer`]: datum, history and out-of-order replay.
//! - [`config`], [`quality`], [`output`]: typed config, the verdict, what the estimator returns.
//! - [`blend`]: corrections shown in the output gradually (no jumps between outputs).
//! - [`tracks`]: the TRACKS.csv odometry log; [`replay`]: NMEA + odometry logs → estimates.
//! - [`scenario`]: a seeded simulator of a tracked flail with its sensors, for tests and benchmarks.
//!
//! Nothing here reads a clock or does I/O beyond the `Read`/`Write` handed in: time is an argument.

pub mod blend;
pub mod config;
pub mod core;
pub mod ekf;
pub mod evaluate;
pub mod imu;
pub mod localizer;
pub mod output;
pub mod quality;
pub mod replay;
pub mod scenario;
pub mod tracks;

pub use config::LocalizerConfig;
pub use core::OdometrySample;
pub use localizer::{Localizer, StepOutput};
pub use output::{Estimate, LocalizeEvent, LocalizerStats, MeasurementKind, RejectReason, YawSource};
pub use quality::{Quality, QualityThresholds};

/// Errors of the localization module.
#[derive(Debug, thiserror::Error)]
pub enum LocalizeError {
    #[error("localizer config: {field} = {value} is invalid")]
    InvalidConfig { field: &'static str, value: String },
    #[error("datum {lat_deg},{lon_deg} is not a valid WGS84 position")]
    InvalidDatum { lat_deg: f64, lon_deg: f64 },
    #[error("{file}: line {line}, column {column}: {message}: {value:?}")]
    Csv {
        file: String,
        line: usize,
        column: String,
        message: String,
        value: String,
    },
    #[error("{file}: {source}")]
    Io { file: String, source: std::io::Error },
    #[error(transparent)]
    Gnss(#[from] crate::gnss::GnssError),
}

/// Wrap an angle to (−π, π].
pub fn wrap_angle_rad(a: f64) -> f64 {
    use std::f64::consts::{PI, TAU};
    if a.is_finite() && a > -PI && a <= PI {
        return a;
    }
    let r = a.rem_euclid(TAU);
    if r > PI {
        r - TAU
    } else {
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_angles() {
        use std::f64::consts::PI;
        assert!((wrap_angle_rad(3.0 * PI) - PI).abs() < 1e-12);
        assert!((wrap_angle_rad(-PI) - PI).abs() < 1e-12);
        assert!((wrap_angle_rad(-3.0 * PI / 2.0) - PI / 2.0).abs() < 1e-12);
        assert_eq!(wrap_angle_rad(0.5), 0.5);
    }
}
