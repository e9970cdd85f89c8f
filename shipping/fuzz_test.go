package shipping_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/shipping/shippingtest"
)

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-11-23", "", "2026-02-30", "0000-01-01", "9999-12-31", "2026-1-1", "abc", "2026-11-23T10:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := oms.ParseDate(s)
		if err != nil {
			if !errors.Is(err, oms.ErrValidation) {
				t.Fatalf("ParseDate(%q) error %v does not match ErrValidation", s, err)
			}
			return
		}
		back, err := oms.ParseDate(d.String())
		if err != nil || back != d {
			t.Fatalf("round trip of %q: %v %v", s, back, err)
		}
		var j oms.Date
		if err := json.Unmarshal([]byte(`"`+d.String()+`"`), &j); err != nil || j != d {
			t.Fatalf("JSON of %s: %v %v", d, j, err)
		}
	})
}

// FuzzRateRequestJSON feeds outside JSON to RateRequest and a
// TableRateCarrier: nothing panics, errors are of the documented kinds, and
// every rate returned is well-formed.
func FuzzRateRequestJSON(f *testing.F) {
	seed, _ := json.Marshal(shippingtest.DefaultRequest())
	f.Add(string(seed))
	f.Add(`{"origin":{"country":"US"},"destination":{"country":"FR","postal_code":"75001"},"parcels":[{"dimensions":{"length":100000,"width":100000,"height":100000},"weight":900000}]}`)
	f.Add(`{"origin":{"country":"US"},"destination":{"country":"US","region":"NY","postal_code":"10001"},"parcels":[{"dimensions":{"length":1,"width":1,"height":1},"weight":1}],"levels":["same_day"],"ship_date":"2026-11-21"}`)
	f.Add(`{"parcels":[{"weight":-1}],"levels":["warp"],"currency":"ZZZ"}`)
	f.Add(`{"destination":{"country":"US"},"parcels":[{"dimensions":{"length":9223372036854775807,"width":2,"height":2},"weight":9223372036854775807}]}`)
	c := tableCarrier(f)
	f.Fuzz(func(t *testing.T, s string) {
		var req shipping.RateRequest
		if err := json.Unmarshal([]byte(s), &req); err != nil {
			return
		}
		verr := req.Validate()
		if verr != nil && !errors.Is(verr, oms.ErrValidation) {
			t.Fatalf("Validate: %v", verr)
		}
		rates, err := c.Rates(context.Background(), req)
		switch {
		case err == nil:
			if verr != nil {
				t.Fatalf("rated an invalid request: %v", verr)
			}
			for _, r := range rates {
				if e := r.Validate(); e != nil {
					t.Fatalf("malformed rate %+v: %v", r, e)
				}
			}
		case errors.Is(err, oms.ErrValidation), errors.Is(err, shipping.ErrNoService):
		default:
			t.Fatalf("unexpected error kind: %v", err)
		}
	})
}
