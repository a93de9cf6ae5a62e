//! What the bridge sends when: priorities, rate limits, repetition and the heartbeat counter,
//! as a plain type. Time comes in as `Instant` arguments; nothing here reads the clock.
//!
//! On every call of [`CommandSchedule::due`], in priority order:
//! 1. **E-stop**: a new request or release at once; a latched stop again with every heartbeat.
//! 2. **Heartbeat** every `heartbeat_period`: 251 after each (re)connection, then 0–250 rolling;
//!    254 (error) or 255 (shutdown) once when the caller asks, without consuming a rolling value.
//! 3. **Drive**: a new setpoint at once, but new setpoints at most one per `drive_period` (the
//!    newest replaces unsent ones); the current one repeated every `drive_period` for
//!    `drive_hold` after the caller's last submit, then no more (the ECU's drive timeout then
//!    stops the tracks if the caller has stopped deciding). Repeats never delay a new setpoint.
//! 4. **Implement**: the newest setpoint, at most one per `implement_period`, repeated for
//!    `implement_hold` after the caller's last submit.
//!
//! A setpoint older than its hold (at least one period) is never sent, not even as a first
//! transmission: after a long link loss the vehicle gets no stale command, only heartbeats,
//! until the caller decides again.

use std::time::{Duration, Instant};

use super::protocol::{counter, DriveCommand, EStopReason, HostMode, ImplementCommand, VehicleCommand};

/// Periods and limits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScheduleConfig {
    /// Heartbeat period. Default 100 ms.
    pub heartbeat_period: Duration,
    /// Host mode in the heartbeat until the caller sets one. Default `Manual`.
    pub host_mode: HostMode,
    /// Minimum interval between drive frames. Default 20 ms (the DBC's cycle time).
    pub drive_period: Duration,
    /// How long a drive setpoint is repeated after the caller's last submit. Default 250 ms.
    pub drive_hold: Duration,
    /// Minimum interval between implement frames. Default 100 ms.
    pub implement_period: Duration,
    /// How long an implement setpoint is repeated after the caller's last submit. Default 1 s.
    pub implement_hold: Duration,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        let ms = Duration::from_millis;
        Self {
            heartbeat_period: ms(100),
            host_mode: HostMode::Manual,
            drive_period: ms(20),
            drive_hold: ms(250),
            implement_period: ms(100),
            implement_hold: ms(1000),
        }
    }
}

/// The bridge's transmit schedule.
#[derive(Clone, Debug)]
pub struct CommandSchedule {
    config: ScheduleConfig,
    estop: Option<(bool, EStopReason)>,
    estop_new: bool,
    drive: Option<(DriveCommand, Instant)>,
    drive_new: bool,
    implement: Option<(ImplementCommand, Instant)>,
    host_mode: HostMode,
    special_counter: Option<u8>,
    counter: u8,
    next_heartbeat: Instant,
    next_drive: Instant,
    next_new_drive: Instant,
    next_implement: Instant,
}

impl CommandSchedule {
    /// A schedule with nothing submitted; the first heartbeat is due at `now`.
    pub fn new(config: ScheduleConfig, now: Instant) -> Self {
        Self {
            config,
            estop: None,
            estop_new: false,
            drive: None,
            drive_new: false,
            implement: None,
            host_mode: config.host_mode,
            special_counter: None,
            counter: counter::INIT,
            next_heartbeat: now,
            next_drive: now,
            next_new_drive: now,
            next_implement: now,
        }
    }

    /// A new connection: the heartbeat counter starts again at 251 and everything held is due.
    pub fn restart(&mut self, now: Instant) {
        self.counter = counter::INIT;
        (
            self.next_heartbeat,
            self.next_drive,
            self.next_new_drive,
            self.next_implement,
        ) = (now, now, now, now);
        // A latched stop is sent again at once; a release is never repeated by itself (it could
        // un-latch a stop someone else asked for meanwhile).
        self.estop_new |= matches!(self.estop, Some((true, _)));
    }

