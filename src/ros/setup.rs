//! Field, machine and planner settings from node parameters, through the same loaders and
//! validation as `demine plan` (`field::load`, `MachineProfile::load`, the same option ranges).
//!
//! Parameters (shared by the planner, mission, tracker, localizer and coverage nodes):
//! - `field` (string, required): the field GeoJSON;
//! - `machine` (string, default: the shipped medium flail): the machine profile YAML;
//! - `safe_margin_m` (float, default 20): safe band when the field has no `safe` feature;
//! - `max_area_m2` (float, default 10e6): largest hazard accepted;
//! - `angle_step_deg` (float in (0, 90], default 5): lane-angle search step.

use crate::field::{self, Field, FieldError, FieldOptions};
use crate::machine::{MachineError, MachineProfile};
use crate::plan::PlanConfig;

use super::params::{self, ParamError, ParamMap};

/// The parameter names [`Setup::from_params`] reads.
pub const SETUP_KEYS: [&str; 5] = ["field", "machine", "safe_margin_m", "max_area_m2", "angle_step_deg"];

/// Why a setup could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error(transparent)]
    Field(Box<FieldError>),
    #[error(transparent)]
    Machine(#[from] MachineError),
}

impl From<FieldError> for SetupError {
    fn from(e: FieldError) -> Self {
        SetupError::Field(Box::new(e))
    }
}

/// A loaded, validated field and machine with the planner's settings.
#[derive(Clone, Debug)]
pub struct Setup {
    pub field: Field,
    pub machine: MachineProfile,
    pub plan_config: PlanConfig,
}

/// The machine profile named by `machine`, or the shipped default.
pub fn machine(map: &ParamMap) -> Result<MachineProfile, SetupError> {
    Ok(match params::string(map, "machine")? {
        Some(p) => MachineProfile::load(std::path::Path::new(&p))?,
        None => MachineProfile::default_profile(),
    })
}

impl Setup {
    pub fn from_params(map: &ParamMap) -> Result<Self, SetupError> {
        let path = params::required_path(map, "field")?;
        let opts = FieldOptions {
            safe_margin_m: params::float_in(map, "safe_margin_m", 20.0, 0.0, 1000.0)?,
            max_area_m2: params::float_in(map, "max_area_m2", 10.0e6, 1.0, 1.0e9)?,
        };
        let angle_step_deg = params::float(map, "angle_step_deg", 5.0)?;
        if !(angle_step_deg > 0.0 && angle_step_deg <= 90.0) {
            return Err(ParamError::Invalid {
                name: "angle_step_deg".into(),
                value: angle_step_deg.to_string(),
                why: "must be within (0, 90]".into(),
            }
            .into());
        }
        Ok(Setup {
            field: field::load(&path, &opts)?,
            machine: machine(map)?,
            plan_config: PlanConfig {
                angle_step_deg,
                ..PlanConfig::default()
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use r2r::ParameterValue;

    fn example(extra: &[(&str, ParameterValue)]) -> ParamMap {
        let mut m = ParamMap::new();
        m.insert(
            "field".into(),
            ParameterValue::String(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/fields/rectangle.geojson").into()),
        );
        for (k, v) in extra {
            m.insert(k.to_string(), v.clone());
        }
        m
    }

    #[test]
    fn loads_like_the_cli() {
        let s = Setup::from_params(&example(&[])).unwrap();
        assert_eq!(s.machine, MachineProfile::default_profile());
        assert_eq!(s.plan_config.angle_step_deg, 5.0);
        let s = Setup::from_params(&example(&[
            (
                "machine",
                ParameterValue::String(concat!(env!("CARGO_MANIFEST_DIR"), "/machines/large_tiller.yaml").into()),
            ),
            ("angle_step_deg", ParameterValue::Integer(10)),
        ]))
        .unwrap();
        assert_eq!(s.machine.working_width_m, 3.0);
        assert_eq!(s.plan_config.angle_step_deg, 10.0);
    }

    #[test]
    fn errors_name_the_file_or_parameter() {
        let e = Setup::from_params(&ParamMap::new()).unwrap_err().to_string();
        assert!(e.contains("'field'"), "{e}");
        let e = Setup::from_params(&example(&[("angle_step_deg", ParameterValue::Double(0.0))]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("angle_step_deg"), "{e}");
        let e = Setup::from_params(&example(&[(
            "machine",
            ParameterValue::String("/nonexistent/m.yaml".into()),
        )]))
        .unwrap_err()
        .to_string();
        assert!(e.contains("/nonexistent/m.yaml"), "{e}");
    }
}
