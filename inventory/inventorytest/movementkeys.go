package inventorytest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// testKeyedMovements checks keyed stock movements: a movement repeated
// under its key moves nothing and answers the first entry; the key used
// for other content is refused; the store refuses a second change under a
// movement key atomically (concurrent repeats move stock once), and finds
// entries by key.
func testKeyedMovements(t testing.TB, e *Env) {
	Stock(t, e.Service, []oms.ID{"wh"}, []oms.SKU{"A"}, 10)
	e.NewEvents(t)
	events := func(what string, want int) {
		t.Helper()
		if got := e.NewEvents(t); len(got) != want {
			t.Errorf("%s: %d events, want %d", what, len(got), want)
		}
	}
	first, err := e.Service.Receive(ctx, inventory.Receipt{SKU: "A", Location: "wh", Quantity: 5, Reference: "po-1", Key: "rcv-1"})
	if err != nil {
		t.Fatal(err)
	}
	events("keyed receipt", 1)
	again, err := e.Service.Receive(ctx, inventory.Receipt{SKU: "A", Location: "wh", Quantity: 5, Reference: "po-1", Key: "rcv-1"})
	if err != nil {
		t.Fatalf("repeated receipt: %v", err)
	}
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("repeated receipt answers another entry (-first +again):\n%s", diff)
	}
	events("repeated receipt", 0)
	wantLevel(t, e, "A", "wh", qty{OnHand: 15})
	for name, call := range map[string]func() error{
		"receipt of other units": func() error {
			_, err := e.Service.Receive(ctx, inventory.Receipt{SKU: "A", Location: "wh", Quantity: 6, Reference: "po-1", Key: "rcv-1"})
			return err
		},
		"adjustment under a receipt's key": func() error {
			_, err := e.Service.Adjust(ctx, inventory.Adjustment{SKU: "A", Location: "wh", Reason: inventory.ReasonFound, Quantity: 5, Reference: "po-1", Key: "rcv-1"})
			return err
		},
	} {
		if err := call(); !errors.Is(err, oms.ErrDuplicate) {
			t.Errorf("%s: err = %v, want ErrDuplicate", name, err)
		}
	}
	events("refused movements", 0)
	wantLevel(t, e, "A", "wh", qty{OnHand: 15})

	// A count repeated after other movements does not count again.
	cnt, err := e.Service.Count(ctx, inventory.Count{SKU: "A", Location: "wh", Counted: 7, Key: "count-1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.Restock(ctx, inventory.ReturnRestock{SKU: "A", Location: "wh", Quantity: 3, Reference: "rma-1", Key: "rst-1"}); err != nil {
		t.Fatal(err)
	}
	cnt2, err := e.Service.Count(ctx, inventory.Count{SKU: "A", Location: "wh", Counted: 7, Key: "count-1"})
	if err != nil || cnt2.Seq != cnt.Seq {
		t.Errorf("repeated count: %+v, %v; want entry %d", cnt2, err, cnt.Seq)
	}
	if _, err := e.Service.Restock(ctx, inventory.ReturnRestock{SKU: "A", Location: "wh", Quantity: 3, Reference: "rma-1", Key: "rst-1"}); err != nil {
		t.Fatalf("repeated restock: %v", err)
	}
	wantLevel(t, e, "A", "wh", qty{OnHand: 10})
	es, err := e.Store.Ledger(ctx, inventory.LedgerFilter{Key: "rst-1"})
	if err != nil || len(es) != 1 || es[0].Reason != inventory.ReasonReturnRestock || es[0].Key != "rst-1" {
		t.Errorf("Ledger by key: %+v, %v; want the one restock entry", es, err)
	}

	// The store's own check: a second change under a movement key.
	n := len(ledger(t, e))
	e.NewEvents(t)
	c := &inventory.Change{Op: "adjust", MovementKey: "rst-1", Entries: []inventory.LedgerEntry{{SKU: "A", Location: "wh",
		Reason: inventory.ReasonFound, OnHand: 1, Key: "rst-1", At: epoch}}, Events: []oms.Event{mustEvent(t, "x-1")}}
	if err := e.Store.Apply(ctx, c); !errors.Is(err, oms.ErrDuplicate) {
		t.Errorf("Apply under a used movement key: err = %v, want ErrDuplicate", err)
	}
	if got := len(ledger(t, e)); got != n {
		t.Errorf("refused Apply added %d ledger entries", got-n)
	}
	events("refused Apply", 0)
	wantLevel(t, e, "A", "wh", qty{OnHand: 10})

	// Concurrent repeats of one keyed movement move stock once.
	const workers = 8
	var wg sync.WaitGroup
	seqs := make([]int64, workers)
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			le, err := e.Service.Adjust(ctx, inventory.Adjustment{SKU: "A", Location: "wh", Reason: inventory.ReasonFound, Quantity: 4, Key: "found-1"})
			if err != nil {
				t.Errorf("concurrent keyed adjustment: %v", err)
				return
			}
			seqs[g] = le.Seq
		}()
	}
	wg.Wait()
	wantLevel(t, e, "A", "wh", qty{OnHand: 14})
	for g := range workers {
		if seqs[g] != seqs[0] {
			t.Errorf("concurrent repeats answer entries %v, want one", seqs)
			break
		}
	}
	// Keys of commits and of movements are apart.
	if _, err := e.Service.Reserve(ctx, inventory.ReserveRequest{ID: "r-keys", Lines: []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.Commit(ctx, inventory.CommitRequest{Key: "shared-key", Reservation: "r-keys"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.Adjust(ctx, inventory.Adjustment{SKU: "A", Location: "wh", Reason: inventory.ReasonFound, Quantity: 1, Key: "shared-key"}); err != nil {
		t.Errorf("a movement under a commit's key: %v", err)
	}
	wantLevel(t, e, "A", "wh", qty{OnHand: 14})
	wantClean(t, e)
}

func ledger(t testing.TB, e *Env) []inventory.LedgerEntry {
	t.Helper()
	es, err := e.Store.Ledger(ctx, inventory.LedgerFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func mustEvent(t testing.TB, id string) oms.Event {
	t.Helper()
	ev, err := oms.NewEvent(inventory.EventStockMoved, "sku", "A", 0, epoch, map[string]string{"x": id})
	if err != nil {
		t.Fatal(err)
	}
	ev.ID = oms.ID(fmt.Sprintf("ev-%s", id))
	return ev
}
