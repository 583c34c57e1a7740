package compat

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/instream/instream"
	"github.com/redis/go-redis/v9"
)

// Blocking scenarios (spec §7.2), run side by side: on Redis with one
// connection per blocked reader, on the engine with one goroutine per
// reader inside a synctest bubble (fake time, so timeouts cost nothing).
// A scenario is a script of actions; every reply is compared, and where
// 7.0.15 follows its own model a scenario states the newer reply with the
// §10 row that says so.

type actKind int

const (
	actCmd     actKind = iota // run args on the main connection
	actBlock                  // start reader r with args; it must block
	actCollect                // take reader r's reply, or "still blocked"
	actSleep                  // let d pass
)

type act struct {
	kind actKind
	r    int
	args []string
	d    time.Duration
}

func cmdA(args ...string) act         { return act{kind: actCmd, args: args} }
func block(r int, args ...string) act { return act{kind: actBlock, r: r, args: args} }
func collect(r int) act               { return act{kind: actCollect, r: r} }
func sleep(d time.Duration) act       { return act{kind: actSleep, d: d} }
func stillBlocked() reply             { return reply{isErr: true, err: "(still blocked)"} }
func collected() reply                { return reply{isErr: true, err: "(reply already taken)"} }
func errReply(s string) reply         { return reply{isErr: true, err: s} }
func entriesOf(key string, ids ...string) reply {
	ens := make([]any, len(ids))
	for i, id := range ids {
		ens[i] = []any{id, []any{"f", "v"}}
	}
	return reply{val: []any{[]any{key, ens}}}
}

type scenario struct {
	name string
	acts []act
	// newer maps the index of an action to the reply the newer model
	// gives where 7.0.15 differs, with the §10 row that says so.
	newer map[int]rowDiff
}

// rowDiff is one §10 row met by a scenario: what 7.0.15 replies (checked)
// and what the newer model, hence the engine, replies.
type rowDiff struct {
	row      int
	was, now reply
}

const noGroupRead = "NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option"

