package pgstore_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/pgstore"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/inventory/inventorytest"
)

var (
	helperOnce sync.Once
	helperPath string
	helperErr  error
)

// helper builds the pgstoreproc program once per test binary.
func helper(t testing.TB) string {
	t.Helper()
	helperOnce.Do(func() {
		dir, err := os.MkdirTemp("", "pgstoreproc")
		if err != nil {
			helperErr = err
			return
		}
		helperPath = filepath.Join(dir, "pgstoreproc")
		out, err := exec.Command("go", "build", "-o", helperPath, "./internal/cmd/pgstoreproc").CombinedOutput()
		if err != nil {
			helperErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if helperErr != nil {
		t.Fatal(helperErr)
	}
	return helperPath
}

// syncBuffer is a bytes.Buffer safe to read while the process writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

func (b *syncBuffer) String() string { return string(b.Bytes()) }

// proc is one running helper process and what it printed.
type proc struct {
	cmd *exec.Cmd
	out syncBuffer
	err syncBuffer
}

func start(t testing.TB, db *pgstore.DB, args ...string) *proc {
	t.Helper()
	p := &proc{}
	p.cmd = exec.Command(helper(t), append([]string{"-dsn", dsn(t), "-schema", db.Schema()}, args...)...)
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.err
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			_ = p.cmd.Wait()
		}
	})
	return p
}

func (p *proc) wait(t testing.TB) {
	t.Helper()
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("%s: %v\n%s", p.cmd.Args[len(p.cmd.Args)-1], err, p.err.String())
	}
}

// kill sends SIGKILL and reaps the process.
func (p *proc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
}

// lines returns the "verb id" lines the process printed, by verb.
func (p *proc) lines() map[string][]oms.ID {
	out := map[string][]oms.ID{}
	sc := bufio.NewScanner(bytes.NewReader(p.out.Bytes()))
	for sc.Scan() {
		verb, id, ok := strings.Cut(sc.Text(), " ")
		if ok {
			out[verb] = append(out[verb], oms.ID(id))
		}
	}
	return out
}

