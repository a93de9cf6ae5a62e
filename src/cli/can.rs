//! `demine can …`: bring-up tools for the vehicle's CAN bus (DBC, monitor, send, drive, sim-ecu).

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use demine::can::adapter::AdapterProfile;
use demine::can::bridge::{BridgeConfig, BridgeLink};
use demine::can::dbc::{Dbc, MessageDef, VEHICLE_DBC};
use demine::can::frame::CanFrame;
use demine::can::link::VehicleLink;
use demine::can::port::{PortConfig, SlcanPort};
use demine::can::protocol::{DriveCommand, HostMode, ImplementCommand, VehicleCommand};
use demine::can::pty::{SimEcuConfig, SimEcuHost};
use demine::can::slcan::AdapterReply;

#[derive(clap::Args)]
pub struct CanArgs {
    #[command(subcommand)]
    command: CanCommand,
}

#[derive(clap::Subcommand)]
enum CanCommand {
    /// Print the vehicle DBC the stack uses (for cantools, SavvyCAN and the like).
    Dbc,
    /// Listen-only monitor: decode every frame with the DBC.
    Monitor(MonitorArgs),
    /// Encode one DBC message from physical values and send it.
    Send(SendArgs),
    /// Drive the machine through the bridge (heartbeat included) and print its feedback.
    Drive(DriveArgs),
    /// Serve a simulated SLCAN adapter + vehicle ECU on a pseudo-terminal until killed.
    SimEcu(SimEcuArgs),
}

#[derive(clap::Args)]
struct AdapterArgs {
    /// Serial device of the SLCAN adapter (e.g. /dev/ttyACM0).
    #[arg(long)]
    port: PathBuf,
    /// CAN bit rate in bit/s.
    #[arg(long, default_value_t = 500_000)]
    bitrate: u32,
    /// Adapter profile: lawicel, usbtin or canable.
    #[arg(long, default_value = "lawicel")]
    profile: AdapterProfile,
}

impl AdapterArgs {
    /// What failed, with the usual cause of an adapter that does not answer: another profile.
    fn open_hint(&self, what: &str) -> String {
        format!(
            "{what} {} as --profile {} at --bitrate {} (an adapter that does not answer usually speaks another \
             dialect: try --profile lawicel, usbtin or canable)",
            self.port.display(),
            format!("{:?}", self.profile).to_lowercase(),
            self.bitrate
        )
    }

    fn config(&self) -> PortConfig {
        PortConfig {
            profile: self.profile,
            bitrate_bps: self.bitrate,
            ..PortConfig::new(&self.port)
        }
    }
}

#[derive(clap::Args)]
struct MonitorArgs {
    #[command(flatten)]
    adapter: AdapterArgs,
    /// One JSON object per frame: {"t":…,"id":…,"name":…,"signals":{…}}.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct SendArgs {
    #[command(flatten)]
    adapter: AdapterArgs,
    /// DBC message name, e.g. DriveCommand.
    message: String,
    /// SIGNAL=VALUE in physical units (or a value name from the DBC), one per signal.
    signals: Vec<String>,
}

#[derive(clap::Args)]
struct DriveArgs {
    #[command(flatten)]
    adapter: AdapterArgs,
    /// Left track speed, m/s.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    left: f64,
    /// Right track speed, m/s.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    right: f64,
    /// Rotor speed setpoint, rpm (rotor off when absent).
    #[arg(long)]
    rotor_rpm: Option<f64>,
    /// Working depth setpoint, m.
    #[arg(long, default_value_t = 0.0)]
    depth: f64,
    /// Stop after this many seconds (default: run until killed).
    #[arg(long)]
    seconds: Option<f64>,
}

#[derive(clap::Args)]
struct SimEcuArgs {
    /// Create a symlink here pointing to the pty slave.
    #[arg(long)]
    link: PathBuf,
    /// Adapter profile to imitate: lawicel, usbtin or canable.
    #[arg(long, default_value = "lawicel")]
    profile: AdapterProfile,
    /// Vehicle heartbeat watchdog, ms.
    #[arg(long, default_value_t = 300)]
    heartbeat_timeout_ms: u64,
    /// Background bus load as a fraction of capacity, 0–1.
    #[arg(long, default_value_t = 0.0)]
    bus_load: f64,
}

pub fn run(a: CanArgs) -> anyhow::Result<()> {
    match a.command {
        CanCommand::Dbc => {
            print!("{VEHICLE_DBC}");
            Ok(())
        }
        CanCommand::Monitor(m) => monitor(m),
        CanCommand::Send(s) => send(s),
        CanCommand::Drive(d) => drive(d),
        CanCommand::SimEcu(s) => sim_ecu(s),
    }
}

