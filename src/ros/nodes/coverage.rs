//! `coverage`: the processed-area grid from the estimate (`odometry/filtered`) and the implement
//! state (`joint_states`); publishes it as `coverage/grid` (latched, throttled), the processed
//! fraction on `coverage/progress`, and detonation positions (where the processing line was when
//! `detonation/shock` arrived) as `coverage/detonations`.
//!
//! The grid is a [`CoverageCore`]: the binary passes
//! [`processed_grid`](crate::ros::adapters::processed_grid) (`crate::coverage`), cells of
//! `resolution_m`. Every estimate goes to the grid, which credits a sweep only moving forward with
//! rotor speed, depth, speed and the estimate's σ in band (a sweep that fails is shown as
//! doubtful, 50, for re-processing).

use futures::StreamExt;
use r2r::geometry_msgs::msg::AccelStamped;
use r2r::nav_msgs::msg::{OccupancyGrid, Odometry};
use r2r::sensor_msgs::msg::JointState;
use r2r::std_msgs::msg::Float64;
use r2r::visualization_msgs::msg::MarkerArray;

use crate::coverage::CoverageError;
use crate::localize::QualityThresholds;
use crate::ros::adapters::CoverageCore;
use crate::ros::can_msgs::{detonation_peak_g, implement_from_joint_state};
use crate::ros::estimate_msgs::odometry_to_estimate;
use crate::ros::grid_msgs::{detonation_markers, occupancy_grid};
use crate::ros::params;
use crate::ros::runtime::{now, shutdown_signal, NodeError, NodeHost};
use crate::ros::setup::Setup;
use crate::ros_interface::{rate, topic};

/// Parameters of the coverage node beyond [`SETUP_KEYS`](crate::ros::setup::SETUP_KEYS).
pub const COVERAGE_KEYS: [&str; 1] = ["resolution_m"];

/// Build the grid for a loaded setup (the binary chooses the implementation).
pub type GridFactory = fn(&Setup, f64) -> Result<Box<dyn CoverageCore>, CoverageError>;

pub async fn run_with(make_grid: GridFactory) -> Result<(), NodeError> {
    let mut host = NodeHost::create("coverage")?;
    super::check_params("coverage", &host.params)?;
    let setup = Setup::from_params(&host.params)?;
    let resolution = params::float_in(&host.params, "resolution_m", 0.1, 0.02, 1.0)?;
    let mut grid =
        make_grid(&setup, resolution).map_err(|e| NodeError::Failed(format!("resolution_m = {resolution}: {e}")))?;
    let [[line_x, _], _] = setup.machine.implement_m;

    let mut odom_sub = host.subscribe::<Odometry>(topic::FILTERED_ODOMETRY)?;
    let mut joint_sub = host.subscribe::<JointState>(topic::JOINT_STATES)?;
    let mut det_sub = host.subscribe::<AccelStamped>(topic::DETONATION)?;
    let grid_pub = host.publisher::<OccupancyGrid>(topic::COVERAGE_GRID)?;
    let progress_pub = host.publisher::<Float64>(topic::COVERAGE_PROGRESS)?;
    let det_pub = host.publisher::<MarkerArray>(topic::COVERAGE_MARKERS)?;
    let mut tick = host.timer(rate::COVERAGE_GRID_HZ)?;
    let logger = host.logger();
    let clock = host.clock.clone();
    let spinner = host.spin();

    let thresholds = QualityThresholds::default();
    let (mut rpm, mut depth) = (0.0, 0.0);
    let mut last = None;
    let mut detonations: Vec<(f64, f64)> = Vec::new();
    det_pub.publish(&detonation_markers(&detonations, now(&clock)))?;
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            Some(js) = joint_sub.next() => {
                if let Some((r, d)) = implement_from_joint_state(&js) {
                    (rpm, depth) = (r, d);
                }
            }
            Some(o) = odom_sub.next() => {
                if let Some(e) = odometry_to_estimate(&o, &thresholds) {
                    grid.update(&e, rpm, depth);
                    last = Some(e);
                }
            }
            Some(d) = det_sub.next() => {
                if let Some(e) = &last {
                    let (s, c) = e.yaw_rad.sin_cos();
                    detonations.push((e.east_m + c * line_x, e.north_m + s * line_x));
                    crate::ros_warn!(&logger, "detonation {:.1} g at {:.1}, {:.1} m (map)", detonation_peak_g(&d), e.east_m, e.north_m);
                    det_pub.publish(&detonation_markers(&detonations, now(&clock)))?;
                }
            }
            r = tick.tick() => {
                r?;
                match occupancy_grid(&grid.snapshot(), now(&clock)) {
                    Ok(g) => grid_pub.publish(&g)?,
                    Err(e) => crate::ros_error!(&logger, "grid not published: {e}"),
                }
                progress_pub.publish(&Float64 { data: grid.progress() })?;
            }
            _ = &mut shutdown => break,
        }
    }
    spinner.stop();
    Ok(())
}
