"""The stack against the built-in simulator node instead of Gazebo: same nodes, same topics.

    ros2 launch demine sim_builtin.launch.py [field:=...] [machine:=...] [rviz:=false]

The sim node is the /clock source (it runs on the wall clock at real_time_factor, so it does not
use sim time itself); every other node runs on simulated time. The machine starts behind the
plan's first pose (room for the alignment run). The simulated receiver's dual-antenna heading
reaches the localizer on gps/heading (heading_source: gps_heading, the default).
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
        DeclareLaunchArgument('field', default_value=PathJoinSubstitution(
            [FindPackageShare('demine'), 'examples', 'fields', 'rectangle.geojson'])),
        DeclareLaunchArgument('machine', default_value=''),
        DeclareLaunchArgument('params_file',
                              default_value=PathJoinSubstitution([FindPackageShare('demine'), 'config', 'sim.yaml'])),
        DeclareLaunchArgument('rviz', default_value='true'),
        Node(package='demine', executable='demine_sim', name='sim', output='screen',
             parameters=[params_file, {'field': field, 'machine': machine, 'use_sim_time': False}]),
        IncludeLaunchDescription(
            PythonLaunchDescriptionSource(PathJoinSubstitution([FindPackageShare('demine'), 'launch', 'nodes.launch.py'])),
            launch_arguments={'field': field, 'machine': machine, 'params_file': params_file,
                              'use_sim_time': 'true', 'gazebo': 'false',
                              'rviz': LaunchConfiguration('rviz')}.items()),
    ])
