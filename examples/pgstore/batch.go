package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// ReserveBatcher is an inventory.Store whose Reserve applies concurrent
// reservations of one process together, in one transaction: a hot level is
// locked and committed once for the whole batch rather than once per
// reservation, so its throughput is no longer bound by one commit per
// reservation. Each reservation is still all or nothing, decided in
// arrival order against the stock the earlier ones left, and gets its own
// result (a *ShortageError, a replay, a not-found error) as if it had been
// reserved alone. Every other method is the InventoryStore's.
//
// A batch is one call of pgstore_reserve_batch (migrations 0009, 0015,
// 0019): one round trip and one commit. It saves the reservations and
// their events before taking any lock, then locks the batch's levels in
// the fixed order (SKU, then location) and after them the counters of the
// preorder SKUs and of the SKUs it may backorder, checks each
// reservation in turn, writes each level and counter once and deletes the
// rows of the reservations it refused. What only a reservation alone can
// sort out (an unknown or untracked SKU, an unknown or inactive location, a
// level row not created yet, an ID twice in one batch, a SKU's backorders
// past 2^62) is reserved alone
// after the batch, as if it had arrived after the others; a batch that
// fails (a lost connection, a serialization failure) is reserved one
// reservation at a time.
type ReserveBatcher struct {
	*InventoryStore
	opts  ReserveBatcherOptions
	queue chan *batchReq
	done  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
	// mu orders Reserve's queueing before Close: once closed is set (and
	// done closed) nothing is queued, so the workers' last drain answers
	// every queued request.
	mu     sync.RWMutex
	closed bool
}

var _ inventory.Store = (*ReserveBatcher)(nil)

// ReserveBatcherOptions configures NewReserveBatcher. Nil means the
// defaults.
type ReserveBatcherOptions struct {
	// MaxBatch caps the reservations of one transaction. Default 64.
	MaxBatch int
	// Workers is how many batches may be in flight at once. Default 1:
	// one batch forms while the previous one commits. At most the pool's
	// MaxConns: each batch in flight holds a connection.
	Workers int
	// Timeout bounds one batch's transaction. Default 10 s.
	Timeout time.Duration
}

type batchReq struct {
	ctx   context.Context
	r     inventory.Reservation
	ev    oms.Event
	reply chan batchResult
}

type batchResult struct {
	r       inventory.Reservation
	created bool
	err     error
}

// maxQueue bounds the requests a ReserveBatcher's queue holds; callers
// past it wait for a worker to take from it.
const maxQueue = 4096

// NewReserveBatcher returns a batcher over s; Close stops it.
func NewReserveBatcher(s *InventoryStore, opts *ReserveBatcherOptions) *ReserveBatcher {
	var o ReserveBatcherOptions
	if opts != nil {
		o = *opts
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 64
	}
	if o.Workers <= 0 {
		o.Workers = 1
	}
	o.Workers = min(o.Workers, int(s.db.pool.Config().MaxConns))
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	// The queue holds a batch per worker, within maxQueue: a MaxBatch that
	// large means no cap, not a buffer of that size.
	queue := maxQueue
	if o.MaxBatch <= maxQueue/o.Workers {
		queue = o.MaxBatch * o.Workers
	}
	b := &ReserveBatcher{InventoryStore: s, opts: o, queue: make(chan *batchReq, queue), done: make(chan struct{})}
	for i := 0; i < o.Workers; i++ {
		b.wg.Add(1)
		go b.run()
	}
	return b
}

// Close stops the batcher after the batches in flight; later Reserve
// calls reserve one by one.
func (b *ReserveBatcher) Close() {
	b.once.Do(func() {
		b.mu.Lock()
		b.closed = true
		close(b.done)
		b.mu.Unlock()
	})
	b.wg.Wait()
}

