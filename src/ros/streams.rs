//! Runs the in-process stack (planner, stand-in simulator, localizer, stand-in coverage grid,
//! can_bridge conversions) for 30 simulated seconds, converting what each node would publish
//! with the nodes' own conversion functions, and checks every stream against the interface table:
//! topic known for that node, message type, frame id, and the rate measured from the stamps.

use std::collections::BTreeMap;

use crate::can::protocol::{DriveCommand, ImplementCommand};
use crate::localize::{Localizer, LocalizerConfig};
use crate::ros::adapters::{CoverageCore, KinematicSim, SimulatorCore, StripGrid};
use crate::ros::can_msgs::{detonation_msg, implement_joint_state};
use crate::ros::gnss_msgs::{fix_to_navsat, navsat_to_fix, NavSatMapping};
use crate::ros::grid_msgs::occupancy_grid;
use crate::ros::msg::{seconds, time};
use crate::ros::nodes::sim::imu_msg;
use crate::ros::plan_msgs::{plan_markers, plan_path};
use crate::ros::pose_msgs::{
    estimate_odometry, imu_yaw_rate, odometry_sample, tf_chain, track_odometry, OdomIntegrator, Pose2, TwistVariance,
};
use crate::ros_interface::{msg_type, rate, spec, topic, Direction, TOPICS};
use r2r::builtin_interfaces::msg::Time;

/// `r2r::…::nav_msgs::msg::Odometry` → `nav_msgs/msg/Odometry`.
fn ros_type<T>(_: &T) -> String {
    let full = std::any::type_name::<T>();
    let parts: Vec<&str> = full.split("::").collect();
    parts[parts.len() - 3..].join("/")
}

/// What one node published on one topic.
struct Stream {
    ros_type: String,
    frames: Vec<String>,
    stamps_s: Vec<f64>,
}

#[derive(Default)]
struct Recorder {
    /// by (node, topic)
    streams: BTreeMap<(&'static str, &'static str), Stream>,
}

impl Recorder {
    fn publish<T>(&mut self, node: &'static str, topic: &'static str, msg: &T, frame: &str, stamp: &Time) {
        let e = self.streams.entry((node, topic)).or_insert_with(|| Stream {
            ros_type: ros_type(msg),
            frames: Vec::new(),
            stamps_s: Vec::new(),
        });
        e.frames.push(frame.to_string());
        e.stamps_s.push(seconds(stamp));
    }
}

