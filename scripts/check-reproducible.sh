#!/usr/bin/env bash
# Copyright The obs4j Authors
# SPDX-License-Identifier: Apache-2.0
#
# Reproducible builds: the published modules' main jars built in a copy of the sources (scripts/copy-sources.sh;
# after check-release.sh when run-tests shares the copy, else built here) are compared, by SHA-256, with the
# jars `mvn verify` left in the work tree's target/ (run it after a build, as run-tests does). Fails, naming
# the jar, when a byte differs. project.build.outputTimestamp in the root pom is what makes them equal. The
# work tree is only read.
set -euo pipefail
source "$(dirname "$0")/copy-sources.sh"
trap '[[ -n ${own_copy:-} ]] && rm -rf "$own_copy"' EXIT

modules=(obs-core obs-http obs-jdbc obs-messaging obs-grpc)
version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -1)
checksums() { # the main jar of each module under $1
  for m in "${modules[@]}"; do
    jar="$m/target/$m-$version.jar"
    [[ -e $1/$jar ]] || return 1
    (cd "$1" && sha256sum "$jar")
  done
}

first=$(checksums "$root") || { echo "no jars in the work tree's target/ folders: build first" >&2; exit 1; }
if ! second=$(checksums "$PWD"); then
  mvn -B -q -ntp -DskipTests package -pl "$(IFS=,; echo "${modules[*]}")" -am >/dev/null
  second=$(checksums "$PWD")
fi
if [[ "$first" != "$second" ]]; then
  echo "Not reproducible: two builds of this commit gave different jars:" >&2
  diff <(echo "$first") <(echo "$second") >&2 || true
  exit 1
fi
echo "Reproducible: $(echo "$second" | wc -l) jars byte-identical across two builds"
