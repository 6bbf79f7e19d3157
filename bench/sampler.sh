#!/usr/bin/env bash
# Process time of one sample of `cmtune top` on a generated 128-CPU host, as % of one CPU at a
# 1 s interval against the issue's 1 % budget, side by side with netutils-linux's network-top.
# See bench/README.md.
#
#   bench/sampler.sh [--record] [-n RUNS] [--samples N] [--no-build] [--no-peer] [--cpus 128]
#                    [-- SWIFT-BUILD-ARGS...]
#
#   --record      also append the table, date, machine and command to bench/RESULTS.md
#   -n RUNS       timed runs per tool (default 10); median and p90 are over these
#   --samples N   extra refreshes per run (default 200): per sample = (t(N+1) - t(1)) / N
#   --no-build    skip `swift build`; use .build/release/cmtune, or $CMTUNE if set
#   --no-peer     leave netutils-linux out (otherwise it is pip-installed into bench/out/)
#   -- ARGS       extra arguments for `swift build`
#
# Each tool runs once for 1 refresh and once for N+1 refreshes with no sleep in between
# (cmtune: --root TREE --interval 0; network-top: -i 0 pointed at the tree's files); the
# difference is N refreshes without start-up. The floor row is one `cat` of exactly the files
# cmtune rereads per sample (found with strace), N+1 times over against once.
set -euo pipefail

die() { printf 'sampler: %s\n' "$*" >&2; exit 1; }

runs=10 samples=200 record=0 build=1 peer=1 cpus=128 build_args=()
invocation="bench/sampler.sh${*:+$(printf ' %q' "$@")}"
while [ $# -gt 0 ]; do
    case "$1" in
        --record) record=1 ;;
        -n|--runs) runs=${2:?-n needs a number}; shift ;;
        --samples) samples=${2:?--samples needs a number}; shift ;;
        --no-build) build=0 ;;
        --no-peer) peer=0 ;;
        --cpus) cpus=${2:?}; shift ;;
        --) shift; build_args=("$@"); break ;;
        -h|--help) sed -n '2,20s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) die "unknown argument: $1 (try --help)" ;;
    esac
    shift
done
case "$runs" in ''|*[!0-9]*|0) die "-n wants a positive number, got '$runs'" ;; esac
case "$samples" in ''|*[!0-9]*|0) die "--samples wants a positive number, got '$samples'" ;; esac

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

if [ "$build" = 1 ]; then
    # Two cores: a second swift build at the same time would slow both and skew the timing.
    while pgrep -x swift-build >/dev/null; do
        echo "sampler: another swift-build is running; waiting for it" >&2
        sleep 10
    done
    build_cmd=(swift build -c release --product cmtune "${build_args[@]}")
    echo "sampler: ${build_cmd[*]}" >&2
    "${build_cmd[@]}" >&2 || die "${build_cmd[*]} failed"
fi
cmtune=${CMTUNE:-$repo/.build/release/cmtune}
[ -x "$cmtune" ] || die "cmtune not found at $cmtune (run: swift build -c release --product cmtune)"

tree=bench/out/host-$cpus
gen=(python3 bench/make-large-host.py "$tree" --cpus "$cpus")
"${gen[@]}" >&2 || die "could not generate $tree"

# The peer: netutils-linux from PyPI, in its own venv under bench/out/ (git-ignored).
peer_version=2.7.11
venv=bench/out/netutils-venv
network_top=${NETWORK_TOP:-$venv/bin/network-top}
peer_problem=""
if [ "$peer" = 0 ]; then
    peer_problem="left out (--no-peer)"
elif [ ! -x "$network_top" ]; then
    if [ -n "${NETWORK_TOP:-}" ]; then
        peer_problem="\$NETWORK_TOP=$NETWORK_TOP is not executable"
    else
        echo "sampler: installing the peer: pip install netutils-linux==$peer_version into $venv" >&2
        if ! { python3 -m venv "$venv" && "$venv/bin/pip" install -q "netutils-linux==$peer_version"; } >&2; then
            peer_problem="pip install netutils-linux==$peer_version failed (see the messages above)"
        fi
    fi
