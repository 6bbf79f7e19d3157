#!/usr/bin/env python3
"""Write a fake /proc + /sys tree of a large x86 host for `cmtune ... --root DIR`.

    make-large-host.py OUTDIR [--cpus 256] [--queues 64] [--eth0-queues N] [--nodes 2] [--seed 1]

The tree imitates a two-socket Intel server running a 6.x kernel with interrupt
remapping on: one NUMA node per package, SMT-2 with siblings N and N + cpus/2,
~45 ordinary IRQs (legacy IO-APIC, DMAR, PCIe port services, xhci, ahci, ioatdma,
nvme), and two NICs with one IRQ per queue plus a control vector:

  eth0  ixgbe      0000:3b:00.0 (node 0)  eth0-TxRx-<n> ... , eth0
  eth1  mlx5_core  0000:af:00.0 (node 1)  mlx5_async0@pci:0000:af:00.0,
                                          mlx5_comp<n>@pci:0000:af:00.0 ...

NIC queue IRQs are pinned one per CPU of the NIC's node (physical cores first).
--eth0-queues gives eth0 its own queue count (default: --queues), for a host
with tens of thousands of IRQs on one interface; the IRQ column then widens as
the kernel's does when sparse IRQs push nr_irqs up.
Formats follow the kernel: /proc/interrupts as kernel/irq/proc.c and
arch/x86/kernel/irq.c print it (column width from nr_irqs), masks as "%*pb"
(32-bit comma groups, width = possible CPUs), lists as "%*pbl", every sysfs file
ends in "\\n", symlinks are relative exactly as sysfs makes them. The counters a sampler
rereads are there too: /proc/stat (cpu and cpuN tick lines, intr, ctxt, btime, processes,
procs_running, procs_blocked, softirq), /proc/softirqs, /proc/net/softnet_stat (15 hex
columns, 6.x), /proc/uptime and every interface's statistics/. Attributes whose
read fails on a real kernel (lo's speed, a single-queue device's xps_cpus, ...)
are left out, so reading them fails with ENOENT here too.

Counts are pseudo-random but deterministic for a given --seed. Python 3 standard
library only. OUTDIR is built beside itself and then renamed into place; an existing
OUTDIR is replaced only if an earlier run of this script made it.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sys

MARKER = ".cmtune-fake-host"

# --------------------------------------------------------------------------- formats


def cpumask(cpus, nbits: int) -> str:
    """Kernel "%*pb": hex, a comma every 32 bits, first group as wide as its bits need."""
    value = 0
    for c in cpus:
        if c >= nbits:
            raise ValueError(f"cpu {c} outside a {nbits}-bit mask")
        value |= 1 << c
    chunk = nbits % 32 or 32
    groups = []
    shift = ((nbits + 31) // 32 - 1) * 32
    while shift >= 0:
        groups.append(f"{(value >> shift) & ((1 << chunk) - 1):0{(chunk + 3) // 4}x}")
        shift -= 32
        chunk = 32
    return ",".join(groups)


def cpulist(cpus) -> str:
    """Kernel "%*pbl": ascending ranges, "" when empty."""
    out, run = [], []
    for c in sorted(set(cpus)):
        if run and c == run[-1] + 1:
            run.append(c)
            continue
        if run:
            out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else f"{run[0]}")
        run = [c]
    if run:
        out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else f"{run[0]}")
    return ",".join(out)


def irq_prec(nr_irqs: int) -> int:
    """Width of the IRQ-number column: kernel/irq/proc.c show_interrupts()."""
    prec, j = 3, 1000
    while prec < 10 and j <= nr_irqs:
        prec += 1
        j *= 10
    return prec


def x86_nr_irqs(cpus: int, gsi_top: int) -> int:
    """arch/x86/kernel/apic/vector.c arch_probe_nr_irqs() with CONFIG_PCI_MSI."""
    nr = gsi_top + 16 + 8 * cpus
    nr += 8 * cpus if gsi_top <= 16 else gsi_top * 16
    return min(nr, 256 * cpus)


def interrupts_header(prec: int, cpus) -> str:
    """First line of /proc/interrupts: "%*s" of prec + 8, then "CPU%-8d" per online CPU."""
    return " " * (prec + 8) + "".join(f"CPU{c:<8d}" for c in cpus)


def irq_row(prec: int, number: int, counts, chip: str, hwirq: int, flow: str, actions) -> str:
    """A numbered /proc/interrupts line as a 6.x kernel prints it (no trailing newline)."""
    return (f"{number:>{prec}d}:" + "".join(f" {c:>10d}" for c in counts)
            + f" {chip:>8s} {hwirq:>{prec}d}-{flow:<8s}  " + ", ".join(actions))


def stat_row(prec: int, name: str, counts, desc: str | None = None) -> str:
    """An arch row (NMI, LOC, ...): per-CPU counts and a description; ERR/MIS have one count and none."""
    return f"{name:>{prec}s}:" + "".join(f" {c:>10d}" for c in counts) + (f"   {desc}" if desc else "")


# --------------------------------------------------------------------------- model


class Irq:
    def __init__(self, number, chip, hwirq, flow, actions, *, node, affinity,
                 effective, hint=(), pci=None, msi=None):
        self.number = number
        self.chip = chip          # "IR-IO-APIC", "DMAR-MSI", "IR-PCI-MSIX-0000:3b:00.0", ...
        self.hwirq = hwirq
        self.flow = flow          # "edge" / "fasteoi"
        self.actions = actions    # request_irq() names, shared IRQs have several
        self.node = node
        self.affinity = sorted(affinity)
        self.effective = sorted(effective)
        self.hint = sorted(hint)
        self.pci = pci            # PCI address of the device, for msi_irqs
        self.msi = msi            # "msi" / "msix" / None
        self.counts: list[int] = []


class PciDev:
    def __init__(self, addr, root_bus, parent, vendor, device, cls, driver, node, *,
                 subsys=None, revision=0x00, intx=0):
        self.addr = addr
        self.root_bus = root_bus  # "pci0000:3a"
        self.parent = parent      # upstream port's address or None
        self.vendor, self.device, self.cls = vendor, device, cls
        self.subsys = subsys or (vendor, device)
        self.revision = revision
        self.driver = driver
        self.node = node
        self.intx = intx
        self.msi_irqs: list[tuple[int, str]] = []

    def path(self, devs) -> str:
        chain, cur = [], self
        while cur is not None:
            chain.append(cur.addr)
            cur = devs[cur.parent] if cur.parent else None
        return "/".join(["sys/devices", self.root_bus] + list(reversed(chain)))


class Host:
    def __init__(self, cpus: int, queues: int, nodes: int, seed: int, eth0_queues: int | None = None):
        if nodes < 1 or cpus < 2 * nodes or cpus % (2 * nodes):
            raise SystemExit(f"--cpus ({cpus}) must be a positive multiple of 2 x --nodes ({nodes})")
        if queues < 1:
            raise SystemExit("--queues must be at least 1")
        self.cpus, self.queues, self.nodes = cpus, queues, nodes
        self.eth0_queues = queues if eth0_queues is None else eth0_queues
        if self.eth0_queues < 1:
            raise SystemExit("--eth0-queues must be at least 1")
        self.rng = random.Random(seed)
        # The counter files (/proc/stat, softnet_stat, uptime) draw from their own generator so
        # adding them left every other file byte-for-byte as before.
        self.counter_rng = random.Random(f"{seed}/counters")
        self.all = list(range(cpus))
        half = cpus // 2                      # SMT-2: cpu N and N + half are siblings
        per = half // nodes                   # physical cores per package (= node)
        self.half, self.cores_per_pkg = half, per
        self.node_cpus = [list(range(k * per, (k + 1) * per)) + list(range(half + k * per, half + (k + 1) * per))
                          for k in range(nodes)]
        self.gsi_top = 72                     # IO-APIC 0 (24 pins) + 6 per-stack IO-APICs of 8
        self.nr_irqs = x86_nr_irqs(cpus, self.gsi_top)
        self.prec = irq_prec(self.nr_irqs)
        self.irqs: list[Irq] = []
        self.devs: dict[str, PciDev] = {}
        self.next_irq = self.gsi_top          # dynamic IRQs start above the GSIs
        self.arch_counts: dict[str, list[int]] = {}   # /proc/interrupts arch rows, filled by write_proc
        self.softirqs: dict[str, list[int]] = {}      # /proc/softirqs rows, filled by write_proc

    def node_of_cpu(self, c: int) -> int:
        return (c % self.half) // self.cores_per_pkg

    def pick(self, cpus) -> int:
        return self.rng.choice(list(cpus))

    def dev(self, d: PciDev) -> PciDev:
        self.devs[d.addr] = d
        return d

    def add(self, irq: Irq) -> Irq:
        self.irqs.append(irq)
        return irq

    def dyn(self) -> int:
        n = self.next_irq
        self.next_irq += 1
        return n

    def msi(self, dev: PciDev, kind: str, index: int, actions, *, affinity=None,
            effective=None, hint=()) -> Irq:
        affinity = self.all if affinity is None else affinity
        effective = [self.pick(affinity)] if effective is None else effective
        chip = f"IR-PCI-{'MSIX' if kind == 'msix' else 'MSI'}-{dev.addr}"
        irq = self.add(Irq(self.dyn(), chip, index, "edge", actions, node=dev.node,
                           affinity=affinity, effective=effective, hint=hint, pci=dev.addr, msi=kind))
        dev.msi_irqs.append((irq.number, kind))
        return irq

    # The machine -------------------------------------------------------------

    def build(self):
        n1 = min(1, self.nodes - 1)           # second socket, or node 0 on a one-node host
        rp = (0x8086, 0x2030, 0x060400, "pcieport")

        # Legacy and PCH interrupts on IO-APIC 0 (fixed GSIs).
        for number, hw, flow, name in [(0, 2, "edge", "timer"), (1, 1, "edge", "i8042"),
                                       (4, 4, "edge", "ttyS0"), (8, 8, "edge", "rtc0"),
                                       (9, 9, "fasteoi", "acpi"), (12, 12, "edge", "i8042"),
                                       (16, 16, "fasteoi", "i801_smbus")]:
            self.add(Irq(number, "IR-IO-APIC", hw, flow, [name], node=0, affinity=self.all,
                         effective=[0] if name == "timer" else [self.pick(self.all)]))
        self.dev(PciDev("0000:00:1f.4", "pci0000:00", None, 0x8086, 0xa1a3, 0x0c0500, "i801_smbus", 0,
                        revision=0x09, intx=16))

        # Remapping units, one per IIO stack that has one.
        for i, node in enumerate([0, 0, n1, n1]):
            self.add(Irq(self.dyn(), "DMAR-MSI", i, "edge", [f"dmar{i}"], node=node,
                         affinity=self.all, effective=[self.pick(self.node_cpus[node])]))

        # PCIe port services (shared: several actions on one vector).
        ports = {
            "0000:00:1c.0": PciDev("0000:00:1c.0", "pci0000:00", None, 0x8086, 0xa190, 0x060400, "pcieport", 0, revision=0xf9),
            "0000:3a:00.0": PciDev("0000:3a:00.0", "pci0000:3a", None, *rp, 0, revision=0x04),
            "0000:5d:00.0": PciDev("0000:5d:00.0", "pci0000:5d", None, *rp, 0, revision=0x04),
            "0000:ae:00.0": PciDev("0000:ae:00.0", "pci0000:ae", None, *rp, n1, revision=0x04),
        }
        for addr, port in ports.items():
            self.dev(port)
            self.msi(port, "msi", 0, ["PCIe PME"] if addr.startswith("0000:00") else ["PCIe PME", "aerdrv"])

        xhci = self.dev(PciDev("0000:00:14.0", "pci0000:00", None, 0x8086, 0xa1af, 0x0c0330, "xhci_hcd", 0, revision=0x09))
        self.msi(xhci, "msi", 0, ["xhci_hcd"])
        mei = self.dev(PciDev("0000:00:16.0", "pci0000:00", None, 0x8086, 0xa1ba, 0x078000, "mei_me", 0, revision=0x09))
        ahci = self.dev(PciDev("0000:00:17.0", "pci0000:00", None, 0x8086, 0xa182, 0x010601, "ahci", 0, revision=0x09))
        self.msi(ahci, "msi", 0, ["ahci[0000:00:17.0]"])
        self.msi(mei, "msi", 0, ["mei_me"])
        for fn in range(8):
            ioat = self.dev(PciDev(f"0000:00:04.{fn}", "pci0000:00", None, 0x8086, 0x2021, 0x088000, "ioatdma", 0, revision=0x04))
            self.msi(ioat, "msix", 0, ["ioat-msix"])

        # NVMe: admin queue on all CPUs, up to 16 managed I/O queues spread over all CPUs.
        nvme = self.dev(PciDev("0000:5e:00.0", "pci0000:5d", "0000:5d:00.0", 0x8086, 0x0a54, 0x010802, "nvme", 0,
                               subsys=(0x8086, 0x4802)))
        self.msi(nvme, "msix", 0, ["nvme0q0"])
        for q, group in enumerate(self.spread(min(16, self.half)), start=1):
            self.msi(nvme, "msix", q, [f"nvme0q{q}"], affinity=group, effective=[group[0]])

        # eth0: ixgbe on node 0. TxRx vectors first, then the link vector named after the netdev.
        eth0 = self.dev(PciDev("0000:3b:00.0", "pci0000:3a", "0000:3a:00.0", 0x8086, 0x10fb, 0x020000, "ixgbe", 0,
                               subsys=(0x8086, 0x0003), revision=0x01, intx=38))
        self.nic0 = [self.msi(eth0, "msix", q, [f"eth0-TxRx-{q}"], affinity=[c], effective=[c], hint=[c])
                     for q, c in enumerate(self.local_spread(0, self.eth0_queues))]
        self.msi(eth0, "msix", self.eth0_queues, ["eth0"])

        # eth1: mlx5 on the second node. Async (control) vector first, then completion vectors.
        eth1 = self.dev(PciDev("0000:af:00.0", "pci0000:ae", "0000:ae:00.0", 0x15b3, 0x1017, 0x020000, "mlx5_core", n1,
                               subsys=(0x15b3, 0x0007), intx=64))
        self.msi(eth1, "msix", 0, ["mlx5_async0@pci:0000:af:00.0"], effective=[self.pick(self.node_cpus[n1])])
        self.nic1 = [self.msi(eth1, "msix", q + 1, [f"mlx5_comp{q}@pci:0000:af:00.0"], affinity=[c], effective=[c], hint=[c])
                     for q, c in enumerate(self.local_spread(n1, self.queues))]

        self.nics = [
            dict(name="eth0", dev=eth0, ifindex=2, mac="a0:36:9f:3b:00:00", speed=10000, irqs=self.nic0,
                 queues=self.eth0_queues),
            dict(name="eth1", dev=eth1, ifindex=3, mac="b8:59:9f:af:00:00", speed=100000, irqs=self.nic1,
                 queues=self.queues),
        ]
        # Sparse IRQs raise nr_irqs past the boot-time estimate when vectors run out
        # (kernel/irq/irqdesc.c irq_expand_nr_irqs); the column width follows.
        self.nr_irqs = max(self.nr_irqs, self.next_irq)
        self.prec = irq_prec(self.nr_irqs)
        self.fill_counts()

    def local_spread(self, node: int, queues: int) -> list[int]:
        """One CPU per queue on the NIC's node, physical cores before their siblings."""
        local = self.node_cpus[node]
        return [local[q % len(local)] for q in range(queues)]

    def spread(self, vectors: int) -> list[list[int]]:
        """Managed-IRQ spreading (lib/group_cpus.c): per node, siblings kept together."""
        groups = []
        per_node = max(1, vectors // self.nodes)
        for node in range(self.nodes):
            cores = self.node_cpus[node][: self.cores_per_pkg]
            n = per_node if node < self.nodes - 1 else vectors - per_node * (self.nodes - 1)
            for g in range(n):
                lo, hi = g * len(cores) // n, (g + 1) * len(cores) // n
                groups.append(sorted(cores[lo:hi] + [c + self.half for c in cores[lo:hi]]))
        return groups

    def fill_counts(self):
        r = self.rng
        for irq in self.irqs:
            counts = [0] * self.cpus
            if irq.actions == ["timer"]:
                counts[0] = r.randint(20, 60)
            elif irq.hint:                                  # pinned NIC queue: busy on its CPU
                counts[irq.effective[0]] = r.randint(10**6, 4 * 10**9)
                if r.random() < 0.3:                        # a few hits from before it was pinned
                    counts[r.randrange(self.cpus)] += r.randint(1, 5000)
            elif irq.actions[0].startswith(("i8042", "rtc0", "acpi", "ttyS", "PCIe", "dmar", "mei", "i801")):
                counts[irq.effective[0]] = r.choice([0, 0, r.randint(1, 200)])   # all but idle
            else:
                counts[irq.effective[0]] = r.randint(0, 10**7)
                for _ in range(r.randint(0, 3)):            # moved by irqbalance now and then
                    counts[r.randrange(self.cpus)] += r.randint(1, 10**5)
            irq.counts = counts


# --------------------------------------------------------------------------- writer


class Tree:
    def __init__(self, root: str):
        self.root = root
        self.files = 0
        self.links = 0

    def _p(self, rel: str) -> str:
        return os.path.join(self.root, rel)

    def mkdir(self, rel: str):
        os.makedirs(self._p(rel), exist_ok=True)

    def raw(self, rel: str, text: str):
        path = self._p(rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="ascii", newline="") as f:
            f.write(text)
        self.files += 1

    def put(self, rel: str, value=""):
        """One sysfs/procfs attribute: its value and a newline."""
        self.raw(rel, f"{value}\n")

    def link(self, rel: str, target_rel: str):
        """Relative symlink at `rel` to `target_rel` (both relative to the root), as sysfs makes it."""
        path = self._p(rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.symlink(sysfs_relative(os.path.dirname(rel), target_rel), path)
        self.links += 1


def sysfs_relative(link_dir: str, target: str) -> str:
    """The link text kernfs writes (fs/kernfs/symlink.c kernfs_get_target_path): climb from the
    link's directory to the first ancestor of the target's *parent*, then descend. So a link to an
    ancestor reads "../../../0000:3b:00.0", not "../..", just as /sys/class/net/eth0/device does."""
    def within(d: str, base: str) -> bool:
        return base == "" or d == base or d.startswith(base + "/")
    base, ups = link_dir, 0
    parent = os.path.dirname(target)
    while not within(parent, base):
        base, ups = os.path.dirname(base), ups + 1
    return "../" * ups + (target[len(base) + 1:] if base else target)


def write_proc(t: Tree, h: Host):
    prec, n = h.prec, h.cpus
    lines = [interrupts_header(prec, range(n))]
    for irq in sorted(h.irqs, key=lambda i: i.number):
        lines.append(irq_row(prec, irq.number, irq.counts, irq.chip, irq.hwirq, irq.flow, irq.actions))
    r = h.rng
    per_cpu = lambda lo, hi: [r.randint(lo, hi) for _ in range(n)]
    zeros = [0] * n
    for name, counts, desc in [
        ("NMI", per_cpu(50, 400), "Non-maskable interrupts"),
        ("LOC", per_cpu(10**6, 10**9), "Local timer interrupts"),
        ("SPU", zeros, "Spurious interrupts"),
        ("PMI", per_cpu(50, 400), "Performance monitoring interrupts"),
        ("IWI", per_cpu(0, 10**5), "IRQ work interrupts"),
        ("RTR", zeros, "APIC ICR read retries"),
        ("RES", per_cpu(10**4, 10**7), "Rescheduling interrupts"),
        ("CAL", per_cpu(10**4, 10**7), "Function call interrupts"),
        ("TLB", per_cpu(10**3, 10**6), "TLB shootdowns"),
        ("TRM", zeros, "Thermal event interrupts"),
        ("THR", zeros, "Threshold APIC interrupts"),
        ("DFR", zeros, "Deferred Error APIC interrupts"),
        ("MCE", zeros, "Machine check exceptions"),
        ("MCP", per_cpu(500, 3000), "Machine check polls"),
    ]:
        lines.append(stat_row(prec, name, counts, desc))
        h.arch_counts[name] = counts                 # kept for the "intr" total of /proc/stat
    lines.append(stat_row(prec, "ERR", [0]))
    lines.append(stat_row(prec, "MIS", [0]))
    for name, desc in [("PIN", "Posted-interrupt notification event"),
                       ("NPI", "Nested posted-interrupt event"),
                       ("PIW", "Posted-interrupt wakeup event")]:
        lines.append(stat_row(prec, name, zeros, desc))
    t.raw("proc/interrupts", "\n".join(lines) + "\n")

    # /proc/softirqs: header over possible CPUs, "%12s:" then " %10u" per CPU.
    rows = [" " * 20 + "".join(f"CPU{c:<8d}" for c in range(n))]
    nic_cpus = {i.effective[0] for i in h.nic0 + h.nic1}
    for name, lo, hi in [("HI", 0, 10), ("TIMER", 10**5, 10**7), ("NET_TX", 0, 10**5), ("NET_RX", 10**3, 10**5),
                         ("BLOCK", 0, 10**5), ("IRQ_POLL", 0, 0), ("TASKLET", 0, 100), ("SCHED", 10**5, 10**7),
                         ("HRTIMER", 0, 100), ("RCU", 10**5, 10**7)]:
        counts = [min(r.randint(lo, hi) * (1000 if name == "NET_RX" and c in nic_cpus else 1), 2**32 - 1)
                  for c in range(n)]
        h.softirqs[name] = counts                    # kept for the "softirq" line of /proc/stat
        rows.append(f"{name:>12s}:" + "".join(f" {v:>10d}" for v in counts))
    t.raw("proc/softirqs", "\n".join(rows) + "\n")

    t.put("proc/irq/default_smp_affinity", cpumask(h.all, n))
    for irq in h.irqs:
        d = f"proc/irq/{irq.number}"
        t.put(f"{d}/smp_affinity", cpumask(irq.affinity, n))
        t.put(f"{d}/smp_affinity_list", cpulist(irq.affinity))
        t.put(f"{d}/effective_affinity", cpumask(irq.effective, n))
        t.put(f"{d}/effective_affinity_list", cpulist(irq.effective))
        t.put(f"{d}/affinity_hint", cpumask(irq.hint, n))
        t.put(f"{d}/node", irq.node)
        t.raw(f"{d}/spurious", f"count {sum(irq.counts) % 100000}\nunhandled 0\nlast_unhandled 0 ms\n")
        for action in irq.actions:                       # one directory per handler, '/' -> '!'
            t.mkdir(f"{d}/{action.replace('/', '!')}")
    t.put("proc/sys/net/core/rps_sock_flow_entries", 0)


USER_HZ = 100
SOFTIRQ_NAMES = ["HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU"]
BTIME = 1761955200                                   # 2025-11-01 00:00 UTC; fixed so the tree is reproducible


def write_counters(t: Tree, h: Host):
    """The files a sampler rereads every interval, beside /proc/interrupts and /proc/softirqs
    (written by write_proc): /proc/stat, /proc/uptime and /proc/net/softnet_stat. Every CPU is
    online, so "possible" and "online" rows are the same ones. The per-interface statistics
    (rx_packets, tx_packets, ...) are written by write_netdev."""
    r, n = h.counter_rng, h.cpus
    nic_cpus = {i.effective[0] for i in h.nic0 + h.nic1}
    uptime_cs = r.randint(10 * 86400, 60 * 86400) * 100 + r.randrange(100)   # centiseconds, 10-60 days

    # fs/proc/stat.c show_stat(): USER_HZ ticks, user nice system idle iowait irq softirq steal
    # guest guest_nice; guest time is already inside user. CPU 0 counts from boot, the others
    # from when they came up a little later.
    ticks = []
    for c in range(n):
        total = uptime_cs * USER_HZ // 100 - (0 if c == 0 else r.randint(50, 300))
        share = {"user": r.uniform(0.05, 0.25), "nice": r.uniform(0, 0.005), "system": r.uniform(0.02, 0.08),
                 "iowait": r.uniform(0, 0.01), "irq": r.uniform(0.001, 0.01),
                 "softirq": r.uniform(0.02, 0.08) if c in nic_cpus else r.uniform(0.001, 0.005)}
        row = {k: int(total * v) for k, v in share.items()}
        row["idle"] = total - sum(row.values())
        ticks.append([row["user"], row["nice"], row["system"], row["idle"], row["iowait"], row["irq"],
                      row["softirq"], 0, 0, 0])
    lines = ["cpu  " + " ".join(str(sum(col)) for col in zip(*ticks))]
    lines += [f"cpu{c} " + " ".join(map(str, ticks[c])) for c in range(n)]
    # "intr": the grand total (every IRQ on every CPU plus the arch counters, x86 adds ERR),
    # then kstat_irqs_usr() (an unsigned int) for each IRQ number below nr_irqs.
    per_irq = [0] * h.nr_irqs
    for irq in h.irqs:
        per_irq[irq.number] = sum(irq.counts)
    grand = sum(per_irq) + sum(sum(v) for v in h.arch_counts.values())
    lines.append(f"intr {grand} " + " ".join(str(v % 2**32) for v in per_irq))
    busy = sum(sum(row) - row[3] for row in ticks) // USER_HZ               # busy CPU-seconds
    lines += [f"ctxt {busy * r.randint(2000, 20000)}", f"btime {BTIME}",
              f"processes {uptime_cs // 100 * r.randint(5, 50)}", f"procs_running {r.randint(1, 8)}",
              "procs_blocked 0"]
    sums = [sum(h.softirqs[name]) for name in SOFTIRQ_NAMES]
    lines.append(f"softirq {sum(sums)} " + " ".join(map(str, sums)))
    t.raw("proc/stat", "\n".join(lines) + "\n")

    # fs/proc/uptime.c: "%lu.%02lu %lu.%02lu", idle summed over possible CPUs.
    idle_cs = sum(row[3] for row in ticks) * 100 // USER_HZ
    t.put("proc/uptime", f"{uptime_cs // 100}.{uptime_cs % 100:02d} {idle_cs // 100}.{idle_cs % 100:02d}")

    # net/core/net-procfs.c softnet_seq_show(), 6.x: 15 "%08x" columns per online CPU:
    # processed dropped time_squeeze 0 0 0 0 0 0(cpu_collision) received_rps flow_limit_count
    # backlog_len cpu input_qlen process_qlen. No RPS and no flow limit here, queues empty.
    rows = []
    for c in range(n):
        if c in nic_cpus:
            processed, dropped, squeeze = r.randint(10**8, 10**10), r.choice([0, 0, 0, r.randint(1, 10**4)]), r.randint(0, 5000)
        else:
            processed, dropped, squeeze = r.randint(10**3, 10**6), 0, 0
        cols = [processed % 2**32, dropped, squeeze, 0, 0, 0, 0, 0, 0, 0, 0, 0, c, 0, 0]
        rows.append(" ".join(f"{v:08x}" for v in cols))
    t.raw("proc/net/softnet_stat", "\n".join(rows) + "\n")


def write_cpus(t: Tree, h: Host):
    n, base = h.cpus, "sys/devices/system/cpu"
    every = cpulist(h.all)
    for name, value in [("online", every), ("possible", every), ("present", every), ("offline", ""),
                        ("isolated", ""), ("nohz_full", ""), ("kernel_max", 8191), ("modalias",
                        "cpu:type:x86,ven0000fam0006mod0055:feature:,0000,0001,0002,0003,0004,0005,0006,0007,0008,0009")]:
        t.put(f"{base}/{name}", value)
    t.put(f"{base}/smt/active", 1)
    t.put(f"{base}/smt/control", "on")
    for c in range(n):
        node = h.node_of_cpu(c)
        pkg, core = node, (c % h.half) % h.cores_per_pkg
        siblings = [c % h.half, c % h.half + h.half]
        package = h.node_cpus[node]
        topo = f"{base}/cpu{c}/topology"
        for name, cpus in [("thread_siblings", siblings), ("core_cpus", siblings), ("cluster_cpus", siblings),
                           ("core_siblings", package), ("package_cpus", package), ("die_cpus", package)]:
            t.put(f"{topo}/{name}", cpumask(cpus, n))
            t.put(f"{topo}/{name}_list", cpulist(cpus))
        t.put(f"{topo}/core_id", core)
        t.put(f"{topo}/physical_package_id", pkg)
        t.put(f"{topo}/die_id", 0)
        t.put(f"{topo}/cluster_id", (pkg << max(1, (h.cores_per_pkg - 1).bit_length())) | core)  # L2 id
        if c != 0:                                       # the boot CPU cannot go offline: no online file
            t.put(f"{base}/cpu{c}/online", 1)
        t.link(f"{base}/cpu{c}/node{node}", f"sys/devices/system/node/node{node}")

    nb = "sys/devices/system/node"
    nodes = cpulist(range(h.nodes))
    for name in ["online", "possible", "has_cpu", "has_memory", "has_normal_memory"]:
        t.put(f"{nb}/{name}", nodes)
    for k in range(h.nodes):
        t.put(f"{nb}/node{k}/cpulist", cpulist(h.node_cpus[k]))
        t.put(f"{nb}/node{k}/cpumap", cpumask(h.node_cpus[k], n))
        t.put(f"{nb}/node{k}/distance", " ".join("10" if j == k else "21" for j in range(h.nodes)))
        for c in h.node_cpus[k]:
            t.link(f"{nb}/node{k}/cpu{c}", f"sys/devices/system/cpu/cpu{c}")


def write_pci(t: Tree, h: Host):
    n = h.cpus
    for bus in sorted({d.root_bus for d in h.devs.values()}):
        t.put(f"sys/devices/{bus}/uevent", "")
    for d in h.devs.values():
        p = d.path(h.devs)
        local = h.node_cpus[d.node]
        modalias = (f"pci:v{d.vendor:08X}d{d.device:08X}sv{d.subsys[0]:08X}sd{d.subsys[1]:08X}"
                    f"bc{d.cls >> 16:02X}sc{(d.cls >> 8) & 0xff:02X}i{d.cls & 0xff:02X}")
        for name, value in [
            ("vendor", f"0x{d.vendor:04x}"), ("device", f"0x{d.device:04x}"), ("class", f"0x{d.cls:06x}"),
            ("subsystem_vendor", f"0x{d.subsys[0]:04x}"), ("subsystem_device", f"0x{d.subsys[1]:04x}"),
            ("revision", f"0x{d.revision:02x}"), ("numa_node", d.node), ("local_cpulist", cpulist(local)),
            ("local_cpus", cpumask(local, n)), ("irq", d.intx), ("enable", 1), ("msi_bus", 1),
            ("driver_override", "(null)"), ("dma_mask_bits", 64), ("consistent_dma_mask_bits", 64),
            ("modalias", modalias),
        ]:
            t.put(f"{p}/{name}", value)
        t.raw(f"{p}/uevent", f"DRIVER={d.driver}\nPCI_CLASS={d.cls:X}\nPCI_ID={d.vendor:04X}:{d.device:04X}\n"
                             f"PCI_SUBSYS_ID={d.subsys[0]:04X}:{d.subsys[1]:04X}\nPCI_SLOT_NAME={d.addr}\n"
                             f"MODALIAS={modalias}\n")
        for number, kind in d.msi_irqs:
            t.put(f"{p}/msi_irqs/{number}", kind)
        drv = f"sys/bus/pci/drivers/{d.driver}"
        t.mkdir(drv)
        t.link(f"{p}/driver", drv)
        t.link(f"{p}/subsystem", "sys/bus/pci")
        t.link(f"{drv}/{d.addr}", p)
        t.link(f"sys/bus/pci/devices/{d.addr}", p)


def write_netdev(t: Tree, h: Host, path: str, name: str, *, ifindex, mac, mtu, flags, operstate, netdev_type,
                 rx, tx, xps=None, speed=None, pci=None):
    n = h.cpus
    attrs = [("ifindex", ifindex), ("iflink", ifindex), ("type", netdev_type), ("mtu", mtu), ("address", mac),
             ("broadcast", "ff:ff:ff:ff:ff:ff" if netdev_type == 1 else "00:00:00:00:00:00"),
             ("operstate", operstate), ("flags", flags), ("tx_queue_len", 1000), ("addr_len", 6),
             ("addr_assign_type", 0), ("carrier", 1), ("carrier_changes", 2 if pci else 0),
             ("carrier_up_count", 1 if pci else 0), ("carrier_down_count", 1 if pci else 0),
             ("dev_id", "0x0"), ("dev_port", 0), ("dormant", 0), ("link_mode", 0), ("netdev_group", 0),
             ("name_assign_type", 4 if pci else 2), ("gro_flush_timeout", 0), ("napi_defer_hard_irqs", 0),
             ("proto_down", 0), ("testing", 0), ("threaded", 0), ("ifalias", "")]
    if speed is not None:                                # lo answers EINVAL: leave the files out
        attrs += [("speed", speed), ("duplex", "full")]
    for attr, value in attrs:
        t.put(f"{path}/{attr}", value)
    t.raw(f"{path}/uevent", f"INTERFACE={name}\nIFINDEX={ifindex}\n")
    for stat in ["collisions", "multicast", "rx_bytes", "rx_compressed", "rx_crc_errors", "rx_dropped",
                 "rx_errors", "rx_fifo_errors", "rx_frame_errors", "rx_length_errors", "rx_missed_errors",
                 "rx_nohandler", "rx_over_errors", "rx_packets", "tx_aborted_errors", "tx_bytes",
                 "tx_carrier_errors", "tx_compressed", "tx_dropped", "tx_errors", "tx_fifo_errors",
                 "tx_heartbeat_errors", "tx_packets", "tx_window_errors"]:
        big = stat.endswith(("_bytes", "_packets"))
        t.put(f"{path}/statistics/{stat}", h.rng.randint(10**9, 10**13) if big else 0)
    t.mkdir(f"{path}/power")
    t.link(f"{path}/subsystem", "sys/class/net")
    if pci:
        t.link(f"{path}/device", pci)
    multiqueue = tx > 1
    for q in range(rx):
        t.put(f"{path}/queues/rx-{q}/rps_cpus", cpumask([], n))
        t.put(f"{path}/queues/rx-{q}/rps_flow_cnt", 0)
    for q in range(tx):
        d = f"{path}/queues/tx-{q}"
        if multiqueue:                                   # single-queue devices answer ENOENT
            t.put(f"{d}/xps_cpus", cpumask(xps[q] if xps else [], n))
            t.put(f"{d}/traffic_class", 0)
        t.put(f"{d}/xps_rxqs", cpumask([], rx))
        t.put(f"{d}/tx_maxrate", 0)
        t.put(f"{d}/tx_timeout", 0)
        if pci:                                          # BQL only on real hardware queues
            for attr, value in [("hold_time", 1000), ("inflight", 0), ("limit", 0), ("limit_max", 1879048192),
                                ("limit_min", 0), ("stall_cnt", 0), ("stall_max", 0), ("stall_thrs", 0)]:
                t.put(f"{d}/byte_queue_limits/{attr}", value)
    t.link(f"sys/class/net/{name}", path)


def write_net(t: Tree, h: Host):
    write_netdev(t, h, "sys/devices/virtual/net/lo", "lo", ifindex=1, mac="00:00:00:00:00:00", mtu=65536,
                 flags="0x9", operstate="unknown", netdev_type=772, rx=1, tx=1)
    for nic in h.nics:
        pci = nic["dev"].path(h.devs)
        write_netdev(t, h, f"{pci}/net/{nic['name']}", nic["name"], ifindex=nic["ifindex"], mac=nic["mac"],
                     mtu=1500, flags="0x1003", operstate="up", netdev_type=1, rx=nic["queues"], tx=nic["queues"],
                     xps=[i.effective for i in nic["irqs"]], speed=nic["speed"], pci=pci)


# --------------------------------------------------------------------------- checks


def verify(root: str, h: Host) -> list[str]:
    """Cross-check the written tree; returns a list of problems (empty = fine)."""
    bad: list[str] = []
    rootreal = os.path.realpath(root)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                real = os.path.realpath(path)
                if not (real + os.sep).startswith(rootreal + os.sep) or not os.path.exists(real):
                    bad.append(f"symlink {os.path.relpath(path, root)} -> {os.readlink(path)} escapes or dangles")
            elif name in filenames and name != MARKER:
                with open(path, "rb") as f:
                    data = f.read()
                if not data.endswith(b"\n"):
                    bad.append(f"{os.path.relpath(path, root)} does not end in a newline")

    with open(os.path.join(root, "proc/interrupts")) as f:
        lines = f.read().split("\n")
    if lines[-1] != "":
        bad.append("proc/interrupts does not end in a newline")
    header = lines[0].split()
    if header != [f"CPU{c}" for c in range(h.cpus)]:
        bad.append("proc/interrupts header does not list CPU0..CPU{n-1}")
    if not re.match(rf"^ {{{h.prec + 8}}}CPU0 ", lines[0]):
        bad.append("proc/interrupts header indent is not prec + 8")
    numbered: dict[int, str] = {}
    row = re.compile(rf"^ *(\w+):((?: +\d+)*)(.*)$")
    for line in lines[1:-1]:
        m = row.match(line)
        if not m:
            bad.append(f"unparsable interrupts line: {line[:60]}")
            continue
        key, counts, rest = m.group(1), m.group(2).split(), m.group(3)
        if len(line.split(":")[0]) != h.prec:
            bad.append(f"IRQ column of {key!r} is not {h.prec} wide")
        if key in ("ERR", "MIS"):
            if len(counts) != 1:
                bad.append(f"{key} should have one count")
            continue
        if len(counts) != h.cpus:
            bad.append(f"row {key}: {len(counts)} counts for {h.cpus} CPUs")
        if key.isdigit():
            numbered[int(key)] = rest
            if not os.path.isdir(os.path.join(root, f"proc/irq/{key}")):
                bad.append(f"proc/irq/{key} missing")
    if len(numbered) != len(h.irqs):
        bad.append(f"{len(numbered)} numbered rows, {len(h.irqs)} IRQs made")

    for d in h.devs.values():
        p = os.path.join(root, d.path(h.devs), "msi_irqs")
        for entry in sorted(os.listdir(p)) if os.path.isdir(p) else []:
            rest = numbered.get(int(entry))
            if rest is None:
                bad.append(f"{d.addr} msi_irqs/{entry} not in proc/interrupts")
            elif f"-{d.addr} " not in rest:
                bad.append(f"IRQ {entry} of {d.addr} shows chip {rest.split()[0]}")

    for nic in h.nics:
        ndir = os.path.join(root, "sys/class/net", nic["name"])
        dev = os.path.realpath(os.path.join(ndir, "device"))
        if dev != os.path.realpath(os.path.join(root, nic["dev"].path(h.devs))):
            bad.append(f"{nic['name']}/device resolves to {dev}")
        msi = os.listdir(os.path.join(ndir, "device/msi_irqs"))
        if len(msi) != nic["queues"] + 1:
            bad.append(f"{nic['name']} has {len(msi)} MSI-X vectors, want {nic['queues'] + 1}")
        node = int(open(os.path.join(ndir, "device/numa_node")).read())
        local = set(h.node_cpus[node])
        for irq in nic["irqs"]:
            eff = open(os.path.join(root, f"proc/irq/{irq.number}/effective_affinity_list")).read().strip()
            if int(eff) not in local:
                bad.append(f"{nic['name']} IRQ {irq.number} on CPU {eff}, not on node {node}")
        for kind in ("rx", "tx"):
            got = len([q for q in os.listdir(os.path.join(ndir, "queues")) if q.startswith(kind + "-")])
            if got != nic["queues"]:
                bad.append(f"{nic['name']} has {got} {kind} queues")

    mask = open(os.path.join(root, "proc/irq/default_smp_affinity")).read().strip()
    groups = mask.split(",")
    if len(groups) != (h.cpus + 31) // 32 or int(mask.replace(",", ""), 16) != (1 << h.cpus) - 1:
        bad.append(f"default_smp_affinity {mask!r} is not a full {h.cpus}-bit mask")

    bad += verify_counters(root, h)
    return bad


def verify_counters(root: str, h: Host) -> list[str]:
    """The counter files against the kernel's formats and against each other."""
    bad: list[str] = []
    def read(rel):
        with open(os.path.join(root, rel)) as f:
            return f.read()
    stat = read("proc/stat").split("\n")
    if not stat[0].startswith("cpu  ") or len(stat[0].split()) != 11:
        bad.append("proc/stat: first line is not 'cpu  ' and 10 tick counts")
    cpu_rows = [line.split() for line in stat[1:] if re.match(r"cpu\d+ ", line)]
    if [row[0] for row in cpu_rows] != [f"cpu{c}" for c in range(h.cpus)]:
        bad.append(f"proc/stat: cpuN rows are not cpu0..cpu{h.cpus - 1}")
    if any(len(row) != 11 or not all(v.isdigit() for v in row[1:]) for row in cpu_rows):
        bad.append("proc/stat: a cpuN row has not 10 tick counts")
    elif [int(v) for v in stat[0].split()[1:]] != [sum(int(row[k]) for row in cpu_rows) for k in range(1, 11)]:
        bad.append("proc/stat: the cpu line is not the sum of the cpuN rows")
    keys = [line.split(" ", 1)[0] for line in stat[1 + h.cpus:] if line]
    if keys != ["intr", "ctxt", "btime", "processes", "procs_running", "procs_blocked", "softirq"]:
        bad.append(f"proc/stat: lines after the cpuN rows are {keys}")
    intr = next((line.split()[1:] for line in stat if line.startswith("intr ")), [])
    if len(intr) != h.nr_irqs + 1:
        bad.append(f"proc/stat: intr has {len(intr) - 1} IRQ counts, nr_irqs is {h.nr_irqs}")
    for irq in h.irqs:
        if len(intr) > irq.number + 1 and int(intr[irq.number + 1]) != sum(irq.counts) % 2**32:
            bad.append(f"proc/stat: intr count of IRQ {irq.number} differs from /proc/interrupts")
            break
    soft = next((line.split()[1:] for line in stat if line.startswith("softirq ")), [])
    if len(soft) != 11 or int(soft[0]) != sum(map(int, soft[1:])):
        bad.append("proc/stat: softirq line is not a total and 10 counts")
    names = [line.split(":")[0].strip() for line in read("proc/softirqs").split("\n")[1:] if line]
    if names != SOFTIRQ_NAMES:
        bad.append(f"proc/softirqs rows are {names}")

    softnet = read("proc/net/softnet_stat").split("\n")
    if softnet[-1] != "" or len(softnet) - 1 != h.cpus:
        bad.append(f"proc/net/softnet_stat has {len(softnet) - 1} rows for {h.cpus} online CPUs")
    for c, line in enumerate(softnet[:-1]):
        cols = line.split(" ")
        if len(cols) != 15 or not all(re.fullmatch(r"[0-9a-f]{8}", v) for v in cols) or int(cols[12], 16) != c:
            bad.append(f"proc/net/softnet_stat row {c} is not 15 x %08x with its CPU id in column 13")
            break

    up = read("proc/uptime")
    if not re.fullmatch(r"\d+\.\d\d \d+\.\d\d\n", up):
        bad.append(f"proc/uptime {up!r} is not '%lu.%02lu %lu.%02lu'")
    for nic in ["lo"] + [nic["name"] for nic in h.nics]:
        for stat_name in ("rx_packets", "tx_packets"):
            if not read(f"sys/class/net/{nic}/statistics/{stat_name}").strip().isdigit():
                bad.append(f"sys/class/net/{nic}/statistics/{stat_name} is not a number")
    return bad


# --------------------------------------------------------------------------- main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir", help="root of the tree to write (replaced if an earlier run made it)")
    ap.add_argument("--cpus", type=int, default=256, help="logical CPUs, SMT-2 (default 256)")
    ap.add_argument("--queues", type=int, default=64, help="queues (and queue IRQs) per NIC (default 64)")
    ap.add_argument("--eth0-queues", type=int, default=None,
                    help="queues (and queue IRQs) of eth0 alone (default: --queues)")
    ap.add_argument("--nodes", type=int, default=2, help="NUMA nodes = packages (default 2)")
    ap.add_argument("--seed", type=int, default=1, help="seed for the interrupt counts (default 1)")
    ap.add_argument("--no-verify", action="store_true", help="skip the consistency checks after writing")
    args = ap.parse_args(argv)

    out = os.path.abspath(args.outdir)
    if os.path.lexists(out) and not os.path.exists(os.path.join(out, MARKER)):
        if not os.path.isdir(out) or os.listdir(out):
            print(f"make-large-host: {out} exists and was not made by this script; not replacing it",
                  file=sys.stderr)
            return 2

    host = Host(args.cpus, args.queues, args.nodes, args.seed, args.eth0_queues)
    host.build()
    tmp = f"{out}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    try:
        tree = Tree(tmp)
        write_proc(tree, host)
        write_counters(tree, host)
        write_cpus(tree, host)
        write_pci(tree, host)
        write_net(tree, host)
        with open(os.path.join(tmp, MARKER), "w") as f:
            f.write("made by bench/make-large-host.py " + " ".join(sys.argv[1:] if argv is None else argv) + "\n")
        problems = [] if args.no_verify else verify(tmp, host)
        if problems:
            for p in problems[:50]:
                print(f"make-large-host: check failed: {p}", file=sys.stderr)
            print(f"make-large-host: {len(problems)} problem(s); tree left in {tmp}", file=sys.stderr)
            return 1
        if os.path.lexists(out):
            shutil.rmtree(out)
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    nic_irqs = ", ".join(f"{n['name']} queue IRQs {n['irqs'][0].number}-{n['irqs'][-1].number}" for n in host.nics)
    print(f"make-large-host: {out}: {args.cpus} CPUs, {args.nodes} nodes, {len(host.irqs)} IRQs "
          f"({nic_irqs}), {tree.files} files, {tree.links} symlinks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
