package instream

import "context"

// TODO: stubs, replaced by the real commands.

func doXGroup(e *Engine, ctx context.Context, args []string) (any, error) {
	return nil, unknownCommand(args)
}

func doXAck(e *Engine, ctx context.Context, args []string) (any, error) {
	return nil, unknownCommand(args)
}

func doXPending(e *Engine, ctx context.Context, args []string) (any, error) {
	return nil, unknownCommand(args)
}

func doXClaim(e *Engine, ctx context.Context, args []string) (any, error) {
	return nil, unknownCommand(args)
}

func doXAutoClaim(e *Engine, ctx context.Context, args []string) (any, error) {
	return nil, unknownCommand(args)
}

func doXDelEx(e *Engine, ctx context.Context, args []string) (any, error) {
	return nil, unknownCommand(args)
}

func doXAckDel(e *Engine, ctx context.Context, args []string) (any, error) {
	return nil, unknownCommand(args)
}
