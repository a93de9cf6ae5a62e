//! The `mission` node's decisions: lifecycle transitions and operator topics onto the core
//! [`Mission`] (state machine and safety supervisor), observations from [`MissionWatch`], and
//! the mission's [`Action`]s turned into what the node does.
//!
//! | lifecycle / topic | mission input |
//! |---|---|
//! | `configure` (the node loads field and machine and plans first; a failure refuses it) | a fresh mission and watch, `PlanLoaded { segments: motions }` → `planned` (the tracker runs the rotor spin test) |
//! | `activate` | `planned`: `Preflight` (refused, naming the failed checks, unless all pass) then `Start`; `paused`: `Resume`. Refused unless the mission is then `clearing` |
//! | `deactivate` | `Pause` while clearing |
//! | `cleanup` | a fresh mission (`idle`) |
//! | `shutdown` | `Abort` unless finished |
//! | timer ([`rate::MISSION_HZ`](crate::ros_interface::rate::MISSION_HZ)), `estop` | `Observe(watch.observe(..))` (while `idle`, the e-stop only) |
//! | `estop/reset` | `ResetEStop { still_pressed }` |
//! | `detonation/acknowledge` (id) | `Acknowledge(id)` |
//! | `tracker/segment` = n | `SegmentDone(k)` for every k < n |
//!
//! Every segment done completes the mission (`Finish`); the ROS host plans no gap-fill rounds
//! (the tracker re-plans from parameters and cannot follow a plan made at run time). `Finish`
//! and an e-stop deactivate the node by itself; other trips hold the mission `paused` with the
//! node active until they clear (automatically or by acknowledgement).

use super::lifecycle::{CallbackResult, TransitionKind};
use super::mission_watch::MissionWatch;
use crate::machine::MachineProfile;
use crate::mission::{
    Action, Input, Mission, MissionState, Observation, PreflightReport, SafetyConfig, Step, TripKind,
};

/// What the node logs at which level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    Info(String),
    Warn(String),
    Error(String),
}

/// What one input asks of the node besides republishing the state and the e-stop latch.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reaction {
    pub notes: Vec<Note>,
    /// Run the lifecycle `deactivate` transition now.
    pub deactivate: bool,
    /// Detonations whose id the operator must acknowledge (published on
    /// `mission/detonation_pending` and logged on `/rosout`).
    pub ack_requests: Vec<u32>,
}

impl Reaction {
    fn merge(&mut self, other: Reaction) {
        self.notes.extend(other.notes);
        self.deactivate |= other.deactivate;
        self.ack_requests.extend(other.ack_requests);
    }
}

/// The supervisor host.
pub struct MissionFlow {
    mission: Mission,
    safety: SafetyConfig,
    machine: MachineProfile,
    pub watch: MissionWatch,
    clearing_since_s: Option<f64>,
}

impl MissionFlow {
    pub fn new(safety: SafetyConfig, machine: MachineProfile, watch: MissionWatch) -> Self {
        Self {
            mission: Mission::new(safety.clone(), &machine, 0),
            safety,
            machine,
            watch,
            clearing_since_s: None,
        }
    }

    pub fn mission(&self) -> &Mission {
        &self.mission
    }

    pub fn state(&self) -> MissionState {
        self.mission.state()
    }

    /// The e-stop trip is latched (published on `mission/estop_latched`).
    pub fn estop_latched(&self) -> bool {
        self.mission.supervisor().is_active(TripKind::EStop)
    }

    fn feed(&mut self, input: Input, now_s: f64) -> Reaction {
        let step = self.mission.step(input, now_s);
        let r = self.react(step);
        self.clearing_since_s = match self.state() {
            MissionState::Clearing => self.clearing_since_s.or(Some(now_s)),
            _ => None,
        };
        r
    }

    fn react(&self, step: Step) -> Reaction {
        let mut r = Reaction::default();
        for e in &step.events {
            let line = format!("{} {}: {} [{}]", e.category, e.name, e.detail, e.state.as_str());
            r.notes.push(match e.category {
                "safety" => Note::Error(line),
                "transition" | "cleared" | "segment" | "preflight" => Note::Info(line),
                _ => Note::Warn(line),
            });
        }
        for a in step.actions {
            match a {
                Action::Finish | Action::EStop => r.deactivate = true,
                Action::RequestAck { detonation_id } => {
                    r.ack_requests.push(detonation_id);
                    r.notes.push(Note::Warn(format!(
                        "detonation {detonation_id}: clearing holds until acknowledged \
                         (ros2 topic pub --once /detonation/acknowledge std_msgs/msg/UInt32 \"{{data: {detonation_id}}}\")"
                    )))
                }
                Action::MarkReprocess {
                    detonation_id,
                    x_m,
                    y_m,
                    length_m,
                    width_m,
                    ..
                } => r.notes.push(Note::Warn(format!(
                    "detonation {detonation_id} at ({x_m:.2}, {y_m:.2}) m (map): \
                     {length_m} m × {width_m} m block marked for re-processing and follow-on search"
                ))),
                // the tracker acts on `mission/state`; the CAN bridge on the e-stop latch
                _ => {}
            }
        }
        r
    }

    /// The node loaded `machine` and the field and planned `segments` motions (in the configure
    /// callback); `watch` knows that field and plan. A fresh mission; the e-stop input carries
    /// over.
    pub fn configure(
        &mut self,
        machine: MachineProfile,
        mut watch: MissionWatch,
        segments: usize,
        now_s: f64,
    ) -> Reaction {
        watch.carry_inputs(&self.watch);
        self.watch = watch;
        self.machine = machine;
        self.mission = Mission::new(self.safety.clone(), &self.machine, 0);
        self.feed(Input::PlanLoaded { segments }, now_s)
    }

