#!/usr/bin/env bash
# Does `cmtune irq` and `cmtune nic` grow linearly with the IRQ count? Times both on a generated
# host with tens of thousands of IRQs on one interface (issue 20: 32k IRQs on eth0 took seconds,
# the goal is under 0.5 s), with the user / sys split and, as the floor, `cat` of exactly the
# files each command opens. See bench/README.md.
#
#   bench/irq-scale.sh [--record] [-n RUNS] [--no-build] [--cpus 32] [--eth0-queues 32768]
#                      [--baseline CMTUNE] [-- SWIFT-BUILD-ARGS...]
#
#   --record        also append the table, date, machine and command to bench/RESULTS.md
#   -n RUNS         timed runs per command (default 3), after one untimed warm-up
#   --no-build      skip `swift build`; use .build/release/cmtune, or $CMTUNE if set
#   --cpus N        CPUs of the generated host (default 32: /proc/interrupts stays a few MB)
#   --eth0-queues N queues and queue IRQs of eth0 (default 32768); eth1 keeps 8
#   --baseline BIN  also time another cmtune binary (an older build) on the same tree
#
# The tree is bench/out/host-CPUS-eth0-N, made by make-large-host.py and reused while its
# options are the same (writing 750,000 files takes minutes). Commands run interleaved.
set -euo pipefail

cd "$(dirname "$0")/.."
BENCH_INVOCATION="bench/irq-scale.sh${*:+$(printf ' %q' "$@")}" exec python3 -B - "$@" <<'PY'
import os, resource, subprocess, sys, tempfile, time
sys.path.insert(0, "bench")        # not PYTHONPATH: the timed programs would inherit it
import benchlib
from benchlib import log

BUDGET_MS = 500.0
opts = benchlib.parse_args("irq-scale", sys.argv[1:], runs=3,
                           values={"--cpus": "32", "--eth0-queues": "32768", "--baseline": ""},
                           positive=("--cpus", "--eth0-queues"))
cmtune = benchlib.cmtune_binary(opts)
baseline = os.path.abspath(opts.baseline) if opts.baseline else None
if baseline and not os.access(baseline, os.X_OK):
    benchlib.fail(f"--baseline {baseline}: not an executable")

# 1. The tree, reused when make-large-host.py made it with the same options.
tree = os.path.abspath(f"bench/out/host-{opts.cpus}-eth0-{opts.eth0_queues}")
generator = ["python3", "bench/make-large-host.py", os.path.relpath(tree), "--cpus", str(opts.cpus),
             "--queues", "8", "--eth0-queues", str(opts.eth0_queues)]
marker = os.path.join(tree, ".cmtune-fake-host")
made_by = "made by bench/make-large-host.py " + " ".join(generator[2:])
if not (os.path.exists(marker) and open(marker).read().strip() == made_by):
    log("generating " + " ".join(generator))
    if subprocess.run(generator, stdout=sys.stderr).returncode != 0:
        benchlib.fail("could not generate the tree")

binaries = [("cmtune", cmtune)] + ([("baseline", baseline)] if baseline else [])
# The tables first (the cat floors below are theirs), then the JSON, which reads and writes more.
commands = [(f"{name} {' '.join(sub)}", [path] + sub + ["--root", tree])
            for name, path in binaries for sub in (["irq"], ["nic"], ["irq", "--json"], ["nic", "--json"])]
for label, argv in commands:
    p, err = benchlib.run_checked(argv, " ".join(argv), " on the generated tree")
    if err:
        benchlib.fail(err)

# 2. The floor: `cat` of exactly the files each subcommand of the new binary opens.
lists = []
for label, argv in commands[:2]:
    files = benchlib.files_opened(argv, tree)
    if not files:
        log(f"no strace or nothing traced for `{label}`: no floor row")
        continue
    handle = tempfile.NamedTemporaryFile("w", suffix=".files", delete=False)
    handle.write("\n".join(files) + "\n")
    handle.close()
    lists.append(handle.name)
    commands.append((f"cat of the {len(files)} files {label} opens", ["xargs", "-a", handle.name, "cat"]))


split = {label: [] for label, _ in commands}


def measure(job):
    """One run of the job's argv, output discarded: notes (user ms, sys ms), returns
    (process ms, wall ms) as benchlib.interleaved wants."""
    label, argv = job
    before, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = (time.perf_counter() - t0) * 1000.0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        benchlib.fail(f"`{' '.join(argv[:4])} ...` exited {p.returncode}:\n" + p.stderr.decode(errors="replace")[-3000:])
    user, system = (after.ru_utime - before.ru_utime) * 1000.0, (after.ru_stime - before.ru_stime) * 1000.0
    split[label].append((user, system))
    return user + system, wall


# 3. Time everything, interleaved; the warm-up round's split is dropped.
jobs = [(label, (label, argv)) for label, argv in commands]
cpu, wall = benchlib.interleaved(jobs, opts.runs, measure, warmups=1)
for label in split:
    split[label] = split[label][-opts.runs:]
for name in lists:
    os.unlink(name)

rows = []
for label, _ in commands:
    users = sorted(u for u, _ in split[label])
    systems = sorted(s for _, s in split[label])
    med_wall, p90_wall = benchlib.median_p90(wall[label])
    ours = not label.startswith("cat")
    verdict = ("under 0.5 s" if med_wall < BUDGET_MS else "**over 0.5 s**") if ours else "floor"
    rows.append([f"`{label}`" if ours else label, f"{med_wall:.0f}", f"{p90_wall:.0f}",
                 f"{benchlib.median_p90(cpu[label])[0]:.0f}", f"{users[len(users) // 2]:.0f}",
                 f"{systems[len(systems) // 2]:.0f}", verdict])
table = benchlib.markdown_table(["command", "wall median ms", "wall p90 ms", "process median ms", "user median ms",
                                 "sys median ms", "verdict"], "lrrrrrl", rows)
irqs = sum(1 for line in open(os.path.join(tree, "proc/interrupts")) if line.split(":")[0].strip().isdigit())
notes = [
    f"- machine: {benchlib.machine()}",
    benchlib.cmtune_note(cmtune),
] + ([f"- baseline: `{benchlib.shown_path(baseline)}`"] if baseline else []) + [
    f"- tree: `{' '.join(generator)}` ({irqs} IRQs, {opts.eth0_queues} of them eth0's queue vectors)",
    f"- command: `{opts.invocation}`",
    f"- each command `--root TREE > /dev/null`; {opts.runs} runs each, interleaved, after one warm-up; "
    "user and sys from getrusage RUSAGE_CHILDREN; the cat rows read exactly the files strace saw the new binary open",
]
benchlib.report("irq/nic scaling", f"cmtune irq / nic with {irqs} IRQs ({opts.eth0_queues} on eth0)", notes, table, opts.record)
PY
