//! [`CoverageConfig`]: when a swept cell counts as processed, from the machine profile.

use super::CoverageError;
use crate::machine::MachineProfile;

/// When a swept cell counts as processed.
#[derive(Clone, Debug, PartialEq)]
pub struct CoverageConfig {
    /// Cell side, m (0.02–1). Default 0.1.
    pub cell_m: f64,
    /// Grid margin around the hazard, m (processed ground outside the hazard: access lanes). Default 20.
    pub margin_m: f64,
    /// Rotor speed band, rpm. Default profile minimum ..= 1.5 × target.
    pub rotor_rpm_min: f64,
    pub rotor_rpm_max: f64,
    /// Lowest depth credited, m. Default profile target − 0.005.
    pub depth_min_m: f64,
    /// Highest ground speed credited, m/s. Default 2 × profile clearing speed.
    pub speed_max_mps: f64,
    /// Largest 1σ horizontal position error credited, m. Default 0.10.
    pub sigma_max_m: f64,
    /// A line moving further than this between samples is not credited (a pose jump), m. Default 0.5.
    pub max_step_m: f64,
    /// Reach of the implement's strike band behind and ahead of the processing line, m: at a
    /// standing start the band behind the line is credited, and where a credited pass ends the
    /// band ahead of the last credited line. Default 0.1 (a flail rotor's chains strike a band
    /// several decimetres deep around its axis).
    pub strike_reach_m: f64,
}

impl CoverageConfig {
    pub fn for_machine(m: &MachineProfile) -> Self {
        Self {
            cell_m: 0.1,
            margin_m: 20.0,
            rotor_rpm_min: m.rotor_rpm_min,
            rotor_rpm_max: 1.5 * m.rotor_rpm_target,
            depth_min_m: m.depth_target_m - 0.005,
            speed_max_mps: 2.0 * m.clearing_speed_mps,
            sigma_max_m: 0.10,
            max_step_m: 0.5,
            strike_reach_m: 0.1,
        }
    }

    pub fn validate(&self) -> Result<(), CoverageError> {
        let c = |field: &'static str, value: f64, lo: f64, hi: f64| {
            if value.is_finite() && value >= lo && value <= hi {
                Ok(())
            } else {
                Err(CoverageError::InvalidConfig { field, value, lo, hi })
            }
        };
        c("cell_m", self.cell_m, 0.02, 1.0)?;
        c("margin_m", self.margin_m, 0.0, 500.0)?;
        c("rotor_rpm_min", self.rotor_rpm_min, 0.0, 10_000.0)?;
        c("rotor_rpm_max", self.rotor_rpm_max, self.rotor_rpm_min, 10_000.0)?;
        c("depth_min_m", self.depth_min_m, 0.0, 2.0)?;
        c("speed_max_mps", self.speed_max_mps, 0.0, 10.0)?;
        c("sigma_max_m", self.sigma_max_m, 0.0, 10.0)?;
        c("max_step_m", self.max_step_m, 0.01, 10.0)?;
        c("strike_reach_m", self.strike_reach_m, 0.0, 0.5)
    }
}
