//! CAN feedback as ROS messages: machine health as `diagnostic_msgs/DiagnosticArray`, implement
//! state as `sensor_msgs/JointState` (the URDF's `rotor_joint` and `implement_depth_joint`, so
//! robot_state_publisher animates the model), detonations as `geometry_msgs/AccelStamped`.
//!
//! [`MachineHealth`] keeps the latest of each feedback message; it is plain data updated by the
//! bridge node and rendered by [`diagnostics`].

use r2r::builtin_interfaces::msg::Time;
use r2r::diagnostic_msgs::msg::{DiagnosticArray, DiagnosticStatus, KeyValue};
use r2r::geometry_msgs::msg::{Accel, AccelStamped};
use r2r::sensor_msgs::msg::JointState;

use super::drive_msgs::RPM_TO_RAD_S;
use super::mission_watch::Level;
use super::msg::{header, vector3};
use crate::can::link::LinkStatus;
use crate::can::protocol::{
    EngineStatus, FaultFlags, HostMode, ImplementStatus, StopReason, VehicleFeedback, VehicleMode,
};
use crate::ros_interface::frame;

/// Standard gravity, m/s² (detonation peaks come in g).
pub const STANDARD_GRAVITY_MPS2: f64 = 9.806_65;

/// URDF joint names the implement state is published under.
pub const ROTOR_JOINT: &str = "rotor_joint";
pub const DEPTH_JOINT: &str = "implement_depth_joint";

/// The latest vehicle feedback of each kind, and the link's health.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MachineHealth {
    pub link: LinkStatus,
    pub mode: Option<(VehicleMode, StopReason)>,
    pub track_speeds_mps: Option<(f64, f64)>,
    pub implement: Option<ImplementStatus>,
    pub engine: Option<EngineStatus>,
    pub faults: Option<FaultFlags>,
    /// Detonations reported since the bridge started.
    pub detonations: u64,
    /// Largest shock reported, g.
    pub max_shock_g: f64,
}

impl MachineHealth {
    pub fn update(&mut self, fb: &VehicleFeedback) {
        match *fb {
            VehicleFeedback::TrackSpeeds { left_mps, right_mps } => self.track_speeds_mps = Some((left_mps, right_mps)),
            VehicleFeedback::Implement(s) => self.implement = Some(s),
            VehicleFeedback::Engine(s) => self.engine = Some(s),
            VehicleFeedback::Faults(f) => self.faults = Some(f),
            VehicleFeedback::Detonation { shock_peak_g, .. } => {
                self.detonations += 1;
                self.max_shock_g = self.max_shock_g.max(shock_peak_g);
            }
            VehicleFeedback::Heartbeat { mode, stop_reason, .. } => self.mode = Some((mode, stop_reason)),
        }
    }
}

fn kv(key: &str, value: impl std::fmt::Display) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: value.to_string(),
    }
}

fn status(level: u8, name: &str, message: impl Into<String>, values: Vec<KeyValue>) -> DiagnosticStatus {
    DiagnosticStatus {
        level,
        name: format!("demine: {name}"),
        message: message.into(),
        hardware_id: "vehicle_ecu".to_string(),
        values,
    }
}

const OK: u8 = DiagnosticStatus::OK as u8;
const WARN: u8 = DiagnosticStatus::WARN as u8;
const ERROR: u8 = DiagnosticStatus::ERROR as u8;
const STALE: u8 = DiagnosticStatus::STALE as u8;

