//! WGS84 geodesy: the one place where latitude/longitude and the local ENU frame meet.
//!
//! The `map` frame is an East-North-Up tangent plane at a [`Datum`] (REP-103). Conversions go
//! through Earth-centred Earth-fixed (ECEF) coordinates with the exact WGS84 ellipsoid, so they are
//! not a flat-earth shortcut: the round trip is exact to well below a millimetre kilometres away from
//! the datum (see the tests).

use serde::{Deserialize, Serialize};

/// WGS84 semi-major axis (metres).
const WGS84_A_M: f64 = 6_378_137.0;
/// WGS84 flattening.
const WGS84_F: f64 = 1.0 / 298.257_223_563;

/// A WGS84 position in degrees (and ellipsoidal height in metres).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LatLon {
    pub lat_deg: f64,
    pub lon_deg: f64,
    /// Height above the WGS84 ellipsoid, metres.
    #[serde(default)]
    pub alt_m: f64,
}

impl LatLon {
    pub fn new(lat_deg: f64, lon_deg: f64) -> Self {
        Self {
            lat_deg,
            lon_deg,
            alt_m: 0.0,
        }
    }

    /// True when both angles are finite and inside their ranges (|lat| ≤ 90, |lon| ≤ 180).
    pub fn is_valid(&self) -> bool {
        self.lat_deg.is_finite()
            && self.lon_deg.is_finite()
            && self.alt_m.is_finite()
            && self.lat_deg.abs() <= 90.0
            && self.lon_deg.abs() <= 180.0
    }
}

/// A position in the local East-North-Up frame, metres from the datum.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Enu {
    pub east_m: f64,
    pub north_m: f64,
    #[serde(default)]
    pub up_m: f64,
}

impl Enu {
    pub fn new(east_m: f64, north_m: f64) -> Self {
        Self {
            east_m,
            north_m,
            up_m: 0.0,
        }
    }
}

/// Earth-centred Earth-fixed coordinates, metres.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ecef {
    pub x_m: f64,
    pub y_m: f64,
    pub z_m: f64,
}

impl From<LatLon> for Ecef {
    fn from(p: LatLon) -> Self {
        let e2 = WGS84_F * (2.0 - WGS84_F);
        let (slat, clat) = p.lat_deg.to_radians().sin_cos();
        let (slon, clon) = p.lon_deg.to_radians().sin_cos();
        let n = WGS84_A_M / (1.0 - e2 * slat * slat).sqrt();
        Ecef {
            x_m: (n + p.alt_m) * clat * clon,
            y_m: (n + p.alt_m) * clat * slon,
            z_m: (n * (1.0 - e2) + p.alt_m) * slat,
        }
    }
}

impl From<Ecef> for LatLon {
    /// Iterative inverse (Bowring start, converges to < 1e-12 rad in a few steps near the surface).
    fn from(e: Ecef) -> Self {
        let e2 = WGS84_F * (2.0 - WGS84_F);
        let p = (e.x_m * e.x_m + e.y_m * e.y_m).sqrt();
        let lon = e.y_m.atan2(e.x_m);
        let mut lat = e.z_m.atan2(p * (1.0 - e2));
        let mut alt = 0.0;
        for _ in 0..8 {
            let slat = lat.sin();
            let n = WGS84_A_M / (1.0 - e2 * slat * slat).sqrt();
            alt = if lat.cos().abs() > 1e-9 {
                p / lat.cos() - n
            } else {
                e.z_m.abs() / slat.abs() - n * (1.0 - e2)
            };
            let next = e.z_m.atan2(p * (1.0 - e2 * n / (n + alt)));
            if (next - lat).abs() < 1e-14 {
                lat = next;
                break;
            }
            lat = next;
        }
        LatLon {
            lat_deg: lat.to_degrees(),
            lon_deg: lon.to_degrees(),
            alt_m: alt,
        }
    }
}

/// The origin of the local `map` frame.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Datum {
    pub origin: LatLon,
}

impl Datum {
    pub fn new(origin: LatLon) -> Self {
        Self { origin }
    }

