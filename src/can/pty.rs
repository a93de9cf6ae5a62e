//! Serves the simulated adapter + vehicle ECU on a pseudo-terminal (thin host, one thread).
//!
//! `openpty` gives a master/slave pair; hosts open the slave path (or the symlink given in
//! [`SimEcuConfig::link`]) like a USB-serial adapter. The thread polls the master every
//! millisecond: host bytes go to [`SimAdapter`], frames cross the [`SimBus`], the
//! [`VehicleEcu`] steps and its frames come back to the host.
//!
//! The thread keeps its own slave descriptor open so the master never sees a hang-up when a
//! host closes or dies; it clears the tty's exclusive-open flag every 100 ms, so a host killed
//! while holding `TIOCEXCL` does not lock the next one out (as a re-enumerated USB device would
//! not). [`SimEcuHost::replug`] closes the pty and serves a new one, re-pointing the symlink:
//! the host sees the device vanish and come back.

use std::collections::VecDeque;
use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::termios;

use super::adapter::AdapterProfile;
use super::ecu::{EcuConfig, EcuStats, VehicleEcu};
use super::frame::CanFrame;
use super::protocol::{StopReason, VehicleMode};
use super::sim_adapter::SimAdapter;
use super::sim_bus::{Origin, SimBus};
use super::slcan_stream::StreamStats;
use super::vehicle_model::{SimpleVehicle, VehicleModel, VehicleState};

/// Settings of the simulated adapter + ECU.
#[derive(Clone, Debug)]
pub struct SimEcuConfig {
    /// Adapter behaviour.
    pub profile: AdapterProfile,
    /// ECU settings (watchdog timeouts).
    pub ecu: EcuConfig,
    /// Filler traffic as a fraction of bus capacity, 0–1. Default 0.
    pub bus_load: f64,
    /// Where to create a symlink to the slave device, if anywhere.
    pub link: Option<PathBuf>,
}

impl Default for SimEcuConfig {
    fn default() -> Self {
        Self {
            profile: AdapterProfile::Lawicel,
            ecu: EcuConfig::default(),
            bus_load: 0.0,
            link: None,
        }
    }
}

/// What the simulation looks like now.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimSnapshot {
    /// Vehicle mode.
    pub mode: VehicleMode,
    /// Why it stopped.
    pub stop_reason: StopReason,
    /// Sensor readings.
    pub vehicle: VehicleState,
    /// ECU counters.
    pub ecu: EcuStats,
    /// The adapter's decoder counters for host lines.
    pub adapter: StreamStats,
    /// Commands the adapter refused (BEL).
    pub refused: u64,
    /// Times the pty was replaced.
    pub replugs: u64,
}

enum Control {
    Replug,
    Shock(f64),
}

struct Shared {
    snapshot: SimSnapshot,
    host_frames: VecDeque<(Instant, CanFrame)>,
    slave_path: PathBuf,
}

/// A running simulated adapter + ECU; stops when dropped.
pub struct SimEcuHost {
    stop: Arc<AtomicBool>,
    shared: Arc<Mutex<Shared>>,
    control: mpsc::Sender<Control>,
    thread: Option<JoinHandle<()>>,
}

struct Pty {
    master: OwnedFd,
    _slave: OwnedFd,
    path: PathBuf,
}

