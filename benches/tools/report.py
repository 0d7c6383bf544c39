#!/usr/bin/env python3
"""Turns criterion's saved estimates (target/criterion) into the Markdown tables
of BENCHMARKS.md. Usage: python3 benches/tools/report.py [--peers] [target/criterion]

--peers: only the codec cells, one compact table per group: ideal, rfc6455,
base (benches/tools/ab.sh), tungstenite and fastwebsockets, with ratios.
--deflate: only the permessage-deflate echo groups of benches/deflate.rs,
rfc6455 against the zlib-rs limit."""
import json, os, sys, glob, collections

args = [a for a in sys.argv[1:] if a not in ("--peers", "--deflate")]
peers = "--peers" in sys.argv[1:]
deflate = "--deflate" in sys.argv[1:]
root = args[0] if args else os.path.join(
    os.environ.get("CARGO_TARGET_DIR", "target"), "criterion")
res = {}
for bj in glob.glob(os.path.join(root, "**", "new", "benchmark.json"), recursive=True):
    b = json.load(open(bj))
    e = json.load(open(os.path.join(os.path.dirname(bj), "estimates.json")))
    t = b.get("throughput") or {}
    if "ElementsAndBytes" in t:
        el, by = t["ElementsAndBytes"]["elements"], t["ElementsAndBytes"]["bytes"]
    elif "Bytes" in t:
        el, by = None, t["Bytes"]
    else:
        el, by = None, None
    res[(b["group_id"], b["function_id"], b["value_str"])] = (e["median"]["point_estimate"], el, by)

def gbs(k):  # payload GiB/s
    ns, el, by = res[k]
    return by / ns * 1e9 / 2**30

def mps(k):  # million messages/s
    ns, el, by = res[k]
    return el / ns * 1e3

def fmt_rate(k, msgs=True):
    if k not in res:
        return "–"
    s = f"{gbs(k):.2f} GiB/s"
    if msgs and res[k][1]:
        s += f"<br>{mps(k):.3g} M msg/s"
    return s

def ratio(a, b, need=None):
    if a not in res or b not in res:
        return "–"
    r = res[b][0] / res[a][0]  # same work per iteration: time ratio = throughput ratio
    mark = ""
    if need is not None:
        mark = " ✅" if r >= need else " ❌"
    return f"{r:.2f}×{mark}"

groups = collections.OrderedDict()
for (g, f, v) in sorted(res, key=lambda k: k[0]):
    groups.setdefault(g, [])
    if v not in groups[g]:
        groups[g].append(v)

def size_key(v):
    n, unit = "", ""
    for ch in v.split("/")[0]:
        (n := n + ch) if ch.isdigit() else None
    mult = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20}
    for u, m in mult.items():
        if u in v and (u != "B" or "iB" not in v):
            return int(n or 0) * m
    return int(n or 0)

def peers_tables():
    """Median payload throughput per cell, and rfc6455's throughput ratios."""
    cols = ["ideal", "rfc6455", "base", "tungstenite", "fastwebsockets"]
    for g in [g for g in groups if g.startswith(("decode/", "encode/"))]:
        dec = g.startswith("decode/")
        text = "text" in g
        ids = {
            "ideal": ("ideal_unmask_copy_simdutf8" if text else "ideal_unmask_copy")
            if dec else "ideal_header_copy_mask",
            "rfc6455": "rfc6455_poll_message" if dec else "rfc6455",
            "base": "base_poll_message" if dec else "base",
            "tungstenite": "tungstenite",
            "fastwebsockets": "fastwebsockets",
        }
        extra = [("rfc6455 event", "rfc6455_poll_event"), ("base event", "base_poll_event")] if dec else []
        print(f"### `{g}` (GiB/s of payload, median; ratios are rfc6455 throughput / other)\n")
        hdr = ["size"] + cols + [n for n, _ in extra] + [
            "/ base", "/ fastwebsockets", "/ tungstenite", "/ ideal"] + (["event / base"] if dec else [])
        print("| " + " | ".join(hdr) + " |")
        print("|" + " --- |" + " ---: |" * (len(hdr) - 1))
        for v in sorted(groups[g], key=size_key):
            k = lambda f: (g, f, v)
            rate = lambda f: f"{gbs(k(f)):.2f}" if k(f) in res else "–"
            r = k(ids["rfc6455"])
            row = [v] + [rate(ids[c]) for c in cols] + [rate(f) for _, f in extra]
            row += [ratio(r, k(ids[c])) for c in ("base", "fastwebsockets", "tungstenite", "ideal")]
            if dec:
                row.append(ratio(k("rfc6455_poll_event"), k("base_poll_event")))
            print("| " + " | ".join(row) + " |")
        print()

