//! Architecture rules for `src/can`: every file opens with a `//!` doc; the codec, protocol and
//! simulated-ECU logic import no tokio, serialport or nix and never read the clock; files stay small.

use std::path::Path;

/// Files that must stay plain: no I/O crates, no clock.
const PLAIN: &[&str] = &[
    "adapter.rs",
    "dbc.rs",
    "dbc_parse.rs",
    "ecu.rs",
    "ecu_report.rs",
    "frame.rs",
    "link.rs",
    "protocol.rs",
    "protocol_enums.rs",
    "schedule.rs",
    "sim_adapter.rs",
    "sim_bus.rs",
    "slcan.rs",
    "slcan_reply.rs",
    "slcan_stream.rs",
    "vehicle_model.rs",
    "watchdog.rs",
];

const FORBIDDEN: &[&str] = &[
    "tokio",
    "serialport",
    "nix::",
    "Instant::now",
    "SystemTime",
    "std::fs",
    "std::thread",
];

#[test]
fn can_module_files_follow_the_rules() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/can");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("//!"), "{name} starts with a //! doc");
        assert!(
            !text.contains("todo!(") && !text.contains("unimplemented!("),
            "{name}: no todo!/unimplemented!"
        );
        let code_lines = text.split("#[cfg(test)]").next().unwrap().lines().count();
        assert!(code_lines <= 420, "{name}: {code_lines} lines of code; split it");
        if PLAIN.contains(&name.as_str()) {
            seen += 1;
            let code = text.split("#[cfg(test)]").next().unwrap();
            for word in FORBIDDEN {
                assert!(!code.contains(word), "{name} is plain logic and must not use {word}");
            }
        }
    }
    assert_eq!(seen, PLAIN.len(), "every plain file exists");
}
