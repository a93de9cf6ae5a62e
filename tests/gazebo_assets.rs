//! The Gazebo model checked for the physics it stands for, without Gazebo: the URDF expanded by
//! xacro with `gazebo:=true` (Python `xacro`, installed by `.ci/run` from PyPI) and the world
//! `sim/minefield.sdf`, both read as XML. Each test reads the numbers from the expanded files and
//! checks what a Gazebo Harmonic run (gz-sim 8, gz-sensors 8, gz-physics 7 with DART) makes of
//! them: the NavSat noise units, whether a pivot and a turn are possible under DART's friction,
//! whether the depth controller can hold what hangs on its joint, the sensors' frames, the
//! real-time factor, and the gz topics the bridge maps.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

use demine::geodesy::{Datum, LatLon};
use demine::machine::MachineProfile;
use nalgebra::{Rotation3, Vector3};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// `urdf/demine.urdf.xacro` expanded with `args`, through the xacro module under python3.
fn xacro(args: &[&str]) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg("import sys, xacro; sys.argv[0] = 'xacro'; sys.exit(xacro.main())")
        .arg(root().join("urdf/demine.urdf.xacro"))
        .args(args)
        .output()
        .expect("python3 (xacro runs under it)");
    assert!(
        out.status.success(),
        "xacro {args:?} failed (pip install xacro; .ci/run installs it):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("xacro output is UTF-8")
}

fn num(s: &str, what: &str) -> f64 {
    s.trim()
        .parse()
        .unwrap_or_else(|e| panic!("{what}: {s:?} is not a number ({e})"))
}

fn vec3(s: &str, what: &str) -> Vector3<f64> {
    let v: Vec<f64> = s.split_whitespace().map(|x| num(x, what)).collect();
    assert_eq!(v.len(), 3, "{what}: {s:?} is not three numbers");
    Vector3::new(v[0], v[1], v[2])
}

fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, tag: &str) -> Option<roxmltree::Node<'a, 'i>> {
    n.children().find(|c| c.has_tag_name(tag))
}

fn text_of(n: roxmltree::Node, tag: &str) -> Option<String> {
    child(n, tag).and_then(|c| c.text()).map(|t| t.trim().to_string())
}

struct Inertial {
    mass: f64,
    /// centre of mass in the link frame
    com: Vector3<f64>,
    /// ixx, iyy, izz, ixy, ixz, iyz
    inertia: [f64; 6],
}

struct Joint {
    kind: String,
    parent: String,
    child: String,
    xyz: Vector3<f64>,
    rot: Rotation3<f64>,
    axis: Vector3<f64>,
    effort: Option<f64>,
    upper: Option<f64>,
}

/// Origin of an URDF element: xyz and the rotation of its rpy (fixed axes x, y, z).
fn origin(n: roxmltree::Node, what: &str) -> (Vector3<f64>, Rotation3<f64>) {
    match child(n, "origin") {
        None => (Vector3::zeros(), Rotation3::identity()),
        Some(o) => {
            let xyz = o.attribute("xyz").map_or(Vector3::zeros(), |s| vec3(s, what));
            let rpy = o.attribute("rpy").map_or(Vector3::zeros(), |s| vec3(s, what));
            (xyz, Rotation3::from_euler_angles(rpy.x, rpy.y, rpy.z))
        }
    }
}

/// A collision's shape (tag name), its radius if it has one, and its origin's rotation.
struct Collision {
    shape: String,
    radius: Option<f64>,
    rot: Rotation3<f64>,
}

/// The expanded Gazebo URDF, indexed.
struct Model {
    inertials: BTreeMap<String, Inertial>,
    joints: BTreeMap<String, Joint>,
    /// link -> its collisions
    collisions: BTreeMap<String, Vec<Collision>>,
    /// `<gazebo reference=link>` -> (tag -> text)
    references: BTreeMap<String, BTreeMap<String, String>>,
    /// plugin name -> its child elements (tag, text), repeated tags kept in order
    plugins: BTreeMap<String, Vec<(String, String)>>,
    /// the expanded URDF itself
    text: String,
}

