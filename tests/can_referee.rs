//! Independent referees in Python (cantools, python-can; see `tests/referee/`), run over real
//! pseudo-terminals: the bridge's frames decode with cantools and the shipped DBC, python-can's
//! slcan interface drives the simulated adapter + ECU, and the CLI tools pass a DBC round trip.
//! Needs `python3 -m pip install -r .ci/requirements.txt` (what `.ci/run` does).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use demine::can::bridge::{BridgeConfig, BridgeLink};
use demine::can::link::VehicleLink;
use demine::can::port::PortConfig;
use demine::can::protocol::*;
use demine::can::pty::{SimEcuConfig, SimEcuHost};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn dbc() -> PathBuf {
    root().join("can/vehicle.dbc")
}

fn referee(script: &str) -> Command {
    let probe = Command::new("python3")
        .args(["-c", "import cantools, can, serial"])
        .output();
    assert!(
        probe.as_ref().is_ok_and(|o| o.status.success()),
        "the referees need python3 with cantools, python-can and pyserial: python3 -m pip install -r .ci/requirements.txt"
    );
    let mut c = Command::new("python3");
    c.arg(root().join("tests/referee").join(script));
    c
}

/// Waits for the child with a deadline (killing it on expiry); returns (success, stdout, stderr).
fn finish(mut child: Child, limit: Duration) -> (bool, String, String) {
    let until = Instant::now() + limit;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if Instant::now() > until {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (mut out, mut err) = (String::new(), String::new());
    if let Some(mut o) = child.stdout.take() {
        let _ = o.read_to_string(&mut out);
    }
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    (status.is_some_and(|s| s.success()), out, err)
}

#[test]
fn cli_monitor_and_send_pass_the_cantools_referee() {
    let child = referee("cli_referee.py")
        .arg(dbc())
        .arg(env!("CARGO_BIN_EXE_demine"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (ok, out, err) = finish(child, Duration::from_secs(240));
    assert!(ok, "referee failed:\n{out}\n{err}");
}

#[test]
fn frames_the_bridge_emits_decode_with_cantools() {
    let dir = tempfile::tempdir().unwrap();
    let expect = dir.path().join("expect.json");
    std::fs::write(
        &expect,
        r#"{"DriveCommand": {"LeftTrackSpeedCmd": -1.25, "RightTrackSpeedCmd": 0.75},
            "ImplementCommand": {"RotorEnableCmd": 1, "RotorSpeedSetpoint": 612.5, "DepthSetpoint": 0.231},
            "EStop": {"EStopRequest": 1, "EStopReason": 2},
            "HostHeartbeat": {"HostMode": 1}}"#,
    )
    .unwrap();
    let mut child = referee("bridge_capture.py")
        .arg(dbc())
        .arg(&expect)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut first)
        .unwrap();
    let tty = Path::new(first.trim()).to_owned();
    assert!(tty.starts_with("/dev"), "referee printed {first:?}");
    // The referee's stdout is read to its end only after it exits; it prints two lines, far below any pipe limit.
    let mut link = BridgeLink::spawn(BridgeConfig::new(PortConfig::new(&tty))).unwrap();
    let until = Instant::now() + Duration::from_secs(15);
    let (mut speeds, mut heartbeat) = (None, None);
    while speeds.is_none() || heartbeat.is_none() {
        assert!(
            Instant::now() < until,
            "no feedback through the referee adapter: {:?}",
            link.status()
        );
        link.send(VehicleCommand::Drive(DriveCommand {
            left_mps: -1.25,
            right_mps: 0.75,
        }))
        .unwrap();
        link.send(VehicleCommand::Implement(ImplementCommand {
            rotor_enable: true,
            rotor_rpm: 612.5,
            depth_m: 0.231,
        }))
        .unwrap();
        while let Some(ev) = link.try_recv() {
            match ev.feedback {
                f @ VehicleFeedback::TrackSpeeds { .. } => speeds = Some(f),
                f @ VehicleFeedback::Heartbeat { .. } => heartbeat = Some(f),
                _ => {}
            }
        }
        std::thread::sleep(Duration::from_millis(30));
    }
    link.send(VehicleCommand::EStop {
        stop: true,
        reason: EStopReason::Geofence,
    })
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    drop(link);
    let (ok, out, err) = finish(child, Duration::from_secs(30));
    assert!(ok, "referee failed:\n{out}\n{err}");
    assert_eq!(
        speeds,
        Some(VehicleFeedback::TrackSpeeds {
            left_mps: 0.25,
            right_mps: -0.125
        })
    );
    assert!(
        matches!(
            heartbeat,
            Some(VehicleFeedback::Heartbeat {
                mode: VehicleMode::Manual,
                ..
            })
        ),
        "{heartbeat:?}"
    );
}

#[test]
fn python_can_slcan_talks_to_the_simulated_adapter() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("ttySIM");
    let _sim = SimEcuHost::spawn(SimEcuConfig {
        link: Some(link.clone()),
        ..Default::default()
    })
    .unwrap();
    let child = referee("python_can_sim.py")
        .arg(&link)
        .arg(dbc())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (ok, out, err) = finish(child, Duration::from_secs(60));
    assert!(ok, "python-can referee failed:\n{out}\n{err}");
}
