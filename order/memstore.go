package order

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/omskit/oms"
)

// MemoryStoreOptions configures a MemoryStore. The zero value (or nil)
// gives the defaults.
type MemoryStoreOptions struct {
	// Outbox receives each write's events inside the write. Default: a
	// new oms.MemoryOutbox. Share one outbox among the memory stores of
	// several packages to relay all their events with one oms.Relay.
	Outbox *oms.MemoryOutbox
}

// MemoryStore is the in-memory Store. Orders are copied in and out; each
// write saves the order and appends its events to the outbox under one
// lock, so readers never see one without the other. It is safe for
// concurrent use.
type MemoryStore struct {
	mu      sync.RWMutex
	orders  map[oms.ID]*Order
	keys    map[string]oms.ID
	numbers map[string]oms.ID
	index   []position // sorted by created time, then ID
	outbox  *oms.MemoryOutbox
}

// position is an order's place in the lists: its creation time, then its
// ID. A cursor is the position of the last order of a page.
type position struct {
	created time.Time
	id      oms.ID
}

func (p position) less(q position) bool {
	if c := p.created.Compare(q.created); c != 0 {
		return c < 0
	}
	return p.id < q.id
}

// String encodes the position as a cursor: Unix seconds, an underscore,
// the nanoseconds, a dot, the ID. (Unix nanoseconds alone wrap outside
// the years 1678 to 2262.)
func (p position) String() string {
	return strconv.FormatInt(p.created.Unix(), 10) + "_" + strconv.Itoa(p.created.Nanosecond()) + "." + string(p.id)
}

func parsePosition(cursor string) (position, error) {
	bad := oms.Validationf("page", "cursor", "%q is not a cursor of this store", clip(cursor))
	at, id, ok := strings.Cut(cursor, ".")
	if !ok {
		return position{}, bad
	}
	secs, nanos, ok := strings.Cut(at, "_")
	if !ok {
		return position{}, bad
	}
	sec, err1 := strconv.ParseInt(secs, 10, 64)
	nsec, err2 := strconv.ParseInt(nanos, 10, 64)
	if err1 != nil || err2 != nil || nsec < 0 || nsec > 999_999_999 || oms.ValidateID(oms.ID(id)) != nil {
		return position{}, bad
	}
	return position{created: time.Unix(sec, nsec).UTC(), id: oms.ID(id)}, nil
}

func positionOf(o *Order) position { return position{created: o.CreatedAt, id: o.ID} }

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty store.
func NewMemoryStore(opts *MemoryStoreOptions) *MemoryStore {
	s := &MemoryStore{orders: map[oms.ID]*Order{}, keys: map[string]oms.ID{}, numbers: map[string]oms.ID{}}
	if opts != nil {
		s.outbox = opts.Outbox
	}
	if s.outbox == nil {
		s.outbox = oms.NewMemoryOutbox(nil)
	}
	return s
}

// Outbox returns the outbox the store appends events to.
func (s *MemoryStore) Outbox() *oms.MemoryOutbox { return s.outbox }

// Get implements Store.
func (s *MemoryStore) Get(ctx context.Context, id oms.ID) (*Order, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	o, ok := s.orders[id]
	if !ok {
		return nil, oms.NotFoundError(entity, id)
	}
	return o.Clone(), nil
}

