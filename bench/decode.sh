#!/usr/bin/env bash
# `cmtune decode FILE --json` on a capture of at least a million MQTT messages of real mosquitto
# traffic, against tshark and tcpdump on the same file in the same run, with peak memory.
# See bench/README.md.
#
#   bench/decode.sh [--record] [-n RUNS] [--tshark-runs T] [--tshark-timeout S] [--messages N]
#                   [--larger M] [--repeat K] [--profile] [--no-build] [-- SWIFT-BUILD-ARGS...]
#
#   --record         also append the tables, date, machine, counts and commands to bench/RESULTS.md
#   -n RUNS          timed runs of cmtune and tcpdump on the capture (default 5), after a warm-up
#   --tshark-runs T  timed runs of tshark (default 1: on a million messages one run takes tshark
#                    4.0 about half an hour, see bench/README.md)
#   --tshark-timeout S  stop a tshark run after S seconds and report its time as a lower bound
#                    (default 0: no limit)
#   --messages N     MQTT messages in the capture (default 1000000): bench/out/mqtt-N.pcap, made by
#                    bench/make-mqtt-capture.sh on first use and reused after
#   --larger M       for the memory check, a second, separate capture of M messages (default
#                    3 x N; 0 leaves it out); cmtune also runs on the first third of the capture
#                    (and cmtune and tshark on the first thirtieth: tshark / cmtune before tshark
#                    loses track of the long connections, see bench/README.md)
#   --repeat K       for the memory check, the capture K times over (default 10; 0 leaves it out):
#                    copies shifted in time by editcap and joined by mergecap, the same traffic in
#                    K times the bytes, so that what peak memory does with the length of a capture
#                    is not mixed up with what it does with other traffic (bench/README.md)
#   --profile        afterwards, `perf record -g` one cmtune run and print its top symbols and the
#                    reading thread's own share (the floor of the wall time on any number of cores)
#                    (with --record they go to RESULTS.md too)
#   --no-build       skip `swift build`; use .build/release/cmtune, or $CMTUNE if set
#   -- ARGS          extra arguments for `swift build`
#
# The goals (from the issue): cmtune at least 20 times faster than
#   tshark -r FILE -Y mqtt -T fields -e mqtt.msgtype -e mqtt.topic -e mqtt.len > /dev/null
# and within 3 times of `tcpdump -r FILE -w /dev/null`, with peak memory under 200 MB whatever
# the size of the file. cmtune and tcpdump write to /dev/null; tshark writes to a pipe that this
# script reads to count the messages tshark decoded. Wall time, process time (user + sys) and
# peak RSS (ru_maxrss) are those of the child alone (wait4). The runs are interleaved, one
# of each per round, each round starting one command later; verdicts use the medians of
# process time, but the one against tcpdump wall time (cmtune decodes on a thread per CPU, and
# process time adds those up; `--threads 1` is timed too, for reference), and the largest peak
# RSS seen.
set -euo pipefail

cd "$(dirname "$0")/.."
BENCH_INVOCATION="bench/decode.sh${*:+$(printf ' %q' "$@")}" exec python3 -B - "$@" <<'PY'
import json, os, re, shutil, signal, statistics, subprocess, sys, tempfile, threading, time
sys.path.insert(0, "bench")        # not PYTHONPATH: the timed Python programs would inherit it
import benchlib
from benchlib import fail, log

SPEEDUP_VS_TSHARK = 20.0      # tshark / cmtune at least
WITHIN_TCPDUMP = 3.0          # cmtune / tcpdump at most
PEAK_MB = 200.0               # cmtune's peak RSS below
GROWTH_BELOW = 1.25           # peak RSS on the largest file / on the smallest, for "does not grow"
TSHARK_FIELDS = ["-Y", "mqtt", "-T", "fields", "-e", "mqtt.msgtype", "-e", "mqtt.topic", "-e", "mqtt.len"]

