package instream

import (
	"strconv"
	"strings"
)

// XInfoGroup runs the group subcommands of XINFO (GROUPS, CONSUMERS,
// STREAM key FULL [COUNT n]) without the XINFO container, with
// already-checked arities.
func XInfoGroup(e *Engine, args ...string) (any, error) {
	switch strings.ToLower(args[1]) {
	case "groups":
		return doXInfoGroups(e, args)
	case "consumers":
		return doXInfoConsumers(e, args)
	}
	count := 10
	if len(args) == 6 {
		count, _ = strconv.Atoi(args[5])
	}
	return doXInfoStreamFull(e, args[2], count)
}
