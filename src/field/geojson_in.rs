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
use super::validate::{self, Ctx};
use super::{Field, FieldOptions, SafeSource};
use crate::geodesy::{Datum, LatLon};
use geo::coordinate_position::CoordPos;
use geo::{Coord, CoordinatePosition, MultiPolygon, Point};
use serde_json::Value;
use std::path::Path;

/// Every projected coordinate must lie within this distance of the datum, metres: the tangent plane
/// stays accurate to well below a millimetre per metre there, and a coordinate farther away is a typo.
pub const MAX_DISTANCE_FROM_DATUM_M: f64 = 50_000.0;
/// Largest accepted `safe_margin_m`, metres.
pub const MAX_SAFE_MARGIN_M: f64 = 1_000.0;

/// Loads and validates the field in the GeoJSON file `path`; messages name the file as given.
pub fn load(path: &Path, opts: &FieldOptions) -> Result<Field, FieldError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| FieldError::Io { file: file.clone(), source })?;
    parse(&text, &file, opts)
}

/// Parses and validates a field from GeoJSON `text`; `source` names it in messages (usually the path).
///
/// # Units
/// Input in WGS84 degrees; every geometry of the returned [`Field`] is in ENU metres from its datum.
/// `opts.safe_margin_m` in metres, `opts.max_area_m2` in square metres.
pub fn parse(text: &str, source: &str, opts: &FieldOptions) -> Result<Field, FieldError> {
    check_options(source, opts)?;
    let value: Value = serde_json::from_str(text).map_err(|e| json_error(source, text, &e))?;
    let features = read_collection(source, &value)?;

    let hazards: Vec<&RawFeature> = features.iter().filter(|f| f.role == Role::Hazard).collect();
    if hazards.is_empty() {
        return Err(FieldError::NoHazard { file: source.to_string(), features: features.len() });
    }
    let datum = datum_of(&hazards);
    let ctx = Ctx { file: source, datum: &datum };

    let mut hazard_parts: Vec<Part> = Vec::new();
    let mut safe_parts: Vec<Part> = Vec::new();
    let mut start = None;
    for f in &features {
        match &f.geometry {
            RawGeometry::Polygons { polygons, multi } => {
                for (p, rings) in polygons.iter().enumerate() {
                    let at = FeatureRef { index: f.index, role: f.role, polygon: multi.then_some(p) };
                    let enu = rings.iter().map(|r| project_ring(&ctx, at, r)).collect::<Result<Vec<_>, _>>()?;
                    let poly = validate::polygon(&ctx, at, enu)?;
                    match f.role {
                        Role::Hazard => hazard_parts.push((at, poly)),
                        _ => safe_parts.push((at, poly)),
                    }
                }
            }
            RawGeometry::Point(ll) => {
                let at = FeatureRef { index: f.index, role: f.role, polygon: None };
                start = Some((at, project(&ctx, at, *ll)?));
            }
        }
    }

    let hazard = compose::hazard(&ctx, &hazard_parts, opts.max_area_m2)?;
    let (safe, safe_source) = if safe_parts.is_empty() {
        let margin_m = opts.safe_margin_m;
        tracing::info!(file = source, margin_m, "no `safe` feature: the {margin_m} m band around the hazard is safe");
        (compose::safe_band(&hazard, margin_m), SafeSource::DefaultBand { margin_m })
    } else {
        (compose::safe_given(&ctx, &safe_parts, &hazard_parts)?, SafeSource::Given)
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
    let bad = |name, value, why| Err(FieldError::BadOption { file: file.to_string(), name, value, why });
    let m = opts.safe_margin_m;
    if !m.is_finite() || m <= 0.0 || m > MAX_SAFE_MARGIN_M {
        return bad("safe_margin_m", m, "must be a number of metres above 0 and at most 1000");
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
        return FieldError::NonFiniteNumber { file: file.to_string(), line, column };
    }
    FieldError::Json { file: file.to_string(), line, column, msg }
}

/// True when the token around `line`:`column` (1-based, as serde_json counts) reads like NaN or Infinity.
fn non_finite_token_at(text: &str, line: usize, column: usize) -> bool {
    let Some(l) = text.lines().nth(line.saturating_sub(1)) else { return false };
    let b = l.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'-' || c == b'+' || c == b'.';
    let mut s = column.saturating_sub(1).min(b.len());
    while s > 0 && word(b[s - 1]) {
        s -= 1;
    }
    let e = (s..b.len()).find(|&i| !word(b[i])).unwrap_or(b.len());
    let token = String::from_utf8_lossy(&b[s..e]).to_ascii_lowercase();
    let token = token.trim_start_matches(['-', '+']);
    token.starts_with("nan") || token.starts_with("inf")
}

/// A position as read: WGS84 degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
struct LonLat {
    lon: f64,
    lat: f64,
}

enum RawGeometry {
    /// Polygon (one entry, `multi == false`) or MultiPolygon: polygons → rings → positions.
    Polygons { polygons: Vec<Vec<Vec<LonLat>>>, multi: bool },
    Point(LonLat),
}

struct RawFeature {
    index: usize,
    role: Role,
    geometry: RawGeometry,
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "an array".into(),
        Value::Object(o) => match o.get("type") {
            Some(Value::String(t)) => format!("an object of type {t:?}"),
            _ => "an object without a \"type\"".into(),
        },
    }
}