// Reserve implements inventory.Store through the batch.
func (b *ReserveBatcher) Reserve(ctx context.Context, r inventory.Reservation, ev oms.Event) (inventory.Reservation, bool, error) {
	if err := ctx.Err(); err != nil {
		return inventory.Reservation{}, false, err
	}
	if err := checkReserveShape(&r); err != nil {
		return inventory.Reservation{}, false, err
	}
	if err := checkEvents(ev); ev.ID != "" && err != nil {
		return inventory.Reservation{}, false, err
	}
	req := &batchReq{ctx: ctx, r: r, ev: ev, reply: make(chan batchResult, 1)}
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return b.InventoryStore.Reserve(ctx, r, ev)
	}
	select {
	case b.queue <- req:
		b.mu.RUnlock()
	case <-ctx.Done():
		b.mu.RUnlock()
		return inventory.Reservation{}, false, ctx.Err()
	}
	res := <-req.reply // always answered: queued before Close, so a worker takes it
	return res.r, res.created, res.err
}

func (b *ReserveBatcher) run() {
	defer b.wg.Done()
	for {
		var first *batchReq
		select {
		case first = <-b.queue:
		case <-b.done:
			// Answer what is queued, then stop.
			for {
				select {
				case req := <-b.queue:
					b.apply([]*batchReq{req})
				default:
					return
				}
			}
		}
		batch := []*batchReq{first}
		// Let the callers the last batch answered queue again before
		// taking what is queued: without it, with N callers, every other
		// batch holds about half of them (measured: 4.0 reservations a
		// batch with 8 clients; 7.3 with it).
		runtime.Gosched()
	fill:
		for len(batch) < b.opts.MaxBatch {
			select {
			case req := <-b.queue:
				batch = append(batch, req)
			default:
				break fill
			}
		}
		b.apply(batch)
	}
}

// apply answers every request of batch.
func (b *ReserveBatcher) apply(batch []*batchReq) {
	live := batch[:0]
	for _, req := range batch {
		if err := req.ctx.Err(); err != nil {
			req.reply <- batchResult{err: err}
			continue
		}
		live = append(live, req)
	}
	if len(live) == 0 {
		return
	}
	alone := live
	if len(live) > 1 {
		// An ID twice: the later one goes alone, after the batch (a replay
		// of the first, or a reservation of its own if the first failed).
		seen := map[oms.ID]bool{}
		var in []*batchReq
		alone = nil
		for _, req := range live {
			if seen[req.r.ID] {
				alone = append(alone, req)
				continue
			}
			seen[req.r.ID] = true
			in = append(in, req)
		}
		ctx, cancel := context.WithTimeout(context.Background(), b.opts.Timeout)
		results, err := b.reserveBatch(ctx, in)
		cancel()
		if err != nil {
			alone = live // nothing was saved: one by one
		} else {
			for i, req := range in {
				switch res := results[i]; {
				case res.err == errAlone:
					alone = append(alone, req)
				case res.err == errReplay:
					r, created, err := b.replayRead(req.ctx, req.r)
					req.reply <- batchResult{r, created, err}
				default:
					req.reply <- res
				}
			}
		}
	}
	for _, req := range alone {
		r, created, err := b.InventoryStore.Reserve(req.ctx, req.r, req.ev)
		req.reply <- batchResult{r, created, err}
	}
}

// errAlone says a reservation of the batch must be made alone.
var errAlone = errors.New("pgstore: reserve alone")

const reserveBatchSQL = `SELECT result, detail FROM pgstore_reserve_batch($1, $2, $3, $4, $5, $6, $7, $8, $9,
	$10, $11, $12, $13, $14, $15, $17, $16)`

