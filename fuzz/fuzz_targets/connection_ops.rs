//! See `rfc6455::fuzzing::connection_ops` for the input layout and the invariants checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rfc6455::fuzzing::connection_ops(data));