fi

machine="nproc $(nproc), $(uname -sr) $(uname -m), $(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)"
revision=$(git rev-parse --short HEAD 2>/dev/null || echo "no commit yet")
[ -n "$(git status --porcelain 2>/dev/null | head -1)" ] && revision="$revision + uncommitted changes"
swiftv=$(swift --version 2>/dev/null | head -1 || true)

CMTUNE_BIN=$cmtune TREE=$tree RUNS=$runs SAMPLES=$samples RECORD=$record MACHINE=$machine \
REVISION=$revision SWIFTV=$swiftv INVOCATION=$invocation GENERATOR="${gen[*]}" \
NETWORK_TOP=$network_top PEER_PROBLEM=$peer_problem PEER_VERSION=$peer_version python3 - <<'PY'
import datetime, json, os, re, resource, shutil, statistics, subprocess, sys, tempfile, time

BUDGET_PCT = 1.0          # of one CPU
INTERVAL_S = 1.0          # the interval the budget is stated for
env = os.environ
cmtune, tree = env["CMTUNE_BIN"], os.path.abspath(env["TREE"])
runs, n = int(env["RUNS"]), int(env["SAMPLES"])
shown = os.path.relpath(cmtune) if cmtune.startswith(os.getcwd()) else cmtune
out_dir = os.path.dirname(tree)


def fail(msg):
    print(f"sampler: {msg}", file=sys.stderr)
    sys.exit(1)


def run_checked(argv, what):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        err = p.stderr.decode(errors="replace").strip() or "(no stderr)"
        return p, f"`{what}` exited {p.returncode}:\n{err[-3000:]}"
    return p, None


def cmtune_top(count):
    return [cmtune, "top", "--root", tree, "--interval", "0", "--count", str(count), "--json"]

# 1. cmtune must work on the tree: two refreshes, two JSON lines.
p, err = run_checked([cmtune, "top", "--root", tree, "--count", "2", "--json"],
                     f"cmtune top --root {os.path.relpath(tree)} --count 2 --json")
if err:
    fail(err + f"\n(tree: {tree})")
lines = p.stdout.decode(errors="replace").splitlines()
try:
    objs = [json.loads(line) for line in lines]
except ValueError as e:
    fail(f"`cmtune top --json` printed a line that is not JSON: {e}")
if len(objs) != 2:
    fail(f"`cmtune top --count 2 --json` printed {len(objs)} lines, expected 2")
if len(objs[-1].get("cpus", [])) != sum(1 for _ in open(os.path.join(tree, "proc/net/softnet_stat"))):
    print(f"sampler: warning: cmtune top reported {len(objs[-1].get('cpus', []))} CPUs", file=sys.stderr)
if p.stderr.strip():
    print("sampler: warning: cmtune top wrote to stderr:\n" + p.stderr.decode(errors="replace")[-2000:], file=sys.stderr)

