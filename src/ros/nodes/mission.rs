//! `mission`: a managed (lifecycle) node hosting the core mission state machine and safety
//! supervisor ([`MissionFlow`] maps transitions and topics onto it). `configure` loads the field
//! and machine and plans (`planned`: the tracker runs the rotor spin test), `activate` runs the
//! pre-flight checks and starts (or resumes) clearing, `deactivate` pauses, `cleanup` forgets the
//! mission, `shutdown` aborts an unfinished one — through the lifecycle_msgs services r2r does not
//! provide, implemented here on [`Lifecycle`] so `ros2 lifecycle set /mission activate` works.
//!
//! It watches `odometry/filtered`, `joint_states` (vehicle feedback: heartbeat and rotor),
//! `/diagnostics` (CAN link, localization verdict), `detonation/shock`, `coverage/grid` (the
//! footprint rule) and `estop` (level), checks them at [`rate::MISSION_HZ`] and at once on an
//! e-stop, and counts segments done from `tracker/segment`. Operator inputs: `estop/reset`,
//! `detonation/acknowledge`. Publishes `mission/state`, `mission/estop_latched` (latched) and
//! `mission/transition_event`.

use futures::StreamExt;
use r2r::diagnostic_msgs::msg::DiagnosticArray;
use r2r::geometry_msgs::msg::AccelStamped;
use r2r::lifecycle_msgs::srv::{ChangeState, GetAvailableStates, GetAvailableTransitions, GetState};
use r2r::nav_msgs::msg::{OccupancyGrid, Odometry};
use r2r::sensor_msgs::msg::JointState;
use r2r::std_msgs::msg::{Bool, Float64, String as RosString, UInt32};
use r2r::QosProfile;

use geo::MultiPolygon;

use crate::localize::QualityThresholds;
use crate::machine::MachineProfile;
use crate::mission::SafetyConfig;
use crate::plan;
use crate::ros::can_msgs::{implement_from_joint_state, watched_levels};
use crate::ros::estimate_msgs::odometry_to_estimate;
use crate::ros::grid_msgs::grid_from_occupancy;
use crate::ros::lifecycle::{
    available_states, state_msg, transition_event, transitions, CallbackResult, Lifecycle, Primary, TransitionKind,
};
use crate::ros::mission_flow::{MissionFlow, Note, Reaction};
use crate::ros::mission_watch::{geofence, MissionWatch};
use crate::ros::msg::seconds;
use crate::ros::params;
use crate::ros::runtime::{now, shutdown_signal, NodeError, NodeHost};
use crate::ros::setup::Setup;
use crate::ros_interface::{rate, topic};

/// Parameters of the mission node beyond [`SETUP_KEYS`](crate::ros::setup::SETUP_KEYS): the
/// safety supervisor's thresholds (`safety.*`, the fields of [`SafetyConfig`]).
pub const MISSION_KEYS: [&str; 0] = [];

/// How long `activate` waits for the pre-flight checks to pass (the rotor spin test takes up to
/// `MAX_SPIN_UP_S` = 20 s after configure), seconds of ROS time; then it fails naming the check.
pub const ACTIVATE_WAIT_S: f64 = 30.0;

/// lifecycle_msgs/msg/Transition TRANSITION_CONFIGURE.
const TRANSITION_CONFIGURE: u8 = 1;
/// lifecycle_msgs/msg/Transition TRANSITION_ACTIVATE.
const TRANSITION_ACTIVATE: u8 = 3;

/// What `configure` loads and plans: the field, machine and settings and their plan, or why not.
type Planned = Result<(Setup, plan::Plan), String>;

fn load_and_plan(params: &params::ParamMap) -> Planned {
    let s = Setup::from_params(params).map_err(|e| e.to_string())?;
    let p = plan::plan(&s.field, &s.machine, &s.plan_config).map_err(|e| e.to_string())?;
    Ok((s, p))
}

