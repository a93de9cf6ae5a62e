"""The stack against Gazebo Harmonic.

    ros2 launch demine sim.launch.py [field:=...] [gz_args:='-s -r -v 1'] [rviz:=false]

Starts gz sim with sim/minefield.sdf (its spherical_coordinates are the example field's datum),
spawns the machine from the URDF (gazebo:=true adds DiffDrive, joint controllers, NavSat and
IMU), bridges the topics of sim/bridge.yaml and runs the demine nodes on simulated time. The
spawn pose (x, y, yaw in map) must stand on safe ground of the field.

gz NavSat has no heading, so the localizer takes its heading from the yaw of the IMU orientation
(heading_source:=imu_orientation; the URDF's IMU reports it against ENU). That yaw is Gazebo's
truth without noise, weighted like a dual-antenna heading: a stand-in for the real receiver's HDT.
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare


def generate_launch_description():
    world = PathJoinSubstitution([FindPackageShare('demine'), 'sim', 'minefield.sdf'])
    return LaunchDescription([
        DeclareLaunchArgument('field', default_value=PathJoinSubstitution(
            [FindPackageShare('demine'), 'examples', 'fields', 'rectangle.geojson'])),
        DeclareLaunchArgument('machine', default_value=''),
        DeclareLaunchArgument('params_file',
                              default_value=PathJoinSubstitution([FindPackageShare('demine'), 'config', 'sim.yaml'])),
        DeclareLaunchArgument('gz_args', default_value='-r -v 2',
                              description="gz sim flags; headless CI: '-s -r -v 1'"),
        DeclareLaunchArgument('rviz', default_value='true'),
        DeclareLaunchArgument('x', default_value='0.0', description='spawn east, m (map)'),
        DeclareLaunchArgument('y', default_value='-55.0', description='spawn north, m (map)'),
        DeclareLaunchArgument('yaw', default_value='0.0', description='spawn yaw, rad (ENU)'),
        IncludeLaunchDescription(
            PythonLaunchDescriptionSource(
                PathJoinSubstitution([FindPackageShare('ros_gz_sim'), 'launch', 'gz_sim.launch.py'])),
            launch_arguments={'gz_args': [world, ' ', LaunchConfiguration('gz_args')],
                              'on_exit_shutdown': 'true'}.items()),
        Node(package='ros_gz_sim', executable='create', output='screen',
             arguments=['-topic', 'robot_description', '-name', 'deminer',
                        '-x', LaunchConfiguration('x'), '-y', LaunchConfiguration('y'), '-z', '0.1',
                        '-Y', LaunchConfiguration('yaw')]),
        Node(package='ros_gz_bridge', executable='parameter_bridge', output='screen',
             parameters=[{'config_file': PathJoinSubstitution([FindPackageShare('demine'), 'sim', 'bridge.yaml']),
                          'use_sim_time': True}]),
        IncludeLaunchDescription(
            PythonLaunchDescriptionSource(PathJoinSubstitution([FindPackageShare('demine'), 'launch', 'nodes.launch.py'])),
            launch_arguments={'field': LaunchConfiguration('field'), 'machine': LaunchConfiguration('machine'),
                              'params_file': LaunchConfiguration('params_file'), 'use_sim_time': 'true',
                              'gazebo': 'true', 'heading_source': 'imu_orientation',
                              'rviz': LaunchConfiguration('rviz')}.items()),
    ])
