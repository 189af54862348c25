#!/usr/bin/env bash
# Copyright The obs4j Authors
# SPDX-License-Identifier: Apache-2.0
#
# A release dry run: `mvn -Prelease -Dgpg.skip verify` on the published modules must build, for each, the
# main jar, a sources jar and a javadoc jar (javadoc without warnings: the release profile fails on one).
# Builds in a copy of the sources (scripts/copy-sources.sh), never in the work tree.
set -euo pipefail
source "$(dirname "$0")/copy-sources.sh"
trap '[[ -n ${own_copy:-} ]] && rm -rf "$own_copy"' EXIT

modules=(obs-core obs-http obs-jdbc obs-messaging obs-grpc)
version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -1)
for m in "${modules[@]}"; do rm -f "$m/target/$m-$version-tests.jar"; done
mvn -B -q -ntp -Prelease -Dgpg.skip -DskipTests verify -pl "bom,$(IFS=,; echo "${modules[*]}")" >/dev/null
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
  if [[ -e $m/target/$m-$version-tests.jar ]]; then
    echo "release dry run: $m attaches a test jar, which would be published" >&2
    missing=1
  fi
done
# Every published pom (the parent, the BOM, each module) carries what Central requires, as Central reads
# it: with what it inherits from the parent.
for m in . bom "${modules[@]}"; do
  effective=$(mktemp)
  mvn -B -q -ntp org.apache.maven.plugins:maven-help-plugin:3.5.1:effective-pom -N -f "$m/pom.xml" \
    -Doutput="$effective" >/dev/null
  for field in name description url licenses/license/name licenses/license/url developers/developer/name \
      scm/url scm/connection scm/developerConnection; do
    value=$(python3 - "$effective" "$field" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"m": "http://maven.apache.org/POM/4.0.0"}
node = ET.parse(sys.argv[1]).getroot()
for part in sys.argv[2].split("/"):
    node = node.find("m:" + part, ns) if node is not None else None
print((node.text or "").strip() if node is not None else "")
PY
)
    if [[ -z $value ]]; then
      echo "release dry run: the pom of $m has no $field, which Maven Central requires" >&2
      missing=1
    fi
  done
  rm -f "$effective"
done
# The BOM manages exactly the published jars: every module's pom that is a jar and not marked
# obs4j.publish.skip, found anew from the poms so a new module cannot be forgotten in the BOM.
published=$(for pom in */pom.xml */*/pom.xml; do
  [[ $pom == scripts/* ]] && continue # the consumer check's own project, not part of the build
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

((missing == 0)) && echo "Release dry run: main, sources and javadoc jars (no test jar) for ${modules[*]}; Central's pom fields in the parent, BOM and modules; the BOM manages exactly them"
exit $missing
