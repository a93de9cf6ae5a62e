//! `demine localize`: replay a GNSS log (NMEA 0183) and a track-odometry log through the estimator
//! and write one estimate per odometry sample (EST.csv), with a summary on stderr.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;

use anyhow::{bail, Context};

use demine::geodesy::{Datum, LatLon};
use demine::gnss::nmea::NmeaDate;
use demine::gnss::{read_nmea_log_dated, GnssMeasurement};
use demine::localize::imu::{merge_imu, read_imu_csv};
use demine::localize::replay::replay_to_csv;
use demine::localize::tracks::read_tracks_csv;
use demine::localize::{Localizer, LocalizerConfig, OdometrySample};

#[derive(clap::Args)]
pub struct LocalizeArgs {
    /// NMEA 0183 log (GGA for time and position, RMC for the date, GST for sigmas, HDT for heading).
    #[arg(long, value_name = "GNSS.nmea")]
    pub nmea: PathBuf,
    /// Track odometry CSV: unix_time_s,left_track_mps,right_track_mps[,yaw_rate_rps].
    #[arg(long, value_name = "TRACKS.csv")]
    pub odometry: PathBuf,
    /// Origin of the local frame as LAT,LON[,ALT] (degrees, WGS84; ellipsoidal height in metres,
    /// default 0); default: the first usable fix.
    #[arg(long, value_name = "LAT,LON[,ALT]")]
    pub datum: Option<String>,
    /// Estimator configuration (YAML, fields of `LocalizerConfig`; missing fields take defaults).
    #[arg(long, value_name = "localize.yaml")]
    pub config: Option<PathBuf>,
    /// Optional IMU log: unix_time_s,yaw_rate_rps[,yaw_rad]; its gyro replaces any yaw_rate_rps
    /// column of the odometry log.
    #[arg(long, value_name = "IMU.csv")]
    pub imu: Option<PathBuf>,
    /// UTC date (YYYY-MM-DD) for a log without RMC sentences (otherwise its fixes are undated).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
    /// Output CSV, one row per odometry sample.
    #[arg(long, value_name = "EST.csv")]
    pub out: PathBuf,
}

/// Parse `LAT,LON[,ALT]` (degrees, degrees, metres).
pub fn parse_datum(s: &str) -> anyhow::Result<Datum> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    let (lat, lon, alt) = match parts[..] {
        [lat, lon] => (lat, lon, "0"),
        [lat, lon, alt] => (lat, lon, alt),
        _ => bail!("--datum {s:?}: expected LAT,LON[,ALT] in degrees (and metres), e.g. 39.8123,46.7512,610"),
    };
    let lat_deg: f64 = lat
        .parse()
        .with_context(|| format!("--datum: latitude {lat:?} is not a number"))?;
    let lon_deg: f64 = lon
        .parse()
        .with_context(|| format!("--datum: longitude {lon:?} is not a number"))?;
    let alt_m: f64 = alt
        .parse()
        .with_context(|| format!("--datum: height {alt:?} is not a number"))?;
    let origin = LatLon {
        lat_deg,
        lon_deg,
        alt_m,
    };
    if !origin.is_valid() {
        bail!("--datum {s:?}: latitude must be within ±90°, longitude within ±180°, height finite");
    }
    Ok(Datum::new(origin))
}

/// Parse `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> anyhow::Result<NmeaDate> {
    let parts: Vec<&str> = s.trim().split('-').collect();
    let bad = || anyhow::anyhow!("--date {s:?}: expected YYYY-MM-DD (UTC), e.g. 2026-11-26");
    let [y, m, d] = parts[..] else { return Err(bad()) };
    let (year, month, day): (i32, u8, u8) = (
        y.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        d.parse().map_err(|_| bad())?,
    );
    let date = NmeaDate { year, month, day };
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    };
    if !(1970..=2200).contains(&year) || day == 0 || day > days_in_month {
        return Err(bad());
    }
    Ok(date)
}

/// GPS time runs ahead of UTC by this many seconds since 2017 (a log stamped in GPS time).
const GPS_UTC_LEAP_S: f64 = 18.0;

