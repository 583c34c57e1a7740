package compat

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/instream/instream"
	"github.com/instream/instream/resp"
)

// node is one RESP value with its wire type: '+', '-', ':', '$', '_',
// '*', '%', '~', '=', ',', '#' (and "*-1"/"$-1" as typ '*'/'$' with null).
type node struct {
	typ  byte
	null bool
	s    string
	kids []node
}

func (n node) String() string {
	var b strings.Builder
	n.format(&b)
	return b.String()
}

func (n node) format(b *strings.Builder) {
	switch {
	case n.null:
		fmt.Fprintf(b, "%cnull", n.typ)
	case n.kids != nil || n.typ == '*' || n.typ == '%' || n.typ == '~':
		fmt.Fprintf(b, "%c[", n.typ)
		for i, k := range n.kids {
			if i > 0 {
				b.WriteByte(' ')
			}
			k.format(b)
		}
		b.WriteByte(']')
	default:
		fmt.Fprintf(b, "%c%q", n.typ, n.s)
	}
}

func readNode(br *bufio.Reader) (node, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return node{}, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	n := node{typ: line[0]}
	body := line[1:]
	switch n.typ {
	case '+', '-', ':', ',', '#':
		n.s = body
	case '_':
		n.null = true
	case '$', '=':
		l, _ := strconv.Atoi(body)
		if l < 0 {
			n.null = true
			return n, nil
		}
		buf := make([]byte, l+2)
		if _, err := io.ReadFull(br, buf); err != nil {
			return n, err
		}
		n.s = string(buf[:l])
	case '*', '%', '~':
		l, _ := strconv.Atoi(body)
		if l < 0 {
			n.null = true
			return n, nil
		}
		if n.typ == '%' {
			l *= 2
		}
		n.kids = make([]node, 0, l)
		for range l {
			k, err := readNode(br)
			if err != nil {
				return n, err
			}
			n.kids = append(n.kids, k)
		}
	default:
		return n, fmt.Errorf("unknown type in %q", line)
	}
	return n, nil
}

// TestWireShapes sends one script to redis-server and to the engine's
// RESP server, after HELLO 2 and after HELLO 3, and compares the replies
// with their wire types (map, array, set, null bulk or null array,
// simple or bulk string), which go-redis does not tell apart. Only
// timestamps and idle times are masked, and the fields Redis 7.2 added
// (consumer active-time and inactive) and its help footer are forgiven.
func TestWireShapes(t *testing.T) {
	needRedis(t)
	for _, proto := range []string{"2", "3"} {
		t.Run("resp="+proto, func(t *testing.T) { wireShapes(t, proto) })
	}
}

