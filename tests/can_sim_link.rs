//! The `VehicleLink` trait: the same caller code drives the in-process simulated vehicle
//! (`SimLink`) and the serial bridge over a pty (`BridgeLink`).

use std::time::Duration;

use demine::can::bridge::{BridgeConfig, BridgeLink};
use demine::can::ecu::EcuConfig;
use demine::can::link::VehicleLink;
use demine::can::port::PortConfig;
use demine::can::protocol::*;
use demine::can::pty::{SimEcuConfig, SimEcuHost};
use demine::can::schedule::ScheduleConfig;
use demine::can::sim_link::SimLink;
use demine::can::vehicle_model::SimpleVehicle;

/// Drives forward until the odometry reports motion; returns the speed seen.
async fn drive_until_moving(link: &mut impl VehicleLink) -> f64 {
    let work = async {
        loop {
            link.send(VehicleCommand::Drive(DriveCommand {
                left_mps: 0.4,
                right_mps: 0.4,
            }))
            .unwrap();
            if let Some(ev) = link.recv().await {
                if let VehicleFeedback::TrackSpeeds { left_mps, .. } = ev.feedback {
                    if left_mps > 0.3 {
                        return left_mps;
                    }
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(15), work)
        .await
        .expect("the vehicle moves")
}

#[tokio::test]
async fn same_caller_code_drives_both_links() {
    let mut sim = SimLink::spawn(
        EcuConfig::default(),
        ScheduleConfig::default(),
        SimpleVehicle::default(),
        Duration::from_millis(2),
    );
    assert!(drive_until_moving(&mut sim).await > 0.3);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ttyCAN");
    let _host = SimEcuHost::spawn(SimEcuConfig {
        link: Some(path.clone()),
        ..Default::default()
    })
    .unwrap();
    let mut bridge = BridgeLink::spawn(BridgeConfig::new(PortConfig::new(&path))).unwrap();
    assert!(drive_until_moving(&mut bridge).await > 0.3);
}

#[test]
fn a_muted_host_trips_the_vehicle_watchdog() {
    let sim = SimLink::spawn(
        EcuConfig::default(),
        ScheduleConfig::default(),
        SimpleVehicle::default(),
        Duration::from_millis(2),
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while sim.vehicle().is_none_or(|v| v.state.left_mps < 0.3) {
        assert!(std::time::Instant::now() < deadline, "never moved");
        sim.send(VehicleCommand::Drive(DriveCommand {
            left_mps: 0.4,
            right_mps: 0.4,
        }))
        .unwrap();
        std::thread::sleep(Duration::from_millis(20));
    }
    sim.mute_host();
    while sim
        .vehicle()
        .is_none_or(|v| v.stop_reason != StopReason::HeartbeatTimeout || v.state.left_mps != 0.0)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "watchdog did not stop the vehicle: {:?}",
            sim.vehicle()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
