//! An in-process [`VehicleLink`]: the bridge's [`CommandSchedule`] and the DBC frames, handed
//! straight to a [`VehicleEcu`] stepped by a thread, without adapter, pty or bytes. For the
//! built-in simulator and for tests that want the vehicle but not the serial path.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::ecu::{EcuConfig, VehicleEcu};
use super::link::{FeedbackEvent, LinkError, LinkStatus, VehicleLink};
use super::protocol::{StopReason, VehicleCommand, VehicleFeedback, VehicleMode};
use super::schedule::{CommandSchedule, ScheduleConfig};
use super::vehicle_model::{VehicleModel, VehicleState};

/// What the simulated vehicle is doing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimVehicleView {
    /// Mode.
    pub mode: VehicleMode,
    /// Why it stopped.
    pub stop_reason: StopReason,
    /// Sensor readings.
    pub state: VehicleState,
}

struct Shared {
    schedule: Mutex<CommandSchedule>,
    status: Mutex<LinkStatus>,
    view: Mutex<Option<SimVehicleView>>,
    stop: AtomicBool,
    mute: AtomicBool,
}

/// The in-process link; dropping it sends the shutdown heartbeat and joins the thread.
pub struct SimLink {
    shared: Arc<Shared>,
    rx: mpsc::Receiver<FeedbackEvent>,
    thread: Option<JoinHandle<()>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl SimLink {
    /// Starts the vehicle, stepping it every `step` (e.g. 2 ms).
    pub fn spawn<M: VehicleModel + 'static>(
        ecu: EcuConfig,
        schedule: ScheduleConfig,
        model: M,
        step: Duration,
    ) -> Self {
        let shared = Arc::new(Shared {
            schedule: Mutex::new(CommandSchedule::new(schedule, Instant::now())),
            status: Mutex::new(LinkStatus {
                connected: true,
                connects: 1,
                ..LinkStatus::default()
            }),
            view: Mutex::new(None),
            stop: AtomicBool::new(false),
            mute: AtomicBool::new(false),
        });
        let (tx, rx) = mpsc::channel(1024);
        let s = shared.clone();
        let thread = std::thread::spawn(move || run(VehicleEcu::new(ecu, model, Duration::ZERO), s, tx, step));
        Self {
            shared,
            rx,
            thread: Some(thread),
        }
    }

    /// The vehicle as it is now (`None` before the first step).
    pub fn vehicle(&self) -> Option<SimVehicleView> {
        *lock(&self.shared.view)
    }

    /// Stops all host transmissions without a goodbye, as a hung host would.
    pub fn mute_host(&self) {
        self.shared.mute.store(true, Ordering::Relaxed);
    }
}

fn run<M: VehicleModel>(mut ecu: VehicleEcu<M>, shared: Arc<Shared>, tx: mpsc::Sender<FeedbackEvent>, step: Duration) {
    let start = Instant::now();
    loop {
        let now = start.elapsed();
        let stopping = shared.stop.load(Ordering::Relaxed);
        let due = if stopping {
            vec![lock(&shared.schedule).shutdown_heartbeat()]
        } else if shared.mute.load(Ordering::Relaxed) {
            Vec::new()
        } else {
            lock(&shared.schedule).due(Instant::now())
        };
        for cmd in due {
            if let Ok(f) = cmd.encode() {
                ecu.on_frame(&f, now);
                lock(&shared.status).frames_sent += 1;
            }
        }
        for f in ecu.step(now) {
            if let Ok(Some(feedback)) = VehicleFeedback::decode(&f) {
                let ev = FeedbackEvent {
                    received: Instant::now(),
                    adapter_ms: None,
                    feedback,
                };
                let mut st = lock(&shared.status);
                st.feedback_received += 1;
                if let Err(mpsc::error::TrySendError::Full(_)) = tx.try_send(ev) {
                    st.feedback_dropped += 1;
                }
            }
        }
        *lock(&shared.view) = Some(SimVehicleView {
            mode: ecu.mode(),
            stop_reason: ecu.stop_reason(),
            state: ecu.model().state(),
        });
        if stopping {
            return;
        }
        std::thread::sleep(step);
    }
}

impl VehicleLink for SimLink {
    fn send(&self, cmd: VehicleCommand) -> Result<(), LinkError> {
        if self.shared.stop.load(Ordering::Relaxed) {
            return Err(LinkError::Closed);
        }
        cmd.encode().map_err(|e| LinkError::Invalid(e.to_string()))?;
        lock(&self.shared.schedule).submit(cmd, Instant::now());
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

impl Drop for SimLink {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
