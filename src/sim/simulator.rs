//! [`SimVehicle`]: the whole simulated machine on its field (vehicle, implement, hidden mines,
//! GNSS receiver, gyro, scenario faults), time-stepped, deterministic for a seed. It implements
//! the CAN layer's [`VehicleModel`] so that `VehicleEcu<SimVehicle>` drives it over CAN.

use super::gnss::{GnssEpoch, GnssParams, GnssReceiver};
use super::implement::{Implement, ImplementDemand, ImplementParams, ImplementState};
use super::imu::{Gyro, ImuParams, ImuSample};
use super::mines::{Detonation, DetonationCause, MineField, MineKind};
use super::scenario::{Fault, FaultKind, Scenario};
use super::vehicle::{TrackDemand, TrackedVehicle, VehicleParams, VehicleTruth};
use super::SimError;
use crate::can::vehicle_model::{ActuatorDemand, VehicleModel, VehicleState};
use crate::field::Field;
use crate::machine::MachineProfile;
use crate::plan::pose::Body;
use crate::plan::Pose;
use geo::Coord;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use std::collections::VecDeque;
use std::time::Duration;

/// Everything a simulated machine is configured with.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub scenario: Scenario,
    pub vehicle: VehicleParams,
    pub implement: ImplementParams,
    pub gnss: GnssParams,
    pub imu: ImuParams,
    /// Produce GNSS and IMU output (off for truth-pose runs: faster). Default true.
    pub sensors: bool,
    /// Longest internal integration step, s. Default 0.02.
    pub max_step_s: f64,
    /// 1σ noise of the track speed feedback, m/s. Default 0.002.
    pub track_speed_sigma_mps: f64,
}

impl SimConfig {
    /// Defaults for a machine profile and a scenario.
    pub fn new(m: &MachineProfile, scenario: Scenario) -> Self {
        Self {
            scenario,
            vehicle: VehicleParams::for_machine(m),
            implement: ImplementParams::for_profile(m),
            gnss: GnssParams::default(),
            imu: ImuParams::default(),
            sensors: true,
            max_step_s: 0.02,
            track_speed_sigma_mps: 0.002,
        }
    }
}

/// What happened in one call of [`SimVehicle::step`].
#[derive(Clone, Debug, PartialEq)]
pub struct StepReport {
    /// Simulated time after the step, s.
    pub t_s: f64,
    pub truth: VehicleTruth,
    pub implement: ImplementState,
    /// Detonations during the step.
    pub detonations: Vec<Detonation>,
}

/// Sensor output gathered since the last [`SimVehicle::take_outputs`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SensorOutputs {
    pub gnss: Vec<GnssEpoch>,
    pub imu: Vec<ImuSample>,
    pub detonations: Vec<Detonation>,
}

/// One step's news for a host that cannot reach the simulator directly (it runs inside
/// `VehicleEcu` behind the pty thread): sent through the tap set with [`SimVehicle::set_tap`].
#[derive(Clone, Debug, PartialEq)]
pub struct SimTick {
    /// Simulated time after the step, s.
    pub t_s: f64,
    pub truth: VehicleTruth,
    pub implement: ImplementState,
    /// GNSS epochs, gyro samples and detonations of the step.
    pub outputs: SensorOutputs,
}

/// The simulated machine.
pub struct SimVehicle {
    tap: Option<std::sync::mpsc::Sender<SimTick>>,
    cfg: SimConfig,
    body: Body,
    rng: ChaCha8Rng,
    t_s: f64,
    vehicle: TrackedVehicle,
    implement: Implement,
    mines: MineField,
    gnss: GnssReceiver,
    gyro: Gyro,
    faults: VecDeque<Fault>,
    line: [Coord<f64>; 2],
    outputs: SensorOutputs,
    shock_g: Option<f64>,
    measured: (f64, f64),
    engine_rpm: f64,
    fuel_pct: f64,
    hyd_temp_c: f64,
}

