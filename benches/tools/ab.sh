#!/usr/bin/env bash
# A/B benchmark: the working tree against a baseline git revision, side by side
# in one criterion run of benches/codec.rs.
#
#   benches/tools/ab.sh BASE_REV [criterion args...]
#   benches/tools/ab.sh HEAD -- --warm-up-time 1 --measurement-time 2 decode/binary
#   python3 benches/tools/report.py --peers      # rfc6455 vs base (and the peers)
#
# What it does (everything under the cargo target directory, which is ignored):
#   1. <target>/ab/baseline: the library's files at BASE_REV (`git archive`, so
#      no worktree is registered and a `cargo clean` leaves nothing stale),
#      with its manifest cut down to the package itself and its version set to
#      0.0.0-baseline: cargo accepts two path packages named rfc6455 when their
#      versions differ (with equal versions the lockfile cannot tell them apart).
#   2. <target>/ab/bench/Cargo.toml: a copy of benches/Cargo.toml (a workspace
#      of its own) whose targets point at the real benches/*.rs, plus the
#      dependency `rfc6455_base` on the baseline copy, and the root manifest's
#      [profile.*] sections; the root Cargo.lock is copied beside it, so every
#      other crate has the same version as in the normal build.
#   3. `cargo bench --bench codec --features baseline` on that manifest, with
#      the usual target directory: the dependencies are not rebuilt, and
#      criterion writes to <target>/criterion as always. codec.rs then adds a
#      `base_poll_message` / `base_poll_event` / `base` cell beside each rfc6455
#      cell, running the same driver code against the baseline library.
#
# The committed manifests never mention the baseline path, so a clean clone
# builds, tests and benches as usual; the `baseline` feature on its own (without
# this script) does not build. If the library's API changed since BASE_REV,
# the `driver!` macro in codec.rs may need the old calls for the baseline.
# Arguments after BASE_REV go to the bench binary (a leading `--` is dropped).
set -euo pipefail

if [ $# -lt 1 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 2
fi
rev=$(git rev-parse --verify --quiet "$1^{commit}") || { echo "ab.sh: not a commit: $1" >&2; exit 2; }
shift
[ "${1:-}" = -- ] && shift

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
target=$(cargo metadata --no-deps --format-version 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
ab="$target/ab"
base="$ab/baseline"
bench="$ab/bench"

echo "ab.sh: baseline $rev ($(git log -1 --format=%s "$rev" | cut -c1-70)) in $base" >&2
rm -rf "$base"
mkdir -p "$base" "$bench"
git archive --format=tar "$rev" | tar -x -C "$base"

python3 - "$root" "$base" "$bench" <<'EOF'
import re, sys

root, base, bench = sys.argv[1:4]

def sections(text):
    """[(header or None, [lines])] in order; header is e.g. 'package' or 'profile.bench'."""
    out = [(None, [])]
    for line in text.splitlines():
        m = re.match(r'^\s*\[\[?([^\]]+)\]\]?\s*(#.*)?$', line)
        if m:
            out.append((m.group(1).strip(), []))
        out[-1][1].append(line)
    return out

def keep(secs, pred):
    return "\n".join(l for h, ls in secs if pred(h) for l in ls) + "\n"

# 1. The baseline library: only what building it as a dependency needs.
lib = sections(open(f"{base}/Cargo.toml").read())
drop = ("workspace", "lints", "dev-dependencies", "profile", "bench", "example", "test")
lib = [(h, ls) for h, ls in lib if h is None or h.split(".")[0] not in drop]
package = next(ls for h, ls in lib if h == "package")
versions = [i for i, l in enumerate(package) if re.match(r'^version\s*=', l)]
if len(versions) != 1:
    sys.exit("ab.sh: no single version line in the baseline's [package]")
package[versions[0]] = 'version = "0.0.0-baseline"'
text = keep(lib, lambda h: True)
if re.search(r'(?m)^\s*[\w.-]+\s*=\s*\{[^}]*workspace\s*=\s*true|^\s*[\w-]+\.workspace\s*=\s*true', text):
    sys.exit("ab.sh: the baseline manifest inherits from the workspace; teach ab.sh to resolve it")
open(f"{base}/Cargo.toml", "w").write(text)

# 2. The bench crate, pointed at the real sources, plus the baseline.
secs = sections(open(f"{root}/benches/Cargo.toml").read())
text = keep(secs, lambda h: h != "lints")
text = text.replace('path = ".."', f'path = "{root}"')
text = re.sub(r'(?m)^path = "([^"/]+\.rs)"', lambda m: f'path = "{root}/benches/{m.group(1)}"', text)
text += f'''
# Added by benches/tools/ab.sh: the library at the baseline revision.
[dependencies]
rfc6455_base = {{ package = "rfc6455", version = "=0.0.0-baseline", path = "{base}" }}

[workspace]
'''
rootsecs = sections(open(f"{root}/Cargo.toml").read())
text += "\n" + keep(rootsecs, lambda h: h is not None and h.startswith("profile"))
open(f"{bench}/Cargo.toml", "w").write(text)
EOF
cp Cargo.lock "$bench/Cargo.lock"

export CARGO_TARGET_DIR="$target"
exec cargo bench --manifest-path "$bench/Cargo.toml" --features baseline --bench codec -- "$@"
