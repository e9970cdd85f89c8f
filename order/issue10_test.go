package order_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// Issue 10 item 2: a Place replay with the same idempotency key and
// another cart, customer or address is refused with oms.ErrDuplicate and
// creates nothing; the same content returns the first order.
func TestPlaceReplayWithOtherCartIsDuplicate(t *testing.T) {
	ctx := context.Background()
	changes := map[string]func(in *order.PlaceInput){
		"quantity": func(in *order.PlaceInput) { in.Lines[0].Quantity++ },
		"sku":      func(in *order.PlaceInput) { in.Lines[1].SKU = "TEE-L" },
		"extra line": func(in *order.PlaceInput) {
			in.Lines = append(in.Lines, order.LineInput{SKU: "CAP", Quantity: 1, UnitPrice: usd("8.00")})
		},
		"unit price":       func(in *order.PlaceInput) { in.Lines[0].UnitPrice = usd("11.00") },
		"line tax":         func(in *order.PlaceInput) { in.Lines[0].Tax = usd("2.00") },
		"order discount":   func(in *order.PlaceInput) { in.Discounts[0].Amount = usd("5.00") },
		"shipping charge":  func(in *order.PlaceInput) { in.ShippingCharge = usd("7.00") },
		"customer":         func(in *order.PlaceInput) { in.Customer.ID = "cus_2" },
		"customer email":   func(in *order.PlaceInput) { in.Customer.Email = "eve@example.com" },
		"shipping address": func(in *order.PlaceInput) { in.ShippingAddress.Line1 = "13 St James's Sq" },
		"billing address": func(in *order.PlaceInput) {
			in.BillingAddress = oms.Address{Name: "Ada", Line1: "1 Elm St", City: "Springfield", Region: "IL", PostalCode: "62701", Country: "US"}
		},
		"currency": func(in *order.PlaceInput) {
			in.Currency = oms.CAD
			cad := func(m oms.Money) oms.Money { return oms.MustParseMoney(m.StringAmount() + " CAD") }
			for i := range in.Lines {
				in.Lines[i].UnitPrice, in.Lines[i].Tax = cad(in.Lines[i].UnitPrice), cad(in.Lines[i].Tax)
			}
			in.Discounts[0].Amount, in.ShippingCharge, in.Payment.Authorized = cad(in.Discounts[0].Amount), cad(in.ShippingCharge), cad(in.Payment.Authorized)
		},
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			svc, store := newShop()
			first := must(t)(svc.Place(ctx, sampleInput()))
			events := len(store.Outbox().Events(""))
			in := sampleInput()
			change(&in)
			_, err := svc.Place(ctx, in)
			if !errors.Is(err, oms.ErrDuplicate) {
				t.Fatalf("replay with another %s: err = %v, want ErrDuplicate", name, err)
			}
			if n := len(store.Outbox().Events("")); n != events {
				t.Errorf("refused replay saved %d events", n-events)
			}
			page, _ := store.ListByStatus(ctx, order.StatusPending, order.PageRequest{})
			if len(page.Orders) != 1 {
				t.Errorf("%d orders after the refused replay, want 1", len(page.Orders))
			}
			got, _ := store.Get(ctx, first.ID)
			if got.Version != first.Version {
				t.Errorf("refused replay changed the first order to version %d", got.Version)
			}
		})
	}
	t.Run("same content", func(t *testing.T) {
		svc, _ := newShop()
		first := must(t)(svc.Place(ctx, sampleInput()))
		in := sampleInput()
		in.Payment.Reference = "auth_retry" // a retry may carry fresh payment details
		again := must(t)(svc.Place(ctx, in))
		if again.ID != first.ID || again.Version != first.Version {
			t.Errorf("replay returned %s v%d, want %s v%d", again.ID, again.Version, first.ID, first.Version)
		}
	})
}

