//! Fields: the hazardous area, the safe area and the start point, loaded from GeoJSON and projected
//! to the local ENU frame.
//!
//! Every geometry inside a [`Field`] is in the local `map` frame (ENU metres from [`Field::datum`]);
//! WGS84 coordinates only exist in the GeoJSON files and in [`crate::geodesy`].

use crate::geodesy::Datum;
use geo::{MultiPolygon, Point};

/// Options of field loading, with their defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldOptions {
    /// Width of the band outside the hazard taken as safe when the field has no `safe` feature, metres.
    pub safe_margin_m: f64,
    /// Largest hazard area accepted, m² (10 km² by default; raise it explicitly for bigger tasks).
    pub max_area_m2: f64,
}

impl Default for FieldOptions {
    fn default() -> Self {
        Self {
            safe_margin_m: 20.0,
            max_area_m2: 10.0e6,
        }
    }
}

/// Where the safe area came from.
#[derive(Clone, Debug, PartialEq)]
pub enum SafeSource {
    /// `safe` features in the file.
    Given,
    /// No `safe` feature: the band of this width outside the hazard is taken as safe.
    DefaultBand { margin_m: f64 },
}

/// A validated field in the local ENU frame.
#[derive(Clone, Debug)]
pub struct Field {
    /// The file (or label) it came from, for messages.
    pub source: String,
    /// Origin of the local frame.
    pub datum: Datum,
    /// Hazardous area to process; interior rings are obstacles the machine must never enter.
    pub hazard: MultiPolygon<f64>,
    /// Ground the machine may stand on from the start (never overlapping the hazard or its obstacles).
    pub safe: MultiPolygon<f64>,
    pub safe_source: SafeSource,
    /// Where the machine is, if given.
    pub start: Option<Point<f64>>,
}

impl Field {
    /// The obstacles (interior rings of the hazard) as polygons.
    pub fn obstacles(&self) -> MultiPolygon<f64> {
        MultiPolygon::new(
            self.hazard
                .0
                .iter()
                .flat_map(|p| p.interiors().iter().map(|r| geo::Polygon::new(r.clone(), vec![])))
                .collect(),
        )
    }
}
