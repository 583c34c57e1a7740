package aof_test

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/instream/instream/aof"
	"github.com/instream/instream/internal/child"
)

// killChild is the child process of TestKill: it appends numbered
// records under Always, rewriting now and then, and prints each number
// once Wait has returned for it.
func killChild(dir string) {
	next := 0
	opts := aof.Options{Dir: dir, Fsync: aof.Always}
	l, _, err := aof.Open(opts, func(cmds [][]string) error {
		next++
		return nil
	})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	for {
		if next%300 == 299 {
			rw, err := l.BeginRewrite()
			if err == nil {
				n := next
				err = rw.Cut()
				if err == nil {
					err = rw.WriteBase(func(w *aof.BaseWriter) error {
						for i := range n {
							if err := w.Add("XADD", "s", strconv.Itoa(i+1)+"-0", "f", "v"); err != nil {
								return err
							}
						}
						return nil
					})
				}
				if err == nil {
					err = rw.Commit()
				}
				if err != nil {
					rw.Abort()
				}
			}
		}
		next++
		seq, err := l.Append([]string{"XADD", "s", strconv.Itoa(next) + "-0", "f", "v"})
		if err == nil {
			err = l.Wait(seq)
		}
		if err != nil {
			fmt.Println("append:", err)
			os.Exit(2)
		}
		fmt.Println(next)
	}
}

func TestMain(m *testing.M) {
	if dir := os.Getenv("AOF_KILL_CHILD"); dir != "" {
		killChild(dir)
		return
	}
	os.Exit(m.Run())
}

// A process killed with SIGKILL at random moments, while appending under
// Always and rewriting, loses no acknowledged record: after each kill the
// log opens with records 1..n, n at least the last acknowledged.
func TestKill(t *testing.T) {
	rounds := 20
	if testing.Short() {
		rounds = 5
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	acked := 0
	for round := range rounds {
		cmd, lines := child.Start(t, "AOF_KILL_CHILD="+dir)
		kill := time.After(time.Duration(20+rng.IntN(150)) * time.Millisecond)
	read:
		for {
			select {
			case line, ok := <-lines:
				if !ok {
					break read
				}
				n, err := strconv.Atoi(line)
				if err != nil {
					t.Fatalf("round %d: child: %s", round, line)
				}
				acked = max(acked, n)
			case <-kill:
				cmd.Process.Signal(syscall.SIGKILL)
				kill = nil
			}
		}
		cmd.Wait()
		var ids []string
		rec, err := aof.Read(aof.Options{Dir: dir}, func(cmds [][]string) error {
			for _, c := range cmds {
				ids = append(ids, c[2])
			}
			return nil
		})
		if errors.Is(err, fs.ErrNotExist) && acked == 0 {
			continue // killed before it made the log
		}
		if err != nil {
			t.Fatalf("round %d: Read after SIGKILL: %v", round, err)
		}
		for i, id := range ids {
			if id != strconv.Itoa(i+1)+"-0" {
				t.Fatalf("round %d: record %d is %s: %s", round, i+1, id, strings.Join(ids[max(0, i-3):i+1], " "))
			}
		}
		if len(ids) < acked {
			t.Fatalf("round %d: %d records survived SIGKILL, %d were acknowledged (cut %+v)", round, len(ids), acked, rec.Cut)
		}
		acked = len(ids)
	}
	t.Logf("%d rounds, %d records at the end", rounds, acked)
}
