//! Typed configuration of the estimator, validated once by [`LocalizerConfig::validate`].
//!
//! Every field says its unit; defaults are the reference tracked flail of `demining-domain.md` §7
//! (1.8 m track gauge, 0.14 m/s working speed, ZED-F9P-class RTK, 0.05 °/s gyro bias).

use serde::{Deserialize, Serialize};

use crate::gnss::FixType;
use crate::localize::blend::OutputSmoothing;
use crate::localize::quality::QualityThresholds;
use crate::localize::LocalizeError;

/// Vehicle geometry used by the odometry and GNSS measurement models.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VehicleGeometry {
    /// Track gauge, centre to centre, metres (> 0). Default 1.8.
    pub track_gauge_m: f64,
    /// GNSS antenna position in the body frame, metres forward of the reference point. Default 0.
    pub antenna_forward_m: f64,
    /// GNSS antenna position in the body frame, metres to the left of the reference point. Default 0.
    pub antenna_left_m: f64,
    /// Dual-antenna baseline yaw relative to the body's forward axis, radians (CCW). Default 0.
    pub heading_offset_rad: f64,
}

impl Default for VehicleGeometry {
    fn default() -> Self {
        Self {
            track_gauge_m: 1.8,
            antenna_forward_m: 0.0,
            antenna_left_m: 0.0,
            heading_offset_rad: 0.0,
        }
    }
}

/// Process noise: how fast the true state may wander away from the motion model.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProcessNoise {
    /// Longitudinal acceleration spectral density, (m/s²)²/Hz. Default 0.0025 (0.05 m/s² per √s).
    pub accel_m2ps3: f64,
    /// Yaw acceleration spectral density, (rad/s²)²/Hz. Default 4e-4.
    pub yaw_accel_rad2ps3: f64,
    /// Position random walk along the track (ground irregularities), m²/s. Default 2e-7.
    pub along_track_m2ps: f64,
    /// Position random walk across the track, m²/s. Default 2e-7.
    pub cross_track_m2ps: f64,
    /// Lateral skid (crab) speed: stationary 1σ, m/s. Default 0.001.
    pub lateral_skid_sigma_mps: f64,
    /// Lateral skid correlation time, seconds (> 0). Default 5.
    pub lateral_skid_tau_s: f64,
    /// Yaw random walk (unmodelled heading disturbances), rad²/s. Default 1e-7.
    pub yaw_rad2ps: f64,
    /// Odometry-scale random walk (slip changing with soil), 1/s. Default 5e-5.
    pub odometry_scale_per_s: f64,
    /// Turn-scale random walk (track ICR changing with soil), 1/s. Default 1e-4.
    pub turn_scale_per_s: f64,
    /// Gyro-bias random walk, (rad/s)²/s. Default 1e-12.
    pub gyro_bias_rad2ps3: f64,
}

impl Default for ProcessNoise {
    fn default() -> Self {
        Self {
            accel_m2ps3: 0.0025,
            yaw_accel_rad2ps3: 4e-4,
            along_track_m2ps: 2e-7,
            cross_track_m2ps: 2e-7,
            lateral_skid_sigma_mps: 0.001,
            lateral_skid_tau_s: 5.0,
            yaw_rad2ps: 1e-6,
            odometry_scale_per_s: 2.5e-5,
            turn_scale_per_s: 1e-4,
            gyro_bias_rad2ps3: 1e-12,
        }
    }
}

/// Sensor noise of the odometry and IMU inputs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OdometryNoise {
    /// 1σ noise of one track-speed reading, m/s (> 0). Default 0.005.
    pub track_speed_sigma_mps: f64,
    /// 1σ noise of one gyro yaw-rate reading, rad/s (> 0). Default 0.001.
    pub gyro_sigma_rps: f64,
}

impl Default for OdometryNoise {
    fn default() -> Self {
        Self {
            track_speed_sigma_mps: 0.005,
            gyro_sigma_rps: 0.001,
        }
    }
}

