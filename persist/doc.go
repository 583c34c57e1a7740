// Package persist makes an instream engine durable: [Open] loads the
// engine's streams from a directory in Redis 7.0's multi-part AOF layout
// and format (package aof) and logs every later change there before the
// call that made it returns, under a sync policy named as Redis names it:
//
//   - aof.Always: a call returns once its change is on stable storage;
//     concurrent callers share syncs (group commit).
//   - aof.Everysec (the default): changes reach the operating system
//     within about a millisecond and stable storage at most a second
//     later; a crash of the process loses at most the last millisecond,
//     a crash of the machine about the last second, as in Redis. While a
//     write or sync is stuck, calls go on returning until changes have
//     waited unwritten for 2 seconds, then wait for the disk, as Redis
//     postpones its write for at most 2 seconds: a crash of the process
//     then loses at most the changes of those 2 seconds.
//   - aof.No: written as under aof.Everysec; the operating system decides
//     when to sync.
//
// A failed write or sync makes calls that change state fail with
// instream.ErrLogFailed (Do answers Redis's MISCONF error) until the log
// can write again; reads go on.
//
// One DB at a time may use a directory, enforced by a lock on the log's
// directory held until Close: a second Open of it, in this process or
// another, fails with an error matching aof.ErrLocked. Where the
// filesystem cannot lock a directory (Windows, some network
// filesystems), the lock holds within the process only.
package persist
