#!/usr/bin/env bash
# Copyright The obs4j Authors
# SPDX-License-Identifier: Apache-2.0
#
# What obs4j costs a running service, side by side with the bare application and the OpenTelemetry Java
# agent, in the same run on one machine. The server is pinned to core 0 and wrk to core 1; configurations
# are interleaved over ROUNDS rounds. Routes: /hello, /orders/17 (a small JSON) and /db/orders/17 (the demo's
# order lookup: one H2 query through a pool, traced by ObsJdbc in obs4j mode), and with ROUTES=... async,
# /async/orders/17 (the same lookup answered with ctx.future from the app's pool). For each configuration and route: throughput, CPU per request
# (utime+stime from /proc/PID/stat over the requests served), p50/p99 latency, allocation per request
# (bytes allocated by the server's threads), time from start to the first 200, and RSS after load.
#
#   benchmarks/overhead/run.sh                      # ROUNDS=3 DURATION=20 WARMUP=30 SETTLE_MAX=300 by default
#   ROUNDS=1 DURATION=5 WARMUP=3 CONFIGS="bare obs4j-jaeger" benchmarks/overhead/run.sh   # a quick look
#
# Needs: a JDK 17, Maven, taskset, curl, python3, wrk (installed with apt-get when missing). Loopback only.
set -euo pipefail
cd "$(dirname "$0")/../.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-20}
# One core runs the server, its JIT compiler and GC. Under load the compiler threads get a small share of
# that core, so warming up takes long and takes longer the more code runs per request: measured, the
# /db/orders route with obs4j at ratio 0.01 ran 3k req/s after 50 s, 8k after 80 s, 20k after 100 s, while
# the C2 thread still used 10 us of CPU per request. So every configuration gets WARMUP seconds over all
# routes, then each route runs in 5 s steps until its rate stops rising (no step 3% above the best so far,
# three steps in a row; at most SETTLE_MAX seconds) before it is measured.
WARMUP=${WARMUP:-30}
SETTLE_MAX=${SETTLE_MAX:-300}
CONNECTIONS=${CONNECTIONS:-32}
CONFIGS=${CONFIGS:-"bare obs4j-otlp obs4j-jaeger obs4j-ratio agent-otlp"}
# async: /async/orders/17, the db route answered with ctx.future from the application's own pool
ROUTES=${ROUTES:-"hello orders db"}
path_of() { case $1 in hello) echo /hello ;; orders) echo /orders/17 ;; db) echo /db/orders/17 ;; async) echo /async/orders/17 ;; *) echo "unknown route $1" >&2; exit 2 ;; esac; }
AGENT_VERSION=2.33.1
OUT=${OUT:-benchmarks/overhead/results}
mkdir -p "$OUT"
RESULTS="$OUT/runs.csv"

if ! command -v wrk >/dev/null 2>&1; then
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi
if [[ $(nproc) -lt 2 ]]; then echo "needs two cores: the server on one, wrk on the other" >&2; exit 1; fi

echo "building the app (mvn -q -DskipTests package -pl benchmarks/overhead-app -am)"
mvn -B -q -ntp -DskipTests package -pl benchmarks/overhead-app -am
APP=benchmarks/overhead-app/target/overhead-app.jar
AGENT="$OUT/opentelemetry-javaagent-$AGENT_VERSION.jar"
if [[ ! -f "$AGENT" ]]; then
  mvn -B -q -ntp dependency:copy -Dartifact=io.opentelemetry.javaagent:opentelemetry-javaagent:$AGENT_VERSION \
    -DoutputDirectory="$OUT" -Dmdep.stripVersion=false
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
OTLP_PORT=$(free_port); UDP_PORT=$(free_port); APP_PORT=$(free_port)
java -Xmx256m -cp "$APP" dev.obs4j.benchmarks.overhead.Sinks "$OTLP_PORT" "$UDP_PORT" > "$OUT/sinks.log" 2>&1 &
SINKS=$!
trap 'kill $SINKS 2>/dev/null || true; [[ -n "${SERVER:-}" ]] && kill $SERVER 2>/dev/null || true' EXIT
sleep 1