opts = benchlib.parse_args("decode", sys.argv[1:], runs=5,
                           values={"--tshark-runs": "1", "--messages": "1000000", "--larger": None, "--tshark-timeout": "0", "--repeat": "10"},
                           flags=("--profile",), positive=("--tshark-runs", "--messages"))
if not (opts.tshark_timeout.isascii() and opts.tshark_timeout.isdigit()):
    fail(f"--tshark-timeout wants a whole number of seconds (0: no limit), got '{opts.tshark_timeout}'")
tshark_timeout = int(opts.tshark_timeout)
larger = 3 * opts.messages if opts.larger is None else opts.larger
if not (str(larger).isdigit()):
    fail(f"--larger wants a whole number (0 leaves it out), got '{opts.larger}'")
larger = int(larger)
if not (opts.repeat.isascii() and opts.repeat.isdigit()) or int(opts.repeat) == 1:
    fail(f"--repeat wants a whole number other than 1 (0 leaves it out), got '{opts.repeat}'")
repeat = int(opts.repeat)
for tool in ("tshark", "tcpdump", "editcap", "mergecap"):
    if not shutil.which(tool):
        fail(f"{tool} not found")
cmtune = benchlib.cmtune_binary(opts, wait_for_builds=True)


# 1. The captures (made once, then reused from bench/out/).
def capture(messages):
    path = f"bench/out/mqtt-{messages}.pcap"
    cmd = ["bench/make-mqtt-capture.sh", path, "--messages", str(messages)]
    if subprocess.run(cmd, stdout=sys.stderr, env={**os.environ, "CMTUNE": cmtune}).returncode != 0:
        fail(f"{' '.join(cmd)} failed")
    return os.path.abspath(path), json.load(open(path + ".json")), " ".join(cmd)

main_file, meta, capture_cmd = capture(opts.messages)
big_file, big_meta, big_cmd = capture(larger) if larger else (None, None, None)



def prefix(k):
    """The first 1/k of the capture's packets (the connections open at the cut stay unfinished)."""
    path, packets = main_file.replace(".pcap", f"-first-1-{k}.pcap"), meta["packets"] // k
    if not (os.path.exists(path) and os.path.getmtime(path) >= os.path.getmtime(main_file)):
        p, err = benchlib.run_checked(["editcap", "-r", main_file, path, f"1-{packets}"], "editcap -r")
        if err:
            fail(err)
    return path, packets

third_file, third_packets = prefix(3)          # for the memory check


def repeated(k):
    """The capture k times over: each copy shifted past the end of the one before (so the
    connections of a copy start after those of the last have closed), joined end to end."""
    if k == 0:
        return None, None
    path = main_file.replace(".pcap", f"-x{k}.pcap")
    shift = int(meta["durationSeconds"]) + 10
    cmd = f"editcap -t {shift}*i FILE (i = 1..{k - 1}), mergecap -a -w {os.path.relpath(path)} FILE ...copies"
    if os.path.exists(path) and os.path.getmtime(path) >= os.path.getmtime(main_file):
        return path, cmd
    log(f"making {os.path.relpath(path)}: the capture {k} times over")
    parts = []
    try:
        for i in range(1, k):
            part = f"{path}.part-{i}"
            parts.append(part)
            p, err = benchlib.run_checked(["editcap", "-t", str(shift * i), main_file, part], "editcap -t")
            if err:
                fail(err)
        p, err = benchlib.run_checked(["mergecap", "-a", "-w", path + ".part", main_file] + parts, "mergecap -a")
        if err:
            fail(err)
        os.replace(path + ".part", path)
    finally:
        for part in parts + [path + ".part"]:
            if os.path.exists(part):
                os.remove(part)
    return path, cmd
small_file, small_packets = prefix(30)         # tshark's rate before its reassembly blow-up (bench/README.md)
repeated_file, repeated_cmd = repeated(repeat)  # for the memory check: the same traffic, k times the bytes


def decode_argv(path, *extra):
    return [cmtune, "decode", path, "--json", *extra]


def short(path):
    return os.path.relpath(path)

