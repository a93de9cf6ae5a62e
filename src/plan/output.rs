//! The plan as GeoJSON (WGS84) and its summary.
//!
//! Path features are LineStrings of base_link positions in driving order, one per straight motion
//! or curve, with `seq`, `kind`, `implement`, `direction` and `speed_mps`; turns on the spot are the
//! heading changes between consecutive features. Residual areas are Polygon features with
//! `kind: "residual"`. The collection carries the foreign members `machine` (the profile, with
//! `footprint_m` and `implement_m`), `datum` and `summary`.

use super::motion::{Direction, Motion};
use super::Plan;
use crate::geodesy::Datum;
use crate::machine::MachineProfile;
use geo::{Coord, Polygon};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The `--json` summary of a plan.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub strategy: super::Strategy,
    pub lane_angle_deg: f64,
    pub hazard_m2: f64,
    pub processed_fraction: f64,
    pub residual_m2: f64,
    pub residual_pieces: usize,
    pub path_length_m: f64,
    pub implement_on_length_m: f64,
    pub turn_count: usize,
    pub estimated_duration_s: f64,
    pub time: super::objective::MissionTime,
    pub unreachable_passes: usize,
    /// Residual area by reason (`obstacle_clearance`, `acute_corner`, `no_turn_room`,
    /// `unreachable`, `sliver`), m².
    pub residual_by_reason_m2: BTreeMap<&'static str, f64>,
    /// Unreachable passes by reason.
    pub unreachable_by_reason: BTreeMap<&'static str, usize>,
    /// Implement-on length by pass kind (`lane`, `headland`, `access`, `gap`), metres.
    pub processing_m_by_kind: BTreeMap<&'static str, f64>,
    pub planning_time_ms: f64,
}

impl Summary {
    pub fn of(plan: &Plan, planning_time_ms: f64) -> Self {
        use geo::Area;
        let mut residual_by_reason_m2: BTreeMap<&'static str, f64> = BTreeMap::new();
        for (p, r) in plan.residual.0.iter().zip(&plan.residual_reasons) {
            *residual_by_reason_m2.entry(r.as_str()).or_default() += p.unsigned_area();
        }
        for v in residual_by_reason_m2.values_mut() {
            *v = (*v * 100.0).round() / 100.0;
        }
        let mut unreachable_by_reason: BTreeMap<&'static str, usize> = BTreeMap::new();
        for u in &plan.unreached {
            *unreachable_by_reason.entry(u.reason.as_str()).or_default() += 1;
        }
        let mut processing_m_by_kind: BTreeMap<&'static str, f64> = BTreeMap::new();
        for mo in &plan.motions {
            if let Motion::Straight { implement: true, .. } = mo {
                *processing_m_by_kind.entry(mo.kind().as_str()).or_default() += mo.length_m();
            }
        }
        for v in processing_m_by_kind.values_mut() {
            *v = (*v * 10.0).round() / 10.0;
        }
        Summary {
            residual_by_reason_m2,
            unreachable_by_reason,
            processing_m_by_kind,
            strategy: plan.strategy,
            lane_angle_deg: plan.lane_angle_rad.to_degrees().rem_euclid(180.0),
            hazard_m2: plan.hazard_m2,
            processed_fraction: plan.processed_fraction,
            residual_m2: plan.residual_m2,
            residual_pieces: plan.residual.0.len(),
            path_length_m: plan.path_length_m(),
            implement_on_length_m: plan.implement_on_length_m(),
            turn_count: plan.turn_count(),
            estimated_duration_s: plan.time.total_s(),
            time: plan.time,
            unreachable_passes: plan.unreachable_passes,
            planning_time_ms,
        }
    }
}

fn ll(datum: &Datum, c: Coord<f64>) -> Value {
    let p = datum.to_latlon_2d(c.x, c.y);
    // full precision: rounding can turn a hole that touches its shell at a point into a crossing
    json!([p.lon_deg, p.lat_deg])
}

