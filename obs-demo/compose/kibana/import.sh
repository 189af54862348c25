#!/usr/bin/env bash
# Copyright The obs4j Authors
# SPDX-License-Identifier: Apache-2.0
#
# Sets up Elasticsearch and Kibana for the obs-demo logs:
#   1. waits until Elasticsearch and Kibana answer,
#   2. PUTs ../elasticsearch/index-template.json as the composable index template `obs-demo`
#      (index pattern obs-demo-*: trace.id, user.id, http.route... as keyword fields), unless
#      INSTALL_INDEX_TEMPLATE=false (then it neither waits for nor calls Elasticsearch),
#   3. imports saved-objects.ndjson into Kibana (data view obs-demo-logs, and the saved searches
#      "obs-demo: logs by trace id" and "obs-demo: errors by route and user"), overwriting older copies,
#   4. makes obs-demo-logs Kibana's default data view.
# The compose service kibana-setup runs it once after `docker compose up`; in a cluster the Job kibana-setup
# (obs-demo/kubernetes/logging) runs this very file, from a ConfigMap. By hand, against the published ports
# (both idempotent, safe to run again):
#   bash obs-demo/compose/kibana/import.sh
#   ES_URL=http://es.example:9200 KIBANA_URL=http://kibana.example:5601 bash import.sh
# Environment: ES_URL (default http://localhost:9200), KIBANA_URL (default http://localhost:5601),
# WAIT_SECONDS (default 300): how long to wait for each of them; INSTALL_INDEX_TEMPLATE (default true).
# With security on (none in compose): KIBANA_USERNAME, KIBANA_PASSWORD, KIBANA_CA (a CA certificate file for
# an https KIBANA_URL), and ES_USERNAME, ES_PASSWORD, ES_CA likewise; each is used only when set.
set -euo pipefail

ES_URL="${ES_URL:-http://localhost:9200}"
KIBANA_URL="${KIBANA_URL:-http://localhost:5601}"
WAIT_SECONDS="${WAIT_SECONDS:-300}"
INSTALL_INDEX_TEMPLATE="${INSTALL_INDEX_TEMPLATE:-true}"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
template="${here}/../elasticsearch/index-template.json"
saved_objects="${here}/saved-objects.ndjson"

case "${INSTALL_INDEX_TEMPLATE}" in
  true) needed=("${template}" "${saved_objects}") ;;
  false) needed=("${saved_objects}") ;;
  *) echo "import.sh: INSTALL_INDEX_TEMPLATE must be true or false, not '${INSTALL_INDEX_TEMPLATE}'" >&2; exit 2 ;;
esac
for f in "${needed[@]}"; do
  [[ -r "${f}" ]] || { echo "import.sh: cannot read ${f}" >&2; exit 1; }
done

# curl_to ES|KIBANA CURL-ARGS...: curl with that server's CA file and user when they are set. The user and
# password go to curl as a config file on a file descriptor, never on its command line (where ps shows them).
curl_to() {
  local ca="${1}_CA" user="${1}_USERNAME" password="${1}_PASSWORD" tls=()
  shift
  if [[ -n "${!ca:-}" ]]; then tls=(--cacert "${!ca}"); fi
  if [[ -n "${!user:-}" ]]; then
    curl "${tls[@]}" -K <(printf 'user = "%s:%s"\n' "$(quoted "${!user}")" "$(quoted "${!password:-}")") "$@"
  else
    curl "${tls[@]}" "$@"
  fi
}

# A value inside a double-quoted string of curl's config file: backslash and double quote escaped.
quoted() {
  local v="${1//\\/\\\\}"
  printf '%s' "${v//\"/\\\"}"
}

# wait_for ES|KIBANA NAME URL PATTERN: until GET URL answers 2xx with a body matching PATTERN, or WAIT_SECONDS
# pass.
wait_for() {
  local server="$1" name="$2" url="$3" pattern="$4" deadline=$((SECONDS + WAIT_SECONDS)) body
  echo "Waiting for ${name} at ${url} ..."
  while true; do
    if body="$(curl_to "${server}" -fsS --max-time 10 "${url}" 2>/dev/null)" && grep -Eq "${pattern}" <<<"${body}"; then
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

if [[ "${INSTALL_INDEX_TEMPLATE}" == true ]]; then
  wait_for ES Elasticsearch "${ES_URL}/_cluster/health?wait_for_status=yellow&timeout=5s" '"status" ?: ?"(green|yellow)"'
fi
wait_for KIBANA Kibana "${KIBANA_URL}/api/status" '"level" ?: ?"available"'

if [[ "${INSTALL_INDEX_TEMPLATE}" == true ]]; then
  echo "PUT ${ES_URL}/_index_template/obs-demo"
  curl_to ES -fsS --max-time 30 -X PUT "${ES_URL}/_index_template/obs-demo" \
    -H 'Content-Type: application/json' --data-binary "@${template}"
  echo
else
  echo "Index template: not installed here (INSTALL_INDEX_TEMPLATE=false)"
fi

echo "POST ${KIBANA_URL}/api/saved_objects/_import?overwrite=true"
result="$(curl_to KIBANA -fsS --max-time 60 -X POST "${KIBANA_URL}/api/saved_objects/_import?overwrite=true" \
  -H 'kbn-xsrf: true' --form "file=@${saved_objects}")"
echo "${result}"
# The import answers 200 even when single objects fail; "success":true means all of them went in.
if ! grep -Eq '"success" ?: ?true' <<<"${result}"; then
  echo "import.sh: Kibana rejected some saved objects (see errors above)" >&2
  exit 1
fi

# Optional nicety: open Discover on the obs-demo data view. Failure here does not fail the setup.
curl_to KIBANA -fsS --max-time 30 -X POST "${KIBANA_URL}/api/data_views/default" \
  -H 'kbn-xsrf: true' -H 'Content-Type: application/json' \
  --data '{"data_view_id": "obs-demo-logs", "force": true}' >/dev/null \
  || echo "import.sh: could not make obs-demo-logs the default data view (not needed)" >&2

echo "Done: data view obs-demo-logs and the obs-demo saved searches are in place."