    /// Takes a command from the caller at `now`. A heartbeat sets the host mode; its counter
    /// matters only for 254/255, since the schedule owns the rolling counter.
    pub fn submit(&mut self, cmd: VehicleCommand, now: Instant) {
        match cmd {
            VehicleCommand::EStop { stop, reason } => {
                self.estop = Some((stop, reason));
                self.estop_new = true;
            }
            VehicleCommand::Drive(d) => {
                self.drive = Some((d, now));
                self.drive_new = true;
            }
            VehicleCommand::Implement(i) => self.implement = Some((i, now)),
            VehicleCommand::Heartbeat { counter: c, mode } => {
                self.host_mode = mode;
                if c == counter::ERROR || c == counter::SHUTDOWN {
                    self.special_counter = Some(c);
                }
            }
        }
    }

    fn drive_wanted(&self, now: Instant) -> bool {
        let hold = self.config.drive_hold.max(self.config.drive_period);
        self.drive
            .is_some_and(|(_, at)| now.saturating_duration_since(at) <= hold)
    }

    fn implement_wanted(&self, now: Instant) -> bool {
        let hold = self.config.implement_hold.max(self.config.implement_period);
        self.implement
            .is_some_and(|(_, at)| now.saturating_duration_since(at) <= hold)
    }

    /// The commands due at `now`, highest priority first.
    pub fn due(&mut self, now: Instant) -> Vec<VehicleCommand> {
        let mut out = Vec::new();
        let heartbeat_due = now >= self.next_heartbeat;
        if let Some((stop, reason)) = self.estop {
            if self.estop_new || (stop && heartbeat_due) {
                out.push(VehicleCommand::EStop { stop, reason });
                self.estop_new = false;
            }
        }
        if let Some(c) = self.special_counter.take() {
            out.push(VehicleCommand::Heartbeat {
                counter: c,
                mode: self.host_mode,
            });
            self.next_heartbeat = now + self.config.heartbeat_period;
        } else if heartbeat_due {
            out.push(VehicleCommand::Heartbeat {
                counter: self.counter,
                mode: self.host_mode,
            });
            self.counter = counter::next(self.counter);
            self.next_heartbeat = now + self.config.heartbeat_period;
        }
        if let Some((d, _)) = self.drive {
            let next = if self.drive_new {
                self.next_new_drive
            } else {
                self.next_drive
            };
            let send = now >= next && self.drive_wanted(now);
            if send {
                out.push(VehicleCommand::Drive(d));
                if self.drive_new {
                    self.next_new_drive = now + self.config.drive_period;
                }
                self.drive_new = false;
                self.next_drive = now + self.config.drive_period;
            }
        }
        if let Some((i, _)) = self.implement {
            if now >= self.next_implement && self.implement_wanted(now) {
                out.push(VehicleCommand::Implement(i));
                self.next_implement = now + self.config.implement_period;
            }
        }
        out
    }

    /// When something next falls due (never before `now`).
    pub fn next_deadline(&self, now: Instant) -> Instant {
        let mut next = self.next_heartbeat;
        if self.special_counter.is_some() || self.estop_new {
            next = now;
        }
        if self.drive_wanted(now) {
            next = next.min(if self.drive_new {
                self.next_new_drive
            } else {
                self.next_drive
            });
        }
        if self.implement_wanted(now) {
            next = next.min(self.next_implement);
        }
        next.max(now)
    }

    /// The goodbye heartbeat (counter 255) in the current host mode.
    pub fn shutdown_heartbeat(&self) -> VehicleCommand {
        VehicleCommand::Heartbeat {
            counter: counter::SHUTDOWN,
            mode: self.host_mode,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[VehicleCommand]) -> Vec<&'static str> {
        v.iter().map(|c| c.message_name()).collect()
    }

