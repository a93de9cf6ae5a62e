//! The mission node's decisions as a table walked through in time: pre-flight, start, e-stop and
//! its reset, a detonation and its acknowledgement, segments to completion, cleanup.

use super::*;
use crate::localize::{Estimate, Quality};
use crate::ros::mission_watch::Level;
use geo::MultiPolygon;
use TransitionKind::*;

fn watch(m: &MachineProfile) -> MissionWatch {
    let safe = MultiPolygon::new(vec![geo::Rect::new((-20.0, -20.0), (0.0, 20.0)).to_polygon()]);
    let fence = MultiPolygon::new(vec![geo::Rect::new((-22.0, -22.0), (42.0, 22.0)).to_polygon()]);
    MissionWatch::new(m, fence, safe, 3.0)
}

struct Rig {
    flow: MissionFlow,
    t: f64,
}

impl Rig {
    fn new() -> Self {
        // before configure: no field known (an empty fence), as the node starts
        let m = MachineProfile::default_profile();
        let empty = MultiPolygon::new(vec![]);
        let watch = MissionWatch::new(&m, empty.clone(), empty, 3.0);
        Self {
            flow: MissionFlow::new(SafetyConfig::default(), m, watch),
            t: 0.0,
        }
    }

    /// 0.1 s of healthy sources at rest in the safe area, rotor at `rpm`; then one check.
    fn tick(&mut self, rpm: f64) -> Reaction {
        self.t += 0.1;
        let w = &mut self.flow.watch;
        w.on_estimate(Estimate {
            unix_time_s: self.t,
            east_m: -6.0,
            north_m: 0.0,
            yaw_rad: 0.0,
            speed_mps: 0.0,
            yaw_rate_rps: 0.0,
            track_slip: 0.0,
            turn_scale: 1.0,
            gyro_bias_rps: 0.0,
            position_cov_m2: [[4e-4, 0.0], [0.0, 4e-4]],
            sigma_east_m: 0.02,
            sigma_north_m: 0.02,
            sigma_h_m: 0.02,
            sigma_yaw_rad: 0.01,
            since_fix_s: 0.0,
            quality: Quality::Good,
        });
        w.on_diagnostics(Some(Level::Ok), Some(Level::Ok), self.t);
        w.on_feedback(rpm, self.t);
        self.flow.observe(self.t)
    }

    fn run(&mut self, seconds: f64, rpm: f64) {
        for _ in 0..(seconds * 10.0) as usize {
            self.tick(rpm);
        }
    }

    fn configure(&mut self, segments: usize) {
        let m = MachineProfile::default_profile();
        self.flow.configure(m.clone(), watch(&m), segments, self.t);
    }

    fn transition(&mut self, kind: TransitionKind) -> CallbackResult {
        self.flow.on_transition(kind, self.t).0
    }
}

