//! Machine profiles: what a flail or tiller machine is, in `base_link` (x forward, y left, metres).
//!
//! A profile is read from YAML ([`MachineProfile::from_yaml`]), validated once into a
//! [`MachineProfile`] whose invariants the planner and the safety layer rely on. Invalid values are
//! errors naming the file, the field and the value; nothing is silently changed.
//!
//! The footprint is what touches the ground (the tracks' contact envelope). The implement
//! processing line is where the rotor meets the ground; it must lie ahead of the footprint and be
//! wider than it, or the machine could not keep the footprint rule even driving straight.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// The profile used when none is given: a medium tracked flail with a 1.9 m tool.
pub const DEFAULT_PROFILE_YAML: &str = include_str!("../machines/medium_flail.yaml");

#[derive(Debug, thiserror::Error)]
pub enum MachineError {
    #[error("{path}: cannot read: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: not a machine profile: {source}")]
    Yaml { path: String, source: serde_norway::Error },
    #[error("{path}: field `{field}` = {value}: {why}")]
    Invalid {
        path: String,
        field: &'static str,
        value: String,
        why: String,
    },
}

/// The kind of ground-processing tool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImplementKind {
    Flail,
    Tiller,
}

/// A machine profile as written in YAML and, after [`MachineProfile::validate`], as used everywhere.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MachineProfile {
    /// Human-readable name, e.g. "medium tracked flail 1.9 m".
    pub name: String,
    /// Where the figures come from (sources and assumptions).
    #[serde(default)]
    pub origin: String,
    /// flail | tiller.
    pub implement: ImplementKind,
    /// Width of the processed strip, metres (0.5–6). Must equal the processing line's length.
    pub working_width_m: f64,
    /// Overlap between adjacent lanes, metres (0 ≤ overlap < working width / 2; typical 0.1–0.5).
    pub lane_overlap_m: f64,
    /// Ground-contact envelope in base_link, metres, as a simple polygon `[[x, y], ...]`.
    pub footprint_m: Vec<[f64; 2]>,
    /// Processing line end points in base_link, metres: `[[x, y_right], [x, y_left]]`, perpendicular to x.
    pub implement_m: [[f64; 2]; 2],
    /// Track gauge, centre to centre, metres.
    pub track_gauge_m: f64,
    /// Minimum turn radius of base_link, metres; 0 = pivot (counter-rotating tracks) allowed.
    pub min_turn_radius_m: f64,
    /// Speed while processing, m/s (typical 0.05–0.3).
    pub clearing_speed_mps: f64,
    /// Speed on safe or processed ground with the rotor lifted, m/s.
    pub transit_speed_mps: f64,
    /// Speed when reversing along processed ground, m/s.
    pub reverse_speed_mps: f64,
    /// Yaw rate of a pivot turn, rad/s.
    pub pivot_rate_rps: f64,
    /// Rotor speed target, rpm.
    pub rotor_rpm_target: f64,
    /// Lowest rotor speed at which ground counts as processed, rpm.
    pub rotor_rpm_min: f64,
    /// Processing depth target, metres (at most [`MachineProfile::depth_max_m`]).
    pub depth_target_m: f64,
    /// Deepest the tool processes, reached at ground speeds up to
    /// [`MachineProfile::full_depth_speed_mps`], metres (0.05–1.5; default 0.30, the domain
    /// reference's model figure for light and medium flails; tillers mill deeper, e.g. 0.55 m
    /// published for the Armtrac 400).
    #[serde(default = "default_depth_max_m")]
    pub depth_max_m: f64,
    /// Ground speed up to which the tool reaches `depth_max_m`, m/s (0.01–2; default 0.139,
    /// 0.5 km/h). Faster, the depth falls as `depth_max_m · full_depth_speed_mps / v` (domain
    /// reference §7, an assumption): at `clearing_speed_mps` it must still reach `depth_target_m`,
    /// or the implement interlock holds the machine at every lane start (the simulator refuses
    /// such a profile with the figures).
    #[serde(default = "default_full_depth_speed_mps")]
    pub full_depth_speed_mps: f64,
    /// Longitudinal acceleration limit, m/s².
    pub max_accel_mps2: f64,
    /// Braking limit, m/s².
    pub max_decel_mps2: f64,
    /// Clearance kept between the processed strip and obstacles (holes in the hazard), metres.
    pub obstacle_clearance_m: f64,
    /// How far behind base_link the machine turns about when it pivots (counter-rotating
    /// tracks), metres: the instantaneous centre of rotation sits off the track centre with the
    /// machine's weight distribution. Measured by a pivot on the spot; default 0.05.
    #[serde(default = "default_pivot_centre_behind_m")]
    pub pivot_centre_behind_m: f64,
}

