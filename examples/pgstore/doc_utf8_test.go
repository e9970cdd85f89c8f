package pgstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
)

// TestDocumentsWithBytesThatAreNotUTF8AreRefused: a value saved inside a
// JSONB document (an order's metadata, say) with bytes that are not UTF-8
// was written with each bad byte turned into U+FFFD, so the order read
// back differed from the one saved, silently. It is now refused with an
// error matching oms.ErrValidation, as the same bytes in a text column
// are, and nothing is written. Text that merely contains U+FFFD, or the
// six characters \ufffd, is kept as it is.
func TestDocumentsWithBytesThatAreNotUTF8AreRefused(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	newOrder := func(meta map[string]string) *order.Order {
		return &order.Order{ID: oms.NewID(), Status: order.StatusPending, Version: 1, Currency: "USD",
			CreatedAt: at, UpdatedAt: at, Metadata: meta}
	}
	for _, meta := range []map[string]string{{"gift": "caf\xe9"}, {"\xff": "x"}, {"note": `\` + "\xc3"}} {
		o := newOrder(meta)
		err := db.Orders().Create(ctx, o, nil)
		if !errors.Is(err, oms.ErrValidation) {
			t.Errorf("Create with metadata %q = %v, want oms.ErrValidation", meta, err)
		}
		if _, err := db.Orders().Get(ctx, o.ID); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("order with metadata %q was saved (Get: %v)", meta, err)
		}
	}
	for _, v := range []string{"\uFFFD", `\ufffd`, `\\ufffd`, `a\` + "\uFFFD"} {
		o := newOrder(map[string]string{"k": v})
		if err := db.Orders().Create(ctx, o, nil); err != nil {
			t.Errorf("Create with metadata %q: %v", v, err)
			continue
		}
		got, err := db.Orders().Get(ctx, o.ID)
		if err != nil || got.Metadata["k"] != v {
			t.Errorf("metadata %q read back as %q (%v)", v, got.Metadata["k"], err)
		}
	}
}
