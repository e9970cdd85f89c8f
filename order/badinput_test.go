package order_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/order/ordertest"
)

// problemFields returns the fields a validation error names.
func problemFields(err error) []string {
	var ve *oms.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	for _, p := range ve.Problems {
		out = append(out, p.Field)
	}
	return out
}

func checkKinds(t *testing.T, err error, kinds []error) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %v", kinds)
	}
	for _, k := range kinds {
		if !errors.Is(err, k) {
			t.Errorf("err = %v; does not match %v", err, k)
		}
	}
}

func checkFields(t *testing.T, err error, fields []string) {
	t.Helper()
	got := problemFields(err)
	for _, f := range fields {
		found := false
		for _, g := range got {
			found = found || g == f
		}
		if !found {
			t.Errorf("error %v names %v, want it to name %q", err, got, f)
		}
	}
}

func TestPlaceBadInput(t *testing.T) {
	tests := []struct {
		name   string
		change func(in *order.PlaceInput)
		kinds  []error
		fields []string
	}{
		{"zero quantity", func(in *order.PlaceInput) { in.Lines[0].Quantity = 0 }, []error{oms.ErrValidation}, []string{"lines[0].quantity"}},
		{"negative quantity", func(in *order.PlaceInput) { in.Lines[1].Quantity = -2 }, []error{oms.ErrValidation}, []string{"lines[1].quantity"}},
		{"huge quantity", func(in *order.PlaceInput) { in.Lines[1].Quantity = order.MaxLineQty + 1 }, []error{oms.ErrValidation}, []string{"lines[1].quantity"}},
		{"price in another currency", func(in *order.PlaceInput) { in.Lines[0].UnitPrice = oms.MustParseMoney("12.00 EUR") },
			[]error{oms.ErrValidation, oms.ErrCurrencyMismatch}, []string{"lines[0].unit_price"}},
		{"tax in another currency", func(in *order.PlaceInput) { in.Lines[1].Tax = oms.MustParseMoney("1.00 GBP") },
			[]error{oms.ErrValidation, oms.ErrCurrencyMismatch}, []string{"lines[1].tax"}},
		{"shipping in another currency", func(in *order.PlaceInput) { in.ShippingCharge = oms.MustParseMoney("5 JPY") },
			[]error{oms.ErrCurrencyMismatch}, []string{"shipping_charge"}},
		{"missing price", func(in *order.PlaceInput) { in.Lines[0].UnitPrice = oms.Money{} }, []error{oms.ErrValidation}, []string{"lines[0].unit_price"}},
		{"negative price", func(in *order.PlaceInput) { in.Lines[0].UnitPrice = usd("-1.00") }, []error{oms.ErrValidation}, []string{"lines[0].unit_price"}},
		{"fraction of a cent", func(in *order.PlaceInput) { in.Lines[0].UnitPrice = usd("1.005") }, []error{oms.ErrValidation}, []string{"lines[0].unit_price"}},
		{"empty cart", func(in *order.PlaceInput) { in.Lines = nil }, []error{oms.ErrValidation}, []string{"lines"}},
		{"empty SKU", func(in *order.PlaceInput) { in.Lines[0].SKU = " " }, []error{oms.ErrValidation}, []string{"lines[0].sku"}},
		{"SKU with a space", func(in *order.PlaceInput) { in.Lines[0].SKU = "MUG BLUE" }, []error{oms.ErrValidation}, []string{"lines[0].sku"}},
		{"SKU longer than oms.MaxSKULength", func(in *order.PlaceInput) { in.Lines[1].SKU = oms.SKU(strings.Repeat("S", oms.MaxSKULength+1)) },
			[]error{oms.ErrValidation}, []string{"lines[1].sku"}},
		{"unknown service level", func(in *order.PlaceInput) { in.Shipping.ServiceLevel = "warp" }, []error{oms.ErrValidation}, []string{"shipping.service_level"}},
		{"invalid address", func(in *order.PlaceInput) {
			in.ShippingAddress.PostalCode = "ABCDE"
			in.ShippingAddress.City = ""
		}, []error{oms.ErrValidation}, []string{"shipping_address.postal_code", "shipping_address.city"}},
		{"unknown country", func(in *order.PlaceInput) { in.ShippingAddress.Country = "XX" }, []error{oms.ErrValidation}, []string{"shipping_address.country"}},
		{"no shipping address", func(in *order.PlaceInput) { in.ShippingAddress = oms.Address{} }, []error{oms.ErrValidation}, []string{"shipping_address"}},
		{"invalid billing address", func(in *order.PlaceInput) { in.BillingAddress = oms.Address{Line1: "x", Country: "US"} },
			[]error{oms.ErrValidation}, []string{"billing_address.city", "billing_address.name"}},
		{"bad currency", func(in *order.PlaceInput) { in.Currency = "XYZ" }, []error{oms.ErrValidation}, []string{"currency"}},
		{"bad email", func(in *order.PlaceInput) { in.Customer.Email = "ada" }, []error{oms.ErrValidation}, []string{"customer.email"}},
		{"line discount above subtotal", func(in *order.PlaceInput) {
			in.Lines[1].Discounts = []order.Discount{{Amount: usd("20.01")}}
		}, []error{oms.ErrValidation}, []string{"lines[1].discounts"}},
		{"zero discount", func(in *order.PlaceInput) { in.Discounts[0].Amount = usd("0") }, []error{oms.ErrValidation}, []string{"discounts[0].amount"}},
		{"order discount above the lines", func(in *order.PlaceInput) { in.Discounts[0].Amount = usd("56.01") }, []error{oms.ErrValidation}, []string{"discounts"}},
		{"negative shipping", func(in *order.PlaceInput) { in.ShippingCharge = usd("-5.00") }, []error{oms.ErrValidation}, []string{"shipping_charge"}},
		{"bad capture policy", func(in *order.PlaceInput) { in.CapturePolicy = "whenever" }, []error{oms.ErrValidation}, []string{"capture_policy"}},
		{"payment method without a gateway", func(in *order.PlaceInput) {
			in.Payment = order.PaymentInput{Method: "tok_visa"}
		}, []error{oms.ErrValidation}, []string{"payment.method"}},
		{"authorization without reference", func(in *order.PlaceInput) { in.Payment.Reference = "" }, []error{oms.ErrValidation}, []string{"payment.reference"}},
		{"bad idempotency key", func(in *order.PlaceInput) { in.IdempotencyKey = "has space" }, []error{oms.ErrValidation}, []string{"idempotency_key"}},
		{"negative weight", func(in *order.PlaceInput) { in.Lines[0].UnitWeight = -1 }, []error{oms.ErrValidation}, []string{"lines[0].unit_weight"}},
		{"bad dimensions", func(in *order.PlaceInput) { in.Lines[0].UnitDimensions = oms.DimensionsMM(10, 0, 5) },
			[]error{oms.ErrValidation}, []string{"lines[0].unit_dimensions.width"}},
		{"promise window reversed", func(in *order.PlaceInput) {
			in.Shipping.PromisedFrom = oms.NewDate(2026, 3, 5)
			in.Shipping.PromisedBy = oms.NewDate(2026, 3, 4)
		}, []error{oms.ErrValidation}, []string{"shipping.promised_by"}},
		{"control characters in a note", func(in *order.PlaceInput) { in.Note = "hi\x00" }, []error{oms.ErrValidation}, []string{"note"}},
		{"every problem at once", func(in *order.PlaceInput) {
			in.Lines[0].Quantity = 0
			in.Lines[1].UnitPrice = oms.MustParseMoney("1 EUR")
			in.ShippingAddress.Country = ""
			in.Customer.Email = ""
		}, []error{oms.ErrValidation, oms.ErrCurrencyMismatch}, []string{"lines[0].quantity", "lines[1].unit_price", "shipping_address.country", "customer.email"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, store := newShop()
			in := sampleInput()
			tt.change(&in)
			o, err := svc.Place(context.Background(), in)
			if o != nil {
				t.Errorf("Place returned an order with an error")
			}
			checkKinds(t, err, tt.kinds)
			checkFields(t, err, tt.fields)
			if n := len(store.Outbox().Events("")); n != 0 {
				t.Errorf("refused Place saved %d events", n)
			}
			page, _ := store.ListByCustomer(context.Background(), in.Customer.ID, order.PageRequest{})
			if len(page.Orders) != 0 {
				t.Errorf("refused Place saved an order")
			}
			if _, err := store.GetByIdempotencyKey(context.Background(), in.IdempotencyKey); !errors.Is(err, oms.ErrNotFound) {
				t.Errorf("refused Place used the idempotency key: %v", err)
			}
		})
	}
}

