//! The narrow trait the stack uses to talk to the vehicle: typed commands out, typed,
//! timestamped feedback in. Implemented by the serial SLCAN bridge
//! ([`crate::can::bridge::BridgeLink`]) and by anything that stands in for the vehicle
//! (the built-in simulator), so callers never see bytes or ports.

use std::future::Future;
use std::time::Instant;

use super::protocol::{VehicleCommand, VehicleFeedback};
use super::slcan_stream::StreamStats;

/// One piece of feedback with the time it arrived.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FeedbackEvent {
    /// Host monotonic time the frame was decoded.
    pub received: Instant,
    /// Adapter timestamp, ms 0–59 999, when the adapter gives one.
    pub adapter_ms: Option<u16>,
    /// The decoded message.
    pub feedback: VehicleFeedback,
}

/// Health of a link.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LinkStatus {
    /// The adapter is open and vehicle feedback is arriving.
    pub connected: bool,
    /// Successful (re)connections so far.
    pub connects: u64,
    /// Times the link was declared lost.
    pub losses: u64,
    /// The last error, for the operator.
    pub last_error: Option<String>,
    /// Frames written to the adapter.
    pub frames_sent: u64,
    /// Feedback messages decoded.
    pub feedback_received: u64,
    /// Frames with vehicle identifiers that did not decode (e.g. wrong DLC).
    pub bad_frames: u64,
    /// Frames with identifiers outside the protocol.
    pub foreign_frames: u64,
    /// Feedback dropped because the receiver did not keep up.
    pub feedback_dropped: u64,
    /// Line decoder counters of the current connection.
    pub decoder: StreamStats,
}

/// Errors sending through a link.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LinkError {
    /// The command cannot be encoded (a value outside the DBC range).
    #[error("command refused: {0}")]
    Invalid(String),
    /// The link has been shut down.
    #[error("link closed")]
    Closed,
}

/// A connection to the vehicle.
pub trait VehicleLink: Send {
    /// Queues a command; never blocks. Newer drive and implement commands replace older
    /// unsent ones; an e-stop goes before everything else.
    fn send(&self, cmd: VehicleCommand) -> Result<(), LinkError>;

    /// The next feedback; `None` once the link is shut down.
    fn recv(&mut self) -> impl Future<Output = Option<FeedbackEvent>> + Send;

    /// The next feedback if one is waiting.
    fn try_recv(&mut self) -> Option<FeedbackEvent>;

    /// Health counters.
    fn status(&self) -> LinkStatus;
}
