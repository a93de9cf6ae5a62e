#!/usr/bin/env python3
"""The operator of the README's "From `ros2 launch` to a completed mission", as an rclpy node over
real DDS, driven by the real-DDS test (which starts the graph from the launch files with launch_graph.py). Prints one
JSON report on stdout; exits non-zero naming the first failed step.

    operator.py mission --topics rows.json [--nodes a,b,...] [--timeout-s 900] [--no-estop] ...
    operator.py bad_field --field PATH --property NAME
    operator.py cmd_timeout
"""

import argparse
import importlib
import json
import math
import sys
import time

import rclpy
from rclpy.node import Node
from rclpy.qos import (DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy,
                       qos_profile_sensor_data)

from builtin_interfaces.msg import Time as _Time  # noqa: F401  (message packages importable)
from geometry_msgs.msg import Twist
from lifecycle_msgs.msg import Transition
from lifecycle_msgs.srv import ChangeState, GetState
from rcl_interfaces.msg import Log
from rosgraph_msgs.msg import Clock
from std_msgs.msg import Bool, UInt32
from std_msgs.msg import String as RosString


class Failed(Exception):
    pass


def msg_class(type_name):
    pkg, kind, name = type_name.split('/')
    return getattr(importlib.import_module(f'{pkg}.{kind}'), name)


def stamp_s(t):
    return t.sec + 1e-9 * t.nanosec


LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL, history=HistoryPolicy.KEEP_LAST)
RELIABLE = QoSProfile(depth=50, reliability=ReliabilityPolicy.RELIABLE,
                      durability=DurabilityPolicy.VOLATILE, history=HistoryPolicy.KEEP_LAST)
LATEST = QoSProfile(depth=1, reliability=ReliabilityPolicy.BEST_EFFORT,
                    durability=DurabilityPolicy.VOLATILE, history=HistoryPolicy.KEEP_LAST)
ROSOUT = QoSProfile(depth=1000, reliability=ReliabilityPolicy.RELIABLE,
                    durability=DurabilityPolicy.TRANSIENT_LOCAL, history=HistoryPolicy.KEEP_LAST)


def qos_of(row_qos):
    return {'latched': LATCHED, 'sensor_data': qos_profile_sensor_data}.get(row_qos, RELIABLE)


def level(status):
    """diagnostic_msgs/DiagnosticStatus.level (a `byte`: bytes of length 1 in rclpy) as an int."""
    lv = status.level
    return lv if isinstance(lv, int) else ord(lv)


def resolved(topic):
    return topic if topic.startswith('/') else '/' + topic