// Issue 10 item 3: a caller's hold key never derives the ID of a hold the
// Service adds itself, so every hold can be released by its ID.
func TestCallerHoldKeyNeverTakesASystemHoldID(t *testing.T) {
	ctx := context.Background()
	svc, _ := newShop()
	ok := must(t)
	o := ok(svc.Place(ctx, sampleInput()))                                                                    // version 1, authorized
	o = ok(svc.AddHold(ctx, o.ID, order.HoldInput{Key: "awaiting_payment:4", Reason: order.HoldFraudReview})) // version 2; the old code derived the system hold of version 4 from this key
	o = ok(svc.AddHold(ctx, o.ID, order.HoldInput{Key: "hold/system:awaiting_payment:4", Reason: order.HoldCustomerRequest}))
	o = ok(svc.Edit(ctx, o.ID, order.EditInput{Add: []order.LineInput{{SKU: "CAP", Quantity: 1, UnitPrice: usd("20.00")}}})) // above the authorization: system hold at version 4
	if len(o.Holds) != 3 {
		t.Fatalf("holds %+v, want the two caller holds and the system's", o.Holds)
	}
	seen := map[oms.ID]bool{}
	for _, h := range o.Holds {
		if seen[h.ID] {
			t.Fatalf("hold ID %s appears twice: %+v", h.ID, o.Holds)
		}
		seen[h.ID] = true
	}
	for i, h := range o.Holds {
		o = ok(svc.ReleaseHold(ctx, o.ID, h.ID, order.ReleaseInput{By: "ops"}))
		for j, x := range o.Holds {
			if open := j > i; x.Open() != open {
				t.Errorf("after releasing hold %d (%s): hold %d open = %v, want %v", i, h.ID, j, x.Open(), open)
			}
		}
	}
}

// Issue 10 item 3: a hold ID is unique within its order; a store refuses
// an order that breaks it.
func TestStoreRefusesDuplicateHoldIDs(t *testing.T) {
	ctx := context.Background()
	svc, store := newShop()
	o := must(t)(svc.Place(ctx, sampleInput()))
	o = must(t)(svc.AddHold(ctx, o.ID, order.HoldInput{Key: "k", Reason: order.HoldFraudReview}))
	bad := o.Clone()
	bad.Holds = append(bad.Holds, bad.Holds[0])
	bad.Version++
	if err := store.Update(ctx, bad, o.Version, nil); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("Update with a duplicate hold ID: err = %v, want ErrValidation", err)
	}
	got, _ := store.Get(ctx, o.ID)
	if len(got.Holds) != 1 {
		t.Errorf("refused Update stored %d holds", len(got.Holds))
	}
}

// failingCreate fails the first n Creates after the write would have
// happened elsewhere (a lost connection), saving nothing.
type failingCreate struct {
	*order.MemoryStore
	fail atomic.Int32
}

var errStoreDown = errors.New("store: connection lost")

func (s *failingCreate) Create(ctx context.Context, o *order.Order, events []oms.Event) error {
	if s.fail.Add(-1) >= 0 {
		return errStoreDown
	}
	return s.MemoryStore.Create(ctx, o, events)
}

// Issue 10 item 4: when the store write of Place fails after the gateway
// authorized (and captured), the retry with the same key creates the
// order that the authorization names, and no money moves twice.
func TestPlaceStoreFailureRetryAuthorizesTheCreatedOrder(t *testing.T) {
	for _, policy := range []order.CapturePolicy{order.CaptureOnShipment, order.CaptureOnPlacement} {
		t.Run(string(policy), func(t *testing.T) {
			ctx := context.Background()
			p := newPayShop(policy)
			store := &failingCreate{MemoryStore: p.store}
			store.fail.Store(1)
			p.svc = order.NewService(store, &order.ServiceOptions{Clock: p.clock, Gateway: p.gw, CapturePolicy: policy})
			in := gatewayInput("tok_visa")
			if _, err := p.svc.Place(ctx, in); !errors.Is(err, errStoreDown) {
				t.Fatalf("first Place: err = %v, want the store failure", err)
			}
			p.clock.Advance(3_600_000_000_000) // an hour later
			o := must(t)(p.svc.Place(ctx, in))
			if o.ID != order.PlacementID(in.IdempotencyKey) {
				t.Errorf("order ID %s, want PlacementID %s", o.ID, order.PlacementID(in.IdempotencyKey))
			}
			captured := "0.00"
			if policy == order.CaptureOnPlacement {
				captured = "55.48"
			}
			checkPayment(t, p, o, "55.48", captured, "0.00", "0.00")
			for _, c := range p.gw.Calls() {
				if c.Order != o.ID {
					t.Errorf("gateway %s %s names order %s, the order created is %s", c.Kind, c.Key, c.Order, o.ID)
				}
			}
			if o.HasOpenHold(order.HoldAwaitingPayment) {
				t.Errorf("retried order is awaiting payment")
			}
		})
	}
}

