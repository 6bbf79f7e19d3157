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

die() { printf 'nic-irq: %s\n' "$*" >&2; exit 1; }

runs=20 record=0 build=1 cpus=256 queues=64 nodes=2 build_args=()
invocation="bench/nic-irq.sh${*:+$(printf ' %q' "$@")}"
while [ $# -gt 0 ]; do
    case "$1" in
        --record) record=1 ;;
        -n|--runs) runs=${2:?-n needs a number}; shift ;;
        --no-build) build=0 ;;
        --cpus) cpus=${2:?}; shift ;;
        --queues) queues=${2:?}; shift ;;
        --nodes) nodes=${2:?}; shift ;;
        --) shift; build_args=("$@"); break ;;
        -h|--help) sed -n '2,18s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) die "unknown argument: $1 (try --help)" ;;
    esac
    shift
done
case "$runs" in ''|*[!0-9]*|0) die "-n wants a positive number, got '$runs'" ;; esac

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

if [ "$build" = 1 ]; then
    build_cmd=(swift build -c release --product cmtune "${build_args[@]}")
    echo "nic-irq: ${build_cmd[*]}" >&2
    "${build_cmd[@]}" >&2 || die "${build_cmd[*]} failed"
fi
cmtune=${CMTUNE:-$repo/.build/release/cmtune}
[ -x "$cmtune" ] || die "cmtune not found at $cmtune (run: swift build -c release --product cmtune)"

tree=bench/out/host-$cpus
gen=(python3 bench/make-large-host.py "$tree" --cpus "$cpus" --queues "$queues" --nodes "$nodes")
"${gen[@]}" >&2 || die "could not generate $tree"

machine="nproc $(nproc), $(uname -sr) $(uname -m), $(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)"
revision=$(git rev-parse --short HEAD 2>/dev/null || echo "no commit yet")
[ -n "$(git status --porcelain 2>/dev/null | head -1)" ] && revision="$revision + uncommitted changes"
swiftv=$(swift --version 2>/dev/null | head -1 || true)

CMTUNE_BIN=$cmtune TREE=$tree RUNS=$runs RECORD=$record MACHINE=$machine REVISION=$revision \
SWIFTV=$swiftv INVOCATION=$invocation GENERATOR="${gen[*]}" python3 - <<'PY'
import datetime, json, os, re, resource, shutil, statistics, subprocess, sys, tempfile, time

BUDGET_MS = 50.0
WARMUPS = 2
env = os.environ
cmtune, tree, runs = env["CMTUNE_BIN"], os.path.abspath(env["TREE"]), int(env["RUNS"])
shown = os.path.relpath(cmtune) if cmtune.startswith(os.getcwd()) else cmtune


def fail(msg):
    print(f"nic-irq: {msg}", file=sys.stderr)
    sys.exit(1)


commands = [(f"cmtune {sub}{' --json' if js else ''}", [cmtune, sub, "--root", tree] + (["--json"] if js else []))
            for sub in ("nic", "irq") for js in (False, True)]

# 1. Every command must succeed on the tree before anything is timed.
for label, argv in commands:
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        err = p.stderr.decode(errors="replace").strip() or "(no stderr)"
        fail(f"`{' '.join(argv)}` exited {p.returncode} on the generated tree:\n{err[-3000:]}")
    if not p.stdout.strip():
        print(f"nic-irq: warning: `{label}` printed nothing", file=sys.stderr)
    elif label.endswith("--json"):
        try:
            json.loads(p.stdout)
        except ValueError as e:
            print(f"nic-irq: warning: `{label}` did not print valid JSON: {e}", file=sys.stderr)