/// Machine health as five statuses: CAN link, vehicle mode, implement, engine, faults. Missing
/// feedback is STALE; a lost link, a safe stop or e-stop and safety-relevant faults are ERROR.
///
/// # Units
/// `rotor_rpm_min` rpm (from the machine profile).
pub fn diagnostics(h: &MachineHealth, rotor_rpm_min: f64, stamp: Time) -> DiagnosticArray {
    let l = &h.link;
    let link = status(
        if l.connected { OK } else { ERROR },
        "CAN link", // CAN_LINK_STATUS
        if l.connected {
            "connected".to_string()
        } else {
            format!("not connected: {}", l.last_error.as_deref().unwrap_or("no feedback"))
        },
        vec![
            kv("connects", l.connects),
            kv("losses", l.losses),
            kv("frames_sent", l.frames_sent),
            kv("feedback_received", l.feedback_received),
            kv("bad_frames", l.bad_frames),
            kv("feedback_dropped", l.feedback_dropped),
        ],
    );
    let vehicle = match h.mode {
        None => status(STALE, "vehicle", "no heartbeat yet", vec![]),
        Some((mode, reason)) => {
            let level = match mode {
                VehicleMode::SafeStop | VehicleMode::EStop => ERROR,
                VehicleMode::Init | VehicleMode::Other(_) => WARN,
                _ => OK,
            };
            let mut values = vec![
                kv("mode", format!("{mode:?}")),
                kv("stop_reason", format!("{reason:?}")),
            ];
            if let Some((l, r)) = h.track_speeds_mps {
                values.push(kv("left_track_mps", format!("{l:.3}")));
                values.push(kv("right_track_mps", format!("{r:.3}")));
            }
            status(level, "vehicle", format!("{mode:?}"), values)
        }
    };
    let implement = match h.implement {
        None => status(STALE, "implement", "no status yet", vec![]),
        Some(s) => {
            let slow = s.rotor_enabled && s.rotor_rpm < rotor_rpm_min;
            status(
                if slow { WARN } else { OK },
                "implement",
                if slow {
                    format!("rotor {:.0} rpm below the minimum {rotor_rpm_min:.0}", s.rotor_rpm)
                } else if s.rotor_enabled {
                    "rotor on".to_string()
                } else {
                    "rotor off".to_string()
                },
                vec![
                    kv("rotor_rpm", format!("{:.0}", s.rotor_rpm)),
                    kv("depth_m", format!("{:.3}", s.depth_m)),
                    kv("hydraulic_pressure_bar", format!("{:.1}", s.hydraulic_pressure_bar)),
                    kv("hydraulic_temp_c", format!("{:.0}", s.hydraulic_temp_c)),
                    kv("detonations", h.detonations),
                    kv("max_shock_g", format!("{:.1}", h.max_shock_g)),
                ],
            )
        }
    };
    let engine = match h.engine {
        None => status(STALE, "engine", "no status yet", vec![]),
        Some(e) => status(
            OK,
            "engine",
            format!("{:.0} rpm", e.engine_rpm),
            vec![
                kv("engine_rpm", format!("{:.0}", e.engine_rpm)),
                kv("coolant_c", format!("{:.0}", e.coolant_c)),
                kv("oil_pressure_kpa", format!("{:.0}", e.oil_pressure_kpa)),
                kv("fuel_pct", format!("{:.0}", e.fuel_pct)),
            ],
        ),
    };
    let faults = match h.faults {
        None => status(STALE, "faults", "no fault report yet", vec![]),
        Some(f) => {
            let named = [
                ("heartbeat_lost", f.heartbeat_lost, ERROR),
                ("estop_latched", f.estop_latched, ERROR),
                ("hydraulic_overpressure", f.hydraulic_overpressure, ERROR),
                ("rotor_stall", f.rotor_stall, ERROR),
                ("coolant_overtemp", f.coolant_overtemp, WARN),
                ("low_oil_pressure", f.low_oil_pressure, WARN),
                ("low_fuel", f.low_fuel, WARN),
            ];
            let active: Vec<&str> = named.iter().filter(|n| n.1).map(|n| n.0).collect();
            let level = named.iter().filter(|n| n.1).map(|n| n.2).max().unwrap_or(OK);
            let mut values: Vec<KeyValue> = named.iter().map(|n| kv(n.0, n.1)).collect();
            values.push(kv("active_count", f.active_count));
            status(
                level,
                "faults",
                if active.is_empty() {
                    "none".to_string()
                } else {
                    active.join(", ")
                },
                values,
            )
        }
    };
    DiagnosticArray {
        header: header(stamp, ""),
        status: vec![link, vehicle, implement, engine, faults],
    }
}

