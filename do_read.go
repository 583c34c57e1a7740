package instream

import "context"

// TODO: stubs, replaced by the real commands.

func doXRead(e *Engine, ctx context.Context, args []string) (any, error) {
	return nil, unknownCommand(args)
}

func doXReadGroup(e *Engine, ctx context.Context, args []string) (any, error) {
	return nil, unknownCommand(args)
}
