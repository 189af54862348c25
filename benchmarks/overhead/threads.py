#!/usr/bin/env python3
# Copyright The obs4j Authors
# SPDX-License-Identifier: Apache-2.0
"""Per-thread CPU of a JVM, grouped by what the thread does, for run.sh's accounting.

  threads.py snapshot PID FILE             # each live thread: tid, name, CPU ns (/proc/PID/task/TID/schedstat),
                                           # utime and stime ticks (.../stat; jfr_account.py reads them)
  threads.py diff BEFORE AFTER REQUESTS    # CPU µs per request by group, then by thread name, as CSV fields

Groups, by thread name (Linux keeps the first 15 characters):
  request  the server's request threads (Jetty's pool, the app's async pool)
  export   span export (obs4j-export, the JDK HTTP client's threads, the agent's BatchSpanProcessor and OkHttp)
  jit      C1 and C2 compiler threads
  gc       VM Thread, GC threads, and the Service and Notification threads (GC notifications to Micrometer)
  other    every other thread
A thread that ended between the snapshots is not counted; one that started counts from zero.
"""
import os
import re
import sys

GROUPS = ["request", "export", "jit", "gc", "other"]


def group(name):
    if name.startswith(("JettyServerThre", "qtp", "pool-")):
        return "request"
    if name.startswith(("obs4j-export", "HttpClient", "jdkhttp", "BatchSpanProce", "OkHttp", "otel-")):
        return "export"
    if "CompilerThre" in name:
        return "jit"
    if name.startswith(("VM Thread", "GC Thread", "ParGC", "G1 ", "Service Thread", "Notification Th", "VM Periodic")):
        return "gc"
    return "other"


def snapshot(pid, path):
    lines = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                ns = int(f.read().split()[0])
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) ": field 3 is fields[0]
        utime, stime = int(fields[11]), int(fields[12])  # user and kernel time, in clock ticks
        lines.append(f"{tid}\t{name}\t{ns}\t{utime}\t{stime}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def load(path):
    out = {}
    with open(path) as f:
        for line in f:
            if line.strip():
                tid, name, ns = line.rstrip("\n").split("\t")[:3]
                out[tid] = (name, int(ns))
    return out


def diff(before, after, requests):
    b, a = load(before), load(after)
    groups = {g: 0.0 for g in GROUPS}
    names = {}
    for tid, (name, ns) in a.items():
        used = ns - b.get(tid, (name, 0))[1]
        us = used / 1000.0 / requests
        groups[group(name)] += us
        key = re.sub(r"[#-]?\d+$", "", name)  # GC Thread#3, HttpClient-1-Wo... grouped by their stem
        names[key] = names.get(key, 0.0) + us
    print(",".join(f"{groups[g]:.3f}" for g in GROUPS))
    print(";".join(f"{k}={v:.3f}" for k, v in sorted(names.items(), key=lambda kv: -kv[1]) if v >= 0.005))


if __name__ == "__main__":
    if sys.argv[1] == "snapshot":
        snapshot(sys.argv[2], sys.argv[3])
    else:
        diff(sys.argv[2], sys.argv[3], float(sys.argv[4]))
