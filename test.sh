#!/usr/bin/env bash
# Runs every test of every module in this repository, with the race
# detector. The conformance suite in compat/ needs redis-server on PATH
# (apt-get install -y redis-server); without it, it says so and skips.
set -euo pipefail
cd "$(dirname "$0")"
for mod in $(git ls-files 'go.mod' '*/go.mod' 2>/dev/null || find . -name go.mod); do
	dir=$(dirname "$mod")
	echo "== $dir"
	(cd "$dir" && go vet ./... && go test -race -count=1 ./...)
done
