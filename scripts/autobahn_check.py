#!/usr/bin/env python3
"""Compare an Autobahn|Testsuite run (reports/<role>/index.json) with the
committed expectations (scripts/autobahn-expected-<role>.json).

Expectations file: {"<case id>": {"behavior": ..., "behaviorClose": ...}, ...}

Fails (exit 1) when
  * a case's behavior/behaviorClose differs from the expectation,
  * a case is expected but missing from the run, or ran but is not expected,
  * an expected entry itself breaks the policy -- sections 1-13 (1-10 core
    protocol, 12-13 permessage-deflate): behavior OK, behaviorClose OK or
    INFORMATIONAL -- and is not in the allowlist
    (scripts/autobahn-allowlist.json, per role, each with a reason).
Prints per-behavior / per-behaviorClose counts and ends with 'N passed, M failed'
(N = cases that match and respect the policy).

  autobahn_check.py --role server                    # check
  autobahn_check.py --role server --cases '12.*,1.1.1'   # a narrowed run: other expectations not required
  autobahn_check.py --role server --write-expected   # (re)generate expectations from the run
  autobahn_check.py --role server --write-ideal      # expectations = policy target (all OK + allowlist)
  autobahn_check.py --role server --index reports/tokio-server/index.json \
      --expected scripts/autobahn-expected-tokio-server.json \
      --same-as scripts/autobahn-expected-server.json  # another adapter: also equal to these
"""
import argparse
import collections
import fnmatch
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
POLICY_SECTIONS = set(range(1, 14))
OK_CLOSE = {"OK", "INFORMATIONAL"}


def case_key(cid):
    return tuple(int(p) if p.isdigit() else p for p in cid.split("."))


def section(cid):
    head = cid.split(".")[0]
    return int(head) if head.isdigit() else None


def load_run(path, agent):
    try:
        with open(path) as f:
            data = json.load(f)
    except FileNotFoundError:
        sys.exit("autobahn_check: ERROR: %s not found (did wstest run and write its report?)" % path)
    except ValueError as e:
        sys.exit("autobahn_check: ERROR: %s is not valid JSON: %s" % (path, e))
    if not data:
        sys.exit("autobahn_check: ERROR: %s holds no agent results" % path)
    if agent is None:
        if len(data) != 1:
            sys.exit("autobahn_check: ERROR: %s has agents %s; pick one with --agent" % (path, sorted(data)))
        agent = next(iter(data))
    if agent not in data:
        sys.exit("autobahn_check: ERROR: agent %r not in %s (has %s)" % (agent, path, sorted(data)))
    return agent, {cid: {"behavior": r.get("behavior"), "behaviorClose": r.get("behaviorClose")}
                   for cid, r in data[agent].items()}


def policy_violation(cid, exp, allow):
    """Return a message if the expectation breaks the policy and isn't allowlisted."""
    if section(cid) not in POLICY_SECTIONS:
        return None
    bad = []
    if exp.get("behavior") != "OK":
        bad.append("behavior")
    if exp.get("behaviorClose") not in OK_CLOSE:
        bad.append("behaviorClose")
    if not bad:
        return None
    a = allow.get(cid)
    # an allowlist entry must name the exact non-OK value of every offending field
    if a and str(a.get("reason", "")).strip() and all(a.get(k) == exp.get(k) for k in bad):
        return None
    return "expected behavior=%s / behaviorClose=%s breaks policy (OK; close OK|INFORMATIONAL)%s" % (
        exp.get("behavior"), exp.get("behaviorClose"),
        "; allowlist entry does not cover it" if a else "; not in allowlist")


