//! `mission`: a managed (lifecycle) node. `configure` loads the field and machine and plans,
//! `activate` starts clearing, `deactivate` pauses, `cleanup` forgets the plan, `shutdown`
//! finalizes — through the lifecycle_msgs services r2r does not provide, implemented here on
//! [`Lifecycle`] so `ros2 lifecycle set /mission activate` works. E-stop on `estop`
//! (`std_msgs/Bool`), latched until `estop/reset` while released; an e-stop while clearing
//! deactivates the node by itself. Publishes `mission/state`, `mission/estop_latched` (latched)
//! and `mission/transition_event`.

use futures::StreamExt;
use r2r::lifecycle_msgs::srv::{ChangeState, GetAvailableStates, GetAvailableTransitions, GetState};
use r2r::std_msgs::msg::{Bool, Float64, String as RosString};
use r2r::QosProfile;

use crate::plan;
use crate::ros::lifecycle::{
    available_states, state_msg, transition_event, transitions, CallbackResult, Lifecycle, TransitionKind,
};
use crate::ros::mission_flow::{Action, MissionFlow};
use crate::ros::msg::seconds;
use crate::ros::params;
use crate::ros::runtime::{now, shutdown_signal, NodeError, NodeHost};
use crate::ros::setup::Setup;
use crate::ros_interface::topic;

/// Parameters of the mission node beyond [`SETUP_KEYS`](crate::ros::setup::SETUP_KEYS).
pub const MISSION_KEYS: [&str; 1] = ["completion_tolerance"];

pub async fn run() -> Result<(), NodeError> {
    let mut host = NodeHost::create("mission")?;
    super::check_params("mission", &host.params)?;
    let tolerance = params::float_in(&host.params, "completion_tolerance", 0.005, 0.0, 0.5)?;
    let param_map = host.params.clone();

    let srv = QosProfile::services_default();
    let mut change = host
        .node
        .create_service::<ChangeState::Service>("~/change_state", srv.clone())?;
    let mut get_state = host
        .node
        .create_service::<GetState::Service>("~/get_state", srv.clone())?;
    let mut get_states = host
        .node
        .create_service::<GetAvailableStates::Service>("~/get_available_states", srv.clone())?;
    let mut get_transitions = host
        .node
        .create_service::<GetAvailableTransitions::Service>("~/get_available_transitions", srv.clone())?;
    let mut get_graph = host
        .node
        .create_service::<GetAvailableTransitions::Service>("~/get_transition_graph", srv)?;
    let mut estop_sub = host.subscribe::<Bool>(topic::ESTOP)?;
    let mut reset_sub = host.subscribe::<Bool>(topic::ESTOP_RESET)?;
    let mut progress_sub = host.subscribe::<Float64>(topic::COVERAGE_PROGRESS)?;
    let state_pub = host.publisher::<RosString>(topic::MISSION_STATE)?;
    let estop_pub = host.publisher::<Bool>(topic::ESTOP_LATCHED)?;
    let event_pub = host.publisher::<r2r::lifecycle_msgs::msg::TransitionEvent>(topic::TRANSITION_EVENT)?;
    let logger = host.logger();
    let clock = host.clock.clone();
    let spinner = host.spin();

    let mut life = Lifecycle::new();
    let mut flow = MissionFlow::new(1.0);

    // one transition: the node's work (planning on configure), then the flow, then the event
    let transit = |life: &mut Lifecycle, flow: &mut MissionFlow, id: u8, label: &str| -> bool {
        let from = life.state();
        let r = life.change(id, label, |kind| {
            if kind == TransitionKind::Configure {
                let planned = Setup::from_params(&param_map)
                    .map_err(|e| e.to_string())
                    .and_then(|s| plan::plan(&s.field, &s.machine, &s.plan_config).map_err(|e| e.to_string()));
                match planned {
                    Ok(p) => {
                        flow.target_progress = (p.processed_fraction - tolerance).max(0.0);
                        r2r::log_info!(
                            &logger,
                            "planned: {:?}, {:.2} % expected processed",
                            p.strategy,
                            p.processed_fraction * 100.0
                        );
                    }
                    Err(e) => return CallbackResult::Failure(e),
                }
            }
            flow.on_transition(kind)
        });
        match r {
            Ok((edge, to)) => {
                let ns = (seconds(&now(&clock)) * 1e9) as u64;
                let _ = event_pub.publish(&transition_event(&edge, from, to, ns));
                r2r::log_info!(&logger, "{}: {} → {}", edge.label, from.label(), to.label());
                true
            }
            Err(e) => {
                r2r::log_warn!(&logger, "{e}");
                false
            }
        }
    };
    let publish_state = |flow: &MissionFlow| -> Result<(), NodeError> {
        state_pub.publish(&RosString {
            data: flow.state.as_str().to_string(),
        })?;
        estop_pub.publish(&Bool {
            data: flow.estop.latched(),
        })?;
        Ok(())
    };
    publish_state(&flow)?;

    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            Some(req) = change.next() => {
                let t = &req.message.transition;
                let ok = transit(&mut life, &mut flow, t.id, &t.label);
                let _ = req.respond(ChangeState::Response { success: ok });
                publish_state(&flow)?;
            }
            Some(req) = get_state.next() => {
                let _ = req.respond(GetState::Response { current_state: state_msg(life.state()) });
            }
            Some(req) = get_states.next() => {
                let _ = req.respond(GetAvailableStates::Response { available_states: available_states() });
            }
            Some(req) = get_transitions.next() => {
                let _ = req.respond(GetAvailableTransitions::Response { available_transitions: transitions(&life, false) });
            }
            Some(req) = get_graph.next() => {
                let _ = req.respond(GetAvailableTransitions::Response { available_transitions: transitions(&life, true) });
            }
            Some(m) = estop_sub.next() => {
                let action = flow.on_estop(m.data);
                if m.data && action != Action::None {
                    r2r::log_error!(&logger, "E-STOP latched");
                }
                if action == Action::SelfDeactivate {
                    transit(&mut life, &mut flow, 0, "deactivate");
                }
                publish_state(&flow)?;
            }
            Some(m) = reset_sub.next() => {
                if m.data {
                    match flow.on_reset() {
                        Ok(Action::PublishEStop) => r2r::log_warn!(&logger, "e-stop reset: activate to resume"),
                        Ok(_) => {}
                        Err(e) => r2r::log_error!(&logger, "e-stop reset refused: {e}"),
                    }
                    publish_state(&flow)?;
                }
            }
            Some(m) = progress_sub.next() => {
                if flow.on_progress(m.data) == Action::SelfDeactivate {
                    r2r::log_info!(&logger, "mission completed at {:.2} % processed", m.data * 100.0);
                    transit(&mut life, &mut flow, 0, "deactivate");
                    publish_state(&flow)?;
                }
            }
            _ = &mut shutdown => break,
        }
    }
    spinner.stop();
    Ok(())
}
