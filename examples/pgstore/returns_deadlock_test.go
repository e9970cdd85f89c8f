package pgstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/pgstore"
	"github.com/omskit/oms/returns"
)

// Two processes saving returns whose labels share tracking numbers, listed
// in opposite orders, claimed them in opposite orders: PostgreSQL aborted
// one with a deadlock (40P01), which surfaced as a raw error instead of the
// return being saved.
func TestReturnsWithSharedTrackingNumbersInOppositeOrdersDoNotDeadlock(t *testing.T) {
	t.Parallel()
	db := open(t)
	db2, err := pgstore.Open(context.Background(), dsn(t), &pgstore.Options{Schema: db.Schema(), MaxConns: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	ctx := context.Background()
	var tns []string
	for i := 0; i < 20; i++ {
		tns = append(tns, fmt.Sprintf("TN%03d", i))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			st := db.Returns()
			if g%2 == 1 {
				st = db2.Returns()
			}
			for k := 0; k < 10; k++ {
				l := append([]string(nil), tns...)
				if g%2 == 1 {
					for i, j := 0, len(l)-1; i < j; i, j = i+1, j-1 {
						l[i], l[j] = l[j], l[i]
					}
				}
				r := &returns.Return{ID: oms.NewID(), OrderID: "o1", Status: returns.StatusLabelIssued, Kind: returns.KindReturn, Version: 1,
					Label: &returns.Label{TrackingNumbers: l}}
				if err := st.Create(ctx, r, nil); err != nil {
					errs <- err
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