impl SimVehicle {
    /// A machine at rest at `start` on `field` (mines laid over its hazard from the seed).
    pub fn new(cfg: SimConfig, m: &MachineProfile, field: &Field, start: Pose) -> Result<Self, SimError> {
        cfg.scenario.validate()?;
        if !(cfg.max_step_s > 0.0 && cfg.max_step_s <= 0.1) {
            return Err(SimError::InvalidScenario {
                field: "max_step_s",
                value: cfg.max_step_s.to_string(),
                why: "must be within 0 (exclusive) ..= 0.1 s".into(),
            });
        }
        let s = &cfg.scenario;
        let mut rng = ChaCha8Rng::seed_from_u64(s.seed);
        let mines = MineField::lay(&field.hazard, s.ap_mines_per_ha, s.at_mines_per_ha, &mut rng);
        let gyro = Gyro::new(cfg.imu.clone(), &mut rng);
        let gnss = GnssReceiver::new(
            cfg.gnss.clone(),
            field.datum,
            s.start_unix_s,
            s.float_episodes_per_h,
            s.multipath_bursts_per_h,
        );
        let vehicle = TrackedVehicle::new(cfg.vehicle.clone(), start, s.soil, s.slope_deg, s.slope_downhill_rad);
        let body = Body::new(m);
        Ok(Self {
            tap: None,
            line: body.implement_at(&start),
            body,
            implement: Implement::new(cfg.implement.clone()),
            faults: s.vehicle_faults().into(),
            rng,
            t_s: 0.0,
            vehicle,
            mines,
            gnss,
            gyro,
            outputs: SensorOutputs::default(),
            shock_g: None,
            measured: (0.0, 0.0),
            engine_rpm: 800.0,
            fuel_pct: 80.0,
            hyd_temp_c: 55.0,
            cfg,
        })
    }

    /// Simulated time, s.
    pub fn time_s(&self) -> f64 {
        self.t_s
    }

    pub fn truth(&self) -> &VehicleTruth {
        self.vehicle.truth()
    }

    pub fn implement(&self) -> &ImplementState {
        self.implement.state()
    }

    /// The hidden layout (for reports and tests, never for the stack under test).
    pub fn mines(&self) -> &MineField {
        &self.mines
    }

    /// The hidden layout, to replay a record's detonations on resume.
    pub fn mines_mut(&mut self) -> &mut MineField {
        &mut self.mines
    }

    pub fn config(&self) -> &SimConfig {
        &self.cfg
    }

    /// After every [`VehicleModel::step`] (the ECU's steps), send a [`SimTick`] with the step's
    /// outputs through `tx` instead of keeping them for [`SimVehicle::take_outputs`]. The tap is
    /// dropped when the receiver is gone.
    pub fn set_tap(&mut self, tx: std::sync::mpsc::Sender<SimTick>) {
        self.tap = Some(tx);
    }

    /// Sensor output and detonations since the last call.
    pub fn take_outputs(&mut self) -> SensorOutputs {
        std::mem::take(&mut self.outputs)
    }

    fn apply_faults(&mut self) {
        while self.faults.front().is_some_and(|f| f.at_s <= self.t_s) {
            let f = self.faults.pop_front().expect("checked");
            match f.kind {
                FaultKind::GnssOutage { duration_s } => self.gnss.outage(f.at_s, duration_s),
                FaultKind::GnssDegrade { quality, duration_s } => self.gnss.degrade(quality, f.at_s, duration_s),
                FaultKind::RotorStall { duration_s } => self.implement.force_stall(duration_s),
                FaultKind::SoilChange { soil } => self.vehicle.set_soil(soil),
                FaultKind::Shock { peak_g } => self.shock(peak_g),
                FaultKind::LinkLoss { .. } | FaultKind::EStop | FaultKind::ProcessKill => {}
            }
        }
    }