impl Model {
    fn parse(text: &str) -> Model {
        let doc = roxmltree::Document::parse(text).expect("expanded URDF is XML");
        let robot = doc.root_element();
        let mut inertials = BTreeMap::new();
        let mut collisions = BTreeMap::new();
        for link in robot.children().filter(|c| c.has_tag_name("link")) {
            let name = link.attribute("name").expect("link name").to_string();
            if let Some(i) = child(link, "inertial") {
                let mass = num(
                    child(i, "mass").and_then(|m| m.attribute("value")).expect("mass value"),
                    &name,
                );
                let (com, rot) = origin(i, &name);
                assert!(
                    (rot.angle()).abs() < 1e-12,
                    "{name}: rotated inertial frames are not handled here"
                );
                let t = child(i, "inertia").unwrap_or_else(|| panic!("{name}: inertia"));
                let g = |k: &str| num(t.attribute(k).unwrap_or_else(|| panic!("{name}: {k}")), &name);
                inertials.insert(
                    name.clone(),
                    Inertial {
                        mass,
                        com,
                        inertia: [g("ixx"), g("iyy"), g("izz"), g("ixy"), g("ixz"), g("iyz")],
                    },
                );
            }
            let mut geoms = Vec::new();
            for c in link.children().filter(|c| c.has_tag_name("collision")) {
                let (_, rot) = origin(c, &name);
                let g = child(c, "geometry").expect("collision geometry");
                let shape = g.children().find(|e| e.is_element()).expect("a shape");
                let radius = shape.attribute("radius").map(|r| num(r, &name));
                geoms.push(Collision {
                    shape: shape.tag_name().name().to_string(),
                    radius,
                    rot,
                });
            }
            collisions.insert(name, geoms);
        }
        let mut joints = BTreeMap::new();
        for j in robot.children().filter(|c| c.has_tag_name("joint")) {
            let name = j.attribute("name").expect("joint name").to_string();
            let link_of = |tag: &str| {
                child(j, tag)
                    .and_then(|e| e.attribute("link"))
                    .unwrap_or_else(|| panic!("{name}: {tag}"))
                    .to_string()
            };
            let (xyz, rot) = origin(j, &name);
            let axis = child(j, "axis")
                .and_then(|a| a.attribute("xyz"))
                .map_or(Vector3::x(), |s| vec3(s, &name));
            let limit = child(j, "limit");
            joints.insert(
                name.clone(),
                Joint {
                    kind: j.attribute("type").expect("joint type").to_string(),
                    parent: link_of("parent"),
                    child: link_of("child"),
                    xyz,
                    rot,
                    axis,
                    effort: limit.and_then(|l| l.attribute("effort")).map(|v| num(v, &name)),
                    upper: limit.and_then(|l| l.attribute("upper")).map(|v| num(v, &name)),
                },
            );
        }
        let mut references = BTreeMap::new();
        let mut plugins = BTreeMap::new();
        for g in robot.children().filter(|c| c.has_tag_name("gazebo")) {
            match g.attribute("reference") {
                Some(link) => {
                    let entry: &mut BTreeMap<String, String> = references.entry(link.to_string()).or_default();
                    for e in g.children().filter(|e| e.is_element()) {
                        entry.insert(
                            e.tag_name().name().to_string(),
                            e.text().unwrap_or("").trim().to_string(),
                        );
                    }
                }
                None => {
                    for p in g.children().filter(|p| p.has_tag_name("plugin")) {
                        let name = p.attribute("name").expect("plugin name").to_string();
                        let params = p
                            .children()
                            .filter(|e| e.is_element())
                            .map(|e| {
                                (
                                    e.tag_name().name().to_string(),
                                    e.text().unwrap_or("").trim().to_string(),
                                )
                            })
                            .collect();
                        assert!(plugins.insert(name.clone(), params).is_none(), "plugin {name} twice");
                    }
                }
            }
        }
        Model {
            inertials,
            joints,
            collisions,
            references,
            plugins,
            text: text.to_string(),
        }
    }

    /// The pose of `link` in base_link with every movable joint at 0 (the tree's root).
    fn pose(&self, link: &str) -> (Vector3<f64>, Rotation3<f64>) {
        if link == "base_link" {
            return (Vector3::zeros(), Rotation3::identity());
        }
        let j = self
            .joints
            .values()
            .find(|j| j.child == link)
            .unwrap_or_else(|| panic!("no joint has child {link}"));
        let (p, r) = self.pose(&j.parent);
        (p + r * j.xyz, r * j.rot)
    }

    fn plugin(&self, name: &str) -> &[(String, String)] {
        self.plugins
            .get(name)
            .unwrap_or_else(|| panic!("Gazebo URDF: plugin {name} missing"))
    }

