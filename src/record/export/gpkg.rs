//! The record as an OGC GeoPackage 1.3 (`.gpkg`), written with rusqlite.
//!
//! A GeoPackage is an SQLite file with a fixed set of metadata tables; this writer creates the
//! ones the standard requires for vector features and attributes (clause 1.1: `application_id`
//! `GPKG`, `user_version` 10300, `gpkg_spatial_ref_sys` with EPSG:4326 and the −1/0 undefined
//! rows, `gpkg_contents`; clause 2.1: `gpkg_geometry_columns`, one feature table per layer with
//! an integer primary key and one geometry column holding GeoPackageBinary, see [`super::geom`]).
//! No extension is used, so no `gpkg_extensions` table is needed (and there is no R-tree index:
//! the layers are small; GIS tools build their own).
//!
//! Layers (all EPSG:4326; attribute names carry units; times are mission seconds, `t_s`):
//! `hazard`, `safe`, `obstacles`, `planned_passes`, `driven_track`, `processed`, `residual`,
//! `missed`, `detonations`, `detonation_blocks`, `safety_events`, and the one-row attribute table
//! `mission`. `docs/record.md` describes each column.

use super::geom::{geometry_wgs84, gpkg_blob, SRS_ID};
use super::{ExportError, RecordView};
use crate::coverage::raster::GridFrame;
use crate::coverage::{HAZARD, REPROCESS, SWEPT_UNCREDITED};
use crate::field::SafeSource;
use crate::mission::MissionState;
use crate::plan::{Motion, PlanConfig};
use geo::{Area, BoundingRect, Coord, Geometry, LineString, MultiPolygon, Point, Polygon, Rect};
use rusqlite::types::Value;
use rusqlite::{params, Connection};
use std::path::{Path, PathBuf};

/// What was written.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct GpkgSummary {
    pub path: PathBuf,
    /// Layer names with their feature counts, in the file's order.
    pub layers: Vec<(String, usize)>,
    /// Processed ground (credited, not waiting for re-processing), inside the hazard and out, m².
    pub processed_m2: f64,
    /// Processed ground inside the hazard, m².
    pub processed_hazard_m2: f64,
    /// Hazard not processed, m².
    pub residual_m2: f64,
    /// Of the residual, ground the implement passed over without credit, m².
    pub missed_m2: f64,
    pub hazard_m2: f64,
}

/// An attribute column: name and GeoPackage data type.
type Column = (&'static str, &'static str);

/// One layer, geometries in ENU until written.
struct Layer {
    name: &'static str,
    /// GeoPackage geometry type name; `None` for the attribute table.
    geometry_type: Option<&'static str>,
    description: &'static str,
    columns: Vec<Column>,
    features: Vec<(Option<Geometry<f64>>, Vec<Value>)>,
}

impl Layer {
    fn new(
        name: &'static str,
        geometry_type: Option<&'static str>,
        description: &'static str,
        columns: &[Column],
    ) -> Self {
        Self {
            name,
            geometry_type,
            description,
            columns: columns.to_vec(),
            features: Vec::new(),
        }
    }

    fn push(&mut self, g: Option<Geometry<f64>>, values: Vec<Value>) {
        debug_assert_eq!(values.len(), self.columns.len(), "{}", self.name);
        self.features.push((g, values));
    }
}

fn real(v: f64) -> Value {
    if v.is_finite() {
        Value::Real(v)
    } else {
        Value::Null
    }
}
fn opt_real(v: Option<f64>) -> Value {
    v.map_or(Value::Null, real)
}
fn int(v: i64) -> Value {
    Value::Integer(v)
}
fn text(v: impl Into<String>) -> Value {
    Value::Text(v.into())
}
fn boolean(v: bool) -> Value {
    Value::Integer(v as i64)
}

