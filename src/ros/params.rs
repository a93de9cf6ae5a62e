//! ROS parameters onto the same typed config structs, and the same validation, as the CLI.
//!
//! r2r stores every `-p` / `--params-file` value without declaration, so a typo would be
//! silently ignored. Each node therefore names the keys it accepts ([`check_keys`]) and fails at
//! start-up on any other. Nested configuration (`localizer.gating.position_chi2: 13.8`) is turned
//! into a JSON tree ([`tree`]) and deserialized with serde into the component's own config type,
//! whose `deny_unknown_fields` and `validate` are the CLI's. Integers are accepted where a float
//! is expected (a YAML `2` for a `_m` field is not an error here).

use std::collections::BTreeMap;
use std::path::PathBuf;

use r2r::ParameterValue;
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};

/// Parameters by full name, as r2r holds them.
pub type ParamMap = BTreeMap<String, ParameterValue>;

/// Parameters every node accepts (handled by r2r or the launch system).
pub const COMMON_KEYS: [&str; 1] = ["use_sim_time"];

/// A parameter problem, naming the parameter.
#[derive(Debug, thiserror::Error)]
pub enum ParamError {
    #[error("parameter '{name}' is not known to node {node} (accepted: {accepted})")]
    Unknown {
        node: String,
        name: String,
        accepted: String,
    },
    #[error("parameter '{name}' is required")]
    Missing { name: String },
    #[error("parameter '{name}' = {value}: expected {expected}")]
    WrongType {
        name: String,
        value: String,
        expected: &'static str,
    },
    #[error("parameter '{name}' = {value}: {why}")]
    Invalid { name: String, value: String, why: String },
    #[error("parameters '{prefix}.*': {source}")]
    Config { prefix: String, source: serde_json::Error },
}

/// Copy r2r's parameter table (`node.params`) into a [`ParamMap`].
pub fn snapshot<'a>(params: impl IntoIterator<Item = (&'a String, &'a r2r::Parameter)>) -> ParamMap {
    params.into_iter().map(|(k, p)| (k.clone(), p.value.clone())).collect()
}

