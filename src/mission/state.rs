//! The mission state machine: operator inputs, plan progress and safety trips in; actions and
//! logged events out.

use super::progress::{ProgressWatchdog, Verdict};
use super::supervisor::{CheckOutcome, Clearing, Observation, SafetySupervisor, Trip, TripKind};
use super::{Action, MissionError, PreflightReport, SafetyConfig};
use crate::machine::MachineProfile;
use serde::Serialize;

/// Mission states. Their [`rank`](MissionState::rank) never decreases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MissionState {
    Idle,
    Planned,
    Ready,
    Clearing,
    Paused,
    Completed,
    Aborted,
}

impl MissionState {
    /// Order of the states; clearing and paused share a rank.
    pub fn rank(self) -> u8 {
        match self {
            MissionState::Idle => 0,
            MissionState::Planned => 1,
            MissionState::Ready => 2,
            MissionState::Clearing | MissionState::Paused => 3,
            MissionState::Completed | MissionState::Aborted => 4,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MissionState::Idle => "idle",
            MissionState::Planned => "planned",
            MissionState::Ready => "ready",
            MissionState::Clearing => "clearing",
            MissionState::Paused => "paused",
            MissionState::Completed => "completed",
            MissionState::Aborted => "aborted",
        }
    }

    pub fn parse(s: &str) -> Result<Self, MissionError> {
        Ok(match s {
            "idle" => MissionState::Idle,
            "planned" => MissionState::Planned,
            "ready" => MissionState::Ready,
            "clearing" => MissionState::Clearing,
            "paused" => MissionState::Paused,
            "completed" => MissionState::Completed,
            "aborted" => MissionState::Aborted,
            _ => return Err(MissionError::UnknownState(s.into())),
        })
    }

    pub fn is_terminal(self) -> bool {
        self.rank() == 4
    }
}

/// Inputs to the mission.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// A plan of `segments` segments was made.
    PlanLoaded { segments: usize },
    /// The pre-flight checks ran.
    Preflight(PreflightReport),
    /// Operator: start clearing.
    Start,
    /// Operator: pause (Cat 2 stop).
    Pause,
    /// Operator: resume after a pause or an e-stop reset.
    Resume,
    /// Operator: abort the mission.
    Abort,
    /// Operator: reset the e-stop latch (`still_pressed`: the button is still down).
    ResetEStop { still_pressed: bool },
    /// Operator: acknowledge detonation `id`.
    Acknowledge(u32),
    /// One control tick of observations.
    Observe(Observation),
    /// The host finished executing segment `n`.
    SegmentDone(usize),
    /// The host planned `segments` more segments over missed strips (0: nothing missed).
    GapFillPlanned { segments: usize },
    /// The machine's pose this tick, ENU metres and radians (the progress watchdog's input;
    /// hosts send it every tick, in every state).
    Pose { x_m: f64, y_m: f64, yaw_rad: f64 },
    /// The host stops driving for a reason of its own (the simulator's time limit): clearing
    /// pauses with that reason and waits for an operator resume.
    HostStop { reason: String },
}

impl Input {
    /// The input in plain words, for the record.
    pub fn describe(&self) -> String {
        match self {
            Input::PlanLoaded { segments } => format!("a plan of {segments} segments"),
            Input::Preflight(r) => format!("a pre-flight ({})", if r.passed() { "passed" } else { "failed" }),
            Input::Start => "operator start".into(),
            Input::Pause => "operator pause".into(),
            Input::Resume => "operator resume".into(),
            Input::Abort => "operator abort".into(),
            Input::ResetEStop { still_pressed } => format!(
                "e-stop reset (button {})",
                if *still_pressed { "still pressed" } else { "released" }
            ),
            Input::Acknowledge(id) => format!("acknowledgement of detonation {id}"),
            Input::Observe(_) => "an observation".into(),
            Input::SegmentDone(n) => format!("segment {n} done"),
            Input::GapFillPlanned { segments } => format!("a gap fill of {segments} segments"),
            Input::Pose { .. } => "a pose".into(),
            Input::HostStop { reason } => format!("a host stop ({reason})"),
        }
    }
}

/// One logged event: a transition, a trip, a clearing or an operator action.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MissionEvent {
    pub t_s: f64,
    /// `transition`, `safety`, `cleared`, `operator`, `preflight`, `segment`.
    pub category: &'static str,
    pub name: String,
    pub detail: String,
    /// State after the event.
    pub state: MissionState,
}

