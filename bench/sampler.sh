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

cd "$(dirname "$0")/.."
BENCH_INVOCATION="bench/sampler.sh${*:+$(printf ' %q' "$@")}" exec python3 -B - "$@" <<'PY'
import json, os, re, statistics, subprocess, sys
sys.path.insert(0, "bench")        # not PYTHONPATH: the timed Python programs would inherit it
import benchlib
from benchlib import fail, log

BUDGET_PCT = 1.0          # of one CPU
INTERVAL_S = 1.0          # the interval the budget is stated for
PEER_VERSION = "2.7.11"   # netutils-linux, whose test data our fixtures come from
opts = benchlib.parse_args("sampler", sys.argv[1:], runs=10, values={"--samples": "200", "--cpus": "128"},
                           flags=("--no-peer",), positive=("--samples",))
cmtune = benchlib.cmtune_binary(opts, wait_for_builds=True)
tree, generator = benchlib.make_tree(opts.cpus)
tree, runs, n = os.path.abspath(tree), opts.runs, opts.samples
out_dir = os.path.dirname(tree)


def install_peer():
    """network-top from PyPI in its own venv under bench/out/ (git-ignored), or $NETWORK_TOP.
    Returns (its path, why it is left out or "")."""
    venv = "bench/out/netutils-venv"
    network_top = os.environ.get("NETWORK_TOP") or f"{venv}/bin/network-top"
    if opts.no_peer:
        return network_top, "left out (--no-peer)"
    if os.access(network_top, os.X_OK):
        return network_top, ""
    if os.environ.get("NETWORK_TOP"):
        return network_top, f"$NETWORK_TOP={network_top} is not executable"
    log(f"installing the peer: pip install netutils-linux=={PEER_VERSION} into {venv}")
    for cmd in (["python3", "-m", "venv", venv], [f"{venv}/bin/pip", "install", "-q", f"netutils-linux=={PEER_VERSION}"]):
        if subprocess.run(cmd, stdout=sys.stderr).returncode != 0:
            return network_top, f"pip install netutils-linux=={PEER_VERSION} failed (see the messages above)"
    return network_top, ""


network_top, peer_note = install_peer()
notes = [f"- machine: {benchlib.machine()}", benchlib.cmtune_note(cmtune)]


def cmtune_top(count):
    return [cmtune, "top", "--root", tree, "--interval", "0", "--count", str(count), "--json"]

# 1. cmtune must work on the tree: two refreshes, two JSON lines.
p, err = benchlib.run_checked([cmtune, "top", "--root", tree, "--count", "2", "--json"],
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
    log(f"warning: cmtune top reported {len(objs[-1].get('cpus', []))} CPUs")
if p.stderr.strip():
    log("warning: cmtune top wrote to stderr:\n" + p.stderr.decode(errors="replace")[-2000:])


# 2. The files cmtune rereads per sample: opened by --count 2 and not by --count 1 (strace).
def per_sample_files():
    """(files, how they were found)."""
    once_, twice = benchlib.files_opened(cmtune_top(1), tree), benchlib.files_opened(cmtune_top(2), tree)
    if once_ is not None and twice is not None:
        extra = list(twice)
        for f in once_:
            if f in extra:
                extra.remove(f)
        if extra:
            return sorted(set(extra)), "strace: opened by --count 2, not by --count 1"
    return ([os.path.join(tree, f) for f in ("proc/stat", "proc/softirqs", "proc/interrupts",
                                              "proc/net/softnet_stat", "sys/devices/system/cpu/online")],
            "no strace: the four counter files and the online CPU list")

floor_files, how_found = per_sample_files()
shown_files = ", ".join(os.path.relpath(f, tree) for f in floor_files)

# 3. The peer, pointed at the tree's files. Its link-rate part has no file option: it reads
#    /sys/class/net/<dev>/statistics of the live host, so it gets `--dev lo`.
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
    p, err = benchlib.run_checked(peer_argv(2), "network-top -n 2 on the tree")
    if err:
        peer_note = err.replace("\n", " ")[:600]
    elif p.stdout.count(b"# Load per cpu") != 2:
        peer_note = f"network-top -n 2 printed {p.stdout.count(b'# Load per cpu')} refreshes, expected 2"
if peer_note:
    log(f"peer network-top not measured: {peer_note}")

# 4. Jobs: (label, (argv for 1 refresh, argv for N+1 refreshes)); per sample = the difference / N.
jobs = [("`cmtune top --json`", (cmtune_top(1), cmtune_top(n + 1)))]
if not peer_note:
    jobs.append((f"`network-top` (netutils-linux {PEER_VERSION})", (peer_argv(1), peer_argv(n + 1))))
jobs.append((f"floor: one `cat` of the {len(floor_files)} files read per sample",
             (["cat"] + floor_files, ["cat"] + floor_files * (n + 1))))


def per_sample(argvs):
    (c1, w1), (cn, wn) = (benchlib.time_once(argv, shown_words=6) for argv in argvs)
    return (cn - c1) / n, (wn - w1) / n


def note_builds():
    global builds_seen
    builds_seen = builds_seen or benchlib.builds_running(("swift-build", "swift-frontend"))

builds_seen = False
note_builds()
load_before = open("/proc/loadavg").read().split()[0]
cpu, wall = benchlib.interleaved(jobs, runs, per_sample, warm_up=lambda argvs: benchlib.time_once(argvs[0], 6),
                                 after_round=note_builds)       # warm-up: page cache, Python bytecode
load_after = open("/proc/loadavg").read().split()[0]


def pct(ms):                                              # % of one CPU at a 1 s interval
    return ms / (INTERVAL_S * 1000.0) * 100.0

cm = jobs[0][0]
rows = []
for label, _ in jobs:
    med, hi = benchlib.median_p90(cpu[label])
    if label == cm:
        verdict = "under the 1 % budget" if pct(hi) < BUDGET_PCT else "**OVER the 1 % budget**"
        ratio = "1"
    else:
        verdict = "peer" if label.startswith("`network-top") else "reference"
        ratio = f"{statistics.median(cpu[cm]) / med:.2f}" if med > 0 else "n/a"
    rows.append([label, f"{med:.3f}", f"{hi:.3f}", f"{pct(med):.3f} %", f"{pct(hi):.3f} %",
                 f"{statistics.median(wall[label]):.3f}", ratio, verdict])
table = benchlib.markdown_table(["sampler", "median ms / sample", "p90 ms / sample", "median % of 1 CPU at 1 s", "p90 %",
                                 "wall median ms", "cmtune / this", "verdict"], "lrrrrrrl", rows)

notes[0] += (f"; load average {load_before} before, {load_after} after"
             + ("; **a swift build was running during the measurement**" if builds_seen else ""))
notes += [
    f"- tree: `{generator}` (counters do not move: every rate is 0 and the CPU percentages are null)",
    f"- command: `{opts.invocation}`",
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
benchlib.report("cmtune top sampler cost", f"cmtune top sampler on {os.path.relpath(tree)}", notes, table, opts.record)
PY
