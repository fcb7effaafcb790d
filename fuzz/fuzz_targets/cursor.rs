#![no_main]
// The checks live in the library (gagt::fuzzing), where the regression test
// replays the inputs kept in fuzz/regressions/cursor/.
libfuzzer_sys::fuzz_target!(|data: &[u8]| gagt::fuzzing::cursor(data));
