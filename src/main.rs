//! The `demine` command line.

mod cli;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "demine",
    version,
    about = "Autonomous control stack for mechanical demining machines"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Plan the clearance of a hazardous area.
    Plan(cli::plan::PlanArgs),
    /// CAN bus tools: print the DBC, monitor, send, drive, simulated adapter + ECU.
    #[command(subcommand_required = true)]
    Can(cli::can::CanArgs),
    /// Run a whole clearance mission against the built-in simulator.
    Sim(cli::sim::SimArgs),
    /// Replay a GNSS (NMEA) log and a track-odometry log through the localizer.
    Localize(cli::localize::LocalizeArgs),
    /// The clearance record: export it as a GeoPackage (GIS) or an MCAP bag (RViz, Foxglove).
    #[command(subcommand_required = true)]
    Record(cli::record::RecordArgs),
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(cli::colour_wanted())
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Plan(a) => cli::plan::run(a),
        Command::Can(a) => cli::can::run(a),
        Command::Sim(a) => cli::sim::run(a),
        Command::Localize(a) => cli::localize::run(a),
        Command::Record(a) => cli::record::run(a),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // an outcome other than success (a mission aborted, a pre-flight failed …) carries
            // its own documented exit code; every other error is 1
            let code = e.downcast_ref::<cli::Outcome>().map_or(1, |o| o.code as u8);
            eprintln!("error: {}", message(&e));
            std::process::ExitCode::from(code)
        }
    }
}

/// The error and its causes, each cause once: most of our errors already name their cause in
/// their own message (`file: cannot read: <io error>`), so a cause already said is not repeated.
fn message(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !out.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
    }
    out
}
