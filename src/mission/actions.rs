//! What the mission asks its host to do: the decisions as data.

use serde::Serialize;

/// Stop categories of IEC 60204-1 as the stack maps them (domain reference §3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopCategory {
    /// Remove power at once: traction and rotor (e-stop).
    Cat0,
    /// Controlled stop of traction, then power removed (link loss, geofence, footprint).
    Cat1,
    /// Controlled stop, power kept (pause, GNSS degraded, detonation hold).
    Cat2,
}

/// One thing the host must do, in the order given.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Bring traction to zero.
    StopVehicle { category: StopCategory },
    /// Send the e-stop request to the vehicle (latched on the vehicle as well).
    EStop,
    /// Release the vehicle's e-stop after an explicit operator reset.
    ReleaseEStop,
    /// Turn the rotor off.
    RotorOff,
    /// Spin the rotor up to its target again (after a stall or an e-stop).
    RotorOn,
    /// Start executing plan segment `n` from its beginning.
    StartSegment(usize),
    /// Continue segment `n` from where the machine stopped.
    ResumeSegment(usize),
    /// Mark a block around a detonation for re-processing and follow-on manual search.
    /// # Units: ENU metres; `heading_rad` counter-clockwise from east.
    MarkReprocess {
        detonation_id: u32,
        x_m: f64,
        y_m: f64,
        heading_rad: f64,
        length_m: f64,
        width_m: f64,
    },
    /// Ask the operator to acknowledge a detonation before the mission may continue.
    RequestAck { detonation_id: u32 },
    /// Plan passes over what the coverage grid found missed, then continue.
    PlanGapFill,
    /// The mission is over: stop, rotor off, close the record.
    Finish,
}
