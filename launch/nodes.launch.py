"""The demine nodes every bringup shares: planner, localizer, tracker, mission (lifecycle),
coverage, robot_state_publisher with the machine's URDF, and RViz.

Included by mission.launch.py (real machine), sim.launch.py (Gazebo) and sim_builtin.launch.py
(built-in simulator); they add the vehicle side (can_bridge, Gazebo + bridge, or the sim node).
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.conditions import IfCondition
from launch.substitutions import Command, LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue
from launch_ros.substitutions import FindPackageShare


def generate_launch_description():
    field = LaunchConfiguration('field')
    machine = LaunchConfiguration('machine')
    params_file = LaunchConfiguration('params_file')
    use_sim_time = LaunchConfiguration('use_sim_time')
    gazebo = LaunchConfiguration('gazebo')
    rviz = LaunchConfiguration('rviz')
    setup = {'field': field, 'machine': machine, 'use_sim_time': use_sim_time}
    robot_description = ParameterValue(
        Command(['xacro ', PathJoinSubstitution([FindPackageShare('demine'), 'urdf', 'demine.urdf.xacro']),
                 ' gazebo:=', gazebo]),
        value_type=str)

    def demine_node(name, extra=None):
        return Node(package='demine', executable='demine_' + name, name=name, output='screen',
                    parameters=[params_file, dict(setup, **(extra or {}))])

    return LaunchDescription([
        DeclareLaunchArgument('field', description='Field GeoJSON (hazard, safe, start)'),
        DeclareLaunchArgument('machine', default_value='',
                              description='Machine profile YAML (empty: the shipped medium flail)'),
        DeclareLaunchArgument('params_file', description='Node parameters YAML'),
        DeclareLaunchArgument('use_sim_time', default_value='false'),
        DeclareLaunchArgument('gazebo', default_value='false',
                              description='URDF with the Gazebo systems and sensors'),
        DeclareLaunchArgument('rviz', default_value='true'),
        DeclareLaunchArgument('gnss_port', default_value='',
                              description='NMEA serial device read by the localizer (empty: gps/fix)'),
        DeclareLaunchArgument('heading_source', default_value='gps_heading',
                              description='gps_heading (gps/heading), imu_orientation (Gazebo: the '
                                          'ENU-referenced imu/data orientation) or none'),
        demine_node('planner'),
        demine_node('localizer', {'nmea_port': LaunchConfiguration('gnss_port'),
                                  'heading_source': LaunchConfiguration('heading_source')}),
        demine_node('tracker'),
        demine_node('mission'),
        demine_node('coverage'),
        Node(package='robot_state_publisher', executable='robot_state_publisher', output='screen',
             parameters=[{'robot_description': robot_description, 'use_sim_time': use_sim_time}]),
        Node(package='rviz2', executable='rviz2', output='log', condition=IfCondition(rviz),
             arguments=['-d', PathJoinSubstitution([FindPackageShare('demine'), 'rviz', 'demine.rviz'])],
             parameters=[{'use_sim_time': use_sim_time}]),
    ])
