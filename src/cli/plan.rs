//! `demine plan --field F [--machine M] --out PLAN.geojson [--json]`.

use anyhow::Context;
use demine::field::{self, FieldOptions};
use demine::machine::MachineProfile;
use demine::plan::{self, output, PlanConfig};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct PlanArgs {
    /// Field GeoJSON (WGS84) with `hazard`, optional `safe` and `start` features.
    #[arg(long)]
    pub field: PathBuf,
    /// Machine profile YAML (default: the shipped medium flail, machines/medium_flail.yaml).
    #[arg(long)]
    pub machine: Option<PathBuf>,
    /// Where to write the plan GeoJSON (`-`: standard output; never the --field file).
    #[arg(long)]
    pub out: PathBuf,
    /// Print the plan summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Width of the band around the hazard taken as safe when the field has no `safe` feature, metres.
    #[arg(long, default_value_t = 20.0)]
    pub safe_margin_m: f64,
    /// Largest hazard area accepted, m² (raise it explicitly for tasks above 10 km²).
    #[arg(long, default_value_t = 10.0e6)]
    pub max_area_m2: f64,
    /// Step of the lane-angle search, degrees.
    #[arg(long, default_value_t = 5.0)]
    pub angle_step_deg: f64,
    /// Margin kept between the tracks and unprocessed ground, metres (room for tracking error):
    /// from 0 up to the room between the tracks and the strip edges (0.2 m for the shipped flail).
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    pub margin_m: f64,
}

pub fn load_machine(path: Option<&PathBuf>) -> anyhow::Result<MachineProfile> {
    Ok(match path {
        Some(p) => MachineProfile::load(p)?,
        None => MachineProfile::default_profile(),
    })
}

pub fn run(a: PlanArgs) -> anyhow::Result<()> {
    if !(a.angle_step_deg.is_finite() && a.angle_step_deg > 0.0 && a.angle_step_deg <= 90.0) {
        anyhow::bail!("--angle-step-deg {}: must be within (0, 90]", a.angle_step_deg);
    }
    let opts = FieldOptions {
        safe_margin_m: a.safe_margin_m,
        max_area_m2: a.max_area_m2,
    };
    let to_stdout = a.out.as_os_str() == "-";
    if !to_stdout && same_file(&a.out, &a.field) {
        anyhow::bail!(
            "--out {} is the --field file: the plan would overwrite the field; choose another --out",
            a.out.display()
        );
    }
    if to_stdout && a.json {
        anyhow::bail!("--out - and --json both write to standard output: choose one");
    }
    let field = field::load(&a.field, &opts)?;
    let machine = load_machine(a.machine.as_ref())?;
    let cfg = PlanConfig {
        angle_step_deg: a.angle_step_deg,
        footprint_margin_m: a.margin_m,
        ..PlanConfig::default()
    };
    let t0 = std::time::Instant::now();
    let plan = plan::plan(&field, &machine, &cfg)?;
    let ms = t0.elapsed().as_secs_f64() * 1e3;
    let summary = output::Summary::of(&plan, ms);
    let fc = output::to_geojson(&plan.motions, &plan.residual.0, &field.datum, &machine, Some(&summary));
    let text = serde_json::to_string(&fc)?;
    if to_stdout {
        println!("{text}");
    } else {
        std::fs::write(&a.out, text).with_context(|| format!("{}: cannot write the plan", a.out.display()))?;
    }
    tracing::info!(
        "{}: {:?} at {:.1}°, {:.2} % processed, residual {:.1} m² in {} pieces, path {:.0} m, about {:.1} h, planned in {:.0} ms",
        a.out.display(),
        plan.strategy,
        summary.lane_angle_deg,
        plan.processed_fraction * 100.0,
        plan.residual_m2,
        plan.residual.0.len(),
        summary.path_length_m,
        summary.estimated_duration_s / 3600.0,
        ms
    );
    if a.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    }
    Ok(())
}

/// `a` and `b` name the same file (the same path, or the same inode through links and `..`).
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    if a == b {
        return true;
    }
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}