fn ring(datum: &Datum, r: &geo::LineString<f64>) -> Value {
    Value::Array(r.0.iter().map(|c| ll(datum, *c)).collect())
}

fn polygon(datum: &Datum, p: &Polygon<f64>) -> Value {
    let mut rings = vec![ring(datum, p.exterior())];
    rings.extend(p.interiors().iter().map(|r| ring(datum, r)));
    Value::Array(rings)
}

/// A GeoJSON MultiPolygon geometry of `mp` (ENU metres) in WGS84.
pub fn multipolygon_geometry(datum: &Datum, mp: &geo::MultiPolygon<f64>) -> Value {
    let polys: Vec<Value> = mp.0.iter().map(|p| polygon(datum, p)).collect();
    json!({"type": "MultiPolygon", "coordinates": polys})
}

/// A GeoJSON FeatureCollection of the motions (and residual) in WGS84.
pub fn to_geojson(
    motions: &[Motion],
    residual: &[Polygon<f64>],
    datum: &Datum,
    m: &MachineProfile,
    summary: Option<&Summary>,
) -> Value {
    let mut features = Vec::new();
    let mut seq = 0;
    for mo in motions {
        let (coords, direction, implement): (Vec<Coord<f64>>, Direction, bool) = match mo {
            Motion::Straight {
                from,
                to,
                direction,
                implement,
                ..
            } => {
                if from.distance_m(to) < 1e-4 {
                    continue;
                }
                (vec![from.xy(), to.xy()], *direction, *implement)
            }
            Motion::Curve { poses, direction, .. } => (poses.iter().map(|p| p.xy()).collect(), *direction, false),
            Motion::Pivot { .. } => continue,
        };
        features.push(json!({
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": coords.iter().map(|c| ll(datum, *c)).collect::<Vec<_>>()},
            "properties": {
                "seq": seq,
                "kind": mo.kind().as_str(),
                "implement": implement,
                "direction": direction,
                "speed_mps": mo.speed_mps(m),
            }
        }));
        seq += 1;
    }
    for p in residual {
        use geo::Area;
        features.push(json!({
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": polygon(datum, p)},
            "properties": {"kind": "residual", "area_m2": (p.unsigned_area() * 100.0).round() / 100.0}
        }));
    }
    let mut machine = serde_json::to_value(m).expect("profiles serialize");
    machine["footprint_m"] = json!(m.footprint_m);
    machine["implement_m"] = json!(m.implement_m);
    let mut fc = json!({
        "type": "FeatureCollection",
        "features": features,
        "machine": machine,
        "datum": {"lat_deg": datum.origin.lat_deg, "lon_deg": datum.origin.lon_deg},
    });
    if let Some(s) = summary {
        fc["summary"] = serde_json::to_value(s).expect("summary serializes");
    }
    fc
}

/// The plan's GeoJSON: its motions, each residual polygon with its `reason` and area, and each
/// pass that could not be driven as a Polygon feature (`kind: "unreachable_pass"`, its strip) with
/// its `reason`. Unreachable passes are polygons, not lines, so that nothing reads them as path.
pub fn plan_to_geojson(plan: &Plan, datum: &Datum, m: &MachineProfile, summary: Option<&Summary>) -> Value {
    use geo::Area;
    let mut fc = to_geojson(&plan.motions, &[], datum, m, summary);
    let features = fc["features"].as_array_mut().expect("a feature list");
    for (p, r) in plan.residual.0.iter().zip(&plan.residual_reasons) {
        features.push(json!({
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": polygon(datum, p)},
            "properties": {
                "kind": "residual",
                "area_m2": (p.unsigned_area() * 100.0).round() / 100.0,
                "reason": r.as_str(),
                "why": r.explain(),
            }
        }));
    }
    for u in &plan.unreached {
        features.push(json!({
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": polygon(datum, &u.strip)},
            "properties": {"kind": "unreachable_pass", "reason": u.reason.as_str(), "why": u.reason.explain()}
        }));
    }
    fc
}
