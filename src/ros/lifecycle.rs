//! The managed-node (lifecycle) state machine of the `mission` node, and its `lifecycle_msgs`.
//!
//! r2r has no lifecycle support, so the node implements the services itself
//! (`~/change_state`, `~/get_state`, `~/get_available_states`, `~/get_available_transitions`,
//! `~/get_transition_graph`) and the `~/transition_event` topic on top of this plain type. The
//! rules are rclcpp's: a non-empty transition label wins over the id (`ros2 lifecycle set` sends
//! labels, nav2's lifecycle manager sends ids); a callback that fails leaves the node in its start
//! state; a callback that errors goes to `unconfigured` (the error-processing transition succeeds).

use r2r::lifecycle_msgs::msg::{State, Transition, TransitionDescription, TransitionEvent};

/// The primary states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Primary {
    Unconfigured,
    Inactive,
    Active,
    Finalized,
}

impl Primary {
    pub const ALL: [Primary; 4] = [
        Primary::Unconfigured,
        Primary::Inactive,
        Primary::Active,
        Primary::Finalized,
    ];

    pub fn id(self) -> u8 {
        match self {
            Primary::Unconfigured => State::PRIMARY_STATE_UNCONFIGURED as u8,
            Primary::Inactive => State::PRIMARY_STATE_INACTIVE as u8,
            Primary::Active => State::PRIMARY_STATE_ACTIVE as u8,
            Primary::Finalized => State::PRIMARY_STATE_FINALIZED as u8,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Primary::Unconfigured => "unconfigured",
            Primary::Inactive => "inactive",
            Primary::Active => "active",
            Primary::Finalized => "finalized",
        }
    }
}

/// The transitions an operator can request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransitionKind {
    Configure,
    Cleanup,
    Activate,
    Deactivate,
    Shutdown,
}

/// One row of the transition table: id, label, from, to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    pub id: u8,
    pub label: &'static str,
    pub kind: TransitionKind,
    pub from: Primary,
    pub to: Primary,
}

const fn edge(id: u8, label: &'static str, kind: TransitionKind, from: Primary, to: Primary) -> Edge {
    Edge {
        id,
        label,
        kind,
        from,
        to,
    }
}

/// The transition graph (ids are lifecycle_msgs/Transition's).
pub const EDGES: [Edge; 7] = [
    edge(
        1,
        "configure",
        TransitionKind::Configure,
        Primary::Unconfigured,
        Primary::Inactive,
    ),
    edge(
        2,
        "cleanup",
        TransitionKind::Cleanup,
        Primary::Inactive,
        Primary::Unconfigured,
    ),
    edge(
        3,
        "activate",
        TransitionKind::Activate,
        Primary::Inactive,
        Primary::Active,
    ),
    edge(
        4,
        "deactivate",
        TransitionKind::Deactivate,
        Primary::Active,
        Primary::Inactive,
    ),
    edge(
        5,
        "shutdown",
        TransitionKind::Shutdown,
        Primary::Unconfigured,
        Primary::Finalized,
    ),
    edge(
        6,
        "shutdown",
        TransitionKind::Shutdown,
        Primary::Inactive,
        Primary::Finalized,
    ),
    edge(
        7,
        "shutdown",
        TransitionKind::Shutdown,
        Primary::Active,
        Primary::Finalized,
    ),
];

/// What a transition callback returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallbackResult {
    Success,
    /// Refused (e.g. the field does not load): stay in the start state.
    Failure(String),
    /// Something broke: go to `unconfigured`.
    Error(String),
}

/// Why a transition request was not carried out.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("no transition '{label}' (id {id}) from state {from}")]
    Unavailable { id: u8, label: String, from: &'static str },
    #[error("{label} failed: {reason}")]
    Failed { label: &'static str, reason: String },
    #[error("{label} raised an error, node is unconfigured: {reason}")]
    Errored { label: &'static str, reason: String },
}

/// The state machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lifecycle {
    state: Primary,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self::new()
    }
}

impl Lifecycle {
    pub fn new() -> Self {
        Self {
            state: Primary::Unconfigured,
        }
    }

    pub fn state(&self) -> Primary {
        self.state
    }

    /// The edge a request names from the current state (label first, like rclcpp).
    pub fn resolve(&self, id: u8, label: &str) -> Option<Edge> {
        EDGES
            .iter()
            .copied()
            .find(|e| e.from == self.state && if label.is_empty() { e.id == id } else { e.label == label })
    }

    /// The edges leaving the current state.
    pub fn available(&self) -> Vec<Edge> {
        EDGES.iter().copied().filter(|e| e.from == self.state).collect()
    }

