//! Reading the GeoJSON structure into raw features in WGS84 degrees: FeatureCollection, roles,
//! geometry types per role, coordinate arrays, closed rings, positions in range. Geometry is checked
//! later, after projection ([`super::validate`]).

use super::error::{FeatureRef, FieldError, Near, Role};
use crate::geodesy::LatLon;
use serde_json::Value;

/// A position as read: WGS84 degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct LonLat {
    pub lon: f64,
    pub lat: f64,
}

pub(super) enum RawGeometry {
    /// Polygon (one entry, `multi == false`) or MultiPolygon: polygons → rings → positions.
    Polygons {
        polygons: Vec<Vec<Vec<LonLat>>>,
        multi: bool,
    },
    Point(LonLat),
}

pub(super) struct RawFeature {
    pub index: usize,
    pub role: Role,
    pub geometry: RawGeometry,
}

impl RawFeature {
    /// The positions of the outer rings (none for a Point).
    pub fn outer_positions(&self) -> impl Iterator<Item = LonLat> + '_ {
        let polygons: &[Vec<Vec<LonLat>>] = match &self.geometry {
            RawGeometry::Polygons { polygons, .. } => polygons,
            RawGeometry::Point(_) => &[],
        };
        polygons.iter().flat_map(|rings| rings.first()).flatten().copied()
    }

    /// Every position with where it is: the feature (and polygon) and `ring k vertex i` or `point`.
    pub fn positions(&self) -> Vec<(FeatureRef, String, LonLat)> {
        let at = FeatureRef {
            index: self.index,
            role: self.role,
            polygon: None,
        };
        match &self.geometry {
            RawGeometry::Point(p) => vec![(at, "point".to_string(), *p)],
            RawGeometry::Polygons { polygons, multi } => {
                let mut out = Vec::new();
                for (n, rings) in polygons.iter().enumerate() {
                    let at = FeatureRef {
                        polygon: multi.then_some(n),
                        ..at
                    };
                    for (k, ring) in rings.iter().enumerate() {
                        out.extend(
                            ring.iter()
                                .enumerate()
                                .map(|(i, p)| (at, format!("ring {k} vertex {i}"), *p)),
                        );
                    }
                }
                out
            }
        }
    }
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

/// Names of WGS84 longitude/latitude that old (2008) GeoJSON files may declare in a `crs` member.
const WGS84_CRS_NAMES: [&str; 4] = [
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "urn:ogc:def:crs:EPSG::4326",
    "EPSG:4326",
];

/// RFC 7946 dropped the `crs` member; a file that still declares one must declare WGS84.
fn check_crs(file: &str, crs: &Value) -> Result<(), FieldError> {
    let name = crs
        .get("properties")
        .and_then(|p| p.get("name"))
        .and_then(Value::as_str);
    match name {
        Some(n) if WGS84_CRS_NAMES.iter().any(|w| w.eq_ignore_ascii_case(n)) => Ok(()),
        _ => Err(FieldError::UnsupportedCrs {
            file: file.to_string(),
            crs: crs.to_string(),
        }),
    }
}

pub(super) fn read_collection(file: &str, v: &Value) -> Result<Vec<RawFeature>, FieldError> {
    let not_fc = |found: String| FieldError::NotFeatureCollection {
        file: file.to_string(),
        found,
    };
    let obj = v
        .as_object()
        .ok_or_else(|| not_fc(format!("the file holds {}", describe(v))))?;
    if obj.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(not_fc(format!("the file holds {}", describe(v))));
    }
    if let Some(crs) = obj.get("crs") {
        check_crs(file, crs)?;
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
                return Err(FieldError::DuplicateStart {
                    file: file.to_string(),
                    first,
                    second: index,
                });
            }
            start_at = Some(index);
        }
        out.push(raw);
    }
    Ok(out)
}

