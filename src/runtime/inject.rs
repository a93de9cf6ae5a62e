//! Fault injection for `demine sim --inject`: `gnss-outage@T+D`, `link-loss@T+D`,
//! `rotor-stall@T[+D]`, `estop@T[+D]` (operator resets after D, default 20 s), `shock@T` (an
//! unmapped item goes off under the rotor), `kill@T`.
//! Times are simulated seconds from the start of clearing.

use std::str::FromStr;

/// One injected fault.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Injection {
    GnssOutage {
        at_s: f64,
        duration_s: f64,
    },
    LinkLoss {
        at_s: f64,
        duration_s: f64,
    },
    RotorStall {
        at_s: f64,
        duration_s: f64,
    },
    EStop {
        at_s: f64,
        reset_after_s: f64,
    },
    /// An unmapped item goes off under the rotor (a detonation at a chosen time).
    Shock {
        at_s: f64,
    },
    /// The process kills itself with SIGKILL (tests of resume).
    Kill {
        at_s: f64,
    },
}

impl Injection {
    pub fn at_s(&self) -> f64 {
        match *self {
            Injection::GnssOutage { at_s, .. }
            | Injection::LinkLoss { at_s, .. }
            | Injection::RotorStall { at_s, .. }
            | Injection::EStop { at_s, .. }
            | Injection::Shock { at_s }
            | Injection::Kill { at_s } => at_s,
        }
    }

    /// Active at time `t_s` (windowed faults).
    pub fn active(&self, t_s: f64) -> bool {
        let (a, d) = match *self {
            Injection::GnssOutage { at_s, duration_s } | Injection::LinkLoss { at_s, duration_s } => (at_s, duration_s),
            Injection::EStop { at_s, reset_after_s } => (at_s, reset_after_s),
            Injection::RotorStall { at_s, duration_s } => (at_s, duration_s),
            Injection::Kill { at_s } => (at_s, f64::INFINITY),
            Injection::Shock { at_s } => (at_s, 0.0),
        };
        t_s >= a && t_s < a + d
    }
}

impl std::fmt::Display for Injection {
    /// The fault as written on the command line: `kill@120`, `gnss-outage@30+20`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Injection::GnssOutage { at_s, duration_s } => write!(f, "gnss-outage@{at_s}+{duration_s}"),
            Injection::LinkLoss { at_s, duration_s } => write!(f, "link-loss@{at_s}+{duration_s}"),
            Injection::RotorStall { at_s, duration_s } => write!(f, "rotor-stall@{at_s}+{duration_s}"),
            Injection::EStop { at_s, reset_after_s } => write!(f, "estop@{at_s}+{reset_after_s}"),
            Injection::Shock { at_s } => write!(f, "shock@{at_s}"),
            Injection::Kill { at_s } => write!(f, "kill@{at_s}"),
        }
    }
}

fn num(s: &str, what: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim_end_matches('s')
        .parse()
        .map_err(|_| format!("{what} {s:?} is not a number of seconds"))?;
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(format!("{what} {s:?} must be ≥ 0"))
    }
}

impl FromStr for Injection {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (name, when) = s
            .split_once('@')
            .ok_or_else(|| format!("{s:?}: expected NAME@T or NAME@T+D"))?;
        let (t, d) = match when.split_once('+') {
            Some((t, d)) => (num(t, "time")?, Some(num(d, "duration")?)),
            None => (num(when, "time")?, None),
        };
        Ok(match name {
            "gnss-outage" => Injection::GnssOutage {
                at_s: t,
                duration_s: d.ok_or("gnss-outage needs a duration: gnss-outage@T+D")?,
            },
            "link-loss" => Injection::LinkLoss {
                at_s: t,
                duration_s: d.ok_or("link-loss needs a duration: link-loss@T+D")?,
            },
            "rotor-stall" => Injection::RotorStall {
                at_s: t,
                duration_s: d.unwrap_or(5.0),
            },
            "estop" => Injection::EStop {
                at_s: t,
                reset_after_s: d.unwrap_or(20.0),
            },
            "kill" => Injection::Kill { at_s: t },
            "shock" => Injection::Shock { at_s: t },
            _ => {
                return Err(format!(
                    "{name:?}: unknown fault (gnss-outage, link-loss, rotor-stall, estop, shock, kill)"
                ))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_table() {
        let ok = [
            (
                "gnss-outage@30+20",
                Injection::GnssOutage {
                    at_s: 30.0,
                    duration_s: 20.0,
                },
            ),
            (
                "link-loss@5s+2s",
                Injection::LinkLoss {
                    at_s: 5.0,
                    duration_s: 2.0,
                },
            ),
            (
                "rotor-stall@12",
                Injection::RotorStall {
                    at_s: 12.0,
                    duration_s: 5.0,
                },
            ),
            (
                "estop@7",
                Injection::EStop {
                    at_s: 7.0,
                    reset_after_s: 20.0,
                },
            ),
            ("kill@100", Injection::Kill { at_s: 100.0 }),
            ("shock@42.5", Injection::Shock { at_s: 42.5 }),
        ];
        for (s, want) in ok {
            assert_eq!(s.parse::<Injection>().unwrap(), want, "{s}");
            // and back: the text parses to the same fault
            assert_eq!(want.to_string().parse::<Injection>().unwrap(), want, "{s}");
        }
        for bad in ["gnss-outage@30", "fire@3", "kill", "kill@-1", "kill@x"] {
            assert!(bad.parse::<Injection>().is_err(), "{bad}");
        }
    }
}
