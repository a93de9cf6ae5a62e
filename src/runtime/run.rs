//! Setting a mission up (fresh or from a record) and running it to its end in simulated time.

use super::can_loop::CanLoop;
use super::nav::Navigation;
use super::output::Outputs;
use super::tick::{Host, Parts};
use super::{motion_json, Injection, RuntimeError};
use crate::can::ecu::EcuConfig;
use crate::can::protocol::HostMode;
use crate::can::schedule::ScheduleConfig;
use crate::coverage::{CoverageConfig, FootprintCheck, ProcessedGrid};
use crate::field::{self, FieldOptions};
use crate::machine::MachineProfile;
use crate::mission::{FootprintMonitor, Input, Mission, MissionState, SafetyConfig};
use crate::plan::{self, Motion, PlanConfig, Pose};
use crate::record::{Durability, MissionRow, Record, RecordedSegment, ResumePoint};
use crate::sim::{Fault, FaultKind, Scenario, SimConfig, SimVehicle, Soil};
use crate::track::{PathTracker, TrackerConfig};
use geo::Area;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;

/// What `demine sim` was asked to do.
#[derive(Clone, Debug)]
pub struct SimOptions {
    pub field_path: PathBuf,
    pub machine: MachineProfile,
    /// The profile's YAML as the operator gave it, for the record; empty: `machine` serialised
    /// (so the record always holds a profile that loads back).
    pub machine_yaml: String,
    pub seed: u64,
    pub out_dir: PathBuf,
    /// Pace the simulation to real time.
    pub realtime: bool,
    /// Continue the mission recorded in `out_dir`.
    pub resume: bool,
    pub injections: Vec<Injection>,
    pub safety: SafetyConfig,
    /// Simulated operator: acknowledge detonations after this delay, s (`None`: never).
    pub ack_after_s: Option<f64>,
    /// Hidden anti-personnel mines per hectare.
    pub mines_per_ha: f64,
    /// Random RTK float episodes and multipath bursts in the receiver (the simulator's
    /// defaults); off: RTK fixed throughout except for injected faults.
    pub gnss_episodes: bool,
    /// Ground under the tracks.
    pub soil: Soil,
    /// Ground slope, degrees (0–20), and the downhill direction, radians CCW from east.
    pub slope_deg: f64,
    pub downhill_rad: f64,
    /// Control period, s.
    pub dt_s: f64,
    /// Stop the simulation (the mission left `paused`, resumable) at this much mission time, s;
    /// `None`: three times the plan's estimated duration plus an hour ([`default_time_limit_s`]).
    pub max_sim_s: Option<f64>,
    /// Write the receiver's NMEA (`gnss.nmea`) and the track odometry (`odometry.csv`) in the
    /// formats `demine localize` reads.
    pub log_sensors: bool,
    /// Also write the run as a rosbag2 MCAP bag here (`record.gpkg` is always written).
    pub mcap: Option<PathBuf>,
}

/// The simulated time limit when none is given: three times the plan's estimated duration plus
/// an hour, s.
pub fn default_time_limit_s(motions: &[Motion], m: &MachineProfile) -> f64 {
    3.0 * motions.iter().map(|mo| mo.duration_s(m)).sum::<f64>() + 3600.0
}

impl SimOptions {
    pub fn new(field_path: PathBuf, out_dir: PathBuf) -> Self {
        Self {
            field_path,
            machine: MachineProfile::default_profile(),
            machine_yaml: String::new(),
            seed: 1,
            out_dir,
            realtime: false,
            resume: false,
            injections: Vec::new(),
            safety: SafetyConfig::default(),
            ack_after_s: Some(10.0),
            mines_per_ha: 4.0,
            gnss_episodes: true,
            soil: Soil::Firm,
            slope_deg: 0.0,
            downhill_rad: 0.0,
            dt_s: 0.1,
            max_sim_s: None,
            log_sensors: false,
            mcap: None,
        }
    }
}

/// Progress for the bar.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    pub processed_fraction: f64,
    pub segment: usize,
    pub segments: usize,
    pub sim_s: f64,
    pub wall_s: f64,
    pub state: MissionState,
}

