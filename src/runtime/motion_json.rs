//! Plan motions as JSON for the record (`plan_segment.motion`), and back.

use crate::plan::pose::Pose;
use crate::plan::{Direction, Motion, PathKind};
use serde_json::{json, Value};

fn pose(p: &Pose) -> Value {
    json!([p.x_m, p.y_m, p.yaw_rad])
}

fn unpose(v: &Value) -> Option<Pose> {
    let a = v.as_array()?;
    Some(Pose::new(
        a.first()?.as_f64()?,
        a.get(1)?.as_f64()?,
        a.get(2)?.as_f64()?,
    ))
}

fn kind(s: &str) -> Option<PathKind> {
    serde_json::from_value(Value::String(s.into())).ok()
}

/// Encode one motion.
pub fn encode(m: &Motion) -> String {
    let v = match m {
        Motion::Straight {
            from,
            to,
            direction,
            implement,
            kind,
        } => json!({"type": "straight", "from": pose(from), "to": pose(to), "direction": direction,
                     "implement": implement, "kind": kind}),
        Motion::Pivot { at, delta_rad, kind } => {
            json!({"type": "pivot", "at": pose(at), "delta_rad": delta_rad, "kind": kind})
        }
        Motion::Curve { poses, direction, kind } => {
            json!({"type": "curve", "poses": poses.iter().map(pose).collect::<Vec<_>>(), "direction": direction,
                   "kind": kind})
        }
    };
    v.to_string()
}

/// Decode one motion; `None` if the text is not a motion.
pub fn decode(text: &str) -> Option<Motion> {
    let v: Value = serde_json::from_str(text).ok()?;
    let k = kind(v.get("kind")?.as_str()?)?;
    Some(match v.get("type")?.as_str()? {
        "straight" => Motion::Straight {
            from: unpose(v.get("from")?)?,
            to: unpose(v.get("to")?)?,
            direction: serde_json::from_value::<Direction>(v.get("direction")?.clone()).ok()?,
            implement: v.get("implement")?.as_bool()?,
            kind: k,
        },
        "pivot" => Motion::Pivot {
            at: unpose(v.get("at")?)?,
            delta_rad: v.get("delta_rad")?.as_f64()?,
            kind: k,
        },
        "curve" => Motion::Curve {
            poses: v
                .get("poses")?
                .as_array()?
                .iter()
                .map(unpose)
                .collect::<Option<Vec<_>>>()?,
            // records written before curves could be reversed have no direction: forward
            direction: match v.get("direction") {
                None => Direction::Forward,
                Some(d) => serde_json::from_value::<Direction>(d.clone()).ok()?,
            },
            kind: k,
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let p = Pose::new(1.0, 2.0, 0.5);
        let q = Pose::new(3.0, -2.0, 0.1);
        for m in [
            Motion::Straight {
                from: p,
                to: q,
                direction: Direction::Reverse,
                implement: false,
                kind: PathKind::Transit,
            },
            Motion::Pivot {
                at: p,
                delta_rad: -1.5,
                kind: PathKind::Turn,
            },
            Motion::Curve {
                poses: vec![p, q],
                direction: Direction::Forward,
                kind: PathKind::Turn,
            },
            Motion::Curve {
                poses: vec![q, p],
                direction: Direction::Reverse,
                kind: PathKind::Turn,
            },
        ] {
            assert_eq!(decode(&encode(&m)).unwrap(), m);
        }
        assert!(decode("{}").is_none());
        // a curve recorded before curves had a direction is a forward one
        let old = r#"{"type":"curve","poses":[[1,2,0.5],[3,-2,0.1]],"kind":"turn"}"#;
        assert!(matches!(
            decode(old),
            Some(Motion::Curve {
                direction: Direction::Forward,
                ..
            })
        ));
        let bad = r#"{"type":"curve","poses":[[1,2,0.5],[3,-2,0.1]],"direction":"sideways","kind":"turn"}"#;
        assert!(decode(bad).is_none());
    }
}
