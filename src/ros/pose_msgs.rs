//! The estimate as `nav_msgs/Odometry` in `map`, the REP-105 TF chain `map → odom → base_link`,
//! track speeds as wheel odometry in `odom`, and the odometry/IMU messages back into the
//! localizer's [`OdometrySample`].
//!
//! `odom → base_link` is the dead-reckoned pose ([`OdomIntegrator`]: continuous, drifts);
//! `map → odom` is what makes `map → base_link` equal the estimate:
//! `map→odom = map→base_link · (odom→base_link)⁻¹`. The localizer owns both; nobody else
//! publishes them (Gazebo's DiffDrive TF is not bridged).

use r2r::builtin_interfaces::msg::Time;
use r2r::geometry_msgs::msg::{PoseWithCovariance, TransformStamped, Twist, TwistWithCovariance};
use r2r::nav_msgs::msg::Odometry;
use r2r::sensor_msgs::msg::Imu;

use super::msg::{header, planar_pose, planar_transform, quaternion_yaw, vector3};
use crate::localize::{Estimate, OdometrySample};
use crate::ros_interface::frame;

/// Variance given to what a planar estimator does not observe (z, roll, pitch, lateral and
/// vertical speed, roll and pitch rates): large, never zero (REP-105 / §3.5 of the notes).
pub const UNOBSERVED_VARIANCE: f64 = 1.0e6;

/// A planar pose, metres and radians (yaw counter-clockwise from the parent frame's x).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pose2 {
    pub x_m: f64,
    pub y_m: f64,
    pub yaw_rad: f64,
}

impl Pose2 {
    pub const IDENTITY: Pose2 = Pose2 {
        x_m: 0.0,
        y_m: 0.0,
        yaw_rad: 0.0,
    };

    /// `self · other` (apply `other` in this pose's frame).
    pub fn compose(&self, other: &Pose2) -> Pose2 {
        let (s, c) = self.yaw_rad.sin_cos();
        Pose2 {
            x_m: self.x_m + c * other.x_m - s * other.y_m,
            y_m: self.y_m + s * other.x_m + c * other.y_m,
            yaw_rad: crate::localize::wrap_angle_rad(self.yaw_rad + other.yaw_rad),
        }
    }

    pub fn inverse(&self) -> Pose2 {
        let (s, c) = self.yaw_rad.sin_cos();
        Pose2 {
            x_m: -(c * self.x_m + s * self.y_m),
            y_m: s * self.x_m - c * self.y_m,
            yaw_rad: crate::localize::wrap_angle_rad(-self.yaw_rad),
        }
    }
}

/// Dead reckoning from track speeds: the continuous `odom → base_link` pose.
#[derive(Clone, Debug)]
pub struct OdomIntegrator {
    pub pose: Pose2,
    last_s: Option<f64>,
}

impl Default for OdomIntegrator {
    fn default() -> Self {
        Self::new()
    }
}

impl OdomIntegrator {
    pub fn new() -> Self {
        Self {
            pose: Pose2::IDENTITY,
            last_s: None,
        }
    }

    /// Integrate body speed `speed_mps` and yaw rate `yaw_rate_rps` held since the last call.
    /// Steps backwards in time or longer than 1 s are not integrated (they only reset the clock).
    ///
    /// # Units
    /// `t_s` seconds, `speed_mps` m/s, `yaw_rate_rps` rad/s.
    pub fn step(&mut self, t_s: f64, speed_mps: f64, yaw_rate_rps: f64) -> Pose2 {
        if let Some(last) = self.last_s {
            let dt = t_s - last;
            if dt > 0.0 && dt <= 1.0 && speed_mps.is_finite() && yaw_rate_rps.is_finite() {
                let mid = self.pose.yaw_rad + 0.5 * yaw_rate_rps * dt;
                self.pose.x_m += speed_mps * dt * mid.cos();
                self.pose.y_m += speed_mps * dt * mid.sin();
                self.pose.yaw_rad = crate::localize::wrap_angle_rad(self.pose.yaw_rad + yaw_rate_rps * dt);
            }
        }
        self.last_s = Some(t_s);
        self.pose
    }
}

