package queue_test

import (
	"os"
	"strings"
	"testing"
)

// TestReadme checks that the code of the README's "A work queue" section
// is Example's body, so that it compiles, runs and checks its errors as
// written.
func TestReadme(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "## A work queue\n")
	if !ok {
		t.Fatal("README.md has no \"## A work queue\" section")
	}
	_, block, ok := strings.Cut(after, "```go\n")
	if !ok {
		t.Fatal("the section has no Go code block")
	}
	block, _, _ = strings.Cut(block, "```\n")
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, body, ok := strings.Cut(string(src), "func Example() {\n")
	if !ok {
		t.Fatal("example_test.go has no Example")
	}
	body, _, ok = strings.Cut(body, "\t// Output:")
	if !ok {
		t.Fatal("Example has no output comment")
	}
	var want strings.Builder
	for line := range strings.Lines(body) {
		want.WriteString(strings.TrimPrefix(line, "\t"))
	}
	if block != want.String() {
		t.Errorf("README.md's work queue code differs from Example's body; paste this into the README:\n%s", want.String())
	}
}
