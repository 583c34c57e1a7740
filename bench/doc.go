// Package bench compares instream with miniredis, a real redis-server and
// embedded NATS JetStream.
package bench
