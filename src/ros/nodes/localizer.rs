//! `localizer`: the EKF of [`crate::localize`] between GNSS (`gps/fix` and the dual-antenna
//! heading on `gps/heading`, or NMEA with HDT read straight from `nmea_port`), wheel odometry
//! (`odometry/wheel`, from the CAN bridge, the built-in simulator or Gazebo's DiffDrive) and the
//! IMU yaw rate (`imu/data`); publishes the estimate as
//! `odometry/filtered` in `map` and owns the `map → odom → base_link` TF chain (REP-105).
//!
//! Parameters: `field` (its datum is the origin of `map`), `machine` (the track gauge), the
//! estimator's `LocalizerConfig` under `localizer.*` (same fields and validation as
//! `demine localize --config`), `gnss_status_fix_as` (what NavSatFix STATUS_FIX means:
//! `single` on a real receiver, `rtk_fixed` in Gazebo), `heading_source` ([`HeadingSource`]:
//! `gps_heading`, the default, subscribes `gps/heading`; `imu_orientation` takes the yaw of the
//! `imu/data` orientation, for Gazebo whose NavSat has no heading; `none` uses positions only),
//! `nmea_port` and `nmea_baud`.
//!
//! All time stamps must share one time base: ROS time (sim time in simulation) for topics; NMEA
//! fixes carry the receiver's UTC, so with `nmea_port` the host clock must be synchronised (and
//! `use_sim_time` off).

use std::pin::Pin;

use futures::{Stream, StreamExt};
use r2r::geometry_msgs::msg::QuaternionStamped;
use r2r::nav_msgs::msg::Odometry;
use r2r::sensor_msgs::msg::{Imu, NavSatFix};
use r2r::tf2_msgs::msg::TFMessage;

use crate::gnss::{FixType, GnssMeasurement};
use crate::localize::{LocalizeEvent, Localizer, LocalizerConfig};
use crate::ros::estimate_msgs::localization_diagnostics;
use crate::ros::gnss_msgs::{navsat_to_fix, NavSatMapping};
use crate::ros::heading_msgs::{imu_to_heading, msg_to_heading, HeadingMsgError, HeadingSource};
use crate::ros::msg::{seconds, time};
use crate::ros::params::{self, ParamError, ParamMap};
use crate::ros::pose_msgs::{
    estimate_odometry, imu_yaw_rate, odometry_sample, tf_chain, OdomIntegrator, TwistVariance,
};
use crate::ros::runtime::{now, shutdown_signal, NodeError, NodeHost};
use crate::ros::setup::Setup;
use crate::ros_interface::{rate, topic};

/// Parameters of the localizer beyond [`SETUP_KEYS`](crate::ros::setup::SETUP_KEYS) and the `localizer.*` tree.
pub const LOCALIZER_KEYS: [&str; 4] = ["gnss_status_fix_as", "heading_source", "nmea_port", "nmea_baud"];

/// Gyro readings older than this are not attached to an odometry sample, seconds.
const GYRO_MAX_AGE_S: f64 = 0.1;

/// The fix type NavSatFix STATUS_FIX stands for, from `gnss_status_fix_as`.
pub fn status_fix_as(map: &ParamMap) -> Result<FixType, ParamError> {
    let v = params::string(map, "gnss_status_fix_as")?.unwrap_or_else(|| "single".into());
    Ok(match v.as_str() {
        "single" => FixType::Single,
        "dgps" => FixType::Dgps,
        "rtk_float" => FixType::RtkFloat,
        "rtk_fixed" => FixType::RtkFixed,
        _ => {
            return Err(ParamError::Invalid {
                name: "gnss_status_fix_as".into(),
                value: v,
                why: "one of single, dgps, rtk_float, rtk_fixed".into(),
            })
        }
    })
}

/// Where the heading comes from, `heading_source` (default `gps_heading`).
pub fn heading_source(map: &ParamMap) -> Result<HeadingSource, ParamError> {
    let v = params::string(map, "heading_source")?.unwrap_or_else(|| "gps_heading".into());
    HeadingSource::parse(&v).ok_or_else(|| ParamError::Invalid {
        name: "heading_source".into(),
        value: v,
        why: format!("one of {}", HeadingSource::NAMES.join(", ")),
    })
}

/// Refused heading messages are logged at the first and then every this many.
const HEADING_REFUSAL_LOG_EVERY: u64 = 1000;

