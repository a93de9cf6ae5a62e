//! `demine plan --field F [--machine M] --out PLAN.geojson [--json] [--svg P.svg] [--png P.png]
//! [--max-residual-pct PCT]`.

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
    /// Largest share of the hazard the plan may leave unprocessed, percent (0..=100). A plan that
    /// leaves more is refused (exit 1, no plan written) naming where and why; raise it to accept.
    #[arg(long, default_value_t = 1.0)]
    pub max_residual_pct: f64,
    /// Also draw the plan as SVG here: hazard, safe ground, obstacles, passes in order, turns,
    /// residual with reasons, start and the summary's figures. Written even when the plan is
    /// refused, so that what is wrong can be seen.
    #[arg(long)]
    pub svg: Option<PathBuf>,
    /// The same picture as PNG.
    #[arg(long)]
    pub png: Option<PathBuf>,
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
    if !(a.max_residual_pct.is_finite() && (0.0..=100.0).contains(&a.max_residual_pct)) {
        anyhow::bail!("--max-residual-pct {}: must be within 0..=100", a.max_residual_pct);
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
    let progress = std::sync::Arc::new(plan::progress::Progress::default());
    let cfg = PlanConfig {
        angle_step_deg: a.angle_step_deg,
        footprint_margin_m: a.margin_m,
        progress: Some(progress.clone()),
        ..PlanConfig::default()
    };
    let t0 = std::time::Instant::now();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let bar = std::thread::spawn({
        let (progress, done) = (progress.clone(), done.clone());
        move || progress_bar(&progress, &done)
    });
    let planned = plan::plan(&field, &machine, &cfg);
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = bar.join();
    let plan = planned?;
    let ms = t0.elapsed().as_secs_f64() * 1e3;
    let summary = output::Summary::of(&plan, ms);
    let fc = output::plan_to_geojson(&plan, &field.datum, &machine, Some(&summary));
    if a.svg.is_some() || a.png.is_some() {
        let svg = plan::picture::svg(&plan, &field, &machine, &summary, &a.field.display().to_string());
        if let Some(path) = &a.svg {
            std::fs::write(path, &svg).with_context(|| format!("{}: cannot write the picture", path.display()))?;
        }
        if let Some(path) = &a.png {
            let png = plan::picture::png(&svg)
                .with_context(|| format!("{}: the picture could not be rendered to PNG", path.display()))?;
            std::fs::write(path, png).with_context(|| format!("{}: cannot write the picture", path.display()))?;
        }
    }
    // at most 100 % (the polygon operations can leave a residual a hair larger than the hazard)
    let residual_pct = (100.0 * plan.residual_m2 / plan.hazard_m2.max(1e-9)).min(100.0);
    if residual_pct > a.max_residual_pct + 1e-6 {
        anyhow::bail!(
            "{}",
            refusal(
                &a.field.display().to_string(),
                &plan,
                &field.datum,
                residual_pct,
                a.max_residual_pct
            )
        );
    }
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

/// How long a plan runs before its progress bar appears.
const BAR_AFTER: std::time::Duration = std::time::Duration::from_secs(2);

/// A progress bar on stderr for a plan that takes longer than [`BAR_AFTER`]; nothing when stderr
/// is not a terminal. Returns when `done` is set (and clears the bar).
fn progress_bar(progress: &plan::progress::Progress, done: &std::sync::atomic::AtomicBool) {
    use indicatif::{ProgressBar, ProgressStyle};
    use std::io::IsTerminal;
    use std::sync::atomic::Ordering;
    let t0 = std::time::Instant::now();
    let tick = std::time::Duration::from_millis(100);
    while t0.elapsed() < BAR_AFTER {
        if done.load(Ordering::Relaxed) {
            return;
        }
        std::thread::sleep(tick);
    }
    if !std::io::stderr().is_terminal() {
        return;
    }
    let bar = ProgressBar::new(1000);
    bar.set_style(
        ProgressStyle::with_template("planning {bar:30} {percent:>3}% of the hazard processed · {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    while !done.load(Ordering::Relaxed) {
        bar.set_position((progress.fraction() * 1000.0) as u64);
        std::thread::sleep(tick);
    }
    bar.finish_and_clear();
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

/// The message of a plan refused for its residual: how much, why (by reason) and where (the
/// largest pieces with their position), and how to accept it.
fn refusal(field: &str, plan: &plan::Plan, datum: &demine::geodesy::Datum, residual_pct: f64, max_pct: f64) -> String {
    use geo::{Area, Centroid};
    use std::fmt::Write;
    let mut by: std::collections::BTreeMap<&str, (f64, usize)> = Default::default();
    for (p, r) in plan.residual.0.iter().zip(&plan.residual_reasons) {
        let e = by.entry(r.as_str()).or_default();
        e.0 += p.unsigned_area();
        e.1 += 1;
    }
    let mut s = format!(
        "{field}: the plan leaves {:.2} % of the hazard unprocessed ({:.1} m² of {:.1} m² in {} pieces), more than --max-residual-pct {max_pct}; no plan written.\n  why:",
        residual_pct,
        plan.residual_m2,
        plan.hazard_m2,
        plan.residual.0.len()
    );
    for (r, (a, n)) in &by {
        let _ = write!(s, " {r} {a:.1} m² ({n} pieces);");
    }
    if plan.unreachable_passes > 0 {
        let _ = write!(s, " {} passes could not be driven;", plan.unreachable_passes);
    }
    let mut pieces: Vec<(usize, f64)> = plan.residual.0.iter().map(|p| p.unsigned_area()).enumerate().collect();
    pieces.sort_by(|a, b| b.1.total_cmp(&a.1));
    s.push_str("\n  where (largest pieces):");
    for &(i, area) in pieces.iter().take(5) {
        let p = &plan.residual.0[i];
        let Some(c) = p.centroid() else { continue };
        let ll = datum.to_latlon_2d(c.x(), c.y());
        let r = plan
            .residual_reasons
            .get(i)
            .copied()
            .unwrap_or(plan::reason::Reason::Unreachable);
        let _ = write!(
            s,
            "\n    {area:.1} m² around lat {:.6}, lon {:.6} ({:.1} m E, {:.1} m N of the datum): {} — {}",
            ll.lat_deg,
            ll.lon_deg,
            c.x(),
            c.y(),
            r.as_str(),
            r.explain()
        );
    }
    let _ = write!(
        s,
        "\n  to accept it, re-run with --max-residual-pct {:.2} (the residual is then in the plan for manual clearance)",
        ((residual_pct * 100.0).ceil() / 100.0).min(100.0)
    );
    s
}
