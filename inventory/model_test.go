package inventory_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"strconv"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// The model-based test drives the Service with random seeded command
// sequences and predicts each outcome with a plain model of levels and
// reservations. After every step it checks that the store agrees with the
// model, that the invariants hold (no negative quantity, reserved within
// on hand plus the backorder allowance, reserved equal to the open lines'
// outstanding units, Reconcile clean, units conserved) and that every
// status change is an edge of the transition table.

type mLevel struct{ onHand, reserved, damaged int64 }

type mLine struct {
	sku                      oms.SKU
	loc                      oms.ID
	qty, committed, released int64
}

type mRes struct {
	lines   []mLine
	status  inventory.ReservationStatus
	expires time.Time
}

type model struct {
	levels map[[2]string]*mLevel
	res    map[oms.ID]*mRes
	policy map[oms.SKU]inventory.BackorderPolicy
}

func (m *model) lv(sku oms.SKU, loc oms.ID) *mLevel {
	k := [2]string{string(sku), string(loc)}
	if m.levels[k] == nil {
		m.levels[k] = &mLevel{}
	}
	return m.levels[k]
}

// canLower reports whether q units may leave the level's availability.
func (m *model) canLower(sku oms.SKU, l *mLevel, q int64) bool {
	switch p := m.policy[sku]; p.Mode {
	case inventory.BackorderAllow:
		return true
	case inventory.BackorderPreorder:
		// The limit is SKU-wide: the backorders of every level together.
		var total int64
		for k, x := range m.levels {
			if k[0] == string(sku) {
				total += max(x.reserved-x.onHand, 0)
			}
		}
		before, after := max(l.reserved-l.onHand, 0), max(l.reserved+q-l.onHand, 0)
		return total+after-before <= p.Limit
	}
	return l.onHand-l.reserved >= q
}

func (r *mRes) open() bool {
	return r.status == inventory.StatusActive || r.status == inventory.StatusPartiallyCommitted
}

func (r *mRes) derive(expired bool) inventory.ReservationStatus {
	var out, com int64
	for _, l := range r.lines {
		out += l.qty - l.committed - l.released
		com += l.committed
	}
	switch {
	case out > 0 && com > 0:
		return inventory.StatusPartiallyCommitted
	case out > 0:
		return inventory.StatusActive
	case com > 0:
		return inventory.StatusCommitted
	case expired:
		return inventory.StatusExpired
	}
	return inventory.StatusReleased
}

var (
	modelSKUs = []oms.SKU{"DENY", "PRE", "ALLOW"}
	modelLocs = []oms.ID{"l1", "l2"}
)

func TestReservationModel(t *testing.T) {
	seen := map[string]int{}
	for seed := int64(1); seed <= 25; seed++ {
		t.Run("seed"+strconv.FormatInt(seed, 10), func(t *testing.T) { runModel(t, seed, 250, seen) })
	}
	// The sequences must reach every outcome and every status, or the
	// invariants were checked on too little.
	for _, k := range []string{"ok", oms.ErrInsufficientStock.Error(), oms.ErrInvalidTransition.Error(), oms.ErrValidation.Error(), oms.ErrNotFound.Error(),
		"status active", "status partially_committed", "status committed", "status released", "status expired"} {
		if seen[k] == 0 {
			t.Errorf("no step ended in %q: %v", k, seen)
		}
	}
	t.Logf("outcomes: %v", seen)
}

