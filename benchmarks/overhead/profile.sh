#!/usr/bin/env bash
# Copyright The obs4j Authors
# SPDX-License-Identifier: Apache-2.0
#
# Where the extra CPU per request goes (issue 24, "account for the cost"): for bare and each instrumented
# configuration, one server at a time on core 0 (the load on core 1, the JVM flags of run.sh), warmed up
# and settled as run.sh does, then each route under the SAME fixed rate for every configuration (RateLoad,
# FIXED_FRACTION of bare's settled rate on that route) for RECORD seconds while the server records JFR
# (jdk.ExecutionSample every JFR_PERIOD, stacks up to JFR_STACKDEPTH frames) and threads' CPU is read before
# and after (/proc/PID/task/*: schedstat, utime, stime). jfr_account.py then prints, per configuration and
# route: CPU µs per request by thread group (request user/kernel, export, JIT, GC, other), the request
# threads' JFR samples split into instrumentation regions (by entry point and top-frame library) and the rest,
# and one table that adds the extra CPU over bare up by component.
#
#   benchmarks/overhead/profile.sh                                  # bare, obs4j-otlp, obs4j-jaeger; hello, orders
#   CONFIGS="bare obs4j-otlp agent-otlp" ROUTES="db" RECORD=60 benchmarks/overhead/profile.sh
#
# About 8-10 minutes with the defaults on 2 cores. Results in $OUT (default benchmarks/overhead/results/profile):
# profile.csv (one row per recording), the .jfr files, the thread snapshots, accounting.md (the report);
# `python3 benchmarks/overhead/jfr_account.py report DIR` prints the report again. JFR samples only threads
# that run Java code: kernel time (socket I/O) and the VM's own native work are never in the samples, which
# is why the report splits the request threads' CPU into user and kernel time first.
# SKIP_BUILD=1 uses the jar already built. Needs a JDK 17 (java, jcmd, jfr), taskset, curl, python3, wrk.
# Loopback only.
set -euo pipefail
cd "$(dirname "$0")/../.."

CONFIGS=${CONFIGS:-"bare obs4j-otlp obs4j-jaeger"}
ROUTES=${ROUTES:-"hello orders"}
WARMUP=${WARMUP:-20}
SETTLE_MAX=${SETTLE_MAX:-45}
SETTLE_STEP=${SETTLE_STEP:-3}
CONNECTIONS=${CONNECTIONS:-32}
FIXED_FRACTION=${FIXED_FRACTION:-0.5}
RECORD=${RECORD:-30}
JFR_PERIOD=${JFR_PERIOD:-1ms}          # JDK 17 accepts jdk.ExecutionSample#period down to 1 ms
JFR_STACKDEPTH=${JFR_STACKDEPTH:-256}  # JFR keeps 64 frames by default; Jetty's stacks come near that
JFR_SETTINGS=${JFR_SETTINGS:-profile}   # the JDK's profile.jfc; the sampling period is set on top of it
path_of() { case $1 in hello) echo /hello ;; orders) echo /orders/17 ;; db) echo /db/orders/17 ;; async) echo /async/orders/17 ;; *) echo "unknown route $1" >&2; exit 2 ;; esac; }
AGENT_VERSION=2.33.1
OUT=${OUT:-benchmarks/overhead/results/profile}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd) # jcmd writes the recording from the server's own working directory
HERE=benchmarks/overhead

for tool in java jcmd jfr taskset curl python3; do
  command -v $tool >/dev/null 2>&1 || { echo "needs $tool" >&2; exit 1; }
done
if ! command -v wrk >/dev/null 2>&1; then
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi
if [[ $(nproc) -lt 2 ]]; then echo "needs two cores: the server on one, the load on the other" >&2; exit 1; fi

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "building the app (mvn -q -DskipTests package -pl benchmarks/overhead-app -am)"
  ${MVN:-mvn} -B -q -ntp -DskipTests package -pl benchmarks/overhead-app -am
fi
APP=benchmarks/overhead-app/target/overhead-app.jar
AGENT=benchmarks/overhead/results/opentelemetry-javaagent-$AGENT_VERSION.jar
if [[ " $CONFIGS " == *" agent-otlp "* && ! -f "$AGENT" ]]; then
  ${MVN:-mvn} -B -q -ntp dependency:copy -Dartifact=io.opentelemetry.javaagent:opentelemetry-javaagent:$AGENT_VERSION \
    -DoutputDirectory="$(dirname "$AGENT")" -Dmdep.stripVersion=false
