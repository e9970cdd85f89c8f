// Command statuspage serves the page a customer opens from "track your
// order": the order's lines, its shipments with each parcel's tracking
// timeline, and its returns and refunds, rendered from notify's status view
// (notify.Notifier.View) with html/template, no scripts and no external
// assets. It first plays a demo order: two large lamps and a mug shipped in
// two parcels, both delivered, and the mug on its way back.
//
//	go run ./examples/statuspage
//	open http://127.0.0.1:8081/orders/1001
package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/internal/demoshop"
	"github.com/omskit/oms/inventory"
	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/returns"
	"github.com/omskit/oms/shipping"
	"github.com/omskit/oms/tracking"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "address to listen on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := serve(ctx, *addr, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "statuspage:", err)
		os.Exit(1)
	}
}

// serve plays the demo order, then serves its page on addr until ctx is
// done.
func serve(ctx context.Context, addr string, w io.Writer) error {
	shop, o, err := demo(ctx)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: newServer(shop.Notify, map[string]oms.ID{o.Number: o.ID}), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(shutdown)
	}()
	fmt.Fprintf(w, "order %s's status page: http://%s/orders/%s (Ctrl-C stops)\n", o.Number, ln.Addr(), o.Number)
	if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

//go:embed page.html
var pages embed.FS

var page = template.Must(template.New("page.html").Funcs(template.FuncMap{
	"orderStatus":  orderStatus,
	"shipStatus":   shipmentStatus,
	"returnStatus": returnStatus,
	"parcelStatus": func(s tracking.Status) string { return tracking.StatusLabel(s) },
	"day":          func(t time.Time) string { return t.Format("Mon Jan 2") },
	"when":         func(t time.Time) string { return t.Format("Mon Jan 2, 15:04") },
	"inc":          func(i int) int { return i + 1 },
}).ParseFS(pages, "page.html"))

// orderStatus is an order's status in the customer's words.
func orderStatus(s string) string {
	switch s {
	case notify.OrderPlaced:
		return "Order received"
	case notify.OrderConfirmed:
		return "Confirmed, being prepared"
	case notify.OrderPartiallyShipped:
		return "Partly shipped"
	case notify.OrderShipped:
		return "On its way"
	case notify.OrderPartiallyDelivered:
		return "Partly delivered"
	case notify.OrderDelivered:
		return "Delivered"
	case notify.OrderCancelled:
		return "Cancelled"
	}
	return "Being processed"
}

// shipmentStatus is a shipment's status in the customer's words.
func shipmentStatus(s string) string {
	switch s {
	case notify.ShipmentPending:
		return "Being packed"
	case notify.ShipmentShipped:
		return "On its way"
	case notify.ShipmentOutForDelivery:
		return "Out for delivery"
	case notify.ShipmentReadyForPickup:
		return "Ready for pickup"
	case notify.ShipmentException:
		return "Delayed"
	case notify.ShipmentDelivered:
		return "Delivered"
	case notify.ShipmentPickedUp:
		return "Picked up"
	}
	return s
}

// returnStatus is a return's status in the customer's words.
func returnStatus(s string) string {
	switch returns.Status(s) {
	case returns.StatusRequested:
		return "Requested, awaiting approval"
	case returns.StatusApproved:
		return "Approved"
	case returns.StatusLabelIssued:
		return "Label ready: please send it back"
	case returns.StatusInTransit:
		return "On its way back"
	case returns.StatusPartiallyReceived, returns.StatusReceived:
		return "Received, being inspected"
	case returns.StatusInspected:
		return "Inspected"
	case returns.StatusCompleted:
		return "Completed"
	case returns.StatusRejected:
		return "Not accepted"
	case returns.StatusCancelled:
		return "Cancelled"
	case returns.StatusExpired:
		return "Expired"
	}
	return s
}

// newServer serves GET /orders/{number}: the status page of the order with
// that number (numbers maps the shop's order numbers to IDs).
func newServer(n *notify.Notifier, numbers map[string]oms.ID) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{number}", func(rw http.ResponseWriter, r *http.Request) {
		id, ok := numbers[r.PathValue("number")]
		if !ok {
			http.NotFound(rw, r)
			return
		}
		v, err := n.View(r.Context(), id)
		if errors.Is(err, oms.ErrNotFound) {
			http.NotFound(rw, r)
			return
		}
		if err != nil {
			http.Error(rw, "the order's status is not available right now", http.StatusServiceUnavailable)
			return
		}
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := page.Execute(rw, v); err != nil {
			http.Error(rw, err.Error(), http.StatusInternalServerError)
		}
	})
	return mux
}

func usd(s string) oms.Money { return oms.MustParseMoney(s + " USD") }

var dock = oms.Address{Company: "Example Goods", Line1: "1 Dock Rd", City: "Newark", Region: "NJ", PostalCode: "07102", Country: "US"}