# 2. Every command must work on the files, and cmtune --json must print one line per message.
lines = None
small_messages = None
for path, expected in ((main_file, meta["mqttMessages"]), (big_file, big_meta and big_meta["mqttMessages"]), (small_file, None),
                       (repeated_file, repeat * meta["mqttMessages"])):
    if not path:
        continue
    p = subprocess.Popen(decode_argv(path), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    n = sum(1 for _ in p.stdout)
    err = p.stderr.read().decode(errors="replace")
    if p.wait() != 0:
        fail(f"`cmtune decode {short(path)} --json` exited {p.returncode}:\n{err[-3000:]}")
    if path == small_file:
        small_messages = n
    elif n != expected:
        log(f"warning: cmtune decode {short(path)} --json printed {n} lines, --stats counts {expected} messages")
    if path == main_file:
        lines = n

# 3. Time everything, interleaved. (label, argv, runs, file)
jobs = [
    ("cmtune", decode_argv(main_file), opts.runs, main_file),
    ("cmtune --threads 1", decode_argv(main_file, "--threads", "1"), opts.runs, main_file),
    ("cmtune text", [cmtune, "decode", main_file], opts.runs, main_file),
    ("cmtune --stats", [cmtune, "decode", main_file, "--stats"], opts.runs, main_file),
    ("tcpdump", ["tcpdump", "-r", main_file, "-w", "/dev/null"], opts.runs, main_file),
    ("tshark", ["tshark", "-r", main_file] + TSHARK_FIELDS, opts.tshark_runs, main_file),
    ("cmtune 1/3", decode_argv(third_file), opts.runs, third_file),
    ("cmtune 1/30", decode_argv(small_file), opts.runs, small_file),
    ("tshark 1/30", ["tshark", "-r", small_file] + TSHARK_FIELDS, opts.runs, small_file),
]
if big_file:
    jobs.append(("cmtune larger", decode_argv(big_file), opts.runs, big_file))
if repeated_file:
    jobs.append(("cmtune repeated", decode_argv(repeated_file), opts.runs, repeated_file))


MSGTYPES = {"1": "CONNECT", "2": "CONNACK", "3": "PUBLISH", "4": "PUBACK", "5": "PUBREC", "6": "PUBREL", "7": "PUBCOMP",
            "8": "SUBSCRIBE", "9": "SUBACK", "10": "UNSUBSCRIBE", "11": "UNSUBACK", "12": "PINGREQ", "13": "PINGRESP",
            "14": "DISCONNECT", "15": "AUTH"}
tshark_seen = {}         # label -> what its last run decoded, exit statuses, runs stopped, stderr


def measure_tshark(argv, label):
    """Like measure(), but stdout goes to a pipe this script reads to count the messages by type
    (the first field, comma-separated when a frame holds several), a non-zero exit is noted
    rather than fatal, and --tshark-timeout stops the run."""
    by_type = {}
    seen = tshark_seen.setdefault(label, {"byType": {}, "lines": 0, "exit": [], "timedOut": 0, "stderr": []})
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err)
        timer = None
        if tshark_timeout:
            def expire():
                seen["timedOut"] += 1
                p.send_signal(signal.SIGKILL)
            timer = threading.Timer(tshark_timeout, expire)
            timer.start()
        lines = 0
        for line in p.stdout:
            lines += 1
            for t in line.split(b"\t", 1)[0].split(b","):
                if t:
                    name = MSGTYPES.get(t.decode(), t.decode())
                    by_type[name] = by_type.get(name, 0) + 1
        _, status, ru = os.wait4(p.pid, 0)
        wall = (time.perf_counter() - t0) * 1000.0
        p.returncode = os.waitstatus_to_exitcode(status)
        if timer:
            timer.cancel()
        err.seek(0)
        text = err.read().decode(errors="replace")
    seen["byType"], seen["lines"] = by_type, lines
    seen["exit"].append(p.returncode)
    seen["stderr"] = [l for l in text.splitlines() if l.strip() and "Running as user" not in l]
    return (ru.ru_utime + ru.ru_stime) * 1000.0, wall, ru.ru_maxrss