var scenarios = []scenario{
	{name: "xread fan-out to two readers", acts: []act{
		cmdA("XADD", "s", "1-0", "f", "v"),
		cmdA("XREAD", "BLOCK", "5000", "STREAMS", "s", "0"), // data: no wait
		block(0, "XREAD", "BLOCK", "5000", "STREAMS", "s", "$"),
		block(1, "XREAD", "BLOCK", "0", "STREAMS", "s", "1-0"),
		cmdA("XADD", "s", "2-0", "f", "v"),
		collect(0),
		collect(1),
	}},
	{name: "xreadgroup FIFO among readers of one group", acts: []act{
		cmdA("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"),
		cmdA("XGROUP", "CREATECONSUMER", "s", "g", "c1"),
		cmdA("XGROUP", "CREATECONSUMER", "s", "g", "c2"),
		block(0, "XREADGROUP", "GROUP", "g", "c1", "BLOCK", "5000", "STREAMS", "s", ">"),
		block(1, "XREADGROUP", "GROUP", "g", "c2", "BLOCK", "5000", "STREAMS", "s", ">"),
		cmdA("XADD", "s", "1-0", "f", "v"),
		collect(0),
		collect(1),
		cmdA("XADD", "s", "2-0", "f", "v"),
		collect(1),
		cmdA("XPENDING", "s", "g"),
		cmdA("XREADGROUP", "GROUP", "g", "c1", "BLOCK", "5000", "STREAMS", "s", "0"), // history: no wait
	}},
	{name: "xread timeouts reply nil", acts: []act{
		cmdA("XADD", "s", "1-0", "f", "v"),
		block(0, "XREAD", "BLOCK", "100", "STREAMS", "nokey", "$"),
		block(1, "XREAD", "COUNT", "5", "BLOCK", "200", "STREAMS", "s", "$"),
		sleep(600 * time.Millisecond),
		collect(0),
		collect(1),
	}},
	{name: "xreadgroup timeout replies nil", acts: []act{
		cmdA("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"),
		cmdA("XGROUP", "CREATECONSUMER", "s", "g", "c1"),
		block(0, "XREADGROUP", "GROUP", "g", "c1", "BLOCK", "100", "STREAMS", "s", ">"),
		sleep(600 * time.Millisecond),
		collect(0),
		cmdA("XPENDING", "s", "g"),
	}},
	{name: "xread on two keys, data on one", acts: []act{
		cmdA("XADD", "s1", "1-0", "f", "v"),
		block(0, "XREAD", "BLOCK", "5000", "STREAMS", "s1", "s2", "$", "$"),
		cmdA("XADD", "s2", "2-0", "f", "v"),
		collect(0),
	}},
	{name: "xread waits for a stream that does not exist yet", acts: []act{
		block(0, "XREAD", "COUNT", "1", "BLOCK", "5000", "STREAMS", "s", "$"),
		cmdA("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"),
		collect(0),
		cmdA("XADD", "s", "1-0", "f", "v"),
		collect(0),
	}},
	{name: "dollar is resolved when the call blocks", acts: []act{
		cmdA("XADD", "s", "1-0", "f", "v"),
		cmdA("XADD", "s", "3-0", "f", "v"),
		cmdA("XDEL", "s", "3-0"),
		block(0, "XREAD", "BLOCK", "5000", "STREAMS", "s", "$"),
		cmdA("XADD", "s", "4-0", "f", "v"),
		collect(0),
		block(1, "XREAD", "BLOCK", "5000", "STREAMS", "s", "$"),
		cmdA("XSETID", "s", "9-0"), // not a wake-up
		collect(1),
		cmdA("XADD", "s", "10-0", "f", "v"),
		collect(1),
	}},
	{name: "deleting the stream under a blocked xreadgroup", acts: []act{
		cmdA("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"),
		cmdA("XGROUP", "CREATECONSUMER", "s", "g", "c1"),
		block(0, "XREADGROUP", "GROUP", "g", "c1", "BLOCK", "5000", "STREAMS", "s", ">"),
		cmdA("DEL", "s"),
		collect(0),
	}, newer: map[int]rowDiff{
		4: {9, errReply("UNBLOCKED the stream key no longer exists"), errReply(noGroupRead)},
	}},
	{name: "destroying the group under a blocked xreadgroup", acts: []act{
		cmdA("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"),
		cmdA("XGROUP", "CREATECONSUMER", "s", "g", "c1"),
		block(0, "XREADGROUP", "GROUP", "g", "c1", "BLOCK", "5000", "STREAMS", "s", ">"),
		cmdA("XGROUP", "DESTROY", "s", "g"),
		collect(0),
	}, newer: map[int]rowDiff{
		4: {8, errReply("NOGROUP the consumer group this client was blocked on no longer exists"), errReply(noGroupRead)},
	}},
	{name: "setid and ack do not wake a group reader", acts: []act{
		cmdA("XADD", "s", "1-0", "f", "v"),
		cmdA("XGROUP", "CREATE", "s", "g", "$"),
		cmdA("XGROUP", "CREATECONSUMER", "s", "g", "c1"),
		block(0, "XREADGROUP", "GROUP", "g", "c1", "BLOCK", "5000", "STREAMS", "s", ">"),
		cmdA("XGROUP", "SETID", "s", "g", "0"),
		cmdA("XACK", "s", "g", "1-0"),
		collect(0),
		cmdA("XADD", "s", "2-0", "f", "v"),
		collect(0), // served from the rewound group: 1-0 and 2-0
	}},
	{name: "xread waiter survives deletion and re-creation below its ID", acts: []act{
		cmdA("XADD", "s", "5-0", "f", "v"),
		block(0, "XREAD", "BLOCK", "5000", "STREAMS", "s", "5-0"),
		cmdA("DEL", "s"),
		collect(0),
		cmdA("XADD", "s", "3-0", "f", "v"),
		collect(0),
		cmdA("XADD", "s", "6-0", "f", "v"),
		collect(0),
	}},
	{name: "xadd maxlen 0 under an xread waiter", acts: []act{
		cmdA("XADD", "s", "1-0", "f", "v"),
		block(0, "XREAD", "BLOCK", "300", "STREAMS", "s", "$"),
		cmdA("XADD", "s", "MAXLEN", "0", "2-0", "f", "v"),
		collect(0),
		sleep(800 * time.Millisecond),
		collect(0),
	}, newer: map[int]rowDiff{
		// 7.0 replies [[s []]] at once; the newer model keeps waiting,
		// then times out with nil.
		3: {17, reply{val: []any{[]any{"s", []any{}}}}, stillBlocked()},
		5: {17, collected(), reply{}},
	}},
	{name: "duplicated key in a blocked xread", acts: []act{
		cmdA("XADD", "s", "1-0", "f", "v"),
		block(0, "XREAD", "BLOCK", "5000", "STREAMS", "s", "s", "$", "$"),
		cmdA("XADD", "s", "2-0", "f", "v"),
		collect(0),
	}, newer: map[int]rowDiff{
		// 7.0 gives one element for a key listed twice; the newer model
		// re-executes the command and gives one per occurrence.
		3: {18, entriesOf("s", "2-0"), reply{val: []any{
			entriesOf("s", "2-0").val.([]any)[0], entriesOf("s", "2-0").val.([]any)[0]}}},
	}},
}