// Issue 10 (mutation survivors): allocating cancelled units is refused
// and changes nothing.
func TestAllocatingCancelledUnitsIsRefused(t *testing.T) {
	ctx := context.Background()
	svc, store := newShop()
	ok := must(t)
	o := ok(svc.Place(ctx, sampleInput()))
	o = ok(svc.Confirm(ctx, o.ID))
	mug := o.Lines[0] // 3 units
	o = ok(svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Lines: []order.LineQuantity{{LineID: mug.ID, Quantity: 2}}}))
	events := len(store.Outbox().Events(o.ID))
	_, err := svc.RecordAllocation(ctx, o.ID, order.CounterInput{Key: "a1", Lines: []order.LineQuantity{{LineID: mug.ID, Quantity: 2}}})
	if !errors.Is(err, oms.ErrValidation) {
		t.Fatalf("allocating 2 of 1 active unit: err = %v, want ErrValidation", err)
	}
	checkFields(t, err, []string{"lines[0].quantity"})
	got, _ := store.Get(ctx, o.ID)
	if got.Version != o.Version || got.Lines[0].Allocated != 0 || len(store.Outbox().Events(o.ID)) != events {
		t.Errorf("refused allocation changed the order: version %d, allocated %d", got.Version, got.Lines[0].Allocated)
	}
	o = ok(svc.RecordAllocation(ctx, o.ID, order.CounterInput{Key: "a2", Lines: []order.LineQuantity{{LineID: mug.ID, Quantity: 1}}}))
	if o.Lines[0].Allocated != 1 {
		t.Errorf("allocated %d, want the one active unit", o.Lines[0].Allocated)
	}
}

// Issue 10 (mutation survivors): order discounts are prorated by each
// line's amount net of its own discounts, not by its subtotal.
func TestOrderDiscountProratedByAmountNetOfLineDiscounts(t *testing.T) {
	o := &order.Order{Currency: oms.USD, Lines: []order.Line{
		{ID: "a", Quantity: 1, UnitPrice: usd("100.00"), Discounts: []order.Discount{{Amount: usd("75.00")}}}, // net 25
		{ID: "b", Quantity: 1, UnitPrice: usd("75.00")},                                                       // net 75
	}, Discounts: []order.Discount{{Amount: usd("10.00")}}}
	tot, err := order.ComputeTotals(o)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{tot.Lines[0].OrderDiscount.String(), tot.Lines[1].OrderDiscount.String()}
	if d := cmp.Diff([]string{"2.50 USD", "7.50 USD"}, got); d != "" {
		t.Errorf("order discount shares (-want +got):\n%s", d)
	}
}

// Issue 10 (mutation survivors): under capture at shipment, each capture
// stays within the open part of the authorization it names: a shipment
// worth more than the oldest authorization's rest is captured in two
// parts, one per authorization.
func TestCaptureOnShipmentCappedPerAuthorization(t *testing.T) {
	ctx := context.Background()
	p := newPayShop(order.CaptureOnShipment)
	ok := must(t)
	o := ok(p.svc.Place(ctx, gatewayInput("tok_visa"))) // 55.48 authorized
	o = ok(p.svc.Confirm(ctx, o.ID))
	o = ok(p.svc.Edit(ctx, o.ID, order.EditInput{Add: []order.LineInput{{SKU: "CAP", Quantity: 1, UnitPrice: usd("8.00")}}}))
	o = ok(p.svc.AuthorizePayment(ctx, o.ID, order.AuthorizeInput{Key: "more", Method: "tok_visa"})) // 8.00 more
	var all []order.LineQuantity
	for _, l := range o.Lines {
		all = append(all, order.LineQuantity{LineID: l.ID, Quantity: l.Quantity})
	}
	o = ok(p.svc.RecordAllocation(ctx, o.ID, order.CounterInput{Key: "a", Lines: all}))
	o = ok(p.svc.RecordFulfillment(ctx, o.ID, order.CounterInput{Key: "f", Lines: all}))
	first := []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 3}} // mugs: 32.45 + shipping 5.00
	o = ok(p.svc.RecordShipment(ctx, o.ID, order.CounterInput{Key: "s1", Lines: first}))
	rest := []order.LineQuantity{{LineID: o.Lines[1].ID, Quantity: 1}, {LineID: o.Lines[2].ID, Quantity: 1}}
	o = ok(p.svc.RecordShipment(ctx, o.ID, order.CounterInput{Key: "s2", Lines: rest}))
	checkPayment(t, p, o, "63.48", "63.48", "0.00", "0.00")
	auths := map[string]oms.Money{}
	captured := map[string]oms.Money{}
	for _, tx := range o.Payment.Transactions {
		switch tx.Kind {
		case order.TxAuthorize:
			auths[tx.Reference] = tx.Amount
		case order.TxCapture:
			if c, ok := captured[tx.Authorization]; ok {
				captured[tx.Authorization], _ = c.Add(tx.Amount)
			} else {
				captured[tx.Authorization] = tx.Amount
			}
		}
	}
	for ref, c := range captured {
		if n, _ := c.Cmp(auths[ref]); n > 0 {
			t.Errorf("captured %s on authorization %s of %s", c, ref, auths[ref])
		}
	}
	if len(captured) != 2 {
		t.Errorf("captures on %d authorizations, want both", len(captured))
	}
}