fn unix_time() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn id_text(f: &CanFrame) -> String {
    if f.is_extended() {
        format!("0x{:08X}", f.raw_id())
    } else {
        format!("0x{:03X}", f.raw_id())
    }
}

/// A physical value rounded to the signal's resolution, so JSON shows 0.371 and not 0.37100000000000005.
fn tidy(v: f64, factor: f64) -> f64 {
    let decimals = (-factor.abs().log10()).ceil().clamp(0.0, 9.0) as usize;
    format!("{v:.decimals$}").parse().unwrap_or(v)
}

fn describe(frame: &CanFrame, json: bool) -> String {
    let t = unix_time();
    let hex: String = frame.data().iter().map(|b| format!("{b:02X}")).collect();
    let Some(m) = Dbc::vehicle().message_by_id(frame.id()) else {
        return if json {
            serde_json::json!({"t": t, "id": id_text(frame), "name": null, "dlc": frame.dlc(), "remote": frame.is_remote(), "data": hex})
                .to_string()
        } else {
            format!("{t:.3} {} [{}] {hex}", id_text(frame), frame.dlc())
        };
    };
    match m.decode(frame.data()) {
        Err(e) if json => {
            serde_json::json!({"t": t, "id": id_text(frame), "name": m.name, "data": hex, "error": e.to_string()})
                .to_string()
        }
        Err(e) => format!("{t:.3} {} {} {hex} error: {e}", id_text(frame), m.name),
        Ok(values) => {
            let mut obj = serde_json::Map::new();
            let mut text = Vec::new();
            for (s, v) in values {
                let label = s.label(v.round() as i64).filter(|_| v.fract() == 0.0);
                let jv = match label {
                    Some(l) => serde_json::Value::from(l),
                    // whole numbers print as integers (7, not 7.0)
                    None if v.fract() == 0.0 && v.abs() < 9.0e15 => serde_json::Value::from(v as i64),
                    None => serde_json::Value::from(tidy(v, s.factor)),
                };
                let value = label.map_or_else(|| tidy(v, s.factor).to_string(), str::to_owned);
                let unit = if s.unit.is_empty() || label.is_some() {
                    String::new()
                } else {
                    format!(" {}", s.unit)
                };
                text.push(format!("{}={value}{unit}", s.name));
                obj.insert(s.name.clone(), jv);
            }
            if json {
                serde_json::json!({"t": t, "id": id_text(frame), "name": m.name, "signals": obj}).to_string()
            } else {
                format!("{t:.3} {} {} {}", id_text(frame), m.name, text.join(" "))
            }
        }
    }
}

fn monitor(a: MonitorArgs) -> anyhow::Result<()> {
    let mut cfg = a.adapter.config();
    cfg.listen_only = true;
    let mut port = SlcanPort::open(cfg).with_context(|| a.adapter.open_hint("opening the adapter listen-only"))?;
    let stdout = std::io::stdout();
    loop {
        let r = port.read(Duration::from_millis(200))?;
        let line = match r {
            Some(AdapterReply::Frame { frame, .. }) => describe(&frame, a.json),
            Some(AdapterReply::BusError(kinds)) if !a.json => format!("bus error {kinds:?}"),
            Some(AdapterReply::State {
                state,
                rx_errors,
                tx_errors,
            }) if !a.json => {
                format!("bus state {state:?} rx={rx_errors} tx={tx_errors}")
            }
            _ => continue,
        };
        let mut out = stdout.lock();
        if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
            return Ok(()); // reader went away
        }
    }
}

