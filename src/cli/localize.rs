//! `demine localize`: replay a GNSS log (NMEA 0183) and a track-odometry log through the estimator
//! and write one estimate per odometry sample (EST.csv), with a summary on stderr.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;

use anyhow::{bail, Context};

use demine::geodesy::{Datum, LatLon};
use demine::gnss::read_nmea_log;
use demine::localize::replay::replay_to_csv;
use demine::localize::tracks::read_tracks_csv;
use demine::localize::{Localizer, LocalizerConfig};

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

pub fn run(a: LocalizeArgs) -> anyhow::Result<()> {
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
    let (gnss, nmea_stats, epoch_stats) = read_nmea_log(BufReader::new(nmea_file), &nmea_name)?;

    let odo_name = a.odometry.display().to_string();
    let odo_file = File::open(&a.odometry).with_context(|| format!("{odo_name}: cannot open"))?;
    let odometry = read_tracks_csv(BufReader::new(odo_file), &odo_name)?;
    if odometry.is_empty() {
        bail!("{odo_name}: no odometry samples");
    }

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
        "  fixes used {}, rejected {} (innovation gate {}, no position fix {}, aligning {}, invalid {}, too late or time jump {}); re-acquisitions {}; stale corrections {}",
        s.stats.fixes_used,
        s.stats.fixes_rejected,
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
    Ok(())
}
