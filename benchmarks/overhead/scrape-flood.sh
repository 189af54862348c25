#!/usr/bin/env bash
# Copyright The obs4j Authors
# SPDX-License-Identifier: Apache-2.0
#
# Does scraping /metrics slow the requests a service serves? The overhead app (obs4j mode: traces to a
# loopback UDP sink, RED metrics, log correlation) is pinned to core 0 and wrk to core 1, as in run.sh.
# Each round measures GET /orders/17 for DURATION seconds three ways, interleaved: with no scrapes; with
# Prometheus' pace in MetricsServerSecurityTest (an OpenMetrics scrape every 100 ms, 10/s); and flooded
# (one client scraping back to back, as fast as the server answers). Reported per way: requests/s, p50
# and p99, server CPU per request (the scrapes' own CPU included), and scrapes served.
#
#   benchmarks/overhead/scrape-flood.sh                 # ROUNDS=3 DURATION=20 WARMUP=60
#   ROUNDS=1 DURATION=5 WARMUP=10 benchmarks/overhead/scrape-flood.sh   # a quick look
#
# Needs: a JDK 17, Maven, taskset, curl, python3, wrk (installed with apt-get when missing). Loopback only.
set -euo pipefail
cd "$(dirname "$0")/../.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-60}
CONNECTIONS=${CONNECTIONS:-32}
OUT=${OUT:-benchmarks/overhead/results}
mkdir -p "$OUT"
RESULTS="$OUT/scrape-flood.csv"

if ! command -v wrk >/dev/null 2>&1; then
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi
if [[ $(nproc) -lt 2 ]]; then echo "needs two cores: the server on one, wrk on the other" >&2; exit 1; fi
mvn -B -q -ntp -DskipTests package -pl benchmarks/overhead-app -am
APP=benchmarks/overhead-app/target/overhead-app.jar

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
OTLP_PORT=$(free_port); UDP_PORT=$(free_port); APP_PORT=$(free_port)
SINKS="" SERVER="" SCRAPER=""
trap 'for p in $SCRAPER $SERVER $SINKS; do kill $p 2>/dev/null || true; done' EXIT
java -Xmx256m -cp "$APP" dev.obs4j.benchmarks.overhead.Sinks "$OTLP_PORT" "$UDP_PORT" > "$OUT/sinks.log" 2>&1 &
SINKS=$!
env OTEL_TRACES_EXPORTER=jaeger JAEGER_AGENT_HOST=127.0.0.1 JAEGER_AGENT_PORT="$UDP_PORT" \
  taskset -c 0 java -Xms256m -Xmx256m -XX:+UseParallelGC -jar "$APP" --mode obs4j --port "$APP_PORT" \
  > "$OUT/server-scrape-flood.log" 2>&1 &
SERVER=$!
until [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$APP_PORT/hello" || true) == 200 ]]; do
  kill -0 $SERVER 2>/dev/null || { echo "server died: $(tail -5 "$OUT/server-scrape-flood.log")" >&2; exit 1; }
  sleep 0.05
done
URL="http://127.0.0.1:$APP_PORT/orders/17"
METRICS="http://127.0.0.1:$APP_PORT/metrics"
ACCEPT='Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5'
echo "warming up ${WARMUP}s (requests and scrapes)"
taskset -c 1 bash -c "for i in \$(seq 1 $((WARMUP * 5))); do curl -s -o /dev/null -H '$ACCEPT' $METRICS; sleep 0.2; done" &
taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" "$URL" > /dev/null
wait $! 2>/dev/null || true

ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }
HZ=$(getconf CLK_TCK)
scrapes() { local n; n=$(grep -c '^scraped' "$1" 2>/dev/null) || true; echo "${n:-0}"; }
start_scraper() { # pace: seconds between scrapes, 0 for back to back; bounded by DURATION + 5 s
  local log=$1 pace=$2
  : > "$log"
  taskset -c 1 bash -c "end=\$((SECONDS + DURATION + 5)); while (( SECONDS < end )); do
      curl -s -o /dev/null -w 'scraped %{http_code}\n' -H '$ACCEPT' $METRICS >> $log
      [[ $pace == 0 ]] || sleep $pace
    done" DURATION="$DURATION" &
  SCRAPER=$!
}

echo "round,way,rps,p50_ms,p99_ms,cpu_us_per_req,scrapes" > "$RESULTS"
for round in $(seq 1 "$ROUNDS"); do
  for way in none every-100ms flood; do
    log="$OUT/scrapes-$way.log"; : > "$log"
    case $way in every-100ms) start_scraper "$log" 0.1 ;; flood) start_scraper "$log" 0 ;; esac
    sleep 1
    before_log=$(scrapes "$log"); t0=$(ticks)
    out=$(taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$URL")
    t1=$(ticks); after_log=$(scrapes "$log")
    if [[ -n "$SCRAPER" ]]; then kill "$SCRAPER" 2>/dev/null || true; wait "$SCRAPER" 2>/dev/null || true; SCRAPER=""; fi
    python3 - "$round" "$way" "$t0" "$t1" "$HZ" "$((after_log - before_log))" "$out" >> "$RESULTS" <<'PY'
import re, sys
round_, way, t0, t1, hz, scraped, out = sys.argv[1:]
def ms(v, u): return float(v) * {"us": 0.001, "ms": 1, "s": 1000}[u]
reqs = int(re.search(r"(\d+) requests in", out).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
p50 = ms(*re.search(r"50%\s+([\d.]+)(us|ms|s)", out).groups())
p99 = ms(*re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups())
cpu = (int(t1) - int(t0)) / int(hz) * 1e6 / max(reqs, 1)
print(f"{round_},{way},{rps:.0f},{p50:.2f},{p99:.2f},{cpu:.1f},{scraped}")
PY
    tail -1 "$RESULTS"
  done
done
python3 - "$RESULTS" "$DURATION" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
duration = int(sys.argv[2])
base = {r["round"]: r for r in rows if r["way"] == "none"}
print("\n| scrapes during the run | requests/s (vs none, per round) | p50 ms | p99 ms | server CPU µs per request (vs none) | scrapes/s served |")
print("|---|---|---|---|---|---|")
for way in ("none", "every-100ms", "flood"):
    rs = [r for r in rows if r["way"] == way]
    rps = [float(r["rps"]) / float(base[r["round"]]["rps"]) for r in rs]
    cpu = [float(r["cpu_us_per_req"]) / float(base[r["round"]]["cpu_us_per_req"]) for r in rs]
    mean = lambda key: statistics.fmean(float(r[key]) for r in rs)
    print(f"| {way} | {mean('rps'):,.0f} ({min(rps):.2f}-{max(rps):.2f}x) | {mean('p50_ms'):.2f} | {mean('p99_ms'):.2f} "
          f"| {mean('cpu_us_per_req'):.1f} ({min(cpu):.2f}-{max(cpu):.2f}x) | {mean('scrapes') / duration:.1f} |")
PY
