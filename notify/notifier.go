package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/omskit/oms"
)

// Message is one rendered message for one channel.
type Message struct {
	// Key identifies the message: the claim key of its milestone, or for a
	// digest a key derived from the claim keys of all its milestones, so
	// that a digest retried with the same milestones keeps its key and one
	// that tells more gets another. A Sender may use it as an idempotency
	// key.
	Key string `json:"key"`
	// Kind is the milestone, or KindDigest for several.
	Kind    Kind    `json:"kind"`
	Channel Channel `json:"channel"`
	// Locale is the locale the templates were picked for.
	Locale string `json:"locale,omitempty"`
	// CustomerID is the customer's ID; empty for a guest.
	CustomerID oms.ID `json:"customer_id,omitempty"`
	// To is the e-mail address, phone number, push token or (portal) the
	// customer ID.
	To string `json:"to"`
	// OrderID and OrderNumber name the order.
	OrderID     oms.ID `json:"order_id"`
	OrderNumber string `json:"order_number,omitempty"`
	// Milestones are the milestones the message tells: one, or several
	// for a digest.
	Milestones []Sent `json:"milestones"`
	// Subject is the subject (e-mail, push, portal; empty for SMS).
	Subject string `json:"subject,omitempty"`
	// Text is the plain body.
	Text string `json:"text"`
	// HTML is the HTML body (e-mail and portal); every value in it is
	// escaped.
	HTML string `json:"html,omitempty"`
}

// Sent names one milestone a message tells.
type Sent struct {
	Kind  Kind   `json:"kind"`
	Scope string `json:"scope"`
	// Key is the milestone's claim key on this channel.
	Key string `json:"key"`
}

// Sender delivers messages: the host's e-mail, SMS, push or portal inbox.
// Send must be safe for concurrent use. An error means the message was
// not sent; the Notifier then releases its claims, so a retry may send it.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SenderFunc adapts a function to Sender.
type SenderFunc func(ctx context.Context, m Message) error

// Send calls f.
func (f SenderFunc) Send(ctx context.Context, m Message) error { return f(ctx, m) }

// Options configures a Notifier.
type Options struct {
	// Sender sends the messages. Required.
	Sender Sender
	// Templates renders messages; nil means DefaultTemplates().
	Templates *Templates
	// DefaultLocale is the locale of customers without one; default "",
	// the templates' default (English).
	DefaultLocale string
	// DefaultChannels are the channels of customers without preferences;
	// nil means e-mail only.
	DefaultChannels []Channel
	// Digest, when positive, folds the milestones of one order decided
	// within this window of the first into one message per channel
	// (KindDigest; a single milestone is sent as itself). They are sent
	// once the window has passed, by the next Publish of the order's
	// events or by Flush, which the host calls periodically. Zero sends
	// each milestone at once.
	Digest time.Duration
	// DeliveredByTracking is for hosts that ship without package
	// fulfillment, whose shipments only tracking reports: a shipment is
	// then delivered once every parcel tracking registered for it (one
	// tracker per parcel, each registered before its scans, all with the
	// same ShipmentRef) is delivered. Register every parcel of a shipment
	// before the first is delivered. Leave it off with fulfillment, whose
	// shipment.delivered event says when the whole shipment arrived.
	DeliveredByTracking bool
	// ClaimTimeout is how long a message's claim may stay held (claimed,
	// its send not yet reported) before other senders take the message as
	// sent: its holder stopped between claiming and reporting (a crash, a
	// store that failed to record the outcome), and whether it sent the
	// message cannot be told. Messages go out at most once, so such a
	// message is not sent again (Message.Key lets a Sender drop
	// duplicates if a host prefers at least once). Until then, other
	// senders leave the message pending for its holder to settle. It must
	// be far longer than any send; default 15 minutes.
	ClaimTimeout time.Duration
	// Clock stamps decisions and claims and times the digest window;
	// default the system clock.
	Clock oms.Clock
	// Logger receives skipped events and failed sends at warn level;
	// default none.
	Logger *slog.Logger
}

// Notifier tells customers about their orders' milestones. It is an
// oms.Publisher a Relay feeds with the outbox events of order, tracking,
// fulfillment and returns (or a bus subscriber calls); see the package
// documentation for the model. It is safe for concurrent use: several
// relays and processes may feed it the same events, and each message
// goes out once.
type Notifier struct {
	store Store
	opts  Options
}

