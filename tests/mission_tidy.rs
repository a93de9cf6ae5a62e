//! Architecture rules for `src/mission`, `src/record` and `src/runtime`: every file opens with a
//! `//!` doc; the mission (state machine, supervisor, footprint rule) is plain logic: no I/O
//! crates, no clock, no SQLite; no todo!/unimplemented!.

use std::path::Path;

const FORBIDDEN_IN_MISSION: &[&str] = &[
    "tokio",
    "serialport",
    "nix::",
    "rusqlite",
    "Instant::now",
    "SystemTime",
    "std::fs",
    "std::thread",
];

fn files(dir: &str) -> Vec<(String, String)> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut out = Vec::new();
    for e in std::fs::read_dir(&d).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            // submodules (e.g. src/record/export/) follow the same rules
            let sub = format!("{dir}/{name}");
            out.extend(files(&sub).into_iter().map(|(n, t)| (format!("{name}/{n}"), t)));
        } else {
            out.push((name, std::fs::read_to_string(&p).unwrap()));
        }
    }
    out
}

#[test]
fn mission_record_runtime_files_follow_the_rules() {
    for dir in ["src/mission", "src/record", "src/runtime"] {
        for (name, text) in files(dir) {
            assert!(text.starts_with("//!"), "{dir}/{name} starts with a //! doc");
            assert!(
                !text.contains(&["todo", "!("].concat()) && !text.contains(&["unimplemented", "!("].concat()),
                "{dir}/{name}"
            );
            if dir == "src/mission" {
                let code = text.split("#[cfg(test)]").next().unwrap();
                for w in FORBIDDEN_IN_MISSION {
                    assert!(!code.contains(w), "{dir}/{name} is plain logic and must not use {w}");
                }
            }
        }
    }
}
