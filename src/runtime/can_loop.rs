//! The CAN path of `demine sim`, at simulated time, through a real pseudo-terminal.
//!
//! Host side: the bridge's [`CommandSchedule`] (heartbeat, rates, repetition, e-stop priority),
//! the DBC encoder, the SLCAN encoder and the adapter-reply decoder. Vehicle side: the simulated
//! USB-SLCAN adapter and [`VehicleEcu`] with its heartbeat watchdog and drive timeout. Every
//! byte between them goes through the kernel's pty pair, exactly as with a real adapter, but
//! both ends are stepped by the simulation clock instead of threads, so the run is
//! deterministic and as fast as the CPU allows. A link loss is modelled by dropping the bytes
//! in both directions for its duration: the real watchdog then stops the vehicle.

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};

use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::termios;

use crate::can::adapter::AdapterProfile;
use crate::can::ecu::{EcuConfig, VehicleEcu};
use crate::can::protocol::{VehicleCommand, VehicleFeedback};
use crate::can::schedule::{CommandSchedule, ScheduleConfig};
use crate::can::sim_adapter::SimAdapter;
use crate::can::slcan::{AdapterReply, SlcanCommand};
use crate::can::slcan_stream::SlcanDecoder;
use crate::can::vehicle_model::VehicleModel;

/// Counters of the CAN path.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CanLoopStats {
    pub bytes_to_vehicle: u64,
    pub bytes_to_host: u64,
    pub frames_to_vehicle: u64,
    pub feedback: u64,
    pub dropped_bytes: u64,
}

/// Both ends of the CAN path and the pty between them.
pub struct CanLoop<M: VehicleModel> {
    host: OwnedFd,
    vehicle: OwnedFd,
    adapter: SimAdapter,
    ecu: VehicleEcu<M>,
    schedule: CommandSchedule,
    replies: SlcanDecoder,
    epoch: Instant,
    link_up: bool,
    last_heartbeat_s: Option<f64>,
    stats: CanLoopStats,
    /// Vehicle-side bytes waiting for the next exchange.
    to_host: Vec<u8>,
    /// Messages the encoder refused (each said once) and the refusals not yet taken.
    refused_once: Vec<&'static str>,
    refused: Vec<String>,
}

fn nonblocking(fd: &impl AsFd) -> io::Result<()> {
    let flags = OFlag::from_bits_truncate(fcntl(fd, FcntlArg::F_GETFL)?);
    fcntl(fd, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
    Ok(())
}

fn write_all(fd: &OwnedFd, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        match nix::unistd::write(fd, bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(nix::errno::Errno::EAGAIN) => return Err(io::Error::other("pty buffer full")),
            Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

fn read_all(fd: &OwnedFd, out: &mut Vec<u8>) -> io::Result<()> {
    let mut chunk = [0u8; 4096];
    loop {
        match nix::unistd::read(fd, &mut chunk) {
            Ok(0) => return Ok(()),
            Ok(n) => out.extend_from_slice(&chunk[..n]),
            Err(nix::errno::Errno::EAGAIN) => return Ok(()),
            Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
}

/// Write `bytes` into one end of the pty and wait until all of them came out of the other end
/// (the kernel moves pty data asynchronously; lockstep needs it delivered).
fn transfer(src: &OwnedFd, dst: &OwnedFd, bytes: &[u8], into: &mut Vec<u8>) -> io::Result<()> {
    if bytes.is_empty() {
        return Ok(());
    }
    write_all(src, bytes)?;
    let want = into.len() + bytes.len();
    while into.len() < want {
        let mut fds = [PollFd::new(dst.as_fd(), PollFlags::POLLIN)];
        if poll(&mut fds, PollTimeout::from(2000u16))? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "pty: bytes not delivered within 2 s",
            ));
        }
        read_all(dst, into)?;
    }
    Ok(())
}

/// Write `down` into the host end and `up` into the vehicle end, then wait until both came
/// out of the opposite ends.
fn exchange(
    host: &OwnedFd,
    down: &[u8],
    vehicle: &OwnedFd,
    up: &[u8],
    at_vehicle: &mut Vec<u8>,
    at_host: &mut Vec<u8>,
) -> io::Result<()> {
    if !down.is_empty() {
        write_all(host, down)?;
    }
    if !up.is_empty() {
        write_all(vehicle, up)?;
    }
    while at_vehicle.len() < down.len() || at_host.len() < up.len() {
        let mut fds = [
            PollFd::new(vehicle.as_fd(), PollFlags::POLLIN),
            PollFd::new(host.as_fd(), PollFlags::POLLIN),
        ];
        if poll(&mut fds, PollTimeout::from(2000u16))? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "pty: bytes not delivered within 2 s",
            ));
        }
        read_all(vehicle, at_vehicle)?;
        read_all(host, at_host)?;
    }
    Ok(())
}