pub fn run(a: LocalizeArgs) -> anyhow::Result<()> {
    let date = a.date.as_deref().map(parse_date).transpose()?;
    let datum = a.datum.as_deref().map(parse_datum).transpose()?;
    let config = match &a.config {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("{}: cannot read", p.display()))?;
            serde_norway::from_str::<LocalizerConfig>(&text)
                .with_context(|| format!("{}: not a localizer config", p.display()))?
        }
        None => LocalizerConfig::default(),
    };
    let mut localizer = Localizer::new(config, datum).context("localizer configuration")?;

    let nmea_name = a.nmea.display().to_string();
    let nmea_file = File::open(&a.nmea).with_context(|| format!("{nmea_name}: cannot open"))?;
    let (gnss, nmea_stats, epoch_stats) = read_nmea_log_dated(BufReader::new(nmea_file), &nmea_name, date)?;
    let odo_name = a.odometry.display().to_string();
    let odo_file = File::open(&a.odometry).with_context(|| format!("{odo_name}: cannot open"))?;
    let mut odometry = read_tracks_csv(BufReader::new(odo_file), &odo_name)?;
    if odometry.is_empty() {
        bail!("{odo_name}: no odometry samples");
    }
    if nmea_stats.sentences == 0 {
        bail!(
            "{nmea_name}: no valid NMEA sentence ({} garbage, {} bad checksum, {} truncated, {} malformed lines): not an NMEA 0183 log?",
            nmea_stats.garbage,
            nmea_stats.bad_checksum,
            nmea_stats.truncated,
            nmea_stats.malformed
        );
    }
    let fix_count = gnss.iter().filter(|m| matches!(m, GnssMeasurement::Fix(_))).count();
    if fix_count == 0 {
        if epoch_stats.undated > 0 {
            bail!(
                "{nmea_name}: {} GGA epochs but no RMC gives their date; pass --date YYYY-MM-DD (UTC)",
                epoch_stats.undated
            );
        }
        bail!(
            "{nmea_name}: {} sentences but no GGA epoch with a position (epochs without position: {})",
            nmea_stats.sentences,
            epoch_stats.without_position
        );
    }
    if epoch_stats.undated > 0 {
        eprintln!(
            "localize: WARNING: {nmea_name}: {} GGA epochs before the first RMC were dropped (no date); --date YYYY-MM-DD keeps them",
            epoch_stats.undated
        );
    }

    if let Some(p) = &a.imu {
        let imu_name = p.display().to_string();
        let f = File::open(p).with_context(|| format!("{imu_name}: cannot open"))?;
        let imu = read_imu_csv(BufReader::new(f), &imu_name)?;
        let merged = merge_imu(&mut odometry, &imu);
        eprintln!(
            "localize: IMU {imu_name}: {} rows, gyro on {merged} of {} odometry samples",
            imu.len(),
            odometry.len()
        );
        if merged * 2 < odometry.len() {
            eprintln!(
                "localize: WARNING: {imu_name}: the IMU covers less than half of the odometry log (time stamps?)"
            );
        }
    }
    warn_time_overlap(&gnss, &odometry, &nmea_name, &odo_name);

    let out_name = a.out.display().to_string();
    let out = File::create(&a.out).with_context(|| format!("{out_name}: cannot create"))?;
    let mut out = BufWriter::new(out);
    let s = replay_to_csv(&mut localizer, &gnss, &odometry, &mut out)
        .with_context(|| format!("{out_name}: write failed"))?;
    out.flush().with_context(|| format!("{out_name}: write failed"))?;

    let pct = |n: u64| 100.0 * n as f64 / s.rows.max(1) as f64;
    let r = s.fix_rejections;
    eprintln!(
        "localize: {} odometry samples → {} rows in {out_name}",
        odometry.len(),
        s.rows
    );
    eprintln!(
        "  NMEA {nmea_name}: {} sentences decoded; skipped {} bad checksum, {} truncated, {} garbage, {} malformed, {} unused types",
        nmea_stats.sentences,
        nmea_stats.bad_checksum,
        nmea_stats.truncated,
        nmea_stats.garbage,
        nmea_stats.malformed,
        nmea_stats.unsupported
    );
    eprintln!(
        "  epochs: {} fixes, {} headings, {} without date (before the first RMC), {} without position",
        epoch_stats.fixes, epoch_stats.headings, epoch_stats.undated, epoch_stats.without_position
    );
    eprintln!(
        "  fixes {}: used {}, rejected {} (innovation gate {}, no position fix {}, aligning {}, invalid {}, too late or time jump {}); re-acquisitions {}; stale corrections {}",
        s.fixes,
        s.fixes_used,
        s.fixes_rejected,
        r.innovation,
        r.not_a_position_fix,
        r.aligning,
        r.invalid,
        r.too_late,
        s.stats.reacquisitions,
        s.stale_correction_fixes
    );
    eprintln!(
        "  headings used {}, rejected {}",
        s.stats.headings_used, s.stats.headings_rejected
    );
    eprintln!("  outages {}", s.stats.outages);
    eprintln!(
        "  quality: Good {:.1} %, Degraded {:.1} %, Lost {:.1} % of rows; final quality {}",
        pct(s.rows_good),
        pct(s.rows_degraded),
        pct(s.rows_lost),
        s.final_quality
    );
    if let Some(d) = localizer.datum() {
        eprintln!("  datum {:.9},{:.9}", d.origin.lat_deg, d.origin.lon_deg);
    }
    let usable = s.rows_good + s.rows_degraded;
    if usable * 2 < s.rows {
        bail!(
            "only {usable} of {} rows ({:.1} %) have an estimate that is not Lost ({} rows aligned at all): see the warnings and the summary above; {out_name} is written but not trustworthy",
            s.rows,
            pct(usable),
            s.rows_estimated
        );
    }
    Ok(())
}

/// Warn loudly when the two logs do not cover the same time (a log stamped in another clock, GPS
/// time instead of UTC, a wrong --date).
fn warn_time_overlap(gnss: &[GnssMeasurement], odometry: &[OdometrySample], nmea_name: &str, odo_name: &str) {
    let times = || {
        gnss.iter().filter_map(|m| match m {
            GnssMeasurement::Fix(f) => Some(f.unix_time_s),
            GnssMeasurement::Heading(_) => None,
        })
    };
    let (Some(g0), Some(g1)) = (times().reduce(f64::min), times().reduce(f64::max)) else {
        return;
    };
    let (o0, o1) = (odometry[0].unix_time_s, odometry[odometry.len() - 1].unix_time_s);
    let overlap = (g1.min(o1) - g0.max(o0)).max(0.0);
    let span = (o1 - o0).max(1e-9);
    if overlap < 0.9 * span.min(g1 - g0) {
        eprintln!(
            "localize: WARNING: the logs overlap for {overlap:.1} s only: {nmea_name} covers {g0:.3}–{g1:.3}, {odo_name} {o0:.3}–{o1:.3} (UNIX s)"
        );
    }
    let offset = g0 - o0;
    if ((offset.abs() - GPS_UTC_LEAP_S).abs() < 1.5) && (g1 - o1 - offset).abs() < 5.0 {
        eprintln!(
            "localize: WARNING: the GNSS log starts {offset:+.1} s from the odometry log: one of them is in GPS time, the other in UTC? (GPS − UTC = {GPS_UTC_LEAP_S} s)"
        );
    }
}
