//! The vehicle protocol: golden byte vectors for every message (computed independently with
//! cantools from `can/vehicle.dbc`), typed round trips, and a round trip of every DBC signal.

use demine::can::dbc::Dbc;
use demine::can::frame::CanFrame;
use demine::can::protocol::*;
use proptest::prelude::*;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn commands() -> Vec<(VehicleCommand, u32, &'static str)> {
    vec![
        (
            VehicleCommand::EStop {
                stop: true,
                reason: EStopReason::Detonation,
            },
            0x00FF002A,
            "0103",
        ),
        (
            VehicleCommand::Heartbeat {
                counter: 17,
                mode: HostMode::Auto,
            },
            0x0CFF012A,
            "1102",
        ),
        (
            VehicleCommand::Drive(DriveCommand {
                left_mps: -1.5,
                right_mps: 2.0,
            }),
            0x0CFF102A,
            "24fad007",
        ),
        (
            VehicleCommand::Implement(ImplementCommand {
                rotor_enable: true,
                rotor_rpm: 600.0,
                depth_m: 0.25,
            }),
            0x0CFF112A,
            "01b004fa00",
        ),
    ]
}

fn feedback() -> Vec<(VehicleFeedback, u32, &'static str)> {
    vec![
        (
            VehicleFeedback::TrackSpeeds {
                left_mps: 0.139,
                right_mps: -0.139,
            },
            0x0CFF2010,
            "8b0075ff",
        ),
        (
            VehicleFeedback::Implement(ImplementStatus {
                rotor_rpm: 612.5,
                depth_m: 0.231,
                hydraulic_pressure_bar: 215.3,
                hydraulic_temp_c: 62.0,
                rotor_enabled: true,
            }),
            0x18FF2110,
            "c904e70069086601",
        ),
        (
            VehicleFeedback::Engine(EngineStatus {
                engine_rpm: 1950.125,
                coolant_c: 91.0,
                oil_pressure_kpa: 320.0,
                fuel_pct: 78.4,
            }),
            0x18FF2210,
            "f13c8350c400",
        ),
        (
            VehicleFeedback::Detonation {
                shock_peak_g: 73.5,
                count: 2,
            },
            0x08FF2310,
            "df0202",
        ),
        (
            VehicleFeedback::Faults(FaultFlags {
                heartbeat_lost: true,
                hydraulic_overpressure: true,
                low_fuel: true,
                active_count: 3,
                ..FaultFlags::default()
            }),
            0x18FF2410,
            "4503",
        ),
        (
            VehicleFeedback::Heartbeat {
                counter: 250,
                mode: VehicleMode::SafeStop,
                stop_reason: StopReason::HeartbeatTimeout,
                host_counter_echo: 17,
            },
            0x0CFF2510,
            "fa141100",
        ),
    ]
}

#[test]
fn golden_bytes_for_every_command() {
    for (cmd, id, bytes) in commands() {
        let f = cmd.encode().unwrap();
        assert_eq!(
            (f.raw_id(), f.is_extended(), f.data()),
            (id, true, &hex(bytes)[..]),
            "{cmd:?}"
        );
        assert_eq!(VehicleCommand::decode(&f).unwrap(), Some(cmd));
        assert_eq!(VehicleFeedback::decode(&f).unwrap(), None);
    }
}

#[test]
fn golden_bytes_for_every_feedback() {
    for (fb, id, bytes) in feedback() {
        let f = fb.encode().unwrap();
        assert_eq!((f.raw_id(), f.data()), (id, &hex(bytes)[..]), "{fb:?}");
        let back = VehicleFeedback::decode(&f).unwrap().unwrap();
        assert_eq!(back.message_name(), fb.message_name());
        assert_eq!(
            back.encode().unwrap(),
            f,
            "decoded {back:?} re-encodes to the same bytes"
        );
    }
}

#[test]
fn golden_vectors_cover_every_message() {
    let mut names: Vec<&str> = commands().iter().map(|c| c.0.message_name()).collect();
    names.extend(feedback().iter().map(|f| f.0.message_name()));
    names.sort();
    let mut dbc: Vec<&str> = Dbc::vehicle().messages.iter().map(|m| m.name.as_str()).collect();
    dbc.sort();
    assert_eq!(names, dbc);
}

#[test]
fn out_of_range_commands_are_refused_not_clamped() {
    let too_fast = VehicleCommand::Drive(DriveCommand {
        left_mps: 3.5,
        right_mps: 0.0,
    });
    let e = too_fast.encode().unwrap_err().to_string();
    assert!(e.contains("LeftTrackSpeedCmd") && e.contains("3.5"), "{e}");
}

#[test]
fn wrong_dlc_is_an_error_and_unknown_ids_are_none() {
    let short = CanFrame::extended(0x0CFF_2510, &[1]).unwrap();
    assert!(VehicleFeedback::decode(&short).is_err());
    let other = CanFrame::extended(0x18FE_F100, &[0; 8]).unwrap();
    assert_eq!(VehicleFeedback::decode(&other).unwrap(), None);
}

#[test]
fn every_signal_has_units_or_is_a_count_and_round_trips_at_its_bounds() {
    for m in &Dbc::vehicle().messages {
        for s in &m.signals {
            let unitless = s.length <= 8 && s.factor == 1.0;
            assert!(unitless || !s.unit.is_empty(), "{}.{} needs a unit", m.name, s.name);
            for v in [s.min, s.max, (s.min + s.max) / 2.0] {
                let f = m
                    .encode_with(|o| Some(if o.name == s.name { v } else { o.min.max(0.0).min(o.max) }))
                    .unwrap();
                let got = m
                    .decode(f.data())
                    .unwrap()
                    .into_iter()
                    .find(|(o, _)| o.name == s.name)
                    .unwrap()
                    .1;
                assert!(
                    (got - v).abs() <= s.factor.abs() / 2.0 + 1e-9,
                    "{}.{}: {v} -> {got}",
                    m.name,
                    s.name
                );
            }
        }
    }
}

proptest! {
    #[test]
    fn any_in_range_value_round_trips(frac in proptest::collection::vec(0.0f64..=1.0, 8), which in 0usize..10) {
        let m = &Dbc::vehicle().messages[which];
        let vals: Vec<f64> = m.signals.iter().zip(&frac).map(|(s, f)| s.min + (s.max - s.min) * f).collect();
        let f = m.encode_with(|s| m.signals.iter().position(|o| o.name == s.name).map(|i| vals[i])).unwrap();
        for ((s, got), want) in m.decode(f.data()).unwrap().into_iter().zip(&vals) {
            prop_assert!((got - want).abs() <= s.factor.abs() / 2.0 + 1e-9, "{}: {} vs {}", s.name, got, want);
        }
    }

    #[test]
    fn drive_commands_round_trip(l in -3.0f64..=3.0, r in -3.0f64..=3.0) {
        let c = VehicleCommand::Drive(DriveCommand { left_mps: l, right_mps: r });
        match VehicleCommand::decode(&c.encode().unwrap()).unwrap() {
            Some(VehicleCommand::Drive(d)) => {
                prop_assert!((d.left_mps - l).abs() <= 0.0005 + 1e-9);
                prop_assert!((d.right_mps - r).abs() <= 0.0005 + 1e-9);
            }
            other => prop_assert!(false, "{:?}", other),
        }
    }
}

#[test]
fn heartbeat_counter_rolls_like_iso_11783_7() {
    assert_eq!(counter::next(counter::INIT), 0);
    assert_eq!(counter::next(249), 250);
    assert_eq!(counter::next(250), 0);
}
