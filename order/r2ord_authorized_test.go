package order_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/omskit/oms"
	"github.com/shopspring/decimal"
)

// TestPlaceRefusesAnAuthorizationTooLargeToRecord: Place refuses carts
// whose totals reach 1e38 USD, which no oms.Money can be written with,
// but took an authorization the host reports (PaymentInput.Authorized)
// of any size its exponent allows: 1e40 USD was saved as the order's
// authorized amount and transaction, and the order no longer marshalled
// (a JSON store cannot save it, a relay cannot carry it). Quote and Place
// now refuse it with oms.ErrValidation naming payment.authorized, and
// nothing is saved.
func TestPlaceRefusesAnAuthorizationTooLargeToRecord(t *testing.T) {
	ctx := context.Background()
	for _, exp := range []int32{38, 40} {
		svc, store := newShop()
		in := sampleInput()
		in.Payment.Authorized, _ = oms.NewMoney(decimal.New(1, exp), oms.USD)
		o, err := svc.Place(ctx, in)
		if err == nil {
			_, jerr := json.Marshal(o)
			t.Errorf("authorized 1e%d USD: placed (JSON of the order: %v), want oms.ErrValidation", exp, jerr)
			continue
		}
		if !errors.Is(err, oms.ErrValidation) || !containsField(err, "payment.authorized") {
			t.Errorf("authorized 1e%d USD: %v, want oms.ErrValidation naming payment.authorized", exp, err)
		}
		if _, err := store.GetByIdempotencyKey(ctx, in.IdempotencyKey); !errors.Is(err, oms.ErrNotFound) {
			t.Errorf("the refused Place saved an order (%v)", err)
		}
		if _, err := svc.Quote(ctx, in); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("Quote with authorized 1e%d USD: %v, want oms.ErrValidation as Place", exp, err)
		}
	}
}

func containsField(err error, field string) bool {
	var ve *oms.ValidationError
	if !errors.As(err, &ve) {
		return false
	}
	for _, p := range ve.Problems {
		if p.Field == field {
			return true
		}
	}
	return false
}
