#!/usr/bin/env bash
# Copyright The obs4j Authors
# SPDX-License-Identifier: Apache-2.0
#
# Proves the API compatibility check (japicmp, configured in the root pom) before there is a first release
# to compare with: this commit's obs-core is deployed as a throw-away release 0.1.0 to a file repository,
# then compared against three builds of a copy of the sources:
#   0.1.1-SNAPSHOT unchanged                     -> must pass
#   0.1.1-SNAPSHOT with a public method removed  -> must fail (a patch version may not break the API)
#   0.2.0-SNAPSHOT with the same removal         -> must fail (semver holds in 0.x too, CHANGELOG.md)
#   1.0.0-SNAPSHOT with the same removal         -> must pass (a new major version may break)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo="file://$work/repo"
setver="org.codehaus.mojo:versions-maven-plugin:2.18.0:set -DprocessAllModules=true -DgenerateBackupPoms=false"

copy() { # a clean copy of this commit's sources at version $2
  mkdir -p "$1"
  git archive HEAD | tar -x -C "$1"
  (cd "$1" && mvn -B -q -ntp $setver -DnewVersion="$2" >/dev/null)
}
check() { # build obs-core in $1 and compare it with the baseline; prints the outcome
  # maven.test.skip: the tests are not compiled either, since they may call the method the check removes
  (cd "$1" && mvn -B -ntp -Dmaven.test.skip=true -Dobs4j.api.skip=false -Dobs4j.api.baseline=0.1.0 \
     -Dobs4j.api.repository="$repo" verify -pl obs-core > "$1/check.log" 2>&1) && echo pass || echo fail
}

copy "$work/base" 0.1.0
(cd "$work/base" && mvn -B -q -ntp -DskipTests deploy -pl .,obs-core -DaltDeploymentRepository="baseline::$repo" >/dev/null)

copy "$work/same" 0.1.1-SNAPSHOT
copy "$work/patch" 0.1.1-SNAPSHOT
copy "$work/minor" 0.2.0-SNAPSHOT
copy "$work/major" 1.0.0-SNAPSHOT
for dir in patch minor major; do # remove ObsContext.traceId(), a public method
  python3 - "$work/$dir/obs-core/src/main/java/dev/obs4j/ObsContext.java" <<'PY'
import re, sys
path = sys.argv[1]
source = open(path).read()
changed = re.sub(r"\n  /\*\*(?:(?!\*/).)*\*/\n  public static @Nullable String traceId\(\) \{.*?\n  \}\n", "\n", source, count=1, flags=re.S)
assert changed != source, "ObsContext.traceId() not found: update this check"
open(path, "w").write(changed)
PY
done

fail=0
[[ $(check "$work/same") == pass ]] || { echo "api check: an unchanged API failed the check:" >&2; tail -30 "$work/same/check.log" >&2; fail=1; }
[[ $(check "$work/patch") == fail ]] || { echo "api check: removing a public method in a patch version passed" >&2; fail=1; }
grep -q "traceId" "$work/patch/check.log" || { echo "api check: the failure does not name the removed method:" >&2; tail -30 "$work/patch/check.log" >&2; fail=1; }
[[ $(check "$work/minor") == fail ]] || { echo "api check: removing a public method in a minor version passed" >&2; fail=1; }
[[ $(check "$work/major") == pass ]] || { echo "api check: the same removal in a new major version (1.0.0) failed:" >&2; tail -30 "$work/major/check.log" >&2; fail=1; }
((fail == 0)) && echo "API check: japicmp passes an unchanged API, fails a removed public method in 0.1.1 and 0.2.0, accepts it in 1.0.0"
exit $fail
