package redisstreams

import (
	"fmt"
	"time"

	"github.com/instream/instream"
)

// fieldDecoder reads the named fields of an XINFO map, remembering the
// first failure so that a reply is decoded whole or not at all.
type fieldDecoder struct {
	m   map[string]any
	err error
}

func newFieldDecoder(what string, v any) *fieldDecoder {
	m, ok := asMap(v)
	if !ok {
		return &fieldDecoder{err: errReply(what, v)}
	}
	return &fieldDecoder{m: m}
}

func (d *fieldDecoder) int(name string) int64 {
	v, ok := d.m[name]
	if !ok || d.err != nil {
		return 0
	}
	n, ok := asInt(v)
	if !ok {
		d.err = errReply(name, v)
	}
	return n
}

// optInt reads an integer Redis may report as nil, or not at all (older
// servers): ok is false then.
func (d *fieldDecoder) optInt(name string) (n int64, ok bool) {
	v, present := d.m[name]
	if !present || v == nil || d.err != nil {
		return 0, false
	}
	n, ok = asInt(v)
	if !ok {
		d.err = errReply(name, v)
	}
	return n, ok
}

func (d *fieldDecoder) str(name string) string {
	if d.err != nil {
		return ""
	}
	s, ok := asString(d.m[name])
	if !ok {
		d.err = errReply(name, d.m[name])
	}
	return s
}

func (d *fieldDecoder) id(name string) instream.ID {
	if d.err != nil {
		return instream.ID{}
	}
	id, err := idOrZero(d.m[name])
	if err != nil {
		d.err = err
	}
	return id
}

func (d *fieldDecoder) array(name string) []any {
	if d.err != nil {
		return nil
	}
	a, ok := asArray(d.m[name])
	if !ok {
		d.err = errReply(name, d.m[name])
	}
	return a
}

func (d *fieldDecoder) entry(name string) *instream.Entry {
	v := d.m[name]
	if v == nil || d.err != nil {
		return nil
	}
	en, _, err := decodeEntry(v)
	if err != nil {
		d.err = err
		return nil
	}
	return &en
}

// streamCounters decodes the fields XINFO STREAM and its FULL form share.
func (d *fieldDecoder) streamCounters() instream.StreamInfo {
	return instream.StreamInfo{
		Length:               d.int("length"),
		Nodes:                d.int("radix-tree-keys"),
		LastGeneratedID:      d.id("last-generated-id"),
		MaxDeletedEntryID:    d.id("max-deleted-entry-id"),
		EntriesAdded:         d.int("entries-added"),
		RecordedFirstEntryID: d.id("recorded-first-entry-id"),
	}
}

// Info is [instream.Engine.Info] over XINFO STREAM.
func (c *Client) Info(key string) (instream.StreamInfo, error) {
	v, err := c.do(bg, "XINFO", "STREAM", key)
	if err != nil {
		return instream.StreamInfo{}, wrap(err, "info of %q", key)
	}
	d := newFieldDecoder("XINFO STREAM", v)
	info := d.streamCounters()
	info.Groups = d.int("groups")
	info.FirstEntry = d.entry("first-entry")
	info.LastEntry = d.entry("last-entry")
	return info, d.err
}

// groupInfo decodes one group of XINFO GROUPS or of the FULL form, but
// for its counts, whose names and shapes differ between the two.
func (d *fieldDecoder) groupInfo() instream.GroupInfo {
	gi := instream.GroupInfo{
		Name:            d.str("name"),
		LastDeliveredID: d.id("last-delivered-id"),
		EntriesRead:     -1,
	}
	if n, ok := d.optInt("entries-read"); ok {
		gi.EntriesRead = n
	}
	gi.Lag, gi.LagKnown = d.optInt("lag")
	return gi
}

// Groups is [instream.Engine.Groups] over XINFO GROUPS.
func (c *Client) Groups(key string) ([]instream.GroupInfo, error) {
	v, err := c.do(bg, "XINFO", "GROUPS", key)
	if err != nil {
		return nil, wrap(err, "groups of %q", key)
	}
	a, ok := asArray(v)
	if !ok {
		return nil, errReply("XINFO GROUPS", v)
	}
	out := make([]instream.GroupInfo, len(a))
	for i, x := range a {
		d := newFieldDecoder("a group", x)
		out[i] = d.groupInfo()
		out[i].Consumers, out[i].Pending = d.int("consumers"), d.int("pending")
		if d.err != nil {
			return nil, d.err
		}
	}
	return out, nil
}

// Group is [instream.Engine.Group] over XINFO GROUPS: a missing stream
// gives ErrNoStream, a missing group ErrNoGroup.
func (c *Client) Group(key, group string) (instream.GroupInfo, error) {
	gs, err := c.Groups(key)
	if err != nil {
		return instream.GroupInfo{}, err
	}
	for _, g := range gs {
		if g.Name == group {
			return g, nil
		}
	}
	return instream.GroupInfo{}, fmt.Errorf("group %q on %q: %w", group, key, instream.ErrNoGroup)
}

