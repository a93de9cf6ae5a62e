//! `can_bridge`: the SLCAN bridge ([`BridgeLink`]) as a node. Subscribes `cmd_vel` (→ track speed
//! setpoints), `implement/rotor_cmd` and `implement/depth_cmd` (→ implement setpoints) and
//! `mission/estop_latched` (→ the EStop frame, and its release when the latch is reset) and
//! `mission/state` (→ the host mode in the heartbeat);
//! publishes track speeds as `odometry/wheel` (dead-reckoned pose in `odom`), implement state as
//! `joint_states`, machine health on `/diagnostics` and detonations on `detonation/shock`.
//!
//! Parameters: `port` (serial device, required), `adapter` (`lawicel` | `usbtin` | `canable`),
//! `bitrate_bps`, `serial_baud`, `machine` (track gauge, rotor minimum), `track_speed_sigma_mps`.

use futures::StreamExt;
use r2r::geometry_msgs::msg::{AccelStamped, Twist};
use r2r::nav_msgs::msg::Odometry;
use r2r::sensor_msgs::msg::JointState;
use r2r::std_msgs::msg::{Bool, Float64, String as RosString};

use crate::can::adapter::AdapterProfile;
use crate::can::bridge::{BridgeConfig, BridgeLink};
use crate::can::link::VehicleLink;
use crate::can::port::PortConfig;
use crate::can::protocol::{EStopReason, VehicleCommand, VehicleFeedback};
use crate::ros::can_msgs::{detonation_msg, diagnostics, host_mode_of, implement_joint_state, MachineHealth};
use crate::ros::drive_msgs::{
    msgs_to_implement, twist_to_drive, CommandTimeout, CMD_VEL_TIMEOUT_S, MAX_TRACK_SPEED_MPS,
};
use crate::ros::msg::seconds;
use crate::ros::params::{self, ParamError, ParamMap};
use crate::ros::pose_msgs::{track_odometry, OdomIntegrator};
use crate::ros::runtime::{now, shutdown_signal, NodeError, NodeHost};
use crate::ros::setup;
use crate::ros_interface::{rate, topic};

/// The bridge's port settings from parameters.
pub fn port_config(map: &ParamMap) -> Result<PortConfig, ParamError> {
    let mut p = PortConfig::new(params::required_path(map, "port")?);
    p.profile = match params::string(map, "adapter")?.as_deref() {
        None | Some("lawicel") => AdapterProfile::Lawicel,
        Some("usbtin") => AdapterProfile::Usbtin,
        Some("canable") => AdapterProfile::Canable,
        Some(other) => {
            return Err(ParamError::Invalid {
                name: "adapter".into(),
                value: other.into(),
                why: "one of lawicel, usbtin, canable".into(),
            })
        }
    };
    p.bitrate_bps = params::float_in(map, "bitrate_bps", 500_000.0, 10_000.0, 1_000_000.0)? as u32;
    p.serial_baud = params::float_in(map, "serial_baud", 115_200.0, 1200.0, 4_000_000.0)? as u32;
    // the adapter profile refuses bit rates it cannot set
    p.profile.bitrate_code(p.bitrate_bps).map_err(|e| ParamError::Invalid {
        name: "bitrate_bps".into(),
        value: p.bitrate_bps.to_string(),
        why: e.to_string(),
    })?;
    Ok(p)
}

/// Parameters of the bridge beyond the shared setup keys (accepted there so one parameter file's
/// `/**` block serves every node; only `machine` is used).
pub const CAN_KEYS: [&str; 5] = ["port", "adapter", "bitrate_bps", "serial_baud", "track_speed_sigma_mps"];