fi

source "$HERE/servers.sh"
OTLP_PORT=$(free_port); UDP_PORT=$(free_port)
java -Xmx256m -cp "$APP" dev.obs4j.benchmarks.overhead.Sinks "$OTLP_PORT" "$UDP_PORT" > "$OUT/sinks.log" 2>&1 &
SINKS=$!
SERVER=""
cleanup() {
  kill "$SINKS" 2>/dev/null || true
  [[ -n "$SERVER" ]] && kill "$SERVER" 2>/dev/null || true
}
trap cleanup EXIT
sleep 1

# run.sh's JVM flags for every configuration, plus a deeper JFR stack (only read when a recording runs)
JVM=(-Xms256m -Xmx256m -XX:+UseParallelGC -XX:FlightRecorderOptions=stackdepth="$JFR_STACKDEPTH")
wrk_() { taskset -c 1 wrk -t1 -c"$CONNECTIONS" "$@"; }
jcmd_() { taskset -c 1 jcmd "$@" > /dev/null; }

declare -A FIXED_RATE
echo "config,route,rate,achieved_rps,ok,errors,late,seconds,period_ms,before,after,jfr,uptime" > "$OUT/profile.csv"
period_ms=$("$PY" -c "import re,sys; v=sys.argv[1].replace(' ',''); n=float(re.match(r'[0-9.]+',v).group()); print(n*{'ns':1e-6,'us':1e-3,'ms':1,'s':1000}[v[len(re.match(r'[0-9.]+',v).group()):]])" "$JFR_PERIOD")
for config in $CONFIGS; do
  port=$(free_port)
  start_server "$config" "$port"
  pid=$SERVER
  for _ in 1 2 3; do # as run.sh: every route in turn, WARMUP seconds in all, then each route until it settles
    for route in $ROUTES; do
      wrk_ -d"$(( (WARMUP + 8) / 9 ))s" "http://127.0.0.1:$port$(path_of "$route")" > /dev/null
    done
  done
  for route in $ROUTES; do
    best=0; flat=0; settled=0
    while (( flat < 3 && settled < SETTLE_MAX )); do
      rps=$(wrk_ -d"${SETTLE_STEP}s" "http://127.0.0.1:$port$(path_of "$route")" | awk '/Requests\/sec/ {print int($2)}')
      settled=$((settled + SETTLE_STEP))
      if (( rps * 100 > best * 103 )); then flat=0; else flat=$((flat + 1)); fi
      if (( rps > best )); then best=$rps; fi
    done
    echo "$config $route settled after ${settled}s at $best req/s"
    if [[ -z "${FIXED_RATE[$route]:-}" ]]; then # bare first: without bare, the first configuration's rate
      FIXED_RATE[$route]=${FIXED_RATE_OVERRIDE:-$(awk -v b="$best" -v f="$FIXED_FRACTION" 'BEGIN { print int(b * f) }')}
    fi
  done
  for route in $ROUTES; do
    rate=${FIXED_RATE[$route]}
    base="$config-$route"
    jcmd_ "$pid" JFR.start name=account settings="$JFR_SETTINGS" "jdk.ExecutionSample#period=$JFR_PERIOD"
    "$PY" "$HERE/jfr_account.py" snapshot "$pid" "$OUT/$base.before"
    line=$(taskset -c 1 java -Xmx256m -cp "$APP" dev.obs4j.benchmarks.overhead.RateLoad \
      "http://127.0.0.1:$port$(path_of "$route")" "$rate" "$RECORD" 16)
    "$PY" "$HERE/jfr_account.py" snapshot "$pid" "$OUT/$base.after"
    jcmd_ "$pid" JFR.stop name=account filename="$OUT/$base.jfr"
    load=$(awk '{print $1}' /proc/loadavg)
    eval "$(echo "$line" | tr ' ' '\n' | grep '=' | sed 's/^/L_/')"
    echo "$config $route at $rate req/s: $line (load $load)"
    echo "$config,$route,$rate,$L_achieved_rps,$L_ok,$L_errors,$L_late,$L_seconds,$period_ms,$base.before,$base.after,$base.jfr,$load" \
      >> "$OUT/profile.csv"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  SERVER=""
done

"$PY" "$HERE/jfr_account.py" report "$OUT" | tee "$OUT/accounting.md"
