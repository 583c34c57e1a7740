package instream_test

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeTour checks that the README's tour is Example_tour's body,
// so that the tour compiles, runs and checks its errors as written.
func TestReadmeTour(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "## A short tour\n")
	if !ok {
		t.Fatal("README.md has no \"## A short tour\" section")
	}
	_, block, ok := strings.Cut(after, "```go\n")
	if !ok {
		t.Fatal("the tour has no Go code block")
	}
	block, _, _ = strings.Cut(block, "```\n")

	src, err := os.ReadFile("example_tour_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, body, ok := strings.Cut(string(src), "func Example_tour() {\n")
	if !ok {
		t.Fatal("example_tour_test.go has no Example_tour")
	}
	body, _, ok = strings.Cut(body, "\t// Output:")
	if !ok {
		t.Fatal("Example_tour has no output comment")
	}
	var want strings.Builder
	for line := range strings.Lines(body) {
		want.WriteString(strings.TrimPrefix(line, "\t"))
	}
	if block != want.String() {
		t.Errorf("README.md's tour differs from Example_tour's body; paste this into the README:\n%s", want.String())
	}
}
