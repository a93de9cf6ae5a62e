//! What every node binary shares: the r2r context and node, the parameter handler (which is what
//! makes `use_sim_time` and `ros2 param` work in r2r), publishers and subscriptions taken from the
//! interface table, the ROS clock, a dedicated spin thread, latest-value cells (r2r's subscription
//! queues hold up to 10 stale messages), and SIGINT/SIGTERM shutdown.
//!
//! Everything here needs the ROS libraries at link time; with `ros-doc-only` it only type-checks.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{Stream, StreamExt};
use r2r::builtin_interfaces::msg::Time;

use super::msg::qos_profile;
use super::params::{self, ParamError, ParamMap};
use super::setup::SetupError;
use crate::ros_interface::{spec, Direction};

/// Why a node stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("ROS: {0}")]
    Ros(#[from] r2r::Error),
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error(transparent)]
    Setup(Box<SetupError>),
    #[error("{node}: topic '{topic}' ({direction}) is not in the interface table (src/ros_interface.rs)")]
    NotInTable {
        node: String,
        topic: String,
        direction: &'static str,
    },
    #[error("{0}")]
    Failed(String),
}

impl From<SetupError> for NodeError {
    fn from(e: SetupError) -> Self {
        NodeError::Setup(Box::new(e))
    }
}

/// A created node with its name, clock and parameters.
pub struct NodeHost {
    pub node: r2r::Node,
    pub name: &'static str,
    pub clock: Arc<Mutex<r2r::Clock>>,
    pub params: ParamMap,
}

impl NodeHost {
    /// Create the context (once per process) and the node `name`, start the parameter handler
    /// (applies `use_sim_time`, serves `ros2 param`) and log parameter changes.
    pub fn create(name: &'static str) -> Result<Self, NodeError> {
        let ctx = r2r::Context::create()?;
        let mut node = r2r::Node::create(ctx, name, "")?;
        // `-p name:=value` wins over a value a parameter file sets for this node (see
        // params::command_line_overrides); applied before the handler reads use_sim_time
        let args: Vec<String> = std::env::args().collect();
        {
            let mut table = node.params.lock().expect("parameter table");
            for (k, v) in params::command_line_overrides(&args, name) {
                table.insert(k, r2r::Parameter::new(v));
            }
        }
        super::rosout::install(&mut node)?;
        let (handler, mut events) = node.make_parameter_handler()?;
        tokio::spawn(handler);
        let logger = node.logger().to_string();
        tokio::spawn(async move {
            while let Some((k, v)) = events.next().await {
                crate::ros_info!(&logger, "parameter {k} = {v:?} (takes effect on restart)");
            }
        });
        let params = params::snapshot(node.params.lock().expect("parameter table").iter());
        let clock = node.get_ros_clock();
        let sim_time = params::use_sim_time(&params)?;
        crate::ros_info!(
            node.logger(),
            "started ({})",
            if sim_time {
                "use_sim_time: stamping with /clock"
            } else {
                "wall clock"
            }
        );
        Ok(Self {
            node,
            name,
            clock,
            params,
        })
    }

    /// A publisher for `topic`, with the type and QoS of this node's row in the interface table.
    pub fn publisher<T: r2r::WrappedTypesupport>(&mut self, topic: &str) -> Result<r2r::Publisher<T>, NodeError> {
        let s = spec(self.name, Direction::Publish, topic).ok_or_else(|| NodeError::NotInTable {
            node: self.name.into(),
            topic: topic.into(),
            direction: "pub",
        })?;
        Ok(self.node.create_publisher::<T>(topic, qos_profile(s.qos))?)
    }

    /// A subscription to `topic` with this node's QoS from the interface table.
    pub fn subscribe<T: r2r::WrappedTypesupport + Send + 'static>(
        &mut self,
        topic: &str,
    ) -> Result<impl Stream<Item = T> + Unpin + Send, NodeError> {
        let s = spec(self.name, Direction::Subscribe, topic).ok_or_else(|| NodeError::NotInTable {
            node: self.name.into(),
            topic: topic.into(),
            direction: "sub",
        })?;
        Ok(self.node.subscribe::<T>(topic, qos_profile(s.qos))?)
    }

    /// A timer on the ROS clock (follows `/clock` with `use_sim_time`) at `rate_hz`.
    pub fn timer(&mut self, rate_hz: f64) -> Result<r2r::Timer, NodeError> {
        Ok(self.node.create_timer(Duration::from_secs_f64(1.0 / rate_hz))?)
    }

    pub fn logger(&self) -> String {
        self.node.logger().to_string()
    }

    /// Move the node into its spin thread; entities must all be created before.
    pub fn spin(self) -> Spinner {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let mut node = self.node;
        let handle = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                node.spin_once(Duration::from_millis(20));
            }
        });
        Spinner { stop, handle }
    }
}

/// The spin thread; stop it on shutdown.
pub struct Spinner {
    stop: Arc<AtomicBool>,
    handle: std::thread::JoinHandle<()>,
}

impl Spinner {
    pub fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.handle.join();
    }
}

/// Now on the node's ROS clock (simulated time with `use_sim_time`).
pub fn now(clock: &Arc<Mutex<r2r::Clock>>) -> Time {
    let d = clock.lock().expect("clock").get_now().unwrap_or(Duration::ZERO);
    r2r::Clock::to_builtin_time(&d)
}

/// Forward a stream into a latest-value cell (drains r2r's queue so readers see the newest).
pub fn latest<T: Send + Sync + 'static>(
    mut s: impl Stream<Item = T> + Unpin + Send + 'static,
) -> tokio::sync::watch::Receiver<Option<T>> {
    let (tx, rx) = tokio::sync::watch::channel(None);
    tokio::spawn(async move {
        while let Some(m) = s.next().await {
            if tx.send(Some(m)).is_err() {
                break;
            }
        }
    });
    rx
}

/// Resolves on SIGINT or SIGTERM (`ros2 launch` sends SIGINT, then SIGTERM).
pub async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}

/// The body of every node binary: a tokio runtime running `run`, errors logged, exit code set.
pub fn main_with<F, Fut>(name: &'static str, run: F) -> std::process::ExitCode
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<(), NodeError>>,
{
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("demine_{name}: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            crate::ros_error!(name, "{e}");
            eprintln!("demine_{name}: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