fn failure(r: CallbackResult) -> String {
    match r {
        CallbackResult::Failure(why) => why,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn mission_walk_through() {
    let mut r = Rig::new();
    assert_eq!(r.flow.state(), MissionState::Idle);
    r.run(1.0, 0.0);
    assert!(
        r.flow.mission().supervisor().active().is_empty(),
        "idle: only the e-stop is watched"
    );
    r.configure(3);
    assert_eq!(r.flow.state(), MissionState::Planned);
    // what the idle watch had seen carries over: no "GNSS lost" trip at configure
    let first = r.flow.observe(r.t);
    assert!(
        !first.notes.iter().any(|n| matches!(n, Note::Error(_))),
        "configure raised {:?}",
        first.notes
    );
    assert!(r.flow.mission().supervisor().active().is_empty());
    // activate before the spin test: the node holds it back; refused if asked anyway
    r.run(1.0, 0.0);
    assert!(r.flow.preflight_pending(r.t));
    let why = failure(r.transition(Activate));
    assert!(why.contains("rotor_spin_test") && !why.contains("gnss"), "{why}");
    assert_eq!(r.flow.state(), MissionState::Planned);
    // the tracker spins the rotor up; then the pre-flight passes and clearing starts
    for k in 1..=60 {
        r.tick((10.0 * f64::from(k)).min(600.0));
    }
    assert!(!r.flow.preflight_pending(r.t));
    assert_eq!(r.transition(Activate), CallbackResult::Success);
    assert_eq!(r.flow.state(), MissionState::Clearing);
    r.run(2.0, 600.0);
    assert_eq!(r.flow.state(), MissionState::Clearing, "no spurious trip");
    // e-stop: latched, the node deactivates itself, activation refused until reset
    let e = r.flow.on_estop(true, r.t);
    assert!(e.deactivate && r.flow.estop_latched());
    assert_eq!(r.transition(Deactivate), CallbackResult::Success);
    assert_eq!(r.flow.state(), MissionState::Paused);
    assert!(failure(r.transition(Activate)).contains("estop"));
    r.flow.on_reset(r.t);
    assert!(r.flow.estop_latched(), "reset while pressed is refused");
    r.flow.on_estop(false, r.t);
    r.flow.on_reset(r.t);
    assert!(!r.flow.estop_latched());
    r.run(1.0, 600.0);
    assert_eq!(r.flow.state(), MissionState::Paused, "an e-stop waits for the operator");
    assert_eq!(r.transition(Activate), CallbackResult::Success);
    assert_eq!(r.flow.state(), MissionState::Clearing);
    // a detonation holds until acknowledged, with the node active
    r.flow.watch.on_detonation();
    let d = r.tick(600.0);
    assert_eq!(r.flow.state(), MissionState::Paused);
    assert!(!d.deactivate);
    assert!(d
        .notes
        .iter()
        .any(|n| matches!(n, Note::Warn(s) if s.contains("detonation/acknowledge"))));
    assert_eq!(d.ack_requests, vec![1], "the id to acknowledge, for its own topic");
    r.flow.on_acknowledge(7, r.t);
    assert_eq!(r.flow.state(), MissionState::Paused, "wrong id");
    r.flow.on_acknowledge(1, r.t);
    assert_eq!(r.flow.state(), MissionState::Clearing);
    // the tracker's segment index completes the mission
    assert!(!r.flow.on_segment(2, r.t).deactivate);
    assert_eq!(r.flow.mission().current_segment(), 2);
    let done = r.flow.on_segment(3, r.t);
    assert!(done.deactivate);
    assert_eq!(r.flow.state(), MissionState::Completed);
    assert_eq!(r.transition(Deactivate), CallbackResult::Success);
    assert!(failure(r.transition(Activate)).contains("completed"));
    assert_eq!(r.transition(Cleanup), CallbackResult::Success);
    assert_eq!(r.flow.state(), MissionState::Idle);
}

#[test]
fn link_loss_and_gnss_loss_pause_and_resume_by_themselves() {
    let mut r = Rig::new();
    r.configure(1);
    for k in 1..=60 {
        r.tick((10.0 * f64::from(k)).min(600.0));
    }
    assert_eq!(r.transition(Activate), CallbackResult::Success);
    // no vehicle feedback for 1 s
    r.t += 1.0;
    r.flow.observe(r.t);
    assert_eq!(r.flow.state(), MissionState::Paused);
    r.run(3.0, 600.0);
    assert_eq!(r.flow.state(), MissionState::Clearing, "link back: resumed");
    // shutdown of an unfinished mission aborts it
    assert_eq!(r.transition(Shutdown), CallbackResult::Success);
    assert_eq!(r.flow.state(), MissionState::Aborted);
}

#[test]
fn a_machine_that_makes_no_progress_is_held_then_aborted() {
    let mut r = Rig::new();
    r.configure(2);
    for k in 1..=60 {
        r.tick((10.0 * f64::from(k)).min(600.0));
    }
    assert_eq!(r.transition(Activate), CallbackResult::Success);
    // healthy sources, but the estimate never moves: the progress watchdog holds the mission …
    let timeout_s = SafetyConfig::default().progress_timeout_s;
    let abort_s = SafetyConfig::default().progress_abort_s;
    r.run(timeout_s - 5.0, 600.0);
    assert_eq!(r.flow.state(), MissionState::Clearing, "not yet");
    r.run(10.0, 600.0);
    assert_eq!(r.flow.state(), MissionState::Paused, "no progress: held");
    // … and aborts it when nobody resumes
    r.run(abort_s + 5.0, 600.0);
    assert_eq!(r.flow.state(), MissionState::Aborted);
}
