//! The serial bridge: a [`VehicleLink`] over an SLCAN adapter.
//!
//! One I/O thread owns the port (`serialport` is blocking); the async side talks to it through
//! a command outbox and a tokio channel of feedback, so tokio tasks `send` and `.await` feedback
//! without ever blocking on the device. The thread waits in `poll` on the port and on a wake-up
//! pipe, so a new command goes out at once rather than at the next tick.
//!
//! What it does, in priority order on every pass:
//! 1. **E-stop** first: sent at once, repeated every heartbeat period while latched, until the
//!    caller sends a release.
//! 2. **Heartbeat** every `heartbeat_period` (100 ms): counter 251 after each (re)connection,
//!    then 0–250 rolling; 254/255 when the caller reports an error or the link shuts down.
//! 3. **Drive**: the newest setpoint, at most one frame per `drive_period` (the DBC's 20 ms);
//!    repeated at that period for `drive_hold` after the caller's last send, then no longer, so
//!    a caller that stops deciding stops the vehicle through the ECU's drive timeout.
//! 4. **Implement**: the newest setpoint, at most one per `implement_period`, repeated.
//!
//! Received frames are decoded with the DBC and timestamped. The link counts as lost on an I/O
//! error, a hang-up, or no vehicle feedback for `feedback_timeout`; the port is then closed and
//! re-opened with exponential backoff (`backoff_initial` doubling to `backoff_max`).

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use tokio::sync::mpsc;

use super::link::{FeedbackEvent, LinkError, LinkStatus, VehicleLink};
use super::port::{PortConfig, SlcanPort};
use super::protocol::{
    counter, DriveCommand, EStopReason, HostMode, ImplementCommand, VehicleCommand, VehicleFeedback,
};
use super::slcan::AdapterReply;

/// Bridge settings.
#[derive(Clone, Debug)]
pub struct BridgeConfig {
    /// The adapter.
    pub port: PortConfig,
    /// Heartbeat period. Default 100 ms.
    pub heartbeat_period: Duration,
    /// Host mode reported in the heartbeat until the caller changes it. Default `Manual`.
    pub host_mode: HostMode,
    /// Minimum interval between drive frames. Default 20 ms (the DBC's cycle time).
    pub drive_period: Duration,
    /// How long a drive setpoint is repeated after the caller's last send. Default 250 ms.
    pub drive_hold: Duration,
    /// Minimum interval between implement frames. Default 100 ms.
    pub implement_period: Duration,
    /// No vehicle feedback for this long ⇒ link lost. Default 500 ms.
    pub feedback_timeout: Duration,
    /// First reconnection delay. Default 100 ms.
    pub backoff_initial: Duration,
    /// Longest reconnection delay. Default 2 s.
    pub backoff_max: Duration,
}

impl BridgeConfig {
    /// Defaults for an adapter.
    pub fn new(port: PortConfig) -> Self {
        let ms = Duration::from_millis;
        Self {
            port,
            heartbeat_period: ms(100),
            host_mode: HostMode::Manual,
            drive_period: ms(20),
            drive_hold: ms(250),
            implement_period: ms(100),
            feedback_timeout: ms(500),
            backoff_initial: ms(100),
            backoff_max: ms(2000),
        }
    }
}

#[derive(Default)]
struct Outbox {
    estop: Option<(bool, EStopReason)>,
    estop_dirty: bool,
    drive: Option<(DriveCommand, Instant)>,
    drive_dirty: bool,
    implement: Option<ImplementCommand>,
    implement_dirty: bool,
    host_mode: Option<HostMode>,
    special_counter: Option<u8>,
}

struct Shared {
    outbox: Mutex<Outbox>,
    status: Mutex<LinkStatus>,
    stop: AtomicBool,
}

/// The running bridge; implements [`VehicleLink`]. Dropping it sends a shutdown heartbeat
/// (counter 255), closes the adapter and joins the thread.
pub struct BridgeLink {
    shared: Arc<Shared>,
    wake: OwnedFd,
    rx: mpsc::Receiver<FeedbackEvent>,
    thread: Option<JoinHandle<()>>,
}

fn nonblocking(fd: &OwnedFd) -> nix::Result<()> {
    let flags = OFlag::from_bits_truncate(fcntl(fd, FcntlArg::F_GETFL)?);
    fcntl(fd, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK)).map(|_| ())
}

impl BridgeLink {
    /// Starts the bridge thread. Connection happens in the background; watch [`Self::status`].
    pub fn spawn(config: BridgeConfig) -> std::io::Result<Self> {
        let (wake_rx, wake_tx) = nix::unistd::pipe()?;
        nonblocking(&wake_rx)?;
        nonblocking(&wake_tx)?;
        let shared = Arc::new(Shared {
            outbox: Mutex::new(Outbox::default()),
            status: Mutex::new(LinkStatus::default()),
            stop: AtomicBool::new(false),
        });
        let (tx, rx) = mpsc::channel(1024);
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("can-bridge".into())
            .spawn(move || Io::new(config, s, tx, wake_rx).run())?;
        Ok(Self {
            shared,
            wake: wake_tx,
            rx,
            thread: Some(thread),
        })
    }

