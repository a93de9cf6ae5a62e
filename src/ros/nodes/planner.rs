//! `planner`: loads the field and the machine (parameters `field`, `machine`, …, see
//! [`setup`](crate::ros::setup)), plans once and publishes the plan as `plan/path` and the
//! field, residual and passes as `plan/markers`, both latched (transient local).

use crate::plan;
use crate::ros::plan_msgs::{plan_markers, plan_path};
use crate::ros::runtime::{now, shutdown_signal, NodeError, NodeHost};
use crate::ros::setup::Setup;
use crate::ros_interface::topic;

pub async fn run() -> Result<(), NodeError> {
    let mut host = NodeHost::create("planner")?;
    super::check_params("planner", &host.params)?;
    let setup = Setup::from_params(&host.params)?;
    let path_pub = host.publisher::<r2r::nav_msgs::msg::Path>(topic::PLAN_PATH)?;
    let marker_pub = host.publisher::<r2r::visualization_msgs::msg::MarkerArray>(topic::PLAN_MARKERS)?;
    let logger = host.logger();
    let t0 = std::time::Instant::now();
    let result = plan::plan(&setup.field, &setup.machine, &setup.plan_config);
    let stamp = now(&host.clock);
    match &result {
        Ok(p) => {
            crate::ros_info!(
                &logger,
                "{}: {:?}, {:.2} % processed, residual {:.1} m², planned in {:.0} ms",
                setup.field.source,
                p.strategy,
                p.processed_fraction * 100.0,
                p.residual_m2,
                t0.elapsed().as_secs_f64() * 1e3
            );
            path_pub.publish(&plan_path(p, stamp.clone()))?;
        }
        Err(e) => crate::ros_error!(&logger, "{e}: publishing the field only"),
    }
    marker_pub.publish(&plan_markers(&setup.field, result.as_ref().ok(), stamp))?;
    let spinner = host.spin();
    shutdown_signal().await;
    spinner.stop();
    Ok(())
}
