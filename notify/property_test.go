package notify_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/notify/notifytest"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/tracking"
)

// world is what the generator made of one order: its events in the order
// they happened, and what the checks need to know.
type world struct {
	id     oms.ID
	events []oms.Event
	// packages of each shipment, and which shipments had every package
	// delivered (and so a shipment.delivered event).
	packages  map[oms.ID]int
	delivered map[oms.ID]bool
	shipped   map[oms.ID]bool
	// pkgDelivered names the package-delivery events of each shipment
	// (fulfillment's and tracking's) by event ID, with the package index.
	pkgDelivered map[oms.ID]map[oms.ID]int
	cancelled    bool
}

// generate builds the events of one random order: lines, maybe a
// cancellation of some units or of the whole order, one to three
// shipments of one to three packages each (some partial, some with a
// stalled or failed package that never arrives), tracking scans per
// package, sometimes a return with its label, receipt and refund.
func generate(r *rand.Rand, i int) world {
	id := oms.ID(fmt.Sprintf("ord-%03d", i))
	cust := order.Customer{ID: oms.ID(fmt.Sprintf("cust-%03d", i)), Email: fmt.Sprintf("c%d@example.com", i), Name: "C"}
	if r.IntN(5) == 0 {
		cust.ID = "" // a guest
	}
	s := notifytest.NewScript(id, fmt.Sprint(1000+i), cust, t0)
	w := world{id: id, packages: map[oms.ID]int{}, delivered: map[oms.ID]bool{}, shipped: map[oms.ID]bool{}, pkgDelivered: map[oms.ID]map[oms.ID]int{}}
	add := func(e ...oms.Event) { w.events = append(w.events, e...) }
	nLines := 1 + r.IntN(3)
	var lines []notifytest.Line
	qty := map[oms.ID]int64{}
	for l := range nLines {
		lid := oms.ID(fmt.Sprintf("l%d", l))
		q := int64(1 + r.IntN(4))
		lines = append(lines, notifytest.Line{ID: lid, SKU: oms.SKU(fmt.Sprintf("SKU-%d", l)), Name: fmt.Sprintf("Item %d", l), Quantity: q, Total: "10.00"})
		qty[lid] = q
	}
	add(s.Placed(lines...), s.Confirmed(lines...))
	if r.IntN(5) == 0 {
		l := lines[r.IntN(len(lines))]
		if qty[l.ID] > 1 {
			add(s.LinesCancelled(lq(l.ID, 1)))
			qty[l.ID]--
		}
	}
	if r.IntN(10) == 0 {
		var units []order.LineQuantity
		for _, l := range lines {
			units = append(units, lq(l.ID, qty[l.ID]))
		}
		add(s.Cancelled(units...))
		w.cancelled = true
		return w
	}
	// Shipments: split the lines over 1–3 shipments; sometimes the last
	// lines never ship (a partial order).
	nShip := 1 + r.IntN(min(3, len(lines)))
	for k := range nShip {
		sh := oms.ID(fmt.Sprintf("%s-sh%d", id, k))
		var units []order.LineQuantity
		for j, l := range lines {
			if j%nShip == k {
				units = append(units, lq(l.ID, qty[l.ID]))
			}
		}
		if k == nShip-1 && nShip > 1 && r.IntN(4) == 0 {
			continue // never shipped
		}
		nPkg := 1 + r.IntN(3)
		w.packages[sh] = nPkg
		w.pkgDelivered[sh] = map[oms.ID]int{}
		add(s.ShipmentCreated(sh, "ups"))
		var tns []string
		for p := range nPkg {
			tn := fmt.Sprintf("1Z%s%d", sh, p)
			tns = append(tns, tn)
			add(s.LabelPurchased(sh, p, tn))
		}
		add(s.ShipmentShipped(sh), s.OrderShipped(string(sh), units...))
		w.shipped[sh] = true
		stalled := r.IntN(5) == 0
		for p, tn := range tns {
			add(s.Tracking(sh, tn, tracking.StatusInTransit, ""))
			if r.IntN(2) == 0 {
				add(s.Tracking(sh, tn, tracking.StatusOutForDelivery, ""))
			}
			if stalled && p == nPkg-1 {
				if r.IntN(2) == 0 {
					add(s.Exception(sh, tn, tracking.AlertStalled, tracking.ReasonNoScan))
				} else {
					add(s.Tracking(sh, tn, tracking.StatusDeliveryFailed, tracking.ReasonAddressIssue), s.ShipmentException(sh, p, tn, "delivery_failed:address_issue"))
				}
				continue
			}
			te := s.Tracking(sh, tn, tracking.StatusDelivered, "")
			fe := s.PackageDelivered(sh, p, tn)
			add(te, fe)
			w.pkgDelivered[sh][te.ID] = p
			w.pkgDelivered[sh][fe.ID] = p
		}
		if !stalled {
			add(s.ShipmentDelivered(sh), s.OrderDelivered(string(sh), units...))
			w.delivered[sh] = true
		}
	}
	if r.IntN(3) == 0 {
		ret := oms.ID(fmt.Sprintf("%s-ret", id))
		add(s.ReturnRequested(ret, lq(lines[0].ID, 1)), s.ReturnApproved(ret))
		if r.IntN(2) == 0 {
			add(s.ReturnLabel(ret, "https://labels.example/"+string(ret), "RT"+string(ret)))
		}
		add(s.ReturnReceived(ret, true), s.Refunded("ret-"+string(ret), "10.00"))
	}
	return w
}

