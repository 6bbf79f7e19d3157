#!/usr/bin/env python3
"""Mutated captures through `cmtune decode`: it must end with status 0 (read to the end) or 1 (a
damaged file named on stderr), never a crash, whatever the bytes.

    bench/fuzz-decode.py [--cases N] [--seed S] [--cmtune PATH] [--reference PATH] CAPTURE.pcap...

Each case takes one of the captures (classic pcap; `editcap -F pcap` converts pcapng), mutates it
(bytes of a few packets past their headers, a hostile MQTT or WebSocket sequence spliced into a payload,
records dropped, duplicated or swapped, random bytes anywhere, a 32-bit field set to an extreme,
a cut), and runs `cmtune decode CASE --json` (on a thread per CPU) and `--json --threads 1`
(whose lines must be the same), `--stats` and `--stats --threads 1` (the same report). With
`--reference OTHER-CMTUNE` (a build of an earlier commit, to check that a change kept the output),
the text output runs too and every mode's output and status must equal the other build's. A failing case is kept as
bench/out/fuzz/decode-N-MODE.pcap. Python 3 standard library only.
"""

import argparse
import os
import random
import struct
import subprocess
import sys
import tempfile
import time

HOSTILE = [
    bytes([0x30, 0xFF, 0xFF, 0xFF, 0x7F]),  # remaining length 256 MB
    bytes([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]),  # remaining length over four bytes
    bytes([0x10, 0x80, 0x00]),  # non-minimal length
    bytes([0x30, 0x10, 0x00, 0x00]) + b"\x26" * 14,  # a property bomb's shape
    bytes([0xE0, 0x05, 0x00, 0x03, 0x26, 0x00, 0x00]),
    bytes([0x10, 0x20, 0x00, 0x04]) + b"MQTT\x05\x02\x00\x3c\xff\xff\xff\x7f",  # MQTT 5 CONNECT, huge properties
    bytes([0x82, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4]),  # WebSocket frame of 2^63 bytes
    bytes([0x08, 0x02, 0x03, 0xE8]),  # a fragmented WebSocket CLOSE
    bytes([0x89, 0x7E, 0x00, 0xC8]) + b"A" * 200,  # a WebSocket PING of 200 bytes
    b"HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Protocol: cmp\r\n\r\n",  # a second handshake
    b"GET / HTTP/1.1\r\nUpgrade: websocket\r\n" + b"X" * 20000,  # a head that never ends
]
EXTREMES = [0, 1, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 0x10000000]


def records(data):
    """The file header and the records of a little-endian classic pcap."""
    out, offset = [], 24
    while offset + 16 <= len(data):
        length = struct.unpack_from("<I", data, offset + 8)[0]
        out.append(data[offset : offset + 16 + length])
        offset += 16 + length
    return data[:24], out


