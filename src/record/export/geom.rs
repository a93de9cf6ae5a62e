//! Geometry for the GeoPackage: local ENU → WGS84 (x = longitude, y = latitude, degrees, the
//! axis order GeoPackage stores for EPSG:4326) and the GeoPackageBinary blob.
//!
//! ```text
//! GeoPackageBinary (GeoPackage 1.3, clause 2.1.3), little-endian:
//!   0      2      3      4        8                                  40
//!   | "GP" | ver=0| flags| srs_id | minx maxx miny maxy (f64 ×4)     | WKB …
//!   flags: bit0 = 1 (little-endian header), bits1-3 = envelope kind (1: xy, 0: none),
//!          bit4 = empty geometry, bit5 = 0 (standard, not extended)
//! ```
//! Points carry no envelope (it would only repeat the point); every other geometry carries its
//! xy envelope so readers can filter without parsing the WKB.

use crate::geodesy::Datum;
use geo::{BoundingRect, Coord, Geometry, LineString, MapCoords};

/// The spatial reference of every layer: WGS 84 geographic.
pub const SRS_ID: i32 = 4326;

/// ENU metres → (longitude, latitude) degrees.
pub fn to_wgs84(datum: &Datum, c: Coord<f64>) -> Coord<f64> {
    // on the ellipsoid at the datum's height, as every 2-D output of the project (plan, processed)
    let ll = datum.to_latlon_2d(c.x, c.y);
    Coord {
        x: ll.lon_deg,
        y: ll.lat_deg,
    }
}

/// A geometry in ENU → the same geometry in WGS84 degrees.
pub fn geometry_wgs84(datum: &Datum, g: &Geometry<f64>) -> Geometry<f64> {
    g.map_coords(|c| to_wgs84(datum, c))
}

/// The GeoPackageBinary blob of a (WGS84) geometry.
pub fn gpkg_blob(g: &Geometry<f64>) -> Vec<u8> {
    let empty = match g {
        Geometry::LineString(LineString(v)) => v.is_empty(),
        Geometry::Polygon(p) => p.exterior().0.is_empty(),
        Geometry::MultiPolygon(mp) => mp.0.is_empty(),
        Geometry::MultiLineString(ml) => ml.0.is_empty(),
        _ => false,
    };
    let envelope = if matches!(g, Geometry::Point(_)) || empty {
        None
    } else {
        g.bounding_rect()
    };
    let flags: u8 = 0x01 | if envelope.is_some() { 0x02 } else { 0 } | if empty { 0x10 } else { 0 };
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(b"GP");
    out.push(0);
    out.push(flags);
    out.extend_from_slice(&SRS_ID.to_le_bytes());
    if let Some(r) = envelope {
        for v in [r.min().x, r.max().x, r.min().y, r.max().y] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    let opts = wkb::writer::WriteOptions {
        endianness: wkb::Endianness::LittleEndian,
    };
    wkb::writer::write_geometry(&mut out, g, &opts).expect("WKB of a finite 2-D geometry into a Vec cannot fail");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{coord, polygon, MultiPolygon, Point};
    use geo_traits::to_geo::ToGeoGeometry;
    use proptest::prelude::*;

    /// Split a blob into (flags, srs_id, envelope, geometry), checking the fixed fields.
    fn parse(blob: &[u8]) -> (u8, i32, Option<[f64; 4]>, Geometry<f64>) {
        assert_eq!(&blob[..3], b"GP\0");
        let flags = blob[3];
        let srs = i32::from_le_bytes(blob[4..8].try_into().unwrap());
        let (env, rest) = match (flags >> 1) & 0x7 {
            0 => (None, &blob[8..]),
            1 => {
                let f = |i: usize| f64::from_le_bytes(blob[8 + 8 * i..16 + 8 * i].try_into().unwrap());
                (Some([f(0), f(1), f(2), f(3)]), &blob[40..])
            }
            k => panic!("envelope kind {k}"),
        };
        let g = wkb::reader::read_wkb(rest).unwrap().to_geometry();
        (flags, srs, env, g)
    }

    #[test]
    fn point_blob_has_no_envelope() {
        let g = Geometry::Point(Point::new(30.5, 50.25));
        let b = gpkg_blob(&g);
        assert_eq!(b.len(), 8 + 21);
        let (flags, srs, env, back) = parse(&b);
        assert_eq!((flags, srs, env), (0x01, 4326, None));
        assert_eq!(back, g);
    }

    #[test]
    fn polygon_blob_envelope_is_minx_maxx_miny_maxy() {
        let g = Geometry::Polygon(polygon![(x: 1.0, y: 5.0), (x: 3.0, y: 5.0), (x: 3.0, y: 9.0), (x: 1.0, y: 5.0)]);
        let (flags, _, env, back) = parse(&gpkg_blob(&g));
        assert_eq!(flags, 0x03);
        assert_eq!(env, Some([1.0, 3.0, 5.0, 9.0]));
        assert_eq!(back, g);
    }

    #[test]
    fn empty_multipolygon_is_flagged_empty() {
        let g = Geometry::MultiPolygon(MultiPolygon::new(vec![]));
        let (flags, _, env, _) = parse(&gpkg_blob(&g));
        assert_eq!((flags & 0x10, env), (0x10, None));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]
        /// Any line in range round-trips through the blob, and its envelope holds every vertex.
        #[test]
        fn line_string_round_trips(pts in proptest::collection::vec((-180.0f64..180.0, -90.0f64..90.0), 2..40)) {
            let g = Geometry::LineString(LineString(pts.iter().map(|&(x, y)| coord! {x: x, y: y}).collect()));
            let (flags, srs, env, back) = parse(&gpkg_blob(&g));
            prop_assert_eq!((flags, srs), (0x03, 4326));
            let [x0, x1, y0, y1] = env.unwrap();
            for &(x, y) in &pts {
                prop_assert!(x0 <= x && x <= x1 && y0 <= y && y <= y1);
            }
            prop_assert_eq!(back, g);
        }

        /// ENU → WGS84 lands where the datum's inverse says.
        #[test]
        fn wgs84_round_trips_through_the_datum(e in -2000.0f64..2000.0, n in -2000.0f64..2000.0) {
            let d = Datum::new(crate::geodesy::LatLon::new(46.93, 39.98));
            let c = to_wgs84(&d, Coord { x: e, y: n });
            let (be, bn) = d.to_enu_2d(crate::geodesy::LatLon::new(c.y, c.x));
            prop_assert!((be - e).abs() < 1e-6 && (bn - n).abs() < 1e-6, "{be} {bn}");
        }
    }
}
