#!/usr/bin/env bash
# Capture real MQTT traffic between mosquitto and its command-line clients into a pcap file for
# bench/decode.sh. See bench/README.md.
#
#   bench/make-mqtt-capture.sh OUT.pcap [--messages 1000000] [--publishers 4] [--seed 1]
#                              [--max-seconds 1800] [--tshark-count] [--force]
#
#   --messages N       keep the traffic going until the broker has counted at least N MQTT
#                      messages (default 1000000); the capture is then checked to hold N
#   --publishers P     publishers running at the same time (default 4)
#   --seed S           seed for topics, QoS, versions and payloads (default 1); the timing of
#                      real traffic is not reproducible, the mix is
#   --max-seconds S    give up when N is not reached after S seconds (default 1800)
#   --tshark-count     also count the messages with tshark (on a million messages of this
#                      traffic that takes tshark 4.0 about half an hour: see bench/README.md)
#   --force            capture again even if OUT.pcap was made with the same options
#
# mosquitto runs in a network namespace of its own, joined by a veth pair (offloads off, so
# segments are wire-sized) to a client namespace; tcpdump captures `tcp port 1883` on the
# broker's end. Three long-lived mosquitto_sub (MQTT 3.1.1 QoS 0 and QoS 1, MQTT 5 QoS 1) and
# a $SYS monitor subscribe; P publishers at a time run `mosquitto_pub -l` (one PUBLISH per
# stdin line) with MQTT 3.1, 3.1.1 or 5, QoS 0 or 1, one of 1,600 topics and payloads of
# 16 B to 1 KB (text, JSON or binary). New publishers start until the broker's
# $SYS/broker/messages/{received,sent} reach N (+2 %). Then the clients stop, tcpdump stops,
# and `cmtune decode OUT --stats --json` (and tshark, with --tshark-count) count what the
# file holds. The counts, tcpdump's drop line and the options go to OUT.pcap.json; a later run
# with the same options reuses OUT.pcap. Everything it starts (namespaces, processes) is
# removed on exit, also on Ctrl-C. Needs root, mosquitto, mosquitto-clients, tcpdump,
# ethtool, and cmtune ($CMTUNE or .build/release/cmtune) for the count.
set -euo pipefail

cd "$(dirname "$0")/.."
BENCH_INVOCATION="bench/make-mqtt-capture.sh${*:+$(printf ' %q' "$@")}" exec python3 -B - "$@" <<'PY'
import json, os, random, re, shutil, signal, subprocess, sys, threading, time
sys.path.insert(0, "bench")        # not PYTHONPATH: the timed Python programs would inherit it
import benchlib
from benchlib import fail, log

benchlib.PROG = "make-mqtt-capture"
GENERATOR = 2        # bump when the traffic mix changes: older cached captures are then made again
MSGTYPES = {1: "CONNECT", 2: "CONNACK", 3: "PUBLISH", 4: "PUBACK", 5: "PUBREC", 6: "PUBREL", 7: "PUBCOMP",
            8: "SUBSCRIBE", 9: "SUBACK", 10: "UNSUBSCRIBE", 11: "UNSUBACK", 12: "PINGREQ", 13: "PINGRESP",
            14: "DISCONNECT", 15: "AUTH"}


# --- options -------------------------------------------------------------------------------------
def parse(argv):
    o = {"out": None, "messages": 1000000, "publishers": 4, "seed": 1, "max_seconds": 1800,
         "tshark_count": False, "force": False}
    numbers = {"--messages": "messages", "--publishers": "publishers", "--seed": "seed", "--max-seconds": "max_seconds"}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-h", "--help"):
            benchlib.print_help("bench/make-mqtt-capture.sh")
            sys.exit(0)
        elif a in numbers:
            if i + 1 >= len(argv) or not (argv[i + 1].isascii() and argv[i + 1].isdigit()):
                fail(f"{a} wants a whole number")
            o[numbers[a]] = int(argv[i + 1])
            i += 1
        elif a == "--tshark-count":
            o["tshark_count"] = True
        elif a == "--force":
            o["force"] = True
        elif a.startswith("-"):
            fail(f"unknown argument: {a} (try --help)")
        elif o["out"] is None:
            o["out"] = a
        else:
            fail(f"one output file only, got '{o['out']}' and '{a}'")
        i += 1
    if o["out"] is None:
        fail("usage: bench/make-mqtt-capture.sh OUT.pcap [--messages N] (try --help)")
    if o["messages"] < 1000 or o["publishers"] < 1:
        fail("--messages wants at least 1000, --publishers at least 1")
    return o