impl<M: VehicleModel> CanLoop<M> {
    /// Opens the pty pair, brings the adapter on the bus (`C`, `S5`, `O`) and starts the ECU.
    pub fn new(model: M, ecu: EcuConfig, schedule: ScheduleConfig) -> io::Result<Self> {
        let p = nix::pty::openpty(None, None)?;
        let mut t = termios::tcgetattr(&p.slave)?;
        termios::cfmakeraw(&mut t);
        termios::tcsetattr(&p.slave, termios::SetArg::TCSANOW, &t)?;
        nonblocking(&p.master)?;
        nonblocking(&p.slave)?;
        let epoch = Instant::now();
        let mut this = Self {
            host: p.slave,
            vehicle: p.master,
            adapter: SimAdapter::new(AdapterProfile::Lawicel),
            ecu: VehicleEcu::new(ecu, model, Duration::ZERO),
            schedule: CommandSchedule::new(schedule, epoch),
            replies: SlcanDecoder::new(),
            epoch,
            link_up: true,
            last_heartbeat_s: None,
            stats: CanLoopStats::default(),
            to_host: Vec::new(),
            refused_once: Vec::new(),
            refused: Vec::new(),
        };
        let mut open = Vec::new();
        for c in AdapterProfile::Lawicel
            .open_sequence(250_000, false)
            .map_err(io::Error::other)?
        {
            c.encode(&mut open);
        }
        let mut got = Vec::new();
        transfer(&this.host, &this.vehicle, &open, &mut got)?;
        let mut reply = Vec::new();
        this.adapter.on_host_bytes(&got, &mut reply, |_| {});
        let mut back = Vec::new();
        transfer(&this.vehicle, &this.host, &reply, &mut back)?;
        this.replies.push(&back, |_| {});
        Ok(this)
    }

    fn at(&self, t_s: f64) -> Instant {
        self.epoch + Duration::from_secs_f64(t_s.max(0.0))
    }

    /// Queue a command at simulated time `t_s` (the schedule decides when it goes out).
    pub fn submit(&mut self, cmd: VehicleCommand, t_s: f64) {
        let at = self.at(t_s);
        self.schedule.submit(cmd, at);
    }

    /// Cut (false) or restore (true) the link: while cut, no byte passes either way.
    pub fn set_link(&mut self, up: bool, t_s: f64) {
        if up && !self.link_up {
            let at = self.at(t_s);
            self.schedule.restart(at);
        }
        self.link_up = up;
    }

    /// Time since the last vehicle heartbeat reached the host, s (`None`: never).
    pub fn heartbeat_age_s(&self, t_s: f64) -> Option<f64> {
        self.last_heartbeat_s.map(|h| t_s - h)
    }

    pub fn ecu(&self) -> &VehicleEcu<M> {
        &self.ecu
    }

    pub fn model_mut(&mut self) -> &mut M {
        self.ecu.model_mut()
    }

    /// Commands the encoder refused since the last call (each message kind once per run).
    pub fn take_refused(&mut self) -> Vec<String> {
        std::mem::take(&mut self.refused)
    }

    pub fn stats(&self) -> CanLoopStats {
        self.stats
    }