// Create implements Store.
func (s *MemoryStore) Create(ctx context.Context, o *Order, events []oms.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkStored(o); err != nil {
		return err
	}
	if o.Version != 1 {
		return oms.Validationf(entity, "version", "a new order has version 1, got %d", o.Version)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.orders[o.ID]; ok {
		return duplicate("order %s already exists", o.ID)
	}
	if o.IdempotencyKey != "" {
		if other, ok := s.keys[o.IdempotencyKey]; ok {
			return duplicate("idempotency key %q already used by order %s", o.IdempotencyKey, other)
		}
	}
	if o.Number != "" {
		if other, ok := s.numbers[o.Number]; ok {
			return duplicate("number %q already used by order %s", o.Number, other)
		}
		s.numbers[o.Number] = o.ID
	}
	if o.IdempotencyKey != "" {
		s.keys[o.IdempotencyKey] = o.ID
	}
	s.orders[o.ID] = o.Clone()
	p := positionOf(o)
	i := sort.Search(len(s.index), func(i int) bool { return !s.index[i].less(p) })
	s.index = slices.Insert(s.index, i, p)
	s.outbox.Append(events...)
	return nil
}

// Update implements Store.
func (s *MemoryStore) Update(ctx context.Context, o *Order, expected int64, events []oms.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkStored(o); err != nil {
		return err
	}
	if o.Version != expected+1 {
		return oms.Validationf(entity, "version", "must be the expected version %d plus one, got %d", expected, o.Version)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.orders[o.ID]
	if !ok {
		return oms.NotFoundError(entity, o.ID)
	}
	if cur.Version != expected {
		return oms.ConflictError(entity, o.ID, expected, cur.Version)
	}
	if cur.IdempotencyKey != o.IdempotencyKey {
		return oms.Validationf(entity, "idempotency_key", "cannot change from %q to %q", cur.IdempotencyKey, o.IdempotencyKey)
	}
	if cur.Number != o.Number {
		return oms.Validationf(entity, "number", "cannot change from %q to %q", cur.Number, o.Number)
	}
	if !cur.CreatedAt.Equal(o.CreatedAt) {
		return oms.Validationf(entity, "created_at", "cannot change from %s to %s", cur.CreatedAt, o.CreatedAt)
	}
	s.orders[o.ID] = o.Clone()
	s.outbox.Append(events...)
	return nil
}

// GetByIdempotencyKey implements Store.
func (s *MemoryStore) GetByIdempotencyKey(ctx context.Context, key string) (*Order, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.keys[key]
	if !ok || key == "" {
		return nil, oms.NotFoundError("order idempotency key", key)
	}
	return s.orders[id].Clone(), nil
}

// GetByNumber implements Store.
func (s *MemoryStore) GetByNumber(ctx context.Context, number string) (*Order, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.numbers[number]
	if !ok || number == "" {
		return nil, oms.NotFoundError("order number", number)
	}
	return s.orders[id].Clone(), nil
}

// ListByCustomer implements Store.
func (s *MemoryStore) ListByCustomer(ctx context.Context, customer oms.ID, page PageRequest) (Page, error) {
	return s.list(ctx, page, func(o *Order) bool { return o.Customer.ID == customer })
}

// ListByStatus implements Store.
func (s *MemoryStore) ListByStatus(ctx context.Context, status Status, page PageRequest) (Page, error) {
	if !status.Valid() {
		return Page{}, oms.Validationf(entity, "status", "%q is not an order status", string(status))
	}
	return s.list(ctx, page, func(o *Order) bool { return o.Status == status })
}

func (s *MemoryStore) list(ctx context.Context, page PageRequest, match func(*Order) bool) (Page, error) {
	if err := ctx.Err(); err != nil {
		return Page{}, err
	}
	limit, err := page.EffectiveLimit()
	if err != nil {
		return Page{}, err
	}
	var after position
	if page.Cursor != "" {
		if after, err = parsePosition(page.Cursor); err != nil {
			return Page{}, err
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	start := 0
	if page.Cursor != "" {
		start = sort.Search(len(s.index), func(i int) bool { return after.less(s.index[i]) })
	}
	out := Page{Orders: []*Order{}}
	for i := start; i < len(s.index); i++ {
		o := s.orders[s.index[i].id]
		if !match(o) {
			continue
		}
		if len(out.Orders) == limit {
			out.NextCursor = positionOf(out.Orders[len(out.Orders)-1]).String()
			break
		}
		out.Orders = append(out.Orders, o.Clone())
	}
	return out, nil
}

// checkStored rejects orders no store should hold.
func checkStored(o *Order) error {
	if o == nil {
		return oms.Validationf(entity, "", "order is nil")
	}
	idErr, status := oms.ValidateID(o.ID), o.Status.Valid()
	dupHold := oms.ID("")
	for i := 1; i < len(o.Holds) && dupHold == ""; i++ {
		for _, h := range o.Holds[:i] {
			if h.ID == o.Holds[i].ID {
				dupHold = h.ID
			}
		}
	}
	if idErr == nil && status && dupHold == "" {
		return nil
	}
	v := validation()
	if dupHold != "" {
		v.Add("holds", "hold ID %s appears twice; hold IDs are unique within an order", dupHold)
	}
	if idErr != nil {
		v.Add("id", "%q is not a valid ID", string(o.ID))
	}
	if !status {
		v.Add("status", "%q is not an order status", string(o.Status))
	}
	return v.Err()
}

func duplicate(format string, args ...any) error {
	return fmt.Errorf("%w: order: %s", oms.ErrDuplicate, fmt.Sprintf(format, args...))
}
