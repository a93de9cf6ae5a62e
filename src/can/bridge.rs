//! The serial bridge: a [`VehicleLink`] over an SLCAN adapter.
//!
//! One I/O thread owns the port (`serialport` is blocking); the async side talks to it through
//! a command outbox and a tokio channel of feedback, so tokio tasks `send` and `.await` feedback
//! without ever blocking on the device. The thread waits in `poll` on the port and on a wake-up
//! pipe, so a new command goes out at once rather than at the next tick.
//!
//! What goes out when (e-stop first, the heartbeat and its counter, rate-limited and held drive
//! and implement setpoints) is decided by the plain [`CommandSchedule`].
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
use super::protocol::{VehicleCommand, VehicleFeedback};
use super::schedule::{CommandSchedule, ScheduleConfig};
use super::slcan::AdapterReply;

/// Bridge settings.
#[derive(Clone, Debug)]
pub struct BridgeConfig {
    /// The adapter.
    pub port: PortConfig,
    /// Periods, rate limits and the initial host mode.
    pub schedule: ScheduleConfig,
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
            schedule: ScheduleConfig::default(),
            feedback_timeout: ms(500),
            backoff_initial: ms(100),
            backoff_max: ms(2000),
        }
    }
}

struct Shared {
    schedule: Mutex<CommandSchedule>,
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
            schedule: Mutex::new(CommandSchedule::new(config.schedule, Instant::now())),
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
        lock(&self.shared.schedule).submit(cmd, Instant::now());
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
        let mut last_feedback = Instant::now();
        lock(&self.shared.schedule).restart(last_feedback);
        let mut had_feedback = false;
        loop {
            if self.stopping() {
                let bye = lock(&self.shared.schedule).shutdown_heartbeat();
                if let Ok(f) = bye.encode() {
                    let _ = port.send_frame(&f);
                }
                return (Lost::Stop, had_feedback);
            }
            if let Err(e) = self.transmit(port) {
                return (Lost::Error(e), had_feedback);
            }
            let now = Instant::now();
            let next = lock(&self.shared.schedule)
                .next_deadline(now)
                .min(now + Duration::from_millis(50));
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
                    last_feedback = Instant::now();
                    if !had_feedback {
                        had_feedback = true;
                        lock(&self.shared.status).connected = true;
                    }
                }
            }
            lock(&self.shared.status).decoder = port.stats();
            if last_feedback.elapsed() > self.config.feedback_timeout {
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

    /// Writes whatever is due, highest priority first.
    fn transmit(&self, port: &mut SlcanPort) -> Result<(), String> {
        let due = lock(&self.shared.schedule).due(Instant::now());
        for cmd in due {
            let f = cmd.encode().map_err(|e| e.to_string())?;
            port.send_frame(&f).map_err(|e| e.to_string())?;
            lock(&self.shared.status).frames_sent += 1;
        }
        Ok(())
    }
}
