package instream_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/instream/instream"
)

// Validate gives the error the engine's call gives for the same
// arguments, and nil for arguments the call accepts.
func TestValidate(t *testing.T) {
	neg := int64(-1)
	s := []instream.GroupStream{{Key: "s"}}
	one := []instream.ID{id("1-0")}
	tests := []struct {
		name     string
		validate func() error
		call     func(e *instream.Engine) error
	}{
		{"AddArgs no fields", instream.AddArgs{}.Validate, func(e *instream.Engine) error {
			_, err := e.Add("s", instream.AddArgs{})
			return err
		}},
		{"AddArgs Seq with AutoSeq", instream.AddArgs{ID: id("9-1"), AutoSeq: true, Fields: fields("a", "1")}.Validate,
			func(e *instream.Engine) error {
				_, err := e.Add("s", instream.AddArgs{ID: id("9-1"), AutoSeq: true, Fields: fields("a", "1")})
				return err
			}},
		{"AddArgs MaxLen without Strategy", instream.AddArgs{Fields: fields("a", "1"), Trim: instream.TrimArgs{MaxLen: 2}}.Validate,
			func(e *instream.Engine) error {
				_, err := e.Add("s", instream.AddArgs{Fields: fields("a", "1"), Trim: instream.TrimArgs{MaxLen: 2}})
				return err
			}},
		{"AddArgs valid", instream.AddArgs{Fields: fields("a", "1")}.Validate, func(e *instream.Engine) error {
			_, err := e.Add("s", instream.AddArgs{Fields: fields("a", "1")})
			return err
		}},
		{"TrimArgs Limit without Approx", instream.TrimArgs{Strategy: instream.TrimMaxLen, Limit: 1}.Validate,
			func(e *instream.Engine) error {
				_, err := e.Trim("s", instream.TrimArgs{Strategy: instream.TrimMaxLen, Limit: 1})
				return err
			}},
		{"SetIDArgs negative EntriesAdded", instream.SetIDArgs{LastID: id("9-0"), EntriesAdded: &neg}.Validate,
			func(e *instream.Engine) error {
				return e.SetID("s", instream.SetIDArgs{LastID: id("9-0"), EntriesAdded: &neg})
			}},
		{"ReadArgs negative Count", instream.ReadArgs{Streams: []instream.ReadStream{{Key: "s"}}, Count: -1}.Validate,
			func(e *instream.Engine) error {
				_, err := e.TryRead(instream.ReadArgs{Streams: []instream.ReadStream{{Key: "s"}}, Count: -1})
				return err
			}},
		{"ReadGroupArgs empty Consumer", instream.ReadGroupArgs{Group: "g", Streams: s}.Validate,
			func(e *instream.Engine) error {
				_, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Streams: s})
				return err
			}},
		{"GroupArgs ID with FromEnd", instream.GroupArgs{Group: "h", ID: id("1-0"), FromEnd: true}.Validate,
			func(e *instream.Engine) error {
				return e.CreateGroup("s", instream.GroupArgs{Group: "h", ID: id("1-0"), FromEnd: true})
			}},
		{"ConsumerArgs empty Consumer", instream.ConsumerArgs{Group: "g"}.Validate, func(e *instream.Engine) error {
			_, err := e.CreateConsumer("s", instream.ConsumerArgs{Group: "g"})
			return err
		}},
		{"PendingArgs Consumer without ByConsumer", instream.PendingArgs{Group: "g", Consumer: "c"}.Validate,
			func(e *instream.Engine) error {
				_, err := e.Pending("s", instream.PendingArgs{Group: "g", Consumer: "c"})
				return err
			}},
		{"PendingArgs zero", instream.PendingArgs{Group: "g"}.Validate, func(e *instream.Engine) error {
			_, err := e.Pending("s", instream.PendingArgs{Group: "g"})
			return err
		}},
		{"ClaimArgs Idle and Time", instream.ClaimArgs{Group: "g", Consumer: "d", IDs: one, Idle: time.Second, Time: time.UnixMilli(1)}.Validate,
			func(e *instream.Engine) error {
				_, err := e.Claim("s", instream.ClaimArgs{Group: "g", Consumer: "d", IDs: one, Idle: time.Second, Time: time.UnixMilli(1)})
				return err
			}},
		{"AutoClaimArgs negative Count", instream.AutoClaimArgs{Group: "g", Consumer: "d", Count: -1}.Validate,
			func(e *instream.Engine) error {
				_, err := e.AutoClaim("s", instream.AutoClaimArgs{Group: "g", Consumer: "d", Count: -1})
				return err
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := argsEngine(t, 3)
			verr, cerr := tt.validate(), tt.call(e)
			if verr == nil {
				if cerr != nil {
					t.Errorf("Validate() = nil, the call = %v", cerr)
				}
				return
			}
			if !errors.Is(verr, instream.ErrInvalidArgument) && !errors.Is(verr, instream.ErrNoFields) {
				t.Errorf("Validate() = %v, want ErrInvalidArgument or ErrNoFields", verr)
			}
			if cerr == nil || !strings.HasSuffix(cerr.Error(), verr.Error()) {
				t.Errorf("Validate() = %v, the call = %v; want the call's error to end with Validate's", verr, cerr)
			}
		})
	}
}
