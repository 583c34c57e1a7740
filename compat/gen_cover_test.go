package compat

import (
	"strings"
	"testing"
)

// TestGeneratorCoverage checks the generator against Redis alone: over a
// few sequences, every command kind must be sent and must get both
// non-error replies and (for most kinds) error replies, so that the
// differential test really exercises each command.
func TestGeneratorCoverage(t *testing.T) {
	rdb := needRedis(t)
	ctx := t.Context()
	all := map[string]bool{}
	for _, ck := range cmdKinds {
		all[ck.name] = true
	}
	ok := map[string]int{}
	bad := map[string]int{}
	for seed := range int64(40) {
		if err := rdb.FlushAll(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		for _, s := range newGen(seed+1, all, *flagLayout).sequence(seqLen) {
			for _, args := range s {
				r, err := redisDo(ctx, rdb, args)
				if err != nil {
					t.Fatal(err)
				}
				if r.isErr {
					bad[countKey(args)]++
				} else {
					ok[countKey(args)]++
				}
				if *flagVerbose {
					t.Logf("%s -> %s", cliQuote(args), r)
				}
			}
		}
	}
	for _, ck := range cmdKinds {
		if ck.name == "XADD bulk" {
			continue // counted as XADD
		}
		if ok[ck.name] == 0 {
			t.Errorf("%s: no successful reply in 40 sequences (errors %d)", ck.name, bad[ck.name])
		}
		needsErr := !strings.HasSuffix(ck.name, "HELP") && ck.name != "EXISTS" && ck.name != "DEL" && ck.name != "TYPE"
		if needsErr && bad[ck.name] == 0 {
			t.Errorf("%s: no error reply in 40 sequences (ok %d)", ck.name, ok[ck.name])
		}
		t.Logf("%-22s ok %4d  errors %4d", ck.name, ok[ck.name], bad[ck.name])
	}
}