// stage brings a new order to a point in its life.
type stage int

const (
	placed stage = iota
	confirmed
	allocated // every unit allocated
	shipped   // one mug packed and shipped
	completed // every unit delivered
)

func orderAt(t *testing.T, svc *order.Service, s stage) *order.Order {
	t.Helper()
	ctx := context.Background()
	o, err := svc.Place(ctx, sampleInput())
	if err != nil {
		t.Fatal(err)
	}
	must := func(r *order.Order, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		o = r
	}
	all := []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 3}, {LineID: o.Lines[1].ID, Quantity: 1}}
	one := []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 1}}
	if s >= confirmed {
		must(svc.Confirm(ctx, o.ID))
	}
	if s >= allocated {
		must(svc.RecordAllocation(ctx, o.ID, order.CounterInput{Key: "a1", Lines: all}))
	}
	if s == shipped {
		must(svc.RecordFulfillment(ctx, o.ID, order.CounterInput{Key: "f1", Lines: one}))
		must(svc.RecordShipment(ctx, o.ID, order.CounterInput{Key: "s1", Lines: one}))
	}
	if s >= completed {
		must(svc.RecordFulfillment(ctx, o.ID, order.CounterInput{Key: "f1", Lines: all}))
		must(svc.RecordShipment(ctx, o.ID, order.CounterInput{Key: "s1", Lines: all}))
		must(svc.RecordDelivery(ctx, o.ID, order.CounterInput{Key: "d1", Lines: all}))
	}
	return o
}

