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
    /// The file cannot be read.
    #[error("{file}: cannot read: {source}")]
    Io { file: String, source: std::io::Error },

    /// A [`super::FieldOptions`] value is out of range (≤ 0, NaN, infinite, or absurd).
    #[error("{file}: option --{} (`{name}`) = {value}: {why}", name.replace('_', "-"))]
    BadOption {
        file: String,
        name: &'static str,
        value: f64,
        why: &'static str,
    },

    /// The text is not JSON (`line`, `column` from 1).
    #[error("{file}: line {line}, column {column}: not valid JSON: {msg}")]
    Json {
        file: String,
        line: usize,
        column: usize,
        msg: String,
    },

    /// A NaN or Infinity literal, or a number too large for f64: JSON cannot carry these.
    #[error(
        "{file}: line {line}, column {column}: non-finite number (NaN, Infinity or too large); \
         GeoJSON coordinates must be finite decimal numbers"
    )]
    NonFiniteNumber { file: String, line: usize, column: usize },

    /// An old-style `crs` member names something other than WGS84 longitude/latitude.
    #[error(
        "{file}: the file declares the coordinate reference system {crs}; fields must be RFC 7946 GeoJSON in \
             WGS84 [lon, lat] degrees (export as EPSG:4326 / CRS84)"
    )]
    UnsupportedCrs { file: String, crs: String },

    /// The top level is not a FeatureCollection with a `features` array.
    #[error("{file}: not a GeoJSON FeatureCollection: {found}")]
    NotFeatureCollection { file: String, found: String },

    /// The GeoJSON structure is wrong; `feature` reads `feature 3` or `feature 3 (hazard) polygon 1`.
    #[error("{file}: {feature}: {what}")]
    Malformed {
        file: String,
        feature: String,
        what: String,
    },

    /// A feature has no `properties.role`.
    #[error("{file}: feature {index}: no `role` property; expected \"hazard\", \"safe\" or \"start\"")]
    MissingRole { file: String, index: usize },

    /// `properties.role` is not `hazard`, `safe` or `start`.
    #[error("{file}: feature {index}: unknown role {role}; expected \"hazard\", \"safe\" or \"start\"")]
    UnknownRole { file: String, index: usize, role: String },

    /// The geometry type does not fit the role.
    #[error("{file}: {at}: geometry is {found}, a {} feature needs {expected}", at.role)]
    WrongGeometry {
        file: String,
        at: FeatureRef,
        found: String,
        expected: &'static str,
    },

    /// No feature has the role `hazard`.
    #[error(
        "{file}: no hazard feature ({features} features in the collection); a field needs at least one \
             Feature with \"role\": \"hazard\""
    )]
    NoHazard { file: String, features: usize },

    /// More than one `start` point.
    #[error("{file}: features {first} and {second} are both `start` points; give at most one")]
    DuplicateStart { file: String, first: usize, second: usize },

    /// |lon| > 180 or |lat| > 90; `hint` suggests swapped axes or projected coordinates.
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

    /// A coordinate is not a finite number.
    #[error("{file}: {at}: {position}: coordinate [{lon}, {lat}] is not a finite number")]
    NonFiniteCoordinate {
        file: String,
        at: FeatureRef,
        position: String,
        lon: f64,
        lat: f64,
    },

    /// A ring's last position differs from its first.
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

    /// A ring with fewer than 3 distinct vertices.
    #[error("{file}: {at}: ring {ring} has {distinct} distinct vertices near {near}; a ring needs at least 3")]
    TooFewVertices {
        file: String,
        at: FeatureRef,
        ring: usize,
        distinct: usize,
        near: Near,
    },

    /// A ring crosses or touches itself.
    #[error("{file}: {at}: ring {ring} self-intersects near {near}")]
    SelfIntersection {
        file: String,
        at: FeatureRef,
        ring: usize,
        near: Near,
    },

    /// A hole (obstacle) is not strictly inside its outer ring.
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

    /// Two holes (obstacles) of one polygon cross, touch or nest.
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

    /// A ring or polygon encloses (almost) no area.
    #[error("{file}: {at}: {what} has an area of {area_m2:.3} m² near {near}, below the minimum of {min_m2} m²")]
    ZeroArea {
        file: String,
        at: FeatureRef,
        what: String,
        area_m2: f64,
        min_m2: f64,
        near: Near,
    },

    /// Two hazard polygons overlap (or one lies in another's obstacle).
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

    /// A safe polygon overlaps a hazard polygon or its obstacles.
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

    /// The hazard is larger than [`super::FieldOptions::max_area_m2`].
    #[error(
        "{file}: hazard area {area_m2:.0} m² exceeds the limit of {max_m2:.0} m²; if the task really is \
             this large, raise the limit with --max-area-m2"
    )]
    TooLarge { file: String, area_m2: f64, max_m2: f64 },

    /// A coordinate lies implausibly far from the rest of the hazard.
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

    /// The field's longitudes lie on both sides of ±180°: the local frame would be centred on the
    /// wrong side of the Earth, so such fields are refused.
    #[error(
        "{file}: the field crosses the antimeridian (longitude ±180°): its positions run from longitude {west_deg} \
         to {east_deg}; fields crossing it are not supported: split the task at 180° into one field per side"
    )]
    CrossesAntimeridian { file: String, west_deg: f64, east_deg: f64 },

    /// The start point is not on safe ground.
    #[error("{file}: {at}: start point is not on safe ground near {near}: it lies {why}")]
    StartNotSafe {
        file: String,
        at: FeatureRef,
        near: Near,
        why: String,
    },
}
