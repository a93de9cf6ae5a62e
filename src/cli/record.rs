//! `demine record export RECORD.sqlite --gpkg OUT.gpkg [--mcap OUT.mcap]`.

use std::path::PathBuf;

#[derive(clap::Args)]
pub struct RecordArgs {
    #[command(subcommand)]
    pub command: RecordCommand,
}

#[derive(clap::Subcommand)]
pub enum RecordCommand {
    /// Export a clearance record as a GeoPackage (GIS) and/or an MCAP ROS 2 bag (replay).
    Export(ExportArgs),
}

#[derive(clap::Args)]
#[command(group = clap::ArgGroup::new("outputs").required(true).multiple(true).args(["gpkg", "mcap"]))]
pub struct ExportArgs {
    /// The clearance record (`record.sqlite` of `demine sim` or of the ROS mission node).
    pub record: PathBuf,
    /// Write an OGC GeoPackage 1.3 here (QGIS, ArcGIS, GDAL).
    #[arg(long, value_name = "OUT.gpkg")]
    pub gpkg: Option<PathBuf>,
    /// Write a rosbag2-compatible MCAP bag here (`ros2 bag play`, Foxglove).
    #[arg(long, value_name = "OUT.mcap")]
    pub mcap: Option<PathBuf>,
}

pub fn run(a: RecordArgs) -> anyhow::Result<()> {
    match a.command {
        RecordCommand::Export(e) => export(e),
    }
}

fn export(a: ExportArgs) -> anyhow::Result<()> {
    let view = demine::record::export::RecordView::open(&a.record)?;
    let mut out = serde_json::Map::new();
    if let Some(p) = &a.gpkg {
        let s = demine::record::export::gpkg::write_geopackage_from(&view, p)?;
        tracing::info!(
            "{}: {} layers · processed {:.1} m² · residual {:.1} m²",
            p.display(),
            s.layers.len(),
            s.processed_m2,
            s.residual_m2
        );
        out.insert("gpkg".into(), serde_json::to_value(&s)?);
    }
    if let Some(p) = &a.mcap {
        let s = demine::record::export::mcap_bag::write_mcap_from(&view, p)?;
        tracing::info!(
            "{}: {} topics · {:.1} s of mission time",
            p.display(),
            s.topics.len(),
            s.end_s - s.start_s
        );
        out.insert("mcap".into(), serde_json::to_value(&s)?);
    }
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