/// 1σ horizontal errors per fix type, metres: used when a fix reports no covariance, and as a floor
/// under reported covariances (receivers' GST is often optimistic).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FixSigmas {
    /// Default 0.015 (domain §7: 1 cm + 1 ppm).
    pub rtk_fixed_m: f64,
    /// Default 0.3.
    pub rtk_float_m: f64,
    /// DGPS/SBAS and PPS. Default 0.4.
    pub dgps_m: f64,
    /// Default 1.5.
    pub single_m: f64,
    /// Floor under reported sigmas, as a fraction of the default for the type (0–1). Default 0.5.
    pub reported_floor_fraction: f64,
    /// Dual-antenna heading 1σ when the receiver reports none, radians. Default 0.0023 (0.13°, 1.5 m
    /// baseline).
    pub heading_rad: f64,
    /// Share of an RTK-fixed fix's variance that is slowly varying (multipath), 0–1. Default 0 (cm-level
    /// wander would be mistaken for slip; see docs/localize.md).
    pub rtk_fixed_correlated_fraction: f64,
    /// Share of a float, DGPS or single fix's variance that is slowly varying, 0–1. Default 0.8.
    pub other_correlated_fraction: f64,
    /// Correlation time of the slowly varying part, seconds (> 0). Default 30.
    pub correlation_time_s: f64,
}

impl Default for FixSigmas {
    fn default() -> Self {
        Self {
            rtk_fixed_m: 0.015,
            rtk_float_m: 0.3,
            dgps_m: 0.4,
            single_m: 1.5,
            reported_floor_fraction: 0.5,
            heading_rad: 0.0023,
            rtk_fixed_correlated_fraction: 0.0,
            other_correlated_fraction: 0.8,
            correlation_time_s: 30.0,
        }
    }
}

impl FixSigmas {
    /// Default 1σ for a fix type; `None` for types that are not measurements.
    pub fn for_type(&self, t: FixType) -> Option<f64> {
        match t {
            FixType::RtkFixed => Some(self.rtk_fixed_m),
            FixType::RtkFloat => Some(self.rtk_float_m),
            FixType::Dgps | FixType::Pps => Some(self.dgps_m),
            FixType::Single => Some(self.single_m),
            _ => None,
        }
    }

    /// Share of the variance of a fix of type `t` that is slowly varying.
    pub fn correlated_fraction(&self, t: FixType) -> f64 {
        if t == FixType::RtkFixed {
            self.rtk_fixed_correlated_fraction
        } else {
            self.other_correlated_fraction
        }
    }
}

/// Innovation gating and re-acquisition.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GatingConfig {
    /// Position gate on the squared Mahalanobis distance (χ², 2 dof). Default 13.82 (p = 0.999).
    pub position_chi2: f64,
    /// Heading gate on the squared Mahalanobis distance (χ², 1 dof). Default 10.83 (p = 0.999).
    pub heading_chi2: f64,
    /// Re-acquisition: at least this many consecutive rejected fixes. Default 5.
    pub reacquire_min_fixes: u32,
    /// Re-acquisition: the rejected fixes span at least this long, seconds. Default 5.
    pub reacquire_min_span_s: f64,
    /// Re-acquisition: the rejected innovations agree to within this RMS spread, as a multiple of the
    /// fix sigma (plus 5 cm). Default 3.
    pub reacquire_spread_factor: f64,
    /// Yaw variance added at re-acquisition, as a 1σ in radians. Default 0.05.
    pub reacquire_yaw_sigma_rad: f64,
    /// Correction age beyond which an RTK/DGPS fix is treated as a single fix, seconds. Default 10.
    pub max_correction_age_s: f64,
}

impl Default for GatingConfig {
    fn default() -> Self {
        Self {
            position_chi2: 13.82,
            heading_chi2: 10.83,
            reacquire_min_fixes: 5,
            reacquire_min_span_s: 5.0,
            reacquire_spread_factor: 3.0,
            reacquire_yaw_sigma_rad: 0.05,
            max_correction_age_s: 10.0,
        }
    }
}