fn read_feature(file: &str, index: usize, f: &Value) -> Result<RawFeature, FieldError> {
    let malformed = |feature: String, what: String| FieldError::Malformed {
        file: file.to_string(),
        feature,
        what,
    };
    let not_feature = || malformed(format!("feature {index}"), format!("is {}, not a Feature", describe(f)));
    let obj = f.as_object().ok_or_else(not_feature)?;
    if obj.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err(not_feature());
    }
    let role = match obj.get("properties").and_then(|p| p.get("role")) {
        None | Some(Value::Null) => {
            return Err(FieldError::MissingRole {
                file: file.to_string(),
                index,
            })
        }
        Some(Value::String(s)) if s == "hazard" => Role::Hazard,
        Some(Value::String(s)) if s == "safe" => Role::Safe,
        Some(Value::String(s)) if s == "start" => Role::Start,
        Some(other) => {
            return Err(FieldError::UnknownRole {
                file: file.to_string(),
                index,
                role: other.to_string(),
            })
        }
    };
    let at = FeatureRef {
        index,
        role,
        polygon: None,
    };
    let geom = match obj.get("geometry") {
        Some(g @ Value::Object(_)) => g,
        _ => return Err(malformed(at.to_string(), "has no geometry".into())),
    };
    let kind = geom.get("type").and_then(Value::as_str).unwrap_or("");
    let coords = geom.get("coordinates").unwrap_or(&Value::Null);
    let wrong = |expected| FieldError::WrongGeometry {
        file: file.to_string(),
        at,
        found: if kind.is_empty() {
            "without a type".to_string()
        } else {
            kind.to_string()
        },
        expected,
    };
    let rd = Reader { file, at };
    let geometry = match (role, kind) {
        (Role::Hazard | Role::Safe, "Polygon") => RawGeometry::Polygons {
            polygons: vec![rd.polygon(coords)?],
            multi: false,
        },
        (Role::Hazard | Role::Safe, "MultiPolygon") => {
            let list = rd.array(coords, "coordinates")?;
            if list.is_empty() {
                return Err(malformed(at.to_string(), "MultiPolygon has no polygons".into()));
            }
            let polygons = list
                .iter()
                .enumerate()
                .map(|(p, c)| {
                    Reader {
                        file,
                        at: FeatureRef { polygon: Some(p), ..at },
                    }
                    .polygon(c)
                })
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
        FieldError::Malformed {
            file: self.file.to_string(),
            feature: self.at.to_string(),
            what,
        }
    }

    fn array<'v>(&self, v: &'v Value, what: &str) -> Result<&'v Vec<Value>, FieldError> {
        v.as_array()
            .ok_or_else(|| self.malformed(format!("{what}: expected an array, found {}", describe(v))))
    }

    /// Rings of a Polygon, each closed (first position == last, exactly).
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
                return Err(FieldError::UnclosedRing {
                    file: self.file.to_string(),
                    at: self.at,
                    ring: k,
                    first,
                    last,
                });
            }
            out.push(ring);
        }
        Ok(out)
    }

    /// One `[lon, lat]` or `[lon, lat, alt]` position, in range (altitude ignored).
    fn position(&self, v: &Value, where_: &str) -> Result<LonLat, FieldError> {
        let nums: Option<Vec<f64>> = v
            .as_array()
            .map(|a| a.iter().map(Value::as_f64).collect())
            .unwrap_or(None);
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
            return Err(FieldError::NonFiniteCoordinate {
                file,
                at,
                position,
                lon,
                lat,
            });
        }
        if lon.abs() > 180.0 || lat.abs() > 90.0 {
            let hint = if lat.abs() <= 180.0 && lon.abs() <= 90.0 {
                "; lat/lon swapped? GeoJSON positions are [lon, lat]"
            } else if lon.abs() > 1000.0 || lat.abs() > 1000.0 {
                "; projected coordinates (e.g. UTM metres)? GeoJSON positions are WGS84 [lon, lat] in degrees"
            } else {
                ""
            };
            return Err(FieldError::OutOfRange {
                file,
                at,
                position,
                lon,
                lat,
                hint,
            });
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