var _ oms.Publisher = (*Notifier)(nil)

// New returns a Notifier keeping its state in store. Missing or invalid
// options return an error matching oms.ErrValidation.
func New(store Store, opts *Options) (*Notifier, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	v := newProblems("notify options")
	if isNil(store) {
		v.Add("store", "is required")
	}
	if isNil(o.Sender) {
		v.Add("sender", "is required")
	}
	if o.Clock != nil && isNil(o.Clock) {
		v.Add("clock", "is a nil %T", o.Clock)
	}
	for _, c := range o.DefaultChannels {
		if !c.Valid() {
			v.Add("default_channels", "unknown channel %q", c)
		}
	}
	if o.Digest < 0 {
		v.Add("digest", "must not be negative, got %v", o.Digest)
	}
	if o.ClaimTimeout < 0 {
		v.Add("claim_timeout", "must not be negative, got %v", o.ClaimTimeout)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if o.Templates == nil {
		o.Templates = DefaultTemplates()
	}
	if o.DefaultChannels == nil {
		o.DefaultChannels = []Channel{ChannelEmail}
	}
	o.DefaultChannels = slices.Clone(o.DefaultChannels)
	if o.Clock == nil {
		o.Clock = oms.SystemClock()
	}
	if o.ClaimTimeout == 0 {
		o.ClaimTimeout = DefaultClaimTimeout
	}
	return &Notifier{store: store, opts: o}, nil
}

// DefaultClaimTimeout is Options.ClaimTimeout's default.
const DefaultClaimTimeout = 15 * time.Minute

// maxRetries bounds the version-conflict retries of one update.
const maxRetries = 100

// update loads the document id (a new one when missing), applies fn and
// saves it, retrying on a lost race. fn returns false to save nothing.
// learned says fn applies news of the order (UpdatedAt moves), not only
// the outcome of a send.
func (n *Notifier) update(ctx context.Context, id oms.ID, learned bool, fn func(p *Progress) bool) (*Progress, error) {
	for range maxRetries {
		p, err := n.store.Progress(ctx, id)
		switch {
		case errors.Is(err, oms.ErrNotFound):
			p = &Progress{ID: id}
		case err != nil:
			return nil, err
		}
		if !fn(p) {
			return p, nil
		}
		p.Version++
		if learned {
			p.UpdatedAt = n.opts.Clock.Now()
		}
		err = n.store.SaveProgress(ctx, p)
		if errors.Is(err, oms.ErrConflict) || (errors.Is(err, oms.ErrNotFound) && p.Version > 1) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return p, nil
	}
	return nil, fmt.Errorf("notify: progress %s: too many concurrent updates: %w", id, oms.ErrConflict)
}

// Publish implements oms.Publisher: it applies e to its order's progress
// (each event once, by ID), decides the milestones it brings, and sends
// what is due. Event types notify does not use are ignored, and so is an
// event it cannot read (a payload that does not decode, an event without
// the order it is about): retrying it would never succeed, so it is
// logged and skipped rather than blocking the relay. Store and Sender
// failures are returned, so that the relay delivers the event again; the
// messages that did go out are not sent twice.
func (n *Notifier) Publish(ctx context.Context, e oms.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c, ok, err := read(e)
	if err == nil && ok {
		err = validID("event", c.doc)
	}
	if err != nil {
		if n.opts.Logger != nil {
			n.opts.Logger.Warn("notify: event skipped", "event", e.ID, "type", e.Type, "err", err)
		}
		return nil
	}
	if !ok {
		return nil
	}
	if c.exchange != "" && validID("event", c.exchange) == nil {
		if _, err := n.update(ctx, c.exchange, true, func(p *Progress) bool {
			if p.ExchangeOf != "" {
				return false
			}
			p.ExchangeOf = c.doc
			return true
		}); err != nil {
			return err
		}
	}
	now := n.opts.Clock.Now()
	p, err := n.update(ctx, c.doc, true, func(p *Progress) bool {
		if e.ID != "" && p.applied(e.ID) {
			return false
		}
		if e.ID != "" {
			p.Applied = append(p.Applied, e.ID)
		}
		d := &decider{p: p, now: now, byTracking: n.opts.DeliveredByTracking}
		c.apply(p, d)
		n.schedule(p, now)
		return true
	})
	if err != nil {
		return err
	}
	_, err = n.flush(ctx, c.doc, p)
	return err
}

// lastDueAt is the latest DueAt: the end of year 9999, the last time
// encoding/json (RFC 3339) writes.
var lastDueAt = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)