#[test]
fn published_streams_match_the_interface_table() {
    let (field, plan) = crate::ros::plan_msgs::tests_support::example();
    let m = crate::machine::MachineProfile::default_profile();
    let mut rec = Recorder::default();
    let t0 = time(0.0);
    let p = plan_path(&plan, t0.clone());
    rec.publish("planner", topic::PLAN_PATH, &p, &p.header.frame_id, &t0);
    let mk = plan_markers(&field, Some(&plan), t0.clone());
    rec.publish("planner", topic::PLAN_MARKERS, &mk, &mk.markers[1].header.frame_id, &t0);

    // start where the first processing pass starts, so driving ahead processes hazard
    let start = plan
        .motions
        .iter()
        .find_map(|mo| match mo {
            crate::plan::Motion::Straight {
                from, implement: true, ..
            } => Some(*from),
            _ => None,
        })
        .expect("the plan processes ground");
    let start = Pose2 {
        x_m: start.x_m,
        y_m: start.y_m,
        yaw_rad: start.yaw_rad,
    };
    let mut sim = KinematicSim::new(field.datum, start, m.track_gauge_m, 0.0, 1.0 / rate::SIM_GNSS_HZ);
    let cfg = LocalizerConfig {
        vehicle: crate::localize::config::VehicleGeometry {
            track_gauge_m: m.track_gauge_m,
            ..Default::default()
        },
        ..Default::default()
    }
    .validate()
    .unwrap();
    let mut loc = Localizer::new(cfg, Some(field.datum)).unwrap();
    let mut grid = StripGrid::new(&field.hazard, &m, 0.25);
    let mut wheel_odom = OdomIntegrator::new();
    let tv = TwistVariance {
        speed_m2ps2: 1e-5,
        yaw_rate_rad2ps2: 1e-6,
    };
    let mapping = NavSatMapping::default();
    // drive forward with the rotor on: the stand-in simulator, the localizer and the grid in the loop
    sim.command(
        DriveCommand {
            left_mps: 0.3,
            right_mps: 0.3,
        },
        ImplementCommand {
            rotor_enable: true,
            rotor_rpm: m.rotor_rpm_target,
            depth_m: m.depth_target_m,
        },
    );
    let step = 1.0 / rate::SIM_CLOCK_HZ;
    let (mut next_loc, mut next_grid) = (0.0, 0.0);
    let mut estimates = 0;
    for n in 1..=3000u64 {
        let s = sim.step(step);
        let st = time(s.t_s);
        rec.publish(
            "sim",
            topic::CLOCK,
            &r2r::rosgraph_msgs::msg::Clock { clock: st.clone() },
            "-",
            &st,
        );
        if let Some(f) = &s.fix {
            let nav = fix_to_navsat(f, 0.02, st.clone());
            rec.publish("sim", topic::GNSS_FIX, &nav, &nav.header.frame_id, &st);
            loc.push_fix(&navsat_to_fix(&nav, &mapping).unwrap());
        }
        let imu = imu_msg(s.yaw_rate_rps, st.clone());
        if n % 2 == 0 {
            rec.publish("sim", topic::IMU, &imu, &imu.header.frame_id, &st);
        }
        let pose = wheel_odom.step(s.t_s, 0.5 * (s.left_mps + s.right_mps), 0.0);
        if n % 2 == 0 {
            let o = track_odometry(s.left_mps, s.right_mps, m.track_gauge_m, 0.005, pose, st.clone());
            rec.publish("sim", topic::WHEEL_ODOMETRY, &o, &o.header.frame_id, &st);
            let js = implement_joint_state(&s.implement, 0.0, st.clone());
            rec.publish("sim", topic::JOINT_STATES, &js, &js.header.frame_id, &st);
            loc.push_odometry(odometry_sample(&o, m.track_gauge_m, imu_yaw_rate(&imu), s.t_s).unwrap());
        }
        if s.t_s + 1e-9 >= next_loc {
            next_loc += 1.0 / rate::LOCALIZER_HZ;
            if let Some(e) = loc.estimate() {
                estimates += 1;
                let o = estimate_odometry(&e, tv, st.clone());
                rec.publish("localizer", topic::FILTERED_ODOMETRY, &o, &o.header.frame_id, &st);
                let tf = r2r::tf2_msgs::msg::TFMessage {
                    transforms: tf_chain(&e, pose, st.clone()),
                };
                rec.publish("localizer", topic::TF, &tf, &tf.transforms[0].header.frame_id, &st);
                grid.update(&e, s.implement.rotor_rpm, s.implement.depth_m);
            }
        }
        if s.t_s + 1e-9 >= next_grid {
            next_grid += 1.0 / rate::COVERAGE_GRID_HZ;
            let g = occupancy_grid(&grid.snapshot(), st.clone()).unwrap();
            rec.publish("coverage", topic::COVERAGE_GRID, &g, &g.header.frame_id, &st);
        }
    }
    let d = detonation_msg(30.0, time(1.0));
    rec.publish("can_bridge", topic::DETONATION, &d, &d.header.frame_id, &time(1.0));
    assert!(estimates > 100, "the localizer aligned and ran: {estimates}");
    assert!(grid.progress() > 0.0, "the grid credited ground");

    for ((node, t), st) in &rec.streams {
        let (ty, frames, stamps) = (&st.ros_type, &st.frames, &st.stamps_s);
        let row = spec(node, Direction::Publish, t).unwrap_or_else(|| panic!("{node} publishes {t}: not in the table"));
        assert_eq!(ty, row.msg_type, "{node} {t}");
        assert!(
            frames.iter().all(|f| f == row.frame),
            "{node} {t}: frames {:?} vs {}",
            frames[0],
            row.frame
        );
        if let (Some(hz), true) = (row.rate_hz, stamps.len() > 10) {
            let span = stamps.last().unwrap() - stamps[0];
            let measured = (stamps.len() - 1) as f64 / span;
            assert!(
                (measured - hz).abs() / hz < 0.1,
                "{node} {t}: {measured:.2} Hz vs {hz} Hz"
            );
        }
    }
    // every table row the loop exercises was seen
    for (node, t) in [
        ("sim", topic::GNSS_FIX),
        ("localizer", topic::TF),
        ("coverage", topic::COVERAGE_GRID),
    ] {
        assert!(rec.streams.contains_key(&(node, t)), "{node} {t}");
    }
    assert!(TOPICS.iter().any(|r| r.msg_type == msg_type::OCCUPANCY_GRID));
}
