package compat

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/instream/instream"
	"github.com/redis/go-redis/v9"
)

// reply is one command's outcome in a comparable form: the value in Do's
// RESP2 shapes (string, int64, []any, nil), or an error line.
type reply struct {
	val   any
	err   string // the error line, when isErr
	isErr bool
	bad   string // set when the side broke its contract (wrong error type)
}

// timeVal is a value the normaliser marked as a time (idle, delivery or
// seen time): two timeVals match within timeTolerance.
type timeVal int64

// masked is a value the normaliser hides (a memory-layout field, or a §10
// row). It keeps the Go type name so the type is still compared.
type masked struct{ typ string }

// timeTolerance bounds the difference between two times (ms) taken by the
// two sides for the same command. Both sides run each command within
// microseconds of each other.
const timeTolerance = 1000

func redisDo(ctx context.Context, c *redis.Client, args []string) (reply, error) {
	iargs := make([]any, len(args))
	for i, a := range args {
		iargs[i] = a
	}
	v, err := c.Do(ctx, iargs...).Result()
	if errors.Is(err, redis.Nil) {
		return reply{}, nil
	}
	if err != nil {
		var re redis.Error
		if errors.As(err, &re) {
			return reply{isErr: true, err: err.Error()}, nil
		}
		return reply{}, fmt.Errorf("redis %s: %w", strings.Join(args, " "), err)
	}
	return reply{val: v}, nil
}

func engineDo(ctx context.Context, e doer, args []string) reply {
	v, err := e.Do(ctx, args...)
	if err != nil {
		var re *instream.RedisError
		r := reply{isErr: true, err: err.Error()}
		if !errors.As(err, &re) {
			r.bad = fmt.Sprintf("error of type %T, want *instream.RedisError", err)
		}
		if v != nil {
			r.bad += fmt.Sprintf("; value %s returned beside the error", format(v))
		}
		return r
	}
	return reply{val: v}
}

// equal compares two replies: Go types and values exactly, except
// timeVal (within timeTolerance) and masked (type name only).
func equal(a, b reply) bool {
	if a.bad != "" || b.bad != "" {
		return false
	}
	if a.isErr || b.isErr {
		return a.isErr == b.isErr && a.err == b.err
	}
	return equalVal(a.val, b.val)
}

func equalVal(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case int64:
		y, ok := b.(int64)
		return ok && x == y
	case timeVal:
		y, ok := b.(timeVal)
		d := int64(x) - int64(y)
		return ok && d <= timeTolerance && d >= -timeTolerance
	case masked:
		y, ok := b.(masked)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalVal(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return false // any other Go type is a difference
}

func (r reply) String() string {
	s := ""
	if r.isErr {
		s = "(error) " + r.err
	} else {
		s = format(r.val)
	}
	if r.bad != "" {
		s += "  [" + r.bad + "]"
	}
	return s
}

// format renders a reply value with its Go types visible: "str", :int,
// nil, [a b], and %T for anything unexpected.
func format(v any) string {
	var b strings.Builder
	formatTo(&b, v)
	return b.String()
}

func formatTo(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("nil")
	case string:
		b.WriteString(strconv.Quote(x))
	case int64:
		b.WriteString(":" + strconv.FormatInt(x, 10))
	case timeVal:
		fmt.Fprintf(b, "~time:%d", int64(x))
	case masked:
		b.WriteString("<masked " + x.typ + ">")
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(' ')
			}
			formatTo(b, e)
		}
		b.WriteByte(']')
	default:
		fmt.Fprintf(b, "%T(%#v)", v, v)
	}
}

// cliQuote renders args as one redis-cli line: bare words where safe,
// otherwise double quotes with redis-cli's escapes.
func cliQuote(args []string) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = cliArg(a)
	}
	return strings.Join(parts, " ")
}

func cliArg(a string) string {
	safe := a != ""
	for i := 0; i < len(a); i++ {
		c := a[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == '\'' || c == '\\' {
			safe = false
			break
		}
	}
	if safe {
		return a
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(a); i++ {
		c := a[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < ' ' || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
