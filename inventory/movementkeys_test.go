package inventory_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/inventory/inventorytest"
)

var ctx = context.Background()

// TestMovementKeysRefusedWhenMalformed: a key that is not 1 to 128
// printable ASCII bytes is refused, naming the key, and nothing moves.
func TestMovementKeysRefusedWhenMalformed(t *testing.T) {
	e := inventorytest.NewEnv(inventory.NewMemoryStore(nil))
	inventorytest.Stock(t, e.Service, []oms.ID{"wh"}, []oms.SKU{"A"}, 10)
	for _, key := range []string{"has space", strings.Repeat("k", 129), "tab\t", "é"} {
		calls := map[string]func() error{
			"receive": func() error {
				_, err := e.Service.Receive(ctx, inventory.Receipt{SKU: "A", Location: "wh", Quantity: 1, Key: key})
				return err
			},
			"adjust": func() error {
				_, err := e.Service.Adjust(ctx, inventory.Adjustment{SKU: "A", Location: "wh", Reason: inventory.ReasonFound, Quantity: 1, Key: key})
				return err
			},
			"count": func() error {
				_, err := e.Service.Count(ctx, inventory.Count{SKU: "A", Location: "wh", Counted: 3, Key: key})
				return err
			},
			"restock": func() error {
				_, err := e.Service.Restock(ctx, inventory.ReturnRestock{SKU: "A", Location: "wh", Quantity: 1, Key: key})
				return err
			},
		}
		for name, call := range calls {
			err := call()
			var ve *oms.ValidationError
			if !errors.As(err, &ve) || !ve.Has("key") {
				t.Errorf("%s with key %.12q: err = %v, want a validation error naming key", name, key, err)
			}
		}
	}
	if lv, _ := e.Service.Level(ctx, "A", "wh"); lv.OnHand != 10 {
		t.Errorf("on hand %d after refused movements, want 10", lv.OnHand)
	}
	// A key of 128 bytes is fine, and its repeat moves nothing.
	key := strings.Repeat("k", 128)
	for range 2 {
		if _, err := e.Service.Adjust(ctx, inventory.Adjustment{SKU: "A", Location: "wh", Reason: inventory.ReasonFound, Quantity: 2, Key: key}); err != nil {
			t.Fatal(err)
		}
	}
	if lv, _ := e.Service.Level(ctx, "A", "wh"); lv.OnHand != 12 {
		t.Errorf("on hand %d, want 12", lv.OnHand)
	}
}

// TestKeyedReceiptAgainstAClosedDeliveryIsAReplay: the repeat of the
// receipt that closed a delivery answers the first entry rather than
// "expects 0 more units".
func TestKeyedReceiptAgainstAClosedDeliveryIsAReplay(t *testing.T) {
	e := inventorytest.NewEnv(inventory.NewMemoryStore(nil))
	inventorytest.Stock(t, e.Service, []oms.ID{"wh"}, []oms.SKU{"A"}, 0)
	in, err := e.Service.Expect(ctx, inventory.Expectation{ID: "po-7", SKU: "A", Location: "wh", Quantity: 4})
	if err != nil {
		t.Fatal(err)
	}
	first, err := e.Service.Receive(ctx, inventory.Receipt{InboundID: in.ID, Quantity: 4, Key: "po-7-dock"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.Service.Receive(ctx, inventory.Receipt{InboundID: in.ID, Quantity: 4, Key: "po-7-dock"})
	if err != nil || again.Seq != first.Seq {
		t.Fatalf("repeat: %+v, %v; want entry %d", again, err, first.Seq)
	}
	if _, err := e.Service.Receive(ctx, inventory.Receipt{InboundID: in.ID, Quantity: 3, Key: "po-7-dock"}); !errors.Is(err, oms.ErrDuplicate) {
		t.Errorf("same key, other units: %v, want ErrDuplicate", err)
	}
	if lv, _ := e.Service.Level(ctx, "A", "wh"); lv.OnHand != 4 || lv.Incoming != 0 {
		t.Errorf("level %+v, want 4 on hand, none incoming", lv)
	}
}