# The same JVM flags for every configuration; only the instrumentation differs.
JVM=(-Xms256m -Xmx256m -XX:+UseParallelGC)
start_server() { # config
  local env=(env -u OTEL_TRACES_EXPORTER -u OTEL_TRACES_SAMPLER -u OTEL_TRACES_SAMPLER_ARG)
  case "$1" in
    bare) cmd=(java "${JVM[@]}" -jar "$APP" --mode bare --port "$APP_PORT") ;;
    obs4j-otlp) cmd=(env OTEL_TRACES_EXPORTER=otlp OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$OTLP_PORT"
                     java "${JVM[@]}" -jar "$APP" --mode obs4j --port "$APP_PORT") ;;
    obs4j-jaeger) cmd=(env OTEL_TRACES_EXPORTER=jaeger JAEGER_AGENT_HOST=127.0.0.1 JAEGER_AGENT_PORT="$UDP_PORT"
                       java "${JVM[@]}" -jar "$APP" --mode obs4j --port "$APP_PORT") ;;
    obs4j-ratio) cmd=(env OTEL_TRACES_EXPORTER=otlp OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$OTLP_PORT"
                      OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.01
                      java "${JVM[@]}" -jar "$APP" --mode obs4j --port "$APP_PORT") ;;
    agent-otlp) cmd=(env OTEL_SERVICE_NAME=overhead-app OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$OTLP_PORT"
                     OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf OTEL_METRICS_EXPORTER=none OTEL_LOGS_EXPORTER=none
                     java "${JVM[@]}" -javaagent:"$AGENT" -jar "$APP" --mode bare --port "$APP_PORT") ;;
    *) echo "unknown configuration $1" >&2; exit 2 ;;
  esac
  local t0; t0=$(date +%s%N)
  "${env[@]}" taskset -c 0 "${cmd[@]}" > "$OUT/server-$1.log" 2>&1 &
  SERVER=$!
  until [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$APP_PORT/hello" || true) == 200 ]]; do
    kill -0 $SERVER 2>/dev/null || { echo "server $1 died: $(tail -5 "$OUT/server-$1.log")" >&2; exit 1; }
    sleep 0.02
  done
  START_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
}
ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }
allocated() { curl -s "http://127.0.0.1:$APP_PORT/_stats"; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$SERVER/status"; }
HZ=$(getconf CLK_TCK)

# wrk in 5 s steps on $1 until no step beats the best rate by 3% three times in a row; sets SETTLED (seconds)
settle() {
  local best=0 flat=0 rps
  SETTLED=0
  while (( flat < 3 && SETTLED < SETTLE_MAX )); do
    rps=$(taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d5s "http://127.0.0.1:$APP_PORT$1" | awk '/Requests\/sec/ {print int($2)}')
    SETTLED=$((SETTLED + 5))
    if (( rps * 100 > best * 103 )); then flat=0; else flat=$((flat + 1)); fi
    if (( rps > best )); then best=$rps; fi
  done
}
jit_ticks() { # CPU ticks of the JIT compiler threads
  for t in /proc/"$SERVER"/task/*; do
    if grep -q Compiler "$t/comm" 2>/dev/null; then sed 's/.*) //' "$t/stat" | awk '{print $12 + $13}'; fi
  done | awk '{s += $1} END {print s + 0}'
}

echo "round,config,route,rps,cpu_us_per_req,jit_us_per_req,p50_ms,p99_ms,alloc_bytes_per_req,start_ms,rss_mb,settle_s" > "$RESULTS"
for round in $(seq 1 "$ROUNDS"); do
  for config in $CONFIGS; do
    start_server "$config"
    for _ in 1 2 3; do # every route, in turn, WARMUP seconds in all
      for route in $ROUTES; do
        taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"$(( (WARMUP + 8) / 9 ))s" "http://127.0.0.1:$APP_PORT$(path_of "$route")" > /dev/null
      done
    done
    for route in $ROUTES; do
      path=$(path_of "$route")
      settle "$path"
      t_before=$(ticks); j_before=$(jit_ticks); a_before=$(allocated)
      out=$(taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://127.0.0.1:$APP_PORT$path")
      t_after=$(ticks); j_after=$(jit_ticks); a_after=$(allocated)
      requests=$(echo "$out" | awk '/requests in/ {print $1}')
      rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
      p50=$(echo "$out" | awk '$1=="50%" {print $2}')
      p99=$(echo "$out" | awk '$1=="99%" {print $2}')
      to_ms() { python3 -c "import sys,re; v=sys.argv[1]; n=float(re.match(r'[0-9.]+',v).group()); u=v[len(re.match(r'[0-9.]+',v).group()):]; print(round(n*{'us':0.001,'ms':1,'s':1000}[u],3))" "$1"; }
      cpu=$(python3 -c "print(round(($t_after-$t_before)/$HZ*1e6/$requests, 2))")
      jit=$(python3 -c "print(round(($j_after-$j_before)/$HZ*1e6/$requests, 2))")
      alloc=$(python3 -c "print(round(($a_after-$a_before)/$requests))")
      echo "$round,$config,$route,$rps,$cpu,$jit,$(to_ms "$p50"),$(to_ms "$p99"),$alloc,$START_MS,$(( $(rss_kb) / 1024 )),$SETTLED" | tee -a "$RESULTS"
    done
    kill $SERVER; wait $SERVER 2>/dev/null || true; SERVER=""
  done
done

python3 - "$RESULTS" <<'PY' | tee "$OUT/summary.md"
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
def med(config, route, key):
    return statistics.median(float(r[key]) for r in rows if r["config"] == config and r["route"] == route)
configs = list(dict.fromkeys(r["config"] for r in rows))
print("| configuration | route | req/s (x bare) | CPU µs/req (x bare) | of it JIT µs/req | p50 ms | p99 ms | alloc B/req (+bare) | start ms (+bare) | RSS MB (+bare) | settled after s |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for c in configs:
    for route in ("hello", "orders", "db", "async"):
        if not any(r["config"] == c and r["route"] == route for r in rows):
            continue
        def v(k): return med(c, route, k)
        def b(k): return med("bare", route, k) if "bare" in configs else float("nan")
        print(f"| {c} | {route} | {v('rps'):.0f} ({v('rps')/b('rps'):.2f}x) | {v('cpu_us_per_req'):.1f} ({v('cpu_us_per_req')/b('cpu_us_per_req'):.2f}x) "
              f"| {v('jit_us_per_req'):.1f} | {v('p50_ms'):.2f} | {v('p99_ms'):.2f} | {v('alloc_bytes_per_req'):.0f} ({v('alloc_bytes_per_req')-b('alloc_bytes_per_req'):+.0f}) "
              f"| {v('start_ms'):.0f} ({v('start_ms')-b('start_ms'):+.0f}) | {v('rss_mb'):.0f} ({v('rss_mb')-b('rss_mb'):+.0f}) | {v('settle_s'):.0f} |")
PY
