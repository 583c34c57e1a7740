// Package redisstreams implements instream's typed API, [instream.Streams],
// over a Redis server, a Sentinel-managed primary or a Redis Cluster, so
// that code written against an in-process [instream.Engine] moves to a
// server by changing its constructor:
//
//	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: addrs})
//	var s instream.Streams = redisstreams.New(rdb, redisstreams.Options{})
//
// Every call sends the command the engine's Do accepts for it, through
// go-redis's Do, and decodes the reply itself: entries keep their fields
// in order, with repeated names; history reads keep the entries whose
// stream entry is gone; claim reads keep idle times and delivery counts.
// Where Redis's reply lacks what the typed API returns, the command goes
// in one MULTI/EXEC after the XPENDING that has it, in the same round
// trip: delivery counts and idle times for Claim, AutoClaim and history
// reads, and ErrNoGroup for Ack and AckDelete on a missing stream or
// group (XACK answers 0 there). Arguments the engine refuses
// (ErrInvalidArgument, by the Validate methods of the argument types)
// are refused before anything is sent. A Count of 0 is no limit, as in
// the engine: Pending sends the largest COUNT, and AutoClaim a series of
// XAUTOCLAIMs of at most 1000 entries (Redis 7.0 allocates memory for
// COUNT up front), each atomic, the whole not.
// Results and errors are the engine's values and sentinels
// (instream.ErrNoGroup, instream.ErrGroupExists, ...); an error reply is
// an *instream.RedisError carrying Redis's text. Errors of the Client's
// own are ErrUnavailable (the server could not be reached, the connection
// broke, or the cluster or server is changing hands or loading: retry),
// ErrUnsupported, ErrCrossSlot, ErrWrongType and ErrBadReply.
//
// # Server versions
//
// The Client needs Redis 7.0 or later. Calls that need a newer server ask
// its version once (INFO server) and fail with ErrUnsupported, naming the
// feature and both versions, on an older one (and a server that answers
// "unknown command" gives ErrUnsupported too): reference policies other
// than KeepRef, DeleteEntriesEx and AckDelete (8.2), ReadGroup with Claim (8.4),
// Read with Last (7.4), adds with a Producer (IDMP, 8.6), Nack (XNACK,
// 8.8), reads with MaxCount or MaxSize (8.10). Some results depend on the server's version as
// they do in Redis: before 7.2, consumers have no active time (Active is
// zero, Inactive -1), a read or claim creates its consumer only when it
// serves something, SetID below the max deleted ID is refused only by the
// top entry's check (ErrSetIDTooSmall, not ErrSetIDBelowMaxDeleted), and
// lag follows the older rules.
//
// # AckAdd
//
// Redis has no command for [instream.Engine.AckAdd]; the Client runs it
// as one Lua script (EVALSHA), which checks the pending entry, adds, and
// acknowledges only once the add succeeded. A MULTI/EXEC would not do:
// EXEC runs every queued command even when one fails, so an XADD refused
// at run time would leave the XACK applied. On a cluster both streams
// must share a slot.
//
// # Calls without a context
//
// The typed API gives a context only to blocking reads. The other calls
// are bounded by the go-redis client's dial, read and write timeouts and
// its retries: a server that is gone gives ErrUnavailable after them,
// never a hang.
//
// # Blocking reads
//
// go-redis cannot interrupt a command blocked on the server. So Read and
// ReadGroup run their XREAD or XREADGROUP BLOCK on a connection of their
// own, taken from the go-redis client's pool (and kept, up to four per
// server, for later blocking reads), and a cancelled or timed-out context
// or Close ends the wait with CLIENT UNBLOCK sent on another connection:
// the call returns within a round trip or two. Entries the server handed
// over just before that are returned, as the engine does. If the server
// does not answer within 50 ms, the call returns anyway and the
// connection is closed once the server answers; entries a group read
// received then stay pending for the consumer.
//
// The costs: each blocked call holds one connection of the pool, plus a
// CLIENT ID round trip the first time a connection is used for blocking;
// and go-redis fails a reply that takes longer than its ReadTimeout, so a
// long wait is a series of BLOCKs of at most [Options.BlockSlice] (half
// the read timeout by default; one BLOCK without limit when the client
// has no read timeout). Between two BLOCKs a waiting group reader leaves
// Redis's queue of blocked readers and joins it again at the end: readers
// of a group are then not served strictly in the order they started
// waiting, as they are in one Redis BLOCK and in the engine. A Read with
// New streams costs one more round trip, to resolve "$" once so that no
// entry falls between two BLOCKs. Client types other than *redis.Client
// and *redis.ClusterClient block on the shared pool and see cancellation
// only between BLOCKs (1 s by default).
//
// # Redis Cluster
//
// A call that names several streams (Read, ReadGroup) must name streams
// of one slot, or it fails with ErrCrossSlot, as Redis answers CROSSSLOT.
// Streams whose names share a hash tag, the part in braces such as
// "{orders}.eu" and "{orders}.us", share a slot. DeleteStreams and Exists
// with several keys send one command per key, pipelined, so they work
// across slots but are not atomic.
package redisstreams
