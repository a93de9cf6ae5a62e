//! The tracker's settings ([`TrackerConfig`], filled from a machine profile and validated once)
//! and its error type.

use super::interlock::InterlockConfig;
use crate::machine::MachineProfile;

/// Errors of the tracker's configuration.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrackError {
    #[error("tracker config: `{field}` = {value}: must be within {lo}..={hi}")]
    InvalidConfig {
        field: &'static str,
        value: f64,
        lo: f64,
        hi: f64,
    },
}

/// Tracker settings; [`TrackerConfig::for_machine`] fills them from a profile.
#[derive(Clone, Debug, PartialEq)]
pub struct TrackerConfig {
    /// Track gauge, m.
    pub gauge_m: f64,
    /// Effective gauge factor χ ≥ 1 (ICR spread) used to turn a yaw rate into track speeds. Default 1.7.
    pub turn_gauge_factor: f64,
    /// Spatial natural frequency ω_n of the lateral error, 1/m: errors settle over about
    /// 1/ω_n metres whatever the speed. Default 1.5.
    pub cross_track_gain: f64,
    /// Damping ratio ζ of the lateral error. Default 0.9.
    pub damping: f64,
    /// Heading gain at standstill k_θ0, 1/s (aligning with the path before moving). Default 0.3.
    pub heading_gain: f64,
    /// Cross-track error used by the law is clamped to this, m (bounds the intercept angle). Default 0.5.
    pub max_intercept_m: f64,
    /// Largest commanded yaw rate on straights and curves, rad/s. Default 0.3.
    pub max_yaw_rate_rps: f64,
    /// Pivot yaw rate, rad/s (profile).
    pub pivot_rate_rps: f64,
    /// Gain of the pivot-centre hold, 1/s (speed along the heading per metre of offset). Default 0.5.
    pub pivot_hold_gain: f64,
    /// The machine pivots about a point this far behind base_link (the profile's
    /// `pivot_centre_behind_m`), m: the pivot holds that point on the planned pivot centre, so
    /// base_link ends the pivot on the planned line, not off to the side.
    pub pivot_centre_behind_m: f64,
    /// Pivot angular acceleration for the braking curve, rad/s². Default 0.3.
    pub pivot_accel_rps2: f64,
    /// A pivot is done within this angle, rad. Default 0.004 (0.23°).
    pub pivot_tolerance_rad: f64,
    /// A straight or curve is done within this distance of its end, m. Default 0.02.
    pub arrive_tolerance_m: f64,
    /// A processing lane is entered with the processing line at most this far past its start,
    /// else the machine first backs up to the start (tool lifted), m. Default 0.01.
    pub entry_tolerance_m: f64,
    /// A processing lane ends this far past its planned end, so the ground up to the end is
    /// processed for certain (the next motion may drive over it with the tool lifted), m.
    /// Default 0.06 (half a grid cell plus braking scatter).
    pub processing_overrun_m: f64,
    /// Drive lag allowed for in the braking curve, s. Default 0.2.
    pub actuator_lag_s: f64,
    /// Creeping speed near the end of a motion, m/s. Default 0.03.
    pub min_speed_mps: f64,
    /// Speeds, m/s (profile).
    pub clearing_speed_mps: f64,
    pub transit_speed_mps: f64,
    pub reverse_speed_mps: f64,
    /// Acceleration and braking limits, m/s² (profile).
    pub accel_mps2: f64,
    pub decel_mps2: f64,
    /// Track speed limit, m/s. Default 2.78.
    pub max_track_speed_mps: f64,
    pub interlock: InterlockConfig,
}

impl TrackerConfig {
    pub fn for_machine(m: &MachineProfile) -> Self {
        Self {
            gauge_m: m.track_gauge_m,
            turn_gauge_factor: 1.7,
            cross_track_gain: 1.5,
            damping: 0.9,
            heading_gain: 0.3,
            max_intercept_m: 0.5,
            max_yaw_rate_rps: 0.3,
            pivot_rate_rps: m.pivot_rate_rps,
            pivot_hold_gain: 0.5,
            pivot_centre_behind_m: m.pivot_centre_behind_m,
            pivot_accel_rps2: 0.3,
            pivot_tolerance_rad: 0.004,
            arrive_tolerance_m: 0.02,
            entry_tolerance_m: 0.01,
            processing_overrun_m: 0.06,
            actuator_lag_s: 0.2,
            min_speed_mps: 0.03,
            clearing_speed_mps: m.clearing_speed_mps,
            transit_speed_mps: m.transit_speed_mps,
            reverse_speed_mps: m.reverse_speed_mps,
            accel_mps2: m.max_accel_mps2,
            decel_mps2: m.max_decel_mps2,
            max_track_speed_mps: 2.78,
            interlock: InterlockConfig::for_machine(m),
        }
    }

    /// Check every value once.
    pub fn validate(&self) -> Result<(), TrackError> {
        let c = |field: &'static str, value: f64, lo: f64, hi: f64| {
            if value.is_finite() && value >= lo && value <= hi {
                Ok(())
            } else {
                Err(TrackError::InvalidConfig { field, value, lo, hi })
            }
        };
        c("gauge_m", self.gauge_m, 0.3, 6.0)?;
        c("turn_gauge_factor", self.turn_gauge_factor, 1.0, 3.0)?;
        c("cross_track_gain", self.cross_track_gain, 0.01, 20.0)?;
        c("damping", self.damping, 0.1, 5.0)?;
        c("heading_gain", self.heading_gain, 0.0, 20.0)?;
        c("max_intercept_m", self.max_intercept_m, 0.01, 10.0)?;
        c("max_yaw_rate_rps", self.max_yaw_rate_rps, 0.01, 3.0)?;
        c("pivot_rate_rps", self.pivot_rate_rps, 0.01, 3.0)?;
        c("pivot_hold_gain", self.pivot_hold_gain, 0.0, 10.0)?;
        c("pivot_centre_behind_m", self.pivot_centre_behind_m, -1.0, 1.0)?;
        c("pivot_accel_rps2", self.pivot_accel_rps2, 0.01, 10.0)?;
        c("pivot_tolerance_rad", self.pivot_tolerance_rad, 1e-4, 0.1)?;
        c("arrive_tolerance_m", self.arrive_tolerance_m, 1e-3, 1.0)?;
        c("min_speed_mps", self.min_speed_mps, 0.001, 1.0)?;
        c("entry_tolerance_m", self.entry_tolerance_m, 0.0, 0.5)?;
        c("processing_overrun_m", self.processing_overrun_m, 0.0, 1.0)?;
        c("actuator_lag_s", self.actuator_lag_s, 0.0, 2.0)?;
        for (f, v) in [
            ("clearing_speed_mps", self.clearing_speed_mps),
            ("transit_speed_mps", self.transit_speed_mps),
            ("reverse_speed_mps", self.reverse_speed_mps),
        ] {
            c(f, v, self.min_speed_mps, self.max_track_speed_mps)?;
        }
        c("accel_mps2", self.accel_mps2, 0.01, 10.0)?;
        c("decel_mps2", self.decel_mps2, 0.01, 10.0)?;
        c("max_track_speed_mps", self.max_track_speed_mps, 0.1, 10.0)?;
        self.interlock.validate()
    }
}
