// Package compat is instream's conformance suite against a real Redis. It
// holds tests only, in a module of its own so that the core module never
// depends on a Redis client.
//
// The tests start Debian's /usr/bin/redis-server (7.0.15) on a free
// loopback port without persistence, and skip, saying so, where it is
// missing. TestConformance drives (*instream.Engine).Do and the server
// with the same seeded random command sequences (every stream command
// 7.0.15 knows, plus malformed ones) and compares every reply, Go types
// included (go-redis with Protocol 2 gives Do's RESP2 shapes). The only
// differences forgiven are listed in normalize_test.go: nondeterminism
// (generated IDs, times, memory layout) and the places where
// 7.0.15 differs from the newer model the engine implements. TestBlocking
// plays blocking scenarios on both sides. TestConformanceWire
// replays the first 100 seeds a third way, go-redis → in-process
// connection (package resp) → engine, against go-redis → redis-server,
// under RESP2 and RESP3, with transactions (WATCH, MULTI, queued
// commands, EXEC or DISCARD) mixed in, each reply of an EXEC compared as
// its command's. TestWireShapes compares raw replies to a fixed
// script with their wire types (maps, sets, null bulk or null array,
// simple or bulk strings), which go-redis does not tell apart.
//
// On a difference the test prints the seed, the command and both replies,
// then shrinks the sequence and prints it ready to paste into redis-cli.
//
//	go test ./...                          # CI: 300 fixed seeds + 1 fresh
//	INSTREAM_COMPAT_FRESH_SEED=7 go test ./...  # the fresh seed chosen (.ci/run prints its own)
//	go test -run Conformance -compat.n 20000 -compat.first 1000
//	INSTREAM_COMPAT_SEQS=20000 go test -run Conformance
//	go test -run Conformance -compat.seed 42 -compat.v   # one seed, every reply
//	go test -run Conformance -compat.len 250             # longer sequences
//	go test -run Replay -compat.replay seq.txt           # redis-cli lines
//	go test -compat.layout=false  # no ~ trims, radix-tree-keys masked
//
// Differences found are recorded in FINDINGS.md.
package compat
