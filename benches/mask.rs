//! Masking throughput (RFC 6455 §5.3): `rfc6455::frame::apply_mask` against a
//! plain `copy_from_slice` of the same number of bytes, which is the bar the
//! issue sets (masking ≥ 0.9× copy at ≥ 4 KiB).
//!
//! `cargo bench -p rfc6455-benches --bench mask -- --warm-up-time 1 --measurement-time 2`

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rfc6455::frame::apply_mask;

mod common;
use common::sizes_label;

const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// Benchmarks one size at one start offset: the slice starts `offset` bytes
/// into a 64-byte-aligned allocation, and the masking offset is the same, so
/// both the alignment of the data and the key rotation vary.
fn bench_one(c: &mut Criterion, size: usize, offsets: &[usize]) {
    let mut group = c.benchmark_group(format!("mask/{}", sizes_label(size)));
    group.throughput(Throughput::Bytes(size as u64));
    if size >= 1 << 20 {
        group.sample_size(10);
    }
    // Over-allocate so a 64-byte aligned start exists, then offset from it.
    let mut src_store = vec![0xA5u8; size + 128];
    let mut dst_store = vec![0u8; size + 128];
    let src_base = src_store.as_ptr().align_offset(64);
    let dst_base = dst_store.as_ptr().align_offset(64);
    for &offset in offsets {
        let s = src_base + offset;
        let d = dst_base + offset;
        group.bench_with_input(
            BenchmarkId::new("apply_mask", format!("off{offset}")),
            &offset,
            |b, &offset| {
                let buf = &mut dst_store[d..d + size];
                b.iter(|| {
                    apply_mask(black_box(&mut *buf), black_box(KEY), offset as u64);
                });
            },
        );
        group.bench_with_input(
            BenchmarkId::new("copy_from_slice", format!("off{offset}")),
            &offset,
            |b, _| {
                let src = &src_store[s..s + size];
                let dst = &mut dst_store[d..d + size];
                b.iter(|| {
                    black_box(&mut *dst).copy_from_slice(black_box(src));
                });
            },
        );
    }
    src_store.clear();
    group.finish();
}

fn mask(c: &mut Criterion) {
    bench_one(c, 16, &[0]);
    bench_one(c, 125, &[0]);
    bench_one(c, 4 << 10, &[0, 1, 2, 3]);
    bench_one(c, 64 << 10, &[0, 1]);
    bench_one(c, 16 << 20, &[0]);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    targets = mask
}
criterion_main!(benches);
