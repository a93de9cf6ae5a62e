//! The simulated vehicle control unit: a plain, time-stepped type with no I/O.
//!
//! Frames in ([`VehicleEcu::on_frame`]), frames out ([`VehicleEcu::step`]), time passed in as a
//! monotonic `Duration` since any fixed origin. It decodes host commands with the DBC, runs the
//! vehicle-side heartbeat watchdog, drives a [`VehicleModel`] and sends the vehicle's status
//! messages at the periods the DBC gives (`GenMsgCycleTime`).
//!
//! Safety behaviour:
//! - **Heartbeat watchdog** ([`HeartbeatWatchdog`]): no valid host heartbeat for
//!   `heartbeat_timeout` (default 300 ms) ⇒ `SafeStop` with `StopReason::HeartbeatTimeout`:
//!   tracks ramp to zero, rotor drive off (it runs down), setpoints forgotten. 254/255 stop the
//!   vehicle at once (`HostError` / `HostShutdown`). After a stop, motion needs a fresh valid
//!   heartbeat *and* fresh commands.
//! - **Drive command staleness**: a drive setpoint older than `drive_timeout` counts as zero.
//! - **Emergency stop**: latched (brakes, rotor off) until an explicit release; survives link loss.
//! - The reason is reported in `VehicleHeartbeat.StopReason` and in the `FaultCodes` flags.

use std::time::Duration;

use super::dbc::Dbc;
use super::ecu_report as report;
use super::frame::CanFrame;
use super::protocol::{
    counter, DriveCommand, FaultFlags, HostMode, ImplementCommand, StopReason, VehicleCommand, VehicleFeedback,
    VehicleMode,
};
use super::vehicle_model::{ActuatorDemand, SimpleVehicle, VehicleModel};
use super::watchdog::{HeartbeatVerdict, HeartbeatWatchdog};

/// ECU settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EcuConfig {
    /// Stop when no valid host heartbeat arrived for this long. Default 300 ms.
    pub heartbeat_timeout: Duration,
    /// A drive setpoint older than this counts as zero. Default 300 ms.
    pub drive_timeout: Duration,
    /// Longest model step; longer gaps are integrated in several steps. Default 10 ms.
    pub max_step: Duration,
}

impl Default for EcuConfig {
    fn default() -> Self {
        Self {
            heartbeat_timeout: Duration::from_millis(300),
            drive_timeout: Duration::from_millis(300),
            max_step: Duration::from_millis(10),
        }
    }
}

/// Counters and state for tests and the sim's log.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct EcuStats {
    /// Host commands decoded.
    pub commands: u64,
    /// Frames for our identifiers that did not decode (wrong DLC and the like).
    pub bad_frames: u64,
    /// Frames with identifiers the ECU does not handle.
    pub foreign_frames: u64,
    /// Valid heartbeats.
    pub heartbeats: u64,
    /// Watchdog trips.
    pub watchdog_trips: u64,
}

