#!/usr/bin/env bash
# Runs every test of every module in this repository, with the race
# detector. The conformance suite in compat/ needs redis-server on PATH
# (apt-get install -y redis-server); without it, it says so and skips.
# go test runs every Fuzz target on its seed corpus. With FUZZTIME set
# (e.g. FUZZTIME=10s), each target below is then also fuzzed that long;
# .ci/run sets it.
set -euo pipefail
cd "$(dirname "$0")"
for mod in $(git ls-files 'go.mod' '*/go.mod' 2>/dev/null || find . -name go.mod); do
	dir=$(dirname "$mod")
	echo "== $dir"
	(cd "$dir" && go vet ./... && go test -race -count=1 ./...)
done
if [ -n "${FUZZTIME:-}" ]; then
	for target in .:FuzzDo .:FuzzDoRedis8 .:FuzzEntries .:FuzzGroupModel .:FuzzChunkList \
		.:FuzzParseID ./resp:FuzzReader ./resp:FuzzServe; do
		pkg=${target%%:*} fz=${target#*:}
		echo "== fuzz $pkg $fz for $FUZZTIME"
		go test -run '^$' -fuzz "^$fz\$" -fuzztime "$FUZZTIME" "$pkg"
	done
fi
