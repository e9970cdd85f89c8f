package tracking

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/omskit/oms"
)

// Kind is a customer message milestone.
type Kind string

// Message kinds.
const (
	KindOrderConfirmed Kind = "order_confirmed"
	// KindShipped: the carrier has the parcel; the message carries the
	// carrier and the tracking link.
	KindShipped        Kind = "shipped"
	KindOutForDelivery Kind = "out_for_delivery"
	KindDelivered      Kind = "delivered"
	// KindDelayed: late, stalled, a failed attempt, an exception or a
	// return to sender.
	KindDelayed        Kind = "delayed"
	KindReadyForPickup Kind = "ready_for_pickup"
	KindReturnReceived Kind = "return_received"
	KindRefundIssued   Kind = "refund_issued"
)

// Kinds returns every message kind.
func Kinds() []Kind {
	return []Kind{KindOrderConfirmed, KindShipped, KindOutForDelivery, KindDelivered,
		KindDelayed, KindReadyForPickup, KindReturnReceived, KindRefundIssued}
}

// Valid reports whether k is a message kind.
func (k Kind) Valid() bool {
	for _, x := range Kinds() {
		if k == x {
			return true
		}
	}
	return false
}

// KindFor returns the message kind a status change to s deserves, and
// false when it deserves none.
func KindFor(s Status) (Kind, bool) {
	switch s {
	case StatusInTransit:
		return KindShipped, true
	case StatusOutForDelivery:
		return KindOutForDelivery, true
	case StatusDelivered:
		return KindDelivered, true
	case StatusAvailableForPickup:
		return KindReadyForPickup, true
	case StatusDeliveryFailed, StatusException, StatusReturning, StatusReturned, StatusExpired:
		return KindDelayed, true
	}
	return "", false
}

// Channel is a way to reach a customer.
type Channel string

// Channels.
const (
	ChannelEmail Channel = "email"
	ChannelSMS   Channel = "sms"
	ChannelPush  Channel = "push"
)

// Valid reports whether c is a channel.
func (c Channel) Valid() bool { return c == ChannelEmail || c == ChannelSMS || c == ChannelPush }

// Customer is whom a message goes to, with their channel preferences.
type Customer struct {
	// ID is the host's customer ID.
	ID oms.ID `json:"id"`
	// Name is how messages greet the customer.
	Name string `json:"name,omitempty"`
	// Email, Phone and PushToken are the addresses of the e-mail, SMS and
	// push channels; a channel without its address is skipped.
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone,omitempty"`
	PushToken string `json:"push_token,omitempty"`
	// Locale picks the templates ("de-CH" falls back to "de", then to the
	// default).
	Locale string `json:"locale,omitempty"`
	// Channels are the customer's channels for every kind; nil means
	// e-mail only.
	Channels []Channel `json:"channels,omitempty"`
	// PerKind overrides Channels for a kind; an empty (non-nil) list
	// mutes the kind.
	PerKind map[Kind][]Channel `json:"per_kind,omitempty"`
}

// ChannelsFor returns the channels the customer wants for kind that they
// have an address for.
func (c Customer) ChannelsFor(kind Kind) []Channel {
	chs := c.Channels
	if chs == nil {
		chs = []Channel{ChannelEmail}
	}
	if pk, ok := c.PerKind[kind]; ok {
		chs = pk
	}
	var out []Channel
	seen := map[Channel]bool{}
	for _, ch := range chs {
		if seen[ch] || c.address(ch) == "" {
			continue
		}
		seen[ch] = true
		out = append(out, ch)
	}
	return out
}

func (c Customer) address(ch Channel) string {
	switch ch {
	case ChannelEmail:
		return c.Email
	case ChannelSMS:
		return c.Phone
	case ChannelPush:
		return c.PushToken
	}
	return ""
}

// CustomerSource looks customers up; the host implements it. An unknown
// customer returns an error matching oms.ErrNotFound.
type CustomerSource interface {
	Customer(ctx context.Context, id oms.ID) (Customer, error)
}

// CustomerFunc adapts a function to CustomerSource.
type CustomerFunc func(ctx context.Context, id oms.ID) (Customer, error)

// Customer calls f.
func (f CustomerFunc) Customer(ctx context.Context, id oms.ID) (Customer, error) { return f(ctx, id) }