    /// Rows of the ECEF → ENU rotation at the datum.
    fn rotation(&self) -> [[f64; 3]; 3] {
        let (slat, clat) = self.origin.lat_deg.to_radians().sin_cos();
        let (slon, clon) = self.origin.lon_deg.to_radians().sin_cos();
        [
            [-slon, clon, 0.0],
            [-slat * clon, -slat * slon, clat],
            [clat * clon, clat * slon, slat],
        ]
    }

    /// WGS84 → local ENU.
    pub fn to_enu(&self, p: LatLon) -> Enu {
        let o = Ecef::from(self.origin);
        let q = Ecef::from(p);
        let d = [q.x_m - o.x_m, q.y_m - o.y_m, q.z_m - o.z_m];
        let r = self.rotation();
        let dot = |row: [f64; 3]| row[0] * d[0] + row[1] * d[1] + row[2] * d[2];
        Enu {
            east_m: dot(r[0]),
            north_m: dot(r[1]),
            up_m: dot(r[2]),
        }
    }

    /// Local ENU → WGS84.
    pub fn to_latlon(&self, p: Enu) -> LatLon {
        let o = Ecef::from(self.origin);
        let r = self.rotation();
        let v = [p.east_m, p.north_m, p.up_m];
        let col = |i: usize| r[0][i] * v[0] + r[1][i] * v[1] + r[2][i] * v[2];
        LatLon::from(Ecef {
            x_m: o.x_m + col(0),
            y_m: o.y_m + col(1),
            z_m: o.z_m + col(2),
        })
    }

    /// Local ENU → WGS84 for a point on the tangent plane that lies on the ellipsoid surface
    /// (`alt_m == datum altitude`): the planner's 2-D outputs. The plane's `up` is recovered so that
    /// the point lands back on the surface, which keeps 2-D round trips exact.
    pub fn to_latlon_2d(&self, east_m: f64, north_m: f64) -> LatLon {
        // Two fixed-point steps put the point on the ellipsoid at the datum's height.
        let mut up = 0.0;
        let mut ll = self.to_latlon(Enu {
            east_m,
            north_m,
            up_m: up,
        });
        for _ in 0..3 {
            up -= ll.alt_m - self.origin.alt_m;
            ll = self.to_latlon(Enu {
                east_m,
                north_m,
                up_m: up,
            });
        }
        LatLon {
            alt_m: self.origin.alt_m,
            ..ll
        }
    }

    /// WGS84 → local ENU on the surface (height ignored): the east/north of [`Datum::to_enu`] for the
    /// point at the datum's height.
    pub fn to_enu_2d(&self, p: LatLon) -> (f64, f64) {
        let e = self.to_enu(LatLon {
            alt_m: self.origin.alt_m,
            ..p
        });
        (e.east_m, e.north_m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn datum_maps_to_origin() {
        let d = Datum::new(LatLon::new(39.8, 46.75));
        let e = d.to_enu(d.origin);
        assert!(e.east_m.abs() < 1e-9 && e.north_m.abs() < 1e-9 && e.up_m.abs() < 1e-9);
    }

    #[test]
    fn one_arc_minute_north_is_about_1850_m() {
        let d = Datum::new(LatLon::new(40.0, 47.0));
        let (e, n) = d.to_enu_2d(LatLon::new(40.0 + 1.0 / 60.0, 47.0));
        assert!(e.abs() < 1e-6, "east {e}");
        // meridian arc at 40°: 1852.0 m per minute within a few metres
        assert!((n - 1850.0).abs() < 5.0, "north {n}");
    }

    proptest! {
        #[test]
        fn round_trip_within_5_km_is_sub_millimetre(
            lat in -80.0f64..80.0, lon in -179.0f64..179.0,
            e in -5000.0f64..5000.0, n in -5000.0f64..5000.0,
        ) {
            let d = Datum::new(LatLon::new(lat, lon));
            let ll = d.to_latlon_2d(e, n);
            let (e2, n2) = d.to_enu_2d(ll);
            prop_assert!((e2 - e).abs() < 1e-3 && (n2 - n).abs() < 1e-3, "{e},{n} -> {e2},{n2}");
            let full = d.to_latlon(Enu { east_m: e, north_m: n, up_m: 12.0 });
            let back = d.to_enu(full);
            prop_assert!((back.east_m - e).abs() < 1e-6 && (back.north_m - n).abs() < 1e-6 && (back.up_m - 12.0).abs() < 1e-6);
        }
    }
}
