//! The simulated vehicle ECU as a plain type: watchdog table, e-stop latch, host shutdown,
//! wrong DLCs, and the DBC periods of its status messages. Time is passed in; no I/O.

use std::time::Duration;

use demine::can::ecu::{EcuConfig, VehicleEcu};
use demine::can::frame::CanFrame;
use demine::can::protocol::*;
use demine::can::vehicle_model::{SimpleVehicle, VehicleModel};
fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn send(ecu: &mut VehicleEcu, c: VehicleCommand, now: Duration) {
    ecu.on_frame(&c.encode().unwrap(), now);
}

#[test]
fn watchdog_table() {
    let drive = VehicleCommand::Drive(DriveCommand {
        left_mps: 0.5,
        right_mps: 0.5,
    });
    let mut ecu = VehicleEcu::new(EcuConfig::default(), SimpleVehicle::default(), ms(0));
    send(&mut ecu, drive, ms(0));
    assert_eq!(ecu.mode(), VehicleMode::Init, "no motion before a heartbeat");
    let mut c = counter::INIT;
    for t in (0..=1000).step_by(100) {
        send(
            &mut ecu,
            VehicleCommand::Heartbeat {
                counter: c,
                mode: HostMode::Auto,
            },
            ms(t),
        );
        send(&mut ecu, drive, ms(t));
        ecu.step(ms(t));
        c = counter::next(c);
    }
    assert_eq!(ecu.mode(), VehicleMode::Auto);
    assert!(ecu.model().state().left_mps > 0.45);
    // Host goes silent: stale repeats of the same counter do not count.
    for t in (1100..=1500).step_by(50) {
        send(
            &mut ecu,
            VehicleCommand::Heartbeat {
                counter: 9,
                mode: HostMode::Auto,
            },
            ms(t),
        );
        ecu.step(ms(t));
    }
    assert_eq!(
        (ecu.mode(), ecu.stop_reason()),
        (VehicleMode::SafeStop, StopReason::HeartbeatTimeout)
    );
    for t in (1500..=3000).step_by(10) {
        ecu.step(ms(t));
    }
    assert_eq!(ecu.model().state().left_mps, 0.0, "tracks stopped");
    // Heartbeat returns: standby-like run mode, but old drive setpoint is gone.
    send(
        &mut ecu,
        VehicleCommand::Heartbeat {
            counter: 10,
            mode: HostMode::Auto,
        },
        ms(3000),
    );
    ecu.step(ms(3100));
    assert_eq!(ecu.mode(), VehicleMode::Auto);
    assert_eq!(ecu.model().state().left_mps, 0.0);
}

#[test]
fn estop_latches_until_release_and_survives_heartbeats() {
    let mut ecu = VehicleEcu::new(EcuConfig::default(), SimpleVehicle::default(), ms(0));
    send(
        &mut ecu,
        VehicleCommand::Heartbeat {
            counter: 0,
            mode: HostMode::Manual,
        },
        ms(0),
    );
    send(
        &mut ecu,
        VehicleCommand::EStop {
            stop: true,
            reason: EStopReason::Operator,
        },
        ms(1),
    );
    send(
        &mut ecu,
        VehicleCommand::Heartbeat {
            counter: 1,
            mode: HostMode::Manual,
        },
        ms(50),
    );
    assert_eq!(ecu.mode(), VehicleMode::EStop);
    send(
        &mut ecu,
        VehicleCommand::EStop {
            stop: false,
            reason: EStopReason::Operator,
        },
        ms(60),
    );
    assert_eq!(ecu.mode(), VehicleMode::Standby);
}

#[test]
fn shutdown_counter_stops_at_once_and_wrong_dlc_is_counted() {
    let mut ecu = VehicleEcu::new(EcuConfig::default(), SimpleVehicle::default(), ms(0));
    send(
        &mut ecu,
        VehicleCommand::Heartbeat {
            counter: 0,
            mode: HostMode::Auto,
        },
        ms(0),
    );
    send(
        &mut ecu,
        VehicleCommand::Heartbeat {
            counter: counter::SHUTDOWN,
            mode: HostMode::Auto,
        },
        ms(10),
    );
    assert_eq!(ecu.stop_reason(), StopReason::HostShutdown);
    ecu.on_frame(&CanFrame::extended(0x0CFF_102A, &[1]).unwrap(), ms(20));
    assert_eq!(ecu.stats().bad_frames, 1);
}

#[test]
fn periodic_outputs_follow_the_dbc_periods() {
    let mut ecu = VehicleEcu::new(EcuConfig::default(), SimpleVehicle::default(), ms(0));
    let mut counts = std::collections::HashMap::new();
    for t in (0..1000).step_by(5) {
        for f in ecu.step(ms(t)) {
            *counts.entry(f.raw_id()).or_insert(0) += 1;
        }
    }
    assert_eq!(counts[&0x0CFF_2010], 50);
    assert_eq!(counts[&0x0CFF_2510], 10);
    assert!(counts[&0x18FF_2410] >= 2);
}