fn open_pty(link: Option<&Path>) -> io::Result<Pty> {
    let p = nix::pty::openpty(None, None)?;
    let mut t = termios::tcgetattr(&p.slave)?;
    termios::cfmakeraw(&mut t);
    termios::tcsetattr(&p.slave, termios::SetArg::TCSANOW, &t)?;
    let flags = OFlag::from_bits_truncate(fcntl(&p.master, FcntlArg::F_GETFL)?);
    fcntl(&p.master, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
    let path = nix::unistd::ttyname(&p.slave)?;
    if let Some(link) = link {
        let tmp = link.with_extension("demine-tmp");
        let _ = std::fs::remove_file(&tmp);
        std::os::unix::fs::symlink(&path, &tmp)?;
        std::fs::rename(&tmp, link)?;
    }
    Ok(Pty {
        master: p.master,
        _slave: p.slave,
        path,
    })
}

const MAX_BACKLOG: usize = 64 * 1024;

impl SimEcuHost {
    /// Starts the simulation with the default vehicle model.
    pub fn spawn(config: SimEcuConfig) -> io::Result<Self> {
        Self::spawn_with(config, SimpleVehicle::default())
    }

    /// Starts the simulation with a vehicle model of the caller's.
    pub fn spawn_with<M: VehicleModel + 'static>(config: SimEcuConfig, model: M) -> io::Result<Self> {
        let pty = open_pty(config.link.as_deref())?;
        let start = Instant::now();
        let ecu = VehicleEcu::new(config.ecu, model, Duration::ZERO);
        let shared = Arc::new(Mutex::new(Shared {
            snapshot: SimSnapshot {
                mode: ecu.mode(),
                stop_reason: ecu.stop_reason(),
                vehicle: ecu.model().state(),
                ecu: ecu.stats(),
                adapter: StreamStats::default(),
                refused: 0,
                replugs: 0,
            },
            host_frames: VecDeque::new(),
            slave_path: pty.path.clone(),
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::channel();
        let (s2, sh2) = (stop.clone(), shared.clone());
        let thread = std::thread::Builder::new()
            .name("sim-ecu".into())
            .spawn(move || run(config, pty, ecu, start, s2, sh2, rx))?;
        Ok(Self {
            stop,
            shared,
            control: tx,
            thread: Some(thread),
        })
    }

    /// Path of the current slave device (e.g. `/dev/pts/7`).
    pub fn slave_path(&self) -> PathBuf {
        self.lock().slave_path.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The current state.
    pub fn snapshot(&self) -> SimSnapshot {
        self.lock().snapshot
    }

    /// Frames the host put on the bus since the last call, with the time the ECU had them: when
    /// their last bit was on the simulated bus (the last 4 096 are kept).
    pub fn take_host_frames(&self) -> Vec<(Instant, CanFrame)> {
        self.lock().host_frames.drain(..).collect()
    }

    /// Unplugs the adapter: closes the pty and serves a fresh one (symlink re-pointed).
    pub fn replug(&self) {
        let _ = self.control.send(Control::Replug);
    }

    /// A detonation under the rotor with this peak acceleration in g (see [`VehicleModel::inject_shock`]).
    pub fn inject_shock(&self, peak_g: f64) {
        let _ = self.control.send(Control::Shock(peak_g));
    }
}

impl Drop for SimEcuHost {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn clear_exclusive(fd: &OwnedFd) {
    // SAFETY: TIOCNXCL takes no argument and only clears a flag on the tty behind a valid fd.
    unsafe {
        nix::libc::ioctl(fd.as_raw_fd(), nix::libc::TIOCNXCL);
    }
}

fn run<M: VehicleModel + 'static>(
    config: SimEcuConfig,
    mut pty: Pty,
    mut ecu: VehicleEcu<M>,
    start: Instant,
    stop: Arc<AtomicBool>,
    shared: Arc<Mutex<Shared>>,
    control: mpsc::Receiver<Control>,
) {
    let mut adapter = SimAdapter::new(config.profile);
    let mut bus = SimBus::new(500_000, config.bus_load);
    let (mut to_host, mut replugs, mut last_share, mut last_nxcl) = (Vec::new(), 0u64, Duration::ZERO, Duration::ZERO);
    let mut buf = [0u8; 4096];
    let mut host_frames: Vec<(Instant, CanFrame)> = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        while let Ok(c) = control.try_recv() {
            match c {
                Control::Shock(g) => ecu.model_mut().inject_shock(g),
                Control::Replug => match open_pty(config.link.as_deref()) {
                    Ok(p) => {
                        pty = p; // drops the old master and slave: the old device hangs up
                        adapter.reset();
                        to_host.clear();
                        replugs += 1;
                        if let Ok(mut s) = shared.lock() {
                            s.slave_path = pty.path.clone();
                        }
                    }
                    Err(e) => tracing::warn!("sim-ecu: replug failed: {e}"),
                },
            }
        }
        let mut fds = [PollFd::new(pty.master.as_fd(), PollFlags::POLLIN)];
        let _ = poll(&mut fds, PollTimeout::from(1u8));
        let now = start.elapsed();
        loop {
            match nix::unistd::read(&pty.master, &mut buf) {
                Ok(n) if n > 0 => {
                    adapter.on_host_bytes(&buf[..n], &mut to_host, |f| bus.enqueue(Origin::Host, f, now));
                }
                _ => break,
            }
        }
        if let Some(bps) = adapter.bitrate_bps() {
            bus.set_bitrate(bps);
        }
        for f in ecu.step(now) {
            bus.enqueue(Origin::Ecu, f, now);
        }
        bus.advance(now, |origin, f, end| match origin {
            Origin::Host => {
                ecu.on_frame(f, now);
                host_frames.push((start + end, *f));
            }
            Origin::Ecu | Origin::Filler => adapter.frame_to_host(f, now, &mut to_host),
        });
        if !to_host.is_empty() {
            match nix::unistd::write(&pty.master, &to_host) {
                Ok(n) => {
                    to_host.drain(..n);
                }
                Err(_) if to_host.len() > MAX_BACKLOG => {
                    to_host.clear();
                    adapter.note_overrun();
                }
                Err(_) => {}
            }
        }
        if now.saturating_sub(last_nxcl) >= Duration::from_millis(100) {
            clear_exclusive(&pty._slave);
            last_nxcl = now;
        }
        if !host_frames.is_empty() || now.saturating_sub(last_share) >= Duration::from_millis(5) {
            last_share = now;
            if let Ok(mut s) = shared.lock() {
                s.snapshot = SimSnapshot {
                    mode: ecu.mode(),
                    stop_reason: ecu.stop_reason(),
                    vehicle: ecu.model().state(),
                    ecu: ecu.stats(),
                    adapter: adapter.stats(),
                    refused: adapter.refused(),
                    replugs,
                };
                s.host_frames.extend(host_frames.drain(..));
                let excess = s.host_frames.len().saturating_sub(4096);
                s.host_frames.drain(..excess);
            }
        }
    }
    if let Some(link) = &config.link {
        if std::fs::read_link(link).is_ok_and(|p| p == pty.path) {
            let _ = std::fs::remove_file(link);
        }
    }
}
