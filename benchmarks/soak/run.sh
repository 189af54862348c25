#!/usr/bin/env bash
# Copyright The obs4j Authors
# SPDX-License-Identifier: Apache-2.0
#
# A bounded soak of the demo (gateway, orders and worker in one JVM, H2 in memory, the in-JVM queue, every
# request sampled, spans to a Jaeger agent over UDP) at a fixed request rate, on loopback only. It shows
# whether the heap grows once warmed up, whether any span is dropped at this rate, and whether any UDP
# datagram is over 65,000 bytes.
#
#   benchmarks/soak/run.sh                          # DURATION=600 WARMUP=60 RATE=50 HEAP=-Xmx256m
#   DURATION=60 WARMUP=15 benchmarks/soak/run.sh    # a quick look
#
# In order: a stand-in Jaeger agent (udp_agent.py: counts datagrams and their sizes, 4 MiB receive buffer)
# on a free UDP port; the demo on free ports with -Xlog:gc (heap after each GC, wall-clock stamped);
# the demo's own traffic generator (dev.obs4j.demo.Traffic) at RATE requests/s for WARMUP + DURATION s.
# Traffic waits for each answer on one thread and GET /slow holds it 600 ms, so one instance holds about
# 30 requests/s at most here; the rate is split over ceil(RATE / PER_CLIENT) instances of PER_CLIENT
# requests/s or less, each far below its limit, and each catches up on its fixed schedule after a slow
# answer. After WARMUP s the demo's /metrics are read and a class histogram is taken (a full GC: the live
# heap at the start); when the traffic ends and the export queues have drained (8 s, more than the 5 s
# export delay), /metrics again and a second histogram (the live heap at the end).
#
# Fails (exit 1), naming the reason, when: a span was dropped (any reason, over the whole run); a datagram
# was over 65,000 bytes; the post-GC heap after warm-up rises faster than SLOPE_MAX MB/min (least squares
# over every GC in the measured window); or the generators did not hold 95% of RATE (the run is then not
# what it claims). Results: a markdown table on stdout and in $OUT/results.md, raw files beside it.
#
# Needs: a JDK 17 (java, jcmd), python3, curl, and the demo built (mvn -B -DskipTests package -pl obs-demo -am).
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-600}   # measured seconds, after the warm-up
WARMUP=${WARMUP:-60}        # seconds of the same load before measuring
RATE=${RATE:-50}            # requests/s to the gateway, fixed
PER_CLIENT=${PER_CLIENT:-10} # requests/s per Traffic instance at most
HEAP=${HEAP:--Xmx256m}      # the demo's heap flags; small, so that growth would show
SLOPE_MAX=${SLOPE_MAX:-1.0} # MB per minute of post-GC heap after warm-up, at most
HISTO=${HISTO:-1}           # 0: no class histograms (and no full GCs) at the start and end of the window
JAR=${JAR:-obs-demo/target/obs-demo.jar}
DRAIN=8

[[ -f "$JAR" && -d "$(dirname "$JAR")/lib" ]] || {
  echo "no $JAR (with lib/ beside it): build it with mvn -B -DskipTests package -pl obs-demo -am" >&2; exit 2; }
