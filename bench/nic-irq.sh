#!/usr/bin/env bash
# Process time (user + sys) of `cmtune nic` and `cmtune irq` on a generated 256-CPU,
# 64-queue host, against the issue's 50 ms budget. See bench/README.md.
#
#   bench/nic-irq.sh [--record] [-n RUNS] [--no-build] [--cpus 256] [--queues 64] [--nodes 2]
#                    [-- SWIFT-BUILD-ARGS...]
#
#   --record     also append the table, date, machine and command to bench/RESULTS.md
#   -n RUNS      timed runs per command (default 20), after 2 untimed warm-ups
#   --no-build   skip `swift build`; use .build/release/cmtune, or $CMTUNE if set
#   -- ARGS      extra arguments for `swift build`, e.g. a compiler workaround:
#                -- -Xswiftc -Xllvm -Xswiftc -sil-disable-pass=copy-propagation
#
# The commands run interleaved (one of each per round) so drift hits all of them alike.
# For reference the table also times `cat` of exactly the files each command opened under
# the tree (found with strace; every file in the tree if strace is unavailable) and
# `true`, the cost of starting any process at all.
set -euo pipefail

cd "$(dirname "$0")/.."
BENCH_INVOCATION="bench/nic-irq.sh${*:+$(printf ' %q' "$@")}" exec python3 -B - "$@" <<'PY'
import json, os, sys
sys.path.insert(0, "bench")        # not PYTHONPATH: the timed Python programs would inherit it
import benchlib
from benchlib import log

BUDGET_MS = 50.0
WARMUPS = 2
opts = benchlib.parse_args("nic-irq", sys.argv[1:], runs=20, values={"--cpus": "256", "--queues": "64", "--nodes": "2"})
cmtune = benchlib.cmtune_binary(opts)
tree, generator = benchlib.make_tree(opts.cpus, "--queues", opts.queues, "--nodes", opts.nodes)
tree, runs = os.path.abspath(tree), opts.runs
notes = [f"- machine: {benchlib.machine()}", benchlib.cmtune_note(cmtune)]

commands = [(f"cmtune {sub}{' --json' if js else ''}", [cmtune, sub, "--root", tree] + (["--json"] if js else []))
            for sub in ("nic", "irq") for js in (False, True)]

# 1. Every command must succeed on the tree before anything is timed.
for label, argv in commands:
    p, err = benchlib.run_checked(argv, " ".join(argv), " on the generated tree")
    if err:
        benchlib.fail(err)
    if not p.stdout.strip():
        log(f"warning: `{label}` printed nothing")
    elif label.endswith("--json"):
        try:
            json.loads(p.stdout)
        except ValueError as e:
            log(f"warning: `{label}` did not print valid JSON: {e}")


# 2. The floor: `cat` of exactly the files each subcommand opens (every file in the tree without strace).
def cat_floors():
    floors = []
    for sub in ("nic", "irq"):
        traced = [benchlib.files_opened(argv, tree) for label, argv in commands if label.split()[1] == sub]
        if any(t is None for t in traced):
            everything = sorted(os.path.join(d, f) for d, _, fs in os.walk(tree) for f in fs if not f.startswith("."))
            floors.append((f"cat of every file in the tree ({len(everything)}; no strace)", ["cat"] + everything))
            break
        files = list(dict.fromkeys(p for t in traced for p in t))
        if not files:
            log(f"warning: strace saw `cmtune {sub}` open no file under {tree}")
            continue
        floors.append((f"cat of the {len(files)} files cmtune {sub} opens", ["cat"] + files))
    return floors + [("true (process start only)", ["true"])]


# 3. Time everything, interleaved.
jobs = commands + cat_floors()
cpu, wall = benchlib.interleaved(jobs, runs, benchlib.time_once, warmups=WARMUPS)

rows = []
for label, _ in jobs:
    med, hi = benchlib.median_p90(cpu[label])
    ours = label.startswith("cmtune")
    verdict = ("under budget" if hi < BUDGET_MS else "**OVER budget**") if ours else "reference"
    rows.append([f"`{label}`" if ours else label, f"{med:.1f}", f"{hi:.1f}", f"{med / BUDGET_MS:.2f}",
                 f"{hi / BUDGET_MS:.2f}", f"{benchlib.median_p90(wall[label])[0]:.1f}", verdict])
table = benchlib.markdown_table(["command", "median ms", "p90 ms", "median / 50 ms", "p90 / 50 ms", "wall median ms",
                                 "verdict"], "lrrrrrl", rows)
notes += [
    f"- tree: `{generator}`",
    f"- command: `{opts.invocation}`",
    f"- process time = user + sys of the child (getrusage RUSAGE_CHILDREN deltas); {runs} runs per command, "
    f"interleaved, after {WARMUPS} warm-ups; p90 is nearest-rank; verdict uses p90 < {BUDGET_MS:.0f} ms",
]
benchlib.report("nic/irq process time", f"cmtune nic / irq on {os.path.relpath(tree)}", notes, table, opts.record)
PY
