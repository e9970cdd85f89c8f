package returnstest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/omskit/oms"
	"github.com/omskit/oms/returns"
	"github.com/omskit/oms/returns/returnstest"
)

// dropsUpdateEvents is a store with the bug of an adapter that writes its
// outbox rows only on insert: Update saves the return without its events.
type dropsUpdateEvents struct{ *returns.MemoryStore }

func (s dropsUpdateEvents) Update(ctx context.Context, r *returns.Return, expected int64, _ []oms.Event) error {
	return s.MemoryStore.Update(ctx, r, expected, nil)
}

// Check runs the conformance suite without a *testing.T and returns the
// violations, each named by its check: the memory store has none; a store
// that saves no events with its updates fails two checks.
func ExampleCheck() {
	memory := func() returnstest.Harness {
		s := returns.NewMemoryStore(nil)
		return returnstest.Harness{Store: s, Events: s.Outbox().Events}
	}
	fmt.Println("memory store violations:", len(returnstest.Check(memory)))

	broken := func() returnstest.Harness {
		s := returns.NewMemoryStore(nil)
		return returnstest.Harness{Store: dropsUpdateEvents{s}, Events: s.Outbox().Events}
	}
	for _, err := range returnstest.Check(broken) {
		check, _, _ := strings.Cut(err.Error(), ": ")
		fmt.Println("broken store fails", check)
	}
	// Output:
	// memory store violations: 0
	// broken store fails UpdateVersions
	// broken store fails ConcurrentUpdates
}

// Sample is a return with every field set: a store that loses a field
// (a column left out of an INSERT) does not hand back an equal return.
func ExampleSample() {
	ctx := context.Background()
	store := returns.NewMemoryStore(nil)
	r := returnstest.Sample("ret_1", "ord_1")
	fmt.Println(r.Kind, r.Status, "lines", len(r.Lines), "refund", r.Refund.Breakdown.Total, "store credit", r.StoreCredit)
	if err := store.Create(ctx, r, nil); err != nil {
		fmt.Println(err)
		return
	}
	got, _ := store.Get(ctx, r.ID)
	want, _ := json.Marshal(r)
	have, _ := json.Marshal(got)
	fmt.Println("round trip equal:", string(have) == string(want))
	// Output:
	// return requested lines 1 refund 10.82 USD store credit 1.00 USD
	// round trip equal: true
}
