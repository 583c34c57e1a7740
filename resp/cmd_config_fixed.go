package resp

import (
	"math"
	"strconv"
	"strings"
)

// fixedConfigError returns the error CONFIG SET name value answers for a
// parameter of Options.Config, which the server cannot change, or "" when
// value is the one it holds. Values Redis would refuse get Redis's error.
func fixedConfigError(name, value, current string) string {
	norm := value
	switch name {
	case "dir":
		return "can't set protected config"
	case "appenddirname", "appendfilename":
		return "can't set immutable config"
	case "appendonly":
		norm = strings.ToLower(value)
		if norm != "yes" && norm != "no" {
			return "argument must be 'yes' or 'no'"
		}
	case "appendfsync":
		norm = strings.ToLower(value)
		if norm != "everysec" && norm != "always" && norm != "no" {
			return "argument(s) must be one of the following: everysec, always, no"
		}
	case "save":
		if !validSave(value) {
			return "Invalid save parameters"
		}
		if value != "" {
			return "RDB snapshots are not supported (instream persists with appendonly yes)"
		}
	case "auto-aof-rewrite-percentage":
		n, ok := parseLen([]byte(value)) // Redis's string2ll: no '+', no leading zeros
		if !ok {
			return "argument couldn't be parsed into an integer"
		}
		if n < 0 || n > 1<<31-1 {
			return "argument must be between 0 and 2147483647 inclusive"
		}
		norm = strconv.FormatInt(n, 10)
	case "auto-aof-rewrite-min-size":
		n, ok := ParseMemory(value)
		if !ok {
			return "argument must be a memory value"
		}
		norm = strconv.FormatInt(n, 10)
	}
	if norm == current {
		return ""
	}
	return "instream cannot change it at run time; restart the server with --" + name + " " + value
}

// validSave reports whether Redis 7.0 takes s as its save parameter: s
// split at each single space into pairs of seconds (at least 1) and
// changes (at least 0), each read whole by C's strtoll; "" is none.
func validSave(s string) bool {
	if s == "" {
		return true
	}
	f := strings.Split(s, " ")
	if len(f)%2 != 0 {
		return false
	}
	for i, a := range f {
		v, ok := strtoll(a)
		if !ok || v < 0 || i%2 == 0 && v < 1 {
			return false
		}
	}
	return true
}

// strtoll reads s as C's strtoll(s, &end, 10) does and reports whether
// end reached the end of s: leading white space, an optional sign, then
// digits, out-of-range values clamped. With no digits strtoll reads 0
// and leaves end at the start, so that only "" is read whole.
func strtoll(s string) (int64, bool) {
	if s == "" {
		return 0, true
	}
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	digits := strings.TrimLeft(t, "+-")
	if len(t)-len(digits) > 1 || digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil { // out of range: strtoll clamps
		if t[0] == '-' {
			return math.MinInt64, true
		}
		return math.MaxInt64, true
	}
	return n, true
}