# 2. Which files does each subcommand read? Those make the `cat` floor.
def files_opened(argv):
    if not shutil.which("strace"):
        return None
    with tempfile.NamedTemporaryFile("r", suffix=".strace") as log:
        p = subprocess.run(["strace", "-f", "-qq", "-e", "trace=open,openat,openat2", "-o", log.name] + argv,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if p.returncode != 0:
            return None
        seen = {}
        for line in log:
            m = re.search(r'open(?:at2?)?\((?:[^,]*, )?"([^"]*)".*\) = \d+', line)
            if m:
                path = os.path.normpath(os.path.join(os.getcwd(), m.group(1)))
                if path.startswith(tree + os.sep) and os.path.isfile(path):
                    seen.setdefault(path, None)
        return list(seen)

floors = []
for sub in ("nic", "irq"):
    traced = [files_opened(argv) for label, argv in commands if label.split()[1] == sub]
    if any(t is None for t in traced):
        everything = sorted(os.path.join(d, f) for d, _, fs in os.walk(tree) for f in fs if not f.startswith("."))
        floors.append((f"cat of every file in the tree ({len(everything)}; no strace)", ["cat"] + everything))
        break
    files = list(dict.fromkeys(p for t in traced for p in t))
    if not files:
        print(f"nic-irq: warning: strace saw `cmtune {sub}` open no file under {tree}", file=sys.stderr)
        continue
    floors.append((f"cat of the {len(files)} files cmtune {sub} opens", ["cat"] + files))
floors.append(("true (process start only)", ["true"]))

# 3. Time everything, interleaved.
def child_cpu_ms():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (r.ru_utime + r.ru_stime) * 1000.0

def once(argv):
    before, t0 = child_cpu_ms(), time.perf_counter()
    p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = (time.perf_counter() - t0) * 1000.0
    if p.returncode != 0:
        fail(f"`{' '.join(argv[:4])}{' ...' if len(argv) > 4 else ''}` exited {p.returncode}:\n"
             + p.stderr.decode(errors="replace")[-3000:])
    return child_cpu_ms() - before, wall

jobs = commands + floors
cpu = {label: [] for label, _ in jobs}
wall = {label: [] for label, _ in jobs}
for _ in range(WARMUPS):
    for label, argv in jobs:
        once(argv)
for i in range(runs):
    k = i % len(jobs)
    for label, argv in jobs[k:] + jobs[:k]:
        c, w = once(argv)
        cpu[label].append(c)
        wall[label].append(w)

def p90(xs):
    xs = sorted(xs)
    return xs[max(0, -(-9 * len(xs) // 10) - 1)]        # nearest rank

rows = ["| command | median ms | p90 ms | median / 50 ms | p90 / 50 ms | wall median ms | verdict |",
        "|---|---:|---:|---:|---:|---:|---|"]
for label, _ in jobs:
    med, hi = statistics.median(cpu[label]), p90(cpu[label])
    verdict = ("under budget" if hi < BUDGET_MS else "**OVER budget**") if label.startswith("cmtune") else "reference"
    name = f"`{label}`" if label.startswith("cmtune") else label
    rows.append(f"| {name} | {med:.1f} | {hi:.1f} | {med / BUDGET_MS:.2f} | {hi / BUDGET_MS:.2f} "
                f"| {statistics.median(wall[label]):.1f} | {verdict} |")
table = "\n".join(rows)

stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
notes = [
    f"- machine: {env['MACHINE']}",
    f"- cmtune: `{shown}` (git {env['REVISION']}; {env['SWIFTV'] or 'swift version unknown'})",
    f"- tree: `{env['GENERATOR']}`",
    f"- command: `{env['INVOCATION']}`",
    f"- process time = user + sys of the child (getrusage RUSAGE_CHILDREN deltas); {runs} runs per command, "
    f"interleaved, after {WARMUPS} warm-ups; p90 is nearest-rank; verdict uses p90 < {BUDGET_MS:.0f} ms",
]
print(f"\n### nic/irq process time, {stamp}\n")
print("\n".join(notes) + "\n")
print(table)

if env["RECORD"] == "1":
    results = "bench/RESULTS.md"
    new = not os.path.exists(results)
    with open(results, "a") as f:
        if new:
            f.write("# Benchmark results\n\nAppended by the scripts in bench/ when run with `--record`; newest last.\n")
        f.write(f"\n## {stamp}: cmtune nic / irq on {os.path.relpath(tree)}\n\n" + "\n".join(notes) + "\n\n" + table + "\n")
    print(f"\nnic-irq: appended to {results}", file=sys.stderr)
PY
