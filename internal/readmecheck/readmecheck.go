// Package readmecheck holds the test helper that keeps the README's code
// blocks equal to the examples that run them.
package readmecheck

import (
	"os"
	"strings"
	"testing"
)

// Check fails t unless the first Go code block after the README heading
// "## "+section is the body of the example function fn in the file src,
// up to its "// Output:" comment, so that the README's code compiles,
// runs and checks its errors as written.
func Check(t testing.TB, readme, section, src, fn string) {
	t.Helper()
	text, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(text), "## "+section+"\n")
	if !ok {
		t.Fatalf("%s has no %q section", readme, section)
	}
	_, block, ok := strings.Cut(after, "```go\n")
	if !ok {
		t.Fatalf("the %q section has no Go code block", section)
	}
	block, _, _ = strings.Cut(block, "```\n")
	code, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	_, body, ok := strings.Cut(string(code), "func "+fn+"() {\n")
	if !ok {
		t.Fatalf("%s has no %s", src, fn)
	}
	body, _, ok = strings.Cut(body, "\t// Output:")
	if !ok {
		t.Fatalf("%s has no output comment", fn)
	}
	var want strings.Builder
	for line := range strings.Lines(body) {
		want.WriteString(strings.TrimPrefix(line, "\t"))
	}
	if block != want.String() {
		t.Errorf("%s's %q code differs from %s's body; paste this into it:\n%s", readme, section, fn, want.String())
	}
}
