//! The simulated vehicle control unit: a plain, time-stepped type with no I/O.
//!
//! Frames in ([`VehicleEcu::on_frame`]), frames out ([`VehicleEcu::step`]), time passed in as a
//! monotonic `Duration` since any fixed origin. It decodes host commands with the DBC, runs the
//! vehicle-side heartbeat watchdog, drives a [`VehicleModel`] and sends the vehicle's status
//! messages at the periods the DBC gives (`GenMsgCycleTime`).
//!
//! Safety behaviour:
//! - **Heartbeat watchdog**: no valid host heartbeat for `heartbeat_timeout` (default 300 ms) ⇒
//!   `SafeStop` with `StopReason::HeartbeatTimeout`: tracks ramp to zero, rotor drive off (it
//!   runs down), setpoints forgotten. A valid heartbeat is a rolling counter 0–250 that differs
//!   from the previous one, or 251 (init); 254/255 stop the vehicle at once (`HostError` /
//!   `HostShutdown`). After a stop, motion needs a fresh valid heartbeat *and* fresh commands.
//! - **Drive command staleness**: a drive setpoint older than `drive_timeout` counts as zero.
//! - **Emergency stop**: latched (brakes, rotor off) until an explicit release; survives link loss.
//! - The reason is reported in `VehicleHeartbeat.StopReason` and in the `FaultCodes` flags.

use std::time::Duration;