def measure(argv):
    """Run argv once, stdout to /dev/null; returns (process ms, wall ms, peak RSS KiB) of that
    child alone (wait4), stopping the script with its stderr if it fails."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        wall = (time.perf_counter() - t0) * 1000.0
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            err.seek(0)
            fail(f"`{' '.join(argv[:4])} ...` exited {p.returncode}:\n" + err.read().decode(errors="replace")[-3000:])
    return (ru.ru_utime + ru.ru_stime) * 1000.0, wall, ru.ru_maxrss


builds_seen = False


def note_builds():
    global builds_seen
    builds_seen = builds_seen or benchlib.builds_running(("swift-build", "swift-frontend", "xctest"))

while benchlib.builds_running(("swift-build", "swift-frontend", "xctest")):
    log("a swift build or test run is going on; waiting for it before measuring")
    time.sleep(15)
for label, argv, _, _ in jobs:           # warm-up: page cache (tshark reads the same, now cached, file)
    if label != "tshark":
        measure(argv)
note_builds()
load_before = open("/proc/loadavg").read().split()[0]
cpu = {label: [] for label, *_ in jobs}
wall = {label: [] for label, *_ in jobs}
rss = {label: [] for label, *_ in jobs}
rounds = max(r for _, _, r, _ in jobs)
for i in range(rounds):
    k = i % len(jobs)
    for label, argv, runs, _ in jobs[k:] + jobs[:k]:
        if len(cpu[label]) < runs:
            c, w, m = measure_tshark(argv, label) if label.startswith("tshark") else measure(argv)
            cpu[label].append(c)
            wall[label].append(w)
            rss[label].append(m)
            log(f"round {i + 1}/{rounds}: {label}: {c / 1000:.2f} s process, {w / 1000:.2f} s wall, {m / 1024:.1f} MiB peak")
    note_builds()
load_after = open("/proc/loadavg").read().split()[0]

med = {label: statistics.median(cpu[label]) for label in cpu}
medw = {label: statistics.median(wall[label]) for label in wall}
peak = {label: max(rss[label]) / 1024.0 for label in rss}          # MiB
MB = 1e6 / 1048576                                                     # 1 MB in MiB


def mb(mib):
    return f"{mib / MB:.1f}"


def file_desc(path):
    if path == main_file:
        return f"capture ({meta['mqttMessages']:,} msgs)"
    if path == third_file:
        return f"first third ({third_packets:,} packets)"
    if path == small_file:
        return f"first 1/30 ({small_packets:,} packets)"
    if path == repeated_file:
        return f"the capture {repeat} times over ({repeat * meta['mqttMessages']:,} msgs)"
    return f"larger capture ({big_meta['mqttMessages']:,} msgs)"

rows = []
for label, argv, runs, path in jobs:
    m, hi = benchlib.median_p90(cpu[label])
    msgs = {main_file: meta["mqttMessages"], small_file: small_messages}.get(path)
    rate = msgs / (m / 1000) if msgs and label != "tcpdump" and not (label == "tshark" and tshark_seen["tshark"]["timedOut"]) else None
    rows.append([label, file_desc(path), str(runs), f"{m / 1000:.2f}", f"{hi / 1000:.2f}", f"{medw[label] / 1000:.2f}",
                 mb(peak[label]), f"{rate / 1e3:,.0f} k" if rate else ""])
table = benchlib.markdown_table(["command", "file", "runs", "median process s", "p90 process s", "median wall s",
                                 "peak RSS MB", "MQTT msgs / process s"], "llrrrrrr", rows)


def verdict(ok):
    return "met" if ok else "**missed**"

speedup, speedup_w = med["tshark"] / med["cmtune"], medw["tshark"] / medw["cmtune"]
vs_tcpdump, vs_tcpdump_w = med["cmtune"] / med["tcpdump"], medw["cmtune"] / medw["tcpdump"]
cm_peak = max(peak[label] for label in peak if label.startswith("cmtune")) / MB
goal_rows = [
    ["tshark / cmtune", f"{'≥ ' if tshark_seen['tshark']['timedOut'] else ''}{speedup:.1f}",
     f"{'≥ ' if tshark_seen['tshark']['timedOut'] else ''}{speedup_w:.1f}", f"≥ {SPEEDUP_VS_TSHARK:g}",
     verdict(True) if speedup >= SPEEDUP_VS_TSHARK else "undecided (tshark was stopped)" if tshark_seen["tshark"]["timedOut"]
     else verdict(False) + f" (needs {SPEEDUP_VS_TSHARK / speedup:.2f}x faster cmtune)"],
    ["tshark / cmtune on the first 1/30 (reference: before tshark's reassembly blow-up)",
     f"{med['tshark 1/30'] / med['cmtune 1/30']:.1f}", f"{medw['tshark 1/30'] / medw['cmtune 1/30']:.1f}",
     f"(≥ {SPEEDUP_VS_TSHARK:g})", "reference" if med["tshark 1/30"] / med["cmtune 1/30"] >= SPEEDUP_VS_TSHARK else
     f"reference: {SPEEDUP_VS_TSHARK / (med['tshark 1/30'] / med['cmtune 1/30']):.2f}x short"],
    # Wall time decides: cmtune decodes on several threads (one per CPU) and process time adds
    # theirs up, while the user waits for the wall clock. Both are shown, and one thread's too.
    ["cmtune / tcpdump", f"{vs_tcpdump:.1f}", f"{vs_tcpdump_w:.1f}", f"≤ {WITHIN_TCPDUMP:g} (wall)", verdict(vs_tcpdump_w <= WITHIN_TCPDUMP)
     + ("" if vs_tcpdump_w <= WITHIN_TCPDUMP else f" (needs {vs_tcpdump_w / WITHIN_TCPDUMP:.2f}x faster cmtune)")],
    ["cmtune --threads 1 / tcpdump (reference: decoding on the reading thread)", f"{med['cmtune --threads 1'] / med['tcpdump']:.1f}",
     f"{medw['cmtune --threads 1'] / medw['tcpdump']:.1f}", f"(≤ {WITHIN_TCPDUMP:g})", "reference"],
    ["cmtune text / tcpdump (reference: the default text output, 1/5 the bytes of JSON)", f"{med['cmtune text'] / med['tcpdump']:.1f}",
     f"{medw['cmtune text'] / medw['tcpdump']:.1f}", "", "reference"],
    ["cmtune --stats / tcpdump (reference: the summary)", f"{med['cmtune --stats'] / med['tcpdump']:.1f}",
     f"{medw['cmtune --stats'] / medw['tcpdump']:.1f}", "", "reference"],
    ["cmtune peak RSS, MB (largest over all its files)", f"{cm_peak:.1f}", "", f"< {PEAK_MB:g}", verdict(cm_peak < PEAK_MB)],
]
sizes = [("cmtune 1/3", third_file), ("cmtune", main_file)] + ([("cmtune larger", big_file)] if big_file else [])
growth = ", ".join(f"{os.path.getsize(f) / 1e6:.0f} MB file → {mb(peak[l])} MB" for l, f in sizes)
first, last = sizes[0], sizes[-1]
size_ratio = os.path.getsize(last[1]) / os.path.getsize(first[1])
rss_ratio = peak[last[0]] / peak[first[0]]
if repeated_file:
    # The verdict: the same traffic in k times the bytes. The files above differ in their traffic
    # too (the first third is the start of the run; the larger capture is another run, with its
    # own mix of clients and payloads), and peak memory follows the traffic in flight.
    same_ratio = peak["cmtune repeated"] / peak["cmtune"]
    goal_rows.append([f"cmtune peak RSS vs file size: the capture {repeat} times over against once (the same traffic)",
                      f"{same_ratio:.2f}x for {os.path.getsize(repeated_file) / os.path.getsize(main_file):.1f}x the bytes", "",
                      "does not grow", verdict(same_ratio < GROWTH_BELOW)
                      + f" ({os.path.getsize(main_file) / 1e6:.0f} MB → {mb(peak['cmtune'])} MB, "
                        f"{os.path.getsize(repeated_file) / 1e6:.0f} MB → {mb(peak['cmtune repeated'])} MB)"])
    goal_rows.append(["cmtune peak RSS vs file size, other traffic too (reference)", f"{rss_ratio:.2f}x for {size_ratio:.1f}x the bytes",
                      "", "", f"reference ({growth})"])
else:
    goal_rows.append(["cmtune peak RSS vs file size", f"{rss_ratio:.2f}x for {size_ratio:.1f}x the bytes", "",
                      "does not grow", verdict(rss_ratio < GROWTH_BELOW) + f" ({growth})"])
goals = benchlib.markdown_table(["goal", "process time", "wall time", "target", "verdict"], "lrrll", goal_rows)

by_type = ", ".join(f"{k} {v:,}" for k, v in sorted(meta["messagesByType"].items(), key=lambda kv: -kv[1]))


def tshark_note(label, cm, what):
    seen = tshark_seen[label]
    ts = sum(seen["byType"].values())
    types = ", ".join(f"{k} {v:,}" for k, v in sorted(seen["byType"].items(), key=lambda kv: -kv[1]))
    note = (f"- `{label}` (its last run, on {what}) printed {seen['lines']:,} lines naming {ts:,} MQTT messages, "
            f"{(ts - cm) / cm * 100:+.1f} % against cmtune's {cm:,} ({types})")
    if ts < 0.95 * cm and not seen["timedOut"]:
        note += ("; **it lost track of message boundaries** (a segment ending inside the remaining-length field), "
                 "then reassembled bogus multi-MB messages: see 'Why tshark is so slow' in bench/README.md")
    if seen["timedOut"]:
        note += (f"; **{seen['timedOut']} of its runs were stopped after {tshark_timeout} s**: its time is a lower "
                 "bound and its count partial")
    if any(seen["exit"]):
        note += f"; exit statuses {seen['exit']}"
    bugs = [l for l in seen["stderr"] if "Dissector bug" in l or "Malformed" in l]
    if bugs:
        note += f"; {len(bugs)} dissector problem(s) on its stderr, first: `{bugs[0].strip()[:300]}`"
    return note

notes = [
    f"- machine: {benchlib.machine()}; load average {load_before} before, {load_after} after"
    + ("; **a swift build or test was running during the measurement**" if builds_seen else ""),
    benchlib.cmtune_note(cmtune),
    f"- tools: tshark {subprocess.run(['tshark', '--version'], stdout=subprocess.PIPE).stdout.decode().split()[2]}, "
    f"{meta['versionsOfTools']['tcpdump']}, {meta['versionsOfTools']['mosquitto']}",
    f"- capture: `{capture_cmd}` (made {meta['made']}): {meta['bytes'] / 1e6:.0f} MB, {meta['packets']:,} packets "
    f"({meta['tcpSegments']:,} TCP segments), **{meta['mqttMessages']:,} MQTT messages** ({by_type}) in "
    f"{meta['mqttConnections']} MQTT connections (versions {', '.join(f'{k} {v}' for k, v in sorted(meta['versions'].items()))}), "
    f"{meta['topics']} topics, {meta['durationSeconds']:.0f} s of traffic; the broker counted {meta['brokerCount']:,} "
    f"messages ($SYS); tcpdump dropped {meta['tcpdumpDropped']} packets; cmtune saw {meta['gaps']} gaps, "
    f"{meta['decodeErrors']} decode errors; `cmtune decode --json` printed {lines:,} lines",
    tshark_note("tshark", meta["mqttMessages"], "the capture"),
    tshark_note("tshark 1/30", small_messages, f"the first 1/30 of the capture, {small_packets:,} packets"),
    f"- memory check: the first third of the capture (`editcap -r FILE {short(third_file)} 1-{third_packets}`)"
    + (f" and a separate, larger capture `{big_cmd}`: {big_meta['bytes'] / 1e6:.0f} MB, {big_meta['packets']:,} packets, "
       f"{big_meta['mqttMessages']:,} MQTT messages, tcpdump dropped {big_meta['tcpdumpDropped']}" if big_file else "")
    + (f"; the capture {repeat} times over ({repeated_cmd}): {os.path.getsize(repeated_file) / 1e6:.0f} MB" if repeated_file else ""),
    f"- command: `{opts.invocation}`",
    f"- timed: `cmtune decode FILE --json > /dev/null` (decoding threads: one per online CPU, {os.cpu_count()} here) "
    f"and with `--threads 1`, the text output `cmtune decode FILE > /dev/null` and `--stats`, `tcpdump -r FILE -w /dev/null`, "
    f"`tshark -r FILE {' '.join(TSHARK_FIELDS)}` into a pipe the script reads to count its messages "
    f"(tshark {opts.tshark_runs} run(s), slow; "
    f"cmtune and tcpdump {opts.runs}); all interleaved after one untimed run of each but tshark (page cache); files in "
    f"the page cache; process time = user + sys and peak RSS = ru_maxrss of the child alone (wait4); p90 nearest-rank; "
    f"ratios of medians",
]
tables = table + "\n\n" + goals

# 4. Where cmtune's time goes.
def reading_thread_share(data):
    """The reading thread's own work in the profile: its samples outside the shards' decoding
    (which it helps with when the rounds pile up). No number of cores makes the wall time
    shorter than that, so it says how far the sharding can go."""
    script = subprocess.run(["perf", "script", "-i", data, "-F", "tid,ip,sym"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL).stdout.decode(errors="replace")
    samples, tid, decoding = [], None, False
    for line in script.splitlines() + [""]:
        if not line.strip():
            if tid is not None:
                samples.append((tid, decoding))
            tid, decoding = None, False
        elif tid is None:
            tid = line.split()[0]
        elif "DecodeShard" in line:
            decoding = True
    if not samples:
        return ""
    reader = min(samples, key=lambda sample: int(sample[0]))[0]   # the main thread: the lowest id
    own = sum(1 for t, d in samples if t == reader and not d) / len(samples)
    seconds = own * med["cmtune"] / 1000
    return (f"\n\nThe reading thread's own work (its samples outside `DecodeShard.decode`): {own * 100:.0f} % of the "
            f"samples, about {seconds:.2f} s of the {med['cmtune'] / 1000:.2f} s median process time, "
            f"{seconds / (medw['tcpdump'] / 1000):.1f}x tcpdump's wall time: no number of cores brings the wall time under that.")


if opts.profile:
    if not shutil.which("perf"):
        log("perf not found: no profile")
    else:
        data = "bench/out/decode.perf.data"
        p = subprocess.run(["perf", "record", "-F", "999", "-g", "-o", data, "--"] + decode_argv(main_file),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if p.returncode != 0:
            log("perf record failed: " + p.stderr.decode(errors="replace")[-2000:])
        else:
            rep = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "symbol", "--stdio", "-g", "none",
                                  "--percent-limit", "0.7"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode(errors="replace")
            demangle = shutil.which("swift-demangle") or shutil.which("swift")
            if demangle:
                argv = [demangle, "--simplified", "--compact"] if demangle.endswith("swift-demangle") else [demangle, "demangle", "--simplified"]
                rep = subprocess.run(argv, input=rep.encode(), stdout=subprocess.PIPE).stdout.decode(errors="replace")
            top = [re.sub(r"(\s+-)*\s*$", "", l) for l in rep.splitlines() if l.strip() and not l.startswith("#")][:25]
            prof = (f"\n\nProfile of one `cmtune decode {short(main_file)} --json > /dev/null` "
                    f"(`perf record -F 999 -g`, self time, top symbols ≥ 0.7 %):\n\n```\n" + "\n".join(top) + "\n```")
            tables += prof + reading_thread_share(data)

benchlib.report("cmtune decode against tshark and tcpdump", f"cmtune decode on {short(main_file)}", notes, tables, opts.record)
PY
