package instream

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// ErrIdempotencyHash is returned by Add with AutoIdempotency when the
// fields' pairs cancel out (the same pair given twice), so that they
// give no idempotency ID; Redis refuses these too. It wraps
// ErrInvalidArgument.
var ErrIdempotencyHash = fmt.Errorf("%w: AutoIdempotency fields hash to zero", ErrInvalidArgument)

// AddResult is the outcome of [Engine.AddIdempotent].
type AddResult struct {
	// ID is the new entry's ID, or for a duplicate the ID of the entry
	// first added with the same producer and idempotency ID.
	ID ID
	// Duplicate reports whether the add was answered from the stream's
	// idempotency state, adding nothing.
	Duplicate bool
}

// AddIdempotent is [Engine.Add] for an idempotent add: args.Producer must
// be set, with IdempotencyID or AutoIdempotency. It also reports whether
// the add was a duplicate, which Add (and XADD) cannot tell.
func (e *Engine) AddIdempotent(key string, args AddArgs) (_ AddResult, err error) {
	t, err := e.writable(e.beginKey(key))
	if err != nil {
		return AddResult{}, err
	}
	defer t.endWrite(&err)
	return t.addIdempotent(key, args)
}

func (t *tx) addIdempotent(key string, args AddArgs) (AddResult, error) {
	if args.Producer == "" {
		return AddResult{}, fmt.Errorf("add to %q: %w", key, invalid("Producer is empty"))
	}
	return t.addEntry(key, &args)
}

// idempotencyID checks the idempotency fields of args and returns the
// idempotency ID of an idempotent add, "" for another add.
func idempotencyID(args *AddArgs) (string, error) {
	switch {
	case args.Producer == "" && (args.IdempotencyID != "" || args.AutoIdempotency):
		return "", invalid("IdempotencyID or AutoIdempotency is set but Producer is empty")
	case args.Producer == "":
		return "", nil
	case args.IdempotencyID != "" && args.AutoIdempotency:
		return "", invalid("both IdempotencyID and AutoIdempotency are set")
	case args.IdempotencyID == "" && !args.AutoIdempotency:
		return "", invalid("Producer is set without IdempotencyID or AutoIdempotency")
	case !args.ID.IsZero() || args.AutoSeq:
		return "", invalid("ID or AutoSeq is set with Producer; idempotent adds need a generated ID")
	case args.IdempotencyID != "":
		return args.IdempotencyID, nil
	}
	iid, ok := autoIID(args.Fields)
	if !ok {
		return "", ErrIdempotencyHash
	}
	return iid, nil
}

// ConfigArgs holds the settings [Engine.SetConfig] changes; a zero field
// leaves its setting as it is.
type ConfigArgs struct {
	// IdempotencyDuration is how long idempotency IDs are remembered, in
	// whole seconds from 1 s to 24 h (Redis's IDMP-DURATION).
	IdempotencyDuration time.Duration
	// IdempotencyMaxSize is how many idempotency IDs are remembered per
	// producer, from 1 to 10,000 (Redis's IDMP-MAXSIZE).
	IdempotencyMaxSize int64
}

// SetConfig changes the settings of the stream named key. It is the
// engine's XCFGSET (Redis 8.6). If a setting actually changes, the stream
// forgets every producer and idempotency ID it remembers; its counts of
// idempotent adds and duplicates stay. A missing stream is ErrNoStream; a
// zero args, or a value out of its bounds, is ErrInvalidArgument, and
// changes nothing.
func (e *Engine) SetConfig(key string, args ConfigArgs) (err error) {
	t, err := e.writable(e.beginKey(key))
	if err != nil {
		return err
	}
	defer t.endWrite(&err)
	return t.setConfig(key, args)
}

func (t *tx) setConfig(key string, args ConfigArgs) error {
	if err := checkConfig(args); err != nil {
		return fmt.Errorf("set config of %q: %w", key, err)
	}
	s := t.lookup(key)
	if s == nil {
		return fmt.Errorf("set config of %q: %w", key, ErrNoStream)
	}
	d := &s.idmp
	duration, maxSize := d.duration, d.maxSize
	if args.IdempotencyDuration != 0 {
		duration = int64(args.IdempotencyDuration / time.Second)
	}
	if args.IdempotencyMaxSize != 0 {
		maxSize = args.IdempotencyMaxSize
	}
	if duration != d.duration || maxSize != d.maxSize {
		d.duration, d.maxSize = duration, maxSize
		d.reset()
		if t.logging {
			t.record("XCFGSET", key, "IDMP-DURATION", itoa(duration), "IDMP-MAXSIZE", itoa(maxSize))
		}
	}
	return nil
}

func checkConfig(args ConfigArgs) error {
	d := args.IdempotencyDuration
	switch {
	case args == ConfigArgs{}:
		return invalid("no setting given")
	case d != 0 && (d < time.Second || d > idmpMaxDuration*time.Second):
		return invalid("IdempotencyDuration %v is not within [1s, 24h]", d)
	case d%time.Second != 0:
		return invalid("IdempotencyDuration %v is not whole seconds", d)
	case args.IdempotencyMaxSize < 0 || args.IdempotencyMaxSize > idmpMaxMaxSize:
		return invalid("IdempotencyMaxSize %d is not within [1, %d]", args.IdempotencyMaxSize, idmpMaxMaxSize)
	}
	return nil
}