/// Flags and pass times of the grid cells whose centres lie in `poly`.
fn cell_stats(v: &RecordView, poly: &Polygon<f64>) -> CellStats {
    let f = v.grid.frame();
    let cells = v.grid.cells();
    let rings = GridFrame::rings_of(&MultiPolygon::new(vec![poly.clone()]));
    let refs: Vec<&[Coord<f64>]> = rings.iter().map(|r| r.as_slice()).collect();
    let mut s = CellStats {
        first_t_s: f64::INFINITY,
        last_t_s: f64::NEG_INFINITY,
        hazard_cells: 0,
        swept_uncredited: 0,
        reprocess: 0,
    };
    f.spans(&refs, |row, a, b| {
        let span = row * f.nx + a..row * f.nx + b;
        for (&c, &t) in cells[span.clone()].iter().zip(&v.cell_t_s[span]) {
            s.hazard_cells += usize::from(c & HAZARD != 0);
            s.swept_uncredited += usize::from(c & SWEPT_UNCREDITED != 0);
            s.reprocess += usize::from(c & REPROCESS != 0);
            if !t.is_nan() {
                s.first_t_s = s.first_t_s.min(t as f64);
                s.last_t_s = s.last_t_s.max(t as f64);
            }
        }
    });
    s
}

struct CellStats {
    first_t_s: f64,
    last_t_s: f64,
    hazard_cells: usize,
    swept_uncredited: usize,
    reprocess: usize,
}