#[derive(Clone, Copy, Debug)]
struct Periodic {
    what: Output,
    period: Duration,
    next: Duration,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Output {
    Status(report::Status),
    Faults,
    Heartbeat,
}

/// The simulated vehicle control unit.
pub struct VehicleEcu<M: VehicleModel = SimpleVehicle> {
    config: EcuConfig,
    model: M,
    mode: VehicleMode,
    stop_reason: StopReason,
    estop: bool,
    host_mode: HostMode,
    watchdog: HeartbeatWatchdog,
    drive: Option<(DriveCommand, Duration)>,
    implement: Option<ImplementCommand>,
    vehicle_counter: u8,
    detonations: u8,
    last_faults: FaultFlags,
    last_step: Option<Duration>,
    periodic: Vec<Periodic>,
    pending: Vec<CanFrame>,
    stats: EcuStats,
}

impl<M: VehicleModel> VehicleEcu<M> {
    /// A new ECU in `Init`, starting its periodic messages at `now`.
    pub fn new(config: EcuConfig, model: M, now: Duration) -> Self {
        let period = |name: &str, fallback: u64| {
            let ms = Dbc::vehicle()
                .message(name)
                .ok()
                .and_then(|m| m.cycle_time_ms)
                .map_or(fallback, u64::from);
            Duration::from_millis(ms)
        };
        let periodic = [
            (Output::Status(report::Status::TrackSpeeds), "TrackSpeeds", 20),
            (Output::Status(report::Status::Implement), "ImplementStatus", 100),
            (Output::Status(report::Status::Engine), "EngineStatus", 100),
            (Output::Faults, "FaultCodes", 500),
            (Output::Heartbeat, "VehicleHeartbeat", 100),
        ]
        .into_iter()
        .map(|(what, name, fb)| Periodic {
            what,
            period: period(name, fb),
            next: now,
        })
        .collect();
        Self {
            config,
            model,
            mode: VehicleMode::Init,
            stop_reason: StopReason::None,
            estop: false,
            host_mode: HostMode::Idle,
            watchdog: HeartbeatWatchdog::new(config.heartbeat_timeout),
            drive: None,
            implement: None,
            vehicle_counter: counter::INIT,
            detonations: 0,
            last_faults: FaultFlags::default(),
            last_step: None,
            periodic,
            pending: Vec::new(),
            stats: EcuStats::default(),
        }
    }

    /// The vehicle model.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The vehicle model, mutably (to inject events).
    pub fn model_mut(&mut self) -> &mut M {
        &mut self.model
    }

    /// Current mode.
    pub fn mode(&self) -> VehicleMode {
        self.mode
    }

    /// Why the vehicle is stopped (`StopReason::None` when it is not).
    pub fn stop_reason(&self) -> StopReason {
        self.stop_reason
    }

    /// Counters.
    pub fn stats(&self) -> EcuStats {
        self.stats
    }

    fn motion_allowed(&self) -> bool {
        matches!(self.mode, VehicleMode::Manual | VehicleMode::Auto)
    }

    fn stop(&mut self, mode: VehicleMode, reason: StopReason) {
        if self.mode != VehicleMode::EStop {
            self.mode = mode;
            self.stop_reason = reason;
        }
        self.drive = None;
        self.implement = None;
    }

    fn run_mode(&self) -> VehicleMode {
        match self.host_mode {
            HostMode::Manual => VehicleMode::Manual,
            HostMode::Auto => VehicleMode::Auto,
            _ => VehicleMode::Standby,
        }
    }

    /// Handles one frame from the bus at time `now`.
    pub fn on_frame(&mut self, frame: &CanFrame, now: Duration) {
        let cmd = match VehicleCommand::decode(frame) {
            Ok(Some(c)) => c,
            Ok(None) => {
                self.stats.foreign_frames += 1;
                return;
            }
            Err(_) => {
                self.stats.bad_frames += 1;
                return;
            }
        };
        self.stats.commands += 1;
        match cmd {
            VehicleCommand::Heartbeat { counter: c, mode } => self.on_heartbeat(c, mode, now),
            VehicleCommand::EStop { stop: true, .. } => {
                self.estop = true;
                self.mode = VehicleMode::EStop;
                self.stop_reason = StopReason::EStop;
                self.drive = None;
                self.implement = None;
            }
            VehicleCommand::EStop { stop: false, .. } => {
                if self.estop {
                    self.estop = false;
                    self.mode = if self.heartbeat_fresh(now) {
                        VehicleMode::Standby
                    } else {
                        VehicleMode::SafeStop
                    };
                    self.stop_reason = if self.heartbeat_fresh(now) {
                        StopReason::None
                    } else {
                        StopReason::HeartbeatTimeout
                    };
                }
            }
            VehicleCommand::Drive(d) if self.motion_allowed() => self.drive = Some((d, now)),
            VehicleCommand::Implement(i) if self.motion_allowed() => self.implement = Some(i),
            VehicleCommand::Drive(_) | VehicleCommand::Implement(_) => {}
        }
    }

    fn heartbeat_fresh(&self, now: Duration) -> bool {
        self.watchdog.fresh(now)
    }