pub async fn run() -> Result<(), NodeError> {
    let mut host = NodeHost::create("mission")?;
    super::check_params("mission", &host.params)?;
    let safety: SafetyConfig = params::config(&host.params, "safety")?;
    safety
        .validate()
        .map_err(|e| NodeError::Failed(format!("parameters 'safety.*': {e}")))?;
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
    let mut ack_sub = host.subscribe::<UInt32>(topic::DETONATION_ACK)?;
    let mut odom_sub = host.subscribe::<Odometry>(topic::FILTERED_ODOMETRY)?;
    let mut joint_sub = host.subscribe::<JointState>(topic::JOINT_STATES)?;
    let mut det_sub = host.subscribe::<AccelStamped>(topic::DETONATION)?;
    let mut diag_sub = host.subscribe::<DiagnosticArray>(topic::DIAGNOSTICS)?;
    let mut segment_sub = host.subscribe::<UInt32>(topic::TRACKER_SEGMENT)?;
    let mut grid_sub = host.subscribe::<OccupancyGrid>(topic::COVERAGE_GRID)?;
    let mut progress_sub = host.subscribe::<Float64>(topic::COVERAGE_PROGRESS)?;
    let state_pub = host.publisher::<RosString>(topic::MISSION_STATE)?;
    let estop_pub = host.publisher::<Bool>(topic::ESTOP_LATCHED)?;
    let event_pub = host.publisher::<r2r::lifecycle_msgs::msg::TransitionEvent>(topic::TRANSITION_EVENT)?;
    let pending_pub = host.publisher::<UInt32>(topic::DETONATION_PENDING)?;
    let mut tick = host.timer(rate::MISSION_HZ)?;
    let logger = host.logger();
    let clock = host.clock.clone();
    let spinner = host.spin();
    let now_s = || seconds(&now(&clock));

    // no field or machine until configure loads them: while idle only the e-stop is watched
    let empty = MultiPolygon::new(vec![]);
    let idle_machine = MachineProfile::default_profile();
    let watch = MissionWatch::new(&idle_machine, empty.clone(), empty, safety.sigma_k);
    let mut life = Lifecycle::new();
    let mut flow = MissionFlow::new(safety.clone(), idle_machine, watch);
    let thresholds = QualityThresholds::default();
    let sigma_k = safety.sigma_k;
    let mut progress = 0.0;

    let log = |r: &Reaction| {
        for &id in &r.ack_requests {
            let _ = pending_pub.publish(&UInt32 { data: id });
        }
        for n in &r.notes {
            match n {
                Note::Info(s) => crate::ros_info!(&logger, "{s}"),
                Note::Warn(s) => crate::ros_warn!(&logger, "{s}"),
                Note::Error(s) => crate::ros_error!(&logger, "{s}"),
            }
        }
    };
    // one transition: the node's work (planning on configure), then the flow, then the event
    // (`planned`: configure's work done beforehand, off the event loop; else done here)
    let transit =
        |life: &mut Lifecycle, flow: &mut MissionFlow, id: u8, label: &str, planned: Option<Planned>| -> bool {
            let from = life.state();
            let t = now_s();
            let mut notes = Reaction::default();
            let r = life.change(id, label, |kind| {
                if kind == TransitionKind::Configure {
                    match planned.unwrap_or_else(|| load_and_plan(&param_map)) {
                        Ok((s, p)) => {
                            crate::ros_info!(
                                &logger,
                                "planned: {:?}, {} segments, {:.2} % expected processed",
                                p.strategy,
                                p.motions.len(),
                                p.processed_fraction * 100.0
                            );
                            let fence = geofence(&s.field, &s.machine, &p.motions);
                            let watch = MissionWatch::new(&s.machine, fence, s.field.safe.clone(), sigma_k);
                            notes = flow.configure(s.machine, watch, p.motions.len(), t);
                            return CallbackResult::Success;
                        }
                        Err(e) => return CallbackResult::Failure(e),
                    }
                }
                let (result, r) = flow.on_transition(kind, t);
                notes = r;
                result
            });
            log(&notes);
            match r {
                Ok((edge, to)) => {
                    let _ = event_pub.publish(&transition_event(&edge, from, to, (t * 1e9) as u64));
                    crate::ros_info!(&logger, "{}: {} → {}", edge.label, from.label(), to.label());
                    true
                }
                Err(e) => {
                    crate::ros_warn!(&logger, "{e}");
                    false
                }
            }
        };
    // both topics are latched: published when they change
    let published = std::cell::Cell::new(None);
    let publish_state = |flow: &MissionFlow| -> Result<(), NodeError> {
        let now = Some((flow.state(), flow.estop_latched()));
        if published.replace(now) != now {
            state_pub.publish(&RosString {
                data: flow.state().as_str().to_string(),
            })?;
            estop_pub.publish(&Bool {
                data: flow.estop_latched(),
            })?;
        }
        Ok(())
    };
    // log, deactivate when asked (and active), republish
    let settle = |life: &mut Lifecycle, flow: &mut MissionFlow, r: Reaction| -> Result<(), NodeError> {
        log(&r);
        if r.deactivate && life.state() == Primary::Active {
            transit(life, flow, 0, "deactivate", None);
        }
        publish_state(flow)
    };
    publish_state(&flow)?;

    let mut waiting: Option<(r2r::ServiceRequest<ChangeState::Service>, f64)> = None;
    // a configure request and its planning on a worker thread: the loop keeps taking the sensor
    // inputs meanwhile (planning inside the loop left the estimate stale for the first check
    // after it: a spurious gnss-degraded trip at every configure on a fast simulated clock)
    let mut configuring: Option<r2r::ServiceRequest<ChangeState::Service>> = None;
    let mut planning: Option<tokio::task::JoinHandle<Planned>> = None;
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            Some(req) = change.next() => {
                let t = &req.message.transition;
                let activate = t.id == TRANSITION_ACTIVATE || t.label == "activate";
                let configure = t.id == TRANSITION_CONFIGURE || t.label == "configure";
                if configure && life.state() == Primary::Unconfigured {
                    if let Some(old) = configuring.replace(req) {
                        let _ = old.respond(ChangeState::Response { success: false });
                    }
                    if planning.is_none() {
                        let map = param_map.clone();
                        planning = Some(tokio::task::spawn_blocking(move || load_and_plan(&map)));
                    }
                    continue;
                }
                if activate && life.state() == Primary::Inactive && flow.preflight_pending(now_s()) {
                    // hold the request until the pre-flight checks pass (the rotor spin test
                    // runs after configure) or ACTIVATE_WAIT_S have passed; then answer it
                    crate::ros_info!(&logger, "activate: waiting up to {ACTIVATE_WAIT_S} s for the pre-flight checks (rotor spin test)");
                    if let Some((old, _)) = waiting.replace((req, now_s() + ACTIVATE_WAIT_S)) {
                        let _ = old.respond(ChangeState::Response { success: false });
                    }
                    continue;
                }
                let ok = transit(&mut life, &mut flow, t.id, &t.label, None);
                let _ = req.respond(ChangeState::Response { success: ok });
                publish_state(&flow)?;
            }
            done = async { planning.as_mut().expect("guarded").await }, if planning.is_some() => {
                planning = None;
                let planned = done.unwrap_or_else(|e| Err(format!("planning stopped: {e}")));
                if let Some(req) = configuring.take() {
                    let tr = &req.message.transition;
                    let ok = transit(&mut life, &mut flow, tr.id, &tr.label, Some(planned));
                    let _ = req.respond(ChangeState::Response { success: ok });
                    publish_state(&flow)?;
                }
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
                let r = flow.on_estop(m.data, now_s());
                settle(&mut life, &mut flow, r)?;
            }
            Some(m) = reset_sub.next() => {
                if m.data {
                    let r = flow.on_reset(now_s());
                    settle(&mut life, &mut flow, r)?;
                }
            }
            Some(m) = ack_sub.next() => {
                let r = flow.on_acknowledge(m.data, now_s());
                settle(&mut life, &mut flow, r)?;
            }
            Some(o) = odom_sub.next() => {
                if let Some(e) = odometry_to_estimate(&o, &thresholds) {
                    flow.watch.on_estimate(e);
                }
            }
            Some(js) = joint_sub.next() => {
                if let Some((rpm, _)) = implement_from_joint_state(&js) {
                    flow.watch.on_feedback(rpm, now_s());
                }
            }
            Some(d) = diag_sub.next() => {
                let (loc, link) = watched_levels(&d);
                flow.watch.on_diagnostics(loc, link, now_s());
            }
            Some(_) = det_sub.next() => flow.watch.on_detonation(),
            Some(g) = grid_sub.next() => match grid_from_occupancy(&g) {
                Ok(s) => flow.watch.on_grid(s, now_s()),
                Err(e) => crate::ros_error!(&logger, "coverage/grid ignored: {e}"),
            },
            Some(p) = progress_sub.next() => progress = p.data,
            Some(s) = segment_sub.next() => {
                let r = flow.on_segment(s.data as usize, now_s());
                if r.deactivate {
                    crate::ros_info!(&logger, "every segment done at {:.2} % processed", progress * 100.0);
                }
                settle(&mut life, &mut flow, r)?;
            }
            r = tick.tick() => {
                r?;
                let r = flow.observe(now_s());
                settle(&mut life, &mut flow, r)?;
                let t = now_s();
                let ready = waiting.as_ref().map(|(_, deadline)| !flow.preflight_pending(t) || t >= *deadline);
                if ready == Some(true) {
                    if let Some((req, _)) = waiting.take() {
                        let tr = &req.message.transition;
                        let ok = transit(&mut life, &mut flow, tr.id, &tr.label, None);
                        let _ = req.respond(ChangeState::Response { success: ok });
                        publish_state(&flow)?;
                    }
                }
            }
            _ = &mut shutdown => break,
        }
    }
    spinner.stop();
    Ok(())
}