// IdempotencyRecord is one remembered idempotent add: the producer, its
// idempotency ID, and the ID of the entry the add made.
type IdempotencyRecord struct {
	Producer      string
	IdempotencyID string
	ID            ID
}

// RecordIdempotency makes the stream named key remember rec, as if the
// entry rec.ID had been added with rec's producer and idempotency ID,
// which is how a log or snapshot restores the state. It is the engine's
// XIDMPRECORD (Redis 8.6.2). The pair goes to the producer's newest end,
// and the producer's oldest IDs beyond the stream's IdempotencyMaxSize
// are forgotten; the counts of idempotent adds and duplicates do not
// change. Recording a pair again with the same ID changes nothing.
//
// An empty Producer or IdempotencyID, or a zero ID, is
// ErrInvalidArgument; a missing stream ErrNoStream; an ID that is not an
// entry of the stream ErrNoEntry; a pair remembered with another ID
// ErrIdempotencyConflict.
func (e *Engine) RecordIdempotency(key string, rec IdempotencyRecord) (err error) {
	t, err := e.writable(e.beginKey(key))
	if err != nil {
		return err
	}
	defer t.endWrite(&err)
	return t.recordIdempotencyAPI(key, rec)
}

// recordIdempotencyAPI is RecordIdempotency's body: recordIdempotency
// with the error named.
func (t *tx) recordIdempotencyAPI(key string, rec IdempotencyRecord) error {
	if err := t.recordIdempotency(key, rec); err != nil {
		return fmt.Errorf("record idempotency on %q: %w", key, err)
	}
	return nil
}

func (t *tx) recordIdempotency(key string, rec IdempotencyRecord) error {
	switch {
	case rec.Producer == "":
		return invalid("Producer is empty")
	case rec.IdempotencyID == "":
		return invalid("IdempotencyID is empty")
	case rec.ID.IsZero():
		return invalid("ID is zero")
	}
	s := t.lookup(key)
	if s == nil {
		return ErrNoStream
	}
	if !s.entries.has(rec.ID) {
		return fmt.Errorf("%w: %v", ErrNoEntry, rec.ID)
	}
	h := idmpHash(rec.IdempotencyID)
	p, id, ok := s.idmp.lookup(rec.Producer, rec.IdempotencyID, h, t.now())
	if ok {
		if id != rec.ID {
			return fmt.Errorf("%w: %v", ErrIdempotencyConflict, id)
		}
		return nil
	}
	s.idmp.record(p, rec.Producer, rec.IdempotencyID, h, rec.ID)
	if t.logging {
		t.fxIdempotency(key, rec.Producer, rec.IdempotencyID, rec.ID)
	}
	return nil
}

// SetIdempotencyCounts sets the all-time counts of idempotent adds and
// duplicates of the stream named key, which [Engine.Info] reports
// (XINFO STREAM's iids-added and iids-duplicates). No command sets them:
// Redis keeps them in its RDB snapshots, and a log restores them with
// this call (package persist). A missing stream is ErrNoStream; a
// negative count ErrInvalidArgument.
func (e *Engine) SetIdempotencyCounts(key string, added, duplicates int64) (err error) {
	t, err := e.writable(e.beginKey(key))
	if err != nil {
		return err
	}
	defer t.endWrite(&err)
	return t.setIdempotencyCounts(key, added, duplicates)
}

func (t *tx) setIdempotencyCounts(key string, added, duplicates int64) error {
	if added < 0 || duplicates < 0 {
		return fmt.Errorf("set idempotency counts of %q: %w", key, invalid("negative count"))
	}
	s := t.lookup(key)
	if s == nil {
		return fmt.Errorf("set idempotency counts of %q: %w", key, ErrNoStream)
	}
	d := &s.idmp
	if d.added == added && d.duplicates == duplicates {
		return nil
	}
	d.added, d.duplicates = added, duplicates
	if t.logging {
		t.fxIdmpCounts(key, d)
	}
	return nil
}

// IdempotencyRecords returns the idempotent adds the stream named key
// remembers, producer by producer in byte order of their names, each
// producer's oldest first: replayed in this order through
// [Engine.RecordIdempotency] on a stream with the same settings, they
// rebuild the same state, which is how a log or snapshot writes it
// (Redis's AOF rewrite writes XIDMPRECORD commands). Records whose entry
// is gone are included; RecordIdempotency refuses those (ErrNoEntry), so
// a writer of commands skips them. It first forgets the IDs whose time is
// up. A missing stream gives ErrNoStream. O(r + p log p) for r records of
// p producers.
func (e *Engine) IdempotencyRecords(key string) ([]IdempotencyRecord, error) {
	t, err := e.beginKey(key)
	if err != nil {
		return nil, err
	}
	defer t.end()
	return t.idempotencyRecords(key)
}

func (t *tx) idempotencyRecords(key string) ([]IdempotencyRecord, error) {
	s := t.lookup(key)
	if s == nil {
		return nil, fmt.Errorf("idempotency records of %q: %w", key, ErrNoStream)
	}
	d := &s.idmp
	d.expireAll(t.now())
	out := make([]IdempotencyRecord, 0, d.tracked)
	for _, name := range slices.Sorted(maps.Keys(d.producers)) {
		p := d.producers[name]
		for i := range p.n {
			r := &p.recs[p.at(i)]
			out = append(out, IdempotencyRecord{Producer: name, IdempotencyID: r.iid, ID: r.id})
		}
	}
	return out, nil
}