fn xy(p: &crate::plan::Pose) -> Coord<f64> {
    Coord { x: p.x_m, y: p.y_m }
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// Build every layer from the record.
fn layers(v: &RecordView) -> (Vec<Layer>, GpkgSummary) {
    let cell_a = v.grid.frame().cell_area_m2();
    let mut out = Vec::new();

    let mut hazard = Layer::new(
        "hazard",
        Some("MULTIPOLYGON"),
        "Hazardous area to clear (holes: obstacles)",
        &[("area_m2", "DOUBLE"), ("source_file", "TEXT")],
    );
    hazard.push(
        Some(Geometry::MultiPolygon(v.field.hazard.clone())),
        vec![real(v.field.hazard.unsigned_area()), text(v.mission.field_name.clone())],
    );
    out.push(hazard);

    let mut safe = Layer::new(
        "safe",
        Some("MULTIPOLYGON"),
        "Ground the machine may stand on from the start",
        &[("area_m2", "DOUBLE"), ("origin", "TEXT")],
    );
    if !v.field.safe.0.is_empty() {
        let origin = match v.field.safe_source {
            SafeSource::Given => "given in the field file".to_string(),
            SafeSource::DefaultBand { margin_m } => format!("default band of {margin_m} m around the hazard"),
        };
        safe.push(
            Some(Geometry::MultiPolygon(v.field.safe.clone())),
            vec![real(v.field.safe.unsigned_area()), text(origin)],
        );
    }
    out.push(safe);

    let mut obstacles = Layer::new(
        "obstacles",
        Some("POLYGON"),
        "Obstacles inside the hazard (never entered)",
        &[("obstacle_no", "INTEGER"), ("area_m2", "DOUBLE")],
    );
    for (i, p) in v.field.obstacles().0.into_iter().enumerate() {
        let a = p.unsigned_area();
        obstacles.push(Some(Geometry::Polygon(p)), vec![int(i as i64 + 1), real(a)]);
    }
    out.push(obstacles);

    let mut passes = Layer::new(
        "planned_passes",
        Some("LINESTRING"),
        "The plan as executed: planned segments, then gap-fill segments (pivots on the spot are not drawn)",
        &[
            ("seq", "INTEGER"),
            ("kind", "TEXT"),
            ("implement_on", "BOOLEAN"),
            ("direction", "TEXT"),
            ("speed_mps", "DOUBLE"),
            ("length_m", "DOUBLE"),
            ("started_t_s", "DOUBLE"),
            ("finished_t_s", "DOUBLE"),
        ],
    );
    for (s, m) in v.plan.iter().zip(&v.motions) {
        let line: Vec<Coord<f64>> = match m {
            Motion::Straight { from, to, .. } => vec![xy(from), xy(to)],
            Motion::Curve { poses, .. } => poses.iter().map(xy).collect(),
            Motion::Pivot { .. } => continue,
        };
        let times = v.segment_times.get(&s.seq).copied();
        passes.push(
            Some(Geometry::LineString(LineString(line))),
            vec![
                int(s.seq),
                text(m.kind().as_str()),
                boolean(s.implement),
                text(s.direction.clone()),
                real(m.speed_mps(&v.machine)),
                real(m.length_m()),
                opt_real(times.map(|t| t.0)),
                opt_real(times.and_then(|t| t.1)),
            ],
        );
    }
    out.push(passes);

    let mut driven = Layer::new(
        "driven_track",
        Some("LINESTRING"),
        "Path driven (base_link), one line per run of samples with one segment and implement state",
        &[
            ("segment_seq", "INTEGER"),
            ("start_t_s", "DOUBLE"),
            ("end_t_s", "DOUBLE"),
            ("length_m", "DOUBLE"),
            ("mean_speed_mps", "DOUBLE"),
            ("max_speed_mps", "DOUBLE"),
            ("implement_on", "BOOLEAN"),
            ("reverse", "BOOLEAN"),
        ],
    );
    let track: Vec<_> = v.track.iter().filter(|q| q.segment >= 0).collect();
    let mut i = 0;
    while i < track.len() {
        let q0 = track[i];
        let mut j = i + 1;
        while j < track.len()
            && (track[j].segment, track[j].implement, track[j].reverse) == (q0.segment, q0.implement, q0.reverse)
        {
            j += 1;
        }
        // the run joins its predecessor's last sample when it continues the same segment
        let from = if i > 0 && track[i - 1].segment == q0.segment {
            i - 1
        } else {
            i
        };
        let run = &track[from..j];
        if run.len() >= 2 {
            let mut len = 0.0;
            let mut vmax: f64 = 0.0;
            for w in run.windows(2) {
                let d = (w[1].x_m - w[0].x_m).hypot(w[1].y_m - w[0].y_m);
                len += d;
                let dt = w[1].t_s - w[0].t_s;
                if dt > 0.0 {
                    vmax = vmax.max(d / dt);
                }
            }
            let (t0, t1) = (run[0].t_s, run[run.len() - 1].t_s);
            driven.push(
                Some(Geometry::LineString(LineString(
                    run.iter().map(|q| Coord { x: q.x_m, y: q.y_m }).collect(),
                ))),
                vec![
                    int(q0.segment),
                    real(t0),
                    real(t1),
                    real(len),
                    opt_real((t1 > t0).then(|| len / (t1 - t0))),
                    real(vmax),
                    boolean(q0.implement),
                    boolean(q0.reverse),
                ],
            );
        }
        i = j;
    }
    out.push(driven);

    let mut processed = Layer::new(
        "processed",
        Some("POLYGON"),
        "Ground processed to standard (credited cells; blocks awaiting re-processing excluded)",
        &[
            ("area_m2", "DOUBLE"),
            ("hazard_area_m2", "DOUBLE"),
            ("first_pass_t_s", "DOUBLE"),
            ("last_pass_t_s", "DOUBLE"),
            ("cell_m", "DOUBLE"),
        ],
    );
    let (mut processed_m2, mut processed_hazard_m2) = (0.0, 0.0);
    for p in v.grid.processed_polygons().0 {
        let s = cell_stats(v, &p);
        let a = p.unsigned_area();
        processed_m2 += a;
        processed_hazard_m2 += s.hazard_cells as f64 * cell_a;
        processed.push(
            Some(Geometry::Polygon(p)),
            vec![
                real(a),
                real(s.hazard_cells as f64 * cell_a),
                opt_real(finite(s.first_t_s)),
                opt_real(finite(s.last_t_s)),
                real(v.mission.cell_m),
            ],
        );
    }
    out.push(processed);

    let mut residual = Layer::new(
        "residual",
        Some("POLYGON"),
        "Hazard not processed: for manual teams, with the reason it was left",
        &[("area_m2", "DOUBLE"), ("reason", "TEXT")],
    );
    let mut residual_m2 = 0.0;
    for p in v.grid.unprocessed_hazard(0.0).0 {
        let s = cell_stats(v, &p);
        let a = p.unsigned_area();
        residual_m2 += a;
        let reason = if s.reprocess > 0 {
            "detonation block awaiting re-processing".to_string()
        } else if s.swept_uncredited > 0 {
            "passed over below the processing standard (see missed)".to_string()
        } else if v.state != MissionState::Completed {
            format!("not reached: the mission is {}", v.state.as_str())
        } else {
            "not reached by the plan (obstacle clearance, corners or ground narrower than the machine)".to_string()
        };
        residual.push(Some(Geometry::Polygon(p)), vec![real(a), text(reason)]);
    }
    out.push(residual);

    let mut missed = Layer::new(
        "missed",
        Some("POLYGON"),
        "Hazard the implement passed over (driven track, implement on) without credit, never processed since",
        &[("area_m2", "DOUBLE"), ("criterion", "TEXT")],
    );
    let mut missed_m2 = 0.0;
    for p in v.grid.missed_strips(PlanConfig::default().gap_fill_min_m2).0 {
        let a = p.unsigned_area();
        missed_m2 += a;
        missed.push(
            Some(Geometry::Polygon(p)),
            vec![
                real(a),
                text(
                    "processing standard not met (rotor speed, depth, ground speed or position σ): \
                     the record keeps no per-sample values to say which",
                ),
            ],
        );
    }
    out.push(missed);

    let operator = if v.mission.task_id.starts_with("sim-") {
        "simulated operator"
    } else {
        "operator"
    };
    let mut dets = Layer::new(
        "detonations",
        Some("POINT"),
        "Detonations (estimated machine position at the shock)",
        &[
            ("detonation_id", "INTEGER"),
            ("t_s", "DOUBLE"),
            ("bearing_deg", "DOUBLE"),
            ("segment_seq", "INTEGER"),
            ("acknowledged_by", "TEXT"),
            ("acknowledged_t_s", "DOUBLE"),
            ("block_length_m", "DOUBLE"),
            ("block_width_m", "DOUBLE"),
        ],
    );
    let mut blocks = Layer::new(
        "detonation_blocks",
        Some("POLYGON"),
        "Ground around each detonation to process again",
        &[
            ("detonation_id", "INTEGER"),
            ("area_m2", "DOUBLE"),
            ("pending_m2", "DOUBLE"),
            ("status", "TEXT"),
        ],
    );
    for d in &v.detonations {
        dets.push(
            Some(Geometry::Point(Point::new(d.x_m, d.y_m))),
            vec![
                int(d.id),
                real(d.t_s),
                real((90.0 - d.heading_rad.to_degrees()).rem_euclid(360.0)),
                d.segment.map_or(Value::Null, int),
                if d.acknowledged_t_s.is_some() {
                    text(operator)
                } else {
                    Value::Null
                },
                opt_real(d.acknowledged_t_s),
                real(d.block_length_m),
                real(d.block_width_m),
            ],
        );
        let area = crate::coverage::reprocess::reprocess_area(
            d.x_m,
            d.y_m,
            d.heading_rad,
            d.block_length_m,
            d.block_width_m,
            v.machine.lane_overlap_m,
        );
        let s = cell_stats(v, &area);
        let pending = s.reprocess as f64 * cell_a;
        let a = area.unsigned_area();
        blocks.push(
            Some(Geometry::Polygon(area)),
            vec![
                int(d.id),
                real(a),
                real(pending),
                text(if s.reprocess > 0 { "pending" } else { "re-processed" }),
            ],
        );
    }
    out.push(dets);
    out.push(blocks);

    let mut events = Layer::new(
        "safety_events",
        Some("POINT"),
        "Safety events, state transitions and operator actions (at the driven position of their time)",
        &[
            ("seq", "INTEGER"),
            ("t_s", "DOUBLE"),
            ("category", "TEXT"),
            ("kind", "TEXT"),
            ("state", "TEXT"),
            ("text", "TEXT"),
        ],
    );
    for e in &v.events {
        let g = v.pose_at(e.t_s).map(|p| Geometry::Point(Point::new(p.x_m, p.y_m)));
        events.push(
            g,
            vec![
                int(e.seq),
                real(e.t_s),
                text(e.category.clone()),
                text(e.name.clone()),
                text(e.state.clone()),
                text(e.detail.clone()),
            ],
        );
    }
    out.push(events);

    let hazard_m2 = v.grid.hazard_m2();
    let (t0, t1) = v.time_span_s();
    let mut mission = Layer::new(
        "mission",
        None,
        "The mission: machine, field, times, outcome",
        &[
            ("task_id", "TEXT"),
            ("machine", "TEXT"),
            ("field_file", "TEXT"),
            ("field_sha256", "TEXT"),
            ("seed", "INTEGER"),
            ("created_utc", "TEXT"),
            ("start_t_s", "DOUBLE"),
            ("end_t_s", "DOUBLE"),
            ("state", "TEXT"),
            ("hazard_m2", "DOUBLE"),
            ("processed_pct", "DOUBLE"),
            ("residual_m2", "DOUBLE"),
            ("detonations", "INTEGER"),
            ("cell_m", "DOUBLE"),
            ("exported_by", "TEXT"),
        ],
    );
    let residual_cells_m2 = v.grid.residual_m2();
    mission.push(
        None,
        vec![
            text(v.mission.task_id.clone()),
            text(v.mission.machine_name.clone()),
            text(v.mission.field_name.clone()),
            text(v.field_sha256.clone()),
            int(v.mission.seed as i64),
            text(v.mission.created_utc.clone()),
            opt_real(finite(t0)),
            opt_real(finite(t1)),
            text(v.state.as_str()),
            real(hazard_m2),
            real(100.0 * v.grid.progress()),
            real(residual_cells_m2),
            int(v.detonations.len() as i64),
            real(v.mission.cell_m),
            text(format!("demine {}", env!("CARGO_PKG_VERSION"))),
        ],
    );
    out.push(mission);

    let summary = GpkgSummary {
        path: PathBuf::new(),
        layers: out.iter().map(|l| (l.name.to_string(), l.features.len())).collect(),
        processed_m2,
        processed_hazard_m2,
        residual_m2,
        missed_m2,
        hazard_m2,
    };
    (out, summary)
}

const WGS84_WKT: &str = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#;

/// The tables every GeoPackage has (GeoPackage 1.3, tables 18, 20 and 22, as DDL).
const CORE_DDL: &str = "
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL,
  srs_id INTEGER PRIMARY KEY,
  organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL,
  definition TEXT NOT NULL,
  description TEXT
);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY,
  data_type TEXT NOT NULL,
  identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
  srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
);
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL,
  column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL,
  z TINYINT NOT NULL,
  m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id)
);
";

