package pgstore_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/notify/notifytest"
)

func TestNotifyStore(t *testing.T) {
	t.Parallel()
	notifytest.TestStore(t, func(t *testing.T) notify.Store { return open(t).Notify() })
}

// TestNotifyStoreHostileInput feeds the store what PostgreSQL refuses as
// text (NUL bytes, invalid UTF-8) and values at the edges of its types:
// each call answers as the memory store does or refuses with
// ErrValidation, and a refused call changes nothing.
func TestNotifyStoreHostileInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t).Notify()
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

	for _, key := range []string{"a\x00b", "\xff\xfe", strings.Repeat("k", 100_000), "a\x00b\x00"} {
		if c, err := s.Claim(ctx, key, "t1", at); err != nil || c.Token != "t1" {
			t.Errorf("first claim of %.20q: %+v, %v; want t1's", key, c, err)
		}
		if c, err := s.Claim(ctx, key, "t2", at); err != nil || c.Token != "t1" {
			t.Errorf("second claim of %.20q: %+v, %v; want t1's", key, c, err)
		}
	}
	if err := s.Release(ctx, "a\x00b", "t1"); err != nil {
		t.Fatal(err)
	}
	if c, err := s.Claim(ctx, "a\x00b", "t3", at); err != nil || c.Token != "t3" {
		t.Errorf("claim after release: %+v, %v; want t3's", c, err)
	}
	if c, err := s.Claim(ctx, "a\x00b\x00", "t3", at); err != nil || c.Token != "t1" {
		t.Errorf("release of a\\x00b released a\\x00b\\x00 too: %+v, %v", c, err)
	}

	// A document with a NUL in its text: refused, nothing stored.
	p := &notify.Progress{ID: "o1", Version: 1, Number: "10\x0001"}
	if err := s.SaveProgress(ctx, p); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("progress with a NUL: err = %v, want ErrValidation", err)
	}
	if _, err := s.Progress(ctx, "o1"); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("a refused save stored o1: %v", err)
	}
	far := &notify.Progress{ID: "far", Version: 1, DueAt: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)}
	if err := s.SaveProgress(ctx, far); err != nil {
		t.Fatalf("due in year 9999: %v", err)
	}
	beyond := &notify.Progress{ID: "beyond", Version: 1, DueAt: time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := s.SaveProgress(ctx, beyond); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("due in year 300000: err = %v, want ErrValidation", err)
	}
	got, err := s.Progress(ctx, "far")
	if err != nil || !got.DueAt.Equal(far.DueAt) {
		t.Errorf("year 9999 read back: %v, %v", got, err)
	}
	for _, by := range []time.Time{time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)} {
		if ids, err := s.Due(ctx, by, "", 10); err != nil || len(ids) != 1 || ids[0] != "far" {
			t.Errorf("Due(%v) = %v, %v; want [far]", by, ids, err)
		}
	}
	if ids, err := s.Due(ctx, far.DueAt.Add(-time.Nanosecond), "", 10); err != nil || len(ids) != 0 {
		t.Errorf("Due a nanosecond early = %v, %v; want none", ids, err)
	}
	if ids, err := s.Due(ctx, time.Time{}.Add(-time.Hour), "", 10); err != nil || len(ids) != 0 {
		t.Errorf("Due before year 1 = %v, %v; want none", ids, err)
	}
	// Cursors with bytes no stored ID has order as Go compares strings.
	for _, tc := range []struct {
		after oms.ID
		want  int
	}{{"fa\x00", 1}, {"far\x00", 0}, {"fa\xff", 0}, {"f\x01z", 1}, {"\xff", 0}, {"e\xff", 1}, {oms.ID(strings.Repeat("~", 200)), 0}} {
		ids, err := s.Due(ctx, by9999, tc.after, 10)
		if err != nil || len(ids) != tc.want {
			t.Errorf("Due after %q = %v, %v; want %d IDs", tc.after, ids, err, tc.want)
		}
	}
	if ids, err := s.Due(ctx, by9999, "", 1<<62); err != nil || len(ids) != 1 {
		t.Errorf("Due with a huge limit = %v, %v", ids, err)
	}
	if _, err := s.Progress(ctx, "bad id\x00"); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("Progress of an invalid ID: %v, want ErrNotFound", err)
	}
	if _, err := s.Preferences(ctx, "bad\xff"); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("Preferences of an invalid ID: %v, want ErrNotFound", err)
	}
	if err := s.SetPreferences(ctx, "c 1", notify.Preferences{}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("SetPreferences of an invalid ID: %v, want ErrValidation", err)
	}
	if err := s.SetPreferences(ctx, "c1", notify.Preferences{Name: "A\x00"}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("preferences with a NUL: %v, want ErrValidation", err)
	}
	if _, err := s.Preferences(ctx, "c1"); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("refused preferences were stored: %v", err)
	}
}

var by9999 = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)

// TestNotifyPreferencesKeepNoChannelsApartFromDefaults checks what JSON
// with omitempty would lose: an empty channel list (send nothing) is not
// a missing one (the Notifier's defaults).
func TestNotifyPreferencesKeepNoChannelsApartFromDefaults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t).Notify()
	if err := s.SetPreferences(ctx, "none", notify.Preferences{Channels: []notify.Channel{}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPreferences(ctx, "defaults", notify.Preferences{}); err != nil {
		t.Fatal(err)
	}
	none, err := s.Preferences(ctx, "none")
	if err != nil || none.Channels == nil {
		t.Errorf("empty channel list read back as %#v, %v; want empty, not nil", none.Channels, err)
	}
	def, err := s.Preferences(ctx, "defaults")
	if err != nil || def.Channels != nil || def.PerKind != nil {
		t.Errorf("missing channel list read back as %#v, %#v, %v; want nil", def.Channels, def.PerKind, err)
	}
}

// BenchmarkNotifyClaim measures send claims from parallel clients, each
// a new key (one unique insert): claims/s.
func BenchmarkNotifyClaim(b *testing.B) {
	s := open(b).Notify()
	ctx := context.Background()
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := "order/o1/shipped/" + strconv.FormatInt(next.Add(1), 10)
			if c, err := s.Claim(ctx, key, "bench", at); err != nil || c.Token != "bench" {
				b.Errorf("claim %s: %+v, %v", key, c, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "claims/s")
}