// reserveBatch reserves the requests (distinct IDs) in one call of
// pgstore_reserve_batch. A result's err is errAlone or errReplay for the
// caller to sort out, a *ShortageError, or nil with the saved
// reservation. An error means nothing was saved.
func (b *ReserveBatcher) reserveBatch(ctx context.Context, reqs []*batchReq) ([]batchResult, error) {
	n := len(reqs)
	outs := make([]inventory.Reservation, n)
	ids, refs, docs := make([]string, n), make([]string, n), make([]string, n)
	exp := make([]*time.Time, n)
	ns := make([]int16, n)
	var lres []int32
	var lsku, lloc []string
	var lqty []int64
	eid := make([]*string, n)
	etype, ekind, eagg := make([]string, n), make([]string, n), make([]string, n)
	ever := make([]int64, n)
	eat := make([]time.Time, n)
	ens := make([]int16, n)
	epay := make([]*string, n)
	for i, req := range reqs {
		r := req.r.Clone()
		r.Status, r.Version = inventory.StatusActive, 1
		for j := range r.Lines {
			ln := &r.Lines[j]
			ln.Committed, ln.Released, ln.Untracked = 0, 0, false
			lres, lsku, lloc, lqty = append(lres, int32(i+1)), append(lsku, string(ln.SKU)), append(lloc, string(ln.Location)), append(lqty, ln.Quantity)
		}
		d, err := doc(r)
		if err != nil {
			return nil, err
		}
		outs[i] = r
		ids[i], refs[i], docs[i], ns[i] = string(r.ID), r.Reference, d, nsPart(r.ExpiresAt)
		if !r.ExpiresAt.IsZero() {
			t := r.ExpiresAt
			exp[i] = &t
		}
		if ev := req.ev; ev.ID != "" {
			id := string(ev.ID)
			eid[i], etype[i], ekind[i], eagg[i], ever[i], eat[i] = &id, ev.Type, ev.AggregateKind, string(ev.AggregateID), ev.AggregateVersion, ev.Time
			ens[i] = nsPart(ev.Time)
			if len(ev.Payload) > 0 {
				p := string(ev.Payload)
				epay[i] = &p
			}
		}
	}
	rows, err := b.db.pool.Query(ctx, reserveBatchSQL, ids, refs, exp, ns, docs, lres, lsku, lloc, lqty,
		eid, etype, ekind, eagg, ever, eat, epay, ens)
	if err != nil {
		return nil, wrap("reserve batch", err)
	}
	defer rows.Close()
	results := make([]batchResult, 0, n)
	for rows.Next() {
		var (
			res    string
			detail []byte
		)
		if err := rows.Scan(&res, &detail); err != nil {
			return nil, wrap("reserve batch", err)
		}
		i := len(results)
		if i >= n {
			return nil, fmt.Errorf("pgstore: reserve batch: more than %d results", n)
		}
		switch res {
		case "ok":
			results = append(results, batchResult{r: outs[i], created: true})
		case "replay":
			results = append(results, batchResult{err: errReplay})
		case "alone":
			results = append(results, batchResult{err: errAlone})
		case "short":
			var short []struct {
				Line      int   `json:"line"`
				Available int64 `json:"available"`
			}
			if err := json.Unmarshal(detail, &short); err != nil || len(short) == 0 {
				return nil, fmt.Errorf("pgstore: reserve batch: shortage detail %q: %v", detail, err)
			}
			se := &inventory.ShortageError{Op: "reserve", ID: outs[i].ID}
			for _, s := range short {
				if s.Line < 0 || s.Line >= len(outs[i].Lines) {
					return nil, fmt.Errorf("pgstore: reserve batch: shortage of line %d", s.Line)
				}
				ln := outs[i].Lines[s.Line]
				se.Lines = append(se.Lines, inventory.Shortage{Line: s.Line, SKU: ln.SKU, Location: ln.Location, Requested: ln.Quantity, Available: s.Available})
			}
			results = append(results, batchResult{err: se})
		default:
			return nil, fmt.Errorf("pgstore: reserve batch: result %q", res)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("reserve batch", err)
	}
	if len(results) != n {
		return nil, fmt.Errorf("pgstore: reserve batch: %d results for %d reservations", len(results), n)
	}
	return results, nil
}