// consumerTimes fills the times of ci from the seen and active times
// (Unix ms; active -1 if none), at now.
func consumerTimes(ci *instream.ConsumerInfo, seen, active int64, now time.Time) {
	ci.Seen = time.UnixMilli(seen)
	ci.Idle = max(now.Sub(ci.Seen).Truncate(time.Millisecond), 0)
	ci.Inactive = -1
	if active >= 0 {
		ci.Active = time.UnixMilli(active)
		ci.Inactive = max(now.Sub(ci.Active).Truncate(time.Millisecond), 0)
	}
}

// Consumers is [instream.Engine.Consumers] over XINFO CONSUMERS. Seen and
// Active are computed from the idle times Redis reports and this host's
// clock. Redis before 7.2 does not report active times: Active is zero
// and Inactive -1.
func (c *Client) Consumers(key, group string) ([]instream.ConsumerInfo, error) {
	v, err := c.do(bg, "XINFO", "CONSUMERS", key, group)
	if err != nil {
		return nil, wrap(err, "consumers of group %q on %q", group, key)
	}
	now := time.Now()
	a, ok := asArray(v)
	if !ok {
		return nil, errReply("XINFO CONSUMERS", v)
	}
	out := make([]instream.ConsumerInfo, len(a))
	for i, x := range a {
		d := newFieldDecoder("a consumer", x)
		ci := instream.ConsumerInfo{Name: d.str("name"), Pending: d.int("pending")}
		ci.Idle = msDuration(d.int("idle"))
		ci.Seen = now.Add(-ci.Idle)
		ci.Inactive = -1
		if inactive, ok := d.optInt("inactive"); ok && inactive >= 0 {
			ci.Inactive = msDuration(inactive)
			ci.Active = now.Add(-ci.Inactive)
		}
		if d.err != nil {
			return nil, d.err
		}
		out[i] = ci
	}
	return out, nil
}

// InfoFull is [instream.Engine.InfoFull] over XINFO STREAM FULL. The
// consumers' idle times are computed with this host's clock. Redis before
// 7.2 does not report active times: Active is zero and Inactive -1.
func (c *Client) InfoFull(key string, count int) (instream.StreamFullInfo, error) {
	if c.closed() {
		return instream.StreamFullInfo{}, instream.ErrClosed
	}
	if err := checkCount("count", count); err != nil {
		return instream.StreamFullInfo{}, wrap(err, "full info of %q", key)
	}
	v, err := c.do(bg, "XINFO", "STREAM", key, "FULL", "COUNT", count)
	if err != nil {
		return instream.StreamFullInfo{}, wrap(err, "full info of %q", key)
	}
	now := time.Now()
	d := newFieldDecoder("XINFO STREAM FULL", v)
	info := instream.StreamFullInfo{StreamInfo: d.streamCounters(), Groups: []instream.GroupFullInfo{}}
	if d.err == nil {
		info.Entries, d.err = decodeEntries(d.m["entries"])
	}
	for _, g := range d.array("groups") {
		gd := newFieldDecoder("a group", g)
		gf := instream.GroupFullInfo{GroupInfo: gd.groupInfo()}
		gf.Pending = gd.int("pel-count")
		gf.PendingEntries = gd.records(gd.array("pending"), "")
		for _, cv := range gd.array("consumers") {
			cd := newFieldDecoder("a consumer", cv)
			cf := instream.ConsumerFullInfo{ConsumerInfo: instream.ConsumerInfo{
				Name: cd.str("name"), Pending: cd.int("pel-count")}}
			active, ok := cd.optInt("active-time")
			if !ok {
				active = -1
			}
			consumerTimes(&cf.ConsumerInfo, cd.int("seen-time"), active, now)
			cf.PendingEntries = cd.records(cd.array("pending"), cf.Name)
			if cd.err != nil {
				return instream.StreamFullInfo{}, cd.err
			}
			gf.ConsumerList = append(gf.ConsumerList, cf)
		}
		if gf.ConsumerList == nil {
			gf.ConsumerList = []instream.ConsumerFullInfo{}
		}
		gf.Consumers = int64(len(gf.ConsumerList))
		if gd.err != nil {
			return instream.StreamFullInfo{}, gd.err
		}
		info.Groups = append(info.Groups, gf)
	}
	info.StreamInfo.Groups = int64(len(info.Groups))
	return info, d.err
}

// records decodes pending records of XINFO STREAM FULL: [id, consumer,
// time, count] for a group, [id, time, count] for a consumer (owner).
func (d *fieldDecoder) records(a []any, owner string) []instream.PendingRecord {
	out := make([]instream.PendingRecord, 0, len(a))
	for _, x := range a {
		r, ok := x.([]any)
		if d.err != nil {
			return nil
		}
		if !ok || len(r) < 3 {
			d.err = errReply("a pending record", x)
			return nil
		}
		var p instream.PendingRecord
		var err error
		if p.ID, err = asID(r[0]); err != nil {
			d.err = err
			return nil
		}
		p.Consumer = owner
		rest := r[1:]
		if owner == "" && len(r) == 4 {
			p.Consumer, _ = asString(r[1])
			rest = r[2:]
		}
		t, ok1 := asInt(rest[0])
		n, ok2 := asInt(rest[1])
		if !ok1 || !ok2 {
			d.err = errReply("a pending record", x)
			return nil
		}
		p.Delivered, p.Deliveries = time.UnixMilli(t), n
		out = append(out, p)
	}
	return out
}