/// `summary.json`.
#[derive(Clone, Debug, Serialize)]
pub struct SimSummary {
    pub state: MissionState,
    pub processed_fraction: f64,
    pub residual_m2: f64,
    /// Of the residual, detonation blocks still waiting to be processed again, m².
    pub reprocess_pending_m2: f64,
    pub hazard_m2: f64,
    pub footprint_violations: u32,
    pub detonations: u32,
    pub safety_stops: u32,
    pub sim_duration_s: f64,
    pub wall_time_s: f64,
    pub speedup: f64,
    pub max_cross_track_m: f64,
    pub path_length_m: f64,
    pub segments: usize,
    pub segments_done: usize,
    pub gap_fill_segments: usize,
    pub resumed: bool,
    pub seed: u64,
    /// Why the mission is in its state, in plain words (the last transition's reason, or the
    /// failed pre-flight checks, or the time limit).
    pub reason: String,
    /// The simulated time limit of this run, s.
    pub time_limit_s: f64,
    /// This run's pre-flight checks passed (false: the mission did not clear in this run).
    pub preflight_passed: bool,
}

/// Where a motion starts.
pub fn start_pose(m: &Motion) -> Pose {
    match m {
        Motion::Straight { from, .. } => *from,
        Motion::Pivot { at, .. } => *at,
        Motion::Curve { poses, .. } => poses[0],
    }
}

fn segment_row(seq: usize, m: &Motion) -> RecordedSegment {
    let implement = matches!(m, Motion::Straight { implement: true, .. });
    let direction = if m.direction() == plan::Direction::Reverse {
        "reverse"
    } else {
        "forward"
    };
    RecordedSegment {
        seq: seq as i64,
        kind: m.kind().as_str().into(),
        implement,
        direction: direction.into(),
        motion: motion_json::encode(m),
    }
}

/// Rows for plan motions numbered from `first`.
pub fn segment_rows(first: usize, motions: &[Motion]) -> Vec<RecordedSegment> {
    motions
        .iter()
        .enumerate()
        .map(|(i, m)| segment_row(first + i, m))
        .collect()
}

/// The simulated machine's scenario: the seed, the hidden mines (anti-personnel mostly, one
/// anti-tank mine for every 40), and the injected GNSS and rotor faults that lie ahead of
/// runtime time `t0_s` (the simulator's clock starts at zero on every run, resumed or not).
fn scenario(opts: &SimOptions, t0_s: f64) -> Scenario {
    let faults = opts
        .injections
        .iter()
        .filter(|i| i.at_s() >= t0_s)
        .filter_map(|i| {
            let kind = match *i {
                Injection::GnssOutage { duration_s, .. } => FaultKind::GnssOutage { duration_s },
                Injection::RotorStall { duration_s, .. } => FaultKind::RotorStall { duration_s },
                Injection::Shock { .. } => FaultKind::Shock { peak_g: 40.0 },
                _ => return None,
            };
            Some(Fault {
                at_s: i.at_s() - t0_s,
                kind,
            })
        })
        .collect();
    let quiet = Scenario::quiet(opts.seed);
    let base = if opts.gnss_episodes {
        Scenario::default()
    } else {
        Scenario {
            float_episodes_per_h: quiet.float_episodes_per_h,
            multipath_bursts_per_h: quiet.multipath_bursts_per_h,
            ..Scenario::default()
        }
    };
    Scenario {
        seed: opts.seed,
        ap_mines_per_ha: opts.mines_per_ha,
        at_mines_per_ha: opts.mines_per_ha / 40.0,
        faults,
        soil: opts.soil,
        slope_deg: opts.slope_deg,
        slope_downhill_rad: opts.downhill_rad,
        ..base
    }
}

/// The field of a resumed mission: the GeoJSON stored in its record (the file may have changed
/// or gone since). A `--field` whose content differs from the recorded one is refused: one
/// record, one field.
fn resumed_field(opts: &SimOptions, record_path: &std::path::Path) -> Result<field::Field, RuntimeError> {
    let rec = Record::open(record_path, Durability::Normal)?;
    let row = rec
        .mission()?
        .ok_or_else(|| RuntimeError::Invalid(format!("{}: no mission recorded to resume", record_path.display())))?;
    let given = opts.field_path.display().to_string();
    match std::fs::read_to_string(&opts.field_path) {
        Ok(text) if text != row.field_geojson => {
            if given == row.field_name {
                tracing::warn!(
                    "{given} changed since the mission started: the field recorded in {} is used",
                    record_path.display()
                );
            } else {
                return Err(RuntimeError::Invalid(format!(
                    "--field {given} is not the field of the mission recorded in {} (that is {}: {} bytes, this file {} bytes, \
                     different content): a mission resumes on its own field; leave --field out",
                    record_path.display(),
                    row.field_name,
                    row.field_geojson.len(),
                    text.len()
                )));
            }
        }
        Ok(_) => {}
        Err(_) if given == row.field_name => {}
        Err(e) => return Err(RuntimeError::Io { what: given, source: e }),
    }
    Ok(field::parse(
        &row.field_geojson,
        &format!("{} (as recorded in {})", row.field_name, record_path.display()),
        &FieldOptions::default(),
    )?)
}

