//! The `mission` node's decisions as data: lifecycle transitions, e-stop and progress in, the
//! mission state (published on `mission/state`) and the actions the node must take out.
//!
//! - `configure` loads the field and machine and plans (done by the node; a failure refuses the
//!   transition) → `ready`; `activate` → `clearing` (refused while the e-stop is latched);
//!   `deactivate` → `paused`; `cleanup` → `idle`; `shutdown` → `finalized`.
//! - An e-stop while clearing stops the machine and deactivates the node by itself
//!   ([`Action::SelfDeactivate`]): resuming needs an explicit reset and a new `activate`.
//! - Progress reaching the target while clearing completes the mission (and deactivates).
//!
//! This is the ROS host's minimal supervisor; issue 5's `crate::mission` (pre-flight checks,
//! safety supervisor, record) replaces [`MissionFlow`]'s internals behind the same inputs.

use super::estop::{EStopLatch, ResetRefused};
use super::lifecycle::{CallbackResult, TransitionKind};

/// What `mission/state` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MissionState {
    Idle,
    Ready,
    Clearing,
    Paused,
    Completed,
    Finalized,
}

impl MissionState {
    pub fn as_str(self) -> &'static str {
        match self {
            MissionState::Idle => "idle",
            MissionState::Ready => "ready",
            MissionState::Clearing => "clearing",
            MissionState::Paused => "paused",
            MissionState::Completed => "completed",
            MissionState::Finalized => "finalized",
        }
    }
}

/// What the node must do after an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Nothing beyond republishing the state.
    None,
    /// Publish the e-stop latch (changed).
    PublishEStop,
    /// Publish the latch and run the lifecycle `deactivate` transition itself.
    SelfDeactivate,
}

/// The supervisor.
#[derive(Clone, Debug, PartialEq)]
pub struct MissionFlow {
    pub state: MissionState,
    pub estop: EStopLatch,
    /// Progress (processed fraction of the hazard, 0–1) at which the mission is complete.
    pub target_progress: f64,
    pub progress: f64,
}

impl MissionFlow {
    /// `target_progress`: the plan's expected processed fraction (less a small tolerance).
    pub fn new(target_progress: f64) -> Self {
        Self {
            state: MissionState::Idle,
            estop: EStopLatch::new(),
            target_progress,
            progress: 0.0,
        }
    }

    /// A lifecycle transition's callback (after the node's own work, e.g. planning, succeeded).
    pub fn on_transition(&mut self, kind: TransitionKind) -> CallbackResult {
        match kind {
            TransitionKind::Configure => self.state = MissionState::Ready,
            TransitionKind::Activate => {
                if self.estop.latched() {
                    return CallbackResult::Failure("e-stop latched: reset it first".into());
                }
                if self.state == MissionState::Completed {
                    return CallbackResult::Failure("mission completed: clean up to start another".into());
                }
                self.state = MissionState::Clearing;
            }
            TransitionKind::Deactivate => {
                if self.state != MissionState::Completed {
                    self.state = MissionState::Paused;
                }
            }
            TransitionKind::Cleanup => {
                self.state = MissionState::Idle;
                self.progress = 0.0;
            }
            TransitionKind::Shutdown => self.state = MissionState::Finalized,
        }
        CallbackResult::Success
    }

    /// A message on `estop`.
    pub fn on_estop(&mut self, pressed: bool) -> Action {
        if !self.estop.on_input(pressed) {
            return Action::None;
        }
        if self.state == MissionState::Clearing {
            Action::SelfDeactivate
        } else {
            Action::PublishEStop
        }
    }

    /// A reset request on `estop/reset`.
    pub fn on_reset(&mut self) -> Result<Action, ResetRefused> {
        Ok(if self.estop.reset()? {
            Action::PublishEStop
        } else {
            Action::None
        })
    }

    /// A progress report from the coverage node.
    pub fn on_progress(&mut self, fraction: f64) -> Action {
        if fraction.is_finite() {
            self.progress = fraction;
        }
        if self.state == MissionState::Clearing && self.progress >= self.target_progress {
            self.state = MissionState::Completed;
            return Action::SelfDeactivate;
        }
        Action::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TransitionKind::*;

    #[test]
    fn decision_table() {
        let mut f = MissionFlow::new(0.99);
        assert_eq!(f.on_transition(Configure), CallbackResult::Success);
        assert_eq!(f.state, MissionState::Ready);
        assert_eq!(f.on_transition(Activate), CallbackResult::Success);
        assert_eq!(f.state, MissionState::Clearing);
        // e-stop while clearing: self-deactivate, paused, activation refused until reset
        assert_eq!(f.on_estop(true), Action::SelfDeactivate);
        assert_eq!(f.on_transition(Deactivate), CallbackResult::Success);
        assert_eq!(f.state, MissionState::Paused);
        assert!(matches!(f.on_transition(Activate), CallbackResult::Failure(_)));
        assert_eq!(f.on_reset(), Err(ResetRefused::InputActive));
        assert_eq!(f.on_estop(false), Action::None);
        assert_eq!(f.on_reset(), Ok(Action::PublishEStop));
        assert_eq!(f.on_transition(Activate), CallbackResult::Success);
        // progress completes the mission
        assert_eq!(f.on_progress(0.5), Action::None);
        assert_eq!(f.on_progress(0.995), Action::SelfDeactivate);
        assert_eq!(f.state, MissionState::Completed);
        f.on_transition(Deactivate);
        assert_eq!(f.state, MissionState::Completed, "deactivation keeps completed");
        assert!(matches!(f.on_transition(Activate), CallbackResult::Failure(_)));
        f.on_transition(Cleanup);
        assert_eq!((f.state, f.progress), (MissionState::Idle, 0.0));
        // an e-stop outside clearing only latches
        assert_eq!(f.on_estop(true), Action::PublishEStop);
        assert!(f.estop.latched());
    }
}