// demo plays an order from checkout to delivery in two parcels, and a
// return of one item, feeding every event to notify through the relay.
func demo(ctx context.Context) (*demoshop.Shop, *order.Order, error) {
	clock := oms.NewManualClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	shop, err := demoshop.New(demoshop.Options{Clock: clock, ReturnAddress: dock})
	if err != nil {
		return nil, nil, err
	}
	if err := shop.Stock.PutLocation(ctx, inventory.Location{ID: "newark", Name: "Newark DC", Kind: inventory.KindWarehouse,
		Active: true, Ships: true, Address: dock, Channels: []inventory.Channel{"web"}}); err != nil {
		return nil, nil, err
	}
	for _, sku := range []oms.SKU{"LAMP-FLOOR", "MUG"} {
		if err := shop.Stock.PutItem(ctx, inventory.Item{SKU: sku, Tracked: true}); err != nil {
			return nil, nil, err
		}
		if _, err := shop.Stock.Receive(ctx, inventory.Receipt{SKU: sku, Location: "newark", Quantity: 20}); err != nil {
			return nil, nil, err
		}
	}
	o, err := shop.Orders.Place(ctx, order.PlaceInput{IdempotencyKey: "cart-1", Channel: "web", Currency: oms.USD,
		Customer:        order.Customer{ID: "cus_ada", Email: "ada@example.com", Name: "Ada Lovelace"},
		ShippingAddress: oms.Address{Name: "Ada Lovelace", Line1: "350 5th Ave", City: "New York", Region: "NY", PostalCode: "10118", Country: "US"},
		Shipping:        order.ShippingOption{ServiceLevel: oms.LevelStandard, Name: "Standard"},
		Lines: []order.LineInput{
			{SKU: "LAMP-FLOOR", Name: "Floor lamp", Quantity: 2, UnitPrice: usd("89.00"), Tax: usd("14.24"),
				UnitWeight: oms.Kilograms(4), UnitDimensions: oms.DimensionsMM(500, 300, 380)},
			{SKU: "MUG", Name: "Blue mug", Quantity: 1, UnitPrice: usd("12.00"), Tax: usd("0.96"),
				UnitWeight: oms.Grams(350), UnitDimensions: oms.DimensionsMM(120, 90, 100)},
		},
		Payment: order.PaymentInput{Method: "tok_visa"},
	})
	if err != nil {
		return nil, nil, err
	}
	if _, err := shop.Orders.Confirm(ctx, o.ID); err != nil {
		return nil, nil, err
	}
	res, err := shop.Fulfillment.Process(ctx, o.ID)
	if err != nil {
		return nil, nil, err
	}
	if _, err := shop.Drain(ctx); err != nil {
		return nil, nil, err
	}
	// The carrier's scans, reported on Wednesday evening: both parcels were
	// picked up on Monday evening; the first arrived on Tuesday, the second
	// a day later.
	clock.Set(time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC))
	for _, sh := range res.Shipments {
		for j, p := range sh.Packages {
			pickup := time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC)
			late := time.Duration(j) * 24 * time.Hour
			for _, scan := range []struct {
				at     time.Time
				status tracking.Status
				text   string
				where  string
			}{
				{pickup, tracking.StatusInTransit, "Picked up", "Newark, NJ"},
				{pickup.Add(5 * time.Hour), tracking.StatusInTransit, "Arrived at facility", "Jersey City, NJ"},
				{pickup.Add(14*time.Hour + late), tracking.StatusOutForDelivery, "On the van", "New York, NY"},
				{pickup.Add(19*time.Hour + late), tracking.StatusDelivered, "Left at the front desk", "New York, NY"},
			} {
				if err := shop.Scan(ctx, sh.Carrier, p.TrackingNumber, scan.at, scan.status, scan.text, scan.where); err != nil {
					return nil, nil, err
				}
			}
		}
	}
	if _, err := shop.Drain(ctx); err != nil {
		return nil, nil, err
	}
	// Two days later the customer sends the mug back.
	clock.Set(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))
	if o, err = shop.Orders.Get(ctx, o.ID); err != nil {
		return nil, nil, err
	}
	r, err := shop.Returns.Request(ctx, returns.RequestInput{Key: "rma-1", OrderID: o.ID, Lines: []returns.RequestLine{
		{OrderLineID: o.Lines[1].ID, Quantity: 1, Reason: returns.ReasonNoLongerNeeded}}})
	if err != nil {
		return nil, nil, err
	}
	if _, err := shop.Returns.Approve(ctx, r.ID, returns.StatusInput{By: "portal"}); err != nil {
		return nil, nil, err
	}
	if _, err := shop.Returns.IssueLabel(ctx, r.ID, returns.LabelInput{ServiceCode: "ground", Parcels: []shipping.Parcel{
		{Dimensions: oms.DimensionsMM(200, 150, 150), Weight: oms.Grams(500), Contents: "mug"}}}); err != nil {
		return nil, nil, err
	}
	if _, err := shop.Drain(ctx); err != nil {
		return nil, nil, err
	}
	return shop, o, nil
}
