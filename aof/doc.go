// Package aof implements an append-only log in the layout and format of
// Redis 7.0's multi-part AOF, so that a directory written here loads into
// redis-server (with aof-use-rdb-preamble no) and a directory written by
// redis-server loads here.
//
// # Layout
//
// A directory (Redis's appenddirname, "appendonlydir" by default) holds a
// manifest, one base file and one or more incremental files:
//
//	appendonly.aof.manifest
//	appendonly.aof.3.base.aof
//	appendonly.aof.5.incr.aof
//
// The manifest lists the files in load order, one line each, in Redis's
// syntax ("file appendonly.aof.5.incr.aof seq 5 type i"). It is replaced
// atomically: written to a temporary file, synced, renamed, and the
// directory synced.
//
// # Records and checksums
//
// A record is what one caller's change needs: one command, or several
// commands wrapped in MULTI and EXEC so that recovery applies all or none.
// Commands are RESP arrays of bulk strings, as Redis writes them. Every
// file written by this package begins with the line "#instream aof 1", and
// every record, or in a base file every chunk of whole commands, is
// preceded by a line "#R <length> <crc32c>" that covers the bytes that
// follow. Redis's loader skips lines that begin with '#', so the files stay
// loadable by Redis, while this package detects a flipped bit that RESP
// framing alone would miss. A file without the first line was written by
// Redis and is read without checksums; so are the commands Redis appends
// to an incremental file of this package when it runs on the directory,
// between the records. A checksum line with nothing of its record after
// it but Redis's commands (a crash tore the record there, and Redis
// skipped the line as it skips any) is skipped too.
//
// A command whose name begins with '#' is an annotation: it is written as
// one line, inside the checksummed bytes, that Redis's loader skips too
// (the name, then each argument quoted as Go quotes strings, 1023 bytes
// at most with its line end, as Redis reads lines into 1024 bytes), and
// read back as the same command. The engine keeps there what Redis keeps
// in its RDB snapshots only.
//
// # One log per directory
//
// [Open] takes an exclusive lock on the directory, held until
// [Log.Close], so that two logs never write one directory: a second Open,
// in this process or another, fails at once with [ErrLocked] and changes
// nothing. On the operating system's filesystem the lock is flock(2) on
// the directory itself, so that no file Redis would not expect appears in
// it; it ends with the process. On a system without flock(2), such as
// Windows, or a filesystem that cannot flock a directory, as some network
// filesystems cannot, the lock holds within the process only. [Read]
// takes no lock.
//
// # Durability
//
// [Log.Append] only encodes the record into a buffer. What happens next
// depends on the [Policy], named as Redis names them. Under [Always],
// [Log.Wait] returns once the record is on stable storage: the first
// waiter to find no sync running writes and syncs for every record
// appended so far (group commit), the others wait for it. Under
// [Everysec] the buffer reaches the operating system within about a
// millisecond: a write falls due once 256 KB are buffered, or once the
// background writer finds records half a millisecond old, and the next
// caller of [Log.Wait] does it, on its own core, as Redis's main thread
// writes before it sleeps; the background writer writes what no caller
// took within the millisecond. Once a second another goroutine syncs what
// was written, as Redis syncs on a background thread: writing goes on
// while a sync runs, however long it takes. A crash of the process loses
// at most the last millisecond, a crash of the machine about the last
// second (more if a sync takes longer). Under [No] records are written
// as under Everysec, and the operating system decides when to sync.
//
// While a write or sync is stuck (a slow or busy disk), Wait under
// Everysec and No goes on returning at once until records have waited
// unwritten for 2 seconds; from then on it returns only once its record
// is written, as Redis under everysec postpones its write for at most 2
// seconds and then blocks its clients. A crash of the process then loses
// at most the records of about those 2 seconds, and memory holds no more
// than they take.
//
// A failed write or sync sets a sticky error ([Log.Err]) until a retry
// succeeds; records appended meanwhile are kept and written by the retry.
// The caller refuses changes while it is set, as Redis answers MISCONF.
//
// # Recovery
//
// [Read] and [Open] replay the base and incremental files in order and
// hand each record to a callback. A torn tail in the last incremental file
// (a record cut short by a crash, or an unfinished MULTI) is cut back to
// the last complete record and reported in [Recovery]; damage anywhere
// else, or a checksum that does not match, fails with a [*CorruptError]
// naming the file and the offset.
package aof