    /// Run a requested transition: `callback` does the work of `edge.kind`. Returns the edge taken
    /// and the resulting state.
    pub fn change(
        &mut self,
        id: u8,
        label: &str,
        callback: impl FnOnce(TransitionKind) -> CallbackResult,
    ) -> Result<(Edge, Primary), LifecycleError> {
        let e = self.resolve(id, label).ok_or_else(|| LifecycleError::Unavailable {
            id,
            label: label.to_string(),
            from: self.state.label(),
        })?;
        match callback(e.kind) {
            CallbackResult::Success => {
                self.state = e.to;
                Ok((e, e.to))
            }
            CallbackResult::Failure(reason) => Err(LifecycleError::Failed { label: e.label, reason }),
            CallbackResult::Error(reason) => {
                self.state = Primary::Unconfigured;
                Err(LifecycleError::Errored { label: e.label, reason })
            }
        }
    }
}

pub fn state_msg(p: Primary) -> State {
    State {
        id: p.id(),
        label: p.label().to_string(),
    }
}

pub fn transition_msg(e: &Edge) -> Transition {
    Transition {
        id: e.id,
        label: e.label.to_string(),
    }
}

pub fn description(e: &Edge) -> TransitionDescription {
    TransitionDescription {
        transition: transition_msg(e),
        start_state: state_msg(e.from),
        goal_state: state_msg(e.to),
    }
}

/// The primary states (`get_available_states`).
pub fn available_states() -> Vec<State> {
    Primary::ALL.iter().map(|p| state_msg(*p)).collect()
}

/// The transitions from the current state (`get_available_transitions`) or all of them
/// (`get_transition_graph`).
pub fn transitions(l: &Lifecycle, whole_graph: bool) -> Vec<TransitionDescription> {
    if whole_graph {
        EDGES.iter().map(description).collect()
    } else {
        l.available().iter().map(description).collect()
    }
}

/// The `~/transition_event` of a completed transition.
///
/// # Units
/// `timestamp_ns` nanoseconds (ROS clock).
pub fn transition_event(e: &Edge, from: Primary, to: Primary, timestamp_ns: u64) -> TransitionEvent {
    TransitionEvent {
        timestamp: timestamp_ns,
        transition: transition_msg(e),
        start_state: state_msg(from),
        goal_state: state_msg(to),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_labels_match_lifecycle_msgs() {
        assert_eq!(Primary::Unconfigured.id(), 1);
        assert_eq!(Primary::Finalized.id(), 4);
        let ids = [
            Transition::TRANSITION_CONFIGURE as u8,
            Transition::TRANSITION_CLEANUP as u8,
            Transition::TRANSITION_ACTIVATE as u8,
            Transition::TRANSITION_DEACTIVATE as u8,
            Transition::TRANSITION_UNCONFIGURED_SHUTDOWN as u8,
            Transition::TRANSITION_INACTIVE_SHUTDOWN as u8,
            Transition::TRANSITION_ACTIVE_SHUTDOWN as u8,
        ];
        for (e, id) in EDGES.iter().zip(ids) {
            assert_eq!(e.id, id, "{}", e.label);
        }
    }

    #[test]
    fn operator_walk_through_by_label_and_by_id() {
        let mut l = Lifecycle::new();
        let ok = |_| CallbackResult::Success;
        assert_eq!(l.change(0, "configure", ok).unwrap().1, Primary::Inactive);
        assert_eq!(l.change(3, "", ok).unwrap().1, Primary::Active);
        // activate again is not available from active
        assert!(matches!(
            l.change(0, "activate", ok),
            Err(LifecycleError::Unavailable { .. })
        ));
        assert_eq!(l.change(0, "deactivate", ok).unwrap().1, Primary::Inactive);
        // the label wins over a contradicting id
        assert_eq!(l.change(2, "activate", ok).unwrap().0.kind, TransitionKind::Activate);
        let (e, s) = l.change(0, "shutdown", ok).unwrap();
        assert_eq!((e.id, s), (7, Primary::Finalized));
        assert!(l.available().is_empty());
    }

    #[test]
    fn failure_stays_error_resets() {
        let mut l = Lifecycle::new();
        let r = l.change(0, "configure", |_| {
            CallbackResult::Failure("field.geojson: cannot read".into())
        });
        assert!(matches!(r, Err(LifecycleError::Failed { .. })));
        assert_eq!(l.state(), Primary::Unconfigured);
        l.change(0, "configure", |_| CallbackResult::Success).unwrap();
        let r = l.change(0, "activate", |_| CallbackResult::Error("link lost".into()));
        assert!(matches!(r, Err(LifecycleError::Errored { .. })));
        assert_eq!(l.state(), Primary::Unconfigured);
    }

    #[test]
    fn service_payloads() {
        let l = Lifecycle::new();
        let t = transitions(&l, false);
        let labels: Vec<&str> = t.iter().map(|d| d.transition.label.as_str()).collect();
        assert_eq!(labels, ["configure", "shutdown"]);
        assert!(t.iter().all(|d| d.start_state.label == "unconfigured"));
        assert_eq!(transitions(&l, true).len(), 7);
        assert_eq!(available_states().len(), 4);
        let ev = transition_event(&EDGES[0], Primary::Unconfigured, Primary::Inactive, 5);
        assert_eq!((ev.start_state.id, ev.goal_state.id, ev.timestamp), (1, 2, 5));
    }
}
