package redisstreams

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/instream/instream"
	"github.com/redis/go-redis/v9"
)

// go-redis cannot interrupt a command blocked on the server (go-redis
// issue 2556): cancelling the context does not end the read. So a
// blocking read runs on a connection of its own, whose server-side client
// ID is known, and a cancelled read is ended by CLIENT UNBLOCK from
// another connection: the server then answers the read at once, as if its
// BLOCK had timed out, or with what it served just before.

// unblockWait bounds how long a cancelled read waits for the server to
// answer, retrying CLIENT UNBLOCK, in case the read had not reached the
// server yet. Past it, the read is abandoned and its connection closed.
const unblockWait = 50 * time.Millisecond

// maxIdleBlockConns bounds the connections kept per node for later
// blocking reads. Each is taken from the go-redis client's pool.
const maxIdleBlockConns = 4

// blockConn is a connection held for blocking reads.
type blockConn struct {
	node *redis.Client // sends CLIENT UNBLOCK
	conn *redis.Conn
	id   int64 // the server's client ID of conn
	// idle: taken from the pool of idle connections and not used since;
	// the server may have closed it meanwhile.
	idle bool
}

// blockPool keeps idle blockConns by node.
type blockPool struct {
	mu     sync.Mutex
	free   map[*redis.Client][]*blockConn
	closed bool
}

func (p *blockPool) init() { p.free = map[*redis.Client][]*blockConn{} }

// get returns an idle connection to node, or a new one.
func (p *blockPool) get(ctx context.Context, node *redis.Client) (*blockConn, error) {
	p.mu.Lock()
	if l := p.free[node]; len(l) > 0 {
		bc := l[len(l)-1]
		p.free[node] = l[:len(l)-1]
		p.mu.Unlock()
		bc.idle = true
		return bc, nil
	}
	p.mu.Unlock()
	conn := node.Conn()
	id, err := conn.ClientID(ctx).Result()
	if err != nil {
		conn.Close()
		return nil, replyError(err)
	}
	return &blockConn{node: node, conn: conn, id: id}, nil
}

// put keeps bc for a later read, or closes it.
func (p *blockPool) put(bc *blockConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.free[bc.node]) >= maxIdleBlockConns {
		bc.conn.Close()
		return
	}
	p.free[bc.node] = append(p.free[bc.node], bc)
}

func (p *blockPool) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, l := range p.free {
		for _, bc := range l {
			bc.conn.Close()
		}
	}
	p.free = nil
}

// blockNode returns the client of the server that holds key, or nil for
// client types that give no access to single connections (then reads
// block on the shared pool and see cancellation only between BLOCKs).
func (c *Client) blockNode(ctx context.Context, key string) (*redis.Client, error) {
	switch r := c.rdb.(type) {
	case *redis.Client:
		return r, nil
	case *redis.ClusterClient:
		node, err := r.MasterForKey(ctx, key)
		if err != nil {
			return nil, replyError(err)
		}
		return node, nil
	}
	return nil, nil
}

// blockRead runs a blocking read until served reports a reply serves
// it, ctx is done or the Client closed. build makes the command for one
// BLOCK of the given milliseconds (0: no limit). A wait longer than the
// Client's slice is a series of BLOCKs. A read served as ctx ends
// counts as served.
func (c *Client) blockRead(ctx context.Context, key string, build func(blockMs int64) []any,
	served func(v any) (bool, error)) error {
	node, err := c.blockNode(ctx, key)
	if err != nil {
		return err
	}
	var bc *blockConn
	if node != nil {
		if bc, err = c.blocked.get(ctx, node); err != nil {
			return err
		}
	}
	retried := false
	for {
		if err := ctx.Err(); err != nil {
			c.release(bc)
			return err
		}
		if c.closed() {
			c.release(bc)
			return instream.ErrClosed
		}
		stale := bc != nil && bc.idle
		v, err, ok := c.blockOnce(ctx, bc, build(c.blockMs(ctx)))
		if !ok {
			bc = nil // abandoned, or its connection broke
		} else if bc != nil {
			bc.idle = false
		}
		if err != nil {
			// A kept connection the server closed while it sat idle
			// fails at once: try again, once, on a new one.
			if stale && !retried && ctx.Err() == nil && !c.closed() &&
				(errors.Is(err, ErrUnavailable) || errors.Is(err, instream.ErrClosed)) {
				retried = true
				if bc, err = c.blocked.get(ctx, node); err != nil {
					return err
				}
				continue
			}
			c.release(bc)
			return err
		}
		if v != nil {
			done, err := served(v)
			if done || err != nil {
				c.release(bc)
				return err
			}
		}
	}
}

