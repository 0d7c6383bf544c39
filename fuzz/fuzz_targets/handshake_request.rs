//! See `rfc6455::fuzzing::handshake_request` for the input layout and the invariants checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rfc6455::fuzzing::handshake_request(data));