pub async fn run() -> Result<(), NodeError> {
    let mut host = NodeHost::create("can_bridge")?;
    // the shared planner settings (`/**` in the parameter files) are accepted and unused
    super::check_params("can_bridge", &host.params)?;
    let machine = setup::machine(&host.params)?;
    let sigma = params::float_in(&host.params, "track_speed_sigma_mps", 0.005, 1e-4, 1.0)?;
    let mut link = BridgeLink::spawn(BridgeConfig::new(port_config(&host.params)?))
        .map_err(|e| NodeError::Failed(format!("CAN bridge: {e}")))?;
    let gauge = machine.track_gauge_m;

    let mut cmd_sub = host.subscribe::<Twist>(topic::CMD_VEL)?;
    let mut rotor_sub = host.subscribe::<Float64>(topic::ROTOR_CMD)?;
    let mut depth_sub = host.subscribe::<Float64>(topic::DEPTH_CMD)?;
    let mut estop_sub = host.subscribe::<Bool>(topic::ESTOP_LATCHED)?;
    let mut state_sub = host.subscribe::<RosString>(topic::MISSION_STATE)?;
    let odom_pub = host.publisher::<Odometry>(topic::WHEEL_ODOMETRY)?;
    let joint_pub = host.publisher::<JointState>(topic::JOINT_STATES)?;
    let diag_pub = host.publisher::<r2r::diagnostic_msgs::msg::DiagnosticArray>(topic::DIAGNOSTICS)?;
    let det_pub = host.publisher::<AccelStamped>(topic::DETONATION)?;
    let mut diag_tick = host.timer(rate::DIAGNOSTICS_HZ)?;
    let logger = host.logger();
    let clock = host.clock.clone();
    let spinner = host.spin();

    let mut health = MachineHealth::default();
    let mut odom = OdomIntegrator::new();
    let (mut rotor_rad_s, mut depth_m) = (0.0, 0.0);
    let mut rotor_angle = 0.0;
    let mut last_joint_s: Option<f64> = None;
    let mut estop_latched = false;
    let mut drive = CommandTimeout::default();
    let started = std::time::Instant::now();
    let mut watchdog = tokio::time::interval(std::time::Duration::from_millis(50));
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            Some(t) = cmd_sub.next() => {
                if !estop_latched {
                    let d = twist_to_drive(&t, gauge, MAX_TRACK_SPEED_MPS);
                    drive.command(d, started.elapsed().as_secs_f64());
                    let _ = link.send(VehicleCommand::Drive(d));
                }
            }
            _ = watchdog.tick() => {
                // command timeout on the wall clock: a stale cmd_vel is replaced by a stop
                let (_, expired) = drive.setpoint(started.elapsed().as_secs_f64());
                if expired {
                    let _ = link.send(VehicleCommand::Drive(crate::can::protocol::DriveCommand { left_mps: 0.0, right_mps: 0.0 }));
                    crate::ros_warn!(&logger, "no cmd_vel for {CMD_VEL_TIMEOUT_S} s: tracks stopped");
                }
            }
            Some(r) = rotor_sub.next() => {
                rotor_rad_s = r.data;
                let _ = link.send(VehicleCommand::Implement(msgs_to_implement(rotor_rad_s, depth_m)));
            }
            Some(d) = depth_sub.next() => {
                depth_m = d.data;
                let _ = link.send(VehicleCommand::Implement(msgs_to_implement(rotor_rad_s, depth_m)));
            }
            Some(b) = estop_sub.next() => {
                if b.data != estop_latched {
                    estop_latched = b.data;
                    let _ = link.send(VehicleCommand::EStop { stop: b.data, reason: EStopReason::Operator });
                    crate::ros_warn!(&logger, "e-stop {} sent to the vehicle", if b.data { "request" } else { "release" });
                }
            }
            Some(st) = state_sub.next() => {
                // the schedule owns the rolling counter; only the mode is taken from this
                let _ = link.send(VehicleCommand::Heartbeat { counter: 0, mode: host_mode_of(&st.data) });
            }
            Some(ev) = link.recv() => {
                health.update(&ev.feedback);
                let stamp = now(&clock);
                let t = seconds(&stamp);
                match ev.feedback {
                    VehicleFeedback::TrackSpeeds { left_mps, right_mps } => {
                        let pose = odom.step(t, 0.5 * (left_mps + right_mps), (right_mps - left_mps) / gauge);
                        odom_pub.publish(&track_odometry(left_mps, right_mps, gauge, sigma, pose, stamp))?;
                    }
                    VehicleFeedback::Implement(s) => {
                        if let Some(last) = last_joint_s {
                            rotor_angle = (rotor_angle + s.rotor_rpm * crate::ros::drive_msgs::RPM_TO_RAD_S * (t - last).clamp(0.0, 1.0))
                                % std::f64::consts::TAU;
                        }
                        last_joint_s = Some(t);
                        joint_pub.publish(&implement_joint_state(&s, rotor_angle, stamp))?;
                    }
                    VehicleFeedback::Detonation { shock_peak_g, count } => {
                        crate::ros_warn!(&logger, "detonation {count}: {shock_peak_g:.1} g");
                        det_pub.publish(&detonation_msg(shock_peak_g, stamp))?;
                    }
                    _ => {}
                }
            }
            r = diag_tick.tick() => {
                r?;
                health.link = link.status();
                diag_pub.publish(&diagnostics(&health, machine.rotor_rpm_min, now(&clock)))?;
            }
            _ = &mut shutdown => break,
        }
    }
    // stop the tracks before the bridge says goodbye (dropping the link sends the shutdown heartbeat)
    let _ = link.send(VehicleCommand::Drive(crate::can::protocol::DriveCommand {
        left_mps: 0.0,
        right_mps: 0.0,
    }));
    drop(link);
    spinner.stop();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use r2r::ParameterValue;

    #[test]
    fn port_parameters_are_validated() {
        let mut m = ParamMap::new();
        assert!(port_config(&m).is_err(), "port is required");
        m.insert("port".into(), ParameterValue::String("/dev/ttyACM0".into()));
        let p = port_config(&m).unwrap();
        assert_eq!((p.profile, p.bitrate_bps), (AdapterProfile::Lawicel, 500_000));
        m.insert("adapter".into(), ParameterValue::String("canable".into()));
        m.insert("bitrate_bps".into(), ParameterValue::Integer(250_000));
        let p = port_config(&m).unwrap();
        assert_eq!((p.profile, p.bitrate_bps), (AdapterProfile::Canable, 250_000));
        m.insert("bitrate_bps".into(), ParameterValue::Integer(123_456));
        assert!(port_config(&m).is_err(), "not a bit rate the adapter can set");
        m.insert("adapter".into(), ParameterValue::String("peak".into()));
        assert!(port_config(&m).is_err());
    }
}