func TestCommandBadInput(t *testing.T) {
	type run func(ctx context.Context, svc *order.Service, o *order.Order) error
	lq := func(id oms.ID, q int64) []order.LineQuantity { return []order.LineQuantity{{LineID: id, Quantity: q}} }
	tests := []struct {
		name   string
		at     stage
		run    run
		kinds  []error
		fields []string
	}{
		{"allocate past quantity", confirmed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.RecordAllocation(ctx, o.ID, order.CounterInput{Key: "k", Lines: lq(o.Lines[0].ID, 4)})
			return err
		}, []error{oms.ErrValidation}, []string{"lines[0].quantity"}},
		{"pack past allocated", allocated, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.RecordFulfillment(ctx, o.ID, order.CounterInput{Key: "k", Lines: []order.LineQuantity{{LineID: o.Lines[1].ID, Quantity: 1}, {LineID: o.Lines[0].ID, Quantity: 4}}})
			return err
		}, []error{oms.ErrValidation}, []string{"lines[1].quantity"}},
		{"ship past packed", allocated, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.RecordShipment(ctx, o.ID, order.CounterInput{Key: "k", Lines: lq(o.Lines[0].ID, 1)})
			return err
		}, []error{oms.ErrValidation}, []string{"lines[0].quantity"}},
		{"deliver past shipped", shipped, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.RecordDelivery(ctx, o.ID, order.CounterInput{Key: "k", Lines: lq(o.Lines[0].ID, 2)})
			return err
		}, []error{oms.ErrValidation}, []string{"lines[0].quantity"}},
		{"return past delivered", completed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.RecordReturn(ctx, o.ID, order.CounterInput{Key: "k", Lines: lq(o.Lines[1].ID, 2)})
			return err
		}, []error{oms.ErrValidation}, []string{"lines[0].quantity"}},
		{"zero and negative quantities", confirmed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.RecordAllocation(ctx, o.ID, order.CounterInput{Key: "k", Lines: []order.LineQuantity{{LineID: o.Lines[0].ID}, {LineID: o.Lines[1].ID, Quantity: -1}}})
			return err
		}, []error{oms.ErrValidation}, []string{"lines[0].quantity", "lines[1].quantity"}},
		{"unknown line", confirmed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.RecordAllocation(ctx, o.ID, order.CounterInput{Key: "k", Lines: lq("nope", 1)})
			return err
		}, []error{oms.ErrValidation}, []string{"lines[0].line_id"}},
		{"line twice", confirmed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.RecordAllocation(ctx, o.ID, order.CounterInput{Key: "k", Lines: append(lq(o.Lines[0].ID, 1), lq(o.Lines[0].ID, 1)...)})
			return err
		}, []error{oms.ErrValidation}, []string{"lines[1].line_id"}},
		{"no lines and no key", confirmed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.RecordAllocation(ctx, o.ID, order.CounterInput{})
			return err
		}, []error{oms.ErrValidation}, []string{"key", "lines"}},
		{"key reused with other content", allocated, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.RecordAllocation(ctx, o.ID, order.CounterInput{Key: "a1", Lines: lq(o.Lines[0].ID, 1)})
			return err
		}, []error{oms.ErrDuplicate}, nil},
		{"allocate a pending order", placed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.RecordAllocation(ctx, o.ID, order.CounterInput{Key: "k", Lines: lq(o.Lines[0].ID, 1)})
			return err
		}, []error{oms.ErrInvalidTransition}, nil},
		{"ship a confirmed order", confirmed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.RecordShipment(ctx, o.ID, order.CounterInput{Key: "k", Lines: lq(o.Lines[0].ID, 1)})
			return err
		}, []error{oms.ErrInvalidTransition}, nil},
		{"return before completion is fine but not from pending", placed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.RecordReturn(ctx, o.ID, order.CounterInput{Key: "k", Lines: lq(o.Lines[0].ID, 1)})
			return err
		}, []error{oms.ErrInvalidTransition}, nil},
		{"cancel after shipping", shipped, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.Cancel(ctx, o.ID, order.CancelInput{Reason: "changed mind"})
			return err
		}, []error{oms.ErrInvalidTransition}, nil},
		{"cancel a completed order", completed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.Cancel(ctx, o.ID, order.CancelInput{})
			return err
		}, []error{oms.ErrInvalidTransition}, nil},
		{"cancel shipped units", shipped, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.CancelLines(ctx, o.ID, order.CancelLinesInput{Lines: lq(o.Lines[0].ID, 3)})
			return err
		}, []error{oms.ErrValidation}, []string{"lines[0].quantity"}},
		{"cancel lines of a completed order", completed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.CancelLines(ctx, o.ID, order.CancelLinesInput{Lines: lq(o.Lines[0].ID, 1)})
			return err
		}, []error{oms.ErrInvalidTransition}, nil},
		{"cancel an unknown line", confirmed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.CancelLines(ctx, o.ID, order.CancelLinesInput{Lines: lq("nope", 1)})
			return err
		}, []error{oms.ErrValidation}, []string{"lines[0].line_id"}},
		{"cancel nothing", confirmed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.CancelLines(ctx, o.ID, order.CancelLinesInput{Reason: "x\x07"})
			return err
		}, []error{oms.ErrValidation}, []string{"lines", "reason"}},
		{"edit unknown SKU", placed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.Edit(ctx, o.ID, order.EditInput{
				Remove: []order.LineRef{{SKU: "HAT"}},
				Change: []order.QuantityChange{{LineRef: order.LineRef{SKU: "SCARF"}, Quantity: 1}},
			})
			return err
		}, []error{oms.ErrValidation}, []string{"remove[0].sku", "change[0].sku"}},
		{"edit unknown line", placed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.Edit(ctx, o.ID, order.EditInput{Remove: []order.LineRef{{LineID: "nope"}, {}}})
			return err
		}, []error{oms.ErrValidation}, []string{"remove[0].line_id", "remove[1]"}},
		{"edit with SKU not matching line", placed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.Edit(ctx, o.ID, order.EditInput{Remove: []order.LineRef{{LineID: o.Lines[0].ID, SKU: "TEE-M"}}})
			return err
		}, []error{oms.ErrValidation}, []string{"remove[0].sku"}},
		{"edit names a line twice", placed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.Edit(ctx, o.ID, order.EditInput{Remove: []order.LineRef{{SKU: "TEE-M"}},
				Change: []order.QuantityChange{{LineRef: order.LineRef{LineID: o.Lines[1].ID}, Quantity: 2}}})
			return err
		}, []error{oms.ErrValidation}, []string{"change[0]"}},
		{"edit to zero quantity", placed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.Edit(ctx, o.ID, order.EditInput{Change: []order.QuantityChange{{LineRef: order.LineRef{SKU: "MUG-BLUE"}, Quantity: 0}}})
			return err
		}, []error{oms.ErrValidation}, []string{"change[0].quantity"}},
		{"edit adds a line in another currency", placed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.Edit(ctx, o.ID, order.EditInput{Add: []order.LineInput{{SKU: "CAP", Quantity: 1, UnitPrice: oms.MustParseMoney("8 EUR")}}})
			return err
		}, []error{oms.ErrValidation, oms.ErrCurrencyMismatch}, []string{"add[0].unit_price"}},
		{"edit adds a bad line", placed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.Edit(ctx, o.ID, order.EditInput{Add: []order.LineInput{{SKU: "", Quantity: -1, UnitPrice: usd("1")}}})
			return err
		}, []error{oms.ErrValidation}, []string{"add[0].sku", "add[0].quantity"}},
		{"empty edit", placed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.Edit(ctx, o.ID, order.EditInput{})
			return err
		}, []error{oms.ErrValidation}, nil},
		{"edit removes every line", placed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.Edit(ctx, o.ID, order.EditInput{Remove: []order.LineRef{{SKU: "TEE-M"}, {SKU: "MUG-BLUE"}}})
			return err
		}, []error{oms.ErrValidation}, []string{"remove"}},
		{"edit an allocated line", allocated, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.Edit(ctx, o.ID, order.EditInput{Change: []order.QuantityChange{{LineRef: order.LineRef{SKU: "MUG-BLUE"}, Quantity: 5}}})
			return err
		}, []error{oms.ErrInvalidTransition}, nil},
		{"edit a completed order", completed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.Edit(ctx, o.ID, order.EditInput{Add: []order.LineInput{{SKU: "CAP", Quantity: 1, UnitPrice: usd("8")}}})
			return err
		}, []error{oms.ErrInvalidTransition}, nil},
		{"hold with unknown reason", placed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.AddHold(ctx, o.ID, order.HoldInput{Reason: "bored"})
			return err
		}, []error{oms.ErrValidation}, []string{"reason"}},
		{"hold a completed order", completed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.AddHold(ctx, o.ID, order.HoldInput{Reason: order.HoldOther})
			return err
		}, []error{oms.ErrInvalidTransition}, nil},
		{"release an unknown hold", placed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.ReleaseHold(ctx, o.ID, "nope", order.ReleaseInput{})
			return err
		}, []error{oms.ErrNotFound}, nil},
		{"release with a bad note", placed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.ReleaseHold(ctx, o.ID, "nope", order.ReleaseInput{Note: strings.Repeat("x", order.MaxTextLength+1)})
			return err
		}, []error{oms.ErrValidation}, []string{"note"}},
		{"confirm twice from processing", allocated, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.Confirm(ctx, o.ID)
			return err
		}, []error{oms.ErrInvalidTransition}, nil},
		{"authorize without a gateway", placed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.AuthorizePayment(ctx, o.ID, order.AuthorizeInput{Key: "k", Method: "tok"})
			return err
		}, []error{oms.ErrUnsupported}, nil},
		{"empty note", placed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.AddNote(ctx, o.ID, "me", "")
			return err
		}, []error{oms.ErrValidation}, []string{"text"}},
		{"cancel with a bad reason", placed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.Cancel(ctx, o.ID, order.CancelInput{Reason: "\xff"})
			return err
		}, []error{oms.ErrValidation}, []string{"reason"}},
		{"unknown order", placed, func(ctx context.Context, s *order.Service, o *order.Order) error {
			_, err := s.Confirm(ctx, "no-such-order")
			return err
		}, []error{oms.ErrNotFound}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, store := newShop()
			o := orderAt(t, svc, tt.at)
			ctx := context.Background()
			before, _ := store.Get(ctx, o.ID)
			nEvents := len(store.Outbox().Events(""))
			err := tt.run(ctx, svc, o)
			checkKinds(t, err, tt.kinds)
			checkFields(t, err, tt.fields)
			after, _ := store.Get(ctx, o.ID)
			if d := ordertest.Diff(before, after); d != "" {
				t.Errorf("refused command changed the order (-before +after):\n%s", d)
			}
			if n := len(store.Outbox().Events("")); n != nEvents {
				t.Errorf("refused command saved %d events", n-nEvents)
			}
		})
	}
}

