// Package resp serves an instream engine over the Redis protocol (RESP2
// and RESP3), so that any Redis client, and redis-cli, can use it as a
// Redis Streams server or test fake.
//
// [ServeConn] serves one connection, [Serve] a listener, and [Dialer]
// returns in-process connections for go-redis's Options.Dialer and
// similar hooks, with no port:
//
//	rdb := redis.NewClient(&redis.Options{Dialer: resp.Dialer(e)})
//
// Stream commands run through [instream.Engine.Do]; the server itself
// answers the connection commands clients send (HELLO, AUTH, PING, ECHO,
// QUIT, RESET, SELECT, CLIENT, COMMAND, INFO, CONFIG) and the keyspace
// commands that make sense for streams (DBSIZE, KEYS, SCAN, FLUSHDB,
// FLUSHALL, UNLINK, RENAME, RENAMENX) and transactions (MULTI, EXEC,
// DISCARD, WATCH, UNWATCH), which run on [instream.Engine.Update] and
// [instream.Engine.Watch] with Redis's semantics: a queued command Redis
// would refuse (unknown, wrong arity) aborts the EXEC, errors at run time
// do not, no other command runs in between, and a BLOCK inside MULTI
// answers at once as after its timeout. Replies take Redis 7.2's RESP2
// or RESP3 shapes, as HELLO selects. Malformed input gets Redis's
// "ERR Protocol error" replies and closes the connection.
//
// The hooks in [Options] connect the server to the engine's log (package
// persist) and to its owner: BGREWRITEAOF, INFO persistence, CONFIG GET
// of the persistence parameters, and SHUTDOWN.
//
// [Reader] and [Writer] are the codec, usable on their own.
package resp
