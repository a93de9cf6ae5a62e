//! What a simulation run is made of: the seed, the soil, the GNSS quality over time and the faults
//! injected at given times ([`Scenario`]), with defaults and one validation step.
//!
//! Faults on the vehicle side (GNSS outage or degradation, rotor stall, an extra shock, a soil
//! change) are applied by [`super::SimVehicle`] itself; host-side faults (link loss, e-stop,
//! process kill) are data for the runtime, which reads them with [`Scenario::host_faults`].

use super::gnss::FixQuality;
use super::SimError;
use serde::{Deserialize, Serialize};

/// Ground the tracks run on; sets the longitudinal slip (domain reference §7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Soil {
    /// Firm, dry ground: 3 % mean slip.
    Firm,
    /// Ploughed or soft ground: 8 % mean slip.
    Soft,
    /// Wet clay: 15 % mean slip.
    WetClay,
}

impl Soil {
    /// Mean longitudinal slip ratio, 0–1.
    pub fn mean_slip(self) -> f64 {
        match self {
            Soil::Firm => 0.03,
            Soil::Soft => 0.08,
            Soil::WetClay => 0.15,
        }
    }
}

/// A fault or event injected at a time.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum FaultKind {
    /// No GNSS solution for `duration_s` (GGA quality 0, empty position); re-fix through float.
    GnssOutage { duration_s: f64 },
    /// GNSS solution no better than `quality` for `duration_s`.
    GnssDegrade { quality: FixQuality, duration_s: f64 },
    /// The rotor stalls (rpm falls to zero, pressure above the relief) for `duration_s`.
    RotorStall { duration_s: f64 },
    /// A shock of `peak_g` under the rotor (as a detonation of an unmapped item).
    Shock { peak_g: f64 },
    /// The soil changes from this time on.
    SoilChange { soil: Soil },
    /// Host side: the CAN link is lost for `duration_s`.
    LinkLoss { duration_s: f64 },
    /// Host side: the operator presses the e-stop.
    EStop,
    /// Host side: the process is killed (resume tests).
    ProcessKill,
}

impl FaultKind {
    /// Faults the simulated vehicle applies itself; the others are for the host.
    pub fn is_vehicle_side(&self) -> bool {
        !matches!(
            self,
            FaultKind::LinkLoss { .. } | FaultKind::EStop | FaultKind::ProcessKill
        )
    }
}

/// A fault at a simulated time.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    /// Simulated time, s from the start of the run.
    pub at_s: f64,
    #[serde(flatten)]
    pub kind: FaultKind,
}

/// A simulation run: everything random derives from `seed`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Seed of every random process (ChaCha8). Default 1.
    pub seed: u64,
    /// Soil at the start. Default firm.
    pub soil: Soil,
    /// Ground slope, degrees (0–20). Default 0.
    pub slope_deg: f64,
    /// Downhill direction in ENU, radians counter-clockwise from east. Default 0.
    pub slope_downhill_rad: f64,
    /// Base GNSS quality from a time on, as `(at_s, quality)` sorted by time; before the first
    /// entry the receiver is RTK fixed. Default: RTK fixed throughout.
    pub gnss_schedule: Vec<(f64, FixQuality)>,
    /// Random RTK fixed → float episodes per hour of RTK fixed (0 = none). Default 1.
    pub float_episodes_per_h: f64,
    /// Multipath bias bursts per hour (0 = none). Default 2.
    pub multipath_bursts_per_h: f64,
    /// Anti-personnel mines per hectare of hazard. Default 20.
    pub ap_mines_per_ha: f64,
    /// Anti-tank mines per hectare of hazard. Default 0.5.
    pub at_mines_per_ha: f64,
    /// Faults at times (any order).
    pub faults: Vec<Fault>,
    /// UNIX time of the simulation's start, s (NMEA time and date). Default 2026-06-01T06:00:00Z.
    pub start_unix_s: f64,
}

impl Default for Scenario {
    fn default() -> Self {
        Self {
            seed: 1,
            soil: Soil::Firm,
            slope_deg: 0.0,
            slope_downhill_rad: 0.0,
            gnss_schedule: Vec::new(),
            float_episodes_per_h: 1.0,
            multipath_bursts_per_h: 2.0,
            ap_mines_per_ha: 20.0,
            at_mines_per_ha: 0.5,
            faults: Vec::new(),
            start_unix_s: 1_780_293_600.0,
        }
    }
}

impl Scenario {
    /// A quiet scenario for tests of other parts: RTK fixed throughout, no random episodes, no mines.
    pub fn quiet(seed: u64) -> Self {
        Self {
            seed,
            float_episodes_per_h: 0.0,
            multipath_bursts_per_h: 0.0,
            ap_mines_per_ha: 0.0,
            at_mines_per_ha: 0.0,
            ..Self::default()
        }
    }