fn read_collection(file: &str, v: &Value) -> Result<Vec<RawFeature>, FieldError> {
    let not_fc = |found: String| FieldError::NotFeatureCollection { file: file.to_string(), found };
    let obj = v.as_object().ok_or_else(|| not_fc(format!("the file holds {}", describe(v))))?;
    if obj.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(not_fc(format!("the file holds {}", describe(v))));
    }
    let features = match obj.get("features") {
        Some(Value::Array(a)) => a,
        Some(other) => return Err(not_fc(format!("`features` is {}, not an array", describe(other)))),
        None => return Err(not_fc("it has no `features` array".into())),
    };
    let mut out = Vec::with_capacity(features.len());
    let mut start_at: Option<usize> = None;
    for (index, f) in features.iter().enumerate() {
        let raw = read_feature(file, index, f)?;
        if raw.role == Role::Start {
            if let Some(first) = start_at {
                return Err(FieldError::DuplicateStart { file: file.to_string(), first, second: index });
            }
            start_at = Some(index);
        }
        out.push(raw);
    }
    Ok(out)
}

fn read_feature(file: &str, index: usize, f: &Value) -> Result<RawFeature, FieldError> {
    let malformed = |what: String| FieldError::Malformed { file: file.to_string(), index, what };
    let obj = f.as_object().ok_or_else(|| malformed(format!("is {}, not a Feature", describe(f))))?;
    if obj.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err(malformed(format!("is {}, not a Feature", describe(f))));
    }
    let role = match obj.get("properties").and_then(|p| p.get("role")) {
        None | Some(Value::Null) => return Err(FieldError::MissingRole { file: file.to_string(), index }),
        Some(Value::String(s)) if s == "hazard" => Role::Hazard,
        Some(Value::String(s)) if s == "safe" => Role::Safe,
        Some(Value::String(s)) if s == "start" => Role::Start,
        Some(other) => return Err(FieldError::UnknownRole { file: file.to_string(), index, role: other.to_string() }),
    };
    let at = FeatureRef { index, role, polygon: None };
    let geom = match obj.get("geometry") {
        Some(g @ Value::Object(_)) => g,
        _ => return Err(malformed(format!("({role}) has no geometry"))),
    };
    let kind = geom.get("type").and_then(Value::as_str).unwrap_or("");
    let coords = geom.get("coordinates").unwrap_or(&Value::Null);
    let wrong = |expected| FieldError::WrongGeometry {
        file: file.to_string(),
        at,
        found: if kind.is_empty() { "without a type".to_string() } else { kind.to_string() },
        expected,
    };
    let rd = Reader { file, at };
    let geometry = match (role, kind) {
        (Role::Hazard | Role::Safe, "Polygon") => {
            RawGeometry::Polygons { polygons: vec![rd.polygon(coords)?], multi: false }
        }
        (Role::Hazard | Role::Safe, "MultiPolygon") => {
            let list = rd.array(coords, "coordinates")?;
            if list.is_empty() {
                return Err(malformed(format!("({role}) MultiPolygon has no polygons")));
            }
            let polygons = list
                .iter()
                .enumerate()
                .map(|(p, c)| Reader { file, at: FeatureRef { polygon: Some(p), ..at } }.polygon(c))
                .collect::<Result<_, _>>()?;
            RawGeometry::Polygons { polygons, multi: true }
        }
        (Role::Hazard | Role::Safe, _) => return Err(wrong("a Polygon or MultiPolygon")),
        (Role::Start, "Point") => RawGeometry::Point(rd.position(coords, "point")?),
        (Role::Start, _) => return Err(wrong("a Point")),
    };
    Ok(RawFeature { index, role, geometry })
}

/// Reads coordinate arrays of one feature, naming it in errors.
struct Reader<'a> {
    file: &'a str,
    at: FeatureRef,
}

