package sim

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// countingOrders is an order.Store that counts the orders created in it.
type countingOrders struct {
	order.Store
	created atomic.Int64
}

func (c *countingOrders) Create(ctx context.Context, o *order.Order, events []oms.Event) error {
	err := c.Store.Create(ctx, o, events)
	if err == nil {
		c.created.Add(1)
	}
	return err
}

// TestRunUsesInjectedStores checks that a run with Config.Stores keeps its
// orders in those stores and numbers them with Stores.OrderNumbers: every
// order the summary counts was created in the injected store.
func TestRunUsesInjectedStores(t *testing.T) {
	st := MemoryStores()
	orders := &countingOrders{Store: st.Orders}
	st.Orders = orders
	st.OrderNumbers = order.NewSequence("SIM-", 1)
	cfg := Config{Days: 2, OrdersPerDay: 10, Workers: 4, Seed: 5, Stores: st}
	var out bytes.Buffer
	if err := Run(context.Background(), cfg, &out, ""); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	m := regexp.MustCompile(`: (\d+) orders in`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no order count:\n%s", out.String())
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	if n == 0 || orders.created.Load() != n {
		t.Fatalf("the summary counts %d orders, the injected store got %d", n, orders.created.Load())
	}
	o, err := st.Orders.GetByNumber(context.Background(), "SIM-1")
	if err != nil {
		t.Fatalf("the first order is not numbered by the injected sequence: %v", err)
	}
	if o.Number != "SIM-1" {
		t.Fatalf("order number %q, want SIM-1", o.Number)
	}
}

// TestRunRefusesIncompleteStores checks that Config.Stores lacking a store
// is refused with a validation error before anything runs.
func TestRunRefusesIncompleteStores(t *testing.T) {
	st := MemoryStores()
	st.Returns = nil
	err := Run(context.Background(), Config{Days: 1, OrdersPerDay: 1, Workers: 1, Stores: st}, &bytes.Buffer{}, "")
	if !errors.Is(err, oms.ErrValidation) {
		t.Fatalf("Run: %v, want a validation error", err)
	}
}

// failingUpdates is an order.Store whose updates all fail, as a database
// that went away after the order was placed.
type failingUpdates struct{ order.Store }

var errGone = errors.New("the database went away")

func (failingUpdates) Update(context.Context, *order.Order, int64, []oms.Event) error {
	return errGone
}

// TestRunReturnsAFailedConfirm checks that a store failing under Confirm
// ends the run with that error, naming the step, instead of a panic (it
// did: the failed Confirm's nil order was dereferenced for the message).
func TestRunReturnsAFailedConfirm(t *testing.T) {
	st := MemoryStores()
	st.Orders = failingUpdates{st.Orders}
	err := Run(context.Background(), Config{Days: 1, OrdersPerDay: 5, Workers: 2, Seed: 1, Stores: st}, &bytes.Buffer{}, "")
	if !errors.Is(err, errGone) || !strings.Contains(err.Error(), "confirm") {
		t.Fatalf("Run: %v, want the store's error from confirm", err)
	}
}