/// What one step produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Step {
    pub actions: Vec<Action>,
    pub events: Vec<MissionEvent>,
    /// Trips raised at this step (the host records detonations from them).
    pub tripped: Vec<Trip>,
}

/// The mission.
#[derive(Clone, Debug)]
pub struct Mission {
    state: MissionState,
    segments: usize,
    /// Segment being executed or next to execute.
    current: usize,
    gap_rounds: u32,
    max_gap_rounds: u32,
    awaiting_gap_fill: bool,
    /// An operator must say resume before clearing continues (pause, e-stop, restart).
    hold_for_operator: bool,
    tool_width_m: f64,
    supervisor: SafetySupervisor,
    watchdog: ProgressWatchdog,
    /// Restored from a record in this state, not yet reported ([`Mission::take_restore_event`]).
    restored_from: Option<(MissionState, MissionState)>,
    /// Restored and not yet through a pre-flight of this run.
    preflight_due: bool,
}

impl Mission {
    /// A mission for `machine`; at most `max_gap_rounds` rounds of gap fill after the plan.
    pub fn new(cfg: SafetyConfig, machine: &MachineProfile, max_gap_rounds: u32) -> Self {
        Self {
            tool_width_m: machine.working_width_m,
            state: MissionState::Idle,
            segments: 0,
            current: 0,
            gap_rounds: 0,
            max_gap_rounds,
            awaiting_gap_fill: false,
            hold_for_operator: false,
            supervisor: SafetySupervisor::new(cfg, machine.rotor_rpm_min),
            watchdog: ProgressWatchdog::default(),
            restored_from: None,
            preflight_due: false,
        }
    }

    /// A mission continued from a record after a restart: `segments` planned, the first
    /// `next_segment` done, `detonations` seen. An unfinished mission comes back paused and
    /// waits for an operator resume (the machine stopped when its host went away).
    pub fn restore(mut self, state: MissionState, segments: usize, next_segment: usize, detonations: u32) -> Self {
        self.segments = segments;
        self.current = next_segment.min(segments);
        self.supervisor.set_detonation_count(detonations);
        self.state = match state {
            MissionState::Clearing | MissionState::Paused => {
                self.hold_for_operator = true;
                self.preflight_due = true;
                MissionState::Paused
            }
            s => s,
        };
        self.restored_from = Some((state, self.state));
        self
    }

    /// The events of a restore, once: the transition from the recorded state to the restored
    /// one when they differ (`clearing -> paused`: the host went away while clearing), so the
    /// record's transitions stay in order and balance across any number of restarts.
    pub fn take_restore_event(&mut self, now_s: f64) -> Vec<MissionEvent> {
        match self.restored_from.take() {
            Some((from, to)) if from != to => vec![MissionEvent {
                t_s: now_s,
                category: "transition",
                name: format!("{} -> {}", from.as_str(), to.as_str()),
                detail: "restarted from the record: the host had stopped; waiting for pre-flight and resume".into(),
                state: to,
            }],
            _ => Vec::new(),
        }
    }

    pub fn state(&self) -> MissionState {
        self.state
    }

    pub fn current_segment(&self) -> usize {
        self.current
    }

    pub fn segments(&self) -> usize {
        self.segments
    }

    pub fn supervisor(&self) -> &SafetySupervisor {
        &self.supervisor
    }

    fn go(&mut self, step: &mut Step, to: MissionState, now_s: f64, reason: &str) {
        if to == self.state {
            return;
        }
        debug_assert!(to.rank() >= self.state.rank(), "{:?} -> {to:?}", self.state);
        let from = self.state;
        self.state = to;
        step.events.push(MissionEvent {
            t_s: now_s,
            category: "transition",
            name: format!("{} -> {}", from.as_str(), to.as_str()),
            detail: reason.into(),
            state: to,
        });
    }

    fn log(&self, step: &mut Step, now_s: f64, category: &'static str, name: &str, detail: String) {
        step.events.push(MissionEvent {
            t_s: now_s,
            category,
            name: name.into(),
            detail,
            state: self.state,
        });
    }