/// Variances of the estimate's twist (the estimate carries none of its own).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TwistVariance {
    /// Forward speed variance, (m/s)².
    pub speed_m2ps2: f64,
    /// Yaw-rate variance, (rad/s)².
    pub yaw_rate_rad2ps2: f64,
}

fn cov6(diag: [f64; 6]) -> Vec<f64> {
    let mut c = vec![0.0; 36];
    for (i, d) in diag.iter().enumerate() {
        c[i * 7] = *d;
    }
    c
}

/// The estimate as `nav_msgs/Odometry`: pose in `map`, twist in `base_link`, covariance rows
/// (x, y, z, roll, pitch, yaw) with the estimate's 2×2 position block and yaw variance.
pub fn estimate_odometry(e: &Estimate, tv: TwistVariance, stamp: Time) -> Odometry {
    let mut pose_cov = cov6([
        e.position_cov_m2[0][0],
        e.position_cov_m2[1][1],
        UNOBSERVED_VARIANCE,
        UNOBSERVED_VARIANCE,
        UNOBSERVED_VARIANCE,
        e.sigma_yaw_rad * e.sigma_yaw_rad,
    ]);
    pose_cov[1] = e.position_cov_m2[0][1];
    pose_cov[6] = e.position_cov_m2[1][0];
    Odometry {
        header: header(stamp, frame::MAP),
        child_frame_id: frame::BASE_LINK.to_string(),
        pose: PoseWithCovariance {
            pose: planar_pose(e.east_m, e.north_m, e.yaw_rad),
            covariance: pose_cov,
        },
        twist: TwistWithCovariance {
            twist: Twist {
                linear: vector3(e.speed_mps, 0.0, 0.0),
                angular: vector3(0.0, 0.0, e.yaw_rate_rps),
            },
            covariance: cov6([
                tv.speed_m2ps2,
                UNOBSERVED_VARIANCE,
                UNOBSERVED_VARIANCE,
                UNOBSERVED_VARIANCE,
                UNOBSERVED_VARIANCE,
                tv.yaw_rate_rad2ps2,
            ]),
        },
    }
}

/// `map → odom` such that `map → odom → base_link` equals the estimate.
pub fn map_to_odom(map_base: Pose2, odom_base: Pose2) -> Pose2 {
    map_base.compose(&odom_base.inverse())
}

/// The two transforms the localizer owns, in one `/tf` message's order.
pub fn tf_chain(e: &Estimate, odom_base: Pose2, stamp: Time) -> Vec<TransformStamped> {
    let map_base = Pose2 {
        x_m: e.east_m,
        y_m: e.north_m,
        yaw_rad: e.yaw_rad,
    };
    let mo = map_to_odom(map_base, odom_base);
    vec![
        planar_transform(stamp.clone(), frame::MAP, frame::ODOM, mo.x_m, mo.y_m, mo.yaw_rad),
        planar_transform(
            stamp,
            frame::ODOM,
            frame::BASE_LINK,
            odom_base.x_m,
            odom_base.y_m,
            odom_base.yaw_rad,
        ),
    ]
}

/// Track speeds as wheel odometry: pose = the dead-reckoned `odom` pose, twist in `base_link`.
///
/// # Units
/// `left_mps`, `right_mps` m/s; `track_gauge_m` metres; `speed_sigma_mps` 1σ of one track speed.
pub fn track_odometry(
    left_mps: f64,
    right_mps: f64,
    track_gauge_m: f64,
    speed_sigma_mps: f64,
    odom_pose: Pose2,
    stamp: Time,
) -> Odometry {
    let v = 0.5 * (left_mps + right_mps);
    let w = (right_mps - left_mps) / track_gauge_m;
    let var = speed_sigma_mps * speed_sigma_mps;
    Odometry {
        header: header(stamp, frame::ODOM),
        child_frame_id: frame::BASE_LINK.to_string(),
        pose: PoseWithCovariance {
            pose: planar_pose(odom_pose.x_m, odom_pose.y_m, odom_pose.yaw_rad),
            // dead reckoning: position uncertainty grows without bound
            covariance: cov6([UNOBSERVED_VARIANCE; 6]),
        },
        twist: TwistWithCovariance {
            twist: Twist {
                linear: vector3(v, 0.0, 0.0),
                angular: vector3(0.0, 0.0, w),
            },
            covariance: cov6([
                0.5 * var,
                UNOBSERVED_VARIANCE,
                UNOBSERVED_VARIANCE,
                UNOBSERVED_VARIANCE,
                UNOBSERVED_VARIANCE,
                2.0 * var / (track_gauge_m * track_gauge_m),
            ]),
        },
    }
}

