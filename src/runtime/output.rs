//! The files `demine sim` leaves in its output directory.

use super::report;
use super::run::SimSummary;
use super::tick::Host;
use super::RuntimeError;
use crate::plan::output::{multipolygon_geometry, to_geojson};
use crate::plan::pose::Pose;
use crate::plan::PlanConfig;
use crate::plan::{Direction, Motion, PathKind};
use crate::record::TrackPoint;
use geo::{Area, MultiPolygon};
use serde_json::json;

/// Writer of the outputs.
pub struct Outputs;

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