/// Name of the CAN link status in [`diagnostics`].
pub const CAN_LINK_STATUS: &str = "demine: CAN link";
/// Name of the localizer's status (`estimate_msgs::localization_diagnostics`).
pub const LOCALIZATION_STATUS: &str = "demine: localization";

/// The levels of the localization and CAN link statuses in a `/diagnostics` message, when it
/// carries them (each publisher sends its own array).
pub fn watched_levels(msg: &DiagnosticArray) -> (Option<Level>, Option<Level>) {
    let level = |name: &str| {
        msg.status.iter().find(|s| s.name == name).map(|s| match s.level {
            OK => Level::Ok,
            WARN => Level::Warn,
            STALE => Level::Stale,
            _ => Level::Error,
        })
    };
    (level(LOCALIZATION_STATUS), level(CAN_LINK_STATUS))
}

/// The host mode the CAN heartbeat reports for a `mission/state`: `clearing` is autonomous,
/// `paused` paused; every other state leaves the machine to the operator (`Manual`, the bridge's
/// default, so it can be driven for alignment and bring-up).
pub fn host_mode_of(mission_state: &str) -> HostMode {
    match mission_state {
        "clearing" => HostMode::Auto,
        "paused" => HostMode::Paused,
        _ => HostMode::Manual,
    }
}

/// Implement state as joint states: the rotor's angle and speed, the depth as the prismatic
/// depth joint's position.
///
/// # Units
/// `rotor_angle_rad` radians (integrated by the caller), speeds from rpm to rad/s, depth metres.
pub fn implement_joint_state(s: &ImplementStatus, rotor_angle_rad: f64, stamp: Time) -> JointState {
    JointState {
        header: header(stamp, frame::BASE_LINK),
        name: vec![ROTOR_JOINT.to_string(), DEPTH_JOINT.to_string()],
        position: vec![rotor_angle_rad, s.depth_m],
        velocity: vec![s.rotor_rpm * RPM_TO_RAD_S, 0.0],
        effort: vec![],
    }
}

/// Rotor speed (rpm) and depth (m) of a joint-state message, when it carries both joints (from the
/// CAN bridge, the built-in simulator or Gazebo's JointStatePublisher).
pub fn implement_from_joint_state(js: &JointState) -> Option<(f64, f64)> {
    let idx = |n: &str| js.name.iter().position(|x| x == n);
    let (r, d) = (idx(ROTOR_JOINT)?, idx(DEPTH_JOINT)?);
    let rpm = js.velocity.get(r)? / RPM_TO_RAD_S;
    let depth = *js.position.get(d)?;
    (rpm.is_finite() && depth.is_finite()).then_some((rpm.abs(), depth))
}

/// A detonation as a stamped acceleration in `base_link`: the shock peak on +z, m/s².
pub fn detonation_msg(shock_peak_g: f64, stamp: Time) -> AccelStamped {
    AccelStamped {
        header: header(stamp, frame::BASE_LINK),
        accel: Accel {
            linear: vector3(0.0, 0.0, shock_peak_g * STANDARD_GRAVITY_MPS2),
            angular: vector3(0.0, 0.0, 0.0),
        },
    }
}

