package instream

import "context"

type blockedKey struct{}

// NotifyBlocked returns a copy of ctx with which a blocking call (Read,
// ReadGroup, and XREAD or XREADGROUP with BLOCK through Do) calls f once
// it has found nothing and waits: from then on, a change that serves it
// wakes it. The RESP server counts a client as blocked from that moment,
// as Redis does, so that INFO's blocked_clients is a safe point to wait
// for before writing.
func NotifyBlocked(ctx context.Context, f func()) context.Context {
	return context.WithValue(ctx, blockedKey{}, f)
}

// notifyBlocked calls ctx's NotifyBlocked function, if any.
func notifyBlocked(ctx context.Context) {
	if f, _ := ctx.Value(blockedKey{}).(func()); f != nil {
		f()
	}
}