func (c *Client) release(bc *blockConn) {
	if bc != nil {
		c.blocked.put(bc)
	}
}

// blockMs is the BLOCK of the next try: the Client's slice, or what is
// left of ctx's deadline if less, rounded up to whole milliseconds.
func (c *Client) blockMs(ctx context.Context) int64 {
	wait := c.slice // 0: no limit
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); wait == 0 || left < wait {
			wait = max(left, time.Millisecond) // BLOCK 0 would wait forever
		}
	}
	return int64((wait + time.Millisecond - 1) / time.Millisecond)
}

type blockResult struct {
	v   any
	err error
}

// blockOnce sends one blocking command and returns its reply, nil for a
// timeout. ok is false when bc can no longer be used.
func (c *Client) blockOnce(ctx context.Context, bc *blockConn, args []any) (v any, err error, ok bool) {
	if bc == nil {
		v, err := c.do(context.WithoutCancel(ctx), args...)
		return v, err, true
	}
	ch := make(chan blockResult, 1)
	go func() {
		v, err := bc.conn.Do(context.WithoutCancel(ctx), args...).Result()
		ch <- blockResult{v, err}
	}()
	var r blockResult
	select {
	case r = <-ch:
	case <-ctx.Done():
		if r, ok = c.unblock(bc, ch); !ok {
			return nil, ctx.Err(), false
		}
	case <-c.done:
		if r, ok = c.unblock(bc, ch); !ok {
			return nil, instream.ErrClosed, false
		}
	}
	switch {
	case r.err == redis.Nil:
		return nil, nil, true
	case r.err != nil:
		err := replyError(r.err)
		var reply redis.Error
		if errors.As(r.err, &reply) && !errors.Is(err, ErrUnavailable) {
			return nil, err, true // an error reply: the connection is fine
		}
		bc.conn.Close() // it may be broken: never reuse it
		if moved(err) {
			// The dedicated connection does not follow redirections:
			// have the cluster client learn the new owner for the retry.
			if cc, ok := c.rdb.(*redis.ClusterClient); ok {
				cc.ReloadState(context.WithoutCancel(ctx))
			}
		}
		return nil, err, false
	}
	return r.v, nil, true
}

// unblock ends the read running on bc and returns its reply. If the
// server does not answer within unblockWait, it gives up: ok is false
// and the connection is closed once the read returns.
func (c *Client) unblock(bc *blockConn, ch chan blockResult) (blockResult, bool) {
	deadline := time.Now().Add(unblockWait)
	for {
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		n, err := bc.node.ClientUnblock(ctx, bc.id).Result()
		cancel()
		if err == nil && n == 1 {
			return <-ch, true
		}
		// Not blocked yet, or already answered: look again shortly.
		select {
		case r := <-ch:
			return r, true
		case <-time.After(2 * time.Millisecond):
		}
		if err != nil || time.Now().After(deadline) {
			go func() {
				<-ch
				bc.conn.Close()
			}()
			return blockResult{}, false
		}
	}
}

// moved reports whether err is a cluster redirection.
func moved(err error) bool {
	re, ok := err.(*instream.RedisError)
	return ok && (strings.HasPrefix(re.Msg, "MOVED ") || strings.HasPrefix(re.Msg, "ASK "))
}
