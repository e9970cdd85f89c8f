package notify

import (
	"github.com/omskit/oms"
)

// The event types and payload shapes of fulfillment, returns and
// order.Refund, which are built on their own branches: notify reads their
// JSON through these mirrors until they land on main, then through the
// packages' own types.

const (
	evShipmentCreated  = "shipment.created"
	evLabelPurchased   = "shipment.label_purchased"
	evShipped          = "shipment.shipped"
	evReadyForPickup   = "shipment.ready_for_pickup"
	evPickedUp         = "shipment.picked_up"
	evPackageDelivered = "shipment.package_delivered"
	evDelivered        = "shipment.delivered"
	evException        = "shipment.exception"

	evReturnRequested   = "return.requested"
	evReturnApproved    = "return.approved"
	evReturnRejected    = "return.rejected"
	evReturnCancelled   = "return.cancelled"
	evReturnExpired     = "return.expired"
	evReturnLabelIssued = "return.label_issued"
	evReturnInTransit   = "return.in_transit"
	evReturnReceived    = "return.received"
	evReturnInspected   = "return.inspected"
	evReturnRefunded    = "return.refunded"
	evReturnCredit      = "return.store_credit_issued"
	evReturnExchange    = "return.exchange_created"
	evReturnCompleted   = "return.completed"
	evReturnClaimOpened = "return.claim_opened"

	evOrderRefunded = "order.refunded"
)

// shipmentPayload mirrors fulfillment.ShipmentPayload.
type shipmentPayload struct {
	OrderID          oms.ID `json:"order_id"`
	FulfillmentOrder oms.ID `json:"fulfillment_order"`
	Status           string `json:"status"`
	Carrier          string `json:"carrier,omitempty"`
	// Package is the index of the package concerned, -1 for the whole
	// shipment.
	Package        int    `json:"package"`
	TrackingNumber string `json:"tracking_number,omitempty"`
	Exception      string `json:"exception,omitempty"`
}

// returnStatusPayload mirrors returns.StatusPayload.
type returnStatusPayload struct {
	OrderID oms.ID `json:"order_id"`
	From    string `json:"from"`
	To      string `json:"to"`
	Note    string `json:"note,omitempty"`
}

// returnRequestedPayload mirrors returns.RequestedPayload.
type returnRequestedPayload struct {
	OrderID    oms.ID `json:"order_id"`
	CustomerID oms.ID `json:"customer_id,omitempty"`
	Kind       string `json:"kind"`
	Lines      []struct {
		OrderLineID oms.ID  `json:"order_line_id"`
		SKU         oms.SKU `json:"sku"`
		Quantity    int64   `json:"quantity"`
	} `json:"lines"`
}

// returnLabelPayload mirrors returns.LabelPayload.
type returnLabelPayload struct {
	OrderID         oms.ID   `json:"order_id"`
	Carrier         string   `json:"carrier"`
	TrackingNumbers []string `json:"tracking_numbers"`
	URL             string   `json:"url,omitempty"`
}

// returnReceivedPayload mirrors returns.ReceivedPayload.
type returnReceivedPayload struct {
	OrderID  oms.ID `json:"order_id"`
	Key      string `json:"key"`
	Complete bool   `json:"complete"`
}

// returnRefundPayload mirrors returns.RefundPayload.
type returnRefundPayload struct {
	OrderID   oms.ID `json:"order_id"`
	Key       string `json:"key"`
	Breakdown struct {
		Total oms.Money `json:"total"`
	} `json:"breakdown"`
}

// returnCreditPayload mirrors returns.CreditPayload.
type returnCreditPayload struct {
	OrderID oms.ID    `json:"order_id"`
	Amount  oms.Money `json:"amount"`
}

// returnExchangePayload mirrors returns.ExchangePayload.
type returnExchangePayload struct {
	OrderID            oms.ID `json:"order_id"`
	ReplacementOrderID oms.ID `json:"replacement_order_id"`
}

// orderRefundedPayload mirrors order.RefundedPayload.
type orderRefundedPayload struct {
	Key    string    `json:"key"`
	Amount oms.Money `json:"amount"`
	Reason string    `json:"reason,omitempty"`
}
