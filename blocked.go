package instream

import "context"

type blockedKey struct{}

// NotifyBlocked returns a copy of ctx with which a blocking call (Read,
// ReadGroup, and XREAD or XREADGROUP with BLOCK through Do) calls f once
// it has found nothing and waits: from then on, a change that serves it
// wakes it. The RESP server counts a client as blocked from that moment,
// as Redis does, so that INFO's blocked_clients is a safe point to wait
// for before writing. If f panics, the call stops waiting before the
// panic goes on, and the calls blocked with it wait on unharmed; entries
// a group read was given meanwhile stay pending.
func NotifyBlocked(ctx context.Context, f func()) context.Context {
	return context.WithValue(ctx, blockedKey{}, f)
}

// notifyBlocked calls ctx's NotifyBlocked function, if any, for a call
// that waits. If the function panics, abandon runs first: it ends the
// call's wait, so that nothing waits on the call for ever.
func notifyBlocked(ctx context.Context, abandon func()) {
	f, _ := ctx.Value(blockedKey{}).(func())
	if f == nil {
		return
	}
	returned := false
	defer func() {
		if !returned {
			abandon()
		}
	}()
	f()
	returned = true
}