// Message is one rendered message for one channel.
type Message struct {
	// Key is the message's at-most-once key: kind, scope, customer and
	// channel.
	Key     string  `json:"key"`
	Kind    Kind    `json:"kind"`
	Channel Channel `json:"channel"`
	// Locale is the customer's locale the templates were picked for.
	Locale     string `json:"locale,omitempty"`
	CustomerID oms.ID `json:"customer_id"`
	// To is the e-mail address, phone number or push token.
	To string `json:"to"`
	// ShipmentRef and OrderRef are the notice's references.
	ShipmentRef oms.ID `json:"shipment_ref,omitempty"`
	OrderRef    oms.ID `json:"order_ref,omitempty"`
	// Subject is the rendered subject (e-mail and push; SMS ignore it).
	Subject string `json:"subject,omitempty"`
	// Text is the rendered plain-text body.
	Text string `json:"text"`
	// HTML is the HTML body (e-mail only); every value in it is escaped.
	HTML string `json:"html,omitempty"`
}

// Notifier sends messages: the host's e-mail, SMS or push sender. Send must
// be safe for concurrent use. An error means the message was not sent;
// Notifications then releases its claim so a retry may send it.
type Notifier interface {
	Send(ctx context.Context, m Message) error
}

// NotifierFunc adapts a function to Notifier.
type NotifierFunc func(ctx context.Context, m Message) error

// Send calls f.
func (f NotifierFunc) Send(ctx context.Context, m Message) error { return f(ctx, m) }

// Notice is a milestone to tell a customer about.
type Notice struct {
	// Kind is the milestone.
	Kind Kind `json:"kind"`
	// CustomerID is whom to tell. Required.
	CustomerID oms.ID `json:"customer_id"`
	// Scope is what the milestone is about, at most one message per kind,
	// scope, customer and channel: the shipment reference for shipment
	// milestones, the order for order_confirmed, the return or refund for
	// return_received and refund_issued. Empty means ShipmentRef, then
	// OrderRef.
	Scope oms.ID `json:"scope,omitempty"`
	// ShipmentRef and OrderRef are the shipment and order the notice is
	// about, when it has them; templates show OrderRef.
	ShipmentRef oms.ID `json:"shipment_ref,omitempty"`
	OrderRef    oms.ID `json:"order_ref,omitempty"`
	// Carrier, TrackingNumber and TrackingURL describe the parcel.
	Carrier        string `json:"carrier,omitempty"`
	TrackingNumber string `json:"tracking_number,omitempty"`
	TrackingURL    string `json:"tracking_url,omitempty"`
	// Status and Reason are the parcel's status and why (delays).
	Status Status `json:"status,omitempty"`
	Reason Reason `json:"reason,omitempty"`
	// EstimatedDelivery is the carrier's estimated delivery day, zero when
	// none.
	EstimatedDelivery oms.Date `json:"estimated_delivery,omitzero"`
	// Amount is a refund's amount, when it has one.
	Amount *oms.Money `json:"amount,omitempty"`
	// Extra holds host values for overridden templates.
	Extra map[string]string `json:"extra,omitempty"`
}

func (n Notice) scope() oms.ID {
	for _, id := range []oms.ID{n.Scope, n.ShipmentRef, n.OrderRef} {
		if id != "" {
			return id
		}
	}
	return ""
}

// Validate lists every problem of n.
func (n Notice) Validate() error {
	v := &oms.ValidationError{Entity: "notice"}
	if !n.Kind.Valid() {
		v.Add("kind", "unknown kind %q", n.Kind)
	}
	checkID(v, "customer_id", n.CustomerID, true)
	if n.scope() == "" {
		v.Add("scope", "is required (scope, shipment_ref or order_ref)")
	}
	checkID(v, "scope", n.Scope, false)
	checkID(v, "shipment_ref", n.ShipmentRef, false)
	checkID(v, "order_ref", n.OrderRef, false)
	return v.Err()
}

// NotificationsOptions configures Notifications.
type NotificationsOptions struct {
	// Senders by channel. Required: at least one.
	Senders map[Channel]Notifier
	// Customers looks recipients up. Required.
	Customers CustomerSource
	// Templates renders messages; nil means DefaultTemplates().
	Templates *Templates
	// Clock stamps claims; default the system clock.
	Clock oms.Clock
	// Logger receives send failures at warn level; default none.
	Logger *slog.Logger
}

// Notifications sends customers their milestone messages, each at most
// once per kind, scope (shipment), customer and channel: before sending it
// claims the message's key in the Store, atomically, so repeated and
// concurrent events (a webhook retried, two pollers, a relay redelivering
// an outbox event) send one message. It is safe for concurrent use.
type Notifications struct {
	store Store
	opts  NotificationsOptions
}