/// Run the mission to its end (completed or aborted), writing every output in `out_dir`.
pub fn run(opts: &SimOptions, progress: &mut dyn FnMut(&Progress)) -> Result<SimSummary, RuntimeError> {
    let wall0 = Instant::now();
    let m = &opts.machine;
    opts.safety.validate()?;
    let record_path = opts.out_dir.join("record.sqlite");
    if opts.resume && !record_path.exists() {
        return Err(RuntimeError::Invalid(format!(
            "{}: no record to resume (--resume takes the --out directory of an earlier `demine sim`)",
            record_path.display()
        )));
    }
    if !opts.resume && record_path.exists() {
        return Err(RuntimeError::Invalid(format!(
            "{} exists: continue it with --resume {} or choose another --out",
            record_path.display(),
            opts.out_dir.display()
        )));
    }
    let field = if opts.resume {
        resumed_field(opts, &record_path)?
    } else {
        field::load(&opts.field_path, &FieldOptions::default())?
    };
    // a profile the simulated implement cannot run is refused before anything is written (on a
    // resume, after the record's own machine is compared, below)
    if !opts.resume {
        crate::sim::implement::check_profile(m).map_err(RuntimeError::Invalid)?;
    }
    std::fs::create_dir_all(&opts.out_dir).map_err(RuntimeError::io(opts.out_dir.display().to_string()))?;
    let mut record = Record::open(&record_path, Durability::Normal)?;
    // a resumed mission keeps its world and its machine
    let resumed_opts;
    let opts = match record.mission()? {
        Some(row) if opts.resume => {
            if row.machine_name != m.name {
                return Err(RuntimeError::Invalid(format!(
                    "{}: the mission was started with machine {:?}, not {:?}: resume it with that profile",
                    record_path.display(),
                    row.machine_name,
                    m.name
                )));
            }
            crate::sim::implement::check_profile(m).map_err(RuntimeError::Invalid)?;
            if row.seed != opts.seed {
                tracing::warn!(
                    "--seed {} ignored: the recorded mission's world was seeded {}",
                    opts.seed,
                    row.seed
                );
            }
            resumed_opts = SimOptions {
                seed: row.seed,
                ..opts.clone()
            };
            &resumed_opts
        }
        None if opts.resume => {
            return Err(RuntimeError::Invalid(format!(
                "{}: no mission recorded to resume",
                record_path.display()
            )))
        }
        _ => opts,
    };
    let cov = CoverageConfig::for_machine(m);
    let cell_m = cov.cell_m;
    let mut grid = ProcessedGrid::new(cov, m, &field.hazard, &field.safe)
        .map_err(|e| RuntimeError::Invalid(format!("{}: {e}", opts.field_path.display())))?;
    let mut mission = Mission::new(opts.safety.clone(), m, 2);
    let mut first_event_seq = 0;
    let (motions, start, t0, resumed) = if opts.resume {
        let rp = record.resume_point()?;
        let motions = rp
            .plan
            .iter()
            .map(|s| motion_json::decode(&s.motion))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| RuntimeError::Invalid("record: a plan segment does not decode".into()))?;
        for &(col, row) in &rp.cells {
            grid.credit_cell(col, row);
        }
        // blocks still to re-process: their cells last processed before the detonation
        for d in &rp.detonations {
            let area = crate::coverage::reprocess::reprocess_area(
                d.x_m,
                d.y_m,
                d.heading_rad,
                d.block_length_m,
                d.block_width_m,
                m.lane_overlap_m,
            );
            let (c0, r0, c1, r1) = grid.cell_range(&area);
            let times = record.cell_times_in((c0, c1), (r0, r1))?;
            grid.mark_reprocess(&area, |c, r| times.get(&(c, r)).is_some_and(|t| *t <= d.t_s));
        }
        let track = record.track()?;
        let start = track
            .last()
            .map(|p| Pose::new(p.x_m, p.y_m, p.yaw_rad))
            .or_else(|| motions.first().map(start_pose))
            .ok_or_else(|| RuntimeError::Invalid("record: empty plan".into()))?;
        mission = mission.restore(rp.state, motions.len(), rp.next_segment, rp.detonations.len() as u32);
        let t0 = rp.last_t_s + 1.0;
        let mut seq = rp.next_event_seq;
        for e in mission.take_restore_event(t0) {
            record.add_event(seq, &e)?;
            record.set_state(e.state, t0)?;
            seq += 1;
        }
        let rp = ResumePoint {
            next_event_seq: seq,
            ..rp
        };
        (motions, start, t0, Some(rp))
    } else {
        let plan = plan::plan(&field, m, &PlanConfig::default())?;
        let text = std::fs::read_to_string(&opts.field_path)
            .map_err(RuntimeError::io(opts.field_path.display().to_string()))?;
        record.ensure_mission(&MissionRow {
            task_id: format!("sim-{}", opts.seed),
            created_utc: "simulated".into(),
            field_name: opts.field_path.display().to_string(),
            field_geojson: text,
            machine_name: m.name.clone(),
            machine_yaml: if opts.machine_yaml.is_empty() {
                serde_norway::to_string(m).expect("a machine profile serialises to YAML")
            } else {
                opts.machine_yaml.clone()
            },
            seed: opts.seed,
            cell_m,
            planned_area_m2: field.hazard.unsigned_area(),
        })?;
        record.put_plan(&segment_rows(0, &plan.motions))?;
        let start = plan
            .motions
            .first()
            .map(start_pose)
            .ok_or_else(|| RuntimeError::Invalid("the plan has no motions".into()))?;
        let loaded = mission.step(
            Input::PlanLoaded {
                segments: plan.motions.len(),
            },
            0.0,
        );
        // `idle -> planned` is the record's first event
        for (seq, e) in loaded.events.iter().enumerate() {
            record.add_event(seq as i64, e)?;
        }
        first_event_seq = loaded.events.len() as i64;
        record.set_state(mission.state(), 0.0)?;
        (plan.motions, start, 0.0, None)
    };
    let sim_cfg = SimConfig::new(m, scenario(opts, t0));
    let nav = Navigation::new(m, &sim_cfg, field.datum)?;
    let mut vehicle =
        SimVehicle::new(sim_cfg, m, &field, start).map_err(|e| RuntimeError::Invalid(format!("simulator: {e}")))?;
    if let Some(rp) = &resumed {
        // mines the record saw go off are gone (positions are the estimate's, within a metre)
        for d in &rp.detonations {
            vehicle.mines_mut().clear_near(d.x_m, d.y_m, 1.0);
        }
    }
    let tracker = PathTracker::new(TrackerConfig::for_machine(m), motions.clone())
        .map_err(|e| RuntimeError::Invalid(format!("tracker: {e}")))?;
    let schedule = ScheduleConfig {
        host_mode: HostMode::Auto,
        ..ScheduleConfig::default()
    };
    let can = CanLoop::new(vehicle, EcuConfig::default(), schedule).map_err(RuntimeError::io("pty"))?;
    let fence = crate::mission::footprint::geofence(&field, m, &motions);
    let monitor = FootprintMonitor::new(m, fence, opts.safety.sigma_k, 0.1);
    let mut host = Host::new(
        Parts {
            opts,
            field: &field,
            m,
            motions,
            record,
            grid,
            mission,
            can,
            nav,
            tracker,
            monitor,
            truth_check: FootprintCheck::new(m),
            t_s: t0,
            sim_t0_s: t0,
        },
        resumed.as_ref(),
    );
    if resumed.is_none() {
        host.event_seq = first_event_seq;
    }
    host.time_limit_s = opts
        .max_sim_s
        .unwrap_or_else(|| default_time_limit_s(&host.p.motions, m));
    if opts.log_sensors {
        host.sensor_log = Some(super::sensor_log::SensorLog::create(&opts.out_dir)?);
    }
    host.run(progress, wall0)?;
    let summary = host.summary(wall0.elapsed().as_secs_f64(), resumed.is_some());
    Outputs::write(&host, &summary)?;
    crate::record::export::write_mission_exports(&record_path, opts.mcap.as_deref())
        .map_err(|e| RuntimeError::Invalid(e.to_string()))?;
    Ok(summary)
}
