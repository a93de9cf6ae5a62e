//! The files `demine sim` leaves in its output directory.

use super::report;
use super::run::SimSummary;
use super::tick::Host;
use super::RuntimeError;
use crate::plan::output::{multipolygon_geometry, to_geojson};
use crate::plan::PlanConfig;
use crate::plan::{Motion, PathKind};
use crate::record::TrackPoint;
use geo::{Area, MultiPolygon};
use serde_json::json;

/// Writer of the outputs.
pub struct Outputs;

/// A turn on the spot: a step turning about a point nearer than this to base_link, m (pivots
/// turn about a point `pivot_centre_behind_m` ≤ 1 m behind it; Dubins turns have radii of metres).
const PIVOT_RADIUS_M: f64 = 1.0;

/// One piece of the driven track: consecutive kept poses with the same segment, implement
/// state and direction.
#[derive(Clone, Debug, PartialEq)]
pub struct DrivenPiece {
    pub kind: PathKind,
    pub implement: bool,
    pub reverse: bool,
    pub poses: Vec<TrackPoint>,
}

/// The driven track as pieces in the plan's format: every kept pose of the record (a lossless
/// simplification of every control step, see `Host::sample_track`), a new piece where the
/// segment, the implement state or the direction changes, each piece starting where the last
/// one ended. A turn on the spot is, as in plans, the heading change between two pieces.
pub fn driven_pieces(track: &[TrackPoint], plan: &[Motion]) -> Vec<DrivenPiece> {
    let mut out: Vec<DrivenPiece> = Vec::new();
    for w in track.windows(2) {
        let (a, b) = (w[0], w[1]);
        let d = (b.x_m - a.x_m).hypot(b.y_m - a.y_m);
        let dyaw = crate::plan::pose::angle_diff(a.yaw_rad, b.yaw_rad).abs();
        if dyaw > 1e-3 && d < PIVOT_RADIUS_M * dyaw {
            // a pivot: the next piece starts after it
            out.push(DrivenPiece {
                kind: PathKind::Turn,
                implement: false,
                reverse: false,
                poses: Vec::new(),
            });
            continue;
        }
        if d < 1e-6 {
            continue;
        }
        let kind = usize::try_from(b.segment)
            .ok()
            .and_then(|n| plan.get(n))
            .map_or(PathKind::Transit, |m| m.kind());
        let same = out
            .last()
            .is_some_and(|p| !p.poses.is_empty() && (p.kind, p.implement, p.reverse) == (kind, b.implement, b.reverse));
        if same {
            out.last_mut().expect("checked").poses.push(b);
        } else {
            out.push(DrivenPiece {
                kind,
                implement: b.implement,
                reverse: b.reverse,
                poses: vec![a, b],
            });
        }
    }
    out.retain(|p| p.poses.len() >= 2);
    out
}

/// track.geojson: the driven pieces as LineStrings with the plan's properties (`seq`, `kind`,
/// `implement`, `direction`, `speed_mps`) plus each vertex's yaw (`yaw_rad`) and the piece's
/// times (`t_s`: start, end), and the plan's `machine` and `datum` members.
pub fn track_geojson(
    pieces: &[DrivenPiece],
    datum: &crate::geodesy::Datum,
    m: &crate::machine::MachineProfile,
) -> serde_json::Value {
    let mut fc = to_geojson(&[], &[], datum, m, None);
    let features: Vec<serde_json::Value> = pieces
        .iter()
        .enumerate()
        .map(|(seq, p)| {
            let coords: Vec<[f64; 2]> = p
                .poses
                .iter()
                .map(|q| {
                    let ll = datum.to_latlon_2d(q.x_m, q.y_m);
                    [ll.lon_deg, ll.lat_deg]
                })
                .collect();
            let len: f64 = p
                .poses
                .windows(2)
                .map(|w| (w[1].x_m - w[0].x_m).hypot(w[1].y_m - w[0].y_m))
                .sum();
            let (t0, t1) = (p.poses[0].t_s, p.poses[p.poses.len() - 1].t_s);
            json!({
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {
                    "seq": seq,
                    "kind": p.kind.as_str(),
                    "implement": p.implement,
                    "direction": if p.reverse { "reverse" } else { "forward" },
                    "speed_mps": round(len / (t1 - t0).max(1e-9), 3),
                    "t_s": [round(t0, 1), round(t1, 1)],
                    "yaw_rad": p.poses.iter().map(|q| round(q.yaw_rad, 5)).collect::<Vec<_>>(),
                }
            })
        })
        .collect();
    fc["features"] = json!(features);
    fc
}

fn round(v: f64, digits: i32) -> f64 {
    let k = 10f64.powi(digits);
    (v * k).round() / k
}

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> Result<(), RuntimeError> {
    let p = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, bytes).map_err(RuntimeError::io(p.display().to_string()))?;
    std::fs::rename(&tmp, &p).map_err(RuntimeError::io(p.display().to_string()))
}

impl Outputs {
    /// Write summary.json, track.geojson, processed.geojson, report.svg and report.png.
    pub fn write(h: &Host, s: &SimSummary) -> Result<(), RuntimeError> {
        let dir = &h.p.opts.out_dir;
        let datum = &h.p.field.datum;
        write(
            dir,
            "summary.json",
            serde_json::to_string_pretty(s).unwrap_or_default().as_bytes(),
        )?;
        let track = h.p.record.track()?;
        let fc = track_geojson(&driven_pieces(&track, &h.p.motions), datum, h.p.m);
        write(dir, "track.geojson", fc.to_string().as_bytes())?;
        let cfg = PlanConfig::default();
        let processed = h.p.grid.processed_polygons();
        let residual = h.p.grid.unprocessed_hazard(0.0);
        let missed = h.p.grid.missed_strips(cfg.gap_fill_min_m2);
        let cell_m = h.p.grid.config().cell_m;
        let feature = |kind: &str, mp: &MultiPolygon<f64>, what: &str| {
            json!({"type": "Feature", "geometry": multipolygon_geometry(datum, mp),
                   "properties": {"kind": kind, "area_m2": mp.unsigned_area(), "cell_m": cell_m, "description": what}})
        };
        let pc = json!({
            "type": "FeatureCollection",
            "features": [
                feature("processed", &processed, "ground the implement processed to standard (credited cells)"),
                feature("residual", &residual, "hazard not processed: for manual teams"),
                feature("missed", &missed, "hazard the implement passed over without meeting the processing standard"),
            ],
            "processed_fraction": s.processed_fraction,
            "cell_area_m2": cell_m * cell_m,
        });
        write(dir, "processed.geojson", pc.to_string().as_bytes())?;
        let svg = report::svg(h, s, &track);
        write(dir, "report.svg", svg.as_bytes())?;
        if let Some(png) = report::png(&svg) {
            write(dir, "report.png", &png)?;
        }
        Ok(())
    }
}
