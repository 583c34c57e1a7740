package bench

import (
	"context"

	"github.com/instream/instream"
	"github.com/instream/instream/aof"
	"github.com/instream/instream/persist"
)

// openPersistAdds is the durable instream side: Add of shape-b entries on
// an engine from persist.Open under appendfsync always, so that each Add
// returns once its entry is synced (concurrent Adds share syncs).
func openPersistAdds(_ context.Context, dir string) (DurableRun, error) {
	db, err := persist.Open(dir, persist.Options{Fsync: aof.Always})
	if err != nil {
		return DurableRun{}, err
	}
	_, fields := fieldPool()
	return DurableRun{
		Add: func(p int) error {
			_, err := db.Add("s", instream.AddArgs{Fields: fields[p%len(fields)]})
			return err
		},
		Len:   func() (int64, error) { return db.Len("s") },
		Close: db.Close,
	}, nil
}