    /// Every value of `tag` in a plugin's parameters.
    fn params(&self, plugin: &str, tag: &str) -> Vec<String> {
        self.plugin(plugin)
            .iter()
            .filter(|(t, _)| t == tag)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// One numeric parameter, or `default` when absent (the system's own default).
    fn param(&self, plugin: &str, tag: &str, default: Option<f64>) -> f64 {
        match self.params(plugin, tag).as_slice() {
            [] => default.unwrap_or_else(|| panic!("{plugin}: <{tag}> missing")),
            [v] => num(v, tag),
            more => panic!("{plugin}: <{tag}> given {} times", more.len()),
        }
    }

    /// Links below `link` (itself included).
    fn subtree(&self, link: &str) -> Vec<String> {
        let mut out = vec![link.to_string()];
        for j in self.joints.values().filter(|j| j.parent == link) {
            out.extend(self.subtree(&j.child));
        }
        out
    }
}

fn gazebo_model() -> Model {
    Model::parse(&xacro(&["gazebo:=true"]))
}

/// The world file's parts the model depends on.
struct World {
    lat: f64,
    lon: f64,
    gravity: Vector3<f64>,
    step: f64,
    real_time_factor: f64,
    ground_mu: (f64, f64),
    engine: Option<String>,
}

fn world() -> World {
    let text = read("sim/minefield.sdf");
    let doc = roxmltree::Document::parse(&text).expect("sim/minefield.sdf is XML");
    let w = doc
        .descendants()
        .find(|n| n.has_tag_name("world"))
        .expect("sim/minefield.sdf: <world>");
    let sc = child(w, "spherical_coordinates").expect("spherical_coordinates");
    let f = |n: roxmltree::Node, tag: &str| num(&text_of(n, tag).unwrap_or_else(|| panic!("<{tag}>")), tag);
    assert_eq!(text_of(sc, "surface_model").as_deref(), Some("EARTH_WGS84"));
    let physics = child(w, "physics").expect("<physics>");
    let ground = w
        .children()
        .find(|m| m.has_tag_name("model") && m.attribute("name") == Some("ground"))
        .expect("ground model");
    let ode = ground
        .descendants()
        .find(|n| n.has_tag_name("ode") && n.parent().is_some_and(|p| p.has_tag_name("friction")))
        .expect("ground: surface/friction/ode");
    let engine = w
        .children()
        .find(|p| p.has_tag_name("plugin") && p.attribute("name") == Some("gz::sim::systems::Physics"))
        .and_then(|p| child(p, "engine"))
        .and_then(|e| text_of(e, "filename"));
    World {
        lat: f(sc, "latitude_deg"),
        lon: f(sc, "longitude_deg"),
        gravity: vec3(&text_of(w, "gravity").expect("<gravity>"), "gravity"),
        step: f(physics, "max_step_size"),
        real_time_factor: f(physics, "real_time_factor"),
        // SDF's default for an absent mu2 is 1 (as for mu)
        ground_mu: (f(ode, "mu"), text_of(ode, "mu2").map_or(1.0, |v| num(&v, "mu2"))),
        engine,
    }
}

/// gz-sensors (NavSatSensor::Update) adds the `horizontal` position noise to latitude and
/// longitude in degrees, not in the metres the SDF spec names (gazebosim/gz-sensors#325,
/// gazebosim/sdformat#1572), and the `vertical` noise to the altitude in metres. Read that way,
/// the model's noise must be a plausible GNSS error on the ground at the world's latitude:
/// between 1 mm and 0.5 m north, east and up. A stddev written as metres (0.01) is 1.1 km north.
#[test]
fn navsat_noise_read_as_gazebo_applies_it_is_centimetres_on_the_ground() {
    let w = world();
    let model = gazebo_model();
    let doc = roxmltree::Document::parse(&model.text).unwrap();
    let navsat = doc
        .descendants()
        .find(|n| n.has_tag_name("sensor") && n.attribute("type") == Some("navsat"))
        .expect("navsat sensor");
    let stddev = |axis: &str| {
        let n = navsat
            .descendants()
            .find(|n| n.has_tag_name(axis))
            .and_then(|h| h.descendants().find(|n| n.has_tag_name("noise")))
            .unwrap_or_else(|| panic!("navsat {axis} noise"));
        assert_eq!(n.attribute("type"), Some("gaussian"), "{axis} noise type");
        assert_eq!(text_of(n, "mean").map(|m| num(&m, "mean")), Some(0.0), "{axis} mean");
        num(&text_of(n, "stddev").expect("stddev"), "stddev")
    };
    let h_deg = stddev("horizontal");
    let v_m = stddev("vertical");
    let datum = Datum::new(LatLon::new(w.lat, w.lon));
    let north = datum.to_enu(LatLon::new(w.lat + h_deg, w.lon)).north_m;
    let east = datum.to_enu(LatLon::new(w.lat, w.lon + h_deg)).east_m;
    println!(
        "NavSat at {:.4} N: horizontal stddev {h_deg:e} deg = {:.2} cm north, {:.2} cm east; vertical {:.2} cm",
        w.lat,
        north * 100.0,
        east * 100.0,
        v_m * 100.0
    );
    for (what, m) in [("north", north), ("east", east), ("up", v_m)] {
        assert!(
            (1e-3..=0.5).contains(&m),
            "NavSat noise {what}: {m} m on the ground (gz applies horizontal stddev in degrees, vertical in metres)"
        );
    }
    // the reason stays next to the number, and the docs say what to change if Gazebo fixes it
    let src = read("urdf/demine.gazebo.xacro");
    for issue in ["gazebosim/gz-sensors#325", "gazebosim/sdformat#1572"] {
        assert!(src.contains(issue), "demine.gazebo.xacro names {issue}");
    }
    let docs = read("docs/ros.md");
    let gz = &docs[docs.find("## Gazebo").expect("docs/ros.md: ## Gazebo")..];
    assert!(
        gz.contains("gz-sensors#325") && gz.contains(&format!("{h_deg:e}")),
        "docs/ros.md (Gazebo) explains the NavSat stddev {h_deg:e} and the upstream issue"
    );
}

struct Wheel {
    joint: String,
    /// contact point under the wheel centre, in base_link
    x: f64,
    y: f64,
    radius: f64,
    mu_lateral: f64,
    mu_rolling: f64,
}

/// Mass and centre of mass of the whole model (every movable joint at 0).
fn mass_and_com(m: &Model) -> (f64, Vector3<f64>) {
    let mut mass = 0.0;
    let mut moment = Vector3::zeros();
    for (link, i) in &m.inertials {
        let (p, r) = m.pose(link);
        mass += i.mass;
        moment += i.mass * (p + r * i.com);
    }
    (mass, moment / mass)
}

fn wheels(m: &Model, w: &World) -> Vec<Wheel> {
    let mut out = Vec::new();
    for (name, j) in m.joints.iter().filter(|(_, j)| j.child.ends_with("_wheel_link")) {
        assert_eq!(j.kind, "continuous", "{name}");
        let geoms = &m.collisions[&j.child];
        // one sphere per wheel: ODE's sphere-plane collider gives one contact, straight below
        // the centre; a cylinder on its side gets one at each rim, and the rims of a turning
        // wheel cannot both roll
        assert!(
            matches!(geoms.as_slice(), [c] if c.shape == "sphere" && c.radius.is_some()),
            "{}: one sphere collision expected",
            j.child
        );
        let (radius, coll_rot) = (geoms[0].radius.unwrap(), geoms[0].rot);
        let (p, r) = m.pose(&j.child);
        assert!(
            (p.z - radius).abs() < 1e-9,
            "{name}: wheel centre {:.3} m up, radius {radius}: it must touch the ground base_link stands on",
            p.z
        );
        // the joint turns the wheel about base_link's y: a wheel rolling along x
        let axle = r * j.axis.normalize();
        assert!(
            (axle.abs() - Vector3::y()).norm() < 1e-9,
            "{name}: axle {axle:?} is not base_link's y"
        );
        // fdir1 in the collision's frame must be the axle, the one direction the spinning wheel
        // keeps (DART rotates fdir1 with the shape node); then mu acts sideways, mu2 along
        let f = &m
            .references
            .get(&j.child)
            .unwrap_or_else(|| panic!("{}: no <gazebo> friction", j.child));
        let fdir1 = vec3(f.get("fdir1").unwrap_or_else(|| panic!("{}: fdir1", j.child)), "fdir1");
        let fdir1_in_link = coll_rot * fdir1.normalize();
        assert!(
            fdir1_in_link.cross(&j.axis.normalize()).norm() < 1e-9,
            "{}: fdir1 {fdir1:?} (collision frame) is not along the axle {:?}",
            j.child,
            j.axis
        );
        let mu = |k: &str| num(f.get(k).unwrap_or_else(|| panic!("{}: {k}", j.child)), k);
        out.push(Wheel {
            joint: name.clone(),
            x: p.x,
            y: p.y,
            radius,
            // DART combines each direction's coefficients by the minimum; the ground has no fdir1,
            // so the wheel's directions are used
            mu_lateral: mu("mu1").min(w.ground_mu.0),
            mu_rolling: mu("mu2").min(w.ground_mu.1),
        });
    }
    out
}

/// Skid steering in DART. Each wheel is a velocity servo (gz-physics dartsim
/// SetJointVelocityCommand: SERVO actuator, no effort limit on the wheel joints) on a point
/// contact, and DART's friction is a box, not a cone: each of the two friction directions has its
/// own bound mu_k * N (ContactConstraint::getInformation: lo/hi = -+mu per direction, findex on
/// the normal). So a wheel can slide sideways at its full lateral friction while it still rolls
/// without slipping along its rolling direction, as long as the traction asked of it stays below
/// mu_rolling * N.
///
/// Pivot about a vertical axis through (x0, 0): each wheel slides sideways at w * (x_i - x0),
/// resisting with mu_lat * N_i at arm |x_i - x0|; the tracks, turning the other way, can push with
/// at most mu_roll * N_i at arm |y_i| = b. The body turns at the commanded rate with no wheel
/// slipping along its rolling direction iff
///     sum mu_lat N_i |x_i - x0|  <  sum mu_roll N_i b,
/// and otherwise stands still while the wheels spin (the fault of issue 15: wheels at +-0.925 m
/// along x and +-0.65 m across with mu 1.2 both ways, 1.11 > 0.78, with the friction box on the
/// world axes). A turn of any radius asks the same moment (the sideways slide is the same w (x_i -
/// x0)), plus the centripetal force. The loads N_i on three wheels per side are statically
/// indeterminate, so the check holds for every split: with all of the load on the wheel farthest
/// from the pivot, mu_lat max|x_i - x0| < mu_roll b. With the loads a uniformly loaded track
/// would give (equal thirds), the margin is larger.
///
/// Where it turns: the sideways forces of the front and rear wheels cancel when their loads are
/// equal (centre of mass over the middle wheels), and the middle wheels, which do not slide,
/// hold the turning centre with up to mu_lat * N_middle of static friction: enough for the
/// centripetal force of a 6 m turn at transit speed. So a pivot turns about the middle wheels,
/// which stand at the profile's `pivot_centre_behind_m`, and DiffDrive's odometry (wheel joint
/// positions, rotation about base_link) reports the turn the body makes: no wheel slips along its
/// rolling direction, and the contact points are on the track centre lines, so `wheel_separation`
/// is the true lever. What remains: the pivot centre lies `pivot_centre_behind_m` behind
/// base_link, so a pivot of angle a moves base_link 2 * 0.05 * sin(a/2) that the odometry
/// misses; and a wheel pushing against an obstacle slips and the odometry counts it.
#[test]
fn tracks_pivot_and_turn_in_dart_and_the_odometry_sees_the_turn_made() {
    let w = world();
    assert_eq!(
        w.engine.as_deref(),
        Some("gz-physics-dartsim-plugin"),
        "sim/minefield.sdf must name DART: the wheel friction is DART's"
    );
    let m = gazebo_model();
    let profile = MachineProfile::default_profile();
    let wheels = wheels(&m, &w);
    let g = w.gravity.norm();
    let (mass, com) = mass_and_com(&m);
    let (left, right): (Vec<&Wheel>, Vec<&Wheel>) = wheels.iter().partition(|wh| wh.y > 0.0);
    assert!(
        left.len() >= 3 && left.len() == right.len(),
        "three or more wheels per track, as many each side"
    );
    let b = profile.track_gauge_m / 2.0;
    for wh in &wheels {
        assert!(
            (wh.y.abs() - b).abs() < 1e-9,
            "{}: not on the track centre line",
            wh.joint
        );
        assert!(
            right
                .iter()
                .chain(&left)
                .any(|o| (o.x - wh.x).abs() < 1e-9 && (o.y + wh.y).abs() < 1e-9),
            "{}: no mirror image on the other track",
            wh.joint
        );
        // within the track band (the machine profile's footprint)
        let (x_min, x_max) = profile
            .footprint_m
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, z), p| (a.min(p[0]), z.max(p[0])));
        let y_max = profile.footprint_m.iter().map(|p| p[1].abs()).fold(0.0, f64::max);
        assert!(
            wh.x - wh.radius >= x_min - 1e-9
                && wh.x + wh.radius <= x_max + 1e-9
                && wh.y.abs() + wh.radius <= y_max + 1e-9,
            "{}: outside the track band",
            wh.joint
        );
    }
    // the pivot: the middle wheels, at the profile's pivot centre
    let x0 = -profile.pivot_centre_behind_m;
    let middle: Vec<&&Wheel> = left.iter().filter(|wh| (wh.x - x0).abs() < 1e-9).collect();
    assert_eq!(middle.len(), 1, "one wheel per track under the pivot centre x = {x0}");
    assert!(
        (com.x - x0).abs() < 0.02 && com.y.abs() < 1e-9,
        "centre of mass at x {:.3}, y {:.3}: must lie over the pivot wheels (x {x0}) for even loads",
        com.x,
        com.y
    );
    let mu_lat = wheels.iter().map(|wh| wh.mu_lateral).fold(f64::MIN, f64::max);
    let mu_roll = wheels.iter().map(|wh| wh.mu_rolling).fold(f64::MAX, f64::min);
    let weight = mass * g;
    let drive = mu_roll * weight * b;
    let arm_max = wheels.iter().map(|wh| (wh.x - x0).abs()).fold(0.0, f64::max);
    let resist_worst = mu_lat * weight * arm_max;
    let resist_even = mu_lat * weight * wheels.iter().map(|wh| (wh.x - x0).abs()).sum::<f64>() / wheels.len() as f64;
    println!(
        "skid steer: {mass} kg, wheels at x {:?} m, gauge {} m; mu lateral {mu_lat}, rolling {mu_roll}; \
         traction moment {:.1} kN m against {:.1} kN m (even loads) .. {:.1} kN m (all load on the end wheels); \
         effective wheelbase / gauge {:.2} against mu_roll / mu_lat {:.2}",
        left.iter().map(|wh| wh.x).collect::<Vec<_>>(),
        2.0 * b,
        drive / 1e3,
        resist_even / 1e3,
        resist_worst / 1e3,
        arm_max / b,
        mu_roll / mu_lat
    );
    assert!(
        drive > 1.25 * resist_worst,
        "pivot not assured for every load split: traction {drive:.0} N m vs resistance {resist_worst:.0} N m"
    );
    assert!(
        drive > 2.0 * resist_even,
        "pivot margin with even loads: traction {drive:.0} N m vs resistance {resist_even:.0} N m"
    );
    // traction asked of each wheel, even loads: the couple over the gauge, shared by the wheels
    let per_wheel = resist_even / (2.0 * b) / left.len() as f64;
    assert!(
        per_wheel < mu_roll * weight / wheels.len() as f64,
        "a wheel would slip along its rolling direction"
    );
    // the middle wheels keep the turning centre in a 6 m turn at transit speed
    let dd = "gz::sim::systems::DiffDrive";
    let v = m.param(dd, "max_linear_velocity", None);
    let centripetal = mass * v * v / 6.0;
    let hold = mu_lat * weight / left.len() as f64;
    assert!(
        centripetal < 0.5 * hold,
        "6 m turn at {v} m/s: centripetal {centripetal:.0} N against {hold:.0} N the middle wheels hold"
    );

    // DiffDrive drives every wheel, its odometry reads the first of each side, with the true lever
    let mut listed: BTreeSet<String> = BTreeSet::new();
    for (tag, side) in [("left_joint", &left), ("right_joint", &right)] {
        let joints = m.params(dd, tag);
        let expect: BTreeSet<String> = side.iter().map(|wh| wh.joint.clone()).collect();
        assert_eq!(
            joints.iter().cloned().collect::<BTreeSet<_>>(),
            expect,
            "DiffDrive {tag}"
        );
        let first = side.iter().find(|wh| wh.joint == joints[0]).unwrap();
        assert!(
            (first.x - x0).abs() < 1e-9,
            "DiffDrive's odometry wheel ({tag}) should be the middle one"
        );
        listed.extend(joints);
    }
    assert_eq!(listed.len(), wheels.len());
    assert!(
        (m.param(dd, "wheel_separation", None) - 2.0 * b).abs() < 1e-9,
        "wheel_separation"
    );
    assert!(
        wheels
            .iter()
            .all(|wh| (m.param(dd, "wheel_radius", None) - wh.radius).abs() < 1e-9),
        "wheel_radius"
    );
    // the limits are the profile's, every one given (gz-math SpeedLimiter: an unset min is -inf)
    for (tag, want) in [
        ("max_linear_velocity", profile.transit_speed_mps),
        ("min_linear_velocity", -profile.reverse_speed_mps),
        ("max_linear_acceleration", profile.max_accel_mps2),
        ("min_linear_acceleration", -profile.max_decel_mps2),
    ] {
        assert!(
            (m.param(dd, tag, None) - want).abs() < 1e-9,
            "DiffDrive {tag}: profile {want}"
        );
    }
    let (wmax, wmin) = (
        m.param(dd, "max_angular_velocity", None),
        m.param(dd, "min_angular_velocity", None),
    );
    assert!(
        wmax >= profile.pivot_rate_rps && (wmin + wmax).abs() < 1e-9,
        "angular limits ±, ≥ pivot rate"
    );
}

