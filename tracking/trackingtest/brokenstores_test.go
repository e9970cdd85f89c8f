package trackingtest_test

import (
	"context"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
	"github.com/omskit/oms/tracking/trackingtest"
)

// Each broken store wraps the memory store and breaks one promise the way
// a naive SQL adapter would. They embed *tracking.MemoryStore, so the
// OutboxHarness reads the events they saved.

// passThrough breaks nothing: the suite must pass it.
type passThrough struct{ *tracking.MemoryStore }

// droppedEvents saves trackers but not their outbox events.
type droppedEvents struct{ *tracking.MemoryStore }

func (s droppedEvents) Save(ctx context.Context, t *tracking.Tracker, _ []oms.Event) error {
	return s.MemoryStore.Save(ctx, t, nil)
}

// eventsBeforeCheck appends the events before the version check, outside
// the transaction: a refused save leaves its events behind.
type eventsBeforeCheck struct{ *tracking.MemoryStore }

func (s eventsBeforeCheck) Save(ctx context.Context, t *tracking.Tracker, events []oms.Event) error {
	s.Outbox().Append(events...)
	return s.MemoryStore.Save(ctx, t, nil)
}

// lastWriteWins ignores the version it replaces (UPDATE ... WHERE key = $1
// without AND version = $2).
type lastWriteWins struct{ *tracking.MemoryStore }

func (s lastWriteWins) Save(ctx context.Context, t *tracking.Tracker, events []oms.Event) error {
	if t != nil && t.Version > 1 {
		if cur, err := s.MemoryStore.Get(ctx, t.Key()); err == nil {
			c := t.Clone()
			c.Version = cur.Version + 1
			if err := s.MemoryStore.Save(ctx, c, events); err != nil {
				return err
			}
			t.Version = c.Version
			return nil
		}
	}
	return s.MemoryStore.Save(ctx, t, events)
}

// sharedMemory hands out the tracker it keeps, not a copy.
type sharedMemory struct {
	*tracking.MemoryStore
	mu    sync.Mutex
	cache map[tracking.Key]*tracking.Tracker
}

func (s *sharedMemory) Save(ctx context.Context, t *tracking.Tracker, events []oms.Event) error {
	if err := s.MemoryStore.Save(ctx, t, events); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cache[t.Key()] = t
	return nil
}

func (s *sharedMemory) Get(ctx context.Context, key tracking.Key) (*tracking.Tracker, error) {
	s.mu.Lock()
	t, ok := s.cache[key]
	s.mu.Unlock()
	if ok {
		return t, nil
	}
	return s.MemoryStore.Get(ctx, key)
}

// listIgnoresOpen lists closed trackers too: a sweep loads every tracker.
type listIgnoresOpen struct{ *tracking.MemoryStore }

func (s listIgnoresOpen) List(ctx context.Context, f tracking.Filter) ([]*tracking.Tracker, error) {
	f.Open = false
	return s.MemoryStore.List(ctx, f)
}

// offsetCursor turns the After key into the OFFSET of the page it ended:
// rows inserted or closed before the cursor between pages shift it.
type offsetCursor struct {
	*tracking.MemoryStore
	mu     sync.Mutex
	offset map[tracking.Key]int
}

func (s *offsetCursor) List(ctx context.Context, f tracking.Filter) ([]*tracking.Tracker, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	off := 0
	if f.After != (tracking.Key{}) {
		o, ok := s.offset[f.After]
		if !ok {
			// A cursor it did not hand out: fall back to the right answer.
			return s.MemoryStore.List(ctx, f)
		}
		off = o
	}
	limit := f.Limit
	f.After, f.Limit = tracking.Key{}, 0
	all, err := s.MemoryStore.List(ctx, f)
	if err != nil {
		return nil, err
	}
	all = all[min(off, len(all)):]
	if limit > 0 && len(all) > limit {
		all = all[:limit]
	}
	if len(all) > 0 {
		s.offset[all[len(all)-1].Key()] = off + len(all)
	}
	return all, nil
}

// listIgnoresAfter starts every page from the first tracker.
type listIgnoresAfter struct{ *tracking.MemoryStore }

func (s listIgnoresAfter) List(ctx context.Context, f tracking.Filter) ([]*tracking.Tracker, error) {
	f.After = tracking.Key{}
	return s.MemoryStore.List(ctx, f)
}

// orphansUnsorted returns orphans in insertion order.
type orphansUnsorted struct {
	*tracking.MemoryStore
}

func (s orphansUnsorted) Orphans(ctx context.Context, key tracking.Key) ([]tracking.Orphan, error) {
	out, err := s.MemoryStore.Orphans(ctx, key)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Event.RawCode < out[j].Event.RawCode })
	return out, err
}

