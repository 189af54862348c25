#!/usr/bin/env python3
# Copyright The obs4j Authors
# SPDX-License-Identifier: Apache-2.0
"""Where the extra CPU per request goes: per-thread CPU and JFR execution samples, for profile.sh.

  jfr_account.py snapshot PID FILE    # each live thread: tid, name, CPU ns (schedstat), utime and stime ticks
  jfr_account.py report DIR           # reads DIR/profile.csv, the snapshots and the .jfr files it names;
                                      # prints the accounting tables (markdown)

Per-thread CPU: /proc/PID/task/TID/schedstat (ns, exact) before and after the fixed-rate load, grouped as
threads.py groups them (request, export, jit, gc, other); the request threads' CPU is split into user and
kernel time by the ratio of their utime and stime ticks (/proc/PID/task/TID/stat). A thread that ended
between the snapshots is not counted (the report says how many did); one that started counts from zero.

JFR: `jfr print --json --stack-depth 256 --events jdk.ExecutionSample`, streamed (one event decoded at a
time, so a recording of any size fits). JFR samples a thread only while it runs Java code (state "in Java");
time in the kernel (socket reads and writes), in native code or in the VM's own runtime (parking and waking
threads, allocation slow paths) is never in these samples. Each sample stands for one period of Java time,
so the instrumentation's µs per request is its samples x period / requests (checked against a thread that
runs almost only Java code: the Jaeger export thread's samples came to 92% of its schedstat CPU). The
request threads' user CPU is several times the Java time JFR sees; scaling the instrumentation's share of
the samples by that user CPU gives an upper bound, printed beside it. The kernel time is a line of its own.

A request-thread sample is the instrumentation's when, walking its stack from the thread's start towards
the top frame, it is inside an instrumentation region at the top: a region starts at the first frame of
dev.obs4j.* (not dev.obs4j.benchmarks.*, the application), io.opentelemetry.*, io.micrometer.* or
io.prometheus.*, and ends where such a frame hands the request over to the code it wraps: a call to a
servlet filter chain or a handler (doFilter, handle, service, ...) outside those packages, to the
application, to the JDBC driver from dev.obs4j.jdbc, or to a task (run/call) of java.util.concurrent.
So ObsServletFilter.doFilter -> chain.doFilter -> Javalin -> the route is the application's, while
ObsServletFilter.doFilter -> HttpServerHandler.start -> Jetty's getRemoteAddr is the instrumentation's.
Its entry point is the region's first frame and the instrumentation method that frame called.
"""
import collections
import csv
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from threads import GROUPS, group, snapshot  # noqa: E402  the same grouping and snapshots as run.sh's threads.csv

INSTRUMENTATION = ("dev.obs4j.", "io.opentelemetry.", "io.micrometer.", "io.prometheus.")
APPLICATION = "dev.obs4j.benchmarks."
JDK = ("java.", "jdk.", "sun.", "com.sun.")
HANDOFF_METHODS = {"doFilter", "handle", "service", "run", "call", "get", "apply", "accept"}
HZ = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------------------------- snapshot

def load_snapshot(path):
    out = {}
    with open(path) as f:
        for line in f:
            if line.strip():
                tid, name, ns, utime, stime = line.rstrip("\n").split("\t")
                out[tid] = (name, int(ns), int(utime), int(stime))
    return out


def thread_cpu(before, after, requests):
    """CPU µs per request by group, request user/kernel split, export threads by name, ended threads."""
    b, a = load_snapshot(before), load_snapshot(after)
    groups = {g: 0.0 for g in GROUPS}
    by_name = collections.Counter()
    ut = st = 0
    for tid, (name, ns, utime, stime) in a.items():
        _, ns0, ut0, st0 = b.get(tid, (name, 0, 0, 0))
        us = (ns - ns0) / 1000.0 / requests
        g = group(name)
        groups[g] += us
        if g == "request":
            ut += utime - ut0
            st += stime - st0
        stem = name.rstrip("0123456789").rstrip("-#")
        by_name[(g, stem)] += us
    user_share = ut / (ut + st) if ut + st else 1.0
    ended = [b[t][0] for t in b if t not in a]
    return {
        "groups": groups,
        "request_user": groups["request"] * user_share,
        "request_kernel": groups["request"] * (1 - user_share),
        "by_name": {f"{g}:{n}": v for (g, n), v in by_name.items()},
        "ended": ended,
    }


# ---------------------------------------------------------------------------------------------- JFR

