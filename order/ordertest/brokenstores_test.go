package ordertest_test

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/order/ordertest"
)

// Each broken store wraps the memory store and breaks one promise of the
// Store contract the way a naive SQL adapter would.

// passThrough breaks nothing: the suite must pass it.
type passThrough struct{ *order.MemoryStore }

// offsetCursor pages with LIMIT/OFFSET: its cursor is the number of
// orders already listed, so a change between pages shifts the pages.
type offsetCursor struct{ *order.MemoryStore }

func (s offsetCursor) page(ctx context.Context, page order.PageRequest, list func(order.PageRequest) (order.Page, error)) (order.Page, error) {
	limit, err := page.EffectiveLimit()
	if err != nil {
		return order.Page{}, err
	}
	off := 0
	if page.Cursor != "" {
		if off, err = strconv.Atoi(page.Cursor); err != nil || off < 0 {
			return order.Page{}, oms.Validationf("page", "cursor", "%q is not a cursor", page.Cursor)
		}
	}
	all := everything(list)
	out := order.Page{Orders: []*order.Order{}}
	if off < len(all) {
		out.Orders = all[off:min(off+limit, len(all))]
	}
	if off+limit < len(all) {
		out.NextCursor = strconv.Itoa(off + limit)
	}
	return out, nil
}

func (s offsetCursor) ListByCustomer(ctx context.Context, c oms.ID, p order.PageRequest) (order.Page, error) {
	return s.page(ctx, p, func(q order.PageRequest) (order.Page, error) { return s.MemoryStore.ListByCustomer(ctx, c, q) })
}

func (s offsetCursor) ListByStatus(ctx context.Context, st order.Status, p order.PageRequest) (order.Page, error) {
	if !st.Valid() {
		return s.MemoryStore.ListByStatus(ctx, st, p)
	}
	return s.page(ctx, p, func(q order.PageRequest) (order.Page, error) { return s.MemoryStore.ListByStatus(ctx, st, q) })
}

// everything reads every page of list.
func everything(list func(order.PageRequest) (order.Page, error)) []*order.Order {
	var all []*order.Order
	req := order.PageRequest{Limit: order.MaxPageLimit}
	for {
		p, err := list(req)
		if err != nil {
			return all
		}
		all = append(all, p.Orders...)
		if p.NextCursor == "" {
			return all
		}
		req.Cursor = p.NextCursor
	}
}

// idOrder lists by ID (ORDER BY id), ignoring that an order placed with
// an idempotency key has an ID that does not sort by creation time.
type idOrder struct{ offsetCursor }

func (s idOrder) ListByCustomer(ctx context.Context, c oms.ID, p order.PageRequest) (order.Page, error) {
	return s.byID(p, func(q order.PageRequest) (order.Page, error) { return s.MemoryStore.ListByCustomer(ctx, c, q) })
}

func (s idOrder) ListByStatus(ctx context.Context, st order.Status, p order.PageRequest) (order.Page, error) {
	if !st.Valid() {
		return s.MemoryStore.ListByStatus(ctx, st, p)
	}
	return s.byID(p, func(q order.PageRequest) (order.Page, error) { return s.MemoryStore.ListByStatus(ctx, st, q) })
}

func (s idOrder) byID(page order.PageRequest, list func(order.PageRequest) (order.Page, error)) (order.Page, error) {
	limit, err := page.EffectiveLimit()
	if err != nil {
		return order.Page{}, err
	}
	if page.Cursor != "" && oms.ValidateID(oms.ID(page.Cursor)) != nil {
		return order.Page{}, oms.Validationf("page", "cursor", "%q is not a cursor", page.Cursor)
	}
	all := everything(list)
	slices.SortFunc(all, func(a, b *order.Order) int { return strings.Compare(string(a.ID), string(b.ID)) })
	out := order.Page{Orders: []*order.Order{}}
	for _, o := range all {
		if page.Cursor != "" && string(o.ID) <= page.Cursor {
			continue
		}
		if len(out.Orders) == limit {
			out.NextCursor = string(out.Orders[limit-1].ID)
			break
		}
		out.Orders = append(out.Orders, o)
	}
	return out, nil
}

// droppedEvents saves orders but not their events (the outbox insert was
// forgotten).
type droppedEvents struct{ *order.MemoryStore }

func (s droppedEvents) Create(ctx context.Context, o *order.Order, _ []oms.Event) error {
	return s.MemoryStore.Create(ctx, o, nil)
}

func (s droppedEvents) Update(ctx context.Context, o *order.Order, expected int64, _ []oms.Event) error {
	return s.MemoryStore.Update(ctx, o, expected, nil)
}

// eventsOutsideWrite inserts the events in their own transaction, so a
// refused write still publishes them.
type eventsOutsideWrite struct{ *order.MemoryStore }

func (s eventsOutsideWrite) Create(ctx context.Context, o *order.Order, events []oms.Event) error {
	err := s.MemoryStore.Create(ctx, o, nil)
	s.Outbox().Append(events...)
	return err
}

func (s eventsOutsideWrite) Update(ctx context.Context, o *order.Order, expected int64, events []oms.Event) error {
	err := s.MemoryStore.Update(ctx, o, expected, nil)
	s.Outbox().Append(events...)
	return err
}

// lastWriteWins updates without checking the version it was given
// (UPDATE ... WHERE id = $1, no version in the WHERE).
type lastWriteWins struct {
	*order.MemoryStore
	mu *sync.Mutex
}

