package compat

import (
	"strings"

	"github.com/redis/go-redis/v9"
)

// transaction returns a MULTI ... EXEC (or DISCARD) step, often after a
// WATCH and sometimes a command between WATCH and MULTI that may modify
// the watched key. Queued commands are well-formed mostly, sometimes
// malformed (a wrong arity aborts the EXEC, other errors do not) or
// unknown. Commands whose replies the runner pairs by position (XADD
// "*"), or which it may skip or answer with help from the server
// (XSETID, ~ trims), stay out of the queue.
func (g *gen) transaction() step {
	var s step
	if g.p(0.5) {
		w := []string{g.kw("WATCH"), g.key()}
		if g.p(0.3) {
			w = append(w, g.key())
		}
		s = append(s, w)
		switch {
		case g.p(0.4):
			s = append(s, g.txCommands()...)
		case g.p(0.1):
			s = append(s, []string{g.kw("UNWATCH")})
		}
	}
	s = append(s, []string{g.kw("MULTI")})
	for range 1 + g.n(4) {
		switch x := g.n(100); {
		case x < 3:
			s = append(s, []string{"XUNKNOWN", g.key()})
		case x < 5:
			s = append(s, []string{g.kw("MULTI")})
		case x < 7:
			s = append(s, []string{g.kw("WATCH"), g.key()})
		default:
			s = append(s, g.txCommands()...)
		}
	}
	if g.p(0.1) {
		s = append(s, []string{g.kw("DISCARD")})
	} else {
		s = append(s, []string{g.kw("EXEC")})
	}
	return s
}

// txCommands returns the commands of a step fit to queue.
func (g *gen) txCommands() step {
	for {
		var s step
		if g.p(0.15) {
			s = g.malformed()
		} else {
			s = g.wellFormed()
		}
		if s == nil {
			continue
		}
		if last := s[len(s)-1]; needsCompanion(last) {
			s = withCompanions(last)
		}
		if g.allowed(s) && queueable(s) {
			return s
		}
	}
}

func queueable(s step) bool {
	for _, c := range s {
		if strings.EqualFold(c[0], "XSETID") {
			return false
		}
		if i := xaddIDIndex(c); i > 0 && c[i] == "*" {
			return false
		}
		for _, a := range c {
			if a == "~" {
				return false
			}
		}
	}
	return true
}

// txState follows a MULTI on the runner's connections: the commands
// queued, whose replies EXEC gives in order.
type txState struct {
	multi  bool
	queued [][]string
}

// see updates the state after a command's replies; it returns the
// queued commands when args is an EXEC that ran them.
func (tx *txState) see(args []string, red reply) [][]string {
	name := strings.ToUpper(args[0])
	switch {
	case name == "MULTI" && !red.isErr:
		tx.multi, tx.queued = true, nil
	case name == "EXEC" || name == "DISCARD":
		q := tx.queued
		tx.multi, tx.queued = false, nil
		if name == "EXEC" && !red.isErr && red.val != nil {
			return q
		}
	case tx.multi && red.val == "QUEUED":
		tx.queued = append(tx.queued, args)
	}
	return nil
}

// execElem returns the reply of the i-th command of an EXEC reply.
func execElem(r reply, i int) reply {
	arr, _ := r.val.([]any)
	if i >= len(arr) {
		return reply{bad: "EXEC reply too short"}
	}
	if re, ok := arr[i].(redis.Error); ok {
		return reply{isErr: true, err: re.Error()}
	}
	return reply{val: arr[i]}
}
