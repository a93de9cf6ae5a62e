//! What the estimator returns: the [`Estimate`], the [`LocalizeEvent`]s (its decisions as data:
//! rejected fixes with their reason, outages, re-acquisition, quality changes) and the running
//! [`LocalizerStats`].

use crate::gnss::FixType;
use crate::localize::quality::Quality;

/// The pose estimate at one time, in the local `map` frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Time of validity, UNIX seconds.
    pub unix_time_s: f64,
    /// Reference point (base_link), metres east of the datum.
    pub east_m: f64,
    /// Reference point, metres north of the datum.
    pub north_m: f64,
    /// Yaw, radians CCW from east, in (−π, π].
    pub yaw_rad: f64,
    /// Ground speed along the body axis, m/s (negative reversing).
    pub speed_mps: f64,
    pub yaw_rate_rps: f64,
    /// Estimated track slip, 1 − 1/odometry scale (0.08 = 8 %).
    pub track_slip: f64,
    /// Turn scale: track speed differential over gauge ÷ yaw rate.
    pub turn_scale: f64,
    pub gyro_bias_rps: f64,
    /// Position covariance [[ee, en], [ne, nn]], m².
    pub position_cov_m2: [[f64; 2]; 2],
    pub sigma_east_m: f64,
    pub sigma_north_m: f64,
    /// Semi-major axis of the 1σ position ellipse, metres (what the quality verdict uses).
    pub sigma_h_m: f64,
    pub sigma_yaw_rad: f64,
    /// Seconds since the last accepted position fix.
    pub since_fix_s: f64,
    pub quality: Quality,
}

/// Why a GNSS measurement was not used.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RejectReason {
    /// The fix type is not a position measurement (no fix, receiver dead reckoning, manual, ...).
    NotAPositionFix(FixType),
    /// Non-finite or out-of-range values, or a covariance that is not positive definite.
    InvalidValues,
    /// Older than the history window allows.
    TooLate { lateness_s: f64, window_s: f64 },
    /// Outside the innovation gate (squared Mahalanobis distance above the gate).
    Innovation {
        mahalanobis_sq: f64,
        gate: f64,
        innovation_m: f64,
    },
    /// The filter is still aligning and cannot use this measurement yet.
    Aligning,
    /// The time stamp is implausibly far ahead of the newest measurement.
    TimeJump { ahead_s: f64, limit_s: f64 },
}

impl std::fmt::Display for RejectReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RejectReason::NotAPositionFix(t) => write!(f, "fix type {t:?} is not a position measurement"),
            RejectReason::InvalidValues => write!(f, "invalid values"),
            RejectReason::TooLate { lateness_s, window_s } => {
                write!(f, "{lateness_s:.3} s late, history window is {window_s:.3} s")
            }
            RejectReason::Innovation {
                mahalanobis_sq,
                gate,
                innovation_m,
            } => write!(
                f,
                "innovation {innovation_m:.3} (d²={mahalanobis_sq:.1} > gate {gate:.1}): outlier, e.g. multipath"
            ),
            RejectReason::Aligning => write!(f, "heading not yet aligned"),
            RejectReason::TimeJump { ahead_s, limit_s } => {
                write!(
                    f,
                    "time stamp {ahead_s:.3} s ahead of the newest measurement (limit {limit_s:.3} s)"
                )
            }
        }
    }
}

/// Which measurement an event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MeasurementKind {
    Odometry,
    Fix,
    Heading,
}

/// How the initial heading was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YawSource {
    /// From two fixes along a straight drive.
    FixBaseline,
    /// From dual-antenna heading.
    DualAntenna,
}

/// One decision of the estimator, at the time stamp of the measurement that caused it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LocalizeEvent {
    /// The filter started.
    Initialized {
        unix_time_s: f64,
        yaw_source: YawSource,
        sigma_yaw_rad: f64,
    },
    /// A measurement was not used.
    Rejected {
        unix_time_s: f64,
        kind: MeasurementKind,
        reason: RejectReason,
    },
    /// A run of consistent rejected fixes was accepted: the filter, not the receiver, was wrong.
    Reacquired {
        unix_time_s: f64,
        rejected_fixes: u32,
        jump_m: f64,
    },
    /// An RTK/DGPS fix with old corrections was weighted as a single fix.
    StaleCorrections { unix_time_s: f64, correction_age_s: f64 },
    /// No accepted fix for longer than the outage threshold: dead reckoning.
    OutageStarted { unix_time_s: f64, last_fix_s: f64 },
    /// A fix was accepted again.
    OutageEnded { unix_time_s: f64, duration_s: f64 },
    /// The quality verdict changed.
    QualityChanged {
        unix_time_s: f64,
        from: Quality,
        to: Quality,
    },
}

/// Running counters (decisions as finally taken, after any out-of-order replay).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LocalizerStats {
    pub odometry_used: u64,
    pub odometry_rejected: u64,
    pub fixes_used: u64,
    pub fixes_rejected: u64,
    pub headings_used: u64,
    pub headings_rejected: u64,
    pub reacquisitions: u64,
    pub outages: u64,
    /// Measurements that arrived out of order and were applied by replaying the history.
    pub replayed_late: u64,
    /// Measurements older than the history window (dropped).
    pub too_late: u64,
    /// Measurements refused for a forward time jump.
    pub time_jumps: u64,
}