/// The `-p name:=value` / `--param node:name:=value` overrides on a command line, for node `node`
/// (bare name or fully qualified `/name`), in the order given; values parsed as YAML, as rcl does.
///
/// r2r merges every parameter source into one table and applies the `/**` entry (where rcl puts
/// `-p` values) before the node's own entry of a parameter file, so a value a file sets for the
/// node would win over the command line. Re-applying these after [`snapshot`] gives the rclcpp and
/// rclpy rule: the command line wins. Only the arguments between `--ros-args` and `--` count.
pub fn command_line_overrides(args: &[String], node: &str) -> Vec<(String, ParameterValue)> {
    let mut out = Vec::new();
    let mut in_ros = false;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "--ros-args" => in_ros = true,
            "--" => in_ros = false,
            "-p" | "--param" if in_ros && i + 1 < args.len() => {
                i += 1;
                if let Some((target, name, value)) = split_rule(&args[i]) {
                    let ours = match target {
                        None => true,
                        Some(t) => t == node || t.strip_prefix('/') == Some(node) || t == "/**" || t == "**",
                    };
                    if ours {
                        out.push((name.to_string(), yaml_value(value)));
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// `[node:]name:=value` → (node, name, value).
fn split_rule(rule: &str) -> Option<(Option<&str>, &str, &str)> {
    let (lhs, value) = rule.split_once(":=")?;
    match lhs.rsplit_once(':') {
        Some((node, name)) => Some((Some(node), name, value)),
        None => Some((None, lhs, value)),
    }
}

/// A command-line value as rcl reads it: YAML scalar or sequence (`true`, `5`, `2.5`, `[1, 2]`,
/// anything else a string).
fn yaml_value(text: &str) -> ParameterValue {
    use serde_norway::Value as Y;
    fn scalar(v: &Y) -> Option<ParameterValue> {
        Some(match v {
            Y::Bool(b) => ParameterValue::Bool(*b),
            Y::Number(n) if n.is_i64() => ParameterValue::Integer(n.as_i64()?),
            Y::Number(n) => ParameterValue::Double(n.as_f64()?),
            Y::String(s) => ParameterValue::String(s.clone()),
            _ => return None,
        })
    }
    let parsed: Option<Y> = serde_norway::from_str(text).ok();
    match parsed {
        Some(Y::Sequence(items)) => {
            let vals: Option<Vec<ParameterValue>> = items.iter().map(scalar).collect();
            match vals.as_deref() {
                Some(v) if !v.is_empty() && v.iter().all(|x| matches!(x, ParameterValue::Bool(_))) => {
                    ParameterValue::BoolArray(v.iter().map(|x| matches!(x, ParameterValue::Bool(true))).collect())
                }
                Some(v) if !v.is_empty() && v.iter().all(|x| matches!(x, ParameterValue::Integer(_))) => {
                    ParameterValue::IntegerArray(
                        v.iter()
                            .filter_map(|x| {
                                if let ParameterValue::Integer(i) = x {
                                    Some(*i)
                                } else {
                                    None
                                }
                            })
                            .collect(),
                    )
                }
                Some(v)
                    if !v.is_empty()
                        && v.iter()
                            .all(|x| matches!(x, ParameterValue::Integer(_) | ParameterValue::Double(_))) =>
                {
                    ParameterValue::DoubleArray(
                        v.iter()
                            .filter_map(|x| match x {
                                ParameterValue::Integer(i) => Some(*i as f64),
                                ParameterValue::Double(d) => Some(*d),
                                _ => None,
                            })
                            .collect(),
                    )
                }
                Some(v) if v.iter().all(|x| matches!(x, ParameterValue::String(_))) => ParameterValue::StringArray(
                    v.iter()
                        .filter_map(|x| {
                            if let ParameterValue::String(s) = x {
                                Some(s.clone())
                            } else {
                                None
                            }
                        })
                        .collect(),
                ),
                _ => ParameterValue::String(text.to_string()),
            }
        }
        Some(Y::Null) => ParameterValue::String(text.to_string()),
        Some(v) => scalar(&v).unwrap_or_else(|| ParameterValue::String(text.to_string())),
        None => ParameterValue::String(text.to_string()),
    }
}

/// Refuse any key that is not in `keys`, not under one of `prefixes` (`prefix.` + anything) and
/// not a [`COMMON_KEYS`] entry.
pub fn check_keys(node: &str, map: &ParamMap, keys: &[&str], prefixes: &[&str]) -> Result<(), ParamError> {
    for name in map.keys() {
        let known = COMMON_KEYS.contains(&name.as_str())
            || keys.contains(&name.as_str())
            || prefixes
                .iter()
                .any(|p| name.strip_prefix(p).is_some_and(|rest| rest.starts_with('.')));
        if !known {
            let mut accepted: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
            accepted.extend(prefixes.iter().map(|p| format!("{p}.*")));
            return Err(ParamError::Unknown {
                node: node.to_string(),
                name: name.clone(),
                accepted: accepted.join(", "),
            });
        }
    }
    Ok(())
}

fn json_of(v: &ParameterValue) -> Value {
    let num = |x: f64| Number::from_f64(x).map_or(Value::Null, Value::Number);
    match v {
        ParameterValue::NotSet => Value::Null,
        ParameterValue::Bool(b) => Value::Bool(*b),
        ParameterValue::Integer(i) => Value::Number((*i).into()),
        ParameterValue::Double(d) => num(*d),
        ParameterValue::String(s) => Value::String(s.clone()),
        ParameterValue::BoolArray(a) => Value::Array(a.iter().map(|b| Value::Bool(*b)).collect()),
        ParameterValue::ByteArray(a) => Value::Array(a.iter().map(|b| Value::Number((*b).into())).collect()),
        ParameterValue::IntegerArray(a) => Value::Array(a.iter().map(|i| Value::Number((*i).into())).collect()),
        ParameterValue::DoubleArray(a) => Value::Array(a.iter().map(|d| num(*d)).collect()),
        ParameterValue::StringArray(a) => Value::Array(a.iter().map(|s| Value::String(s.clone())).collect()),
    }
}

/// The parameters under `prefix.` as a nested JSON object (`a.b.c = 1` → `{"a": {"b": {"c": 1}}}`).
pub fn tree(map: &ParamMap, prefix: &str) -> Value {
    let mut root = Map::new();
    for (name, v) in map {
        let Some(rest) = name.strip_prefix(prefix).and_then(|r| r.strip_prefix('.')) else {
            continue;
        };
        let parts: Vec<&str> = rest.split('.').collect();
        let mut node = &mut root;
        for p in &parts[..parts.len() - 1] {
            let entry = node.entry(p.to_string()).or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            node = entry.as_object_mut().expect("just made an object");
        }
        node.insert(parts[parts.len() - 1].to_string(), json_of(v));
    }
    Value::Object(root)
}

/// Deserialize the parameters under `prefix.` into `T` (missing fields take `T`'s serde defaults).
pub fn config<T: DeserializeOwned>(map: &ParamMap, prefix: &str) -> Result<T, ParamError> {
    serde_json::from_value(tree(map, prefix)).map_err(|source| ParamError::Config {
        prefix: prefix.to_string(),
        source,
    })
}

fn wrong(name: &str, v: &ParameterValue, expected: &'static str) -> ParamError {
    ParamError::WrongType {
        name: name.to_string(),
        value: format!("{v:?}"),
        expected,
    }
}

/// A string parameter; `None` when unset or empty.
pub fn string(map: &ParamMap, name: &str) -> Result<Option<String>, ParamError> {
    match map.get(name) {
        None | Some(ParameterValue::NotSet) => Ok(None),
        Some(ParameterValue::String(s)) if s.is_empty() => Ok(None),
        Some(ParameterValue::String(s)) => Ok(Some(s.clone())),
        Some(v) => Err(wrong(name, v, "a string")),
    }
}

/// A file path parameter that must be given.
pub fn required_path(map: &ParamMap, name: &str) -> Result<PathBuf, ParamError> {
    string(map, name)?
        .map(PathBuf::from)
        .ok_or_else(|| ParamError::Missing { name: name.to_string() })
}

/// A float parameter (integers accepted), `default` when unset; must be finite.
pub fn float(map: &ParamMap, name: &str, default: f64) -> Result<f64, ParamError> {
    let x = match map.get(name) {
        None | Some(ParameterValue::NotSet) => default,
        Some(ParameterValue::Double(d)) => *d,
        Some(ParameterValue::Integer(i)) => *i as f64,
        Some(v) => return Err(wrong(name, v, "a number")),
    };
    if !x.is_finite() {
        return Err(ParamError::Invalid {
            name: name.to_string(),
            value: x.to_string(),
            why: "must be finite".into(),
        });
    }
    Ok(x)
}

/// A float parameter within `lo..=hi`.
pub fn float_in(map: &ParamMap, name: &str, default: f64, lo: f64, hi: f64) -> Result<f64, ParamError> {
    let x = float(map, name, default)?;
    if x < lo || x > hi {
        return Err(ParamError::Invalid {
            name: name.to_string(),
            value: x.to_string(),
            why: format!("must be within {lo}..={hi}"),
        });
    }
    Ok(x)
}

/// An integer parameter within `lo..=hi`, `default` when unset.
pub fn integer_in(map: &ParamMap, name: &str, default: i64, lo: i64, hi: i64) -> Result<i64, ParamError> {
    let x = match map.get(name) {
        None | Some(ParameterValue::NotSet) => default,
        Some(ParameterValue::Integer(i)) => *i,
        Some(v) => return Err(wrong(name, v, "an integer")),
    };
    if x < lo || x > hi {
        return Err(ParamError::Invalid {
            name: name.to_string(),
            value: x.to_string(),
            why: format!("must be within {lo}..={hi}"),
        });
    }
    Ok(x)
}

/// A boolean parameter, `default` when unset.
pub fn boolean(map: &ParamMap, name: &str, default: bool) -> Result<bool, ParamError> {
    match map.get(name) {
        None | Some(ParameterValue::NotSet) => Ok(default),
        Some(ParameterValue::Bool(b)) => Ok(*b),
        Some(v) => Err(wrong(name, v, "true or false")),
    }
}

/// `use_sim_time` (r2r's parameter handler enables the time source from it; nodes also log it).
pub fn use_sim_time(map: &ParamMap) -> Result<bool, ParamError> {
    boolean(map, "use_sim_time", false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::localize::LocalizerConfig;

    fn map(items: &[(&str, ParameterValue)]) -> ParamMap {
        items.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    #[test]
    fn nested_parameters_fill_the_cli_config_struct() {
        let m = map(&[
            ("localizer.vehicle.track_gauge_m", ParameterValue::Integer(2)),
            ("localizer.gating.position_chi2", ParameterValue::Double(9.2)),
            ("use_sim_time", ParameterValue::Bool(true)),
        ]);
        let c: LocalizerConfig = config(&m, "localizer").unwrap();
        assert_eq!(c.vehicle.track_gauge_m, 2.0);
        assert_eq!(c.gating.position_chi2, 9.2);
        // untouched fields keep the CLI's defaults
        assert_eq!(c.history_window_s, LocalizerConfig::default().history_window_s);
        assert!(c.validate().is_ok());
        assert!(use_sim_time(&m).unwrap());
    }

    #[test]
    fn typos_and_bad_values_are_errors_naming_the_parameter() {
        let m = map(&[("localizer.vehicle.track_gauge", ParameterValue::Double(1.3))]);
        let e = config::<LocalizerConfig>(&m, "localizer").unwrap_err().to_string();
        assert!(e.contains("localizer.*") && e.contains("track_gauge"), "{e}");
        let m = map(&[
            ("field", ParameterValue::String("f.geojson".into())),
            ("feild", ParameterValue::Bool(true)),
        ]);
        let e = check_keys("planner", &m, &["field", "machine"], &["plan"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("'feild'") && e.contains("planner"), "{e}");
        let m = map(&[
            ("plan.x", ParameterValue::Bool(true)),
            ("use_sim_time", ParameterValue::Bool(false)),
        ]);
        assert!(check_keys("planner", &m, &["field"], &["plan"]).is_ok());
        let m = map(&[("planner_x", ParameterValue::Bool(true))]);
        assert!(check_keys("planner", &m, &["field"], &["plan"]).is_err());
        let m = map(&[("speed", ParameterValue::String("fast".into()))]);
        assert!(matches!(float(&m, "speed", 1.0), Err(ParamError::WrongType { .. })));
        let m = map(&[("speed", ParameterValue::Double(9.0))]);
        assert!(matches!(
            float_in(&m, "speed", 1.0, 0.0, 5.0),
            Err(ParamError::Invalid { .. })
        ));
        let m = map(&[("seed", ParameterValue::Double(1.5))]);
        assert!(matches!(
            integer_in(&m, "seed", 1, 0, 9),
            Err(ParamError::WrongType { .. })
        ));
        let m = map(&[("seed", ParameterValue::Integer(12))]);
        let e = integer_in(&m, "seed", 1, 0, 9).unwrap_err().to_string();
        assert!(e.contains("'seed' = 12") && e.contains("0..=9"), "{e}");
        assert_eq!(integer_in(&ParamMap::new(), "seed", 1, 0, 9).unwrap(), 1);
        assert!(matches!(
            required_path(&ParamMap::new(), "field"),
            Err(ParamError::Missing { .. })
        ));
        let m = map(&[("field", ParameterValue::String(String::new()))]);
        assert!(required_path(&m, "field").is_err(), "an empty path is missing");
    }

    #[test]
    fn command_line_overrides_are_ours_in_order_and_typed_like_rcl() {
        let args: Vec<String> = [
            "demine_sim",
            "-p",
            "ignored:=1",
            "--ros-args",
            "-r",
            "__node:=sim",
            "--params-file",
            "/tmp/x.yaml",
            "-p",
            "real_time_factor:=5",
            "-p",
            "sim:seed:=7",
            "--param",
            "tracker:seed:=9",
            "-p",
            "/sim:on:=true",
            "-p",
            "name:=field.geojson",
            "-p",
            "xs:=[1.5, 2]",
            "-p",
            "is:=[1, 2]",
            "-p",
            "real_time_factor:=5.5",
            "-p",
            "bad",
            "--",
            "-p",
            "after:=1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let o = command_line_overrides(&args, "sim");
        assert_eq!(
            o,
            vec![
                ("real_time_factor".to_string(), ParameterValue::Integer(5)),
                ("seed".to_string(), ParameterValue::Integer(7)),
                ("on".to_string(), ParameterValue::Bool(true)),
                ("name".to_string(), ParameterValue::String("field.geojson".into())),
                ("xs".to_string(), ParameterValue::DoubleArray(vec![1.5, 2.0])),
                ("is".to_string(), ParameterValue::IntegerArray(vec![1, 2])),
                ("real_time_factor".to_string(), ParameterValue::Double(5.5)),
            ]
        );
        assert!(
            command_line_overrides(&args[..3], "sim").is_empty(),
            "outside --ros-args"
        );
    }

    #[test]
    fn every_value_kind_converts() {
        let m = map(&[
            ("p.a", ParameterValue::DoubleArray(vec![1.0, 2.5])),
            ("p.b", ParameterValue::StringArray(vec!["x".into()])),
            ("p.c", ParameterValue::BoolArray(vec![true])),
            ("p.d", ParameterValue::IntegerArray(vec![3])),
            ("p.e", ParameterValue::ByteArray(vec![7])),
            ("p.f", ParameterValue::NotSet),
            ("other", ParameterValue::Integer(1)),
        ]);
        assert_eq!(
            tree(&m, "p"),
            serde_json::json!({"a": [1.0, 2.5], "b": ["x"], "c": [true], "d": [3], "e": [7], "f": null})
        );
    }
}