fn write_file(path: &Path, layers: &[Layer], v: &RecordView) -> Result<(), rusqlite::Error> {
    let mut conn = Connection::open(path)?;
    // 0x47504B47 = "GPKG"; 10300 = version 1.3.0
    conn.execute_batch("PRAGMA application_id = 1196444487; PRAGMA user_version = 10300; PRAGMA foreign_keys = ON;")?;
    let tx = conn.transaction()?;
    tx.execute_batch(CORE_DDL)?;
    tx.execute(
        "INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84 geodetic', 4326, 'EPSG', 4326, ?1,
         'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid')",
        params![WGS84_WKT],
    )?;
    tx.execute_batch(
        "INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined',
           'undefined cartesian coordinate reference system');
         INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined',
           'undefined geographic coordinate reference system');",
    )?;
    let datum = &v.field.datum;
    for l in layers {
        let cols: String = l.columns.iter().map(|(n, t)| format!(", \"{n}\" {t}")).collect();
        let geom_col = l.geometry_type.map(|t| format!(", geom {t}")).unwrap_or_default();
        tx.execute_batch(&format!(
            "CREATE TABLE \"{}\" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL{geom_col}{cols});",
            l.name
        ))?;
        let wgs: Vec<Option<Geometry<f64>>> = l
            .features
            .iter()
            .map(|(g, _)| g.as_ref().map(|g| geometry_wgs84(datum, g)))
            .collect();
        let bounds = wgs
            .iter()
            .flatten()
            .filter_map(|g| g.bounding_rect())
            .reduce(|a: Rect<f64>, b| {
                Rect::new(
                    (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
                    (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
                )
            });
        let data_type = if l.geometry_type.is_some() {
            "features"
        } else {
            "attributes"
        };
        tx.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, max_x, max_y, srs_id)
             VALUES (?1, ?2, ?1, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                l.name,
                data_type,
                l.description,
                bounds.map(|b| b.min().x),
                bounds.map(|b| b.min().y),
                bounds.map(|b| b.max().x),
                bounds.map(|b| b.max().y),
                l.geometry_type.map(|_| SRS_ID),
            ],
        )?;
        if let Some(t) = l.geometry_type {
            tx.execute(
                "INSERT INTO gpkg_geometry_columns VALUES (?1, 'geom', ?2, ?3, 0, 0)",
                params![l.name, t, SRS_ID],
            )?;
        }
        let names: String = l.columns.iter().map(|(n, _)| format!(", \"{n}\"")).collect();
        let has_geom = l.geometry_type.is_some();
        let sql = if has_geom {
            let marks: String = (0..l.columns.len()).map(|i| format!(", ?{}", i + 2)).collect();
            format!("INSERT INTO \"{}\" (geom{names}) VALUES (?1{marks})", l.name)
        } else {
            let marks: Vec<String> = (0..l.columns.len()).map(|i| format!("?{}", i + 1)).collect();
            format!(
                "INSERT INTO \"{}\" ({}) VALUES ({})",
                l.name,
                &names[2..],
                marks.join(", ")
            )
        };
        let mut st = tx.prepare(&sql)?;
        for (g, (_, values)) in wgs.iter().zip(&l.features) {
            let mut all = Vec::with_capacity(values.len() + 1);
            if has_geom {
                all.push(g.as_ref().map_or(Value::Null, |g| Value::Blob(gpkg_blob(g))));
            }
            all.extend(values.iter().cloned());
            st.execute(rusqlite::params_from_iter(all))?;
        }
    }
    tx.commit()?;
    conn.close().map_err(|(_, e)| e)
}

/// Export the record at `record_path` as a GeoPackage at `out_path` (replaced atomically: the
/// file is written beside it under a temporary name and renamed when complete).
pub fn write_geopackage(record_path: &Path, out_path: &Path) -> Result<GpkgSummary, ExportError> {
    let v = RecordView::open(record_path)?;
    write_geopackage_from(&v, out_path)
}

/// As [`write_geopackage`], from a record already read.
pub fn write_geopackage_from(v: &RecordView, out_path: &Path) -> Result<GpkgSummary, ExportError> {
    let (layers, mut summary) = layers(v);
    let name = out_path.display().to_string();
    let tmp = super::temp_beside(out_path)?;
    let _ = std::fs::remove_file(&tmp);
    if let Err(source) = write_file(&tmp, &layers, v) {
        let _ = std::fs::remove_file(&tmp);
        return Err(ExportError::Gpkg { path: name, source });
    }
    std::fs::rename(&tmp, out_path).map_err(|source| ExportError::Io { path: name, source })?;
    summary.path = out_path.to_path_buf();
    Ok(summary)
}