// TestBlocking runs the blocking scenarios on both sides and compares
// every reply, including "still blocked".
func TestBlocking(t *testing.T) {
	rdb := needRedis(t)
	cannot := map[string]string{
		"XREAD":      engineCannotBlock(t, "XREAD"),
		"XREADGROUP": engineCannotBlock(t, "XREADGROUP"),
	}
	for _, sc := range scenarios {
		t.Run(strings.ReplaceAll(sc.name, " ", "_"), func(t *testing.T) {
			red, err := redisScenario(t.Context(), rdb, sc)
			if err != nil {
				t.Fatal(err)
			}
			if *flagVerbose {
				for i, a := range sc.acts {
					t.Logf("%d %s %s -> %s", i, actName(a), cliQuote(a.args), red[i])
				}
			}
			// The §10 rows this scenario forgives must really be met.
			for i, d := range sc.newer {
				if !equal(red[i], d.was) {
					t.Errorf("action %d: row %d says 7.0.15 replies %s, it replied %s", i, d.row, d.was, red[i])
				}
			}
			for _, a := range sc.acts {
				if msg := cannot[strings.ToUpper(a.args0())]; a.kind == actBlock && msg != "" {
					t.Skip(msg)
				}
			}
			eng := engineScenario(t, sc)
			st := newRunState()
			for i, a := range sc.acts {
				if a.kind == actSleep {
					continue
				}
				r := red[i]
				if d, ok := sc.newer[i]; ok {
					r = d.now // §10 row d.row
				}
				args := a.args
				if args == nil {
					args = sc.acts[readerStart(sc, i)].args
				}
				rn := normalize(args, cloneReply(r), redisSide, st)
				en := normalize(args, cloneReply(eng[i]), engineSide, st)
				if !equal(rn, en) {
					t.Errorf("action %d (%s): %s\n  redis:  %s\n  engine: %s", i, actName(a), cliQuote(args), rn, en)
				}
			}
		})
	}
}

// readerStart returns the index of the block action of the reader that
// action i collects.
func readerStart(sc scenario, i int) int {
	for j := i; j >= 0; j-- {
		if sc.acts[j].kind == actBlock && sc.acts[j].r == sc.acts[i].r {
			return j
		}
	}
	return i
}

func actName(a act) string {
	switch a.kind {
	case actBlock:
		return fmt.Sprintf("reader %d blocks", a.r)
	case actCollect:
		return fmt.Sprintf("reader %d's reply", a.r)
	}
	return "command"
}

func (a act) args0() string {
	if len(a.args) == 0 {
		return ""
	}
	return a.args[0]
}

// engineCannotBlock returns why the scenarios that block in cmd (XREAD or
// XREADGROUP) must skip, or "": Do cannot block yet while cmd with BLOCK
// 1000 and nothing to read returns at once.
func engineCannotBlock(t *testing.T, cmd string) string {
	var msg string
	synctest.Test(t, func(t *testing.T) {
		e := instream.New(instream.Options{})
		defer e.Close()
		args := []string{"XREAD", "BLOCK", "1000", "STREAMS", "s", "$"}
		if cmd == "XREADGROUP" {
			engineDo(t.Context(), e, []string{"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"})
			args = []string{"XREADGROUP", "GROUP", "g", "c", "BLOCK", "1000", "STREAMS", "s", ">"}
		}
		start := time.Now()
		r := engineDo(t.Context(), e, args)
		switch {
		case r.isErr && strings.HasPrefix(r.err, "ERR unknown command"):
			msg = cmd + " is not implemented in Do yet; the blocking scenarios wait for it"
		case time.Since(start) < time.Second:
			msg = fmt.Sprintf("%s with BLOCK 1000 returned at once (%s): Do cannot block in %s yet (branch blocking); this scenario waits for it", cmd, r, cmd)
		}
	})
	return msg
}

func blockedMarker() reply { return reply{isErr: true, err: "(blocked)"} }

func answeredAtOnce(r reply) reply {
	return reply{isErr: true, err: "(answered at once) " + r.String()}
}