/// The depth joint: the implement carrier and the rotor hang on a prismatic joint whose
/// JointPositionController turns the position error into a force through gz-math's PID
/// (cmd = -p e - I - d de/dt, I the integral of i e dt clamped to [i_min, i_max], cmd clamped to
/// [cmd_min, cmd_max]; JointPositionController::Configure defaults: p 1, i 0.1, d 0.01, i_max 1,
/// cmd_max 1000 N). At rest on target, e = 0 and the integral alone carries the weight component
/// along the joint's axis, so the integral clamp must reach it and the output clamp exceed it with
/// room to lift; both within the joint's effort limit (gz-physics dartsim sets the force limits
/// from it). The closed loop m s^3 + d s^2 + p s + i is stable iff d p > m i; the derivative
/// stays explicit-step stable with d dt / m < 2 at the world's step.
#[test]
fn depth_controller_holds_the_weight_hanging_on_its_joint() {
    let w = world();
    let m = gazebo_model();
    let jpc = "gz::sim::systems::JointPositionController";
    let joint_name = m.params(jpc, "joint_name");
    assert_eq!(joint_name, ["implement_depth_joint"]);
    let j = &m.joints["implement_depth_joint"];
    assert_eq!(j.kind, "prismatic");
    let hanging: f64 = m
        .subtree(&j.child)
        .iter()
        .filter_map(|l| m.inertials.get(l))
        .map(|i| i.mass)
        .sum();
    let (_, r) = m.pose(&j.parent);
    let axis = (r * j.rot * j.axis).normalize();
    // gravity's force along the joint's positive direction (base_link level on level ground)
    let weight_along = hanging * w.gravity.dot(&axis);
    let weight = hanging * w.gravity.norm();
    let (p, i, d) = (
        m.param(jpc, "p_gain", Some(1.0)),
        m.param(jpc, "i_gain", Some(0.1)),
        m.param(jpc, "d_gain", Some(0.01)),
    );
    let (i_max, i_min) = (m.param(jpc, "i_max", Some(1.0)), m.param(jpc, "i_min", Some(-1.0)));
    let (cmd_max, cmd_min) = (
        m.param(jpc, "cmd_max", Some(1000.0)),
        m.param(jpc, "cmd_min", Some(-1000.0)),
    );
    let effort = j.effort.expect("implement_depth_joint: <limit effort>");
    println!(
        "depth joint: {hanging} kg hanging, {weight_along:.0} N along the axis; \
         p {p:.0} N/m, i {i:.0} N/(m s), d {d:.0} N s/m, integral [{i_min:.0}, {i_max:.0}] N, \
         output [{cmd_min:.0}, {cmd_max:.0}] N, effort limit {effort:.0} N"
    );
    // to hold: cmd = -I = -weight_along, so I = weight_along
    assert!(
        i > 0.0,
        "no integral term: the weight is held only with a standing error"
    );
    assert!(
        i_min <= weight_along - 0.25 * weight && weight_along + 0.25 * weight <= i_max,
        "integral clamp [{i_min}, {i_max}] cannot carry {weight_along:.0} N with margin"
    );
    let needed = -weight_along;
    let available = if needed >= 0.0 { cmd_max } else { -cmd_min };
    assert!(
        available >= 2.0 * weight,
        "output limit {available:.0} N in the holding direction: not twice the hanging weight {weight:.0} N"
    );
    // symmetric: holds whichever way the axis is read
    assert!(cmd_max.min(-cmd_min) >= 2.0 * weight && i_max.min(-i_min) >= 1.25 * weight);
    assert!(
        cmd_max <= effort && -cmd_min <= effort,
        "controller output beyond the joint's effort limit"
    );
    // P alone lifts it from half the travel away: the implement moves before the integral winds up
    let travel = j.upper.expect("implement_depth_joint: <limit upper>");
    assert!(
        p * travel / 2.0 > weight,
        "p {p} N/m: half the travel {travel} m gives less than the weight"
    );
    assert!(
        d * p > 2.0 * hanging * i,
        "PID loop not stable with margin: d p = {} vs m i = {}",
        d * p,
        hanging * i
    );
    assert!(
        d * w.step / hanging < 0.5,
        "derivative gain too large for the world step {}",
        w.step
    );
}

