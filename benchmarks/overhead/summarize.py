#!/usr/bin/env python3
# Copyright The obs4j Authors
# SPDX-License-Identifier: Apache-2.0
"""Summarizes benchmarks/overhead/run.sh's CSV files into the table of issue 24's goals.

For each configuration and route, and each figure: the per-round ratio to bare (or difference from bare)
in the same round, the median over rounds, and its 95% interval by a seeded bootstrap over rounds (10,000
resamples of the rounds, with replacement; the 2.5th and 97.5th percentiles of the resampled medians).
A goal is "met" when the whole interval is inside it, "missed" when the whole interval is outside it, and
"not resolved" otherwise.

  python3 benchmarks/overhead/summarize.py RESULTS_DIR      # reads runs.csv, fixed.csv, starts.csv, threads.csv
"""
import csv
import os
import random
import statistics
import sys

SEED = 24
RESAMPLES = 10_000
# Fewer rounds than this give no verdict: with one or two rounds the bootstrap interval collapses onto the
# values themselves, and a goal would be declared met on a single round.
MIN_ROUNDS = 5


def bootstrap(values, seed=SEED):
    """Median of values and the 95% percentile interval of the median over resampled rounds."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    rnd = random.Random(seed)
    n = len(values)
    medians = sorted(statistics.median(rnd.choice(values) for _ in range(n)) for _ in range(RESAMPLES))
    return statistics.median(values), medians[int(0.025 * RESAMPLES)], medians[int(0.975 * RESAMPLES) - 1], n


def verdict(ci, at_most=None, at_least=None):
    if ci is None:
        return "no data"
    _, lo, hi, n = ci
    if n < MIN_ROUNDS:
        return f"not resolved ({n} rounds < {MIN_ROUNDS})"
    if at_most is not None:
        return "met" if hi <= at_most else "missed" if lo > at_most else "not resolved"
    return "met" if lo >= at_least else "missed" if hi < at_least else "not resolved"


def read(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f))


def per_round(rows, config, route, key, against="bare", how="ratio", route_key="route"):
    """{round: value of config / (or -) value of `against`} over the rounds that have both."""
    def index(c):
        return {r["round"]: float(r[key]) for r in rows
                if r["config"] == c and (route is None or r[route_key] == route) and r.get(key, "") != ""}
    mine, base = index(config), index(against)
    out = []
    for rnd in sorted(set(mine) & set(base), key=int):
        if how == "ratio":
            out.append(mine[rnd] / base[rnd] if base[rnd] else None)
        else:
            out.append(mine[rnd] - base[rnd])
    return out


def fmt(ci, digits=2, unit=""):
    if ci is None:
        return "-"
    m, lo, hi, _ = ci
    return f"{m:.{digits}f}{unit} [{lo:.{digits}f}, {hi:.{digits}f}]"


def main(directory):
    runs = read(os.path.join(directory, "runs.csv"))
    fixed = read(os.path.join(directory, "fixed.csv"))
    starts = read(os.path.join(directory, "starts.csv"))
    threads = read(os.path.join(directory, "threads.csv"))
    configs = list(dict.fromkeys(r["config"] for r in runs + fixed + starts))
    routes = list(dict.fromkeys(r["route"] for r in runs))
    rounds = len(set(r["round"] for r in runs))
    out = []
    p = out.append

    p(f"Rounds: {rounds}; medians over rounds with 95% bootstrap intervals (seed {SEED}, {RESAMPLES} resamples).")
    p("")
    p("### Saturated load: per configuration and route, ratio to bare in the same round")
    p("")
    p("| configuration | route | req/s | x bare throughput | CPU µs/req | x bare CPU | alloc B/req | +bare alloc B | "
      "p50 ms | p99 ms |")
    p("|---|---|---|---|---|---|---|---|---|---|")
    for c in configs:
        for route in routes:
            mine = [r for r in runs if r["config"] == c and r["route"] == route]
            if not mine:
                continue
            rps = bootstrap([float(r["rps"]) for r in mine])
            cpu = bootstrap([float(r["cpu_us_per_req"]) for r in mine])
            alloc = bootstrap([float(r["alloc_bytes_per_req"]) for r in mine])
            p50 = statistics.median(float(r["p50_ms"]) for r in mine)
            p99 = statistics.median(float(r["p99_ms"]) for r in mine)
            p(f"| {c} | {route} | {rps[0]:.0f} | {fmt(bootstrap(per_round(runs, c, route, 'rps')))} "
              f"| {cpu[0]:.1f} | {fmt(bootstrap(per_round(runs, c, route, 'cpu_us_per_req')))} "
              f"| {alloc[0]:.0f} | {fmt(bootstrap(per_round(runs, c, route, 'alloc_bytes_per_req', how='diff')), 0)} "
              f"| {p50:.2f} | {p99:.2f} |")
    p("")

    if threads:
        p("### Where the CPU goes: µs of CPU per request by thread group (saturated load, medians over rounds)")
        p("")
        groups = ["request", "export", "jit", "gc", "other"]
        p("| configuration | route | total | " + " | ".join(groups) + " | extra over bare by group |")
        p("|---|---|---|" + "---|" * len(groups) + "---|")
        for c in configs:
            for route in routes:
                mine = [r for r in threads if r["config"] == c and r["route"] == route]
                if not mine:
                    continue
                med = {g: statistics.median(float(r[g]) for r in mine) for g in groups}
                total = sum(med.values())
                extra = []
                for g in groups:
                    d = bootstrap(per_round(threads, c, route, g, how="diff"))
                    if c != "bare" and d is not None:
                        extra.append(f"{g} {d[0]:+.1f}")
                p(f"| {c} | {route} | {total:.1f} | " + " | ".join(f"{med[g]:.1f}" for g in groups)
                  + f" | {', '.join(extra) or '-'} |")
        p("")

    if fixed:
        p("### Fixed rate: server CPU per request at the same constant rate for every configuration")
        p("")
        p("| configuration | route | rate req/s (sent) | CPU µs/req | +bare µs/req | p50 ms | p99 ms |")
        p("|---|---|---|---|---|---|---|")
        for c in configs:
            for route in dict.fromkeys(r["route"] for r in fixed):
                mine = [r for r in fixed if r["config"] == c and r["route"] == route]
                if not mine:
                    continue
                cpu = bootstrap([float(r["cpu_us_per_req"]) for r in mine])
                p(f"| {c} | {route} | {statistics.median(float(r['achieved_rps']) for r in mine):.0f} "
                  f"({statistics.median(float(r['target_rps']) for r in mine):.0f}) "
                  f"| {cpu[0]:.1f} | {fmt(bootstrap(per_round(fixed, c, route, 'cpu_us_per_req', how='diff')), 1)} "
                  f"| {statistics.median(float(r['p50_ms']) for r in mine):.2f} "
                  f"| {statistics.median(float(r['p99_ms']) for r in mine):.2f} |")
        p("")

    if starts:
        p("### Start to first 200 and RSS (a fresh JVM per round and configuration)")
        p("")
        p("| configuration | start ms | +bare ms | RSS after load MB | +bare MB |")
        p("|---|---|---|---|---|")
        for c in configs:
            mine = [r for r in starts if r["config"] == c]
            if not mine:
                continue
            st = bootstrap([float(r["start_ms"]) for r in mine])
            rss_rows = [r for r in runs if r["config"] == c and r.get("rss_mb")]
            rss = statistics.median(float(r["rss_mb"]) for r in rss_rows) if rss_rows else float("nan")
            p(f"| {c} | {st[0]:.0f} | {fmt(bootstrap(per_round(starts, c, None, 'start_ms', how='diff')), 0)} "
              f"| {rss:.0f} | {fmt(bootstrap(per_round(runs, c, routes[-1] if routes else None, 'rss_mb', how='diff')), 0)} |")
        p("")

    p("### Issue 24's goals")
    p("")
    p("| goal | configuration | route | measured (median [95% interval]) | verdict |")
    p("|---|---|---|---|---|")

    def goal(name, c, route, ci, **bound):
        p(f"| {name} | {c} | {route or 'all'} | {fmt(ci, 3 if 'x' in name else 0)} | {verdict(ci, **bound)} |")

    for c in [c for c in ("obs4j-jaeger", "obs4j-otlp") if c in configs]:
        for route in routes:
            goal("CPU/req <= 1.10x bare", c, route, bootstrap(per_round(runs, c, route, "cpu_us_per_req")), at_most=1.10)
            if "agent-otlp" in configs:
                goal("CPU/req below the agent's (x agent < 1)", c, route,
                     bootstrap(per_round(runs, c, route, "cpu_us_per_req", against="agent-otlp")), at_most=1.0)
            goal("throughput >= 0.92x bare", c, route, bootstrap(per_round(runs, c, route, "rps")), at_least=0.92)
            goal("allocation <= +2 KB sampled (B)", c, route,
                 bootstrap(per_round(runs, c, route, "alloc_bytes_per_req", how="diff")), at_most=2048)
    if "obs4j-ratio" in configs:
        for route in routes:
            goal("ratio 0.01: CPU/req <= 1.05x bare", "obs4j-ratio", route,
                 bootstrap(per_round(runs, "obs4j-ratio", route, "cpu_us_per_req")), at_most=1.05)
            goal("allocation <= +1 KB unsampled (B)", "obs4j-ratio", route,
                 bootstrap(per_round(runs, "obs4j-ratio", route, "alloc_bytes_per_req", how="diff")), at_most=1024)
    for c in [c for c in configs if c != "bare"]:
        for route in dict.fromkeys(r["route"] for r in fixed):
            goal("fixed rate: CPU/req <= +3 µs over bare (µs)", c, route,
                 bootstrap(per_round(fixed, c, route, "cpu_us_per_req", how="diff")), at_most=3.0)
        if starts:
            goal("start to first 200 <= +0.3 s (ms)", c, None,
                 bootstrap(per_round(starts, c, None, "start_ms", how="diff")), at_most=300)
        if routes:
            goal("RSS <= +30 MB (MB)", c, routes[-1],
                 bootstrap(per_round(runs, c, routes[-1], "rss_mb", how="diff")), at_most=30)
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/overhead/results")
