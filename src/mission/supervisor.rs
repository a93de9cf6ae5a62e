//! The run-time safety supervisor: turns observations into trips, latches them and says
//! when each one has cleared.
//!
//! The response to every trip is one row of [`Trip::response`]'s table:
//!
//! ```text
//! trip                 stop   rotor        ends the mission  clears when
//! e-stop               Cat 0  off          no                explicit reset (then operator resume)
//! link lost            Cat 1  off          no                heartbeat fresh for link_recover_s
//! GNSS degraded        Cat 2  kept         no                σ ≤ limit for gnss_recover_s
//! footprint uncertain  Cat 2  kept         no                inflated footprint covered again
//! geofence uncertain   Cat 2  kept         no                inflated footprint inside again
//! rotor stall          Cat 2  restart      no                rpm ≥ minimum
//! detonation           Cat 1  held / off   no (Never: yes)   acknowledgement
//! footprint violation  Cat 1  off          yes               —
//! geofence breach      Cat 1  off          yes               —
//! ```
//!
//! "Uncertain" means the footprint at the estimated pose keeps the rule but the footprint
//! inflated by `sigma_k`·σ does not: the machine stops until the position is good enough to
//! prove it, instead of driving on a guess. A violation or breach at the estimated pose ends
//! the mission only while the position is trusted (GNSS ok, σ within `sigma_degraded_m`); on an
//! untrusted position (a multipath burst the estimator re-acquired onto, an outage) it is
//! "uncertain" too: stopped, held until a trusted position proves the footprint covered, and
//! a violation if the trusted position confirms it.

use super::{AckPolicy, SafetyConfig, StopCategory};
use serde::Serialize;

/// What the host observed at one control tick.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Observation {
    /// The operator's e-stop button is pressed (level, not edge).
    pub estop_pressed: bool,
    /// A GNSS solution is arriving and the estimator trusts it.
    pub gnss_ok: bool,
    /// Why it is not ok, in plain words with figures (empty when ok or unknown).
    pub gnss_why: String,
    /// Horizontal position σ of the estimate, metres.
    pub sigma_h_m: f64,
    /// Age of the last vehicle heartbeat, s (`None`: none yet).
    pub heartbeat_age_s: Option<f64>,
    /// The rotor has been commanded on long enough that it should be at speed.
    pub rotor_expected: bool,
    /// Measured rotor speed, rpm.
    pub rotor_rpm: f64,
    /// Footprint area on ground neither safe nor processed, at the estimated pose, m².
    pub footprint_uncovered_m2: f64,
    /// The same for the footprint inflated by `sigma_k`·σ, m².
    pub footprint_uncovered_inflated_m2: f64,
    /// Part of the footprint or implement lies outside the geofence at the estimated pose.
    pub outside_geofence: bool,
    /// The same for the inflated footprint.
    pub outside_geofence_inflated: bool,
    /// A detonation reported by the vehicle since the last tick: ENU metres and heading.
    pub detonation: Option<(f64, f64, f64)>,
}

impl Observation {
    /// An observation with nothing wrong in it (tests and hosts start from it).
    pub fn nominal() -> Self {
        Self {
            estop_pressed: false,
            gnss_ok: true,
            gnss_why: String::new(),
            sigma_h_m: 0.02,
            heartbeat_age_s: Some(0.05),
            rotor_expected: true,
            rotor_rpm: 600.0,
            footprint_uncovered_m2: 0.0,
            footprint_uncovered_inflated_m2: 0.0,
            outside_geofence: false,
            outside_geofence_inflated: false,
            detonation: None,
        }
    }
}

/// Kinds of trip.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TripKind {
    EStop,
    FootprintViolation,
    GeofenceBreach,
    LinkLost,
    GnssDegraded,
    FootprintUncertain,
    GeofenceUncertain,
    RotorStall,
    Detonation,
}

impl TripKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TripKind::EStop => "estop",
            TripKind::FootprintViolation => "footprint-violation",
            TripKind::GeofenceBreach => "geofence-breach",
            TripKind::LinkLost => "link-lost",
            TripKind::GnssDegraded => "gnss-degraded",
            TripKind::FootprintUncertain => "footprint-uncertain",
            TripKind::GeofenceUncertain => "geofence-uncertain",
            TripKind::RotorStall => "rotor-stall",
            TripKind::Detonation => "detonation",
        }
    }
}

/// How a trip clears.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Clearing {
    /// Only an explicit operator reset clears it; the operator then resumes.
    ExplicitReset,
    /// Clears by itself when the condition has gone.
    Condition,
    /// Clears with an acknowledgement.
    Acknowledgement,
    /// Never: the mission ends.
    Terminal,
}

/// The response to a trip: one row of the table in the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Response {
    pub stop: StopCategory,
    pub rotor_off: bool,
    pub rotor_restart: bool,
    pub clearing: Clearing,
}