opts = parse(sys.argv[1:])
out = opts["out"]
meta_path = out + ".json"
params = {"generator": GENERATOR, "messages": opts["messages"], "publishers": opts["publishers"], "seed": opts["seed"]}

# --- reuse ---------------------------------------------------------------------------------------
if not opts["force"] and os.path.exists(out) and os.path.exists(meta_path):
    try:
        meta = json.load(open(meta_path))
    except ValueError:
        meta = {}
    if meta.get("params") == params and meta.get("bytes") == os.path.getsize(out) \
            and (meta.get("tsharkMessages") is not None or not opts["tshark_count"]):
        log(f"reusing {out} ({meta['mqttMessages']} MQTT messages in {meta['packets']} packets; "
            f"made {meta['made']}; --force to capture again)")
        sys.exit(0)

if os.geteuid() != 0:
    fail("needs root (network namespaces, tcpdump)")
for tool in ("mosquitto", "mosquitto_pub", "mosquitto_sub", "tcpdump", "ip", "ethtool") + (("tshark",) if opts["tshark_count"] else ()):
    if not shutil.which(tool):
        fail(f"{tool} not found")
cmtune = os.environ.get("CMTUNE") or os.path.join(os.getcwd(), ".build/release/cmtune")
if not os.access(cmtune, os.X_OK):
    fail(f"cmtune not found at {cmtune} (it counts the messages; build it first, or set $CMTUNE)")

# --- the bed -------------------------------------------------------------------------------------
tag = f"{os.getpid() % 100000}"
BROKER_NS, CLIENT_NS = f"cmtbench-b-{tag}", f"cmtbench-c-{tag}"
BROKER_IF, CLIENT_IF = "cmb0", "cmc0"
subnet = random.SystemRandom().randint(1, 250)
BROKER_ADDR, CLIENT_ADDR = f"10.79.{subnet}.1", f"10.79.{subnet}.2"
workdir = os.path.join(os.path.dirname(os.path.abspath(out)) or ".", f".mqtt-capture-{tag}")
tmp_pcap = out + f".part-{tag}"
started = []              # every Popen we start, stopped in cleanup()
namespaces = []


def sh(argv, check=True):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and p.returncode != 0:
        raise RuntimeError(f"`{' '.join(argv)}` exited {p.returncode}: {p.stderr.decode(errors='replace').strip()}")
    return p


def in_ns(ns, argv):
    return ["ip", "netns", "exec", ns] + argv


def stop(p, sig=signal.SIGTERM, wait=5.0):
    if p.poll() is None:
        try:
            p.send_signal(sig)
            p.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        except ProcessLookupError:
            pass


def cleanup():
    for p in reversed(started):
        if p.poll() is None:
            stop(p, signal.SIGKILL, 5)
    for ns in namespaces:
        # anything still running in our own namespaces was started by this script
        pids = sh(["ip", "netns", "pids", ns], check=False).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        sh(["ip", "netns", "delete", ns], check=False)
    shutil.rmtree(workdir, ignore_errors=True)
    if os.path.exists(tmp_pcap):
        os.unlink(tmp_pcap)


def on_signal(signum, _frame):
    raise SystemExit(f"{benchlib.PROG}: stopped by signal {signum}")

signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGHUP, on_signal)


