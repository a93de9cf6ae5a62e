//! What the mission node has seen, turned into the safety supervisor's [`Observation`] at each
//! check (no I/O: the node passes messages and its ROS time in).
//!
//! | Observation field | from |
//! |---|---|
//! | `estop_pressed` | the last `estop` message (level) |
//! | `gnss_ok` | an `odometry/filtered` estimate at most [`ESTIMATE_MAX_AGE_S`] old and the `demine: localization` status OK or WARN, at most [`DIAGNOSTICS_MAX_AGE_S`] old |
//! | `sigma_h_m` | the estimate's horizontal σ (∞ without one) |
//! | `heartbeat_age_s` | age of the last vehicle feedback (`joint_states`, 50 Hz from the CAN bridge, Gazebo or the sim node); `None` when none came yet or the `demine: CAN link` status (when a CAN bridge runs) says the link is down |
//! | `rotor_expected`, `rotor_rpm` | clearing for [`MAX_SPIN_UP_S`]; the rotor speed in `joint_states` |
//! | footprint and geofence | [`FootprintMonitor`] at the estimate against the safe area and the processed cells of `coverage/grid`; without a grid younger than [`GRID_MAX_AGE_S`] only the safe area counts and what is not covered is reported as *uncertain* (a Cat 2 hold), never as a violation |
//! | `detonation` | a `detonation/shock` since the last check, placed at the processing line's centre at the estimate |

use geo::{Contains, Coord, MultiPolygon, Point};

use super::grid_msgs::{CellState, GridSnapshot};

use crate::localize::Estimate;
use crate::machine::MachineProfile;
use crate::mission::footprint::FootprintCheck;
use crate::mission::preflight::{GnssQuality, PreflightInputs, MAX_SPIN_UP_S};
use crate::mission::{FootprintMonitor, GroundQuery, Observation};
use crate::plan::Pose;

/// Oldest estimate trusted, seconds.
pub const ESTIMATE_MAX_AGE_S: f64 = 0.5;
/// Oldest diagnostics status used (they come at 1 Hz), seconds.
pub const DIAGNOSTICS_MAX_AGE_S: f64 = 3.0;
/// Oldest processed-area grid used for the footprint rule (published at 1 Hz), seconds.
pub const GRID_MAX_AGE_S: f64 = 3.0;

/// The same geofence as the in-process runtime's.
pub use crate::mission::footprint::{geofence, GEOFENCE_MARGIN_M};

/// Health levels of `diagnostic_msgs/DiagnosticStatus` the watch distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Ok,
    Warn,
    Error,
    Stale,
}

/// The rotor spin test as seen in the feedback: the time from the rotor starting (above 10 % of
/// the minimum) to reaching the minimum, and the peak.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct SpinTest {
    peak_rpm: f64,
    started_s: Option<f64>,
    time_to_min_s: Option<f64>,
}

impl SpinTest {
    fn on_rpm(&mut self, rpm: f64, rpm_min: f64, now_s: f64) {
        self.peak_rpm = self.peak_rpm.max(rpm);
        if self.time_to_min_s.is_some() {
            return;
        }
        if rpm < 0.1 * rpm_min {
            self.started_s = None;
        } else if let Some(t0) = self.started_s {
            if rpm >= rpm_min {
                self.time_to_min_s = Some(now_s - t0);
            }
        } else {
            self.started_s = Some(now_s);
        }
    }
}

/// Safe ground or ground the last grid shows processed.
struct Ground<'a> {
    safe: &'a MultiPolygon<f64>,
    grid: Option<&'a GridSnapshot>,
}

impl GroundQuery for Ground<'_> {
    fn covered(&self, p: Coord<f64>) -> bool {
        let processed = self.grid.is_some_and(|g| {
            let i = ((p.x - g.origin_east_m) / g.resolution_m).floor();
            let j = ((p.y - g.origin_north_m) / g.resolution_m).floor();
            i >= 0.0
                && j >= 0.0
                && i < f64::from(g.width)
                && j < f64::from(g.height)
                && g.cells[j as usize * g.width as usize + i as usize] == CellState::Processed
        });
        processed || self.safe.contains(&Point::from(p))
    }
}

