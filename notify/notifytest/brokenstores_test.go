package notifytest_test

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/notify/notifytest"
)

// Each broken store wraps the memory store and breaks one promise the way
// a naive SQL adapter would.

// passThrough breaks nothing: the suite must pass it.
type passThrough struct{ *notify.MemoryStore }

// checkThenInsert claims with a SELECT and then an INSERT (no unique key):
// two concurrent first claims both win.
type checkThenInsert struct {
	*notify.MemoryStore
	mu     sync.Mutex
	claims map[string]bool
}

func (s *checkThenInsert) Claim(ctx context.Context, key string, at time.Time) (bool, error) {
	if key == "" {
		return false, oms.Validationf("claim", "key", "is required")
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	taken := s.claims[key]
	s.mu.Unlock()
	if taken {
		return false, nil
	}
	runtime.Gosched() // the round trip between the SELECT and the INSERT
	s.mu.Lock()
	s.claims[key] = true
	s.mu.Unlock()
	return true, nil
}

func (s *checkThenInsert) Release(ctx context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.claims, key)
	return nil
}

// releaseKeeps never forgets a claim: a failed send is never retried.
type releaseKeeps struct{ *notify.MemoryStore }

func (releaseKeeps) Release(context.Context, string) error { return nil }

// lastWriteWins ignores the version it replaces (UPDATE ... WHERE id = $1
// without AND version = $2).
type lastWriteWins struct {
	*notify.MemoryStore
	mu sync.Mutex
}

func (s *lastWriteWins) SaveProgress(ctx context.Context, p *notify.Progress) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p != nil && p.Version > 1 {
		cur, err := s.MemoryStore.Progress(ctx, p.ID)
		if err == nil && cur.Version != p.Version-1 {
			q := *p
			q.Version = cur.Version + 1
			err := s.MemoryStore.SaveProgress(ctx, &q)
			return err
		}
	}
	return s.MemoryStore.SaveProgress(ctx, p)
}

// sharedMemory hands out and keeps the caller's pointers.
type sharedMemory struct {
	*notify.MemoryStore
	mu    sync.Mutex
	cache map[oms.ID]*notify.Progress
}

func (s *sharedMemory) SaveProgress(ctx context.Context, p *notify.Progress) error {
	if err := s.MemoryStore.SaveProgress(ctx, p); err != nil {
		return err
	}
	s.mu.Lock()
	s.cache[p.ID] = p
	s.mu.Unlock()
	return nil
}

func (s *sharedMemory) Progress(ctx context.Context, id oms.ID) (*notify.Progress, error) {
	s.mu.Lock()
	p, ok := s.cache[id]
	s.mu.Unlock()
	if ok {
		return p, nil
	}
	return s.MemoryStore.Progress(ctx, id)
}

// dueIgnoresLimit returns every due document.
type dueIgnoresLimit struct{ *notify.MemoryStore }

func (s dueIgnoresLimit) Due(ctx context.Context, by time.Time, after oms.ID, limit int) ([]oms.ID, error) {
	return s.MemoryStore.Due(ctx, by, after, 1<<30)
}

// dueIgnoresCursor always starts from the first document.
type dueIgnoresCursor struct{ *notify.MemoryStore }

func (s dueIgnoresCursor) Due(ctx context.Context, by time.Time, after oms.ID, limit int) ([]oms.ID, error) {
	return s.MemoryStore.Due(ctx, by, "", limit)
}

// dueIgnoresTime lists every document with a due time, due or not.
type dueIgnoresTime struct{ *notify.MemoryStore }

func (s dueIgnoresTime) Due(ctx context.Context, by time.Time, after oms.ID, limit int) ([]oms.ID, error) {
	return s.MemoryStore.Due(ctx, by.Add(1000*time.Hour), after, limit)
}

// mutedAsDefault stores an empty channel list as nil (a NULL column):
// a muted kind comes back as "no preference".
type mutedAsDefault struct{ *notify.MemoryStore }

func (s mutedAsDefault) Preferences(ctx context.Context, c oms.ID) (notify.Preferences, error) {
	p, err := s.MemoryStore.Preferences(ctx, c)
	for k, v := range p.PerKind {
		if len(v) == 0 {
			p.PerKind[k] = nil
		}
	}
	return p, err
}

func mem() *notify.MemoryStore { return notify.NewMemoryStore() }

var brokenStores = map[string]struct {
	store func() notify.Store
	want  string // in the suite's failure
}{
	"check-then-insert claim": {func() notify.Store { return &checkThenInsert{MemoryStore: mem(), claims: map[string]bool{}} }, "exactly one winner"},
	"release keeps the claim": {func() notify.Store { return releaseKeeps{mem()} }, "claim after release"},
	"last write wins":         {func() notify.Store { return &lastWriteWins{MemoryStore: mem()} }, "stale save: err = <nil>, want ErrConflict"},
	"shared memory": {func() notify.Store {
		return &sharedMemory{MemoryStore: mem(), cache: map[oms.ID]*notify.Progress{}}
	}, "store shares memory with callers"},
	"due ignores limit":        {func() notify.Store { return dueIgnoresLimit{mem()} }, "Due pages of 2"},
	"due ignores cursor":       {func() notify.Store { return dueIgnoresCursor{mem()} }, "Due pages of 2"},
	"due ignores time":         {func() notify.Store { return dueIgnoresTime{mem()} }, "Due by +3m"},
	"muted kind stored as nil": {func() notify.Store { return mutedAsDefault{mem()} }, "a muted kind"},
}

const brokenEnv = "NOTIFYTEST_BROKEN_STORE"

// TestStoreCatchesBrokenStores runs the conformance suite against each
// broken store in a child process (a failing suite fails its test) and
// checks that it fails, saying why.
func TestStoreCatchesBrokenStores(t *testing.T) {
	if name := os.Getenv(brokenEnv); name != "" {
		notifytest.TestStore(t, func(*testing.T) notify.Store { return brokenStores[name].store() })
		return
	}
	for name, bs := range brokenStores {
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			t.Parallel()
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
	t.Run("memory", func(t *testing.T) {
		notifytest.TestStore(t, func(*testing.T) notify.Store { return mem() })
	})
	t.Run("pass-through", func(t *testing.T) {
		notifytest.TestStore(t, func(*testing.T) notify.Store { return passThrough{mem()} })
	})
}