/// A latched trip.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Trip {
    pub kind: TripKind,
    /// Time it tripped, s.
    pub at_s: f64,
    /// Detonation number (1, 2, …) for detonations, 0 otherwise.
    pub detonation_id: u32,
    /// Where, ENU metres and heading (detonations).
    pub position: Option<(f64, f64, f64)>,
    /// What was seen, for the record.
    pub detail: String,
}

impl Trip {
    /// The response table.
    pub fn response(kind: TripKind, cfg: &SafetyConfig) -> Response {
        use StopCategory::*;
        let r = |stop, rotor_off, rotor_restart, clearing| Response {
            stop,
            rotor_off,
            rotor_restart,
            clearing,
        };
        match kind {
            TripKind::EStop => r(Cat0, true, false, Clearing::ExplicitReset),
            TripKind::LinkLost => r(Cat1, true, false, Clearing::Condition),
            TripKind::GnssDegraded | TripKind::FootprintUncertain | TripKind::GeofenceUncertain => {
                r(Cat2, false, false, Clearing::Condition)
            }
            TripKind::RotorStall => r(Cat2, true, true, Clearing::Condition),
            TripKind::Detonation => r(
                Cat1,
                !cfg.hold_rotor_on_detonation,
                false,
                if cfg.ack_policy == AckPolicy::Never {
                    Clearing::Terminal
                } else {
                    Clearing::Acknowledgement
                },
            ),
            TripKind::FootprintViolation | TripKind::GeofenceBreach => r(Cat1, true, false, Clearing::Terminal),
        }
    }
}

/// The supervisor: latched trips and the timers that clear them.
#[derive(Clone, Debug)]
pub struct SafetySupervisor {
    cfg: SafetyConfig,
    rotor_rpm_min: f64,
    active: Vec<Trip>,
    detonations: u32,
    stall_since: Option<f64>,
    good_since: [Option<f64>; 2],
}

/// What one check produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CheckOutcome {
    /// Trips that became active at this tick.
    pub tripped: Vec<Trip>,
    /// Trips that cleared at this tick.
    pub cleared: Vec<Trip>,
}

impl SafetySupervisor {
    /// # Units
    /// `rotor_rpm_min`: the machine's lowest processing rotor speed, rpm.
    pub fn new(cfg: SafetyConfig, rotor_rpm_min: f64) -> Self {
        Self {
            cfg,
            rotor_rpm_min,
            active: Vec::new(),
            detonations: 0,
            stall_since: None,
            good_since: [None, None],
        }
    }

    pub fn config(&self) -> &SafetyConfig {
        &self.cfg
    }

    /// Trips latched now.
    pub fn active(&self) -> &[Trip] {
        &self.active
    }

    pub fn is_active(&self, kind: TripKind) -> bool {
        self.active.iter().any(|t| t.kind == kind)
    }

    /// Detonations seen so far (ids run from 1).
    pub fn detonation_count(&self) -> u32 {
        self.detonations
    }

    /// Continue detonation numbering after a restart.
    pub fn set_detonation_count(&mut self, n: u32) {
        self.detonations = n;
    }

    fn trip(&mut self, out: &mut CheckOutcome, kind: TripKind, now_s: f64, detail: String) {
        if self.is_active(kind) && kind != TripKind::Detonation {
            return;
        }
        let t = Trip {
            kind,
            at_s: now_s,
            detonation_id: 0,
            position: None,
            detail,
        };
        self.active.push(t.clone());
        out.tripped.push(t);
    }

    fn clear_where(&mut self, out: &mut CheckOutcome, f: impl Fn(&Trip) -> bool) {
        let (gone, kept): (Vec<_>, Vec<_>) = self.active.drain(..).partition(|t| f(t));
        self.active = kept;
        out.cleared.extend(gone);
    }