impl Reader<'_> {
    fn malformed(&self, what: String) -> FieldError {
        let p = self.at.polygon.map(|p| format!(" polygon {p}")).unwrap_or_default();
        FieldError::Malformed { file: self.file.to_string(), index: self.at.index, what: format!("({}){p} {what}", self.at.role) }
    }

    fn array<'v>(&self, v: &'v Value, what: &str) -> Result<&'v Vec<Value>, FieldError> {
        v.as_array().ok_or_else(|| self.malformed(format!("{what}: expected an array, found {}", describe(v))))
    }

    /// Rings of a Polygon, each closed (first position == last, exactly) and without repeated
    /// consecutive positions.
    fn polygon(&self, v: &Value) -> Result<Vec<Vec<LonLat>>, FieldError> {
        let rings = self.array(v, "coordinates")?;
        if rings.is_empty() {
            return Err(self.malformed("polygon has no rings".into()));
        }
        let mut out = Vec::with_capacity(rings.len());
        for (k, r) in rings.iter().enumerate() {
            let positions = self.array(r, &format!("ring {k}"))?;
            if positions.is_empty() {
                return Err(self.malformed(format!("ring {k} is empty")));
            }
            let mut ring = Vec::with_capacity(positions.len());
            for (i, p) in positions.iter().enumerate() {
                ring.push(self.position(p, &format!("ring {k} vertex {i}"))?);
            }
            let (first, last) = (ring[0], ring[ring.len() - 1]);
            if first != last {
                let near = |p: LonLat| Near(LatLon::new(p.lat, p.lon));
                let (first, last) = (near(first), near(last));
                return Err(FieldError::UnclosedRing { file: self.file.to_string(), at: self.at, ring: k, first, last });
            }
            ring.dedup();
            if ring.len() == 1 {
                ring.push(ring[0]);
            }
            out.push(ring);
        }
        Ok(out)
    }

    /// One `[lon, lat]` or `[lon, lat, alt]` position, in range (altitude ignored).
    fn position(&self, v: &Value, where_: &str) -> Result<LonLat, FieldError> {
        let nums: Option<Vec<f64>> = v.as_array().map(|a| a.iter().map(Value::as_f64).collect()).unwrap_or(None);
        let nums = match nums {
            Some(n) if n.len() == 2 || n.len() == 3 => n,
            _ => {
                let what = format!("{where_}: expected [lon, lat] or [lon, lat, alt], found {}", short(v));
                return Err(self.malformed(what));
            }
        };
        let (lon, lat) = (nums[0], nums[1]);
        let (file, at, position) = (self.file.to_string(), self.at, where_.to_string());
        if !lon.is_finite() || !lat.is_finite() || !nums.iter().all(|x| x.is_finite()) {
            return Err(FieldError::NonFiniteCoordinate { file, at, position, lon, lat });
        }
        if lon.abs() > 180.0 || lat.abs() > 90.0 {
            let swapped = lat.abs() <= 180.0 && lon.abs() <= 90.0;
            let hint = if swapped { "; lat/lon swapped? GeoJSON positions are [lon, lat]" } else { "" };
            return Err(FieldError::OutOfRange { file, at, position, lon, lat, hint });
        }
        Ok(LonLat { lon, lat })
    }
}

/// A JSON value shortened for a message.
fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

/// The datum: centre of the bounding box (degrees) of all hazard outer-ring positions, height 0.
fn datum_of(hazards: &[&RawFeature]) -> Datum {
    let (mut lon0, mut lon1, mut lat0, mut lat1) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for f in hazards {
        if let RawGeometry::Polygons { polygons, .. } = &f.geometry {
            for p in polygons.iter().flat_map(|rings| rings.first()).flatten() {
                (lon0, lon1, lat0, lat1) = (lon0.min(p.lon), lon1.max(p.lon), lat0.min(p.lat), lat1.max(p.lat));
            }
        }
    }
    Datum::new(LatLon::new((lat0 + lat1) / 2.0, (lon0 + lon1) / 2.0))
}

fn project(ctx: &Ctx, at: FeatureRef, p: LonLat) -> Result<Coord<f64>, FieldError> {
    let ll = LatLon::new(p.lat, p.lon);
    let (x, y) = ctx.datum.to_enu_2d(ll);
    let d = x.hypot(y);
    if !(d <= MAX_DISTANCE_FROM_DATUM_M) {
        return Err(FieldError::TooFar {
            file: ctx.file.to_string(),
            at,
            near: Near(ll),
            distance_km: d / 1000.0,
            limit_km: MAX_DISTANCE_FROM_DATUM_M / 1000.0,
        });
    }
    Ok(Coord { x, y })
}

fn project_ring(ctx: &Ctx, at: FeatureRef, ring: &[LonLat]) -> Result<Vec<Coord<f64>>, FieldError> {
    ring.iter().map(|p| project(ctx, at, *p)).collect()
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
    let in_shell = hazard.0.iter().any(|p| compose::shell(p).coordinate_position(&c) != CoordPos::Outside);
    let why = match (in_shell, hazard.coordinate_position(&c) != CoordPos::Outside) {
        (true, true) => "inside the hazard".to_string(),
        (true, false) => "inside an obstacle".to_string(),
        _ => "outside the safe area".to_string(),
    };
    Err(FieldError::StartNotSafe { file: ctx.file.to_string(), at, near: ctx.near(c), why })
}
