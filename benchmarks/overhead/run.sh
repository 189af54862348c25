#!/usr/bin/env bash
# Copyright The obs4j Authors
# SPDX-License-Identifier: Apache-2.0
#
# What obs4j costs a running service, side by side with the bare application and the OpenTelemetry Java
# agent, in one run on one machine. The servers are pinned to core 0, the load generators to core 1.
# Routes: /hello, /orders/17 (a small JSON) and /db/orders/17 (the demo's order lookup: one H2 query through
# a pool, traced by ObsJdbc in obs4j mode), and with ROUTES=... async, /async/orders/17.
#
# Phases, all in one command:
#   1. start-up: ROUNDS times, every configuration in turn is started fresh and timed to its first 200;
#   2. one long-lived server per configuration (all on core 0, idle while another is measured), each route
#      warmed up and run in steps until its rate settles;
#   3. ROUNDS interleaved rounds (the order of the configurations rotates each round): per configuration and
#      route, DURATION seconds of saturated load (wrk) with CPU per request (/proc/PID/stat), CPU by thread
#      group (threads.py), allocation per request (ThreadMXBean, the app's /_stats) and latency; then
#      FIXED_DURATION seconds at a fixed rate (RateLoad, 0.6 of the slowest configuration's settled rate on that route) with the
#      server's CPU per request at that rate; RSS at the end of each round;
#   4. summarize.py: per configuration and route, the median of the per-round ratios to bare with a 95%
#      bootstrap interval over rounds, and a verdict per goal of issue 24 (met / missed / not resolved).
#
#   benchmarks/overhead/run.sh              # the full run: ROUNDS=8, under 30 minutes on 2 cores (timing.txt)
#   benchmarks/overhead/run.sh --quick      # 2 short rounds: checks the harness, resolves nothing
#
# Results: $OUT (default benchmarks/overhead/results): runs.csv, fixed.csv, starts.csv, threads.csv,
# threads-by-name.csv, summary.md and timing.txt (how long each phase took). SKIP_BUILD=1 uses the jar already built (build it with
# mvn -DskipTests package -pl benchmarks/overhead-app -am).
# Needs: a JDK 17, Maven, taskset, curl, python3, wrk (installed with apt-get when missing). Loopback only.
# Where the extra CPU goes, by thread group and by JFR frame at one fixed rate: profile.sh (jfr_account.py).
set -euo pipefail
cd "$(dirname "$0")/../.."

QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1
if (( QUICK )); then
  ROUNDS=${ROUNDS:-2}; DURATION=${DURATION:-2}; FIXED_DURATION=${FIXED_DURATION:-2}; WARMUP=${WARMUP:-6}
  SETTLE_MAX=${SETTLE_MAX:-9}; SETTLE_STEP=${SETTLE_STEP:-3}
fi
ROUNDS=${ROUNDS:-8}
DURATION=${DURATION:-3}
FIXED_DURATION=${FIXED_DURATION:-3}
# One core runs the server, its JIT compiler and GC. Under load the compiler threads get a small share of
# that core, so warming up takes long and takes longer the more code runs per request (measured: /db/orders
# with obs4j at ratio 0.01 ran 3k req/s after 50 s, 20k after 100 s). So every configuration gets WARMUP
# seconds over all routes, then each route runs in SETTLE_STEP steps until its rate stops rising (no step 3%
# above the best so far, three in a row; at most SETTLE_MAX seconds) before any round is measured.
WARMUP=${WARMUP:-20}
SETTLE_MAX=${SETTLE_MAX:-60}
SETTLE_STEP=${SETTLE_STEP:-3}
CONNECTIONS=${CONNECTIONS:-32}
# The fixed rate is this fraction of the slowest configuration's settled rate on the route, so that every
# configuration holds it with room to spare. Tried first (2026-12-07): half of bare's settled rate, at which
# bare used 88% of its core (44 µs x 20k req/s on /hello) and the instrumented servers queued (p50 150 ms);
# then 0.4 of bare's, which, bare having settled early on /hello, was 6.8k req/s: at such rates the CPU per
# request is mostly waking threads (70-120 µs against 28-40 saturated) and varied by ±13 µs between rounds.
# FIXED_RATE_OVERRIDE sets one rate for every route.
FIXED_FRACTION=${FIXED_FRACTION:-0.6}
CONFIGS=${CONFIGS:-"bare obs4j-otlp obs4j-jaeger obs4j-ratio agent-otlp"}
# async: /async/orders/17, the db route answered with ctx.future from the application's own pool
ROUTES=${ROUTES:-"hello orders db"}
path_of() { case $1 in hello) echo /hello ;; orders) echo /orders/17 ;; db) echo /db/orders/17 ;; async) echo /async/orders/17 ;; *) echo "unknown route $1" >&2; exit 2 ;; esac; }
AGENT_VERSION=2.33.1
OUT=${OUT:-benchmarks/overhead/results}
mkdir -p "$OUT"
RESULTS="$OUT/runs.csv"
HERE=benchmarks/overhead

