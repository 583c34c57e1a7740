package instream

import "context"

// TODO: stubs, replaced by the real commands.

func doXReadGroup(e *Engine, ctx context.Context, args []string) (any, error) {
	return nil, unknownCommand(args)
}
