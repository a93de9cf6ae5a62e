//! The clearance record: one SQLite file per mission (rusqlite, bundled SQLite, WAL).
//!
//! Every write is its own committed transaction (or one transaction per control tick for the
//! cells processed in that tick), so killing the process at any moment loses nothing already
//! written, and [`Record::open`] of an existing file gives back everything needed to resume:
//! the plan, the segments done, the processed cells, the detonations and the mission state.
//!
//! Rows have natural keys (segment number, cell index, detonation number, event number) and
//! are written with `INSERT OR IGNORE` / upserts, so a write repeated after a restart never
//! duplicates a row.
//!
//! # Durability
//! WAL journal. `synchronous` is chosen by [`Durability`]: `Full` (the field default) syncs the
//! WAL on every commit, so even a power cut loses no committed row; `Normal` syncs only at
//! checkpoints: a killed *process* still loses nothing (the OS has the WAL pages), only a power
//! cut or kernel crash can drop the last commits, never corrupt the file. `demine sim` uses
//! `Normal` because it commits hundreds of times per wall-clock second and its failure mode
//! under test is a killed process, not a power cut.

pub mod export;
mod read;
mod schema;
mod store;

pub use store::{
    Durability, EventRow, MissionRow, Record, RecordedDetonation, RecordedSegment, ResumePoint, TrackPoint,
};

/// Errors of the record.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// SQLite refused an operation.
    #[error("record {path}: {source}")]
    Sql {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    /// The file holds a record of a different schema version.
    #[error("record {path}: schema version {found}, this build reads {expected}")]
    Version { path: String, found: i64, expected: i64 },
    /// A stored value does not parse.
    #[error("record {path}: {what}")]
    Corrupt { path: String, what: String },
}
