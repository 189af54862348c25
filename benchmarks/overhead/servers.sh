# Copyright The obs4j Authors
# SPDX-License-Identifier: Apache-2.0
#
# Sourced by run.sh and profile.sh, so that both start the very same configurations. The caller sets APP,
# OUT, AGENT, OTLP_PORT, UDP_PORT and the array JVM (the flags of every configuration) before calling
# start_server.

# The interpreter's own path, once: a version manager's python3 shim (pyenv) costs 0.3-0.4 s per call, which
# over a run's hundreds of calls was minutes of the run.
PY=${PY:-$(python3 -c 'import sys; print(sys.executable)')}
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# start_server CONFIG PORT: starts CONFIG on core 0 and waits for its first 200; sets SERVER (its pid) and
# START_MS (start to first 200).
start_server() {
  local env=(env -u OTEL_TRACES_EXPORTER -u OTEL_TRACES_SAMPLER -u OTEL_TRACES_SAMPLER_ARG)
  local port=$2
  case "$1" in
    bare) cmd=(java "${JVM[@]}" -jar "$APP" --mode bare --port "$port") ;;
    obs4j-otlp) cmd=(env OTEL_TRACES_EXPORTER=otlp OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$OTLP_PORT"
                     java "${JVM[@]}" -jar "$APP" --mode obs4j --port "$port") ;;
    obs4j-jaeger) cmd=(env OTEL_TRACES_EXPORTER=jaeger JAEGER_AGENT_HOST=127.0.0.1 JAEGER_AGENT_PORT="$UDP_PORT"
                       java "${JVM[@]}" -jar "$APP" --mode obs4j --port "$port") ;;
    obs4j-ratio) cmd=(env OTEL_TRACES_EXPORTER=otlp OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$OTLP_PORT"
                      OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.01
                      java "${JVM[@]}" -jar "$APP" --mode obs4j --port "$port") ;;
    agent-otlp) cmd=(env OTEL_SERVICE_NAME=overhead-app OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$OTLP_PORT"
                     OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf OTEL_METRICS_EXPORTER=none OTEL_LOGS_EXPORTER=none
                     java "${JVM[@]}" -javaagent:"$AGENT" -jar "$APP" --mode bare --port "$port") ;;
    *) echo "unknown configuration $1" >&2; exit 2 ;;
  esac
  local t0; t0=$(date +%s%N)
  "${env[@]}" taskset -c 0 "${cmd[@]}" > "$OUT/server-$1.log" 2>&1 &
  SERVER=$!
  until [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/hello" || true) == 200 ]]; do
    kill -0 $SERVER 2>/dev/null || { echo "server $1 died: $(tail -5 "$OUT/server-$1.log")" >&2; exit 1; }
    sleep 0.02
  done
  START_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
}
