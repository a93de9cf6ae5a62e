//! The mission: its state machine, the pre-flight checks and the run-time safety supervisor.
//!
//! Everything here is plain logic (no I/O, no clock): the host passes observations and the
//! current time in and executes the [`Action`]s that come back. The decisions are data, so the
//! safety rules are tested as tables.
//!
//! ```text
//! idle ─plan─► planned ─preflight ok─► ready ─start─► clearing ⇄ paused ─► completed
//!                                                        └──────────┴────► aborted
//! ```
//!
//! States never move backwards in that order (clearing and paused share a rank), and every
//! transition is returned as a [`MissionEvent`] for the clearance record.

pub mod actions;
pub mod config;
pub mod footprint;
pub mod preflight;
pub mod progress;
pub mod state;
pub mod supervisor;

pub use actions::{Action, StopCategory};
pub use config::{AckPolicy, SafetyConfig};
pub use footprint::{FootprintMonitor, GroundQuery};
pub use preflight::{GnssQuality, PreflightInputs, PreflightReport};
pub use state::{Input, Mission, MissionEvent, MissionState, Step};
pub use supervisor::{Observation, SafetySupervisor, Trip, TripKind};

/// Errors of the mission layer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MissionError {
    /// A safety configuration value is outside its range.
    #[error("safety config: {field} = {value}: {why}")]
    Config {
        field: &'static str,
        value: String,
        why: String,
    },
    /// A mission state name read back from a record is unknown.
    #[error("unknown mission state {0:?}")]
    UnknownState(String),
}