/// The latest of everything the supervisor looks at.
pub struct MissionWatch {
    monitor: FootprintMonitor,
    safe: MultiPolygon<f64>,
    /// Processing line centre in base_link, metres.
    line_centre: (f64, f64),
    pub estop_pressed: bool,
    estimate: Option<Estimate>,
    localization: Option<(Level, f64)>,
    can_link: Option<(Level, f64)>,
    feedback_s: Option<f64>,
    rotor_rpm: f64,
    spin: SpinTest,
    rotor_rpm_min: f64,
    grid: Option<(GridSnapshot, f64)>,
    detonation: Option<(f64, f64, f64)>,
}

impl MissionWatch {
    /// `geofence` and `safe`: ENU metres; `sigma_k` the supervisor's σ factor.
    pub fn new(m: &MachineProfile, geofence: MultiPolygon<f64>, safe: MultiPolygon<f64>, sigma_k: f64) -> Self {
        let [[x0, y0], [x1, y1]] = m.implement_m;
        Self {
            monitor: FootprintMonitor::new(m, geofence, sigma_k, 0.1),
            safe,
            line_centre: (0.5 * (x0 + x1), 0.5 * (y0 + y1)),
            estop_pressed: false,
            estimate: None,
            localization: None,
            can_link: None,
            feedback_s: None,
            rotor_rpm: 0.0,
            spin: SpinTest::default(),
            rotor_rpm_min: m.rotor_rpm_min,
            grid: None,
            detonation: None,
        }
    }

    /// Take over what `old` has seen of the sensors and the vehicle (estimate, diagnostics,
    /// feedback, e-stop input): a watch made at configure for the new field starts from what is
    /// known, not from nothing (which read as "GNSS lost" until the next estimate). The spin test
    /// and the grid start afresh: they belong to the new mission.
    pub fn carry_inputs(&mut self, old: &MissionWatch) {
        self.estop_pressed = old.estop_pressed;
        self.estimate = old.estimate;
        self.localization = old.localization;
        self.can_link = old.can_link;
        self.feedback_s = old.feedback_s;
        self.rotor_rpm = old.rotor_rpm;
    }

    pub fn estimate(&self) -> Option<&Estimate> {
        self.estimate.as_ref()
    }

    pub fn on_estimate(&mut self, e: Estimate) {
        self.estimate = Some(e);
    }

    /// A `demine: localization` status (`loc`) and/or a `demine: CAN link` status (`link`).
    pub fn on_diagnostics(&mut self, loc: Option<Level>, link: Option<Level>, now_s: f64) {
        if let Some(l) = loc {
            self.localization = Some((l, now_s));
        }
        if let Some(l) = link {
            self.can_link = Some((l, now_s));
        }
    }

    /// Vehicle feedback: the implement's rotor speed (rpm) from `joint_states`.
    pub fn on_feedback(&mut self, rotor_rpm: f64, now_s: f64) {
        self.feedback_s = Some(now_s);
        self.rotor_rpm = rotor_rpm;
        self.spin.on_rpm(rotor_rpm, self.rotor_rpm_min, now_s);
    }

    pub fn on_grid(&mut self, grid: GridSnapshot, now_s: f64) {
        self.grid = Some((grid, now_s));
    }

    /// A detonation reported now: placed at the processing line at the latest estimate (the
    /// origin of `map` without one: the supervisor still trips).
    pub fn on_detonation(&mut self) {
        let p = self
            .estimate
            .map_or(Pose::new(0.0, 0.0, 0.0), |e| Pose::new(e.east_m, e.north_m, e.yaw_rad));
        let c = p.apply(self.line_centre.0, self.line_centre.1);
        self.detonation = Some((c.x, c.y, p.yaw_rad));
    }

    fn fresh<T: Copy>(v: Option<(T, f64)>, now_s: f64, max_age_s: f64) -> Option<T> {
        v.filter(|(_, t)| now_s - t <= max_age_s).map(|(x, _)| x)
    }

    fn gnss_ok(&self, now_s: f64) -> bool {
        let estimate = self
            .estimate
            .is_some_and(|e| (now_s - e.unix_time_s).abs() <= ESTIMATE_MAX_AGE_S);
        let verdict = Self::fresh(self.localization, now_s, DIAGNOSTICS_MAX_AGE_S);
        estimate && matches!(verdict, Some(Level::Ok | Level::Warn))
    }