def mutate(data, rng):
    header, recs = records(data)
    choice = rng.random()
    if choice < 0.5 and recs:
        recs = list(recs)
        if choice < 0.35:  # payload bytes of a few packets (past Ethernet, IP and TCP headers)
            for _ in range(rng.randint(1, 8)):
                i = rng.randrange(len(recs))
                record = bytearray(recs[i])
                if len(record) > 16 + 60:
                    for _ in range(rng.randint(1, 6)):
                        record[rng.randrange(16 + 54, len(record))] = rng.randrange(256)
                recs[i] = bytes(record)
        else:  # a hostile MQTT sequence over a payload, the record keeping its length
            i = rng.randrange(len(recs))
            record = bytearray(recs[i])
            if len(record) > 16 + 60:
                at = rng.randrange(16 + 54, len(record))
                bomb = rng.choice(HOSTILE)
                record[at : at + len(bomb)] = bomb
                del record[len(recs[i]) :]
            recs[i] = bytes(record)
        return header + b"".join(recs)
    if choice < 0.65 and recs:  # records dropped, duplicated, swapped
        recs = list(recs)
        for _ in range(rng.randint(1, 20)):
            if not recs:
                break
            op, i = rng.random(), rng.randrange(len(recs))
            if op < 0.33:
                del recs[i]
            elif op < 0.66:
                recs.insert(i, recs[rng.randrange(len(recs))])
            else:
                j = rng.randrange(len(recs))
                recs[i], recs[j] = recs[j], recs[i]
        return header + b"".join(recs)
    data = bytearray(data)
    if choice < 0.8:  # any bytes, headers included
        for _ in range(rng.randint(1, 30)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif choice < 0.92:  # a 32-bit field (a length, a time) set to an extreme
        for _ in range(rng.randint(1, 4)):
            struct.pack_into("<I", data, rng.randrange(max(1, len(data) - 4)), rng.choice(EXTREMES))
    else:  # cut short
        del data[rng.randrange(len(data)) :]
    return bytes(data)


# Runs a command from a small, fresh interpreter and writes its exit code and peak RSS (KiB)
# to the file named first. A child's ru_maxrss starts from its parent's resident size at the
# fork (Linux keeps the high-water mark across exec), and this script holds the seed captures
# and their mutations: forked from here, every run would report this script's size.
LAUNCHER = r"""
import os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execv(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as report:
    report.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}")
"""


def run_measured(argv, timeout):
    """Runs argv; returns (status, stdout, stderr text, peak RSS in KiB) of that command alone."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as report:
        process = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", LAUNCHER, report.name] + argv, stdout=out, stderr=err,
            start_new_session=True)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
            raise
        status, rss = (int(field) for field in report.read().split())
        out.seek(0)
        err.seek(0)
        return status, out.read(), err.read().decode(errors="replace"), rss


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("captures", nargs="+")
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cmtune", default=os.environ.get("CMTUNE", ".build/release/cmtune"))
    parser.add_argument("--reference", help="another cmtune whose output must be the same")
    options = parser.parse_args()
    # Paths as the caller gave them; then work from the repository root, like the other scripts.
    captures = [os.path.abspath(path) for path in options.captures]
    options.cmtune = os.path.abspath(options.cmtune) if os.sep in options.cmtune else options.cmtune
    if options.reference:
        options.reference = os.path.abspath(options.reference)
    modes = ("--json", "--json --threads 1", "--stats", "--stats --threads 1") + (("",) if options.reference else ())
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    rng = random.Random(options.seed)
    seeds = [open(path, "rb").read() for path in captures]
    os.makedirs("bench/out/fuzz", exist_ok=True)
    case_path = "bench/out/fuzz/case.pcap"
    failures, slowest, peak = 0, 0.0, 0
    for n in range(options.cases):
        case = mutate(rng.choice(seeds), rng)
        open(case_path, "wb").write(case)
        lines = {}
        for mode in modes:
            start = time.time()
            try:
                status, output, error, rss = run_measured([options.cmtune, "decode", case_path] + mode.split(), timeout=60)
                lines[mode] = output
                peak = max(peak, rss)
            except subprocess.TimeoutExpired:
                status, error = "timeout", ""
            slowest = max(slowest, time.time() - start)
            if mode.endswith(" --threads 1") and status in (0, 1) and lines.get(mode.split()[0]) != lines.get(mode):
                status, error = "output differs from the decode on several threads", ""
            if options.reference and status in (0, 1):
                other = subprocess.run([options.reference, "decode", case_path] + mode.split(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
                if (other.returncode, other.stdout) != (status, lines[mode]):
                    status, error = f"output differs from {options.reference}'s (status {other.returncode})", ""
            if status not in (0, 1) or (status == 1 and not error.strip()):
                failures += 1
                kept = f"bench/out/fuzz/decode-{n}-{mode[2:].replace(' --', '-').replace(' ', '') or 'text'}.pcap"
                open(kept, "wb").write(case)
                print(f"case {n} {mode}: status {status}: {error.strip()[:300]} (kept as {kept})", flush=True)
        if n % 200 == 0:
            print(f"{n} cases, {failures} failures", file=sys.stderr, flush=True)
    peak //= 1024
    print(f"{options.cases} cases, {failures} failures, slowest run {slowest:.2f} s, largest peak RSS {peak} MB")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
