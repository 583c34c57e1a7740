package streamstest_test

import (
	"testing"

	"github.com/instream/instream"
	"github.com/instream/instream/streamstest"
)

// The engine passes the suite with every feature.
func TestEngine(t *testing.T) {
	streamstest.Run(t, streamstest.All, func(t *testing.T) instream.Streams {
		return instream.New(instream.Options{})
	})
}
