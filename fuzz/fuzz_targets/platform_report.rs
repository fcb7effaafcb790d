#![no_main]
// The checks live in the library (gagt::fuzzing), where the regression test
// replays the inputs kept in fuzz/regressions/platform_report/.
libfuzzer_sys::fuzz_target!(|data: &[u8]| gagt::fuzzing::platform_report(data));
