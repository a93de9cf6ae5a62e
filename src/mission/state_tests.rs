//! Tests of the mission state machine: the happy path, every trip from clearing, operator
//! inputs, monotone transitions.

use super::*;
use crate::mission::preflight::{GnssQuality, PreflightInputs};
use crate::mission::{AckPolicy, StopCategory};

fn machine() -> MachineProfile {
    MachineProfile::default_profile()
}

fn preflight(ok: bool) -> PreflightReport {
    let inp = PreflightInputs {
        gnss: if ok { GnssQuality::RtkFixed } else { GnssQuality::Single },
        sigma_h_m: 0.02,
        link_connected: true,
        heartbeat_age_s: Some(0.1),
        spin_peak_rpm: Some(600.0),
        spin_time_to_min_s: Some(3.0),
    };
    PreflightReport::evaluate(&inp, &machine(), &SafetyConfig::default())
}

fn clearing(cfg: SafetyConfig) -> (Mission, Vec<MissionEvent>) {
    let mut m = Mission::new(cfg, &machine(), 1);
    let mut ev = Vec::new();
    ev.extend(m.step(Input::PlanLoaded { segments: 3 }, 0.0).events);
    ev.extend(m.step(Input::Preflight(preflight(true)), 1.0).events);
    let s = m.step(Input::Start, 2.0);
    assert_eq!(s.actions, vec![Action::StartSegment(0)]);
    ev.extend(s.events);
    assert_eq!(m.state(), MissionState::Clearing);
    (m, ev)
}

fn assert_monotone(events: &[MissionEvent]) {
    let mut rank = 0;
    for e in events {
        assert!(e.state.rank() >= rank, "{events:#?}");
        rank = e.state.rank();
    }
}

#[test]
fn happy_path_with_gap_fill() {
    let (mut m, mut ev) = clearing(SafetyConfig::default());
    for n in 0..2 {
        assert_eq!(
            m.step(Input::SegmentDone(n), 10.0).actions,
            vec![Action::StartSegment(n + 1)]
        );
    }
    assert_eq!(m.step(Input::SegmentDone(2), 20.0).actions, vec![Action::PlanGapFill]);
    assert_eq!(
        m.step(Input::GapFillPlanned { segments: 1 }, 21.0).actions,
        vec![Action::StartSegment(3)]
    );
    let s = m.step(Input::SegmentDone(3), 30.0);
    assert_eq!(s.actions, vec![Action::Finish]);
    ev.extend(s.events);
    assert_eq!(m.state(), MissionState::Completed);
    assert_monotone(&ev);
    // Terminal: nothing moves it any more.
    assert!(m.step(Input::Start, 31.0).actions.is_empty());
    assert_eq!(m.state(), MissionState::Completed);
}

#[test]
fn a_gap_fill_that_plans_nothing_ends_the_rounds() {
    let mut m = Mission::new(SafetyConfig::default(), &machine(), 3);
    m.step(Input::PlanLoaded { segments: 1 }, 0.0);
    m.step(Input::Preflight(preflight(true)), 1.0);
    m.step(Input::Start, 2.0);
    assert_eq!(m.step(Input::SegmentDone(0), 10.0).actions, vec![Action::PlanGapFill]);
    // a round with segments asks for another round after them
    assert_eq!(
        m.step(Input::GapFillPlanned { segments: 1 }, 11.0).actions,
        vec![Action::StartSegment(1)]
    );
    assert_eq!(m.step(Input::SegmentDone(1), 20.0).actions, vec![Action::PlanGapFill]);
    // one that plans nothing finishes: a third round would plan the same nothing
    let s = m.step(Input::GapFillPlanned { segments: 0 }, 21.0);
    assert_eq!(s.actions, vec![Action::Finish]);
    assert_eq!(m.state(), MissionState::Completed);
    let fills = s.events.iter().filter(|e| e.name == "gap-fill").count();
    assert_eq!(fills, 1, "{:?}", s.events);
}

#[test]
fn failed_preflight_keeps_planned() {
    let mut m = Mission::new(SafetyConfig::default(), &machine(), 1);
    m.step(Input::PlanLoaded { segments: 1 }, 0.0);
    m.step(Input::Preflight(preflight(false)), 1.0);
    assert_eq!(m.state(), MissionState::Planned);
    assert!(m.step(Input::Start, 2.0).actions.is_empty());
    assert_eq!(m.state(), MissionState::Planned);
}

#[test]
fn segment_done_out_of_order_is_ignored() {
    let (mut m, _) = clearing(SafetyConfig::default());
    assert!(m.step(Input::SegmentDone(2), 5.0).actions.is_empty());
    assert_eq!(m.current_segment(), 0);
}