    /// Whether `activate` should be held back at `now_s` to wait for the pre-flight checks: the
    /// mission is planned and a check still fails (the rotor spin test takes up to
    /// `MAX_SPIN_UP_S` after configure; the GNSS verdict may be a moment late on a busy machine).
    pub fn preflight_pending(&self, now_s: f64) -> bool {
        self.state() == MissionState::Planned
            && !PreflightReport::evaluate(&self.watch.preflight(now_s), &self.machine, &self.safety)
                .checks
                .iter()
                .all(|c| c.passed)
    }

    /// A lifecycle transition other than the planning part of `configure`.
    pub fn on_transition(&mut self, kind: TransitionKind, now_s: f64) -> (CallbackResult, Reaction) {
        let mut r = Reaction::default();
        match kind {
            TransitionKind::Configure => {}
            TransitionKind::Activate => {
                let s = self.state();
                if s.is_terminal() {
                    let why = format!("mission {}: clean up to start another", s.as_str());
                    return (CallbackResult::Failure(why), r);
                }
                if s == MissionState::Planned {
                    let report = PreflightReport::evaluate(&self.watch.preflight(now_s), &self.machine, &self.safety);
                    let failed: Vec<String> = report
                        .checks
                        .iter()
                        .filter(|c| !c.passed)
                        .map(|c| format!("{}: {}", c.name, c.detail))
                        .collect();
                    r.merge(self.feed(Input::Preflight(report), now_s));
                    if !failed.is_empty() {
                        return (
                            CallbackResult::Failure(format!("pre-flight failed: {}", failed.join("; "))),
                            r,
                        );
                    }
                }
                match self.state() {
                    MissionState::Ready => r.merge(self.feed(Input::Start, now_s)),
                    MissionState::Paused => r.merge(self.feed(Input::Resume, now_s)),
                    _ => {}
                }
                if self.state() != MissionState::Clearing {
                    let held: Vec<&str> = self
                        .mission
                        .supervisor()
                        .active()
                        .iter()
                        .map(|t| t.kind.as_str())
                        .collect();
                    let why = format!("mission {} (held by: {})", self.state().as_str(), held.join(", "));
                    return (CallbackResult::Failure(why), r);
                }
            }
            TransitionKind::Deactivate => {
                if self.state() == MissionState::Clearing {
                    r.merge(self.feed(Input::Pause, now_s));
                }
            }
            TransitionKind::Cleanup => {
                self.mission = Mission::new(self.safety.clone(), &self.machine, 0);
                self.clearing_since_s = None;
            }
            TransitionKind::Shutdown => {
                if self.state().rank() >= MissionState::Planned.rank() && !self.state().is_terminal() {
                    r.merge(self.feed(Input::Abort, now_s));
                }
            }
        }
        (CallbackResult::Success, r)
    }

    /// One supervisor check at `now_s` (timer, or at once after an e-stop message). Before a
    /// mission is configured (`idle`: no field, no plan, the machine is the operator's) only the
    /// e-stop is watched.
    pub fn observe(&mut self, now_s: f64) -> Reaction {
        let clearing_for = self.clearing_since_s.map(|t| now_s - t);
        let mut o = self.watch.observe(now_s, clearing_for);
        if self.state() == MissionState::Idle {
            o = Observation {
                estop_pressed: o.estop_pressed,
                ..Observation::nominal()
            };
        }
        let mut r = self.feed(Input::Observe(o), now_s);
        // the progress watchdog (no progress for a while → hold, then abort) runs on the estimate
        let fresh = self
            .watch
            .estimate()
            .filter(|e| (now_s - e.unix_time_s).abs() <= super::mission_watch::ESTIMATE_MAX_AGE_S)
            .map(|e| (e.east_m, e.north_m, e.yaw_rad));
        if let (Some((x_m, y_m, yaw_rad)), false) = (fresh, self.state() == MissionState::Idle) {
            r.merge(self.feed(Input::Pose { x_m, y_m, yaw_rad }, now_s));
        }
        r
    }

    /// A message on `estop` (level).
    pub fn on_estop(&mut self, pressed: bool, now_s: f64) -> Reaction {
        self.watch.estop_pressed = pressed;
        self.observe(now_s)
    }

    /// A reset request on `estop/reset`.
    pub fn on_reset(&mut self, now_s: f64) -> Reaction {
        let still_pressed = self.watch.estop_pressed;
        self.feed(Input::ResetEStop { still_pressed }, now_s)
    }

    /// An acknowledgement of detonation `id` on `detonation/acknowledge`.
    pub fn on_acknowledge(&mut self, id: u32, now_s: f64) -> Reaction {
        self.feed(Input::Acknowledge(id), now_s)
    }

    /// The tracker follows motion `segment`: every earlier one is done.
    pub fn on_segment(&mut self, segment: usize, now_s: f64) -> Reaction {
        let mut r = Reaction::default();
        while self.state() == MissionState::Clearing && self.mission.current_segment() < segment {
            let done = self.feed(Input::SegmentDone(self.mission.current_segment()), now_s);
            r.merge(done);
        }
        r
    }
}

#[cfg(test)]
#[path = "mission_flow_tests.rs"]
mod tests;
