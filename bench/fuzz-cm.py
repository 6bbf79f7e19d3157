#!/usr/bin/env python3
"""Hostile clients against a live `cmtune cm serve`: the CM must close only the offending
connection, keep serving a clean client, keep its memory, and still exit 0 on SIGTERM.

    bench/fuzz-cm.py [--cases N] [--seed S] [--port P] [--cmtune PATH]

It starts `cmtune cm serve` on 127.0.0.1:P (a fresh secret in bench/out/fuzz/), and for each
case connects, logs in with a valid token (nine cases in ten), then sends a conversation of CMP
messages (SEND to users and rooms, DELIVER_ACK, PING, LOGOUT) mutated as a whole (bytes changed,
a hostile length or message spliced in, a run repeated, a cut, random bytes appended), in random
chunk sizes, and reads what comes back. Every 100 cases a clean client must still log in; at the
end the CM's Prometheus counters (logins, kicks by reason, messages) are printed. Python 3
standard library only.
"""

import argparse
import os
import random
import socket
import struct
import subprocess
import sys
import time
import urllib.request

HOSTILE = [
    bytes([0x30, 0xFF, 0xFF, 0xFF, 0x7F]),  # a SEND of 256 MB
    bytes([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]),  # a length over four bytes
    bytes([0x30, 0x80, 0x00]),  # a non-minimal length
    bytes([0x00, 0x00]),  # reserved type 0
    bytes([0xF0, 0x00]),  # unknown type 15
    bytes([0x10, 0x05, 0x00, 0x03]) + b"CMP",  # a second LOGIN
    bytes([0x30, 0x08, 0, 0, 0, 1, 0xFF, 0xFF, 0, 0]),  # a recipient longer than the message
    bytes([0x30, 0x0A, 0, 0, 0, 1, 0, 1, 0x61, 0x05, 0x01, 0x7F]),  # an extension block past the end
]


def varint(n):
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def string(text):
    data = text.encode()
    return struct.pack(">H", len(data)) + data


def message(kind, body, flags=0):
    return bytes([kind << 4 | flags]) + varint(len(body)) + body


class Client:
    def __init__(self, cmtune, secret, rng):
        self.cmtune, self.secret, self.rng, self.tokens = cmtune, secret, rng, {}

    def login(self, user, device):
        if user not in self.tokens:
            command = [self.cmtune, "cm", "token", "--secret-file", self.secret, "--user", user, "--ttl", "2h"]
            self.tokens[user] = subprocess.check_output(command).decode().strip()
        body = string("CMP") + bytes([1]) + struct.pack(">H", 60) + string(user) + string(device) + string(self.tokens[user]) + b"\x00"
        return message(1, body)

    def conversation(self):
        rng, out = self.rng, bytearray()
        for index in range(rng.randint(1, 40)):
            kind = rng.random()
            if kind < 0.6:
                room = rng.random() < 0.2
                recipient = f"room{rng.randrange(5)}" if room else f"fuzz{rng.randrange(50)}"
                payload = os.urandom(rng.randint(0, 300)) if rng.random() < 0.5 else b"hello"
                out += message(3, struct.pack(">I", index + 1) + string(recipient) + b"\x00" + payload, flags=1 if room else 0)
            elif kind < 0.8:
                out += message(6, struct.pack(">Q", rng.randrange(1, 1000)) + b"\x00")
            elif kind < 0.97:
                out += message(7, b"")
            else:
                out += message(10, b"\x00")
        return bytes(out)

    def mutate(self, data):
        rng, data = self.rng, bytearray(data)
        choice = rng.random()
        if choice < 0.4 and data:
            for _ in range(rng.randint(1, 10)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif choice < 0.6:
            at = rng.randrange(len(data) + 1)
            data[at:at] = rng.choice(HOSTILE)
        elif choice < 0.75 and data:
            start = rng.randrange(len(data))
            data[start:start] = data[start : start + rng.randint(1, 200)] * rng.randint(1, 5)
        elif choice < 0.9 and data:
            del data[rng.randrange(len(data)) :]
        else:
            data += os.urandom(rng.randint(1, 300))
        return bytes(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=7390)
    parser.add_argument("--cmtune", default=os.environ.get("CMTUNE", ".build/release/cmtune"))
    options = parser.parse_args()
    # Work from the repository root, like the other scripts.
    options.cmtune = os.path.abspath(options.cmtune) if os.sep in options.cmtune else options.cmtune
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    rng = random.Random(options.seed)
    os.makedirs("bench/out/fuzz", exist_ok=True)
    secret = "bench/out/fuzz/cm-secret"
    with open(secret, "wb") as file:
        file.write(os.urandom(32).hex().encode())
    client = Client(options.cmtune, secret, rng)
    metrics_port = options.port + 1
    serve = [options.cmtune, "cm", "serve", "--secret-file", secret, "--listen", f"tcp://127.0.0.1:{options.port}", "--metrics", f"127.0.0.1:{metrics_port}"]
    cm = subprocess.Popen(serve, stdout=subprocess.DEVNULL, stderr=open("bench/out/fuzz/cm-serve.log", "w"))

    def healthy():
        with socket.create_connection(("127.0.0.1", options.port), timeout=3) as probe:
            probe.sendall(client.login("probe", "p"))
            answer = probe.recv(64)
        return len(answer) > 0 and answer[0] >> 4 == 2  # LOGIN_ACK

    failures = 0
    try:
        for _ in range(50):
            try:
                if healthy():
                    break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("the CM did not start answering logins")
        for n in range(options.cases):
            data = (client.login(f"fuzz{rng.randrange(50)}", "d") if rng.random() < 0.9 else b"") + client.mutate(client.conversation())
            try:
                with socket.create_connection(("127.0.0.1", options.port), timeout=2) as connection:
                    connection.settimeout(0.2)
                    offset = 0
                    while offset < len(data):
                        size = rng.randint(1, 1500)
                        connection.sendall(data[offset : offset + size])
                        offset += size
                    try:
                        while connection.recv(65536):
                            pass
                    except (socket.timeout, ConnectionResetError):
                        pass
            except (ConnectionResetError, BrokenPipeError, socket.timeout):
                pass  # the CM closed a hostile connection while it was still sending
            if cm.poll() is not None:
                print(f"case {n}: the CM exited with status {cm.returncode}")
                failures += 1
                break
            if n % 100 == 99:
                rss = int(open(f"/proc/{cm.pid}/status").read().split("VmRSS:")[1].split()[0]) // 1024
                ok = healthy()
                failures += 0 if ok else 1
                print(f"{n + 1} cases: a clean client {'logs in' if ok else 'FAILS to log in'}, CM RSS {rss} MB", file=sys.stderr, flush=True)
        if cm.poll() is None:
            counters = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read().decode()
            totals = {}
            for line in counters.splitlines():
                if line.startswith(("cm_logins_total", "cm_kicks_total", "cm_messages_received_total", "cm_decode_errors_total")):
                    name = line.split("{")[0] + "{" + ",".join(p for p in line.split("{")[1].split("}")[0].split(",") if not p.startswith("loop=")) + "}"
                    totals[name] = totals.get(name, 0) + float(line.rsplit(" ", 1)[1])
            for name, value in sorted(totals.items()):
                if value > 0:
                    print(f"  {name} {int(value)}")
    finally:
        if cm.poll() is None:
            cm.terminate()
            try:
                status = cm.wait(timeout=15)
            except subprocess.TimeoutExpired:
                cm.kill()
                status = "killed after 15 s"
            if status != 0:
                failures += 1
            print(f"the CM's exit status after SIGTERM: {status}")
    print(f"{options.cases} cases, {failures} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
