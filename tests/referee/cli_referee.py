"""Referee for `demine can monitor --json` and `demine can send`, independent of demine's codec.

usage: cli_referee.py VEHICLE.dbc DEMINE_BINARY
Plays an SLCAN adapter on a pty (answers C/S/O/L/V/N/F, acknowledges frames with z/Z).
monitor: every DBC message, encoded by cantools at a value inside each signal's range, must be
printed back by the monitor as one JSON object with the same values (named values may be given
by name). send: every DBC message sent by `demine can send` with SIGNAL=VALUE arguments must
reach the adapter as one frame that cantools decodes to those values. Also checks that bad
arguments (unknown message, unknown signal, out-of-range value) fail with a message and no frame.
Prints one JSON line; exit status 0 on success."""
import json, os, select, subprocess, sys, time, tty

import cantools

db = cantools.database.load_file(sys.argv[1])
demine = sys.argv[2]
messages = [m for m in db.messages if m.signals]


def value_at(sig, frac):
    if sig.choices:
        keys = sorted(sig.choices)
        return keys[int(frac * (len(keys) - 1))]
    lo, hi = sig.minimum, sig.maximum
    raw = round((lo + (hi - lo) * frac - sig.offset) / sig.scale)
    return raw * sig.scale + sig.offset


def close_enough(sig, have, want):
    if sig.choices and isinstance(have, str):
        return have == str(sig.choices.get(want))
    return isinstance(have, (int, float)) and abs(have - want) <= abs(sig.scale) / 2 + 1e-9


class Adapter:
    def __init__(self):
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.buf = b""
        self.frames = []

    def pump(self, seconds, outgoing=()):
        end, next_tx = time.time() + seconds, 0.0
        while time.time() < end:
            if outgoing and time.time() >= next_tx:
                next_tx = time.time() + 0.05
                for line in outgoing:
                    os.write(self.master, line)
            if not select.select([self.master], [], [], 0.01)[0]:
                continue
            self.buf += os.read(self.master, 4096)
            while b"\r" in self.buf:
                raw, self.buf = self.buf.split(b"\r", 1)
                text = raw.decode("ascii", "replace")
                if not text:
                    continue
                reply = {"V": b"V0202\r", "N": b"NCLI9\r", "F": b"F00\r"}.get(text[0], b"\r")
                if text[0] in "tT":
                    self.frames.append(text)
                    reply = b"z\r" if text[0] == "t" else b"Z\r"
                os.write(self.master, reply)

    def close(self):
        os.close(self.master)
        os.close(self.slave)


def run_until_exit(args, adapter, limit=8):
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    end = time.time() + limit
    while p.poll() is None and time.time() < end:
        adapter.pump(0.1)
    if p.poll() is None:
        p.kill()
    adapter.pump(0.2)
    out, err = p.communicate()
    return p.returncode, out, err


problems = []

# monitor
adapter = Adapter()
want = {m.name: {s.name: value_at(s, 0.3) for s in m.signals} for m in messages}
lines = []
for m in messages:
    data = m.encode(want[m.name])
    lines.append(("T%08X%d%s\r" % (m.frame_id, len(data), data.hex().upper())).encode())
lines.append(b"t1232BEEF\r")  # not in the DBC: printed raw
mon = subprocess.Popen([demine, "can", "monitor", "--port", adapter.path, "--json"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
adapter.pump(3.0, lines)
mon.terminate()
try:
    out, _ = mon.communicate(timeout=5)
except subprocess.TimeoutExpired:
    mon.kill()
    out, _ = mon.communicate()
adapter.close()
decoded, raw_seen = {}, False
for line in out.splitlines():
    try:
        obj = json.loads(line)
    except ValueError:
        problems.append("monitor printed a non-JSON line: " + line[:60])
        continue
    if obj.get("name") is None and "signals" not in obj:
        raw_seen = raw_seen or obj.get("data") == "BEEF"
        continue
    decoded.setdefault(obj["name"], obj.get("signals", {}))
for m in messages:
    got = decoded.get(m.name)
    if got is None:
        problems.append("monitor: no " + m.name)
        continue
    for s in m.signals:
        if not close_enough(s, got.get(s.name), want[m.name][s.name]):
            problems.append("monitor: %s.%s = %r, want %r" % (m.name, s.name, got.get(s.name), want[m.name][s.name]))
if not raw_seen:
    problems.append("monitor: unknown id not printed raw")

# send
sent_ok = 0
for m in messages:
    adapter = Adapter()
    values = {s.name: value_at(s, 0.8) for s in m.signals}
    args = [demine, "can", "send", "--port", adapter.path, m.name] + ["%s=%r" % kv for kv in values.items()]
    rc, out, err = run_until_exit(args, adapter)
    adapter.close()
    frames = [f for f in adapter.frames if f.startswith("T%08X" % m.frame_id)]
    if rc != 0 or len(frames) != 1:
        problems.append("send %s: rc=%s frames=%d %s" % (m.name, rc, len(frames), err.strip()[-120:]))
        continue
    f = frames[0]
    dlc = int(f[9])
    data = bytes.fromhex(f[10 : 10 + 2 * dlc])
    got = m.decode(data, decode_choices=False)
    bad = [k for k, v in values.items() if abs(got[k] - v) > abs(m.get_signal_by_name(k).scale) / 2 + 1e-9]
    if bad:
        problems.append("send %s: %s decoded as %s" % (m.name, bad, {k: got[k] for k in bad}))
    else:
        sent_ok += 1

# refusals: a clear message, a failure status, no frame
drive = db.get_message_by_name("DriveCommand")
for args, needle in [
    (["NoSuchMessage", "X=1"], "NoSuchMessage"),
    (["DriveCommand", "LeftTrackSpeedCmd=0", "Nope=1"], "Nope"),
    (["DriveCommand", "LeftTrackSpeedCmd=%r" % (drive.get_signal_by_name("LeftTrackSpeedCmd").maximum + 1), "RightTrackSpeedCmd=0"], "LeftTrackSpeedCmd"),
]:
    adapter = Adapter()
    rc, out, err = run_until_exit([demine, "can", "send", "--port", adapter.path] + args, adapter)
    adapter.close()
    if rc == 0 or needle not in err or adapter.frames:
        problems.append("send %s: rc=%s frames=%s err=%r" % (args[0], rc, adapter.frames, err.strip()[-100:]))

print(json.dumps({"monitor_decoded": "%d/%d" % (len(set(decoded) & set(want)), len(messages)),
                  "send_ok": "%d/%d" % (sent_ok, len(messages)), "problems": problems[:8]}))
sys.exit(1 if problems else 0)
