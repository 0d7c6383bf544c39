//! See `rfc6455_fuzz_harness::proxy_negotiation` (fuzz/harness) for the input layout and the invariants checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rfc6455_fuzz_harness::proxy_negotiation(data));