func (s lastWriteWins) Update(ctx context.Context, o *order.Order, expected int64, events []oms.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.MemoryStore.Get(ctx, o.ID)
	if err != nil || o.Version != expected+1 {
		return s.MemoryStore.Update(ctx, o, expected, events)
	}
	c := o.Clone()
	c.Version = cur.Version + 1
	return s.MemoryStore.Update(ctx, c, cur.Version, events)
}

// staleStatusIndex lists by the status each order had when created (a
// denormalized status column the Update forgot to set).
type staleStatusIndex struct {
	*order.MemoryStore
	mu      *sync.Mutex
	created map[oms.ID]order.Status
}

func (s staleStatusIndex) Create(ctx context.Context, o *order.Order, events []oms.Event) error {
	err := s.MemoryStore.Create(ctx, o, events)
	if err == nil {
		s.mu.Lock()
		s.created[o.ID] = o.Status
		s.mu.Unlock()
	}
	return err
}

func (s staleStatusIndex) ListByStatus(ctx context.Context, st order.Status, p order.PageRequest) (order.Page, error) {
	if !st.Valid() {
		return s.MemoryStore.ListByStatus(ctx, st, p)
	}
	page, err := s.MemoryStore.ListByCustomer(ctx, "cust-a", p)
	if err != nil {
		return page, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := page.Orders[:0]
	for _, o := range page.Orders {
		if s.created[o.ID] == st {
			kept = append(kept, o)
		}
	}
	page.Orders = kept
	return page, nil
}

// sharedReads hands every reader the same *Order (a cache without
// copies).
type sharedReads struct {
	*order.MemoryStore
	mu    *sync.Mutex
	cache map[oms.ID]*order.Order
}

func (s sharedReads) Get(ctx context.Context, id oms.ID) (*order.Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.cache[id]; ok {
		return o, nil
	}
	o, err := s.MemoryStore.Get(ctx, id)
	if err == nil {
		s.cache[id] = o
	}
	return o, err
}

func (s sharedReads) Update(ctx context.Context, o *order.Order, expected int64, events []oms.Event) error {
	s.mu.Lock()
	delete(s.cache, o.ID)
	s.mu.Unlock()
	return s.MemoryStore.Update(ctx, o, expected, events)
}

// duplicateNumbers does not keep order numbers unique (no unique index).
type duplicateNumbers struct{ *order.MemoryStore }

func (s duplicateNumbers) Create(ctx context.Context, o *order.Order, events []oms.Event) error {
	if _, err := s.MemoryStore.GetByNumber(ctx, o.Number); err == nil {
		c := o.Clone()
		c.Number = "" // saved without the number the unique index would have refused
		return s.MemoryStore.Create(ctx, c, events)
	}
	return s.MemoryStore.Create(ctx, o, events)
}

// brokenStores are the stores TestStore must fail, with a part of the
// failure message it must give.
var brokenStores = map[string]struct {
	make func() order.Store
	want string
}{
	"offset_cursor":        {func() order.Store { return offsetCursor{order.NewMemoryStore(nil)} }, "listed twice"},
	"id_order":             {func() order.Store { return idOrder{offsetCursor{order.NewMemoryStore(nil)}} }, "ListByCustomer pages, oldest first"},
	"dropped_events":       {func() order.Store { return droppedEvents{order.NewMemoryStore(nil)} }, "events saved for"},
	"events_outside_write": {func() order.Store { return eventsOutsideWrite{order.NewMemoryStore(nil)} }, "events saved for"},
	"last_write_wins": {func() order.Store {
		return lastWriteWins{order.NewMemoryStore(nil), &sync.Mutex{}}
	}, "want ErrConflict"},
	"stale_status_index": {func() order.Store {
		return staleStatusIndex{order.NewMemoryStore(nil), &sync.Mutex{}, map[oms.ID]order.Status{}}
	}, "ListByStatus(confirmed)"},
	"shared_reads": {func() order.Store {
		return sharedReads{order.NewMemoryStore(nil), &sync.Mutex{}, map[oms.ID]*order.Order{}}
	}, "changing a returned order changed the store"},
	"duplicate_numbers": {func() order.Store { return duplicateNumbers{order.NewMemoryStore(nil)} }, "Create same number"},
}

func harness(make func() order.Store) ordertest.Harness {
	return ordertest.OutboxHarness(make, func(s order.Store) *oms.MemoryOutbox {
		return s.(interface{ Outbox() *oms.MemoryOutbox }).Outbox()
	})
}

func TestPassThroughStorePasses(t *testing.T) {
	ordertest.TestStore(t, harness(func() order.Store { return passThrough{order.NewMemoryStore(nil)} }))
}

// TestStoreCatchesBrokenStores runs the conformance suite against each
// broken store in a child process (a failing suite fails its test) and
// checks that it fails, saying why (issue 11).
func TestStoreCatchesBrokenStores(t *testing.T) {
	if name := os.Getenv("ORDERTEST_BROKEN_STORE"); name != "" {
		ordertest.TestStore(t, harness(brokenStores[name].make))
		return
	}
	for name, bs := range brokenStores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestStoreCatchesBrokenStores$", "-test.count=1")
			cmd.Env = append(os.Environ(), "ORDERTEST_BROKEN_STORE="+name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the conformance suite passed a broken store:\n%s", out)
			}
			if !strings.Contains(string(out), bs.want) {
				t.Errorf("the failure does not say %q:\n%s", bs.want, out)
			}
		})
	}
}