def events(path):
    """The jdk.ExecutionSample events of a recording, decoded one at a time from jfr print's JSON."""
    proc = subprocess.Popen(["jfr", "print", "--json", "--stack-depth", "256", "--events", "jdk.ExecutionSample",
                             path], stdout=subprocess.PIPE, text=True, bufsize=1 << 20)
    decoder = json.JSONDecoder()
    buf = ""
    pos = None
    eof = False
    while True:
        if pos is None:  # find the events array
            i = buf.find('"events"')
            j = buf.find("[", i) if i >= 0 else -1
            if j < 0:
                chunk = proc.stdout.read(1 << 20)
                if not chunk:
                    break
                buf += chunk
                continue
            pos = j + 1
        while pos < len(buf) and buf[pos] in " \t\r\n,":
            pos += 1
        if pos < len(buf) and buf[pos] == "]":
            break
        try:
            if pos >= len(buf):
                raise ValueError
            event, end = decoder.raw_decode(buf, pos)
        except ValueError:
            if eof:
                raise
            chunk = proc.stdout.read(1 << 20)
            eof = not chunk
            buf = buf[pos:] + chunk
            pos = 0
            continue
        yield event
        pos = end
        if pos > 1 << 22:
            buf = buf[pos:]
            pos = 0
    proc.stdout.close()
    if proc.wait() != 0:
        raise RuntimeError(f"jfr print failed on {path}")


def frame_class(frame):
    name = frame["method"]["type"]["name"]
    if frame["method"]["type"].get("hidden") and "/" in name:
        name = name.rsplit("/", 1)[0]  # a hidden class (lambda, LambdaForm): drop its /0x... suffix
    name = name.split("+0x", 1)[0]
    return name.replace("/", ".")


def frame_name(frame):
    cls = frame_class(frame)
    if "$$Lambda" in cls:
        cls = cls[:cls.index("$$Lambda")] + "$$Lambda"
    return f"{cls.rsplit('.', 1)[-1]}.{frame['method']['name']}"


def is_instrumentation(cls):
    return cls.startswith(INSTRUMENTATION) and not cls.startswith(APPLICATION)


def is_handoff(callee, caller):
    """Does the instrumentation frame `caller` hand the request over to wrapped code by calling `callee`?"""
    cls, method, by = frame_class(callee), callee["method"]["name"], frame_class(caller)
    if cls.startswith(APPLICATION):
        return True
    if by.startswith("dev.obs4j.jdbc.") and not cls.startswith(JDK):
        return True  # the JDBC driver (and the pool) the wrapper delegates to
    if method in HANDOFF_METHODS and not cls.startswith(JDK):
        return True  # chain.doFilter, a wrapped handler
    if method in ("run", "call") and (cls.startswith("java.util.concurrent.") or "$$Lambda" in cls):
        return True  # a wrapped task
    return False


def library(cls):
    if cls.startswith(APPLICATION):
        return "application"
    if cls.startswith("dev.obs4j."):
        return "obs4j"
    if cls.startswith("io.opentelemetry.javaagent."):
        return "OpenTelemetry agent"
    if cls.startswith("io.opentelemetry."):
        return "OpenTelemetry API/SDK"
    if cls.startswith(("io.micrometer.", "io.prometheus.", "org.HdrHistogram.")):
        return "Micrometer/Prometheus"
    if cls.startswith(("org.apache.logging.", "org.slf4j.")):
        return "log4j/SLF4J"
    if cls.startswith(("java.lang.String", "java.lang.AbstractStringBuilder", "java.lang.StringBuilder",
                       "java.lang.StringLatin1", "java.lang.StringUTF16", "java.lang.StringConcatHelper",
                       "java.lang.Character", "java.lang.CharacterData")):
        return "JDK strings"
    if cls.startswith("java.util."):
        return "JDK collections/concurrent"
    if cls.startswith(JDK):
        return "JDK other"
    if cls.startswith(("org.eclipse.jetty.", "io.javalin.", "jakarta.")):
        return "Jetty/Javalin"
    if cls.startswith("org.h2."):
        return "H2"
    return "other"


def classify(frames):
    """(is instrumentation, entry point) of a stack given top frame first."""
    bottom_up = frames[::-1]
    start = None
    for i, f in enumerate(bottom_up):
        if is_instrumentation(frame_class(f)):
            if start is None:
                start = i
        elif start is not None and is_instrumentation(frame_class(bottom_up[i - 1])) and is_handoff(f, bottom_up[i - 1]):
            start = None
    if start is None:
        return False, None
    entry = frame_name(bottom_up[start])
    for f in bottom_up[start + 1:]:
        if is_instrumentation(frame_class(f)):
            nxt = frame_name(f)
            if nxt != entry:
                return True, f"{entry} > {nxt}"
    return True, f"{entry} (itself)"


