package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/omskit/oms"
	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/notify/notifytest"
	"github.com/omskit/oms/order"
)

// jsonStore saves each Progress as JSON first, as a store keeping
// documents in a JSON column does, and refuses what does not encode.
type jsonStore struct{ *notify.MemoryStore }

func (s jsonStore) SaveProgress(ctx context.Context, p *notify.Progress) error {
	if _, err := json.Marshal(p); err != nil {
		return fmt.Errorf("encode progress: %w", err)
	}
	return s.MemoryStore.SaveProgress(ctx, p)
}

// TestDigestDueAfterYear9999IsStillSaved: a milestone decided at the end
// of year 9999 with a digest window got a DueAt one window later, in year
// 10000, which encoding/json (RFC 3339) cannot write: a store saving the
// document as JSON failed every Publish of the order's events, so the
// message was never sent. The due time now stays within year 9999, and
// the milestone is sent once it has come.
func TestDigestDueAfterYear9999IsStillSaved(t *testing.T) {
	for name, digest := range map[string]time.Duration{
		"an hour":  time.Hour,
		"the most": time.Duration(1<<63 - 1),
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, &notify.Options{Digest: digest})
			at := time.Date(9999, 12, 31, 23, 30, 0, 0, time.UTC)
			e.clock.Set(at)
			var err error
			e.n, err = notify.New(jsonStore{e.store}, &notify.Options{Sender: e.rec, Clock: e.clock, Digest: digest})
			if err != nil {
				t.Fatal(err)
			}
			s := notifytest.NewScript("ord-9999", "1001", anna, at)
			e.publish(t, s.Confirmed(notifytest.Line{ID: "l1", SKU: "TEE", Name: "T-shirt", Quantity: 1, Total: "19.90"}))
			p, err := e.store.Progress(e.ctx, "ord-9999")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := json.Marshal(p); err != nil {
				t.Errorf("progress does not encode: %v", err)
			}
			if p.DueAt.IsZero() || p.DueAt.Year() > 9999 {
				t.Errorf("due at %v, want a time within year 9999", p.DueAt)
			}
			e.clock.Set(time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC))
			if _, err := e.n.Flush(e.ctx); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"email:order_confirmed"}, kinds(e.rec.Messages())); diff != "" {
				t.Fatalf("messages (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEventTimesOutsideYears0To9999DoNotBlockTheOrder: a shipment or
// refund event whose time lies after year 9999 (or before year 0), which
// the memory outbox carries, was recorded as the shipment's shipped time
// and the refund's time: the order's document no longer encoded as JSON,
// so with a store saving JSON every Publish of the event failed (the
// relay delivered it again for ever, the order's later events waited
// behind it and the customer heard nothing), and with the memory store
// the status view no longer marshalled. The milestones are decided and
// sent, and the times kept within years 0 to 9999.
func TestEventTimesOutsideYears0To9999DoNotBlockTheOrder(t *testing.T) {
	for name, at := range map[string]time.Time{
		"year 10000":      time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		"year -1":         time.Date(-1, 6, 1, 0, 0, 0, 0, time.UTC),
		"time.Unix(2^62)": time.Unix(1<<62, 0),
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, nil)
			var err error
			e.n, err = notify.New(jsonStore{e.store}, &notify.Options{Sender: e.rec, Clock: e.clock})
			if err != nil {
				t.Fatal(err)
			}
			s := notifytest.NewScript("ord-t", "1001", anna, t0)
			e.publish(t, s.Confirmed(notifytest.Line{ID: "l1", SKU: "TEE", Name: "T-shirt", Quantity: 1, Total: "19.90"}),
				s.ShipmentCreated("sh1", "ups"))
			shipped, refunded := s.ShipmentShipped("sh1"), s.Refunded("rf1", "5.00")
			shipped.Time, refunded.Time = at, at
			e.publish(t, shipped, refunded)
			want := []string{"email:order_confirmed", "email:shipped", "email:refund_issued"}
			if diff := cmp.Diff(want, kinds(e.rec.Messages())); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			v, err := e.n.View(e.ctx, "ord-t")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := json.Marshal(v); err != nil {
				t.Errorf("view does not marshal: %v", err)
			}
		})
	}
}

// TestEventsWithUnitsOutOfRangeAreSkipped: notify took the units of order
// and return events as they came, so an order.lines_cancelled of -2 units
// raised a 3-unit line to 5 active units with -2 cancelled and told the
// customer "We cancelled -2 × T-shirt", and an order.shipped of
// math.MinInt64 units left the line's shipped counter at -2^63, whose
// difference with the line's quantity wrapped, so the order's partial
// shipment was never told. Such events cannot be read, as one whose
// payload does not decode: they are skipped and change nothing.
func TestEventsWithUnitsOutOfRangeAreSkipped(t *testing.T) {
	e := newEnv(t, nil)
	s := notifytest.NewScript("ord-u", "1001", anna, t0)
	e.publish(t, s.Confirmed(notifytest.Line{ID: "l1", SKU: "TEE", Name: "T-shirt", Quantity: 3, Total: "19.90"},
		notifytest.Line{ID: "l2", SKU: "CAP", Name: "Cap", Quantity: 2, Total: "9.90"}))
	before, err := e.n.View(e.ctx, "ord-u")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []int64{-2, 0, math.MinInt64} {
		e.publish(t,
			s.LinesCancelled(order.LineQuantity{LineID: "l1", Quantity: q}),
			s.OrderShipped(fmt.Sprint("sh-", q), order.LineQuantity{LineID: "l2", Quantity: q}),
			s.OrderDelivered(fmt.Sprint("sh-", q), order.LineQuantity{LineID: "l2", Quantity: q}),
			s.ReturnRequested(oms.ID(fmt.Sprint("ret-", q)), order.LineQuantity{LineID: "l1", Quantity: q}))
	}
	after, err := e.n.View(e.ctx, "ord-u")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, after, cmpopts.IgnoreFields(notify.OrderView{}, "UpdatedAt")); diff != "" {
		t.Errorf("view after events of units out of range (-before +after):\n%s", diff)
	}
	// A shipment of one unit is a partial shipment of the order.
	e.publish(t, s.OrderShipped("sh1", order.LineQuantity{LineID: "l1", Quantity: 1}))
	want := []string{"email:order_confirmed", "email:partially_shipped"}
	if diff := cmp.Diff(want, kinds(e.rec.Messages())); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
}

// TestRefundOfANegativeAmountIsSkipped: an order.refunded of -5.00 EUR
// (which the order package never makes) was recorded as a refund and
// told to the customer as "We issued a refund of -5.00 EUR". Such an
// event cannot be read: it is skipped and changes nothing, and a real
// refund after it is told as usual.
func TestRefundOfANegativeAmountIsSkipped(t *testing.T) {
	e := newEnv(t, nil)
	s := notifytest.NewScript("ord-r", "1001", anna, t0)
	e.publish(t, s.Confirmed(notifytest.Line{ID: "l1", SKU: "TEE", Name: "T-shirt", Quantity: 3, Total: "19.90"}))
	e.publish(t, s.Refunded("rf1", "-5.00"), s.Refunded("rf2", "2.50"))
	want := []string{"email:order_confirmed", "email:refund_issued"}
	if diff := cmp.Diff(want, kinds(e.rec.Messages())); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	v, err := e.n.View(e.ctx, "ord-r")
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Refunds) != 1 || v.Refunds[0].Key != "rf2" {
		t.Errorf("refunds %+v, want rf2 alone", v.Refunds)
	}
}