    #[test]
    fn priorities_rate_limits_and_hold() {
        let t0 = Instant::now();
        let ms = |n: u64| t0 + Duration::from_millis(n);
        let mut s = CommandSchedule::new(ScheduleConfig::default(), t0);
        let drive = |v: f64| {
            VehicleCommand::Drive(DriveCommand {
                left_mps: v,
                right_mps: v,
            })
        };
        s.submit(drive(0.1), ms(0));
        s.submit(
            VehicleCommand::EStop {
                stop: true,
                reason: EStopReason::Operator,
            },
            ms(0),
        );
        assert_eq!(names(&s.due(ms(0))), ["EStop", "HostHeartbeat", "DriveCommand"]);
        s.submit(drive(0.2), ms(5));
        s.submit(drive(0.3), ms(6));
        assert_eq!(s.next_deadline(ms(6)), ms(20), "rate-limited to the drive period");
        assert!(s.due(ms(10)).is_empty());
        assert_eq!(s.due(ms(20)), [drive(0.3)], "newest setpoint replaces unsent ones");
        assert_eq!(s.due(ms(40)), [drive(0.3)], "repeated while held");
        assert_eq!(
            names(&s.due(ms(100))),
            ["EStop", "HostHeartbeat", "DriveCommand"],
            "latched e-stop repeats"
        );
        assert_eq!(
            names(&s.due(ms(300))),
            ["EStop", "HostHeartbeat"],
            "hold expired: no more drive frames"
        );
        assert_eq!(s.next_deadline(ms(300)), ms(400));
        s.submit(drive(0.4), ms(301));
        assert_eq!(s.due(ms(301)), [drive(0.4)], "a new setpoint goes at once");
        assert_eq!(s.due(ms(321)), [drive(0.4)], "the repeat");
        s.submit(drive(0.5), ms(325));
        assert_eq!(
            s.due(ms(325)),
            [drive(0.5)],
            "the repeat did not delay the new setpoint"
        );
    }

    #[test]
    fn stale_setpoints_are_never_sent() {
        let t0 = Instant::now();
        let ms = |n: u64| t0 + Duration::from_millis(n);
        let mut s = CommandSchedule::new(ScheduleConfig::default(), t0);
        s.submit(
            VehicleCommand::Drive(DriveCommand {
                left_mps: 0.5,
                right_mps: 0.5,
            }),
            ms(0),
        );
        let rotor = ImplementCommand {
            rotor_enable: true,
            rotor_rpm: 600.0,
            depth_m: 0.2,
        };
        s.submit(VehicleCommand::Implement(rotor), ms(0));
        // The link was down for 10 s; on reconnection only the heartbeat goes out.
        s.restart(ms(10_000));
        assert_eq!(names(&s.due(ms(10_000))), ["HostHeartbeat"]);
        assert_eq!(s.next_deadline(ms(10_000)), ms(10_100));
        let mut s = CommandSchedule::new(ScheduleConfig::default(), t0);
        s.submit(VehicleCommand::Implement(rotor), ms(0));
        assert_eq!(names(&s.due(ms(900))), ["HostHeartbeat", "ImplementCommand"]);
        assert_eq!(names(&s.due(ms(1100))), ["HostHeartbeat"], "implement hold expired");
    }

    #[test]
    fn heartbeat_counter_and_specials() {
        let t0 = Instant::now();
        let mut s = CommandSchedule::new(ScheduleConfig::default(), t0);
        let counters: Vec<u8> = (0..4)
            .flat_map(|i| s.due(t0 + Duration::from_millis(100 * i)))
            .map(|c| match c {
                VehicleCommand::Heartbeat { counter, .. } => counter,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(counters, [251, 0, 1, 2]);
        s.submit(
            VehicleCommand::Heartbeat {
                counter: counter::ERROR,
                mode: HostMode::Auto,
            },
            t0,
        );
        let t = t0 + Duration::from_millis(350);
        assert_eq!(s.next_deadline(t), t);
        assert_eq!(
            s.due(t),
            [VehicleCommand::Heartbeat {
                counter: 254,
                mode: HostMode::Auto
            }]
        );
        assert_eq!(
            s.due(t + Duration::from_millis(100)),
            [VehicleCommand::Heartbeat {
                counter: 3,
                mode: HostMode::Auto
            }]
        );
        s.restart(t);
        assert!(matches!(s.due(t)[0], VehicleCommand::Heartbeat { counter: 251, .. }));
    }
}