def analyze_jfr(path):
    cache = path + ".summary.json"
    if os.path.exists(cache) and os.path.getmtime(cache) >= os.path.getmtime(path):
        with open(cache) as f:
            return json.load(f)
    by_group = collections.Counter()
    request = truncated = instr = 0
    entries, instr_lib, rest_lib, instr_top, export_top = (collections.Counter() for _ in range(5))
    for event in events(path):
        values = event["values"]
        thread = values.get("sampledThread") or {}
        name = thread.get("javaName") or thread.get("osName") or ""
        g = group(name)
        by_group[g] += 1
        trace = values.get("stackTrace") or {}
        frames = trace.get("frames") or []
        if not frames:
            continue
        top = frames[0]
        if g == "export":
            export_top[f"{library(frame_class(top))}: {frame_name(top)}"] += 1
        if g != "request":
            continue
        request += 1
        truncated += bool(trace.get("truncated"))
        mine, entry = classify(frames)
        if mine:
            instr += 1
            entries[entry] += 1
            instr_lib[library(frame_class(top))] += 1
            instr_top[frame_name(top)] += 1
        else:
            rest_lib[library(frame_class(top))] += 1
    out = {"by_group": by_group, "request": request, "truncated": truncated, "instr": instr, "entries": entries,
           "instr_lib": instr_lib, "rest_lib": rest_lib, "instr_top": instr_top, "export_top": export_top}
    with open(cache, "w") as f:
        json.dump(out, f)
    return json.loads(json.dumps(out))


# ---------------------------------------------------------------------------------------------- report

def top(counter, scale, n, digits=2):
    items = sorted(counter.items(), key=lambda kv: -kv[1])[:n]
    return "; ".join(f"{k} {v * scale:.{digits}f}" for k, v in items)


