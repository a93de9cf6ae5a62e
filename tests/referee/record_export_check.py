#!/usr/bin/env python3
"""Independent referee of demine's record exports (called by tests/record_export.rs).

  gpkg RECORD.sqlite OUT.gpkg SUMMARY.json   GeoPackage read with pyogrio (GDAL), areas on the
                                             WGS84 ellipsoid with pyproj, compared with the SQLite
                                             record (python's sqlite3) and summary.json
  compare A.gpkg B.gpkg CELL_M               processed areas of two exports agree within a cell
  mcap RECORD.sqlite RUN.mcap TOPIC=HZ ...   bag read with rosbags (rosbag2 reader, every message
                                             deserialised) and with mcap + mcap-ros2-support;
                                             counts per topic against the rates given

Prints what it checked; exits non-zero with the reason on the first failure.
"""

import hashlib
import json
import math
import sqlite3
import sys
from pathlib import Path

LAYERS = {
    "hazard": "MultiPolygon",
    "safe": "MultiPolygon",
    "obstacles": "Polygon",
    "planned_passes": "LineString",
    "driven_track": "LineString",
    "processed": "Polygon",
    "residual": "Polygon",
    "missed": "Polygon",
    "detonations": "Point",
    "detonation_blocks": "Polygon",
    "safety_events": "Point",
}


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def read_layer(path, layer):
    import pyogrio.raw
    import shapely

    meta, _fids, geoms, fields = pyogrio.raw.read(path, layer=layer)
    cols = {name: list(values) for name, values in zip(meta["fields"], fields)}
    shapes = [] if geoms is None else [None if g is None else shapely.from_wkb(g) for g in geoms]
    return meta, shapes, cols


def geodesic_area(shape):
    from pyproj import Geod

    return abs(Geod(ellps="WGS84").geometry_area_perimeter(shape)[0])


