#!/usr/bin/env python3
"""Where one start's time goes, thread by thread: runs `./nova -c drv:settle` (NOVA_OPTS passes
through), samples every thread's CPU time (utime + stime of /proc/PID/task/TID/stat) every 5 ms
and prints, per 50 ms of wall time from the start of ./nova, the CPU milliseconds of the busiest
threads (C1 compiler threads summed as "C1"). A slot with no thread listed is time in which the
process waited: for the edu sample's DMA timer, say. Linux only; builds nothing (./nova build
first, or the run includes a rebuild).

usage: benchmarks/startup-threads.py
"""
import collections
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE_S = 0.005
SLOT_MS = 50
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def java_pid(parent):
    """The JVM: ./nova execs it, so it is the script's own pid once its comm says java."""
    try:
        with open(f"/proc/{parent}/comm") as f:
            return parent if f.read().strip() == "java" else None
    except OSError:
        return None


def sample(pid, prev, rows, at):
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        cpu = int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
        key = (tid, name)
        if key in prev and cpu > prev[key]:
            rows.append((at, "C1" if name.startswith("C1 Compiler") else name, cpu - prev[key]))
        prev[key] = cpu


def main():
    if len(sys.argv) > 1:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    start = time.time()
    p = subprocess.Popen(["./nova", "-c", "drv:settle"], cwd=HERE, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    prev, rows, pid = {}, [], None
    while p.poll() is None:
        pid = pid or java_pid(p.pid)
        if pid:
            sample(pid, prev, rows, time.time() - start)
        time.sleep(SAMPLE_S)
    if p.returncode != 0:
        print(f"startup-threads: ./nova -c drv:settle exited {p.returncode}", file=sys.stderr)
        return 1
    slots = collections.defaultdict(collections.Counter)
    for at, name, ticks in rows:
        slots[int(at * 1000 // SLOT_MS)][name] += ticks * TICK_MS
    print(f"startup-threads: {time.time() - start:.2f} s; CPU ms per thread in each {SLOT_MS} ms of wall time")
    for slot in range(int((time.time() - start) * 1000 // SLOT_MS) + 1):
        busy = "  ".join(f"{n}:{ms:.0f}" for n, ms in slots[slot].most_common(4))
        print(f"{slot * SLOT_MS:5d} ms  {busy}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
