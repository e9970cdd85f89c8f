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

// claims is a claim table with switches for the mistakes of a naive
// adapter.
type claims struct {
	*notify.MemoryStore
	mu sync.Mutex
	m  map[string]notify.Claim

	checkThenInsert bool // SELECT, then INSERT: two first claims both win
	keepOnRelease   bool // Release forgets nothing: a failed send never retried
	releaseAnyToken bool // DELETE ... WHERE key = $1 (no token): frees another's claim
	releaseSent     bool // Release also deletes a sent claim: sent again
	markAnyToken    bool // UPDATE ... WHERE key = $1 (no token)
	lostHolder      bool // a taken key answers with the caller's token (ON CONFLICT DO NOTHING read as a win)
}

func newClaims(set func(*claims)) *claims {
	c := &claims{MemoryStore: mem(), m: map[string]notify.Claim{}}
	set(c)
	return c
}

func (s *claims) Claim(ctx context.Context, key, token string, at time.Time) (notify.Claim, error) {
	if err := notify.ValidateClaim(key, token); err != nil {
		return notify.Claim{}, err
	}
	if err := ctx.Err(); err != nil {
		return notify.Claim{}, err
	}
	s.mu.Lock()
	c, taken := s.m[key]
	s.mu.Unlock()
	if taken {
		if s.lostHolder {
			c.Token = token
		}
		return c, nil
	}
	c = notify.Claim{Token: token, State: notify.ClaimHeld, At: at}
	if s.checkThenInsert {
		runtime.Gosched() // the round trip between the SELECT and the INSERT
		s.mu.Lock()
		s.m[key] = c
		s.mu.Unlock()
		return c, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.m[key]; ok {
		return old, nil
	}
	s.m[key] = c
	return c, nil
}

func (s *claims) MarkSent(ctx context.Context, key, token string) error {
	if err := notify.ValidateClaim(key, token); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.m[key]
	if !ok || (c.Token != token && !s.markAnyToken) {
		return oms.ErrConflict
	}
	c.State = notify.ClaimSent
	s.m[key] = c
	return nil
}

func (s *claims) Release(ctx context.Context, key, token string) error {
	if err := notify.ValidateClaim(key, token); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.m[key]
	if !ok || s.keepOnRelease {
		return nil
	}
	if (c.Token == token || s.releaseAnyToken) && (c.State == notify.ClaimHeld || s.releaseSent) {
		delete(s.m, key)
	}
	return nil
}

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
	"check-then-insert claim": {func() notify.Store { return newClaims(func(c *claims) { c.checkThenInsert = true }) }, "exactly one winner"},
	"release keeps the claim": {func() notify.Store { return newClaims(func(c *claims) { c.keepOnRelease = true }) }, "claim after release"},
	"release ignores the token": {func() notify.Store { return newClaims(func(c *claims) { c.releaseAnyToken = true }) },
		"claim after a release by a token that does not hold it"},
	"release frees a sent claim": {func() notify.Store { return newClaims(func(c *claims) { c.releaseSent = true }) },
		"claim after a release of a sent claim"},
	"claim forgets its holder": {func() notify.Store { return newClaims(func(c *claims) { c.lostHolder = true }) },
		"second claim, another token"},
	"mark sent ignores the token": {func() notify.Store { return newClaims(func(c *claims) { c.markAnyToken = true }) },
		"MarkSent by a token that does not hold the claim"},
	"last write wins": {func() notify.Store { return &lastWriteWins{MemoryStore: mem()} }, "stale save: err = <nil>, want ErrConflict"},
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