/// Every link's inertia is physically possible (positive, triangle inequality) and the masses are
/// where the shapes are.
#[test]
fn inertias_are_physical() {
    let m = gazebo_model();
    assert!(!m.inertials.is_empty());
    for (link, i) in &m.inertials {
        let [ixx, iyy, izz, ixy, ixz, iyz] = i.inertia;
        assert!(i.mass > 0.0, "{link}: mass");
        assert!(ixx > 0.0 && iyy > 0.0 && izz > 0.0, "{link}: principal moments");
        assert!(
            ixx + iyy >= izz && iyy + izz >= ixx && ixx + izz >= iyy,
            "{link}: moments {ixx} {iyy} {izz} break the triangle inequality"
        );
        assert!(
            ixy == 0.0 && ixz == 0.0 && iyz == 0.0,
            "{link}: products of inertia (model uses none)"
        );
        // no part of a 2.6 m hull has a radius of gyration of 2 m
        assert!(
            ixx.max(iyy).max(izz) < i.mass * 4.0,
            "{link}: radius of gyration over 2 m"
        );
    }
    let rotor = &m.inertials["rotor_link"];
    // rotor: a 1.9 m long drum spinning about y: its moments about x and z exceed the one about y
    assert!(
        rotor.inertia[0] > rotor.inertia[1] && rotor.inertia[2] > rotor.inertia[1],
        "rotor drum inertia"
    );
}

