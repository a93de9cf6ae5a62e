//! The in-process runtime of `demine sim`: field → plan → simulated machine behind a real pty
//! (SLCAN, the real codec, schedule and ECU watchdog) → GNSS → estimator → path follower →
//! coverage grid → mission and safety supervisor → clearance record, in simulated time.
//!
//! Every part is the real one: [`crate::sim::SimVehicle`] inside the CAN layer's
//! `VehicleEcu` behind the pty ([`can_loop`]), its NMEA through the real parser into
//! [`crate::localize::Localizer`] ([`nav`]), [`crate::track::PathTracker`],
//! [`crate::coverage::ProcessedGrid`], [`crate::mission::Mission`] and [`crate::record::Record`].
//! Only [`truth`] reads the simulator's true pose: for the independent footprint check and
//! the driven track.

pub mod actions;
pub mod can_loop;
pub mod drive;
pub mod inject;
pub mod motion_json;
pub mod nav;
pub mod output;
pub mod report;
pub mod run;
pub mod sensor_log;
pub mod tick;
pub mod truth;

pub use inject::Injection;
pub use run::{run, Progress, SimOptions, SimSummary};

/// Errors of the runtime.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error(transparent)]
    Field(Box<crate::field::FieldError>),
    #[error(transparent)]
    Plan(Box<crate::plan::PlanError>),
    #[error(transparent)]
    Record(#[from] crate::record::RecordError),
    #[error(transparent)]
    Mission(#[from] crate::mission::MissionError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

impl From<crate::field::FieldError> for RuntimeError {
    fn from(e: crate::field::FieldError) -> Self {
        RuntimeError::Field(Box::new(e))
    }
}

impl From<crate::plan::PlanError> for RuntimeError {
    fn from(e: crate::plan::PlanError) -> Self {
        RuntimeError::Plan(Box::new(e))
    }
}

impl RuntimeError {
    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let what = what.into();
        move |source| RuntimeError::Io { what, source }
    }
}
