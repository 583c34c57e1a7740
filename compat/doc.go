// Package compat is instream's conformance suite: it drives
// (*instream.Engine).Do and a real redis-server with the same commands
// and compares the replies. It holds tests only.
package compat