/// The `gz_frame_id` of each sensor names the link the sensor is in (the bridged header frame),
/// and the comment on why sdformat's "not defined in SDF" warning about it is harmless stays.
#[test]
fn sensors_keep_gz_frame_id_in_their_links() {
    let text = xacro(&["gazebo:=true"]);
    let doc = roxmltree::Document::parse(&text).unwrap();
    let mut seen = BTreeSet::new();
    for g in doc.descendants().filter(|n| n.has_tag_name("gazebo")) {
        for s in g.children().filter(|s| s.has_tag_name("sensor")) {
            let link = g.attribute("reference").expect("sensor in a <gazebo reference>");
            assert_eq!(
                text_of(s, "gz_frame_id").as_deref(),
                Some(link),
                "sensor {:?}",
                s.attribute("name")
            );
            seen.insert(s.attribute("type").unwrap().to_string());
        }
    }
    assert_eq!(seen, BTreeSet::from(["imu".to_string(), "navsat".to_string()]));
    let src = read("urdf/demine.gazebo.xacro");
    assert!(src.contains("not defined in SDF") && src.contains("harmless"));
}

/// Gazebo accepts a real-time factor only > 0 at run time (SimulationRunner::UpdatePhysicsParams
/// drops 0 and answers true): the world paces at a positive factor, and no launch file that
/// starts or drives Gazebo asks for 0. (The built-in simulator's own `real_time_factor`
/// parameter, in launch files without Gazebo, is another thing.)
#[test]
fn gazebo_real_time_factor_is_positive_everywhere() {
    let w = world();
    assert!(
        w.real_time_factor > 0.0,
        "sim/minefield.sdf real_time_factor {}",
        w.real_time_factor
    );
    let mut gazebo_launches = 0;
    for f in std::fs::read_dir(root().join("launch")).unwrap() {
        let path = f.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        if !(text.contains("ros_gz_sim") || text.contains("set_physics")) {
            continue;
        }
        gazebo_launches += 1;
        for (at, _) in text.match_indices("real_time_factor") {
            let rest = &text[at + "real_time_factor".len()..];
            let value: String = rest
                .trim_start_matches(|c: char| c == '"' || c == '\'' || c == ':' || c == '=' || c.is_whitespace())
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-' || *c == 'e')
                .collect();
            let v: f64 = value
                .parse()
                .unwrap_or_else(|_| panic!("{}: real_time_factor without a literal value after it", path.display()));
            assert!(
                v > 0.0,
                "{}: real_time_factor {v} (Gazebo ignores <= 0)",
                path.display()
            );
        }
    }
    assert!(gazebo_launches >= 1, "no launch file starts Gazebo (sim.launch.py)");
}

