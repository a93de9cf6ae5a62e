//! The files `demine sim` leaves in its output directory.

use super::report;
use super::run::SimSummary;
use super::tick::Host;
use super::RuntimeError;
use crate::geodesy::Datum;
use crate::plan::output::to_geojson;
use crate::plan::pose::Pose;
use crate::plan::{Direction, Motion, PathKind};
use crate::record::TrackPoint;
use serde_json::{json, Value};

/// Writer of the outputs.
pub struct Outputs;

fn ll(d: &Datum, x: f64, y: f64) -> Value {
    let p = d.to_latlon_2d(x, y);
    json!([p.lon_deg, p.lat_deg])
}

/// The driven path as plan motions: one straight piece per ~2 m (or 0.05 rad of yaw) of each
/// executed segment, with that segment's kind, direction and implement state.
pub fn driven_motions(track: &[TrackPoint], plan: &[Motion]) -> Vec<Motion> {
    let mut out = Vec::new();
    let mut last: Option<&TrackPoint> = None;
    for q in track.iter().filter(|q| q.segment >= 0) {
        let Some(l) = last else {
            last = Some(q);
            continue;
        };
        let same = l.segment == q.segment;
        let far = (q.x_m - l.x_m).hypot(q.y_m - l.y_m) >= 2.0 || (q.yaw_rad - l.yaw_rad).abs() >= 0.05;
        if !same || far {
            if same {
                let kind = plan.get(q.segment as usize).map_or(PathKind::Transit, |m| m.kind());
                out.push(Motion::Straight {
                    from: Pose::new(l.x_m, l.y_m, l.yaw_rad),
                    to: Pose::new(q.x_m, q.y_m, q.yaw_rad),
                    direction: if q.reverse {
                        Direction::Reverse
                    } else {
                        Direction::Forward
                    },
                    implement: q.implement,
                    kind,
                });
            }
            last = Some(q);
        }
    }
    out
}

fn rects_geometry(d: &Datum, rects: &[[f64; 4]]) -> Value {
    let polys: Vec<Value> = rects
        .iter()
        .map(|r| {
            json!([[
                ll(d, r[0], r[1]),
                ll(d, r[2], r[1]),
                ll(d, r[2], r[3]),
                ll(d, r[0], r[3]),
                ll(d, r[0], r[1])
            ]])
        })
        .collect();
    json!({"type": "MultiPolygon", "coordinates": polys})
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
        let driven = driven_motions(&track, &h.p.motions);
        let fc = to_geojson(&driven, &[], datum, h.p.m, None);
        write(dir, "track.geojson", fc.to_string().as_bytes())?;
        let cell2 = h.p.grid.cell_m * h.p.grid.cell_m;
        let processed = h.p.grid.processed_rects();
        let missed = h.p.grid.missed_rects();
        let area = |r: &[[f64; 4]]| r.iter().map(|r| (r[2] - r[0]) * (r[3] - r[1])).sum::<f64>();
        let pc = json!({
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": rects_geometry(datum, &processed),
                 "properties": {"kind": "processed", "area_m2": area(&processed), "cell_m": h.p.grid.cell_m}},
                {"type": "Feature", "geometry": rects_geometry(datum, &missed),
                 "properties": {"kind": "missed", "area_m2": area(&missed), "cell_m": h.p.grid.cell_m}},
            ],
            "processed_fraction": s.processed_fraction,
            "cell_area_m2": cell2,
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