    /// Advance both ends to simulated time `t_s`: commands due go out, the ECU steps its
    /// vehicle, feedback comes back decoded.
    pub fn step(&mut self, t_s: f64) -> io::Result<Vec<VehicleFeedback>> {
        let at = self.at(t_s);
        let now = Duration::from_secs_f64(t_s.max(0.0));
        let mut out = Vec::new();
        for cmd in self.schedule.due(at) {
            match cmd.encode() {
                Ok(frame) => SlcanCommand::Transmit(frame).encode(&mut out),
                // a setpoint the protocol cannot carry is not sent: said once per message, and
                // handed to the host for the record
                Err(e) => {
                    let name = cmd.message_name();
                    if !self.refused_once.contains(&name) {
                        self.refused_once.push(name);
                        tracing::warn!("{name} not sent: {e}");
                        self.refused.push(format!("{name} not sent: {e}"));
                    }
                }
            }
        }
        // One exchange per step, both directions at once: the host's commands of this step
        // go down while what the vehicle said in the previous step comes up (feedback is one
        // control period old, as with a real adapter's USB polling).
        let up = std::mem::take(&mut self.to_host);
        let (mut to_vehicle, mut bytes) = (Vec::new(), Vec::new());
        if self.link_up {
            self.stats.bytes_to_vehicle += out.len() as u64;
            self.stats.bytes_to_host += up.len() as u64;
            exchange(&self.host, &out, &self.vehicle, &up, &mut to_vehicle, &mut bytes)?;
        } else {
            self.stats.dropped_bytes += (out.len() + up.len()) as u64;
        }
        let (mut back, mut frames) = (Vec::new(), Vec::new());
        if !to_vehicle.is_empty() {
            self.adapter.on_host_bytes(&to_vehicle, &mut back, |f| frames.push(f));
        }
        self.stats.frames_to_vehicle += frames.len() as u64;
        for f in &frames {
            self.ecu.on_frame(f, now);
        }
        // ECU -> adapter, sent up with the next step
        for f in &self.ecu.step(now) {
            self.adapter.frame_to_host(f, now, &mut back);
        }
        self.to_host = back;
        let mut feedback = Vec::new();
        self.replies.push(&bytes, |r| {
            if let AdapterReply::Frame { frame, .. } = r {
                if let Ok(Some(fb)) = VehicleFeedback::decode(&frame) {
                    feedback.push(fb);
                }
            }
        });
        for fb in &feedback {
            if matches!(fb, VehicleFeedback::Heartbeat { .. }) {
                self.last_heartbeat_s = Some(t_s);
            }
        }
        self.stats.feedback += feedback.len() as u64;
        Ok(feedback)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::can::protocol::{DriveCommand, HostMode, VehicleMode};
    use crate::can::vehicle_model::SimpleVehicle;

    #[test]
    fn heartbeat_and_drive_cross_the_pty_and_link_loss_stops_the_vehicle() {
        let mut l = CanLoop::new(
            SimpleVehicle::default(),
            EcuConfig::default(),
            ScheduleConfig::default(),
        )
        .unwrap();
        let mut t = 0.0;
        let mut speeds = (0.0, 0.0);
        while t < 3.0 {
            l.submit(
                VehicleCommand::Heartbeat {
                    counter: 0,
                    mode: HostMode::Auto,
                },
                t,
            );
            l.submit(
                VehicleCommand::Drive(DriveCommand {
                    left_mps: 0.5,
                    right_mps: 0.5,
                }),
                t,
            );
            for fb in l.step(t).unwrap() {
                if let VehicleFeedback::TrackSpeeds {
                    left_mps, right_mps, ..
                } = fb
                {
                    speeds = (left_mps, right_mps);
                }
            }
            t += 0.01;
        }
        assert_eq!(l.ecu().mode(), VehicleMode::Auto);
        assert!(speeds.0 > 0.4 && speeds.1 > 0.4, "{speeds:?}");
        assert!(l.heartbeat_age_s(t).unwrap() < 0.2);
        l.set_link(false, t);
        for _ in 0..100 {
            l.submit(
                VehicleCommand::Drive(DriveCommand {
                    left_mps: 0.5,
                    right_mps: 0.5,
                }),
                t,
            );
            l.step(t).unwrap();
            t += 0.01;
        }
        assert_eq!(l.ecu().mode(), VehicleMode::SafeStop);
        assert!(l.heartbeat_age_s(t).unwrap() > 0.9);
        l.set_link(true, t);
        for _ in 0..100 {
            l.submit(
                VehicleCommand::Heartbeat {
                    counter: 0,
                    mode: HostMode::Auto,
                },
                t,
            );
            l.step(t).unwrap();
            t += 0.01;
        }
        assert_eq!(l.ecu().mode(), VehicleMode::Auto);
        assert!(l.stats().dropped_bytes > 0);
    }
}