def differs_from(cid, exp, other, other_path):
    """With --same-as: a message if the other expectations file says otherwise for this case."""
    if other is None:
        return None
    o = other.get(cid)
    if o is not None and (o.get("behavior"), o.get("behaviorClose")) == (exp.get("behavior"), exp.get("behaviorClose")):
        return None
    return "expected %s/%s, but %s expects %s" % (
        exp.get("behavior"), exp.get("behaviorClose"), os.path.basename(other_path),
        "%s/%s" % (o.get("behavior"), o.get("behaviorClose")) if o else "nothing")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--role", required=True, choices=["server", "client"])
    ap.add_argument("--index", help="index.json of the run (default reports/<role>/index.json)")
    ap.add_argument("--expected", help="expectations file (default scripts/autobahn-expected-<role>.json)")
    ap.add_argument("--allowlist", default=os.path.join(HERE, "autobahn-allowlist.json"))
    ap.add_argument("--agent", help="agent name in index.json (default: the only one)")
    ap.add_argument("--cases", help="comma-separated case patterns the run was narrowed to (wstest syntax, "
                                    "e.g. '12.*,1.1.1'); expectations outside them are not required")
    ap.add_argument("--write-expected", action="store_true", help="write the expectations file from this run")
    ap.add_argument("--write-ideal", action="store_true",
                    help="write the expectations file for this run's case ids as OK/OK, "
                         "allowlisted cases as their allowlist values (the policy target)")
    ap.add_argument("--same-as", help="another expectations file (e.g. the blocking adapter's) that every "
                                      "expectation checked here must equal, case by case")
    args = ap.parse_args()

    index = args.index or os.path.join(ROOT, "reports", args.role, "index.json")
    expected_path = args.expected or os.path.join(HERE, "autobahn-expected-%s.json" % args.role)
    agent, run = load_run(index, args.agent)

    allow = {}
    if os.path.exists(args.allowlist):
        with open(args.allowlist) as f:
            allow = json.load(f).get(args.role, {})
    for cid, a in allow.items():
        if not str(a.get("reason", "")).strip():
            sys.exit("autobahn_check: ERROR: allowlist entry %s/%s has no reason" % (args.role, cid))

    if args.write_expected or args.write_ideal:
        def ideal(cid):
            a = allow.get(cid)
            if a:
                return {"behavior": a.get("behavior", "OK"), "behaviorClose": a.get("behaviorClose", "OK")}
            return {"behavior": "OK", "behaviorClose": "OK"}
        pick = ideal if args.write_ideal else run.get
        ordered = collections.OrderedDict((cid, pick(cid)) for cid in sorted(run, key=case_key))
        with open(expected_path, "w") as f:
            json.dump(ordered, f, indent=1)
            f.write("\n")
        print("autobahn_check: wrote %d expectations to %s" % (len(ordered), expected_path))

    try:
        with open(expected_path) as f:
            expected = json.load(f)
    except FileNotFoundError:
        sys.exit("autobahn_check: ERROR: no expectations file %s (generate one with --write-expected)" % expected_path)

    if args.cases:
        if args.write_expected or args.write_ideal:
            sys.exit("autobahn_check: ERROR: --cases narrows the check; it cannot be used to write expectations")
        pats = [p.strip() for p in args.cases.split(",") if p.strip()]
        total = len(expected)
        expected = {cid: e for cid, e in expected.items() if any(fnmatch.fnmatchcase(cid, p) for p in pats)}
        print("Narrowed run (%s): %d of %d expectations apply" % (",".join(pats), len(expected), total))

    print("Autobahn %s role, agent %r: %d cases run, %d expected" % (args.role, agent, len(run), len(expected)))
    for field in ("behavior", "behaviorClose"):
        counts = collections.Counter(r[field] for r in run.values())
        print("  %-14s %s" % (field + ":", ", ".join("%s=%d" % kv for kv in sorted(counts.items()))))

    other = None
    if args.same_as:
        with open(args.same_as) as f:
            other = json.load(f)

    passed, failed = 0, 0
    problems = []
    for cid in sorted(set(run) | set(expected), key=case_key):
        got, exp = run.get(cid), expected.get(cid)
        if exp is None:
            problems.append("%-8s ran but not in expectations: got %s/%s" % (cid, got["behavior"], got["behaviorClose"]))
        elif got is None:
            problems.append("%-8s expected %s/%s but missing from the run" % (cid, exp.get("behavior"), exp.get("behaviorClose")))
        elif (got["behavior"], got["behaviorClose"]) != (exp.get("behavior"), exp.get("behaviorClose")):
            problems.append("%-8s expected %s/%s, got %s/%s" % (cid, exp.get("behavior"), exp.get("behaviorClose"),
                                                               got["behavior"], got["behaviorClose"]))
        else:
            v = policy_violation(cid, exp, allow) or differs_from(cid, exp, other, args.same_as)
            if v:
                problems.append("%-8s %s" % (cid, v))
            else:
                passed += 1
                continue
        failed += 1

    if problems:
        print("Differing / policy-violating cases (behavior/behaviorClose); details in %s:" % os.path.dirname(index))
        for p in problems:
            print("  " + p)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
