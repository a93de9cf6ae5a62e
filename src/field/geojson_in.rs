//! Reading a field from GeoJSON (RFC 7946, WGS84 `[lon, lat]`): [`load`] a file or [`parse`] text.
//!
//! The file is a FeatureCollection whose features carry `properties.role`:
//! - `hazard`: Polygon or MultiPolygon, at least one; holes are obstacles; several are unioned and
//!   must not overlap each other;
//! - `safe`: Polygon or MultiPolygon, optional; must not overlap the hazard (touching is fine);
//! - `start`: Point, at most one; must lie on safe ground.
//!
//! The local frame's datum is the centre of the bounding box (in degrees) of the hazard's outer-ring
//! positions, at height 0 on the ellipsoid; every position is projected with
//! [`Datum::to_enu_2d`]. Both ring orientations are accepted and normalised (outer counter-clockwise,
//! holes clockwise), and repeated consecutive positions are dropped (they describe the same ring);
//! nothing else is changed: any other problem is a [`FieldError`].

use super::compose::{self, Part};
pub use super::error::FieldError;
use super::error::{FeatureRef, Near, Role};
use super::raw::{read_collection, LonLat, RawFeature, RawGeometry};
use super::validate::{self, Ctx};
use super::{Field, FieldOptions, SafeSource};
use crate::geodesy::{Datum, LatLon};
use geo::coordinate_position::CoordPos;
use geo::{Coord, CoordinatePosition, MultiPolygon, Point};
use serde_json::Value;
use std::path::Path;

/// Every coordinate must lie within this distance of the middle of the hazard (the component-wise
/// median of its outer-ring vertices, robust to a stray vertex), metres: a coordinate farther away is a
/// typo, and the tangent plane stays accurate to a fraction of a millimetre per metre within it.
pub const MAX_DISTANCE_FROM_HAZARD_M: f64 = 50_000.0;
/// Largest accepted `safe_margin_m`, metres.
pub const MAX_SAFE_MARGIN_M: f64 = 1_000.0;

/// Loads and validates the field in the GeoJSON file `path`; messages name the file as given.
pub fn load(path: &Path, opts: &FieldOptions) -> Result<Field, FieldError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| FieldError::Io {
        file: file.clone(),
        source,
    })?;
    parse(&text, &file, opts)
}

/// Parses and validates a field from GeoJSON `text`; `source` names it in messages (usually the path).
///
/// # Units
/// Input in WGS84 degrees; every geometry of the returned [`Field`] is in ENU metres from its datum.
/// `opts.safe_margin_m` in metres, `opts.max_area_m2` in square metres.
pub fn parse(text: &str, source: &str, opts: &FieldOptions) -> Result<Field, FieldError> {
    check_options(source, opts)?;
    if text.starts_with('\u{feff}') {
        return Err(FieldError::Json {
            file: source.to_string(),
            line: 1,
            column: 1,
            msg: "the file starts with a UTF-8 byte-order mark (BOM), which JSON does not allow: \
                  save it as UTF-8 without BOM"
                .into(),
        });
    }
    let value: Value = serde_json::from_str(text).map_err(|e| json_error(source, text, &e))?;
    let features = read_collection(source, &value)?;

    let hazards: Vec<&RawFeature> = features.iter().filter(|f| f.role == Role::Hazard).collect();
    if hazards.is_empty() {
        return Err(FieldError::NoHazard {
            file: source.to_string(),
            features: features.len(),
        });
    }
    check_antimeridian(source, &features)?;
    check_spread(source, &features, &hazards)?;
    let datum = datum_of(&hazards);
    let ctx = Ctx {
        file: source,
        datum: &datum,
    };

    let mut hazard_parts: Vec<Part> = Vec::new();
    let mut safe_parts: Vec<Part> = Vec::new();
    let mut start = None;
    for f in &features {
        match &f.geometry {
            RawGeometry::Polygons { polygons, multi } => {
                for (p, rings) in polygons.iter().enumerate() {
                    let at = FeatureRef {
                        index: f.index,
                        role: f.role,
                        polygon: multi.then_some(p),
                    };
                    let enu = rings.iter().map(|r| project_ring(&datum, r)).collect();
                    let poly = validate::polygon(&ctx, at, enu)?;
                    match f.role {
                        Role::Hazard => hazard_parts.push((at, poly)),
                        _ => safe_parts.push((at, poly)),
                    }
                }
            }
            RawGeometry::Point(ll) => {
                let at = FeatureRef {
                    index: f.index,
                    role: f.role,
                    polygon: None,
                };
                start = Some((at, project(&datum, *ll)));
            }
        }
    }

    let hazard = compose::hazard(&ctx, &hazard_parts, opts.max_area_m2)?;
    let (safe, safe_source) = if safe_parts.is_empty() {
        let margin_m = opts.safe_margin_m;
        tracing::info!(
            file = source,
            margin_m,
            "no `safe` feature: the {margin_m} m band around the hazard is safe"
        );
        (
            compose::safe_band(&hazard, margin_m),
            SafeSource::DefaultBand { margin_m },
        )
    } else {
        (
            compose::safe_given(&ctx, &safe_parts, &hazard_parts)?,
            SafeSource::Given,
        )
    };
    if let Some((at, c)) = start {
        start_is_safe(&ctx, at, c, &hazard, &safe)?;
    }
    Ok(Field {
        source: source.to_string(),
        datum,
        hazard,
        safe,
        safe_source,
        start: start.map(|(_, c)| Point(c)),
    })
}