    fn shock(&mut self, peak_g: f64) {
        let [a, b] = self.line;
        let d = Detonation {
            t_s: self.t_s,
            x_m: 0.5 * (a.x + b.x),
            y_m: 0.5 * (a.y + b.y),
            kind: MineKind::AntiPersonnel,
            cause: DetonationCause::Injected,
            peak_g,
        };
        self.record(vec![d]);
    }

    fn record(&mut self, d: Vec<Detonation>) {
        for e in &d {
            self.shock_g = Some(self.shock_g.unwrap_or(0.0).max(e.peak_g));
        }
        self.outputs.detonations.extend(d);
    }

    /// Advances by `dt_s` under `demand` (in internal steps of at most `max_step_s`).
    ///
    /// # Units
    /// `dt_s` seconds; demand in m/s, rpm and metres.
    pub fn step(&mut self, demand: &ActuatorDemand, dt_s: f64) -> StepReport {
        let n_before = self.outputs.detonations.len();
        let n = (dt_s / self.cfg.max_step_s).ceil().max(1.0) as usize;
        let h = dt_s / n as f64;
        for _ in 0..n {
            self.substep(demand, h);
        }
        StepReport {
            t_s: self.t_s,
            truth: *self.vehicle.truth(),
            implement: *self.implement.state(),
            detonations: self.outputs.detonations[n_before..].to_vec(),
        }
    }

    fn substep(&mut self, d: &ActuatorDemand, h: f64) {
        self.t_s += h;
        self.apply_faults();
        let demand = TrackDemand {
            left_mps: d.left_mps,
            right_mps: d.right_mps,
            brake: d.brake,
        };
        let truth = *self.vehicle.step(demand, h, &mut self.rng);
        let imp = ImplementDemand {
            rotor_enable: d.rotor_enable && !d.brake,
            rotor_rpm: d.rotor_rpm,
            depth_m: d.depth_m,
        };
        let st = *self.implement.step(imp, truth.ground_speed_mps, h);
        let line = self.body.implement_at(&truth.pose);
        if truth.ground_speed_mps > 0.0 && st.processing_depth_m > 0.0 {
            let dets = self.mines.sweep_implement(
                self.line,
                line,
                st.rotor_rpm,
                st.processing_depth_m,
                self.t_s,
                &mut self.rng,
            );
            self.record(dets);
        }
        self.line = line;
        let fp = self.body.footprint_at(&truth.pose);
        let dets = self.mines.under_footprint(&fp, self.t_s, &mut self.rng);
        self.record(dets);
        let sigma = self.cfg.track_speed_sigma_mps;
        let (a, b): (f64, f64) = (self.rng.sample(StandardNormal), self.rng.sample(StandardNormal));
        self.measured = (truth.left_track_mps + sigma * a, truth.right_track_mps + sigma * b);
        let busy = d.rotor_enable || truth.left_track_mps.abs() + truth.right_track_mps.abs() > 0.01;
        let target = if busy { 1900.0 } else { 800.0 };
        self.engine_rpm += (target - self.engine_rpm).clamp(-500.0 * h, 500.0 * h);
        self.fuel_pct = (self.fuel_pct - 0.0015 * h * self.engine_rpm / 1900.0).max(0.0);
        let hyd = if st.rotor_enabled { 65.0 } else { 55.0 };
        self.hyd_temp_c += (hyd - self.hyd_temp_c).clamp(-0.05 * h, 0.05 * h);
        if self.cfg.sensors {
            let base = self.cfg.scenario.gnss_base_quality(self.t_s);
            let e = self
                .gnss
                .step(self.t_s, &truth.pose, truth.ground_speed_mps, base, &mut self.rng);
            self.outputs.gnss.extend(e);
            self.gyro
                .step(self.t_s, truth.yaw_rate_rps, &mut self.rng, &mut self.outputs.imu);
        }
    }
}