// interleave merges the worlds' events in a random order that keeps each
// aggregate's events in order (as a relay delivers them), and redelivers
// a random fifth of them again at a random later point.
func interleave(r *rand.Rand, worlds []world) []oms.Event {
	queues := map[oms.ID][]oms.Event{}
	var aggs []oms.ID
	for _, w := range worlds {
		for _, e := range w.events {
			if _, ok := queues[e.AggregateID]; !ok {
				aggs = append(aggs, e.AggregateID)
			}
			queues[e.AggregateID] = append(queues[e.AggregateID], e)
		}
	}
	var out []oms.Event
	for len(aggs) > 0 {
		i := r.IntN(len(aggs))
		a := aggs[i]
		out = append(out, queues[a][0])
		queues[a] = queues[a][1:]
		if len(queues[a]) == 0 {
			aggs = slices.Delete(aggs, i, i+1)
		}
	}
	return duplicate(r, out)
}

// duplicate inserts a copy of a random fifth of the events at a random
// later point.
func duplicate(r *rand.Rand, evs []oms.Event) []oms.Event {
	out := slices.Clone(evs)
	for i := range evs {
		if r.IntN(5) == 0 {
			at := i + 1 + r.IntN(len(out)-i)
			out = slices.Insert(out, min(at, len(out)), evs[i])
		}
	}
	return out
}

// sentAt records each message with the feed position it was sent at.
type sentAt struct {
	mu   sync.Mutex
	pos  int
	msgs []notify.Message
	at   []int
}

func (s *sentAt) Send(_ context.Context, m notify.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	s.at = append(s.at, s.pos)
	return nil
}

// TestPropertyMilestones: the events of 200 generated orders, fed in
// random interleavings with duplicates (and, in the second mode, fully
// shuffled, so that even one aggregate's events come out of order),
// produce for every order each milestone at most once per channel, never
// a milestone after a later one of its scope, and "delivered" only for a
// shipment whose every package was delivered, after the shipment's
// delivery and each package's delivery known to notify were fed.
func TestPropertyMilestones(t *testing.T) {
	for _, mode := range []string{"relay order", "shuffled"} {
		t.Run(strings.ReplaceAll(mode, " ", "_"), func(t *testing.T) {
			r := rand.New(rand.NewPCG(16, uint64(len(mode))))
			worlds := make([]world, 200)
			for i := range worlds {
				worlds[i] = generate(r, i)
			}
			var feed []oms.Event
			if mode == "shuffled" {
				for _, w := range worlds {
					feed = append(feed, w.events...)
				}
				r.Shuffle(len(feed), func(i, j int) { feed[i], feed[j] = feed[j], feed[i] })
				feed = duplicate(r, feed)
			} else {
				feed = interleave(r, worlds)
			}
			store := notify.NewMemoryStore()
			sender := &sentAt{}
			n, err := notify.New(store, &notify.Options{Sender: sender, Clock: oms.NewManualClock(t0)})
			if err != nil {
				t.Fatal(err)
			}
			// Some customers want SMS too.
			for i, w := range worlds {
				if i%4 == 0 && w.events[0].Type == order.EventPlaced {
					var pl order.PlacedPayload
					_ = w.events[0].Decode(&pl)
					if pl.CustomerID != "" {
						_ = n.SetPreferences(context.Background(), pl.CustomerID, notify.Preferences{Channels: []notify.Channel{notify.ChannelEmail, notify.ChannelSMS}, Phone: "+1 555 0100"})
					}
				}
			}
			firstFed := map[oms.ID]int{}
			for i, e := range feed {
				sender.mu.Lock()
				sender.pos = i
				sender.mu.Unlock()
				if _, ok := firstFed[e.ID]; !ok {
					firstFed[e.ID] = i
				}
				if err := n.Publish(context.Background(), e); err != nil {
					t.Fatalf("publish %d (%s): %v", i, e.Type, err)
				}
			}
			check(t, mode, worlds, sender, firstFed)
		})
	}
}

