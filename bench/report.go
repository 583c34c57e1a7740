package bench

import (
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
)

// machine describes the machine and the software versions.
func machine(redisVersion string) string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d CPUs (GOMAXPROCS %d), %s %s/%s, miniredis %s, %s",
		cpu, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(),
		runtime.GOOS, runtime.GOARCH, depVersion("github.com/alicebob/miniredis/v2"), redisVersion)
}

// depVersion returns the version of module path compiled in, or "?".
func depVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == path {
				return d.Version
			}
		}
	}
	return "?"
}

// Print writes the report as Markdown tables with ratios.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "Machine: %s\n", r.Machine)
	if len(r.Rows) > 0 {
		r.printMain(w)
	}
	if len(r.Side) > 0 {
		r.printSide(w)
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, "Note: "+n)
	}
}

// printMain writes the table of instream, miniredis and redis-server.
func (r *Report) printMain(w io.Writer) {
	fmt.Fprintf(w, "Memory: %d entries per shape. Timings: streams of %d entries, %d calls, median of %d.\n",
		r.Config.N, r.Config.TimingN, r.Config.Calls, r.Config.Reps)
	if r.ran("pel") {
		fmt.Fprintf(w, "Group memory (pel): %d pending entries read by one consumer, then %d consumers created.\n", r.Config.PELN, r.Config.Consumers)
	}
	if r.ran("cpus") {
		fmt.Fprintf(w, "CPUs: each goroutine (redis-server: each connection) adds %d shape-b entries (XADD *) to a stream of its own; wall-clock throughput of all, median of %d.\n", r.Config.TimingN, r.Config.Reps)
	}
	if r.ran("gc") {
		fmt.Fprintf(w, "GC: instream holds %s shape-b entries in one stream, miniredis %s; forced cycles (runtime.GC): at least %d, each run alone for its CPU time, then beside a goroutine adding to that stream.\n",
			countText(r.Config.GCN), countText(r.Config.GCMiniN), r.Config.Reps)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| operation | unit | instream | miniredis | redis-server | instream/redis | instream/miniredis | instream allocs/op | instream min..max |")
	fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, row := range r.Rows {
		mini := num(row.Mini)
		if row.MiniHow == "tcp" && !math.IsNaN(row.Mini) {
			mini += " (tcp)"
		}
		mini, miniRatio := noted(mini, row.MiniNote, ratio(row.Instream, row.Mini))
		redis, redisRatio := noted(num(row.Redis), row.RedisNote, ratio(row.Instream, row.Redis))
		spread := dash(row.Spread)
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			row.Op, row.Unit, num(row.Instream), mini, redis,
			redisRatio, miniRatio, num(row.InstreamAllocs), spread)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "instream: typed API in process, allocations per unit of the row; memory is HeapAlloc growth after GC per entry.")
	fmt.Fprintln(w, "miniredis: direct m.XAdd where it exists, else its server through go-redis over loopback (tcp: client and network included).")
	fmt.Fprintln(w, "redis-server: server CPU per call from INFO commandstats after CONFIG RESETSTAT (no parsing or network); memory is used_memory growth per entry.")
	fmt.Fprintln(w, "Group memory: growth over the step only (the stream is loaded before); Redis's is read once the step's connection is closed and freed.")
	if r.ran("cpus") {
		fmt.Fprintln(w, "CPUs rows: runtime.GOMAXPROCS set to the goroutine count; instream's typed Add and miniredis's direct m.XAdd in process. redis-server: wall throughput of 1 or 2 loopback connections from a client with every CPU, each writing pre-encoded XADD in batches of 100, up to 10 batches ahead of the replies it reads, so the figure is the server's work (parsing, command, network) with little client cost; Redis runs commands on one thread.")
	}
	if r.ran("gc") {
		fmt.Fprintln(w, "GC rows: CPU is the process's (every core) during a cycle with nothing else running; the adds are those that began and ended inside a cycle, against those between cycles. redis-server has no GC: its p50/p99 are a go-redis XADD round trip over loopback, one at a time, not comparable.")
	}
	fmt.Fprintln(w, "Ratios below 1 mean instream is cheaper; in rows of adds/s or ×, above 1 means instream does more. A cell with a note in parentheses has no ratio.")
}

// noted appends note to a cell and drops its ratio: the figure was not
// measured as instream's was.
func noted(cell, note, ratio string) (string, string) {
	if note == "" {
		return cell, ratio
	}
	return cell + " (" + note + ")", "–"
}

// printSide writes the table of instream beside embedded NATS JetStream.
func (r *Report) printSide(w io.Writer) {
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Beside embedded NATS JetStream (%s; DontListen, in-process connections, store in a temp dir): %d adds per durable run, %d messages per queue run, %d one at a time for latency; median of %d runs, each on a fresh store.\n",
		jetStreamVersions(), r.Config.DurableN, r.Config.QueueN, r.Config.WakeTrials, r.Config.Reps)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| operation | unit | instream | JetStream | instream/JetStream | instream side | JetStream side | instream min..max | JetStream min..max |")
	fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: | --- | --- | ---: | ---: |")
	for _, row := range r.Side {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			row.Op, row.Unit, num(row.Instream), num(row.JetStream), ratio(row.Instream, row.JetStream),
			row.InstreamSide, row.JetStreamSide, dash(row.InstreamSpread), dash(row.JetStreamSpread))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Rates (/s): a ratio above 1 means instream does more. Latencies (µs): below 1 means instream is faster.")
	fmt.Fprintln(w, "Durable runs start every producer at once and time until the last add returns; the store must then hold them all.")
	fmt.Fprintln(w, "Queue runs time from the first publish to the last ack; each message must be handled once, and the queue must then report none unacknowledged.")
	fmt.Fprintln(w, "A side with no asynchronous publish (the raw engine: Add returns once the entry is stored) publishes synchronously in the async rows too.")
}

func dash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// ran reports whether the part was run.
func (r *Report) ran(part string) bool {
	return len(r.Config.Only) == 0 || slices.Contains(r.Config.Only, part)
}

func num(v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case v == 0:
		return "0"
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.3g", v)
	}
}

func ratio(a, b float64) string {
	if math.IsNaN(a) || math.IsNaN(b) || b == 0 {
		return "–"
	}
	r := a / b
	if r >= 10 {
		return fmt.Sprintf("%.0f×", r)
	}
	if r < 0.01 {
		// Tiny ratios read better as "one in so many".
		inv := 1 / r
		p := math.Pow(10, math.Floor(math.Log10(inv))-2)
		return fmt.Sprintf("1/%.0f", math.Round(inv/p)*p)
	}
	return fmt.Sprintf("%.2f×", r)
}