use super::dbc::Dbc;
use super::frame::CanFrame;
use super::protocol::{
    counter, DriveCommand, EngineStatus, FaultFlags, HostMode, ImplementCommand, ImplementStatus, StopReason,
    VehicleCommand, VehicleFeedback, VehicleMode,
};
use super::vehicle_model::{ActuatorDemand, SimpleVehicle, VehicleModel};

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
    TrackSpeeds,
    Implement,
    Engine,
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
    last_heartbeat: Option<(u8, Duration)>,
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
            (Output::TrackSpeeds, "TrackSpeeds", 20),
            (Output::Implement, "ImplementStatus", 100),
            (Output::Engine, "EngineStatus", 100),
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
            last_heartbeat: None,
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
        self.last_heartbeat
            .is_some_and(|(_, t)| now.saturating_sub(t) <= self.config.heartbeat_timeout)
    }

    fn on_heartbeat(&mut self, c: u8, mode: HostMode, now: Duration) {
        match c {
            counter::ERROR => return self.stop(VehicleMode::SafeStop, StopReason::HostError),
            counter::SHUTDOWN => return self.stop(VehicleMode::SafeStop, StopReason::HostShutdown),
            counter::INIT => {}
            c if c <= counter::MAX_ROLLING && self.last_heartbeat.is_none_or(|(prev, _)| prev != c) => {}
            _ => return, // stale repeat or reserved value: not valid, does not feed the watchdog
        }
        self.stats.heartbeats += 1;
        self.last_heartbeat = Some((c, now));
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
        let s = self.model.state();
        let mut f = FaultFlags {
            heartbeat_lost: self.stop_reason == StopReason::HeartbeatTimeout,
            estop_latched: self.estop,
            hydraulic_overpressure: s.hydraulic_pressure_bar > 320.0,
            coolant_overtemp: s.coolant_c > 105.0,
            low_oil_pressure: s.engine_rpm > 500.0 && s.oil_pressure_kpa < 100.0,
            rotor_stall: s.rotor_enabled && s.hydraulic_pressure_bar > 320.0 && s.rotor_rpm < 100.0,
            low_fuel: s.fuel_pct < 10.0,
            active_count: 0,
        };
        f.active_count = [
            f.heartbeat_lost,
            f.estop_latched,
            f.hydraulic_overpressure,
            f.coolant_overtemp,
            f.low_oil_pressure,
            f.rotor_stall,
            f.low_fuel,
        ]
        .iter()
        .filter(|b| **b)
        .count() as u8;
        f
    }

    fn feedback(&mut self, what: Output) -> VehicleFeedback {
        let s = self.model.state();
        let clamp = |x: f64, lo: f64, hi: f64| if x.is_finite() { x.clamp(lo, hi) } else { lo };
        match what {
            Output::TrackSpeeds => VehicleFeedback::TrackSpeeds {
                left_mps: clamp(s.left_mps, -3.0, 3.0),
                right_mps: clamp(s.right_mps, -3.0, 3.0),
            },
            Output::Implement => VehicleFeedback::Implement(ImplementStatus {
                rotor_rpm: clamp(s.rotor_rpm, 0.0, 1500.0),
                depth_m: clamp(s.depth_m, 0.0, 0.6),
                hydraulic_pressure_bar: clamp(s.hydraulic_pressure_bar, 0.0, 500.0),
                hydraulic_temp_c: clamp(s.hydraulic_temp_c, -40.0, 210.0),
                rotor_enabled: s.rotor_enabled,
            }),
            Output::Engine => VehicleFeedback::Engine(EngineStatus {
                engine_rpm: clamp(s.engine_rpm, 0.0, 8031.875),
                coolant_c: clamp(s.coolant_c, -40.0, 210.0),
                oil_pressure_kpa: clamp(s.oil_pressure_kpa, 0.0, 1000.0),
                fuel_pct: clamp(s.fuel_pct, 0.0, 100.0),
            }),
            Output::Faults => VehicleFeedback::Faults(self.faults()),
            Output::Heartbeat => {
                self.vehicle_counter = counter::next(self.vehicle_counter);
                VehicleFeedback::Heartbeat {
                    counter: self.vehicle_counter,
                    mode: self.mode,
                    stop_reason: self.stop_reason,
                    host_counter_echo: self.last_heartbeat.map_or(counter::INIT, |(c, _)| c),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn send(ecu: &mut VehicleEcu, c: VehicleCommand, now: Duration) {
        ecu.on_frame(&c.encode().unwrap(), now);
    }

    #[test]
    fn watchdog_table() {
        let drive = VehicleCommand::Drive(DriveCommand {
            left_mps: 0.5,
            right_mps: 0.5,
        });
        let mut ecu = VehicleEcu::new(EcuConfig::default(), SimpleVehicle::default(), ms(0));
        send(&mut ecu, drive, ms(0));
        assert_eq!(ecu.mode(), VehicleMode::Init, "no motion before a heartbeat");
        let mut c = counter::INIT;
        for t in (0..=1000).step_by(100) {
            send(
                &mut ecu,
                VehicleCommand::Heartbeat {
                    counter: c,
                    mode: HostMode::Auto,
                },
                ms(t),
            );
            send(&mut ecu, drive, ms(t));
            ecu.step(ms(t));
            c = counter::next(c);
        }
        assert_eq!(ecu.mode(), VehicleMode::Auto);
        assert!(ecu.model().state().left_mps > 0.45);
        // Host goes silent: stale repeats of the same counter do not count.
        for t in (1100..=1500).step_by(50) {
            send(
                &mut ecu,
                VehicleCommand::Heartbeat {
                    counter: 9,
                    mode: HostMode::Auto,
                },
                ms(t),
            );
            ecu.step(ms(t));
        }
        assert_eq!(
            (ecu.mode(), ecu.stop_reason()),
            (VehicleMode::SafeStop, StopReason::HeartbeatTimeout)
        );
        for t in (1500..=3000).step_by(10) {
            ecu.step(ms(t));
        }
        assert_eq!(ecu.model().state().left_mps, 0.0, "tracks stopped");
        // Heartbeat returns: standby-like run mode, but old drive setpoint is gone.
        send(
            &mut ecu,
            VehicleCommand::Heartbeat {
                counter: 10,
                mode: HostMode::Auto,
            },
            ms(3000),
        );
        ecu.step(ms(3100));
        assert_eq!(ecu.mode(), VehicleMode::Auto);
        assert_eq!(ecu.model().state().left_mps, 0.0);
    }

    #[test]
    fn estop_latches_until_release_and_survives_heartbeats() {
        let mut ecu = VehicleEcu::new(EcuConfig::default(), SimpleVehicle::default(), ms(0));
        send(
            &mut ecu,
            VehicleCommand::Heartbeat {
                counter: 0,
                mode: HostMode::Manual,
            },
            ms(0),
        );
        send(
            &mut ecu,
            VehicleCommand::EStop {
                stop: true,
                reason: super::super::protocol::EStopReason::Operator,
            },
            ms(1),
        );
        send(
            &mut ecu,
            VehicleCommand::Heartbeat {
                counter: 1,
                mode: HostMode::Manual,
            },
            ms(50),
        );
        assert_eq!(ecu.mode(), VehicleMode::EStop);
        send(
            &mut ecu,
            VehicleCommand::EStop {
                stop: false,
                reason: super::super::protocol::EStopReason::Operator,
            },
            ms(60),
        );
        assert_eq!(ecu.mode(), VehicleMode::Standby);
    }

    #[test]
    fn shutdown_counter_stops_at_once_and_wrong_dlc_is_counted() {
        let mut ecu = VehicleEcu::new(EcuConfig::default(), SimpleVehicle::default(), ms(0));
        send(
            &mut ecu,
            VehicleCommand::Heartbeat {
                counter: 0,
                mode: HostMode::Auto,
            },
            ms(0),
        );
        send(
            &mut ecu,
            VehicleCommand::Heartbeat {
                counter: counter::SHUTDOWN,
                mode: HostMode::Auto,
            },
            ms(10),
        );
        assert_eq!(ecu.stop_reason(), StopReason::HostShutdown);
        ecu.on_frame(&CanFrame::extended(0x0CFF_102A, &[1]).unwrap(), ms(20));
        assert_eq!(ecu.stats().bad_frames, 1);
    }

    #[test]
    fn periodic_outputs_follow_the_dbc_periods() {
        let mut ecu = VehicleEcu::new(EcuConfig::default(), SimpleVehicle::default(), ms(0));
        let mut counts = std::collections::HashMap::new();
        for t in (0..1000).step_by(5) {
            for f in ecu.step(ms(t)) {
                *counts.entry(f.raw_id()).or_insert(0) += 1;
            }
        }
        assert_eq!(counts[&0x0CFF_2010], 50);
        assert_eq!(counts[&0x0CFF_2510], 10);
        assert!(counts[&0x18FF_2410] >= 2);
    }
}
