#!/usr/bin/env bash
# Copyright The obs4j Authors
# SPDX-License-Identifier: Apache-2.0
#
# Static checks of the obs-demo compose folder: what cannot run on a machine without a Docker engine
# is at least parsed and cross-checked by the tools the servers themselves ship.
# Needs: docker-compose (v1 or v2 as `docker-compose`), promtool and amtool (Debian packages
# prometheus and prometheus-alertmanager), node and npm. Run from anywhere:
#   obs-demo/compose/checks/check-config.sh
# Prints one PASS or FAIL line per check (with the tool's output under a FAIL), ends with
# "N passed, M failed" and exits non-zero when anything failed.
set -euo pipefail

checks_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
compose_dir="$(dirname "$checks_dir")"
cd "$compose_dir"

if [ ! -d "$checks_dir/node_modules" ]; then
  (cd "$checks_dir" && npm ci --no-audit --no-fund >/dev/null)
fi
export PATH="$checks_dir/node_modules/.bin:$PATH"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }

# check NAME COMMAND...: runs COMMAND, PASS when it exits 0, else FAIL with its output indented.
check() {
  local name="$1" out rc
  shift
  set +e
  out="$("$@" 2>&1)"
  rc=$?
  set -e
  if [ "$rc" -eq 0 ]; then
    pass "$name"
  else
    fail "$name (exit $rc)"
    printf '%s\n' "$out" | sed 's/^/    /'
  fi
}

# (a) docker-compose parses and validates both variants (no daemon needed).
check "docker-compose config: docker-compose.yml" \
  docker-compose -f docker-compose.yml config -q
check "docker-compose config: docker-compose.yml + docker-compose.host.yml" \
  docker-compose -f docker-compose.yml -f docker-compose.host.yml config -q

# (b) dclint, with the folder's dclint configuration when there is one.
dclint_args=()
for f in .dclintrc .dclintrc.json .dclintrc.yaml .dclintrc.yml .dclintrc.js .dclintrc.cjs .dclintrc.mjs \
         dclint.config.js dclint.config.cjs dclint.config.mjs; do
  if [ -f "$f" ]; then dclint_args=(-c "$f"); break; fi
done
for f in docker-compose.yml docker-compose.host.yml; do
  check "dclint $f" dclint "${dclint_args[@]}" "$f"
done

# (c) Prometheus: configuration (relative rule and target paths resolve from prometheus/), rules, rule unit tests.
check "promtool check config prometheus/prometheus.yml" promtool check config prometheus/prometheus.yml
check "promtool check rules prometheus/rules/*.yml" bash -c 'promtool check rules prometheus/rules/*.yml'
check "promtool test rules prometheus/tests/*.yml" bash -c 'promtool test rules prometheus/tests/*.yml'

# (d) Alertmanager. bot_token_file and chat_id_file need Alertmanager 0.26 / 0.31 (the image is 0.34); an older
# amtool (Debian's is 0.25) checks a copy with those two keys inline instead (AlertChannelsTest checks the
# shipped telegram keys against Alertmanager 0.34's source).
am_copy="$(mktemp --suffix=.yml)"
sed -E -e 's/^([ -]*)bot_token_file: .*/\1bot_token: "0:checked-without-the-file"/' \
  -e 's/^([ -]*)chat_id_file: .*/\1chat_id: -1/' alertmanager/alertmanager.yml > "$am_copy"
check "amtool check-config alertmanager/alertmanager.yml (token and chat id inline)" amtool check-config "$am_copy"
rm -f "$am_copy"

# (e) Every Grafana dashboard type-checks against @grafana/schema's Dashboard type. The generated
# files live under node_modules so that '@grafana/schema' resolves (and git ignores them).
# One loosening: the type of an annotation query has no room for a data source's own keys (a Prometheus
# annotation's expr, step, useValueForTime, titleFormat, tagKeys, which Grafana reads from the annotation
# itself), so an annotation may carry extra keys; its own keys (name, datasource, enable, iconColor) are
# still checked.
ts_dir="$checks_dir/node_modules/.obs-demo-dashboards"
rm -rf "$ts_dir"
mkdir -p "$ts_dir"
shopt -s nullglob
dashboards=(grafana/dashboards/*.json)
shopt -u nullglob
if [ "${#dashboards[@]}" -eq 0 ]; then
  fail "tsc @grafana/schema: no grafana/dashboards/*.json"
else
  for d in "${dashboards[@]}"; do
    {
      echo "import { AnnotationQuery, Dashboard } from '@grafana/schema';"
      echo "type Annotations = { list?: Array<AnnotationQuery & Record<string, unknown>> };"
      printf 'export const d: Omit<Dashboard, "annotations"> & { annotations?: Annotations } = '
      cat "$d"
      echo ';'
    } > "$ts_dir/$(basename "$d" .json).ts"
  done
  set +e
  tsc_out="$(cd "$ts_dir" && tsc --noEmit --strict --skipLibCheck --target es2022 --module esnext \
    --moduleResolution bundler --pretty false ./*.ts 2>&1)"
  tsc_rc=$?
  set -e
  for d in "${dashboards[@]}"; do
    ts="$(basename "$d" .json).ts"
    if printf '%s\n' "$tsc_out" | grep -q "^$ts("; then
      fail "tsc @grafana/schema Dashboard: $d"
      printf '%s\n' "$tsc_out" | grep -A3 "^$ts(" | sed 's/^/    /'
    elif [ "$tsc_rc" -ne 0 ] && ! printf '%s\n' "$tsc_out" | grep -q '^[^ ]*\.ts('; then
      fail "tsc @grafana/schema Dashboard: $d (tsc exit $tsc_rc)"
      printf '%s\n' "$tsc_out" | sed 's/^/    /'
    else
      pass "tsc @grafana/schema Dashboard: $d"
    fi
  done
fi
rm -rf "$ts_dir"

# (f) Keys and cross-references (Grafana, Jaeger, compose, Logstash, Elasticsearch, Kibana):
# check-keys.mjs prints its own PASS/FAIL lines, counted here.
set +e
keys_out="$(node "$checks_dir/check-keys.mjs" 2>&1)"
keys_rc=$?
set -e
printf '%s\n' "$keys_out"
keys_pass="$(printf '%s\n' "$keys_out" | grep -c '^PASS ' || true)"
keys_fail="$(printf '%s\n' "$keys_out" | grep -c '^FAIL ' || true)"
passed=$((passed + keys_pass))
failed=$((failed + keys_fail))
if [ "$keys_rc" -ne 0 ] && [ "$keys_fail" -eq 0 ]; then
  fail "check-keys.mjs exited $keys_rc"
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