/// The shock peak of a detonation message, g.
pub fn detonation_peak_g(msg: &AccelStamped) -> f64 {
    msg.accel.linear.z / STANDARD_GRAVITY_MPS2
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ros::msg::time;

    fn implement(rpm: f64) -> ImplementStatus {
        ImplementStatus {
            rotor_rpm: rpm,
            depth_m: 0.25,
            hydraulic_pressure_bar: 180.0,
            hydraulic_temp_c: 55.0,
            rotor_enabled: true,
        }
    }

    #[test]
    fn fresh_bridge_is_stale_and_disconnected() {
        let d = diagnostics(&MachineHealth::default(), 400.0, time(1.0));
        assert_eq!(d.status.len(), 5);
        assert_eq!(d.status[0].level, ERROR);
        assert!(d.status[1..].iter().all(|s| s.level == STALE));
        assert!(d.status.iter().all(|s| s.name.starts_with("demine: ")));
    }

    #[test]
    fn mission_reads_the_link_and_localization_levels() {
        let d = diagnostics(&MachineHealth::default(), 400.0, time(1.0));
        assert_eq!(watched_levels(&d), (None, Some(Level::Error)), "bridge without a link");
        let up = MachineHealth {
            link: LinkStatus {
                connected: true,
                ..LinkStatus::default()
            },
            ..MachineHealth::default()
        };
        let d = diagnostics(&up, 400.0, time(1.0));
        assert_eq!(watched_levels(&d), (None, Some(Level::Ok)));
        let stats = crate::localize::LocalizerStats::default();
        let loc = crate::ros::estimate_msgs::localization_diagnostics(None, &stats, time(1.0));
        assert_eq!(watched_levels(&loc), (Some(Level::Error), None), "aligning");
    }

    #[test]
    fn feedback_sets_levels() {
        let mut h = MachineHealth {
            link: LinkStatus {
                connected: true,
                ..LinkStatus::default()
            },
            ..MachineHealth::default()
        };
        h.update(&VehicleFeedback::Heartbeat {
            counter: 1,
            mode: VehicleMode::Auto,
            stop_reason: StopReason::None,
            host_counter_echo: 0,
        });
        h.update(&VehicleFeedback::Implement(implement(600.0)));
        h.update(&VehicleFeedback::Faults(FaultFlags::default()));
        h.update(&VehicleFeedback::Engine(EngineStatus {
            engine_rpm: 1800.0,
            coolant_c: 85.0,
            oil_pressure_kpa: 350.0,
            fuel_pct: 60.0,
        }));
        let d = diagnostics(&h, 400.0, time(1.0));
        assert!(d.status.iter().all(|s| s.level == OK), "{:?}", d.status);
        // slow rotor warns; e-stop and a stall are errors
        h.update(&VehicleFeedback::Implement(implement(300.0)));
        h.update(&VehicleFeedback::Faults(FaultFlags {
            rotor_stall: true,
            low_fuel: true,
            active_count: 2,
            ..FaultFlags::default()
        }));
        h.update(&VehicleFeedback::Heartbeat {
            counter: 2,
            mode: VehicleMode::EStop,
            stop_reason: StopReason::EStop,
            host_counter_echo: 1,
        });
        let d = diagnostics(&h, 400.0, time(2.0));
        assert_eq!(d.status[1].level, ERROR);
        assert_eq!(d.status[2].level, WARN);
        assert_eq!(d.status[4].level, ERROR);
        assert_eq!(d.status[4].message, "rotor_stall, low_fuel");
        h.update(&VehicleFeedback::Detonation {
            shock_peak_g: 40.0,
            count: 1,
        });
        assert_eq!((h.detonations, h.max_shock_g), (1, 40.0));
    }

    #[test]
    fn joint_state_and_detonation_round_trip() {
        let js = implement_joint_state(&implement(600.0), 1.0, time(3.0));
        assert_eq!(js.header.frame_id, "base_link");
        let (rpm, depth) = implement_from_joint_state(&js).unwrap();
        assert!((rpm - 600.0).abs() < 1e-9 && depth == 0.25);
        let other = JointState {
            header: header(time(3.0), ""),
            name: vec!["left_track_joint".into()],
            position: vec![0.0],
            velocity: vec![0.0],
            effort: vec![],
        };
        assert_eq!(implement_from_joint_state(&other), None);
        let d = detonation_msg(35.0, time(4.0));
        assert_eq!(d.header.frame_id, "base_link");
        assert!((detonation_peak_g(&d) - 35.0).abs() < 1e-12);
    }

    #[test]
    fn mission_state_sets_the_host_mode() {
        assert_eq!(host_mode_of("clearing"), HostMode::Auto);
        assert_eq!(host_mode_of("paused"), HostMode::Paused);
        for s in ["idle", "ready", "completed", "finalized", ""] {
            assert_eq!(host_mode_of(s), HostMode::Manual, "{s}");
        }
    }
}
