//! [`SimMachine`]: the built-in simulator ([`SimVehicle`]) as the sim node's
//! [`SimulatorCore`]. It holds the last setpoints (the node's subscriptions update them between
//! steps) and turns what the simulated machine emits into what a driver stack would hand ROS:
//! - the GNSS receiver's NMEA sentences go through the same decoder as a real receiver's
//!   ([`crate::gnss::EpochAssembler`]), so fix type, covariance (GST), dual-antenna heading (HDT)
//!   and time come from the sentences, not from the simulator's truth; epochs without a position
//!   give no fix;
//! - gyro samples, measured track speeds and the implement state as the CAN feedback reports
//!   them ([`VehicleModel::state`]);
//! - detonations with their peak shock.
//!
//! GNSS and IMU rates are set to the interface table's (`rate::SIM_GNSS_HZ`, `rate::SIM_IMU_HZ`).

use crate::can::protocol::{DriveCommand, ImplementCommand, ImplementStatus};
use crate::can::vehicle_model::{ActuatorDemand, VehicleModel};
use crate::field::Field;
use crate::gnss::{parse_sentence, EpochAssembler, EpochStats, GnssMeasurement};
use crate::machine::MachineProfile;
use crate::plan::Pose;
use crate::ros_interface::rate;
use crate::sim::{Scenario, SimConfig, SimError, SimVehicle};

use super::adapters::{SimStep, SimulatorCore};
use super::setup::Setup;

/// The simulated machine, its setpoints and its receiver's decoder.
pub struct SimMachine {
    sim: SimVehicle,
    demand: ActuatorDemand,
    nmea: EpochAssembler,
    /// UNIX time of simulated time zero (the NMEA clock), seconds.
    start_unix_s: f64,
    /// Sentences that did not parse (none expected from the simulator's own encoder).
    bad_sentences: u64,
}

impl SimMachine {
    /// `scenario` on `field` with the machine at rest at `start` (ENU, the field's `map` frame).
    pub fn new(m: &MachineProfile, field: &Field, scenario: Scenario, start: Pose) -> Result<Self, SimError> {
        let start_unix_s = scenario.start_unix_s;
        let mut cfg = SimConfig::new(m, scenario);
        cfg.gnss.rate_hz = rate::SIM_GNSS_HZ;
        cfg.imu.rate_hz = rate::SIM_IMU_HZ;
        Ok(Self {
            sim: SimVehicle::new(cfg, m, field, start)?,
            demand: ActuatorDemand::default(),
            nmea: EpochAssembler::new(),
            start_unix_s,
            bad_sentences: 0,
        })
    }

    /// The simulator (truth, hidden mines: for tests and reports, never for the stack).
    pub fn vehicle(&self) -> &SimVehicle {
        &self.sim
    }

    /// Counters of the NMEA decoding: (epochs, sentences that did not parse).
    pub fn nmea_stats(&self) -> (EpochStats, u64) {
        (self.nmea.stats(), self.bad_sentences)
    }
}

/// The sim node's simulator: [`SimMachine`] for the setup's machine and field.
pub fn sim_machine(setup: &Setup, scenario: Scenario, start: Pose) -> Result<Box<dyn SimulatorCore>, SimError> {
    Ok(Box::new(SimMachine::new(
        &setup.machine,
        &setup.field,
        scenario,
        start,
    )?))
}

impl SimulatorCore for SimMachine {
    fn command(&mut self, drive: DriveCommand, implement: ImplementCommand) {
        self.demand = ActuatorDemand {
            left_mps: drive.left_mps,
            right_mps: drive.right_mps,
            rotor_enable: implement.rotor_enable,
            rotor_rpm: implement.rotor_rpm,
            depth_m: implement.depth_m,
            brake: false,
        };
    }

    fn step(&mut self, dt_s: f64) -> SimStep {
        let report = self.sim.step(&self.demand, dt_s);
        let out = self.sim.take_outputs();
        let mut decoded = Vec::new();
        for epoch in &out.gnss {
            for line in &epoch.sentences {
                match parse_sentence(line) {
                    Ok(s) => self.nmea.push(s, &mut decoded),
                    Err(_) => self.bad_sentences += 1,
                }
            }
            // each simulator epoch is complete: emit it now rather than at the next GGA
            self.nmea.flush(&mut decoded);
        }
        let (mut fixes, mut headings) = (Vec::new(), Vec::new());
        for m in decoded {
            match m {
                GnssMeasurement::Fix(mut f) => {
                    f.unix_time_s -= self.start_unix_s;
                    fixes.push(f);
                }
                GnssMeasurement::Heading(mut h) => {
                    h.unix_time_s -= self.start_unix_s;
                    headings.push(h);
                }
            }
        }
        let s = VehicleModel::state(&self.sim);
        SimStep {
            t_s: report.t_s,
            fixes,
            headings,
            yaw_rates: out.imu.iter().map(|i| (i.t_s, i.yaw_rate_rps)).collect(),
            left_mps: s.left_mps,
            right_mps: s.right_mps,
            implement: ImplementStatus {
                rotor_rpm: s.rotor_rpm,
                depth_m: s.depth_m,
                hydraulic_pressure_bar: s.hydraulic_pressure_bar,
                hydraulic_temp_c: s.hydraulic_temp_c,
                rotor_enabled: s.rotor_enabled,
            },
            detonations: out.detonations.iter().map(|d| (d.t_s, d.peak_g)).collect(),
        }
    }
}