/// Every gz topic of `sim/bridge.yaml` is one the world or the model publishes or subscribes, and
/// what Gazebo publishes comes at the rate of the interface table's row for the sim node (which
/// the bridge stands in for): sensors' `update_rate`, DiffDrive's `odom_publish_frequency`,
/// JointStatePublisher's `update_rate` (unset, it publishes every physics step).
#[test]
fn bridged_gz_topics_exist_in_the_model_at_the_table_rates() {
    use demine::ros_interface::{normalize, Direction, TOPICS};
    let m = gazebo_model();
    let step = world().step;
    // gz topic -> publication rate, if Gazebo publishes it at one
    let mut gz_topics: BTreeMap<String, Option<f64>> = BTreeMap::from([("/clock".to_string(), None)]);
    for (name, params) in &m.plugins {
        for (tag, v) in params {
            if !tag.ends_with("topic") {
                continue;
            }
            let rate = match (name.as_str(), tag.as_str()) {
                ("gz::sim::systems::DiffDrive", "odom_topic") => {
                    Some(m.param(name, "odom_publish_frequency", Some(50.0)))
                }
                ("gz::sim::systems::JointStatePublisher", "topic") => {
                    Some(m.param(name, "update_rate", Some(1.0 / step)))
                }
                _ => None,
            };
            gz_topics.insert(v.clone(), rate);
        }
    }
    let doc = roxmltree::Document::parse(&m.text).unwrap();
    for s in doc.descendants().filter(|n| n.has_tag_name("sensor")) {
        let rate = text_of(s, "update_rate").map(|r| num(&r, "update_rate"));
        gz_topics.insert(text_of(s, "topic").expect("sensor topic"), rate);
    }
    let bridge: serde_norway::Value = serde_norway::from_str(&read("sim/bridge.yaml")).unwrap();
    let entries = bridge.as_sequence().expect("bridge.yaml: a list");
    assert!(!entries.is_empty());
    for e in entries {
        let t = e["gz_topic_name"].as_str().expect("gz_topic_name");
        let rate = gz_topics
            .get(t)
            .unwrap_or_else(|| panic!("bridge.yaml maps gz topic {t}, which nothing in Gazebo uses"));
        if e["direction"].as_str() != Some("GZ_TO_ROS") || t == "/clock" {
            continue;
        }
        let ros = e["ros_topic_name"].as_str().expect("ros_topic_name");
        let row = TOPICS
            .iter()
            .find(|r| r.node == "sim" && r.direction == Direction::Publish && normalize(r.topic) == normalize(ros))
            .unwrap_or_else(|| panic!("{ros}: no sim-node row in the interface table"));
        if let Some(want) = row.rate_hz {
            assert_eq!(
                *rate,
                Some(want),
                "gz {t} -> {ros}: Gazebo's rate against the table's {want} Hz"
            );
        }
    }
    // and the odometry TF stays unbridged (the localizer owns odom -> base_link)
    let tf = m.params("gz::sim::systems::DiffDrive", "tf_topic");
    assert!(entries
        .iter()
        .all(|e| e["gz_topic_name"].as_str() != tf.first().map(String::as_str)));
}