    /// Advance with one input at time `now_s` (seconds, monotone).
    pub fn step(&mut self, input: Input, now_s: f64) -> Step {
        let mut s = Step::default();
        if self.state.is_terminal() {
            return s;
        }
        match input {
            Input::PlanLoaded { segments } if self.state == MissionState::Idle => {
                self.segments = segments;
                self.go(&mut s, MissionState::Planned, now_s, &format!("{segments} segments"));
            }
            Input::Preflight(report) if self.state == MissionState::Planned || self.preflight_due => {
                self.log(
                    &mut s,
                    now_s,
                    "preflight",
                    if report.passed() { "passed" } else { "failed" },
                    report.describe(),
                );
                if report.passed() {
                    self.preflight_due = false;
                    if self.state == MissionState::Planned {
                        self.go(&mut s, MissionState::Ready, now_s, "pre-flight checks passed");
                    }
                }
            }
            Input::Resume if self.preflight_due => self.log(
                &mut s,
                now_s,
                "operator",
                "resume-refused",
                "a restarted mission resumes only after its pre-flight passes".into(),
            ),
            Input::Start if self.state == MissionState::Ready && self.supervisor.active().is_empty() => {
                self.log(&mut s, now_s, "operator", "start", String::new());
                self.go(&mut s, MissionState::Clearing, now_s, "operator start");
                self.next_segment_or_finish(&mut s, now_s);
            }
            Input::Pause if self.state == MissionState::Clearing => {
                self.log(&mut s, now_s, "operator", "pause", String::new());
                self.hold_for_operator = true;
                s.actions.push(Action::StopVehicle {
                    category: super::StopCategory::Cat2,
                });
                self.go(&mut s, MissionState::Paused, now_s, "operator pause");
            }
            Input::Resume if self.state == MissionState::Paused => {
                self.log(&mut s, now_s, "operator", "resume", String::new());
                self.hold_for_operator = false;
                self.watchdog.release();
                self.try_resume(&mut s, now_s);
            }
            Input::Pose { x_m, y_m, yaw_rad } => self.watch_progress(&mut s, (x_m, y_m, yaw_rad), now_s),
            Input::HostStop { reason } => {
                self.log(&mut s, now_s, "host", "stop", reason.clone());
                if self.state == MissionState::Clearing {
                    self.hold_for_operator = true;
                    s.actions.push(Action::StopVehicle {
                        category: super::StopCategory::Cat2,
                    });
                    self.go(&mut s, MissionState::Paused, now_s, &reason);
                }
            }
            Input::Abort => {
                self.log(&mut s, now_s, "operator", "abort", String::new());
                s.actions.push(Action::StopVehicle {
                    category: super::StopCategory::Cat1,
                });
                s.actions.push(Action::RotorOff);
                s.actions.push(Action::Finish);
                self.go(&mut s, MissionState::Aborted, now_s, "operator abort");
            }
            Input::ResetEStop { still_pressed } => {
                if let Some(t) = self.supervisor.reset_estop(still_pressed) {
                    self.log(&mut s, now_s, "operator", "estop-reset", t.detail);
                    s.actions.push(Action::ReleaseEStop);
                    s.actions.push(Action::RotorOn);
                } else {
                    self.log(
                        &mut s,
                        now_s,
                        "operator",
                        "estop-reset-refused",
                        format!("pressed {still_pressed}"),
                    );
                }
            }
            Input::Acknowledge(id) => {
                if let Some(t) = self.supervisor.acknowledge(id) {
                    self.log(&mut s, now_s, "operator", "acknowledge", t.detail);
                    self.try_resume(&mut s, now_s);
                }
            }
            Input::Observe(o) => {
                let out = self.supervisor.check(&o, now_s);
                self.apply(&mut s, out, now_s);
            }
            Input::SegmentDone(n) if self.state == MissionState::Clearing && n == self.current => {
                self.log(&mut s, now_s, "segment", "done", format!("{n}"));
                self.current += 1;
                self.next_segment_or_finish(&mut s, now_s);
            }
            Input::GapFillPlanned { segments } if self.awaiting_gap_fill => {
                self.awaiting_gap_fill = false;
                // a round that plans nothing ends the gap fill: another would plan the same
                self.gap_rounds = if segments == 0 {
                    self.max_gap_rounds
                } else {
                    self.gap_rounds + 1
                };
                self.log(&mut s, now_s, "segment", "gap-fill", format!("{segments} segments"));
                self.segments += segments;
                self.next_segment_or_finish(&mut s, now_s);
            }
            other => self.log(
                &mut s,
                now_s,
                "operator",
                "ignored",
                format!("{} while {}", other.describe(), self.state.as_str()),
            ),
        }
        if self.state != MissionState::Clearing {
            self.watchdog.rearm();
        }
        s
    }

