//! The plan and the field as `nav_msgs/Path` and `visualization_msgs/MarkerArray` in `map`.
//!
//! The path holds one pose per motion end (every pose of a curve, the heading change of a pivot as
//! a second pose at the same place), in driving order. The marker array starts with a DELETEALL,
//! then one namespace per layer: `hazard` (outer rings), `obstacles` (holes), `safe`, `residual`
//! (closed LINE_STRIPs, one marker per ring), `lanes` (processing passes) and `transits`
//! (everything driven with the implement lifted) as LINE_LISTs.

use geo::{LineString, MultiPolygon};
use r2r::builtin_interfaces::msg::Time;
use r2r::geometry_msgs::msg::{Point, PoseStamped};
use r2r::nav_msgs::msg::Path;
use r2r::sensor_msgs::msg::CompressedImage;
use r2r::std_msgs::msg::ColorRGBA;
use r2r::visualization_msgs::msg::{Marker, MarkerArray, MeshFile};

use super::msg::{color, forever, header, identity_quaternion, planar_pose, point, vector3};
use crate::field::Field;
use crate::plan::{Motion, Plan};
use crate::ros_interface::frame;

/// Marker namespaces, in publication order.
pub const LAYERS: [&str; 6] = ["hazard", "obstacles", "safe", "residual", "lanes", "transits"];

/// The plan's base_link poses in driving order.
pub fn plan_path(plan: &Plan, stamp: Time) -> Path {
    let mut poses = Vec::new();
    let mut push = |x: f64, y: f64, yaw: f64| {
        poses.push(PoseStamped {
            header: header(stamp.clone(), frame::MAP),
            pose: planar_pose(x, y, yaw),
        })
    };
    for (i, m) in plan.motions.iter().enumerate() {
        match m {
            Motion::Straight { from, to, .. } => {
                if i == 0 {
                    push(from.x_m, from.y_m, from.yaw_rad);
                }
                push(to.x_m, to.y_m, to.yaw_rad);
            }
            Motion::Pivot { at, delta_rad, .. } => {
                if i == 0 {
                    push(at.x_m, at.y_m, at.yaw_rad);
                }
                push(at.x_m, at.y_m, at.yaw_rad + delta_rad);
            }
            Motion::Curve { poses: ps, .. } => {
                for p in ps.iter().skip(usize::from(i != 0)) {
                    push(p.x_m, p.y_m, p.yaw_rad);
                }
            }
        }
    }
    Path {
        header: header(stamp, frame::MAP),
        poses,
    }
}

/// A marker with every field set: `points` in `map`, `width_m` the line width.
pub fn marker(ns: &str, id: i32, type_: i32, stamp: Time, width_m: f64, rgba: ColorRGBA, points: Vec<Point>) -> Marker {
    Marker {
        header: header(stamp.clone(), frame::MAP),
        ns: ns.to_string(),
        id,
        type_,
        action: Marker::ADD as i32,
        pose: r2r::geometry_msgs::msg::Pose {
            position: point(0.0, 0.0, 0.0),
            orientation: identity_quaternion(),
        },
        scale: vector3(width_m, width_m, width_m),
        color: rgba,
        lifetime: forever(),
        frame_locked: false,
        points,
        colors: Vec::new(),
        texture_resource: String::new(),
        texture: CompressedImage {
            header: header(stamp, ""),
            format: String::new(),
            data: Vec::new(),
        },
        uv_coordinates: Vec::new(),
        text: String::new(),
        mesh_resource: String::new(),
        mesh_file: MeshFile {
            filename: String::new(),
            data: Vec::new(),
        },
        mesh_use_embedded_materials: false,
    }
}

/// The marker that clears everything RViz holds for this publisher (first of every array).
pub fn delete_all(stamp: Time) -> Marker {
    let mut m = marker(
        "",
        0,
        Marker::ARROW as i32,
        stamp,
        1.0,
        color(0.0, 0.0, 0.0, 0.0),
        Vec::new(),
    );
    m.action = Marker::DELETEALL as i32;
    m
}

fn ring_points(r: &LineString<f64>, z: f64) -> Vec<Point> {
    r.0.iter().map(|c| point(c.x, c.y, z)).collect()
}

/// One closed LINE_STRIP per ring.
fn ring_markers(out: &mut Vec<Marker>, ns: &str, rings: Vec<&LineString<f64>>, stamp: &Time, rgba: ColorRGBA, z: f64) {
    for (id, r) in rings.into_iter().enumerate() {
        out.push(marker(
            ns,
            id as i32,
            Marker::LINE_STRIP as i32,
            stamp.clone(),
            0.15,
            rgba.clone(),
            ring_points(r, z),
        ));
    }
}

fn exteriors(mp: &MultiPolygon<f64>) -> Vec<&LineString<f64>> {
    mp.0.iter().map(|p| p.exterior()).collect()
}

