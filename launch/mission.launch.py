"""A clearance mission on the real machine.

    ros2 launch demine mission.launch.py field:=/data/task42.geojson \
        machine:=/data/digger_d250.yaml port:=/dev/ttyACM0 [gnss_port:=/dev/ttyUSB1]

The CAN adapter (SLCAN) is on `port`; GNSS comes either from a NavSatFix driver on gps/fix or,
with `gnss_port`, as NMEA read by the localizer itself. The mission node starts unconfigured:
`ros2 lifecycle set /mission configure`, then `activate` (see docs/ros.md).
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare


def generate_launch_description():
    field = LaunchConfiguration('field')
    machine = LaunchConfiguration('machine')
    params_file = LaunchConfiguration('params_file')
    return LaunchDescription([
        DeclareLaunchArgument('field', description='Field GeoJSON (hazard, safe, start)'),
        DeclareLaunchArgument('machine', default_value='',
                              description='Machine profile YAML (empty: the shipped medium flail)'),
        DeclareLaunchArgument('port', description='Serial device of the SLCAN adapter, e.g. /dev/ttyACM0'),
        DeclareLaunchArgument('gnss_port', default_value='',
                              description='NMEA serial device (empty: use a NavSatFix driver on gps/fix)'),
        DeclareLaunchArgument('params_file',
                              default_value=PathJoinSubstitution([FindPackageShare('demine'), 'config', 'demine.yaml'])),
        DeclareLaunchArgument('rviz', default_value='false'),
        IncludeLaunchDescription(
            PythonLaunchDescriptionSource(PathJoinSubstitution([FindPackageShare('demine'), 'launch', 'nodes.launch.py'])),
            launch_arguments={'field': field, 'machine': machine, 'params_file': params_file,
                              'use_sim_time': 'false', 'gazebo': 'false',
                              'gnss_port': LaunchConfiguration('gnss_port'),
                              'rviz': LaunchConfiguration('rviz')}.items()),
        Node(package='demine', executable='demine_can_bridge', name='can_bridge', output='screen',
             parameters=[params_file, {'port': LaunchConfiguration('port'), 'machine': machine}]),
    ])