if ! command -v wrk >/dev/null 2>&1; then
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi
if [[ $(nproc) -lt 2 ]]; then echo "needs two cores: the server on one, wrk on the other" >&2; exit 1; fi

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "building the app (mvn -q -DskipTests package -pl benchmarks/overhead-app -am)"
  mvn -B -q -ntp -DskipTests package -pl benchmarks/overhead-app -am
fi
APP=benchmarks/overhead-app/target/overhead-app.jar
AGENT="$OUT/opentelemetry-javaagent-$AGENT_VERSION.jar"
if [[ ! -f "$AGENT" ]]; then
  mvn -B -q -ntp dependency:copy -Dartifact=io.opentelemetry.javaagent:opentelemetry-javaagent:$AGENT_VERSION \
    -DoutputDirectory="$OUT" -Dmdep.stripVersion=false
fi

source "$HERE/servers.sh"   # also sets PY, the interpreter's own path
OTLP_PORT=$(free_port); UDP_PORT=$(free_port)
java -Xmx256m -cp "$APP" dev.obs4j.benchmarks.overhead.Sinks "$OTLP_PORT" "$UDP_PORT" > "$OUT/sinks.log" 2>&1 &
SINKS=$!
declare -A PID PORT
cleanup() {
  kill "$SINKS" 2>/dev/null || true
  for c in "${!PID[@]}"; do kill "${PID[$c]}" 2>/dev/null || true; done
}
trap cleanup EXIT
sleep 1

# The same JVM flags for every configuration; only the instrumentation differs.
JVM=(-Xms256m -Xmx256m -XX:+UseParallelGC)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
allocated() { curl -s "http://127.0.0.1:$1/_stats"; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
HZ=$(getconf CLK_TCK)
wrk_() { taskset -c 1 wrk -t1 -c"$CONNECTIONS" "$@"; }
rotate() { # the words of $2 rotated left by $1
  "$PY" -c 'import sys; w=sys.argv[2].split(); k=int(sys.argv[1])%len(w); print(" ".join(w[k:]+w[:k]))' "$1" "$2"
}
to_ms() { # wrk's 1.23ms, 456.00us, 1.02s in ms
  awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u); printf "%.3f\n", n * (u == "us" ? 0.001 : u == "s" ? 1000 : 1) }'; }
per_req() { awk -v d="$1" -v n="$2" -v k="$3" 'BEGIN { printf "%.2f\n", d * k / (n > 0 ? n : 1) }'; } # d*k/n
# Where the run's time goes, printed at the end and kept in timing.txt
T0=$SECONDS; T_PHASE=$SECONDS; : > "$OUT/timing.txt"
phase_done() { echo "$1: $((SECONDS - T_PHASE)) s" | tee -a "$OUT/timing.txt"; T_PHASE=$SECONDS; }

# 1. start-up, a fresh JVM each time, interleaved
echo "round,config,start_ms" > "$OUT/starts.csv"
for round in $(seq 1 "$ROUNDS"); do
  for config in $(rotate "$round" "$CONFIGS"); do
    start_server "$config" "$(free_port)"
    echo "$round,$config,$START_MS" | tee -a "$OUT/starts.csv"
    kill $SERVER; wait $SERVER 2>/dev/null || true
  done
done

phase_done "1. start-up ($ROUNDS rounds)"

# 2. one server per configuration, warmed up and settled on every route
declare -A FIXED_RATE SLOWEST
for config in $CONFIGS; do
  PORT[$config]=$(free_port)
  start_server "$config" "${PORT[$config]}"
  PID[$config]=$SERVER
  for _ in 1 2 3; do # every route in turn, WARMUP seconds in all
    for route in $ROUTES; do
      wrk_ -d"$(( (WARMUP + 8) / 9 ))s" "http://127.0.0.1:${PORT[$config]}$(path_of "$route")" > /dev/null
    done
  done
  for route in $ROUTES; do
    best=0; flat=0; settled=0
    while (( flat < 3 && settled < SETTLE_MAX )); do
      rps=$(wrk_ -d"${SETTLE_STEP}s" "http://127.0.0.1:${PORT[$config]}$(path_of "$route")" | awk '/Requests\/sec/ {print int($2)}')
      settled=$((settled + SETTLE_STEP))
      if (( rps * 100 > best * 103 )); then flat=0; else flat=$((flat + 1)); fi
      if (( rps > best )); then best=$rps; fi
    done
    echo "$config $route settled after ${settled}s at $best req/s" | tee -a "$OUT/timing.txt"
    if [[ -z "${SLOWEST[$route]:-}" ]] || (( best < SLOWEST[$route] )); then SLOWEST[$route]=$best; fi
  done