/// Field outlines, the residual and the plan's passes as one marker array.
pub fn plan_markers(field: &Field, plan: Option<&Plan>, stamp: Time) -> MarkerArray {
    let mut markers = vec![delete_all(stamp.clone())];
    ring_markers(
        &mut markers,
        "hazard",
        exteriors(&field.hazard),
        &stamp,
        color(0.9, 0.1, 0.1, 1.0),
        0.02,
    );
    let holes: Vec<&LineString<f64>> = field.hazard.0.iter().flat_map(|p| p.interiors()).collect();
    ring_markers(
        &mut markers,
        "obstacles",
        holes,
        &stamp,
        color(0.2, 0.2, 0.2, 1.0),
        0.02,
    );
    ring_markers(
        &mut markers,
        "safe",
        exteriors(&field.safe),
        &stamp,
        color(0.1, 0.8, 0.2, 1.0),
        0.02,
    );
    if let Some(plan) = plan {
        let residual: Vec<&LineString<f64>> = plan
            .residual
            .0
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .collect();
        ring_markers(
            &mut markers,
            "residual",
            residual,
            &stamp,
            color(1.0, 0.6, 0.0, 1.0),
            0.03,
        );
        let (mut lanes, mut transits) = (Vec::new(), Vec::new());
        for m in &plan.motions {
            let segment: Vec<Point> = match m {
                Motion::Straight { from, to, .. } => vec![point(from.x_m, from.y_m, 0.05), point(to.x_m, to.y_m, 0.05)],
                Motion::Curve { poses, .. } => poses
                    .windows(2)
                    .flat_map(|w| [point(w[0].x_m, w[0].y_m, 0.05), point(w[1].x_m, w[1].y_m, 0.05)])
                    .collect(),
                Motion::Pivot { .. } => continue,
            };
            let processing = matches!(m, Motion::Straight { implement: true, .. });
            if processing { &mut lanes } else { &mut transits }.extend(segment);
        }
        markers.push(marker(
            "lanes",
            0,
            Marker::LINE_LIST as i32,
            stamp.clone(),
            0.2,
            color(1.0, 0.9, 0.0, 0.9),
            lanes,
        ));
        markers.push(marker(
            "transits",
            0,
            Marker::LINE_LIST as i32,
            stamp,
            0.08,
            color(0.2, 0.5, 1.0, 0.9),
            transits,
        ));
    }
    MarkerArray { markers }
}

/// The example field and its plan, for the ROS layer's tests.
#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;
    use crate::field::FieldOptions;
    use crate::machine::MachineProfile;
    use crate::plan::PlanConfig;

    pub(crate) fn example() -> (Field, Plan) {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/fields/rectangle.geojson");
        let field = crate::field::load(std::path::Path::new(path), &FieldOptions::default()).expect("example field");
        let m = MachineProfile::default_profile();
        let plan = crate::plan::plan(&field, &m, &PlanConfig::default()).expect("plan");
        (field, plan)
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::example;
    use super::*;
    use crate::ros::msg::{quaternion_yaw, time};

    #[test]
    fn path_follows_every_motion_end_in_map() {
        let (_, plan) = example();
        let p = plan_path(&plan, time(10.0));
        assert_eq!(p.header.frame_id, "map");
        assert_eq!(p.header.stamp.sec, 10);
        assert!(p.poses.iter().all(|s| s.header.frame_id == "map"));
        assert!(p.poses.len() > plan.motions.len());
        for m in &plan.motions {
            let e = m.end();
            let found = p.poses.iter().any(|s| {
                (s.pose.position.x - e.x_m).abs() < 1e-9
                    && (s.pose.position.y - e.y_m).abs() < 1e-9
                    && crate::plan::pose::angle_diff(quaternion_yaw(&s.pose.orientation), e.yaw_rad).abs() < 1e-9
            });
            assert!(found, "{m:?}");
        }
        let last = plan.motions.last().unwrap().end();
        let lp = &p.poses.last().unwrap().pose.position;
        assert!((lp.x - last.x_m).abs() < 1e-9 && (lp.y - last.y_m).abs() < 1e-9);
    }

    #[test]
    fn markers_cover_every_layer() {
        let (field, plan) = example();
        let a = plan_markers(&field, Some(&plan), time(1.0));
        assert_eq!(a.markers[0].action, Marker::DELETEALL as i32);
        for ns in ["hazard", "safe", "lanes", "transits"] {
            assert!(a.markers.iter().any(|m| m.ns == ns), "{ns}");
        }
        for m in &a.markers[1..] {
            assert_eq!(m.header.frame_id, "map");
            assert!(LAYERS.contains(&m.ns.as_str()));
            assert_eq!(m.action, Marker::ADD as i32);
            assert!(m.color.a > 0.0 && m.scale.x > 0.0);
            if m.type_ == Marker::LINE_LIST as i32 {
                assert_eq!(m.points.len() % 2, 0);
            } else {
                assert_eq!(m.type_, Marker::LINE_STRIP as i32);
                assert_eq!(
                    m.points.first().map(|p| (p.x, p.y)),
                    m.points.last().map(|p| (p.x, p.y))
                );
            }
        }
        // the lanes hold exactly the processing passes
        let lanes = a.markers.iter().find(|m| m.ns == "lanes").unwrap();
        let n = plan
            .motions
            .iter()
            .filter(|m| matches!(m, Motion::Straight { implement: true, .. }))
            .count();
        assert_eq!(lanes.points.len(), 2 * n);
        // ids are unique within a namespace
        for ns in LAYERS {
            let mut ids: Vec<i32> = a.markers.iter().filter(|m| m.ns == ns).map(|m| m.id).collect();
            let len = ids.len();
            ids.dedup();
            assert_eq!(ids.len(), len);
        }
    }

    #[test]
    fn field_alone_has_outlines_only() {
        let (field, _) = example();
        let a = plan_markers(&field, None, time(1.0));
        assert!(a.markers.iter().all(|m| m.ns != "lanes" && m.ns != "residual"));
        let hazard: Vec<_> = a.markers.iter().filter(|m| m.ns == "hazard").collect();
        assert_eq!(hazard.len(), field.hazard.0.len());
    }
}
