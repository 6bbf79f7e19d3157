#!/usr/bin/env python3
"""Side by side: `cmtune decode FILE --json` of two builds and `tcpdump -r FILE -w /dev/null`,
interleaved after one untimed run of each (page cache), medians of wall and process time
(user + sys of the child, wait4). For a change that must keep decode's speed (issue 21), when
bench/decode.sh's full record is too long for the machine at hand.

    bench/decode-ab.py BEFORE-BINARY AFTER-BINARY FILE [-n RUNS]
"""
import os, statistics, subprocess, sys, time

args = sys.argv[1:]
runs = 5
if "-n" in args:
    i = args.index("-n"); runs = int(args[i + 1]); del args[i:i + 2]
if len(args) != 3:
    sys.exit(__doc__)
before, after, capture = args
commands = {
    "before": [before, "decode", capture, "--json"],
    "after": [after, "decode", capture, "--json"],
    "tcpdump": ["tcpdump", "-r", capture, "-w", "/dev/null"],
}
wall = {k: [] for k in commands}
process = {k: [] for k in commands}
for command in commands.values():
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
for _ in range(runs):
    for name, command in commands.items():
        start = time.monotonic()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        if status != 0:
            sys.exit(f"{' '.join(command)} failed: status {status}")
        wall[name].append(time.monotonic() - start)
        process[name].append(usage.ru_utime + usage.ru_stime)
print("| command | wall median s | process median s |\n|---|---:|---:|")
for name in commands:
    print(f"| {name} | {statistics.median(wall[name]):.3f} | {statistics.median(process[name]):.3f} |")
median = {name: statistics.median(values) for name, values in wall.items()}
print(f"\nafter / tcpdump {median['after'] / median['tcpdump']:.2f}, before / tcpdump "
      f"{median['before'] / median['tcpdump']:.2f}, after / before {median['after'] / median['before']:.3f}")