func runModel(t *testing.T, seed int64, steps int, seen map[string]int) {
	ctx := context.Background()
	rng := rand.New(rand.NewSource(seed))
	clock := oms.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	store := inventory.NewMemoryStore(nil)
	svc := inventory.NewService(store, &inventory.ServiceOptions{Clock: clock})
	m := &model{levels: map[[2]string]*mLevel{}, res: map[oms.ID]*mRes{}, policy: map[oms.SKU]inventory.BackorderPolicy{
		"DENY":  {Mode: inventory.BackorderDeny},
		"PRE":   {Mode: inventory.BackorderPreorder, Limit: 3, ExpectedAt: clock.Now().AddDate(0, 1, 0)},
		"ALLOW": {Mode: inventory.BackorderAllow},
	}}
	for _, id := range modelLocs {
		must(t, svc.PutLocation(ctx, inventory.Location{ID: id, Name: string(id), Kind: inventory.KindWarehouse, Active: true}))
	}
	for _, sku := range modelSKUs {
		must(t, svc.PutItem(ctx, inventory.Item{SKU: sku, Tracked: true, Backorder: m.policy[sku]}))
	}
	var ids []oms.ID
	pickRes := func() oms.ID {
		if len(ids) == 0 || rng.Intn(20) == 0 {
			return "unknown"
		}
		return ids[rng.Intn(len(ids))]
	}
	kind := func(err error) string {
		for _, k := range []error{oms.ErrInsufficientStock, oms.ErrInvalidTransition, oms.ErrValidation, oms.ErrNotFound} {
			if errors.Is(err, k) {
				return k.Error()
			}
		}
		if err != nil {
			return "unexpected: " + err.Error()
		}
		return "ok"
	}
	for step := 0; step < steps; step++ {
		var desc string
		var want, got error
		before := map[oms.ID]inventory.ReservationStatus{}
		for id, r := range m.res {
			before[id] = r.status
		}
		switch op := rng.Intn(100); {
		case op < 30: // reserve
			id := oms.ID("r" + strconv.Itoa(step))
			n := 1 + rng.Intn(3)
			var lines []inventory.Line
			seen := map[[2]string]bool{}
			for len(lines) < n {
				l := inventory.Line{SKU: modelSKUs[rng.Intn(3)], Location: modelLocs[rng.Intn(2)], Quantity: 1 + int64(rng.Intn(4))}
				if k := [2]string{string(l.SKU), string(l.Location)}; !seen[k] {
					seen[k] = true
					lines = append(lines, l)
				}
			}
			req := inventory.ReserveRequest{ID: id, Lines: lines}
			if rng.Intn(2) == 0 {
				req.HoldFor = time.Duration(1+rng.Intn(30)) * time.Minute
			}
			desc = fmt.Sprintf("reserve %s %+v hold %s", id, lines, req.HoldFor)
			for _, l := range lines { // each line counts the earlier ones
				if !m.canLower(l.SKU, m.lv(l.SKU, l.Location), l.Quantity) {
					want = oms.ErrInsufficientStock
				}
				m.lv(l.SKU, l.Location).reserved += l.Quantity
			}
			_, got = svc.Reserve(ctx, req)
			if want != nil || got != nil {
				for _, l := range lines {
					m.lv(l.SKU, l.Location).reserved -= l.Quantity
				}
			}
			if want == nil && got == nil {
				r := &mRes{status: inventory.StatusActive}
				if req.HoldFor > 0 {
					r.expires = clock.Now().Add(req.HoldFor)
				}
				for _, l := range lines {
					r.lines = append(r.lines, mLine{sku: l.SKU, loc: l.Location, qty: l.Quantity})
				}
				m.res[id] = r
				ids = append(ids, id)
			}
		case op < 55, op < 75: // commit or release, all or part
			commit := op < 55
			id := pickRes()
			r := m.res[id]
			var lines []inventory.Line
			var moves []mLine
			switch {
			case r == nil:
				want = oms.ErrNotFound
			case !r.open():
				want = oms.ErrInvalidTransition
			}
			if r != nil && rng.Intn(2) == 0 {
				i := rng.Intn(len(r.lines))
				l := r.lines[i]
				out := l.qty - l.committed - l.released
				q := 1 + int64(rng.Intn(int(max(out, 0))+2)) // sometimes one too many
				lines = []inventory.Line{{SKU: l.sku, Location: l.loc, Quantity: q}}
				moves = []mLine{{sku: l.sku, loc: l.loc, qty: q}}
				if want == nil && q > out {
					want = oms.ErrValidation
				}
			} else if r != nil {
				for _, l := range r.lines {
					if out := l.qty - l.committed - l.released; out > 0 {
						moves = append(moves, mLine{sku: l.sku, loc: l.loc, qty: out})
					}
				}
			}
			if commit && want == nil {
				for _, mv := range moves {
					if m.lv(mv.sku, mv.loc).onHand < mv.qty {
						want = oms.ErrInsufficientStock
					}
				}
			}
			if commit {
				desc = fmt.Sprintf("commit %s %+v", id, lines)
				_, got = svc.Commit(ctx, inventory.CommitRequest{Key: nk(), Reservation: id, Lines: lines})
			} else {
				desc = fmt.Sprintf("release %s %+v", id, lines)
				_, got = svc.Release(ctx, inventory.ReleaseRequest{Key: nk(), Reservation: id, Lines: lines})
			}
			if want == nil && got == nil {
				for _, mv := range moves {
					lv := m.lv(mv.sku, mv.loc)
					lv.reserved -= mv.qty
					for i := range r.lines {
						if r.lines[i].sku == mv.sku && r.lines[i].loc == mv.loc {
							if commit {
								r.lines[i].committed += mv.qty
							} else {
								r.lines[i].released += mv.qty
							}
						}
					}
					if commit {
						lv.onHand -= mv.qty
					}
				}
				r.status = r.derive(false)
				if commit || !r.open() {
					r.expires = time.Time{}
				}
			}
		case op < 80: // extend
			id := pickRes()
			r := m.res[id]
			until := clock.Now().Add(time.Duration(rng.Intn(40)-5) * time.Minute)
			switch {
			case r == nil:
				want = oms.ErrNotFound
			case r.status != inventory.StatusActive:
				want = oms.ErrInvalidTransition
			case !until.After(clock.Now()):
				want = oms.ErrValidation
			}
			desc = fmt.Sprintf("extend %s to %s", id, until)
			_, got = svc.Extend(ctx, id, until)
			if want == nil && got == nil {
				r.expires = until
			}
		case op < 88: // time passes, the sweep runs
			d := time.Duration(rng.Intn(20)) * time.Minute
			clock.Advance(d)
			desc = fmt.Sprintf("advance %s and sweep", d)
			now := clock.Now()
			for _, r := range m.res {
				if r.status == inventory.StatusActive && !r.expires.IsZero() && !r.expires.After(now) {
					for i, l := range r.lines {
						out := l.qty - l.committed - l.released
						m.lv(l.sku, l.loc).reserved -= out
						r.lines[i].released += out
					}
					r.status = inventory.StatusExpired
					r.expires = time.Time{}
				}
			}
			_, got = svc.SweepExpired(ctx, now)
		case op < 94: // receive
			sku, loc, q := modelSKUs[rng.Intn(3)], modelLocs[rng.Intn(2)], int64(1+rng.Intn(6))
			desc = fmt.Sprintf("receive %d %s@%s", q, sku, loc)
			_, got = svc.Receive(ctx, inventory.Receipt{SKU: sku, Location: loc, Quantity: q})
			if got == nil {
				m.lv(sku, loc).onHand += q
			}
		case op < 97: // loss or damage
			sku, loc, q := modelSKUs[rng.Intn(3)], modelLocs[rng.Intn(2)], int64(1+rng.Intn(3))
			reason := inventory.ReasonLoss
			if rng.Intn(2) == 0 {
				reason = inventory.ReasonDamage
			}
			lv := m.lv(sku, loc)
			if lv.onHand < q || !m.canLower(sku, lv, q) {
				want = oms.ErrInsufficientStock
			}
			desc = fmt.Sprintf("%s %d %s@%s", reason, q, sku, loc)
			_, got = svc.Adjust(ctx, inventory.Adjustment{SKU: sku, Location: loc, Reason: reason, Quantity: q})
			if want == nil && got == nil {
				lv.onHand -= q
				if reason == inventory.ReasonDamage {
					lv.damaged += q
				}
			}
		default: // cycle count, sometimes below zero
			sku, loc := modelSKUs[rng.Intn(3)], modelLocs[rng.Intn(2)]
			lv := m.lv(sku, loc)
			c := lv.onHand + int64(rng.Intn(7)-3)
			switch {
			case c < 0:
				want = oms.ErrValidation
			case c < lv.onHand && !m.canLower(sku, lv, lv.onHand-c):
				want = oms.ErrInsufficientStock
			}
			desc = fmt.Sprintf("count %s@%s = %d", sku, loc, c)
			_, got = svc.Count(ctx, inventory.Count{SKU: sku, Location: loc, Counted: c})
			if want == nil && got == nil {
				lv.onHand = c
			}
		}
		if kind(got) != kind(want) {
			t.Fatalf("step %d: %s: got %v, want %s", step, desc, got, kind(want))
		}
		seen[kind(got)]++
		for _, r := range m.res {
			seen["status "+string(r.status)]++
		}
		checkModel(t, ctx, step, desc, store, m, before)
	}
}

