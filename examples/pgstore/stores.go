package pgstore

// Stores is every store of the adapter over one pool, as a shop wires them
// into the library's services:
//
//	db, err := pgstore.Open(ctx, dsn, nil)
//	st := db.Stores()
//	inv := inventory.NewService(st.Inventory, nil)
//	orders := order.NewService(st.Orders, &order.ServiceOptions{Gateway: gateway, Numbers: db.OrderNumbers("")})
//	tracker := tracking.NewService(st.Tracking, nil)
//	// st.Notify is the notify.Store of the customer notifications.
//	relay := oms.NewRelay(st.Outbox, publisher, nil)
type Stores struct {
	// Outbox is what a relay drains; every store appends its events to it
	// in the same transaction as its write.
	Outbox *Outbox
	// Inventory is the inventory.Store.
	Inventory *InventoryStore
	// Orders is the order.Store.
	Orders *OrderStore
	// Tracking is the tracking.Store.
	Tracking *TrackingStore
	// Fulfillment is the fulfillment.Store.
	Fulfillment *FulfillmentStore
	// Returns is the returns.Store.
	Returns *ReturnStore
	// Notify is the notify.Store: progress documents, preferences and
	// send claims of the customer notifications.
	Notify *NotifyStore
}

// Stores returns every store over db.
func (db *DB) Stores() Stores {
	return Stores{Outbox: db.Outbox(), Inventory: db.Inventory(), Orders: db.Orders(), Tracking: db.Tracking(),
		Fulfillment: db.Fulfillment(), Returns: db.Returns(), Notify: db.Notify()}
}