// schedule sets p.DueAt: when its pending milestones may be sent.
func (n *Notifier) schedule(p *Progress, now time.Time) {
	if len(p.Pending) == 0 || !p.Customer.known() {
		p.DueAt = time.Time{}
		return
	}
	if !p.DueAt.IsZero() {
		return
	}
	first := now
	for _, m := range p.Pending {
		if m.At.Before(first) {
			first = m.At
		}
	}
	p.DueAt = first.Add(n.opts.Digest)
	if p.DueAt.After(lastDueAt) {
		// Past year 9999, which a store writing RFC 3339 (JSON) cannot
		// hold: due at the last instant it can.
		p.DueAt = lastDueAt
	}
	if p.DueAt.IsZero() {
		// Due at the zero time (a clock reading it), which DueAt cannot
		// say: a nanosecond earlier is due at the same reads.
		p.DueAt = p.DueAt.Add(-1)
	}
}

// Flush sends the pending messages of every order whose digest window
// has passed (or whose earlier send failed), and returns how many
// messages it sent. The host calls it periodically when Options.Digest is
// set; it is safe to call from several processes at once.
func (n *Notifier) Flush(ctx context.Context) (int, error) {
	now := n.opts.Clock.Now()
	var after oms.ID
	total := 0
	var errs []error
	for {
		ids, err := n.store.Due(ctx, now, after, 100)
		if err != nil {
			return total, errors.Join(append(errs, err)...)
		}
		for _, id := range ids {
			k, err := n.flush(ctx, id, nil)
			total += k
			if err != nil {
				errs = append(errs, err)
			}
		}
		if len(ids) < 100 {
			return total, errors.Join(errs...)
		}
		after = ids[len(ids)-1]
	}
}

// recipient is where one channel's messages go.
type recipient struct {
	locale, name string
	customer     oms.ID
	prefs        Preferences
}

func (r recipient) address(p *Progress, ch Channel) string {
	switch ch {
	case ChannelEmail:
		return firstOf(r.prefs.Email, p.Customer.Email)
	case ChannelSMS:
		return firstOf(r.prefs.Phone, p.Customer.Phone)
	case ChannelPush:
		return r.prefs.PushToken
	case ChannelPortal:
		return string(r.customer)
	}
	return ""
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// MessageKey returns the at-most-once key of a milestone's message on a
// channel: the order (or shipment) document, the kind, the scope, the
// recipient (customer ID, else the address) and the channel.
func MessageKey(doc oms.ID, kind Kind, scope, recipient string, ch Channel) string {
	esc := func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(s, "%", "%25"), "|", "%7C")
	}
	return "notify|" + esc(string(doc)) + "|" + string(kind) + "|" + esc(scope) + "|" + esc(recipient) + "|" + string(ch)
}

// digestKey returns the Message.Key of a digest on a channel: the order
// (or shipment) document, the recipient and the channel as in MessageKey,
// and a digest of the claim keys of the milestones it tells, in any order.
// A retry of the same milestones gets the same key, so a Sender that drops
// duplicates by key drops it; a digest that tells one more milestone (one
// decided before the retry of a send whose answer was lost) gets another
// key and goes out.
func digestKey(doc oms.ID, recipient string, ch Channel, milestoneKeys []string) string {
	keys := slices.Clone(milestoneKeys)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	h := sha256.New()
	for _, k := range keys {
		// Length-prefixed, so that no two lists of keys hash alike.
		fmt.Fprintf(h, "%d:%s", len(k), k)
	}
	return MessageKey(doc, KindDigest, "sha256:"+hex.EncodeToString(h.Sum(nil)), recipient, ch)
}

