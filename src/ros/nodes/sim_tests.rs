//! The sim node's messages from the real simulator: frames, stamps, rates and content.

use super::*;
use crate::can::protocol::{DriveCommand, ImplementCommand};
use crate::gnss::FixType;
use crate::ros::adapters::SimMachine;
use crate::ros::gnss_msgs::{navsat_to_fix, NavSatMapping};
use crate::ros::heading_msgs::msg_to_heading;
use crate::ros::msg::seconds;
use crate::ros::pose_msgs::{imu_yaw_rate, odometry_pose};

#[test]
fn imu_says_orientation_is_not_provided() {
    let m = imu_msg(0.1, time(1.0));
    assert_eq!(m.header.frame_id, "imu_link");
    assert_eq!(m.orientation_covariance[0], -1.0);
    assert_eq!(imu_yaw_rate(&m), Some(0.1));
    assert!((m.linear_acceleration.z - 9.80665).abs() < 1e-9);
}

#[test]
fn machine_starts_behind_the_plan_on_safe_ground_only() {
    let safe = geo::MultiPolygon::new(vec![geo::Rect::new((-20.0, -20.0), (0.0, 20.0)).to_polygon()]);
    let s = start_pose(Pose::new(-1.0, 0.0, 0.0), &safe);
    assert!((s.x_m + 1.0 + ALIGNMENT_RUN_M).abs() < 1e-9 && s.y_m.abs() < 1e-9);
    let at_edge = Pose::new(-19.0, 0.0, 0.0);
    assert_eq!(start_pose(at_edge, &safe), at_edge, "3 m back leaves the safe area");
}

#[test]
fn stream_divisors_match_the_table_rates() {
    assert_eq!(every(rate::SIM_CLOCK_HZ, rate::SIM_ODOMETRY_HZ), 2);
    assert_eq!(every(100.0, 300.0), 1);
}

#[test]
fn simulated_machine_publishes_fixes_headings_imu_odometry_and_detonations_in_their_frames() {
    let (field, _) = crate::ros::plan_msgs::tests_support::example();
    let m = crate::machine::MachineProfile::default_profile();
    let scenario = Scenario {
        faults: vec![crate::sim::Fault {
            at_s: 5.0,
            kind: crate::sim::FaultKind::Shock { peak_g: 40.0 },
        }],
        ..Scenario::quiet(7)
    };
    let start = crate::sim::harness::plan_start(&crate::ros::plan_msgs::tests_support::example().1).unwrap();
    let mut sim = SimMachine::new(&m, &field, scenario, start).unwrap();
    sim.command(
        DriveCommand {
            left_mps: 0.4,
            right_mps: 0.4,
        },
        ImplementCommand {
            rotor_enable: true,
            rotor_rpm: m.rotor_rpm_target,
            depth_m: 0.0,
        },
    );
    let mut streams = SimStreams::new(m.track_gauge_m);
    let step = 1.0 / rate::SIM_CLOCK_HZ;
    let (mut fixes, mut imu, mut odom, mut dets) = (Vec::new(), 0, Vec::new(), Vec::new());
    let mut headings = Vec::new();
    for _ in 0..1000 {
        let s = sim.step(step);
        let msgs = streams.messages(&s, step);
        assert_eq!(msgs.clock.clock, time(s.t_s));
        fixes.extend(msgs.fixes);
        for h in msgs.headings {
            // the receiver's heading against the simulator's truth at the same instant (the
            // machine drives straight: the yaw does not change within a step)
            let truth = sim.vehicle().truth().pose.yaw_rad;
            let yaw = msg_to_heading(&h).unwrap().yaw_enu_rad();
            let err = crate::localize::wrap_angle_rad(yaw - truth);
            assert!(err.abs() < 2f64.to_radians(), "heading {yaw} vs truth {truth}");
            headings.push(h);
        }
        for i in &msgs.imu {
            assert_eq!(i.header.frame_id, frame::IMU);
            imu += 1;
        }
        odom.extend(msgs.odometry);
        dets.extend(msgs.detonations);
    }
    assert!((98..=101).contains(&fixes.len()), "{}", fixes.len());
    assert_eq!(headings.len(), fixes.len(), "one HDT per epoch");
    assert!(headings.iter().all(|h| h.header.frame_id == frame::GNSS));
    assert_eq!(
        headings.last().unwrap().header.stamp,
        fixes.last().unwrap().header.stamp
    );
    assert!((495..=501).contains(&imu), "{imu}");
    assert_eq!(odom.len(), 500);
    let f = fixes.last().unwrap();
    assert_eq!(f.header.frame_id, frame::GNSS);
    let back = navsat_to_fix(f, &NavSatMapping::default()).unwrap();
    assert_eq!(back.fix_type, FixType::RtkFixed, "GBAS with a cm covariance");
    assert!(seconds(&f.header.stamp) > 9.8 && seconds(&f.header.stamp) <= 10.0);
    let (o, j) = odom.last().unwrap();
    assert_eq!(
        (o.header.frame_id.as_str(), o.child_frame_id.as_str()),
        (frame::ODOM, frame::BASE_LINK)
    );
    assert_eq!(j.header.frame_id, frame::BASE_LINK);
    let p = odometry_pose(o);
    let truth = sim.vehicle().truth().pose;
    let driven = ((truth.x_m - start.x_m).powi(2) + (truth.y_m - start.y_m).powi(2)).sqrt();
    assert!(driven > 3.0, "drove {driven} m");
    assert!(
        (p.x_m.hypot(p.y_m) - driven).abs() < 0.2 * driven,
        "odometry {p:?} vs {driven} m"
    );
    assert_eq!(dets.len(), 1, "the injected shock");
    assert_eq!(dets[0].header.frame_id, frame::BASE_LINK);
    assert!((seconds(&dets[0].header.stamp) - 5.0).abs() < 0.02);
}