func wireShapes(t *testing.T, proto string) {
	script := [][]string{
		{"HELLO", proto},
		{"XADD", "s", "1-1", "a", "1", "b", "2"},
		{"XADD", "s", "2-1", "a", "1"},
		{"XADD", "s", "3-1", "c", "3"},
		{"XADD", "s", "MAXLEN", "=", "10", "4-1", "d", "4"},
		{"XADD", "nokey", "NOMKSTREAM", "*", "a", "1"},
		{"XADD", "s", "1-1", "a", "1"},
		{"XLEN", "s"},
		{"XRANGE", "s", "-", "+"},
		{"XRANGE", "s", "(1-1", "+", "COUNT", "1"},
		{"XREVRANGE", "s", "+", "-", "COUNT", "2"},
		{"XRANGE", "nokey", "-", "+"},
		{"EXISTS", "s", "nokey"},
		{"TYPE", "s"},
		{"TYPE", "nokey"},
		{"XREAD", "COUNT", "2", "STREAMS", "s", "nokey", "0", "0"},
		{"XREAD", "STREAMS", "s", "9-0"},
		{"XGROUP", "CREATE", "s", "g", "0"},
		{"XGROUP", "CREATE", "s", "g", "0"},
		{"XGROUP", "CREATE", "e", "g", "$", "MKSTREAM"},
		{"XGROUP", "CREATECONSUMER", "s", "g", "c"},
		{"XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "s", ">"},
		{"XGROUP", "CREATECONSUMER", "e", "g", "c"}, // 7.0 creates consumers only when served
		{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "e", ">"},
		{"XDEL", "s", "1-1"},
		{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0"},
		{"XPENDING", "s", "g"},
		{"XPENDING", "e", "g"},
		{"XPENDING", "s", "g", "-", "+", "10"},
		{"XPENDING", "s", "nog"},
		{"XGROUP", "CREATECONSUMER", "s", "g", "d"},
		{"XCLAIM", "s", "g", "d", "0", "2-1"},
		{"XCLAIM", "s", "g", "d", "0", "1-1", "2-1", "JUSTID"},
		{"XGROUP", "CREATECONSUMER", "s", "g", "e"},
		{"XAUTOCLAIM", "s", "g", "e", "0", "0"},
		{"XAUTOCLAIM", "s", "g", "e", "0", "0", "JUSTID"},
		{"XINFO", "STREAM", "s"},
		{"XINFO", "STREAM", "e"},
		{"XINFO", "STREAM", "s", "FULL"},
		{"XINFO", "STREAM", "s", "FULL", "COUNT", "1"},
		{"XINFO", "GROUPS", "s"},
		{"XINFO", "GROUPS", "e"},
		{"XINFO", "CONSUMERS", "s", "g"},
		{"XINFO", "HELP"},
		{"XGROUP", "HELP"},
		{"XACK", "s", "g", "2-1", "9-9"},
		{"XGROUP", "SETID", "s", "g", "0"},
		{"XGROUP", "DELCONSUMER", "s", "g", "d"},
		{"XGROUP", "DESTROY", "s", "nog"},
		{"XSETID", "s", "10-0"},
		{"XTRIM", "s", "MAXLEN", "1"},
		{"XINFO", "STREAM", "nokey"},
		{"DEL", "e", "nokey"},
		{"PING"},
		{"PING", "x"},
		{"ECHO", "x"},
		{"CLIENT", "GETNAME"},
		{"CLIENT", "SETNAME", "n"},
		{"CLIENT", "GETNAME"},
		{"CONFIG", "GET", "stream-node-max-entries"},
		{"DBSIZE"},
		{"KEYS", "s*"},
		{"SCAN", "0"},
		{"COMMAND", "DOCS", "nosuch"},
		{"SELECT", "0"},
		{"FOO"},
		{"RESET"},
		{"XREAD", "STREAMS", "s", "99-0"},
	}
	red, err := net.Dial("tcp", server.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer red.Close()
	e := instream.New(instream.Options{})
	defer e.Close()
	eng, err := resp.Dial(e)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	rr, er := bufio.NewReader(red), bufio.NewReader(eng)
	send := func(c net.Conn, args []string) {
		var b strings.Builder
		fmt.Fprintf(&b, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
		}
		if _, err := io.WriteString(c, b.String()); err != nil {
			t.Fatal(err)
		}
	}
	send(red, []string{"FLUSHALL"})
	if _, err := readNode(rr); err != nil {
		t.Fatal(err)
	}
	for _, args := range script {
		send(red, args)
		send(eng, args)
		rn, err := readNode(rr)
		if err != nil {
			t.Fatalf("%q: redis: %v", args, err)
		}
		en, err := readNode(er)
		if err != nil {
			t.Fatalf("%q: engine: %v", args, err)
		}
		rs, es := shape3(args, rn, redisSide).String(), shape3(args, en, engineSide).String()
		if rs != es {
			t.Errorf("%s:\n  redis:  %s\n  engine: %s", cliQuote(args), rs, es)
		}
	}
}

// shape3 masks what may differ between the sides (see TestRESP3Shapes).
func shape3(args []string, n node, sd side) node {
	name := strings.ToUpper(args[0])
	if name == "HELLO" {
		for i := 0; i+1 < len(n.kids); i += 2 {
			if k := n.kids[i].s; k == "version" || k == "id" {
				n.kids[i+1] = node{typ: n.kids[i+1].typ, s: "masked"}
			}
		}
		return n
	}
	if name == "XPENDING" && len(args) >= 6 {
		for i := range n.kids {
			if len(n.kids[i].kids) == 4 {
				n.kids[i].kids[2].s = "idle"
			}
		}
	}
	return mask3(n, sd)
}

func mask3(n node, sd side) node {
	switch {
	case n.typ == ':' && len(n.s) >= 12:
		n.s = "time"
	case n.typ == '+' && n.s == helpFooter70:
		n.s = helpFooterNew
	case n.typ == '%' || isInfoPairs(n):
		var kids []node
		for i := 0; i+1 < len(n.kids); i += 2 {
			k, v := n.kids[i], mask3(n.kids[i+1], sd)
			switch k.s {
			case "active-time", "inactive", "nacked-count":
				if sd == engineSide {
					continue // Redis 7.2 and 8.8 fields
				}
			case "idmp-duration", "idmp-maxsize", "pids-tracked", "iids-tracked", "iids-added", "iids-duplicates":
				if sd == engineSide {
					continue // Redis 8.6 fields (idmpFields)
				}
			case "idle", "seen-time":
				v.s = "masked"
			}
			kids = append(kids, k, v)
		}
		n.kids = kids
	default:
		for i := range n.kids {
			n.kids[i] = mask3(n.kids[i], sd)
		}
	}
	return n
}

// isInfoPairs reports whether n is a RESP2 array of name/value pairs of
// an XINFO reply (a map under RESP3) holding a time field or a field
// newer than 7.0.
func isInfoPairs(n node) bool {
	if n.typ != '*' || len(n.kids)%2 != 0 {
		return false
	}
	timed := false
	for i := 0; i < len(n.kids); i += 2 {
		if n.kids[i].typ != '$' || n.kids[i].null {
			return false
		}
		switch n.kids[i].s {
		case "idle", "seen-time", "active-time", "inactive", "idmp-duration", "nacked-count":
			timed = true
		}
	}
	return timed
}
