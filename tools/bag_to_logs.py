#!/usr/bin/env python3
"""Convert a ROS 1 / ROS 2 bag (GNSS + wheel odometry [+ IMU]) into the logs `demine localize` reads.

    python3 tools/bag_to_logs.py BAG OUTDIR --fix /fix --odom /husky_velocity_controller/odom \
        [--imu /imu/data] --gauge 0.555 [--start S] [--duration S]

Writes OUTDIR/gnss.nmea (GGA + GST + RMC per NavSatFix, CRLF, checksummed), OUTDIR/tracks.csv
(`unix_time_s,left_track_mps,right_track_mps`: the odometry twist turned back into track speeds with
the given gauge: left = v - w*gauge/2, right = v + w*gauge/2) and, with --imu, OUTDIR/imu.csv
(`unix_time_s,yaw_rate_rps,yaw_rad`: the angular velocity projected on the vertical axis the IMU's own
orientation gives, so a tilted or rotated IMU mount still yields the yaw rate; yaw_rad is the IMU's
orientation yaw, whose offset to base_link is unknown).

Needs the PyPI package `rosbags` (reads bags without a ROS install). Times are the messages' header
stamps. NavSatStatus.status maps to the GGA quality: -1 -> 0 (no fix), 0 -> 1 (autonomous),
1 (SBAS) -> 2, 2 (GBAS) -> 2. The NavSatFix covariance (ENU m^2), when known, becomes GST sigmas.
"""

import argparse
import math
import sys
import time
from pathlib import Path


def checksum(body: str) -> str:
    c = 0
    for ch in body.encode("ascii"):
        c ^= ch
    return f"{c:02X}"


def sentence(body: str) -> str:
    return f"${body}*{checksum(body)}\r\n"


def lat_field(lat: float) -> str:
    h = "N" if lat >= 0 else "S"
    a = abs(lat)
    d = int(a)
    m = (a - d) * 60.0
    return f"{d:02d}{m:010.7f},{h}"


def lon_field(lon: float) -> str:
    h = "E" if lon >= 0 else "W"
    a = abs(lon)
    d = int(a)
    m = (a - d) * 60.0
    return f"{d:03d}{m:010.7f},{h}"


def tod_field(t: float) -> str:
    cs = int(round(t * 100.0))
    sod = (cs // 100) % 86400
    return f"{sod // 3600:02d}{(sod // 60) % 60:02d}{sod % 60:02d}.{cs % 100:02d}"


def date_field(t: float) -> str:
    g = time.gmtime(int(round(t * 100.0)) // 100)
    return f"{g.tm_mday:02d}{g.tm_mon:02d}{g.tm_year % 100:02d}"


def stamp(msg) -> float:
    return msg.header.stamp.sec + msg.header.stamp.nanosec * 1e-9


def quat_rotate_inv_z(q):
    """World z axis expressed in the body frame (third row of R(q))."""
    x, y, z, w = q.x, q.y, q.z, q.w
    return (2.0 * (x * z - w * y), 2.0 * (y * z + w * x), 1.0 - 2.0 * (x * x + y * y))


def quat_yaw(q) -> float:
    x, y, z, w = q.x, q.y, q.z, q.w
    return math.atan2(2.0 * (w * z + x * y), 1.0 - 2.0 * (y * y + z * z))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("bag", type=Path)
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--fix", required=True, help="sensor_msgs/NavSatFix topic")
    ap.add_argument("--odom", required=True, help="nav_msgs/Odometry topic (wheel odometry)")
    ap.add_argument("--imu", help="sensor_msgs/Imu topic")
    ap.add_argument("--gauge", type=float, required=True, help="track gauge used to split the twist, m")
    ap.add_argument("--start", type=float, default=0.0, help="skip this many seconds from the bag start")
    ap.add_argument("--duration", type=float, default=math.inf, help="keep this many seconds")
    a = ap.parse_args()
    try:
        from rosbags.highlevel import AnyReader
    except ImportError:
        print("bag_to_logs: needs the PyPI package rosbags (pip install rosbags)", file=sys.stderr)
        return 2
    a.outdir.mkdir(parents=True, exist_ok=True)
    fixes, odom, imu = [], [], []
    with AnyReader([a.bag]) as r:
        topics = {c.topic for c in r.connections}
        for t in [a.fix, a.odom] + ([a.imu] if a.imu else []):
            if t not in topics:
                print(f"bag_to_logs: {a.bag}: no topic {t} (has {sorted(topics)})", file=sys.stderr)
                return 1
        t0 = r.start_time * 1e-9 + a.start
        t1 = t0 + a.duration
        conns = [c for c in r.connections if c.topic in (a.fix, a.odom, a.imu)]
        for c, _, raw in r.messages(connections=conns):
            m = r.deserialize(raw, c.msgtype)
            t = stamp(m)
            if not (t0 <= t < t1):
                continue
            if c.topic == a.fix:
                fixes.append((t, m))
            elif c.topic == a.odom:
                odom.append((t, m.twist.twist.linear.x, m.twist.twist.angular.z))
            else:
                up = quat_rotate_inv_z(m.orientation)
                av = m.angular_velocity
                rate = av.x * up[0] + av.y * up[1] + av.z * up[2]
                imu.append((t, rate, quat_yaw(m.orientation)))
    fixes.sort(key=lambda p: p[0])
    odom.sort(key=lambda p: p[0])
    imu.sort(key=lambda p: p[0])
    with open(a.outdir / "gnss.nmea", "w", newline="") as f:
        for t, m in fixes:
            status = m.status.status
            q = {-1: 0, 0: 1, 1: 2, 2: 2}.get(status, 0)
            ok = q > 0 and math.isfinite(m.latitude) and math.isfinite(m.longitude)
            pos = f"{lat_field(m.latitude)},{lon_field(m.longitude)}" if ok else ",,,"
            alt = f"{m.altitude:.3f},M,0.0,M" if ok and math.isfinite(m.altitude) else ",M,,M"
            f.write(sentence(f"GPGGA,{tod_field(t)},{pos},{q},,,{alt},,"))
            cov = m.position_covariance
            if ok and m.position_covariance_type > 0 and cov[0] > 0 and cov[4] > 0:
                se, sn = math.sqrt(cov[0]), math.sqrt(cov[4])
                su = math.sqrt(cov[8]) if cov[8] > 0 else ""
                rms = math.hypot(se, sn)
                su_s = f"{su:.3f}" if su != "" else ""
                f.write(sentence(f"GPGST,{tod_field(t)},{rms:.3f},,,,{sn:.3f},{se:.3f},{su_s}"))
            mode = "D" if q == 2 else ("A" if q == 1 else "N")
            f.write(
                sentence(f"GPRMC,{tod_field(t)},{'A' if ok else 'V'},{pos},,,{date_field(t)},,,{mode}")
            )
    with open(a.outdir / "tracks.csv", "w") as f:
        f.write("unix_time_s,left_track_mps,right_track_mps\n")
        for t, v, w in odom:
            half = 0.5 * w * a.gauge
            f.write(f"{t:.4f},{v - half:.5f},{v + half:.5f}\n")
    if a.imu:
        with open(a.outdir / "imu.csv", "w") as f:
            f.write("unix_time_s,yaw_rate_rps,yaw_rad\n")
            for t, rate, yaw in imu:
                f.write(f"{t:.3f},{rate:.5f},{yaw:.4f}\n")
    span = (fixes[-1][0] - fixes[0][0]) if fixes else 0.0
    print(f"bag_to_logs: {len(fixes)} fixes over {span:.1f} s, {len(odom)} odometry, {len(imu)} IMU rows -> {a.outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
