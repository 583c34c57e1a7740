// Package bench compares instream with miniredis and a real redis-server.
package bench
