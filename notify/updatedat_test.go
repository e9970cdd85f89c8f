package notify_test

import (
	"testing"
	"time"

	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/notify/notifytest"
)

// TestViewUpdatedAtIsWhenNotifyLastLearnedOfTheOrder: OrderView.UpdatedAt
// is when notify last learned something about the order; sending its
// digest ten minutes later (or retrying a failed send) teaches it nothing,
// so the portal's "updated" time does not move.
func TestViewUpdatedAtIsWhenNotifyLastLearnedOfTheOrder(t *testing.T) {
	e := newEnv(t, &notify.Options{Digest: 10 * time.Minute})
	s := notifytest.NewScript("ord-ua", "2301", anna, t0)
	e.publish(t, s.Confirmed(notifytest.Line{ID: "l1", SKU: "A", Name: "Lamp", Quantity: 1, Total: "30.00"}))
	learned := e.clock.Now()
	e.clock.Advance(time.Hour)
	if n, err := e.n.Flush(e.ctx); err != nil || n != 1 {
		t.Fatalf("Flush: %d, %v", n, err)
	}
	v, err := e.n.View(e.ctx, "ord-ua")
	if err != nil {
		t.Fatal(err)
	}
	if !v.UpdatedAt.Equal(learned) {
		t.Fatalf("UpdatedAt %v after the digest went out, want %v (when the confirmation was read)", v.UpdatedAt, learned)
	}
}