fn check_options(file: &str, opts: &FieldOptions) -> Result<(), FieldError> {
    let bad = |name, value, why| {
        Err(FieldError::BadOption {
            file: file.to_string(),
            name,
            value,
            why,
        })
    };
    let m = opts.safe_margin_m;
    if !m.is_finite() || m <= 0.0 || m > MAX_SAFE_MARGIN_M {
        return bad(
            "safe_margin_m",
            m,
            "must be a number of metres above 0 and at most 1000",
        );
    }
    let a = opts.max_area_m2;
    if !a.is_finite() || a <= 0.0 {
        return bad("max_area_m2", a, "must be a finite number of square metres above 0");
    }
    Ok(())
}

/// A JSON syntax error, telling non-finite numbers (which JSON cannot carry) apart.
fn json_error(file: &str, text: &str, e: &serde_json::Error) -> FieldError {
    let (line, column) = (e.line(), e.column());
    let msg = e.to_string();
    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
    if msg.contains("number out of range") || non_finite_token_at(text, line, column) {
        return FieldError::NonFiniteNumber {
            file: file.to_string(),
            line,
            column,
        };
    }
    FieldError::Json {
        file: file.to_string(),
        line,
        column,
        msg,
    }
}

/// True when the token around `line`:`column` (1-based, as serde_json counts) reads like NaN or Infinity.
fn non_finite_token_at(text: &str, line: usize, column: usize) -> bool {
    let Some(l) = text.lines().nth(line.saturating_sub(1)) else {
        return false;
    };
    let b = l.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'-' || c == b'+' || c == b'.';
    let mut s = column.saturating_sub(1).min(b.len());
    while s > 0 && word(b[s - 1]) {
        s -= 1;
    }
    let e = (s..b.len()).find(|&i| !word(b[i])).unwrap_or(b.len());
    let token = String::from_utf8_lossy(&b[s..e]).to_ascii_lowercase();
    let token = token.trim_start_matches(['-', '+']);
    matches!(token, "nan" | "inf" | "infinity")
}

/// The datum: centre of the bounding box (degrees) of all hazard outer-ring positions, height 0.
fn datum_of(hazards: &[&RawFeature]) -> Datum {
    let (mut lon0, mut lon1, mut lat0, mut lat1) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for p in hazards.iter().flat_map(|f| f.outer_positions()) {
        (lon0, lon1, lat0, lat1) = (lon0.min(p.lon), lon1.max(p.lon), lat0.min(p.lat), lat1.max(p.lat));
    }
    Datum::new(LatLon::new((lat0 + lat1) / 2.0, (lon0 + lon1) / 2.0))
}

fn project(datum: &Datum, p: LonLat) -> Coord<f64> {
    let (x, y) = datum.to_enu_2d(LatLon::new(p.lat, p.lon));
    Coord { x, y }
}

/// A closed ring in ENU metres, without repeated consecutive positions (they describe the same ring).
fn project_ring(datum: &Datum, ring: &[LonLat]) -> Vec<Coord<f64>> {
    let mut ring = ring.to_vec();
    ring.dedup();
    if ring.len() == 1 {
        ring.push(ring[0]);
    }
    ring.iter().map(|p| project(datum, *p)).collect()
}

/// Positions on both sides of ±180° (a spread of longitudes above 180°, impossible for any field
/// within [`MAX_DISTANCE_FROM_HAZARD_M`]) mean the field crosses the antimeridian: refused, naming
/// the longitudes nearest to it on each side.
fn check_antimeridian(file: &str, features: &[RawFeature]) -> Result<(), FieldError> {
    let lons: Vec<f64> = features
        .iter()
        .flat_map(|f| f.positions())
        .map(|(_, _, p)| p.lon)
        .collect();
    let (lo, hi) = lons
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &l| (a.min(l), b.max(l)));
    if hi - lo > 180.0 {
        // the eastern side's westmost longitude and the western side's eastmost one
        let east_side = lons.iter().copied().filter(|l| *l > 0.0).fold(f64::INFINITY, f64::min);
        let west_side = lons
            .iter()
            .copied()
            .filter(|l| *l <= 0.0)
            .fold(f64::NEG_INFINITY, f64::max);
        return Err(FieldError::CrossesAntimeridian {
            file: file.to_string(),
            west_deg: east_side,
            east_deg: west_side,
        });
    }
    Ok(())
}

