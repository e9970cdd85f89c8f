package fulfillment

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/tracking"
)

// ProviderRequest is what the shop sends a third-party location.
type ProviderRequest struct {
	// Key is stable per fulfillment order and attempt: a provider that
	// sees it again must answer as the first time.
	Key              string            `json:"key"`
	FulfillmentOrder *FulfillmentOrder `json:"fulfillment_order"`
	Order            *order.Order      `json:"order"`
}

// ProviderDecision is a provider's answer.
type ProviderDecision struct {
	Accepted bool   `json:"accepted"`
	Message  string `json:"message,omitempty"`
}

// Provider is a third-party logistics provider or dropship supplier the
// host connects. Submit asks it to fulfil a fulfillment order; Cancel asks
// it to cancel one it accepted. It reports shipments back through
// Service.ThirdPartyShipped. Implementations must be safe for concurrent
// use and idempotent per ProviderRequest.Key.
type Provider interface {
	Submit(ctx context.Context, req ProviderRequest) (ProviderDecision, error)
	Cancel(ctx context.Context, req ProviderRequest) (ProviderDecision, error)
}

// Submit sends a third-party fulfillment order (unsubmitted or rejected)
// to the Provider: the request becomes submitted (saved first), then
// accepted or rejected by the answer. Units cancelled on the order since
// the allocation are taken off first (as Process does), so the provider is
// sent what the order still wants. A submitted request whose answer was
// lost is asked again under the same key. A request cancelled while it
// was on its way (a re-cut after units were cancelled on the order) that
// the provider accepts is asked to be cancelled again, under a key of
// that submission. Work on the shop's own
// locations is an error matching oms.ErrInvalidTransition. The provider
// ships what it accepts, so, as a label purchase, a request is not sent
// for an order on hold (oms.ErrOnHold) or one that is not confirmed or
// processing, a cancelled one say (oms.ErrInvalidTransition).
func (s *Service) Submit(ctx context.Context, id oms.ID) (*FulfillmentOrder, error) {
	if s.opts.Provider == nil {
		return nil, fmt.Errorf("fulfillment: no Provider configured: %w", oms.ErrUnsupported)
	}
	cur, err := s.store.FulfillmentOrder(ctx, id)
	if err != nil {
		return nil, err
	}
	if cur.Request != RequestSubmitted {
		// A request already sent (its answer lost) is only asked again.
		o, err := s.orders.Get(ctx, cur.OrderID)
		if err != nil {
			return nil, err
		}
		if err := checkOrder(o, "submitted"); err != nil {
			return nil, err
		}
		// Units cancelled on the order since allocation leave before the
		// request does (see shrinkToOrder): the provider ships what it is
		// sent.
		if cancelledAny(cur, o) {
			all, err := s.store.FulfillmentOrders(ctx, cur.OrderID)
			if err != nil {
				return nil, err
			}
			if !fits(cur, o, all) {
				if _, err := s.shrinkToOrder(ctx, o, all); err != nil {
					return nil, err
				}
				if cur, err = s.store.FulfillmentOrder(ctx, id); err != nil {
					return nil, err
				}
			}
		}
	}
	fo, err := s.updateLoadedFO(ctx, id, cur, func(fo *FulfillmentOrder) ([]pendingEvent, error) {
		if fo.Request == RequestSubmitted {
			return nil, nil
		}
		if fo.OnHold() || fo.Status != StatusOpen {
			return nil, &oms.TransitionError{Entity: "fulfillment order", ID: fo.ID, From: string(fo.Status), To: "submitted", Reason: "only open fulfillment orders are submitted"}
		}
		from := fo.Request
		if err := fo.requestTransition(RequestSubmitted); err != nil {
			return nil, err
		}
		fo.mark("submit:" + itoa(int64(submits(fo)+1)))
		return []pendingEvent{{EventRequestChanged, RequestPayload{OrderID: fo.OrderID, From: from, To: fo.Request}}}, nil
	})
	if err != nil {
		return nil, err
	}
	o, err := s.orders.Get(ctx, fo.OrderID)
	if err != nil {
		return nil, err
	}
	d, err := s.opts.Provider.Submit(ctx, ProviderRequest{Key: string(oms.DeriveID(fo.ID, "submit:"+itoa(int64(submits(fo))))), FulfillmentOrder: fo, Order: o})
	if err != nil {
		return fo, err
	}
	to := RequestRejected
	if d.Accepted {
		to = RequestAccepted
	}
	sent := fo
	if fo, err = s.updateFO(ctx, id, func(fo *FulfillmentOrder) ([]pendingEvent, error) {
		if fo.Request != RequestSubmitted {
			return nil, nil
		}
		from := fo.Request
		if err := fo.requestTransition(to); err != nil {
			return nil, err
		}
		return []pendingEvent{{EventRequestChanged, RequestPayload{OrderID: fo.OrderID, From: from, To: to, Message: d.Message}}}, nil
	}); err != nil {
		return nil, err
	}
	if d.Accepted && (fo.Request == RequestCancellationRequested || fo.Request == RequestCancellationAccepted) {
		// A cancel (a re-cut's, say) overtook the request on its way: the
		// provider may have agreed to cancel it before it had it, and then
		// accepted it. It is asked to cancel it again, under a key of this
		// submission.
		key := string(oms.DeriveID(fo.ID, "cancel-after-submit:"+itoa(int64(submits(sent)))))
		cd, err := s.opts.Provider.Cancel(ctx, ProviderRequest{Key: key, FulfillmentOrder: sent, Order: o})
		if err != nil {
			return fo, fmt.Errorf("fulfillment: fulfillment order %s: the provider accepted a request cancelled meanwhile, and did not answer its cancellation: %w", id, err)
		}
		if !cd.Accepted {
			return fo, &oms.TransitionError{Entity: "fulfillment request", ID: id, From: string(RequestAccepted), To: string(RequestCancellationAccepted),
				Reason: "the provider accepted a request cancelled meanwhile and refused to cancel it: " + cd.Message}
		}
	}
	return fo, nil
}

