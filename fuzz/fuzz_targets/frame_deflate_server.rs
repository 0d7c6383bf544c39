//! See `rfc6455_fuzz_harness::frame_deflate_server` (fuzz/harness) for the input layout and the invariants checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rfc6455_fuzz_harness::frame_deflate_server(data));
