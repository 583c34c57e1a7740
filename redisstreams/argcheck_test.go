package redisstreams_test

import (
	"testing"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/redisstreams"
)

// Arguments the engine refuses are refused with the engine's error, text
// included, before anything is sent.
func TestInvalidArguments_sameErrors(t *testing.T) {
	c, rdb := newSingle(t, redisstreams.Options{})
	h := &cmdCount{}
	rdb.AddHook(h)
	e := instream.New(instream.Options{})
	defer e.Close()
	neg := int64(-1)
	one := []instream.ID{{Ms: 1}}
	gs := []instream.GroupStream{{Key: "s"}}
	calls := []struct {
		name string
		call func(s instream.Streams) error
	}{
		{"Add", func(s instream.Streams) error {
			_, err := s.Add("s", instream.AddArgs{Fields: []instream.Field{{Name: "f"}}, Trim: instream.TrimArgs{MaxLen: 1}})
			return err
		}},
		{"Add no fields", func(s instream.Streams) error { _, err := s.Add("s", instream.AddArgs{}); return err }},
		{"Range", func(s instream.Streams) error { _, err := s.Range("s", instream.MaxID, instream.MinID, 0); return err }},
		{"RevRange", func(s instream.Streams) error {
			_, err := s.RevRange("s", instream.MinID, instream.MaxID, 0)
			return err
		}},
		{"DeleteEntries", func(s instream.Streams) error { _, err := s.DeleteEntries("s"); return err }},
		{"DeleteEntriesEx", func(s instream.Streams) error { _, err := s.DeleteEntriesEx("s", instream.KeepRef); return err }},
		{"Trim", func(s instream.Streams) error { _, err := s.Trim("s", instream.TrimArgs{}); return err }},
		{"SetID", func(s instream.Streams) error {
			return s.SetID("s", instream.SetIDArgs{LastID: instream.ID{Ms: 1}, EntriesAdded: &neg})
		}},
		{"InfoFull", func(s instream.Streams) error { _, err := s.InfoFull("s", -1); return err }},
		{"DeleteStreams", func(s instream.Streams) error { _, err := s.DeleteStreams(); return err }},
		{"Exists", func(s instream.Streams) error { _, err := s.Exists(); return err }},
		{"TryRead", func(s instream.Streams) error { _, err := s.TryRead(instream.ReadArgs{}); return err }},
		{"CreateGroup", func(s instream.Streams) error {
			return s.CreateGroup("s", instream.GroupArgs{Group: "g", FromEnd: true, ID: instream.ID{Ms: 1}})
		}},
		{"SetGroupID", func(s instream.Streams) error {
			return s.SetGroupID("s", instream.GroupArgs{Group: "g", MkStream: true})
		}},
		{"CreateConsumer", func(s instream.Streams) error {
			_, err := s.CreateConsumer("s", instream.ConsumerArgs{Group: "g"})
			return err
		}},
		{"TryReadGroup", func(s instream.Streams) error {
			_, err := s.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c", Count: -1, Streams: gs})
			return err
		}},
		{"ReadGroup", func(s instream.Streams) error {
			_, err := s.ReadGroup(t.Context(), instream.ReadGroupArgs{Group: "g", Streams: gs})
			return err
		}},
		{"Ack", func(s instream.Streams) error { _, err := s.Ack("s", "g"); return err }},
		{"Pending", func(s instream.Streams) error {
			_, err := s.Pending("s", instream.PendingArgs{Group: "g", Consumer: "c"})
			return err
		}},
		{"Claim", func(s instream.Streams) error {
			_, err := s.Claim("s", instream.ClaimArgs{Group: "g", Consumer: "c", IDs: one, Idle: time.Second, Time: time.UnixMilli(1)})
			return err
		}},
		{"AutoClaim", func(s instream.Streams) error {
			_, err := s.AutoClaim("s", instream.AutoClaimArgs{Group: "g", Consumer: "c", MinIdle: -1})
			return err
		}},
	}
	for _, tt := range calls {
		got, want := tt.call(c), tt.call(e)
		if got == nil || want == nil || got.Error() != want.Error() {
			t.Errorf("%s: error %v, the engine's %v", tt.name, got, want)
		}
	}
	if n, p := h.single.Load(), h.pipelines.Load(); n != 0 || p != 0 {
		t.Errorf("the refused calls sent %d commands and %d pipelines, want none", n, p)
	}
}
