//! One `run` per node. Each creates its [`NodeHost`](super::runtime::NodeHost), validates its
//! parameters, wires subscriptions to the core types through the conversions and publishes on
//! the interface table's topics. The binaries `src/bin/demine_<node>.rs` only call
//! [`runtime::main_with`](super::runtime::main_with) with one of these.

pub mod can_bridge;
pub mod coverage;
pub mod localizer;
pub mod mission;
pub mod planner;
pub mod sim;
pub mod tracker;

use super::params::{check_keys, ParamError, ParamMap};
use super::setup::SETUP_KEYS;

/// The parameter names `node` accepts: the shared [`SETUP_KEYS`], its own, and its nested
/// prefixes (`localizer.*`, `safety.*`).
pub fn accepted_keys(node: &str) -> (Vec<&'static str>, &'static [&'static str]) {
    let own: &[&str] = match node {
        "localizer" => &localizer::LOCALIZER_KEYS,
        "can_bridge" => &can_bridge::CAN_KEYS,
        "mission" => &mission::MISSION_KEYS,
        "coverage" => &coverage::COVERAGE_KEYS,
        "sim" => &sim::SIM_KEYS,
        _ => &[],
    };
    let prefixes: &'static [&'static str] = match node {
        "localizer" => &["localizer"],
        "mission" => &["safety"],
        _ => &[],
    };
    (SETUP_KEYS.iter().chain(own).copied().collect(), prefixes)
}

/// Refuse parameters `node` does not know (r2r would silently keep a typo).
pub fn check_params(node: &str, map: &ParamMap) -> Result<(), ParamError> {
    let (keys, prefixes) = accepted_keys(node);
    check_keys(node, map, &keys, prefixes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ros_interface::NODES;
    use r2r::ParameterValue;

    fn flatten(prefix: &str, v: &serde_norway::Value, out: &mut ParamMap) {
        match v {
            serde_norway::Value::Mapping(m) => {
                for (k, x) in m {
                    let k = k.as_str().expect("string keys");
                    let name = if prefix.is_empty() {
                        k.to_string()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    flatten(&name, x, out);
                }
            }
            _ => {
                out.insert(prefix.to_string(), ParameterValue::NotSet);
            }
        }
    }

    /// Every key the shipped parameter files and launch files give a node is one it accepts.
    #[test]
    fn shipped_parameter_files_pass_every_node_check() {
        for file in ["config/demine.yaml", "config/sim.yaml"] {
            let text = std::fs::read_to_string(format!("{}/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
            let v: serde_norway::Value = serde_norway::from_str(&text).unwrap();
            for node in NODES {
                let mut map = ParamMap::new();
                for block in ["/**", node] {
                    if let Some(p) = v.get(block).and_then(|b| b.get("ros__parameters")) {
                        flatten("", p, &mut map);
                    }
                }
                // what the launch files add
                let launch: &[&str] = match node {
                    "can_bridge" => &["port", "machine"],
                    "localizer" => &["field", "machine", "use_sim_time", "nmea_port", "heading_source"],
                    _ => &["field", "machine", "use_sim_time"],
                };
                for k in launch {
                    map.insert(k.to_string(), ParameterValue::NotSet);
                }
                check_params(node, &map).unwrap_or_else(|e| panic!("{file}: {e}"));
                if node == "mission" {
                    let block = v.get("mission").and_then(|b| b.get("ros__parameters"));
                    let safety = block.and_then(|b| b.get("safety")).cloned();
                    let text = serde_json::to_string(&safety.unwrap_or_default()).unwrap();
                    let cfg: crate::mission::SafetyConfig =
                        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: safety: {e}"));
                    cfg.validate().unwrap_or_else(|e| panic!("{file}: {e}"));
                }
            }
        }
        let mut typo = ParamMap::new();
        typo.insert("resolution".into(), ParameterValue::Double(0.1));
        assert!(check_params("coverage", &typo).is_err());
    }
}
