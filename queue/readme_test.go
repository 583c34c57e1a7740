package queue_test

import (
	"testing"

	"github.com/instream/instream/internal/readmecheck"
)

// TestReadme checks that the code of the README's "A work queue" section
// is Example's body.
func TestReadme(t *testing.T) {
	readmecheck.Check(t, "../README.md", "A work queue", "example_test.go", "Example")
}