def set_up():
    os.makedirs(workdir, exist_ok=True)
    for ns in (BROKER_NS, CLIENT_NS):
        sh(["ip", "netns", "add", ns])
        namespaces.append(ns)
    for cmd in (
        ["ip", "link", "add", BROKER_IF, "netns", BROKER_NS, "type", "veth", "peer", "name", CLIENT_IF, "netns", CLIENT_NS],
        ["ip", "-n", BROKER_NS, "addr", "add", f"{BROKER_ADDR}/24", "dev", BROKER_IF],
        ["ip", "-n", CLIENT_NS, "addr", "add", f"{CLIENT_ADDR}/24", "dev", CLIENT_IF],
        ["ip", "-n", BROKER_NS, "link", "set", BROKER_IF, "up"], ["ip", "-n", CLIENT_NS, "link", "set", CLIENT_IF, "up"],
        ["ip", "-n", BROKER_NS, "link", "set", "lo", "up"], ["ip", "-n", CLIENT_NS, "link", "set", "lo", "up"],
    ):
        sh(cmd)
    # wire-sized segments, as a mirror port would see them (not 64 KB GSO/GRO super-packets)
    for ns, dev in ((BROKER_NS, BROKER_IF), (CLIENT_NS, CLIENT_IF)):
        sh(in_ns(ns, ["ethtool", "-K", dev, "tso", "off", "gso", "off", "gro", "off"]), check=False)
    conf = os.path.join(workdir, "mosquitto.conf")
    with open(conf, "w") as f:
        f.write(f"listener 1883 {BROKER_ADDR}\nallow_anonymous true\npersistence false\nlog_dest none\n"
                "sys_interval 1\nmax_queued_messages 0\n")
    started.append(subprocess.Popen(in_ns(BROKER_NS, ["mosquitto", "-c", conf]),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    for _ in range(100):
        if sh(in_ns(CLIENT_NS, ["mosquitto_pub", "-h", BROKER_ADDR, "-t", "cmtune/ready", "-n", "-q", "0"]), check=False).returncode == 0:
            return
        time.sleep(0.1)
    raise RuntimeError("the broker did not start")


def start_tcpdump():
    """tcpdump on the broker's end; returns (process, a thread collecting its stderr, the lines)."""
    argv = in_ns(BROKER_NS, ["tcpdump", "-i", BROKER_IF, "-n", "-s", "0", "-B", "262144", "-Z", "root",
                             "-w", tmp_pcap, "tcp port 1883"])
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    started.append(p)
    lines = []
    first = p.stderr.readline()
    lines.append(first.rstrip("\n"))
    if "listening on" not in first:
        raise RuntimeError(f"tcpdump did not start: {first.strip()} {p.stderr.read().strip()}")
    t = threading.Thread(target=lambda: lines.extend(l.rstrip("\n") for l in p.stderr), daemon=True)
    t.start()
    return p, t, lines, " ".join(argv[4:])


# --- the traffic ---------------------------------------------------------------------------------
rnd = random.Random(opts["seed"])
KINDS = [("temp", 35), ("json", 25), ("blob", 25), ("log", 15)]
VERSIONS = [("mqttv311", 45), ("mqttv5", 45), ("mqttv31", 10)]
WORDS = b"alpha beta gamma delta sensor reading ok warn error retry queue link up down rx tx irq cpu core".split()


def pick(choices):
    return rnd.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def topic_for(kind):
    site = rnd.choice([f"site{i}" for i in range(8)] + ["zone-\u00fc", "r\u00e9gion-2"])
    return f"bench/{site}/dev{rnd.randrange(40)}/{kind}"


def payload(kind):
    """One stdin line for mosquitto_pub -l: 16 B to 1 KB, no newline and no NUL."""
    if kind == "temp":
        s = b'{"t":%.2f,"h":%d,"seq":%d}' % (rnd.uniform(-20, 45), rnd.randrange(100), rnd.randrange(10**6))
        return s[:48] if len(s) >= 16 else s.ljust(16, b" ")
    if kind == "json":
        n, fields = rnd.randrange(100, 700), []          # valid JSON (it goes with content-type application/json)
        while 2 + sum(len(f) + 1 for f in fields) < n:
            fields.append(b'"%s":%d' % (rnd.choice(WORDS), rnd.randrange(10**6)))
        return b"{" + b",".join(fields) + b"}"
    if kind == "blob":
        return rnd.randbytes(rnd.randrange(16, 1025)).replace(b"\n", b"\x0b").replace(b"\0", b"\x01")
    n = rnd.randrange(40, 300)
    return b" ".join(rnd.choice(WORDS) for _ in range(n // 5))[:n].ljust(16, b".")


class Count:
    """The broker's own count of MQTT messages, from $SYS/broker/messages/{received,sent}."""
    def __init__(self):
        self.received = self.sent = 0
        self.lock = threading.Lock()

    @property
    def total(self):
        with self.lock:
            return self.received + self.sent

    def follow(self, stream):
        for line in stream:
            m = re.match(r"\$SYS/broker/messages/(received|sent) (\d+)", line)
            if m:
                with self.lock:
                    setattr(self, m.group(1), int(m.group(2)))


def start_subscribers(count):
    subs = [
        ["-V", "mqttv311", "-q", "0", "-k", "10", "-i", "bench-sub-311-q0", "-t", "bench/#"],
        ["-V", "mqttv5", "-q", "1", "-k", "15", "-i", "bench-sub-5-q1", "-t", "bench/#",
         "-D", "connect", "session-expiry-interval", "0"],
        ["-V", "mqttv311", "-q", "1", "-k", "20", "-i", "bench-sub-311-q1", "-t", "bench/+/+/blob", "-t", "bench/site0/#"],
    ]
    for args in subs:
        started.append(subprocess.Popen(in_ns(CLIENT_NS, ["mosquitto_sub", "-h", BROKER_ADDR] + args),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    monitor = subprocess.Popen(in_ns(CLIENT_NS, ["mosquitto_sub", "-h", BROKER_ADDR, "-V", "mqttv5", "-k", "30",
                                                 "-i", "bench-sys-monitor", "-v",
                                                 "-t", "$SYS/broker/messages/received", "-t", "$SYS/broker/messages/sent"]),
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    started.append(monitor)
    threading.Thread(target=count.follow, args=(monitor.stdout,), daemon=True).start()


def publisher_job(lines_range):
    kind, version, qos = pick(KINDS), pick(VERSIONS), rnd.choice([0, 1])
    args = ["-V", version, "-q", str(qos), "-t", topic_for(kind), "-l", "-k", str(rnd.choice([5, 30, 60]))]
    if rnd.random() < 0.05:
        args.append("-r")
    if version == "mqttv5":
        args += ["-D", "publish", "user-property", "src", "bench"]
        if kind == "json":
            args += ["-D", "publish", "content-type", "application/json"]
        if rnd.random() < 0.5:
            args += ["-D", "publish", "message-expiry-interval", "300"]
    n = rnd.randrange(*lines_range)
    data = b"\n".join(payload(kind) for _ in range(n)) + b"\n"
    return args, n, data


def run_publisher(args, data, errors):
    p = subprocess.Popen(in_ns(CLIENT_NS, ["mosquitto_pub", "-h", BROKER_ADDR] + args),
                         stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    started.append(p)
    _, err = p.communicate(data)
    if p.returncode != 0:
        errors.append(f"mosquitto_pub {' '.join(args)} exited {p.returncode}: {err.decode(errors='replace').strip()[:300]}")


def traffic(count):
    target = opts["messages"] * 1.02
    lines_range = (max(50, opts["messages"] // 2000), max(100, opts["messages"] // 400))
    errors, running, published, jobs = [], [], 0, 0
    t0 = last = time.monotonic()
    while count.total < target:
        if errors:
            raise RuntimeError(errors[0])
        if time.monotonic() - t0 > opts["max_seconds"]:
            raise RuntimeError(f"only {count.total} messages after {opts['max_seconds']} s (--max-seconds)")
        running = [t for t in running if t.is_alive()]
        while len(running) < opts["publishers"]:
            args, n, data = publisher_job(lines_range)
            t = threading.Thread(target=run_publisher, args=(args, data, errors), daemon=True)
            t.start()
            running.append(t)
            published += n
            jobs += 1
        time.sleep(0.2)
        if time.monotonic() - last >= 10:
            last = time.monotonic()
            log(f"{count.total} MQTT messages so far ({count.total / (last - t0):.0f}/s), {jobs} publishers started")
    for t in running:
        t.join()
    if errors:
        raise RuntimeError(errors[0])
    return published, jobs, time.monotonic() - t0


def capture():
    set_up()
    tcpdump, reader, tcpdump_lines, tcpdump_cmd = start_tcpdump()
    count = Count()
    start_subscribers(count)
    time.sleep(1.0)
    published, jobs, seconds = traffic(count)
    time.sleep(2.0)                            # let the subscribers drain and the $SYS counters settle
    broker_count = count.total
    for p in started[1:]:
        if p is not tcpdump:
            stop(p, signal.SIGINT)
    time.sleep(1.0)
    stop(tcpdump, signal.SIGINT, 30)
    reader.join(10)
    return {"published": published, "publishers": jobs, "trafficSeconds": round(seconds, 1),
            "brokerCount": broker_count, "tcpdumpCommand": tcpdump_cmd, "tcpdumpStderr": tcpdump_lines}


def tcpdump_number(lines, what):
    for line in lines:
        m = re.match(rf"(\d+) packets? {what}", line)
        if m:
            return int(m.group(1))
    return None


info = None
try:
    log(f"capturing real MQTT traffic until the broker has counted {opts['messages']} messages (+2 %)")
    info = capture()
    os.replace(tmp_pcap, out + ".unchecked")
finally:
    cleanup()                      # namespaces, processes, and the partial capture if it failed

unchecked = out + ".unchecked"
dropped = tcpdump_number(info["tcpdumpStderr"], "dropped by kernel")
captured = tcpdump_number(info["tcpdumpStderr"], "captured")
log(f"tcpdump: {captured} packets captured, {dropped} dropped by kernel; counting the messages with cmtune")
p = subprocess.run([cmtune, "decode", unchecked, "--stats", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
if p.returncode != 0:
    fail(f"cmtune decode --stats --json exited {p.returncode}: {p.stderr.decode(errors='replace')[-2000:]}")
stats = json.loads(p.stdout)
messages = sum(stats["messagesByType"].values())
meta = {
    "params": params, "made": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "command": os.environ.get("BENCH_INVOCATION"),
    "bytes": os.path.getsize(unchecked), "packets": stats["packets"], "tcpSegments": stats["tcpSegments"],
    "mqttMessages": messages, "messagesByType": stats["messagesByType"], "versions": stats["versions"],
    "mqttConnections": stats["mqttConnections"], "topics": len(stats["topics"]), "durationSeconds": stats["durationSeconds"],
    "gaps": stats["gaps"], "decodeErrors": stats["decodeErrors"],
    "tcpdumpCaptured": captured, "tcpdumpDropped": dropped, **info,
    "versionsOfTools": {"mosquitto": sh(["mosquitto", "-h"], check=False).stdout.decode(errors="replace").split("\n")[0].strip(),
                        "tcpdump": sh(["tcpdump", "--version"], check=False).stdout.decode(errors="replace").split("\n")[0].strip()},
}
if messages < opts["messages"]:
    fail(f"the capture holds {messages} MQTT messages, fewer than {opts['messages']} (kept as {unchecked})")
if dropped is None or dropped > 0:
    log(f"warning: tcpdump reported {dropped} packets dropped by kernel")
if stats["gaps"] or stats["decodeErrors"]:
    log(f"warning: cmtune saw {stats['gaps']} gaps and {stats['decodeErrors']} decode errors in the capture")

if opts["tshark_count"]:
    log("counting the messages with tshark too (this takes long)")
    t0 = time.monotonic()
    p = subprocess.Popen(["tshark", "-r", unchecked, "-Y", "mqtt", "-T", "fields", "-e", "mqtt.msgtype"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    by_type = {}
    for line in p.stdout:
        for v in line.strip().split(","):
            if v:
                name = MSGTYPES.get(int(v), v)
                by_type[name] = by_type.get(name, 0) + 1
    err = p.stderr.read()
    if p.wait() != 0:
        fail(f"tshark exited {p.returncode}: {err[-2000:]}")
    meta["tsharkMessages"] = sum(by_type.values())
    meta["tsharkMessagesByType"] = by_type
    meta["tsharkCountSeconds"] = round(time.monotonic() - t0, 1)
    if meta["tsharkMessages"] != messages:
        log(f"note: tshark counts {meta['tsharkMessages']} MQTT messages, cmtune {messages}")

os.replace(unchecked, out)
with open(meta_path, "w") as f:
    json.dump(meta, f, indent=2, ensure_ascii=False)
    f.write("\n")
log(f"wrote {out}: {meta['packets']} packets ({meta['tcpSegments']} TCP segments), {messages} MQTT messages "
    f"({', '.join(f'{k} {v}' for k, v in sorted(stats['messagesByType'].items(), key=lambda kv: -kv[1]))}), "
    f"{meta['bytes'] / 1e6:.0f} MB; tcpdump dropped {dropped}"
    + (f"; tshark counts {meta['tsharkMessages']}" if opts["tshark_count"] else ""))
PY