for v in DURATION WARMUP PER_CLIENT; do
  [[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || { echo "$v must be a whole number of seconds above 0" >&2; exit 2; }
done
python3 -c "import sys; r=float(sys.argv[1]); sys.exit(0 if 0 < r <= 2000 else 1)" "$RATE" \
  || { echo "RATE must be above 0 and at most 2000 requests/s" >&2; exit 2; }
read -ra HEAP_FLAGS <<< "$HEAP"

OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/obs4j-soak.XXXXXX")}
mkdir -p "$OUT"
echo "soak: ${DURATION}s at ${RATE} req/s after ${WARMUP}s warm-up, demo $HEAP; files in $OUT"

# Run from a copy, so that a build replacing the jar mid-run cannot touch the running JVMs.
mkdir -p "$OUT/app"
cp "$JAR" "$OUT/app/obs-demo.jar"
cp -r "$(dirname "$JAR")/lib" "$OUT/app/"
APP="$OUT/app/obs-demo.jar"

# The demo and the generators must not pick up a host's OTEL_*, JAEGER_*, DEMO_* or OBS4J_* settings.
CLEAN_ENV=(env)
while read -r v; do CLEAN_ENV+=(-u "$v"); done < <(compgen -e | grep -E '^(OTEL|JAEGER|DEMO|OBS4J)_' || true)

AGENT="" AGENT_PID="" DEMO="" JPID="" CLIENTS=()
stop_all() {
  local p
  for p in "${CLIENTS[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -n "$JPID" ]] && kill "$JPID" 2>/dev/null || true
  [[ -n "$DEMO" ]] && kill "$DEMO" 2>/dev/null || true
  [[ -n "$AGENT_PID" ]] && kill "$AGENT_PID" 2>/dev/null || true
  [[ -n "$AGENT" ]] && kill "$AGENT" 2>/dev/null || true
}
trap stop_all EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_for() { # seconds, then a command that succeeds when ready
  local until=$((SECONDS + $1)); shift
  until "$@"; do
    (( SECONDS < until )) || return 1
    sleep 0.2
  done
}
http_ok() { [[ $(curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" || true) == 200 ]]; }
scrape() { # tag
  curl -sf -m 5 "http://127.0.0.1:$GW/metrics" > "$OUT/metrics-$1-gateway.txt"
  curl -sf -m 5 "http://127.0.0.1:$OR/metrics" > "$OUT/metrics-$1-orders.txt"
  curl -sf -m 5 "http://127.0.0.1:$WK/metrics" > "$OUT/metrics-$1-worker.txt"
}
cpu_ticks() { sed 's/.*) //' "/proc/$JPID/stat" | awk '{print $12 + $13}'; }
java_of() { # the java process at or under $1 (timeout, or a subshell, may sit in between)
  local p=$1
  for _ in 1 2 3 4; do
    [[ -n "$p" && -r /proc/$p/comm ]] || return 1
    [[ $(cat "/proc/$p/comm") == java ]] && { echo "$p"; return 0; }
    p=$(ps -o pid= --ppid "$p" | head -1 | tr -d ' ')
  done
  return 1
}
histogram() { # tag; a full GC, then the live objects by class
  [[ $HISTO == 1 ]] || return 0
  jcmd "$JPID" GC.class_histogram > "$OUT/histogram-$1.txt" 2>&1 || echo "class histogram ($1) failed" >&2
}

# Every process below is bounded twice: the script stops it, and it stops itself if the script cannot.
BOUND=$((WARMUP + DURATION + 300))

# 1. The stand-in Jaeger agent.
python3 benchmarks/soak/udp_agent.py --ready "$OUT/udp.port" --summary "$OUT/udp.json" \
  --rcvbuf $((4 * 1024 * 1024)) --max-seconds "$BOUND" > "$OUT/udp.log" 2>&1 &
AGENT=$!
wait_for 10 test -s "$OUT/udp.port" || { echo "the UDP receiver did not start: $(cat "$OUT/udp.log")" >&2; exit 1; }
read -r UDP AGENT_PID < "$OUT/udp.port" # the receiver's own pid: python3 may be a shim that execs it

# 2. The demo.
GW=$(free_port); OR=$(free_port); WK=$(free_port)
"${CLEAN_ENV[@]}" JAEGER_AGENT_HOST=127.0.0.1 JAEGER_AGENT_PORT="$UDP" OBS4J_CONSOLE=false \
  timeout "$BOUND" java "${HEAP_FLAGS[@]}" -Xlog:gc:file="$OUT/gc.log":utctime,uptime,level,tags \
  -jar "$APP" --host 127.0.0.1 --gateway-port "$GW" --orders-port "$OR" --worker-port "$WK" > "$OUT/demo.log" 2>&1 &
DEMO=$!
demo_up() {
  kill -0 "$DEMO" 2>/dev/null || { echo "the demo died: $(tail -5 "$OUT/demo.log")" >&2; exit 1; }
  http_ok "http://127.0.0.1:$GW/healthy" && http_ok "http://127.0.0.1:$OR/metrics" && http_ok "http://127.0.0.1:$WK/metrics"
}
wait_for 90 demo_up || { echo "the demo did not answer within 90 s" >&2; exit 1; }
JPID=$(java_of "$DEMO") || { echo "cannot find the demo's java process" >&2; exit 1; }
echo "demo up (pid $JPID): gateway $GW, orders $OR, worker metrics $WK, Jaeger agent udp/$UDP"

# 3. The load: ceil(RATE / PER_CLIENT) Traffic instances, RATE / n requests/s each, WARMUP + DURATION s.
read -r N_CLIENTS CLIENT_RATE < <(python3 -c "import math,sys; r=float(sys.argv[1]); n=math.ceil(r/float(sys.argv[2])); print(n, f'{r/n:.4f}')" "$RATE" "$PER_CLIENT")
for i in $(seq 1 "$N_CLIENTS"); do
  "${CLEAN_ENV[@]}" timeout "$BOUND" java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx64m -cp "$APP" dev.obs4j.demo.Traffic \
    --target "http://127.0.0.1:$GW" --traffic-rate "$CLIENT_RATE" --traffic-duration "$((WARMUP + DURATION))s" \
    > "$OUT/traffic-$i.log" 2>&1 &
  CLIENTS+=($!)
done
echo "load: $N_CLIENTS x dev.obs4j.demo.Traffic at $CLIENT_RATE req/s for $((WARMUP + DURATION)) s"

sleep "$WARMUP"
histogram start
T0=$(date +%s.%N); CPU0=$(cpu_ticks) # the window starts here: after the histogram's full GC, at the first scrape
scrape start
echo "warm-up over at $(date -u +%H:%M:%S); measuring for ${DURATION} s"

# The generators end by themselves after WARMUP + DURATION s (plus their start-up); wait for them, bounded.
deadline=$((SECONDS + DURATION + 60)); late=0
for p in "${CLIENTS[@]}"; do
  while kill -0 "$p" 2>/dev/null; do
    if (( SECONDS > deadline )); then kill "$p" 2>/dev/null || true; late=1; fi
    sleep 0.2
  done
done
CLIENTS=()
(( late == 0 )) || echo "a traffic generator overran its duration by 60 s and was stopped" >&2
T1=$(date +%s.%N); CPU1=$(cpu_ticks)
sleep "$DRAIN"
rm -f "$OUT/udp.json"; kill -USR1 "$AGENT_PID"
wait_for 10 test -s "$OUT/udp.json" || { echo "the UDP receiver wrote no snapshot" >&2; exit 1; }
mv "$OUT/udp.json" "$OUT/udp-at-end-sample.json"
scrape end
RSS_KB=$(awk '/VmRSS/ {print $2}' "/proc/$JPID/status")
histogram end

# Stop the demo (it flushes what it still holds), then the receiver (its final summary covers that too).
kill "$JPID"; wait_for 40 bash -c "! kill -0 $JPID 2>/dev/null" || echo "the demo took over 40 s to stop" >&2
JPID="" DEMO=""
kill "$AGENT_PID"; wait_for 10 test -s "$OUT/udp.json" || echo "the UDP receiver wrote no final summary" >&2
AGENT="" AGENT_PID=""

status=0
python3 - "$OUT" "$T0" "$T1" "$RATE" "$DURATION" "$WARMUP" "$HEAP" "$SLOPE_MAX" "$N_CLIENTS" "$CLIENT_RATE" \
  "$CPU0" "$CPU1" "$(getconf CLK_TCK)" "$RSS_KB" <<'PY' || status=$?
import datetime, glob, json, os, re, statistics, sys

out, t0, t1, rate, duration, warmup, heap, slope_max, n_clients, client_rate, cpu0, cpu1, hz, rss_kb = sys.argv[1:]
t0, t1, rate, slope_max = float(t0), float(t1), float(rate), float(slope_max)
window = t1 - t0
traffic_logs = sorted(glob.glob(os.path.join(out, "traffic-*.log")))
# Each generator writes its last line when its schedule ends: the load's end, to the millisecond.
load_end = max(os.path.getmtime(p) for p in traffic_logs)
loaded = load_end - t0

# --- heap after each GC ---------------------------------------------------------------------------
unit = {"K": 1 / 1024, "M": 1, "G": 1024}
gc_re = re.compile(r"^\[([^\]]+)\]\[([\d.]+)s\]\[info\]\[gc\s*\] GC\((\d+)\) (Pause .*?) "
                   r"(\d+)([KMG])->(\d+)([KMG])\((\d+)([KMG])\) ([\d.]+)ms")
gcs = []
for line in open(os.path.join(out, "gc.log")):
    m = gc_re.match(line)
    if not m:
        continue
    at = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
    gcs.append(dict(at=at, id=int(m.group(3)), kind=m.group(4), after=int(m.group(7)) * unit[m.group(8)],
                    cap=int(m.group(9)) * unit[m.group(10)], ms=float(m.group(11))))
inside = [g for g in gcs if t0 <= g["at"] <= t1]  # the start histogram's full GC comes just before t0
first = [g["after"] for g in inside if g["at"] <= t0 + 60]
last = [g["after"] for g in inside if g["at"] >= t1 - 60]
def slope(points):  # least squares, MB per minute
    xs = [(g["at"] - t0) / 60 for g in points]; ys = [g["after"] for g in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else float("nan")
heap_slope = slope(inside) if len(inside) >= 3 else float("nan")
kinds = {}
for g in inside:
    k = ("full" if "Full" in g["kind"] else "mixed" if "Mixed" in g["kind"] else
         "young" if "Young" in g["kind"] else "remark/cleanup")
    kinds[k] = kinds.get(k, 0) + 1
young_only = [g for g in inside if "Young" in g["kind"]]
young_slope = slope(young_only) if len(young_only) >= 3 else float("nan")

# --- live heap from the class histograms -----------------------------------------------------------
def histo(tag):
    path = os.path.join(out, f"histogram-{tag}.txt")
    if not os.path.exists(path):
        return None
    classes, total = {}, None
    for line in open(path):
        m = re.match(r"\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)", line)
        if m:
            classes[m.group(3)] = (int(m.group(1)), int(m.group(2)))
        m = re.match(r"Total\s+(\d+)\s+(\d+)", line)
        if m:
            total = int(m.group(2))
    return (classes, total) if total else None
h0, h1 = histo("start"), histo("end")

# --- the demo's /metrics ---------------------------------------------------------------------------
parts = ("gateway", "orders", "worker")
line_re = re.compile(r"^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)")
def metrics(tag, part):
    rows = []
    for line in open(os.path.join(out, f"metrics-{tag}-{part}.txt")):
        m = line_re.match(line)
        if m and not line.startswith("#"):
            labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
            rows.append((m.group(1), labels, float(m.group(3))))
    return rows
def total(tag, name, parts_=parts, **want):
    return sum(v for p in parts_ for n, l, v in metrics(tag, p)
               if n == name and all(l.get(k) == w for k, w in want.items()))
def delta(name, parts_=parts, **want):
    return total("end", name, parts_, **want) - total("start", name, parts_, **want)
exporters = {l.get("exporter") for p in parts for n, l, v in metrics("end", p) if n == "obs4j_spans_ended_total"}
reasons = sorted({l["reason"] for p in parts for n, l, v in metrics("end", p) if n == "obs4j_spans_dropped_total"})
dropped_run = {r: total("end", "obs4j_spans_dropped_total", reason=r) for r in reasons}
dropped_win = {r: delta("obs4j_spans_dropped_total", reason=r) for r in reasons}
ended_win = {p: delta("obs4j_spans_ended_total", (p,)) for p in parts}
exported_win = delta("obs4j_spans_exported_total")
queued_end = total("end", "obs4j_export_queue_size")
ended_run = total("end", "obs4j_spans_ended_total")
exported_run = total("end", "obs4j_spans_exported_total")
dg_sent = total("end", "obs4j_jaeger_datagrams_total", outcome="sent")
dg_failed = total("end", "obs4j_jaeger_datagrams_total", outcome="failed")
dg_bytes = total("end", "obs4j_jaeger_datagram_bytes_total")
dg_sent_win = delta("obs4j_jaeger_datagrams_total", outcome="sent")
truncated = total("end", "obs4j_jaeger_spans_truncated_total")
statuses = {}
for n, l, v in metrics("end", "gateway"):
    if n == "http_server_requests_seconds_count":
        statuses[l.get("status")] = statuses.get(l.get("status"), 0) + v
for n, l, v in metrics("start", "gateway"):
    if n == "http_server_requests_seconds_count":
        statuses[l.get("status")] = statuses.get(l.get("status"), 0) - v
requests_win = sum(statuses.values())
orders_placed = statuses.get("201", 0)

# --- the generators and the receiver ---------------------------------------------------------------
sent = serr = cerr = unanswered = 0
for path in traffic_logs:
    lines = [l for l in open(path) if re.match(r"traffic: \d+ sent", l)]
    if lines:
        a = [int(x) for x in re.findall(r"\d+", lines[-1])]
        sent += a[0]; serr += a[1]; cerr += a[2]; unanswered += a[3]
udp_end = json.load(open(os.path.join(out, "udp-at-end-sample.json")))
udp_path = os.path.join(out, "udp.json")
udp_final = json.load(open(udp_path)) if os.path.exists(udp_path) else udp_end

# --- verdict ---------------------------------------------------------------------------------------
fails = []
if sum(dropped_run.values()) > 0:
    fails.append("spans dropped: " + ", ".join(f"{r} {v:.0f}" for r, v in dropped_run.items() if v))
if udp_final["over_65000"] > 0:
    fails.append(f"{udp_final['over_65000']} datagrams over 65,000 bytes (largest {udp_final['max_bytes']})")
if not heap_slope == heap_slope:
    fails.append(f"too few GCs after warm-up ({len(inside)}) to judge the heap")
elif heap_slope > slope_max:
    fails.append(f"post-GC heap rises {heap_slope:.2f} MB/min after warm-up (at most {slope_max:g})")
scheduled = rate * (int(warmup) + int(duration))
if sent < 0.95 * scheduled:
    fails.append(f"the load was not held: {sent} requests sent of {scheduled:.0f} scheduled")
notes = []
if udp_end["datagrams"] != dg_sent:
    notes.append(f"the demo counted {dg_sent:.0f} datagrams sent, the receiver {udp_end['datagrams']}")
if abs(ended_run - exported_run - sum(dropped_run.values()) - queued_end) > 0.5:
    notes.append("ended != exported + dropped + queued at the end sample")

def mb(v): return f"{v:.0f} MB" if v == int(v) else f"{v:.1f} MB"
def med_max(xs): return f"median {mb(statistics.median(xs))}, max {mb(max(xs))} ({len(xs)} GCs)" if xs else "n/a"
cpu = (int(cpu1) - int(cpu0)) / int(hz) / window * 100
with open(os.path.join(out, "window.txt"), "w") as f:
    f.write(f"t0={t0:.3f} load_end={load_end:.3f} t1={t1:.3f}\n")
mix = ", ".join(f"{s} {v:.0f}" for s, v in sorted(statuses.items()) if v)
rows = [
    ("run", f"{loaded:.1f} s measured after {warmup} s warm-up; {rate:g} req/s from {n_clients} x `Traffic` at "
            f"{float(client_rate):g} req/s; demo `{heap}`, G1"),
    ("requests sent, whole run (generators)", f"{sent} of {scheduled:.0f} scheduled ({sent / (int(warmup) + int(duration)):.2f} req/s): "
            f"{serr} answered 5xx, {cerr} answered 4xx, {unanswered} not answered"),
    ("traced requests in the window (gateway RED metrics; `/healthy`, 7% of the mix, is neither traced nor timed)",
            f"{requests_win:.0f} ({requests_win / loaded:.1f} req/s); status {mix}"),
    ("spans ended in the window", f"{sum(ended_win.values()):.0f} ({sum(ended_win.values()) / loaded:.0f} spans/s, "
            f"{sum(ended_win.values()) / max(requests_win, 1):.2f} per traced request): "
            + ", ".join(f"{p} {v:.0f}" for p, v in ended_win.items())),
    ("spans exported in the window", f"{exported_win:.0f}"),
    ("spans dropped, whole run", ", ".join(f"{r} {v:.0f}" for r, v in dropped_run.items()) or "none counted"),
    ("spans ended / exported / queued, whole run", f"{ended_run:.0f} / {exported_run:.0f} / {queued_end:.0f} (exporter {', '.join(sorted(e or '?' for e in exporters))})"),
    ("spans truncated to fit a datagram", f"{truncated:.0f}"),
    ("datagrams sent by the demo / received", f"{dg_sent:.0f} / {udp_end['datagrams']} ({dg_failed:.0f} failed to send; "
            f"{dg_sent_win:.0f} sent in the window); bytes {dg_bytes:.0f} / {udp_end['bytes']}"),
    ("largest datagram; over 65,000 bytes", f"{udp_final['max_bytes']} bytes; {udp_final['over_65000']} "
            f"(all {udp_final['datagrams']} datagrams, shutdown flush included)"),
    ("GCs in the window", f"{len(inside)} (" + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
            + f"), pauses {sum(g['ms'] for g in inside):.0f} ms in all, longest {max((g['ms'] for g in inside), default=0):.1f} ms"),
    ("post-GC heap, first minute after warm-up", med_max(first)),
    ("post-GC heap, last minute", med_max(last)),
    ("post-GC heap slope after warm-up", f"{heap_slope:+.3f} MB/min over every GC (threshold {slope_max:g}); "
            f"young pauses only {young_slope:+.3f} MB/min"),
    ("heap committed at the end", mb(inside[-1]["cap"]) if inside else "n/a"),
]
if h0 and h1:
    rows.append(("live heap (class histogram, full GC) start / end",
                 f"{h0[1] / 2**20:.1f} MB / {h1[1] / 2**20:.1f} MB ({(h1[1] - h0[1]) / 2**20:+.1f} MB; "
                 f"{(h1[1] - h0[1]) / max(orders_placed, 1):.0f} B per order placed in the window, {orders_placed:.0f} orders)"))
rows += [
    ("demo CPU in the window", f"{cpu:.0f}% of one core"),
    ("demo RSS at the end", f"{int(rss_kb) / 1024:.0f} MB"),
    ("verdict", "PASS" if not fails else "FAIL: " + "; ".join(fails)),
]
text = "| measure | value |\n|---|---|\n" + "".join(f"| {k} | {v} |\n" for k, v in rows)
if notes:
    text += "\nNotes: " + "; ".join(notes) + "\n"
if h0 and h1:
    grew = sorted(((h1[0].get(c, (0, 0))[1] - h0[0].get(c, (0, 0))[1], c) for c in set(h0[0]) | set(h1[0])), reverse=True)
    text += "\nLive bytes that grew most between the two histograms:\n\n| class | start B | end B | change B |\n|---|---:|---:|---:|\n"
    for d, c in grew[:12]:
        text += f"| `{c}` | {h0[0].get(c, (0, 0))[1]} | {h1[0].get(c, (0, 0))[1]} | {d:+d} |\n"
print(text)
open(os.path.join(out, "results.md"), "w").write(text)
with open(os.path.join(out, "post-gc-heap.csv"), "w") as f:
    f.write("seconds_after_warmup,gc_id,kind,after_mb,committed_mb,pause_ms\n")
    for g in inside:
        f.write(f"{g['at'] - t0:.3f},{g['id']},{g['kind']},{g['after']:g},{g['cap']:g},{g['ms']}\n")
sys.exit(1 if fails else 0)
PY
echo "results: $OUT/results.md"
exit $status