func TestHoldRefusesAllocationAndFulfillment(t *testing.T) {
	svc, store := newShop()
	ctx := context.Background()
	o := orderAt(t, svc, allocated)
	o, err := svc.AddHold(ctx, o.ID, order.HoldInput{Key: "h1", Reason: order.HoldAddressVerification, By: "ops"})
	if err != nil {
		t.Fatal(err)
	}
	if again, err := svc.AddHold(ctx, o.ID, order.HoldInput{Key: "h1", Reason: order.HoldAddressVerification}); err != nil || again.Version != o.Version {
		t.Errorf("AddHold replay: version %d -> %d, err %v; want no change", o.Version, again.Version, err)
	}
	if _, err := svc.AddHold(ctx, o.ID, order.HoldInput{Key: "h1", Reason: order.HoldOther}); !errors.Is(err, oms.ErrDuplicate) {
		t.Errorf("AddHold key reused for another reason: err = %v, want ErrDuplicate", err)
	}
	o, _ = svc.AddHold(ctx, o.ID, order.HoldInput{Reason: order.HoldCustomerRequest})
	if len(o.OpenHolds()) != 2 {
		t.Fatalf("open holds = %d, want 2", len(o.OpenHolds()))
	}
	before, _ := store.Get(ctx, o.ID)
	_, err = svc.RecordFulfillment(ctx, o.ID, order.CounterInput{Key: "f", Lines: []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 1}}})
	var he *order.HoldError
	if !errors.As(err, &he) || !errors.Is(err, oms.ErrOnHold) || len(he.Holds) != 2 || !strings.Contains(err.Error(), "address_verification, customer_request") {
		t.Errorf("fulfillment on hold: err = %v", err)
	}
	after, _ := store.Get(ctx, o.ID)
	if d := ordertest.Diff(before, after); d != "" {
		t.Errorf("refused fulfillment changed the order:\n%s", d)
	}
	o, _ = svc.ReleaseHold(ctx, o.ID, o.OpenHolds()[0].ID, order.ReleaseInput{By: "ops"})
	if _, err := svc.RecordFulfillment(ctx, o.ID, order.CounterInput{Key: "f", Lines: []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 1}}}); !errors.Is(err, oms.ErrOnHold) {
		t.Errorf("one hold still open: err = %v, want ErrOnHold", err)
	}
	last := o.OpenHolds()[0].ID
	o, _ = svc.ReleaseHold(ctx, o.ID, last, order.ReleaseInput{By: "ops"})
	v := o.Version
	if o, err = svc.ReleaseHold(ctx, o.ID, last, order.ReleaseInput{By: "ops"}); err != nil || o.Version != v {
		t.Errorf("releasing a released hold: version %d -> %d, err %v", v, o.Version, err)
	}
	o, err = svc.RecordFulfillment(ctx, o.ID, order.CounterInput{Key: "f", Lines: []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 1}}})
	if err != nil || o.Lines[0].Fulfilled != 1 {
		t.Errorf("after the last release: fulfilled %d, err %v", o.Lines[0].Fulfilled, err)
	}
	// Shipment and delivery are facts from the carrier: a hold does not refuse them.
	o, _ = svc.AddHold(ctx, o.ID, order.HoldInput{Reason: order.HoldOther})
	if _, err := svc.RecordShipment(ctx, o.ID, order.CounterInput{Key: "s", Lines: []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 1}}}); err != nil {
		t.Errorf("shipment while held: %v", err)
	}
	if diff := cmp.Diff([]string{"address_verification", "customer_request", "other"}, reasons(o.Holds)); diff != "" {
		t.Errorf("holds (-want +got):\n%s", diff)
	}
}

