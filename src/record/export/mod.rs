//! The clearance record in the formats mine-action people open without a converter:
//! [`write_geopackage`] (OGC GeoPackage 1.3, for QGIS, ArcGIS, GDAL and IMSMA-type imports) and
//! [`write_mcap`] (a rosbag2 MCAP bag, for `ros2 bag play` → RViz, and Foxglove).
//!
//! Both read only the SQLite record (opened read-only: an export never changes it), so they give
//! the same result for `demine sim` at the end of its run, for `demine record export` at any
//! later time and for the ROS mission node, and a killed-and-resumed mission exports like an
//! uninterrupted one. [`RecordView`] is what both build from the record: the field and machine
//! the mission was started with, the plan, and the processed-area grid rebuilt from the recorded
//! cells exactly as a resume rebuilds it (detonation blocks still to re-process included).
//!
//! What the record does not keep, the exports do not invent; `docs/record.md` lists it per
//! layer and topic.

mod geom;
pub mod gpkg;
pub mod mcap_bag;
mod ros_msgs;
mod view;

pub use gpkg::{write_geopackage, GpkgSummary};
pub use mcap_bag::{write_mcap, McapSummary};
pub use view::RecordView;

/// Errors of the exports. Each names the file it is about.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The record file does not exist or cannot be opened.
    #[error("{path}: cannot open the record: {reason}")]
    Open { path: String, reason: String },
    /// The file is not a demine clearance record (another SQLite file, or not SQLite at all).
    #[error("{path}: not a demine clearance record: {reason}")]
    NotARecord { path: String, reason: String },
    /// The record as read (version mismatch, SQL errors, values that do not parse).
    #[error(transparent)]
    Record(#[from] super::RecordError),
    /// The record's field or machine no longer validates.
    #[error("{path}: {what}")]
    Invalid { path: String, what: String },
    /// Writing the GeoPackage failed.
    #[error("{path}: cannot write the GeoPackage: {source}")]
    Gpkg {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    /// Writing the MCAP bag failed.
    #[error("{path}: cannot write the MCAP bag: {source}")]
    Mcap {
        path: String,
        #[source]
        source: mcap::McapError,
    },
    /// A message did not encode (a bug: every message type is fixed).
    #[error("{path}: cannot encode a {msg_type} message: {source}")]
    Cdr {
        path: String,
        msg_type: &'static str,
        #[source]
        source: cdr::Error,
    },
    /// Filesystem errors around the outputs (temporary file, rename).
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// What a mission host writes at the end of a run: `record.gpkg` beside the record, and the
/// MCAP bag at `mcap` when asked. Used by `demine sim` and the ROS mission node.
pub fn write_mission_exports(
    record_path: &std::path::Path,
    mcap: Option<&std::path::Path>,
) -> Result<(GpkgSummary, Option<McapSummary>), ExportError> {
    let v = RecordView::open(record_path)?;
    let g = gpkg::write_geopackage_from(&v, &record_path.with_extension("gpkg"))?;
    let m = mcap.map(|p| mcap_bag::write_mcap_from(&v, p)).transpose()?;
    Ok((g, m))
}

/// A temporary name beside `out` (same directory, so the final rename is atomic).
fn temp_beside(out: &std::path::Path) -> Result<std::path::PathBuf, ExportError> {
    let name = out.file_name().ok_or_else(|| ExportError::Io {
        path: out.display().to_string(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"),
    })?;
    Ok(out.with_file_name(format!(".{}.tmp", name.to_string_lossy())))
}