    fn wake(&self) {
        let _ = nix::unistd::write(&self.wake, &[1]);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl VehicleLink for BridgeLink {
    fn send(&self, cmd: VehicleCommand) -> Result<(), LinkError> {
        if self.shared.stop.load(Ordering::Relaxed) {
            return Err(LinkError::Closed);
        }
        cmd.encode().map_err(|e| LinkError::Invalid(e.to_string()))?;
        {
            let mut o = lock(&self.shared.outbox);
            match cmd {
                VehicleCommand::EStop { stop, reason } => {
                    o.estop = Some((stop, reason));
                    o.estop_dirty = true;
                }
                VehicleCommand::Drive(d) => {
                    o.drive = Some((d, Instant::now()));
                    o.drive_dirty = true;
                }
                VehicleCommand::Implement(i) => {
                    o.implement = Some(i);
                    o.implement_dirty = true;
                }
                VehicleCommand::Heartbeat { counter: c, mode } => {
                    o.host_mode = Some(mode);
                    if c == counter::ERROR || c == counter::SHUTDOWN {
                        o.special_counter = Some(c);
                    }
                }
            }
        }
        self.wake();
        Ok(())
    }

    fn recv(&mut self) -> impl std::future::Future<Output = Option<FeedbackEvent>> + Send {
        self.rx.recv()
    }

    fn try_recv(&mut self) -> Option<FeedbackEvent> {
        self.rx.try_recv().ok()
    }

    fn status(&self) -> LinkStatus {
        lock(&self.shared.status).clone()
    }
}

impl Drop for BridgeLink {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        self.wake();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The I/O thread's state.
struct Io {
    config: BridgeConfig,
    shared: Arc<Shared>,
    tx: mpsc::Sender<FeedbackEvent>,
    wake: OwnedFd,
}

/// Per-connection schedule.
struct Session {
    counter: u8,
    next_heartbeat: Instant,
    next_drive: Instant,
    next_implement: Instant,
    last_feedback: Instant,
}

enum Lost {
    Stop,
    Error(String),
}

impl Io {
    fn new(config: BridgeConfig, shared: Arc<Shared>, tx: mpsc::Sender<FeedbackEvent>, wake: OwnedFd) -> Self {
        Self {
            config,
            shared,
            tx,
            wake,
        }
    }

    fn stopping(&self) -> bool {
        self.shared.stop.load(Ordering::Relaxed)
    }

    /// Sleeps up to `d`, waking early on a command or shutdown.
    fn pause(&self, d: Duration) {
        let until = Instant::now() + d;
        while !self.stopping() {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            let mut fds = [PollFd::new(self.wake.as_fd(), PollFlags::POLLIN)];
            let _ = poll(&mut fds, PollTimeout::try_from(left).unwrap_or(PollTimeout::MAX));
            self.drain_wake();
        }
    }

    fn drain_wake(&self) {
        let mut b = [0u8; 64];
        while matches!(nix::unistd::read(&self.wake, &mut b), Ok(n) if n > 0) {}
    }

    fn run(self) {
        let mut backoff = self.config.backoff_initial;
        while !self.stopping() {
            match SlcanPort::open(self.config.port.clone()) {
                Ok(mut port) => {
                    lock(&self.shared.status).connects += 1;
                    tracing::info!("can bridge: {} open", self.config.port.path.display());
                    let (result, had_feedback) = self.session(&mut port);
                    port.close();
                    let mut st = lock(&self.shared.status);
                    st.connected = false;
                    match result {
                        Lost::Stop => return,
                        Lost::Error(e) => {
                            tracing::warn!("can bridge: link lost: {e}");
                            st.losses += 1;
                            st.last_error = Some(e);
                        }
                    }
                    if had_feedback {
                        backoff = self.config.backoff_initial;
                    }
                }
                Err(e) => {
                    tracing::debug!("can bridge: open failed: {e}");
                    lock(&self.shared.status).last_error = Some(e.to_string());
                }
            }
            self.pause(backoff);
            backoff = (backoff * 2).min(self.config.backoff_max);
        }
    }

    fn session(&self, port: &mut SlcanPort) -> (Lost, bool) {
        let now = Instant::now();
        let mut s = Session {
            counter: counter::INIT,
            next_heartbeat: now,
            next_drive: now,
            next_implement: now,
            last_feedback: now,
        };
        let mut had_feedback = false;
        loop {
            if self.stopping() {
                let mode = lock(&self.shared.outbox).host_mode.unwrap_or(self.config.host_mode);
                let bye = VehicleCommand::Heartbeat {
                    counter: counter::SHUTDOWN,
                    mode,
                };
                if let Ok(f) = bye.encode() {
                    let _ = port.send_frame(&f);
                }
                return (Lost::Stop, had_feedback);
            }
            if let Err(e) = self.transmit(port, &mut s) {
                return (Lost::Error(e), had_feedback);
            }
            let now = Instant::now();
            let next = self.next_deadline(&s, now);
            let wait = next.saturating_duration_since(now);
            let (port_ready, woke) = {
                // SAFETY: the port's descriptor stays open for the whole borrow (port outlives it).
                let port_fd = unsafe { BorrowedFd::borrow_raw(port.raw_fd()) };
                let mut fds = [
                    PollFd::new(port_fd, PollFlags::POLLIN),
                    PollFd::new(self.wake.as_fd(), PollFlags::POLLIN),
                ];
                let _ = poll(&mut fds, PollTimeout::try_from(wait).unwrap_or(PollTimeout::MAX));
                (fds[0].any().unwrap_or(false), fds[1].any().unwrap_or(false))
            };
            if woke {
                self.drain_wake();
            }
            if port_ready {
                if let Err(e) = port.fill() {
                    return (Lost::Error(e.to_string()), had_feedback);
                }
            }
            while let Some(r) = port.take_pending() {
                if self.received(r) {
                    s.last_feedback = Instant::now();
                    if !had_feedback {
                        had_feedback = true;
                        lock(&self.shared.status).connected = true;
                    }
                }
            }
            lock(&self.shared.status).decoder = port.stats();
            if s.last_feedback.elapsed() > self.config.feedback_timeout {
                return (
                    Lost::Error(format!("no vehicle feedback for {:?}", self.config.feedback_timeout)),
                    had_feedback,
                );
            }
        }
    }

    /// Handles one reply; true when it was vehicle feedback.
    fn received(&self, r: AdapterReply) -> bool {
        let AdapterReply::Frame { frame, timestamp_ms } = r else {
            if r == AdapterReply::Nack {
                lock(&self.shared.status).last_error = Some("adapter refused a frame (BEL)".into());
            }
            return false;
        };
        let mut st = lock(&self.shared.status);
        match VehicleFeedback::decode(&frame) {
            Ok(Some(feedback)) => {
                st.feedback_received += 1;
                let ev = FeedbackEvent {
                    received: Instant::now(),
                    adapter_ms: timestamp_ms,
                    feedback,
                };
                if let Err(mpsc::error::TrySendError::Full(_)) = self.tx.try_send(ev) {
                    st.feedback_dropped += 1;
                }
                true
            }
            Ok(None) => {
                st.foreign_frames += 1;
                false
            }
            Err(_) => {
                st.bad_frames += 1;
                false
            }
        }
    }

    /// When the next frame falls due (at most 50 ms ahead, so timeouts are checked).
    fn next_deadline(&self, s: &Session, now: Instant) -> Instant {
        let o = lock(&self.shared.outbox);
        let mut next = s.next_heartbeat.min(now + Duration::from_millis(50));
        if let Some((_, sent_at)) = o.drive {
            if o.drive_dirty || now.duration_since(sent_at) <= self.config.drive_hold {
                next = next.min(s.next_drive);
            }
        }
        if o.implement.is_some() {
            next = next.min(s.next_implement);
        }
        next.max(now)
    }

    /// Writes whatever is due, highest priority first.
    fn transmit(&self, port: &mut SlcanPort, s: &mut Session) -> Result<(), String> {
        let now = Instant::now();
        let mut frames = Vec::new();
        {
            let mut o = lock(&self.shared.outbox);
            let hb_due = now >= s.next_heartbeat;
            if let Some((stop, reason)) = o.estop {
                if o.estop_dirty || (stop && hb_due) {
                    frames.push(VehicleCommand::EStop { stop, reason });
                    o.estop_dirty = false;
                }
            }
            if hb_due || o.special_counter.is_some() {
                let c = o.special_counter.take().unwrap_or(s.counter);
                frames.push(VehicleCommand::Heartbeat {
                    counter: c,
                    mode: o.host_mode.unwrap_or(self.config.host_mode),
                });
                s.counter = counter::next(s.counter);
                s.next_heartbeat = now + self.config.heartbeat_period;
            }
            if let Some((d, sent_at)) = o.drive {
                let fresh = now.duration_since(sent_at) <= self.config.drive_hold;
                if now >= s.next_drive && (o.drive_dirty || fresh) {
                    frames.push(VehicleCommand::Drive(d));
                    o.drive_dirty = false;
                    s.next_drive = now + self.config.drive_period;
                }
            }
            if let Some(i) = o.implement {
                if now >= s.next_implement {
                    frames.push(VehicleCommand::Implement(i));
                    o.implement_dirty = false;
                    s.next_implement = now + self.config.implement_period;
                }
            }
        }
        for cmd in frames {
            let f = cmd.encode().map_err(|e| e.to_string())?;
            port.send_frame(&f).map_err(|e| e.to_string())?;
            lock(&self.shared.status).frames_sent += 1;
        }
        Ok(())
    }
}