/// The estimator's config from `localizer.*`, the gauge taken from the machine profile unless
/// given, validated like the CLI's.
pub fn localizer_config(map: &ParamMap, track_gauge_m: f64) -> Result<LocalizerConfig, NodeError> {
    let mut cfg: LocalizerConfig = params::config(map, "localizer")?;
    if !map.contains_key("localizer.vehicle.track_gauge_m") {
        cfg.vehicle.track_gauge_m = track_gauge_m;
    }
    cfg.validate().map_err(|e| NodeError::Failed(e.to_string()))
}

fn spawn_nmea(port: String, baud: u32, tx: tokio::sync::mpsc::Sender<GnssMeasurement>) -> Result<(), NodeError> {
    let reader = crate::gnss::serial::open_serial(&port, baud, 200).map_err(|e| NodeError::Failed(e.to_string()))?;
    std::thread::spawn(move || {
        let mut r = crate::gnss::NmeaReader::new(reader);
        let mut asm = crate::gnss::EpochAssembler::new();
        let mut out = Vec::new();
        loop {
            match r.next_sentence() {
                Ok(Some(s)) => asm.push(s, &mut out),
                Ok(None) => break,
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => continue,
                Err(_) => break,
            }
            for m in out.drain(..) {
                if tx.blocking_send(m).is_err() {
                    return;
                }
            }
        }
    });
    Ok(())
}

