package pgstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/notify/notifytest"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/tracking"
)

// notifyScript is one order's life as its outbox events: placed,
// confirmed, shipped in one parcel, out for delivery, delivered.
func notifyScript(id oms.ID, at time.Time) []oms.Event {
	s := notifytest.NewScript(id, "N-"+string(id), order.Customer{ID: "c-" + id, Email: string(id) + "@example.com", Name: "Ada"}, at)
	line := notifytest.Line{ID: "l1", SKU: "LAMP", Name: "Lamp", Quantity: 1, Total: "49.00"}
	ship := oms.ID("s-" + id)
	return []oms.Event{
		s.Placed(line), s.Confirmed(line),
		s.ShipmentCreated(ship, "ups"), s.LabelPurchased(ship, 0, "1Z"+string(id)), s.ShipmentShipped(ship),
		s.Tracking(ship, "1Z"+string(id), tracking.StatusOutForDelivery, ""),
		s.OrderShipped(string(ship), order.LineQuantity{LineID: "l1", Quantity: 1}),
		s.ShipmentDelivered(ship),
	}
}

// TestNotifierOverPostgresSendsWhatMemoryDoes feeds the events of
// notifytest's harness to a Notifier over the memory store and to two
// Notifiers sharing one PostgreSQL store (two processes, each receiving
// every event: an at-least-once bus), once sending each milestone at
// once and once with a digest window (so that Due and Flush take part).
// PostgreSQL sends exactly the messages memory does, each once, and
// leaves nothing pending.
func TestNotifierOverPostgresSendsWhatMemoryDoes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	var orders []oms.ID
	run := func(stores []notify.Store, digest time.Duration) []notify.Message {
		t.Helper()
		clock := oms.NewManualClock(start)
		rec := &notifytest.Recorder{}
		ns := make([]*notify.Notifier, len(stores))
		for i, st := range stores {
			n, err := notify.New(st, &notify.Options{Sender: rec, Clock: clock, Digest: digest})
			if err != nil {
				t.Fatal(err)
			}
			ns[i] = n
		}
		var wg sync.WaitGroup
		for _, n := range ns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, id := range orders {
					for _, e := range notifyScript(id, start) {
						if err := n.Publish(ctx, e); err != nil {
							t.Errorf("publish %s: %v", e.Type, err)
						}
					}
				}
			}()
		}
		wg.Wait()
		clock.Advance(time.Hour)
		for _, n := range ns {
			if _, err := n.Flush(ctx); err != nil {
				t.Fatalf("flush: %v", err)
			}
		}
		return rec.Messages()
	}
	key := func(ms []notify.Message) map[string]notify.Message {
		out := map[string]notify.Message{}
		for _, m := range ms {
			k := m.Key + "|" + string(m.Channel)
			if _, dup := out[k]; dup {
				t.Errorf("message %s sent twice", k)
			}
			out[k] = m
		}
		return out
	}
	pg := open(t).Notify()
	for i, digest := range []time.Duration{0, 10 * time.Minute} {
		orders = []oms.ID{oms.ID(fmt.Sprint("a", i)), oms.ID(fmt.Sprint("b", i)), oms.ID(fmt.Sprint("c", i))}
		mem := key(run([]notify.Store{notify.NewMemoryStore()}, digest))
		if len(mem) == 0 {
			t.Fatal("the memory run sent nothing")
		}
		got := key(run([]notify.Store{pg, pg}, digest))
		t.Logf("digest %v: %d messages sent over memory, %d over PostgreSQL", digest, len(mem), len(got))
		if diff := cmp.Diff(mem, got); diff != "" {
			t.Errorf("digest %v: messages (-memory +postgres):\n%s", digest, diff)
		}
	}
	for _, id := range orders {
		p, err := pg.Progress(ctx, id)
		if err != nil {
			t.Fatalf("progress %s: %v", id, err)
		}
		if len(p.Pending) != 0 || !p.DueAt.IsZero() {
			t.Errorf("progress %s still has %d pending, due %v", id, len(p.Pending), p.DueAt)
		}
	}
}