func reasons(hs []order.Hold) []string {
	var out []string
	for _, h := range hs {
		out = append(out, string(h.Reason))
	}
	return out
}

// A counter move so large that adding it to the counter overflows int64
// must be refused like any other move past the bound, not wrap around to
// a negative counter.
func TestCounterMoveOverflowRefused(t *testing.T) {
	svc, store := newShop()
	ctx := context.Background()
	o := orderAt(t, svc, allocated)
	mug := o.Lines[0].ID
	if _, err := svc.RecordFulfillment(ctx, o.ID, order.CounterInput{Key: "f1", Lines: []order.LineQuantity{{LineID: mug, Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		fn   func(context.Context, oms.ID, order.CounterInput) (*order.Order, error)
	}{{"allocate", svc.RecordAllocation}, {"fulfill", svc.RecordFulfillment}} {
		before, _ := store.Get(ctx, o.ID)
		n := len(store.Outbox().Events(o.ID))
		_, err := c.fn(ctx, o.ID, order.CounterInput{Key: "huge-" + c.name, Lines: []order.LineQuantity{{LineID: mug, Quantity: math.MaxInt64}}})
		checkKinds(t, err, []error{oms.ErrValidation})
		checkFields(t, err, []string{"lines[0].quantity"})
		after, _ := store.Get(ctx, o.ID)
		if d := ordertest.Diff(before, after); d != "" {
			t.Errorf("%s: refused move changed the order (-before +after):\n%s", c.name, d)
		}
		if err := after.CheckCounters(); err != nil {
			t.Errorf("%s: counters out of bounds: %v", c.name, err)
		}
		if k := len(store.Outbox().Events(o.ID)); k != n {
			t.Errorf("%s: refused move saved %d events", c.name, k-n)
		}
	}
}

// Place requires a shipping address when any line ships; an edit that adds
// a shipped line to an order placed without one (digital goods only) must
// be refused the same way, naming the problem, and change nothing.
func TestEditAddingShippedLineNeedsAddress(t *testing.T) {
	svc, store := newShop()
	ctx := context.Background()
	in := sampleInput()
	in.ShippingAddress = oms.Address{}
	for i := range in.Lines {
		in.Lines[i].NoShipping = true
	}
	o, err := svc.Place(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := store.Get(ctx, o.ID)
	_, err = svc.Edit(ctx, o.ID, order.EditInput{Add: []order.LineInput{
		{SKU: "EBOOK", Quantity: 1, UnitPrice: usd("3.00"), NoShipping: true},
		{SKU: "CAP", Quantity: 1, UnitPrice: usd("8.00")},
	}})
	checkKinds(t, err, []error{oms.ErrValidation})
	checkFields(t, err, []string{"add[1].no_shipping"})
	after, _ := store.Get(ctx, o.ID)
	if d := ordertest.Diff(before, after); d != "" {
		t.Errorf("refused edit changed the order (-before +after):\n%s", d)
	}
	// Digital lines can still be added.
	if _, err := svc.Edit(ctx, o.ID, order.EditInput{Add: []order.LineInput{{SKU: "EBOOK", Quantity: 1, UnitPrice: usd("3.00"), NoShipping: true}}}); err != nil {
		t.Errorf("adding a digital line: %v", err)
	}
}