pub async fn run() -> Result<(), NodeError> {
    let mut host = NodeHost::create("localizer")?;
    super::check_params("localizer", &host.params)?;
    let setup = Setup::from_params(&host.params)?;
    let cfg = localizer_config(&host.params, setup.machine.track_gauge_m)?;
    let gauge = cfg.vehicle.track_gauge_m;
    let mapping = NavSatMapping {
        status_fix_as: status_fix_as(&host.params)?,
        ..NavSatMapping::default()
    };
    let sigma = cfg.odometry.track_speed_sigma_mps;
    let tv = TwistVariance {
        speed_m2ps2: 0.5 * sigma * sigma,
        yaw_rate_rad2ps2: cfg.odometry.gyro_sigma_rps.powi(2),
    };
    let mut loc = Localizer::new(cfg, Some(setup.field.datum)).map_err(|e| NodeError::Failed(e.to_string()))?;

    let (nmea_tx, mut nmea_rx) = tokio::sync::mpsc::channel(64);
    if let Some(port) = params::string(&host.params, "nmea_port")? {
        let baud = params::float_in(&host.params, "nmea_baud", 115_200.0, 1200.0, 4_000_000.0)? as u32;
        spawn_nmea(port, baud, nmea_tx)?;
    } else {
        drop(nmea_tx);
    }
    let source = heading_source(&host.params)?;
    let mut fixes = host.subscribe::<NavSatFix>(topic::GNSS_FIX)?;
    let mut headings: Pin<Box<dyn Stream<Item = QuaternionStamped> + Send>> = match source {
        HeadingSource::GpsHeading => Box::pin(host.subscribe::<QuaternionStamped>(topic::GNSS_HEADING)?),
        HeadingSource::ImuOrientation | HeadingSource::None => Box::pin(futures::stream::pending()),
    };
    let mut imus = host.subscribe::<Imu>(topic::IMU)?;
    let mut wheels = host.subscribe::<Odometry>(topic::WHEEL_ODOMETRY)?;
    let odom_pub = host.publisher::<Odometry>(topic::FILTERED_ODOMETRY)?;
    let tf_pub = host.publisher::<TFMessage>(topic::TF)?;
    let diag_pub = host.publisher::<r2r::diagnostic_msgs::msg::DiagnosticArray>(topic::DIAGNOSTICS)?;
    let diag_every = (rate::LOCALIZER_HZ / rate::DIAGNOSTICS_HZ).round().max(1.0) as u64;
    let mut ticks: u64 = 0;
    let mut tick = host.timer(rate::LOCALIZER_HZ)?;
    let logger = host.logger();
    let clock = host.clock.clone();
    let spinner = host.spin();

    let mut odom = OdomIntegrator::new();
    let mut gyro: Option<(f64, f64)> = None;
    let mut refused_headings: u64 = 0;
    let mut refuse_heading = |from: &str, e: HeadingMsgError| {
        if refused_headings % HEADING_REFUSAL_LOG_EVERY == 0 {
            crate::ros_warn!(&logger, "{from} heading refused ({} so far): {e}", refused_headings + 1);
        }
        refused_headings += 1;
    };
    let report = |events: &[LocalizeEvent]| {
        for e in events {
            match e {
                LocalizeEvent::Rejected { .. } => crate::ros_info!(&logger, "{e:?}"),
                _ => crate::ros_info!(&logger, "{e:?}"),
            }
        }
    };
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            Some(m) = fixes.next() => match navsat_to_fix(&m, &mapping) {
                Ok(f) => report(&loc.push_fix(&f).events),
                Err(e) => crate::ros_warn!(&logger, "gps/fix refused: {e}"),
            },
            Some(m) = headings.next() => match msg_to_heading(&m) {
                Ok(h) => report(&loc.push_heading(h).events),
                Err(e) => refuse_heading("gps/heading", e),
            },
            Some(m) = nmea_rx.recv() => match m {
                GnssMeasurement::Fix(f) => report(&loc.push_fix(&f).events),
                GnssMeasurement::Heading(h) => report(&loc.push_heading(h).events),
            },
            Some(m) = imus.next() => {
                if let Some(w) = imu_yaw_rate(&m) {
                    gyro = Some((seconds(&m.header.stamp), w));
                }
                if source == HeadingSource::ImuOrientation {
                    match imu_to_heading(&m) {
                        Ok(h) => report(&loc.push_heading(h).events),
                        Err(e) => refuse_heading("imu/data orientation", e),
                    }
                }
            }
            Some(m) = wheels.next() => {
                let t = seconds(&m.header.stamp);
                let g = gyro.filter(|(tg, _)| (t - tg).abs() <= GYRO_MAX_AGE_S).map(|(_, w)| w);
                if let Some(s) = odometry_sample(&m, gauge, g, t) {
                    odom.step(t, 0.5 * (s.left_track_mps + s.right_track_mps), g.unwrap_or((s.right_track_mps - s.left_track_mps) / gauge));
                    report(&loc.push_odometry(s).events);
                }
            }
            r = tick.tick() => {
                r?;
                ticks += 1;
                if ticks % diag_every == 0 {
                    diag_pub.publish(&localization_diagnostics(loc.estimate().as_ref(), &loc.stats(), now(&clock)))?;
                }
                if let Some(e) = loc.estimate() {
                    let stamp = time(e.unix_time_s);
                    odom_pub.publish(&estimate_odometry(&e, tv, stamp.clone()))?;
                    tf_pub.publish(&TFMessage { transforms: tf_chain(&e, odom.pose, stamp) })?;
                } else {
                    crate::ros_info!(&logger, "aligning at {:?}", now(&clock));
                }
            }
            _ = &mut shutdown => break,
        }
    }
    spinner.stop();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use r2r::ParameterValue;

    #[test]
    fn parameters_map_onto_the_estimator_config() {
        let mut m = ParamMap::new();
        assert_eq!(status_fix_as(&m).unwrap(), FixType::Single);
        m.insert("gnss_status_fix_as".into(), ParameterValue::String("rtk_fixed".into()));
        assert_eq!(status_fix_as(&m).unwrap(), FixType::RtkFixed);
        assert_eq!(heading_source(&m).unwrap(), HeadingSource::GpsHeading);
        m.insert(
            "heading_source".into(),
            ParameterValue::String("imu_orientation".into()),
        );
        assert_eq!(heading_source(&m).unwrap(), HeadingSource::ImuOrientation);
        m.insert("heading_source".into(), ParameterValue::String("imu".into()));
        let e = heading_source(&m).unwrap_err().to_string();
        assert!(e.contains("gps_heading, imu_orientation, none"), "{e}");
        m.insert("gnss_status_fix_as".into(), ParameterValue::String("rtk".into()));
        assert!(status_fix_as(&m).is_err());
        let c = localizer_config(&m, 1.3).unwrap();
        assert_eq!(c.vehicle.track_gauge_m, 1.3);
        m.insert("localizer.vehicle.track_gauge_m".into(), ParameterValue::Double(1.5));
        assert_eq!(localizer_config(&m, 1.3).unwrap().vehicle.track_gauge_m, 1.5);
        m.insert("localizer.history_window_s".into(), ParameterValue::Double(-1.0));
        assert!(localizer_config(&m, 1.3).is_err(), "the CLI's validation applies");
    }
}
