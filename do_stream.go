package instream

import "context"

// TODO: stubs, replaced by the real commands.

func doXAdd(e *Engine, ctx context.Context, args []string) (any, error) {
	return nil, unknownCommand(args)
}

func doXRange(e *Engine, ctx context.Context, args []string) (any, error) {
	return nil, unknownCommand(args)
}

func doXRevRange(e *Engine, ctx context.Context, args []string) (any, error) {
	return nil, unknownCommand(args)
}

func doXLen(e *Engine, ctx context.Context, args []string) (any, error) {
	return nil, unknownCommand(args)
}

func doXDel(e *Engine, ctx context.Context, args []string) (any, error) {
	return nil, unknownCommand(args)
}

func doXTrim(e *Engine, ctx context.Context, args []string) (any, error) {
	return nil, unknownCommand(args)
}

func doXSetID(e *Engine, ctx context.Context, args []string) (any, error) {
	return nil, unknownCommand(args)
}

func doXInfo(e *Engine, ctx context.Context, args []string) (any, error) {
	return nil, unknownCommand(args)
}

func doDel(e *Engine, ctx context.Context, args []string) (any, error) {
	return nil, unknownCommand(args)
}

func doExists(e *Engine, ctx context.Context, args []string) (any, error) {
	return nil, unknownCommand(args)
}

func doType(e *Engine, ctx context.Context, args []string) (any, error) {
	return nil, unknownCommand(args)
}
