//! Every input kept in `fuzz/regressions/<target>/` (seeds and what the
//! fuzzers found) replayed through the same checks the fuzz targets run.

use std::path::Path;

type Target = fn(&[u8]);

const TARGETS: &[(&str, Target)] = &[
    ("query", gagt::fuzzing::query),
    ("filters", gagt::fuzzing::filters),
    ("cursor", gagt::fuzzing::cursor),
    ("requests", gagt::fuzzing::requests),
    ("platform_report", gagt::fuzzing::platform_report),
];

#[test]
fn every_kept_fuzz_input_passes_its_checks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut failures = Vec::new();
    for (name, check) in TARGETS {
        let mut files: Vec<_> = std::fs::read_dir(root.join(name))
            .unwrap_or_else(|e| panic!("fuzz/regressions/{name}: {e}"))
            .map(|e| e.expect("entry").path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "fuzz/regressions/{name} holds no inputs");
        for file in files {
            let data = std::fs::read(&file).expect("read input");
            if let Err(panic) = std::panic::catch_unwind(|| check(&data)) {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!("{}: {why}", file.display()));
            }
        }
    }
    assert!(failures.is_empty(), "kept fuzz inputs fail again:\n{}", failures.join("\n"));
}

#[test]
fn bad_input_is_refused_cleanly_by_the_checked_paths() {
    // A report that is not UTF-8 is refused with problems (no panic), and a
    // 400 passes the `requests` checks (only 5xx and malformed errors fail them).
    let result = std::panic::catch_unwind(|| {
        gagt::import::apply_report(gagt::import::Dataset::default(), "x.txt", b"\xff", "p")
    });
    assert!(matches!(result, Ok(Err(gagt::import::ImportError::Invalid(_)))));
    let fine = std::panic::catch_unwind(|| gagt::fuzzing::requests(b"\x00limit=0"));
    assert!(fine.is_ok(), "a 400 for limit=0 is a clean refusal");
}
