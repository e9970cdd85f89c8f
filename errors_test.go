package oms

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSentinels(t *testing.T) {
	all := map[string]error{
		"ErrNotFound": ErrNotFound, "ErrConflict": ErrConflict, "ErrInvalidTransition": ErrInvalidTransition,
		"ErrInsufficientStock": ErrInsufficientStock, "ErrValidation": ErrValidation,
		"ErrCurrencyMismatch": ErrCurrencyMismatch, "ErrDuplicate": ErrDuplicate, "ErrOnHold": ErrOnHold,
		"ErrUnsupported": ErrUnsupported, "ErrUnavailable": ErrUnavailable,
	}
	msgs := map[string]string{}
	for name, err := range all {
		if !strings.HasPrefix(err.Error(), "oms: ") {
			t.Errorf("%s = %q does not start with \"oms: \"", name, err)
		}
		if other, dup := msgs[err.Error()]; dup {
			t.Errorf("%s and %s share the message %q", name, other, err)
		}
		msgs[err.Error()] = name
		for otherName, other := range all {
			if otherName != name && errors.Is(err, other) {
				t.Errorf("%s matches %s", name, otherName)
			}
		}
	}
}

func TestValidationError(t *testing.T) {
	var v ValidationError
	if v.Err() != nil {
		t.Fatal("empty ValidationError.Err() is not nil")
	}
	var nilV *ValidationError
	if nilV.Err() != nil {
		t.Fatal("nil *ValidationError.Err() is not nil")
	}
	v.Entity = "order"
	v.Add("lines[0].quantity", "must be positive, got %d", -2)
	v.Add("", "is empty")
	err := v.Err()
	if err == nil {
		t.Fatal("Err() = nil with problems")
	}
	if !errors.Is(err, ErrValidation) || errors.Is(err, ErrNotFound) {
		t.Errorf("errors.Is: ErrValidation %v, ErrNotFound %v", errors.Is(err, ErrValidation), errors.Is(err, ErrNotFound))
	}
	wrapped := fmt.Errorf("place order: %w", err)
	var got *ValidationError
	if !errors.As(wrapped, &got) || got != &v || !errors.Is(wrapped, ErrValidation) {
		t.Errorf("errors.As/Is through wrapping failed: %v", got)
	}
	if want := "oms: invalid order: lines[0].quantity: must be positive, got -2; is empty"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
	if !v.Has("lines[0].quantity") || !v.Has("") || v.Has("lines") {
		t.Error("Has is wrong")
	}
	if got := (&ValidationError{Problems: []FieldError{{Field: "x", Message: "bad"}}}).Error(); got != "oms: invalid input: x: bad" {
		t.Errorf("Error() without entity = %q", got)
	}
	b, _ := json.Marshal(&v)
	if want := `{"entity":"order","problems":[{"field":"lines[0].quantity","message":"must be positive, got -2"},{"field":"","message":"is empty"}]}`; string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
}

func TestValidationErrorMerge(t *testing.T) {
	inner := &ValidationError{Entity: "address"}
	inner.Add("postal_code", "is required")
	inner.Add("", "is incomplete")
	list := &ValidationError{Entity: "lines"}
	list.Add("[2].sku", "is required")
	list.Add("[3]", "is a duplicate")

	var v ValidationError
	v.Add("email", "is required")
	v.Merge("shipping_address", inner)
	v.Merge("lines", list)
	v.Merge("", inner)
	v.Merge("billing_address", fmt.Errorf("checking: %w", inner)) // wrapped
	v.Merge("payment", errors.New("card declined"))
	v.Merge("", errors.New("no prefix"))
	v.Merge("ignored", nil)
	v.Merge("empty", &ValidationError{})

	want := []FieldError{
		{"email", "is required"},
		{"shipping_address.postal_code", "is required"},
		{"shipping_address", "is incomplete"},
		{"lines[2].sku", "is required"},
		{"lines[3]", "is a duplicate"},
		{"postal_code", "is required"},
		{"", "is incomplete"},
		{"billing_address.postal_code", "is required"},
		{"billing_address", "is incomplete"},
		{"payment", "card declined"},
		{"", "no prefix"},
	}
	if diff := cmp.Diff(want, v.Problems); diff != "" {
		t.Errorf("Merge (-want +got):\n%s", diff)
	}
	if got := (FieldError{Message: "alone"}).String(); got != "alone" {
		t.Errorf("FieldError.String() = %q", got)
	}
}

func TestValidationf(t *testing.T) {
	err := Validationf("reservation", "lines[1].quantity", "must be at most %d", 5)
	var ve *ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, ErrValidation) {
		t.Fatalf("Validationf = %v", err)
	}
	want := &ValidationError{Entity: "reservation", Problems: []FieldError{{"lines[1].quantity", "must be at most 5"}}}
	if diff := cmp.Diff(want, ve); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestTransitionError(t *testing.T) {
	tests := []struct {
		err  *TransitionError
		want string
	}{
		{&TransitionError{Entity: "order", ID: "o-1", From: "shipped", To: "cancelled"},
			`oms: order o-1: cannot move from "shipped" to "cancelled"`},
		{&TransitionError{Entity: "return", From: "open", To: "refunded", Reason: "nothing received"},
			`oms: return: cannot move from "open" to "refunded": nothing received`},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
		wrapped := fmt.Errorf("cancel: %w", tc.err)
		if !errors.Is(wrapped, ErrInvalidTransition) || errors.Is(wrapped, ErrValidation) {
			t.Errorf("%v: errors.Is is wrong", tc.err)
		}
		var te *TransitionError
		if !errors.As(wrapped, &te) || te != tc.err {
			t.Errorf("errors.As failed for %v", tc.err)
		}
	}
}

func TestNotFoundAndConflictErrors(t *testing.T) {
	nf := NotFoundError("order", ID("o-1"))
	if !errors.Is(nf, ErrNotFound) || nf.Error() != "oms: not found: order o-1" {
		t.Errorf("NotFoundError = %v", nf)
	}
	if got := NotFoundError("location", 7).Error(); got != "oms: not found: location 7" {
		t.Errorf("NotFoundError(int) = %q", got)
	}
	c := ConflictError("order", ID("o-1"), 3, 4)
	if !errors.Is(c, ErrConflict) || errors.Is(c, ErrNotFound) {
		t.Errorf("ConflictError matches wrongly: %v", c)
	}
	if want := "oms: version conflict: order o-1: expected version 3, stored version 4"; c.Error() != want {
		t.Errorf("ConflictError = %q, want %q", c, want)
	}
}
