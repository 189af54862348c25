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
# The BOM manages exactly the published jars: every module's pom that is a jar and not marked
# obs4j.publish.skip, found anew from the poms so a new module cannot be forgotten in the BOM.
published=$(for pom in */pom.xml */*/pom.xml; do
  grep -q '<packaging>pom</packaging>\|<obs4j.publish.skip>true' "$pom" && continue
  sed -n '/<parent>/,/<\/parent>/d; s:^  <artifactId>\(.*\)</artifactId>$:\1:p' "$pom" | head -1
done | sort)
in_bom=$(sed -n '/<dependencyManagement>/,/<\/dependencyManagement>/ s:.*<artifactId>\(.*\)</artifactId>.*:\1:p' bom/pom.xml | sort)
if [[ "$published" != "$in_bom" ]]; then
  echo "release dry run: the BOM manages [$(echo $in_bom)], the published modules are [$(echo $published)]" >&2
  missing=1
fi
if [[ "$published" != "$(printf '%s\n' "${modules[@]}" | sort)" ]]; then
  echo "release dry run: update modules=() in this script to the published modules [$(echo $published)]" >&2
  missing=1
fi

((missing == 0)) && echo "Release dry run: main, sources and javadoc jars for ${modules[*]}; the BOM manages exactly them"
exit $missing