func check(t *testing.T, mode string, worlds []world, sender *sentAt, firstFed map[oms.ID]int) {
	t.Helper()
	byOrder := map[oms.ID]world{}
	for _, w := range worlds {
		byOrder[w.id] = w
	}
	type key struct {
		order       oms.ID
		scope, kind string
		ch          notify.Channel
	}
	count := map[key]int{}
	lastRank := map[key]int{} // kind "" : the scope's highest rank sent on the channel
	deliveredMsgs := map[oms.ID]int{}
	shippedMsgs := map[oms.ID]int{}
	for i, m := range sender.msgs {
		w := byOrder[m.OrderID]
		for _, ms := range m.Milestones {
			k := key{m.OrderID, ms.Scope, string(ms.Kind), m.Channel}
			count[k]++
			if count[k] > 1 {
				t.Errorf("%s: %s %s sent %d times on %s", m.OrderID, ms.Kind, ms.Scope, count[k], m.Channel)
			}
			sk := key{m.OrderID, ms.Scope, "", m.Channel}
			if r := notify.Rank(ms.Kind); r < lastRank[sk] {
				t.Errorf("%s: %s of %s sent after a later milestone (rank %d < %d)", m.OrderID, ms.Kind, ms.Scope, r, lastRank[sk])
			} else {
				lastRank[sk] = r
			}
			sh := oms.ID(strings.TrimPrefix(ms.Scope, "shipment:"))
			if ms.Kind == notify.KindShipped && m.Channel == notify.ChannelEmail {
				shippedMsgs[sh]++
			}
			if ms.Kind != notify.KindDelivered {
				continue
			}
			if m.Channel == notify.ChannelEmail {
				deliveredMsgs[sh]++
			}
			if !w.delivered[sh] {
				t.Errorf("%s: delivered sent for %s, which has a package that never arrived", m.OrderID, sh)
				continue
			}
			// Every package's delivery, by one of its events, was fed before.
			pos := sender.at[i]
			fedPkgs := map[int]bool{}
			for id, p := range w.pkgDelivered[sh] {
				if f, ok := firstFed[id]; ok && f <= pos {
					fedPkgs[p] = true
				}
			}
			if mode == "relay order" && len(fedPkgs) < w.packages[sh] {
				t.Errorf("%s: delivered sent for %s at feed %d with %d of %d packages' deliveries fed", m.OrderID, sh, pos, len(fedPkgs), w.packages[sh])
			}
		}
	}
	if mode != "relay order" {
		return
	}
	// In relay order nothing is lost: each shipped shipment is announced
	// once, each fully delivered one delivered once.
	for _, w := range worlds {
		for sh := range w.shipped {
			if shippedMsgs[sh] != 1 {
				t.Errorf("%s: %d shipped e-mails for %s, want 1", w.id, shippedMsgs[sh], sh)
			}
			want := 0
			if w.delivered[sh] {
				want = 1
			}
			if deliveredMsgs[sh] != want {
				t.Errorf("%s: %d delivered e-mails for %s, want %d", w.id, deliveredMsgs[sh], sh, want)
			}
		}
	}
}