    fn on_heartbeat(&mut self, c: u8, mode: HostMode, now: Duration) {
        match self.watchdog.on_heartbeat(c, now) {
            HeartbeatVerdict::Valid => {}
            HeartbeatVerdict::HostError => return self.stop(VehicleMode::SafeStop, StopReason::HostError),
            HeartbeatVerdict::HostShutdown => return self.stop(VehicleMode::SafeStop, StopReason::HostShutdown),
            HeartbeatVerdict::Stale | HeartbeatVerdict::Reserved => return,
        }
        self.stats.heartbeats += 1;
        self.host_mode = mode;
        match self.mode {
            VehicleMode::EStop => {}
            VehicleMode::Init | VehicleMode::SafeStop | VehicleMode::Standby | VehicleMode::Other(_) => {
                let next = self.run_mode();
                if next != self.mode {
                    self.drive = None;
                    self.implement = None;
                }
                self.mode = next;
                self.stop_reason = StopReason::None;
            }
            VehicleMode::Manual | VehicleMode::Auto => self.mode = self.run_mode(),
        }
    }

    fn demand(&self, now: Duration) -> ActuatorDemand {
        let mut d = ActuatorDemand {
            brake: self.estop,
            ..Default::default()
        };
        if !self.motion_allowed() {
            return d;
        }
        if let Some((cmd, t)) = self.drive {
            if now.saturating_sub(t) <= self.config.drive_timeout {
                (d.left_mps, d.right_mps) = (cmd.left_mps, cmd.right_mps);
            }
        }
        if let Some(i) = self.implement {
            (d.rotor_enable, d.rotor_rpm, d.depth_m) = (i.rotor_enable, i.rotor_rpm, i.depth_m);
        }
        d
    }

    fn faults(&self) -> FaultFlags {
        report::fault_flags(
            &self.model.state(),
            self.stop_reason == StopReason::HeartbeatTimeout,
            self.estop,
        )
    }

    fn feedback(&mut self, what: Output) -> VehicleFeedback {
        match what {
            Output::Status(kind) => report::status(kind, &self.model.state()),
            Output::Faults => VehicleFeedback::Faults(self.faults()),
            Output::Heartbeat => {
                self.vehicle_counter = counter::next(self.vehicle_counter);
                VehicleFeedback::Heartbeat {
                    counter: self.vehicle_counter,
                    mode: self.mode,
                    stop_reason: self.stop_reason,
                    host_counter_echo: self.watchdog.last_counter().unwrap_or(counter::INIT),
                }
            }
        }
    }

    /// Advances to `now`: watchdog, model, and the frames due (status at their periods, fault
    /// changes and detonations at once).
    pub fn step(&mut self, now: Duration) -> Vec<CanFrame> {
        let running = matches!(
            self.mode,
            VehicleMode::Standby | VehicleMode::Manual | VehicleMode::Auto
        );
        if running && !self.heartbeat_fresh(now) {
            self.stats.watchdog_trips += 1;
            self.stop(VehicleMode::SafeStop, StopReason::HeartbeatTimeout);
        }
        let mut t = self.last_step.unwrap_or(now);
        while t < now {
            let dt = (now - t).min(self.config.max_step);
            let demand = self.demand(t);
            self.model.step(&demand, dt);
            t += dt;
        }
        self.last_step = Some(now);
        let mut out = std::mem::take(&mut self.pending);
        if let Some(g) = self.model.take_shock_g() {
            self.detonations = self.detonations.wrapping_add(1);
            let f = VehicleFeedback::Detonation {
                shock_peak_g: g.clamp(0.0, 1000.0),
                count: self.detonations,
            };
            out.extend(f.encode().ok());
        }
        let faults = self.faults();
        let faults_changed = faults != self.last_faults;
        self.last_faults = faults;
        for i in 0..self.periodic.len() {
            let p = self.periodic[i];
            let due = now >= p.next || (p.what == Output::Faults && faults_changed);
            if due {
                let fb = self.feedback(p.what);
                out.extend(fb.encode().ok());
                let next = p.next + p.period;
                self.periodic[i].next = if next <= now { now + p.period } else { next };
            }
        }
        out
    }
}
