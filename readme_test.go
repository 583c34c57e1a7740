package instream_test

import (
	"testing"

	"github.com/instream/instream/internal/readmecheck"
)

// TestReadmeTour checks that the README's tour is Example_tour's body.
func TestReadmeTour(t *testing.T) {
	readmecheck.Check(t, "README.md", "A short tour", "example_tour_test.go", "Example_tour")
}
