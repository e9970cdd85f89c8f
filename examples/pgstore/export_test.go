package pgstore

import "github.com/omskit/oms/inventory"

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
