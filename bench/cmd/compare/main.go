// Command compare measures instream against miniredis, a real
// redis-server and embedded NATS JetStream in one run, and prints
// Markdown tables with ratios.
//
//	go run ./cmd/compare            # full run, a few minutes
//	go run ./cmd/compare -quick     # smoke run, seconds
//	go run ./cmd/compare -only jetstream
//
// redis-server is started on a free loopback port with persistence off
// and stopped by its PID; without one on PATH its column stays empty.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/instream/instream/bench"
)

// count is an int flag that also accepts 1e6 notation.
type count int

func (c *count) String() string { return strconv.Itoa(int(*c)) }

func (c *count) Set(s string) error {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 1 || f > 1e9 || f != float64(int(f)) {
		return fmt.Errorf("want a whole number in [1, 1e9], like 1e6")
	}
	*c = count(f)
	return nil
}

func main() {
	n, tn, calls, trials := count(1_000_000), count(100_000), count(2_000), count(1_000)
	flag.Var(&n, "n", "entries per memory test")
	pn, consumers := count(100_000), count(10_000)
	flag.Var(&pn, "pn", "pending entries of the pel (group memory) test")
	flag.Var(&consumers, "consumers", "consumers created by the pel test")
	flag.Var(&tn, "tn", "entries in the timed streams, and adds per goroutine of the cpus part")
	gn, gmn := count(10_000_000), count(1_000_000)
	flag.Var(&gn, "gn", "shape-b entries held by instream in the gc part")
	flag.Var(&gmn, "gmn", "shape-b entries held by miniredis in the gc part")
	dn, qn := count(10_000), count(100_000)
	flag.Var(&dn, "dn", "adds per durable-publish run of the jetstream part")
	flag.Var(&qn, "qn", "messages per queue run of the jetstream part")
	flag.Var(&calls, "calls", "range and seek calls per measurement")
	flag.Var(&trials, "trials", "blocking-read wake-up trials, and queue messages timed one at a time")
	reps := flag.Int("reps", 5, "repetitions of each in-process timing (median reported)")
	budget := flag.Duration("budget", 3*time.Second, "time bound of each miniredis timing")
	quick := flag.Bool("quick", false, "smoke run in seconds: small sizes and one repetition, unless set by other flags")
	server := flag.String("redis-server", "", "path of redis-server (default: found on PATH; \"none\" skips Redis)")
	only := flag.String("only", "", "comma-separated parts to run, among "+strings.Join(bench.Parts, ","))
	flag.Parse()

	if *quick {
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for name, v := range map[string]string{"n": "2e4", "pn": "2e4", "consumers": "2e3", "tn": "1e4", "calls": "200", "dn": "1e3", "qn": "1e4", "gn": "1e5", "gmn": "1e4", "trials": "200", "reps": "1", "budget": "300ms"} {
			if !set[name] {
				_ = flag.Set(name, v)
			}
		}
	}
	cfg := bench.Config{
		N: int(n), PELN: int(pn), Consumers: int(consumers), TimingN: int(tn), Calls: int(calls), Reps: *reps,
		Budget: *budget, WakeTrials: int(trials), DurableN: int(dn), QueueN: int(qn), GCN: int(gn), GCMiniN: int(gmn), Log: os.Stderr,
	}
	if *only != "" {
		cfg.Only = strings.Split(*only, ",")
	}
	switch *server {
	case "none":
	case "":
		if p, err := exec.LookPath("redis-server"); err == nil {
			cfg.RedisServer = p
		}
	default:
		cfg.RedisServer = *server
	}
	// On ^C, the context ends and Compare stops its redis-server.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := bench.Compare(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
	fmt.Printf("Command: go run ./cmd/compare %s\n", strings.Join(os.Args[1:], " "))
	rep.Print(os.Stdout)
}