# 2. The files cmtune rereads per sample: opened by --count 2 and not by --count 1 (strace).
def opened(argv):
    with tempfile.NamedTemporaryFile("r", suffix=".strace") as log:
        subprocess.run(["strace", "-f", "-qq", "-e", "trace=open,openat,openat2", "-o", log.name] + argv,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        found = []
        for line in log:
            m = re.search(r'open(?:at2?)?\((?:[^,]*, )?"([^"]*)".*\) = \d+', line)
            if m:
                path = os.path.normpath(os.path.join(os.getcwd(), m.group(1)))
                if path.startswith(tree + os.sep) and os.path.isfile(path):
                    found.append(path)
        return found

per_sample_files, how_found = None, ""
if shutil.which("strace"):
    try:
        once_, twice = opened(cmtune_top(1)), opened(cmtune_top(2))
        extra = list(twice)
        for f in once_:
            if f in extra:
                extra.remove(f)
        per_sample_files, how_found = sorted(set(extra)), "strace: opened by --count 2, not by --count 1"
    except subprocess.CalledProcessError:
        pass
if not per_sample_files:
    per_sample_files = [os.path.join(tree, f) for f in ("proc/stat", "proc/softirqs", "proc/interrupts",
                                                        "proc/net/softnet_stat", "sys/devices/system/cpu/online")]
    how_found = "no strace: the four counter files and the online CPU list"
shown_files = ", ".join(os.path.relpath(f, tree) for f in per_sample_files)

# 3. The peer, pointed at the tree's files. Its link-rate part has no file option: it reads
#    /sys/class/net/<dev>/statistics of the live host, so it gets `--dev lo`.
peer_note = env["PEER_PROBLEM"]
network_top = env["NETWORK_TOP"]
lscpu_file = os.path.join(out_dir, f"lscpu-p-{os.path.basename(tree)}.txt")


def write_lscpu(path):
    """`lscpu -p` of the tree's topology, for network-top --lscpu-output (else it runs lscpu on this host)."""
    base = os.path.join(tree, "sys/devices/system/cpu")
    cpus = sorted(int(d[3:]) for d in os.listdir(base) if re.fullmatch(r"cpu\d+", d))
    rows = ["# The following is the parsable format, which can be fed to other", "# programs. Each different item in every column has an unique ID",
            "# starting usually from zero.", "# CPU,Core,Socket,Node,,L1d,L1i,L2,L3"]
    for c in cpus:
        d = os.path.join(base, f"cpu{c}")
        sock = int(open(os.path.join(d, "topology/physical_package_id")).read())
        node = next(int(e[4:]) for e in os.listdir(d) if re.fullmatch(r"node\d+", e))
        core = int(re.split(r"[,-]", open(os.path.join(d, "topology/thread_siblings_list")).read())[0])
        rows.append(f"{c},{core},{sock},{node},,{core},{core},{core},{sock}")
    with open(path, "w") as f:
        f.write("\n".join(rows) + "\n")


def peer_argv(iterations):
    return [network_top, "--no-clear", "--no-color", "-i", "0", "-n", str(iterations),
            "--interrupts-file", os.path.join(tree, "proc/interrupts"),
            "--softirqs-file", os.path.join(tree, "proc/softirqs"),
            "--softnet-stat-file", os.path.join(tree, "proc/net/softnet_stat"),
            "--lscpu-output", lscpu_file, "--dev", "lo"]

if not peer_note:
    write_lscpu(lscpu_file)
    p, err = run_checked(peer_argv(2), "network-top -n 2 on the tree")
    if err:
        peer_note = err.replace("\n", " ")[:600]
    elif p.stdout.count(b"# Load per cpu") != 2:
        peer_note = f"network-top -n 2 printed {p.stdout.count(b'# Load per cpu')} refreshes, expected 2"
if peer_note:
    print(f"sampler: peer network-top not measured: {peer_note}", file=sys.stderr)

# 4. Jobs: (label, argv for 1 refresh, argv for N+1 refreshes).
jobs = [(f"`cmtune top --json`", cmtune_top(1), cmtune_top(n + 1))]
if not peer_note:
    jobs.append((f"`network-top` (netutils-linux {env['PEER_VERSION']})", peer_argv(1), peer_argv(n + 1)))
jobs.append((f"floor: one `cat` of the {len(per_sample_files)} files read per sample",
             ["cat"] + per_sample_files, ["cat"] + per_sample_files * (n + 1)))


def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def once(argv):
    before, t0 = child_cpu(), time.perf_counter()
    p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        fail(f"`{' '.join(argv[:6])} ...` exited {p.returncode}:\n" + p.stderr.decode(errors="replace")[-3000:])
    return child_cpu() - before, wall


def busy_builds():
    return any(subprocess.run(["pgrep", "-x", name], stdout=subprocess.DEVNULL).returncode == 0
               for name in ("swift-build", "swift-frontend"))

builds_seen = busy_builds()
load_before = open("/proc/loadavg").read().split()[0]
for _, short, _ in jobs:                                  # warm-up: page cache, Python bytecode
    once(short)
cpu = {label: [] for label, _, _ in jobs}
wall = {label: [] for label, _, _ in jobs}
for i in range(runs):
    k = i % len(jobs)
    for label, short, long in jobs[k:] + jobs[:k]:
        c1, w1 = once(short)
        cN, wN = once(long)
        cpu[label].append((cN - c1) / n * 1000.0)         # ms per sample
        wall[label].append((wN - w1) / n * 1000.0)
    builds_seen = builds_seen or busy_builds()
load_after = open("/proc/loadavg").read().split()[0]


def p90(xs):
    xs = sorted(xs)
    return xs[max(0, -(-9 * len(xs) // 10) - 1)]          # nearest rank


def pct(ms):                                              # % of one CPU at a 1 s interval
    return ms / (INTERVAL_S * 1000.0) * 100.0

cm = jobs[0][0]
rows = ["| sampler | median ms / sample | p90 ms / sample | median % of 1 CPU at 1 s | p90 % | wall median ms | cmtune / this | verdict |",
        "|---|---:|---:|---:|---:|---:|---:|---|"]
for label, _, _ in jobs:
    med, hi = statistics.median(cpu[label]), p90(cpu[label])
    if label == cm:
        verdict = "under the 1 % budget" if pct(hi) < BUDGET_PCT else "**OVER the 1 % budget**"
        ratio = "1"
    else:
        verdict = "peer" if label.startswith("`network-top") else "reference"
        ratio = f"{statistics.median(cpu[cm]) / med:.2f}" if med > 0 else "n/a"
    rows.append(f"| {label} | {med:.3f} | {hi:.3f} | {pct(med):.3f} % | {pct(hi):.3f} % "
                f"| {statistics.median(wall[label]):.3f} | {ratio} | {verdict} |")
table = "\n".join(rows)

stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
notes = [
    f"- machine: {env['MACHINE']}; load average {load_before} before, {load_after} after"
    + ("; **a swift build was running during the measurement**" if builds_seen else ""),
    f"- cmtune: `{shown}` (git {env['REVISION']}; {env['SWIFTV'] or 'swift version unknown'})",
    f"- tree: `{env['GENERATOR']}` (counters do not move: every rate is 0 and the CPU percentages are null)",
    f"- command: `{env['INVOCATION']}`",
    f"- per sample = (process time of {n + 1} refreshes - process time of 1) / {n}, user + sys from getrusage "
    f"RUSAGE_CHILDREN; {runs} runs per tool, interleaved, after one warm-up; p90 is nearest-rank; "
    f"% of one CPU at a 1 s interval = ms per sample / 10; verdict uses p90 < {BUDGET_PCT:g} %",
    f"- cmtune: `cmtune top --root TREE --interval 0 --count K --json > /dev/null`; per sample it rereads "
    f"{shown_files} ({how_found})",
]
if peer_note:
    notes.append(f"- peer network-top not measured: {peer_note}")
else:
    notes.append(f"- peer: `network-top --no-clear --no-color -i 0 -n K --interrupts-file TREE/proc/interrupts "
                 f"--softirqs-file TREE/proc/softirqs --softnet-stat-file TREE/proc/net/softnet_stat "
                 f"--lscpu-output {os.path.relpath(lscpu_file)} --dev lo > /dev/null`; it has no option for "
                 f"/proc/stat (it shows no CPU time) and reads the 13 statistics files of the live host's `lo`, "
                 f"its link-rate part having no file option; on a static tree it hides every /proc/interrupts row "
                 f"(delta below 80) and prints the per-CPU table of all CPUs")
print(f"\n### cmtune top sampler cost, {stamp}\n")
print("\n".join(notes) + "\n")
print(table)

if env["RECORD"] == "1":
    results = "bench/RESULTS.md"
    new = not os.path.exists(results)
    with open(results, "a") as f:
        if new:
            f.write("# Benchmark results\n\nAppended by the scripts in bench/ when run with `--record`; newest last.\n")
        f.write(f"\n## {stamp}: cmtune top sampler on {os.path.relpath(tree)}\n\n" + "\n".join(notes) + "\n\n" + table + "\n")
    print(f"\nsampler: appended to {results}", file=sys.stderr)
PY
