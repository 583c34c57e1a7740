package redisstreams

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// version is a server's redis_version, as major, minor, patch.
type version [3]int

func (v version) String() string { return fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2]) }

// atLeast reports whether v is at least major.minor.
func (v version) atLeast(major, minor int) bool {
	return v[0] > major || v[0] == major && v[1] >= minor
}

// parseVersion reads redis_version from the text of INFO server.
func parseVersion(info string) (version, bool) {
	for line := range strings.Lines(info) {
		s, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:")
		if !ok {
			continue
		}
		var v version
		for i, part := range strings.SplitN(s, ".", 3) {
			n, err := strconv.Atoi(part)
			if err != nil {
				return version{}, false
			}
			v[i] = n
		}
		return v, true
	}
	return version{}, false
}

// versionCache holds the server's version once it is known. A failed
// probe is not cached: the next call that needs it asks again.
type versionCache struct {
	mu    sync.Mutex
	v     version
	known bool
}

// version returns the server's version, asking it once. On a cluster it
// asks one node: the nodes of a cluster are expected to run one version.
func (c *Client) version(ctx context.Context) (version, error) {
	c.ver.mu.Lock()
	defer c.ver.mu.Unlock()
	if c.ver.known {
		return c.ver.v, nil
	}
	reply, err := c.do(ctx, "INFO", "server")
	if err != nil {
		return version{}, fmt.Errorf("server version: %w", err)
	}
	text, _ := reply.(string)
	v, ok := parseVersion(text)
	if !ok {
		return version{}, fmt.Errorf("server version: %w: no redis_version in INFO server", ErrBadReply)
	}
	c.ver.v, c.ver.known = v, true
	return v, nil
}

// need returns nil if the server runs Redis major.minor or later, and an
// error wrapping ErrUnsupported that names feature otherwise.
func (c *Client) need(feature string, major, minor int) error {
	v, err := c.version(bg)
	if err != nil {
		return err
	}
	if !v.atLeast(major, minor) {
		return errUnsupported(feature, fmt.Sprintf("%d.%d", major, minor), v)
	}
	return nil
}