def gpkg(record, out, summary_path):
    import pyogrio
    import shapely
    from shapely.geometry import shape as from_geojson

    summary = json.loads(Path(summary_path).read_text())
    db = sqlite3.connect(f"file:{record}?mode=ro", uri=True)
    q = lambda sql: db.execute(sql).fetchone()[0]
    cell_m = q("SELECT cell_m FROM mission")
    cell_a = cell_m * cell_m

    names = {name: kind for name, kind in pyogrio.list_layers(out)}
    for layer, kind in LAYERS.items():
        check(layer in names, f"{out}: layer {layer} missing (has {sorted(names)})")
        info = pyogrio.read_info(out, layer=layer)
        check(info["crs"] == "EPSG:4326", f"{layer}: CRS {info['crs']}")
        check(info["geometry_type"] == kind, f"{layer}: geometry type {info['geometry_type']}, want {kind}")
    check("mission" in names, "mission table missing")

    counts = {layer: pyogrio.read_info(out, layer=layer)["features"] for layer in list(LAYERS) + ["mission"]}
    print("features:", counts)
    check(counts["mission"] == 1, "mission: one row")
    check(counts["detonations"] == q("SELECT COUNT(*) FROM detonation"), "detonations vs record")
    check(counts["detonation_blocks"] == counts["detonations"], "one block per detonation")
    check(counts["safety_events"] == q("SELECT COUNT(*) FROM event"), "safety_events vs record")
    non_pivot = q("SELECT COUNT(*) FROM plan_segment WHERE motion NOT LIKE '%\"type\":\"pivot\"%'")
    check(counts["planned_passes"] == non_pivot, f"planned_passes {counts['planned_passes']} vs {non_pivot} non-pivot segments")
    check(counts["driven_track"] > 0 and counts["processed"] > 0, "a driven track and processed ground")

    # the geometry lands on the field: the hazard equals the recorded field's hazard feature
    field = json.loads(q("SELECT field_geojson FROM mission"))
    hazard_in = shapely.union_all(
        [from_geojson(f["geometry"]) for f in field["features"] if f["properties"].get("role") == "hazard"]
    )
    _, hz, _ = read_layer(out, "hazard")
    d = hz[0].symmetric_difference(hazard_in).area
    check(d < 1e-12, f"hazard layer differs from the recorded field by {d} deg²")
    minx, miny, maxx, maxy = hazard_in.bounds
    pad = 0.001  # ~100 m
    for layer in ["processed", "driven_track", "detonations", "residual", "missed"]:
        _, shapes, _ = read_layer(out, layer)
        for s in shapes:
            bx = s.bounds
            check(
                bx[0] >= minx - pad and bx[2] <= maxx + pad and bx[1] >= miny - pad and bx[3] <= maxy + pad,
                f"{layer}: a feature at {bx} lies away from the field {hazard_in.bounds}",
            )

    # areas: geodesic (pyproj) against the record and summary.json
    _, proc, pc = read_layer(out, "processed")
    proc_m2 = sum(geodesic_area(s) for s in proc)
    check(abs(proc_m2 - sum(pc["area_m2"])) <= 1e-3 * proc_m2 + cell_a, f"processed: geodesic {proc_m2} vs attributes {sum(pc['area_m2'])}")
    rec_m2 = q("SELECT COUNT(*) FROM processed_cell") * cell_a
    _, _, bc = read_layer(out, "detonation_blocks")
    pending = sum(bc["pending_m2"]) if bc.get("pending_m2") else 0.0
    check(
        rec_m2 - pending - 2 * cell_a - 1e-3 * rec_m2 <= proc_m2 <= rec_m2 + 1e-3 * rec_m2,
        f"processed {proc_m2:.2f} m² vs record {rec_m2:.2f} m² of cells ({pending:.2f} m² pending)",
    )
    proc_hazard = sum(pc["hazard_area_m2"])
    want = summary["processed_fraction"] * summary["hazard_m2"]
    check(abs(proc_hazard - want) <= cell_a + 1e-6 * want, f"processed hazard {proc_hazard} vs summary {want}")
    _, res, rc = read_layer(out, "residual")
    res_m2 = sum(geodesic_area(s) for s in res)
    check(
        abs(res_m2 - summary["residual_m2"]) <= 2e-3 * summary["hazard_m2"] + cell_a,
        f"residual {res_m2} vs summary {summary['residual_m2']}",
    )
    check(all(r for r in rc.get("reason", [])), "every residual piece has a reason")
    hz_m2 = geodesic_area(hz[0])
    check(abs(hz_m2 - summary["hazard_m2"]) <= 0.01 * hz_m2, f"hazard {hz_m2} vs summary {summary['hazard_m2']}")

    _, _, mc = read_layer(out, "mission")
    row = {k: v[0] for k, v in mc.items()}
    check(row["state"] == summary["state"], f"mission state {row['state']} vs {summary['state']}")
    check(abs(row["processed_pct"] - 100 * summary["processed_fraction"]) < 1e-6, "processed_pct")
    check(abs(row["residual_m2"] - summary["residual_m2"]) < 1e-6, "residual_m2")
    sha = hashlib.sha256(q("SELECT field_geojson FROM mission").encode()).hexdigest()
    check(row["field_sha256"] == sha, "field_sha256")
    print(f"gpkg ok: processed {proc_m2:.1f} m² (hazard {proc_hazard:.1f}), residual {res_m2:.1f} m², hazard {hz_m2:.1f} m²")


def local_metres(shape, lon0, lat0):
    from pyproj import Transformer
    from shapely.ops import transform

    t = Transformer.from_crs("EPSG:4326", f"+proj=tmerc +lat_0={lat0} +lon_0={lon0} +ellps=WGS84 +units=m", always_xy=True)
    return transform(t.transform, shape)


def compare(a, b, cell_m):
    import shapely

    cell_m = float(cell_m)
    pa = shapely.union_all(read_layer(a, "processed")[1])
    pb = shapely.union_all(read_layer(b, "processed")[1])
    c = pa.centroid
    ma, mb = local_metres(pa, c.x, c.y), local_metres(pb, c.x, c.y)
    # "within a cell": each lies inside the other grown by one cell diagonal
    grow = cell_m * math.sqrt(2) + 1e-6
    out_a = ma.difference(mb.buffer(grow)).area
    out_b = mb.difference(ma.buffer(grow)).area
    print(f"compare: {ma.area:.2f} m² vs {mb.area:.2f} m²; beyond a cell: {out_a:.4f} / {out_b:.4f} m²")
    check(out_a < 0.01 and out_b < 0.01, f"processed areas differ by more than a cell: {out_a} / {out_b} m²")


