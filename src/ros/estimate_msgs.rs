//! The estimate as it travels between nodes: back from `odometry/filtered` into an
//! [`Estimate`] (with a quality verdict re-derived from the covariance), and the localizer's own
//! verdict as the `demine: localization` status on `/diagnostics`.

use r2r::builtin_interfaces::msg::Time;
use r2r::nav_msgs::msg::Odometry;

use super::msg::header;
use super::pose_msgs::odometry_pose;
use crate::localize::{Estimate, Quality, QualityThresholds};
use crate::ros_interface::frame;

/// The estimate back from `odometry/filtered` (what the tracker, mission and coverage nodes
/// receive). The quality verdict does not travel in the message: it is re-derived from the
/// covariance with `thresholds` (sigma conditions only; the localizer's verdict also needs a
/// recent RTK-fixed fix and is published on `/diagnostics`). `since_fix_s` is unknown (NaN).
pub fn odometry_to_estimate(msg: &Odometry, thresholds: &QualityThresholds) -> Option<Estimate> {
    let c = &msg.pose.covariance;
    if c.len() != 36 || msg.header.frame_id != frame::MAP {
        return None;
    }
    let p = odometry_pose(msg);
    let cov = [[c[0], c[1]], [c[6], c[7]]];
    let sigma_h_m = crate::gnss::HorizontalCovariance {
        east_east_m2: cov[0][0],
        east_north_m2: 0.5 * (cov[0][1] + cov[1][0]),
        north_north_m2: cov[1][1],
    }
    .semi_major_m();
    let sigma_yaw_rad = c[35].max(0.0).sqrt();
    let quality = if !(sigma_h_m.is_finite() && p.x_m.is_finite() && p.y_m.is_finite())
        || sigma_h_m > thresholds.degraded_max_sigma_h_m
    {
        Quality::Lost
    } else if sigma_h_m <= thresholds.good_max_sigma_h_m && sigma_yaw_rad <= thresholds.good_max_sigma_yaw_rad {
        Quality::Good
    } else {
        Quality::Degraded
    };
    Some(Estimate {
        unix_time_s: super::msg::seconds(&msg.header.stamp),
        east_m: p.x_m,
        north_m: p.y_m,
        yaw_rad: p.yaw_rad,
        speed_mps: msg.twist.twist.linear.x,
        yaw_rate_rps: msg.twist.twist.angular.z,
        track_slip: 0.0,
        turn_scale: 1.0,
        gyro_bias_rps: 0.0,
        position_cov_m2: cov,
        sigma_east_m: cov[0][0].max(0.0).sqrt(),
        sigma_north_m: cov[1][1].max(0.0).sqrt(),
        sigma_h_m,
        sigma_yaw_rad,
        since_fix_s: f64::NAN,
        quality,
    })
}

/// The localizer's verdict as a diagnostic status named `demine: localization`: Good → OK,
/// Degraded → WARN, Lost or aligning → ERROR, with the figures safety acts on.
pub fn localization_diagnostics(
    e: Option<&Estimate>,
    stats: &crate::localize::LocalizerStats,
    stamp: Time,
) -> r2r::diagnostic_msgs::msg::DiagnosticArray {
    use r2r::diagnostic_msgs::msg::{DiagnosticArray, DiagnosticStatus, KeyValue};
    let kv = |k: &str, v: String| KeyValue {
        key: k.to_string(),
        value: v,
    };
    let (level, message, mut values) = match e {
        None => (DiagnosticStatus::ERROR as u8, "aligning".to_string(), vec![]),
        Some(e) => (
            match e.quality {
                Quality::Good => DiagnosticStatus::OK as u8,
                Quality::Degraded => DiagnosticStatus::WARN as u8,
                Quality::Lost => DiagnosticStatus::ERROR as u8,
            },
            e.quality.as_str().to_string(),
            vec![
                kv("sigma_h_m", format!("{:.3}", e.sigma_h_m)),
                kv("sigma_yaw_rad", format!("{:.4}", e.sigma_yaw_rad)),
                kv("since_fix_s", format!("{:.1}", e.since_fix_s)),
                kv("track_slip", format!("{:.3}", e.track_slip)),
            ],
        ),
    };
    values.push(kv("fixes_used", stats.fixes_used.to_string()));
    values.push(kv("fixes_rejected", stats.fixes_rejected.to_string()));
    values.push(kv("outages", stats.outages.to_string()));
    DiagnosticArray {
        header: header(stamp, ""),
        status: vec![DiagnosticStatus {
            level,
            name: super::can_msgs::LOCALIZATION_STATUS.to_string(),
            message,
            hardware_id: "gnss".to_string(),
            values,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ros::msg::time;
    use crate::ros::pose_msgs::tests::estimate;
    use crate::ros::pose_msgs::{estimate_odometry, TwistVariance};

    #[test]
    fn estimate_survives_odometry_with_quality_from_sigma() {
        let tv = TwistVariance {
            speed_m2ps2: 1e-4,
            yaw_rate_rad2ps2: 1e-6,
        };
        let e = estimate();
        let o = estimate_odometry(&e, tv, crate::ros::msg::time(e.unix_time_s));
        let th = QualityThresholds::default();
        let b = odometry_to_estimate(&o, &th).unwrap();
        assert!((b.east_m - e.east_m).abs() < 1e-12 && (b.yaw_rad - e.yaw_rad).abs() < 1e-12);
        assert_eq!(b.position_cov_m2, e.position_cov_m2);
        assert!((b.sigma_yaw_rad - e.sigma_yaw_rad).abs() < 1e-12);
        assert!((b.unix_time_s - e.unix_time_s).abs() < 1e-6);
        assert_eq!(b.quality, Quality::Good);
        let mut wide = o.clone();
        wide.pose.covariance[0] = 0.09;
        assert_eq!(odometry_to_estimate(&wide, &th).unwrap().quality, Quality::Degraded);
        // σ 4 m: beyond `degraded_max_sigma_h_m` (3 m).
        wide.pose.covariance[0] = 16.0;
        assert_eq!(odometry_to_estimate(&wide, &th).unwrap().quality, Quality::Lost);
        wide.header.frame_id = "odom".into();
        assert!(odometry_to_estimate(&wide, &th).is_none(), "only map-frame estimates");
    }

    #[test]
    fn localization_verdict_maps_to_levels() {
        use r2r::diagnostic_msgs::msg::DiagnosticStatus;
        let stats = crate::localize::LocalizerStats::default();
        let d = localization_diagnostics(None, &stats, time(1.0));
        assert_eq!(d.status[0].level, DiagnosticStatus::ERROR as u8);
        let mut e = estimate();
        assert_eq!(
            localization_diagnostics(Some(&e), &stats, time(1.0)).status[0].level,
            DiagnosticStatus::OK as u8
        );
        e.quality = Quality::Degraded;
        let d = localization_diagnostics(Some(&e), &stats, time(1.0));
        assert_eq!(
            (d.status[0].level, d.status[0].message.as_str()),
            (DiagnosticStatus::WARN as u8, "Degraded")
        );
    }
}
