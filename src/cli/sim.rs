//! `demine sim --field F [--machine M] [--seed N] [--out DIR] [--realtime] [--resume DIR] [--inject …]
//! [--quiet-gnss]`.

use anyhow::Context;
use demine::mission::SafetyConfig;
use demine::runtime::{self, Injection, Progress, SimOptions};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(clap::Args)]
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
    /// Output directory (summary.json, track.geojson, processed.geojson, record.sqlite, report.svg).
    #[arg(long, default_value = "sim-out")]
    pub out: PathBuf,
    /// Pace the simulation to real time.
    #[arg(long)]
    pub realtime: bool,
    /// Continue the mission recorded in DIR (field and machine come from its record unless given).
    #[arg(long, value_name = "DIR")]
    pub resume: Option<PathBuf>,
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
    #[arg(long, default_value_t = 4.0)]
    pub mines_per_ha: f64,
    /// GNSS stays RTK fixed throughout: no random float episodes (1/h) or multipath bursts (2/h);
    /// injected GNSS faults still apply.
    #[arg(long)]
    pub quiet_gnss: bool,
    /// Ground under the tracks: firm (3 % slip), soft (8 %) or wet-clay (15 %).
    #[arg(long, default_value = "firm")]
    pub soil: String,
    /// Ground slope in degrees (0–20) …
    #[arg(long, default_value_t = 0.0)]
    pub slope_deg: f64,
    /// … falling towards this direction, degrees clockwise from north.
    #[arg(long, default_value_t = 0.0)]
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
    let field = match (&a.field, &a.resume) {
        (Some(f), _) => f.clone(),
        (None, Some(dir)) => {
            let rec = demine::record::Record::open(&dir.join("record.sqlite"), demine::record::Durability::Normal)?;
            let row = rec.mission()?.context("the record has no mission")?;
            PathBuf::from(row.field_name)
        }
        (None, None) => anyhow::bail!("--field is required"),
    };
    let machine = super::plan::load_machine(a.machine.as_ref())?;
    let machine_yaml = match &a.machine {
        Some(p) => std::fs::read_to_string(p)?,
        None => serde_norway::to_string(&machine)?,
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
    Ok(())
}