// redisScenario plays a scenario on Redis: each reader has its own
// connection, named so that CLIENT LIST tells whether it is blocked.
func redisScenario(ctx context.Context, rdb *redis.Client, sc scenario) ([]reply, error) {
	if err := rdb.FlushAll(ctx).Err(); err != nil {
		return nil, err
	}
	type reader struct {
		c     *redis.Client
		ch    chan reply
		name  string
		taken bool
	}
	readers := map[int]*reader{}
	defer func() {
		for _, rd := range readers {
			rd.c.Close()
		}
	}()
	isBlocked := func(name string) (bool, error) {
		list, err := rdb.ClientList(ctx).Result()
		if err != nil {
			return false, err
		}
		for _, line := range strings.Split(list, "\n") {
			if strings.Contains(line, " name="+name+" ") {
				for _, f := range strings.Fields(line) {
					if flags, ok := strings.CutPrefix(f, "flags="); ok {
						return strings.Contains(flags, "b"), nil
					}
				}
			}
		}
		return false, nil
	}
	out := make([]reply, len(sc.acts))
	for i, a := range sc.acts {
		switch a.kind {
		case actCmd:
			r, err := redisDo(ctx, rdb, a.args)
			if err != nil {
				return nil, err
			}
			out[i] = r
		case actBlock:
			name := fmt.Sprintf("compat-r%d", a.r)
			c := newClient()
			if err := c.Do(ctx, "CLIENT", "SETNAME", name).Err(); err != nil {
				c.Close()
				return nil, err
			}
			rd := &reader{c: c, ch: make(chan reply, 1), name: name}
			readers[a.r] = rd
			go func(args []string) {
				r, err := redisDo(context.Background(), c, args)
				if err != nil {
					r = errReply("(connection: " + err.Error() + ")")
				}
				rd.ch <- r
			}(a.args)
			out[i] = blockedMarker()
			deadline := time.Now().Add(3 * time.Second)
			for {
				select {
				case r := <-rd.ch:
					out[i], rd.taken = answeredAtOnce(r), true
				default:
				}
				if rd.taken {
					break
				}
				b, err := isBlocked(name)
				if err != nil {
					return nil, err
				}
				if b {
					break
				}
				if time.Now().After(deadline) {
					return nil, fmt.Errorf("reader %d neither blocked nor answered", a.r)
				}
				time.Sleep(time.Millisecond)
			}
		case actCollect:
			rd := readers[a.r]
			if rd.taken {
				out[i] = collected()
				continue
			}
			b, err := isBlocked(rd.name)
			if err != nil {
				return nil, err
			}
			if b {
				out[i] = stillBlocked()
				continue
			}
			select {
			case r := <-rd.ch:
				out[i], rd.taken = r, true
			case <-time.After(3 * time.Second):
				return nil, fmt.Errorf("reader %d is not blocked but has no reply", a.r)
			}
		case actSleep:
			time.Sleep(a.d)
		}
	}
	return out, nil
}

// engineScenario plays a scenario on a fresh engine inside a synctest
// bubble: synctest.Wait lets every reader run until it blocks or returns.
func engineScenario(t *testing.T, sc scenario) []reply {
	out := make([]reply, len(sc.acts))
	synctest.Test(t, func(t *testing.T) {
		e := instream.New(instream.Options{})
		ctx, cancel := context.WithCancel(t.Context())
		type reader struct {
			ch    chan reply
			taken bool
		}
		readers := map[int]*reader{}
		for i, a := range sc.acts {
			switch a.kind {
			case actCmd:
				out[i] = engineDo(ctx, e, a.args)
				synctest.Wait()
			case actBlock:
				rd := &reader{ch: make(chan reply, 1)}
				readers[a.r] = rd
				go func(args []string) { rd.ch <- engineDo(ctx, e, args) }(a.args)
				synctest.Wait()
				select {
				case r := <-rd.ch:
					out[i], rd.taken = answeredAtOnce(r), true
				default:
					out[i] = blockedMarker()
				}
			case actCollect:
				rd := readers[a.r]
				if rd.taken {
					out[i] = collected()
					continue
				}
				select {
				case r := <-rd.ch:
					out[i], rd.taken = r, true
				default:
					out[i] = stillBlocked()
				}
			case actSleep:
				time.Sleep(a.d)
				synctest.Wait()
			}
		}
		cancel()
		e.Close()
		synctest.Wait()
	})
	return out
}
