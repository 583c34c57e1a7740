package resp

import (
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
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
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

// validSave reports whether s is a save value Redis takes: pairs of
// seconds and changes.
func validSave(s string) bool {
	f := strings.Fields(s)
	if len(f)%2 != 0 {
		return false
	}
	for _, n := range f {
		if v, err := strconv.ParseInt(n, 10, 64); err != nil || v < 0 {
			return false
		}
	}
	return true
}
