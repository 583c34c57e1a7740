// Package instream implements Redis Streams inside a Go process: ordered
// entries with "ms-seq" IDs, trimming, consumer groups, pending lists and
// blocking reads, with the same results and error texts as Redis, and
// no server, network or cgo.
//
// An [Engine] holds any number of named streams. Produce, read as a
// consumer group, acknowledge (errors ignored for brevity; the package
// examples check them):
//
//	e := instream.New(instream.Options{})
//	e.CreateGroup("jobs", instream.GroupArgs{Group: "workers", MkStream: true})
//	e.Add("jobs", instream.AddArgs{Fields: []instream.Field{{Name: "job", Value: "resize"}}})
//	got, _ := e.TryReadGroup(instream.ReadGroupArgs{Group: "workers", Consumer: "w1", Streams: []instream.GroupStream{{Key: "jobs"}}})
//	for _, stream := range got { // nil when nothing was there
//		for _, en := range stream.Entries {
//			e.Ack("jobs", "workers", en.ID)
//		}
//	}
//
// # IDs
//
// Every entry has an [ID], a pair of unsigned 64-bit integers written
// "ms-seq" and ordered by ms, then seq. IDs are values: compare them with
// ==, [ID.Compare] and [ID.Less], never as text. [ParseID] accepts exactly
// what Redis accepts in an ID argument, quirks included ("007-+1" is 7-1),
// and [ID.String] gives the canonical form. 0-0 is never the ID of an
// entry; [MinID] and [MaxID] stand for Redis's "-" and "+" range bounds.
//
// [Engine.Add] generates IDs as XADD does. A zero [AddArgs].ID means "*":
// the clock's millisecond with sequence 0, or, when the stream's last ID
// is not older than the clock, the last ID plus one, so IDs never go
// backwards even when the clock does. AutoSeq means "ms-*". An explicit ID
// must be greater than the stream's last generated ID, which deleted and
// trimmed entries keep ([ErrIDTooSmall]). The clock is [Options].Clock,
// read once per call, so tests can fix it and get stable IDs.
//
// # Two faces
//
// The typed API is the engine: [Engine.Add], [Engine.Range],
// [Engine.RevRange], [Engine.Len], [Engine.DeleteEntries], [Engine.Trim],
// [Engine.SetID], [Engine.Info], [Engine.AddIdempotent],
// [Engine.SetConfig], [Engine.RecordIdempotency] and the keyspace calls [Engine.DeleteStreams],
// [Engine.Exists], [Engine.Type] and [Engine.Keys]. Its errors wrap the
// sentinels declared with [Engine] (test them with errors.Is). The
// entries it returns are the caller's to keep, and stay unchanged
// whatever happens to the stream later; those of a blocking
// [Engine.Read] may be shared with other readers woken at the same
// time, so do not modify them.
//
// [Engine.Scan] visits a range without copying: it reads entries in
// batches under the lock and calls its function with the lock released,
// with views valid only during the call.
//
// [Engine.Do] takes a Redis command as strings, as a server receives it,
// and answers what Redis would send, in RESP2 shape: string, int64, []any
// or nil. Error replies are [*RedisError] values whose Error method gives
// Redis's exact text ("ERR The ID specified in XADD is equal or smaller
// than the target stream top item"); when the error comes from the typed
// API, errors.Is still finds its sentinel. Do parses and formats only:
// every command runs through the typed API, so both faces always agree.
// This makes an Engine a fast fake of Redis Streams for tests that speak
// commands. [Engine.DoTo] runs the same commands for a server: it hands
// the reply to a [ReplyWriter], the entries of XADD, XRANGE, XREVRANGE,
// XREAD and XREADGROUP typed, so that no string is boxed into any.
//
// # Arguments and zero values
//
// The typed API follows one rule: a zero value means the natural
// default, and a value that cannot mean what was written is an error
// wrapping [ErrInvalidArgument] whose text names the field, never a call
// that quietly does nothing. A call that fails this way changes nothing.
//
//   - Counts: 0 means no limit, in every call that takes one ([Engine.Range],
//     [Engine.RevRange], [Engine.InfoFull], and the Count of [ReadArgs],
//     [ReadGroupArgs], [PendingArgs] and [AutoClaimArgs]); a negative count
//     is an error. Redis's defaults, such as XAUTOCLAIM's COUNT 100, are
//     Do's alone.
//   - Ranges: a start above the end is an error, not an empty result;
//     [Engine.RevRange] takes its end bound first, as XREVRANGE does. A
//     zero [PendingArgs].End means [MaxID].
//   - Durations (MinIdle, Idle) and RetryCount must not be negative; a
//     zero MinIdle is no threshold.
//   - Caps: a zero MaxCount or MaxSize ([ReadArgs], [ReadGroupArgs]) is
//     no cap; a negative one is an error. The zero [NackMode] is
//     [NackFail].
//   - A field that only means something with another must not be set
//     alone: [TrimArgs] MaxLen needs Strategy TrimMaxLen, MinID needs
//     TrimMinID, and Approx, Limit and Refs need a Strategy;
//     [ReadGroupArgs].MinIdle needs Claim; [GroupStream].After needs
//     History; [ReadStream].After goes with neither New nor Last;
//     [PendingArgs].Consumer needs ByConsumer; [GroupArgs].ID goes
//     without FromEnd; [ClaimArgs] takes Idle or Time, not both.
//   - Calls that create or delete a consumer (group reads, [Engine.Claim],
//     [Engine.AutoClaim], [Engine.CreateConsumer], [Engine.DeleteConsumer])
//     need a non-empty Consumer.
//   - Calls that take a list of IDs or keys need at least one
//     ([Engine.Ack], [Engine.Nack], [Engine.DeleteEntries], [Engine.DeleteEntriesEx],
//     [Engine.AckDelete], [Engine.DeleteStreams], [Engine.Exists]).
//     [Engine.Claim] may take none: it still creates the consumer and
//     applies LastID, as XCLAIM does.
//   - Group reads and the pending-list calls ([Engine.Ack], [Engine.Nack],
//     [Engine.AckDelete], [Engine.Pending], [Engine.PendingSummary],
//     [Engine.Claim], [Engine.AutoClaim]) report a missing stream or group
//     as [ErrNoGroup], as Redis's NOGROUP does, Ack and AckDelete
//     included, although XACK answers 0 and XACKDEL -1 there. The calls
//     that manage groups and consumers tell a missing stream apart
//     ([ErrNoStream]).
//
// [Engine.Do] keeps Redis's replies: COUNT 0, an empty range, a negative
// IDLE or the consumer name "" answer there what Redis answers.
//
// # Consumer groups and the pending list
//
// A stream can carry consumer groups ([Engine.CreateGroup]), each with a
// last-delivered ID, its consumers and a pending entries list: the
// entries delivered to a consumer and not yet acknowledged.
// [Engine.TryReadGroup] delivers new entries (XREADGROUP's ">") or
// re-reads a consumer's pending ones, [Engine.Ack] removes entries from
// the pending list, [Engine.Pending] and [Engine.PendingSummary] inspect
// it, and [Engine.Claim] and [Engine.AutoClaim] hand entries idle too
// long to another consumer, with the delivery count of each (as
// [GroupEntry]; history reads report it too). Deleting or trimming an entry leaves the
// pending references to it in place unless a trim asks otherwise
// ([RefPolicy]: KeepRef, DelRef, Acked, Redis 8.2's KEEPREF, DELREF and
// ACKED).
//
// # Redis 8 additions
//
// Redis 8.2's reference-aware deletes are [Engine.DeleteEntriesEx] (XDELEX) and
// [Engine.AckDelete] (XACKDEL), with one [DeleteResult] per ID (Redis's
// -1, 1 and 2); the same [RefPolicy] applies to trimming. An entry is
// referenced while a group holds it as pending or has not been handed it
// yet; with no groups, nothing is. Redis 8.4's XREADGROUP CLAIM is
// [ReadGroupArgs].Claim with MinIdle: a ">" read first takes over the
// group's pending entries idle long enough, oldest delivery first, and
// reports their idle time and delivery count ([GroupEntry]); a blocked
// claim read also wakes when an entry becomes idle enough. From its first
// claim read on, a group keeps its pending list ordered by delivery time
// too, so finding the oldest entries costs O(log P + k); groups that never
// claim this way pay nothing for it.
//
// Redis 8.8's XNACK is [Engine.Nack]: it hands pending entries back to
// their group, owned by no consumer, with a delivery count kept
// ([NackFail]), lowered ([NackSilent]) or set to the maximum
// ([NackFatal]); claim reads take nacked entries first, in the order they
// were nacked. Redis 8.10's MAXCOUNT and MAXSIZE are the MaxCount and
// MaxSize of [ReadArgs] and [ReadGroupArgs]: caps over all the streams of
// one read.
//
// # Idempotent production
//
// Redis 8.6's idempotent XADD is [AddArgs].Producer with IdempotencyID
// (IDMP) or AutoIdempotency (IDMPAUTO, the ID derived from the fields): a
// retried add with the same producer and idempotency ID adds nothing and
// answers the ID of the entry first added with it. [Engine.Add] returns
// that ID as XADD does; [Engine.AddIdempotent] also reports whether the
// add was a duplicate. Each stream remembers the last
// IdempotencyMaxSize IDs of each producer, each until its entry ID's
// millisecond is IdempotencyDuration old: [Options] sets both for new
// streams and [Engine.SetConfig] (XCFGSET) per stream. [Engine.Info]
// reports the state, [Engine.IdempotencyRecords] lists it and
// [Engine.RecordIdempotency] (XIDMPRECORD) restores it from a log. IDs
// are expired when a call looks at them, so the window is exact under any
// clock.
//
// # Blocking reads
//
// Reads that wait for new entries (XREAD and XREADGROUP with BLOCK) take a
// context and wait until an entry arrives, the context is done, or the
// engine is closed. Deadlines come from the context. The engine's only
// timers wake a group read with Claim when a pending entry becomes idle
// enough; they run on [Options].Clock, so a [ManualClock] drives them too.
// Waiters on one group are served in the order they blocked, as in Redis.
//
// # Concurrency
//
// An Engine is safe for concurrent use by multiple goroutines. Streams
// are locked in groups by a hash of their names: a call on one stream
// locks only that stream's group, and a call that only looks (Range,
// Len, Info, Pending, Scan, ...) locks it shared, so calls on different
// streams run in parallel and readers of one stream do not wait for each
// other. A call on several streams (a multi-stream Read, DeleteStreams,
// Rename) locks all of theirs, and Update, FlushAll and Watch lock every
// stream, for the whole call; a Do command that changes state does so in
// one such call, so commands are atomic, as in Redis. The engine never
// calls caller code while holding a lock, except Update's function.
// [Engine.Close] wakes every waiter, and every later call fails with
// [ErrClosed].
//
// # Persistence
//
// An Engine from New keeps everything in memory. With Options.Log set
// (package persist sets it, with a log in Redis's append-only file
// format), every call that changes state hands the log one record: the
// commands Redis would propagate for the change (XADD with the concrete
// ID, trims as the exact bound they reached, group reads and claims as
// XCLAIM … FORCE JUSTID LASTID and XGROUP SETID … ENTRIESREAD), and
// returns once the log has made it as durable as its policy promises.
// An Update batch is one record, however many changes it makes. While
// the log cannot write, such calls fail with ErrLogFailed. The counts of
// idempotent adds and duplicates, which no command sets (Redis keeps them
// in its RDB snapshots), follow each idempotent add and duplicate as an
// annotation line, which Redis's loader skips, and a log restores them
// with [Engine.SetIdempotencyCounts].
//
// # Differences from Redis
//
// The engine follows Redis 7.2 and later, plus the stream additions of
// 8.2, 8.4, 8.6 (IDMP, XCFGSET), 8.8 (XNACK) and 8.10 (MAXCOUNT,
// MAXSIZE), not the 7.0 series (for example, XSETID refuses an ID below
// the stream's max-deleted-entry-id, and "ms-*" after the last possible
// sequence is "equal or smaller", not "Elements are too large").
//
//   - Only streams exist, so WRONGTYPE is never answered, and DEL, EXISTS
//     and TYPE see streams only. There are no other key types, expiry,
//     replication, keyspace events or scripts. Do runs one command;
//     MULTI/EXEC is served by package resp on [Engine.Update].
//     Other commands get Redis's unknown-command reply. Do with no
//     arguments answers "ERR empty command" (Redis ignores an empty
//     command and sends nothing).
//   - XINFO STREAM's radix-tree-nodes counts nodes of Redis's internal
//     radix tree, which the engine does not have; it reports 1 for an
//     empty stream, 2 for one storage node and 2n+2 for n nodes, which is
//     what Redis reports for typical streams but not for every one.
//   - A command never leaves a half-applied change: an XADD that fails
//     with "Elements are too large to be stored" on a missing key does
//     not leave an empty stream behind, as Redis does.
//   - A second KEEPREF, DELREF or ACKED in one XADD or XTRIM is a syntax
//     error, as it is for XDELEX and XACKDEL (Redis leaves this open).
//
// Where Redis 8.2 and 8.4 leave a behaviour open (their documentation and
// tests do not pin it down, and no 8.x server was at hand to check), the
// engine chooses:
//   - XDELEX and XACKDEL without an IDS block answer "ERR syntax error"
//     (with their arities, a duplicate or unknown option comes first
//     anyway); a second IDS block is a syntax error.
//   - DELREF on an entry already gone still removes its references and
//     answers -1 (1 for XACKDEL if it acknowledged the ID). ACKED on an
//     entry already gone answers 2 while some group holds it as pending,
//     else 1 if XACKDEL acknowledged it, else -1. XACKDEL on an entry not
//     pending in the group acts as XDELEX on it.
//   - CLAIM's errors are "ERR min-idle-time is not an integer", "ERR
//     min-idle-time must be a positive integer" and, for XREAD, "ERR The
//     CLAIM option is only supported by XREADGROUP. You called XREAD
//     instead."
//   - CLAIM drops from the pending list the entries whose stream entry is
//     gone, as XAUTOCLAIM does, and COUNT bounds each stream on its own.
//
// Redis 8.6's idempotent production was built from its documentation and
// tests, with no 8.6 server at hand. Where they leave a point open, the
// engine chooses:
//   - IDMPAUTO hashes each field's name and value together and combines
//     the pairs with XOR, as Redis does, but with FNV-1a 128 instead of
//     XXH3-128, which the standard library lacks: the same pairs always
//     make the same ID, in any order, but not the ID Redis would make.
//     This shows only where an IDMPAUTO ID is carried between the engine
//     and a Redis server (XIDMPRECORD in a log). Pairs that cancel out
//     (the same pair twice) answer "ERR Failed to create idempotency
//     hash", as Redis's first implementation did.
//   - IDs expire when a call looks at them (an idempotent XADD, an
//     XIDMPRECORD, XINFO STREAM), not from a timer as in Redis, so an ID
//     is never answered as a duplicate after its time, where Redis may
//     still do so until its timer runs. As in Redis, an ID expires by its
//     entry ID's millisecond, so the IDs of a stream whose IDs run ahead
//     of the clock do not expire until the clock catches up.
//   - XINFO STREAM FULL puts the six idempotency fields where XINFO
//     STREAM has them, after recorded-first-entry-id.
//   - XCFGSET checks all its arguments before it looks the key up, and
//     changes nothing if one is rejected; a parameter given twice takes
//     its last value. Its errors are "ERR At least one parameter must be
//     specified", "ERR IDMP-DURATION must be between 1 and 86400" and
//     "ERR IDMP-MAXSIZE must be between 1 and 10000".
//   - XIDMPRECORD answers "ERR no such key" before any other error; an
//     empty producer or idempotency ID gets XADD IDMP's texts; an ID that
//     is no entry of the stream gets "ERR The specified stream ID was
//     deleted or doesn't exist", and a pair already standing for another
//     entry "ERR The specified IDMP producer-id/idempotent-id pair maps to
//     a different stream ID". It applies the per-producer cap and leaves
//     iids-added and iids-duplicates alone.
//
// Likewise for Redis 8.8's XNACK and 8.10's MAXCOUNT and MAXSIZE:
//   - XNACK's errors: a bad mode is "ERR mode must be SILENT, FAIL, or
//     FATAL" (one ERR); numids and the ID block answer as XDELEX does; a
//     RETRYCOUNT that is not an integer is "ERR value is not an integer or
//     out of range", a negative one "ERR Invalid RETRYCOUNT option
//     argument for XNACK". The mode is checked first, then the other
//     arguments in order, then the key: a missing key or group is
//     XCLAIM's NOGROUP error, not 0.
//   - An ID listed twice in one XNACK is handled twice (counted twice;
//     SILENT lowers its count twice).
//   - A nacked entry has no delivery time: XPENDING shows its idle time
//     as -1, and so does a CLAIM read that takes it; XINFO STREAM FULL
//     shows it with consumer "" and delivery time 0, and nacked-count
//     comes last in each group. Every idle test (XCLAIM, XAUTOCLAIM,
//     CLAIM, XPENDING IDLE) sees it as delivered at Unix time 0, so it
//     passes any threshold in practice.
//   - XNACK wakes blocked XREADGROUP CLAIM readers of the stream at once.
//   - MAXCOUNT below COUNT is "ERR MAXCOUNT must be greater than or equal
//     to COUNT"; a MAXSIZE that is not a positive integer is "ERR MAXSIZE
//     must be a positive integer". Once the caps are met, the remaining
//     streams are left out, history streams included.
//   - MAXSIZE counts the bytes of the RESP2 reply as the engine models
//     them, which need not match Redis's count entry for entry; the
//     first entry is always returned.
package instream
