package pgstore

import (
	"context"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// TransactionOnly makes s reserve through the transaction path alone, so
// the suite covers it as well as the one-statement path.
func TransactionOnly(s *InventoryStore) inventory.Store {
	c := *s
	c.fast = false
	return &c
}

// ReserveSQL is the one-statement reservation, for the benchmark's pgbench
// run of the same statement.
const ReserveSQL = reserveSQL

// ReserveOneSQL is the one-level reservation (the hot SKU's): a call of
// pgstore_reserve_one.
const ReserveOneSQL = reserveOneSQL

// ApplyBatch applies rs (with their events) as one batch of b, the way its
// worker applies what it took from the queue, and returns each one's
// result in order.
func ApplyBatch(b *ReserveBatcher, rs []inventory.Reservation, evs []oms.Event) ([]inventory.Reservation, []bool, []error) {
	reqs := make([]*batchReq, len(rs))
	for i := range rs {
		reqs[i] = &batchReq{ctx: context.Background(), r: rs[i], ev: evs[i], reply: make(chan batchResult, 1)}
	}
	b.apply(reqs)
	out, created, errs := make([]inventory.Reservation, len(rs)), make([]bool, len(rs)), make([]error, len(rs))
	for i, req := range reqs {
		res := <-req.reply
		out[i], created[i], errs[i] = res.r, res.created, res.err
	}
	return out, created, errs
}
