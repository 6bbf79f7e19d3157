"""What the benchmark scripts in bench/ share. Python 3 standard library only.

The scripts (nic-irq.sh, sampler.sh, decode.sh, make-mqtt-capture.sh) are bash wrappers around a
Python heredoc that runs in the repository root (`python3 -B`: no __pycache__ in bench/) and
imports this module with `sys.path.insert(0, "bench")` (not PYTHONPATH, which the Python programs
they time would inherit).
What is here:

- options: parse_args (the common --record, -n RUNS, --no-build, -- SWIFT-BUILD-ARGS, -h/--help)
- setup: cmtune_binary (release build unless --no-build, then $CMTUNE or .build/release/cmtune),
  make_tree (bench/make-large-host.py), run_checked, files_opened (strace), builds_running
- timing: time_once (child process time + wall time of one run), interleaved (N runs of each
  job, one of each per round), median_p90 (p90 nearest-rank)
- report: machine, revision, cmtune_note, markdown_table, report (print, and with --record
  append to bench/RESULTS.md, creating its header first)
"""

import datetime
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from types import SimpleNamespace

PROG = "bench"                      # message prefix; parse_args sets it to the script's name
RESULTS = "bench/RESULTS.md"
RESULTS_HEADER = "# Benchmark results\n\nAppended by the scripts in bench/ when run with `--record`; newest last.\n"


def log(msg):
    """A message to stderr, prefixed with the script's name."""
    print(f"{PROG}: {msg}", file=sys.stderr)


def fail(msg):
    log(msg)
    sys.exit(1)


# --- options -----------------------------------------------------------------------------------

def print_help(script):
    """The script's leading comment block (after the shebang), without the `# `."""
    with open(script) as f:
        next(f, None)
        for line in f:
            if not line.startswith("#"):
                break
            print(re.sub(r"^# ?", "", line), end="")


def parse_args(prog, argv, runs, values=None, flags=(), positive=()):
    """Parse a script's options the way its usage lines describe them.

    Common to every script: --record, -n|--runs RUNS (default `runs`), --no-build,
    `-- ARGS...` (the rest are extra `swift build` arguments) and -h|--help (prints the comment
    block of bench/PROG.sh). `values` maps the script's other options that take a value to their
    defaults, `flags` lists its other switches, `positive` the options of `values` that want a
    positive whole number. Returns a namespace: runs (int), record, build (False with
    --no-build), build_args, invocation ($BENCH_INVOCATION) and one attribute per other option
    (`--no-peer` -> no_peer, `--samples` -> samples)."""
    global PROG
    PROG = prog
    key = lambda option: option.lstrip("-").replace("-", "_")
    numbers = {"-n": "runs", "--runs": "runs", **{o: key(o) for o in positive}}
    takes_value = {**numbers, **{o: key(o) for o in values or {}}}
    got = {"runs": str(runs), "record": False, "build": True, "build_args": [],
           **{key(o): d for o, d in (values or {}).items()}, **{key(o): False for o in flags}}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--record":
            got["record"] = True
        elif arg == "--no-build":
            got["build"] = False
        elif arg in flags:
            got[key(arg)] = True
        elif arg in takes_value:
            if i + 1 >= len(argv) or argv[i + 1] == "":
                fail(f"{'-n' if arg == '--runs' else arg} needs a {'number' if arg in numbers else 'value'}")
            i += 1
            got[takes_value[arg]] = argv[i]
        elif arg == "--":
            got["build_args"] = argv[i + 1:]
            break
        elif arg in ("-h", "--help"):
            print_help(f"bench/{prog}.sh")
            sys.exit(0)
        else:
            fail(f"unknown argument: {arg} (try --help)")
        i += 1
    for option in ("-n",) + tuple(positive):
        value = got[numbers[option]]
        if not (value.isascii() and value.isdigit() and int(value) > 0):
            fail(f"{option} wants a positive number, got '{value}'")
        got[numbers[option]] = int(value)
    got["invocation"] = os.environ.get("BENCH_INVOCATION", prog)
    return SimpleNamespace(**got)


# --- setup -------------------------------------------------------------------------------------

def builds_running(names=("swift-build",)):
    """Whether a process with one of these exact names runs (pgrep -x)."""
    return any(subprocess.run(["pgrep", "-x", name], stdout=subprocess.DEVNULL).returncode == 0
               for name in names)


def cmtune_binary(opts, wait_for_builds=False):
    """Build cmtune in release mode unless --no-build (first waiting while another swift-build
    runs, if asked: on two cores a second build would slow both and skew the timing), then
    return $CMTUNE or .build/release/cmtune, stopping if it is not executable."""
    if opts.build:
        if wait_for_builds:
            while builds_running():
                log("another swift-build is running; waiting for it")
                time.sleep(10)
        cmd = ["swift", "build", "-c", "release", "--product", "cmtune", "--static-swift-stdlib"] + opts.build_args
        log(" ".join(cmd))
        if subprocess.run(cmd, stdout=sys.stderr).returncode != 0:
            fail(f"{' '.join(cmd)} failed")
    cmtune = os.environ.get("CMTUNE") or os.path.join(os.getcwd(), ".build/release/cmtune")
    if not os.access(cmtune, os.X_OK):
        fail(f"cmtune not found at {cmtune} (run: make release)")
    return cmtune