// flush sends the due pending milestones of document id and removes the
// ones that went out (or that another sender claimed). It returns how
// many messages it sent. saved, when not nil, is the document as just
// saved: when it has nothing due, the store is not read again.
func (n *Notifier) flush(ctx context.Context, id oms.ID, saved *Progress) (int, error) {
	now := n.opts.Clock.Now()
	if saved != nil && (len(saved.Pending) == 0 || saved.DueAt.IsZero() || saved.DueAt.After(now)) {
		return 0, nil // nothing due in the document just saved
	}
	p, err := n.store.Progress(ctx, id)
	if errors.Is(err, oms.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(p.Pending) == 0 || p.DueAt.IsZero() || p.DueAt.After(now) {
		return 0, nil
	}
	rc := recipient{customer: p.Customer.ID, name: p.Customer.Name, locale: n.opts.DefaultLocale}
	if p.Customer.ID != "" {
		prefs, err := n.store.Preferences(ctx, p.Customer.ID)
		switch {
		case err == nil:
			rc.prefs = prefs
			if prefs.Locale != "" {
				rc.locale = prefs.Locale
			}
			if prefs.Name != "" {
				rc.name = prefs.Name
			}
		case !errors.Is(err, oms.ErrNotFound):
			return 0, err
		}
	}
	who := string(p.Customer.ID)
	if who == "" {
		who = firstOf(p.Customer.Email, p.Customer.Phone)
	}
	// In the order decided: within a scope that is the order of rank.
	pending := slices.Clone(p.Pending)
	// Per channel, the milestones the customer wants there.
	var sent int
	var errs []error
	failed := map[string]bool{}  // milestone (kind|scope) not sent on some channel
	waiting := map[string]bool{} // milestone with a wanted channel that has no address yet
	held := map[string]bool{}    // milestone another attempt is sending on some channel
	token := string(oms.NewID()) // this flush's claims
	for _, ch := range Channels() {
		to := rc.address(p, ch)
		var items []Milestone
		for _, m := range pending {
			if !slices.Contains(rc.prefs.channelsFor(m.Kind, n.opts.DefaultChannels), ch) {
				continue
			}
			if to == "" {
				// No address on this channel: while no order event has
				// named the customer's addresses (a tracking event may
				// come first), wait for one; after that, the channel is
				// skipped.
				if p.Status == "" {
					waiting[string(m.Kind)+"|"+m.Scope] = true
				}
				continue
			}
			items = append(items, m)
		}
		if len(items) == 0 {
			continue
		}
		// Claim each milestone on this channel; the won ones go out.
		var won []Milestone
		var keys []string
		for _, m := range items {
			key := MessageKey(p.ID, m.Kind, m.Scope, who, ch)
			mk := string(m.Kind) + "|" + m.Scope
			c, err := n.store.Claim(ctx, key, token, now)
			switch {
			case err != nil:
				// The claim may have been taken all the same (the
				// store failed after writing it): give it back.
				errs = append(errs, err)
				failed[mk] = true
				if rerr := n.release(ctx, key, token); rerr != nil {
					errs = append(errs, rerr)
				}
			case c.Token == token:
				won = append(won, m)
				keys = append(keys, key)
			case c.State == ClaimSent:
				// Sent by another attempt: done on this channel.
			case now.Sub(c.At) >= n.opts.ClaimTimeout:
				// Held for longer than any send takes: its holder
				// stopped between claiming and reporting. At most once:
				// taken as sent.
				if n.opts.Logger != nil {
					n.opts.Logger.Warn("notify: claim held past the claim timeout taken as sent", "key", key, "since", c.At)
				}
			default:
				// Another attempt is sending it: it stays pending until
				// that attempt reports, and the holder settles it.
				held[mk] = true
			}
		}
		if len(won) == 0 {
			continue
		}
		// With a digest window the won milestones go out as one message;
		// without, each as its own.
		groups := [][]int{}
		if n.opts.Digest > 0 {
			all := make([]int, len(won))
			for i := range won {
				all[i] = i
			}
			groups = append(groups, all)
		} else {
			for i := range won {
				groups = append(groups, []int{i})
			}
		}
		for _, g := range groups {
			gm := make([]Milestone, len(g))
			gk := make([]string, len(g))
			for j, i := range g {
				gm[j], gk[j] = won[i], keys[i]
			}
			msg, err := n.render(p, rc, ch, to, gm, gk)
			if err == nil && len(gk) > 1 {
				msg.Key = digestKey(p.ID, who, ch, gk)
			}
			if err == nil {
				err = n.send(ctx, msg)
			}
			if err != nil {
				if n.opts.Logger != nil {
					n.opts.Logger.Warn("notify: message not sent", "order", p.ID, "channel", ch, "err", err)
				}
				errs = append(errs, fmt.Errorf("notify: send %s: %w", gk[0], err))
				for j, k := range gk {
					if rerr := n.release(ctx, k, token); rerr != nil {
						errs = append(errs, rerr)
					}
					failed[string(gm[j].Kind)+"|"+gm[j].Scope] = true
				}
				continue
			}
			sent++
			for _, k := range gk {
				// The message went out, so its milestones are done
				// whatever the store says; a claim left held is taken as
				// sent once the claim timeout has passed.
				if merr := n.store.MarkSent(context.WithoutCancel(ctx), k, token); merr != nil {
					if n.opts.Logger != nil {
						n.opts.Logger.Warn("notify: sent message not marked sent", "key", k, "err", merr)
					}
					errs = append(errs, fmt.Errorf("notify: mark %s sent: %w", k, merr))
				}
			}
		}
	}
	// Remove the milestones that went out on every channel (here or by
	// another attempt); keep the failed ones pending for a retry, the ones
	// another attempt is sending for that attempt to settle, and the
	// waiting ones for the order's addresses.
	done := map[string]bool{}
	for _, m := range pending {
		if k := string(m.Kind) + "|" + m.Scope; !failed[k] && !waiting[k] && !held[k] {
			done[k] = true
		}
	}
	if _, err := n.update(ctx, id, false, func(q *Progress) bool {
		changed := false
		q.Pending = slices.DeleteFunc(q.Pending, func(m Milestone) bool {
			d := done[string(m.Kind)+"|"+m.Scope]
			changed = changed || d
			return d
		})
		// A milestone this flush failed to send goes back to pending even
		// when a concurrent flush, seeing it claimed by us, removed it.
		for _, m := range pending {
			k := string(m.Kind) + "|" + m.Scope
			if failed[k] && !slices.ContainsFunc(q.Pending, func(x Milestone) bool { return string(x.Kind)+"|"+x.Scope == k }) {
				q.Pending = append(q.Pending, m)
				changed = true
			}
		}
		onlyWaiting := !slices.ContainsFunc(q.Pending, func(m Milestone) bool { return !waiting[string(m.Kind)+"|"+m.Scope] })
		if len(waiting) > 0 && len(failed) == 0 && len(held) == 0 && onlyWaiting {
			// Nothing to retry: wait for the next event of the order
			// rather than being listed by Due again and again. (A
			// milestone decided meanwhile, by another sender, keeps the
			// order due.)
			changed = changed || !q.DueAt.IsZero()
			q.DueAt = time.Time{}
		} else if changed {
			q.DueAt = time.Time{}
			n.schedule(q, now)
		}
		return changed
	}); err != nil {
		errs = append(errs, err)
	}
	return sent, errors.Join(errs...)
}

// send calls the Sender, turning a panic into an error (so that the
// message's claims are released and the send retried).
func (n *Notifier) send(ctx context.Context, m Message) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("notify: sender panicked: %v", v)
		}
	}()
	return n.opts.Sender.Send(ctx, m)
}

// releaseAttempts is how many times a claim of a failed send is released
// before giving up on it.
const releaseAttempts = 3

// release forgets the claim of a failed send, trying a few times: a claim
// that stays held keeps the message pending until the claim timeout, and
// then it is taken as sent (at most once wins over at least once when the
// store keeps failing).
func (n *Notifier) release(ctx context.Context, key, token string) error {
	ctx = context.WithoutCancel(ctx)
	var err error
	for range releaseAttempts {
		if err = n.store.Release(ctx, key, token); err == nil {
			return nil
		}
	}
	if n.opts.Logger != nil {
		n.opts.Logger.Error("notify: claim of a failed send not released; the message will not be sent", "key", key, "err", err)
	}
	return fmt.Errorf("notify: release %s: %w", key, err)
}

// isNil reports whether v is nil or an interface holding a nil pointer,
// map, slice, channel or function (a typed nil would panic when called).
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch r := reflect.ValueOf(v); r.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.Interface:
		return r.IsNil()
	}
	return false
}
