//! Link settings for the `ros` feature against the ROS 2 prefix that `ros/pypi-env.sh` makes from
//! PyPI wheels (nothing to do for a normal build, for `ros-doc-only`, or with a real install).
//!
//! Those wheels ship no `librmw_implementation` (each is built for one RMW): the script puts an
//! alias `librmw_implementation.so` → `librmw_fastrtps_cpp.so` in `DEMINE_ROS2_LINK_DIR`, given
//! to the linker here. Some of their core libraries carry undefined CPython symbols, so libpython
//! is linked into every executable (Python is never initialised). Done here rather than with
//! RUSTFLAGS, which are part of every crate's fingerprint: the ROS build shares the target dir
//! (and the already-built dependencies) with the normal one.

fn main() {
    println!("cargo:rerun-if-env-changed=DEMINE_ROS2_LINK_DIR");
    println!("cargo:rerun-if-changed=build.rs");
    let ros = std::env::var_os("CARGO_FEATURE_ROS").is_some();
    let doc_only = std::env::var_os("CARGO_FEATURE_ROS_DOC_ONLY").is_some();
    if !ros || doc_only {
        return;
    }
    if let Some(dir) = std::env::var_os("DEMINE_ROS2_LINK_DIR") {
        let dir = std::path::PathBuf::from(dir);
        println!("cargo:rustc-link-search=native={}", dir.display());
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed");
        println!("cargo:rustc-link-arg=-l:libpython3.11.so.1.0");
    }
}
