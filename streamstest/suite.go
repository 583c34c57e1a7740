// Package streamstest is one conformance suite for implementations of
// [instream.Streams]: the in-process engine and the Redis-backed client
// both run it, so code written against the interface behaves the same on
// either. Capability flags skip, or check the refusal of, what an older
// Redis server lacks.
package streamstest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/instream/instream"
)

// Features says what the implementation under test supports beyond
// Redis 7.0. The engine supports everything.
type Features struct {
	// RefPolicies: DeleteEx, AckDelete and the DelRef and Acked reference
	// policies of trims (Redis 8.2).
	RefPolicies bool
	// ClaimRead: ReadGroup with Claim (Redis 8.4).
	ClaimRead bool
	// LastRead: Read with Last (Redis 7.4).
	LastRead bool
	// Redis72 is the behaviour of Redis 7.2 and later: consumers have
	// active times, every group read creates its consumer, and SetID
	// refuses an ID below the max deleted entry ID.
	Redis72 bool
	// Idempotency: Add with Producer (Redis 8.6's XADD IDMP).
	Idempotency bool
	// Nack: Nack (Redis 8.8's XNACK).
	Nack bool
	// ReadCaps: reads with MaxCount or MaxSize (Redis 8.10).
	ReadCaps bool

	// Unsupported, if not nil, is the error a call that needs a missing
	// feature must give (tested with errors.Is).
	Unsupported error
}

// All is the feature set of the engine.
var All = Features{RefPolicies: true, ClaimRead: true, LastRead: true, Redis72: true, Idempotency: true, Nack: true, ReadCaps: true}

// Open returns a fresh implementation for one test; the suite closes it.
// Every test uses keys of its own, all sharing one hash tag, so one
// server or cluster can serve the whole suite.
type Open func(t *testing.T) instream.Streams

// Run runs the suite, its tests in parallel.
func Run(t *testing.T, f Features, open Open) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			k := newKeys(t, s)
			tc.run(t, &env{f: f, s: s, key: k, open: open})
		})
	}
}

// env is what a test of the suite gets.
type env struct {
	f    Features
	s    instream.Streams
	key  func(name string) string
	open Open
}

type test struct {
	name string
	run  func(t *testing.T, e *env)
}

// tests is the suite, filled by the files of this package.
var tests []test

func register(ts ...test) bool {
	tests = append(tests, ts...)
	return true
}

// runID keeps the keys of one run apart from another's on a shared
// server.
var runID = func() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}()

var testSeq atomic.Int64

// newKeys returns a function naming the keys of one test, "{tag}.name",
// and deletes them when the test ends.
func newKeys(t *testing.T, s instream.Streams) func(string) string {
	tag := fmt.Sprintf("%s-%d", runID, testSeq.Add(1))
	var used []string
	t.Cleanup(func() {
		if len(used) > 0 {
			s.DeleteStreams(used...)
		}
		s.Close()
	})
	return func(name string) string {
		k := "{" + tag + "}." + name
		used = append(used, k)
		return k
	}
}

// Helpers. Each fails the test with the call it made.

func id(s string) instream.ID { return instream.MustParseID(s) }

func fields(kv ...string) []instream.Field {
	out := make([]instream.Field, len(kv)/2)
	for i := range out {
		out[i] = instream.Field{Name: kv[2*i], Value: kv[2*i+1]}
	}
	return out
}

func entry(idText string, kv ...string) instream.Entry {
	return instream.Entry{ID: id(idText), Fields: fields(kv...)}
}

func mustAdd(t *testing.T, s instream.Streams, key, idText string, kv ...string) instream.ID {
	t.Helper()
	var i instream.ID
	if idText != "*" {
		i = id(idText)
	}
	got, err := s.Add(key, instream.AddArgs{ID: i, Fields: fields(kv...)})
	if err != nil {
		t.Fatalf("Add(%q, %s) = %v", key, idText, err)
	}
	return got
}

func mustGroup(t *testing.T, s instream.Streams, key, group string, last instream.ID) {
	t.Helper()
	if err := s.CreateGroup(key, instream.GroupArgs{Group: group, ID: last, MkStream: true}); err != nil {
		t.Fatalf("CreateGroup(%q, %q) = %v", key, group, err)
	}
}

func check[T any](t *testing.T, call string, got T, err error, want T) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: error %v", call, err)
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s =\n\t%+v\nwant\n\t%+v", call, got, want)
	}
}

func checkErr(t *testing.T, call string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", call, err, want)
	}
}

// checkUnsupported checks that a call needing a missing feature gave the
// implementation's error for it, and that the error says which feature.
func checkUnsupported(t *testing.T, e *env, call string, err error) {
	t.Helper()
	if e.f.Unsupported == nil {
		return
	}
	if !errors.Is(err, e.f.Unsupported) {
		t.Errorf("%s on a server without the feature: error %v, want %v", call, err, e.f.Unsupported)
	} else if !strings.Contains(err.Error(), "needs Redis") {
		t.Errorf("%s: error %q does not say what the feature needs", call, err)
	}
}

// entriesOf returns the entries of a group read, without the delivery
// details, for comparison.
func entriesOf(res []instream.GroupEntries) map[string][]instream.Entry {
	out := map[string][]instream.Entry{}
	for _, r := range res {
		for _, ge := range r.Entries {
			out[r.Key] = append(out[r.Key], ge.Entry)
		}
	}
	return out
}

// maxIdle bounds the idle times a test expects of entries it delivered
// itself: they follow the clock, so tests compare them with Idle zeroed.
const maxIdle = time.Minute

// noIdle checks that the idle times of ges are in [0, maxIdle] and
// returns a copy with Idle zeroed.
func noIdle(t *testing.T, call string, ges []instream.GroupEntry) []instream.GroupEntry {
	t.Helper()
	if ges == nil {
		return nil
	}
	out := make([]instream.GroupEntry, len(ges))
	for i, ge := range ges {
		if ge.Idle < 0 || ge.Idle > maxIdle {
			t.Errorf("%s: entry %v idle %v, want within [0, %v]", call, ge.ID, ge.Idle, maxIdle)
		}
		ge.Idle = 0
		out[i] = ge
	}
	return out
}

// noIdles is noIdle for the result of a group read.
func noIdles(t *testing.T, call string, res []instream.GroupEntries) []instream.GroupEntries {
	t.Helper()
	if res == nil {
		return nil
	}
	out := make([]instream.GroupEntries, len(res))
	for i, r := range res {
		r.Entries = noIdle(t, call, r.Entries)
		out[i] = r
	}
	return out
}