def make_tree(cpus, *options):
    """Regenerate bench/out/host-CPUS with make-large-host.py; returns (tree, the command line)."""
    tree = f"bench/out/host-{cpus}"
    cmd = ["python3", "bench/make-large-host.py", tree, "--cpus", str(cpus)] + [str(o) for o in options]
    if subprocess.run(cmd, stdout=sys.stderr).returncode != 0:
        fail(f"could not generate {tree}")
    return tree, " ".join(cmd)


def run_checked(argv, what, where=""):
    """Run argv capturing its output; returns (process, None) or (process, an error message)."""
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        err = p.stderr.decode(errors="replace").strip() or "(no stderr)"
        return p, f"`{what}` exited {p.returncode}{where}:\n{err[-3000:]}"
    return p, None


def files_opened(argv, under):
    """The regular files below `under` that argv opens successfully, in order and with repeats,
    as strace -f sees it; None without strace or when the traced run fails."""
    if not shutil.which("strace"):
        return None
    with tempfile.NamedTemporaryFile("r", suffix=".strace") as log:
        p = subprocess.run(["strace", "-f", "-qq", "-e", "trace=open,openat,openat2", "-o", log.name] + argv,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if p.returncode != 0:
            return None
        found = []
        for line in log:
            m = re.search(r'open(?:at2?)?\((?:[^,]*, )?"([^"]*)".*\) = \d+', line)
            if m:
                path = os.path.normpath(os.path.join(os.getcwd(), m.group(1)))
                if path.startswith(under + os.sep) and os.path.isfile(path):
                    found.append(path)
        return found


# --- timing ------------------------------------------------------------------------------------

def child_cpu_ms():
    """User + sys time of all waited-for children so far, in ms."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (r.ru_utime + r.ru_stime) * 1000.0


def time_once(argv, shown_words=4):
    """Run argv once (output discarded); returns (process time ms, wall ms) of that run.
    Stops the script with the command's stderr if it exits non-zero."""
    before, t0 = child_cpu_ms(), time.perf_counter()
    p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = (time.perf_counter() - t0) * 1000.0
    if p.returncode != 0:
        fail(f"`{' '.join(argv[:shown_words])}{' ...' if len(argv) > shown_words else ''}` exited {p.returncode}:\n"
             + p.stderr.decode(errors="replace")[-3000:])
    return child_cpu_ms() - before, wall


def interleaved(jobs, runs, measure, warmups=1, warm_up=None, after_round=None):
    """Measure each job `runs` times, one of each per round, each round starting one job later
    so that drift hits all of them alike. jobs: [(label, what)]; measure(what) -> (cpu ms,
    wall ms). First `warmups` untimed rounds of warm_up(what) (default: measure). after_round()
    is called after each timed round. Returns ({label: [cpu ms]}, {label: [wall ms]})."""
    for _ in range(warmups):
        for _, what in jobs:
            (warm_up or measure)(what)
    cpu = {label: [] for label, _ in jobs}
    wall = {label: [] for label, _ in jobs}
    for i in range(runs):
        k = i % len(jobs)
        for label, what in jobs[k:] + jobs[:k]:
            c, w = measure(what)
            cpu[label].append(c)
            wall[label].append(w)
        if after_round:
            after_round()
    return cpu, wall


def p90(xs):
    xs = sorted(xs)
    return xs[max(0, -(-9 * len(xs) // 10) - 1)]        # nearest rank


def median_p90(xs):
    return statistics.median(xs), p90(xs)


# --- report ------------------------------------------------------------------------------------

def machine():
    """`nproc N, <kernel> <arch>, <CPU model name>`."""
    u = os.uname()
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.rstrip("\n").split(":", 1)[1].lstrip(" ") if ":" in line else ""
                    break
    except OSError:
        pass
    return f"nproc {len(os.sched_getaffinity(0))}, {u.sysname} {u.release} {u.machine}, {model}"


def revision():
    """Short commit of HEAD, `+ uncommitted changes` if the work tree differs from it."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    rev = head.stdout.decode().strip() if head.returncode == 0 else "no commit yet"
    status = subprocess.run(["git", "status", "--porcelain"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return rev + (" + uncommitted changes" if status.stdout.strip() else "")


def swift_version():
    try:
        out = subprocess.run(["swift", "--version"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    except OSError:
        return ""
    return out.decode(errors="replace").split("\n", 1)[0].strip()


def shown_path(cmtune):
    return os.path.relpath(cmtune) if cmtune.startswith(os.getcwd()) else cmtune


def cmtune_note(cmtune):
    """The `- cmtune: ...` line of a record: binary, git revision, Swift version."""
    return f"- cmtune: `{shown_path(cmtune)}` (git {revision()}; {swift_version() or 'swift version unknown'})"


def markdown_table(header, align, rows):
    """header: column names; align: one letter per column, l or r; rows: lists of cells."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def report(title, record_title, notes, table, record):
    """Print `### TITLE, date`, the notes and the table; with record, also append
    `## date: RECORD_TITLE`, notes and table to bench/RESULTS.md (creating it with its header)."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\n### {title}, {stamp}\n")
    print("\n".join(notes) + "\n")
    print(table)
    if record:
        new = not os.path.exists(RESULTS)
        with open(RESULTS, "a") as f:
            if new:
                f.write(RESULTS_HEADER)
            f.write(f"\n## {stamp}: {record_title}\n\n" + "\n".join(notes) + "\n\n" + table + "\n")
        print(f"\n{PROG}: appended to {RESULTS}", file=sys.stderr)
