#!/usr/bin/env bash
# Copyright The obs4j Authors
# SPDX-License-Identifier: Apache-2.0
#
# Reproducible builds: rebuilds the published modules from clean and compares each jar's SHA-256 with the
# jar already in target/ (run it after a build, as run-tests does after `mvn verify`). Fails, naming the
# jar, when a byte differs. project.build.outputTimestamp in the root pom is what makes them equal.
set -euo pipefail
cd "$(dirname "$0")/.."

modules=(obs-core obs-http obs-jdbc obs-messaging obs-grpc)
checksums() {
  for m in "${modules[@]}"; do
    for jar in "$m"/target/"$m"-*.jar; do
      [[ -e $jar ]] || { echo "no jar in $m/target: build first" >&2; exit 1; }
      sha256sum "$jar"
    done
  done
}

first=$(checksums)
mvn -B -q -ntp -DskipTests clean package -pl "$(IFS=,; echo "${modules[*]}")" >/dev/null
second=$(checksums)
if [[ "$first" != "$second" ]]; then
  echo "Not reproducible: two builds of this commit gave different jars:" >&2
  diff <(echo "$first") <(echo "$second") >&2 || true
  exit 1
fi
echo "Reproducible: $(echo "$second" | wc -l) jars byte-identical across two builds"