def mcap_check(record, bag, rates):
    from rosbags.highlevel import AnyReader
    from rosbags.typesys import Stores, get_typestore
    from mcap.reader import make_reader
    from mcap_ros2.decoder import DecoderFactory

    db = sqlite3.connect(f"file:{record}?mode=ro", uri=True)
    t0 = min(db.execute("SELECT MIN(t_s) FROM event").fetchone()[0], db.execute("SELECT MIN(t_s) FROM track_point").fetchone()[0])
    t1 = max(
        db.execute("SELECT MAX(t_s) FROM event").fetchone()[0],
        db.execute("SELECT MAX(t_s) FROM track_point").fetchone()[0],
        db.execute("SELECT state_t_s FROM mission").fetchone()[0],
    )
    field = json.loads(db.execute("SELECT field_geojson FROM mission").fetchone()[0])
    lons, lats = [], []

    def walk(c):
        if isinstance(c[0], (int, float)):
            lons.append(c[0])
            lats.append(c[1])
        else:
            for x in c:
                walk(x)

    for f in field["features"]:
        walk(f["geometry"]["coordinates"])

    # 1. rosbags: the rosbag2 reader, with the schemas embedded in the bag
    counts = {}
    frames = {}
    with AnyReader([Path(bag)], default_typestore=get_typestore(Stores.ROS2_JAZZY)) as r:
        for conn, stamp, raw in r.messages():
            msg = r.deserialize(raw, conn.msgtype)
            counts[conn.topic] = counts.get(conn.topic, 0) + 1
            if hasattr(msg, "header"):
                frames.setdefault(conn.topic, set()).add(msg.header.frame_id)
            if conn.msgtype == "sensor_msgs/msg/NavSatFix":
                check(
                    min(lats) - 0.001 <= msg.latitude <= max(lats) + 0.001 and min(lons) - 0.001 <= msg.longitude <= max(lons) + 0.001,
                    f"gps/fix at {msg.latitude},{msg.longitude} is away from the field",
                )
            if conn.msgtype == "nav_msgs/msg/Odometry":
                check(msg.child_frame_id == "base_link", "odometry child frame")
        types = {c.topic: c.msgtype for c in r.connections}
    print("rosbags:", counts)
    print("frames:", {k: sorted(v) for k, v in frames.items()})
    dur = t1 - t0
    for spec in rates:
        topic, hz = spec.split("=")
        want = float(hz) * dur
        got = counts.get(topic, 0)
        check(abs(got - want) <= 2, f"{topic}: {got} messages, {hz} Hz over {dur:.1f} s gives {want:.1f}")
    check(frames.get("/odometry/filtered") == {"map"}, "odometry frame map")
    check(frames.get("/gps/fix") == {"gnss_link"}, "gps/fix frame gnss_link")
    check(frames.get("/coverage/grid") == {"map"}, "grid frame map")
    check(counts.get("/plan/path") == 1 and counts.get("/plan/markers") == 1, "plan once")

    # 2. mcap + mcap-ros2-support: decode every message from the ros2msg schemas
    n = 0
    with open(bag, "rb") as f:
        reader = make_reader(f, decoder_factories=[DecoderFactory()])
        header = reader.get_header()
        check(header.profile == "ros2", f"profile {header.profile!r}")
        per = {}
        for schema, channel, message, decoded in reader.iter_decoded_messages():
            check(schema.encoding == "ros2msg" and channel.message_encoding == "cdr", "encodings")
            check(types[channel.topic] == schema.name, f"{channel.topic}: {schema.name}")
            per[channel.topic] = per.get(channel.topic, 0) + 1
            n += 1
        check(per == counts, f"mcap-ros2 {per} vs rosbags {counts}")
    print(f"mcap ok: {n} messages decoded by both readers over {dur:.1f} s")


def main():
    if len(sys.argv) < 2:
        fail(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "gpkg":
        gpkg(*args)
    elif cmd == "compare":
        compare(*args)
    elif cmd == "mcap":
        mcap_check(args[0], args[1], args[2:])
    else:
        fail(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
