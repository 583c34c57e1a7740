// Package child starts the running test binary again as a child process
// whose lines on stdout the test reads, for tests that kill a writer at
// random moments (the crash loops of packages aof and persist).
package child

import (
	"bufio"
	"os"
	"os/exec"
	"testing"
)

// Start runs the test binary again with no tests selected and env added
// to its environment (its TestMain sees env and plays the child), and
// returns it with the lines it prints, closed when its stdout closes.
func Start(t testing.TB, env string) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	return cmd, lines
}