// pruneIgnoresLimit deletes every old orphan at once (DELETE ... WHERE
// received_at < $1, no LIMIT).
type pruneIgnoresLimit struct{ *tracking.MemoryStore }

func (s pruneIgnoresLimit) PruneOrphans(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		return s.MemoryStore.PruneOrphans(ctx, before, limit)
	}
	return s.MemoryStore.PruneOrphans(ctx, before, 1<<30)
}

// pruneInclusive deletes orphans received at the cut-off too (<= instead
// of <).
type pruneInclusive struct{ *tracking.MemoryStore }

func (s pruneInclusive) PruneOrphans(ctx context.Context, before time.Time, limit int) (int, error) {
	return s.MemoryStore.PruneOrphans(ctx, before.Add(time.Nanosecond), limit)
}

func mem() *tracking.MemoryStore { return tracking.NewMemoryStore(nil) }

var brokenStores = map[string]struct {
	store func() tracking.Store
	want  string // in the suite's failure
}{
	"dropped events":          {func() tracking.Store { return droppedEvents{mem()} }, "saved events after the create"},
	"events of refused saves": {func() tracking.Store { return eventsBeforeCheck{mem()} }, "saved events after a refused second create"},
	"last write wins":         {func() tracking.Store { return lastWriteWins{mem()} }, "stale save: err = <nil>, want ErrConflict"},
	"shared memory": {func() tracking.Store {
		return &sharedMemory{MemoryStore: mem(), cache: map[tracking.Key]*tracking.Tracker{}}
	}, "store shares memory with callers"},
	"list ignores open":    {func() tracking.Store { return listIgnoresOpen{mem()} }, "List open"},
	"list ignores after":   {func() tracking.Store { return listIgnoresAfter{mem()} }, "List after"},
	"offset cursor":        {func() tracking.Store { return &offsetCursor{MemoryStore: mem(), offset: map[tracking.Key]int{}} }, "pages (-want +got)"},
	"orphans unsorted":     {func() tracking.Store { return orphansUnsorted{mem()} }, "want e2 then e1"},
	"prune ignores limit":  {func() tracking.Store { return pruneIgnoresLimit{mem()} }, "PruneOrphans(before 3h, limit 2) = 3"},
	"prune at the cut-off": {func() tracking.Store { return pruneInclusive{mem()} }, "PruneOrphans(before 3h) = 2"},
}

const brokenEnv = "TRACKINGTEST_BROKEN_STORE"

// TestStoreCatchesBrokenStores runs the conformance suite against each
// broken store in a child process (a failing suite fails its test) and
// checks that it fails, saying why; the memory store and a pass-through
// wrapper pass (TestStorePassesCorrectStores).
func TestStoreCatchesBrokenStores(t *testing.T) {
	if name := os.Getenv(brokenEnv); name != "" {
		trackingtest.TestStore(t, trackingtest.OutboxHarness{New: func(*testing.T) tracking.Store { return brokenStores[name].store() }})
		return
	}
	for name, bs := range brokenStores {
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestStoreCatchesBrokenStores$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), brokenEnv+"="+name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the conformance suite passed a broken store (%s):\n%s", name, out)
			}
			if !strings.Contains(string(out), bs.want) {
				t.Errorf("the failure does not say %q:\n%s", bs.want, out)
			}
		})
	}
}

func TestStorePassesCorrectStores(t *testing.T) {
	t.Run("memory", func(t *testing.T) { trackingtest.TestStore(t, trackingtest.OutboxHarness{}) })
	t.Run("pass-through", func(t *testing.T) {
		trackingtest.TestStore(t, trackingtest.OutboxHarness{New: func(*testing.T) tracking.Store { return passThrough{mem()} }})
	})
}

// A store without an Outbox method cannot show its events: the harness
// fails it rather than skipping the checks.
type noOutbox struct{ tracking.Store }

func TestOutboxHarnessFailsAStoreWithoutEvents(t *testing.T) {
	if os.Getenv(brokenEnv+"_NO_OUTBOX") != "" {
		trackingtest.TestStore(t, trackingtest.OutboxHarness{New: func(*testing.T) tracking.Store { return noOutbox{mem()} }})
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestOutboxHarnessFailsAStoreWithoutEvents$", "-test.count=1")
	cmd.Env = append(os.Environ(), brokenEnv+"_NO_OUTBOX=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "cannot read the events it saved") {
		t.Fatalf("a store without events passed or failed for another reason (%v):\n%s", err, out)
	}
}
