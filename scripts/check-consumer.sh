#!/usr/bin/env bash
# Copyright The obs4j Authors
# SPDX-License-Identifier: Apache-2.0
#
# A user's build, outside the reactor: deploys the published modules (parent, BOM, jars) into a throw-away
# file repository, builds scripts/consumer against it with a throw-away local repository (so nothing from
# this checkout's ~/.m2 can stand in), runs it ON THE MODULE PATH, and checks the request was traced end to
# end: the caller's trace id comes back in `traceresponse`, the OTLP export (received by a loopback sink)
# carries that trace id with the server span and the JDBC span, and /metrics has the route's timer.
# Needs network access to Maven Central for third-party jars (as any user's first build does).
set -euo pipefail
source "$(dirname "$0")/copy-sources.sh" # deploys from a copy of the sources: the work tree's target/ stays
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
  if [[ -n ${own_copy:-} ]]; then rm -rf "$own_copy"; fi
}
trap cleanup EXIT

version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -1)
mvn -B -q -ntp -DskipTests deploy -pl .,bom,obs-core,obs-http,obs-jdbc,obs-messaging,obs-grpc \
  -DaltDeploymentRepository="under-test::file://$work/repo" >/dev/null

consumer="$work/consumer"
cp -r scripts/consumer "$consumer"
mvn -B -q -ntp -f "$consumer/pom.xml" -Dmaven.repo.local="$work/m2" \
  -Dobs4j.version="$version" -Dobs4j.repository="file://$work/repo" package >/dev/null
# What the consumer compiled against came from the throw-away repository, at the version under test.
test -s "$consumer/target/lib/obs-core-${version%-SNAPSHOT}"*.jar || {
  echo "consumer: obs-core $version was not resolved from the deployed repository" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
sink_port=$(free_port)
# A loopback OTLP/HTTP receiver that keeps every export body.
python3 - "$sink_port" "$work/otlp" <<'PY' &
import http.server, os, sys
port, out = int(sys.argv[1]), sys.argv[2]
os.makedirs(out, exist_ok=True)
class Sink(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(os.path.join(out, "%d-%s.bin" % (len(os.listdir(out)), self.path.strip("/").replace("/", "_"))), "wb") as f:
            f.write(body)
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *args): pass
http.server.HTTPServer(("127.0.0.1", port), Sink).serve_forever()
PY
pids+=($!)

OTEL_TRACES_EXPORTER=otlp OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink_port" OTEL_BSP_SCHEDULE_DELAY=200 \
  java -p "$consumer/target/classes:$consumer/target/lib" -m dev.obs4j.consumer/dev.obs4j.consumer.Main \
  > "$work/app.log" 2>&1 &
app=$!
pids+=($app)
port=
for _ in $(seq 1 100); do
  port=$(sed -n 's/^LISTENING \([0-9]*\) module dev.obs4j.consumer$/\1/p' "$work/app.log")
  [[ -n $port ]] && break
  kill -0 "$app" 2>/dev/null || break
  sleep 0.2
done
if [[ -z $port ]]; then
  echo "consumer: the service did not start on the module path:" >&2; cat "$work/app.log" >&2; exit 1
fi

trace=4bf92f3577b34da6a3ce929d0e0e4736
headers=$(curl -sS -D - -o "$work/body" -H "traceparent: 00-$trace-00f067aa0ba902b7-01" "http://127.0.0.1:$port/orders/17")
fail=0
grep -q '^book$' "$work/body" || { echo "consumer: GET /orders/17 answered $(cat "$work/body")" >&2; fail=1; }
grep -qi "^traceresponse: 00-$trace-" <<<"$headers" || { echo "consumer: no traceresponse for trace $trace in: $headers" >&2; fail=1; }
metrics=$(curl -sS "http://127.0.0.1:$port/metrics")
grep -q 'http_server_requests_seconds_count{.*uri="/orders/{id}"' <<<"$metrics" \
  || { echo "consumer: /metrics has no http_server_requests for /orders/{id}" >&2; fail=1; }
kill -TERM "$app"; wait "$app" 2>/dev/null || true   # the shutdown hook closes Obs, which flushes the spans
python3 - "$work/otlp" "$trace" <<'PY' || fail=1
import os, sys
out, trace = sys.argv[1], bytes.fromhex(sys.argv[2])
bodies = [open(os.path.join(out, f), "rb").read() for f in sorted(os.listdir(out)) if f.endswith("v1_traces.bin")]
joined = b"".join(bodies)
# OTLP protobuf carries the trace id as 16 raw bytes in every span of the trace; the server span is named
# after the route, the JDBC span after the statement.
problems = []
if joined.count(trace) < 2:
    problems.append("the trace id appears in %d spans, want the server and the JDBC span" % joined.count(trace))
for name in (b"GET /orders/{id}", b"SELECT", b"consumer"):
    if name not in joined:
        problems.append("no %r in the export" % name)
if problems:
    print("consumer: OTLP export (%d requests): %s" % (len(bodies), "; ".join(problems)), file=sys.stderr)
    sys.exit(1)
PY
if ((fail)); then cat "$work/app.log" >&2; exit 1; fi
echo "Consumer on the module path: built against the deployed BOM $version, traced GET /orders/17 end to end (server + JDBC spans exported over OTLP, traceresponse, metrics)"