/// Wheel odometry (ours or Gazebo's DiffDrive) back into track speeds for the localizer, with the
/// gyro's yaw rate when one is given. `None` for non-finite speeds.
///
/// # Units
/// `unix_time_s` seconds (the message stamp), `track_gauge_m` metres, `gyro_rps` rad/s.
pub fn odometry_sample(
    msg: &Odometry,
    track_gauge_m: f64,
    gyro_rps: Option<f64>,
    unix_time_s: f64,
) -> Option<OdometrySample> {
    let v = msg.twist.twist.linear.x;
    let w = msg.twist.twist.angular.z;
    if !v.is_finite() || !w.is_finite() {
        return None;
    }
    Some(OdometrySample {
        unix_time_s,
        left_track_mps: v - 0.5 * w * track_gauge_m,
        right_track_mps: v + 0.5 * w * track_gauge_m,
        yaw_rate_rps: gyro_rps,
    })
}

/// The gyro yaw rate of an IMU message (its z axis is the body's up axis), rad/s; `None` when the
/// message says angular velocity is not provided (covariance element 0 = −1, REP-145) or it is
/// not finite.
pub fn imu_yaw_rate(msg: &Imu) -> Option<f64> {
    if msg.angular_velocity_covariance.first() == Some(&-1.0) {
        return None;
    }
    let w = msg.angular_velocity.z;
    w.is_finite().then_some(w)
}

