#!/usr/bin/env bash
# Copyright The obs4j Authors
# SPDX-License-Identifier: Apache-2.0
#
# Sourced by the checks that build: moves into a copy of the sources (the work tree as it is, uncommitted
# changes included, without .git and build outputs), so that no check cleans or rebuilds the work tree's
# target/ folders, whose test reports a developer or a CI reporter reads after ./run-tests. The copy is
# $OBS4J_CHECK_COPY when run-tests made one (the checks then share its builds), else a fresh one removed on exit.
# Sets $root (the work tree) and leaves the shell in the copy.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -n ${OBS4J_CHECK_COPY:-} ]]; then
  cd "$OBS4J_CHECK_COPY"
else
  own_copy=$(mktemp -d)
  (cd "$root" && tar -cf - --exclude=./.git --exclude='./target' --exclude='*/target' --exclude='node_modules' .) \
    | tar -xf - -C "$own_copy"
  cd "$own_copy"
fi
