package pgstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/pgstore"
)

// dsn returns the test database: OMS_TEST_POSTGRES. In CI a missing or
// unreachable database fails the test; elsewhere it skips.
func dsn(t testing.TB) string {
	t.Helper()
	d := os.Getenv("OMS_TEST_POSTGRES")
	if d == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("OMS_TEST_POSTGRES is not set in CI")
		}
		t.Skip("set OMS_TEST_POSTGRES to run the PostgreSQL tests")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, d)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL unreachable in CI: %v", err)
		}
		t.Skipf("PostgreSQL unreachable: %v", err)
	}
	c.Close(ctx)
	return d
}

// open returns an adapter over a schema of the test's own, dropped when the
// test ends. Tests commit without waiting for the WAL flush
// (synchronous_commit=off, a session setting pgx takes from the DSN): a
// crash of the server would lose the last commits, which no test does,
// and everything else behaves the same. Benchmarks keep the server's
// setting.
func open(t testing.TB) *pgstore.DB {
	t.Helper()
	d := dsn(t)
	if _, ok := t.(*testing.T); ok {
		d = withParam(d, "synchronous_commit", "off")
	}
	schema := "t_" + strings.ToLower(string(oms.NewID()))
	db, err := pgstore.Open(context.Background(), d, &pgstore.Options{Schema: schema, MaxConns: 16})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.DropSchema(context.Background()); err != nil {
			t.Errorf("drop schema: %v", err)
		}
		db.Close()
	})
	return db
}

// eventOpts compares events as a consumer reads them: times by instant and
// payloads as JSON values (JSONB stores them normalised).
var eventOpts = cmp.Options{
	cmp.Comparer(func(x, y time.Time) bool { return x.Equal(y) }),
	cmp.Transformer("json", func(m json.RawMessage) any {
		var v any
		if err := json.Unmarshal(m, &v); err != nil {
			return string(m)
		}
		return v
	}),
}

func TestOpenConcurrentlyMigratesOnce(t *testing.T) {
	d := dsn(t)
	schema := "t_" + strings.ToLower(string(oms.NewID()))
	var wg sync.WaitGroup
	dbs := make([]*pgstore.DB, 6)
	errs := make([]error, len(dbs))
	for i := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dbs[i], errs[i] = pgstore.Open(context.Background(), d, &pgstore.Options{Schema: schema, MaxConns: 2})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
	}
	defer func() {
		_ = dbs[0].DropSchema(context.Background())
		for _, db := range dbs {
			db.Close()
		}
	}()
	var n, distinct int
	if err := dbs[0].Pool().QueryRow(context.Background(),
		"SELECT count(*), count(DISTINCT version) FROM schema_migrations").Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	if n == 0 || n != distinct {
		t.Errorf("schema_migrations has %d rows for %d versions", n, distinct)
	}
}

func TestOpenRefusesBadSchemaName(t *testing.T) {
	for _, s := range []string{"Robert'); DROP TABLE x;--", "has space", strings.Repeat("a", 64)} {
		if _, err := pgstore.Open(context.Background(), "postgres://127.0.0.1:1/x", &pgstore.Options{Schema: s}); err == nil {
			t.Errorf("Open with schema %q succeeded", s)
		}
	}
}

func TestOutboxRoundTripAndRelay(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	ob := db.Outbox()
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	a, b := oms.NewID(), oms.NewID()
	var want []oms.Event
	for v := int64(1); v <= 3; v++ {
		for _, id := range []oms.ID{a, b} {
			e, err := oms.NewEvent("order.updated", "order", id, v, at, map[string]int64{"v": v})
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, e)
		}
	}
	if err := ob.Append(ctx, want...); err != nil {
		t.Fatal(err)
	}
	got, err := ob.Pending(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, eventOpts); diff != "" {
		t.Errorf("pending (-want +got):\n%s", diff)
	}
	var published []oms.Event
	relay := oms.NewRelay(ob, oms.PublisherFunc(func(_ context.Context, e oms.Event) error {
		published = append(published, e)
		return nil
	}), nil)
	if n, err := relay.RunOnce(ctx); err != nil || n != len(want) {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	if rest, err := ob.Pending(ctx, 100); err != nil || len(rest) != 0 {
		t.Errorf("after relay: %d pending, %v", len(rest), err)
	}
	if len(published) != len(want) {
		t.Errorf("published %d, want %d", len(published), len(want))
	}
	hist, err := ob.Events(ctx, a)
	if err != nil || len(hist) != 3 {
		t.Errorf("history of a: %d events, %v", len(hist), err)
	}
}

func TestOutboxDeadLetterLetsAggregateMoveOn(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	ob := db.Outbox()
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	agg := oms.NewID()
	var evs []oms.Event
	for v := int64(1); v <= 2; v++ {
		e, err := oms.NewEvent("order.updated", "order", agg, v, at, nil)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e)
	}
	if err := ob.Append(ctx, evs...); err != nil {
		t.Fatal(err)
	}
	var dead []oms.ID
	var published []int64
	relay := oms.NewRelay(ob, oms.PublisherFunc(func(_ context.Context, e oms.Event) error {
		if e.AggregateVersion == 1 {
			return errors.New("poison")
		}
		published = append(published, e.AggregateVersion)
		return nil
	}), &oms.RelayOptions{MaxAttempts: 3, OnDeadLetter: func(_ context.Context, e oms.Event, _ error) {
		dead = append(dead, e.ID)
	}})
	for i := 0; i < 5; i++ {
		_, _ = relay.RunOnce(ctx)
	}
	if diff := cmp.Diff([]oms.ID{evs[0].ID}, dead); diff != "" {
		t.Errorf("dead letters (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{2}, published); diff != "" {
		t.Errorf("published (-want +got):\n%s", diff)
	}
	if _, err := ob.Pending(ctx, 0); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("Pending(0) = %v, want ErrValidation", err)
	}
}

// withParam adds a session setting to a URL or key=value DSN.
func withParam(dsn, key, value string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		return dsn + sep + key + "=" + value
	}
	return dsn + " " + key + "=" + value
}
