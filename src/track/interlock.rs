//! The implement interlock: on a processing motion the machine advances onto unprocessed ground
//! only with the rotor at or above its minimum speed and the tool at its target depth. Below
//! them it stops and waits; with the rotor loaded down towards the minimum it slows, which
//! lowers the load and lets the rotor and the depth (`d = d_max·min(1, v_ref/v)`) recover.

use super::TrackError;
use crate::machine::MachineProfile;
use serde::Serialize;

/// Interlock thresholds.
#[derive(Clone, Debug, PartialEq)]
pub struct InterlockConfig {
    /// Rotor speed commanded, rpm (profile).
    pub rotor_rpm_target: f64,
    /// Below this the machine stops, rpm (profile's minimum).
    pub rotor_rpm_min: f64,
    /// Below this (but above the minimum) the machine slows, rpm. Default min + 60 % of (target − min).
    pub rotor_rpm_slow: f64,
    /// Depth commanded on processing motions, m (profile).
    pub depth_target_m: f64,
    /// Depth counted as at target within this, m. Default 0.005.
    pub depth_tolerance_m: f64,
    /// Speed factor while slowed, 0–1. Default 0.5.
    pub slow_factor: f64,
}

impl InterlockConfig {
    pub fn for_machine(m: &MachineProfile) -> Self {
        Self {
            rotor_rpm_target: m.rotor_rpm_target,
            rotor_rpm_min: m.rotor_rpm_min,
            rotor_rpm_slow: m.rotor_rpm_min + 0.6 * (m.rotor_rpm_target - m.rotor_rpm_min),
            depth_target_m: m.depth_target_m,
            depth_tolerance_m: 0.005,
            slow_factor: 0.5,
        }
    }

    pub fn validate(&self) -> Result<(), TrackError> {
        let c = |field: &'static str, value: f64, lo: f64, hi: f64| {
            if value.is_finite() && value >= lo && value <= hi {
                Ok(())
            } else {
                Err(TrackError::InvalidConfig { field, value, lo, hi })
            }
        };
        c("interlock.rotor_rpm_target", self.rotor_rpm_target, 1.0, 5000.0)?;
        c(
            "interlock.rotor_rpm_min",
            self.rotor_rpm_min,
            1.0,
            self.rotor_rpm_target,
        )?;
        c(
            "interlock.rotor_rpm_slow",
            self.rotor_rpm_slow,
            self.rotor_rpm_min,
            self.rotor_rpm_target,
        )?;
        c("interlock.depth_target_m", self.depth_target_m, 0.0, 1.5)?;
        c("interlock.depth_tolerance_m", self.depth_tolerance_m, 0.0, 0.1)?;
        c("interlock.slow_factor", self.slow_factor, 0.05, 1.0)
    }
}

/// The interlock's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Interlock {
    /// Free to advance.
    Clear,
    /// Stopped: rotor below its minimum speed.
    WaitingForRotor,
    /// Stopped: tool above its target depth.
    WaitingForDepth,
    /// Advancing slowly: rotor loaded down towards its minimum.
    Slowed,
    /// The processing line overshot the lane's start unprocessed: backing up to it, tool lifted.
    BackingToLaneStart,
}

impl Interlock {
    /// Factor on the target speed (`slow_factor` while slowed).
    pub fn speed_factor(self, slow_factor: f64) -> f64 {
        match self {
            Interlock::Clear => 1.0,
            Interlock::Slowed => slow_factor,
            Interlock::WaitingForRotor | Interlock::WaitingForDepth | Interlock::BackingToLaneStart => 0.0,
        }
    }

    /// The machine is held.
    pub fn holds(self) -> bool {
        matches!(
            self,
            Interlock::WaitingForRotor | Interlock::WaitingForDepth | Interlock::BackingToLaneStart
        )
    }
}

/// The verdict for a measured rotor speed and depth on a processing motion.
///
/// # Units
/// rpm, metres.
pub fn check(cfg: &InterlockConfig, rotor_rpm: f64, depth_m: f64) -> Interlock {
    if rotor_rpm.is_nan() || rotor_rpm < cfg.rotor_rpm_min {
        Interlock::WaitingForRotor
    } else if depth_m.is_nan() || depth_m < cfg.depth_target_m - cfg.depth_tolerance_m {
        Interlock::WaitingForDepth
    } else if rotor_rpm < cfg.rotor_rpm_slow {
        Interlock::Slowed
    } else {
        Interlock::Clear
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_table() {
        let cfg = InterlockConfig::for_machine(&MachineProfile::default_profile());
        // target 600, min 400, slow below 520; depth 0.25
        let cases = [
            (0.0, 0.25, Interlock::WaitingForRotor),
            (399.0, 0.25, Interlock::WaitingForRotor),
            (f64::NAN, 0.25, Interlock::WaitingForRotor),
            (600.0, 0.10, Interlock::WaitingForDepth),
            (600.0, f64::NAN, Interlock::WaitingForDepth),
            (450.0, 0.25, Interlock::Slowed),
            (600.0, 0.246, Interlock::Clear),
            (580.0, 0.30, Interlock::Clear),
        ];
        for (rpm, d, want) in cases {
            assert_eq!(check(&cfg, rpm, d), want, "{rpm} rpm, {d} m");
        }
        assert!(Interlock::WaitingForDepth.holds() && !Interlock::Slowed.holds());
    }
}