    /// The progress watchdog (module [`super::progress`]): hold when clearing gets nowhere,
    /// abort when that hold is not resolved.
    fn watch_progress(&mut self, s: &mut Step, pose: (f64, f64, f64), now_s: f64) {
        let cfg = self.supervisor.config().clone();
        if self.state == MissionState::Clearing {
            let v = self
                .watchdog
                .observe(pose, self.current, now_s, cfg.progress_min_m, cfg.progress_timeout_s);
            if let Verdict::Hold(reason) = v {
                self.log(s, now_s, "safety", "no-progress", reason);
                self.hold_for_operator = true;
                s.actions.push(Action::StopVehicle {
                    category: super::StopCategory::Cat2,
                });
                self.go(s, MissionState::Paused, now_s, "no-progress");
            }
        } else if let Some(held) = self.watchdog.held_for_s(now_s) {
            if self.state == MissionState::Paused && held >= cfg.progress_abort_s {
                s.actions.push(Action::StopVehicle {
                    category: super::StopCategory::Cat1,
                });
                s.actions.push(Action::RotorOff);
                s.actions.push(Action::Finish);
                let why = format!(
                    "no-progress: held {held:.0} s without an operator resume (progress_abort_s {} s)",
                    cfg.progress_abort_s
                );
                self.go(s, MissionState::Aborted, now_s, &why);
            }
        }
    }

    fn next_segment_or_finish(&mut self, s: &mut Step, now_s: f64) {
        if self.state != MissionState::Clearing {
            return;
        }
        if self.current < self.segments {
            s.actions.push(Action::StartSegment(self.current));
        } else if self.gap_rounds < self.max_gap_rounds {
            self.awaiting_gap_fill = true;
            s.actions.push(Action::PlanGapFill);
        } else {
            s.actions.push(Action::Finish);
            self.go(s, MissionState::Completed, now_s, "all segments done");
        }
    }

    fn apply(&mut self, s: &mut Step, out: CheckOutcome, now_s: f64) {
        let cfg = self.supervisor.config().clone();
        for t in &out.tripped {
            let r = Trip::response(t.kind, &cfg);
            self.log(s, now_s, "safety", t.kind.as_str(), t.detail.clone());
            s.actions.push(Action::StopVehicle { category: r.stop });
            if t.kind == TripKind::EStop {
                s.actions.push(Action::EStop);
                self.hold_for_operator = true;
            }
            if r.rotor_off {
                s.actions.push(Action::RotorOff);
            }
            if r.rotor_restart {
                s.actions.push(Action::RotorOn);
            }
            if let (TripKind::Detonation, Some((x, y, h))) = (t.kind, t.position) {
                s.actions.push(Action::MarkReprocess {
                    detonation_id: t.detonation_id,
                    x_m: x,
                    y_m: y,
                    heading_rad: h,
                    length_m: cfg.detonation_block_m,
                    width_m: self.tool_width_m,
                });
                if r.clearing == Clearing::Acknowledgement {
                    s.actions.push(Action::RequestAck {
                        detonation_id: t.detonation_id,
                    });
                }
            }
            if r.clearing == Clearing::Terminal && self.state.rank() >= 2 {
                s.actions.push(Action::Finish);
                self.go(s, MissionState::Aborted, now_s, t.kind.as_str());
                return;
            }
            if self.state == MissionState::Clearing {
                self.go(s, MissionState::Paused, now_s, t.kind.as_str());
            }
        }
        s.tripped = out.tripped;
        for t in &out.cleared {
            let detail = format!("cleared after {:.1} s; it tripped on: {}", now_s - t.at_s, t.detail);
            self.log(s, now_s, "cleared", t.kind.as_str(), detail);
            if t.kind == TripKind::LinkLost {
                s.actions.push(Action::RotorOn);
            }
        }
        if !out.cleared.is_empty() && cfg.auto_resume {
            self.try_resume(s, now_s);
        }
    }

    fn try_resume(&mut self, s: &mut Step, now_s: f64) {
        if self.state != MissionState::Paused || self.hold_for_operator || !self.supervisor.active().is_empty() {
            return;
        }
        self.go(s, MissionState::Clearing, now_s, "resumed");
        if self.awaiting_gap_fill {
            s.actions.push(Action::PlanGapFill);
        } else if self.current < self.segments {
            s.actions.push(Action::ResumeSegment(self.current));
        } else {
            self.next_segment_or_finish(s, now_s);
        }
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
