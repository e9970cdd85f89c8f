package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/order"
)

func usd(s string) oms.Money { return oms.MustParseMoney(s + " USD") }

func placeInput(key string) order.PlaceInput {
	return order.PlaceInput{
		IdempotencyKey: key,
		Currency:       oms.USD,
		Customer:       order.Customer{ID: "cus_1", Email: "ada@example.com", Name: "Ada Lovelace"},
		ShippingAddress: oms.Address{Name: "Ada Lovelace", Line1: "12 St James's Sq", City: "Springfield",
			Region: "IL", PostalCode: "62701", Country: "US"},
		Shipping: order.ShippingOption{ServiceLevel: oms.LevelStandard, Name: "Standard (3-5 days)"},
		Lines: []order.LineInput{
			{SKU: "MUG-BLUE", Name: "Blue mug", Quantity: 3, UnitPrice: usd("12.00"), Tax: usd("2.88")},
			{SKU: "TEE-M", Name: "T-shirt M", Quantity: 1, UnitPrice: usd("20.00"), Tax: usd("1.60")},
		},
		ShippingCharge: usd("5.00"),
		Payment:        order.PaymentInput{Authorized: usd("74.48"), Reference: "auth_123"},
	}
}

// instantOpts compares times by instant (a JSON document keeps the offset,
// not the zone's name).
var instantOpts = cmp.Options{cmp.Comparer(func(x, y time.Time) bool { return x.Equal(y) })}

// TestOrderPlacedByAClockWithAnOffsetOfSecondsIsKeptAndUpdated: a clock
// reading in a zone whose offset has seconds (New York's local mean time,
// -4:56:02, which time.LoadLocation gives for early years) made an order
// whose JSON document held another instant (RFC 3339 writes offsets in
// whole minutes), so the adapter returned other times than the memory
// store and every later Update found the stored creation time changed and
// was refused as a conflict: the order could never move.
func TestOrderPlacedByAClockWithAnOffsetOfSecondsIsKeptAndUpdated(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	lmt := time.FixedZone("LMT", -(4*3600 + 56*60 + 2))
	run := func(s order.Store) (*order.Order, error) {
		clock := oms.NewManualClock(time.Date(2026, 3, 1, 9, 30, 0, 0, lmt))
		svc := order.NewService(s, &order.ServiceOptions{Clock: clock})
		o, err := svc.Place(ctx, placeInput("cart-lmt"))
		if err != nil {
			return nil, err
		}
		clock.Advance(time.Minute)
		if _, err := svc.Confirm(ctx, o.ID); err != nil {
			return nil, err
		}
		clock.Advance(time.Minute)
		if _, err := svc.AddNote(ctx, o.ID, "ops", "call before delivery"); err != nil {
			return nil, err
		}
		return s.Get(ctx, o.ID)
	}
	want, err := run(order.NewMemoryStore(nil))
	if err != nil {
		t.Fatalf("memory store: %v", err)
	}
	got, err := run(db.Orders())
	if err != nil {
		t.Fatalf("pgstore: %v", err)
	}
	if d := cmp.Diff(want, got, instantOpts); d != "" {
		t.Errorf("order (-memory +pgstore):\n%s", d)
	}
}

// TestInventoryOnAClockWithAnOffsetOfSecondsKeepsItsTimes: the inventory
// service stamps reservations and ledger entries with its clock's reading
// as it is; in a zone whose offset has seconds the adapter's JSON
// documents held another instant, so reservations and ledger entries came
// back with other times than the memory store's.
func TestInventoryOnAClockWithAnOffsetOfSecondsKeepsItsTimes(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	lmt := time.FixedZone("LMT", -(4*3600 + 56*60 + 2))
	type result struct {
		Reservation inventory.Reservation
		Ledger      []inventory.LedgerEntry
	}
	run := func(s inventory.Store) (result, error) {
		clock := oms.NewManualClock(time.Date(2026, 3, 1, 9, 30, 0, 0, lmt))
		svc := inventory.NewService(s, &inventory.ServiceOptions{Clock: clock})
		if err := svc.PutLocation(ctx, inventory.Location{ID: "wh", Name: "W", Kind: inventory.KindWarehouse, Active: true, Ships: true}); err != nil {
			return result{}, err
		}
		if err := svc.PutItem(ctx, inventory.Item{SKU: "S1", Tracked: true}); err != nil {
			return result{}, err
		}
		if _, err := svc.Receive(ctx, inventory.Receipt{SKU: "S1", Location: "wh", Quantity: 10}); err != nil {
			return result{}, err
		}
		clock.Advance(time.Minute)
		if _, err := svc.Reserve(ctx, inventory.ReserveRequest{ID: "R1", Reference: "cart",
			Lines: []inventory.Line{{SKU: "S1", Location: "wh", Quantity: 3}}}); err != nil {
			return result{}, err
		}
		clock.Advance(time.Minute)
		if _, err := svc.Commit(ctx, inventory.CommitRequest{Key: "c1", Reservation: "R1",
			Lines: []inventory.Line{{SKU: "S1", Location: "wh", Quantity: 1}}}); err != nil {
			return result{}, err
		}
		r, err := svc.Reservation(ctx, "R1")
		if err != nil {
			return result{}, err
		}
		l, err := svc.Ledger(ctx, inventory.LedgerFilter{SKU: "S1"})
		return result{r, l}, err
	}
	want, err := run(inventory.NewMemoryStore(nil))
	if err != nil {
		t.Fatalf("memory store: %v", err)
	}
	got, err := run(db.Inventory())
	if err != nil {
		t.Fatalf("pgstore: %v", err)
	}
	if d := cmp.Diff(want, got, instantOpts); d != "" {
		t.Errorf("(-memory +pgstore):\n%s", d)
	}
}

// TestOrderTimesJSONCannotSpellInTheirZoneAreKept: an order whose times
// RFC 3339 cannot spell in their own zone (an offset with seconds, of a
// day or more, year 10000 in a zone east of UTC) is kept by the memory
// store; the adapter stored another instant or refused it.
func TestOrderTimesJSONCannotSpellInTheirZoneAreKept(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	for _, at := range []time.Time{
		time.Date(2026, 1, 1, 10, 0, 0, 0, time.FixedZone("", 30)),
		time.Date(2026, 1, 1, 10, 0, 0, 0, time.FixedZone("", 25*3600)),
		time.Date(10000, 1, 1, 0, 30, 0, 0, time.FixedZone("", 3600)),
	} {
		for _, s := range []order.Store{order.NewMemoryStore(nil), db.Orders()} {
			o := &order.Order{ID: oms.NewID(), Customer: order.Customer{ID: "C1"}, Status: order.StatusPending, Version: 1,
				Currency: "USD", CreatedAt: at, UpdatedAt: at, Notes: []order.Note{{Text: "n", At: at}}}
			if err := s.Create(ctx, o, nil); err != nil {
				t.Errorf("%T.Create at %v: %v", s, at, err)
				continue
			}
			next := o.Clone()
			next.Version = 2
			if err := s.Update(ctx, next, 1, nil); err != nil {
				t.Errorf("%T.Update at %v: %v", s, at, err)
			}
			got, err := s.Get(ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !got.CreatedAt.Equal(at) || !got.UpdatedAt.Equal(at) || !got.Notes[0].At.Equal(at) {
				t.Errorf("%T: times %v, %v, %v; want %v", s, got.CreatedAt, got.UpdatedAt, got.Notes[0].At, at)
			}
		}
	}
}
