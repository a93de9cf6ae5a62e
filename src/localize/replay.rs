//! Replays logged GNSS measurements and odometry through a [`Localizer`] in time order, producing
//! one EST.csv row per odometry sample (the estimate as it was known at that sample, as on the
//! machine) and a summary of the estimator's decisions.

use std::io::Write;

use crate::gnss::GnssMeasurement;
use crate::localize::core::OdometrySample;
use crate::localize::localizer::Localizer;
use crate::localize::output::{LocalizeEvent, LocalizerStats, MeasurementKind, RejectReason};
use crate::localize::quality::Quality;

/// EST.csv header.
pub const EST_HEADER: &str =
    "unix_time_s,lat_deg,lon_deg,east_m,north_m,yaw_rad,speed_mps,sigma_east_m,sigma_north_m,sigma_yaw_rad,quality";

/// Counts of rejected fixes by reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RejectionCounts {
    pub innovation: u64,
    pub not_a_position_fix: u64,
    pub aligning: u64,
    pub invalid: u64,
    /// Too late for the history window, or a forward time jump.
    pub too_late: u64,
}

/// What a replay did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReplaySummary {
    pub rows: u64,
    /// Rows with an estimate (after alignment).
    pub rows_estimated: u64,
    /// Fixes handed to the estimator, and what became of each as it arrived: used + rejected = fixes.
    pub fixes: u64,
    pub fixes_used: u64,
    pub fixes_rejected: u64,
    pub stats: LocalizerStats,
    /// Rejected fixes by reason, as reported when they arrived.
    pub fix_rejections: RejectionCounts,
    pub stale_correction_fixes: u64,
    pub final_quality: Quality,
    /// Rows per quality.
    pub rows_good: u64,
    pub rows_degraded: u64,
    pub rows_lost: u64,
}

/// Run the replay, writing EST.csv (header included) to `out`.
pub fn replay_to_csv<W: Write>(
    localizer: &mut Localizer,
    gnss: &[GnssMeasurement],
    odometry: &[OdometrySample],
    mut out: W,
) -> std::io::Result<ReplaySummary> {
    writeln!(out, "{EST_HEADER}")?;
    let mut summary = ReplaySummary {
        rows: 0,
        rows_estimated: 0,
        fixes: 0,
        fixes_used: 0,
        fixes_rejected: 0,
        stats: LocalizerStats::default(),
        fix_rejections: RejectionCounts::default(),
        stale_correction_fixes: 0,
        final_quality: Quality::Lost,
        rows_good: 0,
        rows_degraded: 0,
        rows_lost: 0,
    };
    let time_of = |m: &GnssMeasurement| match m {
        GnssMeasurement::Fix(f) => f.unix_time_s,
        GnssMeasurement::Heading(h) => h.unix_time_s,
    };
    let mut next = 0;
    let mut line = String::with_capacity(160);
    for o in odometry {
        while next < gnss.len() && time_of(&gnss[next]) <= o.unix_time_s {
            push_gnss(localizer, &gnss[next], &mut summary);
            next += 1;
        }
        let step = localizer.push_odometry(*o);
        count_events(&step.events, &mut summary);
        line.clear();
        format_row(localizer, o.unix_time_s, step.estimate.as_ref(), &mut line);
        writeln!(out, "{line}")?;
        summary.rows += 1;
        summary.rows_estimated += u64::from(step.estimate.is_some());
        match step.estimate.map_or(Quality::Lost, |e| e.quality) {
            Quality::Good => summary.rows_good += 1,
            Quality::Degraded => summary.rows_degraded += 1,
            Quality::Lost => summary.rows_lost += 1,
        }
    }
    for m in &gnss[next..] {
        push_gnss(localizer, m, &mut summary);
    }
    summary.stats = localizer.stats();
    summary.final_quality = localizer.quality();
    Ok(summary)
}

fn push_gnss(localizer: &mut Localizer, m: &GnssMeasurement, summary: &mut ReplaySummary) {
    let out = match m {
        GnssMeasurement::Fix(f) => localizer.push_fix(f),
        GnssMeasurement::Heading(h) => localizer.push_heading(*h),
    };
    let fix_rejected = count_events(&out.events, summary);
    if matches!(m, GnssMeasurement::Fix(_)) {
        summary.fixes += 1;
        if fix_rejected {
            summary.fixes_rejected += 1;
        } else {
            summary.fixes_used += 1;
        }
    }
}

/// Count the events; true when one of them rejects a fix.
fn count_events(events: &[LocalizeEvent], s: &mut ReplaySummary) -> bool {
    let mut fix_rejected = false;
    for e in events {
        match e {
            LocalizeEvent::Rejected {
                kind: MeasurementKind::Fix,
                reason,
                ..
            } => {
                fix_rejected = true;
                let c = &mut s.fix_rejections;
                match reason {
                    RejectReason::Innovation { .. } => c.innovation += 1,
                    RejectReason::NotAPositionFix(_) => c.not_a_position_fix += 1,
                    RejectReason::Aligning => c.aligning += 1,
                    RejectReason::InvalidValues => c.invalid += 1,
                    RejectReason::TooLate { .. } | RejectReason::TimeJump { .. } => c.too_late += 1,
                }
            }
            LocalizeEvent::StaleCorrections { .. } => s.stale_correction_fixes += 1,
            _ => {}
        }
    }
    fix_rejected
}

/// One EST.csv row; before alignment the numeric fields are empty and the quality is `Lost`.
fn format_row(localizer: &Localizer, t: f64, e: Option<&crate::localize::Estimate>, line: &mut String) {
    use std::fmt::Write as _;
    let _ = write!(line, "{t:.3},");
    match (e, e.and_then(|e| localizer.to_latlon(e))) {
        (Some(e), Some(ll)) => {
            let _ = write!(
                line,
                "{:.9},{:.9},{:.4},{:.4},{:.5},{:.4},{:.4},{:.4},{:.5},{}",
                ll.lat_deg,
                ll.lon_deg,
                e.east_m,
                e.north_m,
                e.yaw_rad,
                e.speed_mps,
                e.sigma_east_m,
                e.sigma_north_m,
                e.sigma_yaw_rad,
                e.quality
            );
        }
        _ => line.push_str(",,,,,,,,,Lost"),
    }
}
