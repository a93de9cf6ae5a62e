//! Architecture rules for `src/sim`, `src/track` and `src/coverage`: every file opens with a
//! `//!` doc, no I/O crates and no clock (time comes in as an argument), files stay small.

use std::path::Path;

const FORBIDDEN: &[&str] = &[
    "tokio",
    "serialport",
    "nix::",
    "r2r",
    "Instant::now",
    "SystemTime",
    "std::fs",
    "std::thread",
];

#[test]
fn sim_track_coverage_files_follow_the_rules() {
    let mut seen = 0;
    for dir in ["src/sim", "src/track", "src/coverage"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.display().to_string();
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(text.starts_with("//!"), "{name} starts with a //! doc");
            assert!(
                !text.contains("todo!(") && !text.contains("unimplemented!("),
                "{name}: no todo!/unimplemented!"
            );
            let code = text.split("#[cfg(test)]").next().unwrap();
            assert!(code.lines().count() <= 420, "{name}: split it");
            for word in FORBIDDEN {
                assert!(!code.contains(word), "{name} is plain logic and must not use {word}");
            }
            seen += 1;
        }
    }
    assert!(seen >= 18, "{seen} files");
}