    /// Check every value once; an invalid value is an error naming the field.
    pub fn validate(&self) -> Result<(), SimError> {
        let check = |field: &'static str, v: f64, lo: f64, hi: f64| {
            if v.is_finite() && v >= lo && v <= hi {
                Ok(())
            } else {
                Err(SimError::InvalidScenario {
                    field,
                    value: v.to_string(),
                    why: format!("must be within {lo}..={hi}"),
                })
            }
        };
        check("slope_deg", self.slope_deg, 0.0, 20.0)?;
        check("slope_downhill_rad", self.slope_downhill_rad, -10.0, 10.0)?;
        check("float_episodes_per_h", self.float_episodes_per_h, 0.0, 3600.0)?;
        check("multipath_bursts_per_h", self.multipath_bursts_per_h, 0.0, 3600.0)?;
        check("ap_mines_per_ha", self.ap_mines_per_ha, 0.0, 10_000.0)?;
        check("at_mines_per_ha", self.at_mines_per_ha, 0.0, 1_000.0)?;
        check("start_unix_s", self.start_unix_s, 0.0, 4.0e9)?;
        let mut last = f64::NEG_INFINITY;
        for &(t, _) in &self.gnss_schedule {
            check("gnss_schedule.at_s", t, 0.0, f64::MAX)?;
            if t < last {
                return Err(SimError::InvalidScenario {
                    field: "gnss_schedule",
                    value: t.to_string(),
                    why: "entries must be sorted by time".into(),
                });
            }
            last = t;
        }
        for f in &self.faults {
            check("faults.at_s", f.at_s, 0.0, f64::MAX)?;
            let d = match f.kind {
                FaultKind::GnssOutage { duration_s }
                | FaultKind::GnssDegrade { duration_s, .. }
                | FaultKind::RotorStall { duration_s }
                | FaultKind::LinkLoss { duration_s } => duration_s,
                FaultKind::Shock { peak_g } => peak_g,
                _ => 0.0,
            };
            check("faults.duration_s/peak_g", d, 0.0, 1.0e6)?;
        }
        Ok(())
    }

    /// Host-side faults (link loss, e-stop, process kill) sorted by time.
    pub fn host_faults(&self) -> Vec<Fault> {
        let mut v: Vec<Fault> = self
            .faults
            .iter()
            .copied()
            .filter(|f| !f.kind.is_vehicle_side())
            .collect();
        v.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
        v
    }

    /// Vehicle-side faults sorted by time.
    pub fn vehicle_faults(&self) -> Vec<Fault> {
        let mut v: Vec<Fault> = self
            .faults
            .iter()
            .copied()
            .filter(|f| f.kind.is_vehicle_side())
            .collect();
        v.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
        v
    }

    /// Base GNSS quality at `t_s` from the schedule.
    pub fn gnss_base_quality(&self, t_s: f64) -> FixQuality {
        self.gnss_schedule
            .iter()
            .take_while(|(at, _)| *at <= t_s)
            .last()
            .map_or(FixQuality::RtkFixed, |(_, q)| *q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_faults_split() {
        let mut s = Scenario::default();
        s.validate().unwrap();
        s.faults = vec![
            Fault {
                at_s: 20.0,
                kind: FaultKind::EStop,
            },
            Fault {
                at_s: 10.0,
                kind: FaultKind::RotorStall { duration_s: 3.0 },
            },
        ];
        assert_eq!(s.host_faults().len(), 1);
        assert_eq!(s.vehicle_faults()[0].at_s, 10.0);
    }

    #[test]
    fn invalid_values_are_errors() {
        let s = Scenario {
            slope_deg: 45.0,
            ..Scenario::default()
        };
        assert!(s.validate().unwrap_err().to_string().contains("slope_deg"));
        let s = Scenario {
            gnss_schedule: vec![(10.0, FixQuality::RtkFloat), (5.0, FixQuality::RtkFixed)],
            ..Scenario::default()
        };
        assert!(s.validate().is_err());
    }

    #[test]
    fn schedule_gives_base_quality() {
        let s = Scenario {
            gnss_schedule: vec![(10.0, FixQuality::Single), (20.0, FixQuality::RtkFixed)],
            ..Scenario::default()
        };
        assert_eq!(s.gnss_base_quality(5.0), FixQuality::RtkFixed);
        assert_eq!(s.gnss_base_quality(15.0), FixQuality::Single);
        assert_eq!(s.gnss_base_quality(25.0), FixQuality::RtkFixed);
    }

    #[test]
    fn scenario_reads_from_json() {
        let s: Scenario = serde_json::from_str(
            r#"{"seed": 7, "soil": "wet_clay",
                "faults": [{"at_s": 5, "kind": "gnss_outage", "duration_s": 10}]}"#,
        )
        .unwrap();
        assert_eq!(s.seed, 7);
        assert_eq!(s.soil, Soil::WetClay);
        assert_eq!(s.faults[0].kind, FaultKind::GnssOutage { duration_s: 10.0 });
    }
}
