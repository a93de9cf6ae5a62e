#!/usr/bin/env python3
"""The processes a `ros2 launch demine <file> [arg:=value ...]` would start, as JSON, read from the
launch files themselves (ros2 launch / launch_ros are not on PyPI): the real-DDS test starts the
same executables with the same parameter files, parameters and remappings, so the test and the
launch files cannot drift.

    launch_graph.py launch/sim_builtin.launch.py field:=/tmp/f.geojson rviz:=false

It evaluates generate_launch_description() against a small stand-in of the launch API the demine
launch files use (LaunchDescription, DeclareLaunchArgument, IncludeLaunchDescription,
PythonLaunchDescriptionSource, LaunchConfiguration, PathJoinSubstitution, Command, Node,
ParameterValue, FindPackageShare, IfCondition) with launch's rules: launch arguments given on the
command line or by an include win over defaults; an include's arguments are scoped to it; a Node's
`parameters` are applied in order (a dict becomes a parameter file for that node, as launch_ros
writes it); FindPackageShare('demine') is the repository (what colcon installs to share/demine).
Anything the stand-in does not know fails loudly.

Output: {"nodes": [{"package", "executable", "name", "params_files": [...], "params": [{...}, ...],
"param_order": ["file"|"dict", ...], "remappings": [[from, to], ...], "arguments": [...]}],
"skipped": [{"package", "executable", "why"}]}
"""

import json
import os
import sys
import types

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Context:
    def __init__(self, args):
        self.args = dict(args)


def resolve(v, ctx):
    """A substitution (or list of them, or a literal) as a string in `ctx`."""
    if isinstance(v, (list, tuple)):
        return ''.join(resolve(x, ctx) for x in v)
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, int, float)):
        return v
    if hasattr(v, 'perform'):
        return v.perform(ctx)
    raise SystemExit(f'launch_graph: cannot resolve {v!r}')


class LaunchConfiguration:
    def __init__(self, name, default=None):
        self.name = name
        self.default = default

    def perform(self, ctx):
        if self.name in ctx.args:
            return resolve(ctx.args[self.name], ctx)
        if self.default is not None:
            return resolve(self.default, ctx)
        raise SystemExit(f"launch_graph: launch argument '{self.name}' has no value")


class FindPackageShare:
    def __init__(self, pkg):
        self.pkg = pkg

    def perform(self, ctx):
        if self.pkg == 'demine':
            return ROOT
        raise UnknownPackage(self.pkg)


class UnknownPackage(Exception):
    pass


class PathJoinSubstitution:
    def __init__(self, parts):
        self.parts = parts

    def perform(self, ctx):
        return os.path.join(*[str(resolve(p, ctx)) for p in self.parts])


class Command:
    def __init__(self, parts):
        self.parts = parts

    def perform(self, ctx):
        raise NotRun('Command substitution (xacro)')


class NotRun(Exception):
    pass


class ParameterValue:
    def __init__(self, value, value_type=None):
        self.value = value

    def perform(self, ctx):
        return resolve(self.value, ctx)


class IfCondition:
    def __init__(self, predicate):
        self.predicate = predicate

    def evaluate(self, ctx):
        v = str(resolve(self.predicate, ctx)).strip().lower()
        if v not in ('true', 'false', '1', '0'):
            raise SystemExit(f'launch_graph: IfCondition on {v!r}')
        return v in ('true', '1')


class DeclareLaunchArgument:
    def __init__(self, name, default_value=None, description=None, **_):
        self.name = name
        self.default_value = default_value


class PythonLaunchDescriptionSource:
    def __init__(self, path):
        self.path = path


class IncludeLaunchDescription:
    def __init__(self, source, launch_arguments=None):
        self.source = source
        self.launch_arguments = list(launch_arguments or [])


class Node:
    def __init__(self, package, executable, name=None, namespace=None, output=None, parameters=None,
                 remappings=None, arguments=None, condition=None, **kw):
        unknown = set(kw) - {'respawn', 'respawn_delay', 'emulate_tty'}
        if unknown:
            raise SystemExit(f'launch_graph: Node keyword(s) {sorted(unknown)} not supported')
        self.package, self.executable, self.name, self.namespace = package, executable, name, namespace
        self.parameters = parameters or []
        self.remappings = remappings or []
        self.arguments = arguments or []
        self.condition = condition


