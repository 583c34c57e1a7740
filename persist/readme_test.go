package persist_test

import (
	"testing"

	"github.com/instream/instream/internal/readmecheck"
)

// TestReadmePersistence checks that the README's persistence example is
// Example's body.
func TestReadmePersistence(t *testing.T) {
	readmecheck.Check(t, "../README.md", "Persistence", "example_test.go", "Example")
}
