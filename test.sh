#!/usr/bin/env bash
# Runs every test of every module in this repository, with the race
# detector. The conformance suite in compat/ needs redis-server on PATH
# (apt-get install -y redis-server); without it, it says so and skips.
# go test runs every Fuzz target on its seed corpus. With FUZZ=1, each
# target below is then also fuzzed for a fixed number of executions (a
# few seconds each here); .ci/run sets it. The budget is a count, not a
# duration: with a duration, a race in Go's fuzz coordinator can fail
# the run at its deadline with a bare "context deadline exceeded" and no
# failing input (go.dev/issue/75804, fixed in Go 1.27). FUZZTIME=5m
# still replaces the counts with a duration, for longer local runs.
set -euo pipefail
cd "$(dirname "$0")"
for mod in $(git ls-files 'go.mod' '*/go.mod' 2>/dev/null || find . -name go.mod); do
	dir=$(dirname "$mod")
	echo "== $dir"
	(cd "$dir" && go vet ./... && go test -race -count=1 ./...)
done
if [ -n "${FUZZ:-}${FUZZTIME:-}" ]; then
	for target in .:FuzzDo:50000 .:FuzzDoRedis8:150000 .:FuzzEntries:800 .:FuzzGroupModel:6000 \
		.:FuzzChunkList:500 .:FuzzParseID:400000 ./resp:FuzzReader:300000 ./resp:FuzzServe:150000; do
		IFS=: read -r pkg fz execs <<<"$target"
		budget=${FUZZTIME:-${execs}x}
		echo "== fuzz $pkg $fz for $budget"
		go test -run '^$' -fuzz "^$fz\$" -fuzztime "$budget" "$pkg"
	done
fi