// waitFor polls cond every 20 ms for up to d.
func waitFor(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestMultiProcessNoOversell: 4 OS processes × 8 goroutines reserve,
// commit and release on 3 hot SKUs at 2 locations of one database until
// stock runs out; afterwards nothing is oversold, the ledger reconciles,
// and every reservation a process reported is stored as reported. The
// variants kill one process with SIGKILL mid-run, and run every process
// through the ReserveBatcher.
func TestMultiProcessNoOversell(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		kill  bool
		batch bool
	}{{"all", false, false}, {"sigkill", true, false}, {"batcher", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			db := open(t)
			ctx := context.Background()
			svc := inventory.NewService(db.Inventory(), nil)
			skus := []oms.SKU{"HOT-1", "HOT-2", "HOT-3"}
			locs := []oms.ID{"east", "west"}
			const perLevel = 150
			inventorytest.Stock(t, svc, locs, skus, perLevel)

			var procs []*proc
			for i := 1; i <= 4; i++ {
				args := []string{"reserve", "-workers", "8", "-skus", "HOT-1,HOT-2,HOT-3", "-locations", "east,west", "-seed", fmt.Sprint(i)}
				if tc.batch {
					args = append(args, "-batch")
				}
				procs = append(procs, start(t, db, args...))
			}
			if tc.kill {
				// Kill process 2 once it has reserved a few times.
				waitFor(t, 60*time.Second, func() bool { return bytes.Count(procs[1].out.Bytes(), []byte("reserved ")) >= 10 })
				procs[1].kill()
			}
			for i, p := range procs {
				if tc.kill && i == 1 {
					continue
				}
				p.wait(t)
			}

			snap, err := db.Inventory().Snapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var onHand, reservedUnits int64
			for _, l := range snap.Levels {
				if l.Reserved > l.OnHand || l.OnHand < 0 || l.Reserved < 0 {
					t.Errorf("oversold or negative: %+v", l)
				}
				onHand += l.OnHand
				reservedUnits += l.Reserved
			}
			rep, err := svc.Reconcile(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Clean() {
				t.Errorf("ledger does not reconcile: %+v", rep.Mismatches)
			}
			// Every reported reservation, commit and release is stored.
			var reported, committed, released int
			for _, p := range procs {
				ls := p.lines()
				for _, id := range ls["reserved"] {
					if _, err := db.Inventory().Reservation(ctx, id); err != nil {
						t.Errorf("reported reservation %s: %v", id, err)
					}
					reported++
				}
				for _, id := range ls["committed"] {
					r, err := db.Inventory().Reservation(ctx, id)
					if err != nil || r.Status != inventory.StatusCommitted {
						t.Errorf("reported commit %s: %v %v", id, r.Status, err)
					}
					committed++
				}
				for _, id := range ls["released"] {
					r, err := db.Inventory().Reservation(ctx, id)
					if err != nil || r.Status != inventory.StatusReleased {
						t.Errorf("reported release %s: %v %v", id, r.Status, err)
					}
					released++
				}
			}
			// Units: what was received is on hand or shipped, and what is
			// reserved is held by the open reservations.
			all, err := db.Inventory().Reservations(ctx, inventory.ReservationFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var shipped, held int64
			for _, r := range all {
				for _, l := range r.Lines {
					shipped += l.Committed
					held += l.Outstanding()
				}
			}
			received := int64(len(skus) * len(locs) * perLevel)
			if onHand+shipped != received {
				t.Errorf("units: %d on hand + %d shipped, want %d received", onHand, shipped, received)
			}
			if held != reservedUnits {
				t.Errorf("levels hold %d reserved units, the open reservations %d", reservedUnits, held)
			}
			// A killed worker may have saved one reservation it never
			// reported; nothing else goes unreported.
			if unreported := len(all) - reported; unreported < 0 || (!tc.kill && unreported != 0) || unreported > 8 {
				t.Errorf("%d reservations stored, %d reported", len(all), reported)
			}
			if shipped == 0 || reported == 0 {
				t.Errorf("the run did nothing: %d reported, %d units shipped", reported, shipped)
			}
			t.Logf("%d reservations reported (%d committed, %d released), %d stored; %d of %d units shipped, %d on hand, %d reserved",
				reported, committed, released, len(all), shipped, received, onHand, reservedUnits)
		})
	}
}

// TestMultiProcessRelay: 3 relay processes drain one outbox of 40
// aggregates × 15 events. Without a crash every event is published exactly
// once; in the variant one relay is killed mid-batch and nothing is lost,
// the duplicates are events the killed relay had published and not marked,
// and each aggregate's first publications are in version order either way.
func TestMultiProcessRelay(t *testing.T) {
	t.Parallel()
	for _, kill := range []bool{false, true} {
		t.Run(map[bool]string{false: "all", true: "sigkill"}[kill], func(t *testing.T) {
			db := open(t)
			ctx := context.Background()
			if _, err := db.Pool().Exec(ctx, `CREATE TABLE pub_log (seq bigserial PRIMARY KEY, relay text NOT NULL,
				event_id text NOT NULL, aggregate_id text NOT NULL, version bigint NOT NULL)`); err != nil {
				t.Fatal(err)
			}
			const aggregates, versions = 40, 15
			at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
			var evs []oms.Event
			for v := int64(1); v <= versions; v++ {
				for a := 0; a < aggregates; a++ {
					e, err := oms.NewEvent("test.changed", "test", oms.ID(fmt.Sprintf("agg-%02d", a)), v, at, nil)
					if err != nil {
						t.Fatal(err)
					}
					evs = append(evs, e)
				}
			}
			if err := db.Outbox().Append(ctx, evs...); err != nil {
				t.Fatal(err)
			}
			count := func(q string, args ...any) int {
				var n int
				if err := db.Pool().QueryRow(ctx, q, args...).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			relay := func(i int) *proc {
				return start(t, db, "relay", "-name", fmt.Sprint("r", i), "-lease", "2s", "-pause", "2ms", "-batch", "10")
			}
			relays := make([]*proc, 3)
			if kill {
				// r1 starts alone and is killed while it publishes, as the
				// others start: they take its aggregates once its leases
				// run out. (Waiting for a second relay to publish before
				// the kill timed out under load: r1 renews the leases of
				// every aggregate it cycles through.)
				relays[1] = relay(1)
				waitFor(t, 60*time.Second, func() bool { return count(`SELECT count(*) FROM pub_log WHERE relay = 'r1'`) >= 15 })
				relays[0], relays[2] = relay(0), relay(2)
				relays[1].kill()
			} else {
				for i := range relays {
					relays[i] = relay(i)
				}
			}
			for i, r := range relays {
				if kill && i == 1 {
					continue
				}
				r.wait(t)
			}
			if n := count(`SELECT count(*) FROM outbox WHERE published_at IS NULL`); n != 0 {
				t.Errorf("%d events left unpublished", n)
			}
			if n := count(`SELECT count(DISTINCT event_id) FROM pub_log`); n != len(evs) {
				t.Errorf("%d distinct events published, want %d", n, len(evs))
			}
			dups := count(`SELECT count(*) - count(DISTINCT event_id) FROM pub_log`)
			if !kill && dups != 0 {
				t.Errorf("%d events published twice with no relay crashing", dups)
			}
			if kill {
				// Duplicates only of what the killed relay published.
				if n := count(`SELECT count(*) FROM (SELECT event_id FROM pub_log GROUP BY event_id
					HAVING count(*) > 1 AND NOT bool_or(relay = 'r1')) d`); n != 0 {
					t.Errorf("%d events published twice that the killed relay never published", n)
				}
				t.Logf("%d duplicates after the kill", dups)
			}
			// Order per aggregate: first publications in version order.
			if n := count(`SELECT count(*) FROM (
				SELECT aggregate_id, version, min(seq) AS first FROM pub_log GROUP BY aggregate_id, version) f
				JOIN (SELECT aggregate_id, version, min(seq) AS first FROM pub_log GROUP BY aggregate_id, version) g
				ON f.aggregate_id = g.aggregate_id AND f.version < g.version AND f.first > g.first`); n != 0 {
				t.Errorf("%d pairs of events first published out of version order", n)
			}
			if n := count(`SELECT count(DISTINCT relay) FROM pub_log`); n < 2 {
				t.Errorf("only %d relay(s) published: the relays did not share the work", n)
			}
		})
	}
}
