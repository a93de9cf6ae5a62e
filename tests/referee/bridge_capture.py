"""Referee for the bridge: plays an SLCAN adapter on a pty, written without demine's code.

usage: bridge_capture.py VEHICLE.dbc EXPECT.json
Prints the pty slave path on the first stdout line, then serves until the host closes the
channel (or 20 s pass). Host frames are parsed here and decoded with cantools; the vehicle side
sends VehicleHeartbeat and TrackSpeeds encoded with cantools so the bridge sees a live vehicle.
EXPECT.json: {"MessageName": {"Signal": value, ...}, ...}: each message must appear at least
once with those values (within half a scaling step). Also checks the host heartbeat counter:
251 first, then rolling 0..250 without gaps, and a final 255.
Last stdout line: one JSON summary; exit status 0 when everything holds."""
import json, os, select, sys, time, tty

import cantools

db = cantools.database.load_file(sys.argv[1])
expect = json.load(open(sys.argv[2]))

master, slave = os.openpty()
tty.setraw(slave)
print(os.ttyname(slave), flush=True)

vehicle = [
    db.get_message_by_name("VehicleHeartbeat"),
    db.get_message_by_name("TrackSpeeds"),
]
vehicle_values = [
    {"VehicleCounter": 0, "VehicleMode": 2, "StopReason": 0, "HostCounterEcho": 0},
    {"LeftTrackSpeed": 0.25, "RightTrackSpeed": -0.125},
]


def line_for(msg, values):
    data = msg.encode(values)
    return ("T%08X%d%s\r" % (msg.frame_id, len(data), data.hex().upper())).encode()


def parse_host_frame(text):
    kind = text[0]
    idlen = 8 if kind in "TR" else 3
    ident = int(text[1 : 1 + idlen], 16)
    dlc = int(text[1 + idlen])
    data = bytes.fromhex(text[2 + idlen : 2 + idlen + 2 * dlc]) if kind in "tT" else b""
    return ident, data


seen = {}  # message name -> list of decoded dicts
counters = []
problems = []
buf = b""
is_open = False
closed_after_open = False
next_tx = 0.0
vcount = 0
deadline = time.time() + 20
while time.time() < deadline and not closed_after_open:
    ready, _, _ = select.select([master], [], [], 0.005)
    if ready:
        try:
            buf += os.read(master, 4096)
        except OSError:
            break
        while b"\r" in buf:
            raw, buf = buf.split(b"\r", 1)
            text = raw.decode("ascii", "replace")
            if not text:
                continue
            c = text[0]
            if c in "tTrR":
                if not is_open:
                    os.write(master, b"\x07")
                    problems.append("frame sent while closed: " + text)
                    continue
                ident, data = parse_host_frame(text)
                os.write(master, b"Z\r" if c in "TR" else b"z\r")
                try:
                    msg = db.get_message_by_frame_id(ident)
                except KeyError:
                    problems.append("unknown id %08X" % ident)
                    continue
                if len(data) != msg.length:
                    problems.append("%s: %d bytes, DBC says %d" % (msg.name, len(data), msg.length))
                    continue
                decoded = msg.decode(data, decode_choices=False)
                seen.setdefault(msg.name, []).append(decoded)
                if msg.name == "HostHeartbeat":
                    counters.append(int(decoded["HostCounter"]))
            elif c in "OL":
                is_open = True
                os.write(master, b"\r")
            elif c == "C":
                closed_after_open = is_open
                is_open = False
                os.write(master, b"\r")
            elif c == "S" and len(text) == 2 and text[1] in "012345678":
                os.write(master, b"\r")
            elif c == "V":
                os.write(master, b"V0101\r")
            elif c == "N":
                os.write(master, b"NREF1\r")
            elif c == "F":
                os.write(master, b"F00\r")
            else:
                os.write(master, b"\x07")
    if is_open and time.time() >= next_tx:
        next_tx = time.time() + 0.02
        vcount = (vcount + 1) % 251
        vehicle_values[0]["VehicleCounter"] = vcount
        for msg, values in zip(vehicle, vehicle_values):
            os.write(master, line_for(msg, values))

for name, want in expect.items():
    got = seen.get(name, [])
    msg = db.get_message_by_name(name)

    def matches(d):
        return all(abs(d[k] - v) <= abs(msg.get_signal_by_name(k).scale) * 0.51 + 1e-9 for k, v in want.items())

    if not any(matches(d) for d in got):
        problems.append("%s %s not seen (got %s)" % (name, want, got[-3:]))

if not counters or counters[0] != 251:
    problems.append("first heartbeat counter %s, want 251" % (counters[:1],))
rolling = [c for c in counters if c <= 250]
for a, b in zip(rolling, rolling[1:]):
    if b != (a + 1) % 251:
        problems.append("heartbeat counter jumped %d -> %d" % (a, b))
        break
if not counters or counters[-1] != 255:
    problems.append("last heartbeat counter %s, want 255 (shutdown)" % (counters[-1:],))

print(json.dumps({"messages": {k: len(v) for k, v in seen.items()}, "heartbeats": len(counters), "problems": problems[:8]}))
sys.exit(1 if problems else 0)
