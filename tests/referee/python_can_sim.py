"""Referee for the simulated adapter + ECU: talk to it with python-can's slcan interface and
decode with cantools (no demine code involved).

usage: python_can_sim.py TTY VEHICLE.dbc
1. version and serial number answer; 2. vehicle frames arrive and decode; 3. heartbeat and
drive commands (cantools-encoded) make the tracks move; 4. when the heartbeat stops, the vehicle
reports StopReason HeartbeatTimeout and its tracks come to rest. Prints one JSON line; exit 0 on success."""
import json, sys, time

import can
import cantools

tty_path, dbc_path = sys.argv[1], sys.argv[2]
db = cantools.database.load_file(dbc_path)
hb = db.get_message_by_name("HostHeartbeat")
drive = db.get_message_by_name("DriveCommand")
result = {"problems": []}

bus = can.Bus(interface="slcan", channel=tty_path, bitrate=500000, sleep_after_open=0.2)
try:
    result["version"] = bus.get_version(2.0)
    result["serial"] = bus.get_serial_number(2.0)
    if result["version"] == (None, None) or not result["serial"]:
        result["problems"].append("no version or serial number")

    def decoded_frames(seconds, send=None):
        """Receive for `seconds`, calling send() every 20 ms; yield (name, signals)."""
        end, next_send = time.time() + seconds, 0.0
        while time.time() < end:
            if send and time.time() >= next_send:
                next_send = time.time() + 0.02
                send()
            msg = bus.recv(0.005)
            if msg is None or not msg.is_extended_id:
                continue
            try:
                m = db.get_message_by_frame_id(msg.arbitration_id)
            except KeyError:
                continue
            yield m.name, m.decode(msg.data, decode_choices=True)

    names = {name for name, _ in decoded_frames(0.5)}
    result["vehicle_messages"] = sorted(names)
    for want in ("VehicleHeartbeat", "TrackSpeeds", "ImplementStatus", "EngineStatus", "FaultCodes"):
        if want not in names:
            result["problems"].append("no " + want)

    state = {"counter": 251}

    def send_commands():
        bus.send(can.Message(arbitration_id=hb.frame_id, is_extended_id=True,
                             data=hb.encode({"HostCounter": state["counter"], "HostMode": 1})))
        state["counter"] = 0 if state["counter"] >= 250 else state["counter"] + 1
        bus.send(can.Message(arbitration_id=drive.frame_id, is_extended_id=True,
                             data=drive.encode({"LeftTrackSpeedCmd": 0.4, "RightTrackSpeedCmd": 0.4})))

    top = 0.0
    for name, sig in decoded_frames(3.0, send_commands):
        if name == "TrackSpeeds":
            top = max(top, sig["LeftTrackSpeed"])
            if top > 0.35:
                break
    result["top_speed_mps"] = top
    if top <= 0.35:
        result["problems"].append("tracks did not follow the drive command")

    reason, speed = None, None
    for name, sig in decoded_frames(4.0):
        if name == "VehicleHeartbeat":
            reason = str(sig["StopReason"])
        if name == "TrackSpeeds":
            speed = sig["LeftTrackSpeed"]
        if reason == "HeartbeatTimeout" and speed == 0:
            break
    result["stop_reason"], result["final_speed_mps"] = reason, speed
    if reason != "HeartbeatTimeout" or speed != 0:
        result["problems"].append("watchdog did not stop the vehicle")
finally:
    bus.shutdown()

print(json.dumps(result))
sys.exit(1 if result["problems"] else 0)