/// Parses `SIGNAL=VALUE` pairs against a message: numbers or value names, every signal once.
fn parse_values(m: &MessageDef, args: &[String]) -> anyhow::Result<Vec<(String, f64)>> {
    let mut values: Vec<(String, f64)> = Vec::new();
    for a in args {
        let Some((name, text)) = a.split_once('=') else {
            bail!("expected SIGNAL=VALUE, got {a:?}")
        };
        let s = m.signal(name)?;
        let v = match text.trim().parse::<f64>() {
            Ok(v) => v,
            Err(_) => match s.value_of_label(text.trim()) {
                Some(raw) => raw as f64 * s.factor + s.offset,
                None if s.choices.is_empty() => bail!(
                    "{}.{}: {text:?} is not a number ({} to {} {}; this signal has no value names)",
                    m.name,
                    name,
                    s.min,
                    s.max,
                    s.unit
                ),
                None => bail!(
                    "{}.{}: {text:?} is neither a number nor one of its value names: {}",
                    m.name,
                    name,
                    s.choices
                        .iter()
                        .map(|(v, l)| format!("{l} ({v})"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
        };
        if values.iter().any(|(n, _)| n == name) {
            bail!("{}.{name} given twice", m.name);
        }
        values.push((name.to_owned(), v));
    }
    let missing: Vec<&str> = m
        .signals
        .iter()
        .map(|s| s.name.as_str())
        .filter(|n| !values.iter().any(|(v, _)| v == n))
        .collect();
    if !missing.is_empty() {
        bail!(
            "{}: no value for {} (every signal must be given)",
            m.name,
            missing.join(", ")
        );
    }
    Ok(values)
}

fn send(a: SendArgs) -> anyhow::Result<()> {
    let m = Dbc::vehicle().message(&a.message)?;
    let values = parse_values(m, &a.signals)?;
    let pairs: Vec<(&str, f64)> = values.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    let frame = m.encode(&pairs)?;
    if m.sender != "HOST" {
        tracing::warn!(
            "{} is a message the vehicle ({}) sends to the host: sending it from here impersonates the vehicle \
             (the host and any monitor will take it for real feedback)",
            m.name,
            m.sender
        );
    }
    let mut port = SlcanPort::open(a.adapter.config()).with_context(|| a.adapter.open_hint("opening the adapter"))?;
    port.send_frame_confirmed(&frame).context("sending")?;
    port.close();
    println!(
        "{} {} {}",
        id_text(&frame),
        m.name,
        frame.data().iter().map(|b| format!("{b:02X}")).collect::<String>()
    );
    Ok(())
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

async fn terminated() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

fn drive(a: DriveArgs) -> anyhow::Result<()> {
    let drive = VehicleCommand::Drive(DriveCommand {
        left_mps: a.left,
        right_mps: a.right,
    });
    let implement = VehicleCommand::Implement(ImplementCommand {
        rotor_enable: a.rotor_rpm.is_some(),
        rotor_rpm: a.rotor_rpm.unwrap_or(0.0),
        depth_m: a.depth,
    });
    drive.encode()?;
    implement.encode()?;
    let mut link = BridgeLink::spawn(BridgeConfig::new(a.adapter.config()))
        .with_context(|| a.adapter.open_hint("opening the adapter"))?;
    let until = a.seconds.map(|s| Instant::now() + Duration::from_secs_f64(s));
    runtime()?.block_on(async {
        let mut tick = tokio::time::interval(Duration::from_millis(50));
        let stop = terminated();
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = &mut stop => break,
                _ = tick.tick() => {
                    if until.is_some_and(|u| Instant::now() >= u) { break; }
                    link.send(VehicleCommand::Heartbeat { counter: 0, mode: HostMode::Manual })?;
                    link.send(drive)?;
                    link.send(implement)?;
                }
                ev = link.recv() => match ev {
                    Some(ev) => println!("{}", serde_json::json!({"t": unix_time(), "feedback": ev.feedback})),
                    None => break,
                },
            }
        }
        anyhow::Ok(())
    })?;
    drop(link); // sends the shutdown heartbeat
    Ok(())
}

fn sim_ecu(a: SimEcuArgs) -> anyhow::Result<()> {
    if !(0.0..=1.0).contains(&a.bus_load) {
        bail!("--bus-load {} is outside [0, 1]", a.bus_load);
    }
    let mut config = SimEcuConfig {
        profile: a.profile,
        bus_load: a.bus_load,
        link: Some(a.link.clone()),
        ..Default::default()
    };
    config.ecu.heartbeat_timeout = Duration::from_millis(a.heartbeat_timeout_ms);
    let host = SimEcuHost::spawn(config).context("starting the simulated ECU")?;
    println!("{} -> {}", a.link.display(), host.slave_path().display());
    std::io::stdout().flush()?;
    runtime()?.block_on(terminated());
    drop(host);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monitor_json_prints_whole_numbers_as_integers_and_names_as_names() {
        let m = Dbc::vehicle().message("HostHeartbeat").unwrap();
        let f = m.encode(&[("HostCounter", 7.0), ("HostMode", 2.0)]).unwrap();
        let v: serde_json::Value = serde_json::from_str(&describe(&f, true)).unwrap();
        assert_eq!(v["signals"]["HostCounter"].to_string(), "7");
        assert_eq!(v["signals"]["HostMode"], "Auto");
        let m = Dbc::vehicle().message("ImplementStatus").unwrap();
        let f = m
            .encode(&[
                ("RotorSpeed", 600.0),
                ("RotorDepth", 0.25),
                ("HydraulicPressure", 180.5),
                ("HydraulicOilTemp", 55.0),
                ("RotorEnabled", 1.0),
            ])
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&describe(&f, true)).unwrap();
        let s = &v["signals"];
        assert_eq!(
            (
                s["RotorSpeed"].to_string().as_str(),
                s["RotorDepth"].to_string().as_str()
            ),
            ("600", "0.25")
        );
        assert_eq!(s["HydraulicPressure"].to_string(), "180.5");
        assert_eq!(s["HydraulicOilTemp"].to_string(), "55");
    }
}
