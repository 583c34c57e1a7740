package resp

import (
	"testing"

	"github.com/instream/instream"
)

// COMMAND's table describes the engine's commands with the engine's
// arities, and describes every one of them.
func TestCmdTable_matchesEngine(t *testing.T) {
	for name, m := range cmdTable {
		if a, ok := instream.CommandArity(name); ok && a != m.arity {
			t.Errorf("%s: COMMAND arity %d, engine arity %d", name, m.arity, a)
		}
	}
	for _, name := range []string{"xadd", "xrange", "xrevrange", "xlen", "xdel", "xtrim", "xsetid", "xinfo", "del", "exists", "type",
		"xread", "xreadgroup", "xgroup", "xack", "xpending", "xclaim", "xautoclaim", "xdelex", "xackdel", "xcfgset", "xidmprecord", "xnack"} {
		if _, ok := instream.CommandArity(name); !ok {
			t.Errorf("the engine does not run %s", name)
		}
		if _, ok := cmdTable[name]; !ok {
			t.Errorf("COMMAND does not describe %s", name)
		}
	}
}