func checkModel(t *testing.T, ctx context.Context, step int, desc string, store *inventory.MemoryStore, m *model, before map[oms.ID]inventory.ReservationStatus) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("step %d (%s): %s", step, desc, fmt.Sprintf(format, args...))
	}
	levels, err := store.Levels(ctx, "")
	if err != nil {
		fail("%v", err)
	}
	for _, l := range levels {
		want := m.levels[[2]string{string(l.SKU), string(l.Location)}]
		if want == nil {
			want = &mLevel{}
		}
		if l.OnHand != want.onHand || l.Reserved != want.reserved || l.Damaged != want.damaged {
			fail("level %s@%s is %+v, model %+v", l.SKU, l.Location, l, *want)
		}
		if l.OnHand < 0 || l.Reserved < 0 || l.Damaged < 0 || l.Incoming != 0 {
			fail("negative quantity: %+v", l)
		}
		switch p := m.policy[l.SKU]; p.Mode {
		case inventory.BackorderDeny:
			if l.Reserved > l.OnHand {
				fail("oversold: %+v", l)
			}
		case inventory.BackorderPreorder:
			if l.Reserved > l.OnHand+p.Limit {
				fail("preordered beyond the limit: %+v", l)
			}
		}
	}
	for id, want := range m.res {
		r, err := store.Reservation(ctx, id)
		if err != nil {
			fail("%v", err)
		}
		if r.Status != want.status || !r.ExpiresAt.Equal(want.expires) {
			fail("reservation %s is %s expiring %s, model %s expiring %s", id, r.Status, r.ExpiresAt, want.status, want.expires)
		}
		for i, l := range r.Lines {
			w := want.lines[i]
			if l.Quantity != w.qty || l.Committed != w.committed || l.Released != w.released || l.Outstanding() < 0 {
				fail("reservation %s line %d is %+v, model %+v", id, i, l, w)
			}
		}
		if from, ok := before[id]; ok && !inventory.CanTransition(from, r.Status) && from != r.Status {
			fail("reservation %s moved %s → %s, not in the table", id, from, r.Status)
		}
		if from, ok := before[id]; ok && from.Final() && from != r.Status {
			fail("final reservation %s moved %s → %s", id, from, r.Status)
		}
	}
	snap, err := store.Snapshot(ctx)
	if err != nil {
		fail("%v", err)
	}
	if rep := inventory.Reconcile(snap); !rep.Clean() {
		fail("reconcile: %+v", rep.Mismatches)
	}
	if f := inventory.Flows(snap.Entries); !f.Balanced() {
		fail("units not conserved: %+v", f)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
