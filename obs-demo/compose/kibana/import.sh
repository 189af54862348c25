#!/usr/bin/env bash
# Copyright The obs4j Authors
# SPDX-License-Identifier: Apache-2.0
#
# Sets up Elasticsearch and Kibana for the obs-demo logs:
#   1. waits until Elasticsearch and Kibana answer,
#   2. PUTs ../elasticsearch/index-template.json as the composable index template `obs-demo`
#      (index pattern obs-demo-*: trace.id, user.id, http.route... as keyword fields),
#   3. imports saved-objects.ndjson into Kibana (data view obs-demo-logs, and the saved searches
#      "obs-demo: logs by trace id" and "obs-demo: errors by route and user"), overwriting older copies,
#   4. makes obs-demo-logs Kibana's default data view.
# The compose service kibana-setup runs it once after `docker compose up`. By hand, against the
# published ports (both idempotent, safe to run again):
#   bash obs-demo/compose/kibana/import.sh
#   ES_URL=http://es.example:9200 KIBANA_URL=http://kibana.example:5601 bash import.sh
# Environment: ES_URL (default http://localhost:9200), KIBANA_URL (default http://localhost:5601),
# WAIT_SECONDS (default 300): how long to wait for each of them.
set -euo pipefail

ES_URL="${ES_URL:-http://localhost:9200}"
KIBANA_URL="${KIBANA_URL:-http://localhost:5601}"
WAIT_SECONDS="${WAIT_SECONDS:-300}"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
template="${here}/../elasticsearch/index-template.json"
saved_objects="${here}/saved-objects.ndjson"

for f in "${template}" "${saved_objects}"; do
  [[ -r "${f}" ]] || { echo "import.sh: cannot read ${f}" >&2; exit 1; }
done

# wait_for NAME URL PATTERN: until GET URL answers 2xx with a body matching PATTERN, or WAIT_SECONDS pass.
wait_for() {
  local name="$1" url="$2" pattern="$3" deadline=$((SECONDS + WAIT_SECONDS)) body
  echo "Waiting for ${name} at ${url} ..."
  while true; do
    if body="$(curl -fsS --max-time 10 "${url}" 2>/dev/null)" && grep -Eq "${pattern}" <<<"${body}"; then
      echo "${name} is up."
      return 0
    fi
    if ((SECONDS >= deadline)); then
      echo "import.sh: ${name} did not answer at ${url} within ${WAIT_SECONDS}s" >&2
      return 1
    fi
    sleep 3
  done
}

wait_for Elasticsearch "${ES_URL}/_cluster/health?wait_for_status=yellow&timeout=5s" '"status" ?: ?"(green|yellow)"'
wait_for Kibana "${KIBANA_URL}/api/status" '"level" ?: ?"available"'

echo "PUT ${ES_URL}/_index_template/obs-demo"
curl -fsS --max-time 30 -X PUT "${ES_URL}/_index_template/obs-demo" \
  -H 'Content-Type: application/json' --data-binary "@${template}"
echo

echo "POST ${KIBANA_URL}/api/saved_objects/_import?overwrite=true"
result="$(curl -fsS --max-time 60 -X POST "${KIBANA_URL}/api/saved_objects/_import?overwrite=true" \
  -H 'kbn-xsrf: true' --form "file=@${saved_objects}")"
echo "${result}"
# The import answers 200 even when single objects fail; "success":true means all of them went in.
if ! grep -Eq '"success" ?: ?true' <<<"${result}"; then
  echo "import.sh: Kibana rejected some saved objects (see errors above)" >&2
  exit 1
fi

# Optional nicety: open Discover on the obs-demo data view. Failure here does not fail the setup.
curl -fsS --max-time 30 -X POST "${KIBANA_URL}/api/data_views/default" \
  -H 'kbn-xsrf: true' -H 'Content-Type: application/json' \
  --data '{"data_view_id": "obs-demo-logs", "force": true}' >/dev/null \
  || echo "import.sh: could not make obs-demo-logs the default data view (not needed)" >&2

echo "Done: index template obs-demo, data view obs-demo-logs and the obs-demo saved searches are in place."