/// The planar pose of an odometry message.
pub fn odometry_pose(msg: &Odometry) -> Pose2 {
    Pose2 {
        x_m: msg.pose.pose.position.x,
        y_m: msg.pose.pose.position.y,
        yaw_rad: quaternion_yaw(&msg.pose.pose.orientation),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::localize::Quality;
    use crate::ros::msg::{identity_quaternion, time};

    pub(crate) fn estimate() -> Estimate {
        Estimate {
            unix_time_s: 100.0,
            east_m: 12.0,
            north_m: -3.0,
            yaw_rad: 0.7,
            speed_mps: 0.14,
            yaw_rate_rps: 0.01,
            track_slip: 0.05,
            turn_scale: 1.0,
            gyro_bias_rps: 0.0,
            position_cov_m2: [[0.0004, 0.0001], [0.0001, 0.0009]],
            sigma_east_m: 0.02,
            sigma_north_m: 0.03,
            sigma_h_m: 0.031,
            sigma_yaw_rad: 0.01,
            since_fix_s: 0.1,
            quality: Quality::Good,
        }
    }

    #[test]
    fn odometry_carries_pose_twist_and_covariance() {
        let tv = TwistVariance {
            speed_m2ps2: 1e-4,
            yaw_rate_rad2ps2: 1e-6,
        };
        let o = estimate_odometry(&estimate(), tv, time(100.0));
        assert_eq!(
            (o.header.frame_id.as_str(), o.child_frame_id.as_str()),
            ("map", "base_link")
        );
        assert_eq!(o.pose.pose.position.x, 12.0);
        assert!((quaternion_yaw(&o.pose.pose.orientation) - 0.7).abs() < 1e-12);
        let c = &o.pose.covariance;
        assert_eq!(c.len(), 36);
        assert_eq!((c[0], c[1], c[6], c[7]), (0.0004, 0.0001, 0.0001, 0.0009));
        assert!((c[35] - 1e-4).abs() < 1e-15);
        assert_eq!(c[14], UNOBSERVED_VARIANCE);
        // symmetric
        for i in 0..6 {
            for j in 0..6 {
                assert_eq!(c[i * 6 + j], c[j * 6 + i]);
            }
        }
        assert_eq!(o.twist.twist.linear.x, 0.14);
        assert_eq!(o.twist.covariance[0], 1e-4);
        assert_eq!(o.twist.covariance[35], 1e-6);
    }

    #[test]
    fn tf_chain_composes_to_the_estimate() {
        let e = estimate();
        let odom_base = Pose2 {
            x_m: 3.0,
            y_m: 1.0,
            yaw_rad: 0.4,
        };
        let tf = tf_chain(&e, odom_base, time(100.0));
        assert_eq!(tf[0].header.frame_id, "map");
        assert_eq!(tf[0].child_frame_id, "odom");
        assert_eq!(tf[1].header.frame_id, "odom");
        assert_eq!(tf[1].child_frame_id, "base_link");
        let p = |t: &TransformStamped| Pose2 {
            x_m: t.transform.translation.x,
            y_m: t.transform.translation.y,
            yaw_rad: quaternion_yaw(&t.transform.rotation),
        };
        let map_base = p(&tf[0]).compose(&p(&tf[1]));
        assert!((map_base.x_m - e.east_m).abs() < 1e-9);
        assert!((map_base.y_m - e.north_m).abs() < 1e-9);
        assert!((map_base.yaw_rad - e.yaw_rad).abs() < 1e-9);
    }

    #[test]
    fn integrator_drives_a_quarter_circle() {
        let mut i = OdomIntegrator::new();
        // 1 m/s at π/2 rad per 10 s: radius 10/(π/2)
        let w = std::f64::consts::FRAC_PI_2 / 10.0;
        for k in 0..=1000 {
            i.step(k as f64 * 0.01, 1.0, w);
        }
        let r = 1.0 / w;
        assert!(
            (i.pose.x_m - r).abs() < 1e-3 && (i.pose.y_m - r).abs() < 1e-3,
            "{:?}",
            i.pose
        );
        // a time step backwards or a gap is not integrated
        let before = i.pose;
        i.step(5.0, 1.0, 0.0);
        i.step(50.0, 1.0, 0.0);
        assert_eq!(i.pose, before);
    }

    #[test]
    fn track_speeds_round_trip_through_wheel_odometry() {
        let o = track_odometry(0.2, 0.4, 1.3, 0.005, Pose2::IDENTITY, time(1.0));
        assert_eq!(
            (o.header.frame_id.as_str(), o.child_frame_id.as_str()),
            ("odom", "base_link")
        );
        assert!((o.twist.twist.linear.x - 0.3).abs() < 1e-12);
        assert!((o.twist.twist.angular.z - 0.2 / 1.3).abs() < 1e-12);
        let s = odometry_sample(&o, 1.3, Some(0.15), 1.0).unwrap();
        assert!((s.left_track_mps - 0.2).abs() < 1e-12 && (s.right_track_mps - 0.4).abs() < 1e-12);
        assert_eq!(s.yaw_rate_rps, Some(0.15));
        assert_eq!(odometry_pose(&o), Pose2::IDENTITY);
    }

    #[test]
    fn imu_yaw_rate_honours_not_provided() {
        let mut imu = Imu {
            header: header(time(1.0), "imu_link"),
            orientation: identity_quaternion(),
            orientation_covariance: vec![-1.0; 9],
            angular_velocity: vector3(0.0, 0.0, 0.05),
            angular_velocity_covariance: vec![0.0; 9],
            linear_acceleration: vector3(0.0, 0.0, 9.81),
            linear_acceleration_covariance: vec![0.0; 9],
        };
        assert_eq!(imu_yaw_rate(&imu), Some(0.05));
        imu.angular_velocity_covariance[0] = -1.0;
        assert_eq!(imu_yaw_rate(&imu), None);
    }
}