// requestCancel asks the provider to cancel; a refusal is an error.
func (s *Service) requestCancel(ctx context.Context, fo *FulfillmentOrder) (*FulfillmentOrder, error) {
	if s.opts.Provider == nil {
		return nil, fmt.Errorf("fulfillment: no Provider configured: %w", oms.ErrUnsupported)
	}
	fo, err := s.updateFO(ctx, fo.ID, func(f *FulfillmentOrder) ([]pendingEvent, error) {
		if f.Request == RequestCancellationRequested {
			return nil, nil
		}
		from := f.Request
		if err := f.requestTransition(RequestCancellationRequested); err != nil {
			return nil, err
		}
		return []pendingEvent{{EventRequestChanged, RequestPayload{OrderID: f.OrderID, From: from, To: f.Request}}}, nil
	})
	if err != nil {
		return nil, err
	}
	o, err := s.orders.Get(ctx, fo.OrderID)
	if err != nil {
		return nil, err
	}
	d, err := s.opts.Provider.Cancel(ctx, ProviderRequest{Key: string(oms.DeriveID(fo.ID, "cancel-request")), FulfillmentOrder: fo, Order: o})
	if err != nil {
		return nil, providerError{err}
	}
	to := RequestCancellationRejected
	if d.Accepted {
		to = RequestCancellationAccepted
	}
	fo, err = s.updateFO(ctx, fo.ID, func(f *FulfillmentOrder) ([]pendingEvent, error) {
		if f.Request != RequestCancellationRequested {
			return nil, nil
		}
		from := f.Request
		if err := f.requestTransition(to); err != nil {
			return nil, err
		}
		return []pendingEvent{{EventRequestChanged, RequestPayload{OrderID: f.OrderID, From: from, To: to, Message: d.Message}}}, nil
	})
	if err != nil {
		return nil, err
	}
	if !d.Accepted {
		return nil, &oms.TransitionError{Entity: "fulfillment order", ID: fo.ID, From: string(fo.Status), To: string(StatusCancelled), Reason: "the provider refused to cancel: " + d.Message}
	}
	return fo, nil
}

