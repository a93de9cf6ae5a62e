//! `demine sim --field F [--machine M] [--seed N] [--out DIR] [--realtime] [--resume DIR] [--inject …]
//! [--quiet-gnss]`.

use anyhow::Context;
use demine::mission::SafetyConfig;
use demine::runtime::{self, Injection, Progress, SimOptions};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;

/// `demine sim --help` after the options: outputs, resume and exit codes.
const AFTER_HELP: &str = "\
Outputs in --out DIR: summary.json, track.geojson, processed.geojson, record.sqlite, report.svg, report.png
(and with --log-sensors gnss.nmea and odometry.csv, for `demine localize`).

--resume DIR continues the mission recorded in DIR/record.sqlite. It takes from the record: the field
(the GeoJSON as recorded; a --field with other content is refused), the machine profile (a --machine
must have the recorded name), the seed of the simulated world, the plan with its gap fills, the
processed cells, the detonations and their blocks, the events and the driven track. The pre-flight
runs again and is recorded. Options such as --inject, --ack, --soil apply to the rest of the mission.

Exit codes: 0 completed; 1 an input refused or an I/O error (the message names file, field and
value); 2 the command line does not parse; 3 aborted (safety trip that ends the mission, no
progress, operator abort); 4 pre-flight failed (never started clearing); 5 incomplete: the
simulated time limit stopped the run, the mission is paused and can be resumed; or every segment was
driven but part of a detonation block could not be processed again (not cleared ground; the record's
check/detonation-block-left event says where and why). A run killed by a
signal (kill@T) exits as the signal says (137 for SIGKILL). The reason is on stderr and in
summary.json (`reason`).";

#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct SimArgs {
    /// Field GeoJSON (WGS84) with `hazard`, optional `safe` and `start` features.
    #[arg(long, required_unless_present = "resume")]
    pub field: Option<PathBuf>,
    /// Machine profile YAML (default: the shipped medium flail).
    #[arg(long)]
    pub machine: Option<PathBuf>,
    /// Seed of the simulated world (mines, noise, slip).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output directory (summary.json, track.geojson, processed.geojson, record.sqlite, report.svg, report.png).
    #[arg(long, default_value = "sim-out")]
    pub out: PathBuf,
    /// Pace the simulation to real time.
    #[arg(long)]
    pub realtime: bool,
    /// Continue the mission recorded in DIR: field, machine, seed, plan, processed cells,
    /// detonations and events come from DIR/record.sqlite (see below).
    #[arg(long, value_name = "DIR")]
    pub resume: Option<PathBuf>,
    /// Stop the simulation after this much mission time, hours (default: three times the plan's
    /// estimated duration plus one hour); the mission is left paused, exit code 5.
    #[arg(long, value_name = "HOURS", allow_negative_numbers = true)]
    pub max_sim_hours: Option<f64>,
    /// Also write the receiver's NMEA (gnss.nmea) and the track odometry (odometry.csv) in the
    /// formats `demine localize` reads.
    #[arg(long)]
    pub log_sensors: bool,
    /// Faults: gnss-outage@T+D, link-loss@T+D, rotor-stall@T[+D], estop@T[+D], shock@T, kill@T (simulated seconds).
    #[arg(long, value_name = "FAULT")]
    pub inject: Vec<Injection>,
    /// A scenario file: one fault per line as for --inject, `#` comments.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Simulated operator: acknowledge detonations after S seconds, or `never` (the mission then aborts).
    #[arg(long, default_value = "10")]
    pub ack: String,
    /// Hidden anti-personnel mines per hectare (plus one anti-tank mine for every 40).
    #[arg(long, default_value_t = 4.0, allow_negative_numbers = true)]
    pub mines_per_ha: f64,
    /// GNSS stays RTK fixed throughout: no random float episodes (1/h) or multipath bursts (2/h);
    /// injected GNSS faults still apply.
    #[arg(long)]
    pub quiet_gnss: bool,
    /// Ground under the tracks: firm (3 % slip), soft (8 %) or wet-clay (15 %).
    #[arg(long, default_value = "firm")]
    pub soil: String,
    /// Ground slope in degrees (0–20) …
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub slope_deg: f64,
    /// … falling towards this direction, degrees clockwise from north.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub downhill_deg: f64,
    /// Also write the run as a ROS 2 bag (MCAP) here, for `ros2 bag play` / Foxglove.
    #[arg(long, value_name = "RUN.mcap")]
    pub mcap: Option<PathBuf>,
}

