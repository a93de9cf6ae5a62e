//! The ROS 2 messages of the bag as plain serde structs (CDR-encoded by the `cdr` crate), with
//! their `ros2msg` definitions.
//!
//! The field lists follow the ROS 2 Jazzy interface packages (common_interfaces, rcl_interfaces'
//! builtin_interfaces, geometry2's tf2_msgs; Apache-2.0), written here without their comments.
//! The field order and types must match the installed types exactly: `ros2 bag play` hands the
//! bytes to the installed type support as they are. [`schema_text`] concatenates a type's
//! definition with those of every type it uses, the way rosbag2 writes them:
//! ```text
//! <definition of the top-level type>
//! ================================================================================
//! MSG: pkg/Type
//! <its definition>
//! ```

use serde::ser::SerializeTuple;
use serde::Serialize;

/// `builtin_interfaces/Time`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Time {
    pub sec: i32,
    pub nanosec: u32,
}

impl Time {
    /// Mission seconds → Time (negative times clamp to zero).
    pub fn from_s(t_s: f64) -> Self {
        let ns = (t_s.max(0.0) * 1e9).round() as u64;
        Self {
            sec: (ns / 1_000_000_000) as i32,
            nanosec: (ns % 1_000_000_000) as u32,
        }
    }

    pub fn as_ns(self) -> u64 {
        self.sec as u64 * 1_000_000_000 + self.nanosec as u64
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Duration {
    pub sec: i32,
    pub nanosec: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Header {
    pub stamp: Time,
    pub frame_id: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Point {
    pub x: f64,
    pub y: f64,
    pub z: f64,
}

pub type Vector3 = Point;

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Quaternion {
    pub x: f64,
    pub y: f64,
    pub z: f64,
    pub w: f64,
}

impl Quaternion {
    /// Rotation by `yaw_rad` about z (REP-103: counter-clockwise from east).
    pub fn yaw(yaw_rad: f64) -> Self {
        let (s, c) = (0.5 * yaw_rad).sin_cos();
        Self {
            x: 0.0,
            y: 0.0,
            z: s,
            w: c,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Pose {
    pub position: Point,
    pub orientation: Quaternion,
}

impl Pose {
    /// A planar pose at (`x_m`, `y_m`) heading `yaw_rad`.
    pub fn planar(x_m: f64, y_m: f64, yaw_rad: f64) -> Self {
        Self {
            position: Point { x: x_m, y: y_m, z: 0.0 },
            orientation: Quaternion::yaw(yaw_rad),
        }
    }
}

/// `float64[36]` (serde derives arrays only up to 32).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cov36(pub [f64; 36]);

impl Serialize for Cov36 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(36)?;
        for v in &self.0 {
            t.serialize_element(v)?;
        }
        t.end()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PoseWithCovariance {
    pub pose: Pose,
    pub covariance: Cov36,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Twist {
    pub linear: Vector3,
    pub angular: Vector3,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct TwistWithCovariance {
    pub twist: Twist,
    pub covariance: Cov36,
}

/// `nav_msgs/Odometry`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Odometry {
    pub header: Header,
    pub child_frame_id: String,
    pub pose: PoseWithCovariance,
    pub twist: TwistWithCovariance,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Transform {
    pub translation: Vector3,
    pub rotation: Quaternion,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TransformStamped {
    pub header: Header,
    pub child_frame_id: String,
    pub transform: Transform,
}

/// `tf2_msgs/TFMessage`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TfMessage {
    pub transforms: Vec<TransformStamped>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct NavSatStatus {
    pub status: i8,
    pub service: u16,
}

/// `sensor_msgs/NavSatFix`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NavSatFix {
    pub header: Header,
    pub status: NavSatStatus,
    pub latitude: f64,
    pub longitude: f64,
    pub altitude: f64,
    pub position_covariance: [f64; 9],
    pub position_covariance_type: u8,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PoseStamped {
    pub header: Header,
    pub pose: Pose,
}

/// `nav_msgs/Path`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Path {
    pub header: Header,
    pub poses: Vec<PoseStamped>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MapMetaData {
    pub map_load_time: Time,
    pub resolution: f32,
    pub width: u32,
    pub height: u32,
    pub origin: Pose,
}

/// `nav_msgs/OccupancyGrid`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OccupancyGrid {
    pub header: Header,
    pub info: MapMetaData,
    pub data: Vec<i8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ColorRgba {
    pub r: f32,
    pub g: f32,
    pub b: f32,
    pub a: f32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CompressedImage {
    pub header: Header,
    pub format: String,
    pub data: Vec<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct UvCoordinate {
    pub u: f32,
    pub v: f32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MeshFile {
    pub filename: String,
    pub data: Vec<u8>,
}

/// `visualization_msgs/Marker` (Jazzy: with texture and mesh_file).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Marker {
    pub header: Header,
    pub ns: String,
    pub id: i32,
    #[serde(rename = "type")]
    pub kind: i32,
    pub action: i32,
    pub pose: Pose,
    pub scale: Vector3,
    pub color: ColorRgba,
    pub lifetime: Duration,
    pub frame_locked: bool,
    pub points: Vec<Point>,
    pub colors: Vec<ColorRgba>,
    pub texture_resource: String,
    pub texture: CompressedImage,
    pub uv_coordinates: Vec<UvCoordinate>,
    pub text: String,
    pub mesh_resource: String,
    pub mesh_file: MeshFile,
    pub mesh_use_embedded_materials: bool,
}

impl Marker {
    pub const LINE_STRIP: i32 = 4;
    pub const LINE_LIST: i32 = 5;
    pub const CYLINDER: i32 = 3;
    pub const ADD: i32 = 0;

    /// A marker of `kind` in `header.frame_id`, identity pose, opaque `color`, no points.
    pub fn new(header: Header, ns: &str, id: i32, kind: i32, scale: Vector3, color: ColorRgba) -> Self {
        let stamp = header.stamp;
        Self {
            header,
            ns: ns.into(),
            id,
            kind,
            action: Self::ADD,
            pose: Pose::planar(0.0, 0.0, 0.0),
            scale,
            color,
            lifetime: Duration { sec: 0, nanosec: 0 },
            frame_locked: false,
            points: Vec::new(),
            colors: Vec::new(),
            texture_resource: String::new(),
            texture: CompressedImage {
                header: Header {
                    stamp,
                    frame_id: String::new(),
                },
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
}

/// `visualization_msgs/MarkerArray`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MarkerArray {
    pub markers: Vec<Marker>,
}

/// `std_msgs/String`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StringMsg {
    pub data: String,
}

/// `std_msgs/Float64`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Float64 {
    pub data: f64,
}

/// `std_msgs/UInt32`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct UInt32 {
    pub data: u32,
}

/// (`pkg/Type`, definition, types it uses as `pkg/Type`).
const DEFINITIONS: &[(&str, &str, &[&str])] = &[
    ("builtin_interfaces/Time", "int32 sec\nuint32 nanosec\n", &[]),
    ("builtin_interfaces/Duration", "int32 sec\nuint32 nanosec\n", &[]),
    (
        "std_msgs/Header",
        "builtin_interfaces/Time stamp\nstring frame_id\n",
        &["builtin_interfaces/Time"],
    ),
    ("std_msgs/String", "string data\n", &[]),
    ("std_msgs/Float64", "float64 data\n", &[]),
    ("std_msgs/UInt32", "uint32 data\n", &[]),
    ("std_msgs/ColorRGBA", "float32 r\nfloat32 g\nfloat32 b\nfloat32 a\n", &[]),
    ("geometry_msgs/Point", "float64 x\nfloat64 y\nfloat64 z\n", &[]),
    ("geometry_msgs/Vector3", "float64 x\nfloat64 y\nfloat64 z\n", &[]),
    (
        "geometry_msgs/Quaternion",
        "float64 x 0\nfloat64 y 0\nfloat64 z 0\nfloat64 w 1\n",
        &[],
    ),
    (
        "geometry_msgs/Pose",
        "Point position\nQuaternion orientation\n",
        &["geometry_msgs/Point", "geometry_msgs/Quaternion"],
    ),
    (
        "geometry_msgs/PoseWithCovariance",
        "Pose pose\nfloat64[36] covariance\n",
        &["geometry_msgs/Pose"],
    ),
    (
        "geometry_msgs/Twist",
        "Vector3 linear\nVector3 angular\n",
        &["geometry_msgs/Vector3"],
    ),
    (
        "geometry_msgs/TwistWithCovariance",
        "Twist twist\nfloat64[36] covariance\n",
        &["geometry_msgs/Twist"],
    ),
    (
        "geometry_msgs/PoseStamped",
        "std_msgs/Header header\nPose pose\n",
        &["std_msgs/Header", "geometry_msgs/Pose"],
    ),
    (
        "geometry_msgs/Transform",
        "Vector3 translation\nQuaternion rotation\n",
        &["geometry_msgs/Vector3", "geometry_msgs/Quaternion"],
    ),
    (
        "geometry_msgs/TransformStamped",
        "std_msgs/Header header\nstring child_frame_id\nTransform transform\n",
        &["std_msgs/Header", "geometry_msgs/Transform"],
    ),
    (
        "tf2_msgs/TFMessage",
        "geometry_msgs/TransformStamped[] transforms\n",
        &["geometry_msgs/TransformStamped"],
    ),
    (
        "nav_msgs/Odometry",
        "std_msgs/Header header\nstring child_frame_id\ngeometry_msgs/PoseWithCovariance pose\n\
         geometry_msgs/TwistWithCovariance twist\n",
        &[
            "std_msgs/Header",
            "geometry_msgs/PoseWithCovariance",
            "geometry_msgs/TwistWithCovariance",
        ],
    ),
    (
        "nav_msgs/Path",
        "std_msgs/Header header\ngeometry_msgs/PoseStamped[] poses\n",
        &["std_msgs/Header", "geometry_msgs/PoseStamped"],
    ),
    (
        "nav_msgs/MapMetaData",
        "builtin_interfaces/Time map_load_time\nfloat32 resolution\nuint32 width\nuint32 height\n\
         geometry_msgs/Pose origin\n",
        &["builtin_interfaces/Time", "geometry_msgs/Pose"],
    ),
    (
        "nav_msgs/OccupancyGrid",
        "std_msgs/Header header\nMapMetaData info\nint8[] data\n",
        &["std_msgs/Header", "nav_msgs/MapMetaData"],
    ),
    (
        "sensor_msgs/NavSatStatus",
        "int8 STATUS_UNKNOWN = -2\nint8 STATUS_NO_FIX = -1\nint8 STATUS_FIX = 0\nint8 STATUS_SBAS_FIX = 1\n\
         int8 STATUS_GBAS_FIX = 2\nint8 status -2\nuint16 SERVICE_UNKNOWN = 0\nuint16 SERVICE_GPS = 1\n\
         uint16 SERVICE_GLONASS = 2\nuint16 SERVICE_COMPASS = 4\nuint16 SERVICE_GALILEO = 8\nuint16 service\n",
        &[],
    ),
    (
        "sensor_msgs/NavSatFix",
        "std_msgs/Header header\nNavSatStatus status\nfloat64 latitude\nfloat64 longitude\nfloat64 altitude\n\
         float64[9] position_covariance\nuint8 COVARIANCE_TYPE_UNKNOWN = 0\nuint8 COVARIANCE_TYPE_APPROXIMATED = 1\n\
         uint8 COVARIANCE_TYPE_DIAGONAL_KNOWN = 2\nuint8 COVARIANCE_TYPE_KNOWN = 3\nuint8 position_covariance_type\n",
        &["std_msgs/Header", "sensor_msgs/NavSatStatus"],
    ),
    (
        "sensor_msgs/CompressedImage",
        "std_msgs/Header header\nstring format\nuint8[] data\n",
        &["std_msgs/Header"],
    ),
    ("visualization_msgs/UVCoordinate", "float32 u\nfloat32 v\n", &[]),
    ("visualization_msgs/MeshFile", "string filename\nuint8[] data\n", &[]),
    (
        "visualization_msgs/Marker",
        "int32 ARROW=0\nint32 CUBE=1\nint32 SPHERE=2\nint32 CYLINDER=3\nint32 LINE_STRIP=4\nint32 LINE_LIST=5\n\
         int32 CUBE_LIST=6\nint32 SPHERE_LIST=7\nint32 POINTS=8\nint32 TEXT_VIEW_FACING=9\nint32 MESH_RESOURCE=10\n\
         int32 TRIANGLE_LIST=11\nint32 ARROW_STRIP=12\nint32 ADD=0\nint32 MODIFY=0\nint32 DELETE=2\nint32 DELETEALL=3\n\
         std_msgs/Header header\nstring ns\nint32 id\nint32 type\nint32 action\ngeometry_msgs/Pose pose\n\
         geometry_msgs/Vector3 scale\nstd_msgs/ColorRGBA color\nbuiltin_interfaces/Duration lifetime\nbool frame_locked\n\
         geometry_msgs/Point[] points\nstd_msgs/ColorRGBA[] colors\nstring texture_resource\n\
         sensor_msgs/CompressedImage texture\nUVCoordinate[] uv_coordinates\nstring text\nstring mesh_resource\n\
         MeshFile mesh_file\nbool mesh_use_embedded_materials\n",
        &[
            "std_msgs/Header",
            "geometry_msgs/Pose",
            "geometry_msgs/Vector3",
            "std_msgs/ColorRGBA",
            "builtin_interfaces/Duration",
            "geometry_msgs/Point",
            "sensor_msgs/CompressedImage",
            "visualization_msgs/UVCoordinate",
            "visualization_msgs/MeshFile",
        ],
    ),
    (
        "visualization_msgs/MarkerArray",
        "Marker[] markers\n",
        &["visualization_msgs/Marker"],
    ),
];

fn definition(name: &str) -> Option<&'static (&'static str, &'static str, &'static [&'static str])> {
    DEFINITIONS.iter().find(|d| d.0 == name)
}

/// The `ros2msg` schema of `msg_type` (`pkg/msg/Type`): its definition, then every type it uses
/// (depth first, each once), separated as rosbag2 separates them. `None` for a type not here.
pub fn schema_text(msg_type: &str) -> Option<String> {
    let short = msg_type.replacen("/msg/", "/", 1);
    let top = definition(&short)?;
    let mut out = top.1.to_string();
    let mut seen = vec![top.0];
    let mut stack: Vec<&str> = top.2.iter().rev().copied().collect();
    while let Some(n) = stack.pop() {
        if seen.contains(&n) {
            continue;
        }
        seen.push(n);
        let d = definition(n).unwrap_or_else(|| panic!("{short}: dependency {n} has no definition"));
        out.push_str(&"=".repeat(80));
        out.push_str("\nMSG: ");
        out.push_str(d.0);
        out.push('\n');
        out.push_str(d.1);
        stack.extend(d.2.iter().rev().copied());
    }
    Some(out)
}

/// CDR little-endian with the 4-byte encapsulation header (00 01 00 00).
pub fn cdr<T: Serialize>(msg: &T) -> Result<Vec<u8>, cdr::Error> {
    cdr::serialize::<_, _, cdr::CdrLe>(msg, cdr::Infinite)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dependency_is_defined_and_every_schema_builds() {
        for (name, _, deps) in DEFINITIONS {
            for d in *deps {
                assert!(definition(d).is_some(), "{name}: {d}");
            }
            let text = schema_text(name).unwrap();
            assert!(!text.contains("MSG: ".to_string().as_str()) || text.contains(&"=".repeat(80)));
        }
        let s = schema_text("visualization_msgs/msg/MarkerArray").unwrap();
        assert!(s.starts_with("Marker[] markers\n"));
        assert_eq!(s.matches("\nMSG: builtin_interfaces/Time\n").count(), 1, "{s}");
        assert!(s.contains("\nMSG: visualization_msgs/MeshFile\n"));
        assert!(schema_text("nav_msgs/msg/Nope").is_none());
    }

    /// Byte layout of a small message by hand: the header, then alignment relative to the
    /// byte after it (a string's u32 length, the bytes and the NUL, padding to 8 for a double).
    #[test]
    fn cdr_layout_matches_the_hand_encoding() {
        #[derive(Serialize)]
        struct T {
            h: Header,
            d: f64,
        }
        let b = cdr(&T {
            h: Header {
                stamp: Time { sec: 1, nanosec: 2 },
                frame_id: "map".into(),
            },
            d: 1.5,
        })
        .unwrap();
        let mut want = vec![0u8, 1, 0, 0];
        want.extend_from_slice(&1i32.to_le_bytes());
        want.extend_from_slice(&2u32.to_le_bytes());
        want.extend_from_slice(&4u32.to_le_bytes());
        want.extend_from_slice(b"map\0");
        // 16 bytes so far after the header: a double needs no padding
        want.extend_from_slice(&1.5f64.to_le_bytes());
        assert_eq!(b, want);
        let b = cdr(&StringMsg { data: "ab".into() }).unwrap();
        assert_eq!(b, [0, 1, 0, 0, 3, 0, 0, 0, b'a', b'b', 0]);
        // a double after 6 bytes of string (length + "x" + NUL) pads 2 bytes, to the next multiple of
        // 8 after the header
        #[derive(Serialize)]
        struct U {
            s: String,
            d: f64,
        }
        let b = cdr(&U { s: "x".into(), d: 2.0 }).unwrap();
        assert_eq!(b.len(), 4 + 4 + 2 + 2 + 8);
        assert_eq!(&b[4 + 8..], &2.0f64.to_le_bytes());
    }

    #[test]
    fn time_from_seconds() {
        assert_eq!(
            Time::from_s(12.25),
            Time {
                sec: 12,
                nanosec: 250_000_000
            }
        );
        assert_eq!(Time::from_s(-1.0).as_ns(), 0);
        assert_eq!(Time::from_s(3600.000000001).as_ns(), 3_600_000_000_001);
    }
}