def deflate_tables():
    """Median time per batch and payload MiB/s; ratios are throughput ratios."""
    cells = [("rfc6455_text", "rfc6455 text"), ("rfc6455_binary", "rfc6455 binary"),
             ("zlib_rs_limit", "zlib-rs limit"), ("zlib_rs_new_streams", "limit, new streams")]
    for g in [g for g in groups if g.startswith("deflate_echo")]:
        print(f"### `{g}` (median time per batch of ~1 MiB echoed; MiB/s of messages echoed)\n")
        hdr = ["size"] + [n for _, n in cells] + ["text / limit", "binary / limit", "text / new streams"]
        print("| " + " | ".join(hdr) + " |")
        print("|" + " --- |" + " ---: |" * (len(hdr) - 1))
        for v in sorted(groups[g], key=size_key):
            k = lambda f: (g, f, v)
            def cell(f):
                if k(f) not in res:
                    return "–"
                ns, el, by = res[k(f)]
                return f"{ns / 1e6:.2f} ms<br>{by / ns * 1e9 / 2**20:.1f} MiB/s"
            row = [v] + [cell(f) for f, _ in cells]
            row += [ratio(k("rfc6455_text"), k("zlib_rs_limit"), 0.9),
                    ratio(k("rfc6455_binary"), k("zlib_rs_limit"), 0.9),
                    ratio(k("rfc6455_text"), k("zlib_rs_new_streams"))]
            print("| " + " | ".join(row) + " |")
        print()

if peers:
    peers_tables()
    sys.exit(0)
if deflate:
    deflate_tables()
    sys.exit(0)

# Masking
print("### Masking (`benches/mask.rs`)\n")
print("| size | start offset | `apply_mask` | `copy_from_slice` | mask / copy (target ≥ 0.9× at ≥ 4 KiB) |")
print("| --- | --- | ---: | ---: | ---: |")
for g in sorted((g for g in groups if g.startswith("mask/")), key=lambda g: size_key(g[5:])):
    size = g[5:]
    for v in groups[g]:
        a, c = (g, "apply_mask", v), (g, "copy_from_slice", v)
        need = 0.9 if size_key(size) >= 4096 else None
        print(f"| {size} | {v} | {fmt_rate(a, False)} | {fmt_rate(c, False)} | {ratio(a, c, need)} |")
print()

# Decode
for g in [g for g in groups if g.startswith("decode/")]:
    text = "text" in g
    print(f"### `{g}`\n")
    hdr = ["size", "rfc6455 `poll_message`", "rfc6455 `poll_event`", "ideal unmask+copy", "tungstenite"]
    if text:
        hdr += ["`std::str::from_utf8`", "simdutf8"]
    hdr += ["msg / ideal (≥ 0.8× at ≥ 1 KiB)" if not text else "msg / ideal",
            "event / ideal", "msg / tungstenite"]
    if text:
        hdr += ["msg / simdutf8 (≥ 0.8×)", "event / simdutf8", "msg / std"]
    print("| " + " | ".join(hdr) + " |")
    print("|" + " --- |" + " ---: |" * (len(hdr) - 1))
    for v in sorted(groups[g], key=size_key):
        k = lambda f: (g, f, v)
        m, e, i, t = k("rfc6455_poll_message"), k("rfc6455_poll_event"), k("ideal_unmask_copy"), k("tungstenite")
        row = [v, fmt_rate(m), fmt_rate(e), fmt_rate(i), fmt_rate(t)]
        if text:
            row += [fmt_rate(k("std_from_utf8"), False), fmt_rate(k("simdutf8"), False)]
        need_i = 0.8 if (not text and size_key(v) >= 1024) else None
        need_t = 2.5 if (g == "decode/binary" and v == "16B") else None
        row += [ratio(m, i, need_i), ratio(e, i, need_i), ratio(m, t, need_t)]
        if text:
            row += [ratio(m, k("simdutf8"), 0.8), ratio(e, k("simdutf8"), 0.8), ratio(m, k("std_from_utf8"))]
        print("| " + " | ".join(row) + " |")
    print()

# Encode
for g in [g for g in groups if g.startswith("encode/")]:
    print(f"### `{g}`\n")
    print("| size | rfc6455 | ideal header+copy+mask | tungstenite `send` | rfc6455 / ideal (≥ 0.8× at ≥ 1 KiB) | rfc6455 / tungstenite |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for v in sorted(groups[g], key=size_key):
        r, i, t = (g, "rfc6455", v), (g, "ideal_header_copy_mask", v), (g, "tungstenite", v)
        need = 0.8 if size_key(v) >= 1024 else None
        print(f"| {v} | {fmt_rate(r)} | {fmt_rate(i)} | {fmt_rate(t)} | {ratio(r, i, need)} | {ratio(r, t)} |")
    print()