// NewNotifications returns Notifications recording sends in store.
func NewNotifications(store Store, opts *NotificationsOptions) (*Notifications, error) {
	var o NotificationsOptions
	if opts != nil {
		o = *opts
	}
	v := &oms.ValidationError{Entity: "notifications options"}
	if len(o.Senders) == 0 {
		v.Add("senders", "at least one sender is required")
	}
	for ch, sender := range o.Senders {
		if !ch.Valid() {
			v.Add("senders", "unknown channel %q", ch)
		}
		if sender == nil {
			v.Add("senders", "the sender of channel %q is nil", ch)
		}
	}
	if o.Customers == nil {
		v.Add("customers", "is required")
	}
	if store == nil {
		v.Add("store", "is required")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if o.Templates == nil {
		o.Templates = DefaultTemplates()
	}
	if o.Clock == nil {
		o.Clock = oms.SystemClock()
	}
	return &Notifications{store: store, opts: o}, nil
}

// MessageKey returns the at-most-once key of a message.
func MessageKey(kind Kind, scope, customerID oms.ID, ch Channel) string {
	esc := func(s oms.ID) string {
		return strings.ReplaceAll(strings.ReplaceAll(string(s), "%", "%25"), "|", "%7C")
	}
	return "notify|" + string(kind) + "|" + esc(scope) + "|" + esc(customerID) + "|" + string(ch)
}

// Notify sends notice on each channel the customer wants and has a sender
// for, unless it was sent before, and returns the messages it sent now.
// Send errors are joined into the returned error; the messages that did go
// out stay recorded.
func (n *Notifications) Notify(ctx context.Context, notice Notice) ([]Message, error) {
	if err := notice.Validate(); err != nil {
		return nil, err
	}
	c, err := n.opts.Customers.Customer(ctx, notice.CustomerID)
	if err != nil {
		return nil, fmt.Errorf("tracking: customer %q: %w", notice.CustomerID, err)
	}
	c.ID = notice.CustomerID // the key's customer, whatever the source filled in
	var sent []Message
	var errs []error
	for _, ch := range c.ChannelsFor(notice.Kind) {
		sender, ok := n.opts.Senders[ch]
		if !ok {
			continue
		}
		r, err := n.opts.Templates.Render(notice.Kind, c.Locale, ch, TemplateData{Customer: c, Notice: notice})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		m := Message{
			Key: MessageKey(notice.Kind, notice.scope(), c.ID, ch), Kind: notice.Kind, Channel: ch,
			Locale: c.Locale, CustomerID: c.ID, To: c.address(ch),
			ShipmentRef: notice.ShipmentRef, OrderRef: notice.OrderRef,
			Subject: r.Subject, Text: r.Text, HTML: r.HTML,
		}
		ok, err = n.store.ClaimNotification(ctx, m.Key, n.opts.Clock.Now())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !ok {
			continue // sent (or being sent) already
		}
		if err := sender.Send(ctx, m); err != nil {
			if n.opts.Logger != nil {
				n.opts.Logger.Warn("tracking: notification not sent", "key", m.Key, "err", err)
			}
			errs = append(errs, fmt.Errorf("tracking: send %s: %w", m.Key, err))
			if rerr := n.store.ReleaseNotification(context.WithoutCancel(ctx), m.Key); rerr != nil {
				errs = append(errs, rerr)
			}
			continue
		}
		sent = append(sent, m)
	}
	return sent, errors.Join(errs...)
}

// Publish implements oms.Publisher over tracking's outbox events, so a
// Relay can drive notifications: a status change sends the milestone's
// message (KindFor), an exception alert sends KindDelayed. Other events,
// trackers without a customer and trackers whose reason is
// ReasonTrackingError (the tracking API failed, not the parcel) are
// ignored. Redelivered events send nothing new.
func (n *Notifications) Publish(ctx context.Context, e oms.Event) error {
	var snap Snapshot
	var kind Kind
	switch e.Type {
	case EventStatusChanged:
		var sc StatusChangedPayload
		if err := e.Decode(&sc); err != nil {
			return err
		}
		k, ok := KindFor(sc.Status)
		if !ok {
			return nil
		}
		snap, kind = sc.Snapshot, k
	case EventExceptionDetected:
		var ar ExceptionDetectedPayload
		if err := e.Decode(&ar); err != nil {
			return err
		}
		snap, kind = ar.Snapshot, KindDelayed
		if snap.Reason == "" {
			snap.Reason = ar.Alert.Reason
		}
	default:
		return nil
	}
	if snap.CustomerID == "" || snap.Reason == ReasonTrackingError {
		return nil // nobody to tell; or the tracking API failed, not the parcel
	}
	_, err := n.Notify(ctx, Notice{
		Kind: kind, CustomerID: snap.CustomerID, ShipmentRef: snap.ShipmentRef, OrderRef: snap.OrderRef,
		Carrier: snap.Carrier, TrackingNumber: snap.TrackingNumber, TrackingURL: snap.TrackingURL,
		Status: snap.Status, Reason: snap.Reason, EstimatedDelivery: snap.EstimatedDelivery,
	})
	return err
}

var _ oms.Publisher = (*Notifications)(nil)