class Operator(Node):
    def __init__(self):
        super().__init__('demine_test_operator')
        self.t0_wall = time.monotonic()
        self.sim_s = None
        self.clock_samples = []  # (wall, sim)
        self.logs = []
        self.state = None
        self.states_seen = []
        self.latched = None
        self.pending = []
        self.progress = 0.0
        self.wheel = None  # (sim_s, speed)
        self.diag_ok_s = None
        # the newest /clock only (100 Hz simulated, 500 Hz at real-time factor 5): a reliable
        # queue would let this Python node fall behind the simulation on a busy machine
        self.create_subscription(Clock, '/clock', self._on_clock, LATEST)
        self.create_subscription(Log, '/rosout', lambda m: self.logs.append(m), ROSOUT)
        self.create_subscription(RosString, '/mission/state', self._on_state, LATCHED)
        self.create_subscription(Bool, '/mission/estop_latched', self._on_latched, LATCHED)
        self.create_subscription(UInt32, '/mission/detonation_pending', lambda m: self.pending.append(m.data),
                                 LATCHED)
        self.change = self.create_client(ChangeState, '/mission/change_state')
        self.get_state = self.create_client(GetState, '/mission/get_state')
        self.cmd = self.create_publisher(Twist, '/cmd_vel', RELIABLE)
        self.estop = self.create_publisher(Bool, '/estop', RELIABLE)
        self.reset = self.create_publisher(Bool, '/estop/reset', RELIABLE)
        self.ack = self.create_publisher(UInt32, '/detonation/acknowledge', RELIABLE)
        self.rate_subs = []
        self.samples = {}

    def _on_clock(self, m):
        self.sim_s = stamp_s(m.clock)
        if not self.clock_samples or time.monotonic() - self.clock_samples[-1][0] > 0.5:
            self.clock_samples.append((time.monotonic(), self.sim_s))

    def _on_state(self, m):
        self.state = m.data
        if not self.states_seen or self.states_seen[-1] != m.data:
            self.states_seen.append(m.data)

    def _on_latched(self, m):
        self.latched = m.data

    # --- helpers -------------------------------------------------------------------------------
    def spin_for(self, wall_s):
        end = time.monotonic() + wall_s
        while time.monotonic() < end:
            rclpy.spin_once(self, timeout_sec=0.02)

    def wait(self, what, pred, timeout_s):
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            if pred():
                return
            rclpy.spin_once(self, timeout_sec=0.05)
        raise Failed(f'timed out after {timeout_s} s waiting for {what} (mission/state {self.state}, '
                     f'sim {self.sim_s})')

    def call(self, client, req, timeout_s=90.0):
        if not client.wait_for_service(timeout_sec=30.0):
            raise Failed(f'service {client.srv_name} not available')
        fut = client.call_async(req)
        end = time.monotonic() + timeout_s
        while not fut.done():
            if time.monotonic() > end:
                raise Failed(f'{client.srv_name}: no answer in {timeout_s} s')
            rclpy.spin_once(self, timeout_sec=0.05)
        return fut.result()

    def transition(self, label, expect=True, timeout_s=90.0):
        ids = {'configure': 1, 'cleanup': 2, 'activate': 3, 'deactivate': 4, 'shutdown': 6}
        req = ChangeState.Request()
        req.transition = Transition(id=ids[label], label=label)
        t = time.monotonic()
        ok = self.call(self.change, req, timeout_s).success
        if ok != expect:
            tail = '; '.join(f'[{m.name}] {m.msg}' for m in self.logs[-8:])
            raise Failed(f'{label}: success {ok}, expected {expect} (last log lines: {tail})')
        return time.monotonic() - t

    def lifecycle(self):
        return self.call(self.get_state, GetState.Request()).current_state.label

    def drive(self, v, sim_s, hz=50.0):
        """Publish cmd_vel at `hz` (wall) for `sim_s` of simulated time, then stop publishing."""
        start = self.sim_s
        m = Twist()
        m.linear.x = v
        while self.sim_s - start < sim_s:
            self.cmd.publish(m)
            self.spin_for(1.0 / hz)
        return self.sim_s

    def logged(self, text, level=None):
        return [m for m in self.logs if text in m.msg and (level is None or m.level == level)]

    def ack_pending(self, acked):
        for i in self.pending:
            if i not in acked:
                if not self.logged(f'detonation {i}'):
                    self.spin_for(0.5)
                if not self.logged(f'detonation {i}'):
                    raise Failed(f'detonation {i} pending on mission/detonation_pending but not on /rosout')
                self.ack.publish(UInt32(data=i))
                acked.append(i)

    # --- topic introspection -------------------------------------------------------------------
    def check_endpoints(self, rows, nodes):
        problems = []
        for r in rows:
            if r['node'] not in nodes:
                continue
            topic = resolved(r['topic'])
            infos = (self.get_publishers_info_by_topic(topic) if r['direction'] == 'pub'
                     else self.get_subscriptions_info_by_topic(topic))
            mine = [i for i in infos if i.node_name == r['node']]
            if not mine:
                problems.append(f"{r['node']} {r['direction']} {topic}: not on the graph")
                continue
            i = mine[0]
            rel = {'sensor_data': ReliabilityPolicy.BEST_EFFORT}.get(r['qos'], ReliabilityPolicy.RELIABLE)
            dur = {'latched': DurabilityPolicy.TRANSIENT_LOCAL}.get(r['qos'], DurabilityPolicy.VOLATILE)
            if i.topic_type != r['msg_type']:
                problems.append(f"{r['node']} {topic}: type {i.topic_type}, table {r['msg_type']}")
            if i.qos_profile.reliability != rel:
                problems.append(f"{r['node']} {topic}: reliability {i.qos_profile.reliability}, table {r['qos']}")
            if i.qos_profile.durability != dur:
                problems.append(f"{r['node']} {topic}: durability {i.qos_profile.durability}, table {r['qos']}")
        return problems

    def start_sampling(self, rows, nodes):
        seen = set()
        for r in rows:
            if r['direction'] != 'pub' or r['node'] not in nodes or r['topic'] in seen:
                continue
            seen.add(r['topic'])
            topic = resolved(r['topic'])
            self.samples[topic] = []

            def cb(m, topic=topic):
                self.samples[topic].append((self.sim_s, m))
            self.rate_subs.append(self.create_subscription(msg_class(r['msg_type']), topic, cb, qos_of(r['qos'])))

    def stop_sampling(self):
        for s in self.rate_subs:
            self.destroy_subscription(s)
        self.rate_subs = []

    def check_samples(self, rows, nodes):
        """Frame ids and rates of what was received while sampling; returns (problems, rates)."""
        problems, rates = [], {}
        for r in rows:
            if r['direction'] != 'pub' or r['node'] not in nodes:
                continue
            topic = resolved(r['topic'])
            got = self.samples.get(topic, [])
            if r['rate_hz'] is None:
                continue
            if len(got) < 3:
                problems.append(f'{topic}: {len(got)} messages while sampling (table: {r["rate_hz"]} Hz)')
                continue
            m0 = got[0][1]
            frames = set()
            for _, m in got:
                if hasattr(m, 'header'):
                    frames.add(m.header.frame_id)
                elif hasattr(m, 'transforms'):
                    frames.update(t.header.frame_id for t in m.transforms)
            if r['frame'] != '-' and r['frame'] not in frames:
                problems.append(f'{topic}: frame ids {sorted(frames)}, table {r["frame"]}')
            # rate on the simulated clock: header stamps where there are any, else /clock at arrival
            if hasattr(m0, 'header') and r['frame'] != '-':
                ts = [stamp_s(m.header.stamp) for _, m in got]
            elif hasattr(m0, 'clock'):
                ts = [stamp_s(m.clock) for _, m in got]
            elif hasattr(m0, 'transforms') and m0.transforms:
                ts = [stamp_s(m.transforms[0].header.stamp) for _, m in got if m.transforms]
            else:
                ts = None
            stamped = ts is not None
            if stamped:
                # stamped: the publication period is the step between consecutive stamps. A
                # Python subscriber on a busy machine misses messages (best effort, or a full
                # keep-last queue) but takes what it gets in runs of consecutive ones: the low
                # (10th percentile) step is the period, the median would be the drop pattern
                u = sorted(set(ts))
                steps = sorted(b - a for a, b in zip(u, u[1:]))
                span = u[-1] - u[0]
                hz = 1.0 / steps[len(steps) // 10] if steps else float('inf')
            else:
                # not stamped (reliable): count over the simulated time they arrived in. On a busy
                # machine a node's timer on the simulated clock skips the periods it had no CPU
                # for (rcl timers do not catch up) while the simulation runs on: the count is
                # then lower (seen: 13.7 Hz of 20 at load 10 on 2 cores, 21.8 at load 5)
                ts = [t for t, _ in got if t is not None]
                span = max(ts) - min(ts)
                hz = (len(ts) - 1) / span if span > 0 else float('inf')
            rates[topic] = round(hz, 2)
            low = 0.7 if stamped else 0.5
            if not (low * r['rate_hz'] <= hz <= 1.3 * r['rate_hz']):
                problems.append(f'{topic}: {hz:.2f} Hz over {span:.1f} s simulated, table {r["rate_hz"]} Hz')
        return problems, rates


class Bag:
    """A rosbag2 MCAP recording (rosbags writer) of `topics`, fed with the serialized CDR of rclpy
    subscriptions: what a supervisor replays in RViz."""

    def __init__(self, op, path, topics):
        from rosbags.rosbag2 import StoragePlugin, Writer
        from rosbags.typesys import Stores, get_typestore
        self.typestore = get_typestore(Stores.ROS2_JAZZY)
        self.writer = Writer(path, version=9, storage_plugin=StoragePlugin.MCAP)
        self.writer.open()
        self.count = {}
        self.subs = []
        for topic, type_name, qos in topics:
            conn = self.writer.add_connection(topic, type_name, typestore=self.typestore)
            self.count[topic] = 0

            def cb(raw, conn=conn, topic=topic):
                self.writer.write(conn, time.time_ns(), raw)
                self.count[topic] += 1
            self.subs.append(op.create_subscription(msg_class(type_name), topic, cb, qos, raw=True))

    def close(self, op):
        for s in self.subs:
            op.destroy_subscription(s)
        self.writer.close()
        return self.count


def read_bag(path):
    """Every message of the bag deserialized with the rosbags reader: {topic: [msg, ...]}."""
    from rosbags.rosbag2 import Reader
    from rosbags.typesys import Stores, get_typestore
    ts = get_typestore(Stores.ROS2_JAZZY)
    out = {}
    with Reader(path) as r:
        for conn, _, raw in r.messages():
            out.setdefault(conn.topic, []).append(ts.deserialize_cdr(raw, conn.msgtype))
    return out


BAG_TOPICS = [
    ('/odometry/filtered', 'nav_msgs/msg/Odometry', RELIABLE),
    ('/tf', 'tf2_msgs/msg/TFMessage', RELIABLE),
    ('/plan/path', 'nav_msgs/msg/Path', LATCHED),
    ('/coverage/grid', 'nav_msgs/msg/OccupancyGrid', LATCHED),
    ('/coverage/progress', 'std_msgs/msg/Float64', RELIABLE),
    ('/mission/state', 'std_msgs/msg/String', LATCHED),
    ('/rosout', 'rcl_interfaces/msg/Log', ROSOUT),
]


def check_bag(path, counts):
    got = read_bag(path)
    problems = []
    for topic, _, _ in BAG_TOPICS:
        n = len(got.get(topic, []))
        if n == 0 or n != counts[topic]:
            problems.append(f'{topic}: {n} read back, {counts[topic]} written')
    states = [m.data for m in got.get('/mission/state', [])]
    if 'completed' not in states:
        problems.append(f'mission/state in the bag: {states}')
    odo = got.get('/odometry/filtered', [])
    if odo and odo[-1].header.frame_id != 'map':
        problems.append(f'odometry/filtered frame {odo[-1].header.frame_id}')
    if problems:
        raise Failed('MCAP bag: ' + '; '.join(problems))
    return {t: len(v) for t, v in got.items()}


def mission(op, a):
    rows = json.load(open(a.topics))
    nodes = set(a.nodes.split(','))
    report = {'steps': []}

    def step(name):
        report['steps'].append({'step': name, 'wall_s': round(time.monotonic() - op.t0_wall, 1),
                                'sim_s': None if op.sim_s is None else round(op.sim_s, 1)})

    op.wait('every node on the graph', lambda: nodes <= set(op.get_node_names()), 120)
    op.wait('/clock', lambda: op.sim_s is not None, 60)
    op.wait('mission/state idle', lambda: op.state == 'idle', 60)
    op.spin_for(2.0)
    problems = op.check_endpoints(rows, nodes)
    if problems:
        raise Failed('interface table vs the live graph: ' + '; '.join(problems))
    step('endpoints: every row of the interface table on the graph')
    bag = Bag(op, a.bag, BAG_TOPICS) if a.bag else None

    # 1. alignment drive until the localization status is OK; the machine stops on its own
    from diagnostic_msgs.msg import DiagnosticArray
    loc = {}

    def on_diag(m):
        for s in m.status:
            if s.name == 'demine: localization':
                loc['level'] = level(s)
    diag = op.create_subscription(DiagnosticArray, '/diagnostics', on_diag, RELIABLE)
    from nav_msgs.msg import Odometry
    wheel = []
    op.create_subscription(Odometry, '/odometry/wheel',
                           lambda m: wheel.append((stamp_s(m.header.stamp), m.twist.twist.linear.x)),
                           qos_profile_sensor_data)
    # the new subscription discovered before driving (1.4 s of wall time at factor 5)
    op.wait('odometry/wheel', lambda: len(wheel) >= 5, 60)
    # one straight run (the sim node starts 3 m behind the plan's first pose: stay short of it)
    last_cmd = op.drive(a.align_speed, a.align_s)
    # the simulated time of the last cmd_vel: what this node last saw of the simulation (its
    # /clock, the wheel stamps), a lower bound on the sim node's own time
    last_cmd = max([last_cmd] + [t for t, _ in wheel])
    peak = max([v for _, v in wheel] or [0.0])
    if peak < 0.5 * a.align_speed:
        raise Failed(f'alignment drive: the machine did not move (peak {peak:.2f} m/s, {len(wheel)} samples)')
    # command timeout: no cmd_vel for 0.5 s of simulated time stops the tracks (allowed on top:
    # the deceleration and this node's lag behind the simulation, 1 s simulated)
    op.wait('the sim clock 3 s past the last cmd_vel', lambda: op.sim_s > last_cmd + 3.0, 60)
    moving_after = [(t, v) for t, v in wheel if t > last_cmd + 0.5 + 1.0 and abs(v) > 0.02]
    if moving_after:
        raise Failed(f'cmd_vel timeout: still {moving_after[0][1]:.2f} m/s at sim {moving_after[0][0]:.2f} s, '
                     f'last cmd_vel at {last_cmd:.2f} s')
    if not op.logged('no cmd_vel for 0.5 s', 30):
        raise Failed('cmd_vel timeout: the sim node logged no stop on /rosout')
    report['alignment_peak_mps'] = round(peak, 3)
    report['cmd_timeout_stop_s'] = round(max([t for t, v in wheel if abs(v) > 0.02] or [last_cmd]) - last_cmd, 2)
    op.wait('demine: localization OK', lambda: loc.get('level') == 0, 120)
    op.destroy_subscription(diag)
    step('alignment drive; tracks stopped by the cmd_vel timeout; localization OK')

    # 2. configure: plan published, state planned, no spurious safety error
    from nav_msgs.msg import Path
    plan = []
    op.create_subscription(Path, '/plan/path', lambda m: plan.append(m), LATCHED)
    n_logs = len(op.logs)
    op.transition('configure')
    op.wait('mission/state planned', lambda: op.state == 'planned', 30)
    op.wait('plan/path', lambda: plan, 30)
    if len(plan[-1].poses) < 2 or plan[-1].header.frame_id != 'map':
        raise Failed(f'plan/path: {len(plan[-1].poses)} poses in {plan[-1].header.frame_id!r}')
    step(f'configure: planned, plan/path {len(plan[-1].poses)} poses')

    # 3. activate at once, while the rotor spin test runs: the first request waits for it and
    # succeeds
    sim_configured = op.sim_s
    wait_s = op.transition('activate', timeout_s=120)
    op.wait('mission/state clearing', lambda: op.state == 'clearing', 30)
    report['activate_wait_wall_s'] = round(wait_s, 1)
    report['activate_wait_sim_s'] = round(op.sim_s - sim_configured, 1)
    op.spin_for(1.0)
    errors = [m.msg for m in op.logs[n_logs:] if m.level >= 40]
    if errors:
        raise Failed(f'configure and activate logged errors: {errors}')
    step('activate (first request, at once after configure) -> clearing; no error on /rosout')

    # rates and frames while clearing
    op.start_sampling(rows, nodes)
    t_s = op.sim_s
    op.wait('sampling window', lambda: op.sim_s - t_s >= a.sample_sim_s, 300)
    op.stop_sampling()
    problems, rates = op.check_samples(rows, nodes)
    report['rates_hz'] = rates
    if problems:
        raise Failed('frames and rates: ' + '; '.join(problems))
    step('frames and rates of every periodic publication')

    acked = []
    # 4. pause / resume (from clearing: a detonation may hold the mission until acknowledged)
    op.wait('clearing before the pause', lambda: (op.ack_pending(acked) or True) and op.state == 'clearing', 120)
    op.transition('deactivate')
    op.wait('paused', lambda: op.state == 'paused', 30)
    op.wait('lifecycle inactive after deactivate', lambda: op.lifecycle() == 'inactive', 10)
    op.transition('activate')
    op.wait('clearing again', lambda: op.state == 'clearing', 30)
    step('deactivate -> paused, activate -> clearing')

    # 5. e-stop: latched, stopped, inactive; reset; activate
    if not a.no_estop:
        op.wait('clearing before the e-stop', lambda: (op.ack_pending(acked) or True) and op.state == 'clearing', 120)
        op.estop.publish(Bool(data=True))
        op.wait('estop latched', lambda: op.latched is True, 10)
        op.wait('lifecycle inactive after the e-stop', lambda: op.lifecycle() == 'inactive', 10)
        t_e = op.sim_s
        op.wait('2 s simulated after the e-stop', lambda: op.sim_s > t_e + 2.0, 30)
        moving = [v for t, v in wheel if t > t_e + 1.5 and abs(v) > 0.02]
        if moving:
            raise Failed(f'e-stop: tracks still at {moving[0]:.2f} m/s 1.5 s after it')
        op.transition('activate', expect=False)
        op.estop.publish(Bool(data=False))
        op.spin_for(0.5)
        op.reset.publish(Bool(data=True))
        op.wait('estop latch released', lambda: op.latched is False, 10)
        op.transition('activate')
        op.wait('clearing after the reset', lambda: op.state == 'clearing', 30)
        step('e-stop: latched, stopped, inactive, activate refused; reset; activate')

    # 6./7. detonations acknowledged by id; completion
    from std_msgs.msg import Float64
    from nav_msgs.msg import OccupancyGrid
    grid = []
    op.create_subscription(Float64, '/coverage/progress', lambda m: setattr(op, 'progress', m.data), RELIABLE)
    op.create_subscription(OccupancyGrid, '/coverage/grid', lambda m: grid.append(m), LATCHED)
    clearing_wall = time.monotonic()
    clearing_sim = op.sim_s
    end = time.monotonic() + a.timeout_s
    while op.state != 'completed':
        if time.monotonic() > end:
            raise Failed(f'mission not completed in {a.timeout_s} s: state {op.state}, progress {op.progress:.3f}')
        if op.state in ('aborted', 'failed'):
            tail = '; '.join(m.msg for m in op.logs[-10:])
            raise Failed(f'mission {op.state} at progress {op.progress:.3f}: {tail}')
        op.ack_pending(acked)
        op.spin_for(0.2)
    report['detonations_acknowledged'] = acked
    op.wait('lifecycle inactive after completion', lambda: op.lifecycle() == 'inactive', 30)
    op.spin_for(3.0)
    report['progress'] = op.progress
    if op.progress < 0.99:
        raise Failed(f'completed at coverage/progress {op.progress:.4f} < 0.99')
    if grid:
        g = grid[-1].data
        hazard = [c for c in g if c != -1]
        done = sum(1 for c in g if c == 0) / max(1, len(hazard))
        report['grid_processed_fraction'] = round(done, 4)
        if abs(done - op.progress) > 0.02:
            raise Failed(f'coverage/grid processed fraction {done:.4f} vs coverage/progress {op.progress:.4f}')
    else:
        raise Failed('no coverage/grid received')
    report['mission_wall_s'] = round(time.monotonic() - clearing_wall, 1)
    report['mission_sim_s'] = round(op.sim_s - clearing_sim, 1)
    ws = op.clock_samples
    report['real_time_factor_seen'] = round((ws[-1][1] - ws[0][1]) / (ws[-1][0] - ws[0][0]), 2) if len(ws) > 1 else None
    step('completed, self-deactivated')

    if a.expect_detonation and not acked:
        raise Failed('no detonation happened to acknowledge (raise ap_mines_per_ha)')
    op.transition('cleanup')
    op.wait('idle after cleanup', lambda: op.state == 'idle', 30)
    op.transition('shutdown')
    label = op.lifecycle()
    if label != 'finalized':
        raise Failed(f'after shutdown: {label}')
    step('cleanup -> idle, shutdown -> finalized')
    if bag:
        counts = bag.close(op)
        report['bag_messages'] = check_bag(a.bag, counts)
        step('MCAP bag written and read back')
    report['states_seen'] = op.states_seen
    report['gnss_degraded_errors'] = len(op.logged('gnss-degraded', 40))
    if report['gnss_degraded_errors']:
        raise Failed('a gnss-degraded ERROR was logged')
    report['rosout_lines'] = len(op.logs)
    report['rosout_nodes'] = sorted({m.name.lstrip('/').split('.')[-1] for m in op.logs})
    missing = nodes - set(report['rosout_nodes'])
    if missing:
        raise Failed(f'nothing on /rosout from {sorted(missing)}')
    return report


def vehicle(op, a):
    """The real-vehicle graph against the simulated ECU: the table rows on the graph, the CAN link
    OK on /diagnostics, then cmd_vel at 20 Hz for --drive-s (the test kills can_bridge meanwhile),
    with no cmd_vel for --pause-s after --pause-after-s (can_bridge's command timeout must stop
    the tracks: the test watches the ECU)."""
    rows = json.load(open(a.topics))
    nodes = set(a.nodes.split(','))
    op.wait('every node on the graph', lambda: nodes <= set(op.get_node_names()), 120)
    op.wait('mission/state idle', lambda: op.state == 'idle', 60)
    op.spin_for(2.0)
    problems = op.check_endpoints(rows, nodes)
    if problems:
        raise Failed('interface table vs the live graph: ' + '; '.join(problems))
    from diagnostic_msgs.msg import DiagnosticArray
    link = {}

    def on_diag(m):
        for st in m.status:
            if st.name == 'demine: CAN link':
                link['level'] = level(st)
                link['message'] = st.message
    op.create_subscription(DiagnosticArray, '/diagnostics', on_diag, RELIABLE)
    op.wait('demine: CAN link OK', lambda: link.get('level') == 0, 30)
    from nav_msgs.msg import Odometry
    wheel = []
    op.create_subscription(Odometry, '/odometry/wheel', lambda m: wheel.append(m.twist.twist.linear.x),
                           qos_profile_sensor_data)
    print('driving', flush=True)
    m = Twist()
    m.linear.x = 0.3
    start = time.monotonic()
    end = start + a.drive_s
    paused_at = None
    while time.monotonic() < end:
        if a.pause_s > 0 and paused_at is None and time.monotonic() - start >= a.pause_after_s:
            paused_at = time.time()  # the wall clock of the last cmd_vel, for the test
            op.spin_for(a.pause_s)
            continue
        op.cmd.publish(m)
        op.spin_for(0.05)
    if not wheel or max(wheel) < 0.15:
        raise Failed(f'odometry/wheel from can_bridge: {len(wheel)} messages, peak {max(wheel or [0]):.2f} m/s')
    return {'link': link, 'wheel_peak_mps': round(max(wheel), 3), 'wheel_messages': len(wheel),
            'pause_last_cmd_unix_s': paused_at}


def bad_field(op, a):
    op.wait('mission node', lambda: 'mission' in op.get_node_names(), 60)
    op.transition('configure', expect=False)
    op.spin_for(1.0)
    import os
    name = os.path.basename(a.field)
    hits = [m.msg for m in op.logs if name in m.msg and a.property in m.msg]
    if not hits:
        raise Failed(f'no /rosout line names {name} and {a.property}: {[m.msg for m in op.logs]}')
    return {'refusal': hits[0]}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('scenario', choices=['mission', 'bad_field', 'vehicle'])
    p.add_argument('--drive-s', type=float, default=8.0)
    p.add_argument('--pause-after-s', type=float, default=0.0)
    p.add_argument('--pause-s', type=float, default=0.0)
    p.add_argument('--topics')
    p.add_argument('--nodes', default='')
    p.add_argument('--timeout-s', type=float, default=900.0)
    p.add_argument('--align-speed', type=float, default=0.3)
    p.add_argument('--align-s', type=float, default=7.0)
    p.add_argument('--sample-sim-s', type=float, default=12.0)
    p.add_argument('--no-estop', action='store_true')
    p.add_argument('--expect-detonation', action='store_true')
    p.add_argument('--bag', help='record an MCAP bag (rosbag2) here and read it back')
    p.add_argument('--field')
    p.add_argument('--property')
    a = p.parse_args()
    rclpy.init()
    op = Operator()
    try:
        report = {'mission': mission, 'bad_field': bad_field, 'vehicle': vehicle}[a.scenario](op, a)
        report['ok'] = True
        print(json.dumps(report))
        return 0
    except Failed as e:
        print(json.dumps({'ok': False, 'failed': str(e)}))
        print(f'operator: FAILED: {e}', file=sys.stderr)
        return 1
    finally:
        op.destroy_node()
        rclpy.try_shutdown()


if __name__ == '__main__':
    sys.exit(main())
