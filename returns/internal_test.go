package returns

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/shopspring/decimal"
)

// TestGuards drives every guarded edge of the table both ways.
func TestGuards(t *testing.T) {
	mk := func(kind Kind, st Status, q, rec, insp int64) *Return {
		return &Return{ID: "r", Kind: kind, Status: st, Lines: []Line{{Quantity: q, Received: rec, Inspected: insp}}}
	}
	cases := []struct {
		r  *Return
		to Status
		ok bool
	}{
		{mk(KindReturn, StatusApproved, 2, 0, 0), StatusLabelIssued, true},
		{mk(KindClaim, StatusApproved, 2, 0, 0), StatusLabelIssued, false},
		{mk(KindClaim, StatusApproved, 2, 0, 0), StatusCompleted, true},
		{mk(KindReturn, StatusApproved, 2, 0, 0), StatusCompleted, false},
		{mk(KindReturn, StatusInTransit, 2, 1, 0), StatusPartiallyReceived, true},
		{mk(KindReturn, StatusInTransit, 2, 2, 0), StatusPartiallyReceived, false},
		{mk(KindClaim, StatusApproved, 2, 1, 0), StatusPartiallyReceived, false},
		{mk(KindReturn, StatusInTransit, 2, 2, 0), StatusReceived, true},
		{mk(KindReturn, StatusInTransit, 2, 1, 0), StatusReceived, false},
		{mk(KindClaim, StatusApproved, 2, 2, 0), StatusReceived, false},
		{mk(KindReturn, StatusApproved, 2, 0, 0), StatusExpired, true},
		{mk(KindReturn, StatusLabelIssued, 2, 1, 0), StatusExpired, false},
		{mk(KindReturn, StatusReceived, 2, 2, 2), StatusInspected, true},
		{mk(KindReturn, StatusReceived, 2, 2, 1), StatusInspected, false},
		{mk(KindReturn, StatusPartiallyReceived, 2, 0, 0), StatusInspected, false},
		{mk(KindReturn, StatusCompleted, 2, 2, 2), StatusRequested, false},
	}
	for i, c := range cases {
		from := c.r.Status
		err := transition(c.r, c.to)
		if (err == nil) != c.ok {
			t.Errorf("case %d %s -> %s: %v", i, from, c.to, err)
		}
		if err != nil && (c.r.Status != from || !errors.Is(err, oms.ErrInvalidTransition)) {
			t.Errorf("case %d: a refused move changed the status or is not a transition error: %v", i, err)
		}
	}
}

func TestCreateFindsTheWinnerOfARace(t *testing.T) {
	store := NewMemoryStore(nil)
	s := &Service{store: store}
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	first := &Return{ID: "01JRACE0000000000000000000", Kind: KindReturn, OrderID: "01JORDER0000000000000000A1", Status: StatusRequested, Version: 1, CreatedAt: now}
	recordKey(first, "request:", "k", "d1")
	if _, err := s.create(context.Background(), first.Clone(), "k", "d1"); err != nil {
		t.Fatal(err)
	}
	got, err := s.create(context.Background(), first.Clone(), "k", "d1")
	if err != nil || got.ID != first.ID {
		t.Errorf("same key and content: %v", err)
	}
	if _, err := s.create(context.Background(), first.Clone(), "k", "d2"); !errors.Is(err, oms.ErrDuplicate) {
		t.Errorf("same key, other content: %v", err)
	}
	claim := first.Clone()
	claim.Kind = KindClaim
	if _, err := s.create(context.Background(), claim, "k", "d1"); !errors.Is(err, oms.ErrDuplicate) {
		t.Errorf("a claim under a request's key: %v", err)
	}
	if _, err := s.create(context.Background(), first.Clone(), "", "d1"); !errors.Is(err, oms.ErrDuplicate) {
		t.Errorf("unkeyed duplicate: %v", err)
	}
}

func TestSmallHelpers(t *testing.T) {
	if !KindClaim.Valid() || Kind("x").Valid() || !MoveWriteOff.Valid() || MoveKind("x").Valid() {
		t.Error("Kind.Valid, MoveKind.Valid")
	}
	if !(Fee{}).IsZero() || (Fee{PerUnit: oms.MustParseMoney("1 USD")}).IsZero() {
		t.Error("Fee.IsZero")
	}
	for _, r := range Reasons() {
		if reasonText(r) == "" {
			t.Errorf("no text for %s", r)
		}
	}
	r := &Return{Lines: []Line{{ID: "a", OrderLineID: "oa"}}}
	if _, ok := r.Line("a"); !ok {
		t.Error("Line(a)")
	}
	if _, ok := r.Line("b"); ok {
		t.Error("Line(b)")
	}
	if lineOf(r, "ob") != -1 || lineOf(r, "oa") != 0 {
		t.Error("lineOf")
	}
	usd := oms.MustParseMoney("1.00 USD")
	if !minus(oms.Money{}, usd).Equal(usd.Neg()) || !maxMoney(usd, usd.Neg()).Equal(usd) {
		t.Error("minus, maxMoney")
	}
	if d := ExchangeDifference(oms.Money{}, usd); !d.Credited.Equal(usd) {
		t.Errorf("difference from nothing: %+v", d)
	}
	if digestOf(func() {}) == "" {
		t.Error("digest of an unmarshalable value")
	}
	var nilRet *Return
	if nilRet.Clone() != nil {
		t.Error("nil clone")
	}
	if _, err := span(usd, 0, 1, 0); err != nil {
		t.Error(err)
	}
	p := Policy{WaivedFor: []Reason{ReasonOther}, Rules: []Rule{{SKU: "A", RestockingFee: &Fee{Percent: oms.MustParseMoney("0.5 USD").Amount()}}}}
	if !p.waived(ReasonOther) || p.waived(ReasonDamaged) || p.fee("A").Percent.String() != "0.5" {
		t.Error("waived, fee")
	}
}

// TestFirstShareMatchesAllocate checks the integer fast path against
// oms.Money.Allocate.
func TestFirstShareMatchesAllocate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	curs := []oms.Currency{oms.USD, oms.JPY, oms.KWD}
	for i := 0; i < 20000; i++ {
		cur := curs[i%3]
		units := rng.Int64N(1 << uint(1+rng.IntN(62)))
		m, _ := oms.FromMinor(units, cur)
		n := 1 + rng.Int64N(1<<uint(1+rng.IntN(40)))
		k := rng.Int64N(n + 1)
		got, err := firstShare(m, k, n)
		if err != nil {
			t.Fatal(err)
		}
		want := m
		if k == 0 {
			want = oms.Zero(cur)
		} else if k < n {
			parts, err := m.Allocate([]decimal.Decimal{decimal.NewFromInt(k), decimal.NewFromInt(n - k)})
			if err != nil {
				t.Fatal(err)
			}
			want = parts[0]
		}
		if !got.Equal(want) {
			t.Fatalf("firstShare(%s, %d, %d) = %s, Allocate gives %s", m, k, n, got, want)
		}
	}
}