    /// Check one observation at time `now_s` (seconds, monotone).
    pub fn check(&mut self, o: &Observation, now_s: f64) -> CheckOutcome {
        let mut out = CheckOutcome::default();
        let cfg = self.cfg.clone();
        if o.estop_pressed {
            self.trip(&mut out, TripKind::EStop, now_s, "e-stop pressed".into());
        }
        let trusted = o.gnss_ok && o.sigma_h_m <= cfg.sigma_degraded_m;
        // areas are sums of sample areas: exactly the tolerance must not trip on rounding
        let tol = cfg.footprint_tolerance_m2 + 1e-9;
        if o.footprint_uncovered_m2 > tol && trusted {
            let d = format!("{:.3} m² of footprint on unprocessed ground", o.footprint_uncovered_m2);
            self.trip(&mut out, TripKind::FootprintViolation, now_s, d);
        } else if o.footprint_uncovered_m2 > tol {
            let d = format!(
                "{:.3} m² of footprint on unprocessed ground at an untrusted position (σ {:.3} m)",
                o.footprint_uncovered_m2, o.sigma_h_m
            );
            self.trip(&mut out, TripKind::FootprintUncertain, now_s, d);
        } else if o.footprint_uncovered_inflated_m2 > tol {
            let d = format!(
                "{:.3} m² of footprint ± {}σ (σ {:.3} m) not proven processed",
                o.footprint_uncovered_inflated_m2, cfg.sigma_k, o.sigma_h_m
            );
            self.trip(&mut out, TripKind::FootprintUncertain, now_s, d);
        }
        if o.outside_geofence && trusted {
            self.trip(
                &mut out,
                TripKind::GeofenceBreach,
                now_s,
                "machine outside the geofence".into(),
            );
        } else if o.outside_geofence || o.outside_geofence_inflated {
            let d = format!(
                "footprint ± {}σ (σ {:.3} m) reaches the geofence",
                cfg.sigma_k, o.sigma_h_m
            );
            self.trip(&mut out, TripKind::GeofenceUncertain, now_s, d);
        }
        let gnss_bad = !o.gnss_ok || o.sigma_h_m > cfg.sigma_degraded_m;
        if gnss_bad {
            let d = if o.gnss_ok {
                format!(
                    "GNSS position σ {:.3} m over the limit of {} m",
                    o.sigma_h_m, cfg.sigma_degraded_m
                )
            } else if o.gnss_why.is_empty() {
                format!("GNSS position not trusted by the estimator (σ {:.3} m)", o.sigma_h_m)
            } else {
                format!("GNSS position not trusted by the estimator: {}", o.gnss_why)
            };
            self.trip(&mut out, TripKind::GnssDegraded, now_s, d);
        }
        let link_bad = o.heartbeat_age_s.is_none_or(|a| a > cfg.link_timeout_s);
        if link_bad {
            let d = match o.heartbeat_age_s {
                Some(a) => format!("last vehicle heartbeat {a:.2} s ago (limit {} s)", cfg.link_timeout_s),
                None => format!("no vehicle heartbeat yet (limit {} s)", cfg.link_timeout_s),
            };
            self.trip(&mut out, TripKind::LinkLost, now_s, d);
        }
        let slow = o.rotor_expected && o.rotor_rpm < cfg.stall_fraction * self.rotor_rpm_min;
        self.stall_since = if slow { self.stall_since.or(Some(now_s)) } else { None };
        if self.stall_since.is_some_and(|s| now_s - s >= cfg.stall_time_s) && !link_bad {
            let d = format!(
                "rotor {:.0} rpm < {:.0} rpm",
                o.rotor_rpm,
                cfg.stall_fraction * self.rotor_rpm_min
            );
            self.trip(&mut out, TripKind::RotorStall, now_s, d);
        }
        if let Some((x, y, h)) = o.detonation {
            self.detonations += 1;
            let t = Trip {
                kind: TripKind::Detonation,
                at_s: now_s,
                detonation_id: self.detonations,
                position: Some((x, y, h)),
                detail: format!(
                    "detonation {} at {x:.2} m E, {y:.2} m N of the datum, heading {:.0}° from east",
                    self.detonations,
                    h.to_degrees()
                ),
            };
            self.active.push(t.clone());
            out.tripped.push(t);
        }
        // Self-clearing conditions, each with its own hold time.
        self.good_since[0] = if gnss_bad {
            None
        } else {
            self.good_since[0].or(Some(now_s))
        };
        self.good_since[1] = if link_bad {
            None
        } else {
            self.good_since[1].or(Some(now_s))
        };
        let gnss_good = self.good_since[0].is_some_and(|s| now_s - s >= cfg.gnss_recover_s);
        let link_good = self.good_since[1].is_some_and(|s| now_s - s >= cfg.link_recover_s);
        let rpm_ok = o.rotor_rpm >= self.rotor_rpm_min;
        let fp_ok = o.footprint_uncovered_inflated_m2 <= cfg.footprint_tolerance_m2 + 1e-9;
        let fence_ok = !o.outside_geofence_inflated;
        self.clear_where(&mut out, |t| match t.kind {
            TripKind::GnssDegraded => gnss_good,
            TripKind::LinkLost => link_good,
            TripKind::FootprintUncertain => fp_ok && gnss_good,
            TripKind::GeofenceUncertain => fence_ok && gnss_good,
            TripKind::RotorStall => rpm_ok && link_good,
            _ => false,
        });
        if cfg.ack_policy == AckPolicy::AutoAfterDelay {
            let delay = cfg.auto_ack_delay_s;
            self.clear_where(&mut out, |t| t.kind == TripKind::Detonation && now_s - t.at_s >= delay);
        }
        out
    }

    /// Operator reset of a latched e-stop; refused (false) while the button is still pressed.
    pub fn reset_estop(&mut self, still_pressed: bool) -> Option<Trip> {
        if still_pressed {
            return None;
        }
        let i = self.active.iter().position(|t| t.kind == TripKind::EStop)?;
        Some(self.active.remove(i))
    }

    /// Operator acknowledgement of detonation `id`.
    pub fn acknowledge(&mut self, id: u32) -> Option<Trip> {
        let i = self
            .active
            .iter()
            .position(|t| t.kind == TripKind::Detonation && t.detonation_id == id)?;
        Some(self.active.remove(i))
    }
}

#[cfg(test)]
#[path = "supervisor_tests.rs"]
mod tests;