fn default_pivot_centre_behind_m() -> f64 {
    0.05
}

fn default_depth_max_m() -> f64 {
    0.30
}

fn default_full_depth_speed_mps() -> f64 {
    0.139
}

fn invalid(path: &str, field: &'static str, value: impl std::fmt::Debug, why: impl Into<String>) -> MachineError {
    MachineError::Invalid {
        path: path.to_string(),
        field,
        value: format!("{value:?}"),
        why: why.into(),
    }
}

impl MachineProfile {
    /// Parse and validate a profile. `path` only names the source in errors.
    pub fn from_yaml(text: &str, path: &str) -> Result<Self, MachineError> {
        let p: MachineProfile = serde_norway::from_str(text).map_err(|source| MachineError::Yaml {
            path: path.into(),
            source,
        })?;
        p.validate(path)?;
        Ok(p)
    }

    /// Load a profile file.
    pub fn load(path: &Path) -> Result<Self, MachineError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| MachineError::Io {
            path: name.clone(),
            source,
        })?;
        Self::from_yaml(&text, &name)
    }

    /// The shipped default profile.
    pub fn default_profile() -> Self {
        Self::from_yaml(DEFAULT_PROFILE_YAML, "machines/medium_flail.yaml").expect("shipped default profile is valid")
    }

    /// Check every invariant the rest of the stack relies on.
    pub fn validate(&self, path: &str) -> Result<(), MachineError> {
        let pos = |field: &'static str, v: f64, lo: f64, hi: f64| -> Result<(), MachineError> {
            if !v.is_finite() || v < lo || v > hi {
                return Err(invalid(path, field, v, format!("must be within {lo}..={hi}")));
            }
            Ok(())
        };
        pos("working_width_m", self.working_width_m, 0.5, 6.0)?;
        pos(
            "lane_overlap_m",
            self.lane_overlap_m,
            0.0,
            self.working_width_m / 2.0 - 1e-9,
        )?;
        pos("track_gauge_m", self.track_gauge_m, 0.3, 6.0)?;
        pos("min_turn_radius_m", self.min_turn_radius_m, 0.0, 50.0)?;
        pos("clearing_speed_mps", self.clearing_speed_mps, 0.01, 2.0)?;
        pos("transit_speed_mps", self.transit_speed_mps, 0.05, 5.0)?;
        pos("reverse_speed_mps", self.reverse_speed_mps, 0.05, 5.0)?;
        pos("pivot_rate_rps", self.pivot_rate_rps, 0.01, 2.0)?;
        pos("rotor_rpm_target", self.rotor_rpm_target, 1.0, 5000.0)?;
        pos("rotor_rpm_min", self.rotor_rpm_min, 1.0, self.rotor_rpm_target)?;
        pos("depth_target_m", self.depth_target_m, 0.01, 1.5)?;
        pos("depth_max_m", self.depth_max_m, 0.05, 1.5)?;
        pos("full_depth_speed_mps", self.full_depth_speed_mps, 0.01, 2.0)?;
        pos("max_accel_mps2", self.max_accel_mps2, 0.01, 10.0)?;
        pos("max_decel_mps2", self.max_decel_mps2, 0.01, 10.0)?;
        pos("obstacle_clearance_m", self.obstacle_clearance_m, 0.0, 10.0)?;
        pos("pivot_centre_behind_m", self.pivot_centre_behind_m, -1.0, 1.0)?;
        // every setpoint must fit the vehicle protocol's signal (can/vehicle.dbc), or the CAN
        // encoder would refuse it in the middle of the mission
        let dbc = crate::can::dbc::Dbc::vehicle();
        for (field, v, msg, sig) in [
            (
                "rotor_rpm_target",
                self.rotor_rpm_target,
                "ImplementCommand",
                "RotorSpeedSetpoint",
            ),
            (
                "depth_target_m",
                self.depth_target_m,
                "ImplementCommand",
                "DepthSetpoint",
            ),
            (
                "clearing_speed_mps",
                self.clearing_speed_mps,
                "DriveCommand",
                "LeftTrackSpeedCmd",
            ),
            (
                "transit_speed_mps",
                self.transit_speed_mps,
                "DriveCommand",
                "LeftTrackSpeedCmd",
            ),
            (
                "reverse_speed_mps",
                self.reverse_speed_mps,
                "DriveCommand",
                "LeftTrackSpeedCmd",
            ),
        ] {
            let s = dbc
                .message(msg)
                .and_then(|m| m.signal(sig))
                .expect("the shipped DBC has the implement and drive setpoints (tested)");
            if v > s.max || v < s.min {
                return Err(invalid(
                    path,
                    field,
                    v,
                    format!(
                        "outside the vehicle protocol's {sig} range {}–{} {} (can/vehicle.dbc, {msg}): the vehicle cannot be sent it",
                        s.min, s.max, s.unit
                    ),
                ));
            }
        }

        if self.depth_target_m > self.depth_max_m + 1e-9 {
            return Err(invalid(
                path,
                "depth_target_m",
                self.depth_target_m,
                format!(
                    "deeper than the tool reaches (depth_max_m {:.3} m, default 0.30 m): set depth_max_m to the tool's depth if it reaches deeper",
                    self.depth_max_m
                ),
            ));
        }

        if self.footprint_m.len() < 3 {
            return Err(invalid(
                path,
                "footprint_m",
                &self.footprint_m,
                "needs at least 3 vertices",
            ));
        }
        if self.footprint_m.iter().flatten().any(|v| !v.is_finite()) {
            return Err(invalid(
                path,
                "footprint_m",
                &self.footprint_m,
                "coordinates must be finite",
            ));
        }
        let fp = self.footprint();
        use geo::{Area, BoundingRect, Validation};
        if fp.unsigned_area() < 0.01 || !fp.is_valid() {
            return Err(invalid(
                path,
                "footprint_m",
                &self.footprint_m,
                "must be a simple polygon with positive area",
            ));
        }
        let [[xa, ya], [xb, yb]] = self.implement_m;
        if ![xa, ya, xb, yb].iter().all(|v| v.is_finite()) {
            return Err(invalid(
                path,
                "implement_m",
                self.implement_m,
                "coordinates must be finite",
            ));
        }
        if (xa - xb).abs() > 1e-6 {
            return Err(invalid(
                path,
                "implement_m",
                self.implement_m,
                "the processing line must be perpendicular to x (both ends at the same x)",
            ));
        }
        let line_len = (yb - ya).abs();
        if (line_len - self.working_width_m).abs() > 0.01 {
            return Err(invalid(
                path,
                "working_width_m",
                self.working_width_m,
                format!("differs from the processing line's length {line_len:.3} m (implement_m)"),
            ));
        }
        let bb = fp.bounding_rect().expect("footprint has vertices");
        let (ylo, yhi) = (ya.min(yb), ya.max(yb));
        if bb.min().y < ylo || bb.max().y > yhi {
            return Err(invalid(
                path,
                "footprint_m",
                &self.footprint_m,
                format!(
                    "the footprint spans y {:.3}..{:.3} m, wider than the processing line's {ylo:.3}..{yhi:.3} m: \
                     the tracks would run on unprocessed ground",
                    bb.min().y,
                    bb.max().y
                ),
            ));
        }
        if bb.max().x >= xa {
            return Err(invalid(
                path,
                "implement_m",
                self.implement_m,
                format!(
                    "the processing line (x = {xa:.3} m) must lie ahead of the footprint (front at x = {:.3} m)",
                    bb.max().x
                ),
            ));
        }
        if self.track_gauge_m > bb.height() {
            return Err(invalid(
                path,
                "track_gauge_m",
                self.track_gauge_m,
                format!("wider than the footprint span {:.3} m", bb.height()),
            ));
        }
        Ok(())
    }

    /// Lane spacing: working width minus overlap, metres.
    pub fn lane_spacing_m(&self) -> f64 {
        self.working_width_m - self.lane_overlap_m
    }

    /// The footprint as a polygon in base_link.
    pub fn footprint(&self) -> geo::Polygon<f64> {
        geo::Polygon::new(
            geo::LineString::from(self.footprint_m.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>()),
            vec![],
        )
    }

    /// x of the processing line in base_link, metres.
    pub fn implement_x_m(&self) -> f64 {
        self.implement_m[0][0]
    }

    /// Lateral extent of the processing line, metres: (right, left).
    pub fn implement_y_m(&self) -> (f64, f64) {
        let [[_, a], [_, b]] = self.implement_m;
        (a.min(b), a.max(b))
    }

    /// Radius of the circle swept by the footprint in a pivot about base_link, metres.
    pub fn pivot_radius_m(&self) -> f64 {
        self.footprint_m.iter().map(|p| p[0].hypot(p[1])).fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(f: impl FnOnce(&mut MachineProfile)) -> Result<(), MachineError> {
        let mut p = MachineProfile::default_profile();
        f(&mut p);
        p.validate("test.yaml")
    }

    #[test]
    fn shipped_profiles_are_valid() {
        for (name, text) in [
            ("medium_flail.yaml", include_str!("../machines/medium_flail.yaml")),
            ("large_tiller.yaml", include_str!("../machines/large_tiller.yaml")),
        ] {
            MachineProfile::from_yaml(text, name).unwrap_or_else(|e| panic!("{e}"));
        }
    }

    #[test]
    fn footprint_wider_than_implement_is_refused() {
        let e = edit(|p| p.footprint_m = vec![[-1.5, -1.2], [1.0, -1.2], [1.0, 1.2], [-1.5, 1.2]]).unwrap_err();
        let s = e.to_string();
        assert!(
            s.contains("test.yaml") && s.contains("footprint_m") && s.contains("unprocessed"),
            "{s}"
        );
    }

    #[test]
    fn implement_behind_tracks_is_refused() {
        let e = edit(|p| p.implement_m = [[0.5, -0.95], [0.5, 0.95]]).unwrap_err();
        assert!(e.to_string().contains("ahead of the footprint"), "{e}");
    }

    #[test]
    fn width_must_match_the_processing_line() {
        let e = edit(|p| p.working_width_m = 2.5).unwrap_err();
        assert!(e.to_string().contains("working_width_m"), "{e}");
    }

    #[test]
    fn bad_numbers_are_named() {
        for (field, f) in [
            (
                "lane_overlap_m",
                Box::new(|p: &mut MachineProfile| p.lane_overlap_m = -0.1) as Box<dyn FnOnce(&mut MachineProfile)>,
            ),
            (
                "clearing_speed_mps",
                Box::new(|p: &mut MachineProfile| p.clearing_speed_mps = f64::NAN),
            ),
            (
                "rotor_rpm_min",
                Box::new(|p: &mut MachineProfile| p.rotor_rpm_min = p.rotor_rpm_target + 1.0),
            ),
            (
                "footprint_m",
                Box::new(|p: &mut MachineProfile| p.footprint_m.truncate(2)),
            ),
        ] {
            let e = edit(f).unwrap_err().to_string();
            assert!(e.contains(field), "{field}: {e}");
        }
    }

    #[test]
    fn setpoints_beyond_the_vehicle_protocol_are_refused_with_the_dbc_range() {
        let e = edit(|p| p.rotor_rpm_target = 5000.0).unwrap_err().to_string();
        assert!(
            e.contains("rotor_rpm_target") && e.contains("5000") && e.contains("RotorSpeedSetpoint range 0–1200 rpm"),
            "{e}"
        );
        let e = edit(|p| p.depth_target_m = 0.8).unwrap_err().to_string();
        assert!(e.contains("DepthSetpoint range 0–0.5 m"), "{e}");
        let e = edit(|p| p.transit_speed_mps = 4.0).unwrap_err().to_string();
        assert!(e.contains("transit_speed_mps") && e.contains("-3–3 m/s"), "{e}");
        edit(|p| p.rotor_rpm_target = 1200.0).unwrap();
    }

    /// The tool's depth model comes from the profile (defaults 0.30 m up to 0.139 m/s); a target
    /// deeper than the tool reaches is refused naming both figures.
    #[test]
    fn depth_target_beyond_the_tool_is_refused() {
        let p = MachineProfile::default_profile();
        assert_eq!(
            (p.depth_max_m, p.full_depth_speed_mps),
            (0.30, 0.139),
            "documented defaults"
        );
        let e = edit(|p| p.depth_target_m = 0.35).unwrap_err().to_string();
        assert!(
            e.contains("depth_target_m") && e.contains("0.35") && e.contains("depth_max_m 0.300 m"),
            "{e}"
        );
        edit(|p| {
            p.depth_target_m = 0.35;
            p.depth_max_m = 0.4;
        })
        .unwrap();
        let e = edit(|p| p.full_depth_speed_mps = 0.0).unwrap_err().to_string();
        assert!(e.contains("full_depth_speed_mps"), "{e}");
    }

    #[test]
    fn unknown_fields_are_errors() {
        let text = format!("{DEFAULT_PROFILE_YAML}\nworking_widht_m: 2.0\n");
        let e = MachineProfile::from_yaml(&text, "typo.yaml").unwrap_err().to_string();
        assert!(e.contains("typo.yaml") && e.contains("working_widht_m"), "{e}");
    }
}