class LaunchDescription:
    def __init__(self, entities):
        self.entities = list(entities)


def install_stand_in():
    mods = {
        'launch': {'LaunchDescription': LaunchDescription},
        'launch.actions': {'DeclareLaunchArgument': DeclareLaunchArgument,
                           'IncludeLaunchDescription': IncludeLaunchDescription},
        'launch.conditions': {'IfCondition': IfCondition},
        'launch.launch_description_sources': {'PythonLaunchDescriptionSource': PythonLaunchDescriptionSource},
        'launch.substitutions': {'LaunchConfiguration': LaunchConfiguration,
                                 'PathJoinSubstitution': PathJoinSubstitution, 'Command': Command},
        'launch_ros': {},
        'launch_ros.actions': {'Node': Node},
        'launch_ros.parameter_descriptions': {'ParameterValue': ParameterValue},
        'launch_ros.substitutions': {'FindPackageShare': FindPackageShare},
    }
    for name, attrs in mods.items():
        m = types.ModuleType(name)
        m.__dict__.update(attrs)
        sys.modules[name] = m


def load(path):
    src = open(path).read()
    scope = {'__file__': path, '__name__': 'launch_file'}
    exec(compile(src, path, 'exec'), scope)
    return scope['generate_launch_description']()


def typed(v):
    """A resolved parameter value as launch_ros passes it: strings are read as YAML."""
    if isinstance(v, str):
        import yaml
        try:
            x = yaml.safe_load(v)
        except yaml.YAMLError:
            return v
        return v if x is None and v != '' else ('' if x is None else x)
    return v


def walk(desc, ctx, out, skipped):
    for e in desc.entities:
        if isinstance(e, DeclareLaunchArgument):
            if e.name not in ctx.args and e.default_value is not None:
                ctx.args[e.name] = resolve(e.default_value, ctx)
        elif isinstance(e, IncludeLaunchDescription):
            try:
                path = resolve(e.source.path, ctx)
            except UnknownPackage as p:
                skipped.append({'package': str(p), 'executable': '(include)',
                                'why': 'launch file of a package not on PyPI'})
                continue
            inner = Context(ctx.args)
            for k, v in e.launch_arguments:
                inner.args[k] = resolve(v, ctx)
            walk(load(path), inner, out, skipped)
        elif isinstance(e, Node):
            if e.condition is not None and not e.condition.evaluate(ctx):
                continue
            if e.package != 'demine':
                skipped.append({'package': e.package, 'executable': e.executable,
                                'why': 'not on PyPI (ros2 launch would start it)'})
                continue
            node = {'package': e.package, 'executable': resolve(e.executable, ctx),
                    'name': resolve(e.name, ctx) if e.name else None,
                    'params_files': [], 'params': [], 'param_order': [],
                    'remappings': [[resolve(a, ctx), resolve(b, ctx)] for a, b in e.remappings],
                    'arguments': [str(resolve(a, ctx)) for a in e.arguments]}
            for p in e.parameters:
                if isinstance(p, dict):
                    node['params'].append({k: typed(resolve(v, ctx)) for k, v in p.items()})
                    node['param_order'].append('dict')
                else:
                    f = resolve(p, ctx)
                    if not os.path.isfile(f):
                        raise SystemExit(f'launch_graph: parameter file {f} does not exist')
                    node['params_files'].append(f)
                    node['param_order'].append('file')
            out.append(node)
        else:
            raise SystemExit(f'launch_graph: unsupported launch entity {type(e).__name__}')


def main(argv):
    if not argv:
        raise SystemExit(__doc__)
    path = argv[0] if os.path.isabs(argv[0]) else os.path.join(ROOT, argv[0])
    args = {}
    for a in argv[1:]:
        if ':=' not in a:
            raise SystemExit(f'launch_graph: argument {a!r} is not name:=value')
        k, v = a.split(':=', 1)
        args[k] = v
    install_stand_in()
    out, skipped = [], []
    walk(load(path), Context(args), out, skipped)
    json.dump({'nodes': out, 'skipped': skipped}, sys.stdout, indent=1)
    print()


if __name__ == '__main__':
    main(sys.argv[1:])