/// Every position of every feature lies within [`MAX_DISTANCE_FROM_HAZARD_M`] of the middle of the
/// hazard; the first one that does not is named.
fn check_spread(file: &str, features: &[RawFeature], hazards: &[&RawFeature]) -> Result<(), FieldError> {
    let outer: Vec<LonLat> = hazards.iter().flat_map(|f| f.outer_positions()).collect();
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let middle = Datum::new(LatLon::new(
        median(outer.iter().map(|p| p.lat).collect()),
        median(outer.iter().map(|p| p.lon).collect()),
    ));
    for f in features {
        for (at, position, p) in f.positions() {
            let ll = LatLon::new(p.lat, p.lon);
            let (x, y) = middle.to_enu_2d(ll);
            let d = x.hypot(y);
            if !d.is_finite() || d > MAX_DISTANCE_FROM_HAZARD_M {
                return Err(FieldError::TooFar {
                    file: file.to_string(),
                    at,
                    position,
                    near: Near(ll),
                    distance_km: d / 1000.0,
                    limit_km: MAX_DISTANCE_FROM_HAZARD_M / 1000.0,
                });
            }
        }
    }
    Ok(())
}

/// The start point must lie on safe ground (inside or on the boundary of the safe area).
fn start_is_safe(
    ctx: &Ctx,
    at: FeatureRef,
    c: Coord<f64>,
    hazard: &MultiPolygon<f64>,
    safe: &MultiPolygon<f64>,
) -> Result<(), FieldError> {
    if safe.coordinate_position(&c) != CoordPos::Outside {
        return Ok(());
    }
    let in_shell = hazard
        .0
        .iter()
        .any(|p| compose::shell(p).coordinate_position(&c) != CoordPos::Outside);
    let why = match (in_shell, hazard.coordinate_position(&c) != CoordPos::Outside) {
        (true, true) => "inside the hazard".to_string(),
        (true, false) => "inside an obstacle".to_string(),
        _ => "outside the safe area".to_string(),
    };
    Err(FieldError::StartNotSafe {
        file: ctx.file.to_string(),
        at,
        near: ctx.near(c),
        why,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, BooleanOps, Winding};
    use proptest::prelude::*;
    use serde_json::json;

    const FILE: &str = "field.geojson";

    /// WGS84 `[lon, lat]` of a point `e`, `n` metres from 39.80 N, 46.75 E.
    fn ll(e: f64, n: f64) -> [f64; 2] {
        let p = Datum::new(LatLon::new(39.80, 46.75)).to_latlon_2d(e, n);
        [p.lon_deg, p.lat_deg]
    }

    /// A closed ring from ENU metres.
    fn ring(pts: &[(f64, f64)]) -> Value {
        let mut v: Vec<[f64; 2]> = pts.iter().map(|&(e, n)| ll(e, n)).collect();
        v.push(v[0]);
        json!(v)
    }

    fn rect(e0: f64, n0: f64, e1: f64, n1: f64) -> Vec<(f64, f64)> {
        vec![(e0, n0), (e1, n0), (e1, n1), (e0, n1)]
    }

    fn polygon(rings: &[Vec<(f64, f64)>]) -> Value {
        json!({"type": "Polygon", "coordinates": rings.iter().map(|r| ring(r)).collect::<Vec<_>>()})
    }

    fn feature(role: &str, geometry: Value) -> Value {
        json!({"type": "Feature", "properties": {"role": role}, "geometry": geometry})
    }

    fn point(e: f64, n: f64) -> Value {
        json!({"type": "Point", "coordinates": ll(e, n)})
    }

    fn collection(features: Vec<Value>) -> String {
        serde_json::to_string_pretty(&json!({"type": "FeatureCollection", "features": features})).unwrap()
    }

    fn ok(text: &str) -> Field {
        parse(text, FILE, &FieldOptions::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn err_with(text: &str, opts: &FieldOptions) -> String {
        match parse(text, FILE, opts) {
            Ok(_) => panic!("accepted: {text}"),
            Err(e) => e.to_string(),
        }
    }

    fn err(text: &str) -> String {
        err_with(text, &FieldOptions::default())
    }

    /// The `lat,lon` after "near " in a message.
    fn near_of(msg: &str) -> (f64, f64) {
        let s = msg
            .split("near ")
            .nth(1)
            .unwrap_or_else(|| panic!("no position in: {msg}"));
        let mut it = s.split([',', ';', ' ', ':']).map(|x| x.parse::<f64>().unwrap());
        (it.next().unwrap(), it.next().unwrap())
    }

    fn assert_near(msg: &str, e: f64, n: f64) {
        let (lat, lon) = near_of(msg);
        let want = ll(e, n);
        assert!(
            (lat - want[1]).abs() < 2e-6 && (lon - want[0]).abs() < 2e-6,
            "{msg}: want {want:?}"
        );
    }

    fn hazard_rect() -> Value {
        feature("hazard", polygon(&[rect(0.0, 0.0, 100.0, 50.0)]))
    }

    #[test]
    fn a_100_by_50_m_rectangle_is_5000_m2_with_the_default_band() {
        let f = ok(&collection(vec![hazard_rect()]));
        assert!(
            (f.hazard.unsigned_area() - 5000.0).abs() < 0.01,
            "{}",
            f.hazard.unsigned_area()
        );
        assert_eq!(f.safe_source, SafeSource::DefaultBand { margin_m: 20.0 });
        // 2·20·(100 + 50) plus a disc of radius 20 (a little less as a polygon).
        let want = 6000.0 + std::f64::consts::PI * 400.0;
        assert!(
            (f.safe.unsigned_area() - want).abs() < 0.01 * want,
            "{}",
            f.safe.unsigned_area()
        );
        assert!(f.safe.intersection(&f.hazard).unsigned_area() < 0.01);
        assert!(f.start.is_none() && f.obstacles().0.is_empty());
        assert_eq!(f.source, FILE);
    }

    #[test]
    fn the_datum_is_the_centre_of_the_hazard_bounding_box() {
        let f = ok(&collection(vec![hazard_rect()]));
        let (lo, hi) = (ll(0.0, 0.0), ll(100.0, 50.0));
        assert!((f.datum.origin.lon_deg - (lo[0] + hi[0]) / 2.0).abs() < 1e-12);
        assert!((f.datum.origin.lat_deg - (lo[1] + hi[1]) / 2.0).abs() < 1e-12);
        assert_eq!(f.datum.origin.alt_m, 0.0);
    }

    #[test]
    fn both_ring_orientations_are_accepted_and_normalised() {
        let mut cw = rect(0.0, 0.0, 100.0, 50.0);
        cw.reverse();
        let hole_ccw = rect(40.0, 20.0, 50.0, 30.0);
        for outer in [rect(0.0, 0.0, 100.0, 50.0), cw] {
            let f = ok(&collection(vec![feature(
                "hazard",
                polygon(&[outer, hole_ccw.clone()]),
            )]));
            let p = &f.hazard.0[0];
            assert!(p.exterior().is_ccw() && p.interiors()[0].is_cw());
            assert!((f.hazard.unsigned_area() - 4900.0).abs() < 0.01);
        }
    }

    #[test]
    fn multipolygon_and_several_hazard_features_are_unioned() {
        let mp = json!({"type": "MultiPolygon", "coordinates": [
            [ring(&rect(0.0, 0.0, 50.0, 50.0))], [ring(&rect(100.0, 0.0, 150.0, 50.0))]]});
        let f = ok(&collection(vec![feature("hazard", mp.clone())]));
        assert_eq!(f.hazard.0.len(), 2);
        assert!((f.hazard.unsigned_area() - 5000.0).abs() < 0.01);
        // A third, touching feature joins them into one polygon.
        let bridge = feature("hazard", polygon(&[rect(50.0, 10.0, 100.0, 40.0)]));
        let f = ok(&collection(vec![feature("hazard", mp), bridge]));
        assert_eq!(f.hazard.0.len(), 1);
        assert!((f.hazard.unsigned_area() - 6500.0).abs() < 0.01);
    }

    #[test]
    fn obstacles_are_kept_and_never_safe() {
        let f = ok(&collection(vec![feature(
            "hazard",
            polygon(&[
                rect(0.0, 0.0, 100.0, 50.0),
                rect(10.0, 10.0, 20.0, 18.0),
                rect(60.0, 20.0, 66.0, 26.0),
            ]),
        )]));
        let obstacles = f.obstacles();
        assert_eq!(obstacles.0.len(), 2);
        assert!((obstacles.unsigned_area() - 116.0).abs() < 0.01);
        assert!(f.safe.intersection(&obstacles).unsigned_area() < 1e-6);
        let want = 6000.0 + std::f64::consts::PI * 400.0;
        assert!((f.safe.unsigned_area() - want).abs() < 0.01 * want);
    }

    #[test]
    fn given_safe_area_and_start() {
        let road = feature("safe", polygon(&[rect(-20.0, -8.0, 120.0, 0.0)]));
        let f = ok(&collection(vec![
            hazard_rect(),
            road,
            feature("start", point(-10.0, -4.0)),
        ]));
        assert_eq!(f.safe_source, SafeSource::Given);
        assert!((f.safe.unsigned_area() - 1120.0).abs() < 0.01);
        let s = f.start.unwrap();
        let back = f.datum.to_latlon_2d(s.x(), s.y());
        let want = ll(-10.0, -4.0);
        assert!((back.lon_deg - want[0]).abs() < 1e-9 && (back.lat_deg - want[1]).abs() < 1e-9);
    }

    #[test]
    fn safe_area_apart_from_the_hazard_is_fine() {
        let parking = feature("safe", polygon(&[rect(-40.0, -40.0, -15.0, -15.0)]));
        let f = ok(&collection(vec![
            hazard_rect(),
            parking,
            feature("start", point(-30.0, -30.0)),
        ]));
        assert!((f.safe.unsigned_area() - 625.0).abs() < 0.01);
    }

    #[test]
    fn malformed_json_names_line_and_column() {
        let e = err("{\"type\": \"FeatureCollection\",\n \"features\": [}");
        assert!(e.starts_with("field.geojson: line 2, column 15: not valid JSON"), "{e}");
    }

    #[test]
    fn non_finite_numbers_are_named() {
        let valid = collection(vec![hazard_rect()]);
        let lon = format!("{}", ll(0.0, 0.0)[0]);
        for bad in ["NaN", "-Infinity", "Infinity", "1e999", "nan", "-inf"] {
            let text = valid.replacen(&lon, bad, 1);
            let e = err(&text);
            assert!(e.starts_with("field.geojson: line "), "{bad}: {e}");
            assert!(e.contains("non-finite number"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_bare_word_is_not_taken_for_nan() {
        let e = err(r#"{"type": "FeatureCollection", "features": [infantry]}"#);
        assert!(e.contains("not valid JSON: expected value"), "{e}");
    }

    #[test]
    fn structural_errors() {
        let cases: Vec<(String, &str)> = vec![
            (json!({"type": "Feature"}).to_string(), "field.geojson: not a GeoJSON FeatureCollection"),
            ("[1, 2]".into(), "not a GeoJSON FeatureCollection: the file holds an array"),
            (json!({"type": "FeatureCollection"}).to_string(), "no `features` array"),
            (collection(vec![]), "field.geojson: no hazard feature (0 features"),
            (collection(vec![feature("safe", polygon(&[rect(0.0, 0.0, 9.0, 9.0)]))]), "no hazard feature (1 features"),
            (collection(vec![hazard_rect(), json!(3)]), "field.geojson: feature 1: is the number 3, not a Feature"),
            (
                collection(vec![json!({"type": "Feature", "properties": {}, "geometry": null})]),
                "field.geojson: feature 0: no `role` property",
            ),
            (
                collection(vec![hazard_rect(), json!({"type": "Feature", "properties": null, "geometry": null})]),
                "field.geojson: feature 1: no `role` property",
            ),
            (
                collection(vec![hazard_rect(), feature("danger", point(0.0, 0.0))]),
                "field.geojson: feature 1: unknown role \"danger\"",
            ),
            (
                collection(vec![json!({"type": "Feature", "properties": {"role": 3}, "geometry": null})]),
                "feature 0: unknown role 3",
            ),
            (
                collection(vec![feature("hazard", point(0.0, 0.0))]),
                "field.geojson: feature 0 (hazard): geometry is Point, a hazard feature needs a Polygon or MultiPolygon",
            ),
            (
                collection(vec![hazard_rect(), feature("start", polygon(&[rect(0.0, 0.0, 9.0, 9.0)]))]),
                "feature 1 (start): geometry is Polygon, a start feature needs a Point",
            ),
            (
                collection(vec![json!({"type": "Feature", "properties": {"role": "hazard"}, "geometry": null})]),
                "field.geojson: feature 0 (hazard): has no geometry",
            ),
            (
                collection(vec![feature("hazard", json!({"type": "Polygon", "coordinates": [[[46.75, "x"]]]}))]),
                "feature 0 (hazard): ring 0 vertex 0: expected [lon, lat] or [lon, lat, alt], found [46.75,\"x\"]",
            ),
            (
                collection(vec![feature("hazard", json!({"type": "Polygon", "coordinates": []}))]),
                "feature 0 (hazard): polygon has no rings",
            ),
            (
                collection(vec![feature("hazard", json!({"type": "MultiPolygon", "coordinates": []}))]),
                "feature 0 (hazard): MultiPolygon has no polygons",
            ),
            (
                collection(vec![hazard_rect(), feature("start", point(-5.0, -5.0)), feature("start", point(-6.0, -5.0))]),
                "field.geojson: features 1 and 2 are both `start` points",
            ),
        ];
        for (text, want) in cases {
            let e = err(&text);
            assert!(e.contains(want), "want {want:?}, got: {e}");
        }
    }

    #[test]
    fn a_declared_crs_must_be_wgs84() {
        let mut v: Value = serde_json::from_str(&collection(vec![hazard_rect()])).unwrap();
        v["crs"] = json!({"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32638"}});
        let e = err(&v.to_string());
        assert!(
            e.starts_with("field.geojson: the file declares the coordinate reference system"),
            "{e}"
        );
        assert!(e.contains("EPSG::32638"), "{e}");
        v["crs"] = json!({"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}});
        ok(&v.to_string());
    }

    #[test]
    fn unclosed_ring() {
        let mut open = vec![ll(0.0, 0.0), ll(100.0, 0.0), ll(100.0, 50.0), ll(0.0, 50.0)];
        let text = collection(vec![feature(
            "hazard",
            json!({"type": "Polygon", "coordinates": [open.clone()]}),
        )]);
        let e = err(&text);
        assert!(
            e.starts_with("field.geojson: feature 0 (hazard): ring 0 is not closed"),
            "{e}"
        );
        open.push(open[0]);
        ok(&collection(vec![feature(
            "hazard",
            json!({"type": "Polygon", "coordinates": [open]}),
        )]));
    }

    #[test]
    fn self_intersecting_ring_is_located() {
        let bow_tie = vec![(0.0, 0.0), (100.0, 50.0), (100.0, 0.0), (0.0, 50.0)];
        let e = err(&collection(vec![hazard_rect(), feature("hazard", polygon(&[bow_tie]))]));
        assert!(
            e.starts_with("field.geojson: feature 1 (hazard): ring 0 self-intersects near 39.8"),
            "{e}"
        );
        assert_near(&e, 50.0, 25.0);
    }

    #[test]
    fn multipolygon_errors_name_the_polygon() {
        let bow_tie = vec![(200.0, 0.0), (300.0, 50.0), (300.0, 0.0), (200.0, 50.0)];
        let mp =
            json!({"type": "MultiPolygon", "coordinates": [[ring(&rect(0.0, 0.0, 50.0, 50.0))], [ring(&bow_tie)]]});
        let e = err(&collection(vec![feature("hazard", mp)]));
        assert!(
            e.starts_with("field.geojson: feature 0 (hazard) polygon 1: ring 0 self-intersects"),
            "{e}"
        );
        assert_near(&e, 250.0, 25.0);
    }

    #[test]
    fn holes_outside_crossing_and_overlapping() {
        let outer = rect(0.0, 0.0, 100.0, 50.0);
        let e = err(&collection(vec![feature(
            "hazard",
            polygon(&[outer.clone(), rect(120.0, 10.0, 130.0, 20.0)]),
        )]));
        assert!(
            e.starts_with("field.geojson: feature 0 (hazard): hole (ring 1) lies outside the outer ring near"),
            "{e}"
        );
        assert_near(&e, 120.0, 10.0);
        let e = err(&collection(vec![feature(
            "hazard",
            polygon(&[outer.clone(), rect(90.0, 10.0, 110.0, 20.0)]),
        )]));
        assert!(
            e.contains("feature 0 (hazard): hole (ring 1) crosses the outer ring"),
            "{e}"
        );
        let (a, b) = (rect(10.0, 10.0, 30.0, 30.0), rect(20.0, 20.0, 40.0, 40.0));
        let e = err(&collection(vec![feature("hazard", polygon(&[outer, a, b]))]));
        assert!(
            e.contains("feature 0 (hazard): holes (rings 1 and 2) cross near"),
            "{e}"
        );
    }

    #[test]
    fn hazards_must_not_overlap_each_other() {
        let other = feature("hazard", polygon(&[rect(90.0, 0.0, 150.0, 50.0)]));
        let e = err(&collection(vec![hazard_rect(), other]));
        assert!(
            e.starts_with("field.geojson: feature 0 (hazard) and feature 1 (hazard) overlap by 500.00 m²"),
            "{e}"
        );
        let (lat, lon) = near_of(&e);
        let (w, ea) = (ll(90.0, 0.0), ll(100.0, 50.0));
        assert!(lon > w[0] && lon < ea[0] && lat > w[1] && lat < ea[1], "{e}");
    }

    #[test]
    fn safe_must_not_overlap_the_hazard_or_its_obstacles() {
        let road = feature("safe", polygon(&[rect(-20.0, -8.0, 120.0, 1.0)]));
        let e = err(&collection(vec![hazard_rect(), road]));
        assert!(
            e.starts_with("field.geojson: feature 1 (safe) overlaps feature 0 (hazard) (or its obstacles) by 100.00"),
            "{e}"
        );
        let holed = feature(
            "hazard",
            polygon(&[rect(0.0, 0.0, 100.0, 50.0), rect(40.0, 20.0, 50.0, 30.0)]),
        );
        let in_hole = feature("safe", polygon(&[rect(42.0, 22.0, 48.0, 28.0)]));
        let e = err(&collection(vec![holed, in_hole]));
        assert!(e.contains("feature 1 (safe) overlaps feature 0 (hazard)"), "{e}");
        assert_near(&e, 45.0, 25.0);
    }

    #[test]
    fn coordinates_out_of_range() {
        let mut r = vec![ll(0.0, 0.0), ll(100.0, 0.0), ll(100.0, 50.0), ll(0.0, 0.0)];
        r[1] = [200.0, 39.8];
        let e = err(&collection(vec![feature(
            "hazard",
            json!({"type": "Polygon", "coordinates": [r.clone()]}),
        )]));
        assert!(
            e.starts_with("field.geojson: feature 0 (hazard): ring 0 vertex 1: coordinate [200, 39.8]"),
            "{e}"
        );
        assert!(e.contains("out of range") && !e.contains("swapped"), "{e}");
        r[1] = [39.8, 120.0];
        let e = err(&collection(vec![feature(
            "hazard",
            json!({"type": "Polygon", "coordinates": [r]}),
        )]));
        assert!(
            e.contains("ring 0 vertex 1: coordinate [39.8, 120] (lon, lat) is out of range"),
            "{e}"
        );
        assert!(e.contains("lat/lon swapped?"), "{e}");
        let utm = json!([[
            [500_000.0, 4_400_000.0],
            [500_100.0, 4_400_000.0],
            [500_000.0, 4_400_100.0],
            [500_000.0, 4_400_000.0]
        ]]);
        let e = err(&collection(vec![feature(
            "hazard",
            json!({"type": "Polygon", "coordinates": utm}),
        )]));
        assert!(e.contains("projected coordinates (e.g. UTM metres)?"), "{e}");
        let start = feature("start", json!({"type": "Point", "coordinates": [46.75, -91.0]}));
        let e = err(&collection(vec![hazard_rect(), start]));
        assert!(e.contains("feature 1 (start): point: coordinate [46.75, -91]"), "{e}");
    }

    #[test]
    fn too_few_vertices_and_zero_area() {
        let two =
            json!({"type": "Polygon", "coordinates": [[ll(0.0, 0.0), ll(10.0, 0.0), ll(10.0, 0.0), ll(0.0, 0.0)]]});
        let e = err(&collection(vec![feature("hazard", two)]));
        assert!(
            e.starts_with("field.geojson: feature 0 (hazard): ring 0 has 2 distinct vertices"),
            "{e}"
        );
        let line = polygon(&[vec![(0.0, 0.0), (50.0, 0.0), (100.0, 0.0)]]);
        let e = err(&collection(vec![feature("hazard", line)]));
        assert!(
            e.contains("feature 0 (hazard): ring 0 (all vertices on one line) has an area of 0.000 m²"),
            "{e}"
        );
        let tiny = polygon(&[vec![(0.0, 0.0), (0.8, 0.0), (0.8, 0.8)]]);
        let e = err(&collection(vec![feature("hazard", tiny)]));
        assert!(e.contains("feature 0 (hazard): polygon has an area of 0.320 m²"), "{e}");
        assert!(e.contains("below the minimum of 1 m²"), "{e}");
    }

    #[test]
    fn repeated_positions_are_dropped_not_errors() {
        let r = vec![
            ll(0.0, 0.0),
            ll(0.0, 0.0),
            ll(100.0, 0.0),
            ll(100.0, 50.0),
            ll(100.0, 50.0),
            ll(0.0, 50.0),
            ll(0.0, 0.0),
        ];
        let f = ok(&collection(vec![feature(
            "hazard",
            json!({"type": "Polygon", "coordinates": [r]}),
        )]));
        assert_eq!(f.hazard.0[0].exterior().0.len(), 5);
    }

    #[test]
    fn too_large_says_how_to_raise_the_limit() {
        let opts = FieldOptions {
            max_area_m2: 4000.0,
            ..FieldOptions::default()
        };
        let e = err_with(&collection(vec![hazard_rect()]), &opts);
        assert!(
            e.starts_with("field.geojson: hazard area 5000 m² exceeds the limit of 4000 m²"),
            "{e}"
        );
        assert!(e.contains("raise the limit with --max-area-m2"), "{e}");
    }

    #[test]
    fn bad_options_are_errors() {
        let text = collection(vec![hazard_rect()]);
        for (opts, want) in [
            (
                FieldOptions {
                    safe_margin_m: 0.0,
                    ..Default::default()
                },
                "option --safe-margin-m (`safe_margin_m`) = 0",
            ),
            (
                FieldOptions {
                    safe_margin_m: f64::NAN,
                    ..Default::default()
                },
                "option --safe-margin-m (`safe_margin_m`) = NaN",
            ),
            (
                FieldOptions {
                    safe_margin_m: -3.0,
                    ..Default::default()
                },
                "(`safe_margin_m`) = -3",
            ),
            (
                FieldOptions {
                    safe_margin_m: 5000.0,
                    ..Default::default()
                },
                "(`safe_margin_m`) = 5000",
            ),
            (
                FieldOptions {
                    max_area_m2: 0.0,
                    ..Default::default()
                },
                "option --max-area-m2 (`max_area_m2`) = 0",
            ),
            (
                FieldOptions {
                    max_area_m2: f64::INFINITY,
                    ..Default::default()
                },
                "(`max_area_m2`) = inf",
            ),
        ] {
            let e = err_with(&text, &opts);
            assert!(e.starts_with("field.geojson: ") && e.contains(want), "{want}: {e}");
        }
    }

    #[test]
    fn start_must_be_on_safe_ground() {
        let e = err(&collection(vec![hazard_rect(), feature("start", point(50.0, 25.0))]));
        assert!(
            e.starts_with("field.geojson: feature 1 (start): start point is not on safe ground near"),
            "{e}"
        );
        assert!(e.ends_with("it lies inside the hazard"), "{e}");
        assert_near(&e, 50.0, 25.0);
        let e = err(&collection(vec![hazard_rect(), feature("start", point(50.0, 80.0))]));
        assert!(e.ends_with("it lies outside the safe area"), "{e}");
        let holed = feature(
            "hazard",
            polygon(&[rect(0.0, 0.0, 100.0, 50.0), rect(40.0, 20.0, 50.0, 30.0)]),
        );
        let e = err(&collection(vec![holed, feature("start", point(45.0, 25.0))]));
        assert!(e.ends_with("it lies inside an obstacle"), "{e}");
        ok(&collection(vec![hazard_rect(), feature("start", point(50.0, -10.0))]));
    }

    #[test]
    fn coordinates_far_from_the_hazard_are_refused() {
        let far = feature("safe", polygon(&[rect(90_000.0, 0.0, 90_010.0, 10.0)]));
        let e = err(&collection(vec![hazard_rect(), far]));
        assert!(
            e.starts_with("field.geojson: feature 1 (safe): ring 0 vertex 0 at 39.79"),
            "{e}"
        );
        assert!(
            e.contains("km from the middle of the hazard") && e.contains("within 50 km"),
            "{e}"
        );
    }

    #[test]
    fn load_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mine_field.geojson");
        std::fs::write(&path, collection(vec![])).unwrap();
        let e = load(&path, &FieldOptions::default()).unwrap_err().to_string();
        assert!(e.starts_with(&format!("{}: no hazard feature", path.display())), "{e}");
        let missing = dir.path().join("nope.geojson");
        let e = load(&missing, &FieldOptions::default()).unwrap_err().to_string();
        assert!(e.starts_with(&format!("{}: cannot read", missing.display())), "{e}");
        std::fs::write(&path, collection(vec![hazard_rect()])).unwrap();
        assert_eq!(
            load(&path, &FieldOptions::default()).unwrap().source,
            path.display().to_string()
        );
    }

    /// A valid field with an obstacle, a road and a start point, to be mutated by the fuzz test.
    fn fuzz_seed() -> String {
        let hazard = feature(
            "hazard",
            polygon(&[rect(0.0, 0.0, 100.0, 50.0), rect(40.0, 20.0, 50.0, 30.0)]),
        );
        let road = feature("safe", polygon(&[rect(-20.0, -8.0, 120.0, 0.0)]));
        collection(vec![hazard, road, feature("start", point(-10.0, -4.0))])
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let text = String::from_utf8_lossy(&bytes);
            prop_assert!(parse(&text, FILE, &FieldOptions::default()).is_err());
        }

        #[test]
        fn mutated_fields_never_panic(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<u8>()), 1..6),
        ) {
            let mut text: Vec<u8> = fuzz_seed().into_bytes();
            for (at, kind, byte) in edits {
                let i = at.index(text.len());
                let digit = b'0' + byte % 10;
                match kind {
                    0 => text[i] = digit,
                    1 => text[i] = byte,
                    2 => { text.remove(i); }
                    _ => text.insert(i, b"-.,[]{}\"e9"[byte as usize % 10]),
                }
            }
            // Either outcome is fine; a panic fails the test.
            let result = parse(&String::from_utf8_lossy(&text), FILE, &FieldOptions::default());
            if let Err(e) = result {
                prop_assert!(e.to_string().starts_with(FILE));
            }
        }

        #[test]
        fn moved_vertices_never_panic(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..4, -150.0f64..150.0, -80.0f64..80.0), 1..4),
        ) {
            let mut v: Value = serde_json::from_str(&fuzz_seed()).unwrap();
            for (at, kind, e, n) in edits {
                let mut positions: Vec<&mut Value> = Vec::new();
                for f in v["features"].as_array_mut().unwrap() {
                    let c = &mut f["geometry"]["coordinates"];
                    if c[0].is_array() {
                        for r in c.as_array_mut().unwrap() {
                            positions.extend(r.as_array_mut().unwrap().iter_mut());
                        }
                    } else {
                        positions.push(c);
                    }
                }
                let i = at.index(positions.len());
                *positions[i] = match kind {
                    0 => json!(ll(e, n)),
                    1 => json!(ll(e.round() / 3.0, n.round() / 3.0)),
                    2 => json!([e * 1.3, n * 1.2]),
                    _ => json!(ll(0.0, 0.0)),
                };
            }
            let result = parse(&v.to_string(), FILE, &FieldOptions::default());
            if let Err(e) = result {
                prop_assert!(e.to_string().starts_with(FILE));
            }
        }
    }
}
