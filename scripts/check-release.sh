#!/usr/bin/env bash
# Copyright The obs4j Authors
# SPDX-License-Identifier: Apache-2.0
#
# A release dry run: `mvn -Prelease -Dgpg.skip verify` on the published modules must build, for each, the
# main jar, a sources jar and a javadoc jar (javadoc without warnings: the release profile fails on one).
# Run after a build, as run-tests does.
set -euo pipefail
cd "$(dirname "$0")/.."

modules=(obs-core obs-http obs-jdbc obs-messaging)
mvn -B -q -ntp -Prelease -Dgpg.skip -DskipTests verify -pl "bom,$(IFS=,; echo "${modules[*]}")" >/dev/null
version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -1)
missing=0
for m in "${modules[@]}"; do
  for kind in "" -sources -javadoc; do
    jar="$m/target/$m-$version$kind.jar"
    if [[ ! -s $jar ]]; then
      echo "release dry run: $jar is missing" >&2
      missing=1
    elif [[ $kind == -javadoc ]] && unzip -l "$jar" | grep -q '/internal/'; then
      echo "release dry run: $jar documents an internal package" >&2
      missing=1
    fi
  done
done
((missing == 0)) && echo "Release dry run: main, sources and javadoc jars for ${modules[*]}"
exit $missing