impl VehicleModel for SimVehicle {
    fn step(&mut self, demand: &ActuatorDemand, dt: Duration) {
        let r = SimVehicle::step(self, demand, dt.as_secs_f64());
        if let Some(tx) = &self.tap {
            let tick = SimTick {
                t_s: r.t_s,
                truth: r.truth,
                implement: r.implement,
                outputs: std::mem::take(&mut self.outputs),
            };
            if tx.send(tick).is_err() {
                self.tap = None;
            }
        }
    }

    fn state(&self) -> VehicleState {
        let s = self.implement.state();
        VehicleState {
            left_mps: self.measured.0,
            right_mps: self.measured.1,
            rotor_rpm: s.rotor_rpm,
            rotor_enabled: s.rotor_enabled,
            depth_m: s.processing_depth_m,
            hydraulic_pressure_bar: s.pressure_bar,
            hydraulic_temp_c: self.hyd_temp_c,
            engine_rpm: self.engine_rpm,
            coolant_c: 88.0,
            oil_pressure_kpa: 200.0 + 0.08 * self.engine_rpm,
            fuel_pct: self.fuel_pct,
        }
    }

    fn take_shock_g(&mut self) -> Option<f64> {
        self.shock_g.take()
    }

    fn inject_shock(&mut self, peak_g: f64) {
        self.shock(peak_g);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::can::ecu::{EcuConfig, VehicleEcu};
    use crate::can::frame::CanFrame;
    use crate::can::protocol::{DriveCommand, HostMode, ImplementCommand, VehicleCommand, VehicleFeedback};
    use crate::field::SafeSource;
    use crate::geodesy::{Datum, LatLon};
    use geo::MultiPolygon;

    fn field() -> Field {
        Field {
            source: "test".into(),
            datum: Datum::new(LatLon::new(46.93, 39.98)),
            hazard: MultiPolygon::new(vec![geo::Rect::new((0.0, -20.0), (40.0, 20.0)).to_polygon()]),
            safe: MultiPolygon::new(vec![geo::Rect::new((-20.0, -20.0), (0.0, 20.0)).to_polygon()]),
            safe_source: SafeSource::Given,
            start: None,
        }
    }

    fn sim(s: Scenario) -> SimVehicle {
        let m = MachineProfile::default_profile();
        SimVehicle::new(SimConfig::new(&m, s), &m, &field(), Pose::new(-6.0, 0.0, 0.0)).unwrap()
    }

    fn clearing() -> ActuatorDemand {
        ActuatorDemand {
            left_mps: 0.14,
            right_mps: 0.14,
            rotor_enable: true,
            rotor_rpm: 600.0,
            depth_m: 0.25,
            brake: false,
        }
    }

    #[test]
    fn same_seed_same_run() {
        let run = |seed| {
            let mut s = sim(Scenario {
                seed,
                ap_mines_per_ha: 2000.0,
                ..Scenario::default()
            });
            for _ in 0..2000 {
                s.step(&clearing(), 0.05);
            }
            (*s.truth(), s.take_outputs())
        };
        let (a, b) = (run(3), run(3));
        assert_eq!(a, b);
        assert!(!a.1.detonations.is_empty() && a.1.gnss.len() > 900 && a.1.imu.len() > 9000);
        assert_ne!(a.0, run(4).0);
    }

    #[test]
    fn processing_line_sets_off_mines_ahead_of_the_tracks() {
        let mut s = sim(Scenario {
            ap_mines_per_ha: 3000.0,
            at_mines_per_ha: 0.0,
            ..Scenario::quiet(2)
        });
        // spin up on the safe ground, then drive 20 m into the hazard
        let spin = ActuatorDemand {
            left_mps: 0.0,
            right_mps: 0.0,
            ..clearing()
        };
        s.step(&spin, 8.0);
        let mut dets = Vec::new();
        while s.truth().pose.x_m < 14.0 {
            dets.extend(s.step(&clearing(), 0.1).detonations);
        }
        assert!(dets.len() >= 3, "{}", dets.len());
        // everything under the tracks was processed first: shallow AP mines never go off under a track
        assert!(dets.iter().all(|d| d.cause == DetonationCause::Implement), "{dets:?}");
    }

    #[test]
    fn injected_faults_apply_at_their_time() {
        let mut sc = Scenario::quiet(1);
        sc.faults = vec![
            Fault {
                at_s: 10.0,
                kind: FaultKind::RotorStall { duration_s: 5.0 },
            },
            Fault {
                at_s: 12.0,
                kind: FaultKind::Shock { peak_g: 80.0 },
            },
        ];
        let mut s = sim(sc);
        let idle = ActuatorDemand {
            left_mps: 0.0,
            right_mps: 0.0,
            ..clearing()
        };
        s.step(&idle, 9.0);
        assert!(s.implement().rotor_rpm > 590.0);
        s.step(&idle, 4.0);
        assert!(s.implement().stalled && s.implement().pressure_bar > 320.0);
        assert_eq!(VehicleModel::take_shock_g(&mut s), Some(80.0));
        assert_eq!(s.take_outputs().detonations[0].cause, DetonationCause::Injected);
    }

    #[test]
    fn ecu_drives_the_sim_over_can() {
        let mut ecu = VehicleEcu::new(EcuConfig::default(), sim(Scenario::quiet(1)), Duration::ZERO);
        let mut frames: Vec<CanFrame> = Vec::new();
        let mut now = Duration::ZERO;
        let mut counter = 0u8;
        for i in 0..1000 {
            now += Duration::from_millis(10);
            if i % 10 == 0 {
                counter = crate::can::protocol::counter::next(counter);
                for c in [
                    VehicleCommand::Heartbeat {
                        counter,
                        mode: HostMode::Auto,
                    },
                    VehicleCommand::Drive(DriveCommand {
                        left_mps: 0.5,
                        right_mps: 0.5,
                    }),
                    VehicleCommand::Implement(ImplementCommand {
                        rotor_enable: true,
                        rotor_rpm: 600.0,
                        depth_m: 0.0,
                    }),
                ] {
                    ecu.on_frame(&c.encode().unwrap(), now);
                }
            }
            frames.extend(ecu.step(now));
        }
        assert!(
            ecu.model().truth().pose.x_m > -6.0 + 3.0,
            "{:?}",
            ecu.model().truth().pose
        );
        let speeds: Vec<f64> = frames
            .iter()
            .filter_map(|f| match VehicleFeedback::decode(f) {
                Ok(Some(VehicleFeedback::TrackSpeeds { left_mps, .. })) => Some(left_mps),
                _ => None,
            })
            .collect();
        assert!(
            speeds.last().is_some_and(|v| (v - 0.5).abs() < 0.02),
            "{:?}",
            speeds.last()
        );
    }

    #[test]
    fn tap_hands_out_every_step_behind_the_ecu() {
        let (tx, rx) = std::sync::mpsc::channel();
        let mut s = sim(Scenario::quiet(1));
        s.set_tap(tx);
        let mut ecu = VehicleEcu::new(EcuConfig::default(), s, Duration::ZERO);
        for i in 1..=200 {
            ecu.step(Duration::from_millis(10 * i));
        }
        let ticks: Vec<SimTick> = rx.try_iter().collect();
        assert_eq!(ticks.len(), 199, "the first ECU step only starts the clock");
        assert!((ticks.last().unwrap().t_s - 1.99).abs() < 1e-9);
        let epochs: usize = ticks.iter().map(|t| t.outputs.gnss.len()).sum();
        assert!((19..=20).contains(&epochs), "10 Hz for 2 s less the latency: {epochs}");
        assert!(ecu.model_mut().take_outputs().gnss.is_empty());
    }
}