    /// Why GNSS is not ok in the terms this node sees: no recent estimate, or the localizer's
    /// diagnostics level (its message carries the figures).
    fn gnss_why(&self, now_s: f64) -> String {
        match self.estimate {
            None => return "no estimate from the localizer yet".into(),
            Some(e) if (now_s - e.unix_time_s).abs() > ESTIMATE_MAX_AGE_S => {
                return format!(
                    "the last estimate is {:.1} s old (limit {ESTIMATE_MAX_AGE_S} s)",
                    (now_s - e.unix_time_s).abs()
                )
            }
            Some(_) => {}
        }
        match Self::fresh(self.localization, now_s, DIAGNOSTICS_MAX_AGE_S) {
            Some(Level::Ok | Level::Warn) => String::new(),
            Some(l) => format!("localizer diagnostics {l:?}"),
            None => format!("no localizer diagnostics for {DIAGNOSTICS_MAX_AGE_S} s"),
        }
    }

    fn heartbeat_age_s(&self, now_s: f64) -> Option<f64> {
        let link = Self::fresh(self.can_link, now_s, DIAGNOSTICS_MAX_AGE_S);
        if matches!(link, Some(Level::Error | Level::Stale)) {
            return None;
        }
        self.feedback_s.map(|t| (now_s - t).max(0.0))
    }

    fn sigma_h_m(&self) -> f64 {
        self.estimate.map_or(f64::INFINITY, |e| e.sigma_h_m)
    }

    /// The footprint rule and the geofence at the estimate.
    fn footprint(&self, now_s: f64) -> FootprintCheck {
        let Some(e) = self.estimate else {
            return FootprintCheck::default();
        };
        let pose = Pose::new(e.east_m, e.north_m, e.yaw_rad);
        let grid = self
            .grid
            .as_ref()
            .filter(|(_, t)| now_s - t <= GRID_MAX_AGE_S)
            .map(|(g, _)| g);
        let ground = Ground { safe: &self.safe, grid };
        let mut c = self.monitor.check(&pose, e.sigma_h_m, &ground);
        if grid.is_none() {
            // without the grid, ground off the safe area is unknown, not known unprocessed
            c.uncovered_inflated_m2 = c.uncovered_inflated_m2.max(c.uncovered_m2);
            c.uncovered_m2 = 0.0;
        }
        c
    }

    /// The observation at `now_s`; `clearing_for_s` how long the mission has been clearing
    /// (`None`: not clearing). Takes the pending detonation.
    pub fn observe(&mut self, now_s: f64, clearing_for_s: Option<f64>) -> Observation {
        let fp = self.footprint(now_s);
        Observation {
            estop_pressed: self.estop_pressed,
            gnss_ok: self.gnss_ok(now_s),
            gnss_why: self.gnss_why(now_s),
            sigma_h_m: self.sigma_h_m(),
            heartbeat_age_s: self.heartbeat_age_s(now_s),
            rotor_expected: clearing_for_s.is_some_and(|t| t >= MAX_SPIN_UP_S),
            rotor_rpm: self.rotor_rpm,
            footprint_uncovered_m2: fp.uncovered_m2,
            footprint_uncovered_inflated_m2: fp.uncovered_inflated_m2,
            outside_geofence: fp.outside_geofence,
            outside_geofence_inflated: fp.outside_geofence_inflated,
            detonation: self.detonation.take(),
        }
    }

    /// The pre-flight inputs at `now_s`. The GNSS class is RTK fixed only when the localizer's
    /// verdict is OK (it requires a recent RTK-fixed fix), NoFix otherwise; the link is connected
    /// when vehicle feedback is flowing and no CAN bridge says otherwise.
    pub fn preflight(&self, now_s: f64) -> PreflightInputs {
        let verdict = Self::fresh(self.localization, now_s, DIAGNOSTICS_MAX_AGE_S);
        let heartbeat = self.heartbeat_age_s(now_s);
        PreflightInputs {
            gnss: if self.gnss_ok(now_s) && verdict == Some(Level::Ok) {
                GnssQuality::RtkFixed
            } else {
                GnssQuality::NoFix
            },
            sigma_h_m: self.sigma_h_m(),
            link_connected: heartbeat.is_some(),
            heartbeat_age_s: heartbeat,
            spin_peak_rpm: Some(self.spin.peak_rpm).filter(|&r| r > 0.0),
            spin_time_to_min_s: self.spin.time_to_min_s,
        }
    }
}

#[cfg(test)]
#[path = "mission_watch_tests.rs"]
mod tests;