// providerError is the error a Provider returned (it did not answer), as
// the service hands it on unchanged.
type providerError struct{ err error }

func (e providerError) Error() string { return e.err.Error() }
func (e providerError) Unwrap() error { return e.err }

// ThirdPartyShipment is what a provider reports when it shipped.
type ThirdPartyShipment struct {
	Carrier     string `json:"carrier"`
	ServiceCode string `json:"service_code,omitempty"`
	// TrackingNumbers has one number per package; the first package
	// carries every unit.
	TrackingNumbers []string `json:"tracking_numbers"`
}

// ThirdPartyShipped records that a provider shipped an accepted
// fulfillment order: a Shipment without bought labels is created, the
// stock committed, the order's counters moved, payment captured per
// policy, tracking registered and the request closed. A replay changes
// nothing. Units cancelled on the order that the provider ships all the
// same (it refused to cancel them, or was never asked) leave with the
// shipment, their stock committed, but the order counts only the units
// it still wants: the others are reported with EventShippedBeyondOrder.
func (s *Service) ThirdPartyShipped(ctx context.Context, id oms.ID, in ThirdPartyShipment) (*Shipment, error) {
	v := &oms.ValidationError{Entity: "third-party shipment"}
	if in.Carrier == "" || len(in.Carrier) > 64 {
		v.Add("carrier", "must be 1 to 64 bytes")
	}
	if len(in.TrackingNumbers) == 0 || len(in.TrackingNumbers) > 100 {
		v.Add("tracking_numbers", "must list 1 to 100 numbers")
	}
	if len(in.ServiceCode) > 64 {
		v.Add("service_code", "at most 64 bytes")
	}
	// Tracking registers each number and the order records the first as
	// the shipment's reference once the stock is committed: what they
	// refuse is refused here, before anything changes.
	if p := textProblem(in.Carrier, order.MaxTextLength); p != "" {
		v.Add("carrier", "%s", p)
	}
	if p := textProblem(in.ServiceCode, order.MaxTextLength); p != "" {
		v.Add("service_code", "%s", p)
	}
	keys := make([]tracking.Key, 0, len(in.TrackingNumbers))
	for i, n := range in.TrackingNumbers {
		field := "tracking_numbers[" + itoa(int64(i)) + "]"
		if n == "" || len(n) > 64 {
			v.Add(field, "must be 1 to 64 bytes")
		}
		if p := textProblem(n, order.MaxTextLength); p != "" {
			v.Add(field, "%s", p)
		}
		k := tracking.NewKey(in.Carrier, n)
		if err := k.Validate(); err != nil {
			v.Add(field, "is not a tracking number: %v", err)
		}
		if slices.Contains(keys, k) {
			v.Add(field, "%q is listed twice", n)
		}
		keys = append(keys, k)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	fo, err := s.store.FulfillmentOrder(ctx, id)
	if err != nil {
		return nil, err
	}
	if fo.Shipment == "" && fo.Request != RequestAccepted && fo.Request != RequestCancellationRejected {
		return nil, &oms.TransitionError{Entity: "fulfillment request", ID: id, From: string(fo.Request), To: string(RequestClosed), Reason: "the provider has not accepted it"}
	}
	if fo.Shipment == "" {
		if fo, err = s.markBeyondOrder(ctx, fo); err != nil {
			return nil, err
		}
	}
	shID := oms.DeriveID(id, "shipment")
	if prev, err := s.store.Shipment(ctx, shID); err == nil {
		same := prev.Carrier == in.Carrier && len(prev.Packages) == len(in.TrackingNumbers)
		for i := 0; same && i < len(prev.Packages); i++ {
			same = prev.Packages[i].TrackingNumber == in.TrackingNumbers[i]
		}
		if !same {
			return nil, fmt.Errorf("fulfillment: fulfillment order %s was reported shipped with other tracking numbers: %w", id, oms.ErrDuplicate)
		}
	} else if errors.Is(err, oms.ErrNotFound) {
		sh := &Shipment{ID: shID, OrderID: fo.OrderID, FulfillmentOrder: id, Location: fo.Location, Carrier: in.Carrier,
			ServiceCode: in.ServiceCode, ThirdParty: true, Status: ShipmentPending}
		var items []PackageItem
		for _, l := range fo.Lines {
			if q := l.Quantity - l.Short; q > 0 {
				items = append(items, PackageItem{LineID: l.LineID, SKU: l.SKU, Quantity: q})
			}
		}
		for i, n := range in.TrackingNumbers {
			p := Package{Index: i, TrackingNumber: n, Status: PackageLabelled}
			if i == 0 {
				p.Items = items
			}
			sh.Packages = append(sh.Packages, p)
		}
		if _, err := s.createShipment(ctx, fo, sh, false); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	if err := s.recordPacked(ctx, fo); err != nil {
		return nil, err
	}
	return s.finishShipment(ctx, shID, nil)
}

// markBeyondOrder records on fo, a third-party fulfillment order its
// provider reports shipped, the units it holds beyond what the order
// still expects of it (cancelled on the order meanwhile: the provider
// refused to cancel them, or was not asked), before its shipment is
// created, in one write with EventShippedBeyondOrder: their stock leaves
// with the shipment, but the order counts only the others. It returns fo
// as stored.
func (s *Service) markBeyondOrder(ctx context.Context, fo *FulfillmentOrder) (*FulfillmentOrder, error) {
	for attempt := 0; ; attempt++ {
		if fo.Shipment != "" || fo.Reship || fo.done("order_fulfilled") || beyondOrder(fo) != nil {
			return fo, nil
		}
		o, err := s.orders.Get(ctx, fo.OrderID)
		if err != nil {
			return nil, err
		}
		if !cancelledAny(fo, o) && !slices.ContainsFunc(fo.Lines, func(l Line) bool { _, ok := o.Line(l.LineID); return !ok }) {
			return fo, nil
		}
		fos, err := s.store.FulfillmentOrders(ctx, fo.OrderID)
		if err != nil {
			return nil, err
		}
		var lq []order.LineQuantity
		for _, l := range fo.Lines {
			if q := l.Quantity - l.Short; q > 0 {
				lq = addCounts(lq, []PackageItem{{LineID: l.LineID, Quantity: q}})
			}
		}
		wants := map[oms.ID]int64{}
		for _, q := range expectedOf(fo, o, fos, slices.Clone(lq)) {
			wants[q.LineID] = q.Quantity
		}
		var off []Line
		for _, q := range lq {
			if n := q.Quantity - wants[q.LineID]; n > 0 {
				sku := oms.SKU("")
				for _, l := range fo.Lines {
					if l.LineID == q.LineID {
						sku = l.SKU
						break
					}
				}
				fo.mark(beyondStep + string(q.LineID) + ":" + itoa(n))
				off = append(off, Line{LineID: q.LineID, SKU: sku, Quantity: n})
			}
		}
		if len(off) == 0 {
			return fo, nil
		}
		s.warn("fulfillment: a provider shipped units cancelled on the order", "fulfillment_order", fo.ID)
		c := &Change{}
		if err := s.addFO(c, fo, []pendingEvent{{EventShippedBeyondOrder, LinesCancelledPayload{OrderID: fo.OrderID, Lines: off}}}); err != nil {
			return nil, err
		}
		err = s.store.Save(ctx, c)
		if err == nil {
			return fo, nil
		}
		if !errors.Is(err, oms.ErrConflict) {
			return nil, err
		}
		if attempt >= s.opts.MaxRetries {
			return nil, fmt.Errorf("fulfillment: fulfillment order %s: gave up: %w", fo.ID, oms.ErrConflict)
		}
		if fo, err = s.store.FulfillmentOrder(ctx, fo.ID); err != nil {
			return nil, err
		}
	}
}

// submits counts the submissions made.
func submits(fo *FulfillmentOrder) int {
	n := 0
	for _, st := range fo.Steps {
		if strings.HasPrefix(st, "submit:") {
			n++
		}
	}
	return n
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