fn bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(Some(1000), ProgressDrawTarget::hidden());
    }
    let b = ProgressBar::new(1000);
    b.set_style(
        ProgressStyle::with_template("{bar:30} {percent:>3}% processed · {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    b
}

pub fn run(a: SimArgs) -> anyhow::Result<()> {
    let out = a.resume.clone().unwrap_or(a.out.clone());
    let mut injections = a.inject.clone();
    if let Some(p) = &a.scenario {
        let text = std::fs::read_to_string(p).with_context(|| format!("{}: cannot read", p.display()))?;
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if !line.is_empty() {
                injections.push(
                    line.parse()
                        .map_err(|e| anyhow::anyhow!("{}:{}: {e}", p.display(), i + 1))?,
                );
            }
        }
    }
    // a resumed mission: its field and (unless --machine says otherwise) its machine come from the record
    let recorded = match &a.resume {
        Some(dir) => Some(recorded_mission(dir)?),
        None => None,
    };
    let field = match (&a.field, &recorded) {
        (Some(f), _) => f.clone(),
        (None, Some(row)) => PathBuf::from(&row.field_name),
        (None, None) => anyhow::bail!("--field is required"),
    };
    let (machine, machine_yaml) = match (&a.machine, &recorded) {
        (Some(p), _) => (
            super::plan::load_machine(Some(p))?,
            std::fs::read_to_string(p).with_context(|| format!("{}: cannot read", p.display()))?,
        ),
        (None, Some(row)) => (
            demine::machine::MachineProfile::from_yaml(&row.machine_yaml, "the machine profile in the record")?,
            row.machine_yaml.clone(),
        ),
        (None, None) => {
            let m = super::plan::load_machine(None)?;
            let yaml = serde_norway::to_string(&m)?;
            (m, yaml)
        }
    };
    if !(a.mines_per_ha.is_finite() && (0.0..=10_000.0).contains(&a.mines_per_ha)) {
        anyhow::bail!(
            "--mines-per-ha {}: expected 0 to 10000 mines per hectare",
            a.mines_per_ha
        );
    }
    let max_sim_s = match a.max_sim_hours {
        Some(h) if h.is_finite() && h > 0.0 && h <= 10_000.0 => Some(h * 3600.0),
        Some(h) => anyhow::bail!("--max-sim-hours {h}: expected hours above 0 (at most 10000)"),
        None => None,
    };
    let ack_after_s = match a.ack.as_str() {
        "never" => None,
        s => Some(
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .with_context(|| format!("--ack {s:?}: expected seconds ≥ 0 or `never`"))?,
        ),
    };
    let soil = match a.soil.as_str() {
        "firm" => demine::sim::Soil::Firm,
        "soft" => demine::sim::Soil::Soft,
        "wet-clay" => demine::sim::Soil::WetClay,
        s => anyhow::bail!("--soil {s:?}: expected firm, soft or wet-clay"),
    };
    if !(a.slope_deg.is_finite() && (0.0..=20.0).contains(&a.slope_deg)) {
        anyhow::bail!("--slope-deg {}: expected 0 to 20 degrees", a.slope_deg);
    }
    if !a.downhill_deg.is_finite() {
        anyhow::bail!("--downhill-deg {}: expected a bearing in degrees", a.downhill_deg);
    }
    let mut safety = SafetyConfig::default();
    if ack_after_s.is_none() {
        safety.ack_policy = demine::mission::AckPolicy::Never;
    }
    let opts = SimOptions {
        machine,
        machine_yaml,
        seed: a.seed,
        realtime: a.realtime,
        resume: a.resume.is_some(),
        injections,
        safety,
        ack_after_s,
        mines_per_ha: a.mines_per_ha,
        gnss_episodes: !a.quiet_gnss,
        soil,
        slope_deg: a.slope_deg,
        // bearing clockwise from north → ENU angle counter-clockwise from east
        downhill_rad: (90.0 - a.downhill_deg).to_radians(),
        max_sim_s,
        log_sensors: a.log_sensors,
        mcap: a.mcap.clone(),
        ..SimOptions::new(field, out.clone())
    };
    let pb = bar();
    let mut on_progress = |p: &Progress| {
        pb.set_position((p.processed_fraction * 1000.0) as u64);
        pb.set_message(format!(
            "segment {}/{} · {:.2} h simulated · {:.0}× · {}",
            p.segment.min(p.segments),
            p.segments,
            p.sim_s / 3600.0,
            p.sim_s / p.wall_s.max(1e-9),
            p.state.as_str()
        ));
    };
    let s = runtime::run(&opts, &mut on_progress)?;
    pb.finish_and_clear();
    tracing::info!(
        "{}: {} · {:.2} % processed · residual {:.1} m² · {} detonations · {} safety stops · {} footprint violations · {:.2} h in {:.1} s ({:.0}×)",
        out.display(),
        s.state.as_str(),
        100.0 * s.processed_fraction,
        s.residual_m2,
        s.detonations,
        s.safety_stops,
        s.footprint_violations,
        s.sim_duration_s / 3600.0,
        s.wall_time_s,
        s.speedup
    );
    println!("{}", serde_json::to_string_pretty(&s)?);
    outcome(&s, &out)
}

