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

// doXInfoGroups answers XINFO GROUPS key.
func doXInfoGroups(e *Engine, args []string) (any, error) {
	return nil, unknownCommand(args)
}

// doXInfoConsumers answers XINFO CONSUMERS key group.
func doXInfoConsumers(e *Engine, args []string) (any, error) {
	return nil, unknownCommand(args)
}

// doXInfoStreamFull answers XINFO STREAM key FULL [COUNT count], count
// already parsed (0 means all).
func doXInfoStreamFull(e *Engine, key string, count int) (any, error) {
	return nil, replyErr("ERR not implemented")
}