/// (breaks the observation, state after the trip, first actions, how it recovers)
#[test]
fn every_trip_from_clearing() {
    type Recover = fn(&mut Mission) -> Vec<Action>;
    type Case = (
        &'static str,
        fn(&mut Observation),
        MissionState,
        Vec<Action>,
        Option<Recover>,
    );
    let cases: Vec<Case> = vec![
        (
            "estop",
            |o| o.estop_pressed = true,
            MissionState::Paused,
            vec![
                Action::StopVehicle {
                    category: StopCategory::Cat0,
                },
                Action::EStop,
                Action::RotorOff,
            ],
            Some(|m| {
                let mut a = m.step(Input::ResetEStop { still_pressed: false }, 50.0).actions;
                a.extend(m.step(Input::Resume, 51.0).actions);
                a
            }),
        ),
        (
            "link lost",
            |o| o.heartbeat_age_s = Some(5.0),
            MissionState::Paused,
            vec![
                Action::StopVehicle {
                    category: StopCategory::Cat1,
                },
                Action::RotorOff,
            ],
            Some(|m| {
                m.step(Input::Observe(Observation::nominal()), 50.0);
                m.step(Input::Observe(Observation::nominal()), 55.0).actions
            }),
        ),
        (
            "gnss degraded",
            |o| o.sigma_h_m = 1.0,
            MissionState::Paused,
            vec![Action::StopVehicle {
                category: StopCategory::Cat2,
            }],
            Some(|m| {
                m.step(Input::Observe(Observation::nominal()), 50.0);
                m.step(Input::Observe(Observation::nominal()), 55.0).actions
            }),
        ),
        (
            "detonation",
            |o| o.detonation = Some((3.0, 4.0, 0.0)),
            MissionState::Paused,
            vec![
                Action::StopVehicle {
                    category: StopCategory::Cat1,
                },
                Action::MarkReprocess {
                    detonation_id: 1,
                    x_m: 3.0,
                    y_m: 4.0,
                    heading_rad: 0.0,
                    length_m: 5.0,
                    width_m: 1.9,
                },
                Action::RequestAck { detonation_id: 1 },
            ],
            Some(|m| m.step(Input::Acknowledge(1), 50.0).actions),
        ),
        (
            "footprint violation",
            |o| o.footprint_uncovered_m2 = 1.0,
            MissionState::Aborted,
            vec![
                Action::StopVehicle {
                    category: StopCategory::Cat1,
                },
                Action::RotorOff,
                Action::Finish,
            ],
            None,
        ),
        (
            "geofence breach",
            |o| o.outside_geofence = true,
            MissionState::Aborted,
            vec![
                Action::StopVehicle {
                    category: StopCategory::Cat1,
                },
                Action::RotorOff,
                Action::Finish,
            ],
            None,
        ),
    ];
    for (name, breaks, state, actions, recover) in cases {
        let (mut m, mut ev) = clearing(SafetyConfig::default());
        let mut o = Observation::nominal();
        breaks(&mut o);
        let s = m.step(Input::Observe(o), 10.0);
        ev.extend(s.events.clone());
        assert_eq!(m.state(), state, "{name}");
        assert_eq!(s.actions, actions, "{name}");
        if let Some(recover) = recover {
            // Nothing resumes while the cause is there or unacknowledged.
            let a = m.step(Input::Resume, 11.0).actions;
            assert!(
                !a.iter().any(|a| matches!(a, Action::ResumeSegment(_))),
                "{name}: {a:?}"
            );
            let a = recover(&mut m);
            assert!(a.contains(&Action::ResumeSegment(0)), "{name}: {a:?}");
            assert_eq!(m.state(), MissionState::Clearing, "{name}");
        }
        assert_monotone(&ev);
    }
}

#[test]
fn estop_needs_operator_resume_even_after_reset() {
    let (mut m, _) = clearing(SafetyConfig::default());
    let mut o = Observation::nominal();
    o.estop_pressed = true;
    m.step(Input::Observe(o), 10.0);
    let a = m.step(Input::ResetEStop { still_pressed: false }, 11.0).actions;
    assert_eq!(a, vec![Action::ReleaseEStop, Action::RotorOn]);
    m.step(Input::Observe(Observation::nominal()), 20.0);
    assert_eq!(m.state(), MissionState::Paused, "no auto resume after an e-stop");
}

#[test]
fn operator_pause_and_abort() {
    let (mut m, _) = clearing(SafetyConfig::default());
    m.step(Input::Pause, 5.0);
    assert_eq!(m.state(), MissionState::Paused);
    m.step(Input::Observe(Observation::nominal()), 6.0);
    assert_eq!(
        m.state(),
        MissionState::Paused,
        "a pause is never resumed by the machine"
    );
    assert_eq!(m.step(Input::Resume, 7.0).actions, vec![Action::ResumeSegment(0)]);
    let a = m.step(Input::Abort, 8.0).actions;
    assert!(a.contains(&Action::Finish));
    assert_eq!(m.state(), MissionState::Aborted);
}