/// Start-up: how the heading is found before the filter runs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlignmentConfig {
    /// Straight travel between two fixes needed to take the heading from them, metres (> 0). Default 1.5.
    pub min_baseline_m: f64,
    /// Largest acceptable 1σ of that heading, radians. Default 0.1.
    pub max_yaw_sigma_rad: f64,
    /// Net odometry/gyro yaw change that restarts the alignment baseline (the path was not straight),
    /// radians. Default 0.1.
    pub max_turn_rad: f64,
    /// Like `max_turn_rad` when every odometry sample since the anchor carried a gyro reading
    /// (a gyro measures turns; the track differential needs the unknown turn scale), radians.
    /// Default 3.5 (a pivot turn during alignment is fine).
    pub max_turn_with_gyro_rad: f64,
    /// Yaw rates below this do not count as turning during alignment (steering wobble, gyro bias),
    /// rad/s (≥ 0). Default 0.02.
    pub turn_rate_deadband_rps: f64,
    /// Initial 1σ of the odometry scale (track speed / ground speed). Default 0.15.
    pub odometry_scale_sigma: f64,
    /// Initial 1σ of the turn scale (track differential / yaw rate). Default 0.5.
    pub turn_scale_sigma: f64,
    /// Initial 1σ of the gyro bias, rad/s. Default 0.005.
    pub gyro_bias_sigma_rps: f64,
}

impl Default for AlignmentConfig {
    fn default() -> Self {
        Self {
            min_baseline_m: 1.5,
            max_yaw_sigma_rad: 0.1,
            max_turn_rad: 0.1,
            max_turn_with_gyro_rad: 3.5,
            turn_rate_deadband_rps: 0.02,
            odometry_scale_sigma: 0.15,
            turn_scale_sigma: 0.5,
            gyro_bias_sigma_rps: 0.005,
        }
    }
}

/// Everything the [`crate::localize::Localizer`] needs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LocalizerConfig {
    pub vehicle: VehicleGeometry,
    pub process: ProcessNoise,
    pub odometry: OdometryNoise,
    pub fix_sigmas: FixSigmas,
    pub gating: GatingConfig,
    pub alignment: AlignmentConfig,
    pub quality: QualityThresholds,
    /// How corrections are blended into the output (no jumps between outputs).
    pub output: OutputSmoothing,
    /// How late (behind the newest measurement) a measurement may arrive and still be applied at its
    /// own time stamp, seconds (0–60). Default 2.
    pub history_window_s: f64,
    /// Longest single prediction step, seconds (> 0). Default 0.1.
    pub max_predict_step_s: f64,
    /// No accepted fix for this long counts as a GNSS outage, seconds. Default 2.
    pub outage_after_s: f64,
    /// A measurement this far ahead of the newest one is a time-stamp glitch (e.g. a wrong RMC
    /// date) and is refused, unless 20 measurements in a row agree on the new time line, seconds
    /// (> `history_window_s`). Default 300.
    pub max_forward_jump_s: f64,
}

impl Default for LocalizerConfig {
    fn default() -> Self {
        Self {
            vehicle: VehicleGeometry::default(),
            process: ProcessNoise::default(),
            odometry: OdometryNoise::default(),
            fix_sigmas: FixSigmas::default(),
            gating: GatingConfig::default(),
            alignment: AlignmentConfig::default(),
            quality: QualityThresholds::default(),
            output: OutputSmoothing::default(),
            history_window_s: 2.0,
            max_predict_step_s: 0.1,
            outage_after_s: 2.0,
            max_forward_jump_s: 300.0,
        }
    }
}

impl LocalizerConfig {
    /// The defaults with the track gauge of machine `m` (antenna above base_link).
    pub fn for_machine(m: &crate::machine::MachineProfile) -> Self {
        Self {
            vehicle: VehicleGeometry {
                track_gauge_m: m.track_gauge_m,
                ..VehicleGeometry::default()
            },
            ..Self::default()
        }
    }