/// The mission row of the record in `dir`, or why there is none to resume.
fn recorded_mission(dir: &std::path::Path) -> anyhow::Result<demine::record::MissionRow> {
    if !dir.is_dir() {
        anyhow::bail!(
            "--resume {}: no such directory (--resume takes the --out directory of an earlier `demine sim`)",
            dir.display()
        );
    }
    let path = dir.join("record.sqlite");
    if !path.is_file() {
        anyhow::bail!(
            "--resume {}: {} does not exist: nothing to resume",
            dir.display(),
            path.display()
        );
    }
    let rec = demine::record::Record::open(&path, demine::record::Durability::Normal)?;
    rec.mission()?
        .with_context(|| format!("{}: no mission recorded to resume", path.display()))
}

/// Every end other than `completed` is an error with its exit code and reason.
fn outcome(s: &runtime::SimSummary, out: &std::path::Path) -> anyhow::Result<()> {
    use super::{ExitCode, Outcome};
    use demine::mission::MissionState;
    let fail = |code, message: String| Err(Outcome { code, message }.into());
    if !s.preflight_passed {
        return fail(
            ExitCode::PreflightFailed,
            format!("{}: the mission did not start: {}", out.display(), s.reason),
        );
    }
    match s.state {
        MissionState::Completed if s.reprocess_pending_m2 > 0.0 => fail(
            ExitCode::Incomplete,
            format!(
                "{}: mission incomplete: {}; the blocks are not cleared ground",
                out.display(),
                s.reason
            ),
        ),
        MissionState::Completed => {
            if s.resumed && s.speedup == 0.0 {
                tracing::info!(
                    "{}: the mission was already completed; nothing to resume",
                    out.display()
                );
            }
            Ok(())
        }
        MissionState::Aborted => fail(
            ExitCode::Aborted,
            format!("{}: mission aborted: {}", out.display(), s.reason),
        ),
        MissionState::Idle | MissionState::Planned | MissionState::Ready => fail(
            ExitCode::PreflightFailed,
            format!("{}: the mission did not start: {}", out.display(), s.reason),
        ),
        MissionState::Clearing | MissionState::Paused => fail(
            ExitCode::Incomplete,
            format!(
                "{}: mission incomplete ({}, {:.1} % processed): {}; continue it with --resume {}",
                out.display(),
                s.state.as_str(),
                100.0 * s.processed_fraction,
                s.reason,
                out.display()
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn completed(reprocess_pending_m2: f64) -> runtime::SimSummary {
        runtime::SimSummary {
            state: demine::mission::MissionState::Completed,
            processed_fraction: 0.9855,
            residual_m2: reprocess_pending_m2,
            reprocess_pending_m2,
            reason:
                "clearing -> completed: all segments done, but 7.00 m² of detonation blocks are not processed again"
                    .into(),
            preflight_passed: true,
            hazard_m2: 483.0,
            footprint_violations: 0,
            detonations: 1,
            safety_stops: 1,
            sim_duration_s: 3384.3,
            wall_time_s: 3.6,
            speedup: 928.2,
            max_cross_track_m: 0.04,
            path_length_m: 698.3,
            segments: 91,
            segments_done: 91,
            gap_fill_segments: 0,
            resumed: false,
            seed: 1,
            time_limit_s: 13041.4,
        }
    }

    /// Every segment driven is not clearance when a detonation block is still to process again:
    /// the run exits 5 (incomplete) with the reason, never 0.
    #[test]
    fn a_completed_mission_with_a_block_pending_exits_incomplete() {
        let out = std::path::Path::new("/tmp/x");
        assert!(outcome(&completed(0.0), out).is_ok());
        let e = outcome(&completed(7.0), out).unwrap_err();
        let o = e.downcast_ref::<super::super::Outcome>().expect("an outcome");
        assert_eq!(o.code as i32, super::super::ExitCode::Incomplete as i32);
        assert!(
            o.message.contains("mission incomplete") && o.message.contains("detonation blocks"),
            "{}",
            o.message
        );
    }
}