done
for route in $ROUTES; do
  FIXED_RATE[$route]=${FIXED_RATE_OVERRIDE:-$(awk -v b="${SLOWEST[$route]}" -v f="$FIXED_FRACTION" 'BEGIN { print int(b * f) }')}
  echo "fixed rate on $route: ${FIXED_RATE[$route]} req/s" | tee -a "$OUT/timing.txt"
done

phase_done "2. warm-up and settling"

# 3. interleaved rounds
echo "round,config,route,rps,cpu_us_per_req,jit_us_per_req,p50_ms,p99_ms,alloc_bytes_per_req,start_ms,rss_mb,settle_s" > "$RESULTS"
echo "round,config,route,request,export,jit,gc,other" > "$OUT/threads.csv"
echo "round,config,route,threads" > "$OUT/threads-by-name.csv"
echo "round,config,route,target_rps,achieved_rps,cpu_us_per_req,p50_ms,p99_ms,errors" > "$OUT/fixed.csv"
START_OF=$(awk -F, 'NR > 1 {print $2 "=" $3}' "$OUT/starts.csv")
TMP=$(mktemp -d)
for round in $(seq 1 "$ROUNDS"); do
  order=$(rotate "$round" "$CONFIGS")
  # Route outside, configuration inside: the five measurements that are compared on one route follow each
  # other within about 20 s. Measured 2026-12-07 with the loops the other way round (a configuration's three
  # routes, then the next configuration's): the server's core slowed for tens of seconds now and then (bare's
  # request threads at 41 instead of 25 µs per request, no JIT, no GC, nothing else running; this VM reports
  # no steal time), and a ratio whose two sides sat a minute apart took one side's slow spell alone.
  for route in $ROUTES; do
    for config in $order; do
      pid=${PID[$config]}; port=${PORT[$config]}
      path=$(path_of "$route")
      "$PY" "$HERE/threads.py" snapshot "$pid" "$TMP/before"
      t_before=$(ticks "$pid"); a_before=$(allocated "$port")
      out=$(wrk_ -d"${DURATION}s" --latency "http://127.0.0.1:$port$path")
      t_after=$(ticks "$pid"); a_after=$(allocated "$port")
      "$PY" "$HERE/threads.py" snapshot "$pid" "$TMP/after"
      requests=$(echo "$out" | awk '/requests in/ {print $1}')
      rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
      p50=$(echo "$out" | awk '$1=="50%" {print $2}')
      p99=$(echo "$out" | awk '$1=="99%" {print $2}')
      cpu=$(per_req "$((t_after - t_before))" "$requests" "$((1000000 / HZ))")
      alloc=$(per_req "$((a_after - a_before))" "$requests" 1 | cut -d. -f1)
      groups=$("$PY" "$HERE/threads.py" diff "$TMP/before" "$TMP/after" "$requests")
      jit=$(echo "$groups" | head -1 | cut -d, -f3)
      start_ms=$(echo "$START_OF" | awk -F= -v c="$config" '$1 == c {s += $2; n++} END {print (n ? int(s / n) : "")}')
      echo "$round,$config,$route,$rps,$cpu,$jit,$(to_ms "$p50"),$(to_ms "$p99"),$alloc,$start_ms,$(( $(rss_kb "$pid") / 1024 )),0" | tee -a "$RESULTS"
      echo "$round,$config,$route,$(echo "$groups" | head -1)" >> "$OUT/threads.csv"
      echo "$round,$config,$route,\"$(echo "$groups" | sed -n 2p)\"" >> "$OUT/threads-by-name.csv"
    done
  done
  for route in $ROUTES; do # the same constant rate for every configuration
    for config in $order; do
      pid=${PID[$config]}; port=${PORT[$config]}
      rate=${FIXED_RATE[$route]}
      t_before=$(ticks "$pid")
      line=$(taskset -c 1 java -Xmx256m -cp "$APP" dev.obs4j.benchmarks.overhead.RateLoad \
        "http://127.0.0.1:$port$(path_of "$route")" "$rate" "$FIXED_DURATION" 16)
      t_after=$(ticks "$pid")
      eval "$(echo "$line" | tr ' ' '\n' | grep '=' | sed 's/^/L_/')"
      cpu=$(per_req "$((t_after - t_before))" "$L_ok" "$((1000000 / HZ))")
      echo "$round,$config,$route,$rate,$L_achieved_rps,$cpu,$L_p50_ms,$L_p99_ms,$L_errors" | tee -a "$OUT/fixed.csv"
    done
  done
  echo "round $round done at $((SECONDS - T0)) s" | tee -a "$OUT/timing.txt"
done
rm -rf "$TMP"

phase_done "3. $ROUNDS rounds"
echo "whole run: $((SECONDS - T0)) s" | tee -a "$OUT/timing.txt"
"$PY" "$HERE/summarize.py" "$OUT" | tee "$OUT/summary.md"