def report(directory):
    with open(os.path.join(directory, "profile.csv")) as f:
        rows = list(csv.DictReader(f))
    data = {}
    for r in rows:
        requests = float(r["ok"])
        cpu = thread_cpu(os.path.join(directory, r["before"]), os.path.join(directory, r["after"]), requests)
        jfr = analyze_jfr(os.path.join(directory, r["jfr"]))
        share = jfr["instr"] / jfr["request"] if jfr["request"] else 0.0
        per_sample = float(r["period_ms"]) * 1000 / requests  # µs per request that one sample stands for
        data[(r["config"], r["route"])] = dict(r=r, cpu=cpu, jfr=jfr, share=share, per_sample=per_sample,
                                               instr_us=jfr["instr"] * per_sample,
                                               instr_upper=share * cpu["request_user"],
                                               sampled_us=jfr["request"] * per_sample)
    configs = list(dict.fromkeys(r["config"] for r in rows))
    routes = list(dict.fromkeys(r["route"] for r in rows))
    p = print

    p("#### CPU per request by thread group, at the same fixed rate for every configuration\n")
    p("µs of CPU per request (schedstat of each thread over the recording's load window); request threads split "
      "into user and kernel time by their utime:stime ticks. NOT HELD: the server answered less than 95% of the "
      "rate, so it ran saturated and its row is not comparable.\n")
    p("| configuration | route | rate (achieved) | total | request user | request kernel | export | jit | gc | other "
      "| threads ended |")
    p("|---|---|---|---|---|---|---|---|---|---|---|")
    for route in routes:
        for config in configs:
            d = data.get((config, route))
            if not d:
                continue
            g, r = d["cpu"]["groups"], d["r"]
            held = "" if float(r["achieved_rps"]) >= 0.95 * float(r["rate"]) else " NOT HELD"
            p(f"| {config} | {route} | {r['rate']} ({float(r['achieved_rps']):.0f}{held}) | {sum(g.values()):.1f} "
              f"| {d['cpu']['request_user']:.1f} | {d['cpu']['request_kernel']:.1f} | {g['export']:.1f} "
              f"| {g['jit']:.1f} | {g['gc']:.1f} | {g['other']:.1f} | {len(d['cpu']['ended'])} |")

    p("\n#### Request threads by JFR execution sample\n")
    p("Instrumentation share: of the request threads' execution samples, those inside an instrumentation region "
      "(see jfr_account.py). Java µs/req = samples x period / requests: all request-thread samples (the Java time "
      "JFR saw), and the instrumentation's. Upper bound = share x request threads' user CPU per request. The "
      "libraries are those of the top frame of the instrumentation's samples, in µs/req.\n")
    p("| configuration | route | request samples (truncated) | request Java µs/req | request user µs/req "
      "| instrumentation share | instrumentation µs/req | upper bound | by top-frame library, µs/req |")
    p("|---|---|---|---|---|---|---|---|---|")
    for route in routes:
        for config in configs:
            d = data.get((config, route))
            if not d:
                continue
            j = d["jfr"]
            p(f"| {config} | {route} | {j['request']} ({j['truncated']}) | {d['sampled_us']:.1f} "
              f"| {d['cpu']['request_user']:.1f} | {100 * d['share']:.1f}% | {d['instr_us']:.2f} "
              f"| {d['instr_upper']:.1f} | {top(j['instr_lib'], d['per_sample'], 8)} |")

    p("\n#### Instrumentation on the request threads by entry point (outermost obs4j/OTel frame > what it called)\n")
    p("| configuration | route | entry points, µs/req (top 8) |")
    p("|---|---|---|")
    for route in routes:
        for config in configs:
            d = data.get((config, route))
            if d and d["jfr"]["instr"]:
                p(f"| {config} | {route} | {top(d['jfr']['entries'], d['per_sample'], 8)} |")

    p("\n#### Hottest top frames inside instrumentation regions\n")
    p("| configuration | route | top-frame method, µs/req (top 10) |")
    p("|---|---|---|")
    for route in routes:
        for config in configs:
            d = data.get((config, route))
            if d and d["jfr"]["instr"]:
                p(f"| {config} | {route} | {top(d['jfr']['instr_top'], d['per_sample'], 10)} |")

    if "bare" not in configs:
        p("\nNo bare configuration in this run: no accounting against bare.")
        return
    p("\n#### The accounting: extra CPU per request over bare, by component\n")
    p("extra = instrumentation frames (request threads, JFR samples x period) + request threads' other user time + "
      "request threads' kernel time + export + JIT + GC/VM + other threads. Named = every part but the request "
      "threads' other user time (the residual no frame names); the last column takes the upper bound for the "
      "instrumentation frames instead.\n")
    p("| configuration | route | extra µs/req | instrumentation frames | request rest (user) | request kernel "
      "| export | jit | gc | other | named | named share | named share (upper bound) |")
    p("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for route in routes:
        base = data.get(("bare", route))
        if not base:
            continue
        bg = base["cpu"]["groups"]
        for config in configs:
            d = data.get((config, route))
            if config == "bare" or not d:
                continue
            g = d["cpu"]["groups"]
            extra = sum(g.values()) - sum(bg.values())
            instr = d["instr_us"] - base["instr_us"]
            rest = (d["cpu"]["request_user"] - d["instr_us"]) - (base["cpu"]["request_user"] - base["instr_us"])
            kernel = d["cpu"]["request_kernel"] - base["cpu"]["request_kernel"]
            parts = {k: g[k] - bg[k] for k in ("export", "jit", "gc", "other")}
            named = instr + kernel + sum(parts.values())
            upper = named - instr + d["instr_upper"] - base["instr_upper"]

            def pct(v):
                return f"{100 * v / extra:.0f}%" if extra > 0 else "-"
            p(f"| {config} | {route} | {extra:.1f} | {instr:.1f} | {rest:.1f} | {kernel:.1f} | {parts['export']:.1f} "
              f"| {parts['jit']:.1f} | {parts['gc']:.1f} | {parts['other']:.1f} | {named:.1f} | {pct(named)} "
              f"| {pct(upper)} |")

    p("\n#### Request threads outside instrumentation regions, by top-frame library: Java µs/req (difference to bare)\n")
    p("| configuration | route | library µs/req (+bare) |")
    p("|---|---|---|")
    for route in routes:
        base = data.get(("bare", route))
        for config in configs:
            d = data.get((config, route))
            if not d or not base:
                continue
            mine = {k: v * d["per_sample"] for k, v in d["jfr"]["rest_lib"].items()}
            theirs = {k: v * base["per_sample"] for k, v in base["jfr"]["rest_lib"].items()}
            keys = sorted(set(mine) | set(theirs), key=lambda k: -mine.get(k, 0))
            p(f"| {config} | {route} | " + "; ".join(
                f"{k} {mine.get(k, 0):.1f} ({mine.get(k, 0) - theirs.get(k, 0):+.1f})" for k in keys) + " |")

    p("\n#### Threads outside the request threads (µs/req by thread name stem) and the export threads' top frames\n")
    p("| configuration | route | threads, µs/req (>= 0.05) | export: CPU / JFR Java µs/req | export samples by top "
      "frame (count, top 5) |")
    p("|---|---|---|---|---|")
    for route in routes:
        for config in configs:
            d = data.get((config, route))
            if not d:
                continue
            names = sorted(((k, v) for k, v in d["cpu"]["by_name"].items()
                            if not k.startswith("request:") and v >= 0.05), key=lambda kv: -kv[1])
            export_java = d["jfr"]["by_group"].get("export", 0) * d["per_sample"]
            p(f"| {config} | {route} | " + "; ".join(f"{k} {v:.2f}" for k, v in names)
              + f" | {d['cpu']['groups']['export']:.2f} / {export_java:.2f} | {top(d['jfr']['export_top'], 1, 5, 0)} |")


if __name__ == "__main__":
    if sys.argv[1] == "snapshot":
        snapshot(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "report":
        report(sys.argv[2])
    else:
        sys.exit(__doc__)
