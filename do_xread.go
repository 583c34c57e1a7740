package instream

import "context"

// TODO: stub, replaced by the real command.

func doXRead(e *Engine, ctx context.Context, args []string) (any, error) {
	return nil, unknownCommand(args)
}
