package order

import (
	"fmt"
	"strings"
	"time"

	"github.com/omskit/oms"
)

// TimelineEntry is one line of an order's history for support staff.
type TimelineEntry struct {
	// Time is the event's time; Version the order version it produced;
	// Type the event type (such as EventShipped).
	Time    time.Time `json:"time"`
	Version int64     `json:"version"`
	Type    string    `json:"type"`
	// Text says what happened in plain words.
	Text string `json:"text"`
}

// String returns "2006-01-02 15:04:05 UTC  text".
func (e TimelineEntry) String() string {
	return e.Time.UTC().Format("2006-01-02 15:04:05 UTC") + "  " + e.Text
}

// Timeline turns an order's events (as saved through the outbox, oldest
// first) into a human-readable history. Lines are named by their SKU when
// o (the current order, may be nil) still has them. Events of other
// aggregates are skipped; unknown event types are shown by type. It is
// pure.
func Timeline(o *Order, events []oms.Event) []TimelineEntry {
	names := map[oms.ID]string{}
	if o != nil {
		for _, l := range o.Lines {
			names[l.ID] = string(l.SKU)
		}
	}
	// Lines removed by edits are gone from o: learn their SKUs from the
	// events that named them.
	for _, e := range events {
		var p struct {
			Lines   []LineSummary `json:"lines"`
			Added   []LineSummary `json:"added"`
			Removed []LineSummary `json:"removed"`
		}
		if (e.Type == EventPlaced || e.Type == EventEdited) && e.Decode(&p) == nil {
			for _, l := range append(append(p.Lines, p.Added...), p.Removed...) {
				if names[l.LineID] == "" {
					names[l.LineID] = string(l.SKU)
				}
			}
		}
	}
	summaries := func(ls []LineSummary) []LineQuantity {
		out := make([]LineQuantity, len(ls))
		for i, l := range ls {
			out[i] = LineQuantity{LineID: l.LineID, Quantity: l.Quantity}
		}
		return out
	}
	lines := func(lq []LineQuantity) string {
		parts := make([]string, len(lq))
		for i, q := range lq {
			name := names[q.LineID]
			if name == "" {
				name = "line " + string(q.LineID)
			}
			parts[i] = fmt.Sprintf("%d × %s", q.Quantity, name)
		}
		return strings.Join(parts, ", ")
	}
	by := func(who string) string {
		if who == "" {
			return ""
		}
		return " by " + who
	}
	suffix := func(sep, s string) string {
		if s == "" {
			return ""
		}
		return sep + s
	}
	var out []TimelineEntry
	for _, e := range events {
		if e.AggregateKind != AggregateKind || (o != nil && e.AggregateID != o.ID) {
			continue
		}
		var text string
		var err error
		switch e.Type {
		case EventPlaced:
			var p PlacedPayload
			if err = e.Decode(&p); err == nil {
				text = fmt.Sprintf("Order %s placed by %s: %s; total %s", p.Number, p.Email, lines(summaries(p.Lines)), p.GrandTotal)
			}
		case EventConfirmed:
			text = "Order confirmed"
		case EventCompleted:
			text = "Order completed: every line delivered or cancelled"
		case EventHoldAdded, EventHoldReleased:
			var p HoldPayload
			if err = e.Decode(&p); err == nil {
				verb := "Put on hold"
				if e.Type == EventHoldReleased {
					verb = "Hold released"
				}
				text = fmt.Sprintf("%s (%s)%s%s", verb, strings.ReplaceAll(string(p.Reason), "_", " "), by(p.By), suffix(": ", p.Note))
			}
		case EventCancelled, EventLinesCancelled:
			var p CancelPayload
			if err = e.Decode(&p); err == nil {
				if e.Type == EventCancelled {
					text = "Order cancelled" + by(p.By) + suffix(": ", p.Reason)
				} else {
					text = "Cancelled " + lines(p.Lines) + by(p.By) + suffix(": ", p.Reason)
				}
				if len(p.Released) > 0 {
					text += "; released allocation of " + lines(p.Released)
				}
			}
		case EventEdited:
			var p EditPayload
			if err = e.Decode(&p); err == nil {
				var parts []string
				if len(p.Added) > 0 {
					parts = append(parts, "added "+lines(summaries(p.Added)))
				}
				if len(p.Removed) > 0 {
					parts = append(parts, "removed "+lines(summaries(p.Removed)))
				}
				if len(p.Changed) > 0 {
					parts = append(parts, "set quantity "+lines(p.Changed))
				}
				text = fmt.Sprintf("Order edited%s: %s; total %s → %s", by(p.By), strings.Join(parts, "; "), p.Before, p.GrandTotal)
			}
		case EventAllocated, EventFulfilled, EventShipped, EventDelivered, EventReturned:
			var p CounterPayload
			if err = e.Decode(&p); err == nil {
				verb := map[string]string{EventAllocated: "Allocated", EventFulfilled: "Packed", EventShipped: "Shipped",
					EventDelivered: "Delivered", EventReturned: "Returned"}[e.Type]
				text = verb + " " + lines(p.Lines)
				if p.Reference != "" {
					text += " (" + p.Reference + ")"
				}
			}
		case EventNoteAdded:
			var p NotePayload
			if err = e.Decode(&p); err == nil {
				text = "Note" + by(p.By) + ": " + p.Text
			}
		case EventPaymentRequested:
			var p PaymentPayload
			if err = e.Decode(&p); err == nil {
				text = fmt.Sprintf("Payment %s of %s requested from the gateway", p.Kind, p.Amount)
			}
		case EventPaymentAuthorized, EventPaymentCaptured, EventPaymentVoided, EventPaymentRefunded:
			var p PaymentPayload
			if err = e.Decode(&p); err == nil {
				verb := map[string]string{EventPaymentAuthorized: "Payment authorized", EventPaymentCaptured: "Payment captured",
					EventPaymentVoided: "Authorization voided", EventPaymentRefunded: "Refunded"}[e.Type]
				text = fmt.Sprintf("%s: %s%s", verb, p.Amount, suffix(" ref ", p.Reference))
			}
		case EventRefunded:
			var p RefundedPayload
			if err = e.Decode(&p); err == nil {
				text = fmt.Sprintf("Refund of %s issued%s", p.Amount, suffix(": ", p.Reason))
				if len(p.Lines) > 0 {
					var ls []LineQuantity
					for _, l := range p.Lines {
						ls = append(ls, LineQuantity{LineID: l.LineID, Quantity: l.Quantity})
					}
					text += " for " + lines(ls)
				}
			}
		case EventPaymentFailed:
			var p PaymentFailedPayload
			if err = e.Decode(&p); err == nil {
				text = fmt.Sprintf("Payment %s of %s failed: %s", p.Kind, p.Amount, p.Error)
			}
		default:
			text = e.Type
		}
		if err != nil {
			text = e.Type + " (unreadable details)"
		}
		out = append(out, TimelineEntry{Time: e.Time, Version: e.AggregateVersion, Type: e.Type, Text: text})
	}
	return out
}