    /// Check every value; the first invalid one is the error.
    pub fn validate(self) -> Result<Self, LocalizeError> {
        let c = &self;
        let checks: &[(&'static str, f64, bool)] = &[
            (
                "vehicle.track_gauge_m",
                c.vehicle.track_gauge_m,
                c.vehicle.track_gauge_m > 0.0,
            ),
            (
                "vehicle.antenna_forward_m",
                c.vehicle.antenna_forward_m,
                c.vehicle.antenna_forward_m.abs() < 20.0,
            ),
            (
                "vehicle.antenna_left_m",
                c.vehicle.antenna_left_m,
                c.vehicle.antenna_left_m.abs() < 20.0,
            ),
            (
                "vehicle.heading_offset_rad",
                c.vehicle.heading_offset_rad,
                c.vehicle.heading_offset_rad.abs() <= 7.0,
            ),
            (
                "process.accel_m2ps3",
                c.process.accel_m2ps3,
                c.process.accel_m2ps3 > 0.0,
            ),
            (
                "process.yaw_accel_rad2ps3",
                c.process.yaw_accel_rad2ps3,
                c.process.yaw_accel_rad2ps3 > 0.0,
            ),
            (
                "process.along_track_m2ps",
                c.process.along_track_m2ps,
                c.process.along_track_m2ps >= 0.0,
            ),
            (
                "process.cross_track_m2ps",
                c.process.cross_track_m2ps,
                c.process.cross_track_m2ps >= 0.0,
            ),
            (
                "process.lateral_skid_sigma_mps",
                c.process.lateral_skid_sigma_mps,
                c.process.lateral_skid_sigma_mps >= 0.0,
            ),
            (
                "process.lateral_skid_tau_s",
                c.process.lateral_skid_tau_s,
                c.process.lateral_skid_tau_s > 0.0,
            ),
            ("process.yaw_rad2ps", c.process.yaw_rad2ps, c.process.yaw_rad2ps >= 0.0),
            (
                "process.odometry_scale_per_s",
                c.process.odometry_scale_per_s,
                c.process.odometry_scale_per_s >= 0.0,
            ),
            (
                "process.turn_scale_per_s",
                c.process.turn_scale_per_s,
                c.process.turn_scale_per_s >= 0.0,
            ),
            (
                "process.gyro_bias_rad2ps3",
                c.process.gyro_bias_rad2ps3,
                c.process.gyro_bias_rad2ps3 >= 0.0,
            ),
            (
                "odometry.track_speed_sigma_mps",
                c.odometry.track_speed_sigma_mps,
                c.odometry.track_speed_sigma_mps > 0.0,
            ),
            (
                "odometry.gyro_sigma_rps",
                c.odometry.gyro_sigma_rps,
                c.odometry.gyro_sigma_rps > 0.0,
            ),
            (
                "fix_sigmas.rtk_fixed_m",
                c.fix_sigmas.rtk_fixed_m,
                c.fix_sigmas.rtk_fixed_m > 0.0,
            ),
            (
                "fix_sigmas.rtk_float_m",
                c.fix_sigmas.rtk_float_m,
                c.fix_sigmas.rtk_float_m > 0.0,
            ),
            ("fix_sigmas.dgps_m", c.fix_sigmas.dgps_m, c.fix_sigmas.dgps_m > 0.0),
            (
                "fix_sigmas.single_m",
                c.fix_sigmas.single_m,
                c.fix_sigmas.single_m > 0.0,
            ),
            (
                "fix_sigmas.heading_rad",
                c.fix_sigmas.heading_rad,
                c.fix_sigmas.heading_rad > 0.0,
            ),
            (
                "fix_sigmas.rtk_fixed_correlated_fraction",
                c.fix_sigmas.rtk_fixed_correlated_fraction,
                (0.0..1.0).contains(&c.fix_sigmas.rtk_fixed_correlated_fraction),
            ),
            (
                "fix_sigmas.other_correlated_fraction",
                c.fix_sigmas.other_correlated_fraction,
                (0.0..1.0).contains(&c.fix_sigmas.other_correlated_fraction),
            ),
            (
                "fix_sigmas.correlation_time_s",
                c.fix_sigmas.correlation_time_s,
                c.fix_sigmas.correlation_time_s > 0.0,
            ),
            (
                "fix_sigmas.reported_floor_fraction",
                c.fix_sigmas.reported_floor_fraction,
                (0.0..=1.0).contains(&c.fix_sigmas.reported_floor_fraction),
            ),
            (
                "gating.position_chi2",
                c.gating.position_chi2,
                c.gating.position_chi2 > 0.0,
            ),
            (
                "gating.heading_chi2",
                c.gating.heading_chi2,
                c.gating.heading_chi2 > 0.0,
            ),
            (
                "gating.reacquire_min_span_s",
                c.gating.reacquire_min_span_s,
                c.gating.reacquire_min_span_s >= 0.0,
            ),
            (
                "gating.reacquire_spread_factor",
                c.gating.reacquire_spread_factor,
                c.gating.reacquire_spread_factor > 0.0,
            ),
            (
                "gating.reacquire_yaw_sigma_rad",
                c.gating.reacquire_yaw_sigma_rad,
                c.gating.reacquire_yaw_sigma_rad >= 0.0,
            ),
            (
                "gating.max_correction_age_s",
                c.gating.max_correction_age_s,
                c.gating.max_correction_age_s > 0.0,
            ),
            (
                "alignment.min_baseline_m",
                c.alignment.min_baseline_m,
                c.alignment.min_baseline_m > 0.0,
            ),
            (
                "alignment.max_yaw_sigma_rad",
                c.alignment.max_yaw_sigma_rad,
                c.alignment.max_yaw_sigma_rad > 0.0,
            ),
            (
                "alignment.max_turn_rad",
                c.alignment.max_turn_rad,
                c.alignment.max_turn_rad > 0.0,
            ),
            (
                "alignment.max_turn_with_gyro_rad",
                c.alignment.max_turn_with_gyro_rad,
                c.alignment.max_turn_with_gyro_rad > 0.0,
            ),
            (
                "alignment.turn_rate_deadband_rps",
                c.alignment.turn_rate_deadband_rps,
                c.alignment.turn_rate_deadband_rps >= 0.0,
            ),
            (
                "output.time_constant_s",
                c.output.time_constant_s,
                c.output.time_constant_s >= 0.0,
            ),
            (
                "output.max_speed_mps",
                c.output.max_speed_mps,
                c.output.max_speed_mps > 0.0,
            ),
            (
                "output.max_yaw_rate_rps",
                c.output.max_yaw_rate_rps,
                c.output.max_yaw_rate_rps > 0.0,
            ),
            (
                "output.show_at_once_below_m",
                c.output.show_at_once_below_m,
                c.output.show_at_once_below_m >= 0.0,
            ),
            (
                "output.show_at_once_below_rad",
                c.output.show_at_once_below_rad,
                c.output.show_at_once_below_rad >= 0.0,
            ),
            (
                "history_window_s",
                c.history_window_s,
                (0.0..=60.0).contains(&c.history_window_s),
            ),
            (
                "max_predict_step_s",
                c.max_predict_step_s,
                c.max_predict_step_s > 0.0 && c.max_predict_step_s <= 1.0,
            ),
            ("outage_after_s", c.outage_after_s, c.outage_after_s > 0.0),
            (
                "max_forward_jump_s",
                c.max_forward_jump_s,
                c.max_forward_jump_s > c.history_window_s,
            ),
        ];
        for &(field, value, ok) in checks {
            if !ok || !value.is_finite() {
                return Err(LocalizeError::InvalidConfig {
                    field,
                    value: value.to_string(),
                });
            }
        }
        let a = &c.alignment;
        for (field, value) in [
            ("alignment.odometry_scale_sigma", a.odometry_scale_sigma),
            ("alignment.turn_scale_sigma", a.turn_scale_sigma),
            ("alignment.gyro_bias_sigma_rps", a.gyro_bias_sigma_rps),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return Err(LocalizeError::InvalidConfig {
                    field,
                    value: value.to_string(),
                });
            }
        }
        if c.gating.reacquire_min_fixes == 0 {
            return Err(LocalizeError::InvalidConfig {
                field: "gating.reacquire_min_fixes",
                value: "0".into(),
            });
        }
        c.quality.validate()?;
        Ok(self)
    }
}
