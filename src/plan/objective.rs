//! The objective plans are compared by: estimated mission time, with ground left for manual
//! clearance charged at a steep rate so that no saving in machine time can justify leaving it.

use super::motion::{Motion, PathKind};
use crate::machine::MachineProfile;
use serde::Serialize;

/// Estimated time of a plan by activity, seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct MissionTime {
    pub processing_s: f64,
    pub turning_s: f64,
    pub transit_s: f64,
    pub pivot_s: f64,
}

impl MissionTime {
    pub fn of(motions: &[Motion], m: &MachineProfile) -> Self {
        let mut t = MissionTime::default();
        for mo in motions {
            let d = mo.duration_s(m);
            match mo {
                Motion::Pivot { .. } => t.pivot_s += d,
                _ if mo.kind().is_processing() => t.processing_s += d,
                _ if mo.kind() == PathKind::Turn => t.turning_s += d,
                _ => t.transit_s += d,
            }
        }
        t
    }

    pub fn total_s(&self) -> f64 {
        self.processing_s + self.turning_s + self.transit_s + self.pivot_s
    }
}

/// Mission time plus a charge per square metre of residual.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Objective {
    /// Seconds charged per m² left unprocessed (default 600 s: ten minutes of machine time are
    /// worth less than a square metre a manual team must search).
    pub residual_s_per_m2: f64,
}

impl Default for Objective {
    fn default() -> Self {
        Objective {
            residual_s_per_m2: 600.0,
        }
    }
}

impl Objective {
    pub fn cost(&self, time: &MissionTime, residual_m2: f64) -> f64 {
        time.total_s() + self.residual_s_per_m2 * residual_m2
    }
}
