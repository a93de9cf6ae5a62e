//! Errors of field loading: one variant per kind of problem, each message naming the file, the
//! feature (index in the `features` array, counted from 0, and its role), what is wrong and where
//! (`lat,lon` in WGS84 degrees of the offending vertex or intersection).

use crate::geodesy::LatLon;
use std::fmt;

/// The role of a feature in a field file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Hazardous area to process (Polygon or MultiPolygon; holes are obstacles).
    Hazard,
    /// Ground known to be safe (Polygon or MultiPolygon).
    Safe,
    /// Where the machine starts (Point).
    Start,
}

impl Role {
    /// The spelling used in `properties.role`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Hazard => "hazard",
            Role::Safe => "safe",
            Role::Start => "start",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A feature of the file and, inside a MultiPolygon, one of its polygons: `feature 2 (hazard)` or
/// `feature 2 (hazard) polygon 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeatureRef {
    /// Index in the `features` array, from 0.
    pub index: usize,
    pub role: Role,
    /// Index of the polygon inside a MultiPolygon; `None` for a Polygon or a Point.
    pub polygon: Option<usize>,
}

impl fmt::Display for FeatureRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "feature {} ({})", self.index, self.role)?;
        if let Some(p) = self.polygon {
            write!(f, " polygon {p}")?;
        }
        Ok(())
    }
}

/// A WGS84 position printed as `lat,lon` with 6 decimals (about 0.1 m).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Near(pub LatLon);

impl fmt::Display for Near {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.6},{:.6}", self.0.lat_deg, self.0.lon_deg)
    }
}

/// Why a field could not be loaded. Nothing is ever repaired: every problem is one of these.
#[derive(Debug, thiserror::Error)]
pub enum FieldError {
    #[error("{file}: cannot read: {source}")]
    Io { file: String, source: std::io::Error },

    #[error("{file}: field option `{name}` = {value}: {why}")]
    BadOption {
        file: String,
        name: &'static str,
        value: f64,
        why: &'static str,
    },

    #[error("{file}: line {line}, column {column}: not valid JSON: {msg}")]
    Json {
        file: String,
        line: usize,
        column: usize,
        msg: String,
    },

    #[error(
        "{file}: line {line}, column {column}: non-finite number (NaN, Infinity or too large); \
         GeoJSON coordinates must be finite decimal numbers"
    )]
    NonFiniteNumber { file: String, line: usize, column: usize },

    #[error("{file}: not a GeoJSON FeatureCollection: {found}")]
    NotFeatureCollection { file: String, found: String },

    /// The GeoJSON structure is wrong; `feature` reads `feature 3` or `feature 3 (hazard) polygon 1`.
    #[error("{file}: {feature}: {what}")]
    Malformed {
        file: String,
        feature: String,
        what: String,
    },

    #[error("{file}: feature {index}: no `role` property; expected \"hazard\", \"safe\" or \"start\"")]
    MissingRole { file: String, index: usize },

    #[error("{file}: feature {index}: unknown role {role}; expected \"hazard\", \"safe\" or \"start\"")]
    UnknownRole { file: String, index: usize, role: String },

    #[error("{file}: {at}: geometry is {found}, a {} feature needs {expected}", at.role)]
    WrongGeometry {
        file: String,
        at: FeatureRef,
        found: String,
        expected: &'static str,
    },

    #[error(
        "{file}: no hazard feature ({features} features in the collection); a field needs at least one \
             Feature with \"role\": \"hazard\""
    )]
    NoHazard { file: String, features: usize },

    #[error("{file}: features {first} and {second} are both `start` points; give at most one")]
    DuplicateStart { file: String, first: usize, second: usize },

    #[error(
        "{file}: {at}: {position}: coordinate [{lon}, {lat}] (lon, lat) is out of range \
             (|lon| <= 180, |lat| <= 90){hint}"
    )]
    OutOfRange {
        file: String,
        at: FeatureRef,
        position: String,
        lon: f64,
        lat: f64,
        hint: &'static str,
    },

    #[error("{file}: {at}: {position}: coordinate [{lon}, {lat}] is not a finite number")]
    NonFiniteCoordinate {
        file: String,
        at: FeatureRef,
        position: String,
        lon: f64,
        lat: f64,
    },

    #[error(
        "{file}: {at}: ring {ring} is not closed: first position {first} differs from last {last} \
             (GeoJSON rings repeat the first position at the end)"
    )]
    UnclosedRing {
        file: String,
        at: FeatureRef,
        ring: usize,
        first: Near,
        last: Near,
    },

    #[error("{file}: {at}: ring {ring} has {distinct} distinct vertices near {near}; a ring needs at least 3")]
    TooFewVertices {
        file: String,
        at: FeatureRef,
        ring: usize,
        distinct: usize,
        near: Near,
    },

    #[error("{file}: {at}: ring {ring} self-intersects near {near}")]
    SelfIntersection {
        file: String,
        at: FeatureRef,
        ring: usize,
        near: Near,
    },

    #[error(
        "{file}: {at}: hole (ring {ring}) {how} the outer ring near {near}; obstacles must lie strictly \
             inside the hazard (draw an obstacle on the boundary as a notch in the outer ring)"
    )]
    HoleOutsideShell {
        file: String,
        at: FeatureRef,
        ring: usize,
        how: &'static str,
        near: Near,
    },

    #[error(
        "{file}: {at}: holes (rings {ring_a} and {ring_b}) {how} near {near}; obstacles must not overlap \
             or touch (draw touching obstacles as one ring)"
    )]
    HolesOverlap {
        file: String,
        at: FeatureRef,
        ring_a: usize,
        ring_b: usize,
        how: &'static str,
        near: Near,
    },

    #[error("{file}: {at}: {what} has an area of {area_m2:.3} m² near {near}, below the minimum of {min_m2} m²")]
    ZeroArea {
        file: String,
        at: FeatureRef,
        what: String,
        area_m2: f64,
        min_m2: f64,
        near: Near,
    },

    #[error(
        "{file}: {a} and {b} overlap by {area_m2:.2} m² near {near}; hazard polygons must not overlap \
             (touching is fine)"
    )]
    HazardsOverlap {
        file: String,
        a: FeatureRef,
        b: FeatureRef,
        area_m2: f64,
        near: Near,
    },

    #[error(
        "{file}: {safe} overlaps {hazard} (or its obstacles) by {area_m2:.2} m² near {near}; safe ground \
             must lie outside the hazard (touching is fine)"
    )]
    SafeOverlapsHazard {
        file: String,
        safe: FeatureRef,
        hazard: FeatureRef,
        area_m2: f64,
        near: Near,
    },

    #[error(
        "{file}: hazard area {area_m2:.0} m² exceeds the limit of {max_m2:.0} m²; if the task really is \
             this large, raise the limit (`max_area_m2` in FieldOptions)"
    )]
    TooLarge { file: String, area_m2: f64, max_m2: f64 },

    #[error(
        "{file}: {at}: {position} at {near} is {distance_km:.1} km from the middle of the hazard (the median of its \
         outer-ring vertices); every coordinate must lie within {limit_km:.0} km of it (wrong or swapped coordinates?)"
    )]
    TooFar {
        file: String,
        at: FeatureRef,
        position: String,
        near: Near,
        distance_km: f64,
        limit_km: f64,
    },

    #[error("{file}: {at}: start point is not on safe ground near {near}: it lies {why}")]
    StartNotSafe {
        file: String,
        at: FeatureRef,
        near: Near,
        why: String,
    },
}
