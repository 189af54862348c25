#!/usr/bin/env bash
# Copyright The obs4j Authors
# SPDX-License-Identifier: Apache-2.0
#
# Prepares Elasticsearch for the demo's log lines, once (the Job elasticsearch-setup runs it; rerunning it
# is harmless): an index lifecycle policy that deletes each daily obs-demo-* index RETENTION_DAYS after it
# was created, and the compose stack's index template (obs-demo/compose/elasticsearch/index-template.json,
# mounted from a ConfigMap, never copied) with that policy added to its settings.
# Environment: ES_URL, ES_USERNAME, ES_PASSWORD, ES_CA (CA certificate file), TEMPLATE (the template file),
# RETENTION_DAYS (default 7).
#   setup-elasticsearch.sh --print-template   prints the template it would install, and does nothing else.
set -euo pipefail

retention_days="${RETENTION_DAYS:-7}"
template="${TEMPLATE:-/setup/template/index-template.json}"

# The shared template with "index.lifecycle.name" as the first of its settings.
template_with_policy() {
  sed '0,/"settings": {/s//"settings": {\n      "index.lifecycle.name": "obs-demo-logs",/' "$template"
}

if [[ "${1:-}" == "--print-template" ]]; then
  template_with_policy
  exit 0
fi

if ! [[ "$retention_days" =~ ^[1-9][0-9]*$ ]]; then
  echo "RETENTION_DAYS must be a whole number of days above 0, not '$retention_days'" >&2
  exit 2
fi

# The password goes to curl through a file descriptor, never on its command line.
es() {
  local method="$1" path="$2"
  shift 2
  curl -fsS --retry 30 --retry-delay 5 --retry-all-errors --cacert "$ES_CA" \
    -K <(printf 'user = "%s:%s"\n' "$ES_USERNAME" "$ES_PASSWORD") \
    -X "$method" -H 'Content-Type: application/json' "$ES_URL$path" "$@"
  echo
}

es PUT /_ilm/policy/obs-demo-logs --data-binary @- <<JSON
{
  "policy": {
    "phases": {
      "hot": { "actions": {} },
      "delete": { "min_age": "${retention_days}d", "actions": { "delete": {} } }
    }
  }
}
JSON

template_with_policy | es PUT /_index_template/obs-demo --data-binary @-
echo "obs-demo-* indices now live ${retention_days} days"
