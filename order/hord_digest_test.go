package order_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// TestKeyedReplayWithOtherInputIsDuplicateEvenWhenItPrintsAlike: the
// digest of a keyed command's input was its fmt %v text, in which free
// text runs into the fields beside it, so two different inputs could
// print alike: a second call under a used key with other input was taken
// for a replay, answered with success, and its change silently dropped.
// Each pair below differs; the second call must match oms.ErrDuplicate and
// change nothing.
func TestKeyedReplayWithOtherInputIsDuplicateEvenWhenItPrintsAlike(t *testing.T) {
	ctx := context.Background()
	type call func(svc *order.Service, o *order.Order) (*order.Order, error)
	lq := func(id oms.ID, q int64) []order.LineQuantity { return []order.LineQuantity{{LineID: id, Quantity: q}} }
	line := func(sku oms.SKU, name string) order.LineInput {
		return order.LineInput{SKU: sku, Name: name, Quantity: 1, UnitPrice: usd("1.00")}
	}
	tests := []struct {
		name        string
		at          stage
		first, then call
	}{
		{"cancel_lines: packed flag vs reason", allocated,
			func(svc *order.Service, o *order.Order) (*order.Order, error) {
				return svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Key: "k", Lines: lq(o.Lines[0].ID, 1), Reason: "r", Packed: true})
			},
			func(svc *order.Service, o *order.Order) (*order.Order, error) {
				return svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Key: "k", Lines: lq(o.Lines[0].ID, 1), Reason: "r packed"})
			}},
		{"cancel_lines: pack key vs reason", allocated,
			func(svc *order.Service, o *order.Order) (*order.Order, error) {
				return svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Key: "k", Lines: lq(o.Lines[0].ID, 1), Reason: "r true pack_key fo-1"})
			},
			func(svc *order.Service, o *order.Order) (*order.Order, error) {
				return svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Key: "k", Lines: lq(o.Lines[0].ID, 1), Reason: "r", Packed: true, PackKey: "fo-1"})
			}},
		{"edit: discount code vs description", placed,
			func(svc *order.Service, o *order.Order) (*order.Order, error) {
				l := line("CAP", "Cap")
				l.Discounts = []order.Discount{{Code: "a", Description: " b", Amount: usd("0.10")}}
				return svc.Edit(ctx, o.ID, order.EditInput{Key: "k", Add: []order.LineInput{l}})
			},
			func(svc *order.Service, o *order.Order) (*order.Order, error) {
				l := line("CAP", "Cap")
				l.Discounts = []order.Discount{{Code: "a ", Description: "b", Amount: usd("0.10")}}
				return svc.Edit(ctx, o.ID, order.EditInput{Key: "k", Add: []order.LineInput{l}})
			}},
		{"edit: two lines vs one line named like two", placed,
			func(svc *order.Service, o *order.Order) (*order.Order, error) {
				return svc.Edit(ctx, o.ID, order.EditInput{Key: "k", Add: []order.LineInput{line("CAP", "x"), line("HAT", "y")}})
			},
			func(svc *order.Service, o *order.Order) (*order.Order, error) {
				return svc.Edit(ctx, o.ID, order.EditInput{Key: "k", Add: []order.LineInput{line("CAP", "x 1 1.00 USD [] 0  0g 0mmx0mmx0mm false} {HAT y")}})
			}},
		{"shipment: reference vs lines", allocated,
			func(svc *order.Service, o *order.Order) (*order.Order, error) {
				if _, err := svc.RecordFulfillment(ctx, o.ID, order.CounterInput{Key: "f", Lines: lq(o.Lines[0].ID, 2)}); err != nil {
					return nil, err
				}
				return svc.RecordShipment(ctx, o.ID, order.CounterInput{Key: "k", Lines: lq(o.Lines[0].ID, 1), Reference: "x"})
			},
			func(svc *order.Service, o *order.Order) (*order.Order, error) {
				return svc.RecordShipment(ctx, o.ID, order.CounterInput{Key: "k", Lines: lq(o.Lines[0].ID, 1), Reference: "x"})
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, _ := newShop()
			o := orderAt(t, svc, tt.at)
			o, err := tt.first(svc, o)
			if err != nil {
				t.Fatalf("first call: %v", err)
			}
			got, err := tt.then(svc, o)
			if tt.name == "shipment: reference vs lines" { // the control: a true replay
				if err != nil || got.Version != o.Version {
					t.Fatalf("a true replay: %v, want the first result", err)
				}
				return
			}
			if !errors.Is(err, oms.ErrDuplicate) {
				t.Errorf("same key, other input: %v, want oms.ErrDuplicate", err)
			}
			if now, _ := svc.Get(ctx, o.ID); now.Version != o.Version {
				t.Errorf("version %d after the refused call, want %d", now.Version, o.Version)
			}
		})
	}
}

// TestKeyedReplayOfTheSameInputIsStillAReplay: the unambiguous digest
// reads content, not identity: an edit repeated with its tax change in
// a fresh *oms.Money, and a refund repeated, replay and change nothing.
func TestKeyedReplayOfTheSameInputIsStillAReplay(t *testing.T) {
	ctx := context.Background()
	ok := must(t)
	svc, _ := newShop()
	o := orderAt(t, svc, placed)
	edit := func() order.EditInput {
		tax := usd("1.00")
		return order.EditInput{Key: "e", Change: []order.QuantityChange{{LineRef: order.LineRef{LineID: o.Lines[1].ID}, Quantity: 2, Tax: &tax}}}
	}
	o = ok(svc.Edit(ctx, o.ID, edit()))
	if again := ok(svc.Edit(ctx, o.ID, edit())); again.Version != o.Version {
		t.Errorf("the edit replayed to version %d, want %d", again.Version, o.Version)
	}
}

// TestKeysRecordedWithTheLegacyDigestStillReplay: an order saved by an
// earlier version carries the legacy digest (the %v text's hash) for
// the keys it applied; a replay of such a command with the same content
// is still a replay, and other content is still refused.
func TestKeysRecordedWithTheLegacyDigestStillReplay(t *testing.T) {
	ctx := context.Background()
	ok := must(t)
	svc, store := newShop()
	o := orderAt(t, svc, allocated)
	lines := []order.LineQuantity{{LineID: o.Lines[0].ID, Quantity: 1}}
	o = ok(svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Key: "c", Lines: lines, Reason: "r", Packed: true}))
	legacy := func(parts ...any) string {
		h := sha256.Sum256(fmt.Appendf(nil, "%v", parts))
		return hex.EncodeToString(h[:12])
	}
	for i, k := range o.AppliedKeys {
		if k.Key == "cancel_lines:c" {
			o.AppliedKeys[i].Digest = legacy("cancel_lines", lines, "r", "packed")
		}
	}
	o.Version++
	if err := store.Update(ctx, o, o.Version-1, nil); err != nil {
		t.Fatal(err)
	}
	o = ok(svc.Get(ctx, o.ID))
	if again := ok(svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Key: "c", Lines: lines, Reason: "r", Packed: true})); again.Version != o.Version {
		t.Errorf("the replay saved version %d, want %d", again.Version, o.Version)
	}
	if _, err := svc.CancelLines(ctx, o.ID, order.CancelLinesInput{Key: "c", Lines: lines, Reason: "other"}); !errors.Is(err, oms.ErrDuplicate) {
		t.Errorf("other content under the key: %v, want oms.ErrDuplicate", err)
	}
}
