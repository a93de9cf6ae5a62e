#!/usr/bin/env python3
"""Validate the ROS assets without ROS: launch files, URDF (xacro + check_urdf), SDF world,
package.xml. Run by tests/ros_assets.rs, which passes the executables Cargo builds and the
interface table as JSON on stdin:

    {"executables": ["demine_planner", ...], "topics": [{"node": ..., "topic": ..., ...}, ...],
     "machine": {... machines/medium_flail.yaml ...}}

Exit status 0 when every check passes; each failure is printed on its own line.
"""

import ast
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXTERNAL_PACKAGES = {'robot_state_publisher': {'robot_state_publisher'}, 'rviz2': {'rviz2'},
                     'ros_gz_sim': {'create'}, 'ros_gz_bridge': {'parameter_bridge'}}
EXTERNAL_SHARE = {('ros_gz_sim', 'launch', 'gz_sim.launch.py')}
failures = []


def fail(msg):
    failures.append(msg)


def literal(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def check_launch(executables):
    """Every launch file parses and compiles; Node(...) names existing executables; every
    PathJoinSubstitution([FindPackageShare('demine'), ...]) names an existing file."""
    launch_dir = os.path.join(ROOT, 'launch')
    files = sorted(f for f in os.listdir(launch_dir) if f.endswith('.launch.py'))
    for required in ('mission.launch.py', 'sim.launch.py', 'sim_builtin.launch.py'):
        if required not in files:
            fail(f'launch/{required} missing')
    used_demine = set()
    for f in files:
        path = os.path.join(launch_dir, f)
        src = open(path).read()
        try:
            tree = ast.parse(src, path)
            compile(tree, path, 'exec')
        except SyntaxError as e:
            fail(f'launch/{f}: {e}')
            continue
        if not any(isinstance(n, ast.FunctionDef) and n.name == 'generate_launch_description' for n in tree.body):
            fail(f'launch/{f}: no generate_launch_description()')
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            name = getattr(call.func, 'id', getattr(call.func, 'attr', None))
            kw = {k.arg: k.value for k in call.keywords}
            if name == 'Node':
                pkg, exe = literal(kw.get('package')), literal(kw.get('executable'))
                if pkg is None or exe is None:
                    # demine_node('x') builds 'demine_' + name: checked through its call sites below
                    if not (isinstance(kw.get('executable'), ast.BinOp)):
                        fail(f'launch/{f}:{call.lineno}: Node without literal package/executable')
                    continue
                if pkg == 'demine':
                    used_demine.add(exe)
                    if exe not in executables:
                        fail(f'launch/{f}:{call.lineno}: executable {exe} is not built by Cargo')
                elif exe not in EXTERNAL_PACKAGES.get(pkg, set()):
                    fail(f'launch/{f}:{call.lineno}: unknown executable {pkg}/{exe}')
            elif name == 'demine_node':
                exe = 'demine_' + (literal(call.args[0]) or '?')
                used_demine.add(exe)
                if exe not in executables:
                    fail(f'launch/{f}:{call.lineno}: executable {exe} is not built by Cargo')
            elif name == 'PathJoinSubstitution' and call.args and isinstance(call.args[0], ast.List):
                items = call.args[0].elts
                if not items or not isinstance(items[0], ast.Call):
                    continue
                pkg = literal(items[0].args[0]) if items[0].args else None
                parts = [literal(e) for e in items[1:]]
                if None in parts:
                    fail(f'launch/{f}:{call.lineno}: non-literal path segment')
                    continue
                if pkg == 'demine':
                    if not os.path.exists(os.path.join(ROOT, *parts)):
                        fail(f'launch/{f}:{call.lineno}: share/demine/{"/".join(parts)} does not exist')
                elif (pkg, *parts) not in EXTERNAL_SHARE:
                    fail(f'launch/{f}:{call.lineno}: unknown file of package {pkg}: {parts}')
    missing = set(executables) - used_demine
    if missing:
        fail(f'launch files start no {sorted(missing)}')


def xacro_expand(args):
    try:
        import xacro  # noqa: F401
    except ImportError:
        fail('python module xacro missing (pip install xacro; .ci/run installs it)')
        return None
    # the console script's entry point, under this interpreter
    code = 'import sys, xacro; sys.argv[0] = "xacro"; sys.exit(xacro.main())'
    r = subprocess.run([sys.executable, '-c', code, os.path.join(ROOT, 'urdf', 'demine.urdf.xacro'), *args],
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail(f'xacro {args}: {r.stderr.strip()}')
        return None
    return r.stdout


def check_urdf(machine):
    if shutil.which('check_urdf') is None:
        fail('check_urdf missing (Debian package liburdfdom-tools; .ci/run installs it)')
    for args in ([], ['gazebo:=true'], ['dual_antenna:=false']):
        text = xacro_expand(args)
        if text is None:
            continue
        if shutil.which('check_urdf'):
            with tempfile.NamedTemporaryFile('w', suffix='.urdf', delete=False) as t:
                t.write(text)
            r = subprocess.run(['check_urdf', t.name], capture_output=True, text=True)
            os.unlink(t.name)
            if r.returncode != 0 or 'Successfully Parsed' not in r.stdout:
                fail(f'check_urdf refuses the URDF ({args}): {r.stdout.strip()} {r.stderr.strip()}')
        robot = ET.fromstring(text)
        links = {l.get('name') for l in robot.findall('link')}
        joints = {j.get('name'): j for j in robot.findall('joint')}
        for needed in ('base_link', 'gnss_link', 'imu_link', 'rotor_link', 'left_track_link', 'right_track_link'):
            if needed not in links:
                fail(f'URDF ({args}): link {needed} missing')
        for needed, kind in (('rotor_joint', 'continuous'), ('implement_depth_joint', 'prismatic')):
            if needed not in joints or joints[needed].get('type') != kind:
                fail(f'URDF ({args}): {kind} joint {needed} missing')
        if args:
            if args == ['gazebo:=true']:
                check_gazebo_urdf(robot, links)
            continue
        # frames and sizes match the machine profile
        def xyz(joint):
            o = joints[joint].find('origin')
            return [float(v) for v in o.get('xyz').split()]

        fp_x = [p[0] for p in machine['footprint_m']]
        fp_y = [p[1] for p in machine['footprint_m']]
        gauge = machine['track_gauge_m']
        impl_x = machine['implement_m'][0][0]
        width = machine['working_width_m']
        left, right = xyz('left_track_joint'), xyz('right_track_joint')
        if abs(left[1] - gauge / 2) > 1e-6 or abs(right[1] + gauge / 2) > 1e-6:
            fail(f'URDF tracks at y={left[1]}, {right[1]}: profile gauge {gauge}')
        track_box = [float(v) for v in robot.find("link[@name='left_track_link']/visual/geometry/box").get('size').split()]
        if abs(track_box[0] - (max(fp_x) - min(fp_x))) > 1e-6:
            fail(f'URDF track length {track_box[0]}: profile footprint length {max(fp_x) - min(fp_x)}')
        if abs(gauge / 2 + track_box[1] / 2 - max(fp_y)) > 1e-6:
            fail(f'URDF outer track edge {gauge / 2 + track_box[1] / 2}: profile footprint half-width {max(fp_y)}')
        if abs(xyz('implement_depth_joint')[0] - impl_x) > 1e-6:
            fail(f'URDF rotor at x={xyz("implement_depth_joint")[0]}: profile implement line at {impl_x}')
        rotor = robot.find("link[@name='rotor_link']/visual/geometry/cylinder")
        if abs(float(rotor.get('length')) - width) > 1e-6:
            fail(f'URDF rotor length {rotor.get("length")}: profile working width {width}')
        gnss = xyz('gnss_joint')
        if abs(gnss[0]) > 1e-9 or abs(gnss[1]) > 1e-9:
            fail(f'URDF gnss_link at {gnss}: the localizer assumes the antenna above base_link')


def check_gazebo_urdf(robot, links):
    plugins = {p.get('name') for p in robot.iter('plugin')}
    for needed in ('gz::sim::systems::DiffDrive', 'gz::sim::systems::JointStatePublisher',
                   'gz::sim::systems::JointController', 'gz::sim::systems::JointPositionController'):
        if needed not in plugins:
            fail(f'Gazebo URDF: system {needed} missing')
    sensors = {s.get('type'): s for s in robot.iter('sensor')}
    for kind, frame in (('navsat', 'gnss_link'), ('imu', 'imu_link')):
        s = sensors.get(kind)
        if s is None:
            fail(f'Gazebo URDF: {kind} sensor missing')
        elif s.findtext('gz_frame_id') != frame or frame not in links:
            fail(f'Gazebo URDF: {kind} sensor frame {s.findtext("gz_frame_id")} (expected {frame})')
    dd = next(p for p in robot.iter('plugin') if p.get('name') == 'gz::sim::systems::DiffDrive')
    if dd.findtext('frame_id') != 'odom' or dd.findtext('child_frame_id') != 'base_link':
        fail('Gazebo URDF: DiffDrive odometry frames must be odom -> base_link')


def field_datum(path):
    fc = json.load(open(path))
    pts = []
    for f in fc['features']:
        if f['properties'].get('role') != 'hazard':
            continue
        g = f['geometry']
        polys = [g['coordinates']] if g['type'] == 'Polygon' else g['coordinates']
        for poly in polys:
            pts.extend(poly[0])
    lons, lats = [p[0] for p in pts], [p[1] for p in pts]
    return (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2


def check_sdf():
    path = os.path.join(ROOT, 'sim', 'minefield.sdf')
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        fail(f'sim/minefield.sdf: {e}')
        return
    world = root.find('world')
    if root.tag != 'sdf' or world is None:
        fail('sim/minefield.sdf: no <sdf><world>')
        return
    sc = world.find('spherical_coordinates')
    lat, lon = field_datum(os.path.join(ROOT, 'examples', 'fields', 'rectangle.geojson'))
    if sc is None:
        fail('sim/minefield.sdf: no spherical_coordinates (NavSat needs them)')
    else:
        if abs(float(sc.findtext('latitude_deg')) - lat) > 1e-6 or abs(float(sc.findtext('longitude_deg')) - lon) > 1e-6:
            fail(f'sim/minefield.sdf: spherical_coordinates are not the example field datum {lat:.7f},{lon:.7f}')
        if sc.findtext('world_frame_orientation') != 'ENU':
            fail('sim/minefield.sdf: world frame must be ENU (REP-103)')
    systems = {p.get('name') for p in world.findall('plugin')}
    for needed in ('gz::sim::systems::Physics', 'gz::sim::systems::NavSat', 'gz::sim::systems::Imu',
                   'gz::sim::systems::SceneBroadcaster', 'gz::sim::systems::UserCommands'):
        if needed not in systems:
            fail(f'sim/minefield.sdf: system {needed} missing')
    models = {m.get('name') for m in world.findall('model')}
    if 'ground' not in models or len(models) < 3:
        fail(f'sim/minefield.sdf: expected ground and obstacles, found {sorted(models)}')


def check_package(executables):
    root = ET.parse(os.path.join(ROOT, 'package.xml')).getroot()
    if root.get('format') != '3':
        fail('package.xml: format must be 3')
    if root.findtext('name') != 'demine':
        fail('package.xml: name must be demine (the Cargo package name)')
    if root.findtext('export/build_type') != 'ament_cargo':
        fail('package.xml: build_type must be ament_cargo')
    deps = {d.text for d in root.findall('depend')} | {d.text for d in root.findall('exec_depend')}
    for needed in ('std_msgs', 'nav_msgs', 'lifecycle_msgs', 'robot_state_publisher', 'xacro', 'ros_gz_bridge'):
        if needed not in deps:
            fail(f'package.xml: dependency {needed} missing')


def main():
    data = json.load(sys.stdin)
    check_launch(set(data['executables']))
    check_urdf(data['machine'])
    check_sdf()
    check_package(data['executables'])
    for f in failures:
        print(f)
    print(f'{len(failures)} failure(s)')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