#[test]
fn detonation_with_never_ack_aborts() {
    let cfg = SafetyConfig {
        ack_policy: AckPolicy::Never,
        ..SafetyConfig::default()
    };
    let (mut m, _) = clearing(cfg);
    let mut o = Observation::nominal();
    o.detonation = Some((0.0, 0.0, 0.0));
    m.step(Input::Observe(o), 10.0);
    assert_eq!(m.state(), MissionState::Aborted);
}

#[test]
fn restore_comes_back_paused_and_resumes_at_the_next_segment() {
    let m = Mission::new(SafetyConfig::default(), &machine(), 1);
    let mut m = m.restore(MissionState::Clearing, 5, 3, 2);
    assert_eq!(m.state(), MissionState::Paused);
    assert_eq!(m.supervisor().detonation_count(), 2);
    // the restore is a transition of the record, said once
    let ev = m.take_restore_event(0.0);
    assert_eq!(ev.len(), 1);
    assert_eq!(
        (ev[0].category, ev[0].name.as_str()),
        ("transition", "clearing -> paused")
    );
    assert!(m.take_restore_event(0.0).is_empty());
    m.step(Input::Observe(Observation::nominal()), 0.0);
    assert_eq!(m.state(), MissionState::Paused);
    // a restarted mission resumes only after this run's pre-flight, which is recorded
    let refused = m.step(Input::Resume, 0.5);
    assert!(
        refused.actions.is_empty() && refused.events[0].name == "resume-refused",
        "{refused:?}"
    );
    let failed = m.step(Input::Preflight(preflight(false)), 0.6);
    assert_eq!(failed.events[0].name, "failed");
    assert!(m.step(Input::Resume, 0.7).actions.is_empty());
    let passed = m.step(Input::Preflight(preflight(true)), 0.8);
    assert_eq!(
        (passed.events[0].category, passed.events[0].name.as_str()),
        ("preflight", "passed")
    );
    assert_eq!(m.step(Input::Resume, 1.0).actions, vec![Action::ResumeSegment(3)]);
}

#[test]
fn no_progress_holds_with_the_reason_then_aborts() {
    let (mut m, mut ev) = clearing(SafetyConfig::default());
    let mut t: f64 = 2.0;
    // wiggling 0.28 m at the lane start
    while m.state() == MissionState::Clearing {
        t += 0.1;
        let x = 0.14 * t.sin();
        ev.extend(
            m.step(
                Input::Pose {
                    x_m: x,
                    y_m: 0.0,
                    yaw_rad: 0.0,
                },
                t,
            )
            .events,
        );
        assert!(t < 400.0);
    }
    assert_eq!(m.state(), MissionState::Paused);
    assert!((301.0..303.0).contains(&t), "held at {t}");
    let hold = ev.iter().find(|e| e.name == "no-progress").unwrap();
    assert_eq!(hold.category, "safety");
    let within: f64 = hold
        .detail
        .split("within ")
        .nth(1)
        .unwrap()
        .split(" m")
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((0.2..=0.28).contains(&within), "{}", hold.detail);
    assert!(hold.detail.contains("segment 0 for 300 s"), "{}", hold.detail);
    // auto-resume does not lift it; only time passes
    while m.state() == MissionState::Paused {
        t += 0.1;
        m.step(Input::Observe(Observation::nominal()), t);
        ev.extend(
            m.step(
                Input::Pose {
                    x_m: 0.0,
                    y_m: 0.0,
                    yaw_rad: 0.0,
                },
                t,
            )
            .events,
        );
    }
    assert_eq!(m.state(), MissionState::Aborted);
    assert!((421.0..423.5).contains(&t), "aborted at {t}");
    let last = ev.last().unwrap();
    assert!(
        last.name == "paused -> aborted" && last.detail.starts_with("no-progress"),
        "{last:?}"
    );
    assert_monotone(&ev);
}

#[test]
fn an_operator_resume_lifts_a_no_progress_hold() {
    let (mut m, _) = clearing(SafetyConfig::default());
    let mut t = 2.0;
    while m.state() == MissionState::Clearing {
        t += 1.0;
        m.step(
            Input::Pose {
                x_m: 0.0,
                y_m: 0.0,
                yaw_rad: 0.0,
            },
            t,
        );
    }
    m.step(Input::Resume, t + 1.0);
    assert_eq!(m.state(), MissionState::Clearing);
    for i in 0..200 {
        let t2 = t + 2.0 + i as f64;
        m.step(
            Input::Pose {
                x_m: i as f64,
                y_m: 0.0,
                yaw_rad: 0.0,
            },
            t2,
        );
    }
    assert_eq!(m.state(), MissionState::Clearing);
}

#[test]
fn state_names_round_trip() {
    use MissionState::*;
    for s in [Idle, Planned, Ready, Clearing, Paused, Completed, Aborted] {
        assert_eq!(MissionState::parse(s.as_str()).unwrap(), s);
    }
    assert!(MissionState::parse("flying").is_err());
}
